//! The audit trail: an append-only record of every change, with the fields before and after.

use serde::Serialize;
use serde_json::Value;
use time::{Date, OffsetDateTime};
use utoipa::ToSchema;

use super::{Actor, InputError, MunicipalityId, UserId};

mod store;
pub use store::AuditStore;

/// One change as it is written, in the same transaction as the change itself.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub at: OffsetDateTime,
    pub user: Option<UserId>,
    pub actor: String,
    pub client: Option<String>,
    /// `create`, `update`, `delete`, or a trail step such as `step:council_approved`.
    pub action: String,
    /// `partnership`, `municipality`, `representative`, `membership`, `user`, `api_token`, …
    pub record_type: &'static str,
    /// `None` when the record is being created: the store fills in the new id.
    pub record_id: Option<String>,
    /// The municipality the record belongs to, if any.
    pub municipality: Option<MunicipalityId>,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl Change {
    pub fn new(actor: &Actor, at: OffsetDateTime, action: &str, record_type: &'static str) -> Change {
        Change {
            at,
            user: actor.user,
            actor: actor.label.clone(),
            client: actor.client.clone(),
            action: action.to_owned(),
            record_type,
            record_id: None,
            municipality: None,
            before: None,
            after: None,
        }
    }

    pub fn record(mut self, id: impl ToString) -> Change {
        self.record_id = Some(id.to_string());
        self
    }

    pub fn of(mut self, municipality: MunicipalityId) -> Change {
        self.municipality = Some(municipality);
        self
    }

    pub fn before(mut self, value: impl Serialize) -> Change {
        self.before = serde_json::to_value(value).ok();
        self
    }

    pub fn after(mut self, value: impl Serialize) -> Change {
        self.after = serde_json::to_value(value).ok();
        self
    }

    /// The change with the id of the record just created.
    pub fn for_created(&self, id: impl ToString) -> Change {
        let mut c = self.clone();
        if c.record_id.is_none() {
            c.record_id = Some(id.to_string());
        }
        c
    }
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    #[schema(value_type = String, format = DateTime)]
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    pub user_id: Option<UserId>,
    pub actor: String,
    pub client: Option<String>,
    pub action: String,
    pub record_type: String,
    pub record_id: String,
    pub municipality_id: Option<MunicipalityId>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<Value>,
}

impl AuditEntry {
    /// The fields whose value differs between before and after, with both values, in name order.
    pub fn changed_fields(&self) -> Vec<(String, String, String)> {
        let empty = serde_json::Map::new();
        let before = self.before.as_ref().and_then(Value::as_object).unwrap_or(&empty);
        let after = self.after.as_ref().and_then(Value::as_object).unwrap_or(&empty);
        let mut keys: Vec<&String> = before.keys().chain(after.keys()).collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter(|k| before.get(*k) != after.get(*k))
            .map(|k| ((*k).clone(), show(before.get(k)), show(after.get(k))))
            .collect()
    }
}

fn show(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Which entries of the log to show.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    /// Part of the actor's label (e-mail, token), case-insensitive.
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Only records of these municipalities (a representative's own history).
    pub municipalities: Option<Vec<MunicipalityId>>,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// Only entries older than this one (by id): how an export reads the log in batches, newest first.
    pub before_id: Option<i64>,
}

/// The record types the log knows, for filter choices and validation.
pub const RECORD_TYPES: [&str; 34] = [
    "partnership",
    "partnership_activity",
    "partnership_document",
    "municipality",
    "representative",
    "membership",
    // The networks registry (other networks members belong to).
    "network",
    // Partner places made from an import's rows, and their merges into gazetteer cities.
    "city",
    "user",
    "api_token",
    "session",
    // A queued mail sent again by staff.
    "job",
    // Funding calls, and the load of the shipped funders and programmes.
    "funding_call",
    "funding_data",
    // The contact form's messages, the inbox's notes and replies, and its routing rules.
    "contact_message",
    "contact_note",
    "contact_rule",
    // A revision of an editable page (saved, published, restored).
    "content",
    // Trainings, meetings and delegations, and registrations for them.
    "event",
    "event_registration",
    // Contact messages anonymised by the retention job or erased on a person's request (the disposal log).
    "contact_disposal",
    // Reports, guides, bulletins, presentations and studies, and their files.
    "publication",
    "publication_file",
    // News posts (saved, published, scheduled, their images).
    "news_post",
    // A person's own calendar feed (started, rotated, revoked).
    "calendar_feed",
    // A visit's record: its details and protocol notes, participants, and gifts given and received.
    "delegation",
    "delegation_participant",
    "delegation_gift",
    // A municipality's application for funding and its stage moves (issue 16).
    "funding_application",
    // A document uploaded to an application, or deleted from it.
    "funding_application_document",
    // A user's saved search of funding calls, and the alerts, digests and deadline reminders queued for it.
    "saved_search",
    // Certificates of attendance: issued for a training, revoked (issue 11); the thresholds staff set.
    "certificate",
    // A funded project of the portfolio (issue 16): created on an award or by staff, edited, published.
    "project",
    // A document uploaded to a project, deleted from it, or marked public or private.
    "project_document",
];

impl AuditFilter {
    /// Parses the raw query values of the log's filter form.
    pub fn parse(
        record_type: Option<&str>,
        record_id: Option<&str>,
        actor: Option<&str>,
        action: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<AuditFilter, InputError> {
        let clean = |v: Option<&str>| v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        let mut errors = InputError::default();
        let record_type = clean(record_type);
        if let Some(t) = &record_type
            && !RECORD_TYPES.contains(&t.as_str())
        {
            errors.add("record_type", "unknown_record_type");
        }
        let mut date = |field: &str, raw: Option<&str>| match clean(raw) {
            None => None,
            Some(s) => match Date::parse(&s, &time::format_description::well_known::Iso8601::DATE) {
                Ok(d) => Some(d),
                Err(_) => {
                    errors.add(field, "invalid_date");
                    None
                }
            },
        };
        let from = date("from", from);
        let to = date("to", to);
        if let (Some(f), Some(t)) = (from, to)
            && t < f
        {
            errors.add("to", "date_before_from");
        }
        let filter = AuditFilter {
            record_type,
            record_id: clean(record_id),
            actor: clean(actor).map(|a| a.to_lowercase()),
            action: clean(action),
            municipalities: None,
            from,
            to,
            before_id: None,
        };
        if errors.is_empty() { Ok(filter) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_fields_lists_only_differences() {
        let entry = AuditEntry {
            id: 1,
            at: OffsetDateTime::UNIX_EPOCH,
            user_id: None,
            actor: "a".into(),
            client: None,
            action: "update".into(),
            record_type: "municipality".into(),
            record_id: "1".into(),
            municipality_id: None,
            before: Some(serde_json::json!({"website": "", "phone": "1"})),
            after: Some(serde_json::json!({"website": "https://x.tr", "phone": "1", "email": "a@b.tr"})),
        };
        assert_eq!(
            entry.changed_fields(),
            vec![
                ("email".to_owned(), String::new(), "a@b.tr".to_owned()),
                ("website".to_owned(), String::new(), "https://x.tr".to_owned())
            ]
        );
    }

    #[test]
    fn filters_refuse_unknown_types_and_reversed_ranges() {
        let e =
            AuditFilter::parse(Some("planet"), None, None, None, Some("2026-02-01"), Some("2026-01-01")).unwrap_err();
        assert_eq!(e.fields.get("record_type").map(String::as_str), Some("unknown_record_type"));
        assert_eq!(e.fields.get("to").map(String::as_str), Some("date_before_from"));
        let f = AuditFilter::parse(Some("partnership"), Some(" 12 "), Some("Ayşe@"), None, None, None).unwrap();
        assert_eq!(f.record_id.as_deref(), Some("12"));
        assert_eq!(f.actor.as_deref(), Some("ayşe@"));
    }
}
