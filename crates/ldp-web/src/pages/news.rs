//! News on the public site: the list (newest first, paged), one page per post with its schema.org
//! `NewsArticle` description and image, and the image file itself. Only posts public now show here (a
//! scheduled post answers 404 until its time); each response is marked to leave the page cache when the
//! next scheduled post comes due ([`crate::cache::fresh_until`]).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use ldp_core::domain::content::render_markdown;
use ldp_core::domain::partnership::PartnershipId;
use ldp_core::domain::{Actor, Event, Lang, Municipality, Network, NewsId, NewsPost, Paged};
use ldp_core::services::ServiceError;

use super::pagination::Pagination;
use super::{PageCtx, PageError, parse_page, render};
use crate::cache::fresh_until;
use crate::error::AppError;
use crate::session::Viewer;
use crate::state::AppState;

/// The address of a post's image, or `None` without one.
pub fn image_href(post: &NewsPost) -> Option<String> {
    post.image.as_ref().map(|i| format!("/files/news/{}/{}", post.id.0, i.file_name()))
}

/// The image's alt text in the page's language (the other language's when the post lacks this one).
pub fn image_alt(ctx: &PageCtx, post: &NewsPost) -> String {
    post.fields.image_alt.get(ctx.lang).to_owned()
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    page: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "news.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    result: Paged<NewsPost>,
    pagination: Option<Pagination>,
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<ListQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Ok(Query(query)) = query else { return Err(ctx.fail()(AppError::bad_request("invalid_query"))) };
    let page = parse_page(query.page.as_deref()).map_err(|e| PageError::new(ctx.clone(), AppError::invalid(e)))?;
    let next = state.news.next_publication().await.map_err(ctx.fail())?;
    let result = state.news.public(page).await.map_err(ctx.fail())?;
    if result.is_past_end() && page.number() > 1 {
        let mut response = PageError::new(ctx, AppError::not_found()).into_response();
        fresh_until(&mut response, next);
        return Ok(response);
    }
    let base = ctx.href("/news");
    let pagination = Pagination::new(&result, |n| if n == 1 { base.clone() } else { format!("{base}?page={n}") });
    let page = ListPage { title: ctx.t("news-title"), result, pagination: Some(pagination), ctx };
    let mut response = render(&page.ctx, &page, StatusCode::OK)?;
    fresh_until(&mut response, next);
    Ok(response)
}

#[derive(askama::Template)]
#[template(path = "news_post.html")]
struct ShowPage {
    ctx: PageCtx,
    title: String,
    post: NewsPost,
    /// The body as sanitised HTML, in the page's language or the other one.
    body_html: String,
    /// Whether the page's language lacks the post, shown then in the other language.
    untranslated: bool,
    /// The language the text is shown in.
    text_lang: Lang,
    image: Option<(String, String)>,
    networks: Vec<Network>,
    municipalities: Vec<Municipality>,
    events: Vec<Event>,
    /// Public sister-city relations the post names: id, member and partner names in the page's language.
    partnerships: Vec<(i64, String, String)>,
    /// schema.org `NewsArticle` as JSON, safe inside a `<script>` element.
    json_ld: String,
}

/// RFC 3339 in Istanbul time, for schema.org.
fn iso(at: time::OffsetDateTime) -> String {
    at.to_offset(ldp_core::clock::ISTANBUL).format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// The schema.org description of a post, as JSON that cannot close its `<script>` element.
fn json_ld(ctx: &PageCtx, post: &NewsPost, url: &str, image: Option<&str>, publisher: &str) -> String {
    let f = &post.fields;
    let shown = if f.untranslated(&ctx.lang) { ctx.lang.other() } else { ctx.lang };
    let mut doc = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": f.title.get(ctx.lang),
        "description": f.summary.get(ctx.lang),
        "url": url,
        "mainEntityOfPage": url,
        "inLanguage": shown.code(),
        "datePublished": iso(f.publish_at),
        "dateModified": iso(post.updated_at.max(f.publish_at)),
        "publisher": { "@type": "Organization", "name": publisher },
        "author": { "@type": "Organization", "name": publisher },
    });
    if let Some(src) = image {
        doc["image"] = serde_json::json!({
            "@type": "ImageObject",
            "url": src,
            "caption": f.image_alt.get(ctx.lang),
        });
    }
    // `<` written as its escape keeps `</script>` (and `<!--`) out of the element; JSON reads it the same.
    doc.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = NewsId(ctx.path_id(&id)?);
    let next = state.news.next_publication().await.map_err(ctx.fail())?;
    let post = match state.news.get(&Actor::visitor(None), id).await {
        Ok(post) => post,
        Err(e) => {
            // A scheduled post's page is a 404 until its time: the kept 404 must leave the cache then.
            let mut response = ctx.fail()(e).into_response();
            fresh_until(&mut response, next);
            return Ok(response);
        }
    };
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let networks: Vec<Network> =
        reference.networks().iter().filter(|n| post.fields.networks.contains(&n.id)).cloned().collect();
    let municipalities = reference.municipalities_by_id(&post.fields.municipalities);
    let mut events = Vec::new();
    for e in &post.fields.events {
        match state.events.get(&Actor::visitor(None), *e).await {
            Ok(event) => events.push(event),
            Err(ServiceError::NotFound) => {}
            Err(e) => return Err(ctx.fail()(e)),
        }
    }
    let mut partnerships = Vec::new();
    for p in &post.fields.partnerships {
        // A relation that became a hidden proposal again is left out, as everywhere in public.
        match state.partnerships.get(PartnershipId(*p)).await {
            Ok(d) if d.partnership.is_public() => {
                let r = d.partnership;
                let partner = if ctx.lang == Lang::Tr { r.partner.name_tr } else { r.partner.name };
                partnerships.push((r.id.0, r.member.official_name().get(ctx.lang).to_owned(), partner));
            }
            Ok(_) | Err(ServiceError::NotFound) => {}
            Err(e) => return Err(ctx.fail()(e)),
        }
    }
    let untranslated = post.fields.untranslated(&ctx.lang);
    let text_lang = if untranslated { ctx.lang.other() } else { ctx.lang };
    let body_html = render_markdown(post.fields.body.get(ctx.lang));
    let url = format!("{}{}", state.origin, ctx.href(&format!("/news/{}", id.0)));
    let image = image_href(&post).map(|src| (src, image_alt(&ctx, &post)));
    let image_url = image.as_ref().map(|(src, _)| format!("{}{src}", state.origin));
    let json_ld = json_ld(&ctx, &post, &url, image_url.as_deref(), &ctx.union_name());
    let page = ShowPage {
        title: post.fields.title.get(ctx.lang).to_owned(),
        body_html,
        untranslated,
        text_lang,
        image,
        networks,
        municipalities,
        events,
        partnerships,
        json_ld,
        post,
        ctx,
    };
    let mut response = render(&page.ctx, &page, StatusCode::OK)?;
    fresh_until(&mut response, next);
    Ok(response)
}

/// A post's image: public posts' for everyone, others' for staff and auditors signed in. Served inline with
/// the type detected at upload; the address holds the image's hash, so a replaced image has a new one.
pub async fn image(
    State(state): State<AppState>,
    viewer: Option<Viewer>,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    let Ok(id) = id.parse::<i64>() else { return StatusCode::NOT_FOUND.into_response() };
    let actor = viewer.map_or_else(|| Actor::visitor(None), |v| v.actor);
    let image = match state.news.image(&actor, NewsId(id), &file).await {
        Ok(image) => image,
        Err(ServiceError::NotFound) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return crate::error::ApiError(e.into()).into_response(),
    };
    super::download::stream(
        &state,
        &image.storage_key,
        image.size,
        &image.content_type,
        super::download::Disposition::Inline,
    )
    .await
}

/// `GET /{lang}/news/feed.atom`: the public posts, latest publish time first, at most
/// [`MAX_ENTRIES`](crate::pages::discovery::atom::MAX_ENTRIES); kept by the page cache only until the next
/// scheduled post comes due.
pub async fn feed(ctx: PageCtx, State(state): State<AppState>) -> Result<Response, PageError> {
    use crate::pages::discovery::atom::{AtomFeed, FeedEntry, MAX_ENTRIES};
    let next = state.news.next_publication().await.map_err(ctx.fail())?;
    let posts = state.news.public(ldp_core::domain::Page::first(MAX_ENTRIES as u32)).await.map_err(ctx.fail())?;
    let entries: Vec<FeedEntry> = posts
        .items
        .iter()
        .map(|p| {
            let url = ctx.absolute(&ctx.href(&format!("/news/{}", p.id.0)));
            FeedEntry {
                id: url.clone(),
                title: p.fields.title.get(ctx.lang).to_owned(),
                summary: p.fields.summary.get(ctx.lang).trim().to_owned(),
                link: url,
                updated: p.updated_at.max(p.fields.publish_at),
                published: Some(p.fields.publish_at),
            }
        })
        .collect();
    let mut response =
        AtomFeed::new(&ctx, "/news", ctx.t("news-title")).entries(entries).into_response(state.news.now());
    fresh_until(&mut response, next);
    Ok(response)
}
