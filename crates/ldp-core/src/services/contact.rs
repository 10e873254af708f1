//! The contact form and its routed inbox: a visitor's message is checked, rate-limited per client, stored
//! with the version of the clarification text consented to, routed to its topic's team, and acknowledged by
//! a mailed receipt with its reference number (the message and its receipt job in one unit of work). Staff
//! (admins and staff; auditors read) work the inbox: assign, change status, note, reply by e-mail (the reply
//! is kept), and edit the routing rules. Audit entries carry references, topics, teams and states, never
//! what a person wrote.

use async_trait::async_trait;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

use super::ServiceError;
use super::accounts::{Mail, Mailer, fold_email, valid_email};
use super::jobs::{JobHandler, JobQueue};
use crate::clock::Clock;
use crate::domain::Role;
use crate::domain::contact::{
    CONSENT_VERSION, ContactInput, ContactMessage, ContactNote, ContactTopic, Disposal, DisposalAction, DisposalEntry,
    DisposalTarget, MAX_MESSAGE, MAX_TEAM, MessageFilter, MessageStatus, MessageUpdate, NewContactMessage, NewNote,
    NoteKind, RoutingRule,
};
use crate::domain::{Actor, Change, InputError, Lang, Page, Paged, UserId};
use crate::jobs::{Job, NewJob};
use crate::store::{AccountStore, ContactStore, ReferenceStore, Store, UnitOfWorkStore};

/// The job that mails a message's receipt.
pub const RECEIPT_JOB: &str = "contact_receipt";
/// The job that mails a staff reply.
pub const REPLY_JOB: &str = "contact_reply";

/// How the contact form behaves.
#[derive(Debug, Clone)]
pub struct ContactSettings {
    /// Messages accepted from one client within `window`.
    pub per_client: u32,
    pub window: Duration,
    /// Closed messages are anonymised this many months after they closed (`--contact-retention-months`).
    pub retention_months: u32,
}

impl Default for ContactSettings {
    fn default() -> Self {
        ContactSettings { per_client: 5, window: Duration::hours(1), retention_months: 24 }
    }
}

/// A message accepted: what the confirmation page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sent {
    pub reference: String,
    pub topic: ContactTopic,
    /// The team the topic was routed to.
    pub team: String,
}

#[derive(Clone)]
pub struct Contact {
    store: Arc<dyn ContactStore>,
    /// Member municipalities, to resolve the optional one a visitor names.
    reference: Arc<dyn ReferenceStore>,
    /// Users, to check that an assignee works the inbox.
    accounts: Arc<dyn AccountStore>,
    /// Where a message and its receipt, or a reply and its mail, land together.
    units: Arc<dyn UnitOfWorkStore>,
    clock: Arc<dyn Clock>,
    mailer: Arc<dyn Mailer>,
    jobs: JobQueue,
    settings: Arc<ContactSettings>,
}

/// A reference number: the year and eight characters of Crockford's base 32 (no I, L, O, U), random, so
/// references neither collide in practice nor tell how many messages the union gets.
pub fn new_reference(at: OffsetDateTime) -> Result<String, ServiceError> {
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| ServiceError::Internal(format!("no randomness: {e}")))?;
    let chars: String = bytes.iter().map(|b| ALPHABET[usize::from(b & 31)] as char).collect();
    Ok(format!("{}-{}-{}", at.year(), &chars[..4], &chars[4..]))
}

fn topic_label(lang: Lang, topic: ContactTopic) -> &'static str {
    match (lang, topic) {
        (Lang::Tr, ContactTopic::LocalDiplomacy) => "Yerel diplomasi",
        (Lang::Tr, ContactTopic::ProjectsFunding) => "Projeler ve finansman",
        (Lang::Tr, ContactTopic::Membership) => "Üyelik",
        (Lang::Tr, ContactTopic::Press) => "Basın",
        (Lang::Tr, ContactTopic::Other) => "Diğer",
        (Lang::En, ContactTopic::LocalDiplomacy) => "Local diplomacy",
        (Lang::En, ContactTopic::ProjectsFunding) => "Projects and funding",
        (Lang::En, ContactTopic::Membership) => "Membership",
        (Lang::En, ContactTopic::Press) => "Press",
        (Lang::En, ContactTopic::Other) => "Other",
    }
}

#[async_trait]
impl JobHandler for Contact {
    fn handles(&self, kind: &str) -> bool {
        kind == RECEIPT_JOB || kind == REPLY_JOB
    }

    async fn run(&self, job: &Job) -> Result<String, String> {
        let id = job.payload.get("message").and_then(serde_json::Value::as_i64).unwrap_or_default();
        let Some(message) = self.store.contact_message(id).await.map_err(|e| e.to_string())? else {
            return Ok("no_message".into());
        };
        if message.anonymised_at.is_some() {
            return Ok("anonymised".into());
        }
        let mail = if job.kind == RECEIPT_JOB {
            receipt(&message)
        } else {
            let note = job.payload.get("note").and_then(serde_json::Value::as_i64).unwrap_or_default();
            let notes = self.store.contact_notes(id).await.map_err(|e| e.to_string())?;
            let Some(reply) = notes.into_iter().find(|n| n.id == note && n.kind == NoteKind::Reply) else {
                return Ok("no_reply".into());
            };
            reply_mail(&message, &reply)
        };
        self.mailer.send(mail).await?;
        Ok("sent".into())
    }
}

/// The receipt: the reference and topic only. Nothing the visitor typed is repeated, so the form cannot be
/// used to send someone else a message in the union's name.
fn receipt(m: &ContactMessage) -> Mail {
    let topic = topic_label(m.lang, m.topic);
    let (subject, body) = match m.lang {
        Lang::Tr => (
            format!("Mesajınız alındı ({})", m.reference),
            format!(
                "Merhaba,\n\nİletişim formundan gönderdiğiniz mesaj alındı.\n\nBaşvuru numarası: {}\nKonu: {topic}\n\n\
                 Bu numarayla bize yazarak mesajınızı sorabilirsiniz. Bu mesajı siz göndermediyseniz bu e-postayı \
                 dikkate almayın.\n",
                m.reference
            ),
        ),
        Lang::En => (
            format!("Your message was received ({})", m.reference),
            format!(
                "Hello,\n\nThe message you sent through the contact form was received.\n\nReference number: {}\n\
                 Topic: {topic}\n\nQuote this number when you write to us about it. If you did not send this \
                 message, please ignore this e-mail.\n",
                m.reference
            ),
        ),
    };
    Mail { to: m.email.clone(), subject, body, invitation: None }
}

fn reply_mail(m: &ContactMessage, reply: &ContactNote) -> Mail {
    let subject = match m.lang {
        Lang::Tr => format!("Mesajınıza yanıt ({})", m.reference),
        Lang::En => format!("Reply to your message ({})", m.reference),
    };
    Mail { to: m.email.clone(), subject, body: format!("{}\n", reply.body.trim_end()), invitation: None }
}

impl Contact {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        mailer: Arc<dyn Mailer>,
        jobs: JobQueue,
        settings: ContactSettings,
    ) -> Self {
        Contact {
            store: store.clone(),
            reference: store.clone(),
            accounts: store.clone(),
            units: store,
            clock,
            mailer,
            jobs,
            settings: Arc::new(settings),
        }
    }

    pub fn settings(&self) -> &ContactSettings {
        &self.settings
    }

    /// Accepts a visitor's message (the web layer has already checked the honeypot and the time trap):
    /// every field is checked at once, the client's rate limit is counted in the same transaction as the
    /// insert, and the receipt mail is queued with it. `client_key` is a keyed hash of the client address.
    pub async fn send(
        &self,
        input: &ContactInput,
        lang: Lang,
        client_key: Option<&str>,
        actor: &Actor,
    ) -> Result<Sent, ServiceError> {
        let now = self.clock.now();
        let parsed = input.parse(valid_email);
        let slug = input.municipality.as_deref().map(str::trim).filter(|s| !s.is_empty());
        let municipality = match slug {
            None => None,
            Some(slug) => self.reference.municipality_by_slug(slug).await?.map(|m| m.id),
        };
        let mut errors = parsed.as_ref().err().cloned().unwrap_or_default();
        if slug.is_some() && municipality.is_none() {
            errors.add("municipality", "unknown_municipality");
        }
        let fields = match parsed {
            Ok(f) if errors.is_empty() => f,
            _ => return Err(errors.into()),
        };
        let new = NewContactMessage {
            reference: new_reference(now)?,
            created_at: now,
            lang,
            email_key: fold_email(&fields.email),
            fields,
            municipality,
            consent_version: CONSENT_VERSION.into(),
            client_key: client_key.map(str::to_owned),
        };
        let mut unit = self.units.begin().await?;
        if let Some(key) = client_key {
            let recent = unit.contact().contact_messages_from(key, now - self.settings.window).await?;
            if recent >= i64::from(self.settings.per_client) {
                return Err(ServiceError::RateLimited);
            }
        }
        let stored = unit.contact().insert_contact_message(&new).await?;
        unit.jobs()
            .enqueue(&NewJob {
                kind: RECEIPT_JOB,
                key: Some(stored.reference.clone()),
                client: None,
                payload: serde_json::json!({ "message": stored.id }),
                created_at: now,
                run_at: now,
            })
            .await?;
        let change = Change::new(actor, now, "create", "contact_message").record(stored.id).after(serde_json::json!({
            "reference": stored.reference,
            "topic": stored.topic.as_str(),
            "team": stored.team,
            "consent_version": stored.consent_version,
        }));
        unit.commit(&change).await?;
        self.jobs.wake();
        Ok(Sent { reference: stored.reference, topic: stored.topic, team: stored.team })
    }

    fn staff_reads(actor: &Actor) -> Result<(), ServiceError> {
        if actor.reads_everything() { Ok(()) } else { Err(ServiceError::Forbidden) }
    }

    fn staff_writes(actor: &Actor) -> Result<(), ServiceError> {
        if actor.edits_all_content() { Ok(()) } else { Err(ServiceError::Forbidden) }
    }

    /// The routing rules (admins, staff and auditors).
    pub async fn rules(&self, actor: &Actor) -> Result<Vec<RoutingRule>, ServiceError> {
        Self::staff_reads(actor)?;
        Ok(self.store.contact_rules().await?)
    }

    /// Routes `topic` to `team` (admins and staff).
    pub async fn set_rule(&self, actor: &Actor, topic: &str, team: &str) -> Result<(), ServiceError> {
        Self::staff_writes(actor)?;
        let mut errors = InputError::default();
        let topic = ContactTopic::parse(topic.trim());
        if topic.is_none() {
            errors.add("topic", "invalid_choice");
        }
        let team = team.trim();
        if team.is_empty() {
            errors.add("team", "required");
        } else if team.chars().count() > MAX_TEAM {
            errors.add("team", "too_long");
        }
        let Some(topic) = topic.filter(|_| errors.is_empty()) else { return Err(errors.into()) };
        let before = self.store.contact_rules().await?.into_iter().find(|r| r.topic == topic).map(|r| r.team);
        let change = Change::new(actor, self.clock.now(), "update", "contact_rule")
            .record(topic.as_str())
            .before(serde_json::json!({ "team": before }))
            .after(serde_json::json!({ "team": team }));
        Ok(self.store.set_contact_rule(topic, team, &change).await?)
    }

    /// The inbox (admins, staff and auditors).
    pub async fn inbox(&self, actor: &Actor, filter: &MessageFilter) -> Result<Paged<ContactMessage>, ServiceError> {
        Self::staff_reads(actor)?;
        Ok(self.store.contact_messages(filter).await?)
    }

    /// How many messages are open (admins, staff and auditors).
    pub async fn open_count(&self, actor: &Actor) -> Result<u64, ServiceError> {
        Self::staff_reads(actor)?;
        Ok(self.store.open_contact_messages().await?)
    }

    /// One message with its notes and replies (admins, staff and auditors).
    pub async fn message(&self, actor: &Actor, id: i64) -> Result<(ContactMessage, Vec<ContactNote>), ServiceError> {
        Self::staff_reads(actor)?;
        let message = self.store.contact_message(id).await?.ok_or(ServiceError::NotFound)?;
        let notes = self.store.contact_notes(id).await?;
        Ok((message, notes))
    }

    /// Sets a message's status and assignee (admins and staff). Assigning someone to a new message makes it
    /// assigned; the assignee must be an active admin or staff member.
    pub async fn update(
        &self,
        actor: &Actor,
        id: i64,
        status: Option<&str>,
        assignee: Option<UserId>,
    ) -> Result<ContactMessage, ServiceError> {
        Self::staff_writes(actor)?;
        let current = self.store.contact_message(id).await?.ok_or(ServiceError::NotFound)?;
        if current.anonymised_at.is_some() {
            return Err(ServiceError::Conflict("contact_message_anonymised".into()));
        }
        let status = match status.map(str::trim).filter(|s| !s.is_empty()) {
            None if current.status == MessageStatus::New && assignee.is_some() => MessageStatus::Assigned,
            None => current.status,
            Some(s) => MessageStatus::parse(s).ok_or_else(|| InputError::new("status", "invalid_choice"))?,
        };
        if status == MessageStatus::Assigned && assignee.is_none() {
            return Err(InputError::new("assignee", "assignee_required").into());
        }
        if let Some(user) = assignee {
            let works_inbox = self
                .accounts
                .user(user)
                .await?
                .is_some_and(|u| !u.user.disabled && matches!(u.user.role, Role::Admin | Role::Staff));
            if !works_inbox {
                return Err(InputError::new("assignee", "invalid_assignee").into());
            }
        }
        let now = self.clock.now();
        let update = MessageUpdate { status, assignee, at: now };
        let change = Change::new(actor, now, "update", "contact_message")
            .record(id)
            .before(serde_json::json!({ "status": current.status.as_str(), "assignee": current.assignee_id }))
            .after(serde_json::json!({ "status": status.as_str(), "assignee": assignee }));
        if !self.store.update_contact_message(id, &update, &change).await? {
            return Err(ServiceError::NotFound);
        }
        self.store.contact_message(id).await?.ok_or(ServiceError::NotFound)
    }

    fn note_body(body: &str) -> Result<String, ServiceError> {
        let body = body.trim().replace("\r\n", "\n");
        if body.is_empty() {
            return Err(InputError::new("body", "required").into());
        }
        if body.chars().count() > MAX_MESSAGE {
            return Err(InputError::new("body", "too_long").into());
        }
        Ok(body)
    }

    /// Adds an internal note (admins and staff).
    pub async fn note(&self, actor: &Actor, id: i64, body: &str) -> Result<i64, ServiceError> {
        Self::staff_writes(actor)?;
        let body = Self::note_body(body)?;
        if self.store.contact_message(id).await?.is_some_and(|m| m.anonymised_at.is_some()) {
            return Err(ServiceError::Conflict("contact_message_anonymised".into()));
        }
        let now = self.clock.now();
        let note = NewNote {
            message: id,
            at: now,
            author: actor.user,
            author_label: actor.label.clone(),
            kind: NoteKind::Note,
            body,
        };
        let change = Change::new(actor, now, "create", "contact_note").after(serde_json::json!({ "message": id }));
        self.store.add_contact_note(&note, &change).await.map_err(|e| match ServiceError::from(e) {
            ServiceError::Conflict(_) => ServiceError::NotFound,
            other => other,
        })
    }

    /// Replies by e-mail (admins and staff): the reply is kept with the message, which becomes answered, and
    /// its mail is queued in the same transaction.
    pub async fn reply(&self, actor: &Actor, id: i64, body: &str) -> Result<i64, ServiceError> {
        Self::staff_writes(actor)?;
        let body = Self::note_body(body)?;
        let message = self.store.contact_message(id).await?.ok_or(ServiceError::NotFound)?;
        if message.anonymised_at.is_some() || message.status == MessageStatus::Closed {
            return Err(ServiceError::Conflict("contact_message_closed".into()));
        }
        let now = self.clock.now();
        let note = NewNote {
            message: id,
            at: now,
            author: actor.user,
            author_label: actor.label.clone(),
            kind: NoteKind::Reply,
            body,
        };
        let mut unit = self.units.begin().await?;
        let note_id = unit.contact().insert_contact_note(&note).await?;
        unit.jobs()
            .enqueue(&NewJob {
                kind: REPLY_JOB,
                key: Some(message.reference.clone()),
                client: None,
                payload: serde_json::json!({ "message": id, "note": note_id }),
                created_at: now,
                run_at: now,
            })
            .await?;
        let change = Change::new(actor, now, "reply", "contact_message")
            .record(id)
            .before(serde_json::json!({ "status": message.status.as_str() }))
            .after(serde_json::json!({ "status": "answered", "note": note_id }));
        unit.commit(&change).await?;
        self.jobs.wake();
        Ok(note_id)
    }

    /// The retention job: anonymises the messages that closed more than the retention period
    /// (`--contact-retention-months`) ago, each logged in the disposal log. Every node may run it; the store
    /// disposes of each message once. Returns the references.
    pub async fn apply_retention(&self) -> Result<Vec<String>, ServiceError> {
        let now = self.clock.now();
        let months = self.settings.retention_months;
        let before = months_before(now, months);
        let actor = Actor::system("retention");
        let change = Change::new(&actor, now, "anonymise", "contact_disposal")
            .after(serde_json::json!({ "retention_months": months, "closed_before": format_ts(before) }));
        let disposal = Disposal {
            target: DisposalTarget::ClosedBefore(before),
            action: DisposalAction::Anonymised,
            actor: actor.label.clone(),
            at: now,
        };
        Ok(self.store.dispose_contact_messages(&disposal, &change).await?)
    }

    fn subject_key(email: &str) -> Result<String, ServiceError> {
        let email = email.trim();
        if email.is_empty() {
            return Err(InputError::new("email", "required").into());
        }
        if !valid_email(email) {
            return Err(InputError::new("email", "invalid_email").into());
        }
        Ok(fold_email(email))
    }

    /// Every message (with its notes and replies) stored from `email`, for a person's access request under
    /// KVKK art. 11 (admins and staff). The export itself is audited, naming the references, not the address.
    pub async fn export_subject(&self, actor: &Actor, email: &str) -> Result<SubjectExport, ServiceError> {
        Self::staff_writes(actor)?;
        let key = Self::subject_key(email)?;
        let mut messages = Vec::new();
        let mut page = Page::first(Page::MAX_SIZE);
        loop {
            let filter = MessageFilter { email_key: Some(key.clone()), page, ..MessageFilter::default() };
            let batch = self.store.contact_messages(&filter).await?;
            let last = batch.is_past_end() || page.number() >= batch.last_page();
            for message in batch.items {
                let notes = self.store.contact_notes(message.id).await?;
                messages.push(SubjectMessage { message, notes });
            }
            if last {
                break;
            }
            page = Page::parse(Some(i64::from(page.number()) + 1), Some(i64::from(Page::MAX_SIZE)))?;
        }
        messages.sort_by_key(|m| (m.message.created_at, m.message.id));
        let now = self.clock.now();
        let references: Vec<&str> = messages.iter().map(|m| m.message.reference.as_str()).collect();
        let change = Change::new(actor, now, "export", "contact_message")
            .after(serde_json::json!({ "request": "access", "messages": messages.len(), "references": references }));
        self.units.begin().await?.commit(&change).await?;
        Ok(SubjectExport { email: email.trim().to_owned(), exported_at: now, messages })
    }

    /// Erases what is stored from `email` on the person's request (admins and staff): every message from
    /// the address is anonymised (open ones closed), its notes and replies blanked, and each logged in the
    /// disposal log. Returns the references.
    pub async fn erase_subject(&self, actor: &Actor, email: &str) -> Result<Vec<String>, ServiceError> {
        Self::staff_writes(actor)?;
        let key = Self::subject_key(email)?;
        let now = self.clock.now();
        let change =
            Change::new(actor, now, "erase", "contact_disposal").after(serde_json::json!({ "request": "erasure" }));
        let disposal = Disposal {
            target: DisposalTarget::Sender(key),
            action: DisposalAction::Erased,
            actor: actor.label.clone(),
            at: now,
        };
        Ok(self.store.dispose_contact_messages(&disposal, &change).await?)
    }

    /// The disposal log, newest first (admins, staff and auditors).
    pub async fn disposals(&self, actor: &Actor, page: Page) -> Result<Paged<DisposalEntry>, ServiceError> {
        Self::staff_reads(actor)?;
        Ok(self.store.contact_disposals(page).await?)
    }
}

/// What an access request returns: everything stored from one address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SubjectExport {
    /// The address as asked for.
    pub email: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub exported_at: OffsetDateTime,
    /// Oldest first; anonymised messages are listed with their blanked fields.
    pub messages: Vec<SubjectMessage>,
}

/// A message with its notes and replies.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct SubjectMessage {
    pub message: ContactMessage,
    pub notes: Vec<ContactNote>,
}

/// `months` calendar months before `at` (the day clamped to the target month's length: 31 March minus one
/// month is 28 or 29 February).
pub fn months_before(at: OffsetDateTime, months: u32) -> OffsetDateTime {
    let total = at.year() * 12 + i32::from(u8::from(at.month())) - 1 - i32::try_from(months).unwrap_or(i32::MAX / 2);
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = time::Month::try_from(u8::try_from(month0 + 1).unwrap_or(1)).unwrap_or(time::Month::January);
    let day = at.day().min(month.length(year));
    match time::Date::from_calendar_date(year, month, day) {
        Ok(date) => at.replace_date(date),
        Err(_) => at,
    }
}

fn format_ts(at: OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_carry_the_year_and_no_ambiguous_letters() {
        let at = time::macros::datetime!(2026-12-02 10:00 UTC);
        let r = new_reference(at).unwrap();
        assert!(r.starts_with("2026-"), "{r}");
        assert_eq!(r.len(), "2026-XXXX-XXXX".len());
        assert!(!r.contains(['I', 'L', 'O', 'U']), "{r}");
        assert_ne!(r, new_reference(at).unwrap());
    }

    #[test]
    fn months_before_clamps_the_day_and_crosses_years() {
        use time::macros::datetime;
        assert_eq!(months_before(datetime!(2026-12-02 10:00 UTC), 24), datetime!(2024-12-02 10:00 UTC));
        assert_eq!(months_before(datetime!(2026-03-31 10:00 UTC), 1), datetime!(2026-02-28 10:00 UTC));
        assert_eq!(months_before(datetime!(2028-03-31 10:00 UTC), 1), datetime!(2028-02-29 10:00 UTC));
        assert_eq!(months_before(datetime!(2027-01-15 00:00 UTC), 13), datetime!(2025-12-15 00:00 UTC));
        assert_eq!(months_before(datetime!(2027-01-15 00:00 UTC), 0), datetime!(2027-01-15 00:00 UTC));
    }
}
