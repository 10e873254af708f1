//! "My calendar" (`/workspace/calendar`): the signed-in person's own calendar feed of the events they
//! registered for, and, behind the same secret, the deadline feed of the funding calls their saved searches
//! match and their municipality applies to. Starting it shows both addresses once (the secret in it is stored only as a hash); starting
//! it again rotates it (the old address answers 404 at once); revoking ends it. Each is audited.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use ldp_core::domain::CalendarFeed;

use super::Me;
use crate::pages::account::Empty;
use crate::pages::forms::{render_private, see_other};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct CalendarQuery {
    done: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "ws_calendar.html")]
struct CalendarPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    feed: Option<CalendarFeed>,
    /// The feed's address, shown once, right after it was made.
    new_address: Option<String>,
    /// The deadline feed's address under the same secret, shown with it.
    new_deadlines: Option<String>,
    revoked: bool,
    /// The union's public feed, for comparison.
    public_feed: String,
    /// The union's deadline feed of funding calls.
    public_deadlines: String,
}

impl CalendarPage {
    /// The `webcal:` form of the new address, which calendar programs open as a subscription.
    fn webcal(&self) -> Option<String> {
        let a = self.new_address.as_deref()?;
        Some(format!("webcal://{}", a.split_once("://").map_or(a, |(_, rest)| rest)))
    }

    /// The `webcal:` form of the new deadline feed's address.
    fn webcal_deadlines(&self) -> Option<String> {
        let a = self.new_deadlines.as_deref()?;
        Some(format!("webcal://{}", a.split_once("://").map_or(a, |(_, rest)| rest)))
    }
}

async fn page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    secret: Option<String>,
    revoked: bool,
) -> Result<Response, PageError> {
    let feed = state.calendars.feed(&viewer.actor).await.map_err(ctx.fail())?;
    let page = CalendarPage {
        title: ctx.t("calendar-title"),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        feed,
        new_address: secret.as_ref().map(|s| format!("{}/calendar/{s}/events.ics", state.origin)),
        new_deadlines: secret.as_ref().map(|s| format!("{}/calendar/{s}/deadlines.ics", state.origin)),
        revoked,
        public_feed: format!("{}{}", state.origin, ctx.href("/events/calendar.ics")),
        public_deadlines: format!("{}{}", state.origin, ctx.href("/funding/deadlines.ics")),
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, PageError> {
    let revoked = q.done.as_deref() == Some("revoked");
    page(ctx, &state, &viewer, StatusCode::OK, None, revoked).await
}

/// Starts the feed, or rotates it when one is live; the page shows the new address once.
pub async fn start(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { .. }: CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let (_, secret) = state.calendars.start(&viewer.actor, ctx.lang).await.map_err(ctx.fail())?;
    page(ctx, &state, &viewer, StatusCode::CREATED, Some(secret), false).await
}

pub async fn revoke(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { .. }: CsrfForm<Empty>,
) -> Result<Response, PageError> {
    state.calendars.revoke(&viewer.actor).await.map_err(ctx.fail())?;
    Ok(see_other(&ctx.href("/workspace/calendar?done=revoked")))
}
