//! Whether a member municipality may apply to a call, and why: a pure function of the programme's
//! eligibility, the call's narrowing of it and the municipality (country, province, kind).

use serde::Serialize;
use time::Date;
use utoipa::ToSchema;

use super::types::{ApplicantType, Eligibility, Programme};
use crate::domain::{Municipality, MunicipalityKind, PlateCode};

/// The answer for one municipality and one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Eligible,
    NotEligible,
    /// Nothing recorded here settles it: read the call's documents.
    Check,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Eligible => "eligible",
            Verdict::NotEligible => "not_eligible",
            Verdict::Check => "check",
        }
    }
}

/// One ground of the answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Ground {
    /// Türkiye is among the eligible countries (or none are named).
    CountryIn,
    CountryOut,
    /// The municipality's province is in the eligible area.
    ProvinceIn,
    ProvinceOut,
    /// Only NUTS regions are recorded, not provinces.
    RegionUnrecorded,
    ApplicantTypeIn,
    ApplicantTypeOut,
    /// The call belongs to no programme here and names no eligibility of its own.
    NothingRecorded,
}

impl Ground {
    pub fn as_str(self) -> &'static str {
        match self {
            Ground::CountryIn => "country_in",
            Ground::CountryOut => "country_out",
            Ground::ProvinceIn => "province_in",
            Ground::ProvinceOut => "province_out",
            Ground::RegionUnrecorded => "region_unrecorded",
            Ground::ApplicantTypeIn => "applicant_type_in",
            Ground::ApplicantTypeOut => "applicant_type_out",
            Ground::NothingRecorded => "nothing_recorded",
        }
    }

    /// What the ground is about: country, area, applicant type, or nothing recorded.
    fn kind(self) -> u8 {
        match self {
            Ground::CountryIn | Ground::CountryOut => 0,
            Ground::ProvinceIn | Ground::ProvinceOut | Ground::RegionUnrecorded => 1,
            Ground::ApplicantTypeIn | Ground::ApplicantTypeOut => 2,
            Ground::NothingRecorded => 3,
        }
    }

    fn refuses(self) -> bool {
        matches!(self, Ground::CountryOut | Ground::ProvinceOut | Ground::ApplicantTypeOut)
    }

    fn leaves_open(self) -> bool {
        matches!(self, Ground::RegionUnrecorded | Ground::NothingRecorded)
    }
}

/// The answer with its grounds and where the programme's facts come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EligibilityCheck {
    pub verdict: Verdict,
    pub grounds: Vec<Ground>,
    /// The programme's source for its eligibility, when the call has a programme.
    pub source_url: Option<String>,
    #[serde(serialize_with = "crate::domain::serde_date::serialize_opt")]
    #[schema(value_type = Option<String>, format = Date)]
    pub as_of: Option<Date>,
}

/// What an applicant municipality is, for the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applicant {
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub province: Option<PlateCode>,
    pub types: Vec<ApplicantType>,
}

impl Applicant {
    /// A Turkish member municipality: a metropolitan municipality is also a municipality.
    pub fn municipality(m: &Municipality) -> Applicant {
        let types = match m.kind {
            MunicipalityKind::Metropolitan => {
                vec![ApplicantType::MetropolitanMunicipality, ApplicantType::Municipality]
            }
            MunicipalityKind::Provincial | MunicipalityKind::District => vec![ApplicantType::Municipality],
        };
        Applicant { country: "TR".into(), province: Some(m.province.plate), types }
    }
}

fn grounds_of(rules: &Eligibility, who: &Applicant, out: &mut Vec<Ground>) {
    if !rules.countries.is_empty() {
        out.push(if rules.countries.iter().any(|c| c.eq_ignore_ascii_case(&who.country)) {
            Ground::CountryIn
        } else {
            Ground::CountryOut
        });
    }
    if who.country == "TR" {
        if !rules.provinces.is_empty() {
            out.push(if who.province.is_some_and(|p| rules.provinces.contains(&p)) {
                Ground::ProvinceIn
            } else {
                Ground::ProvinceOut
            });
        } else if rules.nuts.iter().any(|n| n.to_ascii_uppercase().starts_with("TR")) {
            out.push(Ground::RegionUnrecorded);
        }
    }
    if !rules.applicant_types.is_empty() {
        out.push(if who.types.iter().any(|t| rules.applicant_types.contains(t)) {
            Ground::ApplicantTypeIn
        } else {
            Ground::ApplicantTypeOut
        });
    }
}

/// Checks `who` against the programme's eligibility and the call's own: both must admit the applicant.
pub fn check(programme: Option<&Programme>, call: &Eligibility, who: &Applicant) -> EligibilityCheck {
    let mut grounds = Vec::new();
    if let Some(p) = programme {
        grounds_of(&p.eligibility, who, &mut grounds);
    }
    grounds_of(call, who, &mut grounds);
    if programme.is_none_or(|p| p.eligibility.is_empty()) && call.is_empty() {
        grounds.push(Ground::NothingRecorded);
    }
    // One ground per kind, the refusing one first: a call that narrows what its programme allowed refuses.
    grounds.sort_by_key(|g| (g.kind(), !g.refuses(), !g.leaves_open()));
    grounds.dedup_by_key(|g| g.kind());
    let verdict = if grounds.iter().any(|g| g.refuses()) {
        Verdict::NotEligible
    } else if grounds.iter().any(|g| g.leaves_open()) {
        Verdict::Check
    } else {
        Verdict::Eligible
    };
    EligibilityCheck {
        verdict,
        grounds,
        source_url: programme.map(|p| p.source_url.clone()),
        as_of: programme.map(|p| p.as_of),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Localized;
    use crate::domain::funding::{FunderId, ProgrammeId};
    use time::macros::date;

    fn plate(n: i64) -> PlateCode {
        PlateCode::parse(n).unwrap()
    }

    fn programme(provinces: &[i64]) -> Programme {
        Programme {
            id: ProgrammeId(1),
            slug: "bg-tr".into(),
            funder: FunderId(1),
            funder_slug: "eu".into(),
            funder_name: Localized::new("AB", "EU"),
            name: Localized::new("Bulgaristan–Türkiye", "Bulgaria–Türkiye"),
            summary: Localized::default(),
            eligibility: Eligibility {
                countries: vec!["BG".into(), "TR".into()],
                provinces: provinces.iter().map(|n| plate(*n)).collect(),
                nuts: vec![],
                applicant_types: vec![ApplicantType::Municipality, ApplicantType::Ngo],
            },
            recurrence: None,
            website: "https://example.org".into(),
            source_url: "https://example.org/area".into(),
            as_of: date!(2026 - 12 - 02),
        }
    }

    fn member(province: i64) -> Applicant {
        Applicant { country: "TR".into(), province: Some(plate(province)), types: vec![ApplicantType::Municipality] }
    }

    #[test]
    fn provinces_decide() {
        let p = programme(&[22, 39]);
        let inside = check(Some(&p), &Eligibility::default(), &member(22));
        assert_eq!(inside.verdict, Verdict::Eligible);
        assert!(inside.grounds.contains(&Ground::ProvinceIn));
        assert_eq!(inside.source_url.as_deref(), Some("https://example.org/area"));
        let outside = check(Some(&p), &Eligibility::default(), &member(34));
        assert_eq!(outside.verdict, Verdict::NotEligible);
        assert!(outside.grounds.contains(&Ground::ProvinceOut));
    }

    #[test]
    fn a_call_narrows_its_programme() {
        let p = programme(&[22, 39]);
        let narrowed = Eligibility { provinces: vec![plate(39)], ..Eligibility::default() };
        assert_eq!(check(Some(&p), &narrowed, &member(22)).verdict, Verdict::NotEligible);
        assert_eq!(check(Some(&p), &narrowed, &member(39)).verdict, Verdict::Eligible);
        let only_ngos = Eligibility { applicant_types: vec![ApplicantType::Ngo], ..Eligibility::default() };
        let refused = check(Some(&p), &only_ngos, &member(22));
        assert_eq!(refused.verdict, Verdict::NotEligible);
        assert_eq!(refused.grounds.iter().filter(|g| g.as_str().starts_with("applicant")).count(), 1);
        assert!(refused.grounds.contains(&Ground::ApplicantTypeOut));
    }

    #[test]
    fn unknown_means_check() {
        assert_eq!(check(None, &Eligibility::default(), &member(34)).verdict, Verdict::Check);
        let nuts_only = Eligibility { nuts: vec!["TR21".into()], ..Eligibility::default() };
        assert_eq!(check(None, &nuts_only, &member(22)).verdict, Verdict::Check);
        let not_tr = Eligibility { countries: vec!["DE".into()], ..Eligibility::default() };
        assert_eq!(check(None, &not_tr, &member(22)).verdict, Verdict::NotEligible);
    }
}
