//! Scoring a pair under a fitted model, shared by the batch engine and the live index so that
//! scores, clusters and explanations always agree.

use crate::dedup::model::{Evidence, Model, Weights};

/// How one field of two records agrees: its level, and whether the two values are the same
/// text, where agreement weighs by how rare that value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Agreement {
    /// The comparator's level.
    pub(crate) level: u8,
    /// Whether both values are the same normalised text (a pinyin variant agreeing is not).
    pub(crate) same_value: bool,
}

/// Marks a packed [`Agreement`] whose values are the same text; levels stay far below it.
const SAME_VALUE: u8 = 0x80;

/// A missing field in a buffer of packed agreements, one byte per field.
const MISSING: u8 = u8::MAX;

impl Agreement {
    /// One byte for an agreement or a missing field, so that a batch keeps millions of pairs'
    /// agreements in one flat buffer.
    pub(crate) fn pack(agreement: Option<Agreement>) -> u8 {
        agreement.map_or(MISSING, |a| {
            debug_assert!(a.level < SAME_VALUE, "levels are small");
            a.level | if a.same_value { SAME_VALUE } else { 0 }
        })
    }

    /// The agreement [`pack`](Self::pack) made `byte` of.
    pub(crate) fn unpack(byte: u8) -> Option<Agreement> {
        (byte != MISSING).then_some(Agreement {
            level: byte & !SAME_VALUE,
            same_value: byte & SAME_VALUE != 0,
        })
    }
}

/// A fitted model with its precomputed weights.
///
/// Exact agreement on a value is weighed by that value's rarity when its share of records is
/// known: each method takes `share`, the share of records holding the first record's value of
/// a field (`None` when not counted), asked only for fields at the top level whose values are
/// the same text.
pub(crate) struct Scorer<'a> {
    model: &'a Model,
    weights: &'a Weights,
}

impl<'a> Scorer<'a> {
    pub(crate) fn new(model: &'a Model, weights: &'a Weights) -> Self {
        Scorer { model, weights }
    }

    /// The prior log-odds.
    pub(crate) fn prior(&self) -> f64 {
        self.weights.prior
    }

    /// The prior plus every field's contribution, correlated agreement counted once
    /// ([`Evidence`]).
    pub(crate) fn weight(
        &self,
        agreements: impl IntoIterator<Item = Option<Agreement>>,
        share: impl Fn(usize) -> Option<f64>,
    ) -> f64 {
        let mut evidence = Evidence::default();
        for (f, agreement) in agreements.into_iter().enumerate() {
            if let Some(agreement) = agreement {
                evidence.add(
                    self.weights.group(f, agreement.level),
                    self.field_weight(f, agreement, &share),
                );
            }
        }
        self.weights.prior + evidence.total()
    }

    /// Each field's level and the weight it counts with (`None` when missing): they add up to
    /// [`weight`](Self::weight) less the prior.
    pub(crate) fn contributions(
        &self,
        agreements: &[Option<Agreement>],
        share: impl Fn(usize) -> Option<f64>,
    ) -> Vec<Option<(u8, f64)>> {
        let mut weights: Vec<f64> = agreements
            .iter()
            .enumerate()
            .map(|(f, agreement)| agreement.map_or(0.0, |a| self.field_weight(f, a, &share)))
            .collect();
        let groups: Vec<Option<u8>> = agreements
            .iter()
            .enumerate()
            .map(|(f, agreement)| self.weights.group(f, agreement.as_ref()?.level))
            .collect();
        Evidence::counted(&groups, &mut weights);
        agreements
            .iter()
            .zip(weights)
            .map(|(agreement, weight)| Some((agreement.as_ref()?.level, weight)))
            .collect()
    }

    /// The weight of field `f` at `agreement`.
    fn field_weight(
        &self,
        f: usize,
        agreement: Agreement,
        share: &impl Fn(usize) -> Option<f64>,
    ) -> f64 {
        let params = &self.model.fields[f];
        let level = usize::from(agreement.level);
        let top = level + 1 == params.m.len();
        match (top && agreement.same_value).then(|| share(f)).flatten() {
            Some(share) => params.exact_weight_for_frequency(share),
            None => self.weights.levels[f][level],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agreements_pack_into_one_byte_and_back() {
        for level in 0..4 {
            for same_value in [false, true] {
                let agreement = Some(Agreement { level, same_value });
                assert_eq!(Agreement::unpack(Agreement::pack(agreement)), agreement);
            }
        }
        assert_eq!(Agreement::unpack(Agreement::pack(None)), None);
    }
}
