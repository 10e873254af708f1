//! Reading on phones and the map (issue 9, items 13 and 14): the compact menu, lists that stack into cards,
//! the map's two views, its labels, key and paged table, and the home page's way to it.

use axum::http::StatusCode;

use ldp_core::domain::partnership::{PartnershipFilter, PartnershipQuery};
use ldp_core::domain::{Actor, Page};
use ldp_core::services::partnerships::{NewPartnershipInput, PartnershipSettings, Partnerships};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    the_map_draws_an_arc_per_filtered_relation_with_a_table,
    the_map_opens_on_europe_with_the_world_beside_it,
    partner_countries_are_labelled_with_their_counts_and_listed_under_a_key,
    the_table_under_the_map_is_paged_with_a_show_all_link,
    the_map_explains_itself_in_plain_words,
    the_home_page_counts_the_public_relations_and_leads_to_the_map,
    every_page_has_a_menu_that_folds_into_details,
    long_lists_name_each_value_for_their_phone_cards,
);

fn sel(selector: &str) -> scraper::Selector {
    scraper::Selector::parse(selector).unwrap()
}

fn service(app: &TestApp) -> Partnerships {
    Partnerships::new(app.db.shared(), app.clock.clone(), PartnershipSettings::default())
}

/// How many public relations have a partner in `country`.
async fn relations_in(app: &TestApp, country: &str) -> u64 {
    let query = PartnershipQuery { country: Some(country.into()), ..Default::default() };
    let filter = PartnershipFilter::parse(&query).unwrap();
    service(app).list(&filter, Page::first(1)).await.unwrap().total
}

async fn the_map_draws_an_arc_per_filtered_relation_with_a_table(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/en/map?municipality=bursa&all=1").await;
    let arcs = texts(&html, "svg .arcs path");
    let rows = texts(&html, "table.partnerships tbody tr");
    assert!(!arcs.is_empty());
    assert_eq!(arcs.len(), rows.len(), "the whole table is the map's text alternative");
    assert!(rows.iter().all(|r| r.starts_with("Bursa –")), "{rows:?}");
    assert_eq!(texts(&html, "svg .countries path").len(), 177);
    assert!(attr(&html, "svg", "role").as_deref() == Some("img"));
    assert!(texts(&html, "svg .countries path.partner").len() > 5, "partner countries are shaded");
    let all = app.page("/en/map").await;
    assert_eq!(texts(&all, "svg .arcs path").len(), 429);
    let none = app.page("/tr/map?country=AQ").await;
    assert!(texts(&none, "svg .arcs path").is_empty());
}

async fn the_map_opens_on_europe_with_the_world_beside_it(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/tr/map").await;
    let views = texts(&html, "svg.map-view > title");
    assert_eq!(views, ["Kardeş şehir haritası: Avrupa ve Orta Doğu", "Kardeş şehir haritası: Dünya"]);
    // Europe and the Middle East: from the Atlantic (12° W) to Central Asia (72° E), 20° N to 66° N.
    assert_eq!(attr(&html, "svg.map-view.europe", "viewBox").as_deref(), Some("466.7 66.7 233.3 127.8"));
    assert_eq!(attr(&html, "svg.map-view.europe", "preserveAspectRatio").as_deref(), Some("xMidYMid slice"));
    assert_eq!(attr(&html, "svg.map-view.world", "viewBox").as_deref(), Some("0.0 16.7 1000.0 394.4"));
    // The world view draws the same shapes and arcs by reference, so they are sent once.
    let used: Vec<String> =
        html.select(&sel("svg.map-view.world use")).filter_map(|u| u.value().attr("href").map(str::to_owned)).collect();
    assert_eq!(used, ["#wm-countries", "#wm-arcs", "#wm-partners", "#wm-members"]);
    for id in &used {
        assert_eq!(html.select(&sel(&format!("svg.map-view.europe g{id}"))).count(), 1, "{id} is drawn once");
    }
    assert_eq!(texts(&html, "svg.map-view.world path").len(), 0);
}

async fn partner_countries_are_labelled_with_their_counts_and_listed_under_a_key(db: TestDb) {
    let app = TestApp::new(db).await;
    let (germany, north_cyprus, korea) =
        (relations_in(&app, "DE").await, relations_in(&app, "XN").await, relations_in(&app, "KR").await);
    assert!(germany > 0 && north_cyprus > 0 && korea > 0);
    let tr = app.page("/tr/map").await;
    let wide = texts(&tr, "svg.europe .labels.wide text");
    assert!(wide.contains(&format!("Almanya {germany}")), "{wide:?}");
    assert!(wide.contains(&format!("Kuzey Kıbrıs Türk Cumhuriyeti {north_cyprus}")), "{wide:?}");
    assert!(!wide.iter().any(|l| l.starts_with("Güney Kore")), "Korea is outside the Europe view: {wide:?}");
    let narrow = texts(&tr, "svg.europe .labels.narrow text");
    assert!(!narrow.is_empty() && narrow.len() <= wide.len(), "fewer, larger labels for phones: {narrow:?}");
    let world = texts(&tr, "svg.world .labels text");
    assert!(world.contains(&format!("Güney Kore {korea}")), "{world:?}");
    assert!(!world.iter().any(|l| l.starts_with("Almanya")), "the world view labels what the Europe view cannot");
    let en = app.page("/en/map").await;
    assert!(texts(&en, "svg.europe .labels.wide text").contains(&format!("Germany {germany}")));
    assert!(texts(&en, "svg.world .labels text").contains(&format!("South Korea {korea}")));
    // The key names each mark; the list gives every partner country with its count, keeping the filters.
    assert_eq!(texts(&tr, ".map-legend .legend li").len(), 4);
    let listed = texts(&tr, ".map-countries li");
    let counted: u64 = listed.iter().map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap()).sum();
    assert_eq!(counted, 429, "every relation on the map is counted once: {listed:?}");
    assert_eq!(listed[0], "Bosna Hersek 43", "the most relations first");
    let bursa = app.page("/tr/map?municipality=bursa").await;
    let hrefs = hrefs(&bursa, ".map-countries a");
    assert!(!hrefs.is_empty() && hrefs.iter().all(|h| h.starts_with("/tr/partnerships?municipality=bursa&country=")));
}

async fn the_table_under_the_map_is_paged_with_a_show_all_link(db: TestDb) {
    let app = TestApp::new(db).await;
    let first = app.page("/tr/map").await;
    let rows = texts(&first, "table.partnerships tbody tr");
    assert_eq!(rows.len(), 25);
    assert_eq!(text(&first, "#map-table-title"), "Haritadaki ilişkiler (429)");
    assert_eq!(attr(&first, "a.show-all", "href").as_deref(), Some("/tr/map?all=1#map-table-title"));
    assert_eq!(attr(&first, ".pagination a[rel=next]", "href").as_deref(), Some("/tr/map?page=2#map-table-title"));
    let second = app.page("/tr/map?page=2").await;
    let next = texts(&second, "table.partnerships tbody tr");
    assert_eq!(next.len(), 25);
    assert!(next.iter().all(|r| !rows.contains(r)), "page 2 lists other relations");
    assert_eq!(texts(&second, "svg .arcs path").len(), 429, "the map draws them all on every page");
    let all = app.page("/tr/map?all=1").await;
    assert_eq!(texts(&all, "table.partnerships tbody tr").len(), 429);
    assert_eq!(attr(&all, "a.show-paged", "href").as_deref(), Some("/tr/map#map-table-title"));
    assert!(texts(&all, ".pagination").is_empty() && texts(&all, "a.show-all").is_empty());
    let filtered = app.page("/en/map?province=34").await;
    assert_eq!(
        attr(&filtered, ".pagination a[rel=next]", "href").as_deref(),
        Some("/en/map?province=34&page=2#map-table-title")
    );
    assert_eq!(app.get("/tr/map?page=99").await.status, StatusCode::NOT_FOUND);
    let bad = app.get("/tr/map?page=x").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("field-error") || bad.body.contains("errors"), "{}", bad.body);
}

async fn the_map_explains_itself_in_plain_words(db: TestDb) {
    let app = TestApp::new(db).await;
    let tr = app.get("/tr/map").await.body.to_lowercase();
    for jargon in ["büyük daire", "eşdikdörtgen", "izdüşüm"] {
        assert!(!tr.contains(jargon), "{jargon}");
    }
    assert!(tr.contains("en kısa yol"));
    let en = app.get("/en/map").await.body.to_lowercase();
    for jargon in ["great-circle", "great circle", "equirectangular", "projection"] {
        assert!(!en.contains(jargon), "{jargon}");
    }
}

async fn the_home_page_counts_the_public_relations_and_leads_to_the_map(db: TestDb) {
    let app = TestApp::new(db).await;
    let home = app.page("/tr/").await;
    assert_eq!(text(&home, ".stats a.stat-links strong"), "429");
    assert_eq!(attr(&home, ".stats a.stat-links", "href").as_deref(), Some("/tr/map"));
    assert!(text(&home, ".stats a.stat-links").ends_with("kardeş şehir ve iş birliği ilişkisi"));
    let countries = texts(&app.page("/tr/partnerships/countries").await, "table.countries tbody tr").len();
    assert_eq!(text(&home, ".stats a.stat-countries strong"), countries.to_string());
    assert!(hrefs(&home, ".hero a").contains(&"/tr/map".to_owned()));
    let en = app.page("/en/").await;
    assert_eq!(attr(&en, ".stats a.stat-links", "href").as_deref(), Some("/en/map"));
    // A proposal the council has not decided on is not counted until it is published.
    let s = service(&app);
    let input = NewPartnershipInput {
        municipality: Some("yalova".into()),
        partner_city: Some("2867714".into()),
        kind: Some("cooperation".into()),
        proposed_on: Some("2026-01-05".into()),
        ..Default::default()
    };
    let id = s.create(&input, &Actor::system("test")).await.unwrap();
    assert_eq!(text(&app.page("/tr/").await, ".stats a.stat-links strong"), "429");
    s.set_published(id, true, &Actor::system("test")).await.unwrap();
    assert_eq!(text(&app.page("/tr/").await, ".stats a.stat-links strong"), "430");
}

async fn every_page_has_a_menu_that_folds_into_details(db: TestDb) {
    let app = TestApp::new(db).await;
    for (path, summary) in
        [("/tr/", "Menü"), ("/en/map", "Menu"), ("/tr/sign-in", "Menü"), ("/tr/no-such-page", "Menü")]
    {
        let reply = app.get(path).await;
        let html = scraper::Html::parse_document(&reply.body);
        assert_eq!(text(&html, "details.site-menu > summary"), summary, "{path}");
        let lang = &path[..3];
        let mut expected = hrefs(&html, "nav.main-nav a");
        assert_eq!(expected.len(), 10, "{path}");
        expected.push(format!("{lang}/workspace"));
        assert_eq!(hrefs(&html, "details.site-menu nav a"), expected, "{path}: the same links, and the workspace");
        assert!(html.select(&sel("details.site-menu[open]")).next().is_none(), "{path}: closed until tapped");
    }
}

async fn long_lists_name_each_value_for_their_phone_cards(db: TestDb) {
    let app = TestApp::new(db).await;
    for (path, table) in [
        ("/tr/partnerships", "table.partnerships"),
        ("/tr/municipalities", "table.municipalities"),
        ("/tr/municipalities/bursa", "table.partnerships"),
        ("/en/map", "table.partnerships"),
    ] {
        let html = app.page(path).await;
        assert_eq!(html.select(&sel(&format!(".table-wrap.stack > {table}"))).count(), 1, "{path}");
        let heads = texts(&html, &format!("{table} thead th"));
        let row = html.select(&sel(&format!("{table} tbody tr"))).next().expect("a row");
        let labels: Vec<&str> = row.select(&sel("td")).map(|td| td.value().attr("data-label").unwrap_or("")).collect();
        assert_eq!(labels, heads[1..], "{path}: each value is labelled with its column");
    }
}
