//! The public portfolio: its filter parsed from a query, and its summaries with the names of what they group
//! by (municipality, province, programme, funder, SDG, year). Counts and sums of grants per currency come from
//! `domain::projects::tally`; names from the reference data and the funding capability, read only.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use super::super::ServiceError;
use super::Projects;
use crate::domain::projects::{PortfolioFilter, Project, Tally, tally, total};
use crate::domain::{GoalNumber, InputError, Localized, Municipality, MunicipalityId, PlateCode};
use crate::text::collation_key;

/// The raw values of a portfolio filter, as a query string carries them (empty means any).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PortfolioQuery {
    /// A member municipality's slug: projects it leads or is a partner of.
    pub municipality: Option<String>,
    /// A province's plate code (`16`): projects with a member of that province.
    pub province: Option<String>,
    /// A programme's slug.
    pub programme: Option<String>,
    /// A funder's slug.
    pub funder: Option<String>,
    /// An SDG number, 1 to 17.
    pub sdg: Option<String>,
    /// The year projects start.
    pub year: Option<String>,
}

/// One group of a summary: what it is (`key`: a slug, plate, goal number or year), its name, its figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SummaryRow {
    pub key: String,
    pub label: Localized,
    #[serde(flatten)]
    pub tally: Tally,
}

/// The portfolio's summaries over a set of projects.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct PortfolioSummaries {
    pub total: Tally,
    pub municipality: Vec<SummaryRow>,
    pub province: Vec<SummaryRow>,
    pub programme: Vec<SummaryRow>,
    pub funder: Vec<SummaryRow>,
    pub sdg: Vec<SummaryRow>,
    pub year: Vec<SummaryRow>,
}

fn present(raw: &Option<String>) -> Option<&str> {
    raw.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Rows in the Turkish order of their names.
fn by_name(mut rows: Vec<SummaryRow>) -> Vec<SummaryRow> {
    rows.sort_by_cached_key(|r| collation_key(&r.label.tr));
    rows
}

impl Projects {
    /// Parses a portfolio query, naming each bad value.
    pub async fn portfolio_filter(&self, q: &PortfolioQuery) -> Result<PortfolioFilter, ServiceError> {
        let mut errors = InputError::default();
        let mut filter = PortfolioFilter::default();
        if let Some(slug) = present(&q.municipality) {
            match self.reference.municipality_by_slug(slug).await? {
                Some(m) => filter.municipality = Some(m.id),
                None => errors.add("municipality", "unknown_municipality"),
            }
        }
        if let Some(raw) = present(&q.province) {
            match raw.parse::<i64>().ok().and_then(|n| PlateCode::parse(n).ok()) {
                Some(p) => filter.province = Some(p),
                None => errors.add("province", "unknown_province"),
            }
        }
        if let Some(slug) = present(&q.programme) {
            match self.funding.programme_by_slug(slug).await? {
                Some(p) => filter.programme = Some(p.id),
                None => errors.add("programme", "unknown_programme"),
            }
        }
        if let Some(slug) = present(&q.funder) {
            match self.funding.funders().await?.into_iter().find(|f| f.slug == slug) {
                Some(f) => filter.funder = Some(f.id),
                None => errors.add("funder", "unknown_funder"),
            }
        }
        if let Some(raw) = present(&q.sdg) {
            match raw.parse::<i64>().ok().and_then(|n| GoalNumber::parse(n).ok()) {
                Some(g) => filter.sdg = Some(g),
                None => errors.add("sdg", "unknown_goal"),
            }
        }
        if let Some(raw) = present(&q.year) {
            match raw.parse::<i32>() {
                Ok(y) if (1990..=2100).contains(&y) => filter.year = Some(y),
                _ => errors.add("year", "invalid_project_year"),
            }
        }
        if errors.is_empty() { Ok(filter) } else { Err(ServiceError::Invalid(errors)) }
    }

    /// The members taking part in `projects`, by id (for names and provinces).
    pub async fn members_of(
        &self,
        projects: &[Project],
    ) -> Result<HashMap<MunicipalityId, Municipality>, ServiceError> {
        let mut ids: Vec<MunicipalityId> = projects.iter().flat_map(|p| p.fields.members()).collect();
        ids.sort_by_key(|m| m.0);
        ids.dedup();
        Ok(self.reference.municipalities_by_id(&ids).await?.into_iter().map(|m| (m.id, m)).collect())
    }

    /// The published projects that pass `filter`, with the members they involve.
    pub async fn portfolio(
        &self,
        filter: &PortfolioFilter,
    ) -> Result<(Vec<Project>, HashMap<MunicipalityId, Municipality>), ServiceError> {
        let mut projects = self.public_projects().await?;
        let members = self.members_of(&projects).await?;
        projects.retain(|p| filter.admits(&p.fields, |m| members.get(&m).map(|x| x.province.plate)));
        Ok((projects, members))
    }

    /// The summaries of `projects`, whose members are in `members`.
    pub async fn summaries(
        &self,
        projects: &[Project],
        members: &HashMap<MunicipalityId, Municipality>,
    ) -> Result<PortfolioSummaries, ServiceError> {
        let fields: Vec<_> = projects.iter().map(|p| &p.fields).collect();
        let row = |key: String, label: Localized, tally: Tally| SummaryRow { key, label, tally };
        let municipality = tally(fields.iter().copied(), |p| p.members().into_iter().map(|m| m.0).collect())
            .into_iter()
            .filter_map(|(id, t)| {
                let m = members.get(&MunicipalityId(id))?;
                Some(row(m.slug.clone(), m.official_name(), t))
            })
            .collect();
        let province = tally(fields.iter().copied(), |p| {
            let mut plates: Vec<u8> =
                p.members().iter().filter_map(|m| members.get(m)).map(|m| m.province.plate.get()).collect();
            plates.sort();
            plates
        });
        let province_names: HashMap<u8, String> =
            members.values().map(|m| (m.province.plate.get(), m.province.name.clone())).collect();
        let province = province
            .into_iter()
            .map(|(plate, t)| {
                let name = province_names.get(&plate).cloned().unwrap_or_default();
                row(plate.to_string(), Localized::new(name.clone(), name), t)
            })
            .collect();
        let programmes = self.funding.programmes().await?;
        let programme = tally(fields.iter().copied(), |p| p.programme.into_iter().collect())
            .into_iter()
            .filter_map(|(id, t)| {
                let p = programmes.iter().find(|p| p.id == id)?;
                Some(row(p.slug.clone(), p.name.clone(), t))
            })
            .collect();
        let funders = self.funding.funders().await?;
        let funder = tally(fields.iter().copied(), |p| p.funder.map(|f| f.0).into_iter().collect())
            .into_iter()
            .filter_map(|(id, t)| {
                let f = funders.iter().find(|f| f.id.0 == id)?;
                Some(row(f.slug.clone(), f.name.clone(), t))
            })
            .collect();
        let goals = self.reference.list_goals().await?;
        let sdg = tally(fields.iter().copied(), |p| p.sdgs.clone())
            .into_iter()
            .map(|(g, t)| {
                let label = goals.iter().find(|x| x.number == g).map(|x| x.short_name.clone()).unwrap_or_default();
                row(g.get().to_string(), label, t)
            })
            .collect();
        let year = tally(fields.iter().copied(), |p| p.year().into_iter().collect())
            .into_iter()
            .rev()
            .map(|(y, t)| row(y.to_string(), Localized::new(y.to_string(), y.to_string()), t))
            .collect();
        Ok(PortfolioSummaries {
            total: total(fields.iter().copied()),
            municipality: by_name(municipality),
            province: by_name(province),
            programme: by_name(programme),
            funder: by_name(funder),
            sdg,
            year,
        })
    }
}
