//! The relations as spreadsheets: CSV with a byte-order mark and the legal trail, XLSX with translated headers,
//! and no value that a spreadsheet would run as a formula.

use std::io::Read;

use axum::http::{StatusCode, header};

use ldp_core::domain::partnership::{PartnershipFilter, RawEvidence, Stage};
use ldp_core::domain::{Actor, Page};
use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    the_csv_has_a_bom_turkish_separators_and_the_legal_trail,
    the_xlsx_has_translated_headers_and_the_trail,
);

/// Records a council decision whose number would be a formula in a spreadsheet, on Nilüfer's first relation.
async fn record_formula_decision(app: &TestApp) -> i64 {
    let f = PartnershipFilter { municipality: Some("bursa-nilufer".into()), ..Default::default() };
    let p = app.state.partnerships.list(&f, Page::first(1)).await.unwrap().items.remove(0);
    let evidence = RawEvidence {
        date: Some("2019-05-02".into()),
        number: Some("=HYPERLINK(\"http://evil.example\";\"2019/88\")".into()),
        ..Default::default()
    };
    app.state.partnerships.record(p.id, Stage::CouncilApproved, &evidence, &Actor::system("test")).await.unwrap();
    p.id.0
}

async fn the_csv_has_a_bom_turkish_separators_and_the_legal_trail(db: TestDb) {
    let app = TestApp::new(db).await;
    let id = record_formula_decision(&app).await;
    let reply = app.get("/tr/partnerships.csv?municipality=bursa-nilufer").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.starts_with('\u{feff}'), "UTF-8 byte-order mark first");
    let body = &reply.body['\u{feff}'.len_utf8()..];
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').from_reader(body.as_bytes());
    let headers = reader.headers().unwrap().clone();
    for column in ["council_decision_date", "council_decision_number", "permission_date", "signed_date", "signatories"]
    {
        assert!(headers.iter().any(|h| h == column), "{column} in {headers:?}");
    }
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(rows.iter().all(|r| &r[col("member")] == "Nilüfer"), "Turkish letters and one value per column");
    let row = rows.iter().find(|r| r[col("id")] == id.to_string()).unwrap();
    assert_eq!(&row[col("council_decision_date")], "2019-05-02");
    assert_eq!(&row[col("council_decision_number")], "'=HYPERLINK(\"http://evil.example\";\"2019/88\")");
    let english = app.get("/en/partnerships.csv?municipality=bursa-nilufer").await;
    assert!(english.body.starts_with("\u{feff}id,member,"), "comma-separated on English pages");
}

async fn the_xlsx_has_translated_headers_and_the_trail(db: TestDb) {
    let app = TestApp::new(db).await;
    record_formula_decision(&app).await;
    let (status, headers, bytes) = app.get_bytes("/tr/partnerships.xlsx?municipality=bursa-nilufer").await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers[header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an XLSX is a zip");
    let mut read = |name: &str| {
        let mut s = String::new();
        zip.by_name(name).unwrap_or_else(|_| panic!("{name}")).read_to_string(&mut s).unwrap();
        s
    };
    let strings = read("xl/sharedStrings.xml");
    for header in ["Üye belediye", "Meclis kararı tarihi", "Meclis kararı sayısı", "Protokol imza tarihi", "Nilüfer"]
    {
        assert!(strings.contains(header), "{header}");
    }
    assert!(strings.contains("&apos;=HYPERLINK") || strings.contains("'=HYPERLINK"), "the formula is text");
    let sheet = read("xl/worksheets/sheet1.xml");
    assert!(!sheet.contains("<f>"), "no cell is a formula");
    assert_eq!(app.get("/tr/partnerships.xlsx?kind=x").await.status, StatusCode::BAD_REQUEST);
}
