//! News posts (issue 12): the union's news in Turkish and English. A post has a title, a summary and a
//! Markdown body per language (one may be missing: the page then shows the other with a notice), a publish
//! time (stored in UTC, entered and shown in Istanbul time), related records and an optional image with alt
//! text. A post is public once it is published *and* its time has passed, so a scheduled post needs no job:
//! the store's public query compares the time with the clock's `now`. The rules are in `services/news.rs`.

mod store;

use serde::{Deserialize, Serialize};
use std::fmt;
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{EventId, Lang, Localized, MunicipalityId, NetworkId};

pub use store::NewsStore;

/// Database id of a news post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[schema(value_type = i64)]
#[serde(transparent)]
pub struct NewsId(pub i64);

impl fmt::Display for NewsId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What staff decided about a post. A published post whose time has not come yet is *scheduled*
/// ([`NewsPost::state`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewsStatus {
    /// Seen only in the workspace.
    Draft,
    /// Public from its publish time on.
    Published,
}

impl NewsStatus {
    pub const ALL: [NewsStatus; 2] = [NewsStatus::Draft, NewsStatus::Published];

    pub fn as_str(self) -> &'static str {
        match self {
            NewsStatus::Draft => "draft",
            NewsStatus::Published => "published",
        }
    }

    pub fn parse(text: &str) -> Option<NewsStatus> {
        Self::ALL.into_iter().find(|s| s.as_str() == text.trim())
    }
}

/// Where a post stands at a given instant: what the workspace shows beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewsState {
    Draft,
    /// Published, with its time still ahead.
    Scheduled,
    Published,
}

impl NewsState {
    pub fn as_str(self) -> &'static str {
        match self {
            NewsState::Draft => "draft",
            NewsState::Scheduled => "scheduled",
            NewsState::Published => "published",
        }
    }
}

/// A post's image as stored: the bytes live in the uploads store under `storage_key`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct NewsImage {
    #[serde(skip)]
    pub storage_key: String,
    /// `image/jpeg`, `image/png` or `image/webp`, detected from the content.
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
}

impl NewsImage {
    /// The public file name: the hash's first 16 characters and the type's extension, so a replaced image
    /// gets a new address.
    pub fn file_name(&self) -> String {
        let ext = crate::services::documents::extension_of(&self.content_type).unwrap_or("bin");
        format!("{}.{ext}", &self.sha256[..self.sha256.len().min(16)])
    }
}

/// Everything about a post that staff write (the image apart).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NewsFields {
    pub title: Localized,
    pub summary: Localized,
    /// Markdown, rendered and sanitised when shown.
    pub body: Localized,
    /// When the post becomes public (if published), in UTC.
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub publish_at: OffsetDateTime,
    pub networks: Vec<NetworkId>,
    pub municipalities: Vec<MunicipalityId>,
    pub events: Vec<EventId>,
    /// Sister-city relations by id.
    pub partnerships: Vec<i64>,
    /// The image described for people who cannot see it, in each language the post has (empty without an
    /// image).
    pub image_alt: Localized,
}

impl NewsFields {
    /// The languages the post is written in (those with a title).
    pub fn languages(&self) -> Vec<Lang> {
        let mut out = Vec::new();
        if !self.title.tr.is_empty() {
            out.push(Lang::Tr);
        }
        if !self.title.en.is_empty() {
            out.push(Lang::En);
        }
        out
    }

    /// Whether the post lacks its text in `lang` (and is shown in the other language there).
    pub fn untranslated(&self, lang: &Lang) -> bool {
        match *lang {
            Lang::Tr => self.title.tr.is_empty(),
            Lang::En => self.title.en.is_empty(),
        }
    }
}

/// A stored post.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NewsPost {
    pub id: NewsId,
    #[serde(flatten)]
    pub fields: NewsFields,
    pub status: NewsStatus,
    pub image: Option<NewsImage>,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl NewsPost {
    /// Whether visitors see the post at `now`: published and its time reached.
    pub fn is_public(&self, now: OffsetDateTime) -> bool {
        self.status == NewsStatus::Published && self.fields.publish_at <= now
    }

    pub fn state(&self, now: OffsetDateTime) -> NewsState {
        match self.status {
            NewsStatus::Draft => NewsState::Draft,
            NewsStatus::Published if self.fields.publish_at > now => NewsState::Scheduled,
            NewsStatus::Published => NewsState::Published,
        }
    }
}

/// Which posts a list shows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NewsFilter {
    /// `Some(now)`: only posts public at `now` (published, time reached); `None`: every post (workspace).
    pub public_at: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn post(status: NewsStatus, at: OffsetDateTime) -> NewsPost {
        NewsPost {
            id: NewsId(1),
            fields: NewsFields {
                title: Localized::new("Haber", ""),
                summary: Localized::default(),
                body: Localized::default(),
                publish_at: at,
                networks: vec![],
                municipalities: vec![],
                events: vec![],
                partnerships: vec![],
                image_alt: Localized::default(),
            },
            status,
            image: None,
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn a_post_is_public_once_published_and_its_time_passed() {
        let at = datetime!(2026-12-01 09:00 UTC);
        let p = post(NewsStatus::Published, at);
        assert!(!p.is_public(at - time::Duration::seconds(1)));
        assert_eq!(p.state(at - time::Duration::seconds(1)), NewsState::Scheduled);
        assert!(p.is_public(at));
        assert_eq!(p.state(at), NewsState::Published);
        assert!(!post(NewsStatus::Draft, at).is_public(at + time::Duration::days(1)));
        assert_eq!(p.fields.languages(), vec![Lang::Tr]);
        assert!(p.fields.untranslated(&Lang::En) && !p.fields.untranslated(&Lang::Tr));
    }
}
