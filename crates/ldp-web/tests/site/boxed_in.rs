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
    a_representative_proposes_a_network_staff_approve_it_and_the_membership_is_recorded,
    the_registry_api_lists_approved_networks_and_checks_roles,
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

async fn a_representative_proposes_a_network_staff_approve_it_and_the_membership_is_recorded(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.user("admin@mmu.org.tr", "admin", "").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    let mut fields = vec![
        ("acronym", "EUROCITIES"),
        ("name_tr", "Avrupa Büyük Şehirler Ağı"),
        ("name_en", "Eurocities"),
        ("founded", "19x6"),
        ("headquarters", "Brüksel"),
        ("hq_country", "BE"),
        ("website", "https://eurocities.eu"),
    ];
    let refused = app.form("/tr/workspace/networks/new", Some(&rep), &fields).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&refused.body);
    assert!(!text(&html, "#f-founded-error").is_empty());
    assert_eq!(
        attr(&html, "#f-name_tr", "value").as_deref(),
        Some("Avrupa Büyük Şehirler Ağı"),
        "what was typed stays"
    );
    fields[3] = ("founded", "1986");
    let proposed = app.form("/tr/workspace/networks/new", Some(&rep), &fields).await;
    assert_eq!(proposed.status, StatusCode::SEE_OTHER, "{}", proposed.body);
    let page = proposed.headers["location"].to_str().unwrap().split('?').next().unwrap().to_owned();
    let id = page.rsplit('/').next().unwrap().to_owned();
    // Awaiting approval: not public, not offered for memberships.
    assert_eq!(app.get("/tr/networks/eurocities").await.status, StatusCode::NOT_FOUND);
    let form = Html::parse_document(
        &app.get_as("/tr/workspace/municipalities/bursa-nilufer/memberships/new", &rep).await.body,
    );
    assert!(attr(&form, "#f-network option[value=eurocities]", "value").is_none());

    let admin = app.sign_in("admin@mmu.org.tr").await;
    let list = Html::parse_document(&app.get_as("/tr/workspace/networks", &admin).await.body);
    assert!(texts(&list, "table.registry td").iter().any(|t| t == "Onay bekliyor"));
    let approved = app.form(&format!("/tr/workspace/networks/{id}/approve"), Some(&admin), &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    assert_eq!(app.get("/tr/networks/eurocities").await.status, StatusCode::OK, "public once approved");
    let log = Html::parse_document(&app.get_as("/tr/workspace/audit?record_type=network", &admin).await.body);
    let values = texts(&log, "dl.changes dd");
    assert!(values.iter().any(|v| v == "Belçika"), "the headquarters' country by name: {values:?}");

    let form = Html::parse_document(
        &app.get_as("/tr/workspace/municipalities/bursa-nilufer/memberships/new", &rep).await.body,
    );
    assert!(attr(&form, "#f-network option[value=eurocities]", "value").is_some());
    let saved = app
        .form(
            "/tr/workspace/municipalities/bursa-nilufer/memberships/new",
            Some(&rep),
            &[
                ("network", "eurocities"),
                ("since", "2021"),
                ("status", "active"),
                ("decision_number", "2021/88"),
                ("decision_date", "2021-03-04"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let public = Html::parse_document(&app.get_as("/tr/municipalities/bursa-nilufer", &rep).await.body);
    assert!(public.html().contains("EUROCITIES"), "the membership shows on the municipality's page");
    // The audit log names the network, not its id.
    let log = Html::parse_document(&app.get_as("/tr/workspace/audit?record_type=network", &admin).await.body);
    let actions = texts(&log, "td.action");
    assert!(actions.contains(&"Önerildi".to_owned()) && actions.contains(&"Onaylandı".to_owned()), "{actions:?}");
    assert!(texts(&log, "td.what").iter().any(|w| w.starts_with("Ağ: EUROCITIES")));
}

async fn the_registry_api_lists_approved_networks_and_checks_roles(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    let rep = app.token("rep@nilufer.bel.tr", false).await;
    let staff = app.token("staff@mmu.org.tr", false).await;
    let body = r#"{"acronym":"CEMR","name_tr":"Avrupa Belediyeler ve Bölgeler Konseyi","founded":"1951","headquarters":"Brüksel","hq_country":"BE","website":"https://www.ccre-cemr.org"}"#;
    assert_eq!(app.api("POST", "/api/v1/network-registry", None, Some(body)).await.status, StatusCode::UNAUTHORIZED);
    let created = app.api("POST", "/api/v1/network-registry", Some(&rep), Some(body)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let network: serde_json::Value = serde_json::from_str(&created.body).unwrap();
    assert_eq!(network["status"], "proposed");
    let id = network["id"].as_i64().unwrap();
    let (_, list) = app.json("/api/v1/network-registry").await;
    assert_eq!(list.as_array().unwrap().len(), 0, "a proposal is not public");
    let approval = format!("/api/v1/network-registry/{id}/approval");
    assert_eq!(app.api("POST", &approval, Some(&rep), None).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api("POST", &approval, Some(&staff), None).await.status, StatusCode::OK);
    assert_eq!(app.api("POST", &approval, Some(&staff), None).await.status, StatusCode::CONFLICT);
    let (_, list) = app.json("/api/v1/network-registry").await;
    assert_eq!(list[0]["fields"]["acronym"], "CEMR");
    let bad = app
        .api(
            "PUT",
            &format!("/api/v1/network-registry/{id}"),
            Some(&staff),
            Some(r#"{"name_tr":"x","website":"nope"}"#),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let error: serde_json::Value = serde_json::from_str(&bad.body).unwrap();
    assert_eq!(error["error"]["code"], "invalid_parameters");
    assert!(error["error"]["fields"]["website"].is_string());
}
