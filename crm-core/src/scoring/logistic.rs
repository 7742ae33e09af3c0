//! L2-regularised logistic regression fitted by Newton's method, and the choice of its
//! strength by k-fold cross-validation.
//!
//! The objective is the mean log-loss plus `l2 / 2 · |w|²` (the intercept, column 0, is not
//! penalised). It is strictly convex, so Newton steps with a backtracking line search reach
//! the one optimum in a handful of iterations, deterministically. The Hessian is dense over
//! the columns (a few hundred at most: one-hot levels and numeric steps) and accumulated from
//! the sparse rows, and reused while full Newton steps are accepted. The strength is chosen
//! on a stratified sample of at most [`CV_SAMPLE_CAP`] rows.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::scoring::features::EncodedRows;
use crate::scoring::metrics::roc_auc;

/// `ln(1 + e^x)` without overflow.
fn softplus(x: f64) -> f64 {
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

/// The logistic function.
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

fn dot(row: &[(u32, f64)], weights: &[f64]) -> f64 {
    row.iter().map(|&(c, v)| weights[c as usize] * v).sum()
}

/// The training problem: rows (a subset of the encoded records), labels and strength.
pub(crate) struct Problem<'a> {
    pub rows: &'a EncodedRows,
    pub won: &'a [bool],
    pub subset: &'a [usize],
    pub l2: f64,
}

impl Problem<'_> {
    /// The objective at `weights`.
    pub fn loss(&self, weights: &[f64]) -> f64 {
        let data: f64 = self
            .subset
            .iter()
            .map(|&r| {
                let z = dot(self.rows.row(r), weights);
                if self.won[r] {
                    softplus(-z)
                } else {
                    softplus(z)
                }
            })
            .sum();
        data / self.subset.len() as f64 + self.penalty(weights)
    }

    fn penalty(&self, weights: &[f64]) -> f64 {
        self.l2 / 2.0 * weights[1..].iter().map(|w| w * w).sum::<f64>()
    }

    /// The gradient of [`Problem::loss`] at `weights`.
    pub fn gradient(&self, weights: &[f64]) -> Vec<f64> {
        let mut gradient = vec![0.0; weights.len()];
        for &r in self.subset {
            let row = self.rows.row(r);
            let residual = sigmoid(dot(row, weights)) - f64::from(u8::from(self.won[r]));
            for &(c, v) in row {
                gradient[c as usize] += residual * v;
            }
        }
        let n = self.subset.len() as f64;
        for (j, g) in gradient.iter_mut().enumerate() {
            *g /= n;
            if j > 0 {
                *g += self.l2 * weights[j];
            }
        }
        gradient
    }

    /// The Hessian at `weights`, row-major.
    fn hessian(&self, weights: &[f64]) -> Vec<f64> {
        let d = weights.len();
        let mut hessian = vec![0.0; d * d];
        for &r in self.subset {
            let row = self.rows.row(r);
            let p = sigmoid(dot(row, weights));
            let curvature = p * (1.0 - p);
            for (k, &(a, va)) in row.iter().enumerate() {
                let scaled = curvature * va;
                let line = &mut hessian[a as usize * d..];
                for &(b, vb) in &row[k..] {
                    line[b as usize] += scaled * vb;
                }
            }
        }
        let n = self.subset.len() as f64;
        for a in 0..d {
            for b in a..d {
                let value = hessian[a * d + b] / n + if a == b && a > 0 { self.l2 } else { 0.0 };
                hessian[a * d + b] = value;
                hessian[b * d + a] = value;
            }
        }
        hessian
    }

    /// Minimise the objective from `start`. Newton directions come from a factorised
    /// Hessian that is kept while full steps are accepted and the Newton decrement falls
    /// tenfold per step, and rebuilt otherwise: building it is the expensive part (quadratic in a row's features
    /// per row), a solve with it is cheap, and any positive definite curvature gives descent
    /// directions, so the optimum reached is the same. `curvature` seeds it (e.g. from a
    /// subsample); the last one is returned.
    pub fn fit(
        &self,
        start: Vec<f64>,
        curvature: Option<Cholesky>,
    ) -> Result<(Vec<f64>, Cholesky)> {
        let mut weights = start;
        let mut loss = self.loss(&weights);
        let mut previous = f64::INFINITY;
        let mut factor = match curvature {
            Some(factor) => factor,
            None => Cholesky::new(self.hessian(&weights))?,
        };
        for _ in 0..MAX_STEPS {
            let gradient = self.gradient(&weights);
            let direction = factor.solve(&gradient);
            let decrement: f64 = gradient.iter().zip(&direction).map(|(g, d)| g * d).sum();
            if decrement < 1e-12 {
                break;
            }
            let mut step = 1.0;
            loop {
                let trial: Vec<f64> = weights
                    .iter()
                    .zip(&direction)
                    .map(|(w, d)| w - step * d)
                    .collect();
                let trial_loss = self.loss(&trial);
                if trial_loss <= loss - 1e-4 * step * decrement || step < 1e-10 {
                    weights = trial;
                    loss = trial_loss;
                    break;
                }
                step /= 2.0;
            }
            if step < 1.0 || decrement > previous / 10.0 {
                factor = Cholesky::new(self.hessian(&weights))?;
            }
            previous = decrement;
        }
        Ok((weights, factor))
    }
}

/// The most Newton steps one fit takes.
const MAX_STEPS: usize = 200;

/// The Cholesky factor `L` of a symmetric positive definite matrix `A = L·Lᵀ` (row-major,
/// lower triangle used).
pub(crate) struct Cholesky {
    factor: Vec<f64>,
    d: usize,
}

impl Cholesky {
    /// Factorise `a`; refuses a matrix that is not positive definite.
    fn new(mut a: Vec<f64>) -> Result<Cholesky> {
        let d = (a.len() as f64).sqrt() as usize;
        for j in 0..d {
            let mut diagonal = a[j * d + j];
            for k in 0..j {
                diagonal -= a[j * d + k] * a[j * d + k];
            }
            if diagonal.is_nan() || diagonal <= 0.0 {
                return Err(Error::Internal(format!(
                    "logistic Hessian not positive definite at column {j}"
                )));
            }
            let diagonal = diagonal.sqrt();
            a[j * d + j] = diagonal;
            for i in j + 1..d {
                let mut value = a[i * d + j];
                for k in 0..j {
                    value -= a[i * d + k] * a[j * d + k];
                }
                a[i * d + j] = value / diagonal;
            }
        }
        Ok(Cholesky { factor: a, d })
    }

    /// Solve `A · x = b`.
    fn solve(&self, b: &[f64]) -> Vec<f64> {
        let (a, d) = (&self.factor, self.d);
        let mut x = b.to_vec();
        for i in 0..d {
            for k in 0..i {
                x[i] -= a[i * d + k] * x[k];
            }
            x[i] /= a[i * d + i];
        }
        for i in (0..d).rev() {
            for k in i + 1..d {
                x[i] -= a[k * d + i] * x[k];
            }
            x[i] /= a[i * d + i];
        }
        x
    }
}

/// Assign each row to one of `folds` folds, stratified by outcome, deterministically.
pub(crate) fn stratified_folds(won: &[bool], folds: usize) -> Vec<usize> {
    let mut assignment = vec![0; won.len()];
    let mut next = [0usize; 2];
    // A fixed pseudo-random order, so folds do not follow the input's order.
    let mut order: Vec<usize> = (0..won.len()).collect();
    order.sort_by_key(|&i| splitmix64(i as u64));
    for i in order {
        let class = usize::from(won[i]);
        assignment[i] = next[class] % folds;
        next[class] += 1;
    }
    assignment
}

fn splitmix64(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// At most this many rows cross-validate the strength; the final fit uses all of them.
/// Past a few thousand rows the chosen strength barely moves, while the cost of k folds
/// times the grid grows with the rows. Above leadforge's training sets (3,500 to 4,250
/// rows), so the strengths chosen there are those of cross-validating every row.
pub(crate) const CV_SAMPLE_CAP: usize = 5_000;

/// Up to `cap` rows, stratified by outcome, in a fixed pseudo-random choice, ascending: all
/// rows when there are no more than `cap`.
pub(crate) fn stratified_sample(won: &[bool], cap: usize) -> Vec<usize> {
    if won.len() <= cap {
        return (0..won.len()).collect();
    }
    let wins = won.iter().filter(|&&w| w).count();
    let wanted_wins = (cap * wins).div_ceil(won.len());
    let mut want = [cap - wanted_wins, wanted_wins];
    let mut order: Vec<usize> = (0..won.len()).collect();
    order.sort_by_key(|&i| splitmix64(i as u64));
    let mut sample: Vec<usize> = order
        .into_iter()
        .filter(|&i| {
            let class = usize::from(won[i]);
            let take = want[class] > 0;
            want[class] -= usize::from(take);
            take
        })
        .collect();
    sample.sort_unstable();
    sample
}

/// The strength with the least out-of-fold log-loss (steadier than AUC on small folds), and
/// its mean out-of-fold AUC, over the rows of `sample`. `grid` is tried from the strongest
/// down, each fit warm-started from the previous one in its fold; ties keep the stronger.
/// Folds are fitted in parallel and combined in fold order, so the choice is deterministic.
pub(crate) fn choose_l2(
    rows: &EncodedRows,
    won: &[bool],
    sample: &[usize],
    grid: &[f64],
    folds: usize,
) -> Result<(f64, f64)> {
    let sample_won: Vec<bool> = sample.iter().map(|&r| won[r]).collect();
    let assignment = stratified_folds(&sample_won, folds);
    let mut strengths = grid.to_vec();
    strengths.sort_by(|a, b| b.total_cmp(a));
    // Per fold, per strength: (AUC if defined, held-out log-loss).
    let per_fold: Vec<Vec<(Option<f64>, f64)>> = (0..folds)
        .into_par_iter()
        .map(|fold| {
            let in_fold = |want: bool| -> Vec<usize> {
                (0..sample.len())
                    .filter(|&i| (assignment[i] == fold) == want)
                    .map(|i| sample[i])
                    .collect()
            };
            let (held, train) = (in_fold(true), in_fold(false));
            let labels: Vec<bool> = held.iter().map(|&r| won[r]).collect();
            let mut weights = vec![0.0; rows.columns];
            strengths
                .iter()
                .map(|&l2| {
                    let problem = Problem {
                        rows,
                        won,
                        subset: &train,
                        l2,
                    };
                    weights = problem.fit(std::mem::take(&mut weights), None)?.0;
                    let scores: Vec<f64> =
                        held.iter().map(|&r| dot(rows.row(r), &weights)).collect();
                    let log_loss = scores
                        .iter()
                        .zip(&labels)
                        .map(|(&z, &w)| if w { softplus(-z) } else { softplus(z) })
                        .sum::<f64>();
                    Ok((roc_auc(&scores, &labels), log_loss))
                })
                .collect::<Result<Vec<_>>>()
        })
        .collect::<Result<Vec<_>>>()?;
    let mut best: Option<(f64, f64, f64)> = None;
    for (s, &l2) in strengths.iter().enumerate() {
        let aucs: Vec<f64> = per_fold.iter().filter_map(|f| f[s].0).collect();
        let log_loss: f64 = per_fold.iter().map(|f| f[s].1).sum();
        let mean_auc = aucs.iter().sum::<f64>() / aucs.len().max(1) as f64;
        if best.is_none_or(|(_, _, loss)| log_loss < loss) {
            best = Some((l2, mean_auc, log_loss));
        }
    }
    best.map(|(l2, auc, _)| (l2, auc))
        .ok_or_else(|| Error::validation("predictive.l2_grid", "[]", "no strength to try"))
}

/// The linear score (log-odds) of an encoded row.
pub(crate) fn log_odds(row: &[(u32, f64)], weights: &[f64]) -> f64 {
    dot(row, weights)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rows_from(dense: &[Vec<f64>]) -> EncodedRows {
        let mut rows = EncodedRows {
            tokens: Vec::new(),
            starts: vec![0],
            entries: Vec::new(),
            columns: dense[0].len() + 1,
        };
        for row in dense {
            rows.entries.push((0, 1.0));
            for (j, &v) in row.iter().enumerate() {
                if v != 0.0 {
                    rows.entries.push((j as u32 + 1, v));
                }
            }
            rows.starts.push(rows.entries.len());
        }
        rows
    }

    proptest! {
        #[test]
        fn gradient_matches_finite_differences(
            data in prop::collection::vec((prop::collection::vec(-2.0f64..2.0, 3), any::<bool>()), 2..20),
            weights in prop::collection::vec(-1.5f64..1.5, 4),
            l2 in 0.0f64..1.0,
        ) {
            let dense: Vec<Vec<f64>> = data.iter().map(|d| d.0.clone()).collect();
            let won: Vec<bool> = data.iter().map(|d| d.1).collect();
            let rows = rows_from(&dense);
            let subset: Vec<usize> = (0..won.len()).collect();
            let problem = Problem { rows: &rows, won: &won, subset: &subset, l2 };
            let gradient = problem.gradient(&weights);
            for j in 0..weights.len() {
                let h = 1e-6;
                let mut up = weights.clone();
                up[j] += h;
                let mut down = weights.clone();
                down[j] -= h;
                let numeric = (problem.loss(&up) - problem.loss(&down)) / (2.0 * h);
                prop_assert!((numeric - gradient[j]).abs() < 1e-6, "{} vs {}", numeric, gradient[j]);
            }
        }
    }

    #[test]
    fn newton_reaches_a_stationary_point() {
        let dense: Vec<Vec<f64>> = (0..200)
            .map(|i| vec![(i % 7) as f64 - 3.0, ((i * 13) % 5) as f64])
            .collect();
        let won: Vec<bool> = (0..200).map(|i| (i % 7) + (i * 13 % 5) > 4).collect();
        let rows = rows_from(&dense);
        let subset: Vec<usize> = (0..200).collect();
        let problem = Problem {
            rows: &rows,
            won: &won,
            subset: &subset,
            l2: 0.01,
        };
        let (weights, _) = problem.fit(vec![0.0; 3], None).unwrap();
        let gradient = problem.gradient(&weights);
        assert!(gradient.iter().all(|g| g.abs() < 1e-8), "{gradient:?}");
        assert!(weights[1] > 0.0 && weights[2] > 0.0, "{weights:?}");
    }

    #[test]
    fn cholesky_solves() {
        let a = vec![4.0, 2.0, 2.0, 3.0];
        let x = Cholesky::new(a).unwrap().solve(&[2.0, 1.0]);
        assert!((4.0 * x[0] + 2.0 * x[1] - 2.0).abs() < 1e-12);
        assert!((2.0 * x[0] + 3.0 * x[1] - 1.0).abs() < 1e-12);
        assert!(Cholesky::new(vec![0.0]).is_err());
    }

    #[test]
    fn folds_are_stratified() {
        let won: Vec<bool> = (0..103).map(|i| i % 4 == 0).collect();
        let folds = stratified_folds(&won, 5);
        for fold in 0..5 {
            let wins = (0..103).filter(|&i| folds[i] == fold && won[i]).count();
            assert!((5..=6).contains(&wins), "fold {fold}: {wins}");
        }
    }

    #[test]
    fn the_sample_keeps_the_win_rate_and_is_stable() {
        // 1 in 4 won: a sample of 100 out of 1,000 holds 25 wins and 75 losses.
        let won: Vec<bool> = (0..1000).map(|i| i % 4 == 0).collect();
        let sample = stratified_sample(&won, 100);
        assert_eq!(sample.len(), 100);
        assert_eq!(sample.iter().filter(|&&r| won[r]).count(), 25);
        assert!(sample.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sample, stratified_sample(&won, 100));
        assert_eq!(
            stratified_sample(&won[..50], 100),
            (0..50).collect::<Vec<_>>()
        );
    }
}
