//! How often each value of a field occurs, behind the term-frequency adjustment: exact
//! agreement on a common value (「张伟」) is weaker evidence than on a rare one.
//!
//! Values are counted by a 64-bit hash: a collision merges two values' counts, which at
//! these sizes practically never happens and would only soften one adjustment.

use rayon::prelude::*;

use crate::dedup::compare::fnv1a;
use crate::dedup::prehashed::PrehashedMap;
use crate::dedup::prepare::Prepared;

/// The hash values are counted by: FNV-1a with the lowest bit set, so that 0 marks an empty
/// field.
fn value_hash(value: &str) -> u64 {
    fnv1a(value) | 1
}

/// Marks an empty field among value hashes.
const EMPTY: u64 = 0;

/// The share of records holding a value that `count` of `total` records hold.
fn share_of(count: u32, total: u64) -> f64 {
    f64::from(count) / total.max(1) as f64
}

/// Value counts of one field that change as records come and go (the live index).
#[derive(Debug, Clone, Default)]
pub(crate) struct ValueFrequencies {
    counts: PrehashedMap<u32>,
    total: u64,
}

impl ValueFrequencies {
    /// Count one more record holding `value`.
    pub(crate) fn add(&mut self, value: &str) {
        *self.counts.entry(value_hash(value)).or_default() += 1;
        self.total += 1;
    }

    /// Count one record fewer holding `value`.
    pub(crate) fn remove(&mut self, value: &str) {
        let hash = value_hash(value);
        if let Some(count) = self.counts.get_mut(&hash) {
            *count -= 1;
            self.total -= 1;
            if *count == 0 {
                self.counts.remove(&hash);
            }
        }
    }

    /// The share of records holding `value`.
    pub(crate) fn share(&self, value: &str) -> Option<f64> {
        let count = self.counts.get(&value_hash(value))?;
        Some(share_of(*count, self.total))
    }
}

/// Value counts of one field over a whole batch, fixed once counted: distinct value hashes in
/// order with their counts, two flat arrays rather than a map.
#[derive(Debug, Clone, Default)]
pub(crate) struct CountedValues {
    hashes: Vec<u64>,
    counts: Vec<u32>,
    total: u64,
}

impl CountedValues {
    /// The share of records holding `value`.
    pub(crate) fn share(&self, value: &str) -> Option<f64> {
        let at = self.hashes.binary_search(&value_hash(value)).ok()?;
        Some(share_of(self.counts[at], self.total))
    }
}

/// Value counts of a batch, per field: the distinct values' counts, and for each record how
/// many records hold its value (0 where the field is empty), so that scoring a pair looks
/// nothing up.
#[derive(Debug, Default)]
pub(crate) struct BatchCounts {
    fields: Vec<(CountedValues, Vec<u32>)>,
}

impl BatchCounts {
    /// Count the values of `width` fields over `records`.
    pub(crate) fn new(records: &[Prepared], width: usize) -> BatchCounts {
        // One pass over the records, which lie all over memory, rather than one per field.
        let hashes: Vec<u64> = records
            .par_iter()
            .flat_map_iter(|r| (0..width).map(|f| r.value(f).map_or(EMPTY, |v| value_hash(v.text))))
            .collect();
        BatchCounts {
            fields: (0..width).map(|f| count_field(&hashes, width, f)).collect(),
        }
    }

    /// The share of records holding the value of field `field` of record `record`.
    pub(crate) fn share(&self, record: u32, field: usize) -> Option<f64> {
        let (values, per_record) = self.fields.get(field)?;
        let count = *per_record.get(record as usize)?;
        (count > 0).then(|| share_of(count, values.total))
    }

    /// The distinct values' counts, per field, without the per-record counts.
    pub(crate) fn into_values(self) -> Vec<CountedValues> {
        self.fields.into_iter().map(|(values, _)| values).collect()
    }
}

/// Counts of field `f` from every record's value hashes, `width` per record: records sorted by
/// value hash, so that each value is a run.
fn count_field(hashes: &[u64], width: usize, f: usize) -> (CountedValues, Vec<u32>) {
    let records = hashes.len() / width;
    let mut keyed: Vec<(u64, u32)> = hashes
        .par_iter()
        .skip(f)
        .step_by(width)
        .enumerate()
        .filter(|&(_, &hash)| hash != EMPTY)
        .map(|(i, &hash)| (hash, i as u32))
        .collect();
    keyed.par_sort_unstable();
    let mut values = CountedValues {
        total: keyed.len() as u64,
        ..CountedValues::default()
    };
    let mut per_record = vec![0; records];
    for run in keyed.chunk_by(|x, y| x.0 == y.0) {
        let count = run.len() as u32;
        values.hashes.push(run[0].0);
        values.counts.push(count);
        for &(_, record) in run {
            per_record[record as usize] = count;
        }
    }
    (values, per_record)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dedup::kind::FieldKind;

    #[test]
    fn batch_counts_agree_with_live_counts() {
        let kinds = [FieldKind::Surname, FieldKind::Postcode];
        let cells = [
            [Some("smith"), Some("2000")],
            [Some("jones"), None],
            [Some("smith"), Some("2001")],
            [None, Some("2000")],
        ];
        let records: Vec<Prepared> = cells.iter().map(|c| Prepared::new(&kinds, c)).collect();
        let batch = BatchCounts::new(&records, kinds.len());
        let mut live = vec![ValueFrequencies::default(); kinds.len()];
        for record in &records {
            for (f, value) in record.values().enumerate() {
                if let Some(v) = value {
                    live[f].add(v.text);
                }
            }
        }
        assert_eq!(batch.share(0, 0), Some(2.0 / 3.0));
        assert_eq!(batch.share(1, 1), None, "an empty field has no share");
        let values = batch.into_values();
        for (f, record) in records.iter().flat_map(|r| r.values().enumerate()) {
            if let Some(v) = record {
                assert_eq!(values[f].share(v.text), live[f].share(v.text), "{}", v.text);
            }
        }
        assert_eq!(values[1].share("9999"), None);
        live[0].remove("smith");
        assert_eq!(live[0].share("smith"), Some(0.5));
    }
}
