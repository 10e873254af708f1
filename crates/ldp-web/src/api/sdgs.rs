//! `/api/v1/sdgs`.

use axum::Json;
use axum::extract::State;

use ldp_core::domain::{GoalNumber, SdgGoal, SdgGoalDetail};

use super::extract::ApiPath;
use crate::error::{ApiError, AppError, ErrorBody};
use crate::state::AppState;

/// The 17 Sustainable Development Goals with their official colours.
#[utoipa::path(get, path = "/api/v1/sdgs", tag = "sdgs",
    responses((status = 200, description = "All goals", body = Vec<SdgGoal>)))]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<SdgGoal>>, ApiError> {
    Ok(Json(state.reference.read().await?.goals()))
}

/// One goal with its targets.
#[utoipa::path(get, path = "/api/v1/sdgs/{number}", tag = "sdgs",
    params(("number" = i64, Path, description = "Goal number, 1 to 17")),
    responses(
        (status = 200, description = "The goal and its targets", body = SdgGoalDetail),
        (status = 400, description = "Not a number", body = ErrorBody),
        (status = 404, description = "No such goal", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    ApiPath(number): ApiPath<String>,
) -> Result<Json<SdgGoalDetail>, ApiError> {
    let n: i64 = number
        .trim()
        .parse()
        .map_err(|_| AppError::invalid(ldp_core::domain::InputError::new("number", "not_a_number")))?;
    // A number outside 1–17 is a goal that does not exist.
    let number = GoalNumber::parse(n).map_err(|_| AppError::not_found())?;
    let goal = state.reference.read().await?.goal(number).cloned();
    Ok(Json(goal.ok_or_else(AppError::not_found)?))
}
