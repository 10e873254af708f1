//! Who is asking: the session cookie, the signed-in viewer, the client address, and the CSRF check every
//! state-changing form passes.
//!
//! Signed-in forms carry the session's own CSRF token; forms shown before sign-in (sign-in, password reset,
//! invitation) carry a random token that must match the `ldp_csrf` cookie (double submit). That cookie is
//! `token.hmac` signed with the deployment's key, so a cookie planted from elsewhere (a sibling subdomain)
//! is refused. Cookies are HttpOnly and SameSite=Lax, and Secure when the site is served over TLS
//! (`public_url` is https).

use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, OptionalFromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use cookie::{Cookie, SameSite};
use serde::de::DeserializeOwned;
use std::net::SocketAddr;

use ldp_core::domain::{Actor, Lang, Session, User};

use crate::error::AppError;
use crate::pages::{PageCtx, PageError};
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "ldp_session";
pub const CSRF_COOKIE: &str = "ldp_csrf";

/// The value of cookie `name` in the request, if any.
pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, whole site, Secure over TLS; `None` value clears it.
pub fn set_cookie(name: &'static str, value: Option<&str>, secure: bool) -> HeaderValue {
    let mut c = Cookie::new(name, value.unwrap_or("").to_owned());
    c.set_http_only(true);
    c.set_same_site(SameSite::Lax);
    c.set_path("/");
    c.set_secure(secure);
    if value.is_none() {
        c.set_max_age(cookie::time::Duration::ZERO);
    }
    HeaderValue::from_str(&c.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The address the request came from: the TCP peer, or the client a trusted proxy names
/// ([`crate::client`]).
pub fn client_addr(parts: &Parts) -> Option<String> {
    match parts.extensions.get::<crate::client::ClientIp>() {
        Some(crate::client::ClientIp(ip)) => Some(ip.to_string()),
        None => parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(a)| a.ip().to_string()),
    }
}

/// A signed-in person: their account, session, cookie and the [`Actor`] the services check.
#[derive(Debug, Clone)]
pub struct Viewer {
    pub user: User,
    pub session: Session,
    pub cookie: String,
    pub actor: Actor,
}

impl Viewer {
    pub fn csrf(&self) -> &str {
        &self.session.csrf_token
    }
}

impl OptionalFromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Option<Self>, Self::Rejection> {
        if let Some(v) = parts.extensions.get::<Viewer>() {
            return Ok(Some(v.clone()));
        }
        let Some(cookie) = cookie_value(&parts.headers, SESSION_COOKIE) else { return Ok(None) };
        let found = state.accounts.session(&cookie).await.map_err(|e| {
            let ctx = page_ctx(parts, state);
            PageError::new(ctx, e.into())
        })?;
        let viewer = found.map(|(user, session)| {
            let actor = Actor::user(&user, client_addr(parts));
            Viewer { user, session, cookie, actor }
        });
        if let Some(v) = &viewer {
            parts.extensions.insert(v.clone());
        }
        Ok(viewer)
    }
}

fn page_ctx(parts: &Parts, state: &AppState) -> PageCtx {
    let path = parts.uri.path();
    let lang = if path.starts_with("/en/") { Lang::En } else { Lang::Tr };
    let tail = path.get(3..).unwrap_or("/");
    PageCtx::of(state, lang, tail)
}

/// A page only signed-in people see; others are sent to the sign-in form and come back afterwards.
#[derive(Debug, Clone)]
pub struct SignedIn(pub Viewer);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        match <Viewer as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(Some(v)) => Ok(SignedIn(v)),
            Ok(None) => {
                let ctx = page_ctx(parts, state);
                let here = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
                let next: String = url_encode(here);
                Err(Redirect::to(&ctx.href(&format!("/sign-in?next={next}"))).into_response())
            }
            Err(e) => Err(e.into_response()),
        }
    }
}

fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)]).map(|q| q.trim_start_matches('=').to_owned()).unwrap_or_default()
}

/// Where to go after signing in: only paths of this site, never another host.
pub fn safe_next(next: Option<&str>, lang: Lang) -> String {
    next.and_then(local_path).unwrap_or_else(|| format!("/{}/workspace", lang.code()))
}

/// `next` as a path on this site, or `None`. The value is parsed as a relative reference against a
/// stand-in origin and kept only if it stays on that origin. Browsers forgive far more than the URL
/// standard's happy path (they drop tabs and newlines, read `\` as `/`, fold Unicode slashes), so
/// anything but printable ASCII is refused before parsing, and so is any value that would read as
/// `//host` once percent-decoded.
fn local_path(next: &str) -> Option<String> {
    const BASE: &str = "http://ldp.invalid/";
    let printable = |s: &str| s.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if !next.starts_with('/') || !printable(next) || next.contains('\\') {
        return None;
    }
    let decoded: String = url::form_urlencoded::parse(format!("x={}", next.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())?;
    let slash_like = |c: char| matches!(c, '/' | '\\' | '\u{ff0f}' | '\u{2215}' | '\u{2044}' | '\u{29f8}');
    if decoded.chars().nth(1).is_some_and(slash_like) || decoded.contains('\\') || decoded.chars().any(char::is_control)
    {
        return None;
    }
    let base = url::Url::parse(BASE).ok()?;
    let joined = base.join(next).ok()?;
    if joined.origin() != base.origin() || joined.username() != "" || joined.password().is_some() {
        return None;
    }
    let mut out = joined.path().to_owned();
    if let Some(q) = joined.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = joined.fragment() {
        out.push('#');
        out.push_str(f);
    }
    out.starts_with('/').then_some(out).filter(|o| !o.starts_with("//"))
}

/// Compares secrets in time that does not depend on where they differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[derive(serde::Deserialize)]
struct CsrfField {
    csrf: Option<String>,
}

/// A URL-encoded form that passed the CSRF check, with the viewer who sent it (if signed in).
pub struct CsrfForm<T> {
    pub viewer: Option<Viewer>,
    pub form: T,
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        read_form(req, state, false).await
    }
}

/// A form shown before sign-in (sign-in, password reset, invitation): its token is checked against the
/// `ldp_csrf` cookie even when the browser still holds a session.
pub struct AnonymousForm<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for AnonymousForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        read_form(req, state, true).await.map(|f: CsrfForm<T>| AnonymousForm(f.form))
    }
}

async fn read_form<T: DeserializeOwned>(
    req: Request,
    state: &AppState,
    anonymous: bool,
) -> Result<CsrfForm<T>, PageError> {
    let (mut parts, body) = req.into_parts();
    let ctx = page_ctx(&parts, state);
    let viewer = if anonymous {
        None
    } else {
        <Viewer as OptionalFromRequestParts<AppState>>::from_request_parts(&mut parts, state).await?
    };
    let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state).await.map_err(|rejection| {
        let error = if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::new(axum::http::StatusCode::PAYLOAD_TOO_LARGE, "too_large")
        } else {
            AppError::bad_request("invalid_body")
        };
        PageError::new(ctx.clone(), error)
    })?;
    let sent = serde_html_form::from_bytes::<CsrfField>(&bytes).ok().and_then(|f| f.csrf).unwrap_or_default();
    check_csrf(&parts.headers, viewer.as_ref(), &sent, &state.csrf_key).map_err(|e| PageError::new(ctx.clone(), e))?;
    // serde_html_form, not serde_urlencoded: a ticked checkbox per value repeats its key (`sdg=3&sdg=11`).
    let form = serde_html_form::from_bytes::<T>(&bytes)
        .map_err(|_| PageError::new(ctx, AppError::bad_request("invalid_body")))?;
    Ok(CsrfForm { viewer, form })
}

/// Checks the token a form sent against the session's (signed in) or the signed `ldp_csrf` cookie (signed
/// out).
pub fn check_csrf(headers: &HeaderMap, viewer: Option<&Viewer>, sent: &str, key: &[u8]) -> Result<(), AppError> {
    let expected = match viewer {
        Some(v) => Some(v.session.csrf_token.clone()),
        None => cookie_value(headers, CSRF_COOKIE).and_then(|c| verified(key, &c)),
    };
    match expected {
        Some(e) if !sent.is_empty() && same_secret(&e, sent) => Ok(()),
        _ => Err(AppError::csrf()),
    }
}

/// The CSRF token for a form shown to someone not signed in, and the cookie to set if they had none (or
/// one that does not carry this deployment's signature).
pub fn anonymous_csrf(headers: &HeaderMap, secure: bool, key: &[u8]) -> (String, Option<HeaderValue>) {
    match cookie_value(headers, CSRF_COOKIE).and_then(|c| verified(key, &c)) {
        Some(token) => (token, None),
        None => {
            let token = ldp_core::services::accounts::secret().unwrap_or_default();
            let cookie = set_cookie(CSRF_COOKIE, Some(&signed(key, &token)), secure);
            (token, Some(cookie))
        }
    }
}

type Mac = hmac::Hmac<sha2::Sha256>;

fn mac(key: &[u8], token: &str) -> Mac {
    use hmac::KeyInit;
    let mut mac = <Mac as KeyInit>::new_from_slice(key).expect("HMAC takes keys of any length");
    hmac::Mac::update(&mut mac, token.as_bytes());
    mac
}

/// `token.signature`.
fn signed(key: &[u8], token: &str) -> String {
    format!("{token}.{}", hex::encode(hmac::Mac::finalize(mac(key, token)).into_bytes()))
}

/// The token of a cookie value whose signature is right (checked in constant time).
fn verified(key: &[u8], value: &str) -> Option<String> {
    let (token, signature) = value.split_once('.')?;
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let signature = hex::decode(signature).ok()?;
    hmac::Mac::verify_slice(mac(key, token), &signature).ok()?;
    Some(token.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_csrf_cookie_is_refused_unless_this_deployment_signed_it() {
        let token = "ab".repeat(32);
        let cookie = signed(b"key one", &token);
        assert_eq!(verified(b"key one", &cookie).as_deref(), Some(token.as_str()));
        assert_eq!(verified(b"key two", &cookie), None, "another key");
        assert_eq!(verified(b"key one", &token), None, "unsigned, as a planted cookie would be");
        let forged = format!("{}.{}", "cd".repeat(32), cookie.split_once('.').unwrap().1);
        assert_eq!(verified(b"key one", &forged), None, "a signature belongs to its token");
    }

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/tr/workspace/audit"), Lang::Tr), "/tr/workspace/audit");
        assert_eq!(safe_next(Some("//evil.example/x"), Lang::Tr), "/tr/workspace");
        assert_eq!(safe_next(Some("https://evil.example"), Lang::En), "/en/workspace");
        assert_eq!(safe_next(Some("/\\evil.example"), Lang::Tr), "/tr/workspace");
        assert_eq!(safe_next(None, Lang::En), "/en/workspace");
        assert_eq!(
            safe_next(Some("/tr/municipalities?q=%C4%B0stanbul#x"), Lang::Tr),
            "/tr/municipalities?q=%C4%B0stanbul#x"
        );
    }

    #[test]
    fn next_refuses_every_known_open_redirect_bypass() {
        let corpus = [
            "/\tevil.example",
            "/%09/evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\n/evil.example",
            "/%0a/evil.example",
            "/%0d%0a/evil.example",
            "\\evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/%5cevil.example",
            "/%5c/evil.example",
            "//evil.example",
            "///evil.example",
            "/%2F%2Fevil.example",
            "/%2f/evil.example",
            "/%EF%BC%8Fevil.example",
            "%2F%2Fevil.example",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "/javascript:alert(1)//%0a",
            "data:text/html,x",
            "https://evil.example",
            "http:evil.example",
            "//evil.example@ldp.invalid",
            "/\u{ff0f}evil.example",
            "/\u{2215}evil.example",
            "/\u{2044}evil.example",
            "/\u{3002}evil.example",
            "\u{ff0f}\u{ff0f}evil.example",
            " //evil.example",
            "/ /evil.example",
            "/\u{0}/evil.example",
            "/\u{7f}/evil.example",
            "/\u{200b}/evil.example",
            "",
            "evil.example",
            "./x",
        ];
        for bad in corpus {
            let to = safe_next(Some(bad), Lang::Tr);
            assert_eq!(to, "/tr/workspace", "{bad:?} must not be followed (went to {to:?})");
        }
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd") && !same_secret("abc", "ab"));
    }

    #[test]
    fn cookies_are_http_only_and_lax() {
        let v = set_cookie(SESSION_COOKIE, Some("x"), false);
        let s = v.to_str().unwrap();
        assert!(s.contains("HttpOnly") && s.contains("SameSite=Lax") && s.contains("Path=/") && !s.contains("Secure"));
        assert!(set_cookie(SESSION_COOKIE, Some("x"), true).to_str().unwrap().contains("Secure"));
        assert!(set_cookie(SESSION_COOKIE, None, false).to_str().unwrap().contains("Max-Age=0"));
    }
}
