//! A rule book: the JSON document a host loads to configure automation without
//! recompiling — rules, their groups' hit policies, the business calendar.
//!
//! Documents carry a schema version; loading checks the JSON against the model and then
//! the rules against each other and against the object kinds they name, and every error
//! points at the JSON path it concerns (`rules[2].condition: unknown field "amout" …`).
//! Serialising a loaded book gives a document that loads back to an equal book.
//!
//! ```
//! use crm_rules::RuleBook;
//!
//! let book = RuleBook::from_json(r#"{
//!   "schema": 1,
//!   "rules": [{
//!     "id": "big-deal-review", "object": "opportunity",
//!     "trigger": { "on": "stage_changed", "to": "contract_review" },
//!     "condition": "amount > 1000000",
//!     "actions": [{ "do": "notify", "to": [{ "role": "ceo" }], "template": "deal.big" }]
//!   }]
//! }"#).unwrap();
//! assert_eq!(book.rules[0].id, "big-deal-review");
//! let again = RuleBook::from_json(&book.to_json()).unwrap();
//! assert_eq!(again, book);
//!
//! let error = RuleBook::from_json(r#"{ "schema": 1, "rules": [{ "id": "x",
//!   "object": "opportunity", "trigger": { "on": "created" },
//!   "condition": "amout > 1", "actions": [] }] }"#).unwrap_err();
//! assert!(error.to_string().contains("rules[0].condition"), "{error}");
//! ```

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use crm_core::ObjectKind;
use crm_core::record::FieldRef;
use serde::{Deserialize, Serialize};

use crate::assignment::AssignmentTable;
use crate::calendar::BusinessCalendar;
use crate::dispatch::TicketDispatch;
use crate::recycle::RecyclePolicy;
use crate::rule::{Action, HitPolicy, Rule, Trigger};
use crate::sla::SlaPolicies;
use crate::when::When;

/// The id the host's ticket SLA timers go by, which no rule may take.
pub const RESERVED_ID: &str = "sla";

/// The schema version this library reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// A set of rules with what they share.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleBook {
    /// The document's schema version; [`SCHEMA_VERSION`].
    pub schema: u32,
    /// The calendar business offsets count on; [`BusinessCalendar::china_office`] when
    /// absent.
    #[serde(default = "BusinessCalendar::china_office")]
    pub calendar: BusinessCalendar,
    /// Hit policies by group name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub groups: BTreeMap<String, HitPolicy>,
    /// The rules.
    #[serde(default)]
    pub rules: Vec<Rule>,
    /// Service-level agreements of service tickets, by priority and category.
    #[serde(default, skip_serializing_if = "SlaPolicies::is_empty")]
    pub sla: SlaPolicies,
    /// The queue each ticket goes to, by category; a queue named like an assignment table
    /// assigns the ticket with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispatch: Option<TicketDispatch>,
    /// Assignment tables, by name: the `assign` action and ticket queues use them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assignment: Vec<AssignmentTable<When>>,
    /// When owned customers go back to their public pool.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recycle: Vec<RecyclePolicy<When>>,
}

/// Why a rule document did not load, and where in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentError {
    /// The JSON path of the offending part, e.g. `rules[2].actions[0]`; empty for the
    /// whole document.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.path.is_empty() {
            true => write!(f, "rule document: {}", self.message),
            false => write!(f, "rule document at {}: {}", self.path, self.message),
        }
    }
}

impl std::error::Error for DocumentError {}

impl From<DocumentError> for crm_core::Error {
    fn from(e: DocumentError) -> Self {
        crm_core::Error::validation(
            if e.path.is_empty() {
                "rule document".to_owned()
            } else {
                e.path
            },
            String::new(),
            e.message,
        )
    }
}

fn at(path: impl Into<String>, message: impl Into<String>) -> DocumentError {
    DocumentError {
        path: path.into(),
        message: message.into(),
    }
}

/// Kinds rules may watch: the customer-facing records.
const WATCHABLE: [ObjectKind; 6] = [
    ObjectKind::Account,
    ObjectKind::Contact,
    ObjectKind::Lead,
    ObjectKind::Opportunity,
    ObjectKind::Activity,
    ObjectKind::Ticket,
];

impl RuleBook {
    /// A book with no rules on the default calendar.
    pub fn new() -> RuleBook {
        RuleBook {
            schema: SCHEMA_VERSION,
            calendar: BusinessCalendar::china_office(),
            groups: BTreeMap::new(),
            rules: Vec::new(),
            sla: SlaPolicies::default(),
            dispatch: None,
            assignment: Vec::new(),
            recycle: Vec::new(),
        }
    }

    /// Load and check a JSON document.
    pub fn from_json(json: &str) -> Result<RuleBook, DocumentError> {
        let deserializer = &mut serde_json::Deserializer::from_str(json);
        let book: RuleBook = serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let path = e.path().to_string();
            at(
                if path == "." { String::new() } else { path },
                e.inner().to_string(),
            )
        })?;
        book.check()?;
        Ok(book)
    }

    /// The document, pretty-printed.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a rule book always serialises")
    }

    /// Check what the JSON shape cannot: the version, unique ids, known groups and
    /// fields, actions that make sense for their trigger.
    pub fn check(&self) -> Result<(), DocumentError> {
        if self.schema != SCHEMA_VERSION {
            return Err(at(
                "schema",
                format!(
                    "version {} is not supported; this library reads version {SCHEMA_VERSION}",
                    self.schema
                ),
            ));
        }
        self.calendar
            .check()
            .map_err(|e| at("calendar", e.to_string()))?;
        self.sla.check().map_err(|e| at("sla", e.to_string()))?;
        if let Some(dispatch) = &self.dispatch {
            dispatch
                .check()
                .map_err(|e| at("dispatch", e.to_string()))?;
        }
        let mut ids = HashSet::new();
        for (i, rule) in self.rules.iter().enumerate() {
            let path = format!("rules[{i}]");
            if rule.id.trim().is_empty() {
                return Err(at(format!("{path}.id"), "a rule needs an id"));
            }
            if rule.id.contains(':') {
                return Err(at(
                    format!("{path}.id"),
                    "rule ids may not contain ':', which the engine's own timers use",
                ));
            }
            if rule.id == RESERVED_ID {
                return Err(at(
                    format!("{path}.id"),
                    format!("{RESERVED_ID:?} names the SLA timers of tickets; choose another id"),
                ));
            }
            if !ids.insert(rule.id.as_str()) {
                return Err(at(
                    format!("{path}.id"),
                    format!("another rule already has the id {:?}", rule.id),
                ));
            }
            self.check_rule(rule, &path)?;
        }
        Ok(())
    }

    fn check_rule(&self, rule: &Rule, path: &str) -> Result<(), DocumentError> {
        if let Some(group) = rule
            .group
            .as_ref()
            .filter(|g| !self.groups.contains_key(*g))
        {
            return Err(at(
                format!("{path}.group"),
                format!("no group {group:?} is declared under \"groups\""),
            ));
        }
        let scheduled = matches!(rule.trigger, Trigger::Schedule { .. });
        if !scheduled && !WATCHABLE.contains(&rule.object) {
            return Err(at(
                format!("{path}.object"),
                format!(
                    "rules watch {}, not {}",
                    WATCHABLE.map(ObjectKind::as_str).join(", "),
                    rule.object
                ),
            ));
        }
        for field in rule.condition.fields() {
            check_field(rule.object, field).map_err(|m| at(format!("{path}.condition"), m))?;
        }
        if let Some(field) = rule.trigger.watched_field() {
            check_field(rule.object, field).map_err(|m| at(format!("{path}.trigger"), m))?;
        }
        if rule.actions.is_empty() {
            return Err(at(
                format!("{path}.actions"),
                "a rule needs at least one action",
            ));
        }
        for (j, action) in rule.actions.iter().enumerate() {
            let path = format!("{path}.actions[{j}]");
            if scheduled && action.needs_record() {
                return Err(at(
                    path,
                    "a scheduled rule acts on no record: it may only notify or create tasks for users named by id",
                ));
            }
            if let Action::Assign { table } = action
                && self.table(table).is_none()
            {
                return Err(at(
                    path,
                    format!("no assignment table named {table:?} in this rule book"),
                ));
            }
            let fields: &[String] = match action {
                Action::Notify { payload, .. } => payload,
                Action::SetField { field, .. } => std::slice::from_ref(field),
                _ => &[],
            };
            for field in fields {
                check_field(rule.object, field).map_err(|m| at(&path, m))?;
            }
        }
        Ok(())
    }
}

impl RuleBook {
    /// The assignment table named `name`.
    pub fn table(&self, name: &str) -> Option<&AssignmentTable<When>> {
        self.assignment.iter().find(|t| t.name == name)
    }
}

impl Default for RuleBook {
    fn default() -> Self {
        RuleBook::new()
    }
}

/// Whether `kind` has a field `name`: a meta field, a queryable column, a custom field,
/// or a derived fact the host provides (`region.province`, `region.city`).
fn check_field(kind: ObjectKind, name: &str) -> Result<(), String> {
    if name.starts_with("custom.") || name.starts_with("region.") {
        return Ok(());
    }
    match kind.field(name) {
        Ok(FieldRef::Meta(_) | FieldRef::Column(_)) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(rules: &str) -> Result<RuleBook, DocumentError> {
        RuleBook::from_json(&format!(r#"{{ "schema": 1, "rules": [{rules}] }}"#))
    }

    const IDLE: &str = r#"{ "id": "idle", "object": "opportunity",
        "trigger": { "on": "time", "field": "last_activity_at", "offset": "+3 business days" },
        "condition": "status == \"open\"",
        "actions": [{ "do": "notify", "to": ["owner"], "template": "deal.idle" }] }"#;

    #[test]
    fn errors_point_at_the_json_path() {
        let cases = [
            (r#"{ "schema": 2, "rules": [] }"#, "schema", "version 2"),
            (
                r#"{ "schema": 1, "rulez": [] }"#,
                "rulez",
                "unknown field `rulez`",
            ),
            (
                r#"{ "schema": 1, "rules": [{ "id": "a", "object": "opportunity",
                    "trigger": { "on": "time", "field": "last_activity_at", "offset": "soon" },
                    "actions": [] }] }"#,
                // Tagged enums are read whole: the path stops at the trigger, the message
                // names the field.
                "rules[0].trigger",
                "for field `offset`: expected a number",
            ),
            (
                r#"{ "schema": 1, "rules": [{ "id": "a", "object": "opportunity",
                    "trigger": { "on": "created" }, "condition": "amount >",
                    "actions": [] }] }"#,
                "rules[0].condition",
                "",
            ),
            (
                r#"{ "schema": 1, "rules": [{ "id": "a", "object": "account",
                    "trigger": { "on": "created" },
                    "actions": [{ "do": "notify", "to": ["ownr"], "template": "t" }] }] }"#,
                "rules[0].actions[0]",
                "unknown variant `ownr`, expected one of `owner`",
            ),
        ];
        for (json, path, message) in cases {
            let error = RuleBook::from_json(json).unwrap_err();
            assert_eq!(error.path, path, "{json}: {error}");
            assert!(error.message.contains(message), "{json}: {error}");
        }
    }

    #[test]
    fn checks_rules_against_each_other_and_their_objects() {
        let duplicate = load(&format!("{IDLE}, {IDLE}")).unwrap_err();
        assert_eq!(duplicate.path, "rules[1].id");
        let unknown_field = load(
            r#"{ "id": "a", "object": "opportunity", "trigger": { "on": "created" },
                "condition": "amout > 1", "actions": [{ "do": "add_tag", "tag": "x" }] }"#,
        )
        .unwrap_err();
        assert_eq!(unknown_field.path, "rules[0].condition");
        assert!(unknown_field.message.contains("amout"), "{unknown_field}");
        let no_group = load(
            r#"{ "id": "a", "object": "lead", "trigger": { "on": "created" }, "group": "routing",
                "actions": [{ "do": "assign", "table": "leads" }] }"#,
        )
        .unwrap_err();
        assert_eq!(no_group.path, "rules[0].group");
        let scheduled = load(
            r#"{ "id": "a", "object": "account", "trigger": { "on": "schedule", "cron": "0 9 * * MON" },
                "actions": [{ "do": "notify", "to": ["owner"], "template": "weekly" }] }"#,
        )
        .unwrap_err();
        assert_eq!(scheduled.path, "rules[0].actions[0]");
        let no_actions = load(
            r#"{ "id": "a", "object": "lead", "trigger": { "on": "created" }, "actions": [] }"#,
        )
        .unwrap_err();
        assert_eq!(no_actions.path, "rules[0].actions");
    }

    #[test]
    fn a_loaded_book_serialises_to_a_document_that_loads_back_equal() {
        let book = load(&format!(
            r#"{IDLE}, {{ "id": "won", "object": "opportunity", "priority": 5,
                "trigger": {{ "on": "field_changed", "field": "status", "to": "won" }},
                "actions": [{{ "do": "set_field", "field": "custom.note", "value": 1.50 }},
                            {{ "do": "create_task", "title": "回访", "due": "2 business days" }},
                            {{ "do": "escalate", "template": "x", "levels": 2 }}] }}"#
        ))
        .unwrap();
        let json = book.to_json();
        assert_eq!(RuleBook::from_json(&json).unwrap(), book, "{json}");
        assert!(json.contains("+3 business days"), "{json}");
    }
}
