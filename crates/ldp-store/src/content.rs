//! Editable pages' storage ([`ContentStore`]): `content_revision` rows are written once (the schema refuses
//! changes), and `content_published` names, per page and language, the revision the public sees.

use async_trait::async_trait;
use time::OffsetDateTime;

use ldp_core::domain::content::{ContentPage, ContentState, ContentStore, NewRevision, Revision, RevisionId};
use ldp_core::domain::{Change, Lang, UserId};
use ldp_core::store::{StoreError, StoreResult};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch, static_sql};
use crate::rows::corrupt;
use crate::ts::Ts;

const REVISION_COLUMNS: &str = "id, page, lang, title, body, author, author_id, created_at, restored_from";

#[derive(sqlx::FromRow)]
struct RevisionRow {
    id: i64,
    page: String,
    lang: String,
    title: String,
    body: String,
    author: String,
    author_id: Option<i64>,
    created_at: OffsetDateTime,
    restored_from: Option<i64>,
}

fn page_of(key: &str) -> StoreResult<ContentPage> {
    ContentPage::parse(key).ok_or_else(|| corrupt(format_args!("content page {key:?}")))
}

fn lang_of(code: &str) -> StoreResult<Lang> {
    Lang::parse(code).ok_or_else(|| corrupt(format_args!("content language {code:?}")))
}

impl TryFrom<RevisionRow> for Revision {
    type Error = StoreError;

    fn try_from(r: RevisionRow) -> StoreResult<Revision> {
        Ok(Revision {
            id: RevisionId(r.id),
            page: page_of(&r.page)?,
            lang: lang_of(&r.lang)?,
            title: r.title,
            body: r.body,
            author: r.author,
            author_id: r.author_id.map(UserId),
            created_at: r.created_at,
            restored_from: r.restored_from.map(RevisionId),
        })
    }
}

#[derive(sqlx::FromRow)]
struct StateRow {
    page: String,
    lang: String,
    latest: i64,
    published: Option<i64>,
}

/// Names `$id` as the published revision of its page and language (on `$conn`, in the caller's transaction).
macro_rules! publish {
    ($conn:expr, $page:expr, $lang:expr, $id:expr, $change:expr) => {{
        let c: &Change = $change;
        sqlx::query::<Db>(
            "INSERT INTO content_published (page, lang, revision_id, published_at, published_by) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (page, lang) DO UPDATE SET \
             revision_id = excluded.revision_id, published_at = excluded.published_at, \
             published_by = excluded.published_by",
        )
        .bind($page)
        .bind($lang)
        .bind($id)
        .bind(Ts(c.at))
        .bind(&c.actor)
        .execute($conn)
        .await
        .map_err(db)?;
    }};
}

#[async_trait]
impl ContentStore for SqlStore {
    async fn content_revisions(&self, page: &ContentPage) -> StoreResult<Vec<Revision>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, RevisionRow>(static_sql!(
                "SELECT {REVISION_COLUMNS} FROM content_revision WHERE page = $1 ORDER BY id DESC"
            ))
            .bind(page.key()).fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter().map(Revision::try_from).collect()
    }

    async fn content_revision(&self, id: RevisionId) -> StoreResult<Option<Revision>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, RevisionRow>(static_sql!("SELECT {REVISION_COLUMNS} FROM content_revision WHERE id = $1"))
                .bind(id.0).fetch_optional(pool).await.map_err(db)?
        });
        row.map(Revision::try_from).transpose()
    }

    async fn published_content(&self, page: &ContentPage, lang: Lang) -> StoreResult<Option<Revision>> {
        let row = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, RevisionRow>(
                "SELECT r.id, r.page, r.lang, r.title, r.body, r.author, r.author_id, r.created_at, r.restored_from \
                 FROM content_published p JOIN content_revision r ON r.id = p.revision_id \
                 WHERE p.page = $1 AND p.lang = $2",
            )
            .bind(page.key()).bind(lang.code()).fetch_optional(pool).await.map_err(db)?
        });
        row.map(Revision::try_from).transpose()
    }

    async fn content_states(&self) -> StoreResult<Vec<ContentState>> {
        let rows = dispatch!(&self.pools, pool => {
            sqlx::query_as::<Db, StateRow>(
                "SELECT r.page, r.lang, MAX(r.id) AS latest, \
                 (SELECT p.revision_id FROM content_published p WHERE p.page = r.page AND p.lang = r.lang) AS published \
                 FROM content_revision r GROUP BY r.page, r.lang ORDER BY r.page, r.lang",
            )
            .fetch_all(pool).await.map_err(db)?
        });
        rows.into_iter()
            .map(|r| {
                Ok(ContentState {
                    page: page_of(&r.page)?,
                    lang: lang_of(&r.lang)?,
                    latest: RevisionId(r.latest),
                    published: r.published.map(RevisionId),
                })
            })
            .collect()
    }

    async fn save_content_revision(
        &self,
        rev: &NewRevision,
        publish: bool,
        change: &Change,
    ) -> StoreResult<RevisionId> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let id = sqlx::query_scalar::<Db, i64>(
                "INSERT INTO content_revision (page, lang, title, body, author, author_id, created_at, restored_from) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(rev.page.key()).bind(rev.lang.code()).bind(&rev.title).bind(&rev.body).bind(&rev.author)
            .bind(rev.author_id.map(|u| u.0)).bind(Ts(rev.created_at)).bind(rev.restored_from.map(|r| r.0))
            .fetch_one(&mut *tx).await.map_err(db)?;
            if publish {
                publish!(&mut *tx, rev.page.key(), rev.lang.code(), id, change);
            }
            write_audit!(&mut *tx, change, Some(id));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(RevisionId(id))
        })
    }

    async fn publish_content_revision(&self, id: RevisionId, change: &Change) -> StoreResult<()> {
        dispatch!(&self.pools, pool => {
            let mut tx = pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
            let found = sqlx::query_as::<Db, (String, String)>("SELECT page, lang FROM content_revision WHERE id = $1")
                .bind(id.0).fetch_optional(&mut *tx).await.map_err(db)?;
            let Some((page, lang)) = found else { return Err(StoreError::Conflict("revision_not_found".into())) };
            publish!(&mut *tx, page, lang, id.0, change);
            write_audit!(&mut *tx, change, Some(id.0));
            tx.commit().await.map_err(db)?;
            self.committed().await;
            Ok(())
        })
    }
}
