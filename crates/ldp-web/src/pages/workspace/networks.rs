//! The networks registry in the workspace: the networks members belong to beyond the union's own. A
//! representative proposes one; staff add, edit and approve them (`services/networks.rs` decides who may).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use ldp_core::domain::{Country, Network, NetworkId, RegistryNetwork, RegistryStatus};
use ldp_core::services::networks::{self, NetworkInput};

use super::Me;
use crate::error::AppError;
use crate::pages::account::Empty;
use crate::pages::forms::{FormState, in_form, render_private, see_other};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "ws_networks.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    union_networks: Vec<Network>,
    registry: Vec<RegistryNetwork>,
    may_propose: bool,
    /// Staff approve proposals; representatives propose them.
    staff: bool,
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let page = ListPage {
        title: ctx.t("ws-networks"),
        me: Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?,
        union_networks: state.reference.read().await.map_err(ctx.fail())?.networks().to_vec(),
        registry: state.networks.list(&viewer.actor).await.map_err(ctx.fail())?,
        may_propose: state.networks.may_propose(&viewer.actor),
        staff: viewer.actor.edits_all_content(),
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, StatusCode::OK)
}

#[derive(askama::Template)]
#[template(path = "ws_network.html")]
struct FormPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    action: String,
    /// The network being edited, with whether the viewer may approve it.
    network: Option<RegistryNetwork>,
    approvable: bool,
    editable: bool,
    countries: Vec<Country>,
    form: FormState,
}

#[derive(Serialize)]
struct Values<'a> {
    acronym: &'a str,
    name_tr: &'a str,
    name_en: &'a str,
    founded: String,
    headquarters: &'a str,
    hq_country: &'a str,
    website: &'a str,
    aims_tr: &'a str,
    aims_en: &'a str,
}

/// Every country, in Turkish (or English) alphabetical order, for the headquarters' country.
async fn countries(state: &AppState) -> Result<Vec<Country>, ldp_core::store::StoreError> {
    Ok(state.reference.read().await?.all_countries().to_vec())
}

async fn form_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    id: Option<NetworkId>,
    form: Option<FormState>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let network = match id {
        Some(id) => Some(state.networks.get(&viewer.actor, id).await.map_err(ctx.fail())?),
        None => {
            if !state.networks.may_propose(&viewer.actor) {
                return Err(PageError::new(ctx, AppError::forbidden()));
            }
            None
        }
    };
    let form = form.unwrap_or_else(|| match &network {
        Some(n) => FormState::of(&Values {
            acronym: &n.fields.acronym,
            name_tr: &n.fields.name.tr,
            name_en: &n.fields.name.en,
            founded: n.fields.founded.to_string(),
            headquarters: &n.fields.headquarters,
            hq_country: &n.fields.hq_country,
            website: &n.fields.website,
            aims_tr: &n.fields.aims.tr,
            aims_en: &n.fields.aims.en,
        }),
        None => FormState::default(),
    });
    let editable = network.as_ref().is_none_or(|n| networks::edits(&viewer.actor, n));
    let approvable =
        network.as_ref().is_some_and(|n| n.status == RegistryStatus::Proposed && viewer.actor.edits_all_content());
    let title = match &network {
        Some(n) => n.fields.label(ctx.lang).to_owned(),
        None if viewer.actor.edits_all_content() => ctx.t("network-new-staff"),
        None => ctx.t("network-new"),
    };
    let page = FormPage {
        title,
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        action: ctx.href(&match id {
            Some(id) => format!("/workspace/networks/{}", id.0),
            None => "/workspace/networks/new".to_owned(),
        }),
        network,
        approvable,
        editable,
        countries: countries(state).await.map_err(ctx.fail())?,
        form,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

fn parse_id(ctx: &PageCtx, raw: &str) -> Result<NetworkId, PageError> {
    ctx.path_id(raw).map(NetworkId)
}

pub async fn new_form(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    form_page(ctx, &state, &viewer, None, None, StatusCode::OK).await
}

pub async fn edit(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    form_page(ctx, &state, &viewer, Some(id), None, StatusCode::OK).await
}

pub async fn create(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<NetworkInput>,
) -> Result<Response, PageError> {
    match state.networks.propose(&viewer.actor, &form).await {
        Ok(n) => Ok(see_other(&ctx.href(&format!("/workspace/networks/{}?saved=1", n.id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&form).with_error(ctx.lang, &error);
            form_page(ctx, &state, &viewer, None, Some(f), error.status).await
        }
    }
}

pub async fn update(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<NetworkInput>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    match state.networks.update(&viewer.actor, id, &form).await {
        Ok(n) => Ok(see_other(&ctx.href(&format!("/workspace/networks/{}?saved=1", n.id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&form).with_error(ctx.lang, &error);
            form_page(ctx, &state, &viewer, Some(id), Some(f), error.status).await
        }
    }
}

pub async fn approve(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { .. }: CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    state.networks.approve(&viewer.actor, id).await.map_err(ctx.fail())?;
    Ok(see_other(&ctx.href("/workspace/networks?saved=1")))
}
