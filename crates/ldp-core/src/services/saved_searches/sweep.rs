//! The sweep: every node runs it now and then. For each saved search it claims the key of each new matching
//! call (and queues its mail at once, or leaves it for the digest), claims the digest of the current day or
//! week when calls wait for one, and claims the deadline reminders now due. A claim, its job and its audit
//! entry are one unit of work: of two nodes sweeping at the same moment exactly one wins each key, so each
//! mail is queued once.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};

use time::OffsetDateTime;

use super::{ALERT_JOB, DIGEST_JOB, Matcher, REMINDER_JOB, SavedSearches};
use crate::domain::funding::{Call, CallId};
use crate::domain::saved_search::{AlertFrequency, SavedSearch, reminder_due};
use crate::domain::{Actor, Change, StoredUser, UserId};
use crate::jobs::NewJob;
use crate::services::ServiceError;
use crate::services::accounts::fold_email;

/// What one sweep queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SweepReport {
    /// Mails of new calls queued at once.
    pub alerts: usize,
    /// New calls left for a digest.
    pub gathered: usize,
    pub digests: usize,
    pub reminders: usize,
}

impl SweepReport {
    pub fn is_empty(&self) -> bool {
        *self == SweepReport::default()
    }
}

/// One claim the sweep tries: what to record, and the job it queues when it wins.
enum Claim<'a> {
    Alert { call: CallId, digest: bool },
    Digest { period: &'a str },
    Reminder { call: CallId, deadline: OffsetDateTime, days: u8 },
}

impl SavedSearches {
    /// Runs the sweep at the clock's time (see the module's documentation).
    pub async fn sweep(&self) -> Result<SweepReport, ServiceError> {
        let now = self.clock.now();
        let mut report = SweepReport::default();
        let searches = self.store.saved_searches(None).await?;
        if searches.is_empty() {
            return Ok(report);
        }
        let calls = self.alertable_calls(now).await?;
        let programmes = self.funding.programmes().await?;
        let mut matcher = Matcher::new(self.reference.clone(), &programmes);
        let mut users: HashMap<UserId, Option<StoredUser>> = HashMap::new();
        let mut reminded: HashMap<UserId, HashSet<(CallId, OffsetDateTime, u8)>> = HashMap::new();
        for search in &searches {
            if let Entry::Vacant(e) = users.entry(search.user) {
                e.insert(self.accounts.user(search.user).await?.filter(|u| !u.user.disabled));
            }
            // Nobody to write to (a disabled account): nothing is claimed, so nothing is lost meanwhile.
            let Some(Some(user)) = users.get(&search.user) else { continue };
            let mut matching: Vec<&Call> = Vec::new();
            for call in &calls {
                if matcher.matches(&search.criteria, call).await? {
                    matching.push(call);
                }
            }
            if let Entry::Vacant(e) = reminded.entry(search.user) {
                e.insert(self.store.reminders_sent(search.user).await?);
            }
            let reminded = reminded.entry(search.user).or_default();
            self.sweep_search(search, user, &matching, reminded, now, &mut report).await?;
        }
        if report.alerts + report.digests + report.reminders > 0
            && let Some((_, queue, _)) = &self.mail
        {
            queue.wake();
        }
        Ok(report)
    }

    /// One search's part of the sweep: its new calls, its digest, its reminders.
    async fn sweep_search(
        &self,
        search: &SavedSearch,
        user: &StoredUser,
        matching: &[&Call],
        reminded: &mut HashSet<(CallId, OffsetDateTime, u8)>,
        now: OffsetDateTime,
        report: &mut SweepReport,
    ) -> Result<(), ServiceError> {
        let known = self.store.known_calls(search.id).await?;
        let digest = search.frequency != AlertFrequency::Immediately;
        for call in matching.iter().filter(|c| !known.contains(&c.id)) {
            if self.claim(search, user, Claim::Alert { call: call.id, digest }, now).await? {
                if digest {
                    report.gathered += 1;
                } else {
                    report.alerts += 1;
                }
            }
        }
        if let Some(period) = search.frequency.period(now)
            && !self.store.pending_digest(search.id).await?.is_empty()
            && self.claim(search, user, Claim::Digest { period: &period }, now).await?
        {
            report.digests += 1;
        }
        for call in matching {
            for deadline in &call.fields.deadlines {
                let Some(days) = reminder_due(deadline.at, now) else { continue };
                let key = (call.id, deadline.at, days);
                if reminded.contains(&key) {
                    continue;
                }
                if self.claim(search, user, Claim::Reminder { call: call.id, deadline: deadline.at, days }, now).await?
                {
                    report.reminders += 1;
                }
                // Won here or by another node: either way this user is reminded.
                reminded.insert(key);
            }
        }
        Ok(())
    }

    /// Tries one claim in its own unit of work with its job and audit entry. `false` (and the unit rolled
    /// back) when the key was already taken.
    async fn claim(
        &self,
        search: &SavedSearch,
        user: &StoredUser,
        claim: Claim<'_>,
        now: OffsetDateTime,
    ) -> Result<bool, ServiceError> {
        let mut unit = self.units.begin().await?;
        let (action, kind, payload) = match claim {
            Claim::Alert { call, digest } => {
                if !unit.saved_searches().claim_alert(search.id, call, digest, now).await? {
                    return Ok(false);
                }
                let payload = serde_json::json!({ "search": search.id.0, "call": call.0 });
                (if digest { "gather_alert" } else { "queue_alert" }, (!digest).then_some(ALERT_JOB), payload)
            }
            Claim::Digest { period } => {
                let Some(calls) = unit.saved_searches().claim_digest(search.id, period, now).await? else {
                    return Ok(false);
                };
                let calls: Vec<i64> = calls.iter().map(|c| c.0).collect();
                let payload = serde_json::json!({ "search": search.id.0, "period": period, "calls": calls });
                ("queue_digest", Some(DIGEST_JOB), payload)
            }
            Claim::Reminder { call, deadline, days } => {
                if !unit.saved_searches().claim_reminder(search.user, call, deadline, days, now).await? {
                    return Ok(false);
                }
                let deadline = deadline.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
                let payload = serde_json::json!({
                    "search": search.id.0, "user": search.user.0, "call": call.0, "deadline": deadline,
                    "days": days, "lang": search.lang.code(),
                });
                ("queue_reminder", Some(REMINDER_JOB), payload)
            }
        };
        if let Some(kind) = kind {
            let job = NewJob {
                kind,
                key: Some(fold_email(&user.user.email)),
                client: None,
                payload: payload.clone(),
                created_at: now,
                run_at: now,
            };
            unit.jobs().enqueue(&job).await?;
        }
        let change = Change::new(&Actor::system("saved_searches"), now, action, "saved_search")
            .record(search.id.0)
            .after(payload);
        unit.commit(&change).await?;
        Ok(true)
    }
}
