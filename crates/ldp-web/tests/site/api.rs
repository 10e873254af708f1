//! The JSON API and its OpenAPI document.

use axum::http::StatusCode;
use serde_json::Value;
use std::collections::BTreeSet;

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    lists_are_paged_with_totals,
    municipality_filters_and_search_work,
    items_are_found_by_slug_code_or_id,
    unknown_ids_are_404_with_a_code,
    bad_parameters_are_400_with_messages_per_field,
    the_gazetteer_finds_partner_cities_by_turkish_exonyms,
    the_openapi_document_lists_every_route,
);

async fn lists_are_paged_with_totals(db: TestDb) {
    let app = TestApp::new(db).await;
    let (status, body) = app.json("/api/v1/municipalities?per_page=10&page=2").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (body["page"].as_u64(), body["per_page"].as_u64(), body["total"].as_u64()),
        (Some(2), Some(10), Some(164))
    );
    assert_eq!(body["items"].as_array().unwrap().len(), 10);
    let (_, past) = app.json("/api/v1/municipalities?page=100").await;
    assert_eq!(past["items"].as_array().unwrap().len(), 0);
    assert_eq!(past["total"], 164);
    let (_, networks) = app.json("/api/v1/networks").await;
    assert_eq!(networks["total"], 8);
    assert_eq!(networks["items"][0]["membership"]["since"], 2023);
    assert_eq!(networks["items"][0]["name"]["tr"], "Avrupa Sınır Bölgeleri Birliği");
    let (_, networks) = app.json("/api/v1/networks?per_page=3&page=3").await;
    assert_eq!(networks["items"].as_array().unwrap().len(), 2);
    let (_, goals) = app.json("/api/v1/sdgs").await;
    assert_eq!(goals.as_array().unwrap().len(), 17);
    let (_, provinces) = app.json("/api/v1/provinces").await;
    assert_eq!(provinces.as_array().unwrap().len(), 11);
    let (_, countries) = app.json("/api/v1/countries?per_page=100").await;
    assert!(countries["total"].as_u64().unwrap() >= 249);
}

async fn municipality_filters_and_search_work(db: TestDb) {
    let app = TestApp::new(db).await;
    let (_, body) = app.json("/api/v1/municipalities?province=16&kind=district&per_page=100").await;
    assert_eq!(body["total"], 17);
    assert!(
        body["items"].as_array().unwrap().iter().all(|m| m["province"]["name"] == "Bursa" && m["kind"] == "district")
    );
    for q in ["%C4%B0stanbul", "ISTANBUL", "istanbul"] {
        let (_, body) = app.json(&format!("/api/v1/municipalities?q={q}")).await;
        assert_eq!(body["total"], 1, "{q}");
        assert_eq!(body["items"][0]["slug"], "istanbul");
    }
    let (_, body) = app.json("/api/v1/municipalities?kind=provincial").await;
    let names: Vec<&str> = body["items"].as_array().unwrap().iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Bilecik", "Çanakkale", "Edirne", "Kırklareli", "Yalova"]);
}

async fn items_are_found_by_slug_code_or_id(db: TestDb) {
    let app = TestApp::new(db).await;
    let (status, m) = app.json("/api/v1/municipalities/istanbul-kadikoy").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!((m["name"].as_str(), m["province"]["plate"].as_u64()), (Some("Kadıköy"), Some(34)));
    let (_, n) = app.json("/api/v1/networks/nalas").await;
    assert_eq!(n["membership"]["since"], 2008);
    assert!(n["facts"].as_array().unwrap().iter().all(|f| f["as_of"].as_str().unwrap().len() == 10));
    let (_, g) = app.json("/api/v1/sdgs/6").await;
    assert_eq!(g["color"], "#26BDE2");
    assert_eq!(g["targets"].as_array().unwrap().len(), 8);
    let (_, c) = app.json("/api/v1/countries/tr").await;
    assert_eq!(c["iso3"], "TUR");
    let (_, city) = app.json("/api/v1/cities/745044").await;
    assert_eq!(city["country"], "TR");
    let (_, u) = app.json("/api/v1/union").await;
    assert_eq!(u["acronym"]["en"], "MMU");
}

async fn unknown_ids_are_404_with_a_code(db: TestDb) {
    let app = TestApp::new(db).await;
    for uri in [
        "/api/v1/municipalities/ankara",
        "/api/v1/networks/nope",
        "/api/v1/sdgs/18",
        "/api/v1/sdgs/0",
        "/api/v1/countries/QQ",
        "/api/v1/cities/1",
    ] {
        let (status, body) = app.json(uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert_eq!(body["error"]["code"], "not_found", "{uri}");
        assert!(!body["error"]["message"].as_str().unwrap().is_empty());
        assert!(body["error"]["fields"].is_object());
    }
}

async fn bad_parameters_are_400_with_messages_per_field(db: TestDb) {
    let app = TestApp::new(db).await;
    let cases: &[(&str, &[&str])] = &[
        ("/api/v1/municipalities?page=0", &["page"]),
        ("/api/v1/municipalities?page=abc&per_page=1000", &["page", "per_page"]),
        ("/api/v1/municipalities?province=99&kind=village", &["province", "kind"]),
        ("/api/v1/municipalities?province=x&page=-5", &["province", "page"]),
        ("/api/v1/networks?per_page=0", &["per_page"]),
        ("/api/v1/countries?page=99999999999999999999", &["page"]),
        ("/api/v1/cities?country=TUR", &["country"]),
        ("/api/v1/sdgs/abc", &["number"]),
        ("/api/v1/cities/abc", &["id"]),
        ("/api/v1/countries/T1", &["code"]),
        ("/api/v1/municipalities?q=a&q=b", &["query"]),
    ];
    for (uri, fields) in cases {
        let (status, body) = app.json(uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}: {body}");
        let code = body["error"]["code"].as_str().unwrap();
        assert!(["invalid_parameters", "invalid_query"].contains(&code), "{uri}: {code}");
        let got: BTreeSet<&str> = body["error"]["fields"].as_object().unwrap().keys().map(String::as_str).collect();
        let want: BTreeSet<&str> = fields.iter().copied().collect();
        assert_eq!(got, want, "{uri}");
        assert!(body["error"]["fields"].as_object().unwrap().values().all(|m| !m.as_str().unwrap().is_empty()));
    }
}

async fn the_gazetteer_finds_partner_cities_by_turkish_exonyms(db: TestDb) {
    let app = TestApp::new(db).await;
    let (_, body) = app.json("/api/v1/cities?q=M%C3%BCnih").await;
    assert_eq!(body["items"][0]["id"], 2_867_714);
    let (_, body) = app.json("/api/v1/cities?q=atina&country=gr").await;
    assert_eq!(body["items"][0]["country"], "GR");
    let (_, body) = app.json("/api/v1/cities?country=TR&per_page=5").await;
    assert_eq!(body["items"][0]["name"], "Istanbul");
    // Searches are not counted: the page says whether another follows.
    assert_eq!((body["has_next"].as_bool(), body.get("total")), (Some(true), None));
    let (_, body) = app.json("/api/v1/cities?q=%C5%9Fam&per_page=100").await;
    assert_eq!(body["items"][0]["country"], "SY", "an exact exonym first: Şam is Damascus");
}

/// The routes the API serves; the document must describe exactly these.
const ROUTES: &[&str] = &[
    "/api/v1/union",
    "/api/v1/networks",
    "/api/v1/networks/{slug}",
    "/api/v1/outbox",
    "/api/v1/provinces",
    "/api/v1/municipalities",
    "/api/v1/municipalities/{slug}",
    "/api/v1/sdgs",
    "/api/v1/sdgs/{number}",
    "/api/v1/countries",
    "/api/v1/countries/{code}",
    "/api/v1/cities",
    "/api/v1/cities/{id}",
    "/api/v1/pages/revisions/{id}/publish",
    "/api/v1/pages/revisions/{id}/restore",
    "/api/v1/pages/{key}/{lang}",
    "/api/v1/pages/{key}/{lang}/revisions",
    "/api/v1/partnerships",
    "/api/v1/partnerships/countries",
    "/api/v1/partnerships/{id}",
    "/api/v1/compliance",
    "/api/v1/partnerships/{id}/steps",
    "/api/v1/partnerships/{id}/activities",
    "/api/v1/partnerships/{id}/sdgs",
    "/api/v1/partnerships/{id}/publication",
    "/api/v1/partnerships/{id}/proposal-date",
    "/api/v1/municipalities/{slug}/profile",
    "/api/v1/municipalities/{slug}/representatives",
    "/api/v1/municipalities/{slug}/representatives/{id}",
    "/api/v1/municipalities/{slug}/memberships",
    "/api/v1/municipalities/{slug}/memberships/{id}",
    "/api/v1/audit",
    "/api/v1/me",
    "/api/v1/network-registry",
    "/api/v1/network-registry/{id}",
    "/api/v1/network-registry/{id}/approval",
    "/api/v1/funding/calls",
    "/api/v1/funding/calls/{id}",
    "/api/v1/funding/calls/{id}/publication",
    "/api/v1/funding/programmes",
    "/api/v1/applications",
    "/api/v1/applications/{id}",
    "/api/v1/applications/{id}/stage",
    "/api/v1/applications/{id}/documents",
    "/api/v1/applications/{id}/documents/{document}",
    "/api/v1/projects",
    "/api/v1/projects/summaries",
    "/api/v1/projects/{id}",
    "/api/v1/projects/{id}/publish",
    "/api/v1/projects/{id}/documents",
    "/api/v1/projects/{id}/documents/{document}",
    "/api/v1/contact/disposals",
    "/api/v1/contact/form",
    "/api/v1/contact/messages",
    "/api/v1/contact/messages/{id}",
    "/api/v1/contact/messages/{id}/status",
    "/api/v1/contact/messages/{id}/notes",
    "/api/v1/contact/messages/{id}/reply",
    "/api/v1/contact/subjects/erase",
    "/api/v1/contact/subjects/export",
    "/api/v1/events",
    "/api/v1/events/{id}",
    "/api/v1/events/{id}/status",
    "/api/v1/events/{id}/registrations",
    "/api/v1/events/{id}/check-ins",
    "/api/v1/events/{id}/check-ins/{registration}/{attendee}/{session}",
    "/api/v1/events/{id}/certificates",
    "/api/v1/events/{id}/certificates/threshold",
    "/api/v1/certificates/{code}",
    "/api/v1/certificates/{code}/revocation",
    "/api/v1/training-record",
    "/api/v1/training-record/me",
    "/api/v1/events/{id}/delegation",
    "/api/v1/events/{id}/delegation/participants",
    "/api/v1/events/{id}/delegation/participants/{participant}",
    "/api/v1/events/{id}/delegation/gifts",
    "/api/v1/events/{id}/delegation/gifts/{gift}",
    "/api/v1/registrations/{id}",
    "/api/v1/registrations/{id}/acceptance",
    "/api/v1/registrations/{id}/declination",
    "/api/v1/registrations/{id}/approval",
    "/api/v1/registrations/{id}/rejection",
    "/api/v1/publications",
    "/api/v1/publications/{id}",
    "/api/v1/publications/{id}/status",
    "/api/v1/news",
    "/api/v1/news/{id}",
    "/api/v1/saved-searches",
    "/api/v1/saved-searches/{id}",
];

/// Routes that only write (no GET), or read only with a token.
fn write_only(route: &str) -> bool {
    route.ends_with("/audit")
        || route.ends_with("/outbox")
        || route.ends_with("/me")
        || route.ends_with("/steps")
        || route.ends_with("/activities")
        || route.ends_with("/sdgs")
        || route.ends_with("/publication")
        || route.ends_with("/proposal-date")
        || route.ends_with("/profile")
        || route.ends_with("/representatives")
        || route.ends_with("/memberships")
        || route.contains("/representatives/")
        || route.contains("/memberships/")
        || route.contains("/network-registry/")
        // The seeded data holds no call; `funding.rs` reads one it entered.
        || route.contains("/funding/calls/")
        // Applications are never public; `applications.rs` reads them with tokens.
        || route.contains("/applications")
        // The seeded data holds no project; `projects.rs` reads those it entered.
        || route.contains("/projects/{id}")
        || route.contains("/contact/")
        || route.contains("/events/")
        || route.contains("/registrations/")
        // The seeded data holds no certificate; `certificates.rs` issues and verifies them.
        || route.contains("/certificates")
        // The seeded data holds no publication; `publications.rs` reads one it entered.
        || route.contains("/publications/")
        // The seeded data holds no news post; `news.rs` reads one it wrote.
        || route.contains("/news/")
        // Revisions are for tokens; `content.rs` reads and writes the pages over the API.
        || route.contains("/pages/")
        // Saved searches are their owner's; `saved_searches.rs` reads them with tokens.
        || route.contains("/saved-searches")
        // The training record is for tokens; `training_record.rs` reads it by role.
        || route.contains("/training-record")
}

async fn the_openapi_document_lists_every_route(db: TestDb) {
    let app = TestApp::new(db).await;
    let (status, doc) = app.json("/api/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc["openapi"].as_str().map(|v| &v[..3]), Some("3.1"));
    let paths: BTreeSet<&str> = doc["paths"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(paths, ROUTES.iter().copied().collect());
    for route in ROUTES.iter().filter(|r| !write_only(r)) {
        let get = &doc["paths"][*route]["get"];
        assert!(get["responses"]["200"].is_object(), "{route} documents its success");
        // Every documented route answers something other than 404 on the router.
        let uri = route
            .replace("{slug}", if route.contains("networks") { "alda" } else { "bursa" })
            .replace("{number}", "1")
            .replace("{code}", "TR")
            .replace("{id}", if route.contains("partnerships") { "1" } else { "745044" });
        let (status, _) = app.json(&uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
    }
    assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    // Writes are documented with their bearer token; reads are not.
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    for (route, method) in [
        ("/api/v1/partnerships", "post"),
        ("/api/v1/partnerships/{id}/steps", "post"),
        ("/api/v1/partnerships/{id}/activities", "post"),
        ("/api/v1/partnerships/{id}/sdgs", "put"),
        ("/api/v1/partnerships/{id}/publication", "put"),
        ("/api/v1/partnerships/{id}/proposal-date", "put"),
        ("/api/v1/municipalities/{slug}/profile", "put"),
        ("/api/v1/municipalities/{slug}/representatives", "post"),
        ("/api/v1/municipalities/{slug}/representatives/{id}", "put"),
        ("/api/v1/municipalities/{slug}/representatives/{id}", "delete"),
        ("/api/v1/municipalities/{slug}/memberships", "post"),
        ("/api/v1/municipalities/{slug}/memberships/{id}", "put"),
    ] {
        let op = &doc["paths"][route][method];
        assert!(op["security"][0]["bearer"].is_array(), "{method} {route}");
        assert!(op["responses"]["401"].is_object(), "{method} {route}");
        assert!(op["responses"]["403"].is_object(), "{method} {route} documents the role check");
    }
    assert!(doc["paths"]["/api/v1/partnerships"]["get"]["security"].is_null());
    let listed: Value = doc["paths"]["/api/v1/municipalities"]["get"]["parameters"].clone();
    let names: Vec<&str> = listed.as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["province", "kind", "q", "page", "per_page"]);
}
