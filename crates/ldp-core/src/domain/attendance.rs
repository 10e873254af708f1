//! Attendance: which attendee of a confirmed registration was checked in for which session of an event.

mod store;

pub use store::AttendanceStore;

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::domain::RegistrationId;

/// One attendee checked in for one session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct CheckIn {
    pub registration: RegistrationId,
    /// The attendee's position (from 0) in the registration's attendee list.
    pub attendee: u32,
    /// The session's position (from 0) in the event's sessions as they are now. The check-in is stored by
    /// the session's id, so it stays with its session when the event's sessions are reordered or edited.
    pub session: u32,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
}
