//! Funders, programmes, calls: the types, each parsed at the edge.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::domain::{InputError, Localized, PlateCode};

/// A funder's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct FunderId(pub i64);

/// A programme's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct ProgrammeId(pub i64);

/// A call's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub struct CallId(pub i64);

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code stored and sent in the API.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn parse(code: &str) -> Option<$name> {
                Self::ALL.iter().copied().find(|v| v.as_str() == code)
            }
        }
    };
}

code_enum!(
    /// Who gives the money.
    FunderKind {
        /// The European Union's own programmes.
        Eu => "eu",
        /// Cross-border and sea-basin programmes (Interreg).
        CrossBorder => "cross_border",
        /// Turkish regional development agencies (Law 5449).
        DevelopmentAgency => "development_agency",
        Ministry => "ministry",
        Embassy => "embassy",
        Foundation => "foundation",
        /// City networks and international organisations that give prizes.
        CityNetwork => "city_network",
        International => "international",
    }
);

code_enum!(
    /// Who may apply.
    ApplicantType {
        Municipality => "municipality",
        MetropolitanMunicipality => "metropolitan_municipality",
        UnionOfMunicipalities => "union_of_municipalities",
        MunicipalCompany => "municipal_company",
        PublicBody => "public_body",
        Ngo => "ngo",
        University => "university",
        Sme => "sme",
    }
);

code_enum!(
    /// What a call is.
    CallKind {
        Grant => "grant",
        /// A competition or award.
        Competition => "competition",
        Tender => "tender",
        PartnerSearch => "partner_search",
    }
);

code_enum!(
    /// How a call's deadlines follow each other.
    DeadlineModel {
        Single => "single",
        TwoStage => "two_stage",
        MultipleCutOff => "multiple_cut_off",
    }
);

code_enum!(
    /// A call's status, derived from its dates.
    CallStatus {
        Forthcoming => "forthcoming",
        Open => "open",
        Closed => "closed",
    }
);

code_enum!(
    /// How often a competition or award comes back.
    Recurrence {
        Annual => "annual",
        Biennial => "biennial",
    }
);

/// Who may apply to a programme or call. An empty list restricts nothing; a call's list narrows its
/// programme's (both must admit the applicant).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Eligibility {
    /// ISO 3166-1 alpha-2 codes.
    pub countries: Vec<String>,
    /// Turkish provinces by plate code. Only says something about applicants in Türkiye.
    #[schema(value_type = Vec<u8>)]
    pub provinces: Vec<PlateCode>,
    /// NUTS regions (e.g. `TR21`), as the programme documents name them.
    pub nuts: Vec<String>,
    pub applicant_types: Vec<ApplicantType>,
}

impl Eligibility {
    pub fn is_empty(&self) -> bool {
        self.countries.is_empty()
            && self.provinces.is_empty()
            && self.nuts.is_empty()
            && self.applicant_types.is_empty()
    }
}

/// One deadline as the call states it: a local date and time in an IANA time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Deadline {
    /// `YYYY-MM-DDTHH:MM` in `zone`.
    pub local: String,
    /// IANA zone name, e.g. `Europe/Brussels`.
    pub zone: String,
    /// The same instant in UTC.
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

impl Deadline {
    /// Parses `local` (`YYYY-MM-DDTHH:MM`, seconds allowed) in `zone`. `None` when either is not valid or
    /// the local time does not exist in the zone.
    pub fn parse(local: &str, zone: &str) -> Option<Deadline> {
        let dt: jiff::civil::DateTime = local.trim().parse().ok()?;
        let tz = jiff::tz::TimeZone::get(zone.trim()).ok()?;
        let instant = tz.to_ambiguous_timestamp(dt).unambiguous().ok()?;
        let at = OffsetDateTime::from_unix_timestamp(instant.as_second()).ok()?;
        Some(Deadline { local: format!("{}", dt.strftime("%Y-%m-%dT%H:%M")), zone: zone.trim().to_owned(), at })
    }

    /// The local date and time as written (`2026-03-12 17:00`).
    pub fn local_display(&self) -> String {
        self.local.replacen('T', " ", 1)
    }

    /// The city part of the zone (`Brussels` for `Europe/Brussels`).
    pub fn zone_city(&self) -> String {
        self.zone.rsplit('/').next().unwrap_or(&self.zone).replace('_', " ")
    }
}

/// An exact amount in a currency; never a float.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct Budget {
    /// ISO 4217 code.
    pub currency: String,
    #[schema(value_type = Option<String>)]
    #[serde(with = "rust_decimal::serde::str_option")]
    pub total: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "rust_decimal::serde::str_option")]
    pub min_per_project: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    #[serde(with = "rust_decimal::serde::str_option")]
    pub max_per_project: Option<Decimal>,
    /// The share the funder pays, in percent (e.g. `90`).
    #[schema(value_type = Option<String>)]
    #[serde(with = "rust_decimal::serde::str_option")]
    pub cofinancing_rate: Option<Decimal>,
}

/// Parses an amount written with `.` or `,` as the decimal mark and spaces or `.`/`,` as grouping
/// (`1 000 000`, `1.000.000,50`, `1,000,000.50`, `2500000`). Refuses negatives, exponents and garbage.
pub fn parse_amount(raw: &str) -> Option<Decimal> {
    let s: String = raw.trim().chars().filter(|c| !c.is_whitespace() && *c != '\u{a0}' && *c != '\'').collect();
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',') {
        return None;
    }
    let last_dot = s.rfind('.');
    let last_comma = s.rfind(',');
    let normal = match (last_dot, last_comma) {
        (Some(d), Some(c)) if d > c => s.replace(',', ""),
        (Some(_), Some(_)) => s.replace('.', "").replace(',', "."),
        (None, Some(c)) if s.matches(',').count() == 1 && s.len() - c - 1 != 3 => s.replace(',', "."),
        (None, Some(_)) => s.replace(',', ""),
        (Some(d), None) if s.matches('.').count() > 1 || (s.len() - d - 1 == 3 && d > 0 && s[..d].len() <= 3) => {
            s.replace('.', "")
        }
        _ => s,
    };
    normal.parse::<Decimal>().ok().filter(|d| !d.is_sign_negative()).map(|d| d.normalize())
}

/// A funder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Funder {
    pub id: FunderId,
    pub slug: String,
    pub kind: FunderKind,
    pub name: Localized,
    pub website: String,
}

/// A programme with the eligibility its calls inherit, the source of those facts and the day they were read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Programme {
    pub id: ProgrammeId,
    pub slug: String,
    pub funder: FunderId,
    pub funder_slug: String,
    pub funder_name: Localized,
    pub name: Localized,
    pub summary: Localized,
    pub eligibility: Eligibility,
    /// Competitions and awards that come back.
    pub recurrence: Option<Recurrence>,
    pub website: String,
    /// Where the eligibility facts come from.
    pub source_url: String,
    #[serde(serialize_with = "crate::domain::serde_date::serialize")]
    #[schema(value_type = String, format = Date)]
    pub as_of: Date,
}

/// The fields of a call as entered, imported or stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CallFields {
    pub identifier: String,
    pub programme: Option<ProgrammeId>,
    pub kind: CallKind,
    pub title: Localized,
    pub summary: Localized,
    #[serde(serialize_with = "crate::domain::serde_date::serialize_opt")]
    #[schema(value_type = Option<String>, format = Date)]
    pub opens_on: Option<Date>,
    pub deadline_model: DeadlineModel,
    pub deadlines: Vec<Deadline>,
    pub budget: Budget,
    pub themes: Vec<String>,
    pub sdgs: Vec<u8>,
    pub link: String,
    /// The call's own narrowing of its programme's eligibility.
    pub eligibility: Eligibility,
}

impl CallFields {
    /// The latest deadline in UTC, which closes the call.
    pub fn last_deadline(&self) -> Option<OffsetDateTime> {
        self.deadlines.iter().map(|d| d.at).max()
    }
}

/// A stored call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Call {
    pub id: CallId,
    #[serde(flatten)]
    pub fields: CallFields,
    /// Public once staff entered or published it; a representative's suggestion waits.
    pub published: bool,
    pub suggested_by: Option<crate::domain::UserId>,
    /// `manual` or `portal` (the EU Funding & Tenders Portal import).
    pub source: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
    /// The iCalendar `SEQUENCE` of the call's deadlines in the deadline feeds: raised by the store whenever
    /// the deadlines change, never lowered.
    #[serde(skip)]
    pub deadline_sequence: i64,
}

impl Call {
    /// Forthcoming before its opening day (Istanbul date), closed after its last deadline, open between.
    pub fn status(&self, now: OffsetDateTime) -> CallStatus {
        call_status(self.fields.opens_on, self.fields.last_deadline(), now)
    }

    /// The next deadline still ahead, if any.
    pub fn next_deadline(&self, now: OffsetDateTime) -> Option<&Deadline> {
        self.fields.deadlines.iter().filter(|d| d.at >= now).min_by_key(|d| d.at)
    }
}

/// The status rule, shared by the domain and the store's filter.
pub fn call_status(opens_on: Option<Date>, last_deadline: Option<OffsetDateTime>, now: OffsetDateTime) -> CallStatus {
    if opens_on.is_some_and(|d| d > crate::clock::istanbul_date(now)) {
        CallStatus::Forthcoming
    } else if last_deadline.is_some_and(|d| d < now) {
        CallStatus::Closed
    } else {
        CallStatus::Open
    }
}

/// What a list of calls is narrowed to. Built from query values by [`CallFilter::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CallFilter {
    pub status: Option<CallStatus>,
    pub kind: Option<CallKind>,
    pub programme: Option<String>,
    pub funder: Option<String>,
    pub sdg: Option<u8>,
    /// Folded words of the title or identifier.
    pub q: Option<String>,
    /// Suggestions waiting for staff are listed only in the workspace.
    pub include_unpublished: bool,
    /// Only calls whose last deadline is at or after this instant (calls without a deadline are left out):
    /// the deadline feeds keep calls closed a while ago and no older ones.
    pub deadline_since: Option<OffsetDateTime>,
}

impl CallFilter {
    pub fn parse(
        status: Option<&str>,
        kind: Option<&str>,
        programme: Option<&str>,
        funder: Option<&str>,
        sdg: Option<&str>,
        q: Option<&str>,
    ) -> Result<CallFilter, InputError> {
        let mut errors = InputError::default();
        let clean = |v: Option<&str>| v.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let status = clean(status).and_then(|s| {
            CallStatus::parse(&s).or_else(|| {
                errors.add("status", "unknown_status");
                None
            })
        });
        let kind = clean(kind).and_then(|s| {
            CallKind::parse(&s).or_else(|| {
                errors.add("type", "unknown_call_type");
                None
            })
        });
        let sdg = clean(sdg).and_then(|s| match s.parse::<u8>() {
            Ok(n) if (1..=17).contains(&n) => Some(n),
            _ => {
                errors.add("sdg", "unknown_goal");
                None
            }
        });
        let q = clean(q).map(|q| crate::text::fold(&q)).filter(|q| !q.is_empty());
        if q.as_ref().is_some_and(|q| q.chars().count() > 100) {
            errors.add("q", "too_long");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(CallFilter {
            status,
            kind,
            programme: clean(programme),
            funder: clean(funder),
            sdg,
            q,
            include_unpublished: false,
            deadline_since: None,
        })
    }
}

/// What the load of the shipped funders and programmes did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FundingLoadReport {
    pub funders_added: u64,
    pub programmes_added: u64,
}

/// What a save of a call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    Created(CallId),
    /// The identifier was known; its fields were replaced.
    Updated(CallId),
    /// The identifier was known with exactly these fields; nothing was written.
    Unchanged(CallId),
}

impl Saved {
    pub fn id(self) -> CallId {
        match self {
            Saved::Created(id) | Saved::Updated(id) | Saved::Unchanged(id) => id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn deadlines_convert_from_their_zone() {
        let d = Deadline::parse("2026-03-12T17:00", "Europe/Brussels").unwrap();
        assert_eq!(d.at, datetime!(2026-03-12 16:00 UTC));
        assert_eq!(d.zone_city(), "Brussels");
        let summer = Deadline::parse("2026-07-01T17:00:00", "Europe/Brussels").unwrap();
        assert_eq!(summer.at, datetime!(2026-07-01 15:00 UTC));
        assert!(Deadline::parse("2026-03-29T02:30", "Europe/Brussels").is_none(), "a time that does not exist");
        assert!(Deadline::parse("2026-03-12T17:00", "Europe/Nowhere").is_none());
        assert!(Deadline::parse("12/03/2026", "Europe/Brussels").is_none());
    }

    #[test]
    fn amounts_are_exact() {
        assert_eq!(parse_amount("1 000 000").unwrap().to_string(), "1000000");
        assert_eq!(parse_amount("1.000.000,50").unwrap().to_string(), "1000000.5");
        assert_eq!(parse_amount("1,000,000.50").unwrap().to_string(), "1000000.5");
        assert_eq!(parse_amount("0.1").unwrap() + parse_amount("0.2").unwrap(), parse_amount("0.3").unwrap());
        assert_eq!(parse_amount("2500000").unwrap().to_string(), "2500000");
        assert_eq!(parse_amount("12,5").unwrap().to_string(), "12.5");
        assert!(parse_amount("-5").is_none());
        assert!(parse_amount("1e6").is_none());
        assert!(parse_amount("").is_none());
    }

    #[test]
    fn status_follows_the_dates() {
        let now = datetime!(2026-11-28 10:00 UTC);
        let d = |s| Some(Date::parse(s, &time::format_description::well_known::Iso8601::DATE).unwrap());
        assert_eq!(call_status(d("2026-12-01"), None, now), CallStatus::Forthcoming);
        assert_eq!(call_status(d("2026-11-28"), Some(datetime!(2026-11-28 10:00:01 UTC)), now), CallStatus::Open);
        assert_eq!(call_status(None, Some(datetime!(2026-11-28 09:59 UTC)), now), CallStatus::Closed);
        assert_eq!(call_status(None, None, now), CallStatus::Open);
    }
}
