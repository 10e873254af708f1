//! Events and registrations: every store method on both engines, the capacity under 200 concurrent
//! registrations, the first-in-first-out waitlist, and the roles of the service.

use std::collections::HashSet;
use std::sync::Arc;

use ldp_core::domain::{
    Actor, Attendee, Audience, AuditFilter, Change, EventFields, EventFilter, EventId, EventKind, EventSession,
    EventStatus, EventTopic, Lang, Localized, MunicipalityId, NewRegistration, NewUser, Page, RegistrationStatus, Role,
    UserId,
};
use ldp_core::feed::{FeedStore, Topic};
use ldp_core::services::ServiceError;
use ldp_core::services::events::{EventInput, Events, RegistrationInput};
use ldp_core::store::StoreError;
use ldp_core::store::prelude::*;
use ldp_testkit::{NOW, TestDb, both_backends};
use time::Duration;

both_backends!(seeded =>
    events_are_stored_filtered_and_updated_with_their_entries,
    two_hundred_concurrent_registrations_fill_fifty_seats_exactly,
    the_waitlist_is_first_in_first_out_and_never_skips_a_group,
    quotas_codes_and_lookups_hold,
    staff_create_and_publish_representatives_propose_for_their_own_municipality,
    registration_follows_roles_window_and_colleagues,
);

pub(crate) async fn actor(db: &TestDb, email: &str, role: Role, municipalities: &[&str]) -> Actor {
    let mut ids: Vec<MunicipalityId> = Vec::new();
    for slug in municipalities {
        ids.push(db.store.municipality_by_slug(slug).await.unwrap().expect("municipality").id);
    }
    let new = NewUser {
        email: email.into(),
        email_folded: email.into(),
        name: format!("Test {}", role.as_str()),
        role,
        municipalities: ids,
        password_hash: None,
    };
    let change = Change::new(&Actor::system("test"), NOW, "create", "user");
    let id: UserId = db.store.create_user(&new, &change).await.unwrap();
    Actor::user(&db.store.user(id).await.unwrap().unwrap().user, None)
}

fn day(days: i64, hours: i64) -> EventSession {
    let start = NOW + Duration::days(days);
    EventSession { start, end: start + Duration::hours(hours) }
}

pub(crate) async fn fields(db: &TestDb, kind: EventKind, capacity: Option<u32>) -> EventFields {
    let host = db.store.municipality_by_slug("bursa-nilufer").await.unwrap().expect("seeded").id;
    let network = db.store.list_networks().await.unwrap().first().expect("a union network").id;
    EventFields {
        kind,
        title: Localized::new("Protokol eğitimi", "Protocol training"),
        summary: Localized::new("Kısa özet", ""),
        body: Localized::new("Ayrıntılar", ""),
        topics: vec![EventTopic::DiplomacyProtocol, EventTopic::PublicDiplomacy],
        sdgs: vec![11, 17],
        networks: vec![network],
        host: Some(host),
        partnership: None,
        venue: String::new(),
        city: None,
        online_url: "https://meet.example.org/protokol".into(),
        sessions: vec![day(10, 3), day(11, 4)],
        languages: vec![Lang::Tr, Lang::En],
        speakers: "Konuşmacı".into(),
        organiser: "Birlik".into(),
        audience: Audience::MemberStaff,
        capacity,
        registration_opens: None,
        registration_closes: None,
        quota_per_municipality: None,
        moderated: false,
    }
}

pub(crate) fn system_change(action: &str, record_type: &'static str) -> Change {
    Change::new(&Actor::system("test"), NOW, action, record_type)
}

pub(crate) async fn create(db: &TestDb, f: &EventFields, status: EventStatus) -> EventId {
    db.store.create_event(f, status, None, NOW, &system_change("create", "event")).await.unwrap()
}

pub(crate) fn registration(code: &str, seats: usize) -> NewRegistration {
    NewRegistration {
        code: code.into(),
        registered_by: None,
        municipality: None,
        attendees: (0..seats)
            .map(|i| Attendee { name: format!("Kişi {i}"), email: format!("kisi{i}-{code}@example.org") })
            .collect(),
    }
}

/// A distinct valid code for a number (base 31 over the code alphabet).
pub(crate) fn code_of(mut n: usize) -> String {
    let alphabet = ldp_core::domain::event::CODE_ALPHABET;
    let mut out = Vec::new();
    for _ in 0..8 {
        out.push(alphabet[n % alphabet.len()]);
        n /= alphabet.len();
    }
    String::from_utf8(out).unwrap()
}

async fn events_are_stored_filtered_and_updated_with_their_entries(db: TestDb) {
    let before = db.store.data_versions().await.unwrap();
    let training = fields(&db, EventKind::Training, Some(30)).await;
    let id = create(&db, &training, EventStatus::Published).await;
    let after = db.store.data_versions().await.unwrap();
    assert_eq!(after.get(Topic::Events), before.get(Topic::Events) + 1, "the write moves the events topic");

    let stored = db.store.event(id).await.unwrap().expect("stored");
    assert_eq!(stored.fields, training);
    assert_eq!((stored.status, stored.sequence, stored.seats_taken), (EventStatus::Published, 0, 0));
    assert_eq!(stored.fields.hours(), 7.0);
    assert!(db.store.event(EventId(999_999)).await.unwrap().is_none());

    let mut past = fields(&db, EventKind::StudyVisit, None).await;
    past.sessions = vec![day(-20, 2)];
    past.topics = vec![EventTopic::SisterCities];
    past.sdgs = vec![5];
    past.networks = vec![];
    past.host = None;
    let past_id = create(&db, &past, EventStatus::Published).await;
    let draft_id = create(&db, &fields(&db, EventKind::Workshop, None).await, EventStatus::Draft).await;

    let ids = |p: ldp_core::domain::Paged<ldp_core::domain::Event>| p.items.iter().map(|e| e.id).collect::<Vec<_>>();
    let all = Page::default();
    let public = EventFilter {
        statuses: vec![EventStatus::Published, EventStatus::Postponed, EventStatus::Cancelled],
        ..EventFilter::default()
    };
    let upcoming = EventFilter { when: Some((true, NOW)), ..public.clone() };
    assert_eq!(ids(db.store.events(&upcoming, all).await.unwrap()), vec![id]);
    let gone = EventFilter { when: Some((false, NOW)), ..public.clone() };
    assert_eq!(ids(db.store.events(&gone, all).await.unwrap()), vec![past_id]);
    let everything = db.store.events(&EventFilter::default(), all).await.unwrap();
    assert_eq!(everything.total, 3);
    assert!(ids(everything).contains(&draft_id));
    let by = |f: EventFilter| {
        let store = db.store.clone();
        async move { ids(store.events(&f, Page::default()).await.unwrap()) }
    };
    assert_eq!(by(EventFilter { kind: Some(EventKind::StudyVisit), ..public.clone() }).await, vec![past_id]);
    assert_eq!(by(EventFilter { topic: Some(EventTopic::PublicDiplomacy), ..public.clone() }).await, vec![id]);
    assert_eq!(by(EventFilter { topic: Some(EventTopic::ProjectManagement), ..public.clone() }).await, vec![]);
    assert_eq!(by(EventFilter { sdg: Some(5), ..public.clone() }).await, vec![past_id]);
    assert_eq!(by(EventFilter { sdg: Some(1), ..public.clone() }).await, vec![]);
    assert_eq!(by(EventFilter { network: training.networks.first().copied(), ..public.clone() }).await, vec![id]);
    assert_eq!(by(EventFilter { municipality: training.host, ..public.clone() }).await, vec![id]);
    // Paging: one a page, with the total.
    let first = db.store.events(&public, Page::parse(Some(2), Some(1)).unwrap()).await.unwrap();
    assert_eq!((first.total, first.items.len()), (2, 1));

    // Editing the text keeps the SEQUENCE; moving the time raises it.
    let mut edited = training.clone();
    edited.title.en = "Protocol training (II)".into();
    let change = system_change("update", "event").record(id.0);
    db.store.update_event(id, &edited, false, NOW, &change).await.unwrap();
    assert_eq!(db.store.event(id).await.unwrap().unwrap().sequence, 0);
    edited.sessions = vec![day(12, 3)];
    db.store.update_event(id, &edited, true, NOW, &change).await.unwrap();
    let moved = db.store.event(id).await.unwrap().unwrap();
    assert_eq!((moved.sequence, moved.fields.sessions.clone()), (1, vec![day(12, 3)]));
    assert!(matches!(
        db.store.update_event(EventId(999_999), &edited, true, NOW, &change).await,
        Err(StoreError::Conflict(c)) if c == "event_not_found"
    ));

    // Publishing a draft keeps 0; cancelling raises; the same state again changes nothing.
    let status = |a: &str| system_change(a, "event").record(draft_id.0);
    assert!(db.store.set_event_status(draft_id, EventStatus::Published, NOW, &status("publish")).await.unwrap());
    assert_eq!(db.store.event(draft_id).await.unwrap().unwrap().sequence, 0);
    assert!(db.store.set_event_status(draft_id, EventStatus::Cancelled, NOW, &status("cancel")).await.unwrap());
    assert!(!db.store.set_event_status(draft_id, EventStatus::Cancelled, NOW, &status("cancel")).await.unwrap());
    let cancelled = db.store.event(draft_id).await.unwrap().unwrap();
    assert_eq!((cancelled.status, cancelled.sequence), (EventStatus::Cancelled, 1));

    let filter = AuditFilter { record_type: Some("event".into()), ..AuditFilter::default() };
    let entries = db.store.list_audit(&filter, Page::default()).await.unwrap();
    // Three creations, two updates, publish and one cancel: the refused repeat wrote nothing.
    assert_eq!(entries.total, 7);
}

async fn two_hundred_concurrent_registrations_fill_fifty_seats_exactly(db: TestDb) {
    let id = create(&db, &fields(&db, EventKind::Training, Some(50)).await, EventStatus::Published).await;
    let store: Arc<dyn Store> = db.shared();
    let mut tasks = Vec::new();
    for n in 0..200 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let change = system_change("register", "event_registration");
            store.register(id, &registration(&code_of(n), 1), NOW, &change).await
        }));
    }
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.expect("task").expect("registered"));
    }
    let confirmed = answers.iter().filter(|r| r.status == RegistrationStatus::Confirmed).count();
    let waiting = answers.iter().filter(|r| r.status == RegistrationStatus::Waitlisted).count();
    assert_eq!((confirmed, waiting), (50, 150));
    let stored = db.store.registrations(id).await.unwrap();
    assert_eq!(stored.len(), 200);
    assert_eq!(stored.iter().filter(|r| r.status == RegistrationStatus::Confirmed).count(), 50);
    assert_eq!(db.store.event(id).await.unwrap().unwrap().seats_taken, 50);
    // First in, first out: every confirmed registration was stored before every waiting one.
    let last_confirmed = stored.iter().filter(|r| r.status == RegistrationStatus::Confirmed).map(|r| r.id).max();
    let first_waiting = stored.iter().filter(|r| r.status == RegistrationStatus::Waitlisted).map(|r| r.id).min();
    assert!(last_confirmed < first_waiting);
}

async fn the_waitlist_is_first_in_first_out_and_never_skips_a_group(db: TestDb) {
    let id = create(&db, &fields(&db, EventKind::Workshop, Some(3)).await, EventStatus::Published).await;
    let change = system_change("register", "event_registration");
    let reg = |code: &'static str, seats: usize| {
        let store = db.store.clone();
        let change = change.clone();
        async move { store.register(id, &registration(code, seats), NOW, &change).await.unwrap() }
    };
    let a = reg("AAAAAAAA", 2).await;
    let b = reg("BBBBBBBB", 1).await;
    let c = reg("CCCCCCCC", 2).await;
    let d = reg("DDDDDDDD", 1).await;
    assert_eq!(
        [a.status, b.status, c.status, d.status],
        [
            RegistrationStatus::Confirmed,
            RegistrationStatus::Confirmed,
            RegistrationStatus::Waitlisted,
            RegistrationStatus::Waitlisted
        ]
    );
    let cancel = |r: ldp_core::domain::RegistrationId| system_change("cancel", "event_registration").record(r.0);
    // One seat frees: the group of two at the head of the line does not fit, and the single behind it
    // does not jump ahead.
    let until = NOW + Duration::hours(48);
    let promoted = db.store.cancel_registration(b.id, until, &cancel(b.id)).await.unwrap();
    assert!(promoted.is_empty());
    assert_eq!(db.store.registration(d.id).await.unwrap().unwrap().status, RegistrationStatus::Waitlisted);
    // A new single while people wait goes to the end of the line, even though a seat is free.
    let e = reg("EEEEEEEE", 1).await;
    assert_eq!(e.status, RegistrationStatus::Waitlisted);
    // Two more free up: the group, then the single behind it, in order, are offered them; the third waits.
    let promoted = db.store.cancel_registration(a.id, until, &cancel(a.id)).await.unwrap();
    assert!(promoted.iter().all(|r| r.status == RegistrationStatus::Offered && r.offer_expires_at == Some(until)));
    assert_eq!(promoted.iter().map(|r| r.id).collect::<Vec<_>>(), vec![c.id, d.id]);
    assert_eq!(db.store.registration(e.id).await.unwrap().unwrap().status, RegistrationStatus::Waitlisted);
    assert_eq!(db.store.event(id).await.unwrap().unwrap().seats_taken, 3);
    // Cancelling twice is refused.
    assert!(matches!(
        db.store.cancel_registration(a.id, until, &cancel(a.id)).await,
        Err(StoreError::Conflict(c)) if c == "registration_not_found"
    ));
    let filter = AuditFilter { record_type: Some("event_registration".into()), ..AuditFilter::default() };
    let entries = db.store.list_audit(&filter, Page::default()).await.unwrap().items;
    assert_eq!(entries.iter().filter(|e| e.action == "offer_from_waitlist").count(), 2);
    assert_eq!(entries.iter().filter(|e| e.action == "cancel").count(), 2);
}

async fn quotas_codes_and_lookups_hold(db: TestDb) {
    let mut f = fields(&db, EventKind::Training, Some(10)).await;
    f.quota_per_municipality = Some(2);
    let id = create(&db, &f, EventStatus::Published).await;
    let rep = actor(&db, "rep@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let nilufer = rep.municipalities[0];
    let change = system_change("register", "event_registration");
    let mut first = registration("HJKMNPQR", 2);
    first.municipality = Some(nilufer);
    first.registered_by = rep.user;
    let stored = db.store.register(id, &first, NOW, &change).await.unwrap();
    let mut over = registration("STUVWXYZ", 1);
    over.municipality = Some(nilufer);
    assert!(
        matches!(db.store.register(id, &over, NOW, &change).await, Err(StoreError::Conflict(c)) if c == "quota_reached")
    );
    let taken = registration("HJKMNPQR", 1);
    assert!(
        matches!(db.store.register(id, &taken, NOW, &change).await, Err(StoreError::Conflict(c)) if c == "code_taken")
    );
    assert!(matches!(
        db.store.register(EventId(999_999), &registration("ABCDEFGH", 1), NOW, &change).await,
        Err(StoreError::Conflict(c)) if c == "event_not_found"
    ));
    assert_eq!(db.store.registration_by_code("HJKMNPQR").await.unwrap().as_ref(), Some(&stored));
    assert!(db.store.registration_by_code("ZZZZZZZZ").await.unwrap().is_none());
    assert_eq!(db.store.registration(stored.id).await.unwrap().as_ref(), Some(&stored));
    assert_eq!(db.store.registrations_by(rep.user.unwrap()).await.unwrap(), vec![stored.clone()]);
    assert_eq!(stored.attendees, first.attendees);
    // A cancelled registration frees its quota too.
    db.store.cancel_registration(stored.id, NOW, &system_change("cancel", "event_registration")).await.unwrap();
    assert_eq!(db.store.register(id, &over, NOW, &change).await.unwrap().status, RegistrationStatus::Confirmed);
}

fn input() -> EventInput {
    EventInput {
        kind: Some("training".into()),
        title_tr: Some("Kardeş şehir ilişkileri eğitimi".into()),
        title_en: None,
        summary_tr: Some("Kardeş şehir protokollerinin hazırlanması".into()),
        topics: Some("sister_cities, diplomacy_protocol".into()),
        sdgs: Some("17".into()),
        host: Some("bursa-nilufer".into()),
        online_url: Some("https://meet.example.org/ks".into()),
        sessions: Some("2026-12-10 10:00-12:00\n2026-12-11 10:00-16:00".into()),
        languages: Some("tr".into()),
        organiser: Some("Marmara Belediyeler Birliği".into()),
        audience: Some("member_staff".into()),
        capacity: Some("2".into()),
        ..EventInput::default()
    }
}

async fn staff_create_and_publish_representatives_propose_for_their_own_municipality(db: TestDb) {
    let events = Events::new(db.shared(), ldp_testkit::clock());
    let staff = actor(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let rep = actor(&db, "rep@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let other = actor(&db, "rep@osmangazi.bel.tr", Role::Representative, &["bursa-osmangazi"]).await;
    let auditor = actor(&db, "denetci@mmu.org.tr", Role::Auditor, &[]).await;
    let visitor = Actor::visitor(None);

    // Bad input is reported field by field.
    let bad = EventInput {
        kind: Some("party".into()),
        sessions: Some("2026-12-10 17:00-10:00".into()),
        capacity: Some("-3".into()),
        online_url: Some("javascript:alert(1)".into()),
        topics: Some("astrology".into()),
        ..EventInput::default()
    };
    let Err(ServiceError::Invalid(e)) = events.create(&staff, &bad).await else { panic!("refused") };
    for f in ["kind", "title_tr", "sessions", "capacity", "online_url", "topics", "organiser", "audience"] {
        assert!(e.fields.contains_key(f), "{f}: {e}");
    }

    let created = events.create(&staff, &input()).await.unwrap();
    assert_eq!(created.status, EventStatus::Draft);
    assert_eq!(created.fields.topics, vec![EventTopic::DiplomacyProtocol, EventTopic::SisterCities]);
    assert_eq!(created.fields.sessions[0].start, time::macros::datetime!(2026-12-10 07:00 UTC), "Istanbul time");
    assert_eq!(created.fields.hours(), 8.0);
    assert!(matches!(events.get(&visitor, created.id).await, Err(ServiceError::NotFound)), "a draft is hidden");
    assert!(events.get(&auditor, created.id).await.is_ok());
    assert!(matches!(events.set_status(&rep, created.id, EventStatus::Published).await, Err(ServiceError::NotFound)));
    let published = events.set_status(&staff, created.id, EventStatus::Published).await.unwrap();
    assert_eq!(published.status, EventStatus::Published);
    assert!(events.get(&visitor, created.id).await.is_ok());
    assert!(matches!(
        events.set_status(&staff, created.id, EventStatus::Published).await,
        Err(ServiceError::Conflict(_))
    ));

    // A representative proposes for their own municipality only; it stays a draft they can edit.
    let Err(ServiceError::Invalid(e)) = events.create(&other, &input()).await else { panic!("not their host") };
    assert_eq!(e.fields.get("host").map(String::as_str), Some("not_your_municipality"));
    let proposal = events.create(&rep, &input()).await.unwrap();
    assert_eq!((proposal.status, proposal.proposed_by), (EventStatus::Draft, rep.user));
    assert!(events.get(&rep, proposal.id).await.is_ok());
    assert!(matches!(events.get(&other, proposal.id).await, Err(ServiceError::NotFound)));
    let mut moved = input();
    moved.sessions = Some("2026-12-12 10:00-12:00".into());
    assert_eq!(events.update(&rep, proposal.id, &moved).await.unwrap().sequence, 1);
    assert!(matches!(events.update(&other, proposal.id, &moved).await, Err(ServiceError::NotFound)));
    assert!(matches!(events.update(&auditor, proposal.id, &moved).await, Err(ServiceError::Forbidden)));
    assert!(matches!(events.set_status(&rep, proposal.id, EventStatus::Published).await, Err(ServiceError::Forbidden)));
    events.set_status(&staff, proposal.id, EventStatus::Published).await.unwrap();
    assert!(matches!(events.update(&rep, proposal.id, &moved).await, Err(ServiceError::Forbidden)), "published");

    // Lists: visitors see public events; their own drafts show to representatives; staff see all.
    let draft = events.create(&rep, &input()).await.unwrap();
    let listed = |a: Actor| {
        let events = events.clone();
        async move {
            let page = events.list(&a, EventFilter::default(), Page::default()).await.unwrap();
            page.items.iter().map(|e| e.id).collect::<HashSet<_>>()
        }
    };
    assert!(!listed(visitor.clone()).await.contains(&draft.id));
    assert!(listed(rep.clone()).await.contains(&draft.id));
    assert!(!listed(other.clone()).await.contains(&draft.id));
    assert!(listed(staff.clone()).await.contains(&draft.id));
    assert_eq!(listed(visitor).await.len(), 2);
}

async fn registration_follows_roles_window_and_colleagues(db: TestDb) {
    let clock = ldp_testkit::clock();
    let events = Events::new(db.shared(), clock.clone());
    let staff = actor(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let rep = actor(&db, "rep@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let other = actor(&db, "rep@osmangazi.bel.tr", Role::Representative, &["bursa-osmangazi"]).await;
    let mut raw = input();
    raw.registration_opens = Some("2026-12-01 09:00".into());
    let event = events.create(&staff, &raw).await.unwrap();
    let none = RegistrationInput::default();
    // A draft cannot be registered for; nor before the window opens.
    assert!(matches!(events.register(&rep, event.id, &none).await, Err(ServiceError::NotFound)));
    events.set_status(&staff, event.id, EventStatus::Published).await.unwrap();
    assert!(
        matches!(events.register(&rep, event.id, &none).await, Err(ServiceError::Conflict(c)) if c == "registration_closed")
    );
    assert!(matches!(events.register(&Actor::visitor(None), event.id, &none).await, Err(ServiceError::Forbidden)));
    clock.advance(Duration::days(4));

    let mine = events.register(&rep, event.id, &none).await.unwrap();
    assert_eq!(mine.attendees.len(), 1);
    assert_eq!(mine.attendees[0].email, "rep@nilufer.bel.tr");
    assert_eq!(mine.municipality, rep.municipalities.first().copied());
    assert!(ldp_core::domain::event::is_registration_code(&mine.code));
    // Colleagues: one a line; a wrong line or another municipality is refused with its field.
    let bad = RegistrationInput { municipality: Some("bursa-osmangazi".into()), attendees: Some("x".into()) };
    let Err(ServiceError::Invalid(e)) = events.register(&rep, event.id, &bad).await else { panic!("refused") };
    assert_eq!(e.fields.get("municipality").map(String::as_str), Some("not_your_municipality"));
    assert_eq!(e.fields.get("attendees").map(String::as_str), Some("invalid_attendee"));
    let colleagues = RegistrationInput {
        municipality: None,
        attendees: Some("Ayşe Yılmaz <ayse@nilufer.bel.tr>\nMehmet Öz <mehmet@nilufer.bel.tr>".into()),
    };
    let group = events.register(&rep, event.id, &colleagues).await.unwrap();
    assert_eq!((group.attendees.len(), group.status), (2, RegistrationStatus::Waitlisted), "one seat was left");

    // Only who registered (or staff) finds and cancels a registration.
    assert!(events.by_code(&rep, &mine.code.to_lowercase()).await.is_ok());
    assert!(matches!(events.by_code(&other, &mine.code).await, Err(ServiceError::NotFound)));
    assert!(matches!(events.cancel(&other, mine.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(events.registrations(&rep, event.id).await, Err(ServiceError::Forbidden)));
    let promoted = events.cancel(&rep, mine.id).await.unwrap();
    assert_eq!(promoted.iter().map(|r| r.id).collect::<Vec<_>>(), vec![group.id]);
    assert!(matches!(events.cancel(&staff, mine.id).await, Err(ServiceError::Conflict(_))));
    assert_eq!(events.registrations(&staff, event.id).await.unwrap().len(), 2);
    assert_eq!(events.my_registrations(&rep).await.unwrap().len(), 2);
    // Over when the last session ends.
    clock.advance(Duration::days(30));
    assert!(matches!(events.register(&other, event.id, &none).await, Err(ServiceError::Conflict(_))));
}
