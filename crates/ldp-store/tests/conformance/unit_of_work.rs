//! The unit of work: writes of several capabilities (an account and its queued mail) in one transaction,
//! closed by one audit entry; all or nothing.

use time::OffsetDateTime;

use ldp_core::domain::{Actor, AuditFilter, Change, NewUser, Page, Role};
use ldp_core::jobs::{JobFilter, NewJob};
use ldp_core::store::StoreError;
use ldp_core::store::prelude::*;
use ldp_testkit::{TestDb, both_backends};

both_backends!(empty =>
    a_committed_unit_writes_every_part_and_exactly_one_audit_entry,
    a_unit_that_fails_halfway_writes_nothing_and_no_audit_entry,
    a_dropped_unit_rolls_back_and_frees_the_database,
);

const NOW: OffsetDateTime = ldp_testkit::NOW;

fn user(email: &str) -> NewUser {
    NewUser {
        email: email.into(),
        email_folded: email.into(),
        name: "Ayşe Yılmaz".into(),
        role: Role::Staff,
        municipalities: vec![],
        password_hash: None,
    }
}

fn mail(key: &str) -> NewJob {
    NewJob {
        kind: "invitation",
        key: Some(key.into()),
        client: None,
        payload: serde_json::json!({ "key": key }),
        created_at: NOW,
        run_at: NOW,
    }
}

fn change(action: &str) -> Change {
    Change::new(&Actor::system("test"), NOW, action, "user")
}

/// Entries written with `action` (each test uses its own).
async fn entries(db: &TestDb, action: &str) -> u64 {
    let filter = AuditFilter { action: Some(action.into()), ..Default::default() };
    db.store.list_audit(&filter, Page::first(100)).await.unwrap().total
}

async fn jobs(db: &TestDb) -> usize {
    db.store.jobs(&JobFilter::default()).await.unwrap().items.len()
}

async fn a_committed_unit_writes_every_part_and_exactly_one_audit_entry(db: TestDb) {
    let mut unit = db.store.begin().await.unwrap();
    let id = unit.accounts().create_user(&user("ayse@mmu.org.tr"), NOW).await.unwrap();
    unit.jobs().enqueue(&mail("ayse@mmu.org.tr")).await.unwrap();
    unit.commit(&change("invite").record(id.0)).await.unwrap();

    let stored = db.store.user_by_email("ayse@mmu.org.tr").await.unwrap().expect("the account");
    assert_eq!(stored.user.id, id);
    let queued = db.store.jobs(&JobFilter::default()).await.unwrap().items;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].key.as_deref(), Some("ayse@mmu.org.tr"));
    let filter = AuditFilter { action: Some("invite".into()), ..Default::default() };
    let logged = db.store.list_audit(&filter, Page::first(10)).await.unwrap().items;
    assert_eq!(logged.len(), 1, "one change, one entry");
    assert_eq!(logged[0].record_id, id.0.to_string());
}

async fn a_unit_that_fails_halfway_writes_nothing_and_no_audit_entry(db: TestDb) {
    db.store.create_user(&user("taken@mmu.org.tr"), &change("create")).await.unwrap();
    let mut unit = db.store.begin().await.unwrap();
    unit.accounts().create_user(&user("new@mmu.org.tr"), NOW).await.unwrap();
    unit.jobs().enqueue(&mail("new@mmu.org.tr")).await.unwrap();
    let refused = unit.accounts().create_user(&user("taken@mmu.org.tr"), NOW).await;
    assert!(matches!(refused, Err(StoreError::Conflict(ref c)) if c == "email_taken"), "{refused:?}");
    // The caller gives up with `?`, dropping the unit before its commit.
    drop(unit);

    assert!(db.store.user_by_email("new@mmu.org.tr").await.unwrap().is_none(), "no account");
    assert_eq!(jobs(&db).await, 0, "no mail");
    assert_eq!(entries(&db, "invite").await, 0, "no entry");
    assert_eq!(db.store.list_users().await.unwrap().len(), 1, "only the account made before");
}

async fn a_dropped_unit_rolls_back_and_frees_the_database(db: TestDb) {
    let mut unit = db.store.begin().await.unwrap();
    unit.accounts().create_user(&user("ayse@mmu.org.tr"), NOW).await.unwrap();
    unit.jobs().enqueue(&mail("ayse@mmu.org.tr")).await.unwrap();
    unit.record(&change("invite")).await.unwrap();
    drop(unit);

    assert!(db.store.user_by_email("ayse@mmu.org.tr").await.unwrap().is_none());
    assert_eq!(jobs(&db).await, 0);
    assert_eq!(entries(&db, "invite").await, 0, "not even an entry recorded before the drop");
    // The same write goes through afterwards: the rolled-back unit holds no lock (SQLite's write lock).
    let mut unit = db.store.begin().await.unwrap();
    let id = unit.accounts().create_user(&user("ayse@mmu.org.tr"), NOW).await.unwrap();
    unit.commit(&change("invite").record(id.0)).await.unwrap();
    assert_eq!(entries(&db, "invite").await, 1);
}
