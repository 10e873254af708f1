//! Public pages read the reference data from the in-memory read model, not the store, and still show a
//! write on the next request.

use axum::http::StatusCode;
use ldp_core::domain::{Actor, Change, Localized, MunicipalityProfile};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    warm_public_pages_make_no_reference_reads,
    a_profile_change_shows_on_the_next_anonymous_request,
);

/// The store methods the read model answers for.
const REFERENCE_READS: [&str; 12] = [
    "union_info",
    "list_networks",
    "network_by_slug",
    "list_provinces",
    "list_municipalities",
    "municipality_by_slug",
    "municipality",
    "municipalities_by_id",
    "municipality_profile",
    "list_goals",
    "goal",
    "list_countries",
];

async fn warm_public_pages_make_no_reference_reads(db: TestDb) {
    let (app, counter) = TestApp::counting(db).await;
    let pages = [
        "/tr/",
        "/tr/municipalities",
        "/tr/municipalities?province=16&q=nil",
        "/tr/municipalities/bursa-nilufer",
        "/tr/networks",
        "/tr/sdgs",
        "/tr/sdgs/11",
        "/api/v1/municipalities?q=kadi",
        "/api/v1/countries",
        "/api/v1/sdgs",
    ];
    for path in pages {
        assert_eq!(app.get(path).await.status, StatusCode::OK, "{path}");
    }
    counter.reset();
    for path in pages {
        assert_eq!(app.get(path).await.status, StatusCode::OK, "{path}");
    }
    for method in REFERENCE_READS {
        assert_eq!(counter.calls(method), 0, "{method} read from the store");
    }
}

async fn a_profile_change_shows_on_the_next_anonymous_request(db: TestDb) {
    let store = db.shared();
    let app = TestApp::new(db).await;
    assert!(!app.get("/tr/municipalities/bursa-nilufer").await.body.contains("Yeni tanıtım metni"));
    // The CLI's path: a service call on the same store, outside any request.
    let m = store.municipality_by_slug("bursa-nilufer").await.unwrap().unwrap();
    let profile =
        MunicipalityProfile { about: Localized::new("Yeni tanıtım metni", "New about text"), ..Default::default() };
    let change =
        Change::new(&Actor::system("test"), ldp_testkit::NOW, "update", "municipality").record(m.id.0).of(m.id);
    store.update_municipality_profile(m.id, &profile, &change).await.unwrap();
    let page = app.get("/tr/municipalities/bursa-nilufer").await;
    assert!(page.body.contains("Yeni tanıtım metni"), "the new profile shows at once");
}
