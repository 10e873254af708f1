//! Sister-city pages, their CSV export, the SVG map, documents and the partnership API.

use axum::http::{StatusCode, header};
use scraper::Html;

use ldp_core::domain::partnership::{PartnershipFilter, PartnershipId, RawEvidence, Stage};
use ldp_core::domain::{Actor, Page};
use ldp_core::services::partnerships::{ActivityInput, NewPartnershipInput, PartnershipSettings, Partnerships};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    the_relations_list_filters_and_pages_in_both_languages,
    bad_relation_filters_re_render_with_messages,
    the_csv_export_has_exactly_the_filtered_rows,
    a_relation_page_shows_its_timeline_activities_and_documents,
    the_municipality_page_lists_its_relations,
    the_country_summary_and_compliance_pages_show_the_gaps,
    the_partnership_api_lists_filters_and_explains,
    turkish_pages_use_turkish_place_and_country_names,
    northern_cyprus_has_its_own_row_and_shape,
    the_partner_picker_speaks_the_pages_language,
    staff_merge_a_place_from_the_list_in_the_workspace,
);

fn service(app: &TestApp) -> Partnerships {
    Partnerships::new(app.db.shared(), app.clock.clone(), PartnershipSettings::default())
}

async fn the_relations_list_filters_and_pages_in_both_languages(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/tr/partnerships").await;
    assert_eq!(text(&html, "main h1"), "Kardeş şehir ve iş birliği ilişkileri");
    assert_eq!(text(&html, ".result-count strong"), "429");
    assert_eq!(texts(&html, "table.partnerships tbody tr").len(), 25);
    assert_eq!(attr(&html, ".pagination a[rel=next]", "href").as_deref(), Some("/tr/partnerships?page=2"));
    let html = app.page("/en/partnerships?country=DE&province=34").await;
    let rows = texts(&html, "table.partnerships tbody tr");
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.contains("Germany")), "{rows:?}");
    assert_eq!(attr(&html, "#f-country option[selected]", "value").as_deref(), Some("DE"));
    // Imported relations have no recorded activity: that is "no activity recorded", never "dormant".
    let dormant = app.page("/en/partnerships?dormant=true").await;
    assert_eq!(text(&dormant, ".empty"), "No relation matches these filters.");
    let imported = app.page("/en/partnerships?dormant=false&trail=true").await;
    assert_eq!(text(&imported, ".result-count strong"), "429");
    assert_eq!(app.get("/tr/partnerships?page=99").await.status, StatusCode::NOT_FOUND);
}

async fn bad_relation_filters_re_render_with_messages(db: TestDb) {
    let app = TestApp::new(db).await;
    let reply = app.get("/en/partnerships?stage=sleeping&dormant=maybe&country=TUR&sdg=18").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&reply.body);
    let errors = texts(&html, ".field-error");
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(errors.contains(&"Unknown stage.".to_owned()));
    assert_eq!(attr(&html, "#f-stage option[selected]", "value"), None);
    assert!(texts(&html, "table.partnerships").is_empty());
}

async fn the_csv_export_has_exactly_the_filtered_rows(db: TestDb) {
    let app = TestApp::new(db).await;
    let reply = app.get("/en/partnerships.csv?province=16").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    assert!(reply.headers[header::CONTENT_DISPOSITION].to_str().unwrap().contains("attachment"));
    let body = reply.body.strip_prefix('\u{feff}').expect("a byte-order mark for spreadsheets");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    assert_eq!(&headers[3], "province");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let listed = service(&app)
        .list(
            &PartnershipFilter::parse(&ldp_core::domain::partnership::PartnershipQuery {
                province: Some("16".into()),
                ..Default::default()
            })
            .unwrap(),
            Page::default(),
        )
        .await
        .unwrap();
    assert_eq!(rows.len() as u64, listed.total);
    assert!(rows.iter().all(|r| &r[3] == "Bursa"));
    assert!(rows.iter().any(|r| r[1].contains("Nilüfer") || r[1] == *"Bursa"), "Turkish letters survive");
    let bad = app.get("/en/partnerships.csv?kind=x").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

async fn a_relation_page_shows_its_timeline_activities_and_documents(db: TestDb) {
    let app = TestApp::new(db).await;
    let s = service(&app);
    let input = NewPartnershipInput {
        municipality: Some("yalova".into()),
        partner_city: Some("2867714".into()),
        kind: Some("cooperation".into()),
        sdgs: Some("11".into()),
        proposed_on: Some("2026-01-05".into()),
        ..Default::default()
    };
    let id = s.create(&input, &Actor::system("test")).await.unwrap();
    let council =
        RawEvidence { date: Some("2026-02-01".into()), number: Some("2026/<b>7</b>".into()), ..Default::default() };
    s.record(id, Stage::CouncilApproved, &council, &Actor::system("test")).await.unwrap();
    s.add_activity(
        id,
        &ActivityInput {
            date: Some("2026-03-01".into()),
            title_tr: Some("Çalıştay".into()),
            title_en: Some("Workshop".into()),
            kind: Some("meeting".into()),
            sdgs: Some("11".into()),
        },
        &Actor::system("test"),
    )
    .await
    .unwrap();
    let pdf = b"%PDF-1.4\n%%EOF\n".to_vec();
    let doc = s
        .attach(app.uploads.as_ref(), id, Some("council_decision"), "karar.pdf", pdf.clone(), &Actor::system("test"))
        .await
        .unwrap();

    let html = app.page(&format!("/tr/partnerships/{}", id.0)).await;
    assert_eq!(text(&html, "main h1"), "Yalova – Münih", "Turkish pages name the partner in Turkish");
    let english = app.page(&format!("/en/partnerships/{}", id.0)).await;
    assert_eq!(text(&english, "main h1"), "Yalova – Munich");
    let steps = texts(&html, "ol.timeline li strong");
    assert_eq!(steps, ["Öneri", "Meclis kararı"]);
    assert!(text(&html, "ol.timeline").contains("2026/<b>7</b>"), "evidence text is escaped, not markup");
    assert!(texts(&html, "ol.timeline b").is_empty());
    assert_eq!(texts(&html, "ul.missing li"), Vec::<String>::new(), "nothing is missing for the stage reached");
    assert!(text(&html, "ul.activities").contains("Çalıştay"));
    let link = attr(&html, "ul.documents a", "href").unwrap();
    assert_eq!(link, format!("/files/partnerships/{}/{doc}", id.0));
    let file = app.get(&link).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.headers[header::CONTENT_TYPE], "application/pdf");
    assert_eq!(file.body.as_bytes(), pdf.as_slice());
    assert_eq!(app.get(&format!("/files/partnerships/{}/999999", id.0)).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/en/partnerships/999999").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/en/partnerships/abc").await.status, StatusCode::NOT_FOUND);
    let imported = app.page("/en/partnerships/1").await;
    assert!(text(&imported, "#record-note").starts_with("Imported from the Wikipedia list; not recorded yet: council"));
    assert!(!texts(&imported, "ul.missing li").is_empty());
}

async fn the_municipality_page_lists_its_relations(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/en/municipalities/istanbul").await;
    let rows = texts(&html, "#relations-title ~ .table-wrap tbody tr");
    assert!(rows.len() >= 20, "{}", rows.len());
    assert!(rows.iter().all(|r| r.starts_with("İstanbul –")));
    assert!(hrefs(&html, "main a").contains(&"/en/map?municipality=istanbul".to_owned()));
    let quiet = app.page("/en/municipalities/bilecik-inhisar").await;
    assert_eq!(text(&quiet, "#relations-title + p"), "No relation is recorded.");
}

async fn the_country_summary_and_compliance_pages_show_the_gaps(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/tr/partnerships/countries").await;
    let rows = texts(&html, "table.countries tbody tr");
    assert!(rows.iter().any(|r| r.starts_with("Almanya")));
    assert!(text(&html, "table.countries caption").ends_with("429"));
    // The public page counts what is recorded; the per-relation working list is in the workspace.
    let records = app.page("/en/compliance").await;
    assert_eq!(texts(&records, "ul.stats strong"), ["429", "0", "429", "0", "0"]);
    assert!(texts(&records, "main table").is_empty(), "no per-relation gap list in public");
}

async fn the_partnership_api_lists_filters_and_explains(db: TestDb) {
    let app = TestApp::new(db).await;
    let (status, body) = app.json("/api/v1/partnerships?municipality=bursa&per_page=5").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["items"].as_array().unwrap().len(), 5);
    let first = &body["items"][0];
    assert_eq!(first["member"]["slug"], "bursa");
    assert_eq!(first["stage"], "active");
    assert_eq!(first["trail_incomplete"], true);
    assert!(first["partner"]["location"]["lat"].is_number());
    let id = first["id"].as_i64().unwrap();
    let (_, detail) = app.json(&format!("/api/v1/partnerships/{id}")).await;
    assert_eq!(detail["missing"][0]["stage"], "council_approved");
    assert!(detail["trail"].as_array().unwrap().is_empty());
    let (status, err) = app.json("/api/v1/partnerships?stage=x&per_page=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["fields"].as_object().unwrap().len(), 2);
    let (status, err) = app.json("/api/v1/partnerships/424242").await;
    assert_eq!((status, err["error"]["code"].as_str()), (StatusCode::NOT_FOUND, Some("not_found")));
    let (_, countries) = app.json("/api/v1/partnerships/countries").await;
    assert!(countries.as_array().unwrap().iter().any(|c| c["country"] == "DE"));
    // The compliance dataset comes a page at a time, like the other lists, at most 100 a page.
    let (_, compliance) = app.json("/api/v1/compliance").await;
    assert_eq!((compliance["total"].as_u64(), compliance["per_page"].as_u64()), (Some(429), Some(25)));
    assert_eq!(compliance["items"].as_array().unwrap().len(), 25);
    assert_eq!(compliance["items"][0]["missing"][0]["stage"], "council_approved");
    let (_, last) = app.json("/api/v1/compliance?page=5&per_page=100").await;
    assert_eq!(last["items"].as_array().unwrap().len(), 29);
    let (status, err) = app.json("/api/v1/compliance?per_page=101&page=0").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(err["error"]["fields"].as_object().unwrap().len(), 2, "{err}");
    let (_, nilufer) = app.json("/api/v1/compliance?municipality=bursa-nilufer&per_page=100").await;
    let items = nilufer["items"].as_array().unwrap();
    assert!(!items.is_empty() && items.iter().all(|e| e["partnership"]["member"]["slug"] == "bursa-nilufer"));
    // No write endpoint exists for anonymous clients.
    let post = app
        .request(
            axum::http::Request::post(format!("/api/v1/partnerships/{id}")).body(axum::body::Body::empty()).unwrap(),
        )
        .await;
    assert_eq!(post.status, StatusCode::METHOD_NOT_ALLOWED);
    let _ = PartnershipId(id);
}

mod writes {
    use super::*;
    use axum::body::Body;
    use axum::http::Request;
    use ldp_core::services::tokens::Tokens;

    both_backends!(seeded => writes_need_a_live_token_and_follow_the_trail_rules);

    fn post(uri: &str, token: Option<&str>, json: &str) -> Request<Body> {
        let mut req = Request::post(uri).header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        req.body(Body::from(json.to_owned())).unwrap()
    }

    async fn writes_need_a_live_token_and_follow_the_trail_rules(db: TestDb) {
        let app = TestApp::new(db).await;
        let proposal = r#"{"municipality":"bilecik","partner_city":"2867714","kind":"friendship","sdgs":"4","proposed_on":"2026-01-15"}"#;
        let anonymous = app.request(post("/api/v1/partnerships", None, proposal)).await;
        assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
        assert_eq!(anonymous.headers[header::WWW_AUTHENTICATE], "Bearer");
        assert!(anonymous.body.contains("\"code\":\"unauthorized\""));
        let forged = format!("ldp_{}", "0".repeat(64));
        assert_eq!(
            app.request(post("/api/v1/partnerships", Some(&forged), proposal)).await.status,
            StatusCode::UNAUTHORIZED
        );

        let tokens = Tokens::new(app.db.shared(), app.clock.clone());
        let owner = app.user("sync@mmu.org.tr", "staff", "").await;
        let (token, secret) = tokens.create(&Actor::system("test"), &owner, "sync", false).await.unwrap();
        let created = app.request(post("/api/v1/partnerships", Some(&secret), proposal)).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = serde_json::from_str::<serde_json::Value>(&created.body).unwrap()["id"].as_i64().unwrap();
        let again = app.request(post("/api/v1/partnerships", Some(&secret), proposal)).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
        assert!(again.body.contains("partnership_exists"));

        let steps = format!("/api/v1/partnerships/{id}/steps");
        let signing = r#"{"stage":"signed","date":"2026-03-01","place":"Bilecik","signatories":"Mayors"}"#;
        let refused = app.request(post(&steps, Some(&secret), signing)).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        let body: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
        assert_eq!(body["error"]["code"], "out_of_order");
        assert_eq!(
            body["error"]["fields"]["stage"],
            "The council decision must be recorded before this step (Law 5393 art. 18(p) and 74)."
        );
        // Out of order and incomplete: both said at once.
        let bare = app.request(post(&steps, Some(&secret), r#"{"stage":"signed","date":"2026-03-01"}"#)).await;
        assert_eq!(bare.status, StatusCode::CONFLICT);
        let body: serde_json::Value = serde_json::from_str(&bare.body).unwrap();
        let fields: Vec<&str> = body["error"]["fields"].as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            (body["error"]["code"].as_str(), fields),
            (Some("out_of_order"), vec!["place", "signatories", "stage"])
        );

        // The proposal date can be corrected until the council decision is recorded.
        let date = format!("/api/v1/partnerships/{id}/proposal-date");
        let put = |body: &'static str| {
            let mut r = post(&date, Some(&secret), body);
            *r.method_mut() = axum::http::Method::PUT;
            r
        };
        let future = app.request(put(r#"{"proposed_on":"2026-12-01"}"#)).await;
        assert_eq!(future.status, StatusCode::BAD_REQUEST, "{}", future.body);
        assert!(future.body.contains("proposed_on"));
        let corrected = app.request(put(r#"{"proposed_on":"2026-01-14"}"#)).await;
        assert_eq!(corrected.status, StatusCode::NO_CONTENT, "{}", corrected.body);

        let missing = app.request(post(&steps, Some(&secret), r#"{"stage":"council_approved"}"#)).await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST);
        let body: serde_json::Value = serde_json::from_str(&missing.body).unwrap();
        let fields: Vec<&String> = body["error"]["fields"].as_object().unwrap().keys().collect();
        assert_eq!(fields, ["date", "number"]);

        let council = r#"{"stage":"council_approved","date":"2026-02-01","number":"2026/12"}"#;
        let ok = app.request(post(&steps, Some(&secret), council)).await;
        assert_eq!((ok.status, ok.body.as_str()), (StatusCode::OK, r#"{"stage":"council_approved"}"#));
        let fixed = app.request(put(r#"{"proposed_on":"2026-01-13"}"#)).await;
        assert_eq!(fixed.status, StatusCode::CONFLICT);
        assert!(fixed.body.contains("proposal_date_fixed"));
        let broken = app.request(post(&steps, Some(&secret), "{not json")).await;
        assert_eq!(broken.status, StatusCode::BAD_REQUEST);
        assert!(broken.body.contains("invalid_body"));
        let unknown = app.request(post("/api/v1/partnerships/999999/steps", Some(&secret), council)).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);

        let activity = r#"{"date":"2026-02-10","title_tr":"Ziyaret","kind":"visit","sdgs":"4"}"#;
        let logged = app.request(post(&format!("/api/v1/partnerships/{id}/activities"), Some(&secret), activity)).await;
        assert_eq!(logged.status, StatusCode::CREATED, "{}", logged.body);

        let (_, detail) = app.json(&format!("/api/v1/partnerships/{id}")).await;
        let actors: Vec<&str> =
            detail["trail"].as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap()).collect();
        assert!(actors.iter().all(|a| a.is_empty()), "the public API does not name who recorded a step");
        let (_, with_token) = {
            let r = app.api("GET", &format!("/api/v1/partnerships/{id}"), Some(&secret), None).await;
            (r.status, serde_json::from_str::<serde_json::Value>(&r.body).unwrap())
        };
        let named = format!("{} (sync@mmu.org.tr)", token.actor());
        let actors: Vec<&str> =
            with_token["trail"].as_array().unwrap().iter().map(|e| e["actor"].as_str().unwrap()).collect();
        assert_eq!(actors, [named.as_str(), named.as_str()], "staff with a token see who did it");
        assert_eq!(detail["activities"][0]["title"]["tr"], "Ziyaret");

        tokens.revoke(&Actor::system("test"), token.id).await.unwrap();
        let after = app.request(post(&format!("/api/v1/partnerships/{id}/activities"), Some(&secret), activity)).await;
        assert_eq!(after.status, StatusCode::UNAUTHORIZED, "a revoked token writes nothing");
        // A cookie is never enough.
        let with_cookie = Request::post("/api/v1/partnerships")
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::COOKIE, "session=whatever")
            .body(Body::from(proposal))
            .unwrap();
        assert_eq!(app.request(with_cookie).await.status, StatusCode::UNAUTHORIZED);
    }
}

async fn turkish_pages_use_turkish_place_and_country_names(db: TestDb) {
    let app = TestApp::new(db).await;
    let tr = app.page("/tr/partnerships?municipality=istanbul&country=EG").await;
    assert!(texts(&tr, "table.partnerships tbody th").contains(&"İstanbul – Kahire".to_owned()));
    let en = app.page("/en/partnerships?municipality=istanbul&country=EG").await;
    assert!(texts(&en, "table.partnerships tbody th").contains(&"İstanbul – Cairo".to_owned()));
    let csv = app.get("/tr/partnerships.csv?municipality=istanbul&country=SY").await;
    assert!(csv.body.contains(";Şam;"), "Turkish exports are ;-separated: {}", csv.body);
    let (_, api) = app.json("/api/v1/partnerships?municipality=istanbul&country=EG").await;
    assert_eq!(
        (api["items"][0]["partner"]["name"].as_str(), api["items"][0]["partner"]["name_tr"].as_str()),
        (Some("Cairo"), Some("Kahire"))
    );
    let countries = app.page("/tr/partnerships/countries").await;
    let rows = texts(&countries, "table.countries tbody th");
    assert!(rows.contains(&"Filistin".to_owned()), "{rows:?}");
    assert!(!rows.iter().any(|r| r.contains("Bölgeleri")));
    // The gazetteer picker: an exact exonym first, in Turkish with the Turkish country name.
    let (status, cities) = app.json("/api/v1/cities?q=%C5%9Eam").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(cities["items"][0]["id"], 170654, "Şam is Damascus");
    assert_eq!(cities["items"][0]["name_tr"], "Şam");
}

async fn northern_cyprus_has_its_own_row_and_shape(db: TestDb) {
    let app = TestApp::new(db).await;
    let html = app.page("/tr/partnerships/countries").await;
    let rows = texts(&html, "table.countries tbody th");
    assert!(rows.contains(&"Kuzey Kıbrıs Türk Cumhuriyeti".to_owned()), "{rows:?}");
    let north = app.page("/tr/partnerships?country=XN&per_page=100").await;
    let names = texts(&north, "table.partnerships tbody th");
    assert!(names.iter().any(|n| n.ends_with("– Girne")), "{names:?}");
    let south = app.page("/tr/partnerships?country=CY").await;
    let names = texts(&south, "table.partnerships tbody th");
    assert!(
        !names.iter().any(|n| n.ends_with("– Girne") || n.contains("Kyrenia") || n.contains("Mağusa")),
        "{names:?}"
    );
    let map = app.page("/tr/map?country=XN").await;
    assert!(!texts(&map, "svg .arcs path").is_empty());
    assert_eq!(texts(&map, "svg .countries path.partner").len(), 1, "the N. Cyprus shape is shaded");
    let csv = app.get("/en/partnerships.csv?country=XN").await;
    assert!(csv.body.lines().skip(1).all(|l| l.contains(",XN,")), "{}", csv.body);
}

async fn the_partner_picker_speaks_the_pages_language(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("staff@example.org", "staff", "").await;
    let b = app.sign_in("staff@example.org").await;
    let tr = app.get_as("/tr/workspace/partnerships/new?q=M%C3%BCnih", &b).await;
    let html = Html::parse_document(&tr.body);
    assert!(texts(&html, "ul.choices li").iter().any(|c| c.starts_with("Münih · Almanya")), "{}", tr.body);
    let en = app.get_as("/en/workspace/partnerships/new?q=Munich", &b).await;
    let html = Html::parse_document(&en.body);
    assert!(texts(&html, "ul.choices li").iter().any(|c| c.starts_with("Munich · Germany")));
    // An exact exonym comes first: Şam is Damascus, not a larger city whose name starts with "sam".
    let sam = app.get_as("/tr/workspace/partnerships/new?q=%C5%9Eam", &b).await;
    let html = Html::parse_document(&sam.body);
    assert_eq!(attr(&html, "ul.choices input", "value").as_deref(), Some("170654"));
    assert!(texts(&html, "ul.choices li")[0].starts_with("Şam · Suriye"));
}

async fn staff_merge_a_place_from_the_list_in_the_workspace(db: TestDb) {
    use ldp_core::store::prelude::*;
    let app = TestApp::new(db).await;
    app.user("staff@example.org", "staff", "").await;
    app.user("rep@example.org", "representative", "istanbul-beyoglu").await;
    let rep = app.sign_in("rep@example.org").await;
    assert_eq!(app.get_as("/en/workspace/places", &rep).await.status, StatusCode::FORBIDDEN);
    let b = app.sign_in("staff@example.org").await;
    let reply = app.get_as("/en/workspace/places", &b).await;
    assert_eq!(reply.status, StatusCode::OK);
    let html = Html::parse_document(&reply.body);
    assert!(texts(&html, "table.places tbody th").contains(&"Berlin – Mitte".to_owned()));
    let places = app.db.store.source_places().await.unwrap();
    let mitte = places.iter().find(|p| p.name == "Berlin – Mitte").unwrap();
    assert_eq!((mitte.country.as_str(), mitte.relations), ("DE", 1));
    let uri = format!("/en/workspace/places/{}/merge", mitte.id);
    let bad = app.form(&uri, Some(&b), &[("city", "Berlin")]).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Must be a number."));
    let not_a_city = app.form(&uri, Some(&b), &[("city", &mitte.id.to_string())]).await;
    assert_eq!(not_a_city.status, StatusCode::BAD_REQUEST);
    let done = app.form(&uri, Some(&b), &[("city", "2950159")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let after = app.get_as("/en/workspace/places?merged=2950159", &b).await;
    let html = Html::parse_document(&after.body);
    assert!(!texts(&html, "table.places tbody th").contains(&"Berlin – Mitte".to_owned()));
    let rows = app.page("/en/partnerships?municipality=istanbul-beyoglu&country=DE").await;
    assert!(texts(&rows, "table.partnerships tbody th").contains(&"Beyoğlu – Berlin".to_owned()));
}
