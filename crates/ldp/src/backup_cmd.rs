//! `ldp backup FILE` and `ldp restore FILE`: the whole node (database and uploads) in one archive.

use anyhow::Context;
use std::path::Path;

use ldp_store::backup::{self, RestoreTarget};

use crate::config::Settings;

/// Writes the backup of the node the settings name. On SQLite it runs while `ldp serve` goes on serving.
pub async fn backup(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    if let Some(path) = backup::sqlite_file(&settings.database_url)
        && !path.exists()
    {
        anyhow::bail!("there is no database at {} to back up", path.display());
    }
    let pool = ldp_store::PoolSettings { max_connections: 1, ..Default::default() };
    let store = ldp_store::connect(&settings.database_url, pool)
        .await
        .with_context(|| format!("opening {}", ldp_store::redact(&settings.database_url)))?;
    let now = ldp_core::clock::Clock::now(&ldp_core::clock::SystemClock);
    let uploads = settings.data_dir.join("uploads");
    let written = backup::backup(&store, &settings.database_url, &uploads, file, now).await;
    store.close().await;
    let s = written?;
    println!(
        "backup written to {}: {} database (schema {}, {} bytes), {} uploaded files ({} bytes); {} bytes compressed",
        s.file.display(),
        s.engine,
        s.schema_version,
        s.database_bytes,
        s.uploads,
        s.upload_bytes,
        s.archive_bytes
    );
    Ok(())
}

/// Restores a backup into the empty data folder (and, on PostgreSQL, the empty database) the settings name.
pub async fn restore(settings: &Settings, file: &Path) -> anyhow::Result<()> {
    let target = RestoreTarget { data_dir: settings.data_dir.clone(), database_url: settings.database_url.clone() };
    let s = backup::restore(file, &target).await?;
    let taken = s.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    println!(
        "restored {} into {} ({} database, schema {}, taken {}; {} uploaded files)",
        file.display(),
        settings.data_dir.display(),
        s.engine,
        s.schema_version,
        taken,
        s.uploads
    );
    Ok(())
}
