//! `/api/v1/union` and `/api/v1/networks`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use ldp_core::domain::{Network, Paged, Union};

use super::extract::{ApiPath, ApiQuery, page};
use crate::error::{ApiError, AppError, ErrorBody};
use crate::state::AppState;

/// The union that operates this platform.
#[utoipa::path(get, path = "/api/v1/union", tag = "networks",
    responses(
        (status = 200, description = "The union", body = Union),
        (status = 404, description = "No union is configured", body = ErrorBody),
    ))]
pub async fn union_info(State(state): State<AppState>) -> Result<Json<Union>, ApiError> {
    let union = state.reference.read().await?.union();
    Ok(Json(Union::clone(&*union.ok_or_else(AppError::not_found)?)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<String>,
    /// Items per page, 1 to 100 (default 25).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

/// International networks, each with the union's membership (since when) where it has one.
#[utoipa::path(get, path = "/api/v1/networks", tag = "networks", params(ListQuery),
    responses(
        (status = 200, description = "One page of networks", body = Paged<Network>),
        (status = 400, description = "Bad paging parameters", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Paged<Network>>, ApiError> {
    let page = page(q.page.as_deref(), q.per_page.as_deref())?;
    let reference = state.reference.read().await?;
    let all = reference.networks();
    let total = all.len() as u64;
    let items = all.iter().skip(page.offset() as usize).take(page.size() as usize).cloned().collect();
    Ok(Json(Paged::new(items, page, total)))
}

/// One network by its slug (e.g. `uclg-mewa`).
#[utoipa::path(get, path = "/api/v1/networks/{slug}", tag = "networks",
    params(("slug" = String, Path, description = "The network's slug")),
    responses(
        (status = 200, description = "The network", body = Network),
        (status = 404, description = "No such network", body = ErrorBody),
    ))]
pub async fn show(State(state): State<AppState>, ApiPath(slug): ApiPath<String>) -> Result<Json<Network>, ApiError> {
    let network = state.reference.read().await?.network_by_slug(&slug).cloned();
    Ok(Json(network.ok_or_else(AppError::not_found)?))
}
