//! Users: the list, invitations (admins and staff), and role changes (admins).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use ldp_core::domain::{Municipality, MunicipalityFilter, MunicipalityId, Role, User, UserId};
use ldp_core::services::accounts::UserInput;

use super::Me;
use crate::error::AppError;
use crate::pages::forms::{FormState, in_form, render_private, see_other};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

/// A user with the names of their municipalities, for display.
pub struct UserRow {
    pub user: User,
    pub municipalities: String,
}

/// A member municipality to tick, shown by its name.
pub struct Choice {
    pub slug: String,
    pub label: String,
    pub checked: bool,
}

#[derive(askama::Template)]
#[template(path = "ws_users.html")]
struct UsersPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    users: Vec<UserRow>,
    roles: Vec<Role>,
    can_invite: bool,
    can_manage: bool,
    form: FormState,
    /// The municipality search (`mq`) and the members it found, ticked ones first.
    mq: String,
    choices: Vec<Choice>,
    invited: Option<String>,
}

/// Slug and official name (in the page's language) of every municipality the users name, read in one call
/// however many users there are.
async fn municipalities_named(
    ctx: &PageCtx,
    state: &AppState,
    users: &[User],
) -> Result<HashMap<MunicipalityId, (String, String)>, ldp_core::store::StoreError> {
    let mut ids: Vec<MunicipalityId> = users.iter().flat_map(|u| u.municipalities.iter().copied()).collect();
    ids.sort_unstable_by_key(|id| id.0);
    ids.dedup();
    let found = state.reference.read().await?.municipalities_by_id(&ids);
    Ok(found
        .into_iter()
        .map(|m| {
            let name = ctx.official(&m);
            (m.id, (m.slug, name))
        })
        .collect())
}

/// The user's municipalities: their slugs (the form's values) and their official names (what people read).
fn municipalities_of(user: &User, named: &HashMap<MunicipalityId, (String, String)>) -> (Vec<String>, String) {
    let (slugs, names): (Vec<String>, Vec<String>) =
        user.municipalities.iter().filter_map(|id| named.get(id).cloned()).unzip();
    (slugs, names.join(", "))
}

/// The members to choose from: those whose name matches `q` (Turkish case folding; every member when `q` is
/// empty), in the registry's Turkish order, with the ticked ones first so a search never hides a choice made.
pub(super) async fn choices(
    ctx: &PageCtx,
    state: &AppState,
    q: &str,
    ticked: &[String],
) -> Result<Vec<Choice>, ldp_core::store::StoreError> {
    let folded = ldp_core::text::fold(q);
    let filter = MunicipalityFilter { name: (!folded.is_empty()).then_some(folded), ..Default::default() };
    let reference = state.reference.read().await?;
    let found: Vec<&Municipality> = reference.matching(&filter).collect();
    let label = |m: &Municipality| format!("{} · {}", ctx.official(m), m.province.name);
    let mut out = Vec::new();
    for slug in ticked {
        if let Some(m) = reference.municipality_by_slug(slug) {
            out.push(Choice { label: label(m), slug: m.slug.clone(), checked: true });
        }
    }
    for m in found.iter().filter(|m| !ticked.contains(&m.slug)) {
        out.push(Choice { slug: m.slug.clone(), label: label(m), checked: false });
    }
    Ok(out)
}

/// The ticked boxes (`municipality`, one per box) and any typed list (`municipalities`, the API's form).
fn ticked(boxes: &[String], typed: Option<&str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let typed = typed.unwrap_or("").split([',', '\n']);
    for v in boxes.iter().map(String::as_str).chain(typed).map(str::trim).filter(|v| !v.is_empty()) {
        if !out.iter().any(|o| o == v) {
            out.push(v.to_owned());
        }
    }
    out
}

#[expect(clippy::too_many_arguments, reason = "the page's parts")]
async fn users_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    form: FormState,
    mq: String,
    ticked: &[String],
    invited: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let list = state.accounts.users(&viewer.actor).await.map_err(ctx.fail())?;
    let named = municipalities_named(&ctx, state, &list).await.map_err(ctx.fail())?;
    let users = list
        .into_iter()
        .map(|user| {
            let (_, municipalities) = municipalities_of(&user, &named);
            UserRow { user, municipalities }
        })
        .collect();
    let choices = choices(&ctx, state, &mq, ticked).await.map_err(ctx.fail())?;
    let roles: Vec<Role> = Role::ALL.into_iter().filter(|r| viewer.actor.grants(*r)).collect();
    let page = UsersPage {
        title: ctx.t("ws-users"),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        users,
        roles,
        can_invite: viewer.actor.invites_users(),
        can_manage: viewer.actor.manages_users(),
        form,
        mq,
        choices,
        invited,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    invited: Option<String>,
    /// Searches the municipalities to choose from by name.
    mq: Option<String>,
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let form = FormState::default().set("role", "representative");
    let mq = q.mq.unwrap_or_default();
    users_page(ctx, &state, &viewer, form, mq, &[], q.invited, StatusCode::OK).await
}

/// The invitation form: the account's fields and the ticked municipalities.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct InviteForm {
    email: Option<String>,
    name: Option<String>,
    role: Option<String>,
    /// One per ticked box (a slug).
    #[serde(default)]
    municipality: Vec<String>,
    /// Typed instead: slugs or names, comma-separated.
    municipalities: Option<String>,
    /// The search the list was filtered by, kept when the form comes back.
    mq: Option<String>,
}

pub async fn invite(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<InviteForm>,
) -> Result<Response, PageError> {
    let ticked = ticked(&form.municipality, form.municipalities.as_deref());
    let input = UserInput {
        email: form.email.clone(),
        name: form.name.clone(),
        role: form.role.clone(),
        municipalities: Some(ticked.join(",")),
    };
    match state.accounts.invite(&viewer.actor, &input, ctx.lang).await {
        Ok(user) => {
            let q = serde_urlencoded::to_string([("invited", user.email.as_str())]).unwrap_or_default();
            Ok(see_other(&ctx.href(&format!("/workspace/users?{q}"))))
        }
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&input).with_error(ctx.lang, &error);
            let mq = form.mq.clone().unwrap_or_default();
            users_page(ctx, &state, &viewer, f, mq, &ticked, None, error.status).await
        }
    }
}

#[derive(askama::Template)]
#[template(path = "ws_user.html")]
struct UserPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    user: User,
    roles: Vec<Role>,
    form: FormState,
    mq: String,
    choices: Vec<Choice>,
    /// Where the municipality search goes: this page.
    search_action: String,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct UserForm {
    name: Option<String>,
    role: Option<String>,
    /// One per ticked box (a slug).
    #[serde(default)]
    municipality: Vec<String>,
    /// Typed instead: slugs or names, comma-separated.
    municipalities: Option<String>,
    disabled: Option<String>,
    mq: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct EditQuery {
    mq: Option<String>,
}

/// A form that was refused, with what was ticked.
type Refused = (FormState, Vec<String>);

async fn user_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    id: UserId,
    mq: String,
    refused: Option<Refused>,
    status: StatusCode,
) -> Result<Response, PageError> {
    if !viewer.actor.manages_users() {
        return Err(PageError::new(ctx, AppError::forbidden()));
    }
    let user = state.accounts.user(&viewer.actor, id).await.map_err(ctx.fail())?;
    let (form, ticked) = match refused {
        Some(r) => r,
        None => {
            let named = municipalities_named(&ctx, state, std::slice::from_ref(&user)).await.map_err(ctx.fail())?;
            let (slugs, _) = municipalities_of(&user, &named);
            let form = FormState::default()
                .set("name", user.name.clone())
                .set("role", user.role.as_str())
                .set("disabled", if user.disabled { "1" } else { "" });
            (form, slugs)
        }
    };
    let choices = choices(&ctx, state, &mq, &ticked).await.map_err(ctx.fail())?;
    let page = UserPage {
        title: user.email.clone(),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        user,
        roles: Role::ALL.to_vec(),
        form,
        mq,
        choices,
        search_action: ctx.href(&format!("/workspace/users/{}", id.0)),
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

fn parse_id(ctx: &PageCtx, raw: &str) -> Result<UserId, PageError> {
    raw.parse::<i64>().map(UserId).map_err(|_| PageError::new(ctx.clone(), AppError::not_found()))
}

pub async fn edit(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<EditQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    user_page(ctx, &state, &viewer, id, q.mq.unwrap_or_default(), None, StatusCode::OK).await
}

pub async fn update(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<UserForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    let ticked = ticked(&form.municipality, form.municipalities.as_deref());
    let input = UserInput {
        email: None,
        name: form.name.clone(),
        role: form.role.clone(),
        municipalities: Some(ticked.join(",")),
    };
    let disabled = form.disabled.is_some();
    match state.accounts.update_user(&viewer.actor, id, &input, disabled).await {
        Ok(_) => Ok(see_other(&ctx.href("/workspace/users"))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&input).set("disabled", if disabled { "1" } else { "" }).with_error(ctx.lang, &error);
            let mq = form.mq.clone().unwrap_or_default();
            user_page(ctx, &state, &viewer, id, mq, Some((f, ticked)), error.status).await
        }
    }
}
