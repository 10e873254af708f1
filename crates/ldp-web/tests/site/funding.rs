//! Funding pages and API (issue 16): staff enter a call through the API, the next anonymous GET of the cached
//! list shows it, the call page converts its deadline to Istanbul time and says which members may apply (with
//! the programme's source), suggestions wait for staff, and bad input gets field messages, never a 500.

use axum::http::StatusCode;
use scraper::Html;
use serde_json::{Value, json};

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    a_call_entered_by_staff_shows_on_the_next_anonymous_page_with_its_eligibility,
    representatives_suggest_calls_that_wait_for_staff,
    bad_input_is_refused_field_by_field,
    programmes_list_their_sources,
    the_dashboard_lists_the_open_calls_a_representatives_municipality_may_apply_to,
    the_workspace_call_form_enters_suggests_and_publishes_calls_with_errors_beside_fields,
);

fn bg_tr_call() -> String {
    json!({
        "identifier": "BG-TR-2027-01",
        "programme": "interreg-ipa-bulgaria-turkiye",
        "kind": "grant",
        "title_tr": "Sınır ötesi kültür mirası",
        "title_en": "Cross-border cultural heritage",
        "opens_on": "2026-11-01",
        "deadline_model": "single",
        "deadlines": "2027-03-12 17:00 Europe/Sofia",
        "currency": "EUR",
        "budget_total": "1.250.000,50",
        "budget_max": "250000",
        "cofinancing_rate": "85",
        "sdgs": "11, 8",
        "link": "https://www.ipacbc-bgtr.eu/"
    })
    .to_string()
}

async fn a_call_entered_by_staff_shows_on_the_next_anonymous_page_with_its_eligibility(db: TestDb) {
    let app = TestApp::cached(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let before = app.page("/tr/funding").await;
    assert!(text(&before, ".result-count").contains('0'), "no call is shipped");

    let created = app.api("POST", "/api/v1/funding/calls", Some(&staff), Some(&bg_tr_call())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let body: Value = serde_json::from_str(&created.body).unwrap();
    let id = body["call"]["id"].as_i64().unwrap();
    assert_eq!(body["call"]["budget"]["total"], "1250000.5");
    assert_eq!(body["status"], "open");

    // The page cache moved with the funding topic: the next anonymous GET shows the call.
    let list = app.page("/tr/funding").await;
    assert_eq!(texts(&list, "table.calls tbody tr").len(), 1);
    assert!(text(&list, "table.calls").contains("Sınır ötesi kültür mirası"));
    let (_, api) = app.json("/api/v1/funding/calls?status=open&sdg=8").await;
    assert_eq!(api["total"], 1);
    let (_, none) = app.json("/api/v1/funding/calls?status=closed").await;
    assert_eq!(none["total"], 0);

    // 17:00 in Sofia (UTC+2 in March) is 18:00 in Istanbul.
    let page = app.page(&format!("/en/funding/calls/{id}?municipality=edirne")).await;
    let deadlines = text(&page, "#deadlines-title + .table-wrap");
    assert!(deadlines.contains("2027-03-12 17:00 (Europe/Sofia)"), "{deadlines}");
    assert!(deadlines.contains("12 March 2027 18:00"), "{deadlines}");
    // No city name in one language on the other's page: the zone is its identifier, Istanbul is in the header.
    assert!(!deadlines.contains('İ'), "{deadlines}");
    assert!(text(&page, "aside .facts").contains("1,250,000.5 EUR"));
    assert_eq!(text(&page, ".verdict .verdict-word"), "May apply");
    assert!(text(&page, ".verdict").contains("province is in the programme area"));
    assert_eq!(
        attr(&page, ".verdict .source a", "href").as_deref(),
        Some(
            "https://cbc.ab.gov.tr/bg-tr/190/interreg-ipa-bulgaria-turkiye-cross-border-cooperation-programme?lang=en"
        )
    );
    let area = text(&page, "#eligibility-title ~ dl.facts");
    assert!(area.contains("Edirne, Kırklareli"), "{area}");
    assert!(area.contains("Bulgaria, Türkiye"), "countries by name, not ISO code: {area}");
    let outside = app.page(&format!("/tr/funding/calls/{id}?municipality=istanbul")).await;
    assert_eq!(text(&outside, ".verdict .verdict-word"), "Başvuramaz");
    assert!(text(&outside, ".verdict").contains("program alanının dışında"));
    let (status, detail) = app.json(&format!("/api/v1/funding/calls/{id}?municipality=kirklareli")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(detail["eligibility"]["verdict"], "eligible");
    let unknown = app.get(&format!("/tr/funding/calls/{id}?municipality=atlantis")).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.body.contains("Bilinmeyen belediye"));

    // An edit moves the cache too; a visitor and a read-only token cannot write.
    let mut edit: Value = serde_json::from_str(&bg_tr_call()).unwrap();
    edit["title_tr"] = json!("Sınır ötesi doğal miras");
    let saved = app.api("PUT", &format!("/api/v1/funding/calls/{id}"), Some(&staff), Some(&edit.to_string())).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert!(text(&app.page("/tr/funding").await, "table.calls").contains("doğal miras"));
    let refused = app.api("POST", "/api/v1/funding/calls", None, Some(&bg_tr_call())).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED);
    let read_only = app.token("staff@mmu.org.tr", true).await;
    let refused = app.api("POST", "/api/v1/funding/calls", Some(&read_only), Some(&bg_tr_call())).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

async fn representatives_suggest_calls_that_wait_for_staff(db: TestDb) {
    let app = TestApp::cached(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let rep = app.token("rep@edirne.bel.tr", false).await;
    let suggested = app.api("POST", "/api/v1/funding/calls", Some(&rep), Some(&bg_tr_call())).await;
    assert_eq!(suggested.status, StatusCode::CREATED, "{}", suggested.body);
    let id = serde_json::from_str::<Value>(&suggested.body).unwrap()["call"]["id"].as_i64().unwrap();
    assert_eq!(app.get(&format!("/tr/funding/calls/{id}")).await.status, StatusCode::NOT_FOUND, "not public yet");
    assert_eq!(app.json("/api/v1/funding/calls").await.1["total"], 0);
    let by_rep = app.api("POST", &format!("/api/v1/funding/calls/{id}/publication"), Some(&rep), None).await;
    assert_eq!(by_rep.status, StatusCode::FORBIDDEN);
    let edit_by_rep = app.api("PUT", &format!("/api/v1/funding/calls/{id}"), Some(&rep), Some(&bg_tr_call())).await;
    assert_eq!(edit_by_rep.status, StatusCode::FORBIDDEN);
    let published = app.api("POST", &format!("/api/v1/funding/calls/{id}/publication"), Some(&staff), None).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    assert_eq!(app.get(&format!("/tr/funding/calls/{id}")).await.status, StatusCode::OK);
    assert_eq!(app.json("/api/v1/funding/calls").await.1["total"], 1);
    let again = app.api("POST", &format!("/api/v1/funding/calls/{id}/publication"), Some(&staff), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

async fn bad_input_is_refused_field_by_field(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let bad = json!({
        "identifier": "",
        "programme": "no-such-programme",
        "kind": "lottery",
        "deadline_model": "two_stage",
        "deadlines": "12/03/2027 17:00",
        "currency": "euro",
        "budget_total": "1e6",
        "budget_min": "500",
        "budget_max": "100",
        "cofinancing_rate": "120",
        "sdgs": "18",
        "link": "javascript:alert(1)",
        "provinces": "99",
        "applicant_types": "wizard"
    });
    let reply = app.api("POST", "/api/v1/funding/calls", Some(&staff), Some(&bad.to_string())).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let body: Value = serde_json::from_str(&reply.body).unwrap();
    let fields = body["error"]["fields"].as_object().unwrap();
    for field in [
        "identifier",
        "programme",
        "kind",
        "deadlines",
        "currency",
        "budget_total",
        "budget_max",
        "cofinancing_rate",
        "sdgs",
        "link",
        "provinces",
        "applicant_types",
        "title_tr",
    ] {
        assert!(fields.contains_key(field), "{field} is named: {fields:?}");
    }
    let malformed = app.api("POST", "/api/v1/funding/calls", Some(&staff), Some("{not json")).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    let filters = app.get("/tr/funding?status=someday&sdg=42&type=x").await;
    assert_eq!(filters.status, StatusCode::BAD_REQUEST);
    assert!(filters.body.contains("Amaç numarası 1 ile 17 arasında"));
    let (status, api) = app.json("/api/v1/funding/calls?per_page=1000&status=someday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(api["error"]["fields"]["status"].is_string() && api["error"]["fields"]["per_page"].is_string());
    // As for relations, an id that is not a number names no page.
    assert_eq!(app.get("/tr/funding/calls/abc").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/tr/funding/calls/999999").await.status, StatusCode::NOT_FOUND);
}

async fn programmes_list_their_sources(db: TestDb) {
    let app = TestApp::new(db).await;
    let page = app.page("/tr/funding/programmes").await;
    let card = text(&page, "#interreg-ipa-bulgaria-turkiye");
    assert!(card.contains("Edirne, Kırklareli"), "{card}");
    assert!(card.contains("cbc.ab.gov.tr"), "{card}");
    assert!(card.contains("Bulgaristan, Türkiye"), "countries by their Turkish names: {card}");
    assert!(!card.contains("BG"), "{card}");
    assert!(text(&page, "#europe-prize").contains("her yıl"));
    let (status, programmes) = app.json("/api/v1/funding/programmes").await;
    assert_eq!(status, StatusCode::OK);
    let marka = programmes.as_array().unwrap().iter().find(|p| p["slug"] == "marka-support").unwrap();
    assert_eq!(marka["eligibility"]["provinces"], json!([41, 54, 81, 14, 77]));
    assert_eq!(marka["as_of"], "2026-12-02");
    let en = app.page("/en/funding").await;
    assert!(text(&en, "h1").contains("Funding calls"));
}

async fn the_dashboard_lists_the_open_calls_a_representatives_municipality_may_apply_to(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    app.user("rep@ibb.istanbul", "representative", "istanbul").await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let created = app.api("POST", "/api/v1/funding/calls", Some(&staff), Some(&bg_tr_call())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let edirne = app.sign_in("rep@edirne.bel.tr").await;
    let page = scraper::Html::parse_document(&app.get_as("/tr/workspace", &edirne).await.body);
    assert!(text(&page, ".open-calls").contains("Sınır ötesi kültür mirası"));
    let istanbul = app.sign_in("rep@ibb.istanbul").await;
    let page = scraper::Html::parse_document(&app.get_as("/tr/workspace", &istanbul).await.body);
    let section = text(&page, ".open-calls");
    assert!(!section.contains("Sınır ötesi"), "İstanbul is outside the programme area: {section}");
    assert!(section.contains("başvurabileceği kayıtlı açık çağrı yok"));
}

async fn the_workspace_call_form_enters_suggests_and_publishes_calls_with_errors_beside_fields(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let rep = app.sign_in("rep@edirne.bel.tr").await;
    let form = app.get_as("/tr/workspace/calls/new", &staff).await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(form.body.contains("f-deadlines"));

    // Bad input re-renders the form with each message beside its field, the typed values kept.
    let bad = [
        ("identifier", "ML-2027"),
        ("kind", "grant"),
        ("title_tr", "Kıyı kentleri"),
        ("deadline_model", "two_stage"),
        ("deadlines", "2027-02-30 17:00 Europe/Brussels"),
        ("currency", "EUR"),
        ("budget_total", "bir milyon"),
        ("link", "javascript:alert(1)"),
        ("provinces", "99"),
    ];
    let refused = app.form("/tr/workspace/calls/new", Some(&staff), &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let html = Html::parse_document(&refused.body);
    for field in ["deadlines", "budget_total", "link", "provinces"] {
        assert!(!text(&html, &format!("#f-{field}-error")).is_empty(), "no message beside {field}");
    }
    assert!(refused.body.contains("Kıyı kentleri"));

    // Staff enter a call with two deadlines in their own zones: public at once.
    let good = [
        ("identifier", "ML-2027-01"),
        ("programme", "interreg-ipa-bulgaria-turkiye"),
        ("kind", "grant"),
        ("title_tr", "Kıyı kentleri"),
        ("title_en", "Coastal towns"),
        ("opens_on", "2026-11-01"),
        ("deadline_model", "two_stage"),
        ("deadlines", "2027-01-15 17:00 Europe/Brussels\n2027-05-20 12:00 Europe/Istanbul"),
        ("currency", "EUR"),
        ("budget_total", "1000000.50"),
        ("budget_min", "50000"),
        ("budget_max", "200000"),
        ("cofinancing_rate", "85"),
        ("sdgs", "11, 14"),
        ("link", "https://www.ipacbc-bgtr.eu/"),
        ("provinces", "22"),
        ("applicant_types", "municipality"),
    ];
    let created = app.form("/tr/workspace/calls/new", Some(&staff), &good).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let (status, api) = app.json("/api/v1/funding/calls").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(api["total"], 1);
    let id = api["items"][0]["call"]["id"].as_i64().or(api["items"][0]["id"].as_i64()).unwrap();
    let public = app.page(&format!("/en/funding/calls/{id}")).await;
    assert!(text(&public, "main").contains("Coastal towns"));

    // Staff edit it: the form shows the stored values and saves the change.
    let edit = app.get_as(&format!("/tr/workspace/calls/{id}"), &staff).await;
    assert!(edit.body.contains("2027-01-15 17:00 Europe/Brussels"), "{}", edit.body);
    let mut changed = good.to_vec();
    changed[4] = ("title_en", "Coastal cities");
    let saved = app.form(&format!("/tr/workspace/calls/{id}"), Some(&staff), &changed).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(text(&app.page(&format!("/en/funding/calls/{id}")).await, "main").contains("Coastal cities"));
    // A representative may not edit it.
    let by_rep = app.form(&format!("/tr/workspace/calls/{id}"), Some(&rep), &good).await;
    assert_eq!(by_rep.status, StatusCode::FORBIDDEN);

    // A representative's calls page lists nothing of its own: it leads to the public list and saved searches.
    let rep_calls = Html::parse_document(&app.get_as("/tr/workspace/calls", &rep).await.body);
    assert_eq!(attr(&rep_calls, "#public-calls", "href").as_deref(), Some("/tr/funding"));

    // A representative suggests a call: unpublished, in staff's queue, then published by staff.
    let mut suggestion = good.to_vec();
    suggestion[0] = ("identifier", "ML-2027-02");
    let suggested = app.form("/tr/workspace/calls/new", Some(&rep), &suggestion).await;
    assert_eq!(suggested.status, StatusCode::SEE_OTHER, "{}", suggested.body);
    assert_eq!(app.json("/api/v1/funding/calls").await.1["total"], 1, "the suggestion is not public");
    let queue = Html::parse_document(&app.get_as("/tr/workspace/calls", &staff).await.body);
    let queued = texts(&queue, "table.suggested tbody tr");
    assert_eq!(queued.len(), 1);
    let link = queue
        .select(&scraper::Selector::parse("table.suggested a").unwrap())
        .next()
        .and_then(|a| a.value().attr("href"))
        .unwrap()
        .to_owned();
    let by_rep = app.form(&format!("{link}/publication"), Some(&rep), &[]).await;
    assert_eq!(by_rep.status, StatusCode::FORBIDDEN);
    let published = app.form(&format!("{link}/publication"), Some(&staff), &[]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
    assert_eq!(app.json("/api/v1/funding/calls").await.1["total"], 2);
    assert!(
        texts(&Html::parse_document(&app.get_as("/tr/workspace/calls", &staff).await.body), "table.suggested tbody tr")
            .is_empty()
    );

    // Every write is in the audit trail.
    let filter = ldp_core::domain::AuditFilter { record_type: Some("funding_call".into()), ..Default::default() };
    let store = app.db.store.clone();
    let trail = ldp_core::store::AuditStore::export_audit(store.as_ref(), &filter, 50).await.unwrap();
    let actions: Vec<_> = trail.iter().map(|e| e.action.as_str()).collect();
    for action in ["create", "update", "suggest", "publish"] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }
}
