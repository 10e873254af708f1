//! Partner places made from a source list (`/workspace/places`): the imported relations whose partner the
//! gazetteer lacked point at a place made from the list's own row; union staff merge each into the GeoNames
//! city it is, once they have found it.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use ldp_core::store::SourcePlace;

use super::Me;
use crate::error::AppError;
use crate::pages::forms::{FormState, in_form, render_private, see_other};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "ws_places.html")]
struct PlacesPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    places: Vec<SourcePlace>,
    /// The place whose form failed, with the form's state.
    failed: Option<(i64, FormState)>,
    merged: Option<String>,
}

impl PlacesPage {
    fn error_of(&self, id: &i64) -> Option<String> {
        self.failed.as_ref().filter(|(f, _)| f == id).and_then(|(_, form)| form.error("city").map(|e| e.to_string()))
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    merged: Option<String>,
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct MergeForm {
    city: Option<String>,
}

async fn page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    failed: Option<(i64, FormState)>,
    merged: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    if !viewer.actor.edits_all_content() {
        return Err(PageError::new(ctx, AppError::forbidden()));
    }
    let page = PlacesPage {
        title: ctx.t("ws-places"),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        places: state.store.source_places().await.map_err(ctx.fail())?,
        failed,
        merged,
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
    page(ctx, &state, &viewer, None, q.merged, StatusCode::OK).await
}

pub async fn merge(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<MergeForm>,
) -> Result<Response, PageError> {
    let place = ctx.path_id(&id)?;
    let refuse = |code: &str| {
        let error = AppError::invalid(ldp_core::domain::InputError::new("city", code));
        (place, FormState::of(&form).with_error(ctx.lang, &error), error.status)
    };
    let city = match form.city.as_deref().map(str::trim).filter(|c| !c.is_empty()).map(str::parse::<i64>) {
        Some(Ok(city)) => city,
        Some(Err(_)) => {
            let (p, f, status) = refuse("not_a_number");
            return page(ctx, &state, &viewer, Some((p, f)), None, status).await;
        }
        None => {
            let (p, f, status) = refuse("required");
            return page(ctx, &state, &viewer, Some((p, f)), None, status).await;
        }
    };
    let merged = ldp_core::services::import::merge_source_place(
        state.store.as_ref(),
        place,
        city,
        &viewer.actor,
        state.clock.as_ref(),
    )
    .await;
    match merged {
        Ok(_) => {
            let q = serde_urlencoded::to_string([("merged", city.to_string())]).unwrap_or_default();
            Ok(see_other(&ctx.href(&format!("/workspace/places?{q}"))))
        }
        Err(ldp_core::services::ServiceError::Conflict(_)) => {
            let (p, f, status) = refuse("not_a_gazetteer_city");
            page(ctx, &state, &viewer, Some((p, f)), None, status).await
        }
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&form).with_error(ctx.lang, &error);
            page(ctx, &state, &viewer, Some((place, f)), None, error.status).await
        }
    }
}
