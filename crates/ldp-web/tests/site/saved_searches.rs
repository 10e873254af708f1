//! Saved searches of funding calls on the site (issue 16): the calls list's "save this search" link and the
//! workspace page (prefilled form, field messages, frequency change, delete), the mails of the sweep in each
//! user's language with the link back to the page, and the API that keeps each user's searches to them.

use axum::http::StatusCode;
use scraper::Html;
use serde_json::{Value, json};
use time::Duration;

use ldp_core::clock::{Clock, ISTANBUL};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    a_search_is_saved_from_the_calls_list_changed_and_deleted_in_the_workspace,
    new_calls_and_deadlines_are_mailed_once_in_each_users_language,
    the_api_keeps_each_users_searches_to_themselves,
);

fn sel(s: &str) -> scraper::Selector {
    scraper::Selector::parse(s).unwrap()
}

/// A grant call on climate, its deadline `days` after the clock's now at 17:00 Istanbul time.
fn climate_call(app: &TestApp, identifier: &str, days: i64) -> String {
    let day = (app.clock.now() + Duration::days(days)).to_offset(ISTANBUL).date();
    json!({
        "identifier": identifier,
        "kind": "grant",
        "title_tr": "Kıyı kentlerinde iklim uyumu",
        "title_en": "Climate adaptation in coastal cities",
        "deadline_model": "single",
        "deadlines": format!("{day} 17:00 Europe/Istanbul"),
        "themes": "İklim, kıyı",
        "sdgs": "13",
        "link": "https://example.org/call"
    })
    .to_string()
}

async fn enter_call(app: &TestApp, token: &str, body: &str) -> i64 {
    let created = app.api("POST", "/api/v1/funding/calls", Some(token), Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    serde_json::from_str::<Value>(&created.body).unwrap()["call"]["id"].as_i64().unwrap()
}

async fn a_search_is_saved_from_the_calls_list_changed_and_deleted_in_the_workspace(db: TestDb) {
    let app = TestApp::cached(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;

    // The public list links its filters to the workspace form.
    let list = app.page("/tr/funding?type=grant&q=iklim&status=open").await;
    let link = hrefs(&list, ".save-search a");
    assert_eq!(link, vec!["/tr/workspace/saved-searches?type=grant&q=iklim#new-title".to_owned()]);
    let form = Html::parse_document(&app.get_as("/tr/workspace/saved-searches?type=grant&q=iklim", &rep).await.body);
    assert_eq!(attr(&form, "#f-theme", "value").as_deref(), Some("iklim"));
    assert_eq!(attr(&form, "#f-kind option[selected]", "value").as_deref(), Some("grant"));
    assert!(form.select(&sel("#f-eligible")).next().is_some(), "a representative may ask about their municipality");
    assert!(hrefs(&form, ".ws-nav a").contains(&"/tr/workspace/saved-searches".to_owned()), "the menu links it");
    let staff_form = Html::parse_document(&app.get_as("/tr/workspace/saved-searches", &staff).await.body);
    assert!(staff_form.select(&sel("#f-eligible")).next().is_none(), "staff have no municipality");
    assert!(text(&staff_form, ".empty").contains("kayıtlı aramanız yok"));

    // Bad input: a message beside each field, the values kept, nothing saved.
    let bad = app
        .form(
            "/tr/workspace/saved-searches",
            Some(&rep),
            &[("theme", "iklim"), ("sdg", "99"), ("funder", "yok-boyle"), ("frequency", "bazen"), ("lang", "tr")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&bad.body);
    for field in ["sdg", "funder", "frequency"] {
        assert!(html.select(&sel(&format!("#f-{field}-error"))).next().is_some(), "{field} has its message");
    }
    assert!(text(&html, "#f-sdg-error").contains("1 ile 17"), "{}", text(&html, "#f-sdg-error"));
    assert_eq!(attr(&html, "#f-theme", "value").as_deref(), Some("iklim"));
    assert!(html.select(&sel(".saved-searches li")).next().is_none());

    let saved = app
        .form(
            "/tr/workspace/saved-searches",
            Some(&rep),
            &[
                ("theme", "iklim"),
                ("kind", "grant"),
                ("eligible", "true"),
                ("frequency", "immediately"),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = Html::parse_document(&app.get_as("/tr/workspace/saved-searches?done=created", &rep).await.body);
    assert!(text(&page, ".notice").contains("kaydedildi"));
    let row = text(&page, ".saved-searches li");
    assert!(
        row.contains("Tema ya da konu: iklim") && row.contains("Hibe") && row.contains("Belediyem başvurabilir"),
        "{row}"
    );
    let id = app.state.saved_searches.list(&rep_actor(&app, "rep@nilufer.bel.tr").await).await.unwrap()[0].id.0;
    assert_eq!(attr(&page, &format!("#f-frequency-{id} option[selected]"), "value").as_deref(), Some("immediately"));
    assert_eq!(attr(&page, &format!("#f-lang-{id} option[selected]"), "value").as_deref(), Some("en"));

    // Someone else can neither see nor change it.
    let staff_page = Html::parse_document(&app.get_as("/tr/workspace/saved-searches", &staff).await.body);
    assert!(staff_page.select(&sel(".saved-searches li")).next().is_none());
    let theirs =
        app.form(&format!("/tr/workspace/saved-searches/{id}"), Some(&staff), &[("frequency", "weekly")]).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    let theirs = app.form(&format!("/tr/workspace/saved-searches/{id}/delete"), Some(&staff), &[]).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);

    // The owner changes the frequency (a bad one is refused beside its row), then deletes the search.
    let bad = app.form(&format!("/en/workspace/saved-searches/{id}"), Some(&rep), &[("frequency", "hourly")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        text(&Html::parse_document(&bad.body), &format!("#search-{id} .field-error"))
            .contains("at once, daily or weekly")
    );
    let changed = app
        .form(&format!("/en/workspace/saved-searches/{id}"), Some(&rep), &[("frequency", "weekly"), ("lang", "tr")])
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    let page = Html::parse_document(&app.get_as("/en/workspace/saved-searches", &rep).await.body);
    assert_eq!(attr(&page, &format!("#f-frequency-{id} option[selected]"), "value").as_deref(), Some("weekly"));
    assert_eq!(attr(&page, &format!("#f-lang-{id} option[selected]"), "value").as_deref(), Some("tr"));
    let gone = app.form(&format!("/en/workspace/saved-searches/{id}/delete"), Some(&rep), &[]).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    let page = Html::parse_document(&app.get_as("/en/workspace/saved-searches?done=deleted", &rep).await.body);
    assert!(text(&page, ".notice").contains("deleted"));
    assert!(page.select(&sel(".saved-searches li")).next().is_none());
}

async fn rep_actor(app: &TestApp, email: &str) -> ldp_core::domain::Actor {
    let user = app.state.store.user_by_email(email).await.unwrap().expect("user").user;
    ldp_core::domain::Actor::user(&user, None)
}

async fn new_calls_and_deadlines_are_mailed_once_in_each_users_language(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    let staff_token = app.token("staff@mmu.org.tr", false).await;
    enter_call(&app, &staff_token, &climate_call(&app, "OLD-2026-01", 90)).await;
    let saved = app
        .form(
            "/tr/workspace/saved-searches",
            Some(&rep),
            &[("theme", "IKLIM"), ("frequency", "immediately"), ("lang", "en")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let body = json!({ "theme": "kıyı", "frequency": "daily", "lang": "tr" }).to_string();
    let created = app.api("POST", "/api/v1/saved-searches", Some(&staff_token), Some(&body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    app.state.saved_searches.sweep().await.unwrap();
    assert_eq!(app.deliver().await, 0, "a call known when the search was saved is not announced");

    let id = enter_call(&app, &staff_token, &climate_call(&app, "NEW-2026-02", 5)).await;
    let report = app.state.saved_searches.sweep().await.unwrap();
    assert_eq!((report.alerts, report.digests, report.reminders), (1, 1, 2), "{report:?}");
    assert_eq!(app.deliver().await, 4);
    let sent = app.mail.sent.lock().unwrap().clone();
    let to = |who: &str| sent.iter().filter(|m| m.to == who).cloned().collect::<Vec<_>>();
    let rep_mail = to("rep@nilufer.bel.tr");
    assert_eq!(rep_mail.len(), 2);
    let alert = rep_mail.iter().find(|m| m.subject.starts_with("New funding call")).expect("the alert, in English");
    assert!(alert.subject.contains("Climate adaptation in coastal cities"));
    assert!(alert.body.contains(&format!("/en/funding/calls/{id}")), "{}", alert.body);
    assert!(alert.body.contains("/en/workspace/saved-searches"), "the link to change or stop the alerts");
    assert!(alert.body.contains("Istanbul time"));
    let reminder =
        rep_mail.iter().find(|m| m.subject.starts_with("7 day(s) to the deadline")).expect("the 7-day reminder");
    assert!(reminder.body.contains("NEW-2026-02"));
    let staff_mail = to("staff@mmu.org.tr");
    assert_eq!(staff_mail.len(), 2);
    let digest = staff_mail.iter().find(|m| m.subject.contains("yeni fon çağrısı")).expect("the digest, in Turkish");
    assert!(digest.subject.starts_with("Kayıtlı aramanıza uyan 1"), "{}", digest.subject);
    assert!(
        digest.body.contains("Kıyı kentlerinde iklim uyumu") && digest.body.contains("/tr/workspace/saved-searches")
    );
    assert!(staff_mail.iter().any(|m| m.subject.starts_with("Son başvuruya 7 gün")));

    // Nothing twice; a day before the deadline, the last reminder.
    app.state.saved_searches.sweep().await.unwrap();
    assert_eq!(app.deliver().await, 0);
    let deadline = (app.clock.now() + Duration::days(5))
        .to_offset(ISTANBUL)
        .date()
        .with_hms(17, 0, 0)
        .unwrap()
        .assume_offset(ISTANBUL);
    app.clock.set(deadline.to_offset(time::UtcOffset::UTC) - Duration::hours(20));
    assert_eq!(app.state.saved_searches.sweep().await.unwrap().reminders, 2);
    assert_eq!(app.deliver().await, 2);
    assert!(app.mail.last_to("rep@nilufer.bel.tr").unwrap().subject.starts_with("1 day(s) to the deadline"));
}

async fn the_api_keeps_each_users_searches_to_themselves(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let rep = app.token("rep@nilufer.bel.tr", false).await;
    let reader = app.token("rep@nilufer.bel.tr", true).await;
    let staff = app.token("staff@mmu.org.tr", false).await;

    let body =
        json!({ "theme": "iklim", "sdg": "13", "kind": "grant", "eligible": true, "frequency": "daily" }).to_string();
    assert_eq!(app.api("POST", "/api/v1/saved-searches", None, Some(&body)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.api("POST", "/api/v1/saved-searches", Some(&reader), Some(&body)).await.status,
        StatusCode::FORBIDDEN
    );
    let created = app.api("POST", "/api/v1/saved-searches", Some(&rep), Some(&body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let search: Value = serde_json::from_str(&created.body).unwrap();
    let id = search["id"].as_i64().unwrap();
    assert_eq!(
        (search["theme"].as_str(), search["sdg"].as_u64(), search["kind"].as_str()),
        (Some("iklim"), Some(13), Some("grant"))
    );
    assert_eq!((search["frequency"].as_str(), search["lang"].as_str()), (Some("daily"), Some("tr")));
    assert!(search["eligible_for"].is_i64(), "the representative's municipality");

    let refused = app.api("POST", "/api/v1/saved-searches", Some(&staff), Some(&body)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let error: Value = serde_json::from_str(&refused.body).unwrap();
    assert!(error["error"]["fields"]["eligible"].is_string(), "{error}");
    let bad = json!({ "sdg": "18", "kind": "loan", "frequency": "" }).to_string();
    let refused = app.api("POST", "/api/v1/saved-searches", Some(&rep), Some(&bad)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let error: Value = serde_json::from_str(&refused.body).unwrap();
    for field in ["sdg", "kind", "frequency"] {
        assert!(error["error"]["fields"][field].is_string(), "{field}: {error}");
    }
    assert_eq!(
        app.api("POST", "/api/v1/saved-searches", Some(&rep), Some("{not json")).await.status,
        StatusCode::BAD_REQUEST
    );

    let uri = format!("/api/v1/saved-searches/{id}");
    let listed = app.api("GET", "/api/v1/saved-searches", Some(&reader), None).await;
    assert_eq!(serde_json::from_str::<Value>(&listed.body).unwrap().as_array().map(Vec::len), Some(1));
    assert_eq!(app.api("GET", &uri, Some(&reader), None).await.status, StatusCode::OK);
    let staff_list = app.api("GET", "/api/v1/saved-searches", Some(&staff), None).await;
    assert_eq!(serde_json::from_str::<Value>(&staff_list.body).unwrap(), json!([]));
    assert_eq!(app.api("GET", &uri, Some(&staff), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("DELETE", &uri, Some(&staff), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("GET", "/api/v1/saved-searches/abc", Some(&rep), None).await.status, StatusCode::BAD_REQUEST);

    let bad = app.api("PATCH", &uri, Some(&rep), Some(&json!({ "frequency": "hourly" }).to_string())).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let changed =
        app.api("PATCH", &uri, Some(&rep), Some(&json!({ "frequency": "weekly", "lang": "en" }).to_string())).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    let changed: Value = serde_json::from_str(&changed.body).unwrap();
    assert_eq!(
        (changed["frequency"].as_str(), changed["lang"].as_str(), changed["theme"].as_str()),
        (Some("weekly"), Some("en"), Some("iklim"))
    );
    assert_eq!(app.api("DELETE", &uri, Some(&reader), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api("DELETE", &uri, Some(&rep), None).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.api("GET", &uri, Some(&rep), None).await.status, StatusCode::NOT_FOUND);
}
