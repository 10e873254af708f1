//! Documents on an application's workspace page: upload (`multipart/form-data`, checked by content and size in
//! `services/projects/documents.rs`; a refused file is an error beside the file field), download (streamed,
//! `private, no-store`) and delete. Representatives of the application's municipality and staff upload and
//! delete; auditors only read.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;

use ldp_core::domain::InputError;
use ldp_core::domain::projects::{ApplicationDocumentId, ApplicationId};

use super::applications::{Forms, record_page, saved};
use crate::error::AppError;
use crate::pages::account::Empty;
use crate::pages::download::{Disposition, stream};
use crate::pages::forms::{FormState, UploadForm, shows_in_form};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, check_csrf};
use crate::state::AppState;

/// `POST /{lang}/workspace/applications/{id}/documents`: the CSRF token and the file.
pub async fn upload(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedIn(viewer): SignedIn,
    Path((_, raw)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let id = ApplicationId(ctx.path_id(&raw)?);
    let upload = UploadForm::read(&ctx, multipart, &["csrf"], "file").await?;
    check_csrf(&headers, Some(&viewer), &upload.text("csrf"), &state.csrf_key)
        .map_err(|e| PageError::new(ctx.clone(), e))?;
    let result = if upload.too_large {
        Err(AppError::invalid(InputError::new("file", "file_too_large")))
    } else {
        let (filename, bytes) = upload.file.unwrap_or_default();
        state
            .projects
            .attach(state.uploads.as_ref(), &viewer.actor, id, &filename, bytes)
            .await
            .map(|_| ())
            .map_err(AppError::from)
    };
    match result {
        Ok(()) => Ok(saved(&ctx, id, "documents-title")),
        Err(error) if shows_in_form(&error) => {
            let forms = Forms::document(FormState::default().with_error(ctx.lang, &error));
            record_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
        Err(error) => Err(PageError::new(ctx, error)),
    }
}

/// `GET /{lang}/workspace/applications/{id}/documents/{document}`: the file, streamed, saved under its name
/// with the extension of the type its content was detected as.
pub async fn download(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id, document)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let id = ApplicationId(ctx.path_id(&id)?);
    let document = ApplicationDocumentId(ctx.path_id(&document)?);
    let found = state.projects.document(&viewer.actor, id, document).await.map_err(ctx.fail())?;
    let mut response = stream(
        &state,
        &found.storage_key,
        found.size,
        &found.content_type,
        Disposition::Attachment { filename: &found.filename },
    )
    .await;
    if response.status() == StatusCode::OK {
        let h = response.headers_mut();
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
        h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    }
    Ok(response)
}

/// `POST /{lang}/workspace/applications/{id}/documents/{document}/delete`.
pub async fn delete(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id, document)): Path<(String, String, String)>,
    CsrfForm { .. }: CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let id = ApplicationId(ctx.path_id(&id)?);
    let document = ApplicationDocumentId(ctx.path_id(&document)?);
    state.projects.remove_document(&viewer.actor, id, document).await.map_err(ctx.fail())?;
    Ok(saved(&ctx, id, "documents-title"))
}
