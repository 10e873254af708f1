//! `/api/v1/applications/{id}/documents…` and `/api/v1/projects/{id}/documents…`: the documents of an
//! application or a project, for bearer tokens, one path for both owners (`services/projects/documents.rs`
//! decides who may do what). Upload is `multipart/form-data` with the `file` (and, for a project, `public`);
//! the file is checked by its content, not its name or declared type. A body over the limit is a 413.

use axum::Json;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;

use ldp_core::domain::InputError;
use ldp_core::domain::projects::{ApplicationId, DocumentOwner, FundingDocument, FundingDocumentId, ProjectId};
use ldp_core::services::documents::MAX_DOCUMENT_BYTES;

use super::auth::TokenAuth;
use super::extract::{ApiPath, path_id};
use crate::error::{ApiError, AppError, ErrorBody};
use crate::pages::download::funding_document;
use crate::pages::forms::UploadForm;
use crate::state::AppState;

/// The largest request body an upload route reads: the largest document and the form's framing.
pub const UPLOAD_BODY_LIMIT: usize = MAX_DOCUMENT_BYTES + 64 * 1024;

/// An upload as the API takes it.
#[derive(utoipa::ToSchema)]
#[expect(dead_code, reason = "describes the multipart body in the OpenAPI document only")]
pub struct DocumentUpload {
    /// The file: PDF, PNG, JPEG, WebP, or an office document without macros (DOCX, PPTX, XLSX, ODT, ODP, ODS);
    /// at most 10 MB.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `true` (or `1`) to show a project's document on its public page once the project is published; an
    /// application's document cannot be public.
    public: Option<bool>,
}

fn too_large() -> ApiError {
    let mut e = AppError::new(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    e.fields.insert("file".into(), "file_too_large".into());
    ApiError(e)
}

async fn upload(
    state: &AppState,
    actor: &ldp_core::domain::Actor,
    owner: DocumentOwner,
    headers: &HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<FundingDocument>), ApiError> {
    // A body announced as larger than the route reads is refused before it is read.
    let announced = headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<usize>().ok());
    if announced.is_some_and(|n| n > UPLOAD_BODY_LIMIT) {
        return Err(too_large());
    }
    let form = UploadForm::parse(multipart, &["public"], "file").await?;
    if form.too_large {
        return Err(too_large());
    }
    let public = match form.text("public").trim() {
        "" | "0" | "false" => false,
        "1" | "true" => true,
        _ => return Err(AppError::invalid(InputError::new("public", "invalid_boolean")).into()),
    };
    let Some((filename, bytes)) = form.file else {
        return Err(AppError::invalid(InputError::new("file", "required")).into());
    };
    match state.projects.attach(state.uploads.as_ref(), actor, owner, &filename, bytes, public).await {
        Ok(d) => Ok((StatusCode::CREATED, Json(d))),
        Err(ldp_core::services::ServiceError::Invalid(e))
            if e.fields.get("file").map(String::as_str) == Some("file_too_large") =>
        {
            Err(too_large())
        }
        Err(e) => Err(e.into()),
    }
}

async fn remove(
    state: &AppState,
    actor: &ldp_core::domain::Actor,
    owner: DocumentOwner,
    document: &str,
) -> Result<StatusCode, ApiError> {
    let document = FundingDocumentId(path_id(document)?);
    state.projects.remove_document(actor, owner, document).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn download(
    state: &AppState,
    actor: &ldp_core::domain::Actor,
    owner: DocumentOwner,
    document: &str,
) -> Result<Response, ApiError> {
    let document = FundingDocumentId(path_id(document)?);
    let found = state.projects.document(actor, owner, document).await?;
    Ok(funding_document(state, &found, true).await)
}

fn application(raw: &str) -> Result<DocumentOwner, ApiError> {
    Ok(DocumentOwner::Application(ApplicationId(path_id(raw)?)))
}

fn project(raw: &str) -> Result<DocumentOwner, ApiError> {
    Ok(DocumentOwner::Project(ProjectId(path_id(raw)?)))
}

/// The application's documents, oldest first.
#[utoipa::path(get, path = "/api/v1/applications/{id}/documents", tag = "applications",
    params(("id" = i64, Path, description = "Application id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The documents", body = Vec<FundingDocument>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such application (or not the token's owner's)", body = ErrorBody),
    ))]
pub async fn application_documents(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<FundingDocument>>, ApiError> {
    Ok(Json(state.projects.documents(&actor, application(&id)?).await?))
}

/// Uploads a document to the application (those who may edit it).
#[utoipa::path(post, path = "/api/v1/applications/{id}/documents", tag = "applications",
    params(("id" = i64, Path, description = "Application id")),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = FundingDocument),
        (status = 400, description = "No file, an empty one, a type not accepted, or `public`", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may read the application but not change it", body = ErrorBody),
        (status = 404, description = "No such application (or not the token's owner's)", body = ErrorBody),
        (status = 413, description = "The file is larger than 10 MB", body = ErrorBody),
    ))]
pub async fn upload_to_application(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<FundingDocument>), ApiError> {
    upload(&state, &actor, application(&id)?, &headers, multipart).await
}

/// One document's bytes, streamed with the type its content was detected as; `private, no-store`.
#[utoipa::path(get, path = "/api/v1/applications/{id}/documents/{document}", tag = "applications",
    params(
        ("id" = i64, Path, description = "Application id"),
        ("document" = i64, Path, description = "Document id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file (PDF, image or office document)", body = Vec<u8>,
            content_type = "application/octet-stream"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such document (or not the token's owner's)", body = ErrorBody),
    ))]
pub async fn application_document(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath((id, document)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    download(&state, &actor, application(&id)?, &document).await
}

/// Deletes a document of the application (its record stays in the audit log).
#[utoipa::path(delete, path = "/api/v1/applications/{id}/documents/{document}", tag = "applications",
    params(
        ("id" = i64, Path, description = "Application id"),
        ("document" = i64, Path, description = "Document id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A bad id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may read the application but not change it", body = ErrorBody),
        (status = 404, description = "No such document (or not the token's owner's)", body = ErrorBody),
    ))]
pub async fn delete_from_application(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath((id, document)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    remove(&state, &actor, application(&id)?, &document).await
}

/// The project's documents, public or not, oldest first (those who see the project in the workspace).
#[utoipa::path(get, path = "/api/v1/projects/{id}/documents", tag = "projects",
    params(("id" = i64, Path, description = "Project id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The documents", body = Vec<FundingDocument>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such project (or not one the token's owner takes part in)", body = ErrorBody),
    ))]
pub async fn project_documents(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<FundingDocument>>, ApiError> {
    Ok(Json(state.projects.documents(&actor, project(&id)?).await?))
}

/// Uploads a document to the project (those who may edit it); `public` shows it on the published project's page.
#[utoipa::path(post, path = "/api/v1/projects/{id}/documents", tag = "projects",
    params(("id" = i64, Path, description = "Project id")),
    request_body(content = DocumentUpload, content_type = "multipart/form-data"),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored", body = FundingDocument),
        (status = 400, description = "No file, an empty one, a type not accepted, or a bad `public`", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may see the project but not change it", body = ErrorBody),
        (status = 404, description = "No such project (or not one the token's owner takes part in)", body = ErrorBody),
        (status = 413, description = "The file is larger than 10 MB", body = ErrorBody),
    ))]
pub async fn upload_to_project(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    headers: HeaderMap,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<(StatusCode, Json<FundingDocument>), ApiError> {
    upload(&state, &actor, project(&id)?, &headers, multipart).await
}

/// One document's bytes, public or not; `private, no-store`.
#[utoipa::path(get, path = "/api/v1/projects/{id}/documents/{document}", tag = "projects",
    params(
        ("id" = i64, Path, description = "Project id"),
        ("document" = i64, Path, description = "Document id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The file (PDF, image or office document)", body = Vec<u8>,
            content_type = "application/octet-stream"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such document (or not the token's owner's)", body = ErrorBody),
    ))]
pub async fn project_document(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath((id, document)): ApiPath<(String, String)>,
) -> Result<Response, ApiError> {
    download(&state, &actor, project(&id)?, &document).await
}

/// Deletes a document of the project (its record stays in the audit log).
#[utoipa::path(delete, path = "/api/v1/projects/{id}/documents/{document}", tag = "projects",
    params(
        ("id" = i64, Path, description = "Project id"),
        ("document" = i64, Path, description = "Document id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "A bad id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may see the project but not change it", body = ErrorBody),
        (status = 404, description = "No such document (or not the token's owner's)", body = ErrorBody),
    ))]
pub async fn delete_from_project(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath((id, document)): ApiPath<(String, String)>,
) -> Result<StatusCode, ApiError> {
    remove(&state, &actor, project(&id)?, &document).await
}
