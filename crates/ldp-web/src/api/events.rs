//! `/api/v1/events`: trainings, meetings and delegations, and registration for them. Anyone reads the
//! public events; a staff token creates, edits and publishes; a representative's token proposes events
//! hosted by its municipality and registers its owner and colleagues.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use ldp_core::domain::{
    Actor, Event, EventFilter, EventId, EventKind, EventStatus, EventTopic, InputError, Paged, Registration,
    RegistrationId,
};
use ldp_core::services::events::{EventInput, RegistrationInput};

use super::auth::TokenAuth;
use super::extract::{ApiPath, ApiQuery, body, filter_and_page, page, path_id};
use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The public list's filters.
#[derive(Debug, Default, Deserialize, serde::Serialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventQuery {
    /// `upcoming` (default: not over yet, soonest first) or `past` (latest first).
    pub when: Option<String>,
    #[param(value_type = Option<EventKind>)]
    pub kind: Option<String>,
    #[param(value_type = Option<EventTopic>)]
    pub topic: Option<String>,
    /// SDG number.
    #[param(value_type = Option<i64>, minimum = 1, maximum = 17)]
    pub sdg: Option<String>,
    /// Host municipality slug.
    pub municipality: Option<String>,
    /// Network slug.
    pub network: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1)]
    pub page: Option<String>,
    #[param(value_type = Option<i64>, minimum = 1, maximum = 100)]
    pub per_page: Option<String>,
}

impl EventQuery {
    /// The filter these values ask for, resolving slugs through the reference data; every bad value named.
    pub async fn filter(&self, state: &AppState, now: time::OffsetDateTime) -> Result<EventFilter, InputError> {
        let mut errors = InputError::default();
        let clean = |v: &Option<String>| v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let when = match clean(&self.when).as_deref() {
            None | Some("upcoming") => Some((true, now)),
            Some("past") => Some((false, now)),
            Some(_) => {
                errors.add("when", "unknown_when");
                None
            }
        };
        let mut filter = EventFilter { when, ..EventFilter::default() };
        if let Some(k) = clean(&self.kind) {
            filter.kind = EventKind::parse(&k);
            if filter.kind.is_none() {
                errors.add("kind", "unknown_event_kind");
            }
        }
        if let Some(t) = clean(&self.topic) {
            filter.topic = EventTopic::parse(&t);
            if filter.topic.is_none() {
                errors.add("topic", "unknown_topic");
            }
        }
        if let Some(g) = clean(&self.sdg) {
            match g.parse::<u8>() {
                Ok(n) if (1..=17).contains(&n) => filter.sdg = Some(n),
                _ => errors.add("sdg", "unknown_goal"),
            }
        }
        if clean(&self.municipality).is_some() || clean(&self.network).is_some() {
            match state.reference.read().await {
                Ok(reference) => {
                    if let Some(slug) = clean(&self.municipality) {
                        match reference.municipality_by_slug(&slug) {
                            Some(m) => filter.municipality = Some(m.id),
                            None => errors.add("municipality", "unknown_municipality"),
                        }
                    }
                    if let Some(slug) = clean(&self.network) {
                        match reference.network_by_slug(&slug) {
                            Some(n) => filter.network = Some(n.id),
                            None => errors.add("network", "unknown_network"),
                        }
                    }
                }
                Err(_) => errors.add("municipality", "unavailable"),
            }
        }
        if errors.is_empty() { Ok(filter) } else { Err(errors) }
    }
}

/// Public events (published, postponed, cancelled), upcoming or past, filtered.
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(EventQuery),
    responses(
        (status = 200, description = "One page of events", body = Paged<Event>),
        (status = 400, description = "A filter or paging parameter is invalid", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<EventQuery>,
) -> Result<Json<Paged<Event>>, ApiError> {
    let filter = q.filter(&state, state.events.now()).await;
    let paging = page(q.page.as_deref(), q.per_page.as_deref());
    let (filter, paging) = filter_and_page(filter, paging)?;
    Ok(Json(state.events.list(&Actor::visitor(None), filter, paging).await?))
}

/// One event: public ones for anyone; a draft for staff, auditors and its proposer's token.
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "events",
    params(("id" = i64, Path, description = "Event id")),
    responses(
        (status = 200, description = "The event", body = Event),
        (status = 400, description = "Not a number", body = ErrorBody),
        (status = 404, description = "No such event, or a draft this client may not see", body = ErrorBody),
    ))]
pub async fn show(
    State(state): State<AppState>,
    auth: Option<TokenAuth>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Event>, ApiError> {
    let actor = auth.map_or_else(|| Actor::visitor(None), |TokenAuth(a)| a);
    Ok(Json(state.events.get(&actor, EventId(path_id(&id)?)).await?))
}

/// Creates an event as a draft (a staff token) or proposes one hosted by the token owner's municipality.
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = EventInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created as a draft", body = Event),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "The token's owner may not create events", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    payload: Result<Json<EventInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Event>), ApiError> {
    let input = body(payload)?;
    Ok((StatusCode::CREATED, Json(state.events.create(&actor, &input).await?)))
}

/// Saves an event's fields (staff; its proposer while it is a draft).
#[utoipa::path(put, path = "/api/v1/events/{id}", tag = "events", request_body = EventInput,
    params(("id" = i64, Path, description = "Event id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Saved", body = Event),
        (status = 400, description = "Invalid fields", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Not allowed to change it", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
    ))]
pub async fn update(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<EventInput>, JsonRejection>,
) -> Result<Json<Event>, ApiError> {
    let id = EventId(path_id(&id)?);
    let input = body(payload)?;
    Ok(Json(state.events.update(&actor, id, &input).await?))
}

/// The state to move an event to.
#[derive(Debug, Deserialize, ToSchema)]
pub struct StatusInput {
    /// `draft`, `published`, `postponed` or `cancelled`.
    pub status: Option<String>,
}

/// Publishes, postpones, cancels an event or takes it back to a draft (staff).
#[utoipa::path(post, path = "/api/v1/events/{id}/status", tag = "events", request_body = StatusInput,
    params(("id" = i64, Path, description = "Event id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Moved", body = Event),
        (status = 400, description = "Unknown state", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the union's staff publish", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
        (status = 409, description = "It is in that state already", body = ErrorBody),
    ))]
pub async fn set_status(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<StatusInput>, JsonRejection>,
) -> Result<Json<Event>, ApiError> {
    let id = EventId(path_id(&id)?);
    let input = body(payload)?;
    let status = input
        .status
        .as_deref()
        .and_then(EventStatus::parse)
        .ok_or_else(|| InputError::new("status", "unknown_event_status"))
        .map_err(|e| ApiError(e.into()))?;
    Ok(Json(state.events.set_status(&actor, id, status).await?))
}

/// Registers the token's owner, or colleagues of their municipality (one seat each): confirmed while seats
/// last and nobody waits, waitlisted otherwise.
#[utoipa::path(post, path = "/api/v1/events/{id}/registrations", tag = "events", request_body = RegistrationInput,
    params(("id" = i64, Path, description = "Event id")),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Registered (see `status`)", body = Registration),
        (status = 400, description = "Invalid attendees or municipality, or the quota is reached", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
        (status = 409, description = "Registration is not open", body = ErrorBody),
    ))]
pub async fn register(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
    payload: Result<Json<RegistrationInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Registration>), ApiError> {
    let id = EventId(path_id(&id)?);
    let input = body(payload)?;
    Ok((StatusCode::CREATED, Json(state.events.register(&actor, id, &input).await?)))
}

/// An event's registrations, oldest first (staff and auditors).
#[utoipa::path(get, path = "/api/v1/events/{id}/registrations", tag = "events",
    params(("id" = i64, Path, description = "Event id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Registrations in the waitlist's order", body = Vec<Registration>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only staff and auditors read the list", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
    ))]
pub async fn registrations(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<Registration>>, ApiError> {
    let id = EventId(path_id(&id)?);
    Ok(Json(state.events.registrations(&actor, id).await?))
}

/// Cancels a registration (who made it, or staff); the freed seats are offered to the waitlist first in first
/// out, each offer for `--event-offer-hours`.
#[utoipa::path(delete, path = "/api/v1/registrations/{id}", tag = "events",
    params(("id" = i64, Path, description = "Registration id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Cancelled; the registrations offered the freed seats", body = Vec<Registration>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such registration of this client", body = ErrorBody),
        (status = 409, description = "Cancelled already", body = ErrorBody),
    ))]
pub async fn cancel(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<Registration>>, ApiError> {
    let id = RegistrationId(path_id(&id)?);
    Ok(Json(state.events.cancel(&actor, id).await?))
}

/// Takes a seat offered from the waitlist (who made the registration, or staff), before the offer expires.
#[utoipa::path(post, path = "/api/v1/registrations/{id}/acceptance", tag = "events",
    params(("id" = i64, Path, description = "Registration id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Confirmed", body = Registration),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such offer to this client", body = ErrorBody),
        (status = 409, description = "The offer expired or was answered already", body = ErrorBody),
    ))]
pub async fn accept_offer(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Registration>, ApiError> {
    let id = RegistrationId(path_id(&id)?);
    Ok(Json(state.events.accept_offer(&actor, id).await?))
}

/// Declines a seat offered from the waitlist; the seats pass to the next in line.
#[utoipa::path(post, path = "/api/v1/registrations/{id}/declination", tag = "events",
    params(("id" = i64, Path, description = "Registration id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Declined; the registrations offered the seats next", body = Vec<Registration>),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such offer to this client", body = ErrorBody),
        (status = 409, description = "The offer expired or was answered already", body = ErrorBody),
    ))]
pub async fn decline_offer(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Vec<Registration>>, ApiError> {
    let id = RegistrationId(path_id(&id)?);
    Ok(Json(state.events.decline_offer(&actor, id).await?))
}

/// Moderation: confirms a pending registration (staff); the registrant gets the confirmation mail.
#[utoipa::path(post, path = "/api/v1/registrations/{id}/approval", tag = "events",
    params(("id" = i64, Path, description = "Registration id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Confirmed", body = Registration),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the union's staff moderate", body = ErrorBody),
        (status = 404, description = "No such registration", body = ErrorBody),
        (status = 409, description = "It is not pending", body = ErrorBody),
    ))]
pub async fn approve(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Registration>, ApiError> {
    let id = RegistrationId(path_id(&id)?);
    Ok(Json(state.events.moderate(&actor, id, true).await?))
}

/// Moderation: rejects a pending, waiting or offered registration (staff); the seats it held are offered to
/// the waiting line as after a cancellation, and the registrant is told by mail.
#[utoipa::path(post, path = "/api/v1/registrations/{id}/rejection", tag = "events",
    params(("id" = i64, Path, description = "Registration id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Rejected", body = Registration),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "Only the union's staff moderate", body = ErrorBody),
        (status = 404, description = "No such registration", body = ErrorBody),
        (status = 409, description = "It is neither pending, waiting nor offered", body = ErrorBody),
    ))]
pub async fn reject(
    State(state): State<AppState>,
    TokenAuth(actor): TokenAuth,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<Registration>, ApiError> {
    let id = RegistrationId(path_id(&id)?);
    Ok(Json(state.events.moderate(&actor, id, false).await?))
}
