//! Storage of the funding capability: funders, programmes and calls. A slice of its own: [`crate::store::Store`]
//! includes it, so an `Arc<dyn Store>` serves it too. Every write takes the [`Change`] it is audited with.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::data::FundingData;
use super::eligibility::Applicant;
use super::types::{Call, CallFields, CallFilter, CallId, Funder, FundingLoadReport, Programme, Saved};
use crate::domain::{Change, Page, Paged, UserId};
use crate::store::StoreResult;

#[async_trait]
pub trait FundingStore: Send + Sync + 'static {
    /// Every funder, in Turkish alphabetical order.
    async fn funders(&self) -> StoreResult<Vec<Funder>>;
    /// Every programme, in Turkish alphabetical order of its name.
    async fn programmes(&self) -> StoreResult<Vec<Programme>>;
    async fn programme_by_slug(&self, slug: &str) -> StoreResult<Option<Programme>>;
    /// Upserts the shipped funders and programmes by slug in one transaction with its audit entry.
    async fn load_funding_data(&self, data: &FundingData, change: &Change) -> StoreResult<FundingLoadReport>;

    /// One page of calls matching `filter`, the next deadline first (calls without one last), with the total.
    /// `now` decides the status filter (see [`super::call_status`]).
    async fn calls(&self, filter: &CallFilter, now: OffsetDateTime, page: Page) -> StoreResult<Paged<Call>>;
    /// The published calls open at `now` that `who` may be eligible for, the next deadline first, `page` of
    /// them, without counting them: those whose own and whose programme's recorded countries, provinces and
    /// applicant types admit `who`, that leave no Turkish NUTS region unresolved and that record some rule at
    /// all. A pre-filter for [`super::check`], which alone gives the verdict: it leaves out no call `check` finds
    /// eligible.
    async fn open_call_candidates(&self, who: &Applicant, now: OffsetDateTime, page: Page) -> StoreResult<Vec<Call>>;
    async fn call(&self, id: CallId) -> StoreResult<Option<Call>>;
    async fn call_by_identifier(&self, identifier: &str) -> StoreResult<Option<Call>>;
    /// Creates the call, or replaces the fields of the call with the same identifier (`Unchanged`, with no
    /// write and no entry, when they are equal). `published` and `suggested_by` are set on creation only.
    async fn save_call(
        &self,
        fields: &CallFields,
        published: bool,
        suggested_by: Option<UserId>,
        source: &str,
        change: &Change,
    ) -> StoreResult<Saved>;
    /// Replaces a call's fields (its identifier included); `Conflict("call_exists")` when the new identifier
    /// is another call's, `Conflict("call_not_found")` when there is no such call.
    async fn update_call(&self, id: CallId, fields: &CallFields, change: &Change) -> StoreResult<()>;
    /// Publishes a suggested call; `false` (and no entry) when it already was public.
    async fn publish_call(&self, id: CallId, change: &Change) -> StoreResult<bool>;
}
