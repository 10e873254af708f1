//! A test application around an isolated, seeded database.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use scraper::{Html, Selector};
use tower::ServiceExt;

use std::sync::Arc;

use ldp_core::services::partnerships::PartnershipSettings;
use ldp_store::LocalUploads;
use ldp_testkit::TestDb;
use ldp_web::AppState;
use ldp_web::state::Config;

pub struct TestApp {
    router: Router,
    pub db: TestDb,
    pub uploads: Arc<LocalUploads>,
    _uploads_dir: tempfile::TempDir,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestApp {
    pub async fn new(db: TestDb) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let uploads = Arc::new(LocalUploads::open(dir.path()).expect("uploads folder"));
        let config = Config { partnerships: PartnershipSettings::default(), uploads: uploads.clone() };
        let state = AppState::load(db.shared(), config).await.expect("state loads");
        TestApp { router: ldp_web::app(state), db, uploads, _uploads_dir: dir }
    }

    pub async fn request(&self, request: Request<Body>) -> Reply {
        let response = self.router.clone().oneshot(request).await.expect("router answers");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.expect("body").to_bytes();
        Reply { status, headers, body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body") }
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
