//! Accounts as a browser uses them: sign-in and out, the session id renewed at sign-in, lockout, CSRF
//! refusals, password reset and invitation links from the mail, the account page with API tokens, and the
//! audit trail's pages.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use scraper::Html;

use ldp_core::domain::{AuditFilter, Page};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    the_users_page_reads_municipalities_once_however_many_users,
    signing_in_renews_the_session_and_signing_out_ends_it,
    the_workspace_sends_visitors_to_sign_in_and_back,
    forms_without_the_csrf_token_are_refused,
    five_wrong_passwords_lock_the_form,
    a_mailed_reset_link_works_once,
    an_invited_representative_sets_a_password_and_sees_their_municipality,
    the_account_page_creates_shows_once_and_revokes_tokens,
    the_audit_log_filters_and_exports_for_auditors_only,
    forms_re_render_with_messages_and_what_was_typed,
    security_headers_and_cookie_flags,
    staff_cannot_hand_anyone_the_auditors_reading_rights,
    the_sign_in_redirect_stays_on_this_site,
    the_audit_csv_never_hands_a_spreadsheet_a_formula,
);

fn link_token(body: &str, path: &str) -> String {
    let link = body.split_whitespace().find(|w| w.contains(path)).expect("a link in the mail");
    link.rsplit('/').next().unwrap().to_owned()
}

async fn signing_in_renews_the_session_and_signing_out_ends_it(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let first = app.sign_in("staff@mmu.org.tr").await;
    // Signing in again from the same browser replaces its session: a new id, the old one ends.
    let form = app.get_as("/tr/sign-in?next=/tr/workspace/account", &first).await;
    assert_eq!(form.status, StatusCode::SEE_OTHER, "a signed-in visitor is sent on");
    let anon = app.get("/tr/sign-in").await;
    let csrf_cookie = set_cookie(&anon, "ldp_csrf").unwrap();
    let body = serde_urlencoded::to_string([
        ("csrf", csrf_of(&anon.body).as_str()),
        ("email", "staff@mmu.org.tr"),
        ("password", PASSWORD),
        ("next", "/tr/workspace/account"),
    ])
    .unwrap();
    let reply = app
        .request(
            Request::post("/tr/sign-in")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("ldp_csrf={csrf_cookie}; ldp_session={}", first.cookie))
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    assert_eq!(reply.headers[header::LOCATION], "/tr/workspace/account");
    let second = set_cookie(&reply, "ldp_session").unwrap();
    assert_ne!(second, first.cookie, "the session id changes at sign-in");
    let old = app.get_as("/tr/workspace", &first).await;
    assert_eq!(old.status, StatusCode::SEE_OTHER, "the old session id no longer works");
    let b = Browser { cookie: second, csrf: String::new() };
    let ws = app.get_as("/tr/workspace", &b).await;
    assert_eq!(ws.status, StatusCode::OK);
    assert_eq!(ws.headers[header::CACHE_CONTROL], "private, no-store");
    let b = Browser { csrf: csrf_of(&ws.body), ..b };
    let out = app.form("/tr/sign-out", Some(&b), &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.headers[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(app.get_as("/tr/workspace", &b).await.status, StatusCode::SEE_OTHER, "signed out means signed out");
    // An address outside the site is never followed after sign-in.
    let anon = app.get("/en/sign-in").await;
    let body = serde_urlencoded::to_string([
        ("csrf", csrf_of(&anon.body).as_str()),
        ("email", "staff@mmu.org.tr"),
        ("password", PASSWORD),
        ("next", "//evil.example/steal"),
    ])
    .unwrap();
    let reply = app
        .request(
            Request::post("/en/sign-in")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("ldp_csrf={}", set_cookie(&anon, "ldp_csrf").unwrap()))
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(reply.headers[header::LOCATION], "/en/workspace");
}

async fn the_workspace_sends_visitors_to_sign_in_and_back(db: TestDb) {
    let app = TestApp::new(db).await;
    let reply = app.get("/en/workspace/audit?record_type=partnership").await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let location = reply.headers[header::LOCATION].to_str().unwrap();
    assert!(location.starts_with("/en/sign-in?next="), "{location}");
    assert!(location.contains("%2Fen%2Fworkspace%2Faudit"), "{location}");
    let html = app.page("/en/sign-in").await;
    assert_eq!(text(&html, "h1"), "Sign in");
    assert_eq!(attr(&html, "input[name=password]", "value"), None, "passwords are never echoed");
    // The public pages link to the workspace, the same for everyone (so they stay cacheable).
    let home = app.page("/tr/").await;
    assert!(hrefs(&home, "header a").contains(&"/tr/workspace".to_owned()));
}

async fn forms_without_the_csrf_token_are_refused(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let b = app.sign_in("staff@mmu.org.tr").await;
    let profile = [("website", "https://www.bursa.bel.tr")];
    let missing = app
        .request(
            Request::post("/tr/workspace/municipalities/bursa")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, b.cookie_header())
                .body(Body::from("website=https%3A%2F%2Fwww.bursa.bel.tr"))
                .unwrap(),
        )
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN, "{}", missing.body);
    let wrong =
        app.form("/tr/workspace/municipalities/bursa", Some(&b), &[("csrf", &"0".repeat(64)), profile[0]]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let html = Html::parse_document(&wrong.body);
    assert!(text(&html, "main").contains("Sayfayı yenileyip"), "the page says what to do");
    // Another user's token does not work either.
    app.user("other@mmu.org.tr", "staff", "").await;
    let other = app.sign_in("other@mmu.org.tr").await;
    let swapped = app.form("/tr/workspace/municipalities/bursa", Some(&b), &[("csrf", &other.csrf), profile[0]]).await;
    assert_eq!(swapped.status, StatusCode::FORBIDDEN);
    let audit = app.db.store.clone();
    let written = ldp_core::store::AuditStore::export_audit(
        audit.as_ref(),
        &AuditFilter { record_type: Some("municipality".into()), ..Default::default() },
        10,
    )
    .await
    .unwrap();
    assert!(written.is_empty(), "refused forms change nothing");
    let ok = app.form("/tr/workspace/municipalities/bursa", Some(&b), &profile).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // Sign-out and the signed-out forms need it too.
    assert_eq!(app.form("/tr/sign-out", None, &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.form("/tr/sign-in", None, &[("email", "staff@mmu.org.tr"), ("password", PASSWORD)]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.form("/tr/password-reset", None, &[("email", "staff@mmu.org.tr")]).await.status,
        StatusCode::FORBIDDEN
    );
}

async fn five_wrong_passwords_lock_the_form(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@bursa.bel.tr", "representative", "bursa").await;
    let anon = app.get("/tr/sign-in").await;
    let cookie = format!("ldp_csrf={}", set_cookie(&anon, "ldp_csrf").unwrap());
    let csrf = csrf_of(&anon.body);
    let post = |password: &'static str| {
        let body = serde_urlencoded::to_string([
            ("csrf", csrf.as_str()),
            ("email", "rep@bursa.bel.tr"),
            ("password", password),
        ])
        .unwrap();
        Request::post("/tr/sign-in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie.clone())
            .body(Body::from(body))
            .unwrap()
    };
    for _ in 0..5 {
        let reply = app.request(post("yanlış-parola")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        let html = Html::parse_document(&reply.body);
        assert_eq!(text(&html, "#f-email-error"), "E-posta adresi ya da parola yanlış.");
        assert_eq!(attr(&html, "input[name=email]", "value").as_deref(), Some("rep@bursa.bel.tr"), "kept");
    }
    let locked = app.request(post(PASSWORD)).await;
    assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS, "{}", locked.body);
    assert!(Html::parse_document(&locked.body).root_element().text().any(|t| t.contains("Çok fazla hatalı giriş")));
}

async fn a_mailed_reset_link_works_once(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@bursa.bel.tr", "representative", "bursa").await;
    let anon = app.get("/en/password-reset").await;
    let cookie = format!("ldp_csrf={}", set_cookie(&anon, "ldp_csrf").unwrap());
    let csrf = csrf_of(&anon.body);
    let ask = |email: &str| {
        Request::post("/en/password-reset")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie.clone())
            .body(Body::from(serde_urlencoded::to_string([("csrf", csrf.as_str()), ("email", email)]).unwrap()))
            .unwrap()
    };
    let unknown = app.request(ask("nobody@example.org")).await;
    let known = app.request(ask("rep@bursa.bel.tr")).await;
    assert_eq!((unknown.status, known.status), (StatusCode::OK, StatusCode::OK));
    let said = |r: &Reply| text(&Html::parse_document(&r.body), "[role=status]");
    assert_eq!(said(&unknown), said(&known), "the answer does not tell who has an account");
    assert!(app.mail.sent.lock().unwrap().is_empty(), "the request only queues; the worker mails");
    assert_eq!(app.deliver().await, 2, "both requests queued the same work");
    let mail = app.mail.last_to("rep@bursa.bel.tr").expect("mailed");
    assert_eq!(app.mail.sent.lock().unwrap().len(), 1);
    let token = link_token(&mail.body, "/en/password-reset/");
    let form_uri = format!("/en/password-reset/{token}");
    let form = app.get(&form_uri).await;
    assert_eq!(form.status, StatusCode::OK);
    let fcookie = format!("ldp_csrf={}", set_cookie(&form, "ldp_csrf").unwrap());
    let fcsrf = csrf_of(&form.body);
    let set = |p1: &str, p2: &str| {
        Request::post(form_uri.as_str())
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, fcookie.clone())
            .body(Body::from(
                serde_urlencoded::to_string([("csrf", fcsrf.as_str()), ("password", p1), ("password_confirm", p2)])
                    .unwrap(),
            ))
            .unwrap()
    };
    let short = app.request(set("kısa", "kısa")).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert!(text(&Html::parse_document(&short.body), "#f-password-error").contains("10"));
    let done = app.request(set("Yeni-parola-2026", "Yeni-parola-2026")).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(done.headers[header::LOCATION], "/en/sign-in?done=password");
    let again = app.request(set("Üçüncü-parola-1", "Üçüncü-parola-1")).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND, "a link works once");
    assert_eq!(app.get(&form_uri).await.status, StatusCode::NOT_FOUND);
    assert!(app.state.accounts.sign_in("rep@bursa.bel.tr", "Yeni-parola-2026", None, None).await.is_ok());
}

async fn an_invited_representative_sets_a_password_and_sees_their_municipality(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let invited = app
        .form(
            "/tr/workspace/users",
            Some(&staff),
            &[
                ("email", "temsilci@nilufer.bel.tr"),
                ("name", ""),
                ("role", "representative"),
                ("municipalities", "bursa-nilufer"),
            ],
        )
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.body);
    app.deliver().await;
    let mail = app.mail.last_to("temsilci@nilufer.bel.tr").expect("invitation mailed");
    let token = link_token(&mail.body, "/tr/invitation/");
    let uri = format!("/tr/invitation/{token}");
    let form = app.get(&uri).await;
    assert_eq!(form.status, StatusCode::OK);
    let cookie = format!("ldp_csrf={}", set_cookie(&form, "ldp_csrf").unwrap());
    let body = serde_urlencoded::to_string([
        ("csrf", csrf_of(&form.body).as_str()),
        ("name", "Elif Yıldız"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ])
    .unwrap();
    let done = app
        .request(
            Request::post(uri.as_str())
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, cookie)
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let rep = app.sign_in("temsilci@nilufer.bel.tr").await;
    let ws = Html::parse_document(&app.get_as("/tr/workspace", &rep).await.body);
    assert!(hrefs(&ws, ".ws-nav a").contains(&"/tr/workspace/municipalities/bursa-nilufer".to_owned()));
    assert!(!hrefs(&ws, ".ws-nav a").contains(&"/tr/workspace/audit".to_owned()), "no full log for representatives");
    assert!(texts(&ws, "h2").iter().any(|h| h.contains("Nilüfer")), "the dashboard is about their municipality");
    // The staff list shows the new account as active now.
    let users = Html::parse_document(&app.get_as("/tr/workspace/users", &staff).await.body);
    assert!(texts(&users, "tbody tr").iter().any(|r| r.contains("temsilci@nilufer.bel.tr") && r.contains("Etkin")));
}

async fn the_account_page_creates_shows_once_and_revokes_tokens(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@bursa.bel.tr", "representative", "bursa").await;
    let b = app.sign_in("rep@bursa.bel.tr").await;
    let created = app.form("/en/workspace/account/tokens", Some(&b), &[("name", "sync"), ("scope", "write")]).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let secret = text(&Html::parse_document(&created.body), "code.secret");
    assert!(secret.starts_with("ldp_"));
    let me = app.api("GET", "/api/v1/me", Some(&secret), None).await;
    assert_eq!(me.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&me.body).unwrap();
    assert_eq!((v["role"].as_str(), v["read_only"].as_bool()), (Some("representative"), Some(false)));
    let page = app.get_as("/en/workspace/account", &b).await;
    assert!(!page.body.contains(&secret), "shown once");
    let html = Html::parse_document(&page.body);
    let revoke = attr(&html, "form[action$='/revoke']", "action").expect("a revoke button");
    assert_eq!(app.form(&revoke, Some(&b), &[]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.api("GET", "/api/v1/me", Some(&secret), None).await.status, StatusCode::UNAUTHORIZED);
    let empty = app.form("/en/workspace/account/tokens", Some(&b), &[("name", " ")]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert_eq!(text(&Html::parse_document(&empty.body), "#f-name-error"), "This field is required.");
}

async fn the_audit_log_filters_and_exports_for_auditors_only(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("denetci@mmu.org.tr", "auditor", "").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let saved =
        app.form("/tr/workspace/municipalities/bursa", Some(&staff), &[("website", "https://www.bursa.bel.tr")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get_as("/tr/workspace/audit", &staff).await.status, StatusCode::FORBIDDEN, "staff: no full log");
    let auditor = app.sign_in("denetci@mmu.org.tr").await;
    let log = app.get_as("/tr/workspace/audit?record_type=municipality&actor=staff%40", &auditor).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    let html = Html::parse_document(&log.body);
    let rows = texts(&html, "table.audit tbody tr:not(.changes-row)");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("staff@mmu.org.tr"));
    let changes = texts(&html, "table.audit tbody tr.changes-row");
    assert!(changes.len() == 1 && changes[0].contains("https://www.bursa.bel.tr"), "{changes:?}");
    let bad = app.get_as("/tr/workspace/audit?from=yesterday&record_type=planet", &auditor).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = Html::parse_document(&bad.body);
    assert!(!text(&bad, "#f-from-error").is_empty() && !text(&bad, "#f-record_type-error").is_empty());
    let csv = app.get_as("/tr/workspace/audit.csv?record_type=municipality", &auditor).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 1);
    let after: serde_json::Value = serde_json::from_str(&rows[0][10]).unwrap();
    assert_eq!(after["website"], "https://www.bursa.bel.tr");
    assert_eq!(app.get_as("/tr/workspace/audit.csv", &staff).await.status, StatusCode::FORBIDDEN);
    // A record's own history is open to staff.
    let bursa =
        ldp_core::store::ReferenceStore::municipality_by_slug(app.db.store.as_ref(), "bursa").await.unwrap().unwrap();
    let history =
        app.get_as(&format!("/tr/workspace/audit?record_type=municipality&record_id={}", bursa.id.0), &staff).await;
    assert_eq!(history.status, StatusCode::OK);
    let entries = ldp_core::store::AuditStore::list_audit(
        app.db.store.as_ref(),
        &AuditFilter { record_type: Some("municipality".into()), ..Default::default() },
        Page::first(10),
    )
    .await
    .unwrap();
    assert_eq!(entries.items[0].client, None, "in-process requests have no peer address");
}

async fn forms_re_render_with_messages_and_what_was_typed(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let b = app.sign_in("rep@nilufer.bel.tr").await;
    let reply = app
        .form(
            "/tr/workspace/municipalities/bursa-nilufer/representatives/new",
            Some(&b),
            &[("name", ""), ("title", "Müdür"), ("email", "değil-eposta"), ("phone", "bir iki üç")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&reply.body);
    assert_eq!(text(&html, "#f-name-error"), "Bu alan zorunludur.");
    assert!(!text(&html, "#f-email-error").is_empty() && !text(&html, "#f-phone-error").is_empty());
    assert_eq!(attr(&html, "#f-title", "value").as_deref(), Some("Müdür"), "what was typed is kept");
    assert_eq!(attr(&html, "#f-email", "aria-invalid").as_deref(), Some("true"));
    // A refused trail step says which step must come first, above its form.
    let new = app
        .form(
            "/tr/workspace/partnerships/new",
            Some(&b),
            &[("municipality", "bursa-nilufer"), ("partner_city", "2867714"), ("kind", "sister_city"), ("q", "Münih")],
        )
        .await;
    assert_eq!(new.status, StatusCode::SEE_OTHER, "{}", new.body);
    let location = new.headers[header::LOCATION].to_str().unwrap().to_owned();
    let id = location.trim_start_matches("/tr/workspace/partnerships/").split('?').next().unwrap().to_owned();
    let step = app
        .form(
            &format!("/tr/workspace/partnerships/{id}/steps"),
            Some(&b),
            &[("stage", "signed"), ("date", "2026-03-01"), ("place", "Bursa"), ("signatories", "Başkanlar")],
        )
        .await;
    assert_eq!(step.status, StatusCode::CONFLICT);
    let html = Html::parse_document(&step.body);
    let order = text(&html, "#step-signed .form-message");
    assert!(order.contains("meclis kararı"), "{order}");
    assert_eq!(attr(&html, "#f-signed-place", "value").as_deref(), Some("Bursa"));
    // The partner search finds München by its Turkish name.
    let search = app.get_as("/tr/workspace/partnerships/new?q=M%C3%BCnih", &b).await;
    assert!(search.body.contains("value=\"2867714\""), "München is offered");
}

async fn security_headers_and_cookie_flags(db: TestDb) {
    let app = TestApp::new(db).await;
    let reply = app.get("/tr/sign-in").await;
    let csp = reply.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"));
    assert_eq!(reply.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(reply.headers.contains_key(header::REFERRER_POLICY));
    let cookie = reply.headers[header::SET_COOKIE].to_str().unwrap();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && !cookie.contains("Secure"));
    // Bodies over the limit are refused before they are read.
    let big = "x".repeat(2 * 1024 * 1024);
    let too_big = app.form("/tr/sign-in", None, &[("email", &big)]).await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
}

async fn staff_cannot_hand_anyone_the_auditors_reading_rights(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let users = Html::parse_document(&app.get_as("/tr/workspace/users", &staff).await.body);
    let offered: Vec<String> = users
        .select(&scraper::Selector::parse("select[name=role] option").unwrap())
        .filter_map(|o| o.value().attr("value").map(str::to_owned))
        .collect();
    assert_eq!(offered, ["staff", "representative"], "the form offers only roles staff may grant");
    for role in ["auditor", "admin"] {
        let reply = app
            .form(
                "/tr/workspace/users",
                Some(&staff),
                &[("email", "ikinci@mmu.org.tr"), ("name", ""), ("role", role), ("municipalities", "")],
            )
            .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{role}: {}", reply.body);
        assert!(app.state.accounts.user_by_email("ikinci@mmu.org.tr").await.unwrap().is_none(), "nothing stored");
    }
    assert!(app.mail.last_to("ikinci@mmu.org.tr").is_none());
}

async fn the_sign_in_redirect_stays_on_this_site(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    for next in ["/%09/evil.example", "/\\evil.example", "https://evil.example/", "/tr/workspace/users"] {
        let next_value = percent_decode(next);
        let fields = [("email", "staff@mmu.org.tr"), ("password", PASSWORD), ("next", next_value.as_str())];
        let reply = app.post_sign_in(&fields, |r| r).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let to = reply.headers[header::LOCATION].to_str().unwrap();
        let expected = if next.starts_with("/tr/") { next } else { "/tr/workspace" };
        assert_eq!(to, expected, "next={next:?}");
    }
}

async fn the_audit_csv_never_hands_a_spreadsheet_a_formula(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("=1+2@evil.example", "admin", "").await;
    app.user("denetci@mmu.org.tr", "auditor", "").await;
    let admin = app.sign_in("=1+2@evil.example").await;
    let invited = app
        .form(
            "/tr/workspace/users",
            Some(&admin),
            &[("email", "yeni@mmu.org.tr"), ("name", "@SUM(1+2)"), ("role", "staff"), ("municipalities", "")],
        )
        .await;
    assert_eq!(invited.status, StatusCode::SEE_OTHER, "{}", invited.body);
    let auditor = app.sign_in("denetci@mmu.org.tr").await;
    let csv = app.get_as("/tr/workspace/audit.csv?record_type=user", &auditor).await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.iter().any(|r| &r[3] == "'=1+2@evil.example"), "the actor cell is text: {rows:?}");
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '-', '@', '\t', '\r']), "formula cell {cell:?}");
        }
    }
}

fn percent_decode(s: &str) -> String {
    serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("v={s}")).unwrap().remove(0).1
}

/// The users page and the workspace header name each user's municipalities from the reference model, not one
/// read per user and municipality.
async fn the_users_page_reads_municipalities_once_however_many_users(db: TestDb) {
    let (app, counter) = TestApp::counting(db).await;
    app.user("admin@mmu.org.tr", "admin", "").await;
    let slugs = ["bursa-nilufer", "istanbul-kadikoy", "bursa", "kocaeli-izmit", "sakarya", "yalova"];
    for (i, pair) in slugs.windows(2).enumerate() {
        app.user(&format!("rep{i}@example.org"), "representative", &pair.join(",")).await;
    }
    let rep = app.user("many@example.org", "representative", "bursa,bursa-nilufer,yalova").await;
    let admin = app.sign_in("admin@mmu.org.tr").await;
    let browser = app.sign_in("many@example.org").await;
    counter.reset();
    let page = app.get_as("/tr/workspace/users", &admin).await;
    assert_eq!(page.status, 200);
    let html = scraper::Html::parse_document(&page.body);
    let cells = texts(&html, "main table td");
    assert!(
        cells.iter().any(|c| c.contains("Bursa Büyükşehir") && c.contains("Nilüfer") && c.contains("Yalova")),
        "the three municipalities by name in one cell: {cells:?}"
    );
    assert!(cells.iter().any(|c| c.contains("Kadıköy")), "{cells:?}");
    assert_eq!(counter.calls("municipality"), 0, "no read per user");
    assert_eq!(counter.calls("municipalities_by_id"), 0, "the list and the header name them from the reference model");
    counter.reset();
    let own = app.get_as("/tr/workspace/compliance", &browser).await;
    assert_eq!(own.status, 200);
    assert_eq!(counter.calls("municipality"), 0, "the header names {:?} in one read", rep.municipalities);
    assert_eq!(counter.calls("municipalities_by_id"), 0);
}
