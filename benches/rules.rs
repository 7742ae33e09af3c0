//! Rule condition speed, one core, against a record of 20 fields:
//!
//! - `condition/simple`: `amount > 1000000` (the issue asks for ≥ 10M evaluations/s/core).
//! - `condition/compound_3`: three clauses joined by `and`, all true (all evaluated).
//! - `condition/in_10`: `stage in [...]` over 10 texts, the match last.
//! - `condition/exists_5`: `exists(opportunities, status == "open")` over 5 related records,
//!   the open one last.
//! - `condition/parse_compile_10`: parse, check and compile a 10-clause text.

// criterion_group! generates a public function that cannot carry a doc comment.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crm::rules::{Condition, FactMap};
use rust_decimal::Decimal;

const STAGES: [&str; 10] = [
    "lead",
    "qualified",
    "needs_analysis",
    "proposal",
    "negotiation",
    "demo",
    "trial",
    "legal",
    "procurement",
    "contract_review",
];

const TEN_CLAUSES: &str = r#"amount > 1000000 and stage == "contract_review"
    and region.province in ["广东", "北京", "上海"] and custom.预算 >= 500000.00
    and owner_name is not empty and name contains "华为" and probability between 50 and 90
    and (priority == "high" or vip == true)
    and count(opportunities, status == "open") >= 1 and not exists(tickets, level > 2)"#;

/// A deal with 20 fields.
fn record() -> FactMap {
    let mut facts = FactMap::new()
        .with("amount", 1_500_000i64)
        .with("stage", "contract_review")
        .with("region.province", "广东")
        .with("custom.预算", Decimal::new(80_000_000, 2))
        .with("owner_name", "王芳")
        .with("name", "华为技术有限公司 2026 框架采购")
        .with("probability", 70i64)
        .with("priority", "high")
        .with("vip", false)
        .with("currency", "CNY");
    for i in 10..20 {
        facts.set(format!("custom.field_{i}"), format!("value {i}"));
    }
    facts
}

fn with_deals(facts: FactMap) -> FactMap {
    let deal = |status: &str| {
        FactMap::new()
            .with("status", status)
            .with("amount", 100_000i64)
    };
    let deals = ["won", "lost", "won", "lost", "open"].map(deal).to_vec();
    facts.with_related("opportunities", deals)
}

fn condition(c: &mut Criterion) {
    let facts = with_deals(record());
    assert_eq!(facts.fields().len(), 20);
    let list = STAGES.map(|s| format!("{s:?}")).join(", ");
    let cases = [
        ("simple", "amount > 1000000".to_owned()),
        (
            "compound_3",
            r#"amount > 1000000 and stage == "contract_review" and custom.预算 >= 500000.00"#
                .to_owned(),
        ),
        ("in_10", format!("stage in [{list}]")),
        (
            "exists_5",
            r#"exists(opportunities, status == "open")"#.to_owned(),
        ),
    ];
    let mut group = c.benchmark_group("condition");
    group.throughput(Throughput::Elements(1));
    for (name, text) in &cases {
        let condition = Condition::parse(text).unwrap();
        assert!(condition.matches(&facts), "{text}");
        group.bench_function(*name, |b| {
            b.iter(|| black_box(&condition).matches(black_box(&facts)))
        });
    }
    assert!(Condition::parse(TEN_CLAUSES).unwrap().matches(&facts));
    group.bench_function("parse_compile_10", |b| {
        b.iter(|| Condition::parse(black_box(TEN_CLAUSES)).unwrap())
    });
    group.finish();
}

criterion_group!(benches, condition);
criterion_main!(benches);
