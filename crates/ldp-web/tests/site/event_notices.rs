//! Event notices by mail (issue 11): the reminder before an event (queued once even when two nodes sweep at
//! the same time, and again when the event moves), a change of time or place, a postponement and a
//! cancellation, each with its invitation (`METHOD:REQUEST` with the raised SEQUENCE, or `METHOD:CANCEL`),
//! and a change overtaken by a later one not sent.

use icalendar::{Calendar, Component};
use time::macros::datetime;

use ldp_core::domain::{Actor, EventId, EventStatus};
use ldp_core::services::events::{EventInput, Events, RegistrationInput};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::TestApp;

both_backends!(seeded =>
    a_reminder_goes_once_even_from_two_nodes_and_again_when_the_event_moves,
    a_change_overtaken_by_another_is_not_sent_and_a_cancellation_withdraws_the_invitation,
    a_postponement_tells_everyone_registered,
);

/// A published training of one seat on 10 December 2026, 10:00–12:30 Istanbul time (07:00 UTC).
async fn training(app: &TestApp) -> EventId {
    let staff = Actor::system("test");
    let e = app.state.events.create(&staff, &input("2026-12-10 10:00-12:30")).await.expect("event");
    app.state.events.set_status(&staff, e.id, EventStatus::Published).await.expect("published");
    e.id
}

fn input(sessions: &str) -> EventInput {
    EventInput {
        kind: Some("training".into()),
        title_tr: Some("Protokol kuralları eğitimi".into()),
        title_en: Some("Protocol rules training".into()),
        topics: Some("diplomacy_protocol".into()),
        host: Some("bursa-nilufer".into()),
        online_url: Some("https://meet.example.org/protokol".into()),
        organiser: Some("Marmara Belediyeler Birliği".into()),
        sessions: Some(sessions.into()),
        audience: Some("member_staff".into()),
        capacity: Some("1".into()),
        ..EventInput::default()
    }
}

/// `rep@…` registered first (the seat), `ayse@…` second (the waitlist); their confirmation mail delivered
/// and forgotten.
async fn two_registered(app: &TestApp, id: EventId) {
    for email in ["rep@nilufer.bel.tr", "ayse@nilufer.bel.tr"] {
        app.user(email, "representative", "bursa-nilufer").await;
        let user = app.state.accounts.user_by_email(email).await.unwrap().expect("user");
        let actor = Actor::user(&user, None);
        app.state.events.register(&actor, id, &RegistrationInput::default()).await.expect("registered");
    }
    app.deliver().await;
    app.mail.sent.lock().unwrap().clear();
}

/// The mails sent to `to`, by subject, with their invitation parsed.
fn mails_to(app: &TestApp, to: &str) -> Vec<(String, String, Calendar)> {
    let sent = app.mail.sent.lock().unwrap();
    sent.iter()
        .filter(|m| m.to == to)
        .map(|m| {
            let ics = m.invitation.clone().unwrap_or_else(|| panic!("an invitation with {}", m.subject));
            let cal: Calendar = ics.parse().unwrap_or_else(|e| panic!("{e}: {ics}"));
            (m.subject.clone(), m.body.clone(), cal)
        })
        .collect()
}

fn vevent_property(cal: &Calendar, name: &str) -> Option<String> {
    cal.events().next().and_then(|e| e.property_value(name).map(str::to_owned))
}

async fn a_reminder_goes_once_even_from_two_nodes_and_again_when_the_event_moves(db: TestDb) {
    let app = TestApp::new(db).await;
    let id = training(&app).await;
    two_registered(&app, id).await;

    // Twelve days ahead: nothing is due yet.
    assert_eq!(app.state.events.queue_reminders().await.unwrap(), 0);
    // 43 hours before the start, inside the 48 hours: two nodes sweep at the same moment, one reminder.
    app.clock.set(datetime!(2026-12-08 12:00 UTC));
    let other_node = Events::new(app.state.store.clone(), app.clock.clone());
    let (a, b) = tokio::join!(app.state.events.queue_reminders(), other_node.queue_reminders());
    assert_eq!(a.unwrap() + b.unwrap(), 1, "the one confirmed registration, claimed once");
    assert_eq!(app.state.events.queue_reminders().await.unwrap(), 0, "and never again for that start");
    assert_eq!(app.deliver().await, 1);
    let to_rep = mails_to(&app, "rep@nilufer.bel.tr");
    assert_eq!(to_rep.len(), 1);
    let (subject, body, cal) = &to_rep[0];
    assert!(subject.starts_with("Hatırlatma / Reminder: Protokol kuralları eğitimi"), "{subject}");
    assert!(body.contains("10.12.2026 10:00–12:30") && body.contains("https://meet.example.org/protokol"), "{body}");
    assert_eq!(cal.property_value("METHOD"), Some("REQUEST"));
    assert!(mails_to(&app, "ayse@nilufer.bel.tr").is_empty(), "the waitlist is not reminded");

    // The event moves a day earlier: everyone registered hears of the change, and the seat holder is
    // reminded of the new start.
    let staff = Actor::system("test");
    app.state.events.update(&staff, id, &input("2026-12-09 10:00-12:30")).await.expect("moved");
    assert_eq!(app.state.events.queue_reminders().await.unwrap(), 1, "a new start, a new reminder");
    assert_eq!(app.deliver().await, 3, "two change notices and one reminder");
    let subjects: Vec<String> = mails_to(&app, "rep@nilufer.bel.tr").into_iter().map(|m| m.0).collect();
    assert_eq!(subjects.len(), 3, "{subjects:?}");
    assert!(subjects.iter().filter(|s| s.starts_with("Hatırlatma")).count() == 2, "{subjects:?}");
    let changes: Vec<_> = mails_to(&app, "ayse@nilufer.bel.tr");
    assert_eq!(changes.len(), 1);
    let (subject, body, cal) = &changes[0];
    assert!(subject.starts_with("Değişiklik / Changed"), "{subject}");
    assert!(body.contains("09.12.2026 10:00–12:30"), "{body}");
    assert_eq!(vevent_property(cal, "SEQUENCE").as_deref(), Some("1"), "the move raised SEQUENCE");
    assert_eq!(vevent_property(cal, "DTSTART").as_deref(), Some("20261209T070000Z"));
}

async fn a_change_overtaken_by_another_is_not_sent_and_a_cancellation_withdraws_the_invitation(db: TestDb) {
    let app = TestApp::new(db).await;
    let id = training(&app).await;
    two_registered(&app, id).await;
    let staff = Actor::system("test");

    // A title alone is no change of time or place: nobody is written to.
    let mut retitled = input("2026-12-10 10:00-12:30");
    retitled.title_tr = Some("Protokol ve nezaket kuralları eğitimi".into());
    app.state.events.update(&staff, id, &retitled).await.unwrap();
    assert_eq!(app.deliver().await, 0);

    // Two moves before the worker runs: each attendee gets one notice, of the last.
    app.state.events.update(&staff, id, &input("2026-12-11 10:00-12:30")).await.unwrap();
    app.state.events.update(&staff, id, &input("2026-12-12 14:00-16:00")).await.unwrap();
    app.deliver().await;
    let to_rep = mails_to(&app, "rep@nilufer.bel.tr");
    assert_eq!(to_rep.len(), 1, "the first notice was overtaken");
    assert!(to_rep[0].1.contains("12.12.2026 14:00–16:00"), "{}", to_rep[0].1);
    assert_eq!(vevent_property(&to_rep[0].2, "SEQUENCE").as_deref(), Some("2"));
    let outcomes: Vec<String> = app
        .state
        .jobs
        .list(&Actor::system("test"), &Default::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .filter(|j| j.kind == "event_notice")
        .filter_map(|j| j.outcome)
        .collect();
    assert_eq!(outcomes.iter().filter(|o| *o == "superseded").count(), 2, "{outcomes:?}");
    app.mail.sent.lock().unwrap().clear();

    // Cancelled: the invitation is withdrawn, its method CANCEL in the file (the mail part says the same).
    app.state.events.set_status(&staff, id, EventStatus::Cancelled).await.unwrap();
    assert_eq!(app.deliver().await, 2);
    for to in ["rep@nilufer.bel.tr", "ayse@nilufer.bel.tr"] {
        let mails = mails_to(&app, to);
        assert_eq!(mails.len(), 1, "{to}");
        let (subject, _, cal) = &mails[0];
        assert!(subject.starts_with("İptal / Cancelled"), "{subject}");
        assert_eq!(cal.property_value("METHOD"), Some("CANCEL"));
        assert_eq!(vevent_property(cal, "STATUS").as_deref(), Some("CANCELLED"));
        assert_eq!(vevent_property(cal, "SEQUENCE").as_deref(), Some("3"), "the cancellation raised it again");
    }
    // Nothing is reminded of a cancelled event.
    app.clock.set(datetime!(2026-12-11 12:00 UTC));
    assert_eq!(app.state.events.queue_reminders().await.unwrap(), 0);
}

async fn a_postponement_tells_everyone_registered(db: TestDb) {
    let app = TestApp::new(db).await;
    let id = training(&app).await;
    two_registered(&app, id).await;
    app.state.events.set_status(&Actor::system("test"), id, EventStatus::Postponed).await.unwrap();
    assert_eq!(app.deliver().await, 2);
    for to in ["rep@nilufer.bel.tr", "ayse@nilufer.bel.tr"] {
        let mails = mails_to(&app, to);
        assert_eq!(mails.len(), 1, "{to}");
        assert!(mails[0].0.starts_with("Ertelendi / Postponed"), "{}", mails[0].0);
        assert_eq!(mails[0].2.property_value("METHOD"), Some("REQUEST"));
        assert_eq!(vevent_property(&mails[0].2, "STATUS").as_deref(), Some("TENTATIVE"));
    }
    // A postponed event is not reminded of.
    app.clock.set(datetime!(2026-12-08 12:00 UTC));
    assert_eq!(app.state.events.queue_reminders().await.unwrap(), 0);
}
