//! Sister-city relations: the filtered list (and its CSV), one page per relation, the per-country summary,
//! the compliance view and the world map.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::Arc;

use ldp_core::domain::partnership::*;
use ldp_core::domain::{CountryCode, Localized, Municipality, Page, Paged, Province, SdgGoal};
use ldp_core::reference::snapshot::ReferenceSnapshot;

use super::pagination::Pagination;
use super::{PageCtx, PageError, parse_page, render, status_for};
use crate::error::{AppError, field_message};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(flatten)]
    filter: PartnershipQuery,
    page: Option<String>,
}

/// Choices for the filter form.
pub struct FilterForm {
    pub query: PartnershipQuery,
    pub provinces: Vec<Province>,
    /// The reference data, whose members are the member choice (not copied for each request).
    reference: Arc<ReferenceSnapshot>,
    /// The countries that have partners.
    pub countries: Arc<[(CountryCode, Localized)]>,
    pub goals: Vec<SdgGoal>,
    pub kinds: &'static [PartnershipKind],
    pub stages: &'static [Stage],
    pub errors: BTreeMap<String, String>,
}

impl FilterForm {
    /// Every member municipality, for the member choice.
    pub fn members(&self) -> impl Iterator<Item = &Municipality> {
        self.reference.all_municipalities()
    }

    pub fn value<'a>(&'a self, field: &str) -> &'a str {
        let q = &self.query;
        let v = match field {
            "municipality" => &q.municipality,
            "province" => &q.province,
            "country" => &q.country,
            "kind" => &q.kind,
            "stage" => &q.stage,
            "sdg" => &q.sdg,
            "dormant" => &q.dormant,
            "trail" => &q.trail,
            "ended" => &q.ended,
            _ => &None,
        };
        v.as_deref().unwrap_or("")
    }

    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    /// The current filters as a query string (without the page), for links to the map, CSV and pages.
    pub fn query_string(&self) -> String {
        let pairs: Vec<(&str, &str)> =
            ["municipality", "province", "country", "kind", "stage", "sdg", "dormant", "trail", "ended"]
                .into_iter()
                .map(|f| (f, self.value(f).trim()))
                .filter(|(_, v)| !v.is_empty())
                .collect();
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }

    /// `path` with the current filters, `field` set to `value` (a country in the map's list).
    pub fn with_value(&self, path: &str, field: &str, value: &str) -> String {
        let mut pairs: Vec<(&str, &str)> =
            ["municipality", "province", "country", "kind", "stage", "sdg", "dormant", "trail", "ended"]
                .into_iter()
                .filter(|f| *f != field)
                .map(|f| (f, self.value(f).trim()))
                .filter(|(_, v)| !v.is_empty())
                .collect();
        pairs.push((field, value));
        format!("{path}?{}", serde_urlencoded::to_string(pairs).unwrap_or_default())
    }

    pub fn with_query(&self, path: &str) -> String {
        let qs = self.query_string();
        if qs.is_empty() { path.to_owned() } else { format!("{path}?{qs}") }
    }
}

pub(super) async fn filter_form(
    ctx: &PageCtx,
    state: &AppState,
    query: PartnershipQuery,
) -> Result<(FilterForm, Option<PartnershipFilter>), PageError> {
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let provinces = reference.provinces().to_vec();
    let countries = state.partnerships.partner_countries().await.map_err(ctx.fail())?;
    let goals = reference.goals();
    let (filter, errors) = match PartnershipFilter::parse(&query) {
        Ok(f) => (Some(f), BTreeMap::new()),
        Err(e) => (None, e.fields.iter().map(|(f, c)| (f.clone(), field_message(ctx.lang, c))).collect()),
    };
    let form = FilterForm {
        query,
        provinces,
        reference,
        countries,
        goals,
        kinds: PartnershipKind::ALL,
        stages: Stage::ALL,
        errors,
    };
    Ok((form, filter))
}

#[derive(askama::Template)]
#[template(path = "partnerships.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    form: FilterForm,
    result: Option<Paged<Partnership>>,
    pagination: Option<Pagination>,
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Ok(Query(query)) = query else { return Err(ctx.fail()(AppError::bad_request("invalid_query"))) };
    let (mut form, filter) = filter_form(&ctx, &state, query.filter).await?;
    let page = parse_page(query.page.as_deref());
    if let Err(e) = &page {
        form.errors.extend(e.fields.iter().map(|(f, c)| (f.clone(), field_message(ctx.lang, c))));
    }
    let (result, pagination) = match (filter, page) {
        (Some(filter), Ok(page)) => {
            let mut result = state.partnerships.list(&filter, page).await.map_err(ctx.fail())?;
            result.items.iter_mut().for_each(|p| p.localize(ctx.lang));
            if result.is_past_end() && page.number() > 1 {
                return Err(ctx.fail()(AppError::not_found()));
            }
            let base = form.with_query(&ctx.href("/partnerships"));
            let sep = if base.contains('?') { '&' } else { '?' };
            let pagination =
                Pagination::new(&result, |n| if n == 1 { base.clone() } else { format!("{base}{sep}page={n}") });
            (Some(result), Some(pagination))
        }
        _ => (None, None),
    };
    let status = status_for(!form.errors.is_empty());
    let page = ListPage { title: ctx.t("partnerships-title"), form, result, pagination, ctx };
    render(&page.ctx, &page, status)
}

#[derive(askama::Template)]
#[template(path = "partnership.html")]
struct ShowPage {
    ctx: PageCtx,
    title: String,
    detail: PartnershipDetail,
    /// The public page does not name who recorded a step (that is in the workspace and the audit trail).
    show_actor: bool,
    related_publications: crate::pages::publications::RelatedPublications,
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = ctx.path_id(&id)?;
    let mut detail = state.partnerships.get_public(PartnershipId(id)).await.map_err(ctx.fail())?;
    detail.partnership.localize(ctx.lang);
    let title = format!("{} – {}", detail.partnership.member.name, detail.partnership.partner.name);
    let related_publications = crate::pages::publications::RelatedPublications::read(
        &state,
        ldp_core::domain::PublicationFilter { partnership: Some(id), ..Default::default() },
        None,
    )
    .await
    .map_err(ctx.fail())?;
    let page = ShowPage { title, detail, ctx, show_actor: false, related_publications };
    render(&page.ctx, &page, StatusCode::OK)
}

/// `/files/partnerships/{id}/{document}`: a stored document, served as an attachment.
pub async fn document(
    State(state): State<AppState>,
    viewer: Option<crate::session::Viewer>,
    Path((id, document)): Path<(String, String)>,
) -> Response {
    let (Ok(id), Ok(document)) = (id.parse::<i64>(), document.parse::<i64>()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    // A proposal's documents are as private as the proposal: its municipality's readers only.
    match state.partnerships.get(PartnershipId(id)).await {
        Ok(d) if d.partnership.is_public() => {}
        Ok(d)
            if viewer.is_some_and(|v| {
                v.actor.reads_municipality(ldp_core::domain::MunicipalityId(d.partnership.member.id))
            }) => {}
        Ok(_) | Err(ldp_core::services::ServiceError::NotFound) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return crate::error::ApiError(e.into()).into_response(),
    }
    let found = match state.store.document(PartnershipId(id), document).await {
        Ok(Some(d)) => d,
        Ok(None) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return crate::error::ApiError(e.into()).into_response(),
    };
    let attachment = super::download::Disposition::Attachment { filename: &found.filename };
    super::download::stream(&state, &found.storage_key, found.size, &found.content_type, attachment).await
}

#[derive(askama::Template)]
#[template(path = "partnership_countries.html")]
struct CountriesPage {
    ctx: PageCtx,
    title: String,
    countries: Arc<[CountrySummary]>,
    total: u64,
}

pub async fn countries(ctx: PageCtx, State(state): State<AppState>) -> Result<Response, PageError> {
    let countries = state.partnerships.countries().await.map_err(ctx.fail())?;
    let total = countries.iter().map(|c| c.partnerships).sum();
    let page = CountriesPage { title: ctx.t("countries-title"), countries, total, ctx };
    render(&page.ctx, &page, StatusCode::OK)
}

#[derive(askama::Template)]
#[template(path = "compliance.html")]
struct RecordsPage {
    ctx: PageCtx,
    title: String,
    total: u64,
    recorded: u64,
    imported: u64,
    /// Relations ended by council decision whose record still lacks steps.
    ended_with_gaps: u64,
    dormant: u64,
    dormant_label: String,
}

/// `/{lang}/compliance`: what visitors see of the record's state, as counts that lead to the lists. The
/// per-relation working view (what to record next) is in the workspace; docs/ARCHITECTURE.md says why.
pub async fn compliance(ctx: PageCtx, State(state): State<AppState>) -> Result<Response, PageError> {
    let count = |f: PartnershipFilter| {
        let state = state.clone();
        async move { state.partnerships.list(&f, Page::first(1)).await.map(|p| p.total) }
    };
    let none = PartnershipFilter::default();
    let total = count(none.clone()).await.map_err(ctx.fail())?;
    let recorded =
        count(PartnershipFilter { trail_incomplete: Some(false), ..none.clone() }).await.map_err(ctx.fail())?;
    let imported = count(PartnershipFilter { trail_incomplete: Some(true), ended: Some(false), ..none.clone() })
        .await
        .map_err(ctx.fail())?;
    let ended_with_gaps = count(PartnershipFilter { trail_incomplete: Some(true), ended: Some(true), ..none.clone() })
        .await
        .map_err(ctx.fail())?;
    let dormant = count(PartnershipFilter { dormant: Some(true), ..none }).await.map_err(ctx.fail())?;
    let months = crate::i18n::FluentArg::Number(i64::from(state.partnerships.settings().dormancy_months));
    let dormant_label = crate::i18n::t_args(ctx.lang, "records-dormant", &[("months", months)]);
    let page = RecordsPage {
        title: ctx.t("compliance-title"),
        total,
        recorded,
        imported,
        ended_with_gaps,
        dormant,
        dormant_label,
        ctx,
    };
    render(&page.ctx, &page, StatusCode::OK)
}
