//! The networks list and one page per network.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use ldp_core::domain::{CountryCode, Localized, Network};

use super::{PageCtx, PageError, render};
use crate::error::AppError;
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "networks.html")]
struct NetworksPage {
    ctx: PageCtx,
    title: String,
    networks: Vec<Network>,
}

pub async fn list(ctx: PageCtx, State(state): State<AppState>) -> Result<Response, PageError> {
    let networks = state.reference.read().await.map_err(ctx.fail())?.networks().to_vec();
    let page = NetworksPage { title: ctx.t("networks-title"), networks, ctx };
    render(&page.ctx, &page, StatusCode::OK)
}

#[derive(askama::Template)]
#[template(path = "network.html")]
struct NetworkPage {
    ctx: PageCtx,
    title: String,
    network: Network,
    /// The headquarters' country in the reader's language, when the country table knows it.
    hq_country: Option<Localized>,
    /// Member municipalities with their own membership, as their representatives recorded it.
    members: Vec<(ldp_core::domain::Municipality, ldp_core::domain::MunicipalMembership)>,
    /// The union's summary of the network, an editable page, when one is published.
    summary: Option<ldp_core::services::content::Shown>,
    related_publications: crate::pages::publications::RelatedPublications,
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    Path((_, slug)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let network = reference.network_by_slug(&slug).cloned();
    let network = network.ok_or_else(AppError::not_found).map_err(ctx.fail())?;
    let hq_country =
        CountryCode::parse(&network.hq_country).ok().and_then(|code| reference.country(&code).map(|c| c.name.clone()));
    let memberships = state.workspace.network_members(network.id).await.map_err(ctx.fail())?;
    let ids: Vec<_> = memberships.iter().map(|m| m.municipality_id).collect();
    let mut municipalities: std::collections::HashMap<_, _> =
        reference.municipalities_by_id(&ids).into_iter().map(|m| (m.id, m)).collect();
    let members: Vec<_> =
        memberships.into_iter().filter_map(|m| municipalities.remove(&m.municipality_id).map(|mu| (mu, m))).collect();
    let summary = state
        .content
        .shown(&ldp_core::domain::content::ContentPage::Network(network.slug.clone()), ctx.lang)
        .await
        .map_err(ctx.fail())?;
    let related_publications = crate::pages::publications::RelatedPublications::read(
        &state,
        ldp_core::domain::PublicationFilter { network: Some(network.id), ..Default::default() },
        Some(format!("{}?network={}", ctx.href("/publications"), network.slug)),
    )
    .await
    .map_err(ctx.fail())?;
    let page = NetworkPage {
        related_publications,
        summary,
        members,
        title: format!("{} — {}", network.acronym, network.name.get(ctx.lang)),
        network,
        hq_country,
        ctx,
    };
    render(&page.ctx, &page, StatusCode::OK)
}
