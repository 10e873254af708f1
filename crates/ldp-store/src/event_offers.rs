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
use crate::unit_of_work::{SqlUnit, Tx, on_unit};

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
        let mut held: i64 = sqlx::query_scalar::<Db, i64>($crate::events::SEATS_HELD)
        .bind(event).fetch_one(&mut *$conn).await.map_err($crate::pool::db)?;
        let waiting = sqlx::query_as::<Db, $crate::events::RegistrationRow>($crate::pool::static_sql!(
            "SELECT {} WHERE event_id = $1 AND status = 'waitlisted'{}",
            $crate::events::REGISTRATION_COLUMNS,
            $crate::events::LINE_ORDER
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

/// The event row's lock for each backend: the one registering takes.
pub(crate) fn lock_sql(postgres: bool) -> &'static str {
    if postgres {
        "SELECT capacity FROM event WHERE id = $1 FOR UPDATE"
    } else {
        "SELECT capacity FROM event WHERE id = $1"
    }
}

/// Cancels registration `$id` on `$conn` (a writing transaction) under its event's lock and offers the freed
/// seats onwards (`offer_line!`). Evaluates to the registrations offered; returns early with
/// `Conflict("registration_not_found")`. Writes the offers' entries, not the cancellation's.
macro_rules! cancel_on {
    ($conn:expr, $postgres:expr, $id:expr, $until:expr, $change:expr) => {{
        let id: RegistrationId = $id;
        let event: Option<i64> = sqlx::query_scalar::<Db, i64>(
            "SELECT event_id FROM event_registration WHERE id = $1 AND status NOT IN ('cancelled', 'rejected')",
        )
        .bind(id.0)
        .fetch_optional(&mut *$conn)
        .await
        .map_err(db)?;
        let Some(event) = event else { return Err(StoreError::Conflict("registration_not_found".into())) };
        let capacity: Option<i64> = sqlx::query_scalar::<Db, Option<i64>>(lock_sql($postgres))
            .bind(event)
            .fetch_one(&mut *$conn)
            .await
            .map_err(db)?;
        let done = sqlx::query::<Db>(
            "UPDATE event_registration SET status = 'cancelled', offer_expires_at = NULL WHERE id = $1 \
             AND status NOT IN ('cancelled', 'rejected')",
        )
        .bind(id.0)
        .execute(&mut *$conn)
        .await
        .map_err(db)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("registration_not_found".into()));
        }
        offer_line!(&mut *$conn, event, capacity, $until, $change)
    }};
}

/// Declines the offer of `$id` on `$conn` (cancelled) and offers its seats onwards. Evaluates to the
/// registrations offered; returns early with `Conflict("offer_not_found")`. Writes the offers' entries.
macro_rules! decline_on {
    ($conn:expr, $postgres:expr, $id:expr, $until:expr, $change:expr) => {{
        let id: RegistrationId = $id;
        let Some(event) = sqlx::query_scalar::<Db, i64>("SELECT event_id FROM event_registration WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *$conn)
            .await
            .map_err(db)?
        else {
            return Err(StoreError::Conflict("offer_not_found".into()));
        };
        let capacity = sqlx::query_scalar::<Db, Option<i64>>(lock_sql($postgres))
            .bind(event)
            .fetch_one(&mut *$conn)
            .await
            .map_err(db)?;
        let done = sqlx::query::<Db>(
            "UPDATE event_registration SET status = 'cancelled', offer_expires_at = NULL WHERE id = $1 \
             AND status = 'offered'",
        )
        .bind(id.0)
        .execute(&mut *$conn)
        .await
        .map_err(db)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("offer_not_found".into()));
        }
        offer_line!(&mut *$conn, event, capacity, $until, $change)
    }};
}

/// Offers the free seats of `$event` on `$conn`. Evaluates to the registrations offered; returns early with
/// `Conflict("event_not_found")`.
macro_rules! free_seats_on {
    ($conn:expr, $postgres:expr, $event:expr, $until:expr, $change:expr) => {{
        let event: EventId = $event;
        let Some(capacity) = sqlx::query_scalar::<Db, Option<i64>>(lock_sql($postgres))
            .bind(event.0)
            .fetch_optional(&mut *$conn)
            .await
            .map_err(db)?
        else {
            return Err(StoreError::Conflict("event_not_found".into()));
        };
        offer_line!(&mut *$conn, event.0, capacity, $until, $change)
    }};
}

/// The sweep on `$conn`: locks the events with expired offers in id order (the lock registering and
/// cancelling take first), then one `UPDATE … RETURNING` cancels the offers expired at `$now` (a second
/// node's sweep waits on the locks and then finds nothing left), each audited `offer_expired`, and offers
/// the seats onwards. Evaluates to (expired, offered).
macro_rules! expire_on {
    ($conn:expr, $postgres:expr, $now:expr, $until:expr, $change:expr) => {{
        let now: OffsetDateTime = $now;
        let template: &Change = $change;
        let events: Vec<i64> = sqlx::query_scalar::<Db, i64>(
            "SELECT DISTINCT event_id FROM event_registration WHERE status = 'offered' AND offer_expires_at <= $1 \
             ORDER BY event_id",
        )
        .bind(Ts(now)).fetch_all(&mut *$conn).await.map_err(db)?;
        let mut expired = Vec::new();
        let mut offered = Vec::new();
        if !events.is_empty() {
            let mut capacities = Vec::with_capacity(events.len());
            for e in &events {
                let c = sqlx::query_scalar::<Db, Option<i64>>(lock_sql($postgres))
                    .bind(*e).fetch_one(&mut *$conn).await.map_err(db)?;
                capacities.push((*e, c));
            }
            let rows = sqlx::query_as::<Db, RegistrationRow>(static_sql!(
                "UPDATE event_registration SET status = 'cancelled', offer_expires_at = NULL \
                 WHERE status = 'offered' AND offer_expires_at <= $1 RETURNING {}",
                REGISTRATION_COLUMNS.trim_end_matches(" FROM event_registration")
            ))
            .bind(Ts(now)).fetch_all(&mut *$conn).await.map_err(db)?;
            for row in rows {
                let r = row.into_domain()?;
                let entry = Change {
                    action: "offer_expired".into(),
                    record_type: "event_registration",
                    record_id: Some(r.id.0.to_string()),
                    municipality: r.municipality,
                    before: Some(serde_json::json!({ "status": "offered" })),
                    after: Some(serde_json::json!({ "status": "cancelled", "code": r.code })),
                    ..template.clone()
                };
                write_audit!(&mut *$conn, &entry);
                expired.push(r);
            }
            for (event, capacity) in capacities {
                offered.extend(offer_line!(&mut *$conn, event, capacity, $until, template));
            }
        }
        (expired, offered)
    }};
}

impl SqlStore {
    fn postgres(&self) -> bool {
        matches!(self.pools, Pools::Postgres(_))
    }

    pub(crate) async fn cancel_registration_tx(
        &self,
        id: RegistrationId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>> {
        let postgres = self.postgres();
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let offered = cancel_on!(&mut *tx, postgres, id, offer_until, change);
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(offered)
        })
    }

    pub(crate) async fn offer_free_seats_tx(
        &self,
        event: EventId,
        until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>> {
        let postgres = self.postgres();
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let offered = free_seats_on!(&mut *tx, postgres, event, until, change);
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
            // Under moderation a taken offer still waits for the organiser's approval (holding its seats).
            let moderated = sqlx::query_scalar::<Db, bool>("SELECT moderated FROM event WHERE id = $1")
                .bind(event).fetch_one(&mut *tx).await.map_err(db)?;
            let status = if moderated { RegistrationStatus::Pending } else { RegistrationStatus::Confirmed };
            let row = sqlx::query_as::<Db, RegistrationRow>(static_sql!(
                "UPDATE event_registration SET status = $3, offer_expires_at = NULL WHERE id = $1 \
                 AND status = 'offered' AND offer_expires_at > $2 RETURNING {}",
                REGISTRATION_COLUMNS.trim_end_matches(" FROM event_registration")
            ))
            .bind(id.0).bind(Ts(now)).bind(status.as_str()).fetch_optional(&mut *tx).await.map_err(db)?;
            let Some(row) = row else {
                let status: Option<String> =
                    sqlx::query_scalar::<Db, String>("SELECT status FROM event_registration WHERE id = $1")
                        .bind(id.0).fetch_optional(&mut *tx).await.map_err(db)?;
                return Err(StoreError::Conflict(
                    if status.as_deref() == Some("offered") { "offer_expired" } else { "offer_not_found" }.into(),
                ));
            };
            let registration = row.into_domain()?;
            let mut change = change.clone();
            if let Some(after) = change.after.as_mut() {
                after["status"] = serde_json::json!(registration.status.as_str());
            }
            write_audit!(&mut *tx, &change);
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
        let postgres = self.postgres();
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let offered = decline_on!(&mut *tx, postgres, id, until, change);
            write_audit!(&mut *tx, change);
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
        let postgres = self.postgres();
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let (expired, offered) = expire_on!(&mut *tx, postgres, now, until, change);
            if expired.is_empty() && offered.is_empty() {
                return Ok((expired, offered));
            }
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok((expired, offered))
        })
    }
}

/// The offers' writes inside a unit of work (`EventWrites`, in `events.rs`), so the offer mail is queued in
/// the transaction that makes the offer: the same macros as the store's own transactions, without the closing
/// entry (the unit writes it).
impl SqlUnit {
    fn postgres(&self) -> bool {
        matches!(self.tx, Tx::Postgres(_))
    }

    pub(crate) async fn cancel_registration_on(
        &mut self,
        id: RegistrationId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>> {
        let postgres = self.postgres();
        Ok(on_unit!(self, conn => cancel_on!(conn, postgres, id, offer_until, change)))
    }

    pub(crate) async fn decline_offer_on(
        &mut self,
        id: RegistrationId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>> {
        let postgres = self.postgres();
        Ok(on_unit!(self, conn => decline_on!(conn, postgres, id, offer_until, change)))
    }

    pub(crate) async fn offer_free_seats_on(
        &mut self,
        event: EventId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>> {
        let postgres = self.postgres();
        Ok(on_unit!(self, conn => free_seats_on!(conn, postgres, event, offer_until, change)))
    }

    pub(crate) async fn expire_offers_on(
        &mut self,
        now: OffsetDateTime,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<(Vec<Registration>, Vec<Registration>)> {
        let postgres = self.postgres();
        Ok(on_unit!(self, conn => expire_on!(conn, postgres, now, offer_until, change)))
    }
}

pub(crate) use offer_line;
