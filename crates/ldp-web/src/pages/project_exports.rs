//! The portfolio as spreadsheets: `/{lang}/projects.csv` (UTF-8 with a BOM, `;` on Turkish pages, stable
//! column names) and `/{lang}/projects.xlsx` (headers in the reader's language, dates as dates), with the
//! filters of the list. Amounts are written as their exact decimal text, never through a float.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;

use ldp_core::services::projects::PortfolioQuery;

use super::projects::{ProjectLine, select};
use super::{PageCtx, PageError};
use crate::error::AppError;
use crate::spreadsheet::{CSV, Sheet, Value, XLSX, attachment};
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

fn cells(ctx: &PageCtx, l: &ProjectLine) -> Vec<Value> {
    let f = &l.project.fields;
    let amount =
        |a: &Option<ldp_core::domain::projects::Amount>| a.as_ref().map(|a| a.amount.to_string()).unwrap_or_default();
    vec![
        Value::Text(l.project.id.0.to_string()),
        Value::Text(f.acronym.clone()),
        Value::Text(l.title(ctx)),
        Value::Text(l.lead.clone()),
        Value::Text(l.lead_slug.clone()),
        Value::Text(l.partner_names()),
        Value::Text(l.programme.clone().unwrap_or_default()),
        Value::Text(l.funder.clone().unwrap_or_default()),
        Value::Text(ctx.t(&format!("project-status-{}", l.status.as_str()))),
        Value::Date(f.start),
        Value::Date(f.end),
        Value::Text(amount(&f.budget)),
        Value::Text(amount(&f.grant)),
        Value::Text(f.budget.as_ref().or(f.grant.as_ref()).map(|a| a.currency.clone()).unwrap_or_default()),
        Value::Text(f.sdgs.iter().map(|g| g.get().to_string()).collect::<Vec<_>>().join(" ")),
        Value::Text(ctx.href(&format!("/projects/{}", l.project.id.0))),
    ]
}

/// The lines as a sheet.
fn sheet(ctx: &PageCtx, lines: &[ProjectLine]) -> Sheet {
    Sheet::translated(ctx, "projects-sheet", COLUMNS, lines.iter().map(|l| cells(ctx, l)).collect())
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
    let body = sheet(&ctx, &lines).csv(ctx.lang).map_err(|e| ctx.fail()(AppError::internal(e)))?;
    Ok(attachment(body, CSV, "projects.csv"))
}

/// `/{lang}/projects.xlsx`.
pub async fn export_xlsx(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<PortfolioQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let lines = lines(&ctx, &state, query).await?;
    let body = sheet(&ctx, &lines).xlsx(ctx.lang).map_err(|e| ctx.fail()(AppError::internal(e)))?;
    Ok(attachment(body, XLSX, "projects.xlsx"))
}
