//! Storage, one trait per capability. Each capability's trait lives beside its domain (partnerships in
//! `domain/partnership/store.rs`, accounts in `domain/account/store.rs`, the workspace's municipal records in
//! `domain/workspace/store.rs`, the audit log's reads in `domain/audit/store.rs`, the reference data in
//! `reference/store.rs`, the job queue in `jobs.rs`, the networks registry in `registry.rs`, editable pages in
//! `domain/content/store.rs`, publications in `domain/publication/store.rs`, news posts in
//! `domain/news/store.rs`, personal calendar feeds in `domain/calendar/store.rs`). [`Store`] is their
//! union, so an `Arc<dyn Store>` serves every capability and upcasts to each trait; services hold only the
//! traits they use. Work that spans capabilities runs in one [`UnitOfWork`]. `ldp-store` implements all of it
//! for SQLite and PostgreSQL; a conformance suite holds both to the same behaviour.

mod unit_of_work;

use async_trait::async_trait;
use std::fmt;

pub use crate::domain::account::{
    AccountStore, AccountWrites, AttemptClaim, AttemptLimits, NewApiToken, Pruned, UserUpdate,
};
pub use crate::domain::attendance::AttendanceStore;
pub use crate::domain::audit::AuditStore;
pub use crate::domain::calendar::CalendarStore;
pub use crate::domain::certificate::CertificateStore;
pub use crate::domain::contact::{ContactStore, ContactWrites};
pub use crate::domain::content::ContentStore;
pub use crate::domain::delegation::DelegationStore;
pub use crate::domain::event::{EventStore, EventWrites};
pub use crate::domain::funding::FundingStore;
pub use crate::domain::news::NewsStore;
pub use crate::domain::partnership::{PartnershipStore, PartnershipWrites, RecordedStep};
pub use crate::domain::projects::{ProjectStore, ProjectWrites};
pub use crate::domain::publication::PublicationStore;
pub use crate::domain::saved_search::{SavedSearchStore, SavedSearchWrites};
pub use crate::domain::workspace::WorkspaceStore;
pub use crate::feed::FeedStore;
pub use crate::jobs::{JobStore, JobWrites};
pub use crate::reference::{
    GazetteerEntry, MunicipalityMerge, NewSourcePlace, ReferenceStore, ReferenceWrites, SourcePlace,
};
pub use crate::registry::NetworkRegistryStore;
pub use unit_of_work::{UnitOfWork, UnitOfWorkStore};

/// What can go wrong below the services.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A uniqueness or foreign-key rule refused the write; the name says which.
    #[error("conflict with stored data: {0}")]
    Conflict(String),
    /// The database could not be reached or answered with an error.
    #[error("database error: {0}")]
    Database(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Stored data could not be turned back into domain types.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
}

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        })
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Every capability's storage in one object, plus what concerns the database as a whole. Handlers and the
/// binary hold an `Arc<dyn Store>`, never a pool; it upcasts to each capability's trait
/// (`let accounts: Arc<dyn AccountStore> = store.clone();`), which is what services keep.
#[async_trait]
pub trait Store:
    ReferenceStore
    + PartnershipStore
    + AccountStore
    + WorkspaceStore
    + AuditStore
    + ContactStore
    + JobStore
    + NetworkRegistryStore
    + FundingStore
    + ContentStore
    + EventStore
    + PublicationStore
    + NewsStore
    + CalendarStore
    + DelegationStore
    + AttendanceStore
    + CertificateStore
    + ProjectStore
    + SavedSearchStore
    + FeedStore
    + UnitOfWorkStore
    + Send
    + Sync
    + 'static
{
    fn backend(&self) -> Backend;

    /// Answers when the database is reachable.
    async fn ping(&self) -> StoreResult<()>;

    /// Applies pending schema migrations.
    async fn migrate(&self) -> StoreResult<()>;
}

/// Every storage trait, for code that calls store methods on a concrete store (tests on `SqlStore`): a
/// method of a capability's trait needs that trait in scope, except through `dyn Store`.
pub mod prelude {
    pub use super::AttendanceStore;
    pub use super::CertificateStore;
    pub use super::SavedSearchStore;
    pub use super::{
        AccountStore, AuditStore, CalendarStore, ContactStore, ContentStore, DelegationStore, EventStore, FundingStore,
        JobStore, NetworkRegistryStore, NewsStore, PartnershipStore, ProjectStore, PublicationStore, ReferenceStore,
        Store, UnitOfWorkStore, WorkspaceStore,
    };
}
