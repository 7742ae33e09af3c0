//! Differential test: for random predicates (every operator and column type, nested and/or/not,
//! nulls everywhere, sub-selects into accounts and back into the deals' own table), the SQL
//! `WHERE` the SQLite store runs returns exactly the rows the in-memory reference interpreter
//! selects.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use crm_core::actor::Actor;
use crm_core::conformance::reference_and_store;
use crm_core::id::{AccountId, IdGen, SequentialIdGen, TenantId, UserId};
use crm_core::model::{Account, Opportunity};
use crm_core::query::{Predicate, Query};
use crm_core::record::{ObjectKind, Record, Row, Value};
use crm_core::store::Store;
use crm_core::value::{CompanyName, Currency, Money};
use crm_store::SqlStore;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use rust_decimal::Decimal;
use uuid::Uuid;

const STAGES: [&str; 5] = ["lead", "proposal", "合同审核", "Negotiation", ""];
const NAMES: [&str; 6] = [
    "华为扩容",
    "alpha_deal",
    "Alpha%Deal",
    "腾讯云 迁移",
    "50%折扣",
    "a",
];

fn tenant() -> TenantId {
    TenantId(Uuid::from_u128(3))
}

fn account(i: u128) -> AccountId {
    AccountId(Uuid::from_u128(100 + i))
}

fn owner(i: u128) -> UserId {
    UserId(Uuid::from_u128(200 + i))
}

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// The accounts deals point to (the last id, `account(4)`, has none): levels, names and a
/// parent, null included.
fn accounts() -> Vec<Record<Account>> {
    (0..4_u128)
        .map(|i| {
            let mut a = Account::new(
                CompanyName::parse(["华为技术", "腾讯云", "阿里巴巴", "字节跳动"][i as usize])
                    .unwrap(),
            );
            a.level = [Some("A"), Some("B"), None, Some("A")][i as usize].map(str::to_owned);
            a.parent = (i % 2 == 1).then(|| account(i - 1));
            Record::new(account(i), tenant(), None, t0(), a)
        })
        .collect()
}

/// Deals whose every queryable field takes a few values, null included.
fn fixture() -> Vec<Record<Opportunity>> {
    let ids = SequentialIdGen::new(3);
    let ids: &dyn IdGen = &ids;
    (0..90_i64)
        .map(|i| {
            let n = i as usize;
            let stage = STAGES[n % STAGES.len()];
            let stage = if stage.is_empty() { "x" } else { stage };
            let mut deal =
                Opportunity::new(account((i % 4) as u128), NAMES[n % NAMES.len()], stage);
            if i % 5 != 0 {
                deal.amount = Some(Money::new(
                    Decimal::new((i - 40) * 12_345, 2),
                    Currency::CNY,
                ));
            }
            if i % 3 != 0 {
                deal.expected_close =
                    NaiveDate::from_ymd_opt(2026, 1 + (i % 12) as u32, 1 + (i % 27) as u32);
            }
            if i % 4 == 1 {
                deal.last_activity_at = Some(t0() + Duration::hours(i * 7));
            }
            if i % 6 == 0 {
                deal.contact_id = None;
            }
            if i % 7 == 3 {
                deal.win(t0() + Duration::days(i)).unwrap();
            }
            let owner = (i % 3 != 0).then(|| owner((i % 2) as u128));
            Record::new(
                ids.next(),
                tenant(),
                owner,
                t0() + Duration::minutes(i),
                deal,
            )
        })
        .collect()
}

fn text_operand() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(STAGES.to_vec()).prop_map(str::to_owned),
        proptest::sample::select(NAMES.to_vec()).prop_map(str::to_owned),
        proptest::sample::select(vec!["%", "_", "a", "A", "扩", "云 ", "合同", "x"])
            .prop_map(str::to_owned),
    ]
}

fn leaf() -> impl Strategy<Value = Predicate> {
    let decimal = (-600_000_i64..600_000).prop_map(|c| Value::Decimal(Decimal::new(c, 2)));
    let date = (1_u32..=12, 1_u32..=28)
        .prop_map(|(m, d)| Value::Date(NaiveDate::from_ymd_opt(2026, m, d).unwrap()));
    let time = (0_i64..700).prop_map(|h| Value::Time(t0() + Duration::hours(h)));
    let text_field = proptest::sample::select(vec!["stage", "name", "status", "currency"]);
    prop_oneof![
        (text_field.clone(), text_operand()).prop_map(|(f, t)| Predicate::eq(f, t)),
        (text_field.clone(), text_operand()).prop_map(|(f, t)| Predicate::lt(f, t)),
        (text_field.clone(), text_operand()).prop_map(|(f, t)| Predicate::contains(f, t)),
        (text_field.clone(), text_operand()).prop_map(|(f, t)| Predicate::starts_with(f, t)),
        (text_field, proptest::collection::vec(text_operand(), 0..3))
            .prop_map(|(f, ts)| Predicate::is_in(f, ts)),
        decimal.clone().prop_map(|v| Predicate::gt("amount", v)),
        decimal.prop_map(|v| Predicate::le("amount", v)),
        date.clone()
            .prop_map(|v| Predicate::ge("expected_close", v)),
        date.prop_map(|v| Predicate::eq("expected_close", v)),
        time.clone()
            .prop_map(|v| Predicate::lt("last_activity_at", v)),
        time.prop_map(|v| Predicate::ge("created_at", v)),
        (0_u128..5).prop_map(|i| Predicate::eq("account_id", account(i))),
        (0_u128..3).prop_map(|i| Predicate::eq("owner", owner(i))),
        proptest::sample::select(vec![
            "amount",
            "expected_close",
            "last_activity_at",
            "owner",
            "contact_id",
            "closed_at"
        ])
        .prop_map(Predicate::is_null),
        (0_i64..3).prop_map(|v| Predicate::ge("version", Value::Int(v))),
        Just(Predicate::True),
        Just(Predicate::False),
    ]
}

/// A condition on accounts, possibly following their parent link one level up.
fn account_predicate() -> impl Strategy<Value = Predicate> {
    let field_test = prop_oneof![
        proptest::sample::select(vec!["A", "B", "C"]).prop_map(|l| Predicate::eq("level", l)),
        Just(Predicate::is_null("level")),
        Just(Predicate::is_null("parent")),
        proptest::sample::select(vec!["华为", "云", "巴巴"])
            .prop_map(|t| Predicate::contains("name", t)),
        Just(Predicate::True),
    ];
    field_test.prop_recursive(2, 6, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(Predicate::negate),
            inner.clone().prop_map(|p| Predicate::in_select(
                "parent",
                ObjectKind::Account,
                "id",
                p
            )),
            proptest::collection::vec(inner, 0..3).prop_map(|any| Predicate::Or { any }),
        ]
    })
}

fn predicate() -> impl Strategy<Value = Predicate> {
    leaf().prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            account_predicate().prop_map(|p| Predicate::in_select(
                "account_id",
                ObjectKind::Account,
                "id",
                p
            )),
            // Back into the deals' own table: owners of some deal matching `inner`.
            inner.clone().prop_map(|p| Predicate::in_select(
                "owner",
                ObjectKind::Opportunity,
                "owner",
                p
            )),
            proptest::collection::vec(inner.clone(), 0..4).prop_map(|all| Predicate::And { all }),
            proptest::collection::vec(inner.clone(), 0..4).prop_map(|any| Predicate::Or { any }),
            inner.prop_map(Predicate::negate),
        ]
    })
}

/// Cases per run; `CRM_DIFFERENTIAL_CASES` raises it for a long run.
fn cases() -> u32 {
    std::env::var("CRM_DIFFERENTIAL_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000)
}

#[test]
fn sqlite_where_agrees_with_the_reference_interpreter() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let store: Arc<dyn Store> = Arc::new(rt.block_on(SqlStore::open_sqlite(":memory:")).unwrap());
    let records = fixture();
    let rows: Vec<Row> = rt.block_on(async {
        let mut tx = store.begin().await.unwrap();
        tx.insert(&Actor::system(tenant()), t0(), &records)
            .await
            .unwrap();
        tx.insert(&Actor::system(tenant()), t0(), &accounts())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        let mut rows = Vec::new();
        for kind in [ObjectKind::Opportunity, ObjectKind::Account] {
            let all = Query::all().unpaged();
            rows.extend(store.list_rows(kind, tenant(), &all).await.unwrap());
        }
        rows
    });
    let deals = records.len();
    let mut runner = TestRunner::new(Config {
        cases: cases(),
        ..Config::default()
    });
    let selective = std::cell::Cell::new(0_u32);
    runner
        .run(&predicate(), |p| {
            let query = Query::filter(p.clone()).unpaged();
            let (expected, got) = rt.block_on(reference_and_store(
                store.as_ref(),
                tenant(),
                ObjectKind::Opportunity,
                &rows,
                &query,
            ));
            if !expected.is_empty() && expected.len() < deals {
                selective.set(selective.get() + 1);
            }
            prop_assert_eq!(got, expected, "predicate {:?}", p);
            Ok(())
        })
        .unwrap();
    // The generator must produce predicates that split the rows, or agreement proves little.
    let selective = selective.get();
    assert!(
        selective > cases() / 4,
        "only {selective} of {} predicates were selective",
        cases()
    );
}
