//! What every handler shares.

use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::Arc;

use crate::client::TrustedProxies;
use ldp_core::clock::Clock;
use ldp_core::domain::Union;
use ldp_core::feed::ChangeFeed;
use ldp_core::reference::model::ReferenceModel;
use ldp_core::services::accounts::{AccountSettings, Accounts, Mailer};
use ldp_core::services::attendance::Attendance;
use ldp_core::services::audit::Audit;
use ldp_core::services::calendar::Calendars;
use ldp_core::services::certificates::Certificates;
use ldp_core::services::contact::{Contact, ContactSettings};
use ldp_core::services::content::Content;
use ldp_core::services::delegations::Delegations;
use ldp_core::services::documents::Uploads;
use ldp_core::services::events::{EventMailSettings, Events};
use ldp_core::services::funding::Funding;
use ldp_core::services::jobs::{JobQueue, JobSettings, Jobs};
use ldp_core::services::networks::Networks;
use ldp_core::services::news::News;
use ldp_core::services::partnerships::{PartnershipSettings, Partnerships};
use ldp_core::services::projects::Projects;
use ldp_core::services::publications::Publications;
use ldp_core::services::saved_searches::SavedSearches;
use ldp_core::services::tokens::Tokens;
use ldp_core::services::training_record::TrainingRecords;
use ldp_core::services::workspace::Workspace;
use ldp_core::store::{Store, StoreResult};

use crate::cache::PageCache;

/// Facts about the site that every page shows and that change only with the reference data.
#[derive(Debug, Default)]
pub struct SiteInfo {
    pub union: Option<Arc<Union>>,
}

/// What the web layer is configured with.
#[derive(Clone)]
pub struct Config {
    /// Where every service reads the time: the system clock in `ldp serve`, a fixed one in tests.
    pub clock: Arc<dyn Clock>,
    pub partnerships: PartnershipSettings,
    pub uploads: Arc<dyn Uploads>,
    pub accounts: AccountSettings,
    pub mailer: Arc<dyn Mailer>,
    /// Reverse proxies whose forwarding headers name the client (`--trusted-proxies`).
    pub trusted_proxies: TrustedProxies,
    /// The bearer token that opens `/metrics` on the public address (`--metrics-token`); without it the
    /// metrics are served only on `--metrics-listen`.
    pub metrics_token: Option<String>,
    /// Bytes of anonymous responses kept in memory (`--page-cache-mb`); 0 turns the page cache off.
    pub page_cache_bytes: u64,
    /// The contact form's rate limit and retention.
    pub contact: ContactSettings,
    /// The organiser and address that event confirmation mail (with its invitation) names.
    pub events: EventMailSettings,
}

/// Shared application state: the store, the services, the metrics registry and the site's facts, behind one
/// `Arc`. Handlers and middleware read its fields through `Deref` ([`Shared`]).
///
/// Axum clones the state into every route's middleware stack on every request (a cached page took 132
/// clones), so a clone must be one reference count, not one per service and a moka handle with its channels:
/// as a struct of 20 handles it cost a third of a cached page's instructions (callgrind, `bench/README.md`).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds. Nodes keep nothing else that matters (sessions live in the database), so any
/// node can serve any request.
#[derive(Clone)]
pub struct Shared {
    pub trusted_proxies: Arc<TrustedProxies>,
    pub clock: Arc<dyn Clock>,
    pub store: Arc<dyn Store>,
    /// This node's change feed: subscribe to learn when a topic's data moved (on this node or another).
    pub feed: ChangeFeed,
    /// The reference data public pages show, in memory, following the feed.
    pub reference: ReferenceModel,
    pub partnerships: Partnerships,
    pub tokens: Tokens,
    pub accounts: Accounts,
    /// The job queue's worker and outbox (mail goes out from here, after the commit).
    pub jobs: Jobs,
    pub audit: Audit,
    /// The contact form and the workspace's inbox.
    pub contact: Contact,
    /// The deployment's key for the contact form's time trap and client digests (shared through the database).
    pub contact_key: Arc<[u8]>,
    pub workspace: Workspace,
    pub networks: Networks,
    pub funding: Funding,
    /// Applications for funding (issue 16).
    pub projects: Projects,
    /// Editable pages: revisions, drafts and what is published.
    pub content: Content,
    pub events: Events,
    /// Reports, guides, bulletins, presentations and studies, with their files.
    pub publications: Publications,
    /// News posts, scheduled ones included.
    pub news: News,
    /// Personal calendar feeds (the public ones read `events`).
    pub calendars: Calendars,
    /// Delegations and protocol: visits' details, participants and gifts.
    pub delegations: Delegations,
    /// Saved searches of funding calls, their alerts, digests and deadline reminders.
    pub saved_searches: SavedSearches,
    /// Check-ins of events' attendees per session.
    pub attendance: Arc<Attendance>,
    /// Certificates of attendance: issued, verified, revoked.
    pub certificates: Arc<Certificates>,
    /// The training record (issue 11): a person's, a municipality's and the union's hours.
    pub training_records: Arc<TrainingRecords>,
    pub uploads: Arc<dyn Uploads>,
    pub metrics: PrometheusHandle,
    pub metrics_token: Option<Arc<str>>,
    pub site: Arc<SiteInfo>,
    /// Cookies get the Secure flag when the public address is https.
    pub secure_cookies: bool,
    /// The deployment's key for the sign-in form's CSRF cookie (shared by every node through the database).
    pub csrf_key: Arc<[u8]>,
    /// The public address's origin (`https://ldp.example.org`), which state-changing requests must come from.
    pub origin: Arc<str>,
    /// Anonymous responses kept in memory, emptied whenever the feed moves.
    pub page_cache: PageCache,
}

impl AppState {
    /// Builds the state, reading the site's facts from the store once.
    pub async fn load(store: Arc<dyn Store>, config: Config) -> StoreResult<AppState> {
        // Start from what is committed, so readers that load now are not told to reload at the first poll.
        let feed = store.change_feed();
        feed.observe(store.data_versions().await?);
        let reference = ReferenceModel::load(store.clone(), feed.clone()).await?;
        let union = reference.snapshot().union();
        let fresh =
            ldp_core::services::accounts::secret().map_err(|e| ldp_core::store::StoreError::Corrupt(e.to_string()))?;
        let csrf_key: Arc<[u8]> = Arc::from(store.shared_secret("csrf_cookie_key", &fresh).await?.into_bytes());
        let origin = crate::security::origin_of(&config.accounts.public_url);
        let secure_cookies = config.accounts.public_url.starts_with("https://");
        let queue = JobQueue::new(store.clone());
        let public_url = config.accounts.public_url.clone();
        let accounts =
            Accounts::new(store.clone(), config.clock.clone(), config.mailer.clone(), queue.clone(), config.accounts);
        let fresh =
            ldp_core::services::accounts::secret().map_err(|e| ldp_core::store::StoreError::Corrupt(e.to_string()))?;
        let contact_key: Arc<[u8]> = Arc::from(store.shared_secret("contact_form_key", &fresh).await?.into_bytes());
        let contact =
            Contact::new(store.clone(), config.clock.clone(), config.mailer.clone(), queue.clone(), config.contact);
        let events = Events::new(store.clone(), config.clock.clone()).with_mail(
            config.mailer.clone(),
            queue.clone(),
            config.events,
        );
        let saved_searches = SavedSearches::new(store.clone(), config.clock.clone()).with_mail(
            config.mailer.clone(),
            queue.clone(),
            &public_url,
        );
        let page_cache = PageCache::new(config.page_cache_bytes);
        page_cache.follow(&feed);
        let jobs = Jobs::new(
            queue,
            config.clock.clone(),
            vec![
                Arc::new(accounts.clone()),
                Arc::new(contact.clone()),
                Arc::new(events.clone()),
                Arc::new(saved_searches.clone()),
            ],
            JobSettings::default(),
        );
        Ok(AppState(Arc::new(Shared {
            partnerships: Partnerships::new(store.clone(), config.clock.clone(), config.partnerships)
                .keeping_aggregates(store.as_ref()),
            tokens: Tokens::new(store.clone(), config.clock.clone()),
            accounts,
            jobs,
            audit: Audit::new(store.clone()),
            contact,
            contact_key,
            workspace: Workspace::new(store.clone(), config.clock.clone()),
            networks: Networks::new(store.clone(), config.clock.clone()),
            funding: Funding::new(store.clone(), config.clock.clone()),
            projects: Projects::new(store.clone(), config.clock.clone()),
            content: Content::new(store.clone(), config.clock.clone()),
            publications: Publications::new(store.clone(), config.clock.clone()),
            news: News::new(store.clone(), config.clock.clone()),
            events,
            calendars: Calendars::new(store.clone(), config.clock.clone()),
            delegations: Delegations::new(store.clone(), config.clock.clone()),
            saved_searches,
            attendance: Arc::new(Attendance::new(store.clone(), config.clock.clone())),
            certificates: Arc::new(Certificates::new(store.clone(), config.clock.clone())),
            training_records: Arc::new(TrainingRecords::new(store.clone())),
            uploads: config.uploads,
            clock: config.clock,
            trusted_proxies: Arc::new(config.trusted_proxies),
            store,
            feed,
            reference,
            metrics: crate::ops::metrics_handle(),
            metrics_token: config.metrics_token.map(Arc::from),
            site: Arc::new(SiteInfo { union }),
            secure_cookies,
            csrf_key,
            origin: Arc::from(origin),
            page_cache,
        })))
    }

    /// The same state with another page cache (tests compare a cached answer with a fresh rendering).
    pub fn with_page_cache(&self, page_cache: PageCache) -> AppState {
        AppState(Arc::new(Shared { page_cache, ..(*self.0).clone() }))
    }
}
