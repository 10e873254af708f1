//! The training record (issue 11) for bearer tokens: the token owner's own record, and the hours per topic ×
//! province × year of the union or of one municipality with each person's record. The roles are those of
//! the workspace pages (`services/training_record.rs`).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use ldp_core::services::training_record::{RecordWithCertificates, TrainingReport};

use super::auth::TokenAuth;
use super::extract::ApiQuery;
use crate::error::{ApiError, AppError, ErrorBody};
use crate::pages::workspace::training_record::{RecordQuery, filter_of};
use crate::state::AppState;

/// Filters of the training record.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportQuery {
    /// A member municipality's slug or id (required for a representative: one of their own).
    municipality: Option<String>,
    /// A year in Istanbul time (2000–2100).
    year: Option<String>,
    /// One of the eight topics (`diplomacy_protocol`, `international_projects`, …).
    topic: Option<String>,
    /// A province's plate code (1–81).
    province: Option<String>,
}

/// Filters of one's own record.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MineQuery {
    /// A year in Istanbul time (2000–2100).
    year: Option<String>,
    /// One of the eight topics.
    topic: Option<String>,
}

async fn filter(
    state: &AppState,
    query: RecordQuery,
) -> Result<ldp_core::domain::training_record::RecordFilter, ApiError> {
    match filter_of(state, &query).await? {
        Ok((filter, _)) => Ok(filter),
        Err(errors) => Err(AppError::invalid(errors).into()),
    }
}

/// The token owner's training record: trainings and workshops attended (found by the account's address),
/// minutes per topic and in all, and the certificates issued to that address.
#[utoipa::path(get, path = "/api/v1/training-record/me", tag = "events", params(MineQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The record; minutes are whole minutes, `hours` on pages round to a quarter", body = RecordWithCertificates),
        (status = 400, description = "Bad year or topic", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    ))]
pub async fn me(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiQuery(q): ApiQuery<MineQuery>,
) -> Result<Json<RecordWithCertificates>, ApiError> {
    let filter = filter(&state, RecordQuery { year: q.year, topic: q.topic, ..RecordQuery::default() }).await?;
    Ok(Json(state.training_records.mine(&actor, &filter).await?))
}

/// Hours per topic × province × year with each person's record: the union's or one municipality's for
/// staff, admins and auditors; one of their own municipalities' for a representative (403 for another).
#[utoipa::path(get, path = "/api/v1/training-record", tag = "events", params(ReportQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The table and the people", body = TrainingReport),
        (status = 400, description = "Bad filter, or a representative named no municipality", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed (another municipality, or no role that reads records)", body = ErrorBody),
    ))]
pub async fn report(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> Result<Json<TrainingReport>, ApiError> {
    let query =
        RecordQuery { year: q.year, topic: q.topic, municipality: q.municipality, province: q.province, email: None };
    let filter = filter(&state, query).await?;
    Ok(Json(state.training_records.report(&actor, &filter).await?))
}
