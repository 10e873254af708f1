//! Reference records as they are written to the store, with their look-up and sort keys already made.

use time::Date;

use crate::domain::{Coordinates, Localized, LocationBasis, MunicipalityKind};

/// The union that operates the platform.
#[derive(Debug, Clone, PartialEq)]
pub struct UnionRecord {
    pub name: Localized,
    pub acronym: Localized,
    pub founded: Date,
    pub seat: String,
    pub website: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NetworkRecord {
    pub slug: String,
    pub acronym: String,
    pub name: Localized,
    pub founded: i32,
    pub founded_place: Option<Localized>,
    pub founded_note: Option<Localized>,
    pub headquarters: Localized,
    pub hq_note: Option<Localized>,
    pub hq_country: String,
    pub website: String,
    pub aims: Localized,
    pub source: String,
    pub member_since: Option<i32>,
    pub membership_note: Option<Localized>,
    pub facts: Vec<FactRecord>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FactRecord {
    pub label: Localized,
    pub value: Localized,
    pub as_of: Date,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MunicipalityRecord {
    pub slug: String,
    pub name: String,
    pub name_folded: String,
    pub sort_key: Vec<u8>,
    pub kind: MunicipalityKind,
    pub plate: u8,
    pub province: String,
    pub population: Option<i64>,
    pub population_year: Option<i32>,
    pub location: Coordinates,
    pub location_basis: LocationBasis,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CountryRecord {
    pub iso2: String,
    pub iso3: String,
    pub numeric: String,
    pub name: Localized,
    pub sort_key: Vec<u8>,
    pub names_folded: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CityRecord {
    pub id: i64,
    pub name: String,
    /// GeoNames' Turkish name, empty when it is `name` itself.
    pub name_tr: String,
    pub ascii_name: String,
    /// `|`-separated folded names, with a `|` at both ends, for prefix look-ups of any name.
    pub names_folded: String,
    pub country: String,
    pub admin1: String,
    pub location: Coordinates,
    pub population: i64,
    pub feature_code: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct GoalRecord {
    pub number: u8,
    pub color: String,
    pub short_name: Localized,
    pub title: Localized,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TargetRecord {
    pub goal: u8,
    pub code: String,
    /// Order of the target within its goal (numbered targets first, then lettered).
    pub position: i32,
    pub text: Localized,
}
