//! The Odoo-compatible baseline: categorical naive Bayes over won/lost frequencies.
//!
//! Odoo's `crm.lead.scoring.frequency` keeps, per field value, how many closed leads with that
//! value were won and lost, each plus 0.1 so no frequency is zero. A lead's probability is
//! `P(won) · Π P(value | won)` against the same for lost, each `P(value | class)` being the
//! value's count over the field's total for that class. As in Odoo, a field without a value
//! does not count. Values are the encoder's tokens: levels (rare ones pooled into `other`) and
//! numeric quantile bins.

use serde::{Deserialize, Serialize};

use crate::scoring::features::EncodedRows;

/// Odoo's additive smoothing of every frequency.
const SMOOTHING: f64 = 0.1;

/// Won and lost counts per token of each field, plus the class totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrequencyTable {
    /// Closed leads won.
    pub won: f64,
    /// Closed leads lost.
    pub lost: f64,
    /// `counts[field][token] = (won, lost)`, smoothed.
    pub counts: Vec<Vec<(f64, f64)>>,
    /// The token of each field that means "no value" (not scored).
    pub missing_tokens: Vec<u32>,
}

impl FrequencyTable {
    /// Count `rows` (tokens per field) by outcome.
    pub(crate) fn count(
        rows: &EncodedRows,
        won: &[bool],
        token_counts: &[usize],
        missing_tokens: Vec<u32>,
    ) -> FrequencyTable {
        let fields = token_counts.len();
        let mut counts: Vec<Vec<(f64, f64)>> = token_counts
            .iter()
            .map(|&n| vec![(SMOOTHING, SMOOTHING); n])
            .collect();
        for (r, &outcome) in won.iter().enumerate() {
            for (f, field_counts) in counts.iter_mut().enumerate() {
                let slot = &mut field_counts[rows.tokens[r * fields + f] as usize];
                if outcome {
                    slot.0 += 1.0;
                } else {
                    slot.1 += 1.0;
                }
            }
        }
        let wins = won.iter().filter(|&&w| w).count() as f64;
        FrequencyTable {
            won: wins,
            lost: won.len() as f64 - wins,
            counts,
            missing_tokens,
        }
    }

    /// The log prior odds of winning.
    pub fn base_log_odds(&self) -> f64 {
        (self.won / self.lost).ln()
    }

    /// The log-likelihood ratio a field's token adds; `None` for a missing value or a field
    /// without both outcomes (Odoo skips those).
    pub fn evidence(&self, field: usize, token: u32) -> Option<f64> {
        if token == self.missing_tokens[field] {
            return None;
        }
        let counts = &self.counts[field];
        let present = |i: usize| i as u32 != self.missing_tokens[field];
        let won_total: f64 = (0..counts.len())
            .filter(|&i| present(i))
            .map(|i| counts[i].0)
            .sum();
        let lost_total: f64 = (0..counts.len())
            .filter(|&i| present(i))
            .map(|i| counts[i].1)
            .sum();
        if won_total <= 0.0 || lost_total <= 0.0 {
            return None;
        }
        let (won, lost) = counts[token as usize];
        Some((won / won_total).ln() - (lost / lost_total).ln())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scoring::logistic::sigmoid;

    #[test]
    fn matches_odoo_arithmetic() {
        // One field with tokens a, b and missing (2); 3 won with a, 1 won with b, 2 lost with b.
        let tokens = vec![0, 0, 0, 1, 1, 1];
        let won = [true, true, true, true, false, false];
        let rows = EncodedRows {
            tokens,
            starts: vec![0; 7],
            entries: Vec::new(),
            columns: 1,
            penalties: vec![0.0],
            steps: Vec::new(),
        };
        let table = FrequencyTable::count(&rows, &won, &[3], vec![2]);
        // Odoo: P(won) = 4/6; P(a|won) = 3.1 / (3.1 + 1.1); P(a|lost) = 0.1 / (0.1 + 2.1).
        let s_won = 4.0 / 6.0 * (3.1 / 4.2);
        let s_lost = 2.0 / 6.0 * (0.1 / 2.2);
        let odoo = s_won / (s_won + s_lost);
        let ours = sigmoid(table.base_log_odds() + table.evidence(0, 0).unwrap());
        assert!((odoo - ours).abs() < 1e-12, "{odoo} vs {ours}");
        assert_eq!(table.evidence(0, 2), None);
    }
}
