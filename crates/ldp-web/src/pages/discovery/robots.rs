//! `/robots.txt`: crawlers may read the public site; the workspace, the API, the sign-in, password-reset
//! and invitation pages are not for them. It names the sitemap by its absolute address.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use ldp_core::domain::Lang;

use crate::state::AppState;

/// The sections under each language that crawlers should leave alone: one person's pages, and links
/// whose address is a secret.
const PRIVATE_SECTIONS: [&str; 5] = ["workspace", "sign-in", "sign-out", "password-reset", "invitation"];

/// The text of `robots.txt` for a site whose public origin is `origin`.
pub fn robots_txt(origin: &str) -> String {
    let mut out = String::from("User-agent: *\nAllow: /\n");
    for lang in Lang::ALL {
        for section in PRIVATE_SECTIONS {
            out.push_str(&format!("Disallow: /{}/{section}\n", lang.code()));
        }
    }
    out.push_str("Disallow: /api/\n");
    out.push_str(&format!("\nSitemap: {origin}/sitemap.xml\n"));
    out
}

/// `GET /robots.txt`.
pub async fn robots(State(state): State<AppState>) -> Response {
    let mut response = (StatusCode::OK, robots_txt(&state.origin)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(crate::cache::PUBLIC));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_private_sections_are_disallowed_in_both_languages() {
        let text = robots_txt("https://ldp.example.org");
        for line in ["Disallow: /tr/workspace", "Disallow: /en/workspace", "Disallow: /api/", "Disallow: /en/sign-in"] {
            assert!(text.lines().any(|l| l == line), "{line} in {text}");
        }
        assert!(text.ends_with("Sitemap: https://ldp.example.org/sitemap.xml\n"));
    }
}
