//! Funding deadlines as calendars (issue 16): the union's feed with the calls list's filters, page-cached and
//! moved by an edit (same UID, a higher SEQUENCE), and a person's own feed behind the secret of their events
//! feed — the calls their saved searches match and their municipality's open applications are for,
//! `private, no-store`, dead once revoked. Every file is read back with the icalendar crate's parser.

use axum::http::StatusCode;
use icalendar::{Calendar, Component};
use scraper::Html;
use serde_json::{Value, json};

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    the_union_feed_parses_filters_like_the_list_and_follows_edits,
    the_personal_feed_holds_searched_and_applied_calls_and_dies_when_revoked,
);

/// The reply as a calendar, after checking it is one.
fn calendar(reply: &Reply) -> Calendar {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let ct = reply.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    assert!(ct.starts_with("text/calendar"), "content type {ct:?}");
    reply.body.parse::<Calendar>().unwrap_or_else(|e| panic!("not a calendar ({e}): {}", reply.body))
}

fn uids(cal: &Calendar) -> Vec<String> {
    cal.events().filter_map(|e| e.get_uid().map(str::to_owned)).collect()
}

fn host(app: &TestApp) -> String {
    let origin = app.state.origin.to_string();
    let rest = origin.split_once("://").map_or(origin.as_str(), |(_, r)| r).to_owned();
    rest.split([':', '/']).next().unwrap().to_owned()
}

fn climate(identifier: &str, deadline: &str) -> Value {
    json!({
        "identifier": identifier,
        "kind": "grant",
        "title_tr": "Kıyı kentlerinde iklim uyumu",
        "title_en": "Climate adaptation in coastal cities",
        "deadline_model": "single",
        "deadlines": deadline,
        "themes": "İklim, kıyı",
        "sdgs": "13",
        "link": "https://example.org/climate",
    })
}

fn water() -> Value {
    json!({
        "identifier": "BG-TR-2027-02",
        "programme": "interreg-ipa-bulgaria-turkiye",
        "kind": "competition",
        "title_tr": "Sınır ötesi su yönetimi",
        "title_en": "Cross-border water management",
        "deadline_model": "two_stage",
        "deadlines": "2027-02-01 12:00 Europe/Sofia\n2027-06-15 17:00 Europe/Sofia",
        "sdgs": "6",
        "link": "https://www.ipacbc-bgtr.eu/",
    })
}

async fn enter(app: &TestApp, token: &str, call: &Value) -> i64 {
    let created = app.api("POST", "/api/v1/funding/calls", Some(token), Some(&call.to_string())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    serde_json::from_str::<Value>(&created.body).unwrap()["call"]["id"].as_i64().unwrap()
}

async fn the_union_feed_parses_filters_like_the_list_and_follows_edits(db: TestDb) {
    let app = TestApp::cached(db).await;
    let h = host(&app);
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let rep = app.token("rep@edirne.bel.tr", false).await;
    let climate_id = enter(&app, &staff, &climate("CLIMA-2027", "2027-01-14 17:00 Europe/Brussels")).await;
    let water_id = enter(&app, &staff, &water()).await;
    // Closed long ago (the clock is at 28 November 2026): more than 90 days past, so out of the feed.
    let old = enter(&app, &staff, &climate("CLIMA-2025", "2026-03-12 17:00 Europe/Brussels")).await;
    // A representative's suggestion waits for staff and is not public.
    let suggested = app
        .api(
            "POST",
            "/api/v1/funding/calls",
            Some(&rep),
            Some(&climate("SUGG-1", "2027-01-20 17:00 Europe/Brussels").to_string()),
        )
        .await;
    assert_eq!(suggested.status, StatusCode::CREATED, "{}", suggested.body);

    let reply = app.get("/tr/funding/deadlines.ics").await;
    assert!(reply.headers.get("etag").is_some(), "kept by the page cache like the list");
    let feed = calendar(&reply);
    assert_eq!(feed.property_value("METHOD"), Some("PUBLISH"));
    assert_eq!(
        uids(&feed),
        vec![
            format!("call-{climate_id}-deadline-1@{h}"),
            format!("call-{water_id}-deadline-1@{h}"),
            format!("call-{water_id}-deadline-2@{h}"),
        ],
        "one VEVENT per deadline, the earliest closing call first; no old call ({old}), no suggestion"
    );
    assert!(!reply.body.contains("TZID"), "UTC times need no zone");
    let events: Vec<_> = feed.events().collect();
    // 17:00 in Brussels in winter is 16:00 UTC; 12:00 in Sofia is 10:00 UTC; 17:00 in Sofia in June 14:00 UTC.
    assert_eq!(events[0].property_value("DTSTART"), Some("20270114T160000Z"));
    assert_eq!(events[1].property_value("DTSTART"), Some("20270201T100000Z"));
    assert_eq!(events[2].property_value("DTSTART"), Some("20270615T140000Z"));
    assert_eq!(events[0].get_summary(), Some("Son başvuru: CLIMA-2027 — Kıyı kentlerinde iklim uyumu"));
    assert_eq!(events[2].get_summary(), Some("2. aşama son başvurusu: BG-TR-2027-02 — Sınır ötesi su yönetimi"));
    let description = events[0].get_description().unwrap_or_default().to_owned();
    assert!(
        description.contains("2027-01-14 17:00 Brussels (Europe/Brussels) = 2027-01-14 19:00 İstanbul"),
        "{description}"
    );
    assert!(description.contains("https://example.org/climate"), "the official link: {description}");
    assert_eq!(events[0].get_url(), Some(format!("{}/tr/funding/calls/{climate_id}", app.state.origin).as_str()));
    let en = calendar(&app.get("/en/funding/deadlines.ics").await);
    assert_eq!(
        en.events().nth(2).unwrap().get_summary(),
        Some("Stage 2 deadline: BG-TR-2027-02 — Cross-border water management")
    );

    // The list's filters narrow the feed the same way.
    let only = |q: &str| {
        let app = &app;
        let q = q.to_owned();
        async move { uids(&calendar(&app.get(&format!("/tr/funding/deadlines.ics?{q}")).await)) }
    };
    assert_eq!(only("type=competition").await.len(), 2);
    assert!(only("type=competition").await.iter().all(|u| u.starts_with(&format!("call-{water_id}-"))));
    assert_eq!(only("sdg=13").await, vec![format!("call-{climate_id}-deadline-1@{h}")]);
    assert_eq!(only("funder=interreg").await.len(), 2);
    assert_eq!(only("q=iklim").await, vec![format!("call-{climate_id}-deadline-1@{h}")]);
    assert!(only("type=grant&funder=interreg").await.is_empty());
    for bad in ["type=party", "sdg=99", "funder=nobody", "programme=nothing"] {
        assert_eq!(app.get(&format!("/tr/funding/deadlines.ics?{bad}")).await.status, StatusCode::BAD_REQUEST, "{bad}");
    }

    // The calls list links the feed of what it shows (its status aside).
    let list = app.page("/tr/funding?type=grant&sdg=13&status=open").await;
    assert_eq!(hrefs(&list, "#deadline-feed"), vec!["/tr/funding/deadlines.ics?type=grant&sdg=13".to_owned()]);

    // An edit that moves the deadline moves the cached feed: same UID, SEQUENCE raised.
    let mut moved = climate("CLIMA-2027", "2027-01-21 17:00 Europe/Brussels");
    moved["kind"] = json!("grant");
    let put =
        app.api("PUT", &format!("/api/v1/funding/calls/{climate_id}"), Some(&staff), Some(&moved.to_string())).await;
    assert_eq!(put.status, StatusCode::OK, "{}", put.body);
    let after = calendar(&app.get("/tr/funding/deadlines.ics?sdg=13").await);
    let e = after.events().next().unwrap();
    assert_eq!(e.get_uid(), Some(format!("call-{climate_id}-deadline-1@{h}").as_str()));
    assert_eq!((e.property_value("DTSTART"), e.get_sequence()), (Some("20270121T160000Z"), Some(1)));
    // The same data gives the same bytes (the cache off, the rendering again).
    let again = app.get_uncached("/tr/funding/deadlines.ics?sdg=13").await;
    assert_eq!(again.body, app.get_uncached("/tr/funding/deadlines.ics?sdg=13").await.body);
}

async fn the_personal_feed_holds_searched_and_applied_calls_and_dies_when_revoked(db: TestDb) {
    let app = TestApp::cached(db).await;
    let h = host(&app);
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    let staff_token = app.token("staff@mmu.org.tr", false).await;
    let rep_token = app.token("rep@edirne.bel.tr", false).await;
    let rep = app.sign_in("rep@edirne.bel.tr").await;
    let climate_id = enter(&app, &staff_token, &climate("CLIMA-2027", "2027-01-14 17:00 Europe/Brussels")).await;
    let water_id = enter(&app, &staff_token, &water()).await;
    let mut other = climate("TOURISM-2027", "2027-03-01 17:00 Europe/Rome");
    other["title_tr"] = json!("Kültür turizmi");
    other["title_en"] = json!("Cultural tourism");
    other["themes"] = json!("turizm");
    other["sdgs"] = json!("8");
    let other_id = enter(&app, &staff_token, &other).await;

    // A search for the climate calls, and an application for the water call.
    let saved = app
        .form(
            "/tr/workspace/saved-searches",
            Some(&rep),
            &[("theme", "İKLİM"), ("frequency", "weekly"), ("lang", "tr")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let application = json!({ "municipality": "edirne", "call": water_id.to_string(), "title": "Meriç havzası" });
    let created = app.api("POST", "/api/v1/applications", Some(&rep_token), Some(&application.to_string())).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let application_id = serde_json::from_str::<Value>(&created.body).unwrap()["application"]["id"].as_i64().unwrap();

    // The saved-searches page leads to the calendar page, which offers the union's feed and makes both addresses.
    let searches = Html::parse_document(&app.get_as("/tr/workspace/saved-searches", &rep).await.body);
    assert_eq!(hrefs(&searches, "#deadline-calendar"), vec!["/tr/workspace/calendar#deadlines-h".to_owned()]);
    let page = Html::parse_document(&app.get_as("/tr/workspace/calendar", &rep).await.body);
    assert_eq!(text(&page, "#union-deadlines"), format!("{}/tr/funding/deadlines.ics", app.state.origin));
    let made = app.form("/tr/workspace/calendar", Some(&rep), &[]).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let made = Html::parse_document(&made.body);
    let events_path = text(&made, "#calendar-address").strip_prefix(&*app.state.origin).unwrap().to_owned();
    let path = text(&made, "#deadlines-address").strip_prefix(&*app.state.origin).unwrap().to_owned();
    assert_eq!(path, events_path.replace("/events.ics", "/deadlines.ics"), "the same secret");

    let reply = app.get(&path).await;
    assert_eq!(reply.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("private, no-store"));
    assert!(reply.headers.get("etag").is_none(), "never kept by the page cache");
    let feed = calendar(&reply);
    assert_eq!(feed.property_value("METHOD"), Some("PUBLISH"));
    assert_eq!(
        uids(&feed),
        vec![
            format!("call-{climate_id}-deadline-1@{h}"),
            format!("call-{water_id}-deadline-1@{h}"),
            format!("call-{water_id}-deadline-2@{h}"),
        ],
        "the searched call and the applied one, not the tourism call ({other_id})"
    );
    assert!(feed.get_name().is_some_and(|n| n.contains("Son başvurularım")), "{:?}", feed.get_name());

    // A decided application's call leaves the feed.
    for stage in ["partner_search", "drafting", "submitted", "withdrawn"] {
        let body = json!({ "stage": stage }).to_string();
        let moved = app
            .api("POST", &format!("/api/v1/applications/{application_id}/stage"), Some(&rep_token), Some(&body))
            .await;
        assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    }
    assert_eq!(uids(&calendar(&app.get(&path).await)), vec![format!("call-{climate_id}-deadline-1@{h}")]);

    // Revoked: both addresses answer 404, privately.
    let revoked = app.form("/tr/workspace/calendar/revoke", Some(&rep), &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let gone = app.get(&path).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("private, no-store"));
    assert_eq!(app.get(&events_path).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/calendar/not-a-secret/deadlines.ics").await.status, StatusCode::NOT_FOUND);
}
