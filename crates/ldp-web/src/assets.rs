//! The stylesheet and icon, compiled in and served with long-lived caching (the URL carries a version).

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

const APP_CSS: &str = include_str!("../static/app.css");
const FAVICON: &str = include_str!("../static/favicon.svg");

/// The stylesheet's address; its query changes whenever the file does, so browsers may cache it for a year.
pub fn css_href() -> &'static str {
    static HREF: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let mut hash: u32 = 0x811c_9dc5;
        for b in APP_CSS.bytes() {
            hash ^= u32::from(b);
            hash = hash.wrapping_mul(0x0100_0193);
        }
        format!("/static/app.css?v={hash:08x}")
    });
    HREF.as_str()
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut r = body.into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    r
}

pub async fn css() -> Response {
    asset("text/css; charset=utf-8", APP_CSS)
}

pub async fn favicon() -> Response {
    asset("image/svg+xml", FAVICON)
}
