//! Certificates of attendance (issue 11): issued to an attendee of a training or workshop whose checked-in
//! hours reach a threshold (80% by default, set per event by staff) of the event's total session hours. A
//! certificate keeps what it certifies as it was when issued; it is verified publicly by its 8-character code
//! (the registration codes' alphabet, without look-alikes) and can be revoked, never removed.

mod store;

pub use store::CertificateStore;

use serde::Serialize;
use std::fmt;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::event::{EventKind, EventTopic, is_registration_code};
use super::{EventId, Localized, MunicipalityId, RegistrationId};

/// The share of an event's session hours an attendee must be checked in for, unless staff set another.
pub const DEFAULT_THRESHOLD_PERCENT: u8 = 80;

/// Database id of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[schema(value_type = i64)]
pub struct CertificateId(pub i64);

impl fmt::Display for CertificateId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Whether events of `kind` lead to certificates: trainings and workshops, where people learn over hours.
pub fn certifies(kind: EventKind) -> bool {
    matches!(kind, EventKind::Training | EventKind::Workshop)
}

/// Whether `attended` minutes reach `percent` of `total` minutes, in exact integer arithmetic (exactly 80% is
/// enough for a threshold of 80%).
pub fn reaches_threshold(attended: i64, total: i64, percent: u8) -> bool {
    total > 0 && attended > 0 && attended * 100 >= total * i64::from(percent)
}

/// A verification code as a person may type it (lower case, spaces or dashes between groups) in its stored
/// form, or `None` when it cannot be a code.
pub fn normalise_code(raw: &str) -> Option<String> {
    let code: String =
        raw.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
    is_registration_code(&code).then_some(code)
}

/// Minutes as hours, rounded to a quarter (what certificates and records show).
pub fn hours(minutes: i64) -> f64 {
    (minutes as f64 / 15.0).round() / 4.0
}

/// What a certificate certifies about its training, copied from the event when it is issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TrainingSnapshot {
    pub event: EventId,
    pub title: Localized,
    pub topics: Vec<EventTopic>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    /// The event's session minutes together.
    pub total_minutes: i64,
    /// The threshold the certificate was issued under.
    pub threshold_percent: u8,
}

/// One certificate as it is to be issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCertificate {
    pub code: String,
    pub registration: RegistrationId,
    /// The attendee's position (from 0) in the registration's attendee list.
    pub attendee: u32,
    pub name: String,
    pub email: String,
    pub municipality: Option<MunicipalityId>,
    /// Minutes of the sessions the attendee was checked in for.
    pub attended_minutes: i64,
}

/// A stored certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Certificate {
    pub id: CertificateId,
    pub code: String,
    #[serde(flatten)]
    pub training: TrainingSnapshot,
    pub registration: RegistrationId,
    pub attendee: u32,
    pub name: String,
    /// The attendee's address (workspace and API for staff only; never on the public page).
    pub email: String,
    pub municipality: Option<MunicipalityId>,
    pub attended_minutes: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    /// Why it was revoked (empty while valid); internal, as it may be personal.
    pub revocation_reason: String,
}

impl Certificate {
    pub fn is_valid(&self) -> bool {
        self.revoked_at.is_none()
    }

    /// The attended hours, rounded to a quarter.
    pub fn hours(&self) -> f64 {
        hours(self.attended_minutes)
    }

    /// The training's total hours, rounded to a quarter.
    pub fn total_hours(&self) -> f64 {
        hours(self.training.total_minutes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_threshold_is_reached_exactly_at_its_share() {
        // 8 of 10 hours is exactly 80%.
        assert!(reaches_threshold(480, 600, 80));
        assert!(!reaches_threshold(479, 600, 80));
        assert!(reaches_threshold(600, 600, 100));
        assert!(!reaches_threshold(0, 600, 1));
        assert!(!reaches_threshold(10, 0, 80));
        // 2 of 3 sessions of 4 hours: 66.7%.
        assert!(!reaches_threshold(480, 720, 67));
        assert!(reaches_threshold(480, 720, 66));
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(normalise_code(" hjkm npqr ").as_deref(), Some("HJKMNPQR"));
        assert_eq!(normalise_code("hjkm-npqr").as_deref(), Some("HJKMNPQR"));
        assert_eq!(normalise_code("HJKMNPQ0"), None);
        assert_eq!(normalise_code("HJKMNPQ"), None);
        assert_eq!(normalise_code("ıjkmnpqr"), None);
    }

    #[test]
    fn only_trainings_and_workshops_certify() {
        assert!(certifies(EventKind::Training));
        assert!(certifies(EventKind::Workshop));
        assert!(!certifies(EventKind::PlatformMeeting));
        assert!(!certifies(EventKind::IncomingDelegation));
    }
}
