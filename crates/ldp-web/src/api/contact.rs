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

/// What a site that shows its own contact form needs first: a signed time stamp to send back with the
/// message (the same time trap as the union's form: a message sent sooner than `min_fill_seconds` after it is
/// refused), the clarification text's version that the sender consents to, and its address.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactFormInfo {
    pub stamp: String,
    pub min_fill_seconds: i64,
    pub consent_version: String,
    /// The public page with the form and the clarification text (aydınlatma metni), in Turkish and English.
    pub clarification_text: Vec<String>,
    /// The topics a message may have.
    pub topics: Vec<String>,
}

/// Starts a contact message: the signed stamp and the consent text's version.
#[utoipa::path(get, path = "/api/v1/contact/form", tag = "contact",
    responses((status = 200, description = "What a message needs", body = ContactFormInfo)))]
pub async fn form_info(State(state): State<AppState>) -> axum::response::Response {
    use axum::response::IntoResponse;
    let info = ContactFormInfo {
        stamp: crate::pages::contact::issue_stamp(&state.contact_key, state.clock.now()),
        min_fill_seconds: crate::pages::contact::MIN_FILL.whole_seconds(),
        consent_version: ldp_core::domain::contact::CONSENT_VERSION.into(),
        clarification_text: vec!["/tr/contact#kvkk".into(), "/en/contact#kvkk".into()],
        topics: ContactTopic::ALL.iter().map(|t| t.as_str().to_owned()).collect(),
    };
    // The stamp is of this moment: never kept by a cache.
    ([(axum::http::header::CACHE_CONTROL, "no-store")], Json(info)).into_response()
}

/// A message from the public, as the union's contact form sends it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ContactSubmission {
    pub name: Option<String>,
    pub email: Option<String>,
    pub organisation: Option<String>,
    /// A member municipality's slug.
    pub municipality: Option<String>,
    /// `local_diplomacy`, `projects_funding`, `membership`, `press` or `other`.
    pub topic: Option<String>,
    pub message: Option<String>,
    /// The sender's explicit consent to the clarification text; only `true` is consent.
    pub consent: Option<bool>,
    /// The stamp from `GET /api/v1/contact/form`.
    pub stamp: Option<String>,
    /// The language the receipt is written in: `tr` (default) or `en`.
    pub lang: Option<String>,
}

/// The receipt of a message.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactReceipt {
    /// The reference number, also in the e-mailed receipt.
    pub reference: String,
    pub topic: String,
    /// The team the topic is routed to.
    pub team: String,
}

/// Sends a contact message (no account needed). The same checks as the union's form: explicit consent, the
/// signed time stamp, the per-client limit and the link counter; the sender gets the e-mailed receipt.
#[utoipa::path(post, path = "/api/v1/contact/messages", tag = "contact", request_body = ContactSubmission,
    responses(
        (status = 201, description = "Received", body = ContactReceipt),
        (status = 400, description = "Invalid fields, or the stamp missing, forged or too recent", body = ErrorBody),
        (status = 429, description = "Too many messages from this client", body = ErrorBody),
    ))]
pub async fn submit(
    State(state): State<AppState>,
    info: crate::pages::account::RequestInfo,
    payload: Result<Json<ContactSubmission>, JsonRejection>,
) -> Result<(StatusCode, Json<ContactReceipt>), ApiError> {
    use crate::pages::contact::{Stamp, check_stamp, client_key};
    let s = body(payload)?;
    let lang = match s.lang.as_deref().map(str::trim).filter(|l| !l.is_empty()) {
        None => ldp_core::domain::Lang::Tr,
        Some(l) => ldp_core::domain::Lang::parse(l).ok_or_else(|| InputError::new("lang", "invalid_choice"))?,
    };
    let key = &state.contact_key;
    match check_stamp(key, s.stamp.as_deref().unwrap_or(""), state.clock.now()) {
        Stamp::Fine => {}
        Stamp::TooFast => return Err(InputError::new("stamp", "contact_too_fast").into()),
        Stamp::Unsigned => return Err(InputError::new("stamp", "contact_unsigned").into()),
    }
    let input = ldp_core::domain::contact::ContactInput {
        name: s.name,
        email: s.email,
        organisation: s.organisation,
        municipality: s.municipality,
        topic: s.topic,
        message: s.message,
        consent: s.consent.map(|c| if c { "yes" } else { "no" }.to_owned()),
    };
    let client = info.client.as_deref().map(|c| client_key(key, c));
    let actor = ldp_core::domain::Actor::visitor(info.client.clone());
    let sent = state.contact.send(&input, lang, client.as_deref(), &actor).await?;
    Ok((
        StatusCode::CREATED,
        Json(ContactReceipt { reference: sent.reference, topic: sent.topic.as_str().to_owned(), team: sent.team }),
    ))
}
