//! A funded project of the portfolio (issue 16): what an awarded application becomes, or what staff enter
//! for projects won before the platform. Its status is derived from its dates, never stored, so it cannot
//! go stale: planned before the start (or with no start), ongoing from the start to the end, completed after.

use std::collections::{HashMap, HashSet};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use super::application::{Amount, ApplicationId, ApplicationPartner};
use crate::domain::funding::{ApplicantType, FunderId, ProgrammeId, parse_amount};
use crate::domain::{CountryCode, GoalNumber, InputError, Localized, MunicipalityId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[schema(value_type = i64)]
pub struct ProjectId(pub i64);

/// What a partner does in a project (the lead partner is named apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartnerRole {
    /// A co-applicant or co-beneficiary that receives part of the grant.
    CoApplicant,
    /// A full partner.
    Partner,
    /// An associated partner that takes part without a share of the grant.
    Associate,
}

impl PartnerRole {
    pub const ALL: [PartnerRole; 3] = [PartnerRole::CoApplicant, PartnerRole::Partner, PartnerRole::Associate];

    pub fn as_str(self) -> &'static str {
        match self {
            PartnerRole::CoApplicant => "co_applicant",
            PartnerRole::Partner => "partner",
            PartnerRole::Associate => "associate",
        }
    }

    pub fn parse(code: &str) -> Option<PartnerRole> {
        PartnerRole::ALL.into_iter().find(|r| r.as_str() == code.trim())
    }
}

/// A partner of a project: a member municipality or an organisation abroad, with its role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProjectPartner {
    pub partner: ApplicationPartner,
    pub role: PartnerRole,
}

impl ProjectPartner {
    /// The partner's country (ISO 3166-1 alpha-2): `TR` for a member municipality.
    pub fn country(&self) -> &str {
        match &self.partner {
            ApplicationPartner::Member { .. } => "TR",
            ApplicationPartner::Foreign { country, .. } => country,
        }
    }
}

/// Whether a line of the results framework is an output (what the project makes) or a result (what changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    Output,
    Result,
}

impl OutputKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputKind::Output => "output",
            OutputKind::Result => "result",
        }
    }

    pub fn parse(code: &str) -> Option<OutputKind> {
        [OutputKind::Output, OutputKind::Result].into_iter().find(|k| k.as_str() == code.trim())
    }
}

/// One output or result with its indicator, its target and what has been achieved (exact decimals).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ProjectOutput {
    pub kind: OutputKind,
    pub indicator: String,
    #[schema(value_type = String, example = "12")]
    #[serde(with = "rust_decimal::serde::str")]
    pub target: Decimal,
    #[schema(value_type = Option<String>, example = "7")]
    #[serde(with = "rust_decimal::serde::str_option")]
    pub achieved: Option<Decimal>,
}

/// A project's status, derived from its dates on a given day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Planned,
    Ongoing,
    Completed,
}

impl ProjectStatus {
    pub const ALL: [ProjectStatus; 3] = [ProjectStatus::Planned, ProjectStatus::Ongoing, ProjectStatus::Completed];

    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::Planned => "planned",
            ProjectStatus::Ongoing => "ongoing",
            ProjectStatus::Completed => "completed",
        }
    }

    pub fn parse(code: &str) -> Option<ProjectStatus> {
        ProjectStatus::ALL.into_iter().find(|s| s.as_str() == code.trim())
    }
}

/// What a project says, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProjectFields {
    pub acronym: String,
    pub title: Localized,
    pub summary: Localized,
    #[schema(value_type = Option<i64>)]
    pub programme: Option<ProgrammeId>,
    /// The programme's funder when a programme is named; otherwise the funder given.
    #[schema(value_type = Option<i64>)]
    pub funder: Option<FunderId>,
    /// The lead partner, a member municipality.
    #[schema(value_type = i64)]
    pub lead: MunicipalityId,
    pub partners: Vec<ProjectPartner>,
    /// The total budget.
    pub budget: Option<Amount>,
    /// The grant, in the budget's currency and not above it.
    pub grant: Option<Amount>,
    #[serde(serialize_with = "crate::domain::serde_date::serialize_opt")]
    #[schema(value_type = Option<String>, format = Date)]
    pub start: Option<Date>,
    #[serde(serialize_with = "crate::domain::serde_date::serialize_opt")]
    #[schema(value_type = Option<String>, format = Date)]
    pub end: Option<Date>,
    #[schema(value_type = Vec<u8>)]
    pub sdgs: Vec<GoalNumber>,
    /// SDG target codes such as `11.3` or `17.a`, each of a goal in `sdgs`.
    pub targets: Vec<String>,
    pub outputs: Vec<ProjectOutput>,
    /// Related sister-city relations (ids).
    pub relations: Vec<i64>,
    /// Related events (ids).
    pub events: Vec<i64>,
}

impl ProjectFields {
    /// The status on `today`.
    pub fn status_on(&self, today: Date) -> ProjectStatus {
        match (self.start, self.end) {
            (None, _) => ProjectStatus::Planned,
            (Some(s), _) if today < s => ProjectStatus::Planned,
            (_, Some(e)) if today > e => ProjectStatus::Completed,
            _ => ProjectStatus::Ongoing,
        }
    }

    /// Every member municipality taking part: the lead first, then member partners.
    pub fn members(&self) -> Vec<MunicipalityId> {
        let mut out = vec![self.lead];
        for p in &self.partners {
            if let ApplicationPartner::Member { municipality } = p.partner
                && !out.contains(&municipality)
            {
                out.push(municipality);
            }
        }
        out
    }

    /// The year the project starts (its year in the portfolio's filters and summaries).
    pub fn year(&self) -> Option<i32> {
        self.start.map(|s| s.year())
    }
}

/// A stored project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Project {
    pub id: ProjectId,
    #[serde(flatten)]
    pub fields: ProjectFields,
    /// The application it came from, when it was awarded here.
    #[schema(value_type = Option<i64>)]
    pub application: Option<ApplicationId>,
    pub published: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// A partner as entered: `member` with a municipality's slug, or `foreign` with name, country and type; and
/// its role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ProjectPartnerInput {
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
    /// `co_applicant`, `partner` or `associate` (`partner` when empty).
    pub role: Option<String>,
}

/// An output or result as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ProjectOutputInput {
    /// `output` or `result` (`output` when empty).
    pub kind: Option<String>,
    pub indicator: Option<String>,
    /// Exact decimal.
    pub target: Option<String>,
    /// Exact decimal; empty when nothing is measured yet.
    pub achieved: Option<String>,
}

/// The raw fields of a project (the API's request body).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ProjectInput {
    pub acronym: Option<String>,
    pub title_tr: Option<String>,
    pub title_en: Option<String>,
    pub summary_tr: Option<String>,
    pub summary_en: Option<String>,
    /// A programme's slug (`GET /api/v1/funding/programmes`); its funder is the project's.
    pub programme: Option<String>,
    /// A funder's slug, for a project outside the listed programmes.
    pub funder: Option<String>,
    /// The lead partner: a member municipality's slug.
    pub lead: Option<String>,
    #[serde(default)]
    pub partners: Vec<ProjectPartnerInput>,
    /// Total budget, exact decimal (`250000`, `1.250.000,50`); never a float.
    pub budget: Option<String>,
    /// The grant, exact decimal, not above the budget.
    pub grant: Option<String>,
    /// ISO 4217 code of the budget and the grant, e.g. `EUR`.
    pub currency: Option<String>,
    /// `YYYY-MM-DD`.
    pub start: Option<String>,
    /// `YYYY-MM-DD`, not before the start.
    pub end: Option<String>,
    /// Goal numbers, 1 to 17.
    #[serde(default)]
    pub sdgs: Vec<String>,
    /// SDG target codes (`11.3`, `17.a`), each of a goal in `sdgs`.
    #[serde(default)]
    pub targets: Vec<String>,
    #[serde(default)]
    pub outputs: Vec<ProjectOutputInput>,
    /// Ids of related sister-city relations.
    #[serde(default)]
    pub relations: Vec<String>,
    /// Ids of related events.
    #[serde(default)]
    pub events: Vec<String>,
}

/// What the names and ids in an input resolve to, read by the service before [`ProjectFields::parse`].
#[derive(Debug, Clone, Default)]
pub struct ProjectLookups {
    /// Member municipalities by slug.
    pub municipalities: HashMap<String, MunicipalityId>,
    /// Programmes by slug, with their funder.
    pub programmes: HashMap<String, (ProgrammeId, FunderId)>,
    /// Funders by slug.
    pub funders: HashMap<String, FunderId>,
    /// SDG target codes that exist (`11.3`).
    pub targets: HashSet<String>,
    /// Relations that exist.
    pub relations: HashSet<i64>,
    /// Events that exist.
    pub events: HashSet<i64>,
}

fn text(raw: &Option<String>, name: &str, max: usize, errors: &mut InputError) -> String {
    let value = raw.as_deref().unwrap_or("").trim().to_owned();
    if value.chars().count() > max {
        errors.add(name, "too_long");
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        errors.add(name, "invalid_characters");
    }
    value
}

fn present(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn date(raw: &Option<String>, name: &str, errors: &mut InputError) -> Option<Date> {
    let raw = present(raw)?;
    let d = Date::parse(raw, time::macros::format_description!("[year]-[month]-[day]")).ok();
    if d.is_none() {
        errors.add(name, "invalid_date");
    }
    d
}

fn decimal(raw: &Option<String>, name: &str, errors: &mut InputError) -> Option<Decimal> {
    let raw = present(raw)?;
    let d = parse_amount(raw);
    if d.is_none() {
        errors.add(name, "invalid_amount");
    }
    d
}

/// Ids given as text, each known to `known`; a bad one is named by its position (`relations[1]`).
fn ids(raw: &[String], name: &str, known: &HashSet<i64>, errors: &mut InputError) -> Vec<i64> {
    let mut out = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let r = r.trim();
        if r.is_empty() {
            continue;
        }
        match r.parse::<i64>() {
            Ok(id) if known.contains(&id) => {
                if !out.contains(&id) {
                    out.push(id);
                }
            }
            _ => errors.add(&format!("{name}[{i}]"), "unknown_record"),
        }
    }
    out
}

impl ProjectFields {
    /// Parses every field against `known`, naming each bad one (`partners[1].country`, `outputs[0].target`).
    pub fn parse(input: &ProjectInput, known: &ProjectLookups) -> Result<ProjectFields, InputError> {
        let mut errors = InputError::default();
        let acronym = text(&input.acronym, "acronym", 40, &mut errors);
        if acronym.is_empty() {
            errors.add("acronym", "required");
        }
        let title = Localized::new(
            text(&input.title_tr, "title_tr", 300, &mut errors),
            text(&input.title_en, "title_en", 300, &mut errors),
        );
        if title.tr.is_empty() {
            errors.add("title_tr", "required");
        }
        if title.en.is_empty() {
            errors.add("title_en", "required");
        }
        let summary = Localized::new(
            text(&input.summary_tr, "summary_tr", 5000, &mut errors),
            text(&input.summary_en, "summary_en", 5000, &mut errors),
        );
        let (programme, mut funder) = match present(&input.programme) {
            None => (None, None),
            Some(slug) => match known.programmes.get(slug) {
                Some((p, f)) => (Some(*p), Some(*f)),
                None => {
                    errors.add("programme", "unknown_programme");
                    (None, None)
                }
            },
        };
        if let Some(slug) = present(&input.funder) {
            match known.funders.get(slug) {
                Some(f) if funder.is_none_or(|g| g == *f) => funder = Some(*f),
                Some(_) => errors.add("funder", "funder_not_of_programme"),
                None => errors.add("funder", "unknown_funder"),
            }
        }
        let lead = match present(&input.lead) {
            None => {
                errors.add("lead", "required");
                None
            }
            Some(slug) => {
                let m = known.municipalities.get(slug).copied();
                if m.is_none() {
                    errors.add("lead", "unknown_municipality");
                }
                m
            }
        };
        let partners = Self::parse_partners(input, known, lead, &mut errors);
        let (budget, grant) = Self::parse_money(input, &mut errors);
        let start = date(&input.start, "start", &mut errors);
        let end = date(&input.end, "end", &mut errors);
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            errors.add("end", "end_before_start");
        }
        let (sdgs, targets) = Self::parse_goals(input, known, &mut errors);
        let outputs = Self::parse_outputs(input, &mut errors);
        let relations = ids(&input.relations, "relations", &known.relations, &mut errors);
        let events = ids(&input.events, "events", &known.events, &mut errors);
        match lead {
            Some(lead) if errors.is_empty() => Ok(ProjectFields {
                acronym,
                title,
                summary,
                programme,
                funder,
                lead,
                partners,
                budget,
                grant,
                start,
                end,
                sdgs,
                targets,
                outputs,
                relations,
                events,
            }),
            _ => Err(errors),
        }
    }

    fn parse_partners(
        input: &ProjectInput,
        known: &ProjectLookups,
        lead: Option<MunicipalityId>,
        errors: &mut InputError,
    ) -> Vec<ProjectPartner> {
        let mut partners = Vec::new();
        for (i, p) in input.partners.iter().enumerate() {
            let name = |f: &str| format!("partners[{i}].{f}");
            let role = match present(&p.role) {
                None => Some(PartnerRole::Partner),
                Some(raw) => PartnerRole::parse(raw),
            };
            if role.is_none() {
                errors.add(&name("role"), "invalid_role");
            }
            let partner = match p.kind.as_deref().map(str::trim) {
                Some("member") => match present(&p.municipality).and_then(|s| known.municipalities.get(s)) {
                    Some(m) if Some(*m) == lead => {
                        errors.add(&name("municipality"), "partner_is_lead");
                        None
                    }
                    Some(m) => Some(ApplicationPartner::Member { municipality: *m }),
                    None => {
                        errors.add(&name("municipality"), "unknown_municipality");
                        None
                    }
                },
                Some("foreign") => {
                    let org = text(&p.name, &name("name"), 300, errors);
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
                    match (country, org_type) {
                        (Ok(country), Some(org_type)) if !org.is_empty() => Some(ApplicationPartner::Foreign {
                            name: org,
                            country: country.as_str().to_owned(),
                            org_type,
                        }),
                        _ => None,
                    }
                }
                _ => {
                    errors.add(&name("kind"), "invalid_kind");
                    None
                }
            };
            if let (Some(partner), Some(role)) = (partner, role) {
                if partners.iter().any(|q: &ProjectPartner| q.partner == partner) {
                    errors.add(&name("kind"), "duplicate_partner");
                } else {
                    partners.push(ProjectPartner { partner, role });
                }
            }
        }
        partners
    }

    fn parse_money(input: &ProjectInput, errors: &mut InputError) -> (Option<Amount>, Option<Amount>) {
        let budget = decimal(&input.budget, "budget", errors);
        let grant = decimal(&input.grant, "grant", errors);
        let currency = match present(&input.currency) {
            None => {
                if budget.is_some() || grant.is_some() {
                    errors.add("currency", "required");
                }
                None
            }
            Some(c) if c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()) => Some(c.to_ascii_uppercase()),
            Some(_) => {
                errors.add("currency", "invalid_currency");
                None
            }
        };
        if let (Some(b), Some(g)) = (budget, grant)
            && g > b
        {
            errors.add("grant", "grant_above_budget");
        }
        let amount = |d: Option<Decimal>| d.zip(currency.clone()).map(|(amount, currency)| Amount { amount, currency });
        (amount(budget), amount(grant))
    }

    fn parse_goals(
        input: &ProjectInput,
        known: &ProjectLookups,
        errors: &mut InputError,
    ) -> (Vec<GoalNumber>, Vec<String>) {
        let mut sdgs = Vec::new();
        for raw in input.sdgs.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
            match raw.parse::<i64>().ok().and_then(|n| GoalNumber::parse(n).ok()) {
                Some(g) if !sdgs.contains(&g) => sdgs.push(g),
                Some(_) => {}
                None => errors.add("sdgs", "unknown_goal"),
            }
        }
        sdgs.sort();
        let mut targets = Vec::new();
        for (i, raw) in input.targets.iter().map(|s| s.trim().to_ascii_lowercase()).enumerate() {
            if raw.is_empty() {
                continue;
            }
            let goal =
                raw.split('.').next().and_then(|g| g.parse::<i64>().ok()).and_then(|n| GoalNumber::parse(n).ok());
            if !known.targets.contains(&raw) {
                errors.add(&format!("targets[{i}]"), "unknown_target");
            } else if !goal.is_some_and(|g| sdgs.contains(&g)) {
                errors.add(&format!("targets[{i}]"), "target_goal_not_chosen");
            } else if !targets.contains(&raw) {
                targets.push(raw);
            }
        }
        (sdgs, targets)
    }

    fn parse_outputs(input: &ProjectInput, errors: &mut InputError) -> Vec<ProjectOutput> {
        let mut outputs = Vec::new();
        for (i, o) in input.outputs.iter().enumerate() {
            let name = |f: &str| format!("outputs[{i}].{f}");
            let kind = match present(&o.kind) {
                None => Some(OutputKind::Output),
                Some(raw) => OutputKind::parse(raw),
            };
            if kind.is_none() {
                errors.add(&name("kind"), "invalid_kind");
            }
            let indicator = text(&o.indicator, &name("indicator"), 300, errors);
            if indicator.is_empty() {
                errors.add(&name("indicator"), "required");
            }
            let target = decimal(&o.target, &name("target"), errors);
            if present(&o.target).is_none() {
                errors.add(&name("target"), "required");
            }
            let achieved = decimal(&o.achieved, &name("achieved"), errors);
            if let (Some(kind), Some(target)) = (kind, target)
                && !indicator.is_empty()
            {
                outputs.push(ProjectOutput { kind, indicator, target, achieved });
            }
        }
        outputs
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn known() -> ProjectLookups {
        let mut k = ProjectLookups::default();
        k.municipalities.insert("nilufer".into(), MunicipalityId(1));
        k.municipalities.insert("osmangazi".into(), MunicipalityId(2));
        k.programmes.insert("interreg-next-black-sea".into(), (ProgrammeId(5), FunderId(3)));
        k.funders.insert("eu".into(), FunderId(3));
        k.funders.insert("marka".into(), FunderId(4));
        k.targets.insert("11.3".into());
        k.targets.insert("17.a".into());
        k.relations.insert(40);
        k.events.insert(7);
        k
    }

    fn input() -> ProjectInput {
        ProjectInput {
            acronym: Some("GREENPORT".into()),
            title_tr: Some("Yeşil liman".into()),
            title_en: Some("Green port".into()),
            programme: Some("interreg-next-black-sea".into()),
            lead: Some("nilufer".into()),
            partners: vec![
                ProjectPartnerInput {
                    kind: Some("member".into()),
                    municipality: Some("osmangazi".into()),
                    ..Default::default()
                },
                ProjectPartnerInput {
                    kind: Some("foreign".into()),
                    name: Some("Municipality of Varna".into()),
                    country: Some("bg".into()),
                    org_type: Some("municipality".into()),
                    role: Some("co_applicant".into()),
                    ..Default::default()
                },
            ],
            budget: Some("1.250.000,50".into()),
            grant: Some("1000000".into()),
            currency: Some("eur".into()),
            start: Some("2026-01-01".into()),
            end: Some("2027-12-31".into()),
            sdgs: vec!["11".into(), "17".into()],
            targets: vec!["11.3".into(), "17.A".into()],
            outputs: vec![ProjectOutputInput {
                kind: Some("result".into()),
                indicator: Some("Workshops held".into()),
                target: Some("12".into()),
                achieved: Some("7".into()),
            }],
            relations: vec!["40".into()],
            events: vec!["7".into()],
            ..Default::default()
        }
    }

    #[test]
    fn a_full_project_parses_with_exact_amounts_and_the_programmes_funder() {
        let f = ProjectFields::parse(&input(), &known()).unwrap();
        assert_eq!(f.funder, Some(FunderId(3)));
        assert_eq!(f.budget.as_ref().unwrap().amount.to_string(), "1250000.5");
        assert_eq!(f.grant.as_ref().unwrap().currency, "EUR");
        assert_eq!(f.partners[1].country(), "BG");
        assert_eq!(f.partners[1].role, PartnerRole::CoApplicant);
        assert_eq!(f.partners[0].role, PartnerRole::Partner);
        assert_eq!(f.targets, ["11.3", "17.a"]);
        assert_eq!(f.outputs[0].achieved, Some(Decimal::from(7)));
        assert_eq!(f.members(), [MunicipalityId(1), MunicipalityId(2)]);
        assert_eq!(f.year(), Some(2026));
    }

    #[test]
    fn every_bad_field_is_named() {
        let mut bad = input();
        bad.acronym = None;
        bad.title_en = Some(" ".into());
        bad.programme = Some("nope".into());
        bad.lead = Some("nowhere".into());
        bad.partners[0].municipality = Some("atlantis".into());
        bad.partners[1].country = Some("XX1".into());
        bad.partners[1].role = Some("boss".into());
        bad.grant = Some("2000000".into());
        bad.budget = Some("1000".into());
        bad.end = Some("2025-12-31".into());
        bad.sdgs = vec!["18".into(), "11".into()];
        bad.targets = vec!["17.a".into(), "99.9".into()];
        bad.outputs.push(ProjectOutputInput { target: Some("lots".into()), ..Default::default() });
        bad.relations = vec!["41".into()];
        bad.events = vec!["x".into()];
        let errors = ProjectFields::parse(&bad, &known()).unwrap_err();
        let fields: Vec<&str> = errors.fields.keys().map(String::as_str).collect();
        assert_eq!(
            fields,
            [
                "acronym",
                "end",
                "events[0]",
                "grant",
                "lead",
                "outputs[1].indicator",
                "outputs[1].target",
                "partners[0].municipality",
                "partners[1].country",
                "partners[1].role",
                "programme",
                "relations[0]",
                "sdgs",
                "targets[0]",
                "targets[1]",
                "title_en",
            ]
        );
        assert_eq!(errors.fields["grant"], "grant_above_budget");
        assert_eq!(errors.fields["targets[0]"], "target_goal_not_chosen");
        assert_eq!(errors.fields["end"], "end_before_start");
    }

    #[test]
    fn amounts_need_a_currency_and_a_funder_must_be_the_programmes() {
        let mut i = input();
        i.currency = None;
        i.funder = Some("marka".into());
        let errors = ProjectFields::parse(&i, &known()).unwrap_err();
        assert_eq!(errors.fields["currency"], "required");
        assert_eq!(errors.fields["funder"], "funder_not_of_programme");
        let mut i = input();
        i.partners[0].municipality = Some("nilufer".into());
        assert_eq!(
            ProjectFields::parse(&i, &known()).unwrap_err().fields["partners[0].municipality"],
            "partner_is_lead"
        );
    }

    #[test]
    fn the_status_follows_the_dates() {
        let f = ProjectFields::parse(&input(), &known()).unwrap();
        assert_eq!(f.status_on(date!(2025 - 12 - 31)), ProjectStatus::Planned);
        assert_eq!(f.status_on(date!(2026 - 01 - 01)), ProjectStatus::Ongoing);
        assert_eq!(f.status_on(date!(2027 - 12 - 31)), ProjectStatus::Ongoing);
        assert_eq!(f.status_on(date!(2028 - 01 - 01)), ProjectStatus::Completed);
        let mut undated = f.clone();
        undated.start = None;
        assert_eq!(undated.status_on(date!(2030 - 01 - 01)), ProjectStatus::Planned);
    }
}
