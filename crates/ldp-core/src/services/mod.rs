//! Use-cases. Pages, the API and the CLI all call these, so the rules live in one place.

pub mod accounts;
pub mod attendance;
pub mod audit;
pub mod calendar;
pub mod certificates;
pub mod contact;
pub mod content;
pub mod delegations;
pub mod documents;
pub mod events;
pub mod funding;
pub mod import;
pub mod jobs;
pub mod networks;
pub mod news;
pub mod partnership_edits;
pub mod partnerships;
pub mod projects;
pub mod publications;
pub mod saved_searches;
pub mod tokens;
pub mod training_record;
pub mod workspace;

use crate::domain::InputError;
use crate::domain::partnership::Refusal;
use crate::store::StoreError;

/// What a use-case can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("not found")]
    NotFound,
    /// The actor's role does not allow this (or nobody is signed in).
    #[error("forbidden")]
    Forbidden,
    /// Too many requests of this kind from this address or client for now (password resets).
    #[error("rate limited")]
    RateLimited,
    /// Too many failed sign-ins: try again after the given moment.
    #[error("locked until {0}")]
    Locked(time::OffsetDateTime),
    #[error("{0}")]
    Invalid(InputError),
    /// The legal trail refuses the step; `missing` names the step that must come first.
    #[error("refused: {}", .0.code)]
    Refused(Refusal),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error(transparent)]
    Store(StoreError),
    #[error("upload store: {0}")]
    Uploads(String),
    /// Something below the rules failed (randomness, hashing, a worker thread): logged once and shown as a
    /// plain 500, never as a refusal of the user's input.
    #[error("internal failure: {0}")]
    Internal(String),
}

impl From<InputError> for ServiceError {
    fn from(e: InputError) -> Self {
        ServiceError::Invalid(e)
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(c) => ServiceError::Conflict(c),
            other => ServiceError::Store(other),
        }
    }
}

impl From<Refusal> for ServiceError {
    fn from(r: Refusal) -> Self {
        ServiceError::Refused(r)
    }
}
