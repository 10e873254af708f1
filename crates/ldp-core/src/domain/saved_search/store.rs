//! Storage of saved searches and of the keys of what was mailed about them: one capability slice, included in
//! [`crate::store::Store`]. Every write of a search takes the [`Change`] it is audited with; the keys are
//! claimed inside a [`crate::store::UnitOfWork`] ([`SavedSearchWrites`]), together with the mail's job and
//! the unit's audit entry.

use async_trait::async_trait;
use std::collections::HashSet;
use time::OffsetDateTime;

use super::{AlertFrequency, NewSavedSearch, SavedSearch, SavedSearchId};
use crate::domain::funding::CallId;
use crate::domain::{Change, Lang, UserId};
use crate::store::StoreResult;

#[async_trait]
pub trait SavedSearchStore: Send + Sync + 'static {
    /// A user's saved searches (every user's with `None`), oldest first.
    async fn saved_searches(&self, user: Option<UserId>) -> StoreResult<Vec<SavedSearch>>;
    async fn saved_search(&self, id: SavedSearchId) -> StoreResult<Option<SavedSearch>>;
    /// Saves a search. The calls in `seen` (those matching it already) are recorded as known, so only calls
    /// published later are announced. `Conflict("user_not_found")` for an unknown user.
    async fn create_saved_search(
        &self,
        search: &NewSavedSearch,
        seen: &[CallId],
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<SavedSearchId>;
    /// Changes how often and in which language a search mails; `false` (and no entry) when there is no such
    /// search.
    async fn update_saved_search(
        &self,
        id: SavedSearchId,
        frequency: AlertFrequency,
        lang: Lang,
        change: &Change,
    ) -> StoreResult<bool>;
    /// Deletes a search with what it recorded of alerts; `false` (and no entry) when there is none.
    async fn delete_saved_search(&self, id: SavedSearchId, change: &Change) -> StoreResult<bool>;
    /// The calls a search already knows of (announced, waiting for a digest, or known when it was saved).
    async fn known_calls(&self, id: SavedSearchId) -> StoreResult<HashSet<CallId>>;
    /// The deadline reminders already queued for a user: call, deadline, days before.
    async fn reminders_sent(&self, user: UserId) -> StoreResult<HashSet<(CallId, OffsetDateTime, u8)>>;
    /// The calls of a search waiting for its next digest.
    async fn pending_digest(&self, id: SavedSearchId) -> StoreResult<Vec<CallId>>;
}

/// The claims of alert keys inside a unit of work. Each key is unique in the database, so of two nodes
/// claiming the same key at the same moment exactly one gets `true` (the other waits for it and sees it
/// taken); the caller queues the mail only then, in the same transaction.
#[async_trait]
pub trait SavedSearchWrites: Send {
    /// Records that `call` is new to search `id`: announced now (`digest: false`) or waiting for the next
    /// digest. `false` when the search already knew the call.
    async fn claim_alert(
        &mut self,
        id: SavedSearchId,
        call: CallId,
        digest: bool,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
    /// Claims the digest of search `id` for `period` and hands it the calls waiting; `None` when that
    /// period's digest was already claimed or nothing waits.
    async fn claim_digest(
        &mut self,
        id: SavedSearchId,
        period: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<Vec<CallId>>>;
    /// Claims the reminder `days` before the deadline at `deadline` of `call` for `user`; `false` when it was
    /// already claimed.
    async fn claim_reminder(
        &mut self,
        user: UserId,
        call: CallId,
        deadline: OffsetDateTime,
        days: u8,
        now: OffsetDateTime,
    ) -> StoreResult<bool>;
}
