//! Waitlist offers (issue 11): freed seats go to the first waiting registration, strictly first in first out,
//! as an offer that holds them until it is accepted, declined or expires. Every step runs under the event
//! row's lock (PostgreSQL `SELECT … FOR UPDATE`, SQLite's single writer), the same lock registering takes, so
//! the seats held (confirmed and offered) never pass the capacity however the steps interleave.

use time::OffsetDateTime;

use ldp_core::domain::{Change, EventId, Registration, RegistrationId, RegistrationStatus};
use ldp_core::store::{StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::events::{REGISTRATION_COLUMNS, RegistrationRow};
use crate::pool::{Pools, db, dispatch, static_sql};
use crate::ts::Ts;

/// Offers the seats free at `$event` (capacity minus the seats confirmed and offered) to waiting
/// registrations first in first out until `$until`, on `$conn` (a writing transaction holding the event row,
/// inside a `dispatch!` body). The first one whose seats do not fit stops the line: it is never skipped for
/// smaller ones behind it. Each offer gets its own audit entry (`offer_from_waitlist`, from `$change`).
/// Evaluates to the registrations offered.
macro_rules! offer_line {
    ($conn:expr, $event:expr, $capacity:expr, $until:expr, $change:expr) => {{
        let event: i64 = $event;
        let capacity: Option<i64> = $capacity;
        let until: OffsetDateTime = $until;
        let template: &Change = $change;
        let mut held: i64 = sqlx::query_scalar::<Db, i64>(
            "SELECT CAST(COALESCE(SUM(seats), 0) AS BIGINT) FROM event_registration WHERE event_id = $1 \
             AND status IN ('confirmed', 'offered')",
        )
        .bind(event).fetch_one(&mut *$conn).await.map_err($crate::pool::db)?;
        let waiting = sqlx::query_as::<Db, $crate::events::RegistrationRow>($crate::pool::static_sql!(
            "SELECT {} WHERE event_id = $1 AND status = 'waitlisted' ORDER BY id",
            $crate::events::REGISTRATION_COLUMNS
        ))
        .bind(event).fetch_all(&mut *$conn).await.map_err($crate::pool::db)?;
        let mut offered: Vec<Registration> = Vec::new();
        for row in waiting {
            let mut r = row.into_domain()?;
            if capacity.is_some_and(|c| held + r.seats() > c) {
                break;
            }
            sqlx::query::<Db>(
                "UPDATE event_registration SET status = 'offered', offer_expires_at = $1 WHERE id = $2 \
                 AND status = 'waitlisted'",
            )
            .bind($crate::ts::Ts(until)).bind(r.id.0).execute(&mut *$conn).await.map_err($crate::pool::db)?;
            held += r.seats();
            r.status = RegistrationStatus::Offered;
            r.offer_expires_at = Some(until);
            let entry = Change {
                action: "offer_from_waitlist".into(),
                record_type: "event_registration",
                record_id: Some(r.id.0.to_string()),
                municipality: r.municipality,
                before: Some(serde_json::json!({ "status": "waitlisted" })),
                after: Some(serde_json::json!({
                    "status": "offered",
                    "code": r.code,
                    "offer_expires_at": until.format(&time::format_description::well_known::Rfc3339).ok(),
                })),
                ..template.clone()
            };
            $crate::audit::write_audit!(&mut *$conn, &entry);
            offered.push(r);
        }
        offered
    }};
}
pub(crate) use offer_line;

/// The event row's lock for each backend: the one registering takes.
fn lock_sql(postgres: bool) -> &'static str {
    if postgres {
        "SELECT capacity FROM event WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT capacity FROM event WHERE id = $1"
    }
}

impl SqlStore {
    fn postgres(&self) -> bool {
        matches!(self.pools, Pools::Postgres(_))
    }

    pub(crate) async fn offer_free_seats_tx(
        &self,
        event: EventId,
        until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>> {
        let lock = lock_sql(self.postgres());
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let Some(capacity) = sqlx::query_scalar::<Db, Option<i64>>(lock)
                .bind(event.0).fetch_optional(&mut *tx).await.map_err(db)?
            else {
                return Err(StoreError::Conflict("event_not_found".into()));
            };
            let offered = offer_line!(&mut *tx, event.0, capacity, until, change);
            tx.commit().await.map_err(db)?;
            if !offered.is_empty() {
                self.committed().await;
            }
            Ok(offered)
        })
    }

    pub(crate) async fn accept_offer_tx(
        &self,
        id: RegistrationId,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Registration> {
        let lock = lock_sql(self.postgres());
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let Some(event) = sqlx::query_scalar::<Db, i64>("SELECT event_id FROM event_registration WHERE id = $1")
                .bind(id.0).fetch_optional(&mut *tx).await.map_err(db)?
            else {
                return Err(StoreError::Conflict("offer_not_found".into()));
            };
            sqlx::query_scalar::<Db, Option<i64>>(lock).bind(event).fetch_one(&mut *tx).await.map_err(db)?;
            let row = sqlx::query_as::<Db, RegistrationRow>(static_sql!(
                "UPDATE event_registration SET status = 'confirmed', offer_expires_at = NULL WHERE id = $1 \
                 AND status = 'offered' AND offer_expires_at > $2 RETURNING {}",
                REGISTRATION_COLUMNS.trim_end_matches(" FROM event_registration")
            ))
            .bind(id.0).bind(Ts(now)).fetch_optional(&mut *tx).await.map_err(db)?;
            let Some(row) = row else {
                let status: Option<String> =
                    sqlx::query_scalar::<Db, String>("SELECT status FROM event_registration WHERE id = $1")
                        .bind(id.0).fetch_optional(&mut *tx).await.map_err(db)?;
                return Err(StoreError::Conflict(
                    if status.as_deref() == Some("offered") { "offer_expired" } else { "offer_not_found" }.into(),
                ));
            };
            let registration = row.into_domain()?;
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(registration)
        })
    }

    pub(crate) async fn decline_offer_tx(
        &self,
        id: RegistrationId,
        until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>> {
        let lock = lock_sql(self.postgres());
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let Some(event) = sqlx::query_scalar::<Db, i64>("SELECT event_id FROM event_registration WHERE id = $1")
                .bind(id.0).fetch_optional(&mut *tx).await.map_err(db)?
            else {
                return Err(StoreError::Conflict("offer_not_found".into()));
            };
            let capacity =
                sqlx::query_scalar::<Db, Option<i64>>(lock).bind(event).fetch_one(&mut *tx).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE event_registration SET status = 'cancelled', offer_expires_at = NULL WHERE id = $1 \
                 AND status = 'offered'",
            )
            .bind(id.0).execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict("offer_not_found".into()));
            }
            write_audit!(&mut *tx, change);
            let offered = offer_line!(&mut *tx, event, capacity, until, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(offered)
        })
    }

    pub(crate) async fn expire_offers_tx(
        &self,
        now: OffsetDateTime,
        until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<(Vec<Registration>, Vec<Registration>)> {
        let lock = lock_sql(self.postgres());
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            // The events first, in id order (the lock registering and cancelling take first), then the one
            // UPDATE: a second node's sweep waits on the locks and then finds nothing left to expire.
            let events: Vec<i64> = sqlx::query_scalar::<Db, i64>(
                "SELECT DISTINCT event_id FROM event_registration WHERE status = 'offered' AND offer_expires_at <= $1 \
                 ORDER BY event_id",
            )
            .bind(Ts(now)).fetch_all(&mut *tx).await.map_err(db)?;
            if events.is_empty() {
                return Ok((Vec::new(), Vec::new()));
            }
            let mut capacities = Vec::with_capacity(events.len());
            for e in &events {
                let c = sqlx::query_scalar::<Db, Option<i64>>(lock).bind(*e).fetch_one(&mut *tx).await.map_err(db)?;
                capacities.push((*e, c));
            }
            let rows = sqlx::query_as::<Db, RegistrationRow>(static_sql!(
                "UPDATE event_registration SET status = 'cancelled', offer_expires_at = NULL \
                 WHERE status = 'offered' AND offer_expires_at <= $1 RETURNING {}",
                REGISTRATION_COLUMNS.trim_end_matches(" FROM event_registration")
            ))
            .bind(Ts(now)).fetch_all(&mut *tx).await.map_err(db)?;
            let mut expired = Vec::with_capacity(rows.len());
            for row in rows {
                let r = row.into_domain()?;
                let entry = Change {
                    action: "offer_expired".into(),
                    record_type: "event_registration",
                    record_id: Some(r.id.0.to_string()),
                    municipality: r.municipality,
                    before: Some(serde_json::json!({ "status": "offered" })),
                    after: Some(serde_json::json!({ "status": "cancelled", "code": r.code })),
                    ..change.clone()
                };
                write_audit!(&mut *tx, &entry);
                expired.push(r);
            }
            let mut offered = Vec::new();
            for (event, capacity) in capacities {
                offered.extend(offer_line!(&mut *tx, event, capacity, until, change));
            }
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok((expired, offered))
        })
    }
}
