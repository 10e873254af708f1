//! `/api/v1/countries` and `/api/v1/cities` (the GeoNames gazetteer).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use ldp_core::domain::{City, CityFilter, Country, CountryCode, InputError, PageSlice, Paged};

use super::extract::{ApiPath, ApiQuery, page};
use crate::error::{ApiError, AppError, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<String>,
    /// Items per page, 1 to 100 (default 25).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

/// Countries with Turkish and English names and ISO codes, in Turkish alphabetical order.
#[utoipa::path(get, path = "/api/v1/countries", tag = "geo", params(PageQuery),
    responses(
        (status = 200, description = "One page of countries", body = Paged<Country>),
        (status = 400, description = "Bad paging parameters", body = ErrorBody),
    ))]
pub async fn countries(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PageQuery>,
) -> Result<Json<Paged<Country>>, ApiError> {
    let page = page(q.page.as_deref(), q.per_page.as_deref())?;
    Ok(Json(state.reference.read().await?.countries(page)))
}

/// One country by its ISO 3166-1 alpha-2 code.
#[utoipa::path(get, path = "/api/v1/countries/{code}", tag = "geo",
    params(("code" = String, Path, description = "ISO 3166-1 alpha-2 code, e.g. TR", pattern = "^[A-Za-z]{2}$")),
    responses(
        (status = 200, description = "The country", body = Country),
        (status = 400, description = "Not a two-letter code", body = ErrorBody),
        (status = 404, description = "No such country", body = ErrorBody),
    ))]
pub async fn country(State(state): State<AppState>, ApiPath(code): ApiPath<String>) -> Result<Json<Country>, ApiError> {
    let code = CountryCode::parse(&code).map_err(|_| InputError::new("code", "invalid_country_code"))?;
    let found = state.reference.read().await?.country(&code).cloned();
    Ok(Json(found.ok_or_else(AppError::not_found)?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CityQuery {
    /// Start of any of the city's names, alternate names included ("Münih" finds München).
    #[param(max_length = 100)]
    q: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[param(min_length = 2, max_length = 2)]
    country: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<String>,
    /// Items per page, 1 to 100 (default 25).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

/// Cities of the world gazetteer: with `q`, those one of whose names is `q` first, then those with a name
/// starting with it; most populous first. Pages are not counted: `has_next` says whether another follows.
#[utoipa::path(get, path = "/api/v1/cities", tag = "geo", params(CityQuery),
    responses(
        (status = 200, description = "One page of cities", body = PageSlice<City>),
        (status = 400, description = "A filter or paging parameter is invalid", body = ErrorBody),
    ))]
pub async fn cities(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<CityQuery>,
) -> Result<Json<PageSlice<City>>, ApiError> {
    let filter = CityFilter::parse(q.q.as_deref(), q.country.as_deref())?;
    let page = page(q.page.as_deref(), q.per_page.as_deref())?;
    Ok(Json(state.store.search_cities(&filter, page).await?))
}

/// One city by its GeoNames id.
#[utoipa::path(get, path = "/api/v1/cities/{id}", tag = "geo",
    params(("id" = i64, Path, description = "GeoNames id")),
    responses(
        (status = 200, description = "The city", body = City),
        (status = 400, description = "Not a number", body = ErrorBody),
        (status = 404, description = "No such city", body = ErrorBody),
    ))]
pub async fn city(State(state): State<AppState>, ApiPath(id): ApiPath<String>) -> Result<Json<City>, ApiError> {
    let id: i64 = id.trim().parse().map_err(|_| AppError::invalid(InputError::new("id", "not_a_number")))?;
    let found = state.store.city(id).await?;
    Ok(Json(found.ok_or_else(AppError::not_found)?))
}
