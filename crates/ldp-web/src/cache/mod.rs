//! The rendered-page cache: anonymous GET responses (pages, API reads, exports, the map) kept in memory as
//! the bytes that were sent, so a reader's request costs no database read and no rendering.
//!
//! An entry is keyed by the data versions the node knew *before* rendering it ([`ChangeFeed`]), the date
//! in Istanbul (dormancy and "today" change with it), the path (which holds the language) and the
//! normalised query. It therefore answers only while the feed still shows those versions; when the feed
//! moves the whole cache is cleared, so memory is released at once. Signed-in requests (a session cookie or
//! an `Authorization` header) neither read nor fill it, and only complete 200 and 404 responses without
//! `Set-Cookie`, `private`, `no-store` or `Vary` are kept. See [`layer`] for the request path.

mod body;
mod entry;
pub mod fast;
mod key;
mod layer;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::Response;
use moka::future::Cache;
use std::sync::Arc;
use std::time::Duration;

use ldp_core::feed::{ChangeFeed, Topic, Versions};

pub use entry::{Entry, PRIVATE, PUBLIC};
pub use key::{Key, normalised_query};
pub use layer::serve;

/// Default size of the cache (`--page-cache-mb`): room for every public page of both languages at the
/// real size many times over, small beside the process's other memory.
pub const DEFAULT_MB: u64 = 64;

/// The topics public responses are made of. Accounts (users, tokens, sessions) never show in public, so a
/// sign-in does not empty the cache.
pub const TOPICS: [Topic; 9] = [
    Topic::Reference,
    Topic::Workspace,
    Topic::Partnerships,
    Topic::Funding,
    Topic::Content,
    Topic::Events,
    Topic::Publications,
    Topic::News,
    Topic::Projects,
];

/// The header a handler sets on a response that changes by itself at a known instant without a write (a
/// page showing news, when the next scheduled post comes due): the instant as Unix nanoseconds. The cache
/// takes it off the response and no longer answers with the entry from that instant on; it never reaches a
/// client.
pub const FRESH_UNTIL: HeaderName = HeaderName::from_static("x-ldp-fresh-until");

/// Marks `response` as true only until `at` (nothing when `None`). See [`FRESH_UNTIL`].
pub fn fresh_until(response: &mut Response, at: Option<time::OffsetDateTime>) {
    if let Some(at) = at
        && let Ok(value) = HeaderValue::from_str(&at.unix_timestamp_nanos().to_string())
    {
        response.headers_mut().insert(FRESH_UNTIL, value);
    }
}

/// Removes the [`FRESH_UNTIL`] header from `headers`, returning its instant.
pub(crate) fn take_fresh_until(headers: &mut HeaderMap) -> Option<time::OffsetDateTime> {
    let value = headers.remove(FRESH_UNTIL)?;
    let nanos: i128 = value.to_str().ok()?.parse().ok()?;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}

/// A bound on any entry's life, whatever the feed says: defence in depth against a write that forgot to
/// raise the feed.
const TIME_TO_LIVE: Duration = Duration::from_secs(600);

/// Largest body kept or given an `ETag` when the cache is off (bigger ones are streamed as they come).
const MAX_BUFFERED: usize = 8 * 1024 * 1024;

/// The node's cache of anonymous responses, or nothing when turned off (`--page-cache-mb 0`).
#[derive(Clone)]
pub struct PageCache {
    entries: Option<Cache<Key, Entry>>,
    /// The largest body kept: an eighth of the capacity (so one export cannot push out every page).
    max_entry: usize,
}

impl PageCache {
    /// A cache holding at most `capacity_bytes` of responses (keys and headers included); 0 turns it off.
    pub fn new(capacity_bytes: u64) -> PageCache {
        if capacity_bytes == 0 {
            return PageCache::off();
        }
        let entries = Cache::builder()
            .max_capacity(capacity_bytes)
            .weigher(|key: &Key, entry: &Entry| u32::try_from(key.weight() + entry.weight()).unwrap_or(u32::MAX))
            .time_to_live(TIME_TO_LIVE)
            .build();
        let max_entry = usize::try_from(capacity_bytes / 8).unwrap_or(usize::MAX).min(MAX_BUFFERED);
        PageCache { entries: Some(entries), max_entry }
    }

    /// No cache: every request renders (responses still get an `ETag` and answer `If-None-Match`).
    pub fn off() -> PageCache {
        PageCache { entries: None, max_entry: MAX_BUFFERED }
    }

    /// Whether responses are kept.
    pub fn is_on(&self) -> bool {
        self.entries.is_some()
    }

    /// The versions of the topics public responses are made of, as `feed` knows them now.
    pub fn versions(feed: &ChangeFeed) -> Versions {
        feed.current().only(&TOPICS)
    }

    /// Empties the cache whenever one of [`TOPICS`] moves in `feed`, until the feed is dropped.
    pub fn follow(&self, feed: &ChangeFeed) {
        let Some(entries) = self.entries.clone() else { return };
        let mut changes = feed.subscribe();
        let mut seen = changes.borrow().only(&TOPICS);
        tokio::spawn(async move {
            while changes.changed().await.is_ok() {
                let now = changes.borrow_and_update().only(&TOPICS);
                if now != seen {
                    seen = now;
                    entries.invalidate_all();
                    entries.run_pending_tasks().await;
                    record_size(&entries);
                }
            }
        });
    }

    /// Entries and bytes held, after finishing moka's pending bookkeeping (for tests and diagnostics).
    pub async fn size(&self) -> (u64, u64) {
        match &self.entries {
            Some(entries) => {
                entries.run_pending_tasks().await;
                (entries.entry_count(), entries.weighted_size())
            }
            None => (0, 0),
        }
    }

    /// Every entry that can still answer (made at the feed's current versions): its key and response.
    pub async fn current_entries(&self, feed: &ChangeFeed) -> Vec<(Arc<Key>, Entry)> {
        let Some(entries) = &self.entries else { return Vec::new() };
        entries.run_pending_tasks().await;
        let now = PageCache::versions(feed);
        entries.iter().filter(|(k, _)| k.versions() == now).collect()
    }
}

/// Publishes the cache's size as gauges.
fn record_size(entries: &Cache<Key, Entry>) {
    metrics::gauge!("page_cache_entries").set(entries.entry_count() as f64);
    metrics::gauge!("page_cache_bytes").set(entries.weighted_size() as f64);
}
