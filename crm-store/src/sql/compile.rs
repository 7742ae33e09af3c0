//! `Condition -> SQL WHERE`, and values to SQL parameters.
//!
//! The resolved [`Condition`] is already in negation normal form, so each leaf compiles to an
//! index-friendly positive test, or, when negated, to `NOT (test) OR col IS NULL`: SQL's
//! three-valued logic then gives exactly the engine's two-valued answer (a test on a missing
//! field is false, its negation true).
//!
//! A sub-select becomes `col IN (SELECT sel FROM t WHERE tenant = ? AND ...)`, uncorrelated,
//! so the database runs it once and probes its `(tenant, col)` indexes. Its filter already
//! excludes null selections, which keeps `NOT IN` two-valued as well.

use chrono::{DateTime, NaiveDate, Utc};
use crm_core::id::TenantId;
use crm_core::query::{CmpOp, Condition, SubSelect, Test};
use crm_core::record::{ColumnType, FieldRef, ObjectKind, Value};
use rust_decimal::prelude::ToPrimitive;
use sea_orm::DbBackend;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, SimpleExpr, Value as SqlValue};

/// Microseconds since the Unix epoch: how instants are stored.
pub(crate) fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

/// The instant `micros` microseconds after the Unix epoch.
pub(crate) fn from_micros(micros: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_micros(micros)
}

/// A typed SQL NULL for a column of `ty`.
fn null_of(ty: ColumnType) -> SqlValue {
    match ty {
        ColumnType::Text | ColumnType::Date => SqlValue::String(None),
        ColumnType::Integer | ColumnType::Timestamp => SqlValue::BigInt(None),
        ColumnType::Decimal => SqlValue::Double(None),
        ColumnType::Bool => SqlValue::Bool(None),
        ColumnType::Uuid => SqlValue::Uuid(None),
    }
}

/// The SQL parameter for `value` stored in a column of `ty`. Decimals are stored as doubles
/// for filtering and sorting only; the exact amount lives in the body.
pub(crate) fn sql_value(value: &Value, ty: ColumnType) -> SqlValue {
    match value {
        Value::Null => null_of(ty),
        Value::Bool(b) => SqlValue::Bool(Some(*b)),
        Value::Int(i) => SqlValue::BigInt(Some(*i)),
        Value::Decimal(d) => SqlValue::Double(d.to_f64()),
        Value::Text(t) => SqlValue::String(Some(t.clone())),
        Value::Time(t) => SqlValue::BigInt(Some(micros(*t))),
        Value::Date(d) => SqlValue::String(Some(date_text(*d))),
        Value::Uuid(u) => SqlValue::Uuid(Some(*u)),
    }
}

fn date_text(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn quoted(name: &str) -> String {
    // Column names are identifiers declared in crm-core, never user input.
    format!("\"{name}\"")
}

fn always(truth: bool) -> SimpleExpr {
    Expr::cust(if truth { "1 = 1" } else { "1 = 0" })
}

/// Where a condition is compiled: the kind of its rows, their tenant (sub-selects read the
/// same tenant) and the SQL dialect.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scope {
    pub(crate) kind: ObjectKind,
    pub(crate) tenant: TenantId,
    pub(crate) backend: DbBackend,
}

/// The SQL for a resolved condition.
pub(crate) fn condition(c: &Condition, scope: Scope) -> SimpleExpr {
    match c {
        Condition::True => always(true),
        Condition::False => always(false),
        Condition::And(parts) => parts
            .iter()
            .map(|p| condition(p, scope))
            .reduce(|a, b| a.and(b))
            .unwrap_or_else(|| always(true)),
        Condition::Or(parts) => parts
            .iter()
            .map(|p| condition(p, scope))
            .reduce(|a, b| a.or(b))
            .unwrap_or_else(|| always(false)),
        Condition::Leaf {
            field,
            test,
            negated,
        } => leaf(*field, test, *negated, scope),
    }
}

/// `SELECT sel FROM t WHERE tenant = ? AND filter`.
fn sub_select(sub: &SubSelect, scope: Scope) -> sea_orm::sea_query::SelectStatement {
    let inner = Scope {
        kind: sub.from,
        ..scope
    };
    Query::select()
        .column(Alias::new(sub.select.name(sub.from)))
        .from(Alias::new(sub.from.table()))
        .and_where(Expr::col(Alias::new("tenant")).eq(scope.tenant.0))
        .and_where(condition(&sub.filter, inner))
        .to_owned()
}

fn leaf(field: FieldRef, test: &Test, negated: bool, scope: Scope) -> SimpleExpr {
    let Scope { kind, backend, .. } = scope;
    let name = field.name(kind);
    let ty = field.ty(kind);
    let col = || Expr::col(Alias::new(name));
    let positive = match test {
        Test::IsNull if negated => return col().is_not_null(),
        Test::IsNull => return col().is_null(),
        Test::Cmp(op, v) => {
            let v = sql_value(v, ty);
            match op {
                CmpOp::Eq => col().eq(v),
                CmpOp::Lt => col().lt(v),
                CmpOp::Le => col().lte(v),
                CmpOp::Gt => col().gt(v),
                CmpOp::Ge => col().gte(v),
            }
        }
        Test::In(values) if values.is_empty() => always(false),
        Test::In(values) => col().is_in(values.iter().map(|v| sql_value(v, ty))),
        Test::Contains(text) => {
            let function = match backend {
                DbBackend::Postgres => "strpos",
                _ => "instr",
            };
            Expr::cust_with_values(
                format!("{function}({}, ?) > 0", quoted(name)),
                [text.clone()],
            )
        }
        Test::StartsWith(text) => Expr::cust_with_values(
            format!("substr({}, 1, {}) = ?", quoted(name), text.chars().count()),
            [text.clone()],
        ),
        Test::InSelect(sub) => col().in_subquery(sub_select(sub, scope)),
    };
    if negated {
        positive.not().or(col().is_null())
    } else {
        positive
    }
}
