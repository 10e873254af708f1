//! The editable pages over the API: the Local Diplomacy page, the union's about text and each network's
//! summary, in Turkish and English. Anyone reads what is published; a staff or admin token saves a revision
//! (a draft, or published at once), publishes a draft and restores an older revision; staff, admins and
//! auditors list the revisions. The same service as the workspace's editor, so the rules and the audit
//! entries cannot differ.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use ldp_core::domain::content::{ContentPage, Revision, RevisionId};
use ldp_core::domain::{InputError, Lang};
use ldp_core::services::content::ContentInput;

use super::auth::TokenAuth;
use super::extract::{ApiPath, body, path_id};
use super::partnership_writes::Created;
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// One revision of a page's text.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionView {
    pub id: i64,
    /// `local-diplomacy`, `about` or `network:<slug>`.
    pub page: String,
    pub lang: String,
    pub title: String,
    /// Markdown, as written.
    pub body: String,
    pub author: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    pub restored_from: Option<i64>,
}

impl From<Revision> for RevisionView {
    fn from(r: Revision) -> Self {
        RevisionView {
            id: r.id.0,
            page: r.page.key(),
            lang: r.lang.code().to_owned(),
            title: r.title,
            body: r.body,
            author: r.author,
            created_at: r.created_at,
            restored_from: r.restored_from.map(|r| r.0),
        }
    }
}

/// A page's published text in one language, as the public page shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedPage {
    pub revision: RevisionView,
    /// The body rendered and sanitised.
    pub html: String,
    /// Set when `lang` has no published text and this is the other language's.
    pub fallback_from: Option<String>,
}

/// A new revision: the editor's fields, and whether it is published at once.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SaveInput {
    pub title: Option<String>,
    /// Markdown; raw HTML is allowed but sanitised when shown.
    pub body: Option<String>,
    /// `true` publishes the revision at once; otherwise it is kept as a draft.
    #[serde(default)]
    pub publish: bool,
}

async fn page_and_lang(state: &AppState, key: &str, lang: &str) -> Result<(ContentPage, Lang), ApiError> {
    let lang = Lang::parse(lang).ok_or_else(|| ApiError(InputError::new("lang", "invalid_choice").into()))?;
    Ok((state.content.page(key).await?, lang))
}

/// A page's published text (anyone), falling back to the other language with `fallback_from` set.
#[utoipa::path(get, path = "/api/v1/pages/{key}/{lang}", tag = "pages",
    params(("key" = String, Path, description = "`local-diplomacy`, `about` or `network:<slug>`"),
        ("lang" = String, Path, description = "`tr` or `en`")),
    responses(
        (status = 200, description = "The published text", body = PublishedPage),
        (status = 400, description = "Unknown language", body = ErrorBody),
        (status = 404, description = "No such page, or nothing published", body = ErrorBody),
    ))]
pub async fn published(
    State(state): State<AppState>,
    ApiPath((key, lang)): ApiPath<(String, String)>,
) -> Result<Json<PublishedPage>, ApiError> {
    let (page, lang) = page_and_lang(&state, &key, &lang).await?;
    let shown = state.content.shown(&page, lang).await?.ok_or_else(|| ApiError(crate::error::AppError::not_found()))?;
    Ok(Json(PublishedPage {
        revision: shown.revision.into(),
        html: shown.html,
        fallback_from: shown.fallback_from.map(|l| l.code().to_owned()),
    }))
}

/// Every revision of a page in one language, newest first (staff, admins and auditors).
#[utoipa::path(get, path = "/api/v1/pages/{key}/{lang}/revisions", tag = "pages",
    params(("key" = String, Path, description = "`local-diplomacy`, `about` or `network:<slug>`"),
        ("lang" = String, Path, description = "`tr` or `en`")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The revisions", body = Vec<RevisionView>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not read revisions", body = ErrorBody),
        (status = 404, description = "No such page", body = ErrorBody),
    ))]
pub async fn revisions(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath((key, lang)): ApiPath<(String, String)>,
) -> Result<Json<Vec<RevisionView>>, ApiError> {
    let (page, lang) = page_and_lang(&state, &key, &lang).await?;
    let all = state.content.revisions(&actor, &page).await?;
    Ok(Json(all.into_iter().filter(|r| r.lang == lang).map(RevisionView::from).collect()))
}

/// Saves a revision (staff and admin tokens): a draft, or published at once with `"publish": true`.
#[utoipa::path(post, path = "/api/v1/pages/{key}/{lang}/revisions", tag = "pages", request_body = SaveInput,
    params(("key" = String, Path, description = "`local-diplomacy`, `about` or `network:<slug>`"),
        ("lang" = String, Path, description = "`tr` or `en`")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Saved", body = Created),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not edit pages", body = ErrorBody),
        (status = 404, description = "No such page", body = ErrorBody),
    ))]
pub async fn save(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath((key, lang)): ApiPath<(String, String)>,
    payload: Result<Json<SaveInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let (page, lang) = page_and_lang(&state, &key, &lang).await?;
    let input = body(payload)?;
    let fields = ContentInput { title: input.title, body: input.body };
    let id = state.content.save(&actor, &page, lang, &fields, input.publish).await?;
    Ok((StatusCode::CREATED, Json(Created { id: id.0 })))
}

/// Publishes a saved revision (staff and admin tokens).
#[utoipa::path(post, path = "/api/v1/pages/revisions/{id}/publish", tag = "pages",
    params(("id" = i64, Path, description = "Revision id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Published", body = RevisionView),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not edit pages", body = ErrorBody),
        (status = 404, description = "No such revision", body = ErrorBody),
    ))]
pub async fn publish(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<RevisionView>, ApiError> {
    let id = RevisionId(path_id(&id)?);
    Ok(Json(state.content.publish(&actor, id).await?.into()))
}

/// Restores an older revision as a new published one (staff and admin tokens).
#[utoipa::path(post, path = "/api/v1/pages/revisions/{id}/restore", tag = "pages",
    params(("id" = i64, Path, description = "Revision id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Restored as a new revision", body = Created),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not edit pages", body = ErrorBody),
        (status = 404, description = "No such revision", body = ErrorBody),
    ))]
pub async fn restore(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<(StatusCode, Json<Created>), ApiError> {
    let id = RevisionId(path_id(&id)?);
    let new = state.content.restore(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(Created { id: new.0 })))
}
