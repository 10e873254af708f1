//! Storage of personal calendar feeds: one capability slice, included in [`crate::store::Store`].

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::domain::{CalendarFeed, Change, Lang, UserId};
use crate::store::StoreResult;

#[async_trait]
pub trait CalendarStore: Send + Sync + 'static {
    /// The user's live feed, if any.
    async fn calendar_feed(&self, user: UserId) -> StoreResult<Option<CalendarFeed>>;

    /// The live feed whose secret hashes to `token_hash`, if its owner's account is not disabled.
    async fn calendar_feed_by_hash(&self, token_hash: &str) -> StoreResult<Option<CalendarFeed>>;

    /// Starts a feed for `user` under `token_hash`, ending the live one (a rotation) in the same
    /// transaction, with the audit entry `change` (whose record is the new feed).
    async fn start_calendar_feed(
        &self,
        user: UserId,
        token_hash: &str,
        lang: Lang,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<CalendarFeed>;

    /// Ends the user's live feed with the audit entry `change`; `false` (and no entry) when there is none.
    async fn revoke_calendar_feed(&self, user: UserId, now: OffsetDateTime, change: &Change) -> StoreResult<bool>;
}
