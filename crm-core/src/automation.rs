//! What automation keeps in the store: timers waiting to fire, notifications waiting for
//! the host, and the state rules carry between runs (round-robin cursors).
//!
//! The rules themselves (`crm-rules`) are pure; these records are how their effects
//! survive a restart. A [`Timer`] is armed when a record starts matching a time-triggered
//! rule and re-armed or cancelled on each change of it; firing one and recording that it
//! fired happen in one transaction, so a timer fires exactly once. A [`Notification`] is
//! an outbox entry: the library sends nothing itself, the host reads pending ones, delivers
//! them and marks them delivered.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::id::{NotificationId, RuleStateId, TimerId, UserId};
use crate::record::{Column, ColumnType, Entity, ObjectKind, Value};

/// A rule waiting for its time: `last_followup_at + 3 business days` for one record, or
/// the next run of a schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    /// The id of the rule in its rule book.
    pub rule: String,
    /// The kind of the record it concerns; `None` for a schedule.
    pub object: Option<ObjectKind>,
    /// The record it concerns; `None` for a schedule.
    pub record: Option<Uuid>,
    /// When it fires; `None` once fired or cancelled, so only armed timers are found by due
    /// time.
    pub due_at: Option<DateTime<Utc>>,
    /// The due time it last fired for: a change that computes the same due time again does
    /// not re-arm it, so one due time fires once.
    pub fired_for: Option<DateTime<Utc>>,
    /// When it last fired.
    pub fired_at: Option<DateTime<Utc>>,
}

impl Timer {
    /// A timer for `rule` on one record, due at `due_at`.
    pub fn for_record(
        rule: impl Into<String>,
        object: ObjectKind,
        record: Uuid,
        due_at: DateTime<Utc>,
    ) -> Timer {
        Timer {
            rule: rule.into(),
            object: Some(object),
            record: Some(record),
            due_at: Some(due_at),
            fired_for: None,
            fired_at: None,
        }
    }

    /// A timer for the next run of a scheduled rule.
    pub fn for_schedule(rule: impl Into<String>, due_at: DateTime<Utc>) -> Timer {
        Timer {
            rule: rule.into(),
            object: None,
            record: None,
            due_at: Some(due_at),
            fired_for: None,
            fired_at: None,
        }
    }

    /// Whether it waits to fire.
    pub fn is_armed(&self) -> bool {
        self.due_at.is_some()
    }

    /// Record that it fired at `at` for its due time; refused when it was not armed.
    pub fn fire(&mut self, at: DateTime<Utc>) -> Result<()> {
        let due = self.due_at.take().ok_or_else(|| Error::InvalidTransition {
            object: "timer",
            from: "fired or cancelled".into(),
            to: "fired".into(),
            reason: "it is not armed".into(),
        })?;
        self.fired_for = Some(due);
        self.fired_at = Some(at);
        Ok(())
    }
}

pub(crate) const TIMER_COLUMNS: &[Column] = &[
    Column::new("rule", ColumnType::Text),
    Column::new("record", ColumnType::Uuid).indexed(),
    Column::new("due_at", ColumnType::Timestamp).indexed(),
];

impl Entity for Timer {
    type Id = TimerId;
    const KIND: ObjectKind = ObjectKind::Timer;

    fn check(&self) -> Result<()> {
        if self.rule.trim().is_empty() {
            return Err(Error::validation("rule", &self.rule, "must name a rule"));
        }
        if self.object.is_some() != self.record.is_some() {
            return Err(Error::validation(
                "record",
                format!("{:?}", self.record),
                "a timer names both the kind and the id of its record, or neither",
            ));
        }
        Ok(())
    }
}

/// An event for the host to deliver: who, which template, with what data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// The id of the rule that raised it.
    pub rule: String,
    /// The host's template key, e.g. `deal.idle`.
    pub template: String,
    /// The users to tell, resolved through the manager and department trees.
    pub recipients: Vec<UserId>,
    /// The kind of the record it concerns, if any.
    pub object: Option<ObjectKind>,
    /// The record it concerns, if any.
    pub record: Option<Uuid>,
    /// Values for the template: the record fields the rule names.
    pub payload: BTreeMap<String, Value>,
    /// When the host confirmed delivery; `None` while pending.
    pub delivered_at: Option<DateTime<Utc>>,
}

pub(crate) const NOTIFICATION_COLUMNS: &[Column] = &[
    Column::new("rule", ColumnType::Text),
    Column::new("template", ColumnType::Text),
    Column::new("record", ColumnType::Uuid).indexed(),
    Column::new("delivered_at", ColumnType::Timestamp).indexed(),
];

impl Entity for Notification {
    type Id = NotificationId;
    const KIND: ObjectKind = ObjectKind::Notification;

    fn check(&self) -> Result<()> {
        if self.template.trim().is_empty() {
            return Err(Error::validation(
                "template",
                &self.template,
                "must name a template",
            ));
        }
        Ok(())
    }
}

/// State a rule book carries between runs, as JSON under a key: the round-robin cursors of
/// assignment tables.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleState {
    /// What the state is of, e.g. `assignment`.
    pub key: String,
    /// The state, as its owner serialises it.
    pub state: serde_json::Value,
}

pub(crate) const RULE_STATE_COLUMNS: &[Column] = &[Column::new("key", ColumnType::Text).indexed()];

impl Entity for RuleState {
    type Id = RuleStateId;
    const KIND: ObjectKind = ObjectKind::RuleState;
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn a_timer_fires_once_for_its_due_time() {
        let due = Utc.with_ymd_and_hms(2026, 3, 9, 1, 0, 0).unwrap();
        let mut timer = Timer::for_record("idle", ObjectKind::Opportunity, Uuid::nil(), due);
        assert!(timer.is_armed());
        timer.fire(due).unwrap();
        assert!(!timer.is_armed());
        assert_eq!(timer.fired_for, Some(due));
        assert!(matches!(
            timer.fire(due),
            Err(Error::InvalidTransition { .. })
        ));
    }

    #[test]
    fn a_timer_names_its_whole_record_or_none() {
        let due = Utc.with_ymd_and_hms(2026, 3, 9, 1, 0, 0).unwrap();
        let mut timer = Timer::for_schedule("weekly", due);
        timer.check().unwrap();
        timer.record = Some(Uuid::nil());
        assert!(timer.check().is_err());
    }
}
