//! [`SqlStore`]: SQLite (embedded, bundled) through sea-orm.
//!
//! Writes run in `BEGIN IMMEDIATE` transactions, so a unit of work takes SQLite's write lock
//! before its first read and never fails half-way with a stale snapshot; concurrent writers
//! queue on the busy timeout, readers proceed (WAL). Optimistic locking is one
//! `UPDATE ... WHERE version = expected`: whoever commits second sees no row to update and
//! gets `Conflict`.

mod aggregate;
mod compile;
mod disjoint;
mod keys;
mod schema;

use std::time::Duration;

use async_trait::async_trait;
use crm_core::actor::Principal;
use crm_core::audit::{AuditAction, AuditEvent};
use crm_core::error::{Error, Result};
use crm_core::id::TenantId;
use crm_core::query::Query as CrmQuery;
use crm_core::record::{Meta, ObjectKind, Row};
use crm_core::store::{ReadStore, Store, Transaction};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, NullOrdering, Order, Query, SelectStatement};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbErr,
    QueryResult, SqlErr, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use uuid::Uuid;

use compile::{from_micros, micros, sql_value};
use schema::META_COLUMNS;

/// A store on SQLite through sea-orm.
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: DatabaseConnection,
}

/// How a SQLite store uses its file, beyond where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SqliteSettings {
    /// Page cache per connection in MiB (a pool holds up to four connections). More keeps
    /// more of a large database's indexes in memory, which bulk writes into a large file feel
    /// most.
    pub cache_mib: u32,
}

impl Default for SqliteSettings {
    fn default() -> Self {
        // SQLite's own default is 2 MiB; 64 MiB keeps the indexes of a few hundred thousand
        // records in memory.
        SqliteSettings { cache_mib: 64 }
    }
}

impl SqlStore {
    /// Open (creating if missing) the SQLite database at `path`, or a private in-memory one
    /// for `":memory:"`, and bring its schema up to date.
    pub async fn open_sqlite(path: &str) -> Result<SqlStore> {
        SqlStore::open_sqlite_with(path, SqliteSettings::default()).await
    }

    /// [`open_sqlite`](SqlStore::open_sqlite) with `settings`.
    pub async fn open_sqlite_with(path: &str, settings: SqliteSettings) -> Result<SqlStore> {
        let in_memory = path == ":memory:";
        let url = if in_memory {
            "sqlite::memory:".to_owned()
        } else {
            format!("sqlite://{path}")
        };
        let context = format!("open {url}");
        let fail = |e: DbErr| Error::storage(&context, e);
        if in_memory {
            // An in-memory database lives and dies with its one connection.
            let store = SqlStore {
                db: Database::connect(sqlite_options(&url, 1, None, settings))
                    .await
                    .map_err(fail)?,
            };
            store
                .ensure_schema()
                .await
                .map_err(|e| Error::storage(&context, e))?;
            return Ok(store);
        }
        // Switching to WAL needs the file to itself, and the mode persists in the file: one
        // connection switches it and brings the schema up to date before the pool opens, so
        // pool connections never race for that lock.
        let bootstrap = SqlStore {
            db: Database::connect(sqlite_options(
                &url,
                1,
                Some(SqliteJournalMode::Wal),
                settings,
            ))
            .await
            .map_err(fail)?,
        };
        bootstrap
            .ensure_schema()
            .await
            .map_err(|e| Error::storage(&context, e))?;
        bootstrap.db.close().await.map_err(fail)?;
        Ok(SqlStore {
            db: Database::connect(sqlite_options(&url, 4, None, settings))
                .await
                .map_err(fail)?,
        })
    }

    async fn ensure_schema(&self) -> Result<()> {
        let tx = self
            .begin_write()
            .await
            .map_err(|e| Error::storage("begin schema update", e))?;
        schema::ensure(&tx).await?;
        tx.commit()
            .await
            .map_err(|e| Error::storage("commit schema update", e))
    }

    async fn begin_write(&self) -> std::result::Result<DatabaseTransaction, DbErr> {
        self.db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await
    }
}

/// Pool and connection settings for the SQLite file or memory database at `url`.
fn sqlite_options(
    url: &str,
    connections: u32,
    journal: Option<SqliteJournalMode>,
    settings: SqliteSettings,
) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(connections)
        .min_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        // A local file cannot go stale like a network connection: skip the ping that
        // would otherwise double the cost of every acquire.
        .test_before_acquire(false)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(move |o| {
            let o = o
                .create_if_missing(true)
                .busy_timeout(Duration::from_secs(10))
                .foreign_keys(true)
                .synchronous(SqliteSynchronous::Normal)
                // A negative size is in KiB.
                .pragma(
                    "cache_size",
                    format!("-{}", u64::from(settings.cache_mib) * 1024),
                )
                // Statement journals of multi-row inserts stay in memory, not in temp files.
                .pragma("temp_store", "memory")
                // Checkpoint every 16 MiB of log instead of 4: a bulk import rewrites the
                // same index pages batch after batch, and each checkpoint copies them once.
                .pragma("wal_autocheckpoint", "4096");
            match journal {
                Some(mode) => o.journal_mode(mode),
                None => o,
            }
        });
    options
}

fn table(kind: ObjectKind) -> Alias {
    Alias::new(kind.table())
}

fn col(name: &str) -> Expr {
    Expr::col(Alias::new(name))
}

/// Every row of `kind`, all tenants, as [`decode_row`] reads them.
fn select_all_rows(kind: ObjectKind) -> SelectStatement {
    Query::select()
        .columns(META_COLUMNS.map(Alias::new))
        .from(table(kind))
        .to_owned()
}

fn select_rows(kind: ObjectKind, tenant: TenantId) -> SelectStatement {
    select_all_rows(kind)
        .and_where(col("tenant").eq(tenant.0))
        .to_owned()
}

fn decode_row(kind: ObjectKind, r: &QueryResult) -> Result<Row> {
    let bad = |e: DbErr| Error::storage(format!("read {kind}"), e);
    let time = |micros: i64| {
        from_micros(micros).ok_or_else(|| {
            Error::storage(
                format!("read {kind}"),
                format!("timestamp {micros} out of range"),
            )
        })
    };
    let id: Uuid = r.try_get_by_index(0).map_err(bad)?;
    let meta = Meta {
        tenant: TenantId(r.try_get_by_index(1).map_err(bad)?),
        owner: r
            .try_get_by_index::<Option<Uuid>>(2)
            .map_err(bad)?
            .map(crm_core::id::UserId),
        created_at: time(r.try_get_by_index(3).map_err(bad)?)?,
        updated_at: time(r.try_get_by_index(4).map_err(bad)?)?,
        version: r.try_get_by_index::<i64>(5).map_err(bad)? as u64,
        deleted_at: r
            .try_get_by_index::<Option<i64>>(6)
            .map_err(bad)?
            .map(time)
            .transpose()?,
    };
    Row::from_stored(kind, id, meta, r.try_get_by_index(7).map_err(bad)?)
}

fn row_values(row: &Row) -> Vec<sea_orm::sea_query::Value> {
    let meta = &row.meta;
    let mut values = vec![
        row.id.into(),
        meta.tenant.0.into(),
        meta.owner.map(|o| o.0).into(),
        micros(meta.created_at).into(),
        micros(meta.updated_at).into(),
        (meta.version as i64).into(),
        meta.deleted_at.map(micros).into(),
        row.body.clone().into(),
    ];
    values.extend(
        row.kind
            .columns()
            .iter()
            .zip(&row.columns)
            .map(|(c, v)| sql_value(v, c.ty)),
    );
    values
}

fn column_names(kind: ObjectKind) -> Vec<Alias> {
    META_COLUMNS
        .iter()
        .copied()
        .chain(kind.columns().iter().map(|c| c.name))
        .map(Alias::new)
        .collect()
}

async fn get_row<C: ConnectionTrait>(
    conn: &C,
    kind: ObjectKind,
    tenant: TenantId,
    id: Uuid,
) -> Result<Option<Row>> {
    let stmt = select_rows(kind, tenant)
        .and_where(col("id").eq(id))
        .to_owned();
    let found = conn
        .query_one(&stmt)
        .await
        .map_err(|e| Error::storage(format!("get {kind} {id}"), e))?;
    found.map(|r| decode_row(kind, &r)).transpose()
}

/// Ids per statement of [`get_rows`].
const GET_CHUNK: usize = 500;

/// The rows `ids` of `kind` in `tenant`, a few hundred per statement, through the primary
/// key. SQLite is told not to seek by tenant instead (`+tenant`): without statistics, or with
/// sampled ones, it takes an equality on the leading tenant column of an index for a few
/// rows and prefers it to hundreds of id lookups, scanning the whole tenant.
async fn get_rows<C: ConnectionTrait>(
    conn: &C,
    kind: ObjectKind,
    tenant: TenantId,
    ids: &[Uuid],
) -> Result<Vec<Row>> {
    let by_tenant = match conn.get_database_backend() {
        sea_orm::DbBackend::Sqlite => Expr::cust_with_values("+\"tenant\" = ?", [tenant.0]),
        _ => col("tenant").eq(tenant.0),
    };
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(GET_CHUNK) {
        let stmt = select_all_rows(kind)
            .and_where(by_tenant.clone())
            .and_where(col("id").is_in(chunk.iter().copied()))
            .to_owned();
        let found = conn
            .query_all(&stmt)
            .await
            .map_err(|e| Error::storage(format!("get {} {kind} records", chunk.len()), e))?;
        for r in &found {
            rows.push(decode_row(kind, r)?);
        }
    }
    Ok(rows)
}

fn filtered(
    kind: ObjectKind,
    tenant: TenantId,
    query: &CrmQuery,
    backend: sea_orm::DbBackend,
) -> Result<(SelectStatement, crm_core::query::ResolvedQuery)> {
    let resolved = query.resolve(kind)?;
    let mut stmt = select_rows(kind, tenant);
    let scope = compile::Scope {
        kind,
        tenant,
        backend,
    };
    stmt.and_where(compile::condition(&resolved.condition, scope));
    Ok((stmt, resolved))
}

async fn list_rows<C: ConnectionTrait>(
    conn: &C,
    kind: ObjectKind,
    tenant: TenantId,
    query: &CrmQuery,
) -> Result<Vec<Row>> {
    let (mut stmt, resolved) = filtered(kind, tenant, query, conn.get_database_backend())?;
    for (field, descending) in &resolved.sort {
        let (order, nulls) = if *descending {
            (Order::Desc, NullOrdering::Last)
        } else {
            (Order::Asc, NullOrdering::First)
        };
        stmt.order_by_with_nulls(Alias::new(field.name(kind)), order, nulls);
    }
    stmt.limit(Ord::min(resolved.page.limit, i64::MAX as u64))
        .offset(resolved.page.offset);
    let rows = conn
        .query_all(&stmt)
        .await
        .map_err(|e| Error::storage(format!("list {kind}"), e))?;
    rows.iter().map(|r| decode_row(kind, r)).collect()
}

async fn count_rows<C: ConnectionTrait>(
    conn: &C,
    kind: ObjectKind,
    tenant: TenantId,
    query: &CrmQuery,
) -> Result<u64> {
    if let Some(terms) = query
        .filter
        .as_ref()
        .and_then(|f| disjoint::disjoint_terms(kind, f))
    {
        let mut total = 0;
        for term in terms {
            let mut part = query.clone();
            part.filter = Some(term);
            total += count_one(conn, kind, tenant, &part).await?;
        }
        return Ok(total);
    }
    count_one(conn, kind, tenant, query).await
}

/// `COUNT(*)` of the records `query` selects, in one statement.
async fn count_one<C: ConnectionTrait>(
    conn: &C,
    kind: ObjectKind,
    tenant: TenantId,
    query: &CrmQuery,
) -> Result<u64> {
    let (stmt, _) = filtered(kind, tenant, query, conn.get_database_backend())?;
    count_selected(conn, stmt, &format!("count {kind}")).await
}

/// `COUNT(*)` of the rows `select` selects; storage errors say they happened in `context`.
async fn count_selected<C: ConnectionTrait>(
    conn: &C,
    mut select: SelectStatement,
    context: &str,
) -> Result<u64> {
    select.clear_selects().expr(Expr::cust("COUNT(*)"));
    let row = conn
        .query_one(&select)
        .await
        .map_err(|e| Error::storage(context, e))?;
    let n: i64 = row
        .map(|r| r.try_get_by_index(0))
        .transpose()
        .map_err(|e| Error::storage(context, e))?
        .unwrap_or(0);
    Ok(n as u64)
}

async fn audit_trail<C: ConnectionTrait>(
    conn: &C,
    tenant: TenantId,
    kind: ObjectKind,
    id: Uuid,
) -> Result<Vec<AuditEvent>> {
    let context = || format!("read audit trail of {kind} {id}");
    let stmt = Query::select()
        .columns(["seq", "at", "actor", "action", "version", "changes"].map(Alias::new))
        .from(Alias::new("audit_events"))
        .and_where(col("tenant").eq(tenant.0))
        .and_where(col("object").eq(kind.as_str()))
        .and_where(col("record_id").eq(id))
        .order_by(Alias::new("seq"), Order::Asc)
        .to_owned();
    let rows = conn
        .query_all(&stmt)
        .await
        .map_err(|e| Error::storage(context(), e))?;
    rows.iter()
        .map(|r| {
            let bad = |e: DbErr| Error::storage(context(), e);
            let corrupt = |what: &str| Error::storage(context(), format!("corrupt {what}"));
            let at: i64 = r.try_get_by_index(1).map_err(bad)?;
            let actor: String = r.try_get_by_index(2).map_err(bad)?;
            let action: String = r.try_get_by_index(3).map_err(bad)?;
            let changes: String = r.try_get_by_index(5).map_err(bad)?;
            Ok(AuditEvent {
                seq: r.try_get_by_index::<i64>(0).map_err(bad)? as u64,
                tenant,
                at: from_micros(at).ok_or_else(|| corrupt("time"))?,
                actor: actor.parse::<Principal>().map_err(|_| corrupt("actor"))?,
                object: kind,
                record_id: id,
                action: AuditAction::from_name(&action).ok_or_else(|| corrupt("action"))?,
                version: r.try_get_by_index::<i64>(4).map_err(bad)? as u64,
                changes: serde_json::from_str(&changes).map_err(|_| corrupt("changes"))?,
            })
        })
        .collect()
}

/// Implements [`ReadStore`] for a type whose `conn` field is a sea-orm connection.
macro_rules! read_store_via_conn {
    ($ty:ty) => {
        #[async_trait]
        impl ReadStore for $ty {
            async fn get_row(
                &self,
                kind: ObjectKind,
                tenant: TenantId,
                id: Uuid,
            ) -> Result<Option<Row>> {
                get_row(self.conn(), kind, tenant, id).await
            }
            async fn list_rows(
                &self,
                kind: ObjectKind,
                tenant: TenantId,
                query: &CrmQuery,
            ) -> Result<Vec<Row>> {
                list_rows(self.conn(), kind, tenant, query).await
            }
            async fn count_rows(
                &self,
                kind: ObjectKind,
                tenant: TenantId,
                query: &CrmQuery,
            ) -> Result<u64> {
                count_rows(self.conn(), kind, tenant, query).await
            }
            async fn aggregate(
                &self,
                kind: ObjectKind,
                tenant: TenantId,
                aggregate: &crm_core::aggregate::Aggregate,
            ) -> Result<Vec<crm_core::aggregate::Group>> {
                aggregate::aggregate(self.conn(), kind, tenant, aggregate).await
            }
            async fn audit_trail(
                &self,
                tenant: TenantId,
                kind: ObjectKind,
                id: Uuid,
            ) -> Result<Vec<AuditEvent>> {
                audit_trail(self.conn(), tenant, kind, id).await
            }
            async fn get_rows(
                &self,
                kind: ObjectKind,
                tenant: TenantId,
                ids: &[Uuid],
            ) -> Result<Vec<Row>> {
                get_rows(self.conn(), kind, tenant, ids).await
            }
            async fn records_with_keys(
                &self,
                kind: ObjectKind,
                tenant: TenantId,
                keys: &[String],
                max_holders: usize,
            ) -> Result<Vec<Uuid>> {
                keys::holders(self.conn(), kind, tenant, keys, max_holders).await
            }
        }
    };
}

impl SqlStore {
    fn conn(&self) -> &DatabaseConnection {
        &self.db
    }
}

read_store_via_conn!(SqlStore);

#[async_trait]
impl Store for SqlStore {
    async fn begin(&self) -> Result<Box<dyn Transaction>> {
        let tx = self
            .begin_write()
            .await
            .map_err(|e| Error::storage("begin transaction", e))?;
        Ok(Box::new(SqlTransaction { tx }))
    }

    async fn optimize(&self) -> Result<()> {
        let sql = match self.db.get_database_backend() {
            // Sampled statistics: a fraction of a second even for millions of rows.
            sea_orm::DbBackend::Sqlite => "PRAGMA analysis_limit=1000; ANALYZE;",
            _ => "ANALYZE",
        };
        self.db
            .execute_unprepared(sql)
            .await
            .map(drop)
            .map_err(|e| Error::storage("refresh query statistics", e))
    }

    async fn begin_bulk_load(&self, kinds: &[ObjectKind], records: u64) -> Result<bool> {
        if records < BULK_LOAD_MIN_RECORDS {
            return Ok(false);
        }
        let context = "begin a bulk load";
        let tx = self
            .begin_write()
            .await
            .map_err(|e| Error::storage(context, e))?;
        let mut stored = 0;
        for &kind in kinds {
            stored += count_selected(&tx, select_all_rows(kind), context).await?;
        }
        if stored > records.saturating_mul(BULK_LOAD_STORED_PER_NEW) {
            return Ok(false);
        }
        schema::drop_deferrable_indexes(&tx, kinds).await?;
        tx.commit().await.map_err(|e| Error::storage(context, e))?;
        Ok(true)
    }

    async fn end_bulk_load(&self) -> Result<()> {
        let context = "rebuild the indexes after a bulk load";
        let tx = self
            .begin_write()
            .await
            .map_err(|e| Error::storage(context, e))?;
        // While temporary files live in memory (`temp_store = MEMORY`), SQLite's sorter keeps
        // each index's whole sort in memory: 250 MB more for the indexes of 1M records. Over
        // files it holds at most the page cache's size.
        set_temp_store(&tx, "FILE", context).await?;
        let created = schema::create_indexes(&tx).await;
        set_temp_store(&tx, "MEMORY", context).await?;
        created?;
        tx.commit().await.map_err(|e| Error::storage(context, e))
    }

    async fn close(&self) -> Result<()> {
        // Closing the last connection checkpoints the WAL into the database file.
        self.db
            .close_by_ref()
            .await
            .map_err(|e| Error::storage("close database", e))
    }
}

/// Set where SQLite keeps temporary files (`FILE` or `MEMORY`) on the connection of `tx`;
/// nothing on other databases.
async fn set_temp_store(tx: &DatabaseTransaction, to: &str, context: &str) -> Result<()> {
    if tx.get_database_backend() != sea_orm::DbBackend::Sqlite {
        return Ok(());
    }
    tx.execute_unprepared(&format!("PRAGMA temp_store = {to}"))
        .await
        .map(drop)
        .map_err(|e| Error::storage(context, e))
}

/// Below this many new records a bulk load keeps every index: one or two batches cost little
/// with them in place.
const BULK_LOAD_MIN_RECORDS: u64 = 100_000;

/// A bulk load defers indexes while the stored records are at most this many times those it
/// adds. Rebuilding the deferred indexes costs ≈ 12 µs a record (12 s for the text indexes
/// and 3.9M duplicate keys of 500k accounts and 500k contacts), while keeping them costs
/// ≈ 100 µs a record once they outgrow the page cache (1M generated rows imported in 151 s
/// with them, 54 s without): deferring pays while the stored records are fewer than several
/// times the new ones.
const BULK_LOAD_STORED_PER_NEW: u64 = 4;

/// A write transaction; sea-orm rolls it back when dropped uncommitted.
struct SqlTransaction {
    tx: DatabaseTransaction,
}

impl SqlTransaction {
    fn conn(&self) -> &DatabaseTransaction {
        &self.tx
    }
}

read_store_via_conn!(SqlTransaction);

/// Rows per INSERT statement: well under SQLite's 32766 bound parameters.
const INSERT_CHUNK: usize = 500;

#[async_trait]
impl Transaction for SqlTransaction {
    async fn insert_rows(&mut self, rows: &[Row]) -> Result<()> {
        for kind in ObjectKind::ALL {
            let of_kind: Vec<&Row> = rows.iter().filter(|r| r.kind == kind).collect();
            for chunk in of_kind.chunks(INSERT_CHUNK) {
                let mut stmt = Query::insert();
                stmt.into_table(table(kind)).columns(column_names(kind));
                for row in chunk {
                    stmt.values(row_values(row).into_iter().map(Expr::val))
                        .map_err(|e| Error::Internal(format!("insert {kind}: {e}")))?;
                }
                if let Err(e) = self.tx.execute(&stmt).await {
                    return Err(match e.sql_err() {
                        Some(SqlErr::UniqueConstraintViolation(_)) => {
                            self.duplicate_among(chunk).await
                        }
                        _ => Error::storage(format!("insert {kind}"), e),
                    });
                }
            }
        }
        Ok(())
    }

    async fn update_row(&mut self, row: &Row, before: &Row) -> Result<()> {
        let kind = row.kind;
        let expected_version = before.meta.version;
        // Only the columns that change: an index whose columns are not set is not touched
        // (filling one gap of a record rewrites two or three of its ten index entries).
        let changed = column_names(kind)
            .into_iter()
            .zip(row_values(row).into_iter().zip(row_values(before)))
            .filter(|(_, (new, old))| new != old)
            .map(|(name, (new, _))| (name, Expr::val(new)));
        let stmt = Query::update()
            .table(table(kind))
            .values(changed)
            .and_where(col("tenant").eq(row.meta.tenant.0))
            .and_where(col("id").eq(row.id))
            .and_where(col("version").eq(expected_version as i64))
            .to_owned();
        let done = self
            .tx
            .execute(&stmt)
            .await
            .map_err(|e| Error::storage(format!("update {kind} {}", row.id), e))?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        match get_row(&self.tx, kind, row.meta.tenant, row.id).await? {
            None => Err(Error::NotFound {
                object: kind.as_str(),
                id: row.id.to_string(),
            }),
            Some(stored) => Err(Error::Conflict {
                object: kind.as_str(),
                id: row.id.to_string(),
                expected: expected_version,
                actual: stored.meta.version,
            }),
        }
    }

    async fn set_keys(
        &mut self,
        kind: ObjectKind,
        tenant: TenantId,
        entries: &[(Uuid, Vec<String>)],
    ) -> Result<()> {
        keys::replace(&self.tx, kind, tenant, entries).await
    }

    async fn append_audit(&mut self, events: &[AuditEvent]) -> Result<()> {
        for chunk in events.chunks(INSERT_CHUNK) {
            let mut stmt = Query::insert();
            stmt.into_table(Alias::new("audit_events")).columns(
                [
                    "tenant",
                    "at",
                    "actor",
                    "object",
                    "record_id",
                    "action",
                    "version",
                    "changes",
                ]
                .map(Alias::new),
            );
            for e in chunk {
                let changes = serde_json::to_string(&e.changes).map_err(|err| {
                    Error::Internal(format!("audit changes do not serialise: {err}"))
                })?;
                let values: [sea_orm::sea_query::Value; 8] = [
                    e.tenant.0.into(),
                    micros(e.at).into(),
                    e.actor.to_string().into(),
                    e.object.as_str().into(),
                    e.record_id.into(),
                    e.action.as_str().into(),
                    (e.version as i64).into(),
                    changes.into(),
                ];
                stmt.values(values.map(Expr::val))
                    .map_err(|err| Error::Internal(format!("append audit: {err}")))?;
            }
            self.tx
                .execute(&stmt)
                .await
                .map_err(|e| Error::storage("append audit events", e))?;
        }
        Ok(())
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        self.tx
            .commit()
            .await
            .map_err(|e| Error::storage("commit", e))
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        self.tx
            .rollback()
            .await
            .map_err(|e| Error::storage("rollback", e))
    }
}

impl SqlTransaction {
    /// Name the row of a failed batch insert whose id exists already.
    async fn duplicate_among(&self, rows: &[&Row]) -> Error {
        for (i, row) in rows.iter().enumerate() {
            let earlier = rows[..i].iter().any(|r| r.id == row.id);
            let stored = get_row(&self.tx, row.kind, row.meta.tenant, row.id).await;
            if earlier || matches!(stored, Ok(Some(_))) {
                return Error::Duplicate {
                    object: row.kind.as_str(),
                    id: row.id.to_string(),
                    reason: "a record with this id exists".into(),
                };
            }
        }
        Error::Duplicate {
            object: rows.first().map_or("record", |r| r.kind.as_str()),
            id: String::new(),
            reason: "unique constraint violated".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page cache asked for is the one every pooled connection runs with.
    #[tokio::test]
    async fn connections_use_the_cache_size_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cache.db");
        let settings = SqliteSettings { cache_mib: 3 };
        let store = SqlStore::open_sqlite_with(path.to_str().unwrap(), settings)
            .await
            .unwrap();
        let row = store
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                store.db.get_database_backend(),
                "PRAGMA cache_size",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), -3 * 1024);
    }
}
