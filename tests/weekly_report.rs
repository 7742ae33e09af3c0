//! The weekly report through the facade, on the in-memory and SQLite stores: the week runs
//! Monday 00:00 to Monday 00:00 at UTC+8, records on either side of it are left out, and
//! the figures roll up from reps to teams and up the department tree.

mod common;

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use crm::clock::ManualClock;
use crm::id::{TenantId, UserId};
use crm::model::{Account, Activity, ActivityKind, Opportunity, Pipeline, Stage, WeekFigures};
use crm::value::{CompanyName, Currency, Money};
use crm::{Actor, Crm, ErrorKind};
use uuid::Uuid;

/// UTC instants: the week of Monday 2026-03-02 at UTC+8 is [03-01 16:00Z, 03-08 16:00Z).
fn at(day: u32, hour: u32, minute: u32, second: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, minute, second)
        .unwrap()
}

/// A stage to move a deal to, and when.
type Move = (&'static str, DateTime<Utc>);

fn figures(
    new_customers: u64,
    follow_ups: u64,
    stage_moves: u64,
    deals_won: u64,
    won_amount: f64,
) -> WeekFigures {
    WeekFigures {
        new_customers,
        follow_ups,
        stage_moves,
        deals_won,
        won_amount,
    }
}

#[tokio::test]
async fn the_week_counts_what_happened_between_two_mondays_at_utc_plus_8() {
    for url in ["memory://", "sqlite::memory:"] {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 2, 20, 2, 0, 0).unwrap(),
        ));
        let crm = Crm::open(url).await.unwrap().with_clock(clock.clone());
        let a = Actor::system(TenantId(Uuid::from_u128(21)));
        let common::SmallOrg {
            east,
            shanghai,
            zhang,
            li,
            wang,
            team,
        } = common::small_org(&crm, &a).await;
        let stages = vec![
            Stage::open("qualify", "需求确认", 10),
            Stage::open("proposal", "方案报价", 50),
            Stage::won("won", "赢单"),
            Stage::lost("lost", "输单"),
        ];
        let pipeline = crm
            .pipelines()
            .create(&a, Pipeline::new("直销", stages).unwrap())
            .await
            .unwrap();
        // Created before the week, with no owner: in no figure.
        let customer = crm
            .accounts()
            .create(
                &a,
                Account::new(CompanyName::parse("华为技术有限公司").unwrap()),
            )
            .await
            .unwrap();

        // New customers: the first second of the week counts, the last second before it
        // and the first second after it do not.
        let accounts: [(UserId, DateTime<Utc>, &str); 4] = [
            (zhang, at(1, 15, 59, 59), "上海前一秒科技有限公司"),
            (zhang, at(1, 16, 0, 0), "上海零点科技有限公司"),
            (zhang, at(5, 3, 0, 0), "上海周四科技有限公司"),
            (li, at(8, 16, 0, 0), "杭州下周科技有限公司"),
        ];
        for (owner, when, name) in accounts {
            clock.set(when);
            let account = Account::new(CompanyName::parse(name).unwrap());
            crm.accounts()
                .create_owned(&a, Some(owner), account)
                .await
                .unwrap();
        }

        // Follow-ups: done in the week; an open one and one done after it do not count.
        let activities: [(UserId, Option<DateTime<Utc>>); 5] = [
            (zhang, Some(at(2, 1, 0, 0))),
            (zhang, Some(at(8, 15, 59, 59))),
            (li, Some(at(3, 6, 0, 0))),
            (li, Some(at(8, 16, 0, 0))),
            (li, None),
        ];
        for (owner, done_at) in activities {
            let mut call = Activity::new(ActivityKind::Call, "电话回访");
            call.account_id = Some(customer.id);
            call.done_at = done_at;
            crm.activities()
                .create_owned(&a, Some(owner), call)
                .await
                .unwrap();
        }

        // Stage moves, each deal's moves at the given instants; won amounts by closed_at.
        let deals: [(UserId, u32, &[Move]); 4] = [
            (
                zhang,
                300,
                &[("proposal", at(3, 2, 0, 0)), ("won", at(6, 2, 0, 0))],
            ),
            // Won on Sunday 23:00 Beijing time, the week before.
            (li, 999, &[("won", at(1, 15, 0, 0))]),
            (li, 700, &[("proposal", at(4, 2, 0, 0))]),
            (wang, 500, &[("won", at(7, 9, 0, 0))]),
        ];
        for (owner, amount, moves) in deals {
            clock.set(at(1, 0, 0, 0));
            let mut deal = Opportunity::new(customer.id, "扩容", "qualify");
            deal.pipeline_id = Some(pipeline.id);
            deal.amount = Some(Money::parse(&amount.to_string(), Currency::CNY).unwrap());
            let mut deal = crm
                .opportunities()
                .create_owned(&a, Some(owner), deal)
                .await
                .unwrap();
            for (to, when) in moves {
                clock.set(*when);
                deal = crm
                    .move_stage(&a, deal.id, deal.meta.version, to, None)
                    .await
                    .unwrap();
            }
        }

        let monday = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let report = crm.weekly_report(&a, monday).await.unwrap();
        assert_eq!(report.week_start, monday);
        let zhang_week = figures(2, 2, 2, 1, 300.0);
        assert_eq!(report.by_rep[&zhang], zhang_week, "{url}");
        assert_eq!(report.by_rep[&li], figures(0, 1, 1, 0, 0.0), "{url}");
        assert_eq!(report.by_rep[&wang], figures(0, 0, 1, 1, 500.0), "{url}");
        assert_eq!(report.by_rep.len(), 3, "{url}");
        assert_eq!(report.by_team[&team], figures(2, 2, 3, 2, 800.0), "{url}");
        assert_eq!(report.by_department[&shanghai], zhang_week, "{url}");
        assert_eq!(
            report.by_department[&east],
            figures(2, 3, 3, 1, 300.0),
            "{url}"
        );
        assert_eq!(report.total, figures(2, 3, 4, 2, 800.0), "{url}");

        // The week after holds li's new customer, follow-up and nothing else.
        let next = crm
            .weekly_report(&a, NaiveDate::from_ymd_opt(2026, 3, 9).unwrap())
            .await
            .unwrap();
        assert_eq!(next.total, figures(1, 1, 0, 0, 0.0), "{url}");

        let tuesday = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        let refused = crm.weekly_report(&a, tuesday).await.unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::Validation, "{url}");
    }
}
