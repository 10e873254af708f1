//! Member municipalities and the provinces they sit in.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::ToSchema;

use super::{InputError, Localized};

/// The legal kind of a Turkish municipality (Law 5216 for metropolitan, Law 5393 for the others).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MunicipalityKind {
    /// Büyükşehir belediyesi.
    Metropolitan,
    /// İl belediyesi.
    Provincial,
    /// İlçe belediyesi.
    District,
}

impl MunicipalityKind {
    pub const ALL: [MunicipalityKind; 3] =
        [MunicipalityKind::Metropolitan, MunicipalityKind::Provincial, MunicipalityKind::District];

    pub fn as_str(self) -> &'static str {
        match self {
            MunicipalityKind::Metropolitan => "metropolitan",
            MunicipalityKind::Provincial => "provincial",
            MunicipalityKind::District => "district",
        }
    }
}

impl fmt::Display for MunicipalityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MunicipalityKind {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        MunicipalityKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| InputError::new("kind", "unknown_kind"))
    }
}

/// A Turkish province, identified by its licence-plate code (01–81).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[schema(value_type = u8)]
pub struct PlateCode(u8);

impl PlateCode {
    pub fn parse(value: i64) -> Result<PlateCode, InputError> {
        if (1..=81).contains(&value) {
            Ok(PlateCode(value as u8))
        } else {
            Err(InputError::new("province", "unknown_province"))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl fmt::Display for PlateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

/// A point on the earth in WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Coordinates {
    pub lat: f64,
    pub lng: f64,
}

/// How a municipality's point was chosen (see `data/README.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LocationBasis {
    /// The municipality's own seat.
    Seat,
    /// A place inside the district, not its seat.
    Inside,
    /// A nearby point outside the district; good for a regional map, not for directions.
    Approximate,
}

impl LocationBasis {
    pub const ALL: [LocationBasis; 3] = [LocationBasis::Seat, LocationBasis::Inside, LocationBasis::Approximate];

    pub fn as_str(self) -> &'static str {
        match self {
            LocationBasis::Seat => "seat",
            LocationBasis::Inside => "inside",
            LocationBasis::Approximate => "approximate",
        }
    }
}

impl FromStr for LocationBasis {
    type Err = InputError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LocationBasis::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| InputError::new("location_basis", "unknown_location_basis"))
    }
}

/// Database id of a municipality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[schema(value_type = i64)]
pub struct MunicipalityId(pub i64);

/// A municipality of the union's region.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Municipality {
    pub id: MunicipalityId,
    /// Stable address part, e.g. `istanbul-kadikoy`.
    pub slug: String,
    /// The place name in Turkish, e.g. `Kadıköy`.
    pub name: String,
    pub kind: MunicipalityKind,
    pub province: ProvinceRef,
    /// Residents, from the latest count the source gives.
    pub population: Option<i64>,
    /// The year of that count.
    pub population_year: Option<i32>,
    pub location: Coordinates,
    pub location_basis: LocationBasis,
}

impl Municipality {
    /// The central district of a non-metropolitan province is served by the provincial municipality itself.
    pub fn is_central_district(&self) -> bool {
        self.kind == MunicipalityKind::District && self.name == "Merkez"
    }

    /// The place the municipality is named after, telling the central districts apart ("Çanakkale Merkez").
    /// Lists are ordered by it.
    pub fn place_name(&self) -> String {
        if self.is_central_district() { format!("{} Merkez", self.province.name) } else { self.name.clone() }
    }

    /// The official name, e.g. "Kadıköy Belediyesi" / "Kadıköy Municipality".
    pub fn official_name(&self) -> Localized {
        official_name(&self.name, self.kind, &self.province.name)
    }
}

/// The official name of a municipality called `name` of `kind` in `province`: "Bursa Büyükşehir Belediyesi",
/// "Kadıköy Municipality", and for a central district "Çanakkale Merkez İlçesi".
pub fn official_name(name: &str, kind: MunicipalityKind, province: &str) -> Localized {
    match kind {
        MunicipalityKind::Metropolitan => {
            Localized::new(format!("{name} Büyükşehir Belediyesi"), format!("{name} Metropolitan Municipality"))
        }
        MunicipalityKind::Provincial => Localized::new(format!("{name} Belediyesi"), format!("{name} Municipality")),
        MunicipalityKind::District if name == "Merkez" => {
            Localized::new(format!("{province} Merkez İlçesi"), format!("{province} Merkez District"))
        }
        MunicipalityKind::District => Localized::new(format!("{name} Belediyesi"), format!("{name} Municipality")),
    }
}

/// The province a municipality belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProvinceRef {
    pub plate: PlateCode,
    pub name: String,
    pub slug: String,
}

/// A province of the union's region with its top municipality and its district count.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Province {
    pub plate: PlateCode,
    pub name: String,
    pub slug: String,
    /// Metropolitan or provincial.
    pub kind: MunicipalityKind,
    pub district_count: u32,
    pub population: Option<i64>,
}

/// What a list of municipalities may be narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MunicipalityFilter {
    pub province: Option<PlateCode>,
    pub kind: Option<MunicipalityKind>,
    /// Folded search text (see [`crate::text::fold`]); matches anywhere in the name.
    pub name: Option<String>,
}

impl MunicipalityFilter {
    /// Builds a filter from raw query values, reporting every bad field at once.
    pub fn parse(province: Option<&str>, kind: Option<&str>, q: Option<&str>) -> Result<Self, InputError> {
        let mut errors = InputError::default();
        let province = match province.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(p) => match p.parse::<i64>().map_err(|_| ()).and_then(|n| PlateCode::parse(n).map_err(|_| ())) {
                Ok(code) => Some(code),
                Err(()) => {
                    errors.add("province", "unknown_province");
                    None
                }
            },
        };
        let kind = match kind.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(k) => match k.parse() {
                Ok(k) => Some(k),
                Err(_) => {
                    errors.add("kind", "unknown_kind");
                    None
                }
            },
        };
        let name = q.map(crate::text::fold).filter(|s| !s.is_empty());
        if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
            errors.add("q", "too_long");
        }
        if errors.is_empty() { Ok(MunicipalityFilter { province, kind, name }) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_reports_every_bad_field() {
        let err = MunicipalityFilter::parse(Some("99"), Some("village"), None).unwrap_err();
        assert_eq!(err.fields.len(), 2);
        assert_eq!(err.fields["province"], "unknown_province");
        assert_eq!(err.fields["kind"], "unknown_kind");
    }

    #[test]
    fn filter_folds_the_search_text() {
        let f = MunicipalityFilter::parse(Some("34"), Some("district"), Some("KADIKÖY")).unwrap();
        assert_eq!(f.province.map(PlateCode::get), Some(34));
        assert_eq!(f.name.as_deref(), Some("kadikoy"));
    }
}
