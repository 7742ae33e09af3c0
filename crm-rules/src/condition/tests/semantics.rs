//! What conditions mean: nulls, numbers, text, aggregates; and the JSON form.

use chrono::NaiveDate;
use crm_core::record::Value;
use rust_decimal::Decimal;
use serde_json::json;

use super::parse::{cmp, field, val};
use crate::condition::{CmpOp, Condition, ConditionError, Expr, Operand};
use crate::facts::{FactMap, Facts};

#[track_caller]
fn check(facts: &dyn Facts, cases: &[(&str, bool)]) {
    for (text, expected) in cases {
        let condition = Condition::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(condition.matches(facts), *expected, "{text}");
    }
}

fn dec(text: &str) -> Decimal {
    text.parse().unwrap()
}

/// Facts that hold an explicit null, which [`FactMap`] never does.
struct ExplicitNull;

impl Facts for ExplicitNull {
    fn get(&self, _: &str) -> Option<&Value> {
        Some(&Value::Null)
    }
}

#[test]
fn null_rules() {
    let cases = [
        ("x == null", true),
        ("null == x", true),
        ("x != null", false),
        ("x == 5", false),
        ("x != 5", true),
        ("x != 'a'", true),
        ("x > 5", false),
        ("x <= 5", false),
        ("x < date('2026-01-01')", false),
        ("x between 1 and 10", false),
        ("x in [1, 2]", false),
        ("x not in [1, 2]", true),
        ("x in [1, null]", true),
        ("x contains ''", false),
        ("x is empty", true),
        ("x is not empty", false),
        ("x == y", true),
        ("x != y", false),
        ("x < y", false),
        ("not x > 5", true),
    ];
    check(&FactMap::new(), &cases);
    check(&ExplicitNull, &cases);
    check(
        &FactMap::new().with("x", 5i64),
        &[
            ("x == null", false),
            ("x != null", true),
            ("x is empty", false),
            ("x == y", false),
        ],
    );
}

#[test]
fn numbers_mix_exactly() {
    let int = FactMap::new().with("n", 5i64).with("big", i64::MAX);
    let decimal = FactMap::new()
        .with("n", dec("5.00"))
        .with("big", Decimal::from(i64::MAX));
    for facts in [&int, &decimal] {
        check(
            facts,
            &[
                ("n == 5", true),
                ("n == 5.0", true),
                ("n != 5.000", false),
                ("n > 4.99", true),
                ("n < 5.01", true),
                ("n >= 5", true),
                ("n in [1, 5.0]", true),
                ("n in [1.5, 4]", false),
                ("n between 5 and 5", true),
                ("n between 4.5 and 5", true),
                ("n between 5.0000001 and 9", false),
                ("big == 9223372036854775807", true),
                ("big > 9223372036854775806.9", true),
                ("big == 9223372036854775806", false),
            ],
        );
    }
    check(&int, &[("n == big", false), ("n < big", true)]);
}

#[test]
fn between_is_inclusive() {
    for (amount, expected) in [(0i64, false), (1, true), (5, true), (10, true), (11, false)] {
        let facts = FactMap::new().with("amount", amount);
        check(&facts, &[("amount between 1 and 10", expected)]);
    }
    let day = |d| NaiveDate::from_ymd_opt(2026, 1, d).unwrap();
    for (d, expected) in [(4, false), (5, true), (9, true), (10, false)] {
        let facts = FactMap::new().with("due", day(d));
        check(
            &facts,
            &[(
                "due between date('2026-01-05') and date('2026-01-09')",
                expected,
            )],
        );
    }
}

#[test]
fn types_do_not_mix_at_run_time() {
    let facts = FactMap::new()
        .with("stage", "won")
        .with("amount", 5i64)
        .with("due", NaiveDate::from_ymd_opt(2026, 1, 5).unwrap())
        .with("vip", true);
    check(
        &facts,
        &[
            ("stage == 5", false),
            ("stage != 5", true),
            ("stage > 5", false),
            ("amount == '5'", false),
            ("amount contains '5'", false),
            ("due < time('2026-01-06T00:00:00Z')", false),
            ("due < date('2026-01-06')", true),
            ("amount > stage", false),
            ("vip == true", true),
            ("vip > false", true),
        ],
    );
}

#[test]
fn text_is_exact_and_unicode() {
    let facts = FactMap::new()
        .with("stage", "Won")
        .with("custom.预算", 2_000_000i64)
        .with("region.province", "广东")
        .with("name", "华为技术有限公司")
        .with("tags", "VIP2,重点")
        .with("blank", " \t\u{3000}")
        .with("a", "apple")
        .with("b", "banana");
    check(
        &facts,
        &[
            ("stage == 'Won'", true),
            ("stage == 'won'", false),
            ("stage in ['won', 'lost']", false),
            ("custom.预算 >= 1000000", true),
            ("region.province == \"广东\"", true),
            ("region.province in ['广东', '广西']", true),
            ("name contains '华为'", true),
            ("name contains '腾讯'", false),
            ("name contains ''", true),
            // A substring test: "VIP" is in "VIP2".
            ("tags contains 'VIP'", true),
            ("tags contains '重点'", true),
            ("blank is empty", true),
            ("name is not empty", true),
            ("a < b", true),
            ("a < 'Apple'", false),
            ("name > '华'", true),
        ],
    );
}

fn account() -> FactMap {
    let deal =
        |status: &str, amount: Value| FactMap::new().with("status", status).with("amount", amount);
    FactMap::new().with("name", "华为").with_related(
        "opportunities",
        vec![
            deal("open", Value::Int(600_000)),
            deal("open", Value::Decimal(dec("500000.50"))),
            deal("won", Value::Int(2_000_000)),
            deal("open", Value::Text("n/a".into())),
            FactMap::new().with("status", "lost"),
        ],
    )
}

#[test]
fn aggregates_over_related_records() {
    check(
        &account(),
        &[
            ("exists(opportunities)", true),
            ("exists(opportunities, status == 'open')", true),
            ("exists(opportunities, status == 'stalled')", false),
            ("exists(tickets)", false),
            ("not exists(tickets)", true),
            ("count(opportunities) == 5", true),
            ("count(opportunities, status == 'open') >= 3", true),
            ("count(opportunities, status == 'open') > 3", false),
            ("count(tickets) == 0", true),
            (
                "sum(opportunities.amount, status == 'open') == 1100000.50",
                true,
            ),
            (
                "sum(opportunities.amount, status == 'open') > 1000000",
                true,
            ),
            ("sum(opportunities.amount) == 3100000.5", true),
            ("sum(tickets.hours) == 0", true),
            (
                "count(opportunities, amount > 1000000) between 1 and 1",
                true,
            ),
            // Filters read the related record, not the account.
            ("exists(opportunities, name == '华为')", false),
        ],
    );
    let huge = FactMap::new().with_related(
        "opportunities",
        vec![FactMap::new().with("amount", Decimal::MAX); 2],
    );
    // Overflow is null: no comparison holds.
    check(
        &huge,
        &[
            ("sum(opportunities.amount) > 0", false),
            ("sum(opportunities.amount) <= 0", false),
            ("sum(opportunities.amount) == null", true),
        ],
    );
}

#[test]
fn fields_compared_with_fields() {
    let facts = FactMap::new()
        .with("amount", 1_500_000i64)
        .with("custom.budget", dec("1200000.00"));
    check(
        &facts,
        &[
            ("amount > custom.budget", true),
            ("custom.budget < amount", true),
            ("amount between custom.budget and 2000000", true),
            ("amount > custom.missing", false),
        ],
    );
}

#[test]
fn reads() {
    let condition = Condition::parse(
        "stage == 'won' and (amount > custom.budget or amount between low and high) \
         and exists(opportunities, status == 'open') and count(tickets, level > 2) < 3 \
         and sum(opportunities.amount) > 0 and stage is not empty and tags contains x",
    )
    .unwrap();
    assert_eq!(
        condition.fields(),
        [
            "amount",
            "custom.budget",
            "high",
            "low",
            "stage",
            "tags",
            "x"
        ]
    );
    assert_eq!(condition.relations(), ["opportunities", "tickets"]);
    assert!(Condition::always().fields().is_empty());
    assert!(Condition::always().relations().is_empty());
}

#[test]
fn always_and_constants() {
    let facts = FactMap::new();
    assert!(Condition::always().matches(&facts));
    assert_eq!(Condition::always().to_string(), "true");
    assert_eq!(Condition::always(), Condition::parse("true").unwrap());
    check(
        &facts,
        &[
            ("false", false),
            ("not false", true),
            ("false or true", true),
        ],
    );
}

#[test]
fn from_expr_normalises_short_groups() {
    let one = cmp(field("a"), CmpOp::Eq, val(1i64));
    let normal = |expr: Expr| Condition::from_expr(expr).unwrap().expr().clone();
    assert_eq!(normal(Expr::All(vec![])), Expr::Const(true));
    assert_eq!(normal(Expr::Any(vec![])), Expr::Const(false));
    assert_eq!(normal(Expr::All(vec![one.clone()])), one);
    assert_eq!(
        normal(Expr::Not(Box::new(Expr::Any(vec![Expr::All(vec![
            one.clone()
        ])])))),
        Expr::Not(Box::new(one.clone()))
    );
    assert_eq!(
        normal(Expr::Exists {
            relation: "o".into(),
            filter: Some(Box::new(Expr::All(vec![one.clone()])))
        }),
        Expr::Exists {
            relation: "o".into(),
            filter: Some(Box::new(one))
        }
    );
}

#[test]
fn json_form() {
    let condition = Condition::parse(r#"amount > 1000000 and stage in ["a"]"#).unwrap();
    let ast = serde_json::to_value(condition.expr()).unwrap();
    assert_eq!(
        ast,
        json!({"all": [
            {"compare": {
                "left": {"field": "amount"},
                "op": "gt",
                "right": {"value": {"type": "int", "value": 1000000}}
            }},
            {"in": {"operand": {"field": "stage"}, "values": [{"type": "text", "value": "a"}]}}
        ]})
    );
    // A Condition is its text in JSON, and reads back from the text or the AST.
    let text = serde_json::to_value(&condition).unwrap();
    assert_eq!(text, json!(r#"amount > 1000000 and stage in ["a"]"#));
    assert_eq!(
        serde_json::from_value::<Condition>(text).unwrap(),
        condition
    );
    assert_eq!(serde_json::from_value::<Condition>(ast).unwrap(), condition);
    let exists = json!({"exists": {"relation": "opportunities"}});
    assert_eq!(
        serde_json::from_value::<Condition>(exists).unwrap(),
        Condition::parse("exists(opportunities)").unwrap()
    );
}

#[track_caller]
fn json_fails(ast: serde_json::Value, message: &str, path: &str) {
    let expr: Expr = serde_json::from_value(ast.clone()).unwrap();
    let error = Condition::from_expr(expr).unwrap_err();
    assert_eq!((error.message(), error.path()), (message, Some(path)));
    assert_eq!(error.column(), None);
    let via_serde = serde_json::from_value::<Condition>(ast)
        .unwrap_err()
        .to_string();
    assert_eq!(via_serde, format!("{message} at {path}"));
}

#[test]
fn json_errors_point_at_the_path() {
    let int = |i: i64| json!({"value": {"type": "int", "value": i}});
    let text = |t: &str| json!({"value": {"type": "text", "value": t}});
    json_fails(
        json!({"all": [
            {"const": true},
            {"between": {"operand": {"field": "amount"}, "low": text("a"), "high": int(3)}}
        ]}),
        "the bounds of 'between' have different types: text and a number",
        "/all/1/between/high",
    );
    json_fails(
        json!({"not": {"compare": {"left": {"field": "amount"}, "op": "gt", "right": {"value": {"type": "null"}}}}}),
        "'>' with null is never true: use 'is empty' or 'is not empty'",
        "/not/compare/right",
    );
    json_fails(
        json!({"in": {"operand": {"field": "s"}, "values": [{"type": "text", "value": "a"}, {"type": "int", "value": 1}]}}),
        "'in' mixes text and a number",
        "/in/values/1",
    );
    json_fails(
        json!({"any": [{"exists": {"relation": "o", "filter": {"compare": {"left": int(1), "op": "eq", "right": int(1)}}}}]}),
        "compares two constants: write true or false",
        "/any/0/exists/filter/compare",
    );
    json_fails(
        json!({"compare": {"left": {"field": ""}, "op": "eq", "right": int(1)}}),
        "empty field name",
        "/compare/left/field",
    );
    json_fails(
        json!({"compare": {"left": {"sum": {"relation": "o", "field": "a b"}}, "op": "eq", "right": int(1)}}),
        "invalid field name \"a b\" in sum: letters, digits and '_' joined by '.'",
        "/compare/left/sum/field",
    );
    json_fails(
        json!({"exists": {"relation": "and"}}),
        "invalid relation name \"and\": letters, digits and '_', not a keyword",
        "/exists/relation",
    );
    json_fails(
        json!({"is_empty": {"count": {"relation": "o"}}}),
        "a count or sum is never empty: compare it with 0",
        "/is_empty",
    );
    // Text errors through serde keep their column.
    let error = serde_json::from_value::<Condition>(json!("amount >")).unwrap_err();
    assert_eq!(
        error.to_string(),
        "expected a value after '>', found the end at column 9"
    );
}

#[test]
fn core_error() {
    let error: ConditionError = Condition::parse("amount > ").unwrap_err();
    let core: crm_core::Error = error.into();
    assert_eq!(core.kind(), crm_core::ErrorKind::Validation);
    let crm_core::Error::Validation {
        field,
        value,
        reason,
    } = &core
    else {
        panic!("{core:?}")
    };
    assert_eq!(field, "condition");
    assert_eq!(value, "amount > ");
    assert_eq!(
        reason,
        "expected a value after '>', found the end at column 10"
    );
    let error = Condition::from_expr(Expr::Not(Box::new(Expr::IsEmpty(Operand::Field(
        String::new(),
    )))))
    .unwrap_err();
    let core: crm_core::Error = error.into();
    assert!(core.to_string().contains("/not/is_empty/field"), "{core}");
}
