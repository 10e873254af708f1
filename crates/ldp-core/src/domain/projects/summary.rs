//! The portfolio's filters and summaries: counts of projects and sums of their grants per currency, grouped
//! by municipality, province, programme, funder, SDG or year. A project's year is the year it starts (an
//! undated project has none), so a year's sums count each grant once.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use super::application::Amount;
use super::project::ProjectFields;
use crate::domain::funding::{FunderId, ProgrammeId};
use crate::domain::{GoalNumber, MunicipalityId, PlateCode};

/// Which projects a portfolio list shows: every one when empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PortfolioFilter {
    /// Taking part, as lead or member partner.
    pub municipality: Option<MunicipalityId>,
    /// Some member taking part lies in this province.
    pub province: Option<PlateCode>,
    pub programme: Option<ProgrammeId>,
    pub funder: Option<FunderId>,
    pub sdg: Option<GoalNumber>,
    /// The year the project starts.
    pub year: Option<i32>,
}

impl PortfolioFilter {
    /// Whether `p` passes; `province_of` gives a member's province.
    pub fn admits(&self, p: &ProjectFields, province_of: impl Fn(MunicipalityId) -> Option<PlateCode>) -> bool {
        let members = p.members();
        self.municipality.is_none_or(|m| members.contains(&m))
            && self.province.is_none_or(|pr| members.iter().any(|m| province_of(*m) == Some(pr)))
            && self.programme.is_none_or(|x| p.programme == Some(x))
            && self.funder.is_none_or(|x| p.funder == Some(x))
            && self.sdg.is_none_or(|g| p.sdgs.contains(&g))
            && self.year.is_none_or(|y| p.start.map(|s| s.year()) == Some(y))
    }

    pub fn is_empty(&self) -> bool {
        *self == PortfolioFilter::default()
    }
}

/// How many projects, and their grants summed per currency (ordered by currency code).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Tally {
    pub count: u64,
    pub grants: Vec<Amount>,
}

impl Tally {
    fn add(&mut self, p: &ProjectFields) {
        self.count += 1;
        if let Some(g) = &p.grant {
            match self.grants.iter_mut().find(|a| a.currency == g.currency) {
                Some(a) => a.amount += g.amount,
                None => {
                    self.grants.push(Amount { amount: g.amount, currency: g.currency.clone() });
                    self.grants.sort_by(|a, b| a.currency.cmp(&b.currency));
                }
            }
        }
    }

    /// The sum in `currency` (zero when none).
    pub fn grant_in(&self, currency: &str) -> Decimal {
        self.grants.iter().find(|a| a.currency == currency).map_or(Decimal::ZERO, |a| a.amount)
    }
}

/// Tallies `projects` under each key `keys` gives a project (a project under several keys counts in each;
/// one under none counts in none).
pub fn tally<'a, K: Ord>(
    projects: impl IntoIterator<Item = &'a ProjectFields>,
    keys: impl Fn(&ProjectFields) -> Vec<K>,
) -> BTreeMap<K, Tally> {
    let mut out: BTreeMap<K, Tally> = BTreeMap::new();
    for p in projects {
        let mut ks = keys(p);
        ks.dedup();
        for k in ks {
            out.entry(k).or_default().add(p);
        }
    }
    out
}

/// The total over `projects`.
pub fn total<'a>(projects: impl IntoIterator<Item = &'a ProjectFields>) -> Tally {
    let mut t = Tally::default();
    for p in projects {
        t.add(p);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Localized;
    use time::macros::date;

    fn project(lead: i64, grant: Option<(&str, &str)>, start: Option<time::Date>, sdgs: &[i64]) -> ProjectFields {
        ProjectFields {
            acronym: "X".into(),
            title: Localized::new("x", "x"),
            summary: Localized::default(),
            programme: Some(ProgrammeId(1)),
            funder: Some(FunderId(1)),
            lead: MunicipalityId(lead),
            partners: vec![],
            budget: None,
            grant: grant.map(|(a, c)| Amount { amount: a.parse().unwrap(), currency: c.into() }),
            start,
            end: None,
            sdgs: sdgs.iter().map(|n| GoalNumber::parse(*n).unwrap()).collect(),
            targets: vec![],
            outputs: vec![],
            relations: vec![],
            events: vec![],
        }
    }

    #[test]
    fn grants_are_summed_exactly_per_currency_and_counted_under_each_goal() {
        let ps = [
            project(1, Some(("0.10", "EUR")), Some(date!(2025 - 03 - 01)), &[11, 17]),
            project(1, Some(("0.20", "EUR")), Some(date!(2026 - 03 - 01)), &[11]),
            project(2, Some(("1500000", "TRY")), Some(date!(2026 - 05 - 01)), &[]),
            project(2, None, None, &[11]),
        ];
        let by_goal = tally(&ps, |p| p.sdgs.clone());
        let g11 = &by_goal[&GoalNumber::parse(11).unwrap()];
        assert_eq!(g11.count, 3);
        assert_eq!(g11.grant_in("EUR").to_string(), "0.30");
        let by_year = tally(&ps, |p| p.start.map(|s| s.year()).into_iter().collect());
        assert_eq!(by_year.keys().copied().collect::<Vec<_>>(), [2025, 2026]);
        assert_eq!(by_year[&2026].grants.iter().map(|a| a.currency.as_str()).collect::<Vec<_>>(), ["EUR", "TRY"]);
        let all = total(&ps);
        assert_eq!((all.count, all.grant_in("TRY").to_string()), (4, "1500000".to_owned()));
        let f = PortfolioFilter { year: Some(2026), ..Default::default() };
        assert_eq!(ps.iter().filter(|p| f.admits(p, |_| None)).count(), 2);
        let f = PortfolioFilter { province: Some(PlateCode::parse(16).unwrap()), ..Default::default() };
        assert_eq!(ps.iter().filter(|p| f.admits(p, |m| (m.0 == 2).then(|| PlateCode::parse(16).unwrap()))).count(), 2);
    }
}
