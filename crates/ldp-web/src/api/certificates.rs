//! Certificates of attendance: staff list an event's certificates, set its threshold, issue (idempotent:
//! those certified already are skipped) and revoke with a reason; anyone verifies a code and gets the minimal
//! public facts (no address, no reason for a revocation).

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use ldp_core::domain::certificate::Certificate;
use ldp_core::domain::{EventId, Localized};
use ldp_core::services::certificates::{IssueReport, RevocationInput, ThresholdInput};

use super::auth::TokenAuth;
use super::extract::{ApiPath, body, path_id};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// What the public may learn of a certificate from its code.
#[derive(Debug, Serialize, ToSchema)]
pub struct Verification {
    pub code: String,
    /// `valid` or `revoked`.
    pub status: &'static str,
    pub name: String,
    pub training: Localized,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    /// Hours attended, to a quarter.
    pub hours: f64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub issued_at: OffsetDateTime,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl From<&Certificate> for Verification {
    fn from(c: &Certificate) -> Self {
        Verification {
            code: c.code.clone(),
            status: if c.is_valid() { "valid" } else { "revoked" },
            name: c.name.clone(),
            training: c.training.title.clone(),
            starts_at: c.training.starts_at,
            ends_at: c.training.ends_at,
            hours: c.hours(),
            issued_at: c.issued_at,
            revoked_at: c.revoked_at,
        }
    }
}

/// The threshold now in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct Threshold {
    pub threshold_percent: u8,
}

/// Whether a revocation changed anything.
#[derive(Debug, Serialize, ToSchema)]
pub struct Revoked {
    /// `false` when it had been revoked already.
    pub revoked: bool,
}

/// An event's certificates, revoked ones included (staff, admins and auditors).
#[utoipa::path(get, path = "/api/v1/events/{id}/certificates", tag = "events",
    params(("id" = i64, Path, description = "Event id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The certificates in the order they were issued", body = Vec<Certificate>),
        (status = 400, description = "Not a number", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<Certificate>>, ApiError> {
    Ok(Json(state.certificates.of_event(&actor, EventId(path_id(&id)?)).await?))
}

/// Issues a certificate to every attendee whose checked-in hours reach the threshold and who has none yet
/// (staff). Calling it again issues nothing new.
#[utoipa::path(post, path = "/api/v1/events/{id}/certificates", tag = "events",
    params(("id" = i64, Path, description = "Event id (a training or workshop)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What was issued, and every certificate of the event", body = IssueReport),
        (status = 400, description = "Not a training or workshop with sessions", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
    ))]
pub async fn issue(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<IssueReport>, ApiError> {
    Ok(Json(state.certificates.issue(&actor, EventId(path_id(&id)?)).await?))
}

/// Sets the share of session hours that earns a certificate for this event (staff).
#[utoipa::path(put, path = "/api/v1/events/{id}/certificates/threshold", tag = "events",
    request_body = ThresholdInput,
    params(("id" = i64, Path, description = "Event id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = Threshold),
        (status = 400, description = "Not a percent from 1 to 100", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
    ))]
pub async fn set_threshold(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<ThresholdInput>, JsonRejection>,
) -> Result<Json<Threshold>, ApiError> {
    let id = EventId(path_id(&id)?);
    let input = body(payload)?;
    let threshold_percent = state.certificates.set_threshold(&actor, id, &input).await?;
    Ok(Json(Threshold { threshold_percent }))
}

/// Verifies a certificate by its code (any case; spaces and dashes are ignored). Public.
#[utoipa::path(get, path = "/api/v1/certificates/{code}", tag = "events",
    params(("code" = String, Path, description = "Verification code")),
    responses(
        (status = 200, description = "The certificate's public facts", body = Verification),
        (status = 404, description = "No certificate has this code", body = ErrorBody),
    ))]
pub async fn verify(
    State(state): State<AppState>,
    ApiPath(code): ApiPath<String>,
) -> Result<Json<Verification>, ApiError> {
    let certificate = state.certificates.verify(&code).await?;
    Ok(Json(Verification::from(&certificate)))
}

/// Revokes a certificate with a reason (staff); it stays listed as revoked.
#[utoipa::path(post, path = "/api/v1/certificates/{code}/revocation", tag = "events",
    request_body = RevocationInput,
    params(("code" = String, Path, description = "Verification code")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revoked (or revoked already)", body = Revoked),
        (status = 400, description = "No reason given", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed", body = ErrorBody),
        (status = 404, description = "No certificate has this code", body = ErrorBody),
    ))]
pub async fn revoke(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(code): ApiPath<String>,
    payload: Result<Json<RevocationInput>, JsonRejection>,
) -> Result<Json<Revoked>, ApiError> {
    let input = body(payload)?;
    let revoked = state.certificates.revoke(&actor, &code, &input).await?;
    Ok(Json(Revoked { revoked }))
}
