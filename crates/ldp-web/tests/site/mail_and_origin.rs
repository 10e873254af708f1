//! Mail leaves from the job queue (the outbox), reset requests are limited, the sign-in form's CSRF cookie
//! is signed, cross-site posts are refused, and "sign out everywhere" ends sessions and tokens.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use scraper::Html;

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    the_reset_form_says_when_an_address_asked_too_often,
    an_address_the_mailer_refuses_is_a_field_error_and_nothing_is_stored,
    staff_follow_mail_in_the_outbox,
    a_planted_csrf_cookie_is_refused,
    cross_site_posts_are_refused,
    signing_out_everywhere_ends_sessions_and_revokes_tokens,
);

/// Posts the password-reset form for `email` as a browser would.
async fn ask_reset(app: &TestApp, email: &str) -> Reply {
    let form = app.get("/tr/password-reset").await;
    let cookie = set_cookie(&form, "ldp_csrf").expect("the form sets its cookie");
    let body = serde_urlencoded::to_string([("csrf", csrf_of(&form.body).as_str()), ("email", email)]).unwrap();
    app.request(
        Request::post("/tr/password-reset")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("ldp_csrf={cookie}"))
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

async fn the_reset_form_says_when_an_address_asked_too_often(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@bursa.bel.tr", "representative", "bursa").await;
    for _ in 0..app.state.accounts.settings().reset_per_address {
        assert_eq!(ask_reset(&app, "rep@bursa.bel.tr").await.status, StatusCode::OK);
    }
    let refused = ask_reset(&app, "rep@bursa.bel.tr").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let page = Html::parse_document(&refused.body);
    assert!(text(&page, "#f-email-error").contains("bir saat sonra"), "{}", refused.body);
    assert_eq!(attr(&page, "#f-email", "value").as_deref(), Some("rep@bursa.bel.tr"), "what was typed stays");
    app.deliver().await;
    assert_eq!(app.mail.sent.lock().unwrap().len(), 3);
}

async fn an_address_the_mailer_refuses_is_a_field_error_and_nothing_is_stored(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let bad = "@SUM(1+2)@evil.example";
    let reply = app
        .form(
            "/tr/workspace/users",
            Some(&staff),
            &[("email", bad), ("name", ""), ("role", "staff"), ("municipalities", "")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert!(!text(&Html::parse_document(&reply.body), "#f-email-error").is_empty());
    assert!(app.state.accounts.user_by_email(bad).await.unwrap().is_none(), "no half-made invitation");
    // And the reset form answers the same address with a message, not a server error.
    let reset = ask_reset(&app, bad).await;
    assert_eq!(reset.status, StatusCode::BAD_REQUEST);
}

async fn staff_follow_mail_in_the_outbox(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@bursa.bel.tr", "representative", "bursa").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let invited = app
        .form(
            "/en/workspace/users",
            Some(&staff),
            &[
                ("email", "yeni@nilufer.bel.tr"),
                ("name", ""),
                ("role", "representative"),
                ("municipalities", "bursa-nilufer"),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.body);
    assert_eq!(app.get("/en/workspace/outbox").await.status, StatusCode::SEE_OTHER, "visitors are sent to sign in");
    let page = Html::parse_document(&app.get_as("/en/workspace/outbox", &staff).await.body);
    let rows = texts(&page, "table.outbox tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("Invitation") && rows[0].contains("yeni@nilufer.bel.tr") && rows[0].contains("Queued"));
    app.deliver().await;
    let page = Html::parse_document(&app.get_as("/en/workspace/outbox?state=done", &staff).await.body);
    let rows = texts(&page, "table.outbox tbody tr");
    assert!(rows[0].contains("Finished") && rows[0].contains("sent"), "{rows:?}");
    assert!(!page.html().contains("/invitation/"), "the link itself is never shown");
    let bad = app.get_as("/en/workspace/outbox?state=lost", &staff).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // Representatives do not read the outbox; the API gives staff the same list.
    let rep = app.sign_in("rep@bursa.bel.tr").await;
    assert_eq!(app.get_as("/en/workspace/outbox", &rep).await.status, StatusCode::FORBIDDEN);
    let token = app.token("staff@mmu.org.tr", true).await;
    let listed = app.api("GET", "/api/v1/outbox?state=done", Some(&token), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let json: serde_json::Value = serde_json::from_str(&listed.body).unwrap();
    assert_eq!(json["total"], 1);
    assert_eq!(json["items"][0]["kind"], "invitation");
    assert!(json["items"][0].get("payload").is_none());
    let wrong = app.api("GET", "/api/v1/outbox?state=lost", Some(&token), None).await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert!(wrong.body.contains("\"state\""));
}

async fn a_planted_csrf_cookie_is_refused(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    // A cookie set from elsewhere (a sibling subdomain) with a token the attacker also puts in the form.
    let planted = "ab".repeat(32);
    let body = serde_urlencoded::to_string([
        ("csrf", planted.as_str()),
        ("email", "staff@mmu.org.tr"),
        ("password", PASSWORD),
    ])
    .unwrap();
    let reply = app
        .request(
            Request::post("/tr/sign-in")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("ldp_csrf={planted}"))
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    // The form replaces an unsigned cookie with a signed one.
    let form = app
        .request(
            Request::get("/tr/sign-in")
                .header(header::COOKIE, format!("ldp_csrf={planted}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let fresh = set_cookie(&form, "ldp_csrf").expect("a new cookie");
    assert!(fresh.contains('.') && !fresh.starts_with(&planted));
}

async fn cross_site_posts_are_refused(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let post = |origin: &'static str| {
        let body = serde_urlencoded::to_string([("csrf", staff.csrf.as_str())]).unwrap();
        Request::post("/tr/sign-out")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, staff.cookie_header())
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::ORIGIN, origin)
            .body(Body::from(body))
            .unwrap()
    };
    let refused = app.request(post("https://evil.example")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(app.get_as("/tr/workspace", &staff).await.status.is_success(), "still signed in");
    let allowed = app.request(post("http://127.0.0.1:8080")).await;
    assert_eq!(allowed.status, StatusCode::SEE_OTHER, "{}", allowed.body);
}

async fn signing_out_everywhere_ends_sessions_and_revokes_tokens(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@bursa.bel.tr", "representative", "bursa").await;
    let laptop = app.sign_in("rep@bursa.bel.tr").await;
    let phone = app.sign_in("rep@bursa.bel.tr").await;
    let token = app.token("rep@bursa.bel.tr", false).await;
    assert_eq!(app.api("GET", "/api/v1/me", Some(&token), None).await.status, StatusCode::OK);
    let reply = app.form("/tr/workspace/account/sign-out-everywhere", Some(&phone), &[]).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    assert_eq!(reply.headers[header::LOCATION], "/tr/sign-in?done=everywhere");
    for browser in [&laptop, &phone] {
        assert_eq!(app.get_as("/tr/workspace", browser).await.status, StatusCode::SEE_OTHER, "sent to sign in");
    }
    assert_eq!(app.api("GET", "/api/v1/me", Some(&token), None).await.status, StatusCode::UNAUTHORIZED);
    let notice = app.page("/tr/sign-in?done=everywhere").await;
    assert!(text(&notice, "[role=status]").contains("anahtar"));
}
