//! Inviting a representative: municipalities are chosen by name from a list that a plain GET search narrows,
//! typed names are understood with Turkish case folding, and the users table names municipalities.

use axum::http::StatusCode;
use scraper::{Html, Selector};

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    a_representative_is_invited_by_ticking_municipalities_found_by_name,
    the_forms_own_kind_of_example_is_accepted_as_typed_names,
    a_refused_invitation_keeps_the_ticked_municipalities,
    the_users_table_and_edit_page_name_municipalities,
);

async fn staff(app: &TestApp) -> Browser {
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.sign_in("staff@mmu.org.tr").await
}

/// The (value, label, checked) of each municipality box.
fn boxes(html: &Html) -> Vec<(String, String, bool)> {
    let sel = Selector::parse(".pick-list li label").unwrap();
    let input = Selector::parse("input[name=municipality]").unwrap();
    html.select(&sel)
        .map(|l| {
            let i = l.select(&input).next().expect("a box in each label");
            let text = l.text().collect::<String>().trim().to_owned();
            (i.value().attr("value").unwrap().to_owned(), text, i.value().attr("checked").is_some())
        })
        .collect()
}

async fn a_representative_is_invited_by_ticking_municipalities_found_by_name(db: TestDb) {
    let app = TestApp::new(db).await;
    let b = staff(&app).await;
    let all = Html::parse_document(&app.get_as("/tr/workspace/users", &b).await.body);
    assert!(boxes(&all).len() > 100, "every member to choose from");
    // No JavaScript: the search is a GET form, and Turkish folding finds Nilüfer from "NILUFER".
    assert_eq!(attr(&all, "form[role=search] #f-mq", "name").as_deref(), Some("mq"));
    let found = Html::parse_document(&app.get_as("/tr/workspace/users?mq=NILUFER", &b).await.body);
    assert_eq!(
        boxes(&found),
        [("bursa-nilufer".to_owned(), "Nilüfer Belediyesi · Bursa".to_owned(), false)],
        "names, not slugs"
    );
    assert_eq!(attr(&found, "form.form input[name=mq]", "value").as_deref(), Some("NILUFER"));
    let reply = app
        .form(
            "/tr/workspace/users",
            Some(&b),
            &[
                ("email", "temsilci@nilufer.bel.tr"),
                ("name", "Elif Yıldız"),
                ("role", "representative"),
                ("municipality", "bursa-nilufer"),
                ("municipality", "bursa"),
                ("mq", "NILUFER"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let user = app.state.store.list_users().await.unwrap().into_iter().find(|u| u.email == "temsilci@nilufer.bel.tr");
    assert_eq!(user.expect("invited").municipalities.len(), 2);
}

async fn the_forms_own_kind_of_example_is_accepted_as_typed_names(db: TestDb) {
    let app = TestApp::new(db).await;
    let b = staff(&app).await;
    // Names (any case, with or without Turkish letters) and slugs alike, as the API and the CLI take them.
    let reply = app
        .form(
            "/tr/workspace/users",
            Some(&b),
            &[("email", "a@nilufer.bel.tr"), ("role", "representative"), ("municipalities", "nilufer, BURSA")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
    let reply = app
        .form(
            "/tr/workspace/users",
            Some(&b),
            &[("email", "b@x.bel.tr"), ("role", "representative"), ("municipalities", "Nilüfer, yok-böyle-bir-yer")],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&reply.body);
    assert_eq!(text(&html, "#f-municipalities-error"), "Bilinmeyen belediye.");
}

async fn a_refused_invitation_keeps_the_ticked_municipalities(db: TestDb) {
    let app = TestApp::new(db).await;
    let b = staff(&app).await;
    let reply = app
        .form(
            "/tr/workspace/users",
            Some(&b),
            &[
                ("email", "not-an-address"),
                ("name", "Elif"),
                ("role", "representative"),
                ("municipality", "bursa-nilufer"),
                ("mq", "osmangazi"),
            ],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&reply.body);
    assert!(!text(&html, "#f-email-error").is_empty());
    assert_eq!(attr(&html, "#f-name", "value").as_deref(), Some("Elif"));
    let shown = boxes(&html);
    assert_eq!(shown[0], ("bursa-nilufer".into(), "Nilüfer Belediyesi · Bursa".into(), true), "ticked stays, first");
    assert!(shown[1..].iter().all(|(slug, _, checked)| slug.contains("osmangazi") && !checked), "{shown:?}");
    // A representative with nothing ticked is told so beside the list.
    let none = app.form("/tr/workspace/users", Some(&b), &[("email", "c@x.bel.tr"), ("role", "representative")]).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert!(!text(&Html::parse_document(&none.body), "#f-municipalities-error").is_empty());
}

async fn the_users_table_and_edit_page_name_municipalities(db: TestDb) {
    let app = TestApp::new(db).await;
    let rep = app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer,bursa").await;
    app.user("admin@mmu.org.tr", "admin", "").await;
    let b = app.sign_in("admin@mmu.org.tr").await;
    let html = Html::parse_document(&app.get_as("/tr/workspace/users", &b).await.body);
    let row = texts(&html, "tbody tr").into_iter().find(|r| r.contains("rep@nilufer.bel.tr")).unwrap();
    assert!(row.contains("Nilüfer Belediyesi") && row.contains("Bursa Büyükşehir Belediyesi"), "{row}");
    assert!(!row.contains("bursa-nilufer"), "no slugs: {row}");
    let en = Html::parse_document(&app.get_as("/en/workspace/users", &b).await.body);
    assert!(texts(&en, "tbody tr").iter().any(|r| r.contains("Nilüfer Municipality")));

    let page = format!("/tr/workspace/users/{}", rep.id.0);
    let edit = Html::parse_document(&app.get_as(&page, &b).await.body);
    let mut ticked: Vec<String> = boxes(&edit).into_iter().filter(|b| b.2).map(|b| b.0).collect();
    ticked.sort();
    assert_eq!(ticked, ["bursa", "bursa-nilufer"]);
    // Unticking one and saving keeps the other.
    let saved =
        app.form(&page, Some(&b), &[("name", "Rep"), ("role", "representative"), ("municipality", "bursa")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let user = app.state.store.list_users().await.unwrap().into_iter().find(|u| u.id == rep.id).unwrap();
    assert_eq!(user.municipalities.len(), 1);
}
