//! Saved searches of funding calls and the unique keys of what was mailed about them ([`SavedSearchStore`],
//! [`SavedSearchWrites`]; migration 0041). Each key is a primary key claimed with `ON CONFLICT DO NOTHING`:
//! on PostgreSQL a second transaction inserting the same key waits for the first and then inserts nothing;
//! SQLite runs one writer at a time. So the caller learns from the row count whether it won the key.

use async_trait::async_trait;
use std::collections::HashSet;
use time::OffsetDateTime;

use ldp_core::domain::funding::{CallId, CallKind};
use ldp_core::domain::saved_search::{
    AlertFrequency, NewSavedSearch, SavedSearch, SavedSearchId, SavedSearchStore, SavedSearchWrites, SearchCriteria,
};
use ldp_core::domain::{Change, Lang, MunicipalityId, UserId};
use ldp_core::store::{StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;
use crate::ts::Ts;
use crate::unit_of_work::{SqlUnit, on_unit};

const COLUMNS: &str = "id, user_id, theme, sdg, funder, kind, municipality_id, frequency, lang, created_at";

#[derive(sqlx::FromRow)]
struct SearchRow {
    id: i64,
    user_id: i64,
    theme: Option<String>,
    sdg: Option<i32>,
    funder: Option<String>,
    kind: Option<String>,
    municipality_id: Option<i64>,
    frequency: String,
    lang: String,
    created_at: OffsetDateTime,
}

impl TryFrom<SearchRow> for SavedSearch {
    type Error = StoreError;

    fn try_from(r: SearchRow) -> StoreResult<SavedSearch> {
        let kind = match r.kind {
            None => None,
            Some(k) => Some(CallKind::parse(&k).ok_or_else(|| corrupt(format!("saved_search.kind {k}")))?),
        };
        let sdg = match r.sdg {
            None => None,
            Some(g) => Some(u8::try_from(g).map_err(|_| corrupt(format!("saved_search.sdg {g}")))?),
        };
        Ok(SavedSearch {
            id: SavedSearchId(r.id),
            user: UserId(r.user_id),
            criteria: SearchCriteria {
                theme: r.theme,
                sdg,
                funder: r.funder,
                kind,
                eligible_for: r.municipality_id.map(MunicipalityId),
            },
            frequency: AlertFrequency::parse(&r.frequency)
                .ok_or_else(|| corrupt(format!("saved_search.frequency {}", r.frequency)))?,
            lang: Lang::parse(&r.lang).ok_or_else(|| corrupt(format!("saved_search.lang {}", r.lang)))?,
            created_at: r.created_at,
        })
    }
}

#[async_trait]
impl SavedSearchStore for SqlStore {
    async fn saved_searches(&self, user: Option<UserId>) -> StoreResult<Vec<SavedSearch>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, SearchRow>(static_sql!(
                "SELECT {COLUMNS} FROM saved_search WHERE ($1 IS NULL OR user_id = $1) ORDER BY id"
            ))
            .bind(user.map(|u| u.0)).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(SavedSearch::try_from).collect()
    }

    async fn saved_search(&self, id: SavedSearchId) -> StoreResult<Option<SavedSearch>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, SearchRow>(static_sql!("SELECT {COLUMNS} FROM saved_search WHERE id = $1"))
                .bind(id.0).fetch_optional(pool).await.map_err(db)?
        });
        row.map(SavedSearch::try_from).transpose()
    }

    async fn create_saved_search(
        &self,
        s: &NewSavedSearch,
        seen: &[CallId],
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<SavedSearchId> {
        let c = &s.criteria;
        let id = dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let id: i64 = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO saved_search (user_id, theme, sdg, funder, kind, municipality_id, frequency, lang, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id",
            )
            .bind(s.user.0).bind(c.theme.as_deref()).bind(c.sdg.map(i32::from)).bind(c.funder.as_deref())
            .bind(c.kind.map(CallKind::as_str)).bind(c.eligible_for.map(|m| m.0))
            .bind(s.frequency.as_str()).bind(s.lang.code()).bind(Ts(now))
            .fetch_one(&mut *tx).await
            .map_err(|e| match db(e) {
                StoreError::Conflict(_) => StoreError::Conflict("user_not_found".into()),
                other => other,
            })?;
            for call in seen {
                sqlx::query::<Db>(
                    "INSERT INTO saved_search_alert (search_id, call_id, state, created_at) VALUES ($1, $2, 'seen', $3)",
                )
                .bind(id).bind(call.0).bind(Ts(now)).execute(&mut *tx).await.map_err(db)?;
            }
            write_audit!(&mut *tx, change, Some(id));
            tx.commit().await.map_err(db)?;
            id
        });
        self.committed().await;
        Ok(SavedSearchId(id))
    }

    async fn update_saved_search(
        &self,
        id: SavedSearchId,
        frequency: AlertFrequency,
        lang: Lang,
        change: &Change,
    ) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>("UPDATE saved_search SET frequency = $1, lang = $2, updated_at = $3 WHERE id = $4")
                .bind(frequency.as_str()).bind(lang.code()).bind(Ts(change.at)).bind(id.0)
                .execute(&mut *tx).await.map_err(db)?.rows_affected();
            if done != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change, Some(id.0));
            tx.commit().await.map_err(db)?;
        });
        self.committed().await;
        Ok(true)
    }

    async fn delete_saved_search(&self, id: SavedSearchId, change: &Change) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>("DELETE FROM saved_search WHERE id = $1")
                .bind(id.0).execute(&mut *tx).await.map_err(db)?.rows_affected();
            if done != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change, Some(id.0));
            tx.commit().await.map_err(db)?;
        });
        self.committed().await;
        Ok(true)
    }

    async fn known_calls(&self, id: SavedSearchId) -> StoreResult<HashSet<CallId>> {
        let ids = dispatch!(&self.pools, pool => {
            sqlx::query_scalar::<Db, i64>("SELECT call_id FROM saved_search_alert WHERE search_id = $1")
                .bind(id.0).fetch_all(pool).await.map_err(db)?
        });
        Ok(ids.into_iter().map(CallId).collect())
    }

    async fn reminders_sent(&self, user: UserId) -> StoreResult<HashSet<(CallId, OffsetDateTime, u8)>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, (i64, OffsetDateTime, i32)>(
                "SELECT call_id, deadline_at, days_before FROM call_deadline_reminder WHERE user_id = $1",
            )
            .bind(user.0).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter()
            .map(|(call, at, days)| {
                let days = u8::try_from(days).map_err(|_| corrupt(format!("call_deadline_reminder.days {days}")))?;
                Ok((CallId(call), at, days))
            })
            .collect()
    }

    async fn pending_digest(&self, id: SavedSearchId) -> StoreResult<Vec<CallId>> {
        let ids = dispatch!(&self.pools, pool => {
            sqlx::query_scalar::<Db, i64>(
                "SELECT call_id FROM saved_search_alert WHERE search_id = $1 AND state = 'pending' ORDER BY call_id",
            )
            .bind(id.0).fetch_all(pool).await.map_err(db)?
        });
        Ok(ids.into_iter().map(CallId).collect())
    }
}

#[async_trait]
impl SavedSearchWrites for SqlUnit {
    async fn claim_alert(
        &mut self,
        id: SavedSearchId,
        call: CallId,
        digest: bool,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let state = if digest { "pending" } else { "sent" };
        let done = on_unit!(self, conn => {
            sqlx::query::<Db>(
                "INSERT INTO saved_search_alert (search_id, call_id, state, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (search_id, call_id) DO NOTHING",
            )
            .bind(id.0).bind(call.0).bind(state).bind(Ts(now))
            .execute(&mut *conn).await.map_err(db)?.rows_affected()
        });
        Ok(done == 1)
    }

    async fn claim_digest(
        &mut self,
        id: SavedSearchId,
        period: &str,
        now: OffsetDateTime,
    ) -> StoreResult<Option<Vec<CallId>>> {
        let calls = on_unit!(self, conn => {
            let claimed = sqlx::query::<Db>(
                "INSERT INTO saved_search_digest (search_id, period, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (search_id, period) DO NOTHING",
            )
            .bind(id.0).bind(period).bind(Ts(now))
            .execute(&mut *conn).await.map_err(db)?.rows_affected();
            if claimed != 1 {
                return Ok(None);
            }
            sqlx::query_scalar::<Db, i64>(
                "UPDATE saved_search_alert SET state = 'digested', digest_period = $1 \
                 WHERE search_id = $2 AND state = 'pending' RETURNING call_id",
            )
            .bind(period).bind(id.0).fetch_all(&mut *conn).await.map_err(db)?
        });
        if calls.is_empty() {
            // Nothing waited: the caller drops the unit, and the period stays free for a later call.
            return Ok(None);
        }
        let mut calls: Vec<CallId> = calls.into_iter().map(CallId).collect();
        calls.sort_unstable_by_key(|c| c.0);
        Ok(Some(calls))
    }

    async fn claim_reminder(
        &mut self,
        user: UserId,
        call: CallId,
        deadline: OffsetDateTime,
        days: u8,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let done = on_unit!(self, conn => {
            sqlx::query::<Db>(
                "INSERT INTO call_deadline_reminder (user_id, call_id, deadline_at, days_before, created_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, call_id, deadline_at, days_before) DO NOTHING",
            )
            .bind(user.0).bind(call.0).bind(Ts(deadline)).bind(i32::from(days)).bind(Ts(now))
            .execute(&mut *conn).await.map_err(db)?.rows_affected()
        });
        Ok(done == 1)
    }
}
