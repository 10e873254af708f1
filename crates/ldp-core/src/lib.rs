//! The heart of the Local Diplomacy Platform: domain types, use-cases, and one storage trait per capability
//! (joined as [`store::Store`]).
//!
//! Nothing here knows about HTTP or SQL. The web layer parses requests into these types; the store
//! layer persists them.

pub mod clock;
pub mod domain;
pub mod feed;
pub mod jobs;
pub mod reference;
pub mod registry;
pub mod services;
pub mod store;
pub mod text;
