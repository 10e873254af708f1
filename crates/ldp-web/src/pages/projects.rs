//! The public project portfolio (issue 16): `/{lang}/projects` (published projects filtered by municipality,
//! province, programme, funder, SDG and starting year, with the summaries of what is shown) and
//! `/{lang}/projects/{id}` (a published project's facts, partners, outputs and results, related relations and
//! events). The workspace's pages (`workspace/projects.rs`) and the exports (`project_exports.rs`) show
//! projects through the same [`ProjectLine`].

use std::collections::HashMap;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use ldp_core::domain::event::Event;
use ldp_core::domain::funding::{ApplicantType, Funder, Programme};
use ldp_core::domain::partnership::PartnershipDetail;
use ldp_core::domain::projects::{
    ApplicationPartner, FundingDocument, FundingDocumentId, PartnerRole, Project, ProjectId, ProjectStatus,
};
use ldp_core::domain::{Actor, CountryCode, Municipality, MunicipalityId, SdgGoal};
use ldp_core::reference::snapshot::ReferenceSnapshot;
use ldp_core::services::projects::{PortfolioQuery, PortfolioSummaries, SummaryRow};

use super::funding::money;
use super::{PageCtx, PageError, render, status_for};
use crate::error::{AppError, field_message};
use crate::state::AppState;

/// A partner as a page shows it.
pub struct PartnerLine {
    pub name: String,
    /// A member's slug, for its link.
    pub slug: Option<String>,
    pub country: String,
    pub org_type: Option<ApplicantType>,
    pub role: PartnerRole,
}

/// A project with its names resolved in the page's language.
pub struct ProjectLine {
    pub project: Project,
    pub lead: String,
    pub lead_slug: String,
    pub partners: Vec<PartnerLine>,
    pub programme: Option<String>,
    pub funder: Option<String>,
    pub status: ProjectStatus,
}

impl ProjectLine {
    pub fn title(&self, ctx: &PageCtx) -> String {
        ctx.pick(&self.project.fields.title)
    }

    pub fn grant(&self, ctx: &PageCtx) -> String {
        self.project.fields.grant.as_ref().map(|a| money(ctx.lang, &a.amount, &a.currency)).unwrap_or_default()
    }

    pub fn budget(&self, ctx: &PageCtx) -> String {
        self.project.fields.budget.as_ref().map(|a| money(ctx.lang, &a.amount, &a.currency)).unwrap_or_default()
    }

    pub fn period(&self, ctx: &PageCtx) -> String {
        let f = &self.project.fields;
        match (f.start, f.end) {
            (None, None) => String::new(),
            (Some(s), None) => format!("{} –", ctx.date(s)),
            (None, Some(e)) => format!("– {}", ctx.date(e)),
            (Some(s), Some(e)) => format!("{} – {}", ctx.date(s), ctx.date(e)),
        }
    }

    /// The partners' names, joined (lists and exports).
    pub fn partner_names(&self) -> String {
        self.partners.iter().map(|p| format!("{} ({})", p.name, p.country)).collect::<Vec<_>>().join("; ")
    }
}

/// What names are read from: the reference data, programmes and funders.
pub struct Names {
    pub reference: std::sync::Arc<ReferenceSnapshot>,
    pub programmes: Vec<Programme>,
    pub funders: Vec<Funder>,
}

impl Names {
    pub async fn load(ctx: &PageCtx, state: &AppState) -> Result<Names, PageError> {
        Ok(Names {
            reference: state.reference.read().await.map_err(ctx.fail())?,
            programmes: state.funding.programmes().await.map_err(ctx.fail())?,
            funders: state.funding.funders().await.map_err(ctx.fail())?,
        })
    }

    fn country(&self, ctx: &PageCtx, code: &str) -> String {
        CountryCode::parse(code)
            .ok()
            .and_then(|c| self.reference.country(&c).map(|c| ctx.pick(&c.name)))
            .unwrap_or_else(|| code.to_owned())
    }

    pub fn municipality(&self, id: MunicipalityId) -> Option<&Municipality> {
        self.reference.municipality(id)
    }

    pub fn line(&self, ctx: &PageCtx, today: time::Date, project: Project) -> ProjectLine {
        let f = &project.fields;
        let lead = self.municipality(f.lead);
        let partners = f
            .partners
            .iter()
            .map(|p| match &p.partner {
                ApplicationPartner::Member { municipality } => {
                    let m = self.municipality(*municipality);
                    PartnerLine {
                        name: m.map(|m| ctx.official(m)).unwrap_or_default(),
                        slug: m.map(|m| m.slug.clone()),
                        country: self.country(ctx, "TR"),
                        org_type: None,
                        role: p.role,
                    }
                }
                ApplicationPartner::Foreign { name, country, org_type } => PartnerLine {
                    name: name.clone(),
                    slug: None,
                    country: self.country(ctx, country),
                    org_type: Some(*org_type),
                    role: p.role,
                },
            })
            .collect();
        ProjectLine {
            lead: lead.map(|m| ctx.official(m)).unwrap_or_default(),
            lead_slug: lead.map(|m| m.slug.clone()).unwrap_or_default(),
            partners,
            programme: f
                .programme
                .and_then(|id| self.programmes.iter().find(|p| p.id == id))
                .map(|p| ctx.pick(&p.name)),
            funder: f.funder.and_then(|id| self.funders.iter().find(|x| x.id == id)).map(|x| ctx.pick(&x.name)),
            status: f.status_on(today),
            project,
        }
    }
}

/// The filter form's values, choices and errors.
pub struct PortfolioForm {
    pub query: PortfolioQuery,
    pub municipalities: Vec<(String, String)>,
    pub provinces: Vec<(String, String)>,
    pub programmes: Vec<(String, String)>,
    pub funders: Vec<(String, String)>,
    pub goals: Vec<SdgGoal>,
    pub errors: HashMap<String, String>,
}

impl PortfolioForm {
    pub fn value(&self, field: &str) -> &str {
        let q = &self.query;
        let v = match field {
            "municipality" => &q.municipality,
            "province" => &q.province,
            "programme" => &q.programme,
            "funder" => &q.funder,
            "sdg" => &q.sdg,
            "year" => &q.year,
            _ => &None,
        };
        v.as_deref().unwrap_or("").trim()
    }

    pub fn error(&self, field: &str) -> Option<&String> {
        self.errors.get(field)
    }

    /// The four select filters, with their choices.
    pub fn selects(&self, ctx: &PageCtx) -> Vec<Select<'_>> {
        let select =
            |name, label: &str, any: &str, choices| Select { name, label: ctx.t(label), any: ctx.t(any), choices };
        vec![
            select("municipality", "projects-municipality", "projects-all-municipalities", &self.municipalities),
            select("province", "projects-province", "projects-all-provinces", &self.provinces),
            select("programme", "projects-programme", "projects-all-programmes", &self.programmes),
            select("funder", "projects-funder", "projects-all-funders", &self.funders),
        ]
    }

    /// The query string of the filters set (for the export links).
    pub fn query_string(&self) -> String {
        let pairs: Vec<(&str, &str)> = ["municipality", "province", "programme", "funder", "sdg", "year"]
            .into_iter()
            .map(|f| (f, self.value(f)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let qs = serde_urlencoded::to_string(pairs).unwrap_or_default();
        if qs.is_empty() { qs } else { format!("?{qs}") }
    }
}

/// A select of the filter form.
pub struct Select<'a> {
    pub name: &'static str,
    pub label: String,
    pub any: String,
    pub choices: &'a [(String, String)],
}

/// One of the summary tables: its heading, the filter its rows link to, its rows.
pub struct SummaryTable {
    pub id: &'static str,
    pub heading: String,
    /// The filter a row's key sets (`municipality`, …), for its link.
    pub filter: &'static str,
    pub rows: Vec<SummaryRow>,
}

pub fn summary_tables(ctx: &PageCtx, s: PortfolioSummaries) -> Vec<SummaryTable> {
    let table = |id: &'static str, key: &str, rows| SummaryTable { id, heading: ctx.t(key), filter: id, rows };
    vec![
        table("municipality", "projects-by-municipality", s.municipality),
        table("province", "projects-by-province", s.province),
        table("programme", "projects-by-programme", s.programme),
        table("funder", "projects-by-funder", s.funder),
        table("sdg", "projects-by-sdg", s.sdg),
        table("year", "projects-by-year", s.year),
    ]
}

/// The grants of a summary row, each currency in the page's language.
pub fn grants(ctx: &PageCtx, t: &ldp_core::domain::projects::Tally) -> String {
    if t.grants.is_empty() {
        return "—".into();
    }
    t.grants.iter().map(|a| money(ctx.lang, &a.amount, &a.currency)).collect::<Vec<_>>().join(" · ")
}

#[derive(askama::Template)]
#[template(path = "projects.html")]
struct ListPage {
    ctx: PageCtx,
    title: String,
    form: PortfolioForm,
    projects: Vec<ProjectLine>,
    total: ldp_core::domain::projects::Tally,
    tables: Vec<SummaryTable>,
}

/// The filter's choices: every member and province, the programmes and funders, the goals.
fn form_of(ctx: &PageCtx, names: &Names, query: PortfolioQuery) -> PortfolioForm {
    let pick = |v: Vec<(String, String)>| {
        let mut v = v;
        v.sort_by_cached_key(|(_, label)| ldp_core::text::collation_key(label));
        v
    };
    PortfolioForm {
        query,
        municipalities: pick(names.reference.all_municipalities().map(|m| (m.slug.clone(), ctx.official(m))).collect()),
        provinces: names.reference.provinces().iter().map(|p| (p.plate.get().to_string(), p.name.clone())).collect(),
        programmes: pick(names.programmes.iter().map(|p| (p.slug.clone(), ctx.pick(&p.name))).collect()),
        funders: pick(names.funders.iter().map(|f| (f.slug.clone(), ctx.pick(&f.name))).collect()),
        goals: names.reference.goals(),
        errors: HashMap::new(),
    }
}

/// The published projects a query selects, as lines, with the form (carrying any errors).
pub async fn select(
    ctx: &PageCtx,
    state: &AppState,
    query: PortfolioQuery,
) -> Result<(PortfolioForm, Vec<ProjectLine>, Option<PortfolioSummaries>), PageError> {
    let names = Names::load(ctx, state).await?;
    let mut form = form_of(ctx, &names, query);
    let filter = match state.projects.portfolio_filter(&form.query).await {
        Ok(f) => f,
        Err(ldp_core::services::ServiceError::Invalid(e)) => {
            form.errors = e.fields.iter().map(|(k, c)| (k.clone(), field_message(ctx.lang, c))).collect();
            return Ok((form, Vec::new(), None));
        }
        Err(e) => return Err(ctx.fail()(e)),
    };
    let (projects, members) = state.projects.portfolio(&filter).await.map_err(ctx.fail())?;
    let summaries = state.projects.summaries(&projects, &members).await.map_err(ctx.fail())?;
    let today = state.clock.today();
    let lines = projects.into_iter().map(|p| names.line(ctx, today, p)).collect();
    Ok((form, lines, Some(summaries)))
}

pub async fn list(
    ctx: PageCtx,
    State(state): State<AppState>,
    query: Result<Query<PortfolioQuery>, QueryRejection>,
) -> Result<Response, PageError> {
    let Ok(Query(query)) = query else { return Err(ctx.fail()(AppError::bad_request("invalid_query"))) };
    let (form, projects, summaries) = select(&ctx, &state, query).await?;
    let status = status_for(!form.errors.is_empty());
    let summaries = summaries.unwrap_or_default();
    let page = ListPage {
        title: ctx.t("projects-title"),
        total: summaries.total.clone(),
        tables: summary_tables(&ctx, summaries),
        form,
        projects,
        ctx,
    };
    render(&page.ctx, &page, status)
}

impl ListPage {
    fn grants(&self, t: &ldp_core::domain::projects::Tally) -> String {
        grants(&self.ctx, t)
    }
}

#[derive(askama::Template)]
#[template(path = "project.html")]
struct ShowPage {
    ctx: PageCtx,
    title: String,
    item: ProjectLine,
    relations: Vec<PartnershipDetail>,
    events: Vec<Event>,
    /// The documents marked public.
    documents: Vec<FundingDocument>,
    goals: Vec<SdgGoal>,
}

impl ShowPage {
    fn it(&self) -> &ProjectLine {
        &self.item
    }

    fn goal_name(&self, n: &ldp_core::domain::GoalNumber) -> String {
        self.goals.iter().find(|g| g.number == *n).map(|g| self.ctx.pick(&g.short_name)).unwrap_or_default()
    }

    fn partner_name(&self, r: &PartnershipDetail) -> String {
        let p = &r.partnership.partner;
        match self.ctx.lang {
            ldp_core::domain::Lang::Tr => p.name_tr.clone(),
            ldp_core::domain::Lang::En => p.name.clone(),
        }
    }

    fn decimal(&self, d: &rust_decimal::Decimal) -> String {
        money(self.ctx.lang, d, "")
    }
}

pub async fn show(
    ctx: PageCtx,
    State(state): State<AppState>,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = ProjectId(ctx.path_id(&id)?);
    // Visitors only: an unpublished project is not found here, whoever asks (the workspace shows it).
    let project = state.projects.project(&Actor::visitor(None), id).await.map_err(ctx.fail())?;
    let (relations, events) = state.projects.public_links(&project).await.map_err(ctx.fail())?;
    let documents = state.projects.public_documents(id).await.map_err(ctx.fail())?;
    let names = Names::load(&ctx, &state).await?;
    let line = names.line(&ctx, state.clock.today(), project);
    let page = ShowPage {
        title: format!("{} · {}", line.project.fields.acronym, line.title(&ctx)),
        goals: names.reference.goals(),
        item: line,
        relations,
        events,
        documents,
        ctx,
    };
    render(&page.ctx, &page, axum::http::StatusCode::OK)
}

/// `/{lang}/projects/{id}/documents/{document}`: a public document of a published project; any other is 404
/// (the workspace serves those, `private, no-store`).
pub async fn document(
    ctx: PageCtx,
    State(state): State<AppState>,
    Path((_, id, document)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let id = ProjectId(ctx.path_id(&id)?);
    let document = FundingDocumentId(ctx.path_id(&document)?);
    let found = state.projects.public_document(id, document).await.map_err(ctx.fail())?;
    Ok(super::download::funding_document(&state, &found, false).await)
}
