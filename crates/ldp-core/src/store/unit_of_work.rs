//! A unit of work: one transaction in which several capabilities write, closed by one audit entry.
//!
//! Most changes touch one capability and its store method writes the change and its audit entry in one
//! transaction. A change that spans capabilities (an account and its invitation mail; a user's sessions and
//! tokens; a place from a source list merged into a city, with its relations) opens a unit with [`UnitOfWorkStore::begin`], runs each capability's transactional writes on it
//! (`unit.accounts()`, `unit.jobs()`, …), and calls [`UnitOfWork::commit`] with the change: the audit entry is
//! written in the same transaction and everything lands together, or nothing does. A unit dropped without
//! `commit` (an error, an early return) is rolled back. No store method per combination is needed.

use async_trait::async_trait;

use super::{
    AccountWrites, ContactWrites, EventWrites, JobWrites, PartnershipWrites, ProjectWrites, ReferenceWrites,
    SavedSearchWrites, StoreResult,
};
use crate::domain::Change;

/// An open transaction on which capabilities write (see the module's documentation).
#[async_trait]
pub trait UnitOfWork: Send {
    /// The accounts' writes, in this unit's transaction.
    fn accounts(&mut self) -> &mut dyn AccountWrites;

    /// The contact inbox's writes, in this unit's transaction.
    fn contact(&mut self) -> &mut dyn ContactWrites;

    /// The events' writes (a registration), in this unit's transaction.
    fn events(&mut self) -> &mut dyn EventWrites;

    /// The job queue's writes, in this unit's transaction.
    fn jobs(&mut self) -> &mut dyn JobWrites;

    /// The partnerships' writes, in this unit's transaction.
    fn partnerships(&mut self) -> &mut dyn PartnershipWrites;

    /// The applications' and projects' writes (an award and the project it creates), in this unit's transaction.
    fn projects(&mut self) -> &mut dyn ProjectWrites;

    /// The reference data's writes, in this unit's transaction.
    fn reference(&mut self) -> &mut dyn ReferenceWrites;

    /// The claims of saved searches' alert keys, in this unit's transaction.
    fn saved_searches(&mut self) -> &mut dyn SavedSearchWrites;

    /// Appends an audit entry besides the one [`UnitOfWork::commit`] writes (a record written whole to the log
    /// before the unit removes it).
    async fn record(&mut self, change: &Change) -> StoreResult<()>;

    /// Writes `change` to the audit log and commits the unit: every write and the entry land together.
    async fn commit(self: Box<Self>, change: &Change) -> StoreResult<()>;
}

/// Opens units of work.
#[async_trait]
pub trait UnitOfWorkStore: Send + Sync + 'static {
    /// Starts a writing transaction (on SQLite it takes the write lock at once, like every write).
    async fn begin(&self) -> StoreResult<Box<dyn UnitOfWork>>;
}
