//! `/api/v1/network-registry`: the networks members belong to beyond the union's own. Anyone reads the
//! approved ones; a representative's token proposes, a staff token adds, edits and approves.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;

use ldp_core::domain::{Actor, NetworkId, RegistryNetwork};
use ldp_core::services::networks::NetworkInput;

use super::auth::TokenAuth;
use super::extract::{ApiPath, body, path_id};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The approved networks of the registry, in Turkish alphabetical order.
#[utoipa::path(get, path = "/api/v1/network-registry", tag = "networks",
    responses((status = 200, description = "Approved registry networks", body = Vec<RegistryNetwork>)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<RegistryNetwork>>, ApiError> {
    Ok(Json(state.networks.list(&Actor::visitor(None)).await?))
}

/// Proposes a network (a representative's token: it waits for approval) or adds one (staff: approved).
#[utoipa::path(post, path = "/api/v1/network-registry", tag = "networks", request_body = NetworkInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Proposed or added", body = RegistryNetwork),
        (status = 400, description = "Invalid fields (or the network is already listed)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not propose networks", body = ErrorBody),
    ))]
pub async fn propose(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    payload: Result<Json<NetworkInput>, JsonRejection>,
) -> Result<(StatusCode, Json<RegistryNetwork>), ApiError> {
    let input = body(payload)?;
    Ok((StatusCode::CREATED, Json(state.networks.propose(&actor, &input).await?)))
}

/// Changes a registry network (staff; its proposer while it awaits approval).
#[utoipa::path(put, path = "/api/v1/network-registry/{id}", tag = "networks", request_body = NetworkInput,
    params(("id" = i64, Path, description = "Network id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = RegistryNetwork),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed to change it", body = ErrorBody),
        (status = 404, description = "No such registry network (or not visible to the token's owner)", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<NetworkInput>, JsonRejection>,
) -> Result<Json<RegistryNetwork>, ApiError> {
    let id = NetworkId(path_id(&id)?);
    let input = body(payload)?;
    Ok(Json(state.networks.update(&actor, id, &input).await?))
}

/// Approves a proposed network (staff): it becomes public and open to memberships.
#[utoipa::path(post, path = "/api/v1/network-registry/{id}/approval", tag = "networks",
    params(("id" = i64, Path, description = "Network id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Approved", body = RegistryNetwork),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the union's staff approve", body = ErrorBody),
        (status = 404, description = "No such registry network", body = ErrorBody),
        (status = 409, description = "It was not awaiting approval", body = ErrorBody),
    ))]
pub async fn approve(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<RegistryNetwork>, ApiError> {
    let id = NetworkId(path_id(&id)?);
    Ok(Json(state.networks.approve(&actor, id).await?))
}
