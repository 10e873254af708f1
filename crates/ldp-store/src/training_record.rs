//! The training record's rows (issue 11): check-ins joined with their session, event, registration and the
//! registration's municipality and province, in one query on both engines. No table of its own: the record
//! is a read model over migrations 0014 and 0034.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use time::OffsetDateTime;

use ldp_core::domain::training_record::{AttendedSession, RecordFilter, RecordProvince, training_kinds};
use ldp_core::domain::{
    Attendee, EventId, EventKind, EventStatus, EventTopic, Localized, MunicipalityId, PlateCode, RegistrationId,
    RegistrationStatus,
};
use ldp_core::store::StoreResult;

use crate::SqlStore;
use crate::pool::{db, dispatch};
use crate::rows::corrupt;
use crate::ts::Ts;

#[derive(sqlx::FromRow)]
struct AttendedRow {
    event_id: i64,
    kind: String,
    event_status: String,
    title_tr: String,
    title_en: String,
    topics: String,
    registration_id: i64,
    registration_status: String,
    municipality_id: Option<i64>,
    attendees: String,
    attendee: i64,
    session: i64,
    starts_at: OffsetDateTime,
    ends_at: OffsetDateTime,
    plate: Option<i64>,
    province_name: Option<String>,
}

const SELECT: &str = "SELECT e.id AS event_id, e.kind, e.status AS event_status, e.title_tr, e.title_en, e.topics, \
    r.id AS registration_id, r.status AS registration_status, r.municipality_id, r.attendees, c.attendee, s.position AS session, \
    s.starts_at, s.ends_at, m.plate, p.name AS province_name \
    FROM event_check_in c \
    JOIN event_registration r ON r.id = c.registration_id \
    JOIN event e ON e.id = c.event_id \
    JOIN event_session s ON s.id = c.session_id \
    LEFT JOIN municipality m ON m.id = r.municipality_id \
    LEFT JOIN province p ON p.plate = m.plate \
    WHERE r.status = 'confirmed' AND e.status <> 'cancelled'";

/// Appends the training kinds and the filter's conditions to the query builder `$qb` (inside `dispatch!`).
macro_rules! push_conditions {
    ($qb:ident, $filter:expr, $within:expr) => {{
        let (filter, within): (&RecordFilter, Option<&[MunicipalityId]>) = ($filter, $within);
        $qb.push(" AND e.kind IN (");
        let mut kinds = $qb.separated(", ");
        for kind in training_kinds() {
            kinds.push_bind(kind.as_str());
        }
        $qb.push(")");
        if let Some(topic) = filter.topic {
            $qb.push(" AND e.topics LIKE ").push_bind(format!("%,{},%", topic.as_str()));
        }
        if let Some((from, to)) = filter.year.and_then(RecordFilter::year_bounds) {
            $qb.push(" AND s.starts_at >= ").push_bind(Ts(from));
            $qb.push(" AND s.starts_at < ").push_bind(Ts(to));
        }
        if let Some(m) = filter.municipality {
            $qb.push(" AND r.municipality_id = ").push_bind(m.0);
        }
        if let Some(plate) = filter.province {
            $qb.push(" AND m.plate = ").push_bind(i64::from(plate.get()));
        }
        if let Some(within) = within {
            // An empty list is not valid SQL: an id no municipality has stands in.
            $qb.push(" AND r.municipality_id IN (");
            let mut ids = $qb.separated(", ");
            ids.push_bind(within.first().map_or(-1, |m| m.0));
            for m in within.iter().skip(1) {
                ids.push_bind(m.0);
            }
            $qb.push(")");
        }
        $qb.push(" ORDER BY s.starts_at, e.id, s.position, r.id, c.attendee");
    }};
}

fn parse_list<T>(text: &str, what: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<Vec<T>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| parse(s).ok_or_else(|| corrupt(format_args!("event.{what} {s}"))))
        .collect()
}

impl AttendedRow {
    fn into_domain(self, people: &mut HashMap<i64, Vec<Attendee>>) -> StoreResult<AttendedSession> {
        let list = match people.entry(self.registration_id) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(serde_json::from_str::<Vec<Attendee>>(&self.attendees).map_err(|err| {
                corrupt(format_args!("event_registration.attendees {}: {err}", self.registration_id))
            })?),
        };
        let attendee = u32::try_from(self.attendee)
            .map_err(|_| corrupt(format_args!("event_check_in.attendee {}", self.attendee)))?;
        // A check-in of a position the list no longer has (it cannot shrink today) names nobody.
        let person = list.get(attendee as usize).cloned().ok_or_else(|| {
            corrupt(format_args!("event_check_in attendee {attendee} of registration {}", self.registration_id))
        })?;
        let province = match (self.plate, self.province_name) {
            (Some(plate), Some(name)) => Some(RecordProvince {
                plate: PlateCode::parse(plate).map_err(|_| corrupt(format_args!("municipality.plate {plate}")))?,
                name,
            }),
            _ => None,
        };
        Ok(AttendedSession {
            event: EventId(self.event_id),
            kind: EventKind::parse(&self.kind).ok_or_else(|| corrupt(format_args!("event.kind {}", self.kind)))?,
            event_status: EventStatus::parse(&self.event_status)
                .ok_or_else(|| corrupt(format_args!("event.status {}", self.event_status)))?,
            title: Localized::new(self.title_tr, self.title_en),
            topics: parse_list(&self.topics, "topics", EventTopic::parse)?,
            registration: RegistrationId(self.registration_id),
            registration_status: RegistrationStatus::parse(&self.registration_status)
                .ok_or_else(|| corrupt(format_args!("event_registration.status {}", self.registration_status)))?,
            municipality: self.municipality_id.map(MunicipalityId),
            province,
            attendee,
            name: person.name,
            email: person.email,
            session: u32::try_from(self.session)
                .map_err(|_| corrupt(format_args!("event_session.position {}", self.session)))?,
            start: self.starts_at,
            end: self.ends_at,
        })
    }
}

impl SqlStore {
    pub(crate) async fn attended_sessions_q(
        &self,
        filter: &RecordFilter,
        within: Option<&[MunicipalityId]>,
    ) -> StoreResult<Vec<AttendedSession>> {
        let rows: Vec<AttendedRow> = dispatch!(&self.pools, pool => {
            let mut qb = sqlx::QueryBuilder::<Db>::new(SELECT);
            push_conditions!(qb, filter, within);
            qb.build_query_as::<AttendedRow>().fetch_all(pool).await.map_err(db)?
        });
        let mut people = HashMap::new();
        rows.into_iter().map(|r| r.into_domain(&mut people)).collect()
    }
}
