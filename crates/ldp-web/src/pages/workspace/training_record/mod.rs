//! The training record in the workspace (issue 11): "my training record" for everyone signed in, a person's
//! record for staff and for the representatives of the municipality they attended for, and the hours per
//! topic × province × year of the union (staff, admins, auditors) or of one municipality (also its
//! representatives), each with its CSV and XLSX. `services/training_record.rs` decides who sees what.

mod sheets;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use ldp_core::clock::ISTANBUL;
use ldp_core::domain::certificate::hours;
use ldp_core::domain::training_record::{HoursRow, HoursTable, PersonRecord, RecordFilter, TrainingAttended};
use ldp_core::domain::{EventTopic, InputError, Municipality, MunicipalityId, Province, Role};
use ldp_core::services::training_record::{RecordWithCertificates, TrainingReport};

use super::Me;
use crate::error::AppError;
use crate::pages::forms::{FormState, render_private};
use crate::pages::{PageCtx, PageError};
use crate::session::{SignedIn, Viewer};
use crate::spreadsheet::hours_text;
use crate::state::AppState;

pub use sheets::{hours_csv, hours_xlsx, mine_csv, mine_xlsx, person_csv, person_xlsx};

/// The query of every training-record page, download and API call. `municipality` is a slug or an id,
/// `province` a plate code (1–81), `email` the person shown by the person page.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct RecordQuery {
    /// A year in Istanbul time (2000–2100).
    pub year: Option<String>,
    /// One of the eight topics (`diplomacy_protocol`, …).
    pub topic: Option<String>,
    /// A member municipality's slug or id.
    pub municipality: Option<String>,
    /// A province's plate code (1–81).
    pub province: Option<String>,
    /// The person's address (the person page only).
    pub email: Option<String>,
}

impl RecordQuery {
    /// The query string of these filters (without `email` unless asked), for links that keep them.
    pub fn query_string(&self, with_email: bool) -> String {
        let mut q = self.clone();
        if !with_email {
            q.email = None;
        }
        let text = serde_urlencoded::to_string(&q).unwrap_or_default();
        if text.is_empty() { String::new() } else { format!("?{text}") }
    }
}

/// The filter of `query` with its municipality resolved through the reference data, or every bad field.
pub async fn filter_of(
    state: &AppState,
    query: &RecordQuery,
) -> Result<Result<(RecordFilter, Option<Municipality>), InputError>, AppError> {
    let mut errors = InputError::default();
    let mut filter = RecordFilter::parse(query.year.as_deref(), query.topic.as_deref(), query.province.as_deref())
        .unwrap_or_else(|e| {
            errors.fields.extend(e.fields);
            RecordFilter::default()
        });
    let mut municipality = None;
    if let Some(raw) = query.municipality.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let reference = state.reference.read().await?;
        let found = match raw.parse::<i64>() {
            Ok(id) => reference.municipality(MunicipalityId(id)),
            Err(_) => reference.municipality_by_slug(raw),
        };
        match found {
            Some(m) => {
                filter.municipality = Some(m.id);
                municipality = Some(m.clone());
            }
            None => errors.add("municipality", "unknown_municipality"),
        }
    }
    Ok(if errors.is_empty() { Ok((filter, municipality)) } else { Err(errors) })
}

/// The query as sent, or a 400 page when it cannot be read.
fn read_query(ctx: &PageCtx, query: Result<Query<RecordQuery>, QueryRejection>) -> Result<RecordQuery, PageError> {
    query.map(|Query(q)| q).map_err(|_| ctx.fail()(AppError::bad_request("invalid_query")))
}

/// What every training-record page shows besides its data: the filter form (`ws_training_filters.html`) and
/// the choices.
struct Filters {
    form: FormState,
    /// The page's own address without a query (the form's action).
    action: String,
    /// The person page's address, kept as a hidden field of its form.
    email: Option<String>,
    /// Whether the form chooses a municipality and a province (the hours table).
    places: bool,
    topics: &'static [EventTopic],
    years: Vec<i32>,
    provinces: Vec<Province>,
    /// The municipalities the viewer may choose (all members for staff, their own for a representative).
    municipalities: Vec<Municipality>,
    /// The current filters as a query string (`?…` or empty), for the download links.
    query: String,
}

async fn filters(
    state: &AppState,
    viewer: &Viewer,
    query: &RecordQuery,
    action: String,
    email: Option<String>,
    places: bool,
) -> Result<Filters, AppError> {
    let reference = state.reference.read().await?;
    let municipalities = if viewer.actor.reads_everything() {
        reference.all_municipalities().cloned().collect()
    } else {
        reference.municipalities_by_id(&viewer.actor.municipalities)
    };
    let this_year = state.clock.now().to_offset(ISTANBUL).year();
    Ok(Filters {
        form: FormState::of(query),
        query: query.query_string(email.is_some()),
        action,
        email,
        places,
        topics: EventTopic::ALL,
        years: (2020..=this_year + 1).rev().collect(),
        provinces: reference.provinces().to_vec(),
        municipalities,
    })
}

/// Shared formatting of the record templates.
trait Formatting {
    fn ctx(&self) -> &PageCtx;

    fn hours(&self, minutes: &i64) -> String {
        hours_text(self.ctx().lang, hours(*minutes))
    }

    fn topic_name(&self, topic: &EventTopic) -> String {
        self.ctx().t(&format!("event-topic-{}", topic.as_str()))
    }

    /// A training's days in Istanbul: one day, or the first and the last.
    fn days(&self, t: &TrainingAttended) -> String {
        let ctx = self.ctx();
        let day = |at: OffsetDateTime| at.to_offset(ISTANBUL).date();
        let (first, last) = (day(t.first_start), day(t.last_end));
        if first == last { ctx.date(first) } else { format!("{} – {}", ctx.date(first), ctx.date(last)) }
    }
}

#[derive(askama::Template)]
#[template(path = "ws_training_record.html")]
struct RecordPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    filters: Filters,
    /// `None` when the filter was refused (the errors are beside its fields).
    record: Option<RecordWithCertificates>,
    /// The download links' base (`…/training-record` or `…/training-record/person`), also the form's action.
    downloads: String,
    /// Names of the municipalities the trainings were attended for.
    names: Vec<(MunicipalityId, String)>,
}

impl Formatting for RecordPage {
    fn ctx(&self) -> &PageCtx {
        &self.ctx
    }
}

impl RecordPage {
    fn municipality_name(&self, id: &Option<MunicipalityId>) -> String {
        id.and_then(|id| self.names.iter().find(|(m, _)| *m == id)).map(|(_, n)| n.clone()).unwrap_or_default()
    }
}

async fn names_of(
    state: &AppState,
    ctx: &PageCtx,
    ids: Vec<MunicipalityId>,
) -> Result<Vec<(MunicipalityId, String)>, AppError> {
    let reference = state.reference.read().await?;
    Ok(reference.municipalities_by_id(&ids).iter().map(|m| (m.id, ctx.official(m))).collect())
}

fn municipalities_of(people: &[&PersonRecord]) -> Vec<MunicipalityId> {
    let mut ids: Vec<MunicipalityId> = Vec::new();
    for id in people.iter().flat_map(|p| p.municipalities()) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// `GET /{lang}/workspace/training-record`: the signed-in person's own record.
pub async fn mine(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    query: Result<Query<RecordQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = RecordQuery { municipality: None, province: None, email: None, ..read_query(&ctx, query)? };
    let title = ctx.t("trec-mine-title");
    record_page(ctx, &state, &viewer, query, title, None).await
}

/// `GET /{lang}/workspace/training-record/person?email=…`: someone's record (staff, admins, auditors, and
/// the representatives of the municipalities they attended for).
pub async fn person(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    query: Result<Query<RecordQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = read_query(&ctx, query)?;
    let email = query.email.clone().unwrap_or_default().trim().to_owned();
    let title = format!("{}: {email}", ctx.t("trec-person-title"));
    record_page(ctx, &state, &viewer, query, title, Some(email)).await
}

async fn record_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    query: RecordQuery,
    title: String,
    email: Option<String>,
) -> Result<Response, PageError> {
    let address =
        ctx.href(if email.is_some() { "/workspace/training-record/person" } else { "/workspace/training-record" });
    let mut filters = filters(state, viewer, &query, address.clone(), email, false).await.map_err(ctx.fail())?;
    let email = filters.email.clone();
    let (record, status) = match filter_of(state, &query).await.map_err(ctx.fail())? {
        Ok((filter, _)) => {
            let record = match &email {
                None => state.training_records.mine(&viewer.actor, &filter).await,
                Some(email) => state.training_records.person(&viewer.actor, email, &filter).await,
            };
            match record {
                Ok(r) => (Some(r), StatusCode::OK),
                Err(ldp_core::services::ServiceError::Invalid(e)) => {
                    let error = AppError::invalid(e);
                    filters.form = filters.form.with_error(ctx.lang, &error);
                    (None, error.status)
                }
                Err(e) => return Err(ctx.fail()(e)),
            }
        }
        Err(errors) => {
            let error = AppError::invalid(errors);
            filters.form = filters.form.with_error(ctx.lang, &error);
            (None, error.status)
        }
    };
    let ids = record.as_ref().map(|r| municipalities_of(&[&r.record])).unwrap_or_default();
    let names = names_of(state, &ctx, ids).await.map_err(ctx.fail())?;
    let page = RecordPage {
        title,
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        filters,
        record,
        downloads: address,
        names,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

#[derive(askama::Template)]
#[template(path = "ws_training_hours.html")]
struct HoursPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    filters: Filters,
    report: Option<TrainingReport>,
    /// The municipality shown (`None`: the union).
    municipality: Option<Municipality>,
    names: Vec<(MunicipalityId, String)>,
}

impl Formatting for HoursPage {
    fn ctx(&self) -> &PageCtx {
        &self.ctx
    }
}

impl HoursPage {
    fn cell(&self, row: &HoursRow, topic: &EventTopic) -> String {
        self.hours(&row.topic_minutes(*topic))
    }

    fn topic_total(&self, table: &HoursTable, topic: &EventTopic) -> String {
        self.hours(&table.topic_minutes(*topic))
    }

    fn province_name(&self, row: &HoursRow) -> String {
        row.province.as_ref().map_or_else(|| self.ctx.t("trec-no-province"), |p| p.name.clone())
    }

    fn person_href(&self, p: &PersonRecord) -> String {
        let mut q = RecordQuery { email: Some(p.email.clone()), ..RecordQuery::default() };
        if let Some(m) = &self.municipality {
            q.municipality = Some(m.slug.clone());
        }
        format!("{}{}", self.ctx.href("/workspace/training-record/person"), q.query_string(true))
    }

    fn municipality_names(&self, p: &PersonRecord) -> String {
        p.municipalities()
            .iter()
            .filter_map(|id| self.names.iter().find(|(m, _)| m == id))
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `GET /{lang}/workspace/training-record/hours`: hours per topic × province × year, of the union (staff,
/// admins, auditors) or of one municipality (`?municipality=`; a representative sees their own, the first
/// of them unless they choose).
pub async fn hours_page(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    query: Result<Query<RecordQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let mut query = RecordQuery { email: None, ..read_query(&ctx, query)? };
    default_municipality(&state, &viewer, &mut query).await.map_err(ctx.fail())?;
    let action = ctx.href("/workspace/training-record/hours");
    let mut filters = filters(&state, &viewer, &query, action, None, true).await.map_err(ctx.fail())?;
    let (report, municipality, status) = match filter_of(&state, &query).await.map_err(ctx.fail())? {
        Ok((filter, municipality)) => match state.training_records.report(&viewer.actor, &filter).await {
            Ok(r) => (Some(r), municipality, StatusCode::OK),
            Err(ldp_core::services::ServiceError::Invalid(e)) => {
                let error = AppError::invalid(e);
                filters.form = filters.form.with_error(ctx.lang, &error);
                (None, municipality, error.status)
            }
            Err(e) => return Err(ctx.fail()(e)),
        },
        Err(errors) => {
            let error = AppError::invalid(errors);
            filters.form = filters.form.with_error(ctx.lang, &error);
            (None, None, error.status)
        }
    };
    let people: Vec<&PersonRecord> = report.iter().flat_map(|r| r.people.iter()).collect();
    let names = names_of(&state, &ctx, municipalities_of(&people)).await.map_err(ctx.fail())?;
    let title = match &municipality {
        Some(m) => format!("{}: {}", ctx.t("trec-hours-title"), ctx.official(m)),
        None => format!("{}: {}", ctx.t("trec-hours-title"), ctx.union_name()),
    };
    let page = HoursPage {
        title,
        me: Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?,
        filters,
        report,
        municipality,
        names,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

/// A representative who names no municipality sees their first one.
async fn default_municipality(state: &AppState, viewer: &Viewer, query: &mut RecordQuery) -> Result<(), AppError> {
    let empty = query.municipality.as_deref().is_none_or(|m| m.trim().is_empty());
    if empty && viewer.user.role == Role::Representative {
        let reference = state.reference.read().await?;
        if let Some(m) = reference.municipalities_by_id(&viewer.user.municipalities).first() {
            query.municipality = Some(m.slug.clone());
        }
    }
    Ok(())
}
