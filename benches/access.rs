//! Access control speed.
//!
//! - `access_check/roles/{10,100,1000}`: one [`Directory::check`] of reading an account, the
//!   acting manager holding every one of the tenant's roles, over accounts owned across a
//!   200-user manager tree. It should stay flat as roles grow (goal: p50 ≤ 300 ns).
//! - `access_list/{rep,manager,director}_page` and `access_count/...`: a 50-row page of
//!   accounts sorted by `updated_at` descending, and the count of all, through the facade
//!   over 100,000 accounts in a SQLite file owned by 200 users; the access plan is part of
//!   the store's `WHERE` (goals: page p95 ≤ 10 ms, count p50 ≤ 10 ms).
//!
//! p50 and p95 are printed before criterion's runs.

// criterion_group! generates a public function that cannot carry a doc comment.
#![allow(missing_docs)]

use std::time::Instant;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use crm::core::access::{Action, Directory, Role, RoleAssignment, Scope};
use crm::id::{AccountId, DepartmentId, RoleAssignmentId, RoleId, TenantId, UserId};
use crm::model::{Account, Department, User};
use crm::query::{Query, Sort};
use crm::record::Row;
use crm::value::{CompanyName, PersonName};
use crm::{Actor, Crm, ObjectKind, Record};
use tokio::runtime::Runtime;
use uuid::Uuid;

const MANAGERS: usize = 10;
const REPS_PER_MANAGER: usize = 19;
const ACCOUNTS: usize = 100_000;

fn tenant() -> TenantId {
    TenantId(Uuid::from_u128(1))
}

fn system() -> Actor {
    Actor::system(tenant())
}

fn person(i: usize) -> PersonName {
    PersonName::parse(&format!("销售{i}")).unwrap()
}

/// p50 and p95 of `samples` (nanoseconds), as `label` says.
fn report_percentiles(label: &str, mut samples: Vec<f64>) {
    samples.sort_by(f64::total_cmp);
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q) as usize];
    let show = |ns: f64| match ns {
        ns if ns < 10_000.0 => format!("{ns:.0} ns"),
        ns => format!("{:.2} ms", ns / 1e6),
    };
    eprintln!(
        "{label}: p50 {}, p95 {} over {} samples",
        show(at(0.5)),
        show(at(0.95)),
        samples.len()
    );
}

/// The org of the check bench: a director, managers each with a department under 销售部,
/// and their reps; every user holds `roles` roles of varied kinds, actions and scopes.
struct CheckOrg {
    directory: Directory,
    manager: Actor,
    rows: Vec<Row>,
}

fn check_org(roles: usize) -> CheckOrg {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
    let mut next = 0u128;
    let mut id = || {
        next += 1;
        Uuid::from_u128(next)
    };
    let sales = DepartmentId(id());
    let mut departments = vec![Record::new(
        sales,
        tenant(),
        None,
        now,
        Department {
            name: "销售部".into(),
            parent: None,
        },
    )];
    let director = UserId(id());
    let mut users = vec![Record::new(director, tenant(), None, now, {
        let mut u = User::new(person(0));
        u.department_id = Some(sales);
        u
    })];
    for m in 0..MANAGERS {
        let department = DepartmentId(id());
        departments.push(Record::new(
            department,
            tenant(),
            None,
            now,
            Department {
                name: format!("大区{m}"),
                parent: Some(sales),
            },
        ));
        let manager = UserId(id());
        let mut user = User::new(person(users.len()));
        user.department_id = Some(department);
        user.manager_id = Some(director);
        users.push(Record::new(manager, tenant(), None, now, user));
        for _ in 0..REPS_PER_MANAGER {
            let mut user = User::new(person(users.len()));
            user.department_id = Some(department);
            user.manager_id = Some(manager);
            users.push(Record::new(UserId(id()), tenant(), None, now, user));
        }
    }
    let kinds = [
        ObjectKind::Account,
        ObjectKind::Contact,
        ObjectKind::Lead,
        ObjectKind::Opportunity,
        ObjectKind::Activity,
    ];
    let scopes = [
        Scope::Own,
        Scope::OwnAndSubordinates,
        Scope::Team,
        Scope::Department,
        Scope::DepartmentAndBelow,
    ];
    let roles: Vec<Record<Role>> = (0..roles)
        .map(|i| {
            let role = Role::new(&format!("角色{i}")).grant(
                kinds[i % kinds.len()],
                [Action::Read, Action::Update],
                scopes[(i / kinds.len()) % scopes.len()].clone(),
            );
            Record::new(RoleId(id()), tenant(), None, now, role)
        })
        .collect();
    let mut assignments = Vec::new();
    for user in &users {
        for role in &roles {
            let assignment = RoleAssignment {
                user: user.id,
                role: role.id,
            };
            assignments.push(Record::new(
                RoleAssignmentId(id()),
                tenant(),
                None,
                now,
                assignment,
            ));
        }
    }
    let directory = Directory::builder(tenant())
        .users(&users)
        .departments(&departments)
        .roles(&roles)
        .assignments(&assignments)
        .build()
        .unwrap();
    let name = CompanyName::parse("北京华为技术有限公司").unwrap();
    let rows = (0..1024)
        .map(|i| {
            let owner = users[(i * 7) % users.len()].id;
            Record::new(
                AccountId(id()),
                tenant(),
                Some(owner),
                now,
                Account::new(name.clone()),
            )
            .to_row()
            .unwrap()
        })
        .collect();
    CheckOrg {
        directory,
        manager: Actor::user(tenant(), users[1].id),
        rows,
    }
}

fn check(c: &mut Criterion) {
    let now = Utc.with_ymd_and_hms(2026, 3, 2, 2, 0, 0).unwrap();
    let mut group = c.benchmark_group("access_check/roles");
    for roles in [10, 100, 1000] {
        let org = check_org(roles);
        let probe = |i: usize| {
            let row = &org.rows[i % org.rows.len()];
            org.directory.check(&org.manager, Action::Read, row, now)
        };
        // One check is too short to time alone: time runs of 1,000 and take the mean.
        let samples = (0..2_000)
            .map(|run| {
                let started = Instant::now();
                for i in 0..1_000 {
                    std::hint::black_box(probe(run + i));
                }
                started.elapsed().as_nanos() as f64 / 1_000.0
            })
            .collect();
        report_percentiles(&format!("access_check/roles/{roles}"), samples);
        let mut i = 0;
        group.bench_function(roles.to_string(), |b| {
            b.iter(|| {
                i += 1;
                probe(i)
            })
        });
    }
    group.finish();
}

/// The list bench's data in a SQLite file: a director, 10 managers reporting to them and
/// 190 reps, 500 accounts each; reps read their own, managers and the director their own
/// and their reports'.
struct ListOrg {
    crm: Crm,
    rep: Actor,
    manager: Actor,
    director: Actor,
    _dir: tempfile::TempDir,
}

async fn list_org() -> ListOrg {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("access.db").display());
    let crm = Crm::open(&url).await.unwrap();
    let director = crm
        .users()
        .create(&system(), User::new(person(0)))
        .await
        .unwrap()
        .id;
    let managers: Vec<User> = (0..MANAGERS)
        .map(|m| {
            let mut user = User::new(person(1 + m));
            user.manager_id = Some(director);
            user
        })
        .collect();
    let managers = crm
        .users()
        .create_many(&system(), None, managers)
        .await
        .unwrap();
    let reps: Vec<User> = (0..MANAGERS * REPS_PER_MANAGER)
        .map(|r| {
            let mut user = User::new(person(100 + r));
            user.manager_id = Some(managers[r % MANAGERS].id);
            user
        })
        .collect();
    let reps = crm
        .users()
        .create_many(&system(), None, reps)
        .await
        .unwrap();
    let kind = ObjectKind::Account;
    for (role, holders) in [
        (
            Role::new("销售").grant(kind, [Action::Read], Scope::Own),
            reps.iter().map(|r| r.id).collect::<Vec<_>>(),
        ),
        (
            Role::new("经理").grant(kind, [Action::Read], Scope::OwnAndSubordinates),
            managers
                .iter()
                .map(|m| m.id)
                .chain([director])
                .collect::<Vec<_>>(),
        ),
    ] {
        let role = crm
            .records::<Role>()
            .create(&system(), role)
            .await
            .unwrap()
            .id;
        let assignments = holders
            .into_iter()
            .map(|user| RoleAssignment { user, role })
            .collect();
        crm.records::<RoleAssignment>()
            .create_many(&system(), None, assignments)
            .await
            .unwrap();
    }
    let owners: Vec<UserId> = std::iter::once(director)
        .chain(managers.iter().map(|m| m.id))
        .chain(reps.iter().map(|r| r.id))
        .collect();
    let per_owner = ACCOUNTS / owners.len();
    for (o, owner) in owners.iter().enumerate() {
        let accounts = (0..per_owner)
            .map(|i| {
                let name = format!("客户{o}号{i}科技有限公司");
                Account::new(CompanyName::parse(&name).unwrap())
            })
            .collect();
        crm.accounts()
            .create_many(&system(), Some(*owner), accounts)
            .await
            .unwrap();
    }
    // After a bulk load, as the import does: statistics for the access plan's index lookups.
    crm.optimize().await.unwrap();
    ListOrg {
        crm,
        rep: Actor::user(tenant(), reps[0].id),
        manager: Actor::user(tenant(), managers[0].id),
        director: Actor::user(tenant(), director),
        _dir: dir,
    }
}

fn page() -> Query {
    Query::default().sort(Sort::desc("updated_at")).limit(50)
}

fn list(c: &mut Criterion) {
    let rt = Runtime::new().unwrap();
    let started = Instant::now();
    let org = rt.block_on(list_org());
    eprintln!(
        "access_list: {ACCOUNTS} accounts of {} users loaded in {:.1} s",
        1 + MANAGERS * (1 + REPS_PER_MANAGER),
        started.elapsed().as_secs_f64()
    );
    let accounts = org.crm.accounts();
    let cases = [
        ("rep", org.rep),
        ("manager", org.manager),
        ("director", org.director),
    ];
    for (who, actor) in cases {
        let (listed, counted) = rt.block_on(async {
            let listed = accounts.list(&actor, &page()).await.unwrap().len();
            (
                listed,
                accounts.count(&actor, &Query::default()).await.unwrap(),
            )
        });
        eprintln!("access_list/{who}: page of {listed}, count {counted}");
        let mut pages = Vec::new();
        let mut counts = Vec::new();
        rt.block_on(async {
            for _ in 0..200 {
                let started = Instant::now();
                std::hint::black_box(accounts.list(&actor, &page()).await.unwrap());
                pages.push(started.elapsed().as_nanos() as f64);
                let started = Instant::now();
                std::hint::black_box(accounts.count(&actor, &Query::default()).await.unwrap());
                counts.push(started.elapsed().as_nanos() as f64);
            }
        });
        report_percentiles(&format!("access_list/{who}_page"), pages);
        report_percentiles(&format!("access_count/{who}"), counts);
    }
    let mut group = c.benchmark_group("access_list");
    group.sample_size(50);
    for (who, actor) in cases {
        group.bench_function(format!("{who}_page"), |b| {
            b.to_async(&rt)
                .iter(|| async { accounts.list(&actor, &page()).await.unwrap() })
        });
    }
    group.finish();
    let mut group = c.benchmark_group("access_count");
    group.sample_size(50);
    for (who, actor) in cases {
        group.bench_function(who, |b| {
            b.to_async(&rt)
                .iter(|| async { accounts.count(&actor, &Query::default()).await.unwrap() })
        });
    }
    group.finish();
}

criterion_group!(benches, check, list);
criterion_main!(benches);
