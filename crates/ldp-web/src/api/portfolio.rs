//! `/api/v1/projects…`: the project portfolio. Anyone reads published projects (filtered like the public list)
//! and their summaries; a token reads what its owner sees in the workspace too. Staff and admin tokens create,
//! edit and publish any project; a representative's token creates and edits projects its municipality leads.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;

use ldp_core::domain::Actor;
use ldp_core::domain::projects::{Project, ProjectId, ProjectInput};
use ldp_core::services::projects::{PortfolioQuery, PortfolioSummaries};

use super::auth::TokenAuth;
use super::extract::{ApiPath, ApiQuery, body, path_id};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// Whether a project is on the public portfolio.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
pub struct PublishInput {
    pub published: bool,
}

/// Projects passing the filters: the published ones, or with a token every one its owner sees in the
/// workspace; the latest starting first.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects",
    params(PortfolioQuery),
    responses(
        (status = 200, description = "Projects", body = Vec<Project>),
        (status = 400, description = "A bad filter", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    auth: Option<TokenAuth>,
    ApiQuery(q): ApiQuery<PortfolioQuery>,
) -> Result<Json<Vec<Project>>, ApiError> {
    let filter = state.projects.portfolio_filter(&q).await?;
    let projects = match auth {
        Some(TokenAuth(actor)) if actor.is_signed_in() => {
            let mut all = state.projects.workspace_projects(&actor).await?;
            let members = state.projects.members_of(&all).await?;
            all.retain(|p| filter.admits(&p.fields, |m| members.get(&m).map(|x| x.province.plate)));
            all
        }
        _ => state.projects.portfolio(&filter).await?.0,
    };
    Ok(Json(projects))
}

/// Counts and grants per currency of the published projects passing the filters, grouped by municipality,
/// province, programme, funder, SDG and starting year.
#[utoipa::path(get, path = "/api/v1/projects/summaries", tag = "projects",
    params(PortfolioQuery),
    responses(
        (status = 200, description = "Summaries", body = PortfolioSummaries),
        (status = 400, description = "A bad filter", body = ErrorBody),
    ))]
pub async fn summaries(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<PortfolioQuery>,
) -> Result<Json<PortfolioSummaries>, ApiError> {
    let filter = state.projects.portfolio_filter(&q).await?;
    let (projects, members) = state.projects.portfolio(&filter).await?;
    Ok(Json(state.projects.summaries(&projects, &members).await?))
}

/// Creates an unpublished project.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = ProjectInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Project),
        (status = 400, description = "Invalid fields, each named", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not create projects", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    payload: Result<Json<ProjectInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Project>), ApiError> {
    let input = body(payload)?;
    Ok((StatusCode::CREATED, Json(state.projects.create_project(&actor, &input).await?)))
}

/// One project: a published one for anyone, an unpublished one for a token whose owner sees it.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects",
    params(("id" = i64, Path, description = "Project id")),
    responses(
        (status = 200, description = "The project", body = Project),
        (status = 404, description = "No such project (or not published)", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    auth: Option<TokenAuth>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Project>, ApiError> {
    let id = ProjectId(path_id(&id)?);
    let actor = auth.map_or_else(|| Actor::visitor(None), |TokenAuth(a)| a);
    Ok(Json(state.projects.project(&actor, id).await?))
}

/// Replaces a project's fields (not its publication).
#[utoipa::path(put, path = "/api/v1/projects/{id}", tag = "projects", request_body = ProjectInput,
    params(("id" = i64, Path, description = "Project id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = Project),
        (status = 400, description = "Invalid fields, each named", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not edit this project", body = ErrorBody),
        (status = 404, description = "No such project", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<ProjectInput>, JsonRejection>,
) -> Result<Json<Project>, ApiError> {
    let id = ProjectId(path_id(&id)?);
    let input = body(payload)?;
    Ok(Json(state.projects.update_project(&actor, id, &input).await?))
}

/// Publishes a project on the public portfolio or takes it back (staff and admins).
#[utoipa::path(post, path = "/api/v1/projects/{id}/publish", tag = "projects", request_body = PublishInput,
    params(("id" = i64, Path, description = "Project id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Done", body = Project),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only staff and admins publish", body = ErrorBody),
        (status = 404, description = "No such project", body = ErrorBody),
        (status = 409, description = "Already so", body = ErrorBody),
    ))]
pub async fn publish(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<PublishInput>, JsonRejection>,
) -> Result<Json<Project>, ApiError> {
    let id = ProjectId(path_id(&id)?);
    let input = body(payload)?;
    Ok(Json(state.projects.set_project_published(&actor, id, input.published).await?))
}
