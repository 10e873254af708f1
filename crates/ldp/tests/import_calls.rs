//! `ldp import calls` (the real binary) on SQLite and PostgreSQL: the Funding & Tenders Portal's search JSON
//! is loaded by identifier, a topic keeps only its own actions' budget, HTML is reduced to text, a second run
//! changes nothing, a changed call is updated (audited, the feed moves), and a file not in the format loads
//! nothing. PostgreSQL is skipped, loudly, without `LDP_TEST_POSTGRES_URL`.

use std::path::PathBuf;
use std::process::{Command, Output};

use ldp_core::domain::AuditFilter;
use ldp_core::domain::Page;
use ldp_core::domain::funding::{CallKind, DeadlineModel};
use ldp_core::feed::Topic;
use ldp_testkit::{Engine, TestDb};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn import(db: &TestDb, name: &str) -> Output {
    let data = tempfile::tempdir().expect("temp dir");
    Command::new(env!("CARGO_BIN_EXE_ldp"))
        .args(["import", "calls", "--database-url", &db.url])
        .arg("--data-dir")
        .arg(data.path())
        .arg(fixture(name))
        .env("LDP_LOG", "warn")
        .env_remove("LDP_CONFIG")
        .current_dir(data.path())
        .output()
        .expect("ldp runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

async fn imported(db: &TestDb) -> usize {
    let filter = AuditFilter {
        record_type: Some("funding_call".into()),
        action: Some("import".into()),
        ..AuditFilter::default()
    };
    db.shared().list_audit(&filter, Page::parse(Some(1), Some(100)).unwrap()).await.unwrap().items.len()
}

async fn run(engine: Engine) {
    let Some(db) = TestDb::seeded(engine).await else {
        eprintln!("SKIPPED on {engine:?}: set LDP_TEST_POSTGRES_URL");
        return;
    };
    let store = db.shared();

    // A file that is not the portal's, and one broken after valid results: refused, nothing loaded.
    for bad in ["not-portal.json", "portal-broken.json"] {
        let out = import(&db, bad);
        assert!(!out.status.success(), "{bad} is refused");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("nothing was loaded"), "{bad}: {err}");
        assert!(store.call_by_identifier("LIFE-2027-CET-LOCAL").await.unwrap().is_none(), "{bad} loaded nothing");
    }
    assert_eq!(imported(&db).await, 0);

    let out = import(&db, "portal-empty.json");
    assert!(out.status.success(), "{out:?}");
    assert!(stdout(&out).contains("0 calls loaded, 0 updated, 0 unchanged, 0 skipped"), "{}", stdout(&out));

    let out = import(&db, "portal-calls.json");
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert!(text.contains("3 calls loaded, 0 updated, 0 unchanged, 2 skipped (the file states 27 results"), "{text}");
    assert!(text.contains("skipped result 4 ODD-TYPE-1: unknown type 99"), "{text}");
    assert!(text.contains("skipped result 5 (no identifier): no identifier"), "{text}");
    assert_eq!(imported(&db).await, 3, "each load audited");

    let fleets = store.call_by_identifier("HORIZON-CL5-2027-D2-01-01").await.unwrap().expect("loaded");
    assert!(fleets.published);
    assert_eq!(fleets.source, "portal");
    assert_eq!(fleets.fields.kind, CallKind::Grant);
    assert_eq!(fleets.fields.title.en, "Zero-emission municipal fleets");
    let summary = &fleets.fields.summary.en;
    assert!(summary.starts_with("Cities & regions replace their fleets."), "{summary}");
    assert!(summary.contains("cleaner air") && !summary.contains("alert") && !summary.contains('<'), "{summary}");
    // Only this topic's action: 12,000,000 + 3,000,000.5, not the other topic's 40,000,000.
    assert_eq!(fleets.fields.budget.total.unwrap().to_string(), "15000000.5");
    assert_eq!(fleets.fields.budget.min_per_project.unwrap().to_string(), "4000000");
    assert_eq!(fleets.fields.budget.max_per_project.unwrap().to_string(), "5000000");
    assert_eq!(fleets.fields.budget.currency, "EUR");
    assert_eq!(fleets.fields.deadline_model, DeadlineModel::Single);
    let d = &fleets.fields.deadlines[0];
    assert_eq!((d.local.as_str(), d.zone.as_str()), ("2027-09-16T17:00", "Europe/Brussels"));
    assert_eq!(fleets.fields.opens_on.unwrap().to_string(), "2027-05-12");

    let life = store.call_by_identifier("LIFE-2027-CET-LOCAL").await.unwrap().expect("loaded");
    assert_eq!(life.fields.deadline_model, DeadlineModel::TwoStage);
    assert_eq!(life.fields.deadlines.len(), 2);
    assert_eq!(life.fields.budget.total.unwrap().to_string(), "7000000");
    assert_eq!(life.fields.budget.min_per_project, None);
    assert_eq!(life.fields.summary.en, "Two stages");

    let cascade = store.call_by_identifier("CASCADE-URBAN-2027").await.unwrap().expect("loaded");
    assert_eq!(cascade.fields.deadline_model, DeadlineModel::MultipleCutOff);
    assert_eq!(cascade.fields.deadlines.len(), 3);
    assert_eq!(cascade.fields.budget.total, None);
    assert!(cascade.fields.link.starts_with("https://ec.europa.eu/"), "{}", cascade.fields.link);

    // Again: nothing changes, nothing is written.
    let out = import(&db, "portal-calls.json");
    assert!(stdout(&out).contains("0 calls loaded, 0 updated, 3 unchanged, 2 skipped"), "{}", stdout(&out));
    assert_eq!(imported(&db).await, 3);

    // A changed title: updated, audited, and the funding topic moves so cached pages refresh.
    let before = store.data_versions().await.unwrap().get(Topic::Funding);
    let out = import(&db, "portal-calls-changed.json");
    assert!(stdout(&out).contains("0 calls loaded, 1 updated, 2 unchanged, 2 skipped"), "{}", stdout(&out));
    assert_eq!(imported(&db).await, 4);
    assert!(store.data_versions().await.unwrap().get(Topic::Funding) > before);
    let fleets = store.call_by_identifier("HORIZON-CL5-2027-D2-01-01").await.unwrap().unwrap();
    assert_eq!(fleets.fields.title.en, "Zero-emission municipal fleets and depots");
}

#[tokio::test]
async fn import_calls_on_sqlite() {
    run(Engine::Sqlite).await;
}

#[tokio::test]
async fn import_calls_on_postgres() {
    run(Engine::Postgres).await;
}
