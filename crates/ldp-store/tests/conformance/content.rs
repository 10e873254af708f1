//! Editable pages: revisions kept as written, drafts apart from what is published, restores, the change
//! feed's content topic, and the rules of `services/content.rs`, on both engines.

use ldp_core::domain::content::{ContentPage, NewRevision, RevisionId};
use ldp_core::domain::{Actor, AuditFilter, Change, Lang, Page, Role};
use ldp_core::feed::{FeedStore, Topic};
use ldp_core::services::ServiceError;
use ldp_core::services::content::{Content, ContentInput};
use ldp_core::store::StoreError;
use ldp_core::store::prelude::*;
use ldp_testkit::{TestDb, both_backends};

both_backends!(seeded =>
    the_pages_start_with_their_former_text_published_as_the_first_revisions,
    a_draft_is_kept_apart_until_it_is_published,
    publishing_an_unknown_revision_is_refused_and_writes_nothing,
    the_schema_refuses_to_change_or_remove_a_revision,
    a_restore_brings_the_old_text_back_as_a_new_published_revision,
    only_staff_write_pages_and_only_readers_of_everything_see_revisions,
    bad_input_is_refused_field_by_field,
    a_page_missing_a_language_shows_the_other_and_is_listed_as_missing,
);

fn actor(role: Role, label: &str) -> Actor {
    Actor {
        user: None,
        label: label.into(),
        role: Some(role),
        municipalities: Vec::new(),
        client: None,
        read_only: false,
    }
}

fn staff() -> Actor {
    actor(Role::Staff, "staff@mmu.org.tr")
}

fn input(title: &str, body: &str) -> ContentInput {
    ContentInput { title: Some(title.into()), body: Some(body.into()) }
}

fn draft(page: ContentPage, lang: Lang, body: &str) -> NewRevision {
    NewRevision {
        page,
        lang,
        title: "Taslak".into(),
        body: body.into(),
        author: "staff@mmu.org.tr".into(),
        author_id: None,
        created_at: ldp_testkit::NOW,
        restored_from: None,
    }
}

async fn content_entries(db: &TestDb) -> Vec<ldp_core::domain::AuditEntry> {
    let filter = AuditFilter { record_type: Some("content".into()), ..AuditFilter::default() };
    db.store.list_audit(&filter, Page::first(100)).await.unwrap().items
}

async fn the_pages_start_with_their_former_text_published_as_the_first_revisions(db: TestDb) {
    let tr = db.store.published_content(&ContentPage::LocalDiplomacy, Lang::Tr).await.unwrap().expect("seeded");
    assert_eq!(tr.title, "Yerel Diplomasi");
    assert_eq!(tr.author, "system:seed");
    assert!(tr.body.contains("- Kardeş şehir ilişkileri"), "{}", tr.body);
    assert!(tr.body.contains("<https://www.marmara.gov.tr/en/local-diplomacy>"), "the source stays");
    let en = db.store.published_content(&ContentPage::LocalDiplomacy, Lang::En).await.unwrap().expect("seeded");
    assert!(en.body.starts_with("Cities have become actors in their own right"));
    let about = db.store.published_content(&ContentPage::About, Lang::Tr).await.unwrap().expect("seeded");
    assert!(about.body.contains("25 Nisan 1975"));
    let states = db.store.content_states().await.unwrap();
    assert_eq!(states.len(), 4, "two pages in two languages");
    assert!(states.iter().all(|s| s.published == Some(s.latest) && !s.has_draft()));
    assert!(db.store.published_content(&ContentPage::Network("aebr".into()), Lang::Tr).await.unwrap().is_none());
}

async fn a_draft_is_kept_apart_until_it_is_published(db: TestDb) {
    let page = ContentPage::LocalDiplomacy;
    let published = db.store.published_content(&page, Lang::Tr).await.unwrap().unwrap();
    let before = db.store.data_versions().await.unwrap();
    let change = Change::new(&staff(), ldp_testkit::NOW, "save_draft", "content");
    let id =
        db.store.save_content_revision(&draft(page.clone(), Lang::Tr, "Yeni metin."), false, &change).await.unwrap();
    assert!(id > published.id);
    assert_eq!(db.store.published_content(&page, Lang::Tr).await.unwrap().unwrap().id, published.id, "still the old");
    assert_eq!(
        db.store.data_versions().await.unwrap().get(Topic::Content),
        before.get(Topic::Content),
        "a draft changes nothing public"
    );
    let state = db.store.content_states().await.unwrap().into_iter().find(|s| s.page == page && s.lang == Lang::Tr);
    let state = state.unwrap();
    assert_eq!((state.latest, state.published), (id, Some(published.id)));
    assert!(state.has_draft());
    let saved = db.store.content_revision(id).await.unwrap().unwrap();
    assert_eq!(
        (saved.body.as_str(), saved.author.as_str(), saved.created_at),
        ("Yeni metin.", "staff@mmu.org.tr", ldp_testkit::NOW)
    );
    let all = db.store.content_revisions(&page).await.unwrap();
    assert_eq!(all.first().map(|r| r.id), Some(id), "newest first");
    assert_eq!(all.len(), 3, "both languages' revisions");

    let change = Change::new(&staff(), ldp_testkit::NOW, "publish", "content").record(id.0);
    db.store.publish_content_revision(id, &change).await.unwrap();
    assert_eq!(db.store.published_content(&page, Lang::Tr).await.unwrap().unwrap().id, id);
    assert_eq!(
        db.store.published_content(&page, Lang::En).await.unwrap().unwrap().title,
        "Local Diplomacy",
        "untouched"
    );
    let after = db.store.data_versions().await.unwrap();
    assert_eq!(after.get(Topic::Content), before.get(Topic::Content) + 1, "publishing moves the content topic");
    assert_eq!(db.store.change_feed().current().get(Topic::Content), after.get(Topic::Content));
    let entries = content_entries(&db).await;
    assert_eq!(entries.len(), 2);
    assert!(entries.iter().all(|e| e.record_id == id.0.to_string()));
}

async fn publishing_an_unknown_revision_is_refused_and_writes_nothing(db: TestDb) {
    let change = Change::new(&staff(), ldp_testkit::NOW, "publish", "content").record(9_999);
    let refused = db.store.publish_content_revision(RevisionId(9_999), &change).await;
    assert!(matches!(refused, Err(StoreError::Conflict(ref c)) if c == "revision_not_found"), "{refused:?}");
    assert!(content_entries(&db).await.is_empty());
    assert!(db.store.content_revision(RevisionId(9_999)).await.unwrap().is_none());
}

async fn the_schema_refuses_to_change_or_remove_a_revision(db: TestDb) {
    assert!(matches!(
        db.store.raw_execute("UPDATE content_revision SET body = 'x'").await,
        Err(StoreError::Database(_))
    ));
    assert!(matches!(db.store.raw_execute("DELETE FROM content_revision").await, Err(StoreError::Database(_))));
    assert_eq!(db.store.content_states().await.unwrap().len(), 4);
}

async fn a_restore_brings_the_old_text_back_as_a_new_published_revision(db: TestDb) {
    let content = Content::new(db.shared(), ldp_testkit::clock());
    let page = ContentPage::LocalDiplomacy;
    let first = db.store.published_content(&page, Lang::En).await.unwrap().unwrap();
    let edited =
        content.save(&staff(), &page, Lang::En, &input("Local Diplomacy", "Changed text."), true).await.unwrap();
    let shown = content.shown(&page, Lang::En).await.unwrap().unwrap();
    assert_eq!((shown.revision.id, shown.html.trim()), (edited, "<p>Changed text.</p>"));

    let diff = content.diff(&staff(), first.id, edited).await.unwrap();
    assert!(diff.iter().any(|l| l.kind == "added" && l.text == "Changed text."));
    assert!(diff.iter().any(|l| l.kind == "removed" && l.text.starts_with("Cities have become actors")));
    assert!(diff.iter().any(|l| l.kind == "same" && l.text == "# Local Diplomacy"));

    let restored = content.restore(&staff(), first.id).await.unwrap();
    assert!(restored > edited, "a restore is a new revision");
    let now = db.store.published_content(&page, Lang::En).await.unwrap().unwrap();
    assert_eq!((now.id, now.body.as_str(), now.restored_from), (restored, first.body.as_str(), Some(first.id)));
    assert_eq!(now.author, "staff@mmu.org.tr");
    let actions: Vec<String> = content_entries(&db).await.into_iter().map(|e| e.action).collect();
    assert_eq!(actions, ["restore", "save_publish"], "newest first, each audited");
}

async fn only_staff_write_pages_and_only_readers_of_everything_see_revisions(db: TestDb) {
    let content = Content::new(db.shared(), ldp_testkit::clock());
    let page = ContentPage::About;
    let text = input("Hakkımızda", "Metin.");
    let representative = actor(Role::Representative, "rep@nilufer.bel.tr");
    let auditor = actor(Role::Auditor, "denetci@mmu.org.tr");
    let mut read_only_admin = actor(Role::Admin, "token:1:okuma");
    read_only_admin.read_only = true;
    for who in [&representative, &auditor, &read_only_admin, &Actor::visitor(None)] {
        assert!(matches!(content.save(who, &page, Lang::Tr, &text, true).await, Err(ServiceError::Forbidden)));
        assert!(matches!(content.restore(who, RevisionId(3)).await, Err(ServiceError::Forbidden)));
        assert!(matches!(content.publish(who, RevisionId(3)).await, Err(ServiceError::Forbidden)));
    }
    assert!(matches!(content.revisions(&representative, &page).await, Err(ServiceError::Forbidden)));
    assert!(matches!(content.revisions(&Actor::visitor(None), &page).await, Err(ServiceError::Forbidden)));
    assert_eq!(content.revisions(&auditor, &page).await.unwrap().len(), 2);
    assert!(content_entries(&db).await.is_empty(), "nothing written");
    let admin = actor(Role::Admin, "admin@mmu.org.tr");
    content.save(&admin, &page, Lang::Tr, &text, false).await.unwrap();
    // An unknown page or network is not found.
    assert!(matches!(content.page("network:no-such-network").await, Err(ServiceError::NotFound)));
    assert!(matches!(content.page("contact").await, Err(ServiceError::NotFound)));
    assert_eq!(content.page("network:aebr").await.unwrap(), ContentPage::Network("aebr".into()));
}

async fn bad_input_is_refused_field_by_field(db: TestDb) {
    let content = Content::new(db.shared(), ldp_testkit::clock());
    let empty = content.save(&staff(), &ContentPage::About, Lang::En, &input("  ", ""), true).await;
    let Err(ServiceError::Invalid(e)) = empty else { panic!("{empty:?}") };
    assert_eq!(e.fields.get("title").map(String::as_str), Some("required"));
    assert_eq!(e.fields.get("body").map(String::as_str), Some("required"));
    let long = "x".repeat(201);
    let too_long = content.save(&staff(), &ContentPage::About, Lang::En, &input(&long, "Metin"), true).await;
    let Err(ServiceError::Invalid(e)) = too_long else { panic!("{too_long:?}") };
    assert_eq!(e.fields.get("title").map(String::as_str), Some("too_long"));
    assert!(content_entries(&db).await.is_empty());
    // Form line ends are kept as newlines.
    let id = content.save(&staff(), &ContentPage::About, Lang::En, &input("About", "a\r\nb"), false).await.unwrap();
    assert_eq!(db.store.content_revision(id).await.unwrap().unwrap().body, "a\nb");
}

async fn a_page_missing_a_language_shows_the_other_and_is_listed_as_missing(db: TestDb) {
    let content = Content::new(db.shared(), ldp_testkit::clock());
    let page = ContentPage::Network("aebr".into());
    assert!(content.shown(&page, Lang::En).await.unwrap().is_none());
    assert!(content.missing_translations(&staff()).await.unwrap().is_empty());
    content.save(&staff(), &page, Lang::Tr, &input("AEBR özeti", "Sınır bölgeleri."), true).await.unwrap();
    let shown = content.shown(&page, Lang::En).await.unwrap().unwrap();
    assert_eq!((shown.revision.lang, shown.fallback_from), (Lang::Tr, Some(Lang::En)));
    assert_eq!(content.shown(&page, Lang::Tr).await.unwrap().unwrap().fallback_from, None);
    let missing = content.missing_translations(&staff()).await.unwrap();
    assert_eq!(missing.len(), 1);
    assert_eq!((&missing[0].page, missing[0].missing, missing[0].title.as_str()), (&page, Lang::En, "AEBR özeti"));
    // A draft is not a translation.
    content.save(&staff(), &page, Lang::En, &input("AEBR", "Border regions."), false).await.unwrap();
    assert_eq!(content.missing_translations(&staff()).await.unwrap().len(), 1);
    content.save(&staff(), &page, Lang::En, &input("AEBR", "Border regions."), true).await.unwrap();
    assert!(content.missing_translations(&staff()).await.unwrap().is_empty());
    assert!(matches!(content.missing_translations(&Actor::visitor(None)).await, Err(ServiceError::Forbidden)));
}
