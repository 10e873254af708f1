//! The unit of work over one native transaction: each capability's module implements its writes on
//! [`SqlUnit`] (accounts in `accounts.rs`, the job queue in `jobs.rs`, the
//! writes of a place merge in `merge.rs`), and [`SqlUnit::finish`] writes the
//! audit entry with `write_audit!`, the one path every audited change takes, before committing. Dropping a
//! unit rolls its transaction back (sqlx does so when a `Transaction` is dropped).

use async_trait::async_trait;
use sqlx::{Postgres, Sqlite, Transaction};

use ldp_core::domain::Change;
use ldp_core::feed::ChangeFeed;
use ldp_core::jobs::JobWrites;
use ldp_core::store::{
    AccountWrites, ContactWrites, EventWrites, PartnershipWrites, ProjectWrites, ReferenceWrites, SavedSearchWrites,
    StoreResult, UnitOfWork, UnitOfWorkStore,
};

use crate::SqlStore;
use crate::audit::write_audit;
use crate::pool::{db, dispatch};

/// A writing transaction on either engine.
pub(crate) enum Tx {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl From<Transaction<'static, Sqlite>> for Tx {
    fn from(tx: Transaction<'static, Sqlite>) -> Tx {
        Tx::Sqlite(tx)
    }
}

impl From<Transaction<'static, Postgres>> for Tx {
    fn from(tx: Transaction<'static, Postgres>) -> Tx {
        Tx::Postgres(tx)
    }
}

/// Runs `$body` with `$conn` bound to the unit's open connection (`&mut Db::Connection`), like `dispatch!`
/// does for a pool: `Db` names the backend inside the body, so the same portable SQL serves both.
macro_rules! on_unit {
    ($unit:expr, $conn:ident => $body:expr) => {
        match &mut $unit.tx {
            $crate::unit_of_work::Tx::Sqlite(tx) => {
                #[allow(dead_code, reason = "not every body names the backend type")]
                type Db = sqlx::Sqlite;
                let $conn = &mut **tx;
                $body
            }
            $crate::unit_of_work::Tx::Postgres(tx) => {
                #[allow(dead_code, reason = "not every body names the backend type")]
                type Db = sqlx::Postgres;
                let $conn = &mut **tx;
                $body
            }
        }
    };
}
pub(crate) use on_unit;

/// An open unit of work (see the module's documentation).
pub(crate) struct SqlUnit {
    pub(crate) tx: Tx,
    /// The store's feed, raised once the unit has committed.
    feed: ChangeFeed,
}

impl SqlStore {
    /// Opens a writing transaction (`BEGIN IMMEDIATE` on SQLite, like every write).
    pub(crate) async fn unit(&self) -> StoreResult<SqlUnit> {
        let tx: Tx = dispatch!(&self.pools, pool => pool.begin_with(BEGIN_WRITE).await.map_err(db)?.into());
        Ok(SqlUnit { tx, feed: self.feed() })
    }
}

impl SqlUnit {
    /// Writes `change` to the audit log and commits: the unit's writes and their entry land together. The
    /// data versions the unit bumped are read inside it and raise this node's feed once committed, so the
    /// next request here sees the change.
    pub(crate) async fn finish(mut self, change: &Change) -> StoreResult<()> {
        let versions = on_unit!(self, conn => {
            write_audit!(&mut *conn, change);
            crate::feed::read_versions!(&mut *conn)
        });
        match self.tx {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
        .map_err(db)?;
        self.feed.observe(versions);
        Ok(())
    }
}

#[async_trait]
impl UnitOfWorkStore for SqlStore {
    async fn begin(&self) -> StoreResult<Box<dyn UnitOfWork>> {
        Ok(Box::new(self.unit().await?))
    }
}

#[async_trait]
impl UnitOfWork for SqlUnit {
    fn accounts(&mut self) -> &mut dyn AccountWrites {
        self
    }

    fn contact(&mut self) -> &mut dyn ContactWrites {
        self
    }

    fn events(&mut self) -> &mut dyn EventWrites {
        self
    }

    fn jobs(&mut self) -> &mut dyn JobWrites {
        self
    }

    fn partnerships(&mut self) -> &mut dyn PartnershipWrites {
        self
    }

    fn projects(&mut self) -> &mut dyn ProjectWrites {
        self
    }

    fn reference(&mut self) -> &mut dyn ReferenceWrites {
        self
    }

    fn saved_searches(&mut self) -> &mut dyn SavedSearchWrites {
        self
    }

    async fn record(&mut self, change: &Change) -> StoreResult<()> {
        on_unit!(self, conn => write_audit!(&mut *conn, change));
        Ok(())
    }

    async fn commit(self: Box<Self>, change: &Change) -> StoreResult<()> {
        (*self).finish(change).await
    }
}
