//! The networks registry: networks beyond the union's own, proposed by representatives and approved by staff.
//! They live in the `network` table (so memberships point at them like at any network) with a
//! `registry_status`; the union's reference networks keep it NULL.

use async_trait::async_trait;
use ldp_core::domain::{Change, Localized, NetworkFields, NetworkId, RegistryNetwork, RegistryStatus, UserId};
use ldp_core::registry::NetworkRegistryStore;
use ldp_core::store::{StoreError, StoreResult};
use ldp_core::text::collation_key;

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;

#[derive(sqlx::FromRow)]
struct RegistryRow {
    id: i64,
    slug: String,
    acronym: String,
    name_tr: String,
    name_en: String,
    founded: i64,
    hq_tr: String,
    hq_country: String,
    website: String,
    aims_tr: String,
    aims_en: String,
    registry_status: String,
    proposed_by: Option<i64>,
}

impl RegistryRow {
    fn into_domain(self) -> StoreResult<RegistryNetwork> {
        let status = RegistryStatus::parse(&self.registry_status)
            .ok_or_else(|| corrupt(format!("network.registry_status {}", self.registry_status)))?;
        Ok(RegistryNetwork {
            id: NetworkId(self.id),
            slug: self.slug,
            fields: NetworkFields {
                acronym: self.acronym,
                name: Localized::new(self.name_tr, self.name_en),
                founded: self.founded as i32,
                headquarters: self.hq_tr,
                hq_country: self.hq_country,
                website: self.website,
                aims: Localized::new(self.aims_tr, self.aims_en),
            },
            status,
            proposed_by: self.proposed_by.map(UserId),
        })
    }
}

const REGISTRY_SELECT: &str = "SELECT id, slug, acronym, name_tr, name_en, founded, hq_tr, hq_country, website, \
    aims_tr, aims_en, registry_status, proposed_by FROM network WHERE registry_status IS NOT NULL";

impl SqlStore {
    pub(crate) async fn registry_networks_q(&self) -> StoreResult<Vec<RegistryNetwork>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, RegistryRow>(static_sql!("{REGISTRY_SELECT} ORDER BY sort_key, id"))
                .fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(RegistryRow::into_domain).collect()
    }

    pub(crate) async fn registry_network_q(&self, id: NetworkId) -> StoreResult<Option<RegistryNetwork>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, RegistryRow>(static_sql!("{REGISTRY_SELECT} AND id = $1"))
                .bind(id.0).fetch_optional(pool).await.map_err(db)?
        });
        row.map(RegistryRow::into_domain).transpose()
    }

    pub(crate) async fn create_registry_network_tx(
        &self,
        slug: &str,
        f: &NetworkFields,
        status: RegistryStatus,
        proposed_by: Option<UserId>,
        change: &Change,
    ) -> StoreResult<NetworkId> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let id = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO network (slug, acronym, name_tr, name_en, founded, hq_tr, hq_en, hq_country, website, \
                 aims_tr, aims_en, source, registry_status, proposed_by, sort_key) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8, $9, $10, $8, $11, $12, $13) \
                 ON CONFLICT (slug) DO NOTHING RETURNING id",
            )
            .bind(slug).bind(&f.acronym).bind(&f.name.tr).bind(&f.name.en).bind(i64::from(f.founded))
            .bind(&f.headquarters).bind(&f.hq_country).bind(&f.website).bind(&f.aims.tr).bind(&f.aims.en)
            .bind(status.as_str()).bind(proposed_by.map(|u| u.0)).bind(collation_key(f.name.get(ldp_core::domain::Lang::Tr)))
            .fetch_optional(&mut *tx).await.map_err(db)?;
            let Some(id) = id else { return Err(StoreError::Conflict("network_exists".into())) };
            write_audit!(&mut *tx, change, Some(id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(NetworkId(id))
        })
    }

    pub(crate) async fn update_registry_network_tx(
        &self,
        id: NetworkId,
        f: &NetworkFields,
        change: &Change,
    ) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE network SET acronym = $1, name_tr = $2, name_en = $3, founded = $4, hq_tr = $5, hq_en = $5, \
                 hq_country = $6, website = $7, source = $7, aims_tr = $8, aims_en = $9, sort_key = $10 \
                 WHERE id = $11 AND registry_status IS NOT NULL",
            )
            .bind(&f.acronym).bind(&f.name.tr).bind(&f.name.en).bind(i64::from(f.founded)).bind(&f.headquarters)
            .bind(&f.hq_country).bind(&f.website).bind(&f.aims.tr).bind(&f.aims.en)
            .bind(collation_key(f.name.get(ldp_core::domain::Lang::Tr))).bind(id.0)
            .execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict("network_not_found".into()));
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }

    pub(crate) async fn approve_registry_network_tx(&self, id: NetworkId, change: &Change) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE network SET registry_status = 'approved' WHERE id = $1 AND registry_status = 'proposed'",
            )
            .bind(id.0).execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }
}

#[async_trait]
impl NetworkRegistryStore for SqlStore {
    async fn registry_networks(&self) -> StoreResult<Vec<RegistryNetwork>> {
        self.registry_networks_q().await
    }

    async fn registry_network(&self, id: NetworkId) -> StoreResult<Option<RegistryNetwork>> {
        self.registry_network_q(id).await
    }

    async fn create_registry_network(
        &self,
        slug: &str,
        fields: &NetworkFields,
        status: RegistryStatus,
        proposed_by: Option<UserId>,
        change: &Change,
    ) -> StoreResult<NetworkId> {
        self.create_registry_network_tx(slug, fields, status, proposed_by, change).await
    }

    async fn update_registry_network(&self, id: NetworkId, fields: &NetworkFields, change: &Change) -> StoreResult<()> {
        self.update_registry_network_tx(id, fields, change).await
    }

    async fn approve_registry_network(&self, id: NetworkId, change: &Change) -> StoreResult<bool> {
        self.approve_registry_network_tx(id, change).await
    }
}
