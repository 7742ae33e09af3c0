//! The storage traits every adapter implements, and the typed layer over them.
//!
//! Adapters implement three small, object-safe traits over [`Row`]s — [`ReadStore`],
//! [`Store`] (which begins transactions) and [`Transaction`] — so a host can bring its own
//! storage as `Arc<dyn Store>`. The typed API (`get::<Account>`, `insert`, `save`) is written
//! once here on top of them, so every adapter gets the same optimistic locking and the same
//! audit events, appended in the same transaction as the change.
//!
//! The conformance suite in `crate::conformance` (feature `test-util`) is the contract.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::actor::Actor;
use crate::aggregate::{Aggregate, Group, group_rows};
use crate::audit::AuditEvent;
use crate::clock::to_stored_precision;
use crate::error::{Error, Result};
use crate::id::{RecordId, TenantId};
use crate::query::{Predicate, Query};
use crate::record::{Entity, ObjectKind, Record, Row};

/// Reads, inside or outside a transaction. Every read is scoped to one tenant.
#[async_trait]
pub trait ReadStore: Send + Sync {
    /// The row of `kind` with `id` in `tenant`, soft-deleted or not.
    async fn get_row(&self, kind: ObjectKind, tenant: TenantId, id: Uuid) -> Result<Option<Row>>;

    /// The rows of `kind` in `tenant` matching `query`, sorted and paged.
    async fn list_rows(
        &self,
        kind: ObjectKind,
        tenant: TenantId,
        query: &Query,
    ) -> Result<Vec<Row>>;

    /// How many rows of `kind` in `tenant` match `query` (its sort and page are ignored).
    async fn count_rows(&self, kind: ObjectKind, tenant: TenantId, query: &Query) -> Result<u64>;

    /// [`aggregate`](crate::aggregate): grouped counts and sums of the rows of `kind` in
    /// `tenant`. The default reads every matching row and aggregates in memory; SQL stores
    /// run one `GROUP BY`.
    async fn aggregate(
        &self,
        kind: ObjectKind,
        tenant: TenantId,
        aggregate: &Aggregate,
    ) -> Result<Vec<Group>> {
        let resolved = aggregate.resolve(kind)?;
        let rows = self
            .list_rows(kind, tenant, &aggregate.query.clone().unpaged())
            .await?;
        Ok(group_rows(&rows, &resolved))
    }

    /// The audit events of one record, oldest first.
    async fn audit_trail(
        &self,
        tenant: TenantId,
        kind: ObjectKind,
        id: Uuid,
    ) -> Result<Vec<AuditEvent>>;

    /// The rows of `kind` in `tenant` with the given ids that exist, soft-deleted ones
    /// included, in no particular order. The default lists them through a filter; a store may
    /// read them by id more directly.
    async fn get_rows(&self, kind: ObjectKind, tenant: TenantId, ids: &[Uuid]) -> Result<Vec<Row>> {
        let query = Query::filter(Predicate::is_in("id", ids.iter().copied()))
            .unpaged()
            .with_deleted();
        self.list_rows(kind, tenant, &query).await
    }

    /// The records of `kind` in `tenant` holding any of `keys` (duplicate-detection blocking
    /// keys), each once, in the order of the keys and, within a key, of the ids; a key held by
    /// more than `max_holders` records is skipped (a common name finds nothing useful).
    async fn records_with_keys(
        &self,
        kind: ObjectKind,
        tenant: TenantId,
        keys: &[String],
        max_holders: usize,
    ) -> Result<Vec<Uuid>>;
}

/// A storage backend.
#[async_trait]
pub trait Store: ReadStore {
    /// Start a unit of work. Changes are visible to others only after
    /// [`Transaction::commit`]; dropping the transaction without committing rolls it back.
    async fn begin(&self) -> Result<Box<dyn Transaction>>;

    /// Refresh the statistics the backend plans queries with (SQL `ANALYZE`), after a bulk
    /// load or now and then: access-filtered lists and counts rely on them to pick index
    /// lookups over scans. A no-op where there is nothing to refresh.
    async fn optimize(&self) -> Result<()> {
        Ok(())
    }

    /// A bulk load of about `records` new records of `kinds` is starting, to be written in
    /// many transactions. A store may stop maintaining the indexes that inserts in random
    /// order make slow, and rebuild them in one pass in [`Store::end_bulk_load`]; reads stay
    /// correct meanwhile, but lookups those indexes serve may be slow. Returns whether it
    /// did: a store declines a small load, or one into tables already much larger than what
    /// it adds (rebuilding would cost more than it saves).
    async fn begin_bulk_load(&self, kinds: &[ObjectKind], records: u64) -> Result<bool> {
        let _ = (kinds, records);
        Ok(false)
    }

    /// Rebuild what [`Store::begin_bulk_load`] deferred. If the process stops before this
    /// call, the store rebuilds it when next opened.
    async fn end_bulk_load(&self) -> Result<()> {
        Ok(())
    }

    /// Release the backend's resources and make everything durable in its primary files
    /// (for SQLite: checkpoint the write-ahead log). Later calls fail or reopen, by backend.
    async fn close(&self) -> Result<()> {
        Ok(())
    }
}

/// A unit of work: reads see its own writes; all or nothing.
#[async_trait]
pub trait Transaction: ReadStore {
    /// Insert new rows (of any kinds). An id that exists already is [`Error::Duplicate`].
    async fn insert_rows(&mut self, rows: &[Row]) -> Result<()>;

    /// Replace `before`, the stored row as this transaction read it, with `row` (whose version
    /// must be one more). A missing row is [`Error::NotFound`]; a stored version other than
    /// `before`'s is [`Error::Conflict`] and nothing is written. Since a version is only ever
    /// stored once, a store may write just the columns in which `row` differs from `before`.
    async fn update_row(&mut self, row: &Row, before: &Row) -> Result<()>;

    /// Replace the duplicate-detection blocking keys of each record in `entries` (no keys:
    /// forget the record). One call per batch keeps bulk writes fast.
    async fn set_keys(
        &mut self,
        kind: ObjectKind,
        tenant: TenantId,
        entries: &[(Uuid, Vec<String>)],
    ) -> Result<()>;

    /// Append events to the audit log; the store assigns their `seq`.
    async fn append_audit(&mut self, events: &[AuditEvent]) -> Result<()>;

    /// Make every change durable and visible.
    async fn commit(self: Box<Self>) -> Result<()>;

    /// Discard every change.
    async fn rollback(self: Box<Self>) -> Result<()>;
}

fn not_found<T: Entity>(id: impl std::fmt::Display) -> Error {
    Error::NotFound {
        object: T::KIND.as_str(),
        id: id.to_string(),
    }
}

impl dyn ReadStore + '_ {
    /// The live record `id`, or [`Error::NotFound`] (also when soft-deleted).
    pub async fn get<T: Entity>(&self, tenant: TenantId, id: T::Id) -> Result<Record<T>> {
        match self.get_row(T::KIND, tenant, id.uuid()).await? {
            Some(row) if row.meta.deleted_at.is_none() => Record::from_row(&row),
            _ => Err(not_found::<T>(id)),
        }
    }

    /// The record `id`, soft-deleted or not.
    pub async fn get_any<T: Entity>(
        &self,
        tenant: TenantId,
        id: T::Id,
    ) -> Result<Option<Record<T>>> {
        self.get_row(T::KIND, tenant, id.uuid())
            .await?
            .map(|row| Record::from_row(&row))
            .transpose()
    }

    /// The records matching `query`.
    pub async fn list<T: Entity>(&self, tenant: TenantId, query: &Query) -> Result<Vec<Record<T>>> {
        self.list_rows(T::KIND, tenant, query)
            .await?
            .iter()
            .map(Record::from_row)
            .collect()
    }

    /// How many records match `query`.
    pub async fn count<T: Entity>(&self, tenant: TenantId, query: &Query) -> Result<u64> {
        self.count_rows(T::KIND, tenant, query).await
    }
}

impl dyn Transaction + '_ {
    /// Insert new records, with one `Create` audit event each, stamped `actor` at `at`.
    pub async fn insert<T: Entity>(
        &mut self,
        actor: &Actor,
        at: DateTime<Utc>,
        records: &[Record<T>],
    ) -> Result<()> {
        let rows = records
            .iter()
            .map(Record::to_row)
            .collect::<Result<Vec<_>>>()?;
        let events = creation_events(actor, at, &rows)?;
        self.insert_rows(&rows).await?;
        self.append_audit(&events).await
    }

    /// Store a changed record. `record.meta.version` is the version it was read at; the
    /// stored one must still be that (else [`Error::Conflict`]). Returns the record as stored:
    /// version + 1, `updated_at = at`, creation time and tenant kept. Deleting and restoring
    /// are saves that set or clear `meta.deleted_at`.
    pub async fn save<T: Entity>(
        &mut self,
        actor: &Actor,
        at: DateTime<Utc>,
        record: Record<T>,
    ) -> Result<Record<T>> {
        let row = self.save_row(actor, at, record.to_row()?).await?;
        Ok(Record {
            meta: row.meta,
            ..record
        })
    }

    /// `save` for a row of any kind: `row.meta.version` is the version it was
    /// read at. Returns the row as stored.
    pub async fn save_row(&mut self, actor: &Actor, at: DateTime<Utc>, row: Row) -> Result<Row> {
        check_tenant(actor, &row.meta.tenant)?;
        let before = self
            .get_row(row.kind, actor.tenant, row.id)
            .await?
            .ok_or_else(|| not_found_row(&row))?;
        let (row, event) = next_version(actor, at, row, &before)?;
        self.update_row(&row, &before).await?;
        self.append_audit(&[event]).await?;
        Ok(row)
    }

    /// `save_row` for several rows, in fewer statements: the stored versions of each run of
    /// rows of one kind are read together and the audit events appended together.
    /// The same checks in the same order (a missing row is [`Error::NotFound`], a version
    /// that moved [`Error::Conflict`]) and the same results as saving them one by one.
    pub async fn save_rows(
        &mut self,
        actor: &Actor,
        at: DateTime<Utc>,
        rows: Vec<Row>,
    ) -> Result<Vec<Row>> {
        let mut saved = Vec::with_capacity(rows.len());
        let mut events = Vec::with_capacity(rows.len());
        let mut rows = rows.into_iter().peekable();
        while let Some(first) = rows.peek() {
            let kind = first.kind;
            let mut run = Vec::new();
            while let Some(row) = rows.next_if(|r| r.kind == kind) {
                check_tenant(actor, &row.meta.tenant)?;
                run.push(row);
            }
            let ids: Vec<Uuid> = run.iter().map(|r| r.id).collect();
            let mut stored: HashMap<Uuid, Row> = self
                .get_rows(kind, actor.tenant, &ids)
                .await?
                .into_iter()
                .map(|r| (r.id, r))
                .collect();
            for row in run {
                let before = stored.remove(&row.id).ok_or_else(|| not_found_row(&row))?;
                let (row, event) = next_version(actor, at, row, &before)?;
                self.update_row(&row, &before).await?;
                // A row saved twice in one call is checked against its first save.
                stored.insert(row.id, row.clone());
                events.push(event);
                saved.push(row);
            }
        }
        self.append_audit(&events).await?;
        Ok(saved)
    }
}

fn not_found_row(row: &Row) -> Error {
    Error::NotFound {
        object: row.kind.as_str(),
        id: row.id.to_string(),
    }
}

/// `row`, read at `row.meta.version`, as the next version of `before` saved by `actor` at
/// `at`, with its audit event; [`Error::Conflict`] if `before` is another version.
fn next_version(
    actor: &Actor,
    at: DateTime<Utc>,
    mut row: Row,
    before: &Row,
) -> Result<(Row, AuditEvent)> {
    let expected = row.meta.version;
    if before.meta.version != expected {
        return Err(Error::Conflict {
            object: row.kind.as_str(),
            id: row.id.to_string(),
            expected,
            actual: before.meta.version,
        });
    }
    row.meta.version = expected + 1;
    row.meta.created_at = before.meta.created_at;
    row.meta.updated_at = to_stored_precision(at).max(before.meta.updated_at);
    let event = AuditEvent::for_change(actor, row.meta.updated_at, Some(before), &row)?;
    Ok((row, event))
}

/// The audit events of `actor` creating `rows` at `at`, each row checked to be in the
/// actor's tenant: what `insert` on a [`Transaction`] appends, for callers that work
/// it out before their transaction.
pub fn creation_events(actor: &Actor, at: DateTime<Utc>, rows: &[Row]) -> Result<Vec<AuditEvent>> {
    let at = to_stored_precision(at);
    rows.iter()
        .map(|row| {
            check_tenant(actor, &row.meta.tenant)?;
            AuditEvent::for_change(actor, at, None, row)
        })
        .collect()
}

fn check_tenant(actor: &Actor, tenant: &TenantId) -> Result<()> {
    if actor.tenant != *tenant {
        return Err(Error::PermissionDenied {
            action: "write".into(),
            object: format!("tenant {tenant}"),
            reason: format!("the actor acts in tenant {}", actor.tenant),
        });
    }
    Ok(())
}
