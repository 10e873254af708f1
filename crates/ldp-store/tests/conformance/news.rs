//! News posts: every store method on both engines (create, read, update, image, the public list against a
//! given instant, the next publication), their audit entries and topic, and the service's rules with a fixed
//! clock: a scheduled post is not listed before its time and is listed after, without any write between.

use ldp_core::domain::{
    Actor, AuditFilter, Change, Localized, NewUser, NewsFields, NewsFilter, NewsId, NewsImage, NewsStatus, Page, Role,
    UserId,
};
use ldp_core::feed::{FeedStore, Topic};
use ldp_core::services::ServiceError;
use ldp_core::services::news::{News, NewsInput};
use ldp_core::store::StoreError;
use ldp_core::store::prelude::*;
use ldp_testkit::{NOW, TestDb, both_backends};
use time::Duration;

both_backends!(seeded =>
    posts_are_stored_read_back_and_updated_with_their_entries,
    the_public_list_compares_publish_times_with_the_instant_given,
    images_are_set_and_removed_with_their_alt_text,
    a_scheduled_post_appears_when_the_clock_passes_its_time,
    only_staff_and_admins_write_and_every_bad_field_is_named,
);

async fn actor(db: &TestDb, email: &str, role: Role, municipalities: &[&str]) -> Actor {
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
    let change = Change::new(&Actor::system("test"), NOW, "create", "user");
    let id: UserId = db.store.create_user(&new, &change).await.unwrap();
    Actor::user(&db.store.user(id).await.unwrap().unwrap().user, None)
}

fn change(action: &str) -> Change {
    Change::new(&Actor::system("test"), NOW, action, "news_post")
}

async fn fields(db: &TestDb, publish_at: time::OffsetDateTime) -> NewsFields {
    let member = db.store.municipality_by_slug("bursa-nilufer").await.unwrap().expect("seeded").id;
    let network = db.store.list_networks().await.unwrap().first().expect("a union network").id;
    NewsFields {
        title: Localized::new("Kardeş şehir toplantısı", "Sister-city meeting"),
        summary: Localized::new("Kısa özet", ""),
        body: Localized::new("## Ayrıntılar\n\nMetin.", ""),
        publish_at,
        networks: vec![network],
        municipalities: vec![member],
        events: vec![],
        partnerships: vec![],
        image_alt: Localized::default(),
    }
}

fn ids(posts: &[ldp_core::domain::NewsPost]) -> Vec<NewsId> {
    posts.iter().map(|p| p.id).collect()
}

async fn posts_are_stored_read_back_and_updated_with_their_entries(db: TestDb) {
    let before = db.store.data_versions().await.unwrap();
    let f = fields(&db, NOW - Duration::hours(1)).await;
    let id = db.store.create_news_post(&f, NewsStatus::Draft, NOW, &change("create")).await.unwrap();
    let after = db.store.data_versions().await.unwrap();
    assert_eq!(after.get(Topic::News), before.get(Topic::News) + 1, "the write moves the news topic");
    assert_eq!(after.get(Topic::Events), before.get(Topic::Events), "and nothing else's");

    let stored = db.store.news_post(id).await.unwrap().expect("stored");
    assert_eq!(stored.fields, f);
    assert_eq!((stored.status, stored.image.clone(), stored.created_at), (NewsStatus::Draft, None, NOW));
    assert!(db.store.news_post(NewsId(id.0 + 1000)).await.unwrap().is_none());

    let mut edited = f.clone();
    edited.title = Localized::new("", "English only");
    edited.summary = Localized::default();
    edited.body = Localized::new("", "Text.");
    edited.networks.clear();
    edited.partnerships = vec![];
    edited.events = vec![];
    let later = NOW + Duration::minutes(5);
    let update = change("publish").record(id.0);
    db.store.update_news_post(id, &edited, NewsStatus::Published, later, &update).await.unwrap();
    let stored = db.store.news_post(id).await.unwrap().unwrap();
    assert_eq!((stored.fields.clone(), stored.status), (edited.clone(), NewsStatus::Published));
    assert_eq!((stored.created_at, stored.updated_at), (NOW, later));

    let missing = db.store.update_news_post(NewsId(id.0 + 1000), &edited, NewsStatus::Draft, later, &update).await;
    assert!(matches!(missing, Err(StoreError::Conflict(c)) if c == "news_not_found"));

    let filter = AuditFilter { record_type: Some("news_post".into()), ..AuditFilter::default() };
    let entries = db.store.list_audit(&filter, Page::default()).await.unwrap();
    assert_eq!(entries.total, 2, "the create and the update; the refused update wrote nothing");
}

async fn the_public_list_compares_publish_times_with_the_instant_given(db: TestDb) {
    let past = db
        .store
        .create_news_post(&fields(&db, NOW - Duration::days(2)).await, NewsStatus::Published, NOW, &change("publish"))
        .await
        .unwrap();
    let recent = db
        .store
        .create_news_post(&fields(&db, NOW - Duration::hours(1)).await, NewsStatus::Published, NOW, &change("publish"))
        .await
        .unwrap();
    let scheduled = db
        .store
        .create_news_post(&fields(&db, NOW + Duration::hours(3)).await, NewsStatus::Published, NOW, &change("schedule"))
        .await
        .unwrap();
    let later = db
        .store
        .create_news_post(&fields(&db, NOW + Duration::days(4)).await, NewsStatus::Published, NOW, &change("schedule"))
        .await
        .unwrap();
    let draft = db
        .store
        .create_news_post(&fields(&db, NOW - Duration::days(1)).await, NewsStatus::Draft, NOW, &change("create"))
        .await
        .unwrap();

    let public = |at| NewsFilter { public_at: Some(at) };
    let now = db.store.news_posts(&public(NOW), Page::default()).await.unwrap();
    assert_eq!(ids(&now.items), vec![recent, past], "newest first; no draft, nothing scheduled");
    assert_eq!(now.total, 2);
    // A post whose time is exactly the instant given is public.
    let at_its_time = db.store.news_posts(&public(NOW + Duration::hours(3)), Page::default()).await.unwrap();
    assert_eq!(ids(&at_its_time.items), vec![scheduled, recent, past]);
    let one = db.store.news_posts(&public(NOW + Duration::days(5)), Page::first(1)).await.unwrap();
    assert_eq!((ids(&one.items), one.total), (vec![later], 4), "paged, counted");

    let all = db.store.news_posts(&NewsFilter::default(), Page::default()).await.unwrap();
    assert_eq!(ids(&all.items), vec![later, scheduled, recent, draft, past], "the workspace sees every post");

    assert_eq!(db.store.next_news_publication(NOW).await.unwrap(), Some(NOW + Duration::hours(3)));
    assert_eq!(db.store.next_news_publication(NOW + Duration::hours(3)).await.unwrap(), Some(NOW + Duration::days(4)));
    assert_eq!(db.store.next_news_publication(NOW + Duration::days(4)).await.unwrap(), None, "strictly after");
}

async fn images_are_set_and_removed_with_their_alt_text(db: TestDb) {
    let id = db
        .store
        .create_news_post(&fields(&db, NOW).await, NewsStatus::Published, NOW, &change("publish"))
        .await
        .unwrap();
    let image = NewsImage {
        storage_key: format!("news/{}/abc.png", id.0),
        content_type: "image/png".into(),
        size: 1234,
        sha256: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef".into(),
    };
    let alt = Localized::new("Toplantıdan bir kare", "A moment of the meeting");
    db.store.set_news_image(id, Some(&image), &alt, NOW, &change("set_image").record(id.0)).await.unwrap();
    let stored = db.store.news_post(id).await.unwrap().unwrap();
    assert_eq!(stored.image.as_ref(), Some(&image));
    assert_eq!(stored.fields.image_alt, alt);
    assert_eq!(image.file_name(), "0123456789abcdef.png");

    db.store.set_news_image(id, None, &Localized::default(), NOW, &change("remove_image").record(id.0)).await.unwrap();
    let stored = db.store.news_post(id).await.unwrap().unwrap();
    assert_eq!((stored.image, stored.fields.image_alt), (None, Localized::default()));

    let missing = db.store.set_news_image(NewsId(id.0 + 1000), None, &alt, NOW, &change("remove_image")).await;
    assert!(matches!(missing, Err(StoreError::Conflict(c)) if c == "news_not_found"));
    let filter = AuditFilter { record_type: Some("news_post".into()), ..AuditFilter::default() };
    assert_eq!(db.store.list_audit(&filter, Page::default()).await.unwrap().total, 3);
}

fn input(title_tr: &str, status: &str, publish_at: &str) -> NewsInput {
    NewsInput {
        title_tr: Some(title_tr.into()),
        summary_tr: Some("Özet".into()),
        body_tr: Some("Metin *vurgulu*.".into()),
        status: Some(status.into()),
        publish_at: Some(publish_at.into()),
        municipalities: Some("bursa-nilufer".into()),
        ..NewsInput::default()
    }
}

async fn a_scheduled_post_appears_when_the_clock_passes_its_time(db: TestDb) {
    let clock = ldp_testkit::clock();
    let news = News::new(db.shared(), clock.clone());
    let staff = actor(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let visitor = Actor::visitor(None);
    // NOW is 2026-11-28 10:00 UTC, 13:00 in Istanbul: 15:30 Istanbul is 12:30 UTC, two and a half hours on.
    let post = news.create(&staff, &input("Zamanlanmış haber", "published", "2026-11-28 15:30")).await.unwrap();
    assert_eq!(post.fields.publish_at, NOW + Duration::minutes(150), "entered in Istanbul time, kept in UTC");
    let versions = db.store.data_versions().await.unwrap();

    assert!(news.public(Page::default()).await.unwrap().items.is_empty(), "not listed before its time");
    assert!(news.latest(3).await.unwrap().is_empty());
    assert!(matches!(news.get(&visitor, post.id).await, Err(ServiceError::NotFound)), "nor shown");
    assert_eq!(news.get(&staff, post.id).await.unwrap().id, post.id, "staff see it scheduled");
    assert_eq!(news.next_publication().await.unwrap(), Some(post.fields.publish_at));

    clock.advance(Duration::minutes(150));
    assert_eq!(ids(&news.public(Page::default()).await.unwrap().items), vec![post.id], "listed once its time passed");
    assert_eq!(news.get(&visitor, post.id).await.unwrap().id, post.id);
    assert_eq!(news.next_publication().await.unwrap(), None);
    assert_eq!(db.store.data_versions().await.unwrap(), versions, "with no write in between");
}

async fn only_staff_and_admins_write_and_every_bad_field_is_named(db: TestDb) {
    let news = News::new(db.shared(), ldp_testkit::clock());
    let staff = actor(&db, "staff@mmu.org.tr", Role::Staff, &[]).await;
    let admin = actor(&db, "admin@mmu.org.tr", Role::Admin, &[]).await;
    let auditor = actor(&db, "auditor@mmu.org.tr", Role::Auditor, &[]).await;
    let rep = actor(&db, "rep@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let ok = input("Haber", "draft", "");
    for refused in [&rep, &auditor, &Actor::visitor(None)] {
        assert!(matches!(news.create(refused, &ok).await, Err(ServiceError::Forbidden)), "{}", refused.label);
    }
    let mut read_only = staff.clone();
    read_only.read_only = true;
    assert!(matches!(news.create(&read_only, &ok).await, Err(ServiceError::Forbidden)));
    let draft = news.create(&admin, &ok).await.unwrap();
    assert_eq!((draft.status, draft.fields.publish_at), (NewsStatus::Draft, NOW), "an empty time is now");
    // A draft is hidden from a representative (as not found) and refused to the auditor who can see it.
    assert!(matches!(news.update(&rep, draft.id, &ok).await, Err(ServiceError::NotFound)));
    assert!(matches!(news.update(&auditor, draft.id, &ok).await, Err(ServiceError::Forbidden)));
    assert!(matches!(news.get(&rep, draft.id).await, Err(ServiceError::NotFound)));
    assert_eq!(news.list(&auditor, Page::default()).await.unwrap().total, 1, "auditors list drafts");
    assert_eq!(news.list(&rep, Page::default()).await.unwrap().total, 0);

    let bad = NewsInput {
        title_tr: Some(String::new()),
        summary_en: Some("Summary without an English title".into()),
        status: Some("live".into()),
        publish_at: Some("28.11.2026 10:00".into()),
        networks: Some("no-such-network".into()),
        municipalities: Some("no-such-place".into()),
        events: Some("999999, x".into()),
        partnerships: Some("999999".into()),
        ..NewsInput::default()
    };
    let Err(ServiceError::Invalid(e)) = news.create(&staff, &bad).await else { panic!("refused") };
    let named: Vec<&str> = e.fields.keys().map(String::as_str).collect();
    assert_eq!(
        named,
        vec!["events", "municipalities", "networks", "partnerships", "publish_at", "status", "title_en", "title_tr"]
    );
    assert_eq!(e.fields["events"], "unknown_event");

    let edited = news.update(&staff, draft.id, &input("Yeni başlık", "published", "2026-11-28 12:00")).await.unwrap();
    assert_eq!((edited.status, edited.fields.title.tr.as_str()), (NewsStatus::Published, "Yeni başlık"));
    assert!(edited.is_public(NOW), "12:00 in Istanbul is before NOW (13:00 there)");
    let filter = AuditFilter { record_type: Some("news_post".into()), ..AuditFilter::default() };
    let entries = db.store.list_audit(&filter, Page::default()).await.unwrap();
    assert_eq!(entries.items.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), vec!["publish", "create"]);
}
