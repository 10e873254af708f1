//! The map page: the filtered relations drawn on the world map, and the table of them under it, in pages.
//!
//! Up to [`PartnershipSettings::map_aggregate_above`] relations each get their own arc. Above it, the database
//! counts the relations per member and partner country in one read, and each pair is one weighted line
//! ([`super::weighted`]); the table still pages through every relation, read a page at a time.
//!
//! [`PartnershipSettings::map_aggregate_above`]: ldp_core::services::partnerships::PartnershipSettings

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;
use std::collections::HashMap;

use ldp_core::domain::partnership::{Partnership, PartnershipFilter, PartnershipQuery};
use ldp_core::domain::{Page, Paged};

use super::weighted::{self, Grouping, Wording};
use super::{WorldMap, links, shape_id};
use crate::error::{AppError, field_message};
use crate::i18n::{FluentArg, t_args};
use crate::pages::pagination::Pagination;
use crate::pages::partnerships::{FilterForm, filter_form};
use crate::pages::{PageCtx, PageError, parse_page, render, status_for};
use crate::state::AppState;

/// The table under the map lists at most this many relations when asked for all of them.
const MAP_TABLE_LIMIT: usize = 500;

#[derive(Debug, Default, Deserialize)]
pub struct MapQuery {
    #[serde(flatten)]
    filter: PartnershipQuery,
    /// The page of the table under the map.
    page: Option<String>,
    /// `all=1` lists every drawn relation in the table (up to [`MAP_TABLE_LIMIT`]).
    all: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "map.html")]
struct MapPage {
    ctx: PageCtx,
    title: String,
    form: FilterForm,
    map: WorldMap,
    /// The ranges of relations each line width stands for, when the lines are weighted.
    weights: Vec<(&'static str, String)>,
    /// What a weighted line starts from, when the lines are weighted.
    grouping: Option<Grouping>,
    /// The relations of the table under the map: one page of them, or all when asked.
    partnerships: Vec<Partnership>,
    pagination: Option<Pagination>,
    /// The address of the whole table, when it is paged.
    show_all: Option<String>,
    /// The address of the paged table, when it shows all.
    show_paged: Option<String>,
    /// How many relations match the filters (the map may show fewer).
    total: u64,
    /// How many relations the map draws.
    drawn: u64,
}

impl MapPage {
    /// More relations match than the map draws.
    fn truncated(&self) -> bool {
        self.drawn < self.total
    }

    /// The whole table was asked for but is longer than the page lists.
    fn table_truncated(&self) -> bool {
        self.show_paged.is_some() && (self.partnerships.len() as u64) < self.total
    }

    fn by_province(&self) -> bool {
        self.grouping == Some(Grouping::Province)
    }

    /// Says that the lines are weighted, and what each stands for.
    fn weighted_note(&self) -> String {
        let key = if self.by_province() { "map-weighted-note-province" } else { "map-weighted-note" };
        let count = FluentArg::Number(i64::try_from(self.drawn).unwrap_or(i64::MAX));
        t_args(self.ctx.lang, key, &[("count", count)])
    }
}

/// What the map draws and the table lists for one filter.
struct Drawing {
    map: WorldMap,
    grouping: Option<Grouping>,
    rows: Vec<Partnership>,
    listed: Paged<()>,
    drawn: u64,
}

pub async fn map(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<MapQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Ok(Query(query)) = query else { return Err(ctx.fail()(AppError::bad_request("invalid_query"))) };
    let (mut form, filter) = filter_form(&ctx, &state, query.filter).await?;
    let page = parse_page(query.page.as_deref());
    if let Err(e) = &page {
        form.errors.extend(e.fields.iter().map(|(f, c)| (f.clone(), field_message(ctx.lang, c))));
    }
    let all = query.all.as_deref().is_some_and(|v| !v.trim().is_empty() && v.trim() != "0");
    let drawing = match (&filter, &page) {
        (Some(f), Ok(page)) => draw(&ctx, &state, f, *page, all).await?,
        _ => Drawing {
            map: WorldMap::new(&[], |_| None),
            grouping: None,
            rows: Vec::new(),
            listed: Paged::new(Vec::new(), Page::default(), 0),
            drawn: 0,
        },
    };
    if drawing.listed.is_past_end() && drawing.listed.page > 1 {
        return Err(ctx.fail()(AppError::not_found()));
    }
    let base = form.with_query(&ctx.href("/map"));
    let sep = if base.contains('?') { '&' } else { '?' };
    let (mut pagination, mut show_all, mut show_paged) = (None, None, None);
    if all {
        show_paged = Some(format!("{base}#map-table-title"));
    } else if page.is_ok() {
        let p = Pagination::new(&drawing.listed, |n| {
            if n == 1 { format!("{base}#map-table-title") } else { format!("{base}{sep}page={n}#map-table-title") }
        });
        if p.is_needed() {
            show_all = Some(format!("{base}{sep}all=1#map-table-title"));
        }
        pagination = Some(p);
    }
    let status = status_for(!form.errors.is_empty());
    let page = MapPage {
        title: ctx.t("map-title"),
        form,
        weights: if drawing.grouping.is_some() { weighted::legend() } else { Vec::new() },
        grouping: drawing.grouping,
        map: drawing.map,
        partnerships: drawing.rows,
        pagination,
        show_all,
        show_paged,
        total: drawing.listed.total,
        drawn: drawing.drawn,
        ctx,
    };
    render(&page.ctx, &page, status)
}

/// Reads the table's page (with the count), then draws one arc per relation up to the configured number, or one
/// weighted line per member (or province) and partner country above it.
async fn draw(
    ctx: &PageCtx,
    state: &AppState,
    f: &PartnershipFilter,
    page: Page,
    all: bool,
) -> Result<Drawing, PageError> {
    let above = u64::from(state.partnerships.settings().map_aggregate_above);
    let listed = state.partnerships.list(f, page).await.map_err(ctx.fail())?;
    let (total, mut rows) = (listed.total, listed.items);
    let (map, grouping, drawn) = if total <= above {
        let mut each = state.partnerships.all(f, above as usize).await.map_err(ctx.fail())?;
        each.iter_mut().for_each(|p| p.localize(ctx.lang));
        let summary = state.partnerships.countries().await.map_err(ctx.fail())?;
        let numeric: HashMap<&str, String> = summary
            .iter()
            .filter_map(|c| Some((c.country.as_str(), shape_id(c.country.as_str(), c.numeric.as_deref())?)))
            .collect();
        let map = WorldMap::new(&links(&each, ctx.lang), |iso2| numeric.get(iso2).cloned());
        let drawn = each.len() as u64;
        if all {
            each.truncate(MAP_TABLE_LIMIT);
            rows = each;
        }
        (map, None, drawn)
    } else {
        let pairs = state.partnerships.member_country_links(f).await.map_err(ctx.fail())?;
        let numeric: HashMap<&str, String> = pairs
            .iter()
            .filter_map(|p| Some((p.country.as_str(), shape_id(p.country.as_str(), p.numeric.as_deref())?)))
            .collect();
        let lang = ctx.lang;
        let tooltip = |from: &str, country: &str, count: u64| {
            let args = [
                ("from", FluentArg::Text(from.to_owned())),
                ("country", FluentArg::Text(country.to_owned())),
                ("count", FluentArg::Number(i64::try_from(count).unwrap_or(i64::MAX))),
            ];
            t_args(lang, "map-line-weighted", &args)
        };
        let province_members = |province: &str| {
            t_args(lang, "map-province-members", &[("province", FluentArg::Text(province.to_owned()))])
        };
        let wording = Wording { tooltip: &tooltip, province_members: &province_members };
        let (lines, grouping) = weighted::links(&pairs, lang, &wording);
        let map = WorldMap::new(&lines, |iso2| numeric.get(iso2).cloned());
        if all {
            rows = state.partnerships.all(f, MAP_TABLE_LIMIT).await.map_err(ctx.fail())?;
        }
        (map, Some(grouping), pairs.iter().map(|p| p.partnerships).sum())
    };
    rows.iter_mut().for_each(|p| p.localize(ctx.lang));
    let listed = Paged::new(Vec::new(), page, total);
    Ok(Drawing { map, grouping, rows, listed, drawn })
}
