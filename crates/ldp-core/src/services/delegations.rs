//! Delegations and protocol: the record of a visit (incoming or outgoing delegation, study visit) beside its
//! event. Staff and auditors see every record; a representative sees and keeps their own municipality's
//! (the host's) in full — protocol notes, participants' contact details, and the gifts register; the public
//! sees a visit only once its event is public, and then only its purpose, programme, outcome and participants'
//! names, titles, organisations and countries.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;

use super::ServiceError;
use super::workspace::field;
use crate::clock::{Clock, ISTANBUL};
use crate::domain::delegation::{
    Delegation, DelegationDetails, DelegationStore, GiftDirection, NewGift, NewParticipant, Side, is_visit,
};
use crate::domain::event::EventKind;
use crate::domain::{
    Actor, Change, CountryCode, Event, EventFilter, EventId, EventStore, InputError, Localized, Page, Role,
};
use crate::store::{ReferenceStore, Store};

/// What a reader of a visit's record may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// Protocol notes, contact details and gifts (staff, auditors, the host's representatives).
    pub full: bool,
    /// May save the record (staff, the host's representatives).
    pub edits: bool,
}

/// Staff and auditors, or a representative of the host municipality.
fn reads_full(actor: &Actor, event: &Event) -> bool {
    actor.reads_everything() || event.fields.host.is_some_and(|m| actor.municipalities.contains(&m))
}

fn edits(actor: &Actor, event: &Event) -> bool {
    actor.edits_all_content()
        || (!actor.read_only
            && actor.role == Some(Role::Representative)
            && event.fields.host.is_some_and(|m| actor.edits_municipality(m)))
}

/// The record as the public may see it: no protocol notes, no contact details, no gifts.
fn public_view(mut d: Delegation) -> Delegation {
    d.details.precedence.clear();
    d.details.interpreters.clear();
    d.details.flags.clear();
    for p in &mut d.participants {
        p.person.email.clear();
        p.person.phone.clear();
    }
    d.gifts.clear();
    d
}

/// A visit's details as a form or the API sends them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct DetailsInput {
    pub purpose_tr: Option<String>,
    pub purpose_en: Option<String>,
    pub programme_tr: Option<String>,
    pub programme_en: Option<String>,
    pub outcome_tr: Option<String>,
    pub outcome_en: Option<String>,
    pub precedence: Option<String>,
    pub interpreters: Option<String>,
    /// ISO country codes of the flags to set out, comma- or space-separated (`TR, DE`).
    pub flags: Option<String>,
}

impl DetailsInput {
    pub fn of(d: &DelegationDetails) -> DetailsInput {
        DetailsInput {
            purpose_tr: Some(d.purpose.tr.clone()),
            purpose_en: Some(d.purpose.en.clone()),
            programme_tr: Some(d.programme.tr.clone()),
            programme_en: Some(d.programme.en.clone()),
            outcome_tr: Some(d.outcome.tr.clone()),
            outcome_en: Some(d.outcome.en.clone()),
            precedence: Some(d.precedence.clone()),
            interpreters: Some(d.interpreters.clone()),
            flags: Some(d.flags.join(", ")),
        }
    }
}

/// A participant as a form or the API sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ParticipantInput {
    /// `guest` (the visiting side) or `host`.
    pub side: Option<String>,
    /// Rank in the order of precedence within the side, 1 first (1 when empty).
    pub rank: Option<String>,
    pub name: Option<String>,
    pub title: Option<String>,
    pub organisation: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
}

/// A gift as a form or the API sends it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct GiftInput {
    /// `given` or `received`.
    pub direction: Option<String>,
    /// `YYYY-MM-DD`.
    pub given_on: Option<String>,
    pub description: Option<String>,
    pub counterpart: Option<String>,
    /// Estimated value, a decimal (`1250`, `1.250,50`).
    pub value: Option<String>,
    /// ISO 4217 code.
    pub currency: Option<String>,
}

#[derive(Clone)]
pub struct Delegations {
    store: Arc<dyn DelegationStore>,
    events: Arc<dyn EventStore>,
    reference: Arc<dyn ReferenceStore>,
    clock: Arc<dyn Clock>,
}

impl Delegations {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Delegations { store: store.clone(), events: store.clone(), reference: store, clock }
    }

    /// The visit's event and what `actor` may do with its record; `NotFound` for an event that is not a visit
    /// or that `actor` may not see.
    async fn visit(&self, actor: &Actor, id: EventId) -> Result<(Event, Access), ServiceError> {
        let event = self.events.event(id).await?.ok_or(ServiceError::NotFound)?;
        if !is_visit(event.fields.kind) {
            return Err(ServiceError::NotFound);
        }
        let access = Access { full: reads_full(actor, &event), edits: edits(actor, &event) };
        if !access.full && !event.status.is_public() {
            return Err(ServiceError::NotFound);
        }
        Ok((event, access))
    }

    /// The visit's record as `actor` may see it.
    pub async fn get(&self, actor: &Actor, id: EventId) -> Result<(Event, Delegation, Access), ServiceError> {
        let (event, access) = self.visit(actor, id).await?;
        let record = self.store.delegation(id).await?;
        Ok((event, if access.full { record } else { public_view(record) }, access))
    }

    /// The public part of a visit's record for its public page (`None` for an event that is not a visit).
    pub async fn public(&self, event: &Event) -> Result<Option<Delegation>, ServiceError> {
        if !is_visit(event.fields.kind) || !event.status.is_public() {
            return Ok(None);
        }
        Ok(Some(public_view(self.store.delegation(event.id).await?)))
    }

    /// The visits `actor` keeps: every one for staff and auditors, their municipalities' for a representative
    /// (drafts included), latest first.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<Event>, ServiceError> {
        let hosts: Vec<Option<_>> = if actor.reads_everything() {
            vec![None]
        } else if actor.role == Some(Role::Representative) && !actor.municipalities.is_empty() {
            actor.municipalities.iter().copied().map(Some).collect()
        } else {
            return Err(ServiceError::Forbidden);
        };
        let mut visits = Vec::new();
        for kind in [EventKind::IncomingDelegation, EventKind::OutgoingDelegation, EventKind::StudyVisit] {
            for host in &hosts {
                let filter = EventFilter { kind: Some(kind), municipality: *host, ..EventFilter::default() };
                visits.extend(self.events.events(&filter, Page::first(Page::MAX_SIZE)).await?.items);
            }
        }
        visits.sort_by(|a, b| {
            b.fields.sessions.first().map(|s| s.start).cmp(&a.fields.sessions.first().map(|s| s.start))
        });
        Ok(visits)
    }

    async fn editable(&self, actor: &Actor, id: EventId) -> Result<Event, ServiceError> {
        let (event, access) = self.visit(actor, id).await?;
        if !access.edits {
            return Err(ServiceError::Forbidden);
        }
        Ok(event)
    }

    fn change(&self, actor: &Actor, event: &Event, action: &str, record_type: &'static str) -> Change {
        let mut change = Change::new(actor, self.clock.now(), action, record_type);
        if let Some(m) = event.fields.host {
            change = change.of(m);
        }
        change
    }

    /// Saves the visit's details and protocol notes.
    pub async fn save(&self, actor: &Actor, id: EventId, input: &DetailsInput) -> Result<Delegation, ServiceError> {
        let event = self.editable(actor, id).await?;
        let mut errors = InputError::default();
        let mut text = |raw: &Option<String>, name: &str| field(raw, name, 20_000, &mut errors);
        let purpose = Localized::new(text(&input.purpose_tr, "purpose_tr"), text(&input.purpose_en, "purpose_en"));
        let programme =
            Localized::new(text(&input.programme_tr, "programme_tr"), text(&input.programme_en, "programme_en"));
        let outcome = Localized::new(text(&input.outcome_tr, "outcome_tr"), text(&input.outcome_en, "outcome_en"));
        let precedence = text(&input.precedence, "precedence");
        let interpreters = text(&input.interpreters, "interpreters");
        let mut flags: Vec<String> = Vec::new();
        for code in input.flags.as_deref().unwrap_or("").split([',', ' ', '\n']).filter(|c| !c.trim().is_empty()) {
            match CountryCode::parse(code) {
                Ok(c) if !flags.iter().any(|f| f == c.as_str()) => flags.push(c.as_str().to_owned()),
                Ok(_) => {}
                Err(_) => errors.add("flags", "invalid_country_code"),
            }
        }
        if purpose.tr.is_empty() && purpose.en.is_empty() {
            errors.add("purpose_tr", "required");
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let details = DelegationDetails { purpose, programme, outcome, precedence, interpreters, flags };
        let before = self.store.delegation(id).await?;
        let change =
            self.change(actor, &event, "update", "delegation").record(id.0).before(&before.details).after(&details);
        self.store.save_delegation(id, &details, change.at, &change).await?;
        Ok(self.store.delegation(id).await?)
    }

    /// Adds a participant to the visit.
    pub async fn add_participant(
        &self,
        actor: &Actor,
        id: EventId,
        input: &ParticipantInput,
    ) -> Result<i64, ServiceError> {
        let event = self.editable(actor, id).await?;
        let mut errors = InputError::default();
        let side = match input.side.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                errors.add("side", "required");
                Side::Guest
            }
            Some(s) => Side::parse(s).unwrap_or_else(|| {
                errors.add("side", "invalid_choice");
                Side::Guest
            }),
        };
        let rank = field(&input.rank, "rank", 6, &mut errors);
        let precedence = match rank.parse::<i64>() {
            Ok(n) if (1..=999).contains(&n) => n,
            _ if rank.is_empty() => 1,
            _ => {
                errors.add("rank", "invalid_number");
                1
            }
        };
        let name = field(&input.name, "name", 200, &mut errors);
        if name.is_empty() {
            errors.add("name", "required");
        }
        let title = field(&input.title, "title", 200, &mut errors);
        let organisation = field(&input.organisation, "organisation", 200, &mut errors);
        let country = field(&input.country, "country", 2, &mut errors);
        let country = match CountryCode::parse(&country) {
            Ok(c) if self.reference.country(&c).await?.is_some() => c.as_str().to_owned(),
            Ok(_) => {
                errors.add("country", "unknown_country");
                String::new()
            }
            Err(_) if country.is_empty() => {
                errors.add("country", "required");
                String::new()
            }
            Err(_) => {
                errors.add("country", "invalid_country_code");
                String::new()
            }
        };
        let email = field(&input.email, "email", 254, &mut errors);
        if !email.is_empty() && !super::accounts::valid_email(&email) {
            errors.add("email", "invalid_email");
        }
        let phone = field(&input.phone, "phone", 40, &mut errors);
        if !phone.chars().all(|c| c.is_ascii_digit() || " +()-./".contains(c)) {
            errors.add("phone", "invalid_phone");
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let person = NewParticipant { side, precedence, name, title, organisation, country, email, phone };
        // The log keeps who took part, but not their contact details.
        let change = self.change(actor, &event, "create", "delegation_participant").after(serde_json::json!({
            "event": id.0,
            "side": person.side.as_str(),
            "precedence": person.precedence,
            "name": person.name,
            "title": person.title,
            "organisation": person.organisation,
            "country": person.country,
        }));
        Ok(self.store.add_participant(id, &person, &change).await?)
    }

    pub async fn remove_participant(&self, actor: &Actor, id: EventId, participant: i64) -> Result<(), ServiceError> {
        let event = self.editable(actor, id).await?;
        let record = self.store.delegation(id).await?;
        let Some(p) = record.participants.iter().find(|p| p.id == participant) else {
            return Err(ServiceError::NotFound);
        };
        let change = self
            .change(actor, &event, "delete", "delegation_participant")
            .record(participant)
            .before(serde_json::json!({ "event": id.0, "name": p.person.name, "country": p.person.country }));
        if !self.store.remove_participant(id, participant, &change).await? {
            return Err(ServiceError::NotFound);
        }
        Ok(())
    }

    /// Records a gift given or received during the visit.
    pub async fn add_gift(&self, actor: &Actor, id: EventId, input: &GiftInput) -> Result<i64, ServiceError> {
        let event = self.editable(actor, id).await?;
        let today = self.clock.now().to_offset(ISTANBUL).date();
        let mut errors = InputError::default();
        let direction = match input.direction.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                errors.add("direction", "required");
                GiftDirection::Given
            }
            Some(s) => GiftDirection::parse(s).unwrap_or_else(|| {
                errors.add("direction", "invalid_choice");
                GiftDirection::Given
            }),
        };
        let raw_date = field(&input.given_on, "given_on", 10, &mut errors);
        let given_on = if raw_date.is_empty() {
            errors.add("given_on", "required");
            today
        } else {
            match Date::parse(&raw_date, &time::format_description::well_known::Iso8601::DATE) {
                Ok(d) if d > today => {
                    errors.add("given_on", "date_in_future");
                    d
                }
                Ok(d) => d,
                Err(_) => {
                    errors.add("given_on", "invalid_date");
                    today
                }
            }
        };
        let description = field(&input.description, "description", 2_000, &mut errors);
        if description.is_empty() {
            errors.add("description", "required");
        }
        let counterpart = field(&input.counterpart, "counterpart", 300, &mut errors);
        let raw_value = field(&input.value, "value", 30, &mut errors);
        let value = if raw_value.is_empty() {
            None
        } else {
            match crate::domain::funding::parse_amount(&raw_value) {
                Some(v) => Some(format!("{v:.2}")),
                None => {
                    errors.add("value", "invalid_amount");
                    None
                }
            }
        };
        let currency = field(&input.currency, "currency", 3, &mut errors).to_ascii_uppercase();
        let currency = if currency.is_empty() { "TRY".to_owned() } else { currency };
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.add("currency", "invalid_currency");
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let gift = NewGift { direction, given_on, description, counterpart, value, currency };
        let change = self
            .change(actor, &event, "create", "delegation_gift")
            .after(serde_json::json!({ "event": id.0, "gift": &gift }));
        Ok(self.store.add_gift(id, &gift, &change).await?)
    }

    pub async fn remove_gift(&self, actor: &Actor, id: EventId, gift: i64) -> Result<(), ServiceError> {
        let event = self.editable(actor, id).await?;
        let record = self.store.delegation(id).await?;
        let Some(g) = record.gifts.iter().find(|g| g.id == gift) else { return Err(ServiceError::NotFound) };
        let change = self
            .change(actor, &event, "delete", "delegation_gift")
            .record(gift)
            .before(serde_json::json!({ "event": id.0, "gift": &g.gift }));
        if !self.store.remove_gift(id, gift, &change).await? {
            return Err(ServiceError::NotFound);
        }
        Ok(())
    }
}
