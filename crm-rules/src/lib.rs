//! # crm-rules: automation for the `crm` engine
//!
//! - [`calendar`]: business calendars — weekly hours in a time zone, holidays and make-up
//!   workdays (调休) — with business-time arithmetic for SLAs and timers.
//! - [`facts`]: what rules read — a record's fields and its related records.
//! - [`territory`]: which records a rule applies to — the [`Criteria`] trait, and
//!   [`Territory`], criteria as data (region, industry, …; named regions such as 华东).
//! - [`assignment`]: who gets a new lead, customer or ticket — ordered tables, first match
//!   wins; fixed user, round robin, weighted, least loaded; capacity caps; unavailable users
//!   passed over.
//! - [`recycle`]: when an owned customer goes back to its public pool (公海) — limits per
//!   customer level on days without follow-up or without a deal, exclusions, reminders.
//!
//! Pure like `crm-core`: no database, no async runtime, no I/O; time is always passed in.

pub mod assignment;
pub mod calendar;
pub mod facts;
mod quick_hash;
mod reading;
pub mod recycle;
pub mod territory;

pub use assignment::{AssignmentState, AssignmentTable, Outcome, Workforce};
pub use calendar::BusinessCalendar;
pub use facts::{FactMap, Facts};
pub use recycle::RecyclePolicy;
pub use territory::{Criteria, Territory};
