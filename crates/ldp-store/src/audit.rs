//! The audit trail: written inside the transaction of each change, read with filters.

use async_trait::async_trait;
use ldp_core::store::AuditStore;
use time::OffsetDateTime;

use ldp_core::domain::{AuditEntry, AuditFilter, MunicipalityId, Page, Paged, UserId};
use ldp_core::store::StoreResult;

use crate::SqlStore;
use crate::pool::{db, dispatch};

/// Appends `$change` (a `&Change`) to the audit log on `$conn`, inside a `dispatch!` body, and bumps the data
/// versions of the topics the change's record belongs to (`ldp_core::feed::topics_of`) in the same
/// transaction; after the commit the writer calls `SqlStore::committed`. A change without a record id takes
/// `$id`, the id of the row just created.
macro_rules! write_audit {
    ($conn:expr, $change:expr) => {
        write_audit!($conn, $change, None::<i64>)
    };
    ($conn:expr, $change:expr, $id:expr) => {{
        let c: &ldp_core::domain::Change = $change;
        let record_id = c.record_id.clone().or_else(|| $id.map(|i: i64| i.to_string())).unwrap_or_default();
        sqlx::query::<Db>(
            "INSERT INTO audit_log (at, user_id, actor, client, action, record_type, record_id, municipality_id, \
             before_json, after_json) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind($crate::ts::Ts(c.at))
        .bind(c.user.map(|u| u.0))
        .bind(&c.actor)
        .bind(c.client.as_deref())
        .bind(&c.action)
        .bind(c.record_type)
        .bind(record_id)
        .bind(c.municipality.map(|m| m.0))
        .bind(c.before.as_ref().map(|v| v.to_string()))
        .bind(c.after.as_ref().map(|v| v.to_string()))
        .execute($conn)
        .await
        .map_err($crate::pool::db)?;
        $crate::feed::bump_versions!($conn, ldp_core::feed::topics_of(c.record_type, &c.action));
    }};
}
pub(crate) use write_audit;

#[derive(sqlx::FromRow)]
struct AuditRow {
    id: i64,
    at: OffsetDateTime,
    user_id: Option<i64>,
    actor: String,
    client: Option<String>,
    action: String,
    record_type: String,
    record_id: String,
    municipality_id: Option<i64>,
    before_json: Option<String>,
    after_json: Option<String>,
}

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> AuditEntry {
        let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
        AuditEntry {
            id: r.id,
            at: r.at,
            user_id: r.user_id.map(UserId),
            actor: r.actor,
            client: r.client,
            action: r.action,
            record_type: r.record_type,
            record_id: r.record_id,
            municipality_id: r.municipality_id.map(MunicipalityId),
            before: parse(r.before_json),
            after: parse(r.after_json),
        }
    }
}

const COLUMNS: &str =
    "id, at, user_id, actor, client, action, record_type, record_id, municipality_id, before_json, after_json";

/// Adds the filter's conditions to a query that already has a `WHERE` clause.
macro_rules! push_filter {
    ($qb:expr, $f:expr) => {{
        let f: &AuditFilter = $f;
        if let Some(t) = &f.record_type {
            $qb.push(" AND record_type = ").push_bind(t.clone());
        }
        if let Some(id) = &f.record_id {
            $qb.push(" AND record_id = ").push_bind(id.clone());
        }
        if let Some(a) = &f.actor {
            // `%` and `_` in what the user typed are themselves, not wildcards.
            let escaped = a.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            // A prefix match, so that an index on the lowered actor serves it.
            $qb.push(" AND LOWER(actor) LIKE ").push_bind(format!("{escaped}%")).push(" ESCAPE '\\'");
        }
        if let Some(a) = &f.action {
            $qb.push(" AND action = ").push_bind(a.clone());
        }
        if let Some(ms) = &f.municipalities {
            $qb.push(" AND municipality_id IN (");
            let mut sep = $qb.separated(", ");
            sep.push_bind(-1i64);
            for m in ms {
                sep.push_bind(m.0);
            }
            $qb.push(")");
        }
        // The dates are Istanbul days, as the people filtering mean them: `from` starts at its midnight in
        // Istanbul (21:00 UTC the day before), `to` ends at the next one.
        if let Some(from) = f.from {
            $qb.push(" AND at >= ").push_bind(crate::ts::Ts(istanbul_midnight(from)));
        }
        if let Some(id) = f.before_id {
            $qb.push(" AND id < ").push_bind(id);
        }
        if let Some(to) = f.to {
            $qb.push(" AND at < ").push_bind(crate::ts::Ts(istanbul_midnight(to.next_day().unwrap_or(to))));
        }
    }};
}

/// The instant a day begins in Istanbul.
fn istanbul_midnight(day: time::Date) -> time::OffsetDateTime {
    day.midnight().assume_offset(ldp_core::clock::ISTANBUL)
}

impl SqlStore {
    pub(crate) async fn list_audit_q(&self, filter: &AuditFilter, page: Page) -> StoreResult<Paged<AuditEntry>> {
        let (rows, total) = dispatch!(&self.pools, pool => {
            let mut count = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*) FROM audit_log WHERE 1 = 1");
            push_filter!(count, filter);
            let total: i64 = count.build_query_scalar().fetch_one(pool).await.map_err(db)?;
            let mut qb = sqlx::QueryBuilder::<Db>::new(format!("SELECT {COLUMNS} FROM audit_log WHERE 1 = 1"));
            push_filter!(qb, filter);
            qb.push(" ORDER BY id DESC LIMIT ").push_bind(page.limit()).push(" OFFSET ").push_bind(page.offset());
            let rows: Vec<AuditRow> = qb.build_query_as().fetch_all(pool).await.map_err(db)?;
            (rows, total)
        });
        Ok(Paged::new(rows.into_iter().map(AuditEntry::from).collect(), page, total as u64))
    }

    pub(crate) async fn export_audit_q(&self, filter: &AuditFilter, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        let rows = dispatch!(&self.pools, pool => {
            let mut qb = sqlx::QueryBuilder::<Db>::new(format!("SELECT {COLUMNS} FROM audit_log WHERE 1 = 1"));
            push_filter!(qb, filter);
            qb.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(limit));
            let rows: Vec<AuditRow> = qb.build_query_as().fetch_all(pool).await.map_err(db)?;
            rows
        });
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }
}

#[async_trait]
impl AuditStore for SqlStore {
    async fn list_audit(&self, filter: &AuditFilter, page: Page) -> StoreResult<Paged<AuditEntry>> {
        self.list_audit_q(filter, page).await
    }

    async fn export_audit(&self, filter: &AuditFilter, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        self.export_audit_q(filter, limit).await
    }
}
