//! Storage of sister-city and cooperation relations: the registry, the legal trail, activities, documents
//! and goals. Every write carries its audit entry. `dormant_before`: an active relation whose latest activity
//! is older is dormant.

use async_trait::async_trait;
use std::collections::HashMap;
use time::{Date, OffsetDateTime};

use super::{
    CountrySummary, Document, GoalActivity, MemberCountryLink, NewActivity, NewDocument, NewPartnership, Partnership,
    PartnershipDetail, PartnershipFilter, PartnershipId, Stage, TrailEvent,
};
use crate::domain::{Change, City, CountryCode, GoalNumber, Localized, Page, Paged};
use crate::store::StoreResult;

/// The partnerships' writes that can join a [`crate::store::UnitOfWork`].
#[async_trait]
pub trait PartnershipWrites: Send {
    /// Deletes a relation and everything recorded under it (its full record goes to the audit log first,
    /// with [`crate::store::UnitOfWork::record`]).
    async fn delete_partnership(&mut self, id: PartnershipId) -> StoreResult<()>;

    /// Points every relation with partner `place` at `city` (its sort key and country too); returns how many.
    async fn move_partner_city(&mut self, place: i64, city: &City) -> StoreResult<u64>;

    /// Counts work of another capability (an event or delegation, a project) as activity on a relation: moves
    /// its last-activity date forward to `on`, never back, and so ends its dormancy. Returns whether the date
    /// moved (`false` for an unknown relation or one whose latest activity is already as recent).
    async fn note_activity(&mut self, id: PartnershipId, on: Date) -> StoreResult<bool>;
}

/// Persistence of partnerships (see the module's documentation).
#[async_trait]
pub trait PartnershipStore: Send + Sync + 'static {
    /// Creates a partnership, or returns `None` when the member already has one with that partner.
    async fn create_partnership(&self, new: &NewPartnership, change: &Change) -> StoreResult<Option<PartnershipId>>;

    /// One partnership with its trail, activities and documents (`missing` left empty for the service).
    async fn partnership(&self, id: PartnershipId, dormant_before: Date) -> StoreResult<Option<PartnershipDetail>>;

    /// Partnerships matching `filter`, by member (Turkish order), then partner name.
    async fn list_partnerships(
        &self,
        filter: &PartnershipFilter,
        dormant_before: Date,
        page: Page,
    ) -> StoreResult<Paged<Partnership>>;

    /// `limit` partnerships matching `filter` in list order after the first `skip`, in one read without a
    /// count (for the map, and the CSV export in batches).
    async fn export_partnerships(
        &self,
        filter: &PartnershipFilter,
        dormant_before: Date,
        skip: u64,
        limit: u32,
    ) -> StoreResult<Vec<Partnership>>;

    /// Appends a trail step and moves the stage, only if the stage is still `expected`
    /// (otherwise `Conflict("stage_changed")`): two people recording at once cannot both win.
    async fn record_step(
        &self,
        id: PartnershipId,
        expected: Stage,
        step: &RecordedStep,
        change: &Change,
    ) -> StoreResult<()>;

    /// Logs a joint activity and moves the partnership's last-activity date forward.
    async fn add_activity(&self, id: PartnershipId, activity: &NewActivity, change: &Change) -> StoreResult<i64>;

    async fn add_document(&self, id: PartnershipId, document: &NewDocument, change: &Change) -> StoreResult<i64>;

    async fn document(&self, id: PartnershipId, document: i64) -> StoreResult<Option<Document>>;

    /// The relations matching `filter` counted per member and partner country, with the mean position of those
    /// partners, in one `GROUP BY` read (members and countries are named from two small reads), by member id then
    /// country: a map of many relations draws one line per pair instead of one arc per relation.
    async fn member_country_links(
        &self,
        filter: &PartnershipFilter,
        dormant_before: Date,
    ) -> StoreResult<Vec<MemberCountryLink>>;

    /// Relations per partner country (terminated ones excluded), most first.
    async fn partnership_countries(&self, dormant_before: Date) -> StoreResult<Vec<CountrySummary>>;

    /// The countries that have partners, with their names, for filter choices (cheap: one index).
    async fn partner_countries(&self) -> StoreResult<Vec<(CountryCode, Localized)>>;

    /// The recorded steps of each partnership.
    async fn trails(&self, ids: &[PartnershipId]) -> StoreResult<HashMap<PartnershipId, Vec<(Stage, Date)>>>;

    /// Replaces a partnership's goals with `sdgs`, with its audit entry; `false` when there is no such
    /// partnership.
    async fn set_partnership_sdgs(&self, id: PartnershipId, sdgs: &[GoalNumber], change: &Change) -> StoreResult<bool>;

    /// Stores the municipality's choice to publish a proposal before its council decision (or to withdraw
    /// it), with its audit entry; `false` when there is no such partnership.
    async fn set_partnership_published(&self, id: PartnershipId, published: bool, change: &Change)
    -> StoreResult<bool>;

    /// Corrects the date of a proposal while nothing else is recorded on it (its stage is still `proposed`
    /// and its trail holds the proposal alone), with its audit entry. `false` when there is no such proposal
    /// or a step was recorded meanwhile.
    async fn set_proposal_date(&self, id: PartnershipId, date: Date, change: &Change) -> StoreResult<bool>;

    /// The newest `limit` activities tagged with `goal`, of relations visitors may see.
    async fn activities_with_goal(&self, goal: GoalNumber, limit: u32) -> StoreResult<Vec<GoalActivity>>;

    /// Every recorded step of each partnership, in the order recorded (for exports).
    /// The relations with partner `place` whose member already has one with `city` (they would duplicate it
    /// when `place` is merged into `city`), by id.
    async fn relations_duplicated_by_merge(&self, place: i64, city: i64) -> StoreResult<Vec<PartnershipId>>;

    async fn trail_events(&self, ids: &[PartnershipId]) -> StoreResult<HashMap<PartnershipId, Vec<TrailEvent>>>;
}

/// A trail step as the store writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedStep {
    pub stage: Stage,
    pub new_stage: Stage,
    pub date: Date,
    pub decision_number: Option<String>,
    pub reference: Option<String>,
    pub authority: Option<String>,
    pub place: Option<String>,
    pub signatories: Option<String>,
    pub reason: Option<String>,
    pub backfilled: bool,
    /// Whether the trail still has gaps after this step.
    pub trail_incomplete: bool,
    /// Moves the last-activity date (activation counts as the first sign of life).
    pub activity_on: Option<Date>,
    pub actor: String,
    pub recorded_at: OffsetDateTime,
    /// How many steps the trail held when the service read it. The step is stored only if that is still
    /// so: the stage alone does not change when a step is back-filled, so two copies of one back-fill, or a
    /// back-fill racing a termination, would otherwise both pass.
    pub trail_len: usize,
}
