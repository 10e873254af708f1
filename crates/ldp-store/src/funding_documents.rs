//! Documents of applications and of projects (migrations 0046 and 0047, one `funding_document` table): the
//! rows; the bytes are in the uploads store, written before the row by the service. A row names its owner in
//! `application_id` or `project_id`; queries bind the owner's id to its column and NULL to the other, which
//! matches nothing, so one statement serves both owners on both engines.

use time::OffsetDateTime;

use ldp_core::domain::Change;
use ldp_core::domain::projects::{
    ApplicationId, DocumentOwner, FundingDocument, FundingDocumentId, NewFundingDocument, ProjectId,
};
use ldp_core::store::{StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::ts::Ts;

#[derive(sqlx::FromRow)]
struct DocumentRow {
    id: i64,
    application_id: Option<i64>,
    project_id: Option<i64>,
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    storage_key: String,
    uploaded_by: String,
    public: bool,
    created_at: OffsetDateTime,
}

impl DocumentRow {
    fn into_domain(self) -> StoreResult<FundingDocument> {
        let owner = match (self.application_id, self.project_id) {
            (Some(a), None) => DocumentOwner::Application(ApplicationId(a)),
            (None, Some(p)) => DocumentOwner::Project(ProjectId(p)),
            _ => return Err(StoreError::Corrupt(format!("document {} has no single owner", self.id))),
        };
        Ok(FundingDocument {
            id: FundingDocumentId(self.id),
            owner,
            filename: self.filename,
            content_type: self.content_type,
            size: self.size,
            sha256: self.sha256,
            storage_key: self.storage_key,
            uploaded_by: self.uploaded_by,
            public: self.public,
            created_at: self.created_at,
        })
    }
}

/// The owner's id in its column and NULL in the other.
fn columns(owner: DocumentOwner) -> (Option<i64>, Option<i64>) {
    match owner {
        DocumentOwner::Application(id) => (Some(id.0), None),
        DocumentOwner::Project(id) => (None, Some(id.0)),
    }
}

const COLUMNS: &str = "id, application_id, project_id, filename, content_type, size, sha256, storage_key, uploaded_by, public, created_at";

impl SqlStore {
    pub(crate) async fn funding_documents_q(&self, owner: DocumentOwner) -> StoreResult<Vec<FundingDocument>> {
        let (application, project) = columns(owner);
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, DocumentRow>(static_sql!(
                "SELECT {COLUMNS} FROM funding_document WHERE application_id = $1 OR project_id = $2 ORDER BY id"
            ))
            .bind(application).bind(project).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(DocumentRow::into_domain).collect()
    }

    pub(crate) async fn funding_document_q(
        &self,
        owner: DocumentOwner,
        document: FundingDocumentId,
    ) -> StoreResult<Option<FundingDocument>> {
        let (application, project) = columns(owner);
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, DocumentRow>(static_sql!(
                "SELECT {COLUMNS} FROM funding_document WHERE (application_id = $1 OR project_id = $2) AND id = $3"
            ))
            .bind(application).bind(project).bind(document.0).fetch_optional(pool).await.map_err(db)?
        });
        row.map(DocumentRow::into_domain).transpose()
    }

    pub(crate) async fn add_funding_document_tx(
        &self,
        owner: DocumentOwner,
        document: &NewFundingDocument,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<FundingDocument> {
        let (touch, missing, owner_id) = match owner {
            DocumentOwner::Application(id) => {
                if document.public {
                    return Err(StoreError::Conflict("application_document_public".into()));
                }
                ("UPDATE funding_application SET updated_at = $1 WHERE id = $2", "application_not_found", id.0)
            }
            DocumentOwner::Project(id) => {
                ("UPDATE project SET updated_at = $1 WHERE id = $2", "project_not_found", id.0)
            }
        };
        let (application, project) = columns(owner);
        let row = dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            // The owner's row is written too, so its "updated" moves with its documents and an upload racing a
            // change of the owner waits for it.
            let touched = sqlx::query::<Db>(touch).bind(Ts(now)).bind(owner_id).execute(&mut *tx).await.map_err(db)?;
            if touched.rows_affected() != 1 {
                return Err(StoreError::Conflict(missing.into()));
            }
            let row = sqlx::query_as::<Db, DocumentRow>(static_sql!(
                "INSERT INTO funding_document (application_id, project_id, filename, content_type, size, sha256, \
                 storage_key, uploaded_by, public, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
                 RETURNING {COLUMNS}"
            ))
            .bind(application).bind(project).bind(&document.filename).bind(&document.content_type)
            .bind(document.size).bind(&document.sha256).bind(&document.storage_key).bind(&document.uploaded_by)
            .bind(document.public).bind(Ts(now))
            .fetch_one(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change, Some(row.id));
            tx.commit().await.map_err(db)?;
            row
        });
        self.committed().await;
        row.into_domain()
    }

    pub(crate) async fn remove_funding_document_tx(
        &self,
        owner: DocumentOwner,
        document: FundingDocumentId,
        change: &Change,
    ) -> StoreResult<bool> {
        let (application, project) = columns(owner);
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "DELETE FROM funding_document WHERE (application_id = $1 OR project_id = $2) AND id = $3",
            )
            .bind(application).bind(project).bind(document.0).execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change, Some(document.0));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }

    pub(crate) async fn set_funding_document_public_tx(
        &self,
        project: ProjectId,
        document: FundingDocumentId,
        public: bool,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE funding_document SET public = $1 WHERE project_id = $2 AND id = $3 AND public <> $4",
            )
            .bind(public).bind(project.0).bind(document.0).bind(public).execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            // The project's "updated" moves with what its public page shows.
            sqlx::query::<Db>("UPDATE project SET updated_at = $1 WHERE id = $2")
                .bind(Ts(now)).bind(project.0).execute(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change, Some(document.0));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }
}
