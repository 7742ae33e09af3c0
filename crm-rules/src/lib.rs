//! # crm-rules: automation for the `crm` engine
//!
//! - [`calendar`]: business calendars — weekly hours in a time zone, holidays and make-up
//!   workdays (调休) — with business-time arithmetic for SLAs and timers.
//!
//! Pure like `crm-core`: no database, no async runtime, no I/O; time is always passed in.

pub mod calendar;

pub use calendar::BusinessCalendar;
