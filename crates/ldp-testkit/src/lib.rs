//! Test databases for both backends, each test its own.
//!
//! Loading the reference data takes seconds, so each test process loads it once into a template (a SQLite
//! file, or a PostgreSQL database) and every test gets a fresh copy. PostgreSQL tests run when
//! `LDP_TEST_POSTGRES_URL` names a server; without it they say loudly that they were skipped.

mod counting;
pub use counting::CountingStore;

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Once};
use tokio::sync::{Mutex, OnceCell};

use ldp_core::clock::FixedClock;
use ldp_core::reference::{ensure_partnership_seed, ensure_reference};
use ldp_core::store::Store;
use ldp_store::{PoolSettings, SqlStore};

/// The instant every test starts at. Tests never read the wall clock: they hand services a [`clock`] that
/// shows this time, and move it when they need time to pass, so the suite passes on any date.
pub const NOW: time::OffsetDateTime = time::macros::datetime!(2026-11-28 10:00 UTC);

/// When the template's reference data and shipped relations were loaded: a month before [`NOW`].
pub const SEEDED_AT: time::OffsetDateTime = time::macros::datetime!(2026-10-28 09:00 UTC);

/// A clock standing at [`NOW`], for one test to move as it likes.
pub fn clock() -> Arc<FixedClock> {
    FixedClock::new(NOW)
}

/// The environment variable that points the PostgreSQL half of the tests at a server.
pub const POSTGRES_URL_VAR: &str = "LDP_TEST_POSTGRES_URL";

/// Which engine a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// An isolated database that lives as long as the test holds it.
pub struct TestDb {
    pub store: Arc<SqlStore>,
    pub url: String,
    _cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(#[expect(dead_code, reason = "held so the folder lives as long as the database")] tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if let Cleanup::Postgres { admin_url, name } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs outside async code; a short-lived runtime on its own thread removes the database.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async move {
                    if let Ok(mut admin) = PgConnection::connect(&admin_url).await {
                        let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        )))
                        .execute(&mut admin)
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

impl TestDb {
    /// A fresh database with migrations applied and the reference data loaded, or `None` (after a loud
    /// notice) when the engine is PostgreSQL and no server is configured.
    pub async fn seeded(engine: Engine) -> Option<TestDb> {
        match engine {
            Engine::Sqlite => Some(sqlite_copy(sqlite_template().await).await),
            Engine::Postgres => {
                let base = postgres_base()?;
                let template = postgres_template(&base).await;
                Some(postgres_copy(&base, Some(template)).await)
            }
        }
    }

    /// A fresh database with migrations applied and nothing loaded.
    pub async fn empty(engine: Engine) -> Option<TestDb> {
        match engine {
            Engine::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let url = format!("sqlite://{}", dir.path().join("ldp.sqlite3").display());
                let store = open(&url).await;
                store.migrate().await.expect("migrations apply");
                Some(TestDb { store, url, _cleanup: Cleanup::Sqlite(dir) })
            }
            Engine::Postgres => {
                let base = postgres_base()?;
                let db = postgres_copy(&base, None).await;
                db.store.migrate().await.expect("migrations apply");
                Some(db)
            }
        }
    }

    /// A PostgreSQL database with nothing in it, not even the migrations: the target of a restore. `None`
    /// (after the loud notice) when no server is configured.
    pub async fn blank_postgres() -> Option<TestDb> {
        let base = postgres_base()?;
        Some(postgres_copy(&base, None).await)
    }

    /// Opens the SQLite file at `path`, which `dir` holds; the folder lives as long as the database.
    pub async fn sqlite_file(dir: tempfile::TempDir, path: &std::path::Path) -> TestDb {
        let url = format!("sqlite://{}", path.display());
        let store = open(&url).await;
        TestDb { store, url, _cleanup: Cleanup::Sqlite(dir) }
    }

    /// The engine this database runs on.
    pub fn engine(&self) -> Engine {
        if self.url.starts_with("sqlite:") { Engine::Sqlite } else { Engine::Postgres }
    }

    /// The store as the application holds it.
    pub fn shared(&self) -> Arc<dyn Store> {
        self.store.clone()
    }
}

/// The reference data and the real sister-city relations, as a first start loads them.
async fn seed(store: Arc<SqlStore>) {
    store.migrate().await.expect("migrations apply");
    ensure_reference(store.as_ref(), false, FixedClock::new(SEEDED_AT).as_ref()).await.expect("reference data loads");
    ensure_partnership_seed(store.clone(), FixedClock::new(SEEDED_AT).as_ref())
        .await
        .expect("sister-city relations load");
    ldp_core::services::funding::ensure_funding_data(store.as_ref(), FixedClock::new(SEEDED_AT).as_ref())
        .await
        .expect("funding programmes load");
}

async fn open(url: &str) -> Arc<SqlStore> {
    let settings = PoolSettings { max_connections: 4, ..PoolSettings::default() };
    Arc::new(ldp_store::connect(url, settings).await.unwrap_or_else(|e| panic!("open {url}: {e}")))
}

/// The SQLite template: a file in a process-wide temp folder, loaded once.
async fn sqlite_template() -> PathBuf {
    static TEMPLATE: OnceCell<(tempfile::TempDir, PathBuf)> = OnceCell::const_new();
    let (_, path) = TEMPLATE
        .get_or_init(|| async {
            let dir = tempfile::tempdir().expect("temp dir");
            let path = dir.path().join("template.sqlite3");
            let store = open(&format!("sqlite://{}", path.display())).await;
            seed(store.clone()).await;
            // Closing the last connection checkpoints the WAL into the main file, so one file is a full copy.
            store.close().await;
            (dir, path)
        })
        .await;
    path.clone()
}

async fn sqlite_copy(template: PathBuf) -> TestDb {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("ldp.sqlite3");
    tokio::fs::copy(&template, &path).await.expect("copy template");
    let url = format!("sqlite://{}", path.display());
    let store = open(&url).await;
    TestDb { store, url, _cleanup: Cleanup::Sqlite(dir) }
}

/// The configured server and the database name that prefixes this run's databases.
struct PgBase {
    admin_url: String,
    db_name: String,
    prefix: String,
}

fn postgres_base() -> Option<PgBase> {
    let url = std::env::var(POSTGRES_URL_VAR).ok().filter(|u| !u.trim().is_empty());
    let Some(url) = url else {
        static NOTICE: Once = Once::new();
        NOTICE.call_once(|| {
            // Written straight to stderr so the test harness's capture cannot hide it.
            let _ = writeln!(
                std::io::stderr(),
                "\n*** PostgreSQL tests SKIPPED: {POSTGRES_URL_VAR} is not set. \
                 Only the SQLite half of the storage behaviour was checked. ***\n"
            );
        });
        return None;
    };
    let db_name = url.rsplit('/').next().and_then(|s| s.split('?').next()).unwrap_or("ldp_test");
    let db_name = sanitize(db_name);
    let prefix = format!("{db_name}_t{}_", std::process::id());
    Some(PgBase { admin_url: url, db_name, prefix })
}

fn sanitize(name: &str) -> String {
    name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(30).collect()
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let root = base.rsplit_once('/').map_or(base, |(r, _)| r);
    match query {
        Some(q) => format!("{root}/{name}?{q}"),
        None => format!("{root}/{name}"),
    }
}

/// Serialises CREATE DATABASE within this process: PostgreSQL refuses to copy a template that another
/// session is using.
static CREATE_LOCK: Mutex<()> = Mutex::const_new(());

async fn admin(base: &PgBase) -> PgConnection {
    PgConnection::connect(&base.admin_url)
        .await
        .unwrap_or_else(|e| panic!("connect to {}: {e}", ldp_store::redact(&base.admin_url)))
}

async fn postgres_template(base: &PgBase) -> String {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("{}tpl", base.prefix);
            let _guard = CREATE_LOCK.lock().await;
            let mut conn = admin(base).await;
            // Templates and copies left by earlier test processes (cargo runs test binaries one at a time).
            let stale: Vec<String> = sqlx::query_scalar(
                "SELECT datname FROM pg_database WHERE starts_with(datname, $1) AND NOT starts_with(datname, $2)",
            )
            .bind(format!("{}_t", base.db_name))
            .bind(&base.prefix)
            .fetch_all(&mut conn)
            .await
            .expect("list databases");
            for db in stale {
                execute(&mut conn, &format!("DROP DATABASE IF EXISTS \"{db}\" WITH (FORCE)")).await;
            }
            execute(&mut conn, &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
            execute(&mut conn, &format!("CREATE DATABASE \"{name}\"")).await;
            let url = with_database(&base.admin_url, &name);
            let store = open(&url).await;
            seed(store.clone()).await;
            store.close().await;
            name
        })
        .await
        .clone()
}

async fn postgres_copy(base: &PgBase, template: Option<String>) -> TestDb {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let name = format!("{}{}", base.prefix, COUNTER.fetch_add(1, Ordering::SeqCst));
    let sql = match &template {
        Some(t) => format!("CREATE DATABASE \"{name}\" TEMPLATE \"{t}\""),
        None => format!("CREATE DATABASE \"{name}\""),
    };
    {
        let _guard = CREATE_LOCK.lock().await;
        let mut conn = admin(base).await;
        let mut attempt = 0;
        loop {
            match sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(&mut conn).await {
                Ok(_) => break,
                // Autovacuum may briefly hold the template; wait and try again.
                Err(e) if attempt < 20 && e.to_string().contains("being accessed by other users") => {
                    attempt += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                }
                Err(e) => panic!("{sql}: {e}"),
            }
        }
    }
    let url = with_database(&base.admin_url, &name);
    let store = open(&url).await;
    TestDb { store, url, _cleanup: Cleanup::Postgres { admin_url: base.admin_url.clone(), name } }
}

async fn execute(conn: &mut PgConnection, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned())).execute(conn).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Declares each listed `async fn name(db: TestDb)` as two tests, `sqlite::name` and `postgres::name`.
#[macro_export]
macro_rules! both_backends {
    ($setup:ident => $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = $crate::TestDb::$setup($crate::Engine::Sqlite).await.expect("SQLite is always available");
                    super::$name(db).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = $crate::TestDb::$setup($crate::Engine::Postgres).await else { return };
                    super::$name(db).await;
                }
            )*
        }
    };
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn database_name_is_replaced_in_urls() {
        assert_eq!(with_database("postgres://u@h:5432/ci", "ci_t1_0"), "postgres://u@h:5432/ci_t1_0");
        assert_eq!(with_database("postgres://u@h/ci?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
    }
}
