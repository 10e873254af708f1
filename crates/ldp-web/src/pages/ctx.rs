//! The request context every page template receives: language, address and the language switch.

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use std::sync::Arc;

use askama::Template;
use ldp_core::domain::{Lang, Localized, LocationBasis, Municipality, MunicipalityKind, Union};

use crate::error::AppError;
use crate::i18n;
use crate::state::AppState;

/// The language and address of the page being served.
#[derive(Clone, Debug)]
pub struct PageCtx {
    pub lang: Lang,
    /// The path after the language prefix, always starting with `/`.
    pub path: String,
    pub query: Option<String>,
    pub union: Option<Arc<Union>>,
    /// The public address's origin (`https://ldp.example.org`, from `--public-url`), for the absolute
    /// addresses that OpenGraph, feeds and sitemaps need.
    pub origin: Arc<str>,
    /// What the page is about, for `<meta name="description">` and OpenGraph; the site's description when
    /// the page sets none ([`PageCtx::describe`]).
    pub description: Option<String>,
}

impl PageCtx {
    /// The context of the page at `path` (after the language) in `lang`, without a query.
    pub fn of(state: &AppState, lang: Lang, path: &str) -> PageCtx {
        PageCtx {
            lang,
            path: path.to_owned(),
            query: None,
            union: state.site.union.clone(),
            origin: state.origin.clone(),
            description: None,
        }
    }

    /// A translated message.
    pub fn t(&self, key: &str) -> String {
        i18n::t(self.lang, key)
    }

    /// A path inside the site in this page's language.
    pub fn href(&self, path: &str) -> String {
        format!("/{}{}", self.lang.code(), path)
    }

    /// The same page in the other language, query included.
    pub fn alt_href(&self) -> String {
        let mut href = format!("/{}{}", self.lang.other().code(), self.path);
        if let Some(q) = &self.query {
            href.push('?');
            href.push_str(q);
        }
        href
    }

    /// An absolute address on this site: `path` (which starts with `/`) after the public origin.
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{}", self.origin, path)
    }

    /// This page's absolute address, query included (`og:url`).
    pub fn url(&self) -> String {
        let mut url = self.absolute(&self.href(&self.path));
        if let Some(q) = &self.query {
            url.push('?');
            url.push_str(q);
        }
        url
    }

    /// The description shown to search engines and link previews: the page's own, or the site's.
    pub fn description(&self) -> String {
        match &self.description {
            Some(d) => d.clone(),
            None => self.t("site-description"),
        }
    }

    /// Sets the page's description from `text` (white space collapsed, cut at a word near 300 characters);
    /// empty text leaves the site's description.
    pub fn describe(&mut self, text: &str) {
        let words: Vec<&str> = text.split_whitespace().collect();
        if words.is_empty() {
            return;
        }
        let mut out = String::new();
        for word in words {
            if out.chars().count() + word.chars().count() > 300 {
                out.push('…');
                break;
            }
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(word);
        }
        self.description = Some(out);
    }

    /// The page's locale as OpenGraph names it (`og:locale`).
    pub fn og_locale(&self) -> &'static str {
        og_locale(self.lang)
    }

    /// The other language's locale (`og:locale:alternate`).
    pub fn og_alt_locale(&self) -> &'static str {
        og_locale(self.lang.other())
    }

    pub fn alt_lang(&self) -> &'static str {
        self.lang.other().code()
    }

    /// `aria-current` for the navigation item that `section` names.
    pub fn current(&self, section: &str) -> &'static str {
        let active = if section == "/" { self.path == "/" } else { self.path.starts_with(section) };
        if active { "page" } else { "false" }
    }

    /// `aria-current` for the navigation item of exactly this path.
    pub fn current_exact(&self, path: &str) -> &'static str {
        if self.path == path { "page" } else { "false" }
    }

    /// A whole number with the language's digit grouping.
    pub fn number(&self, n: impl Whole) -> String {
        i18n::number(self.lang, n.whole())
    }

    /// A date in the language's long form.
    pub fn date(&self, d: impl CalendarDate) -> String {
        i18n::date(self.lang, d.calendar_date())
    }

    /// A moment in Europe/Istanbul time.
    pub fn datetime(&self, at: &time::OffsetDateTime) -> String {
        i18n::datetime(self.lang, *at)
    }

    /// A moment as a `<time datetime>` attribute wants it: RFC 3339, in UTC.
    /// An instant as HTML's `<time datetime>` takes it: RFC 3339 in UTC, to the second (HTML allows at most
    /// three digits of a fraction, and stored instants carry microseconds).
    pub fn iso(&self, at: &time::OffsetDateTime) -> String {
        let at = at.to_offset(time::UtcOffset::UTC);
        at.replace_nanosecond(0)
            .unwrap_or(at)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    }

    /// Bilingual text in this page's language.
    pub fn pick(&self, text: &Localized) -> String {
        text.get(self.lang).to_owned()
    }

    /// The language `text` is shown in on this page: the page's, or the other when only that one is written
    /// (for the `lang` attribute of what [`PageCtx::pick`] gave, so a screen reader reads it right).
    pub fn shown_lang(&self, text: &Localized) -> &'static str {
        let own = match self.lang {
            Lang::Tr => &text.tr,
            Lang::En => &text.en,
        };
        if own.is_empty() && !text.get(self.lang).is_empty() { self.lang.other().code() } else { self.lang.code() }
    }

    /// The official name of a municipality in this page's language.
    pub fn official(&self, m: &Municipality) -> String {
        m.official_name().get(self.lang).to_owned()
    }

    /// The official name of a relation's member in this page's language.
    pub fn member(&self, m: &ldp_core::domain::partnership::MemberRef) -> String {
        m.official_name().get(self.lang).to_owned()
    }

    /// The translated name of a municipality kind.
    pub fn kind_name(&self, kind: &MunicipalityKind) -> String {
        self.t(&format!("kind-{}", kind.as_str()))
    }

    /// Why a point is not the municipality's own seat.
    pub fn location_note(&self, basis: &LocationBasis) -> String {
        self.t(&format!("location-{}", basis.as_str()))
    }

    /// A coordinate with four decimals (about 10 m).
    pub fn coordinate(&self, value: &f64) -> String {
        format!("{value:.4}")
    }

    /// The stylesheet's versioned address.
    pub fn css_href(&self) -> &'static str {
        crate::assets::css_href()
    }

    pub fn union_name(&self) -> String {
        match &self.union {
            Some(u) => u.name.get(self.lang).to_owned(),
            None => self.t("site-operator"),
        }
    }

    /// The union's seat, a Turkish city, as this language writes it: English drops the dot of a capital İ
    /// (`İstanbul` → `Istanbul`, `İzmir` → `Izmir`) and keeps the other Turkish letters (`Eskişehir`).
    pub fn union_seat(&self) -> String {
        let seat = self.union.as_ref().map(|u| u.seat.as_str()).unwrap_or_default();
        match self.lang {
            Lang::Tr => seat.to_owned(),
            Lang::En => seat.replace('İ', "I"),
        }
    }

    /// Turns any error into an HTML error page in this language.
    pub fn fail<E: Into<AppError>>(&self) -> impl FnOnce(E) -> PageError + '_ {
        move |e| PageError::new(self.clone(), e.into())
    }

    /// A numeric id from the path; anything else is this language's 404 page.
    pub fn path_id(&self, raw: &str) -> Result<i64, PageError> {
        raw.parse().map_err(|_| PageError::new(self.clone(), AppError::not_found()))
    }
}

/// A language as an OpenGraph locale.
pub fn og_locale(lang: Lang) -> &'static str {
    match lang {
        Lang::Tr => "tr_TR",
        Lang::En => "en_US",
    }
}

/// A whole number however many references deep a template holds it.
pub trait Whole {
    fn whole(&self) -> i64;
}

impl Whole for i64 {
    fn whole(&self) -> i64 {
        *self
    }
}

impl Whole for u32 {
    fn whole(&self) -> i64 {
        i64::from(*self)
    }
}

impl Whole for usize {
    fn whole(&self) -> i64 {
        i64::try_from(*self).unwrap_or(i64::MAX)
    }
}

impl Whole for u64 {
    fn whole(&self) -> i64 {
        i64::try_from(*self).unwrap_or(i64::MAX)
    }
}

impl<T: Whole + ?Sized> Whole for &T {
    fn whole(&self) -> i64 {
        (**self).whole()
    }
}

/// A date however many references deep a template holds it.
pub trait CalendarDate {
    fn calendar_date(&self) -> time::Date;
}

impl CalendarDate for time::Date {
    fn calendar_date(&self) -> time::Date {
        *self
    }
}

impl<T: CalendarDate + ?Sized> CalendarDate for &T {
    fn calendar_date(&self) -> time::Date {
        (**self).calendar_date()
    }
}

/// Reads the language from the first path segment; any other segment is not a page of this site.
impl FromRequestParts<AppState> for PageCtx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let path = parts.uri.path();
        let rest = path.strip_prefix('/').unwrap_or(path);
        let (first, tail) = rest.split_once('/').map_or((rest, ""), |(a, b)| (a, b));
        let Some(lang) = Lang::parse(first).filter(|l| l.code() == first) else {
            return Err(PageError::new(PageCtx::of(state, Lang::Tr, "/"), AppError::not_found()));
        };
        let mut ctx = PageCtx::of(state, lang, &format!("/{tail}"));
        ctx.query = parts.uri.query().map(str::to_owned);
        Ok(ctx)
    }
}

impl OptionalFromRequestParts<AppState> for PageCtx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        Ok(<PageCtx as FromRequestParts<AppState>>::from_request_parts(parts, state).await.ok())
    }
}

/// Renders a page with the headers every page carries.
pub fn render<T: Template>(ctx: &PageCtx, page: &T, status: StatusCode) -> Result<Response, PageError> {
    let body = page.render().map_err(ctx.fail())?;
    let mut response = (status, Html(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(ctx.lang.code()));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(crate::cache::PUBLIC));
    Ok(response)
}

impl From<askama::Error> for AppError {
    fn from(e: askama::Error) -> Self {
        AppError::internal(e)
    }
}

/// An error shown as a page in the reader's language, with the site's navigation around it.
/// Boxed, so that handlers' `Result`s stay small.
#[derive(Debug)]
pub struct PageError(Box<(PageCtx, AppError)>);

impl PageError {
    pub fn new(ctx: PageCtx, error: AppError) -> Self {
        PageError(Box::new((ctx, error)))
    }

    pub fn error(&self) -> &AppError {
        &self.0.1
    }
}

#[derive(askama::Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    ctx: &'a PageCtx,
    title: String,
    message: String,
    status: u16,
    fields: Vec<(String, String)>,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (ctx, error) = *self.0;
        error.log();
        let page = ErrorPage {
            ctx: &ctx,
            title: ctx.t(&format!("error-title-{}", error.status.as_u16())),
            message: error.message(ctx.lang),
            status: error.status.as_u16(),
            fields: error.field_messages(ctx.lang).into_iter().collect(),
        };
        match page.render() {
            Ok(body) => {
                let mut r = (error.status, Html(body)).into_response();
                r.headers_mut().insert(header::CONTENT_LANGUAGE, HeaderValue::from_static(ctx.lang.code()));
                r
            }
            Err(e) => {
                tracing::error!(error = %e, "error page failed to render");
                (StatusCode::INTERNAL_SERVER_ERROR, "Internal Server Error").into_response()
            }
        }
    }
}
