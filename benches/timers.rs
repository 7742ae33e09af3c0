//! Timer speed: what `Crm::tick` costs with a million timers waiting.
//!
//! A SQLite file holds 1,000,000 armed timers due next year and 100 accounts whose
//! "two quiet weeks" timer is due now.
//!
//! - `tick/nothing_due`: a tick when nothing is due — it must not depend on how many
//!   timers wait (no polling over records or timers).
//! - `tick/fire_100`: a tick that fires the 100 due timers, each in its own transaction
//!   that performs the rule (a notification in the outbox) and records the firing.

// criterion_group! generates a public function that cannot carry a doc comment.
#![allow(missing_docs)]

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use std::time::Instant;

use criterion::{Criterion, criterion_group, criterion_main};
use crm::automation::Firing;
use crm::clock::ManualClock;
use crm::core::automation::Timer;
use crm::core::store::ReadStore;
use crm::id::TenantId;
use crm::model::{Account, Activity, ActivityKind};
use crm::query::{Predicate, Query};
use crm::rules::RuleBook;
use crm::value::CompanyName;
use crm::{Actor, Crm, ObjectKind};
use tokio::runtime::Runtime;
use uuid::Uuid;

const WAITING: usize = 1_000_000;
const DUE: usize = 100;

const RULES: &str = r#"{ "schema": 1, "rules": [
  { "id": "quiet", "object": "account",
    "trigger": { "on": "time", "field": "last_activity_at", "offset": "+14 days" },
    "actions": [{ "do": "notify", "to": ["owner"], "template": "account.quiet" }] }
] }"#;

fn admin() -> Actor {
    Actor::system(TenantId(Uuid::from_u128(3)))
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap()
}

/// The engine over a SQLite file with the timers described above; and the due ones.
async fn world(path: &std::path::Path) -> (Crm, Vec<crm::Record<Timer>>) {
    let clock = Arc::new(ManualClock::new(start()));
    let crm = Crm::open(&format!("sqlite://{}", path.display()))
        .await
        .unwrap()
        .with_clock(clock);
    crm.install_rules(&admin(), RuleBook::from_json(RULES).unwrap())
        .await
        .unwrap();
    let next_year = start() + Duration::days(365);
    for chunk in 0..WAITING / 10_000 {
        let mut uow = crm.begin(&admin()).await.unwrap();
        let timers = (0..10_000)
            .map(|i| {
                let record = Uuid::from_u128((chunk * 10_000 + i) as u128 + 1_000_000);
                let due = next_year + Duration::seconds(i as i64);
                Timer::for_record("quiet", ObjectKind::Account, record, due)
            })
            .collect();
        uow.create_many(None, timers).await.unwrap();
        uow.commit().await.unwrap();
    }
    let mut uow = crm.begin(&admin()).await.unwrap();
    for i in 0..DUE {
        let name = CompanyName::parse(&format!("测试{i}号科技有限公司")).unwrap();
        let account = uow.create(Account::new(name)).await.unwrap();
        let mut visit = Activity::new(ActivityKind::Visit, "拜访");
        visit.account_id = Some(account.id);
        visit.done_at = Some(start());
        uow.create(visit).await.unwrap();
    }
    uow.commit().await.unwrap();
    crm.optimize().await.unwrap();
    let due = Query::filter(Predicate::le("due_at", start() + Duration::days(14))).unpaged();
    let reader: &dyn ReadStore = crm.store().as_ref();
    let timers = reader.list::<Timer>(admin().tenant, &due).await.unwrap();
    assert_eq!(timers.len(), DUE);
    (crm, timers)
}

fn tick(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (crm, due) = rt.block_on(world(&dir.path().join("timers.db")));
    let when = start() + Duration::days(15);
    let mut group = c.benchmark_group("tick");
    group.sample_size(20);
    group.bench_function("nothing_due", |b| {
        b.to_async(&rt)
            .iter(|| async { crm.tick(&admin(), start()).await.unwrap() })
    });
    group.bench_function("fire_100", |b| {
        // Only the tick is timed; re-arming the hundred timers between runs is not.
        b.to_async(&rt).iter_custom(|iters| {
            let (crm, due) = (&crm, &due);
            async move {
                let mut timed = std::time::Duration::ZERO;
                for _ in 0..iters {
                    let mut uow = crm.begin(&admin()).await.unwrap();
                    for timer in due {
                        let mut current = uow.get::<Timer>(timer.id).await.unwrap();
                        current.data.due_at = timer.data.due_at;
                        uow.update(current).await.unwrap();
                    }
                    uow.commit().await.unwrap();
                    let started = Instant::now();
                    let fired: Vec<Firing> = crm.tick(&admin(), when).await.unwrap().fired;
                    timed += started.elapsed();
                    assert_eq!(fired.len(), DUE);
                }
                timed
            }
        })
    });
    group.finish();
}

criterion_group!(benches, tick);
criterion_main!(benches);
