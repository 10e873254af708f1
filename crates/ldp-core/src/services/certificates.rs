//! Certificates of attendance: staff issue them for a training or workshop to every attendee whose
//! checked-in session hours reach the event's threshold (idempotent: those certified already are skipped),
//! set the threshold per event, and revoke a certificate with a reason. Anyone verifies a certificate by its
//! code; a signed-in person sees the certificates issued to their own address. Every write is audited.

use std::collections::BTreeSet;
use std::sync::Arc;

use super::ServiceError;
use super::accounts::fold_email;
use super::workspace::field;
use crate::clock::Clock;
use crate::domain::certificate::{
    Certificate, DEFAULT_THRESHOLD_PERCENT, NewCertificate, TrainingSnapshot, certifies, normalise_code,
    reaches_threshold,
};
use crate::domain::event::registration_code;
use crate::domain::{
    Actor, Change, CheckIn, Event, EventId, InputError, Registration, RegistrationId, RegistrationStatus,
};
use crate::store::{AccountStore, AttendanceStore, CertificateStore, EventStore, Store, StoreError};

/// What issuing did: how many were issued now, and how many of the attendees hold a certificate in all.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct IssueReport {
    /// Certificates issued by this request (0 when everyone eligible had one already).
    pub issued: usize,
    /// Certificates of the event, this request's included.
    pub total: usize,
    pub threshold_percent: u8,
    pub certificates: Vec<Certificate>,
}

/// One attendee's attendance, as the certificates page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttendeeHours {
    pub registration: RegistrationId,
    pub attendee: u32,
    pub name: String,
    pub attended_minutes: i64,
    pub eligible: bool,
}

/// An event's certificates with what they were issued under.
#[derive(Debug, Clone)]
pub struct CertificateSheet {
    pub event: Event,
    pub threshold_percent: u8,
    pub total_minutes: i64,
    pub attendees: Vec<AttendeeHours>,
    pub certificates: Vec<Certificate>,
}

/// The raw fields of the threshold form (also the API's body).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct ThresholdInput {
    /// Percent of the event's session hours (1–100).
    pub threshold_percent: Option<String>,
}

/// The raw fields of the revocation form (also the API's body).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct RevocationInput {
    /// Why it is revoked (kept internal).
    pub reason: Option<String>,
}

pub struct Certificates {
    store: Arc<dyn CertificateStore>,
    events: Arc<dyn EventStore>,
    attendance: Arc<dyn AttendanceStore>,
    accounts: Arc<dyn AccountStore>,
    clock: Arc<dyn Clock>,
}

/// Minutes an attendee was checked in for, from the event's sessions.
fn attended_minutes(event: &Event, check_ins: &[CheckIn], registration: RegistrationId, attendee: u32) -> i64 {
    let sessions: BTreeSet<u32> = check_ins
        .iter()
        .filter(|c| c.registration == registration && c.attendee == attendee)
        .map(|c| c.session)
        .collect();
    sessions.iter().filter_map(|s| event.fields.sessions.get(*s as usize)).map(|s| s.minutes()).sum()
}

impl Certificates {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Certificates { events: store.clone(), attendance: store.clone(), accounts: store.clone(), store, clock }
    }

    /// The event, if `actor` may read its certificates (staff, admins and auditors).
    async fn event(&self, actor: &Actor, id: EventId) -> Result<Event, ServiceError> {
        if !actor.reads_everything() {
            return Err(ServiceError::Forbidden);
        }
        self.events.event(id).await?.ok_or(ServiceError::NotFound)
    }

    fn writer(actor: &Actor) -> Result<(), ServiceError> {
        if actor.edits_all_content() { Ok(()) } else { Err(ServiceError::Forbidden) }
    }

    async fn threshold(&self, id: EventId) -> Result<u8, ServiceError> {
        Ok(self.store.certificate_threshold(id).await?.unwrap_or(DEFAULT_THRESHOLD_PERCENT))
    }

    /// Every attendee of the event's confirmed registrations with their checked-in minutes.
    async fn attendees(
        &self,
        event: &Event,
        threshold: u8,
    ) -> Result<Vec<(Registration, AttendeeHours)>, ServiceError> {
        let total: i64 = event.fields.sessions.iter().map(|s| s.minutes()).sum();
        let check_ins = self.attendance.check_ins(event.id).await?;
        let mut out = Vec::new();
        for r in self.events.registrations(event.id).await? {
            if r.status != RegistrationStatus::Confirmed {
                continue;
            }
            for (i, a) in r.attendees.iter().enumerate() {
                let attendee = i as u32;
                let attended = attended_minutes(event, &check_ins, r.id, attendee);
                let hours = AttendeeHours {
                    registration: r.id,
                    attendee,
                    name: a.name.clone(),
                    attended_minutes: attended,
                    eligible: certifies(event.fields.kind) && reaches_threshold(attended, total, threshold),
                };
                out.push((r.clone(), hours));
            }
        }
        Ok(out)
    }

    /// An event's certificates page: the threshold, each attendee's hours and the certificates issued.
    pub async fn sheet(&self, actor: &Actor, id: EventId) -> Result<CertificateSheet, ServiceError> {
        let event = self.event(actor, id).await?;
        let threshold_percent = self.threshold(id).await?;
        let attendees = self.attendees(&event, threshold_percent).await?.into_iter().map(|(_, a)| a).collect();
        let certificates = self.store.event_certificates(id).await?;
        let total_minutes = event.fields.sessions.iter().map(|s| s.minutes()).sum();
        Ok(CertificateSheet { event, threshold_percent, total_minutes, attendees, certificates })
    }

    /// An event's certificates (staff, admins and auditors).
    pub async fn of_event(&self, actor: &Actor, id: EventId) -> Result<Vec<Certificate>, ServiceError> {
        self.event(actor, id).await?;
        Ok(self.store.event_certificates(id).await?)
    }

    /// Sets the share of session hours that earns a certificate for one event (staff).
    pub async fn set_threshold(&self, actor: &Actor, id: EventId, input: &ThresholdInput) -> Result<u8, ServiceError> {
        Self::writer(actor)?;
        let event = self.event(actor, id).await?;
        let mut errors = InputError::default();
        let raw = field(&input.threshold_percent, "threshold_percent", 4, &mut errors);
        let percent = match raw.trim_end_matches('%').trim().parse::<u8>() {
            Ok(p) if (1..=100).contains(&p) => p,
            _ if raw.is_empty() => {
                errors.add("threshold_percent", "required");
                0
            }
            _ => {
                errors.add("threshold_percent", "invalid_percent");
                0
            }
        };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let before = self.threshold(id).await?;
        let change = Change::new(actor, self.clock.now(), "set_threshold", "certificate")
            .record(format!("event-{}", event.id.0))
            .before(serde_json::json!({ "event": event.id.0, "threshold_percent": before }))
            .after(serde_json::json!({ "event": event.id.0, "threshold_percent": percent }));
        self.store.set_certificate_threshold(id, percent, &change).await?;
        Ok(percent)
    }

    /// Issues a certificate to every attendee whose checked-in hours reach the threshold and who has none
    /// yet (staff). Trainings and workshops only.
    pub async fn issue(&self, actor: &Actor, id: EventId) -> Result<IssueReport, ServiceError> {
        Self::writer(actor)?;
        let event = self.event(actor, id).await?;
        if !certifies(event.fields.kind) {
            return Err(InputError::new("event", "certificates_for_trainings_only").into());
        }
        let (Some(starts_at), Some(ends_at)) = (event.fields.starts_at(), event.fields.ends_at()) else {
            return Err(InputError::new("event", "certificates_for_trainings_only").into());
        };
        let threshold_percent = self.threshold(id).await?;
        let issued: BTreeSet<(RegistrationId, u32)> =
            self.store.event_certificates(id).await?.iter().map(|c| (c.registration, c.attendee)).collect();
        let due: Vec<(Registration, AttendeeHours)> = self
            .attendees(&event, threshold_percent)
            .await?
            .into_iter()
            .filter(|(_, a)| a.eligible && !issued.contains(&(a.registration, a.attendee)))
            .collect();
        let training = TrainingSnapshot {
            event: id,
            title: event.fields.title.clone(),
            topics: event.fields.topics.clone(),
            starts_at,
            ends_at,
            total_minutes: event.fields.sessions.iter().map(|s| s.minutes()).sum(),
            threshold_percent,
        };
        let change = Change::new(actor, self.clock.now(), "issue", "certificate");
        let mut fresh = Vec::new();
        if !due.is_empty() {
            fresh = self.write_issued(&training, &due, &change).await?;
        }
        let certificates = self.store.event_certificates(id).await?;
        Ok(IssueReport { issued: fresh.len(), total: certificates.len(), threshold_percent, certificates })
    }

    /// Draws codes and writes; draws again when a code was taken (the store wrote nothing then).
    async fn write_issued(
        &self,
        training: &TrainingSnapshot,
        due: &[(Registration, AttendeeHours)],
        change: &Change,
    ) -> Result<Vec<Certificate>, ServiceError> {
        for _ in 0..8 {
            let mut new = Vec::with_capacity(due.len());
            for (r, a) in due {
                let email = r.attendees.get(a.attendee as usize).map(|p| p.email.clone()).unwrap_or_default();
                new.push(NewCertificate {
                    code: fresh_code()?,
                    registration: r.id,
                    attendee: a.attendee,
                    name: a.name.clone(),
                    email,
                    municipality: r.municipality,
                    attended_minutes: a.attended_minutes,
                });
            }
            match self.store.issue_certificates(training, &new, self.clock.now(), change).await {
                Err(StoreError::Conflict(c)) if c == "code_taken" => continue,
                other => return Ok(other?),
            }
        }
        Err(ServiceError::Internal("no free certificate codes after eight draws".into()))
    }

    /// A certificate by its code as typed (any case, spaces or dashes); `NotFound` when there is none.
    pub async fn verify(&self, raw: &str) -> Result<Certificate, ServiceError> {
        let Some(code) = normalise_code(raw) else { return Err(ServiceError::NotFound) };
        self.store.certificate_by_code(&code).await?.ok_or(ServiceError::NotFound)
    }

    /// Revokes a certificate (staff), with a reason; `false` when it was revoked already.
    pub async fn revoke(&self, actor: &Actor, code: &str, input: &RevocationInput) -> Result<bool, ServiceError> {
        Self::writer(actor)?;
        let certificate = self.verify(code).await?;
        let mut errors = InputError::default();
        let reason = field(&input.reason, "reason", 500, &mut errors);
        if reason.is_empty() {
            errors.add("reason", "required");
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let mut change = Change::new(actor, self.clock.now(), "revoke", "certificate").record(certificate.id.0).after(
            serde_json::json!({ "code": certificate.code, "event": certificate.training.event.0, "reason": reason }),
        );
        if let Some(m) = certificate.municipality {
            change = change.of(m);
        }
        match self.store.revoke_certificate(certificate.id, &reason, self.clock.now(), &change).await {
            Err(StoreError::Conflict(c)) if c == "certificate_not_found" => Err(ServiceError::NotFound),
            other => Ok(other?),
        }
    }

    /// The certificates issued to the signed-in person's address, newest first.
    pub async fn mine(&self, actor: &Actor) -> Result<Vec<Certificate>, ServiceError> {
        let Some(user) = actor.user.filter(|_| actor.is_signed_in()) else { return Err(ServiceError::Forbidden) };
        let Some(me) = self.accounts.user(user).await? else { return Err(ServiceError::Forbidden) };
        Ok(self.store.certificates_of(&fold_email(&me.user.email)).await?)
    }
}

/// A new verification code in the registration codes' alphabet.
fn fresh_code() -> Result<String, ServiceError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ServiceError::Internal(format!("no randomness: {e}")))?;
    let mut source = bytes.into_iter().cycle();
    Ok(registration_code(|| source.next().unwrap_or_default()))
}
