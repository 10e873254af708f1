//! A municipality's application for funding, and the one path its stage moves along.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use crate::domain::MunicipalityId;
use crate::domain::funding::{ApplicantType, CallId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[schema(value_type = i64)]
pub struct ApplicationId(pub i64);

/// Where an application stands. It moves idea → partner search → drafting → submitted, and from
/// submitted to awarded, rejected or withdrawn; never back and never past a stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStage {
    Idea,
    PartnerSearch,
    Drafting,
    Submitted,
    Awarded,
    Rejected,
    Withdrawn,
}

impl ApplicationStage {
    pub const ALL: [ApplicationStage; 7] = [
        ApplicationStage::Idea,
        ApplicationStage::PartnerSearch,
        ApplicationStage::Drafting,
        ApplicationStage::Submitted,
        ApplicationStage::Awarded,
        ApplicationStage::Rejected,
        ApplicationStage::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ApplicationStage::Idea => "idea",
            ApplicationStage::PartnerSearch => "partner_search",
            ApplicationStage::Drafting => "drafting",
            ApplicationStage::Submitted => "submitted",
            ApplicationStage::Awarded => "awarded",
            ApplicationStage::Rejected => "rejected",
            ApplicationStage::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(code: &str) -> Option<ApplicationStage> {
        ApplicationStage::ALL.into_iter().find(|s| s.as_str() == code.trim())
    }

    /// The stages this one may move to next (none once decided).
    pub fn next(self) -> &'static [ApplicationStage] {
        use ApplicationStage::*;
        match self {
            Idea => &[PartnerSearch],
            PartnerSearch => &[Drafting],
            Drafting => &[Submitted],
            Submitted => &[Awarded, Rejected, Withdrawn],
            Awarded | Rejected | Withdrawn => &[],
        }
    }

    /// Whether the application is decided (awarded, rejected or withdrawn).
    pub fn is_final(self) -> bool {
        self.next().is_empty()
    }

    /// Checks a move: `Ok` when `to` follows this stage on the path; otherwise the refusal's code
    /// (`stage_final`, `stage_backwards`, `stage_skipped` or `stage_same`).
    pub fn check_move(self, to: ApplicationStage) -> Result<(), &'static str> {
        if self.next().contains(&to) {
            return Ok(());
        }
        if self.is_final() {
            return Err("stage_final");
        }
        if to == self {
            return Err("stage_same");
        }
        let rank = |s: ApplicationStage| ApplicationStage::ALL.iter().position(|x| *x == s).unwrap_or(0).min(4);
        if rank(to) < rank(self) { Err("stage_backwards") } else { Err("stage_skipped") }
    }
}

/// An exact amount in a currency; never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Amount {
    #[schema(value_type = String, example = "250000.50")]
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
}

/// A partner of an application: a member municipality, or an organisation abroad.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ApplicationPartner {
    Member {
        #[schema(value_type = i64)]
        municipality: MunicipalityId,
    },
    Foreign {
        name: String,
        /// ISO 3166-1 alpha-2.
        country: String,
        #[serde(rename = "type")]
        #[schema(value_type = String)]
        org_type: ApplicantType,
    },
}

/// What an application says, parsed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ApplicationFields {
    #[schema(value_type = i64)]
    pub municipality: MunicipalityId,
    #[schema(value_type = Option<i64>)]
    pub call: Option<CallId>,
    pub title: String,
    pub partners: Vec<ApplicationPartner>,
    pub requested: Option<Amount>,
    pub responsible: String,
    pub notes: String,
}

/// A stored application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Application {
    pub id: ApplicationId,
    #[serde(flatten)]
    pub fields: ApplicationFields,
    pub stage: ApplicationStage,
    /// The day the current stage was reached (`YYYY-MM-DD`).
    #[serde(serialize_with = "crate::domain::serde_date::serialize")]
    #[schema(value_type = String, format = Date)]
    pub stage_on: Date,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// One move of an application's stage (the first is its creation at `idea`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StageMove {
    pub from: Option<ApplicationStage>,
    pub to: ApplicationStage,
    /// The day the move happened (a submission's or decision's date, which may be earlier than its entry).
    #[serde(serialize_with = "crate::domain::serde_date::serialize")]
    #[schema(value_type = String, format = Date)]
    pub on: Date,
    /// Who recorded it (the audit trail's actor label).
    pub by: String,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub at: OffsetDateTime,
}

#[cfg(test)]
mod tests {
    use super::ApplicationStage::*;

    #[test]
    fn the_stage_moves_only_along_the_path() {
        assert!(Idea.check_move(PartnerSearch).is_ok());
        assert!(Submitted.check_move(Withdrawn).is_ok());
        assert_eq!(Idea.check_move(Drafting), Err("stage_skipped"));
        assert_eq!(Idea.check_move(Awarded), Err("stage_skipped"));
        assert_eq!(Drafting.check_move(Idea), Err("stage_backwards"));
        assert_eq!(Drafting.check_move(Drafting), Err("stage_same"));
        assert_eq!(Awarded.check_move(Rejected), Err("stage_final"));
        assert_eq!(Drafting.check_move(Withdrawn), Err("stage_skipped"));
    }
}
