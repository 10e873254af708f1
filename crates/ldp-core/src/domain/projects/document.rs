//! Documents of applications (drafts, letters of intent, the submitted form, the decision) and of projects
//! (reports, deliverables, leaflets): files checked by content and stored through
//! [`crate::services::documents::Uploads`], like a publication's files. One table holds both (migration 0047);
//! [`DocumentOwner`] says whose a document is. An application's documents are always private; a project's may
//! be marked public, and then show on the published project's public page.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{ApplicationId, ProjectId};

/// A document's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[schema(value_type = i64)]
pub struct FundingDocumentId(pub i64);

/// Whose a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DocumentOwner {
    Application(ApplicationId),
    Project(ProjectId),
}

impl DocumentOwner {
    /// The record type its documents are audited as.
    pub fn record_type(self) -> &'static str {
        match self {
            DocumentOwner::Application(_) => "funding_application_document",
            DocumentOwner::Project(_) => "project_document",
        }
    }

    /// The first part of its documents' storage keys (`applications/7/…`, `projects/3/…`).
    pub fn key_prefix(self) -> String {
        match self {
            DocumentOwner::Application(id) => format!("applications/{}", id.0),
            DocumentOwner::Project(id) => format!("projects/{}", id.0),
        }
    }

    /// The owner as the audit entry's JSON names it (`{"application": 7}`, `{"project": 3}`).
    pub fn json(self) -> serde_json::Value {
        match self {
            DocumentOwner::Application(id) => serde_json::json!({ "application": id.0 }),
            DocumentOwner::Project(id) => serde_json::json!({ "project": id.0 }),
        }
    }
}

/// A document to record, its bytes already stored under `storage_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFundingDocument {
    pub filename: String,
    /// The type its content was detected as (never the name's extension).
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
    /// Who uploaded it (the audit trail's actor label).
    pub uploaded_by: String,
    /// Shown on the published project's public page (projects only; the store refuses it for an application).
    pub public: bool,
}

/// A stored document of an application or a project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FundingDocument {
    pub id: FundingDocumentId,
    /// `{"application": id}` or `{"project": id}`.
    #[serde(flatten)]
    pub owner: DocumentOwner,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    #[serde(skip)]
    pub storage_key: String,
    pub uploaded_by: String,
    /// Listed and served on the published project's public page (always `false` for an application's).
    pub public: bool,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
