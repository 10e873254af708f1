//! Events in the workspace: staff create, edit, publish, postpone and cancel them and see registrations; a
//! representative proposes one hosted by their municipality (a draft until staff publish it). Signed-in
//! users register themselves or colleagues and cancel their registrations here. `services/events.rs`
//! decides who may do what.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use ldp_core::domain::certificate::Certificate;
use ldp_core::domain::{
    Audience, Event, EventFilter, EventId, EventKind, EventStatus, EventTopic, Municipality, Network, Page, Paged,
    Registration, RegistrationId, RegistrationStatus, SdgGoal,
};
use ldp_core::services::events::{self, EventInput, Events, RegistrationInput};

use super::Me;
use crate::error::AppError;
use crate::pages::forms::{FormState, in_form, one_or_many, render_private, see_other};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "ws_events.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    events: Paged<Event>,
    mine: Vec<(Registration, Option<Event>)>,
    /// Certificates issued to the signed-in person.
    certificates: Vec<Certificate>,
    may_propose: bool,
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let events = state
        .events
        .list(&viewer.actor, EventFilter::default(), Page::first(Page::MAX_SIZE))
        .await
        .map_err(ctx.fail())?;
    let mut mine = Vec::new();
    for r in state.events.my_registrations(&viewer.actor).await.map_err(ctx.fail())? {
        let event = state.events.get(&viewer.actor, r.event).await.ok();
        mine.push((r, event));
    }
    let page = ListPage {
        title: ctx.t("ws-events"),
        me: Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?,
        events,
        mine,
        certificates: state.certificates.mine(&viewer.actor).await.map_err(ctx.fail())?,
        may_propose: events::proposes(&viewer.actor),
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, StatusCode::OK)
}

#[derive(askama::Template)]
#[template(path = "ws_event.html")]
struct EventPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    action: String,
    event: Option<Event>,
    editable: bool,
    staff: bool,
    form: FormState,
    registration: FormState,
    registration_open: bool,
    registrations: Option<Vec<Registration>>,
    kinds: &'static [EventKind],
    topics: &'static [EventTopic],
    audiences: &'static [Audience],
    goals: Vec<SdgGoal>,
    networks: Vec<Network>,
    /// Host choices: every member for staff, their own for a representative.
    hosts: Vec<Municipality>,
    saved: bool,
}

impl EventPage {
    /// Whether the event leads to certificates (a training or workshop).
    fn certifies(&self) -> bool {
        self.event.as_ref().is_some_and(|e| ldp_core::domain::certificate::certifies(e.fields.kind))
    }

    /// How many registrations stand in each state (every state, in the lifecycle's order).
    fn counts(&self) -> Vec<(&'static str, usize)> {
        let list = self.registrations.as_deref().unwrap_or_default();
        RegistrationStatus::ALL.iter().map(|s| (s.as_str(), list.iter().filter(|r| r.status == *s).count())).collect()
    }

    fn statuses(&self) -> Vec<&'static str> {
        let Some(e) = &self.event else { return Vec::new() };
        EventStatus::ALL.iter().filter(|s| **s != e.status).map(|s| s.as_str()).collect()
    }
}

/// An event's fields as the form shows them (Istanbul times, lists comma-separated).
fn values(event: &Event, hosts: &[Municipality], networks: &[Network]) -> FormState {
    use ldp_core::clock::ISTANBUL;
    let f = &event.fields;
    let local = |at: time::OffsetDateTime| {
        let t = at.to_offset(ISTANBUL);
        format!("{} {:02}:{:02}", t.date(), t.hour(), t.minute())
    };
    let sessions: Vec<String> = f
        .sessions
        .iter()
        .map(|s| {
            let end = s.end.to_offset(ISTANBUL);
            format!("{}-{:02}:{:02}", local(s.start), end.hour(), end.minute())
        })
        .collect();
    let input = EventInput {
        kind: Some(f.kind.as_str().into()),
        title_tr: Some(f.title.tr.clone()),
        title_en: Some(f.title.en.clone()),
        summary_tr: Some(f.summary.tr.clone()),
        summary_en: Some(f.summary.en.clone()),
        body_tr: Some(f.body.tr.clone()),
        body_en: Some(f.body.en.clone()),
        topics: Some(f.topics.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",")),
        sdgs: Some(f.sdgs.iter().map(u8::to_string).collect::<Vec<_>>().join(",")),
        networks: Some(
            networks
                .iter()
                .filter(|n| f.networks.contains(&n.id))
                .map(|n| n.slug.clone())
                .collect::<Vec<_>>()
                .join(","),
        ),
        host: f.host.and_then(|h| hosts.iter().find(|m| m.id == h)).map(|m| m.slug.clone()),
        partnership: f.partnership.map(|p| p.to_string()),
        venue: Some(f.venue.clone()),
        city: f.city.map(|c| c.to_string()),
        online_url: Some(f.online_url.clone()),
        sessions: Some(sessions.join("\n")),
        languages: Some(f.languages.iter().map(|l| l.code()).collect::<Vec<_>>().join(",")),
        speakers: Some(f.speakers.clone()),
        organiser: Some(f.organiser.clone()),
        audience: Some(f.audience.as_str().into()),
        capacity: f.capacity.map(|c| c.to_string()),
        registration_opens: f.registration_opens.map(local),
        registration_closes: f.registration_closes.map(local),
        quota_per_municipality: f.quota_per_municipality.map(|q| q.to_string()),
        moderated: Some(if f.moderated { "yes" } else { "" }.into()),
    };
    FormState::of(&input)
}

struct Forms {
    event: Option<FormState>,
    registration: Option<FormState>,
    saved: bool,
}

async fn event_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    id: Option<EventId>,
    forms: Forms,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = &viewer.actor;
    let event = match id {
        Some(id) => Some(state.events.get(actor, id).await.map_err(ctx.fail())?),
        None => {
            if !events::proposes(actor) {
                return Err(PageError::new(ctx, AppError::forbidden()));
            }
            None
        }
    };
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let hosts: Vec<Municipality> = if actor.edits_all_content() {
        reference.all_municipalities().cloned().collect()
    } else {
        reference.municipalities_by_id(&actor.municipalities)
    };
    let all_hosts: Vec<Municipality> = match event.as_ref().and_then(|e| e.fields.host) {
        Some(h) if !hosts.iter().any(|m| m.id == h) => {
            let mut v = hosts.clone();
            v.extend(reference.municipality(h).cloned());
            v
        }
        _ => hosts.clone(),
    };
    let networks = reference.networks().to_vec();
    let form = forms.event.unwrap_or_else(|| match &event {
        Some(e) => values(e, &all_hosts, &networks),
        None => FormState::default().set("languages", "tr").set("organiser", ctx.union_name()),
    });
    let editable = event.as_ref().is_none_or(|e| events::edits(actor, e));
    let registrations = match &event {
        Some(e) if actor.reads_everything() => Some(state.events.registrations(actor, e.id).await.map_err(ctx.fail())?),
        _ => None,
    };
    let registration_open = event.as_ref().is_some_and(|e| Events::registration_open(e, state.events.now()));
    let title = match &event {
        Some(e) => e.fields.title.get(ctx.lang).to_owned(),
        None => ctx.t("ws-event-new"),
    };
    let page = EventPage {
        title,
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        action: ctx.href(&match id {
            Some(id) => format!("/workspace/events/{}", id.0),
            None => "/workspace/events/new".to_owned(),
        }),
        editable,
        staff: actor.edits_all_content(),
        form,
        registration: forms.registration.unwrap_or_default(),
        registration_open,
        registrations,
        kinds: EventKind::ALL,
        topics: EventTopic::ALL,
        audiences: Audience::ALL,
        goals: reference.goals(),
        networks,
        hosts,
        event,
        saved: forms.saved,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

/// The event form: checkbox groups arrive one field per ticked box.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct EventForm {
    #[serde(flatten)]
    input: EventInput,
    #[serde(default, deserialize_with = "one_or_many")]
    topic: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    sdg: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    network: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    language: Vec<String>,
}

impl EventForm {
    fn input(&self) -> EventInput {
        let mut input = self.input.clone();
        input.topics = Some(self.topic.join(","));
        input.sdgs = Some(self.sdg.join(","));
        input.networks = Some(self.network.join(","));
        input.languages = Some(self.language.join(","));
        input
    }
}

pub async fn new_form(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let forms = Forms { event: None, registration: None, saved: false };
    event_page(ctx, &state, &viewer, None, forms, StatusCode::OK).await
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<crate::pages::forms::Saved>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    let forms = Forms { event: None, registration: None, saved: q.saved.is_some() };
    event_page(ctx, &state, &viewer, Some(id), forms, StatusCode::OK).await
}

pub async fn create(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<EventForm>,
) -> Result<Response, PageError> {
    let input = form.input();
    match state.events.create(&viewer.actor, &input).await {
        Ok(e) => Ok(see_other(&ctx.href(&format!("/workspace/events/{}?saved=1", e.id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&input).with_error(ctx.lang, &error);
            let forms = Forms { event: Some(f), registration: None, saved: false };
            event_page(ctx, &state, &viewer, None, forms, error.status).await
        }
    }
}

pub async fn update(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<EventForm>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    let input = form.input();
    match state.events.update(&viewer.actor, id, &input).await {
        Ok(e) => Ok(see_other(&ctx.href(&format!("/workspace/events/{}?saved=1", e.id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&input).with_error(ctx.lang, &error);
            let forms = Forms { event: Some(f), registration: None, saved: false };
            event_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StatusForm {
    status: Option<String>,
}

pub async fn set_status(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<StatusForm>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    let Some(status) = form.status.as_deref().and_then(EventStatus::parse) else {
        return Err(PageError::new(ctx, AppError::bad_request("invalid_parameters")));
    };
    match state.events.set_status(&viewer.actor, id, status).await {
        Ok(_) => Ok(see_other(&ctx.href(&format!("/workspace/events/{}?saved=1", id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::default().with_error(ctx.lang, &error);
            let forms = Forms { event: None, registration: Some(f), saved: false };
            event_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
    }
}

pub async fn register(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<RegistrationInput>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    match state.events.register(&viewer.actor, id, &form).await {
        Ok(_) => Ok(see_other(&ctx.href("/workspace/events?saved=1"))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&form).with_error(ctx.lang, &error);
            let forms = Forms { event: None, registration: Some(f), saved: false };
            event_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
    }
}

pub async fn cancel_registration(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { .. }: CsrfForm<crate::pages::account::Empty>,
) -> Result<Response, PageError> {
    let id = RegistrationId(ctx.path_id(&id)?);
    state.events.cancel(&viewer.actor, id).await.map_err(ctx.fail())?;
    Ok(see_other(&ctx.href("/workspace/events?saved=1")))
}

/// Takes a seat offered from the waitlist.
pub async fn accept_offer(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { .. }: CsrfForm<crate::pages::account::Empty>,
) -> Result<Response, PageError> {
    let id = RegistrationId(ctx.path_id(&id)?);
    state.events.accept_offer(&viewer.actor, id).await.map_err(ctx.fail())?;
    Ok(see_other(&ctx.href("/workspace/events?saved=1")))
}

/// Declines a seat offered from the waitlist; it passes to the next in line.
pub async fn decline_offer(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { .. }: CsrfForm<crate::pages::account::Empty>,
) -> Result<Response, PageError> {
    let id = RegistrationId(ctx.path_id(&id)?);
    state.events.decline_offer(&viewer.actor, id).await.map_err(ctx.fail())?;
    Ok(see_other(&ctx.href("/workspace/events?saved=1")))
}

/// Moderation: confirms a pending registration (staff).
pub async fn approve(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { .. }: CsrfForm<crate::pages::account::Empty>,
) -> Result<Response, PageError> {
    moderate(ctx, state, viewer, id, true).await
}

/// Moderation: rejects a pending, waiting or offered registration (staff); freed seats go to the line.
pub async fn reject(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { .. }: CsrfForm<crate::pages::account::Empty>,
) -> Result<Response, PageError> {
    moderate(ctx, state, viewer, id, false).await
}

async fn moderate(
    ctx: PageCtx,
    state: AppState,
    viewer: Viewer,
    id: String,
    approve: bool,
) -> Result<Response, PageError> {
    let id = RegistrationId(ctx.path_id(&id)?);
    match state.events.moderate(&viewer.actor, id, approve).await {
        Ok(r) => Ok(see_other(&ctx.href(&format!("/workspace/events/{}?saved=1#registrations-title", r.event.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            // A decision overtaken by another (a second tab, a colleague): the event's page with why.
            let registration = state.events.registration_for_staff(&viewer.actor, id).await.map_err(ctx.fail())?;
            let f = FormState::default().with_error(ctx.lang, &error);
            let forms = Forms { event: None, registration: Some(f), saved: false };
            event_page(ctx, &state, &viewer, Some(registration.event), forms, error.status).await
        }
    }
}
