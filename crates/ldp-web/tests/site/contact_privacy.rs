//! Retention and personal-data requests on the contact inbox: the retention job anonymises a closed message
//! only once its period (`--contact-retention-months`) has run out, and logs it; staff answer an access
//! request (shown, or downloaded as JSON) and an erasure request (confirmed, every message of the address
//! anonymised and logged); the disposal log is readable by auditors; who may do what, on pages and the API.

use axum::http::{StatusCode, header};
use scraper::Html;
use time::Duration;

use ldp_core::domain::contact::MessageStatus;
use ldp_core::domain::{Actor, AuditFilter, Page};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    the_retention_job_anonymises_only_after_the_period_and_logs_it,
    staff_answer_access_and_erasure_requests,
    each_role_may_handle_requests_as_the_rules_say,
    the_api_exports_erases_and_lists_the_log_by_role,
);

/// A message as the form stores it, through the service; returns its id and reference.
async fn message(app: &TestApp, email: &str, text: &str) -> (i64, String) {
    let input = ldp_core::domain::contact::ContactInput {
        name: Some("Ayşe Yılmaz".into()),
        email: Some(email.into()),
        organisation: Some("Örnek Derneği".into()),
        municipality: None,
        topic: Some("membership".into()),
        message: Some(text.into()),
        consent: Some("yes".into()),
    };
    let sent = app.state.contact.send(&input, ldp_core::domain::Lang::Tr, None, &Actor::visitor(None)).await.unwrap();
    let all = app
        .state
        .contact
        .inbox(
            &Actor::system("test"),
            &ldp_core::domain::contact::MessageFilter { page: Page::first(100), ..Default::default() },
        )
        .await
        .unwrap();
    let m = all.items.iter().find(|m| m.reference == sent.reference).unwrap();
    (m.id, m.reference.clone())
}

async fn close(app: &TestApp, id: i64) {
    app.state.contact.update(&Actor::system("test"), id, Some("closed"), None).await.unwrap();
}

async fn the_retention_job_anonymises_only_after_the_period_and_logs_it(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("personel@marmara.gov.tr", "staff", "").await;
    let (id, reference) = message(&app, "ayse@example.org", "Üyelik koşullarını öğrenmek istiyorum.").await;
    let (open, _) = message(&app, "can@example.org", "Hâlâ açık bir soru.").await;
    app.deliver().await;
    close(&app, id).await;
    app.clock.advance(Duration::days(700));
    assert!(app.state.contact.apply_retention().await.unwrap().is_empty(), "23 months after closing: kept");
    let (m, _) = app.state.contact.message(&Actor::system("test"), id).await.unwrap();
    assert_eq!(m.email, "ayse@example.org");
    app.clock.advance(Duration::days(40));
    assert_eq!(app.state.contact.apply_retention().await.unwrap(), vec![reference.clone()], "24 months: anonymised");
    assert!(app.state.contact.apply_retention().await.unwrap().is_empty(), "once");
    let (m, notes) = app.state.contact.message(&Actor::system("test"), id).await.unwrap();
    assert!(m.name.is_empty() && m.email.is_empty() && m.body.is_empty() && m.anonymised_at.is_some());
    assert!(notes.is_empty());
    let (still_open, _) = app.state.contact.message(&Actor::system("test"), open).await.unwrap();
    assert_eq!((still_open.status, still_open.anonymised_at), (MessageStatus::New, None), "an open message is kept");
    // The message page says so and offers no more forms; the log names the reference and the job. (Two
    // years on, the morning's session has long expired: sign in again.)
    let browser = app.sign_in("personel@marmara.gov.tr").await;
    let page = Html::parse_document(&app.get_as(&format!("/tr/workspace/inbox/{id}"), &browser).await.body);
    assert!(text(&page, "main").contains("anonim hâle getirildi"), "{}", text(&page, "main"));
    assert!(page.select(&scraper::Selector::parse("textarea").unwrap()).next().is_none());
    let log = Html::parse_document(&app.get_as("/tr/workspace/inbox/privacy", &browser).await.body);
    let rows = texts(&log, "table tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].contains(&reference) && rows[0].contains("Saklama işi") && rows[0].contains("saklama süresi doldu")
    );
    assert!(text(&log, ".lead").contains("24 ay"), "the period is stated: {}", text(&log, ".lead"));
    // Nothing more can be done to it.
    let late = app.form(&format!("/tr/workspace/inbox/{id}/notes"), Some(&browser), &[("body", "Not")]).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    let entries = app
        .state
        .store
        .list_audit(
            &AuditFilter { record_type: Some("contact_disposal".into()), ..Default::default() },
            Page::first(10),
        )
        .await
        .unwrap();
    assert_eq!(entries.items.len(), 1);
    assert_eq!(entries.items[0].actor, "system:retention");
    assert!(!entries.items[0].after.as_ref().unwrap().to_string().contains("ayse"));
}

async fn staff_answer_access_and_erasure_requests(db: TestDb) {
    let app = TestApp::configured(db, |c| c.contact.retention_months = 6).await;
    app.user("personel@marmara.gov.tr", "staff", "").await;
    let browser = app.sign_in("personel@marmara.gov.tr").await;
    let (first, r1) = message(&app, "ayse@example.org", "İlk mesajım.").await;
    let (_, r2) = message(&app, "Ayse@Example.org", "İkinci mesajım.").await;
    let (other, r3) = message(&app, "can@example.org", "Başka biri.").await;
    app.deliver().await;
    close(&app, first).await;
    let page = Html::parse_document(&app.get_as("/tr/workspace/inbox/privacy", &browser).await.body);
    assert!(text(&page, ".lead").contains("6 ay"), "{}", text(&page, ".lead"));
    assert_eq!(texts(&page, "input[name=confirm][checked]").len(), 0, "the confirmation starts unticked");
    // Shown: both messages of the address, whatever its case.
    let shown = app
        .form("/tr/workspace/inbox/privacy", Some(&browser), &[("email", "AYSE@example.org"), ("action", "show")])
        .await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.body);
    let html = Html::parse_document(&shown.body);
    let found = text(&html, "main");
    assert!(found.contains(&r1) && found.contains(&r2) && !found.contains(&r3), "{found}");
    // Downloaded: a JSON attachment, never cached.
    let export = app
        .form("/tr/workspace/inbox/privacy", Some(&browser), &[("email", "ayse@example.org"), ("action", "export")])
        .await;
    assert_eq!(export.status, StatusCode::OK);
    assert!(
        export.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"kvkk-access-")
    );
    assert_eq!(export.headers[header::CACHE_CONTROL], "private, no-store");
    let json: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    let messages = json["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0]["message"]["body"], "İlk mesajım.");
    assert_eq!(messages[1]["message"]["reference"], r2.as_str());
    // An erasure without its confirmation, or with a bad address, changes nothing and says why beside the field.
    let unconfirmed = app
        .form("/tr/workspace/inbox/privacy", Some(&browser), &[("email", "ayse@example.org"), ("action", "erase")])
        .await;
    assert_eq!(unconfirmed.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&unconfirmed.body);
    assert!(!text(&html, "#f-confirm-error").is_empty());
    assert_eq!(attr(&html, "#f-email", "value").as_deref(), Some("ayse@example.org"), "what was typed stays");
    let bad = app
        .form(
            "/tr/workspace/inbox/privacy",
            Some(&browser),
            &[("email", "ayse"), ("action", "erase"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(!text(&Html::parse_document(&bad.body), "#f-email-error").is_empty());
    let (m, _) = app.state.contact.message(&Actor::system("test"), first).await.unwrap();
    assert!(m.anonymised_at.is_none());
    // Confirmed: both anonymised (the open one closed), the other address untouched, each logged.
    let erased = app
        .form(
            "/tr/workspace/inbox/privacy",
            Some(&browser),
            &[("email", "ayse@example.org"), ("action", "erase"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(erased.status, StatusCode::SEE_OTHER, "{}", erased.body);
    let location = erased.headers[header::LOCATION].to_str().unwrap().to_owned();
    let after = Html::parse_document(&app.get_as(&location, &browser).await.body);
    assert!(text(&after, ".notice").contains("2 mesaj"), "{}", text(&after, ".notice"));
    let rows = texts(&after, "table tbody tr");
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|r| r.contains("Başvuru üzerine silindi") && r.contains("personel@marmara.gov.tr")));
    let by_address = app
        .form("/tr/workspace/inbox/privacy", Some(&browser), &[("email", "ayse@example.org"), ("action", "show")])
        .await;
    assert!(text(&Html::parse_document(&by_address.body), "main").contains("saklanan bir şey yok"));
    let (o, _) = app.state.contact.message(&Actor::system("test"), other).await.unwrap();
    assert_eq!(o.email, "can@example.org");
    let again = app
        .form(
            "/tr/workspace/inbox/privacy",
            Some(&browser),
            &[("email", "ayse@example.org"), ("action", "erase"), ("confirm", "yes")],
        )
        .await;
    let location = again.headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(text(&Html::parse_document(&app.get_as(&location, &browser).await.body), ".notice").contains("kalmamıştı"));
    // The inbox lists the erased messages as anonymised, without names.
    let inbox = Html::parse_document(&app.get_as("/tr/workspace/inbox?status=all", &browser).await.body);
    let rows = texts(&inbox, "table.inbox tbody tr");
    for reference in [&r1, &r2] {
        let row = rows.iter().find(|r| r.contains(reference.as_str())).expect("the erased message is listed");
        assert!(row.contains("Anonimleştirildi") && !row.contains("Ayşe"), "{row}");
    }
    let kept = rows.iter().find(|r| r.contains(r3.as_str())).expect("the other address's message");
    assert!(kept.contains("Ayşe Yılmaz"), "{kept}");
    // The access requests and the erasure are audited by references, never the address.
    let entries = app.state.store.list_audit(&AuditFilter::default(), Page::first(100)).await.unwrap();
    let exports = entries.items.iter().filter(|e| e.action == "export").count();
    assert_eq!(exports, 3, "shown twice and downloaded once");
    for e in entries.items.iter().filter(|e| e.action == "export" || e.action == "erase") {
        let after = e.after.as_ref().unwrap().to_string();
        assert!(!after.to_lowercase().contains("ayse@"), "{after}");
    }
}

async fn each_role_may_handle_requests_as_the_rules_say(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("yonetici@marmara.gov.tr", "admin", "").await;
    app.user("denetci@marmara.gov.tr", "auditor", "").await;
    app.user("temsilci@bursa.bel.tr", "representative", "bursa").await;
    let (id, _) = message(&app, "ayse@example.org", "Mesaj").await;
    app.deliver().await;
    // (who, reads the log, handles requests)
    let roles = [
        (None, false, false),
        (Some("temsilci@bursa.bel.tr"), false, false),
        (Some("denetci@marmara.gov.tr"), true, false),
        (Some("yonetici@marmara.gov.tr"), true, true),
    ];
    for (who, reads, handles) in roles {
        let browser = match who {
            Some(email) => Some(app.sign_in(email).await),
            None => None,
        };
        let page = match &browser {
            Some(b) => app.get_as("/tr/workspace/inbox/privacy", b).await,
            None => app.get("/tr/workspace/inbox/privacy").await,
        };
        let expected = match (who, reads) {
            (None, _) => StatusCode::SEE_OTHER,
            (_, true) => StatusCode::OK,
            (_, false) => StatusCode::FORBIDDEN,
        };
        assert_eq!(page.status, expected, "{who:?} reading the log");
        if reads {
            let html = Html::parse_document(&page.body);
            assert_eq!(texts(&html, "input[name=email]").is_empty(), !handles, "{who:?}: the request form");
        }
        for action in ["show", "export"] {
            let reply = app
                .form(
                    "/tr/workspace/inbox/privacy",
                    browser.as_ref(),
                    &[("email", "ayse@example.org"), ("action", action)],
                )
                .await;
            if handles {
                assert_eq!(reply.status, StatusCode::OK, "{who:?} {action}");
            } else {
                assert_ne!(reply.status, StatusCode::OK, "{who:?} {action}");
                assert!(!reply.body.contains("ayse@example.org"), "{who:?} {action}: nothing stored is shown");
            }
        }
    }
    let (m, _) = app.state.contact.message(&Actor::system("test"), id).await.unwrap();
    assert!(m.anonymised_at.is_none(), "no role erased anything here");
}

async fn the_api_exports_erases_and_lists_the_log_by_role(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("personel@marmara.gov.tr", "staff", "").await;
    app.user("denetci@marmara.gov.tr", "auditor", "").await;
    app.user("temsilci@bursa.bel.tr", "representative", "bursa").await;
    let (write, audit, rep) = (
        app.token("personel@marmara.gov.tr", false).await,
        app.token("denetci@marmara.gov.tr", false).await,
        app.token("temsilci@bursa.bel.tr", false).await,
    );
    let read_only = app.token("personel@marmara.gov.tr", true).await;
    let (_, reference) = message(&app, "ayse@example.org", "API ile").await;
    let body = "{\"email\":\"ayse@example.org\"}";
    for token in [&audit, &rep, &read_only] {
        for path in ["/api/v1/contact/subjects/export", "/api/v1/contact/subjects/erase"] {
            assert_eq!(app.api("POST", path, Some(token), Some(body)).await.status, StatusCode::FORBIDDEN, "{path}");
        }
    }
    assert_eq!(
        app.api("POST", "/api/v1/contact/subjects/export", None, Some(body)).await.status,
        StatusCode::UNAUTHORIZED
    );
    let bad =
        app.api("POST", "/api/v1/contact/subjects/erase", Some(&write), Some("{\"email\":\"not an address\"}")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let json: serde_json::Value = serde_json::from_str(&bad.body).unwrap();
    assert!(json["error"]["fields"]["email"].as_str().is_some_and(|m| m.contains("e-mail")), "{}", bad.body);
    let export = app.api("POST", "/api/v1/contact/subjects/export", Some(&write), Some(body)).await;
    assert_eq!(export.status, StatusCode::OK, "{}", export.body);
    let json: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    assert_eq!(json["messages"][0]["message"]["reference"], reference.as_str());
    let erased = app.api("POST", "/api/v1/contact/subjects/erase", Some(&write), Some(body)).await;
    assert_eq!(erased.status, StatusCode::OK, "{}", erased.body);
    let json: serde_json::Value = serde_json::from_str(&erased.body).unwrap();
    assert_eq!(json["erased"], serde_json::json!([reference]));
    let log = app.api("GET", "/api/v1/contact/disposals", Some(&audit), None).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.body);
    let json: serde_json::Value = serde_json::from_str(&log.body).unwrap();
    assert_eq!(json["total"], 1);
    assert_eq!(json["items"][0]["action"], "erased");
    assert!(!log.body.contains("ayse"), "the log holds no address");
    assert_eq!(app.api("GET", "/api/v1/contact/disposals", Some(&rep), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.api("GET", "/api/v1/contact/disposals?page=0", Some(&audit), None).await.status,
        StatusCode::BAD_REQUEST
    );
    let doc = app.api("GET", "/api/openapi.json", None, None).await.body;
    assert!(doc.contains("/api/v1/contact/subjects/erase") && doc.contains("/api/v1/contact/disposals"));
}
