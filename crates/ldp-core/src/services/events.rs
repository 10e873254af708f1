//! Capacity building: events (trainings, workshops, platform meetings, international meetings, study visits,
//! delegations) and registration for them. Staff create and run events; a representative may propose one
//! hosted by their own municipality, which stays a draft until staff publish it. Signed-in users register
//! themselves and colleagues of their own municipality; capacity is exact (the store counts and inserts under
//! the event's lock) and the waitlist is first in, first out. Every change is audited.

mod moderation;
mod notices;
mod offers;
mod public;

pub use moderation::DECISION_JOB;
pub use notices::{DEFAULT_REMINDER_HOURS, NOTICE_JOB, Notice};
pub use offers::{DEFAULT_OFFER_HOURS, OFFER_JOB, OfferByLink, OfferLinkState};
pub use public::{
    OPT_IN_HOURS, OPT_IN_JOB, OptInByLink, OptInState, PRIVACY_NOTICE_VERSION, PUBLIC_PER_CLIENT,
    PublicRegistrationInput,
};

use std::sync::Arc;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

use super::ServiceError;
use super::accounts::{Mail, Mailer, fold_email};
use super::jobs::{JobHandler, JobQueue};
use super::workspace::field;
use crate::clock::{Clock, ISTANBUL};
use crate::domain::event::calendar::{CalendarEntry, CalendarSource, Invitation, Method, calendar};
use crate::domain::event::{is_registration_code, registration_code};
use crate::domain::partnership::PartnershipId;
use crate::domain::{
    Actor, Attendee, Audience, Change, Event, EventFields, EventFilter, EventId, EventKind, EventSession, EventStatus,
    EventTopic, InputError, Lang, Localized, MunicipalityId, NewRegistration, Page, Paged, Registration,
    RegistrationId, RegistrationStatus, Role,
};
use crate::jobs::{Job, NewJob};
use crate::store::{AccountStore, EventStore, PartnershipStore, ReferenceStore, Store, StoreError, UnitOfWorkStore};

/// The raw fields of the event form (also the API's request body). Lists are comma-separated.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct EventInput {
    /// `training`, `workshop`, `platform_meeting`, `international_meeting`, `study_visit`,
    /// `incoming_delegation` or `outgoing_delegation`.
    pub kind: Option<String>,
    pub title_tr: Option<String>,
    pub title_en: Option<String>,
    pub summary_tr: Option<String>,
    pub summary_en: Option<String>,
    pub body_tr: Option<String>,
    pub body_en: Option<String>,
    /// Comma-separated: `diplomacy_protocol`, `international_projects`, `competitions_funding`,
    /// `international_meetings`, `sister_cities`, `city_networks`, `public_diplomacy`, `project_management`.
    pub topics: Option<String>,
    /// Comma-separated SDG numbers (1–17).
    pub sdgs: Option<String>,
    /// Comma-separated network slugs.
    pub networks: Option<String>,
    /// The host municipality's slug.
    pub host: Option<String>,
    /// The id of the related sister-city relation.
    pub partnership: Option<String>,
    pub venue: Option<String>,
    /// The GeoNames id of the venue's city.
    pub city: Option<String>,
    /// The link of an online event (`https://…`).
    pub online_url: Option<String>,
    /// One session a line, in Istanbul time: `2026-12-10 10:00-17:00`.
    pub sessions: Option<String>,
    /// Comma-separated: `tr`, `en`.
    pub languages: Option<String>,
    pub speakers: Option<String>,
    pub organiser: Option<String>,
    /// `representatives`, `member_staff` or `public`.
    pub audience: Option<String>,
    /// Seats (empty for no limit).
    pub capacity: Option<String>,
    /// Istanbul time, `2026-12-01 09:00`.
    pub registration_opens: Option<String>,
    pub registration_closes: Option<String>,
    /// Seats one municipality may hold at most (empty for no quota).
    pub quota_per_municipality: Option<String>,
    /// `yes` (or `true`) when registrations need the organiser's approval; empty or `no` otherwise.
    pub moderated: Option<String>,
}

/// A registration as asked for (form and API).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct RegistrationInput {
    /// The municipality the attendees come from (slug); a representative's own by default.
    pub municipality: Option<String>,
    /// Colleagues, one a line: `Name Surname <name@example.org>`; empty to register oneself.
    pub attendees: Option<String>,
}

/// The job kind of a registration's confirmation mail (one job per attendee, each with its own invitation).
pub const CONFIRMATION_JOB: &str = "event_confirmation";

/// What the confirmation mail names: the site's address (links, and the host of calendar UIDs) and the
/// organiser, the union's sending address (`Name <address>`, the mail's `From`).
#[derive(Debug, Clone)]
pub struct EventMailSettings {
    pub public_url: String,
    pub organiser: String,
    /// Hours a waitlist offer holds its seats (`--event-offer-hours`, 1 to 720).
    pub offer_hours: u32,
    /// Hours before an event's start its reminders go out (`--event-reminder-hours`, 1 to 720).
    pub reminder_hours: u32,
}

impl Default for EventMailSettings {
    fn default() -> Self {
        EventMailSettings {
            public_url: "http://127.0.0.1:8080".into(),
            organiser: "Yerel Diplomasi Platformu <noreply@localhost.localdomain>".into(),
            offer_hours: DEFAULT_OFFER_HOURS,
            reminder_hours: DEFAULT_REMINDER_HOURS,
        }
    }
}

impl EventMailSettings {
    /// The organiser's name and address from `Name <address>` (or a bare address).
    fn organiser(&self) -> (String, String) {
        match self.organiser.rsplit_once('<') {
            Some((name, rest)) => {
                (name.trim().trim_matches('"').to_owned(), rest.trim_end_matches('>').trim().to_owned())
            }
            None => (String::new(), self.organiser.trim().to_owned()),
        }
    }

    /// What a mailed calendar file of `event` names (in Turkish, the union's language).
    fn source<'a>(&'a self, event: &'a Event) -> CalendarSource<'a> {
        CalendarSource {
            name: event.fields.title.get(Lang::Tr),
            uid_host: self.uid_host(),
            public_url: self.public_url.trim_end_matches('/'),
            lang: Lang::Tr,
            waitlisted: "Bekleme listesinde",
        }
    }

    /// The host part of calendar UIDs: the public address's host.
    fn uid_host(&self) -> &str {
        let rest = self.public_url.split_once("://").map_or(self.public_url.as_str(), |(_, r)| r);
        rest.split(['/', ':']).next().unwrap_or(rest)
    }
}

#[derive(Clone)]
pub struct Events {
    store: Arc<dyn EventStore>,
    reference: Arc<dyn ReferenceStore>,
    partnerships: Arc<dyn PartnershipStore>,
    accounts: Arc<dyn AccountStore>,
    units: Arc<dyn UnitOfWorkStore>,
    clock: Arc<dyn Clock>,
    /// Where confirmation mail goes out, once [`Events::with_mail`] named it.
    mail: Option<(Arc<dyn Mailer>, JobQueue, EventMailSettings)>,
    /// How long a waitlist offer holds its seats ([`Events::with_offer_hours`]).
    offer_hours: u32,
    /// How long before an event its reminders go out ([`Events::with_reminder_hours`]).
    reminder_hours: u32,
}

/// Whether `actor` sees `event`: public states everyone; drafts staff, auditors and their proposer.
pub fn sees(actor: &Actor, event: &Event) -> bool {
    event.status.is_public() || actor.reads_everything() || (actor.user.is_some() && actor.user == event.proposed_by)
}

/// Whether `actor` may change `event`'s fields: staff always; its proposer while it is a draft.
pub fn edits(actor: &Actor, event: &Event) -> bool {
    actor.edits_all_content()
        || (!actor.read_only
            && event.status == EventStatus::Draft
            && actor.user.is_some()
            && actor.user == event.proposed_by
            && event.fields.host.is_some_and(|m| actor.edits_municipality(m)))
}

/// Whether `actor` may create an event at all (staff) or propose one (a representative).
pub fn proposes(actor: &Actor) -> bool {
    !actor.read_only && matches!(actor.role, Some(Role::Admin | Role::Staff | Role::Representative))
}

/// `YYYY-MM-DD HH:MM` in Istanbul time, as an instant.
fn local_time(date: &str, time: &str) -> Option<OffsetDateTime> {
    let d = Date::parse(date.trim(), &time::format_description::well_known::Iso8601::DATE).ok()?;
    let (h, m) = time.trim().split_once(':')?;
    let t = Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()?;
    Some(PrimitiveDateTime::new(d, t).assume_offset(ISTANBUL).to_offset(time::UtcOffset::UTC))
}

pub(crate) fn local_instant(raw: &str) -> Option<OffsetDateTime> {
    let raw = raw.trim();
    let (date, time) = raw.split_once([' ', 'T'])?;
    local_time(date, time)
}

/// One session line: `2026-12-10 10:00-17:00` (Istanbul time).
fn session_line(line: &str) -> Option<EventSession> {
    let line = line.trim();
    let (date, times) = line.split_once(' ')?;
    let (from, to) = times.trim().split_once(['-', '–'])?;
    let start = local_time(date, from)?;
    let end = local_time(date, to)?;
    (end > start).then_some(EventSession { start, end })
}

fn list(raw: &Option<String>) -> Vec<String> {
    let mut items: Vec<String> = raw
        .as_deref()
        .unwrap_or("")
        .split([',', '\n'])
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    items.dedup();
    items
}

fn web_address(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > "https://".len()
        && !url.chars().any(|c| c.is_whitespace() || "<>\"'`".contains(c))
}

fn count(raw: &Option<String>, name: &str, errors: &mut InputError) -> Option<u32> {
    let value = field(raw, name, 6, errors);
    if value.is_empty() {
        return None;
    }
    match value.parse::<u32>() {
        Ok(n) if (1..=100_000).contains(&n) => Some(n),
        _ => {
            errors.add(name, "invalid_number");
            None
        }
    }
}

/// `Name <address>` or a bare address.
fn attendee_line(line: &str) -> Option<Attendee> {
    let line = line.trim();
    let (name, email) = match line.rsplit_once('<') {
        Some((name, rest)) => (name.trim(), rest.trim_end_matches('>').trim()),
        None => ("", line),
    };
    if !super::accounts::valid_email(email) || name.chars().count() > 200 {
        return None;
    }
    let name = if name.is_empty() { email.to_owned() } else { name.to_owned() };
    Some(Attendee { name, email: email.to_owned() })
}

impl Events {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Events {
            store: store.clone(),
            reference: store.clone(),
            partnerships: store.clone(),
            accounts: store.clone(),
            units: store,
            clock,
            mail: None,
            offer_hours: DEFAULT_OFFER_HOURS,
            reminder_hours: DEFAULT_REMINDER_HOURS,
        }
    }

    /// The same service sending confirmation mail through `mailer` (the worker runs the queued jobs).
    pub fn with_mail(mut self, mailer: Arc<dyn Mailer>, queue: JobQueue, settings: EventMailSettings) -> Self {
        self.offer_hours = settings.offer_hours.clamp(1, 720);
        self.reminder_hours = settings.reminder_hours.clamp(1, 720);
        self.mail = Some((mailer, queue, settings));
        self
    }

    pub fn now(&self) -> OffsetDateTime {
        self.clock.now()
    }

    /// A page of events as `actor` may see them: `filter.statuses` is narrowed to the public states for
    /// anyone who does not read everything (their own proposals stay visible to them).
    pub async fn list(&self, actor: &Actor, mut filter: EventFilter, page: Page) -> Result<Paged<Event>, ServiceError> {
        if !actor.reads_everything() {
            let public = [EventStatus::Published, EventStatus::Postponed, EventStatus::Cancelled];
            filter.statuses = if filter.statuses.is_empty() {
                public.to_vec()
            } else {
                filter.statuses.into_iter().filter(|s| s.is_public()).collect()
            };
            if filter.statuses.is_empty() {
                // Only drafts were asked for, which this reader may not list.
                return Ok(Paged::new(Vec::new(), page, 0));
            }
            filter.proposed_by = if actor.role.is_some() { actor.user } else { None };
        }
        Ok(self.store.events(&filter, page).await?)
    }

    /// One event, if `actor` may see it (`NotFound` otherwise, so a draft does not leak).
    pub async fn get(&self, actor: &Actor, id: EventId) -> Result<Event, ServiceError> {
        match self.store.event(id).await? {
            Some(e) if sees(actor, &e) => Ok(e),
            _ => Err(ServiceError::NotFound),
        }
    }

    /// Parses the form, reporting every bad field.
    pub async fn parse(&self, input: &EventInput) -> Result<EventFields, ServiceError> {
        let mut errors = InputError::default();
        let kind_raw = field(&input.kind, "kind", 40, &mut errors);
        let kind = EventKind::parse(&kind_raw);
        if kind.is_none() {
            errors.add("kind", if kind_raw.is_empty() { "required" } else { "unknown_event_kind" });
        }
        let title = Localized::new(
            field(&input.title_tr, "title_tr", 200, &mut errors),
            field(&input.title_en, "title_en", 200, &mut errors),
        );
        if title.tr.is_empty() && title.en.is_empty() {
            errors.add("title_tr", "required");
        }
        let summary = Localized::new(
            field(&input.summary_tr, "summary_tr", 600, &mut errors),
            field(&input.summary_en, "summary_en", 600, &mut errors),
        );
        let body = Localized::new(
            field(&input.body_tr, "body_tr", 20_000, &mut errors),
            field(&input.body_en, "body_en", 20_000, &mut errors),
        );
        let mut topics = Vec::new();
        for t in list(&input.topics) {
            match EventTopic::parse(&t) {
                Some(t) if !topics.contains(&t) => topics.push(t),
                Some(_) => {}
                None => errors.add("topics", "unknown_topic"),
            }
        }
        topics.sort();
        let mut sdgs = Vec::new();
        for g in list(&input.sdgs) {
            match g.parse::<u8>() {
                Ok(n) if (1..=17).contains(&n) => sdgs.push(n),
                _ => errors.add("sdgs", "unknown_goal"),
            }
        }
        sdgs.sort_unstable();
        sdgs.dedup();
        let mut networks = Vec::new();
        for slug in list(&input.networks) {
            match self.reference.network_by_slug(&slug).await? {
                Some(n) if !networks.contains(&n.id) => networks.push(n.id),
                Some(_) => {}
                None => errors.add("networks", "unknown_network"),
            }
        }
        let host_slug = field(&input.host, "host", 120, &mut errors);
        let host = if host_slug.is_empty() {
            None
        } else {
            match self.reference.municipality_by_slug(&host_slug).await? {
                Some(m) => Some(m.id),
                None => {
                    errors.add("host", "unknown_municipality");
                    None
                }
            }
        };
        let partnership_raw = field(&input.partnership, "partnership", 20, &mut errors);
        let partnership = if partnership_raw.is_empty() {
            None
        } else {
            match partnership_raw.parse::<i64>() {
                Ok(id) if self.partnerships.partnership(PartnershipId(id), self.clock.today()).await?.is_some() => {
                    Some(id)
                }
                _ => {
                    errors.add("partnership", "unknown_partnership");
                    None
                }
            }
        };
        let venue = field(&input.venue, "venue", 300, &mut errors);
        let city_raw = field(&input.city, "city", 20, &mut errors);
        let city = if city_raw.is_empty() {
            None
        } else {
            match city_raw.parse::<i64>() {
                Ok(id) if self.reference.city(id).await?.is_some() => Some(id),
                _ => {
                    errors.add("city", "unknown_city");
                    None
                }
            }
        };
        let online_url = field(&input.online_url, "online_url", 500, &mut errors);
        if !online_url.is_empty() && !web_address(&online_url) {
            errors.add("online_url", "invalid_url");
        }
        if online_url.is_empty() && (venue.is_empty() || city.is_none()) {
            // A place is a venue in a gazetteer city, or an online link.
            if venue.is_empty() && !errors.fields.contains_key("venue") {
                errors.add("venue", "place_required");
            }
            if city.is_none() && !errors.fields.contains_key("city") {
                errors.add("city", "place_required");
            }
        }
        let sessions_raw = field(&input.sessions, "sessions", 4000, &mut errors);
        let mut sessions = Vec::new();
        for line in sessions_raw.lines().filter(|l| !l.trim().is_empty()) {
            match session_line(line) {
                Some(s) => sessions.push(s),
                None => errors.add("sessions", "invalid_session"),
            }
        }
        if sessions.is_empty() && !errors.fields.contains_key("sessions") {
            errors.add("sessions", "required");
        }
        if sessions.len() > 60 {
            errors.add("sessions", "too_many_sessions");
        }
        sessions.sort_by_key(|s| s.start);
        if sessions.windows(2).any(|w| w[1].start < w[0].end) {
            errors.add("sessions", "sessions_overlap");
        }
        let mut languages = Vec::new();
        for l in list(&input.languages) {
            match Lang::parse(&l) {
                Some(l) if !languages.contains(&l) => languages.push(l),
                Some(_) => {}
                None => errors.add("languages", "unknown_language"),
            }
        }
        if languages.is_empty() && !errors.fields.contains_key("languages") {
            languages.push(Lang::Tr);
        }
        let speakers = field(&input.speakers, "speakers", 2000, &mut errors);
        let organiser = field(&input.organiser, "organiser", 300, &mut errors);
        if organiser.is_empty() {
            errors.add("organiser", "required");
        }
        let audience_raw = field(&input.audience, "audience", 40, &mut errors);
        let audience = Audience::parse(&audience_raw);
        if audience.is_none() {
            errors.add("audience", if audience_raw.is_empty() { "required" } else { "unknown_audience" });
        }
        let capacity = count(&input.capacity, "capacity", &mut errors);
        let quota = count(&input.quota_per_municipality, "quota_per_municipality", &mut errors);
        if let (Some(q), Some(c)) = (quota, capacity)
            && q > c
        {
            errors.add("quota_per_municipality", "quota_above_capacity");
        }
        let instant = |raw: &Option<String>, name: &str, errors: &mut InputError| {
            let value = field(raw, name, 20, errors);
            if value.is_empty() {
                return None;
            }
            let at = local_instant(&value);
            if at.is_none() {
                errors.add(name, "invalid_datetime");
            }
            at
        };
        let registration_opens = instant(&input.registration_opens, "registration_opens", &mut errors);
        let registration_closes = instant(&input.registration_closes, "registration_closes", &mut errors);
        if let (Some(o), Some(c)) = (registration_opens, registration_closes)
            && c <= o
        {
            errors.add("registration_closes", "closes_before_opens");
        }
        if let (Some(c), Some(end)) = (registration_closes, sessions.iter().map(|s| s.end).max())
            && c > end
        {
            errors.add("registration_closes", "closes_after_event");
        }
        let moderated_raw = field(&input.moderated, "moderated", 10, &mut errors).to_ascii_lowercase();
        let moderated = match moderated_raw.as_str() {
            "yes" | "true" | "on" | "1" => true,
            "" | "no" | "false" | "off" | "0" => false,
            _ => {
                errors.add("moderated", "invalid_choice");
                false
            }
        };
        let (Some(kind), Some(audience)) = (kind, audience) else { return Err(errors.into()) };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        Ok(EventFields {
            kind,
            title,
            summary,
            body,
            topics,
            sdgs,
            networks,
            host,
            partnership,
            venue,
            city,
            online_url,
            sessions,
            languages,
            speakers,
            organiser,
            audience,
            capacity,
            registration_opens,
            registration_closes,
            quota_per_municipality: quota,
            moderated,
        })
    }

    /// Creates an event (staff: a draft they publish when ready) or proposes one (a representative: only
    /// hosted by their own municipality, and a draft until staff publish it).
    pub async fn create(&self, actor: &Actor, input: &EventInput) -> Result<Event, ServiceError> {
        if !proposes(actor) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let fields = self.parse(input).await?;
        let staff = actor.edits_all_content();
        if !staff {
            match fields.host {
                Some(m) if actor.edits_municipality(m) => {}
                _ => return Err(InputError::new("host", "not_your_municipality").into()),
            }
        }
        let action = if staff { "create" } else { "propose" };
        let mut change = Change::new(actor, now, action, "event").after(&fields);
        if let Some(m) = fields.host {
            change = change.of(m);
        }
        let proposed_by = if staff { None } else { actor.user };
        let id = self.store.create_event(&fields, EventStatus::Draft, proposed_by, now, &change).await?;
        self.store.event(id).await?.ok_or(ServiceError::NotFound)
    }

    /// Saves an event's fields (staff; its proposer while it is a draft). A change of time or place raises
    /// the calendar SEQUENCE.
    pub async fn update(&self, actor: &Actor, id: EventId, input: &EventInput) -> Result<Event, ServiceError> {
        let now = self.clock.now();
        let before = self.get(actor, id).await?;
        if !edits(actor, &before) {
            return Err(ServiceError::Forbidden);
        }
        let fields = self.parse(input).await?;
        if !actor.edits_all_content() && !fields.host.is_some_and(|m| actor.edits_municipality(m)) {
            return Err(InputError::new("host", "not_your_municipality").into());
        }
        let moved = fields.time_or_place_differs(&before.fields);
        let mut change = Change::new(actor, now, "update", "event").record(id).before(&before.fields).after(&fields);
        if let Some(m) = fields.host {
            change = change.of(m);
        }
        // The fields and, for a move of a published or postponed event, the notices to everyone registered
        // land together.
        let notify = moved && matches!(before.status, EventStatus::Published | EventStatus::Postponed);
        let registrations = if notify { self.store.registrations(id).await? } else { Vec::new() };
        let mut unit = self.units.begin().await?;
        match unit.events().update(id, &fields, moved, now).await {
            // Attendance is not dropped by an edit: the session must stay (or keep its day) to keep it.
            Err(StoreError::Conflict(c)) if c == "session_has_check_ins" => {
                return Err(InputError::new("sessions", "session_has_check_ins").into());
            }
            other => other?,
        }
        // A published event linked to a relation only now counts as activity on it, as publishing does.
        if before.status == EventStatus::Published && fields.partnership != before.fields.partnership {
            self.note_relation_activity(unit.as_mut(), &fields, &mut change, now).await?;
        }
        if notify {
            let notice = if before.status == EventStatus::Postponed { Notice::Postponement } else { Notice::Change };
            self.queue_notice(unit.as_mut(), &registrations, notice, before.sequence + 1, now).await?;
        }
        // A raised (or lifted) capacity frees seats: offered to the waiting line, with their mail, in the same
        // unit (the edit's entry names who was offered; each offer has its own entry too).
        let raised = match (before.fields.capacity, fields.capacity) {
            (Some(old), Some(new)) => new > old,
            (Some(_), None) => true,
            (None, _) => false,
        };
        let mut offered = Vec::new();
        if raised {
            let template = Change::new(actor, now, "offer_from_waitlist", "event_registration");
            offered = unit.events().offer_free_seats(id, self.offer_until(now), &template).await?;
            if !offered.is_empty() {
                self.queue_offers(&mut unit, &offered, now).await?;
                if let Some(after) = change.after.as_mut() {
                    after["offered"] = serde_json::json!(offered.iter().map(|r| r.id.0).collect::<Vec<_>>());
                }
            }
        }
        unit.commit(&change).await?;
        self.wake_mail(notify);
        self.wake_for(&offered);
        self.store.event(id).await?.ok_or(ServiceError::NotFound)
    }

    /// Publishes, postpones or cancels an event, or takes it back to a draft (staff only).
    pub async fn set_status(&self, actor: &Actor, id: EventId, status: EventStatus) -> Result<Event, ServiceError> {
        let now = self.clock.now();
        let before = self.get(actor, id).await?;
        if !actor.edits_all_content() {
            return Err(ServiceError::Forbidden);
        }
        let action = match status {
            EventStatus::Published => "publish",
            EventStatus::Postponed => "postpone",
            EventStatus::Cancelled => "cancel",
            EventStatus::Draft => "unpublish",
        };
        let mut change = Change::new(actor, now, action, "event")
            .record(id)
            .before(serde_json::json!({ "status": before.status.as_str() }))
            .after(serde_json::json!({ "status": status.as_str() }));
        if let Some(m) = before.fields.host {
            change = change.of(m);
        }
        // The status and, for an event linked to a relation, the activity it counts as land together.
        // Registrants hear of a postponement or cancellation of an event they could see, in the same unit.
        let notice = match status {
            EventStatus::Postponed if before.status == EventStatus::Published => Some(Notice::Postponement),
            EventStatus::Cancelled if before.status != EventStatus::Draft => Some(Notice::Cancellation),
            _ => None,
        };
        let registrations = if notice.is_some() { self.store.registrations(id).await? } else { Vec::new() };
        let mut unit = self.units.begin().await?;
        if !unit.events().set_status(id, status, now).await? {
            return Err(ServiceError::Conflict("event_status_unchanged".into()));
        }
        if let Some(notice) = notice {
            // SET_STATUS raises SEQUENCE for every move but a draft's first publication.
            let sequence = before.sequence + i64::from(before.status != EventStatus::Draft);
            self.queue_notice(unit.as_mut(), &registrations, notice, sequence, now).await?;
        }
        if status == EventStatus::Published {
            self.note_relation_activity(unit.as_mut(), &before.fields, &mut change, now).await?;
        }
        unit.commit(&change).await?;
        self.wake_mail(notice.is_some());
        self.store.event(id).await?.ok_or(ServiceError::NotFound)
    }

    /// Notes the event `fields` describe as activity on its relation, if it has one, in `unit`, and says so in
    /// `change`. Activity on the day of the event, or today for one still to come: a date in the future would
    /// keep the relation from ever being called dormant should the event not happen.
    async fn note_relation_activity(
        &self,
        unit: &mut dyn crate::store::UnitOfWork,
        fields: &EventFields,
        change: &mut Change,
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        let (Some(relation), Some(first)) = (fields.partnership, fields.sessions.first()) else { return Ok(()) };
        let today = now.to_offset(ISTANBUL).date();
        let on = first.start.to_offset(ISTANBUL).date().min(today);
        if unit.partnerships().note_activity(PartnershipId(relation), on).await?
            && let Some(after) = change.after.as_mut()
        {
            after["relation_activity_on"] = serde_json::json!(on.to_string());
        }
        Ok(())
    }

    /// Wakes the job worker when something was queued.
    fn wake_mail(&self, queued: bool) {
        if queued && let Some((_, queue, _)) = &self.mail {
            queue.wake();
        }
    }

    /// Whether registration is open for `event` at `now` (published, inside its window, not over).
    pub fn registration_open(event: &Event, now: OffsetDateTime) -> bool {
        event.status == EventStatus::Published
            && event.fields.registration_opens.is_none_or(|o| now >= o)
            && event.fields.registration_closes.is_none_or(|c| now < c)
            && event.fields.ends_at().is_some_and(|e| now < e)
    }

    /// Registers the signed-in user, or colleagues of their municipality, for an event: confirmed while
    /// seats last and nobody waits, waitlisted otherwise.
    pub async fn register(
        &self,
        actor: &Actor,
        id: EventId,
        input: &RegistrationInput,
    ) -> Result<Registration, ServiceError> {
        let Some(user) = actor.user.filter(|_| actor.is_signed_in() && !actor.read_only) else {
            return Err(ServiceError::Forbidden);
        };
        let now = self.clock.now();
        let event = self.get(actor, id).await?;
        if !Self::registration_open(&event, now) {
            return Err(ServiceError::Conflict("registration_closed".into()));
        }
        let mut errors = InputError::default();
        let slug = field(&input.municipality, "municipality", 120, &mut errors);
        let municipality: Option<MunicipalityId> = if slug.is_empty() {
            actor.municipalities.first().copied()
        } else {
            match self.reference.municipality_by_slug(&slug).await? {
                Some(m) if actor.edits_municipality(m.id) => Some(m.id),
                Some(_) => {
                    errors.add("municipality", "not_your_municipality");
                    None
                }
                None => {
                    errors.add("municipality", "unknown_municipality");
                    None
                }
            }
        };
        let lines = field(&input.attendees, "attendees", 10_000, &mut errors);
        let mut attendees = Vec::new();
        for line in lines.lines().filter(|l| !l.trim().is_empty()) {
            match attendee_line(line) {
                Some(a) if !attendees.iter().any(|b: &Attendee| b.email.eq_ignore_ascii_case(&a.email)) => {
                    attendees.push(a)
                }
                Some(_) => errors.add("attendees", "duplicate_attendee"),
                None => errors.add("attendees", "invalid_attendee"),
            }
        }
        if attendees.len() > 50 {
            errors.add("attendees", "too_many_attendees");
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        if attendees.is_empty() {
            let me = self.accounts.user(user).await?.ok_or(ServiceError::Forbidden)?.user;
            attendees.push(Attendee { name: me.name, email: me.email });
        }
        let mut change = Change::new(actor, now, "register", "event_registration").after(serde_json::json!({
            "event": id.0,
            "seats": attendees.len(),
        }));
        if let Some(m) = municipality {
            change = change.of(m);
        }
        for _ in 0..8 {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| ServiceError::Internal(format!("no randomness: {e}")))?;
            let mut source = bytes.into_iter().cycle();
            let code = registration_code(|| source.next().unwrap_or_default());
            let new = NewRegistration { code, registered_by: Some(user), municipality, attendees: attendees.clone() };
            // The registration and one confirmation mail per attendee land together, or neither does.
            let mut unit = self.units.begin().await?;
            let registration = match unit.events().register(id, &new, now).await {
                Err(StoreError::Conflict(c)) if c == "code_taken" => continue,
                Err(StoreError::Conflict(c)) if c == "quota_reached" => {
                    return Err(InputError::new("attendees", "quota_reached").into());
                }
                other => other?,
            };
            for (i, a) in registration.attendees.iter().enumerate() {
                let job = NewJob {
                    kind: CONFIRMATION_JOB,
                    key: Some(fold_email(&a.email)),
                    client: None,
                    payload: serde_json::json!({ "registration": registration.id.0, "attendee": i }),
                    created_at: now,
                    run_at: now,
                };
                unit.jobs().enqueue(&job).await?;
            }
            let mut change = change.clone().record(registration.id.0);
            if let Some(after) = change.after.as_mut() {
                after["status"] = serde_json::json!(registration.status.as_str());
            }
            unit.commit(&change).await?;
            if let Some((_, queue, _)) = &self.mail {
                queue.wake();
            }
            return Ok(registration);
        }
        Err(ServiceError::Internal("no free registration code after eight draws".into()))
    }

    /// Whether `actor` may see and cancel `registration`: who made it, and staff.
    fn owns(actor: &Actor, registration: &Registration) -> bool {
        actor.edits_all_content()
            || (!actor.read_only && actor.user.is_some() && actor.user == registration.registered_by)
    }

    /// An event's registrations (staff and auditors).
    pub async fn registrations(&self, actor: &Actor, id: EventId) -> Result<Vec<Registration>, ServiceError> {
        if !actor.reads_everything() {
            return Err(ServiceError::Forbidden);
        }
        self.get(actor, id).await?;
        Ok(self.store.registrations(id).await?)
    }

    /// The signed-in user's own registrations, newest first.
    pub async fn my_registrations(&self, actor: &Actor) -> Result<Vec<Registration>, ServiceError> {
        let Some(user) = actor.user else { return Err(ServiceError::Forbidden) };
        Ok(self.store.registrations_by(user).await?)
    }

    /// A registration by its code (who made it, and staff); for check-in and the registrant's own link.
    pub async fn by_code(&self, actor: &Actor, code: &str) -> Result<Registration, ServiceError> {
        let code = code.trim().to_ascii_uppercase();
        if !is_registration_code(&code) {
            return Err(ServiceError::NotFound);
        }
        match self.store.registration_by_code(&code).await? {
            Some(r) if Self::owns(actor, &r) || actor.reads_everything() => Ok(r),
            _ => Err(ServiceError::NotFound),
        }
    }

    /// Cancels a registration (who made it, or staff); the freed seats are offered to waiting registrations
    /// first in first out. Returns those offered.
    pub async fn cancel(&self, actor: &Actor, id: RegistrationId) -> Result<Vec<Registration>, ServiceError> {
        let now = self.clock.now();
        let Some(registration) = self.store.registration(id).await? else { return Err(ServiceError::NotFound) };
        if !Self::owns(actor, &registration) {
            return Err(if actor.reads_everything() { ServiceError::Forbidden } else { ServiceError::NotFound });
        }
        let mut change = Change::new(actor, now, "cancel", "event_registration")
            .record(id.0)
            .before(serde_json::json!({ "status": registration.status.as_str(), "code": registration.code }))
            .after(serde_json::json!({ "status": "cancelled" }));
        if let Some(m) = registration.municipality {
            change = change.of(m);
        }
        // The cancellation, the offers of the freed seats and their mail land together.
        let mut unit = self.units.begin().await?;
        let offered = match unit.events().cancel_registration(id, self.offer_until(now), &change).await {
            Err(StoreError::Conflict(_)) => return Err(ServiceError::Conflict("registration_cancelled".into())),
            other => other?,
        };
        self.queue_offers(&mut unit, &offered, now).await?;
        unit.commit(&change).await?;
        self.wake_for(&offered);
        Ok(offered)
    }
}

/// `10.12.2026 10:00–12:30` in Istanbul time.
fn session_text(start: OffsetDateTime, end: OffsetDateTime) -> String {
    let (s, e) = (start.to_offset(ISTANBUL), end.to_offset(ISTANBUL));
    format!(
        "{:02}.{:02}.{} {:02}:{:02}–{:02}:{:02}",
        s.day(),
        u8::from(s.month()),
        s.year(),
        s.hour(),
        s.minute(),
        e.hour(),
        e.minute()
    )
}

impl Events {
    /// The place of `event` as mail and invitations give it: venue, city (Turkish name), online link.
    async fn location(&self, event: &Event) -> Result<String, ServiceError> {
        let f = &event.fields;
        let mut place: Vec<String> = Vec::new();
        if !f.venue.is_empty() {
            place.push(f.venue.clone());
        }
        if let Some(c) = f.city
            && let Some(city) = self.reference.city(c).await?
        {
            place.push(city.name_tr);
        }
        if !f.online_url.is_empty() {
            place.push(f.online_url.clone());
        }
        Ok(place.join(", "))
    }

    /// The confirmation mail of `registration` for its attendee `attendee`, with that person's invitation.
    async fn confirmation(
        &self,
        settings: &EventMailSettings,
        registration: &Registration,
        attendee: &Attendee,
        event: &Event,
    ) -> Result<Mail, ServiceError> {
        let f = &event.fields;
        let location = self.location(event).await?;
        let (organiser_name, organiser_email) = settings.organiser();
        let source = settings.source(event);
        let entry = CalendarEntry { event, location: location.clone(), registration: Some(registration.status) };
        let invite = Invitation { organiser_name: &organiser_name, organiser_email: &organiser_email, attendee };
        let ics = calendar(&source, Method::Request, &[entry], Some(&invite));
        let sessions: Vec<String> = f.sessions.iter().map(|s| format!("  {}", session_text(s.start, s.end))).collect();
        let sessions = sessions.join("\n");
        let url = format!("{}/tr/events/{}", source.public_url, event.id.0);
        let url_en = format!("{}/en/events/{}", source.public_url, event.id.0);
        let waitlisted = registration.status == RegistrationStatus::Waitlisted;
        let pending = registration.status == RegistrationStatus::Pending;
        let (tr_state, en_state) = if waitlisted {
            (
                "Bekleme listesindesiniz: yer açıldığında kaydınız sırayla onaylanır.",
                "You are on the waiting list: registrations are confirmed in turn as seats free up.",
            )
        } else if pending {
            (
                "Yeriniz ayrıldı; kaydınız düzenleyicinin onayını bekliyor. Karar size e-postayla bildirilecek.",
                "Your seat is held; your registration awaits the organiser's approval. You will hear of the \
                 decision by e-mail.",
            )
        } else {
            ("Kaydınız onaylandı.", "Your registration is confirmed.")
        };
        let subject = format!(
            "{}: {} ({})",
            if waitlisted {
                "Bekleme listesi"
            } else if pending {
                "Onay bekleniyor"
            } else {
                "Kayıt onayı"
            },
            f.title.get(Lang::Tr),
            registration.code
        );
        let body = format!(
            "Merhaba {name},\n\n{title} etkinliğine kaydınız alındı. {tr_state}\n\nKayıt kodu: {code}\n\
             Oturumlar (İstanbul saati):\n{sessions}\nYer: {location}\n{url}\n\n\
             Ekteki takvim dosyasını (invite.ics) takviminize ekleyebilirsiniz.\n\n---\n\n\
             Hello {name},\n\nYour registration for {title_en} was received. {en_state}\n\nRegistration code: \
             {code}\nSessions (Istanbul time):\n{sessions}\nPlace: {location}\n{url_en}\n\n\
             You can add the attached calendar file (invite.ics) to your calendar.\n",
            name = attendee.name,
            title = f.title.get(Lang::Tr),
            title_en = f.title.get(Lang::En),
            code = registration.code,
        );
        Ok(Mail { to: attendee.email.clone(), subject, body, invitation: Some(ics) })
    }
}

#[async_trait::async_trait]
impl JobHandler for Events {
    fn handles(&self, kind: &str) -> bool {
        [CONFIRMATION_JOB, OFFER_JOB, NOTICE_JOB, OPT_IN_JOB, DECISION_JOB].contains(&kind)
    }

    async fn run(&self, job: &Job) -> Result<String, String> {
        if job.kind == OPT_IN_JOB {
            return self.run_opt_in(job).await;
        }
        if job.kind == DECISION_JOB {
            return self.run_decision(job).await;
        }
        if job.kind == OFFER_JOB {
            return self.run_offer(job).await;
        }
        if job.kind == NOTICE_JOB {
            return self.run_notice(job).await;
        }
        let Some((mailer, _, settings)) = &self.mail else { return Err("no mailer for event mail".into()) };
        let id = job.payload.get("registration").and_then(serde_json::Value::as_i64).unwrap_or_default();
        let index = job.payload.get("attendee").and_then(serde_json::Value::as_u64).unwrap_or_default();
        let Some(registration) = self.store.registration(RegistrationId(id)).await.map_err(|e| e.to_string())? else {
            return Ok("no_registration".into());
        };
        if registration.status.is_closed() || registration.status == RegistrationStatus::Unconfirmed {
            return Ok(registration.status.as_str().into());
        }
        let Some(attendee) = usize::try_from(index).ok().and_then(|i| registration.attendees.get(i)) else {
            return Ok("no_attendee".into());
        };
        let Some(event) = self.store.event(registration.event).await.map_err(|e| e.to_string())? else {
            return Ok("no_event".into());
        };
        let mail = self.confirmation(settings, &registration, attendee, &event).await.map_err(|e| e.to_string())?;
        mailer.send(mail).await?;
        Ok("sent".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_are_read_in_istanbul_time() {
        let s = session_line("2026-12-10 10:00-17:30").unwrap();
        assert_eq!(s.start.hour(), 7);
        assert_eq!(s.minutes(), 450);
        assert!(session_line("2026-12-10 17:00-10:00").is_none());
        assert!(session_line("10.12.2026 10:00-17:00").is_none());
    }

    #[test]
    fn attendees_are_name_and_address() {
        let a = attendee_line("Ayşe Yılmaz <ayse@nilufer.bel.tr>").unwrap();
        assert_eq!((a.name.as_str(), a.email.as_str()), ("Ayşe Yılmaz", "ayse@nilufer.bel.tr"));
        assert_eq!(attendee_line("ali@example.org").unwrap().name, "ali@example.org");
        assert!(attendee_line("Ali <not an address>").is_none());
    }
}
