//! Service tickets (工单) through the facade: every change appends to the ticket's
//! history in the same unit of work, the SLA is that history replayed under the rule
//! book's policies, and one timer per ticket waits for its next warning or breach.

use chrono::{DateTime, Duration, Utc};
use crm_core::automation::Notification;
use crm_core::id::{TicketId, UserId};
use crm_core::model::{Ticket, TicketEvent, TicketEventKind, TicketPriority, TicketStatus, User};
use crm_core::query::{Predicate, Query, Sort};
use crm_core::record::Value;
use crm_core::{Actor, ObjectKind, Record, Result};
use crm_rules::{Engine, SlaAlert, SlaReport};

use crate::{Crm, Records, UnitOfWork};

/// The rule id of a ticket's SLA timer, which no rule of a book may take.
pub const SLA_TIMER: &str = crm_rules::book::RESERVED_ID;

impl Crm {
    /// The service for tickets.
    pub fn tickets(&self) -> Records<'_, Ticket> {
        self.records()
    }

    /// Open `ticket` owned by `owner` (the assignee; `None` to let the rule book's dispatch
    /// pick one from the queue of its category): it is stored with its `created` event and
    /// its SLA timer armed.
    pub async fn open_ticket(
        &self,
        actor: &Actor,
        owner: Option<UserId>,
        ticket: Ticket,
    ) -> Result<Record<Ticket>> {
        let mut uow = self.begin(actor).await?;
        let created = ticket.created();
        let mut ticket = uow.create_owned(owner, ticket).await?;
        uow.ticket_event(ticket.id, created).await?;
        if owner.is_none() {
            ticket = uow.dispatch(ticket).await?;
        }
        uow.commit().await?;
        Ok(ticket)
    }

    /// Move ticket `id`, read at `expected_version`, to `status`.
    pub async fn set_ticket_status(
        &self,
        actor: &Actor,
        id: TicketId,
        expected_version: u64,
        status: TicketStatus,
    ) -> Result<Record<Ticket>> {
        let at = self.clock.now();
        self.change_ticket(actor, id, expected_version, |t| {
            t.set_status(status, at).map(Some)
        })
        .await
    }

    /// Record an agent's reply on ticket `id`, read at `expected_version`.
    pub async fn respond_to_ticket(
        &self,
        actor: &Actor,
        id: TicketId,
        expected_version: u64,
    ) -> Result<Record<Ticket>> {
        let at = self.clock.now();
        self.change_ticket(actor, id, expected_version, |t| t.respond(at).map(Some))
            .await
    }

    /// Change the priority of ticket `id`, read at `expected_version`.
    pub async fn set_ticket_priority(
        &self,
        actor: &Actor,
        id: TicketId,
        expected_version: u64,
        priority: TicketPriority,
    ) -> Result<Record<Ticket>> {
        self.change_ticket(actor, id, expected_version, |t| t.set_priority(priority))
            .await
    }

    async fn change_ticket(
        &self,
        actor: &Actor,
        id: TicketId,
        expected_version: u64,
        change: impl FnOnce(&mut Ticket) -> Result<Option<TicketEventKind>>,
    ) -> Result<Record<Ticket>> {
        let mut uow = self.begin(actor).await?;
        let mut ticket = uow.get::<Ticket>(id).await?;
        ticket.meta.version = expected_version;
        let event = change(&mut ticket.data)?;
        let ticket = uow.update(ticket).await?;
        if let Some(event) = event {
            uow.ticket_event(id, event).await?;
        }
        uow.commit().await?;
        Ok(ticket)
    }

    /// The SLA of ticket `id` at `now`: its history replayed under the policy of the rule
    /// book in force; `None` without a rule book or a policy covering the ticket.
    pub async fn ticket_sla(
        &self,
        actor: &Actor,
        id: TicketId,
        now: DateTime<Utc>,
    ) -> Result<Option<SlaReport>> {
        self.tickets().get(actor, id).await?;
        let Some(engine) = self.rules(actor.tenant) else {
            return Ok(None);
        };
        let events = ticket_history(self.reader(), actor, id).await?;
        engine
            .book()
            .sla
            .replay(&engine.book().calendar, &events, now)
    }
}

async fn ticket_history(
    reader: &dyn crm_core::store::ReadStore,
    actor: &Actor,
    id: TicketId,
) -> Result<Vec<TicketEvent>> {
    let of_ticket = Query::filter(Predicate::eq("ticket_id", id))
        .sort(Sort::asc("at"))
        .unpaged();
    Ok(reader
        .list::<TicketEvent>(actor.tenant, &of_ticket)
        .await?
        .into_iter()
        .map(|e| e.data)
        .collect())
}

impl UnitOfWork<'_> {
    /// Give an unowned `ticket` to a user of its queue, when the rule book dispatches its
    /// category to a queue named like one of its assignment tables.
    async fn dispatch(&mut self, ticket: Record<Ticket>) -> Result<Record<Ticket>> {
        let Some(engine) = self.engine.clone() else {
            return Ok(ticket);
        };
        let book = engine.book();
        let Some(dispatch) = &book.dispatch else {
            return Ok(ticket);
        };
        let Some(table) = book.table(dispatch.queue_for(ticket.data.category.as_deref())) else {
            return Ok(ticket);
        };
        let row = ticket.to_row()?;
        let facts = crate::automation::facts_of(&row)?;
        let (owner, _reason) = self.assign_with(table, &row, &facts).await?;
        match owner {
            Some(owner) => {
                let mut assigned = ticket;
                assigned.meta.owner = Some(owner);
                self.as_by_product(async |uow| uow.update(assigned).await)
                    .await
            }
            None => Ok(ticket),
        }
    }

    /// Append `kind` to ticket `id`'s history now, and re-arm its SLA timer.
    async fn ticket_event(&mut self, id: TicketId, kind: TicketEventKind) -> Result<()> {
        let now = self.crm.clock.now();
        let event = TicketEvent::new(id, now, kind);
        self.as_by_product(async |uow| uow.create(event).await.map(drop))
            .await?;
        self.arm_sla(id, now).await
    }

    /// Arm ticket `id`'s SLA timer for its next warning or breach after `now`, or cancel
    /// it when none is ahead.
    pub(crate) async fn arm_sla(&mut self, id: TicketId, now: DateTime<Utc>) -> Result<()> {
        let Some(engine) = self.engine.clone() else {
            return Ok(());
        };
        let report = self.sla_at(&engine, id, now).await?;
        let due = report.and_then(|r| r.next_deadline()).map(|d| d.at);
        let was = std::mem::replace(&mut self.by_product, true);
        let armed = self
            .arm_timer(SLA_TIMER, Some((ObjectKind::Ticket, id.0)), due)
            .await;
        self.by_product = was;
        armed
    }

    async fn sla_at(
        &self,
        engine: &Engine,
        id: TicketId,
        at: DateTime<Utc>,
    ) -> Result<Option<SlaReport>> {
        let events = ticket_history(self.reader(), &self.actor, id).await?;
        engine
            .book()
            .sla
            .replay(&engine.book().calendar, &events, at)
    }

    /// Fire ticket `id`'s SLA timer due at `due`: tell the owner of a warning, the owner
    /// and their manager of a breach; the timer re-arms for the next deadline.
    pub(crate) async fn fire_sla(
        &mut self,
        engine: &Engine,
        id: TicketId,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<crate::automation::Effect>> {
        let before = self
            .sla_at(engine, id, due - Duration::milliseconds(1))
            .await?;
        let deadline = before
            .and_then(|r| r.next_deadline())
            .filter(|d| d.at == due);
        let mut effects = Vec::new();
        if let Some(deadline) = deadline {
            let ticket = self.reader().get::<Ticket>(self.actor.tenant, id).await?;
            let owner = ticket.meta.owner;
            let mut recipients: Vec<UserId> = owner.into_iter().collect();
            let template = match deadline.alert {
                SlaAlert::Warn => "ticket.sla_warning",
                SlaAlert::Breach => {
                    if let Some(owner) = owner {
                        let manager = self
                            .reader()
                            .get_any::<User>(self.actor.tenant, owner)
                            .await?
                            .and_then(|u| u.data.manager_id);
                        recipients.extend(manager);
                    }
                    "ticket.sla_breached"
                }
            };
            let target = serde_json::to_value(deadline.target)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let notification = Notification {
                rule: SLA_TIMER.to_owned(),
                template: template.to_owned(),
                recipients: recipients.clone(),
                object: Some(ObjectKind::Ticket),
                record: Some(id.0),
                payload: [
                    ("subject".to_owned(), Value::Text(ticket.data.subject)),
                    ("target".to_owned(), Value::Text(target)),
                ]
                .into(),
                delivered_at: None,
            };
            self.create_owned(None, notification).await?;
            effects.push(crate::automation::Effect::Notified {
                template: template.to_owned(),
                recipients,
            });
        }
        self.arm_sla(id, now).await?;
        Ok(effects)
    }
}
