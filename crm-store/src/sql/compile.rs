//! `Condition -> SQL WHERE`, and values to SQL parameters.
//!
//! The resolved [`Condition`] is already in negation normal form, so each leaf compiles to an
//! index-friendly positive test, or, when negated, to `NOT (test) OR col IS NULL`: SQL's
//! three-valued logic then gives exactly the engine's two-valued answer (a test on a missing
//! field is false, its negation true).
//!
//! A sub-select becomes `col IN (SELECT sel FROM t WHERE tenant = ? AND ...)`, uncorrelated,
//! so the database runs it once and probes its `(tenant, col)` indexes. Negated, it also
//! leaves out null selections (`AND sel IS NOT NULL`), which SQL's `NOT IN` would turn into
//! unknown; positive, it does not, so the planner is not tempted to range-scan `sel`.

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

/// `SELECT sel FROM t WHERE tenant = ? AND filter`, without null `sel`s when `negated`.
fn sub_select(sub: &SubSelect, scope: Scope, negated: bool) -> sea_orm::sea_query::SelectStatement {
    let inner = Scope {
        kind: sub.from,
        ..scope
    };
    let selected = sub.select.name(sub.from);
    let mut select = Query::select()
        .column(Alias::new(selected))
        .from(Alias::new(sub.from.table()))
        .and_where(Expr::col(Alias::new("tenant")).eq(scope.tenant.0))
        .and_where(condition(&sub.filter, inner))
        .to_owned();
    if negated {
        select.and_where(Expr::col(Alias::new(selected)).is_not_null());
    }
    select
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
        Test::InSelect(sub) => col().in_subquery(sub_select(sub, scope, negated)),
    };
    if negated {
        positive.not().or(col().is_null())
    } else {
        positive
    }
}

#[cfg(test)]
mod tests {
    use crm_core::access::{Grantee, ManagerClosure, Share, ShareLevel};
    use crm_core::id::{TenantId, UserId};
    use crm_core::model::Account;
    use crm_core::query::{Predicate, Query as CrmQuery};
    use crm_core::record::{Entity, ObjectKind, Record, Row};
    use crm_core::store::Store;
    use crm_core::value::CompanyName;
    use sea_orm::{ConnectionTrait, Statement};
    use uuid::Uuid;

    use super::super::{SqlStore, filtered};

    fn tenant() -> TenantId {
        TenantId(Uuid::from_u128(1))
    }

    fn user(n: u128) -> UserId {
        UserId(Uuid::from_u128(n % 500))
    }

    fn row<T: Entity>(id: u128, owner: Option<UserId>, data: T) -> Row {
        let at = chrono::DateTime::UNIX_EPOCH;
        let id = <T::Id as crm_core::id::RecordId>::from_uuid(Uuid::from_u128(id));
        Record::new(id, tenant(), owner, at, data).to_row().unwrap()
    }

    /// 5,000 accounts of 500 owners, a manager closure and shares, with statistics
    /// gathered: what the planner sees in a store that has been in use.
    async fn populated() -> SqlStore {
        let store = SqlStore::open_sqlite(":memory:").await.unwrap();
        let name = CompanyName::parse("北京华为技术有限公司").unwrap();
        let mut rows: Vec<Row> = (0..5_000)
            .map(|i| row::<Account>(1_000_000 + i, Some(user(i)), Account::new(name.clone())))
            .collect();
        for i in 0..1_000 {
            let link = ManagerClosure {
                ancestor: user(i),
                descendant: user(i * 7),
                depth: 1,
            };
            rows.push(row::<ManagerClosure>(2_000_000 + i, None, link));
            let record = Uuid::from_u128(1_000_000 + i * 3);
            let share = Share::new(
                ObjectKind::Account,
                record,
                Grantee::User(user(i)),
                ShareLevel::Read,
            );
            rows.push(row::<Share>(3_000_000 + i, None, share));
        }
        let mut tx = store.begin().await.unwrap();
        tx.insert_rows(&rows).await.unwrap();
        tx.commit().await.unwrap();
        store.db.execute_unprepared("ANALYZE").await.unwrap();
        store
    }

    /// SQLite's plan for listing `kind` under `predicate`, one line per step.
    async fn query_plan(store: &SqlStore, kind: ObjectKind, predicate: Predicate) -> Vec<String> {
        let backend = store.db.get_database_backend();
        let query = CrmQuery::filter(predicate);
        let (stmt, _) = filtered(kind, tenant(), &query, backend).unwrap();
        let built = backend.build(&stmt);
        let values = built.values.map(|v| v.0).unwrap_or_default();
        let sql = format!("EXPLAIN QUERY PLAN {}", built.sql);
        let explain = Statement::from_sql_and_values(backend, sql, values);
        let steps = store.db.query_all_raw(explain).await.unwrap();
        steps
            .iter()
            .map(|r| r.try_get_by_index::<String>(3).unwrap())
            .collect()
    }

    /// An access plan's shape — mine, my reports', or shared with me — runs as index
    /// searches only: a union of index lookups on the accounts, each sub-select probing its
    /// own index. (Without statistics SQLite scans the tenant's rows instead: stores in use
    /// should run `ANALYZE` or `PRAGMA optimize`.)
    #[tokio::test]
    async fn access_plans_probe_indexes_and_scan_nothing() {
        let store = populated().await;
        let me = user(7);
        let below_me = Predicate::in_select(
            "owner",
            ObjectKind::ManagerClosure,
            "descendant",
            Predicate::eq("ancestor", me),
        );
        let shared_with_me = Predicate::in_select(
            "id",
            ObjectKind::Share,
            "record",
            Predicate::eq("object", "account").and(Predicate::eq("grantee_user", me)),
        );
        let access = Predicate::eq("owner", me).or(below_me).or(shared_with_me);
        let plan = query_plan(&store, ObjectKind::Account, access).await;
        for step in [
            "MULTI-INDEX OR",
            "ix_accounts_owner_live",
            "ix_manager_closure_ancestor",
            "ix_shares_grantee_user",
        ] {
            assert!(plan.iter().any(|l| l.contains(step)), "{step}: {plan:#?}");
        }
        assert!(!plan.iter().any(|l| l.starts_with("SCAN")), "{plan:#?}");
    }
}
