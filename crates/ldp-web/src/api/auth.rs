//! Who is calling the API: a bearer token acting with its owner's role. Cookies are never accepted here, so
//! no cross-site request can write.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header;
use axum::http::request::Parts;

use ldp_core::domain::Actor;

use crate::error::{ApiError, AppError};
use crate::session::client_addr;
use crate::state::AppState;

/// The actor a request's token stands for. Missing, unknown or revoked tokens are a 401.
pub struct TokenAuth(pub Actor);

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
        let actor = state.tokens.authenticate(secret, client_addr(parts)).await.map_err(|e| ApiError(e.into()))?;
        actor.map(TokenAuth).ok_or_else(|| ApiError(AppError::unauthorized()))
    }
}

/// Reads that show more to a token holder: no `Authorization` header is a visitor, a bad token is still a 401.
impl OptionalFromRequestParts<AppState> for TokenAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        if parts.headers.get(header::AUTHORIZATION).is_none() {
            return Ok(None);
        }
        <TokenAuth as FromRequestParts<AppState>>::from_request_parts(parts, state).await.map(Some)
    }
}
