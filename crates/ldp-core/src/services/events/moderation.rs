//! Moderation (issue 11): for an event whose registrations need the organiser's approval, a registration
//! that fits is `pending` and holds its seats. Staff confirm it (the usual confirmation mail with the
//! invitation follows) or reject it; a rejection frees the seats it held and offers them to the waiting
//! line exactly as a cancellation does, with the offers' mail, in the same unit of work. Staff may also
//! reject a waiting or offered registration. Each decision is audited and mailed to the registrant.

use super::{Events, RegistrationStatus};
use crate::domain::{Actor, Change, Lang, Registration, RegistrationId};
use crate::jobs::{Job, NewJob};
use crate::services::ServiceError;
use crate::services::accounts::{Mail, fold_email};
use crate::store::StoreError;

/// The job kind of a rejection's mail (one per attendee). An approval sends the confirmation mail instead.
pub const DECISION_JOB: &str = "event_decision";

impl Events {
    /// Confirms (`approve`) or rejects a registration (staff and admins). Returns it as it now stands;
    /// `Conflict("registration_not_pending")` when it is in no state for that decision.
    pub async fn moderate(
        &self,
        actor: &Actor,
        id: RegistrationId,
        approve: bool,
    ) -> Result<Registration, ServiceError> {
        if !actor.edits_all_content() {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let Some(before) = self.store.registration(id).await? else { return Err(ServiceError::NotFound) };
        let (action, after) = if approve { ("approve", "confirmed") } else { ("reject", "rejected") };
        let mut change = Change::new(actor, now, action, "event_registration")
            .record(id.0)
            .before(serde_json::json!({ "status": before.status.as_str(), "code": before.code }))
            .after(serde_json::json!({ "status": after }));
        if let Some(m) = before.municipality {
            change = change.of(m);
        }
        let template = Change::new(actor, now, "offer_from_waitlist", "event_registration");
        // The decision, its mail, and for a rejection the offers of the freed seats with theirs, land together.
        let mut unit = self.units.begin().await?;
        let (registration, offered) = match unit.events().moderate(id, approve, self.offer_until(now), &template).await
        {
            Err(StoreError::Conflict(c)) => return Err(ServiceError::Conflict(c)),
            other => other?,
        };
        if approve {
            self.queue_confirmations(&mut unit, &registration, now).await?;
        } else {
            for (i, a) in registration.attendees.iter().enumerate() {
                let job = NewJob {
                    kind: DECISION_JOB,
                    key: Some(fold_email(&a.email)),
                    client: None,
                    payload: serde_json::json!({ "registration": registration.id.0, "attendee": i }),
                    created_at: now,
                    run_at: now,
                };
                unit.jobs().enqueue(&job).await?;
            }
            self.queue_offers(&mut unit, &offered, now).await?;
            if !offered.is_empty()
                && let Some(after) = change.after.as_mut()
            {
                after["offered"] = serde_json::json!(offered.iter().map(|r| r.id.0).collect::<Vec<_>>());
            }
        }
        unit.commit(&change).await?;
        self.wake_mail(true);
        Ok(registration)
    }

    /// A registration by id for staff and auditors (`NotFound` otherwise).
    pub async fn registration_for_staff(
        &self,
        actor: &Actor,
        id: RegistrationId,
    ) -> Result<Registration, ServiceError> {
        if !actor.reads_everything() {
            return Err(ServiceError::NotFound);
        }
        self.store.registration(id).await?.ok_or(ServiceError::NotFound)
    }

    /// Runs a [`DECISION_JOB`]: tells the attendee their registration was not accepted (once, and only while
    /// it stays rejected).
    pub(super) async fn run_decision(&self, job: &Job) -> Result<String, String> {
        let Some((mailer, _, settings)) = &self.mail else { return Err("no mailer for event mail".into()) };
        let id = job.payload.get("registration").and_then(serde_json::Value::as_i64).unwrap_or_default();
        let index = job.payload.get("attendee").and_then(serde_json::Value::as_u64).unwrap_or_default();
        let Some(registration) = self.store.registration(RegistrationId(id)).await.map_err(|e| e.to_string())? else {
            return Ok("no_registration".into());
        };
        if registration.status != RegistrationStatus::Rejected {
            return Ok("not_rejected".into());
        }
        let Some(attendee) = usize::try_from(index).ok().and_then(|i| registration.attendees.get(i)) else {
            return Ok("no_attendee".into());
        };
        let Some(event) = self.store.event(registration.event).await.map_err(|e| e.to_string())? else {
            return Ok("no_event".into());
        };
        let f = &event.fields;
        let base = settings.public_url.trim_end_matches('/');
        let subject = format!("Kayıt kabul edilmedi / Registration not accepted: {}", f.title.get(Lang::Tr));
        let body = format!(
            "Merhaba {name},\n\n{title} etkinliğine kaydınız ({code}) düzenleyici tarafından kabul edilmedi. \
             Sorularınız için bize iletişim formundan yazabilirsiniz: {base}/tr/contact\n\n---\n\n\
             Hello {name},\n\nYour registration ({code}) for {title_en} was not accepted by the organiser. For \
             questions, write to us through the contact form: {base}/en/contact\n",
            name = attendee.name,
            title = f.title.get(Lang::Tr),
            title_en = f.title.get(Lang::En),
            code = registration.code,
        );
        mailer.send(Mail { to: attendee.email.clone(), subject, body, invitation: None }).await?;
        Ok("sent".into())
    }
}
