//! `/api/v1/events/{id}/check-ins`: attendance, for the organisers (staff and admins), as the check-in page
//! keeps it: the sheet of confirmed attendees and the sessions each was present at, a check-in by
//! registration code (every attendee of that registration) or by one attendee, and undoing one. Sessions and
//! attendees are numbered by position from 0, as in the event's `sessions` and a registration's `attendees`.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use ldp_core::domain::{EventId, InputError, RegistrationId};
use ldp_core::services::attendance::CheckInSheet;

use super::auth::TokenAuth;
use super::extract::{ApiPath, body, path_id};
use crate::error::{ApiError, AppError, ErrorBody};
use crate::state::AppState;

/// One session and how many were checked in for it.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionAttendance {
    /// Position from 0.
    pub session: u32,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub starts_at: OffsetDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub ends_at: OffsetDateTime,
    pub present: usize,
}

/// One attendee of a confirmed registration and the sessions they were checked in for.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttendeeAttendance {
    pub registration: i64,
    /// The registration's 8-character code.
    pub code: String,
    /// Position from 0 in the registration's attendee list.
    pub attendee: u32,
    pub name: String,
    /// Sessions (positions from 0) the attendee was checked in for.
    pub sessions: Vec<u32>,
}

/// An event's check-in sheet.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckInSheetView {
    pub event: i64,
    pub sessions: Vec<SessionAttendance>,
    pub attendees: Vec<AttendeeAttendance>,
}

impl From<&CheckInSheet> for CheckInSheetView {
    fn from(sheet: &CheckInSheet) -> Self {
        let sessions = (0u32..)
            .zip(&sheet.event.fields.sessions)
            .map(|(n, s)| SessionAttendance { session: n, starts_at: s.start, ends_at: s.end, present: sheet.count(n) })
            .collect::<Vec<_>>();
        let attendees = sheet
            .registrations
            .iter()
            .flat_map(|r| {
                (0u32..).zip(&r.attendees).map(move |(a, person)| AttendeeAttendance {
                    registration: r.id.0,
                    code: r.code.clone(),
                    attendee: a,
                    name: person.name.clone(),
                    sessions: (0u32..)
                        .take(sheet.event.fields.sessions.len())
                        .filter(|s| sheet.present(*s, (r.id, a)))
                        .collect(),
                })
            })
            .collect();
        CheckInSheetView { event: sheet.event.id.0, sessions, attendees }
    }
}

/// A check-in: a session and either a registration code (all its attendees) or a registration and one of
/// its attendees.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CheckInInput {
    /// The session's position from 0.
    pub session: Option<u32>,
    /// A registration code (`K7M2Q9XA`, any case); checks every attendee of the registration in.
    pub code: Option<String>,
    /// Or a registration id …
    pub registration: Option<i64>,
    /// … and the attendee's position from 0.
    pub attendee: Option<u32>,
}

/// The check-in sheet of an event (staff).
#[utoipa::path(get, path = "/api/v1/events/{id}/check-ins", tag = "events",
    params(("id" = i64, Path, description = "Event id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Confirmed attendees and the sessions they were checked in for", body = CheckInSheetView),
        (status = 400, description = "Not a number", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the organisers (staff) check people in", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
    ))]
pub async fn sheet(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<CheckInSheetView>, ApiError> {
    let sheet = state.attendance.sheet(&actor, EventId(path_id(&id)?)).await?;
    Ok(Json(CheckInSheetView::from(&sheet)))
}

/// Checks attendees in for a session: by registration code, or one attendee of a registration. Checking in
/// someone already present changes nothing.
#[utoipa::path(post, path = "/api/v1/events/{id}/check-ins", tag = "events", request_body = CheckInInput,
    params(("id" = i64, Path, description = "Event id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Checked in; the sheet as it now is", body = CheckInSheetView),
        (status = 400, description = "No session, an unknown session, code or attendee, or a registration that is not confirmed", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the organisers (staff) check people in", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
    ))]
pub async fn check_in(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<CheckInInput>, JsonRejection>,
) -> Result<Json<CheckInSheetView>, ApiError> {
    let id = EventId(path_id(&id)?);
    let input = body(payload)?;
    let Some(session) = input.session else { return Err(invalid("session", "required")) };
    match (input.code.as_deref().map(str::trim).filter(|c| !c.is_empty()), input.registration, input.attendee) {
        (Some(code), None, None) => {
            state.attendance.check_in_code(&actor, id, session, code).await?;
        }
        (None, Some(registration), Some(attendee)) => {
            state.attendance.set(&actor, id, session, (RegistrationId(registration), attendee), true).await?;
        }
        (None, Some(_), None) => return Err(invalid("attendee", "required")),
        (None, None, _) => return Err(invalid("code", "required")),
        (Some(_), _, _) => return Err(invalid("code", "code_or_attendee")),
    }
    let sheet = state.attendance.sheet(&actor, id).await?;
    Ok(Json(CheckInSheetView::from(&sheet)))
}

/// Undoes one attendee's check-in for a session.
#[utoipa::path(delete, path = "/api/v1/events/{id}/check-ins/{registration}/{attendee}/{session}", tag = "events",
    params(
        ("id" = i64, Path, description = "Event id"),
        ("registration" = i64, Path, description = "Registration id"),
        ("attendee" = u32, Path, description = "The attendee's position from 0"),
        ("session" = u32, Path, description = "The session's position from 0"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Undone"),
        (status = 400, description = "Not a number, an unknown session or attendee, or a registration that is not confirmed", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the organisers (staff) check people in", body = ErrorBody),
        (status = 404, description = "No such event, or the attendee was not checked in for that session", body = ErrorBody),
    ))]
pub async fn undo(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath((id, registration, attendee, session)): ApiPath<(String, String, String, String)>,
) -> Result<StatusCode, ApiError> {
    let id = EventId(path_id(&id)?);
    let registration = RegistrationId(path_id(&registration)?);
    let position = |raw: &str, field: &str| raw.trim().parse::<u32>().map_err(|_| invalid(field, "not_a_number"));
    let (attendee, session) = (position(&attendee, "attendee")?, position(&session, "session")?);
    if state.attendance.set(&actor, id, session, (registration, attendee), false).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError(AppError::not_found()))
    }
}

fn invalid(field: &str, code: &str) -> ApiError {
    ApiError(AppError::invalid(InputError::new(field, code)))
}
