//! Serving a stored upload (a relation's document, a publication's file, a news image): streamed in the
//! store's chunks, so a download never holds the whole file in memory, with its length and detected type.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use ldp_core::domain::projects::FundingDocument;

use crate::error::{ApiError, AppError};
use crate::state::AppState;

/// How the browser is to treat the file: shown in the page (an image), or saved under a name.
pub enum Disposition<'a> {
    Inline,
    /// Saved as the file's own name, its extension made to match the content it was detected as.
    Attachment {
        filename: &'a str,
    },
}

/// Streams the upload stored at `key` (`size` bytes of `content_type`).
pub async fn stream(
    state: &AppState,
    key: &str,
    size: i64,
    content_type: &str,
    disposition: Disposition<'_>,
) -> Response {
    let chunks = match state.uploads.open(key).await {
        Ok(chunks) => chunks,
        Err(e) => return ApiError(AppError::internal(e)).into_response(),
    };
    let mut r = axum::body::Body::from_stream(chunks).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(size));
    if let Ok(ct) = HeaderValue::from_str(content_type) {
        h.insert(header::CONTENT_TYPE, ct);
    }
    match disposition {
        Disposition::Inline => {
            h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("inline"));
        }
        Disposition::Attachment { filename } => {
            let name = ldp_core::services::documents::download_name(filename, content_type);
            let value = format!("attachment; filename=\"{}\"", name.replace(|c: char| !c.is_ascii() || c == '"', "_"));
            if let Ok(v) = HeaderValue::from_str(&value) {
                h.insert(header::CONTENT_DISPOSITION, v);
            }
        }
    }
    r
}

/// A document of an application or a project, saved under its own name. A private one (every application's,
/// a project's in the workspace) is `private, no-store`; a published project's public one is left to the
/// site's cache policy like the page that lists it.
pub async fn funding_document(state: &AppState, d: &FundingDocument, private: bool) -> Response {
    let mut response =
        stream(state, &d.storage_key, d.size, &d.content_type, Disposition::Attachment { filename: &d.filename }).await;
    if response.status() == axum::http::StatusCode::OK {
        let h = response.headers_mut();
        if private {
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
        }
        h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    }
    response
}
