//! `/sitemap.xml` (sitemap protocol 0.9): every public page in both languages, each with its
//! `hreflang` alternates, and its last change where the data knows it. Past 50,000 addresses the sitemap
//! becomes an index of `/sitemap-N.xml` files of at most 50,000 each (the protocol's limit per file).
//!
//! The pages are read through the services and the read model as a visitor sees them: drafts, unpublished
//! proposals and suggested calls never appear. The XML is written by `quick-xml`, which escapes every value.

use std::io::Write;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ldp_core::domain::PublicationFilter;
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use time::OffsetDateTime;

use ldp_core::domain::content::ContentPage;
use ldp_core::domain::funding::CallFilter;
use ldp_core::domain::partnership::PartnershipFilter;
use ldp_core::domain::{Actor, EventFilter, Lang, Page};

use crate::error::AppError;
use crate::pages::{PageCtx, PageError};
use crate::state::AppState;

/// The sitemap protocol's namespace.
const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
/// The namespace of the `<xhtml:link>` alternates.
const XHTML_NS: &str = "http://www.w3.org/1999/xhtml";
/// Addresses one sitemap file may hold (the protocol's limit).
pub const URLS_PER_FILE: usize = 50_000;
/// Relations read per query while the sitemap is assembled.
const BATCH: usize = 1_000;

/// One public page: its path after the language (`/events/12`) and when it last changed, per language
/// (`[Turkish, English]`), where known.
#[derive(Debug, Clone, PartialEq)]
pub struct SitePage {
    pub path: String,
    pub lastmod: [Option<OffsetDateTime>; 2],
}

impl SitePage {
    fn new(path: impl Into<String>) -> SitePage {
        SitePage { path: path.into(), lastmod: [None, None] }
    }

    fn changed(path: impl Into<String>, at: OffsetDateTime) -> SitePage {
        SitePage { path: path.into(), lastmod: [Some(at), Some(at)] }
    }
}

/// The site's pages without a record behind them.
const FIXED: [&str; 17] = [
    "/",
    "/local-diplomacy",
    "/about",
    "/data-sources",
    "/networks",
    "/municipalities",
    "/partnerships",
    "/partnerships/countries",
    "/compliance",
    "/map",
    "/funding",
    "/funding/programmes",
    "/events",
    "/publications",
    "/news",
    "/sdgs",
    "/contact",
];

/// Every public page, as an anonymous visitor may see it, in a fixed order.
pub async fn public_pages(state: &AppState) -> Result<Vec<SitePage>, AppError> {
    let mut pages: Vec<SitePage> = FIXED.iter().map(|p| SitePage::new(*p)).collect();
    // The editable texts say when their published revision was made, in each language.
    for (path, content) in [("/local-diplomacy", ContentPage::LocalDiplomacy), ("/about", ContentPage::About)] {
        let mut lastmod = [None, None];
        for (i, lang) in Lang::ALL.into_iter().enumerate() {
            lastmod[i] = state.content.shown(&content, lang).await?.map(|s| s.revision.created_at);
        }
        if let Some(page) = pages.iter_mut().find(|p| p.path == path) {
            page.lastmod = lastmod;
        }
    }
    let reference = state.reference.read().await?;
    pages.extend(
        reference
            .networks()
            .iter()
            .chain(reference.registry_networks())
            .map(|n| SitePage::new(format!("/networks/{}", n.slug))),
    );
    pages.extend(reference.all_municipalities().map(|m| SitePage::new(format!("/municipalities/{}", m.slug))));
    pages.extend(reference.goals().iter().map(|g| SitePage::new(format!("/sdgs/{}", g.number.get()))));
    drop(reference);
    relations(state, &mut pages).await?;
    let visitor = Actor::visitor(None);
    let mut page = Page::first(Page::MAX_SIZE);
    loop {
        let events = state.events.list(&visitor, EventFilter::default(), page).await?;
        pages.extend(events.items.iter().map(|e| SitePage::changed(format!("/events/{}", e.id.0), e.updated_at)));
        if page.number() >= events.last_page() {
            break;
        }
        page = next(page)?;
    }
    let mut page = Page::first(Page::MAX_SIZE);
    loop {
        let list = state.publications.list(&visitor, PublicationFilter::default(), page).await?;
        pages.extend(list.items.iter().map(|p| SitePage::changed(format!("/publications/{}", p.id.0), p.updated_at)));
        if page.number() >= list.last_page() {
            break;
        }
        page = next(page)?;
    }
    let mut page = Page::first(Page::MAX_SIZE);
    loop {
        let posts = state.news.public(page).await?;
        pages.extend(posts.items.iter().map(|p| SitePage::changed(format!("/news/{}", p.id.0), p.updated_at)));
        if page.number() >= posts.last_page() {
            break;
        }
        page = next(page)?;
    }
    let mut page = Page::first(Page::MAX_SIZE);
    loop {
        let calls = state.funding.list(&visitor, &CallFilter::default(), page).await?;
        pages.extend(calls.items.iter().map(|c| SitePage::changed(format!("/funding/calls/{}", c.id.0), c.updated_at)));
        if page.number() >= calls.last_page() {
            break;
        }
        page = next(page)?;
    }
    Ok(pages)
}

/// The public relations' pages, read a batch at a time.
async fn relations(state: &AppState, pages: &mut Vec<SitePage>) -> Result<(), AppError> {
    let filter = PartnershipFilter::default();
    let mut skip = 0u64;
    loop {
        let batch = state.partnerships.batch(&filter, skip, BATCH).await?;
        pages.extend(batch.iter().map(|p| SitePage::new(format!("/partnerships/{}", p.id.0))));
        if batch.len() < BATCH {
            return Ok(());
        }
        skip += BATCH as u64;
    }
}

fn next(page: Page) -> Result<Page, AppError> {
    Page::parse(Some(i64::from(page.number()) + 1), Some(i64::from(page.size()))).map_err(AppError::invalid)
}

/// The pages split into sitemap files: each page is two addresses (one per language), kept together.
pub fn files(pages: &[SitePage], urls_per_file: usize) -> Vec<&[SitePage]> {
    pages.chunks((urls_per_file / Lang::ALL.len()).max(1)).collect()
}

/// A `<urlset>` of `pages`: per page one `<url>` per language, each naming both languages and `x-default`
/// (Turkish, the site's default) as alternates.
pub fn urlset(origin: &str, pages: &[SitePage]) -> Result<Vec<u8>, AppError> {
    let mut w = Writer::new(Vec::new());
    declaration(&mut w)?;
    let root = BytesStart::new("urlset").with_attributes([("xmlns", SITEMAP_NS), ("xmlns:xhtml", XHTML_NS)]);
    w.write_event(Event::Start(root)).map_err(AppError::internal)?;
    for page in pages {
        let address = |lang: Lang| format!("{origin}/{}{}", lang.code(), page.path);
        for (i, lang) in Lang::ALL.into_iter().enumerate() {
            start(&mut w, "url")?;
            text_element(&mut w, "loc", &address(lang))?;
            if let Some(at) = page.lastmod[i] {
                text_element(&mut w, "lastmod", &w3c(at)?)?;
            }
            let alternates = Lang::ALL.map(|l| (l.code(), address(l)));
            for (hreflang, href) in
                alternates.iter().map(|(l, h)| (*l, h.as_str())).chain([("x-default", address(Lang::Tr).as_str())])
            {
                let link = BytesStart::new("xhtml:link").with_attributes([
                    ("rel", "alternate"),
                    ("hreflang", hreflang),
                    ("href", href),
                ]);
                w.write_event(Event::Empty(link)).map_err(AppError::internal)?;
            }
            end(&mut w, "url")?;
        }
    }
    end(&mut w, "urlset")?;
    Ok(w.into_inner())
}

/// A `<sitemapindex>` naming `/sitemap-1.xml` … `/sitemap-{count}.xml`.
pub fn index(origin: &str, count: usize) -> Result<Vec<u8>, AppError> {
    let mut w = Writer::new(Vec::new());
    declaration(&mut w)?;
    let root = BytesStart::new("sitemapindex").with_attributes([("xmlns", SITEMAP_NS)]);
    w.write_event(Event::Start(root)).map_err(AppError::internal)?;
    for n in 1..=count {
        start(&mut w, "sitemap")?;
        text_element(&mut w, "loc", &format!("{origin}/sitemap-{n}.xml"))?;
        end(&mut w, "sitemap")?;
    }
    end(&mut w, "sitemapindex")?;
    Ok(w.into_inner())
}

fn declaration<W: Write>(w: &mut Writer<W>) -> Result<(), AppError> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None))).map_err(AppError::internal)
}

fn start<W: Write>(w: &mut Writer<W>, name: &str) -> Result<(), AppError> {
    w.write_event(Event::Start(BytesStart::new(name))).map_err(AppError::internal)
}

fn end<W: Write>(w: &mut Writer<W>, name: &str) -> Result<(), AppError> {
    w.write_event(Event::End(BytesEnd::new(name))).map_err(AppError::internal)
}

fn text_element<W: Write>(w: &mut Writer<W>, name: &str, text: &str) -> Result<(), AppError> {
    start(w, name)?;
    w.write_event(Event::Text(BytesText::new(text))).map_err(AppError::internal)?;
    end(w, name)
}

/// A moment in the W3C date-time form the protocol asks for, in UTC to the second.
fn w3c(at: OffsetDateTime) -> Result<String, AppError> {
    let at = at.to_offset(time::UtcOffset::UTC).replace_nanosecond(0).map_err(AppError::internal)?;
    at.format(&time::format_description::well_known::Rfc3339).map_err(AppError::internal)
}

fn xml(body: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/xml; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(crate::cache::PUBLIC));
    response
}

/// An error as the site's (Turkish) error page: these addresses have no language of their own.
fn fail(state: &AppState) -> impl FnOnce(AppError) -> PageError + '_ {
    move |e| PageError::new(PageCtx::of(state, Lang::Tr, "/"), e)
}

/// `GET /sitemap.xml`: the pages themselves, or an index of the files when they are too many for one.
pub async fn sitemap(State(state): State<AppState>) -> Result<Response, PageError> {
    // Read before the pages: a news post that comes due in between only shortens the kept answer's life.
    let next_news = state.news.next_publication().await.map_err(|e| fail(&state)(e.into()))?;
    let pages = public_pages(&state).await.map_err(fail(&state))?;
    let files = files(&pages, URLS_PER_FILE);
    let body = if files.len() <= 1 { urlset(&state.origin, &pages) } else { index(&state.origin, files.len()) };
    let mut response = xml(body.map_err(fail(&state))?);
    crate::cache::fresh_until(&mut response, next_news);
    Ok(response)
}

/// `GET /sitemap-N.xml`: the Nth file of the index (404 while the sitemap fits in one file).
pub async fn sitemap_file(State(state): State<AppState>, Path(name): Path<String>) -> Result<Response, PageError> {
    let number = name.strip_suffix(".xml").filter(|n| !n.starts_with('0')).and_then(|n| n.parse::<usize>().ok());
    let Some(n) = number else { return Err(fail(&state)(AppError::not_found())) };
    let next_news = state.news.next_publication().await.map_err(|e| fail(&state)(e.into()))?;
    let pages = public_pages(&state).await.map_err(fail(&state))?;
    let files = files(&pages, URLS_PER_FILE);
    match files.get(n.wrapping_sub(1)) {
        Some(part) if files.len() > 1 => {
            let mut response = xml(urlset(&state.origin, part).map_err(fail(&state))?);
            crate::cache::fresh_until(&mut response, next_news);
            Ok(response)
        }
        _ => Err(fail(&state)(AppError::not_found())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pages(n: usize) -> Vec<SitePage> {
        (0..n).map(|i| SitePage::new(format!("/municipalities/m-{i}"))).collect()
    }

    #[test]
    fn a_language_pair_never_straddles_two_files() {
        let all = pages(7);
        let split = files(&all, 4);
        assert_eq!(split.iter().map(|f| f.len()).collect::<Vec<_>>(), vec![2, 2, 2, 1]);
        assert_eq!(files(&pages(25_000), URLS_PER_FILE).len(), 1);
        assert_eq!(files(&pages(25_001), URLS_PER_FILE).len(), 2);
    }

    #[test]
    fn values_are_escaped_and_each_address_names_its_alternates() {
        let page = SitePage::changed("/x?a=1&b=<2>", time::macros::datetime!(2026-11-28 13:00:00.5 +03:00));
        let body = String::from_utf8(urlset("https://ldp.example.org", &[page]).unwrap()).unwrap();
        assert!(body.contains("<loc>https://ldp.example.org/tr/x?a=1&amp;b=&lt;2&gt;</loc>"), "{body}");
        assert!(body.contains("<lastmod>2026-11-28T10:00:00Z</lastmod>"), "{body}");
        assert_eq!(body.matches("<url>").count(), 2);
        assert_eq!(body.matches("hreflang=\"x-default\"").count(), 2);
        assert!(
            body.contains(
                r#"<xhtml:link rel="alternate" hreflang="en" href="https://ldp.example.org/en/x?a=1&amp;b=&lt;2&gt;"/>"#
            ),
            "{body}"
        );
    }

    #[test]
    fn the_index_names_each_file() {
        let body = String::from_utf8(index("https://ldp.example.org", 3).unwrap()).unwrap();
        assert!(body.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
        for n in 1..=3 {
            assert!(body.contains(&format!("<loc>https://ldp.example.org/sitemap-{n}.xml</loc>")));
        }
    }
}
