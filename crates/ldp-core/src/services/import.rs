//! Importing real sister-city pairs (`city1,country1,lat1,lng1,city2,country2,lat2,lng2`).
//!
//! Each side is matched by name, ignoring case and diacritics by Turkish rules and using alternate names;
//! among same-name candidates the nearest to the given coordinates wins. Only pairs with a member
//! municipality are loaded; everything else is reported with its reason. The file is read as a stream.

use serde::Deserialize;
use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

use super::ServiceError;
use crate::clock::{Clock, istanbul_date};
use crate::domain::partnership::{NewPartner, NewPartnership, PartnershipKind};
use crate::domain::{
    Actor, Change, Coordinates, CountryCode, InputError, Localized, MunicipalityFilter, MunicipalityId,
    MunicipalityKind, Page,
};
use crate::store::{GazetteerEntry, NewSourcePlace, Store};
use crate::text::fold;

/// A member side further than this from the member's own point is a different place with the same name.
const MEMBER_RADIUS_KM: f64 = 150.0;
/// A gazetteer candidate further than this from the given point is not the city meant.
const CITY_RADIUS_KM: f64 = 75.0;

/// Where imported relations come from, shown on their pages.
pub const WIKIPEDIA_SOURCE: &str =
    "Wikipedia, “List of twin towns and sister cities” (CC BY-SA 4.0), via Hekman/twincities";

/// The outcome of one import.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportReport {
    pub rows: u64,
    pub created: u64,
    pub existing: u64,
    /// Of `created`, relations whose partner is a place made from the row itself (not in the gazetteer).
    pub created_with_source_place: u64,
    /// Partner places made from rows of the list in this run.
    pub places_created: u64,
    /// Rows whose member side carried a point known to be wrong in the source (see `SOURCE_POINT_ERRORS`),
    /// matched by name alone.
    pub member_point_ignored: u64,
    pub skipped: Vec<Skipped>,
}

impl ImportReport {
    /// Rows that involved a member but could not be loaded.
    pub fn unmatched(&self) -> usize {
        self.skipped.iter().filter(|s| s.reason != SkipReason::NoMember).count()
    }
}

/// A row that was not loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub line: u64,
    pub city1: String,
    pub country1: String,
    pub city2: String,
    pub country2: String,
    pub reason: SkipReason,
}

/// Why a row was not loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// Neither side is a member municipality.
    NoMember,
    /// A Turkish side carries a member's name but lies far from it: another place of that name.
    MemberNameFarAway,
    /// The partner is not in the gazetteer near the given point, and the row lacks the country or the point
    /// to make a place from.
    PartnerNotFound,
    /// The row could not be read.
    Malformed,
}

impl SkipReason {
    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NoMember => "no_member_side",
            SkipReason::MemberNameFarAway => "member_name_far_away",
            SkipReason::PartnerNotFound => "partner_not_in_gazetteer",
            SkipReason::Malformed => "malformed_row",
        }
    }
}

/// The columns of the twin-city list format, in order: the first line of every file.
pub const PAIR_COLUMNS: [&str; 8] = ["city1", "country1", "lat1", "lng1", "city2", "country2", "lat2", "lng2"];

#[derive(Debug, Deserialize)]
struct PairRow {
    city1: String,
    country1: String,
    lat1: Option<f64>,
    lng1: Option<f64>,
    city2: String,
    country2: String,
    lat2: Option<f64>,
    lng2: Option<f64>,
}

/// Great-circle distance in kilometres.
pub fn distance_km(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lng2 - lng1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    6371.0 * 2.0 * a.sqrt().atan2((1.0 - a).sqrt())
}

/// English country names as the twin-city lists write them → ISO 3166-1 alpha-2, where they differ from the
/// names in the country table. Kosovo is `XK` as GeoNames has it; Northern Cyprus is `XN` (see data/README.md).
const COUNTRY_ALIASES: &[(&str, &str)] = &[
    ("russia", "RU"),
    ("united states", "US"),
    ("usa", "US"),
    ("iran", "IR"),
    ("syria", "SY"),
    ("palestine", "PS"),
    ("north macedonia", "MK"),
    ("macedonia", "MK"),
    ("moldova", "MD"),
    ("kosovo", "XK"),
    ("georgia (country)", "GE"),
    ("georgia", "GE"),
    ("tanzania", "TZ"),
    ("england", "GB"),
    ("scotland", "GB"),
    ("wales", "GB"),
    ("northern ireland", "GB"),
    ("scotland, united kingdom", "GB"),
    ("united kingdom", "GB"),
    ("ivory coast", "CI"),
    ("northern cyprus", "XN"),
    ("vietnam", "VN"),
    ("venezuela", "VE"),
    ("bolivia", "BO"),
    ("laos", "LA"),
    ("czech republic", "CZ"),
    ("czechia", "CZ"),
    ("taiwan", "TW"),
    ("china", "CN"),
    ("south korea", "KR"),
    ("north korea", "KP"),
    ("democratic republic of the congo", "CD"),
    ("republic of the congo", "CG"),
    ("turkey", "TR"),
];

/// Member place names that the lists write differently.
const MEMBER_ALIASES: &[(&str, &str)] = &[("princes' islands", "adalar"), ("princes islands", "adalar")];

/// Member-side points that the shipped list gets wrong, by folded name and point: the row is matched by
/// name alone. Hekman/twincities geocoded "Yıldırım" to a point in Ankara (39.9324, 32.7046), where there
/// is no place of that name; Yıldırım is a district of Bursa only, and Wikipedia lists these partners under
/// Bursa. Other far-away points (Tuzla in Bosnia, Yenice in Central Anatolia) name real other places and
/// stay reported as `member_name_far_away`.
const SOURCE_POINT_ERRORS: &[(&str, f64, f64)] = &[("yildirim", 39.9324, 32.7046)];

fn known_point_error(name: &str, lat: Option<f64>, lng: Option<f64>) -> bool {
    let folded = fold(name);
    SOURCE_POINT_ERRORS.iter().any(|(n, a, b)| {
        *n == folded && lat.is_some_and(|l| (l - a).abs() < 1e-3) && lng.is_some_and(|l| (l - b).abs() < 1e-3)
    })
}

/// Turns country names into ISO codes.
pub struct CountryNames {
    by_name: HashMap<String, String>,
}

impl CountryNames {
    pub async fn load(store: &dyn Store) -> Result<CountryNames, ServiceError> {
        let mut by_name: HashMap<String, String> = HashMap::new();
        for n in 1.. {
            let page = store.list_countries(Page::parse(Some(n), Some(100))?).await?;
            if page.items.is_empty() {
                break;
            }
            for c in page.items {
                by_name.insert(fold(&c.name.en), c.iso2.as_str().to_owned());
                by_name.insert(fold(&c.name.tr), c.iso2.as_str().to_owned());
            }
        }
        for (name, code) in COUNTRY_ALIASES {
            by_name.insert(fold(name), (*code).to_owned());
        }
        Ok(CountryNames { by_name })
    }

    pub fn code(&self, english: &str) -> Option<&str> {
        self.by_name.get(&fold(english)).map(String::as_str)
    }
}

/// The gazetteer indexed by every folded name.
pub struct Gazetteer {
    entries: Vec<GazetteerEntry>,
    by_name: HashMap<String, Vec<usize>>,
}

impl Gazetteer {
    pub fn new(entries: Vec<GazetteerEntry>) -> Gazetteer {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::with_capacity(entries.len() * 3);
        for (i, e) in entries.iter().enumerate() {
            for name in e.names_folded.split('|').filter(|n| !n.is_empty()) {
                by_name.entry(name.to_owned()).or_default().push(i);
            }
        }
        Gazetteer { entries, by_name }
    }

    /// Adds a place (one made from a source row) so that later rows naming it find it.
    pub fn add(&mut self, entry: GazetteerEntry) {
        let i = self.entries.len();
        for name in entry.names_folded.split('|').filter(|n| !n.is_empty()) {
            self.by_name.entry(name.to_owned()).or_default().push(i);
        }
        self.entries.push(entry);
    }

    /// The nearest city called `name` (in `country` when given) within the radius of the point.
    pub fn find(
        &self,
        name: &str,
        country: Option<&str>,
        lat: Option<f64>,
        lng: Option<f64>,
    ) -> Option<&GazetteerEntry> {
        let candidates = self.by_name.get(&fold(name))?;
        let in_country = |e: &&GazetteerEntry| country.is_none_or(|c| e.country == c);
        let pick = |filter: &dyn Fn(&&GazetteerEntry) -> bool| -> Option<&GazetteerEntry> {
            let mut list: Vec<&GazetteerEntry> =
                candidates.iter().map(|&i| &self.entries[i]).filter(|e| filter(e)).collect();
            match (lat, lng) {
                (Some(lat), Some(lng)) => {
                    list.retain(|e| distance_km(lat, lng, e.lat, e.lng) <= CITY_RADIUS_KM);
                    list.into_iter().min_by(|a, b| {
                        distance_km(lat, lng, a.lat, a.lng).total_cmp(&distance_km(lat, lng, b.lat, b.lng))
                    })
                }
                _ => list.into_iter().max_by_key(|e| e.population),
            }
        };
        // The stated country first; the lists sometimes name a country GeoNames files differently.
        pick(&in_country).or_else(|| pick(&|_| true))
    }
}

struct Member {
    id: i64,
    lat: f64,
    lng: f64,
}

async fn member_index(store: &dyn Store) -> Result<HashMap<String, Vec<Member>>, ServiceError> {
    let mut index: HashMap<String, Vec<Member>> = HashMap::new();
    for n in 1.. {
        let page = store.list_municipalities(&MunicipalityFilter::default(), Page::parse(Some(n), Some(100))?).await?;
        if page.items.is_empty() {
            break;
        }
        for m in page.items {
            // The central districts are served by the provincial municipality, which carries the province's name.
            if m.is_central_district() {
                continue;
            }
            let name = if m.kind == MunicipalityKind::District { m.name.clone() } else { m.province.name.clone() };
            index.entry(fold(&name)).or_default().push(Member { id: m.id.0, lat: m.location.lat, lng: m.location.lng });
        }
    }
    for (alias, name) in MEMBER_ALIASES {
        if let Some(list) = index.get(*name) {
            let copy: Vec<Member> = list.iter().map(|m| Member { id: m.id, lat: m.lat, lng: m.lng }).collect();
            index.insert(fold(alias), copy);
        }
    }
    Ok(index)
}

/// The member a side names, trying "Town (District)" forms too.
fn find_member<'a>(
    index: &'a HashMap<String, Vec<Member>>,
    name: &str,
    lat: Option<f64>,
    lng: Option<f64>,
) -> Result<Option<&'a Member>, SkipReason> {
    let mut names = vec![fold(name)];
    if let Some((_, inner)) = name.split_once('(') {
        names.push(fold(inner.trim_end_matches(')')));
    }
    for n in names {
        if let Some(list) = index.get(&n) {
            let best = match (lat, lng) {
                (Some(lat), Some(lng)) => list
                    .iter()
                    .map(|m| (distance_km(lat, lng, m.lat, m.lng), m))
                    .min_by(|a, b| a.0.total_cmp(&b.0))
                    .filter(|(d, _)| *d <= MEMBER_RADIUS_KM)
                    .map(|(_, m)| m),
                _ => list.first(),
            };
            return best.map(Some).ok_or(SkipReason::MemberNameFarAway);
        }
    }
    Ok(None)
}

/// Imports pairs from `reader`, calling `progress(rows)` every 1,000 rows.
pub async fn import_partnerships(
    store: Arc<dyn Store>,
    reader: impl Read,
    source: &str,
    actor: &Actor,
    clock: &dyn Clock,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport, ServiceError> {
    // One instant for the whole file: every relation and audit entry of an import carries the same time.
    let now = clock.now();
    let mut csv = csv::ReaderBuilder::new().flexible(false).from_reader(reader);
    // A file in another format is refused whole, before anything is read or stored: reporting each of its
    // rows as "malformed" would look like a successful import of nothing.
    let header_ok = csv.headers().is_ok_and(|h| h.iter().map(str::trim).eq(PAIR_COLUMNS.iter().copied()));
    if !header_ok {
        return Err(InputError::new("file", "not_twin_city_format").into());
    }
    let countries = CountryNames::load(store.as_ref()).await?;
    let members = member_index(store.as_ref()).await?;
    let mut gazetteer = Gazetteer::new(store.gazetteer().await?);
    let mut report = ImportReport::default();
    for (i, record) in csv.deserialize::<PairRow>().enumerate() {
        report.rows += 1;
        let line = i as u64 + 2;
        if report.rows.is_multiple_of(1000) {
            progress(report.rows);
        }
        let row = match record {
            Ok(row) => row,
            Err(_) => {
                report.skipped.push(Skipped {
                    line,
                    city1: String::new(),
                    country1: String::new(),
                    city2: String::new(),
                    country2: String::new(),
                    reason: SkipReason::Malformed,
                });
                continue;
            }
        };
        let skip = |reason| Skipped {
            line,
            city1: row.city1.clone(),
            country1: row.country1.clone(),
            city2: row.city2.clone(),
            country2: row.country2.clone(),
            reason,
        };
        let mut point_ignored = false;
        let mut side = |turkish: bool, city: &str, lat: Option<f64>, lng: Option<f64>| {
            if !turkish {
                return Ok(None);
            }
            if known_point_error(city, lat, lng) {
                point_ignored = true;
                return find_member(&members, city, None, None);
            }
            find_member(&members, city, lat, lng)
        };
        let tr1 = countries.code(&row.country1) == Some("TR");
        let tr2 = countries.code(&row.country2) == Some("TR");
        let m1 = side(tr1, &row.city1, row.lat1, row.lng1);
        let m2 = side(tr2, &row.city2, row.lat2, row.lng2);
        let partner_side = match (&m1, &m2) {
            (Ok(Some(_)), Ok(Some(_))) => None,
            (Ok(Some(_)), _) => Some((&row.city2, &row.country2, row.lat2, row.lng2)),
            (_, Ok(Some(_))) => Some((&row.city1, &row.country1, row.lat1, row.lng1)),
            _ => None,
        };
        let mut from_source = false;
        let partner_city = match partner_side {
            None => None,
            Some((name, country, lat, lng)) => match gazetteer.find(name, countries.code(country), lat, lng) {
                Some(c) => Some(c.id),
                None => {
                    // Not in the gazetteer: a place made from the row's own name, country and point, which staff
                    // can later merge into a gazetteer city.
                    let (Some(code), Some(lat), Some(lng)) = (countries.code(country), lat, lng) else {
                        report.skipped.push(skip(SkipReason::PartnerNotFound));
                        continue;
                    };
                    // The lists often say "Cyprus" for a town in the north.
                    let code = if code == "CY" && crate::reference::in_northern_cyprus(lat, lng) {
                        crate::reference::TRNC
                    } else {
                        code
                    };
                    let Ok(code) = CountryCode::parse(code) else {
                        report.skipped.push(skip(SkipReason::PartnerNotFound));
                        continue;
                    };
                    let place = NewSourcePlace {
                        name: name.trim().to_owned(),
                        country: code,
                        location: Coordinates { lat, lng },
                        source_list: source.to_owned(),
                    };
                    let change = Change::new(actor, now, "import", "city")
                        .after(serde_json::json!({ "source": source, "line": line, "name": place.name, "country": place.country }));
                    let id = store.create_source_place(&place, &change).await?;
                    report.places_created += 1;
                    let names_folded = format!("|{}|", fold(&place.name));
                    let country = place.country.as_str().to_owned();
                    gazetteer.add(GazetteerEntry { id, names_folded, country, lat, lng, population: 0 });
                    from_source = true;
                    Some(id)
                }
            },
        };
        let (member, partner) = match (m1, m2) {
            (Ok(Some(a)), Ok(Some(b))) => (a, NewPartner::Municipality(b.id)),
            (Ok(Some(m)), _) | (_, Ok(Some(m))) => match partner_city {
                Some(id) => (m, NewPartner::City(id)),
                None => {
                    report.skipped.push(skip(SkipReason::PartnerNotFound));
                    continue;
                }
            },
            (Err(reason), _) | (_, Err(reason)) => {
                report.skipped.push(skip(reason));
                continue;
            }
            _ => {
                report.skipped.push(skip(SkipReason::NoMember));
                continue;
            }
        };
        let new = NewPartnership {
            municipality_id: member.id,
            partner,
            kind: PartnershipKind::SisterCity,
            foreign_missions: false,
            themes: Vec::new(),
            sdgs: Vec::new(),
            notes: Localized::default(),
            imported_from: Some(source.to_owned()),
            proposed_on: istanbul_date(now),
        };
        let change = Change::new(actor, now, "import", "partnership")
            .of(MunicipalityId(new.municipality_id))
            .after(serde_json::json!({ "source": source, "line": line, "city1": row.city1, "city2": row.city2 }));
        match store.create_partnership(&new, &change).await? {
            Some(_) => {
                report.created += 1;
                report.created_with_source_place += u64::from(from_source);
                report.member_point_ignored += u64::from(point_ignored);
            }
            None => report.existing += 1,
        }
    }
    progress(report.rows);
    Ok(report)
}

/// Merges a partner place made from a source list into the gazetteer city it is (staff and admins only), or
/// into another list place when two rows named one place differently: its relations move to `city`; a
/// relation the member already has with `city` is written whole to the audit log and removed; the place is
/// deleted. One unit of work (partnerships and reference data), with one audit entry for the merge. Returns
/// how many relations moved. `Conflict` when `place` is not a source-list place, or `city` is missing or is
/// `place` itself.
pub async fn merge_source_place(
    store: &dyn Store,
    place: i64,
    city: i64,
    actor: &Actor,
    clock: &dyn Clock,
) -> Result<u64, ServiceError> {
    if !actor.edits_all_content() {
        return Err(ServiceError::Forbidden);
    }
    let change = Change::new(actor, clock.now(), "merge", "city").record(place);
    let Some(from) = store.city(place).await?.filter(|p| p.source_list.is_some()) else {
        return Err(ServiceError::Conflict("not_a_source_place".into()));
    };
    let Some(to) = store.city(city).await?.filter(|_| city != place) else {
        return Err(ServiceError::Conflict("city_not_found".into()));
    };
    // The full record of each relation that has to go, read before the unit opens.
    let mut dropped = Vec::new();
    for id in store.relations_duplicated_by_merge(place, city).await? {
        if let Some(detail) = store.partnership(id, change.at.date()).await? {
            dropped.push((id, serde_json::to_value(detail).unwrap_or_default()));
        }
    }
    let mut unit = store.begin().await?;
    for (id, record) in &dropped {
        let entry = Change {
            action: "delete_duplicate".into(),
            record_type: "partnership",
            record_id: Some(id.0.to_string()),
            before: Some(record.clone()),
            after: None,
            ..change.clone()
        };
        unit.record(&entry).await?;
        unit.partnerships().delete_partnership(*id).await?;
    }
    let moved = unit.partnerships().move_partner_city(place, &to).await?;
    unit.reference().delete_source_place(place).await?;
    let change = Change {
        before: Some(
            serde_json::json!({ "name": from.name, "country": from.country, "source_list": from.source_list }),
        ),
        after: Some(serde_json::json!({ "merged_into": city, "name": to.name, "country": to.country,
            "partnerships_moved": moved, "partnerships_dropped": dropped.len() })),
        ..change
    };
    unit.commit(&change).await?;
    Ok(moved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_great_circle_kilometres() {
        let d = distance_km(41.0082, 28.9784, 40.1885, 29.0610); // İstanbul – Bursa
        assert!((85.0..95.0).contains(&d), "{d}");
    }

    #[test]
    fn gazetteer_prefers_the_nearest_namesake() {
        let g = Gazetteer::new(vec![
            GazetteerEntry {
                id: 1,
                names_folded: "|tuzla|".into(),
                country: "BA".into(),
                lat: 44.54,
                lng: 18.67,
                population: 100,
            },
            GazetteerEntry {
                id: 2,
                names_folded: "|tuzla|".into(),
                country: "TR".into(),
                lat: 40.82,
                lng: 29.30,
                population: 200,
            },
            GazetteerEntry {
                id: 3,
                names_folded: "|munchen|munih|munich|".into(),
                country: "DE".into(),
                lat: 48.14,
                lng: 11.58,
                population: 1_500_000,
            },
        ]);
        assert_eq!(g.find("Tuzla", Some("BA"), Some(44.5), Some(18.7)).map(|e| e.id), Some(1));
        assert_eq!(g.find("TUZLA", None, Some(40.8), Some(29.3)).map(|e| e.id), Some(2));
        assert_eq!(g.find("Münih", Some("DE"), None, None).map(|e| e.id), Some(3));
        assert_eq!(g.find("Munich", Some("FR"), Some(48.1), Some(11.6)).map(|e| e.id), Some(3), "country mislabelled");
        assert!(g.find("Tuzla", None, Some(0.0), Some(0.0)).is_none(), "too far from every namesake");
    }
}
