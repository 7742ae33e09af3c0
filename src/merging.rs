//! Merging duplicates through the facade, and undoing a merge.
//!
//! A merge is one unit of work: the survivor takes the merged values, the other records are
//! soft-deleted, every link to them (a contact's account, a deal's contact, ...) is re-pointed
//! to the survivor, and a [`MergeLog`] keeps each changed record as it was. Undo writes those
//! states back — data, owner and deletion exactly as before — unless something changed the
//! records since, which is a [`Error::Conflict`] rather than a silent overwrite.

use chrono::{DateTime, Utc};
use crm_core::access::Action;
use crm_core::id::{MergeId, RecordId};
use crm_core::merge::{MergeLog, MergePlan, Snapshot, merge};
use crm_core::model::LINKS;
use crm_core::query::{Predicate, Query};
use crm_core::record::Row;
use serde_json::Value as Json;
use uuid::Uuid;

use crate::{Actor, Crm, Entity, Error, Record, Result, UnitOfWork};

/// The records a merge changed, each with its state before the merge.
#[derive(Default)]
struct Snapshots(Vec<Snapshot>);

impl Snapshots {
    /// Remember `before` the first time a record changes; later changes only move its
    /// version after the merge.
    fn record(&mut self, before: &Row, version_after: u64) {
        match self.0.iter_mut().find(|s| s.id == before.id) {
            Some(known) => known.version_after = version_after,
            None => self.0.push(Snapshot {
                object: before.kind,
                id: before.id,
                version_after,
                owner: before.meta.owner,
                deleted_at: before.meta.deleted_at,
                body: before.body.clone(),
            }),
        }
    }
}

impl UnitOfWork<'_> {
    /// Merge the records `ids` of kind `T` as `plan` says; returns the survivor as stored and
    /// the merge log (whose id undoes it).
    pub async fn merge<T: Entity>(
        &mut self,
        ids: &[T::Id],
        plan: &MergePlan,
    ) -> Result<(Record<T>, Record<MergeLog>)> {
        let mut records = Vec::with_capacity(ids.len());
        for &id in ids {
            let (record, gate) = self.get_stored::<T>(id).await?;
            gate.allow(Action::Merge, &record.to_row()?)?;
            records.push(record);
        }
        // The merge's writes are by-products of the checks above. (Blocks, not
        // `as_by_product`'s async closures: the future stays `Send`, so a host can spawn it.)
        let was = std::mem::replace(&mut self.by_product, true);
        let merged = self.merge_checked(records, plan).await;
        self.by_product = was;
        let (survivor, log) = merged?;
        // Re-read: re-pointing may have changed the survivor itself (a link to an absorbed
        // record, e.g. its parent company).
        Ok((self.get::<T>(survivor).await?, log))
    }

    /// [`merge`](Self::merge) of records the actor may merge; returns the survivor's id.
    async fn merge_checked<T: Entity>(
        &mut self,
        records: Vec<Record<T>>,
        plan: &MergePlan,
    ) -> Result<(T::Id, Record<MergeLog>)> {
        let merged = merge(&records, plan)?;
        let mut snapshots = Snapshots::default();
        let survivor_before = records
            .iter()
            .find(|r| r.id.uuid() == plan.survivor)
            .ok_or_else(|| Error::Internal("merge lost its survivor".into()))?
            .to_row()?;
        let survivor = self.update(merged.survivor).await?;
        snapshots.record(&survivor_before, survivor.meta.version);
        let absorbed: Vec<Uuid> = merged.absorbed.iter().map(|r| r.id.uuid()).collect();
        for record in merged.absorbed {
            let before = record.to_row()?;
            let deleted = self.delete::<T>(record.id, record.meta.version).await?;
            snapshots.record(&before, deleted.meta.version);
        }
        let now = self.crm.clock.now();
        for &(from, field, _) in LINKS.iter().filter(|link| link.2 == T::KIND) {
            let linked = Query::filter(Predicate::is_in(field, absorbed.iter().copied())).unpaged();
            for row in self.tx.list_rows(from, self.actor.tenant, &linked).await? {
                let stored = self.repoint(row.clone(), field, plan.survivor, now).await?;
                snapshots.record(&row, stored.meta.version);
            }
        }
        let log = MergeLog {
            object: T::KIND,
            survivor: plan.survivor,
            absorbed,
            provenance: merged.provenance,
            before: snapshots.0,
            undone_at: None,
        };
        let log = self.create_owned(None, log).await?;
        Ok((survivor.id, log))
    }

    /// Point `field` of `row` at `target` instead of an absorbed record; a record that would
    /// point at itself gets no link instead.
    async fn repoint(
        &mut self,
        row: Row,
        field: &str,
        target: Uuid,
        at: DateTime<Utc>,
    ) -> Result<Row> {
        let mut body: Json = serde_json::from_str(&row.body).map_err(|e| {
            Error::Internal(format!("{} {} body is not JSON: {e}", row.kind, row.id))
        })?;
        body[field] = if row.id == target {
            Json::Null
        } else {
            Json::String(target.to_string())
        };
        let changed = Row::from_stored(row.kind, row.id, row.meta, body.to_string())?;
        let stored = self.tx.save_row(&self.actor, at, changed).await?;
        self.remember(stored.kind, stored.id, stored.meta.deleted_at.is_none());
        Ok(stored)
    }

    /// Undo the merge `id`: every record it changed gets back its data, owner and deletion
    /// state, and a review-queue group it resolved is open again. Refused when any of them changed since the merge, or when it was undone already.
    /// The actor must be allowed to merge the survivor.
    pub async fn undo_merge(&mut self, id: MergeId) -> Result<Record<MergeLog>> {
        let gate = self.gate().await?;
        let was = std::mem::replace(&mut self.by_product, true);
        let undone = async {
            let log = self.get::<MergeLog>(id).await?;
            let survivor = self.stored_row(log.object, log.survivor).await?;
            gate.allow(Action::Merge, &survivor)?;
            self.undo_checked(log).await
        }
        .await;
        self.by_product = was;
        undone
    }

    /// [`undo_merge`](Self::undo_merge) of a merge the actor may undo.
    async fn undo_checked(&mut self, mut log: Record<MergeLog>) -> Result<Record<MergeLog>> {
        if let Some(at) = log.undone_at {
            return Err(Error::InvalidTransition {
                object: "merge",
                from: format!("undone at {}", at.to_rfc3339()),
                to: "undone".into(),
                reason: "a merge is undone once".into(),
            });
        }
        let now = self.crm.clock.now();
        for snapshot in &log.before {
            let current = self
                .tx
                .get_row(snapshot.object, self.actor.tenant, snapshot.id)
                .await?
                .ok_or_else(|| Error::NotFound {
                    object: snapshot.object.as_str(),
                    id: snapshot.id.to_string(),
                })?;
            if current.meta.version != snapshot.version_after {
                return Err(Error::Conflict {
                    object: snapshot.object.as_str(),
                    id: snapshot.id.to_string(),
                    expected: snapshot.version_after,
                    actual: current.meta.version,
                });
            }
            let mut meta = current.meta;
            meta.owner = snapshot.owner;
            meta.deleted_at = snapshot.deleted_at;
            let restored =
                Row::from_stored(snapshot.object, snapshot.id, meta, snapshot.body.clone())?;
            let stored = self.tx.save_row(&self.actor, now, restored).await?;
            self.remember(stored.kind, stored.id, stored.meta.deleted_at.is_none());
            self.store_row_keys(&stored).await?;
        }
        self.reopen_groups_of(log.id).await?;
        log.undone_at = Some(now);
        self.update(log).await
    }
}

impl Crm {
    /// Merge duplicates of kind `T` in one transaction; see [`UnitOfWork::merge`].
    pub async fn merge<T: Entity>(
        &self,
        actor: &Actor,
        ids: &[T::Id],
        plan: &MergePlan,
    ) -> Result<(Record<T>, Record<MergeLog>)> {
        let mut uow = self.begin(actor).await?;
        let merged = uow.merge::<T>(ids, plan).await?;
        uow.commit().await?;
        Ok(merged)
    }

    /// Undo a merge in one transaction; see [`UnitOfWork::undo_merge`].
    pub async fn undo_merge(&self, actor: &Actor, id: MergeId) -> Result<Record<MergeLog>> {
        let mut uow = self.begin(actor).await?;
        let log = uow.undo_merge(id).await?;
        uow.commit().await?;
        Ok(log)
    }
}
