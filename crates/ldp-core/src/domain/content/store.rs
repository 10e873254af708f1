//! Storage of editable pages: revisions (never changed) and, per page and language, the one published.

use async_trait::async_trait;

use super::{ContentPage, ContentState, NewRevision, Revision, RevisionId};
use crate::domain::{Change, Lang};
use crate::store::StoreResult;

#[async_trait]
pub trait ContentStore: Send + Sync + 'static {
    /// Every revision of `page` in both languages, newest first.
    async fn content_revisions(&self, page: &ContentPage) -> StoreResult<Vec<Revision>>;

    /// One revision, whatever its page.
    async fn content_revision(&self, id: RevisionId) -> StoreResult<Option<Revision>>;

    /// The revision the public sees of `page` in `lang`, if one was published.
    async fn published_content(&self, page: &ContentPage, lang: Lang) -> StoreResult<Option<Revision>>;

    /// For every page and language that has a revision: its newest and its published one, by page key.
    async fn content_states(&self) -> StoreResult<Vec<ContentState>>;

    /// Saves a revision with its audit entry; with `publish`, the public sees it from the commit on.
    async fn save_content_revision(
        &self,
        revision: &NewRevision,
        publish: bool,
        change: &Change,
    ) -> StoreResult<RevisionId>;

    /// Publishes an existing revision for its page and language, with its audit entry;
    /// `Conflict("revision_not_found")` when there is none.
    async fn publish_content_revision(&self, id: RevisionId, change: &Change) -> StoreResult<()>;
}
