//! Points scoring: declarative fit and engagement rules, HubSpot style.
//!
//! A [`PointsModel`] is a JSON document a host stores and edits without recompiling. Fit rules
//! award points when a [`Predicate`] holds for the lead ("industry is manufacturing": +10);
//! engagement rules award points per event of a type ("pricing page view": +3), decayed by
//! age with a half-life or counted only inside a window. Points add up per group (`fit`,
//! `engagement`, or any name), each group may be capped, the total may be capped, and
//! thresholds turn the total into a [`Grade`] and an MQL flag. Every [`PointsScore`] lists
//! the rules that made it, with their points before decay, after decay and after caps.
//!
//! When a cap bites, the positive contributions of its group are scaled down in proportion, so
//! the awarded points of the listed rules always add up to the total.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::query::Predicate;
use crate::scoring::lookup::{FieldLookup, predicate_holds};

/// A complete points scoring configuration.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use crm_core::record::Value;
/// use crm_core::scoring::{EngagementEvent, Grade, PointsModel};
/// use std::collections::BTreeMap;
///
/// let model = PointsModel::from_json(r#"{
///   "fit": [
///     {"id": "industry", "when": {"op": "compare", "field": "industry", "cmp": "eq",
///                                  "value": {"type": "text", "value": "manufacturing"}},
///      "points": 30}
///   ],
///   "engagement": [
///     {"id": "demo", "event": "demo_request", "points": 40, "decay": {"half_life_days": 30}}
///   ],
///   "grades": {"a": 60, "b": 40, "c": 20},
///   "mql_at": 50
/// }"#)?;
/// let lead = BTreeMap::from([("industry".to_string(), Value::from("manufacturing"))]);
/// let now = Utc.with_ymd_and_hms(2025, 3, 31, 0, 0, 0).unwrap();
/// let events = [EngagementEvent::new("demo_request", now - chrono::Duration::days(30))];
/// let score = model.score(&lead, &events, now);
/// assert_eq!(score.total, 50.0); // 30 + 40 halved after one half-life
/// assert_eq!(score.grade, Grade::B);
/// assert!(score.mql);
/// assert_eq!(score.reasons.len(), 2);
/// # Ok::<(), crm_core::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointsModel {
    /// Rules on the lead's own fields.
    #[serde(default)]
    pub fit: Vec<FitRule>,
    /// Rules on the lead's events.
    #[serde(default)]
    pub engagement: Vec<EngagementRule>,
    /// The most points a group may contribute, by group name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub group_caps: BTreeMap<String, f64>,
    /// The most points in total.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_cap: Option<f64>,
    /// The least total for grades A, B and C; below C is D.
    pub grades: GradeThresholds,
    /// The least total that makes the lead marketing-qualified.
    pub mql_at: f64,
}

/// Points for a lead whose fields satisfy a condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FitRule {
    /// Unique among all rules of the model; named in every score it contributes to.
    pub id: String,
    /// The group whose cap applies; `fit` unless given.
    #[serde(default = "fit_group")]
    pub group: String,
    /// The condition on the lead's fields (the query predicate language).
    pub when: Predicate,
    /// Points awarded when the condition holds; negative to penalise.
    pub points: f64,
}

/// Points per event of a type, optionally decaying with the event's age.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EngagementRule {
    /// Unique among all rules of the model.
    pub id: String,
    /// The group whose cap applies; `engagement` unless given.
    #[serde(default = "engagement_group")]
    pub group: String,
    /// The event type this rule counts, e.g. `email_open`.
    pub event: String,
    /// Points per event before decay.
    pub points: f64,
    /// How an event's points fade with age.
    #[serde(default)]
    pub decay: Decay,
}

fn fit_group() -> String {
    "fit".to_owned()
}

fn engagement_group() -> String {
    "engagement".to_owned()
}

/// How an event's points fade with its age.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decay {
    /// Full points whatever the age.
    #[default]
    None,
    /// Points halve every this many days.
    HalfLifeDays(f64),
    /// Full points for events at most this many days old, none after.
    WindowDays(f64),
}

impl Decay {
    /// The share of its points an event keeps at `age_days` (≥ 0).
    pub fn factor(self, age_days: f64) -> f64 {
        match self {
            Decay::None => 1.0,
            Decay::HalfLifeDays(half_life) => 0.5f64.powf(age_days / half_life),
            Decay::WindowDays(window) => {
                if age_days <= window {
                    1.0
                } else {
                    0.0
                }
            }
        }
    }
}

/// Something the lead did (or that was done to it) at an instant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EngagementEvent {
    /// The event type, matched against [`EngagementRule::event`].
    pub kind: String,
    /// When it happened.
    pub at: DateTime<Utc>,
}

impl EngagementEvent {
    /// An event of `kind` at `at`.
    pub fn new(kind: impl Into<String>, at: DateTime<Utc>) -> Self {
        EngagementEvent {
            kind: kind.into(),
            at,
        }
    }
}

/// The least total of each grade.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GradeThresholds {
    /// Grade A from this total.
    pub a: f64,
    /// Grade B from this total.
    pub b: f64,
    /// Grade C from this total; below it, D.
    pub c: f64,
}

impl GradeThresholds {
    /// The grade of `total`.
    pub fn grade(&self, total: f64) -> Grade {
        if total >= self.a {
            Grade::A
        } else if total >= self.b {
            Grade::B
        } else if total >= self.c {
            Grade::C
        } else {
            Grade::D
        }
    }
}

/// A lead's grade, A best.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Grade {
    /// At least [`GradeThresholds::a`].
    A,
    /// At least [`GradeThresholds::b`].
    B,
    /// At least [`GradeThresholds::c`].
    C,
    /// Below [`GradeThresholds::c`].
    D,
}

/// The result of [`PointsModel::score`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointsScore {
    /// Total points after decay and caps.
    pub total: f64,
    /// The grade of the total.
    pub grade: Grade,
    /// Whether the total reaches [`PointsModel::mql_at`].
    pub mql: bool,
    /// Per group: points before and after its cap.
    pub groups: Vec<GroupTotal>,
    /// Every rule that contributed, in model order.
    pub reasons: Vec<RuleContribution>,
}

/// A group's points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupTotal {
    /// The group name.
    pub group: String,
    /// The sum of its rules' decayed points.
    pub uncapped: f64,
    /// What the group adds to the total after its cap and the total cap.
    pub awarded: f64,
}

/// What one rule contributed to a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleContribution {
    /// The rule's id.
    pub rule: String,
    /// The rule's group.
    pub group: String,
    /// How many times it matched: 1 for a fit rule; for an engagement rule, the events that
    /// still count (not after `now`, not outside the window).
    pub matches: usize,
    /// Points before decay: the rule's points times the matches.
    pub points: f64,
    /// Points after decay (equal to `points` for fit rules).
    pub decayed: f64,
    /// Points after group and total caps; these add up to the score's total.
    pub awarded: f64,
}

impl PointsModel {
    /// Parse and [`validate`](PointsModel::validate) a model from its JSON document.
    pub fn from_json(json: &str) -> Result<PointsModel> {
        let model: PointsModel = serde_json::from_str(json).map_err(|e| {
            Error::validation(
                "points_model",
                excerpt(json),
                format!("not a points model: {e}"),
            )
        })?;
        model.validate()?;
        Ok(model)
    }

    /// Check what serde cannot: unique rule ids, finite points, positive decay periods,
    /// non-negative caps and grade thresholds with A ≥ B ≥ C.
    pub fn validate(&self) -> Result<()> {
        let mut ids = BTreeSet::new();
        let rules = self.fit.iter().map(|r| (&r.id, r.points, None)).chain(
            self.engagement
                .iter()
                .map(|r| (&r.id, r.points, Some(r.decay))),
        );
        for (id, points, decay) in rules {
            let field = format!("points_model.rule.{id}");
            if !ids.insert(id) {
                return Err(Error::validation(field, id, "rule ids must be unique"));
            }
            if !points.is_finite() {
                return Err(Error::validation(
                    field,
                    points.to_string(),
                    "points must be finite",
                ));
            }
            if let Some(Decay::HalfLifeDays(days) | Decay::WindowDays(days)) = decay
                && !(days.is_finite() && days > 0.0)
            {
                return Err(Error::validation(
                    format!("{field}.decay"),
                    days.to_string(),
                    "a decay period must be a positive number of days",
                ));
            }
        }
        let caps = self
            .group_caps
            .iter()
            .map(|(g, c)| (format!("group_caps.{g}"), *c));
        for (field, cap) in caps.chain(self.total_cap.map(|c| ("total_cap".to_owned(), c))) {
            if !(cap.is_finite() && cap >= 0.0) {
                return Err(Error::validation(
                    format!("points_model.{field}"),
                    cap.to_string(),
                    "a cap must be a non-negative number",
                ));
            }
        }
        let GradeThresholds { a, b, c } = self.grades;
        if !(a >= b && b >= c && c.is_finite() && a.is_finite() && self.mql_at.is_finite()) {
            return Err(Error::validation(
                "points_model.grades",
                format!("a={a} b={b} c={c} mql_at={}", self.mql_at),
                "thresholds must be finite with a >= b >= c",
            ));
        }
        Ok(())
    }

    /// Score `lead` with its `events` as of `now`. Events after `now` are ignored.
    pub fn score(
        &self,
        lead: &impl FieldLookup,
        events: &[EngagementEvent],
        now: DateTime<Utc>,
    ) -> PointsScore {
        let mut reasons: Vec<RuleContribution> = Vec::new();
        for rule in &self.fit {
            if predicate_holds(&rule.when, lead) {
                reasons.push(RuleContribution {
                    rule: rule.id.clone(),
                    group: rule.group.clone(),
                    matches: 1,
                    points: rule.points,
                    decayed: rule.points,
                    awarded: rule.points,
                });
            }
        }
        for rule in &self.engagement {
            let kept = events
                .iter()
                .filter(|e| e.kind == rule.event && e.at <= now)
                .map(|e| {
                    rule.decay
                        .factor((now - e.at).num_milliseconds() as f64 / 86_400_000.0)
                })
                .filter(|kept| *kept > 0.0);
            let (matches, decayed) =
                kept.fold((0, 0.0), |(n, sum), kept| (n + 1, sum + rule.points * kept));
            if matches > 0 {
                reasons.push(RuleContribution {
                    rule: rule.id.clone(),
                    group: rule.group.clone(),
                    matches,
                    points: rule.points * matches as f64,
                    decayed,
                    awarded: decayed,
                });
            }
        }
        let mut groups: Vec<GroupTotal> = Vec::new();
        for reason in &reasons {
            if !groups.iter().any(|g| g.group == reason.group) {
                groups.push(GroupTotal {
                    group: reason.group.clone(),
                    uncapped: 0.0,
                    awarded: 0.0,
                });
            }
        }
        for group in &mut groups {
            let members = reasons.iter_mut().filter(|r| r.group == group.group);
            let members: Vec<&mut RuleContribution> = members.collect();
            group.uncapped = members.iter().map(|r| r.decayed).sum();
            let cap = self.group_caps.get(&group.group).copied();
            group.awarded = cap_positive(members, cap);
        }
        let total = cap_positive(reasons.iter_mut().collect(), self.total_cap);
        for group in &mut groups {
            let members = reasons.iter().filter(|r| r.group == group.group);
            group.awarded = members.map(|r| r.awarded).sum();
        }
        PointsScore {
            total,
            grade: self.grades.grade(total),
            mql: total >= self.mql_at,
            groups,
            reasons,
        }
    }
}

/// Scale the positive `awarded` points of `members` down so their sum is at most `cap`;
/// returns the sum after capping.
fn cap_positive(mut members: Vec<&mut RuleContribution>, cap: Option<f64>) -> f64 {
    let sum: f64 = members.iter().map(|r| r.awarded).sum();
    let Some(cap) = cap.filter(|cap| sum > *cap) else {
        return sum;
    };
    let positive: f64 = members.iter().map(|r| r.awarded.max(0.0)).sum();
    let keep = (positive - (sum - cap)) / positive;
    for member in members.iter_mut().filter(|r| r.awarded > 0.0) {
        member.awarded *= keep;
    }
    cap
}

fn excerpt(text: &str) -> String {
    text.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Value;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 1, 9, 0, 0).unwrap()
    }

    fn lead(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    fn fit(id: &str, when: Predicate, points: f64) -> FitRule {
        FitRule {
            id: id.into(),
            group: fit_group(),
            when,
            points,
        }
    }

    fn engagement(id: &str, event: &str, points: f64, decay: Decay) -> EngagementRule {
        EngagementRule {
            id: id.into(),
            group: engagement_group(),
            event: event.into(),
            points,
            decay,
        }
    }

    fn model() -> PointsModel {
        PointsModel {
            fit: vec![
                fit(
                    "manufacturing",
                    Predicate::eq("industry", "manufacturing"),
                    30.0,
                ),
                fit("big", Predicate::ge("employees", Value::Int(500)), 25.0),
                fit("free_mail", Predicate::eq("email_free_mail", true), -10.0),
            ],
            engagement: vec![
                engagement("open", "email_open", 2.0, Decay::HalfLifeDays(7.0)),
                engagement("demo", "demo_request", 40.0, Decay::WindowDays(30.0)),
            ],
            group_caps: BTreeMap::from([("fit".into(), 40.0), ("engagement".into(), 50.0)]),
            total_cap: Some(80.0),
            grades: GradeThresholds {
                a: 70.0,
                b: 45.0,
                c: 20.0,
            },
            mql_at: 45.0,
        }
    }

    fn assert_close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn group_cap_scales_positive_rules_and_keeps_penalties() {
        let lead = lead(&[
            ("industry", Value::from("manufacturing")),
            ("employees", Value::Int(800)),
            ("email_free_mail", Value::Bool(true)),
        ]);
        let score = model().score(&lead, &[], now());
        // 30 + 25 - 10 = 45 > cap 40: the positives (55) keep 50/55.
        assert_close(score.total, 40.0);
        let awarded: Vec<f64> = score.reasons.iter().map(|r| r.awarded).collect();
        assert_close(awarded[0], 30.0 * 50.0 / 55.0);
        assert_close(awarded[1], 25.0 * 50.0 / 55.0);
        assert_close(awarded[2], -10.0);
        assert_close(score.groups[0].uncapped, 45.0);
        assert_close(score.groups[0].awarded, 40.0);
        assert_eq!(score.grade, Grade::C);
        assert!(!score.mql);
    }

    #[test]
    fn half_life_halves_and_window_cuts_off() {
        let events = [
            EngagementEvent::new("email_open", now()),
            EngagementEvent::new("email_open", now() - Duration::days(7)),
            EngagementEvent::new("email_open", now() - Duration::days(14)),
            EngagementEvent::new("demo_request", now() - Duration::days(31)),
            EngagementEvent::new("email_open", now() + Duration::days(1)),
        ];
        let score = model().score(&lead(&[]), &events, now());
        assert_eq!(score.reasons.len(), 1, "the demo is outside its window");
        let open = &score.reasons[0];
        assert_eq!(open.matches, 3, "the future event is ignored");
        assert_close(open.points, 6.0);
        assert_close(open.decayed, 2.0 + 1.0 + 0.5);
        assert_close(score.total, 3.5);
        assert_eq!(score.grade, Grade::D);
    }

    #[test]
    fn total_cap_applies_after_group_caps_and_reasons_add_up() {
        let lead = lead(&[
            ("industry", Value::from("manufacturing")),
            ("employees", Value::Int(800)),
        ]);
        let events = vec![EngagementEvent::new("demo_request", now()); 3];
        let score = model().score(&lead, &events, now());
        // fit 55 → 40, engagement 120 → 50, total 90 → 80.
        assert_close(score.total, 80.0);
        let sum: f64 = score.reasons.iter().map(|r| r.awarded).sum();
        assert_close(sum, 80.0);
        let groups: f64 = score.groups.iter().map(|g| g.awarded).sum();
        assert_close(groups, 80.0);
        assert_close(score.groups[1].uncapped, 120.0);
        assert_eq!(score.grade, Grade::A);
        assert!(score.mql);
    }

    #[test]
    fn thresholds_are_inclusive() {
        let grades = model().grades;
        assert_eq!(grades.grade(70.0), Grade::A);
        assert_eq!(grades.grade(69.999), Grade::B);
        assert_eq!(grades.grade(45.0), Grade::B);
        assert_eq!(grades.grade(20.0), Grade::C);
        assert_eq!(grades.grade(19.0), Grade::D);
    }

    #[test]
    fn json_round_trips_and_validation_names_the_problem() {
        let model = model();
        let json = serde_json::to_string(&model).unwrap();
        assert_eq!(PointsModel::from_json(&json).unwrap(), model);

        let mut duplicate = model.clone();
        duplicate.engagement[0].id = "big".into();
        let err = duplicate.validate().unwrap_err();
        assert!(err.to_string().contains("unique"), "{err}");

        let mut bad_decay = model.clone();
        bad_decay.engagement[0].decay = Decay::HalfLifeDays(0.0);
        assert!(bad_decay.validate().is_err());

        let mut bad_grades = model;
        bad_grades.grades.c = 90.0;
        assert!(bad_grades.validate().is_err());

        let err = PointsModel::from_json(r#"{"fit": [], "grades": {"a": 1}}"#).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Validation);
    }
}
