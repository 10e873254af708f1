//! Reads of reference data. Every list is bounded by a page.

use async_trait::async_trait;
use ldp_core::store::ReferenceStore;
use std::collections::HashMap;

use ldp_core::domain::*;
use ldp_core::reference::{LoadReport, ReferenceCounts, ReferenceData};
use ldp_core::store::{GazetteerEntry, MunicipalityMerge, NewSourcePlace, SourcePlace, StoreResult};

use crate::SqlStore;
use crate::pool::{db, dispatch, static_sql};
use crate::rows::*;

/// `%text%` with LIKE's wildcards escaped (used with `ESCAPE '\'`).
fn contains_pattern(folded: &str) -> String {
    format!("%{}%", escape_like(folded))
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

const MUNICIPALITY_WHERE: &str = " WHERE ($1 IS NULL OR m.plate = $1) AND ($2 IS NULL OR m.kind = $2) \
    AND ($3 IS NULL OR m.name_folded LIKE $3 ESCAPE '\\')";

/// A city search by name: a range scan of `city_name`'s key for every name that starts with `$1` (up to `$2`,
/// the prefix followed by the highest code point), a place one of whose names is exactly `$1` first ("Şam"
/// is Damascus, the Turkish exonym, before the more populous Shenzhen or Samara), then the most populous.
/// `$3` narrows to a country; `$4`/`$5` are limit and offset.
const CITY_SEARCH: &str = "SELECT id, name, name_tr, source_list, ascii_name, country, admin1, lat, lng, population, \
    feature_code FROM city JOIN (SELECT city_id, MIN(CASE WHEN folded = $1 THEN 0 ELSE 1 END) AS rank \
    FROM city_name WHERE folded >= $1 AND folded < $2 GROUP BY city_id) m ON m.city_id = city.id \
    WHERE ($3 IS NULL OR country = $3) ORDER BY m.rank, population DESC, id LIMIT $4 OFFSET $5";

/// The search's SQL and the upper bound of its prefix range.
fn city_search(name: &str) -> (&'static str, String) {
    (CITY_SEARCH, format!("{name}\u{10FFFF}"))
}

const CITY_COLUMNS: &str =
    "id, name, name_tr, source_list, ascii_name, country, admin1, lat, lng, population, feature_code FROM city";

impl SqlStore {
    pub(crate) async fn read_union(&self) -> StoreResult<Option<Union>> {
        dispatch!(&self.pools, pool => {
            let row = sqlx::query_as::<Db, UnionRow>(
                "SELECT name_tr, name_en, acronym_tr, acronym_en, founded, seat, website, source FROM union_info WHERE id = 1",
            )
            .fetch_optional(pool).await.map_err(db)?;
            Ok(row.map(Union::from))
        })
    }

    pub(crate) async fn read_networks(&self, slug: Option<&str>) -> StoreResult<Vec<Network>> {
        // The list is the union's own networks; one network by its slug may also be an approved one of the
        // registry (its public page). A proposed network is never read here.
        let sql = static_sql!(
            "SELECT {NETWORK_COLUMNS} WHERE (($1 IS NULL AND n.registry_status IS NULL) \
             OR (n.slug = $1 AND (n.registry_status IS NULL OR n.registry_status = 'approved'))) ORDER BY n.slug"
        );
        let (rows, facts) = dispatch!(&self.pools, pool => {
            let rows = sqlx::query_as::<Db, NetworkRow>(sql).bind(slug).fetch_all(pool).await.map_err(db)?;
            let facts = sqlx::query_as::<Db, FactRow>(
                "SELECT f.network_id, f.label_tr, f.label_en, f.value_tr, f.value_en, f.as_of, f.source \
                 FROM network_fact f JOIN network n ON n.id = f.network_id WHERE ($1 IS NULL OR n.slug = $1) \
                 ORDER BY f.network_id, f.position",
            )
            .bind(slug).fetch_all(pool).await.map_err(db)?;
            (rows, facts)
        });
        let mut by_network: HashMap<i64, Vec<NetworkFact>> = HashMap::new();
        for f in facts {
            by_network.entry(f.network_id).or_default().push(f.into());
        }
        Ok(rows
            .into_iter()
            .map(|r| {
                let facts = by_network.remove(&r.id).unwrap_or_default();
                r.into_network(facts)
            })
            .collect())
    }

    pub(crate) async fn read_provinces(&self) -> StoreResult<Vec<Province>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, ProvinceRow>(
                "SELECT p.plate, p.name, p.slug, top.kind, top.population, \
                 (SELECT COUNT(*) FROM municipality d WHERE d.plate = p.plate AND d.kind = 'district') AS district_count \
                 FROM province p JOIN municipality top ON top.plate = p.plate AND top.kind <> 'district' \
                 ORDER BY p.sort_key",
            )
            .fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(Province::try_from).collect()
    }

    pub(crate) async fn read_municipalities(
        &self,
        filter: &MunicipalityFilter,
        page: Page,
    ) -> StoreResult<Paged<Municipality>> {
        let plate = filter.province.map(|p| i64::from(p.get()));
        let kind = filter.kind.map(|k| k.as_str());
        let name = filter.name.as_deref().map(contains_pattern);
        let list_sql = static_sql!(
            "SELECT {MUNICIPALITY_COLUMNS}{MUNICIPALITY_WHERE} ORDER BY m.sort_key, m.id LIMIT $4 OFFSET $5"
        );
        let count_sql = static_sql!("SELECT COUNT(*) FROM municipality m{MUNICIPALITY_WHERE}");
        let (rows, total) = dispatch!(&self.pools, pool => {
            let rows = sqlx::query_as::<Db, MunicipalityRow>(list_sql)
                .bind(plate).bind(kind).bind(name.as_deref()).bind(page.limit()).bind(page.offset())
                .fetch_all(pool).await.map_err(db)?;
            let total: i64 = sqlx::query_scalar::<Db, i64>(count_sql)
                .bind(plate).bind(kind).bind(name.as_deref())
                .fetch_one(pool).await.map_err(db)?;
            (rows, total)
        });
        let items = rows.into_iter().map(Municipality::try_from).collect::<StoreResult<Vec<_>>>()?;
        Ok(Paged::new(items, page, total as u64))
    }

    pub(crate) async fn read_municipality(&self, slug: &str) -> StoreResult<Option<Municipality>> {
        let sql = static_sql!("SELECT {MUNICIPALITY_COLUMNS} WHERE m.slug = $1");
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, MunicipalityRow>(sql).bind(slug).fetch_optional(pool).await.map_err(db)?
        });
        row.map(Municipality::try_from).transpose()
    }

    pub(crate) async fn read_municipality_by_id(&self, id: i64) -> StoreResult<Option<Municipality>> {
        let sql = static_sql!("SELECT {MUNICIPALITY_COLUMNS} WHERE m.id = $1");
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, MunicipalityRow>(sql).bind(id).fetch_optional(pool).await.map_err(db)?
        });
        row.map(Municipality::try_from).transpose()
    }

    pub(crate) async fn read_municipalities_by_id(&self, ids: &[MunicipalityId]) -> StoreResult<Vec<Municipality>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = dispatch!(&self.pools, pool => {
            let mut qb = sqlx::QueryBuilder::<Db>::new(static_sql!("SELECT {MUNICIPALITY_COLUMNS} WHERE m.id IN ("));
            let mut sep = qb.separated(", ");
            for id in ids {
                sep.push_bind(id.0);
            }
            qb.push(") ORDER BY m.sort_key, m.id");
            qb.build_query_as::<MunicipalityRow>().fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(Municipality::try_from).collect()
    }

    pub(crate) async fn read_goals(&self) -> StoreResult<Vec<SdgGoal>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, GoalRow>(
                "SELECT number, color, short_tr, short_en, title_tr, title_en FROM sdg_goal ORDER BY number",
            )
            .fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(SdgGoal::try_from).collect()
    }

    pub(crate) async fn read_goal(&self, number: GoalNumber) -> StoreResult<Option<SdgGoalDetail>> {
        let n = i64::from(number.get());
        let (goal, targets) = dispatch!(&self.pools, pool => {
            let goal = sqlx::query_as::<Db, GoalRow>(
                "SELECT number, color, short_tr, short_en, title_tr, title_en FROM sdg_goal WHERE number = $1",
            )
            .bind(n).fetch_optional(pool).await.map_err(db)?;
            let targets = sqlx::query_as::<Db, TargetRow>(
                "SELECT code, text_tr, text_en FROM sdg_target WHERE goal = $1 ORDER BY position",
            )
            .bind(n).fetch_all(pool).await.map_err(db)?;
            (goal, targets)
        });
        let Some(goal) = goal else { return Ok(None) };
        Ok(Some(SdgGoalDetail {
            goal: SdgGoal::try_from(goal)?,
            targets: targets.into_iter().map(|t| t.into_target(number)).collect(),
        }))
    }

    pub(crate) async fn read_countries(&self, page: Page) -> StoreResult<Paged<Country>> {
        let (rows, total) = dispatch!(&self.pools, pool => {
            let rows = sqlx::query_as::<Db, CountryRow>(
                "SELECT iso2, iso3, numeric_code, name_tr, name_en FROM country ORDER BY sort_key, iso2 LIMIT $1 OFFSET $2",
            )
            .bind(page.limit()).bind(page.offset()).fetch_all(pool).await.map_err(db)?;
            let total: i64 = sqlx::query_scalar::<Db, i64>("SELECT COUNT(*) FROM country")
                .fetch_one(pool).await.map_err(db)?;
            (rows, total)
        });
        let items = rows.into_iter().map(Country::try_from).collect::<StoreResult<Vec<_>>>()?;
        Ok(Paged::new(items, page, total as u64))
    }

    pub(crate) async fn read_country(&self, code: &CountryCode) -> StoreResult<Option<Country>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, CountryRow>(
                "SELECT iso2, iso3, numeric_code, name_tr, name_en FROM country WHERE iso2 = $1",
            )
            .bind(code.as_str()).fetch_optional(pool).await.map_err(db)?
        });
        row.map(Country::try_from).transpose()
    }

    pub(crate) async fn read_cities(&self, filter: &CityFilter, page: Page) -> StoreResult<PageSlice<City>> {
        let country = filter.country.as_ref().map(|c| c.as_str());
        // One row more than the page: whether another page follows, without counting every match.
        let (limit, offset) = (page.limit() + 1, page.offset());
        let rows = match filter.name.as_deref() {
            Some(name) => {
                let (sql, upper) = city_search(name);
                dispatch!(&self.pools, pool => {
                    sqlx::query_as::<Db, CityRow>(sql)
                        .bind(name).bind(upper).bind(country).bind(limit).bind(offset)
                        .fetch_all(pool).await.map_err(db)?
                })
            }
            None => {
                let sql = static_sql!(
                    "SELECT {CITY_COLUMNS} WHERE ($1 IS NULL OR country = $1) ORDER BY population DESC, id \
                     LIMIT $2 OFFSET $3"
                );
                dispatch!(&self.pools, pool => {
                    sqlx::query_as::<Db, CityRow>(sql)
                        .bind(country).bind(limit).bind(offset)
                        .fetch_all(pool).await.map_err(db)?
                })
            }
        };
        let items = rows.into_iter().map(City::try_from).collect::<StoreResult<Vec<_>>>()?;
        Ok(PageSlice::from_rows(items, page))
    }

    /// The plan the database makes for a city search by `name` (for the test that keeps it on the index).
    pub async fn explain_city_search(&self, name: &str) -> StoreResult<String> {
        let (_, upper) = city_search(name);
        let lines: Vec<String> = match &self.pools {
            crate::pool::Pools::Sqlite(pool) => {
                let rows: Vec<(i64, i64, i64, String)> =
                    sqlx::query_as(static_sql!("EXPLAIN QUERY PLAN {CITY_SEARCH}"))
                        .bind(name)
                        .bind(upper)
                        .bind(None::<&str>)
                        .bind(26i64)
                        .bind(0i64)
                        .fetch_all(pool)
                        .await
                        .map_err(db)?;
                rows.into_iter().map(|r| r.3).collect()
            }
            crate::pool::Pools::Postgres(pool) => sqlx::query_scalar(static_sql!("EXPLAIN {CITY_SEARCH}"))
                .bind(name)
                .bind(upper)
                .bind(None::<&str>)
                .bind(26i64)
                .bind(0i64)
                .fetch_all(pool)
                .await
                .map_err(db)?,
        };
        Ok(lines.join("\n"))
    }

    pub(crate) async fn read_city(&self, id: i64) -> StoreResult<Option<City>> {
        let sql = static_sql!("SELECT {CITY_COLUMNS} WHERE id = $1");
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, CityRow>(sql).bind(id).fetch_optional(pool).await.map_err(db)?
        });
        row.map(City::try_from).transpose()
    }
}

#[async_trait]
impl ReferenceStore for SqlStore {
    async fn reference_version(&self) -> StoreResult<Option<String>> {
        dispatch!(&self.pools, pool => {
            sqlx::query_scalar::<Db, String>("SELECT value FROM meta WHERE key = 'reference_version'")
                .fetch_optional(pool).await.map_err(db)
        })
    }

    #[tracing::instrument(skip_all, fields(version))]
    async fn load_reference(&self, data: &ReferenceData, version: &str) -> StoreResult<LoadReport> {
        self.load_reference_tx(data, version).await
    }

    async fn merge_municipality(
        &self,
        old: &str,
        into: &str,
        change: &Change,
    ) -> StoreResult<Option<MunicipalityMerge>> {
        self.merge_municipality_tx(old, into, change).await
    }

    async fn create_source_place(&self, place: &NewSourcePlace, change: &Change) -> StoreResult<i64> {
        self.create_source_place_tx(place, change).await
    }

    async fn source_places(&self) -> StoreResult<Vec<SourcePlace>> {
        self.source_places_q().await
    }

    async fn meta(&self, key: &str) -> StoreResult<Option<String>> {
        dispatch!(&self.pools, pool => {
            sqlx::query_scalar::<Db, String>("SELECT value FROM meta WHERE key = $1")
                .bind(key).fetch_optional(pool).await.map_err(db)
        })
    }

    async fn set_meta(&self, key: &str, value: &str) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            sqlx::query::<Db>(
                "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key).bind(value).execute(pool).await.map_err(db)?;
        });
        Ok(())
    }

    async fn reference_counts(&self) -> StoreResult<ReferenceCounts> {
        dispatch!(&self.pools, pool => {
            let mut conn = pool.acquire().await.map_err(db)?;
            Ok(crate::load::count_reference!(conn))
        })
    }

    async fn union_info(&self) -> StoreResult<Option<Union>> {
        self.read_union().await
    }

    async fn list_networks(&self) -> StoreResult<Vec<Network>> {
        self.read_networks(None).await
    }

    async fn network_by_slug(&self, slug: &str) -> StoreResult<Option<Network>> {
        Ok(self.read_networks(Some(slug)).await?.into_iter().next())
    }

    async fn list_provinces(&self) -> StoreResult<Vec<Province>> {
        self.read_provinces().await
    }

    async fn list_municipalities(&self, filter: &MunicipalityFilter, page: Page) -> StoreResult<Paged<Municipality>> {
        self.read_municipalities(filter, page).await
    }

    async fn municipality_by_slug(&self, slug: &str) -> StoreResult<Option<Municipality>> {
        self.read_municipality(slug).await
    }

    async fn municipality(&self, id: MunicipalityId) -> StoreResult<Option<Municipality>> {
        self.read_municipality_by_id(id.0).await
    }

    async fn municipalities_by_id(&self, ids: &[MunicipalityId]) -> StoreResult<Vec<Municipality>> {
        self.read_municipalities_by_id(ids).await
    }

    async fn list_goals(&self) -> StoreResult<Vec<SdgGoal>> {
        self.read_goals().await
    }

    async fn goal(&self, number: GoalNumber) -> StoreResult<Option<SdgGoalDetail>> {
        self.read_goal(number).await
    }

    async fn list_countries(&self, page: Page) -> StoreResult<Paged<Country>> {
        self.read_countries(page).await
    }

    async fn country(&self, code: &CountryCode) -> StoreResult<Option<Country>> {
        self.read_country(code).await
    }

    async fn search_cities(&self, filter: &CityFilter, page: Page) -> StoreResult<PageSlice<City>> {
        self.read_cities(filter, page).await
    }

    async fn city(&self, id: i64) -> StoreResult<Option<City>> {
        self.read_city(id).await
    }

    async fn gazetteer(&self) -> StoreResult<Vec<GazetteerEntry>> {
        self.gazetteer_q().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_wildcards_in_user_text_are_escaped() {
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
