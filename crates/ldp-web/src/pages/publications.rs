//! Publications on the public site: the filtered list, one page per publication with its schema.org
//! description (`Report` for reports, `CreativeWork` otherwise) and its files, the streamed downloads, and
//! the "related publications" block other pages show.

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

use ldp_core::domain::event::EventTopic;
use ldp_core::domain::{
    Actor, Lang, Municipality, Network, Paged, Publication, PublicationFile, PublicationFileId, PublicationFilter,
    PublicationId, PublicationKind, SdgGoal,
};
use ldp_core::services::publications::RELATED_SHOWN;

use super::pagination::Pagination;
use super::{PageCtx, PageError, parse_page, render, status_for};
use crate::api::publications::PublicationQuery;
use crate::error::{AppError, field_message};
use crate::pages::forms::FormState;
use crate::state::AppState;

/// The "related publications" block of a network, municipality, event or relation page.
pub struct RelatedPublications {
    pub items: Vec<Publication>,
    /// All that relate, when more than the block shows.
    pub total: u64,
    /// The filtered list with every one of them, when the list can filter by this record.
    pub all_href: Option<String>,
}

impl RelatedPublications {
    /// The published publications `filter` relates to, in one store query; `all_href` links the full list
    /// when there are more than the block shows.
    pub async fn read(
        state: &AppState,
        filter: PublicationFilter,
        all_href: Option<String>,
    ) -> Result<RelatedPublications, AppError> {
        let found = state.publications.related(filter).await?;
        let more = found.total > u64::from(RELATED_SHOWN);
        Ok(RelatedPublications { total: found.total, items: found.items, all_href: all_href.filter(|_| more) })
    }
}

/// The filter form's choices and what was asked.
pub struct PublicationFilterForm {
    pub form: FormState,
    pub kinds: &'static [PublicationKind],
    pub topics: &'static [EventTopic],
    pub goals: Vec<SdgGoal>,
    pub members: Vec<Municipality>,
    pub networks: Vec<Network>,
}

impl PublicationFilterForm {
    /// `path` with the current filters (without the page).
    pub fn with_query(&self, path: &str) -> String {
        let pairs: Vec<(&str, &str)> = ["kind", "topic", "sdg", "network", "municipality", "year"]
            .into_iter()
            .map(|f| (f, self.form.value(f).trim()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let qs = serde_urlencoded::to_string(pairs).unwrap_or_default();
        if qs.is_empty() { path.to_owned() } else { format!("{path}?{qs}") }
    }
}

#[derive(askama::Template)]
#[template(path = "publications.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    filters: PublicationFilterForm,
    result: Option<Paged<Publication>>,
    pagination: Option<Pagination>,
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<PublicationQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Ok(Query(query)) = query else { return Err(ctx.fail()(AppError::bad_request("invalid_query"))) };
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let mut form = FormState::of(&query);
    let filter = query.filter(&state).await;
    let page = parse_page(query.page.as_deref());
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    for e in [filter.as_ref().err(), page.as_ref().err()].into_iter().flatten() {
        errors.extend(e.fields.iter().map(|(f, c)| (f.clone(), field_message(ctx.lang, c))));
    }
    form.errors = errors;
    let filters = PublicationFilterForm {
        form,
        kinds: PublicationKind::ALL,
        topics: EventTopic::ALL,
        goals: reference.goals(),
        members: reference.all_municipalities().cloned().collect(),
        networks: reference.networks().to_vec(),
    };
    let (result, pagination) = match (filter, page) {
        (Ok(filter), Ok(page)) => {
            let result = state.publications.list(&Actor::visitor(None), filter, page).await.map_err(ctx.fail())?;
            if result.is_past_end() && page.number() > 1 {
                return Err(ctx.fail()(AppError::not_found()));
            }
            let base = filters.with_query(&ctx.href("/publications"));
            let sep = if base.contains('?') { '&' } else { '?' };
            let pagination =
                Pagination::new(&result, |n| if n == 1 { base.clone() } else { format!("{base}{sep}page={n}") });
            (Some(result), Some(pagination))
        }
        _ => (None, None),
    };
    let status = status_for(!filters.form.errors.is_empty());
    let page = ListPage { title: ctx.t("publications-title"), filters, result, pagination, ctx };
    render(&page.ctx, &page, status)
}

/// A related event or relation as the page links it.
pub struct RelatedLink {
    pub href: String,
    pub label: String,
}

#[derive(askama::Template)]
#[template(path = "publication.html")]
struct ShowPage {
    ctx: PageCtx,
    title: String,
    publication: Publication,
    files: Vec<PublicationFile>,
    networks: Vec<Network>,
    municipalities: Vec<Municipality>,
    goals: Vec<SdgGoal>,
    events: Vec<RelatedLink>,
    partnerships: Vec<RelatedLink>,
    /// Whether the page's language lacks the title, shown then in the other language.
    untranslated: bool,
    /// schema.org `Report` or `CreativeWork` as JSON, safe inside a `<script>` element.
    json_ld: String,
}

impl ShowPage {
    fn file_href(&self, file: &PublicationFile) -> String {
        format!("/files/publications/{}/{}", self.publication.id, file.id)
    }

    fn size(&self, file: &PublicationFile) -> String {
        let kb = (file.size + 1023) / 1024;
        if kb >= 1024 { format!("{:.1} MB", kb as f64 / 1024.0) } else { format!("{kb} KB") }
    }

    /// The document's language in the page's words when the platform speaks it, its ISO code otherwise.
    fn language(&self) -> String {
        match self.publication.fields.language.lang() {
            Some(l) => self.ctx.t(&format!("event-language-{}", l.code())),
            None => self.publication.fields.language.as_str().to_owned(),
        }
    }
}

/// The schema.org description of a publication, as JSON that cannot close its `<script>` element.
fn json_ld(
    ctx: &PageCtx,
    state: &AppState,
    p: &Publication,
    files: &[PublicationFile],
    url: &str,
    union: &str,
) -> String {
    let f = &p.fields;
    let kind = if f.kind == PublicationKind::Report { "Report" } else { "CreativeWork" };
    let mut doc = serde_json::json!({
        "@context": "https://schema.org",
        "@type": kind,
        "name": f.title.get(ctx.lang),
        "url": url,
        "datePublished": f.published_on.to_string(),
        "inLanguage": f.language.as_str(),
        "genre": ctx.t(&format!("publication-kind-{}", f.kind.as_str())),
        "publisher": { "@type": "Organization", "name": union },
    });
    let description = f.summary.get(ctx.lang);
    if !description.is_empty() {
        doc["description"] = serde_json::json!(description);
    }
    // Names as written: an author may be a person or a body, which the form does not ask.
    if !f.authors.is_empty() {
        doc["author"] = serde_json::json!(f.authors);
    }
    if !files.is_empty() {
        doc["encoding"] = serde_json::json!(
            files
                .iter()
                .map(|file| serde_json::json!({
                    "@type": "MediaObject",
                    "contentUrl": format!("{}/files/publications/{}/{}", state.origin, p.id, file.id),
                    "encodingFormat": file.content_type,
                    "contentSize": format!("{} B", file.size),
                    "name": file.filename,
                }))
                .collect::<Vec<_>>()
        );
    }
    // `<` written as its escape keeps `</script>` (and `<!--`) out of the element; JSON reads it the same.
    doc.to_string().replace('<', "\\u003c").replace('>', "\\u003e").replace('&', "\\u0026")
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = PublicationId(ctx.path_id(&id)?);
    let visitor = Actor::visitor(None);
    let detail = state.publications.get(&visitor, id).await.map_err(ctx.fail())?;
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let f = &detail.publication.fields;
    let networks: Vec<Network> = reference.networks().iter().filter(|n| f.networks.contains(&n.id)).cloned().collect();
    let municipalities = reference.municipalities_by_id(&f.municipalities);
    let goals: Vec<SdgGoal> = reference.goals().into_iter().filter(|g| f.sdgs.contains(&g.number.get())).collect();
    // A publication names a handful of events and relations at most (the form allows 30 of each); only the
    // public ones are linked.
    let mut events = Vec::new();
    for e in &f.events {
        if let Ok(event) = state.events.get(&visitor, *e).await {
            events.push(RelatedLink {
                href: ctx.href(&format!("/events/{}", e.0)),
                label: event.fields.title.get(ctx.lang).to_owned(),
            });
        }
    }
    let mut partnerships = Vec::new();
    for r in &f.partnerships {
        if let Ok(d) = state.partnerships.get_public(ldp_core::domain::partnership::PartnershipId(*r)).await {
            partnerships.push(RelatedLink {
                href: ctx.href(&format!("/partnerships/{r}")),
                label: format!(
                    "{} – {}",
                    ctx.member(&d.partnership.member),
                    d.partnership.partner.display_name(ctx.lang)
                ),
            });
        }
    }
    let untranslated = match ctx.lang {
        Lang::Tr => f.title.tr.is_empty(),
        Lang::En => f.title.en.is_empty(),
    };
    let url = format!("{}{}", state.origin, ctx.href(&format!("/publications/{}", id.0)));
    let json_ld = json_ld(&ctx, &state, &detail.publication, &detail.files, &url, &ctx.union_name());
    let page = ShowPage {
        title: f.title.get(ctx.lang).to_owned(),
        networks,
        municipalities,
        goals,
        events,
        partnerships,
        untranslated,
        json_ld,
        files: detail.files,
        publication: detail.publication,
        ctx,
    };
    render(&page.ctx, &page, StatusCode::OK)
}

/// `/files/publications/{id}/{file}`: a publication's file, streamed as an attachment. A draft's files are
/// for signed-in staff, admins and auditors only.
pub async fn file(
    State(state): State<AppState>,
    viewer: Option<crate::session::Viewer>,
    Path((id, file)): Path<(String, String)>,
) -> Response {
    let (Ok(id), Ok(file)) = (id.parse::<i64>(), file.parse::<i64>()) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let actor = viewer.map_or_else(|| Actor::visitor(None), |v| v.actor);
    let found = match state.publications.file(&actor, PublicationId(id), PublicationFileId(file)).await {
        Ok(f) => f,
        Err(ldp_core::services::ServiceError::NotFound) => return StatusCode::NOT_FOUND.into_response(),
        Err(e) => return crate::error::ApiError(e.into()).into_response(),
    };
    let attachment = super::download::Disposition::Attachment { filename: &found.filename };
    super::download::stream(&state, &found.storage_key, found.size, &found.content_type, attachment).await
}

/// `GET /{lang}/publications/feed.atom`: the published publications, newest publication date first, at most
/// [`MAX_ENTRIES`](crate::pages::discovery::atom::MAX_ENTRIES).
pub async fn feed(ctx: PageCtx, State(state): State<AppState>) -> Result<Response, PageError> {
    use crate::pages::discovery::atom::{AtomFeed, FeedEntry, MAX_ENTRIES};
    let page = ldp_core::domain::Page::first(MAX_ENTRIES as u32);
    let actor = ldp_core::domain::Actor::visitor(None);
    let list = state.publications.list(&actor, PublicationFilter::default(), page).await.map_err(ctx.fail())?;
    let entries: Vec<FeedEntry> = list
        .items
        .iter()
        .map(|p| {
            let url = ctx.absolute(&ctx.href(&format!("/publications/{}", p.id.0)));
            let kind = ctx.t(&format!("publication-kind-{}", p.fields.kind.as_str()));
            let mut summary = vec![kind];
            if !p.fields.authors.is_empty() {
                summary.push(p.fields.authors.join(", "));
            }
            let text = p.fields.summary.get(ctx.lang).trim();
            if !text.is_empty() {
                summary.push(text.to_owned());
            }
            FeedEntry {
                id: url.clone(),
                title: p.fields.title.get(ctx.lang).to_owned(),
                summary: summary.join(" · "),
                link: url,
                updated: p.updated_at,
                published: Some(p.created_at),
            }
        })
        .collect();
    Ok(AtomFeed::new(&ctx, "/publications", ctx.t("publications-title"))
        .entries(entries)
        .into_response(state.clock.now()))
}
