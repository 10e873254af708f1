//! What municipalities keep about themselves: their profile, representatives and network memberships.
//! Representatives change only their own municipalities' records; every change goes to the audit trail.

use std::sync::Arc;

use super::ServiceError;
use crate::clock::{Clock, istanbul_date};
use crate::domain::partnership::parse_date;
use crate::domain::{
    Actor, Change, InputError, Localized, MembershipFields, MembershipStatus, MunicipalMembership, Municipality,
    MunicipalityProfile, Representative, RepresentativeFields,
};
use crate::store::{ReferenceStore, Store, WorkspaceStore};

/// The raw fields of the profile form (also the API's request body).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct ProfileInput {
    pub website: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub about_tr: Option<String>,
    pub about_en: Option<String>,
}

/// The raw fields of a representative.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct RepresentativeInput {
    pub name: Option<String>,
    pub title: Option<String>,
    pub unit: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Languages spoken, comma-separated.
    pub languages: Option<String>,
}

/// The raw fields of a network membership.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct MembershipInput {
    /// The network's slug (only when creating).
    pub network: Option<String>,
    /// The year the membership began.
    pub since: Option<String>,
    /// `applied`, `active`, `suspended` or `ended`.
    pub status: Option<String>,
    /// The council decision that approved joining (Law 5393 art. 74).
    pub decision_number: Option<String>,
    /// `YYYY-MM-DD`.
    pub decision_date: Option<String>,
    /// Id of one of the municipality's representatives.
    pub representative: Option<String>,
    /// Working groups, comma-separated.
    pub working_groups: Option<String>,
}

pub(super) fn field(raw: &Option<String>, name: &str, max: usize, errors: &mut InputError) -> String {
    let value = raw.as_deref().unwrap_or("").trim().to_owned();
    if value.chars().count() > max {
        errors.add(name, "too_long");
    }
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        errors.add(name, "invalid_characters");
    }
    value
}

fn email_field(raw: &Option<String>, name: &str, errors: &mut InputError) -> String {
    let value = field(raw, name, 254, errors);
    let ok = value.is_empty()
        || value.rsplit_once('@').is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.ends_with('.'))
            && !value.chars().any(char::is_whitespace);
    if !ok {
        errors.add(name, "invalid_email");
    }
    value
}

fn phone_field(raw: &Option<String>, name: &str, errors: &mut InputError) -> String {
    let value = field(raw, name, 40, errors);
    if !value.chars().all(|c| c.is_ascii_digit() || " +()-./".contains(c)) {
        errors.add(name, "invalid_phone");
    }
    value
}

#[derive(Clone)]
pub struct Workspace {
    store: Arc<dyn WorkspaceStore>,
    /// Municipalities and networks by slug.
    reference: Arc<dyn ReferenceStore>,
    clock: Arc<dyn Clock>,
}

impl Workspace {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Workspace { store: store.clone(), reference: store, clock }
    }

    /// The municipality `slug`, if `actor` may edit it.
    pub async fn editable_municipality(&self, actor: &Actor, slug: &str) -> Result<Municipality, ServiceError> {
        if !actor.is_signed_in() {
            return Err(ServiceError::Forbidden);
        }
        let m = self.reference.municipality_by_slug(slug).await?.ok_or(ServiceError::NotFound)?;
        if !actor.edits_municipality(m.id) {
            return Err(ServiceError::Forbidden);
        }
        Ok(m)
    }

    pub async fn profile(&self, municipality: &Municipality) -> Result<MunicipalityProfile, ServiceError> {
        self.store.municipality_profile(municipality.id).await?.ok_or(ServiceError::NotFound)
    }

    pub async fn update_profile(
        &self,
        actor: &Actor,
        slug: &str,
        input: &ProfileInput,
    ) -> Result<MunicipalityProfile, ServiceError> {
        let now = self.clock.now();
        let m = self.editable_municipality(actor, slug).await?;
        let mut errors = InputError::default();
        let website = field(&input.website, "website", 300, &mut errors);
        let web_address = (website.starts_with("https://") || website.starts_with("http://"))
            && !website.chars().any(|c| c.is_whitespace() || "<>\"'`".contains(c));
        if !(website.is_empty() || web_address || errors.fields.contains_key("website")) {
            errors.add("website", "invalid_url");
        }
        let profile = MunicipalityProfile {
            website,
            contact_email: email_field(&input.contact_email, "contact_email", &mut errors),
            contact_phone: phone_field(&input.contact_phone, "contact_phone", &mut errors),
            about: Localized::new(
                field(&input.about_tr, "about_tr", 4000, &mut errors),
                field(&input.about_en, "about_en", 4000, &mut errors),
            ),
        };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let before = self.profile(&m).await?;
        let change =
            Change::new(actor, now, "update", "municipality").record(m.id.0).of(m.id).before(&before).after(&profile);
        self.store.update_municipality_profile(m.id, &profile, &change).await?;
        Ok(profile)
    }

    pub async fn representatives(&self, municipality: &Municipality) -> Result<Vec<Representative>, ServiceError> {
        Ok(self.store.representatives(municipality.id).await?)
    }

    /// A representative of `slug` that `actor` may edit.
    pub async fn editable_representative(
        &self,
        actor: &Actor,
        slug: &str,
        id: i64,
    ) -> Result<(Municipality, Representative), ServiceError> {
        let m = self.editable_municipality(actor, slug).await?;
        let r = self.store.representative(id).await?.filter(|r| r.municipality_id == m.id);
        Ok((m, r.ok_or(ServiceError::NotFound)?))
    }

    /// Creates (`id` = `None`) or updates a representative of the municipality `slug`.
    pub async fn save_representative(
        &self,
        actor: &Actor,
        slug: &str,
        id: Option<i64>,
        input: &RepresentativeInput,
    ) -> Result<i64, ServiceError> {
        let now = self.clock.now();
        let (m, before) = match id {
            Some(id) => {
                let (m, r) = self.editable_representative(actor, slug, id).await?;
                (m, Some(r))
            }
            None => (self.editable_municipality(actor, slug).await?, None),
        };
        let mut errors = InputError::default();
        let fields = RepresentativeFields {
            name: field(&input.name, "name", 120, &mut errors),
            title: field(&input.title, "title", 120, &mut errors),
            unit: field(&input.unit, "unit", 160, &mut errors),
            email: email_field(&input.email, "email", &mut errors),
            phone: phone_field(&input.phone, "phone", &mut errors),
            languages: field(&input.languages, "languages", 200, &mut errors),
        };
        if fields.name.is_empty() {
            errors.add("name", "required");
        }
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let mut change = Change::new(actor, now, if id.is_some() { "update" } else { "create" }, "representative")
            .of(m.id)
            .after(&fields);
        if let Some(b) = &before {
            change = change.record(b.id).before(serde_json::json!({
                "name": b.name, "title": b.title, "unit": b.unit, "email": b.email, "phone": b.phone,
                "languages": b.languages,
            }));
        }
        Ok(self.store.save_representative(m.id, id, &fields, &change).await?)
    }

    pub async fn delete_representative(&self, actor: &Actor, slug: &str, id: i64) -> Result<(), ServiceError> {
        let now = self.clock.now();
        let (m, r) = self.editable_representative(actor, slug, id).await?;
        let change = Change::new(actor, now, "delete", "representative").record(r.id).of(m.id).before(&r);
        Ok(self.store.delete_representative(r.id, &change).await?)
    }

    pub async fn memberships(&self, municipality: &Municipality) -> Result<Vec<MunicipalMembership>, ServiceError> {
        Ok(self.store.municipal_memberships(municipality.id).await?)
    }

    /// The members' own memberships of `network`, as their representatives recorded them.
    pub async fn network_members(
        &self,
        network: crate::domain::NetworkId,
    ) -> Result<Vec<MunicipalMembership>, ServiceError> {
        Ok(self.store.network_members(network).await?)
    }

    /// A membership of `slug` that `actor` may edit.
    pub async fn editable_membership(
        &self,
        actor: &Actor,
        slug: &str,
        id: i64,
    ) -> Result<(Municipality, MunicipalMembership), ServiceError> {
        let m = self.editable_municipality(actor, slug).await?;
        let found = self.store.municipal_membership(id).await?.filter(|x| x.municipality_id == m.id);
        Ok((m, found.ok_or(ServiceError::NotFound)?))
    }

    /// Creates (`id` = `None`) or updates a network membership of the municipality `slug`. Joining needs the
    /// council's decision: an active or suspended membership must name it.
    pub async fn save_membership(
        &self,
        actor: &Actor,
        slug: &str,
        id: Option<i64>,
        input: &MembershipInput,
    ) -> Result<i64, ServiceError> {
        let now = self.clock.now();
        let (m, before) = match id {
            Some(id) => {
                let (m, x) = self.editable_membership(actor, slug, id).await?;
                (m, Some(x))
            }
            None => (self.editable_municipality(actor, slug).await?, None),
        };
        let mut errors = InputError::default();
        let network_id = match &before {
            Some(b) => Some(b.network_id),
            None => match input.network.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => {
                    errors.add("network", "required");
                    None
                }
                Some(s) => match self.reference.network_by_slug(s).await? {
                    Some(n) => Some(n.id),
                    None => {
                        errors.add("network", "unknown_network");
                        None
                    }
                },
            },
        };
        let year = now.year();
        let since_year = match input.since.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                errors.add("since", "required");
                None
            }
            Some(s) => match s.parse::<i32>() {
                Ok(y) if (1900..=year).contains(&y) => Some(y),
                _ => {
                    errors.add("since", "invalid_year");
                    None
                }
            },
        };
        let status = match input.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(MembershipStatus::Active),
            Some(s) => s.parse::<MembershipStatus>().map_err(|e| errors.fields.extend(e.fields)).ok(),
        };
        let decision_number = field(&input.decision_number, "decision_number", 60, &mut errors);
        let decision_date = match input.decision_date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(d) => match parse_date("decision_date", Some(d)) {
                Ok(d) if d > istanbul_date(now) => {
                    errors.add("decision_date", "date_in_future");
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    errors.fields.extend(e.fields);
                    None
                }
            },
        };
        if matches!(status, Some(MembershipStatus::Active | MembershipStatus::Suspended)) {
            if decision_number.is_empty() {
                errors.add("decision_number", "council_decision_required");
            }
            if decision_date.is_none() && !errors.fields.contains_key("decision_date") {
                errors.add("decision_date", "council_decision_required");
            }
        }
        let representative_id = match input.representative.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(r) => match r.parse::<i64>().ok() {
                Some(rid) if self.store.representative(rid).await?.is_some_and(|x| x.municipality_id == m.id) => {
                    Some(rid)
                }
                _ => {
                    errors.add("representative", "unknown_representative");
                    None
                }
            },
        };
        let working_groups = field(&input.working_groups, "working_groups", 500, &mut errors);
        let (Some(network_id), Some(since_year), Some(status)) = (network_id, since_year, status) else {
            return Err(errors.into());
        };
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let fields = MembershipFields {
            network_id,
            since_year,
            status,
            decision_number: Some(decision_number).filter(|d| !d.is_empty()),
            decision_date,
            representative_id,
            working_groups,
        };
        let mut change = Change::new(actor, now, if id.is_some() { "update" } else { "create" }, "membership")
            .of(m.id)
            .after(&fields);
        if let Some(b) = &before {
            change = change.record(b.id).before(MembershipFields {
                network_id: b.network_id,
                since_year: b.since_year,
                status: b.status,
                decision_number: b.decision_number.clone(),
                decision_date: b.decision_date,
                representative_id: b.representative_id,
                working_groups: b.working_groups.clone(),
            });
        }
        match self.store.save_membership(m.id, id, &fields, &change).await {
            Err(crate::store::StoreError::Conflict(c)) if c == "membership_exists" => {
                Err(InputError::new("network", "membership_exists").into())
            }
            other => Ok(other?),
        }
    }
}
