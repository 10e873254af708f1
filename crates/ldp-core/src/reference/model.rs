//! The reference read model: the reference data public pages show, held in memory as one immutable
//! [`ReferenceSnapshot`] and replaced whole when the change feed says the reference or workspace data moved.
//!
//! A reload reads a new snapshot off to the side and swaps it in atomically; a request that took the old one
//! finishes with it undisturbed. Reads are fresh for this node's own writes: [`ReferenceModel::read`] sees
//! that the feed is ahead of the snapshot and waits for the reload, so a profile saved on a node shows on
//! that node's next request. Other nodes' writes arrive through the feed (notification or poll), and the
//! follower task reloads before anyone asks.

use arc_swap::ArcSwap;
use std::sync::Arc;
use std::time::Duration;

use super::snapshot::ReferenceSnapshot;
use crate::feed::{ChangeFeed, Topic, Versions};
use crate::store::{Store, StoreResult};

/// The topics whose data the snapshot holds.
pub const TOPICS: [Topic; 2] = [Topic::Reference, Topic::Workspace];

/// The reference data in memory, shared by every request of a node.
#[derive(Clone)]
pub struct ReferenceModel {
    current: Arc<ArcSwap<ReferenceSnapshot>>,
    store: Arc<dyn Store>,
    feed: ChangeFeed,
    /// One reload at a time; others wait for it and then find the snapshot fresh.
    reloading: Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for ReferenceModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReferenceModel").field("versions", &self.current.load().versions).finish()
    }
}

impl ReferenceModel {
    /// Reads the first snapshot.
    pub async fn load(store: Arc<dyn Store>, feed: ChangeFeed) -> StoreResult<ReferenceModel> {
        let versions = feed.current().only(&TOPICS);
        let first = ReferenceSnapshot::read(store.as_ref(), versions).await?;
        Ok(ReferenceModel {
            current: Arc::new(ArcSwap::from_pointee(first)),
            store,
            feed,
            reloading: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// The snapshot as it is now, fresh or not (for a caller that cannot wait).
    pub fn snapshot(&self) -> Arc<ReferenceSnapshot> {
        self.current.load_full()
    }

    /// A snapshot at least as new as every version this node knows of: the current one, or, when the feed has
    /// moved past it, the one a reload reads now.
    pub async fn read(&self) -> StoreResult<Arc<ReferenceSnapshot>> {
        let snapshot = self.current.load_full();
        if is_fresh(snapshot.versions, self.feed.current()) {
            return Ok(snapshot);
        }
        self.reload().await
    }

    /// Reads a new snapshot unless one that is fresh enough arrived while waiting for another reload.
    pub async fn reload(&self) -> StoreResult<Arc<ReferenceSnapshot>> {
        let _one_at_a_time = self.reloading.lock().await;
        let wanted = self.feed.current();
        let snapshot = self.current.load_full();
        if is_fresh(snapshot.versions, wanted) {
            return Ok(snapshot);
        }
        // The versions are taken before reading, so a change during the read makes the result stale again
        // and the next read reloads once more.
        let fresh = Arc::new(ReferenceSnapshot::read(self.store.as_ref(), wanted.only(&TOPICS)).await?);
        self.current.store(fresh.clone());
        tracing::debug!(versions = ?fresh.versions, "reference model reloaded");
        Ok(fresh)
    }

    /// Reloads whenever the feed's Reference or Workspace version moves, until the task is aborted. A failed
    /// reload keeps the old snapshot and is tried again shortly.
    pub fn spawn_following(&self) -> tokio::task::JoinHandle<()> {
        let model = self.clone();
        let mut changes = self.feed.subscribe();
        tokio::spawn(async move {
            loop {
                if changes.changed().await.is_err() {
                    return;
                }
                changes.mark_unchanged();
                while let Err(e) = model.read().await {
                    tracing::warn!(error = %e, "the reference model could not be reloaded; trying again");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        })
    }
}

/// Whether a snapshot read at `have` holds everything `known` says was committed.
fn is_fresh(have: Versions, known: Versions) -> bool {
    TOPICS.iter().all(|t| have.get(*t) >= known.get(*t))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_reference_and_workspace_make_a_snapshot_stale() {
        let mut known = Versions::default();
        known.set(Topic::Partnerships, 9);
        known.set(Topic::Accounts, 4);
        assert!(is_fresh(Versions::default(), known));
        known.set(Topic::Workspace, 1);
        assert!(!is_fresh(Versions::default(), known));
        assert!(is_fresh(known.only(&TOPICS), known));
    }
}
