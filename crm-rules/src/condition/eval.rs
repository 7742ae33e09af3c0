//! The compiled form of a condition and its evaluation: no allocation, constants
//! pre-converted, names held inline.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use crm_core::record::Value;
use rust_decimal::Decimal;
use uuid::Uuid;

use super::ast::{CmpOp, Expr, Operand};
use crate::facts::Facts;

/// A value read during evaluation: copied or borrowed, never allocated.
#[derive(Debug, Clone, Copy)]
enum Scalar<'a> {
    Null,
    Bool(bool),
    Int(i64),
    Dec(Decimal),
    Text(&'a str),
    Time(DateTime<Utc>),
    Date(NaiveDate),
    Uuid(Uuid),
}

impl<'a> Scalar<'a> {
    fn of(value: &'a Value) -> Self {
        match value {
            Value::Null => Scalar::Null,
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Int(i) => Scalar::Int(*i),
            Value::Decimal(d) => Scalar::Dec(*d),
            Value::Text(t) => Scalar::Text(t),
            Value::Time(t) => Scalar::Time(*t),
            Value::Date(d) => Scalar::Date(*d),
            Value::Uuid(u) => Scalar::Uuid(*u),
        }
    }
}

/// Order two scalars: numbers numerically (integers against decimals too), other values
/// against values of their own type; `None` for null or different types.
fn order_scalars(a: Scalar<'_>, b: Scalar<'_>) -> Option<Ordering> {
    use Scalar::*;
    Some(match (a, b) {
        (Int(a), Int(b)) => a.cmp(&b),
        (Dec(a), Dec(b)) => a.cmp(&b),
        (Int(a), Dec(b)) => Decimal::from(a).cmp(&b),
        (Dec(a), Int(b)) => a.cmp(&Decimal::from(b)),
        (Text(a), Text(b)) => a.cmp(b),
        (Bool(a), Bool(b)) => a.cmp(&b),
        (Time(a), Time(b)) => a.cmp(&b),
        (Date(a), Date(b)) => a.cmp(&b),
        (Uuid(a), Uuid(b)) => a.cmp(&b),
        _ => return None,
    })
}

/// `==`: null equals only null; otherwise equal when ordered equal.
fn equal(a: Scalar<'_>, b: Scalar<'_>) -> bool {
    match (a, b) {
        (Scalar::Null, Scalar::Null) => true,
        (Scalar::Text(a), Scalar::Text(b)) => a == b,
        _ => order_scalars(a, b) == Some(Ordering::Equal),
    }
}

fn compare(a: Scalar<'_>, op: CmpOp, b: Scalar<'_>) -> bool {
    match op {
        CmpOp::Eq => equal(a, b),
        CmpOp::Ne => !equal(a, b),
        _ => order_scalars(a, b).is_some_and(|order| holds(op, order)),
    }
}

/// Whether `op` holds between two ordered values.
fn holds(op: CmpOp, order: Ordering) -> bool {
    match op {
        CmpOp::Eq => order == Ordering::Equal,
        CmpOp::Ne => order != Ordering::Equal,
        CmpOp::Lt => order == Ordering::Less,
        CmpOp::Le => order != Ordering::Greater,
        CmpOp::Gt => order == Ordering::Greater,
        CmpOp::Ge => order != Ordering::Less,
    }
}

/// Order two constants as conditions do (used by the load-time checks).
pub(crate) fn order(a: &Value, b: &Value) -> Option<Ordering> {
    order_scalars(Scalar::of(a), Scalar::of(b))
}

/// A compiled condition.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Const(bool),
    All(Box<[Node]>),
    Any(Box<[Node]>),
    Not(Box<Node>),
    /// The common case, `field op constant`, without the generic operand dispatch; an
    /// integer constant is also held as a decimal, for decimal fields.
    FieldCmp {
        field: Box<str>,
        op: CmpOp,
        value: Value,
        decimal: Option<Decimal>,
    },
    Cmp {
        left: Term,
        op: CmpOp,
        right: Term,
    },
    In {
        operand: Term,
        values: Box<[Value]>,
    },
    /// `in` over texts (and perhaps null): a binary search.
    InTexts {
        operand: Term,
        sorted: Box<[Box<str>]>,
        null: bool,
    },
    Contains {
        operand: Term,
        needle: Term,
    },
    Between {
        operand: Term,
        low: Term,
        high: Term,
    },
    IsEmpty(Term),
    Exists {
        relation: Box<str>,
        filter: Option<Box<Node>>,
    },
}

/// A compiled operand.
#[derive(Debug, Clone)]
pub(crate) enum Term {
    Field(Box<str>),
    Value(Value),
    Count {
        relation: Box<str>,
        filter: Option<Box<Node>>,
    },
    Sum {
        relation: Box<str>,
        field: Box<str>,
        filter: Option<Box<Node>>,
    },
}

/// Compile a checked `expr`.
pub(crate) fn compile(expr: &Expr) -> Node {
    let group = |members: &[Expr]| members.iter().map(compile).collect();
    let filter = |filter: &Option<Box<Expr>>| filter.as_deref().map(|f| Box::new(compile(f)));
    match expr {
        Expr::Const(b) => Node::Const(*b),
        Expr::All(members) => Node::All(group(members)),
        Expr::Any(members) => Node::Any(group(members)),
        Expr::Not(inner) => Node::Not(Box::new(compile(inner))),
        Expr::Compare {
            left: Operand::Field(field),
            op,
            right: Operand::Value(value),
        } => Node::FieldCmp {
            field: field.as_str().into(),
            op: *op,
            value: value.clone(),
            decimal: match value {
                Value::Int(i) => Some(Decimal::from(*i)),
                _ => None,
            },
        },
        Expr::Compare { left, op, right } => Node::Cmp {
            left: term(left),
            op: *op,
            right: term(right),
        },
        Expr::In { operand, values } => in_list(term(operand), values),
        Expr::Contains { operand, needle } => Node::Contains {
            operand: term(operand),
            needle: term(needle),
        },
        Expr::Between { operand, low, high } => Node::Between {
            operand: term(operand),
            low: term(low),
            high: term(high),
        },
        Expr::IsEmpty(operand) => Node::IsEmpty(term(operand)),
        Expr::Exists {
            relation,
            filter: f,
        } => Node::Exists {
            relation: relation.as_str().into(),
            filter: filter(f),
        },
    }
}

fn in_list(operand: Term, values: &[Value]) -> Node {
    let mut sorted = Vec::with_capacity(values.len());
    let mut null = false;
    for value in values {
        match value {
            Value::Text(text) => sorted.push(text.as_str().into()),
            Value::Null => null = true,
            _ => {
                return Node::In {
                    operand,
                    values: values.into(),
                };
            }
        }
    }
    sorted.sort_unstable();
    Node::InTexts {
        operand,
        sorted: sorted.into(),
        null,
    }
}

fn term(operand: &Operand) -> Term {
    let filter = |filter: &Option<Box<Expr>>| filter.as_deref().map(|f| Box::new(compile(f)));
    match operand {
        Operand::Field(name) => Term::Field(name.as_str().into()),
        Operand::Value(value) => Term::Value(value.clone()),
        Operand::Count {
            relation,
            filter: f,
        } => Term::Count {
            relation: relation.as_str().into(),
            filter: filter(f),
        },
        Operand::Sum {
            relation,
            field,
            filter: f,
        } => Term::Sum {
            relation: relation.as_str().into(),
            field: field.as_str().into(),
            filter: filter(f),
        },
    }
}

fn matches_filter(filter: &Option<Box<Node>>, facts: &dyn Facts) -> bool {
    filter.as_ref().is_none_or(|f| f.eval(facts))
}

fn field<'a>(facts: &'a dyn Facts, name: &str) -> Scalar<'a> {
    facts.get(name).map_or(Scalar::Null, Scalar::of)
}

impl Node {
    /// Whether `facts` match.
    pub(crate) fn eval(&self, facts: &dyn Facts) -> bool {
        match self {
            Node::Const(b) => *b,
            Node::All(members) => members.iter().all(|m| m.eval(facts)),
            Node::Any(members) => members.iter().any(|m| m.eval(facts)),
            Node::Not(inner) => !inner.eval(facts),
            Node::FieldCmp {
                field: name,
                op,
                value,
                decimal,
            } => match (field(facts, name), decimal) {
                (Scalar::Dec(d), Some(constant)) => holds(*op, d.cmp(constant)),
                (x, _) => compare(x, *op, Scalar::of(value)),
            },
            Node::Cmp { left, op, right } => compare(left.eval(facts), *op, right.eval(facts)),
            Node::In { operand, values } => {
                let x = operand.eval(facts);
                values.iter().any(|v| equal(x, Scalar::of(v)))
            }
            Node::InTexts {
                operand,
                sorted,
                null,
            } => match operand.eval(facts) {
                Scalar::Text(x) => sorted.binary_search_by(|s| (**s).cmp(x)).is_ok(),
                Scalar::Null => *null,
                _ => false,
            },
            Node::Contains { operand, needle } => match (operand.eval(facts), needle.eval(facts)) {
                (Scalar::Text(hay), Scalar::Text(needle)) => hay.contains(needle),
                _ => false,
            },
            Node::Between { operand, low, high } => {
                let x = operand.eval(facts);
                matches!(
                    order_scalars(x, low.eval(facts)),
                    Some(Ordering::Greater | Ordering::Equal)
                ) && matches!(
                    order_scalars(x, high.eval(facts)),
                    Some(Ordering::Less | Ordering::Equal)
                )
            }
            Node::IsEmpty(operand) => match operand.eval(facts) {
                Scalar::Null => true,
                Scalar::Text(t) => t.trim().is_empty(),
                _ => false,
            },
            Node::Exists { relation, filter } => {
                let mut found = false;
                facts.related(relation, &mut |record| {
                    found = matches_filter(filter, record);
                    !found
                });
                found
            }
        }
    }
}

impl Term {
    fn eval<'a>(&'a self, facts: &'a dyn Facts) -> Scalar<'a> {
        match self {
            Term::Field(name) => field(facts, name),
            Term::Value(value) => Scalar::of(value),
            Term::Count { relation, filter } => {
                let mut count = 0i64;
                facts.related(relation, &mut |record| {
                    count += i64::from(matches_filter(filter, record));
                    true
                });
                Scalar::Int(count)
            }
            Term::Sum {
                relation,
                field: name,
                filter,
            } => {
                let mut sum = Some(Decimal::ZERO);
                facts.related(relation, &mut |record| {
                    if matches_filter(filter, record) {
                        let add = match field(record, name) {
                            Scalar::Int(i) => Decimal::from(i),
                            Scalar::Dec(d) => d,
                            _ => Decimal::ZERO,
                        };
                        sum = sum.and_then(|s| s.checked_add(add));
                    }
                    sum.is_some()
                });
                sum.map_or(Scalar::Null, Scalar::Dec)
            }
        }
    }
}
