//! `/api/v1/provinces` and `/api/v1/municipalities`.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use ldp_core::domain::{Municipality, MunicipalityFilter, MunicipalityKind, Paged, Province};

use super::extract::{ApiPath, ApiQuery, filter_and_page, page};
use crate::error::{ApiError, AppError, ErrorBody};
use crate::state::AppState;

/// The provinces of the union's region, in Turkish alphabetical order.
#[utoipa::path(get, path = "/api/v1/provinces", tag = "municipalities",
    responses((status = 200, description = "All provinces", body = Vec<Province>)))]
pub async fn provinces(State(state): State<AppState>) -> Result<Json<Vec<Province>>, ApiError> {
    Ok(Json(state.reference.read().await?.provinces().to_vec()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Province licence-plate code (e.g. 34 for İstanbul).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 81)]
    province: Option<String>,
    /// Municipality kind.
    #[param(value_type = Option<MunicipalityKind>)]
    kind: Option<String>,
    /// Part of the name; case and Turkish letters do not matter ("istanbul" finds "İstanbul").
    #[param(max_length = 100)]
    q: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<String>,
    /// Items per page, 1 to 100 (default 25).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

/// Member municipalities in Turkish collation order, filterable by province, kind and name.
#[utoipa::path(get, path = "/api/v1/municipalities", tag = "municipalities", params(ListQuery),
    responses(
        (status = 200, description = "One page of municipalities", body = Paged<Municipality>),
        (status = 400, description = "A filter or paging parameter is invalid", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Paged<Municipality>>, ApiError> {
    let filter = MunicipalityFilter::parse(q.province.as_deref(), q.kind.as_deref(), q.q.as_deref());
    let page = page(q.page.as_deref(), q.per_page.as_deref());
    let (filter, page) = filter_and_page(filter, page)?;
    Ok(Json(state.reference.read().await?.municipalities(&filter, page)))
}

/// One municipality by its slug (e.g. `istanbul-kadikoy`, or `bursa` for the metropolitan municipality).
#[utoipa::path(get, path = "/api/v1/municipalities/{slug}", tag = "municipalities",
    params(("slug" = String, Path, description = "The municipality's slug")),
    responses(
        (status = 200, description = "The municipality", body = Municipality),
        (status = 404, description = "No such municipality", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    ApiPath(slug): ApiPath<String>,
) -> Result<Json<Municipality>, ApiError> {
    let found = state.reference.read().await?.municipality_by_slug(&slug).cloned();
    Ok(Json(found.ok_or_else(AppError::not_found)?))
}
