//! Funding: funders, their programmes (which carry eligibility once), and calls that inherit and may narrow
//! it; whether a member municipality may apply ([`eligibility`]); the shipped funders and programmes
//! ([`data`]).

pub mod calendar;
pub mod data;
pub mod eligibility;
pub mod portal;
mod store;
mod types;

pub use eligibility::{Applicant, EligibilityCheck, Ground, Verdict, check};
pub use store::FundingStore;
pub use types::*;
