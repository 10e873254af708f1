//! Registrations answered from mailed links, without signing in (issue 11): the link in a waitlist offer's
//! mail opens a page with the event, the seats and the deadline, and two buttons (take the seats, or decline
//! them). The link's secret is the registrant's proof; the forms carry the anonymous double-submit CSRF token
//! like the sign-in form. An unknown link is a 404 page; an expired or answered offer says so. These pages
//! are one person's, so the page cache never keeps them (`cache::layer::PERSONAL`).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use ldp_core::services::ServiceError;
use ldp_core::services::events::{OfferByLink, OfferLinkState};

use super::account::{RequestInfo, anonymous_page};
use super::forms::see_other;
use super::{PageCtx, PageError};
use crate::error::AppError;
use crate::session::AnonymousForm;
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "registration_offer.html")]
struct OfferPage {
    ctx: PageCtx,
    title: String,
    csrf: String,
    action: String,
    offer: OfferByLink,
    /// `open`, `expired` or `answered`.
    state: &'static str,
    notice: Option<String>,
    error: Option<String>,
}

impl OfferPage {
    fn event_title(&self) -> String {
        self.offer.event.fields.title.get(self.ctx.lang).to_string()
    }

    fn status(&self) -> String {
        self.ctx.t(&format!("registration-status-{}", self.offer.registration.status.as_str()))
    }
}

/// The query of a mailed link's page after its form was answered (`?done=…`); the offer and opt-in pages share it.
#[derive(Debug, Default, Deserialize)]
pub struct LinkQuery {
    pub(super) done: Option<String>,
}

/// A link page's form carries nothing but its CSRF token.
#[derive(Debug, Default, Deserialize)]
pub struct Empty {}

fn state_name(state: OfferLinkState) -> &'static str {
    match state {
        OfferLinkState::Open => "open",
        OfferLinkState::Expired => "expired",
        OfferLinkState::Answered => "answered",
    }
}

/// The 404 of a mailed link that is not (or no longer) known.
pub(super) fn unknown(ctx: PageCtx) -> PageError {
    PageError::new(ctx, AppError::new(StatusCode::NOT_FOUND, "registration_link_unknown"))
}

fn offer_page(
    ctx: &PageCtx,
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    offer: OfferByLink,
    status: StatusCode,
    messages: (Option<String>, Option<String>),
) -> Result<Response, PageError> {
    let (notice, error) = messages;
    anonymous_page(ctx, state, headers, status, |csrf| OfferPage {
        ctx: ctx.clone(),
        title: ctx.t("offer-link-title"),
        csrf,
        action: ctx.href(&format!("/registration/offer/{token}")),
        state: state_name(offer.state),
        offer,
        notice,
        error,
    })
}

/// The offer a mailed link names, with the buttons while it is open.
pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((_, token)): Path<(String, String)>,
    Query(q): Query<LinkQuery>,
) -> Result<Response, PageError> {
    let offer = match state.events.offer_by_link(&token).await {
        Err(ServiceError::NotFound) => return Err(unknown(ctx)),
        other => other.map_err(ctx.fail())?,
    };
    let notice = match q.done.as_deref() {
        Some("accepted") => Some(ctx.t("offer-link-accepted")),
        Some("declined") => Some(ctx.t("offer-link-declined")),
        _ => None,
    };
    offer_page(&ctx, &state, &headers, &token, offer, StatusCode::OK, (notice, None))
}

async fn answer(
    ctx: PageCtx,
    state: AppState,
    headers: HeaderMap,
    client: Option<String>,
    token: String,
    accept: bool,
) -> Result<Response, PageError> {
    match state.events.answer_offer_by_link(&token, accept, client).await {
        Ok(_) => {
            let done = if accept { "accepted" } else { "declined" };
            Ok(see_other(&ctx.href(&format!("/registration/offer/{token}?done={done}"))))
        }
        Err(ServiceError::NotFound) => Err(unknown(ctx)),
        Err(ServiceError::Conflict(code)) => {
            // Expired or answered meanwhile (another tab, the sweep): the page as it stands now, with why.
            let offer = match state.events.offer_by_link(&token).await {
                Err(ServiceError::NotFound) => return Err(unknown(ctx)),
                other => other.map_err(ctx.fail())?,
            };
            let error = Some(ctx.t(&format!("error-{code}")));
            offer_page(&ctx, &state, &headers, &token, offer, StatusCode::CONFLICT, (None, error))
        }
        Err(e) => Err(ctx.fail()(e)),
    }
}

pub async fn accept(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    info: RequestInfo,
    Path((_, token)): Path<(String, String)>,
    AnonymousForm(_): AnonymousForm<Empty>,
) -> Result<Response, PageError> {
    answer(ctx, state, headers, info.client, token, true).await
}

pub async fn decline(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    info: RequestInfo,
    Path((_, token)): Path<(String, String)>,
    AnonymousForm(_): AnonymousForm<Empty>,
) -> Result<Response, PageError> {
    answer(ctx, state, headers, info.client, token, false).await
}
