//! Applications for funding and their stage moves (migration 0035; projects in `portfolio.rs`). Amounts are kept as decimal text,
//! partners as a JSON list.

use std::str::FromStr;

use async_trait::async_trait;
use rust_decimal::Decimal;
use time::{Date, OffsetDateTime};

use ldp_core::domain::funding::CallId;
use ldp_core::domain::projects::{
    Amount, Application, ApplicationFields, ApplicationId, ApplicationStage, DocumentOwner, FundingDocument,
    FundingDocumentId, NewFundingDocument, Project, ProjectId, ProjectStore, ProjectWrites, StageMove,
};
use ldp_core::domain::{Change, MunicipalityId};
use ldp_core::store::{StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;
use crate::ts::Ts;

#[derive(sqlx::FromRow)]
struct ApplicationRow {
    id: i64,
    municipality_id: i64,
    call_id: Option<i64>,
    title: String,
    partners: String,
    requested: Option<String>,
    currency: Option<String>,
    responsible: String,
    notes: String,
    stage: String,
    stage_on: Date,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

fn stage(raw: &str) -> StoreResult<ApplicationStage> {
    ApplicationStage::parse(raw).ok_or_else(|| corrupt(format_args!("funding_application stage {raw}")))
}

impl ApplicationRow {
    fn into_domain(self) -> StoreResult<Application> {
        let requested = match (self.requested, self.currency) {
            (Some(a), Some(currency)) => Some(Amount {
                amount: Decimal::from_str(&a)
                    .map_err(|_| corrupt(format_args!("funding_application.requested {a}")))?,
                currency,
            }),
            _ => None,
        };
        Ok(Application {
            id: ApplicationId(self.id),
            fields: ApplicationFields {
                municipality: MunicipalityId(self.municipality_id),
                call: self.call_id.map(CallId),
                title: self.title,
                partners: serde_json::from_str(&self.partners)
                    .map_err(|e| corrupt(format_args!("funding_application.partners: {e}")))?,
                requested,
                responsible: self.responsible,
                notes: self.notes,
            },
            stage: stage(&self.stage)?,
            stage_on: self.stage_on,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct MoveRow {
    from_stage: Option<String>,
    to_stage: String,
    moved_on: Date,
    actor: String,
    created_at: OffsetDateTime,
}

const COLUMNS: &str = "a.id, a.municipality_id, a.call_id, a.title, a.partners, a.requested, a.currency, \
    a.responsible, a.notes, a.stage, a.stage_on, a.created_at, a.updated_at";

fn partners_json(fields: &ApplicationFields) -> String {
    serde_json::to_string(&fields.partners).unwrap_or_else(|_| "[]".into())
}

impl SqlStore {
    async fn applications_q(&self, municipality: Option<MunicipalityId>) -> StoreResult<Vec<Application>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, ApplicationRow>(static_sql!(
                "SELECT {COLUMNS} FROM funding_application a \
                 WHERE ($1 IS NULL OR a.municipality_id = $1) ORDER BY a.updated_at DESC, a.id DESC"
            ))
            .bind(municipality.map(|m| m.0)).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(ApplicationRow::into_domain).collect()
    }

    async fn application_q(&self, id: ApplicationId) -> StoreResult<Option<Application>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, ApplicationRow>(static_sql!("SELECT {COLUMNS} FROM funding_application a WHERE a.id = $1"))
                .bind(id.0).fetch_optional(pool).await.map_err(db)?
        });
        row.map(ApplicationRow::into_domain).transpose()
    }

    async fn create_application_tx(
        &self,
        f: &ApplicationFields,
        on: Date,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Application> {
        let partners = partners_json(f);
        let row = dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let row = sqlx::query_as::<Db, ApplicationRow>(
                "INSERT INTO funding_application (municipality_id, call_id, title, partners, requested, currency, \
                 responsible, notes, stage, stage_on, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'idea', $9, $10, $10) \
                 RETURNING id, municipality_id, call_id, title, partners, requested, currency, responsible, notes, \
                 stage, stage_on, created_at, updated_at",
            )
            .bind(f.municipality.0).bind(f.call.map(|c| c.0)).bind(&f.title).bind(&partners)
            .bind(f.requested.as_ref().map(|a| a.amount.to_string()))
            .bind(f.requested.as_ref().map(|a| a.currency.clone()))
            .bind(&f.responsible).bind(&f.notes).bind(on).bind(Ts(now))
            .fetch_one(&mut *tx).await.map_err(db)?;
            sqlx::query::<Db>(
                "INSERT INTO funding_application_move (application_id, from_stage, to_stage, moved_on, actor, created_at) \
                 VALUES ($1, NULL, 'idea', $2, $3, $4)",
            )
            .bind(row.id).bind(on).bind(&change.actor).bind(Ts(now)).execute(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change, Some(row.id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            row
        });
        row.into_domain()
    }

    async fn update_application_tx(
        &self,
        id: ApplicationId,
        f: &ApplicationFields,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        let partners = partners_json(f);
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE funding_application SET municipality_id = $1, call_id = $2, title = $3, partners = $4, \
                 requested = $5, currency = $6, responsible = $7, notes = $8, updated_at = $9 WHERE id = $10",
            )
            .bind(f.municipality.0).bind(f.call.map(|c| c.0)).bind(&f.title).bind(&partners)
            .bind(f.requested.as_ref().map(|a| a.amount.to_string()))
            .bind(f.requested.as_ref().map(|a| a.currency.clone()))
            .bind(&f.responsible).bind(&f.notes).bind(Ts(now)).bind(id.0)
            .execute(&mut *tx).await.map_err(db)?.rows_affected();
            if done == 0 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change, Some(id.0));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }

    async fn move_application_tx(
        &self,
        id: ApplicationId,
        from: ApplicationStage,
        to: ApplicationStage,
        on: Date,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Application> {
        // The same write an award makes inside a larger unit, here in a unit of its own.
        let mut unit = self.unit().await?;
        unit.move_application(id, from, to, on, now, &change.actor).await?;
        let change = if change.record_id.is_some() { change.clone() } else { change.clone().record(id.0) };
        unit.finish(&change).await?;
        self.application_q(id).await?.ok_or_else(|| StoreError::Conflict("application_not_found".into()))
    }

    async fn application_moves_q(&self, id: ApplicationId) -> StoreResult<Vec<StageMove>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, MoveRow>(
                "SELECT from_stage, to_stage, moved_on, actor, created_at FROM funding_application_move \
                 WHERE application_id = $1 ORDER BY id",
            )
            .bind(id.0).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter()
            .map(|r| {
                Ok(StageMove {
                    from: r.from_stage.as_deref().map(stage).transpose()?,
                    to: stage(&r.to_stage)?,
                    on: r.moved_on,
                    by: r.actor,
                    at: r.created_at,
                })
            })
            .collect()
    }
}

#[async_trait]
impl ProjectStore for SqlStore {
    async fn applications(&self, municipality: Option<MunicipalityId>) -> StoreResult<Vec<Application>> {
        self.applications_q(municipality).await
    }

    async fn application(&self, id: ApplicationId) -> StoreResult<Option<Application>> {
        self.application_q(id).await
    }

    async fn create_application(
        &self,
        fields: &ApplicationFields,
        on: Date,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Application> {
        self.create_application_tx(fields, on, now, change).await
    }

    async fn update_application(
        &self,
        id: ApplicationId,
        fields: &ApplicationFields,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        self.update_application_tx(id, fields, now, change).await
    }

    async fn move_application(
        &self,
        id: ApplicationId,
        from: ApplicationStage,
        to: ApplicationStage,
        on: Date,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Application> {
        self.move_application_tx(id, from, to, on, now, change).await
    }

    async fn application_moves(&self, id: ApplicationId) -> StoreResult<Vec<StageMove>> {
        self.application_moves_q(id).await
    }

    async fn funding_documents(&self, owner: DocumentOwner) -> StoreResult<Vec<FundingDocument>> {
        self.funding_documents_q(owner).await
    }

    async fn funding_document(
        &self,
        owner: DocumentOwner,
        document: FundingDocumentId,
    ) -> StoreResult<Option<FundingDocument>> {
        self.funding_document_q(owner, document).await
    }

    async fn add_funding_document(
        &self,
        owner: DocumentOwner,
        document: &NewFundingDocument,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<FundingDocument> {
        self.add_funding_document_tx(owner, document, now, change).await
    }

    async fn remove_funding_document(
        &self,
        owner: DocumentOwner,
        document: FundingDocumentId,
        change: &Change,
    ) -> StoreResult<bool> {
        self.remove_funding_document_tx(owner, document, change).await
    }

    async fn set_funding_document_public(
        &self,
        project: ProjectId,
        document: FundingDocumentId,
        public: bool,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        self.set_funding_document_public_tx(project, document, public, now, change).await
    }

    async fn projects(&self, published_only: bool) -> StoreResult<Vec<Project>> {
        self.projects_q(published_only).await
    }

    async fn project(&self, id: ProjectId) -> StoreResult<Option<Project>> {
        self.project_q(id).await
    }

    async fn project_of_application(&self, id: ApplicationId) -> StoreResult<Option<ProjectId>> {
        self.project_of_application_q(id).await
    }

    async fn set_project_published(
        &self,
        id: ProjectId,
        published: bool,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        self.set_project_published_tx(id, published, now, change).await
    }
}
