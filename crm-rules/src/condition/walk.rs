//! Walks over an [`Expr`]: what it reads on the record, and its normal form.

use super::ast::{Expr, Operand};

/// A name a condition reads on the record itself.
#[derive(Clone, Copy)]
pub(super) enum Read<'a> {
    Field(&'a str),
    Relation(&'a str),
}

/// Visit what `expr` reads on the record, not inside filters.
pub(super) fn reads<'a>(expr: &'a Expr, visit: &mut dyn FnMut(Read<'a>)) {
    let operand = |operand: &'a Operand, visit: &mut dyn FnMut(Read<'a>)| match operand {
        Operand::Field(name) => visit(Read::Field(name)),
        Operand::Value(_) => {}
        Operand::Count { relation, .. } | Operand::Sum { relation, .. } => {
            visit(Read::Relation(relation))
        }
    };
    match expr {
        Expr::Const(_) => {}
        Expr::All(members) | Expr::Any(members) => {
            members.iter().for_each(|member| reads(member, visit))
        }
        Expr::Not(inner) => reads(inner, visit),
        Expr::Compare { left, right, .. } => {
            operand(left, visit);
            operand(right, visit);
        }
        Expr::In { operand: o, .. } | Expr::IsEmpty(o) => operand(o, visit),
        Expr::Contains { operand: o, needle } => {
            operand(o, visit);
            operand(needle, visit);
        }
        Expr::Between {
            operand: o,
            low,
            high,
        } => {
            for side in [o, low, high] {
                operand(side, visit);
            }
        }
        Expr::Exists { relation, .. } => visit(Read::Relation(relation)),
    }
}

/// Replace groups of fewer than two members by what they mean.
pub(super) fn normalise(expr: Expr) -> Expr {
    let filter = |f: Option<Box<Expr>>| f.map(|f| Box::new(normalise(*f)));
    let operand = |o: Operand| match o {
        Operand::Count {
            relation,
            filter: f,
        } => Operand::Count {
            relation,
            filter: filter(f),
        },
        Operand::Sum {
            relation,
            field,
            filter: f,
        } => Operand::Sum {
            relation,
            field,
            filter: filter(f),
        },
        other => other,
    };
    let is_all = matches!(expr, Expr::All(_));
    match expr {
        Expr::All(members) | Expr::Any(members) if members.len() < 2 => members
            .into_iter()
            .next()
            .map_or(Expr::Const(is_all), normalise),
        Expr::All(members) => Expr::All(members.into_iter().map(normalise).collect()),
        Expr::Any(members) => Expr::Any(members.into_iter().map(normalise).collect()),
        Expr::Not(inner) => Expr::Not(Box::new(normalise(*inner))),
        Expr::Compare { left, op, right } => Expr::Compare {
            left: operand(left),
            op,
            right: operand(right),
        },
        Expr::In { operand: o, values } => Expr::In {
            operand: operand(o),
            values,
        },
        Expr::Contains { operand: o, needle } => Expr::Contains {
            operand: operand(o),
            needle: operand(needle),
        },
        Expr::Between {
            operand: o,
            low,
            high,
        } => Expr::Between {
            operand: operand(o),
            low: operand(low),
            high: operand(high),
        },
        Expr::IsEmpty(o) => Expr::IsEmpty(operand(o)),
        Expr::Exists {
            relation,
            filter: f,
        } => Expr::Exists {
            relation,
            filter: filter(f),
        },
        constant @ Expr::Const(_) => constant,
    }
}
