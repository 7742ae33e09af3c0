//! The live index against a brute-force model of it: random inserts, re-inserts, removals and
//! lookups, each lookup compared with scoring, by [`Deduper`] directly, every live record that
//! shares a blocking key with the probe — same records, same order, same probabilities, same
//! explanations.

use proptest::prelude::*;

use super::*;
use crate::dedup::{FieldKind, FieldSpec};

/// Records in the order indexed, scored by brute force.
struct Reference {
    deduper: Deduper,
    model: Model,
    /// Live records, a re-inserted one moved to the end.
    records: Vec<(u32, Prepared)>,
}

impl Reference {
    fn insert(&mut self, key: u32, prepared: Prepared) {
        self.remove(key);
        self.records.push((key, prepared));
    }

    fn remove(&mut self, key: u32) -> bool {
        let at = self.records.iter().position(|(k, _)| *k == key);
        at.map(|at| self.records.remove(at)).is_some()
    }

    fn key_hashes(&self, record: &Prepared) -> Vec<u64> {
        let mut hashes = Vec::new();
        for_each_key(self.deduper.kinds(), record, |key| hashes.push(key.hash()));
        hashes
    }

    /// Records sharing a key of the probe that at most 64 records (counted once per key they
    /// hold) share, each once, in the order first met: probe keys in order, records in the
    /// order indexed.
    fn candidates(&self, probe: &Prepared) -> Vec<u32> {
        let mut found = Vec::new();
        for hash in self.key_hashes(probe) {
            let holders: Vec<u32> = self
                .records
                .iter()
                .flat_map(|(key, record)| {
                    let held = self
                        .key_hashes(record)
                        .iter()
                        .filter(|&&h| h == hash)
                        .count();
                    std::iter::repeat_n(*key, held)
                })
                .collect();
            if holders.len() <= 64 {
                for key in holders {
                    if !found.contains(&key) {
                        found.push(key);
                    }
                }
            }
        }
        found
    }

    /// The share of live records with a value in field `f` that hold the probe's value, once
    /// enough records are indexed to learn from.
    fn share(&self, probe: &Prepared, f: usize) -> Option<f64> {
        if self.records.len() < MIN_RECORDS_TO_LEARN {
            return None;
        }
        let text = probe.value(f)?.text;
        let values = self.records.iter().filter_map(|(_, r)| r.value(f));
        let (holding, total) = values.fold((0_u32, 0_u64), |(holding, total), v| {
            (holding + u32::from(v.text == text), total + 1)
        });
        (holding > 0).then(|| f64::from(holding) / total as f64)
    }

    fn matches(&self, probe: &Prepared, min_probability: f64) -> Vec<Match<u32>> {
        if probe.is_empty() {
            return Vec::new();
        }
        let weights = self.model.weights();
        let scorer = Scorer::new(&self.model, &weights);
        let record = |key: u32| &self.records.iter().find(|(k, _)| *k == key).unwrap().1;
        let mut found: Vec<Match<u32>> = self
            .candidates(probe)
            .into_iter()
            .filter_map(|key| {
                let explanation = self
                    .deduper
                    .explanation(&scorer, probe, record(key), |f| self.share(probe, f));
                let levels = explanation.fields.iter().map(|f| f.level);
                (explanation.probability >= min_probability).then_some(Match {
                    key,
                    probability: explanation.probability,
                    zone: self.deduper.zone(explanation.probability, levels),
                    explanation,
                })
            })
            .collect();
        found.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        found
    }
}

fn deduper() -> Deduper {
    Deduper::new(vec![
        FieldSpec::new("company", FieldKind::CompanyName),
        FieldSpec::new("contact", FieldKind::PersonName),
        FieldSpec::new("mobile", FieldKind::Phone),
        FieldSpec::new("email", FieldKind::Email),
        FieldSpec::new("region", FieldKind::Region),
        FieldSpec::new("address", FieldKind::Address),
    ])
}

/// Values per field, few and often alike, so that blocks grow past 64 holders, scores tie and
/// every level of agreement occurs; a common name comes up more often than the others.
const VALUES: [&[&str]; 6] = [
    &[
        "北京华为技术有限公司",
        "华为技术（北京）有限公司",
        "上海华为技术有限公司",
        "苏州恒瑞精密机械有限公司",
        "恒瑞精密机械",
        "",
    ],
    &["张伟", "张伟", "张伟", "Zhang Wei", "王芳", "李娜", ""],
    &[
        "13812345678",
        "+86 138 1234 5678",
        "13812345679",
        "13900001111",
        "",
    ],
    &[
        "zhang.wei@huawei.com",
        "zhang.wei@hw.com",
        "wang@hengrui.cn",
        "",
    ],
    &["北京", "上海", "江苏省", ""],
    &[
        "朝阳区 建国路 1号",
        "北京市 朝阳区 建国路 1号",
        "工业园区 星湖街 8号",
        "",
    ],
];

fn cells() -> impl Strategy<Value = Vec<Option<String>>> {
    VALUES
        .map(|values| {
            proptest::sample::select(values)
                .prop_map(|v| Some(v.to_owned()).filter(|v| !v.is_empty()))
        })
        .to_vec()
}

#[derive(Debug, Clone)]
enum Op {
    Insert(u32, Vec<Option<String>>),
    Remove(u32),
    Look(Vec<Option<String>>, f64),
}

fn op() -> impl Strategy<Value = Op> {
    // Keys from a small range, so that records are re-inserted and removed often.
    let key = 0_u32..160;
    prop_oneof![
        6 => (key.clone(), cells()).prop_map(|(key, cells)| Op::Insert(key, cells)),
        1 => key.prop_map(Op::Remove),
        2 => (cells(), proptest::sample::select(&[0.0, 0.5, 0.9][..]))
            .prop_map(|(cells, min)| Op::Look(cells, min)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn lookups_agree_with_brute_force_scoring(ops in proptest::collection::vec(op(), 1..400)) {
        let mut index = DedupIndex::with_prior_model(deduper());
        let mut reference = Reference {
            deduper: deduper(),
            model: deduper().prior_model(),
            records: Vec::new(),
        };
        for op in ops {
            match op {
                Op::Insert(key, cells) => {
                    index.insert(key, &cells);
                    reference.insert(key, reference.deduper.prepare(&cells));
                }
                Op::Remove(key) => prop_assert_eq!(index.remove(&key), reference.remove(key)),
                Op::Look(cells, min_probability) => {
                    let probe = index.prepare(&cells);
                    prop_assert_eq!(
                        index.candidates_for(&cells),
                        reference.candidates(&probe)
                    );
                    prop_assert_eq!(
                        index.matches_prepared(&probe, min_probability),
                        reference.matches(&probe, min_probability)
                    );
                }
            }
            prop_assert_eq!(index.len(), reference.records.len());
        }
    }
}
