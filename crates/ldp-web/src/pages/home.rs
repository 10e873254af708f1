//! Home, the local-diplomacy working area, the union's about page and the data-sources page. The working
//! area's and the about page's text are editable pages (`services/content.rs`), shown as published.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use ldp_core::domain::content::{ContentPage, first_paragraph_text};
use ldp_core::domain::{Network, NewsPost, Province};
use ldp_core::services::content::Shown;

use super::discovery::schema_org::{organization, script_json};
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
    /// The union as a schema.org `Organization` (JSON-LD), when the reference data names it.
    json_ld: Option<String>,
    /// The latest public news posts.
    news: Vec<NewsPost>,
}

pub async fn home(mut ctx: PageCtx, State(state): State<AppState>) -> Result<Response, PageError> {
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let networks = reference.networks().to_vec();
    let provinces = reference.provinces().to_vec();
    let district_count: i64 = provinces.iter().map(|p| i64::from(p.district_count)).sum();
    let countries = state.partnerships.countries().await.map_err(ctx.fail())?;
    // The lead is the first paragraph of the Local Diplomacy page as published.
    let shown = state.content.shown(&ContentPage::LocalDiplomacy, ctx.lang).await.map_err(ctx.fail())?;
    let intro = shown.map(|s| first_paragraph_text(&s.revision.body)).unwrap_or_default();
    ctx.describe(&intro);
    let json_ld = ctx.union.as_deref().map(|u| script_json(&organization(u, ctx.lang)));
    // Read before the posts, so a post that comes due in between only shortens the kept page's life.
    let next_news = state.news.next_publication().await.map_err(ctx.fail())?;
    let news = state.news.latest(HOME_NEWS).await.map_err(ctx.fail())?;
    let page = HomePage {
        title: ctx.t("home-title"),
        intro,
        json_ld,
        municipality_count: district_count + provinces.len() as i64,
        relation_count: countries.iter().map(|c| c.partnerships).sum(),
        country_count: countries.len(),
        networks,
        provinces,
        news,
        ctx,
    };
    let mut response = render(&page.ctx, &page, StatusCode::OK)?;
    // The kept home page leaves the page cache when the next scheduled post comes due.
    crate::cache::fresh_until(&mut response, next_news);
    Ok(response)
}

/// Posts the home page shows.
const HOME_NEWS: u32 = 3;

#[derive(askama::Template)]
#[template(path = "local_diplomacy.html")]
struct LocalDiplomacyPage {
    ctx: PageCtx,
    title: String,
    text: Option<Shown>,
}

pub async fn local_diplomacy(ctx: PageCtx, State(state): State<AppState>) -> Result<Response, PageError> {
    let text = state.content.shown(&ContentPage::LocalDiplomacy, ctx.lang).await.map_err(ctx.fail())?;
    let title = text.as_ref().map_or_else(|| ctx.t("diplomacy-title"), |t| t.revision.title.clone());
    let page = LocalDiplomacyPage { title, text, ctx };
    render(&page.ctx, &page, StatusCode::OK)
}

#[derive(askama::Template)]
#[template(path = "about.html")]
struct AboutPage {
    ctx: PageCtx,
    title: String,
    text: Option<Shown>,
}

pub async fn about(ctx: PageCtx, State(state): State<AppState>) -> Result<Response, PageError> {
    let text = state.content.shown(&ContentPage::About, ctx.lang).await.map_err(ctx.fail())?;
    let title = text.as_ref().map_or_else(|| ctx.t("about-title"), |t| t.revision.title.clone());
    let page = AboutPage { title, text, ctx };
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
