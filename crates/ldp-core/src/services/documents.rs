//! Supporting documents: checked by content (PDF or image), size-limited, stored by content hash.

use async_trait::async_trait;
use sha2::{Digest, Sha256};

use super::ServiceError;
use super::partnerships::Partnerships;
use crate::domain::partnership::{DocumentKind, NewDocument, PartnershipId, Stage};
use crate::domain::{Actor, Change, InputError, MunicipalityId};

/// The largest document accepted.
pub const MAX_DOCUMENT_BYTES: usize = 10 * 1024 * 1024;

/// Where document bytes live: a local folder by default, an object store in a cluster.
#[async_trait]
pub trait Uploads: Send + Sync {
    async fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), String>;
    async fn get(&self, key: &str) -> Result<Vec<u8>, String>;

    /// The stored bytes in chunks, for downloads that never hold a whole file in memory.
    async fn open(&self, key: &str) -> Result<ByteStream, String>;
}

/// A document's bytes as they are read.
pub type ByteStream =
    std::pin::Pin<Box<dyn futures_core::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static>>;

/// The content type and extension of an accepted file, read from its first bytes (never from its name).
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some(("image/webp", "webp"))
    } else {
        None
    }
}

/// The extension the detected `content_type` calls for (the inverse of [`sniff`]).
pub fn extension_of(content_type: &str) -> Option<&'static str> {
    match content_type {
        "application/pdf" => Some("pdf"),
        "image/png" => Some("png"),
        "image/jpeg" => Some("jpg"),
        "image/webp" => Some("webp"),
        _ => None,
    }
}

/// The name a download is saved under: the uploader's name, but always with the extension of the type the
/// content was detected as, so a PNG uploaded as `evil.exe` arrives as `evil.png`, never as a program.
pub fn download_name(filename: &str, content_type: &str) -> String {
    let cleaned = clean_filename(filename);
    let stem = match cleaned.rsplit_once('.') {
        Some((stem, _)) if !stem.trim().is_empty() => stem.trim_end_matches('.').to_owned(),
        _ => cleaned.clone(),
    };
    match extension_of(content_type) {
        Some(ext) => format!("{stem}.{ext}"),
        None => format!("{stem}.bin"),
    }
}

/// A file name safe to show and to send back in a header: its last path part, printable, at most 120 chars.
pub fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base.chars().filter(|c| !c.is_control() && *c != '"').take(120).collect();
    if cleaned.trim().is_empty() { "document".to_owned() } else { cleaned.trim().to_owned() }
}

impl Partnerships {
    /// Checks and stores a document, then records it on the partnership.
    pub async fn attach(
        &self,
        uploads: &dyn Uploads,
        id: PartnershipId,
        kind: Option<&str>,
        filename: &str,
        bytes: Vec<u8>,
        actor: &Actor,
    ) -> Result<i64, ServiceError> {
        let now = self.clock.now();
        let detail = self.editable(id, actor, now).await?;
        let mut errors = InputError::default();
        let kind = match kind.map(str::trim).filter(|k| !k.is_empty()) {
            None => {
                errors.add("document_kind", "required");
                None
            }
            Some(k) => k.parse::<DocumentKind>().map_err(|e| errors.fields.extend(e.fields)).ok(),
        };
        if bytes.is_empty() {
            errors.add("file", "empty_file");
        } else if bytes.len() > MAX_DOCUMENT_BYTES {
            errors.add("file", "file_too_large");
        }
        let sniffed = sniff(&bytes);
        if sniffed.is_none() && !bytes.is_empty() {
            errors.add("file", "unsupported_file_type");
        }
        let (Some(kind), Some((content_type, ext))) = (kind, sniffed) else { return Err(errors.into()) };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        if detail.partnership.stage == Stage::Terminated && kind != DocumentKind::CouncilDecision {
            errors.add("document_kind", "relation_terminated");
            return Err(errors.into());
        }
        let sha256 = hex::encode(Sha256::digest(&bytes));
        // A random part keeps two uploads of the same bytes apart; the key never depends on the clock.
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(|e| ServiceError::Internal(format!("random source: {e}")))?;
        let storage_key = format!("partnerships/{}/{}-{}.{ext}", id.0, &sha256[..16], hex::encode(nonce));
        let size = bytes.len() as i64;
        uploads.put(&storage_key, bytes).await.map_err(ServiceError::Uploads)?;
        let document = NewDocument {
            kind,
            filename: clean_filename(filename),
            content_type: content_type.to_owned(),
            size,
            sha256,
            storage_key,
        };
        let change = Change::new(actor, now, "create", "partnership_document")
            .of(MunicipalityId(detail.partnership.member.id))
            .after(serde_json::json!({
                "partnership": id.0,
                "kind": document.kind.as_str(),
                "filename": document.filename,
                "content_type": document.content_type,
                "size": document.size,
                "sha256": document.sha256,
            }));
        Ok(self.store_ref().add_document(id, &document, &change).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_recognised_by_content() {
        assert_eq!(sniff(b"%PDF-1.7\n..."), Some(("application/pdf", "pdf")));
        for (bytes, ct) in [(&b"%PDF-1.7"[..], "application/pdf"), (b"\x89PNG\r\n\x1a\n", "image/png")] {
            assert_eq!(sniff(bytes).map(|(_, ext)| ext), extension_of(ct));
        }
        assert_eq!(download_name("evil.exe", "image/png"), "evil.png");
        assert_eq!(download_name("karar.tar.gz", "application/pdf"), "karar.tar.pdf");
        assert_eq!(download_name("Karar 2026.PDF", "application/pdf"), "Karar 2026.pdf");
        assert_eq!(download_name("no-extension", "image/jpeg"), "no-extension.jpg");
        assert_eq!(download_name(".htaccess", "image/webp"), ".htaccess.webp");
        assert_eq!(download_name("x.pdf", "text/html"), "x.bin");
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(("image/png", "png")));
        assert_eq!(sniff(b"<html><script>"), None);
        assert_eq!(sniff(b"MZ\x90\x00"), None);
    }

    #[test]
    fn filenames_lose_paths_and_quotes() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\docs\\karar \"2026\".pdf"), "karar 2026.pdf");
        assert_eq!(clean_filename("   "), "document");
    }
}
