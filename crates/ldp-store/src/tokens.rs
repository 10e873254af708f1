//! API tokens (hashes only), each owned by a user.

use time::OffsetDateTime;

use ldp_core::domain::{Change, UserId};
use ldp_core::services::tokens::ApiToken;
use ldp_core::store::{NewApiToken, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::ts::Ts;

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    user_id: Option<i64>,
    scope: String,
    created_at: OffsetDateTime,
    last_used_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "id, name, user_id, scope, created_at, last_used_at, revoked_at";

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> ApiToken {
        ApiToken {
            id: r.id,
            name: r.name,
            owner: r.user_id.map(UserId),
            read_only: r.scope == "read",
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

impl SqlStore {
    pub(crate) async fn create_api_token_tx(&self, t: &NewApiToken<'_>, change: &Change) -> StoreResult<ApiToken> {
        let row = dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let row = sqlx::query_as::<Db, TokenRow>(static_sql!(
                "INSERT INTO api_token (name, token_hash, user_id, scope, created_at) VALUES ($1, $2, $3, $4, $5) \
                 RETURNING {COLUMNS}"
            ))
            .bind(t.name).bind(t.token_hash).bind(t.owner.0).bind(if t.read_only { "read" } else { "write" })
            .bind(Ts(change.at)).fetch_one(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change, Some(row.id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            row
        });
        Ok(row.into())
    }

    pub(crate) async fn api_token_by_hash_q(&self, hash: &str) -> StoreResult<Option<ApiToken>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, TokenRow>(static_sql!("SELECT {COLUMNS} FROM api_token WHERE token_hash = $1"))
                .bind(hash).fetch_optional(pool).await.map_err(db)?
        });
        Ok(row.map(ApiToken::from))
    }

    pub(crate) async fn api_token_q(&self, id: i64) -> StoreResult<Option<ApiToken>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, TokenRow>(static_sql!("SELECT {COLUMNS} FROM api_token WHERE id = $1"))
                .bind(id).fetch_optional(pool).await.map_err(db)?
        });
        Ok(row.map(ApiToken::from))
    }

    pub(crate) async fn touch_api_token_q(&self, id: i64, now: OffsetDateTime) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            sqlx::query::<Db>("UPDATE api_token SET last_used_at = $1 WHERE id = $2")
                .bind(Ts(now)).bind(id).execute(pool).await.map_err(db)?;
        });
        Ok(())
    }

    pub(crate) async fn revoke_api_token_tx(&self, id: i64, change: &Change) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>("UPDATE api_token SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(Ts(change.at)).bind(id).execute(&mut *tx).await.map_err(db)?.rows_affected();
            if done != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }

    pub(crate) async fn list_api_tokens_q(&self, owner: Option<UserId>) -> StoreResult<Vec<ApiToken>> {
        let rows = dispatch!(&self.pools, pool => {
            match owner {
                None => sqlx::query_as::<Db, TokenRow>(static_sql!("SELECT {COLUMNS} FROM api_token ORDER BY id"))
                    .fetch_all(pool).await.map_err(db)?,
                Some(u) => sqlx::query_as::<Db, TokenRow>(static_sql!(
                    "SELECT {COLUMNS} FROM api_token WHERE user_id = $1 ORDER BY id"
                ))
                .bind(u.0).fetch_all(pool).await.map_err(db)?,
            }
        });
        Ok(rows.into_iter().map(ApiToken::from).collect())
    }
}
