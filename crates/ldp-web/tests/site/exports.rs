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
    the_relations_csv_is_streamed_in_batches_with_the_bytes_of_one_file,
    the_audit_csv_is_streamed_in_batches_with_the_bytes_of_one_file,
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

/// Collects a streamed body.
async fn collect<S>(stream: S) -> Vec<u8>
where
    S: futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>>,
{
    use futures_util::TryStreamExt;
    let chunks: Vec<bytes::Bytes> = stream.try_collect().await.expect("the export streams");
    chunks.concat()
}

fn ctx(lang: ldp_core::domain::Lang, path: &str) -> ldp_web::pages::PageCtx {
    ldp_web::pages::PageCtx {
        lang,
        path: path.into(),
        query: None,
        union: None,
        origin: "http://127.0.0.1:8080".into(),
        description: None,
    }
}

async fn the_relations_csv_is_streamed_in_batches_with_the_bytes_of_one_file(db: TestDb) {
    use ldp_core::domain::Lang;
    use ldp_web::pages::exports::{EXPORT_BATCH, csv_stream};
    let app = TestApp::new(db).await;
    record_formula_decision(&app).await;
    let all = PartnershipFilter::default();
    for lang in [Lang::Tr, Lang::En] {
        let whole = collect(csv_stream(ctx(lang, "/partnerships.csv"), app.state.clone(), all.clone(), 100_000)).await;
        // 429 relations read 100 at a time (five batches), and 7 at a time: the same bytes as one file.
        for batch in [100, 7] {
            let streamed =
                collect(csv_stream(ctx(lang, "/partnerships.csv"), app.state.clone(), all.clone(), batch)).await;
            assert!(streamed == whole, "{lang:?} in batches of {batch}");
        }
        let (status, headers, served) = app.get_bytes(&format!("/{}/partnerships.csv", lang.code())).await;
        assert_eq!(status, StatusCode::OK);
        // The handler streams (above); the cache layer in front reads a public answer of up to 8 MiB whole
        // to give it an ETag (and keep it), so this small file arrives with its length.
        assert!(headers.get(header::ETAG).is_some());
        assert!(served == whole);
        assert!(whole.starts_with("\u{feff}id".as_bytes()));
        let text = String::from_utf8(whole).unwrap();
        assert_eq!(text.lines().count(), 1 + 429, "one header, every relation once");
        assert_eq!(text.matches("\u{feff}").count(), 1);
        assert!(text.contains("'=HYPERLINK"), "formulas neutralised in every batch");
    }
    // The served file above came in batches too once it outgrows one.
    const { assert!(EXPORT_BATCH < 100_000) };
}

async fn the_audit_csv_is_streamed_in_batches_with_the_bytes_of_one_file(db: TestDb) {
    use ldp_core::domain::{AuditFilter, Lang};
    use ldp_web::pages::workspace::audit::csv_stream;
    let app = TestApp::new(db).await;
    record_formula_decision(&app).await;
    for n in 0..30 {
        let user = format!("user{n}@marmara.gov.tr");
        app.user(&user, "staff", "").await;
    }
    let auditor = app.user("denetci@marmara.gov.tr", "auditor", "").await;
    let actor = Actor::user(&auditor, None);
    let filter = AuditFilter::default();
    let read = |batch: u32| {
        let (state, actor, filter) = (app.state.clone(), actor.clone(), filter.clone());
        async move {
            let first = state.audit.export(&actor, filter.clone(), batch).await.unwrap();
            collect(csv_stream(ctx(Lang::Tr, "/workspace/audit.csv"), state, actor, filter, first, batch)).await
        }
    };
    let whole = read(100_000).await;
    let text = String::from_utf8(whole.clone()).unwrap();
    let rows = csv::Reader::from_reader(text.as_bytes()).records().count();
    assert!(rows > 30, "{rows} entries");
    for batch in [7, 10] {
        assert!(read(batch).await == whole, "batches of {batch}");
    }
    assert!(text.starts_with("id,at_utc,"), "one header, first");
    assert_eq!(text.matches("id,at_utc,").count(), 1);
    let browser = app.sign_in("denetci@marmara.gov.tr").await;
    let served = app.get_as("/tr/workspace/audit.csv", &browser).await;
    assert_eq!(served.status, StatusCode::OK);
    assert!(served.headers.get(header::CONTENT_LENGTH).is_none(), "streamed");
    // Signing in may have added an entry (newest first); the file ends with the same bytes.
    assert!(served.body.ends_with(&text[text.find('\n').unwrap() + 1..]));
    // Nothing matches: no header, no bytes, as before.
    let none = AuditFilter { record_type: Some("job".into()), ..AuditFilter::default() };
    let first = app.state.audit.export(&actor, none.clone(), 10).await.unwrap();
    assert!(first.is_empty());
    let empty = collect(csv_stream(ctx(Lang::Tr, "/"), app.state.clone(), actor.clone(), none, first, 10)).await;
    assert!(empty.is_empty());
}
