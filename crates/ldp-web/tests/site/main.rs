//! The web layer as users and clients see it: the real router, in process, on both backends.

mod accounts;
mod api;
mod audit_log;
mod authz;
mod boxed_in;
mod downloads;
mod exports;
mod helpers;
mod ops;
mod pages;
mod partnerships;
mod proxy;
mod public_language;
mod public_truth;
mod server;
mod workspace_forms;
mod xss;
