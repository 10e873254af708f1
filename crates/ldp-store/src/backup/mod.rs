//! One file that holds a node's whole state: the database and the uploaded documents.
//!
//! `ldp backup FILE` writes a gzip-compressed tar archive whose first member is `manifest.json` (format,
//! engine, schema version, when, and the size and SHA-256 of every other member), then `database/…` and
//! `uploads/…`. On SQLite the database member is an online snapshot taken with `VACUUM INTO` while the server
//! goes on serving; on PostgreSQL it is a `pg_dump --format=custom` file. `ldp restore FILE` checks the
//! manifest and every member's hash in a staging folder before anything is put in place, so a corrupted
//! archive, a schema from another release or an occupied target is refused and leaves nothing behind.

mod archive;
mod postgres;
mod restore;

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

use ldp_core::store::Backend;

use crate::SqlStore;
use crate::pool::{Pools, db};

pub use restore::{RestoreSummary, RestoreTarget, restore, sqlite_file};

/// What the manifest's `format` says; anything else is not an ldp backup.
const FORMAT: &str = "ldp-backup";
/// The layout of the archive; a newer layout is refused by an older binary.
const FORMAT_VERSION: u32 = 1;
const MANIFEST: &str = "manifest.json";
const SQLITE_MEMBER: &str = "database/ldp.sqlite3";
const POSTGRES_MEMBER: &str = "database/ldp.pgdump";
const UPLOADS_PREFIX: &str = "uploads/";

/// The first member of every archive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    /// The release that wrote the archive.
    pub ldp_version: String,
    /// `sqlite` or `postgres`: a backup restores only into the same engine.
    pub engine: String,
    /// The newest database migration applied when the backup was taken.
    pub schema_version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// Every other member, in archive order.
    pub members: Vec<Member>,
}

/// One file in the archive.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Member {
    pub path: String,
    pub size: u64,
    pub sha256: String,
}

/// What a backup wrote.
#[derive(Debug, Clone)]
pub struct BackupSummary {
    pub file: PathBuf,
    pub engine: Backend,
    pub schema_version: i64,
    pub database_bytes: u64,
    pub uploads: usize,
    pub upload_bytes: u64,
    pub archive_bytes: u64,
}

/// Why a backup or a restore did not happen.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Database(String),
    #[error("{0} is not an ldp backup ({1})")]
    NotABackup(String, String),
    #[error("the backup is corrupted: {0}; nothing was restored")]
    Corrupted(String),
    #[error(
        "the backup holds schema version {archive}, this ldp expects {binary}: restore it with the ldp release \
         that wrote it ({release}), then upgrade"
    )]
    SchemaMismatch { archive: i64, binary: i64, release: String },
    #[error("the backup is of a {archive} database and the target is {target}; a backup restores into the same engine")]
    EngineMismatch { archive: String, target: String },
    #[error("{0}")]
    TargetNotEmpty(String),
    #[error("{0}")]
    Unsupported(String),
    #[error("{tool} failed: {message}")]
    Tool { tool: &'static str, message: String },
}

impl BackupError {
    fn io(context: impl Into<String>) -> impl FnOnce(std::io::Error) -> BackupError {
        let context = context.into();
        move |source| BackupError::Io { context, source }
    }
}

/// The newest migration this binary carries (both engines share the numbering).
pub fn binary_schema_version() -> i64 {
    crate::SQLITE_MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

fn engine_name(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

impl SqlStore {
    /// The newest migration applied to this database, or `None` on a database never migrated.
    pub async fn schema_version(&self) -> Result<Option<i64>, BackupError> {
        let sql = "SELECT MAX(version) FROM _sqlx_migrations WHERE success";
        let version = match &self.pools {
            Pools::Sqlite(pool) => sqlx::query_scalar::<_, Option<i64>>(sql).fetch_one(pool).await,
            Pools::Postgres(pool) => sqlx::query_scalar::<_, Option<i64>>(sql).fetch_one(pool).await,
        };
        version.map_err(|e| BackupError::Database(db(e).to_string()))
    }

    /// Writes a consistent copy of the SQLite database to `dest` while other connections go on reading and
    /// writing: `VACUUM INTO` runs in one read transaction, so it sees one committed state (WAL included).
    async fn snapshot_sqlite(&self, dest: &Path) -> Result<(), BackupError> {
        let Pools::Sqlite(pool) = &self.pools else {
            return Err(BackupError::Unsupported("a SQLite snapshot of a PostgreSQL database".into()));
        };
        let path = dest.to_str().ok_or_else(|| BackupError::Unsupported("a backup path that is not UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(path)
            .execute(pool)
            .await
            .map_err(|e| BackupError::Database(format!("VACUUM INTO: {}", db(e))))?;
        Ok(())
    }
}

/// Writes the database behind `store` (reached at `database_url`) and every file under `uploads` to `file`,
/// as of `created_at`. The archive is written beside `file` and renamed onto it only when complete.
pub async fn backup(
    store: &SqlStore,
    database_url: &str,
    uploads: &Path,
    file: &Path,
    created_at: OffsetDateTime,
) -> Result<BackupSummary, BackupError> {
    let binary = binary_schema_version();
    let schema_version = store.schema_version().await?.unwrap_or(0);
    if schema_version != binary {
        return Err(BackupError::Unsupported(format!(
            "the database is at schema version {schema_version} and this ldp at {binary}: back it up with the \
             release that matches it (or run `ldp migrate` first)"
        )));
    }
    let parent = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let staging = tempfile::Builder::new()
        .prefix(".ldp-backup-")
        .tempdir_in(&parent)
        .map_err(BackupError::io(format!("creating a staging folder in {}", parent.display())))?;
    let backend = store.backend_kind();
    let (member, database) = match backend {
        Backend::Sqlite => {
            let dest = staging.path().join("ldp.sqlite3");
            store.snapshot_sqlite(&dest).await?;
            (SQLITE_MEMBER, dest)
        }
        Backend::Postgres => {
            let dest = staging.path().join("ldp.pgdump");
            postgres::dump(database_url, &dest).await?;
            (POSTGRES_MEMBER, dest)
        }
    };
    let head = archive::Head {
        engine: engine_name(backend).to_owned(),
        schema_version,
        created_at,
        database: (member.to_owned(), database),
        uploads: uploads.to_path_buf(),
    };
    let (file, staging_path) = (file.to_path_buf(), staging.path().to_path_buf());
    let written = tokio::task::spawn_blocking(move || archive::write(&head, &staging_path, &file))
        .await
        .map_err(|e| BackupError::Database(format!("the archive writer stopped: {e}")))??;
    Ok(BackupSummary { engine: backend, schema_version, ..written })
}
