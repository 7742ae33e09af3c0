//! The typed AST of a condition, its JSON form (serde) and its canonical text (`Display`).

use std::fmt::{self, Write as _};

use chrono::SecondsFormat;
use crm_core::record::Value;
use serde::{Deserialize, Serialize};

/// A condition: the typed AST that both the text and the JSON form describe.
///
/// JSON is externally tagged, snake_case: `{"all": [..]}`, `{"not": {..}}`,
/// `{"compare": {"left": {"field": "amount"}, "op": "gt", "right": {"value": {"type":
/// "int", "value": 1000000}}}}`. Values are [`Value`]'s own JSON.
///
/// `Display` prints the canonical text, which parses back to an equal `Expr` for every
/// expression [`Condition::from_expr`](super::Condition::from_expr) accepts whose groups
/// (`all`, `any`) have at least two members (shorter groups are normalised away on
/// compilation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    /// `true` (matches everything) or `false` (nothing).
    Const(bool),
    /// `a and b and ...`: every member holds (`true` when empty).
    All(Vec<Expr>),
    /// `a or b or ...`: some member holds (`false` when empty).
    Any(Vec<Expr>),
    /// `not a`.
    Not(Box<Expr>),
    /// `left op right`, e.g. `amount > 1000000` or `amount > custom.budget`.
    Compare {
        /// The left side.
        left: Operand,
        /// The comparison.
        op: CmpOp,
        /// The right side.
        right: Operand,
    },
    /// `operand in [v, ...]`: equal (`==`) to one of the values; `false` for `[]`.
    In {
        /// What is looked up.
        operand: Operand,
        /// The constants it may equal.
        values: Vec<Value>,
    },
    /// `operand contains needle`: the text contains the needle text (case-sensitive).
    Contains {
        /// The text searched.
        operand: Operand,
        /// The text searched for.
        needle: Operand,
    },
    /// `operand between low and high`, bounds included.
    Between {
        /// The value tested.
        operand: Operand,
        /// The lower bound (included).
        low: Operand,
        /// The upper bound (included).
        high: Operand,
    },
    /// `operand is empty`: missing, null, or text of only white space.
    IsEmpty(Operand),
    /// `exists(relation)` or `exists(relation, filter)`: some related record (matching the
    /// filter, read on the related record).
    Exists {
        /// The relation, e.g. `opportunities`.
        relation: String,
        /// What a related record must match; every record when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filter: Option<Box<Expr>>,
    },
}

/// One side of a comparison: a field, a constant or an aggregate over related records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operand {
    /// A field of the record: `amount`, `custom.budget`, `region.province`.
    Field(String),
    /// A constant.
    Value(Value),
    /// `count(relation)` or `count(relation, filter)`: how many related records match.
    Count {
        /// The relation, e.g. `opportunities`.
        relation: String,
        /// What a counted record must match; every record when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filter: Option<Box<Expr>>,
    },
    /// `sum(relation.field)` or `sum(relation.field, filter)`: the sum (a decimal) of the
    /// numeric values of `field` over the matching related records; 0 when there are none.
    Sum {
        /// The relation, e.g. `opportunities`.
        relation: String,
        /// The field summed, read on the related records.
        field: String,
        /// What a summed record must match; every record when absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filter: Option<Box<Expr>>,
    },
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CmpOp {
    /// `==` (also `=`).
    Eq,
    /// `!=`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
}

impl CmpOp {
    /// The operator's canonical text: `==`, `!=`, `<`, `<=`, `>`, `>=`.
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Ne => "!=",
            CmpOp::Lt => "<",
            CmpOp::Le => "<=",
            CmpOp::Gt => ">",
            CmpOp::Ge => ">=",
        }
    }

    /// Whether this orders (`<`, `<=`, `>`, `>=`) rather than tests equality.
    pub fn is_ordering(self) -> bool {
        !matches!(self, CmpOp::Eq | CmpOp::Ne)
    }
}

/// Words that cannot stand unquoted as a field name: write `` `in` `` for a field so named.
pub(crate) const KEYWORDS: [&str; 11] = [
    "and", "or", "not", "in", "between", "is", "empty", "contains", "true", "false", "null",
];

pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

pub(crate) fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Whether `name` is a plain identifier: no dots, not a keyword.
pub(crate) fn is_plain_ident(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(is_ident_start)
        && chars.all(is_ident_continue)
        && !KEYWORDS.contains(&name)
}

/// Whether `name` can be written without backticks: identifiers joined by dots, the first
/// starting with a letter or `_` and not a keyword.
pub(crate) fn is_plain_path(name: &str) -> bool {
    let mut segments = name.split('.');
    let first = segments.next().unwrap_or_default();
    is_plain_ident(first) && segments.all(|s| !s.is_empty() && s.chars().all(is_ident_continue))
}

fn write_field(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    if is_plain_path(name) {
        f.write_str(name)
    } else {
        write!(f, "`{name}`")
    }
}

/// Write `text` as a double-quoted string literal.
pub(crate) fn write_string(f: &mut impl fmt::Write, text: &str) -> fmt::Result {
    f.write_char('"')?;
    for c in text.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if c.is_control() => write!(f, "\\u{{{:x}}}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

/// Write a constant as a literal that parses back to an equal value.
pub(crate) fn write_value(f: &mut impl fmt::Write, value: &Value) -> fmt::Result {
    match value {
        Value::Null => f.write_str("null"),
        Value::Bool(b) => write!(f, "{b}"),
        Value::Int(i) => write!(f, "{i}"),
        Value::Decimal(d) => {
            let text = d.to_string();
            // A decimal always shows a point, so it does not read back as an integer.
            if text.contains('.') {
                f.write_str(&text)
            } else {
                write!(f, "{text}.0")
            }
        }
        Value::Text(t) => write_string(f, t),
        Value::Time(t) => write!(
            f,
            "time(\"{}\")",
            t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
        ),
        Value::Date(d) => write!(f, "date(\"{d}\")"),
        Value::Uuid(u) => write!(f, "uuid(\"{u}\")"),
    }
}

fn write_call(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    target: fmt::Arguments<'_>,
    filter: &Option<Box<Expr>>,
) -> fmt::Result {
    write!(f, "{name}({target}")?;
    if let Some(filter) = filter {
        write!(f, ", {filter}")?;
    }
    f.write_char(')')
}

impl fmt::Display for Operand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Operand::Field(name) => write_field(f, name),
            Operand::Value(value) => write_value(f, value),
            Operand::Count { relation, filter } => {
                write_call(f, "count", format_args!("{relation}"), filter)
            }
            Operand::Sum {
                relation,
                field,
                filter,
            } => write_call(f, "sum", format_args!("{relation}.{field}"), filter),
        }
    }
}

impl fmt::Display for CmpOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A member of a group, parenthesised when it is a group itself.
struct Member<'a>(&'a Expr);

impl fmt::Display for Member<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            group @ (Expr::All(_) | Expr::Any(_)) => write!(f, "({group})"),
            other => write!(f, "{other}"),
        }
    }
}

fn write_group(f: &mut fmt::Formatter<'_>, members: &[Expr], joiner: &str) -> fmt::Result {
    for (i, member) in members.iter().enumerate() {
        if i > 0 {
            f.write_str(joiner)?;
        }
        write!(f, "{}", Member(member))?;
    }
    Ok(())
}

fn write_values(f: &mut fmt::Formatter<'_>, values: &[Value]) -> fmt::Result {
    f.write_char('[')?;
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write_value(f, value)?;
    }
    f.write_char(']')
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Const(b) => write!(f, "{b}"),
            Expr::All(members) if members.is_empty() => f.write_str("true"),
            Expr::Any(members) if members.is_empty() => f.write_str("false"),
            Expr::All(members) => write_group(f, members, " and "),
            Expr::Any(members) => write_group(f, members, " or "),
            Expr::Not(inner) => match &**inner {
                Expr::In { operand, values } => {
                    write!(f, "{operand} not in ")?;
                    write_values(f, values)
                }
                Expr::IsEmpty(operand) => write!(f, "{operand} is not empty"),
                inner => write!(f, "not {}", Member(inner)),
            },
            Expr::Compare { left, op, right } => write!(f, "{left} {op} {right}"),
            Expr::In { operand, values } => {
                write!(f, "{operand} in ")?;
                write_values(f, values)
            }
            Expr::Contains { operand, needle } => write!(f, "{operand} contains {needle}"),
            Expr::Between { operand, low, high } => {
                write!(f, "{operand} between {low} and {high}")
            }
            Expr::IsEmpty(operand) => write!(f, "{operand} is empty"),
            Expr::Exists { relation, filter } => {
                write_call(f, "exists", format_args!("{relation}"), filter)
            }
        }
    }
}
