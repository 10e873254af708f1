//! Writing the archive: hashes first (the manifest leads the archive), then one pass of tar + gzip.

use flate2::Compression;
use flate2::write::GzEncoder;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

use ldp_core::store::Backend;

use super::{BackupError, BackupSummary, FORMAT, FORMAT_VERSION, MANIFEST, Manifest, Member, UPLOADS_PREFIX};

/// What goes into an archive besides the uploads' contents.
pub(super) struct Head {
    pub engine: String,
    pub schema_version: i64,
    pub created_at: OffsetDateTime,
    /// The database member's name in the archive and the staged file that holds it.
    pub database: (String, PathBuf),
    pub uploads: PathBuf,
}

/// Size and SHA-256 of a file, read in full.
pub(super) fn hash_file(path: &Path) -> io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let size = io::copy(&mut file, &mut hasher)?;
    Ok((size, hex::encode(hasher.finalize())))
}

/// Every regular file under `root`, as `/`-separated paths relative to it, sorted. Files whose name holds a
/// `#` are `object_store`'s uploads still being written (renamed into place when complete) and are left out.
pub(super) fn upload_files(root: &Path) -> io::Result<Vec<String>> {
    let mut found = Vec::new();
    if !root.exists() {
        return Ok(found);
    }
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                folders.push(entry.path());
            } else if kind.is_file() && !entry.file_name().to_string_lossy().contains('#') {
                let relative = entry.path().strip_prefix(root).map_err(io::Error::other)?.to_path_buf();
                let parts: Option<Vec<&str>> = relative.components().map(|c| c.as_os_str().to_str()).collect();
                let parts = parts.ok_or_else(|| io::Error::other(format!("{} is not UTF-8", relative.display())))?;
                found.push(parts.join("/"));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Writes the archive for `head` to `file` through a temporary file in `staging`.
pub(super) fn write(head: &Head, staging: &Path, file: &Path) -> Result<BackupSummary, BackupError> {
    let (database_member, database_path) = &head.database;
    let mut sources: Vec<(Member, PathBuf)> = Vec::new();
    let (size, sha256) = hash_file(database_path).map_err(BackupError::io("reading the database snapshot"))?;
    let database_bytes = size;
    sources.push((Member { path: database_member.clone(), size, sha256 }, database_path.clone()));
    let uploads = upload_files(&head.uploads)
        .map_err(BackupError::io(format!("listing the uploads in {}", head.uploads.display())))?;
    let mut upload_bytes = 0;
    for relative in &uploads {
        let path = head.uploads.join(relative);
        let (size, sha256) = hash_file(&path).map_err(BackupError::io(format!("reading {}", path.display())))?;
        upload_bytes += size;
        sources.push((Member { path: format!("{UPLOADS_PREFIX}{relative}"), size, sha256 }, path));
    }
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        format_version: FORMAT_VERSION,
        ldp_version: env!("CARGO_PKG_VERSION").to_owned(),
        engine: head.engine.clone(),
        schema_version: head.schema_version,
        created_at: head.created_at,
        members: sources.iter().map(|(m, _)| m.clone()).collect(),
    };
    let partial = staging.join("archive.partial");
    let out = File::create(&partial).map_err(BackupError::io(format!("creating {}", partial.display())))?;
    let mut tar = tar::Builder::new(GzEncoder::new(out, Compression::default()));
    let manifest_json = serde_json::to_vec_pretty(&manifest).expect("a manifest serialises");
    append(&mut tar, MANIFEST, manifest_json.len() as u64, manifest_json.as_slice(), head.created_at)
        .map_err(BackupError::io("writing the manifest"))?;
    for (member, path) in &sources {
        let source = File::open(path).map_err(BackupError::io(format!("opening {}", path.display())))?;
        // Exactly the bytes that were hashed: uploads are never rewritten, and the snapshot is ours alone.
        append(&mut tar, &member.path, member.size, Exact { inner: source, left: member.size }, head.created_at)
            .map_err(BackupError::io(format!("archiving {}", path.display())))?;
    }
    let gz = tar.into_inner().map_err(BackupError::io("finishing the archive"))?;
    let out = gz.finish().map_err(BackupError::io("finishing the compression"))?;
    out.sync_all().map_err(BackupError::io("writing the archive to disk"))?;
    drop(out);
    std::fs::rename(&partial, file).map_err(BackupError::io(format!("moving the archive to {}", file.display())))?;
    let archive_bytes = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    Ok(BackupSummary {
        file: file.to_path_buf(),
        engine: Backend::Sqlite,
        schema_version: head.schema_version,
        database_bytes,
        uploads: uploads.len(),
        upload_bytes,
        archive_bytes,
    })
}

fn append<W: Write>(
    tar: &mut tar::Builder<W>,
    path: &str,
    size: u64,
    data: impl Read,
    at: OffsetDateTime,
) -> io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(size);
    header.set_mode(0o600);
    header.set_mtime(at.unix_timestamp().max(0) as u64);
    header.set_entry_type(tar::EntryType::Regular);
    tar.append_data(&mut header, path, data)
}

/// Reads exactly `left` bytes and fails on an early end: the tar header already promised that size.
struct Exact<R> {
    inner: R,
    left: u64,
}

impl<R: Read> Read for Exact<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Ok(0);
        }
        let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the file shrank while it was archived"));
        }
        self.left -= n as u64;
        Ok(n)
    }
}
