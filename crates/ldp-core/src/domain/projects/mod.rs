//! Applications for funding and the projects that result (issue 16): a slice of its own, reading calls
//! through the funding capability only.

mod application;
mod document;
mod project;
mod store;
mod summary;

pub use application::*;
pub use document::*;
pub use project::*;
pub use store::{ProjectStore, ProjectWrites};
pub use summary::*;
