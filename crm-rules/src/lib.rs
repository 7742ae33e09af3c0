//! # crm-rules: automation for the `crm` engine
//!
//! - [`calendar`]: business calendars — weekly hours in a time zone, holidays and make-up
//!   workdays (调休) — with business-time arithmetic for SLAs and timers.
//! - [`facts`]: what rules read — a record's fields and its related records.
//! - [`condition`]: the condition language of rules — a typed expression, written as text
//!   (`amount > 1000000 and stage == "contract_review"`) or JSON, compiled once at load.
//!
//! Pure like `crm-core`: no database, no async runtime, no I/O; time is always passed in.

pub mod calendar;
pub mod condition;
pub mod facts;

pub use calendar::BusinessCalendar;
pub use condition::{Condition, ConditionError, Expr};
pub use facts::{FactMap, Facts};
