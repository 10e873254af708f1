//! Check-ins per session on both engines: only confirmed registrations of the event, idempotent, undone,
//! each write with its audit entry; they follow their session when the event's sessions are edited.

use ldp_core::domain::training_record::RecordFilter;
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
    check_ins_follow_their_session_through_edits_and_a_session_with_check_ins_stays,
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

fn day(d: i64) -> EventSession {
    EventSession { start: NOW + Duration::days(d), end: NOW + Duration::days(d) + Duration::hours(4) }
}

/// (attendee, session position, session start) of each check-in, and the same as the training record reads it.
async fn attendance(db: &TestDb, event: EventId) -> Vec<(u32, u32, time::OffsetDateTime)> {
    let sessions = db.store.event(event).await.unwrap().unwrap().fields.sessions;
    let mut listed: Vec<_> = db
        .store
        .check_ins(event)
        .await
        .unwrap()
        .iter()
        .map(|c| (c.attendee, c.session, sessions[c.session as usize].start))
        .collect();
    listed.sort();
    let mut record: Vec<_> = db
        .store
        .attended_sessions(&RecordFilter::default(), None)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.event == event)
        .map(|a| (a.attendee, a.session, a.start))
        .collect();
    record.sort();
    assert_eq!(listed, record, "the training record reads the check-ins as the sheet does");
    listed
}

async fn check_ins_follow_their_session_through_edits_and_a_session_with_check_ins_stays(db: TestDb) {
    let create = Change::new(&Actor::system("test"), NOW, "create", "event");
    let edit = Change::new(&Actor::system("test"), NOW, "update", "event");
    let mut fields = training(None);
    fields.sessions = vec![day(1), day(2)];
    let event = db.store.create_event(&fields, EventStatus::Published, None, NOW, &create).await.unwrap();
    let group = db
        .store
        .register(event, &registration("HJKMNPQR", &["Şükrü Ağaoğlu", "İpek Işık"]), NOW, &change("register"))
        .await
        .unwrap();
    assert!(db.store.check_in(event, group.id, 0, 0, NOW, &change("check_in")).await.unwrap());
    assert!(db.store.check_in(event, group.id, 1, 1, NOW, &change("check_in")).await.unwrap());
    assert_eq!(attendance(&db, event).await, vec![(0, 0, day(1).start), (1, 1, day(2).start)]);

    // A day inserted before: the check-ins stay with their days, now at positions 1 and 2.
    fields.sessions = vec![day(0), day(1), day(2)];
    db.store.update_event(event, &fields, true, NOW, &edit).await.unwrap();
    assert_eq!(attendance(&db, event).await, vec![(0, 1, day(1).start), (1, 2, day(2).start)]);
    // Listed in another order: still the same days.
    fields.sessions = vec![day(2), day(0), day(1)];
    db.store.update_event(event, &fields, false, NOW, &edit).await.unwrap();
    assert_eq!(attendance(&db, event).await, vec![(0, 2, day(1).start), (1, 0, day(2).start)]);
    // A time corrected on its day keeps the session and its check-in.
    let later = EventSession { start: day(1).start + Duration::hours(1), end: day(1).end + Duration::hours(1) };
    fields.sessions = vec![day(0), later, day(2)];
    db.store.update_event(event, &fields, true, NOW, &edit).await.unwrap();
    assert_eq!(attendance(&db, event).await, vec![(0, 1, later.start), (1, 2, day(2).start)]);

    // Leaving out a session with a check-in is refused, and nothing of the edit is saved.
    let before = db.store.event(event).await.unwrap().unwrap();
    let mut dropped = fields.clone();
    dropped.sessions = vec![day(0), later];
    dropped.venue = "Başka bir salon".into();
    assert!(matches!(
        db.store.update_event(event, &dropped, true, NOW, &edit).await,
        Err(StoreError::Conflict(c)) if c == "session_has_check_ins"
    ));
    let after = db.store.event(event).await.unwrap().unwrap();
    assert_eq!(after.fields, before.fields);
    assert_eq!(after.sequence, before.sequence);
    // Moving it to another day is leaving it out too.
    let mut moved = fields.clone();
    moved.sessions = vec![day(0), later, day(5)];
    assert!(matches!(
        db.store.update_event(event, &moved, true, NOW, &edit).await,
        Err(StoreError::Conflict(c)) if c == "session_has_check_ins"
    ));
    // A session nobody was checked in for may go.
    fields.sessions = vec![later, day(2)];
    db.store.update_event(event, &fields, true, NOW, &edit).await.unwrap();
    assert_eq!(attendance(&db, event).await, vec![(0, 0, later.start), (1, 1, day(2).start)]);
    // Once its check-in is undone, so may the other.
    assert!(db.store.undo_check_in(group.id, 1, 1, &change("undo_check_in")).await.unwrap());
    fields.sessions = vec![later];
    db.store.update_event(event, &fields, true, NOW, &edit).await.unwrap();
    assert_eq!(attendance(&db, event).await, vec![(0, 0, later.start)]);
    // A position the event no longer has is no session to check in for.
    assert!(matches!(
        db.store.check_in(event, group.id, 1, 1, NOW, &change("check_in")).await,
        Err(StoreError::Conflict(c)) if c == "unknown_session"
    ));
}
