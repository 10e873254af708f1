//! Editing a municipality: its profile, its representatives and its network memberships.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;

use ldp_core::domain::{MembershipStatus, MunicipalMembership, Municipality, RegistryStatus, Representative};
use ldp_core::services::workspace::{MembershipInput, ProfileInput, RepresentativeInput};

use super::Me;
use crate::error::AppError;
use crate::pages::account::Empty;
use crate::pages::forms::{FormState, Saved, in_form, render_private, see_other};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "ws_municipality.html")]
struct MunicipalityPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    municipality: Municipality,
    form: FormState,
    representatives: Vec<Representative>,
    memberships: Vec<MunicipalMembership>,
    saved: bool,
}

async fn municipality_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    slug: &str,
    form: Option<FormState>,
    status: StatusCode,
    saved: bool,
) -> Result<Response, PageError> {
    let m = state.workspace.editable_municipality(&viewer.actor, slug).await.map_err(ctx.fail())?;
    let form = match form {
        Some(f) => f,
        None => {
            let p = state.workspace.profile(&m).await.map_err(ctx.fail())?;
            FormState::of(&ProfileInput {
                website: Some(p.website),
                contact_email: Some(p.contact_email),
                contact_phone: Some(p.contact_phone),
                about_tr: Some(p.about.tr),
                about_en: Some(p.about.en),
            })
        }
    };
    let page = MunicipalityPage {
        title: ctx.official(&m),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        representatives: state.workspace.representatives(&m).await.map_err(ctx.fail())?,
        memberships: state.workspace.memberships(&m).await.map_err(ctx.fail())?,
        municipality: m,
        form,
        saved,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, slug)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<Saved>,
) -> Result<Response, PageError> {
    municipality_page(ctx, &state, &viewer, &slug, None, StatusCode::OK, q.saved.is_some()).await
}

pub async fn save_profile(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, slug)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<ProfileInput>,
) -> Result<Response, PageError> {
    match state.workspace.update_profile(&viewer.actor, &slug, &form).await {
        Ok(_) => Ok(see_other(&ctx.href(&format!("/workspace/municipalities/{slug}?saved=1")))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&form).with_error(ctx.lang, &error);
            municipality_page(ctx, &state, &viewer, &slug, Some(f), error.status, false).await
        }
    }
}

#[derive(askama::Template)]
#[template(path = "ws_representative.html")]
struct RepresentativePage {
    ctx: PageCtx,
    title: String,
    me: Me,
    municipality: Municipality,
    action: String,
    delete_action: Option<String>,
    form: FormState,
}

async fn representative_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    slug: &str,
    id: Option<i64>,
    form: Option<FormState>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (m, form) = match id {
        Some(id) => {
            let (m, r) = state.workspace.editable_representative(&viewer.actor, slug, id).await.map_err(ctx.fail())?;
            let f = form.unwrap_or_else(|| {
                FormState::of(&RepresentativeInput {
                    name: Some(r.name),
                    title: Some(r.title),
                    unit: Some(r.unit),
                    email: Some(r.email),
                    phone: Some(r.phone),
                    languages: Some(r.languages),
                })
            });
            (m, f)
        }
        None => {
            let m = state.workspace.editable_municipality(&viewer.actor, slug).await.map_err(ctx.fail())?;
            (m, form.unwrap_or_default())
        }
    };
    let base = format!("/workspace/municipalities/{slug}/representatives");
    let page = RepresentativePage {
        title: ctx.t(if id.is_some() { "rep-edit-title" } else { "rep-new-title" }),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        municipality: m,
        action: ctx.href(&match id {
            Some(id) => format!("{base}/{id}"),
            None => format!("{base}/new"),
        }),
        delete_action: id.map(|id| ctx.href(&format!("{base}/{id}/delete"))),
        form,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

fn parse_id(ctx: &PageCtx, raw: &str) -> Result<i64, PageError> {
    raw.parse().map_err(|_| PageError::new(ctx.clone(), AppError::not_found()))
}

pub async fn new_representative(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, slug)): Path<(String, String)>,
) -> Result<Response, PageError> {
    representative_page(ctx, &state, &viewer, &slug, None, None, StatusCode::OK).await
}

pub async fn edit_representative(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, slug, id)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    representative_page(ctx, &state, &viewer, &slug, Some(id), None, StatusCode::OK).await
}

async fn save_representative(
    ctx: PageCtx,
    state: AppState,
    viewer: Viewer,
    slug: String,
    id: Option<i64>,
    form: RepresentativeInput,
) -> Result<Response, PageError> {
    match state.workspace.save_representative(&viewer.actor, &slug, id, &form).await {
        Ok(_) => Ok(see_other(&ctx.href(&format!("/workspace/municipalities/{slug}?saved=1")))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&form).with_error(ctx.lang, &error);
            representative_page(ctx, &state, &viewer, &slug, id, Some(f), error.status).await
        }
    }
}

pub async fn create_representative(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, slug)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<RepresentativeInput>,
) -> Result<Response, PageError> {
    save_representative(ctx, state, viewer, slug, None, form).await
}

pub async fn update_representative(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, slug, id)): Path<(String, String, String)>,
    CsrfForm { form, .. }: CsrfForm<RepresentativeInput>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    save_representative(ctx, state, viewer, slug, Some(id), form).await
}

pub async fn delete_representative(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, slug, id)): Path<(String, String, String)>,
    CsrfForm { .. }: CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    state.workspace.delete_representative(&viewer.actor, &slug, id).await.map_err(ctx.fail())?;
    Ok(see_other(&ctx.href(&format!("/workspace/municipalities/{slug}?saved=1"))))
}

#[derive(askama::Template)]
#[template(path = "ws_membership.html")]
struct MembershipPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    municipality: Municipality,
    action: String,
    /// The network, when editing (it cannot change).
    network: Option<String>,
    /// (slug, label) of the networks a membership may name: the union's own, then the approved ones of the
    /// registry.
    networks: Vec<(String, String)>,
    statuses: Vec<MembershipStatus>,
    representatives: Vec<Representative>,
    form: FormState,
}

#[derive(Debug, Serialize)]
struct MembershipValues {
    network: String,
    since: String,
    status: String,
    decision_number: String,
    decision_date: String,
    representative: String,
    working_groups: String,
}

async fn membership_networks(
    ctx: &PageCtx,
    state: &AppState,
    viewer: &Viewer,
) -> Result<Vec<(String, String)>, ldp_core::services::ServiceError> {
    let mut all: Vec<(String, String)> = state
        .store
        .list_networks()
        .await?
        .into_iter()
        .map(|n| (n.slug, format!("{} — {}", n.acronym, ctx.pick(&n.name))))
        .collect();
    for n in state.networks.list(&viewer.actor).await? {
        if n.status == RegistryStatus::Approved {
            let label = super::audit_view::network_label(&n.fields.acronym, n.fields.name.get(ctx.lang));
            all.push((n.slug, label));
        }
    }
    Ok(all)
}

async fn membership_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    slug: &str,
    id: Option<i64>,
    form: Option<FormState>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (m, network, form) = match id {
        Some(id) => {
            let (m, x) = state.workspace.editable_membership(&viewer.actor, slug, id).await.map_err(ctx.fail())?;
            let f = form.unwrap_or_else(|| {
                FormState::of(&MembershipValues {
                    network: x.network_slug.clone(),
                    since: x.since_year.to_string(),
                    status: x.status.as_str().to_owned(),
                    decision_number: x.decision_number.clone().unwrap_or_default(),
                    decision_date: x.decision_date.map(|d| d.to_string()).unwrap_or_default(),
                    representative: x.representative_id.map(|r| r.to_string()).unwrap_or_default(),
                    working_groups: x.working_groups.clone(),
                })
            });
            (m, Some(x.network_acronym), f)
        }
        None => {
            let m = state.workspace.editable_municipality(&viewer.actor, slug).await.map_err(ctx.fail())?;
            (m, None, form.unwrap_or_else(|| FormState::default().set("status", "active")))
        }
    };
    let base = format!("/workspace/municipalities/{slug}/memberships");
    let page = MembershipPage {
        title: ctx.t(if id.is_some() { "membership-edit-title" } else { "membership-new-title" }),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        action: ctx.href(&match id {
            Some(id) => format!("{base}/{id}"),
            None => format!("{base}/new"),
        }),
        network,
        networks: membership_networks(&ctx, state, viewer).await.map_err(ctx.fail())?,
        statuses: MembershipStatus::ALL.to_vec(),
        representatives: state.workspace.representatives(&m).await.map_err(ctx.fail())?,
        municipality: m,
        form,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

pub async fn new_membership(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, slug)): Path<(String, String)>,
) -> Result<Response, PageError> {
    membership_page(ctx, &state, &viewer, &slug, None, None, StatusCode::OK).await
}

pub async fn edit_membership(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, slug, id)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    membership_page(ctx, &state, &viewer, &slug, Some(id), None, StatusCode::OK).await
}

async fn save_membership(
    ctx: PageCtx,
    state: AppState,
    viewer: Viewer,
    slug: String,
    id: Option<i64>,
    form: MembershipInput,
) -> Result<Response, PageError> {
    match state.workspace.save_membership(&viewer.actor, &slug, id, &form).await {
        Ok(_) => Ok(see_other(&ctx.href(&format!("/workspace/municipalities/{slug}?saved=1")))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&form).with_error(ctx.lang, &error);
            membership_page(ctx, &state, &viewer, &slug, id, Some(f), error.status).await
        }
    }
}

pub async fn create_membership(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, slug)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<MembershipInput>,
) -> Result<Response, PageError> {
    save_membership(ctx, state, viewer, slug, None, form).await
}

pub async fn update_membership(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, slug, id)): Path<(String, String, String)>,
    CsrfForm { form, .. }: CsrfForm<MembershipInput>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    save_membership(ctx, state, viewer, slug, Some(id), form).await
}
