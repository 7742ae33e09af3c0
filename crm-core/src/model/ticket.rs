//! Service tickets (工单): a customer's request, its category, priority and status, and the
//! append-only history ([`TicketEvent`]) every change leaves.
//!
//! The assignee is the record's owner, as for every other kind. Each change goes through a
//! method that checks it and returns the [`TicketEventKind`] to append: SLAs are derived by
//! replaying these events (see `crm_rules::sla`), so a change without its event would be a
//! change the SLA never sees.
//!
//! Statuses follow Zendesk's: `new` → `open` → `pending` (waiting on the customer) /
//! `on_hold` (waiting on a third party) → `solved` → `closed`. A solved ticket reopens by
//! going back to `open`; a closed one is final.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use crm_core::id::TicketId;
//! use crm_core::model::{Ticket, TicketEvent, TicketEventKind, TicketPriority, TicketStatus};
//!
//! let at = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
//! let id = TicketId(uuid::Uuid::nil());
//! let mut ticket = Ticket::new("打印机安装失败", TicketPriority::High);
//! let mut history = vec![TicketEvent::new(id, at, ticket.created())];
//! history.push(TicketEvent::new(id, at, ticket.respond(at).unwrap()));
//! history.push(TicketEvent::new(id, at, ticket.set_status(TicketStatus::Solved, at).unwrap()));
//! assert_eq!(ticket.solved_at, Some(at));
//! // Closed only after solved, and final.
//! ticket.set_status(TicketStatus::Closed, at).unwrap();
//! let refused = ticket.set_status(TicketStatus::Open, at).unwrap_err();
//! assert!(refused.to_string().contains("closed"));
//! assert!(matches!(history[2].kind, TicketEventKind::StatusChanged { to: TicketStatus::Solved, .. }));
//! ```

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{check_optional_text, check_text};
use crate::error::{Error, Result};
use crate::fields::Fields;
use crate::id::{AccountId, ContactId, TicketEventId, TicketId};
use crate::record::{Column, ColumnType, Entity, ObjectKind, Reference};

/// How urgent a ticket is; SLA policies are chosen by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketPriority {
    /// Production down, everyone affected (紧急).
    Urgent,
    /// Serious, no workaround (高).
    High,
    /// The default (普通).
    Normal,
    /// Questions and wishes (低).
    Low,
}

impl TicketPriority {
    /// Every priority, most urgent first.
    pub const ALL: [TicketPriority; 4] = [
        TicketPriority::Urgent,
        TicketPriority::High,
        TicketPriority::Normal,
        TicketPriority::Low,
    ];

    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketPriority::Urgent => "urgent",
            TicketPriority::High => "high",
            TicketPriority::Normal => "normal",
            TicketPriority::Low => "low",
        }
    }
}

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Not yet looked at.
    New,
    /// Being worked by the assignee.
    Open,
    /// Waiting on the customer (待客户回复).
    Pending,
    /// Waiting on a third party: a vendor, another team (挂起).
    OnHold,
    /// Solved; reopens to `open` when the customer comes back.
    Solved,
    /// Closed for good.
    Closed,
}

impl TicketStatus {
    /// Every status, in lifecycle order.
    pub const ALL: [TicketStatus; 6] = [
        TicketStatus::New,
        TicketStatus::Open,
        TicketStatus::Pending,
        TicketStatus::OnHold,
        TicketStatus::Solved,
        TicketStatus::Closed,
    ];

    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::New => "new",
            TicketStatus::Open => "open",
            TicketStatus::Pending => "pending",
            TicketStatus::OnHold => "on_hold",
            TicketStatus::Solved => "solved",
            TicketStatus::Closed => "closed",
        }
    }

    /// Whether the ticket is solved or closed: nothing is left to do on it.
    pub fn is_done(self) -> bool {
        matches!(self, TicketStatus::Solved | TicketStatus::Closed)
    }

    /// Why a ticket may not move from `self` to `to`; `None` when it may. Closed is final,
    /// nothing returns to new, only a solved ticket closes, and a solved ticket only reopens
    /// (to open) or closes.
    pub fn refusal(self, to: TicketStatus) -> Option<&'static str> {
        use TicketStatus::*;
        Some(match (self, to) {
            (from, to) if from == to => "the ticket is in that status already",
            (Closed, _) => "a closed ticket is final; open a follow-up ticket instead",
            (_, New) => "a ticket never returns to new",
            (Solved, Open | Closed) => return None,
            (Solved, _) => "a solved ticket only reopens (to open) or closes",
            (_, Closed) => "only a solved ticket is closed",
            _ => return None,
        })
    }

    /// Whether a ticket may move from `self` to `to`.
    pub fn can_become(self, to: TicketStatus) -> bool {
        self.refusal(to).is_none()
    }
}

/// A service ticket (工单): a customer's request, worked by its owner (the assignee).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// A one-line summary: 「打印机安装失败」.
    pub subject: String,
    /// The request in full.
    #[serde(default)]
    pub description: Option<String>,
    /// What it is about, as the tenant classifies: `billing`, `安装`, `售后`. Tickets are
    /// dispatched to queues and SLA policies chosen by it. Change it with
    /// [`Ticket::set_category`].
    #[serde(default)]
    pub category: Option<String>,
    /// How urgent; change it with [`Ticket::set_priority`].
    pub priority: TicketPriority,
    /// Where it stands; change it with [`Ticket::set_status`].
    pub status: TicketStatus,
    /// The customer.
    #[serde(default)]
    pub account_id: Option<AccountId>,
    /// The person who asked.
    #[serde(default)]
    pub contact_id: Option<ContactId>,
    /// Where it came in: `email`, `phone`, `wechat`, `web`.
    #[serde(default)]
    pub channel: Option<String>,
    /// The first agent reply, set by [`Ticket::respond`].
    #[serde(default)]
    pub first_responded_at: Option<DateTime<Utc>>,
    /// When it was (last) solved; set exactly while solved or closed.
    #[serde(default)]
    pub solved_at: Option<DateTime<Utc>>,
    /// Tenant-defined fields.
    #[serde(default)]
    pub custom: Fields,
}

impl Ticket {
    /// A new ticket about `subject` with `priority`, attached to nothing yet.
    pub fn new(subject: impl Into<String>, priority: TicketPriority) -> Self {
        Ticket {
            subject: subject.into(),
            description: None,
            category: None,
            priority,
            status: TicketStatus::New,
            account_id: None,
            contact_id: None,
            channel: None,
            first_responded_at: None,
            solved_at: None,
            custom: Fields::new(),
        }
    }

    /// The first event of its history, appended when it is stored.
    pub fn created(&self) -> TicketEventKind {
        TicketEventKind::Created {
            priority: self.priority,
            category: self.category.clone(),
            status: self.status,
        }
    }

    /// Move to status `to` at `at`, or refuse with [`Error::InvalidTransition`] naming both
    /// statuses (see [`TicketStatus::refusal`]). Solving sets `solved_at`; reopening a solved
    /// ticket clears it.
    pub fn set_status(&mut self, to: TicketStatus, at: DateTime<Utc>) -> Result<TicketEventKind> {
        let from = self.status;
        if let Some(reason) = from.refusal(to) {
            return Err(refuse(from, to, reason));
        }
        match to {
            TicketStatus::Solved => self.solved_at = Some(at),
            TicketStatus::Closed => {}
            _ => self.solved_at = None,
        }
        self.status = to;
        Ok(TicketEventKind::StatusChanged { from, to })
    }

    /// Change the priority; `None` when it is `to` already. A closed ticket is refused.
    pub fn set_priority(&mut self, to: TicketPriority) -> Result<Option<TicketEventKind>> {
        self.check_not_closed("priority")?;
        if self.priority == to {
            return Ok(None);
        }
        let from = std::mem::replace(&mut self.priority, to);
        Ok(Some(TicketEventKind::PriorityChanged { from, to }))
    }

    /// Change the category; `None` when it is `to` already. A closed ticket is refused.
    pub fn set_category(&mut self, to: Option<String>) -> Result<Option<TicketEventKind>> {
        self.check_not_closed("category")?;
        if self.category == to {
            return Ok(None);
        }
        let from = std::mem::replace(&mut self.category, to.clone());
        Ok(Some(TicketEventKind::CategoryChanged { from, to }))
    }

    /// An agent replied to the customer at `at`; the first reply sets
    /// `first_responded_at`. A closed ticket is refused.
    pub fn respond(&mut self, at: DateTime<Utc>) -> Result<TicketEventKind> {
        self.check_not_closed("reply")?;
        self.first_responded_at.get_or_insert(at);
        Ok(TicketEventKind::Responded)
    }

    fn check_not_closed(&self, what: &str) -> Result<()> {
        if self.status == TicketStatus::Closed {
            return Err(Error::validation(
                what,
                self.status.as_str(),
                "a closed ticket is final",
            ));
        }
        Ok(())
    }
}

fn refuse(from: TicketStatus, to: TicketStatus, reason: &str) -> Error {
    Error::InvalidTransition {
        object: "ticket",
        from: from.as_str().into(),
        to: to.as_str().into(),
        reason: reason.into(),
    }
}

pub(super) const COLUMNS: &[Column] = &[
    Column::new("subject", ColumnType::Text),
    Column::new("category", ColumnType::Text).indexed(),
    Column::new("priority", ColumnType::Text).indexed(),
    Column::new("status", ColumnType::Text).indexed(),
    Column::new("account_id", ColumnType::Uuid).indexed(),
    Column::new("contact_id", ColumnType::Uuid),
    Column::new("channel", ColumnType::Text),
    Column::new("first_responded_at", ColumnType::Timestamp),
    Column::new("solved_at", ColumnType::Timestamp),
];

impl Entity for Ticket {
    type Id = TicketId;
    const KIND: ObjectKind = ObjectKind::Ticket;

    fn custom_fields(&self) -> Option<&Fields> {
        Some(&self.custom)
    }

    fn references(&self) -> Vec<Reference> {
        let account = self
            .account_id
            .map(|a| Reference::to("account_id", ObjectKind::Account, a));
        let contact = self
            .contact_id
            .map(|c| Reference::to("contact_id", ObjectKind::Contact, c));
        account.into_iter().chain(contact).collect()
    }

    fn check(&self) -> Result<()> {
        check_text("subject", &self.subject, 200)?;
        check_optional_text("description", self.description.as_deref(), 20_000)?;
        check_optional_text("category", self.category.as_deref(), 64)?;
        check_optional_text("channel", self.channel.as_deref(), 32)?;
        if self.status.is_done() != self.solved_at.is_some() {
            return Err(Error::validation(
                "solved_at",
                self.status.as_str(),
                "set exactly when the ticket is solved or closed",
            ));
        }
        Ok(())
    }
}

/// What happened to a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TicketEventKind {
    /// The ticket came in; starts every SLA clock.
    Created {
        /// Its priority.
        priority: TicketPriority,
        /// Its category.
        category: Option<String>,
        /// Its status (usually `new`).
        status: TicketStatus,
    },
    /// The status changed.
    StatusChanged {
        /// The status it left.
        from: TicketStatus,
        /// The status it entered.
        to: TicketStatus,
    },
    /// The priority changed.
    PriorityChanged {
        /// The old priority.
        from: TicketPriority,
        /// The new priority.
        to: TicketPriority,
    },
    /// The category changed.
    CategoryChanged {
        /// The old category.
        from: Option<String>,
        /// The new category.
        to: Option<String>,
    },
    /// An agent replied to the customer (the first such event is the first response).
    Responded,
}

impl TicketEventKind {
    /// The snake_case name of the variant, as stored in the `type` column.
    pub fn as_str(&self) -> &'static str {
        match self {
            TicketEventKind::Created { .. } => "created",
            TicketEventKind::StatusChanged { .. } => "status_changed",
            TicketEventKind::PriorityChanged { .. } => "priority_changed",
            TicketEventKind::CategoryChanged { .. } => "category_changed",
            TicketEventKind::Responded => "responded",
        }
    }
}

/// One entry of a ticket's history (工单日志), appended on every change and never edited.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketEvent {
    /// The ticket.
    pub ticket_id: TicketId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: TicketEventKind,
}

impl TicketEvent {
    /// `kind` happened to ticket `ticket_id` at `at`.
    pub fn new(ticket_id: TicketId, at: DateTime<Utc>, kind: TicketEventKind) -> Self {
        TicketEvent {
            ticket_id,
            at,
            kind,
        }
    }
}

pub(super) const EVENT_COLUMNS: &[Column] = &[
    Column::new("ticket_id", ColumnType::Uuid).indexed(),
    Column::new("at", ColumnType::Timestamp).indexed(),
    Column::new("type", ColumnType::Text).at("/kind/type"),
];

impl Entity for TicketEvent {
    type Id = TicketEventId;
    const KIND: ObjectKind = ObjectKind::TicketEvent;

    fn references(&self) -> Vec<Reference> {
        vec![Reference::to(
            "ticket_id",
            ObjectKind::Ticket,
            self.ticket_id,
        )]
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::error::ErrorKind;
    use crate::record::{Record, extract_columns};

    fn at(hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0).unwrap()
    }

    #[test]
    fn the_lifecycle_solves_reopens_and_closes_for_good() {
        let mut t = Ticket::new("发票开错", TicketPriority::Normal);
        t.check().unwrap();
        let opened = t.set_status(TicketStatus::Open, at(1)).unwrap();
        assert_eq!(
            opened,
            TicketEventKind::StatusChanged {
                from: TicketStatus::New,
                to: TicketStatus::Open
            }
        );
        t.set_status(TicketStatus::Pending, at(2)).unwrap();
        t.set_status(TicketStatus::Solved, at(3)).unwrap();
        assert_eq!(t.solved_at, Some(at(3)));
        t.check().unwrap();
        // Reopen.
        t.set_status(TicketStatus::Open, at(4)).unwrap();
        assert_eq!(t.solved_at, None);
        t.check().unwrap();
        t.set_status(TicketStatus::Solved, at(5)).unwrap();
        t.set_status(TicketStatus::Closed, at(6)).unwrap();
        assert_eq!(t.solved_at, Some(at(5)));
        t.check().unwrap();
        for to in TicketStatus::ALL {
            let err = t.set_status(to, at(7)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidTransition);
        }
        assert!(t.respond(at(7)).is_err());
        assert!(t.set_priority(TicketPriority::Low).is_err());
    }

    #[test]
    fn illegal_moves_name_both_statuses() {
        let mut t = Ticket::new("x", TicketPriority::Low);
        match t.set_status(TicketStatus::Closed, at(1)).unwrap_err() {
            Error::InvalidTransition {
                object, from, to, ..
            } => {
                assert_eq!(
                    (object, from.as_str(), to.as_str()),
                    ("ticket", "new", "closed")
                );
            }
            other => panic!("{other:?}"),
        }
        t.set_status(TicketStatus::Solved, at(1)).unwrap();
        let err = t.set_status(TicketStatus::Pending, at(2)).unwrap_err();
        assert!(err.to_string().contains("solved") && err.to_string().contains("pending"));
        assert!(t.set_status(TicketStatus::Solved, at(2)).is_err());
        assert!(t.set_status(TicketStatus::New, at(2)).is_err());
        // The state machine, whole: what may follow what.
        use TicketStatus::*;
        let allowed: Vec<(TicketStatus, TicketStatus)> = TicketStatus::ALL
            .into_iter()
            .flat_map(|f| TicketStatus::ALL.into_iter().map(move |t| (f, t)))
            .filter(|(f, t)| f.can_become(*t))
            .collect();
        assert_eq!(
            allowed,
            vec![
                (New, Open),
                (New, Pending),
                (New, OnHold),
                (New, Solved),
                (Open, Pending),
                (Open, OnHold),
                (Open, Solved),
                (Pending, Open),
                (Pending, OnHold),
                (Pending, Solved),
                (OnHold, Open),
                (OnHold, Pending),
                (OnHold, Solved),
                (Solved, Open),
                (Solved, Closed),
            ]
        );
    }

    #[test]
    fn replies_priority_and_category_changes_give_their_events() {
        let mut t = Ticket::new("安装预约", TicketPriority::Normal);
        assert_eq!(t.respond(at(1)).unwrap(), TicketEventKind::Responded);
        t.respond(at(2)).unwrap();
        assert_eq!(t.first_responded_at, Some(at(1)));
        assert_eq!(t.set_priority(TicketPriority::Normal).unwrap(), None);
        assert_eq!(
            t.set_priority(TicketPriority::High).unwrap(),
            Some(TicketEventKind::PriorityChanged {
                from: TicketPriority::Normal,
                to: TicketPriority::High
            })
        );
        assert_eq!(
            t.set_category(Some("安装".into())).unwrap(),
            Some(TicketEventKind::CategoryChanged {
                from: None,
                to: Some("安装".into())
            })
        );
        assert_eq!(t.set_category(Some("安装".into())).unwrap(), None);
        assert_eq!(
            t.created(),
            TicketEventKind::Created {
                priority: TicketPriority::High,
                category: Some("安装".into()),
                status: TicketStatus::New
            }
        );
    }

    #[test]
    fn solved_at_must_match_the_status_and_the_subject_is_required() {
        let mut t = Ticket::new(" ", TicketPriority::Normal);
        assert_eq!(t.check().unwrap_err().kind(), ErrorKind::Validation);
        t.subject = "退款".into();
        t.solved_at = Some(at(1));
        assert_eq!(t.check().unwrap_err().kind(), ErrorKind::Validation);
    }

    #[test]
    fn queryable_columns_come_from_the_body() {
        let mut t = Ticket::new("退款", TicketPriority::Urgent);
        t.category = Some("billing".into());
        t.account_id = Some(AccountId(uuid::Uuid::nil()));
        t.set_status(TicketStatus::OnHold, at(1)).unwrap();
        let body = serde_json::to_value(&t).unwrap();
        let columns = extract_columns(ObjectKind::Ticket, &body).unwrap();
        let by_name = |name: &str| {
            let i = COLUMNS.iter().position(|c| c.name == name).unwrap();
            columns[i].clone()
        };
        assert_eq!(by_name("priority"), "urgent".into());
        assert_eq!(by_name("status"), "on_hold".into());
        assert_eq!(by_name("category"), "billing".into());

        let event = TicketEvent::new(
            TicketId(uuid::Uuid::nil()),
            at(2),
            TicketEventKind::StatusChanged {
                from: TicketStatus::OnHold,
                to: TicketStatus::Open,
            },
        );
        let record = Record::new(
            TicketEventId(uuid::Uuid::nil()),
            crate::id::TenantId(uuid::Uuid::nil()),
            None,
            at(2),
            event.clone(),
        );
        let row = record.to_row().unwrap();
        assert_eq!(row.columns[2], "status_changed".into());
        assert_eq!(Record::<TicketEvent>::from_row(&row).unwrap().data, event);
        let json = serde_json::to_value(&event.kind).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"type": "status_changed", "from": "on_hold", "to": "open"})
        );
        assert_eq!(event.kind.as_str(), "status_changed");
    }
}
