//! Duplicate detection: `normalize -> block -> compare -> score -> cluster`.
//!
//! The same customer is typed differently by every salesperson: 「北京华为技术有限公司」,
//! 「华为技术（北京）有限公司」, "Hua Wei Technology"; 「张总」 and "Zhang Wei"; 「010-6234 5678」
//! and 「62345678」. This module finds them without labels:
//!
//! - [`kind`]: what a column holds, inferred from Chinese and English headers.
//! - [`normalize`]: company names split into core, legal form and region; person names
//!   without titles; pinyin keys so Han and romanised spellings meet.
//! - [`prepare`]: per-kind normalised values and blocking keys, computed once per record.
//! - [`compare`]: comparators that map a pair of values to agreement levels.
//! - [`model`]: Fellegi–Sunter weights, `u` from random pairs, `m` by EM, term frequencies.
//! - [`cluster`]: clusters that resist chaining, and pairwise quality metrics.
//! - [`batch`]: the whole pipeline over a dataset, with explanations.
//! - [`zone`]: match, possible and distinct: what is merged, what a person decides.
//! - [`index`]: the live index that checks one new record against everything indexed.
//! - `synth` (feature `test-util`): a documented generator of messy Chinese B2B customer
//!   records with ground truth, for tests, benches and quality runs.

pub mod batch;
pub mod cluster;
pub mod compare;
pub mod date;
mod frequency;
pub mod index;
pub mod kind;
pub mod model;
pub mod normalize;
mod prehashed;
pub mod prepare;
mod probe;
mod score;
#[cfg(feature = "test-util")]
pub mod synth;
pub mod zone;

pub use batch::{
    DedupConfig, DedupOutcome, Deduper, Explanation, FieldExplanation, FieldSpec, ScoredPair,
};
pub use cluster::{ClusterMetrics, Linkage, PairMetrics, cluster_metrics, pair_metrics};
pub use index::{DedupIndex, Match};
pub use kind::FieldKind;
pub use model::Model;
pub use zone::{Zone, Zones};
