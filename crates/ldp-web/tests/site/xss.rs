//! Stored cross-site scripting. Hostile text is saved through the real forms and the API into every free-text
//! field the workspace keeps (profile, representatives, memberships, relations with their trail evidence,
//! activities and documents, invited users' names, token names), then every page that shows it is read back:
//! public and workspace pages, in both languages where there are two, and the audit log.
//!
//! On each page no payload may arrive as markup, the ones the page shows must be there escaped and read back
//! intact by an HTML parser, and nothing on the page may be able to run script.

use axum::http::StatusCode;
use scraper::{Html, Node};
use serde_json::Value;

use ldp_core::domain::partnership::{PartnerKind, PartnershipFilter};
use ldp_core::domain::{Municipality, MunicipalityFilter, Page};
use ldp_testkit::{TestDb, both_backends};

use crate::authz::{PDF, city_without_relation, free_network, upload};
use crate::helpers::*;

both_backends!(seeded =>
    stored_text_comes_back_inert_on_every_page,
    script_addresses_are_refused_as_websites,
);

/// The corpus: each is saved into every free-text field that accepts it.
const PAYLOADS: &[&str] = &[
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'><svg/onload=alert(1)>",
    // Breaks out of a quoted attribute without any angle bracket.
    "x\" onmouseover=\"alert(1)\" data-x=\"",
    // Harmless as text; must never become a link target.
    "javascript:alert(1)",
    "</textarea><script>alert(1)</script>",
    // Template syntax is data, not evaluated.
    "{{7*7}}",
    // Escaped once when shown, not twice, and not unescaped either.
    "&lt;already&gt;",
    "Ayşe'nin \"İstanbul\" <b>kardeş</b> şehri",
];

/// An address the e-mail check accepts that would break out of an attribute if it were not escaped (profile and
/// representatives' e-mail; it ends up in a `mailto:` link on the public page).
const EMAIL_PAYLOAD: &str = "\"><svg/onload=alert(1)>@x.tr";

/// A document's file name (the service drops quotes and path separators, so it has neither).
const FILE_PAYLOAD: &str = "<img src=x onerror=alert(1)>.pdf";

/// The website: the service keeps only http(s) addresses without spaces, quotes or angle brackets, so the most
/// a website can carry is an `&` (escaped in the link) and a script-looking fragment.
const WEBSITE: &str = "https://x.tr/ara?q=1&dil=tr#javascript:alert(1)";

const ADMIN: &str = "yonetici@mmu.org.tr";

/// Every hostile string the test stores.
fn corpus() -> impl Iterator<Item = &'static str> {
    PAYLOADS.iter().copied().chain([EMAIL_PAYLOAD, FILE_PAYLOAD, WEBSITE])
}

/// `text` as the templates write it. Askama 0.16 writes `"` `&` `'` `<` `>` as `&#34;` `&#38;` `&#39;` `&#60;`
/// `&#62;`; the named forms (`&quot;` `&amp;` `&#39;` `&lt;` `&gt;`) are accepted too, so that an escaper change
/// does not fail the test as long as it still escapes.
fn shows_escaped(body: &str, text: &str) -> bool {
    let escape = |named: bool| {
        let mut out = String::with_capacity(text.len() * 2);
        for c in text.chars() {
            match (c, named) {
                ('"', false) => out.push_str("&#34;"),
                ('"', true) => out.push_str("&quot;"),
                ('&', false) => out.push_str("&#38;"),
                ('&', true) => out.push_str("&amp;"),
                ('\'', _) => out.push_str("&#39;"),
                ('<', false) => out.push_str("&#60;"),
                ('<', true) => out.push_str("&lt;"),
                ('>', false) => out.push_str("&#62;"),
                ('>', true) => out.push_str("&gt;"),
                (c, _) => out.push(c),
            }
        }
        out
    };
    body.contains(&escape(false)) || body.contains(&escape(true))
}

/// Every text node and attribute value of a page, as a parser reads them (entities decoded).
fn readable(html: &Html) -> Vec<String> {
    let mut out = Vec::new();
    for node in html.tree.nodes() {
        match node.value() {
            Node::Text(t) => out.push(String::from(&**t)),
            Node::Element(e) => out.extend(e.attrs().map(|(_, v)| v.to_owned())),
            _ => {}
        }
    }
    out
}

/// Nothing on the page can run script: no script-bearing elements, no event-handler attributes, no script or
/// data URLs, no image but the site's own logo, and no element that only the corpus would have brought.
fn assert_no_script(uri: &str, html: &Html) {
    for node in html.tree.nodes() {
        let Node::Element(e) = node.value() else { continue };
        let tag = e.name();
        if tag == "script" && e.attr("type") == Some("application/ld+json") && e.attr("src").is_none() {
            // A data block (schema.org JSON-LD), which browsers never run: it must be JSON, and nothing in it
            // may close the element (the page's own `<` is written as `\u003c`).
            let text: String = node.children().filter_map(|c| c.value().as_text().map(|t| t.to_string())).collect();
            assert!(!text.contains('<'), "{uri}: JSON-LD with a raw '<': {text}");
            serde_json::from_str::<serde_json::Value>(&text).unwrap_or_else(|e| panic!("{uri}: JSON-LD is JSON: {e}"));
            continue;
        }
        assert!(
            !matches!(tag, "script" | "iframe" | "object" | "embed" | "svg" | "math" | "base" | "b"),
            "{uri} has a <{tag}> element"
        );
        if tag == "img" {
            assert_eq!(e.attr("src"), Some("/favicon.svg"), "{uri} has an image it should not");
        }
        for (name, value) in e.attrs() {
            assert!(!name.to_ascii_lowercase().starts_with("on"), "{uri} has <{tag} {name}={value:?}>");
            if matches!(name, "href" | "src" | "action" | "formaction") {
                let target = value.trim().to_ascii_lowercase();
                assert!(
                    !["javascript:", "vbscript:", "data:"].iter().any(|scheme| target.starts_with(scheme)),
                    "{uri} has <{tag} {name}={value:?}>"
                );
            }
        }
    }
}

/// Checks one page against the whole corpus: no payload arrives as markup; each of `shown` is on the page
/// escaped, and a parser reads it back intact; and nothing on the page can run script.
fn assert_inert(uri: &str, body: &str, shown: &[&str]) {
    for payload in corpus() {
        if payload.contains(['<', '>', '"', '\'', '&']) {
            assert!(!body.contains(payload), "{uri} carries {payload:?} unescaped");
        }
    }
    let html = Html::parse_document(body);
    let readable = readable(&html);
    for payload in shown {
        assert!(shows_escaped(body, payload), "{uri} does not show {payload:?} escaped");
        assert!(readable.iter().any(|t| t.contains(*payload)), "{uri}: {payload:?} does not read back intact");
    }
    assert_no_script(uri, &html);
}

/// GETs a page that must answer 200, signed in or not, and returns its body.
async fn fetch(app: &TestApp, uri: &str, browser: Option<&Browser>) -> String {
    let reply = match browser {
        Some(b) => app.get_as(uri, b).await,
        None => app.get(uri).await,
    };
    assert_eq!(reply.status, StatusCode::OK, "{uri}: {}", reply.body);
    reply.body
}

fn value(html: &Html, selector: &str) -> String {
    attr(html, selector, "value").unwrap_or_else(|| panic!("no value for {selector}"))
}

#[derive(Debug, Clone, Copy)]
enum Via {
    Form,
    Api,
}

/// What one payload was saved into.
struct Saved {
    payload: &'static str,
    slug: String,
    municipality: i64,
    representative: i64,
    membership: i64,
    partnership: i64,
    invitee: i64,
}

/// The admin, writing through the forms (signed in) or the API (with a token).
struct Writer<'a> {
    app: &'a TestApp,
    browser: Browser,
    token: String,
}

impl Writer<'_> {
    /// Saves `fields` through the form at `form`, or with `method` at the API address `api`, and insists that it
    /// was accepted.
    async fn save(&self, via: Via, form: &str, method: &str, api: &str, fields: &[(&str, &str)]) {
        match via {
            Via::Form => {
                let reply = self.app.form(form, Some(&self.browser), fields).await;
                assert_eq!(reply.status, StatusCode::SEE_OTHER, "POST {form} {fields:?}: {}", reply.body);
            }
            Via::Api => {
                let object: serde_json::Map<String, Value> =
                    fields.iter().map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned()))).collect();
                let body = Value::Object(object).to_string();
                let reply = self.app.api(method, api, Some(&self.token), Some(&body)).await;
                assert!(reply.status.is_success(), "{method} {api} {body}: {} {}", reply.status, reply.body);
            }
        }
    }

    /// Saves `payload` into every free-text field of `m`'s records (and into an invited user's name and a token's
    /// name), through the forms or through the API where it has the endpoint.
    async fn save_everywhere(&self, via: Via, payload: &'static str, m: &Municipality, i: usize) -> Saved {
        let store = &self.app.state.store;
        let slug = m.slug.as_str();
        let form = format!("/tr/workspace/municipalities/{slug}");
        let api = format!("/api/v1/municipalities/{slug}");

        let profile = [
            ("website", WEBSITE),
            ("contact_email", EMAIL_PAYLOAD),
            ("contact_phone", "+90 224 716 10 00"),
            ("about_tr", payload),
            ("about_en", payload),
        ];
        self.save(via, &form, "PUT", &format!("{api}/profile"), &profile).await;

        let representative = [
            ("name", payload),
            ("title", payload),
            ("unit", payload),
            ("email", EMAIL_PAYLOAD),
            ("phone", "0224 716 10 00"),
            ("languages", payload),
        ];
        let (form_new, api_new) = (format!("{form}/representatives/new"), format!("{api}/representatives"));
        self.save(via, &form_new, "POST", &api_new, &representative).await;
        let representatives = store.representatives(m.id).await.unwrap();
        let representative = representatives.iter().find(|r| r.name == payload).expect("the representative").id;

        let network = free_network(self.app, slug).await;
        let handled_by = representative.to_string();
        let membership = [
            ("network", network.as_str()),
            ("since", "2020"),
            ("status", "active"),
            ("decision_number", payload),
            ("decision_date", "2020-06-04"),
            ("representative", handled_by.as_str()),
            ("working_groups", payload),
        ];
        let (form_new, api_new) = (format!("{form}/memberships/new"), format!("{api}/memberships"));
        self.save(via, &form_new, "POST", &api_new, &membership).await;
        let memberships = store.municipal_memberships(m.id).await.unwrap();
        let membership = memberships.iter().find(|x| x.network_slug == network).expect("the membership").id;

        // A relation abroad, so that the trail has a permission step (reference, authority) as well.
        let city = city_without_relation(self.app, slug).await;
        let city_id = city.to_string();
        let relation = [
            ("municipality", slug),
            ("partner_city", city_id.as_str()),
            ("kind", "sister_city"),
            ("proposed_on", "2025-01-02"),
            ("notes_tr", payload),
            ("notes_en", payload),
        ];
        self.save(via, "/tr/workspace/partnerships/new", "POST", "/api/v1/partnerships", &relation).await;
        let filter =
            PartnershipFilter { municipality: Some(slug.to_owned()), include_unpublished: true, ..Default::default() };
        let relations = self.app.state.partnerships.all(&filter, 10_000).await.unwrap();
        let partnership = relations
            .iter()
            .find(|p| p.partner.kind == PartnerKind::City && p.partner.id == city)
            .expect("the relation")
            .id
            .0;

        let form_steps = format!("/tr/workspace/partnerships/{partnership}/steps");
        let api_steps = format!("/api/v1/partnerships/{partnership}/steps");
        let trail: [&[(&str, &str)]; 3] = [
            &[("stage", "council_approved"), ("date", "2025-01-10"), ("number", payload)],
            &[("stage", "permitted"), ("date", "2025-02-01"), ("reference", payload), ("authority", payload)],
            &[("stage", "signed"), ("date", "2025-03-01"), ("place", payload), ("signatories", payload)],
        ];
        for step in trail {
            self.save(via, &form_steps, "POST", &api_steps, step).await;
        }
        let activity = [("date", "2025-03-15"), ("title_tr", payload), ("title_en", payload), ("kind", "visit")];
        let (form_activity, api_activity) = (
            format!("/tr/workspace/partnerships/{partnership}/activities"),
            format!("/api/v1/partnerships/{partnership}/activities"),
        );
        self.save(via, &form_activity, "POST", &api_activity, &activity).await;
        // Documents have no API endpoint; the upload form takes them either way.
        let documents = format!("/tr/workspace/partnerships/{partnership}/documents");
        let reply =
            self.app.request(upload(&documents, Some(&self.browser), "signed_protocol", FILE_PAYLOAD, PDF)).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "upload: {}", reply.body);
        let ending = [("stage", "terminated"), ("date", "2025-04-01"), ("number", payload), ("reason", payload)];
        self.save(via, &form_steps, "POST", &api_steps, &ending).await;

        // Users and tokens are made in the workspace only.
        let email = format!("davetli{i}@example.org");
        let invitation = [("email", email.as_str()), ("name", payload), ("role", "auditor"), ("municipalities", "")];
        let reply = self.app.form("/tr/workspace/users", Some(&self.browser), &invitation).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "invitation: {}", reply.body);
        let invitee = self.app.state.accounts.user_by_email(&email).await.unwrap().expect("the invited user").id.0;
        let named = [("name", payload), ("scope", "write")];
        let reply = self.app.form("/tr/workspace/account/tokens", Some(&self.browser), &named).await;
        assert_eq!(reply.status, StatusCode::CREATED, "token: {}", reply.body);
        assert_inert("the new token's page", &reply.body, &[payload]);

        Saved { payload, slug: slug.to_owned(), municipality: m.id.0, representative, membership, partnership, invitee }
    }
}

async fn stored_text_comes_back_inert_on_every_page(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user(ADMIN, "admin", "").await;
    let admin = Writer { app: &app, browser: app.sign_in(ADMIN).await, token: app.token(ADMIN, false).await };
    let filter = MunicipalityFilter::default();
    let members = app.state.store.list_municipalities(&filter, Page::first(100)).await.unwrap().items;
    assert!(members.len() > 7 * PAYLOADS.len(), "enough municipalities to give each payload its own");

    let mut saved = Vec::new();
    for (i, payload) in PAYLOADS.iter().copied().enumerate() {
        // Alternate the forms and the API, so that both paths into the store are covered.
        let via = if i % 2 == 0 { Via::Form } else { Via::Api };
        saved.push(admin.save_everywhere(via, payload, &members[i * 7], i).await);
    }

    let me = Some(&admin.browser);
    for s in &saved {
        let (p, slug) = (s.payload, s.slug.as_str());
        let audit = |kind: &str, id: i64| format!("/tr/workspace/audit?record_type={kind}&record_id={id}");
        let search = serde_urlencoded::to_string([("q", p)]).unwrap();
        let ws = format!("/tr/workspace/municipalities/{slug}");
        let pages: Vec<(String, Option<&Browser>, Vec<&str>)> = vec![
            (format!("/tr/municipalities/{slug}"), None, vec![p, EMAIL_PAYLOAD, WEBSITE]),
            (format!("/en/municipalities/{slug}"), None, vec![p, EMAIL_PAYLOAD, WEBSITE]),
            (ws.clone(), me, vec![p, EMAIL_PAYLOAD, WEBSITE]),
            (format!("{ws}/representatives/{}", s.representative), me, vec![p, EMAIL_PAYLOAD]),
            (format!("{ws}/memberships/{}", s.membership), me, vec![p]),
            (format!("/tr/partnerships/{}", s.partnership), None, vec![p, FILE_PAYLOAD]),
            (format!("/en/partnerships/{}", s.partnership), None, vec![p, FILE_PAYLOAD]),
            (format!("/tr/workspace/partnerships/{}", s.partnership), me, vec![p, FILE_PAYLOAD]),
            (format!("/tr/workspace/users/{}", s.invitee), me, vec![p]),
            // The description is logged as one JSON object ({"tr":…,"en":…}), so quotes in it come back as \";
            // the payload is still checked for being inert there, like everywhere.
            (audit("municipality", s.municipality), me, vec![EMAIL_PAYLOAD, WEBSITE]),
            (audit("representative", s.representative), me, vec![p, EMAIL_PAYLOAD]),
            (audit("membership", s.membership), me, vec![p]),
            (audit("partnership", s.partnership), me, vec![p]),
            // Reflected rather than stored: the partner search echoes its query.
            (format!("/tr/workspace/partnerships/new?{search}"), me, vec![p]),
        ];
        for (uri, browser, shown) in &pages {
            let body = fetch(&app, uri, *browser).await;
            assert_inert(uri, &body, shown);
        }

        // The fields read back exactly: no markup split them, ate them or closed the element around them.
        let html = Html::parse_document(&fetch(&app, &format!("/tr/municipalities/{slug}"), None).await);
        assert_eq!(text(&html, "p.about"), p);
        assert_eq!(attr(&html, "dl.facts a[rel=nofollow]", "href").as_deref(), Some(WEBSITE));
        assert_eq!(attr(&html, "a[href^='mailto:']", "href"), Some(format!("mailto:{EMAIL_PAYLOAD}")));
        let html = Html::parse_document(&fetch(&app, &ws, me).await);
        assert_eq!(text(&html, "textarea[name=about_tr]"), p, "the description stays inside its textarea");
        assert_eq!(text(&html, "textarea[name=about_en]"), p);
        assert_eq!(value(&html, "input[name=website]"), WEBSITE);
        assert_eq!(value(&html, "input[name=contact_email]"), EMAIL_PAYLOAD);
        let uri = format!("{ws}/representatives/{}", s.representative);
        let html = Html::parse_document(&fetch(&app, &uri, me).await);
        for field in ["name", "title", "unit", "languages"] {
            assert_eq!(value(&html, &format!("input[name={field}]")), p, "{uri}: {field}");
        }
        assert_eq!(value(&html, "input[name=email]"), EMAIL_PAYLOAD);
        let uri = format!("{ws}/memberships/{}", s.membership);
        let html = Html::parse_document(&fetch(&app, &uri, me).await);
        assert_eq!(value(&html, "input[name=decision_number]"), p, "{uri}");
        assert_eq!(value(&html, "input[name=working_groups]"), p, "{uri}");
        let uri = format!("/en/partnerships/{}", s.partnership);
        let html = Html::parse_document(&fetch(&app, &uri, None).await);
        assert_eq!(text(&html, "ul.documents a"), FILE_PAYLOAD, "{uri}");
        // Decision numbers (council, termination), reference, authority, place, signatories and reason.
        let timeline = text(&html, "ol.timeline");
        assert_eq!(timeline.matches(p).count(), 7, "{uri}: every piece of evidence is shown: {timeline}");
        assert!(text(&html, "ul.activities").contains(p), "{uri}");
        let html = Html::parse_document(&fetch(&app, &format!("/tr/workspace/users/{}", s.invitee), me).await);
        assert_eq!(value(&html, "input[name=name]"), p);
    }

    // Pages that list the records of every payload at once.
    let all = PAYLOADS.to_vec();
    for (uri, shown) in [
        ("/tr/workspace/users", all.clone()),
        ("/tr/workspace/account", all.clone()),
        ("/tr/workspace/audit?record_type=partnership_activity", all.clone()),
        ("/tr/workspace/audit?record_type=user", all.clone()),
        ("/tr/workspace/audit?record_type=api_token", all.clone()),
        ("/tr/workspace/audit?record_type=partnership_document", vec![FILE_PAYLOAD]),
        // The newest changes only: whichever payloads they are, they are inert.
        ("/tr/workspace/audit", Vec::new()),
        ("/tr/workspace", Vec::new()),
    ] {
        let body = fetch(&app, uri, me).await;
        assert_inert(uri, &body, &shown);
        // The dashboard lists recent changes without their fields, so it may show none of the text.
        if uri != "/tr/workspace" {
            assert!(corpus().any(|p| shows_escaped(&body, p)), "{uri} shows none of the stored text");
        }
    }
}

/// A website is a link on the public page, so only http(s) addresses without spaces, quotes or angle brackets
/// are kept; the refusal re-renders the form with the address escaped and saves nothing.
async fn script_addresses_are_refused_as_websites(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user(ADMIN, "admin", "").await;
    let browser = app.sign_in(ADMIN).await;
    let token = app.token(ADMIN, false).await;
    let slug = "bursa";
    let m = app.state.store.municipality_by_slug(slug).await.unwrap().expect("bursa");
    let before = app.state.store.municipality_profile(m.id).await.unwrap();
    for website in [
        "https://x.tr/\"><script>alert(1)</script>",
        "https://x.tr/'onmouseover='alert(1)'",
        "https://x.tr/ onmouseover=alert(1)",
        "https://x.tr/`x`",
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "  javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "//evil.example/x",
        "httpx://evil.example",
    ] {
        let uri = format!("/tr/workspace/municipalities/{slug}");
        let reply = app.form(&uri, Some(&browser), &[("website", website), ("about_tr", "Tanıtım")]).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{website:?}: {}", reply.body);
        let html = Html::parse_document(&reply.body);
        assert_eq!(attr(&html, "#f-website", "aria-invalid").as_deref(), Some("true"), "{website:?}");
        assert_eq!(value(&html, "#f-website"), website, "the refused address is shown back as typed");
        assert!(!reply.body.contains("<script>alert(1)</script>"), "{website:?}");
        assert_no_script(&uri, &html);

        let body = serde_json::json!({ "website": website }).to_string();
        let api = format!("/api/v1/municipalities/{slug}/profile");
        let reply = app.api("PUT", &api, Some(&token), Some(&body)).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{website:?}: {}", reply.body);
        let error: Value = serde_json::from_str(&reply.body).unwrap();
        assert!(error["error"]["fields"]["website"].is_string(), "{website:?}: {}", reply.body);
    }
    assert_eq!(app.state.store.municipality_profile(m.id).await.unwrap(), before, "nothing was saved");
    let public = Html::parse_document(&fetch(&app, &format!("/tr/municipalities/{slug}"), None).await);
    assert_no_script("the public page", &public);
}
