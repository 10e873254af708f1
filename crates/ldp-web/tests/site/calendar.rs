//! Calendars on the site: the public feed and its municipality and topic filters, one event's file (a
//! cancellation in it), the links from the event pages, and the personal feed behind its secret — made,
//! rotated and revoked on the workspace page, `private, no-store`, 404 once revoked even with the page cache
//! on. Every file is read back with the icalendar crate's parser.

use axum::http::StatusCode;
use icalendar::{Calendar, Component, EventLike};
use scraper::Html;

use ldp_core::domain::{Actor, EventId, EventStatus};
use ldp_core::services::events::EventInput;
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::{Reply, TestApp, hrefs, text};

both_backends!(seeded =>
    the_public_feeds_parse_and_filter_by_municipality_and_topic,
    an_events_file_follows_its_changes_and_the_pages_link_it,
    the_personal_feed_is_private_and_dies_when_revoked,
    the_confirmation_mail_carries_one_invitation_per_attendee,
);

fn input(host: &str, topic: &str, sessions: &str) -> EventInput {
    EventInput {
        kind: Some("training".into()),
        title_tr: Some("Protokol kuralları eğitimi".into()),
        title_en: Some("Protocol rules training".into()),
        summary_tr: Some("Dış ilişkiler personeli için".into()),
        topics: Some(topic.into()),
        host: Some(host.into()),
        online_url: Some("https://meet.example.org/protokol".into()),
        sessions: Some(sessions.into()),
        organiser: Some("Marmara Belediyeler Birliği".into()),
        audience: Some("member_staff".into()),
        capacity: Some("1".into()),
        ..EventInput::default()
    }
}

async fn published(app: &TestApp, input: &EventInput) -> i64 {
    let system = Actor::system("test");
    let e = app.state.events.create(&system, input).await.unwrap();
    app.state.events.set_status(&system, e.id, EventStatus::Published).await.unwrap();
    e.id.0
}

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

async fn the_public_feeds_parse_and_filter_by_municipality_and_topic(db: TestDb) {
    let app = TestApp::cached(db).await;
    let h = host(&app);
    let nilufer = published(
        &app,
        &input("bursa-nilufer", "diplomacy_protocol", "2026-12-10 10:00-12:30\n2026-12-11 10:00-12:00"),
    )
    .await;
    let osmangazi = published(&app, &input("bursa-osmangazi", "project_management", "2026-12-12 14:00-16:00")).await;
    let draft = app
        .state
        .events
        .create(&Actor::system("test"), &input("bursa-nilufer", "diplomacy_protocol", "2026-12-13 10:00-11:00"))
        .await
        .unwrap()
        .id
        .0;

    let feed = calendar(&app.get("/tr/events/calendar.ics").await);
    assert_eq!(feed.property_value("METHOD"), Some("PUBLISH"));
    assert_eq!(
        uids(&feed),
        vec![
            format!("event-{nilufer}-session-1@{h}"),
            format!("event-{nilufer}-session-2@{h}"),
            format!("event-{osmangazi}-session-1@{h}"),
        ],
        "one VEVENT per session, soonest first, no drafts (draft {draft})"
    );
    let first = feed.events().next().unwrap();
    assert_eq!(first.property_value("DTSTART"), Some("20261210T070000Z"), "UTC, from 10:00 in Istanbul");
    assert_eq!(first.property_value("DTEND"), Some("20261210T093000Z"));
    assert_eq!(first.get_summary(), Some("Protokol kuralları eğitimi (1/2)"));
    assert_eq!(first.property_value("STATUS"), Some("CONFIRMED"));
    assert!(!app.get("/tr/events/calendar.ics").await.body.contains("TZID"));
    let en = calendar(&app.get("/en/events/calendar.ics").await);
    assert_eq!(en.events().next().unwrap().get_summary(), Some("Protocol rules training (1/2)"));

    let by_slug = calendar(&app.get("/tr/events/calendar.ics?municipality=bursa-nilufer").await);
    assert_eq!(uids(&by_slug).len(), 2);
    assert!(uids(&by_slug).iter().all(|u| u.starts_with(&format!("event-{nilufer}-"))));
    let m = app.state.store.municipality_by_slug("bursa-osmangazi").await.unwrap().unwrap();
    let by_id = calendar(&app.get(&format!("/tr/events/calendar.ics?municipality={}", m.id.0)).await);
    assert_eq!(uids(&by_id), vec![format!("event-{osmangazi}-session-1@{h}")]);
    let by_topic = calendar(&app.get("/en/events/calendar.ics?topic=project_management").await);
    assert_eq!(uids(&by_topic), vec![format!("event-{osmangazi}-session-1@{h}")]);
    let both = calendar(&app.get("/en/events/calendar.ics?topic=project_management&municipality=bursa-nilufer").await);
    assert!(uids(&both).is_empty());
    assert!(both.get_name().is_some_and(|n| n.contains("Nilüfer")), "{:?}", both.get_name());

    // Bad filters are a clear 400, never a 500 or an empty calendar.
    for bad in ["/tr/events/calendar.ics?topic=party", "/tr/events/calendar.ics?municipality=nowhere"] {
        let reply = app.get(bad).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
    }

    // The list links the feed of what it shows.
    let list = app.page("/tr/events?topic=project_management").await;
    assert!(
        hrefs(&list, ".calendar-feed a").contains(&"/tr/events/calendar.ics?topic=project_management".to_owned()),
        "{:?}",
        hrefs(&list, ".calendar-feed a")
    );

    // A write moves the cached feed.
    app.state.events.set_status(&Actor::system("test"), EventId(osmangazi), EventStatus::Cancelled).await.unwrap();
    let after = calendar(&app.get("/en/events/calendar.ics?topic=project_management").await);
    let e = after.events().next().unwrap();
    assert_eq!((e.property_value("STATUS"), e.get_sequence()), (Some("CANCELLED"), Some(1)));
}

async fn an_events_file_follows_its_changes_and_the_pages_link_it(db: TestDb) {
    let app = TestApp::new(db).await;
    let h = host(&app);
    let id = published(&app, &input("bursa-nilufer", "diplomacy_protocol", "2026-12-10 10:00-12:30")).await;
    let path = format!("/tr/events/{id}/calendar.ics");
    let reply = app.get(&path).await;
    assert!(
        reply.headers.get("content-disposition").and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains(".ics")),
        "a file name"
    );
    let cal = calendar(&reply);
    assert_eq!(cal.property_value("METHOD"), Some("PUBLISH"));
    let e = cal.events().next().unwrap();
    assert_eq!(e.get_uid(), Some(format!("event-{id}-session-1@{h}").as_str()));
    assert_eq!(e.get_sequence(), Some(0));
    assert_eq!(e.get_location(), Some("https://meet.example.org/protokol"));
    assert_eq!(e.get_url(), Some(format!("{}/tr/events/{id}", app.state.origin).as_str()));

    // Moving the session keeps the UID and raises the SEQUENCE; cancelling marks it.
    let moved = input("bursa-nilufer", "diplomacy_protocol", "2026-12-10 11:00-13:30");
    app.state.events.update(&Actor::system("test"), EventId(id), &moved).await.unwrap();
    let cal = calendar(&app.get(&path).await);
    let e = cal.events().next().unwrap();
    assert_eq!(e.get_uid(), Some(format!("event-{id}-session-1@{h}").as_str()));
    assert_eq!((e.property_value("DTSTART"), e.get_sequence()), (Some("20261210T080000Z"), Some(1)));
    app.state.events.set_status(&Actor::system("test"), EventId(id), EventStatus::Cancelled).await.unwrap();
    let cal = calendar(&app.get(&format!("/en/events/{id}/calendar.ics")).await);
    let e = cal.events().next().unwrap();
    assert_eq!((e.property_value("STATUS"), e.get_sequence()), (Some("CANCELLED"), Some(2)));

    // Drafts and unknown events have no file.
    let draft = app.state.events.create(&Actor::system("test"), &moved).await.unwrap().id.0;
    assert_eq!(app.get(&format!("/tr/events/{draft}/calendar.ics")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/tr/events/999999/calendar.ics").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/tr/events/x/calendar.ics").await.status, StatusCode::NOT_FOUND);

    // The event page links its file, the union's feed and its host's.
    let page = app.page(&format!("/tr/events/{id}")).await;
    let links = hrefs(&page, ".calendar-links a");
    assert!(links.contains(&path), "{links:?}");
    assert!(links.contains(&"/tr/events/calendar.ics".to_owned()), "{links:?}");
    assert!(links.contains(&"/tr/events/calendar.ics?municipality=bursa-nilufer".to_owned()), "{links:?}");
}

async fn the_personal_feed_is_private_and_dies_when_revoked(db: TestDb) {
    let app = TestApp::cached(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.user("other@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    let other = app.sign_in("other@nilufer.bel.tr").await;
    let open = published(&app, &input("bursa-nilufer", "diplomacy_protocol", "2026-12-10 10:00-12:30")).await;
    let full = published(&app, &input("bursa-nilufer", "sister_cities", "2026-12-11 10:00-12:30")).await;
    for (id, who) in [(full, &other), (open, &rep), (full, &rep)] {
        let r = app.form(&format!("/tr/workspace/events/{id}/registrations"), Some(who), &[("attendees", "")]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    }

    // Nobody signed in has no calendar page; the signed-in one has none yet.
    assert!(!app.form("/tr/workspace/calendar", None, &[]).await.status.is_success());
    let none = app.get_as("/tr/workspace/calendar", &rep).await;
    assert_eq!(none.status, StatusCode::OK);
    assert!(text(&Html::parse_document(&none.body), "#feed-h ~ p").contains("Henüz"));

    let made = app.form("/tr/workspace/calendar", Some(&rep), &[]).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let address = text(&Html::parse_document(&made.body), "#calendar-address");
    let path = address.strip_prefix(&*app.state.origin).expect("an address on this site").to_owned();
    assert!(path.starts_with("/calendar/") && path.ends_with("/events.ics"), "{path}");
    // The page shows it once: later visits do not.
    assert!(!app.get_as("/tr/workspace/calendar", &rep).await.body.contains(&path));

    let reply = app.get(&path).await;
    assert_eq!(reply.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("private, no-store"));
    assert!(reply.headers.get("etag").is_none(), "never kept by the page cache");
    let cal = calendar(&reply);
    let summaries: Vec<(String, String)> = cal
        .events()
        .map(|e| (e.get_summary().unwrap_or("").to_owned(), e.property_value("STATUS").unwrap_or("").to_owned()))
        .collect();
    assert_eq!(
        summaries,
        vec![
            ("Protokol kuralları eğitimi".to_owned(), "CONFIRMED".to_owned()),
            ("[Bekleme listesinde] Protokol kuralları eğitimi".to_owned(), "TENTATIVE".to_owned()),
        ],
        "confirmed, and waitlisted clearly marked"
    );

    // Rotation: the old address is dead at once, the new one works.
    let rotated = app.form("/tr/workspace/calendar", Some(&rep), &[]).await;
    assert_eq!(rotated.status, StatusCode::CREATED);
    let new_path = text(&Html::parse_document(&rotated.body), "#calendar-address")
        .strip_prefix(&*app.state.origin)
        .unwrap()
        .to_owned();
    assert_ne!(new_path, path);
    assert_eq!(app.get(&path).await.status, StatusCode::NOT_FOUND);
    calendar(&app.get(&new_path).await);

    // Revocation: 404 from then on, also for a reader that fetched it a moment ago.
    let revoked = app.form("/tr/workspace/calendar/revoke", Some(&rep), &[]).await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let gone = app.get(&new_path).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("private, no-store"));
    assert_eq!(app.form("/tr/workspace/calendar/revoke", Some(&rep), &[]).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/calendar/not-a-secret/events.ics").await.status, StatusCode::NOT_FOUND);

    // Each write is in the audit log under the feed's record type.
    let log = app
        .state
        .store
        .list_audit(
            &ldp_core::domain::AuditFilter { record_type: Some("calendar_feed".into()), ..Default::default() },
            ldp_core::domain::Page::default(),
        )
        .await
        .unwrap();
    let mut actions: Vec<String> = log.items.iter().map(|e| e.action.clone()).collect();
    actions.sort();
    assert_eq!(actions, vec!["create", "revoke", "rotate"]);
}

async fn the_confirmation_mail_carries_one_invitation_per_attendee(db: TestDb) {
    let app = TestApp::new(db).await;
    let h = host(&app);
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    let id = published(&app, &input("bursa-nilufer", "diplomacy_protocol", "2026-12-10 10:00-12:30")).await;
    let path = format!("/tr/workspace/events/{id}/registrations");

    // A refused registration queues nothing.
    let bad = app.form(&path, Some(&rep), &[("attendees", "kimse")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.deliver().await, 0);

    let two = "Rep <rep@nilufer.bel.tr>\nAyşe Yılmaz <ayse@nilufer.bel.tr>";
    let made = app.form(&path, Some(&rep), &[("attendees", two)]).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    assert_eq!(app.deliver().await, 2, "one job per attendee, queued with the registration");

    // Capacity 1, two seats: the registration waits, and the mail and its invitation say so.
    for (to, other) in [("rep@nilufer.bel.tr", "ayse@nilufer.bel.tr"), ("ayse@nilufer.bel.tr", "rep@nilufer.bel.tr")] {
        let mail = app.mail.last_to(to).unwrap_or_else(|| panic!("a mail to {to}"));
        assert!(mail.subject.contains("Protokol kuralları eğitimi"), "{}", mail.subject);
        assert!(mail.body.contains("10:00–12:30"), "Istanbul time: {}", mail.body);
        assert!(mail.body.contains("Bekleme listesindesiniz"), "{}", mail.body);
        let ics = mail.invitation.expect("an invitation");
        let cal: Calendar = ics.parse().unwrap_or_else(|e| panic!("{e}: {ics}"));
        assert_eq!(cal.property_value("METHOD"), Some("REQUEST"));
        let e = cal.events().next().expect("one VEVENT");
        assert_eq!(e.get_uid(), Some(format!("event-{id}-session-1@{h}").as_str()), "the feeds' UID");
        assert_eq!(e.property_value("STATUS"), Some("TENTATIVE"));
        let unfolded = ics.replace("\r\n ", "");
        assert!(
            unfolded.contains("ORGANIZER;CN=\"Marmara Belediyeler Birliği\":mailto:etkinlik@example.org"),
            "{unfolded}"
        );
        assert!(unfolded.contains(&format!(":mailto:{to}")), "{unfolded}");
        assert!(!unfolded.contains(&format!(":mailto:{other}")), "one file per recipient: {unfolded}");
        assert!(unfolded.contains("PARTSTAT=TENTATIVE"), "{unfolded}");
    }
}
