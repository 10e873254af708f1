//! Waitlist offers answered from the mail (issue 11): the offer mail's link opens a public page with the event,
//! the seats and the deadline and two buttons; the forms need the anonymous CSRF cookie; an answered,
//! expired or unknown link gets a clear page, never a 500; the page is never kept by the page cache.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use scraper::Html;
use time::Duration;

use ldp_core::clock::Clock;
use ldp_core::domain::{Actor, EventStatus, RegistrationStatus};
use ldp_core::services::events::{EventInput, RegistrationInput};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::{Reply, TestApp, csrf_of, set_cookie, text, texts};

both_backends!(seeded =>
    a_mailed_offer_is_taken_on_its_page_without_signing_in,
    an_expired_answered_or_unknown_link_gets_a_clear_page,
);

const REP: &str = "rep@nilufer.bel.tr";

/// A published event of one seat, the representative's own registration holding it and a colleague's
/// waiting; the representative then cancels, the colleague's registration is offered the seat and the
/// offer mail goes out. Returns the link's path (Turkish) from the mail.
async fn offered(app: &TestApp) -> (String, ldp_core::domain::Registration) {
    let system = Actor::system("test");
    let input = EventInput {
        kind: Some("workshop".into()),
        title_tr: Some("Kardeş şehir atölyesi".into()),
        title_en: Some("Sister-city workshop".into()),
        host: Some("bursa-nilufer".into()),
        sessions: Some(format!("{} 10:00-12:00", (app.clock.today() + Duration::days(10)))),
        online_url: Some("https://meet.example.org/atolye".into()),
        languages: Some("tr".into()),
        organiser: Some("Marmara Belediyeler Birliği".into()),
        audience: Some("member_staff".into()),
        capacity: Some("1".into()),
        ..EventInput::default()
    };
    let event = app.state.events.create(&system, &input).await.unwrap();
    app.state.events.set_status(&system, event.id, EventStatus::Published).await.unwrap();
    let user = app.user(REP, "representative", "bursa-nilufer").await;
    let rep = Actor::user(&user, None);
    let own = app.state.events.register(&rep, event.id, &RegistrationInput::default()).await.unwrap();
    let colleague =
        RegistrationInput { municipality: None, attendees: Some("Ayşe Yılmaz <ayse@nilufer.bel.tr>".into()) };
    let waiting = app.state.events.register(&rep, event.id, &colleague).await.unwrap();
    assert_eq!(waiting.status, RegistrationStatus::Waitlisted);
    app.state.events.cancel(&rep, own.id).await.unwrap();
    app.deliver().await;
    let mail = app.mail.last_to(REP).expect("the offer mail goes to who registered");
    assert!(mail.subject.contains(&waiting.code), "{}", mail.subject);
    let start = mail.body.find("/tr/registration/offer/").expect("the link");
    let path = mail.body[start..].split_whitespace().next().unwrap().to_owned();
    let waiting = app.state.events.my_registrations(&rep).await.unwrap().into_iter().find(|r| r.id == waiting.id);
    (path, waiting.unwrap())
}

/// POSTs an answer as a browser that opened the page: its CSRF cookie and field.
async fn answer(app: &TestApp, page: &Reply, action: &str) -> Reply {
    let cookie = set_cookie(page, "ldp_csrf").expect("the page sets the CSRF cookie");
    let body = serde_urlencoded::to_string([("csrf", csrf_of(&page.body))]).unwrap();
    let request = Request::post(action)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("ldp_csrf={cookie}"))
        .body(Body::from(body))
        .unwrap();
    app.request(request).await
}

fn form_actions(html: &Html) -> Vec<String> {
    html.select(&scraper::Selector::parse("form").unwrap())
        .filter_map(|f| f.value().attr("action").map(str::to_owned))
        .collect()
}

async fn a_mailed_offer_is_taken_on_its_page_without_signing_in(db: TestDb) {
    let app = TestApp::cached(db).await;
    let (path, offer) = offered(&app).await;
    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert_eq!(page.headers[header::CACHE_CONTROL], "private, no-store");
    let html = Html::parse_document(&page.body);
    assert_eq!(texts(&html, "h1"), vec!["Bekleme listesinden yer teklifi".to_owned()]);
    assert_eq!(text(&html, "dd code"), offer.code);
    let shown = ldp_web::i18n::datetime(ldp_core::domain::Lang::Tr, offer.offer_expires_at.unwrap());
    assert!(texts(&html, "dd").contains(&shown), "the deadline in Istanbul time: {shown}");
    assert_eq!(form_actions(&html), vec![format!("{path}/accept"), format!("{path}/decline")]);

    // Without the CSRF cookie the answer is refused and nothing changes.
    let bare = app.form(&format!("{path}/accept"), None, &[("csrf", &csrf_of(&page.body))]).await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.state.events.offer_by_link(path.rsplit('/').next().unwrap()).await.unwrap().registration.status,
        RegistrationStatus::Offered
    );

    let taken = answer(&app, &page, &format!("{path}/accept")).await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.body);
    assert_eq!(taken.headers[header::LOCATION], format!("{path}?done=accepted"));
    let done = Html::parse_document(&app.get(&format!("{path}?done=accepted")).await.body);
    assert_eq!(text(&done, ".notice"), "Yeri aldınız: kaydınız onaylandı.");
    assert!(form_actions(&done).iter().all(|a| !a.starts_with(&path)), "no buttons once answered");
    // The same page again, read through the cache, shows the answer and not the open offer.
    let again = Html::parse_document(&app.get(&path).await.body);
    assert_eq!(text(&again, ".lead"), "Bu yer teklifi yanıtlandı. Kaydınızın son durumu aşağıda.");
    assert!(texts(&again, "dd").contains(&"Onaylandı".to_owned()));
    // Declining afterwards (an old tab) is a clear 409 on the same page, not a 500.
    let late = answer(&app, &page, &format!("{path}/decline")).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    let late = Html::parse_document(&late.body);
    assert_eq!(text(&late, ".form-message"), "Bu yer teklifi daha önce yanıtlandı.");
}

async fn an_expired_answered_or_unknown_link_gets_a_clear_page(db: TestDb) {
    let app = TestApp::new(db).await;
    let (path, offer) = offered(&app).await;
    let en = path.replacen("/tr/", "/en/", 1);
    let page = app.get(&en).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(texts(&Html::parse_document(&page.body), "h1"), vec!["A seat offered from the waiting list".to_owned()]);
    // Past the deadline: the page says the offer expired, with no buttons, and a late answer is refused.
    app.clock.advance(offer.offer_expires_at.unwrap() - app.clock.now());
    let expired = Html::parse_document(&app.get(&en).await.body);
    assert_eq!(text(&expired, ".lead"), "This offer has expired. The seats passed to the next in line.");
    assert!(form_actions(&expired).iter().all(|a| !a.starts_with(&en)));
    let late = answer(&app, &page, &format!("{en}/accept")).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(
        text(&Html::parse_document(&late.body), ".form-message"),
        "The offer has expired; the seats passed to the next in line."
    );
    // An unknown link is a 404 page that says so, in the reader's language.
    let unknown = app.get("/en/registration/offer/0123456789abcdef").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("This link is not known."), "{}", unknown.body);
    let unknown = app.get("/tr/registration/offer/yok").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(unknown.body.contains("Bu bağlantı tanınmıyor."));
    // After the sweep the expired link is pruned: it is unknown from then on.
    app.state.events.expire_offers().await.unwrap();
    app.state.events.prune_links().await.unwrap();
    assert_eq!(app.get(&en).await.status, StatusCode::NOT_FOUND);
}
