//! Restoring an archive: everything is unpacked and checked in a staging folder beside the target, and put
//! in place with one rename (SQLite) or one database transaction and one rename (PostgreSQL).

use flate2::read::GzDecoder;
use sha2::{Digest, Sha256};
use sqlx::Connection;
use std::collections::HashMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};
use time::OffsetDateTime;

use ldp_core::store::Backend;

use super::{
    BackupError, FORMAT, FORMAT_VERSION, MANIFEST, Manifest, POSTGRES_MEMBER, SQLITE_MEMBER, UPLOADS_PREFIX,
    binary_schema_version, engine_name, postgres,
};

/// Where a restore puts things: the data folder (uploads, and the SQLite file at its default place) and the
/// database.
#[derive(Debug, Clone)]
pub struct RestoreTarget {
    pub data_dir: PathBuf,
    pub database_url: String,
}

/// What a restore put in place.
#[derive(Debug, Clone)]
pub struct RestoreSummary {
    pub engine: Backend,
    pub schema_version: i64,
    pub created_at: OffsetDateTime,
    pub uploads: usize,
}

/// Restores `file` into `target`, which must be empty: a data folder that does not exist or holds nothing,
/// and on PostgreSQL a database without tables. On any error nothing is left behind.
pub async fn restore(file: &Path, target: &RestoreTarget) -> Result<RestoreSummary, BackupError> {
    let engine = engine_of(&target.database_url)?;
    // The manifest first: a foreign or mismatched archive is refused before the target is even looked at.
    let archive = file.to_path_buf();
    tokio::task::spawn_blocking(move || {
        read_manifest(&archive).and_then(|(m, name)| check_manifest(&m, &name, engine))
    })
    .await
    .map_err(|e| BackupError::Database(format!("the archive reader stopped: {e}")))??;
    if engine == Backend::Sqlite {
        let expected = target.data_dir.join("ldp.sqlite3");
        if sqlite_file(&target.database_url).as_deref() != Some(expected.as_path()) {
            return Err(BackupError::Unsupported(format!(
                "restore puts the SQLite database at {} (the data folder's default); drop --database-url or \
                 point it there",
                expected.display()
            )));
        }
        ensure_empty_dir(&target.data_dir)?;
    } else {
        ensure_empty_dir(&target.data_dir.join("uploads"))?;
        ensure_empty_postgres(&target.database_url).await?;
    }
    let parent = match target.data_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(BackupError::io(format!("creating {}", parent.display())))?;
    let staging = tempfile::Builder::new()
        .prefix(".ldp-restore-")
        .tempdir_in(&parent)
        .map_err(BackupError::io(format!("creating a staging folder in {}", parent.display())))?;
    let (archive, staged) = (file.to_path_buf(), staging.path().to_path_buf());
    let manifest = tokio::task::spawn_blocking(move || unpack(&archive, &staged, engine))
        .await
        .map_err(|e| BackupError::Database(format!("the archive reader stopped: {e}")))??;
    let data = staging.path().join("data");
    let uploads = manifest.members.iter().filter(|m| m.path.starts_with(UPLOADS_PREFIX)).count();
    std::fs::create_dir_all(data.join("uploads")).map_err(BackupError::io("creating the uploads folder"))?;
    match engine {
        Backend::Sqlite => {
            check_sqlite(&data.join("ldp.sqlite3"), manifest.schema_version).await?;
            // rename(2) replaces an empty folder, so the data folder appears whole or not at all.
            std::fs::rename(&data, &target.data_dir)
                .map_err(BackupError::io(format!("moving the restored data to {}", target.data_dir.display())))?;
        }
        Backend::Postgres => {
            postgres::restore(&target.database_url, &staging.path().join("ldp.pgdump")).await?;
            std::fs::create_dir_all(&target.data_dir)
                .map_err(BackupError::io(format!("creating {}", target.data_dir.display())))?;
            let dest = target.data_dir.join("uploads");
            std::fs::rename(data.join("uploads"), &dest)
                .map_err(BackupError::io(format!("moving the restored uploads to {}", dest.display())))?;
        }
    }
    Ok(RestoreSummary { engine, schema_version: manifest.schema_version, created_at: manifest.created_at, uploads })
}

fn engine_of(url: &str) -> Result<Backend, BackupError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(BackupError::Unsupported(format!("unsupported database URL: {}", crate::redact(url))))
    }
}

/// The file a `sqlite:` URL names, or `None` for another engine.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    Some(PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

fn ensure_empty_dir(dir: &Path) -> Result<(), BackupError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(BackupError::Io { context: format!("reading {}", dir.display()), source: e }),
    };
    let mut names: Vec<String> =
        entries.filter_map(Result::ok).map(|e| e.file_name().to_string_lossy().into()).collect();
    if names.is_empty() {
        return Ok(());
    }
    names.sort();
    names.truncate(5);
    Err(BackupError::TargetNotEmpty(format!(
        "{} is not empty (it holds {}): restore into a new or empty folder, or move this one aside first",
        dir.display(),
        names.join(", ")
    )))
}

async fn ensure_empty_postgres(url: &str) -> Result<(), BackupError> {
    let mut conn = sqlx::PgConnection::connect(url)
        .await
        .map_err(|e| BackupError::Database(format!("connecting to {}: {e}", crate::redact(url))))?;
    let tables: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| BackupError::Database(e.to_string()))?;
    let _ = conn.close().await;
    if tables > 0 {
        return Err(BackupError::TargetNotEmpty(format!(
            "the database {} already holds {tables} tables: restore into a new, empty database (createdb)",
            crate::redact(url)
        )));
    }
    Ok(())
}

/// Unpacks the archive into `staging` (`data/ldp.sqlite3`, `data/uploads/…`, or `ldp.pgdump`), checking the
/// manifest first and every member's size and SHA-256 as it goes.
fn unpack(file: &Path, staging: &Path, engine: Backend) -> Result<Manifest, BackupError> {
    let name = file.display().to_string();
    let source = File::open(file).map_err(BackupError::io(format!("opening {name}")))?;
    let mut archive = tar::Archive::new(GzDecoder::new(source));
    let corrupted = |e: io::Error| BackupError::Corrupted(e.to_string());
    let mut entries = archive.entries().map_err(|e| BackupError::NotABackup(name.clone(), e.to_string()))?;
    let manifest = first_member(&mut entries, &name)?;
    check_manifest(&manifest, &name, engine)?;
    let mut expected: HashMap<&str, &super::Member> = manifest.members.iter().map(|m| (m.path.as_str(), m)).collect();
    for entry in entries {
        let mut entry = entry.map_err(corrupted)?;
        let path = entry.path().map_err(corrupted)?.to_string_lossy().into_owned();
        let member = expected
            .remove(path.as_str())
            .ok_or_else(|| BackupError::Corrupted(format!("{path} is not in the manifest (or appears twice)")))?;
        let dest = staging.join(staged_path(&path)?);
        if let Some(folder) = dest.parent() {
            std::fs::create_dir_all(folder).map_err(BackupError::io(format!("creating {}", folder.display())))?;
        }
        let mut out = File::create(&dest).map_err(BackupError::io(format!("creating {}", dest.display())))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut size = 0u64;
        loop {
            let n = entry.read(&mut buf).map_err(corrupted)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            io::Write::write_all(&mut out, &buf[..n])
                .map_err(BackupError::io(format!("writing {}", dest.display())))?;
            size += n as u64;
        }
        out.sync_all().map_err(BackupError::io(format!("writing {}", dest.display())))?;
        let sha256 = hex::encode(hasher.finalize());
        if size != member.size || sha256 != member.sha256 {
            return Err(BackupError::Corrupted(format!(
                "{path} has {size} bytes with SHA-256 {sha256}, the manifest says {} bytes with {}",
                member.size, member.sha256
            )));
        }
    }
    if let Some(missing) = expected.keys().min() {
        return Err(BackupError::Corrupted(format!("{missing} is missing from the archive")));
    }
    Ok(manifest)
}

/// The manifest of the archive at `file`, and the file's name for messages.
fn read_manifest(file: &Path) -> Result<(Manifest, String), BackupError> {
    let name = file.display().to_string();
    let source = File::open(file).map_err(BackupError::io(format!("opening {name}")))?;
    let mut archive = tar::Archive::new(GzDecoder::new(source));
    let mut entries = archive.entries().map_err(|e| BackupError::NotABackup(name.clone(), e.to_string()))?;
    let manifest = first_member(&mut entries, &name)?;
    Ok((manifest, name))
}

/// Reads the first member, which must be the manifest.
fn first_member<R: Read>(entries: &mut tar::Entries<'_, R>, name: &str) -> Result<Manifest, BackupError> {
    let not_a_backup = |why: String| BackupError::NotABackup(name.to_owned(), why);
    match entries.next() {
        Some(Ok(mut entry)) if entry.path().is_ok_and(|p| p == Path::new(MANIFEST)) => {
            let mut text = String::new();
            entry.read_to_string(&mut text).map_err(|e| not_a_backup(format!("unreadable manifest: {e}")))?;
            serde_json::from_str::<Manifest>(&text).map_err(|e| not_a_backup(format!("unreadable manifest: {e}")))
        }
        Some(Err(e)) => Err(not_a_backup(e.to_string())),
        _ => Err(not_a_backup(format!("its first member is not {MANIFEST}"))),
    }
}

fn check_manifest(manifest: &Manifest, name: &str, engine: Backend) -> Result<(), BackupError> {
    if manifest.format != FORMAT {
        return Err(BackupError::NotABackup(name.to_owned(), format!("its manifest's format is {}", manifest.format)));
    }
    if manifest.format_version > FORMAT_VERSION {
        return Err(BackupError::Unsupported(format!(
            "the backup was written by ldp {} in archive format {}, newer than this ldp reads ({FORMAT_VERSION})",
            manifest.ldp_version, manifest.format_version
        )));
    }
    if manifest.engine != engine_name(engine) {
        return Err(BackupError::EngineMismatch {
            archive: manifest.engine.clone(),
            target: engine_name(engine).to_owned(),
        });
    }
    let binary = binary_schema_version();
    if manifest.schema_version != binary {
        return Err(BackupError::SchemaMismatch {
            archive: manifest.schema_version,
            binary,
            release: manifest.ldp_version.clone(),
        });
    }
    let database = match engine {
        Backend::Sqlite => SQLITE_MEMBER,
        Backend::Postgres => POSTGRES_MEMBER,
    };
    if !manifest.members.iter().any(|m| m.path == database) {
        return Err(BackupError::Corrupted(format!("the manifest lists no {database}")));
    }
    Ok(())
}

/// Where a member goes in the staging folder; any other name, or one that could climb out, is refused.
fn staged_path(member: &str) -> Result<PathBuf, BackupError> {
    let refuse = || BackupError::Corrupted(format!("unexpected member {member}"));
    if member == SQLITE_MEMBER {
        return Ok(PathBuf::from("data/ldp.sqlite3"));
    }
    if member == POSTGRES_MEMBER {
        return Ok(PathBuf::from("ldp.pgdump"));
    }
    let relative = member.strip_prefix(UPLOADS_PREFIX).ok_or_else(refuse)?;
    let relative = Path::new(relative);
    if relative.as_os_str().is_empty() || !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(refuse());
    }
    Ok(Path::new("data/uploads").join(relative))
}

/// Opens the restored SQLite file once: it must pass `PRAGMA integrity_check` and be at the manifest's schema.
async fn check_sqlite(path: &Path, schema_version: i64) -> Result<(), BackupError> {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(path).create_if_missing(false);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .map_err(|e| BackupError::Corrupted(format!("the database does not open: {e}")))?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| BackupError::Corrupted(format!("integrity check: {e}")))?;
    let version: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(&mut conn)
        .await
        .map_err(|e| BackupError::Corrupted(format!("no migration record: {e}")))?;
    let _ = conn.close().await;
    if check != "ok" {
        return Err(BackupError::Corrupted(format!("the database fails its integrity check: {check}")));
    }
    if version != Some(schema_version) {
        return Err(BackupError::Corrupted(format!(
            "the database is at schema version {version:?}, the manifest says {schema_version}"
        )));
    }
    Ok(())
}
