//! Importing customers from Excel and CSV files into the store: read, map, clean, plan
//! against the file itself and the store, then commit in batched transactions — each batch
//! written on its own task while the next one is planned.
//!
//! Each row becomes a customer (account) and, when it names one, its contact person. A row
//! that surely is a customer already known — stored before, or created by an earlier row: in
//! the match zone of [`crm_core::dedup::Zones`], which company names that share no brand never
//! reach, whatever contact, phone or address they share — is merged into it (empty fields
//! filled, its contact added), skipped when it adds nothing, or handled as [`OnDuplicate`]
//! says. A row that only possibly is one is created and reported for a person to decide
//! (`create_for_review`), never merged or skipped on a guess. Every row read ends in exactly
//! one of created, merged, skipped or rejected; rejected rows go to the rejects file with
//! their reason.
//!
//! The planner matches rows in memory: it indexes the stored customers before the first row
//! (up to [`ImportOptions::preload_limit`]; above it, rows are looked up in the store's
//! duplicate keys) and every customer the file creates. Of each customer it keeps those index
//! entries and which fields hold something (a [`Shape`], shared by the customers filling the
//! same fields), enough to decide whether a row adds to it; the records themselves are held
//! only by the batch that writes them. Memory grows with the number of distinct customers,
//! not with the file's bytes.

use std::collections::HashMap;
use std::fs::File;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Instant;

use crm_core::access::Action;
use crm_core::dedup::prepare::Prepared;
use crm_core::dedup::{DedupIndex, Deduper, Explanation, Match, Zone};
use crm_core::fields::FieldDef;
use crm_core::id::{AccountId, ContactId, RecordId, TagId, UserId};
use crm_core::model::{Account, Activity, ActivityKind, Contact, Tag, User};
use crm_core::value::{Email, Phone};
use crm_import::clean::{CellError, CleanRow, Cleaner, Strictness};
use crm_import::filled::{Shape, Shapes};
use crm_import::mapping::{Mapping, Override};
use crm_import::plan::{Decision, MatchFound, OnDuplicate, fill_gaps, match_cells, match_fields};
use crm_import::progress::{CancelToken, Phase, Progress};
use crm_import::read::{RawRow, ReadOptions, RowError};
use crm_import::rejects::RejectsWriter;
use crm_import::report::{ImportReport, RowOutcome, Stopped};
use crm_import::target::Target;
use tokio::task::JoinHandle;
use uuid::Uuid;

pub use crm_import::{clean, filled, mapping, plan, progress, read, rejects, report, target};

use crate::creates::Creates;
use crate::duplicates::key_holders;
use crate::enforce::Gate;
use crate::query::Sort;
use crate::review::{DuplicateGroup, GroupSource, PairEvidence};
use crate::{
    Actor, Crm, DuplicatePolicy, Error, ObjectKind, Predicate, Query, Record, Result, UnitOfWork,
    page_after,
};

/// How many rejections the report lists (the rejects file has them all).
const REPORTED_REJECTIONS: usize = 100;

/// Stored accounts indexed per statement by [`Importer::preload`].
const PRELOAD_PAGE: u64 = 5000;

/// What [`Crm::import_file`] is asked to do.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Sheet, encoding, delimiter, header row: what detection should not guess.
    pub read: ReadOptions,
    /// Column overrides by header, applied before header inference.
    pub overrides: Vec<(String, Override)>,
    /// Reject rows with any invalid value, or keep invalid optional values in the note.
    pub strictness: Strictness,
    /// What to do with a row that adds something to a known customer.
    pub on_duplicate: OnDuplicate,
    /// Plan and report without writing anything.
    pub dry_run: bool,
    /// Rows per transaction (the first holds at most 10,000, so that writing starts early).
    /// Where the store keeps every index during the import (a file small next to the data
    /// already stored), larger batches write each index page fewer times (a SQLite commit
    /// writes every page it changed). With the indexes deferred
    /// ([`crm_core::store::Store::begin_bulk_load`]) the size matters little: 1,000,000
    /// generated rows into a fresh file took 76 s in batches of 20,000 and 77 s in batches
    /// of 50,000.
    pub batch_size: usize,
    /// Where to write rejected rows (CSV, UTF-8 with BOM).
    pub rejects: Option<PathBuf>,
    /// Whether the report lists the decision for every row.
    pub keep_plan: bool,
    /// Stops the import between batches when cancelled.
    pub cancel: CancelToken,
    /// Stored customers up to which the planner indexes them all in memory before the first
    /// row, so rows match against them without a query (a stored customer's record is read
    /// only when a row matches it). Above it, each row that matches nothing in the file is
    /// looked up in the store's duplicate keys instead: slower, but memory stays that of the
    /// file.
    pub preload_limit: u64,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            read: ReadOptions::default(),
            overrides: Vec::new(),
            strictness: Strictness::default(),
            on_duplicate: OnDuplicate::default(),
            dry_run: false,
            batch_size: 50_000,
            rejects: None,
            keep_plan: false,
            cancel: CancelToken::new(),
            preload_limit: 1_000_000,
        }
    }
}

impl Crm {
    /// Import the customers in the CSV or workbook at `path` as `actor`, calling `progress`
    /// after each batch. Returns the report; a file that cannot be read or mapped at all is an
    /// [`Error::Validation`] naming the file or column.
    ///
    /// ```no_run
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> crm::Result<()> {
    /// use crm::import::ImportOptions;
    /// let crm = crm::Crm::open("sqlite://crm.db").await?;
    /// let admin = crm::Actor::system(crm::id::TenantId(uuid::Uuid::nil()));
    /// let options = ImportOptions { dry_run: true, ..ImportOptions::default() };
    /// let report = crm.import_file(&admin, "客户名单.xlsx", options, |_| {}).await?;
    /// assert!(report.accounts_for_every_row());
    /// # Ok(()) }
    /// ```
    pub async fn import_file(
        &self,
        actor: &Actor,
        path: impl AsRef<Path>,
        options: ImportOptions,
        progress: impl FnMut(Progress),
    ) -> Result<ImportReport> {
        let path = path.as_ref();
        let started = Instant::now();
        let file = path.display().to_string();
        let mut table = crm_import::read::open(path, &options.read)
            .map_err(|e| Error::validation("file", &file, e.to_string()))?;
        let custom = self.custom_fields(actor).await?;
        let mapping = Mapping::infer(&table.layout.headers, &custom, &options.overrides)
            .map_err(|e| Error::validation("mapping", &file, e.to_string()))?;
        let mut rejects = match &options.rejects {
            Some(out) => Some(rejects_writer(out, &table.layout.headers)?),
            None => None,
        };
        let stored = self
            .reader()
            .count::<Account>(actor.tenant, &Query::all())
            .await?;
        let mut report =
            ImportReport::new(file, options.dry_run, table.layout.clone(), mapping.clone());
        report.rejects_file = options.rejects.as_ref().map(|p| p.display().to_string());
        let mut importer = Importer {
            crm: self,
            actor,
            cleaner: Cleaner::new(&mapping, &custom, options.strictness),
            owners: Owners::load(self, actor).await?,
            tags: self
                .tags()
                .list(actor, &Query::all().unpaged())
                .await?
                .into_iter()
                .map(|t| (t.data.name.clone(), t.id))
                .collect(),
            index: DedupIndex::with_prior_model(Deduper::new(match_fields())),
            customers: Customers::default(),
            shapes: Shapes::default(),
            look_up_store: stored > options.preload_limit,
            bulk_load: false,
            gate: self.gate(actor).await?,
            foreign: HashMap::new(),
            options: &options,
        };
        if stored > 0 && !importer.look_up_store {
            importer.preload().await?;
        }
        let outcome = importer
            .run(&mut table, &mut report, rejects.as_mut(), progress)
            .await;
        // The planner's memory (every customer it met, its duplicate index) is freed before
        // the store rebuilds its indexes (it takes tens of milliseconds for a million rows).
        let bulk_load = importer.bulk_load;
        drop(importer);
        // Rebuilt whatever happened: a failed batch leaves the committed ones in place.
        let rebuilt = match bulk_load {
            true => self.store.end_bulk_load().await,
            false => Ok(()),
        };
        outcome?;
        rebuilt?;
        if !options.dry_run && report.created + report.merged > 0 {
            // A bulk load changes the data's shape: let the store re-plan its queries.
            self.optimize().await?;
        }
        if let Some(writer) = rejects {
            writer
                .finish()
                .map_err(|e| Error::storage("write the rejects file", e))?;
        }
        report.seconds = started.elapsed().as_secs_f64();
        Ok(report)
    }

    async fn custom_fields(&self, actor: &Actor) -> Result<Vec<FieldDef>> {
        let schema = crate::field_schema(self.reader(), actor.tenant, ObjectKind::Account).await?;
        Ok(schema.map(|s| s.data.fields).unwrap_or_default())
    }
}

fn rejects_writer(out: &Path, headers: &[String]) -> Result<RejectsWriter<BufWriter<File>>> {
    let context = || format!("create the rejects file {}", out.display());
    let file = File::create(out).map_err(|e| Error::storage(context(), e))?;
    RejectsWriter::new(BufWriter::new(file), headers).map_err(|e| Error::storage(context(), e))
}

/// The salespeople a row may name as owner, by name, email or mobile.
struct Owners(HashMap<String, Vec<UserId>>);

impl Owners {
    async fn load(crm: &Crm, actor: &Actor) -> Result<Owners> {
        let mut by_key: HashMap<String, Vec<UserId>> = HashMap::new();
        for user in crm.users().list(actor, &Query::all().unpaged()).await? {
            let User {
                name,
                email,
                mobile,
                ..
            } = &user.data;
            let keys = [
                Some(name.to_string()),
                email.as_ref().map(ToString::to_string),
                mobile.as_ref().map(Phone::canonical),
            ];
            for key in keys.into_iter().flatten() {
                by_key.entry(key).or_default().push(user.id);
            }
        }
        Ok(Owners(by_key))
    }

    /// The user `written` names, or why none.
    fn resolve(&self, written: &str) -> std::result::Result<UserId, String> {
        let key = Email::parse(written)
            .map(|e| e.to_string())
            .or_else(|_| Phone::parse(written).map(|p| p.canonical()))
            .unwrap_or_else(|_| written.trim().to_owned());
        match self.0.get(&key).map(Vec::as_slice) {
            Some([one]) => Ok(*one),
            Some(several) => Err(format!(
                "{} users are called this; name the owner by email or mobile",
                several.len()
            )),
            None => Err("no user of this name, email or mobile".into()),
        }
    }
}

/// A customer the file touches, as the planner needs it: which of its fields hold something
/// and who its contacts are, not its records. Those stay in the store, or, while the batch
/// being planned creates them, in the batch.
struct Customer {
    /// The account's filled fields, with the rows planned so far.
    account: Shape,
    account_written: Written,
    contacts: Vec<KnownContact>,
    owner: Option<UserId>,
    first_row: Option<u64>,
    /// The [`text_hash`]es of the notes rows added to it.
    notes: Vec<u64>,
    /// Whether the batch being planned lists it among those it writes.
    in_batch: bool,
}

impl Customer {
    /// Its records count as written from here on: the batch being planned was handed over.
    fn settle(&mut self) {
        self.in_batch = false;
        self.account_written = Written::Stored;
        for contact in &mut self.contacts {
            contact.written = Written::Stored;
        }
    }
}

/// A contact of a [`Customer`].
struct KnownContact {
    id: ContactId,
    person: Person,
    filled: Shape,
    written: Written,
}

impl KnownContact {
    fn new(
        id: ContactId,
        contact: &Contact,
        written: Written,
        shapes: &mut Shapes,
    ) -> Result<KnownContact> {
        Ok(KnownContact {
            id,
            person: Person::of(contact),
            filled: shapes.of(&to_json(contact)?),
            written,
        })
    }
}

/// Every customer the planner knows of, numbered as it met them: the duplicate index names
/// customers by number.
#[derive(Default)]
struct Customers {
    /// Account ids by number.
    ids: Vec<Uuid>,
    /// Each customer as the rows planned so far left it, by number; `None` for a stored one
    /// indexed before the first row that no row has matched yet.
    met: Vec<Option<Customer>>,
    numbers: HashMap<Uuid, u32>,
}

impl Customers {
    /// The number of the customer with account `id`, given now if it had none.
    fn number(&mut self, id: Uuid) -> u32 {
        *self.numbers.entry(id).or_insert_with(|| {
            self.ids.push(id);
            self.met.push(None);
            u32::try_from(self.ids.len() - 1).expect("fewer than 2^32 customers")
        })
    }

    fn id(&self, number: u32) -> Uuid {
        self.ids[number as usize]
    }

    fn get(&self, number: u32) -> Option<&Customer> {
        self.met[number as usize].as_ref()
    }

    fn get_mut(&mut self, number: u32) -> Option<&mut Customer> {
        self.met[number as usize].as_mut()
    }

    /// Keep `customer` as customer `number`.
    fn meet(&mut self, number: u32, customer: Customer) {
        self.met[number as usize] = Some(customer);
    }
}

/// Where a record of a [`Customer`] is written from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Written {
    /// Created by the batch being planned: the batch's new record at this position.
    New(usize),
    /// Stored, or handed to the store with an earlier batch: rows' values for its gaps go to
    /// the batch's changes, filled into the stored record when the batch is written.
    Stored,
}

/// What tells contacts apart to the planner, as [`text_hash`]es: two are the same person
/// when they share their mobile or email, or their name while neither mobile nor email tells
/// them apart (张伟 with another mobile is another 张伟, or a number worth keeping).
#[derive(Debug, Clone, Copy)]
struct Person {
    name: u64,
    /// 0 for none, as for `email`.
    mobile: u64,
    email: u64,
}

impl Person {
    fn of(contact: &Contact) -> Person {
        Person {
            name: text_hash(contact.name.as_str()),
            mobile: contact
                .mobile
                .as_ref()
                .map_or(0, |m| text_hash(&m.canonical())),
            email: contact
                .email
                .as_ref()
                .map_or(0, |e| text_hash(&e.to_string())),
        }
    }

    /// Take the mobile and email of `other` where this has none, as filling the contact's
    /// gaps does.
    fn fill(&mut self, other: &Person) {
        for (mine, theirs) in [
            (&mut self.mobile, other.mobile),
            (&mut self.email, other.email),
        ] {
            if *mine == 0 {
                *mine = theirs;
            }
        }
    }

    fn same(&self, other: &Person) -> bool {
        let shared = |a: u64, b: u64| a != 0 && a == b;
        let differ = |a: u64, b: u64| a != 0 && b != 0 && a != b;
        shared(self.mobile, other.mobile)
            || shared(self.email, other.email)
            || (self.name == other.name
                && !differ(self.mobile, other.mobile)
                && !differ(self.email, other.email))
    }
}

/// A 64-bit hash of `text`, never 0: two texts the planner compares (names, notes) collide
/// with a chance of 2^-63.
fn text_hash(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish() | 1
}

/// `record` as the JSON [`Shapes`] and [`fill_gaps`] look at.
fn to_json<T: crate::Entity>(record: &T) -> Result<serde_json::Value> {
    serde_json::to_value(record).map_err(|e| Error::Internal(format!("serialise a record: {e}")))
}

/// Fill the gaps of `record` from `incoming`.
fn fill_in<T: crate::Entity>(record: &mut T, incoming: &T) {
    if let Some(filled) = fill_gaps(record, incoming) {
        *record = filled;
    }
}

/// Rows in the first batch at most: nothing is written until it is planned.
const FIRST_BATCH_ROWS: usize = 10_000;

/// The changes of one batch, applied in one transaction.
#[derive(Default)]
struct Batch {
    first_row: Option<u64>,
    rows: u64,
    created: u64,
    merged: u64,
    skipped: u64,
    rejected: Vec<(u64, Vec<String>, String)>,
    plan: Vec<RowOutcome>,
    /// Customers created or changed, by number, in order of first touch.
    touched: Vec<u32>,
    /// The records the batch creates, with their owners ([`Written::New`] points here).
    new_accounts: Vec<(AccountId, Option<UserId>, Account)>,
    new_contacts: Vec<(ContactId, Option<UserId>, Contact)>,
    /// Rows' values for the gaps of stored records, in row order.
    changed_accounts: Vec<(AccountId, Account)>,
    changed_contacts: Vec<(ContactId, Contact)>,
    notes: Vec<(Uuid, Option<UserId>, String)>,
    new_tags: Vec<(TagId, String)>,
    contacts_created: u64,
    /// Rows created although they look like a known customer, for a person to decide.
    queued_for_review: u64,
    /// Each of those: the new customer, the one it looks like, and why.
    reviews: Vec<PairEvidence>,
}

struct Importer<'a> {
    crm: &'a Crm,
    actor: &'a Actor,
    options: &'a ImportOptions,
    cleaner: Cleaner,
    owners: Owners,
    tags: HashMap<String, TagId>,
    index: DedupIndex<Entry>,
    /// The customers the index holds, rows have touched, or stored ones rows matched.
    customers: Customers,
    /// The filled fields of customers' records.
    shapes: Shapes,
    /// What the importing actor may do to stored records.
    gate: Gate,
    /// Stored customers (by number) rows matched that the actor may not change (another
    /// salesperson's: 撞单), with their names; rows matching them are rejected.
    foreign: HashMap<u32, String>,
    /// Whether rows that match nothing in the index are looked up in the store: when it
    /// held more customers than [`ImportOptions::preload_limit`]. Otherwise the index holds
    /// every stored customer (or there were none).
    look_up_store: bool,
    /// Whether the store deferred indexes for this import ([`crm_core::store::Store::begin_bulk_load`]).
    bulk_load: bool,
}

impl Importer<'_> {
    async fn run(
        &mut self,
        table: &mut crm_import::read::Table,
        report: &mut ImportReport,
        mut rejects: Option<&mut RejectsWriter<BufWriter<File>>>,
        mut progress: impl FnMut(Progress),
    ) -> Result<()> {
        let total_bytes = table.layout.total_bytes;
        let mut bytes = 0;
        let tell = |phase, rows, bytes| Progress {
            phase,
            rows,
            bytes,
            total_bytes,
        };
        // Batch n is stored by its own task while batch n + 1 is planned; n + 1 is only
        // written once n has committed, and dropped (its rows not counted) if n failed.
        let mut in_flight: Option<(Batch, JoinHandle<Result<()>>)> = None;
        // The first batch is kept small so that the store starts writing early.
        let mut rows = self.options.batch_size.min(FIRST_BATCH_ROWS);
        loop {
            let mut planned = match self.options.cancel.is_cancelled() {
                true => Ok(Batch::default()),
                false => self.plan_batch(table, rows, &mut bytes).await,
            };
            rows = self.options.batch_size;
            // Its new records are prepared for storing while the previous batch is stored.
            let preparing = match &mut planned {
                Ok(batch) if batch.rows > 0 && !self.options.dry_run => {
                    let (writes, actor) = (self.writes(batch), *self.actor);
                    Some(tokio::task::spawn_blocking(move || writes.prepare(&actor)))
                }
                _ => None,
            };
            if let Some((done, writing)) = in_flight.take() {
                let first_row = done.first_row.unwrap_or_default();
                match writing.await {
                    Ok(Ok(())) => {
                        self.tally(done, report, rejects.as_deref_mut())?;
                        progress(tell(Phase::Planning, report.rows_read, bytes));
                    }
                    Ok(Err(e)) => {
                        report.stopped = Some(Stopped {
                            at_row: first_row,
                            reason: format!("the batch from row {first_row} was rolled back: {e}"),
                        });
                        break;
                    }
                    Err(e) => return Err(Error::Internal(format!("import batch task: {e}"))),
                }
            }
            let batch = planned?;
            if self.options.cancel.is_cancelled() {
                // A batch planned meanwhile is dropped: the import stops before its first row.
                let at_row = match batch.first_row {
                    Some(row) => Some(row),
                    None => table.next().map(|row| row_number(&row)),
                };
                if let Some(at_row) = at_row {
                    report.stopped = Some(Stopped {
                        at_row,
                        reason: "cancelled".into(),
                    });
                }
                break;
            }
            if batch.rows == 0 {
                break;
            }
            progress(tell(Phase::Committing, report.rows_read, bytes));
            match preparing {
                // A dry run.
                None => {
                    // Nothing is written; its customers count as stored all the same.
                    self.settle(&batch);
                    self.tally(batch, report, rejects.as_deref_mut())?;
                    progress(tell(Phase::Planning, report.rows_read, bytes));
                }
                Some(preparing) => {
                    if report.rows_read == 0 {
                        self.consider_bulk_load(&batch, bytes, total_bytes).await?;
                    }
                    let (crm, actor) = (self.crm.clone(), *self.actor);
                    let writing = tokio::spawn(async move {
                        let writes = preparing.await.map_err(|e| {
                            Error::Internal(format!("prepare an import batch: {e}"))
                        })??;
                        writes.store(&crm, &actor).await
                    });
                    in_flight = Some((batch, writing));
                }
            }
        }
        progress(tell(Phase::Done, report.rows_read, bytes));
        Ok(())
    }

    /// Before the first batch (`first`, ending `bytes` into the file) is written: let the
    /// store defer indexes for the whole file ([`crm_core::store::Store::begin_bulk_load`]), with the new
    /// records estimated from the first batch. Not when the file is one batch, nor when
    /// the import looks records up by duplicate keys as it goes (rows checked against the
    /// store, or creates blocked on duplicates): those lookups need the key index.
    async fn consider_bulk_load(
        &mut self,
        first: &Batch,
        bytes: u64,
        total_bytes: u64,
    ) -> Result<()> {
        let blocking = [ObjectKind::Account, ObjectKind::Contact]
            .into_iter()
            .any(|kind| self.crm.duplicate_policy(kind) == DuplicatePolicy::Block);
        if bytes == 0 || bytes >= total_bytes || self.look_up_store || blocking {
            return Ok(());
        }
        let new_records = (first.created + first.contacts_created) as f64;
        let estimate = new_records * total_bytes as f64 / bytes as f64;
        self.bulk_load = self
            .crm
            .store
            .begin_bulk_load(&[ObjectKind::Account, ObjectKind::Contact], estimate as u64)
            .await?;
        Ok(())
    }

    /// Plan the next batch of at most `rows` rows, `bytes` following the reader.
    async fn plan_batch(
        &mut self,
        table: &mut crm_import::read::Table,
        rows: usize,
        bytes: &mut u64,
    ) -> Result<Batch> {
        let mut batch = Batch::default();
        for item in table.by_ref().take(rows.max(1)) {
            *bytes = match &item {
                Ok(row) => row.bytes_read,
                Err(e) => e.bytes_read,
            };
            self.plan_row(item, &mut batch).await?;
        }
        Ok(batch)
    }

    /// Add a committed (or, in a dry run, planned) batch to the report.
    fn tally(
        &mut self,
        batch: Batch,
        report: &mut ImportReport,
        rejects: Option<&mut RejectsWriter<BufWriter<File>>>,
    ) -> Result<()> {
        report.rows_read += batch.rows;
        report.created += batch.created;
        report.merged += batch.merged;
        report.skipped += batch.skipped;
        report.rejected += batch.rejected.len() as u64;
        report.contacts_created += batch.contacts_created;
        report.queued_for_review += batch.queued_for_review;
        report.tags_created += batch.new_tags.len() as u64;
        report.plan.extend(batch.plan);
        for (row, _, reason) in batch.rejected.iter() {
            if report.rejections.len() < REPORTED_REJECTIONS {
                report.rejections.push(RowOutcome {
                    row: *row,
                    decision: Decision::Reject {
                        reason: reason.clone(),
                    },
                });
            }
        }
        if let Some(writer) = rejects {
            for (row, cells, reason) in &batch.rejected {
                writer
                    .write(*row, cells, reason)
                    .map_err(|e| Error::storage("write the rejects file", e))?;
            }
        }
        Ok(())
    }

    async fn plan_row(
        &mut self,
        item: std::result::Result<RawRow, RowError>,
        batch: &mut Batch,
    ) -> Result<()> {
        let row = row_number(&item);
        batch.first_row.get_or_insert(row);
        batch.rows += 1;
        let raw = match item {
            Ok(raw) => raw,
            Err(e) => {
                self.reject(batch, row, e.cells, e.reason);
                return Ok(());
            }
        };
        let clean = match self.cleaner.clean(&raw.cells) {
            Ok(clean) => clean,
            Err(errors) => {
                self.reject(batch, row, raw.cells, join(&errors));
                return Ok(());
            }
        };
        let owner = match clean.owner.as_deref().map(|o| self.owners.resolve(o)) {
            None => self.actor.user_id(),
            Some(Ok(user)) => Some(user),
            Some(Err(reason)) => {
                let column = self.cleaner.header_of(&Target::Owner);
                let written = clean.owner.clone().unwrap_or_default();
                self.reject(
                    batch,
                    row,
                    raw.cells,
                    format!("{column} {written:?}: {reason}"),
                );
                return Ok(());
            }
        };
        match self.decide(row, clean, owner, batch).await? {
            Ok(decision) if self.options.keep_plan => batch.plan.push(RowOutcome { row, decision }),
            Ok(_) => {}
            Err(reason) => self.reject(batch, row, raw.cells, reason),
        }
        Ok(())
    }

    fn reject(&self, batch: &mut Batch, row: u64, cells: Vec<String>, reason: String) {
        if self.options.keep_plan {
            batch.plan.push(RowOutcome {
                row,
                decision: Decision::Reject {
                    reason: reason.clone(),
                },
            });
        }
        batch.rejected.push((row, cells, reason));
    }

    /// The row's decision, or why it is rejected: it is another salesperson's customer.
    async fn decide(
        &mut self,
        row: u64,
        mut clean: CleanRow,
        owner: Option<UserId>,
        batch: &mut Batch,
    ) -> Result<std::result::Result<Decision, String>> {
        let probe = self
            .index
            .prepare(&match_cells(&clean.account, clean.contact.as_ref()));
        if self.look_up_store {
            self.index_stored_candidates(&clean).await?;
        }
        let (found, possible) = self.best_matches(&probe);
        if let Some((number, ..)) = &found
            && self.customers.get(*number).is_none()
            && !self.foreign.contains_key(number)
        {
            self.load(*number).await?;
        }
        if let Some(stored) = found
            .as_ref()
            .and_then(|(number, ..)| self.foreign.get(number))
        {
            let column = self.cleaner.header_of(&Target::CompanyName);
            return Ok(Err(format!(
                "{column} {:?}: the same customer as 「{stored}」, which another salesperson \
                 owns and you may not change (撞单); ask its owner or a manager to share it",
                clean.account.name.as_str()
            )));
        }
        for name in std::mem::take(&mut clean.tags) {
            let id = match self.tags.get(&name) {
                Some(id) => *id,
                None => {
                    let id: TagId = self.crm.ids.next();
                    self.tags.insert(name.clone(), id);
                    batch.new_tags.push((id, name));
                    id
                }
            };
            clean.account.tags.insert(id);
        }
        let Some((number, probability, explanation)) = found else {
            let created = self.create(row, clean, owner, probe, batch)?;
            return Ok(Ok(match possible {
                Some((number, probability, explanation)) => {
                    batch.queued_for_review += 1;
                    let known = self.customers.id(number);
                    batch
                        .reviews
                        .push(review_pair(created, known, &explanation));
                    Decision::CreateForReview(self.match_found(number, probability, explanation))
                }
                None => Decision::Create,
            }));
        };
        let id = self.customers.id(number);
        let customer = self
            .customers
            .get(number)
            .ok_or_else(|| Error::Internal(format!("matched customer {id} is not loaded")))?;
        let found = self.match_found(number, probability, explanation);
        let account_json = to_json(&clean.account)?;
        let fills_account = self.shapes.get(customer.account).adds(&account_json);
        let contact = match clean.contact.take() {
            Some(contact) => {
                let json = to_json(&contact)?;
                let person = Person::of(&contact);
                let change = contact_change(&self.shapes, &customer.contacts, &person, &json);
                Some((contact, person, json, change))
            }
            None => None,
        };
        let new_note = clean
            .note
            .as_deref()
            .map(text_hash)
            .filter(|hash| !customer.notes.contains(hash));
        let adds = fills_account
            || contact
                .as_ref()
                .is_some_and(|(.., change)| !matches!(change, ContactChange::Known(_)))
            || new_note.is_some();
        match (adds, self.options.on_duplicate) {
            (false, _) | (true, OnDuplicate::Skip) => {
                batch.skipped += 1;
                Ok(Ok(Decision::Skip(found)))
            }
            (true, OnDuplicate::Create) => {
                clean.contact = contact.map(|(contact, ..)| contact);
                self.create(row, clean, owner, probe, batch)?;
                Ok(Ok(Decision::Create))
            }
            (true, OnDuplicate::Merge) => {
                let customer = self
                    .customers
                    .get_mut(number)
                    .ok_or_else(|| Error::Internal(format!("customer {id} vanished")))?;
                if fills_account {
                    customer.account = self.shapes.absorb(customer.account, &account_json);
                    match customer.account_written {
                        Written::New(at) => fill_in(&mut batch.new_accounts[at].2, &clean.account),
                        Written::Stored => batch
                            .changed_accounts
                            .push((AccountId::from_uuid(id), clean.account)),
                    }
                }
                // The row's cells stand for the contact they name: a new entry for a new
                // contact, in place of the old one for a known contact.
                let slot = match contact {
                    Some((contact, person, json, ContactChange::Fill(index))) => {
                        let known = &mut customer.contacts[index];
                        known.filled = self.shapes.absorb(known.filled, &json);
                        known.person.fill(&person);
                        match known.written {
                            Written::New(at) => fill_in(&mut batch.new_contacts[at].2, &contact),
                            Written::Stored => batch.changed_contacts.push((known.id, contact)),
                        }
                        Some(index)
                    }
                    Some((mut new, .., ContactChange::Add)) => {
                        new.account_id = Some(AccountId::from_uuid(id));
                        new.primary = customer.contacts.is_empty();
                        let contact_id = self.crm.ids.next();
                        let written = Written::New(batch.new_contacts.len());
                        let known = KnownContact::new(contact_id, &new, written, &mut self.shapes)?;
                        customer.contacts.push(known);
                        batch.new_contacts.push((contact_id, customer.owner, new));
                        batch.contacts_created += 1;
                        Some(customer.contacts.len() - 1)
                    }
                    Some((.., ContactChange::Known(index))) => Some(index),
                    None => None,
                };
                if let (Some(hash), Some(note)) = (new_note, clean.note) {
                    customer.notes.push(hash);
                    batch.notes.push((id, owner, note));
                }
                customer.first_row.get_or_insert(row);
                if !customer.in_batch {
                    customer.in_batch = true;
                    batch.touched.push(number);
                }
                if let Some(slot) = slot {
                    self.index
                        .insert_prepared((number, contact_slot(slot)), probe);
                }
                batch.merged += 1;
                Ok(Ok(Decision::Merge(found)))
            }
        }
    }

    /// The customers most like a row (`probe`) in the index: the likeliest in the match zone,
    /// and, when there is none, the likeliest in the possible zone.
    fn best_matches(&self, probe: &Prepared) -> (Option<Found>, Option<Found>) {
        let zones = self.index.deduper().zones();
        let matches = self.index.matches_prepared(probe, zones.possible);
        let found = |m: &Match<Entry>| Some((m.key.0, m.probability, m.explanation.clone()));
        match matches.iter().find(|m| m.zone == Zone::Match) {
            Some(m) => (found(m), None),
            None => (None, matches.first().and_then(found)),
        }
    }

    /// What a row's report says of the known customer `number` it looks like.
    fn match_found(&self, number: u32, probability: f64, explanation: Explanation) -> MatchFound {
        MatchFound {
            account_id: self.customers.id(number).to_string(),
            row: self.customers.get(number).and_then(|c| c.first_row),
            probability,
            explanation,
        }
    }

    /// A new customer from the row; its account's id.
    fn create(
        &mut self,
        row: u64,
        clean: CleanRow,
        owner: Option<UserId>,
        prepared: Prepared,
        batch: &mut Batch,
    ) -> Result<Uuid> {
        let id: Uuid = self.crm.ids.next_uuid();
        // Sized exactly: most customers keep the one contact (a pushed-to vector would hold
        // room for four).
        let contacts = match clean.contact {
            Some(mut contact) => {
                contact.account_id = Some(AccountId::from_uuid(id));
                let contact_id = self.crm.ids.next();
                let written = Written::New(batch.new_contacts.len());
                let known = KnownContact::new(contact_id, &contact, written, &mut self.shapes)?;
                batch.new_contacts.push((contact_id, owner, contact));
                batch.contacts_created += 1;
                vec![known]
            }
            None => Vec::new(),
        };
        let notes = clean.note.as_deref().map(text_hash).into_iter().collect();
        if let Some(note) = clean.note {
            batch.notes.push((id, owner, note));
        }
        let customer = Customer {
            account: self.shapes.of(&to_json(&clean.account)?),
            account_written: Written::New(batch.new_accounts.len()),
            contacts,
            owner,
            first_row: Some(row),
            notes,
            in_batch: true,
        };
        batch
            .new_accounts
            .push((AccountId::from_uuid(id), owner, clean.account));
        let number = self.customers.number(id);
        self.customers.meet(number, customer);
        self.index.insert_prepared((number, 0), prepared);
        batch.touched.push(number);
        batch.created += 1;
        Ok(id)
    }

    /// Index the stored customers that share a duplicate key with the row's account or
    /// contact and are not indexed yet, so that the row is matched against them by the same
    /// model and zones as against the file's own customers. A contact found this way only
    /// brings its customer in as a candidate: a person alone never makes a match.
    async fn index_stored_candidates(&mut self, clean: &CleanRow) -> Result<()> {
        let reader = self.crm.reader();
        let tenant = self.actor.tenant;
        // Accounts found by their keys come read; those of contacts are read when new here.
        let mut found: Vec<(Uuid, Option<Record<Account>>)> =
            key_holders(reader, tenant, &clean.account, None)
                .await?
                .into_iter()
                .map(|account| (account.id.uuid(), Some(account)))
                .collect();
        if let Some(contact) = &clean.contact {
            let holders = key_holders(reader, tenant, contact, None).await?;
            found.extend(
                holders
                    .iter()
                    .filter_map(|c| Some((c.account_id?.uuid(), None))),
            );
        }
        for (id, account) in found {
            let number = self.customers.number(id);
            if self.customers.get(number).is_some() || self.foreign.contains_key(&number) {
                continue;
            }
            let (account, contacts) = match account {
                Some(account) => self.take_in(number, account).await?,
                None => self.load(number).await?,
            };
            for (entry, cells) in entries(number, &account, contacts.iter()) {
                self.index.insert(entry, &cells);
            }
        }
        Ok(())
    }

    /// Index every stored customer, a page of accounts and their contacts at a time, so rows
    /// match against them in memory.
    async fn preload(&mut self) -> Result<()> {
        let reader = self.crm.reader();
        let tenant = self.actor.tenant;
        let mut after: Option<Uuid> = None;
        loop {
            let accounts = reader
                .list::<Account>(tenant, &page_after(after, PRELOAD_PAGE))
                .await?;
            let Some(last) = accounts.last() else {
                return Ok(());
            };
            after = Some(last.id.uuid());
            let ids = accounts.iter().map(|a| a.id.uuid());
            let of_page = Query::filter(Predicate::is_in("account_id", ids))
                .sort(Sort::asc("id"))
                .unpaged();
            let mut contacts: HashMap<Uuid, Vec<Contact>> = HashMap::new();
            for contact in reader.list::<Contact>(tenant, &of_page).await? {
                if let Some(account) = contact.data.account_id {
                    contacts
                        .entry(account.uuid())
                        .or_default()
                        .push(contact.data);
                }
            }
            for account in &accounts {
                let id = account.id.uuid();
                let of_account = contacts.get(&id).into_iter().flatten();
                let number = self.customers.number(id);
                for (entry, cells) in entries(number, &account.data, of_account) {
                    self.index.insert(entry, &cells);
                }
            }
            if (accounts.len() as u64) < PRELOAD_PAGE {
                return Ok(());
            }
        }
    }

    /// Read stored customer `number` (its account and contacts) and return its records; keep
    /// it in the planner, or, if the actor may not change it, note it among the
    /// [`foreign`](Importer::foreign) ones.
    async fn load(&mut self, number: u32) -> Result<(Account, Vec<Contact>)> {
        let id = self.customers.id(number);
        let account = self
            .crm
            .reader()
            .get::<Account>(self.actor.tenant, AccountId::from_uuid(id))
            .await?;
        self.take_in(number, account).await
    }

    /// [`load`](Self::load) for stored customer `number` whose `account` is read already.
    async fn take_in(
        &mut self,
        number: u32,
        account: Record<Account>,
    ) -> Result<(Account, Vec<Contact>)> {
        let reader = self.crm.reader();
        let tenant = self.actor.tenant;
        let id = self.customers.id(number);
        let contacts = reader
            .list::<Contact>(
                tenant,
                &Query::filter(Predicate::eq("account_id", id))
                    .sort(Sort::asc("id"))
                    .unpaged(),
            )
            .await?;
        if self.gate.allow(Action::Update, &account.to_row()?).is_err() {
            self.foreign.insert(number, account.data.name.to_string());
            let contacts = contacts.into_iter().map(|c| c.data).collect();
            return Ok((account.data, contacts));
        }
        let contacts = contacts
            .into_iter()
            .map(|c| {
                let known = KnownContact::new(c.id, &c.data, Written::Stored, &mut self.shapes)?;
                Ok((known, c.data))
            })
            .collect::<Result<Vec<_>>>()?;
        let (known, contacts) = contacts.into_iter().unzip();
        let customer = Customer {
            owner: account.meta.owner,
            account: self.shapes.of(&to_json(&account.data)?),
            account_written: Written::Stored,
            contacts: known,
            first_row: None,
            notes: Vec::new(),
            in_batch: false,
        };
        self.customers.meet(number, customer);
        Ok((account.data, contacts))
    }

    /// Let the customers `batch` touched count as written from here on: it was handed to the
    /// store (or, in a dry run, planned).
    fn settle(&mut self, batch: &Batch) {
        for &number in &batch.touched {
            if let Some(customer) = self.customers.get_mut(number) {
                customer.settle();
            }
        }
    }

    /// What committing `batch` writes, taken out of the planner so that the next batch can
    /// be planned while it is stored: the batch's notes move into it, its new and changed
    /// records are copied into it, and its customers count as stored from here on.
    fn writes(&mut self, batch: &mut Batch) -> Writes {
        self.settle(batch);
        Writes {
            at: self.crm.clock.now(),
            tags: batch
                .new_tags
                .iter()
                .map(|(id, name)| {
                    let tag = Tag {
                        name: name.clone(),
                        color: None,
                    };
                    (*id, tag)
                })
                .collect(),
            new_accounts: by_owner(std::mem::take(&mut batch.new_accounts)),
            new_contacts: by_owner(std::mem::take(&mut batch.new_contacts)),
            changed_accounts: std::mem::take(&mut batch.changed_accounts),
            changed_contacts: std::mem::take(&mut batch.changed_contacts),
            notes: std::mem::take(&mut batch.notes),
            reviews: std::mem::take(&mut batch.reviews),
        }
    }
}

/// The review-queue pair of a new customer `created` and the known one it may be, the
/// evidence named by the customers' fields (`contact.mobile` for a contact's).
fn review_pair(created: Uuid, known: Uuid, explanation: &Explanation) -> PairEvidence {
    let mut pair = PairEvidence::new(created, known, explanation);
    for field in &mut pair.fields {
        let path = match field.field.as_str() {
            "company_name" => "name",
            "contact_name" => "contact.name",
            "mobile" => "contact.mobile",
            other => other,
        };
        field.field = path.to_string();
    }
    pair
}

/// `records` grouped by owner, owners in order of first appearance.
fn by_owner<T: crate::Entity>(records: Vec<(T::Id, Option<UserId>, T)>) -> NewRecords<T> {
    let mut groups: NewRecords<T> = Vec::new();
    for (id, owner, record) in records {
        match groups.iter_mut().find(|(o, _)| *o == owner) {
            Some((_, group)) => group.push((id, record)),
            None => groups.push((owner, vec![(id, record)])),
        }
    }
    groups
}

/// New records of one kind, by owner.
type NewRecords<T> = Vec<(Option<UserId>, Vec<(<T as crate::Entity>::Id, T)>)>;

/// One batch's changes: prepared by [`Writes::prepare`], then written in one transaction by
/// [`PreparedWrites::store`].
#[derive(Default)]
struct Writes {
    /// When the batch's records are created.
    at: chrono::DateTime<chrono::Utc>,
    tags: Vec<(TagId, Tag)>,
    /// New customers' accounts, then their contacts (which refer to them), by owner.
    new_accounts: NewRecords<Account>,
    new_contacts: NewRecords<Contact>,
    /// Rows' values for the gaps of stored records, in row order.
    changed_accounts: Vec<(AccountId, Account)>,
    changed_contacts: Vec<(ContactId, Contact)>,
    notes: Vec<(Uuid, Option<UserId>, String)>,
    /// Pairs of customers for the review queue.
    reviews: Vec<PairEvidence>,
}

impl Writes {
    /// Work out the new records' rows, audit events and duplicate keys as `actor`: CPU work
    /// done on a thread of its own, outside any transaction.
    fn prepare(mut self, actor: &Actor) -> Result<PreparedWrites> {
        let accounts = std::mem::take(&mut self.new_accounts);
        let contacts = std::mem::take(&mut self.new_contacts);
        Ok(PreparedWrites {
            new_accounts: prepare(actor, self.at, accounts)?,
            new_contacts: prepare(actor, self.at, contacts)?,
            writes: self,
        })
    }
}

/// [`Writes`] with their new records prepared for storing.
struct PreparedWrites {
    /// The batch's writes other than new records (those were moved out).
    writes: Writes,
    new_accounts: Vec<Creates<Account>>,
    new_contacts: Vec<Creates<Contact>>,
}

impl PreparedWrites {
    /// Write everything in one transaction as `actor`: tags, customers, contacts, notes.
    async fn store(self, crm: &Crm, actor: &Actor) -> Result<()> {
        let PreparedWrites {
            writes,
            new_accounts,
            new_contacts,
        } = self;
        let mut uow = crm.begin(actor).await?;
        uow.create_with_ids(None, writes.tags).await?;
        fill_gaps_of(&mut uow, &writes.changed_accounts).await?;
        fill_gaps_of(&mut uow, &writes.changed_contacts).await?;
        for accounts in new_accounts {
            uow.create_prepared(accounts).await?;
        }
        for contacts in new_contacts {
            uow.create_prepared(contacts).await?;
        }
        for (account, owner, note) in writes.notes {
            let mut activity = Activity::new(ActivityKind::Note, "导入备注 / imported note");
            activity.notes = Some(note);
            activity.account_id = Some(AccountId::from_uuid(account));
            uow.create_owned(owner, activity).await?;
        }
        let groups = writes
            .reviews
            .into_iter()
            .map(|pair| DuplicateGroup::new(ObjectKind::Account, GroupSource::Import, vec![pair]))
            .collect::<Result<Vec<_>>>()?;
        uow.queue_duplicates(groups).await?;
        uow.commit().await
    }
}

/// `records` to be created by `actor` at `at`, prepared for storing ([`Creates`]).
fn prepare<T: crate::Entity>(
    actor: &Actor,
    at: chrono::DateTime<chrono::Utc>,
    records: NewRecords<T>,
) -> Result<Vec<Creates<T>>> {
    records
        .into_iter()
        .map(|(owner, data)| Creates::new(actor, at, owner, data))
        .collect()
}

/// Fill the gaps of stored records from the values rows hold for them (`wanted`, in row
/// order, a record as often as rows merge into it), and store those that changed: the
/// records are read as they are now, and saved, together.
async fn fill_gaps_of<T: crate::Entity>(
    uow: &mut UnitOfWork<'_>,
    wanted: &[(T::Id, T)],
) -> Result<()> {
    let mut at: HashMap<T::Id, usize> = HashMap::new();
    let mut ids: Vec<T::Id> = Vec::new();
    for (id, _) in wanted {
        at.entry(*id).or_insert_with(|| {
            ids.push(*id);
            ids.len() - 1
        });
    }
    let mut stored: Vec<_> = uow
        .get_many::<T>(&ids)
        .await?
        .into_iter()
        .map(|record| (record, false))
        .collect();
    for (id, data) in wanted {
        let (record, changed) = &mut stored[at[id]];
        if let Some(filled) = fill_gaps(&record.data, data) {
            record.data = filled;
            *changed = true;
        }
    }
    let changed = stored
        .into_iter()
        .filter_map(|(record, changed)| changed.then_some(record))
        .collect();
    uow.update_many(changed).await?;
    Ok(())
}

/// A customer a row looks like: its number, the match probability and why.
type Found = (u32, f64, Explanation);

/// An entry of the planner's duplicate index: a customer's number ([`Customers`]) and the
/// position of the contact whose cells the entry holds (0 for a customer without contacts).
type Entry = (u32, u32);

/// The position in an [`Entry`] of the one that holds a stored account's cells alone.
const ACCOUNT_ONLY: u32 = u32::MAX;

/// The position of a customer's contact, as an [`Entry`] holds it.
fn contact_slot(position: usize) -> u32 {
    u32::try_from(position).expect("fewer than 2^32 contacts of one customer")
}

/// The index entries of a stored customer: one per contact, in order (the same order
/// [`Importer::load`] reads them in), and one for the account alone, so that a row naming
/// another person at a known company still finds it, as a duplicate check of the account
/// would.
fn entries<'c>(
    number: u32,
    account: &Account,
    contacts: impl Iterator<Item = &'c Contact>,
) -> Vec<(Entry, Vec<Option<String>>)> {
    let mut entries: Vec<_> = contacts
        .enumerate()
        .map(|(slot, contact)| {
            let entry = (number, contact_slot(slot));
            (entry, match_cells(account, Some(contact)))
        })
        .collect();
    entries.push(((number, ACCOUNT_ONLY), match_cells(account, None)));
    entries
}

/// What a row's contact is to a customer's contacts.
enum ContactChange {
    /// The contact at this position, whose gaps it fills.
    Fill(usize),
    /// The contact at this position, to which it adds nothing.
    Known(usize),
    /// A new contact.
    Add,
}

/// What a contact (`person`, serialised as `json`) is to the `known` contacts (their
/// filled fields among `shapes`).
fn contact_change(
    shapes: &Shapes,
    known: &[KnownContact],
    person: &Person,
    json: &serde_json::Value,
) -> ContactChange {
    match known.iter().position(|k| k.person.same(person)) {
        Some(index) if shapes.get(known[index].filled).adds(json) => ContactChange::Fill(index),
        Some(index) => ContactChange::Known(index),
        None => ContactChange::Add,
    }
}

fn row_number(item: &std::result::Result<RawRow, RowError>) -> u64 {
    match item {
        Ok(row) => row.row,
        Err(e) => e.row,
    }
}

fn join(errors: &[CellError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
