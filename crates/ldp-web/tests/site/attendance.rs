//! Check-in in the workspace: staff tick attendees of confirmed registrations per session (unticking undoes)
//! or type a code; a bad code is named beside its field; a representative cannot check anyone in. The API
//! does the same with the same refusals. Check-ins follow their session when the event is edited, and a
//! session with check-ins cannot be removed (a field error on the form, a 400 from the API).

use axum::http::StatusCode;
use scraper::Html;

use ldp_core::domain::{Actor, EventId, EventStatus};
use ldp_core::services::events::{EventInput, RegistrationInput};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::{TestApp, texts};

both_backends!(seeded =>
    staff_check_in_by_list_and_code_and_representatives_cannot,
    the_api_checks_in_by_code_and_by_attendee_and_undoes,
    a_session_with_check_ins_cannot_be_removed_from_the_form_or_the_api,
);

fn training() -> EventInput {
    EventInput {
        kind: Some("training".into()),
        title_tr: Some("Protokol kuralları eğitimi".into()),
        host: Some("bursa-nilufer".into()),
        online_url: Some("https://meet.example.org/protokol".into()),
        sessions: Some("2026-12-10 10:00-12:30\n2026-12-11 10:00-12:30".into()),
        languages: Some("tr".into()),
        organiser: Some("Marmara Belediyeler Birliği".into()),
        audience: Some("member_staff".into()),
        capacity: Some("2".into()),
        ..EventInput::default()
    }
}

async fn staff_check_in_by_list_and_code_and_representatives_cannot(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    let system = Actor::system("test");
    let event = app.state.events.create(&system, &training()).await.unwrap().id;
    app.state.events.set_status(&system, event, EventStatus::Published).await.unwrap();
    let user = app.state.accounts.user_by_email("rep@nilufer.bel.tr").await.unwrap().expect("user");
    let rep_actor = Actor::user(&user, None);
    let group = RegistrationInput {
        attendees: Some("Şükrü Ağaoğlu <sukru@nilufer.bel.tr>\nİpek Işık <ipek@nilufer.bel.tr>".into()),
        ..RegistrationInput::default()
    };
    let group = app.state.events.register(&rep_actor, event, &group).await.unwrap();
    let late = RegistrationInput { attendees: Some("Gül Çınar <gul@nilufer.bel.tr>".into()), ..Default::default() };
    let late = app.state.events.register(&rep_actor, event, &late).await.unwrap();
    assert_eq!(late.status.as_str(), "waitlisted");
    let path = format!("/tr/workspace/events/{}/check-in", event.0);

    // The sheet lists attendees of confirmed registrations only, one checkbox each.
    let page = app.get_as(&path, &staff).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let html = Html::parse_document(&page.body);
    assert_eq!(texts(&html, "tbody tr").len(), 2);
    assert!(page.body.contains("Şükrü Ağaoğlu") && !page.body.contains("Gül Çınar"));

    // Tick the second attendee for session 2; then untick (undo).
    let second = format!("{}-1", group.id.0);
    let saved = app.form(&path, Some(&staff), &[("session", "1"), ("present", second.as_str())]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let sheet = app.state.attendance.sheet(&system, event).await.unwrap();
    assert!(sheet.present(1, (group.id, 1)) && !sheet.present(1, (group.id, 0)) && sheet.count(0) == 0);
    let shown = app.get_as(&format!("{path}?session=1"), &staff).await;
    assert!(shown.body.contains(&format!("value=\"{second}\" checked")));
    assert_eq!(app.form(&path, Some(&staff), &[("session", "1")]).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.state.attendance.sheet(&system, event).await.unwrap().count(1), 0);

    // By code (any case): every attendee of the registration for the session.
    let by_code = app
        .form(&format!("{path}/code"), Some(&staff), &[("session", "0"), ("code", &group.code.to_lowercase())])
        .await;
    assert_eq!(by_code.status, StatusCode::SEE_OTHER, "{}", by_code.body);
    assert_eq!(app.state.attendance.sheet(&system, event).await.unwrap().count(0), 2);
    // A waitlisted or unknown code is named beside the field, never a 500.
    for code in [late.code.as_str(), "ZZZZZZZZ", "0O"] {
        let bad = app.form(&format!("{path}/code"), Some(&staff), &[("session", "0"), ("code", code)]).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{code}");
        assert!(bad.body.contains("f-code-error"), "{code}");
    }
    let bad_session = app.form(&format!("{path}/code"), Some(&staff), &[("session", "7"), ("code", &group.code)]).await;
    assert_eq!(bad_session.status, StatusCode::BAD_REQUEST);

    // A representative can neither see the sheet nor check anyone in.
    assert_ne!(app.get_as(&path, &rep).await.status, StatusCode::OK);
    let refused = app.form(&format!("{path}/code"), Some(&rep), &[("session", "1"), ("code", &group.code)]).await;
    assert!(refused.status.is_client_error(), "{}", refused.status);
    assert_eq!(app.state.attendance.sheet(&system, event).await.unwrap().count(1), 0);
    assert!(app.state.attendance.sheet(&rep_actor, EventId(event.0)).await.is_err());

    // Each check-in and undo is audited on its registration.
    let filter = ldp_core::domain::AuditFilter {
        record_type: Some("event_registration".into()),
        ..ldp_core::domain::AuditFilter::default()
    };
    let entries = app.state.store.list_audit(&filter, ldp_core::domain::Page::default()).await.unwrap().items;
    assert_eq!(entries.iter().filter(|e| e.action == "check_in").count(), 3);
    assert_eq!(entries.iter().filter(|e| e.action == "undo_check_in").count(), 1);
}

async fn the_api_checks_in_by_code_and_by_attendee_and_undoes(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let rep = app.token("rep@nilufer.bel.tr", false).await;
    let system = Actor::system("test");
    let event = app.state.events.create(&system, &training()).await.unwrap().id;
    app.state.events.set_status(&system, event, EventStatus::Published).await.unwrap();
    let user = app.state.accounts.user_by_email("rep@nilufer.bel.tr").await.unwrap().expect("user");
    let group = RegistrationInput {
        attendees: Some("Şükrü Ağaoğlu <sukru@nilufer.bel.tr>\nİpek Işık <ipek@nilufer.bel.tr>".into()),
        ..RegistrationInput::default()
    };
    let group = app.state.events.register(&Actor::user(&user, None), event, &group).await.unwrap();
    let path = format!("/api/v1/events/{}/check-ins", event.0);

    // The sheet: two sessions, two attendees, nobody present yet; not for a representative or anonymous.
    let sheet = app.api("GET", &path, Some(&staff), None).await;
    assert_eq!(sheet.status, StatusCode::OK, "{}", sheet.body);
    let v: serde_json::Value = serde_json::from_str(&sheet.body).unwrap();
    assert_eq!(v["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(v["attendees"][1]["name"], "İpek Işık");
    assert_eq!(v["attendees"][0]["sessions"], serde_json::json!([]));
    assert_eq!(app.api("GET", &path, Some(&rep), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api("GET", &path, None, None).await.status, StatusCode::UNAUTHORIZED);

    // By code (lower case): both attendees for session 0.
    let body = format!(r#"{{"session":0,"code":"{}"}}"#, group.code.to_lowercase());
    let done = app.api("POST", &path, Some(&staff), Some(&body)).await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    let v: serde_json::Value = serde_json::from_str(&done.body).unwrap();
    assert_eq!(v["sessions"][0]["present"], 2);
    // One attendee for session 1.
    let body = format!(r#"{{"session":1,"registration":{},"attendee":1}}"#, group.id.0);
    let done = app.api("POST", &path, Some(&staff), Some(&body)).await;
    let v: serde_json::Value = serde_json::from_str(&done.body).unwrap();
    assert_eq!(v["attendees"][1]["sessions"], serde_json::json!([0, 1]), "{v}");

    // Refusals name their field, never a 500.
    for (body, field) in [
        (r#"{"code":"ZZZZZZZZ"}"#.to_owned(), "session"),
        (r#"{"session":0,"code":"ZZZZZZZZ"}"#.to_owned(), "code"),
        (r#"{"session":9,"code":"ZZZZZZZZ"}"#.to_owned(), "session"),
        (r#"{"session":0}"#.to_owned(), "code"),
        (format!(r#"{{"session":0,"registration":{}}}"#, group.id.0), "attendee"),
        (format!(r#"{{"session":0,"registration":{},"attendee":5}}"#, group.id.0), "attendee"),
        (format!(r#"{{"session":0,"code":"{}","registration":{},"attendee":0}}"#, group.code, group.id.0), "code"),
    ] {
        let refused = app.api("POST", &path, Some(&staff), Some(&body)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{body}: {}", refused.body);
        let e: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
        assert!(e["error"]["fields"][field].is_string(), "{body}: {e}");
    }
    let body = format!(r#"{{"session":0,"code":"{}"}}"#, group.code);
    assert_eq!(app.api("POST", &path, Some(&rep), Some(&body)).await.status, StatusCode::FORBIDDEN);

    // Undo one; undoing it again is a 404 (nothing to undo).
    let one = format!("{path}/{}/1/1", group.id.0);
    assert_eq!(app.api("DELETE", &one, Some(&staff), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.api("DELETE", &one, Some(&staff), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.api("DELETE", &format!("{path}/{}/x/1", group.id.0), Some(&staff), None).await.status,
        StatusCode::BAD_REQUEST
    );
    let sheet = app.state.attendance.sheet(&system, event).await.unwrap();
    assert_eq!((sheet.count(0), sheet.count(1)), (2, 0));
}

async fn a_session_with_check_ins_cannot_be_removed_from_the_form_or_the_api(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let token = app.token("staff@mmu.org.tr", false).await;
    let system = Actor::system("test");
    let event = app.state.events.create(&system, &training()).await.unwrap().id;
    app.state.events.set_status(&system, event, EventStatus::Published).await.unwrap();
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let user = app.state.accounts.user_by_email("rep@nilufer.bel.tr").await.unwrap().expect("user");
    let group = RegistrationInput {
        attendees: Some("Şükrü Ağaoğlu <sukru@nilufer.bel.tr>".into()),
        ..RegistrationInput::default()
    };
    let group = app.state.events.register(&Actor::user(&user, None), event, &group).await.unwrap();
    // Checked in for the second day (2026-12-11).
    assert!(app.state.attendance.set(&system, event, 1, (group.id, 0), true).await.unwrap());

    // A day added before: the check-in is still the 11th's, now the third session.
    let form = |sessions: &'static str| {
        vec![
            ("kind", "training"),
            ("title_tr", "Protokol kuralları eğitimi"),
            ("host", "bursa-nilufer"),
            ("online_url", "https://meet.example.org/protokol"),
            ("sessions", sessions),
            ("language", "tr"),
            ("organiser", "Marmara Belediyeler Birliği"),
            ("audience", "member_staff"),
            ("capacity", "2"),
        ]
    };
    let path = format!("/tr/workspace/events/{}", event.0);
    let added = form("2026-12-09 10:00-12:30\n2026-12-10 10:00-12:30\n2026-12-11 10:00-12:30");
    let saved = app.form(&path, Some(&staff), &added).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let sheet = app.state.attendance.sheet(&system, event).await.unwrap();
    assert!(sheet.present(2, (group.id, 0)) && sheet.count(1) == 0, "{:?}", sheet.check_ins);

    // Leaving the 11th out: the form comes back with the message beside the sessions, nothing saved.
    let refused = app.form(&path, Some(&staff), &form("2026-12-09 10:00-12:30\n2026-12-10 10:00-12:30")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let html = Html::parse_document(&refused.body);
    let error = texts(&html, "#f-sessions-error").join(" ");
    assert!(error.contains("Yoklaması alınmış bir oturum kaldırılamaz"), "{error}");
    assert_eq!(app.state.events.get(&system, event).await.unwrap().fields.sessions.len(), 3);

    // The API says the same with a 400 naming the field.
    let body = serde_json::json!({
        "kind": "training", "title_tr": "Protokol kuralları eğitimi", "host": "bursa-nilufer",
        "online_url": "https://meet.example.org/protokol", "sessions": "2026-12-10 10:00-12:30",
        "languages": "tr", "organiser": "Marmara Belediyeler Birliği", "audience": "member_staff", "capacity": "2",
    })
    .to_string();
    let refused = app.api("PUT", &format!("/api/v1/events/{}", event.0), Some(&token), Some(&body)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let e: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
    assert_eq!(e["error"]["fields"]["sessions"].as_str().map(|m| m.is_empty()), Some(false), "{e}");
    let sheet = app.state.attendance.sheet(&system, event).await.unwrap();
    assert_eq!(sheet.event.fields.sessions.len(), 3);
    assert!(sheet.present(2, (group.id, 0)));
}
