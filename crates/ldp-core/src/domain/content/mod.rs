//! Editable pages (issue 12): the Local Diplomacy page, the union's about text and a summary per network are
//! Markdown the union's staff write in the workspace. Every save is a [`Revision`] with its author and time;
//! what the public sees is the revision *published* for a page and language, so drafts stay apart. Storage
//! is [`ContentStore`]; the rules are in `services/content.rs`.

mod markdown;
mod store;

use serde::Serialize;
use time::OffsetDateTime;

use super::{Lang, UserId};

pub use markdown::{first_paragraph_text, render_markdown};
pub use store::ContentStore;

/// Which editable page a text belongs to. Stored as its key (`local-diplomacy`, `about`, `network:aebr`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub enum ContentPage {
    /// The Local Diplomacy working area (`/{lang}/local-diplomacy`).
    LocalDiplomacy,
    /// The union's about text (`/{lang}/about`).
    About,
    /// The summary shown on a network's page, by the network's slug.
    Network(String),
}

impl ContentPage {
    /// The pages that exist whatever the reference data holds.
    pub const FIXED: [ContentPage; 2] = [ContentPage::LocalDiplomacy, ContentPage::About];

    /// The stored key, also the page's segment in workspace URLs.
    pub fn key(&self) -> String {
        match self {
            ContentPage::LocalDiplomacy => "local-diplomacy".to_owned(),
            ContentPage::About => "about".to_owned(),
            ContentPage::Network(slug) => format!("network:{slug}"),
        }
    }

    /// Reads a stored key or URL segment. A network's slug is only checked for its form here; the service
    /// checks that the network exists.
    pub fn parse(key: &str) -> Option<ContentPage> {
        match key {
            "local-diplomacy" => Some(ContentPage::LocalDiplomacy),
            "about" => Some(ContentPage::About),
            _ => {
                let slug = key.strip_prefix("network:")?;
                let well_formed = !slug.is_empty()
                    && slug.len() <= 80
                    && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
                well_formed.then(|| ContentPage::Network(slug.to_owned()))
            }
        }
    }

    /// The public path of the page, without the language prefix.
    pub fn public_path(&self) -> String {
        match self {
            ContentPage::LocalDiplomacy => "/local-diplomacy".to_owned(),
            ContentPage::About => "/about".to_owned(),
            ContentPage::Network(slug) => format!("/networks/{slug}"),
        }
    }
}

impl From<ContentPage> for String {
    fn from(page: ContentPage) -> String {
        page.key()
    }
}

/// A revision's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(transparent)]
pub struct RevisionId(pub i64);

/// One saved text of a page in one language. Revisions are never changed or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revision {
    pub id: RevisionId,
    pub page: ContentPage,
    pub lang: Lang,
    pub title: String,
    /// The Markdown as the author wrote it; rendered and sanitised when shown ([`render_markdown`]).
    pub body: String,
    /// The author as the audit trail names them (an e-mail, `token:…`, `system:…`).
    pub author: String,
    pub author_id: Option<UserId>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    /// The older revision this one brought back, when it was made by a restore.
    pub restored_from: Option<RevisionId>,
}

/// What a new revision holds; the store adds its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRevision {
    pub page: ContentPage,
    pub lang: Lang,
    pub title: String,
    pub body: String,
    pub author: String,
    pub author_id: Option<UserId>,
    pub created_at: OffsetDateTime,
    pub restored_from: Option<RevisionId>,
}

/// The state of one page in one language: its newest revision and the one the public sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentState {
    pub page: ContentPage,
    pub lang: Lang,
    pub latest: RevisionId,
    pub published: Option<RevisionId>,
}

impl ContentState {
    /// Whether a revision newer than the published one waits (a draft).
    pub fn has_draft(&self) -> bool {
        self.published != Some(self.latest)
    }
}

/// The most a title and a body may hold, in characters.
pub const TITLE_MAX: usize = 200;
pub const BODY_MAX: usize = 100_000;
