//! The portfolio as spreadsheets: `/{lang}/projects.csv` (UTF-8 with a BOM, `;` on Turkish pages, stable
//! column names) and `/{lang}/projects.xlsx` (headers in the reader's language, dates as dates), with the
//! filters of the list. Amounts are written as their exact decimal text, never through a float.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::Date;

use ldp_core::domain::Lang;
use ldp_core::services::projects::PortfolioQuery;

use super::projects::{ProjectLine, select};
use super::{PageCtx, PageError};
use crate::error::AppError;
use crate::spreadsheet::text_cell;
use crate::state::AppState;

/// The columns: the CSV's name (stable) and the message key of the XLSX header.
const COLUMNS: &[(&str, &str)] = &[
    ("id", "export-id"),
    ("acronym", "project-acronym"),
    ("title", "project-title"),
    ("lead", "project-lead"),
    ("lead_slug", "export-member-slug"),
    ("partners", "project-partners"),
    ("programme", "projects-programme"),
    ("funder", "projects-funder"),
    ("status", "project-status"),
    ("start", "project-start"),
    ("end", "project-end"),
    ("budget", "project-budget"),
    ("grant", "project-grant"),
    ("currency", "project-currency"),
    ("sdgs", "project-sdgs"),
    ("url", "export-url"),
];

enum Cell {
    Text(String),
    Date(Option<Date>),
}

fn cells(ctx: &PageCtx, l: &ProjectLine) -> Vec<Cell> {
    let f = &l.project.fields;
    let amount =
        |a: &Option<ldp_core::domain::projects::Amount>| a.as_ref().map(|a| a.amount.to_string()).unwrap_or_default();
    vec![
        Cell::Text(l.project.id.0.to_string()),
        Cell::Text(f.acronym.clone()),
        Cell::Text(l.title(ctx)),
        Cell::Text(l.lead.clone()),
        Cell::Text(l.lead_slug.clone()),
        Cell::Text(l.partner_names()),
        Cell::Text(l.programme.clone().unwrap_or_default()),
        Cell::Text(l.funder.clone().unwrap_or_default()),
        Cell::Text(ctx.t(&format!("project-status-{}", l.status.as_str()))),
        Cell::Date(f.start),
        Cell::Date(f.end),
        Cell::Text(amount(&f.budget)),
        Cell::Text(amount(&f.grant)),
        Cell::Text(f.budget.as_ref().or(f.grant.as_ref()).map(|a| a.currency.clone()).unwrap_or_default()),
        Cell::Text(f.sdgs.iter().map(|g| g.get().to_string()).collect::<Vec<_>>().join(" ")),
        Cell::Text(ctx.href(&format!("/projects/{}", l.project.id.0))),
    ]
}

fn attachment(body: Vec<u8>, content_type: &'static str, filename: &'static str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static(filename));
    response
}

/// The lines a query selects; a bad filter is a 400 page.
async fn lines(
    ctx: &PageCtx,
    state: &AppState,
    query: Result<Query<PortfolioQuery>, QueryRejection>,
) -> Result<Vec<ProjectLine>, PageError> {
    let Ok(Query(query)) = query else { return Err(ctx.fail()(AppError::bad_request("invalid_query"))) };
    let (form, lines, _) = select(ctx, state, query).await?;
    if !form.errors.is_empty() {
        return Err(ctx.fail()(AppError::bad_request("invalid_query")));
    }
    Ok(lines)
}

/// `/{lang}/projects.csv`.
pub async fn export_csv(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<PortfolioQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let lines = lines(&ctx, &state, query).await?;
    let delimiter = if ctx.lang == Lang::Tr { b';' } else { b',' };
    let mut body = "\u{feff}".as_bytes().to_vec();
    let mut out = csv::WriterBuilder::new().delimiter(delimiter).from_writer(&mut body);
    let write = |out: &mut csv::Writer<&mut Vec<u8>>| -> Result<(), csv::Error> {
        out.write_record(COLUMNS.iter().map(|(name, _)| *name))?;
        for l in &lines {
            out.write_record(cells(&ctx, l).into_iter().map(|c| match c {
                Cell::Text(t) => text_cell(&t).into_owned(),
                Cell::Date(d) => d.map(|d| d.to_string()).unwrap_or_default(),
            }))?;
        }
        out.flush()?;
        Ok(())
    };
    write(&mut out).map_err(|e| ctx.fail()(AppError::internal(e)))?;
    drop(out);
    Ok(attachment(body, "text/csv; charset=utf-8", "attachment; filename=\"projects.csv\""))
}

/// `/{lang}/projects.xlsx`.
pub async fn export_xlsx(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<PortfolioQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let lines = lines(&ctx, &state, query).await?;
    let body = workbook(&ctx, &lines).map_err(|e| ctx.fail()(AppError::internal(e)))?;
    Ok(attachment(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "attachment; filename=\"projects.xlsx\"",
    ))
}

fn workbook(ctx: &PageCtx, lines: &[ProjectLine]) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let date_format = Format::new().set_num_format(if ctx.lang == Lang::Tr { "dd.mm.yyyy" } else { "yyyy-mm-dd" });
    let sheet = book.add_worksheet();
    sheet.set_name(ctx.t("projects-sheet"))?;
    for (col, (_, key)) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, col as u16, ctx.t(key), &bold)?;
    }
    for (i, l) in lines.iter().enumerate() {
        let row = i as u32 + 1;
        for (col, cell) in cells(ctx, l).into_iter().enumerate() {
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
    sheet.autofilter(0, 0, lines.len() as u32, COLUMNS.len() as u16 - 1)?;
    sheet.autofit();
    book.save_to_buffer()
}
