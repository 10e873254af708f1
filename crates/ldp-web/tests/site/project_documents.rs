//! Documents of a project (issue 16): uploaded on the project's workspace page (refused files beside the field),
//! marked public or kept in the workspace; a published project's public page lists and serves its public
//! documents only, and drops from the page cache when one is marked; through the API, uploads and deletions of
//! both applications' and projects' documents with their 400, 403, 404 and 413 in the standard error shape.

use axum::http::{StatusCode, header};
use scraper::Html;
use serde_json::{Value, json};

use ldp_core::domain::projects::{DocumentOwner, ProjectId};
use ldp_core::domain::{AuditFilter, Page};
use ldp_core::services::documents::MAX_DOCUMENT_BYTES;
use ldp_testkit::{TestDb, both_backends};

use crate::authz::{PDF, multipart};
use crate::helpers::*;

both_backends!(seeded =>
    project_documents_are_uploaded_in_the_workspace_and_the_public_ones_shown_once_published,
    documents_are_uploaded_and_deleted_through_the_api_with_the_standard_errors,
);

fn sel(s: &str) -> scraper::Selector {
    scraper::Selector::parse(s).unwrap()
}

/// An unpublished project led by Edirne, created with `token`.
async fn project(app: &TestApp, token: &str) -> i64 {
    let body = json!({
        "acronym": "SINIR",
        "title_tr": "Sınır ötesi kültür rotası",
        "title_en": "Cross-border culture route",
        "lead": "edirne",
        "programme": "interreg-ipa-bulgaria-turkiye",
        "budget": "100000",
        "grant": "80000",
        "currency": "EUR",
    })
    .to_string();
    let created = app.api("POST", "/api/v1/projects", Some(token), Some(&body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    serde_json::from_str::<Value>(&created.body).unwrap()["id"].as_i64().unwrap()
}

async fn project_documents_are_uploaded_in_the_workspace_and_the_public_ones_shown_once_published(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let id = project(&app, &app.token("rep@edirne.bel.tr", false).await).await;
    let rep = app.sign_in("rep@edirne.bel.tr").await;
    let page = format!("/tr/workspace/projects/{id}");
    let uri = format!("{page}/documents");
    let html = Html::parse_document(&app.get_as(&page, &rep).await.body);
    assert!(text(&html, "#documents-title").contains("Belgeler (0)"));
    assert!(html.select(&sel("#f-document-public")).next().is_some(), "a project's documents can be public");

    // Not a document: refused beside the field, the choice kept, nothing stored.
    let fields = [("csrf", rep.csrf.as_str()), ("public", "1")];
    let refused = app.request(multipart(&uri, Some(&rep), None, &fields, "rapor.pdf", b"<html>")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&refused.body);
    assert!(text(&html, "#f-document-error").contains("PDF"));
    assert_eq!(attr(&html, "#f-document-public", "checked").as_deref(), Some(""), "the box stays ticked");
    let owner = DocumentOwner::Project(ProjectId(id));
    assert!(app.state.store.funding_documents(owner).await.unwrap().is_empty());

    // A public report and a workspace-only budget.
    let uploaded = app.request(multipart(&uri, Some(&rep), None, &fields, "Sonuç raporu.pdf", PDF)).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    assert_eq!(uploaded.headers[header::LOCATION], format!("{page}?saved=1#documents-title").as_str());
    let private = [("csrf", rep.csrf.as_str())];
    let uploaded = app.request(multipart(&uri, Some(&rep), None, &private, "bütçe.pdf", PDF)).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let docs = app.state.store.funding_documents(owner).await.unwrap();
    assert_eq!(
        docs.iter().map(|d| (d.filename.as_str(), d.public)).collect::<Vec<_>>(),
        [("Sonuç raporu.pdf", true), ("bütçe.pdf", false)]
    );
    let html = Html::parse_document(&app.get_as(&page, &rep).await.body);
    assert!(text(&html, "#documents-title").contains("Belgeler (2)"));
    assert_eq!(texts(&html, "td.document-visibility").len(), 2);
    assert!(text(&html, "table.documents").contains("Yalnızca çalışma alanı"));
    let (status, headers, bytes) = app.get_bytes_as(&format!("{uri}/{}", docs[1].id.0), &rep).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, PDF));
    assert_eq!(headers[header::CACHE_CONTROL], "private, no-store");

    // Unpublished: the public page and its documents are not there.
    let public_page = format!("/tr/projects/{id}");
    let public_file = |d: i64| format!("/tr/projects/{id}/documents/{d}");
    assert_eq!(app.get(&public_page).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&public_file(docs[0].id.0)).await.status, StatusCode::NOT_FOUND);

    // Published: the public report only, served to anyone; the budget stays private.
    let staff = app.token("staff@mmu.org.tr", false).await;
    let published =
        app.api("POST", &format!("/api/v1/projects/{id}/publish"), Some(&staff), Some(r#"{"published":true}"#)).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    let html = Html::parse_document(&app.get(&public_page).await.body);
    assert!(text(&html, "#documents-title").contains("Belgeler (1)"));
    assert_eq!(hrefs(&html, "ul.documents a"), [public_file(docs[0].id.0)]);
    let (status, headers, bytes) = app.get_bytes(&public_file(docs[0].id.0)).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, PDF));
    assert_ne!(headers.get(header::CACHE_CONTROL).map(|v| v.to_str().unwrap()), Some("private, no-store"));
    assert!(headers[header::CONTENT_DISPOSITION].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(app.get(&public_file(docs[1].id.0)).await.status, StatusCode::NOT_FOUND);

    // Marking the budget public shows it on the (cached) public page at once.
    let mark = format!("{uri}/{}/public", docs[1].id.0);
    assert_eq!(app.form(&mark, Some(&rep), &[("public", "1")]).await.status, StatusCode::SEE_OTHER);
    let html = Html::parse_document(&app.get(&public_page).await.body);
    assert_eq!(hrefs(&html, "ul.documents a").len(), 2);
    let english = Html::parse_document(&app.get(&format!("/en/projects/{id}")).await.body);
    assert!(text(&english, "#documents-title").contains("Documents (2)"));
    assert_eq!(app.get(&public_file(docs[1].id.0)).await.status, StatusCode::OK);

    let filter = AuditFilter { record_type: Some("project_document".into()), ..AuditFilter::default() };
    let log = app.state.store.list_audit(&filter, Page::default()).await.unwrap();
    let mut actions: Vec<String> = log.items.iter().map(|e| e.action.clone()).collect();
    actions.sort();
    assert_eq!(actions, ["create", "create", "publish"]);
}

async fn documents_are_uploaded_and_deleted_through_the_api_with_the_standard_errors(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@edirne.bel.tr", "representative", "edirne").await;
    app.user("rep@kadikoy.bel.tr", "representative", "istanbul-kadikoy").await;
    app.user("auditor@mmu.org.tr", "auditor", "").await;
    let rep = app.token("rep@edirne.bel.tr", false).await;
    let kadikoy = app.token("rep@kadikoy.bel.tr", false).await;
    let auditor = app.token("auditor@mmu.org.tr", false).await;
    let id = project(&app, &rep).await;
    let list = format!("/api/v1/projects/{id}/documents");
    let send = |token: Option<&str>, fields: &[(&str, &str)], name: &str, bytes: &[u8]| {
        multipart(&list, None, token, fields, name, bytes)
    };

    let created = app.request(send(Some(&rep), &[("public", "true")], "rapor.pdf", PDF)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let doc: Value = serde_json::from_str(&created.body).unwrap();
    assert_eq!(
        (doc["project"].as_i64(), &doc["public"], &doc["filename"]),
        (Some(id), &json!(true), &json!("rapor.pdf"))
    );
    assert!(doc.get("storage_key").is_none());
    let listed = app.api("GET", &list, Some(&auditor), None).await;
    assert_eq!(serde_json::from_str::<Value>(&listed.body).unwrap().as_array().unwrap().len(), 1);

    let error = |body: &str| serde_json::from_str::<Value>(body).unwrap()["error"].clone();
    let bad = app.request(send(Some(&rep), &[], "x.pdf", b"<html>")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(error(&bad.body)["code"], "invalid_parameters");
    assert!(error(&bad.body)["fields"]["file"].as_str().unwrap().contains("PDF"));
    let bad = app.request(send(Some(&rep), &[("public", "perhaps")], "x.pdf", PDF)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(error(&bad.body)["fields"]["public"].is_string());
    let mut big = PDF.to_vec();
    big.resize(MAX_DOCUMENT_BYTES + 1, b' ');
    let over = app.request(send(Some(&rep), &[], "big.pdf", &big)).await;
    assert_eq!(over.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", over.body);
    assert!(error(&over.body)["fields"]["file"].is_string());
    // Far over it, past the route's body limit: refused by the length the client announces, unread.
    big.resize(MAX_DOCUMENT_BYTES + 200 * 1024, b' ');
    let mut request = send(Some(&rep), &[], "bigger.pdf", &big);
    let length = axum::body::HttpBody::size_hint(request.body()).exact().unwrap();
    request.headers_mut().insert(header::CONTENT_LENGTH, length.into());
    let far_over = app.request(request).await;
    // The site's body limit answers before the handler reads anything (its own 413, not the API's JSON).
    assert_eq!(far_over.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", far_over.body);
    assert_eq!(app.request(send(Some(&auditor), &[], "x.pdf", PDF)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.request(send(Some(&kadikoy), &[], "x.pdf", PDF)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.request(send(None, &[], "x.pdf", PDF)).await.status, StatusCode::UNAUTHORIZED);
    let owner = DocumentOwner::Project(ProjectId(id));
    assert_eq!(app.state.store.funding_documents(owner).await.unwrap().len(), 1, "refusals store nothing");

    let file = format!("{list}/{}", doc["id"]);
    assert_eq!(app.api("DELETE", &file, Some(&auditor), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api("DELETE", &file, Some(&kadikoy), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("DELETE", &file, Some(&rep), None).await.status, StatusCode::NO_CONTENT);
    let again = app.api("DELETE", &file, Some(&rep), None).await;
    assert_eq!((again.status, error(&again.body)["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));

    // An application's documents: uploaded and deleted the same way, never public.
    let body = json!({ "municipality": "edirne", "title": "Sınır ötesi kültür rotası" }).to_string();
    let created = app.api("POST", "/api/v1/applications", Some(&rep), Some(&body)).await;
    let application = serde_json::from_str::<Value>(&created.body).unwrap()["application"]["id"].as_i64().unwrap();
    let uri = format!("/api/v1/applications/{application}/documents");
    let public = app.request(multipart(&uri, None, Some(&rep), &[("public", "1")], "niyet.pdf", PDF)).await;
    assert_eq!(public.status, StatusCode::BAD_REQUEST);
    assert!(error(&public.body)["fields"]["public"].is_string());
    let stored = app.request(multipart(&uri, None, Some(&rep), &[], "niyet.pdf", PDF)).await;
    assert_eq!(stored.status, StatusCode::CREATED, "{}", stored.body);
    let stored: Value = serde_json::from_str(&stored.body).unwrap();
    assert_eq!((stored["application"].as_i64(), &stored["public"]), (Some(application), &json!(false)));
    let file = format!("{uri}/{}", stored["id"]);
    assert_eq!(app.api("DELETE", &file, Some(&kadikoy), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("DELETE", &file, Some(&rep), None).await.status, StatusCode::NO_CONTENT);

    // The OpenAPI document describes the uploads and their errors.
    let (_, doc) = app.json("/api/openapi.json").await;
    for route in ["/api/v1/applications/{id}/documents", "/api/v1/projects/{id}/documents"] {
        let post = &doc["paths"][route]["post"];
        assert!(post["requestBody"]["content"]["multipart/form-data"].is_object(), "{route}");
        for code in ["201", "400", "401", "403", "404", "413"] {
            assert!(post["responses"][code].is_object(), "{route} documents {code}");
        }
        let delete = &doc["paths"][format!("{route}/{{document}}")]["delete"];
        assert!(delete["responses"]["204"].is_object(), "{route}/{{document}}");
    }
}
