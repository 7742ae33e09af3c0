//! Batch duplicate detection over a whole dataset:
//! `prepare -> block -> compare -> fit (EM) -> score -> cluster`.
//!
//! ```
//! use crm_core::dedup::{Deduper, FieldSpec, FieldKind};
//! let fields = vec![
//!     FieldSpec::new("company", FieldKind::CompanyName),
//!     FieldSpec::new("phone", FieldKind::Phone),
//! ];
//! let rows: Vec<Vec<Option<String>>> = [
//!     ["北京华为技术有限公司", "010-62345678"],
//!     ["华为技术（北京）有限公司", "(010)6234 5678"],
//!     ["上海华为技术有限公司", "021-52345678"],
//!     ["苏州恒瑞精密机械有限公司", "0512-66881234"],
//! ]
//! .iter()
//! .map(|r| r.iter().map(|c| Some(c.to_string())).collect())
//! .collect();
//! let outcome = Deduper::new(fields).run(&rows, None);
//! assert_eq!(outcome.clusters, vec![vec![0, 1]]);
//! ```

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::dedup::cluster::{Linkage, cluster};
use crate::dedup::compare::{Comparator, FNV_OFFSET, fnv1a_extend};
use crate::dedup::frequency::{BatchCounts, CountedValues};
use crate::dedup::index::Match;
use crate::dedup::kind::FieldKind;
use crate::dedup::model::{Gamma, MIN_PRIOR, Model, probability};
use crate::dedup::prepare::{
    NEIGHBOURHOOD_RULE, Prepared, bit, blocking_keys, for_each_key, key_sources, level,
    sort_fields, sort_key,
};
use crate::dedup::probe::Probe;
use crate::dedup::score::{Agreement, Scorer};
use crate::dedup::zone::{Zone, Zones};

/// A field to compare: its column name and kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldSpec {
    /// The column name, used in explanations.
    pub name: String,
    /// How the field is normalised, blocked and compared.
    pub kind: FieldKind,
}

impl FieldSpec {
    /// A field `name` of `kind`.
    pub fn new(name: impl Into<String>, kind: FieldKind) -> FieldSpec {
        FieldSpec {
            name: name.into(),
            kind,
        }
    }
}

/// Tuning knobs; the defaults work without tuning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DedupConfig {
    /// The match and possible thresholds: clusters join records in the match zone only.
    pub zones: Zones,
    /// Blocks (records sharing one key) larger than this are left to the sorted-neighbourhood
    /// pass instead of being compared all against all.
    pub max_block: usize,
    /// Sorted-neighbourhood window: each record is compared with this many that follow it.
    pub window: usize,
    /// Random pairs sampled to estimate `u`.
    pub random_pairs: usize,
    /// EM iterations at most.
    pub em_iterations: usize,
    /// Seed of the random-pair sampler; the result is deterministic for a seed.
    pub seed: u64,
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            zones: Zones::default(),
            max_block: 32,
            window: 6,
            random_pairs: 20_000,
            em_iterations: 100,
            seed: 0x5eed,
        }
    }
}

/// One candidate pair and its score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScoredPair {
    /// The first record (index into the input).
    pub a: u32,
    /// The second record.
    pub b: u32,
    /// log2 Bayes factor including the prior.
    pub weight: f64,
    /// Match probability.
    pub probability: f64,
    /// The zone it falls in: the match zone needs the company names not to disagree.
    pub zone: Zone,
}

/// Why two records scored as they did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// Per field: its level, what the level means and its weight.
    pub fields: Vec<FieldExplanation>,
    /// The prior log-odds.
    pub prior_weight: f64,
    /// The total weight.
    pub weight: f64,
    /// The match probability.
    pub probability: f64,
}

/// One field's part in an [`Explanation`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldExplanation {
    /// The field name.
    pub field: String,
    /// The agreement level; `None` when either side is empty.
    pub level: Option<u8>,
    /// What the level means, e.g. `exact` or `jaro-winkler ≥ 0.94`.
    pub meaning: &'static str,
    /// Its weight (0 when missing).
    pub weight: f64,
}

/// The result of a batch run.
#[derive(Debug, Clone)]
pub struct DedupOutcome {
    /// Every candidate pair with its score.
    pub pairs: Vec<ScoredPair>,
    /// Clusters of two or more records judged the same entity.
    pub clusters: Vec<Vec<u32>>,
    /// The fitted model.
    pub model: Model,
    /// How many pairs could have been compared (all pairs, or all cross-source pairs).
    pub comparable_pairs: u64,
    /// Value frequencies behind the term-frequency adjustment (empty for small datasets).
    frequencies: Vec<CountedValues>,
}

/// The batch engine for one list of fields.
#[derive(Debug, Clone)]
pub struct Deduper {
    fields: Vec<FieldSpec>,
    kinds: Vec<FieldKind>,
    comparators: Vec<Comparator>,
    /// See [`key_sources`].
    key_sources: Vec<(u16, u64)>,
    /// The fields, as bits of their indexes, that name the entity itself (company names):
    /// a pair disagreeing on one is never in the match zone ([`Zones::zone`]).
    entity_names: u64,
    /// The first given name and surname fields, when there are both: people's names are
    /// typed the other way round, which [`swapped_level`](Self::swapped_level) recognises.
    name_fields: Option<[usize; 2]>,
    config: DedupConfig,
}

/// The level one cross comparison of swapped given name and surname must reach (the strong
/// partial level of the name comparators) for the names to count as swapped.
const SWAPPED_NAME_LEVEL: u8 = 2;

/// Below this many records, `u` from random pairs and `m` from EM are noise: the engine uses
/// [`Model::prior_knowledge`] instead.
pub(crate) const MIN_RECORDS_TO_LEARN: usize = 100;

/// The distinct agreement patterns EM learns from, with how many candidates show each. A
/// field that a pair's blocking key forced to agree says nothing about whether the pair
/// matches, so it counts as missing for that pair (as Splink trains per blocking rule).
/// `sources` are the key sources the candidates point into (see [`key_sources`]).
fn training_patterns(
    candidates: &[Candidate],
    sources: &[(u16, u64)],
    agreements: &[u8],
    width: usize,
) -> Vec<(Gamma, f64)> {
    let mut counts: HashMap<Gamma, f64> = HashMap::new();
    let mut pattern: Gamma = vec![None; width];
    for (c, packed) in candidates.iter().zip(agreements.chunks(width)) {
        let (_, forced_fields) = sources[usize::from(c.source)];
        for (f, (out, &agreement)) in pattern.iter_mut().zip(packed).enumerate() {
            let forced = forced_fields & 1_u64.checked_shl(f as u32).unwrap_or(0) != 0;
            *out = if forced {
                None
            } else {
                Agreement::unpack(agreement).map(|a| a.level)
            };
        }
        match counts.get_mut(&pattern) {
            Some(count) => *count += 1.0,
            None => {
                counts.insert(pattern.clone(), 1.0);
            }
        }
    }
    let mut patterns: Vec<(Gamma, f64)> = counts.into_iter().collect();
    // A stable order keeps the fitted model identical from run to run.
    patterns.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    patterns
}

/// A pair `(a, b)`, `a < b`, to compare, with where it was found: an index into the batch's
/// [`key_sources`], which orders as their rules do and tells the fields its blocking key made
/// agree by construction. Twelve bytes, as a batch holds millions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    a: u32,
    b: u32,
    source: u16,
}

/// A blocking key of a record in a batch: its hash, the record and the key's index into the
/// batch's [`key_sources`].
type RecordKey = (u64, u32, u16);

/// One hash of two key hashes, in their order.
fn fnv1a_mix(first: u64, second: u64) -> u64 {
    fnv1a_extend(
        fnv1a_extend(FNV_OFFSET, &first.to_le_bytes()),
        &second.to_le_bytes(),
    )
}

/// Small deterministic generator for sampling random pairs (xorshift64*).
struct Sampler(u64);

impl Sampler {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n as u64) as usize
    }
}

impl Deduper {
    /// An engine for `fields` with the default configuration.
    pub fn new(fields: Vec<FieldSpec>) -> Deduper {
        Deduper::with_config(fields, DedupConfig::default())
    }

    /// An engine for `fields` with `config`.
    pub fn with_config(fields: Vec<FieldSpec>, config: DedupConfig) -> Deduper {
        let kinds: Vec<FieldKind> = fields.iter().map(|f| f.kind).collect();
        let comparators = kinds.iter().map(|&k| Comparator::for_kind(k)).collect();
        let entity_names = kinds
            .iter()
            .enumerate()
            .filter(|(_, kind)| kind.names_the_entity())
            .fold(0, |bits, (f, _)| bits | bit(f));
        let first = |kind: FieldKind| kinds.iter().position(|&k| k == kind);
        let name_fields = first(FieldKind::GivenName).zip(first(FieldKind::Surname));
        Deduper {
            key_sources: key_sources(&kinds),
            entity_names,
            name_fields: name_fields.map(|(given, surname)| [given, surname]),
            fields,
            kinds,
            comparators,
            config,
        }
    }

    /// The fields compared.
    pub fn fields(&self) -> &[FieldSpec] {
        &self.fields
    }

    /// The match and possible thresholds.
    pub fn zones(&self) -> Zones {
        self.config.zones
    }

    /// The zone of a pair with `probability` whose fields agree at `levels` (in field
    /// order, `None` where either side is empty).
    pub fn zone(&self, probability: f64, levels: impl IntoIterator<Item = Option<u8>>) -> Zone {
        self.config
            .zones
            .zone(probability, self.names_agree(levels))
    }

    /// Whether no field naming the entity disagrees outright at `levels`.
    fn names_agree(&self, levels: impl IntoIterator<Item = Option<u8>>) -> bool {
        levels
            .into_iter()
            .enumerate()
            .all(|(f, level)| level != Some(0) || self.entity_names & bit(f) == 0)
    }

    /// Normalise one record's cells (in field order).
    pub fn prepare(&self, cells: &[Option<String>]) -> Prepared {
        let cells: Vec<Option<&str>> = cells.iter().map(|c| c.as_deref()).collect();
        Prepared::new(&self.kinds, &cells)
    }

    /// Normalise many records (cells in field order), in parallel.
    pub fn prepare_all(&self, records: &[Vec<Option<String>>]) -> Vec<Prepared> {
        records.par_iter().map(|r| self.prepare(r)).collect()
    }

    /// Normalise many records whose cells lie back to back in `cells`, one per field and
    /// record in field order, in parallel. The cells may borrow from any buffer, so that a
    /// reader of a large file need not own a `String` per cell.
    ///
    /// # Panics
    ///
    /// When `cells` does not hold a whole number of records.
    pub fn prepare_flat(&self, cells: &[Option<&str>]) -> Vec<Prepared> {
        let width = self.kinds.len().max(1);
        assert!(
            cells.len().is_multiple_of(width),
            "{} cells are no whole number of records of {width} fields",
            cells.len()
        );
        cells
            .par_chunks(width)
            .map(|record| Prepared::new(&self.kinds, record))
            .collect()
    }

    /// Deduplicate `records` (cells in field order). With `sources`, a record linkage: only
    /// pairs from different sources are compared, and a cluster holds at most one record of
    /// each source.
    pub fn run(&self, records: &[Vec<Option<String>>], sources: Option<&[u8]>) -> DedupOutcome {
        self.run_inner(&self.prepare_all(records), sources, None)
    }

    /// [`run`](Self::run) over records already prepared (by [`prepare`](Self::prepare) or
    /// [`prepare_all`](Self::prepare_all)), so that a caller can read a large input in parts
    /// without holding its raw cells.
    pub fn run_prepared(&self, records: &[Prepared], sources: Option<&[u8]>) -> DedupOutcome {
        self.run_inner(records, sources, None)
    }

    /// [`run`](Self::run) scoring with `model` (e.g. from [`Deduper::fit_labelled`]) instead
    /// of fitting one without labels.
    pub fn run_with_model(
        &self,
        records: &[Vec<Option<String>>],
        sources: Option<&[u8]>,
        model: Model,
    ) -> DedupOutcome {
        self.run_inner(&self.prepare_all(records), sources, Some(model))
    }

    /// A model fitted from `pairs` of records known to be the same entity (`true`) or not.
    pub fn fit_labelled(
        &self,
        records: &[Vec<Option<String>>],
        pairs: &[(usize, usize, bool)],
    ) -> Model {
        let levels: Vec<u8> = self.comparators.iter().map(Comparator::levels).collect();
        let labelled: Vec<(Gamma, bool)> = pairs
            .par_iter()
            .map(|&(a, b, is_match)| {
                (
                    self.gamma(&self.prepare(&records[a]), &self.prepare(&records[b])),
                    is_match,
                )
            })
            .collect();
        Model {
            groups: self.groups(),
            ..Model::from_labels(&levels, &labelled)
        }
    }

    fn run_inner(
        &self,
        prepared: &[Prepared],
        sources: Option<&[u8]>,
        given: Option<Model>,
    ) -> DedupOutcome {
        let n = prepared.len();
        let comparable_pairs = match sources {
            None => (n as u64) * (n as u64).saturating_sub(1) / 2,
            Some(src) => {
                let a = src.iter().filter(|&&s| s == 0).count() as u64;
                a * (n as u64 - a)
            }
        };
        let cross = |a: usize, b: usize| sources.is_none_or(|s| s[a] != s[b]);
        let candidates = self.candidates(prepared, &cross);
        // One flat buffer, `width` packed agreements per pair: no allocation per pair, and
        // scoring reads it without going back to the records.
        let width = self.fields.len().max(1);
        let mut agreements: Vec<u8> = vec![Agreement::pack(None); candidates.len() * width];
        agreements
            .par_chunks_mut(width)
            .zip(&candidates)
            .for_each(|(slot, c)| {
                let pair = self.agreements(&prepared[c.a as usize], &prepared[c.b as usize]);
                for (out, agreement) in slot.iter_mut().zip(pair) {
                    *out = Agreement::pack(agreement);
                }
            });
        let model = match given {
            Some(model) => model,
            None => self.fit(
                prepared,
                &training_patterns(&candidates, &self.key_sources, &agreements, width),
                &cross,
                comparable_pairs,
            ),
        };
        let counts = if n < MIN_RECORDS_TO_LEARN {
            BatchCounts::default()
        } else {
            BatchCounts::new(prepared, self.fields.len())
        };
        let weights = model.weights();
        let scorer = Scorer::new(&model, &weights);
        // What clustering links by: the probability, or 0 for a pair that may not be in the
        // match zone whatever its probability (its company names disagree), so that such a
        // pair vetoes any merge of its two clusters.
        let link = |probability: f64, names_agree: bool| match names_agree {
            true => probability,
            false => 0.0,
        };
        let names_agree = |packed: &[u8]| {
            self.names_agree(
                packed
                    .iter()
                    .map(|&byte| Some(Agreement::unpack(byte)?.level)),
            )
        };
        let score = |a: u32, b: u32| {
            if !cross(a as usize, b as usize) {
                return 0.0;
            }
            let (x, y) = (&prepared[a as usize], &prepared[b as usize]);
            let pair: Vec<u8> = self.agreements(x, y).map(Agreement::pack).collect();
            let unpacked = pair.iter().map(|&byte| Agreement::unpack(byte));
            let p = probability(scorer.weight(unpacked, |f| counts.share(a, f)));
            link(p, names_agree(&pair))
        };
        let pairs: Vec<ScoredPair> = candidates
            .par_iter()
            .zip(agreements.par_chunks(width))
            .map(|(c, packed)| {
                let pair = packed.iter().map(|&byte| Agreement::unpack(byte));
                let weight = scorer.weight(pair, |f| counts.share(c.a, f));
                let probability = probability(weight);
                ScoredPair {
                    a: c.a,
                    b: c.b,
                    weight,
                    probability,
                    zone: self.config.zones.zone(probability, names_agree(packed)),
                }
            })
            .collect();
        let linkage = Linkage {
            threshold: self.config.zones.matched,
            ..Linkage::default()
        };
        // Pairs below the veto floor are recomputed in the rare merge that asks for them: the
        // clusterer's table then holds the few likely pairs, not every candidate.
        let edges: Vec<(u32, u32, f64)> = pairs
            .par_iter()
            .zip(agreements.par_chunks(width))
            .filter(|(p, _)| p.probability >= linkage.floor)
            .map(|(p, packed)| (p.a, p.b, link(p.probability, names_agree(packed))))
            .collect();
        // Clustering needs neither: free them before it builds its tables.
        drop((candidates, agreements));
        let clusters = cluster(n, &edges, linkage, score);
        DedupOutcome {
            pairs,
            clusters,
            model,
            comparable_pairs,
            frequencies: counts.into_values(),
        }
    }

    /// Explain the score of two prepared records under the model `outcome` fitted: each
    /// field's level, what it means and its weight, which add up to the pair's score.
    pub fn explain(&self, outcome: &DedupOutcome, a: &Prepared, b: &Prepared) -> Explanation {
        let weights = outcome.model.weights();
        self.explanation(&Scorer::new(&outcome.model, &weights), a, b, |f| {
            outcome.frequencies.get(f)?.share(a.value(f)?.text)
        })
    }

    /// The explanation of a pair under `scorer`, with `share` as in [`Scorer`].
    pub(crate) fn explanation(
        &self,
        scorer: &Scorer<'_>,
        a: &Prepared,
        b: &Prepared,
        share: impl Fn(usize) -> Option<f64>,
    ) -> Explanation {
        self.explanation_of(scorer, &self.agreements(a, b).collect::<Vec<_>>(), share)
    }

    /// The explanation of a pair that agrees as `agreements` says, under `scorer`, with
    /// `share` as in [`Scorer`].
    pub(crate) fn explanation_of(
        &self,
        scorer: &Scorer<'_>,
        agreements: &[Option<Agreement>],
        share: impl Fn(usize) -> Option<f64>,
    ) -> Explanation {
        let fields = self
            .fields
            .iter()
            .zip(&self.comparators)
            .zip(scorer.contributions(agreements, &share))
            .map(|((spec, comparator), contribution)| FieldExplanation {
                field: spec.name.clone(),
                level: contribution.map(|(l, _)| l),
                meaning: contribution.map_or("missing", |(l, _)| comparator.describe_level(l)),
                weight: contribution.map_or(0.0, |(_, w)| w),
            })
            .collect::<Vec<_>>();
        let prior_weight = scorer.prior();
        // The fields' weights add up to it, but summed as scoring sums them, so that the
        // explanation's probability is the pair's to the last bit.
        let weight = scorer.weight(agreements.iter().copied(), share);
        Explanation {
            fields,
            prior_weight,
            weight,
            probability: probability(weight),
        }
    }

    /// [`Model::prior_knowledge`] for these fields: sensible scores without fitting.
    pub fn prior_model(&self) -> Model {
        let levels: Vec<u8> = self.comparators.iter().map(Comparator::levels).collect();
        Model {
            groups: self.groups(),
            ..Model::prior_knowledge(&levels)
        }
    }

    /// Each field's levels' groups of correlated evidence ([`FieldKind::evidence_group`]).
    fn groups(&self) -> Vec<Vec<Option<u8>>> {
        self.kinds
            .iter()
            .zip(&self.comparators)
            .map(|(kind, comparator)| {
                (0..comparator.levels())
                    .map(|level| kind.evidence_group(level))
                    .collect()
            })
            .collect()
    }

    /// The blocking keys of a record's cells: records sharing a key are candidates.
    pub fn keys(&self, cells: &[Option<String>]) -> Vec<String> {
        blocking_keys(&self.kinds, &self.prepare(cells))
            .into_iter()
            .map(|k| k.text)
            .collect()
    }

    /// Score `candidates` against `probe` under `model`, most likely first, keeping those of
    /// at least `min_probability`. Without the base's value frequencies there is no
    /// term-frequency adjustment: this is the check against a stored base that is not loaded.
    pub fn score_candidates<K>(
        &self,
        model: &Model,
        probe: &[Option<String>],
        candidates: Vec<(K, Vec<Option<String>>)>,
        min_probability: f64,
    ) -> Vec<Match<K>> {
        let probe = self.prepare(probe);
        let weights = model.weights();
        let scorer = Scorer::new(model, &weights);
        let (keys, prepared): (Vec<K>, Vec<Prepared>) = candidates
            .into_iter()
            .map(|(key, cells)| (key, self.prepare(&cells)))
            .unzip();
        self.match_prepared(
            &scorer,
            &probe,
            keys.into_iter().zip(&prepared),
            min_probability,
            |_| None,
        )
    }

    /// The candidates that are the same entity as `probe` with at least `min_probability`,
    /// most likely first, with explanations; `share` gives the share of records holding the
    /// probe's value of a field, as in [`Scorer`]. A probe with every field empty matches
    /// nothing.
    pub(crate) fn match_prepared<'p, K>(
        &self,
        scorer: &Scorer<'_>,
        probe: &Prepared,
        candidates: impl Iterator<Item = (K, &'p Prepared)>,
        min_probability: f64,
        share: impl Fn(usize) -> Option<f64>,
    ) -> Vec<Match<K>> {
        if probe.is_empty() {
            return Vec::new();
        }
        let mut probe = Probe::new(self, scorer, probe, share);
        let mut found: Vec<Match<K>> = candidates
            .filter_map(|(key, candidate)| {
                let (probability, explanation) = probe.score(candidate, min_probability)?;
                let levels = explanation.fields.iter().map(|f| f.level);
                Some(Match {
                    key,
                    probability,
                    zone: self.zone(probability, levels),
                    explanation,
                })
            })
            .collect();
        found.sort_by(|a, b| b.probability.total_cmp(&a.probability));
        found
    }

    /// The kinds of the fields, in order.
    pub(crate) fn kinds(&self) -> &[FieldKind] {
        &self.kinds
    }

    /// The agreement levels of two prepared records.
    pub(crate) fn gamma(&self, a: &Prepared, b: &Prepared) -> Gamma {
        self.agreements(a, b).map(|a| Some(a?.level)).collect()
    }

    /// How two prepared records agree, field by field, without allocating.
    pub(crate) fn agreements<'s>(
        &'s self,
        a: &'s Prepared,
        b: &'s Prepared,
    ) -> impl Iterator<Item = Option<Agreement>> + 's {
        self.comparators.iter().enumerate().map(move |(f, c)| {
            let (x, y) = (a.value(f)?, b.value(f)?);
            let mut level = level(c, &x, &y);
            if level == 0
                && let Some(swapped) = self.swapped_level(f, a, b)
            {
                level = swapped;
            }
            // Only a pair at the top level can hold one value twice.
            let same_value = level + 1 == c.levels() && x.text == y.text;
            Some(Agreement { level, same_value })
        })
    }

    /// For a given name or surname field `f` that disagrees: its level when the two records
    /// hold the names the other way round (「white, georgia」 and 「georgia, white」): the weakest
    /// of the cross comparisons the records allow, when each agrees at least partly and one
    /// reaches [`SWAPPED_NAME_LEVEL`]; `None` otherwise.
    fn swapped_level(&self, f: usize, a: &Prepared, b: &Prepared) -> Option<u8> {
        let [given, surname] = self.name_fields?;
        let other = match f {
            _ if f == given => surname,
            _ if f == surname => given,
            _ => return None,
        };
        let comparator = &self.comparators[f];
        let cross = |x: &Prepared, from: usize, y: &Prepared, to: usize| {
            Some(level(comparator, &x.value(from)?, &y.value(to)?))
        };
        let levels = [cross(a, f, b, other), cross(a, other, b, f)];
        let weakest = levels.into_iter().flatten().min()?;
        let strongest = levels.into_iter().flatten().max()?;
        (weakest > 0 && strongest >= SWAPPED_NAME_LEVEL).then_some(weakest)
    }

    /// Candidate pairs: records sharing a blocking key (small blocks only), plus neighbours in
    /// name order. Sorted, unique, never a record with itself or an empty record; each with
    /// the source of its first key.
    fn candidates(
        &self,
        prepared: &[Prepared],
        cross: &(impl Fn(usize, usize) -> bool + Sync),
    ) -> Vec<Candidate> {
        // The first rule that found a pair is the one it is counted under.
        let mut blocked = self.block_pairs(prepared, cross);
        blocked.par_sort_unstable();
        blocked.dedup_by_key(|c| (c.a, c.b));
        // Most pairs are found by several keys: give back the room of the repeats.
        blocked.shrink_to_fit();
        let mut neighbours = self.neighbourhood_pairs(prepared, cross);
        neighbours.par_sort_unstable();
        neighbours.dedup();
        // Both sorted: merged in one pass, the neighbourhood rule coming after every key's.
        let source = self.source_of(NEIGHBOURHOOD_RULE, sort_fields(&self.kinds));
        let neighbour = |(a, b): (u32, u32)| Candidate { a, b, source };
        let mut candidates = Vec::with_capacity(blocked.len() + neighbours.len());
        let mut rest = neighbours.into_iter().peekable();
        for c in blocked {
            while let Some(pair) = rest.next_if(|&pair| pair <= (c.a, c.b)) {
                if pair < (c.a, c.b) {
                    candidates.push(neighbour(pair));
                }
            }
            candidates.push(c);
        }
        candidates.extend(rest.map(neighbour));
        candidates
    }

    /// The index in [`key_sources`] of a key's `rule` and forced `fields`.
    fn source_of(&self, rule: u16, fields: u64) -> u16 {
        let at = self
            .key_sources
            .binary_search(&(rule, fields))
            .expect("key_sources lists every rule and fields a key can have");
        u16::try_from(at).expect("fewer key sources than fields squared")
    }

    /// Pairs of records sharing a blocking key, from blocks of at most `max_block` records,
    /// with the key's source.
    fn block_pairs(
        &self,
        prepared: &[Prepared],
        cross: &(impl Fn(usize, usize) -> bool + Sync),
    ) -> Vec<Candidate> {
        // Keys by their hash: a collision only adds candidate pairs, which scoring rejects.
        // Sorted by key, then record: each block is a run, its members in record order, and
        // its source that of its first record's key.
        let mut keyed: Vec<RecordKey> = prepared
            .par_iter()
            .enumerate()
            .filter(|(_, record)| !record.is_empty())
            .flat_map_iter(|(i, record)| {
                let mut keys = Vec::new();
                for_each_key(&self.kinds, record, |key| {
                    keys.push((key.hash(), i as u32, self.source_of(key.rule, key.fields)));
                });
                keys
            })
            .collect();
        keyed.par_sort_unstable();
        keyed.dedup_by_key(|k| (k.0, k.1));
        let combined = self.combined_keys(&keyed);
        let small = |block: &&[RecordKey]| (2..=self.config.max_block).contains(&block.len());
        let blocks: Vec<&[RecordKey]> = keyed
            .chunk_by(|x, y| x.0 == y.0)
            .chain(combined.chunk_by(|x, y| x.0 == y.0))
            .filter(small)
            .collect();
        blocks
            .into_par_iter()
            .flat_map_iter(|block| {
                let (_, _, source) = block[0];
                block.iter().enumerate().flat_map(move |(x, &(_, a, _))| {
                    block[x + 1..]
                        .iter()
                        .filter(move |&&(_, b, _)| cross(a as usize, b as usize))
                        .map(move |&(_, b, _)| Candidate { a, b, source })
                })
            })
            .collect()
    }

    /// Keys that split the blocks too large to compare all against all: for each record, its
    /// keys of such blocks combined two by two (its birth date with its name prefix, say), so
    /// that records sharing both are still compared when each key alone is shared by too
    /// many. Without them a large file loses the duplicates whose every key is common: at a
    /// million person records, a birth date is shared by dozens and a name prefix by
    /// thousands. Sorted by key, then record, as `keyed` is; each combination from the later
    /// of its two keys' sources, which forces the fields either forces in practice (names).
    fn combined_keys(&self, keyed: &[RecordKey]) -> Vec<RecordKey> {
        let mut large: Vec<(u32, u64, u16)> = keyed
            .chunk_by(|x, y| x.0 == y.0)
            .filter(|block| block.len() > self.config.max_block)
            .flatten()
            .map(|&(hash, record, source)| (record, hash, source))
            .collect();
        large.par_sort_unstable();
        let mut combined: Vec<RecordKey> = large
            .chunk_by(|x, y| x.0 == y.0)
            .flat_map(|keys| {
                keys.iter()
                    .enumerate()
                    .flat_map(move |(i, &(record, first, a))| {
                        keys[i + 1..].iter().map(move |&(_, second, b)| {
                            (fnv1a_mix(first, second), record, a.max(b))
                        })
                    })
            })
            .collect();
        combined.par_sort_unstable();
        combined
    }

    /// Pairs `(a, b)`, `a < b`, of records at most `window` apart in name order; their rule,
    /// `NEIGHBOURHOOD_RULE`, comes after every key's.
    fn neighbourhood_pairs(
        &self,
        prepared: &[Prepared],
        cross: &(impl Fn(usize, usize) -> bool + Sync),
    ) -> Vec<(u32, u32)> {
        let mut order: Vec<(String, u32)> = prepared
            .par_iter()
            .enumerate()
            .filter(|(_, r)| !r.is_empty())
            .map(|(i, r)| (sort_key(&self.kinds, r), i as u32))
            .collect();
        order.par_sort_unstable();
        let window = self.config.window;
        order
            .par_iter()
            .enumerate()
            .flat_map_iter(|(x, (_, a))| {
                let a = *a;
                order[x + 1..]
                    .iter()
                    .take(window)
                    .filter(move |(_, b)| cross(a as usize, *b as usize))
                    .map(move |&(_, b)| (a.min(b), a.max(b)))
            })
            .collect()
    }

    /// The model of `prepared`, learned from its candidate `candidates` patterns and random
    /// pairs, with the prior of a pair drawn at random from the `comparable_pairs`.
    ///
    /// EM learns the share of matches among candidates, but `u` comes from random pairs: a
    /// candidate's weights measure how much more it agrees than a random pair, so they must
    /// start from the odds of a random pair (Splink's λ), not from those of a candidate, or
    /// blocking is counted twice. That share grows with nothing but the number of records
    /// and candidates: with the candidate prior, precision fell as files grew or duplicates
    /// got rarer. The expected matches among candidates, spread over every comparable pair,
    /// give λ (blocking finds nearly every match, so few lie outside the candidates).
    fn fit(
        &self,
        prepared: &[Prepared],
        candidates: &[(Gamma, f64)],
        cross: &impl Fn(usize, usize) -> bool,
        comparable_pairs: u64,
    ) -> Model {
        let levels: Vec<u8> = self.comparators.iter().map(Comparator::levels).collect();
        let n = prepared.len();
        if n < MIN_RECORDS_TO_LEARN {
            return self.prior_model();
        }
        let mut sampler = Sampler(self.config.seed | 1);
        let mut sampled = Vec::with_capacity(self.config.random_pairs);
        if n >= 2 {
            let mut attempts = 0;
            while sampled.len() < self.config.random_pairs
                && attempts < self.config.random_pairs * 4
            {
                attempts += 1;
                let (a, b) = (sampler.below(n), sampler.below(n));
                if a != b && cross(a, b) {
                    sampled.push((a, b));
                }
            }
        }
        let random: Vec<Gamma> = sampled
            .par_iter()
            .map(|&(a, b)| self.gamma(&prepared[a], &prepared[b]))
            .collect();
        let u = Model::estimate_u(&levels, &random);
        // About one duplicate per record is a neutral first guess of the match rate.
        let pairs: f64 = candidates.iter().map(|(_, count)| count).sum();
        let prior = (n as f64 / pairs.max(1.0)).clamp(0.01, 0.5);
        let caps: Vec<f64> = self.kinds.iter().map(|k| k.max_disagreement()).collect();
        let fitted = Model::fit(
            &levels,
            &self.groups(),
            &caps,
            u,
            candidates,
            prior,
            self.config.em_iterations,
        );
        let expected_matches = fitted.prior * pairs;
        Model {
            prior: (expected_matches / comparable_pairs.max(1) as f64).clamp(MIN_PRIOR, 0.5),
            ..fitted
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(cells: &[[&str; 2]]) -> Vec<Vec<Option<String>>> {
        cells
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| Some(c.to_string()).filter(|c| !c.is_empty()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_namesake_at_another_domain_is_counted_once_as_a_name() {
        let deduper = Deduper::new(vec![
            FieldSpec::new("contact", FieldKind::PersonName),
            FieldSpec::new("email", FieldKind::Email),
        ]);
        let model = deduper.prior_model();
        let cells = |name: &str, email: &str| vec![Some(name.into()), Some(email.into())];
        let score = |email: &str| {
            let probe = cells("Michael Price", "michael.price@riveraandbennett.com");
            let found = deduper.score_candidates(
                &model,
                &probe,
                vec![((), cells("Michael Price", email))],
                0.0,
            );
            found[0].explanation.clone()
        };
        let namesake = score("michael.price@bennetttechnologies.com");
        let weights: Vec<f64> = namesake.fields.iter().map(|f| f.weight).collect();
        assert_eq!(
            namesake.fields[1].level,
            Some(1),
            "same local part, other domain"
        );
        assert!(weights[0] > 0.0 && weights[1] == 0.0, "{weights:?}");
        let shown: f64 = namesake.prior_weight + weights.iter().sum::<f64>();
        assert!(
            (shown - namesake.weight).abs() < 1e-9,
            "the weights shown add up"
        );
        let same_address = score("michael.price@riveraandbennett.com");
        assert!(
            same_address.weight > namesake.weight + 5.0,
            "the whole address is evidence of its own"
        );
    }

    #[test]
    fn records_with_every_field_empty_never_match() {
        let fields = vec![
            FieldSpec::new("company", FieldKind::CompanyName),
            FieldSpec::new("phone", FieldKind::Phone),
        ];
        let data = rows(&[
            ["", ""],
            ["", ""],
            ["", ""],
            ["华为技术有限公司", "010-62345678"],
        ]);
        let outcome = Deduper::new(fields).run(&data, None);
        assert!(outcome.clusters.is_empty(), "{:?}", outcome.clusters);
        assert!(
            outcome.pairs.iter().all(|p| p.a == 3 || p.b == 3),
            "{:?}",
            outcome.pairs
        );
    }

    #[test]
    fn cells_back_to_back_prepare_as_rows_do() {
        let fields = vec![
            FieldSpec::new("company", FieldKind::CompanyName),
            FieldSpec::new("phone", FieldKind::Phone),
        ];
        let data = rows(&[
            ["北京华为技术有限公司", "010-62345678"],
            ["", "(010)6234 5678"],
            ["上海华为技术有限公司", ""],
        ]);
        let deduper = Deduper::new(fields);
        let flat: Vec<Option<&str>> = data.iter().flatten().map(Option::as_deref).collect();
        assert_eq!(deduper.prepare_flat(&flat), deduper.prepare_all(&data));
    }

    #[test]
    #[should_panic(expected = "no whole number of records")]
    fn cells_back_to_back_must_fill_whole_records() {
        let deduper = Deduper::new(vec![
            FieldSpec::new("company", FieldKind::CompanyName),
            FieldSpec::new("phone", FieldKind::Phone),
        ]);
        deduper.prepare_flat(&[Some("华为")]);
    }

    #[test]
    fn explanation_adds_up_to_the_score() {
        let fields = vec![
            FieldSpec::new("company", FieldKind::CompanyName),
            FieldSpec::new("phone", FieldKind::Phone),
        ];
        let data = rows(&[
            ["北京华为技术有限公司", "010-62345678"],
            ["华为技术（北京）有限公司", "(010)6234 5678"],
            ["上海华为技术有限公司", "021-52345678"],
        ]);
        let deduper = Deduper::new(fields);
        let outcome = deduper.run(&data, None);
        for pair in &outcome.pairs {
            let (a, b) = (
                deduper.prepare(&data[pair.a as usize]),
                deduper.prepare(&data[pair.b as usize]),
            );
            let explanation = deduper.explain(&outcome, &a, &b);
            assert!(
                (explanation.weight - pair.weight).abs() < 1e-9,
                "{explanation:?} vs {pair:?}"
            );
            assert_eq!(explanation.fields.len(), 2);
        }
        let shanghai = deduper.explain(
            &outcome,
            &deduper.prepare(&data[0]),
            &deduper.prepare(&data[2]),
        );
        assert_eq!(
            shanghai.fields[0].level,
            Some(0),
            "branches in different cities differ: {shanghai:?}"
        );
    }
}
