//! Delegations and protocol: what an incoming or outgoing visit (or a study visit) holds besides its event —
//! the purpose, programme and outcome, protocol notes (order of precedence, interpreter needs, flags), the
//! participants, and the gifts given and received with their estimated value (public officials' gift rules
//! need this record). Parsed at the edge ([`crate::services::delegations`]); the store keeps them as they are.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use super::event::EventKind;
use super::{EventId, Localized};

mod store;
pub use store::DelegationStore;

/// Whether events of `kind` carry a delegation record: visits, incoming and outgoing, and study visits.
pub fn is_visit(kind: EventKind) -> bool {
    matches!(kind, EventKind::IncomingDelegation | EventKind::OutgoingDelegation | EventKind::StudyVisit)
}

/// The delegation's own text: public parts (purpose, programme, outcome) and protocol notes (internal).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DelegationDetails {
    pub purpose: Localized,
    /// The programme, one item per line (`10:00 Reception at the town hall`).
    pub programme: Localized,
    pub outcome: Localized,
    /// Protocol: the order of precedence and seating notes.
    pub precedence: String,
    /// Protocol: interpreter needs (languages, consecutive or simultaneous).
    pub interpreters: String,
    /// Protocol: the flags to set out, as ISO 3166-1 alpha-2 codes.
    pub flags: Vec<String>,
}

/// Which side of the visit a participant is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// A member of the visiting delegation.
    Guest,
    /// Someone of the receiving side.
    Host,
}

impl Side {
    pub const ALL: [Side; 2] = [Side::Guest, Side::Host];

    pub fn as_str(self) -> &'static str {
        match self {
            Side::Guest => "guest",
            Side::Host => "host",
        }
    }

    pub fn parse(text: &str) -> Option<Side> {
        Self::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }
}

/// A participant as it is entered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct NewParticipant {
    pub side: Side,
    /// Rank in the order of precedence within its side (1 first).
    pub precedence: i64,
    pub name: String,
    pub title: String,
    pub organisation: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// Contact details: seen in the workspace only, never on a public page or a public API read.
    pub email: String,
    pub phone: String,
}

/// A stored participant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Participant {
    pub id: i64,
    #[serde(flatten)]
    pub person: NewParticipant,
}

/// Whether a gift was given by the member's side or received by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GiftDirection {
    Given,
    Received,
}

impl GiftDirection {
    pub const ALL: [GiftDirection; 2] = [GiftDirection::Given, GiftDirection::Received];

    pub fn as_str(self) -> &'static str {
        match self {
            GiftDirection::Given => "given",
            GiftDirection::Received => "received",
        }
    }

    pub fn parse(text: &str) -> Option<GiftDirection> {
        Self::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }
}

/// A gift as it is entered: the estimated value is an exact decimal with its currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct NewGift {
    pub direction: GiftDirection,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "crate::domain::serde_date::serialize")]
    pub given_on: Date,
    pub description: String,
    /// Who gave it (received) or received it (given).
    pub counterpart: String,
    /// Estimated value, exact decimal text (`1250.00`); `None` when not known.
    pub value: Option<String>,
    /// ISO 4217 code (`TRY`, `EUR`).
    pub currency: String,
}

/// A stored gift.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Gift {
    pub id: i64,
    #[serde(flatten)]
    pub gift: NewGift,
}

/// Everything recorded about a visit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Delegation {
    pub event: EventId,
    pub details: DelegationDetails,
    /// Guests first, then hosts, each in order of precedence.
    pub participants: Vec<Participant>,
    /// By date.
    pub gifts: Vec<Gift>,
    /// When the details were last saved (`None`: never).
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
}
