//! Applications for funding over the API: the stage path (a skipped or backward move is a clear field
//! error), the authorization matrix (another municipality's representative gets 404, the public nothing,
//! a read-only token no write) and exact decimals; and the same in the workspace: starting one from a call,
//! partners in rows, field errors beside the fields, the dated stage history, the list's filters and roles.

use axum::http::StatusCode;
use serde_json::{Value, json};

use scraper::Html;

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    the_stage_moves_one_step_at_a_time_with_clear_errors,
    applications_are_seen_by_their_municipality_and_staff_only,
    a_representative_starts_an_application_from_a_call_and_moves_it_with_a_dated_history,
    the_workspace_list_filters_by_stage_and_call_and_shows_each_role_its_own,
);

fn application() -> String {
    json!({
        "municipality": "edirne",
        "title": "Sınır ötesi kültür rotası",
        "partners": [
            { "kind": "member", "municipality": "istanbul" },
            { "kind": "foreign", "name": "Община Свиленград", "country": "bg", "type": "municipality" }
        ],
        "requested": "1.250.000,05",
        "currency": "eur",
        "responsible": "Ayşe Yılmaz",
        "notes": ""
    })
    .to_string()
}

fn parsed(body: &str) -> Value {
    serde_json::from_str(body).unwrap()
}

async fn the_stage_moves_one_step_at_a_time_with_clear_errors(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    let rep = app.token("rep@edirne.bel.tr", false).await;
    let created = app.api("POST", "/api/v1/applications", Some(&rep), Some(&application())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let view = parsed(&created.body);
    let id = view["application"]["id"].as_i64().unwrap();
    assert_eq!(view["application"]["stage"], "idea");
    assert_eq!(
        view["application"]["requested"],
        json!({ "amount": "1250000.05", "currency": "EUR" }),
        "a string, never a float"
    );
    assert_eq!(view["application"]["partners"][1]["country"], "BG");
    let stage = format!("/api/v1/applications/{id}/stage");

    let skip = app.api("POST", &stage, Some(&rep), Some(r#"{"stage":"submitted"}"#)).await;
    assert_eq!(skip.status, StatusCode::BAD_REQUEST, "{}", skip.body);
    assert!(parsed(&skip.body)["error"]["fields"]["stage"].is_string(), "{}", skip.body);

    for next in ["partner_search", "drafting", "submitted"] {
        let moved = app.api("POST", &stage, Some(&rep), Some(&json!({ "stage": next }).to_string())).await;
        assert_eq!(moved.status, StatusCode::OK, "{next}: {}", moved.body);
    }
    let back = app.api("POST", &stage, Some(&rep), Some(r#"{"stage":"drafting"}"#)).await;
    assert_eq!(back.status, StatusCode::BAD_REQUEST, "{}", back.body);
    let future = app.api("POST", &stage, Some(&rep), Some(r#"{"stage":"awarded","on":"2099-01-01"}"#)).await;
    assert_eq!(future.status, StatusCode::BAD_REQUEST);
    assert!(parsed(&future.body)["error"]["fields"]["on"].is_string(), "{}", future.body);
    let unknown = app.api("POST", &stage, Some(&rep), Some(r#"{"stage":"won"}"#)).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);

    let awarded = app.api("POST", &stage, Some(&rep), Some(r#"{"stage":"awarded"}"#)).await;
    assert_eq!(awarded.status, StatusCode::OK, "{}", awarded.body);
    let final_move = app.api("POST", &stage, Some(&rep), Some(r#"{"stage":"withdrawn"}"#)).await;
    assert_eq!(final_move.status, StatusCode::BAD_REQUEST);

    let shown = parsed(&app.api("GET", &format!("/api/v1/applications/{id}"), Some(&rep), None).await.body);
    let path: Vec<&str> = shown["moves"].as_array().unwrap().iter().map(|m| m["to"].as_str().unwrap()).collect();
    assert_eq!(path, ["idea", "partner_search", "drafting", "submitted", "awarded"]);

    let bad = app
        .api(
            "POST",
            "/api/v1/applications",
            Some(&rep),
            Some(r#"{"municipality":"nowhere","title":"","requested":"1e5","currency":"EUR","partners":[{"kind":"foreign","country":"X"}]}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let fields = parsed(&bad.body)["error"]["fields"].as_object().unwrap().clone();
    for f in ["municipality", "title", "requested", "partners[0].name", "partners[0].country", "partners[0].type"] {
        assert!(fields.contains_key(f), "{f} missing in {fields:?}");
    }
}

async fn applications_are_seen_by_their_municipality_and_staff_only(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    app.user("rep@istanbul.bel.tr", "representative", "istanbul").await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let rep = app.token("rep@edirne.bel.tr", false).await;
    let other = app.token("rep@istanbul.bel.tr", false).await;
    let read_only = app.token("rep@edirne.bel.tr", true).await;

    let for_other = app.api("POST", "/api/v1/applications", Some(&other), Some(&application())).await;
    assert_eq!(for_other.status, StatusCode::FORBIDDEN, "not their municipality");
    let ro = app.api("POST", "/api/v1/applications", Some(&read_only), Some(&application())).await;
    assert_eq!(ro.status, StatusCode::FORBIDDEN);
    let created = app.api("POST", "/api/v1/applications", Some(&rep), Some(&application())).await;
    let id = parsed(&created.body)["application"]["id"].as_i64().unwrap();
    let one = format!("/api/v1/applications/{id}");

    assert_eq!(app.api("GET", &one, Some(&other), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.api("POST", &format!("{one}/stage"), Some(&other), Some(r#"{"stage":"partner_search"}"#)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.api("PUT", &one, Some(&other), Some(&application())).await.status, StatusCode::NOT_FOUND);
    assert_eq!(parsed(&app.api("GET", "/api/v1/applications", Some(&other), None).await.body), json!([]));
    assert_eq!(app.api("GET", &one, None, None).await.status, StatusCode::UNAUTHORIZED, "the public sees none");
    assert_eq!(app.api("GET", "/api/v1/applications", None, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.api("POST", &format!("{one}/stage"), Some(&read_only), Some(r#"{"stage":"partner_search"}"#)).await.status,
        StatusCode::FORBIDDEN
    );

    assert_eq!(app.api("GET", &one, Some(&staff), None).await.status, StatusCode::OK);
    assert_eq!(
        parsed(&app.api("GET", "/api/v1/applications", Some(&staff), None).await.body).as_array().unwrap().len(),
        1
    );
    assert_eq!(
        parsed(&app.api("GET", "/api/v1/applications", Some(&rep), None).await.body).as_array().unwrap().len(),
        1
    );
    let mut edit: Value = parsed(&application());
    edit["title"] = json!("Yeni başlık");
    let edited = app.api("PUT", &one, Some(&staff), Some(&edit.to_string())).await;
    assert_eq!(edited.status, StatusCode::OK, "{}", edited.body);
    assert_eq!(parsed(&edited.body)["application"]["title"], "Yeni başlık");
}

/// A published call of the Bulgaria–Türkiye programme (staff enter it), its id.
async fn published_call(app: &TestApp, staff: &str) -> i64 {
    let call = json!({
        "identifier": "BG-TR-2027-02",
        "programme": "interreg-ipa-bulgaria-turkiye",
        "kind": "grant",
        "title_tr": "Sınır ötesi su yönetimi",
        "title_en": "Cross-border water management",
        "deadline_model": "single",
        "deadlines": "2027-03-12 17:00 Europe/Sofia",
        "currency": "EUR",
        "link": "https://www.ipacbc-bgtr.eu/",
    });
    let created = app.api("POST", "/api/v1/funding/calls", Some(staff), Some(&call.to_string())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    parsed(&created.body)["call"]["id"].as_i64().unwrap()
}

fn html(body: &str) -> Html {
    Html::parse_document(body)
}

async fn a_representative_starts_an_application_from_a_call_and_moves_it_with_a_dated_history(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    let call = published_call(&app, &app.token("staff@mmu.org.tr", false).await).await;
    let rep = app.sign_in("rep@edirne.bel.tr").await;

    let call_page = html(&app.get_as(&format!("/tr/workspace/calls/{call}"), &rep).await.body);
    let start = format!("/tr/workspace/applications/new?call={call}");
    assert!(
        hrefs(&call_page, "a.button").contains(&start),
        "the call page offers to start an application: {:?}",
        hrefs(&call_page, "a")
    );
    let new = app.get_as(&start, &rep).await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.body);
    let form = html(&new.body);
    assert_eq!(attr(&form, "#f-call option[selected]", "value"), Some(call.to_string()));
    assert_eq!(attr(&form, "#f-municipality option[selected]", "value").as_deref(), Some("edirne"));
    assert!(text(&form, "table.deadlines").contains("18:00"), "17:00 in Sofia is 18:00 in İstanbul");
    assert_eq!(texts(&form, "#f-municipality option").len(), 2, "a representative applies only for their own");

    let call_id = call.to_string();
    let mut fields = vec![
        ("municipality", "edirne"),
        ("call", call_id.as_str()),
        ("title", ""),
        ("requested", "on bin avro"),
        ("currency", "EUR"),
        ("responsible", "Ayşe Yılmaz"),
        ("notes", ""),
        ("partner_kind", "foreign"),
        ("partner_municipality", ""),
        ("partner_name", "Община Свиленград"),
        ("partner_country", "Bulgaristan"),
        ("partner_type", "municipality"),
        ("partner_kind", ""),
        ("partner_municipality", ""),
        ("partner_name", ""),
        ("partner_country", ""),
        ("partner_type", ""),
    ];
    let refused = app.form("/tr/workspace/applications/new", Some(&rep), &fields).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let page = html(&refused.body);
    assert!(!text(&page, "#f-title-error").is_empty(), "the title's error is beside it");
    assert!(!text(&page, "#f-requested-error").is_empty());
    assert!(!text(&page, "#f-partner-country-0-error").is_empty(), "the partner row's country error is beside it");
    assert_eq!(attr(&page, "#f-partner-name-0", "value").as_deref(), Some("Община Свиленград"), "input kept");
    assert_eq!(
        app.api("GET", "/api/v1/applications", Some(&app.token("rep@edirne.bel.tr", true).await), None).await.body,
        "[]"
    );

    fields[2] = ("title", "Meriç havzasında ortak taşkın uyarısı");
    fields[3] = ("requested", "1.250.000,05");
    fields[10] = ("partner_country", "bg");
    fields.extend([
        ("partner_kind", "member"),
        ("partner_municipality", "kirklareli"),
        ("partner_name", ""),
        ("partner_country", ""),
        ("partner_type", ""),
    ]);
    let created = app.form("/tr/workspace/applications/new", Some(&rep), &fields).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.headers[axum::http::header::LOCATION].to_str().unwrap().to_owned();
    let path = location.split('?').next().unwrap().to_owned();
    let shown = html(&app.get_as(&location, &rep).await.body);
    assert_eq!(text(&shown, "h1"), "Meriç havzasında ortak taşkın uyarısı");
    assert!(text(&shown, ".facts").contains("1250000.05 EUR"), "{}", text(&shown, ".facts"));
    let partners = texts(&shown, "table.partners tbody tr");
    assert_eq!(partners.len(), 2, "the blank row is no partner: {partners:?}");
    assert!(partners[0].contains("Bulgaristan") && partners[0].contains("belediye"), "{partners:?}");
    assert!(partners[1].contains("Kırklareli"), "{partners:?}");
    assert!(text(&shown, "table.deadlines").contains("2027"), "the call's deadlines are shown");

    let skipped = app.form(&format!("{path}/stage"), Some(&rep), &[("stage", "submitted"), ("on", "")]).await;
    assert_eq!(skipped.status, StatusCode::BAD_REQUEST);
    assert!(text(&html(&skipped.body), "#f-stage-error").contains("atlanamaz"), "{}", skipped.body);
    let today = ldp_core::clock::Clock::today(app.clock.as_ref());
    let yesterday = (today - time::Duration::days(1)).to_string();
    let early =
        app.form(&format!("{path}/stage"), Some(&rep), &[("stage", "partner_search"), ("on", &yesterday)]).await;
    assert_eq!(early.status, StatusCode::BAD_REQUEST, "not before the day the application was started");
    assert!(text(&html(&early.body), "#f-on-error").contains("önce olamaz"), "{}", early.body);
    app.clock.advance(time::Duration::days(3));
    let rep = app.sign_in("rep@edirne.bel.tr").await;
    let moved = app
        .form(&format!("{path}/stage"), Some(&rep), &[("stage", "partner_search"), ("on", &yesterday_of(&app))])
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.body);
    assert!(moved.headers[axum::http::header::LOCATION].to_str().unwrap().contains("/applications/"));
    let today = ldp_core::clock::Clock::today(app.clock.as_ref());
    let tomorrow = (today + time::Duration::days(1)).to_string();
    let future = app.form(&format!("{path}/stage"), Some(&rep), &[("stage", "drafting"), ("on", &tomorrow)]).await;
    assert_eq!(future.status, StatusCode::BAD_REQUEST);
    assert!(!text(&html(&future.body), "#f-on-error").is_empty());
    for next in ["drafting", "submitted", "awarded"] {
        let moved = app.form(&format!("{path}/stage"), Some(&rep), &[("stage", next), ("on", "")]).await;
        assert_eq!(moved.status, StatusCode::SEE_OTHER, "{next}: {}", moved.body);
    }
    let done = html(&app.get_as(&path, &rep).await.body);
    let history = texts(&done, "table.history tbody tr");
    assert_eq!(history.len(), 5, "{history:?}");
    assert!(history[0].contains("Fikir") && history[4].contains("Kabul edildi"), "{history:?}");
    let day = ldp_web::i18n::date(ldp_core::domain::Lang::Tr, today - time::Duration::days(1));
    assert!(history[1].contains(&day), "the move keeps its own date: {history:?}");
    assert!(done.select(&scraper::Selector::parse("form[action$='/stage']").unwrap()).next().is_none(), "decided");

    let staff = app.token("staff@mmu.org.tr", false).await;
    let id = path.rsplit('/').next().unwrap();
    let api = parsed(&app.api("GET", &format!("/api/v1/applications/{id}"), Some(&staff), None).await.body);
    assert_eq!(api["application"]["stage"], "awarded");
    assert_eq!(api["application"]["stage_on"], today.to_string(), "dates are YYYY-MM-DD in the API");
    assert_eq!(api["moves"][1]["on"], yesterday_of(&app), "the move keeps the day it was made, not its entry");
}

/// The day before the test clock's Istanbul date, as `YYYY-MM-DD`.
fn yesterday_of(app: &TestApp) -> String {
    (ldp_core::clock::Clock::today(app.clock.as_ref()) - time::Duration::days(1)).to_string()
}

async fn the_workspace_list_filters_by_stage_and_call_and_shows_each_role_its_own(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("audit@mmu.org.tr", "auditor", "").await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    app.user("rep@istanbul.bel.tr", "representative", "istanbul").await;
    let staff_token = app.token("staff@mmu.org.tr", false).await;
    let call = published_call(&app, &staff_token).await;
    let mut for_call = parsed(&application());
    for_call["call"] = json!(call.to_string());
    let edirne = app
        .api(
            "POST",
            "/api/v1/applications",
            Some(&app.token("rep@edirne.bel.tr", false).await),
            Some(&for_call.to_string()),
        )
        .await;
    let edirne_id = parsed(&edirne.body)["application"]["id"].as_i64().unwrap();
    let mut istanbul = parsed(&application());
    istanbul["municipality"] = json!("istanbul");
    istanbul["title"] = json!("Boğaz kıyısı yeşil dönüşüm");
    let ist = app
        .api(
            "POST",
            "/api/v1/applications",
            Some(&app.token("rep@istanbul.bel.tr", false).await),
            Some(&istanbul.to_string()),
        )
        .await;
    let ist_id = parsed(&ist.body)["application"]["id"].as_i64().unwrap();
    let moved = app
        .api(
            "POST",
            &format!("/api/v1/applications/{ist_id}/stage"),
            Some(&staff_token),
            Some(r#"{"stage":"partner_search"}"#),
        )
        .await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);

    let titles = |body: &str| texts(&html(body), "table.applications tbody td:first-child");
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let all = app.get_as("/en/workspace/applications", &staff).await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.body);
    assert_eq!(titles(&all.body).len(), 2);
    assert!(hrefs(&html(&all.body), ".ws-nav a").contains(&"/en/workspace/applications".to_owned()));
    let ideas = app.get_as("/en/workspace/applications?stage=idea", &staff).await;
    assert_eq!(titles(&ideas.body), ["Sınır ötesi kültür rotası"]);
    let searching = app.get_as("/en/workspace/applications?stage=partner_search", &staff).await;
    assert_eq!(titles(&searching.body), ["Boğaz kıyısı yeşil dönüşüm"]);
    let of_call = app.get_as(&format!("/en/workspace/applications?call={call}"), &staff).await;
    assert_eq!(titles(&of_call.body), ["Sınır ötesi kültür rotası"]);
    let bad = app.get_as("/en/workspace/applications?stage=won", &staff).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "a bad filter is a clear error, not a 500");
    assert_eq!(text(&html(&bad.body), "#f-stage-error"), "Unknown stage.");
    let api = app.api("GET", "/api/v1/applications?stage=won", Some(&staff_token), None).await;
    assert_eq!(api.status, StatusCode::BAD_REQUEST);
    let api = app.api("GET", "/api/v1/applications?stage=partner_search", Some(&staff_token), None).await;
    assert_eq!(parsed(&api.body).as_array().unwrap().len(), 1);

    let rep = app.sign_in("rep@edirne.bel.tr").await;
    assert_eq!(titles(&app.get_as("/tr/workspace/applications", &rep).await.body), ["Sınır ötesi kültür rotası"]);
    assert_eq!(app.get_as(&format!("/tr/workspace/applications/{ist_id}"), &rep).await.status, StatusCode::NOT_FOUND);
    let other_move =
        app.form(&format!("/tr/workspace/applications/{ist_id}/stage"), Some(&rep), &[("stage", "drafting")]).await;
    assert_eq!(other_move.status, StatusCode::NOT_FOUND, "another municipality's application is not there");

    let auditor = app.sign_in("audit@mmu.org.tr").await;
    let read = app.get_as(&format!("/tr/workspace/applications/{edirne_id}"), &auditor).await;
    assert_eq!(read.status, StatusCode::OK, "auditors read");
    assert!(html(&read.body).select(&scraper::Selector::parse("form[action$='/stage']").unwrap()).next().is_none());
    assert_eq!(app.get_as("/tr/workspace/applications/new", &auditor).await.status, StatusCode::FORBIDDEN);
    let refused = app
        .form(&format!("/tr/workspace/applications/{edirne_id}/stage"), Some(&auditor), &[("stage", "partner_search")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let anonymous = app.get("/tr/workspace/applications").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "the public is sent to sign in");
}
