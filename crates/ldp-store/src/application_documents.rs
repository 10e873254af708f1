//! Documents of applications for funding (migration 0046): the rows; the bytes are in the uploads store,
//! written before the row by the service.

use time::OffsetDateTime;

use ldp_core::domain::Change;
use ldp_core::domain::projects::{ApplicationDocument, ApplicationDocumentId, ApplicationId, NewApplicationDocument};
use ldp_core::store::{StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::ts::Ts;

#[derive(sqlx::FromRow)]
struct DocumentRow {
    id: i64,
    application_id: i64,
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    storage_key: String,
    uploaded_by: String,
    created_at: OffsetDateTime,
}

impl DocumentRow {
    fn into_domain(self) -> ApplicationDocument {
        ApplicationDocument {
            id: ApplicationDocumentId(self.id),
            application: ApplicationId(self.application_id),
            filename: self.filename,
            content_type: self.content_type,
            size: self.size,
            sha256: self.sha256,
            storage_key: self.storage_key,
            uploaded_by: self.uploaded_by,
            created_at: self.created_at,
        }
    }
}

const DOCUMENT_COLUMNS: &str = "SELECT id, application_id, filename, content_type, size, sha256, storage_key, \
    uploaded_by, created_at FROM funding_application_document";

impl SqlStore {
    pub(crate) async fn application_documents_q(&self, id: ApplicationId) -> StoreResult<Vec<ApplicationDocument>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, DocumentRow>(static_sql!("{DOCUMENT_COLUMNS} WHERE application_id = $1 ORDER BY id"))
                .bind(id.0).fetch_all(pool).await.map_err(db)?
        });
        Ok(rows.into_iter().map(DocumentRow::into_domain).collect())
    }

    pub(crate) async fn application_document_q(
        &self,
        id: ApplicationId,
        document: ApplicationDocumentId,
    ) -> StoreResult<Option<ApplicationDocument>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, DocumentRow>(static_sql!(
                "{DOCUMENT_COLUMNS} WHERE application_id = $1 AND id = $2"
            ))
            .bind(id.0).bind(document.0).fetch_optional(pool).await.map_err(db)?
        });
        Ok(row.map(DocumentRow::into_domain))
    }

    pub(crate) async fn add_application_document_tx(
        &self,
        id: ApplicationId,
        document: &NewApplicationDocument,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<ApplicationDocument> {
        let row = dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            // The application's row is written too, so its "updated" moves with its documents and an upload
            // racing a change of the application waits for it.
            let touched = sqlx::query::<Db>("UPDATE funding_application SET updated_at = $1 WHERE id = $2")
                .bind(Ts(now)).bind(id.0).execute(&mut *tx).await.map_err(db)?;
            if touched.rows_affected() != 1 {
                return Err(StoreError::Conflict("application_not_found".into()));
            }
            let row = sqlx::query_as::<Db, DocumentRow>(
                "INSERT INTO funding_application_document (application_id, filename, content_type, size, sha256, \
                 storage_key, uploaded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 RETURNING id, application_id, filename, content_type, size, sha256, storage_key, uploaded_by, created_at",
            )
            .bind(id.0).bind(&document.filename).bind(&document.content_type).bind(document.size)
            .bind(&document.sha256).bind(&document.storage_key).bind(&document.uploaded_by).bind(Ts(now))
            .fetch_one(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change, Some(row.id));
            tx.commit().await.map_err(db)?;
            row
        });
        self.committed().await;
        Ok(row.into_domain())
    }

    pub(crate) async fn remove_application_document_tx(
        &self,
        id: ApplicationId,
        document: ApplicationDocumentId,
        change: &Change,
    ) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>("DELETE FROM funding_application_document WHERE application_id = $1 AND id = $2")
                .bind(id.0).bind(document.0).execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change, Some(document.0));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }
}
