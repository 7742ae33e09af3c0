//! The parser: every construct, precedence, canonical text, every error with its column.

use chrono::{NaiveDate, TimeZone, Utc};
use crm_core::record::Value;
use rust_decimal::Decimal;

use crate::condition::{CmpOp, Condition, Expr, Operand};

pub(super) fn parse(text: &str) -> Expr {
    match Condition::parse(text) {
        Ok(condition) => condition.expr().clone(),
        Err(error) => panic!("{text}: {error}"),
    }
}

pub(super) fn field(name: &str) -> Operand {
    Operand::Field(name.into())
}

pub(super) fn val(value: impl Into<Value>) -> Operand {
    Operand::Value(value.into())
}

pub(super) fn cmp(left: Operand, op: CmpOp, right: Operand) -> Expr {
    Expr::Compare { left, op, right }
}

fn eq(name: &str, value: impl Into<Value>) -> Expr {
    cmp(field(name), CmpOp::Eq, val(value))
}

fn not(expr: Expr) -> Expr {
    Expr::Not(Box::new(expr))
}

fn dec(text: &str) -> Value {
    Value::Decimal(text.parse::<Decimal>().unwrap())
}

#[test]
fn comparisons() {
    for (written, op) in [
        ("==", CmpOp::Eq),
        ("=", CmpOp::Eq),
        ("!=", CmpOp::Ne),
        ("<", CmpOp::Lt),
        ("<=", CmpOp::Le),
        (">", CmpOp::Gt),
        (">=", CmpOp::Ge),
    ] {
        assert_eq!(
            parse(&format!("amount {written} 1000000")),
            cmp(field("amount"), op, val(1_000_000i64)),
            "{written}"
        );
        assert_eq!(
            parse(&format!("amount{written}1000000")),
            cmp(field("amount"), op, val(1_000_000i64))
        );
    }
    assert_eq!(
        parse("amount > custom.budget"),
        cmp(field("amount"), CmpOp::Gt, field("custom.budget"))
    );
    assert_eq!(
        parse("1000 < amount"),
        cmp(val(1000i64), CmpOp::Lt, field("amount"))
    );
}

#[test]
fn logic_and_precedence() {
    let (a, b, c) = (eq("a", 1i64), eq("b", 2i64), eq("c", 3i64));
    assert_eq!(
        parse("a == 1 and b == 2"),
        Expr::All(vec![a.clone(), b.clone()])
    );
    assert_eq!(parse("a == 1 && b == 2"), parse("a == 1 and b == 2"));
    assert_eq!(
        parse("a == 1 or b == 2 or c == 3"),
        Expr::Any(vec![a.clone(), b.clone(), c.clone()])
    );
    assert_eq!(
        parse("a == 1 || b == 2"),
        Expr::Any(vec![a.clone(), b.clone()])
    );
    // and binds tighter than or.
    assert_eq!(
        parse("a == 1 or b == 2 and c == 3"),
        Expr::Any(vec![a.clone(), Expr::All(vec![b.clone(), c.clone()])])
    );
    assert_eq!(
        parse("a == 1 and b == 2 or c == 3"),
        Expr::Any(vec![Expr::All(vec![a.clone(), b.clone()]), c.clone()])
    );
    // not binds tighter than and.
    assert_eq!(
        parse("not a == 1 and b == 2"),
        Expr::All(vec![not(a.clone()), b.clone()])
    );
    assert_eq!(parse("!a == 1"), not(a.clone()));
    assert_eq!(parse("not not a == 1"), not(not(a.clone())));
    // Parentheses group, and a group in a group stays one member.
    assert_eq!(
        parse("(a == 1 or b == 2) and c == 3"),
        Expr::All(vec![Expr::Any(vec![a.clone(), b.clone()]), c.clone()])
    );
    assert_eq!(
        parse("(a == 1 and b == 2) and c == 3"),
        Expr::All(vec![Expr::All(vec![a.clone(), b.clone()]), c.clone()])
    );
    assert_eq!(parse("((a == 1))"), a);
    assert_eq!(parse("not (a == 1 or b == 2)"), not(Expr::Any(vec![a, b])));
    assert_eq!(parse("true"), Expr::Const(true));
    assert_eq!(
        parse("false or true"),
        Expr::Any(vec![Expr::Const(false), Expr::Const(true)])
    );
    assert_eq!(parse("not true"), not(Expr::Const(true)));
}

#[test]
fn predicates() {
    assert_eq!(
        parse(r#"stage in ["won", 'lost']"#),
        Expr::In {
            operand: field("stage"),
            values: vec!["won".into(), "lost".into()]
        }
    );
    assert_eq!(
        parse("stage not in []"),
        not(Expr::In {
            operand: field("stage"),
            values: vec![]
        })
    );
    assert_eq!(parse("not stage in []"), parse("stage not in []"));
    assert_eq!(
        parse(r#"tags contains "VIP""#),
        Expr::Contains {
            operand: field("tags"),
            needle: val("VIP")
        }
    );
    assert_eq!(
        parse("name contains custom.short_name"),
        Expr::Contains {
            operand: field("name"),
            needle: field("custom.short_name")
        }
    );
    // between's `and` is its own; the next `and` joins clauses.
    assert_eq!(
        parse("amount between 1 and 10 and stage == 'won'"),
        Expr::All(vec![
            Expr::Between {
                operand: field("amount"),
                low: val(1i64),
                high: val(10i64)
            },
            eq("stage", "won")
        ])
    );
    assert_eq!(parse("phone is empty"), Expr::IsEmpty(field("phone")));
    assert_eq!(
        parse("phone is not empty"),
        not(Expr::IsEmpty(field("phone")))
    );
}

#[test]
fn literals() {
    let right = |text: &str| match parse(&format!("x == {text}")) {
        Expr::Compare {
            right: Operand::Value(v),
            ..
        } => v,
        other => panic!("{other:?}"),
    };
    assert_eq!(right("42"), Value::Int(42));
    assert_eq!(right("-42"), Value::Int(-42));
    assert_eq!(right("1_000_000"), Value::Int(1_000_000));
    assert_eq!(right("-9223372036854775808"), Value::Int(i64::MIN));
    assert_eq!(right("12.50"), dec("12.50"));
    assert_eq!(right("-0.5"), dec("-0.5"));
    assert_eq!(right("1_000.000_1"), dec("1000.0001"));
    assert_eq!(
        right(r#""a\"b\\c\n\t\r\0""#),
        Value::Text("a\"b\\c\n\t\r\0".into())
    );
    assert_eq!(
        right(r#"'it\'s "fine"'"#),
        Value::Text("it's \"fine\"".into())
    );
    assert_eq!(right(r#""\u{4e2d}文""#), Value::Text("中文".into()));
    assert_eq!(right("\"\""), Value::Text(String::new()));
    assert_eq!(right("true"), Value::Bool(true));
    assert_eq!(right("false"), Value::Bool(false));
    assert_eq!(right("null"), Value::Null);
    assert_eq!(
        right(r#"date("2026-01-05")"#),
        Value::Date(NaiveDate::from_ymd_opt(2026, 1, 5).unwrap())
    );
    assert_eq!(
        right(r#"time("2026-01-05T09:00:00+08:00")"#),
        Value::Time(Utc.with_ymd_and_hms(2026, 1, 5, 1, 0, 0).unwrap())
    );
    assert_eq!(
        right(r#"uuid("67e55044-10b1-426f-9247-bb680e5fe0c8")"#),
        Value::Uuid("67e55044-10b1-426f-9247-bb680e5fe0c8".parse().unwrap())
    );
}

#[test]
fn field_names() {
    let left = |text: &str| match parse(text) {
        Expr::Compare {
            left: Operand::Field(name),
            ..
        } => name,
        other => panic!("{other:?}"),
    };
    assert_eq!(left("custom.预算 > 5"), "custom.预算");
    assert_eq!(left("region.province == '广东'"), "region.province");
    assert_eq!(left("预算 > 5"), "预算");
    assert_eq!(left("_x1 > 5"), "_x1");
    assert_eq!(left("`in` == 5"), "in");
    assert_eq!(left("`due date` == 5"), "due date");
    assert_eq!(left("in.x == 5"), "in.x");
    // Function names are fields unless called.
    assert_eq!(left("count > 5"), "count");
    assert_eq!(left("date == 5"), "date");
}

#[test]
fn aggregates() {
    let open = || Some(Box::new(eq("status", "open")));
    assert_eq!(
        parse(r#"exists(opportunities, status == "open")"#),
        Expr::Exists {
            relation: "opportunities".into(),
            filter: open()
        }
    );
    assert_eq!(
        parse("exists(tickets)"),
        Expr::Exists {
            relation: "tickets".into(),
            filter: None
        }
    );
    assert_eq!(
        parse(r#"count(opportunities, status == "open") >= 2"#),
        cmp(
            Operand::Count {
                relation: "opportunities".into(),
                filter: open()
            },
            CmpOp::Ge,
            val(2i64)
        )
    );
    assert_eq!(
        parse(r#"sum(opportunities.amount, status == "open") > 1000000"#),
        cmp(
            Operand::Sum {
                relation: "opportunities".into(),
                field: "amount".into(),
                filter: open()
            },
            CmpOp::Gt,
            val(1_000_000i64)
        )
    );
    assert_eq!(
        parse("sum(opportunities.custom.预算) > 0"),
        cmp(
            Operand::Sum {
                relation: "opportunities".into(),
                field: "custom.预算".into(),
                filter: None
            },
            CmpOp::Gt,
            val(0i64)
        )
    );
    // Filters are whole conditions, and nest.
    assert_eq!(
        parse("exists(contacts, exists(activities, kind in ['call', 'visit']) or vip == true)"),
        Expr::Exists {
            relation: "contacts".into(),
            filter: Some(Box::new(Expr::Any(vec![
                Expr::Exists {
                    relation: "activities".into(),
                    filter: Some(Box::new(Expr::In {
                        operand: field("kind"),
                        values: vec!["call".into(), "visit".into()]
                    }))
                },
                eq("vip", true)
            ])))
        }
    );
}

#[test]
fn canonical_text() {
    for (text, canonical) in [
        ("amount>1000000", "amount > 1000000"),
        (
            "a = 1 && b != 2 || !c < 3",
            "(a == 1 and b != 2) or not c < 3",
        ),
        (
            "(a == 1 and b == 2) and c == 3",
            "(a == 1 and b == 2) and c == 3",
        ),
        ("x == 5.0", "x == 5.0"),
        ("x == 1_000.50", "x == 1000.50"),
        ("x == 'it\\'s'", r#"x == "it's""#),
        ("x == \"tab\\there\"", r#"x == "tab\there""#),
        ("x not in [1, 2]", "x not in [1, 2]"),
        ("not x is empty", "x is not empty"),
        (
            r#"time("2026-01-05T09:00:00+08:00") < x"#,
            r#"time("2026-01-05T01:00:00Z") < x"#,
        ),
        (r#"x >= date("2026-01-05")"#, r#"x >= date("2026-01-05")"#),
        ("`in` == 1 and `a b` == 2", "`in` == 1 and `a b` == 2"),
        ("count(opps) between 1 and 3", "count(opps) between 1 and 3"),
        (
            "sum(opps.amount, stage == 'won') > 0",
            r#"sum(opps.amount, stage == "won") > 0"#,
        ),
        ("exists(opps)", "exists(opps)"),
        ("true", "true"),
    ] {
        let expr = parse(text);
        assert_eq!(expr.to_string(), canonical, "{text}");
        assert_eq!(parse(canonical), expr, "{canonical}");
    }
}

/// `text` fails with `message` at `column`.
#[track_caller]
fn fails(text: &str, message: &str, column: usize) {
    let error = Condition::parse(text).expect_err(text);
    assert_eq!(
        (error.message(), error.column()),
        (message, Some(column)),
        "{text}"
    );
    assert_eq!(error.to_string(), format!("{message} at column {column}"));
}

#[test]
fn syntax_errors() {
    fails("", "expected a condition", 1);
    fails("   ", "expected a condition", 4);
    fails("amount >", "expected a value after '>', found the end", 9);
    fails(
        "amount > and x",
        "expected a value after '>', found 'and'",
        10,
    );
    fails("amount = )", "expected a value after '=', found ')'", 10);
    fails(
        "amount 5",
        "expected an operator after 'amount' (==, !=, <, <=, >, >=, in, not in, contains, \
         between, is empty), found '5'",
        8,
    );
    fails(
        "amount > 5 AND b == 1",
        "unexpected 'AND': expected 'and', 'or' or the end of the condition (keywords are lowercase)",
        12,
    );
    fails(
        "amount > 5 stage == 1",
        "unexpected 'stage': expected 'and', 'or' or the end of the condition",
        12,
    );
    fails("amount > 5 and", "expected a condition, found the end", 15);
    fails(
        "(a == 1 or b == 2",
        "expected ')' to close '(' at column 1, found the end",
        18,
    );
    fails(
        "a == 1)",
        "unexpected ')': expected 'and', 'or' or the end of the condition",
        7,
    );
    fails(
        "stage == \"won",
        "unterminated string (missing closing quote)",
        10,
    );
    fails(
        "stage == 'won\\'",
        "unterminated string (missing closing quote)",
        10,
    );
    fails(r#"stage == "w\qn""#, "unknown escape '\\q'", 12);
    fails(
        r#"s == "\u{110000}""#,
        "invalid character code '\\u{110000}'",
        7,
    );
    fails(r#"s == "\u12""#, "expected '\\u{XXXX}'", 7);
    fails("`due date == 1", "unterminated field name (missing '`')", 1);
    fails("`` == 1", "empty field name", 1);
    fails("amount # 5", "unexpected character '#'", 8);
    fails(
        "预算 > 5 并且 x",
        "unexpected '并且': expected 'and', 'or' or the end of the condition",
        8,
    );
    fails(
        "x == 99999999999999999999",
        "integer 99999999999999999999 is out of range (write it as a decimal: 99999999999999999999.0)",
        6,
    );
    fails(
        "x == 1.00000000000000000000000000001",
        "decimal 1.00000000000000000000000000001 is out of range or too precise (28 digits at most)",
        6,
    );
    fails(
        "stage in 'won'",
        "expected '[' after 'in', found \"won\"",
        10,
    );
    fails(
        "stage in ['a' 'b']",
        "expected ',' or ']' in the list of 'in', found \"b\"",
        15,
    );
    fails(
        "stage in ['a',",
        "expected a value after ',', found the end",
        15,
    );
    fails(
        "stage in [other]",
        "'in' takes constants, not fields or aggregates",
        11,
    );
    fails(
        "amount between 1 10",
        "expected 'and' between the bounds of 'between', found '10'",
        18,
    );
    fails(
        "amount between 1 and",
        "expected a value after 'and', found the end",
        21,
    );
    fails(
        "phone is full",
        "expected 'empty' after 'is', found 'full'",
        10,
    );
    fails(
        "phone is not",
        "expected 'empty' after 'is not', found the end",
        13,
    );
    fails(
        "avg(opps.amount) > 1",
        "unknown function 'avg' (expected exists, count, sum, date, time or uuid)",
        1,
    );
    fails(
        "exists(opps) == true",
        "unexpected '==': expected 'and', 'or' or the end of the condition",
        14,
    );
    fails(
        "count(opps) > exists(opps)",
        "'exists(...)' is a condition, not a value: use count(...) to compare",
        15,
    );
    fails(
        "exists(1)",
        "expected a relation in 'exists(', found '1'",
        8,
    );
    fails(
        "exists(opps.amount)",
        "expected a relation name in 'exists(', like opportunities, found 'opps.amount'",
        8,
    );
    fails(
        "exists(opps, x == 1",
        "expected ')' to close 'exists(', found the end",
        20,
    );
    fails(
        "sum(opps) > 1",
        "expected relation.field in 'sum(', like sum(opportunities.amount), found 'opps'",
        5,
    );
    fails(
        "count(opps x) > 1",
        "expected ')' to close 'count(', found 'x'",
        12,
    );
    fails(
        "x > date(2026)",
        "expected a quoted date in 'date(', found '2026'",
        10,
    );
    fails(
        "x > date('2026-13-01')",
        "invalid date \"2026-13-01\": expected YYYY-MM-DD like \"2026-01-05\"",
        10,
    );
    fails(
        "x > time('2026-01-05 09:00')",
        "invalid time \"2026-01-05 09:00\": expected RFC 3339 like \"2026-01-05T09:00:00+08:00\"",
        10,
    );
    fails("x == uuid('nope')", "invalid uuid \"nope\"", 11);
    fails(
        "x > date('2026-01-05'",
        "expected ')' to close 'date(', found the end",
        22,
    );
    let deep = format!("{}a == 1{}", "(".repeat(80), ")".repeat(80));
    fails(&deep, "nested more than 64 deep", 66);
}

#[test]
fn line_and_offset() {
    let error = Condition::parse("a == 1\n  and 预算 >").unwrap_err();
    assert_eq!(error.offset(), Some("a == 1\n  and 预算 >".len()));
    assert_eq!(error.column(), Some(11));
    assert_eq!(
        error.to_string(),
        "expected a value after '>', found the end at line 2, column 11"
    );
    assert_eq!(error.path(), None);
    assert_eq!(error.text(), Some("a == 1\n  and 预算 >"));
}

#[test]
fn nonsense_refused_at_load() {
    fails(
        "amount between \"a\" and 3",
        "the bounds of 'between' have different types: text and a number",
        24,
    );
    fails(
        "amount between 10 and 1",
        "the lower bound 10 is above the upper bound 1: never true",
        23,
    );
    fails(
        "amount between null and 1",
        "a bound of 'between' cannot be null",
        16,
    );
    fails(
        "count(t) between 'a' and 'b'",
        "cannot compare a number with text",
        18,
    );
    fails(
        "1 between 0 and 2",
        "compares constants: write true or false",
        1,
    );
    fails(
        "amount > null",
        "'>' with null is never true: use 'is empty' or 'is not empty'",
        10,
    );
    fails("1 == 1", "compares two constants: write true or false", 1);
    fails(
        "count(tickets) > 'x'",
        "cannot compare a number with text",
        18,
    );
    fails(
        "sum(o.a) == date('2026-01-05')",
        "cannot compare a number with a date",
        13,
    );
    fails("stage in ['a', 1]", "'in' mixes text and a number", 16);
    fails("count(t) in ['a']", "'in' mixes a number and text", 14);
    fails("'x' in ['a']", "'in' needs a field, not a constant", 1);
    fails(
        "tags contains 5",
        "'contains' works on text, not a number",
        15,
    );
    fails(
        "count(t) contains 'a'",
        "'contains' works on text, not a number",
        1,
    );
    fails(
        "'a' contains 'b'",
        "compares two constants: write true or false",
        1,
    );
    fails(
        "'a' is empty",
        "'is empty' needs a field, not a constant",
        1,
    );
    fails(
        "count(t) is not empty",
        "a count or sum is never empty: compare it with 0",
        1,
    );
    // Checked inside filters too, with their own positions.
    fails(
        "exists(o, amount > null)",
        "'>' with null is never true: use 'is empty' or 'is not empty'",
        20,
    );
    // Allowed: comparisons with null by equality, mixed numbers, nulls among `in` values.
    parse("amount == null or amount != null");
    parse("amount between 1 and 10.5");
    parse("stage in [null, 'a']");
    parse("amount in []");
}
