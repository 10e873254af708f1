//! The change feed's storage side: every committed write moves its topic's data version, in the same
//! transaction; the writing node knows at once, other nodes by notification (PostgreSQL) or by the poll.

use std::sync::Arc;
use std::time::Duration;

use ldp_core::domain::{Actor, Change, Localized, MunicipalityId, MunicipalityProfile};
use ldp_core::feed::{FeedStore, Topic, Versions};
use ldp_core::reference::ReferenceData;
use ldp_core::store::prelude::*;
use ldp_store::{PoolSettings, SqlStore};
use ldp_testkit::{Engine, TestDb, both_backends};

both_backends!(seeded =>
    an_audited_write_moves_its_topic_and_the_writer_knows_at_once,
    a_refused_write_moves_nothing,
    a_write_of_an_unknown_record_type_moves_every_topic,
    another_nodes_write_reaches_this_node_by_the_poll,
);

mod from_empty {
    use ldp_testkit::both_backends;
    both_backends!(empty => a_reference_load_moves_reference);
    use super::a_reference_load_moves_reference;
}

async fn profile_change(db: &TestDb, id: MunicipalityId, about: &str) -> ldp_core::store::StoreResult<()> {
    let profile = MunicipalityProfile { about: Localized::new(about, about), ..Default::default() };
    let change = Change::new(&Actor::system("test"), ldp_testkit::NOW, "update", "municipality").record(id.0).of(id);
    db.store.update_municipality_profile(id, &profile, &change).await
}

async fn nilufer(store: &dyn Store) -> MunicipalityId {
    store.municipality_by_slug("bursa-nilufer").await.unwrap().expect("seeded").id
}

/// The moved topics between two readings.
fn moved(before: Versions, after: Versions) -> Vec<Topic> {
    Topic::ALL.into_iter().filter(|t| after.get(*t) != before.get(*t)).collect()
}

/// Waits (at most `limit`) until `store`'s feed knows `topic` at `version` or later.
async fn observed(store: &SqlStore, topic: Topic, version: i64, limit: Duration) -> bool {
    let mut rx = store.change_feed().subscribe();
    tokio::time::timeout(limit, rx.wait_for(|v| v.get(topic) >= version)).await.is_ok_and(|r| r.is_ok())
}

async fn an_audited_write_moves_its_topic_and_the_writer_knows_at_once(db: TestDb) {
    let before = db.store.data_versions().await.unwrap();
    let id = nilufer(db.store.as_ref()).await;
    profile_change(&db, id, "Nilüfer").await.unwrap();
    let after = db.store.data_versions().await.unwrap();
    assert_eq!(moved(before, after), vec![Topic::Workspace]);
    assert_eq!(after.get(Topic::Workspace), before.get(Topic::Workspace) + 1);
    // No follower runs here: the writer's own feed was raised right after its commit.
    assert_eq!(db.store.change_feed().current().get(Topic::Workspace), after.get(Topic::Workspace));
}

async fn a_write_of_an_unknown_record_type_moves_every_topic(db: TestDb) {
    // A record type `topics_of` does not know (one a later release adds, say) moves every topic, more than
    // one statement's worth, so nothing a page shows can stay stale.
    let before = db.store.data_versions().await.unwrap();
    let change = Change::new(&Actor::system("test"), ldp_testkit::NOW, "update", "not_a_known_record_type");
    db.store.begin().await.unwrap().commit(&change).await.unwrap();
    let after = db.store.data_versions().await.unwrap();
    assert_eq!(moved(before, after), Topic::ALL.to_vec());
}

async fn a_refused_write_moves_nothing(db: TestDb) {
    let before = db.store.data_versions().await.unwrap();
    assert!(profile_change(&db, MunicipalityId(987_654), "nowhere").await.is_err());
    assert_eq!(db.store.data_versions().await.unwrap(), before);
    assert_eq!(db.store.change_feed().current(), Versions::default(), "nothing observed either");
}

async fn a_reference_load_moves_reference(db: TestDb) {
    let before = db.store.data_versions().await.unwrap();
    assert_eq!(before, Versions::default());
    let data = ReferenceData::embedded().unwrap();
    db.store.load_reference(&data, ReferenceData::embedded_version()).await.unwrap();
    let after = db.store.data_versions().await.unwrap();
    assert!(after.get(Topic::Reference) > 0);
    assert_eq!(after.get(Topic::Accounts), 0);
    assert_eq!(db.store.change_feed().current(), after);
}

/// A second node on the same database (or a CLI process on the same SQLite file), following with a short poll.
async fn another_nodes_write_reaches_this_node_by_the_poll(db: TestDb) {
    let other = Arc::new(ldp_store::connect(&db.url, PoolSettings::default()).await.unwrap());
    let follower = {
        let other = other.clone();
        tokio::spawn(async move { other.follow_changes(Duration::from_millis(100)).await })
    };
    let id = nilufer(db.store.as_ref()).await;
    profile_change(&db, id, "Nilüfer").await.unwrap();
    let target = db.store.data_versions().await.unwrap().get(Topic::Workspace);
    assert!(observed(&other, Topic::Workspace, target, Duration::from_secs(5)).await, "the other node heard of it");
    follower.abort();
    other.close().await;
}

mod postgres_only {
    use super::*;

    /// A node following with a poll so slow that only a notification can reach it in time.
    async fn listening_node(db: &TestDb) -> (Arc<SqlStore>, tokio::task::JoinHandle<()>) {
        let other = Arc::new(ldp_store::connect(&db.url, PoolSettings::default()).await.unwrap());
        let task = {
            let other = other.clone();
            tokio::spawn(async move { other.follow_changes(Duration::from_secs(600)).await })
        };
        (other, task)
    }

    /// The process ids of this database's listening connections, waiting (at most 10 s) for `want` to hold.
    async fn listeners(db: &TestDb, want: impl Fn(&[i64]) -> bool) -> Vec<i64> {
        let admin = sqlx::PgPool::connect(&db.url).await.unwrap();
        let sql = format!(
            "SELECT pid::bigint FROM pg_stat_activity WHERE datname = current_database() AND application_name = '{}' \
             AND query ILIKE 'LISTEN%'",
            ldp_store::LISTENER_APPLICATION_NAME
        );
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let pids: Vec<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone())).fetch_all(&admin).await.unwrap();
            if want(&pids) || tokio::time::Instant::now() > deadline {
                admin.close().await;
                return pids;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    async fn seeded() -> Option<TestDb> {
        TestDb::seeded(Engine::Postgres).await
    }

    #[tokio::test]
    async fn a_write_on_one_node_is_heard_by_another_within_a_second() {
        let Some(db) = seeded().await else { return };
        let (other, task) = listening_node(&db).await;
        assert_eq!(listeners(&db, |p| !p.is_empty()).await.len(), 1, "the other node listens");
        let id = nilufer(db.store.as_ref()).await;
        profile_change(&db, id, "Nilüfer").await.unwrap();
        let target = db.store.data_versions().await.unwrap().get(Topic::Workspace);
        assert!(observed(&other, Topic::Workspace, target, Duration::from_secs(1)).await, "notified within 1 s");
        task.abort();
        other.close().await;
    }

    #[tokio::test]
    async fn a_dropped_listening_connection_heals() {
        let Some(db) = seeded().await else { return };
        let (other, task) = listening_node(&db).await;
        let first = listeners(&db, |p| !p.is_empty()).await;
        assert_eq!(first.len(), 1);
        db.store
            .raw_execute(&format!("SELECT pg_terminate_backend({})", first[0]))
            .await
            .expect("the listener's backend is terminated");
        // Written while nobody may be listening: the reconnected listener reads the versions once.
        let id = nilufer(db.store.as_ref()).await;
        profile_change(&db, id, "Nilüfer").await.unwrap();
        let target = db.store.data_versions().await.unwrap().get(Topic::Workspace);
        assert!(observed(&other, Topic::Workspace, target, Duration::from_secs(10)).await, "heard after reconnecting");
        let second = listeners(&db, |p| p.len() == 1 && p[0] != first[0]).await;
        assert!(second.len() == 1 && second[0] != first[0], "a new listening connection: {second:?}");
        // And notifications flow again on the new connection.
        profile_change(&db, id, "Nilüfer, again").await.unwrap();
        assert!(observed(&other, Topic::Workspace, target + 1, Duration::from_secs(1)).await, "notified again");
        task.abort();
        other.close().await;
    }
}
