//! Check-in in the workspace: staff pick a session of an event and tick the attendees of its confirmed
//! registrations (unticking undoes), or type a registration code to check all its attendees in.
//! `services/attendance.rs` decides who may do it.

use std::collections::BTreeSet;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use ldp_core::domain::{EventId, RegistrationId};
use ldp_core::services::attendance::CheckInSheet;

use super::Me;
use crate::pages::forms::{FormState, in_form, one_or_many, render_private, see_other};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "ws_check_in.html")]
struct CheckInPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    action: String,
    sheet: CheckInSheet,
    /// The session shown (its position).
    session: u32,
    code: FormState,
    list: FormState,
    saved: bool,
}

impl CheckInPage {
    fn sessions(&self) -> Vec<(u32, String)> {
        let ctx = &self.ctx;
        self.sheet.event.fields.sessions.iter().enumerate().map(|(i, s)| (i as u32, ctx.datetime(&s.start))).collect()
    }

    fn selected(&self, session: &u32) -> bool {
        *session == self.session
    }

    fn count(&self) -> usize {
        self.sheet.count(self.session)
    }

    fn present(&self, registration: &RegistrationId, attendee: &usize) -> bool {
        self.sheet.present(self.session, (*registration, *attendee as u32))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct CheckInQuery {
    session: Option<String>,
    saved: Option<String>,
}

/// A session's position from a form or query value: the first session when absent or unreadable.
fn session_of(raw: Option<&str>) -> u32 {
    raw.and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

async fn page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    id: EventId,
    session: u32,
    (code, list, saved): (FormState, FormState, bool),
    status: StatusCode,
) -> Result<Response, PageError> {
    let sheet = state.attendance.sheet(&viewer.actor, id).await.map_err(ctx.fail())?;
    let session = if (session as usize) < sheet.event.fields.sessions.len() { session } else { 0 };
    let page = CheckInPage {
        title: format!("{}: {}", ctx.t("ws-check-in"), sheet.event.fields.title.get(ctx.lang)),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        action: ctx.href(&format!("/workspace/events/{}/check-in", id.0)),
        sheet,
        session,
        code,
        list,
        saved,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<CheckInQuery>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    let forms = (FormState::default(), FormState::default(), q.saved.is_some());
    page(ctx, &state, &viewer, id, session_of(q.session.as_deref()), forms, StatusCode::OK).await
}

/// The list form: `present` holds `registration-attendee` for every ticked attendee.
#[derive(Debug, Default, Deserialize)]
pub struct ListForm {
    session: Option<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    present: Vec<String>,
}

pub async fn save_list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<ListForm>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    let session = session_of(form.session.as_deref());
    let ticked: BTreeSet<(RegistrationId, u32)> = form
        .present
        .iter()
        .filter_map(|v| {
            let (r, a) = v.split_once('-')?;
            Some((RegistrationId(r.parse().ok()?), a.parse().ok()?))
        })
        .collect();
    match state.attendance.set_session(&viewer.actor, id, session, &ticked).await {
        Ok(_) => Ok(see_other(&ctx.href(&format!("/workspace/events/{}/check-in?session={session}&saved=1", id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let list = FormState::default().with_error(ctx.lang, &error);
            page(ctx, &state, &viewer, id, session, (FormState::default(), list, false), error.status).await
        }
    }
}

/// The code form.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct CodeForm {
    session: Option<String>,
    code: Option<String>,
}

pub async fn check_in_code(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<CodeForm>,
) -> Result<Response, PageError> {
    let id = EventId(ctx.path_id(&id)?);
    let session = session_of(form.session.as_deref());
    let code = form.code.as_deref().unwrap_or("");
    match state.attendance.check_in_code(&viewer.actor, id, session, code).await {
        Ok(_) => Ok(see_other(&ctx.href(&format!("/workspace/events/{}/check-in?session={session}&saved=1", id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let shown = FormState::of(&form).with_error(ctx.lang, &error);
            page(ctx, &state, &viewer, id, session, (shown, FormState::default(), false), error.status).await
        }
    }
}
