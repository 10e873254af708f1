//! Editable pages in the workspace (`services/content.rs` decides who may): the list of pages with their state
//! in each language, the editor (save a draft or publish) with the page's revisions, the comparison of two
//! revisions, publishing and restoring a revision, and the missing-translation view.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use ldp_core::domain::Lang;
use ldp_core::domain::content::{ContentPage, ContentState, Revision, RevisionId};
use ldp_core::services::content::{ContentInput, DiffLine, MissingTranslation};

use super::Me;
use crate::error::AppError;
use crate::pages::account::Empty;
use crate::pages::forms::{FormState, in_form, render_private, see_other};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

/// One page in the list: its key, its label and its state in Turkish and English.
pub struct PageRow {
    pub key: String,
    pub label: String,
    pub public_path: String,
    pub tr: Option<ContentState>,
    pub en: Option<ContentState>,
}

#[derive(askama::Template)]
#[template(path = "ws_pages.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    pages: Vec<PageRow>,
    missing: Vec<MissingTranslation>,
    /// Publications and news posts with a title in one language only.
    other_missing: Vec<MissingItem>,
}

/// A publication or news post written in one language only: where to add the other.
struct MissingItem {
    href: String,
    kind: String,
    title: String,
    missing: Lang,
}

/// Whether `text` lacks one language that the other has: the lacking one.
fn lacks(text: &ldp_core::domain::Localized) -> Option<Lang> {
    // Not `get`, which falls back to the other language.
    let has = |lang: Lang| {
        !match lang {
            Lang::Tr => &text.tr,
            Lang::En => &text.en,
        }
        .trim()
        .is_empty()
    };
    Lang::ALL.into_iter().find(|lang| !has(*lang) && has(lang.other()))
}

/// Every publication and news post `actor` may read that has its title in one language only (read a page
/// at a time, as many as there are).
async fn other_missing(
    ctx: &PageCtx,
    state: &AppState,
    actor: &ldp_core::domain::Actor,
) -> Result<Vec<MissingItem>, AppError> {
    use ldp_core::domain::{Page, PublicationFilter};
    let mut out = Vec::new();
    let next = |page: Page| Page::parse(Some(i64::from(page.number()) + 1), Some(i64::from(Page::MAX_SIZE)));
    let mut page = Page::first(Page::MAX_SIZE);
    loop {
        let list = state.publications.list(actor, PublicationFilter::default(), page).await?;
        for p in &list.items {
            if let Some(missing) = lacks(&p.fields.title) {
                out.push(MissingItem {
                    href: format!("{}/{}", ctx.href("/workspace/publications"), p.id.0),
                    kind: ctx.t("publications-title"),
                    title: p.fields.title.get(missing.other()).to_owned(),
                    missing,
                });
            }
        }
        if page.number() >= list.last_page() {
            break;
        }
        page = next(page).map_err(AppError::invalid)?;
    }
    let mut page = Page::first(Page::MAX_SIZE);
    loop {
        let list = state.news.list(actor, page).await?;
        for p in &list.items {
            if let Some(missing) = lacks(&p.fields.title) {
                out.push(MissingItem {
                    href: format!("{}/{}", ctx.href("/workspace/news"), p.id.0),
                    kind: ctx.t("news-title"),
                    title: p.fields.title.get(missing.other()).to_owned(),
                    missing,
                });
            }
        }
        if page.number() >= list.last_page() {
            break;
        }
        page = next(page).map_err(AppError::invalid)?;
    }
    Ok(out)
}

/// A page's name in the workspace's language.
fn label(ctx: &PageCtx, page: &ContentPage) -> String {
    match page {
        ContentPage::LocalDiplomacy => ctx.t("diplomacy-title"),
        ContentPage::About => ctx.t("about-title"),
        ContentPage::Network(slug) => format!("{} — {}", ctx.t("content-network-summary"), slug.to_uppercase()),
    }
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let states = state.content.states(&viewer.actor).await.map_err(ctx.fail())?;
    let missing = state.content.missing_translations(&viewer.actor).await.map_err(ctx.fail())?;
    let other_missing = other_missing(&ctx, &state, &viewer.actor).await.map_err(ctx.fail())?;
    let networks = state.reference.read().await.map_err(ctx.fail())?.networks().to_vec();
    let mut pages: Vec<ContentPage> = ContentPage::FIXED.to_vec();
    pages.extend(networks.iter().map(|n| ContentPage::Network(n.slug.clone())));
    let find = |page: &ContentPage, lang: Lang| states.iter().find(|s| &s.page == page && s.lang == lang).cloned();
    let rows = pages
        .iter()
        .map(|page| PageRow {
            key: page.key(),
            label: match page {
                ContentPage::Network(slug) => networks.iter().find(|n| &n.slug == slug).map_or_else(
                    || label(&ctx, page),
                    |n| format!("{} — {}", n.acronym, ctx.t("content-network-summary")),
                ),
                _ => label(&ctx, page),
            },
            public_path: page.public_path(),
            tr: find(page, Lang::Tr),
            en: find(page, Lang::En),
        })
        .collect();
    let page = ListPage {
        title: ctx.t("ws-pages"),
        me: Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?,
        pages: rows,
        missing,
        other_missing,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, StatusCode::OK)
}

/// A revision in the editor's table, with `published`, `draft` (newer than the published one) or `older`.
pub struct RevisionRow {
    pub r: Revision,
    pub status: &'static str,
}

impl RevisionRow {
    pub fn is(&self, status: &str) -> bool {
        self.status == status
    }
}

#[derive(askama::Template)]
#[template(path = "ws_page_edit.html")]
struct EditPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    key: String,
    lang: Lang,
    public_path: String,
    editable: bool,
    /// Revisions in this language, newest first, each with `published`, `draft` (newer than the published
    /// one) or `older`.
    revisions: Vec<RevisionRow>,
    published: Option<RevisionId>,
    form: FormState,
    saved: bool,
}

/// The editor's form: the text and which button was pressed.
#[derive(Debug, Deserialize, Serialize)]
pub struct EditorForm {
    pub title: Option<String>,
    pub body: Option<String>,
    /// `publish` to publish the save at once; anything else keeps it a draft.
    pub action: Option<String>,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    saved: Option<String>,
}

fn parse_lang(ctx: &PageCtx, raw: &str) -> Result<Lang, PageError> {
    match raw {
        "tr" | "en" => Lang::parse(raw).ok_or_else(|| PageError::new(ctx.clone(), AppError::not_found())),
        _ => Err(PageError::new(ctx.clone(), AppError::not_found())),
    }
}

async fn edit_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    key: &str,
    lang: Lang,
    refused: Option<(FormState, StatusCode)>,
    saved: bool,
) -> Result<Response, PageError> {
    let (form, status) = match refused {
        Some((form, status)) => (Some(form), status),
        None => (None, StatusCode::OK),
    };
    let page = state.content.page(key).await.map_err(ctx.fail())?;
    let all = state.content.revisions(&viewer.actor, &page).await.map_err(ctx.fail())?;
    let revisions: Vec<Revision> = all.into_iter().filter(|r| r.lang == lang).collect();
    let published = state
        .content
        .states(&viewer.actor)
        .await
        .map_err(ctx.fail())?
        .into_iter()
        .find(|s| s.page == page && s.lang == lang)
        .and_then(|s| s.published);
    // The editor starts from the newest revision: a waiting draft, else what is published.
    let form = form.unwrap_or_else(|| match revisions.first() {
        Some(r) => FormState::default().set("title", r.title.clone()).set("body", r.body.clone()),
        None => FormState::default(),
    });
    let label = label(&ctx, &page);
    let revisions = revisions
        .into_iter()
        .map(|r| {
            let status = match published {
                Some(p) if p == r.id => "published",
                Some(p) if p > r.id => "older",
                _ => "draft",
            };
            RevisionRow { r, status }
        })
        .collect();
    let view = EditPage {
        title: format!("{label} ({})", lang.code().to_uppercase()),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        key: page.key(),
        lang,
        public_path: page.public_path(),
        editable: state.content.may_edit(&viewer.actor),
        revisions,
        published,
        form,
        saved,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &view, status)
}

pub async fn edit(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, key, lang)): Path<(String, String, String)>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let lang = parse_lang(&ctx, &lang)?;
    edit_page(ctx, &state, &viewer, &key, lang, None, q.saved.is_some()).await
}

fn editor_href(ctx: &PageCtx, key: &str, lang: Lang) -> String {
    ctx.href(&format!("/workspace/pages/{key}/{}", lang.code()))
}

pub async fn save(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, key, lang)): Path<(String, String, String)>,
    CsrfForm { form, .. }: CsrfForm<EditorForm>,
) -> Result<Response, PageError> {
    let lang = parse_lang(&ctx, &lang)?;
    let page = state.content.page(&key).await.map_err(ctx.fail())?;
    let input = ContentInput { title: form.title.clone(), body: form.body.clone() };
    let publish = form.action.as_deref() == Some("publish");
    match state.content.save(&viewer.actor, &page, lang, &input, publish).await {
        Ok(_) => Ok(see_other(&format!("{}?saved=1", editor_href(&ctx, &key, lang)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&input).with_error(ctx.lang, &error);
            edit_page(ctx, &state, &viewer, &key, lang, Some((f, error.status)), false).await
        }
    }
}

fn parse_revision(ctx: &PageCtx, raw: &str) -> Result<RevisionId, PageError> {
    ctx.path_id(raw).map(RevisionId)
}

pub async fn publish(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { .. }: CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let id = parse_revision(&ctx, &id)?;
    let revision = state.content.publish(&viewer.actor, id).await.map_err(ctx.fail())?;
    Ok(see_other(&format!("{}?saved=1", editor_href(&ctx, &revision.page.key(), revision.lang))))
}

pub async fn restore(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { .. }: CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let id = parse_revision(&ctx, &id)?;
    state.content.restore(&viewer.actor, id).await.map_err(ctx.fail())?;
    let old = state.content.revision(&viewer.actor, id).await.map_err(ctx.fail())?;
    Ok(see_other(&format!("{}?saved=1", editor_href(&ctx, &old.page.key(), old.lang))))
}

#[derive(askama::Template)]
#[template(path = "ws_page_diff.html")]
struct DiffPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    from: Revision,
    to: Revision,
    lines: Vec<DiffLine>,
    editor: String,
}

#[derive(Deserialize)]
pub struct DiffQuery {
    from: Option<String>,
    to: Option<String>,
}

pub async fn diff(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<DiffQuery>,
) -> Result<Response, PageError> {
    let from = parse_revision(&ctx, q.from.as_deref().unwrap_or(""))?;
    let to = parse_revision(&ctx, q.to.as_deref().unwrap_or(""))?;
    let lines = state.content.diff(&viewer.actor, from, to).await.map_err(ctx.fail())?;
    let from = state.content.revision(&viewer.actor, from).await.map_err(ctx.fail())?;
    let to = state.content.revision(&viewer.actor, to).await.map_err(ctx.fail())?;
    let page = DiffPage {
        title: format!("{} #{} → #{}", ctx.t("content-compare"), from.id.0, to.id.0),
        me: Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?,
        editor: editor_href(&ctx, &to.page.key(), to.lang),
        from,
        to,
        lines,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, StatusCode::OK)
}
