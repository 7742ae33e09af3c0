//! Storage-neutral queries: a [`Predicate`] over record fields, sort and page.
//!
//! One predicate has two interpreters that must agree: [`Condition::matches`] in memory and
//! the SQL compiler in `crm-store`. To make agreement easy to prove, a predicate is first
//! [resolved](Predicate::resolve) against the object kind: field names become typed
//! [`FieldRef`]s, operands are coerced to the column type, and negations are pushed down to
//! the leaves. Semantics are two-valued: a test on a missing (NULL) field is false, and its
//! negation is true — unlike raw SQL, where both would be unknown.
//!
//! ```
//! use crm_core::query::{Predicate, Query, Sort};
//! let q = Query::filter(Predicate::eq("region", "110000").and(Predicate::contains("name", "华为")))
//!     .sort(Sort::desc("updated_at"))
//!     .limit(50);
//! assert_eq!(q.page.limit, 50);
//! ```

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::record::{ColumnType, FieldRef, ObjectKind, Row, Value};

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    /// `=`
    Eq,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    fn holds(self, ordering: Ordering) -> bool {
        match self {
            CmpOp::Eq => ordering == Ordering::Equal,
            CmpOp::Lt => ordering == Ordering::Less,
            CmpOp::Le => ordering != Ordering::Greater,
            CmpOp::Gt => ordering == Ordering::Greater,
            CmpOp::Ge => ordering != Ordering::Less,
        }
    }
}

/// A condition on records, as written by callers (and serialised in rules and over FFI).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Predicate {
    /// Every record.
    True,
    /// No record.
    False,
    /// All of these.
    And {
        /// The conjuncts.
        all: Vec<Predicate>,
    },
    /// Any of these.
    Or {
        /// The disjuncts.
        any: Vec<Predicate>,
    },
    /// Not this.
    Not {
        /// The negated predicate.
        not: Box<Predicate>,
    },
    /// `field <op> value`; comparing with null means "is null".
    Compare {
        /// The field name.
        field: String,
        /// The operator.
        cmp: CmpOp,
        /// The operand.
        value: Value,
    },
    /// `field` equals one of `values`.
    In {
        /// The field name.
        field: String,
        /// The candidates.
        values: Vec<Value>,
    },
    /// `field` has no value.
    IsNull {
        /// The field name.
        field: String,
    },
    /// Text `field` contains `text` (case-sensitive).
    Contains {
        /// The field name.
        field: String,
        /// The substring.
        text: String,
    },
    /// Text `field` starts with `text` (case-sensitive).
    StartsWith {
        /// The field name.
        field: String,
        /// The prefix.
        text: String,
    },
}

impl Predicate {
    fn compare(field: &str, cmp: CmpOp, value: impl Into<Value>) -> Predicate {
        Predicate::Compare {
            field: field.into(),
            cmp,
            value: value.into(),
        }
    }

    /// `field = value`.
    pub fn eq(field: &str, value: impl Into<Value>) -> Predicate {
        Predicate::compare(field, CmpOp::Eq, value)
    }

    /// `field != value` (also true when the field is null).
    pub fn ne(field: &str, value: impl Into<Value>) -> Predicate {
        Predicate::eq(field, value).negate()
    }

    /// `field < value`.
    pub fn lt(field: &str, value: impl Into<Value>) -> Predicate {
        Predicate::compare(field, CmpOp::Lt, value)
    }

    /// `field <= value`.
    pub fn le(field: &str, value: impl Into<Value>) -> Predicate {
        Predicate::compare(field, CmpOp::Le, value)
    }

    /// `field > value`.
    pub fn gt(field: &str, value: impl Into<Value>) -> Predicate {
        Predicate::compare(field, CmpOp::Gt, value)
    }

    /// `field >= value`.
    pub fn ge(field: &str, value: impl Into<Value>) -> Predicate {
        Predicate::compare(field, CmpOp::Ge, value)
    }

    /// `field` is one of `values`.
    pub fn is_in<V: Into<Value>>(field: &str, values: impl IntoIterator<Item = V>) -> Predicate {
        Predicate::In {
            field: field.into(),
            values: values.into_iter().map(Into::into).collect(),
        }
    }

    /// `field` has no value.
    pub fn is_null(field: &str) -> Predicate {
        Predicate::IsNull {
            field: field.into(),
        }
    }

    /// Text `field` contains `text`.
    pub fn contains(field: &str, text: impl Into<String>) -> Predicate {
        Predicate::Contains {
            field: field.into(),
            text: text.into(),
        }
    }

    /// Text `field` starts with `text`.
    pub fn starts_with(field: &str, text: impl Into<String>) -> Predicate {
        Predicate::StartsWith {
            field: field.into(),
            text: text.into(),
        }
    }

    /// Both `self` and `other`.
    pub fn and(self, other: Predicate) -> Predicate {
        match self {
            Predicate::And { mut all } => {
                all.push(other);
                Predicate::And { all }
            }
            first => Predicate::And {
                all: vec![first, other],
            },
        }
    }

    /// Either `self` or `other`.
    pub fn or(self, other: Predicate) -> Predicate {
        match self {
            Predicate::Or { mut any } => {
                any.push(other);
                Predicate::Or { any }
            }
            first => Predicate::Or {
                any: vec![first, other],
            },
        }
    }

    /// The negation of `self`.
    pub fn negate(self) -> Predicate {
        Predicate::Not {
            not: Box::new(self),
        }
    }

    /// Check field names and operand types against `kind`, and push negations to the leaves.
    pub fn resolve(&self, kind: ObjectKind) -> Result<Condition> {
        self.resolve_with(kind, false)
    }

    fn resolve_with(&self, kind: ObjectKind, negated: bool) -> Result<Condition> {
        let children = |ps: &[Predicate]| -> Result<Vec<Condition>> {
            ps.iter().map(|p| p.resolve_with(kind, negated)).collect()
        };
        Ok(match (self, negated) {
            (Predicate::True, false) | (Predicate::False, true) => Condition::True,
            (Predicate::True, true) | (Predicate::False, false) => Condition::False,
            (Predicate::And { all }, false) | (Predicate::Or { any: all }, true) => {
                Condition::And(children(all)?)
            }
            (Predicate::Or { any }, false) | (Predicate::And { all: any }, true) => {
                Condition::Or(children(any)?)
            }
            (Predicate::Not { not }, _) => not.resolve_with(kind, !negated)?,
            (Predicate::Compare { field, cmp, value }, _) => {
                let (field_ref, ty) = resolve_field(kind, field)?;
                let test = match (cmp, value) {
                    (CmpOp::Eq, Value::Null) => Test::IsNull,
                    (_, Value::Null) => {
                        return Err(Error::validation(
                            format!("query.{field}"),
                            "null",
                            "only equality can compare with null",
                        ));
                    }
                    (cmp, value) => Test::Cmp(*cmp, coerce(field, value, ty)?),
                };
                Condition::leaf(field_ref, test, negated)
            }
            (Predicate::In { field, values }, _) => {
                let (field_ref, ty) = resolve_field(kind, field)?;
                let values = values
                    .iter()
                    .filter(|v| !v.is_null())
                    .map(|v| coerce(field, v, ty))
                    .collect::<Result<Vec<_>>>()?;
                Condition::leaf(field_ref, Test::In(values), negated)
            }
            (Predicate::IsNull { field }, _) => {
                let (field_ref, _) = resolve_field(kind, field)?;
                Condition::leaf(field_ref, Test::IsNull, negated)
            }
            (Predicate::Contains { field, text }, _)
            | (Predicate::StartsWith { field, text }, _) => {
                let (field_ref, ty) = resolve_field(kind, field)?;
                if ty != ColumnType::Text {
                    return Err(Error::validation(
                        format!("query.{field}"),
                        text,
                        "substring tests apply to text fields only",
                    ));
                }
                let test = match self {
                    Predicate::Contains { .. } => Test::Contains(text.clone()),
                    _ => Test::StartsWith(text.clone()),
                };
                Condition::leaf(field_ref, test, negated)
            }
        })
    }
}

impl std::ops::Not for Predicate {
    type Output = Predicate;
    fn not(self) -> Predicate {
        self.negate()
    }
}

fn resolve_field(kind: ObjectKind, field: &str) -> Result<(FieldRef, ColumnType)> {
    let field_ref = kind.field(field)?;
    Ok((field_ref, field_ref.ty(kind)))
}

fn coerce(field: &str, value: &Value, ty: ColumnType) -> Result<Value> {
    value.coerce_to(ty).ok_or_else(|| {
        Error::validation(
            format!("query.{field}"),
            value.to_string(),
            format!("the field holds {ty:?} values"),
        )
    })
}

/// A resolved predicate in negation normal form; what stores interpret.
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Always true.
    True,
    /// Always false.
    False,
    /// All hold (true when empty).
    And(Vec<Condition>),
    /// Any holds (false when empty).
    Or(Vec<Condition>),
    /// A test on one field, possibly negated.
    Leaf {
        /// The field.
        field: FieldRef,
        /// The test.
        test: Test,
        /// Whether the test's outcome is inverted (a null field then passes).
        negated: bool,
    },
}

/// A test on one field's value.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Compare with a non-null value of the field's type.
    Cmp(CmpOp, Value),
    /// Equal to one of these non-null values (false when empty).
    In(Vec<Value>),
    /// The field is null.
    IsNull,
    /// Text contains.
    Contains(String),
    /// Text starts with.
    StartsWith(String),
}

impl Test {
    /// The un-negated outcome on `value`; false for a null value except for `IsNull`.
    pub fn holds(&self, value: &Value) -> bool {
        if let Test::IsNull = self {
            return value.is_null();
        }
        match (self, value) {
            (_, Value::Null) => false,
            (Test::Cmp(op, operand), v) => v.compare(operand).is_some_and(|o| op.holds(o)),
            (Test::In(values), v) => values.iter().any(|c| c == v),
            (Test::Contains(text), Value::Text(v)) => v.contains(text.as_str()),
            (Test::StartsWith(text), Value::Text(v)) => v.starts_with(text.as_str()),
            _ => false,
        }
    }
}

impl Condition {
    fn leaf(field: FieldRef, test: Test, negated: bool) -> Condition {
        Condition::Leaf {
            field,
            test,
            negated,
        }
    }

    /// The in-memory interpreter.
    pub fn matches(&self, row: &Row) -> bool {
        match self {
            Condition::True => true,
            Condition::False => false,
            Condition::And(all) => all.iter().all(|c| c.matches(row)),
            Condition::Or(any) => any.iter().any(|c| c.matches(row)),
            Condition::Leaf {
                field,
                test,
                negated,
            } => test.holds(&row.value(*field)) != *negated,
        }
    }
}

/// One sort key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    /// The field name.
    pub field: String,
    /// Largest first.
    #[serde(default)]
    pub descending: bool,
}

impl Sort {
    /// Smallest first (nulls first).
    pub fn asc(field: &str) -> Sort {
        Sort {
            field: field.into(),
            descending: false,
        }
    }

    /// Largest first (nulls last).
    pub fn desc(field: &str) -> Sort {
        Sort {
            field: field.into(),
            descending: true,
        }
    }
}

/// Which slice of the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page {
    /// Rows to skip.
    pub offset: u64,
    /// Rows to return at most.
    pub limit: u64,
}

impl Page {
    /// The default page size.
    pub const DEFAULT_LIMIT: u64 = 100;

    /// Every row: for internal scans, not for user-facing lists.
    pub const ALL: Page = Page {
        offset: 0,
        limit: i64::MAX as u64,
    };
}

impl Default for Page {
    fn default() -> Self {
        Page {
            offset: 0,
            limit: Page::DEFAULT_LIMIT,
        }
    }
}

/// What to list: filter, order, page. Soft-deleted records are left out unless asked for.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Query {
    /// Which records.
    pub filter: Option<Predicate>,
    /// Sort keys, applied in order; the id breaks remaining ties.
    #[serde(default)]
    pub sort: Vec<Sort>,
    /// Which slice.
    #[serde(default)]
    pub page: Page,
    /// Also return soft-deleted records.
    #[serde(default)]
    pub include_deleted: bool,
}

impl Query {
    /// Every live record, first page, in id (creation) order.
    pub fn all() -> Query {
        Query::default()
    }

    /// Records matching `filter`.
    pub fn filter(filter: Predicate) -> Query {
        Query {
            filter: Some(filter),
            ..Query::default()
        }
    }

    /// Add a sort key.
    pub fn sort(mut self, sort: Sort) -> Query {
        self.sort.push(sort);
        self
    }

    /// Return at most `limit` rows.
    pub fn limit(mut self, limit: u64) -> Query {
        self.page.limit = limit;
        self
    }

    /// Skip `offset` rows.
    pub fn offset(mut self, offset: u64) -> Query {
        self.page.offset = offset;
        self
    }

    /// Return every matching row.
    pub fn unpaged(mut self) -> Query {
        self.page = Page::ALL;
        self
    }

    /// Include soft-deleted records.
    pub fn with_deleted(mut self) -> Query {
        self.include_deleted = true;
        self
    }

    /// Resolve against `kind`: the condition (with the soft-delete rule folded in) and the
    /// sort keys with the id tiebreak appended.
    pub fn resolve(&self, kind: ObjectKind) -> Result<ResolvedQuery> {
        let mut parts = Vec::new();
        if let Some(filter) = &self.filter {
            parts.push(filter.resolve(kind)?);
        }
        if !self.include_deleted {
            parts.push(Predicate::is_null("deleted_at").resolve(kind)?);
        }
        let mut sort = self
            .sort
            .iter()
            .map(|s| Ok((kind.field(&s.field)?, s.descending)))
            .collect::<Result<Vec<_>>>()?;
        sort.push((kind.field("id")?, false));
        Ok(ResolvedQuery {
            condition: Condition::And(parts),
            sort,
            page: self.page,
        })
    }
}

/// A [`Query`] resolved against an object kind.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedQuery {
    /// Which rows.
    pub condition: Condition,
    /// Sort keys `(field, descending)`, ending with the id.
    pub sort: Vec<(FieldRef, bool)>,
    /// Which slice.
    pub page: Page,
}

impl ResolvedQuery {
    /// The in-memory interpreter: filter, sort (nulls first ascending, last descending),
    /// page.
    pub fn apply<'a>(&self, rows: impl IntoIterator<Item = &'a Row>) -> Vec<&'a Row> {
        let mut hits: Vec<&Row> = rows
            .into_iter()
            .filter(|r| self.condition.matches(r))
            .collect();
        hits.sort_by(|a, b| {
            self.sort
                .iter()
                .map(|&(field, descending)| {
                    let ordering = null_first_order(&a.value(field), &b.value(field));
                    if descending {
                        ordering.reverse()
                    } else {
                        ordering
                    }
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        });
        let offset = usize::try_from(self.page.offset).unwrap_or(usize::MAX);
        let limit = usize::try_from(self.page.limit).unwrap_or(usize::MAX);
        hits.into_iter().skip(offset).take(limit).collect()
    }
}

fn null_first_order(a: &Value, b: &Value) -> Ordering {
    match (a.is_null(), b.is_null()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.compare(b).unwrap_or(Ordering::Equal),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn negation_is_pushed_to_the_leaves() {
        let p = !(Predicate::eq("name", "a").and(Predicate::is_null("email")));
        let c = p.resolve(ObjectKind::Account).unwrap();
        let Condition::Or(parts) = c else {
            panic!("expected Or, got {c:?}")
        };
        assert!(
            parts
                .iter()
                .all(|p| matches!(p, Condition::Leaf { negated: true, .. }))
        );
    }

    #[test]
    fn unknown_field_and_wrong_type_are_validation_errors() {
        let err = Predicate::eq("nmae", "x")
            .resolve(ObjectKind::Account)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation);
        assert!(err.to_string().contains("nmae"), "{err}");
        let err = Predicate::eq("version", "one")
            .resolve(ObjectKind::Account)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation);
        let err = Predicate::contains("version", "1")
            .resolve(ObjectKind::Account)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation);
    }

    #[test]
    fn null_semantics_are_two_valued() {
        let eq = Test::Cmp(CmpOp::Eq, Value::Text("a".into()));
        assert!(!eq.holds(&Value::Null));
        assert!(Test::IsNull.holds(&Value::Null));
        assert!(!Test::In(vec![]).holds(&Value::Text("a".into())));
    }
}
