//! One record scored against many candidates (a lookup in the live index, a check against
//! stored candidates): what depends on the probe alone — its values and how common each of
//! them is — is found once, not once per candidate.

use std::cell::OnceCell;

use crate::dedup::batch::{Deduper, Explanation};
use crate::dedup::model::probability;
use crate::dedup::prepare::Prepared;
use crate::dedup::score::{Agreement, Scorer};

/// A probe ready to be scored against candidates; `S` gives the share of records holding the
/// probe's value of a field, as in [`Scorer`].
pub(crate) struct Probe<'a, S> {
    deduper: &'a Deduper,
    scorer: &'a Scorer<'a>,
    /// The probe.
    record: &'a Prepared,
    share: S,
    /// Per field, the share once asked: only fields some candidate agrees on exactly ask.
    shares: Vec<OnceCell<Option<f64>>>,
    /// The agreements with the candidate last scored, kept to explain it.
    agreements: Vec<Option<Agreement>>,
}

impl<'a, S: Fn(usize) -> Option<f64>> Probe<'a, S> {
    /// `record` scored by `deduper` under `scorer`, with `share` as in [`Scorer`] (asked at
    /// most once per field).
    pub(crate) fn new(
        deduper: &'a Deduper,
        scorer: &'a Scorer<'a>,
        record: &'a Prepared,
        share: S,
    ) -> Probe<'a, S> {
        let fields = deduper.fields().len();
        Probe {
            deduper,
            scorer,
            shares: vec![OnceCell::new(); fields],
            agreements: Vec::with_capacity(fields),
            record,
            share,
        }
    }

    /// The probability that `candidate` is the same entity, with its explanation, when it is
    /// at least `min_probability`.
    pub(crate) fn score(
        &mut self,
        candidate: &Prepared,
        min_probability: f64,
    ) -> Option<(f64, Explanation)> {
        self.agreements.clear();
        self.agreements
            .extend(self.deduper.agreements(self.record, candidate));
        let (shares, share) = (&self.shares, &self.share);
        let share = |f: usize| *shares.get(f)?.get_or_init(|| share(f));
        let p = probability(self.scorer.weight(self.agreements.iter().copied(), share));
        (p >= min_probability).then(|| {
            let explanation = self
                .deduper
                .explanation_of(self.scorer, &self.agreements, share);
            (p, explanation)
        })
    }
}
