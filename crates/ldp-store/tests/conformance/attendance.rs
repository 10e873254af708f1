//! Check-ins per session on both engines: only confirmed registrations of the event, idempotent, undone,
//! each write with its audit entry.

use ldp_core::domain::{
    Actor, Attendee, Audience, AuditFilter, Change, CheckIn, EventFields, EventId, EventKind, EventSession,
    EventStatus, EventTopic, Lang, Localized, NewRegistration, Page,
};
use ldp_core::store::StoreError;
use ldp_core::store::prelude::*;
use ldp_testkit::{NOW, TestDb, both_backends};
use time::Duration;

both_backends!(seeded =>
    check_ins_are_stored_per_session_and_undone_with_their_entries,
);

fn change(action: &str) -> Change {
    Change::new(&Actor::system("test"), NOW, action, "event_registration")
}

fn training(capacity: Option<u32>) -> EventFields {
    let day =
        |d: i64| EventSession { start: NOW + Duration::days(d), end: NOW + Duration::days(d) + Duration::hours(4) };
    EventFields {
        kind: EventKind::Training,
        title: Localized::new("Protokol eğitimi", "Protocol training"),
        summary: Localized::new("Özet", ""),
        body: Localized::new("Ayrıntılar", ""),
        topics: vec![EventTopic::DiplomacyProtocol],
        sdgs: vec![],
        networks: vec![],
        host: None,
        partnership: None,
        venue: "Birlik binası".into(),
        city: None,
        online_url: String::new(),
        sessions: vec![day(1), day(2)],
        languages: vec![Lang::Tr],
        speakers: String::new(),
        organiser: "Birlik".into(),
        audience: Audience::MemberStaff,
        capacity,
        registration_opens: None,
        registration_closes: None,
        quota_per_municipality: None,
        moderated: false,
    }
}

fn registration(code: &str, people: &[&str]) -> NewRegistration {
    NewRegistration {
        code: code.into(),
        registered_by: None,
        municipality: None,
        attendees: people
            .iter()
            .map(|n| Attendee { name: (*n).into(), email: format!("{}@example.org", n.len()) })
            .collect(),
    }
}

async fn check_ins_are_stored_per_session_and_undone_with_their_entries(db: TestDb) {
    let create = Change::new(&Actor::system("test"), NOW, "create", "event");
    let event = db.store.create_event(&training(Some(2)), EventStatus::Published, None, NOW, &create).await.unwrap();
    let other = db.store.create_event(&training(None), EventStatus::Published, None, NOW, &create).await.unwrap();
    let group = db
        .store
        .register(event, &registration("HJKMNPQR", &["Şükrü Ağaoğlu", "İpek Işık"]), NOW, &change("register"))
        .await
        .unwrap();
    let waiting =
        db.store.register(event, &registration("STUVWXYZ", &["Gül Çınar"]), NOW, &change("register")).await.unwrap();
    assert_eq!(waiting.status, ldp_core::domain::RegistrationStatus::Waitlisted);

    assert!(db.store.check_in(event, group.id, 1, 0, NOW, &change("check_in")).await.unwrap());
    assert!(db.store.check_in(event, group.id, 0, 1, NOW, &change("check_in")).await.unwrap());
    // Twice is once, with one entry.
    assert!(!db.store.check_in(event, group.id, 1, 0, NOW, &change("check_in")).await.unwrap());
    // Only a confirmed registration of this event is checked in.
    for (e, r) in [(event, waiting.id), (other, group.id), (EventId(999_999), group.id)] {
        assert!(matches!(
            db.store.check_in(e, r, 0, 0, NOW, &change("check_in")).await,
            Err(StoreError::Conflict(c)) if c == "registration_not_confirmed"
        ));
    }
    let listed = db.store.check_ins(event).await.unwrap();
    assert_eq!(
        listed,
        vec![
            CheckIn { registration: group.id, attendee: 1, session: 0, at: NOW },
            CheckIn { registration: group.id, attendee: 0, session: 1, at: NOW },
        ]
    );
    assert!(db.store.check_ins(other).await.unwrap().is_empty());

    assert!(db.store.undo_check_in(group.id, 1, 0, &change("undo_check_in")).await.unwrap());
    assert!(!db.store.undo_check_in(group.id, 1, 0, &change("undo_check_in")).await.unwrap());
    assert_eq!(db.store.check_ins(event).await.unwrap().len(), 1);

    let filter = AuditFilter { record_type: Some("event_registration".into()), ..AuditFilter::default() };
    let entries = db.store.list_audit(&filter, Page::default()).await.unwrap().items;
    assert_eq!(entries.iter().filter(|e| e.action == "check_in").count(), 2);
    assert_eq!(entries.iter().filter(|e| e.action == "undo_check_in").count(), 1);
}
