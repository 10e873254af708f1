//! Links mailed to registrants (issue 11): a waitlist offer answered from the e-mail without signing in.
//! Only the secret's SHA-256 is stored, like password-reset links; a link names one registration and one
//! purpose and is deleted by the pruning sweep once expired.

use time::OffsetDateTime;

use ldp_core::domain::{Registration, RegistrationId, RegistrationLinkPurpose};
use ldp_core::store::StoreResult;

use crate::SqlStore;
use crate::events::RegistrationRow;
use crate::pool::{db, dispatch};
use crate::ts::Ts;

#[derive(sqlx::FromRow)]
struct LinkRow {
    #[sqlx(flatten)]
    registration: RegistrationRow,
    link_expires_at: OffsetDateTime,
}

impl SqlStore {
    pub(crate) async fn create_registration_link_q(
        &self,
        registration: RegistrationId,
        purpose: RegistrationLinkPurpose,
        token_hash: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            sqlx::query::<Db>(
                "INSERT INTO event_registration_link (token_hash, registration_id, purpose, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(token_hash).bind(registration.0).bind(purpose.as_str()).bind(Ts(now)).bind(Ts(expires_at))
            .execute(pool).await.map_err(db)?;
        });
        Ok(())
    }

    pub(crate) async fn registration_by_link_q(
        &self,
        token_hash: &str,
        purpose: RegistrationLinkPurpose,
    ) -> StoreResult<Option<(Registration, OffsetDateTime)>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, LinkRow>(
                "SELECT r.id, r.event_id, r.code, r.registered_by, r.municipality_id, r.attendees, r.status, \
                 r.created_at, r.offer_expires_at, r.consent_at, r.consent_version, r.confirm_by, l.expires_at AS link_expires_at \
                 FROM event_registration_link l JOIN event_registration r ON r.id = l.registration_id \
                 WHERE l.token_hash = $1 AND l.purpose = $2",
            )
            .bind(token_hash).bind(purpose.as_str()).fetch_optional(pool).await.map_err(db)?
        });
        row.map(|r| Ok((r.registration.into_domain()?, r.link_expires_at))).transpose()
    }

    pub(crate) async fn prune_registration_links_q(&self, now: OffsetDateTime) -> StoreResult<u64> {
        Ok(dispatch!(&self.pools, pool => {
            sqlx::query::<Db>("DELETE FROM event_registration_link WHERE expires_at <= $1")
                .bind(Ts(now)).execute(pool).await.map_err(db)?.rows_affected()
        }))
    }
}
