//! Waitlist offers answered from the mailed link (issue 11) on both engines: the offer and its mail land in
//! one unit of work (or neither does), the mail carries a link whose secret is stored only as a hash, the link
//! answers the offer once without signing in (audited with the link as actor), an expired or answered offer
//! is told apart from an unknown link, and the pruning sweep deletes expired links.

use std::sync::{Arc, Mutex};

use ldp_core::domain::{AuditFilter, EventKind, EventStatus, Page, RegistrationLinkPurpose, RegistrationStatus, Role};
use ldp_core::jobs::{Job, JobFilter};
use ldp_core::services::ServiceError;
use ldp_core::services::accounts::{Mail, Mailer};
use ldp_core::services::events::{EventMailSettings, Events, OFFER_JOB, OfferLinkState};
use ldp_core::services::jobs::{JobHandler, JobQueue};
use ldp_core::store::prelude::*;
use ldp_testkit::{NOW, TestDb, both_backends};
use time::Duration;

use crate::events::{actor, code_of, create, fields, registration, system_change};

both_backends!(seeded =>
    an_offer_and_its_mail_land_in_one_unit_or_not_at_all,
    the_mailed_link_answers_the_offer_once_without_signing_in,
    expired_offers_and_unknown_or_pruned_links_are_told_apart,
);

#[derive(Default)]
struct Outbox(Mutex<Vec<Mail>>);

#[async_trait::async_trait]
impl Mailer for Outbox {
    async fn send(&self, mail: Mail) -> Result<(), String> {
        self.0.lock().unwrap().push(mail);
        Ok(())
    }
}

fn service(db: &TestDb, clock: Arc<ldp_core::clock::FixedClock>, outbox: Arc<Outbox>) -> Events {
    let settings = EventMailSettings { public_url: "https://ydp.example.org".into(), ..EventMailSettings::default() };
    Events::new(db.shared(), clock).with_mail(outbox, JobQueue::new(db.shared()), settings)
}

async fn offer_jobs(db: &TestDb) -> Vec<Job> {
    let all = db.store.jobs(&JobFilter { page: Page::first(100), ..JobFilter::default() }).await.unwrap().items;
    all.into_iter().filter(|j| j.kind == OFFER_JOB).collect()
}

/// The token of the Turkish link in an offer mail.
fn token_in(mail: &Mail) -> String {
    let marker = "/tr/registration/offer/";
    let start = mail.body.find(marker).expect("a link in the mail") + marker.len();
    mail.body[start..].split_whitespace().next().unwrap().to_owned()
}

/// An event of one seat with one confirmed registration and one waiting: (event's registrations).
async fn one_seat_and_a_line(db: &TestDb) -> (ldp_core::domain::Registration, ldp_core::domain::Registration) {
    let id = create(db, &fields(db, EventKind::Workshop, Some(1)).await, EventStatus::Published).await;
    let change = system_change("register", "event_registration");
    let first = db.store.register(id, &registration(&code_of(0), 1), NOW, &change).await.unwrap();
    let second = db.store.register(id, &registration(&code_of(1), 1), NOW, &change).await.unwrap();
    assert_eq!((first.status, second.status), (RegistrationStatus::Confirmed, RegistrationStatus::Waitlisted));
    (first, second)
}

async fn an_offer_and_its_mail_land_in_one_unit_or_not_at_all(db: TestDb) {
    let (first, second) = one_seat_and_a_line(&db).await;
    // A unit dropped after the cancellation and the offer: neither happened, nothing is queued.
    let mut unit = db.store.begin().await.unwrap();
    let template = system_change("offer_from_waitlist", "event_registration");
    let offered = unit.events().cancel_registration(first.id, NOW + Duration::hours(48), &template).await.unwrap();
    assert_eq!(offered.iter().map(|r| r.id).collect::<Vec<_>>(), vec![second.id]);
    drop(unit);
    assert_eq!(db.store.registration(first.id).await.unwrap().unwrap().status, RegistrationStatus::Confirmed);
    assert_eq!(db.store.registration(second.id).await.unwrap().unwrap().status, RegistrationStatus::Waitlisted);
    assert!(offer_jobs(&db).await.is_empty());
    // Through the service the cancellation, the offer and its mail commit together.
    let clock = ldp_testkit::clock();
    let events = service(&db, clock.clone(), Arc::new(Outbox::default()));
    let staff = actor(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let offered = events.cancel(&staff, first.id).await.unwrap();
    assert_eq!(offered.iter().map(|r| r.id).collect::<Vec<_>>(), vec![second.id]);
    let jobs = offer_jobs(&db).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].payload["registration"], serde_json::json!(second.id.0));
    // Declining passes nothing on here (nobody else waits) and queues nothing more.
    events.decline_offer(&staff, second.id).await.unwrap();
    assert_eq!(offer_jobs(&db).await.len(), 1);
    let filter = AuditFilter { record_type: Some("event_registration".into()), ..AuditFilter::default() };
    let entries = db.store.list_audit(&filter, Page::default()).await.unwrap().items;
    let count = |action: &str| entries.iter().filter(|e| e.action == action).count();
    assert_eq!((count("cancel"), count("offer_from_waitlist"), count("decline_offer")), (1, 1, 1));
}

async fn the_mailed_link_answers_the_offer_once_without_signing_in(db: TestDb) {
    let (first, second) = one_seat_and_a_line(&db).await;
    let clock = ldp_testkit::clock();
    let outbox = Arc::new(Outbox::default());
    let events = service(&db, clock.clone(), outbox.clone());
    let staff = actor(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    events.cancel(&staff, first.id).await.unwrap();
    let job = offer_jobs(&db).await.remove(0);
    assert_eq!(events.run(&job).await.unwrap(), "sent");
    let mail = outbox.0.lock().unwrap().pop().expect("the offer mail");
    assert_eq!(mail.to, second.attendees[0].email);
    let token = token_in(&mail);
    assert!(mail.body.contains(&format!("https://ydp.example.org/en/registration/offer/{token}")));
    // Only the secret's hash is stored: the token itself names nothing, its hash names the registration.
    assert!(db.store.registration_by_link(&token, RegistrationLinkPurpose::Offer).await.unwrap().is_none());
    let hashed = ldp_core::services::tokens::hash(&token);
    let (named, expires) =
        db.store.registration_by_link(&hashed, RegistrationLinkPurpose::Offer).await.unwrap().unwrap();
    assert_eq!((named.id, Some(expires)), (second.id, named.offer_expires_at));

    let open = events.offer_by_link(&token).await.unwrap();
    assert_eq!((open.state, open.registration.id, open.event.id), (OfferLinkState::Open, second.id, second.event));
    let answered = events.answer_offer_by_link(&token, true, Some("192.0.2.7".into())).await.unwrap();
    assert_eq!(answered.state, OfferLinkState::Answered);
    assert_eq!(answered.registration.status, RegistrationStatus::Confirmed);
    // Once: a second answer (accept or decline) is refused and changes nothing.
    for accept in [true, false] {
        assert!(matches!(
            events.answer_offer_by_link(&token, accept, None).await,
            Err(ServiceError::Conflict(c)) if c == "offer_answered"
        ));
    }
    assert_eq!(db.store.registration(second.id).await.unwrap().unwrap().status, RegistrationStatus::Confirmed);
    let filter = AuditFilter { action: Some("accept_offer".into()), ..AuditFilter::default() };
    let entry = db.store.list_audit(&filter, Page::default()).await.unwrap().items.remove(0);
    assert_eq!(entry.actor, format!("link:{}", second.code));
    assert_eq!(entry.client.as_deref(), Some("192.0.2.7"));
    // A later attempt of the same job makes a fresh link; the first one still works for reading.
    assert_eq!(events.run(&job).await.unwrap(), "not_offered", "an answered offer is not mailed again");
    assert_eq!(events.offer_by_link(&token).await.unwrap().state, OfferLinkState::Answered);
}

async fn expired_offers_and_unknown_or_pruned_links_are_told_apart(db: TestDb) {
    let (first, second) = one_seat_and_a_line(&db).await;
    let clock = ldp_testkit::clock();
    let outbox = Arc::new(Outbox::default());
    let events = service(&db, clock.clone(), outbox.clone()).with_offer_hours(2);
    let staff = actor(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let newcomer = db
        .store
        .register(second.event, &registration(&code_of(2), 1), NOW, &system_change("register", "event_registration"))
        .await
        .unwrap();
    events.cancel(&staff, first.id).await.unwrap();
    events.run(&offer_jobs(&db).await.remove(0)).await.unwrap();
    let token = token_in(&outbox.0.lock().unwrap().pop().unwrap());
    assert!(matches!(events.offer_by_link("not-a-token").await, Err(ServiceError::NotFound)));

    // Past the deadline, before the sweep: expired, and neither button works.
    clock.advance(Duration::hours(2));
    assert_eq!(events.offer_by_link(&token).await.unwrap().state, OfferLinkState::Expired);
    assert!(matches!(
        events.answer_offer_by_link(&token, true, None).await,
        Err(ServiceError::Conflict(c)) if c == "offer_expired"
    ));
    // The sweep cancels it and offers the seat to the newcomer, queuing its mail in the same transaction.
    assert_eq!(events.expire_offers().await.unwrap(), 1);
    assert_eq!(db.store.registration(newcomer.id).await.unwrap().unwrap().status, RegistrationStatus::Offered);
    let queued: Vec<_> = offer_jobs(&db).await.iter().map(|j| j.payload["registration"].clone()).collect();
    assert!(queued.contains(&serde_json::json!(newcomer.id.0)));
    let sweep = AuditFilter { action: Some("expire_offers".into()), ..AuditFilter::default() };
    assert_eq!(db.store.list_audit(&sweep, Page::default()).await.unwrap().total, 1);
    assert_eq!(events.expire_offers().await.unwrap(), 0, "a second sweep finds nothing");
    assert_eq!(events.offer_by_link(&token).await.unwrap().state, OfferLinkState::Expired);
    // The pruning sweep deletes expired links only: then the old link is unknown.
    assert_eq!(events.prune_links().await.unwrap(), 1);
    assert_eq!(events.prune_links().await.unwrap(), 0);
    assert!(matches!(events.offer_by_link(&token).await, Err(ServiceError::NotFound)));
}
