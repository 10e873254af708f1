//! Calendars: a person's own feed of the registrations they made, read by calendar programs through an
//! address with a secret in it. The owner starts it (the secret is shown once; only its SHA-256 is kept),
//! rotates it (a new secret; the old address stops at once) and revokes it on the workspace page; each is
//! audited as `calendar_feed`. Public feeds need no service: they are the public event list as iCalendar.
//! The same secret also opens the owner's deadline feed ([`deadlines`]): the funding calls their saved searches
//! match and those their municipality applies to.

pub mod deadlines;

use std::collections::HashMap;
use std::sync::Arc;

use super::ServiceError;
use super::tokens::hash;
use crate::clock::Clock;
use crate::domain::{Actor, CalendarFeed, CalendarStore, Change, Event, EventId, Lang, RegistrationStatus, UserId};
use crate::store::{
    AccountStore, EventStore, FundingStore, ProjectStore, ReferenceStore, SavedSearchStore, Store, StoreError,
};

/// A feed's secret: 32 random bytes as 64 lower-case hexadecimal digits.
pub fn is_feed_secret(secret: &str) -> bool {
    secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// What a personal feed holds: each event its owner registered for (still public), with the registration's
/// standing, soonest first. One entry per event, confirmed before waitlisted when both exist.
#[derive(Debug, Clone)]
pub struct PersonalFeed {
    pub feed: CalendarFeed,
    pub entries: Vec<(Event, RegistrationStatus)>,
}

#[derive(Clone)]
pub struct Calendars {
    store: Arc<dyn CalendarStore>,
    events: Arc<dyn EventStore>,
    /// The deadline feed's sources: the owner's account, searches and applications, and the calls.
    accounts: Arc<dyn AccountStore>,
    searches: Arc<dyn SavedSearchStore>,
    projects: Arc<dyn ProjectStore>,
    funding: Arc<dyn FundingStore>,
    reference: Arc<dyn ReferenceStore>,
    clock: Arc<dyn Clock>,
}

/// The user a signed-in, writing actor is.
fn owner(actor: &Actor) -> Result<UserId, ServiceError> {
    match actor.user {
        Some(user) if actor.is_signed_in() && !actor.read_only => Ok(user),
        _ => Err(ServiceError::Forbidden),
    }
}

impl Calendars {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Calendars {
            store: store.clone(),
            events: store.clone(),
            accounts: store.clone(),
            searches: store.clone(),
            projects: store.clone(),
            funding: store.clone(),
            reference: store,
            clock,
        }
    }

    /// The actor's live feed, if any.
    pub async fn feed(&self, actor: &Actor) -> Result<Option<CalendarFeed>, ServiceError> {
        Ok(self.store.calendar_feed(owner(actor)?).await?)
    }

    /// Starts the actor's feed, or rotates it when one is live (the old address stops answering in the
    /// same transaction). Returns the feed and its secret, which is never shown again.
    pub async fn start(&self, actor: &Actor, lang: Lang) -> Result<(CalendarFeed, String), ServiceError> {
        let user = owner(actor)?;
        let now = self.clock.now();
        let live = self.store.calendar_feed(user).await?;
        let secret = super::accounts::secret()?;
        let mut change = Change::new(actor, now, if live.is_some() { "rotate" } else { "create" }, "calendar_feed")
            .after(serde_json::json!({ "lang": lang.code() }));
        if let Some(before) = &live {
            change = change.before(serde_json::json!({ "feed": before.id.0, "lang": before.lang.code() }));
        }
        match self.store.start_calendar_feed(user, &hash(&secret), lang, now, &change).await {
            Ok(feed) => Ok((feed, secret)),
            // Another start of the same user's feed committed first.
            Err(StoreError::Conflict(_)) => Err(ServiceError::Conflict("calendar_feed_changed".into())),
            Err(e) => Err(e.into()),
        }
    }

    /// Ends the actor's live feed; `NotFound` when there is none.
    pub async fn revoke(&self, actor: &Actor) -> Result<(), ServiceError> {
        let user = owner(actor)?;
        let now = self.clock.now();
        let change = Change::new(actor, now, "revoke", "calendar_feed");
        if !self.store.revoke_calendar_feed(user, now, &change).await? {
            return Err(ServiceError::NotFound);
        }
        Ok(())
    }

    /// The feed behind `secret` with its entries; `None` for a malformed, unknown or revoked secret (or a
    /// disabled owner), which the address answers with 404.
    pub async fn personal(&self, secret: &str) -> Result<Option<PersonalFeed>, ServiceError> {
        if !is_feed_secret(secret) {
            return Ok(None);
        }
        let Some(feed) = self.store.calendar_feed_by_hash(&hash(secret)).await? else { return Ok(None) };
        let mut standing: HashMap<EventId, RegistrationStatus> = HashMap::new();
        for r in self.events.registrations_by(feed.user).await? {
            let better = match (standing.get(&r.event), r.status) {
                (_, RegistrationStatus::Cancelled | RegistrationStatus::Rejected | RegistrationStatus::Unconfirmed) => {
                    false
                }
                (None, _) => true,
                (Some(RegistrationStatus::Waitlisted), RegistrationStatus::Confirmed) => true,
                _ => false,
            };
            if better {
                standing.insert(r.event, r.status);
            }
        }
        let mut entries = Vec::with_capacity(standing.len());
        for (id, status) in standing {
            // An event taken back to a draft is no longer anyone's to see here.
            if let Some(event) = self.events.event(id).await?.filter(|e| e.status.is_public()) {
                entries.push((event, status));
            }
        }
        entries.sort_by_key(|(e, _)| (e.fields.starts_at(), e.id));
        Ok(Some(PersonalFeed { feed, entries }))
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_64_lower_case_hex_digits() {
        assert!(is_feed_secret(&"ab12".repeat(16)));
        assert!(!is_feed_secret(&"AB12".repeat(16)));
        assert!(!is_feed_secret(&"ab12".repeat(15)));
        assert!(!is_feed_secret(&format!("{}/..", "a".repeat(61))));
    }
}
