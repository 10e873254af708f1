//! What visitors read about a relation: where the record came from and what is not recorded yet, in neutral
//! words derived from the same missing steps as the workspace's compliance view; proposals stay in the
//! workspace until the council decides or the municipality publishes them.

use axum::http::{StatusCode, header};
use scraper::Html;

use ldp_core::domain::partnership::{Partnership, PartnershipFilter, PartnershipId, RawEvidence, Stage};
use ldp_core::domain::{Actor, Page};
use ldp_core::services::partnerships::{ActivityInput, NewPartnershipInput};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    an_imported_relation_reads_neutrally_in_public,
    the_banner_and_the_missing_list_follow_the_recorded_council_decision,
    dormant_is_kept_for_relations_whose_recorded_activity_is_old,
    the_compliance_working_view_is_in_the_workspace_scoped_to_the_viewer,
    a_relation_ended_with_gaps_leaves_the_follow_up_and_keeps_them_in_its_record,
    a_proposal_is_public_only_after_its_council_decision_or_when_published,
    a_relations_goals_are_edited_after_creation_and_shown_on_the_goal_page,
);

async fn first_imported(app: &TestApp, slug: &str) -> Partnership {
    let f = PartnershipFilter { municipality: Some(slug.into()), trail_incomplete: Some(true), ..Default::default() };
    app.state.partnerships.list(&f, Page::first(1)).await.unwrap().items.remove(0)
}

async fn an_imported_relation_reads_neutrally_in_public(db: TestDb) {
    let app = TestApp::new(db).await;
    let p = first_imported(&app, "bursa-nilufer").await;
    let page = app.get(&format!("/tr/partnerships/{}", p.id.0)).await;
    assert_eq!(page.status, StatusCode::OK);
    for accusation in ["Durgun", "Süreç eksik", "denetçi", "Hekman"] {
        assert!(!page.body.contains(accusation), "the public page says {accusation:?}");
    }
    let html = Html::parse_document(&page.body);
    assert_eq!(
        text(&html, "#record-note"),
        "Vikipedi listesinden aktarıldı; meclis kararı, bakanlık izni ve imzalı protokol henüz kaydedilmedi."
    );
    assert!(text(&html, ".source").contains("Vikipedi"));
    let list = app.page("/tr/partnerships?municipality=bursa-nilufer").await;
    let row = text(&list, "table.partnerships tbody tr");
    assert!(row.contains("Listeden aktarıldı") && row.contains("Kayıtlı etkinlik yok"), "{row}");
    assert!(!row.contains("Durgun") && !row.contains("Süreç eksik"), "{row}");
}

async fn the_banner_and_the_missing_list_follow_the_recorded_council_decision(db: TestDb) {
    let app = TestApp::new(db).await;
    let p = first_imported(&app, "bursa-nilufer").await;
    let council = RawEvidence { date: Some("2019-05-02".into()), number: Some("2019/88".into()), ..Default::default() };
    app.state.partnerships.record(p.id, Stage::CouncilApproved, &council, &Actor::system("test")).await.unwrap();
    let html = app.page(&format!("/tr/partnerships/{}", p.id.0)).await;
    assert!(text(&html, "ol.timeline").contains("2019/88"));
    let note = text(&html, "#record-note");
    assert!(!note.contains("meclis kararı"), "the banner still asks for the council decision: {note}");
    assert_eq!(note, "Vikipedi listesinden aktarıldı; bakanlık izni ve imzalı protokol henüz kaydedilmedi.");
    assert_eq!(texts(&html, "ul.missing li"), ["Bakanlık izni", "Protokol imzalandı"]);
    // The workspace's compliance view says the same, from the same function.
    app.user("staff@marmara.gov.tr", "staff", "").await;
    let b = app.sign_in("staff@marmara.gov.tr").await;
    let view = Html::parse_document(&app.get_as("/tr/workspace/compliance?municipality=bursa-nilufer", &b).await.body);
    let href = format!("/tr/workspace/partnerships/{}", p.id.0);
    let row = texts(&view, "table.compliance tbody tr").into_iter().find(|r| r.starts_with(&p.partner.name));
    assert!(hrefs(&view, "table.compliance a").contains(&href));
    assert!(row.unwrap().contains("bakanlık izni ve imzalı protokol"));
}

async fn dormant_is_kept_for_relations_whose_recorded_activity_is_old(db: TestDb) {
    let app = TestApp::new(db).await;
    let p = first_imported(&app, "istanbul").await;
    let old = ActivityInput {
        date: Some("2023-06-01".into()),
        title_tr: Some("Ziyaret".into()),
        kind: Some("visit".into()),
        ..Default::default()
    };
    app.state.partnerships.add_activity(p.id, &old, &Actor::system("test")).await.unwrap();
    let html = app.page("/tr/partnerships?dormant=true").await;
    assert_eq!(text(&html, ".result-count strong"), "1");
    assert!(text(&html, "table.partnerships tbody tr").contains("Durgun"));
    let page = app.page(&format!("/tr/partnerships/{}", p.id.0)).await;
    assert!(text(&page, "main").contains("durgun görünüyor"));
}

async fn the_compliance_working_view_is_in_the_workspace_scoped_to_the_viewer(db: TestDb) {
    let app = TestApp::new(db).await;
    let visitor = app.get("/tr/workspace/compliance").await;
    assert_eq!(visitor.status, StatusCode::SEE_OTHER);
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.user("denetci@marmara.gov.tr", "auditor", "").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    let mine = Html::parse_document(&app.get_as("/en/workspace/compliance", &rep).await.body);
    assert_eq!(texts(&mine, "main section h2").len(), 1, "a representative sees their own municipality");
    assert!(text(&mine, "main section h2").starts_with("Nilüfer"));
    let auditor = app.sign_in("denetci@marmara.gov.tr").await;
    let all = Html::parse_document(&app.get_as("/en/workspace/compliance", &auditor).await.body);
    // One page of 25 relations, grouped by member, with page links; the count covers every page.
    assert_eq!(texts(&all, "table.compliance tbody tr").len(), 25);
    assert_eq!(text(&all, "ul.stats strong"), "429");
    assert!(hrefs(&all, "nav.pagination a").contains(&"/en/workspace/compliance?page=18".to_owned()));
    let last = Html::parse_document(&app.get_as("/en/workspace/compliance?page=18", &auditor).await.body);
    assert_eq!(texts(&last, "table.compliance tbody tr").len(), 4);
    assert_eq!(app.get_as("/en/workspace/compliance?page=19", &auditor).await.status, StatusCode::NOT_FOUND);
    let bursa = Html::parse_document(&app.get_as("/en/workspace/compliance?municipality=bursa", &auditor).await.body);
    assert!(texts(&bursa, "main section h2").iter().all(|h| h.starts_with("Bursa")));
    // In public: counts that lead to the lists, no per-relation gap list, no "gaps".
    let public = app.page("/tr/compliance").await;
    let words = text(&public, "main");
    assert!(!words.contains("eksik") && !words.contains("bulacağı"), "{words}");
    assert!(texts(&public, "main table").is_empty());
}

async fn a_proposal_is_public_only_after_its_council_decision_or_when_published(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let b = app.sign_in("rep@nilufer.bel.tr").await;
    let input = NewPartnershipInput {
        municipality: Some("bursa-nilufer".into()),
        partner_city: Some("2867714".into()),
        kind: Some("sister_city".into()),
        ..Default::default()
    };
    let id = app.state.partnerships.create(&input, &Actor::system("test")).await.unwrap();
    let public = format!("/tr/partnerships/{}", id.0);
    assert_eq!(app.get(&public).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/partnerships/{}", id.0)).await.status, StatusCode::NOT_FOUND);
    let list = app.get("/tr/partnerships?municipality=bursa-nilufer&stage=proposed").await;
    assert!(list.body.contains("Bu ölçütlere uyan ilişki yok."));
    let csv = app.get("/en/partnerships.csv?municipality=bursa-nilufer").await;
    assert!(!csv.body.contains("Munich") && !csv.body.contains("München"));
    let ws = Html::parse_document(&app.get_as(&format!("/tr/workspace/partnerships/{}", id.0), &b).await.body);
    assert!(text(&ws, "#visibility").contains("henüz herkese açık değil"));
    let publish =
        app.form(&format!("/tr/workspace/partnerships/{}/publication", id.0), Some(&b), &[("published", "true")]).await;
    assert_eq!(publish.status, StatusCode::SEE_OTHER, "{}", publish.body);
    assert_eq!(app.get(&public).await.status, StatusCode::OK, "published by the municipality's choice");
    let token = app.token("rep@nilufer.bel.tr", false).await;
    let back = app
        .api("PUT", &format!("/api/v1/partnerships/{}/publication", id.0), Some(&token), Some(r#"{"published":false}"#))
        .await;
    assert_eq!(back.status, StatusCode::NO_CONTENT, "{}", back.body);
    assert_eq!(app.get(&public).await.status, StatusCode::NOT_FOUND);
    let council = RawEvidence { date: Some("2026-11-28".into()), number: Some("2026/9".into()), ..Default::default() };
    app.state.partnerships.record(id, Stage::CouncilApproved, &council, &Actor::system("test")).await.unwrap();
    assert_eq!(app.get(&public).await.status, StatusCode::OK, "public once the council has decided");
    let _ = header::LOCATION;
}

async fn a_relations_goals_are_edited_after_creation_and_shown_on_the_goal_page(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let b = app.sign_in("rep@nilufer.bel.tr").await;
    let p = first_imported(&app, "bursa-nilufer").await;
    let form = Html::parse_document(&app.get_as(&format!("/tr/workspace/partnerships/{}", p.id.0), &b).await.body);
    assert_eq!(texts(&form, "#sdg-h ~ form input[name=sdg]").len(), 17);
    let saved = app
        .form(
            &format!("/tr/workspace/partnerships/{}/sdgs", p.id.0),
            Some(&b),
            &[("sdg", "5"), ("sdg", "16"), ("sdg", "17")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let detail = app.state.partnerships.get(p.id).await.unwrap();
    assert_eq!(detail.partnership.sdgs.iter().map(|g| g.get()).collect::<Vec<_>>(), [5, 16, 17]);
    let again = Html::parse_document(&app.get_as(&format!("/tr/workspace/partnerships/{}", p.id.0), &b).await.body);
    let sel = scraper::Selector::parse("#sdg-h ~ form input[name=sdg][checked]").unwrap();
    let ticked: Vec<&str> = again.select(&sel).filter_map(|e| e.value().attr("value")).collect();
    assert_eq!(ticked, ["5", "16", "17"]);
    let bad = app.form(&format!("/tr/workspace/partnerships/{}/sdgs", p.id.0), Some(&b), &[("sdg", "99")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let token = app.token("rep@nilufer.bel.tr", false).await;
    let api = app
        .api("PUT", &format!("/api/v1/partnerships/{}/sdgs", p.id.0), Some(&token), Some(r#"{"sdgs":"5,16"}"#))
        .await;
    assert_eq!(api.status, StatusCode::NO_CONTENT, "{}", api.body);
    let activity = ActivityInput {
        date: Some("2026-09-01".into()),
        title_tr: Some("Kadın girişimciler buluşması".into()),
        kind: Some("event".into()),
        sdgs: Some("5".into()),
        ..Default::default()
    };
    app.state.partnerships.add_activity(p.id, &activity, &Actor::system("test")).await.unwrap();
    let goal = app.page("/tr/sdgs/5").await;
    let relations = hrefs(&goal, "ul.goal-relations a");
    assert!(relations.contains(&format!("/tr/partnerships/{}", p.id.0)), "{relations:?}");
    assert!(text(&goal, "ul.goal-activities").contains("Kadın girişimciler buluşması"));
    assert!(
        !hrefs(&app.page("/tr/sdgs/17").await, "ul.goal-relations a").contains(&format!("/tr/partnerships/{}", p.id.0))
    );
    let _: PartnershipId = p.id;
}

async fn a_relation_ended_with_gaps_leaves_the_follow_up_and_keeps_them_in_its_record(db: TestDb) {
    let app = TestApp::new(db).await;
    let p = first_imported(&app, "bursa-nilufer").await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    // Before: the termination form says what ending it does.
    let form = Html::parse_document(&app.get_as(&format!("/en/workspace/partnerships/{}", p.id.0), &rep).await.body);
    let note = text(&form, "#step-terminated p.hint");
    assert!(note.starts_with("Not recorded: council decision, ministry permission and signed protocol."), "{note}");
    let before = Html::parse_document(&app.get_as("/en/workspace/compliance", &rep).await.body);
    let open: u64 = text(&before, "ul.stats strong").parse().unwrap();
    let terminate = RawEvidence {
        date: Some("2026-03-02".into()),
        number: Some("2026/31".into()),
        reason: Some("No contact since 2015".into()),
        ..Default::default()
    };
    app.state.partnerships.record(p.id, Stage::Terminated, &terminate, &Actor::system("test")).await.unwrap();
    // Off the to-do list, in the workspace and the API.
    let after = Html::parse_document(&app.get_as("/en/workspace/compliance", &rep).await.body);
    assert_eq!(text(&after, "ul.stats strong"), (open - 1).to_string());
    let href = format!("/en/workspace/partnerships/{}", p.id.0);
    assert!(!hrefs(&after, "table.compliance a").contains(&href));
    let (_, api) = app.json("/api/v1/compliance?municipality=bursa-nilufer&per_page=100").await;
    assert!(api["items"].as_array().unwrap().iter().all(|e| e["partnership"]["id"] != p.id.0));
    // The record still says what was never recorded, as closed rather than awaited.
    let html = app.page(&format!("/tr/partnerships/{}", p.id.0)).await;
    assert_eq!(
        text(&html, "#record-note"),
        "Vikipedi listesinden aktarıldı; ilişki, meclis kararı, bakanlık izni ve imzalı protokol burada kaydedilmeden sona erdi."
    );
    assert_eq!(texts(&html, "ul.missing li"), ["Meclis kararı", "Bakanlık izni", "Protokol imzalandı"]);
    let (_, detail) = app.json(&format!("/api/v1/partnerships/{}", p.id.0)).await;
    assert_eq!((detail["stage"].as_str(), detail["trail_incomplete"].as_bool()), (Some("terminated"), Some(true)));
    assert_eq!(detail["missing"].as_array().unwrap().len(), 3);
    // The public counts put it apart from the relations awaiting documents.
    let records = app.page("/en/compliance").await;
    assert_eq!(texts(&records, "ul.stats strong"), ["429", "0", "428", "1", "0"]);
    let ended = app.page("/en/partnerships?trail=true&ended=true").await;
    assert_eq!(text(&ended, ".result-count strong"), "1");
}
