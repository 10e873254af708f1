//! Certificates as people meet them: staff issue them from the workspace and the API (twice is once), exactly
//! 80% of the session hours is enough, a representative cannot issue, the public verification page and its
//! PDF (with the embedded font and the Turkish name in its text), revocation with a reason kept internal,
//! and the participant's own list.

use axum::http::StatusCode;
use scraper::Html;
use serde_json::Value;
use time::Duration;

use ldp_core::clock::ISTANBUL;
use ldp_core::domain::{Actor, EventId, EventStatus, RegistrationId};
use ldp_core::services::events::{EventInput, RegistrationInput};
use ldp_testkit::{NOW, TestDb, both_backends};

use crate::helpers::{TestApp, attr, text, texts};

both_backends!(seeded =>
    certificates_are_issued_at_the_threshold_verified_downloaded_and_revoked,
    only_trainings_lead_to_certificates_and_bad_input_is_named,
);

/// A session line in Istanbul time, `days` after the tests' clock.
fn session(days: i64, from: &str, to: &str) -> String {
    let day = (NOW + Duration::days(days)).to_offset(ISTANBUL).date();
    format!("{day} {from}-{to}")
}

/// A training of 10 hours: 4 h, 4 h and 2 h.
fn training(kind: &str) -> EventInput {
    EventInput {
        kind: Some(kind.into()),
        title_tr: Some("Kardeş şehir ilişkileri eğitimi".into()),
        title_en: Some("Sister-city relations training".into()),
        topics: Some("sister_cities,public_diplomacy".into()),
        host: Some("bursa-nilufer".into()),
        online_url: Some("https://meet.example.org/egitim".into()),
        sessions: Some(
            [session(3, "09:00", "13:00"), session(4, "09:00", "13:00"), session(5, "10:00", "12:00")].join("\n"),
        ),
        languages: Some("tr".into()),
        organiser: Some("Marmara Belediyeler Birliği".into()),
        audience: Some("member_staff".into()),
        ..EventInput::default()
    }
}

async fn published(app: &TestApp, kind: &str) -> EventId {
    let system = Actor::system("test");
    let event = app.state.events.create(&system, &training(kind)).await.unwrap().id;
    app.state.events.set_status(&system, event, EventStatus::Published).await.unwrap();
    event
}

async fn check_in(app: &TestApp, event: EventId, registration: RegistrationId, attendee: u32, sessions: &[u32]) {
    for s in sessions {
        app.state.attendance.set(&Actor::system("test"), event, *s, (registration, attendee), true).await.unwrap();
    }
}

/// The text a PDF shows, read back with lopdf (fonts' ToUnicode maps).
fn pdf_text(bytes: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(bytes).expect("a readable PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("its text")
}

async fn certificates_are_issued_at_the_threshold_verified_downloaded_and_revoked(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    let staff_token = app.token("staff@mmu.org.tr", false).await;
    let rep_token = app.token("rep@nilufer.bel.tr", false).await;
    let event = published(&app, "training").await;
    let user = app.state.accounts.user_by_email("rep@nilufer.bel.tr").await.unwrap().expect("user");
    let group = RegistrationInput {
        attendees: Some("Şükrü Ağaoğlu <rep@nilufer.bel.tr>\nİpek Işık <ipek@nilufer.bel.tr>".into()),
        ..RegistrationInput::default()
    };
    let group = app.state.events.register(&Actor::user(&user, None), event, &group).await.unwrap();
    // Şükrü: 4 h + 4 h of 10 h, exactly 80%. İpek: 4 h + 2 h, 60%.
    check_in(&app, event, group.id, 0, &[0, 1]).await;
    check_in(&app, event, group.id, 1, &[0, 2]).await;
    let path = format!("/tr/workspace/events/{}/certificates", event.0);
    let api = format!("/api/v1/events/{}/certificates", event.0);

    // A representative can neither issue (page or API) nor see the list.
    let refused = app.form(&path, Some(&rep), &[]).await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    assert_eq!(app.api("POST", &api, Some(&rep_token), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api("GET", &api, Some(&rep_token), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api("POST", &api, None, None).await.status, StatusCode::UNAUTHORIZED);
    assert_ne!(app.get_as(&path, &rep).await.status, StatusCode::OK);

    // Staff issue from the workspace: exactly 80% earns one, 60% does not; the page says how many.
    let issued = app.form(&path, Some(&staff), &[]).await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.body);
    let location = issued.headers["location"].to_str().unwrap().to_owned();
    assert!(location.ends_with("issued=1"), "{location}");
    let sheet = app.get_as(&location, &staff).await;
    assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.body);
    let html = Html::parse_document(&sheet.body);
    assert!(text(&html, "#issued").ends_with(": 1"), "{}", text(&html, "#issued"));
    assert_eq!(texts(&html, "#certificates tbody tr").len(), 1);
    assert_eq!(texts(&html, "#attendees tbody tr").len(), 2);

    // Issuing again over the API issues nothing new.
    let again = app.api("POST", &api, Some(&staff_token), None).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let report: Value = serde_json::from_str(&again.body).unwrap();
    assert_eq!((report["issued"].as_u64(), report["total"].as_u64()), (Some(0), Some(1)));
    let code = report["certificates"][0]["code"].as_str().unwrap().to_owned();
    assert_eq!(report["certificates"][0]["name"], "Şükrü Ağaoğlu");
    assert_eq!(report["certificates"][0]["attended_minutes"], 480);

    // Lowering the threshold to 60% certifies İpek too.
    let threshold = format!("{api}/threshold");
    let bad = app.api("PUT", &threshold, Some(&staff_token), Some(r#"{"threshold_percent":"101"}"#)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("threshold_percent"), "{}", bad.body);
    let set = app.api("PUT", &threshold, Some(&staff_token), Some(r#"{"threshold_percent":"60"}"#)).await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.body);
    let more: Value = serde_json::from_str(&app.api("POST", &api, Some(&staff_token), None).await.body).unwrap();
    assert_eq!((more["issued"].as_u64(), more["total"].as_u64()), (Some(1), Some(2)));
    let listed: Value = serde_json::from_str(&app.api("GET", &api, Some(&staff_token), None).await.body).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // The public page: valid, with name, training, dates and hours; typed codes are normalised.
    let page = app.page(&format!("/tr/certificates/{code}")).await;
    assert_eq!(attr(&page, "#certificate-status", "data-status").as_deref(), Some("valid"));
    assert_eq!(text(&page, "#certificate-facts .name"), "Şükrü Ağaoğlu");
    let facts = text(&page, "#certificate-facts");
    assert!(facts.contains("Kardeş şehir ilişkileri eğitimi") && facts.contains("8 / 10 saat"), "{facts}");
    assert!(!facts.contains("rep@nilufer.bel.tr"));
    let lower = app.get(&format!("/tr/certificates/{}", code.to_lowercase())).await;
    assert_eq!(lower.status, StatusCode::PERMANENT_REDIRECT);
    assert_eq!(lower.headers["location"], format!("/tr/certificates/{code}").as_str());
    let spaced = format!("/en/certificates?code={}+{}", &code[..4].to_lowercase(), &code[4..]);
    assert_eq!(app.get(&spaced).await.headers["location"], format!("/en/certificates/{code}").as_str());
    for missing in ["/tr/certificates/ZZZZZZZZ", "/tr/certificates/nope", "/tr/certificates/ZZZZZZZZ.pdf"] {
        let reply = app.get(missing).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{missing}");
        assert!(reply.body.contains("<h1"), "{missing} is the 404 page");
    }
    assert_eq!(app.get("/tr/certificates?code=ZZZZ").await.status, StatusCode::NOT_FOUND);

    // The PDF, in both languages: a PDF with the embedded font and the Turkish name in its text.
    for lang in ["tr", "en"] {
        let (status, headers, bytes) = app.get_bytes(&format!("/{lang}/certificates/{code}.pdf")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/pdf");
        assert!(bytes.starts_with(b"%PDF-"));
        let raw = String::from_utf8_lossy(&bytes);
        assert!(raw.contains("DejaVuSans") && raw.contains("/FontFile2"), "the font is embedded");
        assert!(bytes.len() < 120_000, "the font is subset: {} bytes", bytes.len());
        let shown = pdf_text(&bytes);
        assert!(shown.contains("Şükrü Ağaoğlu"), "{lang}: {shown}");
        assert!(shown.contains(&code), "{lang}: {shown}");
        let heading = if lang == "tr" { "Katılım Sertifikası" } else { "Certificate of Attendance" };
        assert!(shown.contains(heading), "{lang}: {shown}");
        assert!(shown.contains(&format!("/tr/certificates/{code}")), "{lang}: {shown}");
    }

    // The participant sees their own certificate with its downloads.
    let mine = Html::parse_document(&app.get_as("/tr/workspace/events", &rep).await.body);
    let rows = texts(&mine, "#my-certificates tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains(&code));

    // Revocation: a reason is required (named beside its field), then the certificate stays, revoked.
    let revoke = format!("/tr/workspace/certificates/{code}/revoke");
    let empty = app.form(&revoke, Some(&staff), &[("reason", " ")]).await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    assert!(empty.body.contains(&format!("f-reason-{code}-error")));
    assert!(app.form(&revoke, Some(&rep), &[("reason", "x")]).await.status.is_client_error());
    let body = r#"{"reason":"Kişisel: yanlış kişiye düzenlendi"}"#;
    let revocation = format!("/api/v1/certificates/{}/revocation", code.to_lowercase());
    let done = app.api("POST", &revocation, Some(&staff_token), Some(body)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert_eq!(serde_json::from_str::<Value>(&done.body).unwrap()["revoked"], true);
    let twice = app.api("POST", &revocation, Some(&staff_token), Some(body)).await;
    assert_eq!(serde_json::from_str::<Value>(&twice.body).unwrap()["revoked"], false);

    let page = app.get(&format!("/tr/certificates/{code}")).await;
    let html = Html::parse_document(&page.body);
    assert_eq!(attr(&html, "#certificate-status", "data-status").as_deref(), Some("revoked"));
    assert!(!page.body.contains("yanlış kişiye"), "the reason stays internal");
    assert!(html.select(&scraper::Selector::parse("#certificate-pdf").unwrap()).next().is_none());
    assert_eq!(app.get(&format!("/tr/certificates/{code}.pdf")).await.status, StatusCode::NOT_FOUND);
    let (status, verified) = app.json(&format!("/api/v1/certificates/{code}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(verified["status"], "revoked");
    assert!(verified.get("revocation_reason").is_none() && verified.get("email").is_none());
    let sheet = app.get_as(&path, &staff).await.body;
    assert!(sheet.contains("yanlış kişiye"), "staff see the reason");

    let filter = ldp_core::domain::AuditFilter { record_type: Some("certificate".into()), ..Default::default() };
    let entries = app.state.store.list_audit(&filter, ldp_core::domain::Page::default()).await.unwrap().items;
    let count = |a: &str| entries.iter().filter(|e| e.action == a).count();
    assert_eq!((count("issue"), count("set_threshold"), count("revoke")), (2, 1, 1));
}

async fn only_trainings_lead_to_certificates_and_bad_input_is_named(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let token = app.token("staff@mmu.org.tr", false).await;
    let meeting = published(&app, "platform_meeting").await;
    let refused = app.api("POST", &format!("/api/v1/events/{}/certificates", meeting.0), Some(&token), None).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let error: Value = serde_json::from_str(&refused.body).unwrap();
    assert!(error["error"]["fields"]["event"].is_string(), "{}", refused.body);
    let workshop = published(&app, "workshop").await;
    let path = format!("/en/workspace/events/{}/certificates", workshop.0);
    let bad = app.form(&format!("{path}/threshold"), Some(&staff), &[("threshold_percent", "abc")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("f-threshold_percent-error"));
    // Nobody attended: nothing to issue, which is no error.
    let none = app.form(&path, Some(&staff), &[]).await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
    assert!(none.headers["location"].to_str().unwrap().ends_with("issued=0"));
    assert_eq!(app.get("/en/certificates").await.status, StatusCode::OK);
    let unknown = app.api("POST", "/api/v1/certificates/ZZZZZZZZ/revocation", Some(&token), Some(r#"{"reason":"x"}"#));
    assert_eq!(unknown.await.status, StatusCode::NOT_FOUND);
}
