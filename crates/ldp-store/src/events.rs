//! Events (trainings, meetings, delegations), their sessions and registrations. Registration counts and
//! inserts under the event row's lock in one writing transaction (PostgreSQL `SELECT … FOR UPDATE`, SQLite's
//! single writer through `BEGIN IMMEDIATE`), so capacity is exact however many register at once.

use async_trait::async_trait;
use std::collections::HashMap;
use time::OffsetDateTime;

use ldp_core::domain::{
    Attendee, Audience, Change, Consent, Event, EventFields, EventFilter, EventId, EventKind, EventSession,
    EventStatus, EventStore, EventTopic, EventWrites, Lang, Localized, MunicipalityId, NetworkId, NewRegistration,
    Page, Paged, PublicRegistration, Registration, RegistrationId, RegistrationLinkPurpose, RegistrationStatus, UserId,
};
use ldp_core::store::{StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{Pools, db, dispatch, static_sql};
use crate::rows::corrupt;
use crate::ts::Ts;
use crate::unit_of_work::{SqlUnit, on_unit};

#[derive(sqlx::FromRow)]
struct EventRow {
    id: i64,
    kind: String,
    status: String,
    title_tr: String,
    title_en: String,
    summary_tr: String,
    summary_en: String,
    body_tr: String,
    body_en: String,
    topics: String,
    sdgs: String,
    networks: String,
    languages: String,
    host_municipality_id: Option<i64>,
    partnership_id: Option<i64>,
    venue: String,
    city_id: Option<i64>,
    online_url: String,
    speakers: String,
    organiser: String,
    audience: String,
    capacity: Option<i64>,
    quota: Option<i64>,
    registration_opens: Option<OffsetDateTime>,
    registration_closes: Option<OffsetDateTime>,
    sequence: i64,
    proposed_by: Option<i64>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    seats_taken: i64,
    moderated: bool,
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    event_id: i64,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
}

#[derive(sqlx::FromRow)]
pub(crate) struct RegistrationRow {
    id: i64,
    event_id: i64,
    code: String,
    registered_by: Option<i64>,
    municipality_id: Option<i64>,
    attendees: String,
    status: String,
    created_at: OffsetDateTime,
    offer_expires_at: Option<OffsetDateTime>,
    consent_at: Option<OffsetDateTime>,
    consent_version: Option<String>,
    confirm_by: Option<OffsetDateTime>,
}

impl RegistrationRow {
    pub(crate) fn into_domain(self) -> StoreResult<Registration> {
        let attendees: Vec<Attendee> = serde_json::from_str(&self.attendees)
            .map_err(|e| corrupt(format_args!("event_registration.attendees {}: {e}", self.id)))?;
        Ok(Registration {
            id: RegistrationId(self.id),
            event: EventId(self.event_id),
            code: self.code,
            registered_by: self.registered_by.map(UserId),
            municipality: self.municipality_id.map(MunicipalityId),
            attendees,
            status: RegistrationStatus::parse(&self.status)
                .ok_or_else(|| corrupt(format_args!("event_registration.status {}", self.status)))?,
            created_at: self.created_at,
            offer_expires_at: self.offer_expires_at,
            consent: match (self.consent_at, self.consent_version) {
                (Some(at), Some(notice_version)) => Some(Consent { at, notice_version }),
                _ => None,
            },
            confirm_by: self.confirm_by,
        })
    }
}

/// `,a,b,` from a list, so `LIKE '%,a,%'` finds an element.
fn joined<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    let parts: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    if parts.is_empty() { String::new() } else { format!(",{},", parts.join(",")) }
}

fn split<T>(text: &str, what: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<Vec<T>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| parse(s).ok_or_else(|| corrupt(format_args!("event.{what} {s}"))))
        .collect()
}

impl EventRow {
    fn into_domain(self, sessions: Vec<EventSession>) -> StoreResult<Event> {
        let kind = EventKind::parse(&self.kind).ok_or_else(|| corrupt(format_args!("event.kind {}", self.kind)))?;
        let status =
            EventStatus::parse(&self.status).ok_or_else(|| corrupt(format_args!("event.status {}", self.status)))?;
        let audience =
            Audience::parse(&self.audience).ok_or_else(|| corrupt(format_args!("event.audience {}", self.audience)))?;
        Ok(Event {
            id: EventId(self.id),
            fields: EventFields {
                kind,
                title: Localized::new(self.title_tr, self.title_en),
                summary: Localized::new(self.summary_tr, self.summary_en),
                body: Localized::new(self.body_tr, self.body_en),
                topics: split(&self.topics, "topics", EventTopic::parse)?,
                sdgs: split(&self.sdgs, "sdgs", |s| s.parse::<u8>().ok())?,
                networks: split(&self.networks, "networks", |s| s.parse::<i64>().ok().map(NetworkId))?,
                host: self.host_municipality_id.map(MunicipalityId),
                partnership: self.partnership_id,
                venue: self.venue,
                city: self.city_id,
                online_url: self.online_url,
                sessions,
                languages: split(&self.languages, "languages", Lang::parse)?,
                speakers: self.speakers,
                organiser: self.organiser,
                audience,
                capacity: self.capacity.map(|c| c as u32),
                registration_opens: self.registration_opens,
                registration_closes: self.registration_closes,
                quota_per_municipality: self.quota.map(|q| q as u32),
                moderated: self.moderated,
            },
            status,
            proposed_by: self.proposed_by.map(UserId),
            sequence: self.sequence,
            seats_taken: self.seats_taken,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const EVENT_COLUMNS: &str = "e.id, e.kind, e.status, e.title_tr, e.title_en, e.summary_tr, e.summary_en, e.body_tr, \
    e.body_en, e.topics, e.sdgs, e.networks, e.languages, e.host_municipality_id, e.partnership_id, e.venue, \
    e.city_id, e.online_url, e.speakers, e.organiser, e.audience, e.capacity, e.quota, e.registration_opens, \
    e.registration_closes, e.sequence, e.proposed_by, e.created_at, e.updated_at, \
    CAST(COALESCE((SELECT SUM(r.seats) FROM event_registration r WHERE r.event_id = e.id \
    AND r.status IN ('confirmed', 'offered', 'pending')), 0) AS BIGINT) AS seats_taken, e.moderated";

pub(crate) const REGISTRATION_COLUMNS: &str = "id, event_id, code, registered_by, municipality_id, attendees, status, \
    created_at, offer_expires_at, consent_at, consent_version, confirm_by FROM event_registration";

/// The seats held at an event: what counts against its capacity.
pub(crate) const SEATS_HELD: &str = "SELECT CAST(COALESCE(SUM(seats), 0) AS BIGINT) FROM event_registration \
    WHERE event_id = $1 AND status IN ('confirmed', 'offered', 'pending')";

/// An event's registrations in the line's order: by place in the line, those without one (unconfirmed) last.
pub(crate) const LINE_ORDER: &str = " ORDER BY CASE WHEN line IS NULL THEN 1 ELSE 0 END, line, id";

/// Appends the filter's conditions (after `WHERE 1 = 1`) to the query builder `$qb`, inside a `dispatch!` body.
macro_rules! push_filter {
    ($qb:ident, $f:expr) => {{
        let f: &EventFilter = $f;
        if !f.statuses.is_empty() || f.proposed_by.is_some() {
            $qb.push(" AND (e.status IN (");
            let mut sep = $qb.separated(", ");
            // An empty IN list is not valid SQL: a status no row has stands in.
            sep.push_bind(f.statuses.first().map_or("none", |s| s.as_str()));
            for s in f.statuses.iter().skip(1) {
                sep.push_bind(s.as_str());
            }
            $qb.push(")");
            if let Some(user) = f.proposed_by {
                $qb.push(" OR e.proposed_by = ").push_bind(user.0);
            }
            $qb.push(")");
        }
        if let Some(kind) = f.kind {
            $qb.push(" AND e.kind = ").push_bind(kind.as_str());
        }
        if let Some(topic) = f.topic {
            $qb.push(" AND e.topics LIKE ").push_bind(format!("%,{},%", topic.as_str()));
        }
        if let Some(goal) = f.sdg {
            $qb.push(" AND e.sdgs LIKE ").push_bind(format!("%,{goal},%"));
        }
        if let Some(network) = f.network {
            $qb.push(" AND e.networks LIKE ").push_bind(format!("%,{},%", network.0));
        }
        if let Some(m) = f.municipality {
            $qb.push(" AND e.host_municipality_id = ").push_bind(m.0);
        }
        match f.when {
            Some((true, now)) => {
                $qb.push(" AND e.ends_at >= ").push_bind(Ts(now));
            }
            Some((false, now)) => {
                $qb.push(" AND e.ends_at < ").push_bind(Ts(now));
            }
            None => {}
        }
    }};
}

/// Moves an event to `$1`. Publishing a draft announces it for the first time; every other move changes what
/// calendars already hold, so their copies must be replaced (SEQUENCE goes up).
const SET_STATUS: &str = "UPDATE event SET sequence = sequence + CASE WHEN status = 'draft' THEN 0 ELSE 1 END, \
    status = $1, updated_at = $2 WHERE id = $3 AND status <> $1";

/// Saves an event's row and sessions on the connection `$conn` (inside a `dispatch!`/`on_unit!` body).
macro_rules! update_on {
    ($conn:expr, $id:expr, $f:expr, $changed:expr, $now:expr, $starts:expr, $ends:expr) => {{
        let (id, f, time_or_place_changed, now, starts, ends): (
            EventId,
            &EventFields,
            bool,
            OffsetDateTime,
            OffsetDateTime,
            OffsetDateTime,
        ) = ($id, $f, $changed, $now, $starts, $ends);
        let done = sqlx::query::<Db>(
            "UPDATE event SET kind = $1, title_tr = $2, title_en = $3, summary_tr = $4, summary_en = $5, \
             body_tr = $6, body_en = $7, topics = $8, sdgs = $9, networks = $10, languages = $11, \
             host_municipality_id = $12, partnership_id = $13, venue = $14, city_id = $15, online_url = $16, \
             speakers = $17, organiser = $18, audience = $19, capacity = $20, quota = $21, \
             registration_opens = $22, registration_closes = $23, starts_at = $24, ends_at = $25, \
             sequence = sequence + $26, updated_at = $27, moderated = $29 WHERE id = $28",
        )
        .bind(f.kind.as_str())
        .bind(&f.title.tr)
        .bind(&f.title.en)
        .bind(&f.summary.tr)
        .bind(&f.summary.en)
        .bind(&f.body.tr)
        .bind(&f.body.en)
        .bind(joined(f.topics.iter().map(|t| t.as_str())))
        .bind(joined(&f.sdgs))
        .bind(joined(f.networks.iter().map(|n| n.0)))
        .bind(joined(f.languages.iter().map(|l| l.code())))
        .bind(f.host.map(|m| m.0))
        .bind(f.partnership)
        .bind(&f.venue)
        .bind(f.city)
        .bind(&f.online_url)
        .bind(&f.speakers)
        .bind(&f.organiser)
        .bind(f.audience.as_str())
        .bind(f.capacity.map(i64::from))
        .bind(f.quota_per_municipality.map(i64::from))
        .bind(f.registration_opens.map(Ts))
        .bind(f.registration_closes.map(Ts))
        .bind(Ts(starts))
        .bind(Ts(ends))
        .bind(i64::from(time_or_place_changed))
        .bind(Ts(now))
        .bind(id.0)
        .bind(f.moderated)
        .execute($conn)
        .await
        .map_err(db)?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("event_not_found".into()));
        }
        // Sessions keep their ids (and so their check-ins) as `match_sessions` pairs them; one that goes
        // may not hold check-ins.
        let stored: Vec<(i64, EventSession)> = sqlx::query_as::<Db, (i64, OffsetDateTime, OffsetDateTime)>(
            "SELECT id, starts_at, ends_at FROM event_session WHERE event_id = $1 ORDER BY position",
        )
        .bind(id.0)
        .fetch_all($conn)
        .await
        .map_err(db)?
        .into_iter()
        .map(|(sid, start, end)| (sid, EventSession { start, end }))
        .collect();
        let edit = ldp_core::domain::event::match_sessions(&stored, &f.sessions);
        for gone in &edit.removed {
            let held: i64 = sqlx::query_scalar::<Db, i64>("SELECT COUNT(*) FROM event_check_in WHERE session_id = $1")
                .bind(gone)
                .fetch_one($conn)
                .await
                .map_err(db)?;
            if held > 0 {
                return Err(StoreError::Conflict("session_has_check_ins".into()));
            }
            sqlx::query::<Db>("DELETE FROM event_session WHERE id = $1").bind(gone).execute($conn).await.map_err(db)?;
        }
        // Out of the way of (event_id, position)'s uniqueness first, then each in its new place.
        sqlx::query::<Db>("UPDATE event_session SET position = -1 - position WHERE event_id = $1")
            .bind(id.0)
            .execute($conn)
            .await
            .map_err(db)?;
        for (i, (s, keeps)) in f.sessions.iter().zip(&edit.keeps).enumerate() {
            let query = match keeps {
                Some(sid) => sqlx::query::<Db>(
                    "UPDATE event_session SET position = $2, starts_at = $3, ends_at = $4 WHERE id = $5 AND event_id = $1",
                )
                .bind(id.0)
                .bind(i as i64)
                .bind(Ts(s.start))
                .bind(Ts(s.end))
                .bind(*sid),
                None => sqlx::query::<Db>(
                    "INSERT INTO event_session (event_id, position, starts_at, ends_at) VALUES ($1, $2, $3, $4)",
                )
                .bind(id.0)
                .bind(i as i64)
                .bind(Ts(s.start))
                .bind(Ts(s.end)),
            };
            query.execute($conn).await.map_err(db)?;
        }
    }};
}

/// Places `$seats` seats in `$event`'s line on `$conn` (a writing transaction holding the event row, inside a
/// `dispatch!` or `on_unit!` body): they are held (confirmed, or `pending` when `$moderated`) when they fit
/// `$capacity` and nobody waits, waitlisted otherwise; the place in the line is the next one. Evaluates to
/// (status, line).
macro_rules! place_on {
    ($conn:expr, $event:expr, $seats:expr, $capacity:expr, $moderated:expr) => {{
        let event: i64 = $event;
        let capacity: Option<i64> = $capacity;
        let taken: i64 = sqlx::query_scalar::<Db, i64>($crate::events::SEATS_HELD)
            .bind(event)
            .fetch_one(&mut *$conn)
            .await
            .map_err($crate::pool::db)?;
        let waiting: i64 = sqlx::query_scalar::<Db, i64>(
            "SELECT COUNT(*) FROM event_registration WHERE event_id = $1 AND status = 'waitlisted'",
        )
        .bind(event)
        .fetch_one(&mut *$conn)
        .await
        .map_err($crate::pool::db)?;
        let line: i64 = sqlx::query_scalar::<Db, i64>(
            "SELECT CAST(COALESCE(MAX(line), 0) + 1 AS BIGINT) FROM event_registration WHERE event_id = $1",
        )
        .bind(event)
        .fetch_one(&mut *$conn)
        .await
        .map_err($crate::pool::db)?;
        let fits = capacity.is_none_or(|c| taken + $seats <= c);
        let status = match (fits && waiting == 0, $moderated) {
            (true, false) => ldp_core::domain::RegistrationStatus::Confirmed,
            (true, true) => ldp_core::domain::RegistrationStatus::Pending,
            (false, _) => ldp_core::domain::RegistrationStatus::Waitlisted,
        };
        (status, line)
    }};
}

/// Holds the event row on `$conn` (`FOR UPDATE` on PostgreSQL; SQLite's single writer already does).
/// Evaluates to (capacity, quota, moderated); returns early with `Conflict("event_not_found")`.
macro_rules! lock_event {
    ($conn:expr, $postgres:expr, $event:expr) => {{
        let lock: &'static str = if $postgres {
            "SELECT capacity, quota, moderated FROM event WHERE id = $1 FOR UPDATE"
        } else {
            "SELECT capacity, quota, moderated FROM event WHERE id = $1"
        };
        let Some(row) = sqlx::query_as::<Db, (Option<i64>, Option<i64>, bool)>(lock)
            .bind($event)
            .fetch_optional(&mut *$conn)
            .await
            .map_err($crate::pool::db)?
        else {
            return Err(ldp_core::store::StoreError::Conflict("event_not_found".into()));
        };
        row
    }};
}

/// Refuses with `Conflict("code_taken")` when a registration has the code `$code` already.
macro_rules! check_code {
    ($conn:expr, $code:expr) => {{
        let code_taken = sqlx::query_scalar::<Db, i64>("SELECT COUNT(*) FROM event_registration WHERE code = $1")
            .bind($code)
            .fetch_one(&mut *$conn)
            .await
            .map_err($crate::pool::db)?;
        if code_taken > 0 {
            return Err(ldp_core::store::StoreError::Conflict("code_taken".into()));
        }
    }};
}

/// Registers `$new` for `$event` on `$conn` (a writing transaction, inside a `dispatch!` or `on_unit!` body):
/// holds the event row, counts, checks the quota and the code, and inserts it held or waitlisted
/// (`place_on!`). Evaluates to the `Registration`; returns early with
/// `Conflict("event_not_found" | "quota_reached" | "code_taken")`. Writes no audit entry.
macro_rules! register_on {
    ($conn:expr, $postgres:expr, $event:expr, $new:expr, $now:expr) => {{
        let event: EventId = $event;
        let new: &NewRegistration = $new;
        let now: OffsetDateTime = $now;
        let seats = new.attendees.len() as i64;
        let attendees = serde_json::to_string(&new.attendees).map_err(|e| corrupt(format_args!("attendees: {e}")))?;
        let (capacity, quota, moderated) = lock_event!($conn, $postgres, event.0);
        if let (Some(quota), Some(m)) = (quota, new.municipality) {
            let held: i64 = sqlx::query_scalar::<Db, i64>(
                "SELECT CAST(COALESCE(SUM(seats), 0) AS BIGINT) FROM event_registration WHERE event_id = $1 \
                 AND municipality_id = $2 AND status NOT IN ('cancelled', 'rejected', 'unconfirmed')",
            )
            .bind(event.0)
            .bind(m.0)
            .fetch_one(&mut *$conn)
            .await
            .map_err(db)?;
            if held + seats > quota {
                return Err(StoreError::Conflict("quota_reached".into()));
            }
        }
        check_code!($conn, &new.code);
        let (status, line) = place_on!($conn, event.0, seats, capacity, moderated);
        let id = sqlx::query_scalar::<Db, i64>(
            "INSERT INTO event_registration (event_id, code, registered_by, municipality_id, attendees, seats, \
             status, created_at, line) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(event.0)
        .bind(&new.code)
        .bind(new.registered_by.map(|u| u.0))
        .bind(new.municipality.map(|m| m.0))
        .bind(&attendees)
        .bind(seats)
        .bind(status.as_str())
        .bind(Ts(now))
        .bind(line)
        .fetch_one(&mut *$conn)
        .await
        .map_err(db)?;
        Registration {
            id: RegistrationId(id),
            event,
            code: new.code.clone(),
            registered_by: new.registered_by,
            municipality: new.municipality,
            attendees: new.attendees.clone(),
            status,
            created_at: now,
            offer_expires_at: None,
            consent: None,
            confirm_by: None,
        }
    }};
}

impl SqlStore {
    fn is_postgres(&self) -> bool {
        matches!(self.pools, Pools::Postgres(_))
    }

    async fn sessions_of(&self, ids: &[i64]) -> StoreResult<HashMap<i64, Vec<EventSession>>> {
        let mut out: HashMap<i64, Vec<EventSession>> = HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        for chunk in ids.chunks(500) {
            let rows: Vec<SessionRow> = dispatch!(&self.pools, pool => {
                let mut qb = sqlx::QueryBuilder::<Db>::new(
                    "SELECT event_id, starts_at, ends_at FROM event_session WHERE event_id IN (",
                );
                let mut sep = qb.separated(", ");
                for id in chunk {
                    sep.push_bind(*id);
                }
                qb.push(") ORDER BY event_id, position");
                qb.build_query_as::<SessionRow>().fetch_all(pool).await.map_err(db)?
            });
            for r in rows {
                out.entry(r.event_id).or_default().push(EventSession { start: r.starts_at, end: r.ends_at });
            }
        }
        Ok(out)
    }

    async fn with_sessions(&self, rows: Vec<EventRow>) -> StoreResult<Vec<Event>> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut sessions = self.sessions_of(&ids).await?;
        rows.into_iter()
            .map(|r| {
                let s = sessions.remove(&r.id).unwrap_or_default();
                r.into_domain(s)
            })
            .collect()
    }

    pub(crate) async fn events_q(&self, filter: &EventFilter, page: Page) -> StoreResult<Paged<Event>> {
        let order = match filter.when {
            Some((true, _)) => " ORDER BY e.starts_at, e.id",
            _ => " ORDER BY e.starts_at DESC, e.id DESC",
        };
        let (total, rows) = dispatch!(&self.pools, pool => {
            let mut count = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*) FROM event e WHERE 1 = 1");
            push_filter!(count, filter);
            let total: i64 = count.build_query_scalar().fetch_one(pool).await.map_err(db)?;
            let mut qb = sqlx::QueryBuilder::<Db>::new(format!("SELECT {EVENT_COLUMNS} FROM event e WHERE 1 = 1"));
            push_filter!(qb, filter);
            qb.push(order);
            qb.push(" LIMIT ").push_bind(page.limit()).push(" OFFSET ").push_bind(page.offset());
            let rows: Vec<EventRow> = qb.build_query_as().fetch_all(pool).await.map_err(db)?;
            (total, rows)
        });
        Ok(Paged::new(self.with_sessions(rows).await?, page, total as u64))
    }

    pub(crate) async fn event_q(&self, id: EventId) -> StoreResult<Option<Event>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, EventRow>(static_sql!("SELECT {EVENT_COLUMNS} FROM event e WHERE e.id = $1"))
                .bind(id.0).fetch_optional(pool).await.map_err(db)?
        });
        Ok(self.with_sessions(row.into_iter().collect()).await?.pop())
    }

    pub(crate) async fn create_event_tx(
        &self,
        f: &EventFields,
        status: EventStatus,
        proposed_by: Option<UserId>,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<EventId> {
        let (starts, ends) = span(f)?;
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let id = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO event (kind, status, title_tr, title_en, summary_tr, summary_en, body_tr, body_en, \
                 topics, sdgs, networks, languages, host_municipality_id, partnership_id, venue, city_id, online_url, \
                 speakers, organiser, audience, capacity, quota, registration_opens, registration_closes, starts_at, \
                 ends_at, sequence, proposed_by, created_at, updated_at, moderated) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
                 $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, 0, $27, $28, $28, $29) \
                 RETURNING id",
            )
            .bind(f.kind.as_str()).bind(status.as_str()).bind(&f.title.tr).bind(&f.title.en)
            .bind(&f.summary.tr).bind(&f.summary.en).bind(&f.body.tr).bind(&f.body.en)
            .bind(joined(f.topics.iter().map(|t| t.as_str()))).bind(joined(&f.sdgs))
            .bind(joined(f.networks.iter().map(|n| n.0))).bind(joined(f.languages.iter().map(|l| l.code())))
            .bind(f.host.map(|m| m.0)).bind(f.partnership).bind(&f.venue).bind(f.city).bind(&f.online_url)
            .bind(&f.speakers).bind(&f.organiser).bind(f.audience.as_str())
            .bind(f.capacity.map(i64::from)).bind(f.quota_per_municipality.map(i64::from))
            .bind(f.registration_opens.map(Ts)).bind(f.registration_closes.map(Ts))
            .bind(Ts(starts)).bind(Ts(ends)).bind(proposed_by.map(|u| u.0)).bind(Ts(now)).bind(f.moderated)
            .fetch_one(&mut *tx).await.map_err(db)?;
            for (i, s) in f.sessions.iter().enumerate() {
                sqlx::query::<Db>("INSERT INTO event_session (event_id, position, starts_at, ends_at) VALUES ($1, $2, $3, $4)")
                    .bind(id).bind(i as i64).bind(Ts(s.start)).bind(Ts(s.end))
                    .execute(&mut *tx).await.map_err(db)?;
            }
            write_audit!(&mut *tx, change, Some(id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(EventId(id))
        })
    }

    pub(crate) async fn update_event_tx(
        &self,
        id: EventId,
        f: &EventFields,
        time_or_place_changed: bool,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()> {
        let (starts, ends) = span(f)?;
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            update_on!(&mut *tx, id, f, time_or_place_changed, now, starts, ends);
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }

    pub(crate) async fn set_event_status_tx(
        &self,
        id: EventId,
        status: EventStatus,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(SET_STATUS)
                .bind(status.as_str()).bind(Ts(now)).bind(id.0)
                .execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }

    pub(crate) async fn register_tx(
        &self,
        event: EventId,
        new: &NewRegistration,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Registration> {
        let postgres = self.is_postgres();
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let registration = register_on!(&mut *tx, postgres, event, new, now);
            let mut change = change.clone();
            let mut after = change.after.take().unwrap_or_else(|| serde_json::json!({}));
            after["status"] = serde_json::json!(registration.status.as_str());
            change.after = Some(after);
            write_audit!(&mut *tx, &change, Some(registration.id.0));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(registration)
        })
    }

    pub(crate) async fn registrations_q(&self, event: EventId) -> StoreResult<Vec<Registration>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, RegistrationRow>(static_sql!("SELECT {REGISTRATION_COLUMNS} WHERE event_id = $1{LINE_ORDER}"))
                .bind(event.0).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(RegistrationRow::into_domain).collect()
    }

    pub(crate) async fn registrations_by_q(&self, user: UserId) -> StoreResult<Vec<Registration>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, RegistrationRow>(static_sql!("SELECT {REGISTRATION_COLUMNS} WHERE registered_by = $1 ORDER BY id DESC"))
                .bind(user.0).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(RegistrationRow::into_domain).collect()
    }

    pub(crate) async fn registration_q(&self, id: RegistrationId) -> StoreResult<Option<Registration>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, RegistrationRow>(static_sql!("SELECT {REGISTRATION_COLUMNS} WHERE id = $1"))
                .bind(id.0).fetch_optional(pool).await.map_err(db)?
        });
        row.map(RegistrationRow::into_domain).transpose()
    }

    pub(crate) async fn registration_by_code_q(&self, code: &str) -> StoreResult<Option<Registration>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, RegistrationRow>(static_sql!("SELECT {REGISTRATION_COLUMNS} WHERE code = $1"))
                .bind(code).fetch_optional(pool).await.map_err(db)?
        });
        row.map(RegistrationRow::into_domain).transpose()
    }
}

/// The first start and the last end of an event's sessions.
fn span(f: &EventFields) -> StoreResult<(OffsetDateTime, OffsetDateTime)> {
    match (f.starts_at(), f.ends_at()) {
        (Some(s), Some(e)) => Ok((s, e)),
        _ => Err(StoreError::Conflict("event_without_sessions".into())),
    }
}

#[async_trait]
impl EventStore for SqlStore {
    async fn events(&self, filter: &EventFilter, page: Page) -> StoreResult<Paged<Event>> {
        self.events_q(filter, page).await
    }

    async fn event(&self, id: EventId) -> StoreResult<Option<Event>> {
        self.event_q(id).await
    }

    async fn create_event(
        &self,
        fields: &EventFields,
        status: EventStatus,
        proposed_by: Option<UserId>,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<EventId> {
        self.create_event_tx(fields, status, proposed_by, now, change).await
    }

    async fn update_event(
        &self,
        id: EventId,
        fields: &EventFields,
        time_or_place_changed: bool,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()> {
        self.update_event_tx(id, fields, time_or_place_changed, now, change).await
    }

    async fn set_event_status(
        &self,
        id: EventId,
        status: EventStatus,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        self.set_event_status_tx(id, status, now, change).await
    }

    async fn register(
        &self,
        event: EventId,
        new: &NewRegistration,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Registration> {
        self.register_tx(event, new, now, change).await
    }

    async fn registrations(&self, event: EventId) -> StoreResult<Vec<Registration>> {
        self.registrations_q(event).await
    }

    async fn registrations_by(&self, user: UserId) -> StoreResult<Vec<Registration>> {
        self.registrations_by_q(user).await
    }

    async fn registration(&self, id: RegistrationId) -> StoreResult<Option<Registration>> {
        self.registration_q(id).await
    }

    async fn registration_by_code(&self, code: &str) -> StoreResult<Option<Registration>> {
        self.registration_by_code_q(code).await
    }

    async fn cancel_registration(
        &self,
        id: RegistrationId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>> {
        self.cancel_registration_tx(id, offer_until, change).await
    }

    async fn offer_free_seats(
        &self,
        event: EventId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>> {
        self.offer_free_seats_tx(event, offer_until, change).await
    }

    async fn accept_offer(
        &self,
        id: RegistrationId,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Registration> {
        self.accept_offer_tx(id, now, change).await
    }

    async fn decline_offer(
        &self,
        id: RegistrationId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>> {
        self.decline_offer_tx(id, offer_until, change).await
    }

    async fn expire_offers(
        &self,
        now: OffsetDateTime,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<(Vec<Registration>, Vec<Registration>)> {
        self.expire_offers_tx(now, offer_until, change).await
    }

    async fn create_registration_link(
        &self,
        registration: RegistrationId,
        purpose: RegistrationLinkPurpose,
        token_hash: &str,
        now: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> StoreResult<()> {
        self.create_registration_link_q(registration, purpose, token_hash, now, expires_at).await
    }

    async fn registration_by_link(
        &self,
        token_hash: &str,
        purpose: RegistrationLinkPurpose,
    ) -> StoreResult<Option<(Registration, OffsetDateTime)>> {
        self.registration_by_link_q(token_hash, purpose).await
    }

    async fn prune_registration_links(&self, now: OffsetDateTime) -> StoreResult<u64> {
        self.prune_registration_links_q(now).await
    }

    async fn prune_unconfirmed(&self, now: OffsetDateTime, change: &Change) -> StoreResult<u64> {
        self.prune_unconfirmed_tx(now, change).await
    }
}

/// Registration inside a unit of work (with the confirmation mail queued in the same transaction): the same
/// counting under the event row's lock, without an audit entry of its own (the unit's commit writes it).
#[async_trait]
impl EventWrites for SqlUnit {
    async fn register(
        &mut self,
        event: EventId,
        new: &NewRegistration,
        now: OffsetDateTime,
    ) -> StoreResult<Registration> {
        let postgres = matches!(self.tx, crate::unit_of_work::Tx::Postgres(_));
        Ok(on_unit!(self, conn => register_on!(conn, postgres, event, new, now)))
    }

    async fn register_public(
        &mut self,
        event: EventId,
        new: &NewRegistration,
        public: &PublicRegistration,
        now: OffsetDateTime,
    ) -> StoreResult<Registration> {
        self.register_public_on(event, new, public, now).await
    }

    async fn public_registrations_from(&mut self, client_key: &str, since: OffsetDateTime) -> StoreResult<i64> {
        self.public_registrations_from_on(client_key, since).await
    }

    async fn confirm_opt_in(&mut self, id: RegistrationId, now: OffsetDateTime) -> StoreResult<Registration> {
        self.confirm_opt_in_on(id, now).await
    }

    async fn moderate(
        &mut self,
        id: RegistrationId,
        approve: bool,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<(Registration, Vec<Registration>)> {
        self.moderate_on(id, approve, offer_until, change).await
    }

    async fn set_status(&mut self, id: EventId, status: EventStatus, now: OffsetDateTime) -> StoreResult<bool> {
        on_unit!(self, conn => {
            let done = sqlx::query::<Db>(SET_STATUS)
                .bind(status.as_str()).bind(Ts(now)).bind(id.0)
                .execute(&mut *conn).await.map_err(db)?;
            Ok(done.rows_affected() == 1)
        })
    }

    async fn update(
        &mut self,
        id: EventId,
        fields: &EventFields,
        time_or_place_changed: bool,
        now: OffsetDateTime,
    ) -> StoreResult<()> {
        let (starts, ends) = span(fields)?;
        on_unit!(self, conn => {
            update_on!(&mut *conn, id, fields, time_or_place_changed, now, starts, ends);
            Ok(())
        })
    }

    async fn claim_reminders(&mut self, now: OffsetDateTime, until: OffsetDateTime) -> StoreResult<Vec<Registration>> {
        on_unit!(self, conn => {
            // `WHERE true` keeps SQLite from reading ON CONFLICT as part of the SELECT's join.
            let claimed = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO event_reminder (registration_id, starts_at, queued_at) \
                 SELECT r.id, e.starts_at, $1 FROM event_registration r JOIN event e ON e.id = r.event_id \
                 WHERE true AND e.status = 'published' AND r.status = 'confirmed' AND e.starts_at > $1 \
                 AND e.starts_at <= $2 ON CONFLICT DO NOTHING RETURNING registration_id",
            )
            .bind(Ts(now)).bind(Ts(until))
            .fetch_all(&mut *conn).await.map_err(db)?;
            let mut registrations = Vec::with_capacity(claimed.len());
            for id in claimed {
                let row = sqlx::query_as::<Db, RegistrationRow>(static_sql!("SELECT {REGISTRATION_COLUMNS} WHERE id = $1"))
                    .bind(id).fetch_one(&mut *conn).await.map_err(db)?;
                registrations.push(row.into_domain()?);
            }
            registrations.sort_by_key(|r| r.id);
            Ok(registrations)
        })
    }

    async fn cancel_registration(
        &mut self,
        id: RegistrationId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>> {
        self.cancel_registration_on(id, offer_until, change).await
    }

    async fn decline_offer(
        &mut self,
        id: RegistrationId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>> {
        self.decline_offer_on(id, offer_until, change).await
    }

    async fn offer_free_seats(
        &mut self,
        event: EventId,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<Vec<Registration>> {
        self.offer_free_seats_on(event, offer_until, change).await
    }

    async fn expire_offers(
        &mut self,
        now: OffsetDateTime,
        offer_until: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<(Vec<Registration>, Vec<Registration>)> {
        self.expire_offers_on(now, offer_until, change).await
    }
}

pub(crate) use {check_code, lock_event, place_on};
