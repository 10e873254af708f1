//! Storage of the contact form's messages, the routing rules and the inbox's notes and replies. Every write
//! carries its audit entry; entries name references, topics, teams and states, never what a person wrote.

use async_trait::async_trait;
use time::OffsetDateTime;

use super::{
    ContactMessage, ContactNote, ContactTopic, Disposal, DisposalEntry, MessageFilter, MessageUpdate,
    NewContactMessage, NewNote, RoutingRule,
};
use crate::domain::{Change, Page, Paged};
use crate::store::StoreResult;

/// Persistence of the contact capability (see the module's documentation).
#[async_trait]
pub trait ContactStore: Send + Sync + 'static {
    /// Every topic's team, in the topics' order.
    async fn contact_rules(&self) -> StoreResult<Vec<RoutingRule>>;

    /// Routes `topic` to `team` from now on (messages already routed keep their team).
    async fn set_contact_rule(&self, topic: ContactTopic, team: &str, change: &Change) -> StoreResult<()>;

    async fn contact_message(&self, id: i64) -> StoreResult<Option<ContactMessage>>;

    /// The inbox: messages matching `filter`, oldest open first within a status, newest first otherwise.
    async fn contact_messages(&self, filter: &MessageFilter) -> StoreResult<Paged<ContactMessage>>;

    /// How many messages are not closed (the dashboard's count).
    async fn open_contact_messages(&self) -> StoreResult<u64>;

    /// Sets a message's status and assignee (`closed_at` set when it closes, cleared when it reopens).
    /// `false` if there is no such message.
    async fn update_contact_message(&self, id: i64, update: &MessageUpdate, change: &Change) -> StoreResult<bool>;

    /// Adds an internal note (or a reply already sent) to a message.
    async fn add_contact_note(&self, note: &NewNote, change: &Change) -> StoreResult<i64>;

    /// A message's notes and replies, oldest first.
    async fn contact_notes(&self, message: i64) -> StoreResult<Vec<ContactNote>>;

    /// Anonymises the messages `disposal` names that are not anonymised yet: the sender's name, address,
    /// organisation and text, the client key, and the text of every note and reply on them are blanked (the
    /// reference, topic, team, dates and consent version stay). Open messages are closed. One disposal-log
    /// row per message and the audit entry `change` (its `after` gets the references) are written in the
    /// same transaction; nothing is written when no message matches. Two nodes disposing at once never
    /// dispose of, or log, a message twice. Returns the references, oldest message first.
    async fn dispose_contact_messages(&self, disposal: &Disposal, change: &Change) -> StoreResult<Vec<String>>;

    /// The disposal log, newest first.
    async fn contact_disposals(&self, page: Page) -> StoreResult<Paged<DisposalEntry>>;
}

/// The contact capability's writes inside a [`crate::store::UnitOfWork`]: a message and its receipt mail, a
/// reply and its mail, land together.
#[async_trait]
pub trait ContactWrites: Send {
    /// Messages sent from `client_key` since `since` (the per-client rate limit, counted in the unit's
    /// transaction, which on SQLite holds the write lock and on PostgreSQL an advisory lock per client).
    async fn contact_messages_from(&mut self, client_key: &str, since: OffsetDateTime) -> StoreResult<i64>;

    /// Stores a message, routed to its topic's team by the rules as they stand.
    async fn insert_contact_message(&mut self, message: &NewContactMessage) -> StoreResult<ContactMessage>;

    /// Adds a note or reply and, for a reply, marks the message answered.
    async fn insert_contact_note(&mut self, note: &NewNote) -> StoreResult<i64>;
}
