//! The two native pools behind one type, chosen by the database URL.
//!
//! `sqlx::Any` cannot bind dates or blobs, so each backend keeps its native pool and [`dispatch!`] expands the
//! same portable SQL for both. Dialect differences stay in the few places that name a backend.

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::time::Duration;

use ldp_core::store::StoreError;

/// A pool for one of the supported engines.
#[derive(Clone, Debug)]
pub(crate) enum Pools {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` against whichever pool is in use. Inside it, `Db` names the backend's `sqlx::Database` and
/// `BEGIN_WRITE` is the statement that opens a transaction that will write: on SQLite `BEGIN IMMEDIATE`
/// takes the write lock at once, so concurrent writers wait on the busy timeout instead of failing when a
/// read lock cannot be upgraded.
macro_rules! dispatch {
    ($pools:expr, $pool:ident => $body:expr) => {
        match $pools {
            $crate::pool::Pools::Sqlite($pool) => {
                #[allow(dead_code, reason = "not every body names the backend type")]
                type Db = sqlx::Sqlite;
                #[allow(dead_code, reason = "not every body writes")]
                const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";
                $body
            }
            $crate::pool::Pools::Postgres($pool) => {
                #[allow(dead_code, reason = "not every body names the backend type")]
                type Db = sqlx::Postgres;
                #[allow(dead_code, reason = "not every body writes")]
                const BEGIN_WRITE: &str = "BEGIN";
                $body
            }
        }
    };
}
pub(crate) use dispatch;

/// SQL composed once from shared fragments, as a `&'static str` (sqlx accepts only static SQL without an
/// explicit audit).
macro_rules! static_sql {
    ($($arg:tt)*) => {{
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| format!($($arg)*));
        SQL.as_str()
    }};
}
pub(crate) use static_sql;

/// Why a database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported database URL (expected sqlite:… or postgres://…): {0}")]
    UnsupportedUrl(String),
    #[error("could not open the database: {0}")]
    Open(#[from] sqlx::Error),
}

/// How many connections a node keeps.
#[derive(Debug, Clone, Copy)]
pub struct PoolSettings {
    pub max_connections: u32,
    pub acquire_timeout: Duration,
}

impl Default for PoolSettings {
    fn default() -> Self {
        PoolSettings { max_connections: 8, acquire_timeout: Duration::from_secs(10) }
    }
}

pub(crate) async fn open(url: &str, settings: PoolSettings) -> Result<Pools, ConnectError> {
    if url.starts_with("sqlite:") {
        // WAL lets readers go on while one writer writes; foreign keys are off by default in SQLite.
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options)
            .await?;
        Ok(Pools::Sqlite(pool))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let options = PgConnectOptions::from_str(url)?.application_name("ldp");
        let pool = PgPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(settings.acquire_timeout)
            .connect_with(options)
            .await?;
        Ok(Pools::Postgres(pool))
    } else {
        Err(ConnectError::UnsupportedUrl(redact(url)))
    }
}

/// The URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// Turns a driver error into a store error, naming the constraint on conflicts.
pub(crate) fn db(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(ref d) = e
        && matches!(d.kind(), sqlx::error::ErrorKind::UniqueViolation | sqlx::error::ErrorKind::ForeignKeyViolation)
    {
        return StoreError::Conflict(d.constraint().unwrap_or("constraint").to_owned());
    }
    StoreError::Database(Box::new(e))
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact("postgres://ldp:secret@db:5432/ldp"), "postgres://ldp:***@db:5432/ldp");
        assert_eq!(redact("sqlite://ldp-data/ldp.sqlite3"), "sqlite://ldp-data/ldp.sqlite3");
    }
}
