//! Check-ins of an event's attendees, per session (migrations 0034, 0049). A check-in names its session by
//! id, so it follows the session however the event's sessions are edited; callers address a session by its
//! position now, resolved in the writing transaction. A check-in is written only for a confirmed
//! registration of the event, checked in the same transaction.

use async_trait::async_trait;
use time::OffsetDateTime;

use ldp_core::domain::training_record::{AttendedSession, RecordFilter};
use ldp_core::domain::{AttendanceStore, Change, CheckIn, EventId, MunicipalityId, RegistrationId};
use ldp_core::store::{StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch};
use crate::rows::corrupt;
use crate::ts::Ts;

#[derive(sqlx::FromRow)]
struct CheckInRow {
    registration_id: i64,
    attendee: i64,
    session: i64,
    checked_in_at: OffsetDateTime,
}

impl CheckInRow {
    fn into_domain(self) -> StoreResult<CheckIn> {
        let position =
            |v: i64, what: &str| u32::try_from(v).map_err(|_| corrupt(format_args!("event_check_in.{what} {v}")));
        Ok(CheckIn {
            registration: RegistrationId(self.registration_id),
            attendee: position(self.attendee, "attendee")?,
            session: position(self.session, "session position")?,
            at: self.checked_in_at,
        })
    }
}

impl SqlStore {
    async fn check_ins_q(&self, event: EventId) -> StoreResult<Vec<CheckIn>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, CheckInRow>(
                "SELECT c.registration_id, c.attendee, s.position AS session, c.checked_in_at FROM event_check_in c \
                 JOIN event_session s ON s.id = c.session_id \
                 WHERE c.event_id = $1 ORDER BY s.position, c.registration_id, c.attendee",
            )
            .bind(event.0).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(CheckInRow::into_domain).collect()
    }

    async fn check_in_tx(
        &self,
        event: EventId,
        registration: RegistrationId,
        attendee: u32,
        session: u32,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let confirmed: i64 = sqlx::query_scalar::<Db, i64>(
                "SELECT COUNT(*) FROM event_registration WHERE id = $1 AND event_id = $2 AND status = 'confirmed'",
            )
            .bind(registration.0).bind(event.0).fetch_one(&mut *tx).await.map_err(db)?;
            if confirmed != 1 {
                return Err(StoreError::Conflict("registration_not_confirmed".into()));
            }
            let Some(session_id) = sqlx::query_scalar::<Db, i64>(
                "SELECT id FROM event_session WHERE event_id = $1 AND position = $2",
            )
            .bind(event.0).bind(i64::from(session)).fetch_optional(&mut *tx).await.map_err(db)?
            else {
                return Err(StoreError::Conflict("unknown_session".into()));
            };
            let done = sqlx::query::<Db>(
                "INSERT INTO event_check_in (registration_id, attendee, session_id, event_id, checked_in_at) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (registration_id, attendee, session_id) DO NOTHING",
            )
            .bind(registration.0).bind(i64::from(attendee)).bind(session_id).bind(event.0).bind(Ts(now))
            .execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }

    async fn undo_check_in_tx(
        &self,
        registration: RegistrationId,
        attendee: u32,
        session: u32,
        change: &Change,
    ) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "DELETE FROM event_check_in WHERE registration_id = $1 AND attendee = $2 AND session_id IN \
                 (SELECT s.id FROM event_session s WHERE s.event_id = event_check_in.event_id AND s.position = $3)",
            )
            .bind(registration.0).bind(i64::from(attendee)).bind(i64::from(session))
            .execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }
}

#[async_trait]
impl AttendanceStore for SqlStore {
    async fn check_ins(&self, event: EventId) -> StoreResult<Vec<CheckIn>> {
        self.check_ins_q(event).await
    }

    async fn check_in(
        &self,
        event: EventId,
        registration: RegistrationId,
        attendee: u32,
        session: u32,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        self.check_in_tx(event, registration, attendee, session, now, change).await
    }

    async fn undo_check_in(
        &self,
        registration: RegistrationId,
        attendee: u32,
        session: u32,
        change: &Change,
    ) -> StoreResult<bool> {
        self.undo_check_in_tx(registration, attendee, session, change).await
    }

    async fn attended_sessions(
        &self,
        filter: &RecordFilter,
        within: Option<&[MunicipalityId]>,
    ) -> StoreResult<Vec<AttendedSession>> {
        self.attended_sessions_q(filter, within).await
    }
}
