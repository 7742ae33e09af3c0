//! The weekly report (周报) at China Standard Time: per rep, team and department, from four
//! grouped aggregates over what the actor may read and the tenant's org chart.

use chrono::{FixedOffset, NaiveDate};
use crm_core::model::{Week, WeekGroups, WeeklyReport};
use crm_core::query::Predicate;

use crate::{Actor, Crm, ObjectKind, Result};

/// UTC+8: the week runs from Monday 00:00 to the next Monday 00:00 in Beijing.
const CHINA_STANDARD_TIME: i32 = 8 * 3600;

impl Crm {
    /// The week from `week_start` (a Monday) 00:00 UTC+8 to the next Monday 00:00: accounts
    /// created, activities done, stage moves and deals won (count and amount, by `closed_at`),
    /// per owner, team and department (a department includes those below it), over the
    /// records the actor may read. Stage moves count for the deals the actor may read.
    /// See [`WeeklyReport::roll_up`].
    pub async fn weekly_report(
        &self,
        actor: &Actor,
        week_start: NaiveDate,
    ) -> Result<WeeklyReport> {
        let offset = FixedOffset::east_opt(CHINA_STANDARD_TIME).expect("UTC+8 is in range");
        let week = Week::starting(week_start, offset)?;
        let new_customers = self
            .readable_aggregate(actor, ObjectKind::Account, week.new_customers())
            .await?;
        let follow_ups = self
            .readable_aggregate(actor, ObjectKind::Activity, week.follow_ups())
            .await?;
        let deals_won = self
            .readable_aggregate(actor, ObjectKind::Opportunity, week.deals_won())
            .await?;
        // Stage history follows the deals it belongs to, as in the pipeline report.
        let readable = self.readable(actor, ObjectKind::Opportunity).await?;
        let mut moves = week.stage_moves();
        let of_readable =
            Predicate::in_select("opportunity_id", ObjectKind::Opportunity, "id", readable);
        moves.query.filter = Some(match moves.query.filter.take() {
            Some(filter) => filter.and(of_readable),
            None => of_readable,
        });
        let stage_moves = self
            .reader()
            .aggregate(ObjectKind::StageChange, actor.tenant, &moves)
            .await?;
        let groups = WeekGroups {
            new_customers,
            follow_ups,
            stage_moves,
            deals_won,
        };
        let org = self.org_chart(actor).await?;
        Ok(WeeklyReport::roll_up(&week, &groups, &org))
    }
}
