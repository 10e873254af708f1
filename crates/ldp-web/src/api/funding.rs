//! `/api/v1/funding/…`: programmes (with eligibility, source and as-of date) and calls. Anyone reads published
//! calls and asks whether a member municipality may apply; a staff token enters, edits and publishes calls; a
//! representative's token suggests one, which waits for staff.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use ldp_core::domain::funding::{Call, CallFilter, CallId, CallStatus, EligibilityCheck, Programme};
use ldp_core::domain::{Actor, InputError, Paged};
use ldp_core::services::funding::{CallInput, CallView};

use super::auth::TokenAuth;
use super::extract::{ApiPath, ApiQuery, body, filter_and_page, page, path_id};
use crate::error::{ApiError, AppError, ErrorBody};
use crate::state::AppState;

/// A call with its status on the day it is read.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallRecord {
    pub call: Call,
    pub status: CallStatus,
}

/// A call with its programme, and whether the asked municipality may apply.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallDetail {
    pub call: Call,
    pub status: CallStatus,
    pub programme: Option<Programme>,
    /// Present when `municipality` was given.
    pub eligibility: Option<EligibilityCheck>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `forthcoming`, `open` or `closed`.
    status: Option<String>,
    /// `grant`, `competition`, `tender` or `partner_search`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    kind: Option<String>,
    /// A programme's slug.
    programme: Option<String>,
    /// A funder's slug.
    funder: Option<String>,
    /// An SDG number (1–17).
    sdg: Option<String>,
    /// Words of the title or identifier (Turkish letters fold: `istanbul` finds `İSTANBUL`).
    q: Option<String>,
    /// Page number, from 1.
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<String>,
    /// Items per page, 1 to 100 (default 25).
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

/// Published calls, the nearest deadline first.
#[utoipa::path(get, path = "/api/v1/funding/calls", tag = "funding", params(ListQuery),
    responses(
        (status = 200, description = "One page of calls", body = Paged<CallRecord>),
        (status = 400, description = "Bad filter or paging parameters", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Paged<CallRecord>>, ApiError> {
    let filter = CallFilter::parse(
        q.status.as_deref(),
        q.kind.as_deref(),
        q.programme.as_deref(),
        q.funder.as_deref(),
        q.sdg.as_deref(),
        q.q.as_deref(),
    );
    let (filter, page) = filter_and_page(filter, page(q.page.as_deref(), q.per_page.as_deref()))?;
    let calls = state.funding.list(&Actor::visitor(None), &filter, page).await?;
    let now = state.funding.now();
    Ok(Json(Paged {
        items: calls.items.into_iter().map(|call| CallRecord { status: call.status(now), call }).collect(),
        page: calls.page,
        per_page: calls.per_page,
        total: calls.total,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallQuery {
    /// A member municipality's slug (e.g. `edirne`): adds whether it may apply, and why.
    municipality: Option<String>,
}

async fn detail(state: &AppState, view: CallView, municipality: Option<&str>) -> Result<CallDetail, ApiError> {
    let eligibility = match municipality.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(slug) => {
            let reference = state.reference.read().await?;
            let m = reference
                .municipality_by_slug(slug)
                .cloned()
                .ok_or_else(|| AppError::invalid(InputError::new("municipality", "unknown_municipality")))?;
            Some(state.funding.eligibility(&view, &m))
        }
    };
    let status = view.call.status(state.funding.now());
    Ok(CallDetail { call: view.call, status, programme: view.programme, eligibility })
}

/// One published call with its programme; with `municipality`, whether that member may apply.
#[utoipa::path(get, path = "/api/v1/funding/calls/{id}", tag = "funding",
    params(("id" = i64, Path, description = "Call id"), CallQuery),
    responses(
        (status = 200, description = "The call", body = CallDetail),
        (status = 400, description = "Unknown municipality", body = ErrorBody),
        (status = 404, description = "No such published call", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(q): ApiQuery<CallQuery>,
) -> Result<Json<CallDetail>, ApiError> {
    let id = CallId(path_id(&id)?);
    let view = state.funding.get(&Actor::visitor(None), id).await?;
    Ok(Json(detail(&state, view, q.municipality.as_deref()).await?))
}

/// Enters a call (a staff token: public at once) or suggests one (a representative's token: it waits).
#[utoipa::path(post, path = "/api/v1/funding/calls", tag = "funding", request_body = CallInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Entered or suggested", body = CallDetail),
        (status = 400, description = "Invalid fields (or the identifier is taken)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not enter calls", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    payload: Result<Json<CallInput>, JsonRejection>,
) -> Result<(StatusCode, Json<CallDetail>), ApiError> {
    let input = body(payload)?;
    let view = state.funding.create(&actor, &input).await?;
    Ok((StatusCode::CREATED, Json(detail(&state, view, None).await?)))
}

/// Changes a call (staff).
#[utoipa::path(put, path = "/api/v1/funding/calls/{id}", tag = "funding", request_body = CallInput,
    params(("id" = i64, Path, description = "Call id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = CallDetail),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the union's staff edit calls", body = ErrorBody),
        (status = 404, description = "No such call (or not visible to the token's owner)", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<CallInput>, JsonRejection>,
) -> Result<Json<CallDetail>, ApiError> {
    let id = CallId(path_id(&id)?);
    let input = body(payload)?;
    let view = state.funding.update(&actor, id, &input).await?;
    Ok(Json(detail(&state, view, None).await?))
}

/// Publishes a representative's suggestion (staff).
#[utoipa::path(post, path = "/api/v1/funding/calls/{id}/publication", tag = "funding",
    params(("id" = i64, Path, description = "Call id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Published", body = CallDetail),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the union's staff publish", body = ErrorBody),
        (status = 404, description = "No such call", body = ErrorBody),
        (status = 409, description = "It was already public", body = ErrorBody),
    ))]
pub async fn publish(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CallDetail>, ApiError> {
    let id = CallId(path_id(&id)?);
    let view = state.funding.publish(&actor, id).await?;
    Ok(Json(detail(&state, view, None).await?))
}

/// Every programme with the eligibility its calls inherit, its source and the day that was read.
#[utoipa::path(get, path = "/api/v1/funding/programmes", tag = "funding",
    responses((status = 200, description = "Programmes", body = Vec<Programme>)))]
pub async fn programmes(State(state): State<AppState>) -> Result<Json<Vec<Programme>>, ApiError> {
    Ok(Json(state.funding.programmes().await?))
}
