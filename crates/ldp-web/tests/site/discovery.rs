//! Discovery (issue 12): the sitemap with its language pairs, robots.txt, the events' Atom feed, the
//! OpenGraph tags of public pages and their schema.org JSON-LD, read back as a crawler or a feed reader
//! would, through the page cache.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use scraper::Html;

use ldp_core::domain::{Actor, EventId, EventStatus};
use ldp_core::services::events::EventInput;
use ldp_core::services::workspace::ProfileInput;
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::{Reply, TestApp, attr, text};

both_backends!(seeded =>
    the_sitemap_pairs_both_languages_and_shows_only_public_records,
    robots_txt_keeps_crawlers_out_of_private_sections_and_names_the_sitemap,
    the_events_feed_is_atom_in_the_page_language,
    public_pages_carry_absolute_open_graph_tags,
    json_ld_describes_the_union_and_each_municipality,
);

const ORIGIN: &str = "http://127.0.0.1:8080";
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";

fn input(title_tr: &str, title_en: &str) -> EventInput {
    EventInput {
        kind: Some("training".into()),
        title_tr: Some(title_tr.into()),
        title_en: Some(title_en.into()),
        summary_tr: Some("Dış ilişkiler personeli için".into()),
        summary_en: Some("For foreign-relations staff".into()),
        body_tr: Some("Birinci paragraf.".into()),
        topics: Some("diplomacy_protocol".into()),
        host: Some("bursa-nilufer".into()),
        online_url: Some("https://meet.example.org/protokol".into()),
        sessions: Some("2026-12-10 10:00-12:30".into()),
        languages: Some("tr".into()),
        organiser: Some("Marmara Belediyeler Birliği".into()),
        audience: Some("member_staff".into()),
        ..EventInput::default()
    }
}

async fn event(app: &TestApp, title_tr: &str, title_en: &str, publish: bool) -> i64 {
    let system = Actor::system("test");
    let e = app.state.events.create(&system, &input(title_tr, title_en)).await.expect("event saved");
    if publish {
        app.state.events.set_status(&system, e.id, EventStatus::Published).await.expect("published");
    }
    e.id.0
}

/// The first child element of `node` named `name`.
fn child<'a, 'i>(node: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    node.children().find(|c| c.tag_name().name() == name)
}

fn content_type(reply: &Reply) -> &str {
    reply.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// One `<url>` of a sitemap: its `loc`, whether it has a `lastmod`, and its alternates (hreflang, href).
struct SitemapUrl {
    loc: String,
    lastmod: bool,
    alternates: Vec<(String, String)>,
}

/// Each `<url>` of a sitemap.
fn urls(xml: &str) -> Vec<SitemapUrl> {
    let doc = roxmltree::Document::parse(xml).expect("the sitemap is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "urlset");
    assert_eq!(root.tag_name().namespace(), Some(SITEMAP_NS));
    root.children()
        .filter(|n| n.is_element())
        .map(|url| {
            assert_eq!(url.tag_name().namespace(), Some(SITEMAP_NS));
            let child = |name: &str| {
                url.children().find(|c| c.tag_name().name() == name && c.tag_name().namespace() == Some(SITEMAP_NS))
            };
            let loc = child("loc").and_then(|l| l.text()).expect("each url has a loc").to_owned();
            let links = url
                .children()
                .filter(|c| c.tag_name().name() == "link" && c.tag_name().namespace() == Some(XHTML_NS))
                .map(|l| {
                    assert_eq!(l.attribute("rel"), Some("alternate"));
                    (l.attribute("hreflang").unwrap().to_owned(), l.attribute("href").unwrap().to_owned())
                })
                .collect();
            SitemapUrl { loc, lastmod: child("lastmod").is_some(), alternates: links }
        })
        .collect()
}

async fn the_sitemap_pairs_both_languages_and_shows_only_public_records(db: TestDb) {
    let app = TestApp::cached(db).await;
    let published = event(&app, "Protokol eğitimi", "Protocol training", true).await;
    let draft = event(&app, "Taslak", "Draft", false).await;

    let reply = app.get("/sitemap.xml").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(content_type(&reply), "application/xml; charset=utf-8");
    let etag = reply.headers.get(header::ETAG).expect("kept by the page cache, with an ETag").clone();
    let all = urls(&reply.body);
    let locs: Vec<&str> = all.iter().map(|u| u.loc.as_str()).collect();
    for path in [
        "/",
        "/municipalities",
        "/municipalities/bursa-nilufer",
        "/networks",
        "/partnerships",
        "/sdgs/11",
        "/events",
        "/funding",
        "/contact",
        "/about",
        "/local-diplomacy",
    ] {
        for lang in ["tr", "en"] {
            assert!(locs.contains(&format!("{ORIGIN}/{lang}{path}").as_str()), "{lang}{path} is in the sitemap");
        }
    }
    assert!(locs.iter().any(|l| l.starts_with(&format!("{ORIGIN}/tr/partnerships/"))), "public relations are listed");
    assert!(locs.iter().any(|l| l.starts_with(&format!("{ORIGIN}/en/networks/"))));
    // Every address names both languages and the default, the pair pointing at each other.
    for SitemapUrl { loc, alternates: links, .. } in &all {
        assert_eq!(links.len(), 3, "{loc}");
        let find = |lang: &str| links.iter().find(|(l, _)| l == lang).map(|(_, h)| h.clone()).unwrap();
        let tr = find("tr");
        assert_eq!(find("en"), tr.replacen("/tr", "/en", 1), "{loc}");
        assert_eq!(find("x-default"), tr, "{loc}");
        assert!(loc == &tr || loc == &find("en"), "{loc} is one of its own alternates");
    }
    let event_url = all.iter().find(|u| u.loc == format!("{ORIGIN}/en/events/{published}")).expect("the event");
    assert!(event_url.lastmod, "the event's last change is given");
    assert!(!locs.iter().any(|l| l.ends_with(&format!("/events/{draft}"))), "a draft is not in the sitemap");
    assert_eq!(locs.len() % 2, 0);

    // Unchanged: the cache answers 304; a newly published event shows at once.
    let again = app
        .request(Request::get("/sitemap.xml").header(header::IF_NONE_MATCH, etag).body(Body::empty()).unwrap())
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let later = event(&app, "Yeni eğitim", "New training", true).await;
    let after = app.get("/sitemap.xml").await;
    assert!(after.body.contains(&format!("{ORIGIN}/tr/events/{later}</loc>")), "the cached sitemap refreshed");
    // The seeded site fits in one file: no index, no numbered files.
    assert_eq!(app.get("/sitemap-1.xml").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/sitemap-x.xml").await.status, StatusCode::NOT_FOUND);
}

async fn robots_txt_keeps_crawlers_out_of_private_sections_and_names_the_sitemap(db: TestDb) {
    let app = TestApp::configured(db, |c| c.accounts.public_url = "https://diplomasi.example.org/".into()).await;
    let reply = app.get("/robots.txt").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(content_type(&reply), "text/plain; charset=utf-8");
    assert!(reply.headers.contains_key(header::ETAG));
    let lines: Vec<&str> = reply.body.lines().collect();
    assert_eq!(lines[0], "User-agent: *");
    for rule in [
        "Allow: /",
        "Disallow: /tr/workspace",
        "Disallow: /en/workspace",
        "Disallow: /api/",
        "Disallow: /tr/sign-in",
        "Disallow: /en/sign-in",
        "Disallow: /tr/password-reset",
        "Disallow: /en/invitation",
        "Sitemap: https://diplomasi.example.org/sitemap.xml",
    ] {
        assert!(lines.contains(&rule), "{rule} in:\n{}", reply.body);
    }
    assert!(!lines.iter().any(|l| *l == "Disallow: /tr/events" || *l == "Disallow: /"), "public pages stay open");
    // The sitemap it names uses the same public address.
    let sitemap = app.get("/sitemap.xml").await;
    assert!(sitemap.body.contains("<loc>https://diplomasi.example.org/tr/</loc>"));
}

async fn the_events_feed_is_atom_in_the_page_language(db: TestDb) {
    let app = TestApp::cached(db).await;
    // Markup characters in a title are text to the feed, never XML.
    let id = event(&app, "Ar-Ge & İnovasyon <2027> eğitimi", "R&D <2027> training", true).await;
    let draft = event(&app, "Taslak eğitim", "Draft training", false).await;
    let cancelled = event(&app, "İptal edilen toplantı", "Cancelled meeting", true).await;
    app.state.events.set_status(&Actor::system("test"), EventId(cancelled), EventStatus::Cancelled).await.unwrap();

    let reply = app.get("/tr/events/feed.atom").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(content_type(&reply), "application/atom+xml; charset=utf-8");
    assert!(reply.headers.contains_key(header::ETAG));
    let doc = roxmltree::Document::parse(&reply.body).expect("the feed is well-formed XML");
    let feed = doc.root_element();
    assert_eq!((feed.tag_name().name(), feed.tag_name().namespace()), ("feed", Some(ATOM_NS)));
    assert_eq!(feed.attribute(("http://www.w3.org/XML/1998/namespace", "lang")), Some("tr"));
    assert_eq!(child(feed, "id").and_then(|i| i.text()), Some(format!("{ORIGIN}/tr/events/feed.atom").as_str()));
    assert!(child(feed, "updated").is_some());
    let self_link = feed.children().find(|c| c.tag_name().name() == "link" && c.attribute("rel") == Some("self"));
    assert_eq!(self_link.and_then(|l| l.attribute("href")), Some(format!("{ORIGIN}/tr/events/feed.atom").as_str()));
    let entries: Vec<_> = feed.children().filter(|c| c.tag_name().name() == "entry").collect();
    let ids: Vec<&str> = entries.iter().filter_map(|e| child(*e, "id").and_then(|i| i.text())).collect();
    let url = format!("{ORIGIN}/tr/events/{id}");
    assert!(ids.contains(&url.as_str()), "{ids:?}");
    assert!(ids.contains(&format!("{ORIGIN}/tr/events/{cancelled}").as_str()), "a cancellation is news too");
    assert!(!ids.iter().any(|i| i.ends_with(&format!("/events/{draft}"))), "drafts stay out");
    let entry = entries.iter().find(|e| child(**e, "id").and_then(|i| i.text()) == Some(url.as_str())).unwrap();
    assert_eq!(child(*entry, "title").and_then(|t| t.text()), Some("Ar-Ge & İnovasyon <2027> eğitimi"));
    assert_eq!(child(*entry, "link").and_then(|l| l.attribute("href")), Some(url.as_str()));
    let summary = child(*entry, "summary").and_then(|s| s.text()).unwrap_or("");
    assert!(summary.contains("10:00") && summary.contains("Dış ilişkiler personeli için"), "{summary}");
    let updated = child(*entry, "updated").and_then(|u| u.text()).unwrap();
    time::OffsetDateTime::parse(updated, &time::format_description::well_known::Rfc3339).expect("RFC 3339");
    let cancelled_entry = entries
        .iter()
        .find(|e| child(**e, "id").and_then(|i| i.text()).is_some_and(|i| i.ends_with(&format!("/{cancelled}"))))
        .unwrap();
    assert!(child(*cancelled_entry, "summary").and_then(|s| s.text()).unwrap().starts_with("İptal"));

    // The English feed speaks English; the events page names its feed.
    let en = app.get("/en/events/feed.atom").await;
    let doc = roxmltree::Document::parse(&en.body).unwrap();
    let titles: Vec<&str> =
        doc.descendants().filter(|n| n.tag_name().name() == "title").filter_map(|n| n.text()).collect();
    assert!(titles.contains(&"R&D <2027> training"), "{titles:?}");
    let page = app.page("/tr/events").await;
    assert_eq!(
        attr(&page, "link[rel=alternate][type='application/atom+xml']", "href").as_deref(),
        Some("/tr/events/feed.atom")
    );
}

async fn public_pages_carry_absolute_open_graph_tags(db: TestDb) {
    let app = TestApp::new(db).await;
    let id = event(&app, "Protokol eğitimi", "Protocol training", true).await;
    let meta = |html: &Html, property: &str| {
        attr(html, &format!("meta[property='{property}'], meta[name='{property}']"), "content")
            .unwrap_or_else(|| panic!("{property} is set"))
    };
    let event_page = format!("/en/events/{id}");
    for (path, locale, alternate) in [
        ("/tr/", "tr_TR", "en_US"),
        ("/en/", "en_US", "tr_TR"),
        ("/tr/municipalities/bursa-nilufer", "tr_TR", "en_US"),
        ("/en/networks", "en_US", "tr_TR"),
        ("/tr/partnerships?province=16", "tr_TR", "en_US"),
        (event_page.as_str(), "en_US", "tr_TR"),
    ] {
        let html = app.page(path).await;
        assert_eq!(meta(&html, "og:url"), format!("{ORIGIN}{path}"), "{path}");
        assert_eq!(meta(&html, "og:locale"), locale);
        assert_eq!(meta(&html, "og:locale:alternate"), alternate);
        assert_eq!(meta(&html, "og:type"), "website");
        assert!(
            ["Yerel Diplomasi Platformu", "Local Diplomacy Platform"].contains(&meta(&html, "og:site_name").as_str())
        );
        assert!(!meta(&html, "og:title").is_empty() && !meta(&html, "og:description").is_empty(), "{path}");
        assert_eq!(meta(&html, "og:description"), meta(&html, "description"), "{path}");
        assert_eq!(meta(&html, "twitter:card"), "summary");
    }
    let html = app.page(&event_page).await;
    assert_eq!(meta(&html, "og:title"), "Protocol training");
    assert_eq!(meta(&html, "og:description"), "For foreign-relations staff", "the event's own summary");
    let html = app.page("/tr/municipalities/bursa-nilufer").await;
    assert_eq!(meta(&html, "og:title"), "Nilüfer Belediyesi");
    assert!(meta(&html, "og:description").contains("Bursa"), "what and where: {}", meta(&html, "og:description"));
}

async fn json_ld_describes_the_union_and_each_municipality(db: TestDb) {
    let app = TestApp::new(db).await;
    let ld = |html: &Html| -> serde_json::Value {
        serde_json::from_str(&text(html, "script[type='application/ld+json']")).expect("JSON-LD parses")
    };
    let home = ld(&app.page("/tr/").await);
    assert_eq!(home["@context"], "https://schema.org");
    assert_eq!(home["@type"], "Organization");
    assert_eq!(home["name"], "Marmara Belediyeler Birliği");
    assert_eq!(home["url"], "https://marmara.gov.tr");
    let same_as: Vec<&str> = home["sameAs"].as_array().expect("sameAs").iter().filter_map(|v| v.as_str()).collect();
    assert!(same_as.iter().all(|u| u.starts_with("https://") && !u.contains("marmara.gov.tr")), "{same_as:?}");
    assert!(same_as.iter().any(|u| u.contains("wikipedia.org")), "{same_as:?}");
    assert_eq!(ld(&app.page("/en/").await)["name"], "Marmara Municipalities Union");

    let page = ld(&app.page("/tr/municipalities/bursa-nilufer").await);
    assert_eq!(page["@type"], "GovernmentOrganization");
    assert_eq!(page["name"], "Nilüfer Belediyesi");
    assert_eq!(page["address"]["addressLocality"], "Nilüfer");
    assert_eq!(page["address"]["addressRegion"], "Bursa");
    assert_eq!(page["memberOf"]["name"], "Marmara Belediyeler Birliği");
    assert!(page.get("url").is_none(), "no website recorded yet");
    let metropolitan = ld(&app.page("/en/municipalities/bursa").await);
    assert_eq!(metropolitan["name"], "Bursa Metropolitan Municipality");
    assert_eq!(metropolitan["address"]["addressLocality"], "Bursa");

    // The website its profile records becomes its url.
    let profile = ProfileInput { website: Some("https://www.nilufer.bel.tr".into()), ..ProfileInput::default() };
    app.state.workspace.update_profile(&Actor::system("test"), "bursa-nilufer", &profile).await.expect("profile saved");
    let page = ld(&app.page("/tr/municipalities/bursa-nilufer").await);
    assert_eq!(page["url"], "https://www.nilufer.bel.tr");
}
