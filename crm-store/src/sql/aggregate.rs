//! Grouped counts and sums as one `SELECT ... GROUP BY`, over the same `WHERE` as lists.

use chrono::NaiveDate;
use crm_core::aggregate::{Aggregate, Group, ResolvedMeasure};
use crm_core::error::{Error, Result};
use crm_core::id::TenantId;
use crm_core::record::{ColumnType, ObjectKind, Value};
use rust_decimal::Decimal;
use rust_decimal::prelude::FromPrimitive;
use sea_orm::sea_query::{Alias, Expr};
use sea_orm::{ConnectionTrait, QueryResult};
use uuid::Uuid;

use super::compile::from_micros;
use super::filtered;

/// Run `aggregate` over the rows of `kind` in `tenant`.
pub(super) async fn aggregate<C: ConnectionTrait>(
    conn: &C,
    kind: ObjectKind,
    tenant: TenantId,
    aggregate: &Aggregate,
) -> Result<Vec<Group>> {
    let resolved = aggregate.resolve(kind)?;
    let (mut stmt, _) = filtered(kind, tenant, &aggregate.query, conn.get_database_backend())?;
    stmt.clear_selects();
    for field in &resolved.group_by {
        let column = Alias::new(field.name(kind));
        stmt.column(column.clone()).group_by_col(column);
    }
    stmt.expr(Expr::cust("COUNT(*)"));
    for measure in &resolved.measures {
        stmt.expr(Expr::cust(match measure {
            ResolvedMeasure::Count => "COUNT(*)".to_owned(),
            // Doubles on both backends: SQLite's integer SUM overflows where a report need not.
            ResolvedMeasure::Sum(field) => format!(
                "COALESCE(SUM(CAST(\"{}\" AS DOUBLE PRECISION)), CAST(0 AS DOUBLE PRECISION))",
                field.name(kind)
            ),
        }));
    }
    let context = || format!("aggregate {kind}");
    let rows = conn
        .query_all(&stmt)
        .await
        .map_err(|e| Error::storage(context(), e))?;
    rows.iter()
        .map(|row| {
            let keys = resolved
                .group_by
                .iter()
                .enumerate()
                .map(|(i, field)| group_value(row, i, field.ty(kind)))
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| Error::storage(context(), e))?;
            let count: i64 = row
                .try_get_by_index(keys.len())
                .map_err(|e| Error::storage(context(), e))?;
            let values = resolved
                .measures
                .iter()
                .enumerate()
                .map(|(m, measure)| {
                    let at = keys.len() + 1 + m;
                    match measure {
                        ResolvedMeasure::Count => row.try_get_by_index::<i64>(at).map(|n| n as f64),
                        ResolvedMeasure::Sum(_) => row.try_get_by_index::<f64>(at),
                    }
                })
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| Error::storage(context(), e))?;
            Ok(Group {
                keys,
                count: count as u64,
                values,
            })
        })
        .collect()
}

/// The value of group column `i`, stored as `ty`.
fn group_value(
    row: &QueryResult,
    i: usize,
    ty: ColumnType,
) -> std::result::Result<Value, sea_orm::DbErr> {
    Ok(match ty {
        ColumnType::Text => row
            .try_get_by_index::<Option<String>>(i)?
            .map_or(Value::Null, Value::Text),
        ColumnType::Date => row
            .try_get_by_index::<Option<String>>(i)?
            .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
            .map_or(Value::Null, Value::Date),
        ColumnType::Integer => row
            .try_get_by_index::<Option<i64>>(i)?
            .map_or(Value::Null, Value::Int),
        ColumnType::Timestamp => row
            .try_get_by_index::<Option<i64>>(i)?
            .and_then(from_micros)
            .map_or(Value::Null, Value::Time),
        ColumnType::Decimal => row
            .try_get_by_index::<Option<f64>>(i)?
            .and_then(Decimal::from_f64)
            .map_or(Value::Null, Value::Decimal),
        ColumnType::Bool => row
            .try_get_by_index::<Option<bool>>(i)?
            .map_or(Value::Null, Value::Bool),
        ColumnType::Uuid => row
            .try_get_by_index::<Option<Uuid>>(i)?
            .map_or(Value::Null, Value::Uuid),
    })
}
