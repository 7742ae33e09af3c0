//! SQLite store throughput and latency, through the facade (validation and audit included).
//!
//! - `sqlite_insert/100k_accounts`: 100,000 accounts in transactions of 1,000 (each with its
//!   audit event) into a fresh database file; criterion reports accounts per second.
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

async fn load(crm: &Crm, data: Vec<Account>) -> Vec<Record<Account>> {
    let mut stored = Vec::with_capacity(data.len());
    let mut data = data.into_iter().peekable();
    while data.peek().is_some() {
        let batch: Vec<Account> = data.by_ref().take(BATCH).collect();
        stored.extend(
            crm.accounts()
                .create_many(&actor(), None, batch)
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
    group.bench_function("100k_accounts", |b| {
        b.iter_batched(
            || {
                run += 1;
                (
                    rt.block_on(fresh_engine(dir.path(), &format!("insert-{run}.db"))),
                    accounts(ACCOUNTS),
                )
            },
            |(crm, data)| rt.block_on(load(&crm, data)),
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn get(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let crm = rt.block_on(fresh_engine(dir.path(), "get.db"));
    let stored = rt.block_on(load(&crm, accounts(ACCOUNTS)));
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
