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

/// Where a network of the registry stands: proposed by a member's representative, or approved by the union's
/// staff (public, and open to memberships).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum RegistryStatus {
    Proposed,
    Approved,
}

impl RegistryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistryStatus::Proposed => "proposed",
            RegistryStatus::Approved => "approved",
        }
    }

    pub fn parse(s: &str) -> Option<RegistryStatus> {
        match s {
            "proposed" => Some(RegistryStatus::Proposed),
            "approved" => Some(RegistryStatus::Approved),
            _ => None,
        }
    }
}

/// A network of the registry: one the union is not a member of, in which members record their own
/// memberships (the union's own networks are reference data and are not edited here).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RegistryNetwork {
    pub id: NetworkId,
    pub slug: String,
    pub fields: NetworkFields,
    pub status: RegistryStatus,
    /// The user who proposed it (staff's own additions are approved at once).
    #[schema(value_type = Option<i64>)]
    pub proposed_by: Option<super::UserId>,
}

/// The fields of a registry network as they are saved, already checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct NetworkFields {
    /// May be empty when the network goes by its name alone.
    pub acronym: String,
    pub name: Localized,
    pub founded: i32,
    /// The headquarters' city, as written.
    pub headquarters: String,
    /// ISO 3166-1 alpha-2 code of the headquarters' country.
    pub hq_country: String,
    pub website: String,
    pub aims: Localized,
}

impl NetworkFields {
    /// "ICLEI", or the name in `lang` when there is no acronym.
    pub fn label(&self, lang: super::Lang) -> &str {
        if self.acronym.is_empty() { self.name.get(lang) } else { &self.acronym }
    }
}
