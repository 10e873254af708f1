//! Storage of applications (and, later, projects): a slice of its own, included in [`crate::store::Store`].
//! Every write takes the [`Change`] it is audited with.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};

use super::application::{Application, ApplicationFields, ApplicationId, ApplicationStage, StageMove};
use super::document::{ApplicationDocument, ApplicationDocumentId, NewApplicationDocument};
use crate::domain::{Change, MunicipalityId};
use crate::store::StoreResult;

#[async_trait]
pub trait ProjectStore: Send + Sync + 'static {
    /// Applications of `municipality` (every one when `None`), the latest changed first.
    async fn applications(&self, municipality: Option<MunicipalityId>) -> StoreResult<Vec<Application>>;
    async fn application(&self, id: ApplicationId) -> StoreResult<Option<Application>>;
    /// Creates an application at `idea` on `on`, its first move and the audit entry in one transaction.
    async fn create_application(
        &self,
        fields: &ApplicationFields,
        on: Date,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Application>;
    /// Replaces an application's fields (not its stage); `false` (and no entry) when there is no such one.
    async fn update_application(
        &self,
        id: ApplicationId,
        fields: &ApplicationFields,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool>;
    /// Moves the stage from `from` to `to` on `on` and appends the move, only if the stage still is `from`
    /// (`Conflict("stage_changed")` otherwise, `Conflict("application_not_found")` when there is none).
    async fn move_application(
        &self,
        id: ApplicationId,
        from: ApplicationStage,
        to: ApplicationStage,
        on: Date,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Application>;
    /// The application's moves, oldest first.
    async fn application_moves(&self, id: ApplicationId) -> StoreResult<Vec<StageMove>>;

    /// An application's documents, oldest first.
    async fn application_documents(&self, id: ApplicationId) -> StoreResult<Vec<ApplicationDocument>>;
    /// One document of an application (`None` when it is not that application's).
    async fn application_document(
        &self,
        id: ApplicationId,
        document: ApplicationDocumentId,
    ) -> StoreResult<Option<ApplicationDocument>>;
    /// Records a document whose bytes are stored already, with its audit entry; the application's "updated"
    /// moves with it. `Conflict("application_not_found")` for an unknown application.
    async fn add_application_document(
        &self,
        id: ApplicationId,
        document: &NewApplicationDocument,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<ApplicationDocument>;
    /// Removes a document's record (its bytes stay where backups find them) with its audit entry; `false` (and
    /// no entry) when the application has no such document.
    async fn remove_application_document(
        &self,
        id: ApplicationId,
        document: ApplicationDocumentId,
        change: &Change,
    ) -> StoreResult<bool>;
}
