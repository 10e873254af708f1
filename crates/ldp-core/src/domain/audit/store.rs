//! Reading the audit log. Entries are written by the other capabilities' stores, each in the transaction of
//! its change (and by a [`crate::store::UnitOfWork`]'s commit), never through this trait.

use async_trait::async_trait;

use crate::domain::{AuditEntry, AuditFilter, Page, Paged};
use crate::store::StoreResult;

/// Reads of the audit log.
#[async_trait]
pub trait AuditStore: Send + Sync + 'static {
    /// Entries matching `filter`, newest first.
    async fn list_audit(&self, filter: &AuditFilter, page: Page) -> StoreResult<Paged<AuditEntry>>;

    /// The newest `limit` entries matching `filter` (for the CSV export).
    async fn export_audit(&self, filter: &AuditFilter, limit: u32) -> StoreResult<Vec<AuditEntry>>;
}
