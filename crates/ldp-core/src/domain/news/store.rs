//! Storage of news posts: one capability slice, included in [`crate::store::Store`].

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{NewsFields, NewsFilter, NewsId, NewsImage, NewsPost, NewsStatus};
use crate::domain::{Change, Localized, Page, Paged};
use crate::store::StoreResult;

#[async_trait]
pub trait NewsStore: Send + Sync + 'static {
    /// One page of the posts `filter` picks, newest publish time first. With `public_at`, the comparison
    /// with that instant is made in the query, so a scheduled post appears once its time has passed.
    async fn news_posts(&self, filter: &NewsFilter, page: Page) -> StoreResult<Paged<NewsPost>>;

    async fn news_post(&self, id: NewsId) -> StoreResult<Option<NewsPost>>;

    /// The earliest publish time after `now` of a published post: when the public list next changes
    /// without a write (what the page cache's entries showing news expire at).
    async fn next_news_publication(&self, now: OffsetDateTime) -> StoreResult<Option<OffsetDateTime>>;

    /// Stores a new post with its audit entry.
    async fn create_news_post(
        &self,
        fields: &NewsFields,
        status: NewsStatus,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<NewsId>;

    /// Saves a post's fields and status; `Conflict("news_not_found")` for an unknown id.
    async fn update_news_post(
        &self,
        id: NewsId,
        fields: &NewsFields,
        status: NewsStatus,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()>;

    /// Sets (or with `None` removes) a post's image with its alt text; `Conflict("news_not_found")` for an
    /// unknown id.
    async fn set_news_image(
        &self,
        id: NewsId,
        image: Option<&NewsImage>,
        alt: &Localized,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()>;
}
