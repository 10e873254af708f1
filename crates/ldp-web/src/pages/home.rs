//! Home, the local-diplomacy working area and the data-sources page.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use ldp_core::domain::{Network, Province};

use super::content::LOCAL_DIPLOMACY;
use super::{PageCtx, PageError, render};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "home.html")]
struct HomePage {
    ctx: PageCtx,
    title: String,
    intro: String,
    networks: Vec<Network>,
    provinces: Vec<Province>,
    municipality_count: i64,
    /// Public relations that have not ended, and the countries of their partners (as on the countries page).
    relation_count: u64,
    country_count: usize,
}

pub async fn home(ctx: PageCtx, State(state): State<AppState>) -> Result<Response, PageError> {
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let networks = reference.networks().to_vec();
    let provinces = reference.provinces().to_vec();
    let district_count: i64 = provinces.iter().map(|p| i64::from(p.district_count)).sum();
    let countries = state.partnerships.countries().await.map_err(ctx.fail())?;
    let page = HomePage {
        title: ctx.t("home-title"),
        intro: LOCAL_DIPLOMACY.intro(ctx.lang).first().cloned().unwrap_or_default(),
        municipality_count: district_count + provinces.len() as i64,
        relation_count: countries.iter().map(|c| c.partnerships).sum(),
        country_count: countries.len(),
        networks,
        provinces,
        ctx,
    };
    render(&page.ctx, &page, StatusCode::OK)
}

#[derive(askama::Template)]
#[template(path = "local_diplomacy.html")]
struct LocalDiplomacyPage {
    ctx: PageCtx,
    title: String,
    paragraphs: Vec<String>,
    activities: Vec<String>,
    source: String,
}

pub async fn local_diplomacy(ctx: PageCtx) -> Result<Response, PageError> {
    let page = LocalDiplomacyPage {
        title: ctx.t("diplomacy-title"),
        paragraphs: LOCAL_DIPLOMACY.intro(ctx.lang).to_vec(),
        activities: LOCAL_DIPLOMACY.activities(ctx.lang).to_vec(),
        source: LOCAL_DIPLOMACY.source.clone(),
        ctx,
    };
    render(&page.ctx, &page, StatusCode::OK)
}

#[derive(askama::Template)]
#[template(path = "data_sources.html")]
struct DataSourcesPage {
    ctx: PageCtx,
    title: String,
}

pub async fn data_sources(ctx: PageCtx) -> Result<Response, PageError> {
    let page = DataSourcesPage { title: ctx.t("sources-title"), ctx };
    render(&page.ctx, &page, StatusCode::OK)
}
