//! Storage of certificates: one capability slice, included in [`crate::store::Store`].

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{Certificate, CertificateId, NewCertificate, TrainingSnapshot};
use crate::domain::{Change, EventId};
use crate::store::StoreResult;

#[async_trait]
pub trait CertificateStore: Send + Sync + 'static {
    /// The threshold staff set for an event (`None`: the default applies).
    async fn certificate_threshold(&self, event: EventId) -> StoreResult<Option<u8>>;
    /// Sets an event's threshold (1–100) with its audit entry. `Conflict("event_not_found")`.
    async fn set_certificate_threshold(&self, event: EventId, percent: u8, change: &Change) -> StoreResult<()>;
    /// Issues certificates for `training.event` in one transaction that holds the event row: an attendee
    /// certified already is skipped (so issuing twice issues once), each one issued gets its own audit entry
    /// (`change` with the certificate's id and code). Returns those issued. `Conflict("event_not_found")`,
    /// `Conflict("code_taken")` when a code exists already (nothing is written; the caller draws others).
    async fn issue_certificates(
        &self,
        training: &TrainingSnapshot,
        new: &[NewCertificate],
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Certificate>>;
    /// An event's certificates, revoked ones included, in the order they were issued.
    async fn event_certificates(&self, event: EventId) -> StoreResult<Vec<Certificate>>;
    async fn certificate_by_code(&self, code: &str) -> StoreResult<Option<Certificate>>;
    /// The certificates issued to an address (folded, see `fold_email`), newest first.
    async fn certificates_of(&self, email_key: &str) -> StoreResult<Vec<Certificate>>;
    /// Revokes a certificate with a reason and its audit entry; `false` (and no entry) when it was revoked
    /// already. `Conflict("certificate_not_found")`.
    async fn revoke_certificate(
        &self,
        id: CertificateId,
        reason: &str,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool>;
}
