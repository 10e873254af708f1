//! Delegations and protocol: every store method on both engines, and the service's rules — who sees the
//! whole record, what the public part leaves out, who writes, and the field errors.

use ldp_core::domain::delegation::{DelegationDetails, GiftDirection, NewGift, NewParticipant, Side};
use ldp_core::domain::{Actor, AuditFilter, Change, EventId, EventKind, EventStatus, Localized, Page, Role};
use ldp_core::services::ServiceError;
use ldp_core::services::delegations::{Delegations, DetailsInput, GiftInput, ParticipantInput};
use ldp_core::store::StoreError;
use ldp_core::store::prelude::*;
use ldp_testkit::{NOW, TestDb, both_backends};
use time::macros::date;

use crate::events::{actor, fields};

both_backends!(seeded =>
    a_visits_record_is_stored_replaced_and_audited,
    the_public_sees_a_published_visit_without_protocol_contacts_or_gifts,
    staff_and_the_host_representative_write_others_are_refused,
    bad_input_is_named_field_by_field,
);

fn change(action: &str, record_type: &'static str) -> Change {
    Change::new(&Actor::system("test"), NOW, action, record_type)
}

async fn visit(db: &TestDb, kind: EventKind, status: EventStatus) -> EventId {
    let f = fields(db, kind, None).await;
    let id = db.store.create_event(&f, EventStatus::Draft, None, NOW, &change("create", "event")).await.unwrap();
    if status != EventStatus::Draft {
        db.store.set_event_status(id, status, NOW, &change("publish", "event")).await.unwrap();
    }
    id
}

fn person(name: &str, side: Side, precedence: i64) -> NewParticipant {
    NewParticipant {
        side,
        precedence,
        name: name.into(),
        title: "Belediye Başkanı".into(),
        organisation: "Stadt Darmstadt".into(),
        country: "DE".into(),
        email: "b@darmstadt.de".into(),
        phone: "+49 6151 1150".into(),
    }
}

async fn a_visits_record_is_stored_replaced_and_audited(db: TestDb) {
    let id = visit(&db, EventKind::IncomingDelegation, EventStatus::Draft).await;
    let empty = db.store.delegation(id).await.unwrap();
    assert_eq!(empty.details, DelegationDetails::default());
    assert!(empty.participants.is_empty() && empty.gifts.is_empty() && empty.updated_at.is_none());

    let mut details = DelegationDetails {
        purpose: Localized::new("Kardeş şehir ilişkisinin 30. yılı", "30 years of twinning"),
        programme: Localized::new("10:00 Karşılama\n14:00 Çalıştay", ""),
        outcome: Localized::default(),
        precedence: "Başkan, Vali Yardımcısı, Meclis Üyeleri".into(),
        interpreters: "Almanca ardıl çeviri".into(),
        flags: vec!["TR".into(), "DE".into()],
    };
    db.store.save_delegation(id, &details, NOW, &change("update", "delegation")).await.unwrap();
    details.outcome = Localized::new("Ortak gençlik kampı kararlaştırıldı", "A joint youth camp was agreed");
    db.store.save_delegation(id, &details, NOW, &change("update", "delegation")).await.unwrap();
    let saved = db.store.delegation(id).await.unwrap();
    assert_eq!(saved.details, details, "the second save replaces the first");
    assert_eq!(saved.updated_at, Some(NOW));

    // Guests first, each side in order of precedence.
    let host = db
        .store
        .add_participant(id, &person("Ayşe Yılmaz", Side::Host, 1), &change("create", "delegation_participant"))
        .await
        .unwrap();
    let second = db
        .store
        .add_participant(id, &person("Jörg Müller", Side::Guest, 2), &change("create", "delegation_participant"))
        .await
        .unwrap();
    let first = db
        .store
        .add_participant(id, &person("Hanno Benz", Side::Guest, 1), &change("create", "delegation_participant"))
        .await
        .unwrap();
    let order: Vec<i64> = db.store.delegation(id).await.unwrap().participants.iter().map(|p| p.id).collect();
    assert_eq!(order, [first, second, host]);

    let gift = NewGift {
        direction: GiftDirection::Received,
        given_on: date!(2026 - 11 - 20),
        description: "Kristal vazo".into(),
        counterpart: "Stadt Darmstadt".into(),
        value: Some("1250.50".into()),
        currency: "EUR".into(),
    };
    let g = db.store.add_gift(id, &gift, &change("create", "delegation_gift")).await.unwrap();
    let stored = db.store.delegation(id).await.unwrap().gifts;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].gift, gift, "the value comes back as the exact decimal text");

    assert!(db.store.remove_participant(id, second, &change("delete", "delegation_participant")).await.unwrap());
    assert!(!db.store.remove_participant(id, second, &change("delete", "delegation_participant")).await.unwrap());
    let other = visit(&db, EventKind::StudyVisit, EventStatus::Draft).await;
    assert!(!db.store.remove_gift(other, g, &change("delete", "delegation_gift")).await.unwrap(), "not that visit's");
    assert!(db.store.remove_gift(id, g, &change("delete", "delegation_gift")).await.unwrap());
    let missing = EventId(i64::MAX);
    match db.store.add_gift(missing, &gift, &change("create", "delegation_gift")).await {
        Err(StoreError::Conflict(c)) => assert_eq!(c, "event_not_found"),
        other => panic!("{other:?}"),
    }
    match db.store.save_delegation(missing, &details, NOW, &change("update", "delegation")).await {
        Err(StoreError::Conflict(c)) => assert_eq!(c, "event_not_found"),
        other => panic!("{other:?}"),
    }
    // Each write that happened has its entry; the refused ones and the no-op removal have none.
    for (record_type, expected) in [("delegation", 2), ("delegation_participant", 4), ("delegation_gift", 2)] {
        let filter = AuditFilter { record_type: Some(record_type.into()), ..Default::default() };
        assert_eq!(db.store.list_audit(&filter, Page::first(100)).await.unwrap().total, expected, "{record_type}");
    }
}

fn service(db: &TestDb) -> Delegations {
    Delegations::new(db.shared(), ldp_testkit::clock())
}

fn guest() -> ParticipantInput {
    ParticipantInput {
        side: Some("guest".into()),
        rank: Some("1".into()),
        name: Some("Hanno Benz".into()),
        title: Some("Oberbürgermeister".into()),
        organisation: Some("Stadt Darmstadt".into()),
        country: Some("de".into()),
        email: Some("hanno.benz@darmstadt.de".into()),
        phone: Some("+49 6151 1150".into()),
    }
}

fn vase() -> GiftInput {
    GiftInput {
        direction: Some("given".into()),
        given_on: Some("2026-11-20".into()),
        description: Some("İznik çinisi tabak".into()),
        counterpart: Some("Hanno Benz".into()),
        value: Some("4.500,00".into()),
        currency: Some("try".into()),
    }
}

async fn the_public_sees_a_published_visit_without_protocol_contacts_or_gifts(db: TestDb) {
    let s = service(&db);
    let staff = actor(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let id = visit(&db, EventKind::IncomingDelegation, EventStatus::Draft).await;
    let details = DetailsInput {
        purpose_tr: Some("Kardeş şehir yıl dönümü".into()),
        precedence: Some("Başkan önce".into()),
        interpreters: Some("Almanca".into()),
        flags: Some("tr, DE".into()),
        ..DetailsInput::default()
    };
    s.save(&staff, id, &details).await.unwrap();
    s.add_participant(&staff, id, &guest()).await.unwrap();
    s.add_gift(&staff, id, &vase()).await.unwrap();

    let visitor = Actor::visitor(None);
    assert!(matches!(s.get(&visitor, id).await, Err(ServiceError::NotFound)), "a draft visit is not public");
    let event = db.store.event(id).await.unwrap().unwrap();
    assert!(s.public(&event).await.unwrap().is_none());
    db.store.set_event_status(id, EventStatus::Published, NOW, &change("publish", "event")).await.unwrap();

    let (_, public, access) = s.get(&visitor, id).await.unwrap();
    assert!(!access.full && !access.edits);
    assert_eq!(public.details.purpose.tr, "Kardeş şehir yıl dönümü");
    assert!(public.details.precedence.is_empty() && public.details.interpreters.is_empty());
    assert!(public.details.flags.is_empty() && public.gifts.is_empty(), "protocol and gifts stay internal");
    assert_eq!(public.participants[0].person.name, "Hanno Benz");
    assert_eq!(public.participants[0].person.country, "DE");
    assert!(public.participants[0].person.email.is_empty() && public.participants[0].person.phone.is_empty());

    let (_, whole, access) = s.get(&staff, id).await.unwrap();
    assert!(access.full);
    assert_eq!(whole.details.flags, ["TR", "DE"]);
    assert_eq!(whole.participants[0].person.email, "hanno.benz@darmstadt.de");
    assert_eq!(whole.gifts[0].gift.value.as_deref(), Some("4500.00"), "4.500,00 read as four thousand five hundred");
    assert_eq!(whole.gifts[0].gift.currency, "TRY");
    // A training is not a visit: it has no record.
    let training = visit(&db, EventKind::Training, EventStatus::Published).await;
    assert!(matches!(s.get(&staff, training).await, Err(ServiceError::NotFound)));
}

async fn staff_and_the_host_representative_write_others_are_refused(db: TestDb) {
    let s = service(&db);
    let host = actor(&db, "temsilci@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let other = actor(&db, "temsilci@osmangazi.bel.tr", Role::Representative, &["bursa-osmangazi"]).await;
    let auditor = actor(&db, "denetci@mmu.org.tr", Role::Auditor, &[]).await;
    let id = visit(&db, EventKind::OutgoingDelegation, EventStatus::Draft).await;

    // The host's representative sees and keeps their municipality's visit, drafts included.
    assert!(s.list(&host).await.unwrap().iter().any(|e| e.id == id));
    let p = s.add_participant(&host, id, &guest()).await.unwrap();
    s.add_gift(&host, id, &vase()).await.unwrap();
    let (_, whole, access) = s.get(&host, id).await.unwrap();
    assert!(access.full && access.edits && whole.gifts.len() == 1);

    // Another member's representative does not see a draft, nor edit a published visit.
    assert!(!s.list(&other).await.unwrap().iter().any(|e| e.id == id));
    assert!(matches!(s.get(&other, id).await, Err(ServiceError::NotFound)));
    db.store.set_event_status(id, EventStatus::Published, NOW, &change("publish", "event")).await.unwrap();
    let (_, seen, access) = s.get(&other, id).await.unwrap();
    assert!(!access.full && seen.gifts.is_empty());
    assert!(matches!(s.add_gift(&other, id, &vase()).await, Err(ServiceError::Forbidden)));
    assert!(matches!(s.remove_participant(&other, id, p).await, Err(ServiceError::Forbidden)));
    // An auditor reads everything and writes nothing.
    assert!(s.get(&auditor, id).await.unwrap().2.full);
    assert!(matches!(s.add_participant(&auditor, id, &guest()).await, Err(ServiceError::Forbidden)));
    assert!(matches!(s.remove_participant(&host, id, i64::MAX).await, Err(ServiceError::NotFound)));
    s.remove_participant(&host, id, p).await.unwrap();
    assert!(s.get(&host, id).await.unwrap().1.participants.is_empty());
    // The log names the host municipality on each entry, so it shows in the representative's own history.
    let filter = AuditFilter { record_type: Some("delegation_gift".into()), ..Default::default() };
    let entries = db.store.list_audit(&filter, Page::first(10)).await.unwrap().items;
    assert_eq!(entries.len(), 1);
    assert!(entries[0].municipality_id.is_some());
}

async fn bad_input_is_named_field_by_field(db: TestDb) {
    let s = service(&db);
    let staff = actor(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let id = visit(&db, EventKind::IncomingDelegation, EventStatus::Draft).await;
    let bad = ParticipantInput {
        side: Some("spy".into()),
        rank: Some("first".into()),
        name: Some(" ".into()),
        country: Some("XX".into()),
        email: Some("not-an-address".into()),
        phone: Some("call me".into()),
        ..ParticipantInput::default()
    };
    match s.add_participant(&staff, id, &bad).await {
        Err(ServiceError::Invalid(e)) => {
            for (field, code) in [
                ("side", "invalid_choice"),
                ("rank", "invalid_number"),
                ("name", "required"),
                ("country", "unknown_country"),
                ("email", "invalid_email"),
                ("phone", "invalid_phone"),
            ] {
                assert_eq!(e.fields.get(field).map(String::as_str), Some(code), "{field}");
            }
        }
        other => panic!("{other:?}"),
    }
    let bad = GiftInput {
        direction: None,
        given_on: Some("2026-12-31".into()),
        description: None,
        value: Some("-5".into()),
        currency: Some("EURO".into()),
        ..GiftInput::default()
    };
    match s.add_gift(&staff, id, &bad).await {
        Err(ServiceError::Invalid(e)) => {
            for (field, code) in [
                ("direction", "required"),
                ("given_on", "date_in_future"),
                ("description", "required"),
                ("value", "invalid_amount"),
            ] {
                assert_eq!(e.fields.get(field).map(String::as_str), Some(code), "{field}");
            }
            assert!(e.fields.contains_key("currency"));
        }
        other => panic!("{other:?}"),
    }
    let bad = DetailsInput { flags: Some("TR, Germany".into()), ..DetailsInput::default() };
    match s.save(&staff, id, &bad).await {
        Err(ServiceError::Invalid(e)) => {
            assert_eq!(e.fields["flags"], "invalid_country_code");
            assert_eq!(e.fields["purpose_tr"], "required");
        }
        other => panic!("{other:?}"),
    }
    let stored = db.store.delegation(id).await.unwrap();
    assert!(
        stored.participants.is_empty() && stored.gifts.is_empty() && stored.updated_at.is_none(),
        "nothing half-written"
    );
}
