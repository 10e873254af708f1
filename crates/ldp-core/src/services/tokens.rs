//! API tokens: how programs use the API. A token belongs to a user and acts with the user's role (or only
//! reads, when created read-only). It is shown once, stored as a SHA-256 hash, and revocable.

use sha2::{Digest, Sha256};
use std::sync::Arc;

use super::ServiceError;
use crate::clock::Clock;
pub use crate::domain::ApiToken;
use crate::domain::{Actor, Change, InputError, User};
use crate::store::{AccountStore, NewApiToken};

/// Every token starts with this, so that secret scanners and people recognise it.
pub const TOKEN_PREFIX: &str = "ldp_";

/// A token's "last used" is written at most this often, so that API reads stay reads.
pub const LAST_USED_PRECISION: time::Duration = time::Duration::minutes(1);

/// The hash under which a token is stored.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates and checks API tokens.
#[derive(Clone)]
pub struct Tokens {
    store: Arc<dyn AccountStore>,
    clock: Arc<dyn Clock>,
}

impl Tokens {
    pub fn new(store: Arc<dyn AccountStore>, clock: Arc<dyn Clock>) -> Self {
        Tokens { store, clock }
    }

    /// Creates a token for `owner`, named `name`, and returns it with its secret, which is never shown again.
    /// Users create their own tokens; admins (and the command line) may create one for anybody.
    pub async fn create(
        &self,
        actor: &Actor,
        owner: &User,
        name: &str,
        read_only: bool,
    ) -> Result<(ApiToken, String), ServiceError> {
        let now = self.clock.now();
        if actor.read_only || !(actor.user == Some(owner.id) || actor.manages_users()) {
            return Err(ServiceError::Forbidden);
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(InputError::new("name", if name.is_empty() { "required" } else { "too_long" }).into());
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| ServiceError::Internal(format!("no randomness: {e}")))?;
        let secret = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
        let hash = hash(&secret);
        let change = Change::new(actor, now, "create", "api_token").after(serde_json::json!({
            "name": name,
            "owner": owner.email,
            "scope": if read_only { "read" } else { "write" },
        }));
        let new = NewApiToken { name, token_hash: &hash, owner: owner.id, read_only };
        let token = self.store.create_api_token(&new, &change).await?;
        Ok((token, secret))
    }

    /// Who a request acts as when it presents `secret`: the owner of a live token, with the owner's role
    /// (read-only if the token is). `None` for unknown, revoked or ownerless tokens and disabled owners.
    pub async fn authenticate(&self, secret: &str, client: Option<String>) -> Result<Option<Actor>, ServiceError> {
        let now = self.clock.now();
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() != TOKEN_PREFIX.len() + 64 {
            return Ok(None);
        }
        let Some(token) = self.store.api_token_by_hash(&hash(secret)).await? else { return Ok(None) };
        let Some(owner) = token.owner else { return Ok(None) };
        if token.revoked_at.is_some() {
            return Ok(None);
        }
        let Some(user) = self.store.user(owner).await? else { return Ok(None) };
        if user.user.disabled {
            return Ok(None);
        }
        // Every API read would otherwise be a write too; a minute is precise enough for "last used".
        if token.last_used_at.is_none_or(|last| now - last >= LAST_USED_PRECISION) {
            self.store.touch_api_token(token.id, now).await?;
        }
        let mut actor = Actor::user(&user.user, client);
        actor.label = format!("{} ({})", token.actor(), user.user.email);
        actor.read_only = token.read_only;
        Ok(Some(actor))
    }

    /// Revokes a token; later requests with it are refused. Owners revoke their own, admins any.
    pub async fn revoke(&self, actor: &Actor, id: i64) -> Result<(), ServiceError> {
        let now = self.clock.now();
        let token = self.store.api_token(id).await?.ok_or(ServiceError::NotFound)?;
        if actor.read_only || !(actor.manages_users() || (actor.user.is_some() && actor.user == token.owner)) {
            return Err(ServiceError::Forbidden);
        }
        let change = Change::new(actor, now, "revoke", "api_token")
            .record(id)
            .before(serde_json::json!({ "revoked": false }))
            .after(serde_json::json!({ "revoked": true }));
        if self.store.revoke_api_token(id, &change).await? { Ok(()) } else { Err(ServiceError::NotFound) }
    }

    /// The actor's own tokens; admins (and the command line) may list everybody's with `all`.
    pub async fn list(&self, actor: &Actor, all: bool) -> Result<Vec<ApiToken>, ServiceError> {
        if all {
            if !actor.manages_users() && !actor.reads_audit_log() {
                return Err(ServiceError::Forbidden);
            }
            return Ok(self.store.list_api_tokens(None).await?);
        }
        let Some(user) = actor.user else { return Err(ServiceError::Forbidden) };
        Ok(self.store.list_api_tokens(Some(user)).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_hex_sha256() {
        assert_eq!(hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
