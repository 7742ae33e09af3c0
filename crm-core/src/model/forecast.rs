//! Sales forecast per month, rolled up from owners to their teams and up the department tree:
//! "本月 commit 多少, 华东大区呢?" Amounts are grouped by the store ([`Forecast::query`]);
//! this module only rolls the groups up.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::{DepartmentTree, ForecastCategory, Pipeline, StageOutcome};
use crate::aggregate::{Aggregate, Group, Measure};
use crate::id::{DepartmentId, PipelineId, TeamId, UserId};
use crate::query::{Predicate, Query};
use crate::record::Value;

/// Amounts per forecast category, and the probability-weighted amount of open deals.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ForecastFigures {
    /// Amount per category (closed deals: won only, under `Closed`).
    pub by_category: BTreeMap<ForecastCategory, f64>,
    /// Open amounts times their stage's default probability.
    pub weighted: f64,
}

impl ForecastFigures {
    fn add(&mut self, other: &ForecastFigures) {
        for (category, amount) in &other.by_category {
            *self.by_category.entry(*category).or_default() += amount;
        }
        self.weighted += other.weighted;
    }
}

/// One month's forecast.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MonthForecast {
    /// Per deal owner (deals without an owner are left out of the roll-up but in `total`).
    pub by_owner: BTreeMap<UserId, ForecastFigures>,
    /// Per team: its members' figures (a user in two teams counts in both).
    pub by_team: BTreeMap<TeamId, ForecastFigures>,
    /// Per department: its own users' figures plus every department below it.
    pub by_department: BTreeMap<DepartmentId, ForecastFigures>,
    /// Everything.
    pub total: ForecastFigures,
}

/// The organisation a forecast rolls up through.
#[derive(Debug, Clone, Default)]
pub struct OrgChart {
    /// Each user's department.
    pub department_of: HashMap<UserId, DepartmentId>,
    /// Each team's members.
    pub teams: Vec<(TeamId, Vec<UserId>)>,
    /// The department tree.
    pub departments: DepartmentTree,
}

/// A forecast: months (`YYYY-MM`) to figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Forecast {
    /// By month of expected close.
    pub months: BTreeMap<String, MonthForecast>,
}

impl Forecast {
    /// Deals expected to close in `[from, to]`, summed by pipeline, stage, owner and close
    /// date: the groups [`roll_up`](Self::roll_up) reads. Lost deals are left out.
    pub fn query(from: NaiveDate, to: NaiveDate) -> Aggregate {
        let window = Predicate::ge("expected_close", from)
            .and(Predicate::le("expected_close", to))
            .and(Predicate::ne("status", "lost"));
        Aggregate::new(Query::filter(window))
            .group_by("pipeline_id")
            .group_by("stage")
            .group_by("owner")
            .group_by("expected_close")
            .measure(Measure::Sum("amount".into()))
    }

    /// Roll the groups of [`query`](Self::query) up by month, owner, team and department.
    /// Deals whose pipeline or stage is unknown count as `Pipeline` at 0%.
    pub fn roll_up(
        groups: &[Group],
        pipelines: &HashMap<PipelineId, Pipeline>,
        org: &OrgChart,
    ) -> Forecast {
        let mut forecast = Forecast::default();
        for group in groups {
            let [pipeline, stage, owner, close] = &group.keys[..] else {
                continue;
            };
            let Value::Date(close) = close else { continue };
            let stage = match (pipeline, stage) {
                (Value::Uuid(p), Value::Text(s)) => {
                    pipelines.get(&PipelineId(*p)).and_then(|p| p.stage(s))
                }
                _ => None,
            };
            let (category, probability) = match stage {
                Some(s) if s.outcome == StageOutcome::Open => (s.forecast, s.probability),
                Some(s) => (ForecastCategory::Closed, s.probability),
                None => (ForecastCategory::Pipeline, 0),
            };
            let amount = group.values[0];
            let mut figures = ForecastFigures::default();
            figures.by_category.insert(category, amount);
            if category != ForecastCategory::Closed {
                figures.weighted = amount * f64::from(probability) / 100.0;
            }
            let month = format!("{:04}-{:02}", close.year(), close.month());
            let entry = forecast.months.entry(month).or_default();
            entry.total.add(&figures);
            if let Value::Uuid(owner) = owner {
                entry
                    .by_owner
                    .entry(UserId(*owner))
                    .or_default()
                    .add(&figures);
            }
        }
        for month in forecast.months.values_mut() {
            month.roll_up(org);
        }
        forecast
    }
}

impl MonthForecast {
    fn roll_up(&mut self, org: &OrgChart) {
        for (team, members) in &org.teams {
            let mut figures = ForecastFigures::default();
            for member in members {
                if let Some(own) = self.by_owner.get(member) {
                    figures.add(own);
                }
            }
            if figures != ForecastFigures::default() {
                self.by_team.insert(*team, figures);
            }
        }
        for (owner, figures) in &self.by_owner {
            let Some(&department) = org.department_of.get(owner) else {
                continue;
            };
            for d in std::iter::once(department).chain(org.departments.ancestors(department)) {
                self.by_department.entry(d).or_default().add(figures);
            }
        }
    }
}
