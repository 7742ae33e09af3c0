//! Scoring a pair under a fitted model, shared by the batch engine and the live index so that
//! scores, clusters and explanations always agree.

use crate::dedup::model::{Model, Weights};
use crate::dedup::prepare::Prepared;

/// A fitted model with its precomputed weights.
///
/// Exact agreement on a value is weighed by that value's rarity when its share of records is
/// known: each method takes `share`, the share of records holding the first record's value of
/// a field (`None` when not counted), asked only for fields where both values are equal.
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

    /// The prior plus every field's contribution.
    pub(crate) fn weight(
        &self,
        gamma: impl IntoIterator<Item = Option<u8>>,
        a: &Prepared,
        b: &Prepared,
        share: impl Fn(usize) -> Option<f64>,
    ) -> f64 {
        self.weights.prior
            + gamma
                .into_iter()
                .enumerate()
                .filter_map(|(f, level)| Some(self.field_weight(f, level?, a, b, &share)))
                .sum::<f64>()
    }

    /// Each field's level and weight (`None` when missing).
    pub(crate) fn contributions(
        &self,
        gamma: &[Option<u8>],
        a: &Prepared,
        b: &Prepared,
        share: impl Fn(usize) -> Option<f64>,
    ) -> Vec<Option<(u8, f64)>> {
        gamma
            .iter()
            .enumerate()
            .map(|(f, &level)| {
                let level = level?;
                Some((level, self.field_weight(f, level, a, b, &share)))
            })
            .collect()
    }

    /// The weight of field `f` at `level`.
    fn field_weight(
        &self,
        f: usize,
        level: u8,
        a: &Prepared,
        b: &Prepared,
        share: &impl Fn(usize) -> Option<f64>,
    ) -> f64 {
        let params = &self.model.fields[f];
        let top = usize::from(level) + 1 == params.m.len();
        let equal = || (a.value(f).zip(b.value(f))).is_some_and(|(x, y)| x.text == y.text);
        match (top && equal()).then(|| share(f)).flatten() {
            Some(share) => params.exact_weight_for_frequency(share),
            None => self.weights.levels[f][usize::from(level)],
        }
    }
}
