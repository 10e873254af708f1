//! Storage of the networks registry: networks beyond the union's own, proposed by representatives and approved
//! by staff (domain types in [`crate::domain::network`], rules in [`crate::services::networks`]). A capability
//! slice of its own: [`crate::store::Store`] includes it, so an `Arc<dyn Store>` serves it too.

use async_trait::async_trait;

use crate::domain::{Change, NetworkFields, NetworkId, RegistryNetwork, RegistryStatus, UserId};
use crate::store::StoreResult;

#[async_trait]
pub trait NetworkRegistryStore: Send + Sync + 'static {
    /// The networks registry (every network that is not the union's own, proposed or approved), in Turkish
    /// alphabetical order of the Turkish name.
    async fn registry_networks(&self) -> StoreResult<Vec<RegistryNetwork>>;
    /// One network of the registry; `None` for the union's own networks.
    async fn registry_network(&self, id: NetworkId) -> StoreResult<Option<RegistryNetwork>>;
    /// Adds a network to the registry with its audit entry; `Conflict("network_exists")` when the slug is taken.
    async fn create_registry_network(
        &self,
        slug: &str,
        fields: &NetworkFields,
        status: RegistryStatus,
        proposed_by: Option<UserId>,
        change: &Change,
    ) -> StoreResult<NetworkId>;
    /// Saves a registry network's fields; `Conflict("network_not_found")` for any other network.
    async fn update_registry_network(&self, id: NetworkId, fields: &NetworkFields, change: &Change) -> StoreResult<()>;
    /// Approves a proposed network; `false` (and no entry) when it was not a proposal.
    async fn approve_registry_network(&self, id: NetworkId, change: &Change) -> StoreResult<bool>;
}
