//! Publications and their files: every store method on both engines (filters, paging, edits, states, files,
//! audit entries and the change feed), and the service's roles and file checks.

use std::sync::Arc;

use ldp_core::domain::partnership::PartnershipFilter;
use ldp_core::domain::{
    Actor, AuditFilter, Change, DocumentLanguage, EventId, EventTopic, Localized, NewPublicationFile, NewUser, Page,
    PublicationFields, PublicationFileId, PublicationFilter, PublicationId, PublicationInput, PublicationKind,
    PublicationStatus, Role, UserId,
};
use ldp_core::feed::{FeedStore, Topic};
use ldp_core::services::ServiceError;
use ldp_core::services::documents::Uploads;
use ldp_core::services::publications::Publications;
use ldp_core::store::StoreError;
use ldp_core::store::prelude::*;
use ldp_store::LocalUploads;
use ldp_testkit::{NOW, TestDb, both_backends};
use time::macros::date;

both_backends!(seeded =>
    publications_are_stored_filtered_and_updated_with_their_entries,
    files_are_added_listed_and_removed_with_their_entries,
    staff_write_publications_and_others_read_what_is_published,
    files_are_checked_by_content_and_size,
);

fn system_change(action: &str, record_type: &'static str) -> Change {
    Change::new(&Actor::system("test"), NOW, action, record_type)
}

async fn fields(db: &TestDb, kind: PublicationKind) -> PublicationFields {
    let member = db.store.municipality_by_slug("bursa-nilufer").await.unwrap().expect("seeded").id;
    let network = db.store.list_networks().await.unwrap().first().expect("a union network").id;
    PublicationFields {
        kind,
        title: Localized::new("Kardeş şehir rehberi", "Sister-city guide"),
        summary: Localized::new("Kısa özet", ""),
        authors: vec!["Ayşe Yılmaz".into(), "Dış İlişkiler, Birlik".into()],
        published_on: date!(2025 - 06 - 30),
        language: DocumentLanguage::parse("tr").unwrap(),
        topics: vec![EventTopic::SisterCities, EventTopic::PublicDiplomacy],
        sdgs: vec![11, 17],
        networks: vec![network],
        municipalities: vec![member],
        events: vec![],
        partnerships: vec![],
    }
}

async fn a_partnership(db: &TestDb) -> i64 {
    let list = db.store.list_partnerships(&PartnershipFilter::default(), NOW.date(), Page::first(1)).await.unwrap();
    list.items.first().expect("seeded relations").id.0
}

async fn create(db: &TestDb, f: &PublicationFields) -> PublicationId {
    db.store.create_publication(f, NOW, &system_change("create", "publication")).await.unwrap()
}

fn ids(p: ldp_core::domain::Paged<ldp_core::domain::Publication>) -> Vec<PublicationId> {
    p.items.iter().map(|p| p.id).collect()
}

async fn publications_are_stored_filtered_and_updated_with_their_entries(db: TestDb) {
    let before = db.store.data_versions().await.unwrap();
    let guide = fields(&db, PublicationKind::Guide).await;
    let id = create(&db, &guide).await;
    let after = db.store.data_versions().await.unwrap();
    assert_eq!(after.get(Topic::Publications), before.get(Topic::Publications) + 1, "the write moves its topic");

    let stored = db.store.publication(id).await.unwrap().expect("stored");
    assert_eq!(stored.fields, guide, "authors with commas, Turkish text and the date read back as written");
    assert_eq!((stored.status, stored.file_count), (PublicationStatus::Draft, 0));
    assert!(db.store.publication(PublicationId(999_999)).await.unwrap().is_none());

    let relation = a_partnership(&db).await;
    let mut report = fields(&db, PublicationKind::Report).await;
    report.published_on = date!(2026 - 01 - 15);
    report.topics = vec![EventTopic::CityNetworks];
    report.sdgs = vec![5];
    report.networks = vec![];
    report.municipalities = vec![];
    report.events = vec![EventId(41)];
    report.partnerships = vec![relation];
    report.language = DocumentLanguage::parse("de").unwrap();
    let report_id = create(&db, &report).await;
    let change = |a: &str, id: PublicationId| system_change(a, "publication").record(id.0);
    for p in [id, report_id] {
        assert!(
            db.store.set_publication_status(p, PublicationStatus::Published, NOW, &change("publish", p)).await.unwrap()
        );
    }
    let draft = create(&db, &fields(&db, PublicationKind::Bulletin).await).await;

    let published = PublicationFilter { status: Some(PublicationStatus::Published), ..PublicationFilter::default() };
    let by = |f: PublicationFilter| {
        let store = db.store.clone();
        async move { ids(store.publications(&f, Page::default()).await.unwrap()) }
    };
    // Newest publication date first.
    assert_eq!(by(published.clone()).await, vec![report_id, id]);
    assert_eq!(by(PublicationFilter::default()).await.len(), 3, "without a state, drafts too");
    assert_eq!(
        by(PublicationFilter { status: Some(PublicationStatus::Draft), ..PublicationFilter::default() }).await,
        vec![draft]
    );
    assert_eq!(
        by(PublicationFilter { kind: Some(PublicationKind::Report), ..published.clone() }).await,
        vec![report_id]
    );
    assert_eq!(by(PublicationFilter { kind: Some(PublicationKind::Study), ..published.clone() }).await, vec![]);
    assert_eq!(by(PublicationFilter { topic: Some(EventTopic::PublicDiplomacy), ..published.clone() }).await, vec![id]);
    assert_eq!(by(PublicationFilter { sdg: Some(5), ..published.clone() }).await, vec![report_id]);
    assert_eq!(by(PublicationFilter { sdg: Some(1), ..published.clone() }).await, vec![]);
    assert_eq!(by(PublicationFilter { network: guide.networks.first().copied(), ..published.clone() }).await, vec![id]);
    assert_eq!(
        by(PublicationFilter { municipality: guide.municipalities.first().copied(), ..published.clone() }).await,
        vec![id]
    );
    assert_eq!(by(PublicationFilter { event: Some(EventId(41)), ..published.clone() }).await, vec![report_id]);
    // `,4,` is not found inside `,41,`.
    assert_eq!(by(PublicationFilter { event: Some(EventId(4)), ..published.clone() }).await, vec![]);
    assert_eq!(by(PublicationFilter { partnership: Some(relation), ..published.clone() }).await, vec![report_id]);
    assert_eq!(by(PublicationFilter { year: Some(2025), ..published.clone() }).await, vec![id]);
    assert_eq!(by(PublicationFilter { year: Some(2026), ..published.clone() }).await, vec![report_id]);
    assert_eq!(by(PublicationFilter { year: Some(2024), ..published.clone() }).await, vec![]);
    // Paging: one a page, with the total.
    let second = db.store.publications(&published, Page::parse(Some(2), Some(1)).unwrap()).await.unwrap();
    assert_eq!((second.total, ids(second)), (2, vec![id]));

    // Editing, and an unknown id.
    let mut edited = guide.clone();
    edited.title.en = String::new();
    edited.authors = vec!["Mehmet Öz".into()];
    db.store.update_publication(id, &edited, NOW, &change("update", id)).await.unwrap();
    assert_eq!(db.store.publication(id).await.unwrap().unwrap().fields, edited);
    assert!(matches!(
        db.store.update_publication(PublicationId(999_999), &edited, NOW, &change("update", id)).await,
        Err(StoreError::Conflict(c)) if c == "publication_not_found"
    ));
    // Unpublishing; the same state again changes nothing; an unknown id neither.
    assert!(
        db.store.set_publication_status(id, PublicationStatus::Draft, NOW, &change("unpublish", id)).await.unwrap()
    );
    assert!(
        !db.store.set_publication_status(id, PublicationStatus::Draft, NOW, &change("unpublish", id)).await.unwrap()
    );
    assert!(
        !db.store
            .set_publication_status(PublicationId(999_999), PublicationStatus::Draft, NOW, &change("x", id))
            .await
            .unwrap()
    );

    let filter = AuditFilter { record_type: Some("publication".into()), ..AuditFilter::default() };
    // Three creations, two publications, one update, one unpublication: the refused writes wrote nothing.
    assert_eq!(db.store.list_audit(&filter, Page::default()).await.unwrap().total, 7);
}

fn new_file(key: &str) -> NewPublicationFile {
    NewPublicationFile {
        filename: "rehber.pdf".into(),
        content_type: "application/pdf".into(),
        size: 1234,
        sha256: "ab".repeat(32),
        storage_key: key.into(),
    }
}

async fn files_are_added_listed_and_removed_with_their_entries(db: TestDb) {
    let id = create(&db, &fields(&db, PublicationKind::Presentation).await).await;
    let other = create(&db, &fields(&db, PublicationKind::Study).await).await;
    let before = db.store.data_versions().await.unwrap();
    let add = system_change("create", "publication_file");
    let first = db.store.add_publication_file(id, &new_file("publications/1/a.pdf"), NOW, &add).await.unwrap();
    let second = db.store.add_publication_file(id, &new_file("publications/1/b.pdf"), NOW, &add).await.unwrap();
    let after = db.store.data_versions().await.unwrap();
    assert_eq!(after.get(Topic::Publications), before.get(Topic::Publications) + 2);
    assert!(matches!(
        db.store.add_publication_file(PublicationId(999_999), &new_file("x/c.pdf"), NOW, &add).await,
        Err(StoreError::Conflict(c)) if c == "publication_not_found"
    ));

    let files = db.store.publication_files(id).await.unwrap();
    assert_eq!(files.iter().map(|f| f.id).collect::<Vec<_>>(), vec![first, second], "oldest first");
    let f = &files[0];
    assert_eq!(
        (f.publication, f.filename.as_str(), f.content_type.as_str(), f.size, f.storage_key.as_str()),
        (id, "rehber.pdf", "application/pdf", 1234, "publications/1/a.pdf")
    );
    assert_eq!(db.store.publication(id).await.unwrap().unwrap().file_count, 2);
    assert_eq!(db.store.publication_file(id, second).await.unwrap().map(|f| f.id), Some(second));
    assert!(db.store.publication_file(other, second).await.unwrap().is_none(), "another publication's file");
    assert!(db.store.publication_files(other).await.unwrap().is_empty());

    let remove = system_change("remove", "publication_file").record(first.0);
    assert!(!db.store.remove_publication_file(other, first, &remove).await.unwrap(), "not that publication's");
    assert!(db.store.remove_publication_file(id, first, &remove).await.unwrap());
    assert!(!db.store.remove_publication_file(id, first, &remove).await.unwrap(), "gone already");
    assert!(!db.store.remove_publication_file(id, PublicationFileId(999_999), &remove).await.unwrap());
    assert_eq!(db.store.publication_files(id).await.unwrap().len(), 1);

    let filter = AuditFilter { record_type: Some("publication_file".into()), ..AuditFilter::default() };
    assert_eq!(db.store.list_audit(&filter, Page::default()).await.unwrap().total, 3, "two added, one removed");
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
    let id: UserId = db.store.create_user(&new, &system_change("create", "user")).await.unwrap();
    Actor::user(&db.store.user(id).await.unwrap().unwrap().user, None)
}

fn input() -> PublicationInput {
    PublicationInput {
        kind: Some("report".into()),
        title_tr: Some("Yerel diplomasi faaliyet raporu".into()),
        authors: Some("Marmara Belediyeler Birliği".into()),
        published_on: Some("2026-03-01".into()),
        language: Some("tr".into()),
        topics: Some("city_networks".into()),
        sdgs: Some("17".into()),
        municipalities: Some("bursa-nilufer".into()),
        ..PublicationInput::default()
    }
}

async fn staff_write_publications_and_others_read_what_is_published(db: TestDb) {
    let service = Publications::new(db.shared(), ldp_testkit::clock());
    let staff = user(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let rep = user(&db, "rep@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let auditor = user(&db, "auditor@mmu.org.tr", Role::Auditor, &[]).await;
    let visitor = Actor::visitor(None);

    for who in [&rep, &auditor, &visitor] {
        assert!(matches!(service.create(who, &input()).await, Err(ServiceError::Forbidden)), "{}", who.label);
    }
    let created = service.create(&staff, &input()).await.unwrap();
    assert_eq!(created.status, PublicationStatus::Draft);
    // A draft: staff and auditors see it, a representative and a visitor do not.
    assert!(service.get(&auditor, created.id).await.is_ok());
    assert!(matches!(service.get(&rep, created.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(service.get(&visitor, created.id).await, Err(ServiceError::NotFound)));
    assert_eq!(service.list(&visitor, PublicationFilter::default(), Page::default()).await.unwrap().total, 0);
    let drafts = PublicationFilter { status: Some(PublicationStatus::Draft), ..PublicationFilter::default() };
    assert_eq!(service.list(&rep, drafts.clone(), Page::default()).await.unwrap().total, 0);
    assert_eq!(service.list(&staff, drafts, Page::default()).await.unwrap().total, 1);

    // Every bad field at once; unknown related records by name.
    let bad = PublicationInput {
        kind: Some("novel".into()),
        title_tr: None,
        networks: Some("no-such-network".into()),
        municipalities: Some("nowhere".into()),
        events: Some("999999".into()),
        partnerships: Some("999999".into()),
        published_on: Some("2099-01-01".into()),
        ..input()
    };
    let Err(ServiceError::Invalid(e)) = service.update(&staff, created.id, &bad).await else { panic!("refused") };
    for field in ["kind", "title_tr", "networks", "municipalities", "events", "partnerships", "published_on"] {
        assert!(e.fields.contains_key(field), "{field}: {e}");
    }
    let relation = a_partnership(&db).await;
    let related =
        PublicationInput { partnerships: Some(relation.to_string()), title_en: Some("Report".into()), ..input() };
    let updated = service.update(&staff, created.id, &related).await.unwrap();
    assert_eq!(updated.fields.partnerships, vec![relation]);
    assert!(matches!(
        service.set_status(&rep, created.id, PublicationStatus::Published).await,
        Err(ServiceError::NotFound)
    ));
    let published = service.set_status(&staff, created.id, PublicationStatus::Published).await.unwrap();
    assert_eq!(published.status, PublicationStatus::Published);
    assert!(matches!(
        service.set_status(&staff, created.id, PublicationStatus::Published).await,
        Err(ServiceError::Conflict(c)) if c == "publication_status_unchanged"
    ));
    // Published: everyone reads it, only staff change it.
    assert!(service.get(&visitor, created.id).await.is_ok());
    assert!(matches!(service.update(&rep, created.id, &input()).await, Err(ServiceError::Forbidden)));
    assert!(matches!(
        service.set_status(&auditor, created.id, PublicationStatus::Draft).await,
        Err(ServiceError::Forbidden)
    ));
    let by_relation = PublicationFilter { partnership: Some(relation), ..PublicationFilter::default() };
    assert_eq!(ids(service.related(by_relation).await.unwrap()), vec![created.id]);

    let entries = db
        .store
        .list_audit(&AuditFilter { record_type: Some("publication".into()), ..AuditFilter::default() }, Page::default())
        .await
        .unwrap();
    assert_eq!(entries.total, 3, "create, update, publish");
    let mut actions: Vec<&str> = entries.items.iter().map(|e| e.action.as_str()).collect();
    actions.sort_unstable();
    assert_eq!(actions, ["create", "publish", "update"]);
    assert!(entries.items.iter().all(|e| e.user_id == staff.user && e.record_id == created.id.0.to_string()));
}

async fn files_are_checked_by_content_and_size(db: TestDb) {
    let service = Publications::new(db.shared(), ldp_testkit::clock());
    let staff = user(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let rep = user(&db, "rep@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let dir = tempfile::tempdir().unwrap();
    let uploads = Arc::new(LocalUploads::open(dir.path()).unwrap());
    let id = service.create(&staff, &input()).await.unwrap().id;
    let pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".to_vec();

    let file = service.attach(uploads.as_ref(), &staff, id, "../../rapor 2026.pdf", pdf.clone()).await.unwrap();
    assert_eq!((file.filename.as_str(), file.content_type.as_str()), ("rapor 2026.pdf", "application/pdf"));
    assert_eq!(file.size, pdf.len() as i64);
    assert_eq!(uploads.get(&file.storage_key).await.unwrap(), pdf, "the bytes are stored as sent");
    let refused = |r: Result<_, ServiceError>| match r {
        Err(ServiceError::Invalid(e)) => e.fields["file"].clone(),
        other => panic!("refused: {other:?}"),
    };
    assert_eq!(
        refused(service.attach(uploads.as_ref(), &staff, id, "x.pdf", b"<html>".to_vec()).await),
        "unsupported_publication_file_type"
    );
    assert_eq!(refused(service.attach(uploads.as_ref(), &staff, id, "x.pdf", Vec::new()).await), "empty_file");
    let mut big = pdf.clone();
    big.resize(ldp_core::services::documents::MAX_DOCUMENT_BYTES + 1, b' ');
    assert_eq!(refused(service.attach(uploads.as_ref(), &staff, id, "big.pdf", big).await), "file_too_large");
    assert!(matches!(
        service.attach(uploads.as_ref(), &rep, id, "x.pdf", pdf.clone()).await,
        Err(ServiceError::NotFound)
    ));
    let detail = service.get(&staff, id).await.unwrap();
    assert_eq!(detail.files.len(), 1, "refused uploads leave nothing behind");

    // A draft's file is not anyone's to download; a published one's is.
    assert!(matches!(service.file(&Actor::visitor(None), id, file.id).await, Err(ServiceError::NotFound)));
    service.set_status(&staff, id, PublicationStatus::Published).await.unwrap();
    assert_eq!(service.file(&Actor::visitor(None), id, file.id).await.unwrap().sha256, file.sha256);
    assert!(matches!(service.remove_file(&rep, id, file.id).await, Err(ServiceError::Forbidden)));
    service.remove_file(&staff, id, file.id).await.unwrap();
    assert!(matches!(service.remove_file(&staff, id, file.id).await, Err(ServiceError::NotFound)));
    assert!(matches!(service.file(&Actor::visitor(None), id, file.id).await, Err(ServiceError::NotFound)));
}
