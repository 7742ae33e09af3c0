//! How an entry chooses among its users, and who is eligible.

use std::collections::BTreeMap;
use std::fmt;

use crm_core::id::UserId;
use crm_core::{Error, Result};
use serde::{Deserialize, Serialize};

use super::state::Rotation;
use super::workforce::{Load, Workforce};

/// How an entry (or the fallback) picks the user. Every strategy passes over users who are
/// not eligible — unavailable, or at their capacity cap — to the next one it would pick.
///
/// Serialised with a `kind` tag:
///
/// ```json
/// {"kind": "fixed", "user": "0190…"}
/// {"kind": "round_robin", "users": ["0190…", "0190…"]}
/// {"kind": "weighted", "users": [{"user": "0190…", "weight": 3}, {"user": "0190…", "weight": 1}]}
/// {"kind": "least_loaded", "users": ["0190…", "0190…"]}
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Strategy {
    /// Always this user (Salesforce's "assign to user").
    Fixed {
        /// The user.
        user: UserId,
    },
    /// Each in turn, in list order, resuming where the last assignment left off. A user
    /// passed over while ineligible loses that turn.
    RoundRobin {
        /// The users, in turn order.
        users: Vec<UserId>,
    },
    /// In proportion to weights, interleaved (smooth weighted round robin, as nginx balances
    /// upstreams): with weights 3:1 the turns go A A B A, A A B A, … — over every
    /// `sum of weights` assignments each user gets exactly its weight while all stay
    /// eligible. Ineligible users neither get turns nor gather credit for them.
    Weighted {
        /// The users and their weights.
        users: Vec<WeightedUser>,
    },
    /// The user holding the fewest open items ([`Workforce::open_items`]); ties go round
    /// robin, so equal loads still spread.
    LeastLoaded {
        /// The users.
        users: Vec<UserId>,
    },
}

/// A user of a [`Strategy::Weighted`] and their weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedUser {
    /// The user.
    pub user: UserId,
    /// Their share, at least 1.
    pub weight: u32,
}

/// The kind of a [`Strategy`], as reported in an assignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StrategyKind {
    /// [`Strategy::Fixed`].
    Fixed,
    /// [`Strategy::RoundRobin`].
    RoundRobin,
    /// [`Strategy::Weighted`].
    Weighted,
    /// [`Strategy::LeastLoaded`].
    LeastLoaded,
}

impl StrategyKind {
    /// In words: `fixed user`, `round robin`, `weighted`, `least loaded`.
    pub fn as_str(self) -> &'static str {
        match self {
            StrategyKind::Fixed => "fixed user",
            StrategyKind::RoundRobin => "round robin",
            StrategyKind::Weighted => "weighted",
            StrategyKind::LeastLoaded => "least loaded",
        }
    }
}

impl fmt::Display for StrategyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Caps on the open items a user of a table may hold. A user at or over their cap is
/// passed over. [`Workforce::max_open`] may cap a user too; the smaller cap holds.
///
/// ```json
/// {"max_open": 50, "users": {"0190…": 80}}
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capacity {
    /// The cap for every user of the table; `None`, no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_open: Option<u32>,
    /// Caps for particular users, replacing `max_open` for them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub users: BTreeMap<UserId, u32>,
}

impl Capacity {
    /// No caps.
    pub fn is_unlimited(&self) -> bool {
        self.max_open.is_none() && self.users.is_empty()
    }

    /// The cap on `user` from the table, before the workforce's.
    pub fn cap(&self, user: UserId) -> Option<u32> {
        if self.users.is_empty() {
            self.max_open
        } else {
            self.users.get(&user).copied().or(self.max_open)
        }
    }
}

/// Why a user was passed over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ineligible {
    /// [`Workforce::is_available`] said no.
    Unavailable,
    /// The user holds `open` items and may hold at most `cap`.
    AtCapacity {
        /// Open items held.
        open: u32,
        /// The cap.
        cap: u32,
    },
}

impl fmt::Display for Ineligible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ineligible::Unavailable => f.write_str("unavailable"),
            Ineligible::AtCapacity { open, cap } => write!(f, "at capacity {open}/{cap}"),
        }
    }
}

/// Who may receive work: the workforce's view and the table's caps.
pub(super) struct Eligibility<'a, W: ?Sized> {
    pub(super) workforce: &'a W,
    pub(super) capacity: &'a Capacity,
}

impl<W: Workforce + ?Sized> Eligibility<'_, W> {
    /// Whether `user` may receive one more item, and their open items if so.
    pub(super) fn check(&self, user: UserId) -> std::result::Result<u32, Ineligible> {
        let Load {
            available,
            open_items: open,
            max_open,
        } = self.workforce.load(user);
        if !available {
            return Err(Ineligible::Unavailable);
        }
        let cap = match (self.capacity.cap(user), max_open) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match cap {
            Some(cap) if open >= cap => Err(Ineligible::AtCapacity { open, cap }),
            _ => Ok(open),
        }
    }
}

/// The users passed over on the way to a pick.
pub(super) type Skipped = Vec<(UserId, Ineligible)>;

/// The outcome of a strategy: the user and the rotation to remember, if anyone was eligible.
pub(super) struct Pick {
    pub(super) user: Option<(UserId, Option<Rotation>)>,
    pub(super) skipped: Skipped,
}

impl Strategy {
    /// Its kind.
    pub fn kind(&self) -> StrategyKind {
        match self {
            Strategy::Fixed { .. } => StrategyKind::Fixed,
            Strategy::RoundRobin { .. } => StrategyKind::RoundRobin,
            Strategy::Weighted { .. } => StrategyKind::Weighted,
            Strategy::LeastLoaded { .. } => StrategyKind::LeastLoaded,
        }
    }

    /// Every user it may pick, in list order.
    pub fn users(&self) -> Vec<UserId> {
        match self {
            Strategy::Fixed { user } => vec![*user],
            Strategy::RoundRobin { users } | Strategy::LeastLoaded { users } => users.clone(),
            Strategy::Weighted { users } => users.iter().map(|w| w.user).collect(),
        }
    }

    /// Refuse an empty user list, a user listed twice, a weight of 0.
    pub fn check(&self, field: &str) -> Result<()> {
        let users = self.users();
        if users.is_empty() {
            return Err(Error::validation(field, "[]", "lists no users"));
        }
        for (i, user) in users.iter().enumerate() {
            if users[..i].contains(user) {
                return Err(Error::validation(
                    field,
                    user.to_string(),
                    "lists the user twice",
                ));
            }
        }
        if let Strategy::Weighted { users } = self
            && let Some(w) = users.iter().find(|w| w.weight == 0)
        {
            return Err(Error::validation(
                field,
                w.user.to_string(),
                "weight 0; remove the user instead",
            ));
        }
        Ok(())
    }

    /// Pick a user; `rotation` is what the state remembers for this strategy.
    pub(super) fn pick<W: Workforce + ?Sized>(
        &self,
        eligibility: &Eligibility<'_, W>,
        rotation: Option<&Rotation>,
    ) -> Pick {
        let mut skipped = Skipped::new();
        let user = match self {
            Strategy::Fixed { user } => match eligibility.check(*user) {
                Ok(_) => Some((*user, None)),
                Err(why) => {
                    skipped.push((*user, why));
                    None
                }
            },
            Strategy::RoundRobin { users } => {
                let start = cursor_start(users, rotation);
                let n = users.len();
                (0..n).map(|k| (start + k) % n).find_map(|i| {
                    let user = users[i];
                    match eligibility.check(user) {
                        Ok(_) => Some((user, Some(cursor_after(users, i)))),
                        Err(why) => {
                            skipped.push((user, why));
                            None
                        }
                    }
                })
            }
            Strategy::LeastLoaded { users } => {
                let start = cursor_start(users, rotation);
                let n = users.len();
                let mut best: Option<(usize, u32)> = None;
                for i in (0..n).map(|k| (start + k) % n) {
                    match eligibility.check(users[i]) {
                        Ok(open) => {
                            if best.is_none_or(|(_, least)| open < least) {
                                best = Some((i, open));
                            }
                        }
                        Err(why) => skipped.push((users[i], why)),
                    }
                }
                best.map(|(i, _)| (users[i], Some(cursor_after(users, i))))
            }
            Strategy::Weighted { users } => weighted(users, eligibility, rotation, &mut skipped),
        };
        Pick { user, skipped }
    }
}

/// Where a cursor rotation over `users` starts its next turn.
fn cursor_start(users: &[UserId], rotation: Option<&Rotation>) -> usize {
    let n = users.len();
    let Some(&Rotation::Cursor { next, last }) = rotation else {
        return 0;
    };
    if n == 0 {
        return 0;
    }
    let next = next as usize % n;
    match last {
        Some(last) if users[(next + n - 1) % n] != last => users
            .iter()
            .position(|u| *u == last)
            .map_or(next, |p| (p + 1) % n),
        _ => next,
    }
}

fn cursor_after(users: &[UserId], i: usize) -> Rotation {
    Rotation::Cursor {
        next: ((i + 1) % users.len()) as u32,
        last: Some(users[i]),
    }
}

/// Smooth weighted round robin: every eligible user's current weight grows by its weight,
/// the largest (first listed on ties) is picked and gives back the total of the eligible
/// weights.
fn weighted<W: Workforce + ?Sized>(
    users: &[WeightedUser],
    eligibility: &Eligibility<'_, W>,
    rotation: Option<&Rotation>,
    skipped: &mut Skipped,
) -> Option<(UserId, Option<Rotation>)> {
    let empty = BTreeMap::new();
    let current = match rotation {
        Some(Rotation::Weights(current)) => current,
        _ => &empty,
    };
    let mut eligible = Vec::with_capacity(users.len());
    let mut total: i64 = 0;
    let mut best: Option<(usize, i64)> = None;
    for (i, w) in users.iter().enumerate() {
        match eligibility.check(w.user) {
            Ok(_) => {
                eligible.push(true);
                total += i64::from(w.weight);
                let grown = current.get(&w.user).copied().unwrap_or(0) + i64::from(w.weight);
                if best.is_none_or(|(_, most)| grown > most) {
                    best = Some((i, grown));
                }
            }
            Err(why) => {
                eligible.push(false);
                skipped.push((w.user, why));
            }
        }
    }
    let (chosen, _) = best?;
    let mut next = BTreeMap::new();
    for (i, w) in users.iter().enumerate() {
        let mut weight = current.get(&w.user).copied().unwrap_or(0);
        if eligible[i] {
            weight += i64::from(w.weight);
        }
        if i == chosen {
            weight -= total;
        }
        if weight != 0 {
            next.insert(w.user, weight);
        }
    }
    Some((users[chosen].user, Some(Rotation::Weights(next))))
}
