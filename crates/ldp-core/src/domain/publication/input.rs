//! The publication form (also the API's request body) and its parse, which reports every bad field at once.
//! Related records arrive as slugs and ids; the service looks them up first and hands what exists in
//! [`KnownRecords`], so the parse itself is pure.

use std::collections::{HashMap, HashSet};
use time::Date;

use super::{DocumentLanguage, PublicationFields, PublicationKind};
use crate::domain::event::EventTopic;
use crate::domain::{EventId, InputError, Localized, MunicipalityId, NetworkId};

/// The most related records of one kind a publication names.
pub const MAX_RELATED: usize = 30;

/// The raw fields of the publication form. Lists are comma-separated (authors: one a line).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct PublicationInput {
    /// `report`, `guide`, `bulletin`, `presentation` or `study`.
    pub kind: Option<String>,
    pub title_tr: Option<String>,
    pub title_en: Option<String>,
    pub summary_tr: Option<String>,
    pub summary_en: Option<String>,
    /// One name a line (people or bodies).
    pub authors: Option<String>,
    /// `YYYY-MM-DD`, not after today.
    pub published_on: Option<String>,
    /// The document's language, an ISO 639-1 code (`tr`, `en`, `de`, …).
    pub language: Option<String>,
    /// Comma-separated: the events' topics (`diplomacy_protocol`, `international_projects`, …).
    pub topics: Option<String>,
    /// Comma-separated SDG numbers (1–17).
    pub sdgs: Option<String>,
    /// Comma-separated network slugs.
    pub networks: Option<String>,
    /// Comma-separated municipality slugs.
    pub municipalities: Option<String>,
    /// Comma-separated event ids.
    pub events: Option<String>,
    /// Comma-separated ids of sister-city relations.
    pub partnerships: Option<String>,
}

/// The related records the input names that exist (looked up by the service).
#[derive(Debug, Clone, Default)]
pub struct KnownRecords {
    pub networks: HashMap<String, NetworkId>,
    pub municipalities: HashMap<String, MunicipalityId>,
    pub events: HashSet<i64>,
    pub partnerships: HashSet<i64>,
}

/// A trimmed value, with `too_long` and `invalid_characters` reported.
fn text(raw: &Option<String>, name: &str, max: usize, errors: &mut InputError) -> String {
    let value = raw.as_deref().unwrap_or("").trim().to_owned();
    if value.chars().count() > max {
        errors.add(name, "too_long");
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        errors.add(name, "invalid_characters");
    }
    value
}

/// The comma- or line-separated items of a list, trimmed, without empties or repeats.
pub fn items(raw: &Option<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in raw.as_deref().unwrap_or("").split([',', '\n']).map(str::trim).filter(|s| !s.is_empty()) {
        if !out.iter().any(|o| o == item) {
            out.push(item.to_owned());
        }
    }
    out
}

/// The ids of a list of numbers (what is not a number is left for the parse to report).
pub fn numbers(raw: &Option<String>) -> Vec<i64> {
    items(raw).iter().filter_map(|s| s.parse::<i64>().ok()).collect()
}

impl PublicationFields {
    /// Reads the form: every bad field is reported, not only the first. `today` is the Istanbul date (a
    /// publication is not dated in the future); `known` holds the related records that exist.
    pub fn parse(input: &PublicationInput, today: Date, known: &KnownRecords) -> Result<Self, InputError> {
        let mut errors = InputError::default();
        let kind_raw = text(&input.kind, "kind", 40, &mut errors);
        let kind = PublicationKind::parse(&kind_raw);
        if kind.is_none() {
            errors.add("kind", if kind_raw.is_empty() { "required" } else { "unknown_publication_kind" });
        }
        let title = Localized::new(
            text(&input.title_tr, "title_tr", 300, &mut errors),
            text(&input.title_en, "title_en", 300, &mut errors),
        );
        if title.tr.is_empty() && title.en.is_empty() {
            errors.add("title_tr", "title_in_one_language");
        }
        let summary = Localized::new(
            text(&input.summary_tr, "summary_tr", 4000, &mut errors),
            text(&input.summary_en, "summary_en", 4000, &mut errors),
        );
        let authors_raw = text(&input.authors, "authors", 4000, &mut errors);
        let mut authors: Vec<String> = Vec::new();
        for name in authors_raw.lines().map(str::trim).filter(|s| !s.is_empty()) {
            if name.chars().count() > 200 {
                errors.add("authors", "too_long");
            } else if !authors.iter().any(|a| a == name) {
                authors.push(name.to_owned());
            }
        }
        if authors.len() > 50 {
            errors.add("authors", "too_many_authors");
        }
        let date_raw = text(&input.published_on, "published_on", 20, &mut errors);
        let published_on = if date_raw.is_empty() {
            errors.add("published_on", "required");
            None
        } else {
            match Date::parse(&date_raw, &time::format_description::well_known::Iso8601::DATE) {
                Ok(d) if d > today => {
                    errors.add("published_on", "date_in_future");
                    None
                }
                Ok(d) if d.year() < 1900 => {
                    errors.add("published_on", "invalid_date");
                    None
                }
                Ok(d) => Some(d),
                Err(_) => {
                    errors.add("published_on", "invalid_date");
                    None
                }
            }
        };
        let language_raw = text(&input.language, "language", 10, &mut errors);
        let language = DocumentLanguage::parse(&language_raw);
        if language.is_none() {
            errors.add("language", if language_raw.is_empty() { "required" } else { "unknown_document_language" });
        }
        let mut topics = Vec::new();
        for t in items(&input.topics) {
            match EventTopic::parse(&t) {
                Some(t) if !topics.contains(&t) => topics.push(t),
                Some(_) => {}
                None => errors.add("topics", "unknown_topic"),
            }
        }
        topics.sort();
        let mut sdgs = Vec::new();
        for g in items(&input.sdgs) {
            match g.parse::<u8>() {
                Ok(n) if (1..=17).contains(&n) => sdgs.push(n),
                _ => errors.add("sdgs", "unknown_goal"),
            }
        }
        sdgs.sort_unstable();
        sdgs.dedup();
        let networks =
            related(&input.networks, "networks", "unknown_network", &mut errors, |s| known.networks.get(s).copied());
        let municipalities =
            related(&input.municipalities, "municipalities", "unknown_municipality", &mut errors, |s| {
                known.municipalities.get(s).copied()
            });
        let events = related(&input.events, "events", "unknown_event", &mut errors, |s| {
            s.parse::<i64>().ok().filter(|id| known.events.contains(id)).map(EventId)
        });
        let partnerships = related(&input.partnerships, "partnerships", "unknown_partnership", &mut errors, |s| {
            s.parse::<i64>().ok().filter(|id| known.partnerships.contains(id))
        });
        match (kind, published_on, language) {
            (Some(kind), Some(published_on), Some(language)) if errors.is_empty() => Ok(PublicationFields {
                kind,
                title,
                summary,
                authors,
                published_on,
                language,
                topics,
                sdgs,
                networks,
                municipalities,
                events,
                partnerships,
            }),
            _ => Err(errors),
        }
    }
}

/// The records a list names, each looked up with `find`; an unknown one is reported as `unknown`.
fn related<T: PartialEq>(
    raw: &Option<String>,
    field: &str,
    unknown: &str,
    errors: &mut InputError,
    find: impl Fn(&str) -> Option<T>,
) -> Vec<T> {
    let list = items(raw);
    if list.len() > MAX_RELATED {
        errors.add(field, "too_many_related");
    }
    let mut out = Vec::new();
    for item in list {
        match find(&item) {
            Some(v) if !out.contains(&v) => out.push(v),
            Some(_) => {}
            None => errors.add(field, unknown),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> Date {
        Date::from_calendar_date(2026, time::Month::November, 28).unwrap()
    }

    #[test]
    fn every_bad_field_is_reported() {
        let input = PublicationInput {
            kind: Some("novel".into()),
            published_on: Some("2026-13-01".into()),
            language: Some("xx".into()),
            topics: Some("gardening".into()),
            sdgs: Some("18".into()),
            networks: Some("nope".into()),
            events: Some("7".into()),
            partnerships: Some("x".into()),
            ..PublicationInput::default()
        };
        let e = PublicationFields::parse(&input, today(), &KnownRecords::default()).unwrap_err();
        let fields: Vec<&str> = e.fields.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            ["events", "kind", "language", "networks", "partnerships", "published_on", "sdgs", "title_tr", "topics"]
        );
        assert_eq!(e.fields["title_tr"], "title_in_one_language");
        let future = PublicationInput { published_on: Some("2026-11-29".into()), ..input };
        let e = PublicationFields::parse(&future, today(), &KnownRecords::default()).unwrap_err();
        assert_eq!(e.fields["published_on"], "date_in_future");
    }

    #[test]
    fn one_language_is_enough_and_lists_are_cleaned() {
        let mut known = KnownRecords::default();
        known.networks.insert("uclg".into(), NetworkId(3));
        known.events.insert(12);
        let input = PublicationInput {
            kind: Some("guide".into()),
            title_en: Some("Sister-city guide".into()),
            authors: Some("Ayşe Yılmaz\n\nMarmara Belediyeler Birliği\nAyşe Yılmaz".into()),
            published_on: Some("2026-11-28".into()),
            language: Some("EN".into()),
            topics: Some("sister_cities, diplomacy_protocol".into()),
            sdgs: Some("17,11,17".into()),
            networks: Some("uclg,uclg".into()),
            events: Some("12".into()),
            ..PublicationInput::default()
        };
        let f = PublicationFields::parse(&input, today(), &known).unwrap();
        assert_eq!(f.title.tr, "");
        assert_eq!(f.authors, ["Ayşe Yılmaz", "Marmara Belediyeler Birliği"]);
        assert_eq!(f.language.as_str(), "en");
        assert_eq!(f.topics, [EventTopic::DiplomacyProtocol, EventTopic::SisterCities]);
        assert_eq!(f.sdgs, [11, 17]);
        assert_eq!(f.networks, [NetworkId(3)]);
        assert_eq!(f.events, [EventId(12)]);
    }
}
