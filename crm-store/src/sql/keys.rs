//! Duplicate-detection blocking keys in SQL: one compact row per key and record.
//!
//! A key is stored as a 64-bit hash of its tenant, object kind and text rather than as text
//! beside the tenant and kind: a row is a number and an id, so the key index is a third of
//! the size a text one would be. Each row also holds the hash of its tenant and kind (its
//! scope), so that replacing a record's keys never touches those of a record with the same id
//! in another tenant or kind.
//!
//! The table, `blocking_keys`, is clustered on (record, key) (`WITHOUT ROWID` in SQLite):
//! records are created in id order (UUIDv7), so a new record's keys are appended and
//! replacing a record's keys is one range. Lookups go through a secondary index on (key,
//! record), the one B-tree a bulk load inserts into in random order; a store may defer it
//! during a bulk load (see `schema::Index::deferrable`).
//!
//! A hash collision (2⁻⁶⁴ per pair of keys) only adds a candidate: holders are read back
//! through the record tables, filtered by tenant, and scored like any other candidate.
//!
//! Earlier layouts: 1 kept text keys in `dedup_keys`; 2 kept hashed keys in `duplicate_keys`
//! clustered on the key. Opening such a database moves its keys over.

use std::collections::HashSet;

use crm_core::error::{Error, Result};
use crm_core::id::TenantId;
use crm_core::record::ObjectKind;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query, UnionType};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, TryGetable};
use uuid::Uuid;

use super::schema::Index;

/// The table of keys.
const TABLE: &str = "blocking_keys";

/// The text-keyed table of layout 1.
const LAYOUT_1_TABLE: &str = "dedup_keys";

/// The hashed table of layout 2, clustered on the key.
const LAYOUT_2_TABLE: &str = "duplicate_keys";

/// Rows per insert statement (three parameters each).
const INSERT_CHUNK: usize = 2000;

/// Record ids per delete statement.
const DELETE_CHUNK: usize = 500;

/// The stored form of `key` of a `kind` record in `tenant`: FNV-1a over the three, as a
/// signed 64-bit integer (the column type both databases have). Stable across versions and
/// platforms: the stored keys depend on it.
pub(crate) fn key_hash(tenant: TenantId, kind: ObjectKind, key: &str) -> i64 {
    hash_of(tenant, kind.as_str(), key)
}

/// The scope of the keys of `kind` records in `tenant`: [`key_hash`] of an empty key (no
/// key is empty).
fn scope_hash(tenant: TenantId, kind: ObjectKind) -> i64 {
    key_hash(tenant, kind, "")
}

/// [`key_hash`] with the kind by name, as layout 1 stored it.
fn hash_of(tenant: TenantId, object: &str, key: &str) -> i64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let parts: [&[u8]; 5] = [
        tenant.0.as_bytes(),
        object.as_bytes(),
        &[0xff],
        key.as_bytes(),
        &[0xff],
    ];
    let hash = parts
        .iter()
        .flat_map(|part| part.iter())
        .fold(OFFSET, |hash, &byte| {
            (hash ^ u64::from(byte)).wrapping_mul(PRIME)
        });
    hash as i64
}

/// The statement that creates the table.
pub(crate) fn create(backend: DbBackend) -> String {
    let (uuid, clustered) = match backend {
        DbBackend::Postgres => ("UUID", ""),
        _ => ("BLOB", " WITHOUT ROWID"),
    };
    format!(
        "CREATE TABLE IF NOT EXISTS \"{TABLE}\" (\"record_id\" {uuid} NOT NULL, \
         \"key\" BIGINT NOT NULL, \"scope\" BIGINT NOT NULL, \
         PRIMARY KEY (\"record_id\", \"key\")){clustered}"
    )
}

/// The index lookups by key go through (ordered by record within a key, as
/// [`holders`] lists them).
pub(crate) fn key_index() -> Index {
    Index::new(TABLE, "key", &["key", "record_id"]).deferrable()
}

fn col(name: &str) -> Expr {
    Expr::col(Alias::new(name))
}

/// Replace the keys of each record in `entries` with the hashes of its key texts.
pub(crate) async fn replace<C: ConnectionTrait>(
    conn: &C,
    kind: ObjectKind,
    tenant: TenantId,
    entries: &[(Uuid, Vec<String>)],
) -> Result<()> {
    let context = || format!("store duplicate keys of {kind}");
    let scope = scope_hash(tenant, kind);
    for chunk in entries.chunks(DELETE_CHUNK) {
        let delete = Query::delete()
            .from_table(Alias::new(TABLE))
            .and_where(col("record_id").is_in(chunk.iter().map(|(id, _)| *id)))
            .and_where(col("scope").eq(scope))
            .to_owned();
        conn.execute(&delete)
            .await
            .map_err(|e| Error::storage(context(), e))?;
    }
    let rows = entries
        .iter()
        .flat_map(|(id, keys)| {
            keys.iter()
                .map(move |k| (key_hash(tenant, kind, k), *id, scope))
        })
        .collect();
    insert(conn, rows)
        .await
        .map_err(|e| Error::storage(context(), e))
}

/// Insert hashed key rows (key, record, scope), each once.
async fn insert<C: ConnectionTrait>(
    conn: &C,
    mut rows: Vec<(i64, Uuid, i64)>,
) -> std::result::Result<(), String> {
    // In table order (record, key): a batch of new records is appended.
    rows.sort_unstable_by_key(|&(key, id, scope)| (id, key, scope));
    rows.dedup();
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(TABLE))
            .columns(["record_id", "scope", "key"].map(Alias::new));
        for (key, id, scope) in chunk {
            insert
                .values([Expr::val(*id), Expr::val(*scope), Expr::val(*key)])
                .map_err(|e| e.to_string())?;
        }
        conn.execute(&insert).await.map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Column `index` of `row`, or a storage error in `context`.
fn cell<T: TryGetable>(row: &QueryResult, index: usize, context: impl Fn() -> String) -> Result<T> {
    row.try_get_by_index(index)
        .map_err(|e| Error::storage(context(), e))
}

/// Move the keys a database of layout `layout` (1 or 2) holds into the current table, and
/// drop the old one.
pub(crate) async fn migrate<C: ConnectionTrait>(conn: &C, layout: i64) -> Result<()> {
    let context = || format!("move duplicate keys of layout {layout} to {TABLE}");
    let old = match layout {
        1 => {
            insert(conn, text_keys(conn).await?)
                .await
                .map_err(|e| Error::storage(context(), e))?;
            LAYOUT_1_TABLE
        }
        2 => {
            conn.execute_unprepared(&format!(
                "INSERT INTO \"{TABLE}\" (\"record_id\", \"scope\", \"key\") \
                 SELECT \"record_id\", \"scope\", \"key\" FROM \"{LAYOUT_2_TABLE}\" \
                 ORDER BY \"record_id\", \"key\""
            ))
            .await
            .map_err(|e| Error::storage(context(), e))?;
            LAYOUT_2_TABLE
        }
        _ => return Ok(()),
    };
    conn.execute_unprepared(&format!("DROP TABLE \"{old}\""))
        .await
        .map_err(|e| Error::storage(context(), e))?;
    Ok(())
}

/// The keys of layout 1 (`dedup_keys`: tenant, kind, text and record per row), hashed.
async fn text_keys<C: ConnectionTrait>(conn: &C) -> Result<Vec<(i64, Uuid, i64)>> {
    let context = || format!("read the duplicate keys in {LAYOUT_1_TABLE}");
    let select = Query::select()
        .columns(["tenant", "object", "key", "record_id"].map(Alias::new))
        .from(Alias::new(LAYOUT_1_TABLE))
        .to_owned();
    let rows = conn
        .query_all(&select)
        .await
        .map_err(|e| Error::storage(context(), e))?;
    rows.iter()
        .map(|row| {
            let tenant = TenantId(cell(row, 0, context)?);
            let object: String = cell(row, 1, context)?;
            let key: String = cell(row, 2, context)?;
            Ok((
                hash_of(tenant, &object, &key),
                cell(row, 3, context)?,
                hash_of(tenant, &object, ""),
            ))
        })
        .collect()
}

/// The records holding any of `keys`, each once, in the order of the keys and within a key
/// of the ids; a key with more than `max_holders` holders is skipped.
pub(crate) async fn holders<C: ConnectionTrait>(
    conn: &C,
    kind: ObjectKind,
    tenant: TenantId,
    keys: &[String],
    max_holders: usize,
) -> Result<Vec<Uuid>> {
    // One statement for all keys: each key's holders, at most one past the limit (so a key
    // over it is known to be and skipped), as a union of limited sub-selects.
    let of_key = |position: usize, key: &str| {
        let limited = Query::select()
            .expr_as(Expr::val(position as i64), Alias::new("position"))
            .column(Alias::new("record_id"))
            .from(Alias::new(TABLE))
            .and_where(col("key").eq(key_hash(tenant, kind, key)))
            .order_by(Alias::new("record_id"), Order::Asc)
            .limit(max_holders as u64 + 1)
            .to_owned();
        Query::select()
            .column(Alias::new("position"))
            .column(Alias::new("record_id"))
            .from_subquery(limited, Alias::new(format!("k{position}")))
            .to_owned()
    };
    let mut members = keys.iter().enumerate().map(|(i, key)| of_key(i, key));
    let Some(mut stmt) = members.next() else {
        return Ok(Vec::new());
    };
    for member in members {
        stmt.union(UnionType::All, member);
    }
    let context = || format!("look up {kind} keys");
    let rows = conn
        .query_all(&stmt)
        .await
        .map_err(|e| Error::storage(context(), e))?;
    let mut by_key: Vec<Vec<Uuid>> = vec![Vec::new(); keys.len()];
    for row in rows {
        let position: i64 = cell(&row, 0, context)?;
        let id: Uuid = cell(&row, 1, context)?;
        if let Some(holders) = by_key.get_mut(position as usize) {
            holders.push(id);
        }
    }
    let mut seen = HashSet::new();
    Ok(by_key
        .into_iter()
        .filter(|holders| holders.len() <= max_holders)
        .flatten()
        .filter(|id| seen.insert(*id))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_hashes_tell_tenants_kinds_and_texts_apart() {
        let (a, b) = (TenantId(Uuid::nil()), TenantId(Uuid::max()));
        let base = key_hash(a, ObjectKind::Account, "0=华为");
        assert_eq!(base, key_hash(a, ObjectKind::Account, "0=华为"));
        assert_ne!(base, key_hash(b, ObjectKind::Account, "0=华为"));
        assert_ne!(base, key_hash(a, ObjectKind::Contact, "0=华为"));
        assert_ne!(base, key_hash(a, ObjectKind::Account, "0=华为技术"));
    }

    #[test]
    fn key_hash_is_fnv1a_of_the_parts() {
        // The stored keys depend on this function: it must not change. FNV-1a of the bytes,
        // computed here byte by byte from its definition.
        let tenant = TenantId(Uuid::nil());
        let mut bytes = vec![0_u8; 16];
        bytes.extend_from_slice(b"account\xff0=x\xff");
        let mut expected: u64 = 14_695_981_039_346_656_037;
        for byte in bytes {
            expected ^= u64::from(byte);
            expected = expected.wrapping_mul(1_099_511_628_211);
        }
        assert_eq!(
            key_hash(tenant, ObjectKind::Account, "0=x"),
            expected as i64
        );
    }

    #[tokio::test]
    async fn keys_of_layout_2_are_moved_to_the_table_clustered_by_record() {
        use crm_core::store::{ReadStore, Store};
        use sea_orm::{Database, Statement};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("layout-2.db");
        let tenant = TenantId(Uuid::from_u128(1));
        let (account, contact) = (Uuid::now_v7(), Uuid::now_v7());
        let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display()))
            .await
            .unwrap();
        db.execute_unprepared(
            "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY); \
             INSERT INTO schema_migrations VALUES (2); \
             CREATE TABLE duplicate_keys (key BIGINT NOT NULL, record_id BLOB NOT NULL, \
             scope BIGINT NOT NULL, PRIMARY KEY (key, record_id)) WITHOUT ROWID; \
             CREATE INDEX ix_duplicate_keys_record ON duplicate_keys (record_id, scope)",
        )
        .await
        .unwrap();
        for (kind, key, record) in [
            (ObjectKind::Account, "0=华为", account),
            (ObjectKind::Account, "2=13812345678", account),
            (ObjectKind::Contact, "0=华为", contact),
        ] {
            db.execute_raw(Statement::from_sql_and_values(
                DbBackend::Sqlite,
                "INSERT INTO duplicate_keys VALUES (?, ?, ?)",
                [
                    key_hash(tenant, kind, key).into(),
                    record.into(),
                    scope_hash(tenant, kind).into(),
                ],
            ))
            .await
            .unwrap();
        }
        db.close().await.unwrap();

        let store = crate::SqlStore::open_sqlite(path.to_str().unwrap())
            .await
            .unwrap();
        let holders = |kind, key: &str| {
            let keys = [key.to_owned()];
            let store = &store;
            async move {
                store
                    .records_with_keys(kind, tenant, &keys, 10)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(holders(ObjectKind::Account, "0=华为").await, vec![account]);
        assert_eq!(
            holders(ObjectKind::Account, "2=13812345678").await,
            vec![account]
        );
        assert_eq!(holders(ObjectKind::Contact, "0=华为").await, vec![contact]);
        store.close().await.unwrap();

        let db = Database::connect(format!("sqlite://{}", path.display()))
            .await
            .unwrap();
        let old = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT COUNT(*) FROM sqlite_master WHERE tbl_name = 'duplicate_keys'",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            old.try_get_by_index::<i64>(0).unwrap(),
            0,
            "old table and index gone"
        );
        db.close().await.unwrap();
    }
}
