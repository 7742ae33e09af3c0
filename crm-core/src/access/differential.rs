//! The heart of the access tests: over random worlds, the fast [`Directory::check`], the
//! [`Directory::plan`] predicate run by the in-memory query interpreter over the stored
//! rows, and the naive reference model give the same answer for every actor, action and
//! record.
//!
//! One generated world is checked against every (actor, action, record) triple, so the
//! default run makes over 100,000 comparisons; `CRM_ACCESS_CASES` asks for more.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

use proptest::test_runner::{Config, TestCaseError, TestRunner};

use super::testing::{KINDS, World, world};
use super::{Action, Plan, Reason, ScopeKind};
use crate::query::{NoRows, Predicate};

/// Comparisons to make at least; `CRM_ACCESS_CASES` raises it (e.g. to 1,000,000).
fn target_cases() -> u64 {
    std::env::var("CRM_ACCESS_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// The fewest triples a world yields: 4 users + a stranger + the system, 8 actions, 30
/// records.
const MIN_TRIPLES_PER_WORLD: u64 = 6 * Action::COUNT as u64 * 30;

/// The most leaves a plan has, whatever the world: one per scope kind, the custom scopes
/// of the generated roles, and the share test.
const MAX_PLAN_LEAVES: usize = 24;

/// A predicate's leaf count (sub-select filters included) and its longest `IN` list.
fn shape(p: &Predicate) -> (usize, usize) {
    match p {
        Predicate::And { all: parts } | Predicate::Or { any: parts } => parts
            .iter()
            .map(shape)
            .fold((0, 0), |(n, l), (pn, pl)| (n + pn, l.max(pl))),
        Predicate::Not { not } => shape(not),
        Predicate::InSelect { filter, .. } => {
            let (n, l) = shape(filter);
            (n + 1, l)
        }
        Predicate::In { values, .. } => (1, values.len()),
        _ => (1, 0),
    }
}

/// Compares the three interpreters on every triple of `world`; counts decisions by reason.
fn compare(world: &World, reasons: &mut HashMap<String, u64>) -> Result<u64, TestCaseError> {
    let directory = world.directory();
    let rows = world.stored_rows();
    let source = rows.as_slice();
    let mut compared = 0;
    for actor in world.actors() {
        for action in Action::ALL {
            for kind in KINDS {
                let plan = directory.plan(&actor, action, kind, world.now);
                if let Plan::Conditional(p) = &plan {
                    let (leaves, longest_list) = shape(p);
                    proptest::prop_assert!(
                        leaves <= MAX_PLAN_LEAVES && longest_list <= 2,
                        "a plan that grows with the data: {:?}",
                        p
                    );
                }
                let bound = match &plan {
                    Plan::Conditional(p) => Some(
                        p.resolve(kind)
                            .map_err(|e| TestCaseError::fail(format!("{e}: {p:?}")))?
                            .bind(&source),
                    ),
                    _ => None,
                };
                for row in world.records.iter().filter(|r| r.kind == kind) {
                    let expected = world.reference_allows(&actor, action, row);
                    let decision = directory.check(&actor, action, row, world.now);
                    let planned = match (&plan, &bound) {
                        (Plan::AlwaysAllowed, _) => true,
                        (Plan::Conditional(_), Some(condition)) => condition.matches(row, &NoRows),
                        _ => false,
                    };
                    proptest::prop_assert_eq!(
                        decision.allowed,
                        expected,
                        "check of {:?} {} {:?} {}: {:?}",
                        actor.principal,
                        action,
                        row.kind,
                        row.id,
                        decision.reason
                    );
                    proptest::prop_assert_eq!(
                        planned,
                        expected,
                        "plan of {:?} {} {:?} {}: {:?}",
                        actor.principal,
                        action,
                        row.kind,
                        row.id,
                        plan
                    );
                    *reasons.entry(format!("{:?}", decision.reason)).or_default() += 1;
                    compared += 1;
                }
            }
        }
    }
    Ok(compared)
}

#[test]
fn check_plan_and_the_reference_model_agree() {
    let target = target_cases();
    let mut runner = TestRunner::new(Config {
        cases: target.div_ceil(MIN_TRIPLES_PER_WORLD) as u32,
        ..Config::default()
    });
    let compared = Cell::new(0);
    let reasons = RefCell::new(HashMap::new());
    runner
        .run(&world(), |w| {
            compared.set(compared.get() + compare(&w, &mut reasons.borrow_mut())?);
            Ok(())
        })
        .unwrap();
    let (compared, reasons) = (compared.get(), reasons.into_inner());
    eprintln!("check, plan and reference agree on {compared} (actor, action, record) triples");
    assert!(
        compared >= target,
        "{compared} comparisons, wanted {target}"
    );
    // Every rule must have decided some cases, or agreement proves little about it.
    let scopes = [
        ScopeKind::Own,
        ScopeKind::OwnAndSubordinates,
        ScopeKind::Team,
        ScopeKind::Department,
        ScopeKind::DepartmentAndBelow,
        ScopeKind::All,
        ScopeKind::Matching,
    ];
    let expected_reasons = scopes
        .map(Reason::Scope)
        .into_iter()
        .chain([
            Reason::System,
            Reason::UnknownUser,
            Reason::InactiveUser,
            Reason::NotGranted,
            Reason::OutOfScope,
        ])
        .map(|r| format!("{r:?}"))
        .chain(["Shared".to_owned()]);
    for reason in expected_reasons {
        let seen: u64 = reasons
            .iter()
            .filter(|(k, _)| k.starts_with(&reason))
            .map(|(_, n)| n)
            .sum();
        assert!(seen > 0, "no decision for {reason}: {reasons:?}");
    }
}
