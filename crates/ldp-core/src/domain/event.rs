//! Capacity building: trainings, workshops, platform meetings, international meetings, study visits and
//! delegations, with their sessions and registrations. Types are parsed at the edge
//! ([`crate::services::events`]); the store keeps them as they are.

use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{Lang, Localized, MunicipalityId, NetworkId, UserId};

pub mod calendar;
mod sessions;
mod store;
pub use sessions::{SessionEdit, match_sessions};
pub use store::{EventStore, EventWrites};

/// Database id of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[schema(value_type = i64)]
pub struct EventId(pub i64);

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Database id of a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[schema(value_type = i64)]
pub struct RegistrationId(pub i64);

/// A fixed vocabulary, stored and sent by its `snake_case` name.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vdoc])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(text: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == text.trim())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

vocabulary!(
    /// What kind of gathering an event is.
    EventKind {
        Training = "training",
        Workshop = "workshop",
        /// A meeting of the Local Diplomacy Platform itself.
        PlatformMeeting = "platform_meeting",
        /// An international meeting or conference.
        InternationalMeeting = "international_meeting",
        StudyVisit = "study_visit",
        IncomingDelegation = "incoming_delegation",
        OutgoingDelegation = "outgoing_delegation",
    }
);

vocabulary!(
    /// The eight capacity-building subjects the union's page names (the seed's list), as a fixed vocabulary.
    EventTopic {
        DiplomacyProtocol = "diplomacy_protocol",
        InternationalProjects = "international_projects",
        CompetitionsFunding = "competitions_funding",
        InternationalMeetings = "international_meetings",
        SisterCities = "sister_cities",
        CityNetworks = "city_networks",
        PublicDiplomacy = "public_diplomacy",
        ProjectManagement = "project_management",
    }
);

vocabulary!(
    /// Who an event is for.
    Audience {
        /// Members' representatives.
        Representatives = "representatives",
        /// Members' staff.
        MemberStaff = "member_staff",
        /// Anyone.
        Public = "public",
    }
);

vocabulary!(
    /// Where an event stands. A draft is seen only in the workspace; the others are public.
    EventStatus {
        Draft = "draft",
        Published = "published",
        Postponed = "postponed",
        Cancelled = "cancelled",
    }
);

vocabulary!(
    /// Where a registration stands.
    RegistrationStatus {
        /// Holds its seats.
        Confirmed = "confirmed",
        /// Waits, first in first out, for seats to free up.
        Waitlisted = "waitlisted",
        /// Cancelled by the registrant or staff: holds nothing.
        Cancelled = "cancelled",
        /// Was first in line when seats freed up: holds them until it accepts (confirmed), declines or the
        /// offer expires (both pass the seats to the next in line).
        Offered = "offered",
        /// Fitted the seats of an event under moderation: holds them until staff confirm or reject it.
        Pending = "pending",
        /// A public registrant's, waiting for the mailed link (double opt-in): holds no seat and has no place
        /// in the line until then; deleted by the pruning sweep once its link expires.
        Unconfirmed = "unconfirmed",
        /// Refused by staff (moderation): holds nothing.
        Rejected = "rejected",
    }
);

vocabulary!(
    /// What a link mailed to a registrant is for (only its secret's SHA-256 is stored).
    RegistrationLinkPurpose {
        /// Take or decline the seats a waitlist offer holds, without signing in.
        Offer = "offer",
        /// Confirm a public registrant's address (double opt-in), which puts the registration in line.
        OptIn = "opt_in",
    }
);

impl Audience {
    /// Whether anyone may register, signed in or not (with the double opt-in).
    pub fn is_public(self) -> bool {
        self == Audience::Public
    }
}

impl EventStatus {
    /// Whether visitors see an event in this state.
    pub fn is_public(self) -> bool {
        self != EventStatus::Draft
    }
}

/// One day (or part of one) of an event, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct EventSession {
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub end: OffsetDateTime,
}

impl EventSession {
    /// The session's length in minutes.
    pub fn minutes(&self) -> i64 {
        (self.end - self.start).whole_minutes().max(0)
    }
}

/// Everything about an event that its organisers write.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct EventFields {
    pub kind: EventKind,
    pub title: Localized,
    pub summary: Localized,
    pub body: Localized,
    pub topics: Vec<EventTopic>,
    /// SDG numbers (1–17), ascending.
    pub sdgs: Vec<u8>,
    pub networks: Vec<NetworkId>,
    /// The member municipality hosting it, if any.
    pub host: Option<MunicipalityId>,
    /// The sister-city relation it belongs to, if any.
    pub partnership: Option<i64>,
    /// The venue's name and address (empty for an online event).
    pub venue: String,
    /// The gazetteer city (GeoNames id) the venue is in.
    pub city: Option<i64>,
    /// The link of an online event (empty for one in person).
    pub online_url: String,
    /// One or more sessions, in time order.
    pub sessions: Vec<EventSession>,
    pub languages: Vec<Lang>,
    pub speakers: String,
    pub organiser: String,
    pub audience: EventAudience,
    /// Seats; `None` for no limit.
    pub capacity: Option<u32>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub registration_opens: Option<OffsetDateTime>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub registration_closes: Option<OffsetDateTime>,
    /// Seats one municipality may hold at most.
    pub quota_per_municipality: Option<u32>,
    /// Registrations need the organiser's approval: one that fits is `pending` (holding its seats) until
    /// staff confirm or reject it.
    #[serde(default)]
    pub moderated: bool,
}

/// The audience of an event (an alias kept for the field's name in the API).
pub type EventAudience = Audience;

impl EventFields {
    /// The first session's start.
    pub fn starts_at(&self) -> Option<OffsetDateTime> {
        self.sessions.iter().map(|s| s.start).min()
    }

    /// The last session's end.
    pub fn ends_at(&self) -> Option<OffsetDateTime> {
        self.sessions.iter().map(|s| s.end).max()
    }

    /// Hours counted toward training hours: the sessions' lengths together, in hours (rounded to a quarter).
    pub fn hours(&self) -> f64 {
        let minutes: i64 = self.sessions.iter().map(EventSession::minutes).sum();
        (minutes as f64 / 15.0).round() / 4.0
    }

    /// Whether the time or the place differs from `other`: what raises the calendar SEQUENCE.
    pub fn time_or_place_differs(&self, other: &EventFields) -> bool {
        self.sessions != other.sessions
            || self.venue != other.venue
            || self.city != other.city
            || self.online_url != other.online_url
    }
}

/// A stored event.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Event {
    pub id: EventId,
    #[serde(flatten)]
    pub fields: EventFields,
    pub status: EventStatus,
    /// The representative who proposed it (for a proposal awaiting staff).
    pub proposed_by: Option<UserId>,
    /// The calendar SEQUENCE: rises whenever the time or place changes or the event is cancelled or
    /// postponed, never falls.
    pub sequence: i64,
    /// Seats held by confirmed registrations.
    pub seats_taken: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

/// Which events a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only events in these states (all when empty).
    pub statuses: Vec<EventStatus>,
    pub kind: Option<EventKind>,
    pub topic: Option<EventTopic>,
    pub sdg: Option<u8>,
    /// Hosted by this municipality.
    pub municipality: Option<MunicipalityId>,
    pub network: Option<NetworkId>,
    /// `Some((true, now))`: events not over at `now`, soonest first; `Some((false, now))`: events over by
    /// `now`, latest first; `None`: all, latest first.
    pub when: Option<(bool, OffsetDateTime)>,
    /// Drafts proposed by this user, besides the statuses above (a representative's own proposals).
    pub proposed_by: Option<UserId>,
}

/// One person a registration holds a seat for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Attendee {
    pub name: String,
    pub email: String,
}

/// A registration as it is asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRegistration {
    /// The 8-character code (see [`registration_code`]).
    pub code: String,
    pub registered_by: Option<UserId>,
    /// The municipality the attendees come from (what the quota counts).
    pub municipality: Option<MunicipalityId>,
    /// One or more people; each holds one seat.
    pub attendees: Vec<Attendee>,
}

/// A stored registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Registration {
    pub id: RegistrationId,
    pub event: EventId,
    pub code: String,
    pub registered_by: Option<UserId>,
    pub municipality: Option<MunicipalityId>,
    pub attendees: Vec<Attendee>,
    pub status: RegistrationStatus,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Until when an `offered` registration may accept its seats.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub offer_expires_at: Option<OffsetDateTime>,
    /// A public registrant's KVKK consent, as given on the form.
    pub consent: Option<Consent>,
    /// Until when an `unconfirmed` registration's mailed link confirms it.
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub confirm_by: Option<OffsetDateTime>,
}

/// The KVKK consent a public registrant gave: when, and to which version of the privacy notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Consent {
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub notice_version: String,
}

/// What a public (signed-out) registration adds to a [`NewRegistration`] of one attendee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicRegistration {
    /// The attendee's address, folded (lower case): one live registration per address and event.
    pub contact_email: String,
    pub consent: Consent,
    /// Until when the mailed link confirms it.
    pub confirm_by: OffsetDateTime,
    /// A keyed hash of the client address, for the rate limit.
    pub client_key: Option<String>,
}

impl RegistrationStatus {
    /// Whether a registration in this state holds its seats (counts against the capacity).
    pub fn holds_seats(self) -> bool {
        matches!(self, RegistrationStatus::Confirmed | RegistrationStatus::Offered | RegistrationStatus::Pending)
    }

    /// Whether a registration in this state is over (holds nothing and never will).
    pub fn is_closed(self) -> bool {
        matches!(self, RegistrationStatus::Cancelled | RegistrationStatus::Rejected)
    }
}

impl Registration {
    /// Seats it holds (or waits for).
    pub fn seats(&self) -> i64 {
        self.attendees.len() as i64
    }
}

/// The alphabet of registration codes: digits and capitals without the look-alikes 0/O and 1/I/L.
pub const CODE_ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// An 8-character registration code from 8 random bytes (rejection sampling keeps every letter equally
/// likely: bytes at or above the largest multiple of the alphabet's size are drawn again).
pub fn registration_code(mut random: impl FnMut() -> u8) -> String {
    let n = CODE_ALPHABET.len();
    let limit = (256 / n) * n;
    let mut code = String::with_capacity(8);
    while code.len() < 8 {
        let b = usize::from(random());
        if b < limit {
            code.push(char::from(CODE_ALPHABET[b % n]));
        }
    }
    code
}

/// Whether `code` could be a registration code (after upper-casing).
pub fn is_registration_code(code: &str) -> bool {
    code.len() == 8 && code.bytes().all(|b| CODE_ALPHABET.contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_leave_out_look_alikes() {
        for c in ['0', 'O', '1', 'I', 'L'] {
            assert!(!CODE_ALPHABET.contains(&(c as u8)), "{c}");
        }
        let mut n = 0u8;
        let code = registration_code(|| {
            n = n.wrapping_add(37);
            n
        });
        assert_eq!(code.len(), 8);
        assert!(is_registration_code(&code));
        assert!(!is_registration_code("ABCDEF0O"));
        // Bytes past the last whole multiple of 31 are drawn again.
        let mut bytes = [255u8, 254, 248, 0, 1, 2, 3, 4, 5, 6, 7].into_iter();
        assert_eq!(registration_code(|| bytes.next().unwrap()), "23456789");
    }

    #[test]
    fn vocabularies_round_trip() {
        assert_eq!(EventTopic::ALL.len(), 8);
        assert_eq!(EventKind::ALL.len(), 7);
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(EventStatus::parse("nope"), None);
    }
}
