//! Access enforced through the facade, on the in-memory and SQLite stores: data scopes over
//! an org chart, shares with expiry, NotFound for unreadable records, PermissionDenied for
//! denied writes, field masking in every output path, and closure tables kept in step.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use crm::clock::{Clock, ManualClock};
use crm::core::access::{
    Action, Context, FieldAccess, FieldRule, Grantee, ManagerClosure, Mask, Role, RoleAssignment,
    Scope, Share, ShareLevel, closure_of,
};
use crm::id::{AccountId, SequentialIdGen, TenantId, UserId};
use crm::model::{Account, Department, Team, User};
use crm::query::Query;
use crm::value::{CompanyName, PersonName, Phone};
use crm::{Actor, Crm, ErrorKind, ObjectKind, Record};
use uuid::Uuid;

const URLS: [&str; 2] = ["memory://", "sqlite::memory:"];
const MOBILE: &str = "+86 138 1234 5678";

fn tenant() -> TenantId {
    TenantId(Uuid::from_u128(7))
}

fn system() -> Actor {
    Actor::system(tenant())
}

/// The org chart and its records:
///
/// ```text
/// ceo (no department, scope all)
/// director (销售部, department and below)
/// ├── manager (华东, own and subordinates)
/// │   ├── rep1 (华东, own; phone masked)   team 华东一组 = rep1, rep2
/// │   └── rep2 (华东, own; phone masked)
/// └── manager2 (华东, own and subordinates)
/// ```
struct Org {
    crm: Crm,
    clock: Arc<ManualClock>,
    ceo: UserId,
    director: UserId,
    manager: UserId,
    manager2: UserId,
    rep1: UserId,
    rep2: UserId,
    /// Accounts by owner: rep1 (2), rep2, manager, director (shared to the team), ceo.
    accounts: Vec<(&'static str, AccountId)>,
}

impl Org {
    fn id(&self, name: &str) -> AccountId {
        self.accounts.iter().find(|(n, _)| *n == name).unwrap().1
    }

    async fn visible(&self, who: UserId) -> BTreeSet<&'static str> {
        let actor = Actor::user(tenant(), who);
        let all = Query::default().unpaged();
        let listed = self.crm.accounts().list(&actor, &all).await.unwrap();
        let count = self.crm.accounts().count(&actor, &all).await.unwrap();
        assert_eq!(
            count as usize,
            listed.len(),
            "count equals the list's length"
        );
        listed
            .iter()
            .map(|r| self.accounts.iter().find(|(_, id)| *id == r.id).unwrap().0)
            .collect()
    }
}

async fn user(
    crm: &Crm,
    name: &str,
    department: Option<crm::id::DepartmentId>,
    manager: Option<UserId>,
) -> UserId {
    let mut user = User::new(PersonName::parse(name).unwrap());
    user.department_id = department;
    user.manager_id = manager;
    crm.users().create(&system(), user).await.unwrap().id
}

async fn role(crm: &Crm, role: Role, users: &[UserId]) {
    let role = crm.records::<Role>().create(&system(), role).await.unwrap();
    for user in users {
        let assignment = RoleAssignment {
            user: *user,
            role: role.id,
        };
        crm.records::<RoleAssignment>()
            .create(&system(), assignment)
            .await
            .unwrap();
    }
}

async fn org(url: &str) -> Org {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
    ));
    let crm = Crm::open(url)
        .await
        .unwrap()
        .with_clock(clock.clone())
        .with_ids(Arc::new(SequentialIdGen::new(3)));
    let departments = crm.departments();
    let sales = departments
        .create(
            &system(),
            Department {
                name: "销售部".into(),
                parent: None,
            },
        )
        .await
        .unwrap()
        .id;
    let east = departments
        .create(
            &system(),
            Department {
                name: "华东".into(),
                parent: Some(sales),
            },
        )
        .await
        .unwrap()
        .id;
    let ceo = user(&crm, "赵总", None, None).await;
    let director = user(&crm, "钱总监", Some(sales), None).await;
    let manager = user(&crm, "孙经理", Some(east), Some(director)).await;
    let manager2 = user(&crm, "周经理", Some(east), Some(director)).await;
    let rep1 = user(&crm, "李娜", Some(east), Some(manager)).await;
    let rep2 = user(&crm, "王芳", Some(east), Some(manager)).await;
    let team = Team {
        name: "华东一组".into(),
        leader: None,
        members: BTreeSet::from([rep1, rep2]),
    };
    crm.teams().create(&system(), team).await.unwrap();
    let kind = ObjectKind::Account;
    let writes = [Action::Read, Action::Create, Action::Update];
    let masked = FieldRule::new(kind, "phone", FieldAccess::Masked { mask: Mask::Phone });
    role(
        &crm,
        Role::new("销售")
            .grant(kind, writes, Scope::Own)
            .field(masked),
        &[rep1, rep2],
    )
    .await;
    let managing = [Action::Read, Action::Create, Action::Update, Action::Delete];
    role(
        &crm,
        Role::new("经理").grant(kind, managing, Scope::OwnAndSubordinates),
        &[manager, manager2],
    )
    .await;
    role(
        &crm,
        Role::new("总监").grant(kind, [Action::Read], Scope::DepartmentAndBelow),
        &[director],
    )
    .await;
    role(
        &crm,
        Role::new("总经理").grant(kind, Action::ALL, Scope::All),
        &[ceo],
    )
    .await;

    let mut accounts = Vec::new();
    for (name, owner) in [
        ("rep1-a", rep1),
        ("rep1-b", rep1),
        ("rep2", rep2),
        ("manager", manager),
        ("director", director),
        ("ceo", ceo),
    ] {
        let mut account = Account::new(CompanyName::parse(&format!("{name}科技有限公司")).unwrap());
        account.phone = Some(Phone::parse(MOBILE).unwrap());
        let saved = crm
            .accounts()
            .create_owned(&system(), Some(owner), account)
            .await
            .unwrap();
        accounts.push((name, saved.id));
    }
    let team_id = crm
        .teams()
        .list(&system(), &Query::default())
        .await
        .unwrap()[0]
        .id;
    let director_account = accounts.iter().find(|(n, _)| *n == "director").unwrap().1;
    let share = Share::new(
        kind,
        director_account.0,
        Grantee::Team(team_id),
        ShareLevel::Read,
    )
    .until(clock.now() + Duration::days(1));
    crm.records::<Share>()
        .create(&system(), share)
        .await
        .unwrap();
    Org {
        crm,
        clock,
        ceo,
        director,
        manager,
        manager2,
        rep1,
        rep2,
        accounts,
    }
}

fn names(names: &[&'static str]) -> BTreeSet<&'static str> {
    names.iter().copied().collect()
}

#[tokio::test]
async fn each_user_sees_their_scope_and_shares_and_counts_agree() {
    for url in URLS {
        let org = org(url).await;
        assert_eq!(
            org.visible(org.rep1).await,
            names(&["rep1-a", "rep1-b", "director"]),
            "{url}"
        );
        assert_eq!(
            org.visible(org.rep2).await,
            names(&["rep2", "director"]),
            "{url}"
        );
        assert_eq!(
            org.visible(org.manager).await,
            names(&["rep1-a", "rep1-b", "rep2", "manager"]),
            "{url}"
        );
        assert_eq!(org.visible(org.manager2).await, names(&[]), "{url}");
        assert_eq!(
            org.visible(org.director).await,
            names(&["rep1-a", "rep1-b", "rep2", "manager", "director"]),
            "{url}"
        );
        assert_eq!(org.visible(org.ceo).await.len(), 6, "{url}");
        let stranger = Actor::user(tenant(), UserId(Uuid::from_u128(999)));
        assert!(
            org.crm
                .accounts()
                .list(&stranger, &Query::default())
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(
            org.crm
                .accounts()
                .count(&stranger, &Query::default())
                .await
                .unwrap(),
            0
        );
        let filtered = Query::filter(crm::query::Predicate::eq("owner", org.rep1));
        let rep2 = Actor::user(tenant(), org.rep2);
        assert_eq!(
            org.crm.accounts().count(&rep2, &filtered).await.unwrap(),
            0,
            "{url}"
        );
    }
}

#[tokio::test]
async fn unreadable_is_not_found_and_denied_writes_are_permission_denied() {
    for url in URLS {
        let org = org(url).await;
        let accounts = org.crm.accounts();
        let rep1 = Actor::user(tenant(), org.rep1);
        let err = accounts.get(&rep1, org.id("rep2")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{url}");
        let err = accounts
            .view(&rep1, org.id("rep2"), Context::Detail)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let err = accounts.history(&rep1, org.id("rep2")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);

        // Readable through the team share, but not editable: denied, by name.
        let shared = accounts.get(&rep1, org.id("director")).await.unwrap();
        let mut edit = shared.clone();
        edit.level = Some("A".into());
        let err = accounts.update(&rep1, edit).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{url}");
        assert!(err.to_string().contains("update"), "{err}");
        assert!(
            err.to_string().contains(&org.id("director").to_string()),
            "{err}"
        );

        // Not readable at all: NotFound even for a write.
        let theirs = accounts.get(&system(), org.id("rep2")).await.unwrap();
        let err = accounts.update(&rep1, theirs).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        let err = accounts.delete(&rep1, org.id("rep2"), 1).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);

        // Own record: readable, no delete grant.
        let err = accounts
            .delete(&rep1, org.id("rep1-a"), 1)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);

        // Create: only as they would be stored within the scope.
        let new = Account::new(CompanyName::parse("新客户有限公司").unwrap());
        let mine = accounts.create(&rep1, new.clone()).await.unwrap();
        assert_eq!(mine.meta.owner, Some(org.rep1));
        let err = accounts
            .create_owned(&rep1, Some(org.rep2), new)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);

        // A rep may not grant themselves a role.
        let err = org
            .crm
            .records::<Role>()
            .create(&rep1, Role::new("自封"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);

        // The manager may delete a report's account.
        let manager = Actor::user(tenant(), org.manager);
        accounts.delete(&manager, org.id("rep2"), 1).await.unwrap();
    }
}

#[tokio::test]
async fn masked_phones_never_show_their_digits() {
    for url in URLS {
        let org = org(url).await;
        let accounts = org.crm.accounts();
        let rep1 = Actor::user(tenant(), org.rep1);
        let id = org.id("rep1-a");

        let typed = accounts.get(&rep1, id).await.unwrap();
        assert_eq!(typed.phone, None, "typed records clear masked fields");
        let listed = accounts.list(&rep1, &Query::default()).await.unwrap();
        assert!(listed.iter().all(|r| r.phone.is_none()));

        let detail = accounts.view(&rep1, id, Context::Detail).await.unwrap();
        assert_eq!(detail.fields["phone"], "138****5678", "{url}");
        assert!(detail.read_only.contains("phone"));
        let mut outputs = vec![
            format!("{typed:?}"),
            serde_json::to_string(&typed).unwrap(),
            format!("{detail:?}"),
            serde_json::to_string(&detail).unwrap(),
        ];
        for context in Context::ALL {
            let views = accounts
                .list_views(&rep1, &Query::default(), context)
                .await
                .unwrap();
            assert_eq!(views.len(), 3);
            assert!(views.iter().all(|v| v.fields["phone"] == "138****5678"));
            outputs.push(format!("{views:?}"));
            outputs.push(serde_json::to_string(&views).unwrap());
        }

        // An update that leaves the cleared phone cleared keeps it; changing it is denied.
        let mut edit = typed.clone();
        edit.level = Some("A".into());
        let saved = accounts.update(&rep1, edit).await.unwrap();
        assert_eq!(saved.phone, None);
        outputs.push(format!("{saved:?}"));
        let stored = accounts.get(&system(), id).await.unwrap();
        assert_eq!(stored.phone, Some(Phone::parse(MOBILE).unwrap()));
        assert_eq!(stored.level.as_deref(), Some("A"));
        let mut edit = saved.clone();
        edit.phone = Some(Phone::parse("13900001111").unwrap());
        let err = accounts.update(&rep1, edit).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{url}");

        let history = accounts.history(&rep1, id).await.unwrap();
        assert_eq!(history.len(), 2);
        outputs.push(format!("{history:?}"));
        outputs.push(serde_json::to_string(&history).unwrap());

        for output in &outputs {
            assert!(!output.contains("1234"), "digits leak in {output}");
        }
        let unmasked = accounts.view(&system(), id, Context::Export).await.unwrap();
        assert_eq!(unmasked.fields["phone"], "+8613812345678");
    }
}

#[tokio::test]
async fn moving_a_user_moves_what_their_managers_see() {
    for url in URLS {
        let org = org(url).await;
        let mut rep2 = org.crm.users().get(&system(), org.rep2).await.unwrap();
        rep2.manager_id = Some(org.manager2);
        org.crm.users().update(&system(), rep2).await.unwrap();
        assert_eq!(
            org.visible(org.manager).await,
            names(&["rep1-a", "rep1-b", "manager"]),
            "{url}"
        );
        assert_eq!(org.visible(org.manager2).await, names(&["rep2"]), "{url}");
        assert_eq!(
            org.visible(org.director).await.len(),
            5,
            "still below the director"
        );

        // Deleting a manager makes their reports roots; restoring brings them back.
        let manager = org.crm.users().get(&system(), org.manager).await.unwrap();
        let deleted = org
            .crm
            .users()
            .delete(&system(), manager.id, manager.meta.version)
            .await
            .unwrap();
        let all = Query::default().unpaged();
        let closure = org
            .crm
            .records::<ManagerClosure>()
            .list(&system(), &all)
            .await
            .unwrap();
        assert!(
            closure
                .iter()
                .all(|r| r.ancestor != org.manager && r.descendant != org.manager)
        );
        // A deleted user's records belong to no one the department scope reaches.
        let director = Actor::user(tenant(), org.director);
        assert_eq!(
            org.visible(org.director).await,
            names(&["rep1-a", "rep1-b", "rep2", "director"]),
            "{url}"
        );
        let err = org
            .crm
            .accounts()
            .get(&director, org.id("manager"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound);
        org.crm
            .users()
            .restore(&system(), deleted.id, deleted.meta.version)
            .await
            .unwrap();
        assert_eq!(
            org.visible(org.manager).await,
            names(&["rep1-a", "rep1-b", "manager"]),
            "{url}"
        );
        assert_closure_in_step(&org.crm, url).await;
    }
}

#[tokio::test]
async fn an_expired_share_stops_working() {
    for url in URLS {
        let org = org(url).await;
        let rep1 = Actor::user(tenant(), org.rep1);
        assert!(
            org.crm
                .accounts()
                .get(&rep1, org.id("director"))
                .await
                .is_ok()
        );
        org.clock.advance(Duration::days(1));
        let err = org
            .crm
            .accounts()
            .get(&rep1, org.id("director"))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::NotFound, "{url}");
        assert_eq!(
            org.visible(org.rep1).await,
            names(&["rep1-a", "rep1-b"]),
            "{url}"
        );
    }
}

#[tokio::test]
async fn team_changes_move_team_shares() {
    for url in URLS {
        let org = org(url).await;
        let mut team = org
            .crm
            .teams()
            .list(&system(), &Query::default())
            .await
            .unwrap()
            .remove(0);
        team.members.remove(&org.rep2);
        org.crm.teams().update(&system(), team).await.unwrap();
        assert_eq!(org.visible(org.rep2).await, names(&["rep2"]), "{url}");
        assert_eq!(org.visible(org.rep1).await.len(), 3, "{url}");
    }
}

/// The stored manager closure is exactly the closure of the live users' links.
async fn assert_closure_in_step(crm: &Crm, url: &str) {
    let all = Query::default().unpaged();
    let rows: BTreeSet<_> = crm
        .records::<ManagerClosure>()
        .list(&system(), &all)
        .await
        .unwrap()
        .into_iter()
        .map(|r: Record<_>| r.data)
        .collect();
    let users = crm.users().list(&system(), &all).await.unwrap();
    let expected: BTreeSet<_> = closure_of(users.iter().map(|u| (u.id, u.manager_id)))
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(rows, expected, "{url}");
}

#[tokio::test]
async fn stored_closure_rows_follow_the_manager_tree() {
    for url in URLS {
        let org = org(url).await;
        assert_closure_in_step(&org.crm, url).await;
    }
}

#[tokio::test]
async fn reports_count_only_the_deals_the_actor_may_read() {
    use crm::model::{ForecastCategory, Opportunity, Pipeline, Stage};
    use crm::value::{Currency, Money};
    for url in URLS {
        let o = org(url).await;
        let deals = ObjectKind::Opportunity;
        role(
            &o.crm,
            Role::new("商机").grant(deals, [Action::Read], Scope::Own),
            &[o.rep1],
        )
        .await;
        let team_deals =
            Role::new("商机经理").grant(deals, [Action::Read], Scope::OwnAndSubordinates);
        role(&o.crm, team_deals, &[o.manager]).await;
        let stages = vec![
            Stage::open("qualify", "需求确认", 10),
            Stage::won("won", "赢单"),
        ];
        let pipeline = o
            .crm
            .pipelines()
            .create(&system(), Pipeline::new("直销", stages).unwrap())
            .await
            .unwrap();
        let close = chrono::NaiveDate::from_ymd_opt(2026, 3, 20).unwrap();
        for (owner, amount) in [(o.rep1, 100), (o.rep2, 200), (o.manager, 400), (o.ceo, 800)] {
            let mut deal = Opportunity::new(o.id("ceo"), "扩容", "qualify");
            deal.pipeline_id = Some(pipeline.id);
            deal.expected_close = Some(close);
            deal.amount = Some(Money::parse(&amount.to_string(), Currency::CNY).unwrap());
            o.crm
                .opportunities()
                .create_owned(&system(), Some(owner), deal)
                .await
                .unwrap();
        }
        let pipeline_amount = |who: Actor| {
            let crm = &o.crm;
            async move {
                let forecast = crm.forecast(&who, close, close).await.unwrap();
                let march = forecast.months.get("2026-03");
                let from_forecast =
                    march.map_or(0.0, |m| m.total.by_category[&ForecastCategory::Pipeline]);
                let report = crm.pipeline_report(&who, pipeline.id).await.unwrap();
                assert_eq!(report.open_amount, from_forecast, "{url}");
                from_forecast
            }
        };
        assert_eq!(
            pipeline_amount(Actor::user(tenant(), o.rep1)).await,
            100.0,
            "{url}"
        );
        assert_eq!(
            pipeline_amount(Actor::user(tenant(), o.manager)).await,
            700.0,
            "{url}"
        );
        assert_eq!(
            pipeline_amount(Actor::user(tenant(), o.rep2)).await,
            0.0,
            "{url}"
        );
        assert_eq!(pipeline_amount(system()).await, 1500.0, "{url}");
    }
}
