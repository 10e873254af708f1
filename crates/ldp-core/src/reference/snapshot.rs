//! One immutable copy of the reference data the public pages show: the union, networks, provinces,
//! municipalities with their profiles, countries and the SDGs with their targets. Built off to the side from
//! the store, then swapped in whole by [`ReferenceModel`](super::model::ReferenceModel); answers the same
//! questions the store does, in the same order.

use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::{
    Country, CountryCode, GoalNumber, Municipality, MunicipalityFilter, MunicipalityId, MunicipalityProfile, Network,
    Page, Paged, Province, RegistryStatus, SdgGoal, SdgGoalDetail, Union,
};
use crate::feed::Versions;
use crate::store::{Store, StoreResult};
use crate::text::fold;

/// A municipality as the model keeps it: with its folded place name (what a name search matches) and profile.
#[derive(Debug)]
struct Member {
    municipality: Municipality,
    folded: String,
    profile: MunicipalityProfile,
}

/// The reference data at one moment.
#[derive(Debug, Default)]
pub struct ReferenceSnapshot {
    /// The feed's versions when this was read; a newer Reference or Workspace version makes it stale.
    pub versions: Versions,
    union: Option<Arc<Union>>,
    /// The union's networks, as [`Store::list_networks`] lists them.
    networks: Vec<Network>,
    /// Approved registry networks, which have a page but are not in the union's list.
    registry_networks: Vec<Network>,
    provinces: Vec<Province>,
    /// In the store's order: Turkish collation of the place name, then id.
    members: Vec<Member>,
    by_slug: HashMap<String, usize>,
    by_id: HashMap<MunicipalityId, usize>,
    countries: Vec<Country>,
    country_index: HashMap<CountryCode, usize>,
    goals: Vec<SdgGoalDetail>,
}

impl ReferenceSnapshot {
    /// Reads everything from `store`; `versions` are the feed's versions read before the first query.
    pub async fn read(store: &dyn Store, versions: Versions) -> StoreResult<ReferenceSnapshot> {
        let union = store.union_info().await?.map(Arc::new);
        let networks = store.list_networks().await?;
        let mut registry_networks = Vec::new();
        for n in store.registry_networks().await? {
            if n.status == RegistryStatus::Approved
                && !networks.iter().any(|u| u.slug == n.slug)
                && let Some(found) = store.network_by_slug(&n.slug).await?
            {
                registry_networks.push(found);
            }
        }
        let provinces = store.list_provinces().await?;
        let everywhere = MunicipalityFilter::default();
        let municipalities = all_pages(|page| store.list_municipalities(&everywhere, page)).await?;
        let mut profiles: HashMap<MunicipalityId, MunicipalityProfile> =
            store.municipality_profiles().await?.into_iter().collect();
        let members: Vec<Member> = municipalities
            .into_iter()
            .map(|m| Member {
                folded: fold(&m.place_name()),
                profile: profiles.remove(&m.id).unwrap_or_default(),
                municipality: m,
            })
            .collect();
        let countries = all_pages(|page| store.list_countries(page)).await?;
        let mut goals = Vec::new();
        for g in store.list_goals().await? {
            if let Some(detail) = store.goal(g.number).await? {
                goals.push(detail);
            }
        }
        Ok(ReferenceSnapshot {
            versions,
            union,
            networks,
            registry_networks,
            provinces,
            by_slug: members.iter().enumerate().map(|(i, m)| (m.municipality.slug.clone(), i)).collect(),
            by_id: members.iter().enumerate().map(|(i, m)| (m.municipality.id, i)).collect(),
            members,
            country_index: countries.iter().enumerate().map(|(i, c)| (c.iso2.clone(), i)).collect(),
            countries,
            goals,
        })
    }

    pub fn union(&self) -> Option<Arc<Union>> {
        self.union.clone()
    }

    /// The union's networks, by slug.
    pub fn networks(&self) -> &[Network] {
        &self.networks
    }

    /// The approved networks of the registry (members' other networks), which have public pages too.
    pub fn registry_networks(&self) -> &[Network] {
        &self.registry_networks
    }

    /// A network with a public page: the union's, or an approved one of the registry.
    pub fn network_by_slug(&self, slug: &str) -> Option<&Network> {
        self.networks.iter().chain(&self.registry_networks).find(|n| n.slug == slug)
    }

    pub fn provinces(&self) -> &[Province] {
        &self.provinces
    }

    /// Every municipality matching `filter`, in Turkish order (as the store lists them).
    pub fn matching<'a>(&'a self, filter: &'a MunicipalityFilter) -> impl Iterator<Item = &'a Municipality> + 'a {
        self.members
            .iter()
            .filter(|m| {
                filter.province.is_none_or(|p| m.municipality.province.plate == p)
                    && filter.kind.is_none_or(|k| m.municipality.kind == k)
                    && filter.name.as_deref().is_none_or(|q| m.folded.contains(q))
            })
            .map(|m| &m.municipality)
    }

    /// One page of the municipalities matching `filter`, with how many match.
    pub fn municipalities(&self, filter: &MunicipalityFilter, page: Page) -> Paged<Municipality> {
        let mut total = 0u64;
        let mut items = Vec::new();
        let skip = page.offset() as u64;
        for m in self.matching(filter) {
            if total >= skip && items.len() < page.size() as usize {
                items.push(m.clone());
            }
            total += 1;
        }
        Paged::new(items, page, total)
    }

    /// Every municipality, in Turkish order.
    pub fn all_municipalities(&self) -> impl Iterator<Item = &Municipality> {
        self.members.iter().map(|m| &m.municipality)
    }

    pub fn municipality_by_slug(&self, slug: &str) -> Option<&Municipality> {
        self.by_slug.get(slug).map(|i| &self.members[*i].municipality)
    }

    pub fn municipality(&self, id: MunicipalityId) -> Option<&Municipality> {
        self.by_id.get(&id).map(|i| &self.members[*i].municipality)
    }

    /// The municipalities with these ids that exist, in Turkish order.
    pub fn municipalities_by_id(&self, ids: &[MunicipalityId]) -> Vec<Municipality> {
        let mut found: Vec<usize> = ids.iter().filter_map(|id| self.by_id.get(id).copied()).collect();
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(|i| self.members[i].municipality.clone()).collect()
    }

    pub fn profile(&self, id: MunicipalityId) -> Option<&MunicipalityProfile> {
        self.by_id.get(&id).map(|i| &self.members[*i].profile)
    }

    /// One page of the countries, in the store's order.
    pub fn countries(&self, page: Page) -> Paged<Country> {
        let items = self.countries.iter().skip(page.offset() as usize).take(page.size() as usize).cloned().collect();
        Paged::new(items, page, self.countries.len() as u64)
    }

    pub fn all_countries(&self) -> &[Country] {
        &self.countries
    }

    pub fn country(&self, code: &CountryCode) -> Option<&Country> {
        self.country_index.get(code).map(|i| &self.countries[*i])
    }

    /// The 17 goals, in order.
    pub fn goals(&self) -> Vec<SdgGoal> {
        self.goals.iter().map(|g| g.goal.clone()).collect()
    }

    pub fn goal(&self, number: GoalNumber) -> Option<&SdgGoalDetail> {
        self.goals.iter().find(|g| g.goal.number == number)
    }
}

/// Every item of a paged store list.
async fn all_pages<T, F, Fut>(mut read: F) -> StoreResult<Vec<T>>
where
    F: FnMut(Page) -> Fut,
    Fut: std::future::Future<Output = StoreResult<Paged<T>>>,
{
    let mut all = Vec::new();
    for n in 1.. {
        let page = Page::parse(Some(n), Some(i64::from(Page::MAX_SIZE))).unwrap_or_default();
        let batch = read(page).await?;
        let last = batch.last_page();
        all.extend(batch.items);
        if n >= i64::from(last) {
            break;
        }
    }
    Ok(all)
}
