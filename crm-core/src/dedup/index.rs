//! The live duplicate index: "is this new record a duplicate?" answered against everything
//! indexed so far, without a batch run.
//!
//! Records are kept prepared (normalised once), and an inverted index maps each blocking key
//! to the records holding it, so a lookup compares the new record only with the few records
//! that share a key. Scores use the same model, weights and term frequencies as the batch
//! engine, and every match carries its explanation.
//!
//! ```
//! use crm_core::dedup::{DedupIndex, Deduper, FieldKind, FieldSpec};
//! let deduper = Deduper::new(vec![
//!     FieldSpec::new("company", FieldKind::CompanyName),
//!     FieldSpec::new("mobile", FieldKind::Phone),
//! ]);
//! let mut index = DedupIndex::with_prior_model(deduper);
//! let cells = |name: &str, phone: &str| vec![Some(name.to_owned()), Some(phone.to_owned())];
//! index.insert(1_u64, &cells("北京华为技术有限公司", "138 1234 5678"));
//! index.insert(2, &cells("苏州恒瑞精密机械有限公司", "139 0000 1111"));
//! let matches = index.matches(&cells("华为技术（北京）有限公司", "+86 138-1234-5678"), 0.5);
//! assert_eq!(matches.len(), 1);
//! assert_eq!(matches[0].key, 1);
//! assert!(matches[0].explanation.fields.iter().all(|f| f.meaning == "exact"));
//! ```

use std::collections::HashMap;
use std::hash::Hash;

use crate::dedup::batch::{Deduper, Explanation, MIN_RECORDS_TO_LEARN};
use crate::dedup::frequency::ValueFrequencies;
use crate::dedup::model::{Model, Weights};
use crate::dedup::prehashed::PrehashedMap;
use crate::dedup::prepare::{Prepared, for_each_key};
use crate::dedup::score::Scorer;
use crate::dedup::zone::Zone;

/// A likely duplicate found by [`DedupIndex::matches`].
#[derive(Debug, Clone, PartialEq)]
pub struct Match<K> {
    /// The indexed record.
    pub key: K,
    /// The probability that it is the same entity.
    pub probability: f64,
    /// Where that probability falls: only a match is merged without asking.
    pub zone: Zone,
    /// Why: each field's level and weight.
    pub explanation: Explanation,
}

/// An in-memory index of prepared records, keyed by the caller's record ids.
///
/// Records lie in slots of one vector, found by key only when one is inserted or removed: the
/// blocks hold slot numbers, so a lookup goes from a blocking key straight to the records that
/// hold it.
#[derive(Debug)]
pub struct DedupIndex<K> {
    deduper: Deduper,
    model: Model,
    weights: Weights,
    /// The slot of each indexed record.
    slots: HashMap<K, u32>,
    /// The records by slot; `None` for a slot freed by a removal.
    records: Vec<Option<Indexed<K>>>,
    /// Freed slots, for the next insertions.
    free: Vec<u32>,
    /// Holders by blocking key, the key hashed as batch runs hash it (`KeyRef::hash`): a
    /// collision only adds a candidate that scores low.
    blocks: Blocks,
    frequencies: Vec<ValueFrequencies>,
    max_block: usize,
}

/// An indexed record with its key.
#[derive(Debug)]
struct Indexed<K> {
    key: K,
    prepared: Prepared,
}

/// The records holding each blocking key, by slot, in the order they were indexed, a slot
/// once per key of its record with that hash.
///
/// Most keys have one holder: the map holds its slot itself, in a word. A key with more
/// holds [`SHARED`] and the position of their slots in `shared`; at millions of keys, half
/// the size of a map holding a list per key.
#[derive(Debug, Default)]
struct Blocks {
    map: PrehashedMap<u32>,
    /// The holders of keys with two or more.
    shared: Vec<Vec<u32>>,
    /// Positions in `shared` freed by removals, for the next keys to be shared.
    free: Vec<u32>,
}

/// Marks a [`Blocks::map`] value as a position in [`Blocks::shared`] rather than a slot;
/// slots stay below it.
const SHARED: u32 = 1 << 31;

impl Blocks {
    /// The holders of the key with `hash`, in order.
    fn get(&self, hash: u64) -> Option<&[u32]> {
        let value = self.map.get(&hash)?;
        Some(match value & SHARED {
            0 => std::slice::from_ref(value),
            _ => &self.shared[(value & !SHARED) as usize],
        })
    }

    /// Add `slot` after the holders of the key with `hash`.
    fn add(&mut self, hash: u64, slot: u32) {
        let Some(value) = self.map.get_mut(&hash) else {
            self.map.insert(hash, slot);
            return;
        };
        if *value & SHARED != 0 {
            self.shared[(*value & !SHARED) as usize].push(slot);
            return;
        }
        let holders = vec![*value, slot];
        let at = match self.free.pop() {
            Some(at) => {
                self.shared[at as usize] = holders;
                at
            }
            None => {
                self.shared.push(holders);
                u32::try_from(self.shared.len() - 1).expect("fewer than 2^31 shared keys")
            }
        };
        *value = SHARED | at;
    }

    /// Remove every occurrence of `slot` from the holders of the key with `hash`, and the
    /// key once it has none.
    fn remove(&mut self, hash: u64, slot: u32) {
        let Some(value) = self.map.get_mut(&hash) else {
            return;
        };
        if *value & SHARED == 0 {
            if *value == slot {
                self.map.remove(&hash);
            }
            return;
        }
        let at = *value & !SHARED;
        let holders = &mut self.shared[at as usize];
        holders.retain(|&s| s != slot);
        match holders[..] {
            [] => {
                self.map.remove(&hash);
            }
            [only] => *value = only,
            _ => return,
        }
        self.shared[at as usize] = Vec::new();
        self.free.push(at);
    }
}

impl<K: Copy + Eq + Hash> DedupIndex<K> {
    /// An empty index scoring with `model` (e.g. one fitted by a batch run over the base).
    pub fn new(deduper: Deduper, model: Model) -> Self {
        let fields = deduper.fields().len();
        DedupIndex {
            weights: model.weights(),
            model,
            deduper,
            slots: HashMap::new(),
            records: Vec::new(),
            free: Vec::new(),
            blocks: Blocks::default(),
            frequencies: vec![ValueFrequencies::default(); fields],
            max_block: 64,
        }
    }

    /// An empty index scoring with [`Model::prior_knowledge`]: sensible before any data.
    pub fn with_prior_model(deduper: Deduper) -> Self {
        let model = deduper.prior_model();
        DedupIndex::new(deduper, model)
    }

    /// The engine whose fields, comparators and zones the index scores with.
    pub fn deduper(&self) -> &Deduper {
        &self.deduper
    }

    /// How many records are indexed.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether nothing is indexed.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Index (or re-index, on update) the record `key` with `cells` in field order.
    pub fn insert(&mut self, key: K, cells: &[Option<String>]) {
        self.insert_prepared(key, self.prepare(cells));
    }

    /// `cells` in field order, normalised once for both [`matches_prepared`] and
    /// [`insert_prepared`]: "is this new? then index it" without preparing twice.
    ///
    /// [`matches_prepared`]: Self::matches_prepared
    /// [`insert_prepared`]: Self::insert_prepared
    pub fn prepare(&self, cells: &[Option<String>]) -> Prepared {
        self.deduper.prepare(cells)
    }

    /// [`insert`](Self::insert) for a record already [prepared](Self::prepare).
    pub fn insert_prepared(&mut self, key: K, prepared: Prepared) {
        self.remove(&key);
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                self.records.push(None);
                let slot = self.records.len() - 1;
                u32::try_from(slot)
                    .ok()
                    .filter(|&slot| slot < SHARED)
                    .expect("fewer than 2^31 records")
            }
        };
        let blocks = &mut self.blocks;
        for_each_key(self.deduper.kinds(), &prepared, |block| {
            blocks.add(block.hash(), slot)
        });
        for (f, value) in prepared.values().enumerate() {
            if let Some(v) = value {
                self.frequencies[f].add(v.text);
            }
        }
        self.slots.insert(key, slot);
        self.records[slot as usize] = Some(Indexed { key, prepared });
    }

    /// Remove `key`; whether it was indexed.
    pub fn remove(&mut self, key: &K) -> bool {
        let Some(slot) = self.slots.remove(key) else {
            return false;
        };
        let Indexed { prepared, .. } = self.records[slot as usize]
            .take()
            .expect("a key's slot holds its record");
        self.free.push(slot);
        let blocks = &mut self.blocks;
        for_each_key(self.deduper.kinds(), &prepared, |block| {
            blocks.remove(block.hash(), slot)
        });
        for (f, value) in prepared.values().enumerate() {
            if let Some(v) = value {
                self.frequencies[f].remove(v.text);
            }
        }
        true
    }

    /// The indexed records that share a blocking key with `cells`, each once. Keys held by
    /// more than 64 records (a common name, a popular brand) are not followed: they would
    /// cost more than they find, and the rarer keys of the same record find its duplicates.
    pub fn candidates_for(&self, cells: &[Option<String>]) -> Vec<K> {
        self.candidates_of(&self.deduper.prepare(cells))
            .map(|(key, _)| key)
            .collect()
    }

    /// The records sharing a blocking key with `prepared`, each once, in the order first met
    /// (keys in record order, holders in the order indexed).
    fn candidates_of(&self, prepared: &Prepared) -> impl Iterator<Item = (K, &Prepared)> {
        let mut hashes = Vec::new();
        for_each_key(self.deduper.kinds(), prepared, |key| {
            hashes.push(key.hash())
        });
        // Looked up back to back, so that their cache misses overlap.
        let blocks: Vec<&[u32]> = hashes
            .iter()
            .filter_map(|&hash| self.blocks.get(hash))
            .filter(|holders| holders.len() <= self.max_block)
            .collect();
        // (slot, position met): sorted by slot to drop repeats, keeping the first meeting,
        // then back in the order met. Cheaper than a set for the few dozen holders met.
        let mut met: Vec<(u32, u32)> = Vec::with_capacity(blocks.iter().map(|b| b.len()).sum());
        for holders in blocks {
            let first = met.len();
            met.extend(
                holders
                    .iter()
                    .zip(first..)
                    .map(|(&slot, at)| (slot, at as u32)),
            );
        }
        met.sort_unstable();
        met.dedup_by_key(|&mut (slot, _)| slot);
        met.sort_unstable_by_key(|&(_, at)| at);
        met.into_iter().map(|(slot, _)| {
            let indexed = self.records[slot as usize]
                .as_ref()
                .expect("blocks hold the slots of indexed records");
            (indexed.key, &indexed.prepared)
        })
    }

    /// The indexed records that are the same entity as `cells` with at least
    /// `min_probability`, most likely first, each with its explanation.
    pub fn matches(&self, cells: &[Option<String>], min_probability: f64) -> Vec<Match<K>> {
        self.matches_prepared(&self.prepare(cells), min_probability)
    }

    /// [`matches`](Self::matches) for a probe already [prepared](Self::prepare).
    pub fn matches_prepared(&self, probe: &Prepared, min_probability: f64) -> Vec<Match<K>> {
        if probe.is_empty() {
            return Vec::new();
        }
        let frequencies: &[ValueFrequencies] = if self.len() < MIN_RECORDS_TO_LEARN {
            &[]
        } else {
            &self.frequencies
        };
        let scorer = Scorer::new(&self.model, &self.weights);
        let candidates: Vec<(K, &Prepared)> = self.candidates_of(probe).collect();
        // Candidates lie all over memory: fetched together first, not each in turn.
        for (_, candidate) in &candidates {
            std::hint::black_box(candidate.touch());
        }
        self.deduper.match_prepared(
            &scorer,
            probe,
            candidates.into_iter(),
            min_probability,
            |f| frequencies.get(f)?.share(probe.value(f)?.text),
        )
    }
}

#[cfg(test)]
mod differential_tests;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::{FieldKind, FieldSpec};

    fn index() -> DedupIndex<u32> {
        DedupIndex::with_prior_model(Deduper::new(vec![
            FieldSpec::new("company", FieldKind::CompanyName),
            FieldSpec::new("contact", FieldKind::PersonName),
            FieldSpec::new("mobile", FieldKind::Phone),
        ]))
    }

    fn cells(values: [&str; 3]) -> Vec<Option<String>> {
        values
            .iter()
            .map(|v| Some(v.to_string()).filter(|v| !v.is_empty()))
            .collect()
    }

    #[test]
    fn finds_the_same_customer_typed_differently() {
        let mut idx = index();
        idx.insert(1, &cells(["北京华为技术有限公司", "张伟", "13812345678"]));
        idx.insert(2, &cells(["上海华为技术有限公司", "李娜", "13900001111"]));
        idx.insert(
            3,
            &cells(["苏州恒瑞精密机械有限公司", "张伟", "13600002222"]),
        );
        let found = idx.matches(
            &cells(["华为技术（北京）有限公司", "Zhang Wei", "+86 138 1234 5678"]),
            0.5,
        );
        assert_eq!(found.iter().map(|m| m.key).collect::<Vec<_>>(), vec![1]);
        assert!(found[0].probability > 0.99);
        let shanghai = idx.matches(&cells(["上海华为技术有限公司", "", ""]), 0.0);
        assert!(
            shanghai.iter().all(|m| m.key != 1 || m.probability < 0.5),
            "{shanghai:?}"
        );
    }

    #[test]
    fn update_and_remove_keep_the_index_consistent() {
        let mut idx = index();
        idx.insert(1, &cells(["北京华为技术有限公司", "张伟", "13812345678"]));
        idx.insert(
            1,
            &cells(["苏州恒瑞精密机械有限公司", "王芳", "13600002222"]),
        );
        assert_eq!(idx.len(), 1);
        assert!(
            idx.candidates_for(&cells(["北京华为技术有限公司", "", "13812345678"]))
                .is_empty()
        );
        assert_eq!(
            idx.candidates_for(&cells(["", "", "136 0000 2222"])),
            vec![1]
        );
        assert!(idx.remove(&1));
        assert!(!idx.remove(&1));
        assert!(idx.is_empty() && idx.blocks.map.is_empty());
    }

    #[test]
    fn an_empty_probe_matches_nothing() {
        let mut idx = index();
        idx.insert(1, &cells(["北京华为技术有限公司", "张伟", "13812345678"]));
        assert!(idx.matches(&cells(["", "", ""]), 0.0).is_empty());
    }
}
