//! The map of many relations (issue 14): above the configured number of relations it draws one weighted line
//! per member and partner country, read grouped from the database, and the table under it still pages through
//! every relation.

use std::collections::HashSet;

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    above_the_threshold_each_member_and_country_is_one_weighted_line,
    above_the_threshold_the_table_pages_through_every_relation,
    at_or_below_the_threshold_each_relation_is_its_own_arc,
);

/// The seed's public relations.
const RELATIONS: u64 = 429;

fn sel(selector: &str) -> scraper::Selector {
    scraper::Selector::parse(selector).unwrap()
}

/// An app that draws weighted lines above `above` relations.
async fn app_above(db: TestDb, above: u32) -> TestApp {
    TestApp::configured(db, |c| c.partnerships.map_aggregate_above = above).await
}

/// The weight of each line on the map, with its tooltip.
fn weighted_lines(html: &scraper::Html) -> Vec<(u64, String)> {
    html.select(&sel("svg .arcs path"))
        .map(|p| {
            let weight = p.value().attr("data-weight").expect("a weighted line").parse().unwrap();
            (weight, p.text().collect::<String>())
        })
        .collect()
}

async fn above_the_threshold_each_member_and_country_is_one_weighted_line(db: TestDb) {
    let app = app_above(db, 100).await;
    let html = app.page("/tr/map").await;
    let lines = weighted_lines(&html);
    assert_eq!(lines.iter().map(|(w, _)| w).sum::<u64>(), RELATIONS, "the weights add up to the relations");
    assert!(lines.len() < RELATIONS as usize && lines.iter().any(|(w, _)| *w > 1), "{} lines", lines.len());
    let starts_and_ends: HashSet<&str> = lines.iter().map(|(_, t)| t.rsplit_once(':').unwrap().0).collect();
    assert_eq!(starts_and_ends.len(), lines.len(), "one line per member and country");
    for (weight, title) in &lines {
        assert!(title.ends_with(&format!(": {weight} ilişki")), "the tooltip gives the count: {title}");
    }
    assert!(html.select(&sel("svg .arcs path[data-partnership]")).next().is_none());
    let classes: HashSet<&str> = html.select(&sel("svg .arcs path")).filter_map(|p| p.value().attr("class")).collect();
    assert!(classes.contains("w1") && classes.len() > 1, "wider lines for more relations: {classes:?}");
    // The key says what the widths mean; a note says what a line stands for.
    assert_eq!(texts(&html, ".map-legend .weights .key.line").len(), 5);
    assert!(text(&html, ".map-legend .weights").contains("2–4"));
    assert!(text(&html, ".map-weighted").contains("429 ilişki"));
    // One partner mark per country; the country list counts every relation once.
    let countries = texts(&html, ".map-countries li");
    assert_eq!(texts(&html, "svg #wm-partners circle").len(), countries.len());
    let counted: u64 = countries.iter().map(|l| l.rsplit(' ').next().unwrap().parse::<u64>().unwrap()).sum();
    assert_eq!(counted, RELATIONS);
    let en = app.page("/en/map").await;
    let (weight, title) = &weighted_lines(&en)[0];
    let unit = if *weight == 1 { "relation" } else { "relations" };
    assert!(title.ends_with(&format!(": {weight} {unit}")), "{title}");
    // The threshold counts the filtered relations: one member's map draws each of them.
    let bursa = app.page("/tr/map?municipality=bursa").await;
    let arcs = texts(&bursa, "svg .arcs path[data-partnership]").len();
    assert!(arcs > 0 && arcs <= 100, "{arcs}");
}

async fn above_the_threshold_the_table_pages_through_every_relation(db: TestDb) {
    let (app, counter) = TestApp::counting_configured(db, |c| c.partnerships.map_aggregate_above = 100).await;
    let mut seen: Vec<String> = Vec::new();
    let mut next = Some("/tr/map".to_owned());
    while let Some(path) = next {
        let html = app.page(&path).await;
        assert_eq!(text(&html, "#map-table-title"), format!("Haritadaki ilişkiler ({RELATIONS})"));
        seen.extend(
            html.select(&sel("table.partnerships tbody tr a"))
                .filter_map(|a| a.value().attr("href"))
                .map(str::to_owned),
        );
        next = attr(&html, ".pagination a[rel=next]", "href");
        assert!(seen.len() <= RELATIONS as usize * 2, "the pages end");
    }
    let distinct: HashSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), distinct.len()), (RELATIONS as usize, RELATIONS as usize), "each relation once");
    let all = app.page("/tr/map?all=1").await;
    assert_eq!(texts(&all, "table.partnerships tbody tr").len(), RELATIONS as usize);
    assert_eq!(app.get("/tr/map?page=99").await.status, axum::http::StatusCode::NOT_FOUND);
    // At most one grouped read draws the map: never every relation, unless the whole table is asked for.
    counter.reset();
    // (From the handler itself: the page cache already holds this page from the walk above.)
    assert_eq!(app.get_uncached("/tr/map?page=2").await.status, axum::http::StatusCode::OK);
    // The groups and the count are kept from the walk until the next write; the table's page is read.
    assert!(counter.calls("member_country_links") <= 1);
    assert_eq!(counter.calls("list_partnerships") + counter.calls("export_partnerships"), 1, "one page of the table");
}

async fn at_or_below_the_threshold_each_relation_is_its_own_arc(db: TestDb) {
    let app = app_above(db, RELATIONS as u32).await;
    let html = app.page("/tr/map").await;
    assert_eq!(texts(&html, "svg .arcs path[data-partnership]").len(), RELATIONS as usize);
    assert!(html.select(&sel("svg .arcs path[data-weight]")).next().is_none());
    assert!(texts(&html, ".map-weighted").is_empty() && texts(&html, ".map-legend .weights").is_empty());
}
