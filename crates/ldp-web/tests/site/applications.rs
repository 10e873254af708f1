//! Applications for funding over the API: the stage path (a skipped or backward move is a clear field
//! error), the authorization matrix (another municipality's representative gets 404, the public nothing,
//! a read-only token no write) and exact decimals.

use axum::http::StatusCode;
use serde_json::{Value, json};

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    the_stage_moves_one_step_at_a_time_with_clear_errors,
    applications_are_seen_by_their_municipality_and_staff_only,
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
