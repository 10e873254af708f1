//! Events as iCalendar (RFC 5545): the public feeds, one event's file, a person's own feed and the
//! invitation attached to a registration's confirmation mail.
//!
//! The rules calendar programs rely on, kept here in one place:
//! - times are written in UTC (`…Z`), so no `VTIMEZONE` is needed and no reader guesses a zone;
//! - one `VEVENT` per session, whose `UID` is `event-{id}-session-{n}@{host}`: made of ids only, so it
//!   never changes while the event lives, and a later copy replaces the earlier one in the reader's calendar;
//! - `SEQUENCE` is the event's own counter ([`Event::sequence`]), raised by the store whenever a session's
//!   time or the place changes or the event is cancelled or postponed, never lowered;
//! - a cancelled event is `STATUS:CANCELLED`; feeds and downloads are `METHOD:PUBLISH`, the mailed
//!   invitation `METHOD:REQUEST` with `ORGANIZER` and `ATTENDEE`.
//!
//! `DTSTAMP` is the event's last change, not the moment of writing: the same data gives the same bytes,
//! which the page cache and `ETag`s rely on, and no clock is read.

use icalendar::{Calendar, Component, EventLike, Property};
use time::OffsetDateTime;

use super::{Attendee, Event, EventId, EventStatus, RegistrationStatus};
use crate::domain::Lang;

/// How a calendar object is meant (RFC 5546 `METHOD`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A feed or a download: information, no reply expected.
    Publish,
    /// An invitation to one attendee (the registration's confirmation mail, a reminder, a change).
    Request,
    /// The invitation withdrawn: the event was cancelled (its `VEVENT`s say `STATUS:CANCELLED`).
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Publish => "PUBLISH",
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// What every file names: the calendar, the host in UIDs, the site's address and the language of texts.
#[derive(Debug, Clone)]
pub struct CalendarSource<'a> {
    /// The calendar's display name (`X-WR-CALNAME`, `NAME`).
    pub name: &'a str,
    /// The host part of every UID (the public address's host, e.g. `ldp.example.org`).
    pub uid_host: &'a str,
    /// The public address without a trailing slash, for each event's `URL`.
    pub public_url: &'a str,
    pub lang: Lang,
    /// The words put before a waitlisted registration's summary (`Bekleme listesi`, `Waitlisted`).
    pub waitlisted: &'a str,
}

/// One event in a calendar, with what the reader needs besides the event.
#[derive(Debug, Clone)]
pub struct CalendarEntry<'a> {
    pub event: &'a Event,
    /// The place as people read it (venue and city, or the online link).
    pub location: String,
    /// The reader's own registration (a personal feed, an invitation): waitlisted ones are marked.
    pub registration: Option<RegistrationStatus>,
}

/// Who invites whom (`METHOD:REQUEST`).
#[derive(Debug, Clone)]
pub struct Invitation<'a> {
    pub organiser_name: &'a str,
    pub organiser_email: &'a str,
    pub attendee: &'a Attendee,
}

/// The UID of session `n` (1-based) of `event`: ids only, so it never changes.
pub fn session_uid(event: EventId, n: usize, host: &str) -> String {
    format!("event-{}-session-{n}@{host}", event.0)
}

/// `20261210T070000Z`: a UTC date-time (RFC 5545 §3.3.5, form 2).
pub fn utc(at: OffsetDateTime) -> String {
    let t = at.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A parameter value without the characters that would end or split it; always quoted, so commas and
/// colons in a name are safe.
fn param_text(text: &str) -> String {
    let clean: String = text.chars().filter(|c| !c.is_control() && !matches!(c, '"' | ';' | ':')).collect::<String>();
    format!("\"{}\"", clean.trim())
}

/// The `STATUS` of an entry: a cancelled event is cancelled whatever the registration; a postponed event
/// or a place on the waitlist is tentative.
fn status(entry: &CalendarEntry<'_>) -> &'static str {
    match (entry.event.status, entry.registration) {
        (EventStatus::Cancelled, _) => "CANCELLED",
        (_, Some(RegistrationStatus::Cancelled | RegistrationStatus::Rejected)) => "CANCELLED",
        (EventStatus::Postponed, _) | (_, Some(RegistrationStatus::Waitlisted | RegistrationStatus::Pending)) => {
            "TENTATIVE"
        }
        _ => "CONFIRMED",
    }
}

fn vevents(
    source: &CalendarSource<'_>,
    entry: &CalendarEntry<'_>,
    invitation: Option<&Invitation<'_>>,
) -> Vec<icalendar::Event> {
    let event = entry.event;
    let f = &event.fields;
    let title = f.title.get(source.lang);
    let url = format!("{}/{}/events/{}", source.public_url, source.lang.code(), event.id.0);
    let mut description = f.summary.get(source.lang).to_owned();
    if !description.is_empty() {
        description.push_str("\n\n");
    }
    description.push_str(&url);
    let count = f.sessions.len();
    f.sessions
        .iter()
        .enumerate()
        .map(|(i, session)| {
            let mut summary = if count > 1 { format!("{title} ({}/{count})", i + 1) } else { title.to_owned() };
            if entry.registration == Some(RegistrationStatus::Waitlisted) {
                summary = format!("[{}] {summary}", source.waitlisted);
            }
            let mut vevent = icalendar::Event::new();
            vevent
                .uid(&session_uid(event.id, i + 1, source.uid_host))
                .add_property("DTSTAMP", utc(event.updated_at))
                .add_property("CREATED", utc(event.created_at))
                .add_property("LAST-MODIFIED", utc(event.updated_at))
                .add_property("DTSTART", utc(session.start))
                .add_property("DTEND", utc(session.end))
                .sequence(u32::try_from(event.sequence).unwrap_or(u32::MAX))
                .summary(&summary)
                .description(&description)
                .url(&url)
                .add_property("STATUS", status(entry))
                .add_property("TRANSP", "OPAQUE");
            if !entry.location.is_empty() {
                vevent.location(&entry.location);
            }
            if let Some(invite) = invitation {
                vevent.append_property(
                    Property::new("ORGANIZER", format!("mailto:{}", invite.organiser_email))
                        .add_parameter("CN", &param_text(invite.organiser_name))
                        .done(),
                );
                let partstat = match entry.registration {
                    Some(RegistrationStatus::Waitlisted | RegistrationStatus::Pending) => "TENTATIVE",
                    _ => "ACCEPTED",
                };
                vevent.append_multi_property(
                    Property::new("ATTENDEE", format!("mailto:{}", invite.attendee.email))
                        .add_parameter("CN", &param_text(&invite.attendee.name))
                        .add_parameter("ROLE", "REQ-PARTICIPANT")
                        .add_parameter("PARTSTAT", partstat)
                        .add_parameter("RSVP", "FALSE")
                        .done(),
                );
            }
            vevent.done()
        })
        .collect()
}

/// A whole calendar file: `VCALENDAR` with `METHOD`, and one `VEVENT` per session of every entry.
pub fn calendar(
    source: &CalendarSource<'_>,
    method: Method,
    entries: &[CalendarEntry<'_>],
    invitation: Option<&Invitation<'_>>,
) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//ldp//Local Diplomacy Platform//EN"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", method.as_str()))
        .append_property(Property::new("NAME", source.name))
        .append_property(Property::new("X-WR-CALNAME", source.name));
    if method == Method::Publish {
        // Subscribed feeds: ask readers to look again every hour.
        cal.append_property(Property::new("REFRESH-INTERVAL", "PT1H").add_parameter("VALUE", "DURATION").done())
            .append_property(Property::new("X-PUBLISHED-TTL", "PT1H"));
    }
    for entry in entries {
        for vevent in vevents(source, entry, invitation) {
            cal.push(vevent);
        }
    }
    cal.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Audience, EventFields, EventKind, EventSession, Localized};
    use time::macros::datetime;

    fn event(status: EventStatus, sequence: i64) -> Event {
        let start = datetime!(2026-12-10 07:00 UTC);
        Event {
            id: EventId(42),
            fields: EventFields {
                kind: EventKind::Training,
                title: Localized::new("Protokol eğitimi; giriş, uygulama", "Protocol training"),
                summary: Localized::new("Özet", ""),
                body: Localized::new("", ""),
                topics: vec![],
                sdgs: vec![],
                networks: vec![],
                host: None,
                partnership: None,
                venue: "Birlik binası".into(),
                city: None,
                online_url: String::new(),
                sessions: vec![
                    EventSession { start, end: start + time::Duration::hours(3) },
                    EventSession {
                        start: start + time::Duration::days(1),
                        end: start + time::Duration::days(1) + time::Duration::hours(2),
                    },
                ],
                languages: vec![Lang::Tr],
                speakers: String::new(),
                organiser: "Birlik".into(),
                audience: Audience::Public,
                capacity: None,
                registration_opens: None,
                registration_closes: None,
                quota_per_municipality: None,
                moderated: false,
            },
            status,
            proposed_by: None,
            sequence,
            seats_taken: 0,
            created_at: datetime!(2026-11-01 09:00 UTC),
            updated_at: datetime!(2026-11-20 12:30:15 UTC),
        }
    }

    fn source() -> CalendarSource<'static> {
        CalendarSource {
            name: "Etkinlikler",
            uid_host: "ldp.example.org",
            public_url: "https://ldp.example.org",
            lang: Lang::Tr,
            waitlisted: "Bekleme listesi",
        }
    }

    fn parse(text: &str) -> Calendar {
        text.parse::<Calendar>().expect("a calendar the icalendar parser reads")
    }

    fn entry(e: &Event, registration: Option<RegistrationStatus>) -> CalendarEntry<'_> {
        CalendarEntry { event: e, location: "Birlik binası, İstanbul".into(), registration }
    }

    fn vevents_of(cal: &Calendar) -> Vec<&icalendar::Event> {
        cal.components.iter().filter_map(|c| c.as_event()).collect()
    }

    #[test]
    fn sessions_are_utc_events_with_stable_uids() {
        let e = event(EventStatus::Published, 0);
        let text = calendar(&source(), Method::Publish, &[entry(&e, None)], None);
        assert!(text.contains("\r\n"), "lines end in CRLF");
        assert!(!text.contains("TZID"), "UTC times need no zone");
        assert!(text.contains("DTSTART:20261210T070000Z"), "{text}");
        assert!(text.contains("DTEND:20261211T090000Z"), "{text}");
        assert!(text.contains("METHOD:PUBLISH"));
        let cal = parse(&text);
        assert_eq!(cal.property_value("METHOD"), Some("PUBLISH"));
        let events = vevents_of(&cal);
        assert_eq!(events.len(), 2, "one VEVENT per session");
        assert_eq!(events[0].get_uid(), Some("event-42-session-1@ldp.example.org"));
        assert_eq!(events[1].get_uid(), Some("event-42-session-2@ldp.example.org"));
        assert_eq!(events[0].get_summary(), Some("Protokol eğitimi; giriş, uygulama (1/2)"));
        assert_eq!(events[0].get_sequence(), Some(0));
        assert_eq!(events[0].property_value("STATUS"), Some("CONFIRMED"));
        assert_eq!(events[0].property_value("DTSTAMP"), Some("20261120T123015Z"));
        assert_eq!(events[0].get_location(), Some("Birlik binası, İstanbul"));
        assert_eq!(events[0].get_url(), Some("https://ldp.example.org/tr/events/42"));

        // The same event changed later: same UIDs, the stored SEQUENCE, the same bytes for the same data.
        let mut moved = event(EventStatus::Published, 3);
        moved.fields.sessions[0].start += time::Duration::hours(1);
        let again = calendar(&source(), Method::Publish, &[entry(&moved, None)], None);
        let cal = parse(&again);
        let events = vevents_of(&cal);
        assert_eq!(events[0].get_uid(), Some("event-42-session-1@ldp.example.org"));
        assert_eq!(events[0].get_sequence(), Some(3));
        assert!(again.contains("DTSTART:20261210T080000Z"));
        assert_eq!(again, calendar(&source(), Method::Publish, &[entry(&moved, None)], None));
    }

    #[test]
    fn cancelled_postponed_and_waitlisted_are_marked() {
        let cancelled = event(EventStatus::Cancelled, 1);
        let text =
            calendar(&source(), Method::Publish, &[entry(&cancelled, Some(RegistrationStatus::Confirmed))], None);
        let cal = parse(&text);
        assert!(vevents_of(&cal).iter().all(|v| v.property_value("STATUS") == Some("CANCELLED")), "{text}");

        let postponed = event(EventStatus::Postponed, 1);
        let cal = parse(&calendar(&source(), Method::Publish, &[entry(&postponed, None)], None));
        assert_eq!(vevents_of(&cal)[0].property_value("STATUS"), Some("TENTATIVE"));

        let open = event(EventStatus::Published, 0);
        let cal =
            parse(&calendar(&source(), Method::Publish, &[entry(&open, Some(RegistrationStatus::Waitlisted))], None));
        let first = vevents_of(&cal)[0].clone();
        assert_eq!(first.property_value("STATUS"), Some("TENTATIVE"));
        assert!(first.get_summary().unwrap().starts_with("[Bekleme listesi] "), "{:?}", first.get_summary());
    }

    #[test]
    fn an_invitation_names_organiser_and_attendee() {
        let e = event(EventStatus::Published, 0);
        let ayse = Attendee { name: "Yılmaz, Ayşe".into(), email: "ayse@nilufer.bel.tr".into() };
        let invite = Invitation {
            organiser_name: "Marmara Belediyeler Birliği",
            organiser_email: "etkinlik@example.org",
            attendee: &ayse,
        };
        let text =
            calendar(&source(), Method::Request, &[entry(&e, Some(RegistrationStatus::Confirmed))], Some(&invite));
        assert!(text.contains("METHOD:REQUEST"));
        assert!(!text.contains("REFRESH-INTERVAL"), "an invitation is not a feed");
        let unfolded = text.replace("\r\n ", "");
        assert!(
            unfolded.contains("ORGANIZER;CN=\"Marmara Belediyeler Birliği\":mailto:etkinlik@example.org"),
            "{unfolded}"
        );
        assert!(unfolded.contains("ATTENDEE;"), "{unfolded}");
        assert!(unfolded.contains("CN=\"Yılmaz, Ayşe\""), "{unfolded}");
        assert!(unfolded.contains(":mailto:ayse@nilufer.bel.tr"), "{unfolded}");
        assert!(unfolded.contains("PARTSTAT=ACCEPTED"), "{unfolded}");
        let cal = parse(&text);
        assert_eq!(cal.property_value("METHOD"), Some("REQUEST"));
        assert_eq!(vevents_of(&cal).len(), 2);
    }

    #[test]
    fn utc_times_are_written_from_any_offset() {
        let at = datetime!(2026-12-10 10:00 +03:00);
        assert_eq!(utc(at), "20261210T070000Z");
        assert_eq!(param_text("A: \"B\"; C"), "\"A B C\"");
    }
}
