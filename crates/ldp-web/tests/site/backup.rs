//! `ldp backup` / `ldp restore`: a backup taken while the application serves restores into a fresh data
//! folder (and database) whose every API list answers byte for byte the same, with the same documents; a
//! corrupted or foreign archive, or an occupied target, is refused and leaves nothing behind.

use axum::http::StatusCode;
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::Arc;

use ldp_core::domain::Actor;
use ldp_core::domain::partnership::PartnershipId;
use ldp_core::services::partnerships::{PartnershipSettings, Partnerships};
use ldp_store::LocalUploads;
use ldp_store::backup::{self, BackupError, RestoreTarget};
use ldp_testkit::{Engine, NOW, TestDb, both_backends};

use crate::authz::PDF;
use crate::helpers::*;

both_backends!(seeded =>
    a_backup_taken_while_serving_restores_every_api_list_and_document,
    a_backup_taken_during_writes_holds_each_change_with_its_audit_entry,
);

fn sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Changes of every kind through the API, and two documents; returns the admin's token and the documents'
/// download paths with the SHA-256 of what was uploaded.
async fn changes(app: &TestApp) -> (String, Vec<(String, String)>) {
    app.user("admin@example.org", "admin", "").await;
    let token = app.token("admin@example.org", false).await;
    let writes = [
        ("POST", "/api/v1/municipalities/bursa-nilufer/representatives", r#"{"name":"Ayşe Yılmaz","email":"ayse@nilufer.bel.tr"}"#.to_owned()),
        ("POST", "/api/v1/partnerships", r#"{"municipality":"bursa-nilufer","partner_city":"2867714","kind":"sister_city","proposed_on":"2025-01-15"}"#.to_owned()),
        ("POST", "/api/v1/partnerships/1/activities", r#"{"date":"2026-05-04","title_tr":"Gençlik değişimi","title_en":"Youth exchange","kind":"exchange"}"#.to_owned()),
        ("PUT", "/api/v1/partnerships/1/sdgs", r#"{"sdgs":"4,11"}"#.to_owned()),
    ];
    for (method, uri, body) in writes {
        let reply = app.api(method, uri, Some(&token), Some(&body)).await;
        assert!(reply.status.is_success(), "{method} {uri}: {} {}", reply.status, reply.body);
    }
    let service = Partnerships::new(app.db.shared(), app.clock.clone(), PartnershipSettings::default());
    let mut docs = Vec::new();
    for (n, bytes) in [PDF.to_vec(), [PDF, b"% ikinci belge\n"].concat()].into_iter().enumerate() {
        let id = PartnershipId(1);
        let hash = sha256(&bytes);
        let doc = service
            .attach(app.uploads.as_ref(), id, Some("other"), &format!("belge-{n}.pdf"), bytes, &Actor::system("test"))
            .await
            .expect("document attached");
        docs.push((format!("/files/partnerships/1/{doc}"), hash));
    }
    (token, docs)
}

/// Every API list, each page of it, plus the token owner's view of the audit trail and of themselves.
async fn every_list(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let mut answers = Vec::new();
    for uri in [
        "/api/v1/union",
        "/api/v1/networks",
        "/api/v1/provinces",
        "/api/v1/sdgs",
        "/api/v1/partnerships/countries",
        "/api/v1/compliance",
        "/api/v1/cities?q=M%C3%BCnih",
        "/api/v1/me",
    ] {
        let reply = app.api("GET", uri, Some(token), None).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
        answers.push((uri.to_owned(), reply.body));
    }
    for list in ["/api/v1/municipalities", "/api/v1/countries", "/api/v1/partnerships", "/api/v1/audit"] {
        let mut page: u32 = 1;
        loop {
            let uri = format!("{list}?per_page=100&page={page}");
            let reply = app.api("GET", &uri, Some(token), None).await;
            assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
            let json: serde_json::Value = serde_json::from_str(&reply.body).expect("JSON");
            let total = json["total"].as_u64().unwrap_or_else(|| panic!("{uri} has a total: {}", reply.body));
            answers.push((uri, reply.body));
            if u64::from(page) * 100 >= total {
                break;
            }
            page += 1;
        }
    }
    answers
}

/// Restores `file` into `work/data` (and, on PostgreSQL, a new empty database) and opens an app on it; the
/// folder lives as long as the app (inside its database on SQLite, beside it on PostgreSQL).
async fn restored(engine: Engine, file: &Path, work: tempfile::TempDir) -> (TestApp, Option<tempfile::TempDir>) {
    let data = work.path().join("data");
    let db = match engine {
        Engine::Sqlite => {
            let url = format!("sqlite://{}", data.join("ldp.sqlite3").display());
            let target = RestoreTarget { data_dir: data.clone(), database_url: url };
            backup::restore(file, &target).await.expect("restored");
            (TestDb::sqlite_file(work, &data.join("ldp.sqlite3")).await, None)
        }
        Engine::Postgres => {
            let db = TestDb::blank_postgres().await.expect("a PostgreSQL server");
            let target = RestoreTarget { data_dir: data.clone(), database_url: db.url.clone() };
            backup::restore(file, &target).await.expect("restored");
            (db, Some(work))
        }
    };
    let uploads = Arc::new(LocalUploads::open(&data.join("uploads")).expect("restored uploads"));
    (TestApp::configured(db.0, move |c| c.uploads = uploads).await, db.1)
}

async fn a_backup_taken_while_serving_restores_every_api_list_and_document(db: TestDb) {
    let engine = db.engine();
    let app = TestApp::new(db).await;
    let (token, docs) = changes(&app).await;
    let before = every_list(&app, &token).await;
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("ldp-backup.tar.gz");
    // The application's connections stay open (on SQLite the recent writes are still in the WAL).
    let summary = backup::backup(&app.db.store, &app.db.url, app.uploads_dir(), &file, NOW).await.expect("backup");
    assert_eq!(summary.uploads, docs.len());
    let (again, _work) = restored(engine, &file, work).await;
    let after = every_list(&again, &token).await;
    assert_eq!(before.len(), after.len());
    for ((uri, a), (_, b)) in before.iter().zip(&after) {
        assert_eq!(a, b, "{uri} differs after the restore");
    }
    assert!(before.iter().any(|(uri, body)| uri.starts_with("/api/v1/audit") && body.contains("Ayşe Yılmaz")));
    for (path, hash) in &docs {
        let (status, _, bytes) = again.get_bytes(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(&sha256(&bytes), hash, "{path} has other bytes after the restore");
    }
}

async fn a_backup_taken_during_writes_holds_each_change_with_its_audit_entry(db: TestDb) {
    let engine = db.engine();
    let app = Arc::new(TestApp::new(db).await);
    app.user("admin@example.org", "admin", "").await;
    let token = app.token("admin@example.org", false).await;
    let writer = {
        let (app, token) = (app.clone(), token.clone());
        tokio::spawn(async move {
            for n in 0..40 {
                let body = format!(r#"{{"name":"Temsilci {n}"}}"#);
                let uri = "/api/v1/municipalities/bursa-nilufer/representatives";
                let reply = app.api("POST", uri, Some(&token), Some(&body)).await;
                assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
                tokio::task::yield_now().await;
            }
        })
    };
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("ldp-backup.tar.gz");
    backup::backup(&app.db.store, &app.db.url, app.uploads_dir(), &file, NOW).await.expect("backup");
    writer.await.unwrap();
    let (again, _work) = restored(engine, &file, work).await;
    let store = again.db.shared();
    let nilufer = store.municipality_by_slug("bursa-nilufer").await.unwrap().expect("Nilüfer").id;
    let mut kept: Vec<String> =
        store.representatives(nilufer).await.unwrap().into_iter().map(|r| r.id.to_string()).collect();
    let filter = ldp_core::domain::AuditFilter {
        record_type: Some("representative".into()),
        action: Some("create".into()),
        ..Default::default()
    };
    let page = ldp_core::domain::Page::parse(Some(1), Some(100)).unwrap();
    let mut audited: Vec<String> =
        store.list_audit(&filter, page).await.unwrap().items.into_iter().map(|e| e.record_id).collect();
    kept.sort();
    audited.sort();
    assert_eq!(kept, audited, "every restored representative has its audit entry, and no entry lacks its record");
}

// ---------------------------------------------------------------------------------------------- refusals

/// A backup of a seeded SQLite app with one document.
async fn sqlite_backup(work: &Path) -> std::path::PathBuf {
    let app = TestApp::new(TestDb::seeded(Engine::Sqlite).await.unwrap()).await;
    changes(&app).await;
    let file = work.join("ldp-backup.tar.gz");
    backup::backup(&app.db.store, &app.db.url, app.uploads_dir(), &file, NOW).await.expect("backup");
    file
}

fn sqlite_target(work: &Path) -> RestoreTarget {
    let data = work.join("data");
    RestoreTarget { database_url: format!("sqlite://{}", data.join("ldp.sqlite3").display()), data_dir: data }
}

/// The archive's members, in order.
fn members(file: &Path) -> Vec<(String, Vec<u8>)> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::fs::File::open(file).unwrap()));
    let mut out = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        out.push((path, bytes));
    }
    out
}

fn write_members(file: &Path, members: &[(String, Vec<u8>)]) {
    let gz = flate2::write::GzEncoder::new(std::fs::File::create(file).unwrap(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    for (path, bytes) in members {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        tar.append_data(&mut header, path, bytes.as_slice()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap().flush().unwrap();
}

/// Nothing is left where the restore would have gone: no data folder, no staging folder.
fn nothing_left(work: &Path) {
    let left: Vec<String> = std::fs::read_dir(work)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "ldp-backup.tar.gz" && n != "edited.tar.gz")
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[tokio::test]
async fn a_backup_from_another_schema_version_is_refused_whole() {
    let work = tempfile::tempdir().unwrap();
    let file = sqlite_backup(work.path()).await;
    let mut parts = members(&file);
    let mut manifest: serde_json::Value = serde_json::from_slice(&parts[0].1).unwrap();
    assert_eq!(parts[0].0, "manifest.json");
    assert_eq!(manifest["schema_version"], backup::binary_schema_version());
    manifest["schema_version"] = (backup::binary_schema_version() + 1).into();
    parts[0].1 = serde_json::to_vec(&manifest).unwrap();
    let edited = work.path().join("edited.tar.gz");
    write_members(&edited, &parts);
    let err = backup::restore(&edited, &sqlite_target(work.path())).await.unwrap_err();
    assert!(matches!(err, BackupError::SchemaMismatch { .. }), "{err}");
    assert!(err.to_string().contains("schema version"), "{err}");
    nothing_left(work.path());
}

#[tokio::test]
async fn a_document_changed_inside_the_archive_is_refused_and_nothing_is_restored() {
    let work = tempfile::tempdir().unwrap();
    let file = sqlite_backup(work.path()).await;
    let mut parts = members(&file);
    let upload = parts.iter_mut().find(|(p, _)| p.starts_with("uploads/")).expect("an upload member");
    upload.1.push(b'\n');
    let name = upload.0.clone();
    let edited = work.path().join("edited.tar.gz");
    write_members(&edited, &parts);
    let err = backup::restore(&edited, &sqlite_target(work.path())).await.unwrap_err();
    assert!(matches!(err, BackupError::Corrupted(_)), "{err}");
    assert!(err.to_string().contains(&name), "{err}");
    nothing_left(work.path());
}

#[tokio::test]
async fn a_truncated_archive_is_refused_and_nothing_is_restored() {
    let work = tempfile::tempdir().unwrap();
    let file = sqlite_backup(work.path()).await;
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&file, &bytes[..bytes.len() * 2 / 3]).unwrap();
    let err = backup::restore(&file, &sqlite_target(work.path())).await.unwrap_err();
    assert!(matches!(err, BackupError::Corrupted(_)), "{err}");
    nothing_left(work.path());
}

#[tokio::test]
async fn a_file_that_is_not_a_backup_is_refused() {
    let work = tempfile::tempdir().unwrap();
    let file = work.path().join("ldp-backup.tar.gz");
    std::fs::write(&file, "id;name\n1;Nilüfer\n").unwrap();
    let err = backup::restore(&file, &sqlite_target(work.path())).await.unwrap_err();
    assert!(matches!(err, BackupError::NotABackup(..)), "{err}");
    nothing_left(work.path());
}

#[tokio::test]
async fn a_restore_never_overwrites_a_data_folder_in_use() {
    let work = tempfile::tempdir().unwrap();
    let file = sqlite_backup(work.path()).await;
    let target = sqlite_target(work.path());
    std::fs::create_dir_all(&target.data_dir).unwrap();
    std::fs::write(target.data_dir.join("ldp.sqlite3"), b"the live database").unwrap();
    let err = backup::restore(&file, &target).await.unwrap_err();
    assert!(matches!(err, BackupError::TargetNotEmpty(_)), "{err}");
    assert!(err.to_string().contains("ldp.sqlite3"), "{err}");
    assert_eq!(std::fs::read(target.data_dir.join("ldp.sqlite3")).unwrap(), b"the live database");
}

#[tokio::test]
async fn a_sqlite_backup_does_not_restore_into_postgresql() {
    let work = tempfile::tempdir().unwrap();
    let file = sqlite_backup(work.path()).await;
    let target =
        RestoreTarget { data_dir: work.path().join("data"), database_url: "postgres://nobody@127.0.0.1:1/none".into() };
    // The manifest is read before the target is touched: the unreachable server is never asked.
    let err = backup::restore(&file, &target).await.unwrap_err();
    assert!(matches!(err, BackupError::EngineMismatch { .. }), "{err}");
    nothing_left(work.path());
}
