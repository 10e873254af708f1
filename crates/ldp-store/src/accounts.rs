//! Users, sessions, one-time links and sign-in attempts.

use time::OffsetDateTime;

use ldp_core::domain::{Change, LinkPurpose, MunicipalityId, NewUser, Role, Session, StoredUser, User, UserId};
use ldp_core::store::{AttemptClaim, AttemptLimits, Backend, Pruned, StoreError, StoreResult, UserUpdate};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch};
use crate::rows::corrupt;
use crate::ts::Ts;

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    email: String,
    name: String,
    role: String,
    password_hash: Option<String>,
    disabled: bool,
    created_at: OffsetDateTime,
    last_login_at: Option<OffsetDateTime>,
}

const USER_COLUMNS: &str = "id, email, name, role, password_hash, disabled, created_at, last_login_at";

impl UserRow {
    fn into_stored(self, municipalities: Vec<MunicipalityId>) -> StoreResult<StoredUser> {
        let role: Role = self.role.parse().map_err(|_| corrupt(format!("app_user.role {}", self.role)))?;
        Ok(StoredUser {
            user: User {
                id: UserId(self.id),
                email: self.email,
                name: self.name,
                role,
                municipalities,
                has_password: self.password_hash.is_some(),
                disabled: self.disabled,
                created_at: self.created_at,
                last_login_at: self.last_login_at,
            },
            password_hash: self.password_hash,
        })
    }
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: i64,
    csrf_token: String,
    created_at: OffsetDateTime,
    expires_at: OffsetDateTime,
}

impl SqlStore {
    async fn user_where(&self, clause: &'static str, value: UserKey<'_>) -> StoreResult<Option<StoredUser>> {
        let sql = match clause {
            "id" => crate::pool::static_sql!("SELECT {USER_COLUMNS} FROM app_user WHERE id = $1"),
            _ => crate::pool::static_sql!("SELECT {USER_COLUMNS} FROM app_user WHERE email_folded = $1"),
        };
        let found = dispatch!(&self.pools, pool => {
            let q = sqlx::query_as::<Db, UserRow>(sql);
            let q = match value { UserKey::Id(id) => q.bind(id), UserKey::Email(e) => q.bind(e.to_owned()) };
            match q.fetch_optional(pool).await.map_err(db)? {
                None => None,
                Some(row) => {
                    let ms: Vec<i64> = sqlx::query_scalar::<Db, i64>(
                        "SELECT municipality_id FROM user_municipality WHERE user_id = $1 ORDER BY municipality_id",
                    )
                    .bind(row.id).fetch_all(pool).await.map_err(db)?;
                    Some((row, ms))
                }
            }
        });
        found.map(|(row, ms)| row.into_stored(ms.into_iter().map(MunicipalityId).collect())).transpose()
    }

    pub(crate) async fn user_q(&self, id: UserId) -> StoreResult<Option<StoredUser>> {
        self.user_where("id", UserKey::Id(id.0)).await
    }

    pub(crate) async fn user_by_email_q(&self, folded: &str) -> StoreResult<Option<StoredUser>> {
        self.user_where("email", UserKey::Email(folded)).await
    }

    pub(crate) async fn list_users_q(&self) -> StoreResult<Vec<User>> {
        let (rows, links) = dispatch!(&self.pools, pool => {
            let rows = sqlx::query_as::<Db, UserRow>(
                crate::pool::static_sql!("SELECT {USER_COLUMNS} FROM app_user ORDER BY email_folded"),
            )
            .fetch_all(pool).await.map_err(db)?;
            let links: Vec<(i64, i64)> = sqlx::query_as::<Db, (i64, i64)>(
                "SELECT user_id, municipality_id FROM user_municipality ORDER BY user_id, municipality_id",
            )
            .fetch_all(pool).await.map_err(db)?;
            (rows, links)
        });
        rows.into_iter()
            .map(|r| {
                let ms = links.iter().filter(|(u, _)| *u == r.id).map(|(_, m)| MunicipalityId(*m)).collect();
                r.into_stored(ms).map(|s| s.user)
            })
            .collect()
    }

    pub(crate) async fn create_user_tx(
        &self,
        new: &NewUser,
        change: &Change,
        then: Option<&ldp_core::jobs::NewJob>,
    ) -> StoreResult<UserId> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let id: Option<i64> = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO app_user (email, email_folded, name, role, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(&new.email).bind(&new.email_folded).bind(&new.name).bind(new.role.as_str())
            .bind(new.password_hash.as_deref()).bind(Ts(change.at))
            .fetch_optional(&mut *tx).await.map_err(db)?;
            let Some(id) = id else { return Err(StoreError::Conflict("email_taken".into())) };
            for m in &new.municipalities {
                sqlx::query::<Db>("INSERT INTO user_municipality (user_id, municipality_id) VALUES ($1, $2)")
                    .bind(id).bind(m.0).execute(&mut *tx).await.map_err(db)?;
            }
            write_audit!(&mut *tx, change, Some(id));
            if let Some(job) = then {
                crate::jobs::insert_job!(&mut *tx, job);
            }
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(UserId(id))
        })
    }

    pub(crate) async fn update_user_tx(&self, id: UserId, u: &UserUpdate, change: &Change) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>("UPDATE app_user SET name = $1, role = $2, disabled = $3 WHERE id = $4")
                .bind(&u.name).bind(u.role.as_str()).bind(u.disabled).bind(id.0)
                .execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict("user_not_found".into()));
            }
            sqlx::query::<Db>("DELETE FROM user_municipality WHERE user_id = $1")
                .bind(id.0).execute(&mut *tx).await.map_err(db)?;
            for m in &u.municipalities {
                sqlx::query::<Db>("INSERT INTO user_municipality (user_id, municipality_id) VALUES ($1, $2)")
                    .bind(id.0).bind(m.0).execute(&mut *tx).await.map_err(db)?;
            }
            if u.disabled {
                sqlx::query::<Db>("DELETE FROM user_session WHERE user_id = $1")
                    .bind(id.0).execute(&mut *tx).await.map_err(db)?;
                // A disabled user's open reset or invitation links would let them back in.
                sqlx::query::<Db>("UPDATE one_time_link SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
                    .bind(Ts(change.at)).bind(id.0).execute(&mut *tx).await.map_err(db)?;
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }

    /// Sets a password and ends every session of the user but `keep` (the one that changed it), and every
    /// open reset or invitation link: a link mailed before the change must not undo it.
    pub(crate) async fn set_password_tx(
        &self,
        id: UserId,
        hash: &str,
        keep: Option<&str>,
        change: &Change,
    ) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            sqlx::query::<Db>("UPDATE app_user SET password_hash = $1 WHERE id = $2")
                .bind(hash).bind(id.0).execute(&mut *tx).await.map_err(db)?;
            sqlx::query::<Db>("DELETE FROM user_session WHERE user_id = $1 AND id_hash <> $2")
                .bind(id.0).bind(keep.unwrap_or("")).execute(&mut *tx).await.map_err(db)?;
            sqlx::query::<Db>("UPDATE one_time_link SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
                .bind(Ts(change.at)).bind(id.0).execute(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }

    pub(crate) async fn shared_secret_q(&self, name: &str, fresh: &str) -> StoreResult<String> {
        dispatch!(&self.pools, pool => {
            sqlx::query::<Db>("INSERT INTO app_secret (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
                .bind(name).bind(fresh).execute(pool).await.map_err(db)?;
            sqlx::query_scalar::<Db, String>("SELECT value FROM app_secret WHERE name = $1")
                .bind(name).fetch_one(pool).await.map_err(db)
        })
    }

    pub(crate) async fn end_all_access_tx(&self, user: UserId, change: &Change) -> StoreResult<(u64, u64)> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let sessions = sqlx::query::<Db>("DELETE FROM user_session WHERE user_id = $1")
                .bind(user.0).execute(&mut *tx).await.map_err(db)?.rows_affected();
            let tokens = sqlx::query::<Db>("UPDATE api_token SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
                .bind(Ts(change.at)).bind(user.0).execute(&mut *tx).await.map_err(db)?.rows_affected();
            write_audit!(&mut *tx, change, Some(user.0));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok((sessions, tokens))
        })
    }

    pub(crate) async fn create_link_q(
        &self,
        hash: &str,
        user: UserId,
        purpose: LinkPurpose,
        now: OffsetDateTime,
        expires: OffsetDateTime,
    ) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            sqlx::query::<Db>(
                "INSERT INTO one_time_link (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(hash).bind(user.0).bind(purpose.as_str()).bind(Ts(now)).bind(Ts(expires))
            .execute(pool).await.map_err(db)?;
        });
        Ok(())
    }

    /// The user a live link belongs to, without using it.
    pub(crate) async fn link_user_q(
        &self,
        hash: &str,
        purpose: LinkPurpose,
        now: OffsetDateTime,
    ) -> StoreResult<Option<UserId>> {
        let id = dispatch!(&self.pools, pool => {
            sqlx::query_scalar::<Db, i64>(
                "SELECT user_id FROM one_time_link WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL \
                 AND expires_at > $3",
            )
            .bind(hash).bind(purpose.as_str()).bind(Ts(now)).fetch_optional(pool).await.map_err(db)?
        });
        Ok(id.map(UserId))
    }

    /// Uses a live link once: sets the password (and name, for invitations), ends the user's sessions and
    /// every other open link of the same purpose, all in one transaction.
    pub(crate) async fn redeem_link_tx(
        &self,
        hash: &str,
        purpose: LinkPurpose,
        password_hash: &str,
        name: Option<&str>,
        change: &Change,
    ) -> StoreResult<Option<UserId>> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let user: Option<i64> = sqlx::query_scalar::<Db, i64>(
                "UPDATE one_time_link SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL \
                 AND expires_at > $1 RETURNING user_id",
            )
            .bind(Ts(change.at)).bind(hash).bind(purpose.as_str()).fetch_optional(&mut *tx).await.map_err(db)?;
            let Some(user) = user else { return Ok(None) };
            sqlx::query::<Db>("UPDATE app_user SET password_hash = $1, name = COALESCE($2, name) WHERE id = $3")
                .bind(password_hash).bind(name).bind(user).execute(&mut *tx).await.map_err(db)?;
            sqlx::query::<Db>("UPDATE one_time_link SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
                .bind(Ts(change.at)).bind(user).execute(&mut *tx).await.map_err(db)?;
            sqlx::query::<Db>("DELETE FROM user_session WHERE user_id = $1")
                .bind(user).execute(&mut *tx).await.map_err(db)?;
            let mut change = change.clone();
            change.user = change.user.or(Some(UserId(user)));
            change.record_id = Some(user.to_string());
            write_audit!(&mut *tx, &change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(Some(UserId(user)))
        })
    }

    /// Counts and records in one transaction. SQLite's `BEGIN IMMEDIATE` already serialises writers; on
    /// PostgreSQL transaction-scoped advisory locks on the address and the client (taken in a fixed order,
    /// so two claims never wait on each other crosswise) make concurrent claims for either count in turn.
    pub(crate) async fn claim_attempt_tx(
        &self,
        email_folded: &str,
        client: Option<&str>,
        at: OffsetDateTime,
        limits: &AttemptLimits,
    ) -> StoreResult<AttemptClaim> {
        let backend = self.backend_kind();
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            if backend == Backend::Postgres {
                let mut keys = vec![format!("sign-in:address:{email_folded}")];
                keys.extend(client.map(|c| format!("sign-in:client:{c}")));
                keys.sort();
                for key in keys {
                    sqlx::query::<Db>("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                        .bind(key).execute(&mut *tx).await.map_err(db)?;
                }
            }
            let (by_email, last): (i64, Option<OffsetDateTime>) = sqlx::query_as::<Db, (i64, Option<OffsetDateTime>)>(
                "SELECT COUNT(*), MAX(at) FROM sign_in_attempt WHERE email_folded = $1 AND NOT succeeded AND at > $2 \
                 AND at > COALESCE((SELECT MAX(at) FROM sign_in_attempt WHERE email_folded = $1 AND succeeded), $2)",
            )
            .bind(email_folded).bind(Ts(limits.since)).fetch_one(&mut *tx).await.map_err(db)?;
            let by_client: i64 = match client {
                None => 0,
                Some(c) => sqlx::query_scalar::<Db, i64>(
                    "SELECT COUNT(*) FROM sign_in_attempt WHERE client = $1 AND NOT succeeded AND at > $2",
                )
                .bind(c).bind(Ts(limits.since)).fetch_one(&mut *tx).await.map_err(db)?,
            };
            if by_email >= i64::from(limits.per_address) || by_client >= i64::from(limits.per_client) {
                return Ok(AttemptClaim::Locked { last });
            }
            let id: i64 = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO sign_in_attempt (email_folded, client, succeeded, at) VALUES ($1, $2, FALSE, $3) \
                 RETURNING id",
            )
            .bind(email_folded).bind(client).bind(Ts(at)).fetch_one(&mut *tx).await.map_err(db)?;
            tx.commit().await.map_err(db)?;
            Ok(AttemptClaim::Granted(id))
        })
    }

    pub(crate) async fn prune_tx(&self, now: OffsetDateTime, attempts_before: OffsetDateTime) -> StoreResult<Pruned> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let sessions = sqlx::query::<Db>("DELETE FROM user_session WHERE expires_at < $1")
                .bind(Ts(now)).execute(&mut *tx).await.map_err(db)?.rows_affected();
            let links = sqlx::query::<Db>("DELETE FROM one_time_link WHERE expires_at < $1 OR used_at IS NOT NULL")
                .bind(Ts(now)).execute(&mut *tx).await.map_err(db)?.rows_affected();
            let attempts = sqlx::query::<Db>("DELETE FROM sign_in_attempt WHERE at < $1")
                .bind(Ts(attempts_before)).execute(&mut *tx).await.map_err(db)?.rows_affected();
            tx.commit().await.map_err(db)?;
            Ok(Pruned { sessions, links, attempts })
        })
    }

    pub(crate) async fn confirm_attempt_q(&self, attempt: i64) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            sqlx::query::<Db>("UPDATE sign_in_attempt SET succeeded = TRUE WHERE id = $1")
                .bind(attempt).execute(pool).await.map_err(db)?;
        });
        Ok(())
    }

    pub(crate) async fn forget_attempt_q(&self, attempt: i64) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            sqlx::query::<Db>("DELETE FROM sign_in_attempt WHERE id = $1").bind(attempt).execute(pool).await.map_err(db)?;
        });
        Ok(())
    }

    /// Starts a session; `replaces` (the cookie the browser sent, if any) ends in the same transaction.
    pub(crate) async fn create_session_q(
        &self,
        id_hash: &str,
        session: &Session,
        client: Option<&str>,
        replaces: Option<&str>,
    ) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            if let Some(old) = replaces {
                sqlx::query::<Db>("DELETE FROM user_session WHERE id_hash = $1")
                    .bind(old).execute(&mut *tx).await.map_err(db)?;
            }
            sqlx::query::<Db>("DELETE FROM user_session WHERE expires_at < $1")
                .bind(Ts(session.created_at)).execute(&mut *tx).await.map_err(db)?;
            sqlx::query::<Db>(
                "INSERT INTO user_session (id_hash, user_id, csrf_token, created_at, expires_at, client) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id_hash).bind(session.user_id.0).bind(&session.csrf_token).bind(Ts(session.created_at))
            .bind(Ts(session.expires_at)).bind(client).execute(&mut *tx).await.map_err(db)?;
            sqlx::query::<Db>("UPDATE app_user SET last_login_at = $1 WHERE id = $2")
                .bind(Ts(session.created_at)).bind(session.user_id.0).execute(&mut *tx).await.map_err(db)?;
            tx.commit().await.map_err(db)?;
            Ok(())
        })
    }

    pub(crate) async fn session_q(&self, id_hash: &str, now: OffsetDateTime) -> StoreResult<Option<Session>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, SessionRow>(
                "SELECT user_id, csrf_token, created_at, expires_at FROM user_session \
                 WHERE id_hash = $1 AND expires_at > $2",
            )
            .bind(id_hash).bind(Ts(now)).fetch_optional(pool).await.map_err(db)?
        });
        Ok(row.map(|r| Session {
            user_id: UserId(r.user_id),
            csrf_token: r.csrf_token,
            created_at: r.created_at,
            expires_at: r.expires_at,
        }))
    }

    pub(crate) async fn delete_session_q(&self, id_hash: &str) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            sqlx::query::<Db>("DELETE FROM user_session WHERE id_hash = $1")
                .bind(id_hash).execute(pool).await.map_err(db)?;
        });
        Ok(())
    }
}

enum UserKey<'a> {
    Id(i64),
    Email(&'a str),
}
