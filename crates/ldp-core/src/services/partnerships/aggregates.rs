//! Aggregates over all relations that public pages show on every request (the per-country summary, the
//! partner countries of the filter form, list counts, the map's member–country groups), kept in memory
//! between writes.
//!
//! Each is computed from the store on first use and kept with the change feed's versions read *before* the
//! query; a request uses a kept value only while the feed still shows exactly those versions and the dormancy
//! cut-off is the same day. A write on this node raises the feed before it answers, so the next request
//! recomputes; another node's write arrives through the feed (notification or poll), as for the page cache.
//! At 100 times the real size these reads were most of an uncached list page's and the home page's time
//! (`bench/README.md`, "Uncached pages").

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use time::Date;

use crate::domain::partnership::{CountrySummary, MemberCountryLink, PartnershipFilter};
use crate::domain::{CountryCode, Localized};
use crate::feed::{ChangeFeed, Topic, Versions};
use crate::store::StoreResult;

/// The topics whose writes can change what the aggregates count: the relations themselves, the reference data
/// (country names, members merged), the workspace (members), and projects (an award notes activity on the
/// relations it involves, which moves their dormancy).
const TOPICS: [Topic; 4] = [Topic::Partnerships, Topic::Reference, Topic::Workspace, Topic::Projects];

/// At most this many values are kept at once (each filter's count is one); past it the memo starts again.
/// Counts are a few bytes and member–country groups at most a few hundred KB, kept for a handful of filters.
const MAX_ENTRIES: usize = 512;
/// At most this many filters' member–country groups are kept (the large values).
const MAX_LINK_ENTRIES: usize = 8;

/// What is kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Countries,
    PartnerCountries,
    Count(PartnershipFilter),
    Links(PartnershipFilter),
}

/// A kept value; cheap to clone.
#[derive(Debug, Clone)]
enum Value {
    Countries(Arc<[CountrySummary]>),
    PartnerCountries(Arc<[(CountryCode, Localized)]>),
    Count(u64),
    Links(Arc<[MemberCountryLink]>),
}

#[derive(Default)]
struct Memo {
    versions: Versions,
    dormant_before: Option<Date>,
    entries: HashMap<Key, Value>,
    links: usize,
}

/// The memo of one node's partnership aggregates, following its change feed.
#[derive(Clone)]
pub(super) struct Aggregates {
    feed: ChangeFeed,
    memo: Arc<Mutex<Memo>>,
}

impl Aggregates {
    pub(super) fn new(feed: ChangeFeed) -> Aggregates {
        Aggregates { feed, memo: Arc::new(Mutex::new(Memo::default())) }
    }

    /// The kept value of `key` if it is still current, else `compute`'s, kept for the next request.
    async fn get<F>(&self, key: Key, dormant_before: Date, compute: F) -> StoreResult<Value>
    where
        F: Future<Output = StoreResult<Value>>,
    {
        let versions = self.feed.current().only(&TOPICS);
        {
            let memo = self.memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if memo.versions == versions
                && memo.dormant_before == Some(dormant_before)
                && let Some(value) = memo.entries.get(&key)
            {
                return Ok(value.clone());
            }
        }
        let value = compute.await?;
        let mut memo = self.memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if memo.versions != versions || memo.dormant_before != Some(dormant_before) {
            // The feed only rises: a value computed at older versions than the memo's is already stale.
            if !TOPICS.iter().all(|t| versions.get(*t) >= memo.versions.get(*t)) {
                return Ok(value);
            }
            *memo = Memo { versions, dormant_before: Some(dormant_before), ..Memo::default() };
        }
        let is_links = matches!(key, Key::Links(_));
        if memo.entries.len() >= MAX_ENTRIES || (is_links && memo.links >= MAX_LINK_ENTRIES) {
            *memo = Memo { versions, dormant_before: Some(dormant_before), ..Memo::default() };
        }
        memo.links += usize::from(is_links);
        memo.entries.insert(key, value.clone());
        Ok(value)
    }

    pub(super) async fn countries<F>(&self, dormant_before: Date, compute: F) -> StoreResult<Arc<[CountrySummary]>>
    where
        F: Future<Output = StoreResult<Vec<CountrySummary>>>,
    {
        let value =
            self.get(Key::Countries, dormant_before, async { Ok(Value::Countries(compute.await?.into())) }).await?;
        match value {
            Value::Countries(v) => Ok(v),
            _ => unreachable!("the key decides the kind of value"),
        }
    }

    pub(super) async fn partner_countries<F>(
        &self,
        dormant_before: Date,
        compute: F,
    ) -> StoreResult<Arc<[(CountryCode, Localized)]>>
    where
        F: Future<Output = StoreResult<Vec<(CountryCode, Localized)>>>,
    {
        let value = self
            .get(Key::PartnerCountries, dormant_before, async { Ok(Value::PartnerCountries(compute.await?.into())) })
            .await?;
        match value {
            Value::PartnerCountries(v) => Ok(v),
            _ => unreachable!("the key decides the kind of value"),
        }
    }

    /// The kept count of `filter`, without computing one.
    pub(super) fn count(&self, filter: &PartnershipFilter, dormant_before: Date) -> Option<u64> {
        let versions = self.feed.current().only(&TOPICS);
        let memo = self.memo.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if memo.versions != versions || memo.dormant_before != Some(dormant_before) {
            return None;
        }
        match memo.entries.get(&Key::Count(filter.clone())) {
            Some(Value::Count(n)) => Some(*n),
            _ => None,
        }
    }

    /// The kept count of `filter`, or `compute`'s (which may read a page beside it), kept for the next request.
    pub(super) async fn keep_count<F>(
        &self,
        filter: &PartnershipFilter,
        dormant_before: Date,
        compute: F,
    ) -> StoreResult<u64>
    where
        F: Future<Output = StoreResult<u64>>,
    {
        let value =
            self.get(Key::Count(filter.clone()), dormant_before, async { Ok(Value::Count(compute.await?)) }).await?;
        match value {
            Value::Count(n) => Ok(n),
            _ => unreachable!("the key decides the kind of value"),
        }
    }

    pub(super) async fn links<F>(
        &self,
        filter: &PartnershipFilter,
        dormant_before: Date,
        compute: F,
    ) -> StoreResult<Arc<[MemberCountryLink]>>
    where
        F: Future<Output = StoreResult<Vec<MemberCountryLink>>>,
    {
        let value = self
            .get(Key::Links(filter.clone()), dormant_before, async { Ok(Value::Links(compute.await?.into())) })
            .await?;
        match value {
            Value::Links(v) => Ok(v),
            _ => unreachable!("the key decides the kind of value"),
        }
    }
}
