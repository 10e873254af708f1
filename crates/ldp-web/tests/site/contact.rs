//! The contact form: fields and their messages, KVKK consent (never pre-ticked, its version kept), each spam
//! defence (honeypot, signed time trap that never refuses a slow person, per-client limit, link counter),
//! the confirmation page and the mailed receipt with the reference number, and routing by the rules.

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use scraper::Html;
use std::net::SocketAddr;
use time::Duration;

use ldp_core::clock::Clock;
use ldp_core::domain::contact::{ContactTopic, MessageFilter};
use ldp_core::domain::{Actor, AuditFilter, Page};
use ldp_core::feed::Topic;
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    the_form_is_linked_everywhere_and_asks_for_consent_unticked,
    a_message_is_confirmed_and_receipted_with_its_reference,
    bad_fields_come_back_beside_the_fields_with_what_was_typed,
    a_filled_honeypot_is_refused_with_a_clear_message,
    the_time_trap_refuses_haste_and_forgery_but_never_slowness,
    one_client_is_limited_and_others_are_not,
    messages_reach_the_team_their_topic_is_routed_to,
    the_api_takes_a_message_with_the_same_defences,
);

/// The shown form: its CSRF cookie and token, and its time stamp.
struct Shown {
    cookie: String,
    csrf: String,
    stamp: String,
}

async fn show(app: &TestApp, lang: &str) -> Shown {
    let reply = app.get(&format!("/{lang}/contact")).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let html = Html::parse_document(&reply.body);
    Shown {
        cookie: set_cookie(&reply, "ldp_csrf").expect("the form sets its cookie"),
        csrf: csrf_of(&reply.body),
        stamp: attr(&html, "input[name=stamp]", "value").expect("a time stamp"),
    }
}

const GOOD: &[(&str, &str)] = &[
    ("name", "Ayşe Yılmaz"),
    ("email", "ayse@example.org"),
    ("organisation", "Örnek Kent Derneği"),
    ("municipality", "bursa-nilufer"),
    ("topic", "local_diplomacy"),
    ("message", "Kardeş şehir ilişkileri üzerine bir çalışma yapıyoruz; görüşmek isteriz."),
    ("consent", "yes"),
];

/// Posts the form from client `peer` with `fields` (the CSRF token and the stamp added).
async fn post(app: &TestApp, lang: &str, shown: &Shown, peer: [u8; 4], fields: &[(&str, &str)]) -> Reply {
    let mut pairs: Vec<(&str, &str)> = fields.to_vec();
    pairs.push(("csrf", &shown.csrf));
    if !fields.iter().any(|(k, _)| *k == "stamp") {
        pairs.push(("stamp", &shown.stamp));
    }
    app.request(
        Request::post(format!("/{lang}/contact"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("ldp_csrf={}", shown.cookie))
            .extension(ConnectInfo(SocketAddr::from((peer, 40_000))))
            .body(Body::from(serde_urlencoded::to_string(&pairs).unwrap()))
            .unwrap(),
    )
    .await
}

/// Shows the form, lets a person's few seconds pass, and sends it.
async fn send(app: &TestApp, peer: [u8; 4], fields: &[(&str, &str)]) -> Reply {
    let shown = show(app, "tr").await;
    app.clock.set(app.clock.now() + Duration::seconds(20));
    post(app, "tr", &shown, peer, fields).await
}

fn with<'a>(fields: &[(&'a str, &'a str)], key: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    let mut out: Vec<(&str, &str)> = fields.iter().filter(|(k, _)| *k != key).copied().collect();
    out.push((key, value));
    out
}

async fn stored(app: &TestApp) -> Vec<ldp_core::domain::contact::ContactMessage> {
    let filter = MessageFilter { page: Page::first(100), ..Default::default() };
    app.state.contact.inbox(&Actor::system("test"), &filter).await.unwrap().items
}

async fn the_form_is_linked_everywhere_and_asks_for_consent_unticked(db: TestDb) {
    let app = TestApp::new(db).await;
    for (page, href) in [("/tr/", "/tr/contact"), ("/en/networks", "/en/contact"), ("/tr/partnerships", "/tr/contact")]
    {
        let html = app.page(page).await;
        assert!(hrefs(&html, "footer a").contains(&href.to_owned()), "{page} links the form");
    }
    for lang in ["tr", "en"] {
        let reply = app.get(&format!("/{lang}/contact")).await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(reply.headers[header::CACHE_CONTROL].to_str().unwrap().contains("no-store"), "a form with a token");
        let html = Html::parse_document(&reply.body);
        assert_eq!(attr(&html, "input[name=consent]", "type").as_deref(), Some("checkbox"));
        assert_eq!(attr(&html, "input[name=consent]", "checked"), None, "never pre-ticked");
        assert_eq!(attr(&html, ".hp", "aria-hidden").as_deref(), Some("true"));
        assert_eq!(attr(&html, "input[name=website]", "tabindex").as_deref(), Some("-1"));
        assert_eq!(attr(&html, "input[name=website]", "autocomplete").as_deref(), Some("off"));
        let kvkk = text(&html, ".kvkk");
        assert!(kvkk.contains("6698") && kvkk.contains("11"), "{kvkk}");
        assert!(kvkk.contains("24"), "the retention period: {kvkk}");
        assert_eq!(texts(&html, "input[name=topic]").len(), 5, "five topics");
        assert!(
            html.select(&scraper::Selector::parse("select[name=municipality] option[value=bursa-nilufer]").unwrap())
                .next()
                .is_some()
        );
    }
    let tr = app.page("/tr/contact").await;
    assert!(text(&tr, ".kvkk").contains("Veri sorumlusu: Marmara Belediyeler Birliği"), "{}", text(&tr, ".kvkk"));
}

async fn a_message_is_confirmed_and_receipted_with_its_reference(db: TestDb) {
    let app = TestApp::new(db).await;
    let before = app.state.feed.current().get(Topic::Contact);
    let reply = send(&app, [192, 0, 2, 1], GOOD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let html = Html::parse_document(&reply.body);
    let reference = text(&html, ".reference");
    assert_eq!(reference.len(), "2026-XXXX-XXXX".len(), "{reference}");
    assert!(app.state.feed.current().get(Topic::Contact) > before, "the write moved the contact topic");
    let messages = stored(&app).await;
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!((m.reference.as_str(), m.email.as_str()), (reference.as_str(), "ayse@example.org"));
    assert_eq!(m.consent_version, ldp_core::domain::contact::CONSENT_VERSION);
    assert_eq!(m.topic, ContactTopic::LocalDiplomacy);
    assert!(m.municipality_id.is_some());
    assert!(app.mail.last_to("ayse@example.org").is_none(), "mail goes out from the queue");
    assert_eq!(app.deliver().await, 1);
    let receipt = app.mail.last_to("ayse@example.org").expect("a receipt");
    assert!(receipt.subject.contains(&reference) && receipt.body.contains(&reference), "{receipt:?}");
    assert!(!receipt.body.contains("Kardeş şehir ilişkileri"), "the receipt repeats nothing the visitor typed");
    // The audit entry names the reference, never the person.
    let entries = app
        .state
        .store
        .list_audit(&AuditFilter { record_type: Some("contact_message".into()), ..Default::default() }, Page::first(5))
        .await
        .unwrap();
    let after = entries.items[0].after.as_ref().unwrap().to_string();
    assert!(after.contains(&reference) && !after.contains("ayse") && !after.contains("Ayşe"), "{after}");
    // In English too.
    let shown = show(&app, "en").await;
    app.clock.set(app.clock.now() + Duration::minutes(1));
    let en = post(&app, "en", &shown, [192, 0, 2, 1], &with(GOOD, "email", "jane@example.org")).await;
    assert_eq!(en.status, StatusCode::OK);
    app.deliver().await;
    assert!(app.mail.last_to("jane@example.org").unwrap().subject.starts_with("Your message was received"));
}

async fn bad_fields_come_back_beside_the_fields_with_what_was_typed(db: TestDb) {
    let app = TestApp::new(db).await;
    let reply = send(&app, [192, 0, 2, 1], &[("name", "Ayşe"), ("email", "not-an-address"), ("topic", "gossip")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&reply.body);
    for field in ["email", "topic", "message", "consent"] {
        assert!(!text(&html, &format!("#f-{field}-error")).is_empty(), "{field} has its message");
    }
    assert_eq!(attr(&html, "#f-name", "value").as_deref(), Some("Ayşe"), "what was typed stays");
    assert_eq!(attr(&html, "#f-email", "value").as_deref(), Some("not-an-address"));
    assert!(text(&html, "#f-consent-error").contains("rıza"));
    // Consent is never assumed; too many links are refused; an unknown municipality is named.
    let no_consent: Vec<_> = GOOD.iter().filter(|(k, _)| *k != "consent").copied().collect();
    let reply = send(&app, [192, 0, 2, 1], &no_consent).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(!text(&Html::parse_document(&reply.body), "#f-consent-error").is_empty());
    let links = with(GOOD, "message", "https://a.example https://b.example www.c.example");
    let reply = send(&app, [192, 0, 2, 1], &links).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(!text(&Html::parse_document(&reply.body), "#f-message-error").is_empty());
    let two_links = with(GOOD, "message", "Bkz. https://a.example ve https://b.example");
    assert_eq!(send(&app, [192, 0, 2, 1], &two_links).await.status, StatusCode::OK, "two links are fine");
    let nowhere = with(GOOD, "municipality", "atlantis");
    let reply = send(&app, [192, 0, 2, 1], &nowhere).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(!text(&Html::parse_document(&reply.body), "#f-municipality-error").is_empty());
    assert_eq!(stored(&app).await.len(), 1, "only the good one was kept");
}

async fn a_filled_honeypot_is_refused_with_a_clear_message(db: TestDb) {
    let app = TestApp::new(db).await;
    let reply = send(&app, [192, 0, 2, 1], &with(GOOD, "website", "http://spam.example")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&reply.body);
    assert!(text(&html, ".form-message").contains("otomatik"), "{}", text(&html, ".form-message"));
    assert_eq!(attr(&html, "input[name=website]", "value").as_deref(), Some(""), "the trap is empty again");
    assert_eq!(attr(&html, "#f-name", "value").as_deref(), Some("Ayşe Yılmaz"));
    assert!(stored(&app).await.is_empty());
}

async fn the_time_trap_refuses_haste_and_forgery_but_never_slowness(db: TestDb) {
    let app = TestApp::new(db).await;
    // Sent the moment it was shown: refused, with the same stamp kept, so a moment later it passes.
    let shown = show(&app, "tr").await;
    let hasty = post(&app, "tr", &shown, [192, 0, 2, 1], GOOD).await;
    assert_eq!(hasty.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&hasty.body);
    assert!(text(&html, ".form-message").contains("hızlı"), "{}", text(&html, ".form-message"));
    assert_eq!(attr(&html, "input[name=stamp]", "value").as_deref(), Some(shown.stamp.as_str()));
    assert_eq!(attr(&html, "#f-message", "value"), None);
    assert!(text(&html, "#f-message").contains("Kardeş şehir"), "the message stays");
    assert!(stored(&app).await.is_empty());
    app.clock.set(app.clock.now() + Duration::seconds(5));
    assert_eq!(post(&app, "tr", &shown, [192, 0, 2, 1], GOOD).await.status, StatusCode::OK);
    // A forged or missing stamp: refused, the form kept, a genuine stamp issued.
    let shown = show(&app, "tr").await;
    app.clock.set(app.clock.now() + Duration::seconds(30));
    let seconds = (app.clock.now() - Duration::hours(1)).unix_timestamp();
    let forged = format!("{seconds}.{}", shown.stamp.split_once('.').unwrap().1);
    let reply = post(&app, "tr", &shown, [192, 0, 2, 1], &with(GOOD, "stamp", &forged)).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&reply.body);
    assert!(!text(&html, ".form-message").is_empty());
    assert_eq!(attr(&html, "#f-email", "value").as_deref(), Some("ayse@example.org"));
    let fresh = attr(&html, "input[name=stamp]", "value").unwrap();
    assert_ne!(fresh, forged);
    let reply = post(&app, "tr", &shown, [192, 0, 2, 1], &with(GOOD, "stamp", "")).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    // A person who took a month over it is not refused.
    let shown = show(&app, "tr").await;
    app.clock.set(app.clock.now() + Duration::days(30));
    assert_eq!(post(&app, "tr", &shown, [192, 0, 2, 1], GOOD).await.status, StatusCode::OK);
    assert_eq!(stored(&app).await.len(), 2);
}

async fn one_client_is_limited_and_others_are_not(db: TestDb) {
    let app = TestApp::new(db).await;
    let limit = app.state.contact.settings().per_client;
    for _ in 0..limit {
        assert_eq!(send(&app, [192, 0, 2, 9], GOOD).await.status, StatusCode::OK);
    }
    let refused = send(&app, [192, 0, 2, 9], GOOD).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    let html = Html::parse_document(&refused.body);
    assert!(text(&html, ".form-message").contains("bir saat"), "{}", text(&html, ".form-message"));
    assert_eq!(attr(&html, "#f-name", "value").as_deref(), Some("Ayşe Yılmaz"), "nothing typed is lost");
    assert_eq!(send(&app, [192, 0, 2, 10], GOOD).await.status, StatusCode::OK, "another client");
    app.clock.set(app.clock.now() + Duration::hours(2));
    assert_eq!(send(&app, [192, 0, 2, 9], GOOD).await.status, StatusCode::OK, "the window passed");
    assert_eq!(stored(&app).await.len(), limit as usize + 2);
}

async fn messages_reach_the_team_their_topic_is_routed_to(db: TestDb) {
    let app = TestApp::new(db).await;
    let staff = app.user("personel@marmara.gov.tr", "staff", "").await;
    let actor = Actor::user(&staff, None);
    app.state.contact.set_rule(&actor, "press", "Basın ve halkla ilişkiler").await.unwrap();
    assert_eq!(send(&app, [192, 0, 2, 1], &with(GOOD, "topic", "press")).await.status, StatusCode::OK);
    assert_eq!(send(&app, [192, 0, 2, 1], GOOD).await.status, StatusCode::OK);
    let press =
        MessageFilter { team: Some("Basın ve halkla ilişkiler".into()), page: Page::first(10), ..Default::default() };
    let found = app.state.contact.inbox(&actor, &press).await.unwrap().items;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].topic, ContactTopic::Press);
    let bad = app.state.contact.set_rule(&actor, "gossip", "").await.unwrap_err();
    assert!(matches!(bad, ldp_core::services::ServiceError::Invalid(ref e) if e.fields.len() == 2), "{bad:?}");
    let visitor = Actor::visitor(None);
    assert!(app.state.contact.inbox(&visitor, &press).await.is_err(), "visitors read no inbox");
}

/// Posts JSON to the public contact API from client `peer`.
async fn api_post(app: &TestApp, peer: [u8; 4], body: &serde_json::Value) -> Reply {
    app.request(
        Request::post("/api/v1/contact/messages")
            .header(header::CONTENT_TYPE, "application/json")
            .extension(ConnectInfo(SocketAddr::from((peer, 40_000))))
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

async fn the_api_takes_a_message_with_the_same_defences(db: TestDb) {
    let app = TestApp::cached(db).await;
    let started = app.get("/api/v1/contact/form").await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    assert_eq!(started.headers[header::CACHE_CONTROL], "no-store", "a stamp is of its moment");
    let info: serde_json::Value = serde_json::from_str(&started.body).unwrap();
    let stamp = info["stamp"].as_str().unwrap().to_owned();
    assert_eq!(info["consent_version"], ldp_core::domain::contact::CONSENT_VERSION);
    assert_eq!(info["topics"].as_array().unwrap().len(), ContactTopic::ALL.len());
    app.clock.set(app.clock.now() + Duration::seconds(1));
    let again: serde_json::Value = serde_json::from_str(&app.get("/api/v1/contact/form").await.body).unwrap();
    assert_ne!(again["stamp"], info["stamp"], "never a kept copy");
    let good = serde_json::json!({
        "name": "Ayşe Yılmaz", "email": "ayse@example.org", "topic": "membership", "municipality": "bursa-nilufer",
        "message": "Üyelik koşullarını öğrenmek istiyoruz.", "consent": true, "stamp": stamp, "lang": "en",
    });
    // Too soon after the stamp, a forged stamp, no consent, bad fields: each refused with its field named.
    let hasty = api_post(&app, [192, 0, 2, 30], &good).await;
    assert_eq!(hasty.status, StatusCode::BAD_REQUEST, "{}", hasty.body);
    assert!(hasty.body.contains("\"stamp\""), "{}", hasty.body);
    app.clock.set(app.clock.now() + Duration::seconds(30));
    let mut forged = good.clone();
    forged["stamp"] = serde_json::json!(format!("{}.00", app.clock.now().unix_timestamp() - 60));
    assert_eq!(api_post(&app, [192, 0, 2, 30], &forged).await.status, StatusCode::BAD_REQUEST);
    let mut bad = good.clone();
    bad["consent"] = serde_json::json!(false);
    bad["email"] = serde_json::json!("ayse");
    bad["topic"] = serde_json::json!("gossip");
    let refused = api_post(&app, [192, 0, 2, 30], &bad).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let json: serde_json::Value = serde_json::from_str(&refused.body).unwrap();
    for field in ["consent", "email", "topic"] {
        assert!(json["error"]["fields"][field].is_string(), "{field}: {}", refused.body);
    }
    assert_eq!(api_post(&app, [192, 0, 2, 30], &serde_json::json!([1])).await.status, StatusCode::BAD_REQUEST);
    assert!(stored(&app).await.is_empty(), "nothing refused was kept");
    // Accepted: the receipt names the reference and the team, the message is in the inbox, the receipt mailed.
    let sent = api_post(&app, [192, 0, 2, 30], &good).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.body);
    let receipt: serde_json::Value = serde_json::from_str(&sent.body).unwrap();
    let reference = receipt["reference"].as_str().unwrap();
    assert_eq!(receipt["topic"], "membership");
    assert_eq!(receipt["team"], "secretariat");
    let messages = stored(&app).await;
    assert_eq!(messages.len(), 1);
    assert_eq!((messages[0].reference.as_str(), messages[0].lang), (reference, ldp_core::domain::Lang::En));
    assert_eq!(app.deliver().await, 1);
    let mailed = app.mail.last_to("ayse@example.org").expect("a receipt");
    assert!(mailed.body.contains(reference) && mailed.subject.starts_with("Your message was received"), "{mailed:?}");
    // The same per-client limit as the form's.
    let limit = app.state.contact.settings().per_client;
    for _ in 1..limit {
        assert_eq!(api_post(&app, [192, 0, 2, 30], &good).await.status, StatusCode::CREATED);
    }
    let limited = api_post(&app, [192, 0, 2, 30], &good).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{}", limited.body);
    assert_eq!(api_post(&app, [192, 0, 2, 31], &good).await.status, StatusCode::CREATED, "another client");
}
