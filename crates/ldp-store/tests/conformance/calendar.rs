//! Calendars: personal feed tokens (start, rotate, revoke, a disabled owner) with their audit entries, and the
//! calendar SEQUENCE the events service raises when a session's time or the place changes — on both engines.

use ldp_core::domain::{
    Actor, AuditFilter, Change, EventStatus, Lang, NewUser, Page, RegistrationStatus, Role, UserId,
};
use ldp_core::feed::{FeedStore, Topic};
use ldp_core::services::ServiceError;
use ldp_core::services::calendar::Calendars;
use ldp_core::services::events::{EventInput, Events, RegistrationInput};
use ldp_core::services::tokens::hash;
use ldp_core::store::prelude::*;
use ldp_core::store::{CalendarStore, UserUpdate};
use ldp_testkit::{NOW, TestDb, both_backends};

both_backends!(seeded =>
    a_feed_is_started_rotated_and_revoked_with_its_entries,
    the_personal_feed_holds_ones_registrations_and_follows_the_secret,
    the_sequence_rises_with_time_or_place_and_never_falls,
);

async fn user(db: &TestDb, email: &str, role: Role, municipalities: &[&str]) -> (UserId, Actor) {
    let mut ids = Vec::new();
    for slug in municipalities {
        ids.push(db.store.municipality_by_slug(slug).await.unwrap().expect("municipality").id);
    }
    let new = NewUser {
        email: email.into(),
        email_folded: email.into(),
        name: "Ayşe Yılmaz".into(),
        role,
        municipalities: ids,
        password_hash: None,
    };
    let id = db.store.create_user(&new, &Change::new(&Actor::system("test"), NOW, "create", "user")).await.unwrap();
    (id, Actor::user(&db.store.user(id).await.unwrap().unwrap().user, None))
}

fn change(actor: &Actor, action: &str) -> Change {
    Change::new(actor, NOW, action, "calendar_feed")
}

async fn a_feed_is_started_rotated_and_revoked_with_its_entries(db: TestDb) {
    let (id, me) = user(&db, "ayse@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    assert!(db.store.calendar_feed(id).await.unwrap().is_none());
    let before = db.store.data_versions().await.unwrap();

    let first = db.store.start_calendar_feed(id, &hash("one"), Lang::En, NOW, &change(&me, "create")).await.unwrap();
    assert_eq!((first.user, first.lang, first.created_at), (id, Lang::En, NOW));
    assert_eq!(db.store.calendar_feed(id).await.unwrap(), Some(first.clone()));
    assert_eq!(db.store.calendar_feed_by_hash(&hash("one")).await.unwrap(), Some(first.clone()));
    assert!(db.store.calendar_feed_by_hash(&hash("two")).await.unwrap().is_none());
    let after = db.store.data_versions().await.unwrap();
    assert_eq!(after.get(Topic::Accounts), before.get(Topic::Accounts) + 1, "audited as an account record");
    assert_eq!(after.get(Topic::Events), before.get(Topic::Events), "nothing public moved");

    // Rotation: one live feed, the old secret dead at once.
    let later = NOW + time::Duration::minutes(5);
    let second = db.store.start_calendar_feed(id, &hash("two"), Lang::Tr, later, &change(&me, "rotate")).await.unwrap();
    assert_ne!(second.id, first.id);
    assert!(db.store.calendar_feed_by_hash(&hash("one")).await.unwrap().is_none());
    assert_eq!(db.store.calendar_feed_by_hash(&hash("two")).await.unwrap(), Some(second.clone()));
    assert_eq!(db.store.calendar_feed(id).await.unwrap(), Some(second.clone()));
    // A secret is never reused (the hash is unique).
    assert!(db.store.start_calendar_feed(id, &hash("one"), Lang::Tr, later, &change(&me, "rotate")).await.is_err());
    assert_eq!(db.store.calendar_feed(id).await.unwrap(), Some(second.clone()), "the refused start changed nothing");

    // A disabled owner's feed stops answering; enabled again, it answers again.
    let update = |disabled| UserUpdate {
        name: "Ayşe Yılmaz".into(),
        role: Role::Representative,
        municipalities: vec![],
        disabled,
    };
    let admin = Actor::system("test");
    db.store.update_user(id, &update(true), &Change::new(&admin, NOW, "update", "user").record(id.0)).await.unwrap();
    assert!(db.store.calendar_feed_by_hash(&hash("two")).await.unwrap().is_none());
    db.store.update_user(id, &update(false), &Change::new(&admin, NOW, "update", "user").record(id.0)).await.unwrap();
    assert!(db.store.calendar_feed_by_hash(&hash("two")).await.unwrap().is_some());

    assert!(db.store.revoke_calendar_feed(id, later, &change(&me, "revoke")).await.unwrap());
    assert!(db.store.calendar_feed_by_hash(&hash("two")).await.unwrap().is_none());
    assert!(db.store.calendar_feed(id).await.unwrap().is_none());
    assert!(!db.store.revoke_calendar_feed(id, later, &change(&me, "revoke")).await.unwrap(), "nothing left");

    let filter = AuditFilter { record_type: Some("calendar_feed".into()), ..AuditFilter::default() };
    let entries = db.store.list_audit(&filter, Page::default()).await.unwrap();
    let mut actions: Vec<(String, String)> =
        entries.items.iter().map(|e| (e.action.clone(), e.record_id.clone())).collect();
    actions.sort();
    let mut expected = vec![
        ("create".to_owned(), first.id.0.to_string()),
        ("rotate".to_owned(), second.id.0.to_string()),
        ("revoke".to_owned(), second.id.0.to_string()),
    ];
    expected.sort();
    assert_eq!(actions, expected, "one entry per write, none for the refused ones");
}

fn event_input(sessions: &str) -> EventInput {
    EventInput {
        kind: Some("training".into()),
        title_tr: Some("Protokol eğitimi".into()),
        host: Some("bursa-nilufer".into()),
        online_url: Some("https://meet.example.org/protokol".into()),
        sessions: Some(sessions.into()),
        organiser: Some("Birlik".into()),
        audience: Some("member_staff".into()),
        capacity: Some("1".into()),
        ..EventInput::default()
    }
}

async fn the_personal_feed_holds_ones_registrations_and_follows_the_secret(db: TestDb) {
    let clock = ldp_testkit::clock();
    let events = Events::new(db.shared(), clock.clone());
    let calendars = Calendars::new(db.shared(), clock);
    let staff = Actor::system("test");
    let (_, rep) = user(&db, "rep@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let (_, other) = user(&db, "other@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;

    let open = events.create(&staff, &event_input("2026-12-10 10:00-12:00")).await.unwrap();
    events.set_status(&staff, open.id, EventStatus::Published).await.unwrap();
    let full = events.create(&staff, &event_input("2026-12-11 10:00-12:00")).await.unwrap();
    events.set_status(&staff, full.id, EventStatus::Published).await.unwrap();
    let me = RegistrationInput::default();
    events.register(&other, full.id, &me).await.unwrap();
    events.register(&rep, open.id, &me).await.unwrap();
    let waiting = events.register(&rep, full.id, &me).await.unwrap();
    assert_eq!(waiting.status, RegistrationStatus::Waitlisted);

    // Only the owner starts, rotates and revokes their feed; anonymous visitors cannot.
    assert!(matches!(calendars.start(&Actor::visitor(None), Lang::Tr).await, Err(ServiceError::Forbidden)));
    assert!(matches!(calendars.revoke(&rep).await, Err(ServiceError::NotFound)));
    let (feed, secret) = calendars.start(&rep, Lang::Tr).await.unwrap();
    assert_eq!(secret.len(), 64);
    let personal = calendars.personal(&secret).await.unwrap().expect("the secret finds the feed");
    assert_eq!(personal.feed, feed);
    let held: Vec<_> = personal.entries.iter().map(|(e, s)| (e.id, *s)).collect();
    assert_eq!(held, vec![(open.id, RegistrationStatus::Confirmed), (full.id, RegistrationStatus::Waitlisted)]);
    assert!(calendars.personal(&secret.to_uppercase()).await.unwrap().is_none(), "a malformed secret");
    assert!(calendars.personal(&"0".repeat(64)).await.unwrap().is_none(), "an unknown secret");

    // A cancelled registration leaves the feed; a draft event too.
    let mine = events.my_registrations(&rep).await.unwrap();
    let confirmed = mine.iter().find(|r| r.event == open.id).unwrap().id;
    events.cancel(&rep, confirmed).await.unwrap();
    let held: Vec<_> = calendars.personal(&secret).await.unwrap().unwrap().entries.iter().map(|(e, _)| e.id).collect();
    assert_eq!(held, vec![full.id]);
    events.set_status(&staff, full.id, EventStatus::Draft).await.unwrap();
    assert!(calendars.personal(&secret).await.unwrap().unwrap().entries.is_empty());

    // Rotation kills the old secret; revocation the new one.
    let (_, rotated) = calendars.start(&rep, Lang::En).await.unwrap();
    assert!(calendars.personal(&secret).await.unwrap().is_none());
    assert_eq!(calendars.personal(&rotated).await.unwrap().unwrap().feed.lang, Lang::En);
    calendars.revoke(&rep).await.unwrap();
    assert!(calendars.personal(&rotated).await.unwrap().is_none());
    assert!(calendars.feed(&rep).await.unwrap().is_none());
}

async fn the_sequence_rises_with_time_or_place_and_never_falls(db: TestDb) {
    let events = Events::new(db.shared(), ldp_testkit::clock());
    let staff = Actor::system("test");
    let input = event_input("2026-12-10 10:00-12:00");
    let e = events.create(&staff, &input).await.unwrap();
    assert_eq!(e.sequence, 0);
    let e = events.set_status(&staff, e.id, EventStatus::Published).await.unwrap();
    assert_eq!(e.sequence, 0, "the first publication announces; nothing to replace");

    let retitled = EventInput { title_en: Some("Protocol training".into()), ..input.clone() };
    assert_eq!(events.update(&staff, e.id, &retitled).await.unwrap().sequence, 0, "text alone keeps it");
    let moved = EventInput { sessions: Some("2026-12-10 11:00-13:00".into()), ..retitled.clone() };
    assert_eq!(events.update(&staff, e.id, &moved).await.unwrap().sequence, 1, "a session's time raises it");
    let same = events.update(&staff, e.id, &moved).await.unwrap();
    assert_eq!(same.sequence, 1, "saving the same time and place again keeps it");
    let elsewhere = EventInput { online_url: Some("https://meet.example.org/yeni".into()), ..moved.clone() };
    assert_eq!(events.update(&staff, e.id, &elsewhere).await.unwrap().sequence, 2, "the place raises it");
    let e = events.set_status(&staff, e.id, EventStatus::Postponed).await.unwrap();
    assert_eq!(e.sequence, 3);
    let e = events.set_status(&staff, e.id, EventStatus::Draft).await.unwrap();
    assert_eq!(e.sequence, 4, "taking it back replaces the copies calendars hold");
    let e = events.set_status(&staff, e.id, EventStatus::Published).await.unwrap();
    assert_eq!(e.sequence, 4, "publishing again never lowers it");
    let e = events.set_status(&staff, e.id, EventStatus::Cancelled).await.unwrap();
    assert_eq!((e.status, e.sequence), (EventStatus::Cancelled, 5));
}
