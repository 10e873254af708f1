//! One kept response: which responses may be kept, their `ETag`, and answering a conditional request.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header, response::Parts};
use axum::response::Response;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// `Cache-Control` of an anonymous response: browsers and proxies may keep it for 30 seconds, then must
/// ask again (an `If-None-Match` answered 304 while nothing changed).
pub const PUBLIC: &str = "public, max-age=30, must-revalidate";

/// `Cache-Control` of everything a signed-in viewer receives: it carries their name and edit links.
pub const PRIVATE: &str = "private, no-store";

/// A complete response as it was sent, shared by every request it answers.
#[derive(Clone, Debug)]
pub struct Entry(Arc<Stored>);

#[derive(Debug)]
struct Stored {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
    etag: Option<HeaderValue>,
    /// The instant the response stops being true without a write (see [`super::FRESH_UNTIL`]).
    fresh_until: Option<time::OffsetDateTime>,
    /// The route template that rendered it, for the metrics and the log of the requests it answers.
    route: Arc<str>,
}

/// Whether a response may be kept and shared: a 200 or 404 that sets no cookie, does not ask to stay
/// private or unstored, and does not vary on request headers.
pub fn shareable(response: &Response) -> bool {
    let h = response.headers();
    let cache_control = h.get_all(header::CACHE_CONTROL).iter().filter_map(|v| v.to_str().ok()).any(|v| {
        v.split(',').map(str::trim).any(|d| d.eq_ignore_ascii_case("private") || d.eq_ignore_ascii_case("no-store"))
    });
    matches!(response.status(), StatusCode::OK | StatusCode::NOT_FOUND)
        && !h.contains_key(header::SET_COOKIE)
        && !h.contains_key(header::VARY)
        && !cache_control
}

impl Entry {
    /// Keeps a shareable response's head and whole body, with the public cache policy and, for a 200, a
    /// strong `ETag`.
    pub fn new(mut parts: Parts, body: Bytes, route: &str) -> Entry {
        let fresh_until = super::take_fresh_until(&mut parts.headers);
        let etag = (parts.status == StatusCode::OK).then(|| etag_of(&parts.headers, &body));
        let h = &mut parts.headers;
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static(PUBLIC));
        // A shared cache must not hand the anonymous page to a signed-in browser (whose pages differ).
        h.insert(header::VARY, HeaderValue::from_static("cookie"));
        if let Some(tag) = &etag {
            h.insert(header::ETAG, tag.clone());
        }
        let route = Arc::from(route);
        Entry(Arc::new(Stored { status: parts.status, headers: parts.headers, body, etag, fresh_until, route }))
    }

    /// Whether the response is still what its page would show at `now` (a scheduled post has not come due).
    pub fn fresh_at(&self, now: time::OffsetDateTime) -> bool {
        self.0.fresh_until.is_none_or(|until| now < until)
    }

    /// The route template that rendered the entry (`/{lang}/municipalities`).
    pub fn route(&self) -> Arc<str> {
        Arc::clone(&self.0.route)
    }

    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    pub fn body(&self) -> &Bytes {
        &self.0.body
    }

    pub fn etag(&self) -> Option<&HeaderValue> {
        self.0.etag.as_ref()
    }

    /// Bytes the entry holds, for the cache's weigher.
    pub fn weight(&self) -> usize {
        let headers: usize = self.0.headers.iter().map(|(k, v)| k.as_str().len() + v.len() + 32).sum();
        std::mem::size_of::<Stored>() + headers + self.0.body.len() + self.0.route.len()
    }

    /// The response to a request whose `If-None-Match` is `validators`: 304 with the validators' headers
    /// when it names this entity, the whole response otherwise.
    pub fn answer(&self, validators: Option<&HeaderValue>) -> Response {
        let stored = &self.0;
        if let (Some(tag), Some(asked)) = (&stored.etag, validators)
            && matches(asked, tag)
        {
            let mut r = Response::new(Body::empty());
            *r.status_mut() = StatusCode::NOT_MODIFIED;
            for name in [header::ETAG, header::CACHE_CONTROL, header::VARY, header::CONTENT_LOCATION, header::EXPIRES] {
                if let Some(v) = stored.headers.get(&name) {
                    r.headers_mut().insert(name, v.clone());
                }
            }
            return r;
        }
        let mut r = Response::new(Body::from(stored.body.clone()));
        *r.status_mut() = stored.status;
        *r.headers_mut() = stored.headers.clone();
        r
    }
}

/// A strong entity tag: the SHA-256 of the representation (body and the headers that describe it), first
/// 128 bits.
fn etag_of(headers: &HeaderMap, body: &[u8]) -> HeaderValue {
    let mut hash = Sha256::new();
    for name in [header::CONTENT_TYPE, header::CONTENT_LANGUAGE, header::CONTENT_DISPOSITION] {
        hash.update(headers.get(&name).map_or(&b""[..], HeaderValue::as_bytes));
        hash.update([0]);
    }
    hash.update(body);
    let digest = hash.finalize();
    HeaderValue::from_str(&format!("\"{}\"", hex::encode(&digest[..16]))).unwrap_or(HeaderValue::from_static("\"\""))
}

/// Whether an `If-None-Match` value names `tag` (weak comparison, as RFC 9110 asks for this header).
fn matches(asked: &HeaderValue, tag: &HeaderValue) -> bool {
    let Ok(asked) = asked.to_str() else { return false };
    let tag = tag.to_str().unwrap_or("");
    asked.split(',').map(str::trim).any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == tag)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(status: StatusCode, body: &'static str) -> Entry {
        let (parts, _) = Response::builder().status(status).body(()).unwrap().into_parts();
        Entry::new(parts, Bytes::from_static(body.as_bytes()), "/{lang}/test")
    }

    #[test]
    fn a_304_only_for_the_same_entity() {
        let e = entry(StatusCode::OK, "<p>bir</p>");
        let tag = e.etag().unwrap().clone();
        assert_eq!(e.answer(Some(&tag)).status(), StatusCode::NOT_MODIFIED);
        let weak = HeaderValue::from_str(&format!("\"x\", W/{}", tag.to_str().unwrap())).unwrap();
        assert_eq!(e.answer(Some(&weak)).status(), StatusCode::NOT_MODIFIED);
        let other = entry(StatusCode::OK, "<p>iki</p>");
        assert_ne!(other.etag(), Some(&tag));
        assert_eq!(other.answer(Some(&tag)).status(), StatusCode::OK);
        assert_eq!(e.answer(None).status(), StatusCode::OK);
    }

    #[test]
    fn a_404_has_no_entity_tag() {
        let e = entry(StatusCode::NOT_FOUND, "yok");
        assert!(e.etag().is_none());
        assert_eq!(e.answer(Some(&HeaderValue::from_static("*"))).status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn cookies_private_and_varying_responses_are_not_shared() {
        let ok = |f: fn(axum::http::response::Builder) -> axum::http::response::Builder| {
            shareable(&f(Response::builder()).body(Body::empty()).unwrap())
        };
        assert!(ok(|b| b));
        assert!(ok(|b| b.status(404)));
        assert!(!ok(|b| b.status(303)));
        assert!(!ok(|b| b.status(500)));
        assert!(!ok(|b| b.header("set-cookie", "ldp_csrf=x")));
        assert!(!ok(|b| b.header("cache-control", "private, no-store")));
        assert!(!ok(|b| b.header("cache-control", "no-store")));
        assert!(!ok(|b| b.header("vary", "accept-language")));
    }
}
