//! A person's own calendar feed: an address with a secret in it (`/calendar/{token}/events.ics`) that a
//! calendar program reads without signing in, listing the registrations its owner made. The secret is shown
//! once; only its SHA-256 is stored. A user has at most one live feed: starting another (rotation) ends the
//! one before, and revoking ends it, after which its address answers 404.

use serde::Serialize;
use std::fmt;
use time::OffsetDateTime;

use super::{Lang, UserId};

mod store;
pub use store::CalendarStore;

/// Database id of a calendar feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct CalendarFeedId(pub i64);

impl fmt::Display for CalendarFeedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A live personal feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarFeed {
    pub id: CalendarFeedId,
    pub user: UserId,
    /// The language of the feed's texts (the page's language when it was made).
    pub lang: Lang,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}
