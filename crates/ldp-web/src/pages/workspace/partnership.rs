//! Proposing a partnership (with the partner chosen from the gazetteer), recording its trail steps, logging
//! activities and uploading documents, all as plain forms.

use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Deserialize;

use ldp_core::domain::partnership::{
    ActivityKind, DocumentKind, PartnershipDetail, PartnershipId, PartnershipKind, RawEvidence, Stage, Theme,
    expected_step,
};
use ldp_core::domain::{City, CityFilter, Municipality, Page, SdgGoal};
use ldp_core::services::documents::MAX_DOCUMENT_BYTES;
use ldp_core::services::partnerships::trail_state;
use ldp_core::services::partnerships::{ActivityInput, NewPartnershipInput};

use super::Me;
use crate::error::AppError;
use crate::pages::forms::{FormState, Saved, in_form, one_or_many, render_private, see_other, shows_in_form};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer, check_csrf};
use crate::state::AppState;

#[derive(askama::Template)]
#[template(path = "ws_partnership_new.html")]
struct NewPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    members: Vec<Municipality>,
    /// The members that can be named as the partner: every member but the viewer's own.
    partner_members: Vec<Municipality>,
    kinds: Vec<PartnershipKind>,
    themes: Vec<Theme>,
    goals: Vec<SdgGoal>,
    q: String,
    cities: Vec<City>,
    /// The cities' country names in the page's language, by ISO code.
    countries: std::collections::HashMap<String, String>,
    searched: bool,
    search_error: Option<String>,
    form: FormState,
}

impl NewPage {
    /// "Münih · Almanya" on Turkish pages, "Munich · Germany" on English ones.
    fn city_label(&self, c: &City) -> String {
        let country = self.countries.get(c.country.as_str()).map(String::as_str).unwrap_or(c.country.as_str());
        format!("{} · {}", c.display_name(self.ctx.lang), country)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    municipality: Option<String>,
    q: Option<String>,
}

/// Every member municipality, in Turkish alphabetical order.
async fn all_members(state: &AppState) -> Result<Vec<Municipality>, ldp_core::store::StoreError> {
    Ok(state.reference.read().await?.all_municipalities().cloned().collect())
}

/// The municipalities the viewer may propose for (their own, or every member for the union's staff), and
/// the members they may name as the partner: every other member, so a representative is never offered their
/// own municipality (which the service would refuse as its own partner).
async fn members(
    state: &AppState,
    viewer: &Viewer,
) -> Result<(Vec<Municipality>, Vec<Municipality>), ldp_core::store::StoreError> {
    let all = all_members(state).await?;
    if viewer.actor.edits_all_content() {
        return Ok((all.clone(), all));
    }
    let own_ids = &viewer.user.municipalities;
    let (own, others): (Vec<Municipality>, Vec<Municipality>) = all.into_iter().partition(|m| own_ids.contains(&m.id));
    Ok((own, others))
}

#[expect(clippy::too_many_arguments, reason = "the page's parts")]
async fn new_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    q: String,
    cities: Vec<City>,
    searched: bool,
    search_error: Option<String>,
    form: FormState,
    status: StatusCode,
) -> Result<Response, PageError> {
    if !viewer.actor.edits_all_content() && viewer.user.municipalities.is_empty() {
        return Err(PageError::new(ctx, AppError::forbidden()));
    }
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let mut countries = std::collections::HashMap::new();
    for c in &cities {
        if let Some(found) = reference.country(&c.country) {
            countries.insert(c.country.as_str().to_owned(), found.name.get(ctx.lang).to_owned());
        }
    }
    let (members, partner_members) = members(state, viewer).await.map_err(ctx.fail())?;
    let page = NewPage {
        title: ctx.t("ws-new-partnership"),
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        members,
        partner_members,
        kinds: PartnershipKind::ALL.to_vec(),
        themes: Theme::ALL.to_vec(),
        goals: reference.goals(),
        q,
        cities,
        countries,
        searched,
        search_error,
        form,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

/// The form; `q` searches the gazetteer for the partner city (by any of its names, in any script it is
/// known by in Latin letters), most populous first.
pub async fn new_form(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(query): Query<NewQuery>,
) -> Result<Response, PageError> {
    let q = query.q.unwrap_or_default();
    // The proposal's date is asked for, filled with today (Istanbul) and editable.
    let today = state.partnerships.default_proposal_date().to_string();
    let mut form = FormState::default().set("kind", "sister_city").set("proposed_on", today);
    if let Some(m) = query.municipality {
        form = form.set("municipality", m);
    }
    let (cities, error) = search(&state, &q).await.map_err(ctx.fail())?;
    let error = error.map(|code| crate::error::field_message(ctx.lang, &code));
    new_page(ctx, &state, &viewer, q.clone(), cities, !q.trim().is_empty(), error, form, StatusCode::OK).await
}

async fn search(state: &AppState, q: &str) -> Result<(Vec<City>, Option<String>), ldp_core::store::StoreError> {
    if q.trim().is_empty() {
        return Ok((Vec::new(), None));
    }
    match CityFilter::parse(Some(q), None) {
        Ok(filter) => Ok((state.store.search_cities(&filter, Page::first(20)).await?.items, None)),
        Err(e) => Ok((Vec::new(), e.fields.into_values().next())),
    }
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct NewForm {
    #[serde(flatten)]
    input: NewPartnershipInput,
    /// The search that found the partner, kept so the list can be shown again.
    q: Option<String>,
    /// Checkbox values (`sdg`, `theme`) arrive one per field.
    #[serde(default, deserialize_with = "one_or_many")]
    sdg: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    theme: Vec<String>,
    foreign: Option<String>,
}

pub async fn create(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<NewForm>,
) -> Result<Response, PageError> {
    let mut input = form.input.clone();
    if !form.sdg.is_empty() {
        input.sdgs = Some(form.sdg.join(","));
    }
    if !form.theme.is_empty() {
        input.themes = Some(form.theme.join(","));
    }
    input.foreign_missions = Some(form.foreign.is_some());
    for v in [&mut input.partner_city, &mut input.partner_municipality] {
        if v.as_deref().is_some_and(|s| s.trim().is_empty()) {
            *v = None;
        }
    }
    match state.partnerships.create(&input, &viewer.actor).await {
        Ok(id) => Ok(see_other(&ctx.href(&format!("/workspace/partnerships/{}?saved=1", id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let q = form.q.clone().unwrap_or_default();
            let (cities, _) = search(&state, &q).await.map_err(ctx.fail())?;
            let state_form = FormState::of(&input).with_error(ctx.lang, &error);
            new_page(ctx, &state, &viewer, q.clone(), cities, !q.is_empty(), None, state_form, error.status).await
        }
    }
}

#[derive(askama::Template)]
#[template(path = "ws_partnership.html")]
struct ShowPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    detail: PartnershipDetail,
    show_actor: bool,
    editable: bool,
    activity_kinds: Vec<ActivityKind>,
    document_kinds: Vec<DocumentKind>,
    goals: Vec<SdgGoal>,
    /// One small form per step that can apply, each with only its own fields.
    step_boxes: Vec<StepBox>,
    /// A step form that named no known step.
    step_error: Option<String>,
    /// The proposal's date, while it can still be corrected.
    proposal_form: Option<FormState>,
    activity_form: FormState,
    document_form: FormState,
    sdg_form: FormState,
    saved: bool,
    max_mib: usize,
}

/// The form of one trail step.
struct StepBox {
    stage: Stage,
    fields: &'static [&'static str],
    form: FormState,
    /// Shown unfolded: the step just submitted, or else the one the trail expects next.
    open: bool,
    expected: bool,
}

/// The evidence fields a step asks for, in the order shown ([`Evidence::parse`] reads the same ones).
fn step_fields(stage: Stage) -> &'static [&'static str] {
    match stage {
        Stage::Proposed => &[],
        Stage::CouncilApproved => &["date", "number"],
        Stage::Permitted => &["date", "reference", "authority"],
        Stage::MfaInformed | Stage::Active => &["date"],
        Stage::Signed => &["date", "place", "signatories"],
        Stage::Terminated => &["date", "number", "reason"],
    }
}

#[derive(Default)]
struct Forms {
    /// The step form submitted, re-shown with its values and messages.
    step: Option<(Stage, FormState)>,
    step_error: Option<String>,
    proposal: Option<FormState>,
    activity: FormState,
    document: FormState,
    /// `None`: the relation's own goals.
    sdgs: Option<FormState>,
}

fn parse_id(ctx: &PageCtx, raw: &str) -> Result<PartnershipId, PageError> {
    raw.parse::<i64>().map(PartnershipId).map_err(|_| PageError::new(ctx.clone(), AppError::not_found()))
}

async fn show_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    id: PartnershipId,
    forms: Forms,
    status: StatusCode,
    saved: bool,
) -> Result<Response, PageError> {
    let mut detail = state.partnerships.get(id).await.map_err(ctx.fail())?;
    detail.partnership.localize(ctx.lang);
    let member = ldp_core::domain::MunicipalityId(detail.partnership.member.id);
    if !viewer.actor.reads_municipality(member) {
        return Err(PageError::new(ctx, AppError::forbidden()));
    }
    let title = format!("{} – {}", ctx.member(&detail.partnership.member), detail.partnership.partner.name);
    let sdg_form = forms.sdgs.unwrap_or_else(|| {
        let goals = detail.partnership.sdgs.iter().map(|g| g.get().to_string()).collect::<Vec<_>>();
        FormState::default().set("sdgs", goals.join(","))
    });
    let editable = viewer.actor.edits_municipality(member);
    let step_boxes = step_boxes(state, &detail, forms.step);
    // Shown while the date can change, and again with the refusal when someone's step came first.
    let proposal_form = match (forms.proposal, &detail.partnership.stage, detail.trail.as_slice()) {
        (Some(refused), _, _) => Some(refused),
        (None, Stage::Proposed, [proposal]) if editable => {
            Some(FormState::default().set("proposed_on", proposal.date.to_string()))
        }
        _ => None,
    };
    let page = ShowPage {
        title,
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        editable,
        detail,
        show_actor: true,
        step_boxes,
        step_error: forms.step_error,
        proposal_form,
        activity_kinds: ActivityKind::ALL.to_vec(),
        document_kinds: DocumentKind::ALL.to_vec(),
        goals: state.reference.read().await.map_err(ctx.fail())?.goals(),
        sdg_form,
        activity_form: forms.activity,
        document_form: forms.document,
        saved,
        max_mib: MAX_DOCUMENT_BYTES / (1024 * 1024),
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

/// The step forms of a relation: none once it has ended; no ministry permission for a partner at home.
fn step_boxes(state: &AppState, detail: &PartnershipDetail, submitted: Option<(Stage, FormState)>) -> Vec<StepBox> {
    if detail.partnership.stage == Stage::Terminated {
        return Vec::new();
    }
    let expected = expected_step(&trail_state(detail));
    let open = submitted.as_ref().map(|(s, _)| *s).or(expected);
    let mut submitted = submitted;
    Stage::ALL
        .iter()
        .copied()
        .filter(|s| *s != Stage::Proposed && (*s != Stage::Permitted || detail.partnership.partner.is_abroad()))
        .map(|stage| {
            let form = match submitted.take_if(|(s, _)| *s == stage) {
                Some((_, form)) => form,
                None if stage == Stage::Permitted => {
                    FormState::default().set("authority", state.partnerships.settings().permission_authority.clone())
                }
                None => FormState::default(),
            };
            StepBox {
                stage,
                fields: step_fields(stage),
                form,
                open: open == Some(stage),
                expected: expected == Some(stage),
            }
        })
        .collect()
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<Saved>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &id)?;
    show_page(ctx, &state, &viewer, id, Forms::default(), StatusCode::OK, q.saved.is_some()).await
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct StepForm {
    stage: Option<String>,
    #[serde(flatten)]
    evidence: RawEvidence,
}

pub async fn record_step(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, raw)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<StepForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &raw)?;
    let stage = match form.stage.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Err(ldp_core::domain::InputError::new("stage", "required")),
        Some(s) => s.parse::<Stage>(),
    };
    let stage = match stage {
        Ok(stage) if stage != Stage::Proposed => stage,
        Ok(_) | Err(_) => {
            let step_error = Some(crate::error::field_message(ctx.lang, "unknown_stage"));
            let forms = Forms { step_error, ..Forms::default() };
            return show_page(ctx, &state, &viewer, id, forms, StatusCode::BAD_REQUEST, false).await;
        }
    };
    match state.partnerships.record(id, stage, &form.evidence, &viewer.actor).await {
        Ok(_) => Ok(see_other(&ctx.href(&format!("/workspace/partnerships/{}?saved=1", id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            // The step's own fields beside them; the order rule (a field this form does not show) above it.
            let step = FormState::of(&form.evidence).with_error_shown(ctx.lang, &error, step_fields(stage));
            let forms = Forms { step: Some((stage, step)), ..Forms::default() };
            show_page(ctx, &state, &viewer, id, forms, error.status, false).await
        }
    }
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct ProposalDateForm {
    proposed_on: Option<String>,
}

/// Corrects the date of a proposal until its council decision is recorded.
pub async fn set_proposal_date(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, raw)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<ProposalDateForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &raw)?;
    match state.partnerships.set_proposal_date(id, form.proposed_on.as_deref(), &viewer.actor).await {
        Ok(()) => Ok(see_other(&ctx.href(&format!("/workspace/partnerships/{}?saved=1", id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let proposal = FormState::of(&form).with_error_shown(ctx.lang, &error, &["proposed_on"]);
            let forms = Forms { proposal: Some(proposal), ..Forms::default() };
            show_page(ctx, &state, &viewer, id, forms, error.status, false).await
        }
    }
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct ActivityForm {
    #[serde(flatten)]
    input: ActivityInput,
    #[serde(default, deserialize_with = "one_or_many")]
    sdg: Vec<String>,
}

pub async fn add_activity(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, raw)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<ActivityForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &raw)?;
    let mut input = form.input.clone();
    if !form.sdg.is_empty() {
        input.sdgs = Some(form.sdg.join(","));
    }
    match state.partnerships.add_activity(id, &input, &viewer.actor).await {
        Ok(_) => Ok(see_other(&ctx.href(&format!("/workspace/partnerships/{}?saved=1", id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let activity = FormState::of(&input).with_error(ctx.lang, &error);
            show_page(ctx, &state, &viewer, id, Forms { activity, ..Forms::default() }, error.status, false).await
        }
    }
}

/// A document upload (`multipart/form-data`): the CSRF token, the document's kind, and the file. Type and size
/// are checked by content in the service; the request as a whole is capped a little above the file limit.
pub async fn upload(
    ctx: PageCtx,
    State(state): State<AppState>,
    headers: HeaderMap,
    SignedIn(viewer): SignedIn,
    Path((_, raw)): Path<(String, String)>,
    multipart: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &raw)?;
    let upload = crate::pages::forms::UploadForm::read(&ctx, multipart, &["csrf", "document_kind"], "file").await?;
    let kind = upload.text.get("document_kind").cloned();
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
            .partnerships
            .attach(state.uploads.as_ref(), id, kind.as_deref(), &filename, bytes, &viewer.actor)
            .await
            .map(|_| ())
            .map_err(AppError::from)
    };
    match result {
        Ok(()) => Ok(see_other(&ctx.href(&format!("/workspace/partnerships/{}?saved=1", id.0)))),
        Err(error) if shows_in_form(&error) => {
            let document =
                FormState::default().set("document_kind", kind.unwrap_or_default()).with_error(ctx.lang, &error);
            show_page(ctx, &state, &viewer, id, Forms { document, ..Forms::default() }, error.status, false).await
        }
        Err(error) => Err(PageError::new(ctx, error)),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct SdgForm {
    #[serde(default, deserialize_with = "one_or_many")]
    sdg: Vec<String>,
}

/// Replaces the relation's goals with the ticked ones (none ticked clears them).
pub async fn set_sdgs(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, raw)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<SdgForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &raw)?;
    let raw_goals = form.sdg.join(",");
    match state.partnerships.set_sdgs(id, Some(&raw_goals), &viewer.actor).await {
        Ok(()) => Ok(see_other(&ctx.href(&format!("/workspace/partnerships/{}?saved=1", id.0)))),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let sdgs = FormState::default().set("sdgs", raw_goals).with_error(ctx.lang, &error);
            show_page(ctx, &state, &viewer, id, Forms { sdgs: Some(sdgs), ..Forms::default() }, error.status, false)
                .await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct PublicationForm {
    published: Option<String>,
}

/// Publishes a proposal before its council decision, or takes it back into the workspace.
pub async fn set_publication(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, raw)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<PublicationForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&ctx, &raw)?;
    let published = match form.published.as_deref().map(str::trim) {
        Some("true" | "1") => true,
        Some("false" | "0") => false,
        _ => return Err(PageError::new(ctx, AppError::bad_request("invalid_body"))),
    };
    state.partnerships.set_published(id, published, &viewer.actor).await.map_err(ctx.fail())?;
    Ok(see_other(&ctx.href(&format!("/workspace/partnerships/{}?saved=1", id.0))))
}
