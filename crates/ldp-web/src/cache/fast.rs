//! Answering a kept response before routing.
//!
//! A cache hit needs none of the route's stack: no body limits, no timeout, no client address, no origin
//! check (GET only), no handler. Going through it cost about half of a hit's instructions (each `from_fn`
//! layer clones the rest of the route's stack per request). So the outermost layer looks the request up
//! first and, on a fresh hit, answers with what the stack would have added to it: the security headers, the
//! request id, the request metrics and the access-log line. Everything else (misses, signed-in viewers,
//! other methods, personal sections) goes through the full stack, where [`super::layer::serve`] renders and
//! keeps entries.

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use std::time::Instant;
use tower_http::request_id::{MakeRequestId, MakeRequestUuid};

use super::PageCache;
use super::key::{Key, normalised_uri};
use super::layer::{public, signed_in};
use crate::state::AppState;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The outermost middleware: a fresh kept response for an anonymous GET, or the application.
pub async fn serve(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let start = Instant::now();
    let Some(key) = key(&state, &request) else { return next.run(request).await };
    let validators = request.headers().get(header::IF_NONE_MATCH).cloned();
    match hit(&state, key, validators.as_ref()).await {
        Some((response, route)) => finish(&state, &request, response, &route, start),
        None => next.run(request).await,
    }
}

/// The cache key of a request that may be answered from the cache at all.
fn key(state: &AppState, request: &Request) -> Option<Key> {
    state.page_cache.entries.as_ref()?;
    if request.method() != Method::GET || signed_in(request.headers()) || !public(request.uri().path()) {
        return None;
    }
    let normalised = normalised_uri(request.uri());
    let uri = normalised.as_ref().unwrap_or(request.uri());
    Some(Key::new(PageCache::versions(&state.feed), state.clock.today(), uri))
}

/// The kept response for `key`, without rendering, with the route template the entry was rendered by (for
/// the metrics and the log).
async fn hit(state: &AppState, key: Key, validators: Option<&HeaderValue>) -> Option<(Response, Arc<str>)> {
    let entry = state.page_cache.entries.as_ref()?.get(&key).await?;
    // A stale entry is left to the full path, which drops it and renders the page again.
    if !entry.fresh_at(state.clock.now()) {
        return None;
    }
    metrics::counter!("page_cache_hits_total").increment(1);
    Some((entry.answer(validators), entry.route()))
}

/// What the application's stack adds to every response, added to a hit.
fn finish(state: &AppState, request: &Request, mut response: Response, route: &str, start: Instant) -> Response {
    crate::security::apply(state, response.headers_mut());
    let id = match request.headers().get(&REQUEST_ID) {
        Some(id) => Some(id.clone()),
        None => MakeRequestUuid.make_request_id(request).map(|id| id.into_header_value()),
    };
    if let Some(id) = &id {
        response.headers_mut().insert(REQUEST_ID, id.clone());
    }
    let status = response.status();
    let elapsed = start.elapsed();
    let labels = [("method", "GET".to_owned()), ("route", route.to_owned()), ("status", status.as_str().to_owned())];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
    let id = id.as_ref().and_then(|v| v.to_str().ok()).unwrap_or("");
    tracing::info!(
        method = "GET",
        route = %route,
        cache = "hit",
        request_id = %id,
        status = status.as_u16(),
        latency_us = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX),
        "finished processing request"
    );
    response
}
