//! Partnerships: the registry, the append-only trail, activities and documents.

use async_trait::async_trait;
use ldp_core::store::PartnershipStore;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};

use ldp_core::domain::partnership::*;
use ldp_core::domain::{Coordinates, CountryCode, GoalNumber, Localized, Page, Paged};
use ldp_core::store::{GazetteerEntry, RecordedStep, StoreError, StoreResult};
use ldp_core::text::collation_key;

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;
use crate::ts::Ts;
use ldp_core::domain::Change;

/// Dormant: active, with recorded activity (or activation) older than the cut-off `$1`. A relation with no
/// recorded activity at all (every imported one) is not dormant: nothing is known about it.
const DORMANT: &str = "(p.stage = 'active' AND p.last_activity_on IS NOT NULL AND p.last_activity_on < $1)";
/// Visitors see a relation once its council decision is recorded, or when the municipality publishes it.
const PUBLIC: &str = "(p.stage <> 'proposed' OR p.published)";

const COLUMNS: &str = "p.id, p.kind, p.stage, p.foreign_missions, p.trail_incomplete, p.last_activity_on, p.themes, \
    p.notes_tr, p.notes_en, p.source, p.published, \
    m.id AS m_id, m.slug AS m_slug, m.name AS m_name, m.kind AS m_kind, mp.name AS m_province, m.lat AS m_lat, \
    m.lng AS m_lng, \
    c.id AS c_id, c.name AS c_name, c.name_tr AS c_name_tr, c.source_list AS c_source_list, c.country AS c_country, c.lat AS c_lat, c.lng AS c_lng, \
    pm.id AS pm_id, pm.slug AS pm_slug, pm.name AS pm_name, pm.lat AS pm_lat, pm.lng AS pm_lng, \
    co.name_tr AS co_tr, co.name_en AS co_en";

const FROM: &str = " FROM partnership p \
    JOIN municipality m ON m.id = p.municipality_id \
    JOIN province mp ON mp.plate = m.plate \
    LEFT JOIN city c ON c.id = p.partner_city_id \
    LEFT JOIN municipality pm ON pm.id = p.partner_municipality_id \
    LEFT JOIN country co ON co.iso2 = COALESCE(c.country, 'TR')";

/// The filter conditions after the member's (`$2`); `$1` is the dormancy cut-off, the others `$3`…`$11`. They
/// read the relation's own columns only, so counts need no join.
pub(crate) const REST: &str = "AND ($3 IS NULL OR p.member_plate = $3) \
    AND ($4 IS NULL OR p.partner_country = $4) AND ($5 IS NULL OR p.kind = $5) \
    AND ($6 IS NULL OR p.stage = $6) \
    AND ($7 IS NULL OR EXISTS (SELECT 1 FROM partnership_sdg s WHERE s.partnership_id = p.id AND s.goal = $7)) \
    AND ($8 IS NULL OR $8 = (p.stage = 'active' AND p.last_activity_on IS NOT NULL AND p.last_activity_on < $1)) \
    AND ($9 IS NULL OR p.trail_incomplete = $9) \
    AND ($10 OR p.stage <> 'proposed' OR p.published) \
    AND ($11 IS NULL OR (p.stage = 'terminated') = $11)";
/// Any member (`$2` NULL) or one.
pub(crate) const ANY_MEMBER: &str =
    " WHERE ($2 IS NULL OR p.municipality_id = (SELECT id FROM municipality WHERE slug = $2)) ";
/// Exactly one member: written without the `IS NULL OR` so that the planner uses `partnership_by_member`
/// (measured on SQLite at 32,000 relations: a representative's dashboard went from 49 ms to 6 ms).
pub(crate) const ONE_MEMBER: &str = " WHERE p.municipality_id = (SELECT id FROM municipality WHERE slug = $2) ";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    stage: String,
    foreign_missions: bool,
    trail_incomplete: bool,
    last_activity_on: Option<Date>,
    themes: String,
    notes_tr: String,
    notes_en: String,
    source: Option<String>,
    published: bool,
    dormant: bool,
    m_id: i64,
    m_slug: String,
    m_name: String,
    m_kind: String,
    m_province: String,
    m_lat: f64,
    m_lng: f64,
    c_id: Option<i64>,
    c_name: Option<String>,
    c_name_tr: Option<String>,
    c_source_list: Option<String>,
    c_country: Option<String>,
    c_lat: Option<f64>,
    c_lng: Option<f64>,
    pm_id: Option<i64>,
    pm_slug: Option<String>,
    pm_name: Option<String>,
    pm_lat: Option<f64>,
    pm_lng: Option<f64>,
    co_tr: Option<String>,
    co_en: Option<String>,
}

impl Row {
    fn into_partnership(self, sdgs: Vec<GoalNumber>) -> StoreResult<Partnership> {
        let country_code = self.c_country.clone().unwrap_or_else(|| "TR".to_owned());
        let country = CountryCode::parse(&country_code).map_err(|_| corrupt(format_args!("country {country_code}")))?;
        let country_name = Localized::new(
            self.co_tr.unwrap_or_else(|| country_code.clone()),
            self.co_en.unwrap_or_else(|| country_code.clone()),
        );
        let partner = match (self.c_id, self.pm_id) {
            (Some(id), _) => PartnerRef {
                kind: PartnerKind::City,
                id,
                name_tr: self.c_name_tr.filter(|n| !n.is_empty()).or_else(|| self.c_name.clone()).unwrap_or_default(),
                name: self.c_name.unwrap_or_default(),
                source_list: self.c_source_list,
                slug: None,
                country,
                country_name,
                location: Coordinates { lat: self.c_lat.unwrap_or_default(), lng: self.c_lng.unwrap_or_default() },
            },
            (None, Some(id)) => PartnerRef {
                kind: PartnerKind::Municipality,
                id,
                name_tr: self.pm_name.clone().unwrap_or_default(),
                name: self.pm_name.unwrap_or_default(),
                source_list: None,
                slug: self.pm_slug,
                country,
                country_name,
                location: Coordinates { lat: self.pm_lat.unwrap_or_default(), lng: self.pm_lng.unwrap_or_default() },
            },
            (None, None) => return Err(corrupt(format_args!("partnership {} has no partner", self.id))),
        };
        let themes = self
            .themes
            .split(',')
            .filter(|t| !t.is_empty())
            .map(|t| t.parse::<Theme>().map_err(|_| corrupt(format_args!("theme {t}"))))
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Partnership {
            id: PartnershipId(self.id),
            member: MemberRef {
                id: self.m_id,
                slug: self.m_slug,
                name: self.m_name,
                kind: self.m_kind.parse().map_err(|_| corrupt(format_args!("kind {}", self.m_kind)))?,
                province: self.m_province,
                location: Coordinates { lat: self.m_lat, lng: self.m_lng },
            },
            partner,
            kind: self.kind.parse().map_err(|_| corrupt(format_args!("partnership kind {}", self.kind)))?,
            stage: self.stage.parse().map_err(|_| corrupt(format_args!("stage {}", self.stage)))?,
            foreign_missions: self.foreign_missions,
            trail_incomplete: self.trail_incomplete,
            dormant: self.dormant,
            last_activity: self.last_activity_on,
            themes,
            sdgs,
            notes: Localized::new(self.notes_tr, self.notes_en),
            source: self.source,
            published: self.published,
        })
    }
}

/// The columns of one trail step, as [`EventRow`] reads them.
pub(crate) const EVENT_COLUMNS: &str = "id, stage, event_date, decision_number, reference, authority, place, \
    signatories, reason, backfilled, actor, recorded_at";

#[derive(sqlx::FromRow)]
pub(crate) struct EventRow {
    id: i64,
    stage: String,
    event_date: Date,
    decision_number: Option<String>,
    reference: Option<String>,
    authority: Option<String>,
    place: Option<String>,
    signatories: Option<String>,
    reason: Option<String>,
    backfilled: bool,
    actor: String,
    recorded_at: OffsetDateTime,
}

impl EventRow {
    pub(crate) fn into_event(self) -> StoreResult<TrailEvent> {
        Ok(TrailEvent {
            id: self.id,
            stage: self.stage.parse().map_err(|_| corrupt(format_args!("stage {}", self.stage)))?,
            date: self.event_date,
            decision_number: self.decision_number,
            reference: self.reference,
            authority: self.authority,
            place: self.place,
            signatories: self.signatories,
            reason: self.reason,
            backfilled: self.backfilled,
            actor: self.actor,
            recorded_at: self.recorded_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct ActivityRow {
    id: i64,
    activity_date: Date,
    title_tr: String,
    title_en: String,
    kind: String,
    sdgs: String,
    actor: String,
}

#[derive(sqlx::FromRow)]
struct DocumentRow {
    id: i64,
    kind: String,
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    storage_key: String,
    actor: String,
    uploaded_at: OffsetDateTime,
}

impl TryFrom<DocumentRow> for Document {
    type Error = StoreError;
    fn try_from(r: DocumentRow) -> StoreResult<Document> {
        Ok(Document {
            id: r.id,
            kind: r.kind.parse().map_err(|_| corrupt(format_args!("document kind {}", r.kind)))?,
            filename: r.filename,
            content_type: r.content_type,
            size: r.size,
            sha256: r.sha256,
            storage_key: r.storage_key,
            actor: r.actor,
            uploaded_at: r.uploaded_at,
        })
    }
}

fn goals(list: &str) -> Vec<GoalNumber> {
    list.split(',').filter_map(|g| g.trim().parse::<i64>().ok()).filter_map(|g| GoalNumber::parse(g).ok()).collect()
}

fn goal_list(goals: &[GoalNumber]) -> String {
    goals.iter().map(|g| g.get().to_string()).collect::<Vec<_>>().join(",")
}

#[derive(sqlx::FromRow)]
struct SdgRow {
    partnership_id: i64,
    goal: i64,
}

#[derive(sqlx::FromRow)]
struct CountryRow {
    iso2: String,
    name_tr: Option<String>,
    name_en: Option<String>,
    numeric_code: Option<String>,
    partnerships: i64,
    members: i64,
    dormant: i64,
}

#[derive(sqlx::FromRow)]
struct StepRow {
    partnership_id: i64,
    stage: String,
    event_date: Date,
}

#[derive(sqlx::FromRow)]
struct CityRow {
    id: i64,
    names_folded: String,
    country: String,
    lat: f64,
    lng: f64,
    population: i64,
}

impl SqlStore {
    pub(crate) async fn create_partnership_tx(
        &self,
        new: &NewPartnership,
        change: &Change,
    ) -> StoreResult<Option<PartnershipId>> {
        let (actor, now) = (change.actor.as_str(), change.at);
        let (city, member) = match new.partner {
            NewPartner::City(id) => (Some(id), None),
            NewPartner::Municipality(id) => (None, Some(id)),
        };
        let imported = new.imported_from.is_some();
        let stage = if imported { Stage::Active } else { Stage::Proposed };
        let themes = new.themes.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(",");
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            // The partner's sort key: a city's name collated; a member municipality's own key (as the
            // reference loader and merges keep it).
            let partner_key: Option<Vec<u8>> = match (city, member) {
                (Some(id), _) => sqlx::query_scalar::<Db, String>("SELECT name FROM city WHERE id = $1")
                    .bind(id).fetch_optional(&mut *tx).await.map_err(db)?.map(|name| collation_key(&name)),
                (_, Some(id)) => sqlx::query_scalar::<Db, Vec<u8>>("SELECT sort_key FROM municipality WHERE id = $1")
                    .bind(id).fetch_optional(&mut *tx).await.map_err(db)?,
                _ => None,
            };
            let Some(partner_key) = partner_key else {
                return Err(StoreError::Conflict("partner_not_found".into()));
            };
            let id: Option<i64> = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO partnership (municipality_id, partner_city_id, partner_municipality_id, partner_sort_key, \
                 kind, stage, foreign_missions, trail_incomplete, themes, notes_tr, notes_en, source, created_at, \
                 member_sort_key, member_plate, partner_country) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
                 (SELECT sort_key FROM municipality WHERE id = $1), (SELECT plate FROM municipality WHERE id = $1), \
                 COALESCE((SELECT country FROM city WHERE id = $2), 'TR')) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(new.municipality_id).bind(city).bind(member).bind(partner_key)
            .bind(new.kind.as_str()).bind(stage.as_str()).bind(new.foreign_missions).bind(imported)
            .bind(themes).bind(&new.notes.tr).bind(&new.notes.en).bind(new.imported_from.as_deref()).bind(Ts(now))
            .fetch_optional(&mut *tx).await.map_err(db)?;
            let Some(id) = id else {
                return Ok(None);
            };
            for goal in &new.sdgs {
                sqlx::query::<Db>("INSERT INTO partnership_sdg (partnership_id, goal) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(id).bind(i64::from(goal.get())).execute(&mut *tx).await.map_err(db)?;
            }
            if !imported {
                sqlx::query::<Db>(
                    "INSERT INTO partnership_event (partnership_id, stage, event_date, actor, recorded_at) \
                     VALUES ($1, 'proposed', $2, $3, $4)",
                )
                .bind(id).bind(new.proposed_on).bind(actor).bind(Ts(now)).execute(&mut *tx).await.map_err(db)?;
            }
            write_audit!(&mut *tx, change, Some(id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(Some(PartnershipId(id)))
        })
    }

    async fn sdgs_of(&self, ids: &[i64]) -> StoreResult<HashMap<i64, Vec<GoalNumber>>> {
        let mut out: HashMap<i64, Vec<GoalNumber>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        for chunk in ids.chunks(1000) {
            let rows: Vec<SdgRow> = dispatch!(&self.pools, pool => {
                let mut qb =
                    sqlx::QueryBuilder::<Db>::new("SELECT partnership_id, goal FROM partnership_sdg WHERE partnership_id IN (");
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(") ORDER BY partnership_id, goal");
                qb.build_query_as::<SdgRow>().fetch_all(pool).await.map_err(db)?
            });
            for r in rows {
                if let Ok(g) = GoalNumber::parse(r.goal) {
                    out.entry(r.partnership_id).or_default().push(g);
                }
            }
        }
        Ok(out)
    }

    async fn rows_to_partnerships(&self, rows: Vec<Row>) -> StoreResult<Vec<Partnership>> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut sdgs = self.sdgs_of(&ids).await?;
        rows.into_iter()
            .map(|r| {
                let goals = sdgs.remove(&r.id).unwrap_or_default();
                r.into_partnership(goals)
            })
            .collect()
    }

    pub(crate) async fn list_partnerships_q(
        &self,
        f: &PartnershipFilter,
        dormant_before: Date,
        page: Page,
    ) -> StoreResult<Paged<Partnership>> {
        let (list_sql, count_sql) = if f.municipality.is_some() {
            (
                static_sql!(
                    "SELECT {COLUMNS}, {DORMANT} AS dormant{FROM}{ONE_MEMBER}{REST} ORDER BY p.partner_sort_key, p.id \
                     LIMIT $12 OFFSET $13"
                ),
                static_sql!("SELECT COUNT(*) FROM partnership p{ONE_MEMBER}{REST}"),
            )
        } else {
            (
                static_sql!(
                    "SELECT {COLUMNS}, {DORMANT} AS dormant{FROM}{ANY_MEMBER}{REST} \
                     ORDER BY p.member_sort_key, p.partner_sort_key, p.id LIMIT $12 OFFSET $13"
                ),
                static_sql!("SELECT COUNT(*) FROM partnership p{ANY_MEMBER}{REST}"),
            )
        };
        let plate = f.province.map(|p| i64::from(p.get()));
        let sdg = f.sdg.map(|g| i64::from(g.get()));
        let country = f.country.as_ref().map(|c| c.as_str());
        let kind = f.kind.map(|k| k.as_str());
        let stage = f.stage.map(|s| s.as_str());
        let (rows, total) = dispatch!(&self.pools, pool => {
            let rows = sqlx::query_as::<Db, Row>(list_sql)
                .bind(dormant_before).bind(f.municipality.as_deref()).bind(plate).bind(country).bind(kind)
                .bind(stage).bind(sdg).bind(f.dormant).bind(f.trail_incomplete).bind(f.include_unpublished).bind(f.ended)
                .bind(page.limit()).bind(page.offset())
                .fetch_all(pool).await.map_err(db)?;
            let total: i64 = sqlx::query_scalar::<Db, i64>(count_sql)
                .bind(dormant_before).bind(f.municipality.as_deref()).bind(plate).bind(country).bind(kind)
                .bind(stage).bind(sdg).bind(f.dormant).bind(f.trail_incomplete).bind(f.include_unpublished).bind(f.ended)
                .fetch_one(pool).await.map_err(db)?;
            (rows, total)
        });
        Ok(Paged::new(self.rows_to_partnerships(rows).await?, page, total as u64))
    }

    pub(crate) async fn export_partnerships_q(
        &self,
        f: &PartnershipFilter,
        dormant_before: Date,
        skip: u64,
        limit: u32,
    ) -> StoreResult<Vec<Partnership>> {
        let sql = if f.municipality.is_some() {
            static_sql!(
                "SELECT {COLUMNS}, {DORMANT} AS dormant{FROM}{ONE_MEMBER}{REST} ORDER BY p.partner_sort_key, p.id LIMIT $12 OFFSET $13"
            )
        } else {
            static_sql!(
                "SELECT {COLUMNS}, {DORMANT} AS dormant{FROM}{ANY_MEMBER}{REST} \
                 ORDER BY p.member_sort_key, p.partner_sort_key, p.id LIMIT $12 OFFSET $13"
            )
        };
        let plate = f.province.map(|p| i64::from(p.get()));
        let sdg = f.sdg.map(|g| i64::from(g.get()));
        let country = f.country.as_ref().map(|c| c.as_str());
        let kind = f.kind.map(|k| k.as_str());
        let stage = f.stage.map(|s| s.as_str());
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, Row>(sql)
                .bind(dormant_before).bind(f.municipality.as_deref()).bind(plate).bind(country).bind(kind)
                .bind(stage).bind(sdg).bind(f.dormant).bind(f.trail_incomplete).bind(f.include_unpublished).bind(f.ended)
                .bind(i64::from(limit)).bind(i64::try_from(skip).unwrap_or(i64::MAX))
                .fetch_all(pool).await.map_err(db)?
        });
        self.rows_to_partnerships(rows).await
    }

    pub(crate) async fn partnership_q(
        &self,
        id: PartnershipId,
        dormant_before: Date,
    ) -> StoreResult<Option<PartnershipDetail>> {
        let sql = static_sql!("SELECT {COLUMNS}, {DORMANT} AS dormant{FROM} WHERE p.id = $2");
        let (row, events, activities, documents) = dispatch!(&self.pools, pool => {
            let row = sqlx::query_as::<Db, Row>(sql).bind(dormant_before).bind(id.0)
                .fetch_optional(pool).await.map_err(db)?;
            let events = sqlx::query_as::<Db, EventRow>(static_sql!(
                "SELECT {EVENT_COLUMNS} FROM partnership_event WHERE partnership_id = $1 ORDER BY id"
            )).bind(id.0).fetch_all(pool).await.map_err(db)?;
            let activities = sqlx::query_as::<Db, ActivityRow>(
                "SELECT id, activity_date, title_tr, title_en, kind, sdgs, actor FROM partnership_activity \
                 WHERE partnership_id = $1 ORDER BY activity_date DESC, id DESC",
            ).bind(id.0).fetch_all(pool).await.map_err(db)?;
            let documents = sqlx::query_as::<Db, DocumentRow>(
                "SELECT id, kind, filename, content_type, size, sha256, storage_key, actor, uploaded_at \
                 FROM partnership_document WHERE partnership_id = $1 ORDER BY id",
            ).bind(id.0).fetch_all(pool).await.map_err(db)?;
            (row, events, activities, documents)
        });
        let Some(row) = row else { return Ok(None) };
        let partnership = self.rows_to_partnerships(vec![row]).await?.remove(0);
        let trail = events.into_iter().map(EventRow::into_event).collect::<StoreResult<Vec<_>>>()?;
        let activities = activities
            .into_iter()
            .map(|a| {
                Ok(Activity {
                    id: a.id,
                    date: a.activity_date,
                    title: Localized::new(a.title_tr, a.title_en),
                    kind: a.kind.parse().map_err(|_| corrupt(format_args!("activity kind {}", a.kind)))?,
                    sdgs: goals(&a.sdgs),
                    actor: a.actor,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let documents = documents.into_iter().map(Document::try_from).collect::<StoreResult<Vec<_>>>()?;
        Ok(Some(PartnershipDetail { partnership, trail, activities, documents, missing: Vec::new() }))
    }

    pub(crate) async fn record_step_tx(
        &self,
        id: PartnershipId,
        expected: Stage,
        s: &RecordedStep,
        change: &Change,
    ) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let updated = sqlx::query::<Db>(
                "UPDATE partnership SET stage = $1, trail_incomplete = $2, \
                 last_activity_on = CASE WHEN $3 IS NOT NULL AND (last_activity_on IS NULL OR last_activity_on < $3) \
                 THEN $3 ELSE last_activity_on END WHERE id = $4 AND stage = $5 \
                 AND (SELECT COUNT(*) FROM partnership_event WHERE partnership_id = $4) = $6",
            )
            .bind(s.new_stage.as_str()).bind(s.trail_incomplete).bind(s.activity_on).bind(id.0).bind(expected.as_str())
            .bind(s.trail_len as i64)
            .execute(&mut *tx).await.map_err(db)?;
            if updated.rows_affected() != 1 {
                return Err(StoreError::Conflict("stage_changed".into()));
            }
            sqlx::query::<Db>(
                "INSERT INTO partnership_event (partnership_id, stage, event_date, decision_number, reference, authority, \
                 place, signatories, reason, backfilled, actor, recorded_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(id.0).bind(s.stage.as_str()).bind(s.date).bind(s.decision_number.as_deref()).bind(s.reference.as_deref())
            .bind(s.authority.as_deref()).bind(s.place.as_deref()).bind(s.signatories.as_deref()).bind(s.reason.as_deref())
            .bind(s.backfilled).bind(&s.actor).bind(Ts(s.recorded_at))
            .execute(&mut *tx).await
            .map_err(|e| match db(e) {
                // The unique (relation, stage) rule caught a copy the count did not: same answer.
                StoreError::Conflict(_) => StoreError::Conflict("stage_changed".into()),
                other => other,
            })?;
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }

    pub(crate) async fn add_activity_tx(
        &self,
        id: PartnershipId,
        a: &NewActivity,
        change: &Change,
    ) -> StoreResult<i64> {
        let (actor, now) = (change.actor.as_str(), change.at);
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let activity: i64 = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO partnership_activity (partnership_id, activity_date, title_tr, title_en, kind, sdgs, actor, \
                 recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(id.0).bind(a.date).bind(&a.title.tr).bind(&a.title.en).bind(a.kind.as_str()).bind(goal_list(&a.sdgs))
            .bind(actor).bind(Ts(now))
            .fetch_one(&mut *tx).await.map_err(db)?;
            sqlx::query::<Db>(
                "UPDATE partnership SET last_activity_on = $1 WHERE id = $2 \
                 AND (last_activity_on IS NULL OR last_activity_on < $1)",
            )
            .bind(a.date).bind(id.0).execute(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change, Some(activity));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(activity)
        })
    }

    pub(crate) async fn add_document_tx(
        &self,
        id: PartnershipId,
        d: &NewDocument,
        change: &Change,
    ) -> StoreResult<i64> {
        let (actor, now) = (change.actor.as_str(), change.at);
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let document = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO partnership_document (partnership_id, kind, filename, content_type, size, sha256, \
                 storage_key, actor, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(id.0).bind(d.kind.as_str()).bind(&d.filename).bind(&d.content_type).bind(d.size).bind(&d.sha256)
            .bind(&d.storage_key).bind(actor).bind(Ts(now))
            .fetch_one(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change, Some(document));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(document)
        })
    }

    pub(crate) async fn document_q(&self, id: PartnershipId, document: i64) -> StoreResult<Option<Document>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, DocumentRow>(
                "SELECT id, kind, filename, content_type, size, sha256, storage_key, actor, uploaded_at \
                 FROM partnership_document WHERE partnership_id = $1 AND id = $2",
            )
            .bind(id.0).bind(document).fetch_optional(pool).await.map_err(db)?
        });
        row.map(Document::try_from).transpose()
    }

    pub(crate) async fn partnership_countries_q(&self, dormant_before: Date) -> StoreResult<Vec<CountrySummary>> {
        let sql = static_sql!(
            "SELECT g.iso2, co.name_tr, co.name_en, co.numeric_code, g.partnerships, g.members, g.dormant FROM \
             (SELECT p.partner_country AS iso2, COUNT(*) AS partnerships, COUNT(DISTINCT p.municipality_id) AS members, \
             SUM(CASE WHEN {DORMANT} THEN 1 ELSE 0 END) AS dormant \
             FROM partnership p WHERE p.stage <> 'terminated' AND {PUBLIC} GROUP BY p.partner_country) g \
             LEFT JOIN country co ON co.iso2 = g.iso2 ORDER BY g.partnerships DESC, g.iso2"
        );
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, CountryRow>(sql).bind(dormant_before).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter()
            .map(|r| {
                Ok(CountrySummary {
                    country: CountryCode::parse(&r.iso2).map_err(|_| corrupt(format_args!("country {}", r.iso2)))?,
                    name: Localized::new(
                        r.name_tr.unwrap_or_else(|| r.iso2.clone()),
                        r.name_en.unwrap_or_else(|| r.iso2.clone()),
                    ),
                    numeric: r.numeric_code,
                    partnerships: r.partnerships as u64,
                    members: r.members as u64,
                    dormant: r.dormant as u64,
                })
            })
            .collect()
    }

    pub(crate) async fn partner_countries_q(&self) -> StoreResult<Vec<(CountryCode, Localized)>> {
        #[derive(sqlx::FromRow)]
        struct Choice {
            iso2: String,
            name_tr: Option<String>,
            name_en: Option<String>,
        }
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, Choice>(
                "SELECT g.iso2, co.name_tr, co.name_en FROM (SELECT DISTINCT partner_country AS iso2 FROM partnership p \
                 WHERE (p.stage <> 'proposed' OR p.published)) g \
                 LEFT JOIN country co ON co.iso2 = g.iso2 ORDER BY co.sort_key, g.iso2",
            )
            .fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter()
            .map(|r| {
                let code = CountryCode::parse(&r.iso2).map_err(|_| corrupt(format_args!("country {}", r.iso2)))?;
                let name = Localized::new(
                    r.name_tr.unwrap_or_else(|| r.iso2.clone()),
                    r.name_en.unwrap_or_else(|| r.iso2.clone()),
                );
                Ok((code, name))
            })
            .collect()
    }

    pub(crate) async fn trails_q(
        &self,
        ids: &[PartnershipId],
    ) -> StoreResult<HashMap<PartnershipId, Vec<(Stage, Date)>>> {
        let mut out: HashMap<PartnershipId, Vec<(Stage, Date)>> = ids.iter().map(|id| (*id, Vec::new())).collect();
        for chunk in ids.chunks(500) {
            let rows: Vec<StepRow> = dispatch!(&self.pools, pool => {
                let mut qb = sqlx::QueryBuilder::<Db>::new(
                    "SELECT partnership_id, stage, event_date FROM partnership_event WHERE partnership_id IN (",
                );
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(id.0);
                }
                qb.push(") ORDER BY partnership_id, id");
                qb.build_query_as::<StepRow>().fetch_all(pool).await.map_err(db)?
            });
            for r in rows {
                let stage = r.stage.parse().map_err(|_| corrupt(format_args!("stage {}", r.stage)))?;
                out.entry(PartnershipId(r.partnership_id)).or_default().push((stage, r.event_date));
            }
        }
        Ok(out)
    }

    pub(crate) async fn gazetteer_q(&self) -> StoreResult<Vec<GazetteerEntry>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, CityRow>("SELECT id, names_folded, country, lat, lng, population FROM city")
                .fetch_all(pool).await.map_err(db)?
        });
        Ok(rows
            .into_iter()
            .map(|r| GazetteerEntry {
                id: r.id,
                names_folded: r.names_folded,
                country: r.country,
                lat: r.lat,
                lng: r.lng,
                population: r.population,
            })
            .collect())
    }
}

#[async_trait]
impl PartnershipStore for SqlStore {
    async fn create_partnership(&self, new: &NewPartnership, change: &Change) -> StoreResult<Option<PartnershipId>> {
        self.create_partnership_tx(new, change).await
    }

    async fn partnership(&self, id: PartnershipId, dormant_before: Date) -> StoreResult<Option<PartnershipDetail>> {
        self.partnership_q(id, dormant_before).await
    }

    async fn list_partnerships(
        &self,
        filter: &PartnershipFilter,
        dormant_before: Date,
        page: Page,
    ) -> StoreResult<Paged<Partnership>> {
        self.list_partnerships_q(filter, dormant_before, page).await
    }

    async fn export_partnerships(
        &self,
        filter: &PartnershipFilter,
        dormant_before: Date,
        skip: u64,
        limit: u32,
    ) -> StoreResult<Vec<Partnership>> {
        self.export_partnerships_q(filter, dormant_before, skip, limit).await
    }

    async fn record_step(
        &self,
        id: PartnershipId,
        expected: Stage,
        step: &RecordedStep,
        change: &Change,
    ) -> StoreResult<()> {
        self.record_step_tx(id, expected, step, change).await
    }

    async fn add_activity(&self, id: PartnershipId, activity: &NewActivity, change: &Change) -> StoreResult<i64> {
        self.add_activity_tx(id, activity, change).await
    }

    async fn add_document(&self, id: PartnershipId, document: &NewDocument, change: &Change) -> StoreResult<i64> {
        self.add_document_tx(id, document, change).await
    }

    async fn document(&self, id: PartnershipId, document: i64) -> StoreResult<Option<Document>> {
        self.document_q(id, document).await
    }

    async fn member_country_links(
        &self,
        filter: &PartnershipFilter,
        dormant_before: Date,
    ) -> StoreResult<Vec<MemberCountryLink>> {
        self.member_country_links_q(filter, dormant_before).await
    }

    async fn partnership_countries(&self, dormant_before: Date) -> StoreResult<Vec<CountrySummary>> {
        self.partnership_countries_q(dormant_before).await
    }

    async fn partner_countries(&self) -> StoreResult<Vec<(CountryCode, Localized)>> {
        self.partner_countries_q().await
    }

    async fn trails(&self, ids: &[PartnershipId]) -> StoreResult<HashMap<PartnershipId, Vec<(Stage, Date)>>> {
        self.trails_q(ids).await
    }

    async fn set_partnership_sdgs(&self, id: PartnershipId, sdgs: &[GoalNumber], change: &Change) -> StoreResult<bool> {
        self.set_partnership_sdgs_tx(id, sdgs, change).await
    }

    async fn set_partnership_published(
        &self,
        id: PartnershipId,
        published: bool,
        change: &Change,
    ) -> StoreResult<bool> {
        self.set_partnership_published_tx(id, published, change).await
    }

    async fn set_proposal_date(&self, id: PartnershipId, date: Date, change: &Change) -> StoreResult<bool> {
        self.set_proposal_date_tx(id, date, change).await
    }

    async fn activities_with_goal(&self, goal: GoalNumber, limit: u32) -> StoreResult<Vec<GoalActivity>> {
        self.activities_with_goal_q(goal, limit).await
    }

    async fn relations_duplicated_by_merge(&self, place: i64, city: i64) -> StoreResult<Vec<PartnershipId>> {
        self.duplicated_by_merge_q(place, city).await
    }

    async fn trail_events(&self, ids: &[PartnershipId]) -> StoreResult<HashMap<PartnershipId, Vec<TrailEvent>>> {
        self.trail_events_q(ids).await
    }
}
