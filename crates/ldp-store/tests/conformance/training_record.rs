//! The training record's rows on both engines: one per attendee per session checked in, of trainings and
//! workshops not cancelled and registrations still confirmed, with the registration's municipality and
//! province, narrowed by year in Istanbul time, topic, municipality, province and the reader's municipalities.

use ldp_core::domain::training_record::{AttendedSession, RecordFilter};
use ldp_core::domain::{
    Actor, Attendee, Audience, Change, EventFields, EventId, EventKind, EventSession, EventStatus, EventTopic, Lang,
    Localized, MunicipalityId, NewRegistration, PlateCode, Registration,
};
use ldp_core::store::prelude::*;
use ldp_testkit::{NOW, TestDb, both_backends};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

both_backends!(seeded =>
    the_rows_are_check_ins_of_trainings_with_their_province_and_istanbul_year,
);

fn change(action: &str) -> Change {
    Change::new(&Actor::system("test"), NOW, action, "event_registration")
}

fn event(kind: EventKind, topics: Vec<EventTopic>, sessions: Vec<(OffsetDateTime, i64)>) -> EventFields {
    EventFields {
        kind,
        title: Localized::new("Protokol eğitimi", "Protocol training"),
        summary: Localized::new("Özet", ""),
        body: Localized::new("", ""),
        topics,
        sdgs: vec![],
        networks: vec![],
        host: None,
        partnership: None,
        venue: "Birlik binası".into(),
        city: None,
        online_url: String::new(),
        sessions: sessions
            .into_iter()
            .map(|(start, minutes)| EventSession { start, end: start + Duration::minutes(minutes) })
            .collect(),
        languages: vec![Lang::Tr],
        speakers: String::new(),
        organiser: "Birlik".into(),
        audience: Audience::MemberStaff,
        capacity: None,
        registration_opens: None,
        registration_closes: None,
        quota_per_municipality: None,
        moderated: false,
    }
}

async fn register(
    db: &TestDb,
    event: EventId,
    code: &str,
    municipality: Option<MunicipalityId>,
    people: &[(&str, &str)],
) -> Registration {
    let new = NewRegistration {
        code: code.into(),
        registered_by: None,
        municipality,
        attendees: people.iter().map(|(n, e)| Attendee { name: (*n).into(), email: (*e).into() }).collect(),
    };
    db.store.register(event, &new, NOW, &change("register")).await.unwrap()
}

async fn slug(db: &TestDb, slug: &str) -> MunicipalityId {
    db.store.municipality_by_slug(slug).await.unwrap().expect("seeded").id
}

fn who(rows: &[AttendedSession]) -> Vec<(String, u32)> {
    rows.iter().map(|r| (r.name.clone(), r.session)).collect()
}

async fn the_rows_are_check_ins_of_trainings_with_their_province_and_istanbul_year(db: TestDb) {
    let create = Change::new(&Actor::system("test"), NOW, "create", "event");
    let nilufer = slug(&db, "bursa-nilufer").await;
    let osmangazi = slug(&db, "bursa-osmangazi").await;
    let kadikoy = slug(&db, "istanbul-kadikoy").await;
    // Session 0: 31 December 22:30–01:30 in Istanbul (2026); session 1 starts 1 January 00:30 in Istanbul
    // (2027), though it is still 2026 in UTC.
    let topics = vec![EventTopic::DiplomacyProtocol, EventTopic::InternationalProjects];
    let sessions = vec![(datetime!(2026-12-31 19:30 UTC), 180), (datetime!(2026-12-31 21:30 UTC), 120)];
    let training = db
        .store
        .create_event(
            &event(EventKind::Training, topics.clone(), sessions.clone()),
            EventStatus::Published,
            None,
            NOW,
            &create,
        )
        .await
        .unwrap();
    let meeting = db
        .store
        .create_event(
            &event(EventKind::PlatformMeeting, topics.clone(), sessions.clone()),
            EventStatus::Published,
            None,
            NOW,
            &create,
        )
        .await
        .unwrap();
    let called_off = db
        .store
        .create_event(&event(EventKind::Workshop, topics.clone(), sessions), EventStatus::Published, None, NOW, &create)
        .await
        .unwrap();

    let group = register(
        &db,
        training,
        "HJKMNPQR",
        Some(nilufer),
        &[("Ayşe Yılmaz", "ayse@nilufer.bel.tr"), ("Ali Kaya", "ali@nilufer.bel.tr")],
    )
    .await;
    let istanbul =
        register(&db, training, "STUVWXYZ", Some(kadikoy), &[("Zeynep Çelik", "zeynep@kadikoy.bel.tr")]).await;
    let nobody = register(&db, training, "23456789", None, &[("Can Öz", "can@example.org")]).await;
    let withdrawn = register(&db, training, "ABCDEFGH", Some(nilufer), &[("Deniz Ak", "deniz@nilufer.bel.tr")]).await;
    let at_meeting = register(&db, meeting, "JKMNPQRS", Some(nilufer), &[("Ayşe Yılmaz", "ayse@nilufer.bel.tr")]).await;
    let at_cancelled =
        register(&db, called_off, "KMNPQRST", Some(nilufer), &[("Ayşe Yılmaz", "ayse@nilufer.bel.tr")]).await;

    let check_in = |event: EventId, r: &Registration, attendee: u32, session: u32| {
        let (store, id, change) = (db.store.clone(), r.id, change("check_in"));
        async move { assert!(store.check_in(event, id, attendee, session, NOW, &change).await.unwrap()) }
    };
    check_in(training, &group, 0, 0).await;
    check_in(training, &group, 0, 1).await;
    check_in(training, &group, 1, 0).await;
    check_in(training, &istanbul, 0, 1).await;
    check_in(training, &nobody, 0, 0).await;
    check_in(training, &withdrawn, 0, 0).await;
    check_in(meeting, &at_meeting, 0, 0).await;
    check_in(called_off, &at_cancelled, 0, 0).await;
    // A registration cancelled after its check-in, and an event cancelled after it, no longer count.
    db.store.cancel_registration(withdrawn.id, NOW, &change("cancel")).await.unwrap();
    assert!(db.store.set_event_status(called_off, EventStatus::Cancelled, NOW, &create).await.unwrap());

    let all = db.store.attended_sessions(&RecordFilter::default(), None).await.unwrap();
    assert_eq!(
        who(&all),
        vec![
            ("Ayşe Yılmaz".into(), 0),
            ("Ali Kaya".into(), 0),
            ("Can Öz".into(), 0),
            ("Ayşe Yılmaz".into(), 1),
            ("Zeynep Çelik".into(), 1)
        ]
    );
    assert!(all.iter().all(|r| r.event == training && r.kind == EventKind::Training && r.topics == topics));
    let ayse = &all[0];
    assert_eq!(ayse.email, "ayse@nilufer.bel.tr");
    assert_eq!(ayse.municipality, Some(nilufer));
    assert_eq!(ayse.province.as_ref().map(|p| (p.plate.get(), p.name.as_str())), Some((16, "Bursa")));
    assert_eq!((ayse.start, ayse.end), (datetime!(2026-12-31 19:30 UTC), datetime!(2026-12-31 22:30 UTC)));
    assert_eq!(all[2].province, None);
    assert_eq!(all[4].province.as_ref().map(|p| p.plate.get()), Some(34));

    let filtered = |filter: RecordFilter, within: Option<Vec<MunicipalityId>>| {
        let store = db.store.clone();
        async move { who(&store.attended_sessions(&filter, within.as_deref()).await.unwrap()) }
    };
    let year = |y| RecordFilter { year: Some(y), ..RecordFilter::default() };
    assert_eq!(filtered(year(2026), None).await.len(), 3);
    assert_eq!(filtered(year(2027), None).await, vec![("Ayşe Yılmaz".into(), 1), ("Zeynep Çelik".into(), 1)]);
    assert!(filtered(year(2025), None).await.is_empty());
    let topic = |t| RecordFilter { topic: Some(t), ..RecordFilter::default() };
    assert_eq!(filtered(topic(EventTopic::InternationalProjects), None).await.len(), 5);
    assert!(filtered(topic(EventTopic::SisterCities), None).await.is_empty());
    let of = RecordFilter { municipality: Some(nilufer), ..RecordFilter::default() };
    assert_eq!(filtered(of, None).await.len(), 3);
    let province = RecordFilter { province: Some(PlateCode::parse(34).unwrap()), ..RecordFilter::default() };
    assert_eq!(filtered(province, None).await, vec![("Zeynep Çelik".into(), 1)]);
    assert!(filtered(RecordFilter::default(), Some(vec![osmangazi])).await.is_empty());
    assert!(filtered(RecordFilter::default(), Some(vec![])).await.is_empty());
    assert_eq!(filtered(RecordFilter::default(), Some(vec![nilufer, kadikoy])).await.len(), 4);
}
