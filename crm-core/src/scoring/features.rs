//! From records to model inputs: which fields are categorical or numeric, and how each is
//! encoded.
//!
//! [`infer_fields`] looks at training records and keeps the fields a model can learn from:
//! numbers, and categories with repeated values. Identifiers (a value per row), timestamps and
//! constant fields are dropped, each with its reason. [`FieldEncoder::fit`] then learns, on the
//! training records only, each field's encoding:
//!
//! - a categorical field keeps its frequent levels; rare levels are pooled into `other` and a
//!   missing value is a level of its own;
//! - a numeric field is `ln(1 + x)`-transformed when it is never negative, standardised, given
//!   step features at training quantiles (so the model can bend), and a missing indicator.
//!
//! Every field encodes to a *token* (its level or quantile bin, for naive Bayes) and to a few
//! sparse numeric features (for the logistic model).

use std::collections::{BTreeMap, HashMap};

use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::record::Value;
use crate::scoring::lookup::FieldLookup;

/// How a field enters a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureKind {
    /// Discrete levels (text, booleans, numbers with two values).
    Categorical,
    /// A quantity.
    Numeric,
}

/// A field a model reads, with its kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureField {
    /// The field name, as [`FieldLookup::field`] takes it.
    pub name: String,
    /// How it is encoded.
    pub kind: FeatureKind,
}

impl FeatureField {
    /// A categorical field.
    pub fn categorical(name: impl Into<String>) -> Self {
        FeatureField {
            name: name.into(),
            kind: FeatureKind::Categorical,
        }
    }

    /// A numeric field.
    pub fn numeric(name: impl Into<String>) -> Self {
        FeatureField {
            name: name.into(),
            kind: FeatureKind::Numeric,
        }
    }
}

/// Why [`infer_fields`] left a field out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// No record has a value.
    Empty,
    /// Every record has the same value.
    Constant,
    /// Values (almost) never repeat: an id, a name, a free-text note.
    Identifier,
    /// An instant or a date: a model would learn the calendar, not the lead.
    Timestamp,
}

/// The outcome of [`infer_fields`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InferredFields {
    /// The fields to learn from, in the order given.
    pub fields: Vec<FeatureField>,
    /// The fields left out and why.
    pub dropped: Vec<(String, DropReason)>,
}

/// Decide, from training `records`, which of `candidates` a model should read and how.
///
/// A field whose values are all numbers is numeric (categorical with two distinct values;
/// an identifier when integral and unique per row). Other fields are categorical unless
/// most records hold a value seen fewer than `min_level_count` times, which marks an
/// identifier or free text.
pub fn infer_fields<R: FieldLookup>(
    records: &[R],
    candidates: &[String],
    min_level_count: usize,
) -> InferredFields {
    let mut inferred = InferredFields {
        fields: Vec::new(),
        dropped: Vec::new(),
    };
    for name in candidates {
        let values: Vec<Value> = records
            .iter()
            .map(|r| r.field(name))
            .filter(|v| !v.is_null())
            .collect();
        match infer_kind(&values, min_level_count) {
            Ok(kind) => inferred.fields.push(FeatureField {
                name: name.clone(),
                kind,
            }),
            Err(reason) => inferred.dropped.push((name.clone(), reason)),
        }
    }
    inferred
}

fn infer_kind(values: &[Value], min_level_count: usize) -> Result<FeatureKind, DropReason> {
    if values.is_empty() {
        return Err(DropReason::Empty);
    }
    if values
        .iter()
        .any(|v| matches!(v, Value::Time(_) | Value::Date(_)))
    {
        return Err(DropReason::Timestamp);
    }
    let mut counts: HashMap<String, usize> = HashMap::new();
    for value in values {
        *counts
            .entry(category_of(value).unwrap_or_default())
            .or_default() += 1;
    }
    if counts.len() == 1 {
        return Err(DropReason::Constant);
    }
    let numbers: Option<Vec<f64>> = values
        .iter()
        .map(|v| match v {
            Value::Int(_) | Value::Decimal(_) => number_of(v),
            _ => None,
        })
        .collect();
    if let Some(numbers) = numbers {
        let integral = numbers.iter().all(|x| x.fract() == 0.0);
        return if counts.len() == 2 {
            Ok(FeatureKind::Categorical)
        } else if integral && counts.len() == values.len() && values.len() >= 20 {
            Err(DropReason::Identifier)
        } else {
            Ok(FeatureKind::Numeric)
        };
    }
    let in_rare_levels: usize = counts.values().filter(|&&c| c < min_level_count).sum();
    if matches!(values[0], Value::Uuid(_)) || in_rare_levels * 2 > values.len() {
        Err(DropReason::Identifier)
    } else {
        Ok(FeatureKind::Categorical)
    }
}

/// A value as a number: integers, decimals, and booleans as 1 / 0.
pub(crate) fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Int(i) => Some(*i as f64),
        Value::Decimal(d) => d.to_f64(),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

/// A value as a category label; `None` for null.
pub(crate) fn category_of(value: &Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::Text(s) => Some(s.clone()),
        Value::Time(t) => Some(t.to_rfc3339()),
        other => Some(other.to_string()),
    }
}

/// How [`FieldEncoder::fit`] encodes fields.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EncodingOptions {
    /// A categorical level seen fewer times than this in training is pooled into `other`.
    pub min_level_count: usize,
    /// Numeric fields get step features at this many inner quantiles (0: linear only).
    pub numeric_steps: usize,
}

impl Default for EncodingOptions {
    fn default() -> Self {
        EncodingOptions {
            min_level_count: 10,
            numeric_steps: 4,
        }
    }
}

/// The learned encoding of one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldEncoding {
    /// One token per kept level, then `other`, then `missing`.
    Categorical {
        /// The field name.
        field: String,
        /// The kept levels, most frequent first.
        levels: Vec<String>,
    },
    /// A transformed, standardised quantity with quantile steps.
    Numeric {
        /// The field name.
        field: String,
        /// Whether `ln(1 + x)` is applied first.
        log: bool,
        /// Mean of the transformed training values.
        mean: f64,
        /// Standard deviation of the transformed training values (1 when constant).
        std_dev: f64,
        /// Transformed values where the step features switch on (`x > cut`), ascending.
        cuts: Vec<f64>,
    },
}

impl FieldEncoding {
    /// The field name.
    pub fn field(&self) -> &str {
        match self {
            FieldEncoding::Categorical { field, .. } | FieldEncoding::Numeric { field, .. } => {
                field
            }
        }
    }

    /// How many distinct tokens [`FieldEncoding::encode`] yields.
    pub fn token_count(&self) -> usize {
        match self {
            FieldEncoding::Categorical { levels, .. } => levels.len() + 2,
            FieldEncoding::Numeric { cuts, .. } => cuts.len() + 2,
        }
    }

    /// A readable name of a token: the level, `other`, `missing`, or a numeric range.
    pub fn token_label(&self, token: usize) -> String {
        match self {
            FieldEncoding::Categorical { levels, .. } => match levels.get(token) {
                Some(level) => level.clone(),
                None if token == levels.len() => "other".to_owned(),
                None => "missing".to_owned(),
            },
            FieldEncoding::Numeric { log, cuts, .. } => {
                let raw = |x: f64| if *log { x.exp_m1() } else { x };
                let bound = |i: usize| format!("{:.4}", raw(cuts[i]));
                match token {
                    t if t == cuts.len() + 1 => "missing".to_owned(),
                    0 if cuts.is_empty() => "any".to_owned(),
                    0 => format!("<= {}", bound(0)),
                    t if t == cuts.len() => format!("> {}", bound(t - 1)),
                    t => format!("({}, {}]", bound(t - 1), bound(t)),
                }
            }
        }
    }

    /// The number of sparse features [`FieldEncoding::encode`] fills.
    pub fn width(&self) -> usize {
        match self {
            FieldEncoding::Categorical { levels, .. } => levels.len() + 2,
            // scaled value, missing indicator, one step per cut
            FieldEncoding::Numeric { cuts, .. } => 2 + cuts.len(),
        }
    }

    /// Encode `value`: its token, and its sparse features as (offset within this field's
    /// [`width`](FieldEncoding::width), value) pairs appended to `out`.
    pub fn encode(&self, value: &Value, out: &mut Vec<(u32, f64)>) -> usize {
        match self {
            FieldEncoding::Categorical { levels, .. } => {
                let token = match category_of(value) {
                    None => levels.len() + 1,
                    Some(label) => levels
                        .iter()
                        .position(|l| *l == label)
                        .unwrap_or(levels.len()),
                };
                out.push((token as u32, 1.0));
                token
            }
            FieldEncoding::Numeric {
                log,
                mean,
                std_dev,
                cuts,
                ..
            } => match number_of(value) {
                None => {
                    out.push((1, 1.0));
                    cuts.len() + 1
                }
                Some(x) => {
                    let x = transform(x, *log);
                    let scaled = (x - mean) / std_dev;
                    if scaled != 0.0 {
                        out.push((0, scaled));
                    }
                    let above = cuts.iter().take_while(|&&cut| x > cut).count();
                    out.extend((0..above).map(|i| (2 + i as u32, 1.0)));
                    above
                }
            },
        }
    }
}

fn transform(x: f64, log: bool) -> f64 {
    if log { x.max(0.0).ln_1p() } else { x }
}

/// The fitted encodings of all fields of a model, in field order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldEncoder {
    /// One encoding per field.
    pub fields: Vec<FieldEncoding>,
}

/// Records encoded for training: tokens per field and a sparse feature matrix whose column 0
/// is the intercept.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EncodedRows {
    /// `tokens[row * fields + field]`.
    pub tokens: Vec<u32>,
    /// Row `r`'s features are `entries[starts[r]..starts[r + 1]]`, column-sorted.
    pub starts: Vec<usize>,
    /// (column, value).
    pub entries: Vec<(u32, f64)>,
    /// The number of columns, the intercept included.
    pub columns: usize,
}

impl EncodedRows {
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn row(&self, r: usize) -> &[(u32, f64)] {
        &self.entries[self.starts[r]..self.starts[r + 1]]
    }
}

impl FieldEncoder {
    /// Learn each field's encoding from the training `records`.
    pub fn fit<R: FieldLookup>(
        fields: &[FeatureField],
        records: &[R],
        options: EncodingOptions,
    ) -> FieldEncoder {
        let fields = fields
            .iter()
            .map(|f| match f.kind {
                FeatureKind::Categorical => fit_categorical(&f.name, records, options),
                FeatureKind::Numeric => fit_numeric(&f.name, records, options),
            })
            .collect();
        FieldEncoder { fields }
    }

    /// The column of each field's first feature; the intercept is column 0.
    pub fn offsets(&self) -> Vec<usize> {
        let mut next = 1;
        self.fields
            .iter()
            .map(|f| {
                let offset = next;
                next += f.width();
                offset
            })
            .collect()
    }

    /// The number of feature columns, the intercept included.
    pub fn columns(&self) -> usize {
        1 + self.fields.iter().map(FieldEncoding::width).sum::<usize>()
    }

    /// Encode one record: its tokens and its feature row (intercept first).
    pub(crate) fn encode_record(
        &self,
        record: &impl FieldLookup,
        tokens: &mut Vec<u32>,
        entries: &mut Vec<(u32, f64)>,
    ) {
        entries.push((0, 1.0));
        let mut scratch = Vec::new();
        for (encoding, offset) in self.fields.iter().zip(self.offsets()) {
            scratch.clear();
            let token = encoding.encode(&record.field(encoding.field()), &mut scratch);
            tokens.push(token as u32);
            entries.extend(scratch.iter().map(|&(c, v)| (c + offset as u32, v)));
        }
    }

    /// Encode many records.
    pub(crate) fn encode_all<R: FieldLookup>(&self, records: &[R]) -> EncodedRows {
        let mut rows = EncodedRows {
            tokens: Vec::with_capacity(records.len() * self.fields.len()),
            starts: vec![0],
            entries: Vec::new(),
            columns: self.columns(),
        };
        for record in records {
            self.encode_record(record, &mut rows.tokens, &mut rows.entries);
            rows.starts.push(rows.entries.len());
        }
        rows
    }
}

fn fit_categorical<R: FieldLookup>(
    name: &str,
    records: &[R],
    options: EncodingOptions,
) -> FieldEncoding {
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for record in records {
        if let Some(label) = category_of(&record.field(name)) {
            *counts.entry(label).or_default() += 1;
        }
    }
    let mut levels: Vec<(String, usize)> = counts
        .into_iter()
        .filter(|(_, count)| *count >= options.min_level_count.max(1))
        .collect();
    levels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    FieldEncoding::Categorical {
        field: name.to_owned(),
        levels: levels.into_iter().map(|(level, _)| level).collect(),
    }
}

fn fit_numeric<R: FieldLookup>(
    name: &str,
    records: &[R],
    options: EncodingOptions,
) -> FieldEncoding {
    let raw: Vec<f64> = records
        .iter()
        .filter_map(|r| number_of(&r.field(name)))
        .filter(|x| x.is_finite())
        .collect();
    let log = !raw.is_empty() && raw.iter().all(|&x| x >= 0.0);
    let mut values: Vec<f64> = raw.iter().map(|&x| transform(x, log)).collect();
    values.sort_by(f64::total_cmp);
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let variance = values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
    let std_dev = if variance > 0.0 { variance.sqrt() } else { 1.0 };
    let mut cuts: Vec<f64> = Vec::new();
    if !values.is_empty() {
        let steps = options.numeric_steps;
        for q in 1..=steps {
            let cut = values[(q * values.len() / (steps + 1)).min(values.len() - 1)];
            // A cut at the maximum would never switch on.
            let below_max = cut < values[values.len() - 1];
            if below_max && cuts.last().is_none_or(|&last| cut > last) {
                cuts.push(cut);
            }
        }
    }
    FieldEncoding::Numeric {
        field: name.to_owned(),
        log,
        mean,
        std_dev,
        cuts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn records() -> Vec<BTreeMap<String, Value>> {
        (0..100)
            .map(|i: i64| {
                BTreeMap::from([
                    ("id".to_string(), Value::from(format!("lead-{i}"))),
                    ("seq".to_string(), Value::Int(i)),
                    (
                        "source".to_string(),
                        Value::from(["web", "fair"][i as usize % 2]),
                    ),
                    ("visits".to_string(), Value::Int(i % 9)),
                    ("flag".to_string(), Value::Int(i % 2)),
                    ("created".to_string(), Value::Date(NaiveDate::MIN)),
                    ("country".to_string(), Value::from("CN")),
                ])
            })
            .collect()
    }

    #[test]
    fn inference_keeps_learnable_fields_and_says_why_others_go() {
        let names: Vec<String> = [
            "id", "seq", "source", "visits", "flag", "created", "country", "none",
        ]
        .map(String::from)
        .to_vec();
        let inferred = infer_fields(&records(), &names, 10);
        assert_eq!(
            inferred.fields,
            vec![
                FeatureField::categorical("source"),
                FeatureField::numeric("visits"),
                FeatureField::categorical("flag"),
            ]
        );
        let dropped: BTreeMap<&str, DropReason> = inferred
            .dropped
            .iter()
            .map(|(n, r)| (n.as_str(), *r))
            .collect();
        assert_eq!(dropped["id"], DropReason::Identifier);
        assert_eq!(dropped["seq"], DropReason::Identifier);
        assert_eq!(dropped["created"], DropReason::Timestamp);
        assert_eq!(dropped["country"], DropReason::Constant);
        assert_eq!(dropped["none"], DropReason::Empty);
    }

    #[test]
    fn encodings_pool_rare_levels_and_mark_missing() {
        let mut records = records();
        records[0].insert("source".into(), Value::from("rare"));
        records[1].remove("visits");
        let fields = [
            FeatureField::categorical("source"),
            FeatureField::numeric("visits"),
        ];
        let encoder = FieldEncoder::fit(&fields, &records, EncodingOptions::default());
        let rows = encoder.encode_all(&records);
        let token = |row: usize, field: usize| {
            encoder.fields[field].token_label(rows.tokens[row * 2 + field] as usize)
        };
        assert_eq!(token(0, 0), "other");
        assert_eq!(token(2, 0), "web");
        assert_eq!(token(3, 0), "fair");
        assert_eq!(token(1, 1), "missing");
        assert_eq!(
            token(0, 1),
            "<= 1.0000",
            "visits 0 falls below the first quantile cut"
        );
        assert_eq!(rows.columns, encoder.columns());
        // Every row: intercept, one source level, then the numeric features, column-sorted.
        for r in 0..rows.len() {
            let columns: Vec<u32> = rows.row(r).iter().map(|e| e.0).collect();
            assert!(columns.windows(2).all(|w| w[0] < w[1]), "{columns:?}");
            assert_eq!(columns[0], 0);
        }
    }
}
