//! SQLite and PostgreSQL storage for the Local Diplomacy Platform.
//!
//! [`connect`] picks the backend from the URL (`sqlite:…` or `postgres://…`) and returns the one
//! [`Store`] implementation. SQL is shared where the dialects agree; migrations live in one folder per
//! backend with the same numbering.

mod accounts;
mod attendance;
mod audit;
pub mod backup;
mod calendar;
mod certificates;
mod contact;
mod content;
mod delegations;
mod event_links;
mod event_offers;
mod event_public;
mod events;
mod feed;
mod funding;
mod funding_documents;
mod jobs;
mod load;
mod merge;
mod network_registry;
mod news;
mod partnership_edits;
mod partnership_links;
mod partnerships;
mod pool;
mod portfolio;
mod projects;
mod publications;
mod read;
mod rows;
mod saved_searches;
mod tokens;
mod training_record;
mod ts;
mod unit_of_work;
mod uploads;
mod workspace;

pub use feed::LISTENER_APPLICATION_NAME;
pub use uploads::LocalUploads;

use async_trait::async_trait;
use std::sync::Arc;

use ldp_core::feed::{ChangeFeed, FeedStore, Versions};
use ldp_core::store::{Backend, Store, StoreError, StoreResult};

pub use pool::{ConnectError, PoolSettings, redact};
use pool::{Pools, db, dispatch};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The store over a native SQLite or PostgreSQL pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pools: Pools,
    /// This node's change feed, raised after each commit of this store and by [`FeedStore::follow_changes`].
    feed: ChangeFeed,
}

impl SqlStore {
    fn backend_kind(&self) -> Backend {
        match self.pools {
            Pools::Sqlite(_) => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs one statement as it is written, outside the [`Store`] interface: for tests that check what the
    /// schema itself refuses (the audit log's append-only triggers).
    #[doc(hidden)]
    pub async fn raw_execute(&self, sql: &str) -> StoreResult<u64> {
        dispatch!(&self.pools, pool => {
            Ok(sqlx::query::<Db>(sqlx::AssertSqlSafe(sql.to_owned())).execute(pool).await.map_err(db)?.rows_affected())
        })
    }

    /// The engine's plan for `sql` (PostgreSQL `EXPLAIN` with sequential scans priced out, so the plan
    /// shows whether an index *can* serve the query whatever the table's size; SQLite `EXPLAIN QUERY PLAN`).
    #[doc(hidden)]
    pub async fn query_plan(&self, sql: &str) -> StoreResult<String> {
        let lines: Vec<String> = match &self.pools {
            pool::Pools::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(db)?;
                sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await.map_err(db)?;
                sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")))
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db)?
            }
            pool::Pools::Sqlite(pool) => {
                sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                    .fetch_all(pool)
                    .await
                    .map_err(db)?
                    .into_iter()
                    .map(|row| row.3)
                    .collect()
            }
        };
        Ok(lines.join("\n"))
    }

    /// Closes every connection; used before a test drops its database.
    pub async fn close(&self) {
        dispatch!(&self.pools, pool => pool.close().await)
    }
}

/// Opens the database at `url` (without migrating it).
pub async fn connect(url: &str, settings: PoolSettings) -> Result<SqlStore, ConnectError> {
    Ok(SqlStore { pools: pool::open(url, settings).await?, feed: ChangeFeed::new() })
}

/// Opens the database at `url` as a shared [`Store`].
pub async fn connect_shared(url: &str, settings: PoolSettings) -> Result<Arc<dyn Store>, ConnectError> {
    Ok(Arc::new(connect(url, settings).await?))
}

#[async_trait]
impl FeedStore for SqlStore {
    fn change_feed(&self) -> ChangeFeed {
        self.feed()
    }

    async fn data_versions(&self) -> StoreResult<Versions> {
        self.data_versions_q().await
    }

    async fn follow_changes(&self, poll: std::time::Duration) {
        self.follow_changes_loop(poll).await
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend_kind()
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            sqlx::query::<Db>("SELECT 1").execute(pool).await.map_err(db)?;
        });
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn migrate(&self) -> StoreResult<()> {
        let result = match &self.pools {
            Pools::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Pools::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        };
        result.map_err(|e| StoreError::Database(Box::new(e)))
    }
}
