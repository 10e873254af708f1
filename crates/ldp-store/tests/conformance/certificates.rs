//! Certificates on both engines: issuing skips attendees certified already (twice is once), each certificate
//! with its entry; codes are unique; thresholds per event; revocation keeps the certificate, once.

use ldp_core::domain::certificate::{NewCertificate, TrainingSnapshot};
use ldp_core::domain::{
    Actor, Attendee, Audience, AuditFilter, Change, EventFields, EventId, EventKind, EventSession, EventStatus,
    EventTopic, Lang, Localized, NewRegistration, Page,
};
use ldp_core::store::StoreError;
use ldp_core::store::prelude::*;
use ldp_testkit::{NOW, TestDb, both_backends};
use time::Duration;

both_backends!(seeded =>
    issuing_twice_issues_each_certificate_once_with_its_entry,
    thresholds_are_kept_per_event,
    revoking_keeps_the_certificate_and_happens_once,
);

fn change(action: &str) -> Change {
    Change::new(&Actor::system("test"), NOW, action, "certificate")
}

fn training() -> EventFields {
    let day =
        |d: i64| EventSession { start: NOW + Duration::days(d), end: NOW + Duration::days(d) + Duration::hours(5) };
    EventFields {
        kind: EventKind::Training,
        title: Localized::new("Kardeş şehir eğitimi", "Sister-city training"),
        summary: Localized::default(),
        body: Localized::default(),
        topics: vec![EventTopic::SisterCities, EventTopic::PublicDiplomacy],
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
        capacity: None,
        registration_opens: None,
        registration_closes: None,
        quota_per_municipality: None,
        moderated: false,
    }
}

async fn event_with_group(db: &TestDb) -> (EventId, ldp_core::domain::Registration) {
    let create = Change::new(&Actor::system("test"), NOW, "create", "event");
    let event = db.store.create_event(&training(), EventStatus::Published, None, NOW, &create).await.unwrap();
    let new = NewRegistration {
        code: "HJKMNPQR".into(),
        registered_by: None,
        municipality: None,
        attendees: vec![
            Attendee { name: "Şükrü Ağaoğlu".into(), email: "Sukru@Example.org".into() },
            Attendee { name: "İpek Işık".into(), email: "ipek@example.org".into() },
        ],
    };
    let register = Change::new(&Actor::system("test"), NOW, "register", "event_registration");
    let registration = db.store.register(event, &new, NOW, &register).await.unwrap();
    (event, registration)
}

fn snapshot(event: EventId) -> TrainingSnapshot {
    let f = training();
    TrainingSnapshot {
        event,
        title: f.title.clone(),
        topics: f.topics.clone(),
        starts_at: f.starts_at().unwrap(),
        ends_at: f.ends_at().unwrap(),
        total_minutes: 600,
        threshold_percent: 80,
    }
}

fn new(code: &str, registration: ldp_core::domain::RegistrationId, attendee: u32, name: &str) -> NewCertificate {
    NewCertificate {
        code: code.into(),
        registration,
        attendee,
        name: name.into(),
        email: if attendee == 0 { "Sukru@Example.org".into() } else { "ipek@example.org".into() },
        municipality: None,
        attended_minutes: 480,
    }
}

async fn issuing_twice_issues_each_certificate_once_with_its_entry(db: TestDb) {
    let (event, r) = event_with_group(&db).await;
    let training = snapshot(event);
    let first = db
        .store
        .issue_certificates(&training, &[new("STUVWXYZ", r.id, 0, "Şükrü Ağaoğlu")], NOW, &change("issue"))
        .await
        .unwrap();
    assert_eq!(first.len(), 1);
    let c = &first[0];
    assert_eq!((c.code.as_str(), c.name.as_str(), c.attended_minutes), ("STUVWXYZ", "Şükrü Ağaoğlu", 480));
    assert_eq!(c.training, training);
    assert!(c.is_valid());

    // The same attendee again (with another code) and a new one: only the new one is issued.
    let second = db
        .store
        .issue_certificates(
            &training,
            &[new("ABCDEFGH", r.id, 0, "Şükrü Ağaoğlu"), new("JKMNPQRS", r.id, 1, "İpek Işık")],
            NOW,
            &change("issue"),
        )
        .await
        .unwrap();
    assert_eq!(second.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), ["JKMNPQRS"]);
    // A code in use refuses the whole batch.
    assert!(matches!(
        db.store.issue_certificates(&training, &[new("STUVWXYZ", r.id, 1, "x")], NOW, &change("issue")).await,
        Err(StoreError::Conflict(c)) if c == "code_taken"
    ));
    assert!(matches!(
        db.store.issue_certificates(&snapshot(EventId(999_999)), &[], NOW, &change("issue")).await,
        Err(StoreError::Conflict(c)) if c == "event_not_found"
    ));

    let listed = db.store.event_certificates(event).await.unwrap();
    assert_eq!(listed.iter().map(|c| c.code.as_str()).collect::<Vec<_>>(), ["STUVWXYZ", "JKMNPQRS"]);
    assert_eq!(db.store.certificate_by_code("JKMNPQRS").await.unwrap().unwrap().name, "İpek Işık");
    assert!(db.store.certificate_by_code("JKMNPQRT").await.unwrap().is_none());
    // Found by the folded address.
    assert_eq!(db.store.certificates_of("sukru@example.org").await.unwrap().len(), 1);
    assert!(db.store.certificates_of("Sukru@Example.org").await.unwrap().is_empty());

    let filter = AuditFilter { record_type: Some("certificate".into()), ..AuditFilter::default() };
    let entries = db.store.list_audit(&filter, Page::default()).await.unwrap().items;
    assert_eq!(entries.iter().filter(|e| e.action == "issue").count(), 2);
}

async fn thresholds_are_kept_per_event(db: TestDb) {
    let (event, _) = event_with_group(&db).await;
    let (other, _) = {
        let create = Change::new(&Actor::system("test"), NOW, "create", "event");
        (db.store.create_event(&training(), EventStatus::Published, None, NOW, &create).await.unwrap(), ())
    };
    assert_eq!(db.store.certificate_threshold(event).await.unwrap(), None);
    db.store.set_certificate_threshold(event, 75, &change("set_threshold")).await.unwrap();
    db.store.set_certificate_threshold(event, 90, &change("set_threshold")).await.unwrap();
    assert_eq!(db.store.certificate_threshold(event).await.unwrap(), Some(90));
    assert_eq!(db.store.certificate_threshold(other).await.unwrap(), None);
    assert!(matches!(
        db.store.set_certificate_threshold(EventId(999_999), 80, &change("set_threshold")).await,
        Err(StoreError::Conflict(c)) if c == "event_not_found"
    ));
    let filter = AuditFilter { record_type: Some("certificate".into()), ..AuditFilter::default() };
    assert_eq!(db.store.list_audit(&filter, Page::default()).await.unwrap().items.len(), 2);
}

async fn revoking_keeps_the_certificate_and_happens_once(db: TestDb) {
    let (event, r) = event_with_group(&db).await;
    let issued = db
        .store
        .issue_certificates(&snapshot(event), &[new("STUVWXYZ", r.id, 0, "Şükrü Ağaoğlu")], NOW, &change("issue"))
        .await
        .unwrap();
    let id = issued[0].id;
    let later = NOW + Duration::days(3);
    assert!(db.store.revoke_certificate(id, "Yanlış kişiye verildi", later, &change("revoke")).await.unwrap());
    assert!(!db.store.revoke_certificate(id, "again", later, &change("revoke")).await.unwrap());
    let c = db.store.certificate_by_code("STUVWXYZ").await.unwrap().unwrap();
    assert_eq!(c.revoked_at, Some(later));
    assert_eq!(c.revocation_reason, "Yanlış kişiye verildi");
    assert_eq!(db.store.event_certificates(event).await.unwrap().len(), 1);
    assert!(matches!(
        db.store.revoke_certificate(ldp_core::domain::certificate::CertificateId(999_999), "x", later, &change("revoke")).await,
        Err(StoreError::Conflict(c)) if c == "certificate_not_found"
    ));
    let filter = AuditFilter { record_type: Some("certificate".into()), ..AuditFilter::default() };
    let entries = db.store.list_audit(&filter, Page::default()).await.unwrap().items;
    assert_eq!(entries.iter().filter(|e| e.action == "revoke").count(), 1);
}
