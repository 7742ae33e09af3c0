//! Grouped counts and sums over records — what reports and dashboards are made of — run by
//! the store (`GROUP BY` in SQL), with [`aggregate_rows`] as the in-memory interpreter the
//! stores must agree with.
//!
//! ```
//! use crm_core::aggregate::{Aggregate, Measure};
//! use crm_core::query::{Predicate, Query};
//! // Open deals per stage: how many and their total amount.
//! let report = Aggregate::new(Query::filter(Predicate::eq("status", "open")))
//!     .group_by("stage")
//!     .measure(Measure::Count)
//!     .measure(Measure::Sum("amount".into()));
//! assert_eq!(report.group_by, vec!["stage".to_string()]);
//! ```

use std::collections::HashMap;

use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::query::{Query, ResolvedQuery, RowSource};
use crate::record::{ColumnType, FieldRef, ObjectKind, Row, Value};

/// One figure computed per group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// How many records.
    Count,
    /// The sum of a numeric field (integer or decimal); records without a value add nothing.
    Sum(String),
}

/// A grouped aggregation: the records matching `query` (its sort and page are ignored), split
/// by the values of `group_by`, with `measures` per group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Aggregate {
    /// Which records.
    pub query: Query,
    /// The fields whose values form a group; none: one group of everything.
    pub group_by: Vec<String>,
    /// The figures per group.
    pub measures: Vec<Measure>,
}

/// One group of an [`Aggregate`]'s result.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The group's values, in `group_by` order.
    pub keys: Vec<Value>,
    /// The record count of the group.
    pub count: u64,
    /// The measures, in order; counts as whole numbers, sums as `f64` (reporting precision:
    /// decimal columns are stored as doubles for filtering and sorting).
    pub values: Vec<f64>,
}

impl Aggregate {
    /// Aggregate the records matching `query`, in one group until [`group_by`](Self::group_by).
    pub fn new(query: Query) -> Aggregate {
        Aggregate {
            query,
            group_by: Vec::new(),
            measures: Vec::new(),
        }
    }

    /// Also group by `field`.
    pub fn group_by(mut self, field: &str) -> Aggregate {
        self.group_by.push(field.to_owned());
        self
    }

    /// Also compute `measure`.
    pub fn measure(mut self, measure: Measure) -> Aggregate {
        self.measures.push(measure);
        self
    }

    /// Check the fields against `kind`: group fields exist, summed fields are numeric.
    pub fn resolve(&self, kind: ObjectKind) -> Result<ResolvedAggregate> {
        let group_by = self
            .group_by
            .iter()
            .map(|f| {
                let at = kind.field(f)?;
                if at.ty(kind) == ColumnType::Decimal {
                    // Stored as doubles in SQL: groups would split on rounding.
                    return Err(Error::validation(
                        "aggregate.group_by",
                        f,
                        "amounts are summed, not grouped by",
                    ));
                }
                Ok(at)
            })
            .collect::<Result<Vec<_>>>()?;
        let measures = self
            .measures
            .iter()
            .map(|m| match m {
                Measure::Count => Ok(ResolvedMeasure::Count),
                Measure::Sum(field) => {
                    let at = kind.field(field)?;
                    match at.ty(kind) {
                        ColumnType::Integer | ColumnType::Decimal => Ok(ResolvedMeasure::Sum(at)),
                        other => Err(Error::validation(
                            "aggregate.sum",
                            field,
                            format!("only numbers are summed; this field is {other:?}"),
                        )),
                    }
                }
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(ResolvedAggregate {
            query: self.query.resolve(kind)?,
            group_by,
            measures,
        })
    }
}

/// An [`Aggregate`] checked against its object kind.
#[derive(Debug, Clone)]
pub struct ResolvedAggregate {
    /// The records.
    pub query: ResolvedQuery,
    /// The grouping fields.
    pub group_by: Vec<FieldRef>,
    /// The measures.
    pub measures: Vec<ResolvedMeasure>,
}

/// A [`Measure`] on a resolved field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResolvedMeasure {
    /// How many records.
    Count,
    /// The sum of this numeric field.
    Sum(FieldRef),
}

fn number(value: &Value) -> f64 {
    match value {
        Value::Int(i) => *i as f64,
        Value::Decimal(d) => d.to_f64().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Run `aggregate` over `rows` in memory: the reference every store must agree with.
/// Sub-selects in the filter read `source`. Groups come in no particular order, as from SQL.
pub fn aggregate_rows<'a>(
    rows: impl IntoIterator<Item = &'a Row>,
    aggregate: &ResolvedAggregate,
    source: &dyn RowSource,
) -> Vec<Group> {
    let condition = aggregate.query.condition.bind(source);
    group_rows(
        rows.into_iter().filter(|r| condition.matches(r, source)),
        aggregate,
    )
}

/// Group `rows`, already filtered, and compute the measures of `aggregate`. Without
/// grouping fields the result is one total, also over no rows.
pub fn group_rows<'a>(
    rows: impl IntoIterator<Item = &'a Row>,
    aggregate: &ResolvedAggregate,
) -> Vec<Group> {
    let mut groups: HashMap<Vec<Value>, Group> = HashMap::new();
    for row in rows {
        let keys: Vec<Value> = aggregate.group_by.iter().map(|f| row.value(*f)).collect();
        let group = groups.entry(keys.clone()).or_insert_with(|| Group {
            keys,
            count: 0,
            values: vec![0.0; aggregate.measures.len()],
        });
        group.count += 1;
        for (value, measure) in group.values.iter_mut().zip(&aggregate.measures) {
            *value += match measure {
                ResolvedMeasure::Count => 1.0,
                ResolvedMeasure::Sum(field) => number(&row.value(*field)),
            };
        }
    }
    if groups.is_empty() && aggregate.group_by.is_empty() {
        // Without grouping there is always one total, as in SQL.
        groups.insert(
            Vec::new(),
            Group {
                keys: Vec::new(),
                count: 0,
                values: vec![0.0; aggregate.measures.len()],
            },
        );
    }
    groups.into_values().collect()
}
