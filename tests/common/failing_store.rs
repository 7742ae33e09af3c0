//! A store that fails on demand, for tests of what a failed commit leaves behind.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use crm::Result;
use crm::id::TenantId;
use crm::query::Query;
use crm::store::MemoryStore;
use crm_core::store::{ReadStore, Store, Transaction};
use uuid::Uuid;

/// A memory store one of whose transactions fails to commit ("disk full"), rolling back
/// everything it did: a crash between doing work and recording it. It accepts every bulk
/// load, and records the calls.
pub struct FailingStore {
    inner: MemoryStore,
    begun: AtomicUsize,
    fail_at: AtomicUsize,
    bulk_loads: Mutex<Vec<BulkLoadCall>>,
}

/// A call of [`Store::begin_bulk_load`] (with its estimate of new records) or
/// [`Store::end_bulk_load`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkLoadCall {
    Begin(u64),
    End,
}

impl FailingStore {
    /// A store that fails nothing until told.
    pub fn new() -> FailingStore {
        FailingStore {
            inner: MemoryStore::new(),
            begun: AtomicUsize::new(0),
            fail_at: AtomicUsize::new(0),
            bulk_loads: Mutex::new(Vec::new()),
        }
    }

    /// The bulk-load calls so far, in order.
    #[allow(dead_code)] // each test binary uses the members it needs
    pub fn bulk_loads(&self) -> Vec<BulkLoadCall> {
        self.bulk_loads.lock().unwrap().clone()
    }

    /// Make the `n`-th transaction begun from now on (1 = the next) fail to commit.
    pub fn fail_transaction(&self, n: usize) {
        let begun = self.begun.load(Ordering::SeqCst);
        self.fail_at.store(begun + n, Ordering::SeqCst);
    }
}

struct FailingTransaction(Box<dyn Transaction>);

/// Implements [`ReadStore`] for `$ty` by handing every read to the store `$inner` yields.
macro_rules! delegate_reads {
    ($ty:ty, |$s:ident| $inner:expr) => {
        #[async_trait]
        impl ReadStore for $ty {
            async fn get_row(
                &self,
                kind: crm::ObjectKind,
                tenant: TenantId,
                id: Uuid,
            ) -> Result<Option<crm::record::Row>> {
                let $s = self;
                $inner.get_row(kind, tenant, id).await
            }
            async fn list_rows(
                &self,
                kind: crm::ObjectKind,
                tenant: TenantId,
                query: &Query,
            ) -> Result<Vec<crm::record::Row>> {
                let $s = self;
                $inner.list_rows(kind, tenant, query).await
            }
            async fn count_rows(
                &self,
                kind: crm::ObjectKind,
                tenant: TenantId,
                query: &Query,
            ) -> Result<u64> {
                let $s = self;
                $inner.count_rows(kind, tenant, query).await
            }
            async fn audit_trail(
                &self,
                tenant: TenantId,
                kind: crm::ObjectKind,
                id: Uuid,
            ) -> Result<Vec<crm::audit::AuditEvent>> {
                let $s = self;
                $inner.audit_trail(tenant, kind, id).await
            }
            async fn records_with_keys(
                &self,
                kind: crm::ObjectKind,
                tenant: TenantId,
                keys: &[String],
                max_holders: usize,
            ) -> Result<Vec<Uuid>> {
                let $s = self;
                $inner
                    .records_with_keys(kind, tenant, keys, max_holders)
                    .await
            }
        }
    };
}

delegate_reads!(FailingStore, |s| s.inner);
delegate_reads!(FailingTransaction, |s| s.0);

#[async_trait]
impl Store for FailingStore {
    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        let n = self.begun.fetch_add(1, Ordering::SeqCst) + 1;
        let tx = self.inner.begin().await?;
        Ok(if n == self.fail_at.load(Ordering::SeqCst) {
            Box::new(FailingTransaction(tx))
        } else {
            tx
        })
    }

    async fn begin_bulk_load(&self, _kinds: &[crm::ObjectKind], records: u64) -> Result<bool> {
        self.bulk_loads
            .lock()
            .unwrap()
            .push(BulkLoadCall::Begin(records));
        Ok(true)
    }

    async fn end_bulk_load(&self) -> Result<()> {
        self.bulk_loads.lock().unwrap().push(BulkLoadCall::End);
        Ok(())
    }
}

#[async_trait]
impl Transaction for FailingTransaction {
    async fn insert_rows(&mut self, rows: &[crm::record::Row]) -> Result<()> {
        self.0.insert_rows(rows).await
    }
    async fn update_row(
        &mut self,
        row: &crm::record::Row,
        before: &crm::record::Row,
    ) -> Result<()> {
        self.0.update_row(row, before).await
    }
    async fn set_keys(
        &mut self,
        kind: crm::ObjectKind,
        tenant: TenantId,
        entries: &[(Uuid, Vec<String>)],
    ) -> Result<()> {
        self.0.set_keys(kind, tenant, entries).await
    }
    async fn append_audit(&mut self, events: &[crm::audit::AuditEvent]) -> Result<()> {
        self.0.append_audit(events).await
    }
    async fn commit(self: Box<Self>) -> Result<()> {
        self.0.rollback().await?;
        Err(crm::Error::storage(
            "commit",
            std::io::Error::other("disk full"),
        ))
    }
    async fn rollback(self: Box<Self>) -> Result<()> {
        self.0.rollback().await
    }
}
