//! The SQL schema, derived from the columns `crm-core` declares, and kept in step on open.
//!
//! Each object kind has a table: meta columns, the JSON `body` (the source of truth) and one
//! column per queryable field. Opening a database creates what is missing; a queryable field
//! added in a later version becomes a new column, back-filled from the bodies, so upgrading
//! the library never needs a hand-written migration for it. `schema_migrations` records the
//! layout version for changes that are more than additive.

use crm_core::error::{Error, Result};
use crm_core::record::{ColumnType, ObjectKind, extract_columns};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement};

use super::compile::sql_value;
use super::keys;

/// The layout version this code writes. 2: duplicate keys stored hashed; 3: clustered by
/// record, looked up through a secondary index (see `keys`).
const LAYOUT_VERSION: i64 = 3;

/// Meta columns every object table starts with, in select order.
pub(crate) const META_COLUMNS: [&str; 8] = [
    "id",
    "tenant",
    "owner",
    "created_at",
    "updated_at",
    "version",
    "deleted_at",
    "body",
];

fn sql_type(ty: ColumnType, backend: DbBackend) -> &'static str {
    let postgres = backend == DbBackend::Postgres;
    match ty {
        ColumnType::Text | ColumnType::Date => "TEXT",
        ColumnType::Integer | ColumnType::Timestamp => "BIGINT",
        ColumnType::Decimal if postgres => "DOUBLE PRECISION",
        ColumnType::Decimal => "REAL",
        ColumnType::Bool => "BOOLEAN",
        ColumnType::Uuid if postgres => "UUID",
        ColumnType::Uuid => "BLOB",
    }
}

fn create_table(kind: ObjectKind, backend: DbBackend) -> String {
    let uuid = sql_type(ColumnType::Uuid, backend);
    let mut columns = vec![
        format!("\"id\" {uuid} NOT NULL"),
        format!("\"tenant\" {uuid} NOT NULL"),
        format!("\"owner\" {uuid}"),
        "\"created_at\" BIGINT NOT NULL".to_owned(),
        "\"updated_at\" BIGINT NOT NULL".to_owned(),
        "\"version\" BIGINT NOT NULL".to_owned(),
        "\"deleted_at\" BIGINT".to_owned(),
        "\"body\" TEXT NOT NULL".to_owned(),
    ];
    columns.extend(
        kind.columns()
            .iter()
            .map(|c| format!("\"{}\" {}", c.name, sql_type(c.ty, backend))),
    );
    // Ids are UUIDv7, unique across tenants; every read also filters by tenant.
    columns.push("PRIMARY KEY (\"id\")".to_owned());
    format!(
        "CREATE TABLE IF NOT EXISTS \"{}\" ({})",
        kind.table(),
        columns.join(", ")
    )
}

/// A secondary index the schema keeps.
pub(crate) struct Index {
    name: String,
    table: &'static str,
    columns: Vec<&'static str>,
    deferrable: bool,
}

impl Index {
    /// The index `ix_{table}_{suffix}` on `columns` of `table`.
    pub(crate) fn new(table: &'static str, suffix: &str, columns: &[&'static str]) -> Index {
        Index {
            name: format!("ix_{table}_{suffix}"),
            table,
            columns: columns.to_vec(),
            deferrable: false,
        }
    }

    /// This index, marked as one a bulk load may drop and rebuild: its entries arrive in
    /// random order (text values, key hashes), so each batch of a large load would rewrite
    /// most of its pages, while building it afresh is one sort. Indexes whose entries arrive
    /// in order (ids, times, owners) cost little to keep, and stay.
    pub(crate) fn deferrable(mut self) -> Index {
        self.deferrable = true;
        self
    }

    fn create(&self) -> String {
        let columns: Vec<String> = self.columns.iter().map(|c| format!("\"{c}\"")).collect();
        format!(
            "CREATE INDEX IF NOT EXISTS \"{}\" ON \"{}\" ({})",
            self.name,
            self.table,
            columns.join(", ")
        )
    }

    fn drop(&self) -> String {
        format!("DROP INDEX IF EXISTS \"{}\"", self.name)
    }
}

/// The secondary indexes of `kind`'s table.
fn indexes(kind: ObjectKind) -> Vec<Index> {
    let table = kind.table();
    // Counting what an access plan lets a user see is counting records by owner: with
    // `deleted_at` in the owner index the count never reads a row (a director's count over
    // 100k accounts: 20 ms reading rows, 8.5 ms from the index alone).
    let by_owner = Index::new(table, "owner_live", &["tenant", "owner", "deleted_at"]);
    let by_column = kind.columns().iter().filter(|c| c.indexed).map(|c| {
        let index = Index::new(table, c.name, &["tenant", c.name]);
        match c.ty {
            ColumnType::Text => index.deferrable(),
            _ => index,
        }
    });
    std::iter::once(Index::new(table, "updated_at", &["tenant", "updated_at"]))
        .chain(by_column)
        .chain([by_owner])
        .collect()
}

/// Indexes of earlier versions, dropped on open. No index on (tenant, id): the primary key
/// finds a record, and every extra index costs each insert.
fn retired_indexes(kind: ObjectKind) -> [String; 2] {
    let table = kind.table();
    [
        format!("DROP INDEX IF EXISTS \"ix_{table}_id\""),
        format!("DROP INDEX IF EXISTS \"ix_{table}_owner\""),
    ]
}

/// Every secondary index of the schema.
fn all_indexes() -> impl Iterator<Item = Index> {
    ObjectKind::ALL
        .into_iter()
        .flat_map(indexes)
        .chain([audit_index(), keys::key_index()])
}

/// Create every index that is missing: after a bulk load, or on open after one that was
/// interrupted.
pub(crate) async fn create_indexes(tx: &DatabaseTransaction) -> Result<()> {
    for index in all_indexes() {
        execute(tx, index.create()).await?;
    }
    Ok(())
}

/// Drop the deferrable indexes that inserting records of `kinds` maintains (see
/// [`Index::deferrable`]); [`create_indexes`] rebuilds them.
pub(crate) async fn drop_deferrable_indexes(
    tx: &DatabaseTransaction,
    kinds: &[ObjectKind],
) -> Result<()> {
    let deferred = kinds
        .iter()
        .flat_map(|&kind| indexes(kind))
        .chain([keys::key_index()])
        .filter(|index| index.deferrable);
    for index in deferred {
        execute(tx, index.drop()).await?;
    }
    Ok(())
}

fn audit_table(backend: DbBackend) -> String {
    let uuid = sql_type(ColumnType::Uuid, backend);
    let seq = match backend {
        DbBackend::Postgres => "\"seq\" BIGSERIAL PRIMARY KEY",
        _ => "\"seq\" INTEGER PRIMARY KEY AUTOINCREMENT",
    };
    format!(
        "CREATE TABLE IF NOT EXISTS \"audit_events\" ({seq}, \"tenant\" {uuid} NOT NULL, \
         \"at\" BIGINT NOT NULL, \"actor\" TEXT NOT NULL, \"object\" TEXT NOT NULL, \
         \"record_id\" {uuid} NOT NULL, \"action\" TEXT NOT NULL, \"version\" BIGINT NOT NULL, \
         \"changes\" TEXT NOT NULL)"
    )
}

/// A record's audit trail, in order.
fn audit_index() -> Index {
    Index::new(
        "audit_events",
        "record",
        &["tenant", "object", "record_id", "seq"],
    )
}

async fn execute(tx: &DatabaseTransaction, sql: String) -> Result<()> {
    tx.execute_unprepared(&sql)
        .await
        .map_err(|e| Error::storage("create schema", format!("{e} in `{sql}`")))?;
    Ok(())
}

async fn existing_columns(tx: &DatabaseTransaction, kind: ObjectKind) -> Result<Vec<String>> {
    let backend = tx.get_database_backend();
    let sql = match backend {
        DbBackend::Postgres => {
            "SELECT column_name FROM information_schema.columns WHERE table_name = $1"
        }
        _ => "SELECT name FROM pragma_table_info(?)",
    };
    let stmt = Statement::from_sql_and_values(backend, sql, [kind.table().into()]);
    let rows = tx
        .query_all_raw(stmt)
        .await
        .map_err(|e| Error::storage(format!("inspect table {}", kind.table()), e))?;
    rows.iter()
        .map(|r| {
            r.try_get_by_index::<String>(0)
                .map_err(|e| Error::storage("inspect schema", e))
        })
        .collect()
}

/// Create or complete the schema: tables, added columns (back-filled), indexes, audit log.
pub(crate) async fn ensure(tx: &DatabaseTransaction) -> Result<()> {
    let backend = tx.get_database_backend();
    execute(
        tx,
        "CREATE TABLE IF NOT EXISTS \"schema_migrations\" (\"version\" BIGINT PRIMARY KEY)".into(),
    )
    .await?;
    let newest = tx
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT MAX(\"version\") FROM \"schema_migrations\"",
        ))
        .await
        .map_err(|e| Error::storage("read schema version", e))?
        .and_then(|r| r.try_get_by_index::<Option<i64>>(0).ok().flatten());
    if newest.is_some_and(|v| v > LAYOUT_VERSION) {
        return Err(Error::storage(
            "open database",
            format!(
                "it was written by a newer version of crm (layout {newest:?}, this one knows {LAYOUT_VERSION})"
            ),
        ));
    }
    for kind in ObjectKind::ALL {
        execute(tx, create_table(kind, backend)).await?;
        let present = existing_columns(tx, kind).await?;
        let missing: Vec<_> = kind
            .columns()
            .iter()
            .filter(|c| !present.iter().any(|p| p == c.name))
            .collect();
        for column in &missing {
            let sql = format!(
                "ALTER TABLE \"{}\" ADD COLUMN \"{}\" {}",
                kind.table(),
                column.name,
                sql_type(column.ty, backend)
            );
            execute(tx, sql).await?;
        }
        if !missing.is_empty() {
            backfill(tx, kind).await?;
        }
        for sql in retired_indexes(kind) {
            execute(tx, sql).await?;
        }
    }
    execute(tx, audit_table(backend)).await?;
    execute(tx, keys::create(backend)).await?;
    if let Some(layout) = newest.filter(|&v| v < LAYOUT_VERSION) {
        keys::migrate(tx, layout).await?;
    }
    create_indexes(tx).await?;
    if newest != Some(LAYOUT_VERSION) {
        let insert = Query::insert()
            .into_table(Alias::new("schema_migrations"))
            .columns([Alias::new("version")])
            .values_panic([LAYOUT_VERSION.into()])
            .to_owned();
        tx.execute(&insert)
            .await
            .map_err(|e| Error::storage("record schema version", e))?;
    }
    Ok(())
}

/// Recompute every queryable column of `kind` from the stored bodies.
async fn backfill(tx: &DatabaseTransaction, kind: ObjectKind) -> Result<()> {
    let context = || format!("back-fill columns of {}", kind.table());
    let select = Query::select()
        .columns([Alias::new("tenant"), Alias::new("id"), Alias::new("body")])
        .from(Alias::new(kind.table()))
        .to_owned();
    let rows = tx
        .query_all(&select)
        .await
        .map_err(|e| Error::storage(context(), e))?;
    for row in rows {
        let (tenant, id, body): (uuid::Uuid, uuid::Uuid, String) = (
            row.try_get_by_index(0)
                .map_err(|e| Error::storage(context(), e))?,
            row.try_get_by_index(1)
                .map_err(|e| Error::storage(context(), e))?,
            row.try_get_by_index(2)
                .map_err(|e| Error::storage(context(), e))?,
        );
        let json = serde_json::from_str(&body).map_err(|e| Error::storage(context(), e))?;
        let values = extract_columns(kind, &json)?;
        let update = Query::update()
            .table(Alias::new(kind.table()))
            .values(
                kind.columns()
                    .iter()
                    .zip(&values)
                    .map(|(c, v)| (Alias::new(c.name), Expr::val(sql_value(v, c.ty)))),
            )
            .and_where(Expr::col(Alias::new("tenant")).eq(tenant))
            .and_where(Expr::col(Alias::new("id")).eq(id))
            .to_owned();
        tx.execute(&update)
            .await
            .map_err(|e| Error::storage(context(), e))?;
    }
    Ok(())
}
