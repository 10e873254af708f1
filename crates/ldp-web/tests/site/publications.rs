//! Publications on the site: the public list with its filters, the page with schema.org JSON-LD and its
//! files, the "related publications" block on a network, municipality, event and relation page (one store
//! query), the workspace's forms and upload, the roles, and the API.

use std::io::Write;

use axum::http::{StatusCode, header};
use scraper::Html;

use ldp_core::domain::{Actor, EventStatus, PublicationId, PublicationInput, PublicationStatus};
use ldp_testkit::{TestDb, both_backends};

use crate::authz::{PDF, upload};
use crate::helpers::{TestApp, attr, hrefs, text, texts};

both_backends!(seeded =>
    the_public_list_filters_and_the_page_describes_the_publication,
    related_pages_list_their_publications_in_one_query,
    the_workspace_creates_uploads_and_publishes,
    others_are_refused_in_the_workspace,
    the_api_reads_for_everyone_and_writes_for_staff,
    a_published_publication_shows_on_the_next_anonymous_get,
    stored_text_comes_back_inert,
    the_feed_and_the_sitemap_carry_published_publications,
);

/// A ZIP holding `entries` (name, content): the container of office documents.
fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, content) in entries {
        out.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
        out.write_all(content.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

fn input(kind: &str, title_tr: &str) -> PublicationInput {
    PublicationInput {
        kind: Some(kind.into()),
        title_tr: Some(title_tr.into()),
        summary_tr: Some("Üyelerin uluslararası ilişkileri üzerine".into()),
        authors: Some("Ayşe Yılmaz\nMehmet Öz".into()),
        published_on: Some("2025-06-30".into()),
        language: Some("tr".into()),
        topics: Some("sister_cities".into()),
        sdgs: Some("11,17".into()),
        networks: Some("iclei".into()),
        municipalities: Some("bursa-nilufer".into()),
        ..PublicationInput::default()
    }
}

/// Creates a publication as the system, with a PDF, and publishes it.
async fn published(app: &TestApp, input: &PublicationInput) -> i64 {
    let system = Actor::system("test");
    let p = app.state.publications.create(&system, input).await.unwrap();
    app.state.publications.attach(app.state.uploads.as_ref(), &system, p.id, "rapor.pdf", PDF.to_vec()).await.unwrap();
    app.state.publications.set_status(&system, p.id, PublicationStatus::Published).await.unwrap();
    p.id.0
}

async fn the_public_list_filters_and_the_page_describes_the_publication(db: TestDb) {
    let app = TestApp::new(db).await;
    let report = published(&app, &input("report", "Kardeş şehir ilişkileri raporu")).await;
    let mut guide_input = input("guide", "");
    guide_input.title_tr = None;
    guide_input.title_en = Some("Protocol guide".into());
    guide_input.published_on = Some("2024-02-01".into());
    guide_input.sdgs = Some("16".into());
    guide_input.networks = None;
    let guide = published(&app, &guide_input).await;
    let draft = app.state.publications.create(&Actor::system("test"), &input("study", "Taslak")).await.unwrap().id.0;

    let list = app.page("/tr/publications").await;
    assert!(hrefs(&app.page("/en/").await, "footer a").contains(&"/en/publications".to_owned()), "every page links it");
    let links = hrefs(&list, ".publications h2 a");
    assert_eq!(links, vec![format!("/tr/publications/{report}"), format!("/tr/publications/{guide}")], "newest first");
    let one = |uri: &'static str| {
        let app = &app;
        async move { hrefs(&app.page(uri).await, ".publications h2 a") }
    };
    assert_eq!(one("/tr/publications?kind=guide").await, vec![format!("/tr/publications/{guide}")]);
    assert_eq!(one("/tr/publications?sdg=17").await, vec![format!("/tr/publications/{report}")]);
    assert_eq!(one("/tr/publications?year=2024").await, vec![format!("/tr/publications/{guide}")]);
    assert_eq!(one("/tr/publications?network=iclei").await, vec![format!("/tr/publications/{report}")]);
    assert_eq!(one("/tr/publications?municipality=bursa-nilufer&topic=sister_cities").await.len(), 2);
    assert!(one("/tr/publications?kind=bulletin").await.is_empty());
    let bad = app.get("/tr/publications?kind=novel&sdg=99&year=12").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let bad = Html::parse_document(&bad.body);
    assert_eq!(texts(&bad, ".field-error").len(), 3, "each bad filter beside its field");

    let page = app.page(&format!("/tr/publications/{report}")).await;
    assert_eq!(text(&page, "h1"), "Kardeş şehir ilişkileri raporu");
    let ld: serde_json::Value = serde_json::from_str(&text(&page, "script[type='application/ld+json']")).unwrap();
    assert_eq!(ld["@type"], "Report");
    assert_eq!(ld["datePublished"], "2025-06-30");
    assert_eq!(ld["inLanguage"], "tr");
    assert_eq!(ld["author"][1], "Mehmet Öz");
    assert_eq!(ld["encoding"][0]["encodingFormat"], "application/pdf");
    let file = hrefs(&page, ".files a");
    assert_eq!(file.len(), 1);
    let (status, headers, bytes) = app.get_bytes(&file[0]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(bytes, PDF, "the stored bytes, streamed");
    assert_eq!(headers["content-type"], "application/pdf");
    assert!(headers["content-disposition"].to_str().unwrap().contains("rapor.pdf"));

    // A guide is a CreativeWork; without a Turkish title the English one shows, with a notice.
    let page = app.page(&format!("/tr/publications/{guide}")).await;
    let ld: serde_json::Value = serde_json::from_str(&text(&page, "script[type='application/ld+json']")).unwrap();
    assert_eq!(ld["@type"], "CreativeWork");
    assert_eq!(text(&page, "h1"), "Protocol guide");
    assert_eq!(attr(&page, ".note[lang]", "lang").as_deref(), Some("en"));
    assert!(app.page(&format!("/en/publications/{guide}")).await.select(&sel(".note")).next().is_none());

    // Drafts and their files are not public; nonsense ids are 404s, not 500s.
    assert_eq!(app.get(&format!("/tr/publications/{draft}")).await.status, StatusCode::NOT_FOUND);
    assert!(!hrefs(&list, "a").contains(&format!("/tr/publications/{draft}")));
    assert_eq!(app.get("/tr/publications/nope").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/files/publications/x/1").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/files/publications/{report}/999999")).await.status, StatusCode::NOT_FOUND);
}

fn sel(s: &str) -> scraper::Selector {
    scraper::Selector::parse(s).unwrap()
}

fn event_input() -> ldp_core::services::events::EventInput {
    ldp_core::services::events::EventInput {
        kind: Some("training".into()),
        title_tr: Some("Protokol eğitimi".into()),
        online_url: Some("https://meet.example.org/protokol".into()),
        sessions: Some("2026-12-10 10:00-12:30".into()),
        organiser: Some("Marmara Belediyeler Birliği".into()),
        audience: Some("member_staff".into()),
        ..Default::default()
    }
}

async fn related_pages_list_their_publications_in_one_query(db: TestDb) {
    let (app, counter) = TestApp::counting(db).await;
    let system = Actor::system("test");
    let event = app.state.events.create(&system, &event_input()).await.unwrap().id;
    app.state.events.set_status(&system, event, EventStatus::Published).await.unwrap();
    let mut related = input("study", "Ağlar üzerine araştırma");
    related.events = Some(event.0.to_string());
    related.partnerships = Some("1".into());
    let id = published(&app, &related).await;
    // A draft relating to the same records is not listed.
    app.state.publications.create(&system, &input("bulletin", "Taslak bülten")).await.unwrap();

    for uri in [
        "/tr/networks/iclei".to_owned(),
        "/en/municipalities/bursa-nilufer".to_owned(),
        format!("/tr/events/{}", event.0),
        "/tr/partnerships/1".to_owned(),
    ] {
        counter.reset();
        let page = app.page(&uri).await;
        assert_eq!(
            hrefs(&page, ".related-publications a"),
            vec![format!("/{}/publications/{id}", &uri[1..3])],
            "{uri}"
        );
        assert_eq!(counter.calls("publications"), 1, "{uri}: one query for the block");
        assert_eq!(counter.calls("publication"), 0, "{uri}: none per item");
    }
    // A page without related publications shows no block.
    let other = app.page("/tr/networks/alda").await;
    assert!(other.select(&sel(".related-publications")).next().is_none());
}

async fn the_workspace_creates_uploads_and_publishes(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    assert_eq!(app.get_as("/tr/workspace/publications/new", &staff).await.status, StatusCode::OK);

    // Bad input: the form comes back with every message beside its field, and the values kept.
    let bad = app
        .form(
            "/tr/workspace/publications/new",
            Some(&staff),
            &[("kind", "novel"), ("published_on", "30.06.2025"), ("language", "xx"), ("sdg", "18"), ("authors", "A")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&bad.body);
    for field in ["kind", "title_tr", "published_on", "language"] {
        assert!(html.select(&sel(&format!("#f-{field}-error"))).next().is_some(), "{field} has its message");
    }
    assert_eq!(attr(&html, "#f-language", "value").as_deref(), Some("xx"), "what was typed is kept");
    assert!(texts(&html, ".has-error legend").iter().any(|l| !l.is_empty()), "the goals' group is marked");

    let good = [
        ("kind", "report"),
        ("title_tr", "Yerel diplomasi raporu 2025"),
        ("title_en", "Local diplomacy report 2025"),
        ("authors", "Marmara Belediyeler Birliği"),
        ("published_on", "2025-12-01"),
        ("language", "tr"),
        ("topic", "sister_cities"),
        ("topic", "city_networks"),
        ("sdg", "17"),
        ("network", "iclei"),
        ("municipalities", "bursa-nilufer"),
    ];
    let created = app.form("/tr/workspace/publications/new", Some(&staff), &good).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.headers["location"].to_str().unwrap().to_owned();
    let path = location.split('?').next().unwrap().to_owned();
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let stored = app.state.publications.get(&Actor::system("test"), PublicationId(id)).await.unwrap();
    assert_eq!(stored.publication.fields.topics.len(), 2);
    assert_eq!(stored.publication.status, PublicationStatus::Draft);

    // The edit form shows what is stored; an edit saves.
    let edit = Html::parse_document(&app.get_as(&path, &staff).await.body);
    assert_eq!(attr(&edit, "#f-municipalities", "value").as_deref(), Some("bursa-nilufer"));
    assert_eq!(attr(&edit, "#f-published_on", "value").as_deref(), Some("2025-12-01"));

    // Upload: a page that is not a document is refused beside the field; a PDF is kept.
    let refused = app.request(upload(&format!("{path}/files"), Some(&staff), "", "x.pdf", b"<html>")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(Html::parse_document(&refused.body).select(&sel("#f-file-error")).next().is_some());
    // A file over 10 MiB, with the Content-Length a browser sends: the form again, saying so beside the field
    // (not a bare "length limit exceeded" from the guard in front of every route).
    let mut big = PDF.to_vec();
    big.resize(ldp_core::services::documents::MAX_DOCUMENT_BYTES + 200 * 1024, b' ');
    let mut request = upload(&format!("{path}/files"), Some(&staff), "", "büyük.pdf", &big);
    let length = axum::body::HttpBody::size_hint(request.body()).exact().unwrap();
    request.headers_mut().insert(header::CONTENT_LENGTH, length.into());
    let too_large = app.request(request).await;
    assert_eq!(too_large.status, StatusCode::BAD_REQUEST, "{}", too_large.body);
    assert!(text(&Html::parse_document(&too_large.body), "#f-file-error").contains("10 MB"), "{}", too_large.body);
    let uploaded = app.request(upload(&format!("{path}/files"), Some(&staff), "", "rapor.pdf", PDF)).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    assert_eq!(app.state.publications.get(&Actor::system("test"), PublicationId(id)).await.unwrap().files.len(), 1);
    // A presentation is an office document, known by what its ZIP holds and saved under its own extension; a
    // plain ZIP named like one is refused.
    let pptx = zip_of(&[("[Content_Types].xml", "<Types/>"), ("ppt/presentation.xml", "<p:presentation/>")]);
    let plain = zip_of(&[("readme.txt", "not a presentation")]);
    let refused = app.request(upload(&format!("{path}/files"), Some(&staff), "", "sunum.pptx", &plain)).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("PowerPoint"), "the message names the accepted types");
    let uploaded = app.request(upload(&format!("{path}/files"), Some(&staff), "", "sunum.zip", &pptx)).await;
    assert_eq!(uploaded.status, StatusCode::SEE_OTHER, "{}", uploaded.body);
    let files = app.state.publications.get(&Actor::system("test"), PublicationId(id)).await.unwrap().files;
    assert_eq!(files.len(), 2);
    let (status, headers, bytes) =
        app.get_bytes_as(&format!("/files/publications/{id}/{}", files[1].id.0), &staff).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        headers[header::CONTENT_TYPE],
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    );
    assert_eq!(headers[header::CONTENT_DISPOSITION], "attachment; filename=\"sunum.pptx\"");
    assert_eq!(bytes, pptx, "the bytes come back as uploaded");
    // Not public yet.
    assert_eq!(app.get(&format!("/tr/publications/{id}")).await.status, StatusCode::NOT_FOUND);

    let publish = app.form(&format!("{path}/status"), Some(&staff), &[("status", "published")]).await;
    assert_eq!(publish.status, StatusCode::SEE_OTHER);
    let public = app.page(&format!("/en/publications/{id}")).await;
    assert_eq!(text(&public, "h1"), "Local diplomacy report 2025");
    assert_eq!(hrefs(&public, ".files a").len(), 2);
    let list = Html::parse_document(&app.get_as("/tr/workspace/publications", &staff).await.body);
    assert!(hrefs(&list, "td a").contains(&path));

    // Removing the files, then unpublishing.
    for file in app.state.publications.get(&Actor::system("test"), PublicationId(id)).await.unwrap().files {
        let removed = app.form(&format!("{path}/files/{}/remove", file.id.0), Some(&staff), &[]).await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER);
    }
    assert!(hrefs(&app.page(&format!("/tr/publications/{id}")).await, ".files a").is_empty());
    let back = app.form(&format!("{path}/status"), Some(&staff), &[("status", "draft")]).await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&format!("/tr/publications/{id}")).await.status, StatusCode::NOT_FOUND);
}

async fn others_are_refused_in_the_workspace(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.user("auditor@mmu.org.tr", "auditor", "").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    let auditor = app.sign_in("auditor@mmu.org.tr").await;
    let id = published(&app, &input("report", "Rapor")).await;
    let path = format!("/tr/workspace/publications/{id}");

    // A representative: no list, no form, no writes; nothing changes.
    assert_eq!(app.get_as("/tr/workspace/publications", &rep).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get_as("/tr/workspace/publications/new", &rep).await.status, StatusCode::FORBIDDEN);
    let good = [("kind", "report"), ("title_tr", "X"), ("published_on", "2025-01-01"), ("language", "tr")];
    assert_eq!(app.form("/tr/workspace/publications/new", Some(&rep), &good).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.form(&path, Some(&rep), &good).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.form(&format!("{path}/status"), Some(&rep), &[("status", "draft")]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.request(upload(&format!("{path}/files"), Some(&rep), "", "x.pdf", PDF)).await.status,
        StatusCode::FORBIDDEN
    );
    // An auditor reads the workspace list but has no form to write with.
    let list = app.get_as("/tr/workspace/publications", &auditor).await;
    assert_eq!(list.status, StatusCode::OK);
    let page = Html::parse_document(&app.get_as(&path, &auditor).await.body);
    assert!(page.select(&sel("form[enctype='multipart/form-data'], #f-kind")).next().is_none());
    assert_eq!(app.form(&path, Some(&auditor), &good).await.status, StatusCode::FORBIDDEN);
    // Anonymous: sent to sign in, never served.
    assert_ne!(app.get("/tr/workspace/publications").await.status, StatusCode::OK);
    let anonymous = app.form("/tr/workspace/publications/new", None, &good).await;
    let location = anonymous.headers.get("location").map(|l| l.to_str().unwrap().to_owned()).unwrap_or_default();
    assert!(anonymous.status != StatusCode::SEE_OTHER || location.contains("/sign-in"), "{location}");

    let all = ldp_core::domain::PublicationFilter::default();
    let page = ldp_core::domain::Page::default();
    assert_eq!(app.state.publications.list(&Actor::system("test"), all, page).await.unwrap().total, 1, "none added");

    let stored = app.state.publications.get(&Actor::system("test"), PublicationId(id)).await.unwrap();
    assert_eq!((stored.publication.fields.title.tr.as_str(), stored.files.len()), ("Rapor", 1), "unchanged");
    assert_eq!(stored.publication.status, PublicationStatus::Published);
}

async fn the_api_reads_for_everyone_and_writes_for_staff(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let read_only = app.token("staff@mmu.org.tr", true).await;
    let rep = app.token("rep@nilufer.bel.tr", false).await;
    let body = serde_json::to_string(&input("guide", "Kardeş şehir rehberi")).unwrap();
    let json = |r: &crate::helpers::Reply| serde_json::from_str::<serde_json::Value>(&r.body).unwrap();

    assert_eq!(app.api("POST", "/api/v1/publications", None, Some(&body)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.api("POST", "/api/v1/publications", Some(&rep), Some(&body)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.api("POST", "/api/v1/publications", Some(&read_only), Some(&body)).await.status,
        StatusCode::FORBIDDEN
    );
    let bad =
        app.api("POST", "/api/v1/publications", Some(&staff), Some(r#"{"kind":"x","language":"zz","sdgs":"0"}"#)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let error = json(&bad);
    for field in ["kind", "language", "sdgs", "title_tr", "published_on"] {
        assert!(error["error"]["fields"][field].is_string(), "{field}: {}", bad.body);
    }
    assert!(error["error"]["code"].is_string() && error["error"]["message"].is_string());
    assert_eq!(app.api("POST", "/api/v1/publications", Some(&staff), Some("{")).await.status, StatusCode::BAD_REQUEST);
    let created = app.api("POST", "/api/v1/publications", Some(&staff), Some(&body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = json(&created)["id"].as_i64().unwrap();
    assert_eq!(json(&created)["status"], "draft");
    assert_eq!(json(&created)["published_on"], "2025-06-30");

    let show = format!("/api/v1/publications/{id}");
    assert_eq!(app.api("GET", &show, None, None).await.status, StatusCode::NOT_FOUND, "a draft is not public");
    assert_eq!(app.api("GET", &show, Some(&rep), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("GET", &show, Some(&staff), None).await.status, StatusCode::OK);
    assert_eq!(app.api("PUT", &show, Some(&rep), Some(&body)).await.status, StatusCode::NOT_FOUND);
    let mut edited = input("guide", "Kardeş şehir rehberi (2. baskı)");
    edited.language = Some("en".into());
    let edited = serde_json::to_string(&edited).unwrap();
    let saved = app.api("PUT", &show, Some(&staff), Some(&edited)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(json(&saved)["language"], "en");

    let status = format!("{show}/status");
    let publish = r#"{"status":"published"}"#;
    assert_eq!(app.api("POST", &status, None, Some(publish)).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.api("POST", &status, Some(&staff), Some(r#"{"status":"done"}"#)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(app.api("POST", &status, Some(&staff), Some(publish)).await.status, StatusCode::OK);
    assert_eq!(app.api("POST", &status, Some(&staff), Some(publish)).await.status, StatusCode::CONFLICT);
    assert_eq!(app.api("POST", &status, Some(&rep), Some(r#"{"status":"draft"}"#)).await.status, StatusCode::FORBIDDEN);

    let (code, one) = app.json(&show).await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(one["title"]["tr"], "Kardeş şehir rehberi (2. baskı)");
    assert!(one["files"].as_array().unwrap().is_empty());
    let (code, list) = app.json("/api/v1/publications?kind=guide&topic=sister_cities").await;
    assert_eq!(code, StatusCode::OK);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["id"], id);
    let (code, bad) = app.json("/api/v1/publications?year=soon&per_page=0&network=nope").await;
    assert_eq!(code, StatusCode::BAD_REQUEST);
    for field in ["year", "per_page", "network"] {
        assert!(bad["error"]["fields"][field].is_string(), "{field}: {bad}");
    }
    assert_eq!(app.api("GET", "/api/v1/publications/x", None, None).await.status, StatusCode::BAD_REQUEST);
}

async fn a_published_publication_shows_on_the_next_anonymous_get(db: TestDb) {
    let app = TestApp::cached(db).await;
    assert!(hrefs(&app.page("/tr/publications").await, ".publications a").is_empty());
    assert!(app.page("/tr/networks/iclei").await.select(&sel(".related-publications")).next().is_none());
    let id = published(&app, &input("bulletin", "Bülten")).await;
    assert_eq!(
        hrefs(&app.page("/tr/publications").await, ".publications h2 a"),
        vec![format!("/tr/publications/{id}")],
        "the cached list refreshed"
    );
    assert!(app.page("/tr/networks/iclei").await.select(&sel(".related-publications")).next().is_some());
}

async fn stored_text_comes_back_inert(db: TestDb) {
    let app = TestApp::new(db).await;
    let payload = "</script><script>alert(1)</script><img src=x onerror=alert(2)>";
    let mut evil = input("report", payload);
    evil.summary_tr = Some(payload.into());
    evil.authors = Some(payload.into());
    let id = published(&app, &evil).await;
    for uri in [format!("/tr/publications/{id}"), "/tr/publications".to_owned(), "/tr/networks/iclei".to_owned()] {
        let body = app.get(&uri).await.body;
        assert!(!body.contains("<script>alert") && !body.contains("<img src=x"), "{uri} shows the text inert");
    }
    let page = app.page(&format!("/tr/publications/{id}")).await;
    let ld: serde_json::Value = serde_json::from_str(&text(&page, "script[type='application/ld+json']")).unwrap();
    assert_eq!(ld["name"], payload, "the JSON-LD holds the text, escaped so it cannot close its element");
    assert_eq!(text(&page, "h1"), payload);
}

async fn the_feed_and_the_sitemap_carry_published_publications(db: TestDb) {
    let app = TestApp::cached(db).await;
    let before = app.get("/tr/publications/feed.atom").await;
    assert_eq!(before.status, StatusCode::OK);
    let id = published(&app, &input("report", "Kardeş şehirler & ağlar <2025> raporu")).await;
    let draft = app.state.publications.create(&Actor::system("test"), &input("guide", "Taslak rehber")).await.unwrap();
    // The cached feed follows the write; a draft stays out of the feed and the sitemap.
    let reply = app.get("/tr/publications/feed.atom").await;
    assert!(reply.headers[axum::http::header::CONTENT_TYPE].to_str().unwrap().starts_with("application/atom+xml"));
    let doc = roxmltree::Document::parse(&reply.body).expect("the feed is well-formed XML");
    let entries: Vec<_> = doc.descendants().filter(|n| n.tag_name().name() == "entry").collect();
    assert_eq!(entries.len(), 1, "{}", reply.body);
    let text = |name: &str| {
        entries[0].children().find(|c| c.tag_name().name() == name).and_then(|n| n.text()).unwrap_or("").to_owned()
    };
    assert_eq!(text("title"), "Kardeş şehirler & ağlar <2025> raporu");
    assert!(text("id").ends_with(&format!("/tr/publications/{id}")), "{}", text("id"));
    assert!(text("summary").starts_with("Rapor · Ayşe Yılmaz, Mehmet Öz"), "{}", text("summary"));
    let list = app.page("/tr/publications").await;
    assert_eq!(
        attr(&list, "link[rel=alternate][type='application/atom+xml']", "href").as_deref(),
        Some("/tr/publications/feed.atom")
    );
    let sitemap = app.get("/sitemap.xml").await.body;
    assert!(sitemap.contains(&format!("/tr/publications/{id}</loc>")), "the publication's page is listed");
    assert!(sitemap.contains(&format!("/en/publications/{id}</loc>")));
    assert!(!sitemap.contains(&format!("/publications/{}</loc>", draft.id.0)), "a draft is not");
}
