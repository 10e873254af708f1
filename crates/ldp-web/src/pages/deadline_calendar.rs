//! Funding deadlines as calendars (RFC 5545): the union's feed of published calls
//! (`/{lang}/funding/deadlines.ics`, narrowed by the calls list's own filters `?type=`, `?sdg=`, `?funder=`,
//! `?programme=` and `?q=`; page-cached under the funding topic like the list), and a person's own feed behind
//! the secret of their events feed (`/calendar/{secret}/deadlines.ics`: the calls their saved searches match
//! and their municipality applies to; `private, no-store`, outside the page cache's sections). Calls closed
//! more than [`FEED_KEEPS_PAST`] ago are left out. The files are written by
//! `ldp_core::domain::funding::calendar`.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use ldp_core::domain::funding::calendar::{DeadlineSource, deadlines_calendar};
use ldp_core::domain::funding::{CallFilter, DeadlineModel};
use ldp_core::domain::{InputError, Lang};

use super::calendar::{ics, uid_host, union_name};
use super::{PageCtx, PageError};
use crate::error::AppError;
use crate::i18n::{FluentArg, t, t_args};
use crate::state::AppState;

pub use ldp_core::domain::funding::calendar::FEED_KEEPS_PAST;

/// The filters of the union's feed: those of the calls list (its status and page aside).
#[derive(Debug, Default, Deserialize)]
pub struct DeadlineFeedQuery {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub sdg: Option<String>,
    pub funder: Option<String>,
    pub programme: Option<String>,
    pub q: Option<String>,
}

/// The words before a deadline's summary: "Son başvuru", "2. aşama son başvurusu", "Kesim tarihi 2/3".
fn label(lang: Lang) -> impl Fn(DeadlineModel, usize, usize) -> String + Sync {
    move |model, n, count| {
        let n = n as i64;
        match model {
            _ if count <= 1 && model != DeadlineModel::TwoStage => t(lang, "deadline-label-single"),
            DeadlineModel::TwoStage => t_args(lang, "deadline-label-stage", &[("n", FluentArg::Number(n))]),
            _ => t_args(
                lang,
                "deadline-label-cut-off",
                &[("n", FluentArg::Number(n)), ("count", FluentArg::Number(count as i64))],
            ),
        }
    }
}

fn write(state: &AppState, name: &str, lang: Lang, calls: &[ldp_core::domain::funding::Call]) -> String {
    let label = label(lang);
    let source =
        DeadlineSource { name, uid_host: uid_host(&state.origin), public_url: &state.origin, lang, label: &label };
    deadlines_calendar(&source, calls)
}

/// `GET /{lang}/funding/deadlines.ics[?type=…][&sdg=…][&funder=…][&programme=…][&q=…]`: one event per deadline
/// of every published call matching the filters whose last deadline is at most [`FEED_KEEPS_PAST`] ago, the
/// earliest closing first. A bad filter is a 400 naming it; an unknown funder or programme too.
pub async fn feed(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<DeadlineFeedQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Ok(Query(query)) = query else { return Err(ctx.fail()(AppError::bad_request("invalid_query"))) };
    let mut errors = InputError::default();
    let filter = CallFilter::parse(
        None,
        query.kind.as_deref(),
        query.programme.as_deref(),
        query.funder.as_deref(),
        query.sdg.as_deref(),
        query.q.as_deref(),
    )
    .unwrap_or_else(|e| {
        errors.fields.extend(e.fields);
        CallFilter::default()
    });
    let mut name = union_name(&state, ctx.lang);
    if let Some(kind) = filter.kind {
        name = format!("{name} · {}", ctx.t(&format!("funding-type-{}", kind.as_str())));
    }
    if let Some(slug) = &filter.funder {
        match state.funding.funders().await.map_err(ctx.fail())?.into_iter().find(|f| &f.slug == slug) {
            Some(f) => name = format!("{name} · {}", ctx.pick(&f.name)),
            None => errors.add("funder", "unknown_funder"),
        }
    }
    if let Some(slug) = &filter.programme {
        match state.funding.programmes().await.map_err(ctx.fail())?.into_iter().find(|p| &p.slug == slug) {
            Some(p) => name = format!("{name} · {}", ctx.pick(&p.name)),
            None => errors.add("programme", "unknown_programme"),
        }
    }
    if let Some(goal) = filter.sdg {
        name = format!("{name} · SDG {goal}");
    }
    if !errors.is_empty() {
        return Err(ctx.fail()(AppError::invalid(errors)));
    }
    let name = format!("{name} · {}", ctx.t("deadline-feed-name"));
    let calls = state.funding.deadline_feed(&filter).await.map_err(ctx.fail())?;
    Ok(ics(write(&state, &name, ctx.lang, &calls), "deadlines.ics", false))
}

/// `GET /calendar/{secret}/deadlines.ics`: the owner's deadlines (see the module), in the feed's language. An
/// unknown or revoked secret, or a disabled owner, is a plain 404, the same however wrong it is.
pub async fn personal(State(state): State<AppState>, Path(secret): Path<String>) -> Response {
    let feed = match state.calendars.deadlines(&secret).await {
        Ok(Some(feed)) => feed,
        Ok(None) => {
            let mut r = (StatusCode::NOT_FOUND, "Not Found\n").into_response();
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
            return r;
        }
        Err(e) => return crate::error::ApiError(e.into()).into_response(),
    };
    let lang = feed.feed.lang;
    let name = format!("{} · {}", union_name(&state, lang), t(lang, "deadline-feed-mine"));
    ics(write(&state, &name, lang, &feed.calls), "my-deadlines.ics", true)
}
