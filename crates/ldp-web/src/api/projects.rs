//! `/api/v1/applications/…`: a municipality's applications for funding, for bearer tokens only. A
//! representative's token sees and edits its own municipalities' applications, staff's all; the public none.
//! The stage moves one step along idea → partner_search → drafting → submitted → awarded | rejected | withdrawn.
//! An application's documents are in `funding_documents.rs`.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;

use ldp_core::domain::projects::{Application, ApplicationId};
use ldp_core::services::ServiceError;
use ldp_core::services::projects::{ApplicationFilter, ApplicationInput, ApplicationView, MoveInput};

use super::auth::TokenAuth;
use super::extract::{ApiPath, ApiQuery, body, path_id};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The list's filters.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationQuery {
    /// Only applications at this stage (`idea`, `partner_search`, `drafting`, `submitted`, `awarded`,
    /// `rejected`, `withdrawn`).
    pub stage: Option<String>,
    /// Only applications for this call (its id).
    #[param(value_type = Option<i64>)]
    pub call: Option<String>,
}

/// The applications the token's owner may see, the latest changed first.
#[utoipa::path(get, path = "/api/v1/applications", tag = "applications",
    params(ApplicationQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Applications", body = Vec<Application>),
        (status = 400, description = "A bad filter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner sees no applications", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiQuery(q): ApiQuery<ApplicationQuery>,
) -> Result<Json<Vec<Application>>, ApiError> {
    let filter = ApplicationFilter::parse(q.stage.as_deref(), q.call.as_deref()).map_err(ServiceError::Invalid)?;
    Ok(Json(state.projects.applications(&actor, &filter).await?))
}

/// Starts an application at `idea`.
#[utoipa::path(post, path = "/api/v1/applications", tag = "applications", request_body = ApplicationInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ApplicationView),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not apply for this municipality", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    payload: Result<Json<ApplicationInput>, JsonRejection>,
) -> Result<(StatusCode, Json<ApplicationView>), ApiError> {
    let input = body(payload)?;
    Ok((StatusCode::CREATED, Json(state.projects.create(&actor, &input).await?)))
}

/// An application with its history of stage moves.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "applications",
    params(("id" = i64, Path, description = "Application id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The application", body = ApplicationView),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such application (or not the token's owner's)", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ApplicationView>, ApiError> {
    let id = ApplicationId(path_id(&id)?);
    Ok(Json(state.projects.get(&actor, id).await?))
}

/// Replaces an application's fields (not its stage).
#[utoipa::path(put, path = "/api/v1/applications/{id}", tag = "applications", request_body = ApplicationInput,
    params(("id" = i64, Path, description = "Application id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = ApplicationView),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Read-only access", body = ErrorBody),
        (status = 404, description = "No such application (or not the token's owner's)", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<ApplicationInput>, JsonRejection>,
) -> Result<Json<ApplicationView>, ApiError> {
    let id = ApplicationId(path_id(&id)?);
    let input = body(payload)?;
    Ok(Json(state.projects.update(&actor, id, &input).await?))
}

/// Moves the stage one step along the path, dated (today in Istanbul by default) and audited.
#[utoipa::path(post, path = "/api/v1/applications/{id}/stage", tag = "applications", request_body = MoveInput,
    params(("id" = i64, Path, description = "Application id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Moved", body = ApplicationView),
        (status = 400, description = "A skipped, backward or final move, or a bad date", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Read-only access", body = ErrorBody),
        (status = 404, description = "No such application (or not the token's owner's)", body = ErrorBody),
        (status = 409, description = "The stage moved meanwhile", body = ErrorBody),
    ))]
pub async fn move_stage(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<MoveInput>, JsonRejection>,
) -> Result<Json<ApplicationView>, ApiError> {
    let id = ApplicationId(path_id(&id)?);
    let input = body(payload)?;
    Ok(Json(state.projects.move_stage(&actor, id, &input).await?))
}
