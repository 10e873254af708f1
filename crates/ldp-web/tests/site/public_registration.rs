//! Registration without an account for public events, with the double opt-in and KVKK consent, and moderation
//! by staff (issue 11): the form's errors beside its fields, the consent and its notice, the mailed link whose
//! GET shows a page and whose POST confirms, expired and unknown links, the same address twice; staff
//! approving and rejecting (the freed seat offered to the waiting line with its mail), who may, and the API.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use scraper::Html;
use time::Duration;

use ldp_core::clock::Clock;
use ldp_core::domain::{Actor, AuditFilter, EventId, EventStatus, Page, RegistrationStatus};
use ldp_core::services::events::{EventInput, RegistrationInput};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::{Reply, TestApp, attr, csrf_of, set_cookie, text, texts};

both_backends!(seeded =>
    a_public_event_takes_a_registration_confirmed_from_the_mailed_link,
    the_form_names_bad_fields_and_refuses_the_same_address_twice,
    expired_unknown_and_members_only_registrations_get_a_clear_answer,
    staff_approve_and_reject_and_a_rejection_offers_the_seat_with_its_mail,
);

const EMAIL: &str = "ayse.yilmaz@example.org";

fn event_input(audience: &str, capacity: &str, moderated: bool, day: time::Date) -> EventInput {
    EventInput {
        kind: Some("training".into()),
        title_tr: Some("Kamu diplomasisi semineri".into()),
        title_en: Some("Public diplomacy seminar".into()),
        online_url: Some("https://meet.example.org/seminer".into()),
        organiser: Some("Marmara Belediyeler Birliği".into()),
        sessions: Some(format!("{day} 10:00-12:00")),
        audience: Some(audience.into()),
        capacity: Some(capacity.into()),
        moderated: Some(if moderated { "yes" } else { "" }.into()),
        ..EventInput::default()
    }
}

async fn published(app: &TestApp, audience: &str, capacity: &str, moderated: bool) -> EventId {
    let system = Actor::system("test");
    let day = app.clock.today() + Duration::days(10);
    let event = app.state.events.create(&system, &event_input(audience, capacity, moderated, day)).await.unwrap();
    app.state.events.set_status(&system, event.id, EventStatus::Published).await.unwrap();
    event.id
}

/// The shown form: its CSRF cookie and token, and its time stamp.
struct Shown {
    cookie: String,
    csrf: String,
    stamp: String,
}

async fn show(app: &TestApp, id: EventId) -> Shown {
    let reply = app.get(&format!("/tr/registration/events/{}", id.0)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.headers[header::CACHE_CONTROL], "private, no-store");
    let html = Html::parse_document(&reply.body);
    Shown {
        cookie: set_cookie(&reply, "ldp_csrf").expect("the form sets its cookie"),
        csrf: csrf_of(&reply.body),
        stamp: attr(&html, "input[name=stamp]", "value").expect("a time stamp"),
    }
}

/// Posts the form as a browser that showed it a person's few seconds ago.
async fn post(app: &TestApp, id: EventId, shown: &Shown, fields: &[(&str, &str)]) -> Reply {
    let mut pairs: Vec<(&str, &str)> = fields.to_vec();
    pairs.push(("csrf", &shown.csrf));
    pairs.push(("stamp", &shown.stamp));
    app.request(
        Request::post(format!("/tr/registration/events/{}", id.0))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("ldp_csrf={}", shown.cookie))
            .extension(ConnectInfo(SocketAddr::from(([192, 0, 2, 7], 40_000))))
            .body(Body::from(serde_urlencoded::to_string(&pairs).unwrap()))
            .unwrap(),
    )
    .await
}

const GOOD: &[(&str, &str)] = &[("name", "Ayşe Yılmaz"), ("email", EMAIL), ("consent", "yes")];

/// Shows the form, lets 20 seconds pass and registers `EMAIL`; returns the link's path from the mail.
async fn registered(app: &TestApp, id: EventId) -> String {
    let shown = show(app, id).await;
    app.clock.advance(Duration::seconds(20));
    let reply = post(app, id, &shown, GOOD).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let html = Html::parse_document(&reply.body);
    assert_eq!(text(&html, "#sent-title"), "E-postanızı kontrol edin");
    app.deliver().await;
    let mail = app.mail.last_to(EMAIL).expect("the opt-in mail");
    assert!(mail.invitation.is_none());
    let start = mail.body.find("/tr/registration/confirm/").expect("the link");
    mail.body[start..].split_whitespace().next().unwrap().to_owned()
}

/// POSTs the link page's button as the browser that opened it.
async fn press(app: &TestApp, page: &Reply, action: &str) -> Reply {
    let cookie = set_cookie(page, "ldp_csrf").expect("the page sets the CSRF cookie");
    let body = serde_urlencoded::to_string([("csrf", csrf_of(&page.body))]).unwrap();
    let request = Request::post(action)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("ldp_csrf={cookie}"))
        .body(Body::from(body))
        .unwrap();
    app.request(request).await
}

async fn status_of(app: &TestApp, id: EventId) -> Vec<RegistrationStatus> {
    app.state.store.registrations(id).await.unwrap().iter().map(|r| r.status).collect()
}

async fn a_public_event_takes_a_registration_confirmed_from_the_mailed_link(db: TestDb) {
    let app = TestApp::cached(db).await;
    let id = published(&app, "public", "5", false).await;
    // The cached event page links to the form; the form links to the privacy notice.
    let page = app.page(&format!("/tr/events/{}", id.0)).await;
    assert_eq!(attr(&page, "#register-public", "href"), Some(format!("/tr/registration/events/{}", id.0)));
    let form = app.page(&format!("/tr/registration/events/{}", id.0)).await;
    assert_eq!(attr(&form, "#privacy-link", "href").as_deref(), Some("/tr/registration/privacy"));
    let notice = app.page("/en/registration/privacy").await;
    assert_eq!(texts(&notice, "h1"), vec!["Event registration privacy notice".to_owned()]);
    let notice_text = texts(&notice, ".kvkk p").join(" ");
    for part in ["Data controller:", "Purpose:", "Retention:", "24 hours", "Your rights (KVKK Art. 11)", "2026-12-03"] {
        assert!(notice_text.contains(part), "the notice names {part}: {notice_text}");
    }

    let path = registered(&app, id).await;
    assert_eq!(status_of(&app, id).await, vec![RegistrationStatus::Unconfirmed]);
    let stored = &app.state.store.registrations(id).await.unwrap()[0];
    assert_eq!(stored.consent.as_ref().map(|c| c.notice_version.as_str()), Some("2026-12-03"));
    assert_eq!(app.state.store.event(id).await.unwrap().unwrap().seats_taken, 0);

    // Opening the link (what a mail scanner does) shows a page and confirms nothing.
    let opened = app.get(&path).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.body);
    assert_eq!(opened.headers[header::CACHE_CONTROL], "private, no-store");
    let html = Html::parse_document(&opened.body);
    assert_eq!(texts(&html, "h1"), vec!["Kaydınızı onaylayın".to_owned()]);
    assert_eq!(attr(&html, "form[method=post]", "action"), Some(path.clone()));
    assert_eq!(status_of(&app, id).await, vec![RegistrationStatus::Unconfirmed]);
    // Without the CSRF cookie the button does nothing.
    let bare = app.form(&path, None, &[("csrf", &csrf_of(&opened.body))]).await;
    assert_eq!(bare.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, id).await, vec![RegistrationStatus::Unconfirmed]);

    let pressed = press(&app, &opened, &path).await;
    assert_eq!(pressed.status, StatusCode::SEE_OTHER, "{}", pressed.body);
    assert_eq!(pressed.headers[header::LOCATION], format!("{path}?done=1"));
    assert_eq!(status_of(&app, id).await, vec![RegistrationStatus::Confirmed]);
    let done = app.page(&format!("{path}?done=1")).await;
    assert_eq!(text(&done, ".notice"), "Kaydınız onaylandı. Ayrıntıları içeren bir e-posta gönderdik.");
    assert_eq!(text(&done, "#opt-in-status"), "Onaylandı");
    // The usual confirmation mail, with the invitation.
    app.deliver().await;
    let mail = app.mail.last_to(EMAIL).expect("the confirmation mail");
    assert!(mail.subject.starts_with("Kayıt onayı"), "{}", mail.subject);
    assert!(mail.invitation.as_deref().is_some_and(|i| i.contains("METHOD:REQUEST")));
    // Audited: the registration by the visitor, the confirmation by the link.
    let entries = app.state.store.list_audit(&AuditFilter::default(), Page::first(5)).await.unwrap().items;
    let confirm = entries.iter().find(|e| e.action == "confirm_opt_in").expect("the opt-in's entry");
    assert!(confirm.actor.starts_with("link:"), "{}", confirm.actor);
    let made = entries.iter().find(|e| e.action == "register_public").expect("the registration's entry");
    assert_eq!(made.after.as_ref().unwrap()["consent_version"], "2026-12-03");
    // Pressing again (an old tab) is a clear 409.
    let again = press(&app, &opened, &path).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(text(&Html::parse_document(&again.body), ".form-message"), "Bu kayıt zaten onaylandı.");
}

async fn the_form_names_bad_fields_and_refuses_the_same_address_twice(db: TestDb) {
    let app = TestApp::new(db).await;
    let id = published(&app, "public", "5", false).await;
    let shown = show(&app, id).await;
    app.clock.advance(Duration::seconds(20));
    let reply = post(&app, id, &shown, &[("name", ""), ("email", "not an address")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    let html = Html::parse_document(&reply.body);
    assert!(!text(&html, "#f-name-error").is_empty());
    assert_eq!(text(&html, "#f-email-error"), "ad@belediye.bel.tr gibi bir e-posta adresi girin.");
    assert_eq!(
        text(&html, "#f-consent-error"),
        "Kaydınızı alabilmemiz için aydınlatma metnini okuyup açık rızanızı vermeniz gerekir."
    );
    assert_eq!(attr(&html, "#f-email", "value").as_deref(), Some("not an address"), "the form comes back filled in");
    // Consent missing alone is refused too; nothing was stored.
    let reply = post(&app, id, &shown, &[("name", "Ayşe Yılmaz"), ("email", EMAIL)]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(status_of(&app, id).await.is_empty());
    // The honeypot and a post faster than a person are refused.
    let reply =
        post(&app, id, &shown, &[("name", "Bot"), ("email", EMAIL), ("consent", "yes"), ("website", "x")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    let fresh = show(&app, id).await;
    assert_eq!(post(&app, id, &fresh, GOOD).await.status, StatusCode::BAD_REQUEST, "sent the moment it was shown");
    assert!(status_of(&app, id).await.is_empty());

    registered(&app, id).await;
    // The same address (in another case) again: a message beside the e-mail field, no second registration.
    let shown = show(&app, id).await;
    app.clock.advance(Duration::seconds(20));
    let reply =
        post(&app, id, &shown, &[("name", "Ayşe Y."), ("email", "Ayse.Yilmaz@Example.org"), ("consent", "yes")]).await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.body);
    assert_eq!(
        text(&Html::parse_document(&reply.body), "#f-email-error"),
        "Bu e-posta adresiyle bu etkinliğe zaten kayıt olunmuş. Onaylamadıysanız gelen kutunuzdaki onay e-postasını arayın."
    );
    assert_eq!(status_of(&app, id).await.len(), 1);
}

async fn expired_unknown_and_members_only_registrations_get_a_clear_answer(db: TestDb) {
    let app = TestApp::new(db).await;
    let id = published(&app, "public", "5", false).await;
    let path = registered(&app, id).await;
    let en = path.replacen("/tr/", "/en/", 1);
    let opened = app.get(&en).await;
    app.clock.advance(Duration::hours(24));
    let expired = Html::parse_document(&app.get(&en).await.body);
    assert_eq!(
        text(&expired, ".lead"),
        "This link has expired; the registration was not confirmed and will be deleted. You may register again from \
         the event's page."
    );
    assert!(texts(&expired, "button").iter().all(|b| b != "Confirm my registration"));
    let late = press(&app, &opened, &en).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(status_of(&app, id).await, vec![RegistrationStatus::Unconfirmed]);
    // The pruning sweep deletes it with its link: the link is unknown from then on.
    assert_eq!(app.state.events.prune_unconfirmed().await.unwrap(), 1);
    assert!(status_of(&app, id).await.is_empty());
    let gone = app.get(&en).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert!(gone.body.contains("This link is not known."), "{}", gone.body);
    assert_eq!(app.get("/tr/registration/confirm/0123456789abcdef").await.status, StatusCode::NOT_FOUND);

    // An event for members' staff: no public form, a pointer to sign in; a post is refused.
    let members = published(&app, "member_staff", "5", false).await;
    let page = app.page(&format!("/tr/registration/events/{}", members.0)).await;
    assert!(texts(&page, "form.form").is_empty());
    assert_eq!(
        text(&page, "p.form-message"),
        "Bu etkinlik yalnızca üyelerin temsilcilerine ve çalışanlarına açıktır; kayıt için oturum açın."
    );
    // (The public event's form gives the browser its CSRF cookie and a time stamp.)
    let shown = show(&app, id).await;
    app.clock.advance(Duration::seconds(20));
    assert_eq!(post(&app, members, &shown, GOOD).await.status, StatusCode::CONFLICT);
    assert!(status_of(&app, members).await.is_empty());
    // A draft is not found.
    let day = app.clock.today() + Duration::days(3);
    let draft = app.state.events.create(&Actor::system("t"), &event_input("public", "5", false, day)).await.unwrap();
    assert_eq!(app.get(&format!("/tr/registration/events/{}", draft.id.0)).await.status, StatusCode::NOT_FOUND);
}

async fn staff_approve_and_reject_and_a_rejection_offers_the_seat_with_its_mail(db: TestDb) {
    let app = TestApp::new(db).await;
    let id = published(&app, "member_staff", "1", true).await;
    let user = app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let rep = Actor::user(&user, None);
    let own = app.state.events.register(&rep, id, &RegistrationInput::default()).await.unwrap();
    assert_eq!(own.status, RegistrationStatus::Pending);
    let colleague = RegistrationInput { municipality: None, attendees: Some("Ali Demir <ali@nilufer.bel.tr>".into()) };
    let waiting = app.state.events.register(&rep, id, &colleague).await.unwrap();
    assert_eq!(waiting.status, RegistrationStatus::Waitlisted);
    app.deliver().await;
    let held = app.mail.last_to("rep@nilufer.bel.tr").expect("the pending registration's mail");
    assert!(held.subject.starts_with("Onay bekleniyor"), "{}", held.subject);

    // The event's registrations page: counts per state, and the decisions for staff.
    app.user("sekreterya@mmu.org.tr", "staff", "").await;
    let staff = app.sign_in("sekreterya@mmu.org.tr").await;
    let page = Html::parse_document(&app.get_as(&format!("/tr/workspace/events/{}", id.0), &staff).await.body);
    let count = |html: &Html, s: &str| text(html, &format!("#registration-counts dd[data-status={s}]"));
    assert_eq!(
        (count(&page, "pending"), count(&page, "waitlisted"), count(&page, "confirmed")),
        ("1".into(), "1".into(), "0".into())
    );
    let approve = format!("/tr/workspace/registrations/{}/approve", own.id.0);
    let reject = format!("/tr/workspace/registrations/{}/reject", own.id.0);
    let actions: Vec<String> = page
        .select(&scraper::Selector::parse("form").unwrap())
        .filter_map(|f| f.value().attr("action").map(str::to_owned))
        .collect();
    assert!(actions.contains(&approve) && actions.contains(&reject), "{actions:?}");
    assert_eq!(attr(&page, "input[name=moderated]", "checked").as_deref(), Some(""), "the option is shown on");

    // Neither the representative nor an auditor decides.
    let rep_browser = app.sign_in("rep@nilufer.bel.tr").await;
    assert_eq!(app.form(&approve, Some(&rep_browser), &[]).await.status, StatusCode::FORBIDDEN);
    app.user("denetci@mmu.org.tr", "auditor", "").await;
    let auditor = app.sign_in("denetci@mmu.org.tr").await;
    assert_eq!(app.form(&reject, Some(&auditor), &[]).await.status, StatusCode::FORBIDDEN);
    assert_eq!(status_of(&app, id).await, vec![RegistrationStatus::Pending, RegistrationStatus::Waitlisted]);

    // Staff reject: the seat goes to the waiting line as an offer, with its mail; the registrant is told.
    let rejected = app.form(&reject, Some(&staff), &[]).await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER, "{}", rejected.body);
    assert_eq!(status_of(&app, id).await, vec![RegistrationStatus::Rejected, RegistrationStatus::Offered]);
    app.deliver().await;
    let sent = app.mail.sent.lock().unwrap().clone();
    assert!(sent.iter().any(|m| m.to == "rep@nilufer.bel.tr" && m.subject.starts_with("Kayıt kabul edilmedi")));
    assert!(sent.iter().any(|m| m.to == "rep@nilufer.bel.tr" && m.subject.contains(&waiting.code)), "the offer mail");
    let entries = app.state.store.list_audit(&AuditFilter::default(), Page::first(5)).await.unwrap().items;
    let entry = entries.iter().find(|e| e.action == "reject").expect("the rejection's entry");
    assert_eq!(entry.after.as_ref().unwrap()["offered"], serde_json::json!([waiting.id.0]));
    // Deciding it again is a clear conflict on the event's page, not a 500.
    let again = app.form(&approve, Some(&staff), &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("Bu kayıt bu karar için uygun durumda değil"), "{}", again.body);

    // The offered seat is taken: under moderation it waits for approval again, which the API gives.
    app.state.events.accept_offer(&rep, waiting.id).await.unwrap();
    assert_eq!(status_of(&app, id).await[1], RegistrationStatus::Pending);
    let uri = format!("/api/v1/registrations/{}/approval", waiting.id.0);
    assert_eq!(app.api("POST", &uri, None, None).await.status, StatusCode::UNAUTHORIZED);
    let rep_token = app.token("rep@nilufer.bel.tr", false).await;
    assert_eq!(app.api("POST", &uri, Some(&rep_token), None).await.status, StatusCode::FORBIDDEN);
    let token = app.token("sekreterya@mmu.org.tr", false).await;
    let approved = app.api("POST", &uri, Some(&token), None).await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.body);
    let body: serde_json::Value = serde_json::from_str(&approved.body).unwrap();
    assert_eq!(body["status"], "confirmed");
    let twice = app.api("POST", &uri, Some(&token), None).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    let body: serde_json::Value = serde_json::from_str(&twice.body).unwrap();
    assert_eq!(body["error"]["code"], "registration_not_pending");
    app.deliver().await;
    let confirmed = app.mail.last_to("ali@nilufer.bel.tr").expect("the approval's confirmation mail");
    assert!(confirmed.subject.starts_with("Kayıt onayı"), "{}", confirmed.subject);
    // The API rejects too; the moderation option is set over the API as well.
    let rejection = app.api("POST", &format!("/api/v1/registrations/{}/rejection", own.id.0), Some(&token), None).await;
    assert_eq!(rejection.status, StatusCode::CONFLICT, "already rejected");
    let (status, event) = app.json(&format!("/api/v1/events/{}", id.0)).await;
    assert_eq!((status, event["moderated"].clone()), (StatusCode::OK, serde_json::json!(true)));
}
