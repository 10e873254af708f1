//! `/api/v1/events/{id}/delegation`: the record of a visit (incoming or outgoing delegation, study visit).
//! Anyone reads a published visit's public part (purpose, programme, outcome, participants without contact
//! details); staff, auditors and the host municipality's representatives read it whole — protocol notes,
//! contact details, gifts — and staff and those representatives write it.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

use ldp_core::domain::delegation::Delegation;
use ldp_core::domain::{Actor, EventId};
use ldp_core::services::delegations::{DetailsInput, GiftInput, ParticipantInput};

use super::auth::TokenAuth;
use super::extract::{ApiPath, body, path_id};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// A visit's record as the client may see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DelegationView {
    #[serde(flatten)]
    pub record: Delegation,
    /// Whether this is the whole record (protocol notes, contact details, gifts) or its public part.
    pub full: bool,
}

/// The id of a participant or gift just recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// A visit's record: its public part for anyone once the event is public; whole for staff, auditors and the
/// host municipality's representatives.
#[utoipa::path(get, path = "/api/v1/events/{id}/delegation", tag = "events",
    params(("id" = i64, Path, description = "Event id (an incoming or outgoing delegation, or a study visit)")),
    responses(
        (status = 200, description = "The visit's record", body = DelegationView),
        (status = 400, description = "Not a number", body = ErrorBody),
        (status = 404, description = "No such visit, or one this client may not see", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    auth: Option<TokenAuth>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<DelegationView>, ApiError> {
    let actor = auth.map_or_else(|| Actor::visitor(None), |TokenAuth(a)| a);
    let (_, record, access) = state.delegations.get(&actor, EventId(path_id(&id)?)).await?;
    Ok(Json(DelegationView { record, full: access.full }))
}

/// Saves a visit's details and protocol notes.
#[utoipa::path(put, path = "/api/v1/events/{id}/delegation", tag = "events", request_body = DetailsInput,
    params(("id" = i64, Path, description = "Event id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = DelegationView),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed to change this visit", body = ErrorBody),
        (status = 404, description = "No such visit", body = ErrorBody),
    ))]
pub async fn save(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<DetailsInput>, JsonRejection>,
) -> Result<Json<DelegationView>, ApiError> {
    let id = EventId(path_id(&id)?);
    let input = body(payload)?;
    let record = state.delegations.save(&actor, id, &input).await?;
    Ok(Json(DelegationView { record, full: true }))
}

/// Adds a participant to a visit.
#[utoipa::path(post, path = "/api/v1/events/{id}/delegation/participants", tag = "events",
    request_body = ParticipantInput,
    params(("id" = i64, Path, description = "Event id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = Created),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed to change this visit", body = ErrorBody),
        (status = 404, description = "No such visit", body = ErrorBody),
    ))]
pub async fn add_participant(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<ParticipantInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = EventId(path_id(&id)?);
    let input = body(payload)?;
    let created = state.delegations.add_participant(&actor, id, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id: created })))
}

/// Removes a participant from a visit.
#[utoipa::path(delete, path = "/api/v1/events/{id}/delegation/participants/{participant}", tag = "events",
    params(("id" = i64, Path, description = "Event id"), ("participant" = i64, Path, description = "Participant id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Not a number", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed to change this visit", body = ErrorBody),
        (status = 404, description = "No such visit or participant", body = ErrorBody),
    ))]
pub async fn remove_participant(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath((id, participant)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = EventId(path_id(&id)?);
    state.delegations.remove_participant(&actor, id, path_id(&participant)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a gift given or received during a visit.
#[utoipa::path(post, path = "/api/v1/events/{id}/delegation/gifts", tag = "events", request_body = GiftInput,
    params(("id" = i64, Path, description = "Event id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = Created),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed to change this visit", body = ErrorBody),
        (status = 404, description = "No such visit", body = ErrorBody),
    ))]
pub async fn add_gift(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<GiftInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = EventId(path_id(&id)?);
    let input = body(payload)?;
    let created = state.delegations.add_gift(&actor, id, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id: created })))
}

/// Removes a gift from a visit's record.
#[utoipa::path(delete, path = "/api/v1/events/{id}/delegation/gifts/{gift}", tag = "events",
    params(("id" = i64, Path, description = "Event id"), ("gift" = i64, Path, description = "Gift id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "Not a number", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed to change this visit", body = ErrorBody),
        (status = 404, description = "No such visit or gift", body = ErrorBody),
    ))]
pub async fn remove_gift(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath((id, gift)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = EventId(path_id(&id)?);
    state.delegations.remove_gift(&actor, id, path_id(&gift)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
