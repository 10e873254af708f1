//! Operations endpoints: liveness, readiness, Prometheus metrics, and the request-metrics middleware.

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Instant;

use crate::state::AppState;

/// The process-wide metrics recorder, installed once however many routers a process builds.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5])
                .expect("static bucket list is not empty")
                .build_recorder();
            let handle = recorder.handle();
            // Another recorder may already be installed (an embedding program's); then ours only renders.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// `GET /metrics` on the public address: only with `Authorization: Bearer <--metrics-token>`. Without a
/// configured token the route does not exist there (404), so nothing tells the public it could.
pub async fn public_metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state.metrics_token.as_deref() else { return StatusCode::NOT_FOUND.into_response() };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !crate::session::same_secret(given.trim(), expected) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Bearer")]).into_response();
    }
    metrics(State(state)).await
}

/// The router of the metrics address (`--metrics-listen`): `/metrics` without a token, for a scraper on a
/// private network.
pub fn metrics_app(state: AppState) -> axum::Router {
    axum::Router::new().route("/metrics", axum::routing::get(metrics)).with_state(state)
}

/// Prunes expired sessions, links and old sign-in attempts, and runs the contact retention job (anonymising
/// messages closed longer than the retention period), now and then every `every`, until the process ends.
/// Each node runs it; deleting what another node already deleted is harmless, and the store disposes of each
/// message once.
pub fn spawn_pruning(state: AppState, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match state.accounts.prune().await {
                Ok(p) => tracing::info!(sessions = p.sessions, links = p.links, attempts = p.attempts, "pruned"),
                Err(e) => tracing::warn!(error = %e, "pruning failed; trying again later"),
            }
            match state.jobs.prune().await {
                Ok(n) => tracing::info!(jobs = n, "pruned finished jobs"),
                Err(e) => tracing::warn!(error = %e, "pruning jobs failed; trying again later"),
            }
            match state.contact.apply_retention().await {
                Ok(r) if r.is_empty() => {}
                Ok(r) => tracing::info!(messages = r.len(), "anonymised contact messages past their retention"),
                Err(e) => tracing::warn!(error = %e, "the contact retention job failed; trying again later"),
            }
            match state.events.expire_offers().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(offers = n, "expired waitlist offers passed on"),
                Err(e) => tracing::warn!(error = %e, "expiring waitlist offers failed; trying again later"),
            }
            match state.events.queue_reminders().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(registrations = n, "event reminders queued"),
                Err(e) => tracing::warn!(error = %e, "queueing event reminders failed; trying again later"),
            }
            match state.events.prune_unconfirmed().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(registrations = n, "deleted public registrations never confirmed"),
                Err(e) => tracing::warn!(error = %e, "pruning unconfirmed registrations failed; trying again later"),
            }
            match state.events.prune_links().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(links = n, "pruned expired registration links"),
                Err(e) => tracing::warn!(error = %e, "pruning registration links failed; trying again later"),
            }
        }
    })
}

/// Runs the saved searches' sweep (new matching calls, digests, deadline reminders) now and then every
/// `every`, until the process ends. Every node runs it; the store's unique keys make each mail queued once.
pub fn spawn_call_alerts(state: AppState, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match state.saved_searches.sweep().await {
                Ok(r) if r.is_empty() => {}
                Ok(r) => tracing::info!(
                    alerts = r.alerts,
                    gathered = r.gathered,
                    digests = r.digests,
                    reminders = r.reminders,
                    "saved searches swept"
                ),
                Err(e) => tracing::warn!(error = %e, "the saved searches' sweep failed; trying again later"),
            }
        }
    })
}

/// Runs the job queue until the process ends: due jobs at once when this node queues one, and every
/// `poll` otherwise (jobs queued on another node, retries coming due, leases of a crashed worker ending).
pub fn spawn_jobs(state: AppState, poll: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = state.jobs.run_due().await {
                tracing::warn!(error = %e, "the job queue could not be read; trying again later");
            }
            tokio::select! {
                () = state.jobs.queue().woken() => {}
                () = tokio::time::sleep(poll) => {}
            }
        }
    })
}

/// Follows the change feed (`FeedStore::follow_changes`): PostgreSQL notifications, and a read of the data
/// versions every `poll`. Abort the handle on shutdown.
pub fn spawn_feed(state: AppState, poll: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move { state.store.follow_changes(poll).await })
}

/// Reloads the reference read model whenever the feed says its data moved (`ReferenceModel::spawn_following`).
pub fn spawn_reference_model(state: &AppState) -> tokio::task::JoinHandle<()> {
    state.reference.spawn_following()
}

/// Serves [`metrics_app`] on its own listener until the process ends.
pub async fn serve_metrics(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, metrics_app(state)).await
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render()).into_response()
}

/// Counts requests and their latency by route template (never by raw path, which would explode the label set).
pub async fn track(request: Request, next: Next) -> Response {
    let start = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "unmatched".to_owned());
    let method = request.method().as_str().to_owned();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("http_requests_total", &labels).increment(1);
    metrics::histogram!("http_request_duration_seconds", &labels).record(start.elapsed().as_secs_f64());
    response
}
