//! `/api/v1/saved-searches`: the token owner's saved searches of funding calls. A search mails its owner
//! about new matching calls (at once, daily or weekly) and reminds of their deadlines 30, 7 and 1 days
//! before. Each search is its owner's alone; a read-only token reads but does not write.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;

use ldp_core::domain::Lang;
use ldp_core::domain::saved_search::{SavedSearch, SavedSearchId};
use ldp_core::services::saved_searches::{SavedSearchInput, SavedSearchUpdate};

use super::auth::TokenAuth;
use super::extract::{ApiPath, body, path_id};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The token owner's saved searches, oldest first.
#[utoipa::path(get, path = "/api/v1/saved-searches", tag = "funding",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The owner's saved searches", body = [SavedSearch]),
        (status = 401, description = "No valid token", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
) -> Result<Json<Vec<SavedSearch>>, ApiError> {
    Ok(Json(state.saved_searches.list(&actor).await?))
}

/// Saves a search. Calls it matches already are not announced; later ones are, as often as `frequency` says.
/// `eligible: true` watches only calls the owner's municipality may apply to (representatives).
#[utoipa::path(post, path = "/api/v1/saved-searches", tag = "funding", request_body = SavedSearchInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Saved", body = SavedSearch),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 409, description = "Too many saved searches", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    payload: Result<Json<SavedSearchInput>, JsonRejection>,
) -> Result<(StatusCode, Json<SavedSearch>), ApiError> {
    let input = body(payload)?;
    let saved = state.saved_searches.create(&actor, &input, Lang::Tr).await?;
    Ok((StatusCode::CREATED, Json(saved)))
}

/// One of the owner's saved searches.
#[utoipa::path(get, path = "/api/v1/saved-searches/{id}", tag = "funding",
    params(("id" = i64, Path, description = "Saved search id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The saved search", body = SavedSearch),
        (status = 400, description = "Not a number", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such search of this owner", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<SavedSearch>, ApiError> {
    Ok(Json(state.saved_searches.get(&actor, SavedSearchId(path_id(&id)?)).await?))
}

/// Changes how often a saved search mails, or the language of its mail.
#[utoipa::path(patch, path = "/api/v1/saved-searches/{id}", tag = "funding", request_body = SavedSearchUpdate,
    params(("id" = i64, Path, description = "Saved search id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = SavedSearch),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such search of this owner", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<SavedSearchUpdate>, JsonRejection>,
) -> Result<Json<SavedSearch>, ApiError> {
    let id = SavedSearchId(path_id(&id)?);
    let input = body(payload)?;
    Ok(Json(state.saved_searches.update(&actor, id, &input).await?))
}

/// Deletes a saved search: no more alerts or reminders from it.
#[utoipa::path(delete, path = "/api/v1/saved-searches/{id}", tag = "funding",
    params(("id" = i64, Path, description = "Saved search id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "Not a number", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A read-only token", body = ErrorBody),
        (status = 404, description = "No such search of this owner", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state.saved_searches.delete(&actor, SavedSearchId(path_id(&id)?)).await?;
    Ok(StatusCode::NO_CONTENT)
}
