//! The engine: which rules a change sets off, and which timers it arms or cancels.
//!
//! [`Engine::react`] is pure: given a record before and after a change it answers the
//! rules that fire now (in priority order, groups honouring their hit policy) and, for
//! every time-triggered rule on that kind of record, the timer as it should now be — due
//! at the field plus the offset while the record matches, cancelled otherwise. The host
//! stores timers, fires them when due ([`Engine::due_at`] re-checks the record then), and
//! performs the actions.
//!
//! ```
//! use crm_core::ObjectKind;
//! use crm_rules::{Change, Engine, FactMap, RuleBook};
//!
//! let book = RuleBook::from_json(r#"{ "schema": 1, "rules": [
//!   { "id": "big", "object": "opportunity",
//!     "trigger": { "on": "stage_changed", "to": "contract_review" },
//!     "condition": "amount > 1000000",
//!     "actions": [{ "do": "notify", "to": [{ "role": "ceo" }], "template": "deal.big" }] }
//! ] }"#).unwrap();
//! let engine = Engine::new(book).unwrap();
//! let before = FactMap::new().with("stage", "proposal").with("amount", 2_000_000i64);
//! let after = before.clone().with("stage", "contract_review");
//! let change = Change::update(ObjectKind::Opportunity, uuid::Uuid::nil(), &before, &after);
//! let reaction = engine.react(&change);
//! assert_eq!(reaction.fired.len(), 1);
//! assert_eq!(reaction.fired[0].id, "big");
//! ```

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use crm_core::ObjectKind;
use uuid::Uuid;

use crate::book::{DocumentError, RuleBook};
use crate::facts::Facts;
use crate::rule::{HitPolicy, Rule, Trigger};

/// A loaded, checked rule book, indexed for evaluation.
#[derive(Debug, Clone)]
pub struct Engine {
    book: RuleBook,
    /// Rule indexes by the kind they watch, highest priority first, ties in document order.
    by_object: BTreeMap<ObjectKind, Vec<usize>>,
}

/// A record before and after a change; `before` is absent on creation, `after` on
/// deletion.
#[derive(Clone, Copy)]
pub struct Change<'a> {
    /// The kind of record.
    pub object: ObjectKind,
    /// Its id.
    pub record: Uuid,
    /// As it was.
    pub before: Option<&'a dyn Facts>,
    /// As it is.
    pub after: Option<&'a dyn Facts>,
}

impl<'a> Change<'a> {
    /// A record created as `after`.
    pub fn create(object: ObjectKind, record: Uuid, after: &'a dyn Facts) -> Change<'a> {
        Change {
            object,
            record,
            before: None,
            after: Some(after),
        }
    }

    /// A record changed from `before` to `after`.
    pub fn update(
        object: ObjectKind,
        record: Uuid,
        before: &'a dyn Facts,
        after: &'a dyn Facts,
    ) -> Change<'a> {
        Change {
            object,
            record,
            before: Some(before),
            after: Some(after),
        }
    }
}

/// What a change sets off.
#[derive(Debug, Default)]
pub struct Reaction<'r> {
    /// Rules that fire now, in order.
    pub fired: Vec<&'r Rule>,
    /// Each time-triggered rule on the record's kind, with the instant its timer should
    /// be due, or `None` to cancel it.
    pub timers: Vec<(&'r Rule, Option<DateTime<Utc>>)>,
}

impl Engine {
    /// An engine for `book`, checked again (a book built in code skips the loader).
    pub fn new(book: RuleBook) -> Result<Engine, DocumentError> {
        book.check()?;
        let mut by_object: BTreeMap<ObjectKind, Vec<usize>> = BTreeMap::new();
        for (i, rule) in book.rules.iter().enumerate().filter(|(_, r)| r.enabled) {
            by_object.entry(rule.object).or_default().push(i);
        }
        for indexes in by_object.values_mut() {
            indexes.sort_by_key(|&i| std::cmp::Reverse(book.rules[i].priority));
        }
        Ok(Engine { book, by_object })
    }

    /// The rule book.
    pub fn book(&self) -> &RuleBook {
        &self.book
    }

    /// The rule with this id.
    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.book.rules.iter().find(|r| r.id == id)
    }

    /// Whether any enabled rule or recycling policy watches records of `kind`.
    pub fn watches(&self, kind: ObjectKind) -> bool {
        self.by_object
            .get(&kind)
            .is_some_and(|rules| rules.iter().any(|&i| !self.is_scheduled(i)))
            || self.recycles(kind)
    }

    /// Whether a recycling policy of the book concerns records of `kind`.
    pub fn recycles(&self, kind: ObjectKind) -> bool {
        self.book.recycle.iter().any(|p| p.object == kind)
    }

    fn is_scheduled(&self, i: usize) -> bool {
        matches!(self.book.rules[i].trigger, Trigger::Schedule { .. })
    }

    fn rules_for(&self, kind: ObjectKind) -> impl Iterator<Item = &Rule> {
        self.by_object
            .get(&kind)
            .into_iter()
            .flatten()
            .map(|&i| &self.book.rules[i])
    }

    /// The rules `change` fires and the timers it arms or cancels.
    pub fn react(&self, change: &Change<'_>) -> Reaction<'_> {
        let mut reaction = Reaction::default();
        let mut groups_done: HashSet<&str> = HashSet::new();
        for rule in self.rules_for(change.object) {
            if let Trigger::Time { .. } = rule.trigger {
                reaction.timers.push((
                    rule,
                    change.after.and_then(|after| self.due_at(rule, after)),
                ));
                continue;
            }
            let group = rule.group.as_deref();
            if group.is_some_and(|g| groups_done.contains(g)) {
                continue;
            }
            let Some(after) = change.after else { continue };
            if rule.is_triggered_by(change.before, change.after) && rule.condition.matches(after) {
                reaction.fired.push(rule);
                if let Some(g) = group.filter(|g| self.book.groups[*g] == HitPolicy::FirstMatch) {
                    groups_done.insert(g);
                }
            }
        }
        reaction
    }

    /// When the time-triggered `rule` is due for a record as `facts` now shows it: its
    /// field plus its offset, while the record matches the condition; `None` otherwise
    /// (and for other triggers).
    pub fn due_at(&self, rule: &Rule, facts: &dyn Facts) -> Option<DateTime<Utc>> {
        let Trigger::Time { field, offset } = &rule.trigger else {
            return None;
        };
        if !rule.condition.matches(facts) {
            return None;
        }
        offset.apply_to(facts.get(field)?, &self.book.calendar)
    }

    /// Scheduled rules with their next run strictly after `after`.
    pub fn schedules(&self, after: DateTime<Utc>) -> Vec<(&Rule, Option<DateTime<Utc>>)> {
        self.book
            .rules
            .iter()
            .filter(|r| r.enabled)
            .filter_map(|rule| match &rule.trigger {
                Trigger::Schedule { cron, zone } => {
                    let zone = zone.unwrap_or(self.book.calendar.zone);
                    Some((rule, cron.next_after(after, zone)))
                }
                _ => None,
            })
            .collect()
    }
}
