//! Partnership records as the platform stores and shows them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::domain::{Coordinates, CountryCode, GoalNumber, InputError, Localized, MunicipalityKind};

/// Database id of a partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[schema(value_type = i64)]
pub struct PartnershipId(pub i64);

impl fmt::Display for PartnershipId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $field:literal, $code:literal { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = InputError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| InputError::new($field, $code))
            }
        }
    };
}

string_enum!(
    /// What kind of relation a partnership is.
    PartnershipKind, "kind", "unknown_partnership_kind" {
        /// Kardeş şehir.
        SisterCity = "sister_city",
        /// Dost şehir.
        Friendship = "friendship",
        /// İşbirliği protokolü.
        Cooperation = "cooperation",
    }
);

string_enum!(
    /// Where a partnership stands on its legal trail. Dormancy is not a stage: it is read from the activity log.
    Stage, "stage", "unknown_stage" {
        Proposed = "proposed",
        CouncilApproved = "council_approved",
        Permitted = "permitted",
        MfaInformed = "mfa_informed",
        Signed = "signed",
        Active = "active",
        Terminated = "terminated",
    }
);

impl Stage {
    /// Whether the relation has ended (by council decision): nothing more is recorded on its trail, and the
    /// steps it lacks are closed as not recorded rather than awaited.
    pub fn is_ended(self) -> bool {
        self == Stage::Terminated
    }
}

string_enum!(
    /// The kind of a supporting document.
    DocumentKind, "document_kind", "unknown_document_kind" {
        CouncilDecision = "council_decision",
        MinistryPermission = "ministry_permission",
        SignedProtocol = "signed_protocol",
        Other = "other",
    }
);

string_enum!(
    /// The kind of a joint activity.
    ActivityKind, "activity_kind", "unknown_activity_kind" {
        Visit = "visit",
        Delegation = "delegation",
        Event = "event",
        Project = "project",
        Exchange = "exchange",
        Meeting = "meeting",
        Other = "other",
    }
);

string_enum!(
    /// A theme a partnership works on.
    Theme, "themes", "unknown_theme" {
        Culture = "culture",
        Education = "education",
        Economy = "economy",
        Tourism = "tourism",
        Environment = "environment",
        Climate = "climate",
        Health = "health",
        Youth = "youth",
        Sport = "sport",
        UrbanPlanning = "urban_planning",
        Disaster = "disaster",
        Migration = "migration",
        Water = "water",
        Energy = "energy",
    }
);

/// The member side of a partnership.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct MemberRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub kind: MunicipalityKind,
    pub province: String,
    pub location: Coordinates,
}

impl MemberRef {
    /// The member's official name, e.g. "Bursa Büyükşehir Belediyesi".
    pub fn official_name(&self) -> Localized {
        crate::domain::official_name(&self.name, self.kind, &self.province)
    }
}

/// The partner: a city from the world gazetteer, or another member municipality.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PartnerRef {
    /// `city` (GeoNames) or `municipality` (a member).
    pub kind: PartnerKind,
    /// GeoNames id or municipality id (negative for a place made from a source list).
    pub id: i64,
    /// The name as GeoNames gives it (international, mostly English), or the member's name.
    pub name: String,
    /// The Turkish name (GeoNames' Turkish-tagged name, e.g. "Kahire" for Cairo), else `name`.
    pub name_tr: String,
    /// Set when the partner is a place made from a row of this source list, not a GeoNames city.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_list: Option<String>,
    /// Municipality slug, for member partners.
    pub slug: Option<String>,
    pub country: CountryCode,
    pub country_name: Localized,
    pub location: Coordinates,
}

/// Which register the partner comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PartnerKind {
    City,
    Municipality,
}

impl PartnerRef {
    /// Whether the partner is outside Türkiye, which is what makes ministry permission mandatory.
    pub fn is_abroad(&self) -> bool {
        self.country.as_str() != "TR"
    }

    /// The name to show in `lang`: Turkish pages say Kahire, Münih and Lefkoşa, English ones Cairo, Munich
    /// and Nicosia.
    pub fn display_name(&self, lang: crate::domain::Lang) -> &str {
        match lang {
            crate::domain::Lang::Tr => &self.name_tr,
            _ => &self.name,
        }
    }
}

impl Partnership {
    /// Puts the partner's name in `lang` into `partner.name`, for pages and exports that show one language.
    /// The API leaves both names as they are.
    pub fn localize(&mut self, lang: crate::domain::Lang) {
        self.partner.name = self.partner.display_name(lang).to_owned();
    }
}

/// A sister-city, friendship or cooperation relation.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Partnership {
    pub id: PartnershipId,
    pub member: MemberRef,
    pub partner: PartnerRef,
    pub kind: PartnershipKind,
    pub stage: Stage,
    /// Contacts with foreign embassies or consulates were involved, so the Ministry of Foreign Affairs must be
    /// informed before signing (Law 1173).
    pub foreign_missions: bool,
    /// Imported without its legal trail; the compliance view lists what is missing.
    pub trail_incomplete: bool,
    /// No logged activity within the dormancy period (computed when read).
    pub dormant: bool,
    /// Date of the latest joint activity, or of activation when none is logged.
    #[schema(value_type = Option<String>, format = Date)]
    #[serde(serialize_with = "crate::domain::serde_date::serialize_opt")]
    pub last_activity: Option<Date>,
    pub themes: Vec<Theme>,
    pub sdgs: Vec<GoalNumber>,
    pub notes: Localized,
    /// Where an imported relation came from.
    pub source: Option<String>,
    /// The municipality chose to publish the proposal before its council decision is recorded.
    pub published: bool,
}

impl Partnership {
    /// Whether visitors see the relation: a proposal stays in the workspace until the council decides on it
    /// (any later stage, including an ending, rests on a council decision) or the municipality publishes it.
    pub fn is_public(&self) -> bool {
        self.stage != Stage::Proposed || self.published
    }
}

/// One step of the trail, as recorded. History is never rewritten.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TrailEvent {
    pub id: i64,
    pub stage: Stage,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "crate::domain::serde_date::serialize")]
    pub date: Date,
    /// Council decision number (council decisions and termination).
    pub decision_number: Option<String>,
    /// Ministry reference (permission).
    pub reference: Option<String>,
    /// The authority that gave permission.
    pub authority: Option<String>,
    /// Where the protocol was signed.
    pub place: Option<String>,
    /// Who signed it.
    pub signatories: Option<String>,
    /// Why the relation ended.
    pub reason: Option<String>,
    /// Recorded after the fact for an imported relation.
    pub backfilled: bool,
    pub actor: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub recorded_at: OffsetDateTime,
}

/// A joint activity of the two partners.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Activity {
    pub id: i64,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "crate::domain::serde_date::serialize")]
    pub date: Date,
    pub title: Localized,
    pub kind: ActivityKind,
    pub sdgs: Vec<GoalNumber>,
    pub actor: String,
}

/// A joint activity tagged with a goal, with the relation it belongs to (for the goal's page).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GoalActivity {
    pub id: i64,
    pub partnership: PartnershipId,
    #[schema(value_type = String, format = Date)]
    #[serde(serialize_with = "crate::domain::serde_date::serialize")]
    pub date: Date,
    pub title: Localized,
    pub kind: ActivityKind,
    pub member_name: String,
    pub partner_name: String,
}

/// A stored supporting document.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Document {
    pub id: i64,
    pub kind: DocumentKind,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    #[serde(skip)]
    pub storage_key: String,
    pub actor: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub uploaded_at: OffsetDateTime,
}

/// A partnership with everything its page shows.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct PartnershipDetail {
    #[serde(flatten)]
    pub partnership: Partnership,
    pub trail: Vec<TrailEvent>,
    pub activities: Vec<Activity>,
    pub documents: Vec<Document>,
    /// What an inspector would find missing, in order.
    pub missing: Vec<super::MissingStep>,
}

/// What a list of partnerships may be narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PartnershipFilter {
    pub municipality: Option<String>,
    pub province: Option<crate::domain::PlateCode>,
    pub country: Option<CountryCode>,
    pub kind: Option<PartnershipKind>,
    pub stage: Option<Stage>,
    pub sdg: Option<GoalNumber>,
    pub dormant: Option<bool>,
    pub trail_incomplete: Option<bool>,
    /// Ended (terminated) relations only, or only those not ended.
    pub ended: Option<bool>,
    /// Also list proposals that are not public yet (workspace views). Off by default, so a public list can
    /// only show them by asking.
    pub include_unpublished: bool,
}

/// The raw values of a partnership filter, as a query string carries them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct PartnershipQuery {
    pub municipality: Option<String>,
    pub province: Option<String>,
    pub country: Option<String>,
    pub kind: Option<String>,
    pub stage: Option<String>,
    pub sdg: Option<String>,
    pub dormant: Option<String>,
    pub trail: Option<String>,
    pub ended: Option<String>,
}

fn present(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl PartnershipFilter {
    /// Parses every field, reporting all bad ones at once.
    pub fn parse(q: &PartnershipQuery) -> Result<PartnershipFilter, InputError> {
        let mut errors = InputError::default();
        let mut filter = PartnershipFilter::default();
        if let Some(m) = present(&q.municipality) {
            if m.len() <= 80 && m.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
                filter.municipality = Some(m.to_owned());
            } else {
                errors.add("municipality", "unknown_municipality");
            }
        }
        if let Some(p) = present(&q.province) {
            match p.parse::<i64>().ok().and_then(|n| crate::domain::PlateCode::parse(n).ok()) {
                Some(p) => filter.province = Some(p),
                None => errors.add("province", "unknown_province"),
            }
        }
        if let Some(c) = present(&q.country) {
            match CountryCode::parse(c) {
                Ok(c) => filter.country = Some(c),
                Err(_) => errors.add("country", "invalid_country_code"),
            }
        }
        if let Some(k) = present(&q.kind) {
            match k.parse() {
                Ok(k) => filter.kind = Some(k),
                Err(_) => errors.add("kind", "unknown_partnership_kind"),
            }
        }
        if let Some(s) = present(&q.stage) {
            match s.parse() {
                Ok(s) => filter.stage = Some(s),
                Err(_) => errors.add("stage", "unknown_stage"),
            }
        }
        if let Some(g) = present(&q.sdg) {
            match g.parse::<i64>().ok().and_then(|n| GoalNumber::parse(n).ok()) {
                Some(g) => filter.sdg = Some(g),
                None => errors.add("sdg", "unknown_goal"),
            }
        }
        for (field, raw, slot) in [
            ("dormant", &q.dormant, &mut filter.dormant),
            ("trail", &q.trail, &mut filter.trail_incomplete),
            ("ended", &q.ended, &mut filter.ended),
        ] {
            match present(raw) {
                None => {}
                Some("true" | "yes" | "1") => *slot = Some(true),
                Some("false" | "no" | "0") => *slot = Some(false),
                Some(_) => errors.add(field, "not_a_boolean"),
            }
        }
        if errors.is_empty() { Ok(filter) } else { Err(errors) }
    }
}

/// How many relations a member has with one country.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CountrySummary {
    pub country: CountryCode,
    pub name: Localized,
    /// ISO 3166-1 numeric code (the map's country id), when the country table knows the country.
    pub numeric: Option<String>,
    pub partnerships: u64,
    pub members: u64,
    pub dormant: u64,
}

/// A member's relations with one partner country, counted together: what a map of many relations draws as one
/// arc (weighted by `partnerships`) instead of one per relation.
#[derive(Debug, Clone, PartialEq)]
pub struct MemberCountryLink {
    pub member: MemberRef,
    pub country: CountryCode,
    pub country_name: Localized,
    /// ISO 3166-1 numeric code (the map's country id), when the country table knows the country.
    pub numeric: Option<String>,
    /// How many of the member's relations (matching the filter) have a partner in `country`.
    pub partnerships: u64,
    /// The mean position of those partners, where the arc ends.
    pub partners_at: Coordinates,
}

/// A member's relations whose trail has gaps.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ComplianceEntry {
    pub partnership: Partnership,
    pub missing: Vec<super::MissingStep>,
}

/// A new partnership as the service receives it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPartnership {
    pub municipality_id: i64,
    pub partner: NewPartner,
    pub kind: PartnershipKind,
    pub foreign_missions: bool,
    pub themes: Vec<Theme>,
    pub sdgs: Vec<GoalNumber>,
    pub notes: Localized,
    /// Set for imported relations, which arrive active but without their trail.
    pub imported_from: Option<String>,
    pub proposed_on: Date,
}

/// The partner of a new partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewPartner {
    City(i64),
    Municipality(i64),
}

/// A new joint activity.
#[derive(Debug, Clone, PartialEq)]
pub struct NewActivity {
    pub date: Date,
    pub title: Localized,
    pub kind: ActivityKind,
    pub sdgs: Vec<GoalNumber>,
}

/// A new document, already checked and stored under `storage_key`.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDocument {
    pub kind: DocumentKind,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
}
