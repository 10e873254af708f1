//! International city networks and the union's memberships in them.

use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

use super::Localized;

/// Database id of a network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[schema(value_type = i64)]
pub struct NetworkId(pub i64);

/// An international organisation of local governments.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Network {
    pub id: NetworkId,
    pub slug: String,
    pub acronym: String,
    pub name: Localized,
    pub founded: i32,
    /// Where it was founded, when that differs from its headquarters.
    pub founded_place: Option<Localized>,
    pub founded_note: Option<Localized>,
    pub headquarters: Localized,
    /// Other offices, or a note on where the seat is.
    pub hq_note: Option<Localized>,
    /// ISO 3166-1 alpha-2 code of the headquarters' country.
    pub hq_country: String,
    pub website: String,
    pub aims: Localized,
    pub source: String,
    pub facts: Vec<NetworkFact>,
    /// The union's own membership, when it has one.
    pub membership: Option<UnionMembership>,
}

/// A fact about a network that changes over time, with the date it was true.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NetworkFact {
    pub label: Localized,
    pub value: Localized,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "super::serde_date::serialize")]
    pub as_of: Date,
    pub source: String,
}

/// The union's membership in a network.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UnionMembership {
    /// The year the membership began.
    pub since: i32,
    pub note: Option<Localized>,
}

/// The union that operates the platform.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Union {
    pub name: Localized,
    pub acronym: Localized,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "super::serde_date::serialize")]
    pub founded: Date,
    pub seat: String,
    pub website: String,
    pub source: String,
}
