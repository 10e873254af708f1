//! Headers every response carries: a strict content security policy and its companions.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// No inline script or style anywhere: the site works without JavaScript and its CSS is one file.
const CSP: &str = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
    object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Browsers that once reached the site over https keep to https for a year.
const HSTS: &str = "max-age=31536000";

pub async fn headers(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    apply(&state, response.headers_mut());
    response
}

/// The security headers every response carries (also added to a page-cache hit answered before routing).
pub fn apply(state: &AppState, h: &mut HeaderMap) {
    if state.secure_cookies {
        // Only when the public address is https: over plain http the header would be ignored anyway, and
        // a development server on http://127.0.0.1 must not pin the browser to https.
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static(HSTS));
    }
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
}

/// The origin (`scheme://host[:port]`) of a public URL, without path or trailing slash.
pub fn origin_of(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    match url.find("://") {
        Some(i) => match url[i + 3..].find('/') {
            Some(j) => url[..i + 3 + j].to_ascii_lowercase(),
            None => url.to_ascii_lowercase(),
        },
        None => url.to_ascii_lowercase(),
    }
}

/// Whether a state-changing request came from a page of this site, as far as the browser says: a second line
/// behind the CSRF tokens. Requests without `Origin` and `Sec-Fetch-Site` (command-line API clients) pass;
/// a browser's cross-site request does not.
fn same_origin(headers: &HeaderMap, public_origin: &str) -> bool {
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        return false;
    }
    let Some(origin) = headers.get(header::ORIGIN) else { return true };
    let Ok(origin) = origin.to_str() else { return false };
    let origin = origin.trim_end_matches('/').to_ascii_lowercase();
    if origin == public_origin {
        return true;
    }
    // The address the browser used (a node reached directly, or a development port): the browser sets both
    // Host and Origin, so a page elsewhere cannot make them agree.
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    !host.is_empty() && (origin == format!("http://{host}") || origin == format!("https://{host}"))
}

/// Refuses a state-changing request (POST, PUT, PATCH, DELETE) that a browser says came from another site.
pub async fn check_origin(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || same_origin(request.headers(), &state.origin) {
        return next.run(request).await;
    }
    tracing::warn!(path = %request.uri().path(), "cross-site request refused");
    if request.uri().path().starts_with("/api/") {
        crate::error::ApiError(crate::error::AppError::csrf()).into_response()
    } else {
        let first = request.uri().path().trim_start_matches('/').split('/').next().unwrap_or("");
        let lang = ldp_core::domain::Lang::parse(first).unwrap_or_default();
        (StatusCode::FORBIDDEN, crate::i18n::t(lang, "error-csrf_failed")).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn only_this_sites_pages_may_post() {
        let site = origin_of("https://ldp.example.org/");
        assert_eq!(site, "https://ldp.example.org");
        assert!(same_origin(&headers(&[]), &site), "API clients send no Origin");
        assert!(same_origin(&headers(&[("origin", "https://ldp.example.org")]), &site));
        assert!(same_origin(&headers(&[("origin", "http://127.0.0.1:8080"), ("host", "127.0.0.1:8080")]), &site));
        assert!(!same_origin(&headers(&[("origin", "https://evil.example"), ("host", "ldp.example.org")]), &site));
        assert!(!same_origin(&headers(&[("origin", "null"), ("host", "ldp.example.org")]), &site));
        assert!(!same_origin(&headers(&[("sec-fetch-site", "cross-site")]), &site));
        assert!(same_origin(&headers(&[("sec-fetch-site", "same-origin")]), &site));
    }
}
