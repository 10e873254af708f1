//! One error type for the web layer. The API renders it as `{"error":{"code","message","fields"}}`;
//! pages render it as a translated HTML page. A 5xx never shows its cause; it is logged once.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

use ldp_core::domain::{InputError, Lang};
use ldp_core::services::ServiceError;
use ldp_core::store::StoreError;

use crate::i18n;

/// What went wrong, with a stable `snake_case` code.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    /// Field name → field error code.
    pub fields: BTreeMap<String, String>,
    /// The cause of a server-side failure, logged and never shown.
    pub cause: Option<String>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str) -> Self {
        AppError { status, code, fields: BTreeMap::new(), cause: None }
    }

    /// Signed in, but the role does not allow it.
    pub fn forbidden() -> Self {
        AppError::new(StatusCode::FORBIDDEN, "forbidden")
    }

    /// A state-changing form arrived without the token of the page that showed it.
    pub fn csrf() -> Self {
        AppError::new(StatusCode::FORBIDDEN, "csrf_failed")
    }

    pub fn not_found() -> Self {
        AppError { status: StatusCode::NOT_FOUND, code: "not_found", fields: BTreeMap::new(), cause: None }
    }

    pub fn bad_request(code: &'static str) -> Self {
        AppError { status: StatusCode::BAD_REQUEST, code, fields: BTreeMap::new(), cause: None }
    }

    pub fn invalid(input: InputError) -> Self {
        AppError { status: StatusCode::BAD_REQUEST, code: "invalid_parameters", fields: input.fields, cause: None }
    }

    pub fn unauthorized() -> Self {
        AppError { status: StatusCode::UNAUTHORIZED, code: "unauthorized", fields: BTreeMap::new(), cause: None }
    }

    /// The request is understood but the rules refuse it (`code` says which rule).
    pub fn refused(code: &'static str, fields: BTreeMap<String, String>) -> Self {
        AppError { status: StatusCode::CONFLICT, code, fields, cause: None }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        AppError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: "internal",
            fields: BTreeMap::new(),
            cause: Some(cause.to_string()),
        }
    }

    pub fn unavailable(cause: impl std::fmt::Display) -> Self {
        AppError {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: "unavailable",
            fields: BTreeMap::new(),
            cause: Some(cause.to_string()),
        }
    }

    /// The translated message for the error's code.
    pub fn message(&self, lang: Lang) -> String {
        i18n::t(lang, &format!("error-{}", self.code))
    }

    /// Field name → translated message.
    pub fn field_messages(&self, lang: Lang) -> BTreeMap<String, String> {
        self.fields.iter().map(|(field, code)| (field.clone(), field_message(lang, code))).collect()
    }

    pub(crate) fn log(&self) {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, cause = self.cause.as_deref().unwrap_or(""), "request failed");
        } else if self.code == "conflict" {
            tracing::warn!(cause = self.cause.as_deref().unwrap_or(""), "write refused by a stored rule");
        }
    }
}

/// The translated message for a field error code.
pub fn field_message(lang: Lang, code: &str) -> String {
    i18n::try_t(lang, &format!("field-{code}")).unwrap_or_else(|| i18n::t(lang, "field-invalid"))
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Database(_) => AppError::unavailable(e),
            _ => AppError::internal(e),
        }
    }
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound => AppError::not_found(),
            ServiceError::Invalid(input) => AppError::invalid(input),
            ServiceError::Forbidden => AppError::forbidden(),
            ServiceError::RateLimited => {
                let mut e = AppError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests");
                e.fields.insert("email".into(), "too_many_requests".into());
                e
            }
            ServiceError::Locked(until) => {
                let mut e = AppError::new(StatusCode::TOO_MANY_REQUESTS, "locked");
                e.fields.insert("email".into(), "locked".into());
                e.cause = Some(until.to_string());
                e
            }
            ServiceError::Refused(r) => {
                let mut fields = r.fields.clone();
                if let Some(step) = r.missing {
                    fields.insert("stage".into(), format!("missing_step_{}", step.as_str()));
                }
                AppError::refused(r.code, fields)
            }
            ServiceError::Conflict(c) => match c.as_str() {
                "partnership_exists" => AppError::refused("partnership_exists", BTreeMap::new()),
                "stage_changed" => AppError::refused("stage_changed", BTreeMap::new()),
                "contact_message_closed" => AppError::refused("contact_message_closed", BTreeMap::new()),
                "contact_message_anonymised" => AppError::refused("contact_message_anonymised", BTreeMap::new()),
                "registration_closed" => AppError::refused("registration_closed", BTreeMap::new()),
                "registration_cancelled" => AppError::refused("registration_cancelled", BTreeMap::new()),
                "event_status_unchanged" => AppError::refused("event_status_unchanged", BTreeMap::new()),
                "too_many_saved_searches" => AppError::refused("too_many_saved_searches", BTreeMap::new()),
                "sign_in_to_register" => AppError::refused("sign_in_to_register", BTreeMap::new()),
                "opt_in_expired" => AppError::refused("opt_in_expired", BTreeMap::new()),
                "opt_in_done" => AppError::refused("opt_in_done", BTreeMap::new()),
                "registration_not_pending" => AppError::refused("registration_not_pending", BTreeMap::new()),
                "project_publication_unchanged" => AppError::refused("project_publication_unchanged", BTreeMap::new()),
                "project_exists" => AppError::refused("project_exists", BTreeMap::new()),
                // A stored rule (a constraint) refused the write: the user sees a conflict, the log says which.
                _ => AppError { cause: Some(c), ..AppError::refused("conflict", BTreeMap::new()) },
            },
            ServiceError::Store(s) => s.into(),
            other => AppError::internal(other),
        }
    }
}

impl From<InputError> for AppError {
    fn from(e: InputError) -> Self {
        AppError::invalid(e)
    }
}

/// The JSON error document.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `not_found`, `invalid_parameters`.
    pub code: String,
    /// Human-readable explanation in English.
    pub message: String,
    /// Per-field messages for invalid input; empty otherwise.
    pub fields: BTreeMap<String, String>,
}

/// An [`AppError`] rendered as JSON for API clients.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let e = self.0;
        e.log();
        let body = ErrorBody {
            error: ErrorDetail {
                code: e.code.to_owned(),
                message: e.message(Lang::En),
                fields: e.field_messages(Lang::En),
            },
        };
        let mut response = (e.status, Json(body)).into_response();
        if e.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(axum::http::header::WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Bearer"));
        }
        response
    }
}
