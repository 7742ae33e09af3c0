//! Service-level agreements on tickets: per-priority targets for the first response and the
//! resolution, measured in business time, paused by status, warned about before they are
//! breached — derived by replaying the ticket's [`TicketEvent`]s.
//!
//! A [`SlaPolicy`] says which tickets it covers (priorities, optionally categories), its
//! targets, when to warn (a fraction of a target, 75 % by default), which statuses pause the
//! clock (`pending` and `on_hold` by default) and whether the clock runs in business time
//! (the default, per a [`BusinessCalendar`]) or calendar time. Policies are JSON rule
//! documents; [`SlaPolicies`] picks the first that covers a ticket.
//!
//! [`replay`] rebuilds each target's state from the events alone, at any `now`: nothing is
//! stored but the events, so a changed calendar or policy applies on the next replay. The
//! engine arms one timer for [`SlaReport::next_deadline`] and replays when it fires.
//!
//! The semantics, after Zendesk's SLAs (ServiceNow and Jira Service Management agree on the
//! start/pause/stop model):
//!
//! - **Start**: every clock starts at the `created` event. Events before it, events after
//!   `now`, and a second `created` are ignored; events are taken in time order (ties in the
//!   order given).
//! - **Run and pause**: a clock counts while the ticket's status is neither a pause status
//!   of the policy nor solved or closed, and — in business time — only during the
//!   calendar's working hours. Both targets pause alike (unlike Zendesk's first reply time,
//!   which never pauses).
//! - **First response** stops for good at the first `responded` event. Solving without a
//!   reply does not fulfil it: its clock stands still while the ticket is solved, and a
//!   reply after a reopen ends it (as in Zendesk); a ticket closed without any reply leaves
//!   it paused.
//! - **Resolution** stops when the ticket is solved or closed, and goes on counting from
//!   where it stood if the ticket is reopened: elapsed time adds up over every open period,
//!   like Zendesk's full resolution time.
//! - **Breach**: a target is breached at the instant its clock reaches the target (a reply
//!   at that very instant is late). A breach stays recorded: stopping afterwards gives
//!   [`SlaState::MetLate`], and a reopened ticket that breached before is still breached.
//! - **Warn** at the instant the clock reaches `warn_at` of the target.
//! - **Priority or category changes**: the policy for the ticket's priority and category
//!   as of `now` applies, measured from creation ([`SlaPolicies::replay`]): upgrading a
//!   ticket two hours after it came in to a one-hour response target breaches it at once,
//!   with its breach instant one hour after creation. Like Zendesk, this recomputes rather
//!   than splitting the clock between policies; it also re-judges targets already stopped.
//!
//! Durations in policies are written `"1h"`, `"45m"` or `"1h30m"` ([`SlaDuration`]): hours
//! of the clock the policy runs on, so `"24h"` in business time is three 8-hour workdays.
//!
//! ```
//! use chrono::{Duration, TimeZone, Utc};
//! use crm_core::id::TicketId;
//! use crm_core::model::{Ticket, TicketEvent, TicketPriority};
//! use crm_rules::BusinessCalendar;
//! use crm_rules::sla::{replay, SlaAlert, SlaDuration, SlaPolicy, SlaState, SlaTarget};
//!
//! // 09:00–12:00 and 13:00–18:00 Monday to Friday, Beijing time.
//! let calendar = BusinessCalendar::china_office();
//! let policy = SlaPolicy::new("高优先级", [TicketPriority::High])
//!     .responding_within(SlaDuration::hours(1))
//!     .resolving_within(SlaDuration::hours(24));
//! // A ticket comes in on Friday 2026-03-06 at 17:30 Beijing time (09:30 UTC).
//! let id: TicketId = "0190f5a0-0000-7000-8000-000000000001".parse().unwrap();
//! let created = Utc.with_ymd_and_hms(2026, 3, 6, 9, 30, 0).unwrap();
//! let ticket = Ticket::new("服务器宕机", TicketPriority::High);
//! let events = vec![TicketEvent::new(id, created, ticket.created())];
//!
//! let report = replay(&policy, &calendar, &events, created + Duration::minutes(15)).unwrap();
//! let first = report.first_response.as_ref().unwrap();
//! assert_eq!(first.state, SlaState::Running);
//! assert_eq!(first.remaining, Duration::minutes(45));
//! // Half an hour is left on Friday, the rest on Monday: due Monday 09:30 Beijing.
//! assert_eq!(first.due_at, Some(Utc.with_ymd_and_hms(2026, 3, 9, 1, 30, 0).unwrap()));
//! // The engine's next timer: the warning at 75 % of the hour, Monday 09:15.
//! let next = report.next_deadline().unwrap();
//! assert_eq!((next.target, next.alert), (SlaTarget::FirstResponse, SlaAlert::Warn));
//! assert_eq!(next.at, Utc.with_ymd_and_hms(2026, 3, 9, 1, 15, 0).unwrap());
//! ```

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, Utc};
use crm_core::model::{TicketEvent, TicketEventKind, TicketPriority, TicketStatus};
use crm_core::{Error, Result};
use serde::{Deserialize, Serialize};

use crate::calendar::BusinessCalendar;

/// A target duration, in whole minutes of the policy's clock; written `"1h"`, `"45m"` or
/// `"1h30m"` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SlaDuration {
    minutes: u32,
}

impl SlaDuration {
    /// `minutes` minutes.
    pub const fn minutes(minutes: u32) -> Self {
        SlaDuration { minutes }
    }

    /// `hours` hours.
    pub const fn hours(hours: u32) -> Self {
        SlaDuration {
            minutes: hours * 60,
        }
    }

    /// The length in minutes.
    pub fn as_minutes(self) -> u32 {
        self.minutes
    }

    /// As a [`Duration`].
    pub fn as_duration(self) -> Duration {
        Duration::minutes(i64::from(self.minutes))
    }
}

impl fmt::Display for SlaDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (hours, minutes) = (self.minutes / 60, self.minutes % 60);
        match (hours, minutes) {
            (0, m) => write!(f, "{m}m"),
            (h, 0) => write!(f, "{h}h"),
            (h, m) => write!(f, "{h}h{m}m"),
        }
    }
}

impl FromStr for SlaDuration {
    type Err = Error;

    /// `"1h"`, `"45m"`, `"1h30m"`: hours, then minutes, at least one, whole numbers.
    fn from_str(text: &str) -> Result<Self> {
        let bad = || {
            Error::validation(
                "sla.duration",
                text,
                "expected hours and/or minutes such as \"1h\", \"45m\" or \"1h30m\"",
            )
        };
        let mut rest = text.trim();
        let mut minutes: u32 = 0;
        let mut seen = false;
        for (unit, scale) in [('h', 60u32), ('m', 1)] {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            if digits == 0 || !rest[digits..].starts_with(unit) {
                continue;
            }
            let n: u32 = rest[..digits].parse().map_err(|_| bad())?;
            minutes = n
                .checked_mul(scale)
                .and_then(|n| minutes.checked_add(n))
                .ok_or_else(bad)?;
            rest = &rest[digits + 1..];
            seen = true;
        }
        if !seen || !rest.is_empty() {
            return Err(bad());
        }
        Ok(SlaDuration { minutes })
    }
}

impl Serialize for SlaDuration {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SlaDuration {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// What an SLA clock counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaClock {
    /// The calendar's working hours only.
    #[default]
    Business,
    /// Every minute, nights and weekends too (24×7 support).
    Calendar,
}

impl SlaClock {
    fn between(
        self,
        calendar: &BusinessCalendar,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Duration {
        match self {
            SlaClock::Business => calendar.between(from, to),
            SlaClock::Calendar => (to - from).max(Duration::zero()),
        }
    }

    fn add(
        self,
        calendar: &BusinessCalendar,
        from: DateTime<Utc>,
        d: Duration,
    ) -> Option<DateTime<Utc>> {
        match self {
            SlaClock::Business => calendar.add(from, d),
            SlaClock::Calendar => from.checked_add_signed(d),
        }
    }
}

/// A policy's targets; a policy without one of them does not measure it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaTargets {
    /// From creation to the first agent reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_response: Option<SlaDuration>,
    /// From creation to solved, summed over reopenings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<SlaDuration>,
}

/// An SLA policy: which tickets it covers and the targets it sets them.
///
/// ```json
/// {
///   "name": "高优先级",
///   "priorities": ["urgent", "high"],
///   "categories": ["billing", "安装"],
///   "targets": { "first_response": "1h", "resolution": "24h" },
///   "warn_at": 0.75,
///   "pause_statuses": ["pending", "on_hold"],
///   "clock": "business"
/// }
/// ```
///
/// Only `name`, `priorities` and `targets` are required: no `categories` covers every
/// category, and the rest default as shown. Unknown fields are refused; call
/// [`SlaPolicy::check`] after reading one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicy {
    /// Its name, shown on reports.
    pub name: String,
    /// The priorities it covers.
    pub priorities: BTreeSet<TicketPriority>,
    /// The categories it covers (compared trimmed, ASCII case ignored); empty: every
    /// category, and tickets without one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// The targets.
    pub targets: SlaTargets,
    /// The fraction of a target at which to warn, in (0, 1].
    #[serde(default = "default_warn_at")]
    pub warn_at: f64,
    /// The statuses that stop the clock until the ticket leaves them.
    #[serde(default = "default_pause_statuses")]
    pub pause_statuses: BTreeSet<TicketStatus>,
    /// Business time (the default) or calendar time.
    #[serde(default)]
    pub clock: SlaClock,
}

fn default_warn_at() -> f64 {
    0.75
}

fn default_pause_statuses() -> BTreeSet<TicketStatus> {
    [TicketStatus::Pending, TicketStatus::OnHold].into()
}

/// Whether two categories are the same: trimmed, ASCII case ignored.
fn same_category(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

impl SlaPolicy {
    /// A policy for `priorities` without targets yet, with the defaults: warn at 75 %,
    /// paused while pending or on hold, business time.
    pub fn new(
        name: impl Into<String>,
        priorities: impl IntoIterator<Item = TicketPriority>,
    ) -> Self {
        SlaPolicy {
            name: name.into(),
            priorities: priorities.into_iter().collect(),
            categories: Vec::new(),
            targets: SlaTargets::default(),
            warn_at: default_warn_at(),
            pause_statuses: default_pause_statuses(),
            clock: SlaClock::default(),
        }
    }

    /// This policy with a first-response target.
    pub fn responding_within(mut self, target: SlaDuration) -> Self {
        self.targets.first_response = Some(target);
        self
    }

    /// This policy with a resolution target.
    pub fn resolving_within(mut self, target: SlaDuration) -> Self {
        self.targets.resolution = Some(target);
        self
    }

    /// This policy covering only `categories`.
    pub fn in_categories(
        mut self,
        categories: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.categories = categories.into_iter().map(Into::into).collect();
        self
    }

    /// This policy warning at `fraction` of each target.
    pub fn warning_at(mut self, fraction: f64) -> Self {
        self.warn_at = fraction;
        self
    }

    /// This policy pausing on `statuses` instead of the defaults.
    pub fn pausing_on(mut self, statuses: impl IntoIterator<Item = TicketStatus>) -> Self {
        self.pause_statuses = statuses.into_iter().collect();
        self
    }

    /// This policy counting on `clock`.
    pub fn on_clock(mut self, clock: SlaClock) -> Self {
        self.clock = clock;
        self
    }

    /// Whether it covers a ticket of `priority` in `category`.
    pub fn covers(&self, priority: TicketPriority, category: Option<&str>) -> bool {
        self.priorities.contains(&priority)
            && (self.categories.is_empty()
                || category.is_some_and(|c| self.categories.iter().any(|p| same_category(p, c))))
    }

    /// Refuse a policy without a name, priorities or targets, with a zero target, or with
    /// `warn_at` outside (0, 1].
    pub fn check(&self) -> Result<()> {
        let refuse = |field: &str, value: String, reason: &str| {
            Err(Error::validation(format!("sla.{field}"), value, reason))
        };
        if self.name.trim().is_empty() {
            return refuse("name", self.name.clone(), "must not be empty");
        }
        if self.priorities.is_empty() {
            return refuse(
                "priorities",
                String::new(),
                "a policy covers at least one priority",
            );
        }
        if let Some(c) = self.categories.iter().find(|c| c.trim().is_empty()) {
            return refuse("categories", c.clone(), "must not be empty");
        }
        let targets = [self.targets.first_response, self.targets.resolution];
        if targets.iter().all(Option::is_none) {
            return refuse(
                "targets",
                String::new(),
                "a policy sets at least one target",
            );
        }
        if let Some(zero) = targets.into_iter().flatten().find(|t| t.minutes == 0) {
            return refuse(
                "targets",
                zero.to_string(),
                "a target must be longer than zero",
            );
        }
        if !(self.warn_at > 0.0 && self.warn_at <= 1.0) {
            return refuse(
                "warn_at",
                self.warn_at.to_string(),
                "must be above 0 and at most 1",
            );
        }
        Ok(())
    }
}

/// A tenant's SLA policies, in order: the first that covers a ticket applies.
///
/// ```json
/// { "policies": [ { "name": "高优先级", "priorities": ["urgent", "high"], "targets": { "first_response": "1h" } } ] }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlaPolicies {
    /// The policies, most specific first.
    pub policies: Vec<SlaPolicy>,
}

impl SlaPolicies {
    /// `policies`, in order.
    pub fn new(policies: Vec<SlaPolicy>) -> Self {
        SlaPolicies { policies }
    }

    /// Whether there are no policies.
    pub fn is_empty(&self) -> bool {
        self.policies.is_empty()
    }

    /// Check every policy and that no two share a name.
    pub fn check(&self) -> Result<()> {
        let mut names = BTreeSet::new();
        for policy in &self.policies {
            policy.check()?;
            if !names.insert(policy.name.trim()) {
                return Err(Error::validation("sla.name", &policy.name, "appears twice"));
            }
        }
        Ok(())
    }

    /// The first policy covering a ticket of `priority` in `category`.
    pub fn policy_for(
        &self,
        priority: TicketPriority,
        category: Option<&str>,
    ) -> Option<&SlaPolicy> {
        self.policies.iter().find(|p| p.covers(priority, category))
    }

    /// Replay `events` under the policy covering the ticket's priority and category as of
    /// `now` (see the [module docs](self) on priority changes); `None` when no policy covers
    /// it. Refused when no `created` event happened by `now`.
    pub fn replay(
        &self,
        calendar: &BusinessCalendar,
        events: &[TicketEvent],
        now: DateTime<Utc>,
    ) -> Result<Option<SlaReport>> {
        let history = History::read(events, now)?;
        Ok(self
            .policy_for(history.priority, history.category.as_deref())
            .map(|policy| history.report(policy, calendar, now)))
    }
}

/// Which target of a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaTarget {
    /// The first agent reply.
    FirstResponse,
    /// Solving the ticket.
    Resolution,
}

/// Where a target stands at the replay's `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaState {
    /// The clock counts, the target is not reached yet.
    Running,
    /// The clock stands still (a pause status, or a solved ticket awaiting its first reply),
    /// the target is not reached yet.
    Paused,
    /// The clock reached the target before it stopped; running or paused, see
    /// [`TargetReport::running`].
    Breached,
    /// Stopped within the target.
    Met,
    /// Stopped after a breach.
    MetLate,
}

/// One target at the replay's `now`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetReport {
    /// Which target.
    pub target: SlaTarget,
    /// Its length on the policy's clock.
    pub goal: Duration,
    /// Where it stands.
    pub state: SlaState,
    /// Whether its clock counts at `now`.
    pub running: bool,
    /// The time counted so far (up to the stop when stopped).
    pub elapsed: Duration,
    /// `goal - elapsed`: negative once breached, by how much it is overdue.
    pub remaining: Duration,
    /// When the clock reaches the goal: the breach instant once breached, a projection
    /// while running (counting on from now), `None` while paused or stopped short of it,
    /// or when the calendar has no working time left.
    pub due_at: Option<DateTime<Utc>>,
    /// When the clock reaches the warning fraction of the goal: past once reached,
    /// projected while running, `None` otherwise.
    pub warn_at: Option<DateTime<Utc>>,
    /// When it was breached, if it was.
    pub breached_at: Option<DateTime<Utc>>,
    /// When it stopped ([`SlaState::Met`] or [`SlaState::MetLate`]): the first reply, or the
    /// ticket's last solve.
    pub met_at: Option<DateTime<Utc>>,
}

impl TargetReport {
    /// Whether the warning instant is reached at `now` and the target is still open.
    pub fn warning(&self, now: DateTime<Utc>) -> bool {
        self.met_at.is_none() && self.warn_at.is_some_and(|w| w <= now)
    }
}

/// What an SLA timer fires for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SlaAlert {
    /// The warning fraction of a target is reached.
    Warn,
    /// The target is breached.
    Breach,
}

/// The next instant an SLA needs attention: [`SlaReport::next_deadline`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SlaDeadline {
    /// When.
    pub at: DateTime<Utc>,
    /// Which target.
    pub target: SlaTarget,
    /// A warning or a breach.
    pub alert: SlaAlert,
}

/// A ticket's SLA at an instant: [`replay`]'s answer.
#[derive(Debug, Clone, PartialEq)]
pub struct SlaReport {
    /// The policy's name.
    pub policy: String,
    /// The instant it describes.
    pub now: DateTime<Utc>,
    /// The ticket's priority at `now`.
    pub priority: TicketPriority,
    /// The first-response target, when the policy sets one.
    pub first_response: Option<TargetReport>,
    /// The resolution target, when the policy sets one.
    pub resolution: Option<TargetReport>,
}

impl SlaReport {
    /// The targets the policy sets.
    pub fn targets(&self) -> impl Iterator<Item = &TargetReport> {
        self.first_response.iter().chain(&self.resolution)
    }

    /// Whether any target is breached (including met late).
    pub fn breached(&self) -> bool {
        self.targets().any(|t| t.breached_at.is_some())
    }

    /// The earliest warning or breach still ahead (strictly after `now`) of a running
    /// target: the instant the engine arms its timer for. `None` when every clock is paused,
    /// stopped or past its breach.
    pub fn next_deadline(&self) -> Option<SlaDeadline> {
        self.targets()
            .filter(|t| t.running)
            .flat_map(|t| {
                [(t.warn_at, SlaAlert::Warn), (t.due_at, SlaAlert::Breach)]
                    .into_iter()
                    .filter_map(move |(at, alert)| {
                        at.filter(|at| *at > self.now).map(|at| SlaDeadline {
                            at,
                            target: t.target,
                            alert,
                        })
                    })
            })
            .min_by_key(|d| (d.at, d.alert, d.target))
    }
}

/// Replay a ticket's `events` under `policy` up to `now`: the state of each target the
/// policy sets (see the [module docs](self) for the semantics). `events` may come in any
/// order; those after `now` are ignored. Refused when no `created` event happened by `now`.
///
/// The policy is taken as given, whatever the ticket's priority: [`SlaPolicies::replay`]
/// picks it by the ticket's current priority and category.
pub fn replay(
    policy: &SlaPolicy,
    calendar: &BusinessCalendar,
    events: &[TicketEvent],
    now: DateTime<Utc>,
) -> Result<SlaReport> {
    Ok(History::read(events, now)?.report(policy, calendar, now))
}

/// What the events say about the ticket up to `now`.
struct History {
    /// The instant each status began, in order; the first at creation.
    statuses: Vec<(DateTime<Utc>, TicketStatus)>,
    /// The first reply.
    responded: Option<DateTime<Utc>>,
    priority: TicketPriority,
    category: Option<String>,
}

/// A period the clock runs: from, and until (`None`: still running at `now`).
type Run = (DateTime<Utc>, Option<DateTime<Utc>>);

impl History {
    fn read(events: &[TicketEvent], now: DateTime<Utc>) -> Result<History> {
        let mut ordered: Vec<&TicketEvent> = events.iter().filter(|e| e.at <= now).collect();
        ordered.sort_by_key(|e| e.at);
        let mut ordered = ordered
            .into_iter()
            .skip_while(|e| !matches!(e.kind, TicketEventKind::Created { .. }));
        let Some(TicketEvent {
            at: created,
            kind:
                TicketEventKind::Created {
                    priority,
                    category,
                    status,
                },
            ..
        }) = ordered.next()
        else {
            return Err(Error::validation(
                "sla.events",
                now.to_rfc3339(),
                "the ticket has no created event by then",
            ));
        };
        let mut history = History {
            statuses: vec![(*created, *status)],
            responded: None,
            priority: *priority,
            category: category.clone(),
        };
        for event in ordered {
            match &event.kind {
                TicketEventKind::Created { .. } => {}
                TicketEventKind::StatusChanged { to, .. } => history.statuses.push((event.at, *to)),
                TicketEventKind::PriorityChanged { to, .. } => history.priority = *to,
                TicketEventKind::CategoryChanged { to, .. } => history.category.clone_from(to),
                TicketEventKind::Responded => {
                    history.responded.get_or_insert(event.at);
                }
            }
        }
        Ok(history)
    }

    /// The periods the clock of a target runs, cut at `stop` (the first reply).
    fn runs(&self, policy: &SlaPolicy, stop: Option<DateTime<Utc>>) -> Vec<Run> {
        let mut runs = Vec::new();
        for (i, &(from, status)) in self.statuses.iter().enumerate() {
            let mut until = self.statuses.get(i + 1).map(|&(at, _)| at);
            if let Some(stop) = stop {
                if from >= stop {
                    break;
                }
                until = Some(until.map_or(stop, |u| u.min(stop)));
            }
            let counts = !status.is_done() && !policy.pause_statuses.contains(&status);
            if counts && until.is_none_or(|u| u > from) {
                runs.push((from, until));
            }
        }
        runs
    }

    /// When the ticket was last solved, if it is solved or closed now.
    fn solved_at(&self) -> Option<DateTime<Utc>> {
        let mut solved = None;
        for &(at, status) in self.statuses.iter().rev() {
            if !status.is_done() {
                break;
            }
            solved = Some(at);
        }
        solved
    }

    fn report(
        &self,
        policy: &SlaPolicy,
        calendar: &BusinessCalendar,
        now: DateTime<Utc>,
    ) -> SlaReport {
        let target = |target, goal: Option<SlaDuration>, stop, met_at| {
            goal.map(|goal| {
                Clock {
                    policy,
                    calendar,
                    now,
                    runs: self.runs(policy, stop),
                }
                .report(target, goal, met_at)
            })
        };
        SlaReport {
            policy: policy.name.clone(),
            now,
            priority: self.priority,
            first_response: target(
                SlaTarget::FirstResponse,
                policy.targets.first_response,
                self.responded,
                self.responded,
            ),
            resolution: target(
                SlaTarget::Resolution,
                policy.targets.resolution,
                None,
                self.solved_at(),
            ),
        }
    }
}

/// One target's clock: the periods it runs, measured on the policy's clock.
struct Clock<'a> {
    policy: &'a SlaPolicy,
    calendar: &'a BusinessCalendar,
    now: DateTime<Utc>,
    runs: Vec<Run>,
}

impl Clock<'_> {
    fn measure(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        self.policy.clock.between(self.calendar, from, to)
    }

    /// The time counted up to `now`.
    fn elapsed(&self) -> Duration {
        self.runs
            .iter()
            .map(|&(from, until)| self.measure(from, until.unwrap_or(self.now).min(self.now)))
            .sum()
    }

    /// The earliest instant the counted time reaches `amount`: past, or projected on the
    /// period still running; `None` if it never does.
    fn reach(&self, amount: Duration) -> Option<DateTime<Utc>> {
        let mut counted = Duration::zero();
        for &(from, until) in &self.runs {
            let left = amount - counted;
            match until {
                None => return self.policy.clock.add(self.calendar, from, left),
                Some(until) => {
                    let here = self.measure(from, until);
                    if here >= left {
                        return self.policy.clock.add(self.calendar, from, left);
                    }
                    counted += here;
                }
            }
        }
        None
    }

    fn report(
        &self,
        target: SlaTarget,
        goal: SlaDuration,
        met_at: Option<DateTime<Utc>>,
    ) -> TargetReport {
        let goal = goal.as_duration();
        let elapsed = self.elapsed();
        let running = self.runs.last().is_some_and(|&(_, until)| until.is_none());
        let breached = elapsed >= goal;
        let warn_ms = (goal.num_milliseconds() as f64 * self.policy.warn_at).round() as i64;
        let due_at = self.reach(goal);
        let state = match (met_at.is_some(), breached, running) {
            (true, false, _) => SlaState::Met,
            (true, true, _) => SlaState::MetLate,
            (false, true, _) => SlaState::Breached,
            (false, false, true) => SlaState::Running,
            (false, false, false) => SlaState::Paused,
        };
        TargetReport {
            target,
            goal,
            state,
            running,
            elapsed,
            remaining: goal - elapsed,
            due_at,
            warn_at: self.reach(Duration::milliseconds(warn_ms.max(1))),
            breached_at: due_at.filter(|_| breached),
            met_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone};
    use crm_core::ErrorKind;
    use crm_core::id::TicketId;
    use crm_core::model::Ticket;
    use proptest::prelude::*;

    use super::*;

    /// Beijing wall-clock time.
    fn bj(m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn hours(h: i64) -> Duration {
        Duration::hours(h)
    }

    fn minutes(m: i64) -> Duration {
        Duration::minutes(m)
    }

    /// A ticket and its history, changed through the ticket's own methods.
    struct Log {
        id: TicketId,
        ticket: Ticket,
        events: Vec<TicketEvent>,
    }

    impl Log {
        fn new(priority: TicketPriority, at: DateTime<Utc>) -> Log {
            let ticket = Ticket::new("打印机安装失败", priority);
            let id: TicketId = "0190f5a0-0000-7000-8000-000000000001".parse().unwrap();
            let events = vec![TicketEvent::new(id, at, ticket.created())];
            Log { id, ticket, events }
        }

        fn status(&mut self, to: TicketStatus, at: DateTime<Utc>) {
            let kind = self.ticket.set_status(to, at).unwrap();
            self.events.push(TicketEvent::new(self.id, at, kind));
        }

        fn respond(&mut self, at: DateTime<Utc>) {
            let kind = self.ticket.respond(at).unwrap();
            self.events.push(TicketEvent::new(self.id, at, kind));
        }

        fn priority(&mut self, to: TicketPriority, at: DateTime<Utc>) {
            let kind = self.ticket.set_priority(to).unwrap().unwrap();
            self.events.push(TicketEvent::new(self.id, at, kind));
        }

        fn category(&mut self, to: &str, at: DateTime<Utc>) {
            let kind = self.ticket.set_category(Some(to.into())).unwrap().unwrap();
            self.events.push(TicketEvent::new(self.id, at, kind));
        }
    }

    fn high() -> SlaPolicy {
        SlaPolicy::new("高优先级", [TicketPriority::Urgent, TicketPriority::High])
            .responding_within(SlaDuration::hours(1))
            .resolving_within(SlaDuration::hours(24))
    }

    fn normal() -> SlaPolicy {
        SlaPolicy::new("普通", [TicketPriority::Normal])
            .responding_within(SlaDuration::hours(4))
            .resolving_within(SlaDuration::hours(48))
    }

    fn first(report: &SlaReport) -> &TargetReport {
        report.first_response.as_ref().unwrap()
    }

    fn resolution(report: &SlaReport) -> &TargetReport {
        report.resolution.as_ref().unwrap()
    }

    /// The rule as a test: a high-priority ticket is answered within 1 business hour and
    /// solved within 24, on 09:00–12:00 and 13:00–18:00 Beijing office hours.
    ///
    /// Test fixtures, not the official 2026 holiday schedule: Monday 2026-04-06 is a holiday
    /// and Saturday 2026-04-11 a make-up workday (调休).
    #[test]
    fn high_priority_respond_in_1_business_hour_resolve_in_24() {
        let mut calendar = BusinessCalendar::china_office();
        calendar.holidays = [NaiveDate::from_ymd_opt(2026, 4, 6).unwrap()].into();
        calendar.makeup_days = [NaiveDate::from_ymd_opt(2026, 4, 11).unwrap()].into();
        let policy = high();
        let replay_at = |log: &Log, now| replay(&policy, &calendar, &log.events, now).unwrap();

        // Friday evening, half an hour before closing.
        let mut log = Log::new(TicketPriority::High, bj(4, 3, 17, 30));
        let report = replay_at(&log, bj(4, 3, 17, 45));
        let fr = first(&report);
        assert_eq!((fr.state, fr.running), (SlaState::Running, true));
        assert_eq!((fr.elapsed, fr.remaining), (minutes(15), minutes(45)));
        // 30 minutes on Friday; the weekend and the Monday holiday are skipped; the other
        // 30 minutes on Tuesday.
        assert_eq!(fr.due_at, Some(bj(4, 7, 9, 30)));
        assert_eq!(fr.warn_at, Some(bj(4, 7, 9, 15)));
        // 0.5 h Friday, 8 h Tuesday, 8 h Wednesday, 7.5 h Thursday.
        let res = resolution(&report);
        assert_eq!(res.due_at, Some(bj(4, 9, 17, 30)));
        assert_eq!(res.warn_at, Some(bj(4, 9, 10, 30)));
        let next = report.next_deadline().unwrap();
        assert_eq!(
            next,
            SlaDeadline {
                at: bj(4, 7, 9, 15),
                target: SlaTarget::FirstResponse,
                alert: SlaAlert::Warn
            }
        );

        // The holiday counts nothing: still running, still 30 minutes in.
        let report = replay_at(&log, bj(4, 6, 10, 0));
        assert_eq!(first(&report).state, SlaState::Running);
        assert_eq!(first(&report).elapsed, minutes(30));

        // Opened and answered on Tuesday morning, within the hour, after the warning.
        log.status(TicketStatus::Open, bj(4, 7, 9, 5));
        log.respond(bj(4, 7, 9, 20));
        let report = replay_at(&log, bj(4, 7, 9, 30));
        let fr = first(&report);
        assert_eq!(fr.state, SlaState::Met);
        assert_eq!(fr.elapsed, minutes(50));
        assert_eq!(fr.met_at, Some(bj(4, 7, 9, 20)));
        assert_eq!((fr.breached_at, fr.due_at), (None, None));
        assert_eq!(fr.warn_at, Some(bj(4, 7, 9, 15)));
        assert!(!fr.warning(report.now));

        // Waiting on the customer from Wednesday noon: the resolution clock stops at 11.5 h.
        log.status(TicketStatus::Pending, bj(4, 8, 12, 0));
        let report = replay_at(&log, bj(4, 9, 10, 0));
        let res = resolution(&report);
        assert_eq!((res.state, res.running), (SlaState::Paused, false));
        assert_eq!(
            (res.elapsed, res.remaining),
            (hours(11) + minutes(30), hours(12) + minutes(30))
        );
        assert_eq!((res.due_at, res.warn_at), (None, None));
        assert_eq!(report.next_deadline(), None);

        // The customer answers on Friday: 12.5 h left — 8 h Friday, 4.5 h on the make-up
        // Saturday.
        log.status(TicketStatus::Open, bj(4, 10, 9, 0));
        let report = replay_at(&log, bj(4, 10, 9, 0));
        let res = resolution(&report);
        assert_eq!(res.state, SlaState::Running);
        assert_eq!(res.due_at, Some(bj(4, 11, 14, 30)));
        assert_eq!(res.warn_at, Some(bj(4, 10, 16, 30)));
        assert_eq!(report.next_deadline().unwrap().at, bj(4, 10, 16, 30));
        let report = replay_at(&log, bj(4, 10, 17, 0));
        assert!(resolution(&report).warning(report.now));
        let next = report.next_deadline().unwrap();
        assert_eq!((next.at, next.alert), (bj(4, 11, 14, 30), SlaAlert::Breach));

        // Not solved by Saturday 14:30: breached.
        let report = replay_at(&log, bj(4, 11, 15, 0));
        let res = resolution(&report);
        assert_eq!((res.state, res.running), (SlaState::Breached, true));
        assert_eq!(res.breached_at, Some(bj(4, 11, 14, 30)));
        assert_eq!(res.remaining, -minutes(30));
        assert_eq!(report.next_deadline(), None);
        assert!(report.breached());

        // Solved on Monday at 10:00 (Sunday counts nothing): met late, 28.5 h in all.
        log.status(TicketStatus::Solved, bj(4, 13, 10, 0));
        let report = replay_at(&log, bj(4, 14, 9, 0));
        let res = resolution(&report);
        assert_eq!(res.state, SlaState::MetLate);
        assert_eq!(res.elapsed, hours(28) + minutes(30));
        assert_eq!(res.met_at, Some(bj(4, 13, 10, 0)));
        assert_eq!(res.breached_at, Some(bj(4, 11, 14, 30)));
        assert_eq!(first(&report).state, SlaState::Met);
    }

    #[test]
    fn pending_before_the_first_reply_pauses_it_and_resuming_counts_on() {
        let calendar = BusinessCalendar::china_office();
        // Monday 2026-03-02, 09:00.
        let mut log = Log::new(TicketPriority::High, bj(3, 2, 9, 0));
        log.status(TicketStatus::Pending, bj(3, 2, 9, 40));
        let report = replay(&high(), &calendar, &log.events, bj(3, 2, 15, 0)).unwrap();
        let fr = first(&report);
        assert_eq!(
            (fr.state, fr.elapsed, fr.due_at),
            (SlaState::Paused, minutes(40), None)
        );
        log.status(TicketStatus::Open, bj(3, 2, 15, 0));
        let report = replay(&high(), &calendar, &log.events, bj(3, 2, 15, 0)).unwrap();
        assert_eq!(first(&report).due_at, Some(bj(3, 2, 15, 20)));
        // The warning at 45 minutes is 15:05.
        assert_eq!(report.next_deadline().unwrap().at, bj(3, 2, 15, 5));
        // On hold pauses too; a policy may pause on nothing at all.
        log.status(TicketStatus::OnHold, bj(3, 2, 15, 10));
        let report = replay(&high(), &calendar, &log.events, bj(3, 2, 17, 0)).unwrap();
        assert_eq!(first(&report).elapsed, minutes(50));
        let never = high().pausing_on([]);
        let report = replay(&never, &calendar, &log.events, bj(3, 2, 17, 0)).unwrap();
        assert_eq!(first(&report).state, SlaState::Breached);
        assert_eq!(first(&report).breached_at, Some(bj(3, 2, 10, 0)));
    }

    #[test]
    fn the_timer_walks_from_warning_to_breach_in_calendar_time() {
        let calendar = BusinessCalendar::china_office();
        let policy = SlaPolicy::new("7×24", [TicketPriority::Urgent])
            .responding_within(SlaDuration::hours(4))
            .on_clock(SlaClock::Calendar);
        // Saturday 2026-03-07, 10:00: the weekend counts on a calendar clock.
        let log = Log::new(TicketPriority::Urgent, bj(3, 7, 10, 0));
        let at = |now| replay(&policy, &calendar, &log.events, now).unwrap();
        let report = at(bj(3, 7, 12, 59));
        assert!(report.resolution.is_none());
        let warn = SlaDeadline {
            at: bj(3, 7, 13, 0),
            target: SlaTarget::FirstResponse,
            alert: SlaAlert::Warn,
        };
        assert_eq!(report.next_deadline(), Some(warn));
        // The timer fires at 13:00: warning now, the breach next.
        let report = at(bj(3, 7, 13, 0));
        assert!(first(&report).warning(report.now));
        assert_eq!(first(&report).state, SlaState::Running);
        let breach = report.next_deadline().unwrap();
        assert_eq!(
            (breach.at, breach.alert),
            (bj(3, 7, 14, 0), SlaAlert::Breach)
        );
        // It fires at 14:00: breached then, nothing further to wait for.
        let report = at(bj(3, 7, 14, 0));
        assert_eq!(first(&report).state, SlaState::Breached);
        assert_eq!(first(&report).breached_at, Some(bj(3, 7, 14, 0)));
        assert_eq!(report.next_deadline(), None);
        // Half-way warnings.
        let half = policy.clone().warning_at(0.5);
        let report = replay(&half, &calendar, &log.events, bj(3, 7, 10, 0)).unwrap();
        assert_eq!(first(&report).warn_at, Some(bj(3, 7, 12, 0)));
    }

    #[test]
    fn a_reopened_ticket_counts_on_from_where_its_resolution_stood() {
        let calendar = BusinessCalendar::china_office();
        let policy = SlaPolicy::new("普通", [TicketPriority::Normal])
            .responding_within(SlaDuration::hours(1))
            .resolving_within(SlaDuration::hours(8));
        let mut log = Log::new(TicketPriority::Normal, bj(3, 2, 9, 0));
        log.respond(bj(3, 2, 9, 30));
        log.status(TicketStatus::Solved, bj(3, 2, 11, 0));
        let at = |log: &Log, now| replay(&policy, &calendar, &log.events, now).unwrap();
        let report = at(&log, bj(3, 2, 17, 0));
        let res = resolution(&report);
        assert_eq!((res.state, res.elapsed), (SlaState::Met, hours(2)));
        assert_eq!(res.met_at, Some(bj(3, 2, 11, 0)));

        // The customer comes back on Tuesday: 6 h left, due 16:00.
        log.status(TicketStatus::Open, bj(3, 3, 9, 0));
        let report = at(&log, bj(3, 3, 9, 0));
        let res = resolution(&report);
        assert_eq!((res.state, res.met_at), (SlaState::Running, None));
        assert_eq!(res.due_at, Some(bj(3, 3, 16, 0)));
        assert_eq!(first(&report).state, SlaState::Met);

        // Solved again at 17:00, past it; closing keeps the last solve.
        log.status(TicketStatus::Solved, bj(3, 3, 17, 0));
        log.status(TicketStatus::Closed, bj(3, 4, 9, 0));
        let report = at(&log, bj(3, 5, 9, 0));
        let res = resolution(&report);
        assert_eq!(res.state, SlaState::MetLate);
        assert_eq!(res.elapsed, hours(9));
        assert_eq!(res.breached_at, Some(bj(3, 3, 16, 0)));
        assert_eq!(res.met_at, Some(bj(3, 3, 17, 0)));
    }

    #[test]
    fn a_solved_ticket_without_a_reply_keeps_its_first_response_open() {
        let calendar = BusinessCalendar::china_office();
        let mut log = Log::new(TicketPriority::High, bj(3, 2, 9, 0));
        log.status(TicketStatus::Solved, bj(3, 2, 9, 10));
        let report = replay(&high(), &calendar, &log.events, bj(3, 2, 12, 0)).unwrap();
        assert_eq!(first(&report).state, SlaState::Paused);
        assert_eq!(resolution(&report).state, SlaState::Met);
        // Reopened, then answered: the reply ends it, 10 + 20 minutes in.
        log.status(TicketStatus::Open, bj(3, 2, 14, 0));
        log.respond(bj(3, 2, 14, 20));
        let report = replay(&high(), &calendar, &log.events, bj(3, 2, 15, 0)).unwrap();
        let fr = first(&report);
        assert_eq!((fr.state, fr.elapsed), (SlaState::Met, minutes(30)));
    }

    #[test]
    fn the_policy_of_the_current_priority_applies_from_creation() {
        let calendar = BusinessCalendar::china_office();
        let policies = SlaPolicies::new(vec![
            high().in_categories(["billing"]).warning_at(0.5),
            SlaPolicy {
                name: "高优先级·通用".into(),
                ..high()
            },
            normal(),
        ]);
        policies.check().unwrap();
        let mut log = Log::new(TicketPriority::Normal, bj(3, 2, 9, 0));
        let at = |log: &Log, now| {
            policies
                .replay(&calendar, &log.events, now)
                .unwrap()
                .unwrap()
        };

        let report = at(&log, bj(3, 2, 10, 30));
        assert_eq!(report.policy, "普通");
        assert_eq!(first(&report).state, SlaState::Running);
        assert_eq!(first(&report).due_at, Some(bj(3, 2, 14, 0)));

        // Raised to high at 11:00, two hours in: the one-hour target counts from creation,
        // so it was breached at 10:00.
        log.priority(TicketPriority::High, bj(3, 2, 11, 0));
        let report = at(&log, bj(3, 2, 11, 0));
        assert_eq!(
            (report.policy.as_str(), report.priority),
            ("高优先级·通用", TicketPriority::High)
        );
        assert_eq!(first(&report).state, SlaState::Breached);
        assert_eq!(first(&report).breached_at, Some(bj(3, 2, 10, 0)));
        // Before the change, the replay still says normal.
        assert_eq!(at(&log, bj(3, 2, 10, 59)).policy, "普通");

        // Its category picks the more specific policy.
        log.category("Billing", bj(3, 2, 11, 5));
        assert_eq!(at(&log, bj(3, 2, 11, 5)).policy, "高优先级");

        // No policy for low priority.
        log.priority(TicketPriority::Low, bj(3, 2, 11, 10));
        assert_eq!(
            policies
                .replay(&calendar, &log.events, bj(3, 2, 12, 0))
                .unwrap(),
            None
        );
    }

    #[test]
    fn events_are_replayed_in_time_order_and_a_ticket_needs_its_creation() {
        let calendar = BusinessCalendar::china_office();
        let mut log = Log::new(TicketPriority::High, bj(3, 2, 9, 0));
        log.status(TicketStatus::Pending, bj(3, 2, 9, 30));
        log.status(TicketStatus::Open, bj(3, 2, 10, 0));
        let in_order = replay(&high(), &calendar, &log.events, bj(3, 2, 10, 10)).unwrap();
        let mut shuffled = log.events.clone();
        shuffled.reverse();
        assert_eq!(
            replay(&high(), &calendar, &shuffled, bj(3, 2, 10, 10)).unwrap(),
            in_order
        );
        assert_eq!(first(&in_order).elapsed, minutes(40));
        // Before its creation there is nothing to replay.
        let err = replay(&high(), &calendar, &log.events, bj(3, 2, 8, 0)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation);
        assert!(replay(&high(), &calendar, &log.events[1..], bj(3, 2, 11, 0)).is_err());
    }

    #[test]
    fn policies_read_from_json_with_defaults_and_refuse_unknown_fields() {
        let json = r#"{"policies": [
            {
                "name": "高优先级",
                "priorities": ["urgent", "high"],
                "targets": {"first_response": "1h", "resolution": "24h"}
            },
            {
                "name": "账单",
                "priorities": ["normal"],
                "categories": ["billing"],
                "targets": {"resolution": "2h30m"},
                "warn_at": 0.5,
                "pause_statuses": ["pending"],
                "clock": "calendar"
            }
        ]}"#;
        let policies: SlaPolicies = serde_json::from_str(json).unwrap();
        policies.check().unwrap();
        assert_eq!(policies.policies[0], high());
        let billing = &policies.policies[1];
        assert_eq!(billing.targets.resolution, Some(SlaDuration::minutes(150)));
        assert_eq!(billing.targets.first_response, None);
        assert_eq!(billing.clock, SlaClock::Calendar);
        assert_eq!(billing.pause_statuses, [TicketStatus::Pending].into());
        assert!(billing.covers(TicketPriority::Normal, Some(" BILLING")));
        assert!(!billing.covers(TicketPriority::Normal, None));
        // Round trip.
        let again: SlaPolicies =
            serde_json::from_str(&serde_json::to_string(&policies).unwrap()).unwrap();
        assert_eq!(again, policies);
        let text = serde_json::to_value(&policies.policies[1].targets).unwrap();
        assert_eq!(text, serde_json::json!({"resolution": "2h30m"}));

        let typo = json.replace("\"warn_at\"", "\"warn\"");
        assert!(serde_json::from_str::<SlaPolicies>(&typo).is_err());
        let bad_target = json.replace("\"24h\"", "\"1 day\"");
        let err = serde_json::from_str::<SlaPolicies>(&bad_target).unwrap_err();
        assert!(err.to_string().contains("1h30m"), "{err}");
    }

    #[test]
    fn durations_parse_and_print() {
        for (text, minutes) in [
            ("1h", 60),
            ("45m", 45),
            ("1h30m", 90),
            (" 24h ", 1440),
            ("0h5m", 5),
        ] {
            assert_eq!(
                text.parse::<SlaDuration>().unwrap().as_minutes(),
                minutes,
                "{text}"
            );
        }
        for text in [
            "",
            "1",
            "h",
            "1.5h",
            "30m1h",
            "1d",
            "1h 30m",
            "-1h",
            "99999999999h",
        ] {
            assert!(text.parse::<SlaDuration>().is_err(), "{text}");
        }
        assert_eq!(SlaDuration::minutes(90).to_string(), "1h30m");
        assert_eq!(SlaDuration::hours(24).to_string(), "24h");
        assert_eq!(SlaDuration::minutes(5).to_string(), "5m");
    }

    #[test]
    fn malformed_policies_are_refused() {
        assert!(high().check().is_ok());
        assert!(SlaPolicy::new("x", [TicketPriority::High]).check().is_err());
        assert!(
            SlaPolicy::new("x", [])
                .responding_within(SlaDuration::hours(1))
                .check()
                .is_err()
        );
        assert!(
            high()
                .responding_within(SlaDuration::minutes(0))
                .check()
                .is_err()
        );
        for warn in [0.0, 1.5, f64::NAN] {
            assert!(high().warning_at(warn).check().is_err(), "{warn}");
        }
        assert!(high().warning_at(1.0).check().is_ok());
        assert!(SlaPolicies::new(vec![high(), high()]).check().is_err());
    }

    // The oracle: step minute by minute from creation to `now`, counting a minute for a
    // target when the calendar works then (or the clock is a calendar clock), the status is
    // not a pause status nor solved/closed, and — for the first response — no reply came
    // yet. Events take effect from their minute on.

    #[derive(Debug, Default, PartialEq)]
    struct Counted {
        minutes: i64,
        breached_at: Option<DateTime<Utc>>,
    }

    impl Counted {
        fn tick(&mut self, goal: i64, end_of_minute: DateTime<Utc>) {
            self.minutes += 1;
            if self.minutes == goal {
                self.breached_at = Some(end_of_minute);
            }
        }
    }

    fn oracle(
        policy: &SlaPolicy,
        calendar: &BusinessCalendar,
        initial: TicketStatus,
        created: DateTime<Utc>,
        events: &[TicketEvent],
        now: DateTime<Utc>,
    ) -> (Counted, Counted, TicketStatus, bool) {
        let goal = |t: Option<SlaDuration>| i64::from(t.unwrap().as_minutes());
        let (first_goal, resolution_goal) = (
            goal(policy.targets.first_response),
            goal(policy.targets.resolution),
        );
        let (mut first, mut resolution) = (Counted::default(), Counted::default());
        let (mut status, mut responded) = (initial, false);
        let mut pending = events.iter().peekable();
        let mut t = created;
        loop {
            while let Some(e) = pending.next_if(|e| e.at <= t) {
                match e.kind {
                    TicketEventKind::StatusChanged { to, .. } => status = to,
                    TicketEventKind::Responded => responded = true,
                    _ => {}
                }
            }
            if t >= now {
                break;
            }
            let worked = policy.clock == SlaClock::Calendar || calendar.is_working(t);
            let counts = !status.is_done() && !policy.pause_statuses.contains(&status);
            if worked && counts {
                resolution.tick(resolution_goal, t + minutes(1));
                if !responded {
                    first.tick(first_goal, t + minutes(1));
                }
            }
            t += minutes(1);
        }
        (first, resolution, status, responded)
    }

    fn statuses() -> impl Strategy<Value = TicketStatus> {
        proptest::sample::select(TicketStatus::ALL.to_vec())
    }

    #[derive(Debug, Clone)]
    enum Step {
        Status(TicketStatus),
        Respond,
        Priority,
    }

    fn steps() -> impl Strategy<Value = Vec<(i64, Step)>> {
        let step = prop_oneof![
            4 => statuses().prop_map(Step::Status),
            2 => Just(Step::Respond),
            1 => Just(Step::Priority),
        ];
        // Gaps of 0 put several events on one minute.
        proptest::collection::vec((prop_oneof![1 => Just(0i64), 4 => 0i64..900], step), 0..10)
    }

    fn policies() -> impl Strategy<Value = SlaPolicy> {
        let pauses = proptest::sample::subsequence(TicketStatus::ALL.to_vec(), 0..=3);
        let clock = prop_oneof![3 => Just(SlaClock::Business), 1 => Just(SlaClock::Calendar)];
        (1u32..=600, 1u32..=3000, pauses, clock).prop_map(|(first, resolution, pauses, clock)| {
            SlaPolicy::new("p", [TicketPriority::High])
                .responding_within(SlaDuration::minutes(first))
                .resolving_within(SlaDuration::minutes(resolution))
                .pausing_on(pauses)
                .on_clock(clock)
        })
    }

    /// The China office week, with some of the first three weeks of March 2026 as holidays
    /// and some as make-up workdays.
    fn calendars() -> impl Strategy<Value = BusinessCalendar> {
        let days = || proptest::collection::btree_set(0i64..21, 0..4);
        (days(), days()).prop_map(|(holidays, makeup)| {
            let base = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
            let mut calendar = BusinessCalendar::china_office();
            calendar.holidays = holidays.iter().map(|d| base + Duration::days(*d)).collect();
            calendar.makeup_days = makeup
                .difference(&holidays)
                .map(|d| base + Duration::days(*d))
                .collect();
            calendar
        })
    }

    /// Cases: 3,000 by default, more with `CRM_SLA_CASES`.
    fn cases() -> u32 {
        std::env::var("CRM_SLA_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(3_000)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        #[test]
        fn replay_agrees_with_stepping_minute_by_minute(
            policy in policies(),
            calendar in calendars(),
            initial in statuses(),
            start in 0i64..(7 * 24 * 60),
            steps in steps(),
            until in 0i64..(6 * 24 * 60),
        ) {
            let id: TicketId = "0190f5a0-0000-7000-8000-000000000001".parse().unwrap();
            let created = bj(3, 2, 0, 0) + minutes(start);
            let now = created + minutes(until);
            let mut events = vec![TicketEvent::new(id, created, TicketEventKind::Created {
                priority: TicketPriority::High,
                category: None,
                status: initial,
            })];
            let (mut at, mut status) = (created, initial);
            for (gap, step) in steps {
                at += minutes(gap);
                let kind = match step {
                    Step::Status(to) => {
                        let from = std::mem::replace(&mut status, to);
                        TicketEventKind::StatusChanged { from, to }
                    }
                    Step::Respond => TicketEventKind::Responded,
                    Step::Priority => TicketEventKind::PriorityChanged {
                        from: TicketPriority::High,
                        to: TicketPriority::High,
                    },
                };
                events.push(TicketEvent::new(id, at, kind));
            }
            let report = replay(&policy, &calendar, &events, now).unwrap();
            let (first, resolution, status, responded) =
                oracle(&policy, &calendar, initial, created, &events, now);
            let runs = !status.is_done() && !policy.pause_statuses.contains(&status);
            for (target, counted, stopped, running) in [
                (report.first_response.as_ref().unwrap(), first, responded, runs && !responded),
                (report.resolution.as_ref().unwrap(), resolution, status.is_done(), runs),
            ] {
                prop_assert_eq!(target.elapsed, minutes(counted.minutes), "{:?}", target.target);
                prop_assert_eq!(target.breached_at, counted.breached_at, "{:?}", target.target);
                prop_assert_eq!(target.running, running);
                let breached = counted.breached_at.is_some();
                let expected = match (stopped, breached, running) {
                    (true, false, _) => SlaState::Met,
                    (true, true, _) => SlaState::MetLate,
                    (false, true, _) => SlaState::Breached,
                    (false, false, true) => SlaState::Running,
                    (false, false, false) => SlaState::Paused,
                };
                prop_assert_eq!(target.state, expected, "{:?}", target.target);
                // While running short of the goal, the projected due time is exactly the
                // remaining time away on the policy's clock.
                if target.state == SlaState::Running {
                    let due = target.due_at.unwrap();
                    prop_assert!(due > now);
                    prop_assert_eq!(policy.clock.between(&calendar, now, due), target.remaining);
                }
            }
        }
    }
}
