//! Calendars (RFC 5545) for events: one event's file (`/{lang}/events/{id}/calendar.ics`), the union's public
//! feed (`/{lang}/events/calendar.ics`), narrowed to one host municipality (`?municipality=<slug or id>`)
//! and/or one topic (`?topic=<topic>`), and a person's own feed behind a secret
//! (`/calendar/{secret}/events.ics`), which is `private, no-store` and outside the page cache's sections.
//! The files are written by `ldp_core::domain::event::calendar`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::Duration;

use ldp_core::domain::event::calendar::{CalendarEntry, CalendarSource, Method, calendar};
use ldp_core::domain::{
    Actor, Event, EventFilter, EventId, EventStatus, EventTopic, InputError, Lang, MunicipalityId, Page,
    RegistrationStatus,
};

use super::{PageCtx, PageError};
use crate::error::AppError;
use crate::state::AppState;

/// Public feeds keep events that ended up to this long ago, so a calendar does not lose last week's meeting.
const FEED_KEEPS_PAST: Duration = Duration::days(90);
/// At most this many events in a feed (pages of the store's largest page size).
const FEED_MAX_PAGES: u32 = 10;

/// The filters of a public feed.
#[derive(Debug, Default, Deserialize)]
pub struct FeedQuery {
    /// The host municipality: its slug or its id.
    pub municipality: Option<String>,
    /// One of the eight event topics.
    pub topic: Option<String>,
}

/// The host of every UID: the public address's host (`ldp.example.org`).
pub(crate) fn uid_host(origin: &str) -> &str {
    let host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
    host.split(['/', ':']).next().unwrap_or(host)
}

/// The place as a calendar shows it: the venue and its city, and the online link.
async fn location(state: &AppState, lang: Lang, event: &Event) -> Result<String, AppError> {
    let f = &event.fields;
    let mut parts = Vec::new();
    if !f.venue.is_empty() {
        parts.push(f.venue.clone());
    }
    if let Some(id) = f.city
        && let Some(c) = state.store.city(id).await?
    {
        parts.push(if lang == Lang::Tr { c.name_tr } else { c.name });
    }
    if !f.online_url.is_empty() {
        parts.push(f.online_url.clone());
    }
    Ok(parts.join(", "))
}

/// An `.ics` answer. `personal` ones are never stored by anyone on the way.
pub(crate) fn ics(body: String, filename: &str, personal: bool) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if personal {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
        headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    }
    response
}

fn source<'a>(state: &'a AppState, name: &'a str, lang: Lang, waitlisted: &'a str) -> CalendarSource<'a> {
    CalendarSource { name, uid_host: uid_host(&state.origin), public_url: &state.origin, lang, waitlisted }
}

/// The union's name in `lang`, or the site's own when the reference data has no union.
pub(crate) fn union_name(state: &AppState, ctx_lang: Lang) -> String {
    match &state.site.union {
        Some(u) => u.name.get(ctx_lang).to_owned(),
        None => crate::i18n::t(ctx_lang, "site-name"),
    }
}

/// `GET /{lang}/events/{id}/calendar.ics`: one public event, one `VEVENT` per session.
pub async fn event(
    ctx: PageCtx,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    let event = state.events.get(&Actor::visitor(None), id).await.map_err(ctx.fail())?;
    let place = location(&state, ctx.lang, &event).await.map_err(ctx.fail())?;
    let name = event.fields.title.get(ctx.lang).to_owned();
    let waitlisted = ctx.t("calendar-waitlisted");
    let entries = [CalendarEntry { event: &event, location: place, registration: None }];
    let body = calendar(&source(&state, &name, ctx.lang, &waitlisted), Method::Publish, &entries, None);
    Ok(ics(body, &format!("event-{}.ics", id.0), false))
}

/// `GET /{lang}/events/calendar.ics[?municipality=…][&topic=…]`: public events not over more than
/// [`FEED_KEEPS_PAST`] ago, soonest first.
pub async fn feed(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<FeedQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Ok(Query(query)) = query else { return Err(ctx.fail()(AppError::bad_request("invalid_query"))) };
    let clean = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let mut errors = InputError::default();
    let mut filter = EventFilter {
        statuses: vec![EventStatus::Published, EventStatus::Postponed, EventStatus::Cancelled],
        when: Some((true, state.events.now() - FEED_KEEPS_PAST)),
        ..EventFilter::default()
    };
    let mut name = union_name(&state, ctx.lang);
    if let Some(raw) = clean(&query.municipality) {
        let reference = state.reference.read().await.map_err(ctx.fail())?;
        let found = match raw.parse::<i64>() {
            Ok(id) => reference.municipality(MunicipalityId(id)),
            Err(_) => reference.municipality_by_slug(&raw),
        };
        match found {
            Some(m) => {
                filter.municipality = Some(m.id);
                name = ctx.official(m);
            }
            None => errors.add("municipality", "unknown_municipality"),
        }
    }
    if let Some(raw) = clean(&query.topic) {
        match EventTopic::parse(&raw) {
            Some(t) => {
                filter.topic = Some(t);
                name = format!("{name} · {}", ctx.t(&format!("event-topic-{}", t.as_str())));
            }
            None => errors.add("topic", "unknown_topic"),
        }
    }
    if !errors.is_empty() {
        return Err(ctx.fail()(AppError::invalid(errors)));
    }
    let name = format!("{name} · {}", ctx.t("calendar-events"));
    let mut events = Vec::new();
    for number in 1..=FEED_MAX_PAGES {
        let page = Page::parse(Some(i64::from(number)), Some(i64::from(Page::MAX_SIZE))).map_err(ctx.fail())?;
        let found = state.events.list(&Actor::visitor(None), filter.clone(), page).await.map_err(ctx.fail())?;
        let last = found.page >= found.last_page();
        events.extend(found.items);
        if last {
            break;
        }
    }
    let mut entries = Vec::with_capacity(events.len());
    for e in &events {
        let place = location(&state, ctx.lang, e).await.map_err(ctx.fail())?;
        entries.push(CalendarEntry { event: e, location: place, registration: None });
    }
    let waitlisted = ctx.t("calendar-waitlisted");
    let body = calendar(&source(&state, &name, ctx.lang, &waitlisted), Method::Publish, &entries, None);
    Ok(ics(body, "events.ics", false))
}

/// `GET /calendar/{secret}/events.ics`: the owner's registrations (confirmed, and waitlisted marked as such)
/// in the language chosen when the feed was made. An unknown or revoked secret is a plain 404, the same
/// however wrong it is.
pub async fn personal(State(state): State<AppState>, Path(secret): Path<String>) -> Response {
    let not_found = || {
        let mut r = (StatusCode::NOT_FOUND, "Not Found\n").into_response();
        r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
        r
    };
    let feed = match state.calendars.personal(&secret).await {
        Ok(Some(feed)) => feed,
        Ok(None) => return not_found(),
        Err(e) => return crate::error::ApiError(e.into()).into_response(),
    };
    let lang = feed.feed.lang;
    let mut entries = Vec::with_capacity(feed.entries.len());
    for (event, status) in &feed.entries {
        let place = match location(&state, lang, event).await {
            Ok(p) => p,
            Err(e) => return crate::error::ApiError(e).into_response(),
        };
        let registration = Some(match status {
            RegistrationStatus::Waitlisted | RegistrationStatus::Offered | RegistrationStatus::Pending => {
                RegistrationStatus::Waitlisted
            }
            _ => RegistrationStatus::Confirmed,
        });
        entries.push(CalendarEntry { event, location: place, registration });
    }
    let name = format!("{} · {}", union_name(&state, lang), crate::i18n::t(lang, "calendar-mine"));
    let waitlisted = crate::i18n::t(lang, "calendar-waitlisted");
    let body = calendar(&source(&state, &name, lang, &waitlisted), Method::Publish, &entries, None);
    ics(body, "my-events.ics", true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uid_host_is_the_public_host() {
        assert_eq!(uid_host("https://ldp.example.org"), "ldp.example.org");
        assert_eq!(uid_host("http://127.0.0.1:8080"), "127.0.0.1");
        assert_eq!(uid_host("ldp.example.org/"), "ldp.example.org");
    }
}
