//! One automation rule: when it runs ([`Trigger`]), on which records ([`Rule::condition`]),
//! and what it does ([`Action`]).
//!
//! Rules are data: they serialise to and from the JSON of a [`crate::RuleBook`], e.g.
//!
//! ```json
//! { "id": "idle-deal", "object": "opportunity",
//!   "trigger": { "on": "time", "field": "last_activity_at", "offset": "+3 business days" },
//!   "condition": "status == \"open\"",
//!   "actions": [ { "do": "notify", "to": ["owner"], "template": "deal.idle" } ] }
//! ```

use std::collections::BTreeSet;

use chrono_tz::Tz;
use crm_core::ObjectKind;
use crm_core::record::Value;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::facts::Facts;
use crate::offset::Offset;
use crate::schedule::Schedule;

/// When a rule runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "on", rename_all = "snake_case", deny_unknown_fields)]
pub enum Trigger {
    /// A record is created.
    Created,
    /// A record is changed (not on creation).
    Updated,
    /// A field changes, optionally from and to given values.
    FieldChanged {
        /// The field watched.
        field: String,
        /// The value it must have had, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<Scalar>,
        /// The value it must get, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<Scalar>,
    },
    /// A deal moves between pipeline stages (its `stage` field changes).
    StageChanged {
        /// The stage left, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        from: Option<String>,
        /// The stage entered, if given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<String>,
    },
    /// An offset from a time or date field: `last_activity_at + 3 business days`. Armed
    /// while the record matches the condition and the field is set; re-armed when the
    /// field moves; cancelled when the record stops matching.
    Time {
        /// The time or date field.
        field: String,
        /// How long after (or, negative, before) it.
        offset: Offset,
    },
    /// A schedule, independent of records: `0 9 * * MON`.
    Schedule {
        /// The cron line.
        cron: Schedule,
        /// The zone the cron line reads in; the rule book's calendar zone if absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        zone: Option<Tz>,
    },
}

impl Trigger {
    /// The field whose change this trigger watches, if any.
    pub fn watched_field(&self) -> Option<&str> {
        match self {
            Trigger::FieldChanged { field, .. } | Trigger::Time { field, .. } => Some(field),
            Trigger::StageChanged { .. } => Some("stage"),
            _ => None,
        }
    }
}

/// A plain JSON scalar in a rule document — `"lost"`, `1000000`, `true` — compared with a
/// record's field value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    /// true or false.
    Bool(bool),
    /// A number, kept as written.
    Number(serde_json::Number),
    /// Text (also dates and instants, in ISO 8601).
    Text(String),
}

impl Scalar {
    /// Whether `value` (a record's field) equals this scalar: numbers numerically, dates
    /// and instants by their ISO 8601 text, ids by their hyphenated text.
    pub fn matches(&self, value: Option<&Value>) -> bool {
        match (self, value) {
            (Scalar::Bool(b), Some(Value::Bool(v))) => b == v,
            (Scalar::Number(n), Some(Value::Int(v))) => number(n) == Some(Decimal::from(*v)),
            (Scalar::Number(n), Some(Value::Decimal(v))) => number(n) == Some(*v),
            (Scalar::Text(t), Some(Value::Text(v))) => t == v,
            (Scalar::Text(t), Some(Value::Date(d))) => *t == d.to_string(),
            (Scalar::Text(t), Some(Value::Time(at))) => {
                chrono::DateTime::parse_from_rfc3339(t).is_ok_and(|parsed| parsed == *at)
            }
            (Scalar::Text(t), Some(Value::Uuid(u))) => *t == u.to_string(),
            _ => false,
        }
    }

    /// This scalar as a field value.
    pub fn to_value(&self) -> Value {
        match self {
            Scalar::Bool(b) => Value::Bool(*b),
            Scalar::Number(n) => match (n.as_i64(), number(n)) {
                (Some(i), _) => Value::Int(i),
                (None, Some(d)) => Value::Decimal(d),
                (None, None) => Value::Null,
            },
            Scalar::Text(t) => Value::Text(t.clone()),
        }
    }
}

/// A JSON number as an exact decimal (`1e400` and the like have none).
fn number(n: &serde_json::Number) -> Option<Decimal> {
    let text = n.to_string();
    text.parse()
        .ok()
        .or_else(|| Decimal::from_scientific(&text).ok())
}

/// Who receives a notification or a task, resolved by the host through its manager and
/// department trees.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Recipient {
    /// The record's owner.
    Owner,
    /// The owner's manager, `levels` up the manager tree (1 = the direct manager).
    Manager {
        /// How many levels up.
        #[serde(default = "one")]
        levels: u8,
    },
    /// Holders of a role (by key, e.g. `sales_director`) in the owner's department or
    /// the departments above it; anywhere in the tenant when the owner has no department.
    Role(String),
    /// One user, by id.
    User(uuid::Uuid),
}

fn one() -> u8 {
    1
}

/// What a rule does when it fires.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Give the record an owner chosen by an assignment table of the rule book.
    Assign {
        /// The table's name.
        table: String,
    },
    /// Create a to-do attached to the record.
    CreateTask {
        /// Its subject.
        title: String,
        /// When it is due, from the moment the rule fires (business offsets count working
        /// time on the rule book's calendar).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        due: Option<Offset>,
        /// Who does it; the record's owner by default.
        #[serde(default = "owner")]
        assignee: Recipient,
    },
    /// Hand the host an event to deliver; the library sends nothing itself.
    Notify {
        /// Who is told.
        to: Vec<Recipient>,
        /// The host's template key.
        template: String,
        /// Fields of the record copied into the event for the template.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        payload: Vec<String>,
    },
    /// Set a field of the record.
    SetField {
        /// The field (a column or `custom.<key>`).
        field: String,
        /// Its new value.
        value: Scalar,
    },
    /// Put a tag (by name, created if missing) on the record.
    AddTag {
        /// The tag's name.
        tag: String,
    },
    /// Return the record to a public pool (公海), clearing its owner.
    MoveToPool {
        /// The pool's name.
        pool: String,
        /// Why, as recorded on the pool entry.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Tell the owner's manager (`levels` up); with `reassign`, also make them the owner.
    Escalate {
        /// How many levels up the manager tree.
        #[serde(default = "one")]
        levels: u8,
        /// The host's template key.
        template: String,
        /// Whether the manager also becomes the owner.
        #[serde(default)]
        reassign: bool,
    },
}

fn owner() -> Recipient {
    Recipient::Owner
}

impl Action {
    /// Whether it needs a record to act on (scheduled rules have none).
    pub fn needs_record(&self) -> bool {
        match self {
            Action::Notify { to, payload, .. } => {
                !payload.is_empty() || to.iter().any(|r| !matches!(r, Recipient::User(_)))
            }
            Action::CreateTask { assignee, .. } => !matches!(assignee, Recipient::User(_)),
            _ => true,
        }
    }
}

/// How the rules of one group combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HitPolicy {
    /// Every matching rule fires.
    #[default]
    Collect,
    /// Only the first matching rule fires, in priority order.
    FirstMatch,
}

/// One rule of a rule book.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// A stable id, unique in its book: timers and notifications name it.
    pub id: String,
    /// A name for people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The kind of records it watches.
    pub object: ObjectKind,
    /// When it runs.
    pub trigger: Trigger,
    /// Which records it acts on; every record when absent.
    #[serde(default = "Condition::always", skip_serializing_if = "is_always")]
    pub condition: Condition,
    /// What it does, in order.
    pub actions: Vec<Action>,
    /// Higher runs first; ties keep document order.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub priority: i32,
    /// The group whose hit policy applies; rules outside groups all fire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// A disabled rule is kept but never runs.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub enabled: bool,
}

fn is_always(condition: &Condition) -> bool {
    *condition == Condition::always()
}

fn is_zero(n: &i32) -> bool {
    *n == 0
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

impl Rule {
    /// Whether a change from `before` to `after` (either absent for a creation or a
    /// deletion) sets off this rule's trigger; time and schedule triggers never do.
    pub fn is_triggered_by(&self, before: Option<&dyn Facts>, after: Option<&dyn Facts>) -> bool {
        let (Some(after), field) = (after, self.trigger.watched_field()) else {
            return false;
        };
        let changed = |field: &str| {
            before.is_none_or(|before| before.get(field) != after.get(field))
                && (before.is_some() || after.get(field).is_some())
        };
        match &self.trigger {
            Trigger::Created => before.is_none(),
            Trigger::Updated => before.is_some(),
            Trigger::FieldChanged { from, to, .. } => {
                let field = field.unwrap_or_default();
                changed(field)
                    && from
                        .as_ref()
                        .is_none_or(|f| f.matches(before.and_then(|b| b.get(field))))
                    && to.as_ref().is_none_or(|t| t.matches(after.get(field)))
            }
            Trigger::StageChanged { from, to } => {
                let stage = |facts: Option<&dyn Facts>| match facts.and_then(|f| f.get("stage")) {
                    Some(Value::Text(s)) => Some(s.clone()),
                    _ => None,
                };
                changed("stage")
                    && from
                        .as_ref()
                        .is_none_or(|f| stage(before) == Some(f.clone()))
                    && to
                        .as_ref()
                        .is_none_or(|t| stage(Some(after)) == Some(t.clone()))
            }
            Trigger::Time { .. } | Trigger::Schedule { .. } => false,
        }
    }

    /// The fields this rule reads: its condition's, its trigger's, its payloads'.
    pub fn fields(&self) -> BTreeSet<&str> {
        let mut fields: BTreeSet<&str> = self.condition.fields().into_iter().collect();
        fields.extend(self.trigger.watched_field());
        for action in &self.actions {
            if let Action::Notify { payload, .. } = action {
                fields.extend(payload.iter().map(String::as_str));
            }
        }
        fields
    }
}
