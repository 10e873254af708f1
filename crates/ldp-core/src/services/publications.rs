//! Publications: the union's reports, guides, bulletins, presentations and studies. Staff and admins create,
//! edit, publish and unpublish them and attach or remove their files; everyone else reads what is published.
//! Files are checked by content and stored exactly as relation documents are ([`super::documents`]). Every
//! change is audited.

use sha2::{Digest, Sha256};
use std::sync::Arc;

use super::ServiceError;
use super::documents::{MAX_DOCUMENT_BYTES, Uploads, clean_filename, sniff_document};
use crate::clock::Clock;
use crate::domain::partnership::PartnershipId;
use crate::domain::publication::{KnownRecords, PublicationInput, input};
use crate::domain::{
    Actor, Change, EventId, InputError, NewPublicationFile, Page, Paged, Publication, PublicationFields,
    PublicationFile, PublicationFileId, PublicationFilter, PublicationId, PublicationStatus,
};
use crate::store::{EventStore, PartnershipStore, PublicationStore, ReferenceStore, Store};

/// How many publications a "related publications" block lists.
pub const RELATED_SHOWN: u32 = 10;

/// A publication with its files.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct PublicationDetail {
    #[serde(flatten)]
    pub publication: Publication,
    pub files: Vec<PublicationFile>,
}

#[derive(Clone)]
pub struct Publications {
    store: Arc<dyn PublicationStore>,
    reference: Arc<dyn ReferenceStore>,
    partnerships: Arc<dyn PartnershipStore>,
    events: Arc<dyn EventStore>,
    clock: Arc<dyn Clock>,
}

/// Whether `actor` sees `publication`: a published one everyone; a draft staff, admins and auditors.
pub fn sees(actor: &Actor, publication: &Publication) -> bool {
    publication.status == PublicationStatus::Published || actor.reads_everything()
}

/// Whether `actor` may write publications (admins and staff).
pub fn edits(actor: &Actor) -> bool {
    actor.edits_all_content()
}

impl Publications {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Publications {
            store: store.clone(),
            reference: store.clone(),
            partnerships: store.clone(),
            events: store,
            clock,
        }
    }

    /// A page of publications as `actor` may see them: published only for anyone who does not read everything.
    pub async fn list(
        &self,
        actor: &Actor,
        mut filter: PublicationFilter,
        page: Page,
    ) -> Result<Paged<Publication>, ServiceError> {
        if !actor.reads_everything() {
            if filter.status == Some(PublicationStatus::Draft) {
                return Ok(Paged::new(Vec::new(), page, 0));
            }
            filter.status = Some(PublicationStatus::Published);
        }
        Ok(self.store.publications(&filter, page).await?)
    }

    /// The newest published publications `filter` relates to (a network, a municipality, an event or a
    /// relation): one store query, whatever the block lists.
    pub async fn related(&self, mut filter: PublicationFilter) -> Result<Paged<Publication>, ServiceError> {
        filter.status = Some(PublicationStatus::Published);
        Ok(self.store.publications(&filter, Page::first(RELATED_SHOWN)).await?)
    }

    /// One publication with its files, if `actor` may see it (`NotFound` otherwise, so a draft does not leak).
    pub async fn get(&self, actor: &Actor, id: PublicationId) -> Result<PublicationDetail, ServiceError> {
        let publication = self.visible(actor, id).await?;
        let files = self.store.publication_files(id).await?;
        Ok(PublicationDetail { publication, files })
    }

    async fn visible(&self, actor: &Actor, id: PublicationId) -> Result<Publication, ServiceError> {
        match self.store.publication(id).await? {
            Some(p) if sees(actor, &p) => Ok(p),
            _ => Err(ServiceError::NotFound),
        }
    }

    /// One file of a publication `actor` may see, for its download.
    pub async fn file(
        &self,
        actor: &Actor,
        id: PublicationId,
        file: PublicationFileId,
    ) -> Result<PublicationFile, ServiceError> {
        self.visible(actor, id).await?;
        self.store.publication_file(id, file).await?.ok_or(ServiceError::NotFound)
    }

    /// Parses the form, looking up the related records it names; every bad field is reported.
    pub async fn parse(&self, input: &PublicationInput) -> Result<PublicationFields, ServiceError> {
        let mut known = KnownRecords::default();
        for slug in input::items(&input.networks).into_iter().take(input::MAX_RELATED) {
            if let Some(n) = self.reference.network_by_slug(&slug).await? {
                known.networks.insert(slug, n.id);
            }
        }
        let slugs: Vec<String> = input::items(&input.municipalities).into_iter().take(input::MAX_RELATED).collect();
        for slug in slugs {
            if let Some(m) = self.reference.municipality_by_slug(&slug).await? {
                known.municipalities.insert(slug, m.id);
            }
        }
        for id in input::numbers(&input.events).into_iter().take(input::MAX_RELATED) {
            if self.events.event(EventId(id)).await?.is_some() {
                known.events.insert(id);
            }
        }
        let today = self.clock.today();
        for id in input::numbers(&input.partnerships).into_iter().take(input::MAX_RELATED) {
            if self.partnerships.partnership(PartnershipId(id), today).await?.is_some() {
                known.partnerships.insert(id);
            }
        }
        Ok(PublicationFields::parse(input, today, &known)?)
    }

    /// Creates a publication as a draft (staff and admins).
    pub async fn create(&self, actor: &Actor, input: &PublicationInput) -> Result<Publication, ServiceError> {
        if !edits(actor) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let fields = self.parse(input).await?;
        let change = Change::new(actor, now, "create", "publication").after(&fields);
        let id = self.store.create_publication(&fields, now, &change).await?;
        self.store.publication(id).await?.ok_or(ServiceError::NotFound)
    }

    /// Saves a publication's fields (staff and admins).
    pub async fn update(
        &self,
        actor: &Actor,
        id: PublicationId,
        input: &PublicationInput,
    ) -> Result<Publication, ServiceError> {
        let before = self.visible(actor, id).await?;
        if !edits(actor) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let fields = self.parse(input).await?;
        let change =
            Change::new(actor, now, "update", "publication").record(id.0).before(&before.fields).after(&fields);
        match self.store.update_publication(id, &fields, now, &change).await {
            Err(crate::store::StoreError::Conflict(_)) => return Err(ServiceError::NotFound),
            other => other?,
        }
        self.store.publication(id).await?.ok_or(ServiceError::NotFound)
    }

    /// Publishes a publication or takes it back to a draft (staff and admins).
    pub async fn set_status(
        &self,
        actor: &Actor,
        id: PublicationId,
        status: PublicationStatus,
    ) -> Result<Publication, ServiceError> {
        let before = self.visible(actor, id).await?;
        if !edits(actor) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let action = match status {
            PublicationStatus::Published => "publish",
            PublicationStatus::Draft => "unpublish",
        };
        let change = Change::new(actor, now, action, "publication")
            .record(id.0)
            .before(serde_json::json!({ "status": before.status.as_str() }))
            .after(serde_json::json!({ "status": status.as_str() }));
        if !self.store.set_publication_status(id, status, now, &change).await? {
            return Err(ServiceError::Conflict("publication_status_unchanged".into()));
        }
        self.store.publication(id).await?.ok_or(ServiceError::NotFound)
    }

    /// Checks a file by its content and size, stores its bytes, then records it on the publication.
    pub async fn attach(
        &self,
        uploads: &dyn Uploads,
        actor: &Actor,
        id: PublicationId,
        filename: &str,
        bytes: Vec<u8>,
    ) -> Result<PublicationFile, ServiceError> {
        self.visible(actor, id).await?;
        if !edits(actor) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let mut errors = InputError::default();
        if bytes.is_empty() {
            errors.add("file", "empty_file");
        } else if bytes.len() > MAX_DOCUMENT_BYTES {
            errors.add("file", "file_too_large");
        }
        let sniffed = sniff_document(&bytes);
        if sniffed.is_none() && !bytes.is_empty() {
            errors.add("file", "unsupported_publication_file_type");
        }
        let Some((content_type, ext)) = sniffed.filter(|_| errors.is_empty()) else { return Err(errors.into()) };
        let sha256 = hex::encode(Sha256::digest(&bytes));
        // A random part keeps two uploads of the same bytes apart; the key never depends on the clock.
        let mut nonce = [0u8; 8];
        getrandom::fill(&mut nonce).map_err(|e| ServiceError::Internal(format!("random source: {e}")))?;
        let storage_key = format!("publications/{}/{}-{}.{ext}", id.0, &sha256[..16], hex::encode(nonce));
        let size = bytes.len() as i64;
        // The bytes are written before the row, so every file a backup's database names is in its archive.
        uploads.put(&storage_key, bytes).await.map_err(ServiceError::Uploads)?;
        let file = NewPublicationFile {
            filename: clean_filename(filename),
            content_type: content_type.to_owned(),
            size,
            sha256,
            storage_key,
        };
        let change = Change::new(actor, now, "create", "publication_file").after(serde_json::json!({
            "publication": id.0,
            "filename": file.filename,
            "content_type": file.content_type,
            "size": file.size,
            "sha256": file.sha256,
        }));
        let file_id = match self.store.add_publication_file(id, &file, now, &change).await {
            Err(crate::store::StoreError::Conflict(_)) => return Err(ServiceError::NotFound),
            other => other?,
        };
        self.store.publication_file(id, file_id).await?.ok_or(ServiceError::NotFound)
    }

    /// Removes a file from a publication (staff and admins); its record goes to the audit log.
    pub async fn remove_file(
        &self,
        actor: &Actor,
        id: PublicationId,
        file: PublicationFileId,
    ) -> Result<(), ServiceError> {
        self.visible(actor, id).await?;
        if !edits(actor) {
            return Err(ServiceError::Forbidden);
        }
        let Some(found) = self.store.publication_file(id, file).await? else { return Err(ServiceError::NotFound) };
        let change = Change::new(actor, self.clock.now(), "remove", "publication_file").record(file.0).before(
            serde_json::json!({
                "publication": id.0,
                "filename": found.filename,
                "content_type": found.content_type,
                "size": found.size,
                "sha256": found.sha256,
            }),
        );
        if !self.store.remove_publication_file(id, file, &change).await? {
            return Err(ServiceError::NotFound);
        }
        Ok(())
    }
}
