//! Applications for funding in the workspace (issue 16): the list (staff see all, a representative their own
//! municipalities'), filtered by stage and call; a new application, started from a call or blank; and one
//! application's page with its facts, the call's deadlines, the stage move and its dated history, and the
//! edit form. `services/projects.rs` decides who may see and change what and checks every field.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use ldp_core::domain::Page;
use ldp_core::domain::funding::{ApplicantType, Call, CallFilter, CallId};
use ldp_core::domain::projects::{
    Application, ApplicationId, ApplicationPartner, ApplicationStage, DocumentOwner, FundingDocument,
};
use ldp_core::reference::snapshot::ReferenceSnapshot;
use ldp_core::services::projects::{ApplicationFilter, ApplicationInput, ApplicationView, MoveInput, PartnerInput};

use super::Me;
use crate::error::AppError;
use crate::pages::forms::{FormState, in_form, render_private, row_cell, row_count, see_other};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

/// Blank partner rows offered below the filled ones (the form needs no JavaScript).
const BLANK_PARTNER_ROWS: usize = 2;

/// A choice of a select: its value and its label.
pub struct Choice {
    pub value: String,
    pub label: String,
}

/// An application as a list or page shows it: names resolved in the page's language.
pub struct ApplicationLine {
    pub application: Application,
    pub municipality: String,
    pub call: Option<String>,
}

/// A partner as a page shows it.
pub struct PartnerLine {
    pub member: bool,
    pub name: String,
    pub country: String,
    pub org_type: Option<ApplicantType>,
}

/// The application form as a browser sends it: partners as parallel lists, one entry per row.
#[derive(Debug, Default, Deserialize)]
pub struct ApplicationForm {
    municipality: Option<String>,
    call: Option<String>,
    title: Option<String>,
    requested: Option<String>,
    currency: Option<String>,
    responsible: Option<String>,
    notes: Option<String>,
    #[serde(default)]
    partner_kind: Vec<String>,
    #[serde(default)]
    partner_municipality: Vec<String>,
    #[serde(default)]
    partner_name: Vec<String>,
    #[serde(default)]
    partner_country: Vec<String>,
    #[serde(default)]
    partner_type: Vec<String>,
}

impl ApplicationForm {
    /// The service's input; rows left wholly empty are no partner.
    fn input(&self) -> ApplicationInput {
        let rows = row_count(&[
            &self.partner_kind,
            &self.partner_municipality,
            &self.partner_name,
            &self.partner_country,
            &self.partner_type,
        ]);
        let partners = (0..rows)
            .map(|i| PartnerInput {
                kind: row_cell(&self.partner_kind, i),
                municipality: row_cell(&self.partner_municipality, i),
                name: row_cell(&self.partner_name, i),
                country: row_cell(&self.partner_country, i),
                org_type: row_cell(&self.partner_type, i),
            })
            .filter(|p| p != &PartnerInput::default())
            .collect();
        ApplicationInput {
            municipality: self.municipality.clone(),
            call: self.call.clone(),
            title: self.title.clone(),
            partners,
            requested: self.requested.clone(),
            currency: self.currency.clone(),
            responsible: self.responsible.clone(),
            notes: self.notes.clone(),
        }
    }
}

/// The form filled with `input`: partner `i`'s fields under `partners[i].…`, as the service names its errors.
fn form_of(input: &ApplicationInput) -> FormState {
    let mut form = FormState::of(&ApplicationInput { partners: Vec::new(), ..input.clone() });
    form.values.remove("partners");
    for (i, p) in input.partners.iter().enumerate() {
        let fields = [
            ("kind", &p.kind),
            ("municipality", &p.municipality),
            ("name", &p.name),
            ("country", &p.country),
            ("type", &p.org_type),
        ];
        form = form.with_row("partners", i, &fields);
    }
    form
}

/// What the service reads back from a stored application, so its edit form starts filled.
fn input_of(a: &Application, reference: &ReferenceSnapshot) -> ApplicationInput {
    let slug = |id| reference.municipality(id).map(|m| m.slug.clone());
    ApplicationInput {
        municipality: slug(a.fields.municipality),
        call: a.fields.call.map(|c| c.0.to_string()),
        title: Some(a.fields.title.clone()),
        partners: a
            .fields
            .partners
            .iter()
            .map(|p| match p {
                ApplicationPartner::Member { municipality } => PartnerInput {
                    kind: Some("member".into()),
                    municipality: slug(*municipality),
                    ..PartnerInput::default()
                },
                ApplicationPartner::Foreign { name, country, org_type } => PartnerInput {
                    kind: Some("foreign".into()),
                    name: Some(name.clone()),
                    country: Some(country.clone()),
                    org_type: Some(org_type.as_str().into()),
                    ..PartnerInput::default()
                },
            })
            .collect(),
        requested: a.fields.requested.as_ref().map(|r| r.amount.to_string()),
        currency: a.fields.requested.as_ref().map(|r| r.currency.clone()),
        responsible: Some(a.fields.responsible.clone()),
        notes: Some(a.fields.notes.clone()),
    }
}

fn call_label(ctx: &PageCtx, c: &Call) -> String {
    format!("{} · {}", c.fields.identifier, c.fields.title.get(ctx.lang))
}

fn municipality_name(ctx: &PageCtx, reference: &ReferenceSnapshot, id: ldp_core::domain::MunicipalityId) -> String {
    reference.municipality(id).map(|m| ctx.official(m)).unwrap_or_default()
}

/// Resolves names for `items`: the municipality's, and the call's (when `actor` may see it).
async fn lines(
    ctx: &PageCtx,
    state: &AppState,
    actor: &ldp_core::domain::Actor,
    items: Vec<Application>,
) -> Result<Vec<ApplicationLine>, PageError> {
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let mut calls: Vec<(CallId, String)> = Vec::new();
    let mut out = Vec::with_capacity(items.len());
    for application in items {
        let call = match application.fields.call {
            None => None,
            Some(id) => match calls.iter().find(|(c, _)| *c == id) {
                Some((_, label)) => Some(label.clone()),
                None => {
                    let label = state.funding.get(actor, id).await.ok().map(|v| call_label(ctx, &v.call));
                    calls.push((id, label.clone().unwrap_or_default()));
                    label
                }
            },
        };
        out.push(ApplicationLine {
            municipality: municipality_name(ctx, &reference, application.fields.municipality),
            call,
            application,
        });
    }
    Ok(out)
}

#[derive(askama::Template)]
#[template(path = "ws_applications.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    applications: Vec<ApplicationLine>,
    stages: [ApplicationStage; 7],
    /// The calls the viewer's applications are for, to filter by.
    calls: Vec<Choice>,
    filter: FormState,
    may_apply: bool,
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct ListQuery {
    stage: Option<String>,
    call: Option<String>,
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let actor = &viewer.actor;
    let mut form = FormState::of(&q);
    let (filter, status) = match ApplicationFilter::parse(q.stage.as_deref(), q.call.as_deref()) {
        Ok(f) => (f, StatusCode::OK),
        Err(e) => {
            let error = AppError::from(ldp_core::services::ServiceError::Invalid(e));
            form = form.with_error(ctx.lang, &error);
            (ApplicationFilter::default(), StatusCode::BAD_REQUEST)
        }
    };
    let every = state.projects.applications(actor, &ApplicationFilter::default()).await.map_err(ctx.fail())?;
    let mut calls: Vec<Choice> = Vec::new();
    let shown: Vec<Application> = every.iter().filter(|a| filter.admits(a)).cloned().collect();
    for line in lines(&ctx, &state, actor, every).await? {
        if let (Some(id), Some(label)) = (line.application.fields.call, line.call)
            && !calls.iter().any(|c| c.value == id.0.to_string())
        {
            calls.push(Choice { value: id.0.to_string(), label });
        }
    }
    let page = ListPage {
        title: ctx.t("ws-applications"),
        me: Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?,
        applications: lines(&ctx, &state, actor, shown).await?,
        stages: ApplicationStage::ALL,
        calls,
        filter: form,
        may_apply: state.projects.may_apply(actor),
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

#[derive(askama::Template)]
#[template(path = "ws_application.html")]
struct RecordPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    action: String,
    /// The stored application with its moves (none while it is being started).
    view: Option<ApplicationView>,
    line: Option<ApplicationLine>,
    partners: Vec<PartnerLine>,
    /// The call the application is for, with its deadlines.
    call: Option<Call>,
    editable: bool,
    form: FormState,
    /// Partner rows of the form: the filled ones and a few blank.
    rows: Vec<usize>,
    stage_form: FormState,
    /// The application's documents, and the upload form's state.
    documents: Vec<FundingDocument>,
    document_form: FormState,
    municipalities: Vec<Choice>,
    members: Vec<Choice>,
    calls: Vec<Choice>,
    types: &'static [ApplicantType],
    saved: bool,
}

impl RecordPage {
    fn row(&self, i: &usize, field: &str) -> String {
        format!("partners[{i}].{field}")
    }

    fn next_stages(&self) -> &'static [ApplicationStage] {
        self.view.as_ref().map(|v| v.application.stage.next()).unwrap_or(&[])
    }
}

/// The choices of the form: municipalities the viewer may apply for, every member as a partner, and the
/// published calls (the latest hundred and the one chosen).
async fn choices(
    ctx: &PageCtx,
    state: &AppState,
    viewer: &Viewer,
    chosen: Option<CallId>,
) -> Result<(Vec<Choice>, Vec<Choice>, Vec<Choice>), PageError> {
    let actor = &viewer.actor;
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let members: Vec<Choice> =
        reference.all_municipalities().map(|m| Choice { value: m.slug.clone(), label: ctx.official(m) }).collect();
    let municipalities = reference
        .all_municipalities()
        .filter(|m| actor.edits_municipality(m.id))
        .map(|m| Choice { value: m.slug.clone(), label: ctx.official(m) })
        .collect();
    let published =
        state.funding.list(actor, &CallFilter::default(), Page::first(Page::MAX_SIZE)).await.map_err(ctx.fail())?;
    let mut calls: Vec<Choice> =
        published.items.iter().map(|c| Choice { value: c.id.0.to_string(), label: call_label(ctx, c) }).collect();
    if let Some(id) = chosen
        && !published.items.iter().any(|c| c.id == id)
        && let Ok(v) = state.funding.get(actor, id).await
    {
        calls.insert(0, Choice { value: id.0.to_string(), label: call_label(ctx, &v.call) });
    }
    Ok((municipalities, members, calls))
}

fn partner_lines(ctx: &PageCtx, reference: &ReferenceSnapshot, a: &Application) -> Vec<PartnerLine> {
    a.fields
        .partners
        .iter()
        .map(|p| match p {
            ApplicationPartner::Member { municipality } => PartnerLine {
                member: true,
                name: municipality_name(ctx, reference, *municipality),
                country: reference
                    .country(&ldp_core::domain::CountryCode::parse("TR").expect("TR is a country code"))
                    .map(|c| ctx.pick(&c.name))
                    .unwrap_or_default(),
                org_type: None,
            },
            ApplicationPartner::Foreign { name, country, org_type } => PartnerLine {
                member: false,
                name: name.clone(),
                country: ldp_core::domain::CountryCode::parse(country)
                    .ok()
                    .and_then(|c| reference.country(&c).map(|c| ctx.pick(&c.name)))
                    .unwrap_or_else(|| country.clone()),
                org_type: Some(*org_type),
            },
        })
        .collect()
}

#[derive(Default)]
pub(super) struct Forms {
    form: Option<FormState>,
    stage: Option<FormState>,
    /// The document upload's state (its error beside the file field).
    document: Option<FormState>,
    saved: bool,
    /// The call a new application starts from.
    call: Option<CallId>,
}

impl Forms {
    /// The page again with the upload form's error beside its file field.
    pub(super) fn document(state: FormState) -> Forms {
        Forms { document: Some(state), ..Forms::default() }
    }
}

pub(super) async fn record_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    id: Option<ApplicationId>,
    forms: Forms,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = &viewer.actor;
    let view = match id {
        Some(id) => Some(state.projects.get(actor, id).await.map_err(ctx.fail())?),
        None if state.projects.may_apply(actor) => None,
        None => return Err(PageError::new(ctx, AppError::forbidden())),
    };
    let reference = state.reference.read().await.map_err(ctx.fail())?;
    let (line, partners, editable) = match &view {
        Some(v) => {
            let line = lines(&ctx, state, actor, vec![v.application.clone()]).await?.pop();
            (line, partner_lines(&ctx, &reference, &v.application), state.projects.may_edit(actor, &v.application))
        }
        None => (None, Vec::new(), true),
    };
    let documents = match &view {
        Some(v) => {
            state.projects.documents(actor, DocumentOwner::Application(v.application.id)).await.map_err(ctx.fail())?
        }
        None => Vec::new(),
    };
    let call_id = view.as_ref().and_then(|v| v.application.fields.call).or(forms.call);
    let call = match call_id {
        Some(id) => state.funding.get(actor, id).await.ok().map(|v| v.call),
        None => None,
    };
    let form = match (forms.form, &view) {
        (Some(f), _) => f,
        (None, Some(v)) => form_of(&input_of(&v.application, &reference)),
        (None, None) => {
            let mut f = FormState::default().set("currency", "EUR");
            if let Some(c) = &call {
                f = f.set("call", c.id.0.to_string()).set("title", c.fields.title.get(ctx.lang));
            }
            if let Some(slug) = viewer_municipality(viewer, &reference) {
                f = f.set("municipality", slug);
            }
            f
        }
    };
    let filled = (0..).take_while(|i| form.values.keys().any(|k| k.starts_with(&format!("partners[{i}]")))).count();
    let (municipalities, members, calls) = choices(&ctx, state, viewer, call_id).await?;
    let today = state.clock.today().to_string();
    let page = RecordPage {
        title: match &view {
            Some(v) => v.application.fields.title.clone(),
            None => ctx.t("ws-application-new"),
        },
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        action: ctx.href(&match id {
            Some(id) => format!("/workspace/applications/{}", id.0),
            None => "/workspace/applications/new".to_owned(),
        }),
        view,
        line,
        partners,
        call,
        editable,
        form,
        rows: (0..filled + BLANK_PARTNER_ROWS).collect(),
        stage_form: forms.stage.unwrap_or_else(|| FormState::default().set("on", today)),
        documents,
        document_form: forms.document.unwrap_or_default(),
        municipalities,
        members,
        calls,
        types: ApplicantType::ALL,
        saved: forms.saved,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

/// A representative's first municipality (the usual applicant), by slug.
fn viewer_municipality(viewer: &Viewer, reference: &ReferenceSnapshot) -> Option<String> {
    if viewer.actor.reads_everything() {
        return None;
    }
    viewer.user.municipalities.first().and_then(|id| reference.municipality(*id)).map(|m| m.slug.clone())
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    call: Option<String>,
}

pub async fn new_form(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Query(q): Query<NewQuery>,
) -> Result<Response, PageError> {
    let call = q.call.as_deref().and_then(|c| c.trim().parse::<i64>().ok()).map(CallId);
    let forms = Forms { call, ..Forms::default() };
    record_page(ctx, &state, &viewer, None, forms, StatusCode::OK).await
}

pub async fn create(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<ApplicationForm>,
) -> Result<Response, PageError> {
    let input = form.input();
    match state.projects.create(&viewer.actor, &input).await {
        Ok(v) => Ok(saved(&ctx, v.application.id, "details-title")),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let call = input.call.as_deref().and_then(|c| c.trim().parse::<i64>().ok()).map(CallId);
            let forms = Forms { form: Some(form_of(&input).with_error(ctx.lang, &error)), call, ..Forms::default() };
            record_page(ctx, &state, &viewer, None, forms, error.status).await
        }
    }
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<crate::pages::forms::Saved>,
) -> Result<Response, PageError> {
    let id = ApplicationId(ctx.path_id(&id)?);
    let forms = Forms { saved: q.saved.is_some(), ..Forms::default() };
    record_page(ctx, &state, &viewer, Some(id), forms, StatusCode::OK).await
}

pub(super) fn saved(ctx: &PageCtx, id: ApplicationId, anchor: &str) -> Response {
    see_other(&ctx.href(&format!("/workspace/applications/{}?saved=1#{anchor}", id.0)))
}

pub async fn update(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<ApplicationForm>,
) -> Result<Response, PageError> {
    let id = ApplicationId(ctx.path_id(&id)?);
    let input = form.input();
    match state.projects.update(&viewer.actor, id, &input).await {
        Ok(_) => Ok(saved(&ctx, id, "edit-title")),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let forms = Forms { form: Some(form_of(&input).with_error(ctx.lang, &error)), ..Forms::default() };
            record_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
    }
}

pub async fn move_stage(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<MoveInput>,
) -> Result<Response, PageError> {
    let id = ApplicationId(ctx.path_id(&id)?);
    match state.projects.move_stage(&viewer.actor, id, &form).await {
        Ok(_) => Ok(saved(&ctx, id, "stage-title")),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let forms = Forms { stage: Some(FormState::of(&form).with_error(ctx.lang, &error)), ..Forms::default() };
            record_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
    }
}
