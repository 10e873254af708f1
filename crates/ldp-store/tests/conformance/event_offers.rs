//! Waitlist offers (issue 11) on both engines: freed seats are offered first in first out and held,
//! accepted in time (confirmed), declined or expired (passed on), capacity raised; and under concurrent
//! registrations, cancellations, acceptances and expiry sweeps the seats held never pass the capacity.

use std::sync::Arc;

use ldp_core::domain::{AuditFilter, EventId, EventKind, EventStatus, Page, Registration, RegistrationStatus};
use ldp_core::store::StoreError;
use ldp_core::store::prelude::*;
use ldp_testkit::{NOW, TestDb, both_backends};
use time::Duration;

use crate::events::{code_of, create, fields, registration, system_change};

both_backends!(seeded =>
    offers_hold_seats_and_are_accepted_declined_or_expired_in_line,
    a_raised_capacity_offers_the_line_and_the_sweep_expires_once,
    concurrent_cancels_accepts_and_sweeps_never_overbook,
);

async fn status_of(db: &TestDb, r: &Registration) -> RegistrationStatus {
    db.store.registration(r.id).await.unwrap().unwrap().status
}

/// Seats held (confirmed and offered) at an event.
async fn held(db: &TestDb, event: EventId) -> i64 {
    db.store.registrations(event).await.unwrap().iter().filter(|r| r.status.holds_seats()).map(|r| r.seats()).sum()
}

async fn offers_hold_seats_and_are_accepted_declined_or_expired_in_line(db: TestDb) {
    let id = create(&db, &fields(&db, EventKind::Workshop, Some(2)).await, EventStatus::Published).await;
    let change = system_change("register", "event_registration");
    let mut line = Vec::new();
    for (n, seats) in [(0, 1), (1, 1), (2, 1), (3, 2), (4, 1)] {
        line.push(db.store.register(id, &registration(&code_of(n), seats), NOW, &change).await.unwrap());
    }
    let [a, b, c, group, e] = [0, 1, 2, 3, 4].map(|i| line[i].clone());
    let until = NOW + Duration::hours(48);
    // A cancel offers the seat to the first in line; an offered seat is held, so a newcomer waits.
    let offered = db.store.cancel_registration(a.id, until, &system_change("cancel", "event_registration")).await;
    let offered = offered.unwrap();
    assert_eq!(
        offered.iter().map(|r| (r.id, r.status, r.offer_expires_at)).collect::<Vec<_>>(),
        vec![(c.id, RegistrationStatus::Offered, Some(until))]
    );
    assert_eq!(db.store.event(id).await.unwrap().unwrap().seats_taken, 2);
    let late = db.store.register(id, &registration(&code_of(5), 1), NOW, &change).await.unwrap();
    assert_eq!(late.status, RegistrationStatus::Waitlisted);
    // Accepting in time confirms; twice is refused.
    let accept = system_change("accept_offer", "event_registration");
    let accepted = db.store.accept_offer(c.id, NOW + Duration::hours(1), &accept).await.unwrap();
    assert_eq!((accepted.status, accepted.offer_expires_at), (RegistrationStatus::Confirmed, None));
    assert!(matches!(
        db.store.accept_offer(c.id, NOW, &accept).await,
        Err(StoreError::Conflict(c)) if c == "offer_not_found"
    ));
    // One seat frees: the group of two at the head does not fit and the single behind it does not jump.
    let none = db.store.cancel_registration(b.id, until, &system_change("cancel", "event_registration")).await;
    assert!(none.unwrap().is_empty());
    assert_eq!(status_of(&db, &e).await, RegistrationStatus::Waitlisted);
    // Two free: the group is offered; declining passes both seats on, in order, to the next singles.
    let offered = db.store.cancel_registration(c.id, until, &system_change("cancel", "event_registration")).await;
    assert_eq!(offered.unwrap().iter().map(|r| r.id).collect::<Vec<_>>(), vec![group.id]);
    let decline = system_change("decline_offer", "event_registration");
    let next = db.store.decline_offer(group.id, until, &decline).await.unwrap();
    assert_eq!(next.iter().map(|r| r.id).collect::<Vec<_>>(), vec![e.id, late.id]);
    assert_eq!(status_of(&db, &group).await, RegistrationStatus::Cancelled);
    assert!(matches!(
        db.store.decline_offer(group.id, until, &decline).await,
        Err(StoreError::Conflict(c)) if c == "offer_not_found"
    ));
    // Too late to accept: refused as expired, and the seats stay held until the sweep.
    assert!(matches!(
        db.store.accept_offer(e.id, until, &accept).await,
        Err(StoreError::Conflict(c)) if c == "offer_expired"
    ));
    assert_eq!(held(&db, id).await, 2);
    let filter = AuditFilter { record_type: Some("event_registration".into()), ..AuditFilter::default() };
    let entries = db.store.list_audit(&filter, Page::default()).await.unwrap().items;
    let count = |action: &str| entries.iter().filter(|e| e.action == action).count();
    assert_eq!((count("offer_from_waitlist"), count("accept_offer"), count("decline_offer")), (4, 1, 1));
}

async fn a_raised_capacity_offers_the_line_and_the_sweep_expires_once(db: TestDb) {
    let mut f = fields(&db, EventKind::Training, Some(1)).await;
    let id = create(&db, &f, EventStatus::Published).await;
    let change = system_change("register", "event_registration");
    let mut line = Vec::new();
    for n in 0..4 {
        line.push(db.store.register(id, &registration(&code_of(n), 1), NOW, &change).await.unwrap());
    }
    f.capacity = Some(3);
    db.store.update_event(id, &f, false, NOW, &system_change("update", "event")).await.unwrap();
    let until = NOW + Duration::hours(2);
    let offer = system_change("offer_from_waitlist", "event_registration");
    let offered = db.store.offer_free_seats(id, until, &offer).await.unwrap();
    assert_eq!(offered.iter().map(|r| r.id).collect::<Vec<_>>(), vec![line[1].id, line[2].id]);
    assert!(db.store.offer_free_seats(id, until, &offer).await.unwrap().is_empty(), "nothing is free any more");
    assert!(matches!(
        db.store.offer_free_seats(EventId(999_999), until, &offer).await,
        Err(StoreError::Conflict(c)) if c == "event_not_found"
    ));
    let sweep = system_change("offer_expired", "event_registration");
    // Before the deadline the sweep finds nothing.
    let (expired, next) = db.store.expire_offers(until - Duration::seconds(1), until, &sweep).await.unwrap();
    assert!(expired.is_empty() && next.is_empty());
    db.store.accept_offer(line[1].id, NOW, &system_change("accept_offer", "event_registration")).await.unwrap();
    // At the deadline the open offer expires and its seat goes to the next; two sweeps at once expire once.
    let later = until + Duration::hours(48);
    let (one, two) =
        tokio::join!(db.store.expire_offers(until, later, &sweep), db.store.expire_offers(until, later, &sweep));
    let (one, two) = (one.unwrap(), two.unwrap());
    let expired: Vec<_> = one.0.iter().chain(&two.0).map(|r| r.id).collect();
    let offered: Vec<_> = one.1.iter().chain(&two.1).map(|r| (r.id, r.offer_expires_at)).collect();
    assert_eq!(expired, vec![line[2].id]);
    assert_eq!(offered, vec![(line[3].id, Some(later))]);
    assert_eq!(status_of(&db, &line[2]).await, RegistrationStatus::Cancelled);
    assert_eq!(held(&db, id).await, 3);
    let filter = AuditFilter { record_type: Some("event_registration".into()), ..AuditFilter::default() };
    let entries = db.store.list_audit(&filter, Page::default()).await.unwrap().items;
    assert_eq!(entries.iter().filter(|e| e.action == "offer_expired").count(), 1);
}

async fn concurrent_cancels_accepts_and_sweeps_never_overbook(db: TestDb) {
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
    let mut all = Vec::new();
    for t in tasks {
        all.push(t.await.expect("task").expect("registered"));
    }
    let confirmed: Vec<_> = all.iter().filter(|r| r.status == RegistrationStatus::Confirmed).cloned().collect();
    assert_eq!((confirmed.len(), all.len() - confirmed.len()), (50, 150));
    let until = NOW + Duration::hours(1);
    // Thirty cancel at once, while newcomers register: thirty seats are offered, nobody is overbooked.
    let mut tasks = Vec::new();
    for r in confirmed.iter().take(30) {
        let (store, rid) = (store.clone(), r.id);
        tasks.push(tokio::spawn(async move {
            let change = system_change("cancel", "event_registration").record(rid.0);
            store.cancel_registration(rid, until, &change).await.map(|o| o.len())
        }));
    }
    for n in 200..220 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let change = system_change("register", "event_registration");
            store.register(id, &registration(&code_of(n), 1), NOW, &change).await.map(|_| 0)
        }));
    }
    let mut offered = 0;
    for t in tasks {
        offered += t.await.expect("task").expect("done");
    }
    assert_eq!(offered, 30);
    assert_eq!(held(&db, id).await, 50);
    // Half the offers are accepted while sweeps past the deadline run on two "nodes": each offer ends once,
    // either accepted (in time) or expired, and the seats stay exactly full.
    let offers: Vec<_> = db
        .store
        .registrations(id)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.status == RegistrationStatus::Offered)
        .collect();
    let mut tasks = Vec::new();
    for r in offers.iter().step_by(2) {
        let (store, rid) = (store.clone(), r.id);
        tasks.push(tokio::spawn(async move {
            let change = system_change("accept_offer", "event_registration").record(rid.0);
            store.accept_offer(rid, NOW, &change).await.map(|_| (1, 0)).or_else(|e| match e {
                // The sweep ended it first.
                StoreError::Conflict(_) => Ok((0, 0)),
                other => Err(other),
            })
        }));
    }
    for _ in 0..2 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let change = system_change("offer_expired", "event_registration");
            store.expire_offers(until, until + Duration::hours(1), &change).await.map(|(e, _)| (0, e.len()))
        }));
    }
    let (mut accepted, mut expired) = (0, 0);
    for t in tasks {
        let (a, e) = t.await.expect("task").expect("done");
        (accepted, expired) = (accepted + a, expired + e);
    }
    let stored = db.store.registrations(id).await.unwrap();
    let count = |s: RegistrationStatus| stored.iter().filter(|r| r.status == s).count();
    assert_eq!(held(&db, id).await, 50);
    assert_eq!(count(RegistrationStatus::Cancelled), 30 + expired);
    assert_eq!(accepted + expired, 30, "each offer ended once: accepted or expired");
    assert!(accepted <= 15);
    assert_eq!(count(RegistrationStatus::Confirmed) + count(RegistrationStatus::Offered), 50);
    // First in, first out: nobody waiting was registered before anyone offered a seat.
    let first_waiting = stored.iter().filter(|r| r.status == RegistrationStatus::Waitlisted).map(|r| r.id).min();
    let last_offered = stored.iter().filter(|r| r.status == RegistrationStatus::Offered).map(|r| r.id).max();
    assert!(last_offered < first_waiting);
}
