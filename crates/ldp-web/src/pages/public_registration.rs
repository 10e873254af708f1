//! Registration without an account for events open to the public (issue 11): the form (name, e-mail and the
//! KVKK consent, with a link to the registration privacy notice), the page the double opt-in link opens
//! (with a POST button: mail scanners follow links, so a GET never confirms), and the privacy notice. The
//! forms use the anonymous double-submit CSRF cookie, and the contact form's defences against robots: a
//! honeypot, the signed time trap and the per-client rate limit (a keyed hash of the address, never the
//! address). These pages live under `/registration`, which the page cache never keeps (the event page
//! itself stays cacheable and links here).

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use ldp_core::domain::{Actor, Event, EventId, Registration};
use ldp_core::services::ServiceError;
use ldp_core::services::events::{
    Events, OPT_IN_HOURS, OptInByLink, OptInState, PRIVACY_NOTICE_VERSION, PublicRegistrationInput,
};

use super::account::{RequestInfo, anonymous_page};
use super::contact::{Stamp, check_stamp, client_key, issue_stamp};
use super::forms::{FormState, in_form, see_other};
use super::registration_links::{Empty, LinkQuery, unknown};
use super::{PageCtx, PageError, render};
use crate::error::AppError;
use crate::i18n::{self, FluentArg};
use crate::session::AnonymousForm;
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "registration_public.html")]
struct FormPage {
    ctx: PageCtx,
    title: String,
    event: Event,
    csrf: String,
    stamp: String,
    form: FormState,
    /// Why the form is not offered (`sign_in_to_register`, `registration_closed`), if it is not.
    closed: Option<String>,
    /// The registration just made: the page then says to look for the e-mail.
    sent: Option<Registration>,
    hours: i64,
}

impl FormPage {
    fn event_title(&self) -> String {
        self.event.fields.title.get(self.ctx.lang).to_string()
    }
}

/// The form as posted: the registrant's fields, the honeypot and the time trap.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct PublicForm {
    name: Option<String>,
    email: Option<String>,
    consent: Option<String>,
    #[serde(default, skip_serializing)]
    website: Option<String>,
    #[serde(default, skip_serializing)]
    stamp: Option<String>,
}

/// Why the event takes no public registration now, as a message code.
fn closed_reason(event: &Event, now: time::OffsetDateTime) -> Option<&'static str> {
    if !event.fields.audience.is_public() {
        Some("sign_in_to_register")
    } else if !Events::registration_open(event, now) {
        Some("registration_closed")
    } else {
        None
    }
}

struct Shown {
    form: FormState,
    stamp: String,
    sent: Option<Registration>,
}

async fn form_page(
    ctx: &PageCtx,
    state: &AppState,
    headers: &HeaderMap,
    event: Event,
    status: StatusCode,
    shown: Shown,
) -> Result<Response, PageError> {
    let closed = closed_reason(&event, state.clock.now()).map(|c| ctx.t(&format!("error-{c}")));
    let title = ctx.t("public-registration-title");
    anonymous_page(ctx, state, headers, status, |csrf| FormPage {
        ctx: ctx.clone(),
        title,
        event,
        csrf,
        stamp: shown.stamp,
        form: shown.form,
        closed: if shown.sent.is_some() { None } else { closed },
        sent: shown.sent,
        hours: OPT_IN_HOURS,
    })
}

async fn public_event(ctx: &PageCtx, state: &AppState, id: &str) -> Result<Event, PageError> {
    let id = EventId(ctx.path_id(id)?);
    state.events.get(&Actor::visitor(None), id).await.map_err(ctx.fail())
}

/// `GET /{lang}/registration/events/{id}`: the form, or why there is none.
pub async fn form(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let event = public_event(&ctx, &state, &id).await?;
    let stamp = issue_stamp(&state.contact_key, state.clock.now());
    let shown = Shown { form: FormState::default(), stamp, sent: None };
    form_page(&ctx, &state, &headers, event, StatusCode::OK, shown).await
}

/// `POST /{lang}/registration/events/{id}`: the registration, or the form again with why not.
pub async fn register(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    info: RequestInfo,
    Path((_, id)): Path<(String, String)>,
    AnonymousForm(form): AnonymousForm<PublicForm>,
) -> Result<Response, PageError> {
    let event = public_event(&ctx, &state, &id).await?;
    let now = state.clock.now();
    let key = &state.contact_key;
    let sent_stamp = form.stamp.clone().unwrap_or_default();
    let filled = FormState::of(&form);
    let refuse = |status: StatusCode, code: &'static str, stamp: String| Shown {
        form: filled.clone().with_error(ctx.lang, &AppError::new(status, code)),
        stamp,
        sent: None,
    };
    if form.website.as_deref().is_some_and(|w| !w.trim().is_empty()) {
        let shown = refuse(StatusCode::BAD_REQUEST, "contact_honeypot", issue_stamp(key, now));
        return form_page(&ctx, &state, &headers, event, StatusCode::BAD_REQUEST, shown).await;
    }
    match check_stamp(key, &sent_stamp, now) {
        Stamp::Fine => {}
        Stamp::TooFast => {
            let shown = refuse(StatusCode::BAD_REQUEST, "contact_too_fast", sent_stamp);
            return form_page(&ctx, &state, &headers, event, StatusCode::BAD_REQUEST, shown).await;
        }
        Stamp::Unsigned => {
            let shown = refuse(StatusCode::BAD_REQUEST, "contact_unsigned", issue_stamp(key, now));
            return form_page(&ctx, &state, &headers, event, StatusCode::BAD_REQUEST, shown).await;
        }
    }
    let input =
        PublicRegistrationInput { name: form.name.clone(), email: form.email.clone(), consent: form.consent.clone() };
    let client = info.client.as_deref().map(|c| client_key(key, c));
    let actor = Actor::visitor(info.client.clone());
    match state.events.register_public(event.id, &input, client.as_deref(), &actor).await {
        Ok(registration) => {
            let shown = Shown { form: FormState::default(), stamp: sent_stamp, sent: Some(registration) };
            form_page(&ctx, &state, &headers, event, StatusCode::OK, shown).await
        }
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let shown = Shown { form: filled.with_error(ctx.lang, &error), stamp: sent_stamp, sent: None };
            form_page(&ctx, &state, &headers, event, error.status, shown).await
        }
    }
}

#[derive(askama::Template)]
#[template(path = "registration_privacy.html")]
struct PrivacyPage {
    ctx: PageCtx,
    title: String,
    paragraphs: Vec<String>,
    version: &'static str,
}

/// The registration privacy notice's paragraphs, with the controller named from the reference data.
fn notice(ctx: &PageCtx) -> Vec<String> {
    let (controller, seat) = match &ctx.union {
        Some(u) => (ctx.pick(&u.name), ctx.union_seat()),
        None => (ctx.t("site-name"), String::new()),
    };
    let args = [
        ("controller", FluentArg::Text(controller)),
        ("seat", FluentArg::Text(seat)),
        ("hours", FluentArg::Number(OPT_IN_HOURS)),
    ];
    ["controller", "data", "purpose", "basis", "transfer", "retention", "rights"]
        .iter()
        .map(|part| i18n::t_args(ctx.lang, &format!("registration-kvkk-{part}"), &args))
        .collect()
}

/// `GET /{lang}/registration/privacy`: the privacy notice a public registrant consents to.
pub async fn privacy(ctx: PageCtx) -> Result<Response, PageError> {
    let page = PrivacyPage {
        title: ctx.t("registration-kvkk-title"),
        paragraphs: notice(&ctx),
        version: PRIVACY_NOTICE_VERSION,
        ctx: ctx.clone(),
    };
    render(&ctx, &page, StatusCode::OK)
}

#[derive(askama::Template)]
#[template(path = "registration_confirm.html")]
struct ConfirmPage {
    ctx: PageCtx,
    title: String,
    csrf: String,
    action: String,
    found: OptInByLink,
    /// `open`, `expired` or `done`.
    state: &'static str,
    notice: Option<String>,
    error: Option<String>,
}

impl ConfirmPage {
    fn event_title(&self) -> String {
        self.found.event.fields.title.get(self.ctx.lang).to_string()
    }

    fn status(&self) -> String {
        self.ctx.t(&format!("registration-status-{}", self.found.registration.status.as_str()))
    }
}

fn confirm_page(
    ctx: &PageCtx,
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    found: OptInByLink,
    status: StatusCode,
    messages: (Option<String>, Option<String>),
) -> Result<Response, PageError> {
    let (notice, error) = messages;
    let name = match found.state {
        OptInState::Open => "open",
        OptInState::Expired => "expired",
        OptInState::Done => "done",
    };
    anonymous_page(ctx, state, headers, status, |csrf| ConfirmPage {
        ctx: ctx.clone(),
        title: ctx.t("opt-in-title"),
        csrf,
        action: ctx.href(&format!("/registration/confirm/{token}")),
        state: name,
        found,
        notice,
        error,
    })
}

/// `GET /{lang}/registration/confirm/{token}`: what the link confirms, with the button while it may.
pub async fn confirm_form(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((_, token)): Path<(String, String)>,
    Query(q): Query<LinkQuery>,
) -> Result<Response, PageError> {
    let found = match state.events.opt_in_by_link(&token).await {
        Err(ServiceError::NotFound) => return Err(unknown(ctx)),
        other => other.map_err(ctx.fail())?,
    };
    let notice = q.done.is_some().then(|| ctx.t("opt-in-confirmed"));
    confirm_page(&ctx, &state, &headers, &token, found, StatusCode::OK, (notice, None))
}

/// `POST /{lang}/registration/confirm/{token}`: the double opt-in.
pub async fn confirm(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    info: RequestInfo,
    Path((_, token)): Path<(String, String)>,
    AnonymousForm(_): AnonymousForm<Empty>,
) -> Result<Response, PageError> {
    match state.events.confirm_by_link(&token, info.client).await {
        Ok(_) => Ok(see_other(&ctx.href(&format!("/registration/confirm/{token}?done=1")))),
        Err(ServiceError::NotFound) => Err(unknown(ctx)),
        Err(ServiceError::Conflict(code)) => {
            let found = match state.events.opt_in_by_link(&token).await {
                Err(ServiceError::NotFound) => return Err(unknown(ctx)),
                other => other.map_err(ctx.fail())?,
            };
            let error = Some(ctx.t(&format!("error-{code}")));
            confirm_page(&ctx, &state, &headers, &token, found, StatusCode::CONFLICT, (None, error))
        }
        Err(e) => Err(ctx.fail()(e)),
    }
}
