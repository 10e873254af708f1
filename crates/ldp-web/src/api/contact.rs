//! The contact inbox over the API (bearer tokens): admins, staff and auditors read the messages with their
//! notes and replies; admins and staff set status and assignee, add notes and reply by e-mail. The same
//! service as the workspace's pages, so the rules and the audit entries cannot differ.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use ldp_core::domain::contact::{
    ContactMessage, ContactNote, ContactTopic, DisposalEntry, MessageFilter, MessageStatus,
};
use ldp_core::domain::{InputError, Paged, UserId};
use ldp_core::services::contact::SubjectExport;

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
        (status = 409, description = "The message is anonymised", body = ErrorBody),
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
        (status = 409, description = "The message is anonymised", body = ErrorBody),
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

/// The address an access or erasure request is about. It travels in the body, not the URL, so that it stays
/// out of access logs.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SubjectInput {
    pub email: Option<String>,
}

/// Everything stored from one address, for a person's access request (KVKK art. 11): every message with
/// its notes and replies. Admins and staff; the export is audited by the references it returned.
#[utoipa::path(post, path = "/api/v1/contact/subjects/export", tag = "workspace",
    request_body = SubjectInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What is stored from the address (no messages: an empty list)", body = SubjectExport),
        (status = 400, description = "Missing or invalid address", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not handle personal-data requests", body = ErrorBody),
    ))]
pub async fn export_subject(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    payload: Result<Json<SubjectInput>, JsonRejection>,
) -> Result<Json<SubjectExport>, ApiError> {
    let input = body(payload)?;
    Ok(Json(state.contact.export_subject(&actor, input.email.as_deref().unwrap_or("")).await?))
}

/// What an erasure did.
#[derive(Debug, Serialize, ToSchema)]
pub struct Erased {
    /// The references of the messages anonymised now (each also in the disposal log); empty when nothing
    /// from the address was left to erase.
    pub erased: Vec<String>,
}

/// Erases what is stored from one address on the person's request: every message from it is anonymised
/// (open ones closed), its notes and replies blanked, and each written to the disposal log. Admins and staff.
#[utoipa::path(post, path = "/api/v1/contact/subjects/erase", tag = "workspace",
    request_body = SubjectInput,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Erased", body = Erased),
        (status = 400, description = "Missing or invalid address", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not handle personal-data requests", body = ErrorBody),
    ))]
pub async fn erase_subject(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    payload: Result<Json<SubjectInput>, JsonRejection>,
) -> Result<Json<Erased>, ApiError> {
    let input = body(payload)?;
    Ok(Json(Erased { erased: state.contact.erase_subject(&actor, input.email.as_deref().unwrap_or("")).await? }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DisposalQuery {
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

/// The disposal log: every contact message anonymised by the retention job or erased on request, newest
/// first. It holds references, never personal data. Admins, staff and auditors.
#[utoipa::path(get, path = "/api/v1/contact/disposals", tag = "workspace", params(DisposalQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Disposals", body = Paged<DisposalEntry>),
        (status = 400, description = "Invalid page", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not read the inbox", body = ErrorBody),
    ))]
pub async fn disposals(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiQuery(q): ApiQuery<DisposalQuery>,
) -> Result<Json<Paged<DisposalEntry>>, ApiError> {
    let page = page(q.page.as_deref(), q.per_page.as_deref())?;
    Ok(Json(state.contact.disposals(&actor, page).await?))
}
