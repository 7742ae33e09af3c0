//! Records to create, worked out before their transaction.
//!
//! What creating records writes besides them — their storage rows, audit events and duplicate
//! keys — depends on the records alone. A bulk writer (the importer) builds it outside the
//! transaction, on a core that is free while the next batch is planned, and hands it to
//! [`UnitOfWork::create_prepared`], which checks and stores it.

use chrono::{DateTime, Utc};
use crm_core::access::Action;
use crm_core::audit::AuditEvent;
use crm_core::id::{RecordId, UserId};
use crm_core::record::{Record, Row};
use crm_core::store::creation_events;
use uuid::Uuid;

use crate::access_sync::derives_access_rows;
use crate::duplicates::duplicate_keys;
use crate::{Actor, DuplicatePolicy, Entity, Error, ObjectKind, Result, UnitOfWork, as_activity};

/// Records of one kind and owner to create as one actor, with everything storing them writes.
pub(crate) struct Creates<T: Entity> {
    actor: Actor,
    owner: Option<UserId>,
    records: Vec<Record<T>>,
    rows: Vec<Row>,
    events: Vec<AuditEvent>,
    keys: Option<Vec<(Uuid, Vec<String>)>>,
}

impl<T: Entity> Creates<T> {
    /// `data` (with ids drawn from the engine's generator) to be created by `actor` at `at`,
    /// owned by `owner`.
    pub(crate) fn new(
        actor: &Actor,
        at: DateTime<Utc>,
        owner: Option<UserId>,
        data: Vec<(T::Id, T)>,
    ) -> Result<Creates<T>> {
        let records: Vec<Record<T>> = data
            .into_iter()
            .map(|(id, item)| Record::new(id, actor.tenant, owner, at, item))
            .collect();
        let rows = records
            .iter()
            .map(Record::to_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Creates {
            actor: *actor,
            owner,
            events: creation_events(actor, at, &rows)?,
            keys: duplicate_keys(records.iter()),
            records,
            rows,
        })
    }
}

impl UnitOfWork<'_> {
    /// Check and store records prepared by [`Creates::new`] for this unit of work's actor: the
    /// owner must exist, the actor may create each record, each is valid (and, under
    /// [`DuplicatePolicy::Block`], no likely duplicate); then rows, audit events and duplicate
    /// keys are written in batched statements.
    pub(crate) async fn create_prepared<T: Entity>(
        &mut self,
        creates: Creates<T>,
    ) -> Result<Vec<Record<T>>> {
        let Creates {
            actor,
            owner,
            records,
            rows,
            events,
            keys,
        } = creates;
        if actor != self.actor {
            return Err(Error::Internal(format!(
                "records prepared for {} stored by {}",
                actor.principal, self.actor.principal
            )));
        }
        if let Some(owner) = owner {
            self.check_exists(crm_core::record::Reference::to(
                "owner",
                ObjectKind::User,
                owner,
            ))
            .await?;
        }
        let schema = self.field_schema(T::KIND).await?;
        let blocking = self.crm.duplicate_policy(T::KIND) == DuplicatePolicy::Block;
        let gate = self.gate().await?;
        for (record, row) in records.iter().zip(&rows) {
            gate.allow(Action::Create, row)?;
            self.validate(&record.data, schema.as_ref().map(|s| &s.data), None)
                .await?;
            if blocking {
                self.check_duplicates(&record.data, None).await?;
            }
        }
        self.tx.insert_rows(&rows).await?;
        self.tx.append_audit(&events).await?;
        for (record, row) in records.iter().zip(&rows) {
            self.remember(T::KIND, record.id.uuid(), true);
            self.touch(T::KIND, record.id.uuid(), None);
            if let Some(activity) = as_activity(record)? {
                self.follow_up(None, &activity).await?;
            }
            if derives_access_rows(T::KIND) {
                self.sync_access_rows(None, row).await?;
            }
        }
        if let Some(keys) = keys {
            self.tx.set_keys(T::KIND, self.actor.tenant, &keys).await?;
        }
        records.into_iter().map(|r| gate.conceal(r)).collect()
    }
}
