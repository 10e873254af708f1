//! Representatives are not boxed in: the partner list offers the other members, and the dashboard lists each
//! relation once.

use axum::http::StatusCode;
use scraper::Html;

use ldp_core::domain::Page;
use ldp_core::domain::partnership::PartnershipFilter;
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    the_partner_list_offers_the_other_members_in_turkish_order,
    the_dashboard_lists_each_relation_once,
);

async fn the_partner_list_offers_the_other_members_in_turkish_order(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    let html = Html::parse_document(&app.get_as("/tr/workspace/partnerships/new", &rep).await.body);
    let slugs: Vec<String> = {
        let sel = scraper::Selector::parse("#f-partner_municipality option").unwrap();
        html.select(&sel).filter_map(|o| o.value().attr("value")).filter(|v| !v.is_empty()).map(str::to_owned).collect()
    };
    assert!(slugs.len() > 150, "every other member is offered: {}", slugs.len());
    assert!(!slugs.contains(&"bursa-nilufer".to_owned()), "not the representative's own municipality");
    assert!(slugs.contains(&"bursa-osmangazi".to_owned()) && slugs.contains(&"istanbul".to_owned()));
    let names = texts(&html, "#f-partner_municipality option");
    let names: Vec<&String> = names.iter().filter(|n| n.as_str() != "—").collect();
    let mut sorted = names.clone();
    sorted.sort_by_key(|n| ldp_core::text::collation_key(n));
    assert_eq!(names, sorted, "Turkish alphabetical order");
    // The member list still holds only their own municipality, and proposing with another member works.
    assert_eq!(texts(&html, "#f-municipality option").len(), 1);
    let proposed = app
        .form(
            "/tr/workspace/partnerships/new",
            Some(&rep),
            &[("municipality", "bursa-nilufer"), ("partner_municipality", "bursa-osmangazi"), ("kind", "cooperation")],
        )
        .await;
    assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.body);
}

async fn the_dashboard_lists_each_relation_once(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    // An imported relation (documents not all recorded) whose only recorded activity is years old: it is both
    // awaiting documents and dormant.
    let filter = PartnershipFilter {
        municipality: Some("bursa-nilufer".into()),
        trail_incomplete: Some(true),
        ..PartnershipFilter::default()
    };
    let imported = app.state.partnerships.list(&filter, Page::first(1)).await.unwrap().items.remove(0);
    let token = app.token("rep@nilufer.bel.tr", false).await;
    let logged = app
        .api(
            "POST",
            &format!("/api/v1/partnerships/{}/activities", imported.id.0),
            Some(&token),
            Some(r#"{"date":"2019-05-10","title_tr":"Ziyaret","kind":"visit"}"#),
        )
        .await;
    assert_eq!(logged.status, StatusCode::CREATED, "{}", logged.body);
    let html = Html::parse_document(&app.get_as("/tr/workspace", &rep).await.body);
    let links = hrefs(&html, "section.attention li a");
    let mut seen = std::collections::HashSet::new();
    for l in &links {
        assert!(seen.insert(l), "{l} listed twice: {links:?}");
    }
    let own = format!("/tr/workspace/partnerships/{}", imported.id.0);
    assert!(links.contains(&own), "{links:?}");
    let marked = texts(&html, "section.attention li");
    assert!(
        marked.iter().any(|li| li.ends_with("Durgun")),
        "the relation is marked dormant where it is listed: {marked:?}"
    );
}
