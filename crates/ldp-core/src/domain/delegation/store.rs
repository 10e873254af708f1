//! Storage of delegations: one capability slice, included in [`crate::store::Store`]. Every write takes the
//! [`Change`] it is audited with.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{Delegation, DelegationDetails, NewGift, NewParticipant};
use crate::domain::{Change, EventId};
use crate::store::StoreResult;

#[async_trait]
pub trait DelegationStore: Send + Sync + 'static {
    /// The visit's record: details (default when never saved), participants and gifts.
    async fn delegation(&self, event: EventId) -> StoreResult<Delegation>;
    /// Saves the details (creating the record on first save). `Conflict("event_not_found")` for an unknown event.
    async fn save_delegation(
        &self,
        event: EventId,
        details: &DelegationDetails,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()>;
    /// Adds a participant; returns its id. `Conflict("event_not_found")` for an unknown event.
    async fn add_participant(&self, event: EventId, person: &NewParticipant, change: &Change) -> StoreResult<i64>;
    /// Removes a participant of the event; `false` (and no entry) when there is none with that id.
    async fn remove_participant(&self, event: EventId, id: i64, change: &Change) -> StoreResult<bool>;
    /// Records a gift; returns its id. `Conflict("event_not_found")` for an unknown event.
    async fn add_gift(&self, event: EventId, gift: &NewGift, change: &Change) -> StoreResult<i64>;
    /// Removes a gift of the event; `false` (and no entry) when there is none with that id.
    async fn remove_gift(&self, event: EventId, id: i64, change: &Change) -> StoreResult<bool>;
}
