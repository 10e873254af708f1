//! Funding (issue 16): funders, programmes and calls. Code lists are kept as `|a|b|` text (empty: no
//! restriction), amounts as exact decimal text, deadlines as JSON with their own zone plus the latest of them
//! in UTC (`last_deadline_at`), so the status filter is a comparison on both engines.

use std::str::FromStr;

use async_trait::async_trait;
use ldp_core::domain::funding::{
    Applicant, ApplicantType, Budget, Call, CallFields, CallFilter, CallId, CallKind, CallStatus, Deadline,
    DeadlineModel, Eligibility, Funder, FunderId, FunderKind, FundingLoadReport, FundingStore, Programme, ProgrammeId,
    Recurrence, Saved, data::FundingData,
};
use ldp_core::domain::{Change, Localized, Page, Paged, PlateCode, UserId};
use ldp_core::store::{StoreError, StoreResult};
use ldp_core::text::{collation_key, fold};
use rust_decimal::Decimal;
use time::{Date, OffsetDateTime};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;
use crate::ts::Ts;

/// `|a|b|` for a list, empty for none.
fn join<T: AsRef<str>>(items: &[T]) -> String {
    if items.is_empty() {
        String::new()
    } else {
        format!("|{}|", items.iter().map(AsRef::as_ref).collect::<Vec<_>>().join("|"))
    }
}

fn split(text: &str) -> impl Iterator<Item = &str> {
    text.split('|').filter(|s| !s.is_empty())
}

fn eligibility(countries: &str, provinces: &str, nuts: &str, types: &str) -> StoreResult<Eligibility> {
    Ok(Eligibility {
        countries: split(countries).map(str::to_owned).collect(),
        provinces: split(provinces)
            .map(|p| {
                p.parse::<i64>()
                    .ok()
                    .and_then(|n| PlateCode::parse(n).ok())
                    .ok_or_else(|| corrupt(format!("province {p}")))
            })
            .collect::<StoreResult<_>>()?,
        nuts: split(nuts).map(str::to_owned).collect(),
        applicant_types: split(types)
            .map(|t| ApplicantType::parse(t).ok_or_else(|| corrupt(format!("applicant type {t}"))))
            .collect::<StoreResult<_>>()?,
    })
}

struct EligibilityText {
    countries: String,
    provinces: String,
    nuts: String,
    types: String,
}

fn eligibility_text(e: &Eligibility) -> EligibilityText {
    EligibilityText {
        countries: join(&e.countries),
        provinces: join(&e.provinces.iter().map(|p| p.get().to_string()).collect::<Vec<_>>()),
        nuts: join(&e.nuts),
        types: join(&e.applicant_types.iter().map(|t| t.as_str()).collect::<Vec<_>>()),
    }
}

fn decimal(raw: Option<String>, what: &str) -> StoreResult<Option<Decimal>> {
    raw.map(|s| Decimal::from_str(&s).map_err(|_| corrupt(format!("{what} {s}")))).transpose()
}

#[derive(sqlx::FromRow)]
struct FunderRow {
    id: i64,
    slug: String,
    kind: String,
    name_tr: String,
    name_en: String,
    website: String,
}

#[derive(sqlx::FromRow)]
struct ProgrammeRow {
    id: i64,
    slug: String,
    funder_id: i64,
    funder_slug: String,
    funder_name_tr: String,
    funder_name_en: String,
    name_tr: String,
    name_en: String,
    summary_tr: String,
    summary_en: String,
    countries: String,
    provinces: String,
    nuts: String,
    applicant_types: String,
    recurrence: Option<String>,
    website: String,
    source_url: String,
    as_of: Date,
}

impl ProgrammeRow {
    fn into_domain(self) -> StoreResult<Programme> {
        Ok(Programme {
            id: ProgrammeId(self.id),
            slug: self.slug,
            funder: FunderId(self.funder_id),
            funder_slug: self.funder_slug,
            funder_name: Localized::new(self.funder_name_tr, self.funder_name_en),
            name: Localized::new(self.name_tr, self.name_en),
            summary: Localized::new(self.summary_tr, self.summary_en),
            eligibility: eligibility(&self.countries, &self.provinces, &self.nuts, &self.applicant_types)?,
            recurrence: self
                .recurrence
                .map(|r| Recurrence::parse(&r).ok_or_else(|| corrupt(format!("recurrence {r}"))))
                .transpose()?,
            website: self.website,
            source_url: self.source_url,
            as_of: self.as_of,
        })
    }
}

const PROGRAMME_SELECT: &str = "SELECT p.id, p.slug, p.funder_id, f.slug AS funder_slug, f.name_tr AS funder_name_tr, \
    f.name_en AS funder_name_en, p.name_tr, p.name_en, p.summary_tr, p.summary_en, p.countries, p.provinces, p.nuts, \
    p.applicant_types, p.recurrence, p.website, p.source_url, p.as_of \
    FROM funding_programme p JOIN funder f ON f.id = p.funder_id";

#[derive(sqlx::FromRow)]
struct CallRow {
    id: i64,
    identifier: String,
    programme_id: Option<i64>,
    kind: String,
    title_tr: String,
    title_en: String,
    summary_tr: String,
    summary_en: String,
    opens_on: Option<Date>,
    deadline_model: String,
    deadlines: String,
    currency: String,
    budget_total: Option<String>,
    budget_min: Option<String>,
    budget_max: Option<String>,
    cofinancing_rate: Option<String>,
    themes: String,
    sdgs: String,
    link: String,
    countries: String,
    provinces: String,
    nuts: String,
    applicant_types: String,
    published: bool,
    suggested_by: Option<i64>,
    source: String,
    updated_at: OffsetDateTime,
    deadline_sequence: i64,
}

impl CallRow {
    fn into_domain(self) -> StoreResult<Call> {
        let deadlines: Vec<Deadline> =
            serde_json::from_str(&self.deadlines).map_err(|e| corrupt(format!("funding_call.deadlines: {e}")))?;
        Ok(Call {
            id: CallId(self.id),
            fields: CallFields {
                identifier: self.identifier,
                programme: self.programme_id.map(ProgrammeId),
                kind: CallKind::parse(&self.kind).ok_or_else(|| corrupt(format!("call kind {}", self.kind)))?,
                title: Localized::new(self.title_tr, self.title_en),
                summary: Localized::new(self.summary_tr, self.summary_en),
                opens_on: self.opens_on,
                deadline_model: DeadlineModel::parse(&self.deadline_model)
                    .ok_or_else(|| corrupt(format!("deadline model {}", self.deadline_model)))?,
                deadlines,
                budget: Budget {
                    currency: self.currency,
                    total: decimal(self.budget_total, "budget_total")?,
                    min_per_project: decimal(self.budget_min, "budget_min")?,
                    max_per_project: decimal(self.budget_max, "budget_max")?,
                    cofinancing_rate: decimal(self.cofinancing_rate, "cofinancing_rate")?,
                },
                themes: split(&self.themes).map(str::to_owned).collect(),
                sdgs: split(&self.sdgs)
                    .map(|g| g.parse::<u8>().map_err(|_| corrupt(format!("sdg {g}"))))
                    .collect::<StoreResult<_>>()?,
                link: self.link,
                eligibility: eligibility(&self.countries, &self.provinces, &self.nuts, &self.applicant_types)?,
            },
            published: self.published,
            suggested_by: self.suggested_by.map(UserId),
            source: self.source,
            updated_at: self.updated_at,
            deadline_sequence: self.deadline_sequence,
        })
    }
}

const CALL_COLUMNS: &str = "c.id, c.identifier, c.programme_id, c.kind, c.title_tr, c.title_en, c.summary_tr, \
    c.summary_en, c.opens_on, c.deadline_model, c.deadlines, c.currency, c.budget_total, c.budget_min, c.budget_max, \
    c.cofinancing_rate, c.themes, c.sdgs, c.link, c.countries, c.provinces, c.nuts, c.applicant_types, c.published, \
    c.suggested_by, c.source, c.updated_at, c.deadline_sequence";

/// The list filter: `$1` status, `$2` Istanbul today, `$3` now, `$4` kind, `$5` programme slug, `$6` funder
/// slug, `$7` `|goal|`, `$8` LIKE pattern, `$9` include unpublished, `$10` the earliest last deadline kept.
const CALL_WHERE: &str = " FROM funding_call c LEFT JOIN funding_programme p ON p.id = c.programme_id \
    LEFT JOIN funder f ON f.id = p.funder_id \
    WHERE ($9 OR c.published) \
    AND ($1 IS NULL \
      OR ($1 = 'forthcoming' AND c.opens_on > $2) \
      OR ($1 = 'open' AND (c.opens_on IS NULL OR c.opens_on <= $2) AND (c.last_deadline_at IS NULL OR c.last_deadline_at >= $3)) \
      OR ($1 = 'closed' AND (c.opens_on IS NULL OR c.opens_on <= $2) AND c.last_deadline_at < $3)) \
    AND ($4 IS NULL OR c.kind = $4) AND ($5 IS NULL OR p.slug = $5) AND ($6 IS NULL OR f.slug = $6) \
    AND ($7 IS NULL OR c.sdgs LIKE '%' || $7 || '%') AND ($8 IS NULL OR c.title_folded LIKE $8 ESCAPE '\\') \
    AND ($10 IS NULL OR c.last_deadline_at >= $10)";

/// The eligibility pre-filter of [`SqlStore::open_call_candidates_q`] over the call `c` and its programme `p`
/// (absent: no rules of its own): `$1` Istanbul today, `$2` now, `$3` `%|country|%`, `$4` whether the applicant
/// is in Türkiye (so provinces and Turkish NUTS regions apply), `$5` `%|plate|%`, `$6`–`$8` `%|type|%`.
/// Lists are `|a|b|` text, so `LIKE` tests membership on both engines; an empty list admits everyone.
const CANDIDATE_WHERE: &str = " FROM funding_call c LEFT JOIN funding_programme p ON p.id = c.programme_id \
    WHERE c.published AND (c.opens_on IS NULL OR c.opens_on <= $1) \
    AND (c.last_deadline_at IS NULL OR c.last_deadline_at >= $2) \
    AND (c.countries = '' OR UPPER(c.countries) LIKE $3) \
    AND (p.id IS NULL OR p.countries = '' OR UPPER(p.countries) LIKE $3) \
    AND (NOT $4 OR ((c.provinces = '' OR c.provinces LIKE $5) \
        AND (c.provinces <> '' OR UPPER(c.nuts) NOT LIKE '%|TR%'))) \
    AND (NOT $4 OR p.id IS NULL OR ((p.provinces = '' OR p.provinces LIKE $5) \
        AND (p.provinces <> '' OR UPPER(p.nuts) NOT LIKE '%|TR%'))) \
    AND (c.applicant_types = '' OR c.applicant_types LIKE $6 OR c.applicant_types LIKE $7 \
        OR c.applicant_types LIKE $8) \
    AND (p.id IS NULL OR p.applicant_types = '' OR p.applicant_types LIKE $6 OR p.applicant_types LIKE $7 \
        OR p.applicant_types LIKE $8) \
    AND (c.countries <> '' OR c.provinces <> '' OR c.nuts <> '' OR c.applicant_types <> '' \
        OR p.countries <> '' OR p.provinces <> '' OR p.nuts <> '' OR p.applicant_types <> '')";

/// The values stored for a call's fields.
struct CallValues {
    title_folded: String,
    deadlines: String,
    last_deadline: Option<Ts>,
    total: Option<String>,
    min: Option<String>,
    max: Option<String>,
    rate: Option<String>,
    themes: String,
    sdgs: String,
    elig: EligibilityText,
}

fn call_values(f: &CallFields) -> StoreResult<CallValues> {
    let dec = |d: &Option<Decimal>| d.map(|d| d.normalize().to_string());
    Ok(CallValues {
        title_folded: fold(&format!("{} {} {}", f.identifier, f.title.tr, f.title.en)),
        deadlines: serde_json::to_string(&f.deadlines).map_err(|e| corrupt(format!("deadlines: {e}")))?,
        last_deadline: f.last_deadline().map(Ts),
        total: dec(&f.budget.total),
        min: dec(&f.budget.min_per_project),
        max: dec(&f.budget.max_per_project),
        rate: dec(&f.budget.cofinancing_rate),
        themes: join(&f.themes),
        sdgs: join(&f.sdgs.iter().map(u8::to_string).collect::<Vec<_>>()),
        elig: eligibility_text(&f.eligibility),
    })
}

/// The deadline feeds' `SEQUENCE` rises when the deadlines change (`SET` reads the row as it was).
const CALL_SET: &str = "deadline_sequence = deadline_sequence + CASE WHEN deadlines = $11 THEN 0 ELSE 1 END, \
    programme_id = $2, kind = $3, title_tr = $4, title_en = $5, summary_tr = $6, \
    summary_en = $7, title_folded = $8, opens_on = $9, deadline_model = $10, deadlines = $11, last_deadline_at = $12, \
    currency = $13, budget_total = $14, budget_min = $15, budget_max = $16, cofinancing_rate = $17, themes = $18, \
    sdgs = $19, link = $20, countries = $21, provinces = $22, nuts = $23, applicant_types = $24, updated_at = $25";

/// Binds `$2`…`$25` of [`CALL_SET`] (and of the insert, which uses the same numbering).
macro_rules! bind_call {
    ($q:expr, $f:expr, $v:expr, $now:expr) => {
        $q.bind($f.programme.map(|p| p.0))
            .bind($f.kind.as_str())
            .bind(&$f.title.tr)
            .bind(&$f.title.en)
            .bind(&$f.summary.tr)
            .bind(&$f.summary.en)
            .bind(&$v.title_folded)
            .bind($f.opens_on)
            .bind($f.deadline_model.as_str())
            .bind(&$v.deadlines)
            .bind($v.last_deadline)
            .bind(&$f.budget.currency)
            .bind(&$v.total)
            .bind(&$v.min)
            .bind(&$v.max)
            .bind(&$v.rate)
            .bind(&$v.themes)
            .bind(&$v.sdgs)
            .bind(&$f.link)
            .bind(&$v.elig.countries)
            .bind(&$v.elig.provinces)
            .bind(&$v.elig.nuts)
            .bind(&$v.elig.types)
            .bind(Ts($now))
    };
}

fn like_pattern(q: &str) -> String {
    let escaped: String =
        q.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    format!("%{escaped}%")
}

impl SqlStore {
    async fn funders_q(&self) -> StoreResult<Vec<Funder>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, FunderRow>(
                "SELECT id, slug, kind, name_tr, name_en, website FROM funder ORDER BY sort_key, id",
            )
            .fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter()
            .map(|r| {
                Ok(Funder {
                    id: FunderId(r.id),
                    kind: FunderKind::parse(&r.kind).ok_or_else(|| corrupt(format!("funder kind {}", r.kind)))?,
                    slug: r.slug,
                    name: Localized::new(r.name_tr, r.name_en),
                    website: r.website,
                })
            })
            .collect()
    }

    async fn programmes_q(&self, slug: Option<&str>) -> StoreResult<Vec<Programme>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, ProgrammeRow>(static_sql!(
                "{PROGRAMME_SELECT} WHERE ($1 IS NULL OR p.slug = $1) ORDER BY p.sort_key, p.id"
            ))
            .bind(slug)
            .fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(ProgrammeRow::into_domain).collect()
    }

    async fn load_funding_data_tx(&self, data: &FundingData, change: &Change) -> StoreResult<FundingLoadReport> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let mut report = FundingLoadReport::default();
            for f in &data.funders {
                let existed: Option<i64> = sqlx::query_scalar::<Db, i64>("SELECT id FROM funder WHERE slug = $1")
                    .bind(&f.slug).fetch_optional(&mut *tx).await.map_err(db)?;
                sqlx::query::<Db>(
                    "INSERT INTO funder (slug, kind, name_tr, name_en, website, sort_key) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (slug) DO UPDATE SET kind = excluded.kind, name_tr = excluded.name_tr, \
                     name_en = excluded.name_en, website = excluded.website, sort_key = excluded.sort_key",
                )
                .bind(&f.slug).bind(f.kind.as_str()).bind(&f.name.tr).bind(&f.name.en).bind(&f.website)
                .bind(collation_key(&f.name.tr))
                .execute(&mut *tx).await.map_err(db)?;
                report.funders_added += u64::from(existed.is_none());
            }
            for p in &data.programmes {
                let existed: Option<i64> = sqlx::query_scalar::<Db, i64>("SELECT id FROM funding_programme WHERE slug = $1")
                    .bind(&p.slug).fetch_optional(&mut *tx).await.map_err(db)?;
                let e = eligibility_text(&p.eligibility);
                sqlx::query::<Db>(
                    "INSERT INTO funding_programme (slug, funder_id, name_tr, name_en, summary_tr, summary_en, countries, \
                     provinces, nuts, applicant_types, recurrence, website, source_url, as_of, sort_key) \
                     VALUES ($1, (SELECT id FROM funder WHERE slug = $2), $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
                     ON CONFLICT (slug) DO UPDATE SET funder_id = excluded.funder_id, name_tr = excluded.name_tr, \
                     name_en = excluded.name_en, summary_tr = excluded.summary_tr, summary_en = excluded.summary_en, \
                     countries = excluded.countries, provinces = excluded.provinces, nuts = excluded.nuts, \
                     applicant_types = excluded.applicant_types, recurrence = excluded.recurrence, \
                     website = excluded.website, source_url = excluded.source_url, as_of = excluded.as_of, \
                     sort_key = excluded.sort_key",
                )
                .bind(&p.slug).bind(&p.funder).bind(&p.name.tr).bind(&p.name.en).bind(&p.summary.tr).bind(&p.summary.en)
                .bind(&e.countries).bind(&e.provinces).bind(&e.nuts).bind(&e.types)
                .bind(p.recurrence.map(|r| r.as_str())).bind(&p.website).bind(&p.source_url).bind(p.as_of)
                .bind(collation_key(&p.name.tr))
                .execute(&mut *tx).await.map_err(db)?;
                report.programmes_added += u64::from(existed.is_none());
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(report)
        })
    }

    async fn calls_q(&self, f: &CallFilter, now: OffsetDateTime, page: Page) -> StoreResult<Paged<Call>> {
        let today = ldp_core::clock::istanbul_date(now);
        let status = f.status.map(CallStatus::as_str);
        let kind = f.kind.map(CallKind::as_str);
        let sdg = f.sdg.map(|g| format!("|{g}|"));
        let q = f.q.as_deref().map(like_pattern);
        let since = f.deadline_since.map(Ts);
        let (rows, total) = dispatch!(&self.pools, pool => {
            let rows = sqlx::query_as::<Db, CallRow>(static_sql!(
                "SELECT {CALL_COLUMNS}{CALL_WHERE} ORDER BY CASE WHEN c.last_deadline_at IS NULL THEN 1 ELSE 0 END, \
                 c.last_deadline_at, c.id LIMIT $11 OFFSET $12"
            ))
            .bind(status).bind(today).bind(Ts(now)).bind(kind).bind(f.programme.as_deref()).bind(f.funder.as_deref())
            .bind(sdg.as_deref()).bind(q.as_deref()).bind(f.include_unpublished).bind(since)
            .bind(page.limit()).bind(page.offset())
            .fetch_all(pool).await.map_err(db)?;
            let total: i64 = sqlx::query_scalar::<Db, i64>(static_sql!("SELECT COUNT(*){CALL_WHERE}"))
                .bind(status).bind(today).bind(Ts(now)).bind(kind).bind(f.programme.as_deref()).bind(f.funder.as_deref())
                .bind(sdg.as_deref()).bind(q.as_deref()).bind(f.include_unpublished).bind(since)
                .fetch_one(pool).await.map_err(db)?;
            (rows, total)
        });
        let items = rows.into_iter().map(CallRow::into_domain).collect::<StoreResult<Vec<_>>>()?;
        Ok(Paged::new(items, page, total as u64))
    }

    async fn open_call_candidates_q(&self, who: &Applicant, now: OffsetDateTime, page: Page) -> StoreResult<Vec<Call>> {
        let today = ldp_core::clock::istanbul_date(now);
        let country = format!("%|{}|%", who.country.to_ascii_uppercase());
        let in_turkey = who.country.eq_ignore_ascii_case("TR");
        let province = who.province.map(|p| format!("|{}|", p.get()));
        let province = province.map(|p| format!("%{p}%"));
        // Up to three applicant types are matched in SQL; an applicant of more leaves the types to `check`.
        let types: Vec<Option<String>> = if who.types.len() > 3 {
            vec![Some("%".into()); 3]
        } else {
            (0..3).map(|i| who.types.get(i).map(|t| format!("%|{}|%", t.as_str()))).collect()
        };
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, CallRow>(static_sql!(
                "SELECT {CALL_COLUMNS}{CANDIDATE_WHERE} ORDER BY CASE WHEN c.last_deadline_at IS NULL THEN 1 ELSE 0 END, \
                 c.last_deadline_at, c.id LIMIT $9 OFFSET $10"
            ))
            .bind(today).bind(Ts(now)).bind(&country).bind(in_turkey).bind(province.as_deref())
            .bind(types[0].as_deref()).bind(types[1].as_deref()).bind(types[2].as_deref())
            .bind(page.limit()).bind(page.offset())
            .fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(CallRow::into_domain).collect()
    }

    async fn call_where(&self, id: Option<i64>, identifier: Option<&str>) -> StoreResult<Option<Call>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, CallRow>(static_sql!(
                "SELECT {CALL_COLUMNS} FROM funding_call c WHERE c.id = $1 OR c.identifier = $2"
            ))
            .bind(id).bind(identifier).fetch_optional(pool).await.map_err(db)?
        });
        row.map(CallRow::into_domain).transpose()
    }

    async fn save_call_tx(
        &self,
        f: &CallFields,
        published: bool,
        suggested_by: Option<UserId>,
        source: &str,
        change: &Change,
    ) -> StoreResult<Saved> {
        let v = call_values(f)?;
        let now = change.at;
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let existing = sqlx::query_as::<Db, CallRow>(static_sql!(
                "SELECT {CALL_COLUMNS} FROM funding_call c WHERE c.identifier = $1"
            ))
            .bind(&f.identifier).fetch_optional(&mut *tx).await.map_err(db)?;
            let saved = match existing {
                Some(row) => {
                    let id = row.id;
                    if row.into_domain()?.fields == *f {
                        return Ok(Saved::Unchanged(CallId(id)));
                    }
                    bind_call!(sqlx::query::<Db>(static_sql!("UPDATE funding_call SET {CALL_SET} WHERE id = $1")).bind(id), f, v, now)
                        .execute(&mut *tx).await.map_err(db)?;
                    write_audit!(&mut *tx, change, Some(id));
                    Saved::Updated(CallId(id))
                }
                None => {
                    let id: i64 = bind_call!(sqlx::query_scalar::<Db, i64>(
                        "INSERT INTO funding_call (identifier, programme_id, kind, title_tr, title_en, summary_tr, \
                         summary_en, title_folded, opens_on, deadline_model, deadlines, last_deadline_at, currency, \
                         budget_total, budget_min, budget_max, cofinancing_rate, themes, sdgs, link, countries, provinces, \
                         nuts, applicant_types, updated_at, created_at, published, suggested_by, source) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
                         $21, $22, $23, $24, $25, $25, $26, $27, $28) RETURNING id",
                    ).bind(&f.identifier), f, v, now)
                    .bind(published).bind(suggested_by.map(|u| u.0)).bind(source)
                    .fetch_one(&mut *tx).await.map_err(db)?;
                    write_audit!(&mut *tx, change, Some(id));
                    Saved::Created(CallId(id))
                }
            };
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(saved)
        })
    }

    async fn update_call_tx(&self, id: CallId, f: &CallFields, change: &Change) -> StoreResult<()> {
        let v = call_values(f)?;
        let now = change.at;
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let taken: Option<i64> = sqlx::query_scalar::<Db, i64>(
                "SELECT id FROM funding_call WHERE identifier = $1 AND id <> $2",
            )
            .bind(&f.identifier).bind(id.0).fetch_optional(&mut *tx).await.map_err(db)?;
            if taken.is_some() {
                return Err(StoreError::Conflict("call_exists".into()));
            }
            let done = bind_call!(sqlx::query::<Db>(static_sql!(
                "UPDATE funding_call SET identifier = $26, {CALL_SET} WHERE id = $1"
            )).bind(id.0), f, v, now)
            .bind(&f.identifier)
            .execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict("call_not_found".into()));
            }
            write_audit!(&mut *tx, change, Some(id.0));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }

    async fn publish_call_tx(&self, id: CallId, change: &Change) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE funding_call SET published = $2, updated_at = $3 WHERE id = $1 AND published = $4",
            )
            .bind(id.0).bind(true).bind(Ts(change.at)).bind(false)
            .execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change, Some(id.0));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }
}

#[async_trait]
impl FundingStore for SqlStore {
    async fn funders(&self) -> StoreResult<Vec<Funder>> {
        self.funders_q().await
    }

    async fn programmes(&self) -> StoreResult<Vec<Programme>> {
        self.programmes_q(None).await
    }

    async fn programme_by_slug(&self, slug: &str) -> StoreResult<Option<Programme>> {
        Ok(self.programmes_q(Some(slug)).await?.into_iter().next())
    }

    async fn load_funding_data(&self, data: &FundingData, change: &Change) -> StoreResult<FundingLoadReport> {
        self.load_funding_data_tx(data, change).await
    }

    async fn calls(&self, filter: &CallFilter, now: OffsetDateTime, page: Page) -> StoreResult<Paged<Call>> {
        self.calls_q(filter, now, page).await
    }

    async fn open_call_candidates(&self, who: &Applicant, now: OffsetDateTime, page: Page) -> StoreResult<Vec<Call>> {
        self.open_call_candidates_q(who, now, page).await
    }

    async fn call(&self, id: CallId) -> StoreResult<Option<Call>> {
        self.call_where(Some(id.0), None).await
    }

    async fn call_by_identifier(&self, identifier: &str) -> StoreResult<Option<Call>> {
        self.call_where(None, Some(identifier)).await
    }

    async fn save_call(
        &self,
        fields: &CallFields,
        published: bool,
        suggested_by: Option<UserId>,
        source: &str,
        change: &Change,
    ) -> StoreResult<Saved> {
        self.save_call_tx(fields, published, suggested_by, source, change).await
    }

    async fn update_call(&self, id: CallId, fields: &CallFields, change: &Change) -> StoreResult<()> {
        self.update_call_tx(id, fields, change).await
    }

    async fn publish_call(&self, id: CallId, change: &Change) -> StoreResult<bool> {
        self.publish_call_tx(id, change).await
    }
}
