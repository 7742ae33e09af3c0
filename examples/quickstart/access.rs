//! The access part of the demo: a manager and two reps each see their own slice of the
//! book, and a customer returned to the East China pool (华东公海) can be claimed by a rep
//! of that region and not by one from the south.

use anyhow::{Context, Result};
use crm::core::access::{Action, Pool, Role, RoleAssignment, Scope};
use crm::id::UserId;
use crm::model::{Account, Department, User};
use crm::query::{Predicate, Query, Sort};
use crm::{Actor, Crm, ObjectKind, Record};

const POOL: &str = "华东公海";

/// Give 李娜 the manager's role and 王磊, 刘洋 the rep's (once), then show what each sees.
pub async fn run(crm: &Crm, admin: &Actor) -> Result<()> {
    let users = crm.users().list(admin, &Query::all().unpaged()).await?;
    let user = |name: &str| -> Result<&Record<User>> {
        users
            .iter()
            .find(|u| u.data.name.to_string() == name)
            .with_context(|| format!("no user {name}"))
    };
    let (li, wang, liu) = (user("李娜")?.id, user("王磊")?.id, user("刘洋")?.id);
    let pools = crm.records::<Pool>().list(admin, &Query::all()).await?;
    let pool = match pools.into_iter().find(|p| p.data.name == POOL) {
        Some(pool) => pool.id,
        None => set_up(crm, admin, li, wang, liu).await?,
    };

    println!("\nAccess 权限: each user sees what their role's scope allows");
    for (id, label) in [
        (li, "李娜 华东经理"),
        (wang, "王磊 华东销售"),
        (liu, "刘洋 华南销售"),
    ] {
        let me = Actor::user(admin.tenant, id);
        let seen = crm.accounts().count(&me, &Query::all()).await?;
        println!("  {label}: sees {seen} accounts");
    }
    let in_pool = Query::filter(Predicate::is_null("owner")).sort(Sort::asc("name"));
    let unowned = crm.accounts().list(admin, &in_pool).await?;
    println!("  {POOL}: {} unowned accounts", unowned.len());
    if let Some(account) = unowned.first() {
        let name = account.data.name.to_string();
        let south = Actor::user(admin.tenant, liu);
        match crm.claim(&south, pool, account.id).await {
            Ok(_) => println!("  刘洋 claimed {name}"),
            // He is not a member of the East China pool.
            Err(refused) => println!("  刘洋 (华南) may not claim it: {refused}"),
        }
        let east = Actor::user(admin.tenant, wang);
        let claimed = crm.claim(&east, pool, account.id).await?;
        println!(
            "  王磊 claims {name} (领取): now his, version {}",
            claimed.meta.version
        );
    }
    Ok(())
}

/// Roles, their holders, the pool, and one of 王磊's accounts returned to it.
async fn set_up(
    crm: &Crm,
    admin: &Actor,
    li: UserId,
    wang: UserId,
    liu: UserId,
) -> Result<crm::id::PoolId> {
    let kind = ObjectKind::Account;
    // Claiming is granted on unowned customers; whether a pool lets a user claim is the
    // pool's membership.
    let unowned = Scope::Matching {
        predicate: Predicate::is_null("owner"),
    };
    let rep = Role::new("销售代表")
        .grant(kind, [Action::Read, Action::Update], Scope::Own)
        .grant(kind, [Action::Claim], unowned.clone());
    let manager = Role::new("销售经理")
        .grant(
            kind,
            [Action::Read, Action::Update, Action::Transfer],
            Scope::OwnAndSubordinates,
        )
        .grant(kind, [Action::Claim], unowned);
    let rep = crm.records::<Role>().create(admin, rep).await?.id;
    let manager = crm.records::<Role>().create(admin, manager).await?.id;
    for (user, role) in [(li, manager), (wang, rep), (liu, rep)] {
        crm.records::<RoleAssignment>()
            .create(admin, RoleAssignment { user, role })
            .await?;
    }
    let departments = crm.departments().list(admin, &Query::all()).await?;
    let east = departments
        .iter()
        .find(|d: &&Record<Department>| d.data.name == "华东大区")
        .context("no 华东大区")?
        .id;
    let pool = Pool {
        name: POOL.into(),
        object: kind,
        users: Default::default(),
        departments: [east].into(),
        admins: [li].into(),
        rules: Default::default(),
    };
    let pool = crm.records::<Pool>().create(admin, pool).await?.id;
    let his = Query::filter(Predicate::eq("owner", wang)).sort(Sort::asc("name"));
    let accounts: Vec<Record<Account>> = crm.accounts().list(admin, &his).await?;
    if let Some(account) = accounts.last() {
        crm.return_to_pool(admin, account.id, pool, Some("长期未跟进".into()))
            .await?;
    }
    Ok(pool)
}
