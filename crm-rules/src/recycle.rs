//! Public-pool recycling (公海回收): when an owned customer goes back to its pool.
//!
//! A [`RecyclePolicy`] belongs to one pool ([`crm_core::access::Pool`]) and holds limits per
//! customer level — so many days without a follow-up, so many days without a won deal —
//! exclusions, and how many days ahead to remind the owner. As in 悟空CRM's and ShareCRM's
//! 公海规则: "level A: back after 60 days without follow-up or 180 without a deal; other
//! levels 30 / 90; never while a deal is open or the customer is locked; remind 3 days
//! before".
//!
//! [`RecyclePolicy::evaluate`] is pure: it reads the customer's [`Facts`] at `now` (passed
//! in) and decides [`Decision::Keep`], [`Decision::Remind`], [`Decision::Return`] or
//! [`Decision::Excluded`]. A kept record carries its [`Deadline`] — when to remind, when it
//! is due — so the host arms two timers instead of polling, and evaluates again when the
//! customer's facts change (a follow-up, a won deal, a claim).
//!
//! # Facts read
//!
//! | Field | Type | Meaning |
//! |---|---|---|
//! | `level` | text | the customer level (客户等级) choosing the rule |
//! | `last_activity_at` | time | the last follow-up (跟进) — crm-core's field of that name |
//! | `owned_since` | time | when the current owner got the customer (claim, assignment, transfer) |
//! | `created_at` | time | when the customer was created: stands in for `owned_since` |
//! | `last_won_at` | time | when the customer's last deal was won |
//! | `open_opportunities` | integer | how many of its deals are open |
//! | `locked` | bool | locked (锁定) against recycling by its owner or an admin |
//!
//! Without `last_won_at`, the relation `opportunities` is read: the latest `closed_at` of
//! those whose `status` is `won`. Without `open_opportunities`, the same relation: any whose
//! `status` is `open`. Times may also be dates (the start of that day in the policy's
//! offset). The [`fields`] module names them all.
//!
//! # Counting days
//!
//! A limit of N days is N × 24 hours from the instant its clock started: the customer left
//! without follow-up since 2026-03-01 09:30 (Beijing) for 30 days is due back on 2026-03-31
//! at 09:30, and is returned from that instant on (the boundary counts as reached). China
//! keeps no daylight saving time, so this is the same clock time N calendar days later.
//! The reminder is k × 24 hours before. Dates in reasons are local dates at the policy's
//! offset (UTC+8 by default).
//!
//! Each clock starts at the later of its event and `owned_since` (or `created_at`), so a
//! customer just claimed from the pool starts afresh rather than inheriting its old owner's
//! silence: the follow-up clock at the last follow-up, the deal clock at the last won deal.
//! When both limits apply the earlier deadline decides.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use crm_rules::FactMap;
//! use crm_rules::recycle::{Decision, RecyclePolicy};
//!
//! let policy: RecyclePolicy = serde_json::from_str(r#"{
//!     "pool": "00000000-0000-0000-0000-0000000000a1",
//!     "object": "account",
//!     "levels": {"A": {"no_follow_up_days": 60, "no_deal_days": 180}},
//!     "others": {"no_follow_up_days": 30, "no_deal_days": 90},
//!     "exclude": {"open_opportunity": true, "locked": true},
//!     "remind_days_before": 3,
//!     "clear_team": true
//! }"#).unwrap();
//!
//! // Followed up on 2026-03-01 09:30 Beijing time, owned since January.
//! let followed = Utc.with_ymd_and_hms(2026, 3, 1, 1, 30, 0).unwrap();
//! let customer = FactMap::new()
//!     .with("level", "B")
//!     .with("last_activity_at", followed)
//!     .with("owned_since", Utc.with_ymd_and_hms(2026, 1, 10, 0, 0, 0).unwrap());
//!
//! let now = Utc.with_ymd_and_hms(2026, 3, 20, 0, 0, 0).unwrap();
//! let Decision::Keep { deadline: Some(deadline) } = policy.evaluate(&customer, now) else {
//!     panic!()
//! };
//! assert_eq!(deadline.due, Utc.with_ymd_and_hms(2026, 3, 31, 1, 30, 0).unwrap());
//! assert_eq!(deadline.remind_at, Some(Utc.with_ymd_and_hms(2026, 3, 28, 1, 30, 0).unwrap()));
//!
//! match policy.evaluate(&customer, deadline.due) {
//!     Decision::Return { reason, clear_team, .. } => {
//!         assert_eq!(reason, "30 days without follow-up since 2026-03-01 (rule for other levels)");
//!         assert!(clear_team);
//!     }
//!     other => panic!("{other:?}"),
//! }
//!
//! let busy = customer.clone().with("open_opportunities", 1i64);
//! assert!(matches!(policy.evaluate(&busy, deadline.due), Decision::Excluded { .. }));
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use crm_core::id::PoolId;
use crm_core::record::{ObjectKind, Value};
use crm_core::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize};

use crate::facts::Facts;
use crate::territory::{Criteria, Territory};

/// The names of the facts a policy reads (see the [module docs](self)).
pub mod fields {
    /// The customer level, text.
    pub const LEVEL: &str = "level";
    /// The last follow-up, a time.
    pub const LAST_ACTIVITY_AT: &str = "last_activity_at";
    /// When the current owner got the customer, a time.
    pub const OWNED_SINCE: &str = "owned_since";
    /// When the customer was created, a time.
    pub const CREATED_AT: &str = "created_at";
    /// When the customer's last deal was won, a time.
    pub const LAST_WON_AT: &str = "last_won_at";
    /// How many of the customer's deals are open, an integer.
    pub const OPEN_OPPORTUNITIES: &str = "open_opportunities";
    /// Whether the customer is locked against recycling, a bool.
    pub const LOCKED: &str = "locked";
    /// The relation read when `last_won_at` or `open_opportunities` is missing.
    pub const OPPORTUNITIES: &str = "opportunities";
    /// A related opportunity's status: `open`, `won` or `lost`.
    pub const STATUS: &str = "status";
    /// A related opportunity's close time.
    pub const CLOSED_AT: &str = "closed_at";
}

/// When customers of one pool go back to it.
///
/// Generic over the criteria of its field exclusions; [`Territory`] by default.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecyclePolicy<C = Territory> {
    /// The pool customers return to.
    pub pool: PoolId,
    /// The kind of records: [`ObjectKind::Account`] or [`ObjectKind::Lead`].
    pub object: ObjectKind,
    /// The limits for customers of each level, by level (e.g. `A`, `重点客户`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub levels: BTreeMap<String, Limits>,
    /// The limits for customers of any other level or none; `None`, they are kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub others: Option<Limits>,
    /// Customers never returned while they are so.
    #[serde(default, skip_serializing_if = "Exclusions::is_empty")]
    pub exclude: Exclusions<C>,
    /// Remind the owner this many days before the customer is due back; `None`, no
    /// reminder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remind_days_before: Option<u32>,
    /// On return, also take the customer off its team (team members, shares), besides
    /// clearing its owner (always).
    #[serde(default)]
    pub clear_team: bool,
    /// The offset from UTC of the local time that dates in reasons, and dates given as
    /// facts, are in (China: +480, the default).
    #[serde(default = "china_offset", skip_serializing_if = "is_china_offset")]
    pub utc_offset_minutes: i32,
}

fn china_offset() -> i32 {
    8 * 60
}

fn is_china_offset(minutes: &i32) -> bool {
    *minutes == china_offset()
}

/// The limits of one level. A limit left out does not apply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    /// Back after this many days without a follow-up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_follow_up_days: Option<u32>,
    /// Back after this many days without a won deal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_deal_days: Option<u32>,
}

/// What keeps a customer from being returned, whatever its limits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Exclusions<C = Territory> {
    /// While it has an open deal.
    #[serde(default)]
    pub open_opportunity: bool,
    /// While it is locked.
    #[serde(default)]
    pub locked: bool,
    /// While it meets any of these criteria (e.g. `{"level": ["战略"]}`).
    #[serde(default = "Vec::new", skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<C>,
}

impl<C> Default for Exclusions<C> {
    fn default() -> Self {
        Exclusions {
            open_opportunity: false,
            locked: false,
            when: Vec::new(),
        }
    }
}

impl<C> Exclusions<C> {
    /// Whether nothing is excluded.
    pub fn is_empty(&self) -> bool {
        !self.open_opportunity && !self.locked && self.when.is_empty()
    }
}

/// Which limit a deadline comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// [`Limits::no_follow_up_days`].
    NoFollowUp,
    /// [`Limits::no_deal_days`].
    NoDeal,
}

/// What started a limit's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Since {
    /// The last follow-up (`last_activity_at`).
    LastFollowUp,
    /// The last won deal (`last_won_at`).
    LastWon,
    /// The current owner getting the customer (`owned_since`).
    Owned,
    /// The customer's creation (`created_at`).
    Created,
}

/// The rule of a policy that applies to a customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// The limits of this level.
    Level(String),
    /// The limits for other levels ([`RecyclePolicy::others`]).
    Others,
}

/// When a customer is due back to the pool, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// From this instant on the customer is returned.
    pub due: DateTime<Utc>,
    /// From this instant on the owner is reminded; `None` without reminders.
    pub remind_at: Option<DateTime<Utc>>,
    /// The limit that falls due first.
    pub limit: Limit,
    /// Its days.
    pub days: u32,
    /// When its clock started.
    pub since: DateTime<Utc>,
    /// What started it.
    pub since_what: Since,
    /// The rule the limit belongs to.
    pub rule: Rule,
    /// In words: `30 days without follow-up since 2026-03-01 (rule for other levels)`.
    pub reason: String,
}

/// What to do with a customer now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Nothing yet. With a deadline, remind at `remind_at` and return at `due` unless the
    /// facts change first; without one no limit applies (the level has no rule, or the rule
    /// no limit whose clock has started).
    Keep {
        /// When the customer falls due, if ever.
        deadline: Option<Deadline>,
    },
    /// Remind the owner: the customer is due back at `deadline.due`. Decided again on every
    /// evaluation until then; the host reminds once per deadline (e.g. keyed by `due`).
    Remind {
        /// The deadline.
        deadline: Deadline,
    },
    /// Return the customer to `pool` now: clear its owner, and its team when `clear_team`.
    Return {
        /// The pool.
        pool: PoolId,
        /// Whether to clear the team as well as the owner.
        clear_team: bool,
        /// The deadline passed.
        deadline: Deadline,
        /// Why, for the pool entry's reason (退回原因): the deadline's reason.
        reason: String,
    },
    /// Never returned while an exclusion holds.
    Excluded {
        /// Which exclusion, in words: `has an open opportunity`, `locked`, `matches
        /// exclusion 1: level = 战略`.
        reason: String,
    },
}

impl Decision {
    /// The deadline, unless excluded or without one.
    pub fn deadline(&self) -> Option<&Deadline> {
        match self {
            Decision::Keep { deadline } => deadline.as_ref(),
            Decision::Remind { deadline } | Decision::Return { deadline, .. } => Some(deadline),
            Decision::Excluded { .. } => None,
        }
    }
}

impl<C> RecyclePolicy<C> {
    /// A policy for `object` records of `pool` with no limits, exclusions or reminders.
    pub fn new(pool: PoolId, object: ObjectKind) -> Self {
        RecyclePolicy {
            pool,
            object,
            levels: BTreeMap::new(),
            others: None,
            exclude: Exclusions::default(),
            remind_days_before: None,
            clear_team: false,
            utc_offset_minutes: china_offset(),
        }
    }

    /// Check the policy: accounts or leads, limits and reminders of at least a day, an
    /// offset within ±14 hours. Reading a policy with serde checks it.
    pub fn check(&self) -> Result<()> {
        if !matches!(self.object, ObjectKind::Account | ObjectKind::Lead) {
            return Err(Error::validation(
                "recycle.object",
                self.object.as_str(),
                "pools hold accounts or leads",
            ));
        }
        let rules = self
            .levels
            .iter()
            .map(|(level, limits)| (format!("recycle.levels.{level}"), limits))
            .chain(self.others.iter().map(|l| ("recycle.others".to_owned(), l)));
        for (field, limits) in rules {
            for days in [limits.no_follow_up_days, limits.no_deal_days]
                .into_iter()
                .flatten()
            {
                if days == 0 {
                    return Err(Error::validation(field, "0", "limits are at least 1 day"));
                }
            }
        }
        if self.remind_days_before == Some(0) {
            return Err(Error::validation(
                "recycle.remind_days_before",
                "0",
                "at least 1 day; leave it out for no reminder",
            ));
        }
        if self.utc_offset_minutes.abs() > 14 * 60 {
            return Err(Error::validation(
                "recycle.utc_offset_minutes",
                self.utc_offset_minutes.to_string(),
                "offsets are within ±14 hours",
            ));
        }
        Ok(())
    }

    /// The rule for a customer of `level`: its own, else the one for other levels.
    pub fn rule_for(&self, level: Option<&str>) -> Option<(Rule, &Limits)> {
        match level.and_then(|l| self.levels.get_key_value(l)) {
            Some((level, limits)) => Some((Rule::Level(level.clone()), limits)),
            None => self.others.as_ref().map(|limits| (Rule::Others, limits)),
        }
    }

    fn offset(&self) -> FixedOffset {
        FixedOffset::east_opt(self.utc_offset_minutes * 60)
            .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"))
    }

    /// `value` as an instant: a time, or a date's local midnight.
    fn instant(&self, value: Option<&Value>) -> Option<DateTime<Utc>> {
        match value? {
            Value::Time(t) => Some(*t),
            Value::Date(d) => Some(self.midnight(*d)),
            _ => None,
        }
    }

    fn midnight(&self, date: NaiveDate) -> DateTime<Utc> {
        let local = date.and_hms_opt(0, 0, 0).expect("midnight exists");
        (local - Duration::minutes(i64::from(self.utc_offset_minutes))).and_utc()
    }

    fn date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.offset()).date_naive()
    }
}

impl<C: Criteria> RecyclePolicy<C> {
    /// What to do at `now` with the customer described by `facts` (see the [module
    /// docs](self) for the facts read and how days count).
    ///
    /// Exclusions first; then the customer's rule by level; then the earlier deadline of
    /// its limits: [`Decision::Return`] from `due` on, [`Decision::Remind`] from
    /// `remind_at`, else [`Decision::Keep`].
    pub fn evaluate(&self, facts: &dyn Facts, now: DateTime<Utc>) -> Decision {
        if let Some(reason) = self.excluded(facts) {
            return Decision::Excluded { reason };
        }
        let Some(deadline) = self.deadline(facts) else {
            return Decision::Keep { deadline: None };
        };
        if now >= deadline.due {
            Decision::Return {
                pool: self.pool,
                clear_team: self.clear_team,
                reason: deadline.reason.clone(),
                deadline,
            }
        } else if deadline.remind_at.is_some_and(|at| now >= at) {
            Decision::Remind { deadline }
        } else {
            Decision::Keep {
                deadline: Some(deadline),
            }
        }
    }

    /// Why the customer is excluded, if it is.
    pub fn excluded(&self, facts: &dyn Facts) -> Option<String> {
        let exclude = &self.exclude;
        if exclude.open_opportunity && has_open_opportunity(facts) {
            return Some("has an open opportunity".into());
        }
        if exclude.locked && facts.get(fields::LOCKED) == Some(&Value::Bool(true)) {
            return Some("locked".into());
        }
        let (i, criteria) = exclude
            .when
            .iter()
            .enumerate()
            .find(|(_, c)| c.matches(facts))?;
        let mut reason = format!("matches exclusion {}", i + 1);
        let before = reason.len();
        reason.push_str(": ");
        criteria.explain(facts, &mut reason);
        if reason.len() == before + 2 {
            reason.truncate(before);
        }
        Some(reason)
    }

    /// When the customer falls due, whatever the exclusions and `now`; `None` when no limit
    /// applies.
    pub fn deadline(&self, facts: &dyn Facts) -> Option<Deadline> {
        let level = match facts.get(fields::LEVEL) {
            Some(Value::Text(level)) => Some(level.as_str()),
            _ => None,
        };
        let (rule, limits) = self.rule_for(level)?;
        let owned = self
            .instant(facts.get(fields::OWNED_SINCE))
            .map(|t| (t, Since::Owned))
            .or_else(|| {
                self.instant(facts.get(fields::CREATED_AT))
                    .map(|t| (t, Since::Created))
            });
        let later = |event: Option<(DateTime<Utc>, Since)>| match (event, owned) {
            (Some(e), Some(o)) => Some(if e.0 >= o.0 { e } else { o }),
            (e, o) => e.or(o),
        };
        let follow_up = limits.no_follow_up_days.and_then(|days| {
            let event = self
                .instant(facts.get(fields::LAST_ACTIVITY_AT))
                .map(|t| (t, Since::LastFollowUp));
            later(event).map(|since| (Limit::NoFollowUp, days, since))
        });
        let deal = limits.no_deal_days.and_then(|days| {
            let event = last_won(self, facts).map(|t| (t, Since::LastWon));
            later(event).map(|since| (Limit::NoDeal, days, since))
        });
        let due = |(_, days, (since, _)): &(Limit, u32, (DateTime<Utc>, Since))| {
            *since + Duration::days(i64::from(*days))
        };
        let (limit, days, (since, since_what)) = match (follow_up, deal) {
            (Some(f), Some(d)) => Some(if due(&d) < due(&f) { d } else { f }),
            (f, d) => f.or(d),
        }?;
        let due = since + Duration::days(i64::from(days));
        let remind_at = self
            .remind_days_before
            .map(|k| due - Duration::days(i64::from(k)));
        let reason = self.reason(limit, days, since, since_what, &rule);
        Some(Deadline {
            due,
            remind_at,
            limit,
            days,
            since,
            since_what,
            rule,
            reason,
        })
    }

    fn reason(
        &self,
        limit: Limit,
        days: u32,
        since: DateTime<Utc>,
        since_what: Since,
        rule: &Rule,
    ) -> String {
        let what = match limit {
            Limit::NoFollowUp => "without follow-up",
            Limit::NoDeal => "without a won deal",
        };
        let when = match since_what {
            Since::LastFollowUp | Since::LastWon => "",
            Since::Owned => "taken on ",
            Since::Created => "created on ",
        };
        let mut reason = format!("{days} days {what} since {when}{}", self.date(since));
        match rule {
            Rule::Level(level) => {
                let _ = write!(reason, " (rule for level {level})");
            }
            Rule::Others => reason.push_str(" (rule for other levels)"),
        }
        reason
    }
}

/// `last_won_at`, else the latest `closed_at` of the won `opportunities`.
fn last_won<C>(policy: &RecyclePolicy<C>, facts: &dyn Facts) -> Option<DateTime<Utc>> {
    if let Some(at) = policy.instant(facts.get(fields::LAST_WON_AT)) {
        return Some(at);
    }
    let mut latest: Option<DateTime<Utc>> = None;
    facts.related(fields::OPPORTUNITIES, &mut |deal| {
        if status(deal) == Some("won")
            && let Some(at) = policy.instant(deal.get(fields::CLOSED_AT))
        {
            latest = latest.max(Some(at));
        }
        true
    });
    latest
}

/// `open_opportunities` above 0, else an `opportunities` record whose `status` is `open`.
fn has_open_opportunity(facts: &dyn Facts) -> bool {
    if let Some(Value::Int(open)) = facts.get(fields::OPEN_OPPORTUNITIES) {
        return *open > 0;
    }
    let mut open = false;
    facts.related(fields::OPPORTUNITIES, &mut |deal| {
        open = status(deal) == Some("open");
        !open
    });
    open
}

fn status(deal: &dyn Facts) -> Option<&str> {
    match deal.get(fields::STATUS) {
        Some(Value::Text(s)) => Some(s.as_str()),
        _ => None,
    }
}

/// The fields of a policy as written, before [`RecyclePolicy::check`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyDoc<C> {
    pool: PoolId,
    object: ObjectKind,
    #[serde(default)]
    levels: BTreeMap<String, Limits>,
    #[serde(default)]
    others: Option<Limits>,
    #[serde(default = "Exclusions::default")]
    exclude: Exclusions<C>,
    #[serde(default)]
    remind_days_before: Option<u32>,
    #[serde(default)]
    clear_team: bool,
    #[serde(default = "china_offset")]
    utc_offset_minutes: i32,
}

impl<'de, C: Deserialize<'de>> Deserialize<'de> for RecyclePolicy<C> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let doc = PolicyDoc::<C>::deserialize(deserializer)?;
        let policy = RecyclePolicy {
            pool: doc.pool,
            object: doc.object,
            levels: doc.levels,
            others: doc.others,
            exclude: doc.exclude,
            remind_days_before: doc.remind_days_before,
            clear_team: doc.clear_team,
            utc_offset_minutes: doc.utc_offset_minutes,
        };
        policy.check().map_err(serde::de::Error::custom)?;
        Ok(policy)
    }
}

#[cfg(test)]
mod tests;
