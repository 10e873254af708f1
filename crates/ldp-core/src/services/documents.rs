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

/// Office documents a publication may carry besides PDF and images: content type, extension, and the main
/// part (OOXML) or `mimetype` entry (ODF) that identifies each inside its ZIP container.
const OFFICE: [(&str, &str, &str); 6] = [
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "word/document.xml"),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx", "ppt/presentation.xml"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "xl/workbook.xml"),
    ("application/vnd.oasis.opendocument.text", "odt", ""),
    ("application/vnd.oasis.opendocument.presentation", "odp", ""),
    ("application/vnd.oasis.opendocument.spreadsheet", "ods", ""),
];

/// [`sniff`], and also the office documents a publication may be: Word, PowerPoint and Excel files (OOXML) and
/// OpenDocument text, presentations and spreadsheets. Both are ZIP containers, told apart by what they hold,
/// never by the file's name: ODF by its `mimetype` entry, OOXML by `[Content_Types].xml` and its main part.
/// Files with macros (a `vbaProject.bin` part) are refused, and so is a damaged or unrelated ZIP.
pub fn sniff_document(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    sniff(bytes).or_else(|| sniff_office(bytes))
}

fn sniff_office(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    use std::io::Read;
    if !bytes.starts_with(b"PK\x03\x04") {
        return None;
    }
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).ok()?;
    if archive.file_names_raw().any(|n| n.ends_with(b"vbaProject.bin")) {
        return None;
    }
    if let Ok(entry) = archive.by_name("mimetype") {
        // ODF keeps it first and uncompressed; only its first line is read, so a crafted entry cannot balloon.
        let mut declared = String::new();
        entry.take(100).read_to_string(&mut declared).ok()?;
        return OFFICE
            .iter()
            .find(|(ct, _, part)| part.is_empty() && *ct == declared.trim())
            .map(|(ct, ext, _)| (*ct, *ext));
    }
    archive.index_for_name("[Content_Types].xml")?;
    let mut found = OFFICE.iter().filter(|(_, _, part)| !part.is_empty() && archive.index_for_name(part).is_some());
    match (found.next(), found.next()) {
        (Some((ct, ext, _)), None) => Some((*ct, *ext)),
        _ => None,
    }
}

/// The extension the detected `content_type` calls for (the inverse of [`sniff_document`]).
pub fn extension_of(content_type: &str) -> Option<&'static str> {
    match content_type {
        "application/pdf" => Some("pdf"),
        "image/png" => Some("png"),
        "image/jpeg" => Some("jpg"),
        "image/webp" => Some("webp"),
        other => OFFICE.iter().find(|(ct, _, _)| *ct == other).map(|(_, ext, _)| *ext),
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

    /// A ZIP holding `entries` (name, content), the first one stored as ODF requires of `mimetype`.
    pub(crate) fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
        use std::io::Write;
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, content) in entries {
            let options = zip::write::SimpleFileOptions::default().compression_method(if *name == "mimetype" {
                zip::CompressionMethod::Stored
            } else {
                zip::CompressionMethod::Deflated
            });
            out.start_file(*name, options).unwrap();
            out.write_all(content.as_bytes()).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn office_documents_are_told_apart_by_what_their_container_holds() {
        let types = "[Content_Types].xml";
        let docx = zip_of(&[(types, "<Types/>"), ("word/document.xml", "<w:document/>")]);
        let pptx = zip_of(&[(types, "<Types/>"), ("ppt/presentation.xml", "<p/>"), ("ppt/slides/slide1.xml", "")]);
        let xlsx = zip_of(&[(types, "<Types/>"), ("xl/workbook.xml", "<workbook/>")]);
        let odt = zip_of(&[("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", "")]);
        let odp = zip_of(&[("mimetype", "application/vnd.oasis.opendocument.presentation"), ("content.xml", "")]);
        let ods = zip_of(&[("mimetype", "application/vnd.oasis.opendocument.spreadsheet"), ("content.xml", "")]);
        for (bytes, ext) in
            [(&docx, "docx"), (&pptx, "pptx"), (&xlsx, "xlsx"), (&odt, "odt"), (&odp, "odp"), (&ods, "ods")]
        {
            let (content_type, found) = sniff_document(bytes).unwrap_or_else(|| panic!("{ext} not recognised"));
            assert_eq!(found, ext);
            assert_eq!(extension_of(content_type), Some(ext));
            assert_eq!(download_name("sunum.zip", content_type), format!("sunum.{ext}"));
            // The relation documents keep to PDF and images.
            assert_eq!(sniff(bytes), None);
        }
        assert_eq!(sniff_document(b"%PDF-1.7"), Some(("application/pdf", "pdf")));
        // Not an office document: a plain archive, macros, an unknown ODF type, two main parts, a damaged file.
        assert_eq!(sniff_document(&zip_of(&[("readme.txt", "hello")])), None);
        let docm = zip_of(&[(types, "<Types/>"), ("word/document.xml", ""), ("word/vbaProject.bin", "x")]);
        assert_eq!(sniff_document(&docm), None);
        let odg = zip_of(&[("mimetype", "application/vnd.oasis.opendocument.graphics")]);
        assert_eq!(sniff_document(&odg), None);
        let both = zip_of(&[(types, ""), ("word/document.xml", ""), ("xl/workbook.xml", "")]);
        assert_eq!(sniff_document(&both), None);
        assert_eq!(sniff_document(&docx[..docx.len() / 2]), None);
        assert_eq!(sniff_document(b"PK\x03\x04garbage"), None);
    }

    #[test]
    fn filenames_lose_paths_and_quotes() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("C:\\docs\\karar \"2026\".pdf"), "karar 2026.pdf");
        assert_eq!(clean_filename("   "), "document");
    }
}
