//! Storage-neutral queries: a [`Predicate`] over record fields, sort and page.
//!
//! One predicate has two interpreters that must agree: [`Condition::matches`] in memory and
//! the SQL compiler in `crm-store`. To make agreement easy to prove, a predicate is first
//! [resolved](Predicate::resolve) against the object kind: field names become typed
//! [`FieldRef`]s, operands are coerced to the column type, and negations are pushed down to
//! the leaves. Semantics are two-valued: a test on a missing (NULL) field is false, and its
//! negation is true — unlike raw SQL, where both would be unknown.
//!
//! [`Predicate::InSelect`] is a semi-join: "this field equals the selected field of some live
//! record of another kind (same tenant) matching a filter". It lets a condition follow stored
//! relations — the access rules' `owner IN (SELECT descendant FROM manager_closure WHERE
//! ancestor = me)` — without ever inlining a list of ids that grows with the data. SQL stores
//! compile it to a subquery; in memory it reads a [`RowSource`] (see [`Condition::bind`]).
//!
//! ```
//! use crm_core::query::{Predicate, Query, Sort};
//! let q = Query::filter(Predicate::eq("region", "110000").and(Predicate::contains("name", "华为")))
//!     .sort(Sort::desc("updated_at"))
//!     .limit(50);
//! assert_eq!(q.page.limit, 50);
//! ```

use std::cmp::Ordering;
use std::collections::HashSet;

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
    /// `field IN (SELECT select FROM from WHERE tenant = <same> AND deleted_at IS NULL AND
    /// filter)`: `field` equals the `select` field of some live record of kind `from` that
    /// matches `filter`. Null selected values are never matched, so the negation stays
    /// two-valued like every other leaf.
    InSelect {
        /// The field name, on the outer kind.
        field: String,
        /// The kind the sub-select reads.
        from: ObjectKind,
        /// The selected field name, on `from`; of the same type as `field`.
        select: String,
        /// Which records of `from`.
        filter: Box<Predicate>,
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

    /// `field` equals the `select` field of some live `from` record matching `filter`.
    ///
    /// ```
    /// use crm_core::ObjectKind;
    /// use crm_core::query::Predicate;
    /// // Deals of A-level customers.
    /// let p = Predicate::in_select("account_id", ObjectKind::Account, "id", Predicate::eq("level", "A"));
    /// assert!(p.resolve(ObjectKind::Opportunity).is_ok());
    /// ```
    pub fn in_select(field: &str, from: ObjectKind, select: &str, filter: Predicate) -> Predicate {
        Predicate::InSelect {
            field: field.into(),
            from,
            select: select.into(),
            filter: Box::new(filter),
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
            (
                Predicate::InSelect {
                    field,
                    from,
                    select,
                    filter,
                },
                _,
            ) => {
                let (field_ref, ty) = resolve_field(kind, field)?;
                let (select_ref, select_ty) = resolve_field(*from, select)?;
                if ty != select_ty {
                    return Err(Error::validation(
                        format!("query.{field}"),
                        format!("{from}.{select}"),
                        format!("the field holds {ty:?} values, the selected field {select_ty:?}"),
                    ));
                }
                // The negation of the whole leaf never reaches into the sub-select's filter.
                let filter = Condition::And(vec![
                    filter.resolve(*from)?,
                    Condition::leaf(from.field("deleted_at")?, Test::IsNull, false),
                ]);
                let sub = SubSelect {
                    from: *from,
                    select: select_ref,
                    filter: Box::new(filter),
                };
                Condition::leaf(field_ref, Test::InSelect(sub), negated)
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
    /// Equal to a value the sub-select selects.
    InSelect(SubSelect),
}

/// The resolved form of [`Predicate::InSelect`]: which field of which kind, from the live rows
/// matching a filter. The filter already holds `deleted_at IS NULL`. A null selected value
/// matches nothing (SQL stores leave nulls out of a negated sub-select, where SQL's `NOT IN`
/// would otherwise turn unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct SubSelect {
    /// The kind read.
    pub from: ObjectKind,
    /// The selected field, on `from`.
    pub select: FieldRef,
    /// Which rows of `from`, resolved against it.
    pub filter: Box<Condition>,
}

impl SubSelect {
    /// The distinct non-null values the sub-select selects from `source`, in first-seen
    /// order.
    pub fn values(&self, source: &dyn RowSource) -> Vec<Value> {
        let filter = self.filter.bind(source);
        let mut seen = HashSet::new();
        source
            .rows_of(self.from)
            .filter(|r| filter.matches(r, source))
            .map(|r| r.value(self.select))
            .filter(|v| !v.is_null() && seen.insert(v.clone()))
            .collect()
    }
}

/// Where the in-memory interpreter reads the rows sub-selects select from: one tenant's
/// stored rows of each kind.
pub trait RowSource {
    /// Every stored row of `kind`, soft-deleted ones included (sub-selects leave them out).
    fn rows_of(&self, kind: ObjectKind) -> Box<dyn Iterator<Item = &Row> + '_>;
}

/// Rows of mixed kinds, e.g. a test's whole data set: `&rows.as_slice()` as a source.
impl RowSource for &[Row] {
    fn rows_of(&self, kind: ObjectKind) -> Box<dyn Iterator<Item = &Row> + '_> {
        Box::new(self.iter().filter(move |r| r.kind == kind))
    }
}

/// No stored rows: every sub-select selects nothing. For conditions known to have none.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoRows;

impl RowSource for NoRows {
    fn rows_of(&self, _kind: ObjectKind) -> Box<dyn Iterator<Item = &Row> + '_> {
        Box::new(std::iter::empty())
    }
}

impl Test {
    /// The un-negated outcome on `value`; false for a null value except for `IsNull`.
    /// Sub-selects read `source`.
    pub fn holds(&self, value: &Value, source: &dyn RowSource) -> bool {
        if let Test::IsNull = self {
            return value.is_null();
        }
        match (self, value) {
            (_, Value::Null) => false,
            (Test::Cmp(op, operand), v) => v.compare(operand).is_some_and(|o| op.holds(o)),
            (Test::In(values), v) => values.iter().any(|c| c == v),
            (Test::Contains(text), Value::Text(v)) => v.contains(text.as_str()),
            (Test::StartsWith(text), Value::Text(v)) => v.starts_with(text.as_str()),
            (Test::InSelect(sub), v) => source
                .rows_of(sub.from)
                .any(|r| r.value(sub.select) == *v && sub.filter.matches(r, source)),
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

    /// The in-memory interpreter: whether `row` satisfies the condition, sub-selects reading
    /// `source` by brute force (every sub-select is re-run for every row; [`Condition::bind`]
    /// first when testing many rows).
    pub fn matches(&self, row: &Row, source: &dyn RowSource) -> bool {
        match self {
            Condition::True => true,
            Condition::False => false,
            Condition::And(all) => all.iter().all(|c| c.matches(row, source)),
            Condition::Or(any) => any.iter().any(|c| c.matches(row, source)),
            Condition::Leaf {
                field,
                test,
                negated,
            } => test.holds(&row.value(*field), source) != *negated,
        }
    }

    /// This condition with every sub-select run once against `source` and replaced by the
    /// values it selected (`field IN (v1, v2, ...)`): the same answers for every row of the
    /// same data, without re-running sub-selects per row. An in-memory evaluation step only;
    /// what stores receive keeps its sub-selects.
    pub fn bind(&self, source: &dyn RowSource) -> Condition {
        match self {
            Condition::And(all) => Condition::And(all.iter().map(|c| c.bind(source)).collect()),
            Condition::Or(any) => Condition::Or(any.iter().map(|c| c.bind(source)).collect()),
            Condition::Leaf {
                field,
                test: Test::InSelect(sub),
                negated,
            } => Condition::leaf(*field, Test::In(sub.values(source)), *negated),
            other => other.clone(),
        }
    }

    /// Whether any leaf, at any depth, is a sub-select.
    pub fn has_sub_select(&self) -> bool {
        match self {
            Condition::And(parts) | Condition::Or(parts) => parts.iter().any(Self::has_sub_select),
            Condition::Leaf { test, .. } => matches!(test, Test::InSelect(_)),
            Condition::True | Condition::False => false,
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
    /// The in-memory interpreter: filter (sub-selects read `source`), sort (nulls first
    /// ascending, last descending), page.
    pub fn apply<'a>(
        &self,
        rows: impl IntoIterator<Item = &'a Row>,
        source: &dyn RowSource,
    ) -> Vec<&'a Row> {
        let condition = self.condition.bind(source);
        let mut hits: Vec<&Row> = rows
            .into_iter()
            .filter(|r| condition.matches(r, source))
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
        assert!(!eq.holds(&Value::Null, &NoRows));
        assert!(Test::IsNull.holds(&Value::Null, &NoRows));
        assert!(!Test::In(vec![]).holds(&Value::Text("a".into()), &NoRows));
    }

    fn account_row(id: u128, level: Option<&str>, parent: Option<u128>) -> Row {
        use crate::id::{AccountId, TenantId};
        use crate::model::Account;
        use crate::record::Record;
        use crate::value::CompanyName;
        let mut a = Account::new(CompanyName::parse("子查询测试公司").unwrap());
        a.level = level.map(str::to_owned);
        a.parent = parent.map(|p| AccountId(uuid::Uuid::from_u128(p)));
        let at = chrono::DateTime::UNIX_EPOCH;
        Record::new(
            AccountId(uuid::Uuid::from_u128(id)),
            TenantId(uuid::Uuid::nil()),
            None,
            at,
            a,
        )
        .to_row()
        .unwrap()
    }

    #[test]
    fn sub_selects_skip_null_selections_so_negation_stays_two_valued() {
        // 1 (A) <- 2 (B), 3 (no parent, no level)
        let rows = vec![
            account_row(1, Some("A"), None),
            account_row(2, Some("B"), Some(1)),
            account_row(3, None, None),
        ];
        let source = &rows.as_slice();
        let is_a_parent =
            Predicate::in_select("id", ObjectKind::Account, "parent", Predicate::True);
        let selected = |p: &Predicate| -> Vec<u128> {
            let c = p.resolve(ObjectKind::Account).unwrap();
            let bound = c.bind(source);
            let direct: Vec<u128> = rows
                .iter()
                .filter(|r| c.matches(r, source))
                .map(|r| r.id.as_u128())
                .collect();
            let via_bind: Vec<u128> = rows
                .iter()
                .filter(|r| bound.matches(r, &NoRows))
                .map(|r| r.id.as_u128())
                .collect();
            assert_eq!(direct, via_bind, "bind changes the answer of {p:?}");
            direct
        };
        assert_eq!(selected(&is_a_parent), vec![1]);
        // Account 3's null parent is selected by no one, and does not make NOT IN unknown.
        assert_eq!(selected(&!is_a_parent.clone()), vec![2, 3]);
        let parent_is_a = Predicate::in_select(
            "parent",
            ObjectKind::Account,
            "id",
            Predicate::eq("level", "A"),
        );
        assert_eq!(selected(&parent_is_a), vec![2]);
        assert_eq!(
            selected(&!parent_is_a),
            vec![1, 3],
            "a null field passes the negation"
        );
    }

    #[test]
    fn sub_select_types_must_match() {
        let p = Predicate::in_select("name", ObjectKind::Account, "id", Predicate::True);
        let err = p.resolve(ObjectKind::Account).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation);
        let p = Predicate::in_select("id", ObjectKind::Account, "nope", Predicate::True);
        assert_eq!(
            p.resolve(ObjectKind::Account).unwrap_err().kind(),
            ErrorKind::Validation
        );
    }
}
