//! L2-regularised logistic regression fitted by Newton's method, and the choice of its
//! strength by k-fold cross-validation.
//!
//! The objective is the mean log-loss plus `l2 / 2 · Σ sⱼ·wⱼ²`, each column's scale `sⱼ`
//! set by its encoding (0 for the intercept, column 0). It is strictly convex, so Newton steps with a backtracking line search reach
//! the one optimum in a handful of iterations, deterministically. The Hessian is dense over
//! the columns (a few hundred at most: one-hot levels and numeric steps) and accumulated from
//! the sparse rows, and reused while full Newton steps are accepted. The strength is chosen
//! on a stratified sample of at most [`CV_SAMPLE_CAP`] rows.

use std::ops::Range;

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

/// Rows per chunk of a parallel pass over the rows. Chunks follow the data, not the
/// threads, and their partial sums are added in chunk order, so a fit does not depend on
/// how many threads ran it.
const CHUNK: usize = 4096;

/// `part` of each chunk of `0..len`, the chunks in parallel, in chunk order.
fn chunked<T: Send>(len: usize, part: impl Fn(Range<usize>) -> T + Sync) -> Vec<T> {
    (0..len.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| part(c * CHUNK..((c + 1) * CHUNK).min(len)))
        .collect()
}

/// The training problem: rows (a subset of the encoded records), labels and strength.
pub(crate) struct Problem<'a> {
    pub rows: &'a EncodedRows,
    pub won: &'a [bool],
    pub subset: &'a [usize],
    pub l2: f64,
}

/// The curvature of the data term of the objective at some weights: the mean of
/// `p(1 − p)·x·xᵀ` over the rows, row-major. Newton's system for any strength is this plus
/// the penalty's diagonal, so a fit can start from the curvature of another strength's fit
/// at the cost of one factorisation instead of a pass over the rows.
pub(crate) struct Curvature(Vec<f64>);

impl Problem<'_> {
    /// Each row's log-odds under `weights` (`X·w`), in subset order.
    pub fn margins(&self, weights: &[f64]) -> Vec<f64> {
        margins(self.rows, self.subset, weights)
    }

    /// The objective at `weights`, whose [`margins`](Problem::margins) are given.
    pub fn loss(&self, margins: &[f64], weights: &[f64]) -> f64 {
        let parts = chunked(margins.len(), |range| {
            range
                .map(|i| {
                    let z = margins[i];
                    if self.won[self.subset[i]] {
                        softplus(-z)
                    } else {
                        softplus(z)
                    }
                })
                .sum::<f64>()
        });
        let penalty = self.l2 / 2.0
            * (weights.iter().zip(&self.rows.penalties))
                .map(|(w, s)| s * w * w)
                .sum::<f64>();
        parts.iter().sum::<f64>() / margins.len() as f64 + penalty
    }

    /// The gradient of [`Problem::loss`] at `weights`, whose margins are given.
    pub fn gradient(&self, margins: &[f64], weights: &[f64]) -> Vec<f64> {
        let parts = chunked(margins.len(), |range| {
            let mut part = vec![0.0; weights.len()];
            for i in range {
                let r = self.subset[i];
                let residual = sigmoid(margins[i]) - f64::from(u8::from(self.won[r]));
                for &(c, v) in self.rows.row(r) {
                    part[c as usize] += residual * v;
                }
            }
            part
        });
        let n = margins.len() as f64;
        let mut gradient = add_up(parts, weights.len());
        self.rows.to_steps(&mut gradient);
        for ((g, w), s) in gradient.iter_mut().zip(weights).zip(&self.rows.penalties) {
            *g = *g / n + self.l2 * s * w;
        }
        gradient
    }

    /// The curvature of the data term where the rows have `margins`.
    fn curvature(&self, margins: &[f64]) -> Curvature {
        let d = self.rows.columns;
        // The upper triangle only: a row adds `p(1 − p)·xa·xb` for its feature pairs a ≤ b.
        let parts = chunked(margins.len(), |range| {
            let mut part = vec![0.0; d * d];
            for i in range {
                let row = self.rows.row(self.subset[i]);
                let p = sigmoid(margins[i]);
                let weight = p * (1.0 - p);
                for (k, &(a, va)) in row.iter().enumerate() {
                    let scaled = weight * va;
                    let line = &mut part[a as usize * d..];
                    for &(b, vb) in &row[k..] {
                        line[b as usize] += scaled * vb;
                    }
                }
            }
            part
        });
        let mut curvature = add_up(parts, d * d);
        let n = margins.len() as f64;
        for a in 0..d {
            for b in a..d {
                let value = curvature[a * d + b] / n;
                curvature[a * d + b] = value;
                curvature[b * d + a] = value;
            }
        }
        self.rows.curvature_to_steps(&mut curvature);
        Curvature(curvature)
    }

    /// Newton's matrix for this strength: `curvature` plus the penalty's.
    fn newton_matrix(&self, curvature: &Curvature) -> Result<Cholesky> {
        let mut matrix = curvature.0.clone();
        let d = self.rows.columns;
        for (j, s) in self.rows.penalties.iter().enumerate() {
            matrix[j * d + j] += self.l2 * s;
        }
        Cholesky::new(matrix)
    }

    /// Minimise the objective from `start`. Newton directions come from a factorised
    /// matrix that is kept while full steps are accepted and the Newton decrement falls
    /// tenfold per step, and rebuilt otherwise: building the curvature is the expensive part
    /// (quadratic in a row's features, per row), a solve is cheap, and any positive definite
    /// matrix gives descent directions, so the optimum reached is the same. `curvature`
    /// seeds it (from a subsample, or another strength); the last one is returned.
    pub fn fit(
        &self,
        start: Vec<f64>,
        curvature: Option<Curvature>,
    ) -> Result<(Vec<f64>, Curvature)> {
        let mut weights = start;
        let mut margins = self.margins(&weights);
        let mut loss = self.loss(&margins, &weights);
        let mut curvature = curvature.unwrap_or_else(|| self.curvature(&margins));
        let mut factor = self.newton_matrix(&curvature)?;
        let mut previous = f64::INFINITY;
        for _ in 0..MAX_STEPS {
            let gradient = self.gradient(&margins, &weights);
            let direction = factor.solve(&gradient);
            let decrement: f64 = gradient.iter().zip(&direction).map(|(g, d)| g * d).sum();
            if decrement < TOLERANCE {
                break;
            }
            // Margins move linearly with the weights: one pass gives them for every step size.
            let shift = self.margins(&direction);
            let mut step = 1.0;
            loop {
                let trial: Vec<f64> = weights
                    .iter()
                    .zip(&direction)
                    .map(|(w, d)| w - step * d)
                    .collect();
                let trial_margins: Vec<f64> = margins
                    .iter()
                    .zip(&shift)
                    .map(|(z, s)| z - step * s)
                    .collect();
                let trial_loss = self.loss(&trial_margins, &trial);
                if trial_loss <= loss - 1e-4 * step * decrement || step < 1e-10 {
                    weights = trial;
                    margins = trial_margins;
                    loss = trial_loss;
                    break;
                }
                step /= 2.0;
            }
            if step < 1.0 || decrement > previous / 10.0 {
                curvature = self.curvature(&margins);
                factor = self.newton_matrix(&curvature)?;
            }
            previous = decrement;
        }
        Ok((weights, curvature))
    }
}

/// The log-odds of the `subset` rows under `weights` (on steps), in order.
fn margins(rows: &EncodedRows, subset: &[usize], weights: &[f64]) -> Vec<f64> {
    let bins = rows.to_bins(weights);
    subset
        .par_iter()
        .with_min_len(CHUNK)
        .map(|&r| dot(rows.row(r), &bins))
        .collect()
}

/// The element-wise sum of `parts`, added in order.
fn add_up(parts: Vec<Vec<f64>>, len: usize) -> Vec<f64> {
    parts
        .into_iter()
        .reduce(|mut total, part| {
            total.iter_mut().zip(&part).for_each(|(t, p)| *t += p);
            total
        })
        .unwrap_or_else(|| vec![0.0; len])
}

/// A fit stops when the Newton decrement, about twice the gap between the objective and
/// its minimum, falls below this: far below what moves a ranking, and a few steps short of
/// the rounding noise of a mean over many rows.
const TOLERANCE: f64 = 1e-10;

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
/// The search stops once [`PATIENCE`] strengths in a row do worse than the best: held-out
/// loss falls then rises along the path, and the weakest strengths are the slowest to fit.
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
    let mut folds: Vec<Fold> = (0..folds)
        .map(|fold| {
            let (held, train): (Vec<usize>, Vec<usize>) =
                (0..sample.len()).partition(|&i| assignment[i] == fold);
            Fold {
                held: held.iter().map(|&i| sample[i]).collect(),
                train: train.iter().map(|&i| sample[i]).collect(),
                weights: vec![0.0; rows.columns],
                curvature: None,
            }
        })
        .collect();
    let mut strengths = grid.to_vec();
    strengths.sort_by(|a, b| b.total_cmp(a));
    // (strength, mean AUC, summed held-out log-loss) of the best so far.
    let mut best: Option<(f64, f64, f64)> = None;
    let mut worse_since_best = 0;
    for l2 in strengths {
        let scored: Vec<(Option<f64>, f64)> = folds
            .par_iter_mut()
            .map(|fold| fold.fit_and_score(rows, won, l2))
            .collect::<Result<_>>()?;
        let aucs: Vec<f64> = scored.iter().filter_map(|s| s.0).collect();
        let mean_auc = aucs.iter().sum::<f64>() / aucs.len().max(1) as f64;
        let log_loss: f64 = scored.iter().map(|s| s.1).sum();
        if best.is_none_or(|(_, _, loss)| log_loss < loss) {
            best = Some((l2, mean_auc, log_loss));
            worse_since_best = 0;
        } else {
            worse_since_best += 1;
            if worse_since_best == PATIENCE {
                break;
            }
        }
    }
    best.map(|(l2, auc, _)| (l2, auc))
        .ok_or_else(|| Error::validation("predictive.l2_grid", "[]", "no strength to try"))
}

/// How many strengths in a row may do worse than the best before the search stops.
const PATIENCE: usize = 2;

/// One cross-validation fold: its rows, and its fit along the strengths so far.
struct Fold {
    held: Vec<usize>,
    train: Vec<usize>,
    weights: Vec<f64>,
    curvature: Option<Curvature>,
}

impl Fold {
    /// Fit the training rows at `l2`, from the previous strength's fit, and score the held-out
    /// rows: their AUC (if defined) and summed log-loss.
    fn fit_and_score(
        &mut self,
        rows: &EncodedRows,
        won: &[bool],
        l2: f64,
    ) -> Result<(Option<f64>, f64)> {
        let problem = Problem {
            rows,
            won,
            subset: &self.train,
            l2,
        };
        let (weights, curvature) =
            problem.fit(std::mem::take(&mut self.weights), self.curvature.take())?;
        let scores = margins(rows, &self.held, &weights);
        let labels: Vec<bool> = self.held.iter().map(|&r| won[r]).collect();
        let log_loss = scores
            .iter()
            .zip(&labels)
            .map(|(&z, &w)| if w { softplus(-z) } else { softplus(z) })
            .sum::<f64>();
        (self.weights, self.curvature) = (weights, Some(curvature));
        Ok((roc_auc(&scores, &labels), log_loss))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Rows with an intercept, then `dense`'s columns penalised by `scales`; the columns in
    /// `steps` are bins whose weights are taken on steps.
    fn rows_from(dense: &[Vec<f64>], scales: &[f64], steps: Vec<Range<usize>>) -> EncodedRows {
        let mut rows = EncodedRows {
            tokens: Vec::new(),
            starts: vec![0],
            entries: Vec::new(),
            columns: dense[0].len() + 1,
            penalties: std::iter::once(0.0).chain(scales.iter().copied()).collect(),
            steps,
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
        /// The gradient and the curvature against finite differences of the loss and the
        /// gradient, with two of the columns taken as bins under step weights.
        #[test]
        fn derivatives_match_finite_differences(
            data in prop::collection::vec((prop::collection::vec(-2.0f64..2.0, 3), any::<bool>()), 2..20),
            weights in prop::collection::vec(-1.5f64..1.5, 4),
            l2 in 0.0f64..1.0,
            scales in prop::collection::vec(0.0f64..10.0, 3),
        ) {
            let dense: Vec<Vec<f64>> = data.iter().map(|d| d.0.clone()).collect();
            let won: Vec<bool> = data.iter().map(|d| d.1).collect();
            let rows = rows_from(&dense, &scales, std::iter::once(2..4).collect());
            let subset: Vec<usize> = (0..won.len()).collect();
            let problem = Problem { rows: &rows, won: &won, subset: &subset, l2 };
            let loss = |w: &[f64]| problem.loss(&problem.margins(w), w);
            let gradient = |w: &[f64]| problem.gradient(&problem.margins(w), w);
            let at = gradient(&weights);
            let Curvature(curvature) = problem.curvature(&problem.margins(&weights));
            let h = 1e-6;
            for j in 0..weights.len() {
                let mut up = weights.clone();
                up[j] += h;
                let mut down = weights.clone();
                down[j] -= h;
                let slope = (loss(&up) - loss(&down)) / (2.0 * h);
                prop_assert!((slope - at[j]).abs() < 1e-6, "{} vs {}", slope, at[j]);
                let (g_up, g_down) = (gradient(&up), gradient(&down));
                for k in 0..weights.len() {
                    let penalty = if j == k { l2 * rows.penalties[j] } else { 0.0 };
                    let bend = (g_up[k] - g_down[k]) / (2.0 * h);
                    let exact = curvature[j * weights.len() + k] + penalty;
                    prop_assert!((bend - exact).abs() < 1e-6, "({}, {}): {} vs {}", j, k, bend, exact);
                }
            }
        }
    }

    #[test]
    fn newton_reaches_a_stationary_point() {
        let dense: Vec<Vec<f64>> = (0..200)
            .map(|i| vec![(i % 7) as f64 - 3.0, ((i * 13) % 5) as f64])
            .collect();
        let won: Vec<bool> = (0..200).map(|i| (i % 7) + (i * 13 % 5) > 4).collect();
        let rows = rows_from(&dense, &[1.0, 1.0], Vec::new());
        let subset: Vec<usize> = (0..200).collect();
        let problem = Problem {
            rows: &rows,
            won: &won,
            subset: &subset,
            l2: 0.01,
        };
        let (weights, _) = problem.fit(vec![0.0; 3], None).unwrap();
        let gradient = problem.gradient(&problem.margins(&weights), &weights);
        // The fit stops once gᵀ·H⁻¹·g < 1e-10, so |g|² < λmax(H)·1e-10, and λmax(H) is at
        // most its trace: below 0.25·(1 + 3² + 4²) + 2·0.01 < 6.6 for these rows.
        assert!(gradient.iter().all(|g| g.abs() < 2.6e-5), "{gradient:?}");
        assert!(weights[1] > 0.0 && weights[2] > 0.0, "{weights:?}");
    }

    #[test]
    fn a_column_penalised_harder_takes_less_of_the_effect() {
        // Two copies of one feature: the loss sees only their sum, so the penalty alone
        // splits it, w₁·s₁ = w₂·s₂, and the copy penalised ten times harder gets a tenth.
        let dense: Vec<Vec<f64>> = (0..300).map(|i| vec![(i % 5) as f64 - 2.0; 2]).collect();
        let won: Vec<bool> = (0..300).map(|i| i % 5 + i % 3 > 3).collect();
        let rows = rows_from(&dense, &[1.0, 10.0], Vec::new());
        let subset: Vec<usize> = (0..300).collect();
        let problem = Problem {
            rows: &rows,
            won: &won,
            subset: &subset,
            l2: 0.05,
        };
        let (weights, _) = problem.fit(vec![0.0; 3], None).unwrap();
        assert!(weights[1] > 0.1, "{weights:?}");
        assert!((weights[1] - 10.0 * weights[2]).abs() < 1e-6, "{weights:?}");
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
