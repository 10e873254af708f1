//! The contact form's messages, the inbox's notes and replies, and the routing rules ([`ContactStore`],
//! [`ContactWrites`]).

use async_trait::async_trait;
use time::OffsetDateTime;

use ldp_core::domain::contact::{
    ContactMessage, ContactNote, ContactTopic, Disposal, DisposalAction, DisposalEntry, DisposalTarget, MessageFilter,
    MessageStatus, MessageUpdate, NewContactMessage, NewNote, NoteKind, RoutingRule,
};
use ldp_core::domain::{Change, Lang, MunicipalityId, Page, Paged, UserId};
use ldp_core::store::{ContactStore, ContactWrites, StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;
use crate::ts::Ts;
use crate::unit_of_work::{SqlUnit, Tx, on_unit};

const MESSAGE_COLUMNS: &str = "id, reference, created_at, lang, name, email, organisation, municipality_id, topic, \
    team, body, consent_version, status, assignee_id, closed_at, anonymised_at";

#[derive(sqlx::FromRow)]
struct MessageRow {
    id: i64,
    reference: String,
    created_at: OffsetDateTime,
    lang: String,
    name: String,
    email: String,
    organisation: String,
    municipality_id: Option<i64>,
    topic: String,
    team: String,
    body: String,
    consent_version: String,
    status: String,
    assignee_id: Option<i64>,
    closed_at: Option<OffsetDateTime>,
    anonymised_at: Option<OffsetDateTime>,
}

impl TryFrom<MessageRow> for ContactMessage {
    type Error = StoreError;

    fn try_from(r: MessageRow) -> StoreResult<ContactMessage> {
        Ok(ContactMessage {
            id: r.id,
            reference: r.reference,
            created_at: r.created_at,
            lang: Lang::parse(&r.lang).ok_or_else(|| corrupt(format!("contact_message.lang {}", r.lang)))?,
            name: r.name,
            email: r.email,
            organisation: r.organisation,
            municipality_id: r.municipality_id.map(MunicipalityId),
            topic: ContactTopic::parse(&r.topic)
                .ok_or_else(|| corrupt(format!("contact_message.topic {}", r.topic)))?,
            team: r.team,
            body: r.body,
            consent_version: r.consent_version,
            status: MessageStatus::parse(&r.status)
                .ok_or_else(|| corrupt(format!("contact_message.status {}", r.status)))?,
            assignee_id: r.assignee_id.map(UserId),
            closed_at: r.closed_at,
            anonymised_at: r.anonymised_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct NoteRow {
    id: i64,
    message_id: i64,
    at: OffsetDateTime,
    author_id: Option<i64>,
    author_label: String,
    kind: String,
    body: String,
}

impl TryFrom<NoteRow> for ContactNote {
    type Error = StoreError;

    fn try_from(r: NoteRow) -> StoreResult<ContactNote> {
        Ok(ContactNote {
            id: r.id,
            message_id: r.message_id,
            at: r.at,
            author_id: r.author_id.map(UserId),
            author_label: r.author_label,
            kind: NoteKind::parse(&r.kind).ok_or_else(|| corrupt(format!("contact_note.kind {}", r.kind)))?,
            body: r.body,
        })
    }
}

/// Adds a note on `$conn` (inside the caller's transaction); a reply also marks the message answered.
macro_rules! insert_note {
    ($conn:expr, $note:expr) => {{
        let n: &NewNote = $note;
        let id = sqlx::query_scalar::<Db, i64>(
            "INSERT INTO contact_note (message_id, at, author_id, author_label, kind, body) \
             SELECT id, $2, $3, $4, $5, $6 FROM contact_message WHERE id = $1 RETURNING id",
        )
        .bind(n.message)
        .bind(Ts(n.at))
        .bind(n.author.map(|u| u.0))
        .bind(&n.author_label)
        .bind(n.kind.as_str())
        .bind(&n.body)
        .fetch_optional(&mut *$conn)
        .await
        .map_err(db)?;
        let Some(id) = id else { return Err(StoreError::Conflict("contact_message_not_found".into())) };
        if n.kind == NoteKind::Reply {
            sqlx::query::<Db>("UPDATE contact_message SET status = 'answered' WHERE id = $1 AND status <> 'closed'")
                .bind(n.message)
                .execute(&mut *$conn)
                .await
                .map_err(db)?;
        }
        id
    }};
}

/// Appends the filter's conditions to a query that already has a `WHERE`.
macro_rules! push_filter {
    ($qb:expr, $f:expr) => {{
        let f: &MessageFilter = $f;
        if let Some(s) = f.status {
            $qb.push(" AND status = ").push_bind(s.as_str());
        } else if f.open_only {
            $qb.push(" AND status <> 'closed'");
        }
        if let Some(t) = f.topic {
            $qb.push(" AND topic = ").push_bind(t.as_str());
        }
        if let Some(t) = &f.team {
            $qb.push(" AND team = ").push_bind(t.clone());
        }
        if let Some(a) = f.assignee {
            $qb.push(" AND assignee_id = ").push_bind(a.0);
        }
        if let Some(e) = &f.email_key {
            $qb.push(" AND email_key = ").push_bind(e.clone());
        }
    }};
}

#[derive(sqlx::FromRow)]
struct DisposedRow {
    id: i64,
    reference: String,
    created_at: OffsetDateTime,
    closed_at: Option<OffsetDateTime>,
}

#[derive(sqlx::FromRow)]
struct DisposalRow {
    id: i64,
    at: OffsetDateTime,
    reference: String,
    action: String,
    actor: String,
    received_at: OffsetDateTime,
    closed_at: Option<OffsetDateTime>,
}

impl TryFrom<DisposalRow> for DisposalEntry {
    type Error = StoreError;

    fn try_from(r: DisposalRow) -> StoreResult<DisposalEntry> {
        Ok(DisposalEntry {
            id: r.id,
            at: r.at,
            reference: r.reference,
            action: DisposalAction::parse(&r.action)
                .ok_or_else(|| corrupt(format!("contact_disposal.action {}", r.action)))?,
            actor: r.actor,
            received_at: r.received_at,
            closed_at: r.closed_at,
        })
    }
}

#[async_trait]
impl ContactStore for SqlStore {
    async fn contact_rules(&self) -> StoreResult<Vec<RoutingRule>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, (String, String)>("SELECT topic, team FROM contact_rule")
                .fetch_all(pool).await.map_err(db)?
        });
        let mut rules = Vec::with_capacity(rows.len());
        for (topic, team) in rows {
            let topic = ContactTopic::parse(&topic).ok_or_else(|| corrupt(format!("contact_rule.topic {topic}")))?;
            rules.push(RoutingRule { topic, team });
        }
        rules.sort_by_key(|r| ContactTopic::ALL.iter().position(|t| *t == r.topic));
        Ok(rules)
    }

    async fn set_contact_rule(&self, topic: ContactTopic, team: &str, change: &Change) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            sqlx::query::<Db>(
                "INSERT INTO contact_rule (topic, team) VALUES ($1, $2) \
                 ON CONFLICT (topic) DO UPDATE SET team = excluded.team",
            )
            .bind(topic.as_str()).bind(team).execute(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }

    async fn contact_message(&self, id: i64) -> StoreResult<Option<ContactMessage>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, MessageRow>(static_sql!("SELECT {MESSAGE_COLUMNS} FROM contact_message WHERE id = $1"))
                .bind(id).fetch_optional(pool).await.map_err(db)?
        });
        row.map(ContactMessage::try_from).transpose()
    }

    async fn contact_messages(&self, filter: &MessageFilter) -> StoreResult<Paged<ContactMessage>> {
        let (rows, total) = dispatch!(&self.pools, pool => {
            let mut qb = sqlx::QueryBuilder::<Db>::new(format!("SELECT {MESSAGE_COLUMNS} FROM contact_message WHERE 1 = 1"));
            push_filter!(qb, filter);
            qb.push(" ORDER BY created_at DESC, id DESC LIMIT ").push_bind(i64::from(filter.page.size()));
            qb.push(" OFFSET ").push_bind(filter.page.offset());
            let rows = qb.build_query_as::<MessageRow>().fetch_all(pool).await.map_err(db)?;
            let mut count = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*) FROM contact_message WHERE 1 = 1");
            push_filter!(count, filter);
            let total: i64 = count.build_query_scalar::<i64>().fetch_one(pool).await.map_err(db)?;
            (rows, total)
        });
        let items = rows.into_iter().map(ContactMessage::try_from).collect::<StoreResult<Vec<_>>>()?;
        Ok(Paged::new(items, filter.page, u64::try_from(total).unwrap_or(0)))
    }

    async fn open_contact_messages(&self) -> StoreResult<u64> {
        let n: i64 = dispatch!(&self.pools, pool => {
            sqlx::query_scalar::<Db, i64>("SELECT COUNT(*) FROM contact_message WHERE status <> 'closed'")
                .fetch_one(pool).await.map_err(db)?
        });
        Ok(u64::try_from(n).unwrap_or(0))
    }

    async fn update_contact_message(&self, id: i64, u: &MessageUpdate, change: &Change) -> StoreResult<bool> {
        let closed_at = (u.status == MessageStatus::Closed).then_some(Ts(u.at));
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE contact_message SET status = $1, assignee_id = $2, \
                 closed_at = CASE WHEN $1 = 'closed' THEN COALESCE(closed_at, $3) ELSE NULL END WHERE id = $4",
            )
            .bind(u.status.as_str()).bind(u.assignee.map(|a| a.0)).bind(closed_at).bind(id)
            .execute(&mut *tx).await.map_err(db)?.rows_affected();
            if done != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }

    async fn add_contact_note(&self, note: &NewNote, change: &Change) -> StoreResult<i64> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let conn = &mut *tx;
            let id = insert_note!(conn, note);
            write_audit!(&mut *tx, change, Some(id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(id)
        })
    }

    async fn contact_notes(&self, message: i64) -> StoreResult<Vec<ContactNote>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, NoteRow>(
                "SELECT id, message_id, at, author_id, author_label, kind, body FROM contact_note \
                 WHERE message_id = $1 ORDER BY id",
            )
            .bind(message).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(ContactNote::try_from).collect()
    }

    async fn dispose_contact_messages(&self, d: &Disposal, change: &Change) -> StoreResult<Vec<String>> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            // One statement picks and blanks the messages, so on PostgreSQL a second node's statement waits
            // for the row locks and then finds them anonymised (its `WHERE` is checked again).
            let mut qb = sqlx::QueryBuilder::<Db>::new(
                "UPDATE contact_message SET name = '', email = '', email_key = '', organisation = '', body = '', \
                 client_key = NULL, status = 'closed', closed_at = COALESCE(closed_at, ",
            );
            qb.push_bind(Ts(d.at)).push("), anonymised_at = ").push_bind(Ts(d.at));
            qb.push(" WHERE anonymised_at IS NULL AND ");
            match &d.target {
                DisposalTarget::ClosedBefore(before) => {
                    qb.push("status = 'closed' AND closed_at < ").push_bind(Ts(*before));
                }
                DisposalTarget::Sender(key) => {
                    qb.push("email_key = ").push_bind(key.clone());
                }
            }
            qb.push(" RETURNING id, reference, created_at, closed_at");
            let mut rows = qb.build_query_as::<DisposedRow>().fetch_all(&mut *tx).await.map_err(db)?;
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            rows.sort_by_key(|r| (r.created_at, r.id));
            for r in &rows {
                sqlx::query::<Db>("UPDATE contact_note SET body = '' WHERE message_id = $1")
                    .bind(r.id).execute(&mut *tx).await.map_err(db)?;
                sqlx::query::<Db>(
                    "INSERT INTO contact_disposal (at, reference, action, actor, received_at, closed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(Ts(d.at)).bind(&r.reference).bind(d.action.as_str()).bind(&d.actor)
                .bind(Ts(r.created_at)).bind(r.closed_at.map(Ts))
                .execute(&mut *tx).await.map_err(db)?;
            }
            let references: Vec<String> = rows.into_iter().map(|r| r.reference).collect();
            let mut change = change.clone();
            let mut after = change.after.take().unwrap_or_else(|| serde_json::json!({}));
            if let Some(map) = after.as_object_mut() {
                map.insert("references".into(), serde_json::json!(references));
            }
            change.after = Some(after);
            write_audit!(&mut *tx, &change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(references)
        })
    }

    async fn contact_disposals(&self, page: Page) -> StoreResult<Paged<DisposalEntry>> {
        let (rows, total) = dispatch!(&self.pools, pool => {
            let rows = sqlx::query_as::<Db, DisposalRow>(
                "SELECT id, at, reference, action, actor, received_at, closed_at FROM contact_disposal \
                 ORDER BY at DESC, id DESC LIMIT $1 OFFSET $2",
            )
            .bind(i64::from(page.size())).bind(page.offset())
            .fetch_all(pool).await.map_err(db)?;
            let total: i64 = sqlx::query_scalar::<Db, i64>("SELECT COUNT(*) FROM contact_disposal")
                .fetch_one(pool).await.map_err(db)?;
            (rows, total)
        });
        let items = rows.into_iter().map(DisposalEntry::try_from).collect::<StoreResult<Vec<_>>>()?;
        Ok(Paged::new(items, page, u64::try_from(total).unwrap_or(0)))
    }
}

#[async_trait]
impl ContactWrites for SqlUnit {
    async fn contact_messages_from(&mut self, client_key: &str, since: OffsetDateTime) -> StoreResult<i64> {
        if let Tx::Postgres(tx) = &mut self.tx {
            // Serialises the count-then-insert per client across nodes (SQLite's write lock already does).
            sqlx::query::<sqlx::Postgres>("SELECT pg_advisory_xact_lock(hashtextextended('contact:' || $1, 0))")
                .bind(client_key)
                .execute(&mut **tx)
                .await
                .map_err(db)?;
        }
        Ok(on_unit!(self, conn => {
            sqlx::query_scalar::<Db, i64>(
                "SELECT COUNT(*) FROM contact_message WHERE client_key = $1 AND created_at >= $2",
            )
            .bind(client_key).bind(Ts(since)).fetch_one(&mut *conn).await.map_err(db)?
        }))
    }

    async fn insert_contact_message(&mut self, m: &NewContactMessage) -> StoreResult<ContactMessage> {
        let row = on_unit!(self, conn => {
            sqlx::query_as::<Db, MessageRow>(static_sql!(
                "INSERT INTO contact_message (reference, created_at, lang, name, email, email_key, organisation, \
                 municipality_id, topic, team, body, consent_version, client_key, status) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, COALESCE((SELECT team FROM contact_rule WHERE topic = $9), \
                 'secretariat'), $10, $11, $12, 'new' RETURNING {MESSAGE_COLUMNS}"
            ))
            .bind(&m.reference).bind(Ts(m.created_at)).bind(m.lang.code()).bind(&m.fields.name)
            .bind(&m.fields.email).bind(&m.email_key).bind(&m.fields.organisation).bind(m.municipality.map(|x| x.0))
            .bind(m.fields.topic.as_str()).bind(&m.fields.body).bind(&m.consent_version).bind(m.client_key.as_deref())
            .fetch_one(&mut *conn).await.map_err(db)?
        });
        ContactMessage::try_from(row)
    }

    async fn insert_contact_note(&mut self, note: &NewNote) -> StoreResult<i64> {
        Ok(on_unit!(self, conn => insert_note!(conn, note)))
    }
}
