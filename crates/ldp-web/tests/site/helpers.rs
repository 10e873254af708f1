//! A test application around an isolated, seeded database.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use scraper::{Html, Selector};
use tower::ServiceExt;

use std::sync::Arc;

use axum::http::header;
use ldp_core::domain::{Actor, User};
use ldp_core::services::accounts::{AccountSettings, UserInput};
use ldp_core::services::partnerships::PartnershipSettings;
use ldp_store::LocalUploads;
use ldp_testkit::TestDb;
use ldp_web::AppState;
use ldp_web::mail::MemoryMailer;
use ldp_web::state::Config;

/// Bytes of page cache a [`TestApp::cached`] app keeps.
pub const CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// The password every test user gets.
pub const PASSWORD: &str = "Marmara-1975-birlik";

pub struct TestApp {
    router: Router,
    pub db: TestDb,
    pub uploads: Arc<LocalUploads>,
    pub state: AppState,
    pub mail: MemoryMailer,
    /// The clock every service reads; tests move it instead of waiting.
    pub clock: Arc<ldp_core::clock::FixedClock>,
    _uploads_dir: tempfile::TempDir,
}

/// A signed-in browser: its session cookie and the CSRF token its pages carry.
#[derive(Debug, Clone)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

impl Browser {
    pub fn cookie_header(&self) -> String {
        format!("ldp_session={}", self.cookie)
    }
}

/// The value of `name` in the response's `Set-Cookie` headers.
pub fn set_cookie(reply: &Reply, name: &str) -> Option<String> {
    reply
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_owned()))
}

/// The `value` of the hidden `csrf` input of a page.
pub fn csrf_of(body: &str) -> String {
    let html = Html::parse_document(body);
    attr(&html, "input[name=csrf]", "value").expect("the page has a CSRF field")
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestApp {
    pub async fn new(db: TestDb) -> TestApp {
        TestApp::configured(db, |_| {}).await
    }

    /// An app that believes the forwarding headers of the reverse proxies in `proxies` (`CIDR,…`).
    pub async fn behind(db: TestDb, proxies: &str) -> TestApp {
        let proxies = ldp_web::client::TrustedProxies::parse(proxies).expect("valid proxy list");
        TestApp::configured(db, move |c| c.trusted_proxies = proxies).await
    }

    /// An app whose configuration `adjust` changes first.
    /// An app whose store counts the calls made through it (for tests that bound a page's reads).
    pub async fn counting(db: TestDb) -> (TestApp, Arc<ldp_testkit::CountingStore>) {
        TestApp::counting_configured(db, |_| {}).await
    }

    /// A counting app whose configuration `adjust` changes first.
    pub async fn counting_configured(
        db: TestDb,
        adjust: impl FnOnce(&mut Config),
    ) -> (TestApp, Arc<ldp_testkit::CountingStore>) {
        let counter = Arc::new(ldp_testkit::CountingStore::new(db.shared()));
        (TestApp::with_store(db, counter.clone(), adjust).await, counter)
    }

    /// An app with a page cache of [`CACHE_BYTES`].
    pub async fn cached(db: TestDb) -> TestApp {
        TestApp::configured(db, |c| c.page_cache_bytes = CACHE_BYTES).await
    }

    /// A cached app whose store counts the calls made through it (what the cache spares the store).
    pub async fn counting_cached(db: TestDb) -> (TestApp, Arc<ldp_testkit::CountingStore>) {
        let counter = Arc::new(ldp_testkit::CountingStore::new(db.shared()));
        (TestApp::with_store(db, counter.clone(), |c| c.page_cache_bytes = CACHE_BYTES).await, counter)
    }

    pub async fn configured(db: TestDb, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let store = db.shared();
        TestApp::with_store(db, store, adjust).await
    }

    async fn with_store(
        db: TestDb,
        store: Arc<dyn ldp_core::store::Store>,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let uploads = Arc::new(LocalUploads::open(dir.path()).expect("uploads folder"));
        let mail = MemoryMailer::default();
        let clock = ldp_testkit::clock();
        let mut config = Config {
            clock: clock.clone(),
            partnerships: PartnershipSettings::default(),
            uploads: uploads.clone(),
            accounts: AccountSettings::for_tests(),
            mailer: Arc::new(mail.clone()),
            trusted_proxies: Default::default(),
            metrics_token: None,
            page_cache_bytes: CACHE_BYTES,
            contact: ldp_core::services::contact::ContactSettings::default(),
            events: ldp_core::services::events::EventMailSettings {
                public_url: AccountSettings::for_tests().public_url,
                organiser: "Marmara Belediyeler Birliği <etkinlik@example.org>".into(),
                offer_hours: ldp_core::services::events::DEFAULT_OFFER_HOURS,
                reminder_hours: ldp_core::services::events::DEFAULT_REMINDER_HOURS,
            },
        };
        adjust(&mut config);
        let state = AppState::load(store, config).await.expect("state loads");
        TestApp { router: ldp_web::app(state.clone()), state, mail, clock, db, uploads, _uploads_dir: dir }
    }

    /// Runs the queued jobs (mail), as the server's worker does after each request.
    pub async fn deliver(&self) -> usize {
        self.state.jobs.run_due().await.expect("the job queue runs")
    }

    /// The folder the uploads are kept in.
    pub fn uploads_dir(&self) -> &std::path::Path {
        self._uploads_dir.path()
    }

    /// Creates a user with [`PASSWORD`]; `municipalities` are comma-separated slugs (representatives).
    pub async fn user(&self, email: &str, role: &str, municipalities: &str) -> User {
        let input = UserInput {
            email: Some(email.into()),
            name: Some(format!("Test {role}")),
            role: Some(role.into()),
            municipalities: Some(municipalities.into()),
        };
        self.state.accounts.add_user(&Actor::system("test"), &input, PASSWORD).await.expect("user created")
    }

    /// Posts the sign-in form with `fields` as a browser would (the form's CSRF cookie and field), letting
    /// `adjust` add to the request (a peer address, forwarding headers).
    pub async fn post_sign_in(
        &self,
        fields: &[(&str, &str)],
        adjust: impl FnOnce(axum::http::request::Builder) -> axum::http::request::Builder,
    ) -> Reply {
        let form = self.get("/tr/sign-in").await;
        let anon = set_cookie(&form, "ldp_csrf").expect("the sign-in form sets the CSRF cookie");
        let token = csrf_of(&form.body);
        let mut all = vec![("csrf", token.as_str())];
        all.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&all).unwrap();
        let request = Request::post("/tr/sign-in")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, format!("ldp_csrf={anon}"));
        self.request(adjust(request).body(Body::from(body)).unwrap()).await
    }

    /// Signs in through the form, as a browser does, and returns the session and its CSRF token.
    pub async fn sign_in(&self, email: &str) -> Browser {
        let reply = self.post_sign_in(&[("email", email), ("password", PASSWORD)], |r| r).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "sign-in of {email}: {}", reply.body);
        let cookie = set_cookie(&reply, "ldp_session").expect("a session cookie");
        let ws = self.get_as("/tr/workspace", &Browser { cookie: cookie.clone(), csrf: String::new() }).await;
        assert_eq!(ws.status, StatusCode::OK, "{}", ws.body);
        Browser { csrf: csrf_of(&ws.body), cookie }
    }

    /// GETs as a signed-in browser.
    pub async fn get_as(&self, uri: &str, browser: &Browser) -> Reply {
        self.request(Request::get(uri).header(header::COOKIE, browser.cookie_header()).body(Body::empty()).unwrap())
            .await
    }

    /// POSTs a form as `browser` (or anonymously), adding its CSRF token unless `fields` name one.
    pub async fn form(&self, uri: &str, browser: Option<&Browser>, fields: &[(&str, &str)]) -> Reply {
        let mut pairs: Vec<(&str, &str)> = fields.to_vec();
        if let Some(b) = browser
            && !fields.iter().any(|(k, _)| *k == "csrf")
        {
            pairs.push(("csrf", b.csrf.as_str()));
        }
        let mut req = Request::post(uri).header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(b) = browser {
            req = req.header(header::COOKIE, b.cookie_header());
        }
        self.request(req.body(Body::from(serde_urlencoded::to_string(&pairs).unwrap())).unwrap()).await
    }

    /// Calls the API with an optional bearer token and JSON body.
    pub async fn api(&self, method: &str, uri: &str, token: Option<&str>, body: Option<&str>) -> Reply {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let body = match body {
            Some(b) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(b.to_owned())
            }
            None => Body::empty(),
        };
        self.request(req.body(body).unwrap()).await
    }

    /// A write token for the user `email`.
    pub async fn token(&self, email: &str, read_only: bool) -> String {
        let owner = self.state.accounts.user_by_email(email).await.unwrap().expect("user");
        let (_, secret) =
            self.state.tokens.create(&Actor::system("test"), &owner, "test", read_only).await.expect("token");
        secret
    }

    pub async fn request(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Reply { status, headers, body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body") }
    }

    /// The response to a GET as the router gives it, its body not yet read (for tests of streaming).
    pub async fn get_raw(&self, uri: &str) -> axum::response::Response {
        self.router.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap()
    }

    /// GETs a binary body (a spreadsheet) with its status and headers.
    pub async fn get_bytes(&self, uri: &str) -> (StatusCode, HeaderMap, Vec<u8>) {
        let response = self.router.clone().oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.into_body().collect().await.expect("body").to_bytes().to_vec())
    }

    /// GETs a binary body (a download) as a signed-in browser, with its status and headers.
    pub async fn get_bytes_as(&self, uri: &str, browser: &Browser) -> (StatusCode, HeaderMap, Vec<u8>) {
        let request = Request::get(uri).header(header::COOKIE, browser.cookie_header()).body(Body::empty()).unwrap();
        let response = self.router.clone().oneshot(request).await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        (status, headers, response.into_body().collect().await.expect("body").to_bytes().to_vec())
    }

    /// GETs `uri` from the same state with the page cache off: what a fresh rendering says now.
    pub async fn get_uncached(&self, uri: &str) -> Reply {
        let state = self.state.with_page_cache(ldp_web::cache::PageCache::off());
        let response = ldp_web::app(state).oneshot(Request::get(uri).body(Body::empty()).unwrap()).await.unwrap();
        let (status, headers) = (response.status(), response.headers().clone());
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    pub async fn get(&self, uri: &str) -> Reply {
        self.request(Request::get(uri).body(Body::empty()).unwrap()).await
    }

    /// GETs a page that must answer 200 and returns its parsed HTML.
    pub async fn page(&self, uri: &str) -> Html {
        let reply = self.get(uri).await;
        assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
        Html::parse_document(&reply.body)
    }

    /// GETs JSON and returns status and value.
    pub async fn json(&self, uri: &str) -> (StatusCode, serde_json::Value) {
        let reply = self.get(uri).await;
        let ct = reply.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
        assert!(ct.starts_with("application/json"), "{uri}: content type {ct:?}");
        (reply.status, serde_json::from_str(&reply.body).expect("JSON body"))
    }
}

/// The texts of every element matching `selector`, with white space collapsed.
pub fn texts(html: &Html, selector: &str) -> Vec<String> {
    let sel = Selector::parse(selector).unwrap_or_else(|e| panic!("selector {selector}: {e:?}"));
    html.select(&sel)
        .map(|e| e.text().collect::<Vec<_>>().join(" ").split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// The one text matching `selector`.
pub fn text(html: &Html, selector: &str) -> String {
    let all = texts(html, selector);
    assert!(!all.is_empty(), "nothing matches {selector}");
    all[0].clone()
}

/// An attribute of the first element matching `selector`.
pub fn attr(html: &Html, selector: &str, name: &str) -> Option<String> {
    let sel = Selector::parse(selector).unwrap();
    html.select(&sel).next().and_then(|e| e.value().attr(name)).map(str::to_owned)
}

/// Every `href` of elements matching `selector`.
pub fn hrefs(html: &Html, selector: &str) -> Vec<String> {
    let sel = Selector::parse(selector).unwrap();
    html.select(&sel).filter_map(|e| e.value().attr("href")).map(str::to_owned).collect()
}
