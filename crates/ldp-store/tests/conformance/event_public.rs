//! Public registration with double opt-in, and moderation (issue 11), on both engines: an unconfirmed
//! registration holds no seat and enters the line only when confirmed (first in first out by that moment);
//! one live registration per address and event; expired ones give way and are pruned with their links;
//! a moderated event's pending registrations hold their seats exactly under concurrency; a rejection offers
//! the freed seats to the line as a cancellation does.

use std::sync::Arc;

use ldp_core::domain::{
    Attendee, Audience, AuditFilter, Consent, EventId, EventKind, EventStatus, NewRegistration, Page,
    PublicRegistration, Registration, RegistrationLinkPurpose, RegistrationStatus,
};
use ldp_core::store::StoreError;
use ldp_core::store::prelude::*;
use ldp_testkit::{NOW, TestDb, both_backends};
use time::{Duration, OffsetDateTime};

use crate::events::{code_of, create, fields, registration, system_change};

both_backends!(seeded =>
    a_public_registration_holds_no_seat_until_its_opt_in_and_then_queues_by_that_moment,
    one_live_registration_per_address_and_expired_ones_give_way_and_are_pruned,
    concurrent_opt_ins_and_registrations_never_overbook,
    moderation_holds_seats_confirms_and_a_rejection_offers_the_line,
    two_hundred_concurrent_registrations_fill_fifty_moderated_seats_exactly,
    pruned_registration_ids_are_never_handed_out_again,
);

async fn public_event(db: &TestDb, capacity: Option<u32>, moderated: bool) -> EventId {
    let mut f = fields(db, EventKind::Training, capacity).await;
    f.audience = Audience::Public;
    f.moderated = moderated;
    create(db, &f, EventStatus::Published).await
}

fn person(n: usize) -> NewRegistration {
    NewRegistration {
        code: code_of(10_000 + n),
        registered_by: None,
        municipality: None,
        attendees: vec![Attendee { name: format!("Ziyaretçi {n}"), email: format!("Ziyaretci{n}@Example.org") }],
    }
}

fn public(n: usize, at: OffsetDateTime) -> PublicRegistration {
    PublicRegistration {
        contact_email: format!("ziyaretci{n}@example.org"),
        consent: Consent { at, notice_version: "2026-12-03".into() },
        confirm_by: at + Duration::hours(24),
        client_key: Some("client-a".into()),
    }
}

/// Registers person `n` publicly in its own committed unit.
async fn register_public(
    db: &TestDb,
    event: EventId,
    n: usize,
    at: OffsetDateTime,
) -> Result<Registration, StoreError> {
    let mut unit = db.store.begin().await.unwrap();
    let r = unit.events().register_public(event, &person(n), &public(n, at), at).await?;
    unit.commit(&system_change("register_public", "event_registration")).await.unwrap();
    Ok(r)
}

async fn confirm(
    db: &TestDb,
    id: ldp_core::domain::RegistrationId,
    at: OffsetDateTime,
) -> Result<Registration, StoreError> {
    let mut unit = db.store.begin().await.unwrap();
    let r = unit.events().confirm_opt_in(id, at).await?;
    unit.commit(&system_change("confirm_opt_in", "event_registration")).await.unwrap();
    Ok(r)
}

async fn a_public_registration_holds_no_seat_until_its_opt_in_and_then_queues_by_that_moment(db: TestDb) {
    let id = public_event(&db, Some(1), false).await;
    let early = register_public(&db, id, 1, NOW).await.unwrap();
    assert_eq!(early.status, RegistrationStatus::Unconfirmed);
    let stored = db.store.registration(early.id).await.unwrap().unwrap();
    assert_eq!(stored.consent, Some(Consent { at: NOW, notice_version: "2026-12-03".into() }));
    assert_eq!(stored.confirm_by, Some(NOW + Duration::hours(24)));
    assert_eq!(db.store.event(id).await.unwrap().unwrap().seats_taken, 0, "an unconfirmed registration holds nothing");
    // A signed-in registration after it takes the free seat; another waits.
    let change = system_change("register", "event_registration");
    let seat = db.store.register(id, &registration(&code_of(1), 1), NOW + Duration::minutes(1), &change).await.unwrap();
    assert_eq!(seat.status, RegistrationStatus::Confirmed);
    let waiting =
        db.store.register(id, &registration(&code_of(2), 1), NOW + Duration::minutes(2), &change).await.unwrap();
    assert_eq!(waiting.status, RegistrationStatus::Waitlisted);
    // The early registrant confirms last: waitlisted behind the one who joined the line before.
    let confirmed = confirm(&db, early.id, NOW + Duration::minutes(3)).await.unwrap();
    assert_eq!(confirmed.status, RegistrationStatus::Waitlisted);
    let order: Vec<_> = db.store.registrations(id).await.unwrap().iter().map(|r| r.id).collect();
    assert_eq!(order, vec![seat.id, waiting.id, early.id], "the line's order is the moment each joined it");
    let offered = db.store.cancel_registration(seat.id, NOW + Duration::hours(48), &change).await.unwrap();
    assert_eq!(offered.iter().map(|r| r.id).collect::<Vec<_>>(), vec![waiting.id], "first in the line first");
    // A second confirmation is refused; so is a late one.
    assert!(matches!(confirm(&db, early.id, NOW).await, Err(StoreError::Conflict(c)) if c == "registration_not_found"));
    let late = register_public(&db, id, 2, NOW).await.unwrap();
    assert!(matches!(
        confirm(&db, late.id, NOW + Duration::hours(24)).await,
        Err(StoreError::Conflict(c)) if c == "opt_in_expired"
    ));
    // With a free seat and nobody waiting, the opt-in confirms at once.
    let open = public_event(&db, Some(5), false).await;
    let r = register_public(&db, open, 3, NOW).await.unwrap();
    assert_eq!(confirm(&db, r.id, NOW + Duration::hours(1)).await.unwrap().status, RegistrationStatus::Confirmed);
    assert_eq!(db.store.event(open).await.unwrap().unwrap().seats_taken, 1);
    // The rate limit counts a client's public registrations since a moment.
    let mut unit = db.store.begin().await.unwrap();
    assert_eq!(unit.events().public_registrations_from("client-a", NOW).await.unwrap(), 3);
    assert_eq!(unit.events().public_registrations_from("client-a", NOW + Duration::seconds(1)).await.unwrap(), 0);
    assert_eq!(unit.events().public_registrations_from("client-b", NOW).await.unwrap(), 0);
}

async fn one_live_registration_per_address_and_expired_ones_give_way_and_are_pruned(db: TestDb) {
    let id = public_event(&db, Some(10), false).await;
    let first = register_public(&db, id, 1, NOW).await.unwrap();
    // The same address again (the folded form is the key): refused, while unconfirmed and once confirmed.
    let mut again = person(1);
    again.code = code_of(20_000);
    let mut unit = db.store.begin().await.unwrap();
    let refused = unit.events().register_public(id, &again, &public(1, NOW), NOW + Duration::hours(1)).await;
    assert!(matches!(refused, Err(StoreError::Conflict(c)) if c == "already_registered"));
    drop(unit);
    // Once its link expired, the unconfirmed registration gives way to a new one of the same address.
    let mut unit = db.store.begin().await.unwrap();
    let later = public(1, NOW + Duration::hours(25));
    let second = unit.events().register_public(id, &again, &later, NOW + Duration::hours(25)).await.unwrap();
    unit.commit(&system_change("register_public", "event_registration")).await.unwrap();
    // The expired one was deleted, and its id is not handed out again.
    let codes: Vec<_> = db.store.registrations(id).await.unwrap().into_iter().map(|r| r.code).collect();
    assert_eq!(codes, vec![again.code.clone()], "the expired {} was deleted", first.code);
    assert_ne!(second.id, first.id);
    confirm(&db, second.id, NOW + Duration::hours(26)).await.unwrap();
    let mut unit = db.store.begin().await.unwrap();
    let mut third = person(1);
    third.code = code_of(20_001);
    let refused = unit.events().register_public(id, &third, &public(1, NOW), NOW + Duration::hours(27)).await;
    assert!(matches!(refused, Err(StoreError::Conflict(c)) if c == "already_registered"));
    drop(unit);
    // Another address registers; the sweep deletes what expired unconfirmed, with its links, in one entry.
    let other = register_public(&db, id, 2, NOW).await.unwrap();
    db.store
        .create_registration_link(
            other.id,
            RegistrationLinkPurpose::OptIn,
            "hash-of-other",
            NOW,
            NOW + Duration::hours(24),
        )
        .await
        .unwrap();
    assert!(db.store.registration_by_link("hash-of-other", RegistrationLinkPurpose::OptIn).await.unwrap().is_some());
    assert!(db.store.registration_by_link("hash-of-other", RegistrationLinkPurpose::Offer).await.unwrap().is_none());
    let sweep = system_change("prune_unconfirmed", "event_registration");
    assert_eq!(db.store.prune_unconfirmed(NOW + Duration::hours(23), &sweep).await.unwrap(), 0);
    let before = db.store.list_audit(&AuditFilter::default(), Page::first(1)).await.unwrap().total;
    assert_eq!(db.store.prune_unconfirmed(NOW + Duration::hours(24), &sweep).await.unwrap(), 1);
    assert!(db.store.registration(other.id).await.unwrap().is_none());
    assert!(db.store.registration_by_link("hash-of-other", RegistrationLinkPurpose::OptIn).await.unwrap().is_none());
    assert_eq!(db.store.registration(second.id).await.unwrap().unwrap().status, RegistrationStatus::Confirmed);
    let entries = db.store.list_audit(&AuditFilter::default(), Page::first(1)).await.unwrap();
    assert_eq!(entries.total, before + 1);
    assert_eq!(entries.items[0].action, "prune_unconfirmed");
}

async fn concurrent_opt_ins_and_registrations_never_overbook(db: TestDb) {
    let id = public_event(&db, Some(20), false).await;
    let mut unconfirmed = Vec::new();
    for n in 0..40 {
        unconfirmed.push(register_public(&db, id, n, NOW).await.unwrap().id);
    }
    let store: Arc<dyn Store> = db.shared();
    let mut tasks = Vec::new();
    for (n, rid) in unconfirmed.into_iter().enumerate() {
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut unit = s.begin().await.unwrap();
            let r = unit.events().confirm_opt_in(rid, NOW + Duration::minutes(1)).await.unwrap();
            unit.commit(&system_change("confirm_opt_in", "event_registration")).await.unwrap();
            r.status
        }));
        let s = store.clone();
        tasks.push(tokio::spawn(async move {
            let change = system_change("register", "event_registration");
            s.register(id, &registration(&code_of(n), 1), NOW, &change).await.unwrap().status
        }));
    }
    let mut held = 0;
    for t in tasks {
        if t.await.unwrap() == RegistrationStatus::Confirmed {
            held += 1;
        }
    }
    assert_eq!(held, 20);
    assert_eq!(db.store.event(id).await.unwrap().unwrap().seats_taken, 20);
    let all = db.store.registrations(id).await.unwrap();
    assert_eq!(all.iter().filter(|r| r.status == RegistrationStatus::Waitlisted).count(), 60);
}

async fn moderation_holds_seats_confirms_and_a_rejection_offers_the_line(db: TestDb) {
    let id = public_event(&db, Some(1), true).await;
    let change = system_change("register", "event_registration");
    let first = db.store.register(id, &registration(&code_of(1), 1), NOW, &change).await.unwrap();
    assert_eq!(first.status, RegistrationStatus::Pending, "under moderation a registration that fits waits");
    assert_eq!(db.store.event(id).await.unwrap().unwrap().seats_taken, 1, "and holds its seat");
    let second = db.store.register(id, &registration(&code_of(2), 1), NOW, &change).await.unwrap();
    assert_eq!(second.status, RegistrationStatus::Waitlisted);
    let until = NOW + Duration::hours(48);
    let template = system_change("offer_from_waitlist", "event_registration");
    // Approving a waiting registration is refused; rejecting the pending one offers its seat onwards.
    let mut unit = db.store.begin().await.unwrap();
    let refused = unit.events().moderate(second.id, true, until, &template).await;
    assert!(matches!(refused, Err(StoreError::Conflict(c)) if c == "registration_not_pending"));
    drop(unit);
    let mut unit = db.store.begin().await.unwrap();
    let (rejected, offered) = unit.events().moderate(first.id, false, until, &template).await.unwrap();
    unit.commit(&system_change("reject", "event_registration")).await.unwrap();
    assert_eq!(rejected.status, RegistrationStatus::Rejected);
    assert_eq!(offered.iter().map(|r| r.id).collect::<Vec<_>>(), vec![second.id]);
    assert_eq!(db.store.registration(second.id).await.unwrap().unwrap().offer_expires_at, Some(until));
    // A taken offer of a moderated event still waits for approval, holding the seat; approval confirms it.
    let accept =
        system_change("accept_offer", "event_registration").after(serde_json::json!({ "status": "confirmed" }));
    let taken = db.store.accept_offer(second.id, NOW, &accept).await.unwrap();
    assert_eq!(taken.status, RegistrationStatus::Pending);
    let entry = db.store.list_audit(&AuditFilter::default(), Page::first(1)).await.unwrap().items.remove(0);
    assert_eq!(entry.after.unwrap()["status"], "pending", "the entry says where it landed");
    let mut unit = db.store.begin().await.unwrap();
    let (approved, offered) = unit.events().moderate(second.id, true, until, &template).await.unwrap();
    unit.commit(&system_change("approve", "event_registration")).await.unwrap();
    assert_eq!((approved.status, offered.len()), (RegistrationStatus::Confirmed, 0));
    assert_eq!(db.store.event(id).await.unwrap().unwrap().seats_taken, 1);
    // A rejected registration is not rejected twice, nor cancelled; a waiting one may be rejected.
    let mut unit = db.store.begin().await.unwrap();
    let again = unit.events().moderate(first.id, false, until, &template).await;
    assert!(matches!(again, Err(StoreError::Conflict(c)) if c == "registration_not_pending"));
    drop(unit);
    assert!(db.store.cancel_registration(first.id, until, &change).await.is_err());
    let third = db.store.register(id, &registration(&code_of(3), 1), NOW, &change).await.unwrap();
    let mut unit = db.store.begin().await.unwrap();
    let (r, offered) = unit.events().moderate(third.id, false, until, &template).await.unwrap();
    unit.commit(&system_change("reject", "event_registration")).await.unwrap();
    assert_eq!((r.status, offered.len()), (RegistrationStatus::Rejected, 0));
}

async fn two_hundred_concurrent_registrations_fill_fifty_moderated_seats_exactly(db: TestDb) {
    let id = public_event(&db, Some(50), true).await;
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
    let pending = answers.iter().filter(|r| r.status == RegistrationStatus::Pending).count();
    let waiting = answers.iter().filter(|r| r.status == RegistrationStatus::Waitlisted).count();
    assert_eq!((pending, waiting), (50, 150));
    assert_eq!(db.store.event(id).await.unwrap().unwrap().seats_taken, 50);
    // Rejecting ten pending registrations at once offers exactly ten seats, first in line first.
    let pending: Vec<_> = answers.iter().filter(|r| r.status == RegistrationStatus::Pending).map(|r| r.id).collect();
    let mut tasks = Vec::new();
    for rid in pending.into_iter().take(10) {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut unit = store.begin().await.unwrap();
            let template = system_change("offer_from_waitlist", "event_registration");
            let (_, offered) = unit.events().moderate(rid, false, NOW + Duration::hours(48), &template).await.unwrap();
            unit.commit(&system_change("reject", "event_registration")).await.unwrap();
            offered.len()
        }));
    }
    let mut offered = 0;
    for t in tasks {
        offered += t.await.unwrap();
    }
    assert_eq!(offered, 10);
    let all = db.store.registrations(id).await.unwrap();
    assert_eq!(all.iter().filter(|r| r.status.holds_seats()).map(Registration::seats).sum::<i64>(), 50);
    let line: Vec<_> = all.iter().filter(|r| r.status == RegistrationStatus::Waitlisted).map(|r| r.id).collect();
    let offers: Vec<_> = all.iter().filter(|r| r.status == RegistrationStatus::Offered).map(|r| r.id).collect();
    assert!(offers.iter().max() < line.iter().min(), "the first ten waiting were offered");
}

/// The audit entries of a pruned registration name its id; a later registration must not get that id (SQLite
/// without AUTOINCREMENT hands out the highest freed rowid again: migration 0050).
async fn pruned_registration_ids_are_never_handed_out_again(db: TestDb) {
    let id = public_event(&db, Some(10), false).await;
    let mut pruned = Vec::new();
    for n in 1..=3 {
        pruned.push(register_public(&db, id, n, NOW).await.unwrap().id);
    }
    let sweep = system_change("prune_unconfirmed", "event_registration");
    assert_eq!(db.store.prune_unconfirmed(NOW + Duration::hours(24), &sweep).await.unwrap(), 3);
    for gone in &pruned {
        assert!(db.store.registration(*gone).await.unwrap().is_none());
    }
    let later = NOW + Duration::hours(25);
    let mut fresh = vec![register_public(&db, id, 4, later).await.unwrap().id];
    // The same address as a pruned one, and a signed-in registration: neither takes a pruned id.
    fresh.push(register_public(&db, id, 1, later).await.unwrap().id);
    let signed_in = db
        .store
        .register(id, &registration(&code_of(30_000), 1), later, &system_change("register", "event_registration"))
        .await
        .unwrap();
    fresh.push(signed_in.id);
    for new in &fresh {
        assert!(!pruned.contains(new), "{new:?} was the id of a pruned registration ({pruned:?})");
        assert!(new.0 > pruned.iter().map(|p| p.0).max().unwrap());
    }
}
