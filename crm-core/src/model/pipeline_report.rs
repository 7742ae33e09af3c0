//! What a sales manager reads off a pipeline: deals and amounts per stage, the weighted
//! pipeline, win rate, how many deals entered each stage (the funnel), the average time in
//! each stage, and which deals are rotting. Computed from grouped aggregates
//! ([`crate::aggregate`]) so it scales with the store, not with memory.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::{ForecastCategory, Pipeline, StageOutcome};
use crate::aggregate::{Aggregate, Group, Measure};
use crate::id::PipelineId;
use crate::query::{Predicate, Query};
use crate::record::{ObjectKind, Value};

/// One stage's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageFigures {
    /// The stage key.
    pub key: String,
    /// The stage name.
    pub name: String,
    /// Its forecast category.
    pub forecast: ForecastCategory,
    /// Deals now in it.
    pub deals: u64,
    /// Their total amount.
    pub amount: f64,
    /// The amount times the stage's default probability.
    pub weighted: f64,
    /// Stays in it so far: deals now in it plus moves out of it (a deal that comes back
    /// counts again).
    pub entered: u64,
    /// Of the stays in it, the share that moved on to a later open or won stage.
    pub conversion: Option<f64>,
    /// Average days deals spent in it before moving on; `None` before any left it.
    pub average_days: Option<f64>,
}

/// A pipeline's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PipelineReport {
    /// Per stage, in pipeline order.
    pub stages: Vec<StageFigures>,
    /// Open deals' total amount.
    pub open_amount: f64,
    /// Open deals' weighted amount.
    pub weighted_amount: f64,
    /// Won deals / closed deals; `None` before any closed.
    pub win_rate: Option<f64>,
    /// The mean sales cycle of the won deals that moved through the pipeline, in days: from
    /// entering their first stage to the win; `None` before any.
    pub average_cycle_days: Option<f64>,
}

impl Pipeline {
    /// Deals of pipeline `id` grouped by stage: the [`Aggregate`] [`report`](Self::report)
    /// reads as `by_stage`.
    pub fn deals_by_stage(id: PipelineId) -> Aggregate {
        Aggregate::new(Query::filter(Predicate::eq("pipeline_id", id.0)))
            .group_by("stage")
            .measure(Measure::Sum("amount".into()))
    }

    /// Stage moves of pipeline `id` grouped by the stage left and the stage entered, with
    /// the seconds spent in the stage left: [`report`](Self::report)'s `moves`.
    pub fn moves_by_stage(id: PipelineId) -> Aggregate {
        Aggregate::new(Query::filter(Predicate::eq("pipeline_id", id.0)))
            .group_by("from_stage")
            .group_by("to_stage")
            .measure(Measure::Sum("seconds_in_from_stage".into()))
    }

    /// The stage moves of pipeline `id`'s won deals grouped by deal, with the seconds spent
    /// in the stages left: a deal's sum is its cycle from its first stage to the win
    /// ([`report`](Self::report)'s `won_cycles`).
    pub fn won_cycles(&self, id: PipelineId) -> Aggregate {
        let won_stage = self
            .stages
            .iter()
            .filter(|s| s.outcome == StageOutcome::Won)
            .map(|s| Predicate::eq("stage", s.key.as_str()))
            .fold(Predicate::False, Predicate::or);
        let won_deals = Predicate::eq("pipeline_id", id.0).and(won_stage);
        let moves_of_won = Predicate::eq("pipeline_id", id.0).and(Predicate::in_select(
            "opportunity_id",
            ObjectKind::Opportunity,
            "id",
            won_deals,
        ));
        Aggregate::new(Query::filter(moves_of_won))
            .group_by("opportunity_id")
            .measure(Measure::Sum("seconds_in_from_stage".into()))
    }

    /// The report from the groups of [`deals_by_stage`](Self::deals_by_stage),
    /// [`moves_by_stage`](Self::moves_by_stage) and [`won_cycles`](Self::won_cycles).
    pub fn report(
        &self,
        by_stage: &[Group],
        moves: &[Group],
        won_cycles: &[Group],
    ) -> PipelineReport {
        let text = |v: &Value| match v {
            Value::Text(t) => Some(t.clone()),
            _ => None,
        };
        let in_stage = |key: &str| {
            by_stage
                .iter()
                .find(|g| g.keys.first().and_then(text).as_deref() == Some(key))
                .map_or((0, 0.0), |g| (g.count, g.values[0]))
        };
        let moves: Vec<(String, String, u64, f64)> = moves
            .iter()
            .filter_map(|g| {
                Some((
                    text(g.keys.first()?)?,
                    text(g.keys.get(1)?)?,
                    g.count,
                    g.values[0],
                ))
            })
            .collect();
        let position = |key: &str| self.stages.iter().position(|s| s.key == key);
        let mut stages = Vec::with_capacity(self.stages.len());
        for (i, stage) in self.stages.iter().enumerate() {
            let (deals, amount) = in_stage(&stage.key);
            let left: Vec<_> = moves.iter().filter(|m| m.0 == stage.key).collect();
            let left_count: u64 = left.iter().map(|m| m.2).sum();
            // Every stay in a stage either goes on or has left it.
            let entered = deals + left_count;
            let advanced: u64 = left
                .iter()
                .filter(|m| {
                    position(&m.1)
                        .is_some_and(|p| p > i && self.stages[p].outcome != StageOutcome::Lost)
                })
                .map(|m| m.2)
                .sum();
            let seconds: f64 = left.iter().map(|m| m.3).sum();
            let open = stage.outcome == StageOutcome::Open;
            stages.push(StageFigures {
                key: stage.key.clone(),
                name: stage.name.clone(),
                forecast: stage.forecast,
                deals,
                amount,
                weighted: if open {
                    amount * f64::from(stage.probability) / 100.0
                } else {
                    0.0
                },
                entered,
                conversion: (open && entered > 0).then(|| advanced as f64 / entered as f64),
                average_days: (left_count > 0).then(|| seconds / left_count as f64 / 86_400.0),
            });
        }
        let open = |s: &&StageFigures| {
            self.stage(&s.key)
                .is_some_and(|st| st.outcome == StageOutcome::Open)
        };
        let closed = |outcome: StageOutcome| -> u64 {
            self.stages
                .iter()
                .zip(&stages)
                .filter(|(s, _)| s.outcome == outcome)
                .map(|(_, f)| f.deals)
                .sum()
        };
        let (won, lost) = (closed(StageOutcome::Won), closed(StageOutcome::Lost));
        PipelineReport {
            open_amount: stages.iter().filter(open).map(|s| s.amount).sum(),
            weighted_amount: stages.iter().filter(open).map(|s| s.weighted).sum(),
            win_rate: (won + lost > 0).then(|| won as f64 / (won + lost) as f64),
            average_cycle_days: (!won_cycles.is_empty()).then(|| {
                let seconds: f64 = won_cycles.iter().map(|g| g.values[0]).sum();
                seconds / won_cycles.len() as f64 / 86_400.0
            }),
            stages,
        }
    }

    /// Open deals of pipeline `id` left in a stage longer than its `rot_after_days` at `now`
    /// (停滞商机): one indexable predicate, no scan in memory. Deals never moved count from
    /// their creation.
    pub fn rotting(&self, id: PipelineId, now: DateTime<Utc>) -> Predicate {
        let per_stage = self.stages.iter().filter_map(|stage| {
            let days = stage.rot_after_days?;
            let cutoff = now - Duration::days(i64::from(days));
            let since =
                Predicate::lt("stage_entered_at", cutoff)
                    .or(Predicate::is_null("stage_entered_at")
                        .and(Predicate::lt("created_at", cutoff)));
            Some(Predicate::eq("stage", stage.key.as_str()).and(since))
        });
        let any = per_stage.fold(Predicate::False, Predicate::or);
        Predicate::eq("pipeline_id", id.0)
            .and(Predicate::eq("status", "open"))
            .and(any)
    }
}
