//! # crm: an embeddable CRM engine
//!
//! Customers, contacts, leads, opportunities and follow-ups — validated, versioned and
//! audited — behind storage traits, on the embedded SQLite default or in memory.
//!
//! ```
//! use crm::{Crm, Actor, model::Account, value::{CompanyName, Phone}};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> crm::Result<()> {
//! let crm = Crm::open("memory://").await?;              // or "sqlite://crm.db"
//! let admin = Actor::system(crm::id::TenantId(uuid::Uuid::nil()));
//! let mut account = Account::new(CompanyName::parse("北京华为技术有限公司")?);
//! account.phone = Some(Phone::parse("010-6234 5678")?);
//! let saved = crm.accounts().create(&admin, account).await?;
//! let mut edit = saved.clone();
//! edit.level = Some("A".into());
//! let edited = crm.accounts().update(&admin, edit).await?;   // optimistic: version 1 -> 2
//! assert_eq!(edited.meta.version, 2);
//! assert_eq!(crm.accounts().history(&admin, saved.id).await?.len(), 2);
//! # Ok(()) }
//! ```
//!
//! Every operation takes an [`Actor`]: the tenant it acts in and who acts; every change is
//! checked ([`Entity::check`], custom-field schema, references, tree cycles), stored with
//! optimistic locking and recorded in the audit log in the same transaction.
//! [`Crm::begin`] groups several changes into one [`UnitOfWork`].

use std::collections::{HashMap, HashSet};
use std::marker::PhantomData;
use std::sync::Arc;

mod access_sync;
pub mod automation;
mod conversion;
mod creates;
mod directory_cache;
mod duplicates;
mod enforce;
mod follow_up;
mod forecast;
pub mod import;
mod merging;
mod pipelines;
mod pools;
pub mod review;
mod tickets;
mod views;
mod weekly_report;

pub use conversion::{Converted, LeadConversion, NewDeal};
pub use duplicates::{DuplicateMatch, DuplicatePolicy};
pub use tickets::SLA_TIMER;

pub use crm_core as core;
pub use crm_core::{
    Actor, Entity, Error, ErrorKind, ObjectKind, Principal, Record, Result, audit, clock, dedup,
    fields, id, merge, model, query, record, value,
};
pub use crm_rules as rules;
pub use crm_store as store;

use crm_core::access::{Action, Directory};
use crm_core::audit::AuditEvent;
use crm_core::clock::{Clock, SystemClock};
use crm_core::fields::FieldSchema;
use crm_core::id::{IdGen, RecordId, UserId, UuidV7Gen};
use crm_core::model::{
    Account, Activity, Contact, Department, Lead, Opportunity, Pipeline, StageChange, Tag, Team,
    User,
};
use crm_core::query::{Predicate, Query};
use crm_core::record::Row;
use crm_core::store::{ReadStore, Store, Transaction};

use access_sync::{DIRECTORY_KINDS, derives_access_rows};
use directory_cache::DirectoryCache;
use enforce::Gate;

/// The engine: a store plus the injected clock and id generator.
#[derive(Clone)]
pub struct Crm {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    duplicate_policies: HashMap<ObjectKind, DuplicatePolicy>,
    /// Each tenant's access directory, shared by the engine's clones.
    directories: Arc<DirectoryCache>,
    /// Each tenant's rule book in force, shared by the engine's clones.
    engines: Arc<std::sync::RwLock<HashMap<crm_core::id::TenantId, Arc<crm_rules::Engine>>>>,
}

impl std::fmt::Debug for Crm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Crm").finish_non_exhaustive()
    }
}

impl Crm {
    /// Open the store named by `url` — `memory://`, `sqlite://FILE` (created if missing) or
    /// `sqlite::memory:` — with the system clock and random UUIDv7 ids.
    pub async fn open(url: &str) -> Result<Crm> {
        Ok(Crm::with_store(crm_store::open(url).await?))
    }

    /// An engine over any store, e.g. a host's own implementation of [`Store`].
    pub fn with_store(store: Arc<dyn Store>) -> Crm {
        Crm {
            store,
            clock: Arc::new(SystemClock),
            ids: Arc::new(UuidV7Gen),
            duplicate_policies: HashMap::new(),
            directories: Arc::default(),
            engines: Arc::default(),
        }
    }

    /// This engine with another clock (tests, simulations).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Crm {
        self.clock = clock;
        self
    }

    /// This engine with `policy` for likely duplicates of `kind` (default:
    /// [`DuplicatePolicy::Warn`]).
    pub fn with_duplicate_policy(mut self, kind: ObjectKind, policy: DuplicatePolicy) -> Crm {
        self.duplicate_policies.insert(kind, policy);
        self
    }

    /// The policy for likely duplicates of `kind`.
    pub fn duplicate_policy(&self, kind: ObjectKind) -> DuplicatePolicy {
        self.duplicate_policies
            .get(&kind)
            .copied()
            .unwrap_or_default()
    }

    /// This engine with another id generator (deterministic tests and demos).
    pub fn with_ids(mut self, ids: Arc<dyn IdGen>) -> Crm {
        self.ids = ids;
        self
    }

    /// Close the store, so that a SQLite file holds all its data on its own (no `-wal`
    /// file left beside it). Call it before the process exits.
    pub async fn close(self) -> Result<()> {
        self.store.close().await
    }

    /// Refresh the store's query statistics ([`Store::optimize`]); the import does it after
    /// loading. Worth calling after other bulk changes.
    pub async fn optimize(&self) -> Result<()> {
        self.store.optimize().await
    }

    /// The underlying store.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Start a unit of work for `actor`: several changes committed together or not at all.
    pub async fn begin(&self, actor: &Actor) -> Result<UnitOfWork<'_>> {
        Ok(UnitOfWork {
            crm: self,
            actor: *actor,
            tx: self.store.begin().await?,
            live: HashSet::new(),
            schemas: HashMap::new(),
            by_product: false,
            access_dirty: false,
            directory: None,
            engine: self.rules(actor.tenant),
            touched: Vec::new(),
            touched_ids: HashSet::new(),
        })
    }

    /// The service for records of kind `T`.
    pub fn records<T: Entity>(&self) -> Records<'_, T> {
        Records {
            crm: self,
            kind: PhantomData,
        }
    }

    /// Customer companies.
    pub fn accounts(&self) -> Records<'_, Account> {
        self.records()
    }

    /// People at customers.
    pub fn contacts(&self) -> Records<'_, Contact> {
        self.records()
    }

    /// Prospects.
    pub fn leads(&self) -> Records<'_, Lead> {
        self.records()
    }

    /// Deals.
    pub fn opportunities(&self) -> Records<'_, Opportunity> {
        self.records()
    }

    /// Follow-ups and tasks.
    pub fn activities(&self) -> Records<'_, Activity> {
        self.records()
    }

    /// Sales pipelines; move deals between their stages with [`Crm::move_stage`].
    pub fn pipelines(&self) -> Records<'_, Pipeline> {
        self.records()
    }

    /// The stage history of deals, one record per move.
    pub fn stage_changes(&self) -> Records<'_, StageChange> {
        self.records()
    }

    /// Users.
    pub fn users(&self) -> Records<'_, User> {
        self.records()
    }

    /// Teams.
    pub fn teams(&self) -> Records<'_, Team> {
        self.records()
    }

    /// Departments.
    pub fn departments(&self) -> Records<'_, Department> {
        self.records()
    }

    /// Tags.
    pub fn tags(&self) -> Records<'_, Tag> {
        self.records()
    }

    /// Define (or replace) the tenant's custom fields for `schema.object`. Existing values
    /// are not rewritten; the schema applies to every later create and update.
    pub async fn define_fields(
        &self,
        actor: &Actor,
        schema: FieldSchema,
    ) -> Result<Record<FieldSchema>> {
        let mut uow = self.begin(actor).await?;
        let saved = match uow.field_schema(schema.object).await? {
            Some(mut existing) => {
                existing.data = schema;
                uow.update(existing).await?
            }
            None => uow.create_owned(None, schema).await?,
        };
        uow.commit().await?;
        Ok(saved)
    }

    fn reader(&self) -> &dyn ReadStore {
        self.store.as_ref()
    }
}

/// Several changes by one actor, committed together. Dropped without [`UnitOfWork::commit`],
/// nothing is stored.
pub struct UnitOfWork<'a> {
    crm: &'a Crm,
    actor: Actor,
    tx: Box<dyn Transaction>,
    /// Records this unit stored and left live, or found live: a reference to one needs no
    /// read.
    live: HashSet<(ObjectKind, uuid::Uuid)>,
    /// Custom-field schemas read in this unit, by object; forgotten when one is written.
    schemas: HashMap<ObjectKind, Option<Record<FieldSchema>>>,
    /// Writing the by-products of an operation already checked: access is not enforced.
    by_product: bool,
    /// This unit wrote records a [`Directory`] is built from.
    access_dirty: bool,
    /// The directory this unit's checks use, until it writes one of those records.
    directory: Option<Arc<Directory>>,
    /// The tenant's rule book when the unit began.
    engine: Option<Arc<crm_rules::Engine>>,
    /// Records changed in this unit that rules watch, as they were first touched.
    touched: Vec<(ObjectKind, uuid::Uuid, Option<Row>)>,
    /// The keys of `touched`.
    touched_ids: HashSet<(ObjectKind, uuid::Uuid)>,
}

impl std::fmt::Debug for UnitOfWork<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnitOfWork")
            .field("actor", &self.actor)
            .finish_non_exhaustive()
    }
}

impl UnitOfWork<'_> {
    /// Create a record owned by the acting user (none when the system acts).
    pub async fn create<T: Entity>(&mut self, data: T) -> Result<Record<T>> {
        self.create_owned(self.actor.user_id(), data).await
    }

    /// Create a record owned by `owner` (`None`: unowned, e.g. in the public pool).
    pub async fn create_owned<T: Entity>(
        &mut self,
        owner: Option<UserId>,
        data: T,
    ) -> Result<Record<T>> {
        let mut records = self.create_many(owner, vec![data]).await?;
        records
            .pop()
            .ok_or_else(|| Error::Internal("create stored nothing".into()))
    }

    /// Create many records of one kind owned by `owner`, in batched statements: the fast
    /// path for imports.
    pub async fn create_many<T: Entity>(
        &mut self,
        owner: Option<UserId>,
        data: Vec<T>,
    ) -> Result<Vec<Record<T>>> {
        let with_ids = data.into_iter().map(|d| (self.crm.ids.next(), d)).collect();
        self.create_with_ids(owner, with_ids).await
    }

    /// [`create_many`](Self::create_many) with ids the caller drew from the engine's
    /// generator beforehand (an import plans merges into records it has yet to create).
    pub(crate) async fn create_with_ids<T: Entity>(
        &mut self,
        owner: Option<UserId>,
        data: Vec<(T::Id, T)>,
    ) -> Result<Vec<Record<T>>> {
        let now = self.crm.clock.now();
        let creates = creates::Creates::new(&self.actor, now, owner, data)?;
        self.create_prepared(creates).await
    }

    /// Create a record owned by `owner` and report the stored records it looks like, as the
    /// kind's [`DuplicatePolicy`] says (under `Block`, a likely duplicate is an error; under
    /// `Warn`, the record and those it looks like are queued for review, see
    /// [`review`]).
    pub async fn create_checked<T: Entity>(
        &mut self,
        owner: Option<UserId>,
        data: T,
    ) -> Result<(Record<T>, Vec<DuplicateMatch<T>>)> {
        let found = self.check_duplicates(&data, None).await?;
        let created = self.create_owned(owner, data).await?;
        self.queue_checked(created.id.uuid(), &found).await?;
        Ok((created, found))
    }

    /// [`update`](Self::update) a record and report the stored records it looks like once
    /// changed, as [`create_checked`](Self::create_checked) does; records a person declared
    /// distinct from it are not reported.
    pub async fn update_checked<T: Entity>(
        &mut self,
        record: Record<T>,
    ) -> Result<(Record<T>, Vec<DuplicateMatch<T>>)> {
        let found = self
            .check_duplicates(&record.data, Some(record.id.uuid()))
            .await?;
        let updated = self.update(record).await?;
        self.queue_checked(updated.id.uuid(), &found).await?;
        Ok((updated, found))
    }

    /// The live record `id`, as this unit of work sees it; [`Error::NotFound`] also when the
    /// actor may not read it. Fields the actor sees masked or not at all are cleared (see
    /// [`Records::get`]).
    pub async fn get<T: Entity>(&mut self, id: T::Id) -> Result<Record<T>> {
        let (record, gate) = self.get_stored::<T>(id).await?;
        gate.conceal(record)
    }

    /// The live records `ids`, in that order, as this unit of work sees them, read together
    /// ([`ReadStore::get_rows`]); [`Error::NotFound`] for the first that is missing or that
    /// the actor may not read. Fields are cleared as by [`get`](Self::get).
    pub async fn get_many<T: Entity>(&mut self, ids: &[T::Id]) -> Result<Vec<Record<T>>> {
        let gate = self.gate().await?;
        let uuids: Vec<uuid::Uuid> = ids.iter().map(|id| id.uuid()).collect();
        let rows: HashMap<uuid::Uuid, Row> = self
            .tx
            .get_rows(T::KIND, self.actor.tenant, &uuids)
            .await?
            .into_iter()
            .filter(|row| row.meta.deleted_at.is_none())
            .map(|row| (row.id, row))
            .collect();
        ids.iter()
            .map(|id| {
                let row = rows.get(&id.uuid()).ok_or_else(|| Error::NotFound {
                    object: T::KIND.as_str(),
                    id: id.to_string(),
                })?;
                gate.read(row)?;
                gate.conceal(Record::from_row(row)?)
            })
            .collect()
    }

    /// Store changes to a record read at `record.meta.version`; [`Error::Conflict`] if it
    /// changed since. Returns it as stored (version + 1).
    pub async fn update<T: Entity>(&mut self, record: Record<T>) -> Result<Record<T>> {
        let gate = self.gate().await?;
        let record = self.checked_update(&gate, record).await?;
        let saved = self.save_with_keys(record).await?;
        gate.conceal(saved)
    }

    /// [`update`](Self::update) several records, in fewer statements: the same checks, audit
    /// events and duplicate keys, with the stored versions read, the events appended and the
    /// keys replaced together. Kinds whose saves do more (activities' follow-ups, access rows,
    /// kinds automation rules watch) are updated one by one.
    pub async fn update_many<T: Entity>(
        &mut self,
        records: Vec<Record<T>>,
    ) -> Result<Vec<Record<T>>> {
        if T::KIND == ObjectKind::Activity
            || derives_access_rows(T::KIND)
            || self.rules_watch(T::KIND)
        {
            let mut saved = Vec::with_capacity(records.len());
            for record in records {
                saved.push(self.update(record).await?);
            }
            return Ok(saved);
        }
        let gate = self.gate().await?;
        let mut checked = Vec::with_capacity(records.len());
        for record in records {
            checked.push(self.checked_update(&gate, record).await?);
        }
        let rows = checked
            .iter()
            .map(Record::to_row)
            .collect::<Result<Vec<_>>>()?;
        let stored = self
            .tx
            .save_rows(&self.actor, self.crm.clock.now(), rows)
            .await?;
        let saved: Vec<Record<T>> = checked
            .into_iter()
            .zip(stored)
            .map(|(record, row)| Record {
                meta: row.meta,
                ..record
            })
            .collect();
        for record in &saved {
            self.remember(T::KIND, record.id.uuid(), true);
        }
        self.store_keys(&saved.iter().collect::<Vec<_>>()).await?;
        saved.into_iter().map(|r| gate.conceal(r)).collect()
    }

    /// `record` once it may be stored as a change by this unit of work's actor: live, allowed
    /// by `gate` (fields the actor may not change kept as stored), valid, its owner existing
    /// and, under [`DuplicatePolicy::Block`], no likely duplicate.
    async fn checked_update<T: Entity>(
        &mut self,
        gate: &Gate,
        record: Record<T>,
    ) -> Result<Record<T>> {
        if record.is_deleted() {
            return Err(Error::validation(
                "deleted_at",
                record.id.to_string(),
                "restore a deleted record before changing it",
            ));
        }
        let record = match gate.is_open() {
            true => record,
            false => gate.update(&self.stored_row(T::KIND, record.id.uuid()).await?, record)?,
        };
        let schema = self.field_schema(T::KIND).await?;
        self.validate(
            &record.data,
            schema.as_ref().map(|s| &s.data),
            Some(record.id.uuid()),
        )
        .await?;
        if let Some(owner) = record.meta.owner {
            self.check_exists(crm_core::record::Reference::to(
                "owner",
                ObjectKind::User,
                owner,
            ))
            .await?;
        }
        // Only a blocking policy can change the outcome of a plain update: skip the lookups
        // otherwise.
        if self.crm.duplicate_policy(T::KIND) == DuplicatePolicy::Block {
            self.check_duplicates(&record.data, Some(record.id.uuid()))
                .await?;
        }
        Ok(record)
    }

    /// Store `record` and its blocking keys.
    async fn save_with_keys<T: Entity>(&mut self, record: Record<T>) -> Result<Record<T>> {
        let before_row = match T::KIND == ObjectKind::Activity
            || derives_access_rows(T::KIND)
            || self.rules_watch(T::KIND)
        {
            true => {
                self.tx
                    .get_row(T::KIND, self.actor.tenant, record.id.uuid())
                    .await?
            }
            false => None,
        };
        let before = match T::KIND {
            ObjectKind::Activity => before_row
                .as_ref()
                .map(|row| Record::<Activity>::from_row(row).map(|r| r.data))
                .transpose()?,
            _ => None,
        };
        if self.rules_watch(T::KIND) {
            self.touch(T::KIND, record.id.uuid(), before_row.clone());
        }
        let saved = self
            .tx
            .save(&self.actor, self.crm.clock.now(), record)
            .await?;
        self.remember(T::KIND, saved.id.uuid(), !saved.is_deleted());
        if let Some(activity) = as_activity(&saved)? {
            self.follow_up(before.as_ref(), &activity).await?;
        }
        if derives_access_rows(T::KIND) {
            self.sync_access_rows(before_row.as_ref(), &saved.to_row()?)
                .await?;
        }
        self.store_keys(&[&saved]).await?;
        Ok(saved)
    }

    /// Soft-delete `id`, read at `expected_version`.
    pub async fn delete<T: Entity>(
        &mut self,
        id: T::Id,
        expected_version: u64,
    ) -> Result<Record<T>> {
        let (mut record, gate) = self.get_stored::<T>(id).await?;
        gate.allow(Action::Delete, &record.to_row()?)?;
        record.meta.version = expected_version;
        record.meta.deleted_at = Some(self.crm.clock.now());
        let deleted = self.save_with_keys(record).await?;
        gate.conceal(deleted)
    }

    /// Bring back the soft-deleted `id`, read at `expected_version`.
    pub async fn restore<T: Entity>(
        &mut self,
        id: T::Id,
        expected_version: u64,
    ) -> Result<Record<T>> {
        let mut record = self
            .reader()
            .get_any::<T>(self.actor.tenant, id)
            .await?
            .filter(Record::is_deleted)
            .ok_or_else(|| Error::NotFound {
                object: T::KIND.as_str(),
                id: id.to_string(),
            })?;
        let gate = self.gate().await?;
        gate.allow(Action::Delete, &record.to_row()?)?;
        record.meta.version = expected_version;
        record.meta.deleted_at = None;
        let restored = self.save_with_keys(record).await?;
        gate.conceal(restored)
    }

    /// Make every change of this unit durable and visible.
    pub async fn commit(mut self) -> Result<()> {
        self.run_rules().await?;
        let (crm, tenant, access_changed) = (self.crm, self.actor.tenant, self.access_dirty);
        self.tx.commit().await?;
        if access_changed {
            crm.directories.invalidate(tenant);
        }
        Ok(())
    }

    fn reader(&self) -> &dyn ReadStore {
        self.tx.as_ref()
    }

    /// The custom-field schema of `object`, read once per unit.
    async fn field_schema(&mut self, object: ObjectKind) -> Result<Option<Record<FieldSchema>>> {
        if let Some(known) = self.schemas.get(&object) {
            return Ok(known.clone());
        }
        let schema = field_schema(self.reader(), self.actor.tenant, object).await?;
        self.schemas.insert(object, schema.clone());
        Ok(schema)
    }

    /// Note that this unit stored record `id` of `kind`, live or deleted.
    fn remember(&mut self, kind: ObjectKind, id: uuid::Uuid, live: bool) {
        if kind == ObjectKind::FieldSchema {
            self.schemas.clear();
        }
        if DIRECTORY_KINDS.contains(&kind) {
            self.access_dirty = true;
            self.directory = None;
        }
        if live {
            self.live.insert((kind, id));
        } else {
            self.live.remove(&(kind, id));
        }
    }

    async fn check_exists(&mut self, reference: crm_core::record::Reference) -> Result<()> {
        if self.live.contains(&(reference.kind, reference.id)) {
            return Ok(());
        }
        let row = self
            .tx
            .get_row(reference.kind, self.actor.tenant, reference.id)
            .await?;
        if row.is_some_and(|r| r.meta.deleted_at.is_none()) {
            self.live.insert((reference.kind, reference.id));
            return Ok(());
        }
        Err(Error::validation(
            reference.field,
            reference.id.to_string(),
            format!("no {} with this id", reference.kind),
        ))
    }

    /// Everything a record must satisfy before it is stored.
    async fn validate<T: Entity>(
        &mut self,
        data: &T,
        schema: Option<&FieldSchema>,
        id: Option<uuid::Uuid>,
    ) -> Result<()> {
        data.check()?;
        if let Some(custom) = data.custom_fields() {
            match schema {
                Some(schema) => schema.validate(custom)?,
                None => {
                    if let Some((key, _)) = custom.iter().next() {
                        return Err(Error::validation(
                            format!("custom.{key}"),
                            "",
                            format!("no custom fields are defined for {}", T::KIND),
                        ));
                    }
                }
            }
        }
        for reference in data.references() {
            self.check_exists(reference).await?;
        }
        if let (Some(id), Some(parent)) = (id, data.tree_parent()) {
            self.check_no_cycle::<T>(id, parent).await?;
        }
        Ok(())
    }

    /// Walk up from `parent`; reaching `id` would make the record its own ancestor.
    async fn check_no_cycle<T: Entity>(&self, id: uuid::Uuid, parent: uuid::Uuid) -> Result<()> {
        let mut current = Some(parent);
        let mut steps = 0;
        while let Some(node) = current {
            if node == id {
                return Err(Error::validation(
                    "parent",
                    parent.to_string(),
                    format!("would make this {} its own ancestor", T::KIND),
                ));
            }
            steps += 1;
            if steps > 10_000 {
                return Err(Error::Internal(format!(
                    "{} hierarchy deeper than 10000",
                    T::KIND
                )));
            }
            current = self
                .reader()
                .get_any::<T>(self.actor.tenant, T::Id::from_uuid(node))
                .await?
                .and_then(|r| r.data.tree_parent());
        }
        Ok(())
    }
}

/// CRUD for one kind of record; each write is its own unit of work.
pub struct Records<'a, T> {
    crm: &'a Crm,
    kind: PhantomData<fn() -> T>,
}

impl<T: Entity> Records<'_, T> {
    /// Run `change` in its own unit of work and commit it.
    async fn in_unit<R>(
        &self,
        actor: &Actor,
        change: impl AsyncFnOnce(&mut UnitOfWork<'_>) -> Result<R>,
    ) -> Result<R> {
        let mut uow = self.crm.begin(actor).await?;
        let result = change(&mut uow).await?;
        uow.commit().await?;
        Ok(result)
    }

    /// Create a record owned by the acting user.
    pub async fn create(&self, actor: &Actor, data: T) -> Result<Record<T>> {
        self.create_owned(actor, actor.user_id(), data).await
    }

    /// Create a record owned by `owner`.
    pub async fn create_owned(
        &self,
        actor: &Actor,
        owner: Option<UserId>,
        data: T,
    ) -> Result<Record<T>> {
        self.in_unit(actor, async |uow| uow.create_owned(owner, data).await)
            .await
    }

    /// Create many records in one transaction.
    pub async fn create_many(
        &self,
        actor: &Actor,
        owner: Option<UserId>,
        data: Vec<T>,
    ) -> Result<Vec<Record<T>>> {
        self.in_unit(actor, async |uow| uow.create_many(owner, data).await)
            .await
    }

    /// Create a record owned by the acting user and report the stored records it looks like
    /// (see [`DuplicatePolicy`]).
    pub async fn create_checked(
        &self,
        actor: &Actor,
        data: T,
    ) -> Result<(Record<T>, Vec<DuplicateMatch<T>>)> {
        self.in_unit(actor, async |uow| {
            uow.create_checked(actor.user_id(), data).await
        })
        .await
    }

    /// Store changes to a record and report the stored records it looks like once changed
    /// (see [`UnitOfWork::update_checked`]).
    pub async fn update_checked(
        &self,
        actor: &Actor,
        record: Record<T>,
    ) -> Result<(Record<T>, Vec<DuplicateMatch<T>>)> {
        self.in_unit(actor, async |uow| uow.update_checked(record).await)
            .await
    }

    /// Stored records that look like `data`, most likely first, with explanations: for a
    /// "this customer may already exist" prompt before saving.
    /// Only records the actor may read are reported, concealed like [`Records::get`].
    pub async fn duplicates_of(&self, actor: &Actor, data: &T) -> Result<Vec<DuplicateMatch<T>>> {
        let gate = self.crm.gate(actor).await?;
        let found =
            duplicates::find_duplicates(self.crm.reader(), actor.tenant, data, None).await?;
        let mut readable = Vec::with_capacity(found.len());
        for mut found in found {
            if gate.read(&found.record.to_row()?).is_ok() {
                found.record = gate.conceal(found.record)?;
                readable.push(found);
            }
        }
        Ok(readable)
    }

    /// The live record `id`, or [`Error::NotFound`] — also when the actor may not read it.
    ///
    /// A typed record cannot hold a masked value, so every field the actor sees masked or
    /// not at all (in any [`Context`](crm_core::access::Context)) comes back cleared: `None`,
    /// or absent from the custom fields. Sending such a record back through
    /// [`Records::update`] keeps the stored values of those fields. [`Records::view`] shows
    /// the masked text.
    pub async fn get(&self, actor: &Actor, id: T::Id) -> Result<Record<T>> {
        let (row, gate) = self.readable_row(actor, id).await?;
        gate.typed(&row)
    }

    /// Store changes to a record read at `record.meta.version`.
    pub async fn update(&self, actor: &Actor, record: Record<T>) -> Result<Record<T>> {
        self.in_unit(actor, async |uow| uow.update(record).await)
            .await
    }

    /// Soft-delete `id`, read at `expected_version`.
    pub async fn delete(
        &self,
        actor: &Actor,
        id: T::Id,
        expected_version: u64,
    ) -> Result<Record<T>> {
        self.in_unit(actor, async |uow| {
            uow.delete::<T>(id, expected_version).await
        })
        .await
    }

    /// Restore the soft-deleted `id`, read at `expected_version`.
    pub async fn restore(
        &self,
        actor: &Actor,
        id: T::Id,
        expected_version: u64,
    ) -> Result<Record<T>> {
        self.in_unit(actor, async |uow| {
            uow.restore::<T>(id, expected_version).await
        })
        .await
    }

    /// The records matching `query` that the actor may read (their access plan is part of
    /// the store's query), concealed like [`Records::get`].
    pub async fn list(&self, actor: &Actor, query: &Query) -> Result<Vec<Record<T>>> {
        let (rows, gate) = self.readable_rows(actor, query).await?;
        rows.iter().map(|row| gate.typed(row)).collect()
    }

    /// How many records match `query` among those the actor may read.
    pub async fn count(&self, actor: &Actor, query: &Query) -> Result<u64> {
        let gate = self.crm.gate(actor).await?;
        match gate.scoped(T::KIND, query) {
            Some(query) => self.crm.reader().count::<T>(actor.tenant, &query).await,
            None => Ok(0),
        }
    }

    /// The audit trail of `id`, oldest first; [`Error::NotFound`] if the actor may not read
    /// the record. Changes of fields the actor sees masked or not at all are left out.
    pub async fn history(&self, actor: &Actor, id: T::Id) -> Result<Vec<AuditEvent>> {
        let gate = self.crm.gate(actor).await?;
        let row = self
            .crm
            .reader()
            .get_row(T::KIND, actor.tenant, id.uuid())
            .await?
            .ok_or_else(|| Error::NotFound {
                object: T::KIND.as_str(),
                id: id.to_string(),
            })?;
        gate.read(&row)?;
        let events = self
            .crm
            .store
            .audit_trail(actor.tenant, T::KIND, id.uuid())
            .await?;
        Ok(gate.conceal_changes(T::KIND, events))
    }
}

/// `record` as an activity, when it is one.
pub(crate) fn as_activity<T: Entity>(record: &Record<T>) -> Result<Option<Record<Activity>>> {
    match T::KIND {
        ObjectKind::Activity => Record::from_row(&record.to_row()?).map(Some),
        _ => Ok(None),
    }
}

/// The next `limit` records in id order after `after` (from the first when `None`): one page
/// of a walk through every record that stays right while records are added.
pub(crate) fn page_after(after: Option<uuid::Uuid>, limit: u64) -> Query {
    after
        .map_or_else(Query::all, |id| Query::filter(Predicate::gt("id", id)))
        .sort(crm_core::query::Sort::asc("id"))
        .limit(limit)
}

/// The custom-field schema of `object` in `tenant`, if one is defined.
async fn field_schema(
    reader: &dyn ReadStore,
    tenant: crm_core::id::TenantId,
    object: ObjectKind,
) -> Result<Option<Record<FieldSchema>>> {
    let query = Query::filter(Predicate::eq("object", object.as_str())).limit(1);
    let mut found = reader.list::<FieldSchema>(tenant, &query).await?;
    Ok(found.pop())
}
