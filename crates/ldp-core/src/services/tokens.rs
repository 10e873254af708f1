//! API tokens: how programs write through the API. A token is shown once, stored as a SHA-256 hash, and
//! revocable. Until user accounts exist, a token acts as union staff and is created on the command line.

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::ServiceError;
use crate::domain::InputError;
use crate::store::Store;

/// Every token starts with this, so that secret scanners and people recognise it.
pub const TOKEN_PREFIX: &str = "ldp_";

/// A stored token, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ApiToken {
    pub id: i64,
    pub name: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
}

impl ApiToken {
    /// How the token appears in the trail of what it did.
    pub fn actor(&self) -> String {
        format!("token:{}:{}", self.id, self.name)
    }
}

/// The hash under which a token is stored.
pub fn hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Creates and checks API tokens.
#[derive(Clone)]
pub struct Tokens {
    store: Arc<dyn Store>,
}

impl Tokens {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Tokens { store }
    }

    /// Creates a token named `name` and returns it with its secret, which is never shown again.
    pub async fn create(&self, name: &str, now: OffsetDateTime) -> Result<(ApiToken, String), ServiceError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(InputError::new("name", if name.is_empty() { "required" } else { "too_long" }).into());
        }
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| ServiceError::Conflict(format!("no randomness: {e}")))?;
        let secret = format!("{TOKEN_PREFIX}{}", hex::encode(bytes));
        let token = self.store.create_api_token(name, &hash(&secret), now).await?;
        Ok((token, secret))
    }

    /// The live token a request presents, if any; marks it used.
    pub async fn authenticate(&self, secret: &str, now: OffsetDateTime) -> Result<Option<ApiToken>, ServiceError> {
        if !secret.starts_with(TOKEN_PREFIX) || secret.len() != TOKEN_PREFIX.len() + 64 {
            return Ok(None);
        }
        let found = self.store.api_token_by_hash(&hash(secret)).await?;
        match found {
            Some(t) if t.revoked_at.is_none() => {
                self.store.touch_api_token(t.id, now).await?;
                Ok(Some(t))
            }
            _ => Ok(None),
        }
    }

    /// Revokes a token; later requests with it are refused.
    pub async fn revoke(&self, id: i64, now: OffsetDateTime) -> Result<(), ServiceError> {
        if self.store.revoke_api_token(id, now).await? { Ok(()) } else { Err(ServiceError::NotFound) }
    }

    pub async fn list(&self) -> Result<Vec<ApiToken>, ServiceError> {
        Ok(self.store.list_api_tokens().await?)
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
