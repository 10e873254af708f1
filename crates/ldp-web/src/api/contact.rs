//! The contact inbox over the API (bearer tokens): admins, staff and auditors read the messages with their
//! notes and replies; admins and staff set status and assignee, add notes and reply by e-mail. The same
//! service as the workspace's pages, so the rules and the audit entries cannot differ.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use ldp_core::domain::contact::{ContactMessage, ContactNote, ContactTopic, MessageFilter, MessageStatus};
use ldp_core::domain::{InputError, Paged, UserId};

use super::auth::TokenAuth;
use super::extract::{ApiPath, ApiQuery, body, filter_and_page, page};
use super::partnership_writes::Created;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// `new`, `assigned`, `answered`, `closed`, or `open` (every status but closed); all when absent.
    status: Option<String>,
    /// `local_diplomacy`, `projects_funding`, `membership`, `press` or `other`.
    topic: Option<String>,
    team: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

fn filter(q: &InboxQuery) -> Result<MessageFilter, InputError> {
    let mut errors = InputError::default();
    let mut f = MessageFilter::default();
    match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {}
        Some("open") => f.open_only = true,
        Some(s) => match MessageStatus::parse(s) {
            Some(s) => f.status = Some(s),
            None => errors.add("status", "invalid_choice"),
        },
    }
    match q.topic.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => {}
        Some(t) => match ContactTopic::parse(t) {
            Some(t) => f.topic = Some(t),
            None => errors.add("topic", "invalid_choice"),
        },
    }
    f.team = q.team.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    if errors.is_empty() { Ok(f) } else { Err(errors) }
}

/// Contact messages, newest first.
#[utoipa::path(get, path = "/api/v1/contact/messages", tag = "workspace", params(InboxQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Messages", body = Paged<ContactMessage>),
        (status = 400, description = "Invalid filter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not read the inbox", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> Result<Json<Paged<ContactMessage>>, ApiError> {
    let (mut f, page) = filter_and_page(filter(&q), page(q.page.as_deref(), q.per_page.as_deref()))?;
    f.page = page;
    Ok(Json(state.contact.inbox(&actor, &f).await?))
}

/// A message with its notes and replies.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageDetail {
    pub message: ContactMessage,
    pub notes: Vec<ContactNote>,
}

#[utoipa::path(get, path = "/api/v1/contact/messages/{id}", tag = "workspace",
    params(("id" = i64, Path, description = "Message id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The message", body = MessageDetail),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not read the inbox", body = ErrorBody),
        (status = 404, description = "No such message", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<MessageDetail>, ApiError> {
    let (message, notes) = state.contact.message(&actor, id).await?;
    Ok(Json(MessageDetail { message, notes }))
}

/// A message's new status and assignee.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusInput {
    /// `new`, `assigned`, `answered` or `closed`; unchanged when absent (a new message given an assignee
    /// becomes assigned).
    pub status: Option<String>,
    /// A user id (an active admin or staff member), or none.
    pub assignee: Option<i64>,
}

#[utoipa::path(put, path = "/api/v1/contact/messages/{id}/status", tag = "workspace",
    request_body = StatusInput,
    params(("id" = i64, Path, description = "Message id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The message as it now stands", body = ContactMessage),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not work the inbox", body = ErrorBody),
        (status = 404, description = "No such message", body = ErrorBody),
    ))]
pub async fn set_status(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<i64>,
    payload: Result<Json<StatusInput>, JsonRejection>,
) -> Result<Json<ContactMessage>, ApiError> {
    let input = body(payload)?;
    Ok(Json(state.contact.update(&actor, id, input.status.as_deref(), input.assignee.map(UserId)).await?))
}

/// The text of a note or reply.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TextInput {
    pub body: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/contact/messages/{id}/notes", tag = "workspace",
    request_body = TextInput,
    params(("id" = i64, Path, description = "Message id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = Created),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not work the inbox", body = ErrorBody),
        (status = 404, description = "No such message", body = ErrorBody),
    ))]
pub async fn add_note(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<i64>,
    payload: Result<Json<TextInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let input = body(payload)?;
    let id = state.contact.note(&actor, id, input.body.as_deref().unwrap_or("")).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Replies by e-mail: the reply is kept with the message (which becomes answered) and mailed from the queue.
#[utoipa::path(post, path = "/api/v1/contact/messages/{id}/reply", tag = "workspace",
    request_body = TextInput,
    params(("id" = i64, Path, description = "Message id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Kept and queued", body = Created),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not work the inbox", body = ErrorBody),
        (status = 404, description = "No such message", body = ErrorBody),
        (status = 409, description = "The message is closed", body = ErrorBody),
    ))]
pub async fn reply(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<i64>,
    payload: Result<Json<TextInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let input = body(payload)?;
    let id = state.contact.reply(&actor, id, input.body.as_deref().unwrap_or("")).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}
