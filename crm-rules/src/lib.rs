//! # crm-rules: automation for the `crm` engine
//!
//! - [`book`]: rule books — the JSON documents a host loads — and [`engine`], which
//!   answers what a change fires and which timers it arms; [`rule`]: triggers and actions.
//! - [`calendar`]: business calendars — weekly hours in a time zone, holidays and make-up
//!   workdays (调休) — with business-time arithmetic for SLAs and timers.
//! - [`offset`]: time offsets from a field, in calendar or business time.
//! - [`schedule`]: cron-like schedules in a time zone.
//! - [`facts`]: what rules read — a record's fields and its related records.
//! - [`sla`]: service-level agreements on tickets — first-response and resolution targets
//!   per priority, paused by status, warned and breached — derived by replaying the
//!   ticket's events.
//! - [`dispatch`]: the queue a ticket goes to, by its category.
//! - [`condition`]: the condition language of rules — a typed expression, written as text
//!   (`amount > 1000000 and stage == "contract_review"`) or JSON, compiled once at load.
//! - [`territory`]: which records a rule applies to — the [`Criteria`] trait, and
//!   [`Territory`], criteria as data (region, industry, …; named regions such as 华东).
//! - [`assignment`]: who gets a new lead, customer or ticket — ordered tables, first match
//!   wins; fixed user, round robin, weighted, least loaded; capacity caps; unavailable users
//!   passed over.
//! - [`when`]: criteria as rule books write them — a condition or a territory.
//! - [`recycle`]: when an owned customer goes back to its public pool (公海) — limits per
//!   customer level on days without follow-up or without a deal, exclusions, reminders.
//!
//! Pure like `crm-core`: no database, no async runtime, no I/O; time is always passed in.

pub mod assignment;
pub mod book;
pub mod calendar;
pub mod condition;
pub mod dispatch;
pub mod engine;
pub mod facts;
pub mod offset;
mod quick_hash;
mod reading;
pub mod recycle;
pub mod rule;
pub mod schedule;
pub mod sla;
pub mod territory;
pub mod when;

pub use assignment::{AssignmentState, AssignmentTable, Outcome, Workforce};
pub use book::{DocumentError, RuleBook};
pub use calendar::BusinessCalendar;
pub use condition::{Condition, ConditionError, Expr};
pub use dispatch::{DispatchRoute, TicketDispatch};
pub use engine::{Change, Engine, Reaction};
pub use facts::{FactMap, Facts};
pub use offset::{Offset, OffsetUnit};
pub use recycle::RecyclePolicy;
pub use rule::{Action, HitPolicy, Recipient, Rule, Trigger};
pub use schedule::Schedule;
pub use sla::{
    SlaAlert, SlaClock, SlaDeadline, SlaDuration, SlaPolicies, SlaPolicy, SlaReport, SlaState,
    SlaTarget, SlaTargets, TargetReport, replay,
};
pub use territory::{Criteria, Territory};
