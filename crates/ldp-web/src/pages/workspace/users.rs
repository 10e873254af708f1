//! Users: the list, invitations (admins and staff), and role changes (admins).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use ldp_core::domain::{MunicipalityId, Role, User, UserId};
use ldp_core::services::accounts::UserInput;

use super::Me;
use crate::error::AppError;
use crate::pages::forms::{FormState, in_form, render_private, see_other};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

/// A user with the slugs of their municipalities, for display.
pub struct UserRow {
    pub user: User,
    pub municipalities: String,
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
    invited: Option<String>,
}

/// Each user's municipalities as slugs, from one read of all the municipalities the list names.
async fn with_slugs(state: &AppState, list: Vec<User>) -> Result<Vec<UserRow>, ldp_core::store::StoreError> {
    let mut ids: Vec<MunicipalityId> = list.iter().flat_map(|u| u.municipalities.iter().copied()).collect();
    ids.sort_unstable_by_key(|id| id.0);
    ids.dedup();
    let slugs: HashMap<MunicipalityId, String> =
        state.store.municipalities_by_id(&ids).await?.into_iter().map(|m| (m.id, m.slug)).collect();
    Ok(list
        .into_iter()
        .map(|user| {
            let municipalities = user
                .municipalities
                .iter()
                .filter_map(|id| slugs.get(id).map(String::as_str))
                .collect::<Vec<_>>()
                .join(", ");
            UserRow { user, municipalities }
        })
        .collect())
}

async fn users_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    form: FormState,
    invited: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let list = state.accounts.users(&viewer.actor).await.map_err(ctx.fail())?;
    let users = with_slugs(state, list).await.map_err(ctx.fail())?;
    let roles: Vec<Role> = Role::ALL.into_iter().filter(|r| viewer.actor.grants(*r)).collect();
    let page = UsersPage {
        title: ctx.t("ws-users"),
        me: Me::of(viewer, &state.store).await.map_err(ctx.fail())?,
        users,
        roles,
        can_invite: viewer.actor.invites_users(),
        can_manage: viewer.actor.manages_users(),
        form,
        invited,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    invited: Option<String>,
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let form = FormState::default().set("role", "representative");
    users_page(ctx, &state, &viewer, form, q.invited, StatusCode::OK).await
}

pub async fn invite(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<UserInput>,
) -> Result<Response, PageError> {
    match state.accounts.invite(&viewer.actor, &form, ctx.lang).await {
        Ok((user, _)) => {
            let q = serde_urlencoded::to_string([("invited", user.email.as_str())]).unwrap_or_default();
            Ok(see_other(&ctx.href(&format!("/workspace/users?{q}"))))
        }
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&form).with_error(ctx.lang, &error);
            users_page(ctx, &state, &viewer, f, None, error.status).await
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
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub struct UserForm {
    name: Option<String>,
    role: Option<String>,
    municipalities: Option<String>,
    disabled: Option<String>,
}

async fn user_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    id: UserId,
    form: Option<FormState>,
    status: StatusCode,
) -> Result<Response, PageError> {
    if !viewer.actor.manages_users() {
        return Err(PageError::new(ctx, AppError::forbidden()));
    }
    let user = state.accounts.user(&viewer.actor, id).await.map_err(ctx.fail())?;
    let form = match form {
        Some(f) => f,
        None => FormState::of(&UserForm {
            name: Some(user.name.clone()),
            role: Some(user.role.as_str().to_owned()),
            municipalities: with_slugs(state, vec![user.clone()])
                .await
                .map_err(ctx.fail())?
                .pop()
                .map(|row| row.municipalities),
            disabled: user.disabled.then(|| "1".to_owned()),
        }),
    };
    let page = UserPage {
        title: user.email.clone(),
        me: Me::of(viewer, &state.store).await.map_err(ctx.fail())?,
        user,
        roles: Role::ALL.to_vec(),
        form,
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
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    user_page(ctx, &state, &viewer, id, None, StatusCode::OK).await
}

pub async fn update(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<UserForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    let input = UserInput {
        email: None,
        name: form.name.clone(),
        role: form.role.clone(),
        municipalities: form.municipalities.clone(),
    };
    let disabled = form.disabled.is_some();
    match state.accounts.update_user(&viewer.actor, id, &input, disabled).await {
        Ok(_) => Ok(see_other(&ctx.href("/workspace/users"))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&form).with_error(ctx.lang, &error);
            user_page(ctx, &state, &viewer, id, Some(f), error.status).await
        }
    }
}
