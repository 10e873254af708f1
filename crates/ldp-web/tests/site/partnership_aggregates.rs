//! The partnership aggregates kept in memory between writes (list counts, the per-country summary, the
//! filter's countries, the map's groups): warm pages do not recount every relation, and a write shows in
//! every count on the next request, with the page cache off.

use ldp_core::domain::Actor;
use ldp_core::domain::partnership::{RawEvidence, Stage};
use ldp_core::services::partnerships::{NewPartnershipInput, PartnershipSettings, Partnerships};
use ldp_testkit::{TestDb, both_backends};
use scraper::Html;

use crate::helpers::*;

both_backends!(seeded =>
    warm_pages_do_not_recount_every_relation,
    a_published_relation_shows_in_every_kept_count_on_the_next_request,
);

/// The pages that show counts over every relation.
const PAGES: [&str; 6] = [
    "/tr/",
    "/tr/partnerships",
    "/tr/partnerships?province=16",
    "/tr/partnerships/countries",
    "/tr/map",
    "/api/v1/partnerships",
];

async fn warm_pages_do_not_recount_every_relation(db: TestDb) {
    let (app, counter) = TestApp::counting_configured(db, |c| {
        c.page_cache_bytes = 0;
        c.partnerships.map_aggregate_above = 100;
    })
    .await;
    for page in PAGES {
        assert_eq!(app.get(page).await.status, axum::http::StatusCode::OK, "{page}");
    }
    counter.reset();
    for page in PAGES {
        assert_eq!(app.get(page).await.status, axum::http::StatusCode::OK, "{page}");
    }
    for aggregate in ["partnership_countries", "partner_countries", "member_country_links", "list_partnerships"] {
        assert_eq!(counter.calls(aggregate), 0, "{aggregate} was read again");
    }
    // Each list still reads its page of relations.
    assert!(counter.calls("export_partnerships") >= 3);
}

/// The number in the first `<strong>` under `selector`.
fn number(html: &Html, selector: &str) -> u64 {
    let digits: String = text(html, selector).chars().filter(char::is_ascii_digit).collect();
    digits.parse().unwrap_or_else(|_| panic!("a number in {selector}"))
}

async fn counts(app: &TestApp) -> [u64; 5] {
    let home = app.page("/en/").await;
    let (_, api) = app.json("/api/v1/partnerships?per_page=1&municipality=bursa-nilufer").await;
    [
        number(&home, ".stat-links strong"),
        number(&app.page("/en/partnerships").await, ".result-count strong"),
        number(&app.page("/en/partnerships?province=16").await, ".result-count strong"),
        api["total"].as_u64().expect("a total"),
        number(&app.page("/en/map").await, "#map-table-title"),
    ]
}

async fn a_published_relation_shows_in_every_kept_count_on_the_next_request(db: TestDb) {
    let app = TestApp::configured(db, |c| c.page_cache_bytes = 0).await;
    let before = counts(&app).await;
    let uncounted = Partnerships::new(app.db.shared(), app.clock.clone(), PartnershipSettings::default());
    let input = NewPartnershipInput {
        municipality: Some("bursa-nilufer".into()),
        partner_city: Some("2867714".into()),
        kind: Some("sister_city".into()),
        ..Default::default()
    };
    let id = uncounted.create(&input, &Actor::system("cli")).await.unwrap();
    assert_eq!(counts(&app).await, before, "a proposal is not public, so no count moves");
    let council = RawEvidence { date: Some("2026-11-28".into()), number: Some("2026/77".into()), ..Default::default() };
    uncounted.record(id, Stage::CouncilApproved, &council, &Actor::system("cli")).await.unwrap();
    assert_eq!(counts(&app).await, before.map(|n| n + 1), "every count shows the relation at once");
    // The kept counts equal the store's own.
    let list = uncounted.list(&Default::default(), ldp_core::domain::Page::first(1)).await.unwrap();
    assert_eq!(list.total, before[1] + 1);
    let per_country: u64 = uncounted.countries().await.unwrap().iter().map(|c| c.partnerships).sum();
    assert_eq!(per_country, before[0] + 1);
}
