//! Public registration with double opt-in, and moderation (issue 11). A signed-out registrant's registration
//! is stored `unconfirmed`, holding no seat and no place in the line, until the mailed link confirms it; then,
//! under the event row's lock (the lock registering, cancelling and the offers take), it enters the seat logic
//! as a new registration would. Moderation confirms a `pending` registration, or rejects one and offers the
//! seats it held to the line exactly as a cancellation does, in the same transaction.

use time::OffsetDateTime;

use ldp_core::domain::{
    Change, EventId, NewRegistration, PublicRegistration, Registration, RegistrationId, RegistrationStatus,
};
use ldp_core::store::{StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::event_offers::offer_line;
use crate::events::{REGISTRATION_COLUMNS, RegistrationRow, check_code, lock_event, place_on};
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;
use crate::ts::Ts;
use crate::unit_of_work::{SqlUnit, Tx, on_unit};

/// The columns `RETURNING` gives back: a registration's.
fn returning() -> &'static str {
    REGISTRATION_COLUMNS.trim_end_matches(" FROM event_registration")
}

impl SqlUnit {
    fn on_postgres(&self) -> bool {
        matches!(self.tx, Tx::Postgres(_))
    }

    pub(crate) async fn register_public_on(
        &mut self,
        event: EventId,
        new: &NewRegistration,
        public: &PublicRegistration,
        now: OffsetDateTime,
    ) -> StoreResult<Registration> {
        let postgres = self.on_postgres();
        let attendees = serde_json::to_string(&new.attendees).map_err(|e| corrupt(format_args!("attendees: {e}")))?;
        on_unit!(self, conn => {
            lock_event!(conn, postgres, event.0);
            // An address whose earlier registration was never confirmed may register again once that expired.
            sqlx::query::<Db>(
                "DELETE FROM event_registration WHERE event_id = $1 AND contact_email = $2 \
                 AND status = 'unconfirmed' AND confirm_by <= $3",
            )
            .bind(event.0).bind(&public.contact_email).bind(Ts(now))
            .execute(&mut *conn).await.map_err(db)?;
            let live: i64 = sqlx::query_scalar::<Db, i64>(
                "SELECT COUNT(*) FROM event_registration WHERE event_id = $1 AND contact_email = $2 \
                 AND status NOT IN ('cancelled', 'rejected')",
            )
            .bind(event.0).bind(&public.contact_email)
            .fetch_one(&mut *conn).await.map_err(db)?;
            if live > 0 {
                return Err(StoreError::Conflict("already_registered".into()));
            }
            check_code!(conn, &new.code);
            let id = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO event_registration (event_id, code, registered_by, municipality_id, attendees, seats, \
                 status, created_at, contact_email, consent_at, consent_version, confirm_by, client_key) \
                 VALUES ($1, $2, NULL, NULL, $3, $4, 'unconfirmed', $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(event.0).bind(&new.code).bind(&attendees).bind(new.attendees.len() as i64).bind(Ts(now))
            .bind(&public.contact_email).bind(Ts(public.consent.at)).bind(&public.consent.notice_version)
            .bind(Ts(public.confirm_by)).bind(&public.client_key)
            .fetch_one(&mut *conn).await.map_err(db)?;
            Ok(Registration {
                id: RegistrationId(id),
                event,
                code: new.code.clone(),
                registered_by: None,
                municipality: None,
                attendees: new.attendees.clone(),
                status: RegistrationStatus::Unconfirmed,
                created_at: now,
                offer_expires_at: None,
                consent: Some(public.consent.clone()),
                confirm_by: Some(public.confirm_by),
            })
        })
    }

    pub(crate) async fn public_registrations_from_on(
        &mut self,
        client_key: &str,
        since: OffsetDateTime,
    ) -> StoreResult<i64> {
        on_unit!(self, conn => {
            sqlx::query_scalar::<Db, i64>(
                "SELECT COUNT(*) FROM event_registration WHERE client_key = $1 AND created_at >= $2",
            )
            .bind(client_key).bind(Ts(since))
            .fetch_one(&mut *conn).await.map_err(db)
        })
    }

    pub(crate) async fn confirm_opt_in_on(
        &mut self,
        id: RegistrationId,
        now: OffsetDateTime,
    ) -> StoreResult<Registration> {
        let postgres = self.on_postgres();
        on_unit!(self, conn => {
            let Some(event) = sqlx::query_scalar::<Db, i64>("SELECT event_id FROM event_registration WHERE id = $1")
                .bind(id.0).fetch_optional(&mut *conn).await.map_err(db)?
            else {
                return Err(StoreError::Conflict("registration_not_found".into()));
            };
            let (capacity, _, moderated) = lock_event!(conn, postgres, event);
            let row = sqlx::query_as::<Db, RegistrationRow>(static_sql!("SELECT {REGISTRATION_COLUMNS} WHERE id = $1"))
                .bind(id.0).fetch_one(&mut *conn).await.map_err(db)?;
            let mut registration = row.into_domain()?;
            if registration.status != RegistrationStatus::Unconfirmed {
                return Err(StoreError::Conflict("registration_not_found".into()));
            }
            if registration.confirm_by.is_none_or(|by| by <= now) {
                return Err(StoreError::Conflict("opt_in_expired".into()));
            }
            let (status, line) = place_on!(conn, event, registration.seats(), capacity, moderated);
            sqlx::query::<Db>(
                "UPDATE event_registration SET status = $1, line = $2 WHERE id = $3 AND status = 'unconfirmed'",
            )
            .bind(status.as_str()).bind(line).bind(id.0)
            .execute(&mut *conn).await.map_err(db)?;
            registration.status = status;
            Ok(registration)
        })
    }

    pub(crate) async fn moderate_on(
        &mut self,
        id: RegistrationId,
        approve: bool,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<(Registration, Vec<Registration>)> {
        let postgres = self.on_postgres();
        on_unit!(self, conn => {
            let Some(event) = sqlx::query_scalar::<Db, i64>("SELECT event_id FROM event_registration WHERE id = $1")
                .bind(id.0).fetch_optional(&mut *conn).await.map_err(db)?
            else {
                return Err(StoreError::Conflict("registration_not_pending".into()));
            };
            let (capacity, _, _) = lock_event!(conn, postgres, event);
            let sql = if approve {
                static_sql!("UPDATE event_registration SET status = 'confirmed' WHERE id = $1 AND status = 'pending' \
                             RETURNING {}", returning())
            } else {
                static_sql!("UPDATE event_registration SET status = 'rejected', offer_expires_at = NULL WHERE id = $1 \
                             AND status IN ('pending', 'waitlisted', 'offered') RETURNING {}", returning())
            };
            let Some(row) = sqlx::query_as::<Db, RegistrationRow>(sql)
                .bind(id.0).fetch_optional(&mut *conn).await.map_err(db)?
            else {
                return Err(StoreError::Conflict("registration_not_pending".into()));
            };
            let registration = row.into_domain()?;
            let offered = if approve { Vec::new() } else { offer_line!(&mut *conn, event, capacity, offer_until, change) };
            Ok((registration, offered))
        })
    }
}

impl SqlStore {
    pub(crate) async fn prune_unconfirmed_tx(&self, now: OffsetDateTime, change: &Change) -> StoreResult<u64> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let ids: Vec<i64> = sqlx::query_scalar::<Db, i64>(
                "DELETE FROM event_registration WHERE status = 'unconfirmed' AND confirm_by <= $1 RETURNING id",
            )
            .bind(Ts(now)).fetch_all(&mut *tx).await.map_err(db)?;
            if ids.is_empty() {
                return Ok(0);
            }
            let mut entry = change.clone();
            entry.after = Some(serde_json::json!({ "deleted": ids }));
            write_audit!(&mut *tx, &entry);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(ids.len() as u64)
        })
    }
}
