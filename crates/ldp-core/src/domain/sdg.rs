//! The UN Sustainable Development Goals and their targets.

use serde::Serialize;
use utoipa::ToSchema;

use super::{InputError, Localized};

/// A goal number, 1 to 17.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
#[schema(value_type = u8)]
pub struct GoalNumber(u8);

impl GoalNumber {
    pub fn parse(value: i64) -> Result<GoalNumber, InputError> {
        if (1..=17).contains(&value) {
            Ok(GoalNumber(value as u8))
        } else {
            Err(InputError::new("number", "unknown_goal"))
        }
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// One of the 17 goals.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SdgGoal {
    pub number: GoalNumber,
    /// The official icon colour, e.g. `#E5243B`.
    pub color: String,
    pub short_name: Localized,
    pub title: Localized,
}

/// One of the 169 targets, e.g. `11.1` or `17.a`.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SdgTarget {
    pub goal: GoalNumber,
    pub code: String,
    pub text: Localized,
}

/// A goal with its targets.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SdgGoalDetail {
    #[serde(flatten)]
    pub goal: SdgGoal,
    pub targets: Vec<SdgTarget>,
}
