//! Parsers for the embedded data files. Each file's format is documented in `data/README.md`.

use flate2::read::GzDecoder;
use serde::Deserialize;
use std::collections::BTreeSet;
use std::io::Read;
use time::Date;
use time::macros::format_description;

use super::records::*;
use crate::domain::{Coordinates, Localized, LocationBasis, MunicipalityKind};
use crate::text::{collation_key, fold, slugify};

/// A data file that does not hold what its format promises.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ParseError {
    pub file: &'static str,
    pub message: String,
}

fn err(file: &'static str, message: impl ToString) -> ParseError {
    ParseError { file, message: message.to_string() }
}

fn parse_date(file: &'static str, value: &str) -> Result<Date, ParseError> {
    Date::parse(value, format_description!("[year]-[month]-[day]")).map_err(|e| err(file, format!("{value}: {e}")))
}

fn csv_rows<T: for<'de> Deserialize<'de>>(file: &'static str, bytes: &[u8]) -> Result<Vec<T>, ParseError> {
    csv::Reader::from_reader(bytes).deserialize().collect::<Result<Vec<T>, _>>().map_err(|e| err(file, e))
}

#[derive(Deserialize)]
struct NetworksFile {
    union: UnionToml,
    network: Vec<NetworkToml>,
}

#[derive(Deserialize)]
struct UnionToml {
    name_tr: String,
    name_en: String,
    acronym_tr: String,
    acronym_en: String,
    founded: String,
    seat: String,
    website: String,
    source: String,
}

#[derive(Deserialize)]
struct NetworkToml {
    slug: String,
    acronym: String,
    name_en: String,
    name_tr: String,
    founded: i32,
    founded_place_en: Option<String>,
    founded_place_tr: Option<String>,
    founded_note_en: Option<String>,
    founded_note_tr: Option<String>,
    hq_city_en: String,
    hq_city_tr: String,
    hq_country: String,
    hq_note_en: Option<String>,
    hq_note_tr: Option<String>,
    website: String,
    member_since: Option<i32>,
    membership_note_en: Option<String>,
    membership_note_tr: Option<String>,
    aims_en: String,
    aims_tr: String,
    source: String,
    #[serde(default)]
    fact: Vec<FactToml>,
}

#[derive(Deserialize)]
struct FactToml {
    label_en: String,
    label_tr: String,
    value_en: String,
    value_tr: String,
    as_of: String,
    source: String,
}

fn optional_pair(tr: Option<String>, en: Option<String>) -> Option<Localized> {
    match (tr, en) {
        (None, None) => None,
        (tr, en) => Some(Localized::new(tr.unwrap_or_default(), en.unwrap_or_default())),
    }
}

fn networks_file(bytes: &[u8]) -> Result<NetworksFile, ParseError> {
    const FILE: &str = "networks.toml";
    let text = std::str::from_utf8(bytes).map_err(|e| err(FILE, e))?;
    toml::from_str(text).map_err(|e| err(FILE, e))
}

pub(super) fn union(bytes: &[u8]) -> Result<UnionRecord, ParseError> {
    let u = networks_file(bytes)?.union;
    Ok(UnionRecord {
        name: Localized::new(u.name_tr, u.name_en),
        acronym: Localized::new(u.acronym_tr, u.acronym_en),
        founded: parse_date("networks.toml", &u.founded)?,
        seat: u.seat,
        website: u.website,
        source: u.source,
    })
}

pub(super) fn networks(bytes: &[u8]) -> Result<Vec<NetworkRecord>, ParseError> {
    const FILE: &str = "networks.toml";
    let mut out = Vec::new();
    for n in networks_file(bytes)?.network {
        if n.slug != slugify(&n.slug) {
            return Err(err(FILE, format!("slug {:?} is not a slug", n.slug)));
        }
        let facts = n
            .fact
            .into_iter()
            .map(|f| {
                Ok(FactRecord {
                    label: Localized::new(f.label_tr, f.label_en),
                    value: Localized::new(f.value_tr, f.value_en),
                    as_of: parse_date(FILE, &f.as_of)?,
                    source: f.source,
                })
            })
            .collect::<Result<Vec<_>, ParseError>>()?;
        out.push(NetworkRecord {
            slug: n.slug,
            acronym: n.acronym,
            name: Localized::new(n.name_tr, n.name_en),
            founded: n.founded,
            founded_place: optional_pair(n.founded_place_tr, n.founded_place_en),
            founded_note: optional_pair(n.founded_note_tr, n.founded_note_en),
            headquarters: Localized::new(n.hq_city_tr, n.hq_city_en),
            hq_note: optional_pair(n.hq_note_tr, n.hq_note_en),
            hq_country: n.hq_country,
            website: n.website,
            aims: Localized::new(n.aims_tr.trim(), n.aims_en.trim()),
            source: n.source,
            member_since: n.member_since,
            membership_note: optional_pair(n.membership_note_tr, n.membership_note_en),
            facts,
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct MunicipalityRow {
    plate: u8,
    province: String,
    name: String,
    kind: String,
    population: Option<i64>,
    population_year: Option<i32>,
    lat: f64,
    lng: f64,
    location_basis: String,
}

pub(super) fn municipalities(bytes: &[u8]) -> Result<Vec<MunicipalityRecord>, ParseError> {
    const FILE: &str = "municipalities.csv";
    csv_rows::<MunicipalityRow>(FILE, bytes)?
        .into_iter()
        .map(|r| {
            let kind: MunicipalityKind = r.kind.parse().map_err(|_| err(FILE, format!("kind {:?}", r.kind)))?;
            let location_basis: LocationBasis =
                r.location_basis.parse().map_err(|_| err(FILE, format!("location_basis {:?}", r.location_basis)))?;
            let (slug, place) = match kind {
                MunicipalityKind::District => {
                    let place = if r.name == "Merkez" { format!("{} Merkez", r.province) } else { r.name.clone() };
                    (slugify(&format!("{} {}", r.province, r.name)), place)
                }
                _ => (slugify(&r.province), r.province.clone()),
            };
            Ok(MunicipalityRecord {
                slug,
                name_folded: fold(&place),
                sort_key: collation_key(&place),
                name: r.name,
                kind,
                plate: r.plate,
                province: r.province,
                population: r.population,
                population_year: r.population_year,
                location: Coordinates { lat: r.lat, lng: r.lng },
                location_basis,
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct CountryRow {
    iso2: String,
    iso3: String,
    numeric: String,
    name_en: String,
    name_tr: String,
}

pub(super) fn countries(bytes: &[u8]) -> Result<Vec<CountryRecord>, ParseError> {
    Ok(csv_rows::<CountryRow>("countries.csv", bytes)?
        .into_iter()
        .map(|r| CountryRecord {
            sort_key: collation_key(&r.name_tr),
            names_folded: folded_names([r.name_tr.as_str(), r.name_en.as_str(), r.iso2.as_str()]),
            name: Localized::new(r.name_tr, r.name_en),
            iso2: r.iso2,
            iso3: r.iso3,
            numeric: r.numeric,
        })
        .collect())
}

/// `|a|b|c|`: the distinct folded names, so that `LIKE '%|prefix%'` finds any of them by prefix.
fn folded_names<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    let mut seen = BTreeSet::new();
    let mut out = String::from("|");
    for name in names {
        let f = fold(name).replace('|', " ");
        if !f.is_empty() && seen.insert(f.clone()) {
            out.push_str(&f);
            out.push('|');
        }
    }
    out
}

pub(super) fn cities(gz: &[u8]) -> Result<Vec<CityRecord>, ParseError> {
    const FILE: &str = "geonames-cities.tsv.gz";
    let mut text = String::new();
    GzDecoder::new(gz).read_to_string(&mut text).map_err(|e| err(FILE, e))?;
    let mut out = Vec::with_capacity(text.lines().count());
    for (n, line) in text.lines().enumerate() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != 11 {
            return Err(err(FILE, format!("line {}: {} fields", n + 1, f.len())));
        }
        let number = |i: usize| f[i].parse::<f64>().map_err(|e| err(FILE, format!("line {}: {e}", n + 1)));
        let id = f[0].parse::<i64>().map_err(|e| err(FILE, format!("line {}: {e}", n + 1)))?;
        let names = [f[1], f[10], f[2]].into_iter().chain(f[3].split(',').filter(|s| !s.is_empty()));
        out.push(CityRecord {
            id,
            name: f[1].to_owned(),
            name_tr: f[10].to_owned(),
            ascii_name: f[2].to_owned(),
            names_folded: folded_names(names),
            country: f[4].to_owned(),
            admin1: f[5].to_owned(),
            location: Coordinates { lat: number(6)?, lng: number(7)? },
            population: f[8].parse().unwrap_or(0),
            feature_code: f[9].to_owned(),
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct GoalRow {
    number: u8,
    color: String,
    short_tr: String,
    short_en: String,
    title_tr: String,
    title_en: String,
}

pub(super) fn goals(bytes: &[u8]) -> Result<Vec<GoalRecord>, ParseError> {
    csv_rows::<GoalRow>("sdg/goals.csv", bytes)?
        .into_iter()
        .map(|r| {
            let valid =
                r.color.len() == 7 && r.color.starts_with('#') && r.color[1..].bytes().all(|b| b.is_ascii_hexdigit());
            if !valid {
                return Err(err("sdg/goals.csv", format!("colour {:?}", r.color)));
            }
            Ok(GoalRecord {
                number: r.number,
                color: r.color.to_ascii_uppercase(),
                short_name: Localized::new(r.short_tr, r.short_en),
                title: Localized::new(r.title_tr, r.title_en),
            })
        })
        .collect()
}

#[derive(Deserialize)]
struct TargetRow {
    goal: u8,
    code: String,
    text_tr: String,
    text_en: String,
}

/// Numbered targets come first in their own order, then the lettered means of implementation.
fn target_position(code: &str) -> Option<i32> {
    let suffix = code.split_once('.')?.1;
    match suffix.parse::<i32>() {
        Ok(n) => Some(n),
        Err(_) => {
            let c = suffix.chars().next().filter(|c| c.is_ascii_lowercase() && suffix.len() == 1)?;
            Some(100 + (c as i32 - 'a' as i32))
        }
    }
}

pub(super) fn targets(bytes: &[u8]) -> Result<Vec<TargetRecord>, ParseError> {
    const FILE: &str = "sdg/targets.csv";
    csv_rows::<TargetRow>(FILE, bytes)?
        .into_iter()
        .map(|r| {
            let position = target_position(&r.code).ok_or_else(|| err(FILE, format!("code {:?}", r.code)))?;
            Ok(TargetRecord { goal: r.goal, code: r.code, position, text: Localized::new(r.text_tr, r.text_en) })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_positions_put_letters_after_numbers() {
        assert_eq!(target_position("11.7"), Some(7));
        assert_eq!(target_position("17.19"), Some(19));
        assert_eq!(target_position("11.a"), Some(100));
        assert_eq!(target_position("11.c"), Some(102));
        assert_eq!(target_position("x"), None);
    }

    #[test]
    fn folded_names_are_distinct_and_delimited() {
        assert_eq!(folded_names(["München", "Munchen", "Münih", "Munich"]), "|munchen|munih|munich|");
    }
}
