//! The job queue: work that must happen after a commit and off the request path (mail first; event
//! reminders later). Jobs live in the database, so every node sees the same queue: a job is claimed by one
//! worker at a time (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has a single writer), failures retry
//! with a growing delay, and staff see the queue as the workspace's outbox.
//!
//! Its storage trait ([`JobStore`]) lives beside its domain, like every capability's; [`crate::store::Store`]
//! includes it. [`JobWrites`] queues a job inside a [`crate::store::UnitOfWork`], in the transaction of the
//! change it follows.

use async_trait::async_trait;
use serde::Serialize;
use time::OffsetDateTime;

use crate::domain::{Change, Page, Paged};
use crate::store::StoreResult;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, utoipa::ToSchema)]
pub struct JobId(pub i64);

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its `run_at`.
    Pending,
    /// Claimed by a worker until its lease ends.
    Running,
    /// Finished; `outcome` says how.
    Done,
    /// Gave up after its last attempt; `last_error` says why. Staff may send it again.
    Failed,
}

impl JobState {
    pub const ALL: [JobState; 4] = [JobState::Pending, JobState::Running, JobState::Done, JobState::Failed];

    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A job to queue.
#[derive(Debug, Clone, PartialEq)]
pub struct NewJob {
    /// Which handler runs it, e.g. `password_reset`.
    pub kind: &'static str,
    /// What the job is about, for rate limits and the outbox (a folded e-mail address).
    pub key: Option<String>,
    /// The client address whose request queued it, for rate limits.
    pub client: Option<String>,
    /// The handler's input.
    pub payload: serde_json::Value,
    pub created_at: OffsetDateTime,
    pub run_at: OffsetDateTime,
}

/// A queued job as stored.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub key: Option<String>,
    /// The handler's input; not published (it is for the worker).
    #[serde(skip)]
    #[schema(ignore)]
    pub payload: serde_json::Value,
    pub state: JobState,
    /// Attempts started so far (a claim counts as one).
    pub attempts: i32,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// When the next attempt is due (pending), or was due (finished).
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub run_at: OffsetDateTime,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub finished_at: Option<OffsetDateTime>,
    /// The last failure, kept after a later success.
    pub last_error: Option<String>,
    /// How a finished job ended (`sent`, `no_active_account`, …).
    pub outcome: Option<String>,
}

/// A limit on how many jobs of one kind a key or a client may queue within a window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobLimit {
    pub since: OffsetDateTime,
    pub per_key: u32,
    pub per_client: u32,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobFinish {
    Done {
        outcome: String,
    },
    /// Try again at `at`.
    Retry {
        at: OffsetDateTime,
        error: String,
    },
    Failed {
        error: String,
    },
}

/// Which jobs to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    pub state: Option<JobState>,
    pub page: Page,
}

/// Storage of the job queue.
#[async_trait]
pub trait JobStore: Send + Sync + 'static {
    /// Queues a job. With a `limit`, the counts and the insert happen atomically, and `None` comes back
    /// (nothing queued) when the key or the client already queued that many jobs of the kind since
    /// `limit.since`.
    async fn enqueue(&self, job: &NewJob, limit: Option<&JobLimit>) -> StoreResult<Option<JobId>>;

    /// Claims the next due job (pending and due, or running with an ended lease), counts the attempt, and
    /// leases it until `lease_until`. Two workers never claim the same job at the same time.
    async fn claim_job(&self, now: OffsetDateTime, lease_until: OffsetDateTime) -> StoreResult<Option<Job>>;

    /// Records how attempt `attempt` of a claimed job ended. Returns `false`, changing nothing, when the job
    /// is no longer that attempt's (its lease ended and another worker claimed it).
    async fn finish_job(&self, id: JobId, attempt: i32, now: OffsetDateTime, finish: &JobFinish) -> StoreResult<bool>;

    /// Jobs, newest first.
    async fn jobs(&self, filter: &JobFilter) -> StoreResult<Paged<Job>>;

    /// Queues a failed job again, due now, with the audit entry `change`. `false` if it is not failed.
    async fn retry_job(&self, id: JobId, now: OffsetDateTime, change: &Change) -> StoreResult<bool>;

    /// Deletes finished jobs (done or failed) that finished before `before`. Returns how many went.
    async fn prune_jobs(&self, before: OffsetDateTime) -> StoreResult<u64>;
}

/// The job queue's writes that can join a [`crate::store::UnitOfWork`], so a job is queued in the same
/// transaction as the change it follows (an account and its invitation mail).
#[async_trait]
pub trait JobWrites: Send {
    /// Queues a job (without a rate limit).
    async fn enqueue(&mut self, job: &NewJob) -> StoreResult<JobId>;
}
