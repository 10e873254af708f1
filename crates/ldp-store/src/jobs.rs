//! The job queue's storage ([`JobStore`]).

use async_trait::async_trait;
use time::OffsetDateTime;

use ldp_core::domain::{Change, Paged};
use ldp_core::jobs::{Job, JobFilter, JobFinish, JobId, JobLimit, JobState, JobStore, JobWrites, NewJob};
use ldp_core::store::{Backend, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;
use crate::ts::Ts;
use crate::unit_of_work::{SqlUnit, on_unit};

const JOB_COLUMNS: &str =
    "id, kind, job_key, payload, state, attempts, created_at, run_at, finished_at, last_error, outcome";

/// The worker's claim of the next due job, up to the end of its sub-select (PostgreSQL adds its row lock there).
const CLAIM: &str = "UPDATE job SET state = 'running', attempts = attempts + 1, locked_until = $2 WHERE id = \
    (SELECT id FROM job WHERE (state = 'pending' AND run_at <= $1) OR (state = 'running' AND locked_until <= $1) \
    ORDER BY run_at, id LIMIT 1";

/// Queues `$job` on `$conn` (inside the caller's transaction).
macro_rules! insert_job {
    ($conn:expr, $job:expr) => {{
        let j: &ldp_core::jobs::NewJob = $job;
        sqlx::query_scalar::<Db, i64>(
            "INSERT INTO job (kind, job_key, client, payload, state, attempts, created_at, run_at) \
             VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6) RETURNING id",
        )
        .bind(j.kind)
        .bind(j.key.as_deref())
        .bind(j.client.as_deref())
        .bind(j.payload.to_string())
        .bind($crate::ts::Ts(j.created_at))
        .bind($crate::ts::Ts(j.run_at))
        .fetch_one($conn)
        .await
        .map_err($crate::pool::db)?
    }};
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: i64,
    kind: String,
    job_key: Option<String>,
    payload: String,
    state: String,
    attempts: i32,
    created_at: OffsetDateTime,
    run_at: OffsetDateTime,
    finished_at: Option<OffsetDateTime>,
    last_error: Option<String>,
    outcome: Option<String>,
}

impl TryFrom<JobRow> for Job {
    type Error = ldp_core::store::StoreError;

    fn try_from(r: JobRow) -> StoreResult<Job> {
        Ok(Job {
            id: JobId(r.id),
            state: JobState::parse(&r.state).ok_or_else(|| corrupt(format!("job.state {}", r.state)))?,
            payload: serde_json::from_str(&r.payload).map_err(|e| corrupt(format!("job.payload: {e}")))?,
            kind: r.kind,
            key: r.job_key,
            attempts: r.attempts,
            created_at: r.created_at,
            run_at: r.run_at,
            finished_at: r.finished_at,
            last_error: r.last_error,
            outcome: r.outcome,
        })
    }
}

#[async_trait]
impl JobStore for SqlStore {
    async fn enqueue(&self, job: &NewJob, limit: Option<&JobLimit>) -> StoreResult<Option<JobId>> {
        let backend = self.backend_kind();
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            if let Some(limit) = limit {
                if backend == Backend::Postgres {
                    // Serialises the count-then-insert of this kind across nodes (SQLite's write lock
                    // already does, from BEGIN IMMEDIATE on).
                    sqlx::query::<Db>("SELECT pg_advisory_xact_lock(hashtext('job:' || $1))")
                        .bind(job.kind).execute(&mut *tx).await.map_err(db)?;
                }
                let by_key: i64 = sqlx::query_scalar::<Db, i64>(
                    "SELECT COUNT(*) FROM job WHERE kind = $1 AND job_key = $2 AND created_at >= $3",
                )
                .bind(job.kind).bind(job.key.as_deref()).bind(Ts(limit.since))
                .fetch_one(&mut *tx).await.map_err(db)?;
                let by_client: i64 = match job.client.as_deref() {
                    None => 0,
                    Some(client) => sqlx::query_scalar::<Db, i64>(
                        "SELECT COUNT(*) FROM job WHERE kind = $1 AND client = $2 AND created_at >= $3",
                    )
                    .bind(job.kind).bind(client).bind(Ts(limit.since))
                    .fetch_one(&mut *tx).await.map_err(db)?,
                };
                if by_key >= i64::from(limit.per_key) || by_client >= i64::from(limit.per_client) {
                    return Ok(None);
                }
            }
            let id = insert_job!(&mut *tx, job);
            tx.commit().await.map_err(db)?;
            Ok(Some(JobId(id)))
        })
    }

    async fn claim_job(&self, now: OffsetDateTime, lease_until: OffsetDateTime) -> StoreResult<Option<Job>> {
        // One statement: the choice and the claim cannot be split by another worker. PostgreSQL skips rows
        // another transaction is claiming; SQLite runs one writer at a time.
        let row = dispatch!(&self.pools, pool => {
            let sql = match self.backend_kind() {
                Backend::Postgres => static_sql!("{CLAIM} FOR UPDATE SKIP LOCKED) RETURNING {JOB_COLUMNS}"),
                Backend::Sqlite => static_sql!("{CLAIM}) RETURNING {JOB_COLUMNS}"),
            };
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let row = sqlx::query_as::<Db, JobRow>(sql)
                .bind(Ts(now)).bind(Ts(lease_until))
                .fetch_optional(&mut *tx).await.map_err(db)?;
            tx.commit().await.map_err(db)?;
            row
        });
        row.map(Job::try_from).transpose()
    }

    async fn finish_job(&self, id: JobId, attempt: i32, now: OffsetDateTime, finish: &JobFinish) -> StoreResult<bool> {
        let (state, run_at, finished_at, error, outcome) = match finish {
            JobFinish::Done { outcome } => ("done", None, Some(Ts(now)), None, Some(outcome.as_str())),
            JobFinish::Retry { at, error } => ("pending", Some(Ts(*at)), None, Some(error.as_str()), None),
            JobFinish::Failed { error } => ("failed", None, Some(Ts(now)), Some(error.as_str()), None),
        };
        let done = dispatch!(&self.pools, pool => {
            sqlx::query::<Db>(
                "UPDATE job SET state = $1, run_at = COALESCE($2, run_at), finished_at = $3, \
                 last_error = COALESCE($4, last_error), outcome = $5, locked_until = NULL \
                 WHERE id = $6 AND attempts = $7 AND state = 'running'",
            )
            .bind(state).bind(run_at).bind(finished_at).bind(error).bind(outcome).bind(id.0).bind(attempt)
            .execute(pool).await.map_err(db)?.rows_affected()
        });
        Ok(done == 1)
    }

    async fn jobs(&self, filter: &JobFilter) -> StoreResult<Paged<Job>> {
        let state = filter.state.map(JobState::as_str);
        let (rows, total) = dispatch!(&self.pools, pool => {
            let rows = sqlx::query_as::<Db, JobRow>(static_sql!(
                "SELECT {JOB_COLUMNS} FROM job WHERE ($1 IS NULL OR state = $1) ORDER BY id DESC LIMIT $2 OFFSET $3"
            ))
            .bind(state).bind(i64::from(filter.page.size())).bind(filter.page.offset())
            .fetch_all(pool).await.map_err(db)?;
            let total: i64 = sqlx::query_scalar::<Db, i64>("SELECT COUNT(*) FROM job WHERE ($1 IS NULL OR state = $1)")
                .bind(state).fetch_one(pool).await.map_err(db)?;
            (rows, total)
        });
        let items = rows.into_iter().map(Job::try_from).collect::<StoreResult<Vec<_>>>()?;
        Ok(Paged::new(items, filter.page, u64::try_from(total).unwrap_or(0)))
    }

    async fn retry_job(&self, id: JobId, now: OffsetDateTime, change: &Change) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE job SET state = 'pending', run_at = $1, attempts = 0, finished_at = NULL \
                 WHERE id = $2 AND state = 'failed'",
            )
            .bind(Ts(now)).bind(id.0).execute(&mut *tx).await.map_err(db)?.rows_affected();
            if done != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            Ok(true)
        })
    }

    async fn prune_jobs(&self, before: OffsetDateTime) -> StoreResult<u64> {
        Ok(dispatch!(&self.pools, pool => {
            sqlx::query::<Db>("DELETE FROM job WHERE state IN ('done', 'failed') AND finished_at < $1")
                .bind(Ts(before)).execute(pool).await.map_err(db)?.rows_affected()
        }))
    }
}

/// The job queue's write inside a unit of work: the job is queued only if the unit commits.
#[async_trait]
impl JobWrites for SqlUnit {
    async fn enqueue(&mut self, job: &NewJob) -> StoreResult<JobId> {
        Ok(JobId(on_unit!(self, conn => insert_job!(&mut *conn, job))))
    }
}
