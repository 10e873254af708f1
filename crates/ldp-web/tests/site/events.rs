//! Events on the site: the public list and page (with schema.org JSON-LD), the page cache refreshing after a
//! write, the workspace forms, and the API with its authorization matrix (anonymous, a representative of
//! the host municipality and of another, staff).

use axum::http::StatusCode;
use scraper::Html;

use ldp_core::domain::{Actor, EventStatus};
use ldp_core::services::events::EventInput;
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::{TestApp, attr, hrefs, text, texts};

both_backends!(seeded =>
    the_public_list_and_page_show_published_events_only,
    a_published_event_shows_on_the_next_anonymous_get,
    the_workspace_creates_publishes_and_registers,
    the_api_follows_the_roles,
    publishing_an_event_linked_to_a_relation_ends_its_dormancy,
    an_event_without_a_description_has_no_empty_about_section,
);

async fn an_event_without_a_description_has_no_empty_about_section(db: TestDb) {
    let app = TestApp::new(db).await;
    let system = Actor::system("test");
    let only_title = EventInput { body_tr: None, title_en: Some("Protocol training".into()), ..input(None) };
    let e = app.state.events.create(&system, &only_title).await.unwrap();
    app.state.events.set_status(&system, e.id, EventStatus::Published).await.unwrap();
    let en = app.page(&format!("/en/events/{}", e.id.0)).await;
    assert!(texts(&en, "#about-title").is_empty(), "no heading over nothing");
    assert_eq!(attr(&en, "section.prose", "aria-labelledby").as_deref(), Some("sessions-title"));
    assert_eq!(attr(&en, "h1", "lang").as_deref(), Some("en"));
    // The summary is Turkish only: shown as such, marked, and the page says so.
    assert_eq!(attr(&en, ".page-head .lead", "lang").as_deref(), Some("tr"));
    assert!(text(&en, ".note").contains("not been written in English"), "the untranslated summary is announced");
}

fn input(title_en: Option<&str>) -> EventInput {
    EventInput {
        kind: Some("training".into()),
        title_tr: Some("Protokol kuralları eğitimi".into()),
        title_en: title_en.map(Into::into),
        summary_tr: Some("Dış ilişkiler personeli için protokol".into()),
        body_tr: Some("Birinci paragraf.\n\nİkinci paragraf.".into()),
        topics: Some("diplomacy_protocol".into()),
        sdgs: Some("16,17".into()),
        host: Some("bursa-nilufer".into()),
        online_url: Some("https://meet.example.org/protokol".into()),
        sessions: Some("2026-12-10 10:00-12:30".into()),
        languages: Some("tr".into()),
        speakers: Some("Ayşe Yılmaz".into()),
        organiser: Some("Marmara Belediyeler Birliği".into()),
        audience: Some("member_staff".into()),
        capacity: Some("40".into()),
        ..EventInput::default()
    }
}

async fn published(app: &TestApp, title_en: Option<&str>) -> i64 {
    let system = Actor::system("test");
    let e = app.state.events.create(&system, &input(title_en)).await.unwrap();
    app.state.events.set_status(&system, e.id, EventStatus::Published).await.unwrap();
    e.id.0
}

async fn the_public_list_and_page_show_published_events_only(db: TestDb) {
    let app = TestApp::new(db).await;
    let id = published(&app, None).await;
    let draft = app.state.events.create(&Actor::system("test"), &input(Some("Draft"))).await.unwrap().id.0;

    let list = app.page("/tr/events").await;
    assert!(hrefs(&list, "a").contains(&"/tr/events".to_owned()), "the menu links the list");
    let links = hrefs(&list, ".events a");
    assert!(links.contains(&format!("/tr/events/{id}")));
    assert!(!links.contains(&format!("/tr/events/{draft}")), "drafts are not public");
    // Filters: another kind finds nothing; an unknown one is named beside its field.
    let other = app.page("/tr/events?kind=study_visit").await;
    assert!(hrefs(&other, ".events a").is_empty());
    let by_topic = app.page("/en/events?topic=diplomacy_protocol&sdg=17").await;
    assert_eq!(hrefs(&by_topic, ".events a"), vec![format!("/en/events/{id}")]);
    let past = app.page("/tr/events?when=past").await;
    assert!(hrefs(&past, ".events a").is_empty(), "the event is still to come");
    let bad = app.get("/tr/events?kind=party&sdg=99").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = Html::parse_document(&bad.body);
    assert_eq!(texts(&bad, ".field-error").len(), 2);

    let page = app.page(&format!("/tr/events/{id}")).await;
    assert_eq!(text(&page, "h1"), "Protokol kuralları eğitimi");
    assert!(text(&page, ".sessions").contains("10:00"), "Istanbul time: {}", text(&page, ".sessions"));
    assert!(text(&page, ".sessions").contains("12:30"));
    let ld: serde_json::Value =
        serde_json::from_str(&text(&page, "script[type='application/ld+json']")).expect("JSON-LD");
    assert_eq!(ld["@type"], "Event");
    assert_eq!(ld["startDate"], "2026-12-10T10:00:00+03:00");
    assert_eq!(ld["eventStatus"], "https://schema.org/EventScheduled");
    assert_eq!(ld["location"]["@type"], "VirtualLocation");
    assert_eq!(ld["maximumAttendeeCapacity"], 40);
    // English page without English text: the Turkish one, with a notice.
    let en = app.page(&format!("/en/events/{id}")).await;
    assert_eq!(text(&en, "h1"), "Protokol kuralları eğitimi");
    // The Turkish text is marked Turkish; the notice about it is in the page's language.
    assert_eq!(attr(&en, "h1", "lang").as_deref(), Some("tr"));
    assert_eq!(attr(&en, ".page-head .lead", "lang").as_deref(), Some("tr"));
    assert!(text(&en, ".note").contains("not been written in English"));
    assert_eq!(attr(&en, ".note", "lang"), None);
    assert_eq!(text(&page, "#about-title"), "Etkinlik hakkında");
    assert_eq!(app.get(&format!("/tr/events/{draft}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/tr/events/nope").await.status, StatusCode::NOT_FOUND);

    // Cancelled: still listed, marked, and said so in the JSON-LD.
    app.state
        .events
        .set_status(&Actor::system("test"), ldp_core::domain::EventId(id), EventStatus::Cancelled)
        .await
        .unwrap();
    let page = app.page(&format!("/tr/events/{id}")).await;
    let ld: serde_json::Value = serde_json::from_str(&text(&page, "script[type='application/ld+json']")).unwrap();
    assert_eq!(ld["eventStatus"], "https://schema.org/EventCancelled");
}

async fn a_published_event_shows_on_the_next_anonymous_get(db: TestDb) {
    let app = TestApp::cached(db).await;
    let before = app.page("/tr/events").await;
    assert!(hrefs(&before, ".events a").is_empty());
    let again = app.get("/tr/events").await;
    assert_eq!(again.status, StatusCode::OK);
    let id = published(&app, Some("Protocol training")).await;
    let after = app.page("/tr/events").await;
    assert_eq!(hrefs(&after, ".events a"), vec![format!("/tr/events/{id}")], "the cached list refreshed");
}

async fn the_workspace_creates_publishes_and_registers(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;

    assert_eq!(app.get_as("/tr/workspace/events/new", &staff).await.status, StatusCode::OK);
    // Bad input: the form comes back with messages beside the fields.
    let bad = app
        .form(
            "/tr/workspace/events/new",
            Some(&staff),
            &[("kind", "training"), ("sessions", "yarın"), ("capacity", "x")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&bad.body);
    for field in ["title_tr", "sessions", "capacity", "organiser", "audience"] {
        assert!(
            html.select(&scraper::Selector::parse(&format!("#f-{field}-error, .has-error #f-{field}")).unwrap())
                .next()
                .is_some(),
            "{field} has its message"
        );
    }
    let good = [
        ("kind", "workshop"),
        ("title_tr", "Proje yazma çalıştayı"),
        ("topic", "international_projects"),
        ("topic", "project_management"),
        ("sessions", "2026-12-15 09:30-16:00"),
        ("online_url", "https://meet.example.org/proje"),
        ("language", "tr"),
        ("organiser", "Marmara Belediyeler Birliği"),
        ("audience", "member_staff"),
        ("capacity", "1"),
    ];
    let created = app.form("/tr/workspace/events/new", Some(&staff), &good).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.headers["location"].to_str().unwrap().to_owned();
    let path = location.split('?').next().unwrap().to_owned();
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let event = app.state.events.get(&Actor::system("test"), ldp_core::domain::EventId(id)).await.unwrap();
    assert_eq!(event.fields.topics.len(), 2);
    // Representatives may not publish; staff may.
    assert_eq!(
        app.form(&format!("{path}/status"), Some(&rep), &[("status", "published")]).await.status,
        StatusCode::NOT_FOUND
    );
    let published = app.form(&format!("{path}/status"), Some(&staff), &[("status", "published")]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    assert!(app.page(&format!("/tr/events/{id}")).await.root_element().html().contains("Proje yazma"));

    // The representative registers; the one seat is theirs, and a colleague goes on the waiting list.
    let page = app.get_as(&path, &rep).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&format!("{path}/registrations")));
    let me = app.form(&format!("{path}/registrations"), Some(&rep), &[("attendees", "")]).await;
    assert_eq!(me.status, StatusCode::SEE_OTHER, "{}", me.body);
    let colleague = app
        .form(&format!("{path}/registrations"), Some(&rep), &[("attendees", "Ayşe Yılmaz <ayse@nilufer.bel.tr>")])
        .await;
    assert_eq!(colleague.status, StatusCode::SEE_OTHER);
    let bad = app.form(&format!("{path}/registrations"), Some(&rep), &[("attendees", "kimse")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        Html::parse_document(&bad.body)
            .select(&scraper::Selector::parse("#f-attendees-error").unwrap())
            .next()
            .is_some()
    );
    let mine = Html::parse_document(&app.get_as("/tr/workspace/events", &rep).await.body);
    let codes = texts(&mine, "td code");
    assert_eq!(codes.len(), 2);
    assert!(codes.iter().all(|c| ldp_core::domain::event::is_registration_code(c)));
    let statuses = texts(&mine, "#mine-title ~ div td:nth-child(4)");
    assert!(
        statuses.contains(&"Onaylandı".to_owned()) && statuses.contains(&"Bekleme listesinde".to_owned()),
        "{statuses:?}"
    );
    // Staff see the registrations in the waitlist's order.
    let ws = Html::parse_document(&app.get_as(&path, &staff).await.body);
    assert_eq!(texts(&ws, "#registrations-title ~ div tbody tr").len(), 2);
    // Cancelling one's own registration offers the seat to the waiting colleague, who accepts it.
    let me = rep_actor(&app, "rep@nilufer.bel.tr").await;
    let registrations = app.state.events.my_registrations(&me).await.unwrap();
    let confirmed = registrations.iter().find(|r| r.status.as_str() == "confirmed").unwrap().id.0;
    let cancel = app.form(&format!("/tr/workspace/registrations/{confirmed}/cancel"), Some(&rep), &[]).await;
    assert_eq!(cancel.status, StatusCode::SEE_OTHER);
    let after = app.state.events.my_registrations(&me).await.unwrap();
    let offered = after.iter().find(|r| r.status.as_str() == "offered").expect("the waiting one is offered the seat");
    // "My registrations" shows the offer with its deadline and the two answers; taking the seat confirms it.
    let mine = Html::parse_document(&app.get_as("/tr/workspace/events", &rep).await.body);
    let accept = format!("/tr/workspace/registrations/{}/accept", offered.id.0);
    let decline = format!("/tr/workspace/registrations/{}/decline", offered.id.0);
    let actions: Vec<String> = mine
        .select(&scraper::Selector::parse("form").unwrap())
        .filter_map(|f| f.value().attr("action").map(str::to_owned))
        .collect();
    assert!(actions.contains(&accept) && actions.contains(&decline), "{actions:?}");
    assert!(texts(&mine, ".hint").iter().any(|t| t.contains("Yer teklifinin son tarihi")));
    let taken = app.form(&accept, Some(&rep), &[]).await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    let after = app.state.events.my_registrations(&me).await.unwrap();
    assert_eq!(after.iter().filter(|r| r.status.as_str() == "confirmed").count(), 1);
    // Answering again is refused with a clear status, not a 500.
    assert_eq!(app.form(&decline, Some(&rep), &[]).await.status, StatusCode::CONFLICT);
    // Without signing in, the workspace is closed.
    assert_ne!(app.get(&path).await.status, StatusCode::OK);
}

async fn rep_actor(app: &TestApp, email: &str) -> Actor {
    let user = app.state.accounts.user_by_email(email).await.unwrap().expect("user");
    Actor::user(&user, None)
}

async fn the_api_follows_the_roles(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.user("rep@osmangazi.bel.tr", "representative", "bursa-osmangazi").await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let own = app.token("rep@nilufer.bel.tr", false).await;
    let other = app.token("rep@osmangazi.bel.tr", false).await;
    let body = serde_json::to_string(&input(Some("Protocol training"))).unwrap();
    let json = |r: &crate::helpers::Reply| serde_json::from_str::<serde_json::Value>(&r.body).unwrap();

    // Creating: anonymous 401, a representative of another municipality 400 on `host`, the host's
    // representative a proposal, staff a draft.
    assert_eq!(app.api("POST", "/api/v1/events", None, Some(&body)).await.status, StatusCode::UNAUTHORIZED);
    let refused = app.api("POST", "/api/v1/events", Some(&other), Some(&body)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(json(&refused)["error"]["fields"]["host"].is_string(), "{}", refused.body);
    let proposal = app.api("POST", "/api/v1/events", Some(&own), Some(&body)).await;
    assert_eq!(proposal.status, StatusCode::CREATED, "{}", proposal.body);
    let pid = json(&proposal)["id"].as_i64().unwrap();
    assert_eq!(json(&proposal)["status"], "draft");
    let created = app.api("POST", "/api/v1/events", Some(&staff), Some(&body)).await;
    assert_eq!(created.status, StatusCode::CREATED);
    let id = json(&created)["id"].as_i64().unwrap();
    let bad = app.api("POST", "/api/v1/events", Some(&staff), Some(r#"{"kind":"x","capacity":"0"}"#)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let fields = &json(&bad)["error"]["fields"];
    for field in ["kind", "capacity", "title_tr", "sessions", "organiser", "audience"] {
        assert!(fields[field].is_string(), "{field}: {fields}");
    }
    assert_eq!(app.api("POST", "/api/v1/events", Some(&staff), Some("{")).await.status, StatusCode::BAD_REQUEST);

    // Reading a draft: its proposer and staff; not anonymous or another representative.
    let show = format!("/api/v1/events/{pid}");
    assert_eq!(app.api("GET", &show, None, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("GET", &show, Some(&other), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("GET", &show, Some(&own), None).await.status, StatusCode::OK);
    assert_eq!(app.api("GET", &show, Some(&staff), None).await.status, StatusCode::OK);
    // Editing a proposal: its proposer; not another representative.
    assert_eq!(app.api("PUT", &show, Some(&other), Some(&body)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("PUT", &show, Some(&own), Some(&body)).await.status, StatusCode::OK);

    // Publishing: staff only.
    let status = format!("/api/v1/events/{id}/status");
    let publish = r#"{"status":"published"}"#;
    assert_eq!(app.api("POST", &status, None, Some(publish)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.api("POST", &status, Some(&own), Some(publish)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        app.api("POST", &format!("/api/v1/events/{pid}/status"), Some(&own), Some(publish)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.api("POST", &status, Some(&staff), Some(r#"{"status":"done"}"#)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.api("POST", &status, Some(&staff), Some(publish)).await.status, StatusCode::OK);
    assert_eq!(app.api("POST", &status, Some(&staff), Some(publish)).await.status, StatusCode::CONFLICT);
    let (code, list) = app.json("/api/v1/events").await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(list["total"], 1, "only the published event is public");
    let (code, bad) = app.json("/api/v1/events?when=soon&per_page=0").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    assert!(bad["error"]["fields"]["when"].is_string() && bad["error"]["fields"]["per_page"].is_string());

    // Registering: signed-in clients; the list of registrations: staff only; cancelling: who registered.
    let register = format!("/api/v1/events/{id}/registrations");
    assert_eq!(app.api("POST", &register, None, Some("{}")).await.status, StatusCode::UNAUTHORIZED);
    let mine = app.api("POST", &register, Some(&own), Some("{}")).await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.body);
    assert_eq!(json(&mine)["status"], "confirmed");
    let rid = json(&mine)["id"].as_i64().unwrap();
    let foreign = app.api("POST", &register, Some(&other), Some(r#"{"municipality":"bursa-nilufer"}"#)).await;
    assert_eq!(foreign.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.api("GET", &register, Some(&own), None).await.status, StatusCode::FORBIDDEN);
    let (code, _) = (app.api("GET", &register, Some(&staff), None).await.status, ());
    assert_eq!(code, StatusCode::OK);
    let cancel = format!("/api/v1/registrations/{rid}");
    assert_eq!(app.api("DELETE", &cancel, None, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.api("DELETE", &cancel, Some(&other), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("DELETE", &cancel, Some(&own), None).await.status, StatusCode::OK);
    assert_eq!(app.api("DELETE", &cancel, Some(&own), None).await.status, StatusCode::CONFLICT);
    // The draft cannot be registered for.
    assert_eq!(
        app.api("POST", &format!("/api/v1/events/{pid}/registrations"), Some(&other), Some("{}")).await.status,
        StatusCode::NOT_FOUND
    );
}

async fn publishing_an_event_linked_to_a_relation_ends_its_dormancy(db: TestDb) {
    use ldp_core::domain::partnership::PartnershipFilter;
    use ldp_core::services::partnerships::ActivityInput;
    let app = TestApp::new(db).await;
    let system = Actor::system("test");
    let f = PartnershipFilter { municipality: Some("bursa-nilufer".into()), ..Default::default() };
    let relation = app.state.partnerships.all(&f, 1).await.unwrap().remove(0);
    let old = ActivityInput {
        date: Some("2024-01-10".into()),
        title_tr: Some("Eski ziyaret".into()),
        title_en: Some("Old visit".into()),
        kind: Some("visit".into()),
        sdgs: Some("11".into()),
    };
    app.state.partnerships.add_activity(relation.id, &old, &system).await.unwrap();
    assert!(app.state.partnerships.get(relation.id).await.unwrap().partnership.dormant);

    // A delegation to the partner city, linked to the relation: a draft counts for nothing yet.
    let visit = EventInput {
        kind: Some("outgoing_delegation".into()),
        partnership: Some(relation.id.0.to_string()),
        ..input(Some("Visit to the sister city"))
    };
    let e = app.state.events.create(&system, &visit).await.unwrap();
    assert!(app.state.events.get(&system, e.id).await.unwrap().fields.partnership.is_some());
    assert!(app.state.partnerships.get(relation.id).await.unwrap().partnership.dormant, "a draft is not activity");
    let page = app.page(&format!("/tr/partnerships/{}", relation.id.0)).await;
    assert!(text(&page, ".eyebrow").contains("Durgun"), "{}", text(&page, ".eyebrow"));
    app.state.events.set_status(&system, e.id, EventStatus::Published).await.unwrap();
    let after = app.state.partnerships.get(relation.id).await.unwrap().partnership;
    assert!(!after.dormant, "a published delegation is activity on the relation");
    // The delegation is on 2026-12-10; the test clock's today (2026-11-28) is the date, never a future one.
    assert_eq!(after.last_activity.map(|d| d.to_string()).as_deref(), Some("2026-11-28"));
    let page = app.page(&format!("/tr/partnerships/{}", relation.id.0)).await;
    assert!(!text(&page, ".eyebrow").contains("Durgun"), "{}", text(&page, ".eyebrow"));

    // A published event linked afterwards to another dormant relation counts as activity on it too, in the
    // same unit as the edit (its audit entry says so).
    let other = app.state.partnerships.all(&f, 2).await.unwrap().remove(1);
    app.state.partnerships.add_activity(other.id, &old, &system).await.unwrap();
    assert!(app.state.partnerships.get(other.id).await.unwrap().partnership.dormant);
    let relinked = EventInput { partnership: Some(other.id.0.to_string()), ..visit };
    app.state.events.update(&system, e.id, &relinked).await.unwrap();
    let after = app.state.partnerships.get(other.id).await.unwrap().partnership;
    assert!(!after.dormant, "linking a published event is activity on the relation");
    assert_eq!(after.last_activity.map(|d| d.to_string()).as_deref(), Some("2026-11-28"));
    let filter = ldp_core::domain::AuditFilter { record_type: Some("event".into()), ..Default::default() };
    let entries = app.state.store.list_audit(&filter, ldp_core::domain::Page::default()).await.unwrap().items;
    let update = entries.iter().find(|e| e.action == "update").expect("the edit is audited");
    assert_eq!(update.after.as_ref().unwrap()["relation_activity_on"], "2026-11-28", "{:?}", update.after);
}
