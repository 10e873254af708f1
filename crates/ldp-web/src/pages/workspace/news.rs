//! News in the workspace: staff and auditors see every post (drafts and scheduled ones too); staff and
//! admins create, edit, publish or schedule posts and upload their image. `services/news.rs` decides who may
//! do what; errors are shown beside their fields.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use ldp_core::domain::{NewsId, NewsPost, Page, Paged};
use ldp_core::services::news::{MAX_IMAGE_BYTES, NewsInput, local_text};

use super::Me;
use crate::error::AppError;
use crate::pages::forms::{FormState, in_form, render_private, see_other, shows_in_form};
use crate::pages::news::image_href;
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer, check_csrf};
use crate::state::AppState;

/// The fields of the post form; the image's alt text is in the image form, so a missing alt text (a post
/// given a second language) is said above the post form.
const POST_FIELDS: [&str; 12] = [
    "title_tr",
    "title_en",
    "summary_tr",
    "summary_en",
    "body_tr",
    "body_en",
    "status",
    "publish_at",
    "municipalities",
    "networks",
    "events",
    "partnerships",
];

#[derive(askama::Template)]
#[template(path = "ws_news.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    posts: Paged<NewsPost>,
    writes: bool,
    now: time::OffsetDateTime,
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    if !viewer.actor.reads_everything() {
        return Err(PageError::new(ctx, AppError::forbidden()));
    }
    let posts = state.news.list(&viewer.actor, Page::first(Page::MAX_SIZE)).await.map_err(ctx.fail())?;
    let page = ListPage {
        title: ctx.t("ws-news"),
        me: Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?,
        posts,
        writes: viewer.actor.edits_all_content(),
        now: state.news.now(),
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, StatusCode::OK)
}

#[derive(askama::Template)]
#[template(path = "ws_news_edit.html")]
struct EditPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    action: String,
    post: Option<NewsPost>,
    /// The post's state now (`draft`, `scheduled`, `published`).
    state: Option<&'static str>,
    editable: bool,
    form: FormState,
    image_form: FormState,
    /// The current image's address and alt text.
    image: Option<(String, String)>,
    max_mib: usize,
    saved: bool,
}

/// A post's fields as the form shows them (Istanbul time, lists comma-separated).
fn values(post: &NewsPost, slugs: (Vec<String>, Vec<String>)) -> FormState {
    let f = &post.fields;
    let input = NewsInput {
        title_tr: Some(f.title.tr.clone()),
        title_en: Some(f.title.en.clone()),
        summary_tr: Some(f.summary.tr.clone()),
        summary_en: Some(f.summary.en.clone()),
        body_tr: Some(f.body.tr.clone()),
        body_en: Some(f.body.en.clone()),
        status: Some(post.status.as_str().to_owned()),
        publish_at: Some(local_text(f.publish_at)),
        networks: Some(slugs.0.join(", ")),
        municipalities: Some(slugs.1.join(", ")),
        events: Some(f.events.iter().map(|e| e.0.to_string()).collect::<Vec<_>>().join(", ")),
        partnerships: Some(f.partnerships.iter().map(i64::to_string).collect::<Vec<_>>().join(", ")),
        image_alt_tr: None,
        image_alt_en: None,
    };
    FormState::of(&input)
}

struct Forms {
    post: Option<FormState>,
    image: Option<FormState>,
    saved: bool,
}

async fn edit_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    id: Option<NewsId>,
    forms: Forms,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = &viewer.actor;
    let post = match id {
        Some(id) => Some(state.news.get(actor, id).await.map_err(ctx.fail())?),
        None if actor.edits_all_content() => None,
        None => return Err(PageError::new(ctx, AppError::forbidden())),
    };
    if !actor.reads_everything() {
        return Err(PageError::new(ctx, AppError::forbidden()));
    }
    let form = match (forms.post, &post) {
        (Some(form), _) => form,
        (None, Some(p)) => {
            let reference = state.reference.read().await.map_err(ctx.fail())?;
            let networks = reference
                .networks()
                .iter()
                .filter(|n| p.fields.networks.contains(&n.id))
                .map(|n| n.slug.clone())
                .collect();
            let municipalities =
                reference.municipalities_by_id(&p.fields.municipalities).into_iter().map(|m| m.slug).collect();
            values(p, (networks, municipalities))
        }
        (None, None) => FormState::default().set("status", "draft").set("publish_at", local_text(state.news.now())),
    };
    let image_form = forms.image.unwrap_or_else(|| match &post {
        Some(p) => {
            FormState::default().set("image_alt_tr", &p.fields.image_alt.tr).set("image_alt_en", &p.fields.image_alt.en)
        }
        None => FormState::default(),
    });
    let image = post.as_ref().and_then(|p| image_href(p).map(|src| (src, p.fields.image_alt.get(ctx.lang).to_owned())));
    let page = EditPage {
        title: match &post {
            Some(p) => p.fields.title.get(ctx.lang).to_owned(),
            None => ctx.t("ws-news-new"),
        },
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        action: ctx.href(&match id {
            Some(id) => format!("/workspace/news/{}", id.0),
            None => "/workspace/news/new".to_owned(),
        }),
        state: post.as_ref().map(|p| p.state(state.news.now()).as_str()),
        editable: actor.edits_all_content(),
        form,
        image_form,
        image,
        max_mib: MAX_IMAGE_BYTES / (1024 * 1024),
        saved: forms.saved,
        post,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

pub async fn new_form(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    edit_page(ctx, &state, &viewer, None, Forms { post: None, image: None, saved: false }, StatusCode::OK).await
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<crate::pages::forms::Saved>,
) -> Result<Response, PageError> {
    let id = NewsId(ctx.path_id(&id)?);
    let forms = Forms { post: None, image: None, saved: q.saved.is_some() };
    edit_page(ctx, &state, &viewer, Some(id), forms, StatusCode::OK).await
}

pub async fn create(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<NewsInput>,
) -> Result<Response, PageError> {
    match state.news.create(&viewer.actor, &form).await {
        Ok(p) => Ok(see_other(&ctx.href(&format!("/workspace/news/{}?saved=1", p.id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&form).with_error_shown(ctx.lang, &error, &POST_FIELDS);
            edit_page(ctx, &state, &viewer, None, Forms { post: Some(f), image: None, saved: false }, error.status)
                .await
        }
    }
}

pub async fn update(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<NewsInput>,
) -> Result<Response, PageError> {
    let id = NewsId(ctx.path_id(&id)?);
    match state.news.update(&viewer.actor, id, &form).await {
        Ok(p) => Ok(see_other(&ctx.href(&format!("/workspace/news/{}?saved=1", p.id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let f = FormState::of(&form).with_error_shown(ctx.lang, &error, &POST_FIELDS);
            let forms = Forms { post: Some(f), image: None, saved: false };
            edit_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
    }
}

/// An image upload (`multipart/form-data`): the CSRF token, the alt text per language and the file. Type and
/// size are checked by content in the service; the request as a whole is capped a little above the limit.
pub async fn upload(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedIn(viewer): SignedIn,
    Path((_, raw)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let id = NewsId(ctx.path_id(&raw)?);
    let upload =
        crate::pages::forms::UploadForm::read(&ctx, multipart, &["csrf", "image_alt_tr", "image_alt_en"], "image")
            .await?;
    let (alt_tr, alt_en) = (upload.text.get("image_alt_tr").cloned(), upload.text.get("image_alt_en").cloned());
    // A body cut off at the size limit may have lost the token too; answering it with the form and its
    // message changes nothing, so only a complete upload needs the token checked.
    if !upload.too_large {
        check_csrf(&headers, Some(&viewer), &upload.text("csrf"), &state.csrf_key)
            .map_err(|e| PageError::new(ctx.clone(), e))?;
    }
    let result = if upload.too_large {
        Err(AppError::invalid(ldp_core::domain::InputError::new("image", "image_too_large")))
    } else {
        state
            .news
            .attach_image(
                state.uploads.as_ref(),
                &viewer.actor,
                id,
                upload.file.map(|(_, bytes)| bytes).unwrap_or_default(),
                (alt_tr.clone(), alt_en.clone()),
            )
            .await
            .map(|_| ())
            .map_err(AppError::from)
    };
    match result {
        Ok(()) => Ok(see_other(&ctx.href(&format!("/workspace/news/{}?saved=1", id.0)))),
        Err(error) if shows_in_form(&error) => {
            let image = FormState::default()
                .set("image_alt_tr", alt_tr.unwrap_or_default())
                .set("image_alt_en", alt_en.unwrap_or_default())
                .with_error(ctx.lang, &error);
            let forms = Forms { post: None, image: Some(image), saved: false };
            edit_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
        Err(error) => Err(PageError::new(ctx, error)),
    }
}

/// Takes the image (and its alt text) off a post.
pub async fn remove_image(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { .. }: CsrfForm<crate::pages::account::Empty>,
) -> Result<Response, PageError> {
    let id = NewsId(ctx.path_id(&id)?);
    state.news.remove_image(&viewer.actor, id).await.map_err(ctx.fail())?;
    Ok(see_other(&ctx.href(&format!("/workspace/news/{}?saved=1", id.0))))
}
