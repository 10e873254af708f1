//! The relations as spreadsheets: a CSV (UTF-8 with a BOM, stable column names documented in the README) and
//! an XLSX with headers and values in the reader's language. Both carry the legal trail, and both neutralise
//! spreadsheet formula injection.

use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;

use ldp_core::domain::partnership::{Partnership, PartnershipFilter, PartnershipQuery, Stage, TrailEvent};

use super::{PageCtx, PageError};
use crate::error::AppError;
use crate::spreadsheet::{CSV, Sheet, Value, XLSX, attachment};
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
fn cells(ctx: &PageCtx, p: &Partnership, trail: &[TrailEvent], machine: bool) -> Vec<Value> {
    let text = |s: &str| Value::Text(s.to_owned());
    let opt = |s: Option<&String>| Value::Text(s.cloned().unwrap_or_default());
    let date_of = |stage: Stage| Value::Date(step(trail, stage).map(|e| e.date));
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
        Value::Text(member),
        text(&p.member.slug),
        text(&p.member.province),
        text(&p.partner.name),
        Value::Text(country),
        Value::Text(kind),
        Value::Text(stage),
        Value::Text(yes_no(ctx, machine, p.dormant)),
        Value::Text(yes_no(ctx, machine, p.trail_incomplete)),
        Value::Date(p.last_activity),
        Value::Text(sdgs),
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
        Value::Text(source.unwrap_or_default()),
        text(&ctx.href(&format!("/partnerships/{}", p.id.0))),
    ]
}

/// The relations as a sheet; `machine` as for [`cells`].
fn sheet(ctx: &PageCtx, rows: &[(Partnership, Vec<TrailEvent>)], machine: bool) -> Sheet {
    let rows = rows.iter().map(|(p, trail)| cells(ctx, p, trail, machine)).collect();
    Sheet::translated(ctx, "export-sheet", COLUMNS, rows)
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
            let lines = sheet(&ctx, &rows, true).csv_part(ctx.lang, skip == 0).map_err(std::io::Error::other)?;
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
    Ok(attachment(body, CSV, "partnerships.csv"))
}

/// `/{lang}/partnerships.xlsx`: the same rows for spreadsheet users, with headers and values in the page's
/// language and the dates as dates.
pub async fn export_xlsx(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<PartnershipQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let rows = rows(&ctx, &state, query).await?;
    let body = sheet(&ctx, &rows, false).xlsx(ctx.lang).map_err(|e| ctx.fail()(AppError::internal(e)))?;
    Ok(attachment(body, XLSX, "partnerships.xlsx"))
}
