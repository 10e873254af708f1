//! Funding calls in the workspace (issue 16, data entry): staff enter and edit calls and publish the calls
//! representatives suggest; a representative suggests a call, which waits unpublished in staff's "suggested"
//! queue. `services/funding.rs` decides who may do what and checks every field; errors show beside them.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use ldp_core::domain::Page;
use ldp_core::domain::funding::{Call, CallFilter, CallId, CallKind, DeadlineModel, Programme};
use ldp_core::services::funding::CallInput;

use super::Me;
use crate::error::AppError;
use crate::pages::forms::{FormState, in_form, render_private, see_other};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

/// The fields of the call form, in the order they are shown.
const CALL_FIELDS: [&str; 21] = [
    "identifier",
    "programme",
    "kind",
    "title_tr",
    "title_en",
    "summary_tr",
    "summary_en",
    "opens_on",
    "deadline_model",
    "deadlines",
    "currency",
    "budget_total",
    "budget_min",
    "budget_max",
    "cofinancing_rate",
    "themes",
    "sdgs",
    "link",
    "countries",
    "provinces",
    "applicant_types",
];

#[derive(askama::Template)]
#[template(path = "ws_calls.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    /// Suggestions waiting for staff (staff and auditors only).
    suggested: Vec<Call>,
    /// Published calls, newest change first.
    published: Vec<Call>,
    reads_all: bool,
    writes: bool,
    may_suggest: bool,
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let actor = &viewer.actor;
    let may_suggest = state.funding.may_suggest(actor);
    if !actor.reads_everything() && !may_suggest {
        return Err(PageError::new(ctx, AppError::forbidden()));
    }
    let (suggested, published) = if actor.reads_everything() {
        let filter = CallFilter { include_unpublished: true, ..CallFilter::default() };
        let calls = state.funding.list(actor, &filter, Page::first(Page::MAX_SIZE)).await.map_err(ctx.fail())?;
        calls.items.into_iter().partition(|c| !c.published)
    } else {
        (Vec::new(), Vec::new())
    };
    let page = ListPage {
        title: ctx.t("ws-calls"),
        me: Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?,
        suggested,
        published,
        reads_all: actor.reads_everything(),
        writes: actor.edits_all_content(),
        may_suggest,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, StatusCode::OK)
}

#[derive(askama::Template)]
#[template(path = "ws_call.html")]
struct EditPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    action: String,
    call: Option<Call>,
    programmes: Vec<Programme>,
    /// Staff edit; a representative fills the form only to suggest a new call.
    editable: bool,
    /// Staff enter calls public at once; a representative's call is a suggestion.
    staff: bool,
    form: FormState,
    saved: bool,
}

impl EditPage {
    fn kinds(&self) -> &'static [CallKind] {
        CallKind::ALL
    }

    fn models(&self) -> &'static [DeadlineModel] {
        DeadlineModel::ALL
    }
}

async fn edit_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    id: Option<CallId>,
    form: Option<FormState>,
    saved: bool,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = &viewer.actor;
    let view = match id {
        Some(id) => Some(state.funding.get(actor, id).await.map_err(ctx.fail())?),
        None if state.funding.may_suggest(actor) => None,
        None => return Err(PageError::new(ctx, AppError::forbidden())),
    };
    if view.is_some() && !actor.reads_everything() && !state.funding.may_suggest(actor) {
        return Err(PageError::new(ctx, AppError::forbidden()));
    }
    let form = match (form, &view) {
        (Some(form), _) => form,
        (None, Some(v)) => FormState::of(&CallInput::from_call(&v.call, v.programme.as_ref().map(|p| p.slug.as_str()))),
        (None, None) => {
            FormState::default().set("kind", "grant").set("deadline_model", "single").set("currency", "EUR")
        }
    };
    let programmes = state.funding.programmes().await.map_err(ctx.fail())?;
    let staff = actor.edits_all_content();
    let page = EditPage {
        title: match &view {
            Some(v) => v.call.fields.title.get(ctx.lang).to_owned(),
            None if staff => ctx.t("ws-calls-new"),
            None => ctx.t("ws-calls-suggest"),
        },
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        action: ctx.href(&match id {
            Some(id) => format!("/workspace/calls/{}", id.0),
            None => "/workspace/calls/new".to_owned(),
        }),
        editable: view.is_none() || staff,
        staff,
        call: view.map(|v| v.call),
        programmes,
        form,
        saved,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

pub async fn new_form(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    edit_page(ctx, &state, &viewer, None, None, false, StatusCode::OK).await
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<crate::pages::forms::Saved>,
) -> Result<Response, PageError> {
    let id = CallId(ctx.path_id(&id)?);
    edit_page(ctx, &state, &viewer, Some(id), None, q.saved.is_some(), StatusCode::OK).await
}

pub async fn create(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<CallInput>,
) -> Result<Response, PageError> {
    match state.funding.create(&viewer.actor, &form).await {
        Ok(v) => Ok(see_other(&ctx.href(&format!("/workspace/calls/{}?saved=1", v.call.id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&form).with_error_shown(ctx.lang, &error, &CALL_FIELDS);
            edit_page(ctx, &state, &viewer, None, Some(f), false, error.status).await
        }
    }
}

pub async fn update(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<CallInput>,
) -> Result<Response, PageError> {
    let id = CallId(ctx.path_id(&id)?);
    match state.funding.update(&viewer.actor, id, &form).await {
        Ok(v) => Ok(see_other(&ctx.href(&format!("/workspace/calls/{}?saved=1", v.call.id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&form).with_error_shown(ctx.lang, &error, &CALL_FIELDS);
            edit_page(ctx, &state, &viewer, Some(id), Some(f), false, error.status).await
        }
    }
}

/// Publishes a suggested call (staff).
pub async fn publish(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { .. }: CsrfForm<crate::pages::account::Empty>,
) -> Result<Response, PageError> {
    let id = CallId(ctx.path_id(&id)?);
    state.funding.publish(&viewer.actor, id).await.map_err(ctx.fail())?;
    Ok(see_other(&ctx.href(&format!("/workspace/calls/{}?saved=1", id.0))))
}
