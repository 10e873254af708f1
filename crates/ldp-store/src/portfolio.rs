//! The project portfolio (migration 0045): projects read whole, lists as JSON text, amounts as decimal text;
//! and the writes of applications and projects inside a unit of work (an award moves the application and
//! creates its project in one transaction).

use std::str::FromStr;

use async_trait::async_trait;
use rust_decimal::Decimal;
use time::{Date, OffsetDateTime};

use ldp_core::domain::funding::{FunderId, ProgrammeId};
use ldp_core::domain::projects::{
    Amount, ApplicationId, ApplicationStage, Project, ProjectFields, ProjectId, ProjectWrites,
};
use ldp_core::domain::{Change, GoalNumber, Localized, MunicipalityId};
use ldp_core::store::{StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;
use crate::ts::Ts;
use crate::unit_of_work::{SqlUnit, on_unit};

#[derive(sqlx::FromRow)]
struct ProjectRow {
    id: i64,
    application_id: Option<i64>,
    acronym: String,
    title_tr: String,
    title_en: String,
    summary_tr: String,
    summary_en: String,
    programme_id: Option<i64>,
    funder_id: Option<i64>,
    lead_municipality_id: i64,
    partners: String,
    budget: Option<String>,
    grant_amount: Option<String>,
    currency: Option<String>,
    start_on: Option<Date>,
    end_on: Option<Date>,
    sdgs: String,
    targets: String,
    outputs: String,
    relations: String,
    events: String,
    published: bool,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

const COLUMNS: &str = "id, application_id, acronym, title_tr, title_en, summary_tr, summary_en, programme_id, \
    funder_id, lead_municipality_id, partners, budget, grant_amount, currency, start_on, end_on, sdgs, targets, \
    outputs, relations, events, published, created_at, updated_at";

fn json<T: serde::de::DeserializeOwned>(raw: &str, column: &str) -> StoreResult<T> {
    serde_json::from_str(raw).map_err(|e| corrupt(format_args!("project.{column}: {e}")))
}

fn amount(raw: Option<String>, currency: &Option<String>) -> StoreResult<Option<Amount>> {
    match (raw, currency) {
        (Some(a), Some(c)) => Ok(Some(Amount {
            amount: Decimal::from_str(&a).map_err(|_| corrupt(format_args!("project amount {a}")))?,
            currency: c.clone(),
        })),
        _ => Ok(None),
    }
}

impl ProjectRow {
    fn into_domain(self) -> StoreResult<Project> {
        let numbers: Vec<i64> = json(&self.sdgs, "sdgs")?;
        let sdgs = numbers
            .into_iter()
            .map(|n| GoalNumber::parse(n).map_err(|_| corrupt(format_args!("project.sdgs {n}"))))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Project {
            id: ProjectId(self.id),
            fields: ProjectFields {
                acronym: self.acronym,
                title: Localized::new(self.title_tr, self.title_en),
                summary: Localized::new(self.summary_tr, self.summary_en),
                programme: self.programme_id.map(ProgrammeId),
                funder: self.funder_id.map(FunderId),
                lead: MunicipalityId(self.lead_municipality_id),
                partners: json(&self.partners, "partners")?,
                budget: amount(self.budget, &self.currency)?,
                grant: amount(self.grant_amount, &self.currency)?,
                start: self.start_on,
                end: self.end_on,
                sdgs,
                targets: json(&self.targets, "targets")?,
                outputs: json(&self.outputs, "outputs")?,
                relations: json(&self.relations, "relations")?,
                events: json(&self.events, "events")?,
            },
            application: self.application_id.map(ApplicationId),
            published: self.published,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The list columns of `f` as JSON text: partners, SDGs, targets, outputs, relations, events.
fn lists(f: &ProjectFields) -> [String; 6] {
    let text = |v: serde_json::Result<String>| v.unwrap_or_else(|_| "[]".into());
    let sdgs: Vec<u8> = f.sdgs.iter().map(|g| g.get()).collect();
    [
        text(serde_json::to_string(&f.partners)),
        text(serde_json::to_string(&sdgs)),
        text(serde_json::to_string(&f.targets)),
        text(serde_json::to_string(&f.outputs)),
        text(serde_json::to_string(&f.relations)),
        text(serde_json::to_string(&f.events)),
    ]
}

fn currency(f: &ProjectFields) -> Option<String> {
    f.budget.as_ref().or(f.grant.as_ref()).map(|a| a.currency.clone())
}

impl SqlStore {
    pub(crate) async fn projects_q(&self, published_only: bool) -> StoreResult<Vec<Project>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, ProjectRow>(static_sql!(
                "SELECT {COLUMNS} FROM project WHERE (NOT $1 OR published) \
                 ORDER BY (start_on IS NULL), start_on DESC, id DESC"
            ))
            .bind(published_only).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(ProjectRow::into_domain).collect()
    }

    pub(crate) async fn project_q(&self, id: ProjectId) -> StoreResult<Option<Project>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, ProjectRow>(static_sql!("SELECT {COLUMNS} FROM project WHERE id = $1"))
                .bind(id.0).fetch_optional(pool).await.map_err(db)?
        });
        row.map(ProjectRow::into_domain).transpose()
    }

    pub(crate) async fn project_of_application_q(&self, id: ApplicationId) -> StoreResult<Option<ProjectId>> {
        let found = dispatch!(&self.pools, pool => {
            sqlx::query_scalar::<Db, i64>("SELECT id FROM project WHERE application_id = $1")
                .bind(id.0).fetch_optional(pool).await.map_err(db)?
        });
        Ok(found.map(ProjectId))
    }

    pub(crate) async fn set_project_published_tx(
        &self,
        id: ProjectId,
        published: bool,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE project SET published = $1, updated_at = $2 WHERE id = $3 AND published <> $1",
            )
            .bind(published).bind(Ts(now)).bind(id.0)
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
}

#[async_trait]
impl ProjectWrites for SqlUnit {
    async fn move_application(
        &mut self,
        id: ApplicationId,
        from: ApplicationStage,
        to: ApplicationStage,
        on: Date,
        now: OffsetDateTime,
        actor: &str,
    ) -> StoreResult<()> {
        on_unit!(self, conn => {
            let moved = sqlx::query::<Db>(
                "UPDATE funding_application SET stage = $1, stage_on = $2, updated_at = $3 WHERE id = $4 AND stage = $5",
            )
            .bind(to.as_str()).bind(on).bind(Ts(now)).bind(id.0).bind(from.as_str())
            .execute(&mut *conn).await.map_err(db)?.rows_affected();
            if moved == 0 {
                let exists: Option<i64> = sqlx::query_scalar::<Db, i64>("SELECT id FROM funding_application WHERE id = $1")
                    .bind(id.0).fetch_optional(&mut *conn).await.map_err(db)?;
                let code = if exists.is_some() { "stage_changed" } else { "application_not_found" };
                return Err(StoreError::Conflict(code.into()));
            }
            sqlx::query::<Db>(
                "INSERT INTO funding_application_move (application_id, from_stage, to_stage, moved_on, actor, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id.0).bind(from.as_str()).bind(to.as_str()).bind(on).bind(actor).bind(Ts(now))
            .execute(&mut *conn).await.map_err(db)?;
        });
        Ok(())
    }

    async fn create_project(
        &mut self,
        f: &ProjectFields,
        application: Option<ApplicationId>,
        now: OffsetDateTime,
    ) -> StoreResult<ProjectId> {
        let [partners, sdgs, targets, outputs, relations, events] = lists(f);
        let id = on_unit!(self, conn => {
            if let Some(a) = application {
                let taken: Option<i64> = sqlx::query_scalar::<Db, i64>("SELECT id FROM project WHERE application_id = $1")
                    .bind(a.0).fetch_optional(&mut *conn).await.map_err(db)?;
                if taken.is_some() {
                    return Err(StoreError::Conflict("project_exists".into()));
                }
            }
            sqlx::query_scalar::<Db, i64>(
                "INSERT INTO project (application_id, acronym, title_tr, title_en, summary_tr, summary_en, \
                 programme_id, funder_id, lead_municipality_id, partners, budget, grant_amount, currency, start_on, \
                 end_on, sdgs, targets, outputs, relations, events, published, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
                 FALSE, $21, $21) RETURNING id",
            )
            .bind(application.map(|a| a.0)).bind(&f.acronym).bind(&f.title.tr).bind(&f.title.en)
            .bind(&f.summary.tr).bind(&f.summary.en).bind(f.programme.map(|p| p.0)).bind(f.funder.map(|p| p.0))
            .bind(f.lead.0).bind(&partners)
            .bind(f.budget.as_ref().map(|a| a.amount.to_string()))
            .bind(f.grant.as_ref().map(|a| a.amount.to_string()))
            .bind(currency(f)).bind(f.start).bind(f.end)
            .bind(&sdgs).bind(&targets).bind(&outputs).bind(&relations).bind(&events).bind(Ts(now))
            .fetch_one(&mut *conn).await.map_err(db)?
        });
        Ok(ProjectId(id))
    }

    async fn update_project(&mut self, id: ProjectId, f: &ProjectFields, now: OffsetDateTime) -> StoreResult<bool> {
        let [partners, sdgs, targets, outputs, relations, events] = lists(f);
        let done = on_unit!(self, conn => {
            sqlx::query::<Db>(
                "UPDATE project SET acronym = $1, title_tr = $2, title_en = $3, summary_tr = $4, summary_en = $5, \
                 programme_id = $6, funder_id = $7, lead_municipality_id = $8, partners = $9, budget = $10, \
                 grant_amount = $11, currency = $12, start_on = $13, end_on = $14, sdgs = $15, targets = $16, \
                 outputs = $17, relations = $18, events = $19, updated_at = $20 WHERE id = $21",
            )
            .bind(&f.acronym).bind(&f.title.tr).bind(&f.title.en)
            .bind(&f.summary.tr).bind(&f.summary.en).bind(f.programme.map(|p| p.0)).bind(f.funder.map(|p| p.0))
            .bind(f.lead.0).bind(&partners)
            .bind(f.budget.as_ref().map(|a| a.amount.to_string()))
            .bind(f.grant.as_ref().map(|a| a.amount.to_string()))
            .bind(currency(f)).bind(f.start).bind(f.end)
            .bind(&sdgs).bind(&targets).bind(&outputs).bind(&relations).bind(&events).bind(Ts(now)).bind(id.0)
            .execute(&mut *conn).await.map_err(db)?.rows_affected()
        });
        Ok(done == 1)
    }
}
