//! Storage of accounts: users, sessions, sign-in attempts, one-time reset and invitation links, API tokens
//! and the deployment's shared secrets. Secrets are stored as hashes only.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{ApiToken, LinkPurpose, NewUser, Role, Session, StoredUser, User, UserId};
use crate::domain::{Change, MunicipalityId};
use crate::store::StoreResult;

/// Persistence of accounts (see the module's documentation).
#[async_trait]
pub trait AccountStore: Send + Sync + 'static {
    async fn create_api_token(&self, token: &NewApiToken<'_>, change: &Change) -> StoreResult<ApiToken>;

    async fn api_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<ApiToken>>;

    async fn touch_api_token(&self, id: i64, now: OffsetDateTime) -> StoreResult<()>;

    /// Revokes a live token; `false` when there is none with that id (or it was revoked already).
    async fn revoke_api_token(&self, id: i64, change: &Change) -> StoreResult<bool>;

    async fn api_token(&self, id: i64) -> StoreResult<Option<ApiToken>>;

    /// Every token, or the tokens of one user.
    async fn list_api_tokens(&self, owner: Option<UserId>) -> StoreResult<Vec<ApiToken>>;

    /// Creates a user with its audit entry; `Conflict("email_taken")` when the address is in use. Work that
    /// must land with the account (its invitation mail) goes through a [`crate::store::UnitOfWork`] instead.
    async fn create_user(&self, new: &NewUser, change: &Change) -> StoreResult<UserId>;

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
    /// the other, so no more than the limit are ever verified. [`AccountStore::confirm_sign_in_attempt`] turns
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

    /// The deployment's secret `name`, stored as `fresh` by the first node that asks; every later call, on
    /// any node, returns that first value.
    async fn shared_secret(&self, name: &str, fresh: &str) -> StoreResult<String>;
}

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

/// What [`AccountStore::prune_expired`] removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub sessions: u64,
    pub links: u64,
    pub attempts: u64,
}

/// The answer to [`AccountStore::claim_sign_in_attempt`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptClaim {
    /// The attempt is recorded (as a failure until confirmed); check the password.
    Granted(i64),
    /// Too many failures: do not check the password. `last` is the latest failure of the address.
    Locked { last: Option<OffsetDateTime> },
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

/// The accounts' writes that can join a [`crate::store::UnitOfWork`]: they run in the unit's transaction and
/// write no audit entry of their own (the unit's commit does).
#[async_trait]
pub trait AccountWrites: Send {
    /// Creates a user; `Conflict("email_taken")` when the address is in use.
    async fn create_user(&mut self, new: &NewUser, at: OffsetDateTime) -> StoreResult<UserId>;

    /// Ends every session of `user`; returns how many ended.
    async fn end_sessions(&mut self, user: UserId) -> StoreResult<u64>;

    /// Revokes every live API token of `user` at `at`; returns how many were live.
    async fn revoke_api_tokens(&mut self, user: UserId, at: OffsetDateTime) -> StoreResult<u64>;
}
