//! Applications for funding: created at `idea` with their first move, edited, moved only from the stage the
//! writer read, their moves kept in order, exact amounts and partners read back; projects created and edited in
//! units, an award's move and project landing together, publication, order — on both engines.

use std::str::FromStr;

use rust_decimal::Decimal;
use time::macros::date;

use ldp_core::domain::funding::ApplicantType;
use std::sync::Arc;

use ldp_core::domain::projects::{
    Amount, ApplicationFields, ApplicationPartner, ApplicationStage, DocumentOwner, FundingDocumentId,
    NewFundingDocument, OutputKind, PartnerRole, ProjectFields, ProjectId, ProjectOutput, ProjectPartner,
};
use ldp_core::domain::{Actor, AuditFilter, Change, NewUser, Page, Role, UserId};
use ldp_core::domain::{GoalNumber, Localized};
use ldp_core::services::ServiceError;
use ldp_core::services::documents::Uploads;
use ldp_core::services::projects::Projects;
use ldp_core::store::StoreError;
use ldp_core::store::prelude::*;
use ldp_store::LocalUploads;
use ldp_testkit::{NOW, TestDb, both_backends};

both_backends!(seeded =>
    an_application_is_created_edited_and_listed_per_municipality,
    the_stage_moves_only_from_what_was_read_and_keeps_its_history,
    documents_are_added_listed_and_removed_with_their_entries,
    documents_are_checked_by_content_and_size_and_kept_to_those_who_see_the_application,
    a_projects_documents_are_its_own_and_marked_public_once_with_their_entries,
    a_projects_public_documents_show_only_while_it_is_published_and_its_lead_writes_them,
    a_project_is_created_and_edited_in_units_and_read_back_exactly,
    a_project_is_published_and_withdrawn_once_each_with_its_entry,
    an_award_moves_the_application_and_creates_its_project_together_or_not_at_all,
    projects_are_listed_latest_start_first_and_undated_last,
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

fn new_document(key: &str) -> NewFundingDocument {
    NewFundingDocument {
        filename: "niyet mektubu.pdf".into(),
        content_type: "application/pdf".into(),
        size: 2048,
        sha256: "cd".repeat(32),
        storage_key: key.into(),
        uploaded_by: "ayse@nilufer.bel.tr".into(),
        public: false,
    }
}

async fn documents_are_added_listed_and_removed_with_their_entries(db: TestDb) {
    let a = db
        .store
        .create_application(&fields(&db, "bursa-nilufer").await, date!(2026 - 10 - 01), NOW, &change("create"))
        .await
        .unwrap();
    let b = db
        .store
        .create_application(&fields(&db, "edirne").await, date!(2026 - 10 - 01), NOW, &change("create"))
        .await
        .unwrap();
    let add = Change::new(&Actor::system("test"), NOW, "create", "funding_application_document");
    let later = NOW + time::Duration::minutes(5);
    let first = db
        .store
        .add_funding_document(DocumentOwner::Application(a.id), &new_document("applications/1/a.pdf"), later, &add)
        .await
        .unwrap();
    let second = db
        .store
        .add_funding_document(DocumentOwner::Application(a.id), &new_document("applications/1/b.pdf"), later, &add)
        .await
        .unwrap();
    assert_eq!(
        (first.owner, first.filename.as_str(), first.content_type.as_str(), first.size, first.storage_key.as_str()),
        (DocumentOwner::Application(a.id), "niyet mektubu.pdf", "application/pdf", 2048, "applications/1/a.pdf")
    );
    assert_eq!((first.uploaded_by.as_str(), first.created_at), ("ayse@nilufer.bel.tr", later));
    assert_eq!(db.store.application(a.id).await.unwrap().unwrap().updated_at, later, "the application's updated moves");
    let missing = ldp_core::domain::projects::ApplicationId(b.id.0 + 1000);
    assert!(matches!(
        db.store.add_funding_document(DocumentOwner::Application(missing), &new_document("applications/x/c.pdf"), later, &add).await,
        Err(StoreError::Conflict(c)) if c == "application_not_found"
    ));
    // A storage key is one file's only.
    assert!(
        db.store
            .add_funding_document(DocumentOwner::Application(b.id), &new_document("applications/1/a.pdf"), later, &add)
            .await
            .is_err()
    );

    let listed = db.store.funding_documents(DocumentOwner::Application(a.id)).await.unwrap();
    assert_eq!(listed, vec![first.clone(), second.clone()], "oldest first, read back as written");
    assert_eq!(
        db.store.funding_document(DocumentOwner::Application(a.id), second.id).await.unwrap(),
        Some(second.clone())
    );
    assert!(
        db.store.funding_document(DocumentOwner::Application(b.id), second.id).await.unwrap().is_none(),
        "another application's"
    );
    assert!(db.store.funding_documents(DocumentOwner::Application(b.id)).await.unwrap().is_empty());

    let remove = Change::new(&Actor::system("test"), NOW, "delete", "funding_application_document").record(first.id.0);
    assert!(
        !db.store.remove_funding_document(DocumentOwner::Application(b.id), first.id, &remove).await.unwrap(),
        "not that application's"
    );
    assert!(db.store.remove_funding_document(DocumentOwner::Application(a.id), first.id, &remove).await.unwrap());
    assert!(
        !db.store.remove_funding_document(DocumentOwner::Application(a.id), first.id, &remove).await.unwrap(),
        "gone already"
    );
    assert!(
        !db.store
            .remove_funding_document(DocumentOwner::Application(a.id), FundingDocumentId(999_999), &remove)
            .await
            .unwrap()
    );
    assert_eq!(db.store.funding_documents(DocumentOwner::Application(a.id)).await.unwrap(), vec![second.clone()]);

    let filter = AuditFilter { record_type: Some("funding_application_document".into()), ..AuditFilter::default() };
    let entries = db.store.list_audit(&filter, Page::default()).await.unwrap();
    let mut actions: Vec<(String, String)> =
        entries.items.iter().map(|e| (e.action.clone(), e.record_id.clone())).collect();
    actions.sort();
    assert_eq!(
        actions,
        vec![
            ("create".to_owned(), first.id.0.to_string()),
            ("create".to_owned(), second.id.0.to_string()),
            ("delete".to_owned(), first.id.0.to_string()),
        ],
        "two added, one removed; refusals wrote nothing"
    );
}

async fn user(db: &TestDb, email: &str, role: Role, municipalities: &[&str]) -> Actor {
    let mut ids = Vec::new();
    for slug in municipalities {
        ids.push(db.store.municipality_by_slug(slug).await.unwrap().expect("municipality").id);
    }
    let new = NewUser {
        email: email.into(),
        email_folded: email.into(),
        name: format!("Test {}", role.as_str()),
        role,
        municipalities: ids,
        password_hash: None,
    };
    let id: UserId =
        db.store.create_user(&new, &Change::new(&Actor::system("test"), NOW, "create", "user")).await.unwrap();
    Actor::user(&db.store.user(id).await.unwrap().unwrap().user, None)
}

async fn documents_are_checked_by_content_and_size_and_kept_to_those_who_see_the_application(db: TestDb) {
    let service = Projects::new(db.shared(), ldp_testkit::clock());
    let rep = user(&db, "rep@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let other = user(&db, "rep@edirne.bel.tr", Role::Representative, &["edirne"]).await;
    let staff = user(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let auditor = user(&db, "auditor@mmu.org.tr", Role::Auditor, &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let uploads = Arc::new(LocalUploads::open(dir.path()).unwrap());
    let a = db
        .store
        .create_application(&fields(&db, "bursa-nilufer").await, date!(2026 - 10 - 01), NOW, &change("create"))
        .await
        .unwrap();
    let owner = DocumentOwner::Application(a.id);
    let pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();

    let doc =
        service.attach(uploads.as_ref(), &rep, owner, "../../Başvuru formu.pdf", pdf.clone(), false).await.unwrap();
    assert_eq!((doc.filename.as_str(), doc.content_type.as_str()), ("Başvuru formu.pdf", "application/pdf"));
    assert_eq!((doc.size, doc.uploaded_by.as_str()), (pdf.len() as i64, "rep@nilufer.bel.tr"));
    assert!(doc.storage_key.starts_with(&format!("applications/{}/", a.id.0)), "{}", doc.storage_key);
    assert_eq!(uploads.get(&doc.storage_key).await.unwrap(), pdf, "the bytes are stored as sent");
    let refused = |r: Result<_, ServiceError>| match r {
        Err(ServiceError::Invalid(e)) => e.fields["file"].clone(),
        other => panic!("refused: {other:?}"),
    };
    assert_eq!(
        refused(service.attach(uploads.as_ref(), &rep, owner, "x.pdf", b"<html><script>".to_vec(), false).await),
        "unsupported_document_type"
    );
    assert_eq!(refused(service.attach(uploads.as_ref(), &rep, owner, "x.pdf", Vec::new(), false).await), "empty_file");
    let mut big = pdf.clone();
    big.resize(ldp_core::services::documents::MAX_DOCUMENT_BYTES + 1, b' ');
    assert_eq!(refused(service.attach(uploads.as_ref(), &rep, owner, "big.pdf", big, false).await), "file_too_large");
    // Another municipality's representative does not see it; an auditor reads but does not write.
    assert!(matches!(
        service.attach(uploads.as_ref(), &other, owner, "x.pdf", pdf.clone(), false).await,
        Err(ServiceError::NotFound)
    ));
    assert!(matches!(service.documents(&other, owner).await, Err(ServiceError::NotFound)));
    assert!(matches!(service.document(&other, owner, doc.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(
        service.attach(uploads.as_ref(), &auditor, owner, "x.pdf", pdf.clone(), false).await,
        Err(ServiceError::Forbidden)
    ));
    assert_eq!(service.documents(&auditor, owner).await.unwrap().len(), 1, "refused uploads leave nothing behind");
    assert_eq!(service.document(&auditor, owner, doc.id).await.unwrap().sha256, doc.sha256);
    assert!(matches!(service.remove_document(&auditor, owner, doc.id).await, Err(ServiceError::Forbidden)));
    assert!(matches!(service.remove_document(&other, owner, doc.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(service.documents(&Actor::visitor(None), owner).await, Err(ServiceError::NotFound)));

    // Staff upload an image and delete the representative's PDF.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let word = service.attach(uploads.as_ref(), &staff, owner, "afiş.exe", png, false).await.unwrap();
    assert_eq!((word.content_type.as_str(), word.filename.as_str()), ("image/png", "afiş.exe"), "typed by content");
    service.remove_document(&staff, owner, doc.id).await.unwrap();
    assert!(matches!(service.remove_document(&staff, owner, doc.id).await, Err(ServiceError::NotFound)));
    assert_eq!(service.documents(&rep, owner).await.unwrap().iter().map(|d| d.id).collect::<Vec<_>>(), vec![word.id]);
    let filter = AuditFilter {
        record_type: Some("funding_application_document".into()),
        municipalities: Some(vec![a.fields.municipality]),
        ..AuditFilter::default()
    };
    assert_eq!(
        db.store.list_audit(&filter, Page::default()).await.unwrap().total,
        3,
        "two uploads and a deletion, each of the municipality"
    );
}

async fn project_fields(db: &TestDb, start: Option<time::Date>) -> ProjectFields {
    let lead = db.store.municipality_by_slug("bursa-nilufer").await.unwrap().expect("nilufer");
    let partner = db.store.municipality_by_slug("edirne").await.unwrap().expect("edirne");
    let programme = db.store.programmes().await.unwrap().into_iter().next().expect("a shipped programme");
    ProjectFields {
        acronym: "KIYI".into(),
        title: Localized::new("Kıyı kentleri için iklim uyumu", "Climate adaptation for coastal towns"),
        summary: Localized::new("Özet", "Summary"),
        programme: Some(programme.id),
        funder: Some(programme.funder),
        lead: lead.id,
        partners: vec![
            ProjectPartner {
                partner: ApplicationPartner::Member { municipality: partner.id },
                role: PartnerRole::Partner,
            },
            ProjectPartner {
                partner: ApplicationPartner::Foreign {
                    name: "Stadt Görlitz".into(),
                    country: "DE".into(),
                    org_type: ApplicantType::Municipality,
                },
                role: PartnerRole::CoApplicant,
            },
        ],
        budget: Some(Amount { amount: Decimal::from_str("1250000.50").unwrap(), currency: "EUR".into() }),
        grant: Some(Amount { amount: Decimal::from_str("1000000.10").unwrap(), currency: "EUR".into() }),
        start,
        end: start.map(|s| s + time::Duration::days(700)),
        sdgs: vec![GoalNumber::parse(11).unwrap(), GoalNumber::parse(13).unwrap()],
        targets: vec!["11.b".into(), "13.1".into()],
        outputs: vec![ProjectOutput {
            kind: OutputKind::Result,
            indicator: "Isı eylem planları".into(),
            target: Decimal::from_str("3").unwrap(),
            achieved: Some(Decimal::from_str("1.5").unwrap()),
        }],
        relations: vec![4, 9],
        events: vec![2],
    }
}

fn project_change(action: &str) -> Change {
    Change::new(&Actor::system("test"), NOW, action, "project")
}

async fn create_project(db: &TestDb, f: &ProjectFields) -> ProjectId {
    let mut unit = db.store.begin().await.unwrap();
    let id = unit.projects().create_project(f, None, NOW).await.unwrap();
    unit.commit(&project_change("create").record(id.0)).await.unwrap();
    id
}

async fn a_project_is_created_and_edited_in_units_and_read_back_exactly(db: TestDb) {
    let f = project_fields(&db, Some(date!(2026 - 03 - 01))).await;
    let id = create_project(&db, &f).await;
    let read = db.store.project(id).await.unwrap().expect("created");
    assert_eq!(read.fields, f, "partners, exact amounts, goals, targets, outputs and links read back");
    assert_eq!(read.fields.grant.as_ref().unwrap().amount.to_string(), "1000000.10");
    assert_eq!((read.published, read.application, read.created_at, read.updated_at), (false, None, NOW, NOW));
    assert_eq!(db.store.projects(false).await.unwrap().iter().map(|p| p.id).collect::<Vec<_>>(), vec![id]);
    assert!(db.store.projects(true).await.unwrap().is_empty(), "not published yet");

    let mut edited = f.clone();
    edited.acronym = "KIYI-2".into();
    edited.partners.truncate(1);
    edited.budget = None;
    edited.grant = Some(Amount { amount: Decimal::from_str("0.01").unwrap(), currency: "TRY".into() });
    edited.outputs.clear();
    edited.end = None;
    let later = NOW + time::Duration::minutes(5);
    let mut unit = db.store.begin().await.unwrap();
    assert!(unit.projects().update_project(id, &edited, later).await.unwrap());
    assert!(!unit.projects().update_project(ProjectId(id.0 + 1000), &edited, later).await.unwrap());
    unit.commit(&project_change("update").record(id.0)).await.unwrap();
    let read = db.store.project(id).await.unwrap().unwrap();
    assert_eq!((read.fields, read.updated_at, read.created_at), (edited.clone(), later, NOW));

    // A unit dropped before its commit leaves nothing behind.
    let mut unit = db.store.begin().await.unwrap();
    let lost = unit.projects().create_project(&f, None, NOW).await.unwrap();
    unit.projects().update_project(id, &f, later).await.unwrap();
    drop(unit);
    assert!(db.store.project(lost).await.unwrap().is_none());
    assert_eq!(db.store.project(id).await.unwrap().unwrap().fields, edited);

    let filter = AuditFilter { record_type: Some("project".into()), ..AuditFilter::default() };
    let entries = db.store.list_audit(&filter, Page::default()).await.unwrap();
    assert_eq!(entries.items.len(), 2, "create and update, nothing of the dropped unit");
}

async fn a_project_is_published_and_withdrawn_once_each_with_its_entry(db: TestDb) {
    let id = create_project(&db, &project_fields(&db, None).await).await;
    let later = NOW + time::Duration::minutes(1);
    assert!(db.store.set_project_published(id, true, later, &project_change("publish").record(id.0)).await.unwrap());
    assert!(!db.store.set_project_published(id, true, later, &project_change("publish")).await.unwrap(), "already");
    let public = db.store.projects(true).await.unwrap();
    assert_eq!(public.iter().map(|p| (p.id, p.published, p.updated_at)).collect::<Vec<_>>(), vec![(id, true, later)]);
    assert!(db.store.set_project_published(id, false, later, &project_change("unpublish").record(id.0)).await.unwrap());
    assert!(db.store.projects(true).await.unwrap().is_empty());
    assert!(
        !db.store.set_project_published(ProjectId(id.0 + 1000), true, later, &project_change("publish")).await.unwrap()
    );
    let filter = AuditFilter {
        record_type: Some("project".into()),
        record_id: Some(id.0.to_string()),
        ..AuditFilter::default()
    };
    let mut actions: Vec<String> =
        db.store.list_audit(&filter, Page::default()).await.unwrap().items.into_iter().map(|e| e.action).collect();
    actions.sort();
    assert_eq!(actions, ["create", "publish", "unpublish"]);
}

async fn an_award_moves_the_application_and_creates_its_project_together_or_not_at_all(db: TestDb) {
    use ApplicationStage::*;
    let a = db
        .store
        .create_application(&fields(&db, "bursa-nilufer").await, date!(2026 - 10 - 01), NOW, &change("create"))
        .await
        .unwrap();
    for (from, to) in [(Idea, PartnerSearch), (PartnerSearch, Drafting), (Drafting, Submitted)] {
        db.store.move_application(a.id, from, to, date!(2026 - 10 - 02), NOW, &change("move")).await.unwrap();
    }
    let f = project_fields(&db, None).await;

    // Dropped halfway: neither the move nor the project lands.
    let mut unit = db.store.begin().await.unwrap();
    unit.projects()
        .move_application(a.id, Submitted, Awarded, date!(2026 - 11 - 20), NOW, "system:test")
        .await
        .unwrap();
    unit.projects().create_project(&f, Some(a.id), NOW).await.unwrap();
    drop(unit);
    assert_eq!(db.store.application(a.id).await.unwrap().unwrap().stage, Submitted);
    assert!(db.store.project_of_application(a.id).await.unwrap().is_none());

    let mut unit = db.store.begin().await.unwrap();
    unit.projects()
        .move_application(a.id, Submitted, Awarded, date!(2026 - 11 - 20), NOW, "system:test")
        .await
        .unwrap();
    let id = unit.projects().create_project(&f, Some(a.id), NOW).await.unwrap();
    let again = unit.projects().create_project(&f, Some(a.id), NOW).await;
    assert!(matches!(again, Err(StoreError::Conflict(ref c)) if c == "project_exists"), "{again:?}");
    unit.commit(&change("stage:awarded").record(a.id.0)).await.unwrap();

    let awarded = db.store.application(a.id).await.unwrap().unwrap();
    assert_eq!((awarded.stage, awarded.stage_on), (Awarded, date!(2026 - 11 - 20)));
    assert_eq!(
        db.store.application_moves(a.id).await.unwrap().last().map(|m| (m.from, m.to)),
        Some((Some(Submitted), Awarded))
    );
    assert_eq!(db.store.project_of_application(a.id).await.unwrap(), Some(id));
    assert_eq!(db.store.project(id).await.unwrap().unwrap().application, Some(a.id));

    // A unit that read a stage that has moved since is refused.
    let mut unit = db.store.begin().await.unwrap();
    let stale = unit.projects().move_application(a.id, Submitted, Rejected, date!(2026 - 11 - 21), NOW, "x").await;
    assert!(matches!(stale, Err(StoreError::Conflict(ref c)) if c == "stage_changed"), "{stale:?}");
    let missing = ldp_core::domain::projects::ApplicationId(a.id.0 + 1000);
    let none = unit.projects().move_application(missing, Submitted, Awarded, date!(2026 - 11 - 21), NOW, "x").await;
    assert!(matches!(none, Err(StoreError::Conflict(ref c)) if c == "application_not_found"), "{none:?}");
}

async fn projects_are_listed_latest_start_first_and_undated_last(db: TestDb) {
    let undated = create_project(&db, &project_fields(&db, None).await).await;
    let old = create_project(&db, &project_fields(&db, Some(date!(2024 - 01 - 15))).await).await;
    let new = create_project(&db, &project_fields(&db, Some(date!(2026 - 06 - 01))).await).await;
    let order: Vec<_> = db.store.projects(false).await.unwrap().iter().map(|p| p.id).collect();
    assert_eq!(order, vec![new, old, undated]);
}

async fn a_projects_documents_are_its_own_and_marked_public_once_with_their_entries(db: TestDb) {
    let p = create_project(&db, &project_fields(&db, None).await).await;
    let a = db
        .store
        .create_application(&fields(&db, "bursa-nilufer").await, date!(2026 - 10 - 01), NOW, &change("create"))
        .await
        .unwrap();
    let owner = DocumentOwner::Project(p);
    let add = Change::new(&Actor::system("test"), NOW, "create", "project_document");
    let later = NOW + time::Duration::minutes(5);
    let report = NewFundingDocument { public: true, ..new_document("projects/1/report.pdf") };
    let report = db.store.add_funding_document(owner, &report, later, &add).await.unwrap();
    let draft = db.store.add_funding_document(owner, &new_document("projects/1/draft.pdf"), later, &add).await.unwrap();
    assert_eq!((report.owner, report.public, draft.public), (owner, true, false));
    assert_eq!(db.store.project(p).await.unwrap().unwrap().updated_at, later, "the project's updated moves");
    // One table, two owners: an application's documents and a project's never mix, whatever their ids.
    let letter = db
        .store
        .add_funding_document(DocumentOwner::Application(a.id), &new_document("applications/9/l.pdf"), later, &add)
        .await
        .unwrap();
    assert_eq!(db.store.funding_documents(owner).await.unwrap(), vec![report.clone(), draft.clone()]);
    assert!(db.store.funding_document(owner, letter.id).await.unwrap().is_none());
    assert!(db.store.funding_document(DocumentOwner::Application(a.id), report.id).await.unwrap().is_none());
    assert!(matches!(
        db.store.add_funding_document(DocumentOwner::Project(ProjectId(p.0 + 1000)), &new_document("projects/x/y.pdf"), later, &add).await,
        Err(StoreError::Conflict(c)) if c == "project_not_found"
    ));
    let public_letter = NewFundingDocument { public: true, ..new_document("applications/9/m.pdf") };
    assert!(matches!(
        db.store.add_funding_document(DocumentOwner::Application(a.id), &public_letter, later, &add).await,
        Err(StoreError::Conflict(c)) if c == "application_document_public"
    ));

    let mark = Change::new(&Actor::system("test"), NOW, "publish", "project_document").record(draft.id.0);
    let then = later + time::Duration::minutes(1);
    assert!(db.store.set_funding_document_public(p, draft.id, true, then, &mark).await.unwrap());
    assert!(!db.store.set_funding_document_public(p, draft.id, true, then, &mark).await.unwrap(), "already public");
    assert!(!db.store.set_funding_document_public(ProjectId(p.0 + 1000), draft.id, false, then, &mark).await.unwrap());
    assert!(db.store.funding_document(owner, draft.id).await.unwrap().unwrap().public);
    assert_eq!(db.store.project(p).await.unwrap().unwrap().updated_at, then);
    let remove = Change::new(&Actor::system("test"), NOW, "delete", "project_document").record(report.id.0);
    assert!(!db.store.remove_funding_document(DocumentOwner::Application(a.id), report.id, &remove).await.unwrap());
    assert!(db.store.remove_funding_document(owner, report.id, &remove).await.unwrap());
    assert_eq!(db.store.funding_documents(owner).await.unwrap().iter().map(|d| d.id).collect::<Vec<_>>(), [draft.id]);

    let filter = AuditFilter { record_type: Some("project_document".into()), ..AuditFilter::default() };
    let mut actions: Vec<String> =
        db.store.list_audit(&filter, Page::default()).await.unwrap().items.into_iter().map(|e| e.action).collect();
    actions.sort();
    assert_eq!(actions, ["create", "create", "create", "delete", "publish"], "refusals wrote nothing");
}

async fn a_projects_public_documents_show_only_while_it_is_published_and_its_lead_writes_them(db: TestDb) {
    let service = Projects::new(db.shared(), ldp_testkit::clock());
    let lead = user(&db, "rep@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let partner = user(&db, "rep@edirne.bel.tr", Role::Representative, &["edirne"]).await;
    let outsider = user(&db, "rep@osmangazi.bel.tr", Role::Representative, &["bursa-osmangazi"]).await;
    let staff = user(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let auditor = user(&db, "auditor@mmu.org.tr", Role::Auditor, &[]).await;
    let dir = tempfile::tempdir().unwrap();
    let uploads = Arc::new(LocalUploads::open(dir.path()).unwrap());
    let p = create_project(&db, &project_fields(&db, None).await).await;
    let owner = DocumentOwner::Project(p);
    let pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();

    let public = service.attach(uploads.as_ref(), &lead, owner, "Sonuç raporu.pdf", pdf.clone(), true).await.unwrap();
    let private = service.attach(uploads.as_ref(), &staff, owner, "bütçe.pdf", pdf.clone(), false).await.unwrap();
    assert!(public.storage_key.starts_with(&format!("projects/{}/", p.0)), "{}", public.storage_key);
    assert_eq!(uploads.get(&public.storage_key).await.unwrap(), pdf);
    // A partner sees them but may not write; an outsider does not see the project; an auditor reads.
    assert_eq!(service.documents(&partner, owner).await.unwrap().len(), 2);
    for (who, expected) in [(&partner, "forbidden"), (&auditor, "forbidden"), (&outsider, "not_found")] {
        let got = match service.attach(uploads.as_ref(), who, owner, "x.pdf", pdf.clone(), false).await {
            Err(ServiceError::Forbidden) => "forbidden",
            Err(ServiceError::NotFound) => "not_found",
            other => panic!("{other:?}"),
        };
        assert_eq!(got, expected);
    }
    assert!(matches!(service.documents(&outsider, owner).await, Err(ServiceError::NotFound)));
    assert!(matches!(service.set_document_public(&partner, p, private.id, true).await, Err(ServiceError::Forbidden)));
    assert!(matches!(service.remove_document(&auditor, owner, private.id).await, Err(ServiceError::Forbidden)));
    // Until the project is published, nothing is public.
    assert!(matches!(service.public_documents(p).await, Err(ServiceError::NotFound)));
    assert!(matches!(service.public_document(p, public.id).await, Err(ServiceError::NotFound)));
    service.set_project_published(&staff, p, true).await.unwrap();
    let shown = service.public_documents(p).await.unwrap();
    assert_eq!(shown.iter().map(|d| d.id).collect::<Vec<_>>(), [public.id], "only the public one");
    assert_eq!(service.public_document(p, public.id).await.unwrap().sha256, public.sha256);
    assert!(matches!(service.public_document(p, private.id).await, Err(ServiceError::NotFound)));
    // The lead marks the other public, then takes the first back.
    assert!(service.set_document_public(&lead, p, private.id, true).await.unwrap().public);
    assert!(!service.set_document_public(&lead, p, public.id, false).await.unwrap().public);
    assert_eq!(service.public_documents(p).await.unwrap().iter().map(|d| d.id).collect::<Vec<_>>(), [private.id]);
    // An application's document cannot be public.
    let a = db
        .store
        .create_application(&fields(&db, "bursa-nilufer").await, date!(2026 - 10 - 01), NOW, &change("create"))
        .await
        .unwrap();
    match service.attach(uploads.as_ref(), &lead, DocumentOwner::Application(a.id), "x.pdf", pdf.clone(), true).await {
        Err(ServiceError::Invalid(e)) => assert_eq!(e.fields["public"], "not_public"),
        other => panic!("{other:?}"),
    }
    let filter = AuditFilter {
        record_type: Some("project_document".into()),
        municipalities: Some(vec![db.store.municipality_by_slug("bursa-nilufer").await.unwrap().unwrap().id]),
        ..AuditFilter::default()
    };
    assert_eq!(db.store.list_audit(&filter, Page::default()).await.unwrap().total, 4, "two uploads, two marks");
}
