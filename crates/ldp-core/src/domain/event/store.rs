//! Storage of events and their registrations: one capability slice, included in [`crate::store::Store`].

use async_trait::async_trait;
use time::OffsetDateTime;

use crate::domain::{
    Change, Event, EventFields, EventFilter, EventId, EventStatus, NewRegistration, Page, Paged, PublicRegistration,
    Registration, RegistrationId, RegistrationLinkPurpose, UserId,
};
use crate::store::StoreResult;

#[async_trait]
pub trait EventStore: Send + Sync + 'static {
    /// One page of the events `filter` picks (see [`EventFilter::when`] for the order).
    async fn events(&self, filter: &EventFilter, page: Page) -> StoreResult<Paged<Event>>;
    async fn event(&self, id: EventId) -> StoreResult<Option<Event>>;
    /// Stores a new event with its sessions and audit entry.
    async fn create_event(
        &self,
        fields: &EventFields,
        status: EventStatus,
        proposed_by: Option<UserId>,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<EventId>;
    /// Saves an event's fields and sessions; raises its SEQUENCE by one when `time_or_place_changed`.
    /// Stored sessions keep their ids (and check-ins) as [`super::match_sessions`] pairs them with the new
    /// ones. `Conflict("event_not_found")` for an unknown id, `Conflict("session_has_check_ins")` (and
    /// nothing saved) when a session that would go has check-ins.
    async fn update_event(
        &self,
        id: EventId,
        fields: &EventFields,
        time_or_place_changed: bool,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()>;
    /// Moves an event to `status` (raising its SEQUENCE unless it becomes `Published` from a draft);
    /// `false` (and no entry) when it was in `status` already or is unknown.
    async fn set_event_status(
        &self,
        id: EventId,
        status: EventStatus,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool>;

    /// Registers people for an event, exactly under concurrency: in one writing transaction that holds the
    /// event row, the seats held are counted and the registration is confirmed when its seats fit the
    /// capacity and nobody waits ahead of it, waitlisted otherwise. `Conflict("event_not_found")`,
    /// `Conflict("quota_reached")` when the municipality's seats (confirmed and waiting) would pass the
    /// event's quota, `Conflict("code_taken")` when the code exists (the caller draws another).
    async fn register(
        &self,
        event: EventId,
        new: &NewRegistration,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Registration>;
    /// An event's registrations, oldest first (the waitlist's order).
    async fn registrations(&self, event: EventId) -> StoreResult<Vec<Registration>>;
    /// The registrations `user` made, newest first.
    async fn registrations_by(&self, user: UserId) -> StoreResult<Vec<Registration>>;
    async fn registration(&self, id: RegistrationId) -> StoreResult<Option<Registration>>;
    async fn registration_by_code(&self, code: &str) -> StoreResult<Option<Registration>>;
    /// Cancels a registration and, in the same transaction, offers the freed seats to waiting registrations
    /// first in first out until `offer_until` (see [`EventStore::offer_free_seats`]). Returns the
    /// registrations offered; `Conflict("registration_not_found")` when it is unknown or cancelled already.
    async fn cancel_registration(
        &self,
        id: RegistrationId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>>;
    /// Under the event's lock, offers its free seats (capacity minus seats confirmed and offered) to waiting
    /// registrations first in first out until `offer_until`: the first whose seats do not fit stops the line
    /// (never skipped for smaller ones behind it). Each offer is audited (`offer_from_waitlist`, the rest of
    /// the entry from `change`). Returns the registrations offered; `Conflict("event_not_found")`.
    async fn offer_free_seats(
        &self,
        event: EventId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>>;
    /// Confirms an offered registration whose offer has not expired at `now`, with `change` as its entry.
    /// `Conflict("offer_expired")` when it is offered but late, `Conflict("offer_not_found")` otherwise.
    async fn accept_offer(&self, id: RegistrationId, now: OffsetDateTime, change: &Change)
    -> StoreResult<Registration>;
    /// Cancels an offered registration (declined) and offers the seats to the next in line; returns those
    /// offered. `Conflict("offer_not_found")` when it is not offered.
    async fn decline_offer(
        &self,
        id: RegistrationId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>>;
    /// The sweep: cancels every offer expired at `now` (one `UPDATE … WHERE status = 'offered' AND
    /// offer_expires_at <= now RETURNING`, after locking their events in id order, so two nodes never expire
    /// one twice), each audited `offer_expired`, and offers the seats onwards. Returns (expired, offered).
    async fn expire_offers(
        &self,
        now: OffsetDateTime,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<(Vec<Registration>, Vec<Registration>)>;

    /// Keeps the SHA-256 of a link mailed for `registration` until `expires_at`. Not audited, like
    /// password-reset links: a link changes nothing until it is used, and using it is audited.
    async fn create_registration_link(
        &self,
        registration: RegistrationId,
        purpose: RegistrationLinkPurpose,
        token_hash: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()>;
    /// The registration a link's hash names for `purpose`, with the link's expiry (expired or not, so the
    /// caller can tell an expired link from an unknown one).
    async fn registration_by_link(
        &self,
        token_hash: &str,
        purpose: RegistrationLinkPurpose,
    ) -> StoreResult<Option<(Registration, OffsetDateTime)>>;
    /// Deletes the links expired at `now`; returns how many went.
    async fn prune_registration_links(&self, now: OffsetDateTime) -> StoreResult<u64>;
    /// Deletes the `unconfirmed` registrations whose double opt-in expired at `now` (their links go with
    /// them), with one entry from `change` naming them when any went. Returns how many went.
    async fn prune_unconfirmed(&self, now: OffsetDateTime, change: &Change) -> StoreResult<u64>;
}

/// The events' writes that can join a [`crate::store::UnitOfWork`]: a registration and the confirmation
/// mail it queues land in one transaction. No audit entry of their own (the unit's commit writes it).
#[async_trait]
pub trait EventWrites: Send {
    /// Registers as [`EventStore::register`] does (the same lock, counts and refusals), in the unit's
    /// transaction.
    async fn register(
        &mut self,
        event: EventId,
        new: &NewRegistration,
        now: OffsetDateTime,
    ) -> StoreResult<Registration>;

    /// Stores a public registrant's registration as `unconfirmed`: no seat and no place in the line until the
    /// double opt-in ([`EventWrites::confirm_opt_in`]). Under the event's lock, an expired unconfirmed
    /// registration of the same address is deleted first; a live one (any state but cancelled or rejected)
    /// refuses with `Conflict("already_registered")`. Also `Conflict("event_not_found" | "code_taken")`.
    async fn register_public(
        &mut self,
        event: EventId,
        new: &NewRegistration,
        public: &PublicRegistration,
        now: OffsetDateTime,
    ) -> StoreResult<Registration>;

    /// How many public registrations the client `client_key` made since `since` (the rate limit).
    async fn public_registrations_from(&mut self, client_key: &str, since: OffsetDateTime) -> StoreResult<i64>;

    /// The double opt-in: under the event's lock, an `unconfirmed` registration whose link is used before its
    /// `confirm_by` enters the seat logic now, as a new registration would: confirmed (`pending` under
    /// moderation) when its seats fit and nobody waits, waitlisted otherwise, at the end of the line.
    /// `Conflict("opt_in_expired")` when late, `Conflict("registration_not_found")` when not unconfirmed.
    async fn confirm_opt_in(&mut self, id: RegistrationId, now: OffsetDateTime) -> StoreResult<Registration>;

    /// Moderation under the event's lock: `approve` confirms a `pending` registration; otherwise a pending,
    /// waitlisted or offered one is rejected and the seats it held are offered to the line exactly as a
    /// cancellation's are (each offer's entry from `change`). Returns the registration as it now stands and
    /// those offered. `Conflict("registration_not_pending")` when it is in no state for that decision.
    async fn moderate(
        &mut self,
        id: RegistrationId,
        approve: bool,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<(Registration, Vec<Registration>)>;

    /// Moves an event to `status` as [`EventStore::set_event_status`] does (the same SEQUENCE rule), in the
    /// unit's transaction: publishing an event linked to a relation also counts as activity on the relation.
    async fn set_status(&mut self, id: EventId, status: EventStatus, now: OffsetDateTime) -> StoreResult<bool>;

    /// Saves an event's fields and sessions as [`EventStore::update_event`] does (SEQUENCE raised when
    /// `time_or_place_changed`), in the unit's transaction: the notices of a change are queued with it.
    async fn update(
        &mut self,
        id: EventId,
        fields: &EventFields,
        time_or_place_changed: bool,
        now: OffsetDateTime,
    ) -> StoreResult<()>;

    /// Claims the reminders due: every confirmed registration of a published event that starts after `now`
    /// and at or before `until`, not yet reminded of that start. Each is claimed once, however many nodes run
    /// the sweep at the same time (the second waits for the first and then finds it claimed); an event moved
    /// to another start is due again. Returns the registrations claimed.
    async fn claim_reminders(&mut self, now: OffsetDateTime, until: OffsetDateTime) -> StoreResult<Vec<Registration>>;

    /// Cancels a registration as [`EventStore::cancel_registration`] does, in the unit's transaction, so the
    /// mail of each offer it makes is queued with it. The offers' own entries are written (from `change`);
    /// the cancellation's entry is the unit's.
    async fn cancel_registration(
        &mut self,
        id: RegistrationId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>>;

    /// Declines an offer as [`EventStore::decline_offer`] does, in the unit's transaction (the decline's
    /// entry is the unit's; the next offers' entries are written from `change`).
    async fn decline_offer(
        &mut self,
        id: RegistrationId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>>;

    /// Offers an event's free seats as [`EventStore::offer_free_seats`] does, in the unit's transaction.
    async fn offer_free_seats(
        &mut self,
        event: EventId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>>;

    /// The sweep as [`EventStore::expire_offers`] does it, in the unit's transaction. Returns (expired,
    /// offered).
    async fn expire_offers(
        &mut self,
        now: OffsetDateTime,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<(Vec<Registration>, Vec<Registration>)>;
}
