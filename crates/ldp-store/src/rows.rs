//! Rows as both backends return them, and their conversion into domain types.

use ldp_core::domain::*;
use ldp_core::store::StoreError;
use time::Date;

/// Stored data that cannot be turned back into a domain type.
pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(what.to_string())
}

fn pair(tr: Option<String>, en: Option<String>) -> Option<Localized> {
    match (tr, en) {
        (None, None) => None,
        (tr, en) => Some(Localized::new(tr.unwrap_or_default(), en.unwrap_or_default())),
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct UnionRow {
    name_tr: String,
    name_en: String,
    acronym_tr: String,
    acronym_en: String,
    founded: Date,
    seat: String,
    website: String,
    source: String,
}

impl From<UnionRow> for Union {
    fn from(r: UnionRow) -> Union {
        Union {
            name: Localized::new(r.name_tr, r.name_en),
            acronym: Localized::new(r.acronym_tr, r.acronym_en),
            founded: r.founded,
            seat: r.seat,
            website: r.website,
            source: r.source,
        }
    }
}

/// The columns of [`NetworkRow`], with the union's membership joined in.
pub(crate) const NETWORK_COLUMNS: &str = "n.id, n.slug, n.acronym, n.name_tr, n.name_en, n.founded, \
    n.founded_place_tr, n.founded_place_en, n.founded_note_tr, n.founded_note_en, n.hq_tr, n.hq_en, \
    n.hq_note_tr, n.hq_note_en, n.hq_country, n.website, n.aims_tr, n.aims_en, n.source, \
    m.since_year, m.note_tr AS membership_note_tr, m.note_en AS membership_note_en \
    FROM network n LEFT JOIN membership m ON m.network_id = n.id AND m.municipality_id IS NULL";

#[derive(sqlx::FromRow)]
pub(crate) struct NetworkRow {
    pub id: i64,
    slug: String,
    acronym: String,
    name_tr: String,
    name_en: String,
    founded: i64,
    founded_place_tr: Option<String>,
    founded_place_en: Option<String>,
    founded_note_tr: Option<String>,
    founded_note_en: Option<String>,
    hq_tr: String,
    hq_en: String,
    hq_note_tr: Option<String>,
    hq_note_en: Option<String>,
    hq_country: String,
    website: String,
    aims_tr: String,
    aims_en: String,
    source: String,
    since_year: Option<i64>,
    membership_note_tr: Option<String>,
    membership_note_en: Option<String>,
}

impl NetworkRow {
    pub(crate) fn into_network(self, facts: Vec<NetworkFact>) -> Network {
        Network {
            id: NetworkId(self.id),
            slug: self.slug,
            acronym: self.acronym,
            name: Localized::new(self.name_tr, self.name_en),
            founded: self.founded as i32,
            founded_place: pair(self.founded_place_tr, self.founded_place_en),
            founded_note: pair(self.founded_note_tr, self.founded_note_en),
            headquarters: Localized::new(self.hq_tr, self.hq_en),
            hq_note: pair(self.hq_note_tr, self.hq_note_en),
            hq_country: self.hq_country,
            website: self.website,
            aims: Localized::new(self.aims_tr, self.aims_en),
            source: self.source,
            facts,
            membership: self.since_year.map(|since| UnionMembership {
                since: since as i32,
                note: pair(self.membership_note_tr, self.membership_note_en),
            }),
        }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct FactRow {
    pub network_id: i64,
    label_tr: String,
    label_en: String,
    value_tr: String,
    value_en: String,
    as_of: Date,
    source: String,
}

impl From<FactRow> for NetworkFact {
    fn from(r: FactRow) -> NetworkFact {
        NetworkFact {
            label: Localized::new(r.label_tr, r.label_en),
            value: Localized::new(r.value_tr, r.value_en),
            as_of: r.as_of,
            source: r.source,
        }
    }
}

pub(crate) const MUNICIPALITY_COLUMNS: &str = "m.id, m.slug, m.name, m.kind, m.plate, p.name AS province_name, \
    p.slug AS province_slug, m.population, m.population_year, m.lat, m.lng, m.location_basis \
    FROM municipality m JOIN province p ON p.plate = m.plate";

#[derive(sqlx::FromRow)]
pub(crate) struct MunicipalityRow {
    id: i64,
    slug: String,
    name: String,
    kind: String,
    plate: i64,
    province_name: String,
    province_slug: String,
    population: Option<i64>,
    population_year: Option<i64>,
    lat: f64,
    lng: f64,
    location_basis: String,
}

impl TryFrom<MunicipalityRow> for Municipality {
    type Error = StoreError;
    fn try_from(r: MunicipalityRow) -> Result<Municipality, StoreError> {
        Ok(Municipality {
            id: MunicipalityId(r.id),
            slug: r.slug,
            name: r.name,
            kind: r.kind.parse().map_err(|_| corrupt(format_args!("municipality kind {:?}", r.kind)))?,
            province: ProvinceRef {
                plate: PlateCode::parse(r.plate).map_err(|_| corrupt(format_args!("plate {}", r.plate)))?,
                name: r.province_name,
                slug: r.province_slug,
            },
            population: r.population,
            population_year: r.population_year.map(|y| y as i32),
            location: Coordinates { lat: r.lat, lng: r.lng },
            location_basis: r
                .location_basis
                .parse()
                .map_err(|_| corrupt(format_args!("location basis {:?}", r.location_basis)))?,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct ProvinceRow {
    plate: i64,
    name: String,
    slug: String,
    kind: String,
    district_count: i64,
    population: Option<i64>,
}

impl TryFrom<ProvinceRow> for Province {
    type Error = StoreError;
    fn try_from(r: ProvinceRow) -> Result<Province, StoreError> {
        Ok(Province {
            plate: PlateCode::parse(r.plate).map_err(|_| corrupt(format_args!("plate {}", r.plate)))?,
            name: r.name,
            slug: r.slug,
            kind: r.kind.parse().map_err(|_| corrupt(format_args!("province kind {:?}", r.kind)))?,
            district_count: r.district_count as u32,
            population: r.population,
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct GoalRow {
    number: i64,
    color: String,
    short_tr: String,
    short_en: String,
    title_tr: String,
    title_en: String,
}

impl TryFrom<GoalRow> for SdgGoal {
    type Error = StoreError;
    fn try_from(r: GoalRow) -> Result<SdgGoal, StoreError> {
        Ok(SdgGoal {
            number: GoalNumber::parse(r.number).map_err(|_| corrupt(format_args!("goal {}", r.number)))?,
            color: r.color,
            short_name: Localized::new(r.short_tr, r.short_en),
            title: Localized::new(r.title_tr, r.title_en),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct TargetRow {
    code: String,
    text_tr: String,
    text_en: String,
}

impl TargetRow {
    pub(crate) fn into_target(self, goal: GoalNumber) -> SdgTarget {
        SdgTarget { goal, code: self.code, text: Localized::new(self.text_tr, self.text_en) }
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CountryRow {
    iso2: String,
    iso3: String,
    numeric_code: String,
    name_tr: String,
    name_en: String,
}

impl TryFrom<CountryRow> for Country {
    type Error = StoreError;
    fn try_from(r: CountryRow) -> Result<Country, StoreError> {
        Ok(Country {
            iso2: CountryCode::parse(&r.iso2).map_err(|_| corrupt(format_args!("country {:?}", r.iso2)))?,
            iso3: r.iso3,
            numeric: r.numeric_code,
            name: Localized::new(r.name_tr, r.name_en),
        })
    }
}

#[derive(sqlx::FromRow)]
pub(crate) struct CityRow {
    id: i64,
    name: String,
    name_tr: String,
    source_list: Option<String>,
    ascii_name: String,
    country: String,
    admin1: String,
    lat: f64,
    lng: f64,
    population: i64,
    feature_code: String,
}

impl TryFrom<CityRow> for City {
    type Error = StoreError;
    fn try_from(r: CityRow) -> Result<City, StoreError> {
        Ok(City {
            id: r.id,
            name_tr: if r.name_tr.is_empty() { r.name.clone() } else { r.name_tr },
            name: r.name,
            source_list: r.source_list,
            ascii_name: r.ascii_name,
            country: CountryCode::parse(&r.country)
                .map_err(|_| corrupt(format_args!("city country {:?}", r.country)))?,
            admin1: r.admin1,
            location: Coordinates { lat: r.lat, lng: r.lng },
            population: r.population,
            feature_code: r.feature_code,
        })
    }
}
