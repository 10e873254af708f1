//! The relations as spreadsheets: a CSV (UTF-8 with a BOM, stable column names documented in the README) and
//! an XLSX with headers and values in the reader's language. Both carry the legal trail, and both neutralise
//! spreadsheet formula injection.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::Date;

use ldp_core::domain::Lang;
use ldp_core::domain::partnership::{Partnership, PartnershipFilter, PartnershipQuery, Stage, TrailEvent};

use super::{PageCtx, PageError};
use crate::error::AppError;
use crate::spreadsheet::text_cell;
use crate::state::AppState;

/// An export carries at most this many relations.
const EXPORT_LIMIT: usize = 100_000;
/// The CSV reads this many relations from the store at a time.
pub const EXPORT_BATCH: usize = 1_000;

/// The columns: the CSV's name (stable, documented) and the message key of the XLSX header.
const COLUMNS: &[(&str, &str)] = &[
    ("id", "export-id"),
    ("member", "export-member"),
    ("member_slug", "export-member-slug"),
    ("province", "export-province"),
    ("partner", "export-partner"),
    ("partner_country", "export-partner-country"),
    ("kind", "export-kind"),
    ("stage", "export-stage"),
    ("dormant", "export-dormant"),
    ("trail_incomplete", "export-trail-incomplete"),
    ("last_activity", "export-last-activity"),
    ("sdgs", "export-sdgs"),
    ("proposed_on", "export-proposed-on"),
    ("council_decision_date", "export-council-date"),
    ("council_decision_number", "export-council-number"),
    ("permission_date", "export-permission-date"),
    ("permission_reference", "export-permission-reference"),
    ("permission_authority", "export-permission-authority"),
    ("mfa_informed_date", "export-mfa-date"),
    ("signed_date", "export-signed-date"),
    ("signed_place", "export-signed-place"),
    ("signatories", "export-signatories"),
    ("terminated_date", "export-terminated-date"),
    ("termination_decision_number", "export-terminated-number"),
    ("source", "export-source"),
    ("url", "export-url"),
];

/// One cell: text, or a date (a real date in the XLSX).
enum Cell {
    Text(String),
    Date(Option<Date>),
}

fn yes_no(ctx: &PageCtx, machine: bool, value: bool) -> String {
    match (machine, value) {
        (true, v) => v.to_string(),
        (false, true) => ctx.t("export-yes"),
        (false, false) => ctx.t("export-no"),
    }
}

/// The latest recorded step of `stage`.
fn step(trail: &[TrailEvent], stage: Stage) -> Option<&TrailEvent> {
    trail.iter().rev().find(|e| e.stage == stage)
}

/// The cells of one relation; `machine` keeps codes (CSV), otherwise words in the reader's language (XLSX).
fn cells(ctx: &PageCtx, p: &Partnership, trail: &[TrailEvent], machine: bool) -> Vec<Cell> {
    let text = |s: &str| Cell::Text(s.to_owned());
    let opt = |s: Option<&String>| Cell::Text(s.cloned().unwrap_or_default());
    let date_of = |stage: Stage| Cell::Date(step(trail, stage).map(|e| e.date));
    let field = |stage: Stage, f: fn(&TrailEvent) -> Option<&String>| opt(step(trail, stage).and_then(f));
    let (kind, stage, member, country) = if machine {
        (
            p.kind.as_str().to_owned(),
            p.stage.as_str().to_owned(),
            p.member.name.clone(),
            p.partner.country.as_str().to_owned(),
        )
    } else {
        (
            ctx.t(&format!("pkind-{}", p.kind.as_str())),
            ctx.t(&format!("stage-{}", p.stage.as_str())),
            ctx.member(&p.member),
            ctx.pick(&p.partner.country_name),
        )
    };
    let sdgs = p.sdgs.iter().map(|g| g.get().to_string()).collect::<Vec<_>>().join(" ");
    let source = p.source.as_deref().map(|s| if machine { s.to_owned() } else { ctx.source_label(s) });
    vec![
        text(&p.id.0.to_string()),
        Cell::Text(member),
        text(&p.member.slug),
        text(&p.member.province),
        text(&p.partner.name),
        Cell::Text(country),
        Cell::Text(kind),
        Cell::Text(stage),
        Cell::Text(yes_no(ctx, machine, p.dormant)),
        Cell::Text(yes_no(ctx, machine, p.trail_incomplete)),
        Cell::Date(p.last_activity),
        Cell::Text(sdgs),
        date_of(Stage::Proposed),
        date_of(Stage::CouncilApproved),
        field(Stage::CouncilApproved, |e| e.decision_number.as_ref()),
        date_of(Stage::Permitted),
        field(Stage::Permitted, |e| e.reference.as_ref()),
        field(Stage::Permitted, |e| e.authority.as_ref()),
        date_of(Stage::MfaInformed),
        date_of(Stage::Signed),
        field(Stage::Signed, |e| e.place.as_ref()),
        field(Stage::Signed, |e| e.signatories.as_ref()),
        date_of(Stage::Terminated),
        field(Stage::Terminated, |e| e.decision_number.as_ref()),
        Cell::Text(source.unwrap_or_default()),
        text(&ctx.href(&format!("/partnerships/{}", p.id.0))),
    ]
}

/// The filter of an export, or the page that says what is wrong with it.
fn parse_filter(
    ctx: &PageCtx,
    query: Result<Query<PartnershipQuery>, QueryRejection>,
) -> Result<PartnershipFilter, PageError> {
    let Ok(Query(query)) = query else { return Err(ctx.fail()(AppError::bad_request("invalid_query"))) };
    PartnershipFilter::parse(&query).map_err(AppError::invalid).map_err(ctx.fail())
}

async fn rows(
    ctx: &PageCtx,
    state: &AppState,
    query: Result<Query<PartnershipQuery>, QueryRejection>,
) -> Result<Vec<(Partnership, Vec<TrailEvent>)>, PageError> {
    let filter = parse_filter(ctx, query)?;
    let mut rows = state.partnerships.export(&filter, 0, EXPORT_LIMIT).await.map_err(ctx.fail())?;
    rows.iter_mut().for_each(|(p, _)| p.localize(ctx.lang));
    Ok(rows)
}

fn attachment(body: impl Into<Body>, content_type: &'static str, filename: &'static str) -> Response {
    let mut response = (StatusCode::OK, body.into()).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(filename));
    response
}

/// The CSV lines of `rows`, led by the byte-order mark and the header when `first`. Each record is written
/// on its own, so batches joined end to end are the same bytes as one file written whole.
fn csv_lines(ctx: &PageCtx, rows: &[(Partnership, Vec<TrailEvent>)], first: bool) -> Result<Vec<u8>, csv::Error> {
    let delimiter = if ctx.lang == Lang::Tr { b';' } else { b',' };
    let mut body = if first { "\u{feff}".as_bytes().to_vec() } else { Vec::new() };
    let mut out = csv::WriterBuilder::new().delimiter(delimiter).from_writer(&mut body);
    if first {
        out.write_record(COLUMNS.iter().map(|(name, _)| *name))?;
    }
    for (p, trail) in rows {
        let record = cells(ctx, p, trail, true).into_iter().map(|c| match c {
            Cell::Text(t) => text_cell(&t).into_owned(),
            Cell::Date(d) => d.map(|d| d.to_string()).unwrap_or_default(),
        });
        out.write_record(record)?;
    }
    out.flush()?;
    drop(out);
    Ok(body)
}

/// The relations CSV as a stream: `batch` relations read from the store at a time (with their trails) and
/// written out before the next are read, up to [`EXPORT_LIMIT`]. A failure after the first bytes ends the
/// download early (the client sees a broken transfer, the log the cause).
pub fn csv_stream(
    ctx: PageCtx,
    state: AppState,
    filter: PartnershipFilter,
    batch: usize,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static {
    let batch = batch.clamp(1, EXPORT_LIMIT);
    futures_util::stream::try_unfold(Some(0u64), move |next| {
        let (ctx, state, filter) = (ctx.clone(), state.clone(), filter.clone());
        async move {
            let Some(skip) = next else { return Ok(None) };
            let limit = batch.min(EXPORT_LIMIT - skip as usize);
            let mut rows = state.partnerships.export(&filter, skip, limit).await.map_err(|e| {
                tracing::error!(error = ?e, "relations export failed mid-stream");
                std::io::Error::other("export failed")
            })?;
            rows.iter_mut().for_each(|(p, _)| p.localize(ctx.lang));
            let lines = csv_lines(&ctx, &rows, skip == 0).map_err(std::io::Error::other)?;
            let read = skip + rows.len() as u64;
            let more = rows.len() == limit && (read as usize) < EXPORT_LIMIT;
            Ok(Some((bytes::Bytes::from(lines), more.then_some(read))))
        }
    })
}

/// `/{lang}/partnerships.csv`: UTF-8 with a byte-order mark (so Excel reads "Nilüfer" right); separated by
/// `;` on Turkish pages, as Excel expects where the decimal separator is a comma, and by `,` on English ones.
/// Streamed in batches of [`EXPORT_BATCH`], so a large export never sits whole in memory.
pub async fn export_csv(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<PartnershipQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let filter = parse_filter(&ctx, query)?;
    let body = Body::from_stream(csv_stream(ctx, state, filter, EXPORT_BATCH));
    Ok(attachment(body, "text/csv; charset=utf-8", "attachment; filename=\"partnerships.csv\""))
}

/// `/{lang}/partnerships.xlsx`: the same rows for spreadsheet users, with headers and values in the page's
/// language and the dates as dates.
pub async fn export_xlsx(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<PartnershipQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let rows = rows(&ctx, &state, query).await?;
    let body = workbook(&ctx, &rows).map_err(|e| ctx.fail()(AppError::internal(e)))?;
    Ok(attachment(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment; filename=\"partnerships.xlsx\"",
    ))
}

fn workbook(ctx: &PageCtx, rows: &[(Partnership, Vec<TrailEvent>)]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date_format = Format::new().set_num_format(if ctx.lang == Lang::Tr { "dd.mm.yyyy" } else { "yyyy-mm-dd" });
    let sheet = book.add_worksheet();
    sheet.set_name(ctx.t("export-sheet"))?;
    for (col, (_, key)) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, ctx.t(key), &bold)?;
    }
    for (i, (p, trail)) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        for (col, cell) in cells(ctx, p, trail, false).into_iter().enumerate() {
            let col = col as u16;
            match cell {
                Cell::Text(t) if !t.is_empty() => {
                    sheet.write_string(row, col, text_cell(&t))?;
                }
                Cell::Date(Some(d)) => {
                    let excel = ExcelDateTime::from_ymd(d.year() as u16, u8::from(d.month()), d.day())?;
                    sheet.write_datetime_with_format(row, col, &excel, &date_format)?;
                }
                _ => {}
            }
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    sheet.autofilter(0, 0, rows.len() as u32, COLUMNS.len() as u16 - 1)?;
    sheet.autofit();
    book.save_to_buffer()
}
