//! The monthly forecast through the facade, on the in-memory and SQLite stores: amounts per
//! forecast category and weighted, rolled up from owners to teams and up the department tree.

mod common;

use chrono::{NaiveDate, TimeZone, Utc};
use crm::id::{TenantId, UserId};
use crm::model::{Account, ForecastCategory, ForecastFigures, Opportunity, Pipeline, Stage};
use crm::value::{CompanyName, Currency, Money};
use crm::{Actor, Crm};
use uuid::Uuid;

fn date(month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, day).unwrap()
}

fn figures(pipeline: f64, commit: f64, closed: f64, weighted: f64) -> ForecastFigures {
    let mut f = ForecastFigures::default();
    for (category, amount) in [
        (ForecastCategory::Pipeline, pipeline),
        (ForecastCategory::Commit, commit),
        (ForecastCategory::Closed, closed),
    ] {
        if amount > 0.0 {
            f.by_category.insert(category, amount);
        }
    }
    f.weighted = weighted;
    f
}

#[tokio::test]
async fn the_forecast_rolls_up_from_owners_to_teams_and_departments() {
    for url in ["memory://", "sqlite::memory:"] {
        let crm = Crm::open(url).await.unwrap();
        let a = Actor::system(TenantId(Uuid::from_u128(11)));
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
            Stage::open("contract", "合同审批", 80).forecast(ForecastCategory::Commit),
            Stage::won("won", "赢单"),
            Stage::lost("lost", "输单"),
        ];
        let pipeline = crm
            .pipelines()
            .create(&a, Pipeline::new("直销", stages).unwrap())
            .await
            .unwrap();
        let account = crm
            .accounts()
            .create(
                &a,
                Account::new(CompanyName::parse("华为技术有限公司").unwrap()),
            )
            .await
            .unwrap();
        let closed_at = Utc.with_ymd_and_hms(2026, 3, 5, 2, 0, 0).unwrap();
        let deals: [(UserId, u32, &str, NaiveDate); 6] = [
            (zhang, 100, "qualify", date(3, 10)),
            (zhang, 200, "contract", date(3, 20)),
            (zhang, 300, "won", date(3, 5)),
            (li, 400, "contract", date(3, 31)),
            (li, 50, "lost", date(3, 15)),
            (wang, 500, "qualify", date(4, 2)),
        ];
        for (owner, amount, stage, close) in
            deals
                .into_iter()
                .chain([(zhang, 999, "qualify", date(5, 1))])
        {
            let mut deal = Opportunity::new(account.id, "x", stage);
            deal.pipeline_id = Some(pipeline.id);
            deal.amount = Some(Money::parse(&amount.to_string(), Currency::CNY).unwrap());
            deal.expected_close = Some(close);
            match stage {
                "won" => deal.win(closed_at).unwrap(),
                "lost" => deal.lose(closed_at, "价格").unwrap(),
                _ => {}
            }
            crm.opportunities()
                .create_owned(&a, Some(owner), deal)
                .await
                .unwrap();
        }

        let forecast = crm.forecast(&a, date(3, 1), date(4, 30)).await.unwrap();
        assert_eq!(
            forecast.months.keys().collect::<Vec<_>>(),
            ["2026-03", "2026-04"],
            "{url}"
        );
        let march = &forecast.months["2026-03"];
        assert_eq!(
            march.by_owner[&zhang],
            figures(100.0, 200.0, 300.0, 170.0),
            "{url}"
        );
        assert_eq!(march.by_owner[&li], figures(0.0, 400.0, 0.0, 320.0));
        assert_eq!(march.by_team[&team], march.by_owner[&zhang]);
        assert_eq!(march.by_department[&shanghai], march.by_owner[&zhang]);
        let east_march = figures(100.0, 600.0, 300.0, 490.0);
        assert_eq!(march.by_department[&east], east_march);
        assert_eq!(march.total, east_march);
        let april = &forecast.months["2026-04"];
        assert_eq!(
            april.by_team[&team],
            figures(500.0, 0.0, 0.0, 50.0),
            "{url}"
        );
        assert!(april.by_department.is_empty());
        assert_eq!(april.total, figures(500.0, 0.0, 0.0, 50.0));
    }
}
