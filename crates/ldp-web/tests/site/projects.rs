//! The project portfolio (issue 16): an award creates the application's project in the same unit (partners
//! and budget kept, the relation with a partner city noted as active), roles (a representative edits but does
//! not publish, another municipality sees nothing unpublished, auditors read), the public list with its
//! filters and summaries' figures, the workspace form's errors beside the rows, the exports and the API.

use std::io::Read;

use axum::http::{StatusCode, header};
use scraper::Html;
use serde_json::{Value, json};

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    an_award_creates_the_unpublished_project_keeping_partners_and_budget_and_notes_the_relations_activity,
    a_representative_edits_their_project_but_only_staff_publish_it,
    the_public_portfolio_filters_and_sums_grants_per_currency,
    the_workspace_form_names_bad_rows_and_staff_publish_from_it,
    the_portfolio_exports_as_csv_and_xlsx_with_translated_headers,
);

fn parsed(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}"))
}

fn html(body: &str) -> Html {
    Html::parse_document(body)
}

/// A relation of Edirne with a city abroad: (its id, the city's name, its country code).
async fn edirne_relation(app: &TestApp) -> (i64, String, String) {
    let (status, list) = app.json("/api/v1/partnerships?municipality=edirne&per_page=100").await;
    assert_eq!(status, StatusCode::OK);
    let r = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["partner"]["kind"] == "city" && r["partner"]["country"] != "TR")
        .expect("Edirne has a sister city abroad in the seeded data")
        .clone();
    (
        r["id"].as_i64().unwrap(),
        r["partner"]["name"].as_str().unwrap().to_owned(),
        r["partner"]["country"].as_str().unwrap().to_owned(),
    )
}

/// A project body for the API.
fn project(lead: &str, acronym: &str, grant: &str, currency: &str, start: &str, sdgs: &[&str]) -> String {
    json!({
        "acronym": acronym,
        "title_tr": format!("{acronym} projesi"),
        "title_en": format!("{acronym} project"),
        "lead": lead,
        "programme": "interreg-ipa-bulgaria-turkiye",
        "partners": [{ "kind": "foreign", "name": "Община Свиленград", "country": "BG", "type": "municipality", "role": "co_applicant" }],
        "budget": grant,
        "grant": grant,
        "currency": currency,
        "start": start,
        "end": "2028-12-31",
        "sdgs": sdgs,
        "outputs": [{ "kind": "output", "indicator": "Ortak eğitimler", "target": "12", "achieved": "7,5" }],
    })
    .to_string()
}

async fn an_award_creates_the_unpublished_project_keeping_partners_and_budget_and_notes_the_relations_activity(
    db: TestDb,
) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let rep = app.token("rep@edirne.bel.tr", false).await;
    let (relation, city, country) = edirne_relation(&app).await;
    let (_, before) = app.json(&format!("/api/v1/partnerships/{relation}")).await;
    let today = ldp_core::clock::Clock::today(app.clock.as_ref()).to_string();
    assert_ne!(before["last_activity"], json!(today), "no activity today yet");

    let application = json!({
        "municipality": "edirne",
        "title": "sınır ötesi kültür rotası",
        "partners": [
            { "kind": "member", "municipality": "kirklareli" },
            { "kind": "foreign", "name": format!("Municipality of {city}"), "country": country, "type": "municipality" }
        ],
        "requested": "1.250.000,05",
        "currency": "EUR",
    });
    let created = app.api("POST", "/api/v1/applications", Some(&rep), Some(&application.to_string())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = parsed(&created.body)["application"]["id"].as_i64().unwrap();
    let stage = format!("/api/v1/applications/{id}/stage");
    for next in ["partner_search", "drafting", "submitted"] {
        let moved = app.api("POST", &stage, Some(&rep), Some(&json!({ "stage": next }).to_string())).await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
        assert!(parsed(&moved.body)["project"].is_null(), "no project before the award");
    }
    let awarded = app.api("POST", &stage, Some(&rep), Some(r#"{"stage":"awarded"}"#)).await;
    assert_eq!(awarded.status, StatusCode::OK, "{}", awarded.body);
    let project_id = parsed(&awarded.body)["project"].as_i64().expect("the award made a project");

    let p = parsed(&app.api("GET", &format!("/api/v1/projects/{project_id}"), Some(&staff), None).await.body);
    assert_eq!(p["published"], false);
    assert_eq!(p["application"], id);
    assert_eq!(p["acronym"], "SÖKR", "the title's initials, upper-cased the Turkish way");
    assert_eq!(p["budget"], json!({ "amount": "1250000.05", "currency": "EUR" }), "exact, never a float");
    assert_eq!(p["grant"], p["budget"]);
    let partners = p["partners"].as_array().unwrap();
    assert_eq!(partners.len(), 2, "{partners:?}");
    assert_eq!(partners[0]["partner"]["kind"], "member");
    assert_eq!(partners[1]["partner"]["name"], format!("Municipality of {city}"));
    assert!(partners.iter().all(|x| x["role"] == "partner"));
    assert!(p["relations"].as_array().unwrap().contains(&json!(relation)), "the partner city's relation: {p}");

    let (_, after) = app.json(&format!("/api/v1/partnerships/{relation}")).await;
    assert_eq!(after["last_activity"], json!(today), "the award counts as activity on the relation");

    // Unpublished: nowhere public, and the application's page links to it.
    assert_eq!(
        app.api("GET", &format!("/api/v1/projects/{project_id}"), None, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get(&format!("/tr/projects/{project_id}")).await.status, StatusCode::NOT_FOUND);
    let browser = app.sign_in("rep@edirne.bel.tr").await;
    let page = html(&app.get_as(&format!("/tr/workspace/applications/{id}"), &browser).await.body);
    assert_eq!(attr(&page, "a.project-link", "href"), Some(format!("/tr/workspace/projects/{project_id}")));
    let ws = html(&app.get_as(&format!("/tr/workspace/projects/{project_id}"), &browser).await.body);
    assert_eq!(
        attr(&ws, ".facts a[href*='/workspace/applications/']", "href"),
        Some(format!("/tr/workspace/applications/{id}"))
    );

    app.user("audit@mmu.org.tr", "auditor", "").await;
    let auditor = app.token("audit@mmu.org.tr", false).await;
    let entries = parsed(&app.api("GET", "/api/v1/audit?record_type=project", Some(&auditor), None).await.body);
    assert!(
        entries.to_string().contains(&format!("\"record_id\":\"{project_id}\"")),
        "the project's own entry: {entries}"
    );
}

async fn a_representative_edits_their_project_but_only_staff_publish_it(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("audit@mmu.org.tr", "auditor", "").await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    app.user("rep@istanbul.bel.tr", "representative", "istanbul").await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let auditor = app.token("audit@mmu.org.tr", false).await;
    let rep = app.token("rep@edirne.bel.tr", false).await;
    let other = app.token("rep@istanbul.bel.tr", false).await;
    let read_only = app.token("rep@edirne.bel.tr", true).await;
    let body = project("edirne", "MERIC", "500000", "EUR", "2026-03-01", &["6"]);

    assert_eq!(app.api("POST", "/api/v1/projects", Some(&read_only), Some(&body)).await.status, StatusCode::FORBIDDEN);
    let theirs = app.api("POST", "/api/v1/projects", Some(&other), Some(&body)).await;
    assert_eq!(theirs.status, StatusCode::FORBIDDEN, "not their municipality to lead");
    let created = app.api("POST", "/api/v1/projects", Some(&rep), Some(&body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = parsed(&created.body)["id"].as_i64().unwrap();
    let one = format!("/api/v1/projects/{id}");

    let mut edit = parsed(&body);
    edit["title_en"] = json!("Meriç flood warning");
    assert_eq!(app.api("PUT", &one, Some(&rep), Some(&edit.to_string())).await.status, StatusCode::OK);
    assert_eq!(app.api("GET", &one, Some(&other), None).await.status, StatusCode::NOT_FOUND, "not theirs, not public");
    assert_eq!(app.api("PUT", &one, Some(&other), Some(&edit.to_string())).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("GET", &one, Some(&auditor), None).await.status, StatusCode::OK, "auditors read");
    assert_eq!(app.api("PUT", &one, Some(&auditor), Some(&edit.to_string())).await.status, StatusCode::FORBIDDEN);
    let publish = format!("{one}/publish");
    assert_eq!(
        app.api("POST", &publish, Some(&rep), Some(r#"{"published":true}"#)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.api("GET", "/api/v1/projects", None, None).await.body, "[]");

    let published = app.api("POST", &publish, Some(&staff), Some(r#"{"published":true}"#)).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    let again = app.api("POST", &publish, Some(&staff), Some(r#"{"published":true}"#)).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let public = parsed(&app.api("GET", &one, None, None).await.body);
    assert_eq!(
        (public["title"]["en"].as_str(), public["published"].as_bool()),
        (Some("Meriç flood warning"), Some(true))
    );
    assert_eq!(app.api("GET", &one, Some(&other), None).await.status, StatusCode::OK, "published: everyone reads");

    let page = html(&app.get(&format!("/en/projects/{id}")).await.body);
    assert!(text(&page, "h1").contains("MERIC"), "{}", text(&page, "h1"));
    assert_eq!(texts(&page, "table.partners tbody tr").len(), 2, "the lead and the partner");
    assert!(text(&page, "table.partners").contains("Co-applicant"));
    assert_eq!(text(&page, "table.outputs td.target"), "12");
    assert_eq!(text(&page, "table.outputs td.achieved"), "7.5");
    assert_eq!(text(&page, ".facts .grant"), "500,000 EUR");
    let tr = html(&app.get(&format!("/tr/projects/{id}")).await.body);
    assert_eq!(text(&tr, ".facts .grant"), "500.000 EUR");
    assert_eq!(text(&tr, "table.outputs td.achieved"), "7,5");

    let withdrawn = app.api("POST", &publish, Some(&staff), Some(r#"{"published":false}"#)).await;
    assert_eq!(withdrawn.status, StatusCode::OK);
    assert_eq!(app.get(&format!("/en/projects/{id}")).await.status, StatusCode::NOT_FOUND, "gone from the public");
}

async fn the_public_portfolio_filters_and_sums_grants_per_currency(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let mut ids = Vec::new();
    for body in [
        project("edirne", "A", "0.10", "EUR", "2026-01-15", &["11", "17"]),
        project("edirne", "B", "0.20", "EUR", "2025-06-01", &["11"]),
        project("istanbul", "C", "1.500.000", "TRY", "2026-05-01", &["6"]),
        project("istanbul", "HIDDEN", "999", "EUR", "2026-05-01", &["11"]),
    ] {
        let created = app.api("POST", "/api/v1/projects", Some(&staff), Some(&body)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        ids.push(parsed(&created.body)["id"].as_i64().unwrap());
    }
    for id in &ids[..3] {
        let done = app
            .api("POST", &format!("/api/v1/projects/{id}/publish"), Some(&staff), Some(r#"{"published":true}"#))
            .await;
        assert_eq!(done.status, StatusCode::OK);
    }

    let page = app.page("/en/projects").await;
    assert_eq!(texts(&page, "table.projects tbody tr").len(), 3, "the unpublished one is not listed");
    assert_eq!(text(&page, ".total-grant"), "0.3 EUR · 1,500,000 TRY");
    let row = |page: &Html, table: &str, key: &str| {
        let sel = format!("#summary-{table}-table tr[data-key='{key}']");
        (text(page, &format!("{sel} td.count")), text(page, &format!("{sel} td.grant")))
    };
    assert_eq!(row(&page, "year", "2026"), ("2".into(), "0.1 EUR · 1,500,000 TRY".into()));
    assert_eq!(row(&page, "year", "2025"), ("1".into(), "0.2 EUR".into()));
    assert_eq!(row(&page, "sdg", "11"), ("2".into(), "0.3 EUR".into()));
    assert_eq!(row(&page, "municipality", "edirne"), ("2".into(), "0.3 EUR".into()));
    assert_eq!(row(&page, "province", "22"), ("2".into(), "0.3 EUR".into()));
    assert_eq!(row(&page, "programme", "interreg-ipa-bulgaria-turkiye").0, "3");
    let tr = app.page("/tr/projects").await;
    assert_eq!(row(&tr, "year", "2026").1, "0,1 EUR · 1.500.000 TRY");

    let acronyms = |page: &Html| texts(page, "table.projects tbody td:first-child strong");
    assert_eq!(acronyms(&app.page("/en/projects?year=2026").await), ["C", "A"], "latest start first");
    assert_eq!(acronyms(&app.page("/en/projects?municipality=istanbul").await), ["C"]);
    assert_eq!(acronyms(&app.page("/en/projects?sdg=11&province=22").await), ["A", "B"]);
    let bad = app.get("/en/projects?year=soon&sdg=18").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = html(&bad.body);
    assert!(!text(&bad, "#f-year-error").is_empty() && !text(&bad, "#f-sdg-error").is_empty());

    let (status, api) = app.json("/api/v1/projects/summaries?year=2026").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(api["total"]["count"], 2);
    assert_eq!(
        api["total"]["grants"],
        json!([{ "amount": "0.1", "currency": "EUR" }, { "amount": "1500000", "currency": "TRY" }])
    );
    let (status, list) = app.json("/api/v1/projects?funder=interreg").await;
    assert_eq!((status, list.as_array().map(Vec::len)), (StatusCode::OK, Some(3)), "{list}");
    let (status, bad) = app.json("/api/v1/projects?sdg=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(bad["error"]["fields"]["sdg"].is_string(), "{bad}");
    let staff_list = parsed(&app.api("GET", "/api/v1/projects", Some(&staff), None).await.body);
    assert_eq!(staff_list.as_array().unwrap().len(), 4, "a staff token sees the unpublished one too");
}

async fn the_workspace_form_names_bad_rows_and_staff_publish_from_it(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    let rep = app.sign_in("rep@edirne.bel.tr").await;
    let new = app.get_as("/tr/workspace/projects/new", &rep).await;
    assert_eq!(new.status, StatusCode::OK, "{}", new.body);
    assert_eq!(attr(&html(&new.body), "#f-lead option[selected]", "value").as_deref(), Some("edirne"));

    let mut fields = vec![
        ("acronym", "TASKIN"),
        ("title_tr", "Taşkın uyarısı"),
        ("title_en", ""),
        ("lead", "edirne"),
        ("budget", "100"),
        ("grant", "200"),
        ("currency", "EUR"),
        ("start", "2026-01-01"),
        ("end", "2027-01-01"),
        ("sdgs", "13"),
        ("targets", "13.1, 11.3"),
        ("partner_kind", "foreign"),
        ("partner_municipality", ""),
        ("partner_name", "Община Свиленград"),
        ("partner_country", "Bulgaristan"),
        ("partner_type", "municipality"),
        ("partner_role", "partner"),
        ("output_kind", "result"),
        ("output_indicator", "Uyarı sistemi"),
        ("output_target", "bir"),
        ("output_achieved", ""),
    ];
    let refused = app.form("/tr/workspace/projects/new", Some(&rep), &fields).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let page = html(&refused.body);
    for id in [
        "#f-title_en-error",
        "#f-grant-error",
        "#f-targets-error",
        "#f-partner-country-0-error",
        "#f-output-target-0-error",
    ] {
        assert!(!text(&page, id).is_empty(), "{id} is beside its field");
    }
    // 11.3 is a real target; its goal is not ticked, and the message says so rather than "unknown".
    assert!(text(&page, "#f-targets-error").contains("amacını da işaretleyin"), "{}", text(&page, "#f-targets-error"));
    assert_eq!(attr(&page, "#f-partner-name-0", "value").as_deref(), Some("Община Свиленград"), "input kept");

    fields[2] = ("title_en", "Flood warning");
    fields[5] = ("grant", "80");
    fields[10] = ("targets", "13.1");
    fields[14] = ("partner_country", "bg");
    fields[19] = ("output_target", "1");
    // No dates yet: the period is given later.
    fields[7] = ("start", "");
    fields[8] = ("end", "");
    let created = app.form("/tr/workspace/projects/new", Some(&rep), &fields).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.headers[header::LOCATION].to_str().unwrap().to_owned();
    let path = location.split('?').next().unwrap().to_owned();
    let shown = html(&app.get_as(&location, &rep).await.body);
    assert!(text(&shown, ".facts").contains("80 EUR"), "{}", text(&shown, ".facts"));
    assert!(
        shown.select(&scraper::Selector::parse("form[action$='/publish']").unwrap()).next().is_none(),
        "reps do not publish"
    );
    assert_eq!(
        app.form(&format!("{path}/publish"), Some(&rep), &[("published", "1")]).await.status,
        StatusCode::FORBIDDEN
    );
    let list = html(&app.get_as("/tr/workspace/projects", &rep).await.body);
    assert_eq!(texts(&list, "table.projects td.published"), ["Yayımlanmadı"]);

    let staff = app.sign_in("staff@mmu.org.tr").await;
    let published = app.form(&format!("{path}/publish"), Some(&staff), &[("published", "1")]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
    let public = app.page("/tr/projects").await;
    assert_eq!(texts(&public, "table.projects tbody td:first-child strong"), ["TASKIN"]);
    // A phone shows the cells as labelled lines: an unknown period says so instead of a bare label.
    assert_eq!(texts(&public, "table.projects tbody td[data-label='Süre']"), ["—"]);
}

async fn the_portfolio_exports_as_csv_and_xlsx_with_translated_headers(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let mut body = parsed(&project("edirne", "=HACK", "1.250.000,50", "EUR", "2026-01-15", &["11"]));
    body["title_tr"] = json!("Sınır ötesi köprü");
    let created = app.api("POST", "/api/v1/projects", Some(&staff), Some(&body.to_string())).await;
    let id = parsed(&created.body)["id"].as_i64().unwrap();
    app.api("POST", &format!("/api/v1/projects/{id}/publish"), Some(&staff), Some(r#"{"published":true}"#)).await;

    let (status, headers, bytes) = app.get_bytes("/tr/projects.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    let csv = String::from_utf8(bytes).unwrap();
    assert!(csv.starts_with('\u{feff}'), "a BOM for Excel");
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    assert!(lines.next().unwrap().starts_with("id;acronym;title;lead;"), "stable names, `;` on Turkish pages");
    let row = lines.next().unwrap();
    assert!(row.contains("'=HACK") && row.contains("Sınır ötesi köprü") && row.contains("1250000.5"), "{row}");
    let (_, _, en) = app.get_bytes("/en/projects.csv?year=2025").await;
    assert_eq!(String::from_utf8(en).unwrap().lines().count(), 1, "the filter applies: only the header");
    assert_eq!(app.get("/en/projects.csv?year=x").await.status, StatusCode::BAD_REQUEST);

    let (status, headers, bytes) = app.get_bytes("/tr/projects.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an XLSX is a zip");
    let mut strings = String::new();
    zip.by_name("xl/sharedStrings.xml").unwrap().read_to_string(&mut strings).unwrap();
    for expected in ["Kısaltma", "Lider ortak", "Hibe", "Sınır ötesi köprü", "1250000.5"] {
        assert!(strings.contains(expected), "{expected} in {strings}");
    }
    assert!(strings.contains("&apos;=HACK") || strings.contains("'=HACK"), "the formula is text");
}
