//! Duplicate detection speed on generated messy Chinese B2B records
//! (`crm_core::dedup::synth`), kinds inferred from the Chinese headers.
//!
//! - `dedup_batch/{10k,100k}`: the whole batch pipeline (prepare, block, compare, fit, score,
//!   cluster). `CRM_BENCH_1M=1` adds the 1M-row run.
//! - `dedup_index/matches`: one lookup of a new record against a live index of 100k rows
//!   (`CRM_BENCH_1M=1`: 1M rows); p50 and p99 over 1,000 new records are printed first.

// criterion_group! generates a public function that cannot carry a doc comment.
#![allow(missing_docs)]

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use crm::core::dedup::synth::{SynthConfig, SynthDataset, generate};
use crm::core::dedup::{DedupIndex, Deduper, FieldKind, FieldSpec};

/// About two rows per entity at the default duplicate settings.
fn rows(approx: usize) -> SynthDataset {
    generate(&SynthConfig {
        entities: approx * 10 / 20,
        ..SynthConfig::default()
    })
}

fn deduper(data: &SynthDataset) -> Deduper {
    Deduper::new(
        data.headers
            .iter()
            .map(|h| {
                FieldSpec::new(
                    h.clone(),
                    FieldKind::from_header(h).expect("Chinese headers have kinds"),
                )
            })
            .collect(),
    )
}

fn sizes() -> Vec<(&'static str, usize)> {
    let mut sizes = vec![("10k", 10_000), ("100k", 100_000)];
    if std::env::var_os("CRM_BENCH_1M").is_some() {
        sizes.push(("1M", 1_000_000));
    }
    sizes
}

fn batch(c: &mut Criterion) {
    let mut group = c.benchmark_group("dedup_batch");
    group.sample_size(10);
    for (name, n) in sizes() {
        let data = rows(n);
        let engine = deduper(&data);
        group.throughput(Throughput::Elements(data.rows.len() as u64));
        group.bench_function(name, |b| b.iter(|| engine.run(&data.rows, None)));
    }
    group.finish();
}

fn index(c: &mut Criterion) {
    let n = if std::env::var_os("CRM_BENCH_1M").is_some() {
        1_000_000
    } else {
        100_000
    };
    let data = rows(n);
    let mut idx = DedupIndex::with_prior_model(deduper(&data));
    // Index everything but the last 1,000 rows, which serve as the "new" records.
    let (base, probes) = data.rows.split_at(data.rows.len() - 1_000);
    for (i, row) in base.iter().enumerate() {
        idx.insert(i, row);
    }
    report_percentiles(&idx, probes);
    let mut next = 0;
    c.bench_function("dedup_index/matches", |b| {
        b.iter_batched(
            || {
                next = (next + 1) % probes.len();
                &probes[next]
            },
            |probe| idx.matches(probe, 0.5),
            BatchSize::SmallInput,
        )
    });
}

/// Criterion reports central values; the live check's promise is about the tail, so time
/// every probe once and print p50 and p99.
fn report_percentiles(idx: &DedupIndex<usize>, probes: &[Vec<Option<String>>]) {
    let mut nanos: Vec<u128> = probes
        .iter()
        .map(|probe| {
            let started = std::time::Instant::now();
            std::hint::black_box(idx.matches(probe, 0.5));
            started.elapsed().as_nanos()
        })
        .collect();
    nanos.sort_unstable();
    let at = |q: f64| nanos[((nanos.len() - 1) as f64 * q) as usize] as f64 / 1_000.0;
    eprintln!(
        "dedup_index/matches over {} probes against {} rows: p50 {:.0} µs, p99 {:.0} µs",
        probes.len(),
        idx.len(),
        at(0.5),
        at(0.99)
    );
}

criterion_group!(benches, batch, index);
criterion_main!(benches);
