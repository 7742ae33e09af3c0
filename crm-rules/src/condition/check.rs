//! Load-time checks that catch obvious nonsense (`amount between "a" and 3`), shared by the
//! parser (which points at text) and by [`check_expr`] (which points into the JSON AST).

use crm_core::record::Value;

use super::ast::{CmpOp, Expr, Operand, is_ident_continue, is_plain_ident};
use super::error::ConditionError;

/// How deep conditions may nest (groups, `not`, filters): far beyond any real rule, well
/// within the stack.
pub(crate) const MAX_DEPTH: usize = 64;

/// The part of a node a [`Fault`] is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The node as a whole.
    Whole,
    /// The left side of a comparison.
    Left,
    /// The right side of a comparison.
    Right,
    /// The operand of `in`, `contains`, `between`, `is empty`.
    Operand,
    /// The needle of `contains`.
    Needle,
    /// The lower bound of `between`.
    Low,
    /// The upper bound of `between`.
    High,
    /// The value at this index of an `in` list.
    Value(usize),
}

/// What is wrong with a node, and in which part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fault {
    pub part: Part,
    pub message: String,
}

fn fault(part: Part, message: impl Into<String>) -> Result<(), Fault> {
    Err(Fault {
        part,
        message: message.into(),
    })
}

/// The kind of value an operand has, when known before evaluation (constants, aggregates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Null,
    Bool,
    Number,
    Text,
    Time,
    Date,
    Uuid,
}

impl Class {
    fn of_value(value: &Value) -> Class {
        match value {
            Value::Null => Class::Null,
            Value::Bool(_) => Class::Bool,
            Value::Int(_) | Value::Decimal(_) => Class::Number,
            Value::Text(_) => Class::Text,
            Value::Time(_) => Class::Time,
            Value::Date(_) => Class::Date,
            Value::Uuid(_) => Class::Uuid,
        }
    }

    fn of(operand: &Operand) -> Option<Class> {
        match operand {
            Operand::Field(_) => None,
            Operand::Value(value) => Some(Class::of_value(value)),
            Operand::Count { .. } | Operand::Sum { .. } => Some(Class::Number),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Class::Null => "null",
            Class::Bool => "a boolean",
            Class::Number => "a number",
            Class::Text => "text",
            Class::Time => "a time",
            Class::Date => "a date",
            Class::Uuid => "a uuid",
        }
    }
}

fn is_const(operand: &Operand) -> bool {
    matches!(operand, Operand::Value(_))
}

/// Two known, non-null classes that differ: never equal, never ordered.
fn mismatch(a: Option<Class>, b: Option<Class>) -> Option<(Class, Class)> {
    match (a?, b?) {
        (Class::Null, _) | (_, Class::Null) => None,
        (a, b) if a != b => Some((a, b)),
        _ => None,
    }
}

/// `left op right`.
pub(crate) fn compare(left: &Operand, op: CmpOp, right: &Operand) -> Result<(), Fault> {
    if is_const(left) && is_const(right) {
        return fault(Part::Whole, "compares two constants: write true or false");
    }
    let (l, r) = (Class::of(left), Class::of(right));
    if let Some((l, r)) = mismatch(l, r) {
        return fault(
            Part::Right,
            format!("cannot compare {} with {}", l.name(), r.name()),
        );
    }
    if op.is_ordering() {
        for (part, class) in [(Part::Left, l), (Part::Right, r)] {
            if class == Some(Class::Null) {
                return fault(
                    part,
                    format!("'{op}' with null is never true: use 'is empty' or 'is not empty'"),
                );
            }
        }
    }
    Ok(())
}

/// `operand in [values]`.
pub(crate) fn is_in(operand: &Operand, values: &[Value]) -> Result<(), Fault> {
    if is_const(operand) {
        return fault(Part::Operand, "'in' needs a field, not a constant");
    }
    let mut seen = Class::of(operand);
    for (i, value) in values.iter().enumerate() {
        let class = Class::of_value(value);
        if let Some((a, b)) = mismatch(seen, Some(class)) {
            return fault(
                Part::Value(i),
                format!("'in' mixes {} and {}", a.name(), b.name()),
            );
        }
        if class != Class::Null {
            seen = Some(class);
        }
    }
    Ok(())
}

/// `operand contains needle`.
pub(crate) fn contains(operand: &Operand, needle: &Operand) -> Result<(), Fault> {
    if is_const(operand) && is_const(needle) {
        return fault(Part::Whole, "compares two constants: write true or false");
    }
    for (part, side) in [(Part::Operand, operand), (Part::Needle, needle)] {
        match Class::of(side) {
            None | Some(Class::Text) => {}
            Some(class) => {
                return fault(
                    part,
                    format!("'contains' works on text, not {}", class.name()),
                );
            }
        }
    }
    Ok(())
}

/// `operand between low and high`.
pub(crate) fn between(operand: &Operand, low: &Operand, high: &Operand) -> Result<(), Fault> {
    if [operand, low, high].into_iter().all(is_const) {
        return fault(Part::Whole, "compares constants: write true or false");
    }
    for (part, bound) in [(Part::Low, low), (Part::High, high)] {
        if Class::of(bound) == Some(Class::Null) {
            return fault(part, "a bound of 'between' cannot be null");
        }
    }
    if let Some((a, b)) = mismatch(Class::of(low), Class::of(high)) {
        return fault(
            Part::High,
            format!(
                "the bounds of 'between' have different types: {} and {}",
                a.name(),
                b.name()
            ),
        );
    }
    if let Some((a, b)) = mismatch(Class::of(operand), Class::of(low).or(Class::of(high))) {
        return fault(
            Part::Low,
            format!("cannot compare {} with {}", a.name(), b.name()),
        );
    }
    if let (Operand::Value(lo), Operand::Value(hi)) = (low, high)
        && super::eval::order(lo, hi) == Some(std::cmp::Ordering::Greater)
    {
        return fault(
            Part::High,
            format!(
                "the lower bound {} is above the upper bound {}: never true",
                Shown(lo),
                Shown(hi)
            ),
        );
    }
    Ok(())
}

/// `operand is empty`.
pub(crate) fn is_empty(operand: &Operand) -> Result<(), Fault> {
    match operand {
        Operand::Field(_) => Ok(()),
        Operand::Value(_) => fault(Part::Operand, "'is empty' needs a field, not a constant"),
        Operand::Count { .. } | Operand::Sum { .. } => fault(
            Part::Operand,
            "a count or sum is never empty: compare it with 0",
        ),
    }
}

/// A value as a literal in messages.
struct Shown<'a>(&'a Value);

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::ast::write_value(f, self.0)
    }
}

/// A JSON pointer under construction.
struct Path(String);

impl Path {
    fn at(&self, segment: impl std::fmt::Display) -> Path {
        Path(format!("{}/{segment}", self.0))
    }

    fn error(&self, message: impl Into<String>) -> ConditionError {
        ConditionError::in_json(self.0.clone(), message)
    }
}

/// Check `expr` (a JSON AST): errors carry the JSON pointer of the offending part.
pub(crate) fn check_expr(expr: &Expr) -> Result<(), ConditionError> {
    walk(expr, &Path(String::new()), 0)
}

fn walk(expr: &Expr, path: &Path, depth: usize) -> Result<(), ConditionError> {
    if depth > MAX_DEPTH {
        return Err(path.error(format!("nested more than {MAX_DEPTH} deep")));
    }
    let node = |name: &str, check: Result<(), Fault>, parts: &[(Part, &str)]| {
        check.map_err(|f| {
            let at = path.at(name);
            let at = match f.part {
                Part::Whole => at,
                Part::Value(i) => at.at("values").at(i),
                part => parts
                    .iter()
                    .find(|(p, _)| *p == part)
                    .map_or(at, |(_, seg)| path.at(name).at(seg)),
            };
            at.error(f.message)
        })
    };
    let operand =
        |name: &str, seg: &str, o: &Operand| walk_operand(o, &path.at(name).at(seg), depth);
    match expr {
        Expr::Const(_) => Ok(()),
        Expr::All(members) | Expr::Any(members) => {
            let name = if matches!(expr, Expr::All(_)) {
                "all"
            } else {
                "any"
            };
            for (i, member) in members.iter().enumerate() {
                walk(member, &path.at(name).at(i), depth + 1)?;
            }
            Ok(())
        }
        Expr::Not(inner) => walk(inner, &path.at("not"), depth + 1),
        Expr::Compare { left, op, right } => {
            operand("compare", "left", left)?;
            operand("compare", "right", right)?;
            node(
                "compare",
                compare(left, *op, right),
                &[(Part::Left, "left"), (Part::Right, "right")],
            )
        }
        Expr::In { operand: o, values } => {
            operand("in", "operand", o)?;
            node("in", is_in(o, values), &[(Part::Operand, "operand")])
        }
        Expr::Contains { operand: o, needle } => {
            operand("contains", "operand", o)?;
            operand("contains", "needle", needle)?;
            node(
                "contains",
                contains(o, needle),
                &[(Part::Operand, "operand"), (Part::Needle, "needle")],
            )
        }
        Expr::Between {
            operand: o,
            low,
            high,
        } => {
            operand("between", "operand", o)?;
            operand("between", "low", low)?;
            operand("between", "high", high)?;
            node(
                "between",
                between(o, low, high),
                &[
                    (Part::Operand, "operand"),
                    (Part::Low, "low"),
                    (Part::High, "high"),
                ],
            )
        }
        Expr::IsEmpty(o) => {
            walk_operand(o, &path.at("is_empty"), depth)?;
            is_empty(o).map_err(|f| path.at("is_empty").error(f.message))
        }
        Expr::Exists { relation, filter } => {
            walk_related(relation, None, filter, &path.at("exists"), depth)
        }
    }
}

fn walk_operand(operand: &Operand, path: &Path, depth: usize) -> Result<(), ConditionError> {
    match operand {
        Operand::Field(name) => check_field(name).map_err(|m| path.at("field").error(m)),
        Operand::Value(_) => Ok(()),
        Operand::Count { relation, filter } => {
            walk_related(relation, None, filter, &path.at("count"), depth)
        }
        Operand::Sum {
            relation,
            field,
            filter,
        } => walk_related(relation, Some(field), filter, &path.at("sum"), depth),
    }
}

fn walk_related(
    relation: &str,
    field: Option<&str>,
    filter: &Option<Box<Expr>>,
    path: &Path,
    depth: usize,
) -> Result<(), ConditionError> {
    if !is_plain_ident(relation) {
        return Err(path.at("relation").error(format!(
            "invalid relation name {relation:?}: letters, digits and '_', not a keyword"
        )));
    }
    if let Some(field) = field
        && !field
            .split('.')
            .all(|s| !s.is_empty() && s.chars().all(is_ident_continue))
    {
        return Err(path.at("field").error(format!(
            "invalid field name {field:?} in sum: letters, digits and '_' joined by '.'"
        )));
    }
    match filter {
        Some(filter) => walk(filter, &path.at("filter"), depth + 1),
        None => Ok(()),
    }
}

/// A field name can be anything but empty or holding a backtick (it is written in
/// backticks when not a plain name).
fn check_field(name: &str) -> Result<(), String> {
    if name.is_empty() {
        Err("empty field name".into())
    } else if name.contains('`') {
        Err(format!("field name {name:?} holds a backtick"))
    } else {
        Ok(())
    }
}
