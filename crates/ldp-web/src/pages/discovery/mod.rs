//! How search engines, feed readers and link previews find and describe the public site: `robots.txt`,
//! the sitemap, Atom feeds (the builder every list's feed uses), and schema.org descriptions. The
//! OpenGraph and Twitter tags are written by `base.html` from the page's [`PageCtx`](super::PageCtx).
//!
//! None of it keeps data of its own: it reads the services and the read model as a visitor would, and its
//! answers go through the page cache like every public GET.

pub mod atom;
pub mod robots;
pub mod schema_org;
pub mod sitemap;

use axum::Router;
use axum::routing::get;

use crate::state::AppState;

/// The site-wide discovery files (the feeds are routed beside their lists).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/robots.txt", get(robots::robots))
        .route("/sitemap.xml", get(sitemap::sitemap))
        .route("/sitemap-{file}", get(sitemap::sitemap_file))
}
