//! Certificates of attendance and the thresholds staff set per event (migration 0038). Issuing holds the event
//! row (PostgreSQL `FOR UPDATE`, SQLite's single writer) and skips attendees certified already, so two staff
//! pressing "issue" at once issue each certificate once.

use async_trait::async_trait;
use time::OffsetDateTime;

use ldp_core::domain::certificate::{Certificate, CertificateId, CertificateStore, NewCertificate, TrainingSnapshot};
use ldp_core::domain::{Change, EventId, EventTopic, Localized, MunicipalityId, RegistrationId};
use ldp_core::services::accounts::fold_email;
use ldp_core::store::{StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{Pools, db, dispatch, static_sql};
use crate::rows::corrupt;
use crate::ts::Ts;

#[derive(sqlx::FromRow)]
struct CertificateRow {
    id: i64,
    code: String,
    event_id: i64,
    registration_id: i64,
    attendee: i64,
    name: String,
    email: String,
    municipality_id: Option<i64>,
    title_tr: String,
    title_en: String,
    topics: String,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    attended_minutes: i64,
    total_minutes: i64,
    threshold_percent: i64,
    issued_at: OffsetDateTime,
    revoked_at: Option<OffsetDateTime>,
    revocation_reason: String,
}

const COLUMNS: &str = "id, code, event_id, registration_id, attendee, name, email, municipality_id, title_tr, \
    title_en, topics, starts_at, ends_at, attended_minutes, total_minutes, threshold_percent, issued_at, revoked_at, \
    revocation_reason";

impl CertificateRow {
    fn into_domain(self) -> StoreResult<Certificate> {
        let topics = self
            .topics
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| EventTopic::parse(s).ok_or_else(|| corrupt(format_args!("event_certificate.topics {s}"))))
            .collect::<StoreResult<Vec<_>>>()?;
        let small =
            |v: i64, what: &str| u32::try_from(v).map_err(|_| corrupt(format_args!("event_certificate.{what} {v}")));
        let threshold = u8::try_from(self.threshold_percent)
            .map_err(|_| corrupt(format_args!("event_certificate.threshold_percent {}", self.threshold_percent)))?;
        Ok(Certificate {
            id: CertificateId(self.id),
            code: self.code,
            training: TrainingSnapshot {
                event: EventId(self.event_id),
                title: Localized::new(self.title_tr, self.title_en),
                topics,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                total_minutes: self.total_minutes,
                threshold_percent: threshold,
            },
            registration: RegistrationId(self.registration_id),
            attendee: small(self.attendee, "attendee")?,
            name: self.name,
            email: self.email,
            municipality: self.municipality_id.map(MunicipalityId),
            attended_minutes: self.attended_minutes,
            issued_at: self.issued_at,
            revoked_at: self.revoked_at,
            revocation_reason: self.revocation_reason,
        })
    }
}

fn topics_text(topics: &[EventTopic]) -> String {
    if topics.is_empty() {
        String::new()
    } else {
        format!(",{},", topics.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(","))
    }
}

impl SqlStore {
    /// The certificates `sql` (a `SELECT {COLUMNS}` with one parameter) picks.
    async fn certificates_where(&self, sql: &'static str, key: CertificateKey<'_>) -> StoreResult<Vec<Certificate>> {
        let rows = dispatch!(&self.pools, pool => {
            let query = sqlx::query_as::<Db, CertificateRow>(sql);
            let query = match key {
                CertificateKey::Id(id) => query.bind(id),
                CertificateKey::Text(text) => query.bind(text),
            };
            query.fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(CertificateRow::into_domain).collect()
    }

    async fn issue_tx(
        &self,
        training: &TrainingSnapshot,
        new: &[NewCertificate],
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Certificate>> {
        let lock = if matches!(self.pools, Pools::Postgres(_)) {
            "SELECT id FROM event WHERE id = $1 FOR UPDATE"
        } else {
            "SELECT id FROM event WHERE id = $1"
        };
        let topics = topics_text(&training.topics);
        let rows = dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let found: Option<i64> = sqlx::query_scalar::<Db, i64>(lock)
                .bind(training.event.0).fetch_optional(&mut *tx).await.map_err(db)?;
            if found.is_none() {
                return Err(StoreError::Conflict("event_not_found".into()));
            }
            let mut rows = Vec::new();
            for n in new {
                let taken: i64 = sqlx::query_scalar::<Db, i64>("SELECT COUNT(*) FROM event_certificate WHERE code = $1")
                    .bind(&n.code).fetch_one(&mut *tx).await.map_err(db)?;
                if taken > 0 {
                    return Err(StoreError::Conflict("code_taken".into()));
                }
                let row = sqlx::query_as::<Db, CertificateRow>(static_sql!(
                    "INSERT INTO event_certificate (code, event_id, registration_id, attendee, name, email, email_key, \
                     municipality_id, title_tr, title_en, topics, starts_at, ends_at, attended_minutes, total_minutes, \
                     threshold_percent, issued_at) \
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17 \
                     WHERE EXISTS (SELECT 1 FROM event_registration WHERE id = $3 AND event_id = $2) \
                     ON CONFLICT (registration_id, attendee) DO NOTHING RETURNING {COLUMNS}"
                ))
                .bind(&n.code).bind(training.event.0).bind(n.registration.0).bind(i64::from(n.attendee))
                .bind(&n.name).bind(&n.email).bind(fold_email(&n.email)).bind(n.municipality.map(|m| m.0))
                .bind(&training.title.tr).bind(&training.title.en).bind(&topics)
                .bind(Ts(training.starts_at)).bind(Ts(training.ends_at))
                .bind(n.attended_minutes).bind(training.total_minutes).bind(i64::from(training.threshold_percent))
                .bind(Ts(now))
                .fetch_optional(&mut *tx).await.map_err(db)?;
                let Some(row) = row else { continue };
                let mut entry = change.clone().record(row.id).after(serde_json::json!({
                    "code": row.code, "event": training.event.0, "registration": n.registration.0,
                    "attendee": n.attendee, "attended_minutes": n.attended_minutes,
                    "total_minutes": training.total_minutes, "threshold_percent": training.threshold_percent,
                }));
                if let Some(m) = n.municipality {
                    entry = entry.of(m);
                }
                write_audit!(&mut *tx, &entry);
                rows.push(row);
            }
            tx.commit().await.map_err(db)?;
            rows
        });
        if !rows.is_empty() {
            self.committed().await;
        }
        rows.into_iter().map(CertificateRow::into_domain).collect()
    }
}

/// The one value a certificate query filters by.
enum CertificateKey<'a> {
    Id(i64),
    Text(&'a str),
}

#[async_trait]
impl CertificateStore for SqlStore {
    async fn certificate_threshold(&self, event: EventId) -> StoreResult<Option<u8>> {
        let found = dispatch!(&self.pools, pool => {
            sqlx::query_scalar::<Db, i64>("SELECT threshold_percent FROM event_certificate_policy WHERE event_id = $1")
                .bind(event.0).fetch_optional(pool).await.map_err(db)?
        });
        found
            .map(|p| u8::try_from(p).map_err(|_| corrupt(format_args!("event_certificate_policy.threshold {p}"))))
            .transpose()
    }

    async fn set_certificate_threshold(&self, event: EventId, percent: u8, change: &Change) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let found: Option<i64> = sqlx::query_scalar::<Db, i64>("SELECT id FROM event WHERE id = $1")
                .bind(event.0).fetch_optional(&mut *tx).await.map_err(db)?;
            if found.is_none() {
                return Err(StoreError::Conflict("event_not_found".into()));
            }
            sqlx::query::<Db>(
                "INSERT INTO event_certificate_policy (event_id, threshold_percent) VALUES ($1, $2) \
                 ON CONFLICT (event_id) DO UPDATE SET threshold_percent = $2",
            )
            .bind(event.0).bind(i64::from(percent)).execute(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }

    async fn issue_certificates(
        &self,
        training: &TrainingSnapshot,
        new: &[NewCertificate],
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Certificate>> {
        self.issue_tx(training, new, now, change).await
    }

    async fn event_certificates(&self, event: EventId) -> StoreResult<Vec<Certificate>> {
        let sql = static_sql!("SELECT {COLUMNS} FROM event_certificate WHERE event_id = $1 ORDER BY id");
        self.certificates_where(sql, CertificateKey::Id(event.0)).await
    }

    async fn certificate_by_code(&self, code: &str) -> StoreResult<Option<Certificate>> {
        let sql = static_sql!("SELECT {COLUMNS} FROM event_certificate WHERE code = $1");
        Ok(self.certificates_where(sql, CertificateKey::Text(code)).await?.into_iter().next())
    }

    async fn certificates_of(&self, email_key: &str) -> StoreResult<Vec<Certificate>> {
        let sql = static_sql!(
            "SELECT {COLUMNS} FROM event_certificate WHERE email_key = $1 ORDER BY issued_at DESC, id DESC"
        );
        self.certificates_where(sql, CertificateKey::Text(email_key)).await
    }

    async fn revoke_certificate(
        &self,
        id: CertificateId,
        reason: &str,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE event_certificate SET revoked_at = $2, revocation_reason = $3 \
                 WHERE id = $1 AND revoked_at IS NULL",
            )
            .bind(id.0).bind(Ts(now)).bind(reason).execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                let exists: i64 = sqlx::query_scalar::<Db, i64>("SELECT COUNT(*) FROM event_certificate WHERE id = $1")
                    .bind(id.0).fetch_one(&mut *tx).await.map_err(db)?;
                return if exists == 1 { Ok(false) } else { Err(StoreError::Conflict("certificate_not_found".into())) };
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }
}
