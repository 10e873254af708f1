//! Capacity building on the public site: the list of events (upcoming and past, filtered) and one page per
//! event with its schema.org `Event` description. Only public states show here; drafts live in the
//! workspace. Registration happens in the workspace, signed in.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use std::collections::BTreeMap;

use ldp_core::domain::{
    Actor, City, Event, EventFilter, EventId, EventKind, EventStatus, EventTopic, Lang, Municipality, Network, Page,
    Paged, SdgGoal,
};

use super::pagination::Pagination;
use super::{PageCtx, PageError, parse_page, render, status_for};
use crate::api::events::EventQuery;
use crate::error::{AppError, field_message};
use crate::pages::discovery::atom::{AtomFeed, FeedEntry, MAX_ENTRIES};
use crate::pages::forms::FormState;
use crate::state::AppState;

/// The filter form's choices and what was asked.
pub struct EventFilterForm {
    pub form: FormState,
    pub kinds: &'static [EventKind],
    pub topics: &'static [EventTopic],
    pub goals: Vec<SdgGoal>,
    pub members: Vec<Municipality>,
    pub networks: Vec<Network>,
    pub past: bool,
}

impl EventFilterForm {
    /// `path` with the current filters (without the page).
    pub fn with_query(&self, path: &str) -> String {
        let pairs: Vec<(&str, &str)> = ["when", "kind", "topic", "sdg", "municipality", "network"]
            .into_iter()
            .map(|f| (f, self.form.value(f).trim()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let qs = serde_urlencoded::to_string(pairs).unwrap_or_default();
        if qs.is_empty() { path.to_owned() } else { format!("{path}?{qs}") }
    }

    /// The calendar feed of what the list shows, as far as feeds filter: the host municipality and the topic.
    pub fn calendar_href(&self, path: &str) -> String {
        let pairs: Vec<(&str, &str)> = ["municipality", "topic"]
            .into_iter()
            .map(|f| (f, self.form.value(f).trim()))
            .filter(|(f, v)| !v.is_empty() && self.form.error(f).is_none())
            .collect();
        let qs = serde_urlencoded::to_string(pairs).unwrap_or_default();
        if qs.is_empty() { path.to_owned() } else { format!("{path}?{qs}") }
    }
}

#[derive(askama::Template)]
#[template(path = "events.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    filters: EventFilterForm,
    result: Option<Paged<Event>>,
    pagination: Option<Pagination>,
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<EventQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Ok(Query(query)) = query else { return Err(ctx.fail()(AppError::bad_request("invalid_query"))) };
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let mut form = FormState::of(&query);
    let filter = query.filter(&state, state.events.now()).await;
    let page = parse_page(query.page.as_deref());
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    if let Err(e) = &filter {
        errors.extend(e.fields.iter().map(|(f, c)| (f.clone(), field_message(ctx.lang, c))));
    }
    if let Err(e) = &page {
        errors.extend(e.fields.iter().map(|(f, c)| (f.clone(), field_message(ctx.lang, c))));
    }
    form.errors = errors;
    let filters = EventFilterForm {
        past: form.value("when") == "past",
        form,
        kinds: EventKind::ALL,
        topics: EventTopic::ALL,
        goals: reference.goals(),
        members: reference.all_municipalities().cloned().collect(),
        networks: reference.networks().to_vec(),
    };
    let (result, pagination) = match (filter, page) {
        (Ok(filter), Ok(page)) => {
            let result = state.events.list(&Actor::visitor(None), filter, page).await.map_err(ctx.fail())?;
            if result.is_past_end() && page.number() > 1 {
                return Err(ctx.fail()(AppError::not_found()));
            }
            let base = filters.with_query(&ctx.href("/events"));
            let sep = if base.contains('?') { '&' } else { '?' };
            let pagination =
                Pagination::new(&result, |n| if n == 1 { base.clone() } else { format!("{base}{sep}page={n}") });
            (Some(result), Some(pagination))
        }
        _ => (None, None),
    };
    let status = status_for(!filters.form.errors.is_empty());
    let page = ListPage { title: ctx.t("events-title"), filters, result, pagination, ctx };
    render(&page.ctx, &page, status)
}

#[derive(askama::Template)]
#[template(path = "event.html")]
struct ShowPage {
    ctx: PageCtx,
    title: String,
    event: Event,
    host: Option<Municipality>,
    city: Option<City>,
    networks: Vec<Network>,
    goals: Vec<SdgGoal>,
    /// Whether the page's language lacks the event's text, shown then in the other language.
    untranslated: bool,
    /// schema.org `Event` as JSON, safe inside a `<script>` element.
    json_ld: String,
    related_publications: crate::pages::publications::RelatedPublications,
    /// A visit's public record (purpose, programme, participants, outcome).
    delegation: Option<ldp_core::domain::delegation::Delegation>,
    visit_people: Vec<crate::pages::workspace::delegations::PersonView>,
}

impl ShowPage {
    fn sessions(&self) -> Vec<(String, String)> {
        self.event.fields.sessions.iter().map(|s| (self.ctx.datetime(&s.start), time_of_day(s.end))).collect()
    }

    /// The description's paragraphs (blank lines between them) in the page's language.
    fn paragraphs(&self) -> Vec<String> {
        let body = self.event.fields.body.get(self.ctx.lang);
        body.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).map(str::to_owned).collect()
    }

    fn hours(&self) -> String {
        let h = self.event.fields.hours();
        if h.fract() == 0.0 { format!("{h:.0}") } else { format!("{h}") }
    }

    fn seats_left(&self) -> Option<i64> {
        self.event.fields.capacity.map(|c| (i64::from(c) - self.event.seats_taken).max(0))
    }
}

/// `HH:MM` in Istanbul.
fn time_of_day(at: time::OffsetDateTime) -> String {
    let t = at.to_offset(ldp_core::clock::ISTANBUL);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// RFC 3339 in Istanbul time, for schema.org.
fn iso(at: time::OffsetDateTime) -> String {
    at.to_offset(ldp_core::clock::ISTANBUL).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The schema.org description of an event, as JSON that cannot close its `<script>` element.
fn json_ld(ctx: &PageCtx, event: &Event, url: &str, city: Option<&City>) -> String {
    let f = &event.fields;
    let status = match event.status {
        EventStatus::Cancelled => "https://schema.org/EventCancelled",
        EventStatus::Postponed => "https://schema.org/EventPostponed",
        _ => "https://schema.org/EventScheduled",
    };
    let online = !f.online_url.is_empty();
    let in_person = !f.venue.is_empty();
    let mode = match (online, in_person) {
        (true, true) => "https://schema.org/MixedEventAttendanceMode",
        (true, false) => "https://schema.org/OnlineEventAttendanceMode",
        _ => "https://schema.org/OfflineEventAttendanceMode",
    };
    let mut location = Vec::new();
    if in_person {
        let mut place = serde_json::json!({ "@type": "Place", "name": f.venue });
        if let Some(c) = city {
            place["address"] = serde_json::json!({
                "@type": "PostalAddress",
                "addressLocality": if ctx.lang == Lang::Tr { &c.name_tr } else { &c.name },
                "addressCountry": c.country.as_str(),
            });
        }
        location.push(place);
    }
    if online {
        location.push(serde_json::json!({ "@type": "VirtualLocation", "url": f.online_url }));
    }
    let mut doc = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": f.title.get(ctx.lang),
        "description": f.summary.get(ctx.lang),
        "url": url,
        "eventStatus": status,
        "eventAttendanceMode": mode,
        "location": if location.len() == 1 { location.remove(0) } else { serde_json::Value::Array(location) },
        "inLanguage": f.languages.iter().map(|l| l.code()).collect::<Vec<_>>(),
        "organizer": { "@type": "Organization", "name": f.organiser },
    });
    if let Some(s) = f.starts_at() {
        doc["startDate"] = serde_json::json!(iso(s));
    }
    if let Some(e) = f.ends_at() {
        doc["endDate"] = serde_json::json!(iso(e));
    }
    if !f.speakers.is_empty() {
        doc["performer"] = serde_json::json!(
            f.speakers
                .lines()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| serde_json::json!({ "@type": "Person", "name": s }))
                .collect::<Vec<_>>()
        );
    }
    if let Some(c) = f.capacity {
        doc["maximumAttendeeCapacity"] = serde_json::json!(c);
        doc["remainingAttendeeCapacity"] = serde_json::json!((i64::from(c) - event.seats_taken).max(0));
    }
    super::discovery::schema_org::script_json(&doc)
}

pub async fn show(
    mut ctx: PageCtx,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    let event = state.events.get(&Actor::visitor(None), id).await.map_err(ctx.fail())?;
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let host = event.fields.host.and_then(|m| reference.municipality(m).cloned());
    let networks: Vec<Network> =
        reference.networks().iter().filter(|n| event.fields.networks.contains(&n.id)).cloned().collect();
    let goals: Vec<SdgGoal> =
        reference.goals().into_iter().filter(|g| event.fields.sdgs.contains(&g.number.get())).collect();
    let city = match event.fields.city {
        Some(c) => state.store.city(c).await.map_err(ctx.fail())?,
        None => None,
    };
    // Shown in the other language: the title, the summary or the description (each falls back when empty).
    let f = &event.fields;
    let untranslated = [&f.title, &f.summary, &f.body].into_iter().any(|t| ctx.shown_lang(t) != ctx.lang.code());
    let url = ctx.absolute(&ctx.href(&format!("/events/{}", id.0)));
    let json_ld = json_ld(&ctx, &event, &url, city.as_ref());
    let related_publications = crate::pages::publications::RelatedPublications::read(
        &state,
        ldp_core::domain::PublicationFilter { event: Some(id), ..Default::default() },
        None,
    )
    .await
    .map_err(ctx.fail())?;
    let delegation = state.delegations.public(&event).await.map_err(ctx.fail())?;
    let visit_people = match &delegation {
        Some(d) => crate::pages::workspace::delegations::people(&ctx, &state, d).await?,
        None => Vec::new(),
    };
    ctx.describe(event.fields.summary.get(ctx.lang));
    let page = ShowPage {
        delegation,
        visit_people,
        related_publications,
        title: event.fields.title.get(ctx.lang).to_owned(),
        event,
        host,
        city,
        networks,
        goals,
        untranslated,
        json_ld,
        ctx,
    };
    render(&page.ctx, &page, StatusCode::OK)
}

/// `GET /{lang}/events/feed.atom`: the public events (published, and those since postponed or cancelled,
/// which subscribers need to learn of), latest start first, at most [`MAX_ENTRIES`].
pub async fn feed(ctx: PageCtx, State(state): State<AppState>) -> Result<Response, PageError> {
    let page = Page::first(MAX_ENTRIES as u32);
    let events = state.events.list(&Actor::visitor(None), EventFilter::default(), page).await.map_err(ctx.fail())?;
    let entries: Vec<FeedEntry> = events.items.iter().map(|e| feed_entry(&ctx, e)).collect();
    Ok(AtomFeed::new(&ctx, "/events", ctx.t("events-title")).entries(entries).into_response(state.events.now()))
}

/// An event as a feed entry: its page, title, and a summary that starts with its state (when it is not
/// simply published) and its first session in Istanbul time.
fn feed_entry(ctx: &PageCtx, event: &Event) -> FeedEntry {
    let url = ctx.absolute(&ctx.href(&format!("/events/{}", event.id.0)));
    let mut summary = Vec::new();
    if event.status != EventStatus::Published {
        summary.push(ctx.t(&format!("event-status-{}", event.status.as_str())));
    }
    if let Some(start) = event.fields.starts_at() {
        summary.push(ctx.datetime(&start));
    }
    let text = event.fields.summary.get(ctx.lang).trim();
    if !text.is_empty() {
        summary.push(text.to_owned());
    }
    FeedEntry {
        id: url.clone(),
        title: event.fields.title.get(ctx.lang).to_owned(),
        summary: summary.join(" · "),
        link: url,
        updated: event.updated_at,
        published: None,
    }
}
