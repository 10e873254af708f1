//! Storage of the reference data: the union, its networks, provinces and municipalities, countries, the
//! gazetteer, the SDGs, the platform's own bookkeeping (`meta`), the reference load, and the places and
//! municipalities folded into others. Pages read most of it; the loader and the importer write it.

use async_trait::async_trait;

use crate::domain::{
    Change, City, CityFilter, Coordinates, Country, CountryCode, GoalNumber, Municipality, MunicipalityFilter,
    MunicipalityId, Network, Page, PageSlice, Paged, Province, SdgGoal, SdgGoalDetail, Union,
};
use crate::reference::{LoadReport, ReferenceCounts, ReferenceData};
use crate::store::StoreResult;

/// The reference data's writes that can join a [`crate::store::UnitOfWork`] (merging a place from a source
/// list into the city it is: `services::import::merge_source_place`).
#[async_trait]
pub trait ReferenceWrites: Send {
    /// Deletes a place made from a source list (nothing else: gazetteer cities stay).
    async fn delete_source_place(&mut self, place: i64) -> StoreResult<()>;
}

/// Persistence of the reference data (see the module's documentation).
#[async_trait]
pub trait ReferenceStore: Send + Sync + 'static {
    /// The version of the reference data last loaded, if any.
    async fn reference_version(&self) -> StoreResult<Option<String>>;

    /// Loads the reference data in one transaction: inserts what is missing, refreshes what changed,
    /// never deletes, and records `version`.
    async fn load_reference(&self, data: &ReferenceData, version: &str) -> StoreResult<LoadReport>;

    /// Folds the municipality `old` (a slug) into `into`: its relations, memberships, representatives and
    /// users move over, what would duplicate the successor's own is written whole to the audit log and
    /// removed, and `old` is deleted, all in one transaction with `change` as the audit entry. `None` when
    /// `old` is not in the store.
    async fn merge_municipality(
        &self,
        old: &str,
        into: &str,
        change: &Change,
    ) -> StoreResult<Option<MunicipalityMerge>>;

    /// Makes a partner place from a source list's row (negative id, marked with the list), or finds the one
    /// the same row made before.
    async fn create_source_place(&self, place: &NewSourcePlace, change: &Change) -> StoreResult<i64>;

    /// The partner places made from source lists (at most 1,000), by country and name.
    async fn source_places(&self) -> StoreResult<Vec<SourcePlace>>;

    /// A value of the platform's own bookkeeping (data versions).
    async fn meta(&self, key: &str) -> StoreResult<Option<String>>;

    async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()>;

    async fn reference_counts(&self) -> StoreResult<ReferenceCounts>;

    async fn union_info(&self) -> StoreResult<Option<Union>>;

    /// All networks, by acronym.
    async fn list_networks(&self) -> StoreResult<Vec<Network>>;

    async fn network_by_slug(&self, slug: &str) -> StoreResult<Option<Network>>;

    /// The region's provinces in Turkish collation order.
    async fn list_provinces(&self) -> StoreResult<Vec<Province>>;

    /// Municipalities matching `filter`, in Turkish collation order of province, then top municipality first,
    /// then name.
    async fn list_municipalities(&self, filter: &MunicipalityFilter, page: Page) -> StoreResult<Paged<Municipality>>;

    async fn municipality_by_slug(&self, slug: &str) -> StoreResult<Option<Municipality>>;

    async fn municipality(&self, id: MunicipalityId) -> StoreResult<Option<Municipality>>;

    /// The municipalities with these ids, in one read, in Turkish collation order (unknown ids are skipped).
    async fn municipalities_by_id(&self, ids: &[MunicipalityId]) -> StoreResult<Vec<Municipality>>;

    async fn list_goals(&self) -> StoreResult<Vec<SdgGoal>>;

    async fn goal(&self, number: GoalNumber) -> StoreResult<Option<SdgGoalDetail>>;

    /// Countries in Turkish collation order of their Turkish name.
    async fn list_countries(&self, page: Page) -> StoreResult<Paged<Country>>;

    async fn country(&self, code: &CountryCode) -> StoreResult<Option<Country>>;

    /// Cities matching `filter`: those one of whose names is the query first, then most populous first; a
    /// page without a count (whether another follows is read, not counted).
    async fn search_cities(&self, filter: &CityFilter, page: Page) -> StoreResult<PageSlice<City>>;

    async fn city(&self, id: i64) -> StoreResult<Option<City>>;

    /// Every gazetteer city with its folded names, for matching imports.
    async fn gazetteer(&self) -> StoreResult<Vec<GazetteerEntry>>;
}

/// What folding a municipality into its successor moved (see [`ReferenceStore::merge_municipality`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct MunicipalityMerge {
    pub partnerships_moved: u64,
    /// Relations the successor already had (same partner), or that would join it to itself; their full
    /// record is in the audit log.
    pub partnerships_dropped: u64,
    pub memberships_moved: u64,
    pub memberships_dropped: u64,
    pub representatives_moved: u64,
    pub users_moved: u64,
}

/// A partner place made from a row of a source list, for a partner the gazetteer does not have.
#[derive(Debug, Clone, PartialEq)]
pub struct NewSourcePlace {
    pub name: String,
    pub country: CountryCode,
    pub location: Coordinates,
    /// The list the row came from, shown with the place.
    pub source_list: String,
}

/// A partner place made from a source list, with how many relations point at it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourcePlace {
    pub id: i64,
    pub name: String,
    pub country: CountryCode,
    pub location: Coordinates,
    pub source_list: String,
    pub relations: u64,
}

/// A city as the importer needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct GazetteerEntry {
    pub id: i64,
    pub names_folded: String,
    pub country: String,
    pub lat: f64,
    pub lng: f64,
    pub population: i64,
}
