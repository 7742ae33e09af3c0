//! What rules do to the store: notifications in the outbox, tasks, field changes, tags,
//! owners, pool returns. Each action runs inside the unit of work that fired the rule.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use crm_core::access::{Role, RoleAssignment};
use crm_core::automation::Notification;
use crm_core::fields::FieldValue;
use crm_core::id::{ActivityId, PoolId, RecordId, UserId};
use crm_core::model::{
    Account, Activity, ActivityKind, Contact, Department, Lead, Opportunity, Tag, User,
};
use crm_core::query::{Predicate, Query};
use crm_core::record::{Meta, Row, Value};
use crm_core::{Entity, Error, ObjectKind, Record, Result};
use crm_rules::rule::{Action, Recipient, Rule, Scalar};
use crm_rules::{Engine, FactMap, Facts};

use crate::UnitOfWork;

/// One thing a rule did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Effect {
    /// A notification waits in the outbox for these users.
    Notified {
        /// The template key.
        template: String,
        /// Who.
        recipients: Vec<UserId>,
    },
    /// A to-do was created.
    TaskCreated {
        /// The task.
        task: ActivityId,
        /// Who does it.
        assignee: Option<UserId>,
        /// When it is due.
        due: Option<DateTime<Utc>>,
    },
    /// A field was set.
    FieldSet {
        /// The field.
        field: String,
    },
    /// A tag was put on the record.
    Tagged {
        /// The tag's name.
        tag: String,
    },
    /// The record got an owner.
    Assigned {
        /// The new owner; `None` when no one could take it.
        owner: Option<UserId>,
        /// Why this owner.
        reason: String,
    },
    /// The record went back to a public pool.
    ReturnedToPool {
        /// The pool.
        pool: PoolId,
    },
}

/// Run `body` with `T` bound to the entity type of `kind`, for the kinds rules act on.
macro_rules! with_entity {
    ($kind:expr, $t:ident => $body:expr) => {
        match $kind {
            ObjectKind::Account => {
                type $t = Account;
                $body
            }
            ObjectKind::Contact => {
                type $t = Contact;
                $body
            }
            ObjectKind::Lead => {
                type $t = Lead;
                $body
            }
            ObjectKind::Opportunity => {
                type $t = Opportunity;
                $body
            }
            ObjectKind::Activity => {
                type $t = Activity;
                $body
            }
            ObjectKind::Ticket => {
                type $t = crm_core::model::Ticket;
                $body
            }
            other => Err(Error::validation(
                "object",
                other.as_str(),
                "rules act on accounts, contacts, leads, opportunities, activities and tickets",
            )),
        }
    };
}

impl UnitOfWork<'_> {
    /// Perform `rule`'s actions on `target` (the record and its facts; none for a
    /// schedule), in order, as at `now`.
    pub(crate) async fn perform(
        &mut self,
        engine: &Engine,
        rule: &Rule,
        target: Option<(&Row, &FactMap)>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Effect>> {
        let mut effects = Vec::with_capacity(rule.actions.len());
        for action in &rule.actions {
            effects.push(self.act(engine, rule, action, target, now).await?);
        }
        Ok(effects)
    }

    async fn act(
        &mut self,
        engine: &Engine,
        rule: &Rule,
        action: &Action,
        target: Option<(&Row, &FactMap)>,
        now: DateTime<Utc>,
    ) -> Result<Effect> {
        let row = target.map(|(row, _)| row);
        let needs_record = || {
            Error::validation(
                "rule",
                &rule.id,
                "this action needs a record, and a scheduled rule has none",
            )
        };
        match action {
            Action::Notify {
                to,
                template,
                payload,
            } => {
                let recipients = self.recipients(to, row).await?;
                let payload = payload
                    .iter()
                    .filter_map(|field| {
                        let value = target.and_then(|(_, facts)| facts.get(field))?;
                        Some((field.clone(), value.clone()))
                    })
                    .collect();
                self.notify(&rule.id, template, recipients, row, payload)
                    .await
            }
            Action::CreateTask {
                title,
                due,
                assignee,
            } => {
                let due = match due {
                    Some(offset) => {
                        Some(offset.apply(now, &engine.book().calendar).ok_or_else(|| {
                            Error::validation("due", offset.to_string(), "no working time ahead")
                        })?)
                    }
                    None => None,
                };
                let assignee = self
                    .recipients(std::slice::from_ref(assignee), row)
                    .await?
                    .into_iter()
                    .next();
                let mut task = Activity::new(ActivityKind::Task, title.clone());
                task.due_at = due;
                if let Some(row) = row {
                    attach(&mut task, row)?;
                }
                let task = self.create_owned(assignee, task).await?;
                Ok(Effect::TaskCreated {
                    task: task.id,
                    assignee,
                    due,
                })
            }
            Action::SetField { field, value } => {
                let row = row.ok_or_else(needs_record)?;
                let kind = row.kind;
                self.edit(row, |json, _| set_field(kind, json, field, value))
                    .await?;
                Ok(Effect::FieldSet {
                    field: field.clone(),
                })
            }
            Action::AddTag { tag } => {
                let row = row.ok_or_else(needs_record)?;
                let tag_id = self.tag_named(tag).await?;
                self.edit(row, move |json, _| {
                    let tags = json
                        .get_mut("tags")
                        .and_then(|t| t.as_array_mut())
                        .ok_or_else(|| {
                            Error::validation("tags", "", "this kind of record has no tags")
                        })?;
                    let id = serde_json::Value::String(tag_id.to_string());
                    if !tags.contains(&id) {
                        tags.push(id);
                    }
                    Ok(())
                })
                .await?;
                Ok(Effect::Tagged { tag: tag.clone() })
            }
            Action::Assign { table } => {
                let row = row.ok_or_else(needs_record)?;
                let facts = target.map(|(_, f)| f).ok_or_else(needs_record)?;
                let table = engine.book().table(table).ok_or_else(|| {
                    Error::Internal(format!("the rule book has no assignment table {table:?}"))
                })?;
                let (owner, reason) = self.assign_with(table, row, facts).await?;
                if let Some(owner) = owner {
                    self.edit(row, move |_, meta| {
                        meta.owner = Some(owner);
                        Ok(())
                    })
                    .await?;
                }
                Ok(Effect::Assigned { owner, reason })
            }
            Action::MoveToPool { pool, reason } => {
                let row = row.ok_or_else(needs_record)?;
                let pool = self.pool_named(pool).await?;
                let reason = reason.clone();
                with_entity!(row.kind, T => {
                    self.give_back::<T>(<T as Entity>::Id::from_uuid(row.id), pool, reason)
                        .await
                        .map(drop)
                })?;
                Ok(Effect::ReturnedToPool { pool })
            }
            Action::Escalate {
                levels,
                template,
                reassign,
            } => {
                let row = row.ok_or_else(needs_record)?;
                let managers = self
                    .recipients(&[Recipient::Manager { levels: *levels }], Some(row))
                    .await?;
                if let (true, Some(&manager)) = (*reassign, managers.first()) {
                    self.edit(row, move |_, meta| {
                        meta.owner = Some(manager);
                        Ok(())
                    })
                    .await?;
                }
                self.notify(&rule.id, template, managers, Some(row), BTreeMap::new())
                    .await
            }
        }
    }

    /// Put a notification for `recipients` in the outbox, raised by rule (or timer) `rule`.
    pub(crate) async fn notify(
        &mut self,
        rule: &str,
        template: &str,
        recipients: Vec<UserId>,
        row: Option<&Row>,
        payload: BTreeMap<String, Value>,
    ) -> Result<Effect> {
        let notification = Notification {
            rule: rule.to_owned(),
            template: template.to_owned(),
            recipients: recipients.clone(),
            object: row.map(|r| r.kind),
            record: row.map(|r| r.id),
            payload,
            delivered_at: None,
        };
        self.create_owned(None, notification).await?;
        Ok(Effect::Notified {
            template: template.to_owned(),
            recipients,
        })
    }

    /// Change the stored record `row` through its JSON and meta, checked as any update.
    async fn edit(
        &mut self,
        row: &Row,
        change: impl FnOnce(&mut serde_json::Value, &mut Meta) -> Result<()>,
    ) -> Result<()> {
        let current = self
            .tx
            .get_row(row.kind, self.actor.tenant, row.id)
            .await?
            .ok_or_else(|| Error::NotFound {
                object: row.kind.as_str(),
                id: row.id.to_string(),
            })?;
        let mut json: serde_json::Value = serde_json::from_str(&current.body)
            .map_err(|e| Error::Internal(format!("stored body is not JSON: {e}")))?;
        let mut meta = current.meta.clone();
        change(&mut json, &mut meta)?;
        with_entity!(row.kind, T => {
            let data: T = serde_json::from_value(json).map_err(|e| {
                Error::validation(row.kind.as_str(), row.id.to_string(), e.to_string())
            })?;
            let record = Record {
                id: <T as Entity>::Id::from_uuid(row.id),
                meta,
                data,
            };
            self.update(record).await.map(drop)
        })
    }

    /// Resolve recipients to users, in order, without repeats.
    async fn recipients(&self, to: &[Recipient], row: Option<&Row>) -> Result<Vec<UserId>> {
        let owner = row.and_then(|r| r.meta.owner);
        let mut users = Vec::new();
        for recipient in to {
            let found = match recipient {
                Recipient::Owner => owner.into_iter().collect(),
                Recipient::User(id) => vec![UserId(*id)],
                Recipient::Manager { levels } => {
                    let mut manager = owner;
                    for _ in 0..*levels {
                        manager = match manager {
                            Some(user) => self.user(user).await?.and_then(|u| u.manager_id),
                            None => None,
                        };
                    }
                    manager.into_iter().collect()
                }
                Recipient::Role(name) => self.role_holders(name, owner).await?,
            };
            for user in found {
                if !users.contains(&user) {
                    users.push(user);
                }
            }
        }
        Ok(users)
    }

    async fn user(&self, id: UserId) -> Result<Option<User>> {
        Ok(self
            .reader()
            .get_any::<User>(self.actor.tenant, id)
            .await?
            .filter(|u| !u.is_deleted())
            .map(|u| u.data))
    }

    /// Users holding role `name` in `owner`'s department or those above it (anywhere when
    /// the owner has no department).
    async fn role_holders(&self, name: &str, owner: Option<UserId>) -> Result<Vec<UserId>> {
        let tenant = self.actor.tenant;
        let roles = self
            .reader()
            .list::<Role>(
                tenant,
                &Query::filter(Predicate::eq("name", name)).unpaged(),
            )
            .await?;
        let role_ids: Vec<Value> = roles.iter().map(|r| r.id.into()).collect();
        if role_ids.is_empty() {
            return Ok(Vec::new());
        }
        let holders = self
            .reader()
            .list::<RoleAssignment>(
                tenant,
                &Query::filter(Predicate::is_in("role", role_ids)).unpaged(),
            )
            .await?;
        let mut chain = BTreeSet::new();
        let mut department = match owner {
            Some(owner) => self.user(owner).await?.and_then(|u| u.department_id),
            None => None,
        };
        let anywhere = department.is_none();
        while let Some(id) = department.filter(|d| chain.insert(*d)) {
            department = self
                .reader()
                .get_any::<Department>(tenant, id)
                .await?
                .and_then(|d| d.data.parent);
        }
        let mut users = Vec::new();
        for holder in holders {
            let user = holder.data.user;
            let Some(profile) = self.user(user).await? else {
                continue;
            };
            let inside = profile.department_id.is_some_and(|d| chain.contains(&d));
            if (anywhere || inside) && profile.active && !users.contains(&user) {
                users.push(user);
            }
        }
        Ok(users)
    }

    /// The tag named `name`, created if missing.
    async fn tag_named(&mut self, name: &str) -> Result<crm_core::id::TagId> {
        let query = Query::filter(Predicate::eq("name", name)).limit(1);
        if let Some(tag) = self
            .reader()
            .list::<Tag>(self.actor.tenant, &query)
            .await?
            .pop()
        {
            return Ok(tag.id);
        }
        let tag = Tag {
            name: name.to_owned(),
            color: None,
        };
        Ok(self.create_owned(None, tag).await?.id)
    }

    /// The pool named `name`.
    async fn pool_named(&self, name: &str) -> Result<PoolId> {
        let query = Query::filter(Predicate::eq("name", name)).limit(1);
        self.reader()
            .list::<crm_core::access::Pool>(self.actor.tenant, &query)
            .await?
            .pop()
            .map(|p| p.id)
            .ok_or_else(|| Error::NotFound {
                object: "pool",
                id: name.to_owned(),
            })
    }
}

/// Attach a task to the record a rule fired on.
fn attach(task: &mut Activity, row: &Row) -> Result<()> {
    let facts = crate::automation::facts::facts_of(row)?;
    let uuid = |field: &str| match facts.get(field) {
        Some(Value::Uuid(id)) => Some(*id),
        _ => None,
    };
    match row.kind {
        ObjectKind::Account => task.account_id = Some(crm_core::id::AccountId(row.id)),
        ObjectKind::Contact => {
            task.contact_id = Some(crm_core::id::ContactId(row.id));
            task.account_id = uuid("account_id").map(crm_core::id::AccountId);
        }
        ObjectKind::Lead => task.lead_id = Some(crm_core::id::LeadId(row.id)),
        ObjectKind::Opportunity => {
            task.opportunity_id = Some(crm_core::id::OpportunityId(row.id));
            task.account_id = uuid("account_id").map(crm_core::id::AccountId);
        }
        _ => {}
    }
    Ok(())
}

/// Set `field` of a record's JSON: a column at its pointer, or a custom field.
fn set_field(
    kind: ObjectKind,
    json: &mut serde_json::Value,
    field: &str,
    value: &Scalar,
) -> Result<()> {
    if let Some(key) = field.strip_prefix("custom.") {
        let custom = match value {
            Scalar::Bool(b) => FieldValue::Bool(*b),
            Scalar::Number(n) => FieldValue::Number(
                n.to_string()
                    .parse()
                    .map_err(|_| Error::validation(field, n.to_string(), "not an exact number"))?,
            ),
            Scalar::Text(t) => FieldValue::Text(t.clone()),
        };
        let custom = serde_json::to_value(custom)
            .map_err(|e| Error::Internal(format!("a field value always serialises: {e}")))?;
        json.as_object_mut()
            .and_then(|o| {
                o.entry("custom")
                    .or_insert_with(|| serde_json::json!({}))
                    .as_object_mut()
            })
            .ok_or_else(|| {
                Error::validation(field, "", "this kind of record has no custom fields")
            })?
            .insert(key.to_owned(), custom);
        return Ok(());
    }
    let column = kind
        .columns()
        .iter()
        .find(|c| c.name == field)
        .ok_or_else(|| Error::validation(field, "", format!("{kind} has no such field")))?;
    let pointer = if column.pointer.is_empty() {
        format!("/{}", column.name)
    } else {
        column.pointer.to_owned()
    };
    let slot = json
        .pointer_mut(&pointer)
        .ok_or_else(|| Error::validation(field, "", "the record has no place for this field"))?;
    *slot = match value {
        Scalar::Bool(b) => serde_json::Value::Bool(*b),
        Scalar::Number(n) => serde_json::Value::Number(n.clone()),
        Scalar::Text(t) => serde_json::Value::String(t.clone()),
    };
    Ok(())
}
