//! Duplicate-detection blocking keys in SQL: one compact row per key and record.
//!
//! A key is stored as a 64-bit hash of its tenant, object kind and text rather than as text
//! beside the tenant and kind: a row is a number and an id, so the key index is a third of
//! the size, and a bulk import — which adds several keys per record in random key order —
//! rewrites a third of the pages. The table is clustered on (key, record) (`WITHOUT ROWID` in
//! SQLite): a lookup is one range of one B-tree, an insert touches one B-tree besides the
//! per-record index that replacing a record's keys needs.
//!
//! A hash collision (2⁻⁶⁴ per pair of keys) only adds a candidate: holders are read back
//! through the record tables, filtered by tenant, and scored like any other candidate. Each
//! row also holds the hash of its tenant and kind (its scope), so that replacing a record's
//! keys never touches those of a record with the same id in another tenant or kind.

use std::collections::HashSet;

use crm_core::error::{Error, Result};
use crm_core::id::TenantId;
use crm_core::record::ObjectKind;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Order, Query, UnionType};
use sea_orm::{ConnectionTrait, DbBackend, QueryResult, TryGetable};
use uuid::Uuid;

/// The table of keys.
const TABLE: &str = "duplicate_keys";

/// The text-keyed table of the first layout.
const OLD_TABLE: &str = "dedup_keys";

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

/// [`key_hash`] with the kind by name, as the first layout stored it.
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

/// The statements that create the table and its per-record index.
pub(crate) fn create(backend: DbBackend) -> [String; 2] {
    let (uuid, clustered) = match backend {
        DbBackend::Postgres => ("UUID", ""),
        _ => ("BLOB", " WITHOUT ROWID"),
    };
    [
        format!(
            "CREATE TABLE IF NOT EXISTS \"{TABLE}\" (\"key\" BIGINT NOT NULL, \
             \"record_id\" {uuid} NOT NULL, \"scope\" BIGINT NOT NULL, \
             PRIMARY KEY (\"key\", \"record_id\")){clustered}"
        ),
        format!(
            "CREATE INDEX IF NOT EXISTS \"ix_{TABLE}_record\" ON \"{TABLE}\" \
             (\"record_id\", \"scope\")"
        ),
    ]
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
    // In key order, each insert lands next to the previous one: the pages of the key index
    // are visited once each, in order, however large the index is.
    rows.sort_unstable();
    rows.dedup();
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut insert = Query::insert();
        insert
            .into_table(Alias::new(TABLE))
            .columns(["key", "record_id", "scope"].map(Alias::new));
        for (key, id, scope) in chunk {
            insert
                .values([Expr::val(*key), Expr::val(*id), Expr::val(*scope)])
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

/// Move the keys of the first layout (`dedup_keys`: tenant, kind, text and record per row)
/// into the hashed table, and drop the old one.
pub(crate) async fn migrate_text_keys<C: ConnectionTrait>(conn: &C) -> Result<()> {
    let context = || "move duplicate keys to the hashed layout".to_owned();
    let select = Query::select()
        .columns(["tenant", "object", "key", "record_id"].map(Alias::new))
        .from(Alias::new(OLD_TABLE))
        .to_owned();
    let mut rows = Vec::new();
    for row in conn
        .query_all(&select)
        .await
        .map_err(|e| Error::storage(context(), e))?
    {
        let tenant = TenantId(cell(&row, 0, context)?);
        let object: String = cell(&row, 1, context)?;
        let key: String = cell(&row, 2, context)?;
        let scope = hash_of(tenant, &object, "");
        rows.push((
            hash_of(tenant, &object, &key),
            cell(&row, 3, context)?,
            scope,
        ));
    }
    insert(conn, rows)
        .await
        .map_err(|e| Error::storage(context(), e))?;
    conn.execute_unprepared(&format!("DROP TABLE \"{OLD_TABLE}\""))
        .await
        .map_err(|e| Error::storage(context(), e))?;
    Ok(())
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
}
