//! The project portfolio in the workspace (issue 16): the list (staff and auditors see all, a representative
//! the projects their municipalities take part in), a new project, and one project's page with its edit form
//! (partners and outputs as parallel row lists, errors beside `partners[i].…` and `outputs[i].…`) and, for
//! staff, publication. `services/projects/portfolio.rs` decides who may see and change what.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use ldp_core::domain::SdgGoal;
use ldp_core::domain::funding::ApplicantType;
use ldp_core::domain::projects::{
    ApplicationPartner, DocumentOwner, FundingDocument, OutputKind, PartnerRole, Project, ProjectId, ProjectInput,
    ProjectOutputInput, ProjectPartnerInput,
};

use super::Me;
use super::applications::Choice;
use crate::error::AppError;
use crate::pages::forms::{FormState, in_form, render_private, row_cell, row_count, see_other};
use crate::pages::projects::{Names, ProjectLine};
use crate::pages::{PageCtx, PageError};
use crate::session::{CsrfForm, SignedIn, Viewer};
use crate::state::AppState;

/// Blank rows offered below the filled ones (the form needs no JavaScript).
const BLANK_ROWS: usize = 2;

/// The project form as a browser sends it: partners and outputs as parallel lists, one entry per row; goals
/// as ticked boxes; targets, relations and events as comma-separated text.
#[derive(Debug, Default, Deserialize)]
pub struct ProjectForm {
    acronym: Option<String>,
    title_tr: Option<String>,
    title_en: Option<String>,
    summary_tr: Option<String>,
    summary_en: Option<String>,
    programme: Option<String>,
    funder: Option<String>,
    lead: Option<String>,
    budget: Option<String>,
    grant: Option<String>,
    currency: Option<String>,
    start: Option<String>,
    end: Option<String>,
    #[serde(default)]
    sdgs: Vec<String>,
    targets: Option<String>,
    relations: Option<String>,
    events: Option<String>,
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
    #[serde(default)]
    partner_role: Vec<String>,
    #[serde(default)]
    output_kind: Vec<String>,
    #[serde(default)]
    output_indicator: Vec<String>,
    #[serde(default)]
    output_target: Vec<String>,
    #[serde(default)]
    output_achieved: Vec<String>,
}

fn split(raw: &Option<String>) -> Vec<String> {
    raw.as_deref()
        .unwrap_or("")
        .split([',', ';', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

impl ProjectForm {
    /// The service's input; rows left wholly empty (or only with a default role or kind) are none.
    fn input(&self) -> ProjectInput {
        let partners = (0..row_count(&[
            &self.partner_kind,
            &self.partner_municipality,
            &self.partner_name,
            &self.partner_country,
            &self.partner_type,
        ]))
            .map(|i| ProjectPartnerInput {
                kind: row_cell(&self.partner_kind, i),
                municipality: row_cell(&self.partner_municipality, i),
                name: row_cell(&self.partner_name, i),
                country: row_cell(&self.partner_country, i),
                org_type: row_cell(&self.partner_type, i),
                role: row_cell(&self.partner_role, i),
            })
            .filter(|p| ProjectPartnerInput { role: None, ..p.clone() } != ProjectPartnerInput::default())
            .collect();
        let outputs = (0..row_count(&[&self.output_indicator, &self.output_target, &self.output_achieved]))
            .map(|i| ProjectOutputInput {
                kind: row_cell(&self.output_kind, i),
                indicator: row_cell(&self.output_indicator, i),
                target: row_cell(&self.output_target, i),
                achieved: row_cell(&self.output_achieved, i),
            })
            .filter(|o| ProjectOutputInput { kind: None, ..o.clone() } != ProjectOutputInput::default())
            .collect();
        ProjectInput {
            acronym: self.acronym.clone(),
            title_tr: self.title_tr.clone(),
            title_en: self.title_en.clone(),
            summary_tr: self.summary_tr.clone(),
            summary_en: self.summary_en.clone(),
            programme: self.programme.clone(),
            funder: self.funder.clone(),
            lead: self.lead.clone(),
            partners,
            budget: self.budget.clone(),
            grant: self.grant.clone(),
            currency: self.currency.clone(),
            start: self.start.clone(),
            end: self.end.clone(),
            sdgs: self.sdgs.clone(),
            targets: split(&self.targets),
            outputs,
            relations: split(&self.relations),
            events: split(&self.events),
        }
    }
}

/// The form filled with `input`: row `i`'s fields under `partners[i].…` and `outputs[i].…`, lists joined.
fn form_of(input: &ProjectInput) -> FormState {
    let plain = ProjectInput { partners: Vec::new(), outputs: Vec::new(), ..input.clone() };
    let mut form = FormState::of(&plain);
    for key in ["partners", "outputs", "sdgs", "targets", "relations", "events"] {
        form.values.remove(key);
    }
    form = form
        .set("sdgs", input.sdgs.join(","))
        .set("targets", input.targets.join(", "))
        .set("relations", input.relations.join(", "))
        .set("events", input.events.join(", "));
    for (i, p) in input.partners.iter().enumerate() {
        let fields = [
            ("kind", &p.kind),
            ("municipality", &p.municipality),
            ("name", &p.name),
            ("country", &p.country),
            ("type", &p.org_type),
            ("role", &p.role),
        ];
        form = form.with_row("partners", i, &fields);
    }
    for (i, o) in input.outputs.iter().enumerate() {
        let fields = [("kind", &o.kind), ("indicator", &o.indicator), ("target", &o.target), ("achieved", &o.achieved)];
        form = form.with_row("outputs", i, &fields);
    }
    form
}

/// A form with `error`: a bad entry of a list typed as text (`targets[1]`) is shown beside that text field.
fn with_error(form: FormState, ctx: &PageCtx, error: &AppError) -> FormState {
    let mut form = form.with_error(ctx.lang, error);
    for list in ["targets", "relations", "events"] {
        let prefix = format!("{list}[");
        let found: Vec<String> = form.errors.keys().filter(|k| k.starts_with(&prefix)).cloned().collect();
        if let Some(first) = found.first() {
            let message = form.errors[first].clone();
            form.errors.insert(list.to_owned(), message);
        }
    }
    form
}

/// What a stored project reads back as, so its edit form starts filled.
fn input_of(p: &Project, names: &Names) -> ProjectInput {
    let slug = |id| names.municipality(id).map(|m| m.slug.clone());
    let f = &p.fields;
    let text = |d: &Option<ldp_core::domain::projects::Amount>| d.as_ref().map(|a| a.amount.to_string());
    ProjectInput {
        acronym: Some(f.acronym.clone()),
        title_tr: Some(f.title.tr.clone()),
        title_en: Some(f.title.en.clone()),
        summary_tr: Some(f.summary.tr.clone()),
        summary_en: Some(f.summary.en.clone()),
        programme: f.programme.and_then(|id| names.programmes.iter().find(|x| x.id == id)).map(|x| x.slug.clone()),
        funder: f.funder.and_then(|id| names.funders.iter().find(|x| x.id == id)).map(|x| x.slug.clone()),
        lead: slug(f.lead),
        partners: f
            .partners
            .iter()
            .map(|p| {
                let role = Some(p.role.as_str().to_owned());
                match &p.partner {
                    ApplicationPartner::Member { municipality } => ProjectPartnerInput {
                        kind: Some("member".into()),
                        municipality: slug(*municipality),
                        role,
                        ..Default::default()
                    },
                    ApplicationPartner::Foreign { name, country, org_type } => ProjectPartnerInput {
                        kind: Some("foreign".into()),
                        name: Some(name.clone()),
                        country: Some(country.clone()),
                        org_type: Some(org_type.as_str().into()),
                        role,
                        ..Default::default()
                    },
                }
            })
            .collect(),
        budget: text(&f.budget),
        grant: text(&f.grant),
        currency: f.budget.as_ref().or(f.grant.as_ref()).map(|a| a.currency.clone()),
        start: f.start.map(|d| d.to_string()),
        end: f.end.map(|d| d.to_string()),
        sdgs: f.sdgs.iter().map(|g| g.get().to_string()).collect(),
        targets: f.targets.clone(),
        outputs: f
            .outputs
            .iter()
            .map(|o| ProjectOutputInput {
                kind: Some(o.kind.as_str().into()),
                indicator: Some(o.indicator.clone()),
                target: Some(o.target.to_string()),
                achieved: o.achieved.map(|a| a.to_string()),
            })
            .collect(),
        relations: f.relations.iter().map(|r| r.to_string()).collect(),
        events: f.events.iter().map(|r| r.to_string()).collect(),
    }
}

#[derive(askama::Template)]
#[template(path = "ws_projects.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    projects: Vec<ProjectLine>,
    may_create: bool,
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    let projects = state.projects.workspace_projects(&viewer.actor).await.map_err(ctx.fail())?;
    let names = Names::load(&ctx, &state).await?;
    let today = state.clock.today();
    let page = ListPage {
        title: ctx.t("ws-projects"),
        me: Me::of(&viewer, &state.reference).await.map_err(ctx.fail())?,
        projects: projects.into_iter().map(|p| names.line(&ctx, today, p)).collect(),
        may_create: state.projects.may_apply(&viewer.actor),
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, StatusCode::OK)
}

#[derive(askama::Template)]
#[template(path = "ws_project.html")]
struct RecordPage {
    ctx: PageCtx,
    title: String,
    me: Me,
    action: String,
    item: Option<ProjectLine>,
    editable: bool,
    publishes: bool,
    form: FormState,
    publish_form: FormState,
    partner_rows: Vec<usize>,
    output_rows: Vec<usize>,
    leads: Vec<Choice>,
    members: Vec<Choice>,
    programmes: Vec<Choice>,
    funders: Vec<Choice>,
    goals: Vec<SdgGoal>,
    types: &'static [ApplicantType],
    roles: [PartnerRole; 3],
    /// The project's documents, and the upload form's state.
    documents: Vec<FundingDocument>,
    document_form: FormState,
    saved: bool,
}

impl RecordPage {
    fn partner(&self, i: &usize, field: &str) -> String {
        format!("partners[{i}].{field}")
    }

    fn output(&self, i: &usize, field: &str) -> String {
        format!("outputs[{i}].{field}")
    }

    fn kinds(&self) -> [OutputKind; 2] {
        [OutputKind::Output, OutputKind::Result]
    }
}

#[derive(Default)]
pub(super) struct Forms {
    form: Option<FormState>,
    publish: Option<FormState>,
    /// The document upload's state (its error beside the file field).
    document: Option<FormState>,
    saved: bool,
}

impl Forms {
    /// The page again with the upload form's error beside its file field.
    pub(super) fn document(state: FormState) -> Forms {
        Forms { document: Some(state), ..Forms::default() }
    }
}

fn rows(form: &FormState, list: &str) -> Vec<usize> {
    let filled = (0..).take_while(|i| form.values.keys().any(|k| k.starts_with(&format!("{list}[{i}]")))).count();
    (0..filled + BLANK_ROWS).collect()
}

pub(super) async fn record_page(
    ctx: PageCtx,
    state: &AppState,
    viewer: &Viewer,
    id: Option<ProjectId>,
    forms: Forms,
    status: StatusCode,
) -> Result<Response, PageError> {
    let actor = &viewer.actor;
    let project = match id {
        Some(id) => {
            let p = state.projects.project(actor, id).await.map_err(ctx.fail())?;
            // The workspace page is for those who take part or oversee; a visitor has the public page.
            if !actor.is_signed_in()
                || (!actor.reads_everything() && !p.fields.members().iter().any(|m| actor.reads_municipality(*m)))
            {
                return Err(PageError::new(ctx, AppError::not_found()));
            }
            Some(p)
        }
        None if state.projects.may_apply(actor) => None,
        None => return Err(PageError::new(ctx, AppError::forbidden())),
    };
    let names = Names::load(&ctx, state).await?;
    let editable = project.as_ref().is_none_or(|p| state.projects.may_edit_project(actor, p));
    let form = match (forms.form, &project) {
        (Some(f), _) => f,
        (None, Some(p)) => form_of(&input_of(p, &names)),
        (None, None) => {
            let mut f = FormState::default().set("currency", "EUR");
            if !actor.reads_everything()
                && let Some(m) = viewer.user.municipalities.first().and_then(|id| names.municipality(*id))
            {
                f = f.set("lead", m.slug.clone());
            }
            f
        }
    };
    let members: Vec<Choice> = names
        .reference
        .all_municipalities()
        .map(|m| Choice { value: m.slug.clone(), label: ctx.official(m) })
        .collect();
    let leads = names
        .reference
        .all_municipalities()
        .filter(|m| actor.edits_municipality(m.id))
        .map(|m| Choice { value: m.slug.clone(), label: ctx.official(m) })
        .collect();
    let programmes =
        names.programmes.iter().map(|p| Choice { value: p.slug.clone(), label: ctx.pick(&p.name) }).collect();
    let funders = names.funders.iter().map(|f| Choice { value: f.slug.clone(), label: ctx.pick(&f.name) }).collect();
    let documents = match id {
        Some(id) => state.projects.documents(actor, DocumentOwner::Project(id)).await.map_err(ctx.fail())?,
        None => Vec::new(),
    };
    let today = state.clock.today();
    let page = RecordPage {
        title: match &project {
            Some(p) => format!("{} · {}", p.fields.acronym, ctx.pick(&p.fields.title)),
            None => ctx.t("ws-project-new"),
        },
        me: Me::of(viewer, &state.reference).await.map_err(ctx.fail())?,
        action: ctx.href(&match id {
            Some(id) => format!("/workspace/projects/{}", id.0),
            None => "/workspace/projects/new".to_owned(),
        }),
        publishes: project.is_some() && state.projects.may_publish_projects(actor),
        item: project.map(|p| names.line(&ctx, today, p)),
        editable,
        partner_rows: rows(&form, "partners"),
        output_rows: rows(&form, "outputs"),
        form,
        publish_form: forms.publish.unwrap_or_default(),
        leads,
        members,
        programmes,
        funders,
        goals: names.reference.goals(),
        types: ApplicantType::ALL,
        roles: PartnerRole::ALL,
        documents,
        document_form: forms.document.unwrap_or_default(),
        saved: forms.saved,
        ctx: ctx.clone(),
    };
    render_private(&ctx, &page, status)
}

pub async fn new_form(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
) -> Result<Response, PageError> {
    record_page(ctx, &state, &viewer, None, Forms::default(), StatusCode::OK).await
}

pub(super) fn saved(ctx: &PageCtx, id: ProjectId, anchor: &str) -> Response {
    see_other(&ctx.href(&format!("/workspace/projects/{}?saved=1#{anchor}", id.0)))
}

pub async fn create(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    CsrfForm { form, .. }: CsrfForm<ProjectForm>,
) -> Result<Response, PageError> {
    let input = form.input();
    match state.projects.create_project(&viewer.actor, &input).await {
        Ok(p) => Ok(saved(&ctx, p.id, "facts-title")),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let forms = Forms { form: Some(with_error(form_of(&input), &ctx, &error)), ..Forms::default() };
            record_page(ctx, &state, &viewer, None, forms, error.status).await
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    saved: Option<String>,
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    Query(q): Query<ShowQuery>,
) -> Result<Response, PageError> {
    let id = ProjectId(ctx.path_id(&id)?);
    let forms = Forms { saved: q.saved.is_some(), ..Forms::default() };
    record_page(ctx, &state, &viewer, Some(id), forms, StatusCode::OK).await
}

pub async fn update(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<ProjectForm>,
) -> Result<Response, PageError> {
    let id = ProjectId(ctx.path_id(&id)?);
    let input = form.input();
    match state.projects.update_project(&viewer.actor, id, &input).await {
        Ok(_) => Ok(saved(&ctx, id, "edit-title")),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let forms = Forms { form: Some(with_error(form_of(&input), &ctx, &error)), ..Forms::default() };
            record_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
    }
}

#[derive(Debug, Default, Deserialize, serde::Serialize)]
pub struct PublishForm {
    /// `1` to publish, `0` to take back.
    published: Option<String>,
}

pub async fn publish(
    ctx: PageCtx,
    State(state): State<AppState>,
    SignedIn(viewer): SignedIn,
    Path((_, id)): Path<(String, String)>,
    CsrfForm { form, .. }: CsrfForm<PublishForm>,
) -> Result<Response, PageError> {
    let id = ProjectId(ctx.path_id(&id)?);
    let published = form.published.as_deref() == Some("1");
    match state.projects.set_project_published(&viewer.actor, id, published).await {
        Ok(_) => Ok(saved(&ctx, id, "publish-title")),
        Err(e) => {
            let error = in_form(&ctx, e)?;
            let forms = Forms { publish: Some(FormState::of(&form).with_error(ctx.lang, &error)), ..Forms::default() };
            record_page(ctx, &state, &viewer, Some(id), forms, error.status).await
        }
    }
}
