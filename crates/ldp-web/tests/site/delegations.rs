//! Delegations and protocol on the site: the workspace record (details, participants, gifts) with its forms
//! and messages, the representative who keeps their own municipality's visits, the public page that shows a
//! published visit without protocol notes, contact details or gifts, and the API with its roles.

use axum::http::StatusCode;
use scraper::Html;

use ldp_core::domain::{Actor, EventStatus};
use ldp_core::services::events::EventInput;
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::{TestApp, hrefs, text, texts};

both_backends!(seeded =>
    the_workspace_keeps_a_visits_record_and_the_public_sees_its_public_part,
    the_api_reads_by_role_and_writes_for_the_host,
);

fn sel(s: &str) -> scraper::Selector {
    scraper::Selector::parse(s).unwrap()
}

/// A draft incoming delegation hosted by Bursa Nilüfer.
async fn visit(app: &TestApp) -> i64 {
    let input = EventInput {
        kind: Some("incoming_delegation".into()),
        title_tr: Some("Darmstadt heyeti".into()),
        title_en: Some("Delegation from Darmstadt".into()),
        summary_tr: Some("Kardeş şehir heyeti".into()),
        topics: Some("sister_cities".into()),
        host: Some("bursa-nilufer".into()),
        online_url: Some("https://meet.example.org/darmstadt".into()),
        sessions: Some("2026-12-10 10:00-17:00".into()),
        languages: Some("tr".into()),
        organiser: Some("Nilüfer Belediyesi".into()),
        audience: Some("public".into()),
        ..EventInput::default()
    };
    app.state.events.create(&Actor::system("test"), &input).await.unwrap().id.0
}

async fn the_workspace_keeps_a_visits_record_and_the_public_sees_its_public_part(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.user("rep@osmangazi.bel.tr", "representative", "bursa-osmangazi").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    let other = app.sign_in("rep@osmangazi.bel.tr").await;
    let id = visit(&app).await;
    let path = format!("/tr/workspace/delegations/{id}");

    // The host's representative finds the draft visit in their list; another member's does not.
    let list = Html::parse_document(&app.get_as("/tr/workspace/delegations", &rep).await.body);
    assert!(hrefs(&list, "td a").contains(&path));
    assert!(hrefs(&list, ".ws-nav a").contains(&"/tr/workspace/delegations".to_owned()), "the menu links it");
    let list = Html::parse_document(&app.get_as("/tr/workspace/delegations", &other).await.body);
    assert!(!hrefs(&list, "td a").contains(&path));
    assert_eq!(app.get_as(&path, &other).await.status, StatusCode::NOT_FOUND);

    // Bad input: messages beside the fields, values kept, nothing stored.
    let bad = app
        .form(
            &format!("{path}/participants"),
            Some(&rep),
            &[("side", "guest"), ("name", ""), ("country", "Almanya"), ("email", "x")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&bad.body);
    for field in ["name", "country", "email"] {
        assert!(html.select(&sel(&format!("#f-{field}-error"))).next().is_some(), "{field} has its message");
    }
    let bad = app
        .form(
            &format!("{path}/gifts"),
            Some(&rep),
            &[("direction", "given"), ("given_on", "20.11.2026"), ("description", "Tabak"), ("value", "çok")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&bad.body);
    assert!(html.select(&sel("#f-given_on-error")).next().is_some());
    assert!(html.select(&sel("#f-value-error")).next().is_some());

    // The record: details, two participants, a gift.
    let saved = app
        .form(
            &path,
            Some(&rep),
            &[
                ("purpose_tr", "Kardeş şehir ilişkisinin 30. yılı"),
                ("purpose_en", "Thirty years of twinning"),
                ("programme_tr", "10:00 Karşılama\n14:00 Gençlik çalıştayı"),
                ("precedence", "Oberbürgermeister, Belediye Başkanı"),
                ("interpreters", "Almanca ardıl çeviri"),
                ("flags", "TR, DE"),
                ("outcome_tr", "Ortak gençlik kampı kararlaştırıldı"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let person = [
        ("side", "guest"),
        ("rank", "1"),
        ("name", "Hanno Benz"),
        ("title", "Oberbürgermeister"),
        ("organisation", "Stadt Darmstadt"),
        ("country", "DE"),
        ("email", "hanno.benz@darmstadt.de"),
        ("phone", "+49 6151 1150"),
    ];
    assert_eq!(app.form(&format!("{path}/participants"), Some(&rep), &person).await.status, StatusCode::SEE_OTHER);
    let cypriot = [("side", "guest"), ("rank", "2"), ("name", "Mehmet Harmancı"), ("country", "XC")];
    let refused = app.form(&format!("{path}/participants"), Some(&rep), &cypriot).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "XC is no country code");
    let gift = [
        ("direction", "given"),
        ("given_on", "2026-11-20"),
        ("description", "İznik çinisi tabak"),
        ("counterpart", "Hanno Benz"),
        ("value", "4.500,00"),
        ("currency", "TRY"),
    ];
    assert_eq!(app.form(&format!("{path}/gifts"), Some(&rep), &gift).await.status, StatusCode::SEE_OTHER);
    let page = Html::parse_document(&app.get_as(&path, &rep).await.body);
    assert!(text(&page, "table.participants").contains("hanno.benz@darmstadt.de"));
    assert!(text(&page, "table.participants").contains("Almanya"), "the country named in Turkish");
    assert!(text(&page, "table.gifts").contains("4500.00 TRY"), "{}", text(&page, "table.gifts"));
    // Another member's representative may not write to it.
    assert_eq!(app.form(&format!("{path}/gifts"), Some(&other), &gift).await.status, StatusCode::NOT_FOUND);

    // Not public while a draft; once published, the public page shows its public part only.
    assert_eq!(app.get(&format!("/tr/events/{id}")).await.status, StatusCode::NOT_FOUND);
    app.state
        .events
        .set_status(&Actor::system("test"), ldp_core::domain::EventId(id), EventStatus::Published)
        .await
        .unwrap();
    let public = app.page(&format!("/tr/events/{id}")).await;
    let visit = text(&public, ".visit");
    assert!(visit.contains("Kardeş şehir ilişkisinin 30. yılı"));
    assert_eq!(texts(&public, ".visit .programme li"), ["10:00 Karşılama", "14:00 Gençlik çalıştayı"]);
    assert!(visit.contains("Hanno Benz") && visit.contains("Almanya"));
    assert!(visit.contains("Ortak gençlik kampı kararlaştırıldı"));
    for secret in ["darmstadt.de", "6151", "İznik", "4500", "ardıl"] {
        assert!(!public.html().contains(secret), "{secret} is not public");
    }
    let english = app.page(&format!("/en/events/{id}")).await;
    assert!(text(&english, ".visit").contains("Germany"));
    assert!(text(&english, ".visit").contains("Thirty years of twinning"));

    // Removing the participant takes them off the public page at the next anonymous GET.
    let participant =
        app.state.delegations.get(&Actor::system("test"), ldp_core::domain::EventId(id)).await.unwrap().1.participants
            [0]
        .id;
    let removed = app.form(&format!("{path}/participants/{participant}/remove"), Some(&rep), &[]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(!text(&app.page(&format!("/tr/events/{id}")).await, ".visit").contains("Hanno Benz"));
}

async fn the_api_reads_by_role_and_writes_for_the_host(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.user("rep@osmangazi.bel.tr", "representative", "bursa-osmangazi").await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let rep = app.token("rep@nilufer.bel.tr", false).await;
    let other = app.token("rep@osmangazi.bel.tr", false).await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let id = visit(&app).await;
    let uri = format!("/api/v1/events/{id}/delegation");
    let json = |r: &crate::helpers::Reply| serde_json::from_str::<serde_json::Value>(&r.body).unwrap();

    assert_eq!(app.api("GET", &uri, None, None).await.status, StatusCode::NOT_FOUND, "a draft is not public");
    let person = r#"{"side":"guest","rank":"1","name":"Hanno Benz","country":"DE","email":"hanno.benz@darmstadt.de"}"#;
    let p = format!("{uri}/participants");
    assert_eq!(app.api("POST", &p, None, Some(person)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.api("POST", &p, Some(&other), Some(person)).await.status, StatusCode::NOT_FOUND);
    let created = app.api("POST", &p, Some(&rep), Some(person)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let participant = json(&created)["id"].as_i64().unwrap();
    let bad = app.api("POST", &format!("{uri}/gifts"), Some(&rep), Some(r#"{"direction":"sideways"}"#)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let error = json(&bad);
    assert_eq!(error["error"]["fields"]["direction"], "Choose one of the options.");
    assert!(error["error"]["fields"]["description"].is_string(), "{error}");
    let gift = r#"{"direction":"received","given_on":"2026-11-20","description":"Kristal vazo","value":"1250.50","currency":"EUR"}"#;
    assert_eq!(app.api("POST", &format!("{uri}/gifts"), Some(&staff), Some(gift)).await.status, StatusCode::CREATED);
    let details = r#"{"purpose_tr":"Yıl dönümü","flags":"TR DE"}"#;
    let saved = app.api("PUT", &uri, Some(&rep), Some(details)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(json(&saved)["details"]["flags"], serde_json::json!(["TR", "DE"]));

    let whole = json(&app.api("GET", &uri, Some(&rep), None).await);
    assert_eq!(whole["full"], true);
    assert_eq!(whole["gifts"][0]["value"], "1250.50");
    assert_eq!(whole["gifts"][0]["given_on"], "2026-11-20");
    assert_eq!(whole["participants"][0]["email"], "hanno.benz@darmstadt.de");

    app.state
        .events
        .set_status(&Actor::system("test"), ldp_core::domain::EventId(id), EventStatus::Published)
        .await
        .unwrap();
    let public = app.api("GET", &uri, None, None).await;
    assert_eq!(public.status, StatusCode::OK);
    let public = json(&public);
    assert_eq!(public["full"], false);
    assert_eq!(public["participants"][0]["name"], "Hanno Benz");
    assert_eq!(public["participants"][0]["email"], "");
    assert_eq!(public["gifts"], serde_json::json!([]));
    assert_eq!(public["details"]["flags"], serde_json::json!([]));

    let remove = format!("{uri}/participants/{participant}");
    assert_eq!(app.api("DELETE", &remove, Some(&other), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api("DELETE", &remove, Some(&rep), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.api("DELETE", &remove, Some(&rep), None).await.status, StatusCode::NOT_FOUND);
}
