//! Editable pages as staff and readers see them: the editor, drafts apart from the public page, the page
//! cache refreshed by a publish, restore and comparison, the missing-translation view and the English
//! fallback, who may do what, and the sanitiser against an XSS corpus written as Markdown and as raw HTML.

use axum::http::StatusCode;
use scraper::{Html, Selector};

use ldp_testkit::{TestDb, both_backends};

use crate::helpers::*;

both_backends!(seeded =>
    the_local_diplomacy_page_shows_its_published_text_with_its_source,
    a_publish_shows_on_the_next_anonymous_get_and_a_restore_brings_the_old_text_back,
    a_draft_stays_out_of_the_public_page_until_published,
    a_refused_save_shows_the_messages_beside_the_fields,
    a_page_missing_english_shows_the_turkish_text_with_a_notice_and_is_listed,
    only_staff_edit_and_only_staff_and_auditors_read_the_pages,
    the_sanitiser_removes_every_script_from_markdown_and_from_raw_html,
    the_api_reads_saves_publishes_and_restores_pages,
);

const EDITOR: &str = "/tr/workspace/pages/local-diplomacy/tr";

async fn staff(app: &TestApp) -> Browser {
    app.user("staff@mmu.org.tr", "staff", "").await;
    app.sign_in("staff@mmu.org.tr").await
}

/// The revision ids in the editor's table, newest first.
fn revision_ids(body: &str) -> Vec<String> {
    let html = Html::parse_document(body);
    texts(&html, "table.revisions tbody tr td:first-child")
}

async fn the_local_diplomacy_page_shows_its_published_text_with_its_source(db: TestDb) {
    let app = TestApp::cached(db).await;
    let tr = app.page("/tr/local-diplomacy").await;
    assert_eq!(text(&tr, "h1"), "Yerel Diplomasi");
    assert!(texts(&tr, ".prose li").contains(&"Kardeş şehir ilişkileri".to_owned()));
    assert!(hrefs(&tr, ".prose a").contains(&"https://www.marmara.gov.tr/en/local-diplomacy".to_owned()));
    let en = app.page("/en/local-diplomacy").await;
    assert!(text(&en, ".prose p").starts_with("Cities have become actors"));
    assert!(texts(&en, ".notice").is_empty(), "no fallback notice when the English exists");
    let home = app.page("/en/").await;
    assert!(
        text(&home, ".hero .lead").starts_with("Cities have become actors"),
        "the home lead is the page's first paragraph"
    );
    let about = app.page("/tr/about").await;
    assert!(text(&about, ".prose").contains("25 Nisan 1975"));
}

async fn a_publish_shows_on_the_next_anonymous_get_and_a_restore_brings_the_old_text_back(db: TestDb) {
    let app = TestApp::cached(db).await;
    let before = app.get("/tr/local-diplomacy").await;
    assert_eq!(app.get("/tr/local-diplomacy").await.body, before.body, "kept");
    let browser = staff(&app).await;
    let saved = app
        .form(
            EDITOR,
            Some(&browser),
            &[("title", "Yerel Diplomasi"), ("body", "Önbellek sınaması metni."), ("action", "publish")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let after = app.page("/tr/local-diplomacy").await;
    assert_eq!(text(&after, ".prose"), "Önbellek sınaması metni.");

    let editor = app.get_as(EDITOR, &browser).await;
    let ids = revision_ids(&editor.body);
    assert_eq!(ids.len(), 2, "{ids:?}");
    let (new, old) = (&ids[0], &ids[1]);
    let diff = app.get_as(&format!("/tr/workspace/pages/diff?from={old}&to={new}"), &browser).await;
    assert_eq!(diff.status, StatusCode::OK);
    let diff = Html::parse_document(&diff.body);
    assert_eq!(texts(&diff, ".diff-line.added ins"), ["Önbellek sınaması metni."]);
    assert!(texts(&diff, ".diff-line.removed del").iter().any(|l| l.starts_with("Şehirler bugün")));

    let restored = app.form(&format!("/tr/workspace/pages/revisions/{old}/restore"), Some(&browser), &[]).await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER, "{}", restored.body);
    assert_eq!(app.get("/tr/local-diplomacy").await.body, app.get_uncached("/tr/local-diplomacy").await.body);
    let back = app.page("/tr/local-diplomacy").await;
    assert!(text(&back, ".prose p").starts_with("Şehirler bugün dünya sahnesinde"));
    assert!(texts(&back, ".prose li").contains(&"Kardeş şehir ilişkileri".to_owned()));
    let editor = Html::parse_document(&app.get_as(EDITOR, &browser).await.body);
    assert_eq!(texts(&editor, "table.revisions tbody tr").len(), 3, "the restore is a revision of its own");
}

async fn a_draft_stays_out_of_the_public_page_until_published(db: TestDb) {
    let app = TestApp::cached(db).await;
    let browser = staff(&app).await;
    let saved = app
        .form(EDITOR, Some(&browser), &[("title", "Taslak başlık"), ("body", "Taslak metni."), ("action", "draft")])
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let public = app.get("/tr/local-diplomacy").await.body;
    assert!(!public.contains("Taslak metni."));
    let editor = app.get_as(EDITOR, &browser).await;
    let html = Html::parse_document(&editor.body);
    assert_eq!(attr(&html, "#f-title", "value").as_deref(), Some("Taslak başlık"), "the editor starts from the draft");
    let draft = revision_ids(&editor.body)[0].clone();
    let list = Html::parse_document(&app.get_as("/tr/workspace/pages", &browser).await.body);
    assert!(texts(&list, "table.content-pages .badge.warn").contains(&"Taslak".to_owned()));
    let published = app.form(&format!("/tr/workspace/pages/revisions/{draft}/publish"), Some(&browser), &[]).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.body);
    let page = app.page("/tr/local-diplomacy").await;
    assert_eq!((text(&page, "h1"), text(&page, ".prose")), ("Taslak başlık".to_owned(), "Taslak metni.".to_owned()));
}

async fn a_refused_save_shows_the_messages_beside_the_fields(db: TestDb) {
    let app = TestApp::new(db).await;
    let browser = staff(&app).await;
    let long = "x".repeat(201);
    let refused = app.form(EDITOR, Some(&browser), &[("title", &long), ("body", "  "), ("action", "publish")]).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let html = Html::parse_document(&refused.body);
    assert!(!text(&html, "#f-title-error").is_empty());
    assert!(!text(&html, "#f-body-error").is_empty());
    assert_eq!(attr(&html, "#f-title", "aria-invalid").as_deref(), Some("true"));
    assert_eq!(revision_ids(&refused.body).len(), 1, "nothing saved");
    // An unknown page or language is a 404, not a 500.
    for uri in
        ["/tr/workspace/pages/contact/tr", "/tr/workspace/pages/network:nowhere/tr", "/tr/workspace/pages/about/de"]
    {
        assert_eq!(app.get_as(uri, &browser).await.status, StatusCode::NOT_FOUND, "{uri}");
    }
    assert_eq!(app.get_as("/tr/workspace/pages/diff?from=1", &browser).await.status, StatusCode::NOT_FOUND);
}

async fn a_page_missing_english_shows_the_turkish_text_with_a_notice_and_is_listed(db: TestDb) {
    let app = TestApp::cached(db).await;
    let browser = staff(&app).await;
    let before = app.page("/en/networks/aebr").await;
    assert!(texts(&before, "#summary-title").is_empty(), "no summary yet");
    let saved = app
        .form(
            "/tr/workspace/pages/network:aebr/tr",
            Some(&browser),
            &[("title", "AEBR"), ("body", "Avrupa sınır bölgelerinin **birliği**."), ("action", "publish")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let tr = app.page("/tr/networks/aebr").await;
    assert_eq!(text(&tr, "#summary-title + .prose strong"), "birliği");
    let en = app.page("/en/networks/aebr").await;
    assert!(!text(&en, ".notice").is_empty(), "the English page says the text is Turkish");
    assert_eq!(attr(&en, ".notice + .prose", "lang").as_deref(), Some("tr"));
    assert!(text(&en, ".prose").contains("Avrupa sınır bölgelerinin"));
    let list = Html::parse_document(&app.get_as("/en/workspace/pages", &browser).await.body);
    let missing = hrefs(&list, ".missing-translations a");
    assert_eq!(missing, ["/en/workspace/pages/network:aebr/en"]);
    // Publications and news posts written in one language only are listed too (drafts included: staff
    // translate before publishing); one in both languages is not.
    let system = ldp_core::domain::Actor::system("test");
    let publication = ldp_core::domain::PublicationInput {
        kind: Some("guide".into()),
        title_tr: Some("Kardeş şehir rehberi".into()),
        published_on: Some("2026-06-30".into()),
        language: Some("tr".into()),
        ..Default::default()
    };
    let only_tr = app.state.publications.create(&system, &publication).await.unwrap();
    let both = ldp_core::domain::PublicationInput { title_en: Some("Sister-city guide".into()), ..publication };
    app.state.publications.create(&system, &both).await.unwrap();
    let news = ldp_core::services::news::NewsInput {
        title_en: Some("Training announced".into()),
        summary_en: Some("For foreign-relations staff".into()),
        body_en: Some("Details soon.".into()),
        status: Some("draft".into()),
        ..Default::default()
    };
    let only_en = app.state.news.create(&system, &news).await.unwrap();
    let list = Html::parse_document(&app.get_as("/tr/workspace/pages", &browser).await.body);
    let missing = hrefs(&list, ".missing-translations a");
    assert_eq!(
        missing,
        [
            "/tr/workspace/pages/network:aebr/en".to_owned(),
            format!("/tr/workspace/publications/{}", only_tr.id.0),
            format!("/tr/workspace/news/{}", only_en.id.0),
        ]
    );
    let items = texts(&list, ".missing-translations li");
    assert!(items[1].contains("Kardeş şehir rehberi") && items[1].contains("İngilizce"), "{items:?}");
    assert!(items[2].contains("Training announced") && items[2].contains("Türkçe"), "{items:?}");
}

async fn only_staff_edit_and_only_staff_and_auditors_read_the_pages(db: TestDb) {
    let app = TestApp::new(db).await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    app.user("denetci@mmu.org.tr", "auditor", "").await;
    let rep = app.sign_in("rep@nilufer.bel.tr").await;
    let auditor = app.sign_in("denetci@mmu.org.tr").await;
    let write = [("title", "X"), ("body", "Y"), ("action", "publish")];
    for uri in ["/tr/workspace/pages", EDITOR] {
        assert_eq!(app.get_as(uri, &rep).await.status, StatusCode::FORBIDDEN, "{uri}");
        assert_eq!(app.get_as(uri, &auditor).await.status, StatusCode::OK, "{uri}");
        assert_eq!(app.get(uri).await.status, StatusCode::SEE_OTHER, "{uri}: to the sign-in form");
    }
    let editor = Html::parse_document(&app.get_as(EDITOR, &auditor).await.body);
    assert!(texts(&editor, "form.content-editor").is_empty(), "an auditor reads, without an editor");
    for who in [&rep, &auditor] {
        assert_eq!(app.form(EDITOR, Some(who), &write).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.form("/tr/workspace/pages/revisions/1/restore", Some(who), &[]).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.form("/tr/workspace/pages/revisions/1/publish", Some(who), &[]).await.status,
            StatusCode::FORBIDDEN
        );
    }
    assert_eq!(app.form(EDITOR, None, &write).await.status, StatusCode::SEE_OTHER, "no session: to the sign-in form");
    assert!(text(&app.page("/tr/local-diplomacy").await, ".prose").starts_with("Şehirler bugün"), "nothing changed");
}

/// Stored-XSS payloads as an editor might paste them: Markdown links and images, and raw HTML in blocks and
/// inline, each trying a script, an event handler, a dangerous URL or an embedding element. The harmless
/// ones lead: an unclosed `<style>` or `<noscript>` further down rightly swallows what follows it.
const CORPUS: &[&str] = &[
    "Metin içinde <b onclick=alert(1)>kalın</b> ve <span onmouseover=\"alert(1)\">iz</span>.",
    "```\n<script>alert('kod bloğu')</script>\n```",
    "[tıkla](javascript:alert(1))",
    "[tıkla](JaVaScRiPt:alert(1))",
    "[tıkla](&#106;avascript:alert(1))",
    "[tıkla](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "![resim](javascript:alert(1))",
    "![x\" onerror=\"alert(1)](https://example.org/a.png)",
    "<javascript:alert(1)>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)><circle r=1 /></svg>",
    "<iframe src=\"javascript:alert(1)\"></iframe>",
    "<a href=\"javascript:alert(1)\">a</a>",
    "<a href=\"  javascript:alert(1)\">a</a>",
    "<p style=\"background:url(javascript:alert(1))\">stil</p>",
    "<style>body{display:none}</style>",
    "<object data=\"javascript:alert(1)\"></object>",
    "<embed src=\"javascript:alert(1)\">",
    "<form action=\"javascript:alert(1)\"><button>g</button></form>",
    "<details open ontoggle=alert(1)>d</details>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"javascript:alert(1)//\">",
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<input autofocus onfocus=alert(1)>",
];

/// Every element of the page's text is harmless: no scripting element, no event attribute, no style, and
/// every link and source is http(s), mailto or relative.
fn assert_harmless(prose: &str, payload: &str) {
    let html = Html::parse_fragment(prose);
    let all = Selector::parse("*").unwrap();
    for el in html.select(&all) {
        let name = el.value().name();
        assert!(
            ![
                "script", "style", "iframe", "object", "embed", "form", "input", "button", "meta", "base", "link",
                "svg", "math", "noscript"
            ]
            .contains(&name),
            "{payload:?} left <{name}> in {prose}"
        );
        for (attr, value) in el.value().attrs() {
            assert!(!attr.starts_with("on"), "{payload:?} left {attr} in {prose}");
            assert_ne!(attr, "style", "{payload:?} left a style in {prose}");
            if ["href", "src", "action", "data", "formaction"].contains(&attr) {
                let v = value.trim().to_ascii_lowercase();
                let safe = v.starts_with("https://")
                    || v.starts_with("http://")
                    || v.starts_with("mailto:")
                    || v.starts_with('/')
                    || v.starts_with('#')
                    || !v.contains(':');
                assert!(safe, "{payload:?} left {attr}={value:?} in {prose}");
            }
        }
    }
}

async fn the_sanitiser_removes_every_script_from_markdown_and_from_raw_html(db: TestDb) {
    let app = TestApp::cached(db).await;
    let browser = staff(&app).await;
    let body = CORPUS.join("\n\n");
    let saved = app
        .form(
            "/tr/workspace/pages/about/tr",
            Some(&browser),
            &[("title", "<script>alert(1)</script>"), ("body", &body), ("action", "publish")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let reply = app.get("/tr/about").await;
    assert_eq!(reply.status, StatusCode::OK);
    let page = Html::parse_document(&reply.body);
    assert_eq!(text(&page, "h1"), "<script>alert(1)</script>", "the title is text, escaped");
    let prose = page.select(&Selector::parse(".prose").unwrap()).next().expect("the text").inner_html();
    assert_harmless(&prose, "the whole corpus");
    assert!(prose.contains("kalın") && prose.contains("<code>"), "harmless text and code blocks stay: {prose}");
    assert!(prose.contains("&lt;script&gt;alert('kod bloğu')"), "code is shown as text: {prose}");
    // Each payload alone, on its own page, so one cannot hide another.
    for payload in CORPUS {
        let html = ldp_core::domain::content::render_markdown(payload);
        assert_harmless(&html, payload);
    }
    // The editor echoes the Markdown as text inside its textarea, never as markup.
    let editor = Html::parse_document(&app.get_as("/tr/workspace/pages/about/tr", &browser).await.body);
    assert_eq!(texts(&editor, ".ws-main script").len(), 0);
    assert!(text(&editor, "#f-body").contains("<script>alert(1)</script>"));
}

async fn the_api_reads_saves_publishes_and_restores_pages(db: TestDb) {
    let app = TestApp::cached(db).await;
    app.user("personel@mmu.org.tr", "staff", "").await;
    app.user("rep@nilufer.bel.tr", "representative", "bursa-nilufer").await;
    let staff = app.token("personel@mmu.org.tr", false).await;
    let rep = app.token("rep@nilufer.bel.tr", false).await;
    // Anyone reads what is published; a page without English falls back to Turkish and says so.
    let (status, before) = app.json("/api/v1/pages/local-diplomacy/tr").await;
    assert_eq!(status, StatusCode::OK);
    let old_id = before["revision"]["id"].as_i64().unwrap();
    assert_eq!(app.get("/api/v1/pages/no-such-page/tr").await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/pages/about/xx").await.status, StatusCode::BAD_REQUEST);
    assert_eq!(app.get("/api/v1/pages/network:aebr/en").await.status, StatusCode::NOT_FOUND, "nothing published");
    // Only staff and admins write; bad fields name themselves; nothing is kept then.
    let text = r#"{"title":"Yerel Diplomasi","body":"API ile **güncellendi**.","publish":true}"#;
    let uri = "/api/v1/pages/local-diplomacy/tr/revisions";
    assert_eq!(app.api("POST", uri, Some(&rep), Some(text)).await.status, StatusCode::FORBIDDEN);
    assert_eq!(app.api("POST", uri, None, Some(text)).await.status, StatusCode::UNAUTHORIZED);
    let bad = app.api("POST", uri, Some(&staff), Some(r#"{"title":"","body":""}"#)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
    assert!(bad.body.contains("\"title\"") && bad.body.contains("\"body\""), "{}", bad.body);
    // A draft changes nothing public; publishing shows it at once through the cache; restoring brings the old back.
    let draft = app.api("POST", uri, Some(&staff), Some(r#"{"title":"Taslak","body":"Henüz değil."}"#)).await;
    assert_eq!(draft.status, StatusCode::CREATED, "{}", draft.body);
    let draft_id = serde_json::from_str::<serde_json::Value>(&draft.body).unwrap()["id"].as_i64().unwrap();
    assert!(!app.get("/tr/local-diplomacy").await.body.contains("Henüz değil"));
    let published = app.api("POST", &format!("/api/v1/pages/revisions/{draft_id}/publish"), Some(&staff), None).await;
    assert_eq!(published.status, StatusCode::OK, "{}", published.body);
    assert!(app.get("/tr/local-diplomacy").await.body.contains("Henüz değil"));
    let saved = app.api("POST", uri, Some(&staff), Some(text)).await;
    assert_eq!(saved.status, StatusCode::CREATED);
    assert!(app.get("/tr/local-diplomacy").await.body.contains("<strong>güncellendi</strong>"));
    let restored = app.api("POST", &format!("/api/v1/pages/revisions/{old_id}/restore"), Some(&staff), None).await;
    assert_eq!(restored.status, StatusCode::CREATED, "{}", restored.body);
    let (_, after) = app.json("/api/v1/pages/local-diplomacy/tr").await;
    assert_eq!(after["revision"]["body"], before["revision"]["body"]);
    assert_eq!(after["revision"]["restored_from"], old_id);
    // Revisions are listed for staff, newest first; not for a representative.
    let listed = app.api("GET", uri, Some(&staff), None).await;
    assert_eq!(listed.status, StatusCode::OK);
    let list: serde_json::Value = serde_json::from_str(&listed.body).unwrap();
    let ids: Vec<i64> = list.as_array().unwrap().iter().filter_map(|r| r["id"].as_i64()).collect();
    assert!(ids.len() >= 4 && ids.contains(&draft_id) && ids.windows(2).all(|w| w[0] > w[1]), "{ids:?}");
    assert_eq!(app.api("GET", uri, Some(&rep), None).await.status, StatusCode::FORBIDDEN);
    // Every write is audited as the token's owner.
    let entries = app
        .state
        .store
        .list_audit(&ldp_core::domain::AuditFilter::default(), ldp_core::domain::Page::first(100))
        .await
        .unwrap();
    let content: Vec<&str> =
        entries.items.iter().filter(|e| e.record_type == "content").map(|e| e.action.as_str()).collect();
    assert_eq!(content, ["restore", "save_publish", "publish", "save_draft"], "newest first");
}
