use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{check_optional_text, check_text};
use crate::error::{Error, Result};
use crate::id::{AccountId, ActivityId, ContactId, LeadId, OpportunityId};
use crate::record::{Column, ColumnType, Entity, ObjectKind, Reference};

/// What kind of follow-up an activity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// A phone call (电话).
    Call,
    /// A visit to the customer (拜访).
    Visit,
    /// An email.
    Email,
    /// A meeting (会议).
    Meeting,
    /// A to-do (任务).
    Task,
    /// A note (备注).
    Note,
}

/// A follow-up (跟进记录) or a to-do, attached to records it concerns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// Call, visit, email, meeting, task or note.
    pub kind: ActivityKind,
    /// A one-line summary.
    pub subject: String,
    /// Details.
    pub notes: Option<String>,
    /// The customer it concerns.
    pub account_id: Option<AccountId>,
    /// The person it concerns.
    pub contact_id: Option<ContactId>,
    /// The lead it concerns.
    pub lead_id: Option<LeadId>,
    /// The deal it concerns.
    pub opportunity_id: Option<OpportunityId>,
    /// When it is due (for planned activities).
    pub due_at: Option<DateTime<Utc>>,
    /// When it was done; `None` while open.
    pub done_at: Option<DateTime<Utc>>,
}

impl Activity {
    /// An open activity of `kind` about `subject`, attached to nothing yet.
    pub fn new(kind: ActivityKind, subject: impl Into<String>) -> Self {
        Activity {
            kind,
            subject: subject.into(),
            notes: None,
            account_id: None,
            contact_id: None,
            lead_id: None,
            opportunity_id: None,
            due_at: None,
            done_at: None,
        }
    }

    /// Whether it is still to be done.
    pub fn is_open(&self) -> bool {
        self.done_at.is_none()
    }

    /// Whether it is open and past its due time at `now`.
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        self.is_open() && self.due_at.is_some_and(|due| due < now)
    }

    /// Mark done at `at`; an activity is done once.
    pub fn complete(&mut self, at: DateTime<Utc>) -> Result<()> {
        if let Some(done) = self.done_at {
            return Err(Error::InvalidTransition {
                object: "activity",
                from: format!("done at {}", done.to_rfc3339()),
                to: "done".into(),
                reason: "it is already done".into(),
            });
        }
        self.done_at = Some(at);
        Ok(())
    }
}

pub(super) const COLUMNS: &[Column] = &[
    Column::new("kind", ColumnType::Text).indexed(),
    Column::new("subject", ColumnType::Text),
    Column::new("account_id", ColumnType::Uuid).indexed(),
    Column::new("contact_id", ColumnType::Uuid).indexed(),
    Column::new("lead_id", ColumnType::Uuid).indexed(),
    Column::new("opportunity_id", ColumnType::Uuid).indexed(),
    Column::new("due_at", ColumnType::Timestamp).indexed(),
    Column::new("done_at", ColumnType::Timestamp),
];

impl Entity for Activity {
    type Id = ActivityId;
    const KIND: ObjectKind = ObjectKind::Activity;

    fn references(&self) -> Vec<Reference> {
        let account = self
            .account_id
            .map(|id| Reference::to("account_id", ObjectKind::Account, id));
        let contact = self
            .contact_id
            .map(|id| Reference::to("contact_id", ObjectKind::Contact, id));
        let lead = self
            .lead_id
            .map(|id| Reference::to("lead_id", ObjectKind::Lead, id));
        let deal = self
            .opportunity_id
            .map(|id| Reference::to("opportunity_id", ObjectKind::Opportunity, id));
        [account, contact, lead, deal]
            .into_iter()
            .flatten()
            .collect()
    }

    fn check(&self) -> Result<()> {
        check_text("subject", &self.subject, 200)?;
        check_optional_text("notes", self.notes.as_deref(), 20_000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn overdue_and_complete_once() {
        let now = Utc.with_ymd_and_hms(2026, 5, 6, 10, 0, 0).unwrap();
        let mut task = Activity::new(ActivityKind::Task, "回访");
        task.due_at = Some(now - Duration::hours(1));
        assert!(task.is_overdue(now));
        assert!(!task.is_overdue(now - Duration::hours(2)));
        task.complete(now).unwrap();
        assert!(!task.is_overdue(now));
        assert!(task.complete(now).is_err());
    }
}
