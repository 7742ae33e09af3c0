//! SQLite store throughput and latency, through the facade (validation and audit included).
//!
//! - `sqlite_insert/100k_accounts/{1000,10000}_per_tx`: 100,000 accounts (each with its audit
//!   event) into a fresh database file, in transactions of 1,000 or 10,000; criterion reports
//!   accounts per second.
//! - `sqlite_get/by_id`: reading one account by id from a 100,000-account file;
//!   `sqlite_get/row_only`: the same read stopping at the stored row.

// criterion_group! generates a public function that cannot carry a doc comment.
#![allow(missing_docs)]

use std::sync::Arc;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use crm::id::{SequentialIdGen, TenantId};
use crm::model::Account;
use crm::query::Query;
use crm::value::{CompanyName, Phone, Region};
use crm::{Actor, Crm, Record};
use tokio::runtime::Runtime;

const ACCOUNTS: usize = 100_000;
/// Rows per transaction in the get bench's load and the default insert case.
const BATCH: usize = 1_000;

fn actor() -> Actor {
    Actor::system(TenantId(uuid::Uuid::from_u128(1)))
}

/// Realistic, varied accounts: a name, a region and a switchboard number.
fn accounts(n: usize) -> Vec<Account> {
    let cities = [
        "北京", "上海", "深圳", "杭州", "苏州", "成都", "武汉", "西安",
    ];
    let trades = ["精密机械", "软件科技", "物流", "医疗器械", "新材料", "电子"];
    (0..n)
        .map(|i| {
            let city = cities[i % cities.len()];
            let name = format!("{city}{}{}有限公司", trades[i % trades.len()], i);
            let mut account = Account::new(CompanyName::parse(&name).unwrap());
            account.region = Some(Region::parse(city).unwrap());
            account.phone = Some(Phone::parse(&format!("010-6{:07}", i % 10_000_000)).unwrap());
            account.level = Some(["A", "B", "C"][i % 3].into());
            account
        })
        .collect()
}

async fn load(crm: &Crm, data: Vec<Account>, batch: usize) -> Vec<Record<Account>> {
    let mut stored = Vec::with_capacity(data.len());
    let mut data = data.into_iter().peekable();
    while data.peek().is_some() {
        let chunk: Vec<Account> = data.by_ref().take(batch).collect();
        stored.extend(
            crm.accounts()
                .create_many(&actor(), None, chunk)
                .await
                .unwrap(),
        );
    }
    stored
}

async fn fresh_engine(dir: &std::path::Path, name: &str) -> Crm {
    let url = format!("sqlite://{}", dir.join(name).display());
    Crm::open(&url)
        .await
        .unwrap()
        .with_ids(Arc::new(SequentialIdGen::new(1)))
}

fn insert(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut group = c.benchmark_group("sqlite_insert");
    group
        .sample_size(10)
        .throughput(Throughput::Elements(ACCOUNTS as u64));
    let mut run = 0;
    for batch in [BATCH, 10 * BATCH] {
        group.bench_function(format!("100k_accounts/{batch}_per_tx"), |b| {
            b.iter_batched(
                || {
                    run += 1;
                    let name = format!("insert-{run}.db");
                    (
                        rt.block_on(fresh_engine(dir.path(), &name)),
                        accounts(ACCOUNTS),
                    )
                },
                |(crm, data)| rt.block_on(load(&crm, data, batch)),
                BatchSize::PerIteration,
            )
        });
    }
    group.finish();
}

fn get(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let crm = rt.block_on(fresh_engine(dir.path(), "get.db"));
    let stored = rt.block_on(load(&crm, accounts(ACCOUNTS), BATCH));
    assert_eq!(
        rt.block_on(crm.accounts().count(&actor(), &Query::all()))
            .unwrap(),
        ACCOUNTS as u64
    );
    let mut next = 0usize;
    let mut group = c.benchmark_group("sqlite_get");
    group.bench_function("by_id", |b| {
        b.iter(|| {
            // A stride through the ids so successive reads hit different pages.
            next = (next + 7919) % stored.len();
            rt.block_on(crm.accounts().get(&actor(), stored[next].id))
                .unwrap()
        })
    });
    // The store's share of a read: the row, before it becomes an `Account`.
    group.bench_function("row_only", |b| {
        b.iter(|| {
            next = (next + 7919) % stored.len();
            let id = stored[next].id.0;
            rt.block_on(
                crm.store()
                    .get_row(crm::ObjectKind::Account, actor().tenant, id),
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, insert, get);
criterion_main!(benches);
