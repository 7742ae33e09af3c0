//! From scored pairs to clusters, without chaining.
//!
//! Connected components over "probably the same" edges chain: A≈B and B≈C put A with C even
//! when A and C are clearly different (「华为北京」≈「华为」≈「华为上海」). Here clusters grow
//! from the strongest edge down, and two clusters merge only when, over every pair between
//! them, the average match probability reaches the threshold and no pair falls below a floor —
//! average linkage with a veto.

use std::collections::HashMap;
use std::hash::Hash;

/// When two clusters may merge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Linkage {
    /// Minimum average match probability over all pairs between the two clusters.
    pub threshold: f64,
    /// No pair between them may be less likely than this.
    pub floor: f64,
    /// Largest number of pairs checked for one merge; larger merges are refused.
    pub max_pairs_checked: usize,
}

impl Default for Linkage {
    fn default() -> Self {
        Linkage {
            threshold: 0.5,
            floor: 0.05,
            max_pairs_checked: 10_000,
        }
    }
}

/// Cluster records `0..n` given scored candidate `pairs` (`(a, b, probability)`).
/// `probability_of(a, b)` scores pairs between clusters that blocking did not propose.
/// Returns clusters of two or more records, each sorted, in order of their first record.
pub fn cluster(
    n: usize,
    pairs: &[(u32, u32, f64)],
    linkage: Linkage,
    probability_of: impl Fn(u32, u32) -> f64,
) -> Vec<Vec<u32>> {
    let known: HashMap<(u32, u32), f64> = pairs
        .iter()
        .map(|&(a, b, p)| ((a.min(b), a.max(b)), p))
        .collect();
    let score = |a: u32, b: u32| {
        known
            .get(&(a.min(b), a.max(b)))
            .copied()
            .unwrap_or_else(|| probability_of(a, b))
    };
    let mut edges: Vec<&(u32, u32, f64)> =
        pairs.iter().filter(|e| e.2 >= linkage.threshold).collect();
    edges.sort_by(|x, y| y.2.total_cmp(&x.2).then((x.0, x.1).cmp(&(y.0, y.1))));
    let mut owner: Vec<u32> = (0..n as u32).collect();
    let mut members: HashMap<u32, Vec<u32>> = HashMap::new();
    for &&(a, b, _) in &edges {
        let (ca, cb) = (owner[a as usize], owner[b as usize]);
        if ca == cb {
            continue;
        }
        let left = members.get(&ca).cloned().unwrap_or_else(|| vec![ca]);
        let right = members.get(&cb).cloned().unwrap_or_else(|| vec![cb]);
        if left.len() * right.len() > linkage.max_pairs_checked {
            continue;
        }
        let mut sum = 0.0;
        let mut vetoed = false;
        for &x in &left {
            for &y in &right {
                let p = score(x, y);
                if p < linkage.floor {
                    vetoed = true;
                    break;
                }
                sum += p;
            }
            if vetoed {
                break;
            }
        }
        if vetoed || sum / ((left.len() * right.len()) as f64) < linkage.threshold {
            continue;
        }
        // Keep the larger cluster's id, relabel the smaller one.
        let (keep, absorb, absorbed) = if left.len() >= right.len() {
            (ca, cb, right)
        } else {
            (cb, ca, left)
        };
        for &r in &absorbed {
            owner[r as usize] = keep;
        }
        members.remove(&absorb);
        members
            .entry(keep)
            .or_insert_with(|| vec![keep])
            .extend(absorbed);
    }
    let mut clusters: Vec<Vec<u32>> = members
        .into_values()
        .map(|mut c| {
            c.sort_unstable();
            c
        })
        .collect();
    clusters.sort_unstable_by_key(|c| c[0]);
    clusters
}

/// Pairwise quality of predicted clusters against the truth.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PairMetrics {
    /// Pairs that are the same entity.
    pub true_pairs: u64,
    /// Pairs placed in one cluster.
    pub predicted_pairs: u64,
    /// Predicted pairs that are true.
    pub correct_pairs: u64,
    /// correct / predicted (1 when nothing is predicted).
    pub precision: f64,
    /// correct / true (1 when there is nothing to find).
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

/// Count pairs within groups of `labels` (records sharing a label), only between different
/// `sources` when given (record linkage), and score `clusters` against them.
pub fn pair_metrics<L: Eq + Hash>(
    clusters: &[Vec<u32>],
    labels: &[Option<L>],
    sources: Option<&[u8]>,
) -> PairMetrics {
    let counts = |group: &[u32]| -> u64 {
        match sources {
            None => {
                let n = group.len() as u64;
                n * n.saturating_sub(1) / 2
            }
            Some(src) => {
                let a = group.iter().filter(|&&r| src[r as usize] == 0).count() as u64;
                a * (group.len() as u64 - a)
            }
        }
    };
    let truth = groups(labels);
    let true_pairs: u64 = truth.values().map(|g| counts(g)).sum();
    let predicted_pairs: u64 = clusters.iter().map(|c| counts(c)).sum();
    let correct_pairs: u64 = clusters
        .iter()
        .map(|c| {
            let mut by_label: HashMap<&L, Vec<u32>> = HashMap::new();
            for &r in c {
                if let Some(label) = &labels[r as usize] {
                    by_label.entry(label).or_default().push(r);
                }
            }
            by_label.values().map(|g| counts(g)).sum::<u64>()
        })
        .sum();
    let ratio = |num: u64, den: u64| {
        if den == 0 {
            1.0
        } else {
            num as f64 / den as f64
        }
    };
    let precision = ratio(correct_pairs, predicted_pairs);
    let recall = ratio(correct_pairs, true_pairs);
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    PairMetrics {
        true_pairs,
        predicted_pairs,
        correct_pairs,
        precision,
        recall,
        f1,
    }
}

/// The records of each label, in order.
fn groups<L: Eq + Hash>(labels: &[Option<L>]) -> HashMap<&L, Vec<u32>> {
    let mut groups: HashMap<&L, Vec<u32>> = HashMap::new();
    for (i, label) in labels.iter().enumerate() {
        if let Some(label) = label {
            groups.entry(label).or_default().push(i as u32);
        }
    }
    groups
}

/// Cluster-level quality: how many clusters are exactly right.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ClusterMetrics {
    /// Entities with two or more records in the truth.
    pub true_clusters: u64,
    /// Clusters predicted (two or more records each).
    pub predicted_clusters: u64,
    /// Predicted clusters that are exactly a true entity's records.
    pub exact_clusters: u64,
    /// exact / predicted (1 when nothing is predicted).
    pub precision: f64,
    /// exact / true (1 when there is nothing to find).
    pub recall: f64,
}

/// Score `clusters` against entity `labels` cluster by cluster: a predicted cluster counts
/// only when it holds exactly the records of one entity (records without a label never do).
pub fn cluster_metrics<L: Eq + Hash>(
    clusters: &[Vec<u32>],
    labels: &[Option<L>],
) -> ClusterMetrics {
    let truth = groups(labels);
    let true_clusters = truth.values().filter(|g| g.len() >= 2).count() as u64;
    let exact_clusters = clusters
        .iter()
        .filter(|c| {
            let Some(Some(label)) = labels.get(c[0] as usize) else {
                return false;
            };
            let mut members = truth.get(label).cloned().unwrap_or_default();
            members.sort_unstable();
            let mut cluster = (*c).clone();
            cluster.sort_unstable();
            members == cluster
        })
        .count() as u64;
    let predicted_clusters = clusters.len() as u64;
    let ratio = |num: u64, den: u64| {
        if den == 0 {
            1.0
        } else {
            num as f64 / den as f64
        }
    };
    ClusterMetrics {
        true_clusters,
        predicted_clusters,
        exact_clusters,
        precision: ratio(exact_clusters, predicted_clusters),
        recall: ratio(exact_clusters, true_clusters),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weak_link_does_not_chain_two_groups() {
        // 0-1 strong, 2-3 strong, 1-2 strong by itself, but 0-3 and 0-2 are clearly different.
        let pairs = [(0, 1, 0.99), (2, 3, 0.99), (1, 2, 0.9)];
        let clusters = cluster(4, &pairs, Linkage::default(), |_, _| 0.01);
        assert_eq!(clusters, vec![vec![0, 1], vec![2, 3]]);
        let merged = cluster(4, &pairs, Linkage::default(), |_, _| 0.9);
        assert_eq!(merged, vec![vec![0, 1, 2, 3]]);
    }

    #[test]
    fn cluster_metrics_count_exact_clusters() {
        let labels: Vec<Option<String>> = ["a", "a", "a", "b", "b", "c"]
            .iter()
            .map(|s| Some(s.to_string()))
            .collect();
        let m = cluster_metrics(&[vec![0, 1, 2], vec![3, 4, 5]], &labels);
        assert_eq!(
            (m.true_clusters, m.predicted_clusters, m.exact_clusters),
            (2, 2, 1)
        );
        assert!((m.precision - 0.5).abs() < 1e-9 && (m.recall - 0.5).abs() < 1e-9);
        assert_eq!(
            cluster_metrics(&[vec![0, 1]], &labels).exact_clusters,
            0,
            "a part of an entity is not exact"
        );
    }

    #[test]
    fn metrics_count_pairs_within_clusters() {
        let labels: Vec<Option<String>> = ["a", "a", "a", "b", "b", "c"]
            .iter()
            .map(|s| Some(s.to_string()))
            .collect();
        let clusters = vec![vec![0, 1], vec![3, 4, 5]];
        let m = pair_metrics(&clusters, &labels, None);
        assert_eq!(
            (m.true_pairs, m.predicted_pairs, m.correct_pairs),
            (4, 4, 2)
        );
        assert!((m.f1 - 0.5).abs() < 1e-9);
        let linked = pair_metrics(&[vec![0, 3]], &labels, Some(&[0, 1, 0, 1, 0, 1]));
        assert_eq!(linked.correct_pairs, 0);
    }
}
