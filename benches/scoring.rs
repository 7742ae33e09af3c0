//! Predictive lead scoring speed on 100k synthetic closed leads shaped like leadforge's
//! (9 categorical fields, 16 numeric engagement counts, about one in four won):
//!
//! - `scoring/train_100k`: encode, choose the L2 strength by cross-validation, fit.
//! - `scoring/score_100k`: the probability of 100k leads with the trained model.
//! - `scoring/train_and_score_100k`: both, the "train and score 100k leads" figure.

// criterion_group! generates a public function that cannot carry a doc comment.
#![allow(missing_docs)]

use std::collections::BTreeMap;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crm::core::record::Value;
use crm::core::scoring::{FeatureField, PredictiveConfig, PredictiveModel, TrainingOutcome, train};

type Lead = BTreeMap<String, Value>;

const LEADS: usize = 100_000;
const CATEGORICAL: [(&str, u64); 9] = [
    ("industry", 14),
    ("region", 7),
    ("employee_band", 6),
    ("revenue_band", 6),
    ("maturity", 4),
    ("role", 9),
    ("seniority", 5),
    ("buyer_role", 4),
    ("lead_source", 8),
];
const NUMERIC: usize = 16;

/// A deterministic 64-bit mix, so the data needs no random number crate.
fn mix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A uniform draw in [0, 1) from `(row, slot)`.
fn uniform(row: usize, slot: u64) -> f64 {
    (mix(row as u64 * 64 + slot) >> 11) as f64 / (1u64 << 53) as f64
}

/// Leads and outcomes: each level and count nudges the log-odds; about 5% of counts are
/// missing.
fn leads(n: usize) -> (Vec<Lead>, Vec<bool>) {
    let mut records = Vec::with_capacity(n);
    let mut won = Vec::with_capacity(n);
    for r in 0..n {
        let mut lead = Lead::new();
        let mut log_odds = -1.2;
        for (slot, (name, levels)) in CATEGORICAL.iter().enumerate() {
            let level = mix(r as u64 * 64 + slot as u64) % levels;
            log_odds += (level as f64 - *levels as f64 / 2.0) * 0.08;
            lead.insert((*name).into(), Value::from(format!("{name}-{level}")));
        }
        for k in 0..NUMERIC {
            let slot = 16 + k as u64;
            if uniform(r, slot) < 0.05 {
                continue;
            }
            // Skewed counts, as engagement is.
            let count = (uniform(r, slot + 16).powi(3) * 60.0) as i64;
            log_odds += if k % 3 == 0 { 0.02 } else { -0.005 } * count as f64;
            lead.insert(format!("engagement_{k}"), Value::Int(count));
        }
        won.push(uniform(r, 63) < 1.0 / (1.0 + (-log_odds).exp()));
        records.push(lead);
    }
    (records, won)
}

fn fields() -> Vec<FeatureField> {
    CATEGORICAL
        .iter()
        .map(|(name, _)| FeatureField::categorical(*name))
        .chain((0..NUMERIC).map(|k| FeatureField::numeric(format!("engagement_{k}"))))
        .collect()
}

fn trained(records: &[Lead], won: &[bool]) -> PredictiveModel {
    match train(&PredictiveConfig::default(), &fields(), records, won) {
        Ok(TrainingOutcome::Trained(model)) => model,
        other => panic!("100k leads are enough history: {other:?}"),
    }
}

fn score(model: &PredictiveModel, records: &[Lead]) -> f64 {
    model.probabilities(records).iter().sum()
}

fn scoring(c: &mut Criterion) {
    let (records, won) = leads(LEADS);
    let mut group = c.benchmark_group("scoring");
    group.sample_size(10);
    group.throughput(Throughput::Elements(LEADS as u64));
    group.bench_function("train_100k", |b| b.iter(|| trained(&records, &won)));
    let model = trained(&records, &won);
    group.bench_function("score_100k", |b| b.iter(|| score(&model, &records)));
    group.bench_function("train_and_score_100k", |b| {
        b.iter(|| score(&trained(&records, &won), &records))
    });
    group.finish();
}

criterion_group!(benches, scoring);
criterion_main!(benches);
