//! The member municipalities: a filterable, paginated list in Turkish collation, and one page each.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use std::collections::BTreeMap;

use ldp_core::domain::{
    InputError, LocationBasis, Municipality, MunicipalityFilter, MunicipalityKind, Page, Paged, Province,
};

use super::discovery::schema_org::{government_organization, script_json};
use super::pagination::Pagination;
use super::{PageCtx, PageError, parse_page, render, status_for};
use crate::error::{AppError, field_message};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    province: Option<String>,
    kind: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "municipalities.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    provinces: Vec<Province>,
    kinds: Vec<MunicipalityKind>,
    /// What the reader typed or chose, echoed back into the form.
    selected_province: String,
    selected_kind: String,
    q: String,
    /// Field → translated message, shown beside the field.
    errors: BTreeMap<String, String>,
    result: Option<Paged<Municipality>>,
    pagination: Option<Pagination>,
}

impl ListPage {
    fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let query = match query {
        Ok(Query(q)) => q,
        Err(_) => return Err(ctx.fail()(AppError::bad_request("invalid_query"))),
    };
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let provinces = reference.provinces().to_vec();
    let filter = MunicipalityFilter::parse(query.province.as_deref(), query.kind.as_deref(), query.q.as_deref());
    let page = parse_page(query.page.as_deref());
    let mut errors = InputError::default();
    if let Err(e) = &filter {
        errors.fields.extend(e.fields.clone());
    }
    if let Err(e) = &page {
        errors.fields.extend(e.fields.clone());
    }
    let (result, pagination) = match (filter, page) {
        (Ok(filter), Ok(page)) => {
            let result = reference.municipalities(&filter, page);
            if result.is_past_end() && page.number() > 1 {
                return Err(ctx.fail()(AppError::not_found()));
            }
            let pagination = Pagination::new(&result, |n| list_href(&ctx, &query, n));
            (Some(result), Some(pagination))
        }
        _ => (None, None),
    };
    let page = ListPage {
        title: ctx.t("municipalities-title"),
        provinces,
        kinds: MunicipalityKind::ALL.to_vec(),
        selected_province: query.province.clone().unwrap_or_default(),
        selected_kind: query.kind.clone().unwrap_or_default(),
        q: query.q.clone().unwrap_or_default(),
        errors: errors.fields.iter().map(|(f, code)| (f.clone(), field_message(ctx.lang, code))).collect(),
        result,
        pagination,
        ctx,
    };
    let status = status_for(!page.errors.is_empty());
    render(&page.ctx, &page, status)
}

/// The list's address for page `n`, keeping the filters.
fn list_href(ctx: &PageCtx, query: &ListQuery, n: u32) -> String {
    let mut pairs: Vec<(&str, String)> = Vec::new();
    for (key, value) in [("province", &query.province), ("kind", &query.kind), ("q", &query.q)] {
        if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
            pairs.push((key, v.to_owned()));
        }
    }
    if n > 1 {
        pairs.push(("page", n.to_string()));
    }
    let qs = serde_urlencoded::to_string(&pairs).unwrap_or_default();
    if qs.is_empty() { ctx.href("/municipalities") } else { format!("{}?{qs}", ctx.href("/municipalities")) }
}

#[derive(askama::Template)]
#[template(path = "municipality.html")]
struct ShowPage {
    ctx: PageCtx,
    title: String,
    municipality: Municipality,
    /// The metropolitan or provincial municipality, on a district's page.
    parent: Option<Municipality>,
    /// The districts, on a metropolitan or provincial municipality's page.
    districts: Vec<Municipality>,
    /// The municipality's sister-city and cooperation relations.
    relations: Paged<ldp_core::domain::partnership::Partnership>,
    /// What the municipality keeps about itself (edited in the workspace).
    profile: ldp_core::domain::MunicipalityProfile,
    /// Its foreign-relations representatives: names, titles, units and languages (contact details stay in the
    /// workspace).
    representatives: Vec<ldp_core::domain::Representative>,
    memberships: Vec<ldp_core::domain::MunicipalMembership>,
    related_publications: crate::pages::publications::RelatedPublications,
    /// The municipality as a schema.org `GovernmentOrganization` (JSON-LD).
    json_ld: String,
}

pub async fn show(
    mut ctx: PageCtx,
    State(state): State<AppState>,
    Path((_, slug)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let found = reference.municipality_by_slug(&slug).cloned();
    let municipality = found.ok_or_else(AppError::not_found).map_err(ctx.fail())?;
    let (parent, districts) = if municipality.kind == MunicipalityKind::District {
        (reference.municipality_by_slug(&municipality.province.slug).cloned(), Vec::new())
    } else {
        let filter = MunicipalityFilter {
            province: Some(municipality.province.plate),
            kind: Some(MunicipalityKind::District),
            name: None,
        };
        (None, reference.municipalities(&filter, Page::first(Page::MAX_SIZE)).items)
    };
    let filter = ldp_core::domain::partnership::PartnershipFilter {
        municipality: Some(municipality.slug.clone()),
        ..Default::default()
    };
    let mut relations = state.partnerships.list(&filter, Page::first(Page::MAX_SIZE)).await.map_err(ctx.fail())?;
    relations.items.iter_mut().for_each(|p| p.localize(ctx.lang));
    let profile = reference.profile(municipality.id).cloned().unwrap_or_default();
    let representatives = state.workspace.representatives(&municipality).await.map_err(ctx.fail())?;
    let memberships = state.workspace.memberships(&municipality).await.map_err(ctx.fail())?;
    let related_publications = crate::pages::publications::RelatedPublications::read(
        &state,
        ldp_core::domain::PublicationFilter { municipality: Some(municipality.id), ..Default::default() },
        Some(format!("{}?municipality={}", ctx.href("/publications"), municipality.slug)),
    )
    .await
    .map_err(ctx.fail())?;
    let url = ctx.absolute(&ctx.href(&format!("/municipalities/{}", municipality.slug)));
    let json_ld = script_json(&government_organization(&municipality, &profile, ctx.union.as_deref(), &url, ctx.lang));
    // Its own words when its profile has them; else what it is and where.
    let about = profile.about.get(ctx.lang).trim().to_owned();
    let description = if about.is_empty() {
        let (name, kind) = (ctx.official(&municipality), ctx.kind_name(&municipality.kind));
        format!("{name} · {kind} · {}", municipality.province.name)
    } else {
        about
    };
    ctx.describe(&description);
    let page = ShowPage {
        related_publications,
        json_ld,
        profile,
        representatives,
        memberships,
        title: municipality.official_name().get(ctx.lang).to_owned(),
        municipality,
        parent,
        districts,
        relations,
        ctx,
    };
    render(&page.ctx, &page, StatusCode::OK)
}
