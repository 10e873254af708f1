//! Sister-city and cooperation relations of member municipalities, with the legal trail behind each.
//!
//! The trail follows Law 5393 art. 74 (council decision, then prior ministry permission), Law 1173 (the
//! Ministry of Foreign Affairs informed when foreign missions were involved) and art. 18(p) (ending a relation
//! is a council decision too). [`lifecycle`] holds the rules; they are pure functions, so the store, the CLI
//! and the web share them.

mod lifecycle;
mod store;
mod types;

pub use lifecycle::{
    Applied, Evidence, MissingStep, RawEvidence, Refusal, Rejection, TrailState, TransitionKind, apply, check_step,
    expected_step, missing_steps, parse_date,
};
pub use store::{PartnershipStore, PartnershipWrites, RecordedStep};
pub use types::*;
