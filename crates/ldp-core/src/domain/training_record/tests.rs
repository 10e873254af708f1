use time::macros::datetime;

use super::*;

fn ankara() -> Option<RecordProvince> {
    Some(RecordProvince { plate: PlateCode::parse(6).unwrap(), name: "Ankara".into() })
}

fn izmir() -> Option<RecordProvince> {
    Some(RecordProvince { plate: PlateCode::parse(35).unwrap(), name: "İzmir".into() })
}

/// A row of a 3-hour session of event `event` (a training on diplomacy and projects) in Ankara.
fn row(event: i64, session: u32, email: &str, start: OffsetDateTime) -> AttendedSession {
    AttendedSession {
        event: EventId(event),
        kind: EventKind::Training,
        event_status: EventStatus::Published,
        title: Localized::new("Eğitim", "Training"),
        topics: vec![EventTopic::DiplomacyProtocol, EventTopic::InternationalProjects],
        registration: RegistrationId(event * 10),
        registration_status: RegistrationStatus::Confirmed,
        municipality: Some(MunicipalityId(1)),
        province: ankara(),
        attendee: 0,
        name: "Ayşe Yılmaz".into(),
        email: email.into(),
        session,
        start,
        end: start + time::Duration::hours(3),
    }
}

#[test]
fn an_events_hours_count_toward_each_of_its_topics_but_once_in_the_total() {
    let rows = [
        row(1, 0, "ayse@example.org", datetime!(2026-03-02 07:00 UTC)),
        row(1, 1, "ayse@example.org", datetime!(2026-03-03 07:00 UTC)),
    ];
    let record = person_record(&rows, "AYSE@example.org");
    assert_eq!(record.total_minutes, 360);
    assert_eq!(record.topic_minutes(EventTopic::DiplomacyProtocol), 360);
    assert_eq!(record.topic_minutes(EventTopic::InternationalProjects), 360);
    assert_eq!(record.topic_minutes(EventTopic::SisterCities), 0);
    assert_eq!(record.trainings.len(), 1);
    assert_eq!(record.trainings[0].sessions, 2);
    assert_eq!(record.trainings[0].first_start, datetime!(2026-03-02 07:00 UTC));
    assert_eq!(record.trainings[0].last_end, datetime!(2026-03-03 10:00 UTC));
    let table = hours_table(&rows);
    assert_eq!(table.total_minutes, 360);
    assert_eq!(table.topic_minutes(EventTopic::InternationalProjects), 360);
    assert_eq!(table.people, 1);
}

#[test]
fn partial_attendance_counts_only_the_sessions_checked_in_for() {
    // Session 1 of event 1 is not among the rows: she was not checked in for it.
    let mut short = row(1, 2, "ayse@example.org", datetime!(2026-03-04 07:00 UTC));
    short.end = short.start + time::Duration::minutes(90);
    let rows = [row(1, 0, "ayse@example.org", datetime!(2026-03-02 07:00 UTC)), short];
    let record = person_record(&rows, "ayse@example.org");
    assert_eq!(record.total_minutes, 270);
    assert_eq!(record.trainings[0].sessions, 2);
}

#[test]
fn a_session_over_new_years_midnight_in_istanbul_counts_toward_the_year_it_starts_in() {
    // 31 December 22:30 to 1 January 01:30 in Istanbul: 2026 whole.
    let over = row(1, 0, "ayse@example.org", datetime!(2026-12-31 19:30 UTC));
    // 31 December 21:30 UTC is already 1 January 00:30 in Istanbul: 2027, though the UTC year is 2026.
    let after = row(2, 0, "ayse@example.org", datetime!(2026-12-31 21:30 UTC));
    assert_eq!(over.year(), 2026);
    assert_eq!(after.year(), 2027);
    let table = hours_table(&[over.clone(), after.clone()]);
    let years: Vec<(i32, i64)> = table.rows.iter().map(|r| (r.year, r.total_minutes)).collect();
    assert_eq!(years, vec![(2026, 180), (2027, 180)]);
    let (from, to) = RecordFilter::year_bounds(2027).unwrap();
    assert_eq!(from, datetime!(2026-12-31 21:00 UTC));
    assert_eq!(to, datetime!(2027-12-31 21:00 UTC));
    let filter = RecordFilter { year: Some(2027), ..RecordFilter::default() };
    assert!(filter.admits(&after) && !filter.admits(&over));
}

#[test]
fn cancelled_events_unconfirmed_registrations_and_meetings_do_not_count() {
    let mut cancelled = row(1, 0, "ayse@example.org", datetime!(2026-03-02 07:00 UTC));
    cancelled.event_status = EventStatus::Cancelled;
    let mut waitlisted = row(2, 0, "ayse@example.org", datetime!(2026-03-02 07:00 UTC));
    waitlisted.registration_status = RegistrationStatus::Waitlisted;
    let mut withdrawn = row(3, 0, "ayse@example.org", datetime!(2026-03-02 07:00 UTC));
    withdrawn.registration_status = RegistrationStatus::Cancelled;
    let mut meeting = row(4, 0, "ayse@example.org", datetime!(2026-03-02 07:00 UTC));
    meeting.kind = EventKind::PlatformMeeting;
    let mut workshop = row(5, 0, "ayse@example.org", datetime!(2026-03-02 07:00 UTC));
    workshop.kind = EventKind::Workshop;
    let rows = [cancelled, waitlisted, withdrawn, meeting, workshop];
    let record = person_record(&rows, "ayse@example.org");
    assert_eq!(record.trainings.iter().map(|t| t.event).collect::<Vec<_>>(), vec![EventId(5)]);
    assert_eq!(record.total_minutes, 180);
    assert_eq!(hours_table(&rows).total_minutes, 180);
    assert!(counts_as_training(EventKind::Training) && counts_as_training(EventKind::Workshop));
    assert_eq!(training_kinds(), vec![EventKind::Training, EventKind::Workshop]);
}

#[test]
fn a_person_is_their_folded_address_and_a_session_counts_once_for_them() {
    // Registered twice for the same event (two municipalities' registrations), checked in on both.
    let first = row(1, 0, "İpek@Example.org", datetime!(2026-03-02 07:00 UTC));
    let mut again = row(1, 0, "ipek@example.org", datetime!(2026-03-02 07:00 UTC));
    again.registration = RegistrationId(99);
    again.municipality = Some(MunicipalityId(2));
    again.province = izmir();
    let other = row(1, 0, "ali@example.org", datetime!(2026-03-02 07:00 UTC));
    let rows = [first, again, other];
    let record = person_record(&rows, "ipek@example.org");
    assert_eq!(record.total_minutes, 180);
    let people = person_records(&rows);
    assert_eq!(people.len(), 2);
    assert_eq!(people.iter().map(|p| p.total_minutes).sum::<i64>(), 360);
    // The first row seen (Ankara's registration) is the one counted in the table.
    let table = hours_table(&rows);
    assert_eq!(table.rows.len(), 1);
    assert_eq!(table.rows[0].province, ankara());
    assert_eq!(table.rows[0].people, 2);
    assert!(person_record(&rows, "nobody@example.org").trainings.is_empty());
}

#[test]
fn rows_are_by_year_then_province_in_turkish_order_with_no_province_last() {
    let mut none = row(1, 0, "a@example.org", datetime!(2026-03-02 07:00 UTC));
    none.province = None;
    none.municipality = None;
    let mut izmir_row = row(2, 0, "b@example.org", datetime!(2026-04-02 07:00 UTC));
    izmir_row.province = izmir();
    let ankara_row = row(3, 0, "c@example.org", datetime!(2026-05-02 07:00 UTC));
    let earlier = row(4, 0, "d@example.org", datetime!(2025-05-02 07:00 UTC));
    let table = hours_table(&[none, izmir_row, ankara_row, earlier]);
    let order: Vec<(i32, Option<String>)> =
        table.rows.iter().map(|r| (r.year, r.province.as_ref().map(|p| p.name.clone()))).collect();
    assert_eq!(
        order,
        vec![(2025, Some("Ankara".into())), (2026, Some("Ankara".into())), (2026, Some("İzmir".into())), (2026, None),]
    );
    assert_eq!(table.people, 4);
    assert_eq!(table.total_minutes, 720);
}

#[test]
fn the_filter_names_every_bad_field() {
    let e = RecordFilter::parse(Some("twenty"), Some("cooking"), Some("99")).unwrap_err();
    assert_eq!(e.fields.len(), 3);
    assert_eq!(e.fields["year"], "invalid_record_year");
    assert_eq!(e.fields["topic"], "unknown_topic");
    assert_eq!(e.fields["province"], "unknown_province");
    let f = RecordFilter::parse(Some(" 2026 "), Some("sister_cities"), Some("35")).unwrap();
    assert_eq!(f.year, Some(2026));
    assert_eq!(f.topic, Some(EventTopic::SisterCities));
    assert_eq!(f.province.map(PlateCode::get), Some(35));
    assert_eq!(RecordFilter::parse(Some(""), None, Some(" ")).unwrap(), RecordFilter::default());
}
