//! The domain model: the entities a CRM keeps.
//!
//! Each entity is plain data with public fields built from value objects, plus the state
//! transitions that belong to it (`Lead::transition`, `Opportunity::win`, `Activity::complete`,
//! `Ticket::set_status`).
//! Storage bookkeeping (id, tenant, owner, timestamps, version) lives in
//! [`Record`](crate::record::Record), not here.

mod account;
mod activity;
mod contact;
mod forecast;
mod lead;
mod opportunity;
mod org;
mod pipeline;
mod pipeline_report;
mod tag;
mod ticket;
mod weekly_report;

pub use account::Account;
pub use activity::{Activity, ActivityKind};
pub use contact::Contact;
pub use forecast::{Forecast, ForecastFigures, MonthForecast, OrgChart};
pub use lead::{Lead, LeadStatus};
pub use opportunity::{Opportunity, OpportunityStatus};
pub use org::{Department, DepartmentTree, Team, User};
pub use pipeline::{
    ForecastCategory, MoveEvidence, Pipeline, Stage, StageChange, StageMove, StageOutcome,
    StageRequirement,
};
pub use pipeline_report::{PipelineReport, StageFigures};
pub use tag::Tag;
pub use ticket::{Ticket, TicketEvent, TicketEventKind, TicketPriority, TicketStatus};
pub use weekly_report::{Week, WeekFigures, WeekGroups, WeeklyReport};

use crate::error::{Error, Result};
use crate::record::{Column, ObjectKind};

/// The queryable columns of each kind.
pub(crate) fn columns_of(kind: ObjectKind) -> &'static [Column] {
    match kind {
        ObjectKind::Account => account::COLUMNS,
        ObjectKind::Contact => contact::COLUMNS,
        ObjectKind::Lead => lead::COLUMNS,
        ObjectKind::Opportunity => opportunity::COLUMNS,
        ObjectKind::Activity => activity::COLUMNS,
        ObjectKind::User => org::USER_COLUMNS,
        ObjectKind::Team => org::TEAM_COLUMNS,
        ObjectKind::Department => org::DEPARTMENT_COLUMNS,
        ObjectKind::Tag => tag::COLUMNS,
        ObjectKind::FieldSchema => crate::fields::FIELD_SCHEMA_COLUMNS,
        ObjectKind::Merge => crate::merge::MERGE_COLUMNS,
        ObjectKind::Pipeline => pipeline::PIPELINE_COLUMNS,
        ObjectKind::StageChange => pipeline::STAGE_CHANGE_COLUMNS,
        ObjectKind::Role => crate::access::ROLE_COLUMNS,
        ObjectKind::RoleAssignment => crate::access::ROLE_ASSIGNMENT_COLUMNS,
        ObjectKind::Share => crate::access::SHARE_COLUMNS,
        ObjectKind::TeamMember => crate::access::TEAM_MEMBER_COLUMNS,
        ObjectKind::ManagerClosure | ObjectKind::DepartmentClosure => {
            crate::access::CLOSURE_COLUMNS
        }
        ObjectKind::Pool => crate::access::POOL_COLUMNS,
        ObjectKind::PoolEntry => crate::access::POOL_ENTRY_COLUMNS,
        ObjectKind::PoolClaim => crate::access::POOL_CLAIM_COLUMNS,
        ObjectKind::Registration => crate::access::REGISTRATION_COLUMNS,
        ObjectKind::Timer => crate::automation::TIMER_COLUMNS,
        ObjectKind::Notification => crate::automation::NOTIFICATION_COLUMNS,
        ObjectKind::RuleState => crate::automation::RULE_STATE_COLUMNS,
        ObjectKind::Ticket => ticket::COLUMNS,
        ObjectKind::TicketEvent => ticket::EVENT_COLUMNS,
        ObjectKind::DuplicateGroup => crate::review::GROUP_COLUMNS,
        ObjectKind::DistinctPair => crate::review::DISTINCT_PAIR_COLUMNS,
    }
}

/// Every field that links one kind to another: `(from, field, to)`. Merging records of `to`
/// re-points these links from the absorbed records to the survivor.
pub const LINKS: &[(ObjectKind, &str, ObjectKind)] = &[
    (ObjectKind::Account, "parent", ObjectKind::Account),
    (ObjectKind::Contact, "account_id", ObjectKind::Account),
    (ObjectKind::Opportunity, "account_id", ObjectKind::Account),
    (ObjectKind::Activity, "account_id", ObjectKind::Account),
    (ObjectKind::Lead, "converted_account", ObjectKind::Account),
    (ObjectKind::Opportunity, "contact_id", ObjectKind::Contact),
    (
        ObjectKind::StageChange,
        "opportunity_id",
        ObjectKind::Opportunity,
    ),
    (ObjectKind::Activity, "contact_id", ObjectKind::Contact),
    (ObjectKind::Activity, "lead_id", ObjectKind::Lead),
    (
        ObjectKind::Activity,
        "opportunity_id",
        ObjectKind::Opportunity,
    ),
    (ObjectKind::User, "manager_id", ObjectKind::User),
    (ObjectKind::Team, "leader", ObjectKind::User),
    (ObjectKind::Department, "parent", ObjectKind::Department),
    (ObjectKind::Ticket, "account_id", ObjectKind::Account),
    (ObjectKind::Ticket, "contact_id", ObjectKind::Contact),
    (ObjectKind::TicketEvent, "ticket_id", ObjectKind::Ticket),
];

/// Refuse an empty (after trimming) or overlong free-text field.
pub(crate) fn check_text(field: &str, text: &str, max_chars: usize) -> Result<()> {
    if text.trim().is_empty() {
        return Err(Error::validation(field, text, "must not be empty"));
    }
    if text.chars().count() > max_chars {
        return Err(Error::validation(
            field,
            text,
            format!("longer than {max_chars} characters"),
        ));
    }
    Ok(())
}

/// [`check_text`] for an optional field.
pub(crate) fn check_optional_text(field: &str, text: Option<&str>, max_chars: usize) -> Result<()> {
    text.map_or(Ok(()), |t| check_text(field, t, max_chars))
}
