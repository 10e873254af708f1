//! `/api/v1/partnerships`: the registry of relations, their trail, the per-country summary and compliance.
//! Writes (trail steps, activities, documents) come with accounts; until then they exist only as services
//! behind the CLI, so no write endpoint is ever open to anonymous clients.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use ldp_core::domain::partnership::{
    ComplianceEntry, CountrySummary, Partnership, PartnershipDetail, PartnershipFilter, PartnershipId, PartnershipQuery,
};
use ldp_core::domain::{InputError, Paged};

use super::auth::TokenAuth;
use super::extract::{ApiPath, ApiQuery, filter_and_page, page};
use crate::error::{ApiError, AppError, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Member municipality slug, e.g. `bursa`.
    #[param(max_length = 80)]
    municipality: Option<String>,
    /// Member's province plate code.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 81)]
    province: Option<String>,
    /// Partner country, ISO 3166-1 alpha-2.
    #[param(pattern = "^[A-Za-z]{2}$")]
    country: Option<String>,
    /// `sister_city`, `friendship` or `cooperation`.
    #[param(value_type = Option<ldp_core::domain::partnership::PartnershipKind>)]
    kind: Option<String>,
    /// Stage on the legal trail.
    #[param(value_type = Option<ldp_core::domain::partnership::Stage>)]
    stage: Option<String>,
    /// SDG number.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 17)]
    sdg: Option<String>,
    /// Only dormant (`true`) or only lively (`false`) relations.
    #[param(value_type = Option<bool>)]
    dormant: Option<String>,
    /// Only relations whose legal trail is incomplete (`true`) or complete (`false`).
    #[param(value_type = Option<bool>)]
    trail: Option<String>,
    /// Only ended (terminated) relations (`true`), or only those not ended (`false`).
    #[param(value_type = Option<bool>)]
    ended: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<String>,
    /// Items per page, 1 to 100 (default 25).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> Result<PartnershipFilter, InputError> {
        PartnershipFilter::parse(&PartnershipQuery {
            municipality: self.municipality.clone(),
            province: self.province.clone(),
            country: self.country.clone(),
            kind: self.kind.clone(),
            stage: self.stage.clone(),
            sdg: self.sdg.clone(),
            dormant: self.dormant.clone(),
            trail: self.trail.clone(),
            ended: self.ended.clone(),
        })
    }
}

/// Sister-city and cooperation relations, filterable like the public list.
#[utoipa::path(get, path = "/api/v1/partnerships", tag = "partnerships", params(ListQuery),
    responses(
        (status = 200, description = "One page of relations", body = Paged<Partnership>),
        (status = 400, description = "A filter or paging parameter is invalid", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Paged<Partnership>>, ApiError> {
    let filter = q.filter();
    let page = page(q.page.as_deref(), q.per_page.as_deref());
    let (filter, page) = filter_and_page(filter, page)?;
    Ok(Json(state.partnerships.list(&filter, page).await?))
}

/// One relation with its legal trail, activities, documents and the steps an inspector would find missing.
/// Who recorded each step is named only to a token whose owner may see the member's records.
#[utoipa::path(get, path = "/api/v1/partnerships/{id}", tag = "partnerships",
    params(("id" = i64, Path, description = "Partnership id")),
    responses(
        (status = 200, description = "The relation", body = PartnershipDetail),
        (status = 400, description = "Not a number", body = ErrorBody),
        (status = 404, description = "No such relation, or a proposal not public yet", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    auth: Option<TokenAuth>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<PartnershipDetail>, ApiError> {
    let id: i64 = id.trim().parse().map_err(|_| AppError::invalid(InputError::new("id", "not_a_number")))?;
    let mut detail = state.partnerships.get(PartnershipId(id)).await?;
    let member = ldp_core::domain::MunicipalityId(detail.partnership.member.id);
    let reader = auth.is_some_and(|TokenAuth(a)| a.reads_municipality(member));
    if !reader && !detail.partnership.is_public() {
        // A proposal the council has not decided on is the municipality's until it chooses to publish it.
        return Err(AppError::not_found().into());
    }
    if !reader {
        detail.trail.iter_mut().for_each(|e| e.actor.clear());
        detail.activities.iter_mut().for_each(|a| a.actor.clear());
        detail.documents.iter_mut().for_each(|d| d.actor.clear());
    }
    Ok(Json(detail))
}

/// Relations per partner country (terminated ones excluded).
#[utoipa::path(get, path = "/api/v1/partnerships/countries", tag = "partnerships",
    responses((status = 200, description = "Countries, most relations first", body = Vec<CountrySummary>)))]
pub async fn countries(State(state): State<AppState>) -> Result<Json<Vec<CountrySummary>>, ApiError> {
    Ok(Json(state.partnerships.countries().await?.to_vec()))
}

/// Paging of the compliance to-do list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    /// Member municipality slug, e.g. `bursa`.
    #[param(max_length = 80)]
    municipality: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<String>,
    /// Items per page, 1 to 100 (default 25).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

/// Relations whose legal trail has gaps and that have not ended, in the registry's order (member, then
/// partner), each with its missing steps in order; one page at a time. A relation ended with gaps is no
/// longer listed: its record keeps them (`missing` and `trail_incomplete` on the relation itself).
#[utoipa::path(get, path = "/api/v1/compliance", tag = "partnerships", params(ComplianceQuery),
    responses(
        (status = 200, description = "One page of relations with gaps", body = Paged<ComplianceEntry>),
        (status = 400, description = "A filter or paging parameter is invalid", body = ErrorBody),
    ))]
pub async fn compliance(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ComplianceQuery>,
) -> Result<Json<Paged<ComplianceEntry>>, ApiError> {
    let filter = PartnershipFilter::parse(&PartnershipQuery { municipality: q.municipality, ..Default::default() });
    let page = page(q.page.as_deref(), q.per_page.as_deref());
    let (filter, page) = filter_and_page(filter, page)?;
    Ok(Json(state.partnerships.compliance(&filter, page).await?))
}
