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

use std::collections::HashMap;
use std::ops::Range;

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
    with_category(value, |label| label.map(str::to_owned))
}

/// `f` applied to the category label of `value` (`None` for null), borrowing text: encoding
/// reads every record's label, and a copy each time would cost more than the lookup.
fn with_category<T>(value: &Value, f: impl FnOnce(Option<&str>) -> T) -> T {
    match value {
        Value::Null => f(None),
        Value::Text(s) => f(Some(s)),
        Value::Bool(b) => f(Some(if *b { "true" } else { "false" })),
        Value::Time(t) => f(Some(&t.to_rfc3339())),
        other => f(Some(&other.to_string())),
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

    /// How strongly each feature's weight is penalised: steps by [`STEP_PENALTY`], the rest
    /// by 1.
    fn penalties(&self) -> impl Iterator<Item = f64> {
        let steps = match self {
            FieldEncoding::Categorical { .. } => 0,
            FieldEncoding::Numeric { cuts, .. } => cuts.len(),
        };
        let plain = self.width() - steps;
        std::iter::repeat_n(1.0, plain).chain(std::iter::repeat_n(STEP_PENALTY, steps))
    }

    /// Encode `value`: its token, and its sparse features as (offset within this field's
    /// [`width`](FieldEncoding::width), value) pairs appended to `out`.
    pub fn encode(&self, value: &Value, out: &mut Vec<(u32, f64)>) -> usize {
        self.encode_with(value, |offset, x| out.push((offset, x)))
    }

    /// [`encode`](FieldEncoding::encode), handing each feature to `emit` instead: scoring
    /// adds up weights as the features come, with nothing to allocate.
    pub(crate) fn encode_with(&self, value: &Value, mut emit: impl FnMut(u32, f64)) -> usize {
        match self {
            FieldEncoding::Categorical { levels, .. } => {
                let token = with_category(value, |label| level_token(levels, label));
                emit(token as u32, 1.0);
                token
            }
            FieldEncoding::Numeric {
                log,
                mean,
                std_dev,
                cuts,
                ..
            } => encode_number(
                (*log, *mean, *std_dev, cuts),
                number_of(value).filter(|x| x.is_finite()),
                emit,
            ),
        }
    }
}

/// The token of a categorical value: its level, `other` or `missing`.
fn level_token(levels: &[String], label: Option<&str>) -> usize {
    match label {
        None => levels.len() + 1,
        Some(label) => levels
            .iter()
            .position(|l| l == label)
            .unwrap_or(levels.len()),
    }
}

/// The token and features of a number (`None`: missing) under a numeric encoding's
/// `(log, mean, std_dev, cuts)`.
fn encode_number(
    (log, mean, std_dev, cuts): (bool, f64, f64, &[f64]),
    x: Option<f64>,
    mut emit: impl FnMut(u32, f64),
) -> usize {
    match x {
        None => {
            emit(1, 1.0);
            cuts.len() + 1
        }
        Some(x) => {
            let x = transform(x, log);
            let scaled = (x - mean) / std_dev;
            if scaled != 0.0 {
                emit(0, scaled);
            }
            let above = cuts.iter().take_while(|&&cut| x > cut).count();
            for step in 0..above {
                emit(2 + step as u32, 1.0);
            }
            above
        }
    }
}

/// How much harder a step's weight is penalised than the others. A step bends the fitted
/// curve away from the field's linear trend; with a few thousand leads the data rarely
/// supports the bend, and equal penalties let noise in (on leadforge's data, steps
/// penalised alike ranked worse than none at all). Ten times harder, the steps still shape
/// the curve where many leads agree.
const STEP_PENALTY: f64 = 10.0;

fn transform(x: f64, log: bool) -> f64 {
    if log { x.max(0.0).ln_1p() } else { x }
}

/// One field's values over the training records, each record read once: fitting the
/// encodings and encoding the rows both need them, and reading is the costly part.
pub(crate) enum Column {
    /// Each record's label, as an index into `labels` ([`NO_LABEL`] when it has none).
    Categorical { labels: Vec<String>, ids: Vec<u32> },
    /// Each record's number, NaN when it has none.
    Numeric(Vec<f64>),
}

/// Read the columns of `fields` record by record: a record's fields sit together in memory,
/// so reading one field of every record, then the next, would fetch each record anew.
fn read_columns<R: FieldLookup>(fields: &[FeatureField], records: &[R]) -> Vec<Column> {
    let mut columns: Vec<Column> = fields
        .iter()
        .map(|field| match field.kind {
            FeatureKind::Categorical => Column::Categorical {
                labels: Vec::new(),
                ids: Vec::with_capacity(records.len()),
            },
            FeatureKind::Numeric => Column::Numeric(Vec::with_capacity(records.len())),
        })
        .collect();
    // Per categorical field, each label's id.
    let mut ids_of: Vec<HashMap<String, u32>> = vec![HashMap::new(); fields.len()];
    for record in records {
        for ((field, column), ids_of) in fields.iter().zip(&mut columns).zip(&mut ids_of) {
            let value = record.field_ref(&field.name);
            match column {
                Column::Categorical { labels, ids } => ids.push(with_category(&value, |label| {
                    let Some(label) = label else {
                        return NO_LABEL;
                    };
                    if let Some(&id) = ids_of.get(label) {
                        return id;
                    }
                    let id = labels.len() as u32;
                    labels.push(label.to_owned());
                    ids_of.insert(label.to_owned(), id);
                    id
                })),
                Column::Numeric(values) => values.push(
                    number_of(&value)
                        .filter(|x| x.is_finite())
                        .unwrap_or(f64::NAN),
                ),
            }
        }
    }
    columns
}

/// The label id of a record without a value.
const NO_LABEL: u32 = u32::MAX;

/// The fitted encodings of all fields of a model, in field order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldEncoder {
    /// One encoding per field.
    pub fields: Vec<FieldEncoding>,
}

/// Records encoded for training: tokens per field, and a sparse feature matrix whose column 0
/// is the intercept.
///
/// The matrix holds numeric fields in a *bin basis*: where the model has a field's steps
/// (`x > cutᵢ`, all those below `x` on), a row holds one indicator of the bin `x` falls in
/// (above how many cuts; none for the lowest bin). Steps are running sums of bins, `stepᵢ =
/// Σⱼ≥ᵢ binⱼ`, so the two bases describe the same model while a row holds at most two
/// features per field: passes over the rows, and above all the curvature (quadratic in a
/// row's features), cost about half. Weights, gradients and curvatures cross between the
/// bases with running sums over each field's steps ([`EncodedRows::to_bins`],
/// [`EncodedRows::to_steps`], [`EncodedRows::curvature_to_steps`]).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct EncodedRows {
    /// `tokens[row * fields + field]`.
    pub tokens: Vec<u32>,
    /// Row `r`'s features are `entries[starts[r]..starts[r + 1]]`, column-sorted.
    pub starts: Vec<usize>,
    /// (column, value), in the bin basis.
    pub entries: Vec<(u32, f64)>,
    /// The number of columns, the intercept included.
    pub columns: usize,
    /// How strongly each column's weight is penalised, relative to the others (0: not).
    pub penalties: Vec<f64>,
    /// The columns of each numeric field's steps (bins, in the matrix).
    pub steps: Vec<Range<usize>>,
}

impl EncodedRows {
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    pub fn row(&self, r: usize) -> &[(u32, f64)] {
        &self.entries[self.starts[r]..self.starts[r + 1]]
    }

    /// Weights on steps as weights on bins: a bin's weight is the sum of the steps it
    /// switches on.
    pub fn to_bins(&self, weights: &[f64]) -> Vec<f64> {
        let mut bins = weights.to_vec();
        for steps in &self.steps {
            for j in steps.start + 1..steps.end {
                bins[j] += bins[j - 1];
            }
        }
        bins
    }

    /// A linear function of the bin features (a gradient, a column sum) as the same function
    /// of the steps, in place: a step's entry is the sum of those of the bins it covers.
    pub fn to_steps(&self, values: &mut [f64]) {
        for steps in &self.steps {
            for j in (steps.start..steps.end - 1).rev() {
                values[j] += values[j + 1];
            }
        }
    }

    /// A symmetric `columns × columns` matrix over the bin features (row-major) as the same
    /// quadratic form over the steps, in place: [`to_steps`](EncodedRows::to_steps) on each
    /// row, then on each column.
    pub fn curvature_to_steps(&self, matrix: &mut [f64]) {
        let d = self.columns;
        for row in matrix.chunks_mut(d) {
            self.to_steps(row);
        }
        for steps in &self.steps {
            for j in (steps.start..steps.end - 1).rev() {
                let (upper, lower) = matrix.split_at_mut((j + 1) * d);
                upper[j * d..]
                    .iter_mut()
                    .zip(&lower[..d])
                    .for_each(|(a, b)| *a += b);
            }
        }
    }
}

impl FieldEncoder {
    /// Learn each field's encoding from the training `records`.
    pub fn fit<R: FieldLookup>(
        fields: &[FeatureField],
        records: &[R],
        options: EncodingOptions,
    ) -> FieldEncoder {
        Self::fit_columns(fields, &read_columns(fields, records), options)
    }

    /// [`fit`](FieldEncoder::fit), and the same records encoded, reading each value once.
    pub(crate) fn fit_encode<R: FieldLookup>(
        fields: &[FeatureField],
        records: &[R],
        options: EncodingOptions,
    ) -> (FieldEncoder, EncodedRows) {
        let columns = read_columns(fields, records);
        let encoder = Self::fit_columns(fields, &columns, options);
        let rows = encoder.encode_columns(&columns, records.len());
        (encoder, rows)
    }

    fn fit_columns(
        fields: &[FeatureField],
        columns: &[Column],
        options: EncodingOptions,
    ) -> FieldEncoder {
        let fields = fields
            .iter()
            .zip(columns)
            .map(|(field, column)| match column {
                Column::Categorical { labels, ids } => {
                    fit_categorical(&field.name, labels, ids, options)
                }
                Column::Numeric(values) => fit_numeric(&field.name, values, options),
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

    /// Encode the `len` records whose values `columns` holds (one column per field).
    fn encode_columns(&self, columns: &[Column], len: usize) -> EncodedRows {
        // A label's token, per categorical field, so rows need no string comparison.
        let label_tokens: Vec<Vec<u32>> = self
            .fields
            .iter()
            .zip(columns)
            .map(|(encoding, column)| match (encoding, column) {
                (FieldEncoding::Categorical { levels, .. }, Column::Categorical { labels, .. }) => {
                    labels
                        .iter()
                        .map(|label| level_token(levels, Some(label)) as u32)
                        .collect()
                }
                _ => Vec::new(),
            })
            .collect();
        let offsets = self.offsets();
        let numeric = columns
            .iter()
            .filter(|c| matches!(c, Column::Numeric(_)))
            .count();
        let mut rows = EncodedRows {
            tokens: Vec::with_capacity(len * self.fields.len()),
            starts: Vec::with_capacity(len + 1),
            // At most the intercept, a level per categorical field, two per numeric field.
            entries: Vec::with_capacity(len * (1 + self.fields.len() + numeric)),
            columns: self.columns(),
            penalties: std::iter::once(0.0)
                .chain(self.fields.iter().flat_map(FieldEncoding::penalties))
                .collect(),
            steps: self
                .fields
                .iter()
                .zip(&offsets)
                .filter_map(|(encoding, &offset)| match encoding {
                    FieldEncoding::Numeric { cuts, .. } if !cuts.is_empty() => {
                        Some(offset + 2..offset + 2 + cuts.len())
                    }
                    _ => None,
                })
                .collect(),
        };
        rows.starts.push(0);
        for r in 0..len {
            rows.entries.push((0, 1.0));
            for (f, (encoding, column)) in self.fields.iter().zip(columns).enumerate() {
                let offset = offsets[f] as u32;
                let entries = &mut rows.entries;
                let token = match (encoding, column) {
                    (
                        FieldEncoding::Categorical { levels, .. },
                        Column::Categorical { ids, .. },
                    ) => {
                        let token = match ids[r] {
                            NO_LABEL => levels.len() as u32 + 1,
                            id => label_tokens[f][id as usize],
                        };
                        entries.push((offset + token, 1.0));
                        token
                    }
                    (
                        FieldEncoding::Numeric {
                            log,
                            mean,
                            std_dev,
                            cuts,
                            ..
                        },
                        Column::Numeric(values),
                    ) => {
                        // The scaled value or the missing flag as they are; the steps as the
                        // one bin they add up to, which the token names.
                        let token = encode_number(
                            (*log, *mean, *std_dev, cuts),
                            Some(values[r]).filter(|x| !x.is_nan()),
                            |c, x| {
                                if c < 2 {
                                    entries.push((offset + c, x));
                                }
                            },
                        ) as u32;
                        if (1..=cuts.len() as u32).contains(&token) {
                            entries.push((offset + 1 + token, 1.0));
                        }
                        token
                    }
                    _ => unreachable!("each encoding is fitted on its own column"),
                };
                rows.tokens.push(token);
            }
            rows.starts.push(rows.entries.len());
        }
        rows
    }
}

fn fit_categorical(
    name: &str,
    labels: &[String],
    ids: &[u32],
    options: EncodingOptions,
) -> FieldEncoding {
    let mut counts = vec![0usize; labels.len()];
    for &id in ids.iter().filter(|&&id| id != NO_LABEL) {
        counts[id as usize] += 1;
    }
    let mut levels: Vec<(&String, usize)> = labels
        .iter()
        .zip(counts)
        .filter(|(_, count)| *count >= options.min_level_count.max(1))
        .collect();
    levels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    FieldEncoding::Categorical {
        field: name.to_owned(),
        levels: levels.into_iter().map(|(level, _)| level.clone()).collect(),
    }
}

fn fit_numeric(name: &str, column: &[f64], options: EncodingOptions) -> FieldEncoding {
    let raw: Vec<f64> = column.iter().copied().filter(|x| !x.is_nan()).collect();
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
    use proptest::prelude::*;
    use std::collections::BTreeMap;

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
        let (encoder, rows) =
            FieldEncoder::fit_encode(&fields, &records, EncodingOptions::default());
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

    proptest! {
        /// The training rows (bins) score as the model's features (steps) do, and the bases'
        /// maps are adjoint: `⟨to_bins(w), v⟩ = ⟨w, to_steps(v)⟩`, likewise for curvatures.
        #[test]
        fn bins_and_steps_agree(
            weights in prop::collection::vec(-2.0f64..2.0, 20),
            other in prop::collection::vec(-2.0f64..2.0, 20),
            values in prop::collection::vec(-2.0f64..2.0, 20),
        ) {
            let mut records = records();
            records[1].remove("visits");
            let fields = [
                FeatureField::categorical("source"),
                FeatureField::numeric("visits"),
                FeatureField::numeric("seq"),
            ];
            let (encoder, rows) =
                FieldEncoder::fit_encode(&fields, &records, EncodingOptions::default());
            let d = rows.columns;
            prop_assert!(d <= 20 && !rows.steps.is_empty());
            let (weights, other, values) = (&weights[..d], &other[..d], &values[..d]);
            let dot = |a: &[f64], b: &[f64]| a.iter().zip(b).map(|(x, y)| x * y).sum::<f64>();
            let bins = rows.to_bins(weights);
            for (r, record) in records.iter().enumerate() {
                let mut on_steps = weights[0];
                for (encoding, offset) in encoder.fields.iter().zip(encoder.offsets()) {
                    let mut features = Vec::new();
                    encoding.encode(&record.field(encoding.field()), &mut features);
                    on_steps += features
                        .iter()
                        .map(|&(c, x)| weights[offset + c as usize] * x)
                        .sum::<f64>();
                }
                let on_bins: f64 = rows.row(r).iter().map(|&(c, x)| bins[c as usize] * x).sum();
                prop_assert!((on_steps - on_bins).abs() < 1e-9, "row {}: {} vs {}", r, on_steps, on_bins);
            }
            let mut stepped = values.to_vec();
            rows.to_steps(&mut stepped);
            prop_assert!((dot(&bins, values) - dot(weights, &stepped)).abs() < 1e-9);
            // A symmetric matrix M = v·vᵀ + u·uᵀ over bins.
            let matrix: Vec<f64> = (0..d * d)
                .map(|i| values[i / d] * values[i % d] + other[i / d] * other[i % d])
                .collect();
            let mut on_steps = matrix.clone();
            rows.curvature_to_steps(&mut on_steps);
            let quadratic = |m: &[f64], a: &[f64], b: &[f64]| {
                (0..d * d).map(|i| a[i / d] * m[i] * b[i % d]).sum::<f64>()
            };
            let other_bins = rows.to_bins(other);
            prop_assert!(
                (quadratic(&matrix, &bins, &other_bins) - quadratic(&on_steps, weights, other)).abs()
                    < 1e-9
            );
        }
    }
}
