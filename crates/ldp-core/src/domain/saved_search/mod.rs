//! Saved searches of funding calls (issue 16, "Watching and alerts"): what a user watches (a theme, an SDG, a
//! funder, a type, calls their municipality may apply to), how often they hear of new matching calls, and the
//! keys that make each alert, digest and deadline reminder happen exactly once across nodes.

mod store;

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};
use utoipa::ToSchema;

use crate::domain::funding::{Call, CallKind, CallStatus, Programme};
use crate::domain::{Lang, MunicipalityId, UserId};

pub use store::{SavedSearchStore, SavedSearchWrites};

/// A saved search's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
pub struct SavedSearchId(pub i64);

/// How often new matching calls are mailed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AlertFrequency {
    /// One mail per new call, at the next sweep.
    Immediately,
    /// One digest a day (Istanbul calendar day).
    Daily,
    /// One digest a week (ISO week, Istanbul time).
    Weekly,
}

impl AlertFrequency {
    pub const ALL: [AlertFrequency; 3] = [AlertFrequency::Immediately, AlertFrequency::Daily, AlertFrequency::Weekly];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertFrequency::Immediately => "immediately",
            AlertFrequency::Daily => "daily",
            AlertFrequency::Weekly => "weekly",
        }
    }

    pub fn parse(code: &str) -> Option<AlertFrequency> {
        Self::ALL.into_iter().find(|f| f.as_str() == code)
    }

    /// The digest period `at` falls in (`2026-12-03` for a day, `2026-W49` for a week, Istanbul time);
    /// `None` for [`AlertFrequency::Immediately`], which sends no digest. One digest per search and period.
    pub fn period(self, at: OffsetDateTime) -> Option<String> {
        let day = crate::clock::istanbul_date(at);
        match self {
            AlertFrequency::Immediately => None,
            AlertFrequency::Daily => Some(day.to_string()),
            AlertFrequency::Weekly => {
                let (year, week, _) = day.to_iso_week_date();
                Some(format!("{year}-W{week:02}"))
            }
        }
    }
}

/// What a saved search matches. Every given criterion must hold; none given matches every call.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
pub struct SearchCriteria {
    /// A theme or topic word, matched case-insensitively (Turkish İ/i, I/ı) inside the call's themes and title.
    pub theme: Option<String>,
    /// A Sustainable Development Goal, 1 to 17.
    pub sdg: Option<u8>,
    /// A funder's slug (`GET /api/v1/funding/funders`).
    pub funder: Option<String>,
    pub kind: Option<CallKind>,
    /// Only calls this municipality may apply to (the verdict "eligible").
    pub eligible_for: Option<MunicipalityId>,
}

/// A saved search as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SavedSearch {
    pub id: SavedSearchId,
    pub user: UserId,
    #[serde(flatten)]
    pub criteria: SearchCriteria,
    pub frequency: AlertFrequency,
    /// The language its mail is written in.
    #[schema(value_type = String)]
    pub lang: Lang,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// A search to save.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewSavedSearch {
    pub user: UserId,
    pub criteria: SearchCriteria,
    pub frequency: AlertFrequency,
    pub lang: Lang,
}

/// A call with what the criteria need to judge it: its programme, and the eligibility verdict for the
/// search's municipality when it has one.
pub struct Candidate<'a> {
    pub call: &'a Call,
    pub programme: Option<&'a Programme>,
    /// Whether the search's municipality may apply (`None`: the search asks nothing about eligibility).
    pub eligible: Option<bool>,
}

impl SearchCriteria {
    /// Whether `c` meets every criterion. The theme is compared as folded text (Turkish case rules).
    pub fn matches(&self, c: &Candidate<'_>) -> bool {
        let f = &c.call.fields;
        if self.kind.is_some_and(|k| k != f.kind) || self.sdg.is_some_and(|g| !f.sdgs.contains(&g)) {
            return false;
        }
        if let Some(funder) = &self.funder
            && c.programme.is_none_or(|p| &p.funder_slug != funder)
        {
            return false;
        }
        if let Some(theme) = &self.theme {
            let theme = crate::text::fold(theme);
            let found = f.themes.iter().any(|t| crate::text::fold(t).contains(&theme))
                || crate::text::fold(&f.title.tr).contains(&theme)
                || crate::text::fold(&f.title.en).contains(&theme);
            if !found {
                return false;
            }
        }
        self.eligible_for.is_none() || c.eligible == Some(true)
    }

    /// Whether no criterion is given (the search watches every call).
    pub fn is_empty(&self) -> bool {
        *self == SearchCriteria::default()
    }
}

/// Whether a call is still worth an alert: published and not closed.
pub fn alertable(call: &Call, now: OffsetDateTime) -> bool {
    call.published && call.status(now) != CallStatus::Closed
}

/// The days before a deadline on which reminders go out.
pub const REMINDER_DAYS: [u8; 3] = [30, 7, 1];

/// The reminder due at `now` for a deadline at `deadline`: the nearest of [`REMINDER_DAYS`] whose moment
/// (`deadline` minus that many days) has come, while the deadline is still ahead. A search saved five days
/// before a deadline gets the 7-day reminder at once and the 1-day one later, never the 30-day one.
pub fn reminder_due(deadline: OffsetDateTime, now: OffsetDateTime) -> Option<u8> {
    if deadline <= now {
        return None;
    }
    REMINDER_DAYS.into_iter().filter(|d| deadline - Duration::days(i64::from(*d)) <= now).min()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn reminders_fall_30_7_and_1_days_before() {
        let deadline = datetime!(2026-12-31 16:00 UTC);
        assert_eq!(reminder_due(deadline, deadline - Duration::days(31)), None);
        assert_eq!(reminder_due(deadline, deadline - Duration::days(30)), Some(30));
        assert_eq!(reminder_due(deadline, deadline - Duration::days(8)), Some(30));
        assert_eq!(reminder_due(deadline, deadline - Duration::days(5)), Some(7));
        assert_eq!(reminder_due(deadline, deadline - Duration::hours(2)), Some(1));
        assert_eq!(reminder_due(deadline, deadline), None, "a deadline that passed reminds no one");
    }

    #[test]
    fn digests_are_per_istanbul_day_or_iso_week() {
        // 22:30 UTC on 6 December is already 7 December in Istanbul (UTC+3), a Monday of ISO week 50.
        let at = datetime!(2026-12-06 22:30 UTC);
        assert_eq!(AlertFrequency::Daily.period(at).as_deref(), Some("2026-12-07"));
        assert_eq!(AlertFrequency::Weekly.period(at).as_deref(), Some("2026-W50"));
        assert_eq!(AlertFrequency::Weekly.period(datetime!(2026-12-06 20:00 UTC)).as_deref(), Some("2026-W49"));
        assert_eq!(AlertFrequency::Immediately.period(at), None);
    }
}
