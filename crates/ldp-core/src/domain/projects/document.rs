//! Documents of an application (drafts, letters of intent, the submitted form, the decision): files checked by
//! content and stored through [`crate::services::documents::Uploads`], like a publication's files.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::ApplicationId;

/// An application document's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[schema(value_type = i64)]
pub struct ApplicationDocumentId(pub i64);

/// A document to record, its bytes already stored under `storage_key`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplicationDocument {
    pub filename: String,
    /// The type its content was detected as (never the name's extension).
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub storage_key: String,
    /// Who uploaded it (the audit trail's actor label).
    pub uploaded_by: String,
}

/// A stored document of an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ApplicationDocument {
    pub id: ApplicationDocumentId,
    pub application: ApplicationId,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    #[serde(skip)]
    pub storage_key: String,
    pub uploaded_by: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
