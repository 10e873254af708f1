//! Folding one record into another while keeping everything that pointed at it: a municipality the
//! reference data no longer has into its successor, and a partner place taken from a source list into the
//! gazetteer city it turns out to be.

use async_trait::async_trait;

use ldp_core::domain::partnership::PartnershipId;
use ldp_core::domain::{Change, City};
use ldp_core::domain::{Coordinates, CountryCode};
use ldp_core::store::{
    MunicipalityMerge, NewSourcePlace, PartnershipWrites, ReferenceWrites, SourcePlace, StoreError, StoreResult,
};
use time::Date;

use crate::rows::corrupt;

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch};
use crate::unit_of_work::{SqlUnit, on_unit};

/// Relations of `$1` (the municipality going away) that cannot move to `$2` because `$2` already has the
/// same partner, or because they would join `$2` to itself.
const BLOCKED_MEMBER_RELATIONS: &str = "SELECT p.id FROM partnership p WHERE \
    (p.municipality_id = $1 AND (p.partner_municipality_id = $2 OR EXISTS (SELECT 1 FROM partnership q \
      WHERE q.municipality_id = $2 AND (q.partner_city_id = p.partner_city_id \
      OR q.partner_municipality_id = p.partner_municipality_id)))) \
    OR (p.partner_municipality_id = $1 AND (p.municipality_id = $2 OR EXISTS (SELECT 1 FROM partnership q \
      WHERE q.municipality_id = p.municipality_id AND q.partner_municipality_id = $2))) ORDER BY p.id";

#[derive(sqlx::FromRow)]
struct MunicipalitySnapshot {
    slug: String,
    name: String,
    website: String,
    contact_email: String,
    contact_phone: String,
    about_tr: String,
    about_en: String,
}

#[derive(sqlx::FromRow)]
struct MembershipSnapshot {
    id: i64,
    network_id: i64,
    since_year: i64,
    status: String,
    decision_number: Option<String>,
    working_groups: String,
}

/// Deletes a relation and everything recorded under it (after its full record went to the audit log).
macro_rules! delete_partnership {
    ($conn:expr, $id:expr) => {{
        for sql in [
            "DELETE FROM partnership_sdg WHERE partnership_id = $1",
            "DELETE FROM partnership_event WHERE partnership_id = $1",
            "DELETE FROM partnership_activity WHERE partnership_id = $1",
            "DELETE FROM partnership_document WHERE partnership_id = $1",
            "DELETE FROM partnership WHERE id = $1",
        ] {
            sqlx::query::<Db>(sql).bind($id).execute(&mut *$conn).await.map_err(db)?;
        }
    }};
}

impl SqlStore {
    pub(crate) async fn merge_municipality_tx(
        &self,
        old: &str,
        into: &str,
        change: &Change,
    ) -> StoreResult<Option<MunicipalityMerge>> {
        let (old_id, new_id, blocked) = dispatch!(&self.pools, pool => {
            let id = |slug: &str| {
                let slug = slug.to_owned();
                async move {
                    sqlx::query_scalar::<Db, i64>("SELECT id FROM municipality WHERE slug = $1")
                        .bind(slug).fetch_optional(pool).await.map_err(db)
                }
            };
            let (old_id, new_id) = (id(old).await?, id(into).await?);
            let blocked: Vec<i64> = match (old_id, new_id) {
                (Some(o), Some(n)) => sqlx::query_scalar::<Db, i64>(BLOCKED_MEMBER_RELATIONS)
                    .bind(o).bind(n).fetch_all(pool).await.map_err(db)?,
                _ => Vec::new(),
            };
            (old_id, new_id, blocked)
        });
        let Some(old_id) = old_id else { return Ok(None) };
        let Some(new_id) = new_id else { return Err(StoreError::Conflict("successor_not_found".into())) };
        // The full record of each relation that has to go, read before the write transaction.
        let mut dropped = Vec::new();
        for id in &blocked {
            if let Some(detail) = self.partnership_q(PartnershipId(*id), change.at.date()).await? {
                dropped.push((*id, serde_json::to_value(detail).unwrap_or_default()));
            }
        }
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let snapshot = sqlx::query_as::<Db, MunicipalitySnapshot>(
                "SELECT slug, name, website, contact_email, contact_phone, about_tr, about_en FROM municipality WHERE id = $1",
            ).bind(old_id).fetch_one(&mut *tx).await.map_err(db)?;
            for (id, record) in &dropped {
                let c = Change { action: "delete_duplicate".into(), record_type: "partnership", record_id: Some(id.to_string()),
                    before: Some(record.clone()), after: None, ..change.clone() };
                write_audit!(&mut *tx, &c);
                delete_partnership!(tx, *id);
            }
            let moved_as_member = sqlx::query::<Db>(
                "UPDATE partnership SET municipality_id = $2, \
                 member_sort_key = (SELECT sort_key FROM municipality WHERE id = $2), \
                 member_plate = (SELECT plate FROM municipality WHERE id = $2) WHERE municipality_id = $1",
            ).bind(old_id).bind(new_id).execute(&mut *tx).await.map_err(db)?.rows_affected();
            let moved_as_partner = sqlx::query::<Db>(
                "UPDATE partnership SET partner_municipality_id = $2, \
                 partner_sort_key = (SELECT sort_key FROM municipality WHERE id = $2) WHERE partner_municipality_id = $1",
            ).bind(old_id).bind(new_id).execute(&mut *tx).await.map_err(db)?.rows_affected();

            let clashing = sqlx::query_as::<Db, MembershipSnapshot>(
                "SELECT m.id, m.network_id, m.since_year, m.status, m.decision_number, m.working_groups FROM membership m \
                 WHERE m.municipality_id = $1 AND EXISTS (SELECT 1 FROM membership o \
                 WHERE o.municipality_id = $2 AND o.network_id = m.network_id) ORDER BY m.id",
            ).bind(old_id).bind(new_id).fetch_all(&mut *tx).await.map_err(db)?;
            for m in &clashing {
                let c = Change { action: "delete_duplicate".into(), record_type: "membership", record_id: Some(m.id.to_string()),
                    before: Some(serde_json::json!({ "network_id": m.network_id, "since_year": m.since_year,
                        "status": m.status, "decision_number": m.decision_number, "working_groups": m.working_groups })),
                    after: None, ..change.clone() };
                write_audit!(&mut *tx, &c);
                sqlx::query::<Db>("DELETE FROM membership WHERE id = $1").bind(m.id).execute(&mut *tx).await.map_err(db)?;
            }
            let memberships = sqlx::query::<Db>("UPDATE membership SET municipality_id = $2 WHERE municipality_id = $1")
                .bind(old_id).bind(new_id).execute(&mut *tx).await.map_err(db)?.rows_affected();
            let representatives = sqlx::query::<Db>("UPDATE representative SET municipality_id = $2 WHERE municipality_id = $1")
                .bind(old_id).bind(new_id).execute(&mut *tx).await.map_err(db)?.rows_affected();
            sqlx::query::<Db>(
                "INSERT INTO user_municipality (user_id, municipality_id) SELECT user_id, $2 FROM user_municipality \
                 WHERE municipality_id = $1 ON CONFLICT DO NOTHING",
            ).bind(old_id).bind(new_id).execute(&mut *tx).await.map_err(db)?;
            let users = sqlx::query::<Db>("DELETE FROM user_municipality WHERE municipality_id = $1")
                .bind(old_id).execute(&mut *tx).await.map_err(db)?.rows_affected();
            sqlx::query::<Db>("DELETE FROM municipality WHERE id = $1").bind(old_id).execute(&mut *tx).await.map_err(db)?;

            let report = MunicipalityMerge {
                partnerships_moved: moved_as_member + moved_as_partner,
                partnerships_dropped: dropped.len() as u64,
                memberships_moved: memberships,
                memberships_dropped: clashing.len() as u64,
                representatives_moved: representatives,
                users_moved: users,
            };
            let s = &snapshot;
            let before = serde_json::json!({ "slug": s.slug, "name": s.name, "website": s.website,
                "contact_email": s.contact_email, "contact_phone": s.contact_phone, "about_tr": s.about_tr, "about_en": s.about_en });
            let c = Change { before: Some(before),
                after: Some(serde_json::json!({ "merged_into": into, "report": report })), ..change.clone() };
            write_audit!(&mut *tx, &c);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(Some(report))
        })
    }
}

impl SqlStore {
    pub(crate) async fn create_source_place_tx(&self, place: &NewSourcePlace, change: &Change) -> StoreResult<i64> {
        let names_folded = format!("|{}|", ldp_core::text::fold(&place.name).replace('|', " "));
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            // The same list row read again finds the place it made before.
            let existing: Option<i64> = sqlx::query_scalar::<Db, i64>(
                "SELECT id FROM city WHERE source_list = $1 AND name = $2 AND country = $3 AND lat = $4 AND lng = $5",
            )
            .bind(&place.source_list).bind(&place.name).bind(place.country.as_str()).bind(place.location.lat)
            .bind(place.location.lng).fetch_optional(&mut *tx).await.map_err(db)?;
            if let Some(id) = existing {
                return Ok(id);
            }
            let id: i64 = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO city (id, name, name_tr, ascii_name, names_folded, country, admin1, lat, lng, population, \
                 feature_code, source_list) \
                 VALUES ((SELECT COALESCE(MIN(id), 0) - 1 FROM city WHERE id < 0), $1, '', '', $2, $3, '', $4, $5, 0, '', $6) \
                 RETURNING id",
            )
            .bind(&place.name).bind(&names_folded).bind(place.country.as_str()).bind(place.location.lat)
            .bind(place.location.lng).bind(&place.source_list)
            .fetch_one(&mut *tx).await.map_err(db)?;
            // Its one name in the look-up's index (migration 0013).
            let folded = names_folded.trim_matches('|');
            if !folded.is_empty() {
                sqlx::query::<Db>("INSERT INTO city_name (folded, city_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                    .bind(folded).bind(id).execute(&mut *tx).await.map_err(db)?;
            }
            write_audit!(&mut *tx, change, Some(id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(id)
        })
    }

    pub(crate) async fn duplicated_by_merge_q(&self, place: i64, city: i64) -> StoreResult<Vec<PartnershipId>> {
        let ids = dispatch!(&self.pools, pool => {
            sqlx::query_scalar::<Db, i64>(
                "SELECT p.id FROM partnership p WHERE p.partner_city_id = $1 AND EXISTS (SELECT 1 FROM partnership q \
                 WHERE q.municipality_id = p.municipality_id AND q.partner_city_id = $2) ORDER BY p.id",
            ).bind(place).bind(city).fetch_all(pool).await.map_err(db)?
        });
        Ok(ids.into_iter().map(PartnershipId).collect())
    }
}

/// The partnerships' writes of a merge, inside a unit of work.
#[async_trait]
impl PartnershipWrites for SqlUnit {
    async fn delete_partnership(&mut self, id: PartnershipId) -> StoreResult<()> {
        on_unit!(self, conn => delete_partnership!(conn, id.0));
        Ok(())
    }

    async fn move_partner_city(&mut self, place: i64, city: &City) -> StoreResult<u64> {
        let sort_key = ldp_core::text::collation_key(&city.name);
        on_unit!(self, conn => {
            Ok(sqlx::query::<Db>(
                "UPDATE partnership SET partner_city_id = $2, partner_sort_key = $3, partner_country = $4 \
                 WHERE partner_city_id = $1",
            )
            .bind(place).bind(city.id).bind(&sort_key).bind(city.country.as_str())
            .execute(&mut *conn).await.map_err(db)?.rows_affected())
        })
    }

    async fn note_activity(&mut self, id: PartnershipId, on: Date) -> StoreResult<bool> {
        on_unit!(self, conn => {
            Ok(sqlx::query::<Db>(
                "UPDATE partnership SET last_activity_on = $1 WHERE id = $2 \
                 AND (last_activity_on IS NULL OR last_activity_on < $1)",
            )
            .bind(on).bind(id.0)
            .execute(&mut *conn).await.map_err(db)?.rows_affected() == 1)
        })
    }
}

/// The reference data's writes of a merge, inside a unit of work.
#[async_trait]
impl ReferenceWrites for SqlUnit {
    async fn delete_source_place(&mut self, place: i64) -> StoreResult<()> {
        on_unit!(self, conn => {
            sqlx::query::<Db>("DELETE FROM city WHERE id = $1 AND source_list IS NOT NULL")
                .bind(place).execute(&mut *conn).await.map_err(db)?;
        });
        Ok(())
    }
}

#[derive(sqlx::FromRow)]
struct SourcePlaceRow {
    id: i64,
    name: String,
    country: String,
    lat: f64,
    lng: f64,
    source_list: String,
    relations: i64,
}

impl SqlStore {
    pub(crate) async fn source_places_q(&self) -> StoreResult<Vec<SourcePlace>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, SourcePlaceRow>(
                "SELECT c.id, c.name, c.country, c.lat, c.lng, c.source_list, \
                 (SELECT COUNT(*) FROM partnership p WHERE p.partner_city_id = c.id) AS relations \
                 FROM city c WHERE c.source_list IS NOT NULL ORDER BY c.country, c.name, c.id LIMIT 1000",
            )
            .fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter()
            .map(|r| {
                Ok(SourcePlace {
                    id: r.id,
                    name: r.name,
                    country: CountryCode::parse(&r.country)
                        .map_err(|_| corrupt(format_args!("country {}", r.country)))?,
                    location: Coordinates { lat: r.lat, lng: r.lng },
                    source_list: r.source_list,
                    relations: r.relations as u64,
                })
            })
            .collect()
    }
}
