//! Storage of what municipalities keep about themselves: profiles, representatives and their own network
//! memberships. Every write carries its audit entry.

use async_trait::async_trait;

use crate::domain::{
    Change, MembershipFields, MunicipalMembership, MunicipalityId, MunicipalityProfile, NetworkId, Representative,
    RepresentativeFields,
};
use crate::store::StoreResult;

/// Persistence of the workspace's municipal records (see the module's documentation).
#[async_trait]
pub trait WorkspaceStore: Send + Sync + 'static {
    async fn municipality_profile(&self, id: MunicipalityId) -> StoreResult<Option<MunicipalityProfile>>;

    /// Every municipality's profile at once (for the reference read model).
    async fn municipality_profiles(&self) -> StoreResult<Vec<(MunicipalityId, MunicipalityProfile)>>;

    async fn update_municipality_profile(
        &self,
        id: MunicipalityId,
        profile: &MunicipalityProfile,
        change: &Change,
    ) -> StoreResult<()>;

    /// A municipality's representatives in Turkish collation order of name.
    async fn representatives(&self, municipality: MunicipalityId) -> StoreResult<Vec<Representative>>;

    async fn representative(&self, id: i64) -> StoreResult<Option<Representative>>;

    /// Creates (`id` = `None`) or updates a representative of `municipality`.
    async fn save_representative(
        &self,
        municipality: MunicipalityId,
        id: Option<i64>,
        fields: &RepresentativeFields,
        change: &Change,
    ) -> StoreResult<i64>;

    async fn delete_representative(&self, id: i64, change: &Change) -> StoreResult<()>;

    /// A municipality's own network memberships, by network acronym.
    async fn municipal_memberships(&self, municipality: MunicipalityId) -> StoreResult<Vec<MunicipalMembership>>;

    /// The member municipalities of a network, in Turkish collation order.
    async fn network_members(&self, network: NetworkId) -> StoreResult<Vec<MunicipalMembership>>;

    async fn municipal_membership(&self, id: i64) -> StoreResult<Option<MunicipalMembership>>;

    /// Creates (`id` = `None`; `Conflict("membership_exists")` for a second one) or updates a membership.
    async fn save_membership(
        &self,
        municipality: MunicipalityId,
        id: Option<i64>,
        fields: &MembershipFields,
        change: &Change,
    ) -> StoreResult<i64>;
}
