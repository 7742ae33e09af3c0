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
//!
//! Pure like `crm-core`: no database, no async runtime, no I/O; time is always passed in.

pub mod book;
pub mod calendar;
pub mod condition;
pub mod dispatch;
pub mod engine;
pub mod facts;
pub mod offset;
pub mod rule;
pub mod schedule;
pub mod sla;

pub use book::{DocumentError, RuleBook};
pub use calendar::BusinessCalendar;
pub use condition::{Condition, ConditionError, Expr};
pub use dispatch::{DispatchRoute, TicketDispatch};
pub use engine::{Change, Engine, Reaction};
pub use facts::{FactMap, Facts};
pub use offset::{Offset, OffsetUnit};
pub use rule::{Action, HitPolicy, Recipient, Rule, Trigger};
pub use schedule::Schedule;
pub use sla::{
    SlaAlert, SlaClock, SlaDeadline, SlaDuration, SlaPolicies, SlaPolicy, SlaReport, SlaState,
    SlaTarget, SlaTargets, TargetReport, replay,
};
