//! The change feed: every committed write bumps the data version of what it changed, in the same
//! transaction, and each node learns of the new versions (PostgreSQL: LISTEN/NOTIFY, with a poll that heals a
//! dropped connection; SQLite: in process, after the commit). Whatever keeps data in memory follows this one
//! feed: the page cache, the reference read model, and later the search index and the job queue.

use async_trait::async_trait;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

use crate::store::StoreResult;

/// The slices of data whose changes readers follow. Each has its own version, so a reader can ignore what
/// does not concern it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Topic {
    /// The union, networks (the union's and the registry's), provinces, municipalities, countries, cities,
    /// places made from source lists, SDGs: what the reference load, merges and the registry write.
    Reference,
    /// What municipalities keep about themselves: profiles, representatives, network memberships.
    Workspace,
    /// Sister-city relations with their trail, activities, documents and goals.
    Partnerships,
    /// Users and API tokens (never shown publicly).
    Accounts,
    /// Funders, programmes and calls (issue 16).
    Funding,
    /// The contact form's messages, the inbox's notes and replies, its routing rules (never shown publicly).
    Contact,
    /// Editable pages (Local Diplomacy, about, network summaries) as published.
    Content,
    /// Events (trainings, meetings, delegations) with their sessions and registrations.
    Events,
    /// Publications (reports, guides, bulletins, presentations, studies) and their files.
    Publications,
    /// News posts. A scheduled post becomes public when its time passes, without a write: readers that
    /// keep pages showing news also expire them at the next publish time (`NewsStore::next_news_publication`).
    News,
    /// The project portfolio (issue 16): projects, published or not.
    Projects,
}

impl Topic {
    pub const ALL: [Topic; 11] = [
        Topic::Reference,
        Topic::Workspace,
        Topic::Partnerships,
        Topic::Accounts,
        Topic::Funding,
        Topic::Contact,
        Topic::Content,
        Topic::Events,
        Topic::Publications,
        Topic::News,
        Topic::Projects,
    ];

    /// The name stored in the database and sent in notifications.
    pub fn as_str(self) -> &'static str {
        match self {
            Topic::Reference => "reference",
            Topic::Workspace => "workspace",
            Topic::Partnerships => "partnerships",
            Topic::Accounts => "accounts",
            Topic::Funding => "funding",
            Topic::Contact => "contact",
            Topic::Content => "content",
            Topic::Events => "events",
            Topic::Publications => "publications",
            Topic::News => "news",
            Topic::Projects => "projects",
        }
    }

    pub fn parse(name: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.as_str() == name)
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Topic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The topics an audited change of `record_type` (with `action`) moves: the one place that maps record kinds
/// to topics. A kind this does not know moves every topic, so a new kind is never missed, only over-reported.
pub fn topics_of(record_type: &str, action: &str) -> &'static [Topic] {
    use Topic::*;
    match (record_type, action) {
        ("partnership" | "partnership_activity" | "partnership_document", _) => &[Partnerships],
        // A merged member takes its relations, memberships and representatives along.
        ("municipality", "merge") => &[Reference, Workspace, Partnerships],
        ("municipality" | "representative" | "membership", _) => &[Workspace],
        ("network", _) => &[Reference],
        // A merged partner place hands its relations to the city.
        ("city", "merge") => &[Reference, Partnerships],
        ("city", _) => &[Reference],
        ("user" | "api_token" | "session" | "calendar_feed", _) => &[Accounts],
        ("funding_call" | "funding_data", _) => &[Funding],
        ("contact_message" | "contact_note" | "contact_rule" | "contact_disposal", _) => &[Contact],
        ("event" | "event_registration" | "delegation" | "delegation_participant" | "delegation_gift", _) => &[Events],
        // The public verification page of a certificate shows whether it is valid.
        ("certificate", _) => &[Events],
        ("publication" | "publication_file", _) => &[Publications],
        ("news_post", _) => &[News],
        // A project's public page, the portfolio and its summaries.
        ("project" | "project_document", _) => &[Projects],
        // Applications are never public and nothing keeps them in memory.
        ("funding_application" | "funding_application_document", _) => &[],
        // Saved searches are their owner's; no public page shows them.
        ("saved_search", _) => &[],
        // A mail sent again changes nothing anyone reads from memory.
        ("job", _) => &[],
        // A draft changes nothing the public sees; a published save, a publication or a restore does.
        ("content", "save_draft") => &[],
        ("content", _) => &[Content],
        _ => &Topic::ALL,
    }
}

/// One data version per topic. Versions only grow.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Versions([i64; Topic::ALL.len()]);

impl Versions {
    pub fn get(&self, topic: Topic) -> i64 {
        self.0[topic.index()]
    }

    pub fn set(&mut self, topic: Topic, version: i64) {
        self.0[topic.index()] = version;
    }

    /// Each topic's larger version of the two.
    pub fn max(mut self, other: Versions) -> Versions {
        for (mine, theirs) in self.0.iter_mut().zip(other.0) {
            *mine = (*mine).max(theirs);
        }
        self
    }

    /// The versions of `topics` only (the others zero), for a reader that depends on some topics.
    pub fn only(&self, topics: &[Topic]) -> Versions {
        let mut out = Versions::default();
        for t in topics {
            out.set(*t, self.get(*t));
        }
        out
    }
}

/// A node's knowledge of the data versions. The store raises it after its own commits and when it hears of
/// another node's; readers [`subscribe`](ChangeFeed::subscribe) or compare [`current`](ChangeFeed::current).
#[derive(Clone)]
pub struct ChangeFeed {
    tx: Arc<watch::Sender<Versions>>,
}

impl Default for ChangeFeed {
    fn default() -> Self {
        ChangeFeed::new()
    }
}

impl fmt::Debug for ChangeFeed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChangeFeed").field("current", &self.current()).finish()
    }
}

impl ChangeFeed {
    pub fn new() -> ChangeFeed {
        ChangeFeed { tx: Arc::new(watch::channel(Versions::default()).0) }
    }

    /// The newest versions this node knows of.
    pub fn current(&self) -> Versions {
        *self.tx.borrow()
    }

    /// A receiver that wakes whenever a version moves.
    pub fn subscribe(&self) -> watch::Receiver<Versions> {
        self.tx.subscribe()
    }

    /// Raises the known versions to `seen` (a version never goes down, so a late or repeated notice is
    /// harmless). Returns whether anything moved.
    pub fn observe(&self, seen: Versions) -> bool {
        self.tx.send_if_modified(|known| {
            let next = known.max(seen);
            let moved = next != *known;
            *known = next;
            moved
        })
    }
}

/// The change feed's storage: the committed versions, this node's [`ChangeFeed`], and the follower that
/// hears of other nodes' (and other processes') commits.
#[async_trait]
pub trait FeedStore: Send + Sync + 'static {
    /// This node's feed; the store raises it right after each of its own commits.
    fn change_feed(&self) -> ChangeFeed;

    /// The versions as committed in the database now.
    async fn data_versions(&self) -> StoreResult<Versions>;

    /// Raises [`change_feed`](FeedStore::change_feed) to what other nodes and processes commit, until the
    /// future is dropped: on PostgreSQL from notifications, and on both engines by reading the versions every
    /// `poll` (which also heals a dropped notification connection). Never returns.
    async fn follow_changes(&self, poll: Duration);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_only_grow() {
        let feed = ChangeFeed::new();
        let mut rx = feed.subscribe();
        let mut v = Versions::default();
        v.set(Topic::Partnerships, 3);
        assert!(feed.observe(v));
        assert!(rx.has_changed().unwrap());
        rx.mark_unchanged();
        let mut older = Versions::default();
        older.set(Topic::Partnerships, 2);
        older.set(Topic::Reference, 1);
        assert!(feed.observe(older));
        assert_eq!(feed.current().get(Topic::Partnerships), 3);
        assert_eq!(feed.current().get(Topic::Reference), 1);
        assert!(!feed.observe(older), "nothing new: no wake-up");
        assert_eq!(feed.current().only(&[Topic::Reference]).get(Topic::Partnerships), 0);
    }

    #[test]
    fn record_kinds_map_to_their_topics() {
        assert_eq!(topics_of("partnership_document", "create"), &[Topic::Partnerships]);
        assert_eq!(topics_of("municipality", "update"), &[Topic::Workspace]);
        assert!(topics_of("municipality", "merge").contains(&Topic::Reference));
        assert_eq!(topics_of("network", "approve"), &[Topic::Reference]);
        assert_eq!(topics_of("api_token", "revoke"), &[Topic::Accounts]);
        assert_eq!(topics_of("funding_call", "create"), &[Topic::Funding]);
        assert_eq!(topics_of("event_registration", "cancel"), &[Topic::Events]);
        assert_eq!(topics_of("publication_file", "remove"), &[Topic::Publications]);
        assert_eq!(topics_of("project", "publish"), &[Topic::Projects]);
        assert!(topics_of("job", "retry").is_empty());
        assert_eq!(topics_of("contact_message", "create"), &[Topic::Contact]);
        assert_eq!(topics_of("something_new", "create"), &Topic::ALL);
        for kind in crate::domain::RECORD_TYPES {
            assert!(topics_of(kind, "create").len() < Topic::ALL.len(), "{kind} is mapped");
        }
    }

    #[test]
    fn topics_round_trip() {
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.as_str()), Some(t));
        }
        assert_eq!(Topic::parse("nope"), None);
    }
}
