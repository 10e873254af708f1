//! "My saved searches" (`/{lang}/workspace/saved-searches`): the signed-in user's saved searches of funding
//! calls, each with its frequency and mail language to change and a delete button (which is how alerts are
//! stopped; every alert mail links here), and the form that saves a new one — prefilled from the public
//! calls list's filters, whose "save this search" link leads here. `services/saved_searches.rs` checks the
//! owner and every field.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use ldp_core::domain::funding::{CallKind, Funder};
use ldp_core::domain::saved_search::{AlertFrequency, SavedSearch, SavedSearchId};
use ldp_core::domain::{Lang, Role};
use ldp_core::services::saved_searches::{SavedSearchInput, SavedSearchUpdate};

use super::Me;
use crate::pages::forms::{FormState, in_form, render_private, see_other};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

/// A saved search as its row shows it: the criteria in words, and its own form's state.
pub struct SearchRow {
    pub search: SavedSearch,
    pub criteria: Vec<String>,
    pub form: FormState,
}

#[derive(askama::Template)]
#[template(path = "ws_saved_searches.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    rows: Vec<SearchRow>,
    form: FormState,
    funders: Vec<Funder>,
    kinds: &'static [CallKind],
    frequencies: [AlertFrequency; 3],
    langs: [Lang; 2],
    /// Only representatives have a municipality to ask about.
    asks_eligibility: bool,
    notice: Option<String>,
}

/// The calls list's filters (`type`, `funder`, `sdg`, `q`) that prefill the form, and the notice after a write.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(rename = "type")]
    kind: Option<String>,
    funder: Option<String>,
    sdg: Option<String>,
    q: Option<String>,
    done: Option<String>,
}

/// The criteria of `s` in words of the page's language.
fn criteria(ctx: &PageCtx, s: &SavedSearch, funders: &[Funder]) -> Vec<String> {
    let c = &s.criteria;
    let mut out = Vec::new();
    if let Some(theme) = &c.theme {
        out.push(format!("{}: {theme}", ctx.t("saved-theme")));
    }
    if let Some(goal) = c.sdg {
        out.push(format!("{}: {goal}", ctx.t("funding-sdg")));
    }
    if let Some(slug) = &c.funder {
        let name = funders.iter().find(|f| &f.slug == slug).map_or_else(|| slug.clone(), |f| ctx.pick(&f.name));
        out.push(format!("{}: {name}", ctx.t("funding-funder")));
    }
    if let Some(kind) = c.kind {
        out.push(format!("{}: {}", ctx.t("funding-type"), ctx.t(&format!("funding-type-{}", kind.as_str()))));
    }
    if c.eligible_for.is_some() {
        out.push(ctx.t("saved-eligible-short"));
    }
    if out.is_empty() {
        out.push(ctx.t("saved-any"));
    }
    out
}

/// What to show in place of the defaults: the new-search form after a refusal, or one row's form.
#[derive(Default)]
struct Shown {
    form: Option<FormState>,
    row: Option<(SavedSearchId, FormState)>,
    notice: Option<String>,
}

async fn list_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    prefill: FormState,
    shown: Shown,
    status: StatusCode,
) -> Result<Response, PageError> {
    let searches = state.saved_searches.list(&viewer.actor).await.map_err(ctx.fail())?;
    let funders = state.funding.funders().await.map_err(ctx.fail())?;
    let rows = searches
        .into_iter()
        .map(|search| {
            let form = match &shown.row {
                Some((id, form)) if *id == search.id => form.clone(),
                _ => FormState::default().set("frequency", search.frequency.as_str()).set("lang", search.lang.code()),
            };
            SearchRow { criteria: criteria(&ctx, &search, &funders), search, form }
        })
        .collect();
    let page = ListPage {
        title: ctx.t("ws-saved-searches"),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        rows,
        form: shown.form.unwrap_or(prefill),
        funders,
        kinds: CallKind::ALL,
        frequencies: AlertFrequency::ALL,
        langs: Lang::ALL,
        asks_eligibility: viewer.actor.role == Some(Role::Representative) && !viewer.actor.municipalities.is_empty(),
        notice: shown.notice,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let prefill = FormState::default()
        .set("theme", q.q.unwrap_or_default())
        .set("kind", q.kind.unwrap_or_default())
        .set("funder", q.funder.unwrap_or_default())
        .set("sdg", q.sdg.unwrap_or_default())
        .set("frequency", AlertFrequency::Daily.as_str())
        .set("lang", ctx.lang.code());
    let notice = match q.done.as_deref() {
        Some("created") => Some(ctx.t("saved-created")),
        Some("updated") => Some(ctx.t("notice-saved")),
        Some("deleted") => Some(ctx.t("saved-deleted")),
        _ => None,
    };
    list_page(ctx, &state, &viewer, prefill, Shown { notice, ..Shown::default() }, StatusCode::OK).await
}

fn done(ctx: &PageCtx, what: &str) -> Response {
    see_other(&ctx.href(&format!("/workspace/saved-searches?done={what}")))
}

pub async fn create(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<SavedSearchInput>,
) -> Result<Response, PageError> {
    match state.saved_searches.create(&viewer.actor, &form, ctx.lang).await {
        Ok(_) => Ok(done(&ctx, "created")),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let shown = Shown { form: Some(FormState::of(&form).with_error(ctx.lang, &error)), ..Shown::default() };
            list_page(ctx, &state, &viewer, FormState::default(), shown, error.status).await
        }
    }
}

pub async fn update(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<SavedSearchUpdate>,
) -> Result<Response, PageError> {
    let id = SavedSearchId(ctx.path_id(&id)?);
    match state.saved_searches.update(&viewer.actor, id, &form).await {
        Ok(_) => Ok(done(&ctx, "updated")),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let shown =
                Shown { row: Some((id, FormState::of(&form).with_error(ctx.lang, &error))), ..Shown::default() };
            list_page(ctx, &state, &viewer, FormState::default(), shown, error.status).await
        }
    }
}

pub async fn delete(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { .. }: CsrfForm<crate::pages::account::Empty>,
) -> Result<Response, PageError> {
    let id = SavedSearchId(ctx.path_id(&id)?);
    state.saved_searches.delete(&viewer.actor, id).await.map_err(ctx.fail())?;
    Ok(done(&ctx, "deleted"))
}
