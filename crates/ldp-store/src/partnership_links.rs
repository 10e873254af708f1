//! The relations counted per member and partner country, for a map of many relations (one arc per pair).

use std::collections::HashMap;
use time::Date;

use ldp_core::domain::partnership::{MemberCountryLink, MemberRef, PartnershipFilter};
use ldp_core::domain::{Coordinates, CountryCode, Localized};
use ldp_core::store::StoreResult;

use crate::SqlStore;
use crate::partnerships::{ANY_MEMBER, ONE_MEMBER, REST};
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;

/// Groups the filtered relations, reading each relation and its partner's point only; the members and countries
/// are named from two small reads, so that the thousands of groups at 100 times the real size carry numbers only.
const GROUPED: &str = "SELECT p.municipality_id AS m_id, p.partner_country AS iso2, COUNT(*) AS partnerships, \
    AVG(COALESCE(c.lat, pm.lat)) AS lat, AVG(COALESCE(c.lng, pm.lng)) AS lng \
    FROM partnership p LEFT JOIN city c ON c.id = p.partner_city_id \
    LEFT JOIN municipality pm ON pm.id = p.partner_municipality_id";
const BY_PAIR: &str = " GROUP BY p.municipality_id, p.partner_country";
const MEMBERS: &str = "SELECT m.id AS m_id, m.slug AS m_slug, m.name AS m_name, m.kind AS m_kind, mp.name AS m_province, \
    m.lat AS m_lat, m.lng AS m_lng FROM municipality m JOIN province mp ON mp.plate = m.plate";
const COUNTRIES: &str = "SELECT iso2, name_tr, name_en, numeric_code FROM country";

#[derive(sqlx::FromRow)]
struct PairRow {
    m_id: i64,
    iso2: String,
    partnerships: i64,
    lat: Option<f64>,
    lng: Option<f64>,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    m_id: i64,
    m_slug: String,
    m_name: String,
    m_kind: String,
    m_province: String,
    m_lat: f64,
    m_lng: f64,
}

#[derive(sqlx::FromRow)]
struct CountryRow {
    iso2: String,
    name_tr: Option<String>,
    name_en: Option<String>,
    numeric_code: Option<String>,
}

impl MemberRow {
    fn into_member(self) -> StoreResult<MemberRef> {
        Ok(MemberRef {
            id: self.m_id,
            slug: self.m_slug,
            name: self.m_name,
            kind: self.m_kind.parse().map_err(|_| corrupt(format_args!("kind {}", self.m_kind)))?,
            province: self.m_province,
            location: Coordinates { lat: self.m_lat, lng: self.m_lng },
        })
    }
}

/// Names each group with its member and country.
fn into_links(
    pairs: Vec<PairRow>,
    members: Vec<MemberRow>,
    countries: Vec<CountryRow>,
) -> StoreResult<Vec<MemberCountryLink>> {
    let members: HashMap<i64, MemberRef> =
        members.into_iter().map(|m| Ok((m.m_id, m.into_member()?))).collect::<StoreResult<_>>()?;
    let countries: HashMap<String, CountryRow> = countries.into_iter().map(|c| (c.iso2.clone(), c)).collect();
    let mut links = pairs
        .into_iter()
        .map(|r| {
            let country = CountryCode::parse(&r.iso2).map_err(|_| corrupt(format_args!("country {}", r.iso2)))?;
            let (Some(lat), Some(lng)) = (r.lat, r.lng) else {
                return Err(corrupt(format_args!("partners in {} without a point", r.iso2)));
            };
            let member = members.get(&r.m_id).cloned().ok_or_else(|| corrupt(format_args!("member {}", r.m_id)))?;
            let named = countries.get(&r.iso2);
            let name = |n: Option<&String>| n.cloned().unwrap_or_else(|| r.iso2.clone());
            Ok(MemberCountryLink {
                member,
                country_name: Localized::new(
                    name(named.and_then(|c| c.name_tr.as_ref())),
                    name(named.and_then(|c| c.name_en.as_ref())),
                ),
                numeric: named.and_then(|c| c.numeric_code.clone()),
                country,
                partnerships: r.partnerships as u64,
                partners_at: Coordinates { lat, lng },
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    links.sort_by(|a, b| a.member.id.cmp(&b.member.id).then_with(|| a.country.as_str().cmp(b.country.as_str())));
    Ok(links)
}

impl SqlStore {
    pub(crate) async fn member_country_links_q(
        &self,
        f: &PartnershipFilter,
        dormant_before: Date,
    ) -> StoreResult<Vec<MemberCountryLink>> {
        let sql = if f.municipality.is_some() {
            static_sql!("{GROUPED}{ONE_MEMBER}{REST}{BY_PAIR}")
        } else {
            static_sql!("{GROUPED}{ANY_MEMBER}{REST}{BY_PAIR}")
        };
        let plate = f.province.map(|p| i64::from(p.get()));
        let sdg = f.sdg.map(|g| i64::from(g.get()));
        let country = f.country.as_ref().map(|c| c.as_str());
        let kind = f.kind.map(|k| k.as_str());
        let stage = f.stage.map(|s| s.as_str());
        let (pairs, members, countries) = dispatch!(&self.pools, pool => {
            let pairs = sqlx::query_as::<Db, PairRow>(sql)
                .bind(dormant_before).bind(f.municipality.as_deref()).bind(plate).bind(country).bind(kind)
                .bind(stage).bind(sdg).bind(f.dormant).bind(f.trail_incomplete).bind(f.include_unpublished).bind(f.ended)
                .fetch_all(pool).await.map_err(db)?;
            let members = sqlx::query_as::<Db, MemberRow>(MEMBERS).fetch_all(pool).await.map_err(db)?;
            let countries = sqlx::query_as::<Db, CountryRow>(COUNTRIES).fetch_all(pool).await.map_err(db)?;
            (pairs, members, countries)
        });
        into_links(pairs, members, countries)
    }
}
