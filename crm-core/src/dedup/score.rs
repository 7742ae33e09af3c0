//! Scoring a pair under a fitted model, shared by the batch engine and the live index so that
//! scores, clusters and explanations always agree.

use std::collections::HashMap;

use crate::dedup::model::{Model, Weights};
use crate::dedup::prepare::Prepared;

/// A fitted model with its precomputed weights and the value frequencies behind the
/// term-frequency adjustment (empty when there are too few records to trust them).
pub(crate) struct Scorer<'a> {
    model: &'a Model,
    weights: &'a Weights,
    frequencies: &'a [ValueFrequencies],
}

impl<'a> Scorer<'a> {
    pub(crate) fn new(
        model: &'a Model,
        weights: &'a Weights,
        frequencies: &'a [ValueFrequencies],
    ) -> Self {
        Scorer {
            model,
            weights,
            frequencies,
        }
    }

    /// The prior log-odds.
    pub(crate) fn prior(&self) -> f64 {
        self.weights.prior
    }

    /// The prior plus every field's contribution.
    pub(crate) fn weight(&self, gamma: &[Option<u8>], a: &Prepared, b: &Prepared) -> f64 {
        self.weights.prior
            + self
                .contributions(gamma, a, b)
                .iter()
                .flatten()
                .map(|(_, w)| w)
                .sum::<f64>()
    }

    /// Each field's level and weight (`None` when missing); exact agreement on a value is
    /// weighed by that value's rarity when frequencies are known.
    pub(crate) fn contributions(
        &self,
        gamma: &[Option<u8>],
        a: &Prepared,
        b: &Prepared,
    ) -> Vec<Option<(u8, f64)>> {
        gamma
            .iter()
            .enumerate()
            .map(|(f, &level)| {
                let level = level?;
                let params = &self.model.fields[f];
                let top = usize::from(level) + 1 == params.m.len();
                let share = a.values[f]
                    .as_ref()
                    .zip(b.values[f].as_ref())
                    .filter(|(x, y)| top && x.text == y.text)
                    .and_then(|(x, _)| x.share.or_else(|| self.frequencies.get(f)?.share(&x.text)));
                let weight = match share {
                    Some(share) => params.exact_weight_for_frequency(share),
                    None => self.weights.levels[f][usize::from(level)],
                };
                Some((level, weight))
            })
            .collect()
    }
}

/// How often each value of one field occurs among the records that have the field.
#[derive(Debug, Clone, Default)]
pub(crate) struct ValueFrequencies {
    counts: HashMap<String, u32>,
    total: u64,
}

impl ValueFrequencies {
    /// Count one more record holding `value`.
    pub(crate) fn add(&mut self, value: &str) {
        *self.counts.entry(value.to_owned()).or_default() += 1;
        self.total += 1;
    }

    /// Count one record fewer holding `value`.
    pub(crate) fn remove(&mut self, value: &str) {
        if let Some(count) = self.counts.get_mut(value) {
            *count -= 1;
            self.total -= 1;
            if *count == 0 {
                self.counts.remove(value);
            }
        }
    }

    /// The share of records holding `value`.
    pub(crate) fn share(&self, value: &str) -> Option<f64> {
        self.counts
            .get(value)
            .map(|&c| f64::from(c) / self.total.max(1) as f64)
    }
}
