//! Documents on an application's and a project's workspace pages, one path for both owners: upload
//! (`multipart/form-data`, checked by content and size in `services/projects/documents.rs`; a refused file is
//! an error beside the file field), download (streamed, `private, no-store`), delete, and for a project's
//! documents "public" or not. Those who may edit the owner upload, delete and mark; auditors only read.

use axum::extract::{Multipart, Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;

use ldp_core::domain::InputError;
use ldp_core::domain::projects::{ApplicationId, DocumentOwner, FundingDocumentId, ProjectId};

use super::{applications, projects};
use crate::error::AppError;
use crate::pages::account::Empty;
use crate::pages::download::funding_document;
use crate::pages::forms::{FormState, UploadForm, shows_in_form};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer, check_csrf};
use crate::state::AppState;

/// Reads an upload (the CSRF token, `public` and the file) and stores it on `owner`: the outcome, and the
/// form's state to show again beside the file field when it was refused.
async fn upload(
    ctx: &PageCtx,
    state: &AppState,
    headers: &HeaderMap,
    viewer: &Viewer,
    owner: DocumentOwner,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Result<(), (AppError, FormState)>, PageError> {
    let upload = UploadForm::read(ctx, multipart, &["csrf", "public"], "file").await?;
    // A body cut off at the size limit may have lost the token too; answering it with the form and its message
    // changes nothing, so only a complete upload needs the token checked (as for publications).
    if !upload.too_large {
        check_csrf(headers, Some(viewer), &upload.text("csrf"), &state.csrf_key)
            .map_err(|e| PageError::new(ctx.clone(), e))?;
    }
    let public = upload.text("public") == "1";
    let result = if upload.too_large {
        Err(AppError::invalid(InputError::new("file", "file_too_large")))
    } else {
        let (filename, bytes) = upload.file.unwrap_or_default();
        state
            .projects
            .attach(state.uploads.as_ref(), &viewer.actor, owner, &filename, bytes, public)
            .await
            .map(|_| ())
            .map_err(AppError::from)
    };
    match result {
        Ok(()) => Ok(Ok(())),
        Err(error) if shows_in_form(&error) => {
            let form = FormState::default().set("public", if public { "1" } else { "" }).with_error(ctx.lang, &error);
            Ok(Err((error, form)))
        }
        Err(error) => Err(PageError::new(ctx.clone(), error)),
    }
}

/// `POST /{lang}/workspace/applications/{id}/documents`.
pub async fn upload_to_application(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedIn(viewer): SignedIn,
    Path((_, raw)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let id = ApplicationId(ctx.path_id(&raw)?);
    match upload(&ctx, &state, &headers, &viewer, DocumentOwner::Application(id), multipart).await? {
        Ok(()) => Ok(applications::saved(&ctx, id, "documents-title")),
        Err((error, form)) => {
            let forms = applications::Forms::document(form);
            applications::record_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
    }
}

/// `POST /{lang}/workspace/projects/{id}/documents`.
pub async fn upload_to_project(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedIn(viewer): SignedIn,
    Path((_, raw)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let id = ProjectId(ctx.path_id(&raw)?);
    match upload(&ctx, &state, &headers, &viewer, DocumentOwner::Project(id), multipart).await? {
        Ok(()) => Ok(projects::saved(&ctx, id, "documents-title")),
        Err((error, form)) => {
            let forms = projects::Forms::document(form);
            projects::record_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
    }
}

/// The owner and the document a path names.
fn named(
    ctx: &PageCtx,
    owner: fn(i64) -> DocumentOwner,
    id: &str,
    document: &str,
) -> Result<(DocumentOwner, FundingDocumentId), PageError> {
    Ok((owner(ctx.path_id(id)?), FundingDocumentId(ctx.path_id(document)?)))
}

async fn download(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    owner: DocumentOwner,
    document: FundingDocumentId,
) -> Result<Response, PageError> {
    let found = state.projects.document(&viewer.actor, owner, document).await.map_err(ctx.fail())?;
    Ok(funding_document(state, &found, true).await)
}

/// `GET /{lang}/workspace/applications/{id}/documents/{document}`: the file, streamed, saved under its name
/// with the extension of the type its content was detected as.
pub async fn download_from_application(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id, document)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (owner, document) = named(&ctx, |i| DocumentOwner::Application(ApplicationId(i)), &id, &document)?;
    download(ctx, &state, &viewer, owner, document).await
}

/// `GET /{lang}/workspace/projects/{id}/documents/{document}`: any of the project's documents, public or not.
pub async fn download_from_project(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id, document)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (owner, document) = named(&ctx, |i| DocumentOwner::Project(ProjectId(i)), &id, &document)?;
    download(ctx, &state, &viewer, owner, document).await
}

/// `POST /{lang}/workspace/applications/{id}/documents/{document}/delete`.
pub async fn delete_from_application(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id, document)): Path<(String, String, String)>,
    CsrfForm { .. }: CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let (owner, document) = named(&ctx, |i| DocumentOwner::Application(ApplicationId(i)), &id, &document)?;
    state.projects.remove_document(&viewer.actor, owner, document).await.map_err(ctx.fail())?;
    Ok(applications::saved(&ctx, ApplicationId(ctx.path_id(&id)?), "documents-title"))
}

/// `POST /{lang}/workspace/projects/{id}/documents/{document}/delete`.
pub async fn delete_from_project(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id, document)): Path<(String, String, String)>,
    CsrfForm { .. }: CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let (owner, document) = named(&ctx, |i| DocumentOwner::Project(ProjectId(i)), &id, &document)?;
    state.projects.remove_document(&viewer.actor, owner, document).await.map_err(ctx.fail())?;
    Ok(projects::saved(&ctx, ProjectId(ctx.path_id(&id)?), "documents-title"))
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct PublicForm {
    /// `1` to show the document on the published project's page, anything else to keep it in the workspace.
    public: Option<String>,
}

/// `POST /{lang}/workspace/projects/{id}/documents/{document}/public`.
pub async fn set_public(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id, document)): Path<(String, String, String)>,
    CsrfForm { form, .. }: CsrfForm<PublicForm>,
) -> Result<Response, PageError> {
    let project = ProjectId(ctx.path_id(&id)?);
    let document = FundingDocumentId(ctx.path_id(&document)?);
    let public = form.public.as_deref() == Some("1");
    state.projects.set_document_public(&viewer.actor, project, document, public).await.map_err(ctx.fail())?;
    Ok(projects::saved(&ctx, project, "documents-title"))
}
