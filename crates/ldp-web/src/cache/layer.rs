//! The middleware in front of every route: who may be answered from the cache, filling it once per key,
//! and the cache headers every GET response carries.

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use moka::future::Cache;

use super::PageCache;
use super::body::read_up_to;
use super::entry::{Entry, PRIVATE, shareable};
use super::key::{Key, normalised_uri};
use crate::session::SESSION_COOKIE;
use crate::state::AppState;

/// Sections that are one person's (forms with tokens, secrets in the path): never kept, whatever they answer.
const PERSONAL: [&str; 6] = ["workspace", "sign-in", "sign-out", "password-reset", "invitation", "registration"];

/// Answers an anonymous GET from the cache or renders it (once per key, however many ask at the same
/// time) and keeps it; marks whatever a signed-in viewer receives `private, no-store`.
pub async fn serve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if request.method() != Method::GET {
        return next.run(request).await;
    }
    if signed_in(request.headers()) && !asset(request.uri().path()) {
        let mut response = next.run(request).await;
        super::take_fresh_until(response.headers_mut());
        response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static(PRIVATE));
        return response;
    }
    if !public(request.uri().path()) {
        let mut response = next.run(request).await;
        super::take_fresh_until(response.headers_mut());
        return response;
    }
    if let Some(uri) = normalised_uri(request.uri()) {
        *request.uri_mut() = uri;
    }
    let validators = request.headers().get(header::IF_NONE_MATCH).cloned();
    let cache = &state.page_cache;
    let found = match &cache.entries {
        Some(entries) => {
            let key = Key::new(PageCache::versions(&state.feed), state.clock.today(), request.uri());
            through(entries, key, &state, request, next, cache.max_entry).await
        }
        None => render(request, next, cache.max_entry).await,
    };
    match found {
        Ok(entry) => entry.answer(validators.as_ref()),
        Err(response) => response,
    }
}

/// Whether the request carries a credential: a session cookie (even an expired one) or an `Authorization`
/// header. Such a request is answered as the application decides, never from or into the cache.
pub(super) fn signed_in(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION) || crate::session::cookie_value(headers, SESSION_COOKIE).is_some()
}

/// The stylesheet and the icon: the same bytes for everyone, kept by browsers for a year (`immutable`).
fn asset(path: &str) -> bool {
    path.starts_with("/static/") || path == "/favicon.svg"
}

/// Whether a path is the public site's or the API's, outside the personal sections (the operations
/// endpoints report on the node, not on the data, and are never kept).
pub(super) fn public(path: &str) -> bool {
    if path.starts_with("/api/") || discovery_file(path) {
        return true;
    }
    let mut segments = path.trim_start_matches('/').split('/');
    let lang = segments.next().unwrap_or("");
    let section = segments.next().unwrap_or("");
    matches!(lang, "tr" | "en") && !PERSONAL.contains(&section)
}

/// `robots.txt` and the sitemap files, which are made of the public data like the pages.
fn discovery_file(path: &str) -> bool {
    path == "/robots.txt" || (path.starts_with("/sitemap") && path.ends_with(".xml") && !path[1..].contains('/'))
}

/// The entry for `key`, rendered by this request if nobody has (concurrent requests for the same key wait
/// for one rendering). A response that may not be kept comes back as it is.
async fn through(
    entries: &Cache<Key, Entry>,
    key: Key,
    state: &AppState,
    request: Request,
    next: Next,
    max_entry: usize,
) -> Result<Entry, Response> {
    // An entry past the instant its page named (a scheduled news post came due) is rendered again.
    if let Some(kept) = entries.get(&key).await
        && !kept.fresh_at(state.clock.now())
    {
        entries.invalidate(&key).await;
    }
    let mut pending = Some((request, next));
    let mut unshared: Option<Response> = None;
    let mut rendered = false;
    let found = entries
        .try_get_with(key.clone(), async {
            let Some((request, next)) = pending.take() else { return Err(NotKept) };
            rendered = true;
            render(request, next, max_entry).await.map_err(|response| {
                unshared = Some(response);
                NotKept
            })
        })
        .await;
    match found {
        Ok(entry) => {
            if rendered {
                metrics::counter!("page_cache_misses_total").increment(1);
                if PageCache::versions(&state.feed) != key.versions() {
                    // The feed moved while this was rendered: the entry can never answer; free it now.
                    entries.invalidate(&key).await;
                }
                super::record_size(entries);
            } else {
                metrics::counter!("page_cache_hits_total").increment(1);
            }
            Ok(entry)
        }
        Err(_) => match (unshared, pending) {
            (Some(response), _) => Err(response),
            // Another request rendered this key and could not keep it: render our own.
            (None, Some((request, next))) => render(request, next, max_entry).await,
            (None, None) => Err(StatusCode::INTERNAL_SERVER_ERROR.into_response()),
        },
    }
}

/// Renders the request; a shareable response of at most `max_entry` bytes becomes an [`Entry`].
async fn render(request: Request, next: Next, max_entry: usize) -> Result<Entry, Response> {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let mut response = next.run(request).await;
    if !shareable(&response) {
        super::take_fresh_until(response.headers_mut());
        return Err(response);
    }
    let (parts, body) = response.into_parts();
    match read_up_to(body, max_entry).await {
        Ok(bytes) => Ok(Entry::new(parts, bytes, &route)),
        Err(body) => Err(Response::from_parts(parts, body)),
    }
}

/// The rendering of a key that could not be kept (not an error: the response went to its requester).
#[derive(Debug)]
struct NotKept;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assets_keep_their_own_policy() {
        assert!(asset("/static/app.css") && asset("/favicon.svg"));
        assert!(!asset("/tr/") && !public("/static/app.css"));
    }

    #[test]
    fn only_the_public_site_and_the_api_are_kept() {
        for path in [
            "/tr/",
            "/en/sdgs/11",
            "/tr/partnerships.csv",
            "/api/v1/municipalities",
            "/tr/map",
            "/robots.txt",
            "/sitemap.xml",
            "/sitemap-2.xml",
            "/tr/events/feed.atom",
        ] {
            assert!(public(path), "{path}");
        }
        for path in [
            "/",
            "/healthz",
            "/readyz",
            "/metrics",
            "/tr/workspace",
            "/en/sign-in",
            "/tr/invitation/x",
            "/sitemap/x.xml",
        ] {
            assert!(!public(path), "{path}");
        }
    }
}
