//! Extractors whose rejections are the API's JSON errors instead of axum's plain-text ones.

use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, AppError};

/// Query parameters; a query string that cannot be read is a 400 `invalid_query`.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => {
                let mut e = AppError::bad_request("invalid_query");
                e.fields.insert("query".into(), "malformed".into());
                tracing::debug!(%rejection, "unreadable query string");
                Err(ApiError(e))
            }
        }
    }
}

/// Path parameters; a path segment that cannot be read is a 400 `invalid_path`.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => {
                tracing::debug!(%rejection, "unreadable path parameter");
                Err(ApiError(AppError::bad_request("invalid_path")))
            }
        }
    }
}

/// Parses an optional whole number from a query value, naming the field when it is not one.
pub fn optional_int(value: Option<&str>, field: &str, code: &str) -> Result<Option<i64>, ldp_core::domain::InputError> {
    match value.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| ldp_core::domain::InputError::new(field, code)),
    }
}

/// Parses `page` and `per_page` together, reporting both when both are wrong.
pub fn page(page: Option<&str>, per_page: Option<&str>) -> Result<ldp_core::domain::Page, ApiError> {
    let mut errors = ldp_core::domain::InputError::default();
    let number = optional_int(page, "page", "page_out_of_range").unwrap_or_else(|e| {
        errors.fields.extend(e.fields);
        None
    });
    let size = optional_int(per_page, "per_page", "per_page_out_of_range").unwrap_or_else(|e| {
        errors.fields.extend(e.fields);
        None
    });
    // Range errors join the format errors, so one reply names every bad field.
    match ldp_core::domain::Page::parse(number, size) {
        Ok(page) if errors.is_empty() => Ok(page),
        Ok(_) => Err(AppError::invalid(errors).into()),
        Err(range) => {
            for (field, code) in range.fields {
                errors.fields.entry(field).or_insert(code);
            }
            Err(AppError::invalid(errors).into())
        }
    }
}

/// A parsed filter and page together, or one 400 naming every bad field of both.
pub fn filter_and_page<F>(
    filter: Result<F, ldp_core::domain::InputError>,
    page: Result<ldp_core::domain::Page, ApiError>,
) -> Result<(F, ldp_core::domain::Page), ApiError> {
    match (filter, page) {
        (Ok(f), Ok(p)) => Ok((f, p)),
        (Err(mut f), Err(ApiError(p))) => {
            f.fields.extend(p.fields);
            Err(AppError::invalid(f).into())
        }
        (Err(f), _) => Err(f.into()),
        (_, Err(p)) => Err(p),
    }
}

/// A JSON request body, or a 400 that says the body could not be read.
pub fn body<T>(payload: Result<axum::Json<T>, axum::extract::rejection::JsonRejection>) -> Result<T, ApiError> {
    payload.map(|axum::Json(v)| v).map_err(|rejection| {
        tracing::debug!(%rejection, "unreadable JSON body");
        let mut e = AppError::bad_request("invalid_body");
        e.fields.insert("body".into(), "malformed".into());
        ApiError(e)
    })
}

/// A numeric id from the path, or a 400 naming `id`.
pub fn path_id(raw: &str) -> Result<i64, ApiError> {
    raw.trim()
        .parse::<i64>()
        .map_err(|_| ApiError(AppError::invalid(ldp_core::domain::InputError::new("id", "not_a_number"))))
}
