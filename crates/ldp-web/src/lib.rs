//! The HTTP layer of the Local Diplomacy Platform: the public bilingual site, the JSON API with its
//! OpenAPI document, health and metrics. It turns requests into domain types and calls the store and
//! services in `ldp-core`; it holds no SQL.

pub mod api;
mod assets;
pub mod cache;
pub mod certificate_pdf;
pub mod client;
pub mod error;
pub mod i18n;
pub mod mail;
pub mod ops;
pub mod pages;
mod security;
pub mod server;
pub mod session;
pub mod spreadsheet;
pub mod state;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::Request;
use axum::middleware;
use axum::routing::get;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub use state::AppState;

/// Largest form or JSON body accepted.
const BODY_LIMIT: usize = 1024 * 1024;
/// Largest request read at all, a guard above every route's own limit: a request announcing more is answered
/// with a bare 413 before any handler runs. It is well above the upload routes' limits (a document's own 10 MiB
/// plus the form, `DefaultBodyLimit` on each route), so that a file a little too large still reaches its form,
/// which says so beside the file field instead of a blank "length limit exceeded".
const UPLOAD_LIMIT: usize = 4 * ldp_core::services::documents::MAX_DOCUMENT_BYTES;

/// The whole application as one router: a page-cache hit is answered before routing
/// ([`cache::fast`]); everything else goes through [`routed`].
pub fn app(state: AppState) -> Router {
    let for_fast = state.clone();
    Router::new().fallback_service(routed(state)).layer(middleware::from_fn_with_state(for_fast, cache::fast::serve))
}

/// The routes with the stack every rendered request goes through.
fn routed(state: AppState) -> Router {
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    let for_client = state.clone();
    let for_security = state.clone();
    let for_origin = state.clone();
    let for_cache = state.clone();
    Router::new()
        .merge(pages::router())
        .merge(api::routes())
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::public_metrics))
        .route("/static/app.css", get(assets::css))
        .route("/favicon.svg", get(assets::favicon))
        .fallback(pages::not_found)
        .with_state(state)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn_with_state(for_cache, cache::serve))
        .layer(middleware::from_fn(ops::track))
        .layer(middleware::from_fn_with_state(for_origin, security::check_origin))
        .layer(middleware::from_fn_with_state(for_client, client::resolve))
        .layer(middleware::from_fn_with_state(for_security, security::headers))
        .layer(RequestBodyLimitLayer::new(UPLOAD_LIMIT))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::REQUEST_TIMEOUT, Duration::from_secs(30)))
        .layer(CatchPanicLayer::new())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|req: &Request<_>| {
                    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
                    // The route template, never the raw path: paths carry reset and invitation secrets.
                    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str);
                    tracing::info_span!("request", method = %req.method(), route = %route, request_id = %id)
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Serves the application on `listener` until `shutdown` completes, then finishes in-flight requests.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    limits: server::Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    server::run(listener, app(state), limits, shutdown).await
}
