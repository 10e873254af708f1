//! Atom feeds (RFC 4287) of what the public site lists, one per language, written by `atom_syndication`.
//!
//! A feed is a list page's items as [`FeedEntry`]s; [`AtomFeed`] adds the feed's identity (its own
//! absolute address), the links to itself and to the list page, its language and author, and answers with
//! the right content type through the page cache like any public page. A new feed is a handler of a few
//! lines:
//!
//! ```ignore
//! let entries = items.iter().map(|n| FeedEntry { id: ctx.absolute(&ctx.href(&format!("/news/{}", n.id))), … });
//! Ok(AtomFeed::new(&ctx, "/news", ctx.t("news-title")).entries(entries).into_response(state.clock.now()))
//! ```

use atom_syndication::{Entry, Feed, FixedDateTime, Generator, Link, Person, Text};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::OffsetDateTime;

use crate::error::AppError;
use crate::pages::{PageCtx, PageError};

/// The media type of an Atom document.
pub const ATOM: &str = "application/atom+xml; charset=utf-8";

/// Entries a feed carries at most: enough for a reader that looks in weekly, small to fetch.
pub const MAX_ENTRIES: usize = 50;

/// One item of a feed, in the feed's language.
#[derive(Debug, Clone)]
pub struct FeedEntry {
    /// A stable identifier: the item's absolute address on this site (`https://…/tr/events/12`), which
    /// never changes for the item and differs between the two languages' entries.
    pub id: String,
    pub title: String,
    /// Plain text; may be empty.
    pub summary: String,
    /// The item's page (absolute).
    pub link: String,
    /// When the item last changed in a way readers should learn of.
    pub updated: OffsetDateTime,
    /// When the item was first made public, if known.
    pub published: Option<OffsetDateTime>,
}

/// A feed being built for one list page in one language.
pub struct AtomFeed {
    ctx: PageCtx,
    /// The feed's own absolute address (also its `id`).
    id: String,
    /// The list page the feed follows (absolute).
    page: String,
    title: String,
    author: String,
    entries: Vec<FeedEntry>,
}

impl AtomFeed {
    /// The feed of the list page at `list_path` (after the language, e.g. `/events`), served at
    /// `{list_path}/feed.atom`.
    pub fn new(ctx: &PageCtx, list_path: &str, title: String) -> AtomFeed {
        AtomFeed {
            ctx: ctx.clone(),
            id: ctx.absolute(&ctx.href(&format!("{list_path}/feed.atom"))),
            page: ctx.absolute(&ctx.href(list_path)),
            title: format!("{title} · {}", ctx.t("site-name")),
            author: ctx.union_name(),
            entries: Vec::new(),
        }
    }

    /// Adds entries, keeping the first [`MAX_ENTRIES`] in the order given (newest first).
    pub fn entries(mut self, entries: impl IntoIterator<Item = FeedEntry>) -> AtomFeed {
        let room = MAX_ENTRIES.saturating_sub(self.entries.len());
        self.entries.extend(entries.into_iter().take(room));
        self
    }

    /// The Atom document. The feed's `updated` is its latest entry's, or `now` when it has none.
    pub fn to_xml(&self, now: OffsetDateTime) -> Result<Vec<u8>, AppError> {
        let updated = self.entries.iter().map(|e| e.updated).max().unwrap_or(now);
        let author = Person { name: self.author.clone(), ..Person::default() };
        let feed = Feed {
            title: Text::plain(self.title.clone()),
            id: self.id.clone(),
            updated: fixed(updated)?,
            authors: vec![author],
            links: vec![link(&self.id, "self", "application/atom+xml"), link(&self.page, "alternate", "text/html")],
            generator: Some(Generator { value: "ldp".into(), ..Generator::default() }),
            lang: Some(self.ctx.lang.code().to_owned()),
            entries: self.entries.iter().map(entry).collect::<Result<_, _>>()?,
            ..Feed::default()
        };
        feed.write_to(Vec::new()).map_err(AppError::internal)
    }

    /// The feed as a public response: the Atom media type, the language, the public cache policy (the page
    /// cache keeps it and gives it an `ETag`).
    pub fn into_response(self, now: OffsetDateTime) -> Response {
        match self.to_xml(now) {
            Ok(body) => {
                let mut response = (StatusCode::OK, body).into_response();
                let headers = response.headers_mut();
                headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ATOM));
                headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(self.ctx.lang.code()));
                headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(crate::cache::PUBLIC));
                response
            }
            Err(e) => PageError::new(self.ctx, e).into_response(),
        }
    }
}

fn link(href: &str, rel: &str, media_type: &str) -> Link {
    Link { href: href.to_owned(), rel: rel.to_owned(), mime_type: Some(media_type.to_owned()), ..Link::default() }
}

fn entry(item: &FeedEntry) -> Result<Entry, AppError> {
    Ok(Entry {
        id: item.id.clone(),
        title: Text::plain(item.title.clone()),
        updated: fixed(item.updated)?,
        published: item.published.map(fixed).transpose()?,
        summary: (!item.summary.is_empty()).then(|| Text::plain(item.summary.clone())),
        links: vec![link(&item.link, "alternate", "text/html")],
        ..Entry::default()
    })
}

/// A moment as Atom's date type (RFC 3339), in UTC.
fn fixed(at: OffsetDateTime) -> Result<FixedDateTime, AppError> {
    let text = at
        .to_offset(time::UtcOffset::UTC)
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(AppError::internal)?;
    FixedDateTime::parse_from_rfc3339(&text).map_err(AppError::internal)
}
