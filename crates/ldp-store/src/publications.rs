//! Publications (reports, guides, bulletins, presentations, studies) and their files. Related records and
//! fixed vocabularies are kept as `,a,b,` text, as events keep theirs, so one `LIKE` filters them on both
//! engines; a page's "related publications" block is one query whatever it lists.

use async_trait::async_trait;
use time::{Date, Month, OffsetDateTime};

use ldp_core::domain::{
    Change, DocumentLanguage, EventId, EventTopic, Localized, MunicipalityId, NetworkId, NewPublicationFile, Page,
    Paged, Publication, PublicationFields, PublicationFile, PublicationFileId, PublicationFilter, PublicationId,
    PublicationKind, PublicationStatus, PublicationStore,
};
use ldp_core::store::{StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;
use crate::ts::Ts;

#[derive(sqlx::FromRow)]
struct PublicationRow {
    id: i64,
    kind: String,
    status: String,
    title_tr: String,
    title_en: String,
    summary_tr: String,
    summary_en: String,
    authors: String,
    published_on: Date,
    language: String,
    topics: String,
    sdgs: String,
    networks: String,
    municipalities: String,
    events: String,
    partnerships: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    files: i64,
}

#[derive(sqlx::FromRow)]
struct FileRow {
    id: i64,
    publication_id: i64,
    filename: String,
    content_type: String,
    size: i64,
    sha256: String,
    storage_key: String,
    created_at: OffsetDateTime,
}

impl FileRow {
    fn into_domain(self) -> PublicationFile {
        PublicationFile {
            id: PublicationFileId(self.id),
            publication: PublicationId(self.publication_id),
            filename: self.filename,
            content_type: self.content_type,
            size: self.size,
            sha256: self.sha256,
            storage_key: self.storage_key,
            created_at: self.created_at,
        }
    }
}

/// `,a,b,` from a list, so `LIKE '%,a,%'` finds an element.
fn joined<T: ToString>(items: impl IntoIterator<Item = T>) -> String {
    let parts: Vec<String> = items.into_iter().map(|i| i.to_string()).collect();
    if parts.is_empty() { String::new() } else { format!(",{},", parts.join(",")) }
}

fn split<T>(text: &str, what: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<Vec<T>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| parse(s).ok_or_else(|| corrupt(format_args!("publication.{what} {s}"))))
        .collect()
}

fn ids(text: &str, what: &str) -> StoreResult<Vec<i64>> {
    split(text, what, |s| s.parse::<i64>().ok())
}

impl PublicationRow {
    fn into_domain(self) -> StoreResult<Publication> {
        let kind = PublicationKind::parse(&self.kind)
            .ok_or_else(|| corrupt(format_args!("publication.kind {}", self.kind)))?;
        let status = PublicationStatus::parse(&self.status)
            .ok_or_else(|| corrupt(format_args!("publication.status {}", self.status)))?;
        let language = DocumentLanguage::parse(&self.language)
            .ok_or_else(|| corrupt(format_args!("publication.language {}", self.language)))?;
        let authors: Vec<String> = serde_json::from_str(&self.authors)
            .map_err(|e| corrupt(format_args!("publication.authors {}: {e}", self.id)))?;
        Ok(Publication {
            id: PublicationId(self.id),
            fields: PublicationFields {
                kind,
                title: Localized::new(self.title_tr, self.title_en),
                summary: Localized::new(self.summary_tr, self.summary_en),
                authors,
                published_on: self.published_on,
                language,
                topics: split(&self.topics, "topics", EventTopic::parse)?,
                sdgs: split(&self.sdgs, "sdgs", |s| s.parse::<u8>().ok())?,
                networks: ids(&self.networks, "networks")?.into_iter().map(NetworkId).collect(),
                municipalities: ids(&self.municipalities, "municipalities")?.into_iter().map(MunicipalityId).collect(),
                events: ids(&self.events, "events")?.into_iter().map(EventId).collect(),
                partnerships: ids(&self.partnerships, "partnerships")?,
            },
            status,
            file_count: self.files,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

const COLUMNS: &str = "p.id, p.kind, p.status, p.title_tr, p.title_en, p.summary_tr, p.summary_en, p.authors, \
    p.published_on, p.language, p.topics, p.sdgs, p.networks, p.municipalities, p.events, p.partnerships, \
    p.created_at, p.updated_at, \
    CAST((SELECT COUNT(*) FROM publication_file f WHERE f.publication_id = p.id) AS BIGINT) AS files";

const FILE_COLUMNS: &str =
    "id, publication_id, filename, content_type, size, sha256, storage_key, created_at FROM publication_file";

/// Appends the filter's conditions (after `WHERE 1 = 1`) to the query builder `$qb`, inside a `dispatch!` body.
macro_rules! push_filter {
    ($qb:ident, $f:expr) => {{
        let f: &PublicationFilter = $f;
        if let Some(status) = f.status {
            $qb.push(" AND p.status = ").push_bind(status.as_str());
        }
        if let Some(kind) = f.kind {
            $qb.push(" AND p.kind = ").push_bind(kind.as_str());
        }
        if let Some(topic) = f.topic {
            $qb.push(" AND p.topics LIKE ").push_bind(format!("%,{},%", topic.as_str()));
        }
        if let Some(goal) = f.sdg {
            $qb.push(" AND p.sdgs LIKE ").push_bind(format!("%,{goal},%"));
        }
        if let Some(n) = f.network {
            $qb.push(" AND p.networks LIKE ").push_bind(format!("%,{},%", n.0));
        }
        if let Some(m) = f.municipality {
            $qb.push(" AND p.municipalities LIKE ").push_bind(format!("%,{},%", m.0));
        }
        if let Some(e) = f.event {
            $qb.push(" AND p.events LIKE ").push_bind(format!("%,{},%", e.0));
        }
        if let Some(r) = f.partnership {
            $qb.push(" AND p.partnerships LIKE ").push_bind(format!("%,{r},%"));
        }
        if let Some((from, to)) = f.year.and_then(year_span) {
            $qb.push(" AND p.published_on >= ").push_bind(from).push(" AND p.published_on < ").push_bind(to);
        }
    }};
}

/// The first day of `year` and of the year after it.
fn year_span(year: i32) -> Option<(Date, Date)> {
    Some((
        Date::from_calendar_date(year, Month::January, 1).ok()?,
        Date::from_calendar_date(year + 1, Month::January, 1).ok()?,
    ))
}

fn authors_json(f: &PublicationFields) -> StoreResult<String> {
    serde_json::to_string(&f.authors).map_err(|e| corrupt(format_args!("authors: {e}")))
}

impl SqlStore {
    pub(crate) async fn publications_q(
        &self,
        filter: &PublicationFilter,
        page: Page,
    ) -> StoreResult<Paged<Publication>> {
        let (total, rows) = dispatch!(&self.pools, pool => {
            let mut count = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*) FROM publication p WHERE 1 = 1");
            push_filter!(count, filter);
            let total: i64 = count.build_query_scalar().fetch_one(pool).await.map_err(db)?;
            let mut qb = sqlx::QueryBuilder::<Db>::new(format!("SELECT {COLUMNS} FROM publication p WHERE 1 = 1"));
            push_filter!(qb, filter);
            qb.push(" ORDER BY p.published_on DESC, p.id DESC");
            qb.push(" LIMIT ").push_bind(page.limit()).push(" OFFSET ").push_bind(page.offset());
            let rows: Vec<PublicationRow> = qb.build_query_as().fetch_all(pool).await.map_err(db)?;
            (total, rows)
        });
        let items = rows.into_iter().map(PublicationRow::into_domain).collect::<StoreResult<Vec<_>>>()?;
        Ok(Paged::new(items, page, total as u64))
    }

    pub(crate) async fn publication_q(&self, id: PublicationId) -> StoreResult<Option<Publication>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, PublicationRow>(static_sql!("SELECT {COLUMNS} FROM publication p WHERE p.id = $1"))
                .bind(id.0).fetch_optional(pool).await.map_err(db)?
        });
        row.map(PublicationRow::into_domain).transpose()
    }

    pub(crate) async fn create_publication_tx(
        &self,
        f: &PublicationFields,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<PublicationId> {
        let authors = authors_json(f)?;
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let id = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO publication (kind, status, title_tr, title_en, summary_tr, summary_en, authors, \
                 published_on, language, topics, sdgs, networks, municipalities, events, partnerships, created_at, \
                 updated_at) VALUES ($1, 'draft', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
                 RETURNING id",
            )
            .bind(f.kind.as_str()).bind(&f.title.tr).bind(&f.title.en).bind(&f.summary.tr).bind(&f.summary.en)
            .bind(&authors).bind(f.published_on).bind(f.language.as_str())
            .bind(joined(f.topics.iter().map(|t| t.as_str()))).bind(joined(&f.sdgs))
            .bind(joined(f.networks.iter().map(|n| n.0))).bind(joined(f.municipalities.iter().map(|m| m.0)))
            .bind(joined(f.events.iter().map(|e| e.0))).bind(joined(&f.partnerships)).bind(Ts(now))
            .fetch_one(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change, Some(id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(PublicationId(id))
        })
    }

    pub(crate) async fn update_publication_tx(
        &self,
        id: PublicationId,
        f: &PublicationFields,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()> {
        let authors = authors_json(f)?;
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE publication SET kind = $1, title_tr = $2, title_en = $3, summary_tr = $4, summary_en = $5, \
                 authors = $6, published_on = $7, language = $8, topics = $9, sdgs = $10, networks = $11, \
                 municipalities = $12, events = $13, partnerships = $14, updated_at = $15 WHERE id = $16",
            )
            .bind(f.kind.as_str()).bind(&f.title.tr).bind(&f.title.en).bind(&f.summary.tr).bind(&f.summary.en)
            .bind(&authors).bind(f.published_on).bind(f.language.as_str())
            .bind(joined(f.topics.iter().map(|t| t.as_str()))).bind(joined(&f.sdgs))
            .bind(joined(f.networks.iter().map(|n| n.0))).bind(joined(f.municipalities.iter().map(|m| m.0)))
            .bind(joined(f.events.iter().map(|e| e.0))).bind(joined(&f.partnerships)).bind(Ts(now)).bind(id.0)
            .execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict("publication_not_found".into()));
            }
            write_audit!(&mut *tx, change, Some(id.0));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }

    pub(crate) async fn set_publication_status_tx(
        &self,
        id: PublicationId,
        status: PublicationStatus,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE publication SET status = $1, updated_at = $2 WHERE id = $3 AND status <> $1",
            )
            .bind(status.as_str()).bind(Ts(now)).bind(id.0)
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

    pub(crate) async fn publication_files_q(&self, id: PublicationId) -> StoreResult<Vec<PublicationFile>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, FileRow>(static_sql!("SELECT {FILE_COLUMNS} WHERE publication_id = $1 ORDER BY id"))
                .bind(id.0).fetch_all(pool).await.map_err(db)?
        });
        Ok(rows.into_iter().map(FileRow::into_domain).collect())
    }

    pub(crate) async fn publication_file_q(
        &self,
        id: PublicationId,
        file: PublicationFileId,
    ) -> StoreResult<Option<PublicationFile>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, FileRow>(static_sql!("SELECT {FILE_COLUMNS} WHERE publication_id = $1 AND id = $2"))
                .bind(id.0).bind(file.0).fetch_optional(pool).await.map_err(db)?
        });
        Ok(row.map(FileRow::into_domain))
    }

    pub(crate) async fn add_publication_file_tx(
        &self,
        id: PublicationId,
        file: &NewPublicationFile,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<PublicationFileId> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            // The publication's row is written too, so a file added to a publication being removed or
            // changed waits for it, and the publication's "updated" moves with its files.
            let touched = sqlx::query::<Db>("UPDATE publication SET updated_at = $1 WHERE id = $2")
                .bind(Ts(now)).bind(id.0).execute(&mut *tx).await.map_err(db)?;
            if touched.rows_affected() != 1 {
                return Err(StoreError::Conflict("publication_not_found".into()));
            }
            let file_id = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO publication_file (publication_id, filename, content_type, size, sha256, storage_key, \
                 created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
            )
            .bind(id.0).bind(&file.filename).bind(&file.content_type).bind(file.size).bind(&file.sha256)
            .bind(&file.storage_key).bind(Ts(now))
            .fetch_one(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change, Some(file_id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(PublicationFileId(file_id))
        })
    }

    pub(crate) async fn remove_publication_file_tx(
        &self,
        id: PublicationId,
        file: PublicationFileId,
        change: &Change,
    ) -> StoreResult<bool> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>("DELETE FROM publication_file WHERE publication_id = $1 AND id = $2")
                .bind(id.0).bind(file.0).execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Ok(false);
            }
            write_audit!(&mut *tx, change, Some(file.0));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(true)
        })
    }
}

#[async_trait]
impl PublicationStore for SqlStore {
    async fn publications(&self, filter: &PublicationFilter, page: Page) -> StoreResult<Paged<Publication>> {
        self.publications_q(filter, page).await
    }

    async fn publication(&self, id: PublicationId) -> StoreResult<Option<Publication>> {
        self.publication_q(id).await
    }

    async fn create_publication(
        &self,
        fields: &PublicationFields,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<PublicationId> {
        self.create_publication_tx(fields, now, change).await
    }

    async fn update_publication(
        &self,
        id: PublicationId,
        fields: &PublicationFields,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()> {
        self.update_publication_tx(id, fields, now, change).await
    }

    async fn set_publication_status(
        &self,
        id: PublicationId,
        status: PublicationStatus,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<bool> {
        self.set_publication_status_tx(id, status, now, change).await
    }

    async fn publication_files(&self, id: PublicationId) -> StoreResult<Vec<PublicationFile>> {
        self.publication_files_q(id).await
    }

    async fn publication_file(
        &self,
        id: PublicationId,
        file: PublicationFileId,
    ) -> StoreResult<Option<PublicationFile>> {
        self.publication_file_q(id, file).await
    }

    async fn add_publication_file(
        &self,
        id: PublicationId,
        file: &NewPublicationFile,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<PublicationFileId> {
        self.add_publication_file_tx(id, file, now, change).await
    }

    async fn remove_publication_file(
        &self,
        id: PublicationId,
        file: PublicationFileId,
        change: &Change,
    ) -> StoreResult<bool> {
        self.remove_publication_file_tx(id, file, change).await
    }
}
