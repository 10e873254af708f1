//! The 17 goals and one page per goal with its targets, and the relations and activities tagged with it.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use ldp_core::domain::partnership::{GoalActivity, Partnership, PartnershipFilter};
use ldp_core::domain::{GoalNumber, Page, Paged, SdgGoal, SdgGoalDetail};

use super::{PageCtx, PageError, render};
use crate::error::AppError;
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "sdgs.html")]
struct GoalsPage {
    ctx: PageCtx,
    title: String,
    goals: Vec<SdgGoal>,
}

pub async fn list(ctx: PageCtx, State(state): State<AppState>) -> Result<Response, PageError> {
    let goals = state.reference.read().await.map_err(ctx.fail())?.goals();
    let page = GoalsPage { title: ctx.t("sdgs-title"), goals, ctx };
    render(&page.ctx, &page, StatusCode::OK)
}

/// A goal's page lists this many relations (with a link to all of them) and activities.
const GOAL_LIST: u32 = 50;

#[derive(askama::Template)]
#[template(path = "sdg.html")]
struct GoalPage {
    ctx: PageCtx,
    title: String,
    detail: SdgGoalDetail,
    /// The first public relations tagged with the goal, and how many there are.
    relations: Paged<Partnership>,
    activities: Vec<GoalActivity>,
    previous: Option<u8>,
    next: Option<u8>,
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    Path((_, number)): Path<(String, String)>,
) -> Result<Response, PageError> {
    // Anything that is not a goal number is simply not a page here.
    let number = number
        .parse::<i64>()
        .ok()
        .and_then(|n| GoalNumber::parse(n).ok())
        .ok_or_else(AppError::not_found)
        .map_err(ctx.fail())?;
    let detail = state.reference.read().await.map_err(ctx.fail())?.goal(number).cloned();
    let detail = detail.ok_or_else(AppError::not_found).map_err(ctx.fail())?;
    let filter = PartnershipFilter { sdg: Some(number), ..PartnershipFilter::default() };
    let mut relations = state.partnerships.list(&filter, Page::first(GOAL_LIST)).await.map_err(ctx.fail())?;
    relations.items.iter_mut().for_each(|p| p.localize(ctx.lang));
    let activities = state.partnerships.activities_with_goal(number, GOAL_LIST).await.map_err(ctx.fail())?;
    let n = number.get();
    let page = GoalPage {
        relations,
        activities,
        title: format!("{} {}: {}", ctx.t("sdg-goal"), n, detail.goal.short_name.get(ctx.lang)),
        previous: (n > 1).then(|| n - 1),
        next: (n < 17).then(|| n + 1),
        detail,
        ctx,
    };
    render(&page.ctx, &page, StatusCode::OK)
}
