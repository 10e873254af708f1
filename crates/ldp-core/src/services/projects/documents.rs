//! Documents of applications and of projects, one path for both owners ([`DocumentOwner`]). Whoever sees the
//! application (representatives of its municipality, staff and admins, auditors), or sees the project in the
//! workspace (those whose municipality takes part, staff, admins, auditors), lists and downloads its documents;
//! whoever may edit it uploads and deletes them, and marks a project's documents public or private. Files are
//! checked by content (PDF, images, office documents without macros: [`sniff_document`]) and size, their bytes
//! stored before the row, and every write audited (`funding_application_document`, `project_document`). The
//! public sees a published project's public documents only.

use sha2::{Digest, Sha256};

use super::{Projects, writes};
use crate::domain::projects::{DocumentOwner, FundingDocument, FundingDocumentId, NewFundingDocument, ProjectId};
use crate::domain::{Actor, Change, InputError, MunicipalityId};
use crate::services::ServiceError;
use crate::services::documents::{MAX_DOCUMENT_BYTES, Uploads, clean_filename, sniff_document};
use crate::store::StoreError;

/// What an actor may do with an owner's documents.
struct Access {
    /// The municipality the audit entries are of (the applicant, the project's lead).
    municipality: MunicipalityId,
    writes: bool,
}

impl Projects {
    /// `NotFound` when `actor` may not see the owner (so its existence does not leak).
    async fn access(&self, actor: &Actor, owner: DocumentOwner) -> Result<Access, ServiceError> {
        match owner {
            DocumentOwner::Application(id) => {
                let a = self.readable(actor, id).await?;
                Ok(Access { municipality: a.fields.municipality, writes: writes(actor, &a.fields) })
            }
            DocumentOwner::Project(id) => {
                let p = self.store.project(id).await?.ok_or(ServiceError::NotFound)?;
                if !Self::reads_project(actor, &p) {
                    return Err(ServiceError::NotFound);
                }
                Ok(Access { municipality: p.fields.lead, writes: self.may_edit_project(actor, &p) })
            }
        }
    }

    /// The documents of an application or a project `actor` may see, oldest first.
    pub async fn documents(&self, actor: &Actor, owner: DocumentOwner) -> Result<Vec<FundingDocument>, ServiceError> {
        self.access(actor, owner).await?;
        Ok(self.store.funding_documents(owner).await?)
    }

    /// One document, for its download (`NotFound` when `actor` may not see the owner or it has no such
    /// document).
    pub async fn document(
        &self,
        actor: &Actor,
        owner: DocumentOwner,
        document: FundingDocumentId,
    ) -> Result<FundingDocument, ServiceError> {
        self.access(actor, owner).await?;
        self.store.funding_document(owner, document).await?.ok_or(ServiceError::NotFound)
    }

    /// The public documents of a published project, oldest first (`NotFound` for an unpublished one).
    pub async fn public_documents(&self, project: ProjectId) -> Result<Vec<FundingDocument>, ServiceError> {
        self.project(&Actor::visitor(None), project).await?;
        let mut all = self.store.funding_documents(DocumentOwner::Project(project)).await?;
        all.retain(|d| d.public);
        Ok(all)
    }

    /// One public document of a published project (`NotFound` for any other).
    pub async fn public_document(
        &self,
        project: ProjectId,
        document: FundingDocumentId,
    ) -> Result<FundingDocument, ServiceError> {
        self.project(&Actor::visitor(None), project).await?;
        match self.store.funding_document(DocumentOwner::Project(project), document).await? {
            Some(d) if d.public => Ok(d),
            _ => Err(ServiceError::NotFound),
        }
    }

    /// Checks a file by its content and size, stores its bytes, then records it. A bad file is a field error on
    /// `file` (`empty_file`, `file_too_large`, `unsupported_document_type`); `public` on an application's is
    /// one on `public` (`not_public`).
    pub async fn attach(
        &self,
        uploads: &dyn Uploads,
        actor: &Actor,
        owner: DocumentOwner,
        filename: &str,
        bytes: Vec<u8>,
        public: bool,
    ) -> Result<FundingDocument, ServiceError> {
        let access = self.access(actor, owner).await?;
        if !access.writes {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let mut errors = InputError::default();
        if bytes.is_empty() {
            errors.add("file", "empty_file");
        } else if bytes.len() > MAX_DOCUMENT_BYTES {
            errors.add("file", "file_too_large");
        }
        if public && matches!(owner, DocumentOwner::Application(_)) {
            errors.add("public", "not_public");
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
        let storage_key = format!("{}/{}-{}.{ext}", owner.key_prefix(), &sha256[..16], hex::encode(nonce));
        let size = bytes.len() as i64;
        // The bytes are written before the row, so every document a backup's database names is in its archive.
        uploads.put(&storage_key, bytes).await.map_err(ServiceError::Uploads)?;
        let document = NewFundingDocument {
            filename: clean_filename(filename),
            content_type: content_type.to_owned(),
            size,
            sha256,
            storage_key,
            uploaded_by: actor.label.clone(),
            public,
        };
        let mut after = owner.json();
        after["filename"] = document.filename.clone().into();
        after["content_type"] = document.content_type.clone().into();
        after["size"] = document.size.into();
        after["sha256"] = document.sha256.clone().into();
        if let DocumentOwner::Project(_) = owner {
            after["public"] = public.into();
        }
        let change = Change::new(actor, now, "create", owner.record_type()).of(access.municipality).after(after);
        match self.store.add_funding_document(owner, &document, now, &change).await {
            Err(StoreError::Conflict(_)) => Err(ServiceError::NotFound),
            other => Ok(other?),
        }
    }

    /// Deletes a document (those who may edit its owner); its record goes to the audit log.
    pub async fn remove_document(
        &self,
        actor: &Actor,
        owner: DocumentOwner,
        document: FundingDocumentId,
    ) -> Result<(), ServiceError> {
        let access = self.access(actor, owner).await?;
        if !access.writes {
            return Err(ServiceError::Forbidden);
        }
        let Some(found) = self.store.funding_document(owner, document).await? else {
            return Err(ServiceError::NotFound);
        };
        let mut before = owner.json();
        before["filename"] = found.filename.into();
        before["content_type"] = found.content_type.into();
        before["size"] = found.size.into();
        before["sha256"] = found.sha256.into();
        let change = Change::new(actor, self.clock.now(), "delete", owner.record_type())
            .record(document.0)
            .of(access.municipality)
            .before(before);
        if !self.store.remove_funding_document(owner, document, &change).await? {
            return Err(ServiceError::NotFound);
        }
        Ok(())
    }

    /// Marks a project's document public (listed on the published project's page) or private; marking it as it
    /// already is changes nothing and writes no entry.
    pub async fn set_document_public(
        &self,
        actor: &Actor,
        project: ProjectId,
        document: FundingDocumentId,
        public: bool,
    ) -> Result<FundingDocument, ServiceError> {
        let owner = DocumentOwner::Project(project);
        let access = self.access(actor, owner).await?;
        if !access.writes {
            return Err(ServiceError::Forbidden);
        }
        let found = self.store.funding_document(owner, document).await?.ok_or(ServiceError::NotFound)?;
        if found.public != public {
            let now = self.clock.now();
            let change = Change::new(actor, now, if public { "publish" } else { "unpublish" }, owner.record_type())
                .record(document.0)
                .of(access.municipality)
                .before(serde_json::json!({ "project": project.0, "filename": found.filename, "public": found.public }))
                .after(serde_json::json!({ "project": project.0, "filename": found.filename, "public": public }));
            self.store.set_funding_document_public(project, document, public, now, &change).await?;
        }
        self.store.funding_document(owner, document).await?.ok_or(ServiceError::NotFound)
    }
}
