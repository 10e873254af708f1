//! The contact form and its routed inbox: what a visitor sends (parsed here, every bad field reported at
//! once), the topics and the teams they are routed to, and where staff are with a message.

mod store;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use super::{InputError, Lang, MunicipalityId, UserId};

pub use store::{ContactStore, ContactWrites};

/// The version of the clarification text (KVKK aydınlatma metni) the form shows. Change it whenever the
/// text in `locales/*/main.ftl` (`contact-kvkk-*`) changes: each message keeps the version consented to.
pub const CONSENT_VERSION: &str = "2026-12-02";

/// What a message is about; each topic is routed to a team by a [`RoutingRule`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ContactTopic {
    LocalDiplomacy,
    ProjectsFunding,
    Membership,
    Press,
    Other,
}

impl ContactTopic {
    pub const ALL: [ContactTopic; 5] = [
        ContactTopic::LocalDiplomacy,
        ContactTopic::ProjectsFunding,
        ContactTopic::Membership,
        ContactTopic::Press,
        ContactTopic::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactTopic::LocalDiplomacy => "local_diplomacy",
            ContactTopic::ProjectsFunding => "projects_funding",
            ContactTopic::Membership => "membership",
            ContactTopic::Press => "press",
            ContactTopic::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<ContactTopic> {
        ContactTopic::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Where staff are with a message: new → assigned → answered → closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MessageStatus {
    New,
    Assigned,
    Answered,
    Closed,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 4] =
        [MessageStatus::New, MessageStatus::Assigned, MessageStatus::Answered, MessageStatus::Closed];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::New => "new",
            MessageStatus::Assigned => "assigned",
            MessageStatus::Answered => "answered",
            MessageStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<MessageStatus> {
        MessageStatus::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// Open messages still need someone's attention.
    pub fn is_open(self) -> bool {
        self != MessageStatus::Closed
    }
}

/// A topic's team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RoutingRule {
    pub topic: ContactTopic,
    pub team: String,
}

/// The longest name, organisation and team; the longest message; the most links a message may carry.
pub const MAX_NAME: usize = 200;
pub const MAX_MESSAGE: usize = 5000;
pub const MAX_TEAM: usize = 100;
pub const MAX_LINKS: usize = 2;

/// What the form and the API send, raw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
pub struct ContactInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub organisation: Option<String>,
    /// A member municipality's slug (optional).
    pub municipality: Option<String>,
    /// `local_diplomacy`, `projects_funding`, `membership`, `press` or `other`.
    pub topic: Option<String>,
    pub message: Option<String>,
    /// The explicit consent to the clarification text: `yes` (a ticked box), never assumed.
    pub consent: Option<String>,
}

/// A message's fields, parsed (the municipality is resolved by the service).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactFields {
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub topic: ContactTopic,
    pub body: String,
}

/// How many web addresses `text` carries (`http://`, `https://`, `www.`), the spam filter's link counter.
pub fn count_links(text: &str) -> usize {
    let lower = text.to_lowercase();
    lower.matches("http://").count() + lower.matches("https://").count() + lower.matches("www.").count()
        - lower.matches("://www.").count()
}

impl ContactInput {
    /// Parses every field, reporting each bad one (the municipality's slug is resolved by the service).
    pub fn parse(&self, valid_email: impl Fn(&str) -> bool) -> Result<ContactFields, InputError> {
        let mut errors = InputError::default();
        let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or("").to_owned();
        let name = text(&self.name);
        if name.is_empty() {
            errors.add("name", "required");
        } else if name.chars().count() > MAX_NAME {
            errors.add("name", "too_long");
        }
        let email = text(&self.email);
        if email.is_empty() {
            errors.add("email", "required");
        } else if !valid_email(&email) {
            errors.add("email", "invalid_email");
        }
        let organisation = text(&self.organisation);
        if organisation.chars().count() > MAX_NAME {
            errors.add("organisation", "too_long");
        }
        let topic = match text(&self.topic).as_str() {
            "" => {
                errors.add("topic", "required");
                None
            }
            t => {
                let parsed = ContactTopic::parse(t);
                if parsed.is_none() {
                    errors.add("topic", "invalid_choice");
                }
                parsed
            }
        };
        let body = self.message.as_deref().map(str::trim).unwrap_or("").replace("\r\n", "\n");
        if body.is_empty() {
            errors.add("message", "required");
        } else if body.chars().count() > MAX_MESSAGE {
            errors.add("message", "too_long");
        } else if count_links(&body) > MAX_LINKS {
            errors.add("message", "too_many_links");
        }
        if !matches!(self.consent.as_deref().map(str::trim), Some("yes" | "on" | "true")) {
            errors.add("consent", "consent_required");
        }
        match topic {
            Some(topic) if errors.is_empty() => Ok(ContactFields { name, email, organisation, topic, body }),
            _ => Err(errors),
        }
    }
}

/// A message to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContactMessage {
    pub reference: String,
    pub created_at: OffsetDateTime,
    pub lang: Lang,
    pub fields: ContactFields,
    /// The folded address.
    pub email_key: String,
    pub municipality: Option<MunicipalityId>,
    pub consent_version: String,
    /// A keyed hash of the client address, for the rate limit.
    pub client_key: Option<String>,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ContactMessage {
    pub id: i64,
    /// What the visitor is told and quotes (`2026-K7M2-9QXD`).
    pub reference: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    pub lang: Lang,
    pub name: String,
    pub email: String,
    pub organisation: String,
    pub municipality_id: Option<MunicipalityId>,
    pub topic: ContactTopic,
    pub team: String,
    pub body: String,
    pub consent_version: String,
    pub status: MessageStatus,
    pub assignee_id: Option<UserId>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub anonymised_at: Option<OffsetDateTime>,
}

/// Which messages the inbox lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageFilter {
    pub status: Option<MessageStatus>,
    /// Only messages that are not closed (ignored when `status` is given).
    pub open_only: bool,
    pub topic: Option<ContactTopic>,
    pub team: Option<String>,
    pub assignee: Option<UserId>,
    /// The folded address (export and erasure on request).
    pub email_key: Option<String>,
    pub page: super::Page,
}

/// A message's new status and assignee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageUpdate {
    pub status: MessageStatus,
    pub assignee: Option<UserId>,
    pub at: OffsetDateTime,
}

/// What kind of entry a note is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    /// Seen by staff only.
    Note,
    /// Mailed to the sender and kept.
    Reply,
}

impl NoteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NoteKind::Note => "note",
            NoteKind::Reply => "reply",
        }
    }

    pub fn parse(s: &str) -> Option<NoteKind> {
        match s {
            "note" => Some(NoteKind::Note),
            "reply" => Some(NoteKind::Reply),
            _ => None,
        }
    }
}

/// A note or reply to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNote {
    pub message: i64,
    pub at: OffsetDateTime,
    pub author: Option<UserId>,
    pub author_label: String,
    pub kind: NoteKind,
    pub body: String,
}

/// A stored note or reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ContactNote {
    pub id: i64,
    pub message_id: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub author_id: Option<UserId>,
    pub author_label: String,
    pub kind: NoteKind,
    pub body: String,
}

/// What disposes of messages: the retention period running out after they closed, or a person's request to
/// erase what is stored about their address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisposalTarget {
    /// Closed messages that closed before this instant and are not anonymised yet.
    ClosedBefore(OffsetDateTime),
    /// Every message sent from this folded address, open or closed (open ones are closed by the erasure).
    Sender(String),
}

/// Why a message was disposed of, as the disposal log says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DisposalAction {
    /// The retention period after closing ran out.
    Anonymised,
    /// The person asked for erasure.
    Erased,
}

impl DisposalAction {
    pub fn as_str(self) -> &'static str {
        match self {
            DisposalAction::Anonymised => "anonymised",
            DisposalAction::Erased => "erased",
        }
    }

    pub fn parse(s: &str) -> Option<DisposalAction> {
        match s {
            "anonymised" => Some(DisposalAction::Anonymised),
            "erased" => Some(DisposalAction::Erased),
            _ => None,
        }
    }
}

/// A disposal to carry out: which messages, how it is logged, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Disposal {
    pub target: DisposalTarget,
    pub action: DisposalAction,
    /// `system:retention`, or the staff member's label.
    pub actor: String,
    pub at: OffsetDateTime,
}

/// A row of the disposal log: which message, what was done, by whom and when. It holds no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DisposalEntry {
    pub id: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub reference: String,
    pub action: DisposalAction,
    pub actor: String,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub received_at: OffsetDateTime,
    #[schema(value_type = Option<String>, format = DateTime)]
    #[serde(with = "time::serde::rfc3339::option")]
    pub closed_at: Option<OffsetDateTime>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> ContactInput {
        ContactInput {
            name: Some(" Ayşe Yılmaz ".into()),
            email: Some("ayse@example.org".into()),
            organisation: Some("".into()),
            municipality: None,
            topic: Some("press".into()),
            message: Some("Merhaba".into()),
            consent: Some("yes".into()),
        }
    }

    #[test]
    fn a_good_message_parses_trimmed() {
        let f = input().parse(|e| e.contains('@')).unwrap();
        assert_eq!((f.name.as_str(), f.topic), ("Ayşe Yılmaz", ContactTopic::Press));
    }

    #[test]
    fn every_bad_field_is_reported_and_consent_is_never_assumed() {
        let bad = ContactInput { consent: None, topic: Some("x".into()), email: Some("no".into()), ..input() };
        let e = bad.parse(|e| e.contains('@')).unwrap_err();
        assert_eq!(e.fields.get("consent").map(String::as_str), Some("consent_required"));
        assert_eq!(e.fields.get("topic").map(String::as_str), Some("invalid_choice"));
        assert_eq!(e.fields.get("email").map(String::as_str), Some("invalid_email"));
    }

    #[test]
    fn links_are_counted_once_each() {
        assert_eq!(count_links("see https://www.a.tr and www.b.tr and http://c.tr"), 3);
        assert_eq!(count_links("no links here"), 0);
        let spam = ContactInput { message: Some("https://a.tr https://b.tr https://c.tr".into()), ..input() };
        let e = spam.parse(|_| true).unwrap_err();
        assert_eq!(e.fields.get("message").map(String::as_str), Some("too_many_links"));
    }
}
