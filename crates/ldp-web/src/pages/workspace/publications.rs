//! Publications in the workspace: staff and admins list, create, edit, publish and unpublish them and
//! upload or remove their files; auditors read. `services/publications.rs` decides who may do what.

use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use ldp_core::domain::event::EventTopic;
use ldp_core::domain::{
    Network, Page, Paged, Publication, PublicationFile, PublicationFileId, PublicationFilter, PublicationId,
    PublicationInput, PublicationKind, PublicationStatus, SdgGoal,
};
use ldp_core::services::publications::{self, PublicationDetail};

use super::Me;
use crate::error::AppError;
use crate::pages::forms::{FormState, in_form, one_or_many, render_private, see_other, shows_in_form};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer, check_csrf};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "ws_publications.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    publications: Paged<Publication>,
    staff: bool,
}

/// Staff, admins and auditors: every publication, drafts too, newest first.
pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    if !viewer.actor.reads_everything() {
        return Err(PageError::new(ctx, AppError::forbidden()));
    }
    let publications = state
        .publications
        .list(&viewer.actor, PublicationFilter::default(), Page::first(Page::MAX_SIZE))
        .await
        .map_err(ctx.fail())?;
    let page = ListPage {
        title: ctx.t("ws-publications"),
        me: Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?,
        publications,
        staff: publications::edits(&viewer.actor),
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, StatusCode::OK)
}

#[derive(askama::Template)]
#[template(path = "ws_publication.html")]
struct EditPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    action: String,
    publication: Option<Publication>,
    files: Vec<PublicationFile>,
    staff: bool,
    form: FormState,
    /// The file form's error, or the state buttons' refusal.
    file_form: FormState,
    kinds: &'static [PublicationKind],
    topics: &'static [EventTopic],
    goals: Vec<SdgGoal>,
    networks: Vec<Network>,
    saved: bool,
}

impl EditPage {
    fn other_status(&self) -> Option<&'static str> {
        self.publication.as_ref().map(|p| match p.status {
            PublicationStatus::Draft => PublicationStatus::Published.as_str(),
            PublicationStatus::Published => PublicationStatus::Draft.as_str(),
        })
    }
}

/// A publication's fields as the form shows them (lists comma-separated, authors one a line).
fn values(p: &Publication, networks: &[Network], members: &[ldp_core::domain::Municipality]) -> FormState {
    let f = &p.fields;
    let join = |items: Vec<String>| items.join(",");
    let input = PublicationInput {
        kind: Some(f.kind.as_str().into()),
        title_tr: Some(f.title.tr.clone()),
        title_en: Some(f.title.en.clone()),
        summary_tr: Some(f.summary.tr.clone()),
        summary_en: Some(f.summary.en.clone()),
        authors: Some(f.authors.join("\n")),
        published_on: Some(f.published_on.to_string()),
        language: Some(f.language.as_str().into()),
        topics: Some(join(f.topics.iter().map(|t| t.as_str().to_owned()).collect())),
        sdgs: Some(join(f.sdgs.iter().map(u8::to_string).collect())),
        networks: Some(join(networks.iter().filter(|n| f.networks.contains(&n.id)).map(|n| n.slug.clone()).collect())),
        municipalities: Some(join(members.iter().map(|m| m.slug.clone()).collect())),
        events: Some(join(f.events.iter().map(|e| e.0.to_string()).collect())),
        partnerships: Some(join(f.partnerships.iter().map(i64::to_string).collect())),
    };
    FormState::of(&input)
}

struct Forms {
    publication: Option<FormState>,
    file: FormState,
    saved: bool,
}

async fn edit_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    id: Option<PublicationId>,
    forms: Forms,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = &viewer.actor;
    let detail: Option<PublicationDetail> = match id {
        Some(id) => Some(state.publications.get(actor, id).await.map_err(ctx.fail())?),
        None => None,
    };
    if (detail.is_none() && !publications::edits(actor)) || !actor.reads_everything() {
        return Err(PageError::new(ctx, AppError::forbidden()));
    }
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let networks = reference.networks().to_vec();
    let form = forms.publication.unwrap_or_else(|| match &detail {
        Some(d) => {
            let members = reference.municipalities_by_id(&d.publication.fields.municipalities);
            values(&d.publication, &networks, &members)
        }
        None => FormState::default().set("language", ctx.lang.code()),
    });
    let title = match &detail {
        Some(d) => d.publication.fields.title.get(ctx.lang).to_owned(),
        None => ctx.t("ws-publication-new"),
    };
    let (publication, files) = match detail {
        Some(d) => (Some(d.publication), d.files),
        None => (None, Vec::new()),
    };
    let page = EditPage {
        title,
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        action: ctx.href(&match id {
            Some(id) => format!("/workspace/publications/{}", id.0),
            None => "/workspace/publications/new".to_owned(),
        }),
        publication,
        files,
        staff: publications::edits(actor),
        form,
        file_form: forms.file,
        kinds: PublicationKind::ALL,
        topics: EventTopic::ALL,
        goals: reference.goals(),
        networks,
        saved: forms.saved,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

/// The publication form: checkbox groups arrive one field per ticked box.
#[derive(Debug, Default, Deserialize, Serialize)]
pub struct PublicationForm {
    #[serde(flatten)]
    input: PublicationInput,
    #[serde(default, deserialize_with = "one_or_many")]
    topic: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    sdg: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    network: Vec<String>,
}

impl PublicationForm {
    fn input(&self) -> PublicationInput {
        let mut input = self.input.clone();
        input.topics = Some(self.topic.join(","));
        input.sdgs = Some(self.sdg.join(","));
        input.networks = Some(self.network.join(","));
        input
    }
}

pub async fn new_form(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let forms = Forms { publication: None, file: FormState::default(), saved: false };
    edit_page(ctx, &state, &viewer, None, forms, StatusCode::OK).await
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<crate::pages::forms::Saved>,
) -> Result<Response, PageError> {
    let id = PublicationId(ctx.path_id(&id)?);
    let forms = Forms { publication: None, file: FormState::default(), saved: q.saved.is_some() };
    edit_page(ctx, &state, &viewer, Some(id), forms, StatusCode::OK).await
}

fn saved(ctx: &PageCtx, id: PublicationId) -> Response {
    see_other(&ctx.href(&format!("/workspace/publications/{}?saved=1", id.0)))
}

pub async fn create(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<PublicationForm>,
) -> Result<Response, PageError> {
    let input = form.input();
    match state.publications.create(&viewer.actor, &input).await {
        Ok(p) => Ok(saved(&ctx, p.id)),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&input).with_error(ctx.lang, &error);
            let forms = Forms { publication: Some(f), file: FormState::default(), saved: false };
            edit_page(ctx, &state, &viewer, None, forms, error.status).await
        }
    }
}

pub async fn update(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<PublicationForm>,
) -> Result<Response, PageError> {
    let id = PublicationId(ctx.path_id(&id)?);
    let input = form.input();
    match state.publications.update(&viewer.actor, id, &input).await {
        Ok(p) => Ok(saved(&ctx, p.id)),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&input).with_error(ctx.lang, &error);
            let forms = Forms { publication: Some(f), file: FormState::default(), saved: false };
            edit_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct StatusForm {
    status: Option<String>,
}

pub async fn set_status(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<StatusForm>,
) -> Result<Response, PageError> {
    let id = PublicationId(ctx.path_id(&id)?);
    let Some(status) = form.status.as_deref().and_then(PublicationStatus::parse) else {
        return Err(PageError::new(ctx, AppError::bad_request("invalid_parameters")));
    };
    match state.publications.set_status(&viewer.actor, id, status).await {
        Ok(_) => Ok(saved(&ctx, id)),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let forms =
                Forms { publication: None, file: FormState::default().with_error(ctx.lang, &error), saved: false };
            edit_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
    }
}

/// A file upload (`multipart/form-data`): the CSRF token and the file. Type and size are checked by content
/// in the service; the request as a whole is capped a little above the file limit.
pub async fn upload(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedIn(viewer): SignedIn,
    Path((_, raw)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let id = PublicationId(ctx.path_id(&raw)?);
    let upload = crate::pages::forms::UploadForm::read(&ctx, multipart, &["csrf"], "file").await?;
    // A body cut off at the size limit may have lost the token too; answering it with the form and its
    // message changes nothing, so only a complete upload needs the token checked.
    if !upload.too_large {
        check_csrf(&headers, Some(&viewer), &upload.text("csrf"), &state.csrf_key)
            .map_err(|e| PageError::new(ctx.clone(), e))?;
    }
    let result = if upload.too_large {
        Err(AppError::invalid(ldp_core::domain::InputError::new("file", "file_too_large")))
    } else {
        let (filename, bytes) = upload.file.unwrap_or_default();
        state
            .publications
            .attach(state.uploads.as_ref(), &viewer.actor, id, &filename, bytes)
            .await
            .map(|_| ())
            .map_err(AppError::from)
    };
    match result {
        Ok(()) => Ok(saved(&ctx, id)),
        Err(error) if shows_in_form(&error) => {
            let forms =
                Forms { publication: None, file: FormState::default().with_error(ctx.lang, &error), saved: false };
            edit_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
        Err(error) => Err(PageError::new(ctx, error)),
    }
}

pub async fn remove_file(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id, file)): Path<(String, String, String)>,
    CsrfForm { .. }: CsrfForm<crate::pages::account::Empty>,
) -> Result<Response, PageError> {
    let id = PublicationId(ctx.path_id(&id)?);
    let file = PublicationFileId(ctx.path_id(&file)?);
    state.publications.remove_file(&viewer.actor, id, file).await.map_err(ctx.fail())?;
    Ok(saved(&ctx, id))
}
