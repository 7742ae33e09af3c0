//! The duplicate review queue: records that may be one entity, for a person to decide.
//!
//! Groups ([`DuplicateGroup`]) are proposed by imports (a row created because it only
//! *possibly* matches a known customer), by the `*_checked` creates and updates under
//! [`DuplicatePolicy::Warn`](crate::DuplicatePolicy), and by [`Crm::scan_duplicates`] over
//! the stored records. [`Crm::review_queue`] lists them, likeliest first, to each actor
//! within their access: a group shows only when the actor may read every record in it, the
//! records concealed as [`Records::get`](crate::Records::get) conceals them and the evidence
//! of fields they may not see left out. [`Crm::resolve_duplicates`] merges a group (undone
//! by [`Crm::undo_merge`], which opens it again) or declares its records distinct, which no
//! path proposes again: not the queue, not a duplicate check, not a scan.
//!
//! ```
//! use crm::{Actor, Crm, id::TenantId, model::Account, value::{CompanyName, Phone}};
//! use crm::review::Resolution;
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> crm::Result<()> {
//! let crm = Crm::open("memory://").await?;
//! let admin = Actor::system(TenantId(uuid::Uuid::nil()));
//! let account = |name: &str, phone: &str| -> crm::Result<Account> {
//!     let mut a = Account::new(CompanyName::parse(name)?);
//!     a.phone = Some(Phone::parse(phone)?);
//!     Ok(a)
//! };
//! crm.accounts().create(&admin, account("北京华为技术有限公司", "010-6234 5678")?).await?;
//! let (_, found) = crm
//!     .accounts()
//!     .create_checked(&admin, account("华为技术（北京）有限公司", "(010)62345678")?)
//!     .await?;
//! assert_eq!(found.len(), 1);
//! let queue = crm.review_queue::<Account>(&admin, 0, 20).await?;
//! assert_eq!(queue.len(), 1);
//! crm.resolve_duplicates(&admin, queue[0].group.id, Resolution::NotDuplicates).await?;
//! assert!(crm.review_queue::<Account>(&admin, 0, 20).await?.is_empty());
//! # Ok(()) }
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};

use crm_core::access::Action;
use crm_core::dedup::Zone;
use crm_core::id::{DuplicateGroupId, MergeId, RecordId};
use crm_core::merge::MergePlan;
use crm_core::model::{Account, Contact, Lead};
use crm_core::query::{Predicate, Query, Sort};
use crm_core::record::Row;
use crm_core::store::ReadStore;
use uuid::Uuid;

pub use crm_core::review::{
    DistinctPair, DuplicateGroup, FieldEvidence, GroupSource, PairEvidence, ReviewStatus,
    group_key, pair_key,
};

use crate::duplicates::deduper_for;
use crate::enforce::Gate;
use crate::{Actor, Crm, Entity, Error, ObjectKind, Record, Result, UnitOfWork, page_after};

/// A group in the review queue as one actor sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateReview<T: Entity> {
    /// The group; its pairs hold evidence only of fields the actor may see.
    pub group: Record<DuplicateGroup>,
    /// Its records, in the group's order, concealed for the actor.
    pub records: Vec<Record<T>>,
}

/// A person's decision on a duplicate group.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// Merge every record of the group as the plan says (survivor and per-field picks).
    Merge(MergePlan),
    /// The records are distinct: no path proposes any pair of them again.
    NotDuplicates,
}

/// What [`Crm::scan_duplicates`] found and queued.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanReport {
    /// Records compared: the live ones the actor may read.
    pub records: u64,
    /// Pairs in the possible or match zone.
    pub pairs_found: u64,
    /// Of those, pairs a person declared distinct before: not proposed.
    pub pairs_declared_distinct: u64,
    /// New groups in the queue.
    pub groups_queued: u64,
    /// Groups found that were in the queue already.
    pub groups_already_open: u64,
}

/// How far a scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanProgress {
    /// What it is doing.
    pub phase: ScanPhase,
    /// Units done in this phase: records read, or groups queued.
    pub done: u64,
    /// Units in this phase (records to read is the count when the scan started).
    pub total: u64,
}

/// The phases of a scan, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanPhase {
    /// Reading the records.
    Reading,
    /// Comparing them.
    Scoring,
    /// Storing the groups found.
    Queueing,
    /// Finished.
    Done,
}

/// What queueing a list of groups did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Queued {
    /// Groups stored.
    pub(crate) groups: u64,
    /// Groups left out: an open group holds the same records.
    pub(crate) already_open: u64,
    /// Pairs left out: declared distinct.
    pub(crate) declared_distinct: u64,
}

/// Records read per page by a scan, group keys and pairs looked up per statement.
const PAGE: u64 = 1_000;
/// Groups stored per transaction by a scan.
const QUEUE_CHUNK: usize = 500;
/// A scan's connected set of pairs larger than this is queued pair by pair: nobody reviews
/// a group of fifty.
const MAX_GROUP_MEMBERS: usize = 10;

/// Of the pair keys `keys` of records of `kind`, those a person declared distinct.
pub(crate) async fn declared_distinct(
    reader: &dyn ReadStore,
    tenant: crm_core::id::TenantId,
    kind: ObjectKind,
    keys: impl IntoIterator<Item = String>,
) -> Result<HashSet<String>> {
    let keys: Vec<String> = keys.into_iter().collect();
    let mut found = HashSet::new();
    for chunk in keys.chunks(PAGE as usize) {
        let query = Query::filter(Predicate::And {
            all: vec![
                Predicate::eq("object", kind.as_str()),
                Predicate::is_in("pair", chunk.iter().cloned()),
            ],
        })
        .unpaged();
        for pair in reader.list::<DistinctPair>(tenant, &query).await? {
            found.insert(pair.data.pair);
        }
    }
    Ok(found)
}

impl UnitOfWork<'_> {
    /// Store `groups` in the review queue as a by-product of the operation that found them:
    /// without the pairs declared distinct, and not when an open group holds the same
    /// records.
    pub(crate) async fn queue_duplicates(&mut self, groups: Vec<DuplicateGroup>) -> Result<Queued> {
        let mut queued = Queued::default();
        let tenant = self.actor.tenant;
        let mut by_kind: BTreeMap<ObjectKind, Vec<DuplicateGroup>> = BTreeMap::new();
        for group in groups {
            by_kind.entry(group.object).or_default().push(group);
        }
        for (kind, groups) in by_kind {
            let pairs = groups.iter().flat_map(|g| &g.pairs);
            let distinct = declared_distinct(
                self.reader(),
                tenant,
                kind,
                pairs.map(|p| pair_key(p.a, p.b)),
            )
            .await?;
            let mut kept = Vec::with_capacity(groups.len());
            for mut group in groups {
                let before = group.pairs.len();
                group
                    .pairs
                    .retain(|p| !distinct.contains(&pair_key(p.a, p.b)));
                queued.declared_distinct += (before - group.pairs.len()) as u64;
                if group.pairs.len() < before && !group.pairs.is_empty() {
                    group = DuplicateGroup::new(kind, group.source, group.pairs)?;
                }
                if !group.pairs.is_empty() {
                    kept.push(group);
                }
            }
            let open = self
                .open_keys(kind, kept.iter().map(|g| g.key.clone()))
                .await?;
            let found = kept.len();
            let mut seen = HashSet::new();
            let fresh: Vec<DuplicateGroup> = kept
                .into_iter()
                .filter(|g| !open.contains(&g.key) && seen.insert(g.key.clone()))
                .collect();
            queued.already_open += (found - fresh.len()) as u64;
            queued.groups += fresh.len() as u64;
            if !fresh.is_empty() {
                // A block, not `as_by_product`'s async closure: the future stays `Send`, so
                // an import can queue from the task that stores its batch.
                let was = std::mem::replace(&mut self.by_product, true);
                let stored = self.create_many(None, fresh).await;
                self.by_product = was;
                stored?;
            }
        }
        Ok(queued)
    }

    /// Of the group keys `keys` of records of `kind`, those of open groups.
    async fn open_keys(
        &self,
        kind: ObjectKind,
        keys: impl Iterator<Item = String>,
    ) -> Result<HashSet<String>> {
        let keys: Vec<String> = keys.collect();
        let mut open = HashSet::new();
        for chunk in keys.chunks(PAGE as usize) {
            let query = Query::filter(Predicate::And {
                all: vec![
                    open_groups_of(kind),
                    Predicate::is_in("key", chunk.iter().cloned()),
                ],
            })
            .unpaged();
            for group in self
                .reader()
                .list::<DuplicateGroup>(self.actor.tenant, &query)
                .await?
            {
                open.insert(group.data.key);
            }
        }
        Ok(open)
    }

    /// The open groups of records of kind `T` that the actor may read every record of,
    /// likeliest first, `limit` of them after skipping `offset`; see [`Crm::review_queue`].
    pub async fn review_queue<T: Entity>(
        &mut self,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<DuplicateReview<T>>> {
        let gate = self.gate().await?;
        let tenant = self.actor.tenant;
        let mut skipped = 0;
        let mut found = Vec::new();
        let mut page = 0;
        while found.len() < limit {
            let query = Query::filter(open_groups_of(T::KIND))
                .sort(Sort::desc("probability"))
                .sort(Sort::asc("id"))
                .limit(PAGE)
                .offset(page * PAGE);
            page += 1;
            let groups = self.reader().list::<DuplicateGroup>(tenant, &query).await?;
            let last_page = (groups.len() as u64) < PAGE;
            for group in groups {
                let Some(records) = self.readable_members::<T>(&gate, &group.data).await? else {
                    continue;
                };
                if skipped < offset {
                    skipped += 1;
                    continue;
                }
                found.push(DuplicateReview {
                    group: visible_evidence(&gate, group),
                    records,
                });
                if found.len() == limit {
                    break;
                }
            }
            if last_page {
                break;
            }
        }
        Ok(found)
    }

    /// The members of `group`, concealed for `gate`'s actor, when every one is live and
    /// readable; `None` otherwise.
    async fn readable_members<T: Entity>(
        &self,
        gate: &Gate,
        group: &DuplicateGroup,
    ) -> Result<Option<Vec<Record<T>>>> {
        let rows = self.member_rows(group).await?;
        let mut records = Vec::with_capacity(rows.len());
        for row in rows {
            match row {
                Some(row) if row.meta.deleted_at.is_none() && gate.read(&row).is_ok() => {
                    records.push(gate.typed(&row)?)
                }
                _ => return Ok(None),
            }
        }
        Ok(Some(records))
    }

    /// The stored rows of `group`'s members, in its order (`None` for one not stored).
    async fn member_rows(&self, group: &DuplicateGroup) -> Result<Vec<Option<Row>>> {
        let rows = self
            .reader()
            .get_rows(group.object, self.actor.tenant, &group.members)
            .await?;
        let mut by_id: HashMap<Uuid, Row> = rows.into_iter().map(|r| (r.id, r)).collect();
        Ok(group.members.iter().map(|id| by_id.remove(id)).collect())
    }

    /// Decide the open group `id`; see [`Crm::resolve_duplicates`].
    pub async fn resolve_duplicates(
        &mut self,
        id: DuplicateGroupId,
        resolution: Resolution,
    ) -> Result<Record<DuplicateGroup>> {
        let gate = self.gate().await?;
        // The group and the decision's writes are by-products of the decision, which is
        // checked against the members. (Blocks, not `as_by_product`'s async closures: the
        // future stays `Send`, so a host can spawn it.)
        let was = std::mem::replace(&mut self.by_product, true);
        let result = self.resolve_checked(&gate, id, resolution).await;
        self.by_product = was;
        result
    }

    /// [`resolve_duplicates`](Self::resolve_duplicates) with `gate` for the actor, as a
    /// by-product.
    async fn resolve_checked(
        &mut self,
        gate: &Gate,
        id: DuplicateGroupId,
        resolution: Resolution,
    ) -> Result<Record<DuplicateGroup>> {
        let mut group = self.get::<DuplicateGroup>(id).await?;
        let members = self.member_rows(&group.data).await?;
        // A record the actor may not read: the group does not exist for them.
        let hidden = || Error::NotFound {
            object: ObjectKind::DuplicateGroup.as_str(),
            id: id.to_string(),
        };
        let mut rows = Vec::with_capacity(members.len());
        for row in members {
            let row = row.ok_or_else(hidden)?;
            gate.read(&row).map_err(|_| hidden())?;
            rows.push(row);
        }
        if group.data.status != ReviewStatus::Open {
            return Err(decided(&group.data, "it was decided already"));
        }
        if let Some(gone) = rows.iter().find(|r| r.meta.deleted_at.is_some()) {
            let reason = format!("{} {} was deleted or merged since", gone.kind, gone.id);
            return Err(decided(&group.data, &reason));
        }
        for row in &rows {
            gate.allow(Action::Merge, row)?;
        }
        let now = self.crm.clock.now();
        match resolution {
            Resolution::Merge(plan) => {
                // The merge checks the actor's rights itself.
                self.by_product = false;
                let merge = self.merge_members(&group.data, &plan).await;
                self.by_product = true;
                let merge = merge?;
                group.data.status = ReviewStatus::Merged;
                group.data.merge = Some(merge.uuid());
            }
            Resolution::NotDuplicates => {
                let declared = group
                    .data
                    .member_pairs()
                    .into_iter()
                    .map(|pair| DistinctPair {
                        object: group.data.object,
                        pair,
                        group: id.uuid(),
                    });
                self.create_many(None, declared.collect()).await?;
                group.data.status = ReviewStatus::NotDuplicates;
            }
        }
        group.data.resolved_at = Some(now);
        self.update(group).await
    }

    /// Merge the members of `group` as `plan` says; the merge's id.
    async fn merge_members(&mut self, group: &DuplicateGroup, plan: &MergePlan) -> Result<MergeId> {
        async fn typed<T: Entity>(
            uow: &mut UnitOfWork<'_>,
            members: &[Uuid],
            plan: &MergePlan,
        ) -> Result<MergeId> {
            let ids: Vec<T::Id> = members.iter().map(|id| T::Id::from_uuid(*id)).collect();
            Ok(uow.merge::<T>(&ids, plan).await?.1.id)
        }
        match group.object {
            ObjectKind::Account => typed::<Account>(self, &group.members, plan).await,
            ObjectKind::Contact => typed::<Contact>(self, &group.members, plan).await,
            ObjectKind::Lead => typed::<Lead>(self, &group.members, plan).await,
            other => Err(Error::Internal(format!(
                "a duplicate group of {other} records"
            ))),
        }
    }

    /// Open again the groups the merge `merge` resolved: it was undone. A by-product of the
    /// undo, which was checked.
    pub(crate) async fn reopen_groups_of(&mut self, merge: MergeId) -> Result<()> {
        let query = Query::filter(Predicate::eq("merge", merge.uuid())).unpaged();
        let groups = self
            .reader()
            .list::<DuplicateGroup>(self.actor.tenant, &query)
            .await?;
        for mut group in groups {
            group.data.status = ReviewStatus::Open;
            group.data.merge = None;
            group.data.resolved_at = None;
            self.update(group).await?;
        }
        Ok(())
    }
}

/// The error for a decision on a group that cannot take one.
fn decided(group: &DuplicateGroup, reason: &str) -> Error {
    Error::InvalidTransition {
        object: ObjectKind::DuplicateGroup.as_str(),
        from: group.status.as_str().into(),
        to: "resolved".into(),
        reason: reason.into(),
    }
}

/// Open groups of records of `kind`.
fn open_groups_of(kind: ObjectKind) -> Predicate {
    Predicate::And {
        all: vec![
            Predicate::eq("object", kind.as_str()),
            Predicate::eq("status", ReviewStatus::Open.as_str()),
        ],
    }
}

/// `group` with the evidence of fields the actor may not see unmasked left out. A group an
/// import proposed compares customers on fields of the account or of a contact
/// (`contact.mobile`); its `phone` and `email` may come from either, so both must be seen.
fn visible_evidence(gate: &Gate, mut group: Record<DuplicateGroup>) -> Record<DuplicateGroup> {
    let object = group.data.object;
    let from_import = group.data.source == GroupSource::Import;
    let sees = |field: &str| match field.strip_prefix("contact.") {
        Some(field) => gate.sees(ObjectKind::Contact, field),
        None => {
            gate.sees(object, field)
                && (!from_import
                    || matches!(field, "name" | "region" | "address")
                    || gate.sees(ObjectKind::Contact, field))
        }
    };
    for pair in &mut group.data.pairs {
        pair.fields.retain(|f| sees(&f.field));
    }
    group
}

impl Crm {
    /// The review queue of records of kind `T` as `actor` sees it: open groups whose every
    /// record the actor may read, likeliest first, `limit` of them after the first `offset`.
    pub async fn review_queue<T: Entity>(
        &self,
        actor: &Actor,
        offset: usize,
        limit: usize,
    ) -> Result<Vec<DuplicateReview<T>>> {
        let mut uow = self.begin(actor).await?;
        let queue = uow.review_queue::<T>(offset, limit).await?;
        uow.commit().await?;
        Ok(queue)
    }

    /// Decide the open group `id` as `actor`, in one transaction: merge its records (the
    /// merge can be undone, which opens the group again) or declare them distinct, which is
    /// remembered for every pair of them. The actor must be allowed to merge each record;
    /// a group holding a record they may not read is [`Error::NotFound`]; a group decided
    /// already, or whose record was deleted or merged since, is
    /// [`Error::InvalidTransition`]. The decision is in the group's audit trail.
    pub async fn resolve_duplicates(
        &self,
        actor: &Actor,
        id: DuplicateGroupId,
        resolution: Resolution,
    ) -> Result<Record<DuplicateGroup>> {
        let mut uow = self.begin(actor).await?;
        let group = uow.resolve_duplicates(id, resolution).await?;
        uow.commit().await?;
        Ok(group)
    }

    /// Compare every live record of kind `T` that `actor` may read with the others (the
    /// batch engine, as [`dedup`](crate::dedup) runs it) and queue the pairs in the possible
    /// or match zone for review, connected pairs as one group; pairs declared distinct and
    /// groups already open are left out. Nothing is merged. `progress` hears of each page
    /// read and each chunk of groups stored.
    pub async fn scan_duplicates<T: Entity>(
        &self,
        actor: &Actor,
        mut progress: impl FnMut(ScanProgress),
    ) -> Result<ScanReport> {
        let Some(deduper) = deduper_for::<T>() else {
            return Err(Error::validation(
                "kind",
                T::KIND.as_str(),
                "this kind has no duplicate fields to compare",
            ));
        };
        let records = self.records::<T>();
        let total = records.count(actor, &Query::all()).await?;
        let tell = |phase, done, total| ScanProgress { phase, done, total };
        let (mut ids, mut prepared) = (Vec::new(), Vec::new());
        let mut after: Option<Uuid> = None;
        loop {
            let page = records.list(actor, &page_after(after, PAGE)).await?;
            for record in &page {
                ids.push(record.id.uuid());
                prepared.push(deduper.prepare(&record.data.duplicate_cells()));
            }
            progress(tell(ScanPhase::Reading, ids.len() as u64, total));
            match page.last() {
                Some(last) if page.len() as u64 == PAGE => after = Some(last.id.uuid()),
                _ => break,
            }
        }
        let n = ids.len() as u64;
        progress(tell(ScanPhase::Scoring, 0, n));
        let groups = tokio::task::spawn_blocking(move || {
            let outcome = deduper.run_prepared(&prepared, None);
            let proposed: Vec<(u32, u32)> = outcome
                .pairs
                .iter()
                .filter(|p| p.zone != Zone::Distinct)
                .map(|p| (p.a, p.b))
                .collect();
            let evidence = |(a, b): (u32, u32)| {
                let explanation =
                    deduper.explain(&outcome, &prepared[a as usize], &prepared[b as usize]);
                PairEvidence::new(ids[a as usize], ids[b as usize], &explanation)
            };
            connected(&proposed)
                .into_iter()
                .map(|pairs| pairs.into_iter().map(evidence).collect())
                .map(|pairs| DuplicateGroup::new(T::KIND, GroupSource::Scan, pairs))
                .collect::<Result<Vec<_>>>()
        })
        .await
        .map_err(|e| Error::Internal(format!("duplicate scan: {e}")))??;
        progress(tell(ScanPhase::Scoring, n, n));
        let mut report = ScanReport {
            records: n,
            pairs_found: groups.iter().map(|g| g.pairs.len() as u64).sum(),
            ..ScanReport::default()
        };
        let total_groups = groups.len() as u64;
        let mut done = 0;
        let mut groups = groups.into_iter().peekable();
        while groups.peek().is_some() {
            let chunk: Vec<DuplicateGroup> = groups.by_ref().take(QUEUE_CHUNK).collect();
            done += chunk.len() as u64;
            let mut uow = self.begin(actor).await?;
            let queued = uow.queue_duplicates(chunk).await?;
            uow.commit().await?;
            report.groups_queued += queued.groups;
            report.groups_already_open += queued.already_open;
            report.pairs_declared_distinct += queued.declared_distinct;
            progress(tell(ScanPhase::Queueing, done, total_groups));
        }
        progress(tell(ScanPhase::Done, n, n));
        Ok(report)
    }
}

/// `pairs` (of record indexes) grouped by the records they connect; a connected set of more
/// than [`MAX_GROUP_MEMBERS`] records is split into its pairs.
fn connected(pairs: &[(u32, u32)]) -> Vec<Vec<(u32, u32)>> {
    let mut parent: HashMap<u32, u32> = HashMap::new();
    fn root(parent: &mut HashMap<u32, u32>, x: u32) -> u32 {
        let up = *parent.entry(x).or_insert(x);
        if up == x {
            return x;
        }
        let top = root(parent, up);
        parent.insert(x, top);
        top
    }
    for &(a, b) in pairs {
        let (ra, rb) = (root(&mut parent, a), root(&mut parent, b));
        parent.insert(ra.max(rb), ra.min(rb));
    }
    let mut sets: BTreeMap<u32, Vec<(u32, u32)>> = BTreeMap::new();
    for &(a, b) in pairs {
        sets.entry(root(&mut parent, a)).or_default().push((a, b));
    }
    let mut groups = Vec::new();
    for (_, set) in sets {
        let members: HashSet<u32> = set.iter().flat_map(|&(a, b)| [a, b]).collect();
        match members.len() > MAX_GROUP_MEMBERS {
            true => groups.extend(set.into_iter().map(|pair| vec![pair])),
            false => groups.push(set),
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connected_pairs_form_one_group_and_large_sets_are_split_into_pairs() {
        let groups = connected(&[(0, 1), (5, 6), (1, 2)]);
        assert_eq!(groups, vec![vec![(0, 1), (1, 2)], vec![(5, 6)]]);
        let chain: Vec<(u32, u32)> = (0..MAX_GROUP_MEMBERS as u32).map(|i| (i, i + 1)).collect();
        let split = connected(&chain);
        assert_eq!(split.len(), chain.len());
        assert!(split.iter().all(|g| g.len() == 1));
    }
}
