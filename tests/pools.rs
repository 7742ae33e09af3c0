//! Public pools through the facade, on the in-memory store and a SQLite file: the daily
//! limit, the previous owner's cool-down, the cap on owned accounts, registrations,
//! distribution by admins, return with a reason, and the daily limit under concurrent
//! claims.

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crm::clock::{Clock, ManualClock};
use crm::core::access::{
    Action, ClaimRules, Pool, PoolClaim, PoolEntry, Registration, Role, RoleAssignment, Scope,
};
use crm::id::{AccountId, DepartmentId, PoolId, TenantId, UserId};
use crm::model::{Account, Department, User};
use crm::query::{Predicate, Query};
use crm::value::{CompanyName, PersonName};
use crm::{Actor, Crm, Error, ErrorKind, ObjectKind};
use tempfile::TempDir;
use uuid::Uuid;

fn tenant() -> TenantId {
    TenantId(Uuid::from_u128(7))
}

fn system() -> Actor {
    Actor::system(tenant())
}

fn as_user(user: UserId) -> Actor {
    Actor::user(tenant(), user)
}

/// 2026-03-02 09:00 in Beijing.
fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap()
}

/// The memory store, and a SQLite file (WAL, writes under `BEGIN IMMEDIATE`) in a
/// directory that lives as long as the returned guard.
fn stores() -> Vec<(String, Option<TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let file = format!("sqlite://{}", dir.path().join("pools.db").display());
    vec![("memory://".into(), None), (file, Some(dir))]
}

/// ```text
/// 销售部
/// └── 华东: manager, rep1, rep2 (reports of manager); the pool's department
/// 华南: outsider
/// admin: no department, the pool's admin
/// ```
/// Reps, the manager and the outsider read, update and transfer their own accounts and
/// claim unowned ones; `bystander` (in 华东) has no role at all.
struct Org {
    crm: Crm,
    clock: Arc<ManualClock>,
    admin: UserId,
    manager: UserId,
    rep1: UserId,
    rep2: UserId,
    outsider: UserId,
    bystander: UserId,
    pool: PoolId,
}

impl Org {
    async fn new(url: &str, rules: ClaimRules) -> Org {
        let clock = Arc::new(ManualClock::new(start()));
        let crm = Crm::open(url).await.unwrap().with_clock(clock.clone());
        let department = async |name: &str, parent: Option<DepartmentId>| {
            let department = Department {
                name: name.into(),
                parent,
            };
            crm.departments()
                .create(&system(), department)
                .await
                .unwrap()
                .id
        };
        let sales = department("销售部", None).await;
        let east = department("华东", Some(sales)).await;
        let south = department("华南", Some(sales)).await;
        let user = async |name: &str, department_id, manager_id| {
            let mut user = User::new(PersonName::parse(name).unwrap());
            user.department_id = department_id;
            user.manager_id = manager_id;
            crm.users().create(&system(), user).await.unwrap().id
        };
        let admin = user("赵管理", None, None).await;
        let manager = user("孙经理", Some(east), None).await;
        let rep1 = user("李娜", Some(east), Some(manager)).await;
        let rep2 = user("王芳", Some(east), Some(manager)).await;
        let outsider = user("陈华南", Some(south), None).await;
        let bystander = user("刘旁观", Some(east), None).await;
        let kind = ObjectKind::Account;
        let role = Role::new("销售代表")
            .grant(
                kind,
                [Action::Read, Action::Update, Action::Transfer],
                Scope::Own,
            )
            .grant(
                kind,
                [Action::Claim],
                Scope::Matching {
                    predicate: Predicate::is_null("owner"),
                },
            );
        let role = crm
            .records::<Role>()
            .create(&system(), role)
            .await
            .unwrap()
            .id;
        for user in [admin, manager, rep1, rep2, outsider] {
            crm.records::<RoleAssignment>()
                .create(&system(), RoleAssignment { user, role })
                .await
                .unwrap();
        }
        let pool = Pool {
            name: "华东公海".into(),
            object: kind,
            users: Default::default(),
            departments: [east].into(),
            admins: [admin].into(),
            rules,
        };
        let pool = crm
            .records::<Pool>()
            .create(&system(), pool)
            .await
            .unwrap()
            .id;
        Org {
            crm,
            clock,
            admin,
            manager,
            rep1,
            rep2,
            outsider,
            bystander,
            pool,
        }
    }

    /// `n` new accounts in the pool, unowned.
    async fn pooled(&self, n: usize) -> Vec<AccountId> {
        let names = (0..n)
            .map(|i| Account::new(CompanyName::parse(&format!("公海{i}号科技有限公司")).unwrap()))
            .collect();
        let created = self
            .crm
            .accounts()
            .create_many(&system(), None, names)
            .await
            .unwrap();
        let mut ids = Vec::with_capacity(n);
        for account in created {
            self.crm
                .return_to_pool(&system(), account.id, self.pool, None)
                .await
                .unwrap();
            ids.push(account.id);
        }
        ids
    }

    /// A new account owned by `owner`, outside any pool.
    async fn owned_by(&self, owner: UserId, name: &str) -> AccountId {
        let account = Account::new(CompanyName::parse(name).unwrap());
        self.crm
            .accounts()
            .create_owned(&system(), Some(owner), account)
            .await
            .unwrap()
            .id
    }

    async fn claim(&self, user: UserId, account: AccountId) -> crm::Result<UserId> {
        let claimed = self.crm.claim(&as_user(user), self.pool, account).await?;
        Ok(claimed.meta.owner.expect("a claimed account has an owner"))
    }

    async fn owner(&self, account: AccountId) -> Option<UserId> {
        let record = self.crm.accounts().get(&system(), account).await.unwrap();
        record.meta.owner
    }
}

/// The refusal's kind and message, which must name `words`.
fn refused(result: crm::Result<UserId>, kind: ErrorKind, words: &str) {
    let err = result.expect_err("refused");
    assert_eq!(err.kind(), kind, "{err}");
    assert!(
        err.to_string().contains(words),
        "{err} should say {words:?}"
    );
}

fn daily(limit: u32) -> ClaimRules {
    ClaimRules {
        daily_claims: Some(limit),
        ..ClaimRules::default()
    }
}

#[tokio::test]
async fn the_daily_limit_counts_claims_of_the_local_day_only() {
    for (url, _dir) in stores() {
        let org = Org::new(&url, daily(2)).await;
        let accounts = org.pooled(5).await;
        assert_eq!(org.claim(org.rep1, accounts[0]).await.unwrap(), org.rep1);
        assert_eq!(org.owner(accounts[0]).await, Some(org.rep1));
        org.claim(org.rep1, accounts[1]).await.unwrap();
        refused(
            org.claim(org.rep1, accounts[2]).await,
            ErrorKind::PermissionDenied,
            "daily limit of 2 claims reached",
        );
        assert_eq!(
            org.owner(accounts[2]).await,
            None,
            "a refusal changes nothing"
        );
        // Another rep has a limit of their own; a distribution counts against nobody's.
        org.claim(org.rep2, accounts[2]).await.unwrap();
        org.crm
            .distribute(&as_user(org.admin), org.pool, accounts[3], org.rep2)
            .await
            .unwrap();
        org.claim(org.rep2, accounts[4]).await.unwrap();
        // 23:59:59 in Beijing is still the same day; midnight starts the next.
        let accounts = org.pooled(2).await;
        org.clock
            .set(Utc.with_ymd_and_hms(2026, 3, 2, 15, 59, 59).unwrap());
        refused(
            org.claim(org.rep1, accounts[0]).await,
            ErrorKind::PermissionDenied,
            "daily limit",
        );
        org.clock.advance(Duration::seconds(1));
        org.claim(org.rep1, accounts[0]).await.unwrap();
    }
}

#[tokio::test]
async fn the_previous_owner_waits_out_the_cool_down_and_others_do_not() {
    let rules = ClaimRules {
        reclaim_cooldown_hours: Some(48),
        ..ClaimRules::default()
    };
    for (url, _dir) in stores() {
        let org = Org::new(&url, rules).await;
        let account = org.owned_by(org.rep1, "北京华为技术有限公司").await;
        org.crm
            .return_to_pool(&as_user(org.rep1), account, org.pool, Some("无意向".into()))
            .await
            .unwrap();
        let given_up = org.clock.now();
        org.clock.advance(Duration::hours(47));
        let until = (given_up + Duration::hours(48)).to_rfc3339();
        refused(
            org.claim(org.rep1, account).await,
            ErrorKind::PermissionDenied,
            &format!("may be claimed back from {until}"),
        );
        // The cool-down outlives the entry: claimed and returned by another, the record
        // still cools down for its earlier owner.
        org.claim(org.rep2, account).await.unwrap();
        org.crm
            .return_to_pool(&as_user(org.rep2), account, org.pool, None)
            .await
            .unwrap();
        refused(
            org.claim(org.rep1, account).await,
            ErrorKind::PermissionDenied,
            "given up recently",
        );
        org.clock.advance(Duration::hours(1));
        org.claim(org.rep1, account).await.unwrap();
    }
}

#[tokio::test]
async fn the_cap_on_owned_accounts_holds_for_claims_and_distributions() {
    let rules = ClaimRules {
        max_owned: Some(2),
        ..ClaimRules::default()
    };
    for (url, _dir) in stores() {
        let org = Org::new(&url, rules).await;
        let accounts = org.pooled(3).await;
        org.owned_by(org.rep1, "北京华为技术有限公司").await;
        org.claim(org.rep1, accounts[0]).await.unwrap();
        refused(
            org.claim(org.rep1, accounts[1]).await,
            ErrorKind::PermissionDenied,
            "already owns the most allowed (2)",
        );
        let distributed = org
            .crm
            .distribute(&as_user(org.admin), org.pool, accounts[1], org.rep1)
            .await
            .map(|r| r.meta.owner.unwrap());
        refused(distributed, ErrorKind::PermissionDenied, "most allowed (2)");
        // Giving one back makes room.
        org.crm
            .return_to_pool(&as_user(org.rep1), accounts[0], org.pool, None)
            .await
            .unwrap();
        org.claim(org.rep1, accounts[2]).await.unwrap();
    }
}

#[tokio::test]
async fn a_registration_protects_the_account_from_other_reps_for_its_days() {
    for (url, _dir) in stores() {
        let org = Org::new(&url, ClaimRules::default()).await;
        let accounts = org.pooled(2).await;
        for (account, needs_approval) in [(accounts[0], false), (accounts[1], true)] {
            let registration = Registration::new(
                ObjectKind::Account,
                account.0,
                org.rep2,
                org.clock.now(),
                7,
                needs_approval,
            );
            org.crm
                .records::<Registration>()
                .create(&system(), registration)
                .await
                .unwrap();
        }
        org.clock.advance(Duration::days(7) - Duration::seconds(1));
        refused(
            org.claim(org.rep1, accounts[0]).await,
            ErrorKind::PermissionDenied,
            &format!("registered by user {}", org.rep2),
        );
        // A registration waiting for approval protects nothing.
        org.claim(org.rep1, accounts[1]).await.unwrap();
        org.clock.advance(Duration::seconds(1));
        org.claim(org.rep1, accounts[0]).await.unwrap();

        // The registrant claims while protected.
        let account = org.pooled(1).await[0];
        let registration = Registration::new(
            ObjectKind::Account,
            account.0,
            org.rep2,
            org.clock.now(),
            7,
            false,
        );
        org.crm
            .records::<Registration>()
            .create(&system(), registration)
            .await
            .unwrap();
        assert_eq!(org.claim(org.rep2, account).await.unwrap(), org.rep2);
    }
}

#[tokio::test]
async fn admins_distribute_and_others_may_not() {
    for (url, _dir) in stores() {
        let org = Org::new(&url, daily(1)).await;
        let accounts = org.pooled(2).await;
        let handed = org
            .crm
            .distribute(&as_user(org.admin), org.pool, accounts[0], org.rep1)
            .await
            .unwrap();
        assert_eq!(handed.meta.owner, Some(org.rep1));
        let claims = org
            .crm
            .records::<PoolClaim>()
            .list(&system(), &Query::default())
            .await
            .unwrap();
        assert_eq!(claims.len(), 1);
        assert_eq!(claims[0].data.user, org.rep1);
        assert_eq!(claims[0].data.distributed_by, Some(org.admin));
        assert_eq!(claims[0].data.at, org.clock.now());
        // It has left the pool (and is rep1's now, whom no limit stops).
        refused(
            org.claim(org.rep1, accounts[0]).await,
            ErrorKind::InvalidTransition,
            "is not in the pool",
        );
        for not_admin in [as_user(org.manager), system()] {
            let err = org
                .crm
                .distribute(&not_admin, org.pool, accounts[1], org.rep2)
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
            assert!(err.to_string().contains("only the pool's admins"), "{err}");
        }
        // The recipient must be a live user.
        let nobody = UserId(Uuid::from_u128(999));
        let err = org
            .crm
            .distribute(&as_user(org.admin), org.pool, accounts[1], nobody)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
        assert_eq!(org.owner(accounts[1]).await, None);
    }
}

#[tokio::test]
async fn only_members_with_a_claim_grant_claim_and_others_learn_nothing() {
    for (url, _dir) in stores() {
        let org = Org::new(&url, ClaimRules::default()).await;
        let account = org.pooled(1).await[0];
        refused(
            org.claim(org.outsider, account).await,
            ErrorKind::PermissionDenied,
            "not a member of the pool",
        );
        // No role grants the bystander claiming (or reading) it: it does not exist for them.
        refused(
            org.claim(org.bystander, account).await,
            ErrorKind::NotFound,
            "not found",
        );
        let err = org
            .crm
            .claim(&system(), org.pool, account)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
        // An owned account is not in the pool; one the rep may not read stays unknown.
        let owned = org.owned_by(org.rep2, "北京华为技术有限公司").await;
        refused(
            org.claim(org.rep1, owned).await,
            ErrorKind::NotFound,
            "not found",
        );
        org.claim(org.rep1, account).await.unwrap();
    }
}

#[tokio::test]
async fn returning_clears_the_owner_and_keeps_the_previous_owner_and_reason() {
    for (url, _dir) in stores() {
        let org = Org::new(&url, ClaimRules::default()).await;
        let account = org.owned_by(org.rep1, "北京华为技术有限公司").await;
        // rep2 may not read rep1's account: it does not exist for them.
        let err = org
            .crm
            .return_to_pool(&as_user(org.rep2), account, org.pool, None)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
        let returned = org
            .crm
            .return_to_pool(
                &as_user(org.rep1),
                account,
                org.pool,
                Some("客户无预算".into()),
            )
            .await
            .unwrap();
        assert_eq!(returned.meta.owner, None);
        assert_eq!(org.owner(account).await, None);
        let entries = org
            .crm
            .records::<PoolEntry>()
            .list(
                &system(),
                &Query::filter(Predicate::eq("record", account.0)),
            )
            .await
            .unwrap();
        assert_eq!(entries.len(), 1);
        let entry = &entries[0];
        assert_eq!(entry.data.pool, org.pool);
        assert_eq!(entry.data.previous_owner, Some(org.rep1));
        assert_eq!(entry.data.reason.as_deref(), Some("客户无预算"));
        assert_eq!(entry.meta.created_at, org.clock.now());
        // Once in a pool, it cannot be returned again.
        let err = org
            .crm
            .return_to_pool(&system(), account, org.pool, None)
            .await
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidTransition { reason, .. } if reason.contains("in a pool already")),
            "{err}"
        );
        // Claimed, it leaves the pool: the entry is soft-deleted.
        org.claim(org.rep2, account).await.unwrap();
        let live = org
            .crm
            .records::<PoolEntry>()
            .count(
                &system(),
                &Query::filter(Predicate::eq("record", account.0)),
            )
            .await
            .unwrap();
        assert_eq!(live, 0);
    }
}

/// Claims race on a SQLite file: many tasks on a multi-threaded runtime, each its own
/// unit of work; exactly the daily limit's worth succeed, the rest are refused by it.
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_claims_never_exceed_the_daily_limit() {
    const LIMIT: usize = 3;
    const TASKS: usize = 24;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("race.db").display());
    let org = Org::new(&url, daily(LIMIT as u32)).await;
    let accounts = org.pooled(TASKS).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(TASKS));
    let mut tasks = tokio::task::JoinSet::new();
    for account in accounts.iter().copied() {
        let (crm, barrier, pool, rep) = (org.crm.clone(), barrier.clone(), org.pool, org.rep1);
        tasks.spawn(async move {
            barrier.wait().await;
            crm.claim(&as_user(rep), pool, account).await
        });
    }
    let mut won = 0;
    while let Some(result) = tasks.join_next().await {
        match result.unwrap() {
            Ok(claimed) => {
                assert_eq!(claimed.meta.owner, Some(org.rep1));
                won += 1;
            }
            Err(err) => {
                assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
                assert!(err.to_string().contains("daily limit of 3"), "{err}");
            }
        }
    }
    assert_eq!(won, LIMIT);
    let owned = Query::filter(Predicate::eq("owner", org.rep1.0));
    let accounts_owned = org.crm.accounts().count(&system(), &owned).await.unwrap();
    assert_eq!(accounts_owned as usize, LIMIT);
    let claims = org
        .crm
        .records::<PoolClaim>()
        .count(&system(), &Query::default())
        .await
        .unwrap();
    assert_eq!(claims as usize, LIMIT);
}

/// Many reps race for one account on a SQLite file: one wins, the others find it gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn concurrent_claims_of_one_account_have_one_winner() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("race.db").display());
    let org = Org::new(&url, ClaimRules::default()).await;
    let account = org.pooled(1).await[0];
    let reps = [org.rep1, org.rep2, org.manager, org.admin];
    let barrier = Arc::new(tokio::sync::Barrier::new(reps.len() * 4));
    let mut tasks = tokio::task::JoinSet::new();
    for rep in reps.iter().cycle().take(reps.len() * 4).copied() {
        let (crm, barrier, pool) = (org.crm.clone(), barrier.clone(), org.pool);
        tasks.spawn(async move {
            barrier.wait().await;
            crm.claim(&as_user(rep), pool, account).await
        });
    }
    let mut winners = Vec::new();
    while let Some(result) = tasks.join_next().await {
        match result.unwrap() {
            Ok(claimed) => winners.push(claimed.meta.owner.unwrap()),
            // A loser reads the account after the winner committed: gone from the pool
            // when it may read it (the winner's other tasks), unknown when it may not.
            Err(err) => assert!(
                matches!(
                    err.kind(),
                    ErrorKind::InvalidTransition | ErrorKind::NotFound
                ),
                "{err}"
            ),
        }
    }
    assert_eq!(winners.len(), 1, "{winners:?}");
    assert_eq!(org.owner(account).await, Some(winners[0]));
}
