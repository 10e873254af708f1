//! Saved searches of funding calls (issue 16): a search saved with the calls it already matches, changed and
//! deleted with its entries; and the sweep run by two nodes on the same database at the same moment, which
//! must queue each alert, digest and deadline reminder exactly once — on both engines.

use std::sync::Arc;

use time::{Duration, OffsetDateTime};

use ldp_core::clock::{FixedClock, ISTANBUL};
use ldp_core::domain::funding::{Budget, CallFields, CallId, CallKind, Deadline, DeadlineModel, Eligibility, Saved};
use ldp_core::domain::saved_search::{AlertFrequency, NewSavedSearch, SearchCriteria};
use ldp_core::domain::{Actor, AuditFilter, Change, Lang, Localized, NewUser, Page, PlateCode, Role, UserId};
use ldp_core::jobs::{Job, JobFilter};
use ldp_core::services::saved_searches::{
    ALERT_JOB, DIGEST_JOB, REMINDER_JOB, SavedSearchInput, SavedSearches, SweepReport,
};
use ldp_core::store::prelude::*;
use ldp_core::store::{SavedSearchStore, Store};
use ldp_store::PoolSettings;
use ldp_testkit::{NOW, TestDb, both_backends};

both_backends!(seeded =>
    a_search_is_saved_with_what_it_knows_changed_and_deleted_with_entries,
    two_nodes_sweeping_at_once_queue_each_alert_digest_and_reminder_once,
    eligibility_for_my_municipality_follows_the_programme_area,
);

fn system(action: &str, record: &'static str) -> Change {
    Change::new(&Actor::system("test"), NOW, action, record)
}

async fn user(db: &TestDb, email: &str, role: Role, slugs: &[&str]) -> (UserId, Actor) {
    let mut ids = Vec::new();
    for slug in slugs {
        ids.push(db.store.municipality_by_slug(slug).await.unwrap().expect("municipality").id);
    }
    let new = NewUser {
        email: email.into(),
        email_folded: email.into(),
        name: "Ayşe Yılmaz".into(),
        role,
        municipalities: ids,
        password_hash: None,
    };
    let id = db.store.create_user(&new, &system("create", "user")).await.unwrap();
    (id, Actor::user(&db.store.user(id).await.unwrap().unwrap().user, None))
}

/// A deadline `days` after `from`, stated in Brussels time.
fn deadline_after(from: OffsetDateTime, days: i64) -> Deadline {
    let local = (from + Duration::days(days)).to_offset(ISTANBUL);
    let text = format!("{:04}-{:02}-{:02}T17:00", local.year(), u8::from(local.month()), local.day());
    Deadline::parse(&text, "Europe/Brussels").expect("a valid deadline")
}

fn call(identifier: &str, theme: &str, deadline_days: i64, eligibility: Eligibility) -> CallFields {
    CallFields {
        identifier: identifier.into(),
        programme: None,
        kind: CallKind::Grant,
        title: Localized::new(format!("Çağrı {identifier}"), format!("Call {identifier}")),
        summary: Localized::new("Özet", "Summary"),
        opens_on: None,
        deadline_model: DeadlineModel::Single,
        deadlines: vec![deadline_after(NOW, deadline_days)],
        budget: Budget::default(),
        themes: vec![theme.into()],
        sdgs: vec![13],
        link: "https://example.org/call".into(),
        eligibility,
    }
}

async fn publish(db: &TestDb, fields: &CallFields) -> CallId {
    match db.store.save_call(fields, true, None, "manual", &system("create", "funding_call")).await.unwrap() {
        Saved::Created(id) => id,
        other => panic!("not created: {other:?}"),
    }
}

async fn jobs_of(store: &dyn Store, kind: &str) -> Vec<Job> {
    let all = store.jobs(&JobFilter { state: None, page: Page::first(100) }).await.unwrap();
    all.items.into_iter().filter(|j| j.kind == kind).collect()
}

async fn audit_count(db: &TestDb, action: Option<&str>) -> u64 {
    let filter = AuditFilter {
        record_type: Some("saved_search".into()),
        action: action.map(str::to_owned),
        ..AuditFilter::default()
    };
    db.store.list_audit(&filter, Page::first(1)).await.unwrap().total
}

async fn a_search_is_saved_with_what_it_knows_changed_and_deleted_with_entries(db: TestDb) {
    let (id, _) = user(&db, "ayse@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let known = publish(&db, &call("KNOWN-1", "iklim", 60, Eligibility::default())).await;
    let search = NewSavedSearch {
        user: id,
        criteria: SearchCriteria {
            theme: Some("İklim".into()),
            sdg: Some(13),
            kind: Some(CallKind::Grant),
            ..SearchCriteria::default()
        },
        frequency: AlertFrequency::Daily,
        lang: Lang::En,
    };
    let sid = db.store.create_saved_search(&search, &[known], NOW, &system("create", "saved_search")).await.unwrap();
    let read = db.store.saved_search(sid).await.unwrap().expect("saved");
    assert_eq!(
        (read.user, &read.criteria, read.frequency, read.lang, read.created_at),
        (id, &search.criteria, AlertFrequency::Daily, Lang::En, NOW)
    );
    assert_eq!(db.store.saved_searches(Some(id)).await.unwrap(), vec![read.clone()]);
    assert_eq!(db.store.known_calls(sid).await.unwrap().into_iter().collect::<Vec<_>>(), vec![known]);
    assert!(db.store.pending_digest(sid).await.unwrap().is_empty(), "a call known at saving waits for no digest");

    assert!(
        db.store
            .update_saved_search(sid, AlertFrequency::Weekly, Lang::Tr, &system("update", "saved_search"))
            .await
            .unwrap()
    );
    let read = db.store.saved_search(sid).await.unwrap().unwrap();
    assert_eq!((read.frequency, read.lang), (AlertFrequency::Weekly, Lang::Tr));

    let missing = ldp_core::domain::saved_search::SavedSearchId(sid.0 + 1000);
    assert!(
        !db.store
            .update_saved_search(missing, AlertFrequency::Daily, Lang::Tr, &system("update", "saved_search"))
            .await
            .unwrap()
    );
    assert!(db.store.delete_saved_search(sid, &system("delete", "saved_search")).await.unwrap());
    assert!(!db.store.delete_saved_search(sid, &system("delete", "saved_search")).await.unwrap(), "gone already");
    assert!(db.store.saved_search(sid).await.unwrap().is_none());
    assert!(db.store.known_calls(sid).await.unwrap().is_empty(), "its alerts went with it");
    assert_eq!(audit_count(&db, None).await, 3, "created, changed, deleted; the misses wrote nothing");

    let nobody = NewSavedSearch { user: UserId(id.0 + 1000), ..search };
    let refused = db.store.create_saved_search(&nobody, &[], NOW, &system("create", "saved_search")).await;
    assert!(matches!(refused, Err(ldp_core::store::StoreError::Conflict(c)) if c == "user_not_found"));
}

/// A second node: its own store on the same database, its own service, the same clock.
async fn node(db: &TestDb, clock: &Arc<FixedClock>) -> SavedSearches {
    let settings = PoolSettings { max_connections: 4, ..PoolSettings::default() };
    let store: Arc<dyn Store> = Arc::new(ldp_store::connect(&db.url, settings).await.expect("second store"));
    SavedSearches::new(store, clock.clone())
}

/// Runs the sweep on both nodes at the same moment and adds up what they queued.
async fn sweep_both(a: &SavedSearches, b: &SavedSearches) -> SweepReport {
    let (x, y) = tokio::join!(a.sweep(), b.sweep());
    let (x, y) = (x.unwrap(), y.unwrap());
    SweepReport {
        alerts: x.alerts + y.alerts,
        gathered: x.gathered + y.gathered,
        digests: x.digests + y.digests,
        reminders: x.reminders + y.reminders,
    }
}

fn input(theme: &str, frequency: &str) -> SavedSearchInput {
    SavedSearchInput { theme: Some(theme.into()), frequency: Some(frequency.into()), ..SavedSearchInput::default() }
}

async fn two_nodes_sweeping_at_once_queue_each_alert_digest_and_reminder_once(db: TestDb) {
    let clock = ldp_testkit::clock();
    let (a, b) = (node(&db, &clock).await, node(&db, &clock).await);
    let (ayse, ayse_actor) = user(&db, "ayse@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let (_, ali) = user(&db, "ali@birlik.org.tr", Role::Staff, &[]).await;
    // Known before the searches are saved, with a deadline too far for a reminder: neither mails.
    publish(&db, &call("OLD-1", "iklim", 60, Eligibility::default())).await;
    let at_once = a.create(&ayse_actor, &input("İKLİM", "immediately"), Lang::Tr).await.unwrap();
    let daily = b.create(&ali, &input("iklim", "daily"), Lang::En).await.unwrap();
    assert!(sweep_both(&a, &b).await.is_empty(), "nothing new, nothing due");

    // A new matching call five days before its deadline, and one matching nobody.
    let new = publish(&db, &call("NEW-1", "İklim uyumu", 5, Eligibility::default())).await;
    publish(&db, &call("OTHER-1", "kültür", 5, Eligibility::default())).await;
    let first = sweep_both(&a, &b).await;
    assert_eq!(
        first,
        SweepReport { alerts: 1, gathered: 1, digests: 1, reminders: 2 },
        "one alert (Ayşe), one call gathered and its digest (Ali), the 7-day reminder for each"
    );
    let alerts = jobs_of(db.store.as_ref(), ALERT_JOB).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(alerts[0].payload["search"], at_once.id.0);
    assert_eq!(alerts[0].payload["call"], new.0);
    assert_eq!(alerts[0].key.as_deref(), Some("ayse@nilufer.bel.tr"));
    let digests = jobs_of(db.store.as_ref(), DIGEST_JOB).await;
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0].payload["search"], daily.id.0);
    assert_eq!(digests[0].payload["calls"], serde_json::json!([new.0]));
    let reminders = jobs_of(db.store.as_ref(), REMINDER_JOB).await;
    assert_eq!(reminders.len(), 2);
    assert!(reminders.iter().all(|r| r.payload["days"] == 7 && r.payload["call"] == new.0));
    assert!(reminders.iter().any(|r| r.payload["user"] == ayse.0));

    // Again, and again at the same moment: every key is taken.
    assert!(sweep_both(&a, &b).await.is_empty());
    assert!(sweep_both(&a, &b).await.is_empty());

    // Later the same Istanbul day a second call: mailed at once to Ayşe, gathered for Ali's next digest.
    clock.advance(Duration::hours(1));
    let later = publish(&db, &call("NEW-2", "iklim", 20, Eligibility::default())).await;
    assert_eq!(sweep_both(&a, &b).await, SweepReport { alerts: 1, gathered: 1, digests: 0, reminders: 2 });
    // The next day the digest takes it; four days before the first deadline the 1-day reminder is not yet due.
    clock.advance(Duration::days(1));
    assert_eq!(sweep_both(&a, &b).await, SweepReport { digests: 1, ..SweepReport::default() });
    let digests = jobs_of(db.store.as_ref(), DIGEST_JOB).await;
    assert!(digests.iter().any(|d| d.payload["calls"] == serde_json::json!([later.0])));
    // Half a day before the first deadline: the 1-day reminders, once each.
    let deadline = deadline_after(NOW, 5).at;
    clock.set(deadline - Duration::hours(12));
    assert_eq!(sweep_both(&a, &b).await, SweepReport { reminders: 2, ..SweepReport::default() });
    assert!(sweep_both(&a, &b).await.is_empty());
    assert_eq!(jobs_of(db.store.as_ref(), REMINDER_JOB).await.len(), 6);
    assert_eq!(jobs_of(db.store.as_ref(), ALERT_JOB).await.len(), 2);
    assert_eq!(
        audit_count(&db, Some("queue_alert")).await + audit_count(&db, Some("queue_reminder")).await,
        8,
        "each queued mail has its entry, written with it"
    );

    // A deleted search mails no more.
    a.delete(&ayse_actor, at_once.id).await.unwrap();
    publish(&db, &call("NEW-3", "iklim", 40, Eligibility::default())).await;
    assert_eq!(
        sweep_both(&a, &b).await,
        SweepReport { gathered: 1, digests: 1, ..SweepReport::default() },
        "only Ali's search is left, and this day's digest takes the call at once"
    );
}

async fn eligibility_for_my_municipality_follows_the_programme_area(db: TestDb) {
    let clock = ldp_testkit::clock();
    let service = SavedSearches::new(db.shared(), clock.clone());
    let (_, nilufer) = user(&db, "ayse@nilufer.bel.tr", Role::Representative, &["bursa-nilufer"]).await;
    let (_, edirne) = user(&db, "mehmet@edirne.bel.tr", Role::Representative, &["edirne"]).await;
    let (_, staff) = user(&db, "ali@birlik.org.tr", Role::Staff, &[]).await;
    let eligible =
        SavedSearchInput { eligible: Some(true), frequency: Some("immediately".into()), ..SavedSearchInput::default() };
    let mine = service.create(&nilufer, &eligible, Lang::Tr).await.unwrap();
    assert!(mine.criteria.eligible_for.is_some());
    service.create(&edirne, &eligible, Lang::Tr).await.unwrap();
    let refused = service.create(&staff, &eligible, Lang::Tr).await.unwrap_err();
    assert!(
        matches!(refused, ldp_core::services::ServiceError::Invalid(e) if e.fields["eligible"] == "no_municipality")
    );

    let bursa_only = Eligibility { provinces: vec![PlateCode::parse(16).unwrap()], ..Eligibility::default() };
    publish(&db, &call("BURSA-1", "iklim", 60, bursa_only)).await;
    assert_eq!(service.sweep().await.unwrap().alerts, 1, "Nilüfer (Bursa) may apply; Edirne may not");
    let alerts = jobs_of(db.store.as_ref(), ALERT_JOB).await;
    assert_eq!(alerts[0].payload["search"], mine.id.0);
    // Someone else's search is not found; a read-only token may not delete.
    let other = service.get(&edirne, mine.id).await.unwrap_err();
    assert!(matches!(other, ldp_core::services::ServiceError::NotFound));
    let reader = Actor { read_only: true, ..nilufer.clone() };
    assert!(matches!(service.delete(&reader, mine.id).await, Err(ldp_core::services::ServiceError::Forbidden)));
    let _ = clock;
}
