//! Storage of publications and their files: one capability slice, included in [`crate::store::Store`].

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{
    NewPublicationFile, Publication, PublicationFields, PublicationFile, PublicationFileId, PublicationFilter,
    PublicationId, PublicationStatus,
};
use crate::domain::{Change, Page, Paged};
use crate::store::StoreResult;

#[async_trait]
pub trait PublicationStore: Send + Sync + 'static {
    /// One page of the publications `filter` picks, newest publication date first (then newest id).
    async fn publications(&self, filter: &PublicationFilter, page: Page) -> StoreResult<Paged<Publication>>;
    async fn publication(&self, id: PublicationId) -> StoreResult<Option<Publication>>;
    /// Stores a new publication as a draft, with its audit entry.
    async fn create_publication(
        &self,
        fields: &PublicationFields,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<PublicationId>;
    /// Saves a publication's fields; `Conflict("publication_not_found")` for an unknown id.
    async fn update_publication(
        &self,
        id: PublicationId,
        fields: &PublicationFields,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()>;
    /// Moves a publication to `status`; `false` (and no entry) when it was there already or is unknown.
    async fn set_publication_status(
        &self,
        id: PublicationId,
        status: PublicationStatus,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool>;
    /// A publication's files, oldest first.
    async fn publication_files(&self, id: PublicationId) -> StoreResult<Vec<PublicationFile>>;
    /// One file of a publication (`None` when it is not that publication's).
    async fn publication_file(
        &self,
        id: PublicationId,
        file: PublicationFileId,
    ) -> StoreResult<Option<PublicationFile>>;
    /// Records a file whose bytes are stored already; `Conflict("publication_not_found")` for an unknown id.
    async fn add_publication_file(
        &self,
        id: PublicationId,
        file: &NewPublicationFile,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<PublicationFileId>;
    /// Removes a file's record (its bytes stay where backups find them); `false` (and no entry) when the
    /// publication has no such file.
    async fn remove_publication_file(
        &self,
        id: PublicationId,
        file: PublicationFileId,
        change: &Change,
    ) -> StoreResult<bool>;
}
