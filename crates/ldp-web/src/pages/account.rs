//! Signing in and out, password reset and invitation links, the password change, and API tokens.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use ldp_core::domain::LinkPurpose;
use ldp_core::services::tokens::ApiToken;

use super::forms::{FormState, in_form, render_private, see_other};
use super::workspace::Me;
use super::{PageCtx, PageError};
use crate::error::AppError;
use crate::session::{
    AnonymousForm, CsrfForm, SESSION_COOKIE, SignedIn, Viewer, anonymous_csrf, client_addr, safe_next, set_cookie,
};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    ctx: PageCtx,
    title: String,
    csrf: String,
    form: FormState,
    notice: Option<String>,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SignInQuery {
    next: Option<String>,
    done: Option<String>,
}

/// Renders a form for someone not signed in, setting the CSRF cookie when they have none.
pub(crate) fn anonymous_page<T: askama::Template>(
    ctx: &PageCtx,
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    page: impl FnOnce(String) -> T,
) -> Result<Response, PageError> {
    let (csrf, cookie) = anonymous_csrf(headers, state.secure_cookies, &state.csrf_key);
    let mut response = render_private(ctx, &page(csrf), status)?;
    if let Some(c) = cookie {
        response.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(response)
}

pub async fn sign_in_form(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    viewer: Option<Viewer>,
    Query(q): Query<SignInQuery>,
) -> Result<Response, PageError> {
    if viewer.is_some() {
        return Ok(see_other(&safe_next(q.next.as_deref(), ctx.lang)));
    }
    let notice = q.done.as_deref().map(|d| {
        ctx.t(match d {
            "invitation" => "notice-invitation-done",
            "everywhere" => "notice-signed-out-everywhere",
            _ => "notice-password-set",
        })
    });
    let form = FormState::default().set("next", q.next.clone().unwrap_or_default());
    let title = ctx.t("sign-in-title");
    anonymous_page(&ctx, &state, &headers, StatusCode::OK, |csrf| SignInPage {
        ctx: ctx.clone(),
        title,
        csrf,
        form,
        notice,
    })
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SignInForm {
    email: Option<String>,
    #[serde(skip_serializing)]
    password: Option<String>,
    next: Option<String>,
}

pub async fn sign_in(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    request_parts: RequestInfo,
    AnonymousForm(form): AnonymousForm<SignInForm>,
) -> Result<Response, PageError> {
    let replaces = crate::session::cookie_value(&headers, SESSION_COOKIE);
    let result = state
        .accounts
        .sign_in(
            form.email.as_deref().unwrap_or(""),
            form.password.as_deref().unwrap_or(""),
            request_parts.client.as_deref(),
            replaces.as_deref(),
        )
        .await;
    match result {
        Ok(started) => {
            let mut response = see_other(&safe_next(form.next.as_deref(), ctx.lang));
            response
                .headers_mut()
                .append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, Some(&started.cookie), state.secure_cookies));
            Ok(response)
        }
        Err(e) => {
            let locked = match &e {
                ldp_core::services::ServiceError::Locked(until) => Some(*until),
                _ => None,
            };
            let error = in_form(&ctx, e)?;
            let mut state_form = FormState::of(&form).with_error(ctx.lang, &error);
            if let Some(until) = locked {
                state_form.errors.clear();
                state_form.message = Some(format!("{} {}", ctx.t("sign-in-locked"), ctx.datetime(&until)));
            }
            let title = ctx.t("sign-in-title");
            anonymous_page(&ctx, &state, &headers, error.status, |csrf| SignInPage {
                ctx: ctx.clone(),
                title,
                csrf,
                form: state_form,
                notice: None,
            })
        }
    }
}

/// The client address, for handlers that also read the body.
pub struct RequestInfo {
    pub client: Option<String>,
}

impl axum::extract::FromRequestParts<AppState> for RequestInfo {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, _: &AppState) -> Result<Self, Self::Rejection> {
        Ok(RequestInfo { client: client_addr(parts) })
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct Empty {}

pub async fn sign_out(
    ctx: PageCtx,
    State(state): State<AppState>,
    CsrfForm { viewer, .. }: CsrfForm<Empty>,
) -> Result<Response, PageError> {
    if let Some(v) = viewer {
        state.accounts.sign_out(&v.cookie).await.map_err(ctx.fail())?;
    }
    let mut response = see_other(&ctx.href("/"));
    response.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, None, state.secure_cookies));
    Ok(response)
}

/// Ends every session of the viewer (this one too) and revokes their API tokens, then signs this browser out.
pub async fn sign_out_everywhere(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { .. }: CsrfForm<Empty>,
) -> Result<Response, PageError> {
    state.accounts.sign_out_everywhere(&viewer.actor).await.map_err(ctx.fail())?;
    let mut response = see_other(&ctx.href("/sign-in?done=everywhere"));
    response.headers_mut().append(header::SET_COOKIE, set_cookie(SESSION_COOKIE, None, state.secure_cookies));
    Ok(response)
}

#[derive(askama::Template)]
#[template(path = "reset_request.html")]
struct ResetRequestPage {
    ctx: PageCtx,
    title: String,
    csrf: String,
    form: FormState,
    sent: bool,
}

pub async fn reset_request_form(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let title = ctx.t("reset-title");
    anonymous_page(&ctx, &state, &headers, StatusCode::OK, |csrf| ResetRequestPage {
        ctx: ctx.clone(),
        title,
        csrf,
        form: FormState::default(),
        sent: false,
    })
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct ResetRequestForm {
    email: Option<String>,
}

pub async fn reset_request(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    info: RequestInfo,
    AnonymousForm(form): AnonymousForm<ResetRequestForm>,
) -> Result<Response, PageError> {
    let email = form.email.as_deref().unwrap_or("");
    let result = state.accounts.request_reset(email, ctx.lang, info.client.as_deref()).await;
    let title = ctx.t("reset-title");
    match result {
        Ok(()) => anonymous_page(&ctx, &state, &headers, StatusCode::OK, |csrf| ResetRequestPage {
            ctx: ctx.clone(),
            title,
            csrf,
            form: FormState::default(),
            sent: true,
        }),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let form = FormState::of(&form).with_error(ctx.lang, &error);
            anonymous_page(&ctx, &state, &headers, error.status, |csrf| ResetRequestPage {
                ctx: ctx.clone(),
                title,
                csrf,
                form,
                sent: false,
            })
        }
    }
}

#[derive(askama::Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage {
    ctx: PageCtx,
    title: String,
    lead: String,
    action: String,
    csrf: String,
    form: FormState,
    invitation: bool,
}

fn purpose_of(invitation: bool) -> LinkPurpose {
    if invitation { LinkPurpose::Invite } else { LinkPurpose::Reset }
}

async fn link_form(
    ctx: PageCtx,
    state: AppState,
    headers: HeaderMap,
    token: String,
    invitation: bool,
) -> Result<Response, PageError> {
    let user = state.accounts.link_user(&token, purpose_of(invitation)).await.map_err(ctx.fail())?;
    let Some(user) = user else {
        return Err(PageError::new(ctx, AppError::new(StatusCode::NOT_FOUND, "link_expired")));
    };
    let form = FormState::default().set("name", user.name.clone());
    set_password_page(&ctx, &state, &headers, &token, invitation, &user.email, form, StatusCode::OK)
}

#[expect(clippy::too_many_arguments, reason = "the page's parts")]
fn set_password_page(
    ctx: &PageCtx,
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    invitation: bool,
    email: &str,
    form: FormState,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (title, lead, path) = if invitation {
        (ctx.t("invitation-title"), format!("{} {email}", ctx.t("invitation-lead")), "invitation")
    } else {
        (ctx.t("set-password-title"), format!("{} {email}", ctx.t("set-password-lead")), "password-reset")
    };
    let action = ctx.href(&format!("/{path}/{token}"));
    anonymous_page(ctx, state, headers, status, |csrf| SetPasswordPage {
        ctx: ctx.clone(),
        title,
        lead,
        action,
        csrf,
        form,
        invitation,
    })
}

pub async fn reset_form(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((_, token)): Path<(String, String)>,
) -> Result<Response, PageError> {
    link_form(ctx, state, headers, token, false).await
}

pub async fn invitation_form(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    Path((_, token)): Path<(String, String)>,
) -> Result<Response, PageError> {
    link_form(ctx, state, headers, token, true).await
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct SetPasswordForm {
    name: Option<String>,
    #[serde(skip_serializing)]
    password: Option<String>,
    #[serde(skip_serializing)]
    password_confirm: Option<String>,
}

async fn redeem(
    ctx: PageCtx,
    state: AppState,
    headers: HeaderMap,
    client: Option<String>,
    token: String,
    form: SetPasswordForm,
    invitation: bool,
) -> Result<Response, PageError> {
    let purpose = purpose_of(invitation);
    let result = state
        .accounts
        .redeem(
            &token,
            purpose,
            form.password.as_deref().unwrap_or(""),
            form.password_confirm.as_deref().unwrap_or(""),
            if invitation { form.name.as_deref() } else { None },
            client,
        )
        .await;
    match result {
        Ok(_) => {
            Ok(see_other(&ctx.href(&format!("/sign-in?done={}", if invitation { "invitation" } else { "password" }))))
        }
        Err(ldp_core::services::ServiceError::NotFound) => {
            Err(PageError::new(ctx, AppError::new(StatusCode::NOT_FOUND, "link_expired")))
        }
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let user = state.accounts.link_user(&token, purpose).await.ok().flatten();
            let email = user.map(|u| u.email).unwrap_or_default();
            let state_form = FormState::of(&form).with_error(ctx.lang, &error);
            set_password_page(&ctx, &state, &headers, &token, invitation, &email, state_form, error.status)
        }
    }
}

pub async fn reset(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    info: RequestInfo,
    Path((_, token)): Path<(String, String)>,
    AnonymousForm(form): AnonymousForm<SetPasswordForm>,
) -> Result<Response, PageError> {
    redeem(ctx, state, headers, info.client, token, form, false).await
}

pub async fn accept_invitation(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    info: RequestInfo,
    Path((_, token)): Path<(String, String)>,
    AnonymousForm(form): AnonymousForm<SetPasswordForm>,
) -> Result<Response, PageError> {
    redeem(ctx, state, headers, info.client, token, form, true).await
}

#[derive(askama::Template)]
#[template(path = "account.html")]
struct AccountPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    notice: Option<String>,
    password_form: FormState,
    token_form: FormState,
    tokens: Vec<ApiToken>,
    new_secret: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountQuery {
    done: Option<String>,
}

async fn account_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    parts: (Option<String>, FormState, FormState, Option<String>),
) -> Result<Response, PageError> {
    let (notice, password_form, token_form, new_secret) = parts;
    let tokens = state.tokens.list(&viewer.actor, false).await.map_err(ctx.fail())?;
    let page = AccountPage {
        title: ctx.t("account-title"),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        notice,
        password_form,
        token_form,
        tokens,
        new_secret,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

pub async fn account(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<AccountQuery>,
) -> Result<Response, PageError> {
    let notice = match q.done.as_deref() {
        Some("password") => Some(ctx.t("notice-password-changed")),
        Some("revoked") => Some(ctx.t("notice-token-revoked")),
        _ => None,
    };
    account_page(ctx, &state, &viewer, StatusCode::OK, (notice, FormState::default(), FormState::default(), None)).await
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct PasswordForm {
    #[serde(skip_serializing)]
    current_password: Option<String>,
    #[serde(skip_serializing)]
    password: Option<String>,
    #[serde(skip_serializing)]
    password_confirm: Option<String>,
}

pub async fn change_password(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<PasswordForm>,
) -> Result<Response, PageError> {
    let result = state
        .accounts
        .change_password(
            &viewer.actor,
            Some(&viewer.cookie),
            form.current_password.as_deref().unwrap_or(""),
            form.password.as_deref().unwrap_or(""),
            form.password_confirm.as_deref().unwrap_or(""),
        )
        .await;
    match result {
        Ok(()) => Ok(see_other(&ctx.href("/workspace/account?done=password"))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let pw = FormState::default().with_error(ctx.lang, &error);
            account_page(ctx, &state, &viewer, error.status, (None, pw, FormState::default(), None)).await
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct TokenForm {
    name: Option<String>,
    scope: Option<String>,
}

pub async fn create_token(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<TokenForm>,
) -> Result<Response, PageError> {
    let read_only = form.scope.as_deref() == Some("read");
    let result = state.tokens.create(&viewer.actor, &viewer.user, form.name.as_deref().unwrap_or(""), read_only).await;
    match result {
        Ok((_, secret)) => {
            account_page(
                ctx,
                &state,
                &viewer,
                StatusCode::CREATED,
                (None, FormState::default(), FormState::default(), Some(secret)),
            )
            .await
        }
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let tf = FormState::of(&form).with_error(ctx.lang, &error);
            account_page(ctx, &state, &viewer, error.status, (None, FormState::default(), tf, None)).await
        }
    }
}

pub async fn revoke_token(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { .. }: CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let id = ctx.path_id(&id)?;
    state.tokens.revoke(&viewer.actor, id).await.map_err(ctx.fail())?;
    Ok(see_other(&ctx.href("/workspace/account?done=revoked")).into_response())
}
