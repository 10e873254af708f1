//! `/api/v1/publications`: the union's reports, guides, bulletins, presentations and studies. Anyone reads
//! the published ones; a staff or admin token creates, edits, publishes and unpublishes them. Files are
//! uploaded in the workspace and listed here with their download addresses.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use ldp_core::domain::event::EventTopic;
use ldp_core::domain::{
    Actor, InputError, Paged, Publication, PublicationFilter, PublicationId, PublicationInput, PublicationKind,
    PublicationStatus,
};
use ldp_core::services::publications::PublicationDetail;

use super::auth::TokenAuth;
use super::extract::{ApiPath, ApiQuery, body, filter_and_page, page, path_id};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The public list's filters.
#[derive(Debug, Default, Deserialize, serde::Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PublicationQuery {
    #[param(value_type = Option<PublicationKind>)]
    pub kind: Option<String>,
    #[param(value_type = Option<EventTopic>)]
    pub topic: Option<String>,
    /// SDG number.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 17)]
    pub sdg: Option<String>,
    /// Network slug.
    pub network: Option<String>,
    /// Municipality slug.
    pub municipality: Option<String>,
    /// Year of publication.
    #[param(value_type = Option<i64>, minimum = 1900)]
    pub year: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    pub page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub per_page: Option<String>,
}

impl PublicationQuery {
    /// The filter these values ask for, resolving slugs through the reference data; every bad value named.
    pub async fn filter(&self, state: &AppState) -> Result<PublicationFilter, InputError> {
        let mut errors = InputError::default();
        let clean = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let mut filter = PublicationFilter::default();
        if let Some(k) = clean(&self.kind) {
            filter.kind = PublicationKind::parse(&k);
            if filter.kind.is_none() {
                errors.add("kind", "unknown_publication_kind");
            }
        }
        if let Some(t) = clean(&self.topic) {
            filter.topic = EventTopic::parse(&t);
            if filter.topic.is_none() {
                errors.add("topic", "unknown_topic");
            }
        }
        if let Some(g) = clean(&self.sdg) {
            match g.parse::<u8>() {
                Ok(n) if (1..=17).contains(&n) => filter.sdg = Some(n),
                _ => errors.add("sdg", "unknown_goal"),
            }
        }
        if let Some(y) = clean(&self.year) {
            let this_year = state.clock.today().year();
            match y.parse::<i32>() {
                Ok(n) if (1900..=this_year).contains(&n) => filter.year = Some(n),
                _ => errors.add("year", "invalid_year"),
            }
        }
        if clean(&self.municipality).is_some() || clean(&self.network).is_some() {
            match state.reference.read().await {
                Ok(reference) => {
                    if let Some(slug) = clean(&self.municipality) {
                        match reference.municipality_by_slug(&slug) {
                            Some(m) => filter.municipality = Some(m.id),
                            None => errors.add("municipality", "unknown_municipality"),
                        }
                    }
                    if let Some(slug) = clean(&self.network) {
                        match reference.network_by_slug(&slug) {
                            Some(n) => filter.network = Some(n.id),
                            None => errors.add("network", "unknown_network"),
                        }
                    }
                }
                Err(_) => errors.add("municipality", "unavailable"),
            }
        }
        if errors.is_empty() { Ok(filter) } else { Err(errors) }
    }
}

/// Published publications, newest first, filtered.
#[utoipa::path(get, path = "/api/v1/publications", tag = "publications", params(PublicationQuery),
    responses(
        (status = 200, description = "One page of publications", body = Paged<Publication>),
        (status = 400, description = "A filter or paging parameter is invalid", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PublicationQuery>,
) -> Result<Json<Paged<Publication>>, ApiError> {
    let filter = q.filter(&state).await;
    let paging = page(q.page.as_deref(), q.per_page.as_deref());
    let (filter, paging) = filter_and_page(filter, paging)?;
    Ok(Json(state.publications.list(&Actor::visitor(None), filter, paging).await?))
}

/// One publication with its files: a published one for anyone; a draft for staff, admin and auditor tokens.
#[utoipa::path(get, path = "/api/v1/publications/{id}", tag = "publications",
    params(("id" = i64, Path, description = "Publication id")),
    responses(
        (status = 200, description = "The publication and its files", body = PublicationDetail),
        (status = 400, description = "Not a number", body = ErrorBody),
        (status = 404, description = "No such publication, or a draft this client may not see", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    auth: Option<TokenAuth>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PublicationDetail>, ApiError> {
    let actor = auth.map_or_else(|| Actor::visitor(None), |TokenAuth(a)| a);
    Ok(Json(state.publications.get(&actor, PublicationId(path_id(&id)?)).await?))
}

/// Creates a publication as a draft (a staff or admin token).
#[utoipa::path(post, path = "/api/v1/publications", tag = "publications", request_body = PublicationInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created as a draft", body = Publication),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not write publications", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    payload: Result<Json<PublicationInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Publication>), ApiError> {
    let input = body(payload)?;
    Ok((StatusCode::CREATED, Json(state.publications.create(&actor, &input).await?)))
}

/// Saves a publication's fields (a staff or admin token).
#[utoipa::path(put, path = "/api/v1/publications/{id}", tag = "publications", request_body = PublicationInput,
    params(("id" = i64, Path, description = "Publication id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = Publication),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed to change it", body = ErrorBody),
        (status = 404, description = "No such publication", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<PublicationInput>, JsonRejection>,
) -> Result<Json<Publication>, ApiError> {
    let id = PublicationId(path_id(&id)?);
    let input = body(payload)?;
    Ok(Json(state.publications.update(&actor, id, &input).await?))
}

/// The state to move a publication to.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PublicationStatusInput {
    /// `draft` or `published`.
    pub status: Option<String>,
}

/// Publishes a publication or takes it back to a draft (a staff or admin token).
#[utoipa::path(post, path = "/api/v1/publications/{id}/status", tag = "publications",
    request_body = PublicationStatusInput,
    params(("id" = i64, Path, description = "Publication id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Moved", body = Publication),
        (status = 400, description = "Unknown state", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the union's staff publish", body = ErrorBody),
        (status = 404, description = "No such publication", body = ErrorBody),
        (status = 409, description = "It is in that state already", body = ErrorBody),
    ))]
pub async fn set_status(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<PublicationStatusInput>, JsonRejection>,
) -> Result<Json<Publication>, ApiError> {
    let id = PublicationId(path_id(&id)?);
    let input = body(payload)?;
    let status = input
        .status
        .as_deref()
        .and_then(PublicationStatus::parse)
        .ok_or_else(|| InputError::new("status", "unknown_publication_status"))
        .map_err(|e| ApiError(e.into()))?;
    Ok(Json(state.publications.set_status(&actor, id, status).await?))
}
