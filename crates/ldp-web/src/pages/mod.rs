//! The public site: server-rendered, bilingual (`/tr/…` by default, `/en/…`), usable without JavaScript.

pub mod account;
mod calendar;
pub mod certificates;
pub mod contact;
mod ctx;
pub mod deadline_calendar;
pub mod discovery;
pub(crate) mod download;
pub mod events;
pub mod exports;
pub mod forms;
pub mod funding;
mod home;
mod map;
mod municipalities;
mod networks;
pub mod news;
pub(crate) mod pagination;
pub mod partnerships;
mod project_exports;
pub mod projects;
mod public_registration;
pub mod publications;
mod record;
mod registration_links;
mod sdgs;
pub mod workspace;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use ldp_core::domain::Lang;

pub use ctx::{PageCtx, PageError, render};

use crate::error::AppError;
use crate::state::AppState;

/// Every page, for both languages: the first path segment is the language.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(choose_language))
        .route("/{lang}", get(add_slash))
        .route("/{lang}/", get(home::home))
        .route("/{lang}/local-diplomacy", get(home::local_diplomacy))
        .route("/{lang}/about", get(home::about))
        .route("/{lang}/data-sources", get(home::data_sources))
        .route("/{lang}/networks", get(networks::list))
        .route("/{lang}/networks/{slug}", get(networks::show))
        .route("/{lang}/municipalities", get(municipalities::list))
        .route("/{lang}/municipalities/{slug}", get(municipalities::show))
        .route("/{lang}/partnerships", get(partnerships::list))
        .route("/{lang}/partnerships.csv", get(exports::export_csv))
        .route("/{lang}/partnerships.xlsx", get(exports::export_xlsx))
        .route("/{lang}/partnerships/countries", get(partnerships::countries))
        .route("/{lang}/partnerships/{id}", get(partnerships::show))
        .route("/{lang}/compliance", get(partnerships::compliance))
        .route("/{lang}/funding", get(funding::list))
        .route("/{lang}/funding/programmes", get(funding::programmes))
        .route("/{lang}/funding/deadlines.ics", get(deadline_calendar::feed))
        .route("/{lang}/projects", get(projects::list))
        .route("/{lang}/projects.csv", get(project_exports::export_csv))
        .route("/{lang}/projects.xlsx", get(project_exports::export_xlsx))
        .route("/{lang}/projects/{id}", get(projects::show))
        .route("/{lang}/projects/{id}/documents/{document}", get(projects::document))
        .route("/{lang}/funding/calls/{id}", get(funding::show))
        .route("/{lang}/map", get(map::page::map))
        .route("/files/partnerships/{id}/{document}", get(partnerships::document))
        .route("/{lang}/events", get(events::list))
        .route("/{lang}/events/feed.atom", get(events::feed))
        .route("/{lang}/events/{id}", get(events::show))
        .route("/{lang}/publications", get(publications::list))
        .route("/{lang}/publications/feed.atom", get(publications::feed))
        .route("/{lang}/publications/{id}", get(publications::show))
        .route("/files/publications/{id}/{file}", get(publications::file))
        .route("/{lang}/news", get(news::list))
        .route("/{lang}/news/feed.atom", get(news::feed))
        .route("/{lang}/news/{id}", get(news::show))
        .route("/files/news/{id}/{file}", get(news::image))
        .route("/{lang}/certificates", get(certificates::form))
        .route("/{lang}/certificates/{code}", get(certificates::show))
        .route("/{lang}/events/calendar.ics", get(calendar::feed))
        .route("/{lang}/events/{id}/calendar.ics", get(calendar::event))
        .route("/calendar/{secret}/events.ics", get(calendar::personal))
        .route("/calendar/{secret}/deadlines.ics", get(deadline_calendar::personal))
        .route("/{lang}/sdgs", get(sdgs::list))
        .route("/{lang}/sdgs/{number}", get(sdgs::show))
        .route("/{lang}/contact", get(contact::form).post(contact::send))
        .route("/{lang}/sign-in", get(account::sign_in_form).post(account::sign_in))
        .route("/{lang}/sign-out", post(account::sign_out))
        .route("/{lang}/password-reset", get(account::reset_request_form).post(account::reset_request))
        .route("/{lang}/password-reset/{token}", get(account::reset_form).post(account::reset))
        .route("/{lang}/invitation/{token}", get(account::invitation_form).post(account::accept_invitation))
        .route("/{lang}/registration/offer/{token}", get(registration_links::show))
        .route("/{lang}/registration/offer/{token}/accept", post(registration_links::accept))
        .route("/{lang}/registration/offer/{token}/decline", post(registration_links::decline))
        .route("/{lang}/registration/events/{id}", get(public_registration::form).post(public_registration::register))
        .route("/{lang}/registration/privacy", get(public_registration::privacy))
        .route(
            "/{lang}/registration/confirm/{token}",
            get(public_registration::confirm_form).post(public_registration::confirm),
        )
        .merge(workspace::router())
        .merge(discovery::router())
}

/// The fallback for any address no route knows: a 404 page in the language the address names.
pub async fn not_found(State(state): State<AppState>, ctx: Option<PageCtx>) -> PageError {
    let ctx = ctx.unwrap_or_else(|| PageCtx::of(&state, Lang::Tr, "/"));
    PageError::new(ctx, AppError::not_found())
}

/// `/` sends readers to the language their browser prefers: English if it ranks English above Turkish.
async fn choose_language(headers: HeaderMap) -> Response {
    let lang =
        headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).map(preferred_language).unwrap_or_default();
    let mut response = Redirect::to(&format!("/{}/", lang.code())).into_response();
    response.headers_mut().insert(header::VARY, HeaderValue::from_static("accept-language"));
    response
}

/// The best supported language of an `Accept-Language` value; Turkish when neither is asked for.
fn preferred_language(value: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for item in value.split(',') {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let q =
            parts.find_map(|p| p.trim().strip_prefix("q=")).and_then(|q| q.trim().parse::<f32>().ok()).unwrap_or(1.0);
        if let Some(lang) = Lang::parse(tag)
            && q > 0.0
            && best.is_none_or(|(bq, _)| q > bq)
        {
            best = Some((q, lang));
        }
    }
    best.map(|(_, l)| l).unwrap_or_default()
}

/// `/tr` → `/tr/`.
async fn add_slash(ctx: PageCtx) -> Response {
    if ctx.path != "/" {
        return PageError::new(ctx, AppError::not_found()).into_response();
    }
    Redirect::permanent(&ctx.href("/")).into_response()
}

/// Rows per page of the public lists.
const PER_PAGE: i64 = 25;

/// The page number of a public list from its raw query value, at [`PER_PAGE`] rows.
pub(crate) fn parse_page(raw: Option<&str>) -> Result<ldp_core::domain::Page, ldp_core::domain::InputError> {
    use ldp_core::domain::{InputError, Page};
    let number = match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(s.parse::<i64>().map_err(|_| InputError::new("page", "page_out_of_range"))?),
    };
    Page::parse(number, Some(PER_PAGE))
}

/// A 400 page for a list whose filters were wrong is rendered by the list itself; this is its status.
pub(crate) fn status_for(errors: bool) -> StatusCode {
    if errors { StatusCode::BAD_REQUEST } else { StatusCode::OK }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_highest_supported() {
        assert_eq!(preferred_language("en-GB,en;q=0.9,tr;q=0.8"), Lang::En);
        assert_eq!(preferred_language("de-DE,tr;q=0.5,en;q=0.4"), Lang::Tr);
        assert_eq!(preferred_language("fr"), Lang::Tr);
        assert_eq!(preferred_language("en;q=0, tr;q=0.1"), Lang::Tr);
        assert_eq!(preferred_language(""), Lang::Tr);
    }
}
