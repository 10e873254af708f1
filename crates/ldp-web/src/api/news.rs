//! `/api/v1/news`: the union's news. Anyone reads the posts public now (a scheduled post is absent, and its
//! address answers 404, until its time); a staff or admin token creates and edits posts; staff and auditor
//! tokens also read drafts and scheduled posts by id. Images are uploaded in the workspace.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use ldp_core::domain::{Actor, NewsId, NewsPost, Paged};
use ldp_core::services::news::NewsInput;

use super::auth::TokenAuth;
use super::extract::{ApiPath, ApiQuery, body, page, path_id};
use crate::cache::fresh_until;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// A post with the address of its image.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewsPostView {
    #[serde(flatten)]
    pub post: NewsPost,
    /// The image's path on this site (`/files/news/{id}/{file}`), when the post has one.
    pub image_url: Option<String>,
}

impl From<NewsPost> for NewsPostView {
    fn from(post: NewsPost) -> Self {
        NewsPostView { image_url: crate::pages::news::image_href(&post), post }
    }
}

#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NewsQuery {
    #[param(value_type = Option<i64>, minimum = 1)]
    pub page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub per_page: Option<String>,
}

/// The posts public now, newest first.
#[utoipa::path(get, path = "/api/v1/news", tag = "news", params(NewsQuery),
    responses(
        (status = 200, description = "One page of posts", body = Paged<NewsPostView>),
        (status = 400, description = "A paging parameter is invalid", body = ErrorBody),
    ))]
pub async fn list(State(state): State<AppState>, ApiQuery(q): ApiQuery<NewsQuery>) -> Result<Response, ApiError> {
    let paging = page(q.page.as_deref(), q.per_page.as_deref())?;
    let next = state.news.next_publication().await?;
    let posts = state.news.public(paging).await?;
    let view = Paged::new(posts.items.into_iter().map(NewsPostView::from).collect(), paging, posts.total);
    let mut response = Json(view).into_response();
    // A kept answer leaves the page cache when the next scheduled post comes due.
    fresh_until(&mut response, next);
    Ok(response)
}

/// One post: a public one for anyone; a draft or scheduled one for staff and auditor tokens.
#[utoipa::path(get, path = "/api/v1/news/{id}", tag = "news",
    params(("id" = i64, Path, description = "Post id")),
    responses(
        (status = 200, description = "The post", body = NewsPostView),
        (status = 400, description = "Not a number", body = ErrorBody),
        (status = 404, description = "No such post, or one not public yet", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    auth: Option<TokenAuth>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, ApiError> {
    let actor = auth.map_or_else(|| Actor::visitor(None), |TokenAuth(a)| a);
    let id = NewsId(path_id(&id)?);
    let next = state.news.next_publication().await?;
    let mut response = match state.news.get(&actor, id).await {
        Ok(post) => Json(NewsPostView::from(post)).into_response(),
        Err(e) => ApiError(e.into()).into_response(),
    };
    fresh_until(&mut response, next);
    Ok(response)
}

/// Creates a post (staff and admin tokens): a draft, or published from its `publish_at` on.
#[utoipa::path(post, path = "/api/v1/news", tag = "news", request_body = NewsInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = NewsPostView),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not write news", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    payload: Result<Json<NewsInput>, JsonRejection>,
) -> Result<(StatusCode, Json<NewsPostView>), ApiError> {
    let input = body(payload)?;
    Ok((StatusCode::CREATED, Json(state.news.create(&actor, &input).await?.into())))
}

/// Saves a post's fields, status and publish time (staff and admin tokens). Leaving out both alt texts keeps
/// the image's.
#[utoipa::path(put, path = "/api/v1/news/{id}", tag = "news", request_body = NewsInput,
    params(("id" = i64, Path, description = "Post id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = NewsPostView),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not write news", body = ErrorBody),
        (status = 404, description = "No such post", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<NewsInput>, JsonRejection>,
) -> Result<Json<NewsPostView>, ApiError> {
    let id = NewsId(path_id(&id)?);
    let input = body(payload)?;
    Ok(Json(state.news.update(&actor, id, &input).await?.into()))
}
