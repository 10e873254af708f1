//! Who may write through the API: a bearer token, never a cookie (so no cross-site request can write).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use time::OffsetDateTime;

use ldp_core::services::tokens::ApiToken;

use crate::error::{ApiError, AppError};
use crate::state::AppState;

/// The token a write request presents. Missing, unknown or revoked tokens are a 401.
pub struct TokenAuth(pub ApiToken);

impl FromRequestParts<AppState> for TokenAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(str::trim)
            .ok_or_else(|| ApiError(AppError::unauthorized()))?;
        let token = state
            .tokens
            .authenticate(secret, OffsetDateTime::now_utc())
            .await
            .map_err(|e| ApiError(AppError::internal(e)))?;
        token.map(TokenAuth).ok_or_else(|| ApiError(AppError::unauthorized()))
    }
}
