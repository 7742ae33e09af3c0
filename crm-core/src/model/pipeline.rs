//! Sales pipelines (销售流程): the ordered stages a deal moves through, what each stage
//! requires, which moves are allowed, and the history every move leaves.
//!
//! A tenant keeps several pipelines (per product line or department). A move is checked
//! by [`Pipeline::check_move`], which lists **every** unmet requirement at once, and applied
//! by [`StageMove::apply`], which also wins, loses or reopens the deal when the target stage
//! says so. Each applied move is kept as a [`StageChange`] for funnel and time-in-stage
//! analytics.
//!
//! ```
//! use std::collections::BTreeSet;
//! use chrono::{TimeZone, Utc};
//! use crm_core::id::AccountId;
//! use crm_core::model::{ActivityKind, Opportunity, Pipeline, Stage, StageRequirement, MoveEvidence};
//!
//! let pipeline = Pipeline::new("直销", vec![
//!     Stage::open("qualify", "需求确认", 10),
//!     Stage::open("proposal", "方案报价", 50).requiring([
//!         StageRequirement::field("amount"),
//!         StageRequirement::activity(ActivityKind::Visit),
//!     ]),
//!     Stage::won("won", "赢单"),
//!     Stage::lost("lost", "输单"),
//! ]).unwrap();
//! let deal = Opportunity::new(AccountId(uuid::Uuid::nil()), "扩容", "qualify");
//! let refused = pipeline.check_move(&deal, "proposal", &MoveEvidence::default()).unwrap_err();
//! assert!(refused.to_string().contains("amount"));
//! assert!(refused.to_string().contains("visit"));
//! ```

use std::collections::{BTreeSet, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ActivityKind, Opportunity, OpportunityStatus, check_text};
use crate::error::{Error, Result};
use crate::id::{OpportunityId, PipelineId, StageChangeId};
use crate::record::{Column, ColumnType, Entity, ObjectKind, Reference};

/// Where a stage's deals count in a forecast (Salesforce's forecast categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ForecastCategory {
    /// Early: counted in the pipeline only.
    Pipeline,
    /// Likely but not promised.
    BestCase,
    /// The rep commits to it this period.
    Commit,
    /// Won or lost.
    Closed,
    /// Left out of forecasts.
    Omitted,
}

/// What reaching a stage means for the deal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StageOutcome {
    /// Still being worked.
    Open,
    /// Reaching it wins the deal (赢单).
    Won,
    /// Reaching it loses the deal (输单); a reason is required.
    Lost,
}

/// Something a deal must have before it may enter a stage (Salesforce's Path "key fields",
/// 悟空CRM's 阶段任务).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StageRequirement {
    /// A field of the deal has a value: `amount`, `expected_close`, `contact_id`, or a custom
    /// field as `custom.<key>`.
    Field {
        /// The field name.
        field: String,
    },
    /// An activity of this kind about the deal is done.
    Activity {
        /// The activity kind.
        kind: ActivityKind,
    },
}

impl StageRequirement {
    /// Requires the deal's `field` to be set.
    pub fn field(field: impl Into<String>) -> Self {
        StageRequirement::Field {
            field: field.into(),
        }
    }

    /// Requires a done activity of `kind` about the deal.
    pub fn activity(kind: ActivityKind) -> Self {
        StageRequirement::Activity { kind }
    }

    fn met_by(&self, deal: &serde_json::Value, evidence: &MoveEvidence) -> bool {
        match self {
            StageRequirement::Field { field } => {
                let pointer = format!("/{}", field.replace('.', "/"));
                deal.pointer(&pointer).is_some_and(|v| match v {
                    serde_json::Value::Null => false,
                    serde_json::Value::String(s) => !s.trim().is_empty(),
                    serde_json::Value::Array(a) => !a.is_empty(),
                    serde_json::Value::Object(o) => !o.is_empty(),
                    _ => true,
                })
            }
            StageRequirement::Activity { kind } => evidence.done.contains(kind),
        }
    }
}

impl std::fmt::Display for StageRequirement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StageRequirement::Field { field } => write!(f, "field `{field}` must be set"),
            StageRequirement::Activity { kind } => {
                let kind = serde_json::to_value(kind).map_err(|_| std::fmt::Error)?;
                write!(
                    f,
                    "a done {} activity is required",
                    kind.as_str().unwrap_or("?")
                )
            }
        }
    }
}

/// One stage of a pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    /// A stable key, stored on the deal: `proposal`.
    pub key: String,
    /// The display name: 「方案报价」.
    pub name: String,
    /// The default win probability in percent.
    pub probability: u8,
    /// Where its deals count in a forecast.
    pub forecast: ForecastCategory,
    /// Whether reaching it wins or loses the deal.
    pub outcome: StageOutcome,
    /// What a deal needs before entering it.
    #[serde(default)]
    pub requires: Vec<StageRequirement>,
    /// A deal left in this stage longer than this many days is rotting (停滞).
    #[serde(default)]
    pub rot_after_days: Option<u32>,
}

impl Stage {
    /// An open stage counted in the pipeline forecast.
    pub fn open(key: impl Into<String>, name: impl Into<String>, probability: u8) -> Self {
        Stage {
            key: key.into(),
            name: name.into(),
            probability,
            forecast: ForecastCategory::Pipeline,
            outcome: StageOutcome::Open,
            requires: Vec::new(),
            rot_after_days: None,
        }
    }

    /// The stage that wins a deal.
    pub fn won(key: impl Into<String>, name: impl Into<String>) -> Self {
        Stage {
            probability: 100,
            forecast: ForecastCategory::Closed,
            outcome: StageOutcome::Won,
            ..Stage::open(key, name, 100)
        }
    }

    /// The stage that loses a deal.
    pub fn lost(key: impl Into<String>, name: impl Into<String>) -> Self {
        Stage {
            probability: 0,
            forecast: ForecastCategory::Closed,
            outcome: StageOutcome::Lost,
            ..Stage::open(key, name, 0)
        }
    }

    /// This stage with `forecast` as its forecast category.
    pub fn forecast(mut self, forecast: ForecastCategory) -> Self {
        self.forecast = forecast;
        self
    }

    /// This stage requiring `requirements` of entering deals.
    pub fn requiring(mut self, requirements: impl IntoIterator<Item = StageRequirement>) -> Self {
        self.requires.extend(requirements);
        self
    }

    /// This stage rotting deals left in it longer than `days`.
    pub fn rots_after(mut self, days: u32) -> Self {
        self.rot_after_days = Some(days);
        self
    }
}

/// A sales pipeline: ordered stages, allowed moves and lost reasons.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pipeline {
    /// Its name: 「直销」, 「渠道」, 「华东大区」.
    pub name: String,
    /// The stages, in order; new deals start in the first.
    pub stages: Vec<Stage>,
    /// Allowed moves as `(from, to)` stage keys. Empty: an open deal may move to any other
    /// stage, and a closed one to any open stage (which reopens it).
    #[serde(default)]
    pub transitions: Vec<(String, String)>,
    /// The reasons a deal may be lost for (价格, 竞品, 预算取消 ...). Empty: any reason.
    #[serde(default)]
    pub lost_reasons: Vec<String>,
}

/// What the engine knows about a deal beyond its fields when it checks a move.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MoveEvidence {
    /// The kinds of the done activities about the deal.
    pub done: BTreeSet<ActivityKind>,
    /// Why the deal is lost, for a move to a lost stage.
    pub lost_reason: Option<String>,
}

/// A checked move of a deal from one stage to another; [`apply`](StageMove::apply) it.
#[derive(Debug, Clone, PartialEq)]
pub struct StageMove {
    /// The stage it leaves.
    pub from: String,
    /// The stage it enters.
    pub to: Stage,
    /// Why it is lost, for a lost stage.
    pub lost_reason: Option<String>,
}

impl StageMove {
    /// Move `deal` at `at`: set its stage and stage entry time, clear a probability
    /// override (the stage default applies), and win, lose or reopen it as the stage says.
    pub fn apply(&self, deal: &mut Opportunity, at: DateTime<Utc>) -> Result<()> {
        if deal.status != OpportunityStatus::Open && self.to.outcome == StageOutcome::Open {
            deal.reopen()?;
        }
        match self.to.outcome {
            StageOutcome::Open => deal.probability = None,
            StageOutcome::Won => deal.win(at)?,
            StageOutcome::Lost => deal.lose(
                at,
                self.lost_reason
                    .clone()
                    .ok_or_else(|| Error::Internal("a checked lost move has a reason".into()))?,
            )?,
        }
        deal.stage = self.to.key.clone();
        deal.stage_entered_at = Some(at);
        Ok(())
    }
}

impl Pipeline {
    /// A pipeline with `stages` and no restrictions on moves; refused when it breaks the
    /// rules [`Entity::check`] enforces.
    pub fn new(name: impl Into<String>, stages: Vec<Stage>) -> Result<Self> {
        let pipeline = Pipeline {
            name: name.into(),
            stages,
            transitions: Vec::new(),
            lost_reasons: Vec::new(),
        };
        pipeline.check()?;
        Ok(pipeline)
    }

    /// The stage with `key`.
    pub fn stage(&self, key: &str) -> Option<&Stage> {
        self.stages.iter().find(|s| s.key == key)
    }

    /// The stage new deals start in.
    pub fn first_stage(&self) -> &Stage {
        &self.stages[0]
    }

    fn allows(&self, from: &Stage, to: &Stage) -> bool {
        if self.transitions.is_empty() {
            return from.outcome == StageOutcome::Open || to.outcome == StageOutcome::Open;
        }
        self.transitions
            .iter()
            .any(|(f, t)| *f == from.key && *t == to.key)
    }

    /// Check moving `deal` to stage `to`: the stage must exist and differ, the move must be
    /// allowed, a lost stage needs an accepted reason, and every requirement of `to` must be
    /// met — all unmet ones are listed in one [`Error::StageRequirements`].
    pub fn check_move(
        &self,
        deal: &Opportunity,
        to: &str,
        evidence: &MoveEvidence,
    ) -> Result<StageMove> {
        let target = self.stage(to).ok_or_else(|| {
            Error::validation(
                "stage",
                to,
                format!("pipeline 「{}」 has no such stage", self.name),
            )
        })?;
        let refuse = |reason: String| Error::InvalidTransition {
            object: "opportunity",
            from: deal.stage.clone(),
            to: to.to_owned(),
            reason,
        };
        let current = self
            .stage(&deal.stage)
            .ok_or_else(|| refuse(format!("its stage is not in pipeline 「{}」", self.name)))?;
        if current.key == target.key {
            return Err(refuse("the deal is in that stage already".into()));
        }
        if !self.allows(current, target) {
            return Err(refuse(format!(
                "pipeline 「{}」 does not allow this move",
                self.name
            )));
        }
        let lost_reason = match target.outcome {
            StageOutcome::Lost => Some(self.check_lost_reason(evidence.lost_reason.as_deref())?),
            _ => None,
        };
        let fields = serde_json::to_value(deal)
            .map_err(|e| Error::Internal(format!("opportunity to JSON: {e}")))?;
        let unmet: Vec<StageRequirement> = target
            .requires
            .iter()
            .filter(|r| !r.met_by(&fields, evidence))
            .cloned()
            .collect();
        if !unmet.is_empty() {
            return Err(Error::StageRequirements {
                stage: target.key.clone(),
                unmet,
            });
        }
        Ok(StageMove {
            from: current.key.clone(),
            to: target.clone(),
            lost_reason,
        })
    }

    fn check_lost_reason(&self, reason: Option<&str>) -> Result<String> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        match reason {
            None => Err(Error::validation(
                "lost_reason",
                "",
                "a lost deal needs a reason",
            )),
            Some(r)
                if !self.lost_reasons.is_empty() && !self.lost_reasons.iter().any(|l| l == r) =>
            {
                Err(Error::validation(
                    "lost_reason",
                    r,
                    format!("not one of {}", self.lost_reasons.join(", ")),
                ))
            }
            Some(r) => Ok(r.to_owned()),
        }
    }
}

pub(super) const PIPELINE_COLUMNS: &[Column] = &[Column::new("name", ColumnType::Text)];

impl Entity for Pipeline {
    type Id = PipelineId;
    const KIND: ObjectKind = ObjectKind::Pipeline;

    fn check(&self) -> Result<()> {
        check_text("name", &self.name, 100)?;
        if self.stages.is_empty() {
            return Err(Error::validation("stages", "", "a pipeline needs stages"));
        }
        let mut keys = HashSet::new();
        for stage in &self.stages {
            check_text("stages.key", &stage.key, 64)?;
            check_text("stages.name", &stage.name, 100)?;
            if !keys.insert(stage.key.as_str()) {
                return Err(Error::validation("stages.key", &stage.key, "appears twice"));
            }
            if stage.probability > 100 {
                return Err(Error::validation(
                    "stages.probability",
                    stage.probability.to_string(),
                    "must be 0 to 100",
                ));
            }
        }
        if self.first_stage().outcome != StageOutcome::Open {
            return Err(Error::validation(
                "stages",
                &self.first_stage().key,
                "the first stage must be open: new deals start there",
            ));
        }
        for (from, to) in &self.transitions {
            for key in [from, to] {
                if !keys.contains(key.as_str()) {
                    return Err(Error::validation("transitions", key, "no such stage"));
                }
            }
        }
        Ok(())
    }
}

/// One move of a deal between stages (阶段变更记录), appended on every move.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageChange {
    /// The deal.
    pub opportunity_id: OpportunityId,
    /// Its pipeline.
    pub pipeline_id: PipelineId,
    /// The stage it left.
    pub from_stage: String,
    /// The stage it entered.
    pub to_stage: String,
    /// When.
    pub at: DateTime<Utc>,
    /// When it had entered `from_stage`.
    pub entered_from_at: DateTime<Utc>,
    /// `at - entered_from_at` in seconds: the time spent in `from_stage`, summed by reports.
    pub seconds_in_from_stage: i64,
}

impl StageChange {
    /// The record of `step` made at `at` by deal `opportunity_id` of pipeline `pipeline_id`,
    /// which had entered the stage it leaves at `entered_from_at`.
    pub fn new(
        opportunity_id: OpportunityId,
        pipeline_id: PipelineId,
        step: StageMove,
        entered_from_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> StageChange {
        StageChange {
            opportunity_id,
            pipeline_id,
            from_stage: step.from,
            to_stage: step.to.key,
            at,
            entered_from_at,
            seconds_in_from_stage: (at - entered_from_at).num_seconds(),
        }
    }
}

pub(super) const STAGE_CHANGE_COLUMNS: &[Column] = &[
    Column::new("opportunity_id", ColumnType::Uuid).indexed(),
    Column::new("pipeline_id", ColumnType::Uuid).indexed(),
    Column::new("from_stage", ColumnType::Text),
    Column::new("to_stage", ColumnType::Text).indexed(),
    Column::new("at", ColumnType::Timestamp).indexed(),
    Column::new("entered_from_at", ColumnType::Timestamp),
    Column::new("seconds_in_from_stage", ColumnType::Integer),
];

impl Entity for StageChange {
    type Id = StageChangeId;
    const KIND: ObjectKind = ObjectKind::StageChange;

    fn references(&self) -> Vec<Reference> {
        vec![
            Reference::to(
                "opportunity_id",
                ObjectKind::Opportunity,
                self.opportunity_id,
            ),
            Reference::to("pipeline_id", ObjectKind::Pipeline, self.pipeline_id),
        ]
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::error::ErrorKind;
    use crate::id::AccountId;
    use crate::value::{Currency, Money};

    fn pipeline() -> Pipeline {
        let mut p = Pipeline::new(
            "直销",
            vec![
                Stage::open("qualify", "需求确认", 10),
                Stage::open("proposal", "方案报价", 50).requiring([
                    StageRequirement::field("amount"),
                    StageRequirement::field("custom.budget"),
                    StageRequirement::activity(ActivityKind::Visit),
                ]),
                Stage::won("won", "赢单"),
                Stage::lost("lost", "输单"),
            ],
        )
        .unwrap();
        p.lost_reasons = vec!["价格".into(), "竞品".into()];
        p
    }

    fn deal() -> Opportunity {
        Opportunity::new(AccountId(uuid::Uuid::nil()), "扩容", "qualify")
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 2, 0, 0).unwrap()
    }

    #[test]
    fn a_refused_move_lists_every_unmet_requirement() {
        let err = pipeline()
            .check_move(&deal(), "proposal", &MoveEvidence::default())
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidTransition);
        match err {
            Error::StageRequirements { stage, unmet } => {
                assert_eq!(stage, "proposal");
                assert_eq!(
                    unmet,
                    vec![
                        StageRequirement::field("amount"),
                        StageRequirement::field("custom.budget"),
                        StageRequirement::activity(ActivityKind::Visit),
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_move_with_its_requirements_met_sets_stage_and_clears_the_probability_override() {
        let mut d = deal();
        d.amount = Some(Money::parse("10000", Currency::CNY).unwrap());
        d.custom.insert(
            "budget".into(),
            crate::fields::FieldValue::Text("已批".into()),
        );
        d.probability = Some(30);
        let evidence = MoveEvidence {
            done: BTreeSet::from([ActivityKind::Visit]),
            lost_reason: None,
        };
        let step = pipeline().check_move(&d, "proposal", &evidence).unwrap();
        step.apply(&mut d, at()).unwrap();
        assert_eq!(d.stage, "proposal");
        assert_eq!(d.probability, None);
        assert_eq!(d.stage_entered_at, Some(at()));
        assert_eq!(step.from, "qualify");
    }

    #[test]
    fn lost_needs_an_accepted_reason_and_closed_deals_reopen_by_moving_to_an_open_stage() {
        let p = pipeline();
        let mut d = deal();
        let no_reason = p.check_move(&d, "lost", &MoveEvidence::default());
        assert_eq!(no_reason.unwrap_err().kind(), ErrorKind::Validation);
        let wrong = MoveEvidence {
            lost_reason: Some("天气".into()),
            ..MoveEvidence::default()
        };
        assert_eq!(
            p.check_move(&d, "lost", &wrong).unwrap_err().kind(),
            ErrorKind::Validation
        );
        let price = MoveEvidence {
            lost_reason: Some("价格".into()),
            ..MoveEvidence::default()
        };
        p.check_move(&d, "lost", &price)
            .unwrap()
            .apply(&mut d, at())
            .unwrap();
        assert_eq!(d.status, OpportunityStatus::Lost);
        assert_eq!(d.lost_reason.as_deref(), Some("价格"));
        d.check().unwrap();
        let closed_to_closed = p.check_move(&d, "won", &MoveEvidence::default());
        assert_eq!(
            closed_to_closed.unwrap_err().kind(),
            ErrorKind::InvalidTransition
        );
        p.check_move(&d, "qualify", &MoveEvidence::default())
            .unwrap()
            .apply(&mut d, at())
            .unwrap();
        assert_eq!(d.status, OpportunityStatus::Open);
        d.check().unwrap();
    }

    #[test]
    fn explicit_transitions_restrict_moves_and_unknown_stages_are_refused() {
        let mut p = pipeline();
        p.transitions = vec![("qualify".into(), "lost".into())];
        p.check().unwrap();
        let err = p.check_move(&deal(), "won", &MoveEvidence::default());
        assert_eq!(err.unwrap_err().kind(), ErrorKind::InvalidTransition);
        let err = p.check_move(&deal(), "nowhere", &MoveEvidence::default());
        assert_eq!(err.unwrap_err().kind(), ErrorKind::Validation);
        let same = p.check_move(&deal(), "qualify", &MoveEvidence::default());
        assert_eq!(same.unwrap_err().kind(), ErrorKind::InvalidTransition);
        p.transitions = vec![("qualify".into(), "gone".into())];
        assert!(p.check().is_err());
    }

    #[test]
    fn malformed_pipelines_are_refused() {
        assert!(Pipeline::new("空", vec![]).is_err());
        assert!(Pipeline::new("x", vec![Stage::won("won", "赢单")]).is_err());
        let twice = vec![Stage::open("a", "A", 10), Stage::open("a", "B", 20)];
        assert!(Pipeline::new("x", twice).is_err());
        assert!(Pipeline::new("x", vec![Stage::open("a", "A", 101)]).is_err());
    }
}
