//! # crm-rules: automation for the `crm` engine
//!
//! - [`calendar`]: business calendars — weekly hours in a time zone, holidays and make-up
//!   workdays (调休) — with business-time arithmetic for SLAs and timers.
//! - [`offset`]: time offsets from a field, in calendar or business time.
//! - [`schedule`]: cron-like schedules in a time zone.
//! - [`facts`]: what rules read — a record's fields and its related records.
//!
//! Pure like `crm-core`: no database, no async runtime, no I/O; time is always passed in.

pub mod calendar;
pub mod facts;
pub mod offset;
pub mod schedule;

pub use calendar::BusinessCalendar;
pub use facts::{FactMap, Facts};
pub use offset::{Offset, OffsetUnit};
pub use schedule::Schedule;
