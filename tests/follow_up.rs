//! Follow-up dates kept current by the engine, on the in-memory and SQLite stores: the last
//! follow-up moves forward when an activity is done, the next one is the earliest open due
//! time, and overdue customers are a plain query.

use chrono::{DateTime, Duration, TimeZone, Utc};
use crm::id::{AccountId, TenantId};
use crm::model::{Account, Activity, ActivityKind, Opportunity};
use crm::query::{Predicate, Query};
use crm::value::CompanyName;
use crm::{Actor, Crm};
use uuid::Uuid;

const URLS: [&str; 2] = ["memory://", "sqlite::memory:"];

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, d, 2, 0, 0).unwrap()
}

async fn account(crm: &Crm, a: &Actor, name: &str) -> AccountId {
    let account = Account::new(CompanyName::parse(name).unwrap());
    crm.accounts().create(a, account).await.unwrap().id
}

async fn dates(
    crm: &Crm,
    a: &Actor,
    id: AccountId,
) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let account = crm.accounts().get(a, id).await.unwrap().data;
    (account.last_activity_at, account.next_activity_at)
}

#[tokio::test]
async fn storing_activities_keeps_last_and_next_follow_up_current() {
    for url in URLS {
        let crm = Crm::open(url).await.unwrap();
        let a = Actor::system(TenantId(Uuid::from_u128(8)));
        let huawei = account(&crm, &a, "华为技术有限公司").await;
        let hengrui = account(&crm, &a, "恒瑞精密机械有限公司").await;
        let deal = Opportunity::new(huawei, "扩容", "qualify");
        let deal = crm.opportunities().create(&a, deal).await.unwrap();

        let planned = |due: u32| {
            let mut call = Activity::new(ActivityKind::Call, "回访");
            call.account_id = Some(huawei);
            call.opportunity_id = Some(deal.id);
            call.due_at = Some(day(due));
            call
        };
        let later = crm.activities().create(&a, planned(20)).await.unwrap();
        assert_eq!(
            dates(&crm, &a, huawei).await,
            (None, Some(day(20))),
            "{url}"
        );
        let sooner = crm.activities().create(&a, planned(10)).await.unwrap();
        assert_eq!(
            dates(&crm, &a, huawei).await,
            (None, Some(day(10))),
            "{url}"
        );
        let deal_now = crm.opportunities().get(&a, deal.id).await.unwrap();
        assert_eq!(deal_now.data.next_activity_at, Some(day(10)), "{url}");

        let mut done = sooner.clone();
        done.data.done_at = Some(day(9));
        crm.activities().update(&a, done).await.unwrap();
        assert_eq!(
            dates(&crm, &a, huawei).await,
            (Some(day(9)), Some(day(20))),
            "{url}"
        );

        // Moving the remaining call to another customer moves its next follow-up too.
        let mut moved = later.clone();
        moved.data.account_id = Some(hengrui);
        moved.data.opportunity_id = None;
        crm.activities().update(&a, moved).await.unwrap();
        assert_eq!(dates(&crm, &a, huawei).await, (Some(day(9)), None), "{url}");
        assert_eq!(
            dates(&crm, &a, hengrui).await,
            (None, Some(day(20))),
            "{url}"
        );

        // An earlier follow-up done later does not move the last one back.
        let mut old_visit = Activity::new(ActivityKind::Visit, "补录拜访");
        old_visit.account_id = Some(huawei);
        old_visit.done_at = Some(day(3));
        crm.activities().create(&a, old_visit).await.unwrap();
        assert_eq!(dates(&crm, &a, huawei).await.0, Some(day(9)), "{url}");

        let overdue = Query::filter(Predicate::lt("next_activity_at", day(21)));
        let ids: Vec<AccountId> = crm
            .accounts()
            .list(&a, &overdue)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.id)
            .collect();
        assert_eq!(ids, vec![hengrui], "{url}");
        let quiet = Query::filter(
            Predicate::lt("last_activity_at", day(30) - Duration::days(14))
                .or(Predicate::is_null("last_activity_at")),
        );
        assert_eq!(crm.accounts().count(&a, &quiet).await.unwrap(), 2, "{url}");
    }
}
