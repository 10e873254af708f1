//! The job queue: claims, leases, retries with back-off, rate limits, the outbox, and exactly-once delivery
//! with two nodes on one database.

use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::{Duration, OffsetDateTime};

use ldp_core::domain::{Actor, AuditFilter, Change, NewUser, Page, Role};
use ldp_core::jobs::{Job, JobFilter, JobFinish, JobLimit, JobState, JobStore, NewJob};
use ldp_core::services::ServiceError;
use ldp_core::services::jobs::{JobHandler, JobQueue, JobSettings, Jobs};
use ldp_core::store::prelude::*;
use ldp_store::PoolSettings;
use ldp_testkit::{TestDb, both_backends};

both_backends!(empty =>
    a_claimed_job_is_nobody_elses_until_its_lease_ends,
    failures_retry_later_and_then_give_up,
    limits_count_per_key_and_per_client_within_the_window,
    two_nodes_send_each_job_exactly_once,
    staff_see_the_outbox_and_send_a_failed_mail_again,
    finished_jobs_are_pruned_after_the_retention,
);

const NOW: OffsetDateTime = ldp_testkit::NOW;

fn job(kind: &'static str, key: &str, client: Option<&str>, at: OffsetDateTime) -> NewJob {
    NewJob {
        kind,
        key: Some(key.into()),
        client: client.map(str::to_owned),
        payload: serde_json::json!({ "key": key }),
        created_at: at,
        run_at: at,
    }
}

async fn a_claimed_job_is_nobody_elses_until_its_lease_ends(db: TestDb) {
    let s = db.store.as_ref();
    let id = s.enqueue(&job("mail", "a@b.tr", None, NOW), None).await.unwrap().unwrap();
    assert!(s.claim_job(NOW - Duration::seconds(1), NOW).await.unwrap().is_none(), "not due before run_at");
    let first = s.claim_job(NOW, NOW + Duration::minutes(5)).await.unwrap().expect("due");
    assert_eq!((first.id, first.attempts, first.state), (id, 1, JobState::Running));
    assert_eq!(first.payload["key"], "a@b.tr");
    assert!(s.claim_job(NOW + Duration::minutes(1), NOW + Duration::minutes(6)).await.unwrap().is_none());
    // The first worker died; after its lease another takes the job over, as a second attempt.
    let second =
        s.claim_job(NOW + Duration::minutes(5), NOW + Duration::minutes(10)).await.unwrap().expect("lease over");
    assert_eq!(second.attempts, 2);
    let done = JobFinish::Done { outcome: "sent".into() };
    assert!(!s.finish_job(id, 1, NOW, &done).await.unwrap(), "the first worker's word no longer counts");
    assert!(s.finish_job(id, 2, NOW + Duration::minutes(6), &done).await.unwrap());
    let listed = s.jobs(&JobFilter::default()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
    assert_eq!(listed.items[0].state, JobState::Done);
    assert_eq!(listed.items[0].outcome.as_deref(), Some("sent"));
    assert!(s.claim_job(NOW + Duration::days(1), NOW + Duration::days(2)).await.unwrap().is_none(), "done stays done");
}

/// A handler that fails the first `fail` runs of every job, and records what it ran.
#[derive(Clone, Default)]
struct Flaky {
    fail: i32,
    runs: Arc<Mutex<Vec<(i64, i32)>>>,
}

#[async_trait]
impl JobHandler for Flaky {
    fn handles(&self, kind: &str) -> bool {
        kind == "mail"
    }

    async fn run(&self, job: &Job) -> Result<String, String> {
        let earlier = {
            let mut runs = self.runs.lock().unwrap();
            runs.push((job.id.0, job.attempts));
            runs.iter().filter(|(id, _)| *id == job.id.0).count() - 1
        };
        tokio::task::yield_now().await;
        if (earlier as i32) < self.fail {
            Err(format!("smtp refused attempt {}", job.attempts))
        } else {
            Ok("sent".into())
        }
    }
}

fn runner(store: Arc<dyn ldp_core::store::Store>, clock: Arc<ldp_core::clock::FixedClock>, handler: Flaky) -> Jobs {
    let settings = JobSettings { max_attempts: 3, ..JobSettings::default() };
    Jobs::new(JobQueue::new(store), clock, vec![Arc::new(handler)], settings)
}

async fn failures_retry_later_and_then_give_up(db: TestDb) {
    let clock = ldp_testkit::clock();
    let handler = Flaky { fail: 10, ..Flaky::default() };
    let jobs = runner(db.shared(), clock.clone(), handler.clone());
    let id = jobs.queue().enqueue(&job("mail", "a@b.tr", None, NOW), None).await.unwrap().unwrap();
    assert_eq!(jobs.run_due().await.unwrap(), 1);
    assert_eq!(jobs.run_due().await.unwrap(), 0, "the retry waits for its delay");
    let listed = jobs.list(&Actor::system("test"), &JobFilter::default()).await.unwrap().items;
    assert_eq!(listed[0].state, JobState::Pending);
    assert_eq!(listed[0].run_at, NOW + Duration::seconds(30));
    assert_eq!(listed[0].last_error.as_deref(), Some("smtp refused attempt 1"));
    clock.set(NOW + Duration::seconds(30));
    assert_eq!(jobs.run_due().await.unwrap(), 1);
    clock.set(NOW + Duration::seconds(29 + 60));
    assert_eq!(jobs.run_due().await.unwrap(), 0, "the second delay is twice the first");
    clock.set(NOW + Duration::seconds(30 + 60));
    assert_eq!(jobs.run_due().await.unwrap(), 1);
    clock.set(NOW + Duration::days(1));
    assert_eq!(jobs.run_due().await.unwrap(), 0, "after the last attempt it is failed, not retried");
    let system = Actor::system("test");
    let only_failed = JobFilter { state: Some(JobState::Failed), ..JobFilter::default() };
    let failed = jobs.list(&system, &only_failed).await.unwrap().items;
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].id, id);
    assert_eq!(failed[0].attempts, 3);
    assert_eq!(*handler.runs.lock().unwrap(), [(id.0, 1), (id.0, 2), (id.0, 3)]);
}

async fn limits_count_per_key_and_per_client_within_the_window(db: TestDb) {
    let s = db.store.as_ref();
    let limit = JobLimit { since: NOW - Duration::hours(1), per_key: 2, per_client: 3 };
    let ask = |key: &str, client: &str, at| job("password_reset", key, Some(client), at);
    assert!(s.enqueue(&ask("a@b.tr", "10.0.0.1", NOW), Some(&limit)).await.unwrap().is_some());
    assert!(s.enqueue(&ask("a@b.tr", "10.0.0.2", NOW), Some(&limit)).await.unwrap().is_some());
    assert!(s.enqueue(&ask("a@b.tr", "10.0.0.3", NOW), Some(&limit)).await.unwrap().is_none(), "per address");
    assert!(s.enqueue(&ask("c@d.tr", "10.0.0.1", NOW), Some(&limit)).await.unwrap().is_some());
    assert!(s.enqueue(&ask("e@f.tr", "10.0.0.1", NOW), Some(&limit)).await.unwrap().is_some());
    assert!(s.enqueue(&ask("g@h.tr", "10.0.0.1", NOW), Some(&limit)).await.unwrap().is_none(), "per client");
    // Other kinds do not count, and the window moves on.
    assert!(s.enqueue(&job("invitation", "a@b.tr", Some("10.0.0.1"), NOW), Some(&limit)).await.unwrap().is_some());
    let later = JobLimit { since: NOW + Duration::seconds(1), ..limit };
    let next_hour = NOW + Duration::hours(1) + Duration::seconds(1);
    assert!(s.enqueue(&ask("a@b.tr", "10.0.0.1", next_hour), Some(&later)).await.unwrap().is_some());
    // Parallel requests cannot all pass the count before any of them is stored.
    let mut tasks = Vec::new();
    for i in 0..8 {
        let store = db.store.clone();
        let limit = JobLimit { since: NOW - Duration::hours(1), per_key: 2, per_client: 100 };
        tasks.push(tokio::spawn(async move {
            store.enqueue(&job("password_reset", "race@b.tr", Some(&format!("10.1.0.{i}")), NOW), Some(&limit)).await
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        accepted += usize::from(t.await.unwrap().unwrap().is_some());
    }
    assert_eq!(accepted, 2);
}

async fn two_nodes_send_each_job_exactly_once(db: TestDb) {
    // A second node: its own pool on the same database.
    let other: Arc<dyn ldp_core::store::Store> =
        Arc::new(ldp_store::connect(&db.url, PoolSettings::default()).await.expect("second node connects"));
    let clock = ldp_testkit::clock();
    let handler = Flaky::default();
    let node_a = runner(db.shared(), clock.clone(), handler.clone());
    let node_b = runner(other, clock.clone(), handler.clone());
    for i in 0..40 {
        node_a.queue().enqueue(&job("mail", &format!("u{i}@b.tr"), None, NOW), None).await.unwrap();
    }
    let (a, b) = tokio::join!(node_a.run_due(), node_b.run_due());
    assert_eq!(a.unwrap() + b.unwrap(), 40);
    let runs = handler.runs.lock().unwrap().clone();
    let mut per_job: HashMap<i64, usize> = HashMap::new();
    for (id, _) in &runs {
        *per_job.entry(*id).or_default() += 1;
    }
    assert_eq!(per_job.len(), 40);
    assert!(per_job.values().all(|n| *n == 1), "every job ran once: {per_job:?}");
    let (system, only_done) =
        (Actor::system("test"), JobFilter { state: Some(JobState::Done), page: Page::first(100) });
    assert_eq!(node_a.list(&system, &only_done).await.unwrap().total, 40);
}

/// A stored user of `role`, as the actor of a request.
async fn user(db: &TestDb, role: Role) -> Actor {
    let email = format!("{}@mmu.org.tr", role.as_str());
    let new = NewUser {
        email: email.clone(),
        email_folded: email,
        name: String::new(),
        role,
        municipalities: vec![],
        password_hash: None,
    };
    let change = Change::new(&Actor::system("test"), NOW, "create", "user");
    let id = db.store.create_user(&new, &change).await.unwrap();
    Actor::user(&db.store.user(id).await.unwrap().unwrap().user, None)
}

async fn staff_see_the_outbox_and_send_a_failed_mail_again(db: TestDb) {
    let clock = ldp_testkit::clock();
    let jobs = runner(db.shared(), clock.clone(), Flaky { fail: 3, ..Flaky::default() });
    let id = jobs.queue().enqueue(&job("mail", "a@b.tr", None, NOW), None).await.unwrap().unwrap();
    for minutes in [0, 10, 30] {
        clock.set(NOW + Duration::minutes(minutes));
        jobs.run_due().await.unwrap();
    }
    let (auditor, representative) = (user(&db, Role::Auditor).await, user(&db, Role::Representative).await);
    let (staff, admin) = (user(&db, Role::Staff).await, user(&db, Role::Admin).await);
    let failed = JobFilter { state: Some(JobState::Failed), ..JobFilter::default() };
    assert_eq!(jobs.list(&auditor, &failed).await.unwrap().total, 1, "auditors read the outbox");
    assert!(matches!(jobs.list(&representative, &failed).await, Err(ServiceError::Forbidden)));
    assert!(matches!(jobs.retry(&auditor, id).await, Err(ServiceError::Forbidden)));
    jobs.retry(&staff, id).await.unwrap();
    assert!(matches!(jobs.retry(&staff, id).await, Err(ServiceError::NotFound)), "only failed ones");
    assert_eq!(jobs.run_due().await.unwrap(), 1);
    let all = jobs.list(&admin, &JobFilter::default()).await.unwrap().items;
    assert_eq!((all[0].state, all[0].outcome.as_deref()), (JobState::Done, Some("sent")));
    let filter = AuditFilter { record_type: Some("job".into()), ..AuditFilter::default() };
    let audit = db.store.list_audit(&filter, Page::first(10)).await.unwrap();
    assert_eq!(audit.items.len(), 1, "the retry is audited");
    assert_eq!(audit.items[0].actor, "staff@mmu.org.tr");
}

async fn finished_jobs_are_pruned_after_the_retention(db: TestDb) {
    let clock = ldp_testkit::clock();
    let jobs = runner(db.shared(), clock.clone(), Flaky::default());
    jobs.queue().enqueue(&job("mail", "a@b.tr", None, NOW), None).await.unwrap();
    jobs.run_due().await.unwrap();
    jobs.queue().enqueue(&job("mail", "later@b.tr", None, NOW + Duration::days(40)), None).await.unwrap();
    assert_eq!(jobs.prune().await.unwrap(), 0, "kept for the retention");
    clock.set(NOW + Duration::days(31));
    assert_eq!(jobs.prune().await.unwrap(), 1);
    assert_eq!(db.store.jobs(&JobFilter::default()).await.unwrap().total, 1, "pending jobs stay");
}
