//! The JSON of the EU Funding & Tenders Portal's search API (`{"totalResults": N, "results": [...]}`), read
//! as a stream: [`read`] hands each result to a callback as it is parsed, never holding the whole file.
//!
//! Each result has `reference`, `url`, `title`, `summary` and `metadata`, where every metadata value comes
//! wrapped in a list and numbers may arrive as strings. [`convert`] turns one result into a call's fields or
//! says why it is skipped.
//!
//! What the codes mean (as the portal's own search front end sends them): `type` `0` is a tender, `1` a
//! call-for-proposals topic, `2` a forthcoming topic (prospect), `8` a cascade-funding call (open calls of
//! EU-funded projects); `status` `31094501` forthcoming, `31094502` open, `31094503` closed. The portal gives
//! a topic's deadlines as dates; it closes them at 17:00 Brussels time, which is how they are stored.

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;

use rust_decimal::Decimal;
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use time::Date;

use super::types::{Budget, CallFields, CallKind, Deadline, DeadlineModel, Eligibility, parse_amount};
use crate::domain::Localized;

/// One result of the search API, as it comes.
#[derive(Debug, Clone, Deserialize)]
pub struct PortalResult {
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub summary: Option<String>,
    /// Every value a list.
    pub metadata: BTreeMap<String, Vec<Value>>,
}

/// Why a file is not the search API's JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotPortalFormat(pub String);

/// Reads the file, calling `each` with every result in order (numbered from 1). Stops at the first result
/// `each` refuses, returning its error. Returns `totalResults`.
pub fn read<R: Read, E>(
    reader: R,
    mut each: impl FnMut(usize, PortalResult) -> Result<(), E>,
) -> Result<u64, ReadError<E>> {
    let mut de = serde_json::Deserializer::from_reader(reader);
    let mut failed = None;
    let total =
        de.deserialize_map(FileVisitor { each: &mut each, failed: &mut failed }).map_err(|e| match failed.take() {
            Some(e) => ReadError::Refused(e),
            None => ReadError::Format(NotPortalFormat(format!("not the Funding & Tenders Portal's search JSON: {e}"))),
        })?;
    de.end().map_err(|e| ReadError::Format(NotPortalFormat(format!("text after the JSON document: {e}"))))?;
    Ok(total)
}

/// What stopped [`read`].
#[derive(Debug)]
pub enum ReadError<E> {
    Format(NotPortalFormat),
    Refused(E),
}

struct FileVisitor<'a, F, E> {
    each: &'a mut F,
    failed: &'a mut Option<E>,
}

impl<'de, F: FnMut(usize, PortalResult) -> Result<(), E>, E> Visitor<'de> for FileVisitor<'_, F, E> {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(r#"an object {"totalResults": N, "results": [...]}"#)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<u64, A::Error> {
        let mut total = None;
        let mut results = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "totalResults" => {
                    let v: Value = map.next_value()?;
                    total = Some(
                        number(&v)
                            .and_then(|d| u64::try_from(d).ok())
                            .ok_or_else(|| de::Error::custom(format!("totalResults is not a count: {v}")))?,
                    );
                }
                "results" => {
                    map.next_value_seed(ResultsSeed { each: &mut *self.each, failed: &mut *self.failed })?;
                    results = true;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !results {
            return Err(de::Error::missing_field("results"));
        }
        total.ok_or_else(|| de::Error::missing_field("totalResults"))
    }
}

struct ResultsSeed<'a, F, E> {
    each: &'a mut F,
    failed: &'a mut Option<E>,
}

impl<'de, F: FnMut(usize, PortalResult) -> Result<(), E>, E> DeserializeSeed<'de> for ResultsSeed<'_, F, E> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, F: FnMut(usize, PortalResult) -> Result<(), E>, E> Visitor<'de> for ResultsSeed<'_, F, E> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a list of results")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut n = 0;
        loop {
            n += 1;
            let item = seq
                .next_element::<PortalResult>()
                .map_err(|e| de::Error::custom(format!("result {n} is not a search result: {e}")))?;
            let Some(item) = item else { return Ok(()) };
            if let Err(e) = (self.each)(n, item) {
                *self.failed = Some(e);
                return Err(de::Error::custom("stopped"));
            }
        }
    }
}

/// A number given as a number or a string.
fn number(v: &Value) -> Option<Decimal> {
    match v {
        Value::Number(n) => parse_amount(&n.to_string()),
        Value::String(s) => parse_amount(s),
        _ => None,
    }
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.trim().to_owned()).filter(|s| !s.is_empty()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl PortalResult {
    fn first(&self, key: &str) -> Option<String> {
        self.metadata.get(key).and_then(|vs| vs.iter().find_map(text))
    }

    fn all(&self, key: &str) -> Vec<String> {
        self.metadata.get(key).map(|vs| vs.iter().filter_map(text).collect()).unwrap_or_default()
    }
}

/// HTML reduced to its text: every tag dropped, `<script>` and `<style>` with their content, the text
/// unescaped (pages escape it when they show it), spaces collapsed.
pub fn sanitise(html: &str) -> String {
    let with_breaks = html.replace("</p>", "</p> ").replace("<br", " <br").replace("</li>", "</li> ");
    let clean = ammonia::Builder::empty().clean(&with_breaks).to_string();
    let unescaped = clean.replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ").replace("&amp;", "&");
    unescaped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The portal's status codes.
fn status_known(code: &str) -> bool {
    matches!(code, "31094501" | "31094502" | "31094503")
}

/// A result as a call's fields, or why it is skipped.
pub fn convert(r: &PortalResult) -> Result<CallFields, String> {
    let identifier = r
        .first("identifier")
        .or_else(|| r.reference.clone().filter(|s| !s.trim().is_empty()))
        .ok_or_else(|| "no identifier".to_owned())?;
    if identifier.chars().count() > 120 {
        return Err("identifier longer than 120 characters".into());
    }
    let kind = match r.first("type").as_deref() {
        Some("0") => CallKind::Tender,
        Some("1" | "2" | "8") => CallKind::Grant,
        Some(other) => return Err(format!("unknown type {other}")),
        None => return Err("no type".into()),
    };
    if let Some(status) = r.first("status")
        && !status_known(&status)
    {
        return Err(format!("unknown status {status}"));
    }
    let title = r
        .first("title")
        .or_else(|| r.title.clone())
        .map(|t| sanitise(&t))
        .filter(|t| !t.is_empty())
        .ok_or_else(|| "no title".to_owned())?;
    let description = r.first("descriptionByte").or_else(|| r.summary.clone()).map(|d| sanitise(&d));
    let summary: String = description.unwrap_or_default().chars().take(5000).collect();
    let opens_on = match r.first("startDate") {
        Some(s) => Some(portal_date(&s).ok_or_else(|| format!("startDate is not a date: {s}"))?),
        None => None,
    };
    let mut deadlines = Vec::new();
    for raw in r.all("deadlineDate") {
        let day = portal_date(&raw).ok_or_else(|| format!("deadlineDate is not a date: {raw}"))?;
        let d = Deadline::parse(&format!("{day}T17:00"), "Europe/Brussels")
            .ok_or_else(|| format!("deadlineDate is not a date: {raw}"))?;
        if !deadlines.iter().any(|x: &Deadline| x.at == d.at) {
            deadlines.push(d);
        }
    }
    deadlines.sort_by_key(|d| d.at);
    let models: Vec<String> = r.all("deadlineModel").iter().map(|m| m.to_ascii_lowercase()).collect();
    let deadline_model = if models.iter().any(|m| m.contains("two")) {
        DeadlineModel::TwoStage
    } else if models.iter().any(|m| m.contains("multiple")) || deadlines.len() > 1 {
        DeadlineModel::MultipleCutOff
    } else {
        DeadlineModel::Single
    };
    if deadline_model == DeadlineModel::TwoStage && deadlines.len() != 2 {
        return Err(format!("two-stage with {} deadlines", deadlines.len()));
    }
    if let (Some(open), Some(first)) = (opens_on, deadlines.first())
        && crate::clock::istanbul_date(first.at) < open
    {
        return Err("a deadline before the opening date".into());
    }
    let budget = budget_of(r, &identifier)?;
    let link = r
        .url
        .clone()
        .filter(|u| u.starts_with("https://") && !u.chars().any(|c| c.is_whitespace() || "<>\"'`".contains(c)))
        .unwrap_or_else(|| {
            format!(
                "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/{}",
                identifier.to_ascii_lowercase()
            )
        });
    let mut themes: Vec<String> =
        r.all("keywords").into_iter().map(|k| sanitise(&k)).filter(|k| !k.is_empty() && k.len() <= 80).collect();
    themes.sort();
    themes.dedup();
    themes.truncate(12);
    Ok(CallFields {
        identifier,
        programme: None,
        kind,
        title: Localized::new("", title),
        summary: Localized::new("", summary),
        opens_on,
        deadline_model,
        deadlines,
        budget,
        themes,
        sdgs: Vec::new(),
        link,
        eligibility: Eligibility::default(),
    })
}

/// `2026-09-24T00:00:00.000+0000` or `2026-09-24`: the date part.
fn portal_date(raw: &str) -> Option<Date> {
    let day = raw.trim().get(..10)?;
    Date::parse(day, &time::format_description::well_known::Iso8601::DATE).ok()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Overview {
    #[serde(default)]
    budget_topic_action_map: BTreeMap<String, Vec<Action>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Action {
    #[serde(default)]
    action: String,
    #[serde(default)]
    budget_year_map: BTreeMap<String, Value>,
    #[serde(default)]
    min_contribution: Option<Value>,
    #[serde(default)]
    max_contribution: Option<Value>,
}

/// The topic's budget (in euro) from `budgetOverview`, a JSON document inside a string: the sum of the
/// yearly amounts of the actions whose `action` begins with the topic's identifier, with the smallest
/// minimum and largest maximum contribution among them. The map covers the whole call, so other topics'
/// actions are left out.
fn budget_of(r: &PortalResult, identifier: &str) -> Result<Budget, String> {
    let Some(raw) = r.first("budgetOverview") else { return Ok(Budget::default()) };
    let overview: Overview =
        serde_json::from_str(&raw).map_err(|e| format!("budgetOverview is not a budget document: {e}"))?;
    let mut total: Option<Decimal> = None;
    let mut min: Option<Decimal> = None;
    let mut max: Option<Decimal> = None;
    for action in overview.budget_topic_action_map.values().flatten() {
        if !action.action.trim_start().starts_with(identifier) {
            continue;
        }
        for v in action.budget_year_map.values() {
            let amount = number(v).ok_or_else(|| format!("budgetOverview amount is not a number: {v}"))?;
            total = Some(total.unwrap_or_default() + amount);
        }
        if let Some(v) = action.min_contribution.as_ref().filter(|v| !v.is_null()) {
            let a = number(v).ok_or_else(|| format!("minContribution is not a number: {v}"))?;
            min = Some(min.map_or(a, |m| m.min(a)));
        }
        if let Some(v) = action.max_contribution.as_ref().filter(|v| !v.is_null()) {
            let a = number(v).ok_or_else(|| format!("maxContribution is not a number: {v}"))?;
            max = Some(max.map_or(a, |m| m.max(a)));
        }
    }
    if let (Some(a), Some(b)) = (min, max)
        && a > b
    {
        return Err("minContribution above maxContribution".into());
    }
    let any = total.is_some() || min.is_some() || max.is_some();
    Ok(Budget {
        currency: if any { "EUR".into() } else { String::new() },
        total: total.map(|d| d.normalize()),
        min_per_project: min.map(|d| d.normalize()),
        max_per_project: max.map(|d| d.normalize()),
        cofinancing_rate: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_tags_go_text_stays() {
        assert_eq!(
            sanitise("<p>Cities &amp; regions</p><script>alert(1)</script><ul><li>a &lt; b</li></ul>"),
            "Cities & regions a < b"
        );
    }

    #[test]
    fn a_wrong_document_is_refused() {
        let r = read(&b"[1,2]"[..], |_, _| Ok::<(), ()>(()));
        assert!(matches!(r, Err(ReadError::Format(_))));
        let r = read(&br#"{"totalResults": 1}"#[..], |_, _| Ok::<(), ()>(()));
        assert!(matches!(r, Err(ReadError::Format(_))));
        let r = read(&br#"{"totalResults": "2", "results": []}"#[..], |_, _| Ok::<(), ()>(()));
        assert_eq!(r.ok(), Some(2));
    }
}
