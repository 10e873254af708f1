//! Storage of applications and projects: a slice of its own, included in [`crate::store::Store`]. Every write
//! takes the [`Change`] it is audited with, or joins a [`crate::store::UnitOfWork`] through [`ProjectWrites`]
//! (an award: the stage move and the new project, with the relations' activity, in one transaction).

use async_trait::async_trait;
use time::{Date, OffsetDateTime};

use super::application::{Application, ApplicationFields, ApplicationId, ApplicationStage, StageMove};
use super::document::{DocumentOwner, FundingDocument, FundingDocumentId, NewFundingDocument};
use super::project::{Project, ProjectFields, ProjectId};
use crate::domain::{Change, MunicipalityId};
use crate::store::StoreResult;

/// The writes of applications and projects that join a unit of work (audited by the unit's commit).
#[async_trait]
pub trait ProjectWrites: Send {
    /// Moves an application's stage from `from` to `to` on `on` and appends the move recorded by `actor`,
    /// only if the stage still is `from` (`Conflict("stage_changed")` otherwise,
    /// `Conflict("application_not_found")` when there is none).
    async fn move_application(
        &mut self,
        id: ApplicationId,
        from: ApplicationStage,
        to: ApplicationStage,
        on: Date,
        now: OffsetDateTime,
        actor: &str,
    ) -> StoreResult<()>;

    /// Creates an unpublished project, from `application` when it was awarded here
    /// (`Conflict("project_exists")` when that application already has one).
    async fn create_project(
        &mut self,
        fields: &ProjectFields,
        application: Option<ApplicationId>,
        now: OffsetDateTime,
    ) -> StoreResult<ProjectId>;

    /// Replaces a project's fields (not its publication); `false` when there is no such project.
    async fn update_project(&mut self, id: ProjectId, fields: &ProjectFields, now: OffsetDateTime)
    -> StoreResult<bool>;
}

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

    /// An application's or a project's documents, oldest first.
    async fn funding_documents(&self, owner: DocumentOwner) -> StoreResult<Vec<FundingDocument>>;
    /// One document of an application or a project (`None` when it is not that owner's).
    async fn funding_document(
        &self,
        owner: DocumentOwner,
        document: FundingDocumentId,
    ) -> StoreResult<Option<FundingDocument>>;
    /// Records a document whose bytes are stored already, with its audit entry; the owner's "updated" moves
    /// with it. `Conflict("application_not_found")` / `Conflict("project_not_found")` for an unknown owner,
    /// `Conflict("application_document_public")` for a public document of an application.
    async fn add_funding_document(
        &self,
        owner: DocumentOwner,
        document: &NewFundingDocument,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<FundingDocument>;
    /// Removes a document's record (its bytes stay where backups find them) with its audit entry; `false` (and
    /// no entry) when the owner has no such document.
    async fn remove_funding_document(
        &self,
        owner: DocumentOwner,
        document: FundingDocumentId,
        change: &Change,
    ) -> StoreResult<bool>;
    /// Marks a project's document public or private, with its audit entry; `false` (and no entry) when the
    /// project has no such document or it already is so.
    async fn set_funding_document_public(
        &self,
        project: ProjectId,
        document: FundingDocumentId,
        public: bool,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool>;
    /// Every project (only the published ones when `published_only`), the latest starting first, undated
    /// ones last.
    async fn projects(&self, published_only: bool) -> StoreResult<Vec<Project>>;
    async fn project(&self, id: ProjectId) -> StoreResult<Option<Project>>;
    /// The project an application became, if any.
    async fn project_of_application(&self, id: ApplicationId) -> StoreResult<Option<ProjectId>>;
    /// Publishes or withdraws a project; `false` (and no entry) when there is none or it already is so.
    async fn set_project_published(
        &self,
        id: ProjectId,
        published: bool,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool>;
}
