//! Public registration with double opt-in (issue 11). Anyone may register for an event whose audience is the
//! public, without an account: name, e-mail and explicit KVKK consent to the registration privacy notice
//! (whose version is recorded with the time of consent). The registration is stored `unconfirmed`, holding
//! no seat, and a mail job queued in the same unit of work sends a link (a fresh 32-byte secret each attempt;
//! only its SHA-256 is stored) valid for [`OPT_IN_HOURS`]. Opening the link shows a page; posting its button
//! (never the GET: mail scanners follow links) puts the registration into the seat logic at that moment and
//! queues the usual confirmation mail with its invitation, audited with the actor `link:CODE`. Registrations
//! never confirmed are deleted by the pruning sweep with their links.

use time::{Duration, OffsetDateTime};

use super::{CONFIRMATION_JOB, EventMailSettings, Events, session_text};
use crate::domain::event::registration_code;
use crate::domain::{
    Actor, Attendee, Change, Consent, Event, EventId, InputError, Lang, NewRegistration, PublicRegistration,
    Registration, RegistrationId, RegistrationLinkPurpose, RegistrationStatus,
};
use crate::jobs::{Job, NewJob};
use crate::services::ServiceError;
use crate::services::accounts::{Mail, fold_email, secret, valid_email};
use crate::services::tokens::hash;
use crate::services::workspace::field;
use crate::store::StoreError;

/// The job kind of the double opt-in mail (one per public registration).
pub const OPT_IN_JOB: &str = "event_opt_in";

/// The version of the registration privacy notice a public registrant consents to; recorded with the consent.
/// A new wording gets a new version.
pub const PRIVACY_NOTICE_VERSION: &str = "2026-12-03";

/// How long the mailed link confirms a public registration.
pub const OPT_IN_HOURS: i64 = 24;

/// Public registrations one client (a keyed hash of its address) may make per hour.
pub const PUBLIC_PER_CLIENT: i64 = 10;

/// A public registration as the form (and the API) sends it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct PublicRegistrationInput {
    pub name: Option<String>,
    pub email: Option<String>,
    /// `yes`: explicit consent to the registration privacy notice (required).
    pub consent: Option<String>,
}

impl PublicRegistrationInput {
    /// The attendee, or every bad field at once.
    fn parse(&self) -> Result<Attendee, InputError> {
        let mut errors = InputError::default();
        let name = field(&self.name, "name", 200, &mut errors);
        if name.is_empty() {
            errors.add("name", "required");
        }
        let email = field(&self.email, "email", 254, &mut errors);
        if email.is_empty() {
            errors.add("email", "required");
        } else if !valid_email(&email) {
            errors.add("email", "invalid_email");
        }
        let consent = self.consent.as_deref().map(str::trim).unwrap_or_default();
        if !matches!(consent, "yes" | "true" | "on") {
            errors.add("consent", "registration_consent_required");
        }
        if errors.is_empty() { Ok(Attendee { name, email }) } else { Err(errors) }
    }
}

/// Where a public registration named by its mailed link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptInState {
    /// Waiting for the button, within the link's time.
    Open,
    /// The link's time passed before the button was pressed.
    Expired,
    /// Confirmed already (the registration shows where it stands now).
    Done,
}

/// A public registration as its mailed link shows it.
#[derive(Debug, Clone)]
pub struct OptInByLink {
    pub registration: Registration,
    pub event: Event,
    pub state: OptInState,
}

impl Events {
    /// Registers a signed-out person for a public event: stored `unconfirmed` (no seat) with the consent, and
    /// the link mailed through the job queue in the same unit of work. `Conflict("sign_in_to_register")` for
    /// an event not open to the public, `Conflict("registration_closed")` outside its window; the same
    /// address twice for one event is a field error (`already_registered`); `RateLimited` past
    /// [`PUBLIC_PER_CLIENT`] an hour from one client.
    pub async fn register_public(
        &self,
        id: EventId,
        input: &PublicRegistrationInput,
        client_key: Option<&str>,
        actor: &Actor,
    ) -> Result<Registration, ServiceError> {
        let now = self.clock.now();
        let event = self.get(&Actor::visitor(None), id).await?;
        if !event.fields.audience.is_public() {
            return Err(ServiceError::Conflict("sign_in_to_register".into()));
        }
        if !Self::registration_open(&event, now) {
            return Err(ServiceError::Conflict("registration_closed".into()));
        }
        let attendee = input.parse()?;
        let public = PublicRegistration {
            contact_email: fold_email(&attendee.email),
            consent: Consent { at: now, notice_version: PRIVACY_NOTICE_VERSION.into() },
            confirm_by: now + Duration::hours(OPT_IN_HOURS),
            client_key: client_key.map(str::to_owned),
        };
        for _ in 0..8 {
            let mut bytes = [0u8; 32];
            getrandom::fill(&mut bytes).map_err(|e| ServiceError::Internal(format!("no randomness: {e}")))?;
            let mut source = bytes.into_iter().cycle();
            let code = registration_code(|| source.next().unwrap_or_default());
            let new =
                NewRegistration { code, registered_by: None, municipality: None, attendees: vec![attendee.clone()] };
            let mut unit = self.units.begin().await?;
            if let Some(key) = client_key
                && unit.events().public_registrations_from(key, now - Duration::hours(1)).await? >= PUBLIC_PER_CLIENT
            {
                return Err(ServiceError::RateLimited);
            }
            let registration = match unit.events().register_public(id, &new, &public, now).await {
                Err(StoreError::Conflict(c)) if c == "code_taken" => continue,
                Err(StoreError::Conflict(c)) if c == "already_registered" => {
                    return Err(InputError::new("email", "already_registered").into());
                }
                Err(StoreError::Conflict(c)) if c == "event_not_found" => return Err(ServiceError::NotFound),
                other => other?,
            };
            let job = NewJob {
                kind: OPT_IN_JOB,
                key: Some(public.contact_email.clone()),
                client: None,
                payload: serde_json::json!({ "registration": registration.id.0 }),
                created_at: now,
                run_at: now,
            };
            unit.jobs().enqueue(&job).await?;
            let change = Change::new(actor, now, "register_public", "event_registration")
                .record(registration.id.0)
                .after(serde_json::json!({
                    "event": id.0,
                    "status": registration.status.as_str(),
                    "code": registration.code,
                    "consent_at": rfc3339(now),
                    "consent_version": PRIVACY_NOTICE_VERSION,
                    "confirm_by": rfc3339(public.confirm_by),
                }));
            unit.commit(&change).await?;
            self.wake_mail(true);
            return Ok(registration);
        }
        Err(ServiceError::Internal("no free registration code after eight draws".into()))
    }

    /// The public registration a mailed link names, with where it stands (`NotFound` for an unknown link).
    pub async fn opt_in_by_link(&self, token: &str) -> Result<OptInByLink, ServiceError> {
        let now = self.clock.now();
        let found = self.store.registration_by_link(&hash(token.trim()), RegistrationLinkPurpose::OptIn).await?;
        let Some((registration, link_expires)) = found else { return Err(ServiceError::NotFound) };
        let Some(event) = self.store.event(registration.event).await? else { return Err(ServiceError::NotFound) };
        let state = match registration.status {
            RegistrationStatus::Unconfirmed
                if now < link_expires && registration.confirm_by.is_some_and(|by| now < by) =>
            {
                OptInState::Open
            }
            RegistrationStatus::Unconfirmed => OptInState::Expired,
            _ => OptInState::Done,
        };
        Ok(OptInByLink { registration, event, state })
    }

    /// Confirms the public registration a mailed link names (the POST behind the link's page): it enters the
    /// seat logic now, and the usual confirmation mail with the invitation is queued in the same unit.
    /// Audited with the actor `link:CODE` and the client. `Conflict("opt_in_expired" | "opt_in_done")` when
    /// it is no longer open.
    pub async fn confirm_by_link(&self, token: &str, client: Option<String>) -> Result<OptInByLink, ServiceError> {
        let found = self.opt_in_by_link(token).await?;
        match found.state {
            OptInState::Open => {}
            OptInState::Expired => return Err(ServiceError::Conflict("opt_in_expired".into())),
            OptInState::Done => return Err(ServiceError::Conflict("opt_in_done".into())),
        }
        let now = self.clock.now();
        let actor = Actor { label: format!("link:{}", found.registration.code), ..Actor::visitor(client) };
        let mut unit = self.units.begin().await?;
        let registration = match unit.events().confirm_opt_in(found.registration.id, now).await {
            Err(StoreError::Conflict(c)) if c == "opt_in_expired" => return Err(ServiceError::Conflict(c)),
            Err(StoreError::Conflict(_)) => return Err(ServiceError::Conflict("opt_in_done".into())),
            other => other?,
        };
        self.queue_confirmations(&mut unit, &registration, now).await?;
        let change = Change::new(&actor, now, "confirm_opt_in", "event_registration")
            .record(registration.id.0)
            .before(serde_json::json!({ "status": "unconfirmed", "code": registration.code }))
            .after(serde_json::json!({ "status": registration.status.as_str() }));
        unit.commit(&change).await?;
        self.wake_mail(true);
        self.opt_in_by_link(token).await
    }

    /// Queues the confirmation mail of `registration` (one per attendee, each with its invitation) in `unit`.
    pub(super) async fn queue_confirmations(
        &self,
        unit: &mut Box<dyn crate::store::UnitOfWork>,
        registration: &Registration,
        now: OffsetDateTime,
    ) -> Result<(), ServiceError> {
        for (i, a) in registration.attendees.iter().enumerate() {
            let job = NewJob {
                kind: CONFIRMATION_JOB,
                key: Some(fold_email(&a.email)),
                client: None,
                payload: serde_json::json!({ "registration": registration.id.0, "attendee": i }),
                created_at: now,
                run_at: now,
            };
            unit.jobs().enqueue(&job).await?;
        }
        Ok(())
    }

    /// Deletes public registrations whose double opt-in expired (the pruning sweep), with their links, in one
    /// audited write. Returns how many went.
    pub async fn prune_unconfirmed(&self) -> Result<u64, ServiceError> {
        let now = self.clock.now();
        let change = Change::new(&Actor::system("events:opt-in"), now, "prune_unconfirmed", "event_registration");
        Ok(self.store.prune_unconfirmed(now, &change).await?)
    }

    /// The double opt-in mail: the link, the event and how long the link holds.
    fn opt_in_mail(
        settings: &EventMailSettings,
        event: &Event,
        registration: &Registration,
        attendee: &Attendee,
        token: &str,
    ) -> Mail {
        let f = &event.fields;
        let base = settings.public_url.trim_end_matches('/');
        let sessions: Vec<String> = f.sessions.iter().map(|s| format!("  {}", session_text(s.start, s.end))).collect();
        let subject = format!("Kaydınızı onaylayın / Confirm your registration: {}", f.title.get(Lang::Tr));
        let body = format!(
            "Merhaba {name},\n\n{title} etkinliğine bu e-posta adresiyle kayıt olundu. Kaydı tamamlamak için \
             {hours} saat içinde bu bağlantıyı açıp \"Kaydımı onayla\" düğmesine basın:\n{base}/tr/registration/confirm/{token}\n\n\
             Onaylanana kadar sizin için yer ayrılmaz; yer sırası onay anına göre belirlenir. Bu kaydı siz \
             yapmadıysanız e-postayı yok sayın: onaylanmayan kayıt ve kişisel verileriniz {hours} saat sonra \
             silinir.\n\nOturumlar (İstanbul saati):\n{sessions}\nKayıt kodu: {code}\n\n---\n\n\
             Hello {name},\n\nThis address was registered for {title_en}. To complete the registration, open \
             this link within {hours} hours and press \"Confirm my registration\":\n{base}/en/registration/confirm/{token}\n\n\
             No seat is held until you confirm; your place in line is set at that moment. If you did not \
             register, ignore this e-mail: an unconfirmed registration and your personal data are deleted after \
             {hours} hours.\n\nSessions (Istanbul time):\n{sessions}\nRegistration code: {code}\n",
            name = attendee.name,
            title = f.title.get(Lang::Tr),
            title_en = f.title.get(Lang::En),
            hours = OPT_IN_HOURS,
            sessions = sessions.join("\n"),
            code = registration.code,
        );
        Mail { to: attendee.email.clone(), subject, body, invitation: None }
    }

    /// Runs an [`OPT_IN_JOB`]: mails the link once, unless the registration was confirmed or expired meanwhile.
    pub(super) async fn run_opt_in(&self, job: &Job) -> Result<String, String> {
        let Some((mailer, _, settings)) = &self.mail else { return Err("no mailer for event mail".into()) };
        let id = job.payload.get("registration").and_then(serde_json::Value::as_i64).unwrap_or_default();
        let Some(registration) = self.store.registration(RegistrationId(id)).await.map_err(|e| e.to_string())? else {
            return Ok("no_registration".into());
        };
        let now = self.clock.now();
        let Some(by) = registration.confirm_by.filter(|_| registration.status == RegistrationStatus::Unconfirmed)
        else {
            return Ok("not_unconfirmed".into());
        };
        if by <= now {
            return Ok("expired".into());
        }
        let Some(attendee) = registration.attendees.first() else { return Ok("no_attendee".into()) };
        let Some(event) = self.store.event(registration.event).await.map_err(|e| e.to_string())? else {
            return Ok("no_event".into());
        };
        // A fresh link each attempt (an undelivered attempt's link dies unused), so no secret sits in the queue.
        let token = secret().map_err(|e| e.to_string())?;
        self.store
            .create_registration_link(registration.id, RegistrationLinkPurpose::OptIn, &hash(&token), now, by)
            .await
            .map_err(|e| e.to_string())?;
        mailer.send(Self::opt_in_mail(settings, &event, &registration, attendee, &token)).await?;
        Ok("sent".into())
    }
}

fn rfc3339(at: OffsetDateTime) -> Option<String> {
    at.format(&time::format_description::well_known::Rfc3339).ok()
}
