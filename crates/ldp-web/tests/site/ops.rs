//! Health, readiness, metrics and the headers every response carries.

use axum::http::{StatusCode, header};

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    health_and_readiness_answer,
    metrics_count_requests_by_route,
    responses_carry_security_headers,
    the_stylesheet_is_served_and_cached,
    the_request_log_names_routes_and_never_secrets,
    hsts_is_sent_only_when_the_public_address_is_https,
);

async fn health_and_readiness_answer(db: TestDb) {
    let app = TestApp::new(db).await;
    assert_eq!(app.get("/healthz").await.status, StatusCode::OK);
    let ready = app.get("/readyz").await;
    assert_eq!((ready.status, ready.body.as_str()), (StatusCode::OK, "ready"));
}

async fn metrics_count_requests_by_route(db: TestDb) {
    let public = TestApp::new(db).await;
    assert_eq!(public.get("/metrics").await.status, StatusCode::NOT_FOUND, "not public without a token");
    let app = TestApp::configured(public.db, |c| c.metrics_token = Some("scrape-secret-1".into())).await;
    app.get("/tr/networks").await;
    app.get("/api/v1/networks/nope").await;
    assert_eq!(app.get("/metrics").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.api("GET", "/metrics", Some("wrong"), None).await.status, StatusCode::UNAUTHORIZED);
    let private = ldp_web::ops::metrics_app(app.state.clone());
    let reply = tower::ServiceExt::oneshot(
        private,
        axum::http::Request::get("/metrics").body(axum::body::Body::empty()).unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(reply.status(), StatusCode::OK, "the metrics address needs no token");
    let metrics = app.api("GET", "/metrics", Some("scrape-secret-1"), None).await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(metrics.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/plain"));
    assert!(metrics.body.contains("http_requests_total"), "{}", metrics.body);
    assert!(metrics.body.contains("route=\"/{lang}/networks\""));
    assert!(metrics.body.contains("route=\"/api/v1/networks/{slug}\",status=\"404\""));
    assert!(metrics.body.contains("http_request_duration_seconds_bucket"));
}

async fn responses_carry_security_headers(db: TestDb) {
    let app = TestApp::new(db).await;
    for uri in ["/tr/", "/api/v1/networks", "/en/nope"] {
        let reply = app.get(uri).await;
        let csp = reply.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"), "{uri}");
        assert_eq!(reply.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(reply.headers.contains_key(header::REFERRER_POLICY));
        assert!(reply.headers.contains_key("x-request-id"), "{uri} carries a request id");
    }
}

async fn the_stylesheet_is_served_and_cached(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/tr/").await;
    let href = attr(&html, "link[rel=stylesheet]", "href").unwrap();
    assert!(href.starts_with("/static/app.css?v="));
    let css = app.get(&href).await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.headers[header::CACHE_CONTROL].to_str().unwrap().contains("immutable"));
    assert!(css.body.contains(".site-header"));
}

/// A log sink for one test thread.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

async fn the_request_log_names_routes_and_never_secrets(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@bursa.bel.tr", "representative", "bursa").await;
    let link = app.state.accounts.reset_link("rep@bursa.bel.tr", ldp_core::domain::Lang::Tr).await.unwrap();
    let secret = link.rsplit('/').next().unwrap().to_owned();
    let sink = Captured::default();
    let writer = sink.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let guard = tracing::subscriber::set_default(subscriber);
    assert_eq!(app.get(&format!("/tr/password-reset/{secret}")).await.status, StatusCode::OK);
    app.get(&format!("/en/invitation/{secret}")).await;
    app.get(&format!("/tr/no-such-page/{secret}")).await;
    drop(guard);
    let log = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("route=/{lang}/password-reset/{token}"), "{log}");
    assert!(!log.contains(&secret), "a secret reached the log:\n{log}");
    assert!(!log.contains(&secret[..16]), "part of a secret reached the log");
}

async fn hsts_is_sent_only_when_the_public_address_is_https(db: TestDb) {
    let plain = TestApp::new(db).await;
    assert!(plain.get("/tr/").await.headers.get(header::STRICT_TRANSPORT_SECURITY).is_none());
    let db = plain.db;
    let tls = TestApp::configured(db, |c| c.accounts.public_url = "https://diplomasi.example.org".into()).await;
    for uri in ["/tr/", "/api/v1/networks", "/tr/no-such-page"] {
        let reply = tls.get(uri).await;
        assert_eq!(reply.headers[header::STRICT_TRANSPORT_SECURITY], "max-age=31536000", "{uri}");
    }
}
