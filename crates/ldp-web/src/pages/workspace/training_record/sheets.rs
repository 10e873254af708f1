//! The training record's downloads: a person's trainings, and the hours per topic × province × year, each as
//! CSV (stable column names, UTF-8 with a BOM, `;` on Turkish pages) and XLSX (headers in the page's
//! language, hours as numbers), through [`crate::spreadsheet::Sheet`].

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::Response;

use ldp_core::clock::ISTANBUL;
use ldp_core::domain::certificate::hours;
use ldp_core::domain::training_record::{HoursTable, PersonRecord};
use ldp_core::domain::{EventTopic, Municipality, MunicipalityId};
use ldp_core::services::training_record::TrainingReport;

use super::{RecordQuery, default_municipality, filter_of, read_query};
use crate::error::AppError;
use crate::pages::{PageCtx, PageError};
use crate::session::SignedIn;
use crate::spreadsheet::{CSV, Sheet, Value, XLSX, attachment};
use crate::state::AppState;

fn topic_name(ctx: &PageCtx, topic: EventTopic) -> String {
    ctx.t(&format!("event-topic-{}", topic.as_str()))
}

/// A person's trainings, one row each.
fn record_sheet(ctx: &PageCtx, record: &PersonRecord, names: &[(MunicipalityId, String)]) -> Sheet {
    let columns = [
        ("event_id", "trec-col-event"),
        ("training", "trec-col-training"),
        ("kind", "trec-col-kind"),
        ("first_day", "trec-col-first-day"),
        ("last_day", "trec-col-last-day"),
        ("sessions", "trec-col-sessions"),
        ("hours", "trec-col-hours"),
        ("topics", "trec-col-topics"),
        ("municipality", "trec-col-municipality"),
    ];
    let rows = record
        .trainings
        .iter()
        .map(|t| {
            let day = |at: time::OffsetDateTime| at.to_offset(ISTANBUL).date().to_string();
            let municipality =
                t.municipality.and_then(|id| names.iter().find(|(m, _)| *m == id)).map(|(_, n)| n.clone());
            vec![
                Value::Count(t.event.0),
                Value::Text(ctx.pick(&t.title)),
                Value::Text(ctx.t(&format!("event-kind-{}", t.kind.as_str()))),
                Value::Text(day(t.first_start)),
                Value::Text(day(t.last_end)),
                Value::Count(i64::from(t.sessions)),
                Value::Hours(hours(t.minutes)),
                Value::Text(t.topics.iter().map(|x| topic_name(ctx, *x)).collect::<Vec<_>>().join(", ")),
                Value::Text(municipality.unwrap_or_default()),
            ]
        })
        .collect();
    Sheet::translated(ctx, "trec-sheet-record", &columns, rows)
}

/// The hours per year and province, a column per topic, then the total and the people; the last row holds
/// the totals.
fn hours_sheet(ctx: &PageCtx, table: &HoursTable) -> Sheet {
    let mut columns: Vec<(String, String)> = vec![
        ("year".into(), ctx.t("trec-col-year")),
        ("province_code".into(), ctx.t("trec-col-province-code")),
        ("province".into(), ctx.t("trec-col-province")),
    ];
    for topic in EventTopic::ALL {
        columns.push((format!("hours_{}", topic.as_str()), topic_name(ctx, *topic)));
    }
    columns.push(("hours_total".into(), ctx.t("trec-col-total-hours")));
    columns.push(("people".into(), ctx.t("trec-col-people")));
    let mut rows: Vec<Vec<Value>> = table
        .rows
        .iter()
        .map(|r| {
            let mut row = vec![
                Value::Count(i64::from(r.year)),
                Value::Text(r.province.as_ref().map(|p| p.plate.to_string()).unwrap_or_default()),
                Value::Text(r.province.as_ref().map_or_else(|| ctx.t("trec-no-province"), |p| p.name.clone())),
            ];
            row.extend(EventTopic::ALL.iter().map(|t| Value::Hours(hours(r.topic_minutes(*t)))));
            row.push(Value::Hours(hours(r.total_minutes)));
            row.push(Value::Count(r.people as i64));
            row
        })
        .collect();
    let mut total = vec![Value::Text(ctx.t("trec-total")), Value::Text(String::new()), Value::Text(String::new())];
    total.extend(EventTopic::ALL.iter().map(|t| Value::Hours(hours(table.topic_minutes(*t)))));
    total.push(Value::Hours(hours(table.total_minutes)));
    total.push(Value::Count(table.people as i64));
    rows.push(total);
    Sheet { name: ctx.t("trec-sheet-hours"), columns, rows }
}

fn download(ctx: &PageCtx, sheet: &Sheet, stem: &str, xlsx: bool) -> Result<Response, PageError> {
    let (body, content_type, ext) = if xlsx {
        (sheet.xlsx(ctx.lang).map_err(|e| ctx.fail()(AppError::internal(e)))?, XLSX, "xlsx")
    } else {
        (sheet.csv(ctx.lang).map_err(|e| ctx.fail()(AppError::internal(e)))?, CSV, "csv")
    };
    let mut response = attachment(body, content_type, &format!("{stem}.{ext}"));
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

async fn names(
    state: &AppState,
    ctx: &PageCtx,
    record: &PersonRecord,
) -> Result<Vec<(MunicipalityId, String)>, PageError> {
    super::names_of(state, ctx, record.municipalities()).await.map_err(ctx.fail())
}

async fn record_download(
    ctx: PageCtx,
    state: AppState,
    viewer: crate::session::Viewer,
    query: RecordQuery,
    person: bool,
    xlsx: bool,
) -> Result<Response, PageError> {
    let (filter, _) =
        filter_of(&state, &query).await.map_err(ctx.fail())?.map_err(|e| ctx.fail()(AppError::invalid(e)))?;
    let record = if person {
        let email = query.email.clone().unwrap_or_default();
        state.training_records.person(&viewer.actor, &email, &filter).await
    } else {
        state.training_records.mine(&viewer.actor, &filter).await
    }
    .map_err(ctx.fail())?;
    let names = names(&state, &ctx, &record.record).await?;
    download(&ctx, &record_sheet(&ctx, &record.record, &names), "training-record", xlsx)
}

/// `GET /{lang}/workspace/training-record.csv`
pub async fn mine_csv(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    query: Result<Query<RecordQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = RecordQuery { municipality: None, province: None, email: None, ..read_query(&ctx, query)? };
    record_download(ctx, state, viewer, query, false, false).await
}

/// `GET /{lang}/workspace/training-record.xlsx`
pub async fn mine_xlsx(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    query: Result<Query<RecordQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = RecordQuery { municipality: None, province: None, email: None, ..read_query(&ctx, query)? };
    record_download(ctx, state, viewer, query, false, true).await
}

/// `GET /{lang}/workspace/training-record/person.csv?email=…`
pub async fn person_csv(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    query: Result<Query<RecordQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = read_query(&ctx, query)?;
    record_download(ctx, state, viewer, query, true, false).await
}

/// `GET /{lang}/workspace/training-record/person.xlsx?email=…`
pub async fn person_xlsx(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    query: Result<Query<RecordQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = read_query(&ctx, query)?;
    record_download(ctx, state, viewer, query, true, true).await
}

async fn report(
    ctx: &PageCtx,
    state: &AppState,
    viewer: &crate::session::Viewer,
    query: Result<Query<RecordQuery>, QueryRejection>,
) -> Result<(TrainingReport, Option<Municipality>), PageError> {
    let mut query = RecordQuery { email: None, ..read_query(ctx, query)? };
    default_municipality(state, viewer, &mut query).await.map_err(ctx.fail())?;
    let (filter, municipality) =
        filter_of(state, &query).await.map_err(ctx.fail())?.map_err(|e| ctx.fail()(AppError::invalid(e)))?;
    let report = state.training_records.report(&viewer.actor, &filter).await.map_err(ctx.fail())?;
    Ok((report, municipality))
}

fn hours_stem(municipality: &Option<Municipality>) -> String {
    match municipality {
        Some(m) => format!("training-hours-{}", m.slug),
        None => "training-hours".into(),
    }
}

/// `GET /{lang}/workspace/training-record/hours.csv`
pub async fn hours_csv(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    query: Result<Query<RecordQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let (report, municipality) = report(&ctx, &state, &viewer, query).await?;
    download(&ctx, &hours_sheet(&ctx, &report.table), &hours_stem(&municipality), false)
}

/// `GET /{lang}/workspace/training-record/hours.xlsx`
pub async fn hours_xlsx(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    query: Result<Query<RecordQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let (report, municipality) = report(&ctx, &state, &viewer, query).await?;
    download(&ctx, &hours_sheet(&ctx, &report.table), &hours_stem(&municipality), true)
}
