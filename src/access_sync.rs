//! Derived access rows kept in step with the records they are derived from, in the same
//! unit of work: the manager closure with users' `manager_id`, the department closure with
//! departments' `parent`, and team memberships with teams.
//!
//! A new node or a live node with a new parent moves by [`move_delta`] over the few closure
//! rows around it. Deleting or restoring a node changes the tree around it (its reports
//! become roots, or come back under it), so it recomputes the whole tree's closure with
//! [`closure_of`] and stores the difference — rare changes, and the only way the stored rows
//! and the [`Directory`](crm_core::access::Directory) built from the live records agree.
//! Stores have no hard delete: a row that leaves a table is soft-deleted, which every
//! sub-select of a plan skips.

use crm_core::access::{ClosureRow, TeamMember, closure_of, move_delta, team_members};
use crm_core::id::{ClosureRowId, RecordId, TeamId};
use crm_core::model::Team;
use crm_core::query::{Predicate, Query};
use crm_core::record::Row;
use serde_json::Value as Json;
use uuid::Uuid;

use crate::{Entity, Error, ObjectKind, Record, Result, UnitOfWork};

/// The kinds whose records a [`Directory`](crm_core::access::Directory) is built from.
pub(crate) const DIRECTORY_KINDS: [ObjectKind; 6] = [
    ObjectKind::User,
    ObjectKind::Department,
    ObjectKind::Team,
    ObjectKind::Role,
    ObjectKind::RoleAssignment,
    ObjectKind::Share,
];

/// Whether storing a record of `kind` changes derived access rows.
pub(crate) fn derives_access_rows(kind: ObjectKind) -> bool {
    matches!(
        kind,
        ObjectKind::User | ObjectKind::Department | ObjectKind::Team
    )
}

/// Where a node of a tree points: `None` when the row is absent or soft-deleted, else its
/// parent (itself optional).
fn link(row: Option<&Row>, field: &str) -> Result<Option<Option<Uuid>>> {
    let Some(row) = row.filter(|r| r.meta.deleted_at.is_none()) else {
        return Ok(None);
    };
    parent_of(row, field).map(Some)
}

fn parent_of(row: &Row, field: &str) -> Result<Option<Uuid>> {
    let body: Json = serde_json::from_str(&row.body)
        .map_err(|e| Error::Internal(format!("{} {} body is not JSON: {e}", row.kind, row.id)))?;
    match body.get(field) {
        None | Some(Json::Null) => Ok(None),
        Some(value) => serde_json::from_value(value.clone())
            .map(Some)
            .map_err(|e| Error::Internal(format!("{} {} {field}: {e}", row.kind, row.id))),
    }
}

impl UnitOfWork<'_> {
    /// Bring the derived access rows of `after` up to date; `before` is the stored row
    /// before this change (`None` for a new record).
    pub(crate) async fn sync_access_rows(
        &mut self,
        before: Option<&Row>,
        after: &Row,
    ) -> Result<()> {
        match after.kind {
            ObjectKind::User => {
                self.sync_tree::<crm_core::id::UserId>(before, after, "manager_id")
                    .await
            }
            ObjectKind::Department => {
                self.sync_tree::<crm_core::id::DepartmentId>(before, after, "parent")
                    .await
            }
            ObjectKind::Team => self.sync_team(after).await,
            _ => Ok(()),
        }
    }

    /// Keep the closure of the tree whose nodes are rows like `after`, linked by `field`.
    async fn sync_tree<I>(&mut self, before: Option<&Row>, after: &Row, field: &str) -> Result<()>
    where
        I: RecordId + Ord,
        ClosureRow<I>: Entity<Id = ClosureRowId>,
    {
        let was = link(before, field)?;
        let now = link(Some(after), field)?;
        let parent = match (before, was, now) {
            (_, Some(old), Some(new)) if old == new => return Ok(()),
            (None, _, Some(new)) | (Some(_), Some(_), Some(new)) => new,
            _ => return self.resync_tree::<I>(after.kind, field).await,
        };
        let node = I::from_uuid(after.id);
        let around = Predicate::eq("ancestor", after.id).or(Predicate::is_in(
            "descendant",
            [Some(after.id), parent].into_iter().flatten(),
        ));
        let stored = self
            .reader()
            .list::<ClosureRow<I>>(self.actor.tenant, &Query::filter(around).unpaged())
            .await?;
        let rows: Vec<ClosureRow<I>> = stored.iter().map(|r| r.data).collect();
        let parent = parent.map(I::from_uuid);
        if parent.is_some_and(|p| !rows.iter().any(|r| r.descendant == p)) {
            // The parent has no rows yet (stored in this batch, or before closures were
            // kept): only the whole tree tells where it stands.
            return self.resync_tree::<I>(after.kind, field).await;
        }
        let delta = move_delta(&rows, node, parent)?;
        self.apply_delta(&stored, delta.removed, delta.added).await
    }

    /// Recompute the closure of the tree of `kind` from its live nodes and store the
    /// difference.
    async fn resync_tree<I>(&mut self, kind: ObjectKind, field: &str) -> Result<()>
    where
        I: RecordId + Ord,
        ClosureRow<I>: Entity<Id = ClosureRowId>,
    {
        let all = Query::default().unpaged();
        let nodes = self
            .reader()
            .list_rows(kind, self.actor.tenant, &all)
            .await?;
        let mut links = Vec::with_capacity(nodes.len());
        for row in &nodes {
            let parent = parent_of(row, field)?.map(I::from_uuid);
            links.push((I::from_uuid(row.id), parent));
        }
        let wanted = closure_of(links)?;
        let stored = self
            .reader()
            .list::<ClosureRow<I>>(self.actor.tenant, &all)
            .await?;
        self.store_difference(&stored, wanted).await
    }

    /// Keep the membership rows of the team stored as `after`.
    async fn sync_team(&mut self, after: &Row) -> Result<()> {
        let id = TeamId(after.id);
        let wanted = if after.meta.deleted_at.is_none() {
            team_members(id, &Record::<Team>::from_row(after)?.data)
        } else {
            Vec::new()
        };
        let of_team = Query::filter(Predicate::eq("team", after.id)).unpaged();
        let stored = self
            .reader()
            .list::<TeamMember>(self.actor.tenant, &of_team)
            .await?;
        self.store_difference(&stored, wanted).await
    }

    /// Make the live rows `stored` exactly `wanted`.
    async fn store_difference<E: Entity + Ord + Clone>(
        &mut self,
        stored: &[Record<E>],
        wanted: Vec<E>,
    ) -> Result<()> {
        let delta = crm_core::access::Delta::between(stored.iter().map(|r| r.data.clone()), wanted);
        self.apply_delta(stored, delta.removed, delta.added).await
    }

    /// Soft-delete the stored rows equal to one of `removed`; insert `added`.
    async fn apply_delta<E: Entity + PartialEq + Clone>(
        &mut self,
        stored: &[Record<E>],
        removed: Vec<E>,
        added: Vec<E>,
    ) -> Result<()> {
        let now = self.crm.clock.now();
        for record in stored.iter().filter(|r| removed.contains(&r.data)) {
            let mut gone = record.clone();
            gone.meta.deleted_at = Some(now);
            self.tx.save(&self.actor, now, gone).await?;
        }
        if !added.is_empty() {
            let records: Vec<Record<E>> = added
                .into_iter()
                .map(|row| Record::new(self.crm.ids.next(), self.actor.tenant, None, now, row))
                .collect();
            self.tx.insert(&self.actor, now, &records).await?;
        }
        Ok(())
    }
}
