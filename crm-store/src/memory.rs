//! [`MemoryStore`]: everything in process memory, for tests, demos and `memory://`.
//!
//! One lock guards the whole state; a transaction holds it from `begin` to commit, so
//! transactions are serial and reads outside them never see uncommitted writes. Rollback
//! replays an undo log, also when a transaction is dropped without being committed.

use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use crm_core::audit::AuditEvent;
use crm_core::error::{Error, Result};
use crm_core::id::TenantId;
use crm_core::query::{Query, RowSource};
use crm_core::record::{ObjectKind, Row};
use crm_core::store::{ReadStore, Store, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};
use uuid::Uuid;

#[derive(Debug, Default)]
struct State {
    rows: HashMap<ObjectKind, HashMap<Uuid, Row>>,
    audit: Vec<AuditEvent>,
    keys: HashMap<(ObjectKind, TenantId), KeyIndex>,
}

/// Duplicate-detection blocking keys of one kind in one tenant, both ways.
#[derive(Debug, Default)]
struct KeyIndex {
    holders: HashMap<String, Vec<Uuid>>,
    of_record: HashMap<Uuid, Vec<String>>,
}

impl State {
    fn get(&self, kind: ObjectKind, tenant: TenantId, id: Uuid) -> Option<Row> {
        self.rows
            .get(&kind)?
            .get(&id)
            .filter(|r| r.meta.tenant == tenant)
            .cloned()
    }

    fn matching(&self, kind: ObjectKind, tenant: TenantId, query: &Query) -> Result<Vec<&Row>> {
        let resolved = query.resolve(kind)?;
        let rows = self
            .rows
            .get(&kind)
            .into_iter()
            .flat_map(|rows| rows.values())
            .filter(|r| r.meta.tenant == tenant);
        let source = TenantRows {
            state: self,
            tenant,
        };
        Ok(resolved.apply(rows, &source))
    }

    fn count(&self, kind: ObjectKind, tenant: TenantId, query: &Query) -> Result<u64> {
        let mut all = query.clone();
        all.page = crm_core::query::Page::ALL;
        Ok(self.matching(kind, tenant, &all)?.len() as u64)
    }

    fn records_with_keys(
        &self,
        kind: ObjectKind,
        tenant: TenantId,
        keys: &[String],
        max_holders: usize,
    ) -> Vec<Uuid> {
        let Some(index) = self.keys.get(&(kind, tenant)) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for holders in keys.iter().filter_map(|k| index.holders.get(k)) {
            if holders.len() <= max_holders {
                found.extend(
                    holders
                        .iter()
                        .filter(|id| !found.contains(*id))
                        .copied()
                        .collect::<Vec<_>>(),
                );
            }
        }
        found
    }

    /// Replace the keys of `id`; returns the keys it had.
    fn set_keys(
        &mut self,
        kind: ObjectKind,
        tenant: TenantId,
        id: Uuid,
        keys: &[String],
    ) -> Vec<String> {
        let index = self.keys.entry((kind, tenant)).or_default();
        let previous = index.of_record.remove(&id).unwrap_or_default();
        for key in &previous {
            if let Some(holders) = index.holders.get_mut(key) {
                holders.retain(|h| *h != id);
                if holders.is_empty() {
                    index.holders.remove(key);
                }
            }
        }
        for key in keys {
            let holders = index.holders.entry(key.clone()).or_default();
            if let Err(at) = holders.binary_search(&id) {
                holders.insert(at, id);
            }
        }
        if !keys.is_empty() {
            index.of_record.insert(id, keys.to_vec());
        }
        previous
    }

    fn audit_trail(&self, tenant: TenantId, kind: ObjectKind, id: Uuid) -> Vec<AuditEvent> {
        self.audit
            .iter()
            .filter(|e| e.tenant == tenant && e.object == kind && e.record_id == id)
            .cloned()
            .collect()
    }
}

/// One tenant's rows: what queries, sub-selects included, read.
struct TenantRows<'a> {
    state: &'a State,
    tenant: TenantId,
}

impl RowSource for TenantRows<'_> {
    fn rows_of(&self, kind: ObjectKind) -> Box<dyn Iterator<Item = &Row> + '_> {
        let tenant = self.tenant;
        Box::new(
            self.state
                .rows
                .get(&kind)
                .into_iter()
                .flat_map(|rows| rows.values())
                .filter(move |r| r.meta.tenant == tenant),
        )
    }
}

/// A store in process memory. Cloning shares the same data.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    state: Arc<Mutex<State>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }
}

#[async_trait]
impl ReadStore for MemoryStore {
    async fn get_row(&self, kind: ObjectKind, tenant: TenantId, id: Uuid) -> Result<Option<Row>> {
        Ok(self.state.lock().await.get(kind, tenant, id))
    }

    async fn list_rows(
        &self,
        kind: ObjectKind,
        tenant: TenantId,
        query: &Query,
    ) -> Result<Vec<Row>> {
        let state = self.state.lock().await;
        Ok(state
            .matching(kind, tenant, query)?
            .into_iter()
            .cloned()
            .collect())
    }

    async fn count_rows(&self, kind: ObjectKind, tenant: TenantId, query: &Query) -> Result<u64> {
        self.state.lock().await.count(kind, tenant, query)
    }

    async fn audit_trail(
        &self,
        tenant: TenantId,
        kind: ObjectKind,
        id: Uuid,
    ) -> Result<Vec<AuditEvent>> {
        Ok(self.state.lock().await.audit_trail(tenant, kind, id))
    }

    async fn records_with_keys(
        &self,
        kind: ObjectKind,
        tenant: TenantId,
        keys: &[String],
        max_holders: usize,
    ) -> Result<Vec<Uuid>> {
        let state = self.state.lock().await;
        Ok(state.records_with_keys(kind, tenant, keys, max_holders))
    }
}

#[async_trait]
impl Store for MemoryStore {
    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        Ok(Box::new(MemoryTransaction {
            state: self.state.clone().lock_owned().await,
            undo: Vec::new(),
        }))
    }
}

/// What to do to take one change back.
#[derive(Debug)]
enum Undo {
    Remove(ObjectKind, Uuid),
    Restore(Row),
    TruncateAudit(usize),
    Keys(ObjectKind, TenantId, Uuid, Vec<String>),
}

struct MemoryTransaction {
    state: OwnedMutexGuard<State>,
    undo: Vec<Undo>,
}

impl MemoryTransaction {
    fn undo_all(&mut self) {
        while let Some(step) = self.undo.pop() {
            match step {
                Undo::Remove(kind, id) => {
                    self.state.rows.entry(kind).or_default().remove(&id);
                }
                Undo::Restore(row) => {
                    self.state
                        .rows
                        .entry(row.kind)
                        .or_default()
                        .insert(row.id, row);
                }
                Undo::TruncateAudit(len) => self.state.audit.truncate(len),
                Undo::Keys(kind, tenant, id, keys) => {
                    self.state.set_keys(kind, tenant, id, &keys);
                }
            }
        }
    }
}

impl Drop for MemoryTransaction {
    fn drop(&mut self) {
        // A committed transaction has an empty undo log; anything left is rolled back.
        self.undo_all();
    }
}

#[async_trait]
impl ReadStore for MemoryTransaction {
    async fn get_row(&self, kind: ObjectKind, tenant: TenantId, id: Uuid) -> Result<Option<Row>> {
        Ok(self.state.get(kind, tenant, id))
    }

    async fn list_rows(
        &self,
        kind: ObjectKind,
        tenant: TenantId,
        query: &Query,
    ) -> Result<Vec<Row>> {
        Ok(self
            .state
            .matching(kind, tenant, query)?
            .into_iter()
            .cloned()
            .collect())
    }

    async fn count_rows(&self, kind: ObjectKind, tenant: TenantId, query: &Query) -> Result<u64> {
        self.state.count(kind, tenant, query)
    }

    async fn audit_trail(
        &self,
        tenant: TenantId,
        kind: ObjectKind,
        id: Uuid,
    ) -> Result<Vec<AuditEvent>> {
        Ok(self.state.audit_trail(tenant, kind, id))
    }

    async fn records_with_keys(
        &self,
        kind: ObjectKind,
        tenant: TenantId,
        keys: &[String],
        max_holders: usize,
    ) -> Result<Vec<Uuid>> {
        Ok(self
            .state
            .records_with_keys(kind, tenant, keys, max_holders))
    }
}

#[async_trait]
impl Transaction for MemoryTransaction {
    async fn insert_rows(&mut self, rows: &[Row]) -> Result<()> {
        if let Some(dup) = rows.iter().enumerate().find(|(i, r)| {
            self.state
                .rows
                .get(&r.kind)
                .is_some_and(|t| t.contains_key(&r.id))
                || rows[..*i]
                    .iter()
                    .any(|earlier| earlier.kind == r.kind && earlier.id == r.id)
        }) {
            let row = dup.1;
            return Err(Error::Duplicate {
                object: row.kind.as_str(),
                id: row.id.to_string(),
                reason: "a record with this id exists".into(),
            });
        }
        for row in rows {
            self.state
                .rows
                .entry(row.kind)
                .or_default()
                .insert(row.id, row.clone());
            self.undo.push(Undo::Remove(row.kind, row.id));
        }
        Ok(())
    }

    async fn update_row(&mut self, row: &Row, before: &Row) -> Result<()> {
        let expected_version = before.meta.version;
        let Some(stored) = self.state.get(row.kind, row.meta.tenant, row.id) else {
            return Err(Error::NotFound {
                object: row.kind.as_str(),
                id: row.id.to_string(),
            });
        };
        if stored.meta.version != expected_version {
            return Err(Error::Conflict {
                object: row.kind.as_str(),
                id: row.id.to_string(),
                expected: expected_version,
                actual: stored.meta.version,
            });
        }
        self.state
            .rows
            .entry(row.kind)
            .or_default()
            .insert(row.id, row.clone());
        self.undo.push(Undo::Restore(stored));
        Ok(())
    }

    async fn set_keys(
        &mut self,
        kind: ObjectKind,
        tenant: TenantId,
        entries: &[(Uuid, Vec<String>)],
    ) -> Result<()> {
        for (id, keys) in entries {
            let previous = self.state.set_keys(kind, tenant, *id, keys);
            self.undo.push(Undo::Keys(kind, tenant, *id, previous));
        }
        Ok(())
    }

    async fn append_audit(&mut self, events: &[AuditEvent]) -> Result<()> {
        let len = self.state.audit.len();
        self.undo.push(Undo::TruncateAudit(len));
        for (i, event) in events.iter().enumerate() {
            let mut event = event.clone();
            event.seq = (len + i + 1) as u64;
            self.state.audit.push(event);
        }
        Ok(())
    }

    async fn commit(mut self: Box<Self>) -> Result<()> {
        self.undo.clear();
        Ok(())
    }

    async fn rollback(mut self: Box<Self>) -> Result<()> {
        self.undo_all();
        Ok(())
    }
}
