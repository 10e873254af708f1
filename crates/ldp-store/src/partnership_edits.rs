//! Changes to a partnership after it is proposed, other than its trail: its goals, whether a proposal is
//! public and the date of a proposal nothing has followed yet; the public activities tagged with a goal; the full trails of many relations (for exports).

use std::collections::HashMap;
use time::Date;

use ldp_core::domain::partnership::{GoalActivity, PartnershipId, TrailEvent};
use ldp_core::domain::{Change, GoalNumber, Localized};
use ldp_core::store::StoreResult;

use crate::SqlStore;
use crate::audit::write_audit;
use crate::partnerships::EVENT_COLUMNS;
use crate::partnerships::EventRow;
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;

#[derive(sqlx::FromRow)]
struct GoalActivityRow {
    id: i64,
    partnership_id: i64,
    activity_date: Date,
    title_tr: String,
    title_en: String,
    kind: String,
    member_name: String,
    partner_name: Option<String>,
}

impl SqlStore {
    pub(crate) async fn set_partnership_sdgs_tx(
        &self,
        id: PartnershipId,
        sdgs: &[GoalNumber],
        change: &Change,
    ) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let exists = sqlx::query_scalar::<Db, i64>("SELECT id FROM partnership WHERE id = $1")
                .bind(id.0).fetch_optional(&mut *tx).await.map_err(db)?;
            if exists.is_none() {
                return Ok(false);
            }
            sqlx::query::<Db>("DELETE FROM partnership_sdg WHERE partnership_id = $1")
                .bind(id.0).execute(&mut *tx).await.map_err(db)?;
            for goal in sdgs {
                sqlx::query::<Db>(
                    "INSERT INTO partnership_sdg (partnership_id, goal) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                )
                .bind(id.0).bind(i64::from(goal.get())).execute(&mut *tx).await.map_err(db)?;
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }

    pub(crate) async fn set_partnership_published_tx(
        &self,
        id: PartnershipId,
        published: bool,
        change: &Change,
    ) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let updated = sqlx::query::<Db>("UPDATE partnership SET published = $1 WHERE id = $2")
                .bind(published).bind(id.0).execute(&mut *tx).await.map_err(db)?;
            if updated.rows_affected() != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }

    pub(crate) async fn set_proposal_date_tx(
        &self,
        id: PartnershipId,
        date: Date,
        change: &Change,
    ) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            // Only while the proposal is all there is: once a later step is recorded, its date rests on this one.
            let updated = sqlx::query::<Db>(
                "UPDATE partnership_event SET event_date = $1 WHERE partnership_id = $2 AND stage = 'proposed' \
                 AND (SELECT stage FROM partnership WHERE id = $2) = 'proposed' \
                 AND (SELECT COUNT(*) FROM partnership_event WHERE partnership_id = $2) = 1",
            )
            .bind(date).bind(id.0).execute(&mut *tx).await.map_err(db)?;
            if updated.rows_affected() != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }

    pub(crate) async fn activities_with_goal_q(&self, goal: GoalNumber, limit: u32) -> StoreResult<Vec<GoalActivity>> {
        // Activities keep their goals as a comma-separated list; commas on both sides make "1" miss "11".
        let pattern = format!("%,{},%", goal.get());
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, GoalActivityRow>(
                "SELECT a.id, a.partnership_id, a.activity_date, a.title_tr, a.title_en, a.kind, \
                 m.name AS member_name, COALESCE(c.name, pm.name) AS partner_name \
                 FROM partnership_activity a JOIN partnership p ON p.id = a.partnership_id \
                 JOIN municipality m ON m.id = p.municipality_id \
                 LEFT JOIN city c ON c.id = p.partner_city_id \
                 LEFT JOIN municipality pm ON pm.id = p.partner_municipality_id \
                 WHERE (',' || a.sdgs || ',') LIKE $1 AND (p.stage <> 'proposed' OR p.published) \
                 ORDER BY a.activity_date DESC, a.id DESC LIMIT $2",
            )
            .bind(pattern).bind(i64::from(limit)).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter()
            .map(|r| {
                Ok(GoalActivity {
                    id: r.id,
                    partnership: PartnershipId(r.partnership_id),
                    date: r.activity_date,
                    title: Localized::new(r.title_tr, r.title_en),
                    kind: r.kind.parse().map_err(|_| corrupt(format_args!("activity kind {}", r.kind)))?,
                    member_name: r.member_name,
                    partner_name: r.partner_name.unwrap_or_default(),
                })
            })
            .collect()
    }
}

/// A trail step with the relation it belongs to.
#[derive(sqlx::FromRow)]
struct TrailRow {
    partnership_id: i64,
    #[sqlx(flatten)]
    event: EventRow,
}

impl SqlStore {
    pub(crate) async fn trail_events_q(
        &self,
        ids: &[PartnershipId],
    ) -> StoreResult<HashMap<PartnershipId, Vec<TrailEvent>>> {
        let mut out: HashMap<PartnershipId, Vec<TrailEvent>> = HashMap::new();
        for chunk in ids.chunks(500) {
            let rows: Vec<TrailRow> = dispatch!(&self.pools, pool => {
                let mut qb = sqlx::QueryBuilder::<Db>::new(static_sql!(
                    "SELECT partnership_id, {EVENT_COLUMNS} FROM partnership_event WHERE partnership_id IN ("
                ));
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(id.0);
                }
                qb.push(") ORDER BY partnership_id, id");
                qb.build_query_as::<TrailRow>().fetch_all(pool).await.map_err(db)?
            });
            for r in rows {
                out.entry(PartnershipId(r.partnership_id)).or_default().push(r.event.into_event()?);
            }
        }
        Ok(out)
    }
}
