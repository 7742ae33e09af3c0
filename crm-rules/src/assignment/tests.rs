use std::collections::BTreeMap;

use crm_core::value::Region;
use proptest::prelude::*;
use proptest::strategy::Strategy;
use uuid::Uuid;

use super::Strategy as Pick;
use super::*;
use crate::facts::FactMap;
use crate::territory::NamedRegion;

fn user(n: u128) -> UserId {
    UserId(Uuid::from_u128(n))
}

fn users(ns: impl IntoIterator<Item = u128>) -> Vec<UserId> {
    ns.into_iter().map(user).collect()
}

fn roster(ns: impl IntoIterator<Item = u128>) -> Roster {
    ns.into_iter()
        .fold(Roster::new(), |r, n| r.with(user(n), format!("u{n}")))
}

fn assigned(outcome: &Outcome) -> &Assignment {
    match outcome {
        Outcome::Assigned(a) => a,
        Outcome::Unassigned(u) => panic!("unassigned: {}", u.reason),
    }
}

fn round_robin(ns: impl IntoIterator<Item = u128>) -> Pick {
    Pick::RoundRobin { users: users(ns) }
}

fn one_entry(strategy: Pick) -> AssignmentTable {
    AssignmentTable::new("t").with_entry(AssignmentEntry::any(strategy))
}

fn counts(picks: &[UserId]) -> BTreeMap<UserId, usize> {
    let mut counts = BTreeMap::new();
    for p in picks {
        *counts.entry(*p).or_default() += 1;
    }
    counts
}

fn run(
    table: &AssignmentTable,
    facts: &FactMap,
    workforce: &impl Workforce,
    state: &mut AssignmentState,
    times: usize,
) -> Vec<UserId> {
    (0..times)
        .map(|_| assigned(&table.assign(facts, workforce, state)).user)
        .collect()
}

// ---- The scenario -------------------------------------------------------------------

/// Leads from East China (华东) go round robin to the Shanghai branch's group A; the rest to
/// the default group.
#[test]
fn east_china_leads_go_to_shanghai_group_a() {
    let group_a = [1, 2, 3];
    let default_group = [7, 8];
    let table: AssignmentTable = serde_json::from_value(serde_json::json!({
        "name": "lead_routing",
        "entries": [
            {
                "name": "East China → Shanghai group A",
                "criteria": {"region.province": ["华东"]},
                "strategy": {"kind": "round_robin", "users": users(group_a)}
            },
            {
                "name": "everyone else",
                "strategy": {"kind": "round_robin", "users": users(default_group)}
            }
        ]
    }))
    .unwrap();
    let mut names = Roster::new();
    for (n, name) in [
        (1, "王芳"),
        (2, "李雷"),
        (3, "韩梅梅"),
        (7, "张伟"),
        (8, "刘洋"),
    ] {
        names = names.with(user(n), name);
    }
    let mut state = AssignmentState::new();

    let east: Vec<&str> = vec![
        "上海市",
        "江苏省",
        "浙江",
        "安徽省",
        "福建",
        "江西省",
        "山东省",
    ];
    let mut to_a = Vec::new();
    for province in &east {
        let lead = FactMap::new().with("region.province", *province);
        let a = assigned(&table.assign(&lead, &names, &mut state)).clone();
        assert_eq!(a.entry, Some(0), "{province}");
        assert_eq!(a.strategy, StrategyKind::RoundRobin);
        to_a.push(a.user);
    }
    assert_eq!(
        to_a,
        users([1, 2, 3, 1, 2, 3, 1]),
        "group A in turn, starting at its first user"
    );

    let mut to_default = Vec::new();
    for province in ["广东省", "北京市", "四川"] {
        let lead = FactMap::new().with("region.province", province);
        let a = assigned(&table.assign(&lead, &names, &mut state)).clone();
        assert_eq!(a.entry, Some(1), "{province}");
        to_default.push(a.user);
    }
    let no_region = assigned(&table.assign(&FactMap::new(), &names, &mut state)).clone();
    assert_eq!(no_region.entry, Some(1), "no region: the default group");
    to_default.push(no_region.user);
    assert_eq!(to_default, users([7, 8, 7, 8]));

    let lead = FactMap::new().with("region.province", "江苏省");
    let a = assigned(&table.assign(&lead, &names, &mut state)).clone();
    assert_eq!(
        a.reason,
        "entry 1 'East China → Shanghai group A' matched region.province = 江苏省; \
         round robin → 李雷"
    );
    let a = assigned(&table.assign(&FactMap::new(), &names, &mut state)).clone();
    assert_eq!(
        a.reason,
        "entry 2 'everyone else' matched; round robin → 张伟"
    );
}

// ---- First match ----------------------------------------------------------------------------

const FIELDS: [(&str, &[&str]); 3] = [
    ("industry", &["制造", "金融", "教育", "零售"]),
    ("source", &["展会", "官网", "转介绍"]),
    (
        "region.province",
        &[
            "华东",
            "华南",
            "上海",
            "江苏省",
            "广东",
            "北京市",
            "Sichuan",
        ],
    ),
];
const FACT_VALUES: [(&str, &[&str]); 3] = [
    ("industry", &["制造", "金融", "教育", "零售", "制造业"]),
    ("source", &["展会", "官网", "转介绍"]),
    (
        "region.province",
        &[
            "上海市",
            "江苏",
            "浙江省",
            "广东省",
            "北京",
            "四川省",
            "110000",
        ],
    ),
];

/// Whether `fact` is allowed by `allowed` the slow way: parse both as regions.
fn naive_region_match(fact: &str, allowed: &str) -> bool {
    let Ok(fact) = Region::parse(fact) else {
        return false;
    };
    match NamedRegion::find(allowed) {
        Some(named) => named.regions().any(|r| fact.is_within(r)),
        None => fact.is_within(Region::parse(allowed).unwrap()),
    }
}

/// The first entry of `spec` (per entry: field → allowed values) that `facts` meet, by
/// scanning.
fn naive_first_match(spec: &[BTreeMap<String, Vec<String>>], facts: &FactMap) -> Option<usize> {
    spec.iter().position(|entry| {
        entry.iter().all(|(field, allowed)| {
            let Some(crm_core::record::Value::Text(fact)) = facts.fields().get(field) else {
                return false;
            };
            allowed.iter().any(|a| {
                if field.starts_with("region") {
                    naive_region_match(fact, a)
                } else {
                    a == fact
                }
            })
        })
    })
}

fn entry_spec() -> impl Strategy<Value = BTreeMap<String, Vec<String>>> {
    prop::collection::vec(
        (
            0..FIELDS.len(),
            prop::collection::vec(any::<prop::sample::Index>(), 1..3),
        ),
        0..3,
    )
    .prop_map(|fields| {
        fields
            .into_iter()
            .map(|(f, picks)| {
                let (name, values) = FIELDS[f];
                let chosen = picks.iter().map(|i| (*i.get(values)).to_owned()).collect();
                (name.to_owned(), chosen)
            })
            .collect()
    })
}

fn facts_strategy() -> impl Strategy<Value = FactMap> {
    prop::collection::vec(prop::option::of(any::<prop::sample::Index>()), 3).prop_map(|picks| {
        let mut facts = FactMap::new();
        for ((field, values), pick) in FACT_VALUES.iter().zip(picks) {
            if let Some(i) = pick {
                facts.set(*field, *i.get(values));
            }
        }
        facts
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn first_match_equals_a_naive_scan(
        spec in prop::collection::vec(entry_spec(), 0..25),
        facts in prop::collection::vec(facts_strategy(), 1..8),
    ) {
        let mut table = AssignmentTable::new("t");
        for (i, fields) in spec.iter().enumerate() {
            let territory = Territory::new(fields.clone()).unwrap();
            table.entries.push(AssignmentEntry::new(territory, Pick::Fixed { user: user(i as u128) }));
        }
        let workforce = roster(0..spec.len() as u128);
        let mut state = AssignmentState::new();
        for facts in &facts {
            let expected = naive_first_match(&spec, facts);
            prop_assert_eq!(table.first_match(facts), expected);
            let outcome = table.assign(facts, &workforce, &mut state);
            match expected {
                Some(i) => {
                    let a = assigned(&outcome);
                    prop_assert_eq!(a.entry, Some(i));
                    prop_assert_eq!(a.user, user(i as u128));
                }
                None => prop_assert!(matches!(outcome, Outcome::Unassigned(_))),
            }
        }
    }
}

// ---- Round robin ----------------------------------------------------------------------------

#[test]
fn round_robin_gives_every_eligible_user_k_of_k_times_n() {
    for n in 1..=7u128 {
        for k in 1..=4 {
            let table = one_entry(round_robin(1..=n));
            let mut state = AssignmentState::new();
            let picks = run(
                &table,
                &FactMap::new(),
                &roster(1..=n),
                &mut state,
                k * n as usize,
            );
            let counts = counts(&picks);
            assert_eq!(counts.len(), n as usize);
            assert!(counts.values().all(|c| *c == k), "n={n} k={k}: {counts:?}");
            assert_eq!(&picks[..n as usize], users(1..=n).as_slice(), "list order");
        }
    }
    // With one on leave, the others share evenly and the absent user gets nothing.
    let mut workforce = roster(1..=4);
    workforce.set_available(user(2), false);
    let table = one_entry(round_robin(1..=4));
    let mut state = AssignmentState::new();
    let picks = run(&table, &FactMap::new(), &workforce, &mut state, 30);
    assert_eq!(
        counts(&picks),
        BTreeMap::from([(user(1), 10), (user(3), 10), (user(4), 10)])
    );
}

#[test]
fn round_robin_resumes_after_the_last_user_when_the_list_changes() {
    let mut table = one_entry(round_robin([1, 2, 3, 4]));
    let workforce = roster(0..=9);
    let mut state = AssignmentState::new();
    assert_eq!(
        run(&table, &FactMap::new(), &workforce, &mut state, 2),
        users([1, 2])
    );
    // 0 joins at the front: the turn still passes to 3, then on round.
    table.entries[0].strategy = round_robin([0, 1, 2, 3, 4]);
    assert_eq!(
        run(&table, &FactMap::new(), &workforce, &mut state, 4),
        users([3, 4, 0, 1])
    );
    // 1 (picked last) leaves: the cursor's position carries on.
    table.entries[0].strategy = round_robin([0, 2, 3, 4]);
    assert_eq!(
        run(&table, &FactMap::new(), &workforce, &mut state, 3),
        users([3, 4, 0])
    );
}

// ---- Weighted -------------------------------------------------------------------------------

fn weighted(ws: &[(u128, u32)]) -> Pick {
    Pick::Weighted {
        users: ws
            .iter()
            .map(|&(n, weight)| WeightedUser {
                user: user(n),
                weight,
            })
            .collect(),
    }
}

#[test]
fn weighted_interleaves_smoothly() {
    let table = one_entry(weighted(&[(1, 3), (2, 1)]));
    let mut state = AssignmentState::new();
    let picks = run(&table, &FactMap::new(), &roster([1, 2]), &mut state, 8);
    assert_eq!(picks, users([1, 1, 2, 1, 1, 1, 2, 1]));
    let table = one_entry(weighted(&[(1, 5), (2, 1), (3, 1)]));
    let mut state = AssignmentState::new();
    let picks = run(&table, &FactMap::new(), &roster([1, 2, 3]), &mut state, 7);
    assert_eq!(picks, users([1, 1, 2, 1, 3, 1, 1]), "nginx's a a b a c a a");
}

proptest! {
    #[test]
    fn weighted_proportions_are_exact_over_each_full_cycle(
        weights in prop::collection::vec(1u32..12, 1..7),
        cycles in 1usize..4,
    ) {
        let ws: Vec<(u128, u32)> = weights.iter().enumerate().map(|(i, w)| (i as u128, *w)).collect();
        let table = one_entry(weighted(&ws));
        let workforce = roster(0..ws.len() as u128);
        let total: u32 = weights.iter().sum();
        let mut state = AssignmentState::new();
        for _ in 0..cycles {
            let picks = run(&table, &FactMap::new(), &workforce, &mut state, total as usize);
            let counts = counts(&picks);
            for (n, w) in &ws {
                prop_assert_eq!(counts.get(&user(*n)).copied().unwrap_or(0), *w as usize);
            }
            // Each cycle ends where it began.
            prop_assert!(state.rotation("t", "#0").is_none_or(|r| *r == Rotation::Weights(BTreeMap::new())));
        }
    }
}

// ---- Least loaded ---------------------------------------------------------------------------

#[test]
fn least_loaded_takes_the_fewest_open_items_and_rotates_ties() {
    let table = one_entry(Pick::LeastLoaded {
        users: users([1, 2, 3]),
    });
    let mut workforce = roster([1, 2, 3]);
    workforce.set_open_items(user(1), 5);
    workforce.set_open_items(user(2), 3);
    workforce.set_open_items(user(3), 4);
    let mut state = AssignmentState::new();
    let mut picks = Vec::new();
    for _ in 0..6 {
        let a = assigned(&table.assign(&FactMap::new(), &workforce, &mut state)).user;
        workforce.assigned(a);
        picks.push(a);
    }
    // Loads 5 3 4: 2 → 5 4 4; tie of 2 and 3, the turn after 2 → 3; then 2, 3, 1, 2.
    assert_eq!(picks, users([2, 3, 2, 3, 1, 2]));
    // Equal loads the host does not update still spread.
    let mut state = AssignmentState::new();
    let stale = roster([1, 2, 3]);
    let picks = run(&table, &FactMap::new(), &stale, &mut state, 6);
    assert_eq!(picks, users([1, 2, 3, 1, 2, 3]));
}

#[test]
fn a_tally_counts_a_batch_against_loads_read_once() {
    let table = one_entry(Pick::LeastLoaded {
        users: users([1, 2]),
    });
    let mut workforce = roster([1, 2]);
    workforce.set_open_items(user(1), 0);
    workforce.set_open_items(user(2), 4);
    let mut batch = Tally::new(&workforce);
    let mut state = AssignmentState::new();
    let mut picks = Vec::new();
    for _ in 0..6 {
        let u = assigned(&table.assign(&FactMap::new(), &batch, &mut state)).user;
        batch.assigned(u);
        picks.push(u);
    }
    assert_eq!(picks, users([1, 1, 1, 1, 2, 1]));
}

// ---- Eligibility ----------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct World {
    available: Vec<bool>,
    open: Vec<u32>,
    own_cap: Vec<Option<u32>>,
}

impl Workforce for World {
    fn is_available(&self, u: UserId) -> bool {
        self.available
            .get(u.0.as_u128() as usize)
            .copied()
            .unwrap_or(false)
    }
    fn open_items(&self, u: UserId) -> u32 {
        self.open[u.0.as_u128() as usize]
    }
    fn max_open(&self, u: UserId) -> Option<u32> {
        self.own_cap[u.0.as_u128() as usize]
    }
}

const PEOPLE: usize = 6;

fn world() -> impl Strategy<Value = World> {
    (
        prop::collection::vec(prop::bool::weighted(0.7), PEOPLE),
        prop::collection::vec(0u32..6, PEOPLE),
        prop::collection::vec(prop::option::weighted(0.3, 0u32..6), PEOPLE),
    )
        .prop_map(|(available, open, own_cap)| World {
            available,
            open,
            own_cap,
        })
}

fn strategy() -> impl Strategy<Value = Pick> {
    let people = prop::sample::subsequence((0..PEOPLE as u128).collect::<Vec<_>>(), 1..=PEOPLE);
    prop_oneof![
        (0..PEOPLE as u128).prop_map(|n| Pick::Fixed { user: user(n) }),
        people.clone().prop_map(round_robin),
        people
            .clone()
            .prop_map(|ns| Pick::LeastLoaded { users: users(ns) }),
        (people, prop::collection::vec(1u32..5, PEOPLE)).prop_map(|(ns, ws)| {
            let pairs: Vec<(u128, u32)> = ns.iter().map(|n| (*n, ws[*n as usize])).collect();
            weighted(&pairs)
        }),
    ]
}

fn table_strategy() -> impl Strategy<Value = AssignmentTable> {
    (
        prop::collection::vec((prop::option::of(0usize..4), strategy()), 1..5),
        prop::option::of(strategy()),
        prop::option::of(0u32..6),
        prop::collection::btree_map(0..PEOPLE as u128, 0u32..6, 0..3),
        prop_oneof![
            Just(Overflow::NextEntry),
            Just(Overflow::Fallback),
            Just(Overflow::Unassigned)
        ],
    )
        .prop_map(|(entries, fallback, max_open, per_user, overflow)| {
            let mut table = AssignmentTable::new("t");
            for (industry, strategy) in entries {
                let entry = match industry {
                    Some(i) => AssignmentEntry::new(
                        Territory::any().with("industry", [FIELDS[0].1[i]]),
                        strategy,
                    ),
                    None => AssignmentEntry::any(strategy),
                };
                table.entries.push(entry);
            }
            table.fallback = fallback;
            table.capacity = Capacity {
                max_open,
                users: per_user.into_iter().map(|(n, c)| (user(n), c)).collect(),
            };
            table.overflow = overflow;
            table
        })
}

fn eligible(table: &AssignmentTable, world: &World, u: UserId) -> bool {
    let cap = [table.capacity.cap(u), world.max_open(u)]
        .into_iter()
        .flatten()
        .min();
    world.is_available(u) && cap.is_none_or(|c| world.open_items(u) < c)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Never an unavailable or at-capacity user; unassigned only when every strategy the
    /// table reached had nobody eligible.
    #[test]
    fn never_an_ineligible_user(
        table in table_strategy(),
        mut world in world(),
        industries in prop::collection::vec(0usize..4, 1..20),
    ) {
        let mut state = AssignmentState::new();
        for i in industries {
            let facts = FactMap::new().with("industry", FIELDS[0].1[i]);
            let outcome = table.assign(&facts, &world, &mut state);
            // The strategies the table may reach, in order, by the overflow rule.
            let mut reachable = Vec::new();
            for entry in table.entries.iter().filter(|e| e.matches(&facts)) {
                reachable.push(&entry.strategy);
                if table.overflow != Overflow::NextEntry {
                    break;
                }
            }
            let stops = table.overflow == Overflow::Unassigned && !reachable.is_empty();
            if !stops {
                reachable.extend(table.fallback.as_ref());
            }
            let anyone = reachable
                .iter()
                .any(|s| s.users().iter().any(|u| eligible(&table, &world, *u)));
            match &outcome {
                Outcome::Assigned(a) => {
                    prop_assert!(eligible(&table, &world, a.user), "{a:?} in {world:?}");
                    world.open[a.user.0.as_u128() as usize] += 1;
                }
                Outcome::Unassigned(u) => prop_assert!(!anyone, "{}", u.reason),
            }
        }
    }
}

#[test]
fn caps_from_the_table_and_the_workforce_take_the_smaller() {
    let mut table = one_entry(round_robin([1, 2, 3]));
    table.capacity = Capacity {
        max_open: Some(10),
        users: BTreeMap::from([(user(2), 20)]),
    };
    let mut workforce = roster([1, 2, 3]);
    workforce.set_open_items(user(1), 10); // at the table's cap
    workforce.set_open_items(user(2), 15); // under their own table cap of 20
    workforce.set_open_items(user(3), 5);
    workforce.set_max_open(user(3), Some(5)); // at the host's cap
    let mut state = AssignmentState::new();
    let a = assigned(&table.assign(&FactMap::new(), &workforce, &mut state)).clone();
    assert_eq!(a.user, user(2));
    assert_eq!(
        a.reason,
        "entry 1 matched; round robin → u2 (passed over u1: at capacity 10/10)"
    );
    workforce.set_open_items(user(2), 20);
    let outcome = table.assign(&FactMap::new(), &workforce, &mut state);
    assert_eq!(
        outcome.reason(),
        "entry 1 matched; round robin found nobody eligible (u3: at capacity 5/5, \
         u1: at capacity 10/10, u2: at capacity 20/20); the table has no fallback"
    );
    assert_eq!(outcome.user(), None);
}

#[test]
fn overflow_decides_where_a_full_entry_sends_the_record() {
    let east = Territory::china_region("华东").unwrap();
    let mut table = AssignmentTable::new("t")
        .with_entry(AssignmentEntry::new(east, Pick::Fixed { user: user(1) }).named("east"))
        .with_entry(AssignmentEntry::any(Pick::Fixed { user: user(2) }).named("all"))
        .with_fallback(Pick::Fixed { user: user(3) });
    let mut workforce = roster([1, 2, 3]);
    workforce.set_available(user(1), false);
    let lead = FactMap::new().with("region.province", "浙江省");
    let mut state = AssignmentState::new();

    let a = assigned(&table.assign(&lead, &workforce, &mut state)).clone();
    assert_eq!((a.user, a.entry), (user(2), Some(1)));
    assert_eq!(
        a.reason,
        "entry 1 'east' matched region.province = 浙江省; fixed user found nobody eligible \
         (u1: unavailable); entry 2 'all' matched; fixed user → u2"
    );

    table.overflow = Overflow::Fallback;
    let a = assigned(&table.assign(&lead, &workforce, &mut state)).clone();
    assert_eq!((a.user, a.entry), (user(3), None));
    assert!(
        a.reason
            .ends_with("(u1: unavailable); fallback fixed user → u3"),
        "{}",
        a.reason
    );

    table.overflow = Overflow::Unassigned;
    let outcome = table.assign(&lead, &workforce, &mut state);
    assert_eq!(
        outcome.reason(),
        "entry 1 'east' matched region.province = 浙江省; fixed user found nobody eligible \
         (u1: unavailable)"
    );

    // The fallback's users are held to the same rules.
    workforce.set_available(user(3), false);
    table.overflow = Overflow::Fallback;
    let outcome = table.assign(&lead, &workforce, &mut state);
    assert!(
        outcome
            .reason()
            .ends_with("; fallback fixed user found nobody eligible (u3: unavailable)"),
        "{}",
        outcome.reason()
    );
    let none = AssignmentTable::<Territory>::new("t")
        .with_entry(AssignmentEntry::new(
            Territory::china_region("华南").unwrap(),
            Pick::Fixed { user: user(1) },
        ))
        .assign(&lead, &workforce, &mut state);
    assert_eq!(
        none,
        Outcome::Unassigned(Unassigned {
            table: "t".into(),
            reason: "no entry matched and the table has no fallback".into()
        })
    );
}

// ---- State ----------------------------------------------------------------------------------

fn mixed_table() -> AssignmentTable {
    AssignmentTable::new("mixed")
        .with_entry(
            AssignmentEntry::new(
                Territory::any().with("industry", ["制造"]),
                round_robin([1, 2, 3]),
            )
            .named("rr"),
        )
        .with_entry(AssignmentEntry::new(
            Territory::any().with("industry", ["金融"]),
            weighted(&[(4, 3), (5, 2), (6, 1)]),
        ))
        .with_entry(AssignmentEntry::new(
            Territory::any().with("industry", ["教育"]),
            Pick::LeastLoaded {
                users: users([7, 8]),
            },
        ))
        .with_fallback(round_robin([9, 10]))
}

#[test]
fn state_round_trips_through_serde_and_continues_the_rotation() {
    let table = mixed_table();
    let workforce = roster(1..=10);
    let sequence: Vec<FactMap> = ["制造", "金融", "教育", "零售"]
        .iter()
        .cycle()
        .take(40)
        .map(|i| FactMap::new().with("industry", *i))
        .collect();

    let mut straight = AssignmentState::new();
    let expected: Vec<UserId> = sequence
        .iter()
        .map(|f| assigned(&table.assign(f, &workforce, &mut straight)).user)
        .collect();

    let mut saved = serde_json::to_string(&AssignmentState::new()).unwrap();
    let mut resumed = Vec::new();
    for facts in &sequence {
        let mut state: AssignmentState = serde_json::from_str(&saved).unwrap();
        resumed.push(assigned(&table.assign(facts, &workforce, &mut state)).user);
        saved = serde_json::to_string(&state).unwrap();
    }
    assert_eq!(resumed, expected);
    assert_eq!(
        serde_json::from_str::<AssignmentState>(&saved).unwrap(),
        straight
    );

    let json: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let keys: Vec<&String> = json["mixed"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["#1", "#2", "#fallback", "rr"]);
    assert_eq!(
        json["mixed"]["rr"],
        serde_json::json!({"cursor": {"next": 1, "last": user(1)}})
    );
    assert!(json["mixed"]["#1"]["weights"].is_object());

    let mut state: AssignmentState = serde_json::from_str(&saved).unwrap();
    state.forget("mixed");
    assert!(state.is_empty());
}

// ---- Tables as data -------------------------------------------------------------------------

#[test]
fn tables_round_trip_and_refuse_mistakes() {
    let table = mixed_table();
    let json = serde_json::to_value(&table).unwrap();
    assert_eq!(
        json["entries"][0]["strategy"],
        serde_json::json!({"kind": "round_robin", "users": users([1, 2, 3])})
    );
    assert_eq!(
        json["entries"][1]["strategy"]["users"][0],
        serde_json::json!({"user": user(4), "weight": 3})
    );
    let back: AssignmentTable = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, table);

    let refused = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut doc = json.clone();
        edit(&mut doc);
        serde_json::from_value::<AssignmentTable>(doc)
            .unwrap_err()
            .to_string()
    };
    let err = refused(&|d| d["priority"] = 1.into());
    assert!(err.contains("unknown field `priority`"), "{err}");
    let err = refused(&|d| d["entries"][0]["when"] = 1.into());
    assert!(err.contains("unknown field `when`"), "{err}");
    let err = refused(&|d| d["entries"][0]["strategy"]["cursor"] = 1.into());
    assert!(err.contains("unknown field `cursor`"), "{err}");
    let err = refused(&|d| d["entries"][0]["strategy"]["kind"] = "random".into());
    assert!(err.contains("unknown variant `random`"), "{err}");
    let err = refused(&|d| d["entries"][1]["name"] = "rr".into());
    assert!(err.contains("two entries"), "{err}");
    let err = refused(&|d| d["entries"][1]["name"] = "#0".into());
    assert!(err.contains("`#`"), "{err}");
    let err = refused(&|d| d["entries"][0]["strategy"]["users"] = serde_json::json!([]));
    assert!(err.contains("no users"), "{err}");
    let err = refused(&|d| {
        let first = d["entries"][0]["strategy"]["users"][0].clone();
        d["entries"][0]["strategy"]["users"][1] = first;
    });
    assert!(err.contains("twice"), "{err}");
    let err = refused(&|d| d["entries"][1]["strategy"]["users"][0]["weight"] = 0.into());
    assert!(err.contains("weight 0"), "{err}");
    let err = refused(&|d| d["entries"][0]["criteria"] = serde_json::json!({"region": ["华中东"]}));
    assert!(err.contains("territory.region"), "{err}");
    let err = refused(&|d| d["overflow"] = "drop".into());
    assert!(err.contains("unknown variant `drop`"), "{err}");
    let err = refused(&|d| d["name"] = "".into());
    assert!(err.contains("needs a name"), "{err}");
}

/// A criteria type of the host's own plugs in.
#[test]
fn tables_take_any_criteria() {
    struct Vip;
    impl Criteria for Vip {
        fn matches(&self, facts: &dyn Facts) -> bool {
            facts.get("level") == Some(&crm_core::record::Value::Text("VIP".into()))
        }
        fn explain(&self, _: &dyn Facts, out: &mut String) {
            out.push_str("level VIP");
        }
    }
    let table = AssignmentTable::new("vip")
        .with_entry(AssignmentEntry::new(Vip, Pick::Fixed { user: user(1) }))
        .with_fallback(Pick::Fixed { user: user(2) });
    let workforce = roster([1, 2]);
    let mut state = AssignmentState::new();
    let vip = FactMap::new().with("level", "VIP");
    let a = assigned(&table.assign(&vip, &workforce, &mut state)).clone();
    assert_eq!(a.reason, "entry 1 matched level VIP; fixed user → u1");
    assert_eq!(
        table.assign(&FactMap::new(), &workforce, &mut state).user(),
        Some(user(2))
    );
    assert!(state.is_empty(), "fixed users keep no state");
}

/// A table built in code skips [`AssignmentTable::check`]: an empty user list assigns nobody
/// rather than failing.
#[test]
fn an_empty_user_list_assigns_nobody() {
    let mut state = AssignmentState::new();
    for strategy in [
        round_robin([]),
        Pick::LeastLoaded { users: vec![] },
        weighted(&[]),
    ] {
        let table = one_entry(strategy);
        assert!(table.check().is_err());
        for _ in 0..2 {
            assert_eq!(
                table
                    .assign(&FactMap::new(), &roster([1]), &mut state)
                    .user(),
                None
            );
        }
        state.set(
            "t",
            "#0",
            Rotation::Cursor {
                next: 3,
                last: Some(user(1)),
            },
        );
    }
}

#[test]
fn reasons_show_ids_when_the_workforce_has_no_names() {
    struct Everyone;
    impl Workforce for Everyone {
        fn is_available(&self, _: UserId) -> bool {
            true
        }
        fn open_items(&self, _: UserId) -> u32 {
            0
        }
    }
    let table = one_entry(Pick::Fixed { user: user(1) });
    let outcome = table.assign(&FactMap::new(), &Everyone, &mut AssignmentState::new());
    assert_eq!(
        outcome.reason(),
        format!("entry 1 matched; fixed user → {}", user(1))
    );
}
