//! Applications for funding (issue 16): who sees and edits them, the parse of the application's fields (also
//! the API's body), and the one path its stage moves along. Representatives see and edit their own
//! municipality's applications, staff and admins all (auditors read all); the public none. Every write is
//! audited (`funding_application`); calls are only read, through the funding capability. An award creates the
//! application's project in the same unit of work as the move (`portfolio.rs`, with the project portfolio).

mod portfolio;
mod summaries;

pub use summaries::{PortfolioQuery, PortfolioSummaries, SummaryRow};

mod documents;

use std::sync::Arc;

use time::Date;

use super::ServiceError;
use super::workspace::field;
use crate::clock::Clock;
use crate::domain::funding::{ApplicantType, CallId, parse_amount};
use crate::domain::projects::{
    Amount, Application, ApplicationFields, ApplicationId, ApplicationPartner, ApplicationStage, StageMove,
};
use crate::domain::{Actor, Change, CountryCode, InputError, Role};
use crate::store::{EventStore, FundingStore, PartnershipStore, ProjectStore, ReferenceStore, Store, UnitOfWorkStore};

/// A partner as entered: `member` with a municipality's slug, or `foreign` with name, country and type.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct PartnerInput {
    /// `member` or `foreign`.
    pub kind: Option<String>,
    /// A member municipality's slug (members).
    pub municipality: Option<String>,
    /// The organisation's name (foreign partners).
    pub name: Option<String>,
    /// ISO 3166-1 alpha-2 (foreign partners).
    pub country: Option<String>,
    /// Applicant type code, e.g. `municipality`, `ngo`, `university` (foreign partners).
    #[serde(rename = "type")]
    pub org_type: Option<String>,
}

/// The raw fields of an application (the API's request body).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct ApplicationInput {
    /// The applying member municipality's slug.
    pub municipality: Option<String>,
    /// The call's id (`GET /api/v1/funding/calls`); optional.
    pub call: Option<String>,
    pub title: Option<String>,
    #[serde(default)]
    pub partners: Vec<PartnerInput>,
    /// Exact decimal (`250000`, `1.250.000,50`); never a float.
    pub requested: Option<String>,
    /// ISO 4217 code, e.g. `EUR`; required with `requested`.
    pub currency: Option<String>,
    /// The person responsible.
    pub responsible: Option<String>,
    pub notes: Option<String>,
}

/// A stage move as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct MoveInput {
    /// The next stage: `partner_search`, `drafting`, `submitted`, `awarded`, `rejected` or `withdrawn`.
    pub stage: Option<String>,
    /// The day of the move (`YYYY-MM-DD`, today in Istanbul when empty); not before the current stage's day
    /// and not in the future.
    pub on: Option<String>,
}

/// Which applications a list shows: every stage and call when empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplicationFilter {
    pub stage: Option<ApplicationStage>,
    pub call: Option<CallId>,
}

impl ApplicationFilter {
    /// Parses the raw `stage` and `call` values of a query (empty means any), naming each bad one.
    pub fn parse(stage: Option<&str>, call: Option<&str>) -> Result<ApplicationFilter, InputError> {
        let mut errors = InputError::default();
        let stage = match stage.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => {
                let s = ApplicationStage::parse(raw);
                if s.is_none() {
                    errors.add("stage", "invalid_stage");
                }
                s
            }
        };
        let call = match call.map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => match raw.parse::<i64>() {
                Ok(id) if id > 0 => Some(CallId(id)),
                _ => {
                    errors.add("call", "unknown_call");
                    None
                }
            },
        };
        if errors.is_empty() { Ok(ApplicationFilter { stage, call }) } else { Err(errors) }
    }

    /// Whether `a` passes the filter.
    pub fn admits(&self, a: &Application) -> bool {
        self.stage.is_none_or(|s| a.stage == s) && self.call.is_none_or(|c| a.fields.call == Some(c))
    }
}

/// An application with its history of moves.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ApplicationView {
    pub application: Application,
    pub moves: Vec<StageMove>,
    /// The project it became once awarded.
    #[schema(value_type = Option<i64>)]
    pub project: Option<crate::domain::projects::ProjectId>,
}

#[derive(Clone)]
pub struct Projects {
    store: Arc<dyn ProjectStore>,
    /// Calls, read only.
    funding: Arc<dyn FundingStore>,
    /// Municipalities by slug.
    reference: Arc<dyn ReferenceStore>,
    /// Relations a project involves, read; their activity noted in units.
    partnerships: Arc<dyn PartnershipStore>,
    /// Events a project names, read.
    events: Arc<dyn EventStore>,
    units: Arc<dyn UnitOfWorkStore>,
    clock: Arc<dyn Clock>,
}

fn writes(actor: &Actor, a: &ApplicationFields) -> bool {
    actor.edits_municipality(a.municipality)
}

impl Projects {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Projects {
            store: store.clone(),
            funding: store.clone(),
            reference: store.clone(),
            partnerships: store.clone(),
            events: store.clone(),
            units: store,
            clock,
        }
    }

    /// The applications `actor` may see that pass `filter`: every one for staff, admins and auditors, a
    /// representative's own municipalities' otherwise; nobody else sees any. The latest changed first.
    pub async fn applications(
        &self,
        actor: &Actor,
        filter: &ApplicationFilter,
    ) -> Result<Vec<Application>, ServiceError> {
        let mut all = Vec::new();
        if actor.reads_everything() {
            all = self.store.applications(None).await?;
        } else if actor.role == Some(Role::Representative) {
            for m in &actor.municipalities {
                all.extend(self.store.applications(Some(*m)).await?);
            }
            all.sort_by(|a, b| b.updated_at.cmp(&a.updated_at).then(b.id.cmp(&a.id)));
        } else {
            return Err(ServiceError::Forbidden);
        }
        all.retain(|a| filter.admits(a));
        Ok(all)
    }

    /// Whether `actor` may start applications at all (for some municipality).
    pub fn may_apply(&self, actor: &Actor) -> bool {
        !actor.read_only
            && match actor.role {
                Some(Role::Admin | Role::Staff) => true,
                Some(Role::Representative) => !actor.municipalities.is_empty(),
                _ => false,
            }
    }

    /// Whether `actor` may change `application` (its fields and stage).
    pub fn may_edit(&self, actor: &Actor, application: &Application) -> bool {
        writes(actor, &application.fields)
    }

    /// One application with its moves; `NotFound` also when `actor` may not see it.
    pub async fn get(&self, actor: &Actor, id: ApplicationId) -> Result<ApplicationView, ServiceError> {
        let application = self.store.application(id).await?.ok_or(ServiceError::NotFound)?;
        if !actor.reads_municipality(application.fields.municipality) {
            return Err(ServiceError::NotFound);
        }
        let moves = self.store.application_moves(id).await?;
        let project = self.project_of(&application).await?;
        Ok(ApplicationView { application, moves, project })
    }

    pub async fn create(&self, actor: &Actor, input: &ApplicationInput) -> Result<ApplicationView, ServiceError> {
        if actor.read_only || !matches!(actor.role, Some(Role::Admin | Role::Staff | Role::Representative)) {
            return Err(ServiceError::Forbidden);
        }
        let fields = self.parse(input).await?;
        if !writes(actor, &fields) {
            return Err(ServiceError::Forbidden);
        }
        let change = Change::new(actor, self.clock.now(), "create", "funding_application")
            .of(fields.municipality)
            .after(&fields);
        let created = self.store.create_application(&fields, self.clock.today(), self.clock.now(), &change).await?;
        self.get(actor, created.id).await
    }

    pub async fn update(
        &self,
        actor: &Actor,
        id: ApplicationId,
        input: &ApplicationInput,
    ) -> Result<ApplicationView, ServiceError> {
        let before = self.readable(actor, id).await?;
        if !writes(actor, &before.fields) {
            return Err(ServiceError::Forbidden);
        }
        let fields = self.parse(input).await?;
        if !writes(actor, &fields) {
            return Err(ServiceError::Invalid(InputError::new("municipality", "not_yours")));
        }
        let change = Change::new(actor, self.clock.now(), "update", "funding_application")
            .record(id.0)
            .of(fields.municipality)
            .before(&before.fields)
            .after(&fields);
        if !self.store.update_application(id, &fields, self.clock.now(), &change).await? {
            return Err(ServiceError::NotFound);
        }
        self.get(actor, id).await
    }

    /// Moves the stage one step along the path; a skipped, backward or final move is refused by field
    /// (`stage`: `stage_skipped`, `stage_backwards`, `stage_same`, `stage_final`).
    pub async fn move_stage(
        &self,
        actor: &Actor,
        id: ApplicationId,
        input: &MoveInput,
    ) -> Result<ApplicationView, ServiceError> {
        let current = self.readable(actor, id).await?;
        if !writes(actor, &current.fields) {
            return Err(ServiceError::Forbidden);
        }
        let mut errors = InputError::default();
        let to = match input.stage.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                errors.add("stage", "required");
                None
            }
            Some(raw) => match ApplicationStage::parse(raw) {
                None => {
                    errors.add("stage", "invalid_stage");
                    None
                }
                Some(to) => match current.stage.check_move(to) {
                    Ok(()) => Some(to),
                    Err(code) => {
                        errors.add("stage", code);
                        None
                    }
                },
            },
        };
        let today = self.clock.today();
        let on = match input.on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => today,
            Some(raw) => match parse_date(raw) {
                None => {
                    errors.add("on", "invalid_date");
                    today
                }
                Some(d) if d > today => {
                    errors.add("on", "date_in_future");
                    today
                }
                Some(d) if d < current.stage_on => {
                    errors.add("on", "date_before_current_stage");
                    today
                }
                Some(d) => d,
            },
        };
        let Some(to) = to.filter(|_| errors.is_empty()) else {
            return Err(ServiceError::Invalid(errors));
        };
        let change = Change::new(actor, self.clock.now(), &format!("stage:{}", to.as_str()), "funding_application")
            .record(id.0)
            .of(current.fields.municipality)
            .before(serde_json::json!({ "stage": current.stage, "stage_on": current.stage_on.to_string() }))
            .after(serde_json::json!({ "stage": to, "stage_on": on.to_string() }));
        if to == ApplicationStage::Awarded {
            // The move and the project it creates land together, or neither does.
            let mut change = change;
            let mut unit = self.units.begin().await?;
            unit.projects().move_application(id, current.stage, to, on, self.clock.now(), &change.actor).await?;
            self.create_awarded_project(unit.as_mut(), actor, &current, on, &mut change).await?;
            unit.commit(&change).await?;
        } else {
            self.store.move_application(id, current.stage, to, on, self.clock.now(), &change).await?;
        }
        self.get(actor, id).await
    }

    async fn readable(&self, actor: &Actor, id: ApplicationId) -> Result<Application, ServiceError> {
        let a = self.store.application(id).await?.ok_or(ServiceError::NotFound)?;
        if !actor.reads_municipality(a.fields.municipality) {
            return Err(ServiceError::NotFound);
        }
        Ok(a)
    }

    /// Parses every field, reporting each bad one.
    async fn parse(&self, input: &ApplicationInput) -> Result<ApplicationFields, ServiceError> {
        let mut errors = InputError::default();
        let slug = input.municipality.as_deref().map(str::trim).unwrap_or("");
        let municipality = if slug.is_empty() {
            errors.add("municipality", "required");
            None
        } else {
            let m = self.reference.municipality_by_slug(slug).await?;
            if m.is_none() {
                errors.add("municipality", "unknown_municipality");
            }
            m.map(|m| m.id)
        };
        let call = match input.call.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(raw) => match raw.parse::<i64>() {
                Ok(id) if self.funding.call(CallId(id)).await?.is_some_and(|c| c.published) => Some(CallId(id)),
                _ => {
                    errors.add("call", "unknown_call");
                    None
                }
            },
        };
        let title = field(&input.title, "title", 300, &mut errors);
        if title.is_empty() {
            errors.add("title", "required");
        }
        let mut partners = Vec::new();
        for (i, p) in input.partners.iter().enumerate() {
            let name = |f: &str| format!("partners[{i}].{f}");
            match p.kind.as_deref().map(str::trim) {
                Some("member") => {
                    let slug = p.municipality.as_deref().map(str::trim).unwrap_or("");
                    match self.reference.municipality_by_slug(slug).await? {
                        Some(m) => partners.push(ApplicationPartner::Member { municipality: m.id }),
                        None => errors.add(&name("municipality"), "unknown_municipality"),
                    }
                }
                Some("foreign") => {
                    let org = field(&p.name, &name("name"), 300, &mut errors);
                    if org.is_empty() {
                        errors.add(&name("name"), "required");
                    }
                    let country = CountryCode::parse(p.country.as_deref().unwrap_or(""));
                    if country.is_err() {
                        errors.add(&name("country"), "invalid_country_code");
                    }
                    let org_type = ApplicantType::parse(p.org_type.as_deref().unwrap_or("").trim());
                    if org_type.is_none() {
                        errors.add(&name("type"), "invalid_type");
                    }
                    if let (Ok(country), Some(org_type)) = (country, org_type) {
                        partners.push(ApplicationPartner::Foreign {
                            name: org,
                            country: country.as_str().to_owned(),
                            org_type,
                        });
                    }
                }
                _ => errors.add(&name("kind"), "invalid_kind"),
            }
        }
        let amount = input.requested.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let currency = input.currency.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let requested = match (amount, currency) {
            (None, None) => None,
            (None, Some(_)) => {
                errors.add("requested", "required");
                None
            }
            (Some(raw), c) => {
                let amount = parse_amount(raw);
                if amount.is_none() {
                    errors.add("requested", "invalid_amount");
                }
                let currency = c.filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()));
                if currency.is_none() {
                    errors.add("currency", "invalid_currency");
                }
                amount.zip(currency).map(|(amount, c)| Amount { amount, currency: c.to_ascii_uppercase() })
            }
        };
        let responsible = field(&input.responsible, "responsible", 200, &mut errors);
        let notes = field(&input.notes, "notes", 5000, &mut errors);
        match municipality {
            Some(municipality) if errors.is_empty() => {
                Ok(ApplicationFields { municipality, call, title, partners, requested, responsible, notes })
            }
            _ => Err(ServiceError::Invalid(errors)),
        }
    }
}

fn parse_date(raw: &str) -> Option<Date> {
    Date::parse(raw, time::macros::format_description!("[year]-[month]-[day]")).ok()
}
