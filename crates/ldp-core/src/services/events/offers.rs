//! Waitlist offers (issue 11): seats that free up (a cancellation, a declined or expired offer, a raised
//! capacity) are offered to the first waiting registration for `--event-offer-hours`; its owner accepts
//! (confirmed) or declines, and the sweep ([`Events::expire_offers`], run periodically on every node) cancels
//! offers left unanswered and passes their seats on. Each offer is mailed once through the job queue
//! ([`OFFER_JOB`]), queued in the transaction that makes the offer; the mail carries a link with a fresh
//! random secret (only its SHA-256 is stored) to a public page where the offer is answered without signing in.

use time::{Duration, OffsetDateTime};

use super::{EventMailSettings, Events, session_text};
use crate::clock::ISTANBUL;
use crate::domain::{
    Actor, Change, Event, Lang, Registration, RegistrationId, RegistrationLinkPurpose, RegistrationStatus,
};
use crate::jobs::{Job, NewJob};
use crate::services::ServiceError;
use crate::services::accounts::{Mail, fold_email, secret};
use crate::services::tokens::hash;
use crate::store::{StoreError, UnitOfWork};

/// Where an offer named by a mailed link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferLinkState {
    /// Offered and not yet expired: it can be accepted or declined.
    Open,
    /// The deadline passed before an answer (the seats went, or go at the next sweep, to the next in line).
    Expired,
    /// Accepted (the registration is confirmed) or declined already.
    Answered,
}

/// An offer as its mailed link shows it.
#[derive(Debug, Clone)]
pub struct OfferByLink {
    pub registration: Registration,
    pub event: Event,
    pub state: OfferLinkState,
}

/// The job kind of a waitlist offer's mail (one per offer, to who made the registration).
pub const OFFER_JOB: &str = "event_offer";

/// How long an offer holds its seats unless configured (`--event-offer-hours`).
pub const DEFAULT_OFFER_HOURS: u32 = 48;

impl Events {
    /// The same service holding offers open for `hours` (1 to 720).
    pub fn with_offer_hours(mut self, hours: u32) -> Self {
        self.offer_hours = hours.clamp(1, 720);
        self
    }

    /// Until when an offer made now holds its seats.
    pub(super) fn offer_until(&self, now: OffsetDateTime) -> OffsetDateTime {
        now + Duration::hours(i64::from(self.offer_hours))
    }

    /// Queues one offer mail per registration offered, in `unit` (the transaction that made the offers).
    pub(super) async fn queue_offers(
        &self,
        unit: &mut Box<dyn UnitOfWork>,
        offered: &[Registration],
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        for r in offered {
            let key = r.attendees.first().map(|a| fold_email(&a.email));
            let job = NewJob {
                kind: OFFER_JOB,
                key,
                client: None,
                payload: serde_json::json!({ "registration": r.id.0 }),
                created_at: now,
                run_at: now,
            };
            unit.jobs().enqueue(&job).await?;
        }
        Ok(())
    }

    /// Wakes this node's worker after a commit that queued offer mail.
    pub(super) fn wake_for(&self, offered: &[Registration]) {
        if !offered.is_empty()
            && let Some((_, queue, _)) = &self.mail
        {
            queue.wake();
        }
    }

    /// Accepts the seats offered to a registration (who made it, or staff) while the offer is open.
    pub async fn accept_offer(&self, actor: &Actor, id: RegistrationId) -> Result<Registration, ServiceError> {
        let registration = self.offered_to(actor, id).await?;
        self.accept(actor, &registration).await
    }

    async fn accept(&self, actor: &Actor, registration: &Registration) -> Result<Registration, ServiceError> {
        let now = self.clock.now();
        let mut change = Change::new(actor, now, "accept_offer", "event_registration")
            .record(registration.id.0)
            .before(serde_json::json!({ "status": "offered", "code": registration.code }))
            .after(serde_json::json!({ "status": "confirmed" }));
        if let Some(m) = registration.municipality {
            change = change.of(m);
        }
        match self.store.accept_offer(registration.id, now, &change).await {
            Err(StoreError::Conflict(c)) => Err(ServiceError::Conflict(c)),
            other => Ok(other?),
        }
    }

    /// Declines the seats offered to a registration (who made it, or staff): it is cancelled and the seats
    /// go to the next in line. Returns the registrations offered in its place.
    pub async fn decline_offer(&self, actor: &Actor, id: RegistrationId) -> Result<Vec<Registration>, ServiceError> {
        let registration = self.offered_to(actor, id).await?;
        self.decline(actor, &registration).await
    }

    async fn decline(&self, actor: &Actor, registration: &Registration) -> Result<Vec<Registration>, ServiceError> {
        let now = self.clock.now();
        let mut change = Change::new(actor, now, "decline_offer", "event_registration")
            .record(registration.id.0)
            .before(serde_json::json!({ "status": "offered", "code": registration.code }))
            .after(serde_json::json!({ "status": "cancelled" }));
        if let Some(m) = registration.municipality {
            change = change.of(m);
        }
        // The decline, the next offers and their mail land together.
        let mut unit = self.units.begin().await?;
        let offered = match unit.events().decline_offer(registration.id, self.offer_until(now), &change).await {
            Err(StoreError::Conflict(c)) => return Err(ServiceError::Conflict(c)),
            other => other?,
        };
        self.queue_offers(&mut unit, &offered, now).await?;
        unit.commit(&change).await?;
        self.wake_for(&offered);
        Ok(offered)
    }

    /// The offer a mailed link names, with where it stands (`NotFound` for an unknown link).
    pub async fn offer_by_link(&self, token: &str) -> Result<OfferByLink, ServiceError> {
        let now = self.clock.now();
        let found = self.store.registration_by_link(&hash(token.trim()), RegistrationLinkPurpose::Offer).await?;
        let Some((registration, link_expires)) = found else { return Err(ServiceError::NotFound) };
        let Some(event) = self.store.event(registration.event).await? else { return Err(ServiceError::NotFound) };
        let state = match registration.status {
            RegistrationStatus::Offered if registration.offer_expires_at.is_some_and(|u| now < u) => {
                OfferLinkState::Open
            }
            RegistrationStatus::Offered => OfferLinkState::Expired,
            RegistrationStatus::Cancelled if now >= link_expires => OfferLinkState::Expired,
            _ => OfferLinkState::Answered,
        };
        Ok(OfferByLink { registration, event, state })
    }

    /// Answers the offer a mailed link names, without signing in: the link is the registrant's proof. The
    /// audit trail names the link and the client (`link:CODE`). `Conflict("offer_expired")` or
    /// `Conflict("offer_answered")` when it is no longer open.
    pub async fn answer_offer_by_link(
        &self,
        token: &str,
        accept: bool,
        client: Option<String>,
    ) -> Result<OfferByLink, ServiceError> {
        let found = self.offer_by_link(token).await?;
        match found.state {
            OfferLinkState::Open => {}
            OfferLinkState::Expired => return Err(ServiceError::Conflict("offer_expired".into())),
            OfferLinkState::Answered => return Err(ServiceError::Conflict("offer_answered".into())),
        }
        let actor = Actor { label: format!("link:{}", found.registration.code), ..Actor::visitor(client) };
        if accept {
            self.accept(&actor, &found.registration).await?;
        } else {
            self.decline(&actor, &found.registration).await?;
        }
        self.offer_by_link(token).await
    }

    /// The registration `actor` may answer an offer for: not found for strangers, forbidden for readers.
    async fn offered_to(&self, actor: &Actor, id: RegistrationId) -> Result<Registration, ServiceError> {
        let Some(registration) = self.store.registration(id).await? else { return Err(ServiceError::NotFound) };
        if !Self::owns(actor, &registration) {
            return Err(if actor.reads_everything() { ServiceError::Forbidden } else { ServiceError::NotFound });
        }
        if registration.status != RegistrationStatus::Offered {
            return Err(ServiceError::Conflict("offer_not_found".into()));
        }
        Ok(registration)
    }

    /// The sweep: cancels offers expired now and offers their seats onwards (safe on several nodes: the
    /// store expires each offer in one statement), queuing the new offers' mail in the same transaction,
    /// closed by one entry naming what moved. Returns how many expired.
    pub async fn expire_offers(&self) -> Result<usize, ServiceError> {
        let now = self.clock.now();
        let actor = Actor::system("events:offers");
        let template = Change::new(&actor, now, "offer_expired", "event_registration");
        let mut unit = self.units.begin().await?;
        let (expired, offered) = unit.events().expire_offers(now, self.offer_until(now), &template).await?;
        if expired.is_empty() && offered.is_empty() {
            return Ok(0);
        }
        self.queue_offers(&mut unit, &offered, now).await?;
        let ids = |rs: &[Registration]| rs.iter().map(|r| r.id.0).collect::<Vec<_>>();
        let change = Change::new(&actor, now, "expire_offers", "event_registration")
            .after(serde_json::json!({ "expired": ids(&expired), "offered": ids(&offered) }));
        unit.commit(&change).await?;
        self.wake_for(&offered);
        Ok(expired.len())
    }

    /// Deletes mailed links expired now (the pruning sweep); returns how many went.
    pub async fn prune_links(&self) -> Result<u64, ServiceError> {
        Ok(self.store.prune_registration_links(self.clock.now()).await?)
    }

    /// The offer mail of `registration`, to `to`.
    pub(super) async fn offer_mail(
        &self,
        settings: &EventMailSettings,
        registration: &Registration,
        to: &str,
        name: &str,
        token: &str,
    ) -> Result<Option<Mail>, ServiceError> {
        let Some(event) = self.store.event(registration.event).await? else { return Ok(None) };
        let Some(until) = registration.offer_expires_at else { return Ok(None) };
        let f = &event.fields;
        let deadline = until.to_offset(ISTANBUL);
        let deadline = format!(
            "{:02}.{:02}.{} {:02}:{:02}",
            deadline.day(),
            u8::from(deadline.month()),
            deadline.year(),
            deadline.hour(),
            deadline.minute()
        );
        let sessions: Vec<String> = f.sessions.iter().map(|s| format!("  {}", session_text(s.start, s.end))).collect();
        let base = settings.public_url.trim_end_matches('/');
        let subject = format!("Yer açıldı / A seat is free: {} ({})", f.title.get(Lang::Tr), registration.code);
        let body = format!(
            "Merhaba {name},\n\n{title} etkinliği için bekleme listesindeki kaydınıza {seats} kişilik yer açıldı. \
             Yer {deadline} (İstanbul saati) tarihine kadar sizin için ayrıldı. Kabul etmek ya da vazgeçmek için \
             bu bağlantıyı açın (oturum açmanız gerekmez; bağlantıyı kimseyle paylaşmayın):\n\
             {base}/tr/registration/offer/{token}\n\nKayıt kodu: {code}\n\
             Oturumlar (İstanbul saati):\n{sessions}\n\nSüre içinde yanıt vermezseniz yer sıradaki kayda geçer.\n\n\
             ---\n\nHello {name},\n\n{seats} seat(s) freed up for your waitlisted registration for {title_en}. \
             They are held for you until {deadline} (Istanbul time). To accept or decline, open this link (no \
             sign-in needed; do not share it):\n{base}/en/registration/offer/{token}\n\nRegistration code: \
             {code}\nSessions (Istanbul time):\n{sessions}\n\nWithout an answer in time, the seats pass to the \
             next in line.\n",
            title = f.title.get(Lang::Tr),
            title_en = f.title.get(Lang::En),
            seats = registration.seats(),
            code = registration.code,
            sessions = sessions.join("\n"),
        );
        Ok(Some(Mail { to: to.to_owned(), subject, body, invitation: None }))
    }

    /// Runs an [`OFFER_JOB`]: mails the offer once, unless it was answered or expired meanwhile.
    pub(super) async fn run_offer(&self, job: &Job) -> Result<String, String> {
        let Some((mailer, _, settings)) = &self.mail else { return Err("no mailer for event mail".into()) };
        let id = job.payload.get("registration").and_then(serde_json::Value::as_i64).unwrap_or_default();
        let Some(registration) = self.store.registration(RegistrationId(id)).await.map_err(|e| e.to_string())? else {
            return Ok("no_registration".into());
        };
        if registration.status != RegistrationStatus::Offered {
            return Ok("not_offered".into());
        }
        let owner = match registration.registered_by {
            Some(u) => self.accounts.user(u).await.map_err(|e| e.to_string())?.map(|u| (u.user.email, u.user.name)),
            None => None,
        };
        let Some((to, name)) =
            owner.or_else(|| registration.attendees.first().map(|a| (a.email.clone(), a.name.clone())))
        else {
            return Ok("no_address".into());
        };
        let Some(until) = registration.offer_expires_at else { return Ok("not_offered".into()) };
        // A fresh link each attempt (an undelivered attempt's link dies unused with the offer), so no secret
        // is ever stored in the queue.
        let token = secret().map_err(|e| e.to_string())?;
        self.store
            .create_registration_link(
                registration.id,
                RegistrationLinkPurpose::Offer,
                &hash(&token),
                self.clock.now(),
                until,
            )
            .await
            .map_err(|e| e.to_string())?;
        let mail = self.offer_mail(settings, &registration, &to, &name, &token).await.map_err(|e| e.to_string())?;
        let Some(mail) = mail else { return Ok("no_event".into()) };
        mailer.send(mail).await?;
        Ok("sent".into())
    }
}
