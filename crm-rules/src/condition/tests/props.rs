//! Properties over random expressions: text and JSON round trips, and the compiled form
//! against a naive interpreter of the AST.

use std::cmp::Ordering;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use crm_core::record::Value;
use proptest::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::condition::{CmpOp, Condition, Expr, Operand};
use crate::facts::{FactMap, Facts};

/// Field names, plain and not (keywords and spaces need backticks).
const FIELDS: [&str; 9] = [
    "amount",
    "stage",
    "status",
    "custom.预算",
    "region.province",
    "in",
    "due date",
    "count",
    "x.in",
];
const RELATIONS: [&str; 2] = ["opportunities", "tickets"];
const TEXTS: [&str; 8] = [
    "",
    " ",
    "open",
    "Open",
    "VIP,重点",
    "重点",
    "a\"b\\c\n\t'",
    "\u{7}",
];

fn int() -> impl Strategy<Value = i64> {
    prop_oneof![4 => -3i64..=3, 1 => Just(i64::MAX), 1 => Just(i64::MIN)]
}

fn decimal() -> impl Strategy<Value = Decimal> {
    (-300i64..=300, 0u32..=2).prop_map(|(n, scale)| Decimal::new(n, scale))
}

fn text() -> impl Strategy<Value = String> {
    prop::sample::select(&TEXTS[..]).prop_map(String::from)
}

fn date() -> impl Strategy<Value = NaiveDate> {
    (0i64..4).prop_map(|d| NaiveDate::from_ymd_opt(2026, 1, 5).unwrap() + Duration::days(d))
}

fn value() -> impl Strategy<Value = Value> {
    let base = Utc.with_ymd_and_hms(2026, 1, 5, 1, 0, 0).unwrap();
    prop_oneof![
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        4 => int().prop_map(Value::Int),
        3 => decimal().prop_map(Value::Decimal),
        4 => text().prop_map(Value::Text),
        1 => date().prop_map(Value::Date),
        1 => (0i64..3, 0i64..2).prop_map(move |(h, ns)| Value::Time(base + Duration::hours(h) + Duration::nanoseconds(ns * 500))),
        1 => (0u128..2).prop_map(|n| Value::Uuid(Uuid::from_u128(n))),
    ]
}

/// Values of one kind, as `in` lists and `between` bounds usually are.
fn values_of_a_kind() -> impl Strategy<Value = Vec<Value>> {
    let list = |s: BoxedStrategy<Value>| prop::collection::vec(s, 0..4);
    prop_oneof![
        list(
            prop_oneof![
                int().prop_map(Value::Int),
                decimal().prop_map(Value::Decimal)
            ]
            .boxed()
        ),
        list(text().prop_map(Value::Text).boxed()),
        list(date().prop_map(Value::Date).boxed()),
        list(prop_oneof![Just(Value::Null), value()].boxed()),
    ]
}

fn field() -> impl Strategy<Value = String> {
    prop::sample::select(&FIELDS[..]).prop_map(String::from)
}

fn relation() -> impl Strategy<Value = String> {
    prop::sample::select(&RELATIONS[..]).prop_map(String::from)
}

fn op() -> impl Strategy<Value = CmpOp> {
    prop::sample::select(
        &[
            CmpOp::Eq,
            CmpOp::Ne,
            CmpOp::Lt,
            CmpOp::Le,
            CmpOp::Gt,
            CmpOp::Ge,
        ][..],
    )
}

fn aggregate(filter: BoxedStrategy<Option<Box<Expr>>>) -> impl Strategy<Value = Operand> {
    prop_oneof![
        (relation(), filter.clone())
            .prop_map(|(relation, filter)| Operand::Count { relation, filter }),
        (
            relation(),
            prop::sample::select(&["amount", "status", "custom.预算"][..]),
            filter
        )
            .prop_map(|(relation, field, filter)| Operand::Sum {
                relation,
                field: field.into(),
                filter
            }),
    ]
}

fn operand(filter: BoxedStrategy<Option<Box<Expr>>>) -> impl Strategy<Value = Operand> {
    prop_oneof![
        6 => field().prop_map(Operand::Field),
        5 => value().prop_map(Operand::Value),
        2 => aggregate(filter),
    ]
}

fn predicate(filter: BoxedStrategy<Option<Box<Expr>>>) -> BoxedStrategy<Expr> {
    let o = || operand(filter.clone());
    prop_oneof![
        1 => any::<bool>().prop_map(Expr::Const),
        6 => (o(), op(), o()).prop_map(|(left, op, right)| Expr::Compare { left, op, right }),
        2 => (o(), values_of_a_kind()).prop_map(|(operand, values)| Expr::In { operand, values }),
        1 => (o(), o()).prop_map(|(operand, needle)| Expr::Contains { operand, needle }),
        2 => (o(), values_of_a_kind().prop_filter("two bounds", |v| v.len() >= 2))
            .prop_map(|(operand, mut bounds)| {
                let (a, b) = (bounds.swap_remove(0), bounds.swap_remove(0));
                let (low, high) = match naive_order(&a, &b) {
                    Some(Ordering::Greater) => (b, a),
                    _ => (a, b),
                };
                Expr::Between { operand, low: Operand::Value(low), high: Operand::Value(high) }
            }),
        1 => (o(), o(), o()).prop_map(|(operand, low, high)| Expr::Between { operand, low, high }),
        1 => o().prop_map(Expr::IsEmpty),
        1 => (relation(), filter.clone()).prop_map(|(relation, filter)| Expr::Exists { relation, filter }),
    ]
    .boxed()
}

/// Random expressions; groups have two members or more (shorter ones do not survive text).
fn expr() -> impl Strategy<Value = Expr> {
    let leaf = predicate(Just(None).boxed());
    leaf.prop_recursive(4, 24, 4, |inner| {
        let filter = prop::option::of(inner.clone().prop_map(Box::new)).boxed();
        let some = inner.clone().prop_map(|f| Some(Box::new(f)));
        prop_oneof![
            2 => prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::All),
            2 => prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Any),
            1 => inner.prop_map(|e| Expr::Not(Box::new(e))),
            2 => (relation(), some.clone())
                .prop_map(|(relation, filter)| Expr::Exists { relation, filter }),
            2 => (aggregate(some.boxed()), op(), int())
                .prop_map(|(left, op, n)| Expr::Compare { left, op, right: Operand::Value(Value::Int(n)) }),
            2 => predicate(filter),
        ]
    })
}

fn record() -> impl Strategy<Value = FactMap> {
    prop::collection::vec((field(), value()), 0..6).prop_map(|fields| {
        fields
            .into_iter()
            .fold(FactMap::new(), |facts, (name, value)| {
                facts.with(name, value)
            })
    })
}

fn facts() -> impl Strategy<Value = FactMap> {
    (
        record(),
        prop::collection::vec((relation(), prop::collection::vec(record(), 0..4)), 0..3),
    )
        .prop_map(|(facts, relations)| {
            relations.into_iter().fold(facts, |facts, (name, records)| {
                facts.with_related(name, records)
            })
        })
}

// The naive interpreter: values owned, numbers as decimals, everything else by
// `Value::compare`, related records collected first.

fn number(value: &Value) -> Option<Decimal> {
    match value {
        Value::Int(i) => Some(Decimal::from(*i)),
        Value::Decimal(d) => Some(*d),
        _ => None,
    }
}

fn naive_order(a: &Value, b: &Value) -> Option<Ordering> {
    match (number(a), number(b)) {
        (Some(a), Some(b)) => Some(a.cmp(&b)),
        _ => a.compare(b),
    }
}

fn naive_equal(a: &Value, b: &Value) -> bool {
    if a.is_null() || b.is_null() {
        return a.is_null() && b.is_null();
    }
    naive_order(a, b) == Some(Ordering::Equal)
}

fn naive_operand(operand: &Operand, facts: &dyn Facts) -> Value {
    match operand {
        Operand::Field(name) => facts.get(name).cloned().unwrap_or(Value::Null),
        Operand::Value(value) => value.clone(),
        Operand::Count { relation, filter } => {
            let mut count = 0;
            facts.related(relation, &mut |record| {
                if filter.as_ref().is_none_or(|f| naive(f, record)) {
                    count += 1;
                }
                true
            });
            Value::Int(count)
        }
        Operand::Sum {
            relation,
            field,
            filter,
        } => {
            let mut sum = Some(Decimal::ZERO);
            facts.related(relation, &mut |record| {
                if filter.as_ref().is_none_or(|f| naive(f, record)) {
                    let add = record.get(field).and_then(number).unwrap_or_default();
                    sum = sum.and_then(|s| s.checked_add(add));
                }
                true
            });
            sum.map_or(Value::Null, Value::Decimal)
        }
    }
}

fn naive(expr: &Expr, facts: &dyn Facts) -> bool {
    let get = |operand| naive_operand(operand, facts);
    match expr {
        Expr::Const(b) => *b,
        Expr::All(members) => members.iter().all(|m| naive(m, facts)),
        Expr::Any(members) => members.iter().any(|m| naive(m, facts)),
        Expr::Not(inner) => !naive(inner, facts),
        Expr::Compare { left, op, right } => {
            let (a, b) = (get(left), get(right));
            let order = naive_order(&a, &b);
            match op {
                CmpOp::Eq => naive_equal(&a, &b),
                CmpOp::Ne => !naive_equal(&a, &b),
                CmpOp::Lt => order == Some(Ordering::Less),
                CmpOp::Le => order == Some(Ordering::Less) || order == Some(Ordering::Equal),
                CmpOp::Gt => order == Some(Ordering::Greater),
                CmpOp::Ge => order == Some(Ordering::Greater) || order == Some(Ordering::Equal),
            }
        }
        Expr::In { operand, values } => {
            let x = get(operand);
            values.iter().any(|v| naive_equal(&x, v))
        }
        Expr::Contains { operand, needle } => match (get(operand), get(needle)) {
            (Value::Text(hay), Value::Text(needle)) => hay.contains(&needle),
            _ => false,
        },
        Expr::Between { operand, low, high } => {
            let x = get(operand);
            let above = naive_order(&x, &get(low)).is_some_and(|o| o != Ordering::Less);
            let below = naive_order(&x, &get(high)).is_some_and(|o| o != Ordering::Greater);
            above && below
        }
        Expr::IsEmpty(operand) => match get(operand) {
            Value::Null => true,
            Value::Text(t) => t.trim().is_empty(),
            _ => false,
        },
        Expr::Exists { relation, filter } => {
            let mut found = false;
            facts.related(relation, &mut |record| {
                found |= filter.as_ref().is_none_or(|f| naive(f, record));
                true
            });
            found
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn text_round_trip(expr in expr()) {
        let text = expr.to_string();
        let parsed = Condition::parse(&text);
        match Condition::from_expr(expr.clone()) {
            Ok(condition) => {
                prop_assert_eq!(condition.expr(), &expr);
                let parsed = parsed.map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
                prop_assert_eq!(parsed.expr(), &expr, "{}", text);
                prop_assert_eq!(parsed.to_string(), text);
            }
            // The text refuses what the JSON form refuses.
            Err(error) => prop_assert!(parsed.is_err(), "{} accepted, but from_expr: {}", text, error),
        }
    }

    #[test]
    fn json_round_trip(expr in expr()) {
        let json = serde_json::to_string(&expr).unwrap();
        let back: Expr = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(&back, &expr);
        if let Ok(condition) = Condition::from_expr(expr) {
            let json = serde_json::to_string(&condition).unwrap();
            let back: Condition = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, condition);
        }
    }

    #[test]
    fn compiled_matches_naive(expr in expr(), records in prop::collection::vec(facts(), 8)) {
        if let Ok(condition) = Condition::from_expr(expr.clone()) {
            for facts in &records {
                prop_assert_eq!(condition.matches(facts), naive(&expr, facts), "{} on {:?}", expr, facts);
            }
        }
    }
}

#[test]
fn most_generated_expressions_are_valid() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = expr();
    let valid = (0..1000)
        .filter(|_| {
            let expr = strategy.new_tree(&mut runner).unwrap().current();
            Condition::from_expr(expr).is_ok()
        })
        .count();
    assert!(valid > 300, "only {valid} of 1000 valid");
}
