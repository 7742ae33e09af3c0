//! Assignment speed.
//!
//! - `assignment/first_match_25`: one lead through a 25-entry table whose first match is
//!   entry 24 (after 23 territories on province and industry that miss), which hands it
//!   round robin to one of ten users with a capacity cap in force; the reason string and the
//!   rotation's state included. Reported as assignments per second (goal: ≥ 2,000,000/s).
//! - `assignment/match_only_25`: finding that entry alone.

// criterion_group! generates a public function that cannot carry a doc comment.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crm::id::UserId;
use crm::rules::assignment::{
    AssignmentEntry, AssignmentState, AssignmentTable, Capacity, Outcome, Roster, Strategy,
};
use crm::rules::{FactMap, Territory};
use uuid::Uuid;

const ENTRIES: usize = 25;
const USERS: u128 = 10;

/// Provinces outside East China, one or two per missing entry.
const ELSEWHERE: [&str; 24] = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
];
const INDUSTRIES: [&str; 4] = ["制造", "金融", "教育", "零售"];

fn user(n: u128) -> UserId {
    UserId(Uuid::from_u128(n))
}

fn table() -> AssignmentTable {
    let mut table = AssignmentTable::new("lead_routing");
    for i in 0..ENTRIES - 2 {
        let territory = Territory::any()
            .with("region.province", [ELSEWHERE[i], ELSEWHERE[(i + 7) % 24]])
            .with("industry", [INDUSTRIES[i % 4]]);
        let strategy = Strategy::RoundRobin {
            users: (0..3).map(|k| user(100 + i as u128 * 3 + k)).collect(),
        };
        table
            .entries
            .push(AssignmentEntry::new(territory, strategy).named(format!("territory {i}")));
    }
    let east = Territory::china_region("华东")
        .unwrap()
        .with("industry", ["制造", "汽车"]);
    table.entries.push(
        AssignmentEntry::new(
            east,
            Strategy::RoundRobin {
                users: (1..=USERS).map(user).collect(),
            },
        )
        .named("East China → Shanghai group A"),
    );
    table
        .entries
        .push(AssignmentEntry::any(Strategy::Fixed { user: user(999) }).named("everyone else"));
    table.capacity = Capacity {
        max_open: Some(200),
        ..Capacity::default()
    };
    table
}

fn assignment(c: &mut Criterion) {
    let table = table();
    assert_eq!(table.entries.len(), ENTRIES);
    let mut roster = Roster::new();
    for n in 1..=USERS {
        roster = roster.with(user(n), format!("销售{n}"));
        roster.set_open_items(user(n), 20 + n as u32);
    }
    let lead = FactMap::new()
        .with("company", "苏州某某精密机械有限公司")
        .with("region.province", "江苏省")
        .with("region.city", "苏州市")
        .with("industry", "制造")
        .with("source", "展会");
    assert_eq!(table.first_match(&lead), Some(ENTRIES - 2));
    let mut state = AssignmentState::new();
    match table.assign(&lead, &roster, &mut state) {
        Outcome::Assigned(a) => println!("{}", a.reason),
        Outcome::Unassigned(u) => panic!("{}", u.reason),
    }

    let mut group = c.benchmark_group("assignment");
    group.throughput(Throughput::Elements(1));
    group.bench_function("first_match_25", |b| {
        b.iter(|| table.assign(black_box(&lead), &roster, &mut state))
    });
    group.bench_function("match_only_25", |b| {
        b.iter(|| table.first_match(black_box(&lead)))
    });
    group.finish();
}

criterion_group!(benches, assignment);
criterion_main!(benches);
