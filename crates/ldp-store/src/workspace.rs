//! Municipal profiles, representatives and municipal network memberships.

use async_trait::async_trait;
use ldp_core::store::WorkspaceStore;
use time::Date;

use ldp_core::domain::{
    Change, Localized, MembershipFields, MembershipStatus, MunicipalMembership, MunicipalityId, MunicipalityProfile,
    NetworkId, Representative, RepresentativeFields,
};
use ldp_core::store::{StoreError, StoreResult};
use ldp_core::text::collation_key;

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch};
use crate::rows::corrupt;

#[derive(sqlx::FromRow)]
struct ProfileRow {
    website: String,
    contact_email: String,
    contact_phone: String,
    about_tr: String,
    about_en: String,
}

#[derive(sqlx::FromRow)]
struct RepresentativeRow {
    id: i64,
    municipality_id: i64,
    name: String,
    title: String,
    unit: String,
    email: String,
    phone: String,
    languages: String,
}

impl From<RepresentativeRow> for Representative {
    fn from(r: RepresentativeRow) -> Representative {
        Representative {
            id: r.id,
            municipality_id: MunicipalityId(r.municipality_id),
            name: r.name,
            title: r.title,
            unit: r.unit,
            email: r.email,
            phone: r.phone,
            languages: r.languages,
        }
    }
}

const REPRESENTATIVE_COLUMNS: &str = "id, municipality_id, name, title, unit, email, phone, languages";

#[derive(sqlx::FromRow)]
struct MembershipRow {
    id: i64,
    municipality_id: i64,
    network_id: i64,
    acronym: String,
    slug: String,
    since_year: i64,
    status: String,
    decision_number: Option<String>,
    decision_date: Option<Date>,
    representative_id: Option<i64>,
    representative_name: Option<String>,
    working_groups: String,
}

impl MembershipRow {
    fn into_domain(self) -> StoreResult<MunicipalMembership> {
        let status: MembershipStatus =
            self.status.parse().map_err(|_| corrupt(format!("membership.status {}", self.status)))?;
        Ok(MunicipalMembership {
            id: self.id,
            municipality_id: MunicipalityId(self.municipality_id),
            network_id: NetworkId(self.network_id),
            network_acronym: self.acronym,
            network_slug: self.slug,
            since_year: self.since_year as i32,
            status,
            decision_number: self.decision_number,
            decision_date: self.decision_date,
            representative_id: self.representative_id,
            representative_name: self.representative_name,
            working_groups: self.working_groups,
        })
    }
}

const MEMBERSHIP_SELECT: &str = "SELECT m.id, m.municipality_id, m.network_id, n.acronym, n.slug, m.since_year, \
    m.status, m.decision_number, m.decision_date, m.representative_id, r.name AS representative_name, \
    m.working_groups FROM membership m JOIN network n ON n.id = m.network_id \
    LEFT JOIN representative r ON r.id = m.representative_id";

impl SqlStore {
    pub(crate) async fn profile_q(&self, id: MunicipalityId) -> StoreResult<Option<MunicipalityProfile>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, ProfileRow>(
                "SELECT website, contact_email, contact_phone, about_tr, about_en FROM municipality WHERE id = $1",
            )
            .bind(id.0).fetch_optional(pool).await.map_err(db)?
        });
        Ok(row.map(|r| MunicipalityProfile {
            website: r.website,
            contact_email: r.contact_email,
            contact_phone: r.contact_phone,
            about: Localized::new(r.about_tr, r.about_en),
        }))
    }

    pub(crate) async fn profiles_q(&self) -> StoreResult<Vec<(MunicipalityId, MunicipalityProfile)>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, (i64, String, String, String, String, String)>(
                "SELECT id, website, contact_email, contact_phone, about_tr, about_en FROM municipality ORDER BY id",
            )
            .fetch_all(pool).await.map_err(db)?
        });
        Ok(rows
            .into_iter()
            .map(|(id, website, contact_email, contact_phone, about_tr, about_en)| {
                let about = Localized::new(about_tr, about_en);
                (MunicipalityId(id), MunicipalityProfile { website, contact_email, contact_phone, about })
            })
            .collect())
    }

    pub(crate) async fn update_profile_tx(
        &self,
        id: MunicipalityId,
        p: &MunicipalityProfile,
        change: &Change,
    ) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE municipality SET website = $1, contact_email = $2, contact_phone = $3, about_tr = $4, \
                 about_en = $5 WHERE id = $6",
            )
            .bind(&p.website).bind(&p.contact_email).bind(&p.contact_phone).bind(&p.about.tr).bind(&p.about.en)
            .bind(id.0).execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict("municipality_not_found".into()));
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }

    pub(crate) async fn representatives_q(&self, municipality: MunicipalityId) -> StoreResult<Vec<Representative>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, RepresentativeRow>(crate::pool::static_sql!(
                "SELECT {REPRESENTATIVE_COLUMNS} FROM representative WHERE municipality_id = $1 ORDER BY sort_key, id"
            ))
            .bind(municipality.0).fetch_all(pool).await.map_err(db)?
        });
        Ok(rows.into_iter().map(Representative::from).collect())
    }

    pub(crate) async fn representative_q(&self, id: i64) -> StoreResult<Option<Representative>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, RepresentativeRow>(crate::pool::static_sql!(
                "SELECT {REPRESENTATIVE_COLUMNS} FROM representative WHERE id = $1"
            ))
            .bind(id).fetch_optional(pool).await.map_err(db)?
        });
        Ok(row.map(Representative::from))
    }

    pub(crate) async fn save_representative_tx(
        &self,
        municipality: MunicipalityId,
        id: Option<i64>,
        f: &RepresentativeFields,
        change: &Change,
    ) -> StoreResult<i64> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let saved: Option<i64> = match id {
                None => sqlx::query_scalar::<Db, i64>(
                    "INSERT INTO representative (municipality_id, name, title, unit, email, phone, languages, sort_key) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                )
                .bind(municipality.0).bind(&f.name).bind(&f.title).bind(&f.unit).bind(&f.email).bind(&f.phone)
                .bind(&f.languages).bind(collation_key(&f.name))
                .fetch_optional(&mut *tx).await.map_err(db)?,
                Some(id) => sqlx::query_scalar::<Db, i64>(
                    "UPDATE representative SET name = $1, title = $2, unit = $3, email = $4, phone = $5, \
                     languages = $6, sort_key = $7 WHERE id = $8 AND municipality_id = $9 RETURNING id",
                )
                .bind(&f.name).bind(&f.title).bind(&f.unit).bind(&f.email).bind(&f.phone).bind(&f.languages)
                .bind(collation_key(&f.name)).bind(id).bind(municipality.0)
                .fetch_optional(&mut *tx).await.map_err(db)?,
            };
            let Some(saved) = saved else { return Err(StoreError::Conflict("representative_not_found".into())) };
            write_audit!(&mut *tx, change, Some(saved));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(saved)
        })
    }

    /// Removes a representative; memberships they handled keep going without one.
    pub(crate) async fn delete_representative_tx(&self, id: i64, change: &Change) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            sqlx::query::<Db>("UPDATE membership SET representative_id = NULL WHERE representative_id = $1")
                .bind(id).execute(&mut *tx).await.map_err(db)?;
            let done = sqlx::query::<Db>("DELETE FROM representative WHERE id = $1")
                .bind(id).execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict("representative_not_found".into()));
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }

    pub(crate) async fn memberships_q(&self, municipality: MunicipalityId) -> StoreResult<Vec<MunicipalMembership>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, MembershipRow>(crate::pool::static_sql!(
                "{MEMBERSHIP_SELECT} WHERE m.municipality_id = $1 ORDER BY n.acronym"
            ))
            .bind(municipality.0).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(MembershipRow::into_domain).collect()
    }

    pub(crate) async fn network_members_q(&self, network: NetworkId) -> StoreResult<Vec<MunicipalMembership>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, MembershipRow>(crate::pool::static_sql!(
                "{MEMBERSHIP_SELECT} JOIN municipality mu ON mu.id = m.municipality_id \
                 WHERE m.network_id = $1 ORDER BY mu.sort_key"
            ))
            .bind(network.0).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(MembershipRow::into_domain).collect()
    }

    pub(crate) async fn membership_q(&self, id: i64) -> StoreResult<Option<MunicipalMembership>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, MembershipRow>(crate::pool::static_sql!(
                "{MEMBERSHIP_SELECT} WHERE m.id = $1 AND m.municipality_id IS NOT NULL"
            ))
            .bind(id).fetch_optional(pool).await.map_err(db)?
        });
        row.map(MembershipRow::into_domain).transpose()
    }

    pub(crate) async fn save_membership_tx(
        &self,
        municipality: MunicipalityId,
        id: Option<i64>,
        f: &MembershipFields,
        change: &Change,
    ) -> StoreResult<i64> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let saved: Option<i64> = match id {
                None => sqlx::query_scalar::<Db, i64>(
                    "INSERT INTO membership (network_id, municipality_id, since_year, status, decision_number, \
                     decision_date, representative_id, working_groups) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT DO NOTHING RETURNING id",
                )
                .bind(f.network_id.0).bind(municipality.0).bind(i64::from(f.since_year)).bind(f.status.as_str())
                .bind(f.decision_number.as_deref()).bind(f.decision_date).bind(f.representative_id)
                .bind(&f.working_groups)
                .fetch_optional(&mut *tx).await.map_err(db)?,
                Some(id) => sqlx::query_scalar::<Db, i64>(
                    "UPDATE membership SET since_year = $1, status = $2, decision_number = $3, decision_date = $4, \
                     representative_id = $5, working_groups = $6 WHERE id = $7 AND municipality_id = $8 RETURNING id",
                )
                .bind(i64::from(f.since_year)).bind(f.status.as_str()).bind(f.decision_number.as_deref()).bind(f.decision_date)
                .bind(f.representative_id).bind(&f.working_groups).bind(id).bind(municipality.0)
                .fetch_optional(&mut *tx).await.map_err(db)?,
            };
            let Some(saved) = saved else {
                return Err(StoreError::Conflict(if id.is_none() { "membership_exists" } else { "membership_not_found" }.into()));
            };
            write_audit!(&mut *tx, change, Some(saved));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(saved)
        })
    }
}

#[async_trait]
impl WorkspaceStore for SqlStore {
    async fn municipality_profile(&self, id: MunicipalityId) -> StoreResult<Option<MunicipalityProfile>> {
        self.profile_q(id).await
    }

    async fn municipality_profiles(&self) -> StoreResult<Vec<(MunicipalityId, MunicipalityProfile)>> {
        self.profiles_q().await
    }

    async fn update_municipality_profile(
        &self,
        id: MunicipalityId,
        profile: &MunicipalityProfile,
        change: &Change,
    ) -> StoreResult<()> {
        self.update_profile_tx(id, profile, change).await
    }

    async fn representatives(&self, municipality: MunicipalityId) -> StoreResult<Vec<Representative>> {
        self.representatives_q(municipality).await
    }

    async fn representative(&self, id: i64) -> StoreResult<Option<Representative>> {
        self.representative_q(id).await
    }

    async fn save_representative(
        &self,
        municipality: MunicipalityId,
        id: Option<i64>,
        fields: &RepresentativeFields,
        change: &Change,
    ) -> StoreResult<i64> {
        self.save_representative_tx(municipality, id, fields, change).await
    }

    async fn delete_representative(&self, id: i64, change: &Change) -> StoreResult<()> {
        self.delete_representative_tx(id, change).await
    }

    async fn municipal_memberships(&self, municipality: MunicipalityId) -> StoreResult<Vec<MunicipalMembership>> {
        self.memberships_q(municipality).await
    }

    async fn network_members(&self, network: NetworkId) -> StoreResult<Vec<MunicipalMembership>> {
        self.network_members_q(network).await
    }

    async fn municipal_membership(&self, id: i64) -> StoreResult<Option<MunicipalMembership>> {
        self.membership_q(id).await
    }

    async fn save_membership(
        &self,
        municipality: MunicipalityId,
        id: Option<i64>,
        fields: &MembershipFields,
        change: &Change,
    ) -> StoreResult<i64> {
        self.save_membership_tx(municipality, id, fields, change).await
    }
}
