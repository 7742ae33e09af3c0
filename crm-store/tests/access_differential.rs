//! Access plans run by the stores: for random worlds (org charts, roles with random scopes,
//! shares expiring around `now`, records with and without owners), the plan of every actor,
//! action and kind — compiled to SQL and run in SQLite, and run by the memory store — selects
//! exactly the records the naive reference model allows.
//!
//! At least 100,000 (actor, action, record) comparisons per store by default;
//! `CRM_ACCESS_CASES` asks for more.

use std::collections::HashSet;
use std::sync::Arc;

use crm_core::access::Action;
use crm_core::access::testing::{KINDS, World, world};
use crm_core::query::Query;
use crm_core::store::Store;
use crm_store::{MemoryStore, SqlStore};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use tokio::runtime::Runtime;
use uuid::Uuid;

fn target_cases() -> u64 {
    std::env::var("CRM_ACCESS_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000)
}

/// The fewest comparisons a world yields: 6 actors, 8 actions, 30 records.
const MIN_TRIPLES_PER_WORLD: u64 = 6 * Action::COUNT as u64 * 30;

/// Stores `world` in `store` and compares, for every actor, action and kind, the records
/// the store lists and counts under the plan with the reference model. Returns the
/// comparisons made.
fn compare(rt: &Runtime, store: Arc<dyn Store>, world: &World) -> Result<u64, TestCaseError> {
    rt.block_on(async {
        let mut tx = store.begin().await.unwrap();
        tx.insert_rows(&world.stored_rows()).await.unwrap();
        tx.commit().await.unwrap();
    });
    let directory = world.directory();
    let mut compared = 0;
    for actor in world.actors() {
        for action in Action::ALL {
            for kind in KINDS {
                let plan = directory.plan(&actor, action, kind, world.now);
                let query = Query::filter(plan.clone().into_predicate()).unpaged();
                let listed: HashSet<Uuid> = rt
                    .block_on(store.list_rows(kind, world.tenant, &query))
                    .map_err(|e| TestCaseError::fail(format!("{e} for {plan:?}")))?
                    .into_iter()
                    .map(|r| r.id)
                    .collect();
                // Counting takes its own path (a disjunction is summed as disjoint terms).
                let counted = rt
                    .block_on(store.count_rows(kind, world.tenant, &query))
                    .map_err(|e| TestCaseError::fail(format!("{e} for {plan:?}")))?;
                let allowed = world
                    .records
                    .iter()
                    .filter(|r| r.kind == kind && world.reference_allows(&actor, action, r))
                    .count();
                prop_assert_eq!(counted, allowed as u64, "count for {:?}", plan);
                for row in world.records.iter().filter(|r| r.kind == kind) {
                    let expected = world.reference_allows(&actor, action, row);
                    prop_assert_eq!(
                        listed.contains(&row.id),
                        expected,
                        "{:?} {} {:?} {}: {:?}",
                        actor.principal,
                        action,
                        kind,
                        row.id,
                        plan
                    );
                    compared += 1;
                }
            }
        }
    }
    Ok(compared)
}

fn run_against(make: impl Fn(&Runtime) -> Arc<dyn Store>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let target = target_cases();
    let mut runner = TestRunner::new(Config {
        cases: target.div_ceil(MIN_TRIPLES_PER_WORLD) as u32,
        ..Config::default()
    });
    let compared = std::cell::Cell::new(0);
    runner
        .run(&world(), |w| {
            compared.set(compared.get() + compare(&rt, make(&rt), &w)?);
            Ok(())
        })
        .unwrap();
    eprintln!(
        "the store agrees with the reference on {} triples",
        compared.get()
    );
    assert!(compared.get() >= target, "{} comparisons", compared.get());
}

#[test]
fn sqlite_lists_what_the_reference_model_allows() {
    run_against(|rt| Arc::new(rt.block_on(SqlStore::open_sqlite(":memory:")).unwrap()));
}

#[test]
fn the_memory_store_lists_what_the_reference_model_allows() {
    run_against(|_| Arc::new(MemoryStore::new()));
}
