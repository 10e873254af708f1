//! The storage conformance suite: every behaviour of the `Store` trait, run on SQLite and on PostgreSQL.

mod accounts;
mod attendance;
mod calendar;
mod certificates;
mod contact;
mod content;
mod data_truth;
mod delegations;
mod event_links;
mod event_offers;
mod events;
mod feed;
mod funding;
mod jobs;
mod network_registry;
mod news;
mod partnership_edits;
mod partnership_links;
mod partnerships;
mod projects;
mod publications;
mod reference;
mod saved_searches;
mod training_record;
mod unit_of_work;
mod workspace;
