//! Writing what municipalities keep about themselves (profile, representatives, network memberships), reading
//! the audit trail, and asking who a token acts as. Every write takes a bearer token acting with its owner's
//! role: a representative's token changes only their own municipalities.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use ldp_core::domain::{AuditEntry, AuditFilter, MunicipalityProfile, Paged, Role, User};
use ldp_core::services::workspace::{MembershipInput, ProfileInput, RepresentativeInput};

use super::auth::TokenAuth;
use super::extract::{ApiPath, ApiQuery, filter_and_page, page};
use super::partnership_writes::Created;
use crate::error::{ApiError, AppError, ErrorBody};
use crate::state::AppState;

use super::extract::{body, path_id as id};

/// Changes a municipality's profile (website, contact details, description).
#[utoipa::path(put, path = "/api/v1/municipalities/{slug}/profile", tag = "workspace", request_body = ProfileInput,
    params(("slug" = String, Path, description = "Municipality slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = MunicipalityProfile),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not edit this municipality", body = ErrorBody),
        (status = 404, description = "No such municipality", body = ErrorBody),
    ))]
pub async fn update_profile(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(slug): ApiPath<String>,
    payload: Result<Json<ProfileInput>, JsonRejection>,
) -> Result<Json<MunicipalityProfile>, ApiError> {
    let input = body(payload)?;
    let saved = state.workspace.update_profile(&actor, &slug, &input).await?;
    Ok(Json(saved))
}

/// Adds a representative to a municipality.
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/representatives", tag = "workspace",
    request_body = RepresentativeInput,
    params(("slug" = String, Path, description = "Municipality slug")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Added", body = Created),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed for this municipality", body = ErrorBody),
        (status = 404, description = "No such municipality", body = ErrorBody),
    ))]
pub async fn add_representative(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(slug): ApiPath<String>,
    payload: Result<Json<RepresentativeInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let input = body(payload)?;
    let id = state.workspace.save_representative(&actor, &slug, None, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Changes a representative.
#[utoipa::path(put, path = "/api/v1/municipalities/{slug}/representatives/{id}", tag = "workspace",
    request_body = RepresentativeInput,
    params(("slug" = String, Path, description = "Municipality slug"), ("id" = i64, Path, description = "Representative id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = Created),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed for this municipality", body = ErrorBody),
        (status = 404, description = "No such representative of this municipality", body = ErrorBody),
    ))]
pub async fn update_representative(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath((slug, raw)): ApiPath<(String, String)>,
    payload: Result<Json<RepresentativeInput>, JsonRejection>,
) -> Result<Json<Created>, ApiError> {
    let rid = id(&raw)?;
    let input = body(payload)?;
    let id = state.workspace.save_representative(&actor, &slug, Some(rid), &input).await?;
    Ok(Json(Created { id }))
}

/// Removes a representative (memberships they handled keep going without one).
#[utoipa::path(delete, path = "/api/v1/municipalities/{slug}/representatives/{id}", tag = "workspace",
    params(("slug" = String, Path, description = "Municipality slug"), ("id" = i64, Path, description = "Representative id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed for this municipality", body = ErrorBody),
        (status = 404, description = "No such representative of this municipality", body = ErrorBody),
    ))]
pub async fn delete_representative(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath((slug, raw)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    let rid = id(&raw)?;
    state.workspace.delete_representative(&actor, &slug, rid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Records a network membership of a municipality (joining needs the council's decision).
#[utoipa::path(post, path = "/api/v1/municipalities/{slug}/memberships", tag = "workspace",
    request_body = MembershipInput,
    params(("slug" = String, Path, description = "Municipality slug")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = Created),
        (status = 400, description = "Invalid fields, or a second membership of the same network", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed for this municipality", body = ErrorBody),
        (status = 404, description = "No such municipality", body = ErrorBody),
    ))]
pub async fn add_membership(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(slug): ApiPath<String>,
    payload: Result<Json<MembershipInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let input = body(payload)?;
    let id = state.workspace.save_membership(&actor, &slug, None, &input).await?;
    Ok((StatusCode::CREATED, Json(Created { id })))
}

/// Changes a network membership.
#[utoipa::path(put, path = "/api/v1/municipalities/{slug}/memberships/{id}", tag = "workspace",
    request_body = MembershipInput,
    params(("slug" = String, Path, description = "Municipality slug"), ("id" = i64, Path, description = "Membership id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = Created),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed for this municipality", body = ErrorBody),
        (status = 404, description = "No such membership of this municipality", body = ErrorBody),
    ))]
pub async fn update_membership(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath((slug, raw)): ApiPath<(String, String)>,
    payload: Result<Json<MembershipInput>, JsonRejection>,
) -> Result<Json<Created>, ApiError> {
    let mid = id(&raw)?;
    let input = body(payload)?;
    let id = state.workspace.save_membership(&actor, &slug, Some(mid), &input).await?;
    Ok(Json(Created { id }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// `partnership`, `municipality`, `representative`, `membership`, `user`, `api_token`, …
    record_type: Option<String>,
    record_id: Option<String>,
    /// Part of the actor's e-mail or token name.
    actor: Option<String>,
    action: Option<String>,
    /// First day, `YYYY-MM-DD` (Europe/Istanbul days are not applied: UTC).
    from: Option<String>,
    /// Last day, `YYYY-MM-DD`.
    to: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

/// The audit trail, newest first: the whole log for admins and auditors; staff and representatives may read
/// one record's history (`record_type` and `record_id`).
#[utoipa::path(get, path = "/api/v1/audit", tag = "workspace", params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Entries", body = Paged<AuditEntry>),
        (status = 400, description = "Invalid filter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not read this", body = ErrorBody),
    ))]
pub async fn audit(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> Result<Json<Paged<AuditEntry>>, ApiError> {
    let filter = AuditFilter::parse(
        q.record_type.as_deref(),
        q.record_id.as_deref(),
        q.actor.as_deref(),
        q.action.as_deref(),
        q.from.as_deref(),
        q.to.as_deref(),
    );
    let (filter, page) = filter_and_page(filter, page(q.page.as_deref(), q.per_page.as_deref()))?;
    Ok(Json(state.audit.list(&actor, filter, page).await?))
}

/// Who a token acts as.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user: User,
    pub role: Role,
    /// Whether the token only reads.
    pub read_only: bool,
}

/// The account a token acts for, with its role.
#[utoipa::path(get, path = "/api/v1/me", tag = "workspace",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The token's owner", body = Me),
        (status = 401, description = "No valid token", body = ErrorBody),
    ))]
pub async fn me(State(state): State<AppState>, TokenAuth(actor): TokenAuth) -> Result<Json<Me>, ApiError> {
    let Some(id) = actor.user else { return Err(AppError::unauthorized().into()) };
    let user = state.accounts.user(&actor, id).await?;
    Ok(Json(Me { role: user.role, user, read_only: actor.read_only }))
}
