//! News posts ([`NewsStore`]). The public list is one query that compares each post's publish time with the
//! `now` it is given (`status = 'published' AND publish_at <= now`), on the `(status, publish_at, id)` index,
//! so a scheduled post appears when its time passes without any job or write.

use async_trait::async_trait;
use time::OffsetDateTime;

use ldp_core::domain::{
    Change, EventId, Localized, MunicipalityId, NetworkId, NewsFields, NewsFilter, NewsId, NewsImage, NewsPost,
    NewsStatus, NewsStore, Page, Paged,
};
use ldp_core::store::{StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;
use crate::ts::Ts;

const COLUMNS: &str = "id, status, title_tr, title_en, summary_tr, summary_en, body_tr, body_en, publish_at, \
    networks, municipalities, events, partnerships, image_key, image_type, image_size, image_sha256, image_alt_tr, \
    image_alt_en, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct PostRow {
    id: i64,
    status: String,
    title_tr: String,
    title_en: String,
    summary_tr: String,
    summary_en: String,
    body_tr: String,
    body_en: String,
    publish_at: OffsetDateTime,
    networks: String,
    municipalities: String,
    events: String,
    partnerships: String,
    image_key: Option<String>,
    image_type: Option<String>,
    image_size: Option<i64>,
    image_sha256: Option<String>,
    image_alt_tr: String,
    image_alt_en: String,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

/// `,1,2,` from ids (empty for none).
fn joined(ids: impl IntoIterator<Item = i64>) -> String {
    let parts: Vec<String> = ids.into_iter().map(|i| i.to_string()).collect();
    if parts.is_empty() { String::new() } else { format!(",{},", parts.join(",")) }
}

fn ids(text: &str, what: &str) -> StoreResult<Vec<i64>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<i64>().map_err(|_| corrupt(format_args!("news_post.{what} {s}"))))
        .collect()
}

impl TryFrom<PostRow> for NewsPost {
    type Error = StoreError;

    fn try_from(r: PostRow) -> StoreResult<NewsPost> {
        let status =
            NewsStatus::parse(&r.status).ok_or_else(|| corrupt(format_args!("news_post.status {}", r.status)))?;
        let image = match (r.image_key, r.image_type, r.image_sha256) {
            (Some(storage_key), Some(content_type), Some(sha256)) => {
                Some(NewsImage { storage_key, content_type, size: r.image_size.unwrap_or_default(), sha256 })
            }
            _ => None,
        };
        Ok(NewsPost {
            id: NewsId(r.id),
            fields: NewsFields {
                title: Localized::new(r.title_tr, r.title_en),
                summary: Localized::new(r.summary_tr, r.summary_en),
                body: Localized::new(r.body_tr, r.body_en),
                publish_at: r.publish_at,
                networks: ids(&r.networks, "networks")?.into_iter().map(NetworkId).collect(),
                municipalities: ids(&r.municipalities, "municipalities")?.into_iter().map(MunicipalityId).collect(),
                events: ids(&r.events, "events")?.into_iter().map(EventId).collect(),
                partnerships: ids(&r.partnerships, "partnerships")?,
                image_alt: Localized::new(r.image_alt_tr, r.image_alt_en),
            },
            status,
            image,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[async_trait]
impl NewsStore for SqlStore {
    async fn news_posts(&self, filter: &NewsFilter, page: Page) -> StoreResult<Paged<NewsPost>> {
        let (total, rows) = dispatch!(&self.pools, pool => {
            let mut count = sqlx::QueryBuilder::<Db>::new("SELECT COUNT(*) FROM news_post WHERE 1 = 1");
            let mut qb = sqlx::QueryBuilder::<Db>::new(format!("SELECT {COLUMNS} FROM news_post WHERE 1 = 1"));
            if let Some(now) = filter.public_at {
                for q in [&mut count, &mut qb] {
                    q.push(" AND status = 'published' AND publish_at <= ").push_bind(Ts(now));
                }
            }
            let total: i64 = count.build_query_scalar().fetch_one(pool).await.map_err(db)?;
            qb.push(" ORDER BY publish_at DESC, id DESC LIMIT ").push_bind(page.limit())
                .push(" OFFSET ").push_bind(page.offset());
            let rows: Vec<PostRow> = qb.build_query_as().fetch_all(pool).await.map_err(db)?;
            (total, rows)
        });
        let items = rows.into_iter().map(NewsPost::try_from).collect::<StoreResult<Vec<_>>>()?;
        Ok(Paged::new(items, page, total as u64))
    }

    async fn news_post(&self, id: NewsId) -> StoreResult<Option<NewsPost>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, PostRow>(static_sql!("SELECT {COLUMNS} FROM news_post WHERE id = $1"))
                .bind(id.0).fetch_optional(pool).await.map_err(db)?
        });
        row.map(NewsPost::try_from).transpose()
    }

    async fn next_news_publication(&self, now: OffsetDateTime) -> StoreResult<Option<OffsetDateTime>> {
        let next = dispatch!(&self.pools, pool => {
            sqlx::query_scalar::<Db, OffsetDateTime>(
                "SELECT publish_at FROM news_post WHERE status = 'published' AND publish_at > $1 \
                 ORDER BY publish_at LIMIT 1",
            )
            .bind(Ts(now)).fetch_optional(pool).await.map_err(db)?
        });
        Ok(next)
    }

    async fn create_news_post(
        &self,
        f: &NewsFields,
        status: NewsStatus,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<NewsId> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let id = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO news_post (status, title_tr, title_en, summary_tr, summary_en, body_tr, body_en, \
                 publish_at, networks, municipalities, events, partnerships, image_alt_tr, image_alt_en, created_at, \
                 updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
                 RETURNING id",
            )
            .bind(status.as_str()).bind(&f.title.tr).bind(&f.title.en).bind(&f.summary.tr).bind(&f.summary.en)
            .bind(&f.body.tr).bind(&f.body.en).bind(Ts(f.publish_at))
            .bind(joined(f.networks.iter().map(|n| n.0))).bind(joined(f.municipalities.iter().map(|m| m.0)))
            .bind(joined(f.events.iter().map(|e| e.0))).bind(joined(f.partnerships.iter().copied()))
            .bind(&f.image_alt.tr).bind(&f.image_alt.en).bind(Ts(now))
            .fetch_one(&mut *tx).await.map_err(db)?;
            write_audit!(&mut *tx, change, Some(id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(NewsId(id))
        })
    }

    async fn update_news_post(
        &self,
        id: NewsId,
        f: &NewsFields,
        status: NewsStatus,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE news_post SET status = $1, title_tr = $2, title_en = $3, summary_tr = $4, summary_en = $5, \
                 body_tr = $6, body_en = $7, publish_at = $8, networks = $9, municipalities = $10, events = $11, \
                 partnerships = $12, image_alt_tr = $13, image_alt_en = $14, updated_at = $15 WHERE id = $16",
            )
            .bind(status.as_str()).bind(&f.title.tr).bind(&f.title.en).bind(&f.summary.tr).bind(&f.summary.en)
            .bind(&f.body.tr).bind(&f.body.en).bind(Ts(f.publish_at))
            .bind(joined(f.networks.iter().map(|n| n.0))).bind(joined(f.municipalities.iter().map(|m| m.0)))
            .bind(joined(f.events.iter().map(|e| e.0))).bind(joined(f.partnerships.iter().copied()))
            .bind(&f.image_alt.tr).bind(&f.image_alt.en).bind(Ts(now)).bind(id.0)
            .execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict("news_not_found".into()));
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }

    async fn set_news_image(
        &self,
        id: NewsId,
        image: Option<&NewsImage>,
        alt: &Localized,
        now: OffsetDateTime,
        change: &Change,
    ) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let done = sqlx::query::<Db>(
                "UPDATE news_post SET image_key = $1, image_type = $2, image_size = $3, image_sha256 = $4, \
                 image_alt_tr = $5, image_alt_en = $6, updated_at = $7 WHERE id = $8",
            )
            .bind(image.map(|i| i.storage_key.as_str())).bind(image.map(|i| i.content_type.as_str()))
            .bind(image.map(|i| i.size)).bind(image.map(|i| i.sha256.as_str()))
            .bind(&alt.tr).bind(&alt.en)
            .bind(Ts(now)).bind(id.0)
            .execute(&mut *tx).await.map_err(db)?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Conflict("news_not_found".into()));
            }
            write_audit!(&mut *tx, change);
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }
}
