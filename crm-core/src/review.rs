//! The duplicate review queue's records: groups of records that may be one entity, waiting
//! for a person to decide (Salesforce's duplicate record sets, HubSpot's "manage
//! duplicates"), and the pairs a person declared distinct, which no path proposes again.
//!
//! ```
//! use crm_core::dedup::{FieldKind, FieldSpec, Deduper};
//! use crm_core::record::ObjectKind;
//! use crm_core::review::{DuplicateGroup, GroupSource, PairEvidence, ReviewStatus};
//! use uuid::Uuid;
//!
//! let deduper = Deduper::new(vec![FieldSpec::new("name", FieldKind::CompanyName)]);
//! let (a, b) = (Uuid::from_u128(2), Uuid::from_u128(1));
//! let cells = |name: &str| vec![Some(name.to_string())];
//! let found = deduper.score_candidates(
//!     &deduper.prior_model(),
//!     &cells("北京华为技术有限公司"),
//!     vec![(b, cells("华为技术（北京）有限公司"))],
//!     0.3,
//! );
//! let pair = PairEvidence::new(a, found[0].key, &found[0].explanation);
//! let group = DuplicateGroup::new(ObjectKind::Account, GroupSource::Check, vec![pair]).unwrap();
//! assert_eq!(group.members, vec![b, a]);
//! assert_eq!(group.status, ReviewStatus::Open);
//! ```

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::dedup::Explanation;
use crate::error::{Error, Result};
use crate::id::{DistinctPairId, DuplicateGroupId};
use crate::record::{Column, ColumnType, Entity, ObjectKind};

/// Records of one kind that may be one entity, with the evidence, for a person to decide.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateGroup {
    /// The kind of the records.
    pub object: ObjectKind,
    /// The records, two or more, in id order.
    pub members: Vec<Uuid>,
    /// The members' ids joined ([`group_key`]): one open group per set of records.
    pub key: String,
    /// The probability of the likeliest pair: the queue's order.
    pub probability: f64,
    /// Each candidate pair among the members with its evidence.
    pub pairs: Vec<PairEvidence>,
    /// What proposed the group.
    pub source: GroupSource,
    /// Whether it is waiting, and how it was decided.
    pub status: ReviewStatus,
    /// The merge that resolved it ([`ReviewStatus::Merged`]), which undoes it.
    pub merge: Option<Uuid>,
    /// When it was decided.
    pub resolved_at: Option<DateTime<Utc>>,
}

impl DuplicateGroup {
    /// An open group of the records `pairs` join. [`Error::Validation`] for no pair, a
    /// record paired with itself, or a probability outside `[0, 1]`.
    pub fn new(
        object: ObjectKind,
        source: GroupSource,
        pairs: Vec<PairEvidence>,
    ) -> Result<DuplicateGroup> {
        let invalid = |value: String, rule: &str| Err(Error::validation("pairs", value, rule));
        if pairs.is_empty() {
            return invalid(String::new(), "a duplicate group needs a pair of records");
        }
        let mut members = BTreeSet::new();
        for pair in &pairs {
            if pair.a == pair.b {
                return invalid(pair.a.to_string(), "a record is no duplicate of itself");
            }
            if !(0.0..=1.0).contains(&pair.probability) {
                return invalid(pair.probability.to_string(), "a probability is in [0, 1]");
            }
            members.extend([pair.a, pair.b]);
        }
        let members: Vec<Uuid> = members.into_iter().collect();
        let probability = pairs.iter().map(|p| p.probability).fold(0.0, f64::max);
        Ok(DuplicateGroup {
            object,
            key: group_key(&members),
            members,
            probability: rounded(probability),
            pairs,
            source,
            status: ReviewStatus::Open,
            merge: None,
            resolved_at: None,
        })
    }

    /// Every pair of members, each as [`pair_key`] names it: what *not duplicates* declares
    /// distinct.
    pub fn member_pairs(&self) -> Vec<String> {
        let mut keys = Vec::new();
        for (i, a) in self.members.iter().enumerate() {
            for b in &self.members[i + 1..] {
                keys.push(pair_key(*a, *b));
            }
        }
        keys
    }
}

/// Six decimals: enough to order a queue, and what its decimal column holds exactly.
fn rounded(probability: f64) -> f64 {
    (probability * 1e6).round() / 1e6
}

/// Two records that may be one entity, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairEvidence {
    /// One record.
    pub a: Uuid,
    /// The other.
    pub b: Uuid,
    /// The probability that both are one entity.
    pub probability: f64,
    /// Each field's agreement and weight.
    pub fields: Vec<FieldEvidence>,
}

impl PairEvidence {
    /// The pair `a`, `b` scored as `explanation` says.
    pub fn new(a: Uuid, b: Uuid, explanation: &Explanation) -> PairEvidence {
        PairEvidence {
            a,
            b,
            probability: rounded(explanation.probability),
            fields: explanation
                .fields
                .iter()
                .map(|f| FieldEvidence {
                    field: f.field.clone(),
                    level: f.level,
                    meaning: f.meaning.to_string(),
                    weight: f.weight,
                })
                .collect(),
        }
    }
}

/// One field's part in a pair's score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldEvidence {
    /// The field of the group's kind (`phone`), or of a customer's contact (`contact.mobile`).
    pub field: String,
    /// The agreement level; `None` when either side is empty.
    pub level: Option<u8>,
    /// What the level means, e.g. `exact`.
    pub meaning: String,
    /// Its weight in the score (log2 Bayes factor).
    pub weight: f64,
}

/// What proposed a duplicate group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupSource {
    /// An import created a row that looks like a known customer.
    Import,
    /// A create or update checked under the *warn* policy.
    Check,
    /// A batch scan of stored records.
    Scan,
}

/// Where a duplicate group stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    /// Waiting for a person.
    Open,
    /// Merged (undoing the merge opens it again).
    Merged,
    /// Declared distinct records: no path proposes these pairs again.
    NotDuplicates,
}

impl ReviewStatus {
    /// The name stored and queried: `open`, `merged`, `not_duplicates`.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::Open => "open",
            ReviewStatus::Merged => "merged",
            ReviewStatus::NotDuplicates => "not_duplicates",
        }
    }
}

impl Entity for DuplicateGroup {
    type Id = DuplicateGroupId;
    const KIND: ObjectKind = ObjectKind::DuplicateGroup;
}

/// The queryable columns of [`DuplicateGroup`].
pub(crate) const GROUP_COLUMNS: &[Column] = &[
    Column::new("object", ColumnType::Text),
    Column::new("key", ColumnType::Text).indexed(),
    Column::new("status", ColumnType::Text).indexed(),
    Column::new("probability", ColumnType::Decimal),
    Column::new("merge", ColumnType::Uuid).indexed(),
];

/// Two records a person declared distinct.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DistinctPair {
    /// The kind of the records.
    pub object: ObjectKind,
    /// The pair ([`pair_key`]).
    pub pair: String,
    /// The group whose decision declared it.
    pub group: Uuid,
}

impl Entity for DistinctPair {
    type Id = DistinctPairId;
    const KIND: ObjectKind = ObjectKind::DistinctPair;
}

/// The queryable columns of [`DistinctPair`].
pub(crate) const DISTINCT_PAIR_COLUMNS: &[Column] = &[
    Column::new("object", ColumnType::Text),
    Column::new("pair", ColumnType::Text).indexed(),
];

/// The key of the group of `members` (in id order): their ids joined by `,`.
pub fn group_key(members: &[Uuid]) -> String {
    let ids: Vec<String> = members.iter().map(Uuid::to_string).collect();
    ids.join(",")
}

/// The key of the pair `a`, `b`, whichever order they come in.
pub fn pair_key(a: Uuid, b: Uuid) -> String {
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    format!("{low}:{high}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(a: u128, b: u128, probability: f64) -> PairEvidence {
        PairEvidence {
            a: Uuid::from_u128(a),
            b: Uuid::from_u128(b),
            probability,
            fields: Vec::new(),
        }
    }

    #[test]
    fn a_group_holds_the_records_its_pairs_join_in_id_order_once() {
        let group = DuplicateGroup::new(
            ObjectKind::Contact,
            GroupSource::Scan,
            vec![pair(3, 1, 0.4), pair(1, 2, 0.9)],
        )
        .unwrap();
        let ids = [1, 2, 3].map(Uuid::from_u128);
        assert_eq!(group.members, ids);
        assert_eq!(group.key, format!("{},{},{}", ids[0], ids[1], ids[2]));
        assert_eq!(group.probability, 0.9);
        assert_eq!(
            group.member_pairs(),
            [(0, 1), (0, 2), (1, 2)].map(|(a, b)| format!("{}:{}", ids[a], ids[b]))
        );
    }

    #[test]
    fn a_pair_key_does_not_depend_on_the_order() {
        let (a, b) = (Uuid::from_u128(7), Uuid::from_u128(5));
        assert_eq!(pair_key(a, b), pair_key(b, a));
        assert_ne!(pair_key(a, b), pair_key(a, Uuid::from_u128(6)));
    }

    #[test]
    fn groups_without_pairs_self_pairs_or_bad_probabilities_are_refused() {
        let kind = ObjectKind::Account;
        for pairs in [vec![], vec![pair(1, 1, 0.5)], vec![pair(1, 2, 1.5)]] {
            let err = DuplicateGroup::new(kind, GroupSource::Import, pairs).unwrap_err();
            assert!(matches!(err, Error::Validation { .. }), "{err:?}");
        }
    }
}
