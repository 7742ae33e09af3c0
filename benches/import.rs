//! Import speed on generated messy Chinese customer sheets (`crm_core::dedup::synth`), written
//! as a UTF-8 CSV like a CRM export.
//!
//! - `import/read_clean`: read, map, clean and validate every row (no store).
//! - `import/sqlite`: the whole import — plan against the file and the store, commit in
//!   batches — into a fresh SQLite file.
//!
//! `CRM_BENCH_ROWS` sets the row count (default 10,000).

// criterion_group! generates a public function that cannot carry a doc comment.
#![allow(missing_docs)]

use std::path::{Path, PathBuf};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use crm::core::dedup::synth::{SynthConfig, generate};
use crm::id::TenantId;
use crm::import::ImportOptions;
use crm::import::clean::{Cleaner, Strictness};
use crm::import::mapping::Mapping;
use crm::import::read::{ReadOptions, open};
use crm::{Actor, Crm};

/// Writes about `rows` generated rows (two per customer on average) to `dir`.
fn sheet(dir: &Path, rows: usize) -> (PathBuf, usize) {
    let data = generate(&SynthConfig {
        entities: rows / 2,
        ..SynthConfig::default()
    });
    let path = dir.join("customers.csv");
    let mut writer = csv::Writer::from_path(&path).expect("a temporary file");
    writer.write_record(&data.headers).expect("write");
    for row in &data.rows {
        writer
            .write_record(row.iter().map(|c| c.as_deref().unwrap_or("")))
            .expect("write");
    }
    writer.flush().expect("flush");
    (path, data.rows.len())
}

fn read_and_clean(path: &Path) -> usize {
    let table = open(path, &ReadOptions::default()).expect("readable");
    let mapping = Mapping::infer(&table.layout.headers, &[], &[]).expect("mappable");
    let cleaner = Cleaner::new(&mapping, &[], Strictness::RejectRow);
    table
        .filter_map(Result::ok)
        .filter(|row| cleaner.clean(&row.cells).is_ok())
        .count()
}

fn bench(c: &mut Criterion) {
    let rows: usize = std::env::var("CRM_BENCH_ROWS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let (path, rows) = sheet(dir.path(), rows);
    let mut group = c.benchmark_group("import");
    group.throughput(Throughput::Elements(rows as u64));
    group.sample_size(10);
    group.bench_function("read_clean", |b| b.iter(|| read_and_clean(&path)));
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let actor = Actor::system(TenantId(uuid::Uuid::nil()));
    let mut run = 0;
    group.bench_function("sqlite", |b| {
        b.iter_batched(
            || {
                run += 1;
                let url = format!(
                    "sqlite://{}",
                    dir.path().join(format!("{run}.db")).display()
                );
                runtime.block_on(Crm::open(&url)).expect("a database")
            },
            |crm| {
                runtime.block_on(async {
                    let report = crm
                        .import_file(&actor, &path, ImportOptions::default(), |_| {})
                        .await
                        .expect("imported");
                    assert!(report.accounts_for_every_row());
                    crm.close().await.expect("closed");
                })
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
