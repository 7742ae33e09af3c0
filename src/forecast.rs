//! The sales forecast per month, rolled up owner → team → department, from one grouped
//! aggregate of the deals and the tenant's org chart.

use std::collections::HashMap;

use chrono::NaiveDate;
use crm_core::model::{Department, DepartmentTree, Forecast, OrgChart, Pipeline, Team, User};
use crm_core::query::Query;

use crate::{Actor, Crm, ObjectKind, Result};

impl Crm {
    /// Deals expected to close from `from` to `to` (inclusive), by month: amounts per forecast
    /// category and weighted, per owner, team and department (a department includes those
    /// below it), over the deals the actor may read. See [`Forecast::roll_up`].
    pub async fn forecast(
        &self,
        actor: &Actor,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Forecast> {
        let reader = self.reader();
        let tenant = actor.tenant;
        let groups = self
            .readable_aggregate(actor, ObjectKind::Opportunity, Forecast::query(from, to))
            .await?;
        let all = Query::all().unpaged();
        let pipelines = reader
            .list::<Pipeline>(tenant, &all)
            .await?
            .into_iter()
            .map(|p| (p.id, p.data))
            .collect();
        let org = self.org_chart(actor).await?;
        Ok(Forecast::roll_up(&groups, &pipelines, &org))
    }

    /// The tenant's users' departments, teams and department tree: what reports roll up
    /// through.
    pub(crate) async fn org_chart(&self, actor: &Actor) -> Result<OrgChart> {
        let reader = self.reader();
        let tenant = actor.tenant;
        let all = Query::all().unpaged();
        let users = reader.list::<User>(tenant, &all).await?;
        let departments = reader.list::<Department>(tenant, &all).await?;
        let teams = reader.list::<Team>(tenant, &all).await?;
        Ok(OrgChart {
            department_of: users
                .iter()
                .filter_map(|u| Some((u.id, u.data.department_id?)))
                .collect::<HashMap<_, _>>(),
            teams: teams
                .into_iter()
                .map(|t| (t.id, t.data.members.into_iter().collect()))
                .collect(),
            departments: DepartmentTree::new(departments.iter().map(|d| (d.id, d.data.parent)))?,
        })
    }
}
