//! The conformance suite on every store, and SQLite-specific behaviour.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use crm_core::actor::Actor;
use crm_core::error::ErrorKind;
use crm_core::id::{AccountId, TenantId, UserId};
use crm_core::model::Account;
use crm_core::record::{ObjectKind, Record};
use crm_core::store::{ReadStore, Store};
use crm_core::value::CompanyName;
use crm_store::{MemoryStore, SqlStore};
use uuid::Uuid;

crm_core::conformance_suite!(conformance_memory, async { Arc::new(MemoryStore::new()) });
crm_core::conformance_suite!(conformance_sqlite_in_memory, async {
    Arc::new(SqlStore::open_sqlite(":memory:").await.unwrap())
});
crm_core::conformance_suite!(conformance_sqlite_file, async {
    // The directory is leaked on purpose: it must outlive the store, which the suite owns.
    let dir = tempfile::tempdir().unwrap().keep();
    let path = dir.join("crm.db");
    Arc::new(SqlStore::open_sqlite(path.to_str().unwrap()).await.unwrap())
});

fn actor() -> Actor {
    Actor::user(TenantId(Uuid::from_u128(1)), UserId(Uuid::from_u128(2)))
}

async fn seed(store: &dyn Store) -> Record<Account> {
    let actor = actor();
    let record = Record::new(
        AccountId(Uuid::now_v7()),
        actor.tenant,
        actor.user_id(),
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        Account::new(CompanyName::parse("并发测试有限公司").unwrap()),
    );
    let mut tx = store.begin().await.unwrap();
    tx.insert(
        &actor,
        record.meta.created_at,
        std::slice::from_ref(&record),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    record
}

async fn update_level(
    store: Arc<dyn Store>,
    base: Record<Account>,
    level: &str,
) -> crm_core::Result<()> {
    let mut changed = base;
    changed.level = Some(level.into());
    let mut tx = store.begin().await?;
    tx.save(&actor(), Utc::now(), changed).await?;
    tx.commit().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_updates_from_one_version_exactly_one_wins_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("race.db");
    let store: Arc<dyn Store> =
        Arc::new(SqlStore::open_sqlite(path.to_str().unwrap()).await.unwrap());
    for round in 0..20 {
        let base = seed(store.as_ref()).await;
        let a = tokio::spawn(update_level(store.clone(), base.clone(), "A"));
        let b = tokio::spawn(update_level(store.clone(), base.clone(), "B"));
        let outcomes = [a.await.unwrap(), b.await.unwrap()];
        let wins = outcomes.iter().filter(|o| o.is_ok()).count();
        assert_eq!(wins, 1, "round {round}: {outcomes:?}");
        let loser = outcomes.iter().find_map(|o| o.as_ref().err()).unwrap();
        assert_eq!(loser.kind(), ErrorKind::Conflict, "round {round}: {loser}");
        let trail = store
            .audit_trail(base.meta.tenant, ObjectKind::Account, base.id.0)
            .await
            .unwrap();
        assert_eq!(trail.len(), 2, "round {round}: create + exactly one change");
        let stored = (store.as_ref() as &dyn ReadStore)
            .get::<Account>(base.meta.tenant, base.id)
            .await
            .unwrap();
        assert_eq!(stored.meta.version, 2);
        assert_eq!(
            trail[1].changes[0].after,
            serde_json::json!(stored.level.clone().unwrap())
        );
    }
}

#[tokio::test]
async fn data_survives_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("reopen.db");
    let path = path.to_str().unwrap();
    let record = {
        let store = SqlStore::open_sqlite(path).await.unwrap();
        seed(&store).await
    };
    let store = SqlStore::open_sqlite(path).await.unwrap();
    let back = (&store as &dyn ReadStore)
        .get::<Account>(record.meta.tenant, record.id)
        .await
        .unwrap();
    assert_eq!(back, record);
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_a_storage_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "这不是数据库 — this is not a database, just text long enough to fill a page header",
    )
    .unwrap();
    let err = SqlStore::open_sqlite(path.to_str().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Storage);
    assert!(err.to_string().contains("notes.txt"), "{err}");
    let err = SqlStore::open_sqlite(dir.path().to_str().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Storage, "a directory: {err}");
}

#[tokio::test]
async fn open_dispatches_on_the_url_scheme() {
    assert!(crm_store::open("memory://").await.is_ok());
    assert!(crm_store::open("sqlite::memory:").await.is_ok());
    let err = crm_store::open("mysql://localhost/crm")
        .await
        .err()
        .unwrap();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert!(err.to_string().contains("mysql://localhost/crm"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_fresh_files_never_reports_locked() {
    // Pool connections opening together once raced to switch a new file to WAL.
    let dir = tempfile::tempdir().unwrap();
    for i in 0..30 {
        let path = dir.path().join(format!("fresh-{i}.db"));
        let store = SqlStore::open_sqlite(path.to_str().unwrap()).await.unwrap();
        seed(&store).await;
        store.close().await.unwrap();
        assert!(
            !dir.path().join(format!("fresh-{i}.db-wal")).exists(),
            "close checkpoints the WAL"
        );
    }
}

#[tokio::test]
async fn duplicate_keys_of_the_first_layout_are_moved_to_the_hashed_table() {
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("layout-1.db");
    let tenant = actor().tenant;
    let (account, contact) = (Uuid::now_v7(), Uuid::now_v7());
    let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .unwrap();
    db.execute_unprepared(
        "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY); \
         INSERT INTO schema_migrations VALUES (1); \
         CREATE TABLE dedup_keys (tenant BLOB NOT NULL, object TEXT NOT NULL, key TEXT NOT NULL, \
         record_id BLOB NOT NULL, PRIMARY KEY (tenant, object, key, record_id))",
    )
    .await
    .unwrap();
    for (object, key, record) in [
        ("account", "0=华为", account),
        ("account", "2=13812345678", account),
        ("contact", "0=华为", contact),
    ] {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO dedup_keys VALUES (?, ?, ?, ?)",
            [tenant.0.into(), object.into(), key.into(), record.into()],
        ))
        .await
        .unwrap();
    }
    db.close().await.unwrap();

    async fn holders(store: &SqlStore, kind: ObjectKind, tenant: TenantId, key: &str) -> Vec<Uuid> {
        let keys = [key.to_owned()];
        store
            .records_with_keys(kind, tenant, &keys, 10)
            .await
            .unwrap()
    }
    let store = SqlStore::open_sqlite(path.to_str().unwrap()).await.unwrap();
    assert_eq!(
        holders(&store, ObjectKind::Account, tenant, "0=华为").await,
        vec![account]
    );
    assert_eq!(
        holders(&store, ObjectKind::Account, tenant, "2=13812345678").await,
        vec![account]
    );
    assert_eq!(
        holders(&store, ObjectKind::Contact, tenant, "0=华为").await,
        vec![contact]
    );
    let stranger = TenantId(Uuid::from_u128(99));
    assert!(
        holders(&store, ObjectKind::Account, stranger, "0=华为")
            .await
            .is_empty()
    );
    store.close().await.unwrap();

    // The old table is gone and the layout recorded: opening again moves nothing twice.
    let db = Database::connect(format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let tables = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'dedup_keys'",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tables.try_get_by_index::<i64>(0).unwrap(), 0);
    db.close().await.unwrap();
    let store = SqlStore::open_sqlite(path.to_str().unwrap()).await.unwrap();
    assert_eq!(
        holders(&store, ObjectKind::Account, tenant, "0=华为").await,
        vec![account]
    );
}

/// The names of the indexes in the SQLite file at `path`, sorted.
async fn index_names(path: &std::path::Path) -> Vec<String> {
    use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
    let db = Database::connect(format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name",
        ))
        .await
        .unwrap();
    db.close().await.unwrap();
    rows.iter()
        .map(|r| r.try_get_by_index::<String>(0).unwrap())
        .collect()
}

#[tokio::test]
async fn a_bulk_load_defers_random_order_indexes_and_rebuilds_them_at_the_end_or_on_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bulk.db");
    let open = || SqlStore::open_sqlite(path.to_str().unwrap());
    let store = open().await.unwrap();
    let all = index_names(&path).await;
    let kinds = [ObjectKind::Account, ObjectKind::Contact];
    assert!(
        !store.begin_bulk_load(&kinds, 1_000).await.unwrap(),
        "a small load keeps every index"
    );
    assert_eq!(index_names(&path).await, all);

    assert!(store.begin_bulk_load(&kinds, 200_000).await.unwrap());
    let during = index_names(&path).await;
    for gone in [
        "ix_accounts_name",
        "ix_accounts_phone",
        "ix_contacts_mobile",
        "ix_blocking_keys_key",
    ] {
        assert!(!during.iter().any(|n| n == gone), "{gone} in {during:?}");
    }
    for kept in [
        "ix_accounts_updated_at",
        "ix_accounts_owner_live",
        "ix_contacts_account_id",
        "ix_audit_events_record",
        "ix_leads_company",
    ] {
        assert!(during.iter().any(|n| n == kept), "{kept} not in {during:?}");
    }
    // Reads stay right without the indexes: by key and by a text column.
    let record = seed(&store).await;
    let mut tx = store.begin().await.unwrap();
    let keys = vec![("0=并发测试".to_owned())];
    tx.set_keys(
        ObjectKind::Account,
        record.meta.tenant,
        &[(record.id.0, keys.clone())],
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let holders = store
        .records_with_keys(ObjectKind::Account, record.meta.tenant, &keys, 10)
        .await
        .unwrap();
    assert_eq!(holders, vec![record.id.0]);
    let named =
        crm_core::query::Query::filter(crm_core::query::Predicate::eq("name", "并发测试有限公司"));
    let found = store
        .list_rows(ObjectKind::Account, record.meta.tenant, &named)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);

    store.end_bulk_load().await.unwrap();
    assert_eq!(index_names(&path).await, all);

    // A load never ended (the process stopped): the next open rebuilds.
    assert!(store.begin_bulk_load(&kinds, 200_000).await.unwrap());
    store.close().await.unwrap();
    drop(store);
    assert_ne!(index_names(&path).await, all);
    let reopened = open().await.unwrap();
    assert_eq!(index_names(&path).await, all);
    let holders = reopened
        .records_with_keys(ObjectKind::Account, record.meta.tenant, &keys, 10)
        .await
        .unwrap();
    assert_eq!(holders, vec![record.id.0]);
}
