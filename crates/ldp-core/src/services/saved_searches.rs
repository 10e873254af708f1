//! Saved searches of funding calls and their alerts (issue 16, "Watching and alerts"). A signed-in user saves a
//! search (a theme, an SDG, a funder, a type, "eligible for my municipality") with a frequency; the sweep
//! ([`SavedSearches::sweep`], run periodically on every node) queues a mail for each new matching call at once
//! or gathers them into a daily or weekly digest, and reminds of each deadline 30, 7 and 1 days before. Every
//! mail goes through the job queue, queued in a unit of work with the unique key that makes it happen once
//! however many nodes sweep.
//!
//! A search is its owner's alone: nobody else lists, reads or changes it (not even staff), and a read-only
//! token may read but not write. Every write is audited (`saved_search`).

mod mail;
mod sweep;

use std::sync::Arc;

use time::OffsetDateTime;

use super::ServiceError;
use super::jobs::JobQueue;
use super::workspace::field;
use crate::clock::Clock;
use crate::domain::funding::{Applicant, Call, CallFilter, CallKind, Programme, Verdict, check};
use crate::domain::saved_search::{
    AlertFrequency, Candidate, NewSavedSearch, SavedSearch, SavedSearchId, SearchCriteria, alertable,
};
use crate::domain::{Actor, Change, InputError, Lang, MunicipalityId, Page};
use crate::services::accounts::Mailer;
use crate::store::{AccountStore, FundingStore, ReferenceStore, SavedSearchStore, Store, UnitOfWorkStore};

pub use sweep::SweepReport;

/// The job kind of a new call's mail (one per search and call).
pub const ALERT_JOB: &str = "call_alert";
/// The job kind of a daily or weekly digest (one per search and period).
pub const DIGEST_JOB: &str = "call_digest";
/// The job kind of a deadline reminder (one per user, call, deadline and number of days).
pub const REMINDER_JOB: &str = "call_reminder";

/// How many searches one user may keep.
pub const MAX_SEARCHES: usize = 50;

/// The raw fields of the "save this search" form (also the API's request body).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct SavedSearchInput {
    /// A theme or topic word, e.g. `climate` or `iklim`.
    pub theme: Option<String>,
    /// A goal number, 1 to 17.
    pub sdg: Option<String>,
    /// A funder's slug (`GET /api/v1/funding/funders`).
    pub funder: Option<String>,
    /// `grant`, `competition`, `tender` or `partner_search`.
    pub kind: Option<String>,
    /// Only calls the user's municipality may apply to (representatives).
    pub eligible: Option<bool>,
    /// `immediately`, `daily` or `weekly`.
    pub frequency: Option<String>,
    /// The language of its mail: `tr` or `en`.
    pub lang: Option<String>,
}

/// A change of a search's frequency or mail language (its criteria never change: save another search).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct SavedSearchUpdate {
    /// `immediately`, `daily` or `weekly`; unchanged when absent.
    pub frequency: Option<String>,
    /// `tr` or `en`; unchanged when absent.
    pub lang: Option<String>,
}

fn frequency(raw: &Option<String>, errors: &mut InputError) -> Option<AlertFrequency> {
    let code = field(raw, "frequency", 20, errors);
    if code.is_empty() {
        return None;
    }
    AlertFrequency::parse(&code).or_else(|| {
        errors.add("frequency", "unknown_frequency");
        None
    })
}

fn language(raw: &Option<String>, errors: &mut InputError) -> Option<Lang> {
    let code = field(raw, "lang", 5, errors);
    if code.is_empty() {
        return None;
    }
    match code.as_str() {
        "tr" => Some(Lang::Tr),
        "en" => Some(Lang::En),
        _ => {
            errors.add("lang", "unknown_language");
            None
        }
    }
}

#[derive(Clone)]
pub struct SavedSearches {
    store: Arc<dyn SavedSearchStore>,
    funding: Arc<dyn FundingStore>,
    reference: Arc<dyn ReferenceStore>,
    accounts: Arc<dyn AccountStore>,
    units: Arc<dyn UnitOfWorkStore>,
    clock: Arc<dyn Clock>,
    /// The mailer, the queue to wake, and the public address links in mail point to.
    mail: Option<(Arc<dyn Mailer>, JobQueue, String)>,
}

impl SavedSearches {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        SavedSearches {
            store: store.clone(),
            funding: store.clone(),
            reference: store.clone(),
            accounts: store.clone(),
            units: store,
            clock,
            mail: None,
        }
    }

    /// The same service sending its mail with `mailer` (links to `public_url`) and waking `queue` after a sweep
    /// queued some.
    pub fn with_mail(mut self, mailer: Arc<dyn Mailer>, queue: JobQueue, public_url: &str) -> Self {
        self.mail = Some((mailer, queue, public_url.trim_end_matches('/').to_owned()));
        self
    }

    /// The user a search belongs to when `actor` saves it.
    fn owner(actor: &Actor) -> Result<crate::domain::UserId, ServiceError> {
        actor.user.ok_or(ServiceError::Forbidden)
    }

    fn writer(actor: &Actor) -> Result<crate::domain::UserId, ServiceError> {
        if actor.read_only {
            return Err(ServiceError::Forbidden);
        }
        Self::owner(actor)
    }

    /// `actor`'s own searches, oldest first.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<SavedSearch>, ServiceError> {
        Ok(self.store.saved_searches(Some(Self::owner(actor)?)).await?)
    }

    /// One of `actor`'s searches (`NotFound` for anyone else's).
    pub async fn get(&self, actor: &Actor, id: SavedSearchId) -> Result<SavedSearch, ServiceError> {
        let user = Self::owner(actor)?;
        match self.store.saved_search(id).await? {
            Some(s) if s.user == user => Ok(s),
            _ => Err(ServiceError::NotFound),
        }
    }

    /// Parses the form into criteria, a frequency and a language, reporting every bad field at once.
    /// `default_lang` is the page's language when the form names none.
    pub async fn parse(
        &self,
        actor: &Actor,
        input: &SavedSearchInput,
        default_lang: Lang,
    ) -> Result<NewSavedSearch, ServiceError> {
        let user = Self::writer(actor)?;
        let mut errors = InputError::default();
        let theme = field(&input.theme, "theme", 100, &mut errors);
        let sdg = field(&input.sdg, "sdg", 3, &mut errors);
        let sdg = if sdg.is_empty() {
            None
        } else {
            match sdg.parse::<u8>() {
                Ok(n) if (1..=17).contains(&n) => Some(n),
                _ => {
                    errors.add("sdg", "unknown_goal");
                    None
                }
            }
        };
        let funder = field(&input.funder, "funder", 120, &mut errors);
        let funder = if funder.is_empty() {
            None
        } else if self.funding.funders().await?.iter().any(|f| f.slug == funder) {
            Some(funder)
        } else {
            errors.add("funder", "unknown_funder");
            None
        };
        let kind = field(&input.kind, "kind", 30, &mut errors);
        let kind = if kind.is_empty() {
            None
        } else {
            CallKind::parse(&kind).or_else(|| {
                errors.add("kind", "unknown_call_type");
                None
            })
        };
        let eligible_for = if input.eligible == Some(true) {
            let mine = actor.municipalities.iter().copied().min_by_key(|m| m.0);
            if mine.is_none() {
                errors.add("eligible", "no_municipality");
            }
            mine
        } else {
            None
        };
        let frequency = frequency(&input.frequency, &mut errors);
        if frequency.is_none() && !errors.fields.contains_key("frequency") {
            errors.add("frequency", "required");
        }
        let lang = language(&input.lang, &mut errors).unwrap_or(default_lang);
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let theme = (!theme.is_empty()).then_some(theme);
        Ok(NewSavedSearch {
            user,
            criteria: SearchCriteria { theme, sdg, funder, kind, eligible_for },
            frequency: frequency.unwrap_or(AlertFrequency::Immediately),
            lang,
        })
    }

    /// Saves a search for `actor`. The calls it matches now count as known: only calls published later are
    /// announced (deadline reminders cover the ones already open).
    pub async fn create(
        &self,
        actor: &Actor,
        input: &SavedSearchInput,
        default_lang: Lang,
    ) -> Result<SavedSearch, ServiceError> {
        let search = self.parse(actor, input, default_lang).await?;
        if self.store.saved_searches(Some(search.user)).await?.len() >= MAX_SEARCHES {
            return Err(ServiceError::Conflict("too_many_saved_searches".into()));
        }
        let now = self.clock.now();
        let calls = self.alertable_calls(now).await?;
        let programmes = self.funding.programmes().await?;
        let mut matcher = Matcher::new(self.reference.clone(), &programmes);
        let mut seen = Vec::new();
        for call in &calls {
            if matcher.matches(&search.criteria, call).await? {
                seen.push(call.id);
            }
        }
        let mut change = Change::new(actor, now, "create", "saved_search").after(&search);
        if let Some(m) = search.criteria.eligible_for {
            change = change.of(m);
        }
        let id = self.store.create_saved_search(&search, &seen, now, &change).await?;
        self.get(actor, id).await
    }

    /// Changes how often (and in which language) one of `actor`'s searches mails.
    pub async fn update(
        &self,
        actor: &Actor,
        id: SavedSearchId,
        input: &SavedSearchUpdate,
    ) -> Result<SavedSearch, ServiceError> {
        Self::writer(actor)?;
        let before = self.get(actor, id).await?;
        let mut errors = InputError::default();
        let frequency = frequency(&input.frequency, &mut errors).unwrap_or(before.frequency);
        let lang = language(&input.lang, &mut errors).unwrap_or(before.lang);
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let change = Change::new(actor, self.clock.now(), "update", "saved_search")
            .record(id.0)
            .before(serde_json::json!({ "frequency": before.frequency, "lang": before.lang.code() }))
            .after(serde_json::json!({ "frequency": frequency, "lang": lang.code() }));
        if !self.store.update_saved_search(id, frequency, lang, &change).await? {
            return Err(ServiceError::NotFound);
        }
        self.get(actor, id).await
    }

    /// Deletes one of `actor`'s searches: no more alerts or reminders from it.
    pub async fn delete(&self, actor: &Actor, id: SavedSearchId) -> Result<(), ServiceError> {
        Self::writer(actor)?;
        let before = self.get(actor, id).await?;
        let change = Change::new(actor, self.clock.now(), "delete", "saved_search").record(id.0).before(&before);
        if !self.store.delete_saved_search(id, &change).await? {
            return Err(ServiceError::NotFound);
        }
        Ok(())
    }

    /// Every published call not yet closed at `now`.
    async fn alertable_calls(&self, now: OffsetDateTime) -> Result<Vec<Call>, ServiceError> {
        let filter = CallFilter::default();
        let mut out = Vec::new();
        let mut number = 1;
        loop {
            let page = Page::parse(Some(number), Some(i64::from(Page::MAX_SIZE)))?;
            let calls = self.funding.calls(&filter, now, page).await?;
            let last = calls.items.len() < Page::MAX_SIZE as usize;
            out.extend(calls.items.into_iter().filter(|c| alertable(c, now)));
            if last {
                return Ok(out);
            }
            number += 1;
        }
    }
}

/// Judges calls against searches, looking each municipality up once.
pub(crate) struct Matcher<'a> {
    reference: Arc<dyn ReferenceStore>,
    programmes: &'a [Programme],
    applicants: std::collections::HashMap<MunicipalityId, Option<Applicant>>,
}

impl<'a> Matcher<'a> {
    pub(crate) fn new(reference: Arc<dyn ReferenceStore>, programmes: &'a [Programme]) -> Self {
        Matcher { reference, programmes, applicants: std::collections::HashMap::new() }
    }

    pub(crate) async fn matches(&mut self, criteria: &SearchCriteria, call: &Call) -> Result<bool, ServiceError> {
        let programme = call.fields.programme.and_then(|id| self.programmes.iter().find(|p| p.id == id));
        let eligible = match criteria.eligible_for {
            None => None,
            Some(m) => {
                if let std::collections::hash_map::Entry::Vacant(e) = self.applicants.entry(m) {
                    e.insert(self.reference.municipality(m).await?.map(|m| Applicant::municipality(&m)));
                }
                let who = self.applicants.get(&m).and_then(Option::as_ref);
                Some(
                    who.is_some_and(|who| check(programme, &call.fields.eligibility, who).verdict == Verdict::Eligible),
                )
            }
        };
        Ok(criteria.matches(&Candidate { call, programme, eligible }))
    }
}
