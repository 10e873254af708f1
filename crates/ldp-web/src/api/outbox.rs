//! The outbox over the API: the job queue's mails for admins, staff and auditors.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::IntoParams;

use ldp_core::domain::{InputError, Paged};
use ldp_core::jobs::{Job, JobFilter, JobState};

use super::auth::TokenAuth;
use super::extract::{ApiQuery, filter_and_page, page};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `pending`, `running`, `done` or `failed`.
    state: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    per_page: Option<String>,
}

fn state_filter(raw: Option<&str>) -> Result<Option<JobState>, InputError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => JobState::parse(s).map(Some).ok_or_else(|| InputError::new("state", "invalid")),
    }
}

/// Queued, sent and failed mails (invitations, password resets), newest first. The links they carry are
/// never stored or shown.
#[utoipa::path(get, path = "/api/v1/outbox", tag = "workspace", params(OutboxQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Jobs", body = Paged<Job>),
        (status = 400, description = "Invalid filter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not read this", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> Result<Json<Paged<Job>>, ApiError> {
    let (job_state, page) =
        filter_and_page(state_filter(q.state.as_deref()), page(q.page.as_deref(), q.per_page.as_deref()))?;
    Ok(Json(state.jobs.list(&actor, &JobFilter { state: job_state, page }).await?))
}
