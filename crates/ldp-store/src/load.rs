//! Loading the reference data: one transaction, upserts by natural key, so a second load adds nothing.

use ldp_core::feed::Topic;
use ldp_core::reference::{LoadReport, ReferenceCounts, ReferenceData};
use ldp_core::store::{Backend, StoreResult};
use ldp_core::text::{collation_key, slugify};

use crate::SqlStore;
use crate::pool::{db, dispatch};

/// Cities are written in multi-row statements of this many rows (11 parameters each stays far below
/// SQLite's and PostgreSQL's parameter limits).
const CITY_BATCH: usize = 500;

/// Counts every reference table; used by the conformance suite and to report what a load added.
macro_rules! count_reference {
    ($conn:expr) => {{
        let mut counts = ReferenceCounts::default();
        for (slot, sql) in [
            (&mut counts.networks, "SELECT COUNT(*) FROM network"),
            (&mut counts.memberships, "SELECT COUNT(*) FROM membership WHERE municipality_id IS NULL"),
            (&mut counts.provinces, "SELECT COUNT(*) FROM province"),
            (&mut counts.metropolitan, "SELECT COUNT(*) FROM municipality WHERE kind = 'metropolitan'"),
            (&mut counts.provincial, "SELECT COUNT(*) FROM municipality WHERE kind = 'provincial'"),
            (&mut counts.districts, "SELECT COUNT(*) FROM municipality WHERE kind = 'district'"),
            (&mut counts.countries, "SELECT COUNT(*) FROM country"),
            (&mut counts.cities, "SELECT COUNT(*) FROM city WHERE source_list IS NULL"),
            (&mut counts.goals, "SELECT COUNT(*) FROM sdg_goal"),
            (&mut counts.targets, "SELECT COUNT(*) FROM sdg_target"),
        ] {
            let n: i64 = sqlx::query_scalar::<Db, i64>(sql).fetch_one(&mut *$conn).await.map_err(db)?;
            *slot = n as u64;
        }
        counts
    }};
}
pub(crate) use count_reference;

/// Fills `city_name` with every folded name of each GeoNames city (`names_folded` is `|a|b|`), as migration
/// 0013 did.
const SQLITE_CITY_NAMES: &str = "WITH RECURSIVE split (city_id, rest, name) AS ( \
    SELECT id, substr(names_folded, 2), '' FROM city WHERE id > 0 \
    UNION ALL \
    SELECT city_id, substr(rest, instr(rest, '|') + 1), substr(rest, 1, instr(rest, '|') - 1) \
    FROM split WHERE instr(rest, '|') > 0) \
    INSERT OR IGNORE INTO city_name (folded, city_id) SELECT name, city_id FROM split WHERE name <> ''";
const POSTGRES_CITY_NAMES: &str = "INSERT INTO city_name (folded, city_id) \
    SELECT DISTINCT n, c.id FROM city c CROSS JOIN LATERAL unnest(string_to_array(c.names_folded, '|')) AS n \
    WHERE n <> '' AND c.id > 0 ON CONFLICT DO NOTHING";

impl SqlStore {
    pub(crate) async fn load_reference_tx(&self, data: &ReferenceData, version: &str) -> StoreResult<LoadReport> {
        let backend = self.backend_kind();
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            if backend == Backend::Postgres {
                // Two nodes starting at once load one after the other instead of racing on the same rows.
                sqlx::query::<Db>("SELECT pg_advisory_xact_lock(5393074)").execute(&mut *tx).await.map_err(db)?;
            }
            let before = count_reference!(tx);

            let u = &data.union;
            sqlx::query::<Db>(
                "INSERT INTO union_info (id, name_tr, name_en, acronym_tr, acronym_en, founded, seat, website, source) \
                 VALUES (1, $1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO UPDATE SET name_tr = excluded.name_tr, \
                 name_en = excluded.name_en, acronym_tr = excluded.acronym_tr, acronym_en = excluded.acronym_en, \
                 founded = excluded.founded, seat = excluded.seat, website = excluded.website, source = excluded.source",
            )
            .bind(&u.name.tr).bind(&u.name.en).bind(&u.acronym.tr).bind(&u.acronym.en).bind(u.founded)
            .bind(&u.seat).bind(&u.website).bind(&u.source)
            .execute(&mut *tx).await.map_err(db)?;

            for n in &data.networks {
                let fp = n.founded_place.as_ref();
                let fnote = n.founded_note.as_ref();
                let hqn = n.hq_note.as_ref();
                let id: i64 = sqlx::query_scalar::<Db, i64>(
                    "INSERT INTO network (slug, acronym, name_tr, name_en, founded, founded_place_tr, founded_place_en, \
                     founded_note_tr, founded_note_en, hq_tr, hq_en, hq_note_tr, hq_note_en, hq_country, website, \
                     aims_tr, aims_en, source) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
                     ON CONFLICT (slug) DO UPDATE SET acronym = excluded.acronym, name_tr = excluded.name_tr, \
                     name_en = excluded.name_en, founded = excluded.founded, founded_place_tr = excluded.founded_place_tr, \
                     founded_place_en = excluded.founded_place_en, founded_note_tr = excluded.founded_note_tr, \
                     founded_note_en = excluded.founded_note_en, hq_tr = excluded.hq_tr, hq_en = excluded.hq_en, \
                     hq_note_tr = excluded.hq_note_tr, hq_note_en = excluded.hq_note_en, hq_country = excluded.hq_country, \
                     website = excluded.website, aims_tr = excluded.aims_tr, aims_en = excluded.aims_en, \
                     source = excluded.source RETURNING id",
                )
                .bind(&n.slug).bind(&n.acronym).bind(&n.name.tr).bind(&n.name.en).bind(i64::from(n.founded))
                .bind(fp.map(|p| &p.tr)).bind(fp.map(|p| &p.en))
                .bind(fnote.map(|p| &p.tr)).bind(fnote.map(|p| &p.en))
                .bind(&n.headquarters.tr).bind(&n.headquarters.en)
                .bind(hqn.map(|p| &p.tr)).bind(hqn.map(|p| &p.en))
                .bind(&n.hq_country).bind(&n.website).bind(&n.aims.tr).bind(&n.aims.en).bind(&n.source)
                .fetch_one(&mut *tx).await.map_err(db)?;

                for (position, f) in n.facts.iter().enumerate() {
                    sqlx::query::<Db>(
                        "INSERT INTO network_fact (network_id, position, label_tr, label_en, value_tr, value_en, as_of, source) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (network_id, position) DO UPDATE SET \
                         label_tr = excluded.label_tr, label_en = excluded.label_en, value_tr = excluded.value_tr, \
                         value_en = excluded.value_en, as_of = excluded.as_of, source = excluded.source",
                    )
                    .bind(id).bind(position as i64).bind(&f.label.tr).bind(&f.label.en).bind(&f.value.tr)
                    .bind(&f.value.en).bind(f.as_of).bind(&f.source)
                    .execute(&mut *tx).await.map_err(db)?;
                }
                // Facts belong to their network's reference record: drop any the data no longer has.
                sqlx::query::<Db>("DELETE FROM network_fact WHERE network_id = $1 AND position >= $2")
                    .bind(id).bind(n.facts.len() as i64)
                    .execute(&mut *tx).await.map_err(db)?;

                if let Some(since) = n.member_since {
                    let note = n.membership_note.as_ref();
                    sqlx::query::<Db>(
                        "INSERT INTO membership (network_id, municipality_id, since_year, note_tr, note_en) \
                         VALUES ($1, NULL, $2, $3, $4) ON CONFLICT (network_id) WHERE municipality_id IS NULL \
                         DO UPDATE SET since_year = excluded.since_year, note_tr = excluded.note_tr, note_en = excluded.note_en",
                    )
                    .bind(id).bind(i64::from(since)).bind(note.map(|p| &p.tr)).bind(note.map(|p| &p.en))
                    .execute(&mut *tx).await.map_err(db)?;
                }
            }

            for m in data.municipalities.iter().filter(|m| m.kind != ldp_core::domain::MunicipalityKind::District) {
                sqlx::query::<Db>(
                    "INSERT INTO province (plate, name, slug, sort_key) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (plate) DO UPDATE SET name = excluded.name, slug = excluded.slug, sort_key = excluded.sort_key",
                )
                .bind(i64::from(m.plate)).bind(&m.province).bind(slugify(&m.province)).bind(collation_key(&m.province))
                .execute(&mut *tx).await.map_err(db)?;
            }

            for m in &data.municipalities {
                sqlx::query::<Db>(
                    "INSERT INTO municipality (slug, name, name_folded, sort_key, kind, plate, population, population_year, lat, lng, location_basis) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (slug) DO UPDATE SET name = excluded.name, \
                     name_folded = excluded.name_folded, sort_key = excluded.sort_key, kind = excluded.kind, plate = excluded.plate, \
                     population = excluded.population, population_year = excluded.population_year, lat = excluded.lat, lng = excluded.lng, \
                     location_basis = excluded.location_basis",
                )
                .bind(&m.slug).bind(&m.name).bind(&m.name_folded).bind(&m.sort_key).bind(m.kind.as_str())
                .bind(i64::from(m.plate)).bind(m.population).bind(m.population_year.map(i64::from))
                .bind(m.location.lat).bind(m.location.lng).bind(m.location_basis.as_str())
                .execute(&mut *tx).await.map_err(db)?;
            }

            for c in &data.countries {
                sqlx::query::<Db>(
                    "INSERT INTO country (iso2, iso3, numeric_code, name_tr, name_en, sort_key, names_folded) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (iso2) DO UPDATE SET iso3 = excluded.iso3, \
                     numeric_code = excluded.numeric_code, name_tr = excluded.name_tr, name_en = excluded.name_en, \
                     sort_key = excluded.sort_key, names_folded = excluded.names_folded",
                )
                .bind(&c.iso2).bind(&c.iso3).bind(&c.numeric).bind(&c.name.tr).bind(&c.name.en)
                .bind(&c.sort_key).bind(&c.names_folded)
                .execute(&mut *tx).await.map_err(db)?;
            }

            for chunk in data.cities.chunks(CITY_BATCH) {
                let mut qb = sqlx::QueryBuilder::<Db>::new(
                    "INSERT INTO city (id, name, ascii_name, names_folded, country, admin1, lat, lng, population, feature_code, \
                     name_tr) ",
                );
                qb.push_values(chunk, |mut b, c| {
                    b.push_bind(c.id).push_bind(&c.name).push_bind(&c.ascii_name).push_bind(&c.names_folded)
                        .push_bind(&c.country).push_bind(&c.admin1).push_bind(c.location.lat).push_bind(c.location.lng)
                        .push_bind(c.population).push_bind(&c.feature_code).push_bind(&c.name_tr);
                });
                qb.push(
                    " ON CONFLICT (id) DO UPDATE SET name = excluded.name, ascii_name = excluded.ascii_name, \
                     names_folded = excluded.names_folded, country = excluded.country, admin1 = excluded.admin1, \
                     lat = excluded.lat, lng = excluded.lng, population = excluded.population, \
                     feature_code = excluded.feature_code, name_tr = excluded.name_tr",
                );
                qb.build().execute(&mut *tx).await.map_err(db)?;
            }
            // The look-up's index of names (migration 0013), rebuilt for the gazetteer's cities; places made
            // from import rows (negative ids) keep theirs.
            sqlx::query::<Db>("DELETE FROM city_name WHERE city_id > 0").execute(&mut *tx).await.map_err(db)?;
            let names = if backend == Backend::Postgres { POSTGRES_CITY_NAMES } else { SQLITE_CITY_NAMES };
            sqlx::query::<Db>(names).execute(&mut *tx).await.map_err(db)?;

            for g in &data.goals {
                sqlx::query::<Db>(
                    "INSERT INTO sdg_goal (number, color, short_tr, short_en, title_tr, title_en) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (number) DO UPDATE SET color = excluded.color, short_tr = excluded.short_tr, \
                     short_en = excluded.short_en, title_tr = excluded.title_tr, title_en = excluded.title_en",
                )
                .bind(i64::from(g.number)).bind(&g.color).bind(&g.short_name.tr).bind(&g.short_name.en)
                .bind(&g.title.tr).bind(&g.title.en)
                .execute(&mut *tx).await.map_err(db)?;
            }

            for t in &data.targets {
                sqlx::query::<Db>(
                    "INSERT INTO sdg_target (code, goal, position, text_tr, text_en) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (code) DO UPDATE SET goal = excluded.goal, position = excluded.position, \
                     text_tr = excluded.text_tr, text_en = excluded.text_en",
                )
                .bind(&t.code).bind(i64::from(t.goal)).bind(i64::from(t.position)).bind(&t.text.tr).bind(&t.text.en)
                .execute(&mut *tx).await.map_err(db)?;
            }

            // Relations keep their member's sort key and province for ordering and filters, and their partner's
            // sort key and country for ordering, filters and summaries; refresh them all in this transaction,
            // since a reference load can rename a member or a city, or move a city to another country (the
            // towns of Northern Cyprus, once filed under CY). Only rows that changed are written.
            sqlx::query::<Db>(
                "UPDATE partnership SET \
                 member_sort_key = (SELECT sort_key FROM municipality WHERE municipality.id = partnership.municipality_id), \
                 member_plate = (SELECT plate FROM municipality WHERE municipality.id = partnership.municipality_id) \
                 WHERE EXISTS (SELECT 1 FROM municipality m WHERE m.id = partnership.municipality_id \
                 AND (m.sort_key <> partnership.member_sort_key OR m.plate <> partnership.member_plate \
                 OR partnership.member_sort_key IS NULL OR partnership.member_plate IS NULL))",
            )
            .execute(&mut *tx).await.map_err(db)?;
            sqlx::query::<Db>(
                "UPDATE partnership SET partner_sort_key = \
                 (SELECT sort_key FROM municipality m WHERE m.id = partnership.partner_municipality_id) \
                 WHERE EXISTS (SELECT 1 FROM municipality m WHERE m.id = partnership.partner_municipality_id \
                 AND m.sort_key <> partnership.partner_sort_key)",
            )
            .execute(&mut *tx).await.map_err(db)?;
            sqlx::query::<Db>(
                "UPDATE partnership SET partner_country = (SELECT country FROM city WHERE city.id = partnership.partner_city_id) \
                 WHERE partner_city_id IS NOT NULL AND partner_country <> (SELECT country FROM city WHERE city.id = partnership.partner_city_id)",
            )
            .execute(&mut *tx).await.map_err(db)?;
            // A city's sort key is its name's Turkish collation key, computed here, not in SQL.
            let city_partners = sqlx::query_as::<Db, (i64, String, Vec<u8>)>(
                "SELECT p.id, c.name, p.partner_sort_key FROM partnership p JOIN city c ON c.id = p.partner_city_id",
            )
            .fetch_all(&mut *tx).await.map_err(db)?;
            for (id, name, stored) in city_partners {
                let key = collation_key(&name);
                if key != stored {
                    sqlx::query::<Db>("UPDATE partnership SET partner_sort_key = $1 WHERE id = $2")
                        .bind(key).bind(id).execute(&mut *tx).await.map_err(db)?;
                }
            }

            sqlx::query::<Db>(
                "INSERT INTO meta (key, value) VALUES ('reference_version', $1) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(version)
            .execute(&mut *tx).await.map_err(db)?;

            let after = count_reference!(tx);
            // A load can rename members and cities, which the relations' sort keys follow.
            crate::feed::bump_versions!(&mut *tx, &[Topic::Reference, Topic::Partnerships]);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(LoadReport {
                networks_added: after.networks - before.networks,
                municipalities_added: (after.metropolitan + after.provincial + after.districts)
                    - (before.metropolitan + before.provincial + before.districts),
                countries_added: after.countries - before.countries,
                cities_added: after.cities - before.cities,
                goals_added: after.goals - before.goals,
                targets_added: after.targets - before.targets,
            })
        })
    }
}
