//! Predictive scoring: a model trained on closed (won or lost) leads.
//!
//! [`train`] applies the minimum-data rule first: with too little history (by default fewer
//! than 1,000 closed or 120 won leads) it returns [`TrainingOutcome::InsufficientHistory`] and
//! the host keeps scoring with its [`PointsModel`](crate::scoring::PointsModel). Otherwise it
//! encodes the fields ([`FieldEncoder`]) and fits the configured [`Algorithm`]: a regularised
//! logistic regression whose L2 strength is chosen by stratified k-fold cross-validation on
//! the training set, or the Odoo-compatible naive Bayes baseline.
//!
//! A [`Prediction`] explains itself: the log-odds of the average training lead plus one
//! [`Factor`] per field, so `probability = σ(base_log_odds + Σ contributions)`.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::scoring::features::{EncodingOptions, FeatureField, FieldEncoder, FieldEncoding};
use crate::scoring::logistic::{self, Problem, sigmoid};
use crate::scoring::lookup::FieldLookup;
use crate::scoring::naive_bayes::FrequencyTable;

/// Which model [`train`] fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// L2-regularised logistic regression over one-hot levels and scaled, stepped numbers.
    Logistic,
    /// Odoo's categorical naive Bayes over won/lost frequencies.
    NaiveBayes,
}

/// How [`train`] learns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictiveConfig {
    /// The model to fit.
    pub algorithm: Algorithm,
    /// The fewest closed leads to train on.
    pub min_closed: usize,
    /// The fewest won leads to train on.
    pub min_won: usize,
    /// How fields are encoded.
    pub encoding: EncodingOptions,
    /// The L2 strengths cross-validation chooses from.
    pub l2_grid: Vec<f64>,
    /// The number of cross-validation folds.
    pub folds: usize,
}

impl Default for PredictiveConfig {
    fn default() -> Self {
        PredictiveConfig {
            algorithm: Algorithm::Logistic,
            min_closed: 1000,
            min_won: 120,
            encoding: EncodingOptions::default(),
            l2_grid: vec![1.0, 0.3, 0.1, 0.03, 0.01, 0.003, 0.001, 0.0003],
            folds: 5,
        }
    }
}

/// What [`train`] did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrainingOutcome {
    /// A model was fitted; [`PredictiveModel::summary`] says which and how.
    Trained(PredictiveModel),
    /// Too little history: keep scoring with points.
    InsufficientHistory {
        /// Closed leads given.
        closed: usize,
        /// Of which won.
        won: usize,
        /// Of which lost.
        lost: usize,
        /// The configured minimum of closed leads.
        min_closed: usize,
        /// The configured minimum of won leads.
        min_won: usize,
    },
}

/// How a model was trained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// The model kind.
    pub algorithm: Algorithm,
    /// Closed leads trained on.
    pub closed: usize,
    /// Of which won.
    pub won: usize,
    /// The chosen L2 strength (logistic only).
    pub l2: Option<f64>,
    /// The mean out-of-fold AUC of that strength (logistic only).
    pub cv_auc: Option<f64>,
}

/// The learned parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Learned {
    /// Logistic regression.
    Logistic {
        /// One weight per encoded column; column 0 is the intercept.
        weights: Vec<f64>,
        /// Each field's mean contribution over the training leads, the reference its
        /// factors are measured from.
        field_means: Vec<f64>,
    },
    /// Naive Bayes frequencies.
    NaiveBayes(FrequencyTable),
}

/// A trained predictive model; serialises to JSON and back exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PredictiveModel {
    /// How fields are encoded.
    pub encoder: FieldEncoder,
    /// The parameters.
    pub learned: Learned,
    /// How it was trained.
    pub summary: TrainingSummary,
}

/// A lead's predicted chance of being won, with the factors that made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The chance of winning, in (0, 1).
    pub probability: f64,
    /// The log-odds before any field's evidence: the average training lead (logistic) or the
    /// prior (naive Bayes).
    pub base_log_odds: f64,
    /// One per field that counted, largest effect first.
    pub factors: Vec<Factor>,
}

impl Prediction {
    /// The `n` factors with the largest effect.
    pub fn top_factors(&self, n: usize) -> &[Factor] {
        &self.factors[..n.min(self.factors.len())]
    }
}

/// One field's part in a prediction.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    /// The field.
    pub field: String,
    /// Its value as the model saw it: a level, `other`, `missing` or a numeric range.
    pub value: String,
    /// What it adds to the log-odds (negative lowers the chance).
    pub contribution: f64,
}

/// Train on closed leads: `records[i]` was won when `won[i]`.
///
/// ```
/// use crm_core::record::Value;
/// use crm_core::scoring::{FeatureField, PredictiveConfig, TrainingOutcome, train};
/// use std::collections::BTreeMap;
///
/// let records: Vec<BTreeMap<String, Value>> = (0..400)
///     .map(|i| BTreeMap::from([
///         ("source".to_string(), Value::from(if i % 3 == 0 { "referral" } else { "ads" })),
///         ("visits".to_string(), Value::Int(i % 10)),
///     ]))
///     .collect();
/// let won: Vec<bool> = (0..400).map(|i| i % 3 == 0 || i % 10 > 7).collect();
/// let fields = [FeatureField::categorical("source"), FeatureField::numeric("visits")];
/// let config = PredictiveConfig { min_closed: 100, min_won: 20, ..Default::default() };
/// let TrainingOutcome::Trained(model) = train(&config, &fields, &records, &won)? else {
///     panic!("enough history");
/// };
/// let prediction = model.predict(&records[0]);
/// assert!(prediction.probability > 0.5);
/// assert_eq!(prediction.top_factors(1)[0].field, "source");
/// # Ok::<(), crm_core::Error>(())
/// ```
pub fn train<R: FieldLookup>(
    config: &PredictiveConfig,
    fields: &[FeatureField],
    records: &[R],
    won: &[bool],
) -> Result<TrainingOutcome> {
    if records.len() != won.len() {
        return Err(Error::validation(
            "predictive.won",
            won.len().to_string(),
            format!("one outcome per record expected, {} records", records.len()),
        ));
    }
    if fields.is_empty() {
        return Err(Error::validation(
            "predictive.fields",
            "[]",
            "no field to learn from",
        ));
    }
    let wins = won.iter().filter(|&&w| w).count();
    let lost = won.len() - wins;
    if won.len() < config.min_closed || wins < config.min_won || lost == 0 {
        return Ok(TrainingOutcome::InsufficientHistory {
            closed: won.len(),
            won: wins,
            lost,
            min_closed: config.min_closed,
            min_won: config.min_won,
        });
    }
    let (encoder, rows) = FieldEncoder::fit_encode(fields, records, config.encoding);
    let mut summary = TrainingSummary {
        algorithm: config.algorithm,
        closed: won.len(),
        won: wins,
        l2: None,
        cv_auc: None,
    };
    let learned = match config.algorithm {
        Algorithm::NaiveBayes => {
            let tokens: Vec<usize> = encoder
                .fields
                .iter()
                .map(FieldEncoding::token_count)
                .collect();
            let missing = tokens.iter().map(|&n| n as u32 - 1).collect();
            Learned::NaiveBayes(FrequencyTable::count(&rows, won, &tokens, missing))
        }
        Algorithm::Logistic => {
            let sample = logistic::stratified_sample(won, logistic::CV_SAMPLE_CAP);
            let (l2, cv_auc) =
                logistic::choose_l2(&rows, won, &sample, &config.l2_grid, config.folds)?;
            summary.l2 = Some(l2);
            summary.cv_auc = Some(cv_auc);
            let fit_on = |subset: &[usize], start, curvature| {
                Problem {
                    rows: &rows,
                    won,
                    subset,
                    l2,
                }
                .fit(start, curvature)
            };
            // On many rows, the sample's optimum and curvature start the final fit near
            // its end, sparing the Hessian of every row.
            let (start, curvature) = if sample.len() < won.len() {
                let (weights, curvature) = fit_on(&sample, vec![0.0; rows.columns], None)?;
                (weights, Some(curvature))
            } else {
                (vec![0.0; rows.columns], None)
            };
            let all: Vec<usize> = (0..won.len()).collect();
            let (weights, _) = fit_on(&all, start, curvature)?;
            // A field's mean contribution is its weights times its columns' means.
            let mut column_sums = vec![0.0; rows.columns];
            for r in 0..rows.len() {
                for &(column, value) in rows.row(r) {
                    column_sums[column as usize] += value;
                }
            }
            rows.to_steps(&mut column_sums);
            let offsets = encoder.offsets();
            let mut field_means = vec![0.0; encoder.fields.len()];
            for column in 1..rows.columns {
                let field = offsets.partition_point(|&o| o <= column) - 1;
                field_means[field] += weights[column] * column_sums[column] / rows.len() as f64;
            }
            Learned::Logistic {
                weights,
                field_means,
            }
        }
    };
    Ok(TrainingOutcome::Trained(PredictiveModel {
        encoder,
        learned,
        summary,
    }))
}

/// The token `encoding` gives `record`'s value.
fn token(record: &impl FieldLookup, encoding: &FieldEncoding) -> usize {
    encoding.encode_with(&record.field_ref(encoding.field()), |_, _| ())
}

impl PredictiveModel {
    /// The chance that `record` is won, with its factors.
    pub fn predict(&self, record: &impl FieldLookup) -> Prediction {
        let (base_log_odds, mut factors) = match &self.learned {
            Learned::Logistic {
                weights,
                field_means,
            } => {
                let mut offset = 1;
                let factors: Vec<Factor> = self
                    .encoder
                    .fields
                    .iter()
                    .zip(field_means)
                    .map(|(encoding, mean)| {
                        let mut contribution = 0.0;
                        let token = encoding
                            .encode_with(&record.field_ref(encoding.field()), |column, x| {
                                contribution += weights[offset + column as usize] * x
                            });
                        offset += encoding.width();
                        Factor {
                            field: encoding.field().to_owned(),
                            value: encoding.token_label(token),
                            contribution: contribution - mean,
                        }
                    })
                    .collect();
                (weights[0] + field_means.iter().sum::<f64>(), factors)
            }
            Learned::NaiveBayes(table) => {
                let factors: Vec<Factor> = self
                    .encoder
                    .fields
                    .iter()
                    .enumerate()
                    .filter_map(|(f, encoding)| {
                        let token = token(record, encoding);
                        table.evidence(f, token as u32).map(|contribution| Factor {
                            field: encoding.field().to_owned(),
                            value: encoding.token_label(token),
                            contribution,
                        })
                    })
                    .collect();
                (table.base_log_odds(), factors)
            }
        };
        factors.sort_by(|a, b| b.contribution.abs().total_cmp(&a.contribution.abs()));
        let log_odds = base_log_odds + factors.iter().map(|f| f.contribution).sum::<f64>();
        Prediction {
            probability: sigmoid(log_odds),
            base_log_odds,
            factors,
        }
    }

    /// The chance that `record` is won, without explanation (for ranking many leads).
    pub fn probability(&self, record: &impl FieldLookup) -> f64 {
        let fields = &self.encoder.fields;
        let log_odds = match &self.learned {
            Learned::Logistic { weights, .. } => {
                let (mut log_odds, mut offset) = (weights[0], 1);
                for encoding in fields {
                    encoding.encode_with(&record.field_ref(encoding.field()), |column, x| {
                        log_odds += weights[offset + column as usize] * x
                    });
                    offset += encoding.width();
                }
                log_odds
            }
            Learned::NaiveBayes(table) => {
                let evidence: f64 = (fields.iter().enumerate())
                    .filter_map(|(f, encoding)| table.evidence(f, token(record, encoding) as u32))
                    .sum();
                table.base_log_odds() + evidence
            }
        };
        sigmoid(log_odds)
    }

    /// The [`probability`](PredictiveModel::probability) of each of `records`, in order,
    /// computed in parallel: ranking a whole pipeline at once.
    pub fn probabilities<R: FieldLookup + Sync>(&self, records: &[R]) -> Vec<f64> {
        records
            .par_iter()
            .with_min_len(1024)
            .map(|record| self.probability(record))
            .collect()
    }

    /// The model as a JSON document.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a predictive model always serialises")
    }

    /// Read a model written by [`PredictiveModel::to_json`], checking that its parameters fit
    /// its encoder.
    pub fn from_json(json: &str) -> Result<PredictiveModel> {
        let bad = |reason: String| {
            Error::validation(
                "predictive_model",
                json.chars().take(80).collect::<String>(),
                reason,
            )
        };
        let model: PredictiveModel =
            serde_json::from_str(json).map_err(|e| bad(format!("not a predictive model: {e}")))?;
        let fits = match &model.learned {
            Learned::Logistic {
                weights,
                field_means,
            } => {
                weights.len() == model.encoder.columns()
                    && field_means.len() == model.encoder.fields.len()
            }
            Learned::NaiveBayes(table) => {
                table.counts.len() == model.encoder.fields.len()
                    && table.missing_tokens.len() == model.encoder.fields.len()
                    && table
                        .counts
                        .iter()
                        .zip(&model.encoder.fields)
                        .all(|(counts, field)| counts.len() == field.token_count())
            }
        };
        if !fits {
            return Err(bad("parameters do not match the field encodings".to_owned()));
        }
        Ok(model)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Value;
    use crate::scoring::metrics::roc_auc;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    type Lead = BTreeMap<String, Value>;

    /// Leads whose chance of winning rises with visits and with an `inbound` source, plus a
    /// noise field; outcomes drawn from a fixed pseudo-random sequence.
    fn history(n: usize, seed: u64) -> (Vec<Lead>, Vec<bool>) {
        let (leads, won, _) = history_with_truth(n, seed);
        (leads, won)
    }

    /// [`history`] with each lead's true log-odds.
    fn history_with_truth(n: usize, seed: u64) -> (Vec<Lead>, Vec<bool>, Vec<f64>) {
        let mut state = seed;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        let mut leads = Vec::with_capacity(n);
        let mut won = Vec::with_capacity(n);
        let mut truth = Vec::with_capacity(n);
        for _ in 0..n {
            let visits = (next() * 12.0).floor() as i64;
            let source = ["inbound", "outbound", "event"][(next() * 3.0) as usize];
            let noise = ["a", "b", "c", "d"][(next() * 4.0) as usize];
            let log_odds =
                -1.5 + 0.25 * visits as f64 + if source == "inbound" { 1.0 } else { 0.0 };
            won.push(next() < sigmoid(log_odds));
            truth.push(log_odds);
            let mut lead = Lead::from([
                ("source".to_string(), Value::from(source)),
                ("noise".to_string(), Value::from(noise)),
            ]);
            if next() > 0.05 {
                lead.insert("visits".to_string(), Value::Int(visits));
            }
            leads.push(lead);
        }
        (leads, won, truth)
    }

    fn fields() -> Vec<FeatureField> {
        vec![
            FeatureField::categorical("source"),
            FeatureField::categorical("noise"),
            FeatureField::numeric("visits"),
        ]
    }

    fn trained(algorithm: Algorithm) -> PredictiveModel {
        let (leads, won) = history(1500, 7);
        let config = PredictiveConfig {
            algorithm,
            ..PredictiveConfig::default()
        };
        match train(&config, &fields(), &leads, &won).unwrap() {
            TrainingOutcome::Trained(model) => model,
            other => panic!("expected a model, got {other:?}"),
        }
    }

    #[test]
    fn both_models_rank_unseen_leads_almost_as_well_as_the_truth() {
        let (test, won, truth) = history_with_truth(2000, 99);
        let best = roc_auc(&truth, &won).unwrap();
        let auc = |model: &PredictiveModel| {
            let scores: Vec<f64> = test.iter().map(|l| model.probability(l)).collect();
            roc_auc(&scores, &won).unwrap()
        };
        let logistic = trained(Algorithm::Logistic);
        let bayes = trained(Algorithm::NaiveBayes);
        let (a, b) = (auc(&logistic), auc(&bayes));
        assert!(a > best - 0.02, "logistic AUC {a}, true log-odds {best}");
        assert!(b > best - 0.03, "naive Bayes AUC {b}, true log-odds {best}");
        assert!(a + 0.01 > b, "logistic {a} vs naive Bayes {b}");
        assert!(logistic.summary.l2.is_some() && logistic.summary.cv_auc.unwrap() > 0.7);
    }

    #[test]
    fn factors_add_up_to_the_probability_and_name_the_signal() {
        for algorithm in [Algorithm::Logistic, Algorithm::NaiveBayes] {
            let model = trained(algorithm);
            let lead = Lead::from([
                ("source".to_string(), Value::from("inbound")),
                ("noise".to_string(), Value::from("b")),
                ("visits".to_string(), Value::Int(11)),
            ]);
            let prediction = model.predict(&lead);
            let log_odds = prediction.base_log_odds
                + prediction
                    .factors
                    .iter()
                    .map(|f| f.contribution)
                    .sum::<f64>();
            assert!((sigmoid(log_odds) - prediction.probability).abs() < 1e-12);
            assert!((model.probability(&lead) - prediction.probability).abs() < 1e-12);
            assert!(
                prediction.probability > 0.8,
                "{algorithm:?}: {prediction:?}"
            );
            let top: Vec<&str> = prediction
                .top_factors(2)
                .iter()
                .map(|f| f.field.as_str())
                .collect();
            assert!(
                top.contains(&"visits") && top.contains(&"source"),
                "{top:?}"
            );
        }
    }

    #[test]
    fn too_little_history_says_so() {
        let (leads, won) = history(300, 1);
        let outcome = train(&PredictiveConfig::default(), &fields(), &leads, &won).unwrap();
        let TrainingOutcome::InsufficientHistory {
            closed, min_closed, ..
        } = outcome
        else {
            panic!("300 closed leads are below the default minimum");
        };
        assert_eq!((closed, min_closed), (300, 1000));
        let err = train(&PredictiveConfig::default(), &fields(), &leads, &won[1..]).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Validation);
    }

    #[test]
    fn a_model_with_mismatched_parameters_is_refused() {
        let mut model = trained(Algorithm::Logistic);
        if let Learned::Logistic { weights, .. } = &mut model.learned {
            weights.pop();
        }
        assert!(PredictiveModel::from_json(&model.to_json()).is_err());
        assert!(PredictiveModel::from_json("{}").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(8))]
        #[test]
        fn json_round_trips_exactly(seed in any::<u64>(), bayes in any::<bool>()) {
            let (leads, won) = history(1200, seed);
            let config = PredictiveConfig {
                algorithm: if bayes { Algorithm::NaiveBayes } else { Algorithm::Logistic },
                min_closed: 100,
                min_won: 10,
                l2_grid: vec![0.1, 0.01],
                folds: 3,
                ..PredictiveConfig::default()
            };
            if let TrainingOutcome::Trained(model) = train(&config, &fields(), &leads, &won).unwrap() {
                let back = PredictiveModel::from_json(&model.to_json()).unwrap();
                prop_assert_eq!(&back, &model);
                prop_assert_eq!(back.probability(&leads[0]), model.probability(&leads[0]));
            }
        }
    }
}
