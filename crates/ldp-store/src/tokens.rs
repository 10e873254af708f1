//! API tokens (hashes only).

use time::OffsetDateTime;

use ldp_core::services::tokens::ApiToken;
use ldp_core::store::StoreResult;

use crate::SqlStore;
use crate::pool::{db, dispatch};

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    name: String,
    created_at: OffsetDateTime,
    last_used_at: Option<OffsetDateTime>,
    revoked_at: Option<OffsetDateTime>,
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> ApiToken {
        ApiToken {
            id: r.id,
            name: r.name,
            created_at: r.created_at,
            last_used_at: r.last_used_at,
            revoked_at: r.revoked_at,
        }
    }
}

impl SqlStore {
    pub(crate) async fn create_api_token_q(
        &self,
        name: &str,
        hash: &str,
        now: OffsetDateTime,
    ) -> StoreResult<ApiToken> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, TokenRow>(
                "INSERT INTO api_token (name, token_hash, created_at) VALUES ($1, $2, $3) \
                 RETURNING id, name, created_at, last_used_at, revoked_at",
            )
            .bind(name).bind(hash).bind(now).fetch_one(pool).await.map_err(db)?
        });
        Ok(row.into())
    }

    pub(crate) async fn api_token_by_hash_q(&self, hash: &str) -> StoreResult<Option<ApiToken>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, TokenRow>(
                "SELECT id, name, created_at, last_used_at, revoked_at FROM api_token WHERE token_hash = $1",
            )
            .bind(hash).fetch_optional(pool).await.map_err(db)?
        });
        Ok(row.map(ApiToken::from))
    }

    pub(crate) async fn touch_api_token_q(&self, id: i64, now: OffsetDateTime) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            sqlx::query::<Db>("UPDATE api_token SET last_used_at = $1 WHERE id = $2")
                .bind(now).bind(id).execute(pool).await.map_err(db)?;
        });
        Ok(())
    }

    pub(crate) async fn revoke_api_token_q(&self, id: i64, now: OffsetDateTime) -> StoreResult<bool> {
        let done = dispatch!(&self.pools, pool => {
            sqlx::query::<Db>("UPDATE api_token SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
                .bind(now).bind(id).execute(pool).await.map_err(db)?.rows_affected()
        });
        Ok(done == 1)
    }

    pub(crate) async fn list_api_tokens_q(&self) -> StoreResult<Vec<ApiToken>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, TokenRow>("SELECT id, name, created_at, last_used_at, revoked_at FROM api_token ORDER BY id")
                .fetch_all(pool).await.map_err(db)?
        });
        Ok(rows.into_iter().map(ApiToken::from).collect())
    }
}
