//! A person's deadline feed, behind the same secret as their events feed (`/calendar/{secret}/deadlines.ics`):
//! the published calls any of their saved searches match, and, for a representative, the calls their
//! municipalities' open applications are for (an application not yet awarded, rejected or withdrawn). Calls
//! whose last deadline passed more than [`FEED_KEEPS_PAST`] ago are left out, as in the union's feed.

use std::collections::HashMap;

use time::OffsetDateTime;

use super::{Calendars, is_feed_secret};
use crate::domain::funding::calendar::FEED_KEEPS_PAST;
use crate::domain::funding::{Call, CallFilter, CallId};
use crate::domain::{CalendarFeed, Page, Role, User};
use crate::services::ServiceError;
use crate::services::saved_searches::Matcher;
use crate::services::tokens::hash;

/// At most this many pages of calls are read for one feed (pages of the store's largest size).
const MAX_PAGES: u32 = 20;

/// What a person's deadline feed holds: the calls, their last deadline first, and the feed (its language).
#[derive(Debug, Clone)]
pub struct DeadlineFeed {
    pub feed: CalendarFeed,
    pub calls: Vec<Call>,
}

/// Every published call whose last deadline is at or after `since`, the earliest first, read a page at a time.
pub(crate) async fn calls_since(
    funding: &dyn crate::store::FundingStore,
    filter: &CallFilter,
    since: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<Vec<Call>, ServiceError> {
    let filter = CallFilter { deadline_since: Some(since), include_unpublished: false, ..filter.clone() };
    let mut out = Vec::new();
    for number in 1..=MAX_PAGES {
        let page = Page::parse(Some(i64::from(number)), Some(i64::from(Page::MAX_SIZE)))?;
        let found = funding.calls(&filter, now, page).await?;
        let last = found.items.len() < Page::MAX_SIZE as usize;
        out.extend(found.items);
        if last {
            break;
        }
    }
    Ok(out)
}

impl Calendars {
    /// The deadline feed behind `secret`; `None` for a malformed, unknown or revoked secret or a disabled
    /// owner, which the address answers with 404.
    pub async fn deadlines(&self, secret: &str) -> Result<Option<DeadlineFeed>, ServiceError> {
        if !is_feed_secret(secret) {
            return Ok(None);
        }
        let Some(feed) = self.store.calendar_feed_by_hash(&hash(secret)).await? else { return Ok(None) };
        let Some(owner) = self.accounts.user(feed.user).await?.map(|u| u.user).filter(|u| !u.disabled) else {
            return Ok(None);
        };
        let now = self.clock.now();
        let since = now - FEED_KEEPS_PAST;
        let mut chosen: HashMap<CallId, Call> = HashMap::new();
        let searches = self.searches.saved_searches(Some(owner.id)).await?;
        if !searches.is_empty() {
            let programmes = self.funding.programmes().await?;
            let mut matcher = Matcher::new(self.reference.clone(), &programmes);
            for call in calls_since(self.funding.as_ref(), &CallFilter::default(), since, now).await? {
                for search in &searches {
                    if matcher.matches(&search.criteria, &call).await? {
                        chosen.insert(call.id, call);
                        break;
                    }
                }
            }
        }
        for id in self.applied_calls(&owner).await? {
            if chosen.contains_key(&id) {
                continue;
            }
            if let Some(call) = self.funding.call(id).await?
                && call.published
                && call.fields.last_deadline().is_some_and(|d| d >= since)
            {
                chosen.insert(id, call);
            }
        }
        let mut calls: Vec<Call> = chosen.into_values().collect();
        calls.sort_by_key(|c| (c.fields.last_deadline(), c.id.0));
        Ok(Some(DeadlineFeed { feed, calls }))
    }

    /// The calls a representative's municipalities have open applications for (none for other roles: staff
    /// see every application, which is not what "my deadlines" means).
    async fn applied_calls(&self, owner: &User) -> Result<Vec<CallId>, ServiceError> {
        if owner.role != Role::Representative {
            return Ok(Vec::new());
        }
        let mut ids = Vec::new();
        for m in &owner.municipalities {
            for a in self.projects.applications(Some(*m)).await? {
                if let Some(call) = a.fields.call
                    && !a.stage.is_final()
                {
                    ids.push(call);
                }
            }
        }
        Ok(ids)
    }
}
