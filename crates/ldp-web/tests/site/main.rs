//! The web layer as users and clients see it: the real router, in process, on both backends.

mod accounts;
mod api;
mod audit_log;
mod authz;
mod backup;
mod boxed_in;
mod downloads;
mod exports;
mod helpers;
mod invite_form;
mod mail_and_origin;
mod map_at_scale;
mod ops;
mod page_cache;
mod page_cache_property;
mod pages;
mod partnerships;
mod phones_and_map;
mod proxy;
mod public_language;
mod public_truth;
mod read_model;
mod server;
mod trail_forms;
mod workspace_forms;
mod xss;
