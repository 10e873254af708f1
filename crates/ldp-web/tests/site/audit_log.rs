//! The audit trail reads as words: labelled, translated fields, names instead of ids and slugs, readable
//! actors, on the log, its CSV and the dashboard's recent changes.

use axum::http::StatusCode;
use scraper::Html;

use ldp_core::domain::Actor;
use ldp_core::services::accounts::UserInput;
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    the_audit_log_names_fields_records_and_actors,
    the_audit_csv_keeps_raw_columns_and_adds_readable_ones,
    the_dashboard_s_recent_changes_read_as_words,
);

/// A representative of Nilüfer proposes Nilüfer – Münih and records its council decision; the command line
/// (with no user name) creates a representative account for Nilüfer.
async fn history(app: &TestApp) -> i64 {
    app.user("admin@mmu.org.tr", "admin", "").await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    let created = app
        .form(
            "/tr/workspace/partnerships/new",
            Some(&rep),
            &[
                ("municipality", "bursa-nilufer"),
                ("partner_city", "2867714"),
                ("kind", "sister_city"),
                ("theme", "culture"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.headers["location"].to_str().unwrap().to_owned();
    let id: i64 = location.rsplit('/').next().unwrap().split('?').next().unwrap().parse().unwrap();
    let token = app.token("rep@nilufer.bel.tr", false).await;
    let step = app
        .api(
            "POST",
            &format!("/api/v1/partnerships/{id}/steps"),
            Some(&token),
            Some(&format!(r#"{{"stage":"council_approved","date":"{}","number":"2026/41"}}"#, ldp_testkit::NOW.date())),
        )
        .await;
    assert!(step.status.is_success(), "{}", step.body);
    let input = UserInput {
        email: Some("temsilci@nilufer.bel.tr".into()),
        name: Some("Deniz Kaya".into()),
        role: Some("representative".into()),
        municipalities: Some("bursa-nilufer".into()),
    };
    app.state.accounts.add_user(&Actor::system("cli:unknown"), &input, PASSWORD).await.unwrap();
    id
}

async fn the_audit_log_names_fields_records_and_actors(db: TestDb) {
    let app = TestApp::new(db).await;
    let id = history(&app).await;
    let admin = app.sign_in("admin@mmu.org.tr").await;
    let reply = app.get_as("/tr/workspace/audit", &admin).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let html = Html::parse_document(&reply.body);
    let rows = texts(&html, "table.audit tbody tr");
    let joined = rows.join("\n");
    for raw in ["step:council_approved", "system:cli", "partner_city", "municipalities", "has_password", "[", "2867714"]
    {
        assert!(!joined.contains(raw), "raw {raw:?} shown:\n{joined}");
    }
    assert!(texts(&html, "td.action").contains(&"Süreç adımı: Meclis kararı".to_owned()), "{joined}");
    assert!(texts(&html, "td.who").iter().any(|w| w == "Komut satırı (kullanıcı bilinmiyor)"), "{joined}");
    let relation = "İlişki: Nilüfer Belediyesi – Münih".to_owned();
    assert!(texts(&html, "td.what").contains(&relation), "{joined}");
    assert!(hrefs(&html, "td.what a").contains(&format!("/tr/workspace/partnerships/{id}")), "{joined}");
    let fields = texts(&html, "dl.changes dt");
    for label in ["Belediyeler", "Ortak şehir", "Rol", "Aşama", "Meclis kararı sayısı"] {
        assert!(fields.contains(&label.to_owned()), "no {label:?} in {fields:?}");
    }
    let values = texts(&html, "dl.changes dd");
    assert!(values.iter().any(|v| v == "Nilüfer Belediyesi"), "{values:?}");
    assert!(values.iter().any(|v| v == "Münih"), "{values:?}");
    // The record type filter offers names, not codes.
    assert!(texts(&html, "#f-record_type option").contains(&"İlişki".to_owned()));
    // The English page says the same in English.
    let en = Html::parse_document(&app.get_as("/en/workspace/audit", &admin).await.body);
    assert!(texts(&en, "td.action").contains(&"Trail step: Council decision".to_owned()));
    assert!(texts(&en, "td.who").iter().any(|w| w == "Command line (user unknown)"));
    assert!(texts(&en, "dl.changes dd").iter().any(|v| v == "Munich"), "English pages use the English name");
}

async fn the_audit_csv_keeps_raw_columns_and_adds_readable_ones(db: TestDb) {
    let app = TestApp::new(db).await;
    history(&app).await;
    let admin = app.sign_in("admin@mmu.org.tr").await;
    let csv = app.get_as("/tr/workspace/audit.csv?record_type=partnership", &admin).await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let headers: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    for column in [
        "id",
        "at_utc",
        "actor",
        "action",
        "record_type",
        "before",
        "after",
        "who",
        "record",
        "action_label",
        "changes",
    ] {
        assert!(headers.contains(&column.to_owned()), "no {column} in {headers:?}");
    }
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let step = rows.iter().find(|r| &r[col("action")] == "step:council_approved").expect("the step's row");
    assert_eq!(&step[col("action_label")], "Süreç adımı: Meclis kararı");
    assert_eq!(&step[col("record")], "İlişki: Nilüfer Belediyesi – Münih");
    assert!(step[col("changes")].contains("Meclis kararı sayısı: 2026/41"), "{:?}", &step[col("changes")]);
    assert!(step[col("who")].contains("rep@nilufer.bel.tr"));
}

async fn the_dashboard_s_recent_changes_read_as_words(db: TestDb) {
    let app = TestApp::new(db).await;
    history(&app).await;
    let admin = app.sign_in("admin@mmu.org.tr").await;
    let html = Html::parse_document(&app.get_as("/tr/workspace", &admin).await.body);
    let actions = texts(&html, "table.audit td.action");
    assert!(actions.contains(&"Süreç adımı: Meclis kararı".to_owned()), "{actions:?}");
    assert!(texts(&html, "table.audit td.who").iter().any(|w| w == "Komut satırı (kullanıcı bilinmiyor)"));
    assert!(texts(&html, "table.audit td.what").iter().any(|w| w == "Kullanıcı: temsilci@nilufer.bel.tr"));
    assert!(!html.html().contains("step:council_approved"));
}
