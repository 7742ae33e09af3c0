//! The Fellegi–Sunter model: for each field, how likely each agreement level is among true
//! matches (`m`) and among non-matches (`u`); a pair's match weight is the sum of
//! `log2(m / u)` over its fields plus the prior odds.
//!
//! `u` is estimated from random pairs (almost all of which are non-matches), `m` and the prior
//! by expectation–maximisation over the candidate pairs, without labels — the approach Splink
//! takes, which is stable because `u` stays fixed while `m` is learned. Exact agreement on a
//! common value ("张伟", "smith") is worth less than on a rare one: the term-frequency
//! adjustment replaces `u` for exact agreement by the value's own frequency.

use serde::{Deserialize, Serialize};

/// Agreement levels of one pair, one per field; `None` where either side is missing.
pub type Gamma = Vec<Option<u8>>;

/// m and u for one field, indexed by level.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldParams {
    /// P(level | match).
    pub m: Vec<f64>,
    /// P(level | non-match).
    pub u: Vec<f64>,
}

/// The smallest prior a model takes: one match in 10^12 random pairs (a file of millions with
/// a handful of duplicates).
pub(crate) const MIN_PRIOR: f64 = 1e-12;

/// Probabilities are kept inside `[FLOOR, 1 - FLOOR]` so no weight is infinite.
const FLOOR: f64 = 1e-6;

impl FieldParams {
    /// Uniform `u`, and `m` that favours the highest levels: the starting point of EM.
    pub fn initial(levels: u8) -> FieldParams {
        let n = usize::from(levels.max(2));
        let m = (0..n)
            .map(|l| {
                if l + 1 == n {
                    0.8
                } else {
                    0.2 / (n - 1) as f64
                }
            })
            .collect();
        FieldParams {
            m,
            u: vec![1.0 / n as f64; n],
        }
    }

    /// `log2(m / u)` of `level`.
    pub fn weight(&self, level: u8) -> f64 {
        let l = usize::from(level);
        (clamp(self.m[l]) / clamp(self.u[l])).log2()
    }

    /// The weight of exact agreement on a value that a fraction `frequency` of records hold.
    pub fn exact_weight_for_frequency(&self, frequency: f64) -> f64 {
        let top = self.m.len() - 1;
        let u = clamp(frequency).max(FLOOR);
        // A value rarer than the average exact agreement is stronger evidence, a common one
        // weaker; never stronger than ten times the model's own evidence for the level.
        (clamp(self.m[top]) / u)
            .log2()
            .min(self.weight(top as u8) + 10f64.log2())
    }
}

fn clamp(p: f64) -> f64 {
    p.clamp(FLOOR, 1.0 - FLOOR)
}

/// A fitted model over a list of fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Per-field parameters, in field order.
    pub fields: Vec<FieldParams>,
    /// P(match) of a pair of records before looking at its fields: for a model fitted by a
    /// batch run, of two records drawn at random (Splink's λ), since `u` compares with random
    /// pairs; [`Model::fit`] alone leaves the share of matches among its candidates here.
    pub prior: f64,
    /// Per field and level, the group of correlated evidence it belongs to, if any
    /// ([`Evidence`]): the fields that say where an entity is (address, city, province,
    /// postcode) agree together for any two records at one place, a family or two firms in
    /// one building as much as a duplicate, so their agreement counts once; so do a person's
    /// name and the local part of their email at another domain (`michael.price@…`), which
    /// is mostly the name again. Empty: every field independent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<Vec<Option<u8>>>,
}

/// How many groups of correlated fields a model may have.
pub const GROUPS: usize = 4;

/// A pair's evidence added up field by field: disagreements all count, but within a group of
/// correlated fields only the strongest agreement does, since the others say the same thing
/// again (a shared city, given a shared street address, is no further evidence).
#[derive(Debug, Clone, Copy, Default)]
pub struct Evidence {
    sum: f64,
    best: [f64; GROUPS],
}

impl Evidence {
    /// Count `weight` of a field in `group`.
    pub fn add(&mut self, group: Option<u8>, weight: f64) {
        match group {
            Some(g) if weight > 0.0 => {
                let best = &mut self.best[usize::from(g) % GROUPS];
                *best = best.max(weight);
            }
            _ => self.sum += weight,
        }
    }

    /// The evidence counted so far.
    pub fn total(&self) -> f64 {
        self.sum + self.best.iter().sum::<f64>()
    }

    /// Each of `weights` (in field order, with the `groups` their levels put them in) as it
    /// counts towards the total:
    /// within a group, the agreements weaker than its strongest (and those equal to it after
    /// the first) count 0.
    pub fn counted(groups: &[Option<u8>], weights: &mut [f64]) {
        for g in 0..GROUPS as u8 {
            let members =
                || (0..weights.len()).filter(move |&f| groups.get(f).copied().flatten() == Some(g));
            let Some(best) = members()
                .filter(|&f| weights[f] > 0.0)
                .max_by(|&a, &b| weights[a].total_cmp(&weights[b]).then(b.cmp(&a)))
            else {
                continue;
            };
            for f in members() {
                if f != best && weights[f] > 0.0 {
                    weights[f] = 0.0;
                }
            }
        }
    }
}

impl Model {
    /// The prior log-odds plus each present field's weight.
    pub fn weight(&self, gamma: &[Option<u8>]) -> f64 {
        self.weights().weight(gamma)
    }

    /// The weights of every level, computed once: scoring many pairs then needs no logarithm.
    pub fn weights(&self) -> Weights {
        Weights {
            groups: self.groups.clone(),
            prior: {
                // A random pair of a million records matches with odds far below FLOOR.
                let prior = self.prior.clamp(MIN_PRIOR, 1.0 - FLOOR);
                (prior / (1.0 - prior)).log2()
            },
            levels: self
                .fields
                .iter()
                .map(|f| (0..f.m.len() as u8).map(|l| f.weight(l)).collect())
                .collect(),
        }
    }

    /// The model used when there is too little data to learn one: agreement is rare among
    /// non-matches (exact 0.5%, each partial level 1%) and common among matches, and one
    /// candidate pair in twenty is a match.
    pub fn prior_knowledge(levels: &[u8]) -> Model {
        Model {
            fields: levels
                .iter()
                .map(|&n| {
                    let mut params = FieldParams::initial(n);
                    let top = params.u.len() - 1;
                    params.u = (0..=top)
                        .map(|l| match l {
                            0 => 1.0 - 0.005 - 0.01 * (top - 1) as f64,
                            l if l == top => 0.005,
                            _ => 0.01,
                        })
                        .collect();
                    params
                })
                .collect(),
            prior: 0.05,
            groups: Vec::new(),
        }
    }

    /// A model fitted from labelled pairs: `m` from the agreement levels of known matches,
    /// `u` from those of known non-matches, the prior from their ratio (a data team's
    /// reviewed pairs, or a CRM's merge history). Laplace smoothing keeps every level possible.
    pub fn from_labels(levels: &[u8], labelled: &[(Gamma, bool)]) -> Model {
        let distribution = |want: bool| -> Vec<Vec<f64>> {
            levels
                .iter()
                .enumerate()
                .map(|(f, &n)| {
                    let mut counts = vec![1.0; usize::from(n)];
                    for (gamma, _) in labelled.iter().filter(|(_, is_match)| *is_match == want) {
                        if let Some(l) = gamma[f] {
                            counts[usize::from(l)] += 1.0;
                        }
                    }
                    normalise(counts)
                })
                .collect()
        };
        let matches = labelled.iter().filter(|(_, m)| *m).count() as f64;
        Model {
            fields: distribution(true)
                .into_iter()
                .zip(distribution(false))
                .map(|(m, u)| FieldParams { m, u })
                .collect(),
            prior: ((matches + 1.0) / (labelled.len() as f64 + 2.0)).clamp(1e-4, 0.9999),
            groups: Vec::new(),
        }
    }

    /// Estimate `u` from agreement levels of random pairs.
    pub fn estimate_u(levels: &[u8], random_pairs: &[Gamma]) -> Vec<Vec<f64>> {
        levels
            .iter()
            .enumerate()
            .map(|(f, &n)| {
                let mut counts = vec![1.0; usize::from(n)]; // Laplace smoothing
                for gamma in random_pairs {
                    if let Some(l) = gamma[f] {
                        counts[usize::from(l)] += 1.0;
                    }
                }
                normalise(counts)
            })
            .collect()
    }

    /// Fit `m` and the prior by EM over `candidates` — distinct agreement patterns with how
    /// many pairs show each — keeping `u` fixed. `prior` is the starting guess of the fraction
    /// of candidate pairs that match; `groups` are the fields' levels' [groups](Model::groups);
    /// `max_disagreement` bounds each field's `m` of disagreement ([`MAX_M_DISAGREEMENT`]
    /// for a field it does not list).
    pub fn fit(
        levels: &[u8],
        groups: &[Vec<Option<u8>>],
        max_disagreement: &[f64],
        u: Vec<Vec<f64>>,
        candidates: &[(Gamma, f64)],
        prior: f64,
        iterations: usize,
    ) -> Model {
        let mut model = Model {
            groups: groups.to_vec(),
            fields: levels
                .iter()
                .zip(u)
                .map(|(&n, u)| FieldParams {
                    u,
                    ..FieldParams::initial(n)
                })
                .collect(),
            prior,
        };
        if candidates.is_empty() {
            return model;
        }
        let pairs: f64 = candidates.iter().map(|(_, count)| count).sum();
        for _ in 0..iterations {
            let weights = model.weights();
            // Expected matches per pattern: its match probability times how often it occurs.
            let expected: Vec<f64> = candidates
                .iter()
                .map(|(g, count)| count * probability(weights.weight(g)))
                .collect();
            let total: f64 = expected.iter().sum();
            let mut next = model.clone();
            next.prior = (total / pairs).clamp(1e-4, 0.9999);
            for (f, field) in next.fields.iter_mut().enumerate() {
                let mut counts = vec![1e-3; field.m.len()];
                for ((gamma, _), p) in candidates.iter().zip(&expected) {
                    if let Some(l) = gamma[f] {
                        counts[usize::from(l)] += p;
                    }
                }
                let cap = max_disagreement
                    .get(f)
                    .copied()
                    .unwrap_or(MAX_M_DISAGREEMENT);
                field.m = cap_disagreement(normalise(counts), cap);
            }
            let converged = next
                .fields
                .iter()
                .zip(&model.fields)
                .all(|(a, b)| a.m.iter().zip(&b.m).all(|(x, y)| (x - y).abs() < 1e-4));
            model = next;
            if converged {
                break;
            }
        }
        for field in &mut model.fields {
            field.m = at_least_disagreement(std::mem::take(&mut field.m), &field.u);
        }
        model
    }
}

/// A model's weights per field and level, and its prior log-odds.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    /// The prior log-odds.
    pub prior: f64,
    /// `log2(m / u)` per field, per level.
    pub levels: Vec<Vec<f64>>,
    /// The model's [groups](Model::groups) of correlated evidence, per field and level.
    pub groups: Vec<Vec<Option<u8>>>,
}

impl Weights {
    /// The prior plus each present field's weight, correlated agreement counted once
    /// ([`Evidence`]).
    pub fn weight(&self, gamma: &[Option<u8>]) -> f64 {
        let mut evidence = Evidence::default();
        for (f, (level, table)) in gamma.iter().zip(&self.levels).enumerate() {
            if let Some(l) = level {
                evidence.add(self.group(f, *l), table[usize::from(*l)]);
            }
        }
        self.prior + evidence.total()
    }

    /// The group of field `f` agreeing at `level`, if any.
    pub fn group(&self, f: usize, level: u8) -> Option<u8> {
        self.groups
            .get(f)
            .and_then(|levels| levels.get(usize::from(level)))
            .copied()
            .flatten()
    }
}

/// The most EM may believe true duplicates disagree outright on a field, unless told
/// otherwise per field ([`FieldKind::max_disagreement`](crate::dedup::FieldKind::max_disagreement)).
/// Without a bound, a file with few duplicates lets EM take a common coincidence for the match class — pairs
/// that share only a frequent contact name (「黄明」) and differ in company, phones and email —
/// because nothing in unlabelled data says duplicates should agree on the rest. Real
/// duplicates mostly agree, or partly agree, on each field they both fill; the bound costs
/// a true duplicate at most one bit per field it really disagrees on.
pub const MAX_M_DISAGREEMENT: f64 = 0.2;

/// `m` with the disagreement level (level 0) at most [`MAX_M_DISAGREEMENT`], the rest scaled
/// to keep the sum 1.
fn cap_disagreement(mut m: Vec<f64>, cap: f64) -> Vec<f64> {
    if m.len() < 2 || m[0] <= cap {
        return m;
    }
    let rest: f64 = m[1..].iter().sum();
    let scale = (1.0 - cap) / rest;
    m[0] = cap;
    m[1..].iter_mut().for_each(|p| *p *= scale);
    m
}

/// `m` raised where needed so that no level of agreement weighs less than disagreement: a
/// level that few candidates reach (two typos in a phone, a close spelling) would otherwise
/// get an `m` near 0 and count as stronger evidence against a match than outright
/// disagreement, which no one tuning the model can make sense of. Exact agreement may still
/// weigh less than a partial level: random pairs share a common street name more often than
/// they nearly share it. Renormalised, which scales every level alike.
fn at_least_disagreement(mut m: Vec<f64>, u: &[f64]) -> Vec<f64> {
    let Some(floor) = m.first().zip(u.first()).map(|(m, u)| m / u) else {
        return m;
    };
    for (m, u) in m.iter_mut().zip(u).skip(1) {
        *m = m.max(floor * u);
    }
    normalise(m)
}

fn normalise(counts: Vec<f64>) -> Vec<f64> {
    let sum: f64 = counts.iter().sum();
    counts.into_iter().map(|c| c / sum).collect()
}

/// The match probability of a log2 Bayes factor.
pub fn probability(weight: f64) -> f64 {
    1.0 / (1.0 + (-weight).exp2())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two binary fields; matches agree 90% of the time, non-matches 10%.
    fn synthetic() -> (Vec<Gamma>, Vec<Gamma>) {
        let mut candidates = Vec::new();
        for i in 0..1000_u32 {
            let is_match = i % 4 == 0;
            let agree = |salt: u32| {
                let roll = (i.wrapping_mul(2_654_435_761).wrapping_add(salt * 97)) % 100;
                u8::from(if is_match { roll < 90 } else { roll < 10 })
            };
            candidates.push(vec![Some(agree(1)), Some(agree(2))]);
        }
        let random = (0..1000_u32)
            .map(|i| vec![Some(u8::from(i % 10 == 0)), Some(u8::from(i % 10 == 3))])
            .collect();
        (candidates, random)
    }

    #[test]
    fn em_recovers_m_and_prior_without_labels() {
        let (candidates, random) = synthetic();
        let levels = [2, 2];
        let u = Model::estimate_u(&levels, &random);
        let weighted: Vec<(Gamma, f64)> = candidates.into_iter().map(|g| (g, 1.0)).collect();
        let model = Model::fit(&levels, &[], &[], u, &weighted, 0.1, 100);
        assert!((model.prior - 0.25).abs() < 0.08, "prior {}", model.prior);
        for field in &model.fields {
            assert!(field.m[1] > 0.8, "m {:?}", field.m);
            assert!(field.u[1] < 0.15, "u {:?}", field.u);
        }
        let both = model.weight(&[Some(1), Some(1)]);
        let none = model.weight(&[Some(0), Some(0)]);
        assert!(probability(both) > 0.9 && probability(none) < 0.05);
        assert_eq!(model.weight(&[None, None]), model.weight(&[]));
    }

    #[test]
    fn labelled_pairs_give_m_u_and_prior() {
        let (candidates, _) = synthetic();
        let labelled: Vec<(Gamma, bool)> = candidates
            .into_iter()
            .enumerate()
            .map(|(i, g)| (g, i % 4 == 0))
            .collect();
        let model = Model::from_labels(&[2, 2], &labelled);
        assert!((model.prior - 0.25).abs() < 0.01, "prior {}", model.prior);
        for field in &model.fields {
            assert!((field.m[1] - 0.9).abs() < 0.05, "m {:?}", field.m);
            assert!((field.u[1] - 0.1).abs() < 0.05, "u {:?}", field.u);
        }
    }

    #[test]
    fn correlated_agreement_counts_once_and_disagreement_always() {
        let groups = [None, Some(0), Some(0), Some(0)];
        let mut evidence = Evidence::default();
        for (group, weight) in groups.iter().zip([3.0, 5.0, 8.0, -2.0]) {
            evidence.add(*group, weight);
        }
        assert_eq!(evidence.total(), 3.0 + 8.0 - 2.0);
        let mut weights = [3.0, 5.0, 8.0, -2.0];
        Evidence::counted(&groups, &mut weights);
        assert_eq!(weights, [3.0, 0.0, 8.0, -2.0]);
        assert_eq!(weights.iter().sum::<f64>(), evidence.total());
        let mut tied = [1.0, 4.0, 4.0, 4.0];
        Evidence::counted(&groups, &mut tied);
        assert_eq!(tied, [1.0, 4.0, 0.0, 0.0], "the first of equals counts");
    }

    #[test]
    fn no_agreement_weighs_less_than_disagreement() {
        let u = [0.9, 0.05, 0.03, 0.02];
        let m = at_least_disagreement(vec![0.1, 0.0001, 0.2, 0.6999], &u);
        let weights: Vec<f64> = m.iter().zip(u).map(|(m, u)| (m / u).log2()).collect();
        assert!(
            weights[1..].iter().all(|w| *w >= weights[0] - 1e-12),
            "{weights:?}"
        );
        assert!((m.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        let already = vec![0.1, 0.2, 0.7];
        assert_eq!(
            at_least_disagreement(already.clone(), &[0.8, 0.15, 0.05]),
            already
        );
    }

    #[test]
    fn rare_values_weigh_more_than_common_ones() {
        let field = FieldParams {
            m: vec![0.1, 0.9],
            u: vec![0.99, 0.01],
        };
        assert!(field.exact_weight_for_frequency(0.0001) > field.exact_weight_for_frequency(0.05));
        assert!(field.exact_weight_for_frequency(0.05) < field.weight(1));
    }
}
