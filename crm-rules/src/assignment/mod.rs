//! Assignment: who gets a new lead, customer or ticket.
//!
//! An [`AssignmentTable`] is an ordered list of entries, each a [`Criteria`] (a
//! [`Territory`] by default) and a [`Strategy`]; the first entry whose criteria match
//! decides, as in Salesforce assignment rules. Strategies are a fixed user, round robin
//! (Zoho's and HubSpot's rotation), weighted, and least loaded; all pass over users who are
//! unavailable or at their capacity cap.
//!
//! Pure like the rest of the crate: the host passes in the record's [`Facts`], a
//! [`Workforce`] (availability, open items, caps, names) and the [`AssignmentState`] it
//! persisted, and saves the state back after assigning. No clock is read, nothing is stored.
//!
//! # When an entry's users are all ineligible
//!
//! An entry that matches but whose users are all unavailable or at capacity does not assign.
//! What happens next is the table's [`Overflow`]: by default the record goes on down the
//! table as if the entry had not matched (so a later, broader entry or the fallback takes
//! the overflow), then to the fallback; [`Overflow::Fallback`] skips the remaining entries;
//! [`Overflow::Unassigned`] stops there. When nothing assigns, the outcome is
//! [`Outcome::Unassigned`] with a reason naming every entry tried and why each user was
//! passed over, for the host to queue the record or alert an admin.
//!
//! # Batches
//!
//! Loads and caps are the workforce's: between the assignments of a batch, count what the
//! batch handed out — [`Roster::assigned`], or wrap any workforce in a [`Tally`] — so least
//! loaded and the caps see it.
//!
//! # Reasons
//!
//! Every outcome says why in words, for the record's history and for admins debugging a
//! table: the entry (numbered from 1, as an admin sees the table, and named), the values
//! that matched, the strategy, the user, and who was passed over and why:
//! `entry 2 'East China' matched region.province = 江苏省; round robin → 李雷 (passed over
//! 王芳: unavailable)`. Users show by [`Workforce::name`], else by id.
//!
//! # Speed
//!
//! The record's fields are read once per assignment however many entries test them, and a
//! [`Territory`] compares short texts as numbers and regions as bits: a 25-entry table is
//! searched in a few hundred nanoseconds (`benches/assignment.rs`).
//!
//! # As data
//!
//! Tables are rule documents: serde with snake_case names, unknown fields refused, checked
//! when read (entry names unique, user lists non-empty without repeats, weights ≥ 1).
//!
//! ```
//! use crm_core::id::UserId;
//! use crm_rules::FactMap;
//! use crm_rules::assignment::{AssignmentState, AssignmentTable, Outcome, Roster};
//!
//! let user = |n: u128| UserId(uuid::Uuid::from_u128(n));
//! let table: AssignmentTable = serde_json::from_str(r#"{
//!     "name": "lead_routing",
//!     "entries": [
//!         {
//!             "name": "East China",
//!             "criteria": {"region.province": ["华东"]},
//!             "strategy": {"kind": "round_robin", "users": [
//!                 "00000000-0000-0000-0000-000000000001",
//!                 "00000000-0000-0000-0000-000000000002"
//!             ]}
//!         }
//!     ],
//!     "fallback": {"kind": "fixed", "user": "00000000-0000-0000-0000-000000000009"},
//!     "capacity": {"max_open": 50}
//! }"#).unwrap();
//!
//! let mut roster = Roster::new().with(user(1), "王芳").with(user(2), "李雷").with(user(9), "张伟");
//! roster.set_available(user(1), false); // on leave
//! let mut state = AssignmentState::new(); // loaded from where the host keeps it
//!
//! let lead = FactMap::new().with("region.province", "江苏省");
//! let Outcome::Assigned(a) = table.assign(&lead, &roster, &mut state) else { panic!() };
//! assert_eq!(a.user, user(2));
//! assert_eq!(a.entry, Some(0));
//! assert_eq!(
//!     a.reason,
//!     "entry 1 'East China' matched region.province = 江苏省; round robin → 李雷 \
//!      (passed over 王芳: unavailable)"
//! );
//!
//! let elsewhere = FactMap::new().with("region.province", "广东省");
//! let Outcome::Assigned(b) = table.assign(&elsewhere, &roster, &mut state) else { panic!() };
//! assert_eq!((b.user, b.entry), (user(9), None));
//! assert_eq!(b.reason, "no entry matched; fallback fixed user → 张伟");
//! // The host saves `state` (e.g. as JSON) for the next assignment.
//! let saved = serde_json::to_string(&state).unwrap();
//! # assert!(saved.contains("East China"));
//! ```

mod state;
mod strategy;
mod workforce;

use std::fmt::Write as _;

use crm_core::id::UserId;
use crm_core::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize};

pub use self::state::{AssignmentState, Rotation};
pub use self::strategy::{Capacity, Ineligible, Strategy, StrategyKind, WeightedUser};
pub use self::workforce::{Load, Member, Roster, Tally, Workforce};
pub use crate::territory::{Criteria, Territory};

use self::state::{FALLBACK_KEY, Key};
use self::strategy::{Eligibility, Pick, Skipped};
use crate::facts::Facts;
use crate::reading::Reading;

/// An ordered list of entries; the first whose criteria match assigns.
///
/// Generic over the entries' [`Criteria`]; [`Territory`] by default.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssignmentTable<C = Territory> {
    /// The table's name, unique among the host's tables: it keys the table's state.
    pub name: String,
    /// The entries, in order.
    pub entries: Vec<AssignmentEntry<C>>,
    /// Who gets the records no entry assigned; `None`, they stay unassigned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Strategy>,
    /// Caps on the open items of the table's users.
    #[serde(default, skip_serializing_if = "Capacity::is_unlimited")]
    pub capacity: Capacity,
    /// What happens when an entry matches but none of its users is eligible.
    #[serde(default, skip_serializing_if = "Overflow::is_default")]
    pub overflow: Overflow,
}

/// One row of an [`AssignmentTable`]: which records, and how to pick their user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignmentEntry<C = Territory> {
    /// A name for reasons and for the entry's state key (see [`AssignmentState`]); unique
    /// within the table, not starting with `#`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Which records the entry takes; `None` (or omitted), every record.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub criteria: Option<C>,
    /// How it picks the user.
    pub strategy: Strategy,
}

fn none<C>() -> Option<C> {
    None
}

/// What happens when an entry matches but none of its users is eligible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Overflow {
    /// Go on down the table, then to the fallback.
    #[default]
    NextEntry,
    /// Go straight to the fallback.
    Fallback,
    /// Leave the record unassigned.
    Unassigned,
}

impl Overflow {
    fn is_default(&self) -> bool {
        *self == Overflow::default()
    }
}

/// The result of [`AssignmentTable::assign`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A user was picked.
    Assigned(Assignment),
    /// Nobody was: no entry matched and there is no fallback, or nobody eligible was found.
    Unassigned(Unassigned),
}

impl Outcome {
    /// The user picked, if any.
    pub fn user(&self) -> Option<UserId> {
        match self {
            Outcome::Assigned(a) => Some(a.user),
            Outcome::Unassigned(_) => None,
        }
    }

    /// Why this outcome, in words.
    pub fn reason(&self) -> &str {
        match self {
            Outcome::Assigned(a) => &a.reason,
            Outcome::Unassigned(u) => &u.reason,
        }
    }
}

/// A user picked for a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    /// The user.
    pub user: UserId,
    /// The table's name.
    pub table: String,
    /// The 0-based index of the entry that assigned; `None` for the fallback.
    pub entry: Option<usize>,
    /// The strategy that picked the user.
    pub strategy: StrategyKind,
    /// Why, for people: e.g. `entry 2 'East China' matched region.province = 江苏省; round
    /// robin → 王芳`. Entries are numbered from 1 here, as an admin sees them.
    pub reason: String,
}

/// Nobody was picked for a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unassigned {
    /// The table's name.
    pub table: String,
    /// Why, for people: each entry that matched and why its users were passed over.
    pub reason: String,
}

impl<C> AssignmentTable<C> {
    /// A table with no entries, no fallback, no caps.
    pub fn new(name: impl Into<String>) -> Self {
        AssignmentTable {
            name: name.into(),
            entries: Vec::new(),
            fallback: None,
            capacity: Capacity::default(),
            overflow: Overflow::default(),
        }
    }

    /// This table with `entry` appended.
    pub fn with_entry(mut self, entry: AssignmentEntry<C>) -> Self {
        self.entries.push(entry);
        self
    }

    /// This table with `fallback`.
    pub fn with_fallback(mut self, fallback: Strategy) -> Self {
        self.fallback = Some(fallback);
        self
    }

    /// Check the table: a name; entry names unique and not starting with `#`; every strategy
    /// with users, none twice, weights ≥ 1. Reading a table with serde checks it.
    pub fn check(&self) -> Result<()> {
        if self.name.trim().is_empty() {
            return Err(Error::validation(
                "assignment.name",
                &self.name,
                "a table needs a name",
            ));
        }
        for (i, entry) in self.entries.iter().enumerate() {
            if let Some(name) = &entry.name {
                let field = format!("assignment.entries[{i}].name");
                if name.starts_with('#') {
                    return Err(Error::validation(field, name, "may not start with `#`"));
                }
                if name.trim().is_empty() {
                    return Err(Error::validation(field, name, "empty; omit it instead"));
                }
                if self.entries[..i]
                    .iter()
                    .any(|e| e.name.as_ref() == Some(name))
                {
                    return Err(Error::validation(
                        field,
                        name,
                        "two entries of the table have this name",
                    ));
                }
            }
            entry
                .strategy
                .check(&format!("assignment.entries[{i}].strategy"))?;
        }
        if let Some(fallback) = &self.fallback {
            fallback.check("assignment.fallback")?;
        }
        Ok(())
    }
}

impl<C> AssignmentEntry<C> {
    /// An entry for the records meeting `criteria`.
    pub fn new(criteria: C, strategy: Strategy) -> Self {
        AssignmentEntry {
            name: None,
            criteria: Some(criteria),
            strategy,
        }
    }

    /// An entry for every record.
    pub fn any(strategy: Strategy) -> Self {
        AssignmentEntry {
            name: None,
            criteria: None,
            strategy,
        }
    }

    /// This entry named `name`.
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }
}

impl<C: Criteria> AssignmentEntry<C> {
    /// Whether the entry takes the record.
    pub fn matches(&self, facts: &dyn Facts) -> bool {
        self.criteria.as_ref().is_none_or(|c| c.matches(facts))
    }

    #[inline(always)]
    fn meets(&self, reading: &Reading<'_>) -> bool {
        self.criteria
            .as_ref()
            .is_none_or(|c| c.matches_reading(reading))
    }
}

impl<C: Criteria> AssignmentTable<C> {
    /// The index of the first entry whose criteria match, if any, regardless of who is
    /// eligible.
    pub fn first_match(&self, facts: &dyn Facts) -> Option<usize> {
        let reading = Reading::new(facts);
        self.entries.iter().position(|e| e.meets(&reading))
    }

    /// Pick the user for the record described by `facts`.
    ///
    /// Entries are tried in order; the first that matches and finds an eligible user
    /// assigns (see the [module docs](self) for entries whose users are all ineligible), else
    /// the fallback. `state` advances only for the rotation that assigned.
    pub fn assign<W: Workforce + ?Sized>(
        &self,
        facts: &dyn Facts,
        workforce: &W,
        state: &mut AssignmentState,
    ) -> Outcome {
        let eligibility = Eligibility {
            workforce,
            capacity: &self.capacity,
        };
        let reading = Reading::new(facts);
        let facts: &dyn Facts = &reading;
        let mut tried = String::new();
        for (i, entry) in self.entries.iter().enumerate() {
            if !entry.meets(&reading) {
                continue;
            }
            let index_key;
            let key = match &entry.name {
                Some(name) => name.as_str(),
                None => {
                    index_key = Key::index(i);
                    index_key.as_str()
                }
            };
            let pick = self.pick(&entry.strategy, &eligibility, key, state);
            let mut reason = String::with_capacity(160 + tried.len());
            if !tried.is_empty() {
                reason.push_str(&tried);
                reason.push_str("; ");
            }
            write_entry(&mut reason, i, entry);
            reason.push_str(" matched");
            if let Some(c) = &entry.criteria {
                reason.push(' ');
                let before = reason.len();
                c.explain(facts, &mut reason);
                if reason.len() == before {
                    reason.pop();
                }
            }
            let finished = self.finish(pick, &entry.strategy, Some(i), reason, "; ", workforce);
            match finished {
                Ok(assignment) => return Outcome::Assigned(assignment),
                Err(why) => {
                    push_tried(&mut tried, &why);
                    match self.overflow {
                        Overflow::NextEntry => continue,
                        Overflow::Fallback => break,
                        Overflow::Unassigned => return self.unassigned(tried),
                    }
                }
            }
        }
        let Some(fallback) = &self.fallback else {
            if tried.is_empty() {
                tried.push_str("no entry matched and the table has no fallback");
            } else {
                tried.push_str("; the table has no fallback");
            }
            return self.unassigned(tried);
        };
        let pick = self.pick(fallback, &eligibility, FALLBACK_KEY, state);
        let reason = if tried.is_empty() {
            String::from("no entry matched; fallback")
        } else {
            tried + "; fallback"
        };
        let finished = self.finish(pick, fallback, None, reason, " ", workforce);
        match finished {
            Ok(assignment) => Outcome::Assigned(assignment),
            Err(why) => self.unassigned(why),
        }
    }

    /// Let `strategy` pick, remembering its rotation under `key` if it picked someone.
    fn pick<W: Workforce + ?Sized>(
        &self,
        strategy: &Strategy,
        eligibility: &Eligibility<'_, W>,
        key: &str,
        state: &mut AssignmentState,
    ) -> (Option<UserId>, Skipped) {
        let slot = state.rotation_mut(&self.name, key);
        let Pick { user, skipped } = strategy.pick(eligibility, slot.as_deref());
        let user = match user {
            Some((user, Some(rotation))) => {
                match slot {
                    Some(slot) => *slot = rotation,
                    None => state.set(&self.name, key, rotation),
                }
                Some(user)
            }
            Some((user, None)) => Some(user),
            None => None,
        };
        (user, skipped)
    }

    /// Turn a pick into an assignment, or into the reason nobody was picked.
    fn finish<W: Workforce + ?Sized>(
        &self,
        (user, skipped): (Option<UserId>, Skipped),
        strategy: &Strategy,
        entry: Option<usize>,
        mut reason: String,
        sep: &str,
        workforce: &W,
    ) -> std::result::Result<Assignment, String> {
        let kind = strategy.kind();
        match user {
            Some(user) => {
                reason.push_str(sep);
                reason.push_str(kind.as_str());
                reason.push_str(" → ");
                write_user(&mut reason, workforce, user);
                if !skipped.is_empty() {
                    reason.push_str(" (passed over ");
                    write_skipped(&mut reason, workforce, &skipped);
                    reason.push(')');
                }
                Ok(Assignment {
                    user,
                    table: self.name.clone(),
                    entry,
                    strategy: kind,
                    reason,
                })
            }
            None => {
                reason.push_str(sep);
                reason.push_str(kind.as_str());
                reason.push_str(" found nobody eligible (");
                write_skipped(&mut reason, workforce, &skipped);
                reason.push(')');
                Err(reason)
            }
        }
    }

    fn unassigned(&self, reason: String) -> Outcome {
        Outcome::Unassigned(Unassigned {
            table: self.name.clone(),
            reason,
        })
    }
}

fn push_tried(tried: &mut String, why: &str) {
    if !tried.is_empty() {
        tried.push_str("; ");
    }
    tried.push_str(why);
}

fn write_entry<C>(out: &mut String, index: usize, entry: &AssignmentEntry<C>) {
    out.push_str("entry ");
    push_number(out, index + 1);
    if let Some(name) = &entry.name {
        out.push_str(" '");
        out.push_str(name);
        out.push('\'');
    }
}

/// `n` in decimal, without the formatting machinery.
fn push_number(out: &mut String, n: usize) {
    if n >= 10 {
        push_number(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

fn write_user<W: Workforce + ?Sized>(out: &mut String, workforce: &W, user: UserId) {
    match workforce.name(user) {
        Some(name) => out.push_str(name),
        None => {
            let _ = write!(out, "{user}");
        }
    }
}

fn write_skipped<W: Workforce + ?Sized>(out: &mut String, workforce: &W, skipped: &Skipped) {
    for (k, (user, why)) in skipped.iter().enumerate() {
        if k > 0 {
            out.push_str(", ");
        }
        write_user(out, workforce, *user);
        let _ = write!(out, ": {why}");
    }
}

/// The fields of a table as written, before [`AssignmentTable::check`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableDoc<C> {
    name: String,
    entries: Vec<AssignmentEntry<C>>,
    #[serde(default)]
    fallback: Option<Strategy>,
    #[serde(default)]
    capacity: Capacity,
    #[serde(default)]
    overflow: Overflow,
}

impl<'de, C: Deserialize<'de>> Deserialize<'de> for AssignmentTable<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let doc = TableDoc::<C>::deserialize(deserializer)?;
        let table = AssignmentTable {
            name: doc.name,
            entries: doc.entries,
            fallback: doc.fallback,
            capacity: doc.capacity,
            overflow: doc.overflow,
        };
        table.check().map_err(serde::de::Error::custom)?;
        Ok(table)
    }
}

#[cfg(test)]
mod tests;
