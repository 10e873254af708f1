//! Funding calls' deadlines as iCalendar (RFC 5545): the union's deadline feed and a person's own, written with
//! the same rules as the events' calendars (`domain/event/calendar.rs`):
//! - times in UTC (`…Z`), so no `VTIMEZONE` is needed; the deadline's own zone is named in the description
//!   ("2026-03-12 17:00 Brussels = 2026-03-12 19:00 İstanbul"), as the call's page shows it;
//! - one `VEVENT` per deadline of a call (a two-stage call has two, a call with cut-offs one per cut-off), whose
//!   `UID` is `call-{id}-deadline-{n}@{host}`: ids only, so it never changes while the call lives;
//! - `SEQUENCE` is the call's [`Call::deadline_sequence`], which the store raises whenever the deadlines change
//!   and never lowers, so a moved deadline replaces the earlier copy in the reader's calendar;
//! - `METHOD:PUBLISH`; `DTSTAMP` and `LAST-MODIFIED` are the call's last change, so the same data gives the same
//!   bytes (the page cache and `ETag`s rely on it) and no clock is read.
//!
//! A deadline is a moment, not a stretch of time: each `VEVENT` has a `DTSTART` and no `DTEND` (RFC 5545
//! §3.6.1: it then ends where it starts) and is `TRANSP:TRANSPARENT`, so it never shows anyone as busy.
//! No `VALARM`: the saved searches already mail reminders 30, 7 and 1 days before each deadline, and an alarm
//! in a subscribed feed would ring on every reader's devices without a way to turn it off per call.

use icalendar::{Calendar, Component, Property};

use super::{Call, CallId, DeadlineModel};
use crate::domain::Lang;
use crate::domain::event::calendar::utc;

/// Deadline feeds keep calls whose last deadline passed up to this long ago, so a subscriber still sees last
/// month's deadline; older calls leave the feed.
pub const FEED_KEEPS_PAST: time::Duration = time::Duration::days(90);

/// What a deadline feed names: the calendar, the host in UIDs, the site's address, the language of its texts,
/// and the words before each deadline's summary.
pub struct DeadlineSource<'a> {
    /// The calendar's display name (`X-WR-CALNAME`, `NAME`).
    pub name: &'a str,
    /// The host part of every UID (the public address's host).
    pub uid_host: &'a str,
    /// The public address without a trailing slash, for each call's `URL`.
    pub public_url: &'a str,
    pub lang: Lang,
    /// The label of deadline `n` (1-based) of `count` under a call's model: "Son başvuru", "2. aşama",
    /// "Kesim tarihi 2/3".
    pub label: &'a (dyn Fn(DeadlineModel, usize, usize) -> String + Sync),
}

/// The UID of deadline `n` (1-based) of `call`: ids only, so it never changes.
pub fn deadline_uid(call: CallId, n: usize, host: &str) -> String {
    format!("call-{}-deadline-{n}@{host}", call.0)
}

/// `2026-03-12 19:00`: an instant in Istanbul time.
fn istanbul(at: time::OffsetDateTime) -> String {
    let t = at.to_offset(crate::clock::ISTANBUL);
    format!("{:04}-{:02}-{:02} {:02}:{:02}", t.year(), u8::from(t.month()), t.day(), t.hour(), t.minute())
}

fn vevents(source: &DeadlineSource<'_>, call: &Call) -> Vec<icalendar::Event> {
    let f = &call.fields;
    let title = f.title.get(source.lang);
    let page = format!("{}/{}/funding/calls/{}", source.public_url, source.lang.code(), call.id.0);
    let city = if source.lang == Lang::Tr { "İstanbul" } else { "Istanbul" };
    let count = f.deadlines.len();
    f.deadlines
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let label = (source.label)(f.deadline_model, i + 1, count);
            let mut description = format!(
                "{label}: {} {} ({}) = {} {city}\n{}: {title}",
                d.local_display(),
                d.zone_city(),
                d.zone,
                istanbul(d.at),
                f.identifier
            );
            if !f.link.is_empty() {
                description.push_str(&format!("\n\n{}", f.link));
            }
            description.push_str(&format!("\n{page}"));
            let mut vevent = icalendar::Event::new();
            vevent
                .uid(&deadline_uid(call.id, i + 1, source.uid_host))
                .add_property("DTSTAMP", utc(call.updated_at))
                .add_property("LAST-MODIFIED", utc(call.updated_at))
                .add_property("DTSTART", utc(d.at))
                .sequence(u32::try_from(call.deadline_sequence).unwrap_or(u32::MAX))
                .summary(&format!("{label}: {} — {title}", f.identifier))
                .description(&description)
                .url(&page)
                .add_property("STATUS", "CONFIRMED")
                .add_property("TRANSP", "TRANSPARENT");
            vevent.done()
        })
        .collect()
}

/// A whole deadline feed: `VCALENDAR` with `METHOD:PUBLISH` and one `VEVENT` per deadline of every call, in
/// the order given.
pub fn deadlines_calendar(source: &DeadlineSource<'_>, calls: &[Call]) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//ldp//Local Diplomacy Platform//EN"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .append_property(Property::new("NAME", source.name))
        .append_property(Property::new("X-WR-CALNAME", source.name))
        .append_property(Property::new("REFRESH-INTERVAL", "PT1H").add_parameter("VALUE", "DURATION").done())
        .append_property(Property::new("X-PUBLISHED-TTL", "PT1H"));
    for call in calls {
        for vevent in vevents(source, call) {
            cal.push(vevent);
        }
    }
    cal.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Localized;
    use crate::domain::funding::{Budget, CallFields, CallKind, Deadline, Eligibility};
    use time::macros::datetime;

    fn label(model: DeadlineModel, n: usize, count: usize) -> String {
        match model {
            DeadlineModel::Single => "Son başvuru".into(),
            DeadlineModel::TwoStage => format!("{n}. aşama"),
            DeadlineModel::MultipleCutOff => format!("Kesim tarihi {n}/{count}"),
        }
    }

    fn source() -> DeadlineSource<'static> {
        DeadlineSource {
            name: "Birlik · Son başvurular",
            uid_host: "ldp.example.org",
            public_url: "https://ldp.example.org",
            lang: Lang::Tr,
            label: &label,
        }
    }

    fn call(deadlines: &[(&str, &str)], sequence: i64) -> Call {
        Call {
            id: CallId(7),
            fields: CallFields {
                identifier: "HORIZON-CL5-2027-01".into(),
                programme: None,
                kind: CallKind::Grant,
                title: Localized::new("İklim nötr şehirler; uygulama", "Climate-neutral cities"),
                summary: Localized::new("", ""),
                opens_on: None,
                deadline_model: if deadlines.len() > 1 { DeadlineModel::TwoStage } else { DeadlineModel::Single },
                deadlines: deadlines.iter().map(|(l, z)| Deadline::parse(l, z).expect("a deadline")).collect(),
                budget: Budget::default(),
                themes: vec![],
                sdgs: vec![],
                link: "https://ec.europa.eu/info/funding-tenders/opportunities/portal/screen/opportunities/topic-details/horizon-cl5-2027-01".into(),
                eligibility: Eligibility::default(),
            },
            published: true,
            suggested_by: None,
            source: "manual".into(),
            updated_at: datetime!(2026-11-20 12:30:15 UTC),
            deadline_sequence: sequence,
        }
    }

    fn vevents_of(cal: &Calendar) -> Vec<&icalendar::Event> {
        cal.components.iter().filter_map(|c| c.as_event()).collect()
    }

    #[test]
    fn each_deadline_is_a_utc_event_with_a_stable_uid() {
        let two = call(&[("2027-01-14T17:00", "Europe/Brussels"), ("2027-07-01T17:00", "Europe/Brussels")], 0);
        let text = deadlines_calendar(&source(), std::slice::from_ref(&two));
        assert!(text.contains("\r\n"), "lines end in CRLF");
        assert!(!text.contains("TZID"), "UTC times need no zone");
        assert!(!text.contains("VALARM"), "no alarms: the saved searches mail reminders");
        let cal: Calendar = text.parse().expect("a calendar the icalendar parser reads");
        assert_eq!(cal.property_value("METHOD"), Some("PUBLISH"));
        let events = vevents_of(&cal);
        assert_eq!(events.len(), 2, "one VEVENT per deadline");
        assert_eq!(events[0].get_uid(), Some("call-7-deadline-1@ldp.example.org"));
        assert_eq!(events[1].get_uid(), Some("call-7-deadline-2@ldp.example.org"));
        // 17:00 in Brussels is 16:00 UTC in winter and 15:00 UTC in summer: the zoned deadline converted.
        assert_eq!(events[0].property_value("DTSTART"), Some("20270114T160000Z"));
        assert_eq!(events[0].property_value("DTSTART"), Some(utc(two.fields.deadlines[0].at).as_str()));
        assert_eq!(events[1].property_value("DTSTART"), Some("20270701T150000Z"));
        assert_eq!(events[0].property_value("DTEND"), None, "a deadline is a moment");
        assert_eq!(events[0].property_value("TRANSP"), Some("TRANSPARENT"));
        assert_eq!(events[0].get_sequence(), Some(0));
        assert_eq!(events[0].property_value("DTSTAMP"), Some("20261120T123015Z"));
        assert_eq!(events[0].get_summary(), Some("1. aşama: HORIZON-CL5-2027-01 — İklim nötr şehirler; uygulama"));
        assert_eq!(events[0].get_url(), Some("https://ldp.example.org/tr/funding/calls/7"));
        let description = events[0].get_description().expect("a description");
        assert!(
            description.contains("2027-01-14 17:00 Brussels (Europe/Brussels) = 2027-01-14 19:00 İstanbul"),
            "{description}"
        );
        assert!(description.contains(&two.fields.link), "the official link: {description}");
        assert!(
            events[1]
                .get_description()
                .unwrap()
                .contains("2027-07-01 17:00 Brussels (Europe/Brussels) = 2027-07-01 18:00 İstanbul")
        );

        // The same data gives the same bytes.
        assert_eq!(text, deadlines_calendar(&source(), std::slice::from_ref(&two)));

        // The deadline moved: same UIDs, the raised SEQUENCE, the new time.
        let moved = call(&[("2027-01-21T17:00", "Europe/Brussels"), ("2027-07-01T17:00", "Europe/Brussels")], 1);
        let again: Calendar = deadlines_calendar(&source(), &[moved]).parse().unwrap();
        let events = vevents_of(&again);
        assert_eq!(events[0].get_uid(), Some("call-7-deadline-1@ldp.example.org"));
        assert_eq!(events[0].get_sequence(), Some(1));
        assert_eq!(events[0].property_value("DTSTART"), Some("20270121T160000Z"));
    }

    #[test]
    fn english_feeds_name_istanbul_in_english_and_calls_without_deadlines_have_none() {
        let mut s = source();
        s.lang = Lang::En;
        let single = call(&[("2027-03-01T12:00", "America/New_York")], 3);
        let cal: Calendar = deadlines_calendar(&s, &[single, call(&[], 0)]).parse().unwrap();
        let events = vevents_of(&cal);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].get_summary(), Some("Son başvuru: HORIZON-CL5-2027-01 — Climate-neutral cities"));
        assert_eq!(events[0].property_value("DTSTART"), Some("20270301T170000Z"));
        assert_eq!(events[0].get_sequence(), Some(3));
        assert!(
            events[0]
                .get_description()
                .unwrap()
                .contains("2027-03-01 12:00 New York (America/New_York) = 2027-03-01 20:00 Istanbul")
        );
        assert_eq!(events[0].get_url(), Some("https://ldp.example.org/en/funding/calls/7"));
    }
}
