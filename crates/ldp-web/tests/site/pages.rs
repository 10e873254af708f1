//! Public pages in both languages.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use scraper::Html;

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    every_page_answers_in_both_languages_with_its_heading,
    the_root_redirects_by_accept_language,
    the_language_switch_keeps_the_reader_on_the_same_page,
    the_networks_list_shows_the_union_memberships,
    a_network_page_shows_aims_facts_with_dates_and_membership,
    the_municipality_list_is_in_turkish_order_and_paginated,
    municipality_filters_narrow_the_list_and_keep_the_form,
    bad_filters_re_render_the_form_with_messages,
    pages_past_the_end_are_not_found,
    a_municipality_page_links_its_province_and_districts,
    a_goal_page_lists_its_targets,
    unknown_pages_are_translated_404s,
    typed_text_is_escaped_when_echoed,
    pages_are_accessible_landmarks_with_labels,
);

/// Every page kind, with the heading it must show, in Turkish and English.
const PAGES: &[(&str, &str, &str)] = &[
    ("/", "Yerel diplomasi için ortak çalışma alanı", "A shared workspace for local diplomacy"),
    ("/local-diplomacy", "Yerel Diplomasi", "Local Diplomacy"),
    ("/networks", "Uluslararası ağlar", "International networks"),
    ("/networks/uclg-mewa", "Birleşmiş Kentler", "United Cities and Local Governments"),
    ("/municipalities", "Belediyeler", "Municipalities"),
    ("/municipalities/istanbul-kadikoy", "Kadıköy Belediyesi", "Kadıköy Municipality"),
    ("/municipalities/bursa", "Bursa Büyükşehir Belediyesi", "Bursa Metropolitan Municipality"),
    ("/sdgs", "Sürdürülebilir Kalkınma Amaçları", "Sustainable Development Goals"),
    ("/sdgs/11", "Sürdürülebilir Şehirler ve Topluluklar", "Sustainable cities and communities"),
    ("/data-sources", "Veri kaynakları", "Data sources"),
];

async fn every_page_answers_in_both_languages_with_its_heading(db: TestDb) {
    let app = TestApp::new(db).await;
    for (path, tr, en) in PAGES {
        for (lang, heading) in [("tr", tr), ("en", en)] {
            let uri = format!("/{lang}{path}");
            let reply = app.get(&uri).await;
            assert_eq!(reply.status, StatusCode::OK, "{uri}");
            assert_eq!(reply.headers[header::CONTENT_LANGUAGE], lang, "{uri}");
            let html = Html::parse_document(&reply.body);
            assert_eq!(attr(&html, "html", "lang").as_deref(), Some(lang), "{uri}");
            let h1 = text(&html, "main h1");
            assert!(h1.to_lowercase().contains(&heading.to_lowercase()), "{uri}: h1 {h1:?} lacks {heading:?}");
            assert_eq!(texts(&html, "h1").len(), 1, "{uri}: one h1");
            let start: String = h1.chars().take(10).collect();
            assert!(text(&html, "title").contains(&start), "{uri}: title names the page");
            // The footer attributes the reference data on every page.
            assert!(text(&html, "footer").contains("GeoNames"), "{uri}");
        }
    }
}

async fn the_root_redirects_by_accept_language(db: TestDb) {
    let app = TestApp::new(db).await;
    for (accept, target) in [
        (Some("en-GB,en;q=0.9"), "/en/"),
        (Some("tr-TR,tr;q=0.9,en;q=0.8"), "/tr/"),
        (Some("de-DE,de;q=0.9"), "/tr/"),
        (None, "/tr/"),
    ] {
        let mut req = Request::get("/");
        if let Some(a) = accept {
            req = req.header(header::ACCEPT_LANGUAGE, a);
        }
        let reply = app.request(req.body(Body::empty()).unwrap()).await;
        assert!(reply.status.is_redirection(), "{accept:?}");
        assert_eq!(reply.headers[header::LOCATION], target, "{accept:?}");
        assert_eq!(reply.headers[header::VARY], "accept-language");
    }
    let reply = app.get("/en").await;
    assert_eq!(reply.headers[header::LOCATION], "/en/");
}

async fn the_language_switch_keeps_the_reader_on_the_same_page(db: TestDb) {
    let app = TestApp::new(db).await;
    // The query comes back with its parameters sorted: the page cache answers every order with one entry.
    let html = app.page("/tr/municipalities?province=16&kind=district&page=1").await;
    assert_eq!(
        attr(&html, "a.lang-switch", "href").as_deref(),
        Some("/en/municipalities?kind=district&page=1&province=16")
    );
    assert_eq!(attr(&html, "a.lang-switch", "hreflang").as_deref(), Some("en"));
    let html = app.page("/en/networks/alda").await;
    assert_eq!(attr(&html, "a.lang-switch", "href").as_deref(), Some("/tr/networks/alda"));
    let html = app.page("/en/").await;
    assert_eq!(attr(&html, "a.lang-switch", "href").as_deref(), Some("/tr/"));
    // Following the switch lands on the same page in the other language.
    let switched = app.page("/tr/networks/alda").await;
    assert_eq!(text(&switched, "main h1"), "Avrupa Yerel Demokrasi Birliği");
}

async fn the_networks_list_shows_the_union_memberships(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/en/networks").await;
    let names = texts(&html, "main .card h2");
    assert_eq!(names.len(), 8);
    assert!(names[0].contains("AEBR") && names[7].contains("UCLG-MEWA"), "{names:?}");
    let facts = texts(&html, "main .card");
    let nalas = facts.iter().find(|t| t.contains("NALAS")).unwrap();
    assert!(nalas.contains("Member since 2008"), "{nalas}");
    let links = hrefs(&html, "main .card h2 a");
    assert!(links.contains(&"/en/networks/energy-cities".to_owned()));
}

async fn a_network_page_shows_aims_facts_with_dates_and_membership(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/tr/networks/alda").await;
    assert!(text(&html, ".membership").contains("2017"));
    assert!(text(&html, "aside .facts").contains("Strazburg, Fransa"), "headquarters with the country's name");
    assert!(!text(&html, "#aims-title + p").is_empty());
    let rows = texts(&html, "main table tbody tr");
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.contains("Kasım 2026")), "facts carry their as-of date: {rows:?}");
    assert_eq!(attr(&html, "main table time", "datetime").as_deref(), Some("2026-11-28"));
    let en = app.page("/en/networks/alda").await;
    assert!(texts(&en, "main table tbody tr").iter().all(|r| r.contains("November 2026")));
}

async fn the_municipality_list_is_in_turkish_order_and_paginated(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/tr/municipalities?kind=provincial").await;
    let names = texts(&html, "table.municipalities tbody th");
    assert_eq!(
        names,
        [
            "Bilecik Belediyesi",
            "Çanakkale Belediyesi",
            "Edirne Belediyesi",
            "Kırklareli Belediyesi",
            "Yalova Belediyesi"
        ]
    );
    let html = app.page("/tr/municipalities?kind=metropolitan").await;
    let names = texts(&html, "table.municipalities tbody th");
    let pos = |n: &str| names.iter().position(|x| x.starts_with(n)).unwrap();
    assert!(pos("Bursa") < pos("İstanbul") && pos("İstanbul") < pos("Kocaeli"), "{names:?}");

    let first = app.page("/tr/municipalities").await;
    assert_eq!(texts(&first, "table.municipalities tbody tr").len(), 25);
    assert_eq!(text(&first, ".result-count strong"), "164");
    assert_eq!(attr(&first, ".pagination a[aria-current=page]", "href").as_deref(), Some("/tr/municipalities"));
    assert_eq!(attr(&first, ".pagination a[rel=next]", "href").as_deref(), Some("/tr/municipalities?page=2"));
    let last = app.page("/tr/municipalities?page=7").await;
    assert_eq!(texts(&last, "table.municipalities tbody tr").len(), 14);
    assert!(attr(&last, ".pagination a[rel=next]", "href").is_none());
    // Page 2 continues where page 1 stopped, in order.
    let second = app.page("/tr/municipalities?page=2").await;
    let a = texts(&first, "table.municipalities tbody th");
    let b = texts(&second, "table.municipalities tbody th");
    assert!(a.iter().all(|n| !b.contains(n)));
}

async fn municipality_filters_narrow_the_list_and_keep_the_form(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/en/municipalities?province=34&kind=district").await;
    assert_eq!(text(&html, ".result-count strong"), "39");
    assert_eq!(attr(&html, "#f-province option[selected]", "value").as_deref(), Some("34"));
    assert_eq!(attr(&html, "#f-kind option[selected]", "value").as_deref(), Some("district"));
    assert_eq!(
        attr(&html, ".pagination a[rel=next]", "href").as_deref(),
        Some("/en/municipalities?province=34&kind=district&page=2")
    );
    let html = app.page("/en/municipalities?q=ISTANBUL").await;
    assert_eq!(texts(&html, "table.municipalities tbody th"), ["İstanbul Metropolitan Municipality"]);
    assert_eq!(attr(&html, "#f-q", "value").as_deref(), Some("ISTANBUL"));
    let html = app.page("/en/municipalities?q=zzzz").await;
    assert_eq!(text(&html, ".empty"), "No municipality matches these filters.");
}

async fn bad_filters_re_render_the_form_with_messages(db: TestDb) {
    let app = TestApp::new(db).await;
    let reply = app.get("/en/municipalities?province=99&kind=village&q=kad").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&reply.body);
    assert_eq!(text(&html, "#f-province-error"), "Unknown province code.");
    assert_eq!(text(&html, "#f-kind-error"), "The kind must be metropolitan, provincial or district.");
    assert_eq!(attr(&html, "#f-province", "aria-invalid").as_deref(), Some("true"));
    assert_eq!(attr(&html, "#f-q", "value").as_deref(), Some("kad"), "what the user typed stays");
    assert!(texts(&html, "table.municipalities").is_empty());
    for bad in ["page=0", "page=-1", "page=abc"] {
        let reply = app.get(&format!("/tr/municipalities?{bad}")).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{bad}");
        assert!(reply.body.contains("Sayfa numarası"), "{bad}");
    }
}

async fn pages_past_the_end_are_not_found(db: TestDb) {
    let app = TestApp::new(db).await;
    assert_eq!(app.get("/tr/municipalities?page=8").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/tr/municipalities?province=77&page=2").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/tr/municipalities?province=77&page=1").await.status, StatusCode::OK);
}

async fn a_municipality_page_links_its_province_and_districts(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/en/municipalities/yalova").await;
    assert_eq!(texts(&html, "#districts-title").len(), 1);
    let districts = hrefs(&html, "main ul.columns a");
    assert_eq!(districts.len(), 5, "Yalova's six districts less the central one, which the province serves");
    assert!(districts.contains(&"/en/municipalities/yalova-cinarcik".to_owned()), "{districts:?}");
    let html = app.page("/en/municipalities/istanbul-kadikoy").await;
    assert!(hrefs(&html, "main a").contains(&"/en/municipalities/istanbul".to_owned()));
    assert!(text(&html, "main .facts").contains("Population"));
    // Kadıköy's GeoNames point is a stand-in outside the district, and the page says so.
    assert!(text(&html, "main .facts").contains("approximate"));
    let own_seat = app.page("/en/municipalities/bursa-inegol").await;
    assert!(!text(&own_seat, "main .facts").contains("approximate"));
    assert_eq!(app.get("/tr/municipalities/yalova-merkez").await.status, StatusCode::NOT_FOUND);
}

async fn a_goal_page_lists_its_targets(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/tr/sdgs/11").await;
    let codes = texts(&html, "ol.targets .code");
    assert_eq!(codes.len(), 10);
    assert_eq!(codes.first().map(String::as_str), Some("11.1"));
    assert_eq!(codes.last().map(String::as_str), Some("11.c"));
    assert_eq!(attr(&html, "a[rel=next]", "href").as_deref(), Some("/tr/sdgs/12"));
    let list = app.page("/en/sdgs").await;
    assert_eq!(texts(&list, "ol.goals li").len(), 17);
    assert!(attr(&list, "ol.goals li .goal-number", "class").unwrap().contains("sdg-1"));
}

async fn unknown_pages_are_translated_404s(db: TestDb) {
    let app = TestApp::new(db).await;
    for (uri, heading) in [
        ("/tr/networks/nope", "Sayfa bulunamadı"),
        ("/en/networks/nope", "Page not found"),
        ("/en/municipalities/ankara", "Page not found"),
        ("/tr/sdgs/18", "Sayfa bulunamadı"),
        ("/tr/sdgs/abc", "Sayfa bulunamadı"),
        ("/en/no-such-page", "Page not found"),
        ("/fr/networks", "Sayfa bulunamadı"),
        ("/nothing/here/at/all", "Sayfa bulunamadı"),
    ] {
        let reply = app.get(uri).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
        let html = Html::parse_document(&reply.body);
        assert_eq!(text(&html, "main h1"), heading, "{uri}");
        assert_eq!(texts(&html, "nav.main-nav a").len(), 10, "{uri}: the error page keeps the navigation");
    }
}

async fn typed_text_is_escaped_when_echoed(db: TestDb) {
    let app = TestApp::new(db).await;
    let reply = app.get("/en/municipalities?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%3E").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.body.contains("<script>alert(1)</script>"));
    let html = Html::parse_document(&reply.body);
    assert_eq!(attr(&html, "#f-q", "value").as_deref(), Some("<script>alert(1)</script>\">"));
    assert!(texts(&html, "script").is_empty(), "no script element anywhere");
}

async fn pages_are_accessible_landmarks_with_labels(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/tr/municipalities").await;
    assert_eq!(texts(&html, "header").len(), 1);
    assert_eq!(texts(&html, "main#main").len(), 1);
    assert_eq!(texts(&html, "footer").len(), 1);
    assert_eq!(attr(&html, "a.skip", "href").as_deref(), Some("#main"));
    assert!(attr(&html, "nav.main-nav", "aria-label").is_some());
    for id in ["f-q", "f-province", "f-kind"] {
        assert_eq!(texts(&html, &format!("label[for={id}]")).len(), 1, "{id} has a label");
    }
    assert_eq!(attr(&html, "nav.main-nav a[aria-current=page]", "href").as_deref(), Some("/tr/municipalities"));
}
