//! The web layer as users and clients see it: the real router, in process, on both backends.

mod accounts;
mod api;
mod authz;
mod exports;
mod helpers;
mod ops;
mod pages;
mod partnerships;
mod public_language;
mod public_truth;
mod workspace_forms;
mod xss;
