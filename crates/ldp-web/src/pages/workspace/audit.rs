//! The audit trail in the workspace: the filterable log (admins and auditors), one record's history (anyone
//! who may see the record), and the CSV export of the same filter.

use std::borrow::Cow;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};

use ldp_core::domain::{AuditEntry, AuditFilter, InputError, Paged, RECORD_TYPES};

use super::audit_view::{self, AuditLine};

use super::Me;
use crate::error::AppError;
use crate::pages::forms::{FormState, render_private};
use crate::pages::pagination::Pagination;
use crate::pages::{PageCtx, PageError, parse_page};
use crate::session::SignedIn;
use crate::spreadsheet::text_cell;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct AuditQuery {
    record_type: Option<String>,
    record_id: Option<String>,
    actor: Option<String>,
    action: Option<String>,
    from: Option<String>,
    to: Option<String>,
    #[serde(skip_serializing)]
    page: Option<String>,
}

impl AuditQuery {
    fn filter(&self) -> Result<AuditFilter, InputError> {
        AuditFilter::parse(
            self.record_type.as_deref(),
            self.record_id.as_deref(),
            self.actor.as_deref(),
            self.action.as_deref(),
            self.from.as_deref(),
            self.to.as_deref(),
        )
    }
}

#[derive(askama::Template)]
#[template(path = "ws_audit.html")]
struct AuditPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    form: FormState,
    /// (code, translated label) of every record type, for the filter.
    record_types: Vec<(&'static str, String)>,
    recent: Vec<AuditLine>,
    result: Option<Paged<AuditEntry>>,
    pagination: Option<Pagination>,
    csv_href: String,
    full_log: bool,
    show_changes: bool,
}

pub async fn log(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let me = Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?;
    let query_string = serde_urlencoded::to_string(&q).unwrap_or_default();
    let mut form = FormState::of(&q);
    let parsed = match (q.filter(), parse_page(q.page.as_deref())) {
        (Ok(f), Ok(p)) => Some((f, p)),
        (f, p) => {
            let mut errors = InputError::default();
            if let Err(e) = f {
                errors.fields.extend(e.fields);
            }
            if let Err(e) = p {
                errors.fields.extend(e.fields);
            }
            form = form.with_error(ctx.lang, &AppError::invalid(errors));
            None
        }
    };
    let (result, status) = match parsed {
        Some((filter, page)) => {
            let r = state.audit.list(&viewer.actor, filter, page).await.map_err(ctx.fail())?;
            if r.is_past_end() {
                return Err(PageError::new(ctx, AppError::not_found()));
            }
            (Some(r), StatusCode::OK)
        }
        None => {
            if !viewer.actor.reads_audit_log() && !viewer.actor.is_signed_in() {
                return Err(PageError::new(ctx, AppError::forbidden()));
            }
            (None, StatusCode::BAD_REQUEST)
        }
    };
    let entries: Vec<AuditEntry> = result.as_ref().map(|r| r.items.clone()).unwrap_or_default();
    let recent = audit_view::lines(&state.store, ctx.lang, state.clock.today(), &entries).await.map_err(ctx.fail())?;
    let base = ctx.href("/workspace/audit");
    let pagination = result.as_ref().map(|r| {
        Pagination::new(r, |n| {
            if query_string.is_empty() { format!("{base}?page={n}") } else { format!("{base}?{query_string}&page={n}") }
        })
    });
    let page = AuditPage {
        title: ctx.t("ws-audit"),
        me,
        csv_href: format!("{}?{query_string}", ctx.href("/workspace/audit.csv")),
        full_log: viewer.actor.reads_audit_log(),
        show_changes: true,
        form,
        record_types: RECORD_TYPES.iter().map(|t| (*t, audit_view::record_type_label(ctx.lang, t))).collect(),
        recent,
        result,
        pagination,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

/// One CSV row: the stored columns, for programs, then the same change as the audit page words it, for
/// people (in the page's language).
#[derive(Serialize)]
struct CsvRow<'a> {
    id: i64,
    at_utc: String,
    user_id: Option<i64>,
    actor: Cow<'a, str>,
    client: Cow<'a, str>,
    action: Cow<'a, str>,
    record_type: Cow<'a, str>,
    record_id: Cow<'a, str>,
    municipality_id: Option<i64>,
    before: String,
    after: String,
    at_local: String,
    who: Cow<'a, str>,
    record: Cow<'a, str>,
    action_label: Cow<'a, str>,
    changes: String,
}

/// The log reads this many entries from the store at a time for its CSV.
pub const EXPORT_BATCH: u32 = 1_000;

/// The filtered log as CSV (UTF-8, one row per change, before and after as JSON), streamed in batches of
/// [`EXPORT_BATCH`], newest first, up to the service's limit.
pub async fn export_csv(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let filter = q.filter().map_err(|e| PageError::new(ctx.clone(), AppError::invalid(e)))?;
    // The first batch is read before answering, so a refusal is a page, not a broken download.
    let first = state.audit.export(&viewer.actor, filter.clone(), EXPORT_BATCH).await.map_err(ctx.fail())?;
    let stream = csv_stream(ctx, state, viewer.actor, filter, first, EXPORT_BATCH);
    let mut r = axum::body::Body::from_stream(stream).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    h.insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"ldp-audit.csv\""));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(r)
}

/// The audit CSV as a stream: `first` (already read), then `batch` entries at a time older than the last one
/// written, until the log or [`ldp_core::services::audit::EXPORT_LIMIT`] runs out.
pub fn csv_stream(
    ctx: PageCtx,
    state: AppState,
    actor: ldp_core::domain::Actor,
    filter: AuditFilter,
    first: Vec<AuditEntry>,
    batch: u32,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> + Send + 'static {
    let batch = batch.max(1);
    let failed = |e: &dyn std::fmt::Debug| {
        tracing::error!(error = ?e, "audit export failed mid-stream");
        std::io::Error::other("export failed")
    };
    futures_util::stream::try_unfold((Some(first), 0u32), move |(entries, written)| {
        let (ctx, state, actor, filter) = (ctx.clone(), state.clone(), actor.clone(), filter.clone());
        async move {
            let Some(entries) = entries else { return Ok(None) };
            let lines = audit_view::lines(&state.store, ctx.lang, state.clock.today(), &entries)
                .await
                .map_err(|e| failed(&e))?;
            let bytes = csv_lines(&ctx, &entries, &lines, written == 0).map_err(|e| failed(&e))?;
            let written = written + entries.len() as u32;
            let left = ldp_core::services::audit::EXPORT_LIMIT.saturating_sub(written).min(batch);
            let next = match entries.last() {
                Some(last) if entries.len() as u32 == batch && left > 0 => {
                    let older = AuditFilter { before_id: Some(last.id), ..filter };
                    Some(state.audit.export(&actor, older, left).await.map_err(|e| failed(&e))?)
                }
                _ => None,
            };
            Ok(Some((bytes::Bytes::from(bytes), (next.filter(|n| !n.is_empty()), written))))
        }
    })
}

/// The CSV rows of `entries` (worded as `lines`), led by the header when `first` and there is a row: each
/// row is written on its own, so batches joined end to end are the bytes of one file written whole.
fn csv_lines(ctx: &PageCtx, entries: &[AuditEntry], lines: &[AuditLine], first: bool) -> Result<Vec<u8>, csv::Error> {
    let mut out = csv::WriterBuilder::new().has_headers(first).from_writer(Vec::new());
    for (e, line) in entries.iter().zip(lines) {
        let who = match &line.actor_detail {
            Some(d) => format!("{} <{d}>", line.actor),
            None => line.actor.clone(),
        };
        let changes = line
            .changes
            .iter()
            .map(|c| {
                if c.before.is_empty() {
                    format!("{}: {}", c.label, c.after)
                } else {
                    format!("{}: {} → {}", c.label, c.before, c.after)
                }
            })
            .collect::<Vec<_>>()
            .join("; ");
        let row = CsvRow {
            id: e.id,
            at_utc: e.at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
            user_id: e.user_id.map(|u| u.0),
            actor: text_cell(&e.actor),
            client: text_cell(e.client.as_deref().unwrap_or("")),
            action: text_cell(&e.action),
            record_type: text_cell(&e.record_type),
            record_id: text_cell(&e.record_id),
            municipality_id: e.municipality_id.map(|m| m.0),
            before: e.before.as_ref().map(|v| text_cell(&v.to_string()).into_owned()).unwrap_or_default(),
            after: e.after.as_ref().map(|v| text_cell(&v.to_string()).into_owned()).unwrap_or_default(),
            at_local: ctx.datetime(&e.at),
            who: Cow::Owned(text_cell(&who).into_owned()),
            record: text_cell(&line.record),
            action_label: text_cell(&line.action),
            changes: text_cell(&changes).into_owned(),
        };
        out.serialize(row)?;
    }
    out.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}
