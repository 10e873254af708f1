//! Mail about an event someone is registered for, besides the confirmation and the waitlist offer (issue 11):
//! - a **reminder** `--event-reminder-hours` before the event starts (48 by default), to each attendee of a
//!   confirmed registration, queued by a sweep every node runs ([`Events::queue_reminders`]); the store claims
//!   each (registration, start) once, so two nodes never remind twice, and an event moved to another start is
//!   reminded of again;
//! - a **change** of time or place, and a **postponement**, with the updated invitation (`METHOD:REQUEST`,
//!   the same UIDs, the raised `SEQUENCE`);
//! - a **cancellation**, with `METHOD:CANCEL` and `STATUS:CANCELLED`.
//!
//! Every notice is one job per attendee ([`NOTICE_JOB`]), queued in the transaction of the change it follows,
//! and written when it runs from the event as it then is. A notice overtaken by a later change of the same
//! event is not sent (the later one says it all); a reminder for a start that moved is not sent either.

use time::{Duration, OffsetDateTime};

use super::{EventMailSettings, Events, session_text};
use crate::domain::event::calendar::{CalendarEntry, Invitation, Method, calendar};
use crate::domain::{Actor, Change, Event, EventStatus, Lang, Registration, RegistrationId, RegistrationStatus};
use crate::jobs::{Job, NewJob};
use crate::services::ServiceError;
use crate::services::accounts::{Mail, fold_email};

/// The job kind of an event notice (one job per attendee).
pub const NOTICE_JOB: &str = "event_notice";

/// Hours before an event's start its reminders go out, unless configured (`--event-reminder-hours`).
pub const DEFAULT_REMINDER_HOURS: u32 = 48;

/// What a notice tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    Reminder,
    Change,
    Postponement,
    Cancellation,
}

impl Notice {
    pub fn as_str(self) -> &'static str {
        match self {
            Notice::Reminder => "reminder",
            Notice::Change => "change",
            Notice::Postponement => "postponement",
            Notice::Cancellation => "cancellation",
        }
    }

    fn parse(s: &str) -> Option<Notice> {
        [Notice::Reminder, Notice::Change, Notice::Postponement, Notice::Cancellation]
            .into_iter()
            .find(|n| n.as_str() == s)
    }

    /// Whose registrations hear of it: a reminder goes to confirmed seats only; a change, postponement or
    /// cancellation also to those offered a seat, awaiting the organiser's approval or waiting for one (they
    /// keep the event in their calendar).
    fn reaches(self, status: RegistrationStatus) -> bool {
        match self {
            Notice::Reminder => status == RegistrationStatus::Confirmed,
            _ => matches!(
                status,
                RegistrationStatus::Confirmed
                    | RegistrationStatus::Offered
                    | RegistrationStatus::Pending
                    | RegistrationStatus::Waitlisted
            ),
        }
    }

    /// The subject's first words and the body's opening sentence, in Turkish and English.
    fn wording(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Notice::Reminder => (
                "Hatırlatma",
                "Reminder",
                "kaydınız olan etkinlik yaklaşıyor.",
                "the event you registered for is coming up.",
            ),
            Notice::Change => (
                "Değişiklik",
                "Changed",
                "kaydınız olan etkinliğin zamanı ya da yeri değişti. Güncel bilgiler aşağıdadır; ekteki takvim \
                 dosyası takviminizdeki kaydı günceller.",
                "the time or place of the event you registered for has changed. The details below are current; \
                 the attached calendar file updates the entry in your calendar.",
            ),
            Notice::Postponement => (
                "Ertelendi",
                "Postponed",
                "kaydınız olan etkinlik ertelendi. Yeni tarih belli olduğunda size yeniden yazacağız.",
                "the event you registered for has been postponed. We will write again when the new date is set.",
            ),
            Notice::Cancellation => (
                "İptal",
                "Cancelled",
                "kaydınız olan etkinlik iptal edildi. Ekteki takvim dosyası kaydı takviminizden kaldırır.",
                "the event you registered for has been cancelled. The attached calendar file removes it from your \
                 calendar.",
            ),
        }
    }
}

/// One notice job per attendee of each registration in `registrations` that `notice` reaches, carrying what
/// lets the job tell whether it was overtaken: the event's SEQUENCE after the change, or the start reminded of.
pub(super) fn notice_jobs(
    registrations: &[Registration],
    notice: Notice,
    sequence: i64,
    starts_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Vec<NewJob> {
    registrations
        .iter()
        .filter(|r| notice.reaches(r.status))
        .flat_map(|r| {
            r.attendees.iter().enumerate().map(move |(i, a)| NewJob {
                kind: NOTICE_JOB,
                key: Some(fold_email(&a.email)),
                client: None,
                payload: serde_json::json!({
                    "registration": r.id.0,
                    "attendee": i,
                    "notice": notice.as_str(),
                    "sequence": sequence,
                    "starts_at": starts_at.map(OffsetDateTime::unix_timestamp),
                }),
                created_at: now,
                run_at: now,
            })
        })
        .collect()
}

impl Events {
    /// The same service reminding registrants `hours` before an event starts (1 to 720).
    pub fn with_reminder_hours(mut self, hours: u32) -> Self {
        self.reminder_hours = hours.clamp(1, 720);
        self
    }

    /// The sweep: queues the reminders of every event starting within the reminder period, each once (safe on
    /// several nodes at the same time). Returns how many registrations were reminded.
    pub async fn queue_reminders(&self) -> Result<usize, ServiceError> {
        let now = self.clock.now();
        let until = now + Duration::hours(i64::from(self.reminder_hours));
        let mut unit = self.units.begin().await?;
        let claimed = unit.events().claim_reminders(now, until).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let mut starts = std::collections::HashMap::new();
        for r in &claimed {
            if !starts.contains_key(&r.event)
                && let Some(event) = self.store.event(r.event).await?
            {
                starts.insert(r.event, (event.sequence, event.fields.starts_at()));
            }
        }
        for r in &claimed {
            let (sequence, start) = starts.get(&r.event).copied().unwrap_or((0, None));
            for job in notice_jobs(std::slice::from_ref(r), Notice::Reminder, sequence, start, now) {
                unit.jobs().enqueue(&job).await?;
            }
        }
        let ids: Vec<i64> = claimed.iter().map(|r| r.id.0).collect();
        let change = Change::new(&Actor::system("events:reminders"), now, "queue_reminders", "event_registration")
            .after(serde_json::json!({ "registrations": ids }));
        unit.commit(&change).await?;
        self.wake_mail(true);
        Ok(claimed.len())
    }

    /// Queues `notice` to `registrations` (those of one event) inside `unit`, the change's own transaction.
    pub(super) async fn queue_notice(
        &self,
        unit: &mut dyn crate::store::UnitOfWork,
        registrations: &[Registration],
        notice: Notice,
        sequence: i64,
        now: OffsetDateTime,
    ) -> Result<usize, ServiceError> {
        let jobs = notice_jobs(registrations, notice, sequence, None, now);
        for job in &jobs {
            unit.jobs().enqueue(job).await?;
        }
        Ok(jobs.len())
    }

    /// Runs a [`NOTICE_JOB`]: writes the notice from the event as it is now, unless it was overtaken.
    pub(super) async fn run_notice(&self, job: &Job) -> Result<String, String> {
        let Some((mailer, _, settings)) = &self.mail else { return Err("no mailer for event mail".into()) };
        let p = &job.payload;
        let Some(notice) = p.get("notice").and_then(serde_json::Value::as_str).and_then(Notice::parse) else {
            return Ok("unknown_notice".into());
        };
        let id = p.get("registration").and_then(serde_json::Value::as_i64).unwrap_or_default();
        let index = p.get("attendee").and_then(serde_json::Value::as_u64).unwrap_or_default();
        let Some(registration) = self.store.registration(RegistrationId(id)).await.map_err(|e| e.to_string())? else {
            return Ok("no_registration".into());
        };
        if !notice.reaches(registration.status) {
            return Ok("not_registered".into());
        }
        let Some(attendee) = usize::try_from(index).ok().and_then(|i| registration.attendees.get(i)) else {
            return Ok("no_attendee".into());
        };
        let Some(event) = self.store.event(registration.event).await.map_err(|e| e.to_string())? else {
            return Ok("no_event".into());
        };
        if let Some(outcome) = overtaken(notice, p, &event) {
            return Ok(outcome.into());
        }
        let mail =
            self.notice_mail(settings, notice, &registration, attendee, &event).await.map_err(|e| e.to_string())?;
        mailer.send(mail).await?;
        Ok("sent".into())
    }

    async fn notice_mail(
        &self,
        settings: &EventMailSettings,
        notice: Notice,
        registration: &Registration,
        attendee: &crate::domain::Attendee,
        event: &Event,
    ) -> Result<Mail, ServiceError> {
        let f = &event.fields;
        let location = self.location(event).await?;
        let source = settings.source(event);
        let (organiser_name, organiser_email) = settings.organiser();
        let entry = CalendarEntry { event, location: location.clone(), registration: Some(registration.status) };
        let invite = Invitation { organiser_name: &organiser_name, organiser_email: &organiser_email, attendee };
        let method = if notice == Notice::Cancellation { Method::Cancel } else { Method::Request };
        let ics = calendar(&source, method, &[entry], Some(&invite));
        let sessions: Vec<String> = f.sessions.iter().map(|s| format!("  {}", session_text(s.start, s.end))).collect();
        let (tr_word, en_word, tr_text, en_text) = notice.wording();
        let subject = format!("{tr_word} / {en_word}: {} ({})", f.title.get(Lang::Tr), registration.code);
        let body = format!(
            "Merhaba {name},\n\n{title}: {tr_text}\n\nKayıt kodu: {code}\nOturumlar (İstanbul saati):\n{sessions}\n\
             Yer: {location}\n{base}/tr/events/{id}\n\n---\n\nHello {name},\n\n{title_en}: {en_text}\n\n\
             Registration code: {code}\nSessions (Istanbul time):\n{sessions}\nPlace: {location}\n\
             {base}/en/events/{id}\n",
            name = attendee.name,
            title = f.title.get(Lang::Tr),
            title_en = f.title.get(Lang::En),
            code = registration.code,
            sessions = sessions.join("\n"),
            base = source.public_url,
            id = event.id.0,
        );
        Ok(Mail { to: attendee.email.clone(), subject, body, invitation: Some(ics) })
    }
}

/// Why a notice is no longer to be sent (`None`: send it). A reminder whose event moved, was cancelled or
/// taken back; a change overtaken by a later one (the SEQUENCE rose again); anything about an event whose
/// state no longer says it.
fn overtaken(notice: Notice, payload: &serde_json::Value, event: &Event) -> Option<&'static str> {
    let sequence = payload.get("sequence").and_then(serde_json::Value::as_i64).unwrap_or_default();
    match notice {
        Notice::Reminder => {
            let start = payload.get("starts_at").and_then(serde_json::Value::as_i64);
            let now_start = event.fields.starts_at().map(OffsetDateTime::unix_timestamp);
            if event.status != EventStatus::Published {
                Some("not_published")
            } else if start != now_start {
                Some("moved")
            } else {
                None
            }
        }
        _ if event.sequence > sequence => Some("superseded"),
        Notice::Change if event.status != EventStatus::Published => Some("not_published"),
        Notice::Postponement if event.status != EventStatus::Postponed => Some("not_postponed"),
        Notice::Cancellation if event.status != EventStatus::Cancelled => Some("not_cancelled"),
        _ => None,
    }
}
