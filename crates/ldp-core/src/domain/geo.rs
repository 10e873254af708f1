//! Countries and the world gazetteer of cities that partners can be.

use serde::Serialize;
use utoipa::ToSchema;

use super::{Coordinates, InputError, Localized};

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[schema(value_type = String, example = "TR")]
pub struct CountryCode(String);

impl CountryCode {
    pub fn parse(value: &str) -> Result<CountryCode, InputError> {
        let v = value.trim();
        if v.len() == 2 && v.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(CountryCode(v.to_ascii_uppercase()))
        } else {
            Err(InputError::new("country", "invalid_country_code"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A country with its names and ISO codes.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Country {
    pub iso2: CountryCode,
    pub iso3: String,
    /// ISO 3166-1 numeric code, three digits (also the Natural Earth id); empty for Kosovo (`XK`), which
    /// has none.
    pub numeric: String,
    pub name: Localized,
}

/// A city from the GeoNames gazetteer.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct City {
    /// The GeoNames id.
    pub id: i64,
    pub name: String,
    /// The Turkish name (GeoNames' Turkish-tagged name, e.g. "Münih"), or `name` where it has none.
    pub name_tr: String,
    pub ascii_name: String,
    pub country: CountryCode,
    /// GeoNames first-level administrative code (not a Turkish plate code).
    pub admin1: String,
    pub location: Coordinates,
    pub population: i64,
    /// GeoNames feature code, e.g. `PPLC` for a capital.
    pub feature_code: String,
    /// Set for a place that is not in GeoNames but was made from a row of this source list (its id is
    /// negative); staff can merge it into the gazetteer city it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_list: Option<String>,
}

impl City {
    /// The name to show in `lang`.
    pub fn display_name(&self, lang: super::Lang) -> &str {
        match lang {
            super::Lang::Tr => &self.name_tr,
            _ => &self.name,
        }
    }
}

/// What a gazetteer look-up asks for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CityFilter {
    /// Folded prefix of any of the city's names, including alternate names ("münih" finds München).
    pub name: Option<String>,
    pub country: Option<CountryCode>,
}

impl CityFilter {
    pub fn parse(q: Option<&str>, country: Option<&str>) -> Result<Self, InputError> {
        let mut errors = InputError::default();
        let name = q.map(crate::text::fold).filter(|s| !s.is_empty());
        if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
            errors.add("q", "too_long");
        }
        let country = match country.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(c) => match CountryCode::parse(c) {
                Ok(c) => Some(c),
                Err(e) => {
                    errors.fields.extend(e.fields);
                    None
                }
            },
        };
        if errors.is_empty() { Ok(CityFilter { name, country }) } else { Err(errors) }
    }
}
