//! Storage of check-ins: one capability slice, included in [`crate::store::Store`].

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::domain::training_record::{AttendedSession, RecordFilter};
use crate::domain::{Change, CheckIn, EventId, MunicipalityId, RegistrationId};
use crate::store::StoreResult;

#[async_trait]
pub trait AttendanceStore: Send + Sync + 'static {
    /// An event's check-ins, by session, registration and attendee.
    async fn check_ins(&self, event: EventId) -> StoreResult<Vec<CheckIn>>;
    /// Checks one attendee of a registration in for a session of `event`; `false` (and no entry) when they
    /// were checked in already. `Conflict("registration_not_confirmed")` unless the registration belongs to
    /// `event` and is confirmed (the caller checks the attendee's position against the registration);
    /// `Conflict("unknown_session")` when the event has no session at position `session` (any more). The
    /// check-in is stored by the session's id and follows it when the sessions are edited.
    async fn check_in(
        &self,
        event: EventId,
        registration: RegistrationId,
        attendee: u32,
        session: u32,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool>;
    /// Undoes a check-in for the session now at position `session`; `false` (and no entry) when there was
    /// none.
    async fn undo_check_in(
        &self,
        registration: RegistrationId,
        attendee: u32,
        session: u32,
        change: &Change,
    ) -> StoreResult<bool>;
    /// The training record's rows (issue 11), in one query: one per attendee of a confirmed registration
    /// checked in for a session of a training or workshop that was not cancelled, with the event, the
    /// registration's municipality and its province; narrowed by `filter` (year in Istanbul, topic,
    /// municipality, province) and, when `within` is given, to registrations for those municipalities. By
    /// session start, event, session, registration and attendee.
    async fn attended_sessions(
        &self,
        filter: &RecordFilter,
        within: Option<&[MunicipalityId]>,
    ) -> StoreResult<Vec<AttendedSession>>;
}
