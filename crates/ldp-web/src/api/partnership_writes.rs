//! Writing partnerships through the API, with a token: propose, record a trail step, log an activity, set the
//! goals, publish a proposal early, correct a proposal's date.
//! The same services and rules as the command line; refusals carry the rule's code and the missing step.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use ldp_core::domain::InputError;
use ldp_core::domain::partnership::{PartnershipId, RawEvidence, Stage};
use ldp_core::services::partnerships::{ActivityInput, NewPartnershipInput};

use super::auth::TokenAuth;
use super::extract::{ApiPath, body, path_id};
use crate::error::{ApiError, AppError, ErrorBody};
use crate::state::AppState;

fn id(raw: &str) -> Result<PartnershipId, ApiError> {
    path_id(raw).map(PartnershipId)
}

/// What a write created.
#[derive(Debug, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// Proposes a partnership.
#[utoipa::path(post, path = "/api/v1/partnerships", tag = "partnerships", request_body = NewPartnershipInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Proposed", body = Created),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not change this municipality's relations", body = ErrorBody),
        (status = 409, description = "The member already has a relation with this partner", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    payload: Result<Json<NewPartnershipInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let input = body(payload)?;
    let id = state.partnerships.create(&input, &actor).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

/// One step of the legal trail with its evidence.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StepBody {
    /// The step to record: `council_approved`, `permitted`, `mfa_informed`, `signed`, `active`, `terminated`.
    pub stage: Option<String>,
    #[serde(flatten)]
    pub evidence: RawEvidence,
}

/// Where the partnership stands after the step.
#[derive(Debug, Serialize, ToSchema)]
pub struct StepResult {
    pub stage: Stage,
}

/// Records a step of the legal trail. Out of order or without its evidence, it is refused: 400 names the
/// missing fields, 409 the rule (`out_of_order` with the step that must come first, `date_before_previous_step`,
/// `already_terminated`, …).
#[utoipa::path(post, path = "/api/v1/partnerships/{id}/steps", tag = "partnerships", request_body = StepBody,
    params(("id" = i64, Path, description = "Partnership id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Recorded", body = StepResult),
        (status = 400, description = "Missing or malformed evidence", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not change this municipality's relations", body = ErrorBody),
        (status = 404, description = "No such partnership", body = ErrorBody),
        (status = 409, description = "Refused by the legal trail", body = ErrorBody),
    ))]
pub async fn record_step(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(raw_id): ApiPath<String>,
    payload: Result<Json<StepBody>, JsonRejection>,
) -> Result<Json<StepResult>, ApiError> {
    let id = id(&raw_id)?;
    let b = body(payload)?;
    let stage = match b.stage.as_deref().map(str::trim) {
        None | Some("") => return Err(ApiError(AppError::invalid(InputError::new("stage", "required")))),
        Some(s) => s.parse::<Stage>().map_err(|e| ApiError(AppError::invalid(e)))?,
    };
    let stage = state.partnerships.record(id, stage, &b.evidence, &actor).await?;
    Ok(Json(StepResult { stage }))
}

/// Logs a joint activity (it keeps the relation from going dormant).
#[utoipa::path(post, path = "/api/v1/partnerships/{id}/activities", tag = "partnerships", request_body = ActivityInput,
    params(("id" = i64, Path, description = "Partnership id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Logged", body = Created),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not change this municipality's relations", body = ErrorBody),
        (status = 404, description = "No such partnership", body = ErrorBody),
        (status = 409, description = "The relation has ended", body = ErrorBody),
    ))]
pub async fn add_activity(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(raw_id): ApiPath<String>,
    payload: Result<Json<ActivityInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = id(&raw_id)?;
    let input = body(payload)?;
    let activity = state.partnerships.add_activity(id, &input, &actor).await?;
    Ok((StatusCode::CREATED, Json(Created { id: activity })))
}

/// A relation's goals.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SdgsBody {
    /// Comma-separated SDG numbers (`"3,11"`); empty or absent clears them.
    pub sdgs: Option<String>,
}

/// Replaces the goals of a relation.
#[utoipa::path(put, path = "/api/v1/partnerships/{id}/sdgs", tag = "partnerships", request_body = SdgsBody,
    params(("id" = i64, Path, description = "Partnership id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Saved"),
        (status = 400, description = "Not a goal number", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not change this municipality's relations", body = ErrorBody),
        (status = 404, description = "No such partnership", body = ErrorBody),
    ))]
pub async fn set_sdgs(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(raw_id): ApiPath<String>,
    payload: Result<Json<SdgsBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let id = id(&raw_id)?;
    let b = body(payload)?;
    state.partnerships.set_sdgs(id, b.sdgs.as_deref(), &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whether a proposal is public before its council decision.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PublicationBody {
    /// `true` publishes the proposal now; `false` keeps it in the workspace until the council decides.
    pub published: Option<bool>,
}

/// Publishes a proposal before its council decision is recorded, or takes it back into the workspace. Relations
/// past the proposal are public whatever this says.
#[utoipa::path(put, path = "/api/v1/partnerships/{id}/publication", tag = "partnerships", request_body = PublicationBody,
    params(("id" = i64, Path, description = "Partnership id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Saved"),
        (status = 400, description = "`published` missing", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not change this municipality's relations", body = ErrorBody),
        (status = 404, description = "No such partnership", body = ErrorBody),
    ))]
pub async fn set_publication(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(raw_id): ApiPath<String>,
    payload: Result<Json<PublicationBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let id = id(&raw_id)?;
    let Some(published) = body(payload)?.published else {
        return Err(ApiError(AppError::invalid(InputError::new("published", "required"))));
    };
    state.partnerships.set_published(id, published, &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The corrected date of a proposal.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ProposalDateBody {
    /// `YYYY-MM-DD`, the day the proposal was made; not in the future.
    pub proposed_on: Option<String>,
}

/// Corrects the date a proposal was made. Allowed until the next step (the council decision) is recorded; a
/// council decision dated before a wrongly recorded proposal date is recorded after this correction.
#[utoipa::path(put, path = "/api/v1/partnerships/{id}/proposal-date", tag = "partnerships", request_body = ProposalDateBody,
    params(("id" = i64, Path, description = "Partnership id")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Saved"),
        (status = 400, description = "`proposed_on` missing, malformed or in the future", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not change this municipality's relations", body = ErrorBody),
        (status = 404, description = "No such partnership", body = ErrorBody),
        (status = 409, description = "A later step is recorded (`proposal_date_fixed`)", body = ErrorBody),
    ))]
pub async fn set_proposal_date(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(raw_id): ApiPath<String>,
    payload: Result<Json<ProposalDateBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let id = id(&raw_id)?;
    let b = body(payload)?;
    state.partnerships.set_proposal_date(id, b.proposed_on.as_deref(), &actor).await?;
    Ok(StatusCode::NO_CONTENT)
}
