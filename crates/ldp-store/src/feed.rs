//! The change feed's storage side: the `data_version` table (migration 0012), bumped inside the transaction of
//! every write that changes what pages show, and the follower that tells this node's [`ChangeFeed`] about
//! commits made elsewhere.
//!
//! A node learns of a version three ways: right after its own commit ([`SqlStore::committed`]), from a
//! PostgreSQL notification (the table's trigger calls `pg_notify` in the writing transaction, so it is
//! delivered at commit and never for a rollback), and by reading the table every poll interval, which also
//! covers SQLite files written by another process (the `ldp` CLI while `ldp serve` runs) and notifications
//! lost while the listening connection was down.

use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};

use ldp_core::feed::{ChangeFeed, Topic, Versions};
use ldp_core::store::StoreResult;

use crate::SqlStore;
use crate::pool::{Pools, dispatch};

/// The notification channel the `data_version` trigger sends `topic:version` on.
const CHANNEL: &str = "ldp_data_version";

/// The PostgreSQL application name of the listening connection (so operators, and the tests that cut it,
/// can tell it apart from the pool's).
pub const LISTENER_APPLICATION_NAME: &str = "ldp-feed";

/// The longest wait between two attempts to reconnect the listener.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Bumps the versions of `$topics` (a `&[Topic]`) on `$conn`, inside a `dispatch!` body and the write's
/// transaction. Nothing happens for no topics.
macro_rules! bump_versions {
    ($conn:expr, $topics:expr) => {{
        let topics: &[ldp_core::feed::Topic] = $topics;
        // Four slots a statement (most writes name one to three topics); unused ones repeat the chunk's first.
        // A write of an unknown record type names every topic: as many statements as it takes.
        for chunk in topics.chunks(4) {
            let at = |i: usize| chunk.get(i).unwrap_or(&chunk[0]).as_str();
            sqlx::query::<Db>("UPDATE data_version SET version = version + 1 WHERE topic IN ($1, $2, $3, $4)")
                .bind(at(0))
                .bind(at(1))
                .bind(at(2))
                .bind(at(3))
                .execute(&mut *$conn)
                .await
                .map_err($crate::pool::db)?;
        }
    }};
}
pub(crate) use bump_versions;

/// Reads `topic:version` (a notification's payload).
fn parse_notice(payload: &str) -> Option<Versions> {
    let (topic, version) = payload.split_once(':')?;
    let mut seen = Versions::default();
    seen.set(Topic::parse(topic)?, version.parse().ok()?);
    Some(seen)
}

/// Reads every topic's version on `$executor` (a pool, or a transaction's connection to see its own bumps),
/// inside a `dispatch!`/`on_unit!` body; evaluates to the [`Versions`].
macro_rules! read_versions {
    ($executor:expr) => {
        $crate::feed::versions_from(
            sqlx::query_as::<Db, (String, i64)>("SELECT topic, version FROM data_version")
                .fetch_all($executor)
                .await
                .map_err($crate::pool::db)?,
        )
    };
}
pub(crate) use read_versions;

/// The versions in rows of the `data_version` table (unknown topics, from a newer release, are skipped).
pub(crate) fn versions_from(rows: Vec<(String, i64)>) -> Versions {
    let mut versions = Versions::default();
    for (topic, version) in rows {
        if let Some(topic) = Topic::parse(&topic) {
            versions.set(topic, version);
        }
    }
    versions
}

impl SqlStore {
    /// The versions as committed now.
    pub(crate) async fn data_versions_q(&self) -> StoreResult<Versions> {
        Ok(dispatch!(&self.pools, pool => read_versions!(pool)))
    }

    /// Tells this node's feed what a commit of its own just wrote, so the next request on this node sees it.
    /// A failed read only delays that to the next poll.
    pub(crate) async fn committed(&self) {
        match self.data_versions_q().await {
            Ok(v) => {
                self.feed.observe(v);
            }
            Err(e) => tracing::warn!(error = %e, "could not read the data versions after a commit"),
        }
    }

    /// Reads the table once and raises the feed.
    async fn poll_once(&self) {
        match self.data_versions_q().await {
            Ok(v) => {
                if self.feed.observe(v) {
                    tracing::debug!(versions = ?v, "data versions moved");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not read the data versions; trying again"),
        }
    }

    pub(crate) async fn follow_changes_loop(&self, poll: Duration) {
        let polling = async {
            let mut ticks = tokio::time::interval(poll);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                self.poll_once().await;
            }
        };
        match &self.pools {
            Pools::Postgres(pool) => {
                let options = (*pool.connect_options()).clone().application_name(LISTENER_APPLICATION_NAME);
                tokio::join!(polling, self.listen(options));
            }
            Pools::Sqlite(_) => polling.await,
        }
    }

    /// Listens for notifications forever, reconnecting with back-off; after each (re)connection the table is
    /// read once, since notices sent while no one listened are lost.
    async fn listen(&self, options: PgConnectOptions) {
        let mut backoff = Duration::from_millis(100);
        loop {
            match self.listen_once(options.clone()).await {
                Ok(()) => backoff = Duration::from_millis(100),
                Err(e) => {
                    tracing::warn!(error = %e, retry_in_ms = backoff.as_millis() as u64, "change feed listener lost");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// One listening connection's life: returns `Ok` when a healthy connection ended, `Err` when it failed.
    async fn listen_once(&self, options: PgConnectOptions) -> Result<(), sqlx::Error> {
        // A pool of its own, so the listener never takes one of the pool's connections for good.
        let pool: PgPool = PgPoolOptions::new().max_connections(1).connect_with(options).await?;
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(CHANNEL).await?;
        self.poll_once().await;
        let result = loop {
            match listener.try_recv().await {
                Ok(Some(notice)) => match parse_notice(notice.payload()) {
                    Some(seen) => {
                        self.feed.observe(seen);
                    }
                    None => tracing::warn!(payload = notice.payload(), "unreadable change notice"),
                },
                // The connection dropped; start over with a fresh one (and a fresh read).
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        // Dropping the listener hands its connection back (after `UNLISTEN`), and the last handle of its pool
        // closes it; nothing to wait for.
        drop(listener);
        drop(pool);
        result
    }

    /// This node's feed.
    pub(crate) fn feed(&self) -> ChangeFeed {
        self.feed.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_name_a_topic_and_its_version() {
        let seen = parse_notice("partnerships:42").expect("well formed");
        assert_eq!(seen.get(Topic::Partnerships), 42);
        assert_eq!(seen.get(Topic::Reference), 0);
        assert_eq!(parse_notice("nope:1"), None);
        assert_eq!(parse_notice("reference"), None);
        assert_eq!(parse_notice("reference:x"), None);
    }
}
