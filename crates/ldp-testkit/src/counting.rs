//! A [`Store`] that counts the calls made through it, for tests that prove a page reads the store a bounded
//! number of times (no query per row). Every method delegates to the wrapped store; the compiler keeps the
//! list complete when the trait grows.

use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use time::{Date, OffsetDateTime};

use ldp_core::domain::contact::{
    ContactMessage, ContactNote, ContactTopic, Disposal, DisposalEntry, MessageFilter, MessageUpdate, NewNote,
    RoutingRule,
};
use ldp_core::domain::content::{ContentPage, ContentState, NewRevision, Revision, RevisionId};
use ldp_core::domain::funding;
use ldp_core::domain::partnership::{
    CountrySummary, Document, GoalActivity, MemberCountryLink, NewActivity, NewDocument, NewPartnership, Partnership,
    PartnershipDetail, PartnershipFilter, PartnershipId, Stage, TrailEvent,
};
use ldp_core::domain::projects;
use ldp_core::domain::*;
use ldp_core::feed::{ChangeFeed, FeedStore, Versions};
use ldp_core::jobs::{Job, JobFilter, JobFinish, JobId, JobLimit, JobStore, NewJob};
use ldp_core::reference::{LoadReport, ReferenceCounts, ReferenceData};
use ldp_core::registry::NetworkRegistryStore;
use ldp_core::services::tokens::ApiToken;
use ldp_core::store::*;

/// Wraps a store and counts calls per method.
pub struct CountingStore {
    inner: Arc<dyn Store>,
    calls: Mutex<HashMap<&'static str, u32>>,
}

impl CountingStore {
    pub fn new(inner: Arc<dyn Store>) -> CountingStore {
        CountingStore { inner, calls: Mutex::new(HashMap::new()) }
    }

    fn count(&self, method: &'static str) {
        *self.calls.lock().expect("not poisoned").entry(method).or_default() += 1;
    }

    /// How many times `method` was called since the last [`CountingStore::reset`].
    pub fn calls(&self, method: &str) -> u32 {
        self.calls.lock().expect("not poisoned").get(method).copied().unwrap_or(0)
    }

    /// Every call since the last reset, all methods together.
    pub fn total(&self) -> u32 {
        self.calls.lock().expect("not poisoned").values().sum()
    }

    pub fn reset(&self) {
        self.calls.lock().expect("not poisoned").clear();
    }
}

#[async_trait]
impl JobStore for CountingStore {
    async fn enqueue(&self, job: &NewJob, limit: Option<&JobLimit>) -> StoreResult<Option<JobId>> {
        self.count("enqueue");
        self.inner.enqueue(job, limit).await
    }

    async fn claim_job(&self, now: OffsetDateTime, lease_until: OffsetDateTime) -> StoreResult<Option<Job>> {
        self.count("claim_job");
        self.inner.claim_job(now, lease_until).await
    }

    async fn finish_job(&self, id: JobId, attempt: i32, now: OffsetDateTime, finish: &JobFinish) -> StoreResult<bool> {
        self.count("finish_job");
        self.inner.finish_job(id, attempt, now, finish).await
    }

    async fn jobs(&self, filter: &JobFilter) -> StoreResult<Paged<Job>> {
        self.count("jobs");
        self.inner.jobs(filter).await
    }

    async fn retry_job(&self, id: JobId, now: OffsetDateTime, change: &Change) -> StoreResult<bool> {
        self.count("retry_job");
        self.inner.retry_job(id, now, change).await
    }

    async fn prune_jobs(&self, before: OffsetDateTime) -> StoreResult<u64> {
        self.count("prune_jobs");
        self.inner.prune_jobs(before).await
    }
}

#[async_trait]
impl FundingStore for CountingStore {
    async fn funders(&self) -> StoreResult<Vec<funding::Funder>> {
        self.count("funders");
        self.inner.funders().await
    }

    async fn programmes(&self) -> StoreResult<Vec<funding::Programme>> {
        self.count("programmes");
        self.inner.programmes().await
    }

    async fn programme_by_slug(&self, slug: &str) -> StoreResult<Option<funding::Programme>> {
        self.count("programme_by_slug");
        self.inner.programme_by_slug(slug).await
    }

    async fn load_funding_data(
        &self,
        data: &funding::data::FundingData,
        change: &Change,
    ) -> StoreResult<funding::FundingLoadReport> {
        self.count("load_funding_data");
        self.inner.load_funding_data(data, change).await
    }

    async fn calls(
        &self,
        filter: &funding::CallFilter,
        now: time::OffsetDateTime,
        page: Page,
    ) -> StoreResult<Paged<funding::Call>> {
        self.count("calls");
        self.inner.calls(filter, now, page).await
    }

    async fn open_call_candidates(
        &self,
        who: &funding::Applicant,
        now: time::OffsetDateTime,
        page: Page,
    ) -> StoreResult<Vec<funding::Call>> {
        self.count("open_call_candidates");
        self.inner.open_call_candidates(who, now, page).await
    }

    async fn call(&self, id: funding::CallId) -> StoreResult<Option<funding::Call>> {
        self.count("call");
        self.inner.call(id).await
    }

    async fn call_by_identifier(&self, identifier: &str) -> StoreResult<Option<funding::Call>> {
        self.count("call_by_identifier");
        self.inner.call_by_identifier(identifier).await
    }

    async fn save_call(
        &self,
        fields: &funding::CallFields,
        published: bool,
        suggested_by: Option<UserId>,
        source: &str,
        change: &Change,
    ) -> StoreResult<funding::Saved> {
        self.count("save_call");
        self.inner.save_call(fields, published, suggested_by, source, change).await
    }

    async fn update_call(&self, id: funding::CallId, fields: &funding::CallFields, change: &Change) -> StoreResult<()> {
        self.count("update_call");
        self.inner.update_call(id, fields, change).await
    }

    async fn publish_call(&self, id: funding::CallId, change: &Change) -> StoreResult<bool> {
        self.count("publish_call");
        self.inner.publish_call(id, change).await
    }
}

#[async_trait]
impl ContentStore for CountingStore {
    async fn content_revisions(&self, page: &ContentPage) -> StoreResult<Vec<Revision>> {
        self.count("content_revisions");
        self.inner.content_revisions(page).await
    }

    async fn content_revision(&self, id: RevisionId) -> StoreResult<Option<Revision>> {
        self.count("content_revision");
        self.inner.content_revision(id).await
    }

    async fn published_content(&self, page: &ContentPage, lang: Lang) -> StoreResult<Option<Revision>> {
        self.count("published_content");
        self.inner.published_content(page, lang).await
    }

    async fn content_states(&self) -> StoreResult<Vec<ContentState>> {
        self.count("content_states");
        self.inner.content_states().await
    }

    async fn save_content_revision(
        &self,
        revision: &NewRevision,
        publish: bool,
        change: &Change,
    ) -> StoreResult<RevisionId> {
        self.count("save_content_revision");
        self.inner.save_content_revision(revision, publish, change).await
    }

    async fn publish_content_revision(&self, id: RevisionId, change: &Change) -> StoreResult<()> {
        self.count("publish_content_revision");
        self.inner.publish_content_revision(id, change).await
    }
}

#[async_trait]
impl NewsStore for CountingStore {
    async fn news_posts(&self, filter: &NewsFilter, page: Page) -> StoreResult<Paged<NewsPost>> {
        self.count("news_posts");
        self.inner.news_posts(filter, page).await
    }

    async fn news_post(&self, id: NewsId) -> StoreResult<Option<NewsPost>> {
        self.count("news_post");
        self.inner.news_post(id).await
    }

    async fn next_news_publication(&self, now: OffsetDateTime) -> StoreResult<Option<OffsetDateTime>> {
        self.count("next_news_publication");
        self.inner.next_news_publication(now).await
    }

    async fn create_news_post(
        &self,
        fields: &NewsFields,
        status: NewsStatus,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<NewsId> {
        self.count("create_news_post");
        self.inner.create_news_post(fields, status, now, change).await
    }

    async fn update_news_post(
        &self,
        id: NewsId,
        fields: &NewsFields,
        status: NewsStatus,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()> {
        self.count("update_news_post");
        self.inner.update_news_post(id, fields, status, now, change).await
    }

    async fn set_news_image(
        &self,
        id: NewsId,
        image: Option<&NewsImage>,
        alt: &Localized,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()> {
        self.count("set_news_image");
        self.inner.set_news_image(id, image, alt, now, change).await
    }
}

#[async_trait]
impl AttendanceStore for CountingStore {
    async fn check_ins(&self, event: EventId) -> StoreResult<Vec<CheckIn>> {
        self.count("check_ins");
        self.inner.check_ins(event).await
    }

    async fn check_in(
        &self,
        event: EventId,
        registration: RegistrationId,
        attendee: u32,
        session: u32,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        self.count("check_in");
        self.inner.check_in(event, registration, attendee, session, now, change).await
    }

    async fn undo_check_in(
        &self,
        registration: RegistrationId,
        attendee: u32,
        session: u32,
        change: &Change,
    ) -> StoreResult<bool> {
        self.count("undo_check_in");
        self.inner.undo_check_in(registration, attendee, session, change).await
    }

    async fn attended_sessions(
        &self,
        filter: &training_record::RecordFilter,
        within: Option<&[MunicipalityId]>,
    ) -> StoreResult<Vec<training_record::AttendedSession>> {
        self.count("attended_sessions");
        self.inner.attended_sessions(filter, within).await
    }
}

#[async_trait]
impl CertificateStore for CountingStore {
    async fn certificate_threshold(&self, event: EventId) -> StoreResult<Option<u8>> {
        self.count("certificate_threshold");
        self.inner.certificate_threshold(event).await
    }

    async fn set_certificate_threshold(&self, event: EventId, percent: u8, change: &Change) -> StoreResult<()> {
        self.count("set_certificate_threshold");
        self.inner.set_certificate_threshold(event, percent, change).await
    }

    async fn issue_certificates(
        &self,
        training: &certificate::TrainingSnapshot,
        new: &[certificate::NewCertificate],
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<certificate::Certificate>> {
        self.count("issue_certificates");
        self.inner.issue_certificates(training, new, now, change).await
    }

    async fn event_certificates(&self, event: EventId) -> StoreResult<Vec<certificate::Certificate>> {
        self.count("event_certificates");
        self.inner.event_certificates(event).await
    }

    async fn certificate_by_code(&self, code: &str) -> StoreResult<Option<certificate::Certificate>> {
        self.count("certificate_by_code");
        self.inner.certificate_by_code(code).await
    }

    async fn certificates_of(&self, email_key: &str) -> StoreResult<Vec<certificate::Certificate>> {
        self.count("certificates_of");
        self.inner.certificates_of(email_key).await
    }

    async fn revoke_certificate(
        &self,
        id: certificate::CertificateId,
        reason: &str,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        self.count("revoke_certificate");
        self.inner.revoke_certificate(id, reason, now, change).await
    }
}

#[async_trait]
impl CalendarStore for CountingStore {
    async fn calendar_feed(&self, user: UserId) -> StoreResult<Option<CalendarFeed>> {
        self.count("calendar_feed");
        self.inner.calendar_feed(user).await
    }

    async fn calendar_feed_by_hash(&self, token_hash: &str) -> StoreResult<Option<CalendarFeed>> {
        self.count("calendar_feed_by_hash");
        self.inner.calendar_feed_by_hash(token_hash).await
    }

    async fn start_calendar_feed(
        &self,
        user: UserId,
        token_hash: &str,
        lang: Lang,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<CalendarFeed> {
        self.count("start_calendar_feed");
        self.inner.start_calendar_feed(user, token_hash, lang, now, change).await
    }

    async fn revoke_calendar_feed(&self, user: UserId, now: OffsetDateTime, change: &Change) -> StoreResult<bool> {
        self.count("revoke_calendar_feed");
        self.inner.revoke_calendar_feed(user, now, change).await
    }
}

#[async_trait]
impl ldp_core::domain::delegation::DelegationStore for CountingStore {
    async fn delegation(&self, event: EventId) -> StoreResult<ldp_core::domain::delegation::Delegation> {
        self.count("delegation");
        self.inner.delegation(event).await
    }

    async fn save_delegation(
        &self,
        event: EventId,
        details: &ldp_core::domain::delegation::DelegationDetails,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()> {
        self.count("save_delegation");
        self.inner.save_delegation(event, details, now, change).await
    }

    async fn add_participant(
        &self,
        event: EventId,
        person: &ldp_core::domain::delegation::NewParticipant,
        change: &Change,
    ) -> StoreResult<i64> {
        self.count("add_participant");
        self.inner.add_participant(event, person, change).await
    }

    async fn remove_participant(&self, event: EventId, id: i64, change: &Change) -> StoreResult<bool> {
        self.count("remove_participant");
        self.inner.remove_participant(event, id, change).await
    }

    async fn add_gift(
        &self,
        event: EventId,
        gift: &ldp_core::domain::delegation::NewGift,
        change: &Change,
    ) -> StoreResult<i64> {
        self.count("add_gift");
        self.inner.add_gift(event, gift, change).await
    }

    async fn remove_gift(&self, event: EventId, id: i64, change: &Change) -> StoreResult<bool> {
        self.count("remove_gift");
        self.inner.remove_gift(event, id, change).await
    }
}

#[async_trait]
impl ldp_core::domain::EventStore for CountingStore {
    async fn events(
        &self,
        filter: &ldp_core::domain::EventFilter,
        page: Page,
    ) -> StoreResult<Paged<ldp_core::domain::Event>> {
        self.count("events");
        self.inner.events(filter, page).await
    }

    async fn event(&self, id: ldp_core::domain::EventId) -> StoreResult<Option<ldp_core::domain::Event>> {
        self.count("event");
        self.inner.event(id).await
    }

    async fn create_event(
        &self,
        fields: &ldp_core::domain::EventFields,
        status: ldp_core::domain::EventStatus,
        proposed_by: Option<UserId>,
        now: time::OffsetDateTime,
        change: &Change,
    ) -> StoreResult<ldp_core::domain::EventId> {
        self.count("create_event");
        self.inner.create_event(fields, status, proposed_by, now, change).await
    }

    async fn update_event(
        &self,
        id: ldp_core::domain::EventId,
        fields: &ldp_core::domain::EventFields,
        time_or_place_changed: bool,
        now: time::OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()> {
        self.count("update_event");
        self.inner.update_event(id, fields, time_or_place_changed, now, change).await
    }

    async fn set_event_status(
        &self,
        id: ldp_core::domain::EventId,
        status: ldp_core::domain::EventStatus,
        now: time::OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        self.count("set_event_status");
        self.inner.set_event_status(id, status, now, change).await
    }

    async fn register(
        &self,
        event: ldp_core::domain::EventId,
        new: &ldp_core::domain::NewRegistration,
        now: time::OffsetDateTime,
        change: &Change,
    ) -> StoreResult<ldp_core::domain::Registration> {
        self.count("register");
        self.inner.register(event, new, now, change).await
    }

    async fn registrations(
        &self,
        event: ldp_core::domain::EventId,
    ) -> StoreResult<Vec<ldp_core::domain::Registration>> {
        self.count("registrations");
        self.inner.registrations(event).await
    }

    async fn registrations_by(&self, user: UserId) -> StoreResult<Vec<ldp_core::domain::Registration>> {
        self.count("registrations_by");
        self.inner.registrations_by(user).await
    }

    async fn registration(
        &self,
        id: ldp_core::domain::RegistrationId,
    ) -> StoreResult<Option<ldp_core::domain::Registration>> {
        self.count("registration");
        self.inner.registration(id).await
    }

    async fn registration_by_code(&self, code: &str) -> StoreResult<Option<ldp_core::domain::Registration>> {
        self.count("registration_by_code");
        self.inner.registration_by_code(code).await
    }

    async fn cancel_registration(
        &self,
        id: ldp_core::domain::RegistrationId,
        offer_until: time::OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<ldp_core::domain::Registration>> {
        self.count("cancel_registration");
        self.inner.cancel_registration(id, offer_until, change).await
    }

    async fn offer_free_seats(
        &self,
        event: ldp_core::domain::EventId,
        offer_until: time::OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<ldp_core::domain::Registration>> {
        self.count("offer_free_seats");
        self.inner.offer_free_seats(event, offer_until, change).await
    }

    async fn accept_offer(
        &self,
        id: ldp_core::domain::RegistrationId,
        now: time::OffsetDateTime,
        change: &Change,
    ) -> StoreResult<ldp_core::domain::Registration> {
        self.count("accept_offer");
        self.inner.accept_offer(id, now, change).await
    }

    async fn decline_offer(
        &self,
        id: ldp_core::domain::RegistrationId,
        offer_until: time::OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<ldp_core::domain::Registration>> {
        self.count("decline_offer");
        self.inner.decline_offer(id, offer_until, change).await
    }

    async fn expire_offers(
        &self,
        now: time::OffsetDateTime,
        offer_until: time::OffsetDateTime,
        change: &Change,
    ) -> StoreResult<(Vec<ldp_core::domain::Registration>, Vec<ldp_core::domain::Registration>)> {
        self.count("expire_offers");
        self.inner.expire_offers(now, offer_until, change).await
    }

    async fn create_registration_link(
        &self,
        registration: ldp_core::domain::RegistrationId,
        purpose: ldp_core::domain::RegistrationLinkPurpose,
        token_hash: &str,
        now: time::OffsetDateTime,
        expires_at: time::OffsetDateTime,
    ) -> StoreResult<()> {
        self.count("create_registration_link");
        self.inner.create_registration_link(registration, purpose, token_hash, now, expires_at).await
    }

    async fn registration_by_link(
        &self,
        token_hash: &str,
        purpose: ldp_core::domain::RegistrationLinkPurpose,
    ) -> StoreResult<Option<(ldp_core::domain::Registration, time::OffsetDateTime)>> {
        self.count("registration_by_link");
        self.inner.registration_by_link(token_hash, purpose).await
    }

    async fn prune_registration_links(&self, now: time::OffsetDateTime) -> StoreResult<u64> {
        self.count("prune_registration_links");
        self.inner.prune_registration_links(now).await
    }

    async fn prune_unconfirmed(&self, now: time::OffsetDateTime, change: &Change) -> StoreResult<u64> {
        self.count("prune_unconfirmed");
        self.inner.prune_unconfirmed(now, change).await
    }
}

#[async_trait]
impl PublicationStore for CountingStore {
    async fn publications(&self, filter: &PublicationFilter, page: Page) -> StoreResult<Paged<Publication>> {
        self.count("publications");
        self.inner.publications(filter, page).await
    }

    async fn publication(&self, id: PublicationId) -> StoreResult<Option<Publication>> {
        self.count("publication");
        self.inner.publication(id).await
    }

    async fn create_publication(
        &self,
        fields: &PublicationFields,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<PublicationId> {
        self.count("create_publication");
        self.inner.create_publication(fields, now, change).await
    }

    async fn update_publication(
        &self,
        id: PublicationId,
        fields: &PublicationFields,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()> {
        self.count("update_publication");
        self.inner.update_publication(id, fields, now, change).await
    }

    async fn set_publication_status(
        &self,
        id: PublicationId,
        status: PublicationStatus,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        self.count("set_publication_status");
        self.inner.set_publication_status(id, status, now, change).await
    }

    async fn publication_files(&self, id: PublicationId) -> StoreResult<Vec<PublicationFile>> {
        self.count("publication_files");
        self.inner.publication_files(id).await
    }

    async fn publication_file(
        &self,
        id: PublicationId,
        file: PublicationFileId,
    ) -> StoreResult<Option<PublicationFile>> {
        self.count("publication_file");
        self.inner.publication_file(id, file).await
    }

    async fn add_publication_file(
        &self,
        id: PublicationId,
        file: &NewPublicationFile,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<PublicationFileId> {
        self.count("add_publication_file");
        self.inner.add_publication_file(id, file, now, change).await
    }

    async fn remove_publication_file(
        &self,
        id: PublicationId,
        file: PublicationFileId,
        change: &Change,
    ) -> StoreResult<bool> {
        self.count("remove_publication_file");
        self.inner.remove_publication_file(id, file, change).await
    }
}

#[async_trait]
impl NetworkRegistryStore for CountingStore {
    async fn registry_networks(&self) -> StoreResult<Vec<RegistryNetwork>> {
        self.count("registry_networks");
        self.inner.registry_networks().await
    }

    async fn registry_network(&self, id: NetworkId) -> StoreResult<Option<RegistryNetwork>> {
        self.count("registry_network");
        self.inner.registry_network(id).await
    }

    async fn create_registry_network(
        &self,
        slug: &str,
        fields: &NetworkFields,
        status: RegistryStatus,
        proposed_by: Option<UserId>,
        change: &Change,
    ) -> StoreResult<NetworkId> {
        self.count("create_registry_network");
        self.inner.create_registry_network(slug, fields, status, proposed_by, change).await
    }

    async fn update_registry_network(&self, id: NetworkId, fields: &NetworkFields, change: &Change) -> StoreResult<()> {
        self.count("update_registry_network");
        self.inner.update_registry_network(id, fields, change).await
    }

    async fn approve_registry_network(&self, id: NetworkId, change: &Change) -> StoreResult<bool> {
        self.count("approve_registry_network");
        self.inner.approve_registry_network(id, change).await
    }
}

#[async_trait]
impl FeedStore for CountingStore {
    fn change_feed(&self) -> ChangeFeed {
        self.inner.change_feed()
    }

    async fn data_versions(&self) -> StoreResult<Versions> {
        self.count("data_versions");
        self.inner.data_versions().await
    }

    async fn follow_changes(&self, poll: std::time::Duration) {
        self.inner.follow_changes(poll).await
    }
}

#[async_trait]
impl ReferenceStore for CountingStore {
    async fn reference_version(&self) -> StoreResult<Option<String>> {
        self.count("reference_version");
        self.inner.reference_version().await
    }

    async fn load_reference(&self, data: &ReferenceData, version: &str) -> StoreResult<LoadReport> {
        self.count("load_reference");
        self.inner.load_reference(data, version).await
    }

    async fn merge_municipality(
        &self,
        old: &str,
        into: &str,
        change: &Change,
    ) -> StoreResult<Option<MunicipalityMerge>> {
        self.count("merge_municipality");
        self.inner.merge_municipality(old, into, change).await
    }

    async fn create_source_place(&self, place: &NewSourcePlace, change: &Change) -> StoreResult<i64> {
        self.count("create_source_place");
        self.inner.create_source_place(place, change).await
    }

    async fn source_places(&self) -> StoreResult<Vec<SourcePlace>> {
        self.count("source_places");
        self.inner.source_places().await
    }

    async fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        self.count("meta");
        self.inner.meta(key).await
    }

    async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        self.count("set_meta");
        self.inner.set_meta(key, value).await
    }

    async fn reference_counts(&self) -> StoreResult<ReferenceCounts> {
        self.count("reference_counts");
        self.inner.reference_counts().await
    }

    async fn union_info(&self) -> StoreResult<Option<Union>> {
        self.count("union_info");
        self.inner.union_info().await
    }

    async fn list_networks(&self) -> StoreResult<Vec<Network>> {
        self.count("list_networks");
        self.inner.list_networks().await
    }

    async fn network_by_slug(&self, slug: &str) -> StoreResult<Option<Network>> {
        self.count("network_by_slug");
        self.inner.network_by_slug(slug).await
    }

    async fn list_provinces(&self) -> StoreResult<Vec<Province>> {
        self.count("list_provinces");
        self.inner.list_provinces().await
    }

    async fn list_municipalities(&self, filter: &MunicipalityFilter, page: Page) -> StoreResult<Paged<Municipality>> {
        self.count("list_municipalities");
        self.inner.list_municipalities(filter, page).await
    }

    async fn municipality_by_slug(&self, slug: &str) -> StoreResult<Option<Municipality>> {
        self.count("municipality_by_slug");
        self.inner.municipality_by_slug(slug).await
    }

    async fn municipality(&self, id: MunicipalityId) -> StoreResult<Option<Municipality>> {
        self.count("municipality");
        self.inner.municipality(id).await
    }

    async fn municipalities_by_id(&self, ids: &[MunicipalityId]) -> StoreResult<Vec<Municipality>> {
        self.count("municipalities_by_id");
        self.inner.municipalities_by_id(ids).await
    }

    async fn list_goals(&self) -> StoreResult<Vec<SdgGoal>> {
        self.count("list_goals");
        self.inner.list_goals().await
    }

    async fn goal(&self, number: GoalNumber) -> StoreResult<Option<SdgGoalDetail>> {
        self.count("goal");
        self.inner.goal(number).await
    }

    async fn list_countries(&self, page: Page) -> StoreResult<Paged<Country>> {
        self.count("list_countries");
        self.inner.list_countries(page).await
    }

    async fn country(&self, code: &CountryCode) -> StoreResult<Option<Country>> {
        self.count("country");
        self.inner.country(code).await
    }

    async fn search_cities(&self, filter: &CityFilter, page: Page) -> StoreResult<PageSlice<City>> {
        self.count("search_cities");
        self.inner.search_cities(filter, page).await
    }

    async fn city(&self, id: i64) -> StoreResult<Option<City>> {
        self.count("city");
        self.inner.city(id).await
    }

    async fn gazetteer(&self) -> StoreResult<Vec<GazetteerEntry>> {
        self.count("gazetteer");
        self.inner.gazetteer().await
    }
}

#[async_trait]
impl PartnershipStore for CountingStore {
    async fn create_partnership(&self, new: &NewPartnership, change: &Change) -> StoreResult<Option<PartnershipId>> {
        self.count("create_partnership");
        self.inner.create_partnership(new, change).await
    }

    async fn partnership(&self, id: PartnershipId, dormant_before: Date) -> StoreResult<Option<PartnershipDetail>> {
        self.count("partnership");
        self.inner.partnership(id, dormant_before).await
    }

    async fn list_partnerships(
        &self,
        filter: &PartnershipFilter,
        dormant_before: Date,
        page: Page,
    ) -> StoreResult<Paged<Partnership>> {
        self.count("list_partnerships");
        self.inner.list_partnerships(filter, dormant_before, page).await
    }

    async fn export_partnerships(
        &self,
        filter: &PartnershipFilter,
        dormant_before: Date,
        skip: u64,
        limit: u32,
    ) -> StoreResult<Vec<Partnership>> {
        self.count("export_partnerships");
        self.inner.export_partnerships(filter, dormant_before, skip, limit).await
    }

    async fn record_step(
        &self,
        id: PartnershipId,
        expected: Stage,
        step: &RecordedStep,
        change: &Change,
    ) -> StoreResult<()> {
        self.count("record_step");
        self.inner.record_step(id, expected, step, change).await
    }

    async fn add_activity(&self, id: PartnershipId, activity: &NewActivity, change: &Change) -> StoreResult<i64> {
        self.count("add_activity");
        self.inner.add_activity(id, activity, change).await
    }

    async fn add_document(&self, id: PartnershipId, document: &NewDocument, change: &Change) -> StoreResult<i64> {
        self.count("add_document");
        self.inner.add_document(id, document, change).await
    }

    async fn document(&self, id: PartnershipId, document: i64) -> StoreResult<Option<Document>> {
        self.count("document");
        self.inner.document(id, document).await
    }

    async fn member_country_links(
        &self,
        filter: &PartnershipFilter,
        dormant_before: Date,
    ) -> StoreResult<Vec<MemberCountryLink>> {
        self.count("member_country_links");
        self.inner.member_country_links(filter, dormant_before).await
    }

    async fn partnership_countries(&self, dormant_before: Date) -> StoreResult<Vec<CountrySummary>> {
        self.count("partnership_countries");
        self.inner.partnership_countries(dormant_before).await
    }

    async fn partner_countries(&self) -> StoreResult<Vec<(CountryCode, Localized)>> {
        self.count("partner_countries");
        self.inner.partner_countries().await
    }

    async fn trails(&self, ids: &[PartnershipId]) -> StoreResult<HashMap<PartnershipId, Vec<(Stage, Date)>>> {
        self.count("trails");
        self.inner.trails(ids).await
    }

    async fn set_partnership_sdgs(&self, id: PartnershipId, sdgs: &[GoalNumber], change: &Change) -> StoreResult<bool> {
        self.count("set_partnership_sdgs");
        self.inner.set_partnership_sdgs(id, sdgs, change).await
    }

    async fn set_partnership_published(
        &self,
        id: PartnershipId,
        published: bool,
        change: &Change,
    ) -> StoreResult<bool> {
        self.count("set_partnership_published");
        self.inner.set_partnership_published(id, published, change).await
    }

    async fn activities_with_goal(&self, goal: GoalNumber, limit: u32) -> StoreResult<Vec<GoalActivity>> {
        self.count("activities_with_goal");
        self.inner.activities_with_goal(goal, limit).await
    }

    async fn relations_duplicated_by_merge(&self, place: i64, city: i64) -> StoreResult<Vec<PartnershipId>> {
        self.count("relations_duplicated_by_merge");
        self.inner.relations_duplicated_by_merge(place, city).await
    }

    async fn trail_events(&self, ids: &[PartnershipId]) -> StoreResult<HashMap<PartnershipId, Vec<TrailEvent>>> {
        self.count("trail_events");
        self.inner.trail_events(ids).await
    }

    async fn set_proposal_date(&self, id: PartnershipId, date: Date, change: &Change) -> StoreResult<bool> {
        self.count("set_proposal_date");
        self.inner.set_proposal_date(id, date, change).await
    }
}

#[async_trait]
impl AccountStore for CountingStore {
    async fn create_api_token(&self, token: &NewApiToken<'_>, change: &Change) -> StoreResult<ApiToken> {
        self.count("create_api_token");
        self.inner.create_api_token(token, change).await
    }

    async fn api_token_by_hash(&self, token_hash: &str) -> StoreResult<Option<ApiToken>> {
        self.count("api_token_by_hash");
        self.inner.api_token_by_hash(token_hash).await
    }

    async fn touch_api_token(&self, id: i64, now: OffsetDateTime) -> StoreResult<()> {
        self.count("touch_api_token");
        self.inner.touch_api_token(id, now).await
    }

    async fn revoke_api_token(&self, id: i64, change: &Change) -> StoreResult<bool> {
        self.count("revoke_api_token");
        self.inner.revoke_api_token(id, change).await
    }

    async fn api_token(&self, id: i64) -> StoreResult<Option<ApiToken>> {
        self.count("api_token");
        self.inner.api_token(id).await
    }

    async fn list_api_tokens(&self, owner: Option<UserId>) -> StoreResult<Vec<ApiToken>> {
        self.count("list_api_tokens");
        self.inner.list_api_tokens(owner).await
    }

    async fn create_user(&self, new: &NewUser, change: &Change) -> StoreResult<UserId> {
        self.count("create_user");
        self.inner.create_user(new, change).await
    }

    async fn forget_sign_in_attempt(&self, attempt: i64) -> StoreResult<()> {
        self.count("forget_sign_in_attempt");
        self.inner.forget_sign_in_attempt(attempt).await
    }

    async fn shared_secret(&self, name: &str, fresh: &str) -> StoreResult<String> {
        self.count("shared_secret");
        self.inner.shared_secret(name, fresh).await
    }

    async fn user(&self, id: UserId) -> StoreResult<Option<StoredUser>> {
        self.count("user");
        self.inner.user(id).await
    }

    async fn user_by_email(&self, email_folded: &str) -> StoreResult<Option<StoredUser>> {
        self.count("user_by_email");
        self.inner.user_by_email(email_folded).await
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        self.count("list_users");
        self.inner.list_users().await
    }

    async fn update_user(&self, id: UserId, update: &UserUpdate, change: &Change) -> StoreResult<()> {
        self.count("update_user");
        self.inner.update_user(id, update, change).await
    }

    async fn set_password(&self, id: UserId, hash: &str, keep: Option<&str>, change: &Change) -> StoreResult<()> {
        self.count("set_password");
        self.inner.set_password(id, hash, keep, change).await
    }

    async fn create_link(
        &self,
        token_hash: &str,
        user: UserId,
        purpose: LinkPurpose,
        now: OffsetDateTime,
        expires: OffsetDateTime,
    ) -> StoreResult<()> {
        self.count("create_link");
        self.inner.create_link(token_hash, user, purpose, now, expires).await
    }

    async fn link_user(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        now: OffsetDateTime,
    ) -> StoreResult<Option<UserId>> {
        self.count("link_user");
        self.inner.link_user(token_hash, purpose, now).await
    }

    async fn redeem_link(
        &self,
        token_hash: &str,
        purpose: LinkPurpose,
        password_hash: &str,
        name: Option<&str>,
        change: &Change,
    ) -> StoreResult<Option<UserId>> {
        self.count("redeem_link");
        self.inner.redeem_link(token_hash, purpose, password_hash, name, change).await
    }

    async fn claim_sign_in_attempt(
        &self,
        email_folded: &str,
        client: Option<&str>,
        at: OffsetDateTime,
        limits: &AttemptLimits,
    ) -> StoreResult<AttemptClaim> {
        self.count("claim_sign_in_attempt");
        self.inner.claim_sign_in_attempt(email_folded, client, at, limits).await
    }

    async fn confirm_sign_in_attempt(&self, attempt: i64) -> StoreResult<()> {
        self.count("confirm_sign_in_attempt");
        self.inner.confirm_sign_in_attempt(attempt).await
    }

    async fn prune_expired(&self, now: OffsetDateTime, attempts_before: OffsetDateTime) -> StoreResult<Pruned> {
        self.count("prune_expired");
        self.inner.prune_expired(now, attempts_before).await
    }

    async fn create_session(
        &self,
        id_hash: &str,
        session: &Session,
        client: Option<&str>,
        replaces: Option<&str>,
    ) -> StoreResult<()> {
        self.count("create_session");
        self.inner.create_session(id_hash, session, client, replaces).await
    }

    async fn session(&self, id_hash: &str, now: OffsetDateTime) -> StoreResult<Option<Session>> {
        self.count("session");
        self.inner.session(id_hash, now).await
    }

    async fn delete_session(&self, id_hash: &str) -> StoreResult<()> {
        self.count("delete_session");
        self.inner.delete_session(id_hash).await
    }
}

#[async_trait]
impl WorkspaceStore for CountingStore {
    async fn municipality_profile(&self, id: MunicipalityId) -> StoreResult<Option<MunicipalityProfile>> {
        self.count("municipality_profile");
        self.inner.municipality_profile(id).await
    }

    async fn municipality_profiles(&self) -> StoreResult<Vec<(MunicipalityId, MunicipalityProfile)>> {
        self.count("municipality_profiles");
        self.inner.municipality_profiles().await
    }

    async fn update_municipality_profile(
        &self,
        id: MunicipalityId,
        profile: &MunicipalityProfile,
        change: &Change,
    ) -> StoreResult<()> {
        self.count("update_municipality_profile");
        self.inner.update_municipality_profile(id, profile, change).await
    }

    async fn representatives(&self, municipality: MunicipalityId) -> StoreResult<Vec<Representative>> {
        self.count("representatives");
        self.inner.representatives(municipality).await
    }

    async fn representative(&self, id: i64) -> StoreResult<Option<Representative>> {
        self.count("representative");
        self.inner.representative(id).await
    }

    async fn save_representative(
        &self,
        municipality: MunicipalityId,
        id: Option<i64>,
        fields: &RepresentativeFields,
        change: &Change,
    ) -> StoreResult<i64> {
        self.count("save_representative");
        self.inner.save_representative(municipality, id, fields, change).await
    }

    async fn delete_representative(&self, id: i64, change: &Change) -> StoreResult<()> {
        self.count("delete_representative");
        self.inner.delete_representative(id, change).await
    }

    async fn municipal_memberships(&self, municipality: MunicipalityId) -> StoreResult<Vec<MunicipalMembership>> {
        self.count("municipal_memberships");
        self.inner.municipal_memberships(municipality).await
    }

    async fn network_members(&self, network: NetworkId) -> StoreResult<Vec<MunicipalMembership>> {
        self.count("network_members");
        self.inner.network_members(network).await
    }

    async fn municipal_membership(&self, id: i64) -> StoreResult<Option<MunicipalMembership>> {
        self.count("municipal_membership");
        self.inner.municipal_membership(id).await
    }

    async fn save_membership(
        &self,
        municipality: MunicipalityId,
        id: Option<i64>,
        fields: &MembershipFields,
        change: &Change,
    ) -> StoreResult<i64> {
        self.count("save_membership");
        self.inner.save_membership(municipality, id, fields, change).await
    }
}

#[async_trait]
impl AuditStore for CountingStore {
    async fn list_audit(&self, filter: &AuditFilter, page: Page) -> StoreResult<Paged<AuditEntry>> {
        self.count("list_audit");
        self.inner.list_audit(filter, page).await
    }

    async fn export_audit(&self, filter: &AuditFilter, limit: u32) -> StoreResult<Vec<AuditEntry>> {
        self.count("export_audit");
        self.inner.export_audit(filter, limit).await
    }
}

#[async_trait]
impl UnitOfWorkStore for CountingStore {
    async fn begin(&self) -> StoreResult<Box<dyn UnitOfWork>> {
        self.count("begin");
        self.inner.begin().await
    }
}

#[async_trait]
impl Store for CountingStore {
    fn backend(&self) -> Backend {
        self.inner.backend()
    }

    async fn ping(&self) -> StoreResult<()> {
        self.count("ping");
        self.inner.ping().await
    }

    async fn migrate(&self) -> StoreResult<()> {
        self.count("migrate");
        self.inner.migrate().await
    }
}

#[async_trait]
impl ContactStore for CountingStore {
    async fn contact_rules(&self) -> StoreResult<Vec<RoutingRule>> {
        self.count("contact_rules");
        self.inner.contact_rules().await
    }

    async fn set_contact_rule(&self, topic: ContactTopic, team: &str, change: &Change) -> StoreResult<()> {
        self.count("set_contact_rule");
        self.inner.set_contact_rule(topic, team, change).await
    }

    async fn contact_message(&self, id: i64) -> StoreResult<Option<ContactMessage>> {
        self.count("contact_message");
        self.inner.contact_message(id).await
    }

    async fn contact_messages(&self, filter: &MessageFilter) -> StoreResult<Paged<ContactMessage>> {
        self.count("contact_messages");
        self.inner.contact_messages(filter).await
    }

    async fn open_contact_messages(&self) -> StoreResult<u64> {
        self.count("open_contact_messages");
        self.inner.open_contact_messages().await
    }

    async fn update_contact_message(&self, id: i64, update: &MessageUpdate, change: &Change) -> StoreResult<bool> {
        self.count("update_contact_message");
        self.inner.update_contact_message(id, update, change).await
    }

    async fn add_contact_note(&self, note: &NewNote, change: &Change) -> StoreResult<i64> {
        self.count("add_contact_note");
        self.inner.add_contact_note(note, change).await
    }

    async fn contact_notes(&self, message: i64) -> StoreResult<Vec<ContactNote>> {
        self.count("contact_notes");
        self.inner.contact_notes(message).await
    }

    async fn dispose_contact_messages(&self, disposal: &Disposal, change: &Change) -> StoreResult<Vec<String>> {
        self.count("dispose_contact_messages");
        self.inner.dispose_contact_messages(disposal, change).await
    }

    async fn contact_disposals(&self, page: Page) -> StoreResult<Paged<DisposalEntry>> {
        self.count("contact_disposals");
        self.inner.contact_disposals(page).await
    }
}

#[async_trait]
impl ProjectStore for CountingStore {
    async fn applications(&self, municipality: Option<MunicipalityId>) -> StoreResult<Vec<projects::Application>> {
        self.count("applications");
        self.inner.applications(municipality).await
    }

    async fn application(&self, id: projects::ApplicationId) -> StoreResult<Option<projects::Application>> {
        self.count("application");
        self.inner.application(id).await
    }

    async fn create_application(
        &self,
        fields: &projects::ApplicationFields,
        on: Date,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<projects::Application> {
        self.count("create_application");
        self.inner.create_application(fields, on, now, change).await
    }

    async fn update_application(
        &self,
        id: projects::ApplicationId,
        fields: &projects::ApplicationFields,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        self.count("update_application");
        self.inner.update_application(id, fields, now, change).await
    }

    async fn move_application(
        &self,
        id: projects::ApplicationId,
        from: projects::ApplicationStage,
        to: projects::ApplicationStage,
        on: Date,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<projects::Application> {
        self.count("move_application");
        self.inner.move_application(id, from, to, on, now, change).await
    }

    async fn application_moves(&self, id: projects::ApplicationId) -> StoreResult<Vec<projects::StageMove>> {
        self.count("application_moves");
        self.inner.application_moves(id).await
    }

    async fn funding_documents(&self, owner: projects::DocumentOwner) -> StoreResult<Vec<projects::FundingDocument>> {
        self.count("funding_documents");
        self.inner.funding_documents(owner).await
    }

    async fn funding_document(
        &self,
        owner: projects::DocumentOwner,
        document: projects::FundingDocumentId,
    ) -> StoreResult<Option<projects::FundingDocument>> {
        self.count("funding_document");
        self.inner.funding_document(owner, document).await
    }

    async fn add_funding_document(
        &self,
        owner: projects::DocumentOwner,
        document: &projects::NewFundingDocument,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<projects::FundingDocument> {
        self.count("add_funding_document");
        self.inner.add_funding_document(owner, document, now, change).await
    }

    async fn remove_funding_document(
        &self,
        owner: projects::DocumentOwner,
        document: projects::FundingDocumentId,
        change: &Change,
    ) -> StoreResult<bool> {
        self.count("remove_funding_document");
        self.inner.remove_funding_document(owner, document, change).await
    }

    async fn set_funding_document_public(
        &self,
        project: projects::ProjectId,
        document: projects::FundingDocumentId,
        public: bool,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        self.count("set_funding_document_public");
        self.inner.set_funding_document_public(project, document, public, now, change).await
    }

    async fn projects(&self, published_only: bool) -> StoreResult<Vec<projects::Project>> {
        self.count("projects");
        self.inner.projects(published_only).await
    }

    async fn project(&self, id: projects::ProjectId) -> StoreResult<Option<projects::Project>> {
        self.count("project");
        self.inner.project(id).await
    }

    async fn project_of_application(&self, id: projects::ApplicationId) -> StoreResult<Option<projects::ProjectId>> {
        self.count("project_of_application");
        self.inner.project_of_application(id).await
    }

    async fn set_project_published(
        &self,
        id: projects::ProjectId,
        published: bool,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        self.count("set_project_published");
        self.inner.set_project_published(id, published, now, change).await
    }
}

#[async_trait]
impl ldp_core::domain::saved_search::SavedSearchStore for CountingStore {
    async fn saved_searches(&self, user: Option<UserId>) -> StoreResult<Vec<saved_search::SavedSearch>> {
        self.count("saved_searches");
        self.inner.saved_searches(user).await
    }

    async fn saved_search(&self, id: saved_search::SavedSearchId) -> StoreResult<Option<saved_search::SavedSearch>> {
        self.count("saved_search");
        self.inner.saved_search(id).await
    }

    async fn create_saved_search(
        &self,
        search: &saved_search::NewSavedSearch,
        seen: &[funding::CallId],
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<saved_search::SavedSearchId> {
        self.count("create_saved_search");
        self.inner.create_saved_search(search, seen, now, change).await
    }

    async fn update_saved_search(
        &self,
        id: saved_search::SavedSearchId,
        frequency: saved_search::AlertFrequency,
        lang: Lang,
        change: &Change,
    ) -> StoreResult<bool> {
        self.count("update_saved_search");
        self.inner.update_saved_search(id, frequency, lang, change).await
    }

    async fn delete_saved_search(&self, id: saved_search::SavedSearchId, change: &Change) -> StoreResult<bool> {
        self.count("delete_saved_search");
        self.inner.delete_saved_search(id, change).await
    }

    async fn known_calls(
        &self,
        id: saved_search::SavedSearchId,
    ) -> StoreResult<std::collections::HashSet<funding::CallId>> {
        self.count("known_calls");
        self.inner.known_calls(id).await
    }

    async fn reminders_sent(
        &self,
        user: UserId,
    ) -> StoreResult<std::collections::HashSet<(funding::CallId, OffsetDateTime, u8)>> {
        self.count("reminders_sent");
        self.inner.reminders_sent(user).await
    }

    async fn pending_digest(&self, id: saved_search::SavedSearchId) -> StoreResult<Vec<funding::CallId>> {
        self.count("pending_digest");
        self.inner.pending_digest(id).await
    }
}
