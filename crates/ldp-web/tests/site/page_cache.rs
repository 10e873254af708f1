//! The rendered-page cache as readers and editors see it: a kept page answers without the store, every way
//! of writing shows on the next anonymous GET, signed-in viewers are never served or stored, languages stay
//! apart, and a 304 means the entity is unchanged.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use scraper::Html;

use ldp_core::domain::Actor;
use ldp_core::feed::{Topic, Versions};
use ldp_core::services::partnerships::{NewPartnershipInput, PartnershipSettings, Partnerships};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    a_kept_page_answers_without_reading_the_store,
    a_profile_saved_in_the_workspace_shows_on_the_next_anonymous_get,
    a_profile_saved_through_the_api_shows_on_the_next_anonymous_get,
    a_relation_proposed_as_the_cli_does_shows_on_the_next_anonymous_get,
    a_signed_in_viewer_neither_fills_nor_reads_the_cache,
    a_turkish_entry_never_answers_an_english_request,
    a_304_is_sent_only_while_the_entity_is_unchanged,
    a_query_written_another_way_shares_one_entry,
    the_cache_is_emptied_when_the_feed_moves,
    forms_and_operations_are_never_kept,
);

const NILUFER: &str = "/tr/municipalities/bursa-nilufer";

async fn a_kept_page_answers_without_reading_the_store(db: TestDb) {
    let (app, counter) = TestApp::counting_cached(db).await;
    let first = app.get("/tr/municipalities?province=16").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(counter.total() > 0, "the first request renders from the store");
    counter.reset();
    let again = app.get("/tr/municipalities?province=16").await;
    assert_eq!(counter.total(), 0, "the second is answered from memory");
    assert_eq!(again.body, first.body);
    assert_eq!(again.headers.get(header::ETAG), first.headers.get(header::ETAG));
    assert_eq!(again.headers[header::CACHE_CONTROL], ldp_web::cache::PUBLIC);
    assert!(again.headers.contains_key(header::CONTENT_SECURITY_POLICY), "every response keeps its security headers");
    // A hit is answered before routing, with everything the stack adds to a rendered response: the same
    // headers (security headers included), and a request id of its own. (`Content-Length` is the server's,
    // from the body's exact size, on either path.)
    for (name, value) in &first.headers {
        if name.as_str() != "x-request-id" && name != header::DATE && name != header::CONTENT_LENGTH {
            assert_eq!(again.headers.get(name), Some(value), "{name} on the kept answer");
        }
    }
    assert!(again.headers.contains_key("x-request-id"), "a hit has its request id");
    assert_ne!(again.headers.get("x-request-id"), first.headers.get("x-request-id"));
    let (entries, bytes) = app.state.page_cache.size().await;
    assert_eq!(entries, 1);
    assert!(bytes > first.body.len() as u64, "the weigher counts the body and more: {bytes}");
}

async fn a_profile_saved_in_the_workspace_shows_on_the_next_anonymous_get(db: TestDb) {
    let app = TestApp::cached(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    assert!(!app.get(NILUFER).await.body.contains("Önbellek sınaması"));
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let saved = app
        .form(
            "/tr/workspace/municipalities/bursa-nilufer",
            Some(&staff),
            &[("website", "https://www.nilufer.bel.tr"), ("about_tr", "Önbellek sınaması"), ("about_en", "Cache test")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert!(app.get(NILUFER).await.body.contains("Önbellek sınaması"));
    assert!(app.get("/en/municipalities/bursa-nilufer").await.body.contains("Cache test"));
}

async fn a_profile_saved_through_the_api_shows_on_the_next_anonymous_get(db: TestDb) {
    let app = TestApp::cached(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let token = app.token("staff@mmu.org.tr", false).await;
    assert!(!app.get(NILUFER).await.body.contains("API ile yazıldı"));
    let body = r#"{"website":"https://www.nilufer.bel.tr","about_tr":"API ile yazıldı","about_en":"Written by API"}"#;
    let put = app.api("PUT", "/api/v1/municipalities/bursa-nilufer/profile", Some(&token), Some(body)).await;
    assert!(put.status.is_success(), "{}", put.body);
    assert!(app.get(NILUFER).await.body.contains("API ile yazıldı"));
    // An API read follows an API write the same way.
    let (_, list) = app.json("/api/v1/partnerships?municipality=bursa-nilufer&per_page=1").await;
    let id = list["items"][0]["id"].as_i64().expect("a relation of Nilüfer");
    let record = format!("/api/v1/partnerships/{id}");
    let before = app.get(&record).await.body;
    let put = app.api("PUT", &format!("{record}/sdgs"), Some(&token), Some(r#"{"sdgs":"6,13"}"#)).await;
    assert!(put.status.is_success(), "{}", put.body);
    let after = app.get(&record).await.body;
    assert_ne!(after, before);
    assert_eq!(after, app.get_uncached(&record).await.body);
}

/// `ldp partnership create` builds its own `Partnerships` service on the store: the same path as here.
async fn a_relation_proposed_as_the_cli_does_shows_on_the_next_anonymous_get(db: TestDb) {
    let app = TestApp::cached(db).await;
    let list = "/en/partnerships?municipality=bursa-nilufer&stage=council_approved";
    let before = app.get(list).await.body;
    let cli = Partnerships::new(app.state.store.clone(), app.clock.clone(), PartnershipSettings::default());
    let input = NewPartnershipInput {
        municipality: Some("bursa-nilufer".into()),
        partner_city: Some("2867714".into()),
        kind: Some("sister_city".into()),
        ..Default::default()
    };
    let id = cli.create(&input, &Actor::system("cli")).await.unwrap();
    let public = format!("/en/partnerships/{}", id.0);
    assert_eq!(app.get(&public).await.status, StatusCode::NOT_FOUND, "a proposal is not public yet");
    let council = ldp_core::domain::partnership::RawEvidence {
        date: Some("2026-11-28".into()),
        number: Some("2026/77".into()),
        ..Default::default()
    };
    cli.record(id, ldp_core::domain::partnership::Stage::CouncilApproved, &council, &Actor::system("cli"))
        .await
        .unwrap();
    assert_eq!(app.get(&public).await.status, StatusCode::OK, "the kept 404 gave way");
    assert_ne!(app.get(list).await.body, before, "the list shows the new relation");
}

async fn a_signed_in_viewer_neither_fills_nor_reads_the_cache(db: TestDb) {
    let (app, counter) = TestApp::counting_cached(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let theirs = app.get_as(NILUFER, &staff).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert_eq!(theirs.headers[header::CACHE_CONTROL], "private, no-store");
    assert!(theirs.headers.get(header::ETAG).is_none());
    assert_eq!(app.state.page_cache.size().await.0, 0, "a signed-in page is never kept");
    let public = app.get(NILUFER).await;
    assert_eq!(public.headers[header::CACHE_CONTROL], ldp_web::cache::PUBLIC);
    assert_eq!(app.state.page_cache.size().await.0, 1);
    counter.reset();
    let again = app.get_as(NILUFER, &staff).await;
    assert!(counter.total() > 0, "the signed-in viewer's page is rendered for them");
    assert_eq!(again.headers[header::CACHE_CONTROL], "private, no-store");
    let css = app.get_as("/static/app.css", &staff).await;
    assert!(css.headers[header::CACHE_CONTROL].to_str().unwrap().contains("immutable"), "the stylesheet stays cached");
    // An API client with a token (even one the API refuses) is not served the public entry either.
    let api = "/api/v1/municipalities/bursa-nilufer";
    assert_eq!(app.get(api).await.status, StatusCode::OK);
    counter.reset();
    let bearer = app.api("GET", api, Some("not-a-token"), None).await;
    // (This read comes from the in-memory reference model, so store calls cannot tell; the kept entry's
    // public policy and ETag would.)
    assert_eq!(bearer.headers[header::CACHE_CONTROL], "private, no-store", "{}", bearer.status);
    assert!(bearer.headers.get(header::ETAG).is_none());
}

async fn a_turkish_entry_never_answers_an_english_request(db: TestDb) {
    let app = TestApp::cached(db).await;
    for path in ["/sdgs/11", "/municipalities", "/partnerships.csv", "/map"] {
        let tr = app.get(&format!("/tr{path}")).await;
        let en = app.get(&format!("/en{path}")).await;
        assert_eq!((tr.status, en.status), (StatusCode::OK, StatusCode::OK), "{path}");
        assert_ne!(tr.body, en.body, "{path}");
        assert_ne!(tr.headers.get(header::ETAG), en.headers.get(header::ETAG), "{path}");
        assert_eq!(app.get(&format!("/en{path}")).await.body, en.body, "{path}, kept in English");
    }
    let html = Html::parse_document(&app.get("/en/sdgs/11").await.body);
    assert_eq!(attr(&html, "html", "lang").as_deref(), Some("en"));
}

async fn a_304_is_sent_only_while_the_entity_is_unchanged(db: TestDb) {
    let app = TestApp::cached(db).await;
    let first = app.get(NILUFER).await;
    let tag = first.headers[header::ETAG].to_str().unwrap().to_owned();
    assert!(tag.starts_with('"') && tag.len() == 34, "a strong tag: {tag}");
    let unchanged = if_none_match(&app, tag.clone()).await;
    assert_eq!(unchanged.status, StatusCode::NOT_MODIFIED);
    assert!(unchanged.body.is_empty());
    assert_eq!(unchanged.headers[header::ETAG], tag.as_str());
    assert_eq!(if_none_match(&app, "\"something-else\"").await.status, StatusCode::OK);
    app.user("staff@mmu.org.tr", "staff", "").await;
    let token = app.token("staff@mmu.org.tr", false).await;
    let body = r#"{"website":"https://www.nilufer.bel.tr","about_tr":"Yeni tanıtım","about_en":"New about"}"#;
    let put = app.api("PUT", "/api/v1/municipalities/bursa-nilufer/profile", Some(&token), Some(body)).await;
    assert!(put.status.is_success(), "{}", put.body);
    let changed = if_none_match(&app, tag.clone()).await;
    assert_eq!(changed.status, StatusCode::OK, "the old tag no longer matches");
    assert!(changed.body.contains("Yeni tanıtım"));
    assert_ne!(changed.headers[header::ETAG], tag.as_str());
    // With the cache off, tags and 304s work the same (the tag is the bytes' hash).
    let fresh = app.get_uncached(NILUFER).await;
    assert_eq!(fresh.headers[header::ETAG], changed.headers[header::ETAG]);
}

async fn if_none_match(app: &TestApp, tag: impl Into<String>) -> Reply {
    let request = Request::get(NILUFER).header(header::IF_NONE_MATCH, tag.into()).body(Body::empty()).unwrap();
    app.request(request).await
}

async fn a_query_written_another_way_shares_one_entry(db: TestDb) {
    let (app, counter) = TestApp::counting_cached(db).await;
    let one = app.get("/tr/municipalities?province=16&kind=district").await;
    counter.reset();
    let other = app.get("/tr/municipalities?kind=district&province=%316").await;
    assert_eq!(counter.total(), 0, "the same entry");
    assert_eq!(one.body, other.body);
    assert_eq!(other.body, app.get_uncached("/tr/municipalities?kind=district&province=16").await.body);
    assert_eq!(app.get("/tr/municipalities?kind=&province=16").await.status, StatusCode::OK);
    assert_eq!(app.state.page_cache.size().await.0, 2, "an empty parameter is its own entry");
}

async fn the_cache_is_emptied_when_the_feed_moves(db: TestDb) {
    let (app, counter) = TestApp::counting_cached(db).await;
    app.get("/tr/sdgs").await;
    app.get("/en/sdgs").await;
    assert_eq!(app.state.page_cache.size().await.0, 2);
    let mut accounts = app.state.feed.current();
    accounts.set(Topic::Accounts, accounts.get(Topic::Accounts) + 1);
    app.state.feed.observe(accounts);
    counter.reset();
    app.get("/tr/sdgs").await;
    assert_eq!(counter.total(), 0, "users and tokens never show in public: the entry stays");
    let mut moved = Versions::default();
    moved.set(Topic::Reference, app.state.feed.current().get(Topic::Reference) + 1);
    app.state.feed.observe(moved);
    for _ in 0..100 {
        if app.state.page_cache.size().await.0 == 0 {
            break;
        }
        tokio::task::yield_now().await;
    }
    assert_eq!(app.state.page_cache.size().await, (0, 0), "memory is released");
    counter.reset();
    app.get("/tr/sdgs").await;
    assert!(counter.total() > 0, "rendered again");
}

async fn forms_and_operations_are_never_kept(db: TestDb) {
    let app = TestApp::cached(db).await;
    let sign_in = app.get("/tr/sign-in").await;
    assert!(set_cookie(&sign_in, "ldp_csrf").is_some());
    assert_eq!(sign_in.headers[header::CACHE_CONTROL], "private, no-store");
    assert_eq!(app.get("/tr/password-reset").await.headers[header::CACHE_CONTROL], "private, no-store");
    assert_eq!(app.get("/tr/workspace").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
    assert_eq!(app.get("/").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.state.page_cache.size().await.0, 0);
    let again = app.get("/tr/sign-in").await;
    assert_ne!(csrf_of(&again.body), csrf_of(&sign_in.body), "every visitor gets their own token");
}
