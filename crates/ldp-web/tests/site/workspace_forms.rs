//! Workspace forms whose checkboxes repeat a key (`sdg=3&sdg=11`), and editing a relation's goals later.

use axum::http::{StatusCode, header};
use scraper::Html;

use ldp_core::domain::partnership::PartnershipId;
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    ticking_several_goals_and_themes_on_the_proposal_form_saves_them,
    ticking_one_box_or_none_also_saves,
    a_refused_proposal_keeps_every_ticked_box,
    the_activity_form_takes_several_goals,
);

/// The id a form's 303 redirect points at.
fn created_id(reply: &Reply) -> i64 {
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let location = reply.headers[header::LOCATION].to_str().unwrap();
    location.trim_start_matches("/tr/workspace/partnerships/").split('?').next().unwrap().parse().unwrap()
}

async fn rep(app: &TestApp) -> Browser {
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.sign_in("rep@nilufer.bel.tr").await
}

async fn ticking_several_goals_and_themes_on_the_proposal_form_saves_them(db: TestDb) {
    let app = TestApp::new(db).await;
    let b = rep(&app).await;
    let reply = app
        .form(
            "/tr/workspace/partnerships/new",
            Some(&b),
            &[
                ("municipality", "bursa-nilufer"),
                ("partner_city", "2867714"),
                ("kind", "sister_city"),
                ("theme", "culture"),
                ("theme", "climate"),
                ("sdg", "11"),
                ("sdg", "3"),
                ("sdg", "13"),
                ("foreign", "1"),
            ],
        )
        .await;
    let id = created_id(&reply);
    let detail = app.state.partnerships.get(PartnershipId(id)).await.unwrap();
    let goals: Vec<u8> = detail.partnership.sdgs.iter().map(|g| g.get()).collect();
    assert_eq!(goals, [3, 11, 13]);
    let themes: Vec<&str> = detail.partnership.themes.iter().map(|t| t.as_str()).collect();
    assert_eq!(themes, ["culture", "climate"]);
    assert!(detail.partnership.foreign_missions);
}

async fn ticking_one_box_or_none_also_saves(db: TestDb) {
    let app = TestApp::new(db).await;
    let b = rep(&app).await;
    let one = app
        .form(
            "/tr/workspace/partnerships/new",
            Some(&b),
            &[("municipality", "bursa-nilufer"), ("partner_city", "2867714"), ("kind", "friendship"), ("sdg", "4")],
        )
        .await;
    let id = created_id(&one);
    let detail = app.state.partnerships.get(PartnershipId(id)).await.unwrap();
    assert_eq!(detail.partnership.sdgs.iter().map(|g| g.get()).collect::<Vec<_>>(), [4]);
    let none = app
        .form(
            "/tr/workspace/partnerships/new",
            Some(&b),
            &[("municipality", "bursa-nilufer"), ("partner_city", "745044"), ("kind", "friendship")],
        )
        .await;
    let id = created_id(&none);
    assert!(app.state.partnerships.get(PartnershipId(id)).await.unwrap().partnership.sdgs.is_empty());
}

async fn a_refused_proposal_keeps_every_ticked_box(db: TestDb) {
    let app = TestApp::new(db).await;
    let b = rep(&app).await;
    let reply = app
        .form(
            "/tr/workspace/partnerships/new",
            Some(&b),
            &[
                ("municipality", "bursa-nilufer"),
                ("kind", "sister_city"),
                ("theme", "education"),
                ("theme", "water"),
                ("sdg", "6"),
                ("sdg", "17"),
                ("notes_tr", "Görüşmeler sürüyor"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "no partner was chosen");
    let html = Html::parse_document(&reply.body);
    let mut ticked: Vec<String> = Vec::new();
    for sel in ["input[name=sdg][checked]", "input[name=theme][checked]"] {
        let s = scraper::Selector::parse(sel).unwrap();
        ticked.extend(html.select(&s).filter_map(|e| e.value().attr("value")).map(str::to_owned));
    }
    assert_eq!(ticked, ["6", "17", "education", "water"]);
    assert_eq!(text(&html, "#f-notes_tr"), "Görüşmeler sürüyor", "what was typed is kept");
}

async fn the_activity_form_takes_several_goals(db: TestDb) {
    let app = TestApp::new(db).await;
    let b = rep(&app).await;
    let new = app
        .form(
            "/tr/workspace/partnerships/new",
            Some(&b),
            &[("municipality", "bursa-nilufer"), ("partner_city", "2867714"), ("kind", "sister_city")],
        )
        .await;
    let id = created_id(&new);
    let page = Html::parse_document(&app.get_as(&format!("/tr/workspace/partnerships/{id}"), &b).await.body);
    assert_eq!(texts(&page, "#act-h ~ form input[name=sdg][type=checkbox]").len(), 17, "one box per goal");
    let reply = app
        .form(
            &format!("/tr/workspace/partnerships/{id}/activities"),
            Some(&b),
            &[("date", "2026-10-01"), ("title_tr", "Çalıştay"), ("kind", "meeting"), ("sdg", "5"), ("sdg", "11")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let detail = app.state.partnerships.get(PartnershipId(id)).await.unwrap();
    assert_eq!(detail.activities[0].sdgs.iter().map(|g| g.get()).collect::<Vec<_>>(), [5, 11]);
}
