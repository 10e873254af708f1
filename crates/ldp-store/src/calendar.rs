//! Personal calendar feeds (hashes only), at most one live per user (a partial unique index, migration 0031).

use async_trait::async_trait;
use time::OffsetDateTime;

use ldp_core::domain::{CalendarFeed, CalendarFeedId, CalendarStore, Change, Lang, UserId};
use ldp_core::store::StoreResult;

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;
use crate::ts::Ts;

#[derive(sqlx::FromRow)]
struct FeedRow {
    id: i64,
    user_id: i64,
    lang: String,
    created_at: OffsetDateTime,
}

impl FeedRow {
    fn into_domain(self) -> StoreResult<CalendarFeed> {
        Ok(CalendarFeed {
            id: CalendarFeedId(self.id),
            user: UserId(self.user_id),
            lang: Lang::parse(&self.lang).ok_or_else(|| corrupt(format_args!("calendar_feed.lang {}", self.lang)))?,
            created_at: self.created_at,
        })
    }
}

const COLUMNS: &str = "f.id, f.user_id, f.lang, f.created_at";

impl SqlStore {
    async fn calendar_feed_q(&self, user: UserId) -> StoreResult<Option<CalendarFeed>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, FeedRow>(static_sql!(
                "SELECT {COLUMNS} FROM calendar_feed f WHERE f.user_id = $1 AND f.revoked_at IS NULL"
            ))
            .bind(user.0).fetch_optional(pool).await.map_err(db)?
        });
        row.map(FeedRow::into_domain).transpose()
    }

    async fn calendar_feed_by_hash_q(&self, hash: &str) -> StoreResult<Option<CalendarFeed>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, FeedRow>(static_sql!(
                "SELECT {COLUMNS} FROM calendar_feed f JOIN app_user u ON u.id = f.user_id \
                 WHERE f.token_hash = $1 AND f.revoked_at IS NULL AND u.disabled = $2"
            ))
            .bind(hash).bind(false).fetch_optional(pool).await.map_err(db)?
        });
        row.map(FeedRow::into_domain).transpose()
    }

    async fn start_calendar_feed_tx(
        &self,
        user: UserId,
        token_hash: &str,
        lang: Lang,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<CalendarFeed> {
        let row = dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            sqlx::query::<Db>("UPDATE calendar_feed SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                .bind(Ts(now)).bind(user.0).execute(&mut *tx).await.map_err(db)?;
            let row = sqlx::query_as::<Db, FeedRow>(
                "INSERT INTO calendar_feed (user_id, token_hash, lang, created_at) VALUES ($1, $2, $3, $4) \
                 RETURNING id, user_id, lang, created_at",
            )
            .bind(user.0).bind(token_hash).bind(lang.code()).bind(Ts(now))
            .fetch_one(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change, Some(row.id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            row
        });
        row.into_domain()
    }

    async fn revoke_calendar_feed_tx(&self, user: UserId, now: OffsetDateTime, change: &Change) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let id: Option<i64> = sqlx::query_scalar::<Db, i64>(
                "UPDATE calendar_feed SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL RETURNING id",
            )
            .bind(Ts(now)).bind(user.0).fetch_optional(&mut *tx).await.map_err(db)?;
            let Some(id) = id else { return Ok(false) };
            write_audit!(&mut *tx, change, Some(id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }
}

#[async_trait]
impl CalendarStore for SqlStore {
    async fn calendar_feed(&self, user: UserId) -> StoreResult<Option<CalendarFeed>> {
        self.calendar_feed_q(user).await
    }

    async fn calendar_feed_by_hash(&self, token_hash: &str) -> StoreResult<Option<CalendarFeed>> {
        self.calendar_feed_by_hash_q(token_hash).await
    }

    async fn start_calendar_feed(
        &self,
        user: UserId,
        token_hash: &str,
        lang: Lang,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<CalendarFeed> {
        self.start_calendar_feed_tx(user, token_hash, lang, now, change).await
    }

    async fn revoke_calendar_feed(&self, user: UserId, now: OffsetDateTime, change: &Change) -> StoreResult<bool> {
        self.revoke_calendar_feed_tx(user, now, change).await
    }
}
