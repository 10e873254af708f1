//! The networks registry: members' memberships in networks other than the union's own eight. Representatives
//! propose a network (visible to staff and to them until approved); the union's staff add, edit and approve
//! them. Only approved networks are public and can carry memberships. Every change is audited.

use std::sync::Arc;

use super::ServiceError;
use super::workspace::field;
use crate::clock::Clock;
use crate::domain::{
    Actor, Change, CountryCode, InputError, Localized, NetworkFields, NetworkId, RegistryNetwork, RegistryStatus, Role,
};
use crate::store::{NetworkRegistryStore, ReferenceStore, Store, StoreError};
use crate::text::slugify;

/// The raw fields of the network form (also the API's request body).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema)]
pub struct NetworkInput {
    /// Optional: some networks go by their name alone.
    pub acronym: Option<String>,
    pub name_tr: Option<String>,
    /// Optional: the Turkish name stands in for it.
    pub name_en: Option<String>,
    /// The year it was founded.
    pub founded: Option<String>,
    /// The city of its headquarters.
    pub headquarters: Option<String>,
    /// ISO 3166-1 alpha-2 code of the headquarters' country.
    pub hq_country: Option<String>,
    /// Its website (`https://…`), also the source of these facts.
    pub website: Option<String>,
    pub aims_tr: Option<String>,
    pub aims_en: Option<String>,
}

#[derive(Clone)]
pub struct Networks {
    store: Arc<dyn NetworkRegistryStore>,
    /// Countries, to check a headquarters country.
    reference: Arc<dyn ReferenceStore>,
    clock: Arc<dyn Clock>,
}

/// Who may propose: anyone who edits content (admins, staff, representatives), never a read-only token.
fn proposes(actor: &Actor) -> bool {
    !actor.read_only && matches!(actor.role, Some(Role::Admin | Role::Staff | Role::Representative))
}

/// Whether `actor` sees `network`: approved ones everyone; a proposal staff, auditors and its proposer.
pub fn sees(actor: &Actor, network: &RegistryNetwork) -> bool {
    network.status == RegistryStatus::Approved
        || actor.reads_everything()
        || (actor.user.is_some() && actor.user == network.proposed_by)
}

/// Whether `actor` may change `network`: staff always; its proposer while it is still a proposal.
pub fn edits(actor: &Actor, network: &RegistryNetwork) -> bool {
    actor.edits_all_content()
        || (proposes(actor)
            && network.status == RegistryStatus::Proposed
            && actor.user.is_some()
            && actor.user == network.proposed_by)
}

impl Networks {
    /// Built from the whole store, of which it keeps only the capabilities it uses.
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>) -> Self {
        Networks { store: store.clone(), reference: store, clock }
    }

    /// Whether `actor` may propose (or, as staff, add) a network.
    pub fn may_propose(&self, actor: &Actor) -> bool {
        proposes(actor)
    }

    /// The registry as `actor` sees it, in Turkish alphabetical order.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<RegistryNetwork>, ServiceError> {
        Ok(self.store.registry_networks().await?.into_iter().filter(|n| sees(actor, n)).collect())
    }

    /// One network of the registry, if `actor` may see it (`NotFound` otherwise, so a proposal's existence
    /// does not leak).
    pub async fn get(&self, actor: &Actor, id: NetworkId) -> Result<RegistryNetwork, ServiceError> {
        match self.store.registry_network(id).await? {
            Some(n) if sees(actor, &n) => Ok(n),
            _ => Err(ServiceError::NotFound),
        }
    }

    async fn parse(&self, input: &NetworkInput) -> Result<NetworkFields, ServiceError> {
        let mut errors = InputError::default();
        let acronym = field(&input.acronym, "acronym", 30, &mut errors);
        let name_tr = field(&input.name_tr, "name_tr", 200, &mut errors);
        if name_tr.is_empty() {
            errors.add("name_tr", "required");
        }
        let name_en = field(&input.name_en, "name_en", 200, &mut errors);
        let founded = field(&input.founded, "founded", 4, &mut errors);
        let this_year = crate::clock::istanbul_date(self.clock.now()).year();
        let founded = match founded.parse::<i32>() {
            _ if founded.is_empty() => {
                errors.add("founded", "required");
                0
            }
            Ok(y) if (1900..=this_year).contains(&y) => y,
            _ => {
                errors.add("founded", "invalid_year");
                0
            }
        };
        let headquarters = field(&input.headquarters, "headquarters", 120, &mut errors);
        if headquarters.is_empty() {
            errors.add("headquarters", "required");
        }
        let country = field(&input.hq_country, "hq_country", 2, &mut errors).to_ascii_uppercase();
        let hq_country = if country.is_empty() {
            errors.add("hq_country", "required");
            String::new()
        } else {
            match CountryCode::parse(&country) {
                Ok(code) if self.reference.country(&code).await?.is_some() => code.as_str().to_owned(),
                _ => {
                    errors.add("hq_country", "unknown_country");
                    String::new()
                }
            }
        };
        let website = field(&input.website, "website", 300, &mut errors);
        let web_address = (website.starts_with("https://") || website.starts_with("http://"))
            && website.len() > "https://".len()
            && !website.chars().any(|c| c.is_whitespace() || "<>\"'`".contains(c));
        if website.is_empty() {
            errors.add("website", "required");
        } else if !web_address && !errors.fields.contains_key("website") {
            errors.add("website", "invalid_url");
        }
        let aims = Localized::new(
            field(&input.aims_tr, "aims_tr", 2000, &mut errors),
            field(&input.aims_en, "aims_en", 2000, &mut errors),
        );
        if !errors.is_empty() {
            return Err(errors.into());
        }
        let name = Localized::new(name_tr, name_en);
        Ok(NetworkFields { acronym, name, founded, headquarters, hq_country, website, aims })
    }

    /// Proposes a network (a representative: it waits for approval) or adds one (staff: approved at once).
    pub async fn propose(&self, actor: &Actor, input: &NetworkInput) -> Result<RegistryNetwork, ServiceError> {
        if !proposes(actor) {
            return Err(ServiceError::Forbidden);
        }
        let now = self.clock.now();
        let fields = self.parse(input).await?;
        let status = if actor.edits_all_content() { RegistryStatus::Approved } else { RegistryStatus::Proposed };
        let slug = slugify(if fields.acronym.is_empty() { &fields.name.tr } else { &fields.acronym });
        let action = if status == RegistryStatus::Approved { "create" } else { "propose" };
        let mut after = serde_json::to_value(&fields).unwrap_or_default();
        after["status"] = serde_json::json!(status.as_str());
        let change = Change::new(actor, now, action, "network").after(after);
        let id = match self.store.create_registry_network(&slug, &fields, status, actor.user, &change).await {
            Ok(id) => id,
            Err(StoreError::Conflict(_)) => {
                let field = if fields.acronym.is_empty() { "name_tr" } else { "acronym" };
                return Err(InputError::new(field, "network_exists").into());
            }
            Err(e) => return Err(e.into()),
        };
        self.store.registry_network(id).await?.ok_or(ServiceError::NotFound)
    }

    /// Saves a network's fields (staff; its proposer while it is a proposal).
    pub async fn update(
        &self,
        actor: &Actor,
        id: NetworkId,
        input: &NetworkInput,
    ) -> Result<RegistryNetwork, ServiceError> {
        let now = self.clock.now();
        let before = self.get(actor, id).await?;
        if !edits(actor, &before) {
            return Err(ServiceError::Forbidden);
        }
        let fields = self.parse(input).await?;
        let change = Change::new(actor, now, "update", "network").record(id.0).before(&before.fields).after(&fields);
        self.store.update_registry_network(id, &fields, &change).await?;
        self.store.registry_network(id).await?.ok_or(ServiceError::NotFound)
    }

    /// Approves a proposal (staff): it becomes public and open to memberships.
    pub async fn approve(&self, actor: &Actor, id: NetworkId) -> Result<RegistryNetwork, ServiceError> {
        let now = self.clock.now();
        let before = self.get(actor, id).await?;
        if !actor.edits_all_content() {
            return Err(ServiceError::Forbidden);
        }
        let change = Change::new(actor, now, "approve", "network")
            .record(id.0)
            .before(serde_json::json!({ "status": before.status.as_str() }))
            .after(serde_json::json!({ "status": RegistryStatus::Approved.as_str() }));
        if !self.store.approve_registry_network(id, &change).await? {
            return Err(ServiceError::Conflict("network_not_proposed".into()));
        }
        self.store.registry_network(id).await?.ok_or(ServiceError::NotFound)
    }
}
