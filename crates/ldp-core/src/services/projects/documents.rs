//! Documents of an application: whoever sees the application lists and downloads them (representatives of its
//! municipality, staff and admins, auditors); whoever may edit it uploads and deletes them. Files are checked
//! by content (PDF, images, office documents without macros: [`sniff_document`]) and size, their bytes
//! stored before the row, and every upload and deletion audited (`funding_application_document`).

use sha2::{Digest, Sha256};

use super::{Projects, writes};
use crate::domain::projects::{ApplicationDocument, ApplicationDocumentId, ApplicationId, NewApplicationDocument};
use crate::domain::{Actor, Change, InputError};
use crate::services::ServiceError;
use crate::services::documents::{MAX_DOCUMENT_BYTES, Uploads, clean_filename, sniff_document};
use crate::store::StoreError;

impl Projects {
    /// The documents of an application `actor` may see, oldest first (`NotFound` when they may not see it).
    pub async fn documents(&self, actor: &Actor, id: ApplicationId) -> Result<Vec<ApplicationDocument>, ServiceError> {
        self.readable(actor, id).await?;
        Ok(self.store.application_documents(id).await?)
    }

    /// One document, for its download (`NotFound` when `actor` may not see the application or it has no such
    /// document).
    pub async fn document(
        &self,
        actor: &Actor,
        id: ApplicationId,
        document: ApplicationDocumentId,
    ) -> Result<ApplicationDocument, ServiceError> {
        self.readable(actor, id).await?;
        self.store.application_document(id, document).await?.ok_or(ServiceError::NotFound)
    }

    /// Checks a file by its content and size, stores its bytes, then records it on the application. A bad file
    /// is a field error on `file` (`empty_file`, `file_too_large`, `unsupported_document_type`).
    pub async fn attach(
        &self,
        uploads: &dyn Uploads,
        actor: &Actor,
        id: ApplicationId,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<ApplicationDocument, ServiceError> {
        let application = self.readable(actor, id).await?;
        if !writes(actor, &application.fields) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let mut errors = InputError::default();
        if bytes.is_empty() {
            errors.add("file", "empty_file");
        } else if bytes.len() > MAX_DOCUMENT_BYTES {
            errors.add("file", "file_too_large");
        }
        let sniffed = if errors.is_empty() { sniff_document(&bytes) } else { None };
        if sniffed.is_none() && errors.is_empty() {
            errors.add("file", "unsupported_document_type");
        }
        let Some((content_type, ext)) = sniffed.filter(|_| errors.is_empty()) else { return Err(errors.into()) };
        let sha256 = hex::encode(Sha256::digest(&bytes));
        // A random part keeps two uploads of the same bytes apart; the key never depends on the clock.
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(|e| ServiceError::Internal(format!("random source: {e}")))?;
        let storage_key = format!("applications/{}/{}-{}.{ext}", id.0, &sha256[..16], hex::encode(nonce));
        let size = bytes.len() as i64;
        // The bytes are written before the row, so every document a backup's database names is in its archive.
        uploads.put(&storage_key, bytes).await.map_err(ServiceError::Uploads)?;
        let document = NewApplicationDocument {
            filename: clean_filename(filename),
            content_type: content_type.to_owned(),
            size,
            sha256,
            storage_key,
            uploaded_by: actor.label.clone(),
        };
        let change = Change::new(actor, now, "create", "funding_application_document")
            .of(application.fields.municipality)
            .after(serde_json::json!({
                "application": id.0,
                "filename": document.filename,
                "content_type": document.content_type,
                "size": document.size,
                "sha256": document.sha256,
            }));
        match self.store.add_application_document(id, &document, now, &change).await {
            Err(StoreError::Conflict(_)) => Err(ServiceError::NotFound),
            other => Ok(other?),
        }
    }

    /// Deletes a document from an application (those who may edit it); its record goes to the audit log.
    pub async fn remove_document(
        &self,
        actor: &Actor,
        id: ApplicationId,
        document: ApplicationDocumentId,
    ) -> Result<(), ServiceError> {
        let application = self.readable(actor, id).await?;
        if !writes(actor, &application.fields) {
            return Err(ServiceError::Forbidden);
        }
        let Some(found) = self.store.application_document(id, document).await? else {
            return Err(ServiceError::NotFound);
        };
        let change = Change::new(actor, self.clock.now(), "delete", "funding_application_document")
            .record(document.0)
            .of(application.fields.municipality)
            .before(serde_json::json!({
                "application": id.0,
                "filename": found.filename,
                "content_type": found.content_type,
                "size": found.size,
                "sha256": found.sha256,
            }));
        if !self.store.remove_application_document(id, document, &change).await? {
            return Err(ServiceError::NotFound);
        }
        Ok(())
    }
}
