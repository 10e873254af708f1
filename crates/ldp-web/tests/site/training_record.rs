//! The training record as people meet it: hours counted from check-ins, per topic (an event's hours toward
//! each of its topics), per province and Istanbul year; my record with its certificates; who sees which
//! municipality (a representative never another's, on pages or the API); field errors for bad filters; the
//! CSV with its byte-order mark and `;`, and the XLSX read back with its translated headers and numbers.

use std::io::Read;

use axum::http::{StatusCode, header};
use scraper::Html;
use serde_json::Value;
use time::Duration;

use ldp_core::clock::ISTANBUL;
use ldp_core::domain::{Actor, EventId, EventStatus, RegistrationId};
use ldp_core::services::events::{EventInput, RegistrationInput};
use ldp_testkit::{NOW, TestDb, both_backends};

use crate::helpers::{Browser, TestApp, attr, text, texts};

both_backends!(seeded =>
    hours_come_from_check_ins_per_topic_province_and_year_and_each_role_sees_its_own,
    the_downloads_are_a_csv_with_a_bom_and_an_xlsx_with_translated_headers_and_numbers,
);

/// A session line in Istanbul time, `days` after the tests' clock.
fn session(days: i64, from: &str, to: &str) -> String {
    let day = (NOW + Duration::days(days)).to_offset(ISTANBUL).date();
    format!("{day} {from}-{to}")
}

async fn published(app: &TestApp, kind: &str, title: &str, topics: &str, sessions: &[String]) -> EventId {
    let input = EventInput {
        kind: Some(kind.into()),
        title_tr: Some(title.into()),
        title_en: Some(format!("{title} (EN)")),
        topics: Some(topics.into()),
        host: Some("bursa-nilufer".into()),
        online_url: Some("https://meet.example.org/egitim".into()),
        sessions: Some(sessions.join("\n")),
        languages: Some("tr".into()),
        organiser: Some("Marmara Belediyeler Birliği".into()),
        audience: Some("member_staff".into()),
        ..EventInput::default()
    };
    let system = Actor::system("test");
    let event = app.state.events.create(&system, &input).await.unwrap().id;
    app.state.events.set_status(&system, event, EventStatus::Published).await.unwrap();
    event
}

async fn register(app: &TestApp, by: &str, event: EventId, attendees: &str) -> RegistrationId {
    let user = app.state.accounts.user_by_email(by).await.unwrap().expect("user");
    let input = RegistrationInput { attendees: Some(attendees.into()), ..RegistrationInput::default() };
    app.state.events.register(&Actor::user(&user, None), event, &input).await.unwrap().id
}

async fn check_in(app: &TestApp, event: EventId, registration: RegistrationId, attendee: u32, sessions: &[u32]) {
    for s in sessions {
        app.state.attendance.set(&Actor::system("test"), event, *s, (registration, attendee), true).await.unwrap();
    }
}

struct Scene {
    app: TestApp,
    staff: Browser,
    nilufer: Browser,
    kadikoy: Browser,
}

/// Two events hosted by Nilüfer:
/// - a training on sister cities and public diplomacy, 1–3 December 2026 (4 h, 4 h, 2 h): Şükrü (Nilüfer)
///   checked in for sessions 1 and 2 (8 h), İpek (Nilüfer) for 1 and 3 (6 h), Zeynep (Kadıköy) for 1 (4 h);
/// - a workshop on sister cities, 7 January 2027 (3.5 h): Şükrü (3.5 h);
/// - a platform meeting (not training) where Şükrü was checked in too.
///
/// Şükrü holds a certificate for the training (80%).
async fn scene(db: TestDb) -> Scene {
    let app = TestApp::new(db).await;
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.user("rep@kadikoy.bel.tr", "representative", "istanbul-kadikoy").await;
    let training = published(
        &app,
        "training",
        "Kardeş şehir eğitimi",
        "sister_cities,public_diplomacy",
        &[session(3, "09:00", "13:00"), session(4, "09:00", "13:00"), session(5, "10:00", "12:00")],
    )
    .await;
    let workshop =
        published(&app, "workshop", "Kardeş şehir çalıştayı", "sister_cities", &[session(40, "09:00", "12:30")]).await;
    let meeting =
        published(&app, "platform_meeting", "Platform toplantısı", "sister_cities", &[session(6, "09:00", "17:00")])
            .await;
    let group = register(
        &app,
        "rep@nilufer.bel.tr",
        training,
        "Şükrü Ağaoğlu <rep@nilufer.bel.tr>\nİpek Işık <ipek@nilufer.bel.tr>",
    )
    .await;
    let zeynep = register(&app, "rep@kadikoy.bel.tr", training, "Zeynep Çelik <zeynep@kadikoy.bel.tr>").await;
    let again = register(&app, "rep@nilufer.bel.tr", workshop, "Şükrü Ağaoğlu <REP@nilufer.bel.tr>").await;
    let at_meeting = register(&app, "rep@nilufer.bel.tr", meeting, "Şükrü Ağaoğlu <rep@nilufer.bel.tr>").await;
    check_in(&app, training, group, 0, &[0, 1]).await;
    check_in(&app, training, group, 1, &[0, 2]).await;
    check_in(&app, training, zeynep, 0, &[0]).await;
    check_in(&app, workshop, again, 0, &[0]).await;
    check_in(&app, meeting, at_meeting, 0, &[0]).await;
    let issued = app.state.certificates.issue(&Actor::system("test"), training).await.unwrap();
    assert_eq!(issued.issued, 1);
    let staff = app.sign_in("staff@mmu.org.tr").await;
    let nilufer = app.sign_in("rep@nilufer.bel.tr").await;
    let kadikoy = app.sign_in("rep@kadikoy.bel.tr").await;
    Scene { app, staff, nilufer, kadikoy }
}

/// The hours table's rows as (year, province, sister cities, public diplomacy, total, people).
fn table(html: &Html) -> Vec<Vec<String>> {
    let row_sel = scraper::Selector::parse("#trec-hours tbody tr").unwrap();
    let cell = |row: scraper::ElementRef, sel: &str| {
        let s = scraper::Selector::parse(sel).unwrap();
        row.select(&s).next().map(|e| e.text().collect::<String>().trim().to_owned()).unwrap_or_default()
    };
    html.select(&row_sel)
        .map(|row| {
            vec![
                cell(row, "th"),
                cell(row, "td:nth-of-type(1)"),
                cell(row, "td[data-topic=sister_cities]"),
                cell(row, "td[data-topic=public_diplomacy]"),
                cell(row, "td.total"),
                cell(row, "td:last-child"),
            ]
        })
        .collect()
}

fn row(cells: [&str; 6]) -> Vec<String> {
    cells.iter().map(|c| (*c).to_owned()).collect()
}

async fn hours_come_from_check_ins_per_topic_province_and_year_and_each_role_sees_its_own(db: TestDb) {
    let Scene { app, staff, nilufer, kadikoy } = scene(db).await;

    // My record: both trainings (not the meeting), hours per topic, the certificate with its verification link.
    let mine = app.get_as("/tr/workspace/training-record", &nilufer).await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
    let html = Html::parse_document(&mine.body);
    assert_eq!(texts(&html, "#trec-trainings tbody tr").len(), 2);
    assert_eq!(texts(&html, "#trec-trainings td.hours"), vec!["8", "3,5"]);
    assert!(text(&html, "#trec-total").ends_with("11,5"), "{}", text(&html, "#trec-total"));
    assert_eq!(text(&html, "#trec-topics tr[data-topic=sister_cities] td.num"), "11,5");
    assert_eq!(text(&html, "#trec-topics tr[data-topic=public_diplomacy] td.num"), "8");
    assert!(
        text(&html, "#trec-trainings tbody tr").contains("1 Aralık 2026 – 2 Aralık 2026"),
        "{}",
        text(&html, "#trec-trainings tbody tr")
    );
    let link = attr(&html, "#trec-certificates a", "href").expect("a verification link");
    assert!(link.starts_with("/tr/certificates/"), "{link}");
    assert_eq!(app.get(&link).await.status, StatusCode::OK);
    assert!(!texts(&html, "#trec-rules").is_empty(), "the page says what counts");
    let en = Html::parse_document(&app.get_as("/en/workspace/training-record", &nilufer).await.body);
    assert!(text(&en, "#trec-total").ends_with("11.5"));
    // Narrowed to 2027 in Istanbul time: the workshop only.
    let later = Html::parse_document(&app.get_as("/tr/workspace/training-record?year=2027", &nilufer).await.body);
    assert_eq!(texts(&later, "#trec-trainings td.hours"), vec!["3,5"]);

    // The union's table for staff: per province and year, the training's hours toward both of its topics.
    let union = app.get_as("/tr/workspace/training-record/hours", &staff).await;
    assert_eq!(union.status, StatusCode::OK, "{}", union.body);
    let html = Html::parse_document(&union.body);
    assert_eq!(
        table(&html),
        vec![
            row(["2026", "Bursa", "14", "14", "14", "2"]),
            row(["2026", "İstanbul", "4", "4", "4", "1"]),
            row(["2027", "Bursa", "3,5", "0", "3,5", "1"]),
        ]
    );
    assert_eq!(text(&html, "#trec-totals td[data-topic=sister_cities]"), "21,5");
    assert_eq!(text(&html, "#trec-totals td[data-topic=public_diplomacy]"), "18");
    assert_eq!(text(&html, "#trec-totals td.total"), "21,5");
    assert_eq!(texts(&html, "#trec-people tbody tr").len(), 3);
    // Filters: a topic, a year, a province.
    let topic = Html::parse_document(
        &app.get_as("/tr/workspace/training-record/hours?topic=public_diplomacy", &staff).await.body,
    );
    assert_eq!(text(&topic, "#trec-totals td.total"), "18");
    let year = Html::parse_document(&app.get_as("/tr/workspace/training-record/hours?year=2027", &staff).await.body);
    assert_eq!(table(&year), vec![row(["2027", "Bursa", "3,5", "0", "3,5", "1"])]);
    let istanbul =
        Html::parse_document(&app.get_as("/tr/workspace/training-record/hours?province=34", &staff).await.body);
    assert_eq!(table(&istanbul), vec![row(["2026", "İstanbul", "4", "4", "4", "1"])]);

    // Bad filters are named beside their fields.
    let bad = app.get_as("/tr/workspace/training-record/hours?year=iki&topic=yemek&province=99", &staff).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&bad.body);
    for id in ["#f-year-error", "#f-topic-error", "#f-province-error"] {
        assert!(!text(&html, id).is_empty(), "{id}");
    }
    let unknown = app.get_as("/tr/workspace/training-record/hours?municipality=nowhere", &staff).await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(!text(&Html::parse_document(&unknown.body), "#f-municipality-error").is_empty());

    // A representative sees their own municipality (by default) and its people, never another's.
    let own = app.get_as("/tr/workspace/training-record/hours", &nilufer).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    let html = Html::parse_document(&own.body);
    assert_eq!(
        table(&html),
        vec![row(["2026", "Bursa", "14", "14", "14", "2"]), row(["2027", "Bursa", "3,5", "0", "3,5", "1"])]
    );
    assert_eq!(texts(&html, "#trec-people tbody tr a"), vec!["İpek Işık", "Şükrü Ağaoğlu"]);
    let other = app.get_as("/tr/workspace/training-record/hours?municipality=istanbul-kadikoy", &nilufer).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);
    let theirs = Html::parse_document(&app.get_as("/tr/workspace/training-record/hours", &kadikoy).await.body);
    assert_eq!(table(&theirs), vec![row(["2026", "İstanbul", "4", "4", "4", "1"])]);
    // A person's record: a colleague's, but not someone of another municipality.
    let ipek = app.get_as("/tr/workspace/training-record/person?email=ipek%40nilufer.bel.tr", &nilufer).await;
    assert_eq!(ipek.status, StatusCode::OK, "{}", ipek.body);
    assert_eq!(texts(&Html::parse_document(&ipek.body), "#trec-trainings td.hours"), vec!["6"]);
    let zeynep = app.get_as("/tr/workspace/training-record/person?email=zeynep%40kadikoy.bel.tr", &nilufer).await;
    assert_eq!(zeynep.status, StatusCode::NOT_FOUND);
    let by_staff = app.get_as("/tr/workspace/training-record/person?email=zeynep%40kadikoy.bel.tr", &staff).await;
    assert_eq!(by_staff.status, StatusCode::OK);
    assert_eq!(app.get("/tr/workspace/training-record").await.status, StatusCode::SEE_OTHER);

    // The API: my record, the union's for staff and auditors, a representative's own municipality only.
    app.user("auditor@mmu.org.tr", "auditor", "").await;
    let staff_token = app.token("staff@mmu.org.tr", true).await;
    let auditor_token = app.token("auditor@mmu.org.tr", true).await;
    let rep_token = app.token("rep@nilufer.bel.tr", true).await;
    let me = app.api("GET", "/api/v1/training-record/me", Some(&rep_token), None).await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    let me: Value = serde_json::from_str(&me.body).unwrap();
    assert_eq!(me["total_minutes"], 690);
    assert_eq!(me["trainings"].as_array().unwrap().len(), 2);
    assert_eq!(me["certificates"].as_array().unwrap().len(), 1);
    let report = app.api("GET", "/api/v1/training-record", Some(&staff_token), None).await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let report: Value = serde_json::from_str(&report.body).unwrap();
    assert_eq!(report["table"]["total_minutes"], 1290);
    assert_eq!(report["table"]["people"], 3);
    assert_eq!(report["table"]["rows"][1]["province"]["name"], "İstanbul");
    assert_eq!(report["people"].as_array().unwrap().len(), 3);
    let audited =
        app.api("GET", "/api/v1/training-record?year=2026&topic=public_diplomacy", Some(&auditor_token), None).await;
    assert_eq!(audited.status, StatusCode::OK, "{}", audited.body);
    assert_eq!(serde_json::from_str::<Value>(&audited.body).unwrap()["table"]["total_minutes"], 1080);
    let own = app.api("GET", "/api/v1/training-record?municipality=bursa-nilufer", Some(&rep_token), None).await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    assert_eq!(serde_json::from_str::<Value>(&own.body).unwrap()["table"]["total_minutes"], 1050);
    let refused = app.api("GET", "/api/v1/training-record?municipality=istanbul-kadikoy", Some(&rep_token), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused: Value = serde_json::from_str(&refused.body).unwrap();
    assert!(refused["error"]["code"].is_string(), "{refused}");
    let none = app.api("GET", "/api/v1/training-record", Some(&rep_token), None).await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        serde_json::from_str::<Value>(&none.body).unwrap()["error"]["fields"]["municipality"],
        "This field is required."
    );
    let bad = app.api("GET", "/api/v1/training-record?year=x&topic=y&province=0", Some(&staff_token), None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let fields = &serde_json::from_str::<Value>(&bad.body).unwrap()["error"]["fields"];
    assert_eq!(fields["year"], "Choose a year between 2000 and 2100.");
    assert!(fields["topic"].is_string() && fields["province"].is_string(), "{fields}");
    assert_eq!(app.api("GET", "/api/v1/training-record/me", None, None).await.status, StatusCode::UNAUTHORIZED);
}

async fn the_downloads_are_a_csv_with_a_bom_and_an_xlsx_with_translated_headers_and_numbers(db: TestDb) {
    let Scene { app, staff, nilufer, .. } = scene(db).await;

    let csv = app.get_as("/tr/workspace/training-record/hours.csv", &staff).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.headers[header::CONTENT_TYPE].to_str().unwrap().starts_with("text/csv"));
    assert!(csv.body.starts_with('\u{feff}'), "UTF-8 byte-order mark first");
    let body = &csv.body['\u{feff}'.len_utf8()..];
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap_or_else(|| panic!("{name} in {headers:?}"));
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4, "three rows and the totals");
    let bursa = &rows[0];
    assert_eq!((&bursa[col("year")], &bursa[col("province_code")], &bursa[col("province")]), ("2026", "16", "Bursa"));
    assert_eq!(
        (&bursa[col("hours_sister_cities")], &bursa[col("hours_total")], &bursa[col("people")]),
        ("14", "14", "2")
    );
    assert_eq!(&rows[2][col("hours_sister_cities")], "3,5");
    assert_eq!(&rows[3][col("hours_total")], "21,5");
    let english = app.get_as("/en/workspace/training-record/hours.csv", &staff).await;
    assert!(english.body.starts_with("\u{feff}year,province_code,province,"), "comma-separated in English");
    assert!(english.body.contains(",3.5,"));

    // The XLSX in Turkish: translated headers, and the hours as numbers.
    let (status, headers, bytes) = app.get_bytes_as("/tr/workspace/training-record/hours.xlsx", &staff).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an XLSX is a zip");
    let mut read = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).unwrap_or_else(|_| panic!("{name}")).read_to_string(&mut s).unwrap();
        s
    };
    let strings = read("xl/sharedStrings.xml");
    for header in [
        "Yıl",
        "İl kodu",
        "İl",
        "Kardeş şehir ilişkileri",
        "Kamu diplomasisi",
        "Toplam saat",
        "Kişi",
        "Bursa",
        "İstanbul",
    ] {
        assert!(strings.contains(&format!(">{header}<")), "{header}");
    }
    let sheet = read("xl/worksheets/sheet1.xml");
    for number in ["<v>2026</v>", "<v>14</v>", "<v>3.5</v>", "<v>21.5</v>", "<v>18</v>"] {
        assert!(sheet.contains(number), "{number}");
    }

    // My record as XLSX in English, and a representative refused another municipality's download.
    let (status, _, bytes) = app.get_bytes_as("/en/workspace/training-record.xlsx", &nilufer).await;
    assert_eq!(status, StatusCode::OK);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut strings = String::new();
    zip.by_name("xl/sharedStrings.xml").unwrap().read_to_string(&mut strings).unwrap();
    for text in
        ["Training", "Hours", "Kardeş şehir eğitimi (EN)", "Sister-city relations, Public diplomacy", "2026-12-01"]
    {
        assert!(strings.contains(text), "{text}");
    }
    let mut sheet = String::new();
    zip.by_name("xl/worksheets/sheet1.xml").unwrap().read_to_string(&mut sheet).unwrap();
    assert!(sheet.contains("<v>8</v>") && sheet.contains("<v>3.5</v>"), "{sheet}");
    let mine = app.get_as("/tr/workspace/training-record.csv", &nilufer).await;
    assert!(mine.body.starts_with("\u{feff}event_id;training;"), "{}", mine.body);
    assert!(mine.body.contains(";8;") && mine.body.contains(";3,5;"), "{}", mine.body);
    let refused = app.get_as("/tr/workspace/training-record/hours.csv?municipality=istanbul-kadikoy", &nilufer).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let bad = app.get_as("/tr/workspace/training-record/hours.xlsx?year=iki", &staff).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
