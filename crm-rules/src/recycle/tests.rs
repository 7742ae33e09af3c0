use chrono::TimeZone;
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::facts::FactMap;

fn pool() -> PoolId {
    PoolId(Uuid::from_u128(0xa1))
}

/// `day` of March 2026 at `hour`:00 Beijing time.
fn march(day: u32, hour: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(8 * 3600)
        .unwrap()
        .with_ymd_and_hms(2026, 3, day, hour, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn days(n: i64) -> Duration {
    Duration::days(n)
}

/// Level A: 60 days without follow-up, 180 without a deal; others 30 / 90; strategic
/// customers, open deals and locked customers excluded; reminders 3 days ahead.
fn policy() -> RecyclePolicy {
    let mut policy = RecyclePolicy::new(pool(), ObjectKind::Account);
    policy.levels.insert(
        "A".into(),
        Limits {
            no_follow_up_days: Some(60),
            no_deal_days: Some(180),
        },
    );
    policy.levels.insert(
        "C".into(),
        Limits {
            no_follow_up_days: None,
            no_deal_days: Some(45),
        },
    );
    policy.others = Some(Limits {
        no_follow_up_days: Some(30),
        no_deal_days: Some(90),
    });
    policy.exclude = Exclusions {
        open_opportunity: true,
        locked: true,
        when: vec![Territory::any().with("industry", ["政府"])],
    };
    policy.remind_days_before = Some(3);
    policy.clear_team = true;
    policy
}

/// A customer of `level` followed up on March 1st at 09:00, owned since January.
fn customer(level: &str) -> FactMap {
    FactMap::new()
        .with("level", level)
        .with("last_activity_at", march(1, 9))
        .with("owned_since", march(1, 9) - days(50))
}

fn due(decision: &Decision) -> DateTime<Utc> {
    decision.deadline().expect("a deadline").due
}

#[test]
fn the_follow_up_limit_of_each_level() {
    let policy = policy();
    for (level, limit) in [("A", 60), ("B", 30), ("未分级", 30)] {
        let facts = customer(level);
        let due_at = march(1, 9) + days(limit);
        let before = policy.evaluate(&facts, due_at - Duration::seconds(1));
        assert!(
            matches!(before, Decision::Remind { .. }),
            "{level}: {before:?}"
        );
        match policy.evaluate(&facts, due_at) {
            Decision::Return {
                pool: p,
                clear_team,
                deadline,
                reason,
            } => {
                assert_eq!(p, pool());
                assert!(clear_team);
                assert_eq!(deadline.due, due_at, "{level}");
                assert_eq!(deadline.limit, Limit::NoFollowUp);
                assert_eq!(deadline.since_what, Since::LastFollowUp);
                let rule = if level == "A" {
                    "level A".to_owned()
                } else {
                    "other levels".to_owned()
                };
                assert_eq!(
                    reason,
                    format!("{limit} days without follow-up since 2026-03-01 (rule for {rule})")
                );
            }
            other => panic!("{level}: {other:?}"),
        }
    }
    // Without a level, the rule for other levels.
    let mut no_level = customer("B");
    no_level.set("level", Value::Null);
    assert_eq!(
        due(&policy.evaluate(&no_level, march(2, 0))),
        march(1, 9) + days(30)
    );
}

#[test]
fn the_deal_limit_falls_due_when_it_is_earlier() {
    let policy = policy();
    // Owned for long, followed up yesterday, but the last deal was won 80 days before
    // March 1st.
    let facts = customer("B")
        .with("owned_since", march(1, 9) - days(200))
        .with("last_activity_at", march(20, 9))
        .with("last_won_at", march(1, 9) - days(80));
    let decision = policy.evaluate(&facts, march(21, 0));
    let deadline = decision.deadline().unwrap();
    assert_eq!(deadline.limit, Limit::NoDeal);
    assert_eq!(deadline.since_what, Since::LastWon);
    assert_eq!(deadline.due, march(11, 9));
    assert!(matches!(decision, Decision::Return { .. }));
    assert_eq!(
        deadline.reason,
        "90 days without a won deal since 2025-12-11 (rule for other levels)"
    );
    // Never won anything: the deal clock runs from when it was taken.
    let never = customer("B").with("last_activity_at", march(20, 9));
    let deadline = policy.deadline(&never).unwrap();
    assert_eq!(
        (deadline.limit, deadline.since_what),
        (Limit::NoDeal, Since::Owned)
    );
    assert_eq!(deadline.due, march(1, 9) - days(50) + days(90));
    assert!(
        deadline.reason.contains("since taken on 2026-01-10"),
        "{}",
        deadline.reason
    );
}

#[test]
fn a_rule_may_leave_a_limit_out_and_a_level_may_have_none() {
    let mut policy = policy();
    // Level C counts deals only: silence does not matter.
    let facts = customer("C").with("last_won_at", march(1, 9));
    let deadline = policy.deadline(&facts).unwrap();
    assert_eq!(
        (deadline.limit, deadline.due),
        (Limit::NoDeal, march(1, 9) + days(45))
    );
    // A level mapped to no limits is never returned; nor is any level without a rule.
    policy.levels.insert("VIP".into(), Limits::default());
    let far = march(1, 9) + days(3650);
    assert_eq!(
        policy.evaluate(&customer("VIP"), far),
        Decision::Keep { deadline: None }
    );
    policy.others = None;
    assert_eq!(
        policy.evaluate(&customer("B"), far),
        Decision::Keep { deadline: None }
    );
    assert_eq!(
        policy.rule_for(Some("A")).map(|(r, _)| r),
        Some(Rule::Level("A".into()))
    );
}

#[test]
fn each_exclusion_holds_whatever_the_limits() {
    let policy = policy();
    let late = march(1, 9) + days(400);
    let excluded = |facts: &FactMap| match policy.evaluate(facts, late) {
        Decision::Excluded { reason } => reason,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        excluded(&customer("B").with("open_opportunities", 2i64)),
        "has an open opportunity"
    );
    let open_deal = FactMap::new().with("status", "open");
    let lost_deal = FactMap::new().with("status", "lost");
    assert_eq!(
        excluded(&customer("B").with_related("opportunities", vec![lost_deal.clone(), open_deal])),
        "has an open opportunity",
        "read from the relation"
    );
    assert_eq!(excluded(&customer("B").with("locked", true)), "locked");
    assert_eq!(
        excluded(&customer("B").with("industry", "政府")),
        "matches exclusion 1: industry = 政府"
    );
    // Not excluded: no open deal (by count or relation), unlocked, another industry.
    for facts in [
        customer("B").with("open_opportunities", 0i64),
        customer("B").with_related("opportunities", vec![lost_deal]),
        customer("B").with("locked", false),
        customer("B").with("industry", "制造"),
    ] {
        assert!(
            matches!(policy.evaluate(&facts, late), Decision::Return { .. }),
            "{facts:?}"
        );
    }
    // Exclusions the policy does not name do not hold.
    let mut lax = policy.clone();
    lax.exclude = Exclusions::default();
    assert!(matches!(
        lax.evaluate(
            &customer("B")
                .with("locked", true)
                .with("open_opportunities", 1i64),
            late
        ),
        Decision::Return { .. }
    ));
}

#[test]
fn the_reminder_comes_k_days_before_and_the_boundaries_are_exact() {
    let mut policy = policy();
    let facts = customer("B");
    let due_at = march(31, 9);
    let remind_at = march(28, 9);
    let keep = policy.evaluate(&facts, remind_at - Duration::seconds(1));
    assert_eq!(
        keep,
        Decision::Keep {
            deadline: Some(policy.deadline(&facts).unwrap())
        }
    );
    assert_eq!(keep.deadline().unwrap().remind_at, Some(remind_at));
    assert!(matches!(
        policy.evaluate(&facts, remind_at),
        Decision::Remind { .. }
    ));
    assert!(matches!(
        policy.evaluate(&facts, due_at - Duration::microseconds(1)),
        Decision::Remind { .. }
    ));
    assert!(matches!(
        policy.evaluate(&facts, due_at),
        Decision::Return { .. }
    ));
    // Without reminders: kept until due.
    policy.remind_days_before = None;
    let decision = policy.evaluate(&facts, due_at - Duration::seconds(1));
    assert!(matches!(decision, Decision::Keep { .. }));
    assert_eq!(decision.deadline().unwrap().remind_at, None);
}

#[test]
fn missing_follow_ups_fall_back_to_ownership_then_creation() {
    let policy = policy();
    let owned = march(1, 9);
    let taken = FactMap::new().with("level", "B").with("owned_since", owned);
    let deadline = policy.deadline(&taken).unwrap();
    assert_eq!(
        (deadline.since, deadline.since_what, deadline.due),
        (owned, Since::Owned, owned + days(30))
    );
    assert_eq!(
        deadline.reason,
        "30 days without follow-up since taken on 2026-03-01 (rule for other levels)"
    );
    let created = FactMap::new().with("level", "B").with("created_at", owned);
    let deadline = policy.deadline(&created).unwrap();
    assert_eq!(
        (deadline.since_what, deadline.due),
        (Since::Created, owned + days(30))
    );
    assert!(deadline.reason.contains("since created on 2026-03-01"));
    // Nothing to count from: no deadline.
    let unknown = FactMap::new().with("level", "B");
    assert_eq!(policy.deadline(&unknown), None);
    // A follow-up by the previous owner does not count against the new one.
    let claimed = customer("B").with("owned_since", march(20, 9));
    assert_eq!(policy.deadline(&claimed).unwrap().since_what, Since::Owned);
    assert_eq!(
        policy.deadline(&claimed).unwrap().due,
        march(20, 9) + days(30)
    );
}

#[test]
fn won_deals_are_read_from_the_relation_and_dates_are_local_midnights() {
    let policy = policy();
    let won = |at: DateTime<Utc>| FactMap::new().with("status", "won").with("closed_at", at);
    let facts = customer("B")
        .with("owned_since", march(1, 9) - days(200))
        .with("last_activity_at", march(25, 9))
        .with_related(
            "opportunities",
            vec![
                won(march(1, 9) - days(70)),
                won(march(1, 9) - days(60)),
                FactMap::new()
                    .with("status", "lost")
                    .with("closed_at", march(20, 9)),
            ],
        );
    let deadline = policy.deadline(&facts).unwrap();
    assert_eq!(
        (deadline.limit, deadline.since_what),
        (Limit::NoDeal, Since::LastWon)
    );
    assert_eq!(deadline.due, march(1, 9) + days(30));
    // A date is the start of that day in the policy's offset: 00:00 Beijing.
    let dated = FactMap::new().with("level", "B").with(
        "last_activity_at",
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
    );
    assert_eq!(policy.deadline(&dated).unwrap().since, march(1, 0));
}

#[test]
fn policies_round_trip_and_refuse_mistakes() {
    let policy = policy();
    let json = serde_json::to_value(&policy).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "pool": pool(),
            "object": "account",
            "levels": {
                "A": {"no_follow_up_days": 60, "no_deal_days": 180},
                "C": {"no_deal_days": 45}
            },
            "others": {"no_follow_up_days": 30, "no_deal_days": 90},
            "exclude": {"open_opportunity": true, "locked": true, "when": [{"industry": ["政府"]}]},
            "remind_days_before": 3,
            "clear_team": true
        })
    );
    let back: RecyclePolicy = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(back, policy);
    let minimal: RecyclePolicy =
        serde_json::from_value(serde_json::json!({"pool": pool(), "object": "lead"})).unwrap();
    assert_eq!(minimal, RecyclePolicy::new(pool(), ObjectKind::Lead));

    let refused = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut doc = json.clone();
        edit(&mut doc);
        serde_json::from_value::<RecyclePolicy>(doc)
            .unwrap_err()
            .to_string()
    };
    let err = refused(&|d| d["object"] = "contact".into());
    assert!(err.contains("accounts or leads"), "{err}");
    let err = refused(&|d| d["levels"]["A"]["no_follow_up_days"] = 0.into());
    assert!(
        err.contains("recycle.levels.A") && err.contains("at least 1 day"),
        "{err}"
    );
    let err = refused(&|d| d["remind_days_before"] = 0.into());
    assert!(err.contains("remind_days_before"), "{err}");
    let err = refused(&|d| d["levels"]["A"]["no_followup_days"] = 5.into());
    assert!(err.contains("unknown field `no_followup_days`"), "{err}");
    let err = refused(&|d| d["exclude"]["archived"] = true.into());
    assert!(err.contains("unknown field `archived`"), "{err}");
    let err = refused(&|d| d["reminder"] = 3.into());
    assert!(err.contains("unknown field `reminder`"), "{err}");
    let err = refused(&|d| d["utc_offset_minutes"] = 900.into());
    assert!(err.contains("±14 hours"), "{err}");
}

// ---- Against a naive reference --------------------------------------------------------------

const LEVELS: [&str; 3] = ["A", "B", "C"];
const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;

#[derive(Debug, Clone)]
struct Case {
    levels: Vec<(usize, Option<u32>, Option<u32>)>,
    others: Option<(Option<u32>, Option<u32>)>,
    remind: Option<u32>,
    exclude_open: bool,
    exclude_locked: bool,
    level: Option<usize>,
    last_activity: Option<i64>,
    owned: Option<i64>,
    created: Option<i64>,
    last_won: Option<i64>,
    open: i64,
    locked: bool,
    now: i64,
}

fn limit_days() -> impl Strategy<Value = Option<u32>> {
    prop::option::of(1u32..120)
}

/// Instants in seconds within a year, mostly on the hour so boundaries coincide.
fn instant() -> impl Strategy<Value = i64> {
    prop_oneof![(0i64..365 * 24).prop_map(|h| h * HOUR), 0i64..365 * DAY]
}

fn case() -> impl Strategy<Value = Case> {
    (
        (
            prop::collection::vec((0usize..3, limit_days(), limit_days()), 0..3),
            prop::option::of((limit_days(), limit_days())),
            prop::option::of(1u32..20),
            any::<bool>(),
            any::<bool>(),
        ),
        (
            prop::option::of(0usize..4),
            prop::option::of(instant()),
            prop::option::of(instant()),
            prop::option::of(instant()),
            prop::option::of(instant()),
            0i64..2,
            any::<bool>(),
            (0i64..500 * 24).prop_map(|h| h * HOUR),
        ),
    )
        .prop_map(
            |(
                (levels, others, remind, exclude_open, exclude_locked),
                (level, last_activity, owned, created, last_won, open, locked, now),
            )| Case {
                levels,
                others,
                remind,
                exclude_open,
                exclude_locked,
                level,
                last_activity,
                owned,
                created,
                last_won,
                open,
                locked,
                now,
            },
        )
}

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_767_225_600 + seconds, 0).unwrap()
}

/// The decision's kind and instants, as the reference computes them.
#[derive(Debug, PartialEq)]
enum Expected {
    Excluded,
    Keep(Option<(i64, Option<i64>)>),
    Remind(i64, Option<i64>),
    Return(i64, Option<i64>),
}

fn naive(case: &Case) -> Expected {
    if case.exclude_open && case.open > 0 || case.exclude_locked && case.locked {
        return Expected::Excluded;
    }
    // The last entry for a level wins, as in the policy's map.
    let own = case.level.filter(|l| *l < 3).and_then(|l| {
        case.levels
            .iter()
            .rev()
            .find(|(lv, _, _)| *lv == l)
            .map(|(_, f, d)| (*f, *d))
    });
    let Some((follow_up, deal)) = own.or(case.others) else {
        return Expected::Keep(None);
    };
    let anchor = case.owned.or(case.created);
    let latest = |a: Option<i64>, b: Option<i64>| match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    let mut dues = Vec::new();
    if let (Some(days), Some(since)) = (follow_up, latest(case.last_activity, anchor)) {
        dues.push(since + i64::from(days) * DAY);
    }
    if let (Some(days), Some(since)) = (deal, latest(case.last_won, anchor)) {
        dues.push(since + i64::from(days) * DAY);
    }
    let Some(due) = dues.into_iter().min() else {
        return Expected::Keep(None);
    };
    let remind = case.remind.map(|k| due - i64::from(k) * DAY);
    if case.now >= due {
        Expected::Return(due, remind)
    } else if remind.is_some_and(|r| case.now >= r) {
        Expected::Remind(due, remind)
    } else {
        Expected::Keep(Some((due, remind)))
    }
}

fn actual(case: &Case) -> Expected {
    let mut policy = RecyclePolicy::<Territory>::new(pool(), ObjectKind::Account);
    let limits = |f: Option<u32>, d: Option<u32>| Limits {
        no_follow_up_days: f,
        no_deal_days: d,
    };
    for (level, f, d) in &case.levels {
        policy.levels.insert(LEVELS[*level].into(), limits(*f, *d));
    }
    policy.others = case.others.map(|(f, d)| limits(f, d));
    policy.remind_days_before = case.remind;
    policy.exclude.open_opportunity = case.exclude_open;
    policy.exclude.locked = case.exclude_locked;
    let mut facts = FactMap::new()
        .with("open_opportunities", case.open)
        .with("locked", case.locked);
    if let Some(level) = case.level {
        facts.set("level", ["A", "B", "C", "Z"][level]);
    }
    for (field, value) in [
        ("last_activity_at", case.last_activity),
        ("owned_since", case.owned),
        ("created_at", case.created),
        ("last_won_at", case.last_won),
    ] {
        facts.set(field, value.map(at));
    }
    let secs = |t: DateTime<Utc>| t.timestamp() - 1_767_225_600;
    let instants = |d: &Deadline| (secs(d.due), d.remind_at.map(secs));
    match policy.evaluate(&facts, at(case.now)) {
        Decision::Excluded { .. } => Expected::Excluded,
        Decision::Keep { deadline } => Expected::Keep(deadline.as_ref().map(instants)),
        Decision::Remind { deadline } => {
            let (due, remind) = instants(&deadline);
            Expected::Remind(due, remind)
        }
        Decision::Return {
            deadline, reason, ..
        } => {
            assert_eq!(reason, deadline.reason);
            let (due, remind) = instants(&deadline);
            Expected::Return(due, remind)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn evaluate_equals_a_naive_reference(case in case()) {
        prop_assert_eq!(actual(&case), naive(&case), "{:?}", case);
    }
}
