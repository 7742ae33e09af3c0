//! Automation through the facade: the rules customers ask for most, as tests, on the
//! in-memory and SQLite stores; timers fire exactly once, also across a failed commit.

mod common;
#[path = "common/failing_store.rs"]
mod failing_store;

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::{SmallOrg, small_org};
use crm::automation::{Effect, TickReport};
use crm::clock::{Clock, ManualClock};
use crm::core::access::{Role, RoleAssignment};
use crm::fields::{FieldDef, FieldSchema, FieldType, FieldValue};
use crm::id::TenantId;
use crm::model::{Account, Activity, ActivityKind, Opportunity, Pipeline, Stage};
use crm::rules::RuleBook;
use crm::value::{CompanyName, Currency, Money};
use crm::{Actor, Crm, ObjectKind};
use failing_store::FailingStore;
use uuid::Uuid;

const URLS: [&str; 2] = ["memory://", "sqlite::memory:"];

/// Beijing wall-clock time (UTC+8 all year).
fn beijing(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap() - Duration::hours(8)
}

fn admin() -> Actor {
    Actor::system(TenantId(Uuid::from_u128(77)))
}

struct World {
    crm: Crm,
    clock: Arc<ManualClock>,
    org: SmallOrg,
}

/// A store with the small organisation and `rules` installed, the clock at `start`.
async fn world(crm: Crm, start: DateTime<Utc>, rules: &str) -> World {
    let clock = Arc::new(ManualClock::new(start));
    let crm = crm.with_clock(clock.clone());
    let org = small_org(&crm, &admin()).await;
    let book = RuleBook::from_json(rules).unwrap();
    crm.install_rules(&admin(), book).await.unwrap();
    World { crm, clock, org }
}

async fn account(w: &World, name: &str) -> crm::Record<Account> {
    let mut uow = w.crm.begin(&admin()).await.unwrap();
    let account = Account::new(CompanyName::parse(name).unwrap());
    let account = uow.create_owned(Some(w.org.zhang), account).await.unwrap();
    uow.commit().await.unwrap();
    account
}

/// A follow-up call on `deal`, done now.
async fn follow_up_deal(w: &World, deal: &crm::Record<Opportunity>) {
    let mut call = Activity::new(ActivityKind::Call, "电话跟进");
    call.opportunity_id = Some(deal.id);
    call.account_id = Some(deal.data.account_id);
    call.done_at = Some(w.clock.now());
    w.crm.activities().create(&admin(), call).await.unwrap();
}

/// What a tick by the system at `at` fired.
async fn tick(w: &World, at: DateTime<Utc>) -> TickReport {
    w.crm.tick(&admin(), at).await.unwrap()
}

fn notified(effects: &[Effect]) -> Vec<(&str, Vec<crm::id::UserId>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Notified {
                template,
                recipients,
            } => Some((template.as_str(), recipients.clone())),
            _ => None,
        })
        .collect()
}

const IDLE_DEAL: &str = r#"{ "schema": 1, "rules": [
  { "id": "idle-deal", "object": "opportunity",
    "trigger": { "on": "time", "field": "last_activity_at", "offset": "+3 business days" },
    "condition": "status == \"open\"",
    "actions": [{ "do": "notify", "to": ["owner"], "template": "deal.idle", "payload": ["name"] }] }
] }"#;

#[tokio::test]
async fn an_idle_deal_reminds_its_owner_after_three_business_days_once_per_follow_up() {
    for url in URLS {
        // Monday 2026-03-02 10:00 Beijing.
        let w = world(
            Crm::open(url).await.unwrap(),
            beijing(2026, 3, 2, 10, 0),
            IDLE_DEAL,
        )
        .await;
        let account = account(&w, "北京华为技术有限公司").await;
        let deal = Opportunity::new(account.id, "扩容", "qualify");
        let deal = w
            .crm
            .opportunities()
            .create_owned(&admin(), Some(w.org.zhang), deal)
            .await
            .unwrap();
        follow_up_deal(&w, &deal).await;

        // Due Thursday 10:00: nothing a minute before, one reminder at it, none after.
        let early = tick(&w, beijing(2026, 3, 5, 9, 59)).await;
        assert!(early.fired.is_empty(), "{url}: {early:?}");
        let due = tick(&w, beijing(2026, 3, 5, 10, 0)).await;
        assert_eq!(due.fired.len(), 1, "{url}");
        assert_eq!(due.fired[0].rule, "idle-deal");
        assert_eq!(
            due.fired[0].record,
            Some((ObjectKind::Opportunity, deal.id.0))
        );
        assert_eq!(
            notified(&due.fired[0].effects),
            vec![("deal.idle", vec![w.org.zhang])]
        );
        let again = tick(&w, beijing(2026, 3, 6, 10, 0)).await;
        assert!(again.fired.is_empty(), "{url}: fired twice");
        let pending = w.crm.pending_notifications(&admin(), 10).await.unwrap();
        assert_eq!(pending.len(), 1, "{url}");
        assert_eq!(
            pending[0].data.payload.get("name"),
            Some(&crm::record::Value::Text("扩容".into()))
        );

        // A follow-up on Friday 10:00 re-arms it: due next Wednesday 10:00.
        w.clock.set(beijing(2026, 3, 6, 10, 0));
        follow_up_deal(&w, &deal).await;
        let quiet = tick(&w, beijing(2026, 3, 11, 9, 0)).await;
        assert!(quiet.fired.is_empty(), "{url}: {quiet:?}");
        let second = tick(&w, beijing(2026, 3, 11, 10, 0)).await;
        assert_eq!(second.fired.len(), 1, "{url}");

        // Delivered notifications leave the outbox.
        for n in w.crm.pending_notifications(&admin(), 10).await.unwrap() {
            w.crm
                .mark_delivered(&admin(), n.id, beijing(2026, 3, 11, 10, 1))
                .await
                .unwrap();
        }
        assert!(
            w.crm
                .pending_notifications(&admin(), 10)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_deleted_deal_cancels_its_reminder() {
    let w = world(
        Crm::open("memory://").await.unwrap(),
        beijing(2026, 3, 2, 10, 0),
        IDLE_DEAL,
    )
    .await;
    let account = account(&w, "上海电气集团股份有限公司").await;
    let deal = Opportunity::new(account.id, "改造", "qualify");
    let deal = w.crm.opportunities().create(&admin(), deal).await.unwrap();
    follow_up_deal(&w, &deal).await;
    let current = w.crm.opportunities().get(&admin(), deal.id).await.unwrap();
    w.crm
        .opportunities()
        .delete(&admin(), deal.id, current.meta.version)
        .await
        .unwrap();
    let report = tick(&w, beijing(2026, 4, 1, 10, 0)).await;
    assert!(report.fired.is_empty(), "{report:?}");
}

#[tokio::test]
async fn a_timer_fires_exactly_once_across_a_commit_that_fails() {
    let store = Arc::new(FailingStore::new());
    let crm = Crm::with_store(store.clone());
    let w = world(crm, beijing(2026, 3, 2, 10, 0), IDLE_DEAL).await;
    let account = account(&w, "深圳市腾讯计算机系统有限公司").await;
    let deal = Opportunity::new(account.id, "云服务", "qualify");
    let deal = w
        .crm
        .opportunities()
        .create_owned(&admin(), Some(w.org.zhang), deal)
        .await
        .unwrap();
    follow_up_deal(&w, &deal).await;

    // The firing's transaction performs the rule, then fails as it records the firing.
    store.fail_transaction(1);
    let crashed = w.crm.tick(&admin(), beijing(2026, 3, 5, 12, 0)).await;
    assert!(crashed.is_err(), "{crashed:?}");
    assert!(
        w.crm
            .pending_notifications(&admin(), 10)
            .await
            .unwrap()
            .is_empty()
    );

    let recovered = tick(&w, beijing(2026, 3, 5, 12, 1)).await;
    assert_eq!(recovered.fired.len(), 1);
    let after = tick(&w, beijing(2026, 3, 9, 12, 0)).await;
    assert!(after.fired.is_empty());
    assert_eq!(
        w.crm
            .pending_notifications(&admin(), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_big_deal_entering_contract_review_notifies_the_ceo() {
    let rules = r#"{ "schema": 1, "rules": [
      { "id": "big-deal", "object": "opportunity",
        "trigger": { "on": "stage_changed", "to": "contract_review" },
        "condition": "amount > 1000000",
        "actions": [{ "do": "notify", "to": [{ "role": "CEO" }], "template": "deal.big" }] }
    ] }"#;
    for url in URLS {
        let w = world(
            Crm::open(url).await.unwrap(),
            beijing(2026, 3, 2, 10, 0),
            rules,
        )
        .await;
        // 李娜 is CEO, in 华东大区 above 张伟's 上海.
        let ceo = w
            .crm
            .records::<Role>()
            .create(&admin(), Role::new("CEO"))
            .await
            .unwrap();
        let holder = RoleAssignment {
            user: w.org.li,
            role: ceo.id,
        };
        w.crm
            .records::<RoleAssignment>()
            .create(&admin(), holder)
            .await
            .unwrap();
        let pipeline = Pipeline::new(
            "直销",
            vec![
                Stage::open("qualify", "需求确认", 10),
                Stage::open("contract_review", "合同审核", 80),
                Stage::won("won", "赢单"),
                Stage::lost("lost", "输单"),
            ],
        )
        .unwrap();
        let pipeline = w.crm.pipelines().create(&admin(), pipeline).await.unwrap();
        let account = account(&w, "中国石油化工股份有限公司").await;
        let mut ids = Vec::new();
        for (name, amount) in [("大单", "1500000"), ("小单", "500000")] {
            let mut deal = Opportunity::new(account.id, name, "qualify");
            deal.pipeline_id = Some(pipeline.id);
            deal.amount = Some(Money::parse(amount, Currency::CNY).unwrap());
            let deal = w
                .crm
                .opportunities()
                .create_owned(&admin(), Some(w.org.zhang), deal)
                .await
                .unwrap();
            let moved = w
                .crm
                .move_stage(
                    &admin(),
                    deal.id,
                    deal.meta.version,
                    "contract_review",
                    None,
                )
                .await
                .unwrap();
            ids.push(moved.id.0);
        }
        let pending = w.crm.pending_notifications(&admin(), 10).await.unwrap();
        assert_eq!(pending.len(), 1, "{url}: only the big deal");
        assert_eq!(pending[0].data.template, "deal.big");
        assert_eq!(pending[0].data.record, Some(ids[0]));
        assert_eq!(pending[0].data.recipients, vec![w.org.li], "{url}");
    }
}

#[tokio::test]
async fn an_important_deal_idle_a_week_warns_the_sales_director_of_its_owner() {
    let rules = r#"{ "schema": 1, "rules": [
      { "id": "important-idle", "object": "opportunity",
        "trigger": { "on": "time", "field": "last_activity_at", "offset": "+7 days" },
        "condition": "status == \"open\" and amount >= 500000",
        "actions": [{ "do": "notify", "to": [{ "role": "销售总监" }], "template": "deal.important_idle" }] }
    ] }"#;
    let w = world(
        Crm::open("sqlite::memory:").await.unwrap(),
        beijing(2026, 3, 2, 10, 0),
        rules,
    )
    .await;
    // Directors in 华东大区 (above the owner's 上海) and in a department of their own.
    let director = w
        .crm
        .records::<Role>()
        .create(&admin(), Role::new("销售总监"))
        .await
        .unwrap();
    let elsewhere = w
        .crm
        .departments()
        .create(
            &admin(),
            crm::model::Department {
                name: "华南大区".into(),
                parent: None,
            },
        )
        .await
        .unwrap();
    let mut south = w.crm.users().get(&admin(), w.org.wang).await.unwrap();
    south.data.department_id = Some(elsewhere.id);
    w.crm.users().update(&admin(), south).await.unwrap();
    for user in [w.org.li, w.org.wang] {
        let holder = RoleAssignment {
            user,
            role: director.id,
        };
        w.crm
            .records::<RoleAssignment>()
            .create(&admin(), holder)
            .await
            .unwrap();
    }
    let account = account(&w, "海尔集团公司").await;
    let mut deal = Opportunity::new(account.id, "智能工厂", "qualify");
    deal.amount = Some(Money::parse("800000", Currency::CNY).unwrap());
    let deal = w
        .crm
        .opportunities()
        .create_owned(&admin(), Some(w.org.zhang), deal)
        .await
        .unwrap();
    follow_up_deal(&w, &deal).await;
    let report = tick(&w, beijing(2026, 3, 9, 10, 0)).await;
    assert_eq!(
        notified(&report.fired[0].effects),
        vec![("deal.important_idle", vec![w.org.li])]
    );
}

#[tokio::test]
async fn a_contract_ending_in_thirty_days_creates_a_renewal_task_and_two_quiet_weeks_warn_of_churn()
{
    let rules = r#"{ "schema": 1, "rules": [
      { "id": "renewal", "object": "account",
        "trigger": { "on": "time", "field": "custom.contract_end", "offset": "-30 days" },
        "actions": [{ "do": "create_task", "title": "续约跟进", "due": "+5 business days" }] },
      { "id": "churn", "object": "account",
        "trigger": { "on": "time", "field": "last_activity_at", "offset": "+14 days" },
        "actions": [{ "do": "notify", "to": ["owner", { "manager": {} }], "template": "account.churn_risk" }] }
    ] }"#;
    for url in URLS {
        let w = world(
            Crm::open(url).await.unwrap(),
            beijing(2026, 3, 2, 10, 0),
            rules,
        )
        .await;
        let schema = FieldSchema::new(
            ObjectKind::Account,
            vec![FieldDef::new("contract_end", FieldType::Date)],
        )
        .unwrap();
        w.crm.define_fields(&admin(), schema).await.unwrap();
        // 张伟 reports to 李娜.
        let mut zhang = w.crm.users().get(&admin(), w.org.zhang).await.unwrap();
        zhang.data.manager_id = Some(w.org.li);
        w.crm.users().update(&admin(), zhang).await.unwrap();

        let mut customer = Account::new(CompanyName::parse("美的集团股份有限公司").unwrap());
        customer.custom.insert(
            "contract_end".into(),
            FieldValue::Date(NaiveDate::from_ymd_opt(2026, 4, 30).unwrap()),
        );
        let customer = w
            .crm
            .accounts()
            .create_owned(&admin(), Some(w.org.zhang), customer)
            .await
            .unwrap();
        let mut visit = Activity::new(ActivityKind::Visit, "拜访");
        visit.account_id = Some(customer.id);
        visit.done_at = Some(beijing(2026, 3, 2, 10, 0));
        w.crm.activities().create(&admin(), visit).await.unwrap();

        // Two weeks after the visit: the churn warning, to the owner and the manager.
        let churn = tick(&w, beijing(2026, 3, 16, 10, 0)).await;
        assert_eq!(churn.fired.len(), 1, "{url}: {churn:?}");
        assert_eq!(
            notified(&churn.fired[0].effects),
            vec![("account.churn_risk", vec![w.org.zhang, w.org.li])]
        );
        // 2026-03-31 00:00 Beijing is 30 days before the contract ends: the renewal task,
        // due five business days after the tick's clock.
        w.clock.set(beijing(2026, 3, 31, 9, 0));
        let early = tick(&w, beijing(2026, 3, 30, 23, 59)).await;
        assert!(early.fired.is_empty(), "{url}: {early:?}");
        let renewal = tick(&w, beijing(2026, 3, 31, 9, 0)).await;
        assert_eq!(renewal.fired.len(), 1, "{url}: {renewal:?}");
        match &renewal.fired[0].effects[..] {
            [
                Effect::TaskCreated {
                    task,
                    assignee,
                    due,
                },
            ] => {
                assert_eq!(*assignee, Some(w.org.zhang));
                // Tuesday 09:00 + 5 × 8 working hours: Tuesday to Friday and Monday in full,
                // so Monday 18:00 (the business instant also known as Tuesday 09:00).
                assert_eq!(*due, Some(beijing(2026, 4, 6, 18, 0)), "{url}");
                let task = w.crm.activities().get(&admin(), *task).await.unwrap();
                assert_eq!(task.data.account_id, Some(customer.id));
                assert_eq!(task.data.subject, "续约跟进");
            }
            other => panic!("{url}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_high_priority_ticket_warns_and_breaches_on_business_hours() {
    use crm::model::{Ticket, TicketPriority, TicketStatus};
    use crm::rules::SlaState;
    let rules = r#"{ "schema": 1, "rules": [],
      "sla": { "policies": [
        { "name": "高优先级", "priorities": ["urgent", "high"],
          "targets": { "first_response": "1h", "resolution": "24h" } } ] } }"#;
    for url in URLS {
        // Monday 2026-03-02 10:00 Beijing.
        let w = world(
            Crm::open(url).await.unwrap(),
            beijing(2026, 3, 2, 10, 0),
            rules,
        )
        .await;
        let mut zhang = w.crm.users().get(&admin(), w.org.zhang).await.unwrap();
        zhang.data.manager_id = Some(w.org.li);
        w.crm.users().update(&admin(), zhang).await.unwrap();
        let ticket = Ticket::new("打印机驱动安装失败", TicketPriority::High);
        let ticket = w
            .crm
            .open_ticket(&admin(), Some(w.org.zhang), ticket)
            .await
            .unwrap();

        // 75% of the first-response hour: a warning to the owner; at the hour, a breach to
        // the owner and their manager.
        let warned = tick(&w, beijing(2026, 3, 2, 10, 45)).await;
        assert_eq!(warned.fired.len(), 1, "{url}: {warned:?}");
        assert_eq!(
            notified(&warned.fired[0].effects),
            vec![("ticket.sla_warning", vec![w.org.zhang])]
        );
        let breached = tick(&w, beijing(2026, 3, 2, 11, 0)).await;
        assert_eq!(
            notified(&breached.fired[0].effects),
            vec![("ticket.sla_breached", vec![w.org.zhang, w.org.li])],
            "{url}"
        );

        w.clock.set(beijing(2026, 3, 2, 11, 30));
        let ticket = w
            .crm
            .respond_to_ticket(&admin(), ticket.id, ticket.meta.version)
            .await
            .unwrap();
        // Resolution: 24 business hours from Monday 10:00 is Thursday 10:00; 75% of it,
        // 18 hours, is Wednesday 12:00.
        let quiet = tick(&w, beijing(2026, 3, 4, 11, 59)).await;
        assert!(quiet.fired.is_empty(), "{url}: {quiet:?}");
        let warned = tick(&w, beijing(2026, 3, 4, 12, 0)).await;
        assert_eq!(
            notified(&warned.fired[0].effects),
            vec![("ticket.sla_warning", vec![w.org.zhang])]
        );
        w.clock.set(beijing(2026, 3, 4, 15, 0));
        w.crm
            .set_ticket_status(
                &admin(),
                ticket.id,
                ticket.meta.version,
                TicketStatus::Solved,
            )
            .await
            .unwrap();
        let after = tick(&w, beijing(2026, 3, 9, 10, 0)).await;
        assert!(
            after.fired.is_empty(),
            "{url}: solved in time, no breach: {after:?}"
        );

        let sla = w
            .crm
            .ticket_sla(&admin(), ticket.id, beijing(2026, 3, 9, 10, 0))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            sla.first_response.unwrap().state,
            SlaState::MetLate,
            "{url}"
        );
        assert_eq!(sla.resolution.unwrap().state, SlaState::Met, "{url}");
    }
}

#[tokio::test]
async fn leads_from_east_china_go_round_robin_to_shanghai_group_a_and_tickets_to_their_queue() {
    use crm::model::{Lead, Ticket, TicketPriority};
    use crm::value::Region;
    for url in URLS {
        let clock_start = beijing(2026, 3, 2, 10, 0);
        let crm = Crm::open(url).await.unwrap();
        let clock = Arc::new(ManualClock::new(clock_start));
        let crm = crm.with_clock(clock.clone());
        let org = small_org(&crm, &admin()).await;
        let rules = format!(
            r#"{{ "schema": 1,
              "rules": [{{ "id": "route-leads", "object": "lead", "trigger": {{ "on": "created" }},
                           "actions": [{{ "do": "assign", "table": "leads" }}] }}],
              "assignment": [
                {{ "name": "leads",
                   "entries": [{{ "name": "华东 → 上海 A 组",
                                  "criteria": {{ "territory": {{ "region.province": ["华东"] }} }},
                                  "strategy": {{ "kind": "round_robin", "users": ["{zhang}", "{li}"] }} }}],
                   "fallback": {{ "kind": "fixed", "user": "{wang}" }} }},
                {{ "name": "售后",
                   "entries": [{{ "strategy": {{ "kind": "least_loaded", "users": ["{li}", "{wang}"] }} }}] }}
              ],
              "dispatch": {{ "routes": [{{ "categories": ["安装"], "queue": "售后" }}], "fallback_queue": "前台" }}
            }}"#,
            zhang = org.zhang,
            li = org.li,
            wang = org.wang
        );
        crm.install_rules(&admin(), RuleBook::from_json(&rules).unwrap())
            .await
            .unwrap();
        let lead = |company: &str, province: Option<&str>| {
            let mut lead = Lead::new();
            lead.company = Some(CompanyName::parse(company).unwrap());
            lead.region = province.map(|p| Region::parse(p).unwrap());
            lead
        };
        let mut owners = Vec::new();
        for (company, province) in [
            ("苏州恒瑞精密机械有限公司", Some("江苏")),
            ("杭州西湖软件有限公司", Some("浙江省")),
            ("广州白云贸易有限公司", Some("广东")),
            ("上海浦江电子有限公司", Some("上海")),
            ("无名贸易公司", None),
        ] {
            let created = crm
                .leads()
                .create(&admin(), lead(company, province))
                .await
                .unwrap();
            owners.push(
                crm.leads()
                    .get(&admin(), created.id)
                    .await
                    .unwrap()
                    .meta
                    .owner,
            );
        }
        let (zhang, li, wang) = (Some(org.zhang), Some(org.li), Some(org.wang));
        assert_eq!(owners, vec![zhang, li, wang, zhang, wang], "{url}");

        // An installation ticket goes to the 售后 queue's least loaded user.
        let mut ticket = Ticket::new("设备安装预约", TicketPriority::Normal);
        ticket.category = Some("安装".into());
        let ticket = crm.open_ticket(&admin(), None, ticket).await.unwrap();
        assert_eq!(
            ticket.meta.owner, li,
            "{url}: 李娜 and 王芳 hold no tickets; 李娜 is first"
        );
        let mut second = Ticket::new("安装调试", TicketPriority::Normal);
        second.category = Some("安装".into());
        let second = crm.open_ticket(&admin(), None, second).await.unwrap();
        assert_eq!(second.meta.owner, wang, "{url}: 李娜 now holds one");
    }
}

#[tokio::test]
async fn a_customer_without_follow_up_for_thirty_days_returns_to_the_pool_after_a_reminder() {
    use crm::core::access::{Grantee, Pool, Share, ShareLevel};
    for url in URLS {
        let crm = Crm::open(url).await.unwrap();
        let clock = Arc::new(ManualClock::new(beijing(2026, 3, 2, 10, 0)));
        let crm = crm.with_clock(clock.clone());
        let org = small_org(&crm, &admin()).await;
        let pool = Pool {
            name: "华东公海".into(),
            object: ObjectKind::Account,
            users: Default::default(),
            departments: [org.east].into(),
            admins: Default::default(),
            rules: Default::default(),
        };
        let pool = crm.records::<Pool>().create(&admin(), pool).await.unwrap();
        let rules = format!(
            r#"{{ "schema": 1, "recycle": [{{
                "pool": "{pool}", "object": "account",
                "others": {{ "no_follow_up_days": 30 }},
                "exclude": {{ "open_opportunity": true }},
                "remind_days_before": 3, "clear_team": true }}] }}"#,
            pool = pool.id
        );
        crm.install_rules(&admin(), RuleBook::from_json(&rules).unwrap())
            .await
            .unwrap();
        let w = World { crm, clock, org };
        let quiet = account(&w, "宁波港口物流有限公司").await;
        let busy = account(&w, "温州眼镜制造有限公司").await;
        // 李娜 works the quiet customer with 张伟 (团队成员).
        let mut member = Share::new(
            ObjectKind::Account,
            quiet.id.0,
            Grantee::User(w.org.li),
            ShareLevel::Edit,
        );
        member.collaborator = true;
        w.crm
            .records::<Share>()
            .create(&admin(), member)
            .await
            .unwrap();
        let deal = Opportunity::new(busy.id, "年度采购", "qualify");
        w.crm.opportunities().create(&admin(), deal).await.unwrap();
        for customer in [&quiet, &busy] {
            let mut visit = Activity::new(ActivityKind::Visit, "拜访");
            visit.account_id = Some(customer.id);
            visit.done_at = Some(beijing(2026, 3, 2, 10, 0));
            w.crm.activities().create(&admin(), visit).await.unwrap();
        }

        // 27 days on: a reminder to the owner of the quiet customer only.
        let reminded = tick(&w, beijing(2026, 3, 29, 10, 0)).await;
        assert_eq!(reminded.fired.len(), 1, "{url}: {reminded:?}");
        assert_eq!(
            reminded.fired[0].record,
            Some((ObjectKind::Account, quiet.id.0))
        );
        assert_eq!(
            notified(&reminded.fired[0].effects),
            vec![("pool.recycle_reminder", vec![w.org.zhang])]
        );
        // 30 days on: back in the pool, without an owner; the customer with a deal stays.
        let returned = tick(&w, beijing(2026, 4, 1, 10, 0)).await;
        assert_eq!(
            returned
                .fired
                .iter()
                .map(|f| &f.effects[..])
                .collect::<Vec<_>>(),
            vec![&[Effect::ReturnedToPool { pool: pool.id }][..]],
            "{url}"
        );
        assert_eq!(
            w.crm
                .accounts()
                .get(&admin(), quiet.id)
                .await
                .unwrap()
                .meta
                .owner,
            None
        );
        assert_eq!(
            w.crm
                .accounts()
                .get(&admin(), busy.id)
                .await
                .unwrap()
                .meta
                .owner,
            Some(w.org.zhang)
        );
        let later = tick(&w, beijing(2026, 6, 1, 10, 0)).await;
        assert!(later.fired.is_empty(), "{url}: {later:?}");
    }
}

#[tokio::test]
async fn a_lost_deal_is_tagged_marked_and_escalated_and_a_schedule_runs_every_monday() {
    let w = world(
        Crm::open("sqlite::memory:").await.unwrap(),
        beijing(2026, 3, 1, 12, 0),
        "{\"schema\": 1}",
    )
    .await;
    let schema = FieldSchema::new(
        ObjectKind::Opportunity,
        vec![FieldDef::new("review", FieldType::Text)],
    )
    .unwrap();
    w.crm.define_fields(&admin(), schema).await.unwrap();
    let mut zhang = w.crm.users().get(&admin(), w.org.zhang).await.unwrap();
    zhang.data.manager_id = Some(w.org.li);
    w.crm.users().update(&admin(), zhang).await.unwrap();
    let rules = format!(
        r#"{{ "schema": 1, "rules": [
          {{ "id": "lost-review", "object": "opportunity",
            "trigger": {{ "on": "field_changed", "field": "status", "from": "open", "to": "lost" }},
            "condition": "amount >= 100000",
            "actions": [
              {{ "do": "add_tag", "tag": "丢单复盘" }},
              {{ "do": "set_field", "field": "custom.review", "value": "待复盘" }},
              {{ "do": "escalate", "template": "deal.lost_big" }} ] }},
          {{ "id": "monday-report", "object": "account",
            "trigger": {{ "on": "schedule", "cron": "0 9 * * MON" }},
            "actions": [{{ "do": "notify", "to": [{{ "user": "{li}" }}], "template": "weekly.report" }}] }}
        ] }}"#,
        li = w.org.li.0
    );
    w.crm
        .install_rules(&admin(), RuleBook::from_json(&rules).unwrap())
        .await
        .unwrap();

    let account = account(&w, "青岛啤酒股份有限公司").await;
    let mut deal = Opportunity::new(account.id, "渠道合作", "qualify");
    deal.amount = Some(Money::parse("300000", Currency::CNY).unwrap());
    let deal = w
        .crm
        .opportunities()
        .create_owned(&admin(), Some(w.org.zhang), deal)
        .await
        .unwrap();
    let mut lost = deal.clone();
    lost.data.status = crm::model::OpportunityStatus::Lost;
    lost.data.closed_at = Some(beijing(2026, 3, 1, 12, 0));
    w.crm.opportunities().update(&admin(), lost).await.unwrap();

    let stored = w.crm.opportunities().get(&admin(), deal.id).await.unwrap();
    assert_eq!(stored.data.tags.len(), 1);
    assert_eq!(
        stored.data.custom.get("review"),
        Some(&FieldValue::Text("待复盘".into()))
    );
    let pending = w.crm.pending_notifications(&admin(), 10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(
        (
            pending[0].data.template.as_str(),
            pending[0].data.recipients.clone()
        ),
        ("deal.lost_big", vec![w.org.li])
    );

    // Installed on Sunday: the report runs Monday 09:00, once, then the Monday after.
    let sunday = tick(&w, beijing(2026, 3, 2, 8, 59)).await;
    assert!(sunday.fired.is_empty(), "{sunday:?}");
    let monday = tick(&w, beijing(2026, 3, 2, 9, 0)).await;
    assert_eq!(monday.fired.len(), 1);
    assert_eq!(monday.fired[0].record, None);
    let week = tick(&w, beijing(2026, 3, 9, 8, 0)).await;
    assert!(week.fired.is_empty(), "{week:?}");
    let next = tick(&w, beijing(2026, 3, 9, 9, 30)).await;
    assert_eq!(next.fired.len(), 1);
}

#[tokio::test]
async fn only_the_system_runs_a_tenants_automation() {
    let w = world(
        Crm::open("memory://").await.unwrap(),
        beijing(2026, 3, 2, 10, 0),
        IDLE_DEAL,
    )
    .await;
    let rep = Actor::user(admin().tenant, w.org.zhang);
    let book = RuleBook::from_json(IDLE_DEAL).unwrap();
    for refused in [
        w.crm.install_rules(&rep, book).await.map(drop),
        w.crm.tick(&rep, beijing(2026, 3, 9, 10, 0)).await.map(drop),
        w.crm.arm_existing_records(&rep).await.map(drop),
        w.crm.pending_notifications(&rep, 10).await.map(drop),
    ] {
        assert_eq!(
            refused.unwrap_err().kind(),
            crm::ErrorKind::PermissionDenied
        );
    }
}

#[tokio::test]
async fn a_rule_that_cannot_be_performed_is_reported_once_and_does_not_block_the_others() {
    let rules = r#"{ "schema": 1, "rules": [
      { "id": "to-missing-pool", "object": "account",
        "trigger": { "on": "time", "field": "last_activity_at", "offset": "+14 days" },
        "actions": [{ "do": "move_to_pool", "pool": "不存在的公海" }] },
      { "id": "churn", "object": "account",
        "trigger": { "on": "time", "field": "last_activity_at", "offset": "+14 days" },
        "actions": [{ "do": "notify", "to": ["owner"], "template": "account.churn_risk" }] }
    ] }"#;
    for url in URLS {
        let w = world(
            Crm::open(url).await.unwrap(),
            beijing(2026, 3, 2, 10, 0),
            rules,
        )
        .await;
        let customer = account(&w, "大连船舶重工集团有限公司").await;
        let mut visit = Activity::new(ActivityKind::Visit, "拜访");
        visit.account_id = Some(customer.id);
        visit.done_at = Some(beijing(2026, 3, 2, 10, 0));
        w.crm.activities().create(&admin(), visit).await.unwrap();

        let report = tick(&w, beijing(2026, 3, 16, 10, 0)).await;
        assert_eq!(report.fired.len(), 1, "{url}: {report:?}");
        assert_eq!(report.fired[0].rule, "churn");
        assert_eq!(report.failed.len(), 1, "{url}: {report:?}");
        assert_eq!(report.failed[0].rule, "to-missing-pool");
        assert_eq!(report.failed[0].error.kind(), crm::ErrorKind::NotFound);
        let again = tick(&w, beijing(2026, 3, 17, 10, 0)).await;
        assert!(
            again.fired.is_empty() && again.failed.is_empty(),
            "{url}: {again:?}"
        );
    }
}
