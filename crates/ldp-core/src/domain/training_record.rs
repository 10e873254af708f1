//! The training record (issue 11): for each person the trainings they attended, their hours per topic and
//! their certificates; for a municipality and for the union the hours per topic, province and year.
//!
//! It is a read model over check-ins, computed here by pure functions from one row per attendee per session
//! ([`AttendedSession`]):
//! - **What counts**: events of a kind that certifies ([`counts_as_training`]: trainings and workshops) that
//!   were not cancelled, and attendees of registrations that are `confirmed` now.
//! - **Hours** are the minutes of the sessions a person was checked in for (a session counts once per
//!   person, however many registrations name them), shown to a quarter of an hour.
//! - **Topics**: an event's hours count toward *each* of its topics, so the topic columns of a row may add up
//!   to more than its total; an event without topics counts toward the total only.
//! - **Year**: the year, in Europe/Istanbul, in which the session starts (a session over midnight on New
//!   Year's Eve counts whole toward the year it started in).
//! - **Province**: the province of the municipality the registration was made for; none when it names no
//!   municipality.
//! - **Person**: an attendee's e-mail address, folded as accounts fold it (`fold_email`).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::event::{EventKind, EventSession, EventStatus, EventTopic, RegistrationStatus};
use super::{EventId, InputError, Localized, MunicipalityId, PlateCode, RegistrationId};
use crate::clock::ISTANBUL;
use crate::services::accounts::fold_email;
use crate::text::collation_key;

/// The kinds of event whose hours make up the training record: those that lead to certificates (trainings
/// and workshops, where people learn over hours). Meetings, visits and delegations are not training.
pub fn counts_as_training(kind: EventKind) -> bool {
    super::certificate::certifies(kind)
}

/// The kinds for which [`counts_as_training`] holds, for the store's query.
pub fn training_kinds() -> Vec<EventKind> {
    EventKind::ALL.iter().copied().filter(|k| counts_as_training(*k)).collect()
}

/// A province as the record names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, ToSchema)]
pub struct RecordProvince {
    pub plate: PlateCode,
    pub name: String,
}

/// One attendee checked in for one session, with what the record needs of the event and the registration:
/// what the store reads, one row each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendedSession {
    pub event: EventId,
    pub kind: EventKind,
    pub event_status: EventStatus,
    pub title: Localized,
    pub topics: Vec<EventTopic>,
    pub registration: RegistrationId,
    pub registration_status: RegistrationStatus,
    pub municipality: Option<MunicipalityId>,
    pub province: Option<RecordProvince>,
    /// The attendee's position in the registration's list, their name and address.
    pub attendee: u32,
    pub name: String,
    pub email: String,
    /// The session's position in the event and its times (UTC).
    pub session: u32,
    pub start: OffsetDateTime,
    pub end: OffsetDateTime,
}

impl AttendedSession {
    /// Whether the row counts toward anyone's record (see the module's rules).
    pub fn counts(&self) -> bool {
        counts_as_training(self.kind)
            && self.event_status != EventStatus::Cancelled
            && self.registration_status == RegistrationStatus::Confirmed
    }

    pub fn minutes(&self) -> i64 {
        EventSession { start: self.start, end: self.end }.minutes()
    }

    /// The year in Istanbul in which the session starts.
    pub fn year(&self) -> i32 {
        self.start.to_offset(ISTANBUL).year()
    }

    /// Who attended: the folded address.
    pub fn person(&self) -> String {
        fold_email(&self.email)
    }
}

/// What a record or a table is narrowed to (each optional), parsed from query values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordFilter {
    /// A year in Istanbul.
    pub year: Option<i32>,
    pub topic: Option<EventTopic>,
    pub municipality: Option<MunicipalityId>,
    pub province: Option<PlateCode>,
}

impl RecordFilter {
    /// Parses the year, topic and province; `municipality` is resolved by the caller (a slug or an id needs
    /// the reference data). Every bad field is reported at once.
    pub fn parse(year: Option<&str>, topic: Option<&str>, province: Option<&str>) -> Result<RecordFilter, InputError> {
        let clean = |v: Option<&str>| v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let mut errors = InputError::default();
        let year = clean(year).and_then(|y| match y.parse::<i32>() {
            Ok(y) if (2000..=2100).contains(&y) => Some(y),
            _ => {
                errors.add("year", "invalid_record_year");
                None
            }
        });
        let topic = clean(topic).and_then(|t| {
            let parsed = EventTopic::parse(&t);
            if parsed.is_none() {
                errors.add("topic", "unknown_topic");
            }
            parsed
        });
        let province = clean(province).and_then(|p| match p.parse::<i64>().map(PlateCode::parse) {
            Ok(Ok(plate)) => Some(plate),
            _ => {
                errors.add("province", "unknown_province");
                None
            }
        });
        if errors.is_empty() { Ok(RecordFilter { year, topic, municipality: None, province }) } else { Err(errors) }
    }

    /// The instants (UTC) between which sessions of `year` start in Istanbul: `[from, to)`.
    pub fn year_bounds(year: i32) -> Option<(OffsetDateTime, OffsetDateTime)> {
        let at = |y: i32| {
            time::Date::from_calendar_date(y, time::Month::January, 1)
                .ok()
                .map(|d| d.with_time(time::Time::MIDNIGHT).assume_offset(ISTANBUL).to_offset(time::UtcOffset::UTC))
        };
        Some((at(year)?, at(year + 1)?))
    }

    /// Whether a row passes the filter (the store applies it in SQL; this is the same rule for rows in hand).
    pub fn admits(&self, row: &AttendedSession) -> bool {
        self.year.is_none_or(|y| row.year() == y)
            && self.topic.is_none_or(|t| row.topics.contains(&t))
            && self.municipality.is_none_or(|m| row.municipality == Some(m))
            && self.province.is_none_or(|p| row.province.as_ref().is_some_and(|r| r.plate == p))
    }
}

/// One training a person attended, with the sessions they were checked in for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TrainingAttended {
    pub event: EventId,
    pub kind: EventKind,
    pub title: Localized,
    pub topics: Vec<EventTopic>,
    /// The start of the first and the end of the last session attended (UTC).
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub first_start: OffsetDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub last_end: OffsetDateTime,
    /// Sessions attended.
    pub sessions: u32,
    pub minutes: i64,
    /// The municipality of the registration (the latest when several named the person).
    pub municipality: Option<MunicipalityId>,
}

/// Minutes toward one topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct TopicMinutes {
    pub topic: EventTopic,
    pub minutes: i64,
}

/// One person's record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PersonRecord {
    /// The address as last written on a registration.
    pub email: String,
    /// The name as last written on a registration.
    pub name: String,
    /// Trainings attended, earliest first.
    pub trainings: Vec<TrainingAttended>,
    /// Minutes per topic, in the topics' order; topics without hours are left out.
    pub topics: Vec<TopicMinutes>,
    /// Minutes attended in all (each session once).
    pub total_minutes: i64,
}

impl PersonRecord {
    /// The minutes toward `topic`.
    pub fn topic_minutes(&self, topic: EventTopic) -> i64 {
        self.topics.iter().find(|t| t.topic == topic).map_or(0, |t| t.minutes)
    }

    /// The municipalities the person attended for, each once, in the order of the trainings.
    pub fn municipalities(&self) -> Vec<MunicipalityId> {
        let mut ids: Vec<MunicipalityId> = Vec::new();
        for id in self.trainings.iter().filter_map(|t| t.municipality) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        ids
    }
}

/// The rows that count, each (person, event, session) once: the first row seen wins, so the caller's order
/// (the store's: session start, then registration) decides which registration a person is counted under.
fn counted(rows: &[AttendedSession]) -> Vec<&AttendedSession> {
    let mut seen = BTreeSet::new();
    rows.iter().filter(|r| r.counts() && seen.insert((r.person(), r.event, r.session))).collect()
}

fn topic_list(minutes: &BTreeMap<EventTopic, i64>) -> Vec<TopicMinutes> {
    minutes
        .iter()
        .filter(|(_, m)| **m > 0)
        .map(|(topic, minutes)| TopicMinutes { topic: *topic, minutes: *minutes })
        .collect()
}

/// Everyone's records from the rows, by name in Turkish order (then address).
pub fn person_records(rows: &[AttendedSession]) -> Vec<PersonRecord> {
    let mut people: HashMap<String, Vec<&AttendedSession>> = HashMap::new();
    for row in counted(rows) {
        people.entry(row.person()).or_default().push(row);
    }
    let mut records: Vec<PersonRecord> = people.into_values().map(|rows| record_of(&rows)).collect();
    records.sort_by_cached_key(|r| (collation_key(&r.name), fold_email(&r.email)));
    records
}

/// One person's record from their counted rows (not empty).
fn record_of(rows: &[&AttendedSession]) -> PersonRecord {
    let latest = rows.iter().max_by_key(|r| (r.start, r.registration)).copied();
    let mut trainings: BTreeMap<EventId, TrainingAttended> = BTreeMap::new();
    let mut topics: BTreeMap<EventTopic, i64> = BTreeMap::new();
    let mut total_minutes = 0;
    for row in rows {
        let minutes = row.minutes();
        total_minutes += minutes;
        for topic in &row.topics {
            *topics.entry(*topic).or_default() += minutes;
        }
        let t = trainings.entry(row.event).or_insert_with(|| TrainingAttended {
            event: row.event,
            kind: row.kind,
            title: row.title.clone(),
            topics: row.topics.clone(),
            first_start: row.start,
            last_end: row.end,
            sessions: 0,
            minutes: 0,
            municipality: row.municipality,
        });
        t.first_start = t.first_start.min(row.start);
        t.last_end = t.last_end.max(row.end);
        t.sessions += 1;
        t.minutes += minutes;
        if row.municipality.is_some() {
            t.municipality = row.municipality;
        }
    }
    let mut trainings: Vec<TrainingAttended> = trainings.into_values().collect();
    trainings.sort_by_key(|t| (t.first_start, t.event));
    PersonRecord {
        email: latest.map(|r| r.email.clone()).unwrap_or_default(),
        name: latest.map(|r| r.name.clone()).unwrap_or_default(),
        trainings,
        topics: topic_list(&topics),
        total_minutes,
    }
}

/// The record of the person with `email` (folded before comparing), empty when they attended nothing.
pub fn person_record(rows: &[AttendedSession], email: &str) -> PersonRecord {
    let key = fold_email(email);
    let mine: Vec<&AttendedSession> = counted(rows).into_iter().filter(|r| r.person() == key).collect();
    if mine.is_empty() {
        return PersonRecord {
            email: email.trim().to_owned(),
            name: String::new(),
            trainings: Vec::new(),
            topics: Vec::new(),
            total_minutes: 0,
        };
    }
    record_of(&mine)
}

/// Hours of one year in one province (or of registrations naming no municipality).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HoursRow {
    pub year: i32,
    pub province: Option<RecordProvince>,
    /// Minutes per topic (an event's minutes count toward each of its topics).
    pub topics: Vec<TopicMinutes>,
    /// Minutes in all, each person's session once.
    pub total_minutes: i64,
    /// People who attended.
    pub people: usize,
}

impl HoursRow {
    pub fn topic_minutes(&self, topic: EventTopic) -> i64 {
        self.topics.iter().find(|t| t.topic == topic).map_or(0, |t| t.minutes)
    }
}

/// Hours per topic × province × year, with the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct HoursTable {
    /// By year, then province in Turkish order (no province last).
    pub rows: Vec<HoursRow>,
    /// Minutes per topic over every row.
    pub topics: Vec<TopicMinutes>,
    pub total_minutes: i64,
    /// People who attended, each once.
    pub people: usize,
}

impl HoursTable {
    pub fn topic_minutes(&self, topic: EventTopic) -> i64 {
        self.topics.iter().find(|t| t.topic == topic).map_or(0, |t| t.minutes)
    }
}

#[derive(Default)]
struct Tally {
    topics: BTreeMap<EventTopic, i64>,
    total: i64,
    people: BTreeSet<String>,
}

impl Tally {
    fn add(&mut self, row: &AttendedSession) {
        let minutes = row.minutes();
        self.total += minutes;
        for topic in &row.topics {
            *self.topics.entry(*topic).or_default() += minutes;
        }
        self.people.insert(row.person());
    }
}

/// The table of hours per topic, province and year.
pub fn hours_table(rows: &[AttendedSession]) -> HoursTable {
    let mut cells: BTreeMap<(i32, Option<PlateCode>), (Option<RecordProvince>, Tally)> = BTreeMap::new();
    let mut all = Tally::default();
    for row in counted(rows) {
        let plate = row.province.as_ref().map(|p| p.plate);
        cells.entry((row.year(), plate)).or_insert_with(|| (row.province.clone(), Tally::default())).1.add(row);
        all.add(row);
    }
    let mut rows: Vec<HoursRow> = cells
        .into_iter()
        .map(|((year, _), (province, tally))| HoursRow {
            year,
            province,
            topics: topic_list(&tally.topics),
            total_minutes: tally.total,
            people: tally.people.len(),
        })
        .collect();
    rows.sort_by_cached_key(|r| {
        (r.year, r.province.is_none(), r.province.as_ref().map(|p| collation_key(&p.name)).unwrap_or_default())
    });
    HoursTable { rows, topics: topic_list(&all.topics), total_minutes: all.total, people: all.people.len() }
}

#[cfg(test)]
mod tests;
