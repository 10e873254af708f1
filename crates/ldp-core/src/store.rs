//! The one storage interface. `ldp-store` implements it for SQLite and PostgreSQL; a conformance suite
//! holds both to the same behaviour.

use async_trait::async_trait;
use std::fmt;

use std::collections::HashMap;
use time::{Date, OffsetDateTime};

use crate::domain::partnership::{
    CountrySummary, Document, GoalActivity, NewActivity, NewDocument, NewPartnership, Partnership, PartnershipDetail,
    PartnershipFilter, PartnershipId, Stage, TrailEvent,
};
use crate::domain::{
    AuditEntry, AuditFilter, Change, LinkPurpose, MembershipFields, MunicipalMembership, MunicipalityId,
    MunicipalityProfile, NetworkId, NewUser, Representative, RepresentativeFields, Role, Session, StoredUser, User,
    UserId,
};
use crate::domain::{
    City, CityFilter, Coordinates, Country, CountryCode, GoalNumber, Localized, Municipality, MunicipalityFilter,
    Network, Page, Paged, Province, SdgGoal, SdgGoalDetail, Union,
};
use crate::feed::FeedStore;
use crate::jobs::{JobStore, NewJob};
use crate::reference::{LoadReport, ReferenceCounts, ReferenceData};
use crate::registry::NetworkRegistryStore;
use crate::services::tokens::ApiToken;

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

/// How many failed sign-ins a window allows.
#[derive(Debug, Clone, Copy)]
pub struct AttemptLimits {
    /// The window's start.
    pub since: OffsetDateTime,
    /// Failures for one address (since its last success).
    pub per_address: u32,
    /// Failures from one client address.
    pub per_client: u32,
}

/// What [`Store::prune_expired`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: u64,
    pub links: u64,
    pub attempts: u64,
}

/// The answer to [`Store::claim_sign_in_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptClaim {
    /// The attempt is recorded (as a failure until confirmed); check the password.
    Granted(i64),
    /// Too many failures: do not check the password. `last` is the latest failure of the address.
    Locked { last: Option<OffsetDateTime> },
}

/// Persistence for the platform's capabilities. Handlers hold an `Arc<dyn Store>`, never a pool. Newer
/// capabilities have their own trait beside their domain (the job queue: [`JobStore`]; the networks
/// registry: [`NetworkRegistryStore`]; the change feed: [`FeedStore`]); `Store` includes
/// them, so an `Arc<dyn Store>` upcasts to each.
#[async_trait]
pub trait Store: JobStore + NetworkRegistryStore + FeedStore + Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Answers when the database is reachable.
    async fn ping(&self) -> StoreResult<()>;

    /// Applies pending schema migrations.
    async fn migrate(&self) -> StoreResult<()>;

    // Reference data.

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

    /// Merges a place made from a source list into the gazetteer city it is (or into another list place, when
    /// two rows named one place differently): its relations point at `city` (a relation the member already
    /// has with `city` is written whole to the audit log and removed), and the place is deleted. Returns how
    /// many relations moved. `Conflict` when `place` is not a source-list place, or `city` is missing or is
    /// `place` itself.
    async fn merge_source_place(&self, place: i64, city: i64, change: &Change) -> StoreResult<u64>;

    /// The partner places made from source lists (at most 1,000), by country and name.
    async fn source_places(&self) -> StoreResult<Vec<SourcePlace>>;

    /// A value of the platform's own bookkeeping (data versions).
    async fn meta(&self, key: &str) -> StoreResult<Option<String>>;

    async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()>;

    async fn reference_counts(&self) -> StoreResult<ReferenceCounts>;

    async fn union_info(&self) -> StoreResult<Option<Union>>;

    // Networks.

    /// All networks, by acronym.
    async fn list_networks(&self) -> StoreResult<Vec<Network>>;

    async fn network_by_slug(&self, slug: &str) -> StoreResult<Option<Network>>;

    // Municipalities.

    /// The region's provinces in Turkish collation order.
    async fn list_provinces(&self) -> StoreResult<Vec<Province>>;

    /// Municipalities matching `filter`, in Turkish collation order of province, then top municipality first,
    /// then name.
    async fn list_municipalities(&self, filter: &MunicipalityFilter, page: Page) -> StoreResult<Paged<Municipality>>;

    async fn municipality_by_slug(&self, slug: &str) -> StoreResult<Option<Municipality>>;

    async fn municipality(&self, id: MunicipalityId) -> StoreResult<Option<Municipality>>;

    /// The municipalities with these ids, in one read, in Turkish collation order (unknown ids are skipped).
    async fn municipalities_by_id(&self, ids: &[MunicipalityId]) -> StoreResult<Vec<Municipality>>;

    // SDGs.

    async fn list_goals(&self) -> StoreResult<Vec<SdgGoal>>;

    async fn goal(&self, number: GoalNumber) -> StoreResult<Option<SdgGoalDetail>>;

    // Countries and the gazetteer.

    /// Countries in Turkish collation order of their Turkish name.
    async fn list_countries(&self, page: Page) -> StoreResult<Paged<Country>>;

    async fn country(&self, code: &CountryCode) -> StoreResult<Option<Country>>;

    /// Cities matching `filter`, most populous first.
    async fn search_cities(&self, filter: &CityFilter, page: Page) -> StoreResult<Paged<City>>;

    async fn city(&self, id: i64) -> StoreResult<Option<City>>;

    // Partnerships. `dormant_before`: an active relation whose latest activity is older is dormant.

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

    /// The first `limit` partnerships matching `filter` in list order, in one read without a count
    /// (for the map and the CSV export).
    async fn export_partnerships(
        &self,
        filter: &PartnershipFilter,
        dormant_before: Date,
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
    async fn trail_events(&self, ids: &[PartnershipId]) -> StoreResult<HashMap<PartnershipId, Vec<TrailEvent>>>;

    /// Every gazetteer city with its folded names, for matching imports.
    async fn gazetteer(&self) -> StoreResult<Vec<GazetteerEntry>>;

    // API tokens.

    async fn create_api_token(&self, token: &NewApiToken<'_>, change: &Change) -> StoreResult<ApiToken>;

    async fn api_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<ApiToken>>;

    async fn touch_api_token(&self, id: i64, now: OffsetDateTime) -> StoreResult<()>;

    /// Revokes a live token; `false` when there is none with that id (or it was revoked already).
    async fn revoke_api_token(&self, id: i64, change: &Change) -> StoreResult<bool>;

    async fn api_token(&self, id: i64) -> StoreResult<Option<ApiToken>>;

    /// Every token, or the tokens of one user.
    async fn list_api_tokens(&self, owner: Option<UserId>) -> StoreResult<Vec<ApiToken>>;

    // Accounts.

    /// Creates a user; `Conflict("email_taken")` when the address is in use. `then` is queued in the same
    /// transaction (the invitation mail), so the account never exists without it.
    async fn create_user(&self, new: &NewUser, change: &Change, then: Option<&NewJob>) -> StoreResult<UserId>;

    async fn user(&self, id: UserId) -> StoreResult<Option<StoredUser>>;

    async fn user_by_email(&self, email_folded: &str) -> StoreResult<Option<StoredUser>>;

    /// Every user, by e-mail.
    async fn list_users(&self) -> StoreResult<Vec<User>>;

    /// Changes a user's name, role, municipalities and whether they are disabled (which ends their sessions).
    async fn update_user(&self, id: UserId, update: &UserUpdate, change: &Change) -> StoreResult<()>;

    /// Sets a password and ends the user's other sessions (all but `keep`, a session-id hash).
    async fn set_password(&self, id: UserId, hash: &str, keep: Option<&str>, change: &Change) -> StoreResult<()>;

    async fn create_link(
        &self,
        token_hash: &str,
        user: UserId,
        purpose: LinkPurpose,
        now: OffsetDateTime,
        expires: OffsetDateTime,
    ) -> StoreResult<()>;

    /// The user whose live, unused link this is.
    async fn link_user(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        now: OffsetDateTime,
    ) -> StoreResult<Option<UserId>>;

    /// Uses a live link once, in one transaction: sets the password (and name), ends the user's sessions and
    /// their other open links. `None` when the link is unknown, used or expired.
    async fn redeem_link(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        password_hash: &str,
        name: Option<&str>,
        change: &Change,
    ) -> StoreResult<Option<UserId>>;

    /// Counts the failed sign-ins since `limits.since` (for the address after its last success, and from
    /// the client) and, if both are under their limits, records this attempt as a failure at `at` before
    /// the password is checked, all atomically: concurrent guesses for one address are counted one after
    /// the other, so no more than the limit are ever verified. [`Store::confirm_sign_in_attempt`] turns
    /// the attempt into a success once the password proved right.
    async fn claim_sign_in_attempt(
        &self,
        email_folded: &str,
        client: Option<&str>,
        at: OffsetDateTime,
        limits: &AttemptLimits,
    ) -> StoreResult<AttemptClaim>;

    /// Marks a claimed attempt as a successful sign-in.
    async fn confirm_sign_in_attempt(&self, attempt: i64) -> StoreResult<()>;

    /// Deletes a claimed attempt whose password could not be checked at all (our failure, not a guess), so
    /// it counts toward no lockout.
    async fn forget_sign_in_attempt(&self, attempt: i64) -> StoreResult<()>;

    /// Deletes what has stopped mattering: sessions and one-time links past their expiry (links also once
    /// used), and sign-in attempts older than `attempts_before`. Returns how many rows of each went.
    async fn prune_expired(&self, now: OffsetDateTime, attempts_before: OffsetDateTime) -> StoreResult<Pruned>;

    /// Stores a new session (by the hash of its id) and ends `replaces`, the one the browser had before.
    async fn create_session(
        &self,
        id_hash: &str,
        session: &Session,
        client: Option<&str>,
        replaces: Option<&str>,
    ) -> StoreResult<()>;

    async fn session(&self, id_hash: &str, now: OffsetDateTime) -> StoreResult<Option<Session>>;

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()>;

    /// Ends every session of `user` and revokes every live API token of theirs, with the audit entry
    /// `change`, in one transaction ("sign out everywhere"). Returns how many sessions and tokens ended.
    async fn end_all_access(&self, user: UserId, change: &Change) -> StoreResult<(u64, u64)>;

    /// The deployment's secret `name`, stored as `fresh` by the first node that asks; every later call, on
    /// any node, returns that first value.
    async fn shared_secret(&self, name: &str, fresh: &str) -> StoreResult<String>;

    // The audit trail.

    /// Entries matching `filter`, newest first.
    async fn list_audit(&self, filter: &AuditFilter, page: Page) -> StoreResult<Paged<AuditEntry>>;

    /// The newest `limit` entries matching `filter` (for the CSV export).
    async fn export_audit(&self, filter: &AuditFilter, limit: u32) -> StoreResult<Vec<AuditEntry>>;

    // What municipalities keep about themselves.

    async fn municipality_profile(&self, id: MunicipalityId) -> StoreResult<Option<MunicipalityProfile>>;

    /// Every municipality's profile at once (for the reference read model).
    async fn municipality_profiles(&self) -> StoreResult<Vec<(MunicipalityId, MunicipalityProfile)>>;

    async fn update_municipality_profile(
        &self,
        id: MunicipalityId,
        profile: &MunicipalityProfile,
        change: &Change,
    ) -> StoreResult<()>;

    /// A municipality's representatives in Turkish collation order of name.
    async fn representatives(&self, municipality: MunicipalityId) -> StoreResult<Vec<Representative>>;

    async fn representative(&self, id: i64) -> StoreResult<Option<Representative>>;

    /// Creates (`id` = `None`) or updates a representative of `municipality`.
    async fn save_representative(
        &self,
        municipality: MunicipalityId,
        id: Option<i64>,
        fields: &RepresentativeFields,
        change: &Change,
    ) -> StoreResult<i64>;

    async fn delete_representative(&self, id: i64, change: &Change) -> StoreResult<()>;

    /// A municipality's own network memberships, by network acronym.
    async fn municipal_memberships(&self, municipality: MunicipalityId) -> StoreResult<Vec<MunicipalMembership>>;

    /// The member municipalities of a network, in Turkish collation order.
    async fn network_members(&self, network: NetworkId) -> StoreResult<Vec<MunicipalMembership>>;

    async fn municipal_membership(&self, id: i64) -> StoreResult<Option<MunicipalMembership>>;

    /// Creates (`id` = `None`; `Conflict("membership_exists")` for a second one) or updates a membership.
    async fn save_membership(
        &self,
        municipality: MunicipalityId,
        id: Option<i64>,
        fields: &MembershipFields,
        change: &Change,
    ) -> StoreResult<i64>;
}

/// A new API token as the store writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApiToken<'a> {
    pub name: &'a str,
    pub token_hash: &'a str,
    pub owner: UserId,
    pub read_only: bool,
}

/// What an admin can change about a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUpdate {
    pub name: String,
    pub role: Role,
    pub municipalities: Vec<MunicipalityId>,
    pub disabled: bool,
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

/// What folding a municipality into its successor moved (see [`Store::merge_municipality`]).
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
