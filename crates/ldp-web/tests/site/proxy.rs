//! Behind a reverse proxy: the client is the one the trusted proxy names, and nobody else can name one.

use axum::extract::ConnectInfo;
use axum::http::StatusCode;
use std::net::SocketAddr;

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    one_client_behind_the_proxy_cannot_lock_out_the_others,
    forwarding_headers_from_other_peers_are_ignored,
);

/// A sign-in form post arriving from TCP peer `peer`, with an optional `X-Forwarded-For`.
async fn sign_in_via(app: &TestApp, peer: [u8; 4], forwarded: Option<&str>, email: &str, password: &str) -> Reply {
    app.post_sign_in(&[("email", email), ("password", password)], |request| {
        let request = request.extension(ConnectInfo(SocketAddr::from((peer, 40_000))));
        match forwarded {
            Some(f) => request.header("x-forwarded-for", f),
            None => request,
        }
    })
    .await
}

async fn one_client_behind_the_proxy_cannot_lock_out_the_others(db: TestDb) {
    let app = TestApp::behind(db, "10.0.0.0/8").await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let per_client = ldp_core::services::accounts::AccountSettings::for_tests().max_client_failures;
    // One attacker tries many addresses (never the same one often enough to lock it) through the proxy.
    for i in 0..per_client {
        let reply = sign_in_via(&app, [10, 0, 0, 2], Some("198.51.100.66"), &format!("guess{i}@mmu.org.tr"), "x").await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    }
    let locked = sign_in_via(&app, [10, 0, 0, 2], Some("198.51.100.66"), "staff@mmu.org.tr", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "the attacker's own address is locked");
    // Everybody else comes through the same proxy and signs in.
    let other = sign_in_via(&app, [10, 0, 0, 2], Some("203.0.113.5, 198.51.100.7"), "staff@mmu.org.tr", PASSWORD).await;
    assert_eq!(other.status, StatusCode::SEE_OTHER, "{}", other.body);
}

async fn forwarding_headers_from_other_peers_are_ignored(db: TestDb) {
    let app = TestApp::behind(db, "10.0.0.0/8").await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let per_client = ldp_core::services::accounts::AccountSettings::for_tests().max_client_failures;
    // A client talking to us directly forges a new address on every try: it is still one client.
    for i in 0..per_client {
        let forged = format!("198.51.100.{i}");
        sign_in_via(&app, [203, 0, 113, 9], Some(&forged), &format!("guess{i}@mmu.org.tr"), "x").await;
    }
    let reply = sign_in_via(&app, [203, 0, 113, 9], Some("198.51.100.200"), "staff@mmu.org.tr", PASSWORD).await;
    assert_eq!(reply.status, StatusCode::TOO_MANY_REQUESTS);
}
