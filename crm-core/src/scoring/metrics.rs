//! Ranking quality of scores against outcomes: ROC AUC and average precision.

use std::cmp::Ordering;

/// The area under the ROC curve: the chance that a random won lead scores above a random
/// lost one, ties counting half. `None` unless both outcomes occur.
///
/// ```
/// use crm_core::scoring::metrics::roc_auc;
/// assert_eq!(roc_auc(&[0.9, 0.8, 0.3, 0.1], &[true, false, true, false]), Some(0.75));
/// ```
pub fn roc_auc(scores: &[f64], won: &[bool]) -> Option<f64> {
    let order = sorted_descending(scores);
    let positives = won.iter().filter(|&&w| w).count() as f64;
    let negatives = won.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    // Walk tied groups from the top: each negative outranks the positives below it.
    let (mut positives_above, mut pairs) = (0.0, 0.0);
    for group in tied_groups(&order, scores) {
        let p = group.iter().filter(|&&i| won[i]).count() as f64;
        let n = group.len() as f64 - p;
        pairs += n * (positives_above + p / 2.0);
        positives_above += p;
    }
    Some(pairs / (positives * negatives))
}

/// Average precision: the mean, over won leads, of the precision at their score threshold
/// (tied scores share one threshold). `None` without any won lead.
///
/// ```
/// use crm_core::scoring::metrics::average_precision;
/// let ap = average_precision(&[0.9, 0.8, 0.3, 0.1], &[true, false, true, false]).unwrap();
/// assert!((ap - (1.0 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
/// ```
pub fn average_precision(scores: &[f64], won: &[bool]) -> Option<f64> {
    let positives = won.iter().filter(|&&w| w).count() as f64;
    if positives == 0.0 {
        return None;
    }
    let order = sorted_descending(scores);
    let (mut seen, mut hits, mut sum) = (0.0, 0.0, 0.0);
    for group in tied_groups(&order, scores) {
        let p = group.iter().filter(|&&i| won[i]).count() as f64;
        seen += group.len() as f64;
        hits += p;
        sum += p * hits / seen;
    }
    Some(sum / positives)
}

fn sorted_descending(scores: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].partial_cmp(&scores[a]).unwrap_or(Ordering::Equal));
    order
}

fn tied_groups<'a>(order: &'a [usize], scores: &'a [f64]) -> impl Iterator<Item = &'a [usize]> {
    order.chunk_by(move |&a, &b| scores[a] == scores[b])
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every (won, lost) pair, counted directly.
    fn pairwise_auc(scores: &[f64], won: &[bool]) -> Option<f64> {
        let (mut pairs, mut total) = (0.0, 0.0);
        for i in (0..scores.len()).filter(|&i| won[i]) {
            for j in (0..scores.len()).filter(|&j| !won[j]) {
                total += 1.0;
                pairs += match scores[i].partial_cmp(&scores[j]).unwrap() {
                    Ordering::Greater => 1.0,
                    Ordering::Equal => 0.5,
                    Ordering::Less => 0.0,
                };
            }
        }
        (total > 0.0).then(|| pairs / total)
    }

    /// Precision at each won lead's threshold (all leads scoring at least as high).
    fn threshold_average_precision(scores: &[f64], won: &[bool]) -> Option<f64> {
        let positives: Vec<usize> = (0..scores.len()).filter(|&i| won[i]).collect();
        if positives.is_empty() {
            return None;
        }
        let precision_at = |t: f64| {
            let above: Vec<usize> = (0..scores.len()).filter(|&i| scores[i] >= t).collect();
            above.iter().filter(|&&i| won[i]).count() as f64 / above.len() as f64
        };
        let sum: f64 = positives.iter().map(|&i| precision_at(scores[i])).sum();
        Some(sum / positives.len() as f64)
    }

    proptest! {
        #[test]
        fn auc_matches_the_pairwise_count(
            cases in prop::collection::vec((0u8..6, any::<bool>()), 0..60)
        ) {
            let scores: Vec<f64> = cases.iter().map(|c| f64::from(c.0) / 5.0).collect();
            let won: Vec<bool> = cases.iter().map(|c| c.1).collect();
            let fast = roc_auc(&scores, &won);
            let slow = pairwise_auc(&scores, &won);
            prop_assert_eq!(fast.is_some(), slow.is_some());
            if let (Some(a), Some(b)) = (fast, slow) {
                prop_assert!((a - b).abs() < 1e-12, "{} vs {}", a, b);
            }
        }

        #[test]
        fn average_precision_matches_the_threshold_definition(
            cases in prop::collection::vec((0u8..6, any::<bool>()), 0..60)
        ) {
            let scores: Vec<f64> = cases.iter().map(|c| f64::from(c.0)).collect();
            let won: Vec<bool> = cases.iter().map(|c| c.1).collect();
            let fast = average_precision(&scores, &won);
            let slow = threshold_average_precision(&scores, &won);
            prop_assert_eq!(fast.is_some(), slow.is_some());
            if let (Some(a), Some(b)) = (fast, slow) {
                prop_assert!((a - b).abs() < 1e-12, "{} vs {}", a, b);
            }
        }
    }

    #[test]
    fn perfect_and_reversed_rankings() {
        let won = [true, true, false, false];
        assert_eq!(roc_auc(&[4.0, 3.0, 2.0, 1.0], &won), Some(1.0));
        assert_eq!(roc_auc(&[1.0, 2.0, 3.0, 4.0], &won), Some(0.0));
        assert_eq!(roc_auc(&[1.0, 1.0, 1.0, 1.0], &won), Some(0.5));
        assert_eq!(average_precision(&[4.0, 3.0, 2.0, 1.0], &won), Some(1.0));
        assert_eq!(roc_auc(&[1.0], &[true]), None);
    }
}
