//! Automation wired to the store: a tenant's rule book runs on every unit of work's
//! changes, its timers live in the store and fire from [`Crm::tick`], and what rules tell
//! people waits in a notification outbox for the host.
//!
//! Rules run when a unit of work commits, inside its transaction: for each record the
//! unit created or changed, the engine compares the record as it was when the unit first
//! touched it with the record as it is, fires the matching rules and re-arms or cancels
//! the record's timers. Changes made by rules run the rules again, up to
//! [`MAX_CASCADE`] rounds; a rule fires at most once per record and unit of work.
//!
//! [`Crm::tick`] fires the timers due, each in its own transaction that also records the
//! firing: if anything fails before that transaction commits, nothing of the firing
//! remains and the next tick fires it again, so each due time fires exactly once. Two
//! ticks running at once conflict on the timer's version and one of them skips it.

mod actions;
mod assign;
mod facts;
mod recycle;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use crm_core::automation::{Notification, Timer};
use crm_core::id::{NotificationId, TenantId};
use crm_core::query::{Predicate, Query, Sort};
use crm_core::record::Row;
use crm_core::{Actor, Error, ErrorKind, ObjectKind, Principal, Record, Result};
use crm_rules::{Change, Engine, Facts, RuleBook};
use uuid::Uuid;

pub use actions::Effect;
pub(crate) use facts::facts_of;
use facts::facts_with_related;

use crate::{Crm, UnitOfWork};

/// How many rounds of rules changing records that set off rules run in one commit.
pub const MAX_CASCADE: usize = 8;

/// Timers read per query by [`Crm::tick`].
const TICK_BATCH: u64 = 500;

/// Records armed per transaction by [`Crm::arm_existing_records`].
const REARM_PAGE: u64 = 1_000;

/// One rule that fired, and what it did.
#[derive(Debug, Clone, PartialEq)]
pub struct Firing {
    /// The rule's id.
    pub rule: String,
    /// The record it acted on; `None` for a scheduled rule.
    pub record: Option<(ObjectKind, Uuid)>,
    /// The due time it fired for.
    pub due: DateTime<Utc>,
    /// What it did.
    pub effects: Vec<Effect>,
}

/// What [`Crm::tick`] fired.
#[derive(Debug, Default)]
pub struct TickReport {
    /// The rules fired, in due order.
    pub fired: Vec<Firing>,
    /// Timers whose rule could not be performed: a record's timer is disarmed until a
    /// change of the record moves its due time, a schedule waits for its next run.
    pub failed: Vec<FailedTimer>,
}

/// A timer [`Crm::tick`] could not fire, and why.
#[derive(Debug)]
pub struct FailedTimer {
    /// The rule's id.
    pub rule: String,
    /// The record it concerns; `None` for a schedule.
    pub record: Option<Uuid>,
    /// What went wrong.
    pub error: Error,
}

impl Crm {
    /// Put `book` in force for the actor's tenant, replacing the one before, and arm its
    /// schedules. Rules on records apply from the next change or timer on (see
    /// [`Crm::arm_existing_records`] for records already stored).
    ///
    /// Only the system actor installs rule books: they act for the whole tenant.
    pub async fn install_rules(&self, actor: &Actor, book: RuleBook) -> Result<()> {
        only_the_system(actor, "install rules")?;
        let engine = Arc::new(Engine::new(book)?);
        let system = Actor::system(actor.tenant);
        let mut uow = self.begin(&system).await?;
        let now = self.clock.now();
        for (rule, next) in engine.schedules(now) {
            uow.arm_timer(&rule.id, None, next).await?;
        }
        uow.commit().await?;
        self.engines
            .write()
            .expect("the rule-book lock is never poisoned")
            .insert(actor.tenant, engine);
        Ok(())
    }

    /// The engine in force for `tenant`, if a rule book was installed.
    pub fn rules(&self, tenant: TenantId) -> Option<Arc<Engine>> {
        self.engines
            .read()
            .expect("the rule-book lock is never poisoned")
            .get(&tenant)
            .cloned()
    }

    /// Fire every timer of the actor's tenant due at or before `now`, each exactly once.
    /// The host calls it as the system actor, on its own schedule (e.g. every minute).
    pub async fn tick(&self, actor: &Actor, now: DateTime<Utc>) -> Result<TickReport> {
        only_the_system(actor, "tick")?;
        let mut report = TickReport::default();
        let Some(engine) = self.rules(actor.tenant) else {
            return Ok(report);
        };
        let system = Actor::system(actor.tenant);
        let due = Query::filter(Predicate::le("due_at", now))
            .sort(Sort::asc("due_at"))
            .limit(TICK_BATCH);
        loop {
            let timers = self.reader().list::<Timer>(actor.tenant, &due).await?;
            let exhausted = (timers.len() as u64) < TICK_BATCH;
            for timer in timers {
                let (id, rule, record) = (timer.id, timer.data.rule.clone(), timer.data.record);
                match self.fire_timer(&system, &engine, timer, now).await {
                    Ok(fired) => report.fired.extend(fired),
                    // Another tick fired or re-armed it first.
                    Err(e) if e.kind() == ErrorKind::Conflict => {}
                    // The store failed: nothing of the firing stayed; the next tick retries.
                    Err(e) if e.kind() == ErrorKind::Storage => return Err(e),
                    // The rule cannot be performed as things stand (a pool that is gone, a
                    // value the record refuses): disarm the timer rather than fail every
                    // tick on it, and say why.
                    Err(error) => {
                        self.disarm(&system, &engine, id, now).await?;
                        report.failed.push(FailedTimer {
                            rule,
                            record,
                            error,
                        });
                    }
                }
            }
            if exhausted {
                return Ok(report);
            }
        }
    }

    /// Disarm timer `id` after its firing failed at `now`: a record's timer waits for a
    /// change that moves its due time, a schedule for its next run.
    async fn disarm(
        &self,
        system: &Actor,
        engine: &Engine,
        id: crm_core::id::TimerId,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut uow = self.begin(system).await?;
        uow.by_product = true;
        let mut timer = uow.get::<Timer>(id).await?;
        if timer.data.due_at.is_some() {
            timer.data.fire(now)?;
            if timer.data.record.is_none() {
                timer.data.due_at = engine
                    .schedules(now)
                    .into_iter()
                    .find(|(rule, _)| rule.id == timer.data.rule)
                    .and_then(|(_, next)| next);
            }
            uow.update(timer).await?;
        }
        uow.commit().await
    }

    /// Fire one timer in its own unit of work: perform the rule, then record the firing.
    async fn fire_timer(
        &self,
        system: &Actor,
        engine: &Engine,
        mut timer: Record<Timer>,
        now: DateTime<Utc>,
    ) -> Result<Option<Firing>> {
        let Some(due) = timer.data.due_at else {
            return Ok(None);
        };
        let mut uow = self.begin(system).await?;
        uow.by_product = true;
        if timer.data.rule == crate::SLA_TIMER
            && let Some(ticket) = timer.data.record.map(crm_core::id::TicketId)
        {
            // Recorded first: the SLA re-arms the timer for its next deadline.
            timer.data.fire(now)?;
            let rule = timer.data.rule.clone();
            uow.update(timer).await?;
            let effects = uow.fire_sla(engine, ticket, due, now).await?;
            uow.commit().await?;
            let fired = !effects.is_empty();
            return Ok(fired.then_some(Firing {
                rule,
                record: Some((ObjectKind::Ticket, ticket.0)),
                due,
                effects,
            }));
        }
        if recycle::is_recycling(&timer.data.rule)
            && let Some((kind, id)) = timer.data.object.zip(timer.data.record)
        {
            timer.data.fire(now)?;
            let rule = timer.data.rule.clone();
            uow.update(timer).await?;
            let effects = uow.fire_recycling(engine, &rule, kind, id, now).await?;
            uow.commit().await?;
            let fired = !effects.is_empty();
            return Ok(fired.then_some(Firing {
                rule,
                record: Some((kind, id)),
                due,
                effects,
            }));
        }
        let mut firing = None;
        match (
            engine.rule(&timer.data.rule),
            timer.data.object.zip(timer.data.record),
        ) {
            // The rule left the book: its timers go with it.
            (None, _) => timer.data.due_at = None,
            (Some(rule), None) => {
                timer.data.fire(now)?;
                timer.data.due_at = engine
                    .schedules(now)
                    .into_iter()
                    .find(|(r, _)| r.id == rule.id)
                    .and_then(|(_, next)| next);
                let effects = uow.perform(engine, rule, None, now).await?;
                firing = Some(Firing {
                    rule: rule.id.clone(),
                    record: None,
                    due,
                    effects,
                });
            }
            (Some(rule), Some((kind, id))) => {
                let row = uow.live_row(kind, id).await?;
                let facts = match &row {
                    Some(row) => Some(uow.facts(engine, row).await?),
                    None => None,
                };
                match facts.as_ref().and_then(|f| engine.due_at(rule, f)) {
                    Some(still) if still == due => {
                        let effects = uow
                            .perform(engine, rule, row.as_ref().zip(facts.as_ref()), now)
                            .await?;
                        timer.data.fire(now)?;
                        firing = Some(Firing {
                            rule: rule.id.clone(),
                            record: Some((kind, id)),
                            due,
                            effects,
                        });
                    }
                    // The record moved on without its timer being re-armed (e.g. rules
                    // were replaced): follow it.
                    other => timer.data.due_at = other,
                }
            }
        }
        uow.update(timer).await?;
        uow.commit().await?;
        Ok(firing)
    }

    /// Arm the timers of every live record the installed rules watch, as if each had just
    /// changed: run it once after installing a rule book over existing data (rules
    /// otherwise see records from their next change on). Returns the records visited.
    pub async fn arm_existing_records(&self, actor: &Actor) -> Result<u64> {
        only_the_system(actor, "arm timers")?;
        let Some(engine) = self.rules(actor.tenant) else {
            return Ok(0);
        };
        let system = Actor::system(actor.tenant);
        let mut visited = 0;
        for kind in ObjectKind::ALL.into_iter().filter(|k| engine.watches(*k)) {
            let mut after: Option<Uuid> = None;
            loop {
                let page = match after {
                    Some(id) => Query::filter(Predicate::gt("id", id)),
                    None => Query::all(),
                }
                .sort(Sort::asc("id"))
                .limit(REARM_PAGE);
                let rows = self.reader().list_rows(kind, actor.tenant, &page).await?;
                let mut uow = self.begin(&system).await?;
                uow.by_product = true;
                for row in &rows {
                    let facts = uow.facts(&engine, row).await?;
                    let timers = engine.react(&Change::create(kind, row.id, &facts)).timers;
                    for (rule, due) in timers {
                        uow.arm_timer(&rule.id, Some((kind, row.id)), due).await?;
                    }
                    let now = self.clock.now();
                    uow.arm_recycling(&engine, kind, row.id, Some((row, &facts)), now)
                        .await?;
                }
                uow.commit().await?;
                visited += rows.len() as u64;
                match rows.last() {
                    Some(last) if rows.len() as u64 == REARM_PAGE => after = Some(last.id),
                    _ => break,
                }
            }
        }
        Ok(visited)
    }

    /// Notifications rules raised that the host has not yet confirmed, oldest first; the
    /// host reads them as the system actor and delivers them.
    pub async fn pending_notifications(
        &self,
        actor: &Actor,
        limit: u64,
    ) -> Result<Vec<Record<Notification>>> {
        only_the_system(actor, "read the notification outbox")?;
        let pending = Query::filter(Predicate::is_null("delivered_at"))
            .sort(Sort::asc("created_at"))
            .limit(limit);
        self.reader().list(actor.tenant, &pending).await
    }

    /// Confirm the host delivered notification `id` at `at`; it leaves the pending list.
    pub async fn mark_delivered(
        &self,
        actor: &Actor,
        id: NotificationId,
        at: DateTime<Utc>,
    ) -> Result<()> {
        only_the_system(actor, "confirm notifications")?;
        let system = Actor::system(actor.tenant);
        let mut uow = self.begin(&system).await?;
        let mut notification = uow.get::<Notification>(id).await?;
        notification.data.delivered_at.get_or_insert(at);
        uow.update(notification).await?;
        uow.commit().await
    }
}

/// Refuse `action` to anyone but the system: automation acts for the whole tenant.
fn only_the_system(actor: &Actor, action: &str) -> Result<()> {
    match actor.principal {
        Principal::System => Ok(()),
        _ => Err(Error::PermissionDenied {
            action: action.to_owned(),
            object: "automation".to_owned(),
            reason: "only the system actor runs a tenant's automation".to_owned(),
        }),
    }
}

impl UnitOfWork<'_> {
    /// Remember that this unit is about to change record `id` of `kind`, as `before` (absent
    /// on creation), so the rules see the change at commit.
    pub(crate) fn touch(&mut self, kind: ObjectKind, id: Uuid, before: Option<Row>) {
        if self.rules_watch(kind) && self.touched_ids.insert((kind, id)) {
            self.touched.push((kind, id, before));
        }
    }

    /// Whether the rules watch records of `kind`: an update then reads the record as it
    /// was first.
    pub(crate) fn rules_watch(&self, kind: ObjectKind) -> bool {
        self.engine.as_ref().is_some_and(|e| e.watches(kind))
    }

    /// Run the rules on the records this unit changed: fire what matches, arm and cancel
    /// timers. Called by [`UnitOfWork::commit`].
    pub(crate) async fn run_rules(&mut self) -> Result<()> {
        let Some(engine) = self.engine.clone() else {
            return Ok(());
        };
        let was = std::mem::replace(&mut self.by_product, true);
        let result = self.run_rules_with(&engine).await;
        self.by_product = was;
        result
    }

    async fn run_rules_with(&mut self, engine: &Engine) -> Result<()> {
        let mut fired: HashSet<(String, Uuid)> = HashSet::new();
        let now = self.crm.clock.now();
        for _ in 0..MAX_CASCADE {
            let touched = std::mem::take(&mut self.touched);
            self.touched_ids.clear();
            if touched.is_empty() {
                break;
            }
            for (kind, id, before) in touched {
                let after = self.live_row(kind, id).await?;
                let before_facts = match &before {
                    Some(row) => Some(self.facts(engine, row).await?),
                    None => None,
                };
                let after_facts = match &after {
                    Some(row) => Some(self.facts(engine, row).await?),
                    None => None,
                };
                // The change borrows the facts as `dyn Facts`, which is not `Send`: it must
                // not live across an await.
                let reaction = engine.react(&Change {
                    object: kind,
                    record: id,
                    before: before_facts.as_ref().map(|f| f as &dyn Facts),
                    after: after_facts.as_ref().map(|f| f as &dyn Facts),
                });
                for (rule, due) in &reaction.timers {
                    self.arm_timer(&rule.id, Some((kind, id)), *due).await?;
                }
                let target = after.as_ref().zip(after_facts.as_ref());
                if engine.recycles(kind) {
                    self.arm_recycling(engine, kind, id, target, now).await?;
                }
                for rule in reaction.fired {
                    if target.is_some() && fired.insert((rule.id.clone(), id)) {
                        self.perform(engine, rule, target, now).await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// `id` of `kind` as stored in this unit, unless absent or deleted.
    async fn live_row(&self, kind: ObjectKind, id: Uuid) -> Result<Option<Row>> {
        Ok(self
            .tx
            .get_row(kind, self.actor.tenant, id)
            .await?
            .filter(|row| row.meta.deleted_at.is_none()))
    }

    /// The facts of `row` with the related records its rules read.
    async fn facts(&self, engine: &Engine, row: &Row) -> Result<crm_rules::FactMap> {
        let mut relations: Vec<&str> = engine
            .book()
            .rules
            .iter()
            .filter(|r| r.object == row.kind)
            .flat_map(|r| r.condition.relations())
            .collect();
        // Recycling asks whether a customer has open or won deals.
        if engine.recycles(row.kind) {
            relations.push("opportunities");
        }
        facts_with_related(self.reader(), row, &relations).await
    }

    /// Make the timer of `rule` on `record` (or of a schedule) due at `due`, or cancel it;
    /// a due time it already fired for is not armed again.
    pub(crate) async fn arm_timer(
        &mut self,
        rule: &str,
        record: Option<(ObjectKind, Uuid)>,
        due: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let of_record = match record {
            Some((_, id)) => Predicate::eq("record", id),
            None => Predicate::is_null("record"),
        };
        let existing = self
            .reader()
            .list::<Timer>(self.actor.tenant, &Query::filter(of_record).unpaged())
            .await?
            .into_iter()
            .find(|t| t.data.rule == rule);
        match (existing, due) {
            (None, None) => Ok(()),
            (None, Some(due)) => {
                let timer = match record {
                    Some((kind, id)) => Timer::for_record(rule, kind, id, due),
                    None => Timer::for_schedule(rule, due),
                };
                self.create_owned(None, timer).await.map(drop)
            }
            (Some(timer), due)
                if timer.data.due_at == due
                    || (timer.data.due_at.is_none()
                        && due.is_some()
                        && timer.data.fired_for == due) =>
            {
                Ok(())
            }
            (Some(mut timer), due) => {
                timer.data.due_at = due;
                self.update(timer).await.map(drop)
            }
        }
    }
}
