//! Running the job queue: a worker claims due jobs, hands each to the handler of its kind, and records the
//! outcome; failures retry with a doubling delay up to a last attempt. Every node may run workers: the
//! store's claim gives each job to one of them at a time.

use async_trait::async_trait;
use std::sync::Arc;
use time::Duration;
use tokio::sync::Notify;

use super::ServiceError;
use crate::clock::Clock;
use crate::domain::{Actor, Change, Paged};
use crate::jobs::{Job, JobFilter, JobFinish, JobId, JobLimit, JobStore, NewJob};

/// Runs the jobs of some kinds.
#[async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// Whether this handler runs jobs of `kind`.
    fn handles(&self, kind: &str) -> bool;

    /// Runs one attempt. `Ok` names the outcome (`sent`, `no_active_account`); `Err` is a failure worth
    /// another attempt (the mail server refused or could not be reached).
    async fn run(&self, job: &Job) -> Result<String, String>;
}

/// How the queue retries.
#[derive(Debug, Clone, Copy)]
pub struct JobSettings {
    /// How long a claimed job stays with its worker before another may take it over.
    pub lease: Duration,
    /// Attempts before a job is marked failed.
    pub max_attempts: i32,
    /// Delay after the first failure; it doubles with each further one, up to `max_delay`.
    pub first_delay: Duration,
    pub max_delay: Duration,
    /// Finished jobs are deleted this long after they finished.
    pub retention: Duration,
}

impl Default for JobSettings {
    fn default() -> Self {
        JobSettings {
            lease: Duration::minutes(5),
            max_attempts: 6,
            first_delay: Duration::seconds(30),
            max_delay: Duration::hours(1),
            retention: Duration::days(30),
        }
    }
}

impl JobSettings {
    /// The delay before the attempt after `attempts` failed ones.
    pub fn delay_after(&self, attempts: i32) -> Duration {
        let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
        let delay = self.first_delay.saturating_mul(1i32 << doublings.min(30));
        delay.min(self.max_delay)
    }
}

/// Where services queue jobs: the store and the bell that wakes this node's worker at once.
#[derive(Clone)]
pub struct JobQueue {
    store: Arc<dyn JobStore>,
    wake: Arc<Notify>,
}

impl JobQueue {
    pub fn new(store: Arc<dyn JobStore>) -> Self {
        JobQueue { store, wake: Arc::new(Notify::new()) }
    }

    /// Queues a job (within `limit`, if any) and wakes the worker. `Ok(None)`: the limit refused it.
    pub async fn enqueue(&self, job: &NewJob, limit: Option<&JobLimit>) -> Result<Option<JobId>, ServiceError> {
        let id = self.store.enqueue(job, limit).await?;
        if id.is_some() {
            self.wake.notify_one();
        }
        Ok(id)
    }

    /// Wakes the worker (after a job was queued inside another capability's transaction).
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Resolves when a job was queued on this node (or at once if one was queued since the last wait).
    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    pub fn store(&self) -> &Arc<dyn JobStore> {
        &self.store
    }
}

/// The worker and the outbox.
#[derive(Clone)]
pub struct Jobs {
    queue: JobQueue,
    clock: Arc<dyn Clock>,
    handlers: Vec<Arc<dyn JobHandler>>,
    settings: JobSettings,
}

impl Jobs {
    pub fn new(
        queue: JobQueue,
        clock: Arc<dyn Clock>,
        handlers: Vec<Arc<dyn JobHandler>>,
        settings: JobSettings,
    ) -> Self {
        Jobs { queue, clock, handlers, settings }
    }

    pub fn queue(&self) -> &JobQueue {
        &self.queue
    }

    /// Claims and runs due jobs until none is left; returns how many attempts ran.
    pub async fn run_due(&self) -> Result<usize, ServiceError> {
        let mut ran = 0;
        loop {
            let now = self.clock.now();
            let Some(job) = self.queue.store.claim_job(now, now + self.settings.lease).await? else {
                return Ok(ran);
            };
            ran += 1;
            let finish = self.attempt(&job).await;
            let finished = self.queue.store.finish_job(job.id, job.attempts, self.clock.now(), &finish).await?;
            if !finished {
                tracing::warn!(job = job.id.0, kind = %job.kind, "job finished after its lease ended; another worker had it");
            }
        }
    }

    async fn attempt(&self, job: &Job) -> JobFinish {
        let Some(handler) = self.handlers.iter().find(|h| h.handles(&job.kind)) else {
            tracing::error!(job = job.id.0, kind = %job.kind, "no handler for this kind of job");
            return JobFinish::Failed { error: format!("no handler for jobs of kind {}", job.kind) };
        };
        match handler.run(job).await {
            Ok(outcome) => {
                tracing::info!(job = job.id.0, kind = %job.kind, %outcome, "job done");
                JobFinish::Done { outcome }
            }
            Err(error) if job.attempts >= self.settings.max_attempts => {
                tracing::error!(job = job.id.0, kind = %job.kind, %error, attempts = job.attempts, "job failed for good");
                JobFinish::Failed { error }
            }
            Err(error) => {
                let at = self.clock.now() + self.settings.delay_after(job.attempts);
                tracing::warn!(job = job.id.0, kind = %job.kind, %error, attempts = job.attempts, "job failed; will retry");
                JobFinish::Retry { at, error }
            }
        }
    }

    /// Deletes jobs that finished longer ago than the retention.
    pub async fn prune(&self) -> Result<u64, ServiceError> {
        Ok(self.queue.store.prune_jobs(self.clock.now() - self.settings.retention).await?)
    }

    /// The outbox: admins, staff and auditors see every queued, sent and failed job.
    pub async fn list(&self, actor: &Actor, filter: &JobFilter) -> Result<Paged<Job>, ServiceError> {
        if !actor.reads_everything() {
            return Err(ServiceError::Forbidden);
        }
        Ok(self.queue.store.jobs(filter).await?)
    }

    /// Queues a failed job again, due now (admins and staff).
    pub async fn retry(&self, actor: &Actor, id: JobId) -> Result<(), ServiceError> {
        if !actor.invites_users() {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let change = Change::new(actor, now, "retry", "job").record(id.0);
        if !self.queue.store.retry_job(id, now, &change).await? {
            return Err(ServiceError::NotFound);
        }
        self.queue.wake();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_delay_doubles_up_to_its_ceiling() {
        let s = JobSettings::default();
        assert_eq!(s.delay_after(1), Duration::seconds(30));
        assert_eq!(s.delay_after(2), Duration::seconds(60));
        assert_eq!(s.delay_after(3), Duration::seconds(120));
        assert_eq!(s.delay_after(40), Duration::hours(1));
    }
}
