//! Reading the audit trail: the whole log for admins and auditors, one record's history for whoever may see
//! the record.

use std::sync::Arc;

use super::ServiceError;
use crate::domain::{Actor, AuditEntry, AuditFilter, Page, Paged, Role};
use crate::store::AuditStore;

/// Most rows one CSV export carries.
pub const EXPORT_LIMIT: u32 = 100_000;

#[derive(Clone)]
pub struct Audit {
    store: Arc<dyn AuditStore>,
}

impl Audit {
    pub fn new(store: Arc<dyn AuditStore>) -> Self {
        Audit { store }
    }

    /// Narrows `filter` to what `actor` may read: everything for admins and auditors, a representative's own
    /// municipalities for the history of one record; staff see any record's history.
    fn scope(actor: &Actor, mut filter: AuditFilter) -> Result<AuditFilter, ServiceError> {
        let one_record = filter.record_type.is_some() && filter.record_id.is_some();
        match actor.role {
            Some(Role::Admin | Role::Auditor) => Ok(filter),
            Some(Role::Staff) if one_record => Ok(filter),
            Some(Role::Representative) if one_record => {
                filter.municipalities = Some(actor.municipalities.clone());
                Ok(filter)
            }
            _ => Err(ServiceError::Forbidden),
        }
    }

    pub async fn list(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        page: Page,
    ) -> Result<Paged<AuditEntry>, ServiceError> {
        let filter = Self::scope(actor, filter)?;
        Ok(self.store.list_audit(&filter, page).await?)
    }

    /// The newest `limit` entries matching `filter` (at most [`EXPORT_LIMIT`]); an export reads the next batch
    /// by setting `filter.before_id` to the last entry's id.
    pub async fn export(
        &self,
        actor: &Actor,
        filter: AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, ServiceError> {
        let filter = Self::scope(actor, filter)?;
        Ok(self.store.export_audit(&filter, limit.min(EXPORT_LIMIT)).await?)
    }

    /// The latest changes to the records of a representative's municipalities, or to anything for the
    /// union's staff (the dashboard's "recent changes").
    pub async fn recent(&self, actor: &Actor, limit: u32) -> Result<Vec<AuditEntry>, ServiceError> {
        let mut filter = AuditFilter::default();
        match actor.role {
            Some(Role::Admin | Role::Auditor | Role::Staff) => {}
            Some(Role::Representative) => filter.municipalities = Some(actor.municipalities.clone()),
            None => return Err(ServiceError::Forbidden),
        }
        Ok(self.store.export_audit(&filter, limit).await?)
    }
}
