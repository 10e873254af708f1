//! Waitlist offers (issue 11): seats that free up (a cancellation, a declined or expired offer, a raised
//! capacity) are offered to the first waiting registration for `--event-offer-hours`; its owner accepts
//! (confirmed) or declines, and the sweep ([`Events::expire_offers`], run periodically on every node) cancels
//! offers left unanswered and passes their seats on. Each offer is mailed once through the job queue
//! ([`OFFER_JOB`]).

use time::{Duration, OffsetDateTime};

use super::{EventMailSettings, Events, session_text};
use crate::clock::ISTANBUL;
use crate::domain::{Actor, Change, Lang, Registration, RegistrationId, RegistrationStatus};
use crate::jobs::{Job, NewJob};
use crate::services::ServiceError;
use crate::services::accounts::{Mail, fold_email};
use crate::store::StoreError;

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

    /// Queues one offer mail per registration offered (after the commit that offered them).
    pub(super) async fn mail_offers(&self, offered: &[Registration], now: OffsetDateTime) -> Result<(), ServiceError> {
        let Some((_, queue, _)) = &self.mail else { return Ok(()) };
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
            queue.enqueue(&job, None).await?;
        }
        if !offered.is_empty() {
            queue.wake();
        }
        Ok(())
    }

    /// Accepts the seats offered to a registration (who made it, or staff) while the offer is open.
    pub async fn accept_offer(&self, actor: &Actor, id: RegistrationId) -> Result<Registration, ServiceError> {
        let now = self.clock.now();
        let registration = self.offered_to(actor, id).await?;
        let mut change = Change::new(actor, now, "accept_offer", "event_registration")
            .record(id.0)
            .before(serde_json::json!({ "status": "offered", "code": registration.code }))
            .after(serde_json::json!({ "status": "confirmed" }));
        if let Some(m) = registration.municipality {
            change = change.of(m);
        }
        match self.store.accept_offer(id, now, &change).await {
            Err(StoreError::Conflict(c)) => Err(ServiceError::Conflict(c)),
            other => Ok(other?),
        }
    }

    /// Declines the seats offered to a registration (who made it, or staff): it is cancelled and the seats
    /// go to the next in line. Returns the registrations offered in its place.
    pub async fn decline_offer(&self, actor: &Actor, id: RegistrationId) -> Result<Vec<Registration>, ServiceError> {
        let now = self.clock.now();
        let registration = self.offered_to(actor, id).await?;
        let mut change = Change::new(actor, now, "decline_offer", "event_registration")
            .record(id.0)
            .before(serde_json::json!({ "status": "offered", "code": registration.code }))
            .after(serde_json::json!({ "status": "cancelled" }));
        if let Some(m) = registration.municipality {
            change = change.of(m);
        }
        let offered = match self.store.decline_offer(id, self.offer_until(now), &change).await {
            Err(StoreError::Conflict(c)) => return Err(ServiceError::Conflict(c)),
            other => other?,
        };
        self.mail_offers(&offered, now).await?;
        Ok(offered)
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
    /// store expires each offer in one statement). Returns how many expired.
    pub async fn expire_offers(&self) -> Result<usize, ServiceError> {
        let now = self.clock.now();
        let change = Change::new(&Actor::system("events:offers"), now, "offer_expired", "event_registration");
        let (expired, offered) = self.store.expire_offers(now, self.offer_until(now), &change).await?;
        self.mail_offers(&offered, now).await?;
        Ok(expired.len())
    }

    /// The offer mail of `registration`, to `to`.
    pub(super) async fn offer_mail(
        &self,
        settings: &EventMailSettings,
        registration: &Registration,
        to: &str,
        name: &str,
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
             oturum açıp kayıtlarınıza gidin:\n{base}/tr/workspace/events\n\nKayıt kodu: {code}\n\
             Oturumlar (İstanbul saati):\n{sessions}\n\nSüre içinde yanıt vermezseniz yer sıradaki kayda geçer.\n\n\
             ---\n\nHello {name},\n\n{seats} seat(s) freed up for your waitlisted registration for {title_en}. \
             They are held for you until {deadline} (Istanbul time). To accept or decline, sign in and go to your \
             registrations:\n{base}/en/workspace/events\n\nRegistration code: {code}\nSessions (Istanbul time):\n\
             {sessions}\n\nWithout an answer in time, the seats pass to the next in line.\n",
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
        let Some(mail) = self.offer_mail(settings, &registration, &to, &name).await.map_err(|e| e.to_string())? else {
            return Ok("no_event".into());
        };
        mailer.send(mail).await?;
        Ok("sent".into())
    }
}
