//! The contact capability's storage: messages routed by the rules as they stand, the per-client count, the
//! inbox's filters and open count, status and assignee changes, notes and replies (a reply marks the message
//! answered), each write with its audit entry and the contact topic's version moved.

use time::{Duration, OffsetDateTime};

use ldp_core::domain::contact::{
    ContactFields, ContactTopic, Disposal, DisposalAction, DisposalTarget, MessageFilter, MessageStatus, MessageUpdate,
    NewContactMessage, NewNote, NoteKind,
};
use ldp_core::domain::{Actor, AuditFilter, Change, Lang, NewUser, Page, Role, UserId};
use ldp_core::feed::{FeedStore, Topic};
use ldp_core::store::prelude::*;
use ldp_testkit::{TestDb, both_backends};

both_backends!(empty =>
    messages_are_routed_by_the_rules_as_they_stand,
    the_client_count_sees_only_its_window,
    the_inbox_filters_counts_and_changes_status,
    notes_and_replies_are_kept_and_a_reply_answers,
    a_unit_dropped_keeps_no_message,
    retention_anonymises_closed_messages_once_and_logs_them,
    erasure_anonymises_every_message_of_an_address,
    two_disposals_at_once_dispose_of_each_message_once,
);

const NOW: OffsetDateTime = ldp_testkit::NOW;

fn new_message(
    reference: &str,
    topic: ContactTopic,
    email: &str,
    client: Option<&str>,
    at: OffsetDateTime,
) -> NewContactMessage {
    NewContactMessage {
        reference: reference.into(),
        created_at: at,
        lang: Lang::Tr,
        fields: ContactFields {
            name: "Ayşe Yılmaz".into(),
            email: email.into(),
            organisation: "Örnek Derneği".into(),
            topic,
            body: "Kardeş şehir başvurusu hakkında bilgi rica ediyorum.".into(),
        },
        email_key: email.to_lowercase(),
        municipality: None,
        consent_version: "2026-12-02".into(),
        client_key: client.map(str::to_owned),
    }
}

fn change(action: &str, record_type: &'static str) -> Change {
    Change::new(&Actor::system("test"), NOW, action, record_type)
}

/// Stores a message in a unit of its own, as the service does.
async fn store_message(db: &TestDb, m: &NewContactMessage) -> ldp_core::domain::contact::ContactMessage {
    let mut unit = db.store.begin().await.unwrap();
    let stored = unit.contact().insert_contact_message(m).await.unwrap();
    unit.commit(&change("create", "contact_message").record(stored.id)).await.unwrap();
    stored
}

async fn staff(db: &TestDb, email: &str) -> UserId {
    let new = NewUser {
        email: email.into(),
        email_folded: email.into(),
        name: "Personel".into(),
        role: Role::Staff,
        municipalities: vec![],
        password_hash: None,
    };
    db.store.create_user(&new, &change("create", "user")).await.unwrap()
}

async fn messages_are_routed_by_the_rules_as_they_stand(db: TestDb) {
    let s = db.store.as_ref();
    let rules = s.contact_rules().await.unwrap();
    assert_eq!(rules.iter().map(|r| r.topic).collect::<Vec<_>>(), ContactTopic::ALL.to_vec(), "every topic, in order");
    assert!(rules.iter().all(|r| r.team == "secretariat"));
    let before = s.data_versions().await.unwrap().get(Topic::Contact);
    s.set_contact_rule(
        ContactTopic::Press,
        "Basın ve halkla ilişkiler",
        &change("update", "contact_rule").record("press"),
    )
    .await
    .unwrap();
    assert!(s.data_versions().await.unwrap().get(Topic::Contact) > before, "the rule moved the contact topic");
    let press =
        store_message(&db, &new_message("2026-AAAA-0001", ContactTopic::Press, "a@example.org", None, NOW)).await;
    let other =
        store_message(&db, &new_message("2026-AAAA-0002", ContactTopic::Other, "b@example.org", None, NOW)).await;
    assert_eq!(press.team, "Basın ve halkla ilişkiler");
    assert_eq!(other.team, "secretariat");
    assert_eq!((press.status, press.consent_version.as_str()), (MessageStatus::New, "2026-12-02"));
    // A later rule change leaves routed messages where they are.
    s.set_contact_rule(ContactTopic::Press, "Dış ilişkiler", &change("update", "contact_rule").record("press"))
        .await
        .unwrap();
    let again = s.contact_message(press.id).await.unwrap().unwrap();
    assert_eq!(again, press);
    assert_eq!(
        s.contact_rules().await.unwrap().iter().find(|r| r.topic == ContactTopic::Press).unwrap().team,
        "Dış ilişkiler"
    );
    let entries = s
        .list_audit(&AuditFilter { record_type: Some("contact_rule".into()), ..Default::default() }, Page::first(10))
        .await
        .unwrap();
    assert_eq!(entries.items.len(), 2);
    // A duplicate reference is refused.
    let mut unit = s.begin().await.unwrap();
    assert!(
        unit.contact()
            .insert_contact_message(&new_message("2026-AAAA-0001", ContactTopic::Other, "c@example.org", None, NOW))
            .await
            .is_err()
    );
}

async fn the_client_count_sees_only_its_window(db: TestDb) {
    store_message(
        &db,
        &new_message("2026-BBBB-0001", ContactTopic::Other, "a@example.org", Some("k1"), NOW - Duration::hours(2)),
    )
    .await;
    store_message(&db, &new_message("2026-BBBB-0002", ContactTopic::Other, "a@example.org", Some("k1"), NOW)).await;
    store_message(&db, &new_message("2026-BBBB-0003", ContactTopic::Other, "a@example.org", Some("k2"), NOW)).await;
    let mut unit = db.store.begin().await.unwrap();
    assert_eq!(unit.contact().contact_messages_from("k1", NOW - Duration::hours(1)).await.unwrap(), 1);
    assert_eq!(unit.contact().contact_messages_from("k1", NOW - Duration::hours(3)).await.unwrap(), 2);
    assert_eq!(unit.contact().contact_messages_from("k3", NOW - Duration::hours(3)).await.unwrap(), 0);
}

async fn the_inbox_filters_counts_and_changes_status(db: TestDb) {
    let s = db.store.as_ref();
    let user = staff(&db, "personel@example.org").await;
    let a = store_message(&db, &new_message("2026-CCCC-0001", ContactTopic::Press, "a@example.org", None, NOW)).await;
    let b = store_message(
        &db,
        &new_message("2026-CCCC-0002", ContactTopic::Membership, "B@Example.org", None, NOW + Duration::minutes(1)),
    )
    .await;
    assert_eq!(s.open_contact_messages().await.unwrap(), 2);
    let all = s.contact_messages(&MessageFilter { page: Page::first(10), ..Default::default() }).await.unwrap();
    assert_eq!(all.items.iter().map(|m| m.id).collect::<Vec<_>>(), vec![b.id, a.id], "newest first");
    assert_eq!(all.total, 2);
    let press = MessageFilter { topic: Some(ContactTopic::Press), page: Page::first(10), ..Default::default() };
    assert_eq!(s.contact_messages(&press).await.unwrap().items, vec![a.clone()]);
    let by_email =
        MessageFilter { email_key: Some("b@example.org".into()), page: Page::first(10), ..Default::default() };
    assert_eq!(s.contact_messages(&by_email).await.unwrap().items.len(), 1);
    let assigned = MessageUpdate { status: MessageStatus::Assigned, assignee: Some(user), at: NOW };
    assert!(
        s.update_contact_message(a.id, &assigned, &change("update", "contact_message").record(a.id)).await.unwrap()
    );
    let mine = MessageFilter { assignee: Some(user), page: Page::first(10), ..Default::default() };
    assert_eq!(s.contact_messages(&mine).await.unwrap().items.len(), 1);
    let closed = MessageUpdate { status: MessageStatus::Closed, assignee: Some(user), at: NOW + Duration::hours(1) };
    assert!(s.update_contact_message(a.id, &closed, &change("update", "contact_message").record(a.id)).await.unwrap());
    let a2 = s.contact_message(a.id).await.unwrap().unwrap();
    assert_eq!((a2.status, a2.closed_at), (MessageStatus::Closed, Some(NOW + Duration::hours(1))));
    assert_eq!(s.open_contact_messages().await.unwrap(), 1);
    let open = MessageFilter { open_only: true, page: Page::first(10), ..Default::default() };
    assert_eq!(s.contact_messages(&open).await.unwrap().items.iter().map(|m| m.id).collect::<Vec<_>>(), vec![b.id]);
    let closed_only =
        MessageFilter { status: Some(MessageStatus::Closed), page: Page::first(10), ..Default::default() };
    assert_eq!(s.contact_messages(&closed_only).await.unwrap().total, 1);
    // Reopening clears the closing time.
    let reopened =
        MessageUpdate { status: MessageStatus::Assigned, assignee: Some(user), at: NOW + Duration::hours(2) };
    assert!(
        s.update_contact_message(a.id, &reopened, &change("update", "contact_message").record(a.id)).await.unwrap()
    );
    assert_eq!(s.contact_message(a.id).await.unwrap().unwrap().closed_at, None);
    assert!(
        !s.update_contact_message(9999, &reopened, &change("update", "contact_message").record(9999)).await.unwrap()
    );
    let entries = s
        .list_audit(
            &AuditFilter {
                record_type: Some("contact_message".into()),
                record_id: Some(a.id.to_string()),
                ..Default::default()
            },
            Page::first(10),
        )
        .await
        .unwrap();
    assert_eq!(entries.items.len(), 4, "created, assigned, closed, reopened");
}

async fn notes_and_replies_are_kept_and_a_reply_answers(db: TestDb) {
    let s = db.store.as_ref();
    let m = store_message(&db, &new_message("2026-DDDD-0001", ContactTopic::Press, "a@example.org", None, NOW)).await;
    let note = NewNote {
        message: m.id,
        at: NOW,
        author: None,
        author_label: "system:test".into(),
        kind: NoteKind::Note,
        body: "Basın bültenine eklenecek.".into(),
    };
    let id = s.add_contact_note(&note, &change("create", "contact_note")).await.unwrap();
    assert_eq!(s.contact_message(m.id).await.unwrap().unwrap().status, MessageStatus::New, "a note answers nothing");
    let reply = NewNote {
        kind: NoteKind::Reply,
        body: "Teşekkürler, bülten ekte.".into(),
        at: NOW + Duration::minutes(5),
        ..note.clone()
    };
    let mut unit = s.begin().await.unwrap();
    let reply_id = unit.contact().insert_contact_note(&reply).await.unwrap();
    unit.commit(&change("reply", "contact_message").record(m.id)).await.unwrap();
    let notes = s.contact_notes(m.id).await.unwrap();
    assert_eq!(
        notes.iter().map(|n| (n.id, n.kind)).collect::<Vec<_>>(),
        vec![(id, NoteKind::Note), (reply_id, NoteKind::Reply)]
    );
    assert_eq!(notes[1].body, "Teşekkürler, bülten ekte.");
    assert_eq!(s.contact_message(m.id).await.unwrap().unwrap().status, MessageStatus::Answered);
    let orphan = NewNote { message: 9999, ..note };
    assert!(s.add_contact_note(&orphan, &change("create", "contact_note")).await.is_err(), "no such message");
}

async fn a_unit_dropped_keeps_no_message(db: TestDb) {
    let s = db.store.as_ref();
    {
        let mut unit = s.begin().await.unwrap();
        unit.contact()
            .insert_contact_message(&new_message("2026-EEEE-0001", ContactTopic::Other, "a@example.org", None, NOW))
            .await
            .unwrap();
    }
    assert_eq!(s.open_contact_messages().await.unwrap(), 0);
}

async fn close(db: &TestDb, id: i64, at: OffsetDateTime) {
    let update = MessageUpdate { status: MessageStatus::Closed, assignee: None, at };
    assert!(db.store.update_contact_message(id, &update, &change("update", "contact_message")).await.unwrap());
}

fn retention(before: OffsetDateTime) -> Disposal {
    Disposal {
        target: DisposalTarget::ClosedBefore(before),
        action: DisposalAction::Anonymised,
        actor: "system:retention".into(),
        at: NOW,
    }
}

async fn disposal_audits(db: &TestDb) -> Vec<ldp_core::domain::AuditEntry> {
    let filter = AuditFilter { record_type: Some("contact_disposal".into()), ..AuditFilter::default() };
    db.store.list_audit(&filter, Page::default()).await.unwrap().items
}

async fn retention_anonymises_closed_messages_once_and_logs_them(db: TestDb) {
    let s = db.store.as_ref();
    let at = |days: i64| NOW - Duration::days(days);
    let old = store_message(
        &db,
        &new_message("2024-RRRR-0001", ContactTopic::Other, "ayse@example.org", Some("c1"), at(900)),
    )
    .await;
    let younger =
        store_message(&db, &new_message("2024-RRRR-0002", ContactTopic::Press, "can@example.org", None, at(800))).await;
    let open =
        store_message(&db, &new_message("2024-RRRR-0003", ContactTopic::Press, "can@example.org", None, at(850))).await;
    close(&db, old.id, at(800)).await;
    close(&db, younger.id, at(700)).await;
    let note = NewNote {
        message: old.id,
        at: at(800),
        author: None,
        author_label: "Personel".into(),
        kind: NoteKind::Reply,
        body: "Sayın Ayşe Hanım, başvurunuz alındı.".into(),
    };
    s.add_contact_note(&note, &change("create", "contact_note")).await.unwrap();
    let version = s.data_versions().await.unwrap().get(Topic::Contact);

    let done = s.dispose_contact_messages(&retention(at(730)), &change("anonymise", "contact_disposal")).await.unwrap();
    assert_eq!(done, vec!["2024-RRRR-0001".to_owned()], "only the message closed before the cut-off");
    let m = s.contact_message(old.id).await.unwrap().unwrap();
    assert_eq!((m.name.as_str(), m.email.as_str(), m.organisation.as_str(), m.body.as_str()), ("", "", "", ""));
    assert_eq!(m.anonymised_at, Some(NOW));
    assert_eq!(m.reference, "2024-RRRR-0001", "the reference stays");
    assert_eq!(
        (m.topic, m.status, m.consent_version.as_str()),
        (ContactTopic::Other, MessageStatus::Closed, "2026-12-02")
    );
    assert_eq!(m.closed_at, Some(at(800)), "the closing date stays");
    assert!(s.contact_notes(old.id).await.unwrap().iter().all(|n| n.body.is_empty()), "replies blanked");
    let by_address = MessageFilter { email_key: Some("ayse@example.org".into()), ..MessageFilter::default() };
    assert_eq!(s.contact_messages(&by_address).await.unwrap().total, 0, "the address is gone");
    {
        let mut unit = s.begin().await.unwrap();
        let from_client = unit.contact().contact_messages_from("c1", NOW - Duration::days(10_000)).await.unwrap();
        assert_eq!(from_client, 0, "the client key is gone");
    }
    for untouched in [younger.id, open.id] {
        let m = s.contact_message(untouched).await.unwrap().unwrap();
        assert!(m.anonymised_at.is_none() && !m.name.is_empty());
    }
    assert!(s.data_versions().await.unwrap().get(Topic::Contact) > version, "the feed moved");

    let log = s.contact_disposals(Page::default()).await.unwrap();
    assert_eq!(log.total, 1);
    let entry = &log.items[0];
    assert_eq!(
        (entry.reference.as_str(), entry.action, entry.actor.as_str(), entry.at, entry.received_at, entry.closed_at),
        ("2024-RRRR-0001", DisposalAction::Anonymised, "system:retention", NOW, at(900), Some(at(800)))
    );
    let audits = disposal_audits(&db).await;
    assert_eq!(audits.len(), 1);
    assert_eq!(audits[0].after.as_ref().unwrap()["references"], serde_json::json!(["2024-RRRR-0001"]));

    let version = s.data_versions().await.unwrap().get(Topic::Contact);
    let again =
        s.dispose_contact_messages(&retention(at(730)), &change("anonymise", "contact_disposal")).await.unwrap();
    assert!(again.is_empty(), "a second run finds nothing");
    assert_eq!(s.contact_disposals(Page::default()).await.unwrap().total, 1, "and logs nothing");
    assert_eq!(disposal_audits(&db).await.len(), 1, "nor audits");
    assert_eq!(s.data_versions().await.unwrap().get(Topic::Contact), version, "nor moves the feed");
}

async fn erasure_anonymises_every_message_of_an_address(db: TestDb) {
    let s = db.store.as_ref();
    let closed = store_message(
        &db,
        &new_message("2026-SSSS-0001", ContactTopic::Other, "ayse@example.org", None, NOW - Duration::days(40)),
    )
    .await;
    let open = store_message(
        &db,
        &new_message("2026-SSSS-0002", ContactTopic::Membership, "ayse@example.org", None, NOW - Duration::days(2)),
    )
    .await;
    let other =
        store_message(&db, &new_message("2026-SSSS-0003", ContactTopic::Other, "can@example.org", None, NOW)).await;
    close(&db, closed.id, NOW - Duration::days(30)).await;
    let erasure = Disposal {
        target: DisposalTarget::Sender("ayse@example.org".into()),
        action: DisposalAction::Erased,
        actor: "Personel (personel@example.org)".into(),
        at: NOW,
    };
    let done = s.dispose_contact_messages(&erasure, &change("erase", "contact_disposal")).await.unwrap();
    assert_eq!(done, vec!["2026-SSSS-0001".to_owned(), "2026-SSSS-0002".to_owned()], "oldest first");
    let m = s.contact_message(open.id).await.unwrap().unwrap();
    assert_eq!(
        (m.status, m.closed_at, m.anonymised_at),
        (MessageStatus::Closed, Some(NOW), Some(NOW)),
        "closed by the erasure"
    );
    assert!(m.name.is_empty() && m.body.is_empty());
    assert_eq!(s.contact_message(other.id).await.unwrap().unwrap().name, "Ayşe Yılmaz", "another address is untouched");
    let log = s.contact_disposals(Page::default()).await.unwrap();
    assert_eq!(log.total, 2);
    assert!(log.items.iter().all(|e| e.action == DisposalAction::Erased && e.actor.starts_with("Personel")));
    assert!(s.dispose_contact_messages(&erasure, &change("erase", "contact_disposal")).await.unwrap().is_empty());
    assert_eq!(s.open_contact_messages().await.unwrap(), 1);
}

async fn two_disposals_at_once_dispose_of_each_message_once(db: TestDb) {
    for i in 0..20 {
        let m = store_message(
            &db,
            &new_message(
                &format!("2024-TTTT-{i:04}"),
                ContactTopic::Other,
                &format!("k{i}@example.org"),
                None,
                NOW - Duration::days(900),
            ),
        )
        .await;
        close(&db, m.id, NOW - Duration::days(800)).await;
    }
    let (a, b) = (db.store.clone(), db.store.clone());
    let run = |s: std::sync::Arc<ldp_store::SqlStore>| async move {
        s.dispose_contact_messages(&retention(NOW - Duration::days(730)), &change("anonymise", "contact_disposal"))
            .await
    };
    let (x, y) = tokio::join!(tokio::spawn(run(a)), tokio::spawn(run(b)));
    let (x, y) = (x.unwrap().unwrap(), y.unwrap().unwrap());
    let mut all: Vec<String> = x.into_iter().chain(y).collect();
    all.sort();
    let expected: Vec<String> = (0..20).map(|i| format!("2024-TTTT-{i:04}")).collect();
    assert_eq!(all, expected, "every message once, between the two");
    assert_eq!(db.store.contact_disposals(Page::first(100)).await.unwrap().total, 20, "logged once each");
}
