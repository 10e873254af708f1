//! The relations counted per member and partner country, for a map of many relations (one arc per pair).

use time::Date;

use ldp_core::domain::partnership::{MemberCountryLink, MemberRef, PartnershipFilter};
use ldp_core::domain::{Coordinates, CountryCode, Localized};
use ldp_core::store::StoreResult;

use crate::SqlStore;
use crate::partnerships::{ANY_MEMBER, ONE_MEMBER, REST};
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;

/// Groups the filtered relations first (reading the relation and its partner's point only), then names the
/// few hundred groups: the joins to member, province and country run once per pair, not once per relation.
const GROUPED: &str = "SELECT g.municipality_id AS m_id, m.slug AS m_slug, m.name AS m_name, m.kind AS m_kind, \
    mp.name AS m_province, m.lat AS m_lat, m.lng AS m_lng, g.iso2, co.name_tr, co.name_en, co.numeric_code, \
    g.partnerships, g.lat, g.lng FROM (SELECT p.municipality_id, p.partner_country AS iso2, COUNT(*) AS partnerships, \
    AVG(COALESCE(c.lat, pm.lat)) AS lat, AVG(COALESCE(c.lng, pm.lng)) AS lng \
    FROM partnership p LEFT JOIN city c ON c.id = p.partner_city_id \
    LEFT JOIN municipality pm ON pm.id = p.partner_municipality_id";
const NAMED: &str = " GROUP BY p.municipality_id, p.partner_country) g \
    JOIN municipality m ON m.id = g.municipality_id JOIN province mp ON mp.plate = m.plate \
    LEFT JOIN country co ON co.iso2 = g.iso2 ORDER BY g.municipality_id, g.iso2";

#[derive(sqlx::FromRow)]
struct LinkRow {
    m_id: i64,
    m_slug: String,
    m_name: String,
    m_kind: String,
    m_province: String,
    m_lat: f64,
    m_lng: f64,
    iso2: String,
    name_tr: Option<String>,
    name_en: Option<String>,
    numeric_code: Option<String>,
    partnerships: i64,
    lat: Option<f64>,
    lng: Option<f64>,
}

impl LinkRow {
    fn into_link(self) -> StoreResult<MemberCountryLink> {
        let country = CountryCode::parse(&self.iso2).map_err(|_| corrupt(format_args!("country {}", self.iso2)))?;
        let (Some(lat), Some(lng)) = (self.lat, self.lng) else {
            return Err(corrupt(format_args!("partners in {} without a point", self.iso2)));
        };
        Ok(MemberCountryLink {
            member: MemberRef {
                id: self.m_id,
                slug: self.m_slug,
                name: self.m_name,
                kind: self.m_kind.parse().map_err(|_| corrupt(format_args!("kind {}", self.m_kind)))?,
                province: self.m_province,
                location: Coordinates { lat: self.m_lat, lng: self.m_lng },
            },
            country_name: Localized::new(
                self.name_tr.unwrap_or_else(|| self.iso2.clone()),
                self.name_en.unwrap_or_else(|| self.iso2.clone()),
            ),
            country,
            numeric: self.numeric_code,
            partnerships: self.partnerships as u64,
            partners_at: Coordinates { lat, lng },
        })
    }
}

impl SqlStore {
    pub(crate) async fn member_country_links_q(
        &self,
        f: &PartnershipFilter,
        dormant_before: Date,
    ) -> StoreResult<Vec<MemberCountryLink>> {
        let sql = if f.municipality.is_some() {
            static_sql!("{GROUPED}{ONE_MEMBER}{REST}{NAMED}")
        } else {
            static_sql!("{GROUPED}{ANY_MEMBER}{REST}{NAMED}")
        };
        let plate = f.province.map(|p| i64::from(p.get()));
        let sdg = f.sdg.map(|g| i64::from(g.get()));
        let country = f.country.as_ref().map(|c| c.as_str());
        let kind = f.kind.map(|k| k.as_str());
        let stage = f.stage.map(|s| s.as_str());
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, LinkRow>(sql)
                .bind(dormant_before).bind(f.municipality.as_deref()).bind(plate).bind(country).bind(kind)
                .bind(stage).bind(sdg).bind(f.dormant).bind(f.trail_incomplete).bind(f.include_unpublished)
                .fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(LinkRow::into_link).collect()
    }
}
