//! What municipalities keep about themselves: their profile, representatives and network memberships.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::Date;
use utoipa::ToSchema;

use super::{InputError, Localized, MunicipalityId, NetworkId};

mod store;
pub use store::WorkspaceStore;

/// A municipality's own contact details and description, edited by its representatives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct MunicipalityProfile {
    pub website: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub about: Localized,
}

/// A person who handles a municipality's foreign relations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Representative {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    pub name: String,
    pub title: String,
    pub unit: String,
    pub email: String,
    pub phone: String,
    /// Languages spoken, as written (e.g. "Türkçe, English, Deutsch").
    pub languages: String,
}

/// The fields of a representative as they are saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RepresentativeFields {
    pub name: String,
    pub title: String,
    pub unit: String,
    pub email: String,
    pub phone: String,
    pub languages: String,
}

/// Where a municipality's membership of a network stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MembershipStatus {
    Applied,
    Active,
    Suspended,
    Ended,
}

impl MembershipStatus {
    pub const ALL: [MembershipStatus; 4] =
        [MembershipStatus::Applied, MembershipStatus::Active, MembershipStatus::Suspended, MembershipStatus::Ended];

    pub fn as_str(self) -> &'static str {
        match self {
            MembershipStatus::Applied => "applied",
            MembershipStatus::Active => "active",
            MembershipStatus::Suspended => "suspended",
            MembershipStatus::Ended => "ended",
        }
    }
}

impl fmt::Display for MembershipStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MembershipStatus {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MembershipStatus::ALL
            .into_iter()
            .find(|k| k.as_str() == s.trim())
            .ok_or_else(|| InputError::new("status", "unknown_status"))
    }
}

/// A member municipality's membership of a network.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct MunicipalMembership {
    pub id: i64,
    pub municipality_id: MunicipalityId,
    pub network_id: NetworkId,
    pub network_acronym: String,
    pub network_slug: String,
    pub since_year: i32,
    pub status: MembershipStatus,
    /// The council decision Law 5393 art. 74 requires for joining.
    pub decision_number: Option<String>,
    #[serde(serialize_with = "super::serde_date::serialize_opt")]
    #[schema(value_type = Option<String>, format = Date)]
    pub decision_date: Option<Date>,
    pub representative_id: Option<i64>,
    pub representative_name: Option<String>,
    pub working_groups: String,
}

/// The fields of a membership as they are saved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MembershipFields {
    pub network_id: NetworkId,
    pub since_year: i32,
    pub status: MembershipStatus,
    pub decision_number: Option<String>,
    #[serde(serialize_with = "super::serde_date::serialize_opt")]
    pub decision_date: Option<Date>,
    pub representative_id: Option<i64>,
    pub working_groups: String,
}
