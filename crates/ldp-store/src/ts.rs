//! Timestamps as the database compares them.
//!
//! PostgreSQL stores `timestamptz` and compares instants. SQLite has no time type: sqlx writes RFC 3339 text
//! with the fraction trimmed (`…:00Z`, `…:00.5Z`), and text order is not time order (`'…:00Z' > '…:00.5Z'`
//! because `Z` sorts after `.`). Every timestamp the store binds goes through [`Ts`], which on SQLite
//! writes one fixed width, UTC with exactly six fraction digits (`2026-11-28T10:00:00.000000Z`, the
//! precision PostgreSQL keeps), so comparing the text compares the instants. Migration 0010 rewrote older
//! rows in that form, and its triggers refuse any other.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::{Encode, Postgres, Sqlite, Type};
use time::OffsetDateTime;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;

/// A timestamp to bind: fixed-width UTC text on SQLite, `timestamptz` on PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ts(pub OffsetDateTime);

impl From<OffsetDateTime> for Ts {
    fn from(t: OffsetDateTime) -> Ts {
        Ts(t)
    }
}

const SQLITE_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");

impl Ts {
    /// The SQLite text of this instant.
    pub(crate) fn sqlite_text(self) -> Result<String, time::error::Format> {
        self.0.to_offset(time::UtcOffset::UTC).format(SQLITE_FORMAT)
    }
}

impl Type<Sqlite> for Ts {
    fn type_info() -> sqlx::sqlite::SqliteTypeInfo {
        <OffsetDateTime as Type<Sqlite>>::type_info()
    }
    fn compatible(ty: &sqlx::sqlite::SqliteTypeInfo) -> bool {
        <OffsetDateTime as Type<Sqlite>>::compatible(ty)
    }
}

impl Encode<'_, Sqlite> for Ts {
    fn encode_by_ref(&self, buf: &mut <Sqlite as sqlx::Database>::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Sqlite>::encode(self.sqlite_text()?, buf)
    }
}

impl Type<Postgres> for Ts {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <OffsetDateTime as Type<Postgres>>::type_info()
    }
    fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
        <OffsetDateTime as Type<Postgres>>::compatible(ty)
    }
}

impl Encode<'_, Postgres> for Ts {
    fn encode_by_ref(&self, buf: &mut <Postgres as sqlx::Database>::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        Encode::<Postgres>::encode_by_ref(&self.0, buf)
    }
}

#[cfg(test)]
mod tests {
    use super::Ts;
    use time::macros::datetime;

    #[test]
    fn sqlite_text_has_one_width_so_text_order_is_time_order() {
        let whole = Ts(datetime!(2026-11-28 10:00:00 UTC)).sqlite_text().unwrap();
        let half = Ts(datetime!(2026-11-28 10:00:00.5 UTC)).sqlite_text().unwrap();
        let istanbul = Ts(datetime!(2026-11-28 13:00:00.25 +3)).sqlite_text().unwrap();
        assert_eq!(whole, "2026-11-28T10:00:00.000000Z");
        assert_eq!(half, "2026-11-28T10:00:00.500000Z");
        assert_eq!(istanbul, "2026-11-28T10:00:00.250000Z");
        assert!(whole < istanbul && istanbul < half);
    }

    /// Rows written before migration 0010 (trimmed fractions, an offset other than `Z`) are rewritten in the
    /// fixed width, and a timestamp in any other form is refused from then on.
    #[tokio::test]
    async fn migration_0010_rewrites_old_rows_and_refuses_other_forms() {
        let pool = sqlx::SqlitePool::connect("sqlite::memory:").await.unwrap();
        crate::SQLITE_MIGRATIONS.run_to(9, &pool).await.unwrap();
        for sql in [
            "INSERT INTO app_user (id, email, email_folded, role, created_at, last_login_at) \
             VALUES (1, 'a@b.tr', 'a@b.tr', 'admin', '2026-11-28T10:00:00Z', '2026-11-28T13:00:00.5+03:00')",
            "INSERT INTO user_session (id_hash, user_id, csrf_token, created_at, expires_at) \
             VALUES ('h', 1, 'c', '2026-11-28T10:00:00.123456789Z', '2026-11-28T10:00:00.5Z')",
            "INSERT INTO audit_log (at, actor, action, record_type, record_id) \
             VALUES ('2026-11-28T10:00:00.25Z', 'test', 'create', 'user', '1')",
        ] {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap();
        }
        crate::SQLITE_MIGRATIONS.run(&pool).await.unwrap();
        let user: (String, String) =
            sqlx::query_as("SELECT created_at, last_login_at FROM app_user").fetch_one(&pool).await.unwrap();
        assert_eq!(user, ("2026-11-28T10:00:00.000000Z".into(), "2026-11-28T10:00:00.500000Z".into()));
        let session: (String, String) =
            sqlx::query_as("SELECT created_at, expires_at FROM user_session").fetch_one(&pool).await.unwrap();
        assert_eq!(session, ("2026-11-28T10:00:00.123456Z".into(), "2026-11-28T10:00:00.500000Z".into()));
        let at: String = sqlx::query_scalar("SELECT at FROM audit_log").fetch_one(&pool).await.unwrap();
        assert_eq!(at, "2026-11-28T10:00:00.250000Z");
        let refused = sqlx::query("UPDATE user_session SET expires_at = '2026-11-28T10:00:00Z'").execute(&pool).await;
        assert!(refused.unwrap_err().to_string().contains("fixed-width"));
        let refused = sqlx::query(
            "INSERT INTO audit_log (at, actor, action, record_type, record_id) VALUES ('2026-11-28T10:00Z', 't', 'a', 'b', 'c')",
        )
        .execute(&pool)
        .await;
        assert!(refused.is_err(), "the audit log takes only the fixed width too");
        let updated = sqlx::query("UPDATE audit_log SET actor = 'x'").execute(&pool).await;
        assert!(updated.unwrap_err().to_string().contains("append-only"), "the rewrite left the audit log append-only");
    }
}
