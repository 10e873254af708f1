//! Delegations and protocol: a visit's details (one row per event), participants and gifts. Flags are kept as
//! `,TR,DE,` text like the events' lists; a gift's value as exact decimal text.

use async_trait::async_trait;
use time::{Date, OffsetDateTime};

use ldp_core::domain::delegation::{
    Delegation, DelegationDetails, DelegationStore, Gift, GiftDirection, NewGift, NewParticipant, Participant, Side,
};
use ldp_core::domain::{Change, EventId, Localized};
use ldp_core::store::{StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch};
use crate::rows::corrupt;
use crate::ts::Ts;

#[derive(sqlx::FromRow)]
struct DetailsRow {
    purpose_tr: String,
    purpose_en: String,
    programme_tr: String,
    programme_en: String,
    outcome_tr: String,
    outcome_en: String,
    precedence: String,
    interpreters: String,
    flags: String,
    updated_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
struct ParticipantRow {
    id: i64,
    side: String,
    precedence: i64,
    name: String,
    title: String,
    organisation: String,
    country: String,
    email: String,
    phone: String,
}

#[derive(sqlx::FromRow)]
struct GiftRow {
    id: i64,
    direction: String,
    given_on: Date,
    description: String,
    counterpart: String,
    value: Option<String>,
    currency: String,
}

fn flags_text(flags: &[String]) -> String {
    if flags.is_empty() { String::new() } else { format!(",{},", flags.join(",")) }
}

/// Takes the event row's lock (a write to it) so a record is never added to an event being removed, and says
/// whether the event exists.
macro_rules! touch_event {
    ($tx:expr, $event:expr) => {{
        let found: Option<i64> = sqlx::query_scalar::<Db, i64>("SELECT id FROM event WHERE id = $1")
            .bind($event.0)
            .fetch_optional(&mut *$tx)
            .await
            .map_err(db)?;
        if found.is_none() {
            return Err(StoreError::Conflict("event_not_found".into()));
        }
    }};
}

impl SqlStore {
    /// Deletes one participant or gift of `event` (`sql` names the table) with its audit entry; `false`, and
    /// no entry, when the event has no such row.
    async fn remove_row(&self, sql: &'static str, event: EventId, id: i64, change: &Change) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(sql).bind(event.0).bind(id).execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change, Some(id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }
}

#[async_trait]
impl DelegationStore for SqlStore {
    async fn delegation(&self, event: EventId) -> StoreResult<Delegation> {
        let (details, participants, gifts) = dispatch!(&self.pools, pool => {
            let details = sqlx::query_as::<Db, DetailsRow>(
                "SELECT purpose_tr, purpose_en, programme_tr, programme_en, outcome_tr, outcome_en, precedence, \
                 interpreters, flags, updated_at FROM delegation WHERE event_id = $1",
            )
            .bind(event.0).fetch_optional(pool).await.map_err(db)?;
            let participants = sqlx::query_as::<Db, ParticipantRow>(
                "SELECT id, side, precedence, name, title, organisation, country, email, phone \
                 FROM delegation_participant WHERE event_id = $1 \
                 ORDER BY CASE side WHEN 'guest' THEN 0 ELSE 1 END, precedence, id",
            )
            .bind(event.0).fetch_all(pool).await.map_err(db)?;
            let gifts = sqlx::query_as::<Db, GiftRow>(
                "SELECT id, direction, given_on, description, counterpart, value, currency \
                 FROM delegation_gift WHERE event_id = $1 ORDER BY given_on, id",
            )
            .bind(event.0).fetch_all(pool).await.map_err(db)?;
            (details, participants, gifts)
        });
        let updated_at = details.as_ref().map(|d| d.updated_at);
        let details = details.map_or_else(DelegationDetails::default, |d| DelegationDetails {
            purpose: Localized::new(d.purpose_tr, d.purpose_en),
            programme: Localized::new(d.programme_tr, d.programme_en),
            outcome: Localized::new(d.outcome_tr, d.outcome_en),
            precedence: d.precedence,
            interpreters: d.interpreters,
            flags: d.flags.split(',').filter(|f| !f.is_empty()).map(str::to_owned).collect(),
        });
        let participants = participants
            .into_iter()
            .map(|p| {
                Ok(Participant {
                    id: p.id,
                    person: NewParticipant {
                        side: Side::parse(&p.side)
                            .ok_or_else(|| corrupt(format_args!("participant side {}", p.side)))?,
                        precedence: p.precedence,
                        name: p.name,
                        title: p.title,
                        organisation: p.organisation,
                        country: p.country,
                        email: p.email,
                        phone: p.phone,
                    },
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        let gifts = gifts
            .into_iter()
            .map(|g| {
                Ok(Gift {
                    id: g.id,
                    gift: NewGift {
                        direction: GiftDirection::parse(&g.direction)
                            .ok_or_else(|| corrupt(format_args!("gift direction {}", g.direction)))?,
                        given_on: g.given_on,
                        description: g.description,
                        counterpart: g.counterpart,
                        value: g.value,
                        currency: g.currency,
                    },
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Delegation { event, details, participants, gifts, updated_at })
    }

    async fn save_delegation(
        &self,
        event: EventId,
        d: &DelegationDetails,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            touch_event!(tx, event);
            sqlx::query::<Db>(
                "INSERT INTO delegation (event_id, purpose_tr, purpose_en, programme_tr, programme_en, outcome_tr, \
                 outcome_en, precedence, interpreters, flags, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
                 ON CONFLICT (event_id) DO UPDATE SET purpose_tr = $2, purpose_en = $3, programme_tr = $4, \
                 programme_en = $5, outcome_tr = $6, outcome_en = $7, precedence = $8, interpreters = $9, \
                 flags = $10, updated_at = $11",
            )
            .bind(event.0).bind(&d.purpose.tr).bind(&d.purpose.en).bind(&d.programme.tr).bind(&d.programme.en)
            .bind(&d.outcome.tr).bind(&d.outcome.en).bind(&d.precedence).bind(&d.interpreters)
            .bind(flags_text(&d.flags)).bind(Ts(now))
            .execute(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change, Some(event.0));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }

    async fn add_participant(&self, event: EventId, p: &NewParticipant, change: &Change) -> StoreResult<i64> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            touch_event!(tx, event);
            let id = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO delegation_participant (event_id, side, precedence, name, title, organisation, country, \
                 email, phone) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
            )
            .bind(event.0).bind(p.side.as_str()).bind(p.precedence).bind(&p.name).bind(&p.title)
            .bind(&p.organisation).bind(&p.country).bind(&p.email).bind(&p.phone)
            .fetch_one(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change, Some(id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(id)
        })
    }

    async fn remove_participant(&self, event: EventId, id: i64, change: &Change) -> StoreResult<bool> {
        self.remove_row("DELETE FROM delegation_participant WHERE event_id = $1 AND id = $2", event, id, change).await
    }

    async fn add_gift(&self, event: EventId, g: &NewGift, change: &Change) -> StoreResult<i64> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            touch_event!(tx, event);
            let id = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO delegation_gift (event_id, direction, given_on, description, counterpart, value, \
                 currency) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(event.0).bind(g.direction.as_str()).bind(g.given_on).bind(&g.description).bind(&g.counterpart)
            .bind(g.value.as_deref()).bind(&g.currency)
            .fetch_one(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change, Some(id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(id)
        })
    }

    async fn remove_gift(&self, event: EventId, id: i64, change: &Change) -> StoreResult<bool> {
        self.remove_row("DELETE FROM delegation_gift WHERE event_id = $1 AND id = $2", event, id, change).await
    }
}
