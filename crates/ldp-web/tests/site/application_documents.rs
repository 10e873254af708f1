//! Documents of an application for funding (issue 16): uploaded on the application's workspace page (a file
//! that is no document, or too large, refused beside the field), listed, downloaded (streamed, `private,
//! no-store`, typed by content) and deleted, each audited; seen by the municipality's representatives, staff
//! and auditors (who cannot change them), nobody else; and listed and downloaded through the API.

use axum::http::{StatusCode, header};
use scraper::Html;
use serde_json::{Value, json};

use ldp_core::domain::projects::{ApplicationId, DocumentOwner};
use ldp_core::domain::{AuditFilter, Page};
use ldp_core::services::documents::MAX_DOCUMENT_BYTES;
use ldp_testkit::{TestDb, both_backends};

use crate::authz::{PDF, upload};
use crate::helpers::*;

both_backends!(seeded =>
    documents_are_uploaded_listed_downloaded_and_deleted_on_the_application_page,
    documents_are_kept_to_those_who_see_the_application_in_pages_and_api,
);

fn sel(s: &str) -> scraper::Selector {
    scraper::Selector::parse(s).unwrap()
}

async fn application(app: &TestApp, token: &str) -> i64 {
    let body = json!({ "municipality": "edirne", "title": "Sınır ötesi kültür rotası" }).to_string();
    let created = app.api("POST", "/api/v1/applications", Some(token), Some(&body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    serde_json::from_str::<Value>(&created.body).unwrap()["application"]["id"].as_i64().unwrap()
}

async fn documents_are_uploaded_listed_downloaded_and_deleted_on_the_application_page(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    let rep = app.sign_in("rep@edirne.bel.tr").await;
    let id = application(&app, &app.token("rep@edirne.bel.tr", false).await).await;
    let page = format!("/tr/workspace/applications/{id}");
    let uri = format!("{page}/documents");
    let html = Html::parse_document(&app.get_as(&page, &rep).await.body);
    assert!(text(&html, "#documents-title").contains("Belgeler (0)"));
    assert!(html.select(&sel("#f-document")).next().is_some(), "the upload form");

    // Not a document: refused beside the field, nothing kept.
    let refused = app.request(upload(&uri, Some(&rep), "", "form.pdf", b"<html><script>alert(1)</script>")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&refused.body);
    assert!(text(&html, "#f-document-error").contains("PowerPoint"), "the message names the accepted types");
    assert_eq!(attr(&html, "#f-document", "aria-invalid").as_deref(), Some("true"));
    // Too large: over the limit by a byte, or far over it (the body cut off, the token perhaps with it), is
    // refused beside the field and nothing is stored.
    let mut big = PDF.to_vec();
    big.resize(MAX_DOCUMENT_BYTES + 1, b' ');
    let refused = app.request(upload(&uri, Some(&rep), "", "big.pdf", &big)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(text(&Html::parse_document(&refused.body), "#f-document-error").contains("10"), "{}", refused.body);
    big.resize(MAX_DOCUMENT_BYTES + 200 * 1024, b' ');
    let refused = app.request(upload(&uri, Some(&rep), "", "bigger.pdf", &big)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(text(&Html::parse_document(&refused.body), "#f-document-error").contains("10"), "{}", refused.body);
    assert!(app.state.store.funding_documents(DocumentOwner::Application(ApplicationId(id))).await.unwrap().is_empty());

    // A PDF: kept, listed with its name and who uploaded it, downloaded as it was sent.
    let uploaded = app.request(upload(&uri, Some(&rep), "", "Başvuru formu.pdf", PDF)).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    assert_eq!(uploaded.headers[header::LOCATION], format!("{page}?saved=1#documents-title").as_str());
    let html = Html::parse_document(&app.get_as(&page, &rep).await.body);
    assert!(text(&html, "#documents-title").contains("Belgeler (1)"));
    assert!(text(&html, "table.documents").contains("rep@edirne.bel.tr"));
    let links = hrefs(&html, "table.documents a");
    assert_eq!(links.len(), 1);
    assert_eq!(text(&html, "table.documents a"), "Başvuru formu.pdf");
    let (status, headers, bytes) = app.get_bytes_as(&links[0], &rep).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, PDF);
    assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(headers[header::CACHE_CONTROL], "private, no-store");
    let disposition = headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(disposition.starts_with("attachment;") && disposition.ends_with(".pdf\""), "{disposition}");

    // Deleted: gone from the page and the download; both writes are in the audit log.
    let delete = format!("{}/delete", links[0]);
    let deleted = app.form(&delete, Some(&rep), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER, "{}", deleted.body);
    let html = Html::parse_document(&app.get_as(&page, &rep).await.body);
    assert!(text(&html, "#documents-title").contains("Belgeler (0)"));
    assert_eq!(app.get_bytes_as(&links[0], &rep).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.form(&delete, Some(&rep), &[]).await.status, StatusCode::NOT_FOUND);
    let filter = AuditFilter { record_type: Some("funding_application_document".into()), ..AuditFilter::default() };
    let log = app.state.store.list_audit(&filter, Page::default()).await.unwrap();
    let mut actions: Vec<String> = log.items.iter().map(|e| e.action.clone()).collect();
    actions.sort();
    assert_eq!(actions, vec!["create", "delete"]);
    assert!(log.items.iter().all(|e| e.actor == "rep@edirne.bel.tr"));
}

async fn documents_are_kept_to_those_who_see_the_application_in_pages_and_api(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    app.user("rep@kadikoy.bel.tr", "representative", "istanbul-kadikoy").await;
    app.user("auditor@mmu.org.tr", "auditor", "").await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let rep_token = app.token("rep@edirne.bel.tr", false).await;
    let id = application(&app, &rep_token).await;
    let rep = app.sign_in("rep@edirne.bel.tr").await;
    let other = app.sign_in("rep@kadikoy.bel.tr").await;
    let auditor = app.sign_in("auditor@mmu.org.tr").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let page = format!("/tr/workspace/applications/{id}");
    let uploaded = app.request(upload(&format!("{page}/documents"), Some(&staff), "", "niyet.pdf", PDF)).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "staff upload too: {}", uploaded.body);
    let doc = app.state.store.funding_documents(DocumentOwner::Application(ApplicationId(id))).await.unwrap();
    let download = format!("{page}/documents/{}", doc[0].id.0);

    // The auditor reads, without an upload form or delete buttons; another municipality sees nothing.
    let html = Html::parse_document(&app.get_as(&page, &auditor).await.body);
    assert!(text(&html, "table.documents").contains("niyet.pdf"));
    assert!(html.select(&sel("#f-document")).next().is_none());
    assert!(html.select(&sel("table.documents form")).next().is_none());
    assert_eq!(app.get_bytes_as(&download, &auditor).await.0, StatusCode::OK);
    assert_eq!(app.form(&format!("{download}/delete"), Some(&auditor), &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get_as(&page, &other).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get_bytes_as(&download, &other).await.0, StatusCode::NOT_FOUND);
    let anonymous = app.get(&download).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "sent to sign in");
    assert!(anonymous.headers[header::LOCATION].to_str().unwrap().starts_with("/tr/sign-in"));
    // A representative of the municipality sees the delete button.
    let html = Html::parse_document(&app.get_as(&page, &rep).await.body);
    assert!(html.select(&sel("table.documents form button")).next().is_some());

    // The API lists and streams them to tokens that see the application.
    let list = format!("/api/v1/applications/{id}/documents");
    let listed = app.api("GET", &list, Some(&rep_token), None).await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let items: Value = serde_json::from_str(&listed.body).unwrap();
    assert_eq!(items[0]["filename"], "niyet.pdf");
    assert_eq!(items[0]["content_type"], "application/pdf");
    assert_eq!(items[0]["uploaded_by"], "staff@mmu.org.tr");
    assert!(items[0].get("storage_key").is_none(), "where the bytes live is not the client's business");
    let file = format!("{list}/{}", doc[0].id.0);
    let got = app.api("GET", &file, Some(&app.token("auditor@mmu.org.tr", true).await), None).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body.as_bytes(), PDF);
    assert_eq!(got.headers[header::CACHE_CONTROL], "private, no-store");
    let kadikoy = app.token("rep@kadikoy.bel.tr", false).await;
    assert_eq!(app.api("GET", &list, Some(&kadikoy), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("GET", &file, Some(&kadikoy), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("GET", &list, None, None).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.api("GET", &format!("{list}/999999"), Some(&rep_token), None).await.status, StatusCode::NOT_FOUND);
}
