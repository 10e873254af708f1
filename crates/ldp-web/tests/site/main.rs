//! The web layer as users and clients see it: the real router, in process, on both backends.

mod accounts;
mod api;
mod authz;
mod downloads;
mod helpers;
mod ops;
mod pages;
mod partnerships;
mod proxy;
mod server;
mod xss;
