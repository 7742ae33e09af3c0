//! Evaluation harness for predictive lead scoring: train on one CSV of closed leads, score
//! another, and report ranking quality.
//!
//! ```text
//! cargo run --release --example scoring_eval -- --train TRAIN.csv --test TEST.csv \
//!     --label COLUMN [--model logistic|nb] [--drop COL,COL...]
//! ```
//!
//! Column types are inferred from the training file: booleans, integers, decimals, dates and
//! instants, else text. The engine's field inference then drops identifiers (values that do
//! not repeat), timestamps and constant columns. `scripts/leadforge_csv.py` makes such files
//! from the leadforge simulator. The last line of stdout is one JSON object with the figures.

use std::collections::BTreeMap;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use crm::core::record::Value;
use crm::core::scoring::metrics::{average_precision, roc_auc};
use crm::core::scoring::{Algorithm, PredictiveConfig, TrainingOutcome, infer_fields, train};
use rust_decimal::Decimal;

type Lead = BTreeMap<String, Value>;

struct Args {
    train: String,
    test: String,
    label: String,
    algorithm: Algorithm,
    drop: Vec<String>,
}

fn parse_args() -> Result<Args> {
    let mut args = std::env::args().skip(1);
    let (mut train, mut test, mut label) = (None, None, None);
    let mut algorithm = Algorithm::Logistic;
    let mut drop = Vec::new();
    while let Some(flag) = args.next() {
        let mut value = || args.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--train" => train = Some(value()?),
            "--test" => test = Some(value()?),
            "--label" => label = Some(value()?),
            "--model" => {
                algorithm = match value()?.as_str() {
                    "logistic" | "lr" => Algorithm::Logistic,
                    "nb" | "naive_bayes" => Algorithm::NaiveBayes,
                    other => bail!("unknown model {other:?}: use logistic or nb"),
                }
            }
            "--drop" => drop.extend(value()?.split(',').map(str::to_owned)),
            other => bail!(
                "unknown argument {other:?}; usage: --train FILE --test FILE --label COLUMN \
                 [--model logistic|nb] [--drop COL,...]"
            ),
        }
    }
    Ok(Args {
        train: train.context("--train FILE is required")?,
        test: test.context("--test FILE is required")?,
        label: label.context("--label COLUMN is required")?,
        algorithm,
        drop,
    })
}

/// A CSV file: header and rows of cells.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

fn read_table(path: &str) -> Result<Table> {
    let mut reader = csv::Reader::from_path(path).with_context(|| format!("cannot open {path}"))?;
    let header: Vec<String> = reader
        .headers()
        .with_context(|| format!("cannot read the header of {path}"))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_owned())
        .collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.with_context(|| format!("{path}: bad CSV at data row {}", i + 1))?;
        rows.push(record.iter().map(str::to_owned).collect());
    }
    if header.iter().all(String::is_empty) || rows.is_empty() {
        bail!("{path} has no data rows");
    }
    Ok(Table { header, rows })
}

/// The narrowest type every non-empty training cell of a column parses as.
#[derive(Clone, Copy, PartialEq, Debug)]
enum CellType {
    Bool,
    Int,
    Decimal,
    Date,
    Time,
    Text,
}

fn parse_bool(cell: &str) -> Option<bool> {
    match cell.to_ascii_lowercase().as_str() {
        "true" | "yes" => Some(true),
        "false" | "no" => Some(false),
        _ => None,
    }
}

fn parse_cell(cell: &str, ty: CellType) -> Option<Value> {
    let cell = cell.trim();
    if cell.is_empty() {
        return None;
    }
    match ty {
        CellType::Bool => parse_bool(cell).map(Value::Bool),
        CellType::Int => cell.parse::<i64>().ok().map(Value::Int),
        CellType::Decimal => {
            let x = cell.parse::<f64>().ok().filter(|x| x.is_finite())?;
            Decimal::try_from(x).ok().map(Value::Decimal)
        }
        CellType::Date => NaiveDate::parse_from_str(cell, "%Y-%m-%d")
            .ok()
            .map(Value::Date),
        CellType::Time => DateTime::parse_from_rfc3339(cell)
            .ok()
            .map(|t| Value::Time(t.with_timezone(&Utc))),
        CellType::Text => Some(Value::Text(cell.to_owned())),
    }
}

fn column_type<'a>(cells: impl Iterator<Item = &'a str> + Clone) -> CellType {
    let candidates = [
        CellType::Bool,
        CellType::Int,
        CellType::Decimal,
        CellType::Date,
        CellType::Time,
    ];
    let mut present = cells.filter(|c| !c.trim().is_empty());
    candidates
        .into_iter()
        .find(|&ty| present.clone().all(|c| parse_cell(c, ty).is_some()))
        .filter(|_| present.next().is_some())
        .unwrap_or(CellType::Text)
}

fn parse_label(cell: &str, path: &str, row: usize, label: &str) -> Result<bool> {
    match cell.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "won" => Ok(true),
        "0" | "false" | "no" | "lost" => Ok(false),
        other => bail!(
            "{path}: row {row}: label {label:?} is {other:?}; expected a binary outcome \
             (true/false, 1/0, yes/no, won/lost)"
        ),
    }
}

/// Leads (every column but the label, typed) and outcomes of a table.
fn leads_of(
    table: &Table,
    path: &str,
    label: &str,
    types: &[(usize, String, CellType)],
) -> Result<(Vec<Lead>, Vec<bool>)> {
    let label_at = table
        .header
        .iter()
        .position(|h| h == label)
        .with_context(|| {
            format!(
                "{path} has no label column {label:?}; columns: {}",
                table.header.join(", ")
            )
        })?;
    let mut leads = Vec::with_capacity(table.rows.len());
    let mut won = Vec::with_capacity(table.rows.len());
    for (i, row) in table.rows.iter().enumerate() {
        let cell = |at: usize| row.get(at).map(String::as_str).unwrap_or("");
        won.push(parse_label(cell(label_at), path, i + 2, label)?);
        let lead = types
            .iter()
            .filter_map(|(_, name, ty)| {
                let at = table.header.iter().position(|h| h == name)?;
                Some((name.clone(), parse_cell(cell(at), *ty)?))
            })
            .collect();
        leads.push(lead);
    }
    if won.iter().all(|&w| w) || won.iter().all(|&w| !w) {
        bail!("{path}: label {label:?} has a single outcome; need both won and lost rows");
    }
    Ok((leads, won))
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let started = Instant::now();
    let train_table = read_table(&args.train)?;
    let test_table = read_table(&args.test)?;
    let types: Vec<(usize, String, CellType)> = train_table
        .header
        .iter()
        .enumerate()
        .filter(|(_, name)| **name != args.label && !args.drop.contains(name))
        .map(|(at, name)| {
            let cells = train_table
                .rows
                .iter()
                .map(move |r| r.get(at).map_or("", |c| c.as_str()));
            (at, name.clone(), column_type(cells))
        })
        .collect();
    let (train_leads, train_won) = leads_of(&train_table, &args.train, &args.label, &types)?;
    let (test_leads, test_won) = leads_of(&test_table, &args.test, &args.label, &types)?;

    let config = PredictiveConfig {
        algorithm: args.algorithm,
        ..PredictiveConfig::default()
    };
    let candidates: Vec<String> = types.iter().map(|(_, name, _)| name.clone()).collect();
    let inferred = infer_fields(&train_leads, &candidates, config.encoding.min_level_count);
    for (name, reason) in &inferred.dropped {
        println!("dropped {name}: {reason:?}");
    }
    let model = match train(&config, &inferred.fields, &train_leads, &train_won)? {
        TrainingOutcome::Trained(model) => model,
        TrainingOutcome::InsufficientHistory {
            closed,
            won,
            min_closed,
            min_won,
            ..
        } => bail!(
            "too little history to train: {closed} closed ({won} won); the minimum is \
             {min_closed} closed and {min_won} won, below which points scoring applies"
        ),
    };
    let scores = model.probabilities(&test_leads);
    let seconds = started.elapsed().as_secs_f64();

    let best = (0..scores.len())
        .max_by(|&a, &b| scores[a].total_cmp(&scores[b]))
        .expect("the test file has rows");
    let prediction = model.predict(&test_leads[best]);
    println!("top test lead: p = {:.3}", prediction.probability);
    for factor in prediction.top_factors(5) {
        println!(
            "  {:+.3}  {} = {}",
            factor.contribution, factor.field, factor.value
        );
    }
    let name = match args.algorithm {
        Algorithm::Logistic => "logistic",
        Algorithm::NaiveBayes => "naive_bayes",
    };
    let report = serde_json::json!({
        "model": name,
        "auc": roc_auc(&scores, &test_won),
        "ap": average_precision(&scores, &test_won),
        "n_train": train_leads.len(),
        "n_test": test_leads.len(),
        "seconds": seconds,
        "l2": model.summary.l2,
        "cv_auc": model.summary.cv_auc,
        "features": inferred.fields.iter().map(|f| &f.name).collect::<Vec<_>>(),
        "dropped": inferred.dropped.iter().map(|(name, _)| name).collect::<Vec<_>>(),
    });
    println!("{report}");
    Ok(())
}
