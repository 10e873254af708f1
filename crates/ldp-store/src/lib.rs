//! SQLite and PostgreSQL storage for the Local Diplomacy Platform.
//!
//! [`connect`] picks the backend from the URL (`sqlite:…` or `postgres://…`) and returns the one
//! [`Store`] implementation. SQL is shared where the dialects agree; migrations live in one folder per
//! backend with the same numbering.

mod accounts;
mod audit;
pub mod backup;
mod feed;
mod jobs;
mod load;
mod merge;
mod network_registry;
mod partnership_edits;
mod partnerships;
mod pool;
mod read;
mod rows;
mod tokens;
mod ts;
mod uploads;
mod workspace;

pub use feed::LISTENER_APPLICATION_NAME;
pub use uploads::LocalUploads;

use async_trait::async_trait;
use std::sync::Arc;

use std::collections::HashMap;
use time::{Date, OffsetDateTime};

use ldp_core::domain::partnership::{
    CountrySummary, Document, GoalActivity, NewActivity, NewDocument, NewPartnership, Partnership, PartnershipDetail,
    PartnershipFilter, PartnershipId, Stage, TrailEvent,
};
use ldp_core::domain::*;
use ldp_core::feed::{ChangeFeed, FeedStore, Versions};
use ldp_core::reference::{LoadReport, ReferenceCounts, ReferenceData};
use ldp_core::services::tokens::ApiToken;
use ldp_core::store::{
    AttemptClaim, AttemptLimits, Backend, GazetteerEntry, MunicipalityMerge, NewApiToken, NewSourcePlace, Pruned,
    RecordedStep, SourcePlace, Store, StoreError, StoreResult, UserUpdate,
};

pub use pool::{ConnectError, PoolSettings, redact};
use pool::{Pools, db, dispatch};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The store over a native SQLite or PostgreSQL pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    pools: Pools,
    /// This node's change feed, raised after each commit of this store and by [`FeedStore::follow_changes`].
    feed: ChangeFeed,
}

impl SqlStore {
    fn backend_kind(&self) -> Backend {
        match self.pools {
            Pools::Sqlite(_) => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Runs one statement as it is written, outside the [`Store`] interface: for tests that check what the
    /// schema itself refuses (the audit log's append-only triggers).
    #[doc(hidden)]
    pub async fn raw_execute(&self, sql: &str) -> StoreResult<u64> {
        dispatch!(&self.pools, pool => {
            Ok(sqlx::query::<Db>(sqlx::AssertSqlSafe(sql.to_owned())).execute(pool).await.map_err(db)?.rows_affected())
        })
    }

    /// The engine's plan for `sql` (PostgreSQL `EXPLAIN` with sequential scans priced out, so the plan
    /// shows whether an index *can* serve the query whatever the table's size; SQLite `EXPLAIN QUERY PLAN`).
    #[doc(hidden)]
    pub async fn query_plan(&self, sql: &str) -> StoreResult<String> {
        let lines: Vec<String> = match &self.pools {
            pool::Pools::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(db)?;
                sqlx::query("SET LOCAL enable_seqscan = off").execute(&mut *tx).await.map_err(db)?;
                sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(format!("EXPLAIN {sql}")))
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(db)?
            }
            pool::Pools::Sqlite(pool) => {
                sqlx::query_as::<_, (i64, i64, i64, String)>(sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {sql}")))
                    .fetch_all(pool)
                    .await
                    .map_err(db)?
                    .into_iter()
                    .map(|row| row.3)
                    .collect()
            }
        };
        Ok(lines.join("\n"))
    }

    /// Closes every connection; used before a test drops its database.
    pub async fn close(&self) {
        dispatch!(&self.pools, pool => pool.close().await)
    }
}

/// Opens the database at `url` (without migrating it).
pub async fn connect(url: &str, settings: PoolSettings) -> Result<SqlStore, ConnectError> {
    Ok(SqlStore { pools: pool::open(url, settings).await?, feed: ChangeFeed::new() })
}

/// Opens the database at `url` as a shared [`Store`].
pub async fn connect_shared(url: &str, settings: PoolSettings) -> Result<Arc<dyn Store>, ConnectError> {
    Ok(Arc::new(connect(url, settings).await?))
}

#[async_trait]
impl FeedStore for SqlStore {
    fn change_feed(&self) -> ChangeFeed {
        self.feed()
    }

    async fn data_versions(&self) -> StoreResult<Versions> {
        self.data_versions_q().await
    }

    async fn follow_changes(&self, poll: std::time::Duration) {
        self.follow_changes_loop(poll).await
    }
}

#[async_trait]
impl Store for SqlStore {
    fn backend(&self) -> Backend {
        self.backend_kind()
    }

    #[tracing::instrument(skip_all)]
    async fn ping(&self) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            sqlx::query::<Db>("SELECT 1").execute(pool).await.map_err(db)?;
        });
        Ok(())
    }

    #[tracing::instrument(skip_all)]
    async fn migrate(&self) -> StoreResult<()> {
        let result = match &self.pools {
            Pools::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await,
            Pools::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await,
        };
        result.map_err(|e| StoreError::Database(Box::new(e)))
    }

    async fn reference_version(&self) -> StoreResult<Option<String>> {
        dispatch!(&self.pools, pool => {
            sqlx::query_scalar::<Db, String>("SELECT value FROM meta WHERE key = 'reference_version'")
                .fetch_optional(pool).await.map_err(db)
        })
    }

    #[tracing::instrument(skip_all, fields(version))]
    async fn load_reference(&self, data: &ReferenceData, version: &str) -> StoreResult<LoadReport> {
        self.load_reference_tx(data, version).await
    }

    async fn merge_municipality(
        &self,
        old: &str,
        into: &str,
        change: &Change,
    ) -> StoreResult<Option<MunicipalityMerge>> {
        self.merge_municipality_tx(old, into, change).await
    }

    async fn create_source_place(&self, place: &NewSourcePlace, change: &Change) -> StoreResult<i64> {
        self.create_source_place_tx(place, change).await
    }

    async fn merge_source_place(&self, place: i64, city: i64, change: &Change) -> StoreResult<u64> {
        self.merge_source_place_tx(place, city, change).await
    }

    async fn source_places(&self) -> StoreResult<Vec<SourcePlace>> {
        self.source_places_q().await
    }

    async fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        dispatch!(&self.pools, pool => {
            sqlx::query_scalar::<Db, String>("SELECT value FROM meta WHERE key = $1")
                .bind(key).fetch_optional(pool).await.map_err(db)
        })
    }

    async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            sqlx::query::<Db>(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key).bind(value).execute(pool).await.map_err(db)?;
        });
        Ok(())
    }

    async fn reference_counts(&self) -> StoreResult<ReferenceCounts> {
        dispatch!(&self.pools, pool => {
            let mut conn = pool.acquire().await.map_err(db)?;
            Ok(load::count_reference!(conn))
        })
    }

    async fn union_info(&self) -> StoreResult<Option<Union>> {
        self.read_union().await
    }

    async fn list_networks(&self) -> StoreResult<Vec<Network>> {
        self.read_networks(None).await
    }

    async fn network_by_slug(&self, slug: &str) -> StoreResult<Option<Network>> {
        Ok(self.read_networks(Some(slug)).await?.into_iter().next())
    }

    async fn list_provinces(&self) -> StoreResult<Vec<Province>> {
        self.read_provinces().await
    }

    async fn list_municipalities(&self, filter: &MunicipalityFilter, page: Page) -> StoreResult<Paged<Municipality>> {
        self.read_municipalities(filter, page).await
    }

    async fn municipality_by_slug(&self, slug: &str) -> StoreResult<Option<Municipality>> {
        self.read_municipality(slug).await
    }

    async fn municipality(&self, id: MunicipalityId) -> StoreResult<Option<Municipality>> {
        self.read_municipality_by_id(id.0).await
    }

    async fn municipalities_by_id(&self, ids: &[MunicipalityId]) -> StoreResult<Vec<Municipality>> {
        self.read_municipalities_by_id(ids).await
    }

    async fn list_goals(&self) -> StoreResult<Vec<SdgGoal>> {
        self.read_goals().await
    }

    async fn goal(&self, number: GoalNumber) -> StoreResult<Option<SdgGoalDetail>> {
        self.read_goal(number).await
    }

    async fn list_countries(&self, page: Page) -> StoreResult<Paged<Country>> {
        self.read_countries(page).await
    }

    async fn country(&self, code: &CountryCode) -> StoreResult<Option<Country>> {
        self.read_country(code).await
    }

    async fn search_cities(&self, filter: &CityFilter, page: Page) -> StoreResult<Paged<City>> {
        self.read_cities(filter, page).await
    }

    async fn city(&self, id: i64) -> StoreResult<Option<City>> {
        self.read_city(id).await
    }

    async fn create_partnership(&self, new: &NewPartnership, change: &Change) -> StoreResult<Option<PartnershipId>> {
        self.create_partnership_tx(new, change).await
    }

    async fn partnership(&self, id: PartnershipId, dormant_before: Date) -> StoreResult<Option<PartnershipDetail>> {
        self.partnership_q(id, dormant_before).await
    }

    async fn list_partnerships(
        &self,
        filter: &PartnershipFilter,
        dormant_before: Date,
        page: Page,
    ) -> StoreResult<Paged<Partnership>> {
        self.list_partnerships_q(filter, dormant_before, page).await
    }

    async fn export_partnerships(
        &self,
        filter: &PartnershipFilter,
        dormant_before: Date,
        limit: u32,
    ) -> StoreResult<Vec<Partnership>> {
        self.export_partnerships_q(filter, dormant_before, limit).await
    }

    async fn record_step(
        &self,
        id: PartnershipId,
        expected: Stage,
        step: &RecordedStep,
        change: &Change,
    ) -> StoreResult<()> {
        self.record_step_tx(id, expected, step, change).await
    }

    async fn add_activity(&self, id: PartnershipId, activity: &NewActivity, change: &Change) -> StoreResult<i64> {
        self.add_activity_tx(id, activity, change).await
    }

    async fn add_document(&self, id: PartnershipId, document: &NewDocument, change: &Change) -> StoreResult<i64> {
        self.add_document_tx(id, document, change).await
    }

    async fn document(&self, id: PartnershipId, document: i64) -> StoreResult<Option<Document>> {
        self.document_q(id, document).await
    }

    async fn partnership_countries(&self, dormant_before: Date) -> StoreResult<Vec<CountrySummary>> {
        self.partnership_countries_q(dormant_before).await
    }

    async fn partner_countries(&self) -> StoreResult<Vec<(CountryCode, Localized)>> {
        self.partner_countries_q().await
    }

    async fn trails(&self, ids: &[PartnershipId]) -> StoreResult<HashMap<PartnershipId, Vec<(Stage, Date)>>> {
        self.trails_q(ids).await
    }

    async fn set_partnership_sdgs(&self, id: PartnershipId, sdgs: &[GoalNumber], change: &Change) -> StoreResult<bool> {
        self.set_partnership_sdgs_tx(id, sdgs, change).await
    }

    async fn set_partnership_published(
        &self,
        id: PartnershipId,
        published: bool,
        change: &Change,
    ) -> StoreResult<bool> {
        self.set_partnership_published_tx(id, published, change).await
    }

    async fn set_proposal_date(&self, id: PartnershipId, date: Date, change: &Change) -> StoreResult<bool> {
        self.set_proposal_date_tx(id, date, change).await
    }

    async fn activities_with_goal(&self, goal: GoalNumber, limit: u32) -> StoreResult<Vec<GoalActivity>> {
        self.activities_with_goal_q(goal, limit).await
    }

    async fn trail_events(&self, ids: &[PartnershipId]) -> StoreResult<HashMap<PartnershipId, Vec<TrailEvent>>> {
        self.trail_events_q(ids).await
    }

    async fn gazetteer(&self) -> StoreResult<Vec<GazetteerEntry>> {
        self.gazetteer_q().await
    }

    async fn create_api_token(&self, token: &NewApiToken<'_>, change: &Change) -> StoreResult<ApiToken> {
        self.create_api_token_tx(token, change).await
    }

    async fn api_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<ApiToken>> {
        self.api_token_by_hash_q(token_hash).await
    }

    async fn touch_api_token(&self, id: i64, now: OffsetDateTime) -> StoreResult<()> {
        self.touch_api_token_q(id, now).await
    }

    async fn revoke_api_token(&self, id: i64, change: &Change) -> StoreResult<bool> {
        self.revoke_api_token_tx(id, change).await
    }

    async fn api_token(&self, id: i64) -> StoreResult<Option<ApiToken>> {
        self.api_token_q(id).await
    }

    async fn list_api_tokens(&self, owner: Option<UserId>) -> StoreResult<Vec<ApiToken>> {
        self.list_api_tokens_q(owner).await
    }

    async fn create_user(
        &self,
        new: &NewUser,
        change: &Change,
        then: Option<&ldp_core::jobs::NewJob>,
    ) -> StoreResult<UserId> {
        self.create_user_tx(new, change, then).await
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<StoredUser>> {
        self.user_q(id).await
    }

    async fn user_by_email(&self, email_folded: &str) -> StoreResult<Option<StoredUser>> {
        self.user_by_email_q(email_folded).await
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        self.list_users_q().await
    }

    async fn update_user(&self, id: UserId, update: &UserUpdate, change: &Change) -> StoreResult<()> {
        self.update_user_tx(id, update, change).await
    }

    async fn set_password(&self, id: UserId, hash: &str, keep: Option<&str>, change: &Change) -> StoreResult<()> {
        self.set_password_tx(id, hash, keep, change).await
    }

    async fn create_link(
        &self,
        token_hash: &str,
        user: UserId,
        purpose: LinkPurpose,
        now: OffsetDateTime,
        expires: OffsetDateTime,
    ) -> StoreResult<()> {
        self.create_link_q(token_hash, user, purpose, now, expires).await
    }

    async fn link_user(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        now: OffsetDateTime,
    ) -> StoreResult<Option<UserId>> {
        self.link_user_q(token_hash, purpose, now).await
    }

    async fn redeem_link(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        password_hash: &str,
        name: Option<&str>,
        change: &Change,
    ) -> StoreResult<Option<UserId>> {
        self.redeem_link_tx(token_hash, purpose, password_hash, name, change).await
    }

    async fn claim_sign_in_attempt(
        &self,
        email_folded: &str,
        client: Option<&str>,
        at: OffsetDateTime,
        limits: &AttemptLimits,
    ) -> StoreResult<AttemptClaim> {
        self.claim_attempt_tx(email_folded, client, at, limits).await
    }

    async fn confirm_sign_in_attempt(&self, attempt: i64) -> StoreResult<()> {
        self.confirm_attempt_q(attempt).await
    }

    async fn forget_sign_in_attempt(&self, attempt: i64) -> StoreResult<()> {
        self.forget_attempt_q(attempt).await
    }

    async fn prune_expired(&self, now: OffsetDateTime, attempts_before: OffsetDateTime) -> StoreResult<Pruned> {
        self.prune_tx(now, attempts_before).await
    }

    async fn create_session(
        &self,
        id_hash: &str,
        session: &Session,
        client: Option<&str>,
        replaces: Option<&str>,
    ) -> StoreResult<()> {
        self.create_session_q(id_hash, session, client, replaces).await
    }

    async fn session(&self, id_hash: &str, now: OffsetDateTime) -> StoreResult<Option<Session>> {
        self.session_q(id_hash, now).await
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        self.delete_session_q(id_hash).await
    }

    async fn end_all_access(&self, user: UserId, change: &Change) -> StoreResult<(u64, u64)> {
        self.end_all_access_tx(user, change).await
    }

    async fn shared_secret(&self, name: &str, fresh: &str) -> StoreResult<String> {
        self.shared_secret_q(name, fresh).await
    }

    async fn list_audit(&self, filter: &AuditFilter, page: Page) -> StoreResult<Paged<AuditEntry>> {
        self.list_audit_q(filter, page).await
    }

    async fn export_audit(&self, filter: &AuditFilter, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        self.export_audit_q(filter, limit).await
    }

    async fn municipality_profile(&self, id: MunicipalityId) -> StoreResult<Option<MunicipalityProfile>> {
        self.profile_q(id).await
    }

    async fn municipality_profiles(&self) -> StoreResult<Vec<(MunicipalityId, MunicipalityProfile)>> {
        self.profiles_q().await
    }

    async fn update_municipality_profile(
        &self,
        id: MunicipalityId,
        profile: &MunicipalityProfile,
        change: &Change,
    ) -> StoreResult<()> {
        self.update_profile_tx(id, profile, change).await
    }

    async fn representatives(&self, municipality: MunicipalityId) -> StoreResult<Vec<Representative>> {
        self.representatives_q(municipality).await
    }

    async fn representative(&self, id: i64) -> StoreResult<Option<Representative>> {
        self.representative_q(id).await
    }

    async fn save_representative(
        &self,
        municipality: MunicipalityId,
        id: Option<i64>,
        fields: &RepresentativeFields,
        change: &Change,
    ) -> StoreResult<i64> {
        self.save_representative_tx(municipality, id, fields, change).await
    }

    async fn delete_representative(&self, id: i64, change: &Change) -> StoreResult<()> {
        self.delete_representative_tx(id, change).await
    }

    async fn municipal_memberships(&self, municipality: MunicipalityId) -> StoreResult<Vec<MunicipalMembership>> {
        self.memberships_q(municipality).await
    }

    async fn network_members(&self, network: NetworkId) -> StoreResult<Vec<MunicipalMembership>> {
        self.network_members_q(network).await
    }

    async fn municipal_membership(&self, id: i64) -> StoreResult<Option<MunicipalMembership>> {
        self.membership_q(id).await
    }

    async fn save_membership(
        &self,
        municipality: MunicipalityId,
        id: Option<i64>,
        fields: &MembershipFields,
        change: &Change,
    ) -> StoreResult<i64> {
        self.save_membership_tx(municipality, id, fields, change).await
    }
}
