//! Applications for funding: created at `idea` with their first move, edited, moved only from the stage the
//! writer read, their moves kept in order, exact amounts and partners read back — on both engines.

use std::str::FromStr;

use rust_decimal::Decimal;
use time::macros::date;

use ldp_core::domain::funding::ApplicantType;
use ldp_core::domain::projects::{Amount, ApplicationFields, ApplicationPartner, ApplicationStage};
use ldp_core::domain::{Actor, AuditFilter, Change, Page};
use ldp_core::store::StoreError;
use ldp_core::store::prelude::*;
use ldp_testkit::{NOW, TestDb, both_backends};

both_backends!(seeded =>
    an_application_is_created_edited_and_listed_per_municipality,
    the_stage_moves_only_from_what_was_read_and_keeps_its_history,
);

fn change(action: &str) -> Change {
    Change::new(&Actor::system("test"), NOW, action, "funding_application")
}

async fn fields(db: &TestDb, slug: &str) -> ApplicationFields {
    let m = db.store.municipality_by_slug(slug).await.unwrap().expect("municipality");
    let partner = db.store.municipality_by_slug("edirne").await.unwrap().expect("edirne");
    ApplicationFields {
        municipality: m.id,
        call: None,
        title: "Kıyı kentleri için iklim uyumu".into(),
        partners: vec![
            ApplicationPartner::Member { municipality: partner.id },
            ApplicationPartner::Foreign {
                name: "Stadt Görlitz".into(),
                country: "DE".into(),
                org_type: ApplicantType::Municipality,
            },
        ],
        requested: Some(Amount { amount: Decimal::from_str("1234567.89").unwrap(), currency: "EUR".into() }),
        responsible: "Ayşe Yılmaz".into(),
        notes: "Ortak arayışı sürüyor.".into(),
    }
}

async fn an_application_is_created_edited_and_listed_per_municipality(db: TestDb) {
    let f = fields(&db, "bursa-nilufer").await;
    let created = db.store.create_application(&f, date!(2026 - 11 - 27), NOW, &change("create")).await.unwrap();
    assert_eq!(created.fields, f, "partners and the exact amount read back");
    assert_eq!(
        (created.stage, created.stage_on, created.created_at),
        (ApplicationStage::Idea, date!(2026 - 11 - 27), NOW)
    );
    assert_eq!(db.store.application(created.id).await.unwrap(), Some(created.clone()));
    assert_eq!(
        db.store.applications(Some(f.municipality)).await.unwrap().iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![created.id]
    );
    let other = db.store.municipality_by_slug("edirne").await.unwrap().unwrap();
    assert!(db.store.applications(Some(other.id)).await.unwrap().is_empty());

    let mut edited = f.clone();
    edited.title = "İklim uyumu".into();
    edited.requested = Some(Amount { amount: Decimal::from_str("0.10").unwrap(), currency: "TRY".into() });
    edited.partners.clear();
    let later = NOW + time::Duration::minutes(3);
    assert!(db.store.update_application(created.id, &edited, later, &change("update")).await.unwrap());
    let read = db.store.application(created.id).await.unwrap().unwrap();
    assert_eq!(read.fields, edited);
    assert_eq!(read.fields.requested.unwrap().amount.to_string(), "0.10", "the scale is kept, never a float");
    assert_eq!(read.updated_at, later);
    let missing = ldp_core::domain::projects::ApplicationId(created.id.0 + 1000);
    assert!(!db.store.update_application(missing, &edited, later, &change("update")).await.unwrap());
    assert!(db.store.application(missing).await.unwrap().is_none());

    let second = db
        .store
        .create_application(&fields(&db, "edirne").await, date!(2026 - 11 - 28), later, &change("create"))
        .await
        .unwrap();
    let all: Vec<_> = db.store.applications(None).await.unwrap().iter().map(|a| a.id).collect();
    assert!(all.contains(&second.id) && all.contains(&created.id));

    let filter = AuditFilter { record_type: Some("funding_application".into()), ..AuditFilter::default() };
    let entries = db.store.list_audit(&filter, Page::default()).await.unwrap();
    let mut actions: Vec<(String, String)> =
        entries.items.iter().map(|e| (e.action.clone(), e.record_id.clone())).collect();
    actions.sort();
    assert_eq!(
        actions,
        vec![
            ("create".to_owned(), created.id.0.to_string()),
            ("create".to_owned(), second.id.0.to_string()),
            ("update".to_owned(), created.id.0.to_string()),
        ]
    );
}

async fn the_stage_moves_only_from_what_was_read_and_keeps_its_history(db: TestDb) {
    use ApplicationStage::*;
    let f = fields(&db, "bursa-nilufer").await;
    let a = db.store.create_application(&f, date!(2026 - 10 - 01), NOW, &change("create")).await.unwrap();
    let moved = db
        .store
        .move_application(a.id, Idea, PartnerSearch, date!(2026 - 10 - 15), NOW, &change("stage:partner_search"))
        .await
        .unwrap();
    assert_eq!((moved.stage, moved.stage_on), (PartnerSearch, date!(2026 - 10 - 15)));

    // A writer that read `idea` loses: the stage moved meanwhile.
    let stale = db.store.move_application(a.id, Idea, PartnerSearch, date!(2026 - 10 - 16), NOW, &change("x")).await;
    assert!(matches!(stale, Err(StoreError::Conflict(ref c)) if c == "stage_changed"), "{stale:?}");
    let missing = ldp_core::domain::projects::ApplicationId(a.id.0 + 1000);
    let none = db.store.move_application(missing, Idea, PartnerSearch, date!(2026 - 10 - 16), NOW, &change("x")).await;
    assert!(matches!(none, Err(StoreError::Conflict(ref c)) if c == "application_not_found"), "{none:?}");

    db.store
        .move_application(a.id, PartnerSearch, Drafting, date!(2026 - 10 - 20), NOW, &change("stage:drafting"))
        .await
        .unwrap();
    let moves = db.store.application_moves(a.id).await.unwrap();
    let path: Vec<_> = moves.iter().map(|m| (m.from, m.to, m.on)).collect();
    assert_eq!(
        path,
        vec![
            (None, Idea, date!(2026 - 10 - 01)),
            (Some(Idea), PartnerSearch, date!(2026 - 10 - 15)),
            (Some(PartnerSearch), Drafting, date!(2026 - 10 - 20)),
        ]
    );
    assert!(moves.iter().all(|m| m.by == "system:test" && m.at == NOW), "{moves:?}");
    assert!(db.store.application_moves(missing).await.unwrap().is_empty());

    let filter = AuditFilter {
        record_type: Some("funding_application".into()),
        record_id: Some(a.id.0.to_string()),
        ..AuditFilter::default()
    };
    assert_eq!(db.store.list_audit(&filter, Page::default()).await.unwrap().items.len(), 3, "create and two moves");
}
