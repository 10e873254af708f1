//! News on the site: the home page's latest posts, a scheduled post hidden until its time and then shown by
//! the cached pages without a write, the post page with its schema.org `NewsArticle` and its image with alt
//! text, the workspace forms with errors beside their fields, and the API's roles.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use scraper::Html;
use time::Duration;

use ldp_core::domain::{Actor, NewsId};
use ldp_core::services::news::NewsInput;
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::{Browser, TestApp, attr, hrefs, text, texts};

both_backends!(seeded =>
    the_home_page_shows_the_latest_three_and_a_scheduled_post_at_its_time,
    the_post_page_describes_a_news_article_with_its_image_and_alt_text,
    the_workspace_writes_news_with_errors_beside_fields_and_refuses_others,
    the_api_reads_public_posts_and_lets_staff_write,
    hostile_text_in_a_post_comes_back_inert,
    the_feed_and_the_sitemap_take_a_scheduled_post_at_its_time,
);

/// The smallest bytes the upload accepts as a PNG (its signature; the content is not decoded).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

fn input(title_tr: &str, publish_at: &str) -> NewsInput {
    NewsInput {
        title_tr: Some(title_tr.into()),
        summary_tr: Some(format!("{title_tr} özeti")),
        body_tr: Some("## Ayrıntılar\n\nBir *paragraf*.\n\n<script>alert(1)</script>".into()),
        status: Some("published".into()),
        publish_at: Some(publish_at.into()),
        municipalities: Some("bursa-nilufer".into()),
        ..NewsInput::default()
    }
}

async fn post(app: &TestApp, title_tr: &str, publish_at: &str) -> i64 {
    app.state.news.create(&Actor::system("test"), &input(title_tr, publish_at)).await.unwrap().id.0
}

/// An image upload as the workspace form sends it (`multipart/form-data`).
fn upload(uri: &str, browser: &Browser, alt: (&str, &str), bytes: &[u8]) -> Request<Body> {
    const BOUNDARY: &str = "----ldp-news-3vQ9xk2T";
    let mut body = Vec::new();
    for (name, value) in [("csrf", browser.csrf.as_str()), ("image_alt_tr", alt.0), ("image_alt_en", alt.1)] {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n").as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"foto.png\"\r\n\
             Content-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    Request::post(uri)
        .header(header::CONTENT_TYPE, format!("multipart/form-data; boundary={BOUNDARY}"))
        .header(header::COOKIE, browser.cookie_header())
        .body(Body::from(body))
        .unwrap()
}

async fn the_home_page_shows_the_latest_three_and_a_scheduled_post_at_its_time(db: TestDb) {
    let app = TestApp::cached(db).await;
    // The test clock stands at 2026-11-28 10:00 UTC, 13:00 in Istanbul.
    let oldest = post(&app, "Birinci haber", "2026-11-20 10:00").await;
    let second = post(&app, "İkinci haber", "2026-11-21 10:00").await;
    let third = post(&app, "Üçüncü haber", "2026-11-22 10:00").await;
    let fourth = post(&app, "Dördüncü haber", "2026-11-27 10:00").await;
    let scheduled = post(&app, "Zamanlanmış haber", "2026-11-28 14:00").await;
    let draft = app
        .state
        .news
        .create(&Actor::system("test"), &NewsInput { status: Some("draft".into()), ..input("Taslak", "") })
        .await
        .unwrap()
        .id
        .0;

    let home = app.get("/tr/").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(!home.headers.contains_key("x-ldp-fresh-until"), "the cache's own header never leaves it");
    let html = Html::parse_document(&home.body);
    let expected: Vec<String> = [fourth, third, second].iter().map(|id| format!("/tr/news/{id}")).collect();
    let mut shown = hrefs(&html, ".home-news h3 a");
    assert_eq!(shown, expected, "the three latest public posts, newest first");
    assert!(hrefs(&html, ".home-news a").contains(&"/tr/news".to_owned()));
    let list = app.page("/tr/news").await;
    let listed = hrefs(&list, ".news h2 a");
    assert!(!listed.contains(&format!("/tr/news/{scheduled}")), "a scheduled post is not listed");
    assert!(!listed.contains(&format!("/tr/news/{draft}")), "nor a draft");
    assert_eq!(listed.len(), 4);
    assert!(listed.contains(&format!("/tr/news/{oldest}")));
    assert_eq!(app.get(&format!("/tr/news/{scheduled}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/tr/news/{draft}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/tr/news/nope").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/tr/news?page=x").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/tr/news?page=9").await.status, StatusCode::NOT_FOUND);
    // Kept pages answer again while nothing changes.
    assert_eq!(app.get("/tr/").await.body, home.body);

    // 14:00 in Istanbul comes without any write: the kept home page, list and 404 leave the cache.
    app.clock.advance(Duration::hours(1));
    let home = app.page("/tr/").await;
    shown = hrefs(&home, ".home-news h3 a");
    assert_eq!(shown[0], format!("/tr/news/{scheduled}"), "the post comes due on the kept home page");
    assert_eq!(shown.len(), 3);
    assert!(hrefs(&app.page("/tr/news").await, ".news h2 a").contains(&format!("/tr/news/{scheduled}")));
    assert_eq!(app.get(&format!("/tr/news/{scheduled}")).await.status, StatusCode::OK);
    let (status, json) = app.json("/api/v1/news").await;
    assert_eq!((status, json["total"].as_u64()), (StatusCode::OK, Some(5)));
    // What the cache answers is what a rendering with the cache off says.
    assert_eq!(app.get("/tr/").await.body, app.get_uncached("/tr/").await.body);
}

async fn the_post_page_describes_a_news_article_with_its_image_and_alt_text(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let id = post(&app, "Kardeş şehir ziyareti", "2026-11-27 09:30").await;
    let path = format!("/tr/workspace/news/{id}/image");

    // Not an image, or no alt text: refused beside the fields, nothing stored.
    let bad = app.request(upload(&path, &staff, ("", ""), b"%PDF-1.4\n%%EOF\n")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    let html = Html::parse_document(&bad.body);
    assert!(!text(&html, "#f-image-error").is_empty(), "the file's message");
    assert!(!text(&html, "#f-image_alt_tr-error").is_empty(), "the Turkish alt text is required");
    assert!(texts(&html, "#f-image_alt_en-error").is_empty(), "no English text, so no English alt text asked");
    let stored = app.state.news.get(&Actor::system("test"), NewsId(id)).await.unwrap();
    assert!(stored.image.is_none());

    let saved = app.request(upload(&path, &staff, ("Heyet belediye binası önünde", ""), PNG)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);

    let page = app.page(&format!("/tr/news/{id}")).await;
    assert_eq!(text(&page, "h1"), "Kardeş şehir ziyareti");
    assert!(texts(&page, ".prose script").is_empty(), "the body's HTML is sanitised");
    assert_eq!(text(&page, ".prose h2"), "Ayrıntılar");
    let src = attr(&page, ".news-image img", "src").expect("the image");
    assert_eq!(attr(&page, ".news-image img", "alt").as_deref(), Some("Heyet belediye binası önünde"));
    assert!(hrefs(&page, "aside a").contains(&"/tr/municipalities/bursa-nilufer".to_owned()));
    let (status, headers, bytes) = app.get_bytes(&src).await;
    assert_eq!((status, bytes.as_slice()), (StatusCode::OK, PNG));
    assert_eq!(headers[header::CONTENT_TYPE], "image/png");
    assert_eq!(app.get(&format!("/files/news/{id}/0000000000000000.png")).await.status, StatusCode::NOT_FOUND);

    let ld: serde_json::Value =
        serde_json::from_str(&text(&page, "script[type='application/ld+json']")).expect("JSON-LD");
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["headline"], "Kardeş şehir ziyareti");
    assert_eq!(ld["datePublished"], "2026-11-27T09:30:00+03:00", "Istanbul time");
    assert_eq!(ld["inLanguage"], "tr");
    assert!(ld["image"]["url"].as_str().unwrap().ends_with(&src));
    assert_eq!(ld["image"]["caption"], "Heyet belediye binası önünde");
    assert!(ld["url"].as_str().unwrap().ends_with(&format!("/tr/news/{id}")));

    // The English page of a post without English: the Turkish text, marked as such, with a notice.
    let en = app.page(&format!("/en/news/{id}")).await;
    assert_eq!(text(&en, "h1"), "Kardeş şehir ziyareti");
    assert_eq!(attr(&en, "article", "lang").as_deref(), Some("tr"));
    assert!(text(&en, ".notice").contains("English"));
    assert_eq!(attr(&en, ".news-image img", "alt").as_deref(), Some("Heyet belediye binası önünde"));
    let ld: serde_json::Value = serde_json::from_str(&text(&en, "script[type='application/ld+json']")).unwrap();
    assert_eq!(ld["inLanguage"], "tr");

    // Giving the post English asks for the English alt text, said above the post form.
    let edit = format!("/tr/workspace/news/{id}");
    let english = [("title_tr", "Kardeş şehir ziyareti"), ("title_en", "Sister-city visit"), ("status", "published")];
    let refused = app.form(&edit, Some(&staff), &english).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(!text(&Html::parse_document(&refused.body), ".form-message").is_empty());
}

async fn the_workspace_writes_news_with_errors_beside_fields_and_refuses_others(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("auditor@mmu.org.tr", "auditor", "").await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let auditor = app.sign_in("auditor@mmu.org.tr").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;

    for path in ["/tr/workspace/news", "/tr/workspace/news/new"] {
        assert_eq!(app.get_as(path, &rep).await.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(app.get_as("/tr/workspace/news", &auditor).await.status, StatusCode::OK);
    assert_eq!(app.get_as("/tr/workspace/news/new", &auditor).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/tr/workspace/news").await.status, StatusCode::SEE_OTHER, "signed out: to sign-in");
    let ok = [("title_tr", "Haber"), ("status", "draft")];
    assert_eq!(app.form("/tr/workspace/news/new", Some(&rep), &ok).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.form("/tr/workspace/news/new", Some(&auditor), &ok).await.status, StatusCode::FORBIDDEN);

    let bad = app
        .form(
            "/tr/workspace/news/new",
            Some(&staff),
            &[("title_tr", ""), ("publish_at", "yarın"), ("municipalities", "yok-boyle"), ("events", "12345")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&bad.body);
    for field in ["title_tr", "publish_at", "municipalities", "events"] {
        assert!(!text(&html, &format!("#f-{field}-error")).is_empty(), "{field} has its message");
    }
    assert_eq!(attr(&html, "#f-municipalities", "value").as_deref(), Some("yok-boyle"), "what was typed stays");

    // Scheduled for tomorrow 09:00 in Istanbul.
    let good = [
        ("title_tr", "Yerel Diplomasi Platformu toplandı"),
        ("body_tr", "Platform **toplandı**."),
        ("status", "published"),
        ("publish_at", "2026-11-29 09:00"),
        ("municipalities", "bursa-nilufer"),
    ];
    let created = app.form("/tr/workspace/news/new", Some(&staff), &good).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let location = created.headers["location"].to_str().unwrap().to_owned();
    let path = location.split('?').next().unwrap().to_owned();
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let page = Html::parse_document(&app.get_as(&location, &staff).await.body);
    assert_eq!(attr(&page, "#f-publish_at", "value").as_deref(), Some("2026-11-29 09:00"), "shown in Istanbul time");
    assert_eq!(text(&page, "p[role=status] .badge"), "Zamanlandı");
    assert_eq!(app.get(&format!("/tr/news/{id}")).await.status, StatusCode::NOT_FOUND, "not public yet");
    let list = Html::parse_document(&app.get_as("/tr/workspace/news", &auditor).await.body);
    assert!(hrefs(&list, "td a").contains(&format!("/tr/workspace/news/{id}")), "auditors see it");

    // Publishing now: an edit with the time in the past.
    let mut now = good.to_vec();
    now[3] = ("publish_at", "2026-11-28 12:00");
    assert_eq!(app.form(&path, Some(&rep), &now).await.status, StatusCode::NOT_FOUND, "hidden from others");
    assert_eq!(app.form(&path, Some(&auditor), &now).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.form(&path, Some(&staff), &now).await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.get(&format!("/tr/news/{id}")).await.status, StatusCode::OK);
    let mut forged = now.clone();
    forged.push(("csrf", "forged"));
    assert_eq!(app.form(&path, Some(&staff), &forged).await.status, StatusCode::FORBIDDEN, "CSRF is checked");
    let image = app.request(upload(&format!("{path}/image"), &rep, ("Bir görsel", ""), PNG)).await;
    assert_eq!(image.status, StatusCode::FORBIDDEN, "a representative may see the public post, not change it");
    assert!(app.state.news.get(&Actor::system("test"), NewsId(id)).await.unwrap().image.is_none());
}

async fn the_api_reads_public_posts_and_lets_staff_write(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("auditor@mmu.org.tr", "auditor", "").await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let read_only = app.token("staff@mmu.org.tr", true).await;
    let auditor = app.token("auditor@mmu.org.tr", false).await;
    let rep = app.token("rep@nilufer.bel.tr", false).await;

    let body =
        r#"{"title_tr":"API haberi","title_en":"API news","status":"published","publish_at":"2026-12-01 10:00"}"#;
    assert_eq!(app.api("POST", "/api/v1/news", None, Some(body)).await.status, StatusCode::UNAUTHORIZED);
    for token in [&rep, &auditor, &read_only] {
        assert_eq!(app.api("POST", "/api/v1/news", Some(token), Some(body)).await.status, StatusCode::FORBIDDEN);
    }
    let created = app.api("POST", "/api/v1/news", Some(&staff), Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let json: serde_json::Value = serde_json::from_str(&created.body).unwrap();
    assert_eq!(json["publish_at"], "2026-12-01T07:00:00Z", "Istanbul time in, UTC out");
    assert_eq!(json["status"], "published");
    let id = json["id"].as_i64().unwrap();

    let bad = app.api("POST", "/api/v1/news", Some(&staff), Some(r#"{"status":"soon","events":"x"}"#)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let error: serde_json::Value = serde_json::from_str(&bad.body).unwrap();
    assert_eq!(error["error"]["code"], "invalid_parameters");
    for field in ["title_tr", "status", "events"] {
        assert!(error["error"]["fields"][field].is_string(), "{field}: {error}");
    }
    assert_eq!(app.api("POST", "/api/v1/news", Some(&staff), Some("{")).await.status, StatusCode::BAD_REQUEST);

    // Scheduled: absent from the public list, 404 to the public, readable with a staff or auditor token.
    let (_, list) = app.json("/api/v1/news").await;
    assert_eq!(list["total"], 0);
    let show = format!("/api/v1/news/{id}");
    assert_eq!(app.api("GET", &show, None, None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("GET", &show, Some(&rep), None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("GET", &show, Some(&auditor), None).await.status, StatusCode::OK);
    assert_eq!(app.api("GET", "/api/v1/news/x", None, None).await.status, StatusCode::BAD_REQUEST);

    let edit = r#"{"title_tr":"API haberi","status":"published","publish_at":"2026-11-28 08:00"}"#;
    assert_eq!(app.api("PUT", &show, Some(&rep), Some(edit)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.api("PUT", &show, Some(&auditor), Some(edit)).await.status, StatusCode::FORBIDDEN);
    let saved = app.api("PUT", &show, Some(&staff), Some(edit)).await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    let (status, list) = app.json("/api/v1/news").await;
    assert_eq!((status, list["total"].as_u64()), (StatusCode::OK, Some(1)));
    assert_eq!(list["items"][0]["title"]["tr"], "API haberi");
    assert_eq!(list["items"][0]["title"]["en"], "", "the English title was taken away");
    assert!(list["items"][0]["image_url"].is_null());
    assert_eq!(app.api("GET", &show, None, None).await.status, StatusCode::OK);
}

/// Whether anything on `html` could run script: a `<script>` other than JSON-LD, an event-handler attribute,
/// a `javascript:` address, or a frame. (The body's Markdown may show an image; the sanitiser strips its
/// handlers.)
fn assert_inert(html: &Html, what: &str) {
    for element in html.root_element().descendants().filter_map(scraper::ElementRef::wrap) {
        let e = element.value();
        if e.name() == "script" {
            assert_eq!(e.attr("type"), Some("application/ld+json"), "{what}: a script element");
        }
        for (name, value) in e.attrs() {
            assert!(!name.starts_with("on"), "{what}: attribute {name} on <{}>", e.name());
            assert!(!value.trim_start().to_ascii_lowercase().starts_with("javascript:"), "{what}: {name}={value}");
        }
        assert!(!["iframe", "object", "embed", "svg"].contains(&e.name()), "{what}: <{}>", e.name());
    }
}

async fn hostile_text_in_a_post_comes_back_inert(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let title = "<script>alert(1)</script>";
    let alt = "'><svg/onload=alert(1)>";
    let hostile = NewsInput {
        title_tr: Some(title.into()),
        title_en: Some("x\" onmouseover=\"alert(1)\" data-x=\"".into()),
        summary_tr: Some("\"><img src=x onerror=alert(1)>".into()),
        body_tr: Some(
            "<img src=x onerror=alert(1)>\n\n[tıkla](javascript:alert(1)) </script><script>alert(1)</script>".into(),
        ),
        body_en: Some("<iframe src=\"https://example.org\"></iframe>{{7*7}}".into()),
        status: Some("published".into()),
        ..NewsInput::default()
    };
    let system = Actor::system("test");
    let id = app.state.news.create(&system, &hostile).await.unwrap().id;
    let alts = (Some(alt.to_owned()), Some(alt.to_owned()));
    app.state.news.attach_image(app.state.uploads.as_ref(), &system, id, PNG.to_vec(), alts).await.unwrap();

    for path in ["/tr/", "/en/", "/tr/news", "/en/news", &format!("/tr/news/{}", id.0), &format!("/en/news/{}", id.0)] {
        let html = app.page(path).await;
        assert_inert(&html, path);
    }
    let page = app.page(&format!("/tr/news/{}", id.0)).await;
    assert_eq!(text(&page, "h1"), title, "shown as text");
    assert_eq!(attr(&page, ".news-image img", "alt").as_deref(), Some(alt));
    let ld: serde_json::Value = serde_json::from_str(&text(&page, "script[type='application/ld+json']")).unwrap();
    assert_eq!(ld["headline"], title, "the JSON-LD holds the text whole without closing its element");
    for path in ["/tr/workspace/news".to_owned(), format!("/tr/workspace/news/{}", id.0)] {
        let reply = app.get_as(&path, &staff).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert_inert(&Html::parse_document(&reply.body), &path);
    }
}

async fn the_feed_and_the_sitemap_take_a_scheduled_post_at_its_time(db: TestDb) {
    let app = TestApp::cached(db).await;
    // The test clock stands at 2026-11-28 10:00 UTC, 13:00 in Istanbul.
    let public = post(&app, "Kardeş şehir & ağ <haberi>", "2026-11-27 10:00").await;
    let scheduled = post(&app, "Zamanlanmış haber", "2026-11-28 14:00").await;
    let entries = |body: &str| -> Vec<String> {
        let doc = roxmltree::Document::parse(body).expect("the feed is well-formed XML");
        doc.descendants()
            .filter(|n| n.tag_name().name() == "entry")
            .filter_map(|e| e.children().find(|c| c.tag_name().name() == "id").and_then(|i| i.text()))
            .map(str::to_owned)
            .collect()
    };
    let feed = app.get("/tr/news/feed.atom").await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(!feed.headers.contains_key("x-ldp-fresh-until"));
    let ids = entries(&feed.body);
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert!(ids[0].ends_with(&format!("/tr/news/{public}")));
    assert!(feed.body.contains("Kardeş şehir &amp; ağ &lt;haberi&gt;"), "{}", feed.body);
    let sitemap = app.get("/sitemap.xml").await.body;
    assert!(sitemap.contains(&format!("/tr/news/{public}</loc>")));
    assert!(!sitemap.contains(&format!("/news/{scheduled}</loc>")), "not before its time");
    let list = app.page("/tr/news").await;
    assert_eq!(
        attr(&list, "link[rel=alternate][type='application/atom+xml']", "href").as_deref(),
        Some("/tr/news/feed.atom")
    );
    // Its time comes without a write: the cached feed and sitemap take it.
    app.clock.set(ldp_core::clock::Clock::now(app.clock.as_ref()) + Duration::hours(2));
    let ids = entries(&app.get("/tr/news/feed.atom").await.body);
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids[0].ends_with(&format!("/tr/news/{scheduled}")), "the latest first: {ids:?}");
    assert!(app.get("/sitemap.xml").await.body.contains(&format!("/en/news/{scheduled}</loc>")));
}
