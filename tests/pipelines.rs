//! Moving deals through pipeline stages through the facade, on the in-memory and SQLite
//! stores: requirements against fields and done activities, won/lost/reopen, stage history,
//! stale versions.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use crm::clock::ManualClock;
use crm::id::TenantId;
use crm::model::{
    Account, Activity, ActivityKind, Opportunity, OpportunityStatus, Pipeline, Stage,
    StageRequirement,
};
use crm::query::{Predicate, Query, Sort};
use crm::value::{CompanyName, Currency, Money};
use crm::{Actor, Crm, Error, ErrorKind};
use uuid::Uuid;

const URLS: [&str; 2] = ["memory://", "sqlite::memory:"];

fn pipeline() -> Pipeline {
    let mut pipeline = Pipeline::new(
        "直销",
        vec![
            Stage::open("qualify", "需求确认", 10),
            Stage::open("proposal", "方案报价", 50).requiring([
                StageRequirement::field("amount"),
                StageRequirement::activity(ActivityKind::Visit),
            ]),
            Stage::won("won", "赢单"),
            Stage::lost("lost", "输单"),
        ],
    )
    .unwrap();
    pipeline.lost_reasons = vec!["价格".into(), "竞品".into()];
    pipeline
}

#[tokio::test]
async fn a_deal_moves_when_its_requirements_are_met_and_every_move_is_history() {
    for url in URLS {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let crm = Crm::open(url).await.unwrap().with_clock(clock.clone());
        let a = Actor::system(TenantId(Uuid::from_u128(5)));
        let pipeline = crm.pipelines().create(&a, pipeline()).await.unwrap();
        let account = crm
            .accounts()
            .create(
                &a,
                Account::new(CompanyName::parse("华为技术有限公司").unwrap()),
            )
            .await
            .unwrap();
        let mut deal = Opportunity::new(account.id, "扩容", "qualify");
        deal.pipeline_id = Some(pipeline.id);
        let deal = crm.opportunities().create(&a, deal).await.unwrap();

        let refused = crm
            .move_stage(&a, deal.id, deal.meta.version, "proposal", None)
            .await
            .unwrap_err();
        match &refused {
            Error::StageRequirements { unmet, .. } => assert_eq!(unmet.len(), 2, "{url}"),
            other => panic!("{url}: {other:?}"),
        }

        let mut priced = deal.clone();
        priced.data.amount = Some(Money::parse("250000", Currency::CNY).unwrap());
        let priced = crm.opportunities().update(&a, priced).await.unwrap();
        let mut visit = Activity::new(ActivityKind::Visit, "上门拜访");
        visit.opportunity_id = Some(deal.id);
        // A planned visit is not a done one.
        let visit = crm.activities().create(&a, visit).await.unwrap();
        let still = crm
            .move_stage(&a, deal.id, priced.meta.version, "proposal", None)
            .await
            .unwrap_err();
        assert_eq!(still.kind(), ErrorKind::InvalidTransition, "{url}");
        let mut done = visit.clone();
        done.data.done_at = Some(start);
        crm.activities().update(&a, done).await.unwrap();
        // Logging the visit moved the deal's last follow-up: a new version.
        let visited = crm.opportunities().get(&a, deal.id).await.unwrap();
        assert_eq!(visited.data.last_activity_at, Some(start), "{url}");

        clock.advance(Duration::days(3));
        let moved = crm
            .move_stage(&a, deal.id, visited.meta.version, "proposal", None)
            .await
            .unwrap();
        assert_eq!(moved.data.stage, "proposal", "{url}");
        let stale = crm
            .move_stage(&a, deal.id, priced.meta.version, "won", None)
            .await
            .unwrap_err();
        assert_eq!(stale.kind(), ErrorKind::Conflict, "{url}");

        clock.advance(Duration::days(2));
        let lost = crm
            .move_stage(&a, deal.id, moved.meta.version, "lost", Some("竞品".into()))
            .await
            .unwrap();
        assert_eq!(lost.data.status, OpportunityStatus::Lost, "{url}");
        assert_eq!(lost.data.lost_reason.as_deref(), Some("竞品"));

        let history = crm
            .stage_changes()
            .list(
                &a,
                &Query::filter(Predicate::eq("opportunity_id", deal.id.0))
                    .sort(Sort::asc("at"))
                    .unpaged(),
            )
            .await
            .unwrap();
        let moves: Vec<_> = history
            .iter()
            .map(|c| {
                (
                    c.data.from_stage.as_str(),
                    c.data.to_stage.as_str(),
                    (c.data.at - c.data.entered_from_at).num_days(),
                )
            })
            .collect();
        assert_eq!(
            moves,
            vec![("qualify", "proposal", 3), ("proposal", "lost", 2)],
            "{url}"
        );
    }
}

#[tokio::test]
async fn a_deal_outside_any_pipeline_cannot_move() {
    let crm = Crm::open("memory://").await.unwrap();
    let a = Actor::system(TenantId(Uuid::from_u128(6)));
    let account = crm
        .accounts()
        .create(
            &a,
            Account::new(CompanyName::parse("恒瑞精密有限公司").unwrap()),
        )
        .await
        .unwrap();
    let deal = crm
        .opportunities()
        .create(&a, Opportunity::new(account.id, "x", "qualify"))
        .await
        .unwrap();
    let err = crm
        .move_stage(&a, deal.id, deal.meta.version, "won", None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
}

#[tokio::test]
async fn the_pipeline_report_and_rotting_deals_come_from_store_aggregates() {
    for url in URLS {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let crm = Crm::open(url).await.unwrap().with_clock(clock.clone());
        let a = Actor::system(TenantId(Uuid::from_u128(7)));
        let stages = vec![
            Stage::open("qualify", "需求确认", 10),
            Stage::open("proposal", "方案报价", 50).rots_after(7),
            Stage::won("won", "赢单"),
            Stage::lost("lost", "输单"),
        ];
        let pipeline = Pipeline::new("直销", stages).unwrap();
        let pipeline = crm.pipelines().create(&a, pipeline).await.unwrap();
        let account = crm
            .accounts()
            .create(
                &a,
                Account::new(CompanyName::parse("华为技术有限公司").unwrap()),
            )
            .await
            .unwrap();
        let mut deals = Vec::new();
        for (name, amount) in [("A", 100), ("B", 200), ("C", 300), ("D", 50)] {
            let mut deal = Opportunity::new(account.id, name, "qualify");
            deal.pipeline_id = Some(pipeline.id);
            deal.amount = Some(Money::parse(&amount.to_string(), Currency::CNY).unwrap());
            deals.push(crm.opportunities().create(&a, deal).await.unwrap());
        }
        let step = |deal: usize, to: &'static str, reason: Option<&str>| {
            let (crm, a, id) = (&crm, &a, deals[deal].id);
            let reason = reason.map(str::to_owned);
            async move {
                let now = crm.opportunities().get(a, id).await.unwrap();
                crm.move_stage(a, id, now.meta.version, to, reason)
                    .await
                    .unwrap();
            }
        };
        clock.advance(Duration::days(2));
        step(1, "proposal", None).await;
        clock.advance(Duration::days(1));
        step(3, "lost", Some("价格")).await;
        clock.advance(Duration::days(1));
        step(2, "proposal", None).await;
        clock.advance(Duration::days(1));
        step(2, "won", None).await;

        let report = crm.pipeline_report(&a, pipeline.id).await.unwrap();
        let figures: Vec<_> = report
            .stages
            .iter()
            .map(|s| (s.key.as_str(), s.deals, s.amount, s.weighted, s.entered))
            .collect();
        assert_eq!(
            figures,
            vec![
                ("qualify", 1, 100.0, 10.0, 4),
                ("proposal", 1, 200.0, 100.0, 2),
                ("won", 1, 300.0, 0.0, 1),
                ("lost", 1, 50.0, 0.0, 1),
            ],
            "{url}"
        );
        // Out of qualify: B after 2 days and C after 4 went on, D after 3 was lost.
        assert_eq!(report.stages[0].conversion, Some(0.5), "{url}");
        assert_eq!(report.stages[0].average_days, Some(3.0), "{url}");
        assert_eq!(report.stages[1].conversion, Some(0.5));
        assert_eq!(report.stages[1].average_days, Some(1.0));
        assert_eq!((report.open_amount, report.weighted_amount), (300.0, 110.0));
        assert_eq!(report.win_rate, Some(0.5));
        // C, the one won deal, entered qualify on day 0 and was won on day 5.
        assert_eq!(report.average_cycle_days, Some(5.0), "{url}");

        // B entered proposal on day 2; seven days later it starts rotting, A never does.
        clock.set(start + Duration::days(9));
        assert!(crm.rotting_deals(&a, pipeline.id).await.unwrap().is_empty());
        clock.set(start + Duration::days(10));
        let rotting = crm.rotting_deals(&a, pipeline.id).await.unwrap();
        assert_eq!(
            rotting.iter().map(|d| d.id).collect::<Vec<_>>(),
            vec![deals[1].id],
            "{url}"
        );
    }
}
