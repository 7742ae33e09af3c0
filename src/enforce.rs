//! Access enforced in one place: a [`Gate`] — the acting user, the instant and the tenant's
//! [`Directory`] — that every facade read and write goes through.
//!
//! - Reads: a record the user may not read is [`Error::NotFound`], so its existence does
//!   not leak; lists and counts AND the user's [`Directory::plan`] into the query's filter,
//!   so the store's `WHERE` does the filtering (nothing is filtered after the query).
//! - Writes: create, update, delete (and restore), merge and transfer (an owner change) are
//!   checked with [`Directory::check`]; a denied write of a readable record is
//!   [`Error::PermissionDenied`] naming the action and the record. Changed fields must be
//!   editable ([`Directory::check_writable`]).
//! - Output: a typed [`Record`] cannot hold a masked phone, so typed records come back with
//!   every field the user sees only masked or not at all (in any [`Context`]) cleared —
//!   `None`, or absent from the custom fields. An update that leaves such a cleared field
//!   cleared keeps the stored value. [`Records::view`](crate::Records::view) shows the masked
//!   text instead.
//!
//! The system principal passes every gate unchanged, and so do the by-products of an
//! operation already checked (a merge's re-pointed links, a stage move's history).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use crm_core::access::{Action, Context, Directory, FieldAccess, Redacted};
use crm_core::aggregate::{Aggregate, Group};
use crm_core::audit::AuditEvent;
use crm_core::id::RecordId;
use crm_core::query::{Predicate, Query};
use crm_core::record::Row;
use serde_json::{Map, Value as Json};

use crate::{Actor, Entity, Error, ObjectKind, Principal, Record, Result};

/// What one actor may do at one instant.
#[derive(Debug, Clone)]
pub(crate) struct Gate {
    actor: Actor,
    now: DateTime<Utc>,
    /// `None`: everything is allowed (the system, or a by-product).
    directory: Option<Arc<Directory>>,
}

impl Gate {
    /// A gate that lets everything through.
    pub(crate) fn open(actor: Actor, now: DateTime<Utc>) -> Gate {
        Gate {
            actor,
            now,
            directory: None,
        }
    }

    /// A gate for `actor` by `directory`; the system passes anyway.
    pub(crate) fn guarded(actor: Actor, now: DateTime<Utc>, directory: Arc<Directory>) -> Gate {
        let directory = match actor.principal {
            Principal::System => None,
            Principal::User(_) => Some(directory),
        };
        Gate {
            actor,
            now,
            directory,
        }
    }

    /// Whether every action is allowed and nothing is concealed.
    pub(crate) fn is_open(&self) -> bool {
        self.directory.is_none()
    }

    /// `Ok` if the actor may read `row`, else [`Error::NotFound`].
    pub(crate) fn read(&self, row: &Row) -> Result<()> {
        match &self.directory {
            None => Ok(()),
            Some(d) => d
                .check(&self.actor, Action::Read, row, self.now)
                .or_not_found(row.kind, row.id),
        }
    }

    /// `Ok` if the actor may do `action` to `row`: [`Error::NotFound`] when they may not
    /// even read a stored record, else [`Error::PermissionDenied`] when the action is
    /// denied.
    pub(crate) fn allow(&self, action: Action, row: &Row) -> Result<()> {
        let Some(d) = &self.directory else {
            return Ok(());
        };
        if action != Action::Create {
            self.read(row)?;
        }
        d.check(&self.actor, action, row, self.now)
            .require(action, row.kind, row.id)
    }

    /// `query` narrowed to the records of `kind` the actor may read; `None` when that is
    /// none at all.
    pub(crate) fn scoped(&self, kind: ObjectKind, query: &Query) -> Option<Query> {
        let Some(d) = &self.directory else {
            return Some(query.clone());
        };
        let allowed = match d.plan(&self.actor, Action::Read, kind, self.now) {
            crm_core::access::Plan::AlwaysDenied => return None,
            plan => plan.into_predicate(),
        };
        let mut scoped = query.clone();
        scoped.filter = Some(match scoped.filter.take() {
            None => allowed,
            Some(filter) => Predicate::And {
                all: vec![filter, allowed],
            },
        });
        Some(scoped)
    }

    /// Whether the actor sees `field` of `kind` masked or not at all in some context.
    fn conceals(&self, directory: &Directory, kind: ObjectKind, field: &str) -> bool {
        Context::ALL.into_iter().any(|context| {
            matches!(
                directory.field_access(&self.actor, kind, field, context),
                FieldAccess::Hidden | FieldAccess::Masked { .. }
            )
        })
    }

    /// Whether the actor sees `field` of `kind` unmasked in every context.
    pub(crate) fn sees(&self, kind: ObjectKind, field: &str) -> bool {
        self.directory
            .as_ref()
            .is_none_or(|d| !self.conceals(d, kind, field))
    }

    /// `record` with every field the actor may not see unmasked cleared. A record whose
    /// required field would be cleared cannot be typed: [`Error::PermissionDenied`].
    pub(crate) fn conceal<T: Entity>(&self, record: Record<T>) -> Result<Record<T>> {
        let Some(d) = &self.directory else {
            return Ok(record);
        };
        let row = record.to_row()?;
        let mut body = body_of(&row)?;
        let concealed: Vec<String> = field_names(&body)
            .into_iter()
            .filter(|f| self.conceals(d, row.kind, f))
            .collect();
        if concealed.is_empty() {
            return Ok(record);
        }
        for field in &concealed {
            put(&mut body, field, Json::Null);
        }
        let cleared = Row::from_stored(row.kind, row.id, row.meta, Json::Object(body).to_string())?;
        Record::from_row(&cleared).map_err(|_| Error::PermissionDenied {
            action: Action::Read.to_string(),
            object: format!("{} {}", row.kind, row.id),
            reason: format!(
                "a required field among {} is hidden or masked for this user: read it as a view",
                concealed.join(", ")
            ),
        })
    }

    /// `events` without the changes of fields of `kind` the actor may not see unmasked.
    pub(crate) fn conceal_changes(
        &self,
        kind: ObjectKind,
        mut events: Vec<AuditEvent>,
    ) -> Vec<AuditEvent> {
        if let Some(d) = &self.directory {
            for event in &mut events {
                event.changes.retain(|c| !self.conceals(d, kind, &c.field));
            }
        }
        events
    }

    /// The typed record stored as `row`, concealed for the actor.
    pub(crate) fn typed<T: Entity>(&self, row: &Row) -> Result<Record<T>> {
        self.conceal(Record::from_row(row)?)
    }

    /// `row` as the actor may see it in `context`.
    pub(crate) fn view(&self, context: Context, row: &Row) -> Result<Redacted> {
        match &self.directory {
            Some(d) => d.redact(&self.actor, context, row),
            None => Ok(Redacted {
                kind: row.kind,
                id: row.id,
                meta: row.meta.clone(),
                fields: body_of(row)?,
                read_only: Default::default(),
            }),
        }
    }

    /// Check an update of the record stored as `stored` to `record`: the actor may update
    /// it (and transfer it, when the owner changes) and change every changed field. A field
    /// the actor sees concealed and sends back cleared keeps its stored value.
    pub(crate) fn update<T: Entity>(&self, stored: &Row, record: Record<T>) -> Result<Record<T>> {
        let Some(d) = &self.directory else {
            return Ok(record);
        };
        self.allow(Action::Update, stored)?;
        if stored.meta.owner != record.meta.owner {
            self.allow(Action::Transfer, stored)?;
        }
        let row = record.to_row()?;
        let before = body_of(stored)?;
        let mut after = body_of(&row)?;
        let mut fields = field_names(&before);
        fields.extend(field_names(&after));
        fields.sort_unstable();
        fields.dedup();
        let (mut changed, mut kept) = (Vec::new(), false);
        for field in fields {
            let old = get(&before, &field).unwrap_or(&Json::Null);
            let new = get(&after, &field).unwrap_or(&Json::Null);
            if old == new {
                continue;
            }
            if new.is_null() && self.conceals(d, row.kind, &field) {
                put(&mut after, &field, old.clone());
                kept = true;
            } else {
                changed.push(field);
            }
        }
        d.check_writable(&self.actor, row.kind, changed.iter().map(String::as_str))?;
        if !kept {
            return Ok(record);
        }
        let restored =
            Row::from_stored(row.kind, row.id, row.meta, Json::Object(after).to_string())?;
        Record::from_row(&restored)
    }
}

fn body_of(row: &Row) -> Result<Map<String, Json>> {
    serde_json::from_str(&row.body).map_err(|e| {
        Error::Internal(format!(
            "{} {} body is not a JSON object: {e}",
            row.kind, row.id
        ))
    })
}

/// The field names of a body as field rules name them: `phone`, `custom.budget`.
fn field_names(body: &Map<String, Json>) -> Vec<String> {
    let mut names = Vec::new();
    for (key, value) in body {
        match value.as_object().filter(|_| key == "custom") {
            Some(custom) => names.extend(custom.keys().map(|k| format!("custom.{k}"))),
            None => names.push(key.clone()),
        }
    }
    names
}

fn get<'a>(body: &'a Map<String, Json>, field: &str) -> Option<&'a Json> {
    match field.split_once('.') {
        Some((outer, key)) => body.get(outer)?.as_object()?.get(key),
        None => body.get(field),
    }
}

/// Set `field`; a custom field set to null is removed (custom values are never null).
fn put(body: &mut Map<String, Json>, field: &str, value: Json) {
    match field.split_once('.') {
        Some((outer, key)) => {
            let inner = body
                .entry(outer)
                .or_insert_with(|| Json::Object(Map::new()));
            if let Some(inner) = inner.as_object_mut() {
                if value.is_null() {
                    inner.remove(key);
                } else {
                    inner.insert(key.to_owned(), value);
                }
            }
        }
        None => {
            body.insert(field.to_owned(), value);
        }
    }
}

impl crate::Crm {
    /// The gate of `actor` outside a unit of work, on the committed state.
    pub(crate) async fn gate(&self, actor: &Actor) -> Result<Gate> {
        let now = self.clock.now();
        if actor.principal == Principal::System {
            return Ok(Gate::open(*actor, now));
        }
        let directory = self.directories.get(self.reader(), actor.tenant).await?;
        Ok(Gate::guarded(*actor, now, directory))
    }

    /// `aggregate` over the records of `kind` the actor may read: the read plan goes into
    /// the store's `WHERE` like a list's. Nothing readable: no groups.
    pub(crate) async fn readable_aggregate(
        &self,
        actor: &Actor,
        kind: ObjectKind,
        mut aggregate: Aggregate,
    ) -> Result<Vec<Group>> {
        match self.gate(actor).await?.scoped(kind, &aggregate.query) {
            Some(query) => {
                aggregate.query = query;
                self.reader()
                    .aggregate(kind, actor.tenant, &aggregate)
                    .await
            }
            None => Ok(Vec::new()),
        }
    }

    /// The records of `kind` the actor may read, as a predicate on that kind (`False` for
    /// none): for sub-selects that follow a link to them.
    pub(crate) async fn readable(&self, actor: &Actor, kind: ObjectKind) -> Result<Predicate> {
        Ok(match self.gate(actor).await?.scoped(kind, &Query::all()) {
            Some(query) => query.filter.unwrap_or(Predicate::True),
            None => Predicate::False,
        })
    }
}

impl crate::UnitOfWork<'_> {
    /// The gate of this unit's actor. A directory changed in this unit is rebuilt from
    /// what the unit sees; otherwise the engine's cached one serves, or one built in the
    /// transaction (not cached: it may hold what others have yet to see).
    pub(crate) async fn gate(&mut self) -> Result<Gate> {
        let now = self.crm.clock.now();
        if self.by_product || self.actor.principal == Principal::System {
            return Ok(Gate::open(self.actor, now));
        }
        let directory = match &self.directory {
            Some(known) => known.clone(),
            None => {
                let cached = (!self.access_dirty)
                    .then(|| self.crm.directories.cached(self.actor.tenant))
                    .flatten();
                let directory = match cached {
                    Some(found) => found,
                    None => Arc::new(
                        crate::directory_cache::build(self.reader(), self.actor.tenant).await?,
                    ),
                };
                self.directory = Some(directory.clone());
                directory
            }
        };
        Ok(Gate::guarded(self.actor, now, directory))
    }

    /// Run `work` as the by-product of an operation already checked: unchecked.
    pub(crate) async fn as_by_product<R>(
        &mut self,
        work: impl AsyncFnOnce(&mut Self) -> Result<R>,
    ) -> Result<R> {
        let was = std::mem::replace(&mut self.by_product, true);
        let result = work(self).await;
        self.by_product = was;
        result
    }

    /// The live record `id` as stored, if the actor may read it (else
    /// [`Error::NotFound`]), with the gate that allowed it.
    pub(crate) async fn get_stored<T: Entity>(&mut self, id: T::Id) -> Result<(Record<T>, Gate)> {
        let gate = self.gate().await?;
        let row = self.stored_row(T::KIND, id.uuid()).await?;
        gate.read(&row)?;
        Ok((Record::from_row(&row)?, gate))
    }

    /// The live row `id` of `kind`, or [`Error::NotFound`].
    pub(crate) async fn stored_row(&self, kind: ObjectKind, id: uuid::Uuid) -> Result<Row> {
        self.tx
            .get_row(kind, self.actor.tenant, id)
            .await?
            .filter(|row| row.meta.deleted_at.is_none())
            .ok_or_else(|| Error::NotFound {
                object: kind.as_str(),
                id: id.to_string(),
            })
    }
}
