//! Follow-up dates kept current. Storing an activity moves the last follow-up
//! (`last_activity_at`, 最近跟进) of the account, contact, lead and deal it concerns, and
//! recomputes their next planned follow-up (`next_activity_at`, 下次跟进) from their open
//! activities — in the same unit of work. "Overdue" and "not followed up for N days" are
//! then indexed queries (`next_activity_at < now`, `last_activity_at < now - N days`) that
//! the public pool and the rules engine rely on.
//!
//! Such a change is a change like any other: it bumps the record's version and is audited,
//! so a form read before the follow-up was logged must be re-read before it is saved.
//!
//! The last follow-up only moves forward: deleting a done activity does not undo the fact
//! that the customer was followed up, and a last follow-up written by an import is kept
//! until a later one happens.

use chrono::{DateTime, Utc};
use crm_core::model::Activity;
use crm_core::query::{Predicate, Query, Sort};
use crm_core::record::Row;
use serde_json::Value as Json;
use uuid::Uuid;

use crate::{Error, ObjectKind, Record, Result, UnitOfWork};

/// The links of an activity to the records it concerns.
const CONCERNS: [(&str, ObjectKind); 4] = [
    ("account_id", ObjectKind::Account),
    ("contact_id", ObjectKind::Contact),
    ("lead_id", ObjectKind::Lead),
    ("opportunity_id", ObjectKind::Opportunity),
];

/// The records `activity` concerns, as `(link field, kind, id)`.
fn concerned(activity: &Activity) -> Vec<(&'static str, ObjectKind, Uuid)> {
    let ids = [
        activity.account_id.map(|id| id.0),
        activity.contact_id.map(|id| id.0),
        activity.lead_id.map(|id| id.0),
        activity.opportunity_id.map(|id| id.0),
    ];
    CONCERNS
        .iter()
        .zip(ids)
        .filter_map(|(&(field, kind), id)| Some((field, kind, id?)))
        .collect()
}

fn instant(value: &Json) -> Option<DateTime<Utc>> {
    serde_json::from_value(value.clone()).ok()
}

impl UnitOfWork<'_> {
    /// Bring the follow-up dates of everything `stored` concerns up to date; `before` is the
    /// activity as it was before this change (`None` for a new one), so a record it no longer
    /// concerns gets its next follow-up recomputed too.
    pub(crate) async fn follow_up(
        &mut self,
        before: Option<&Activity>,
        stored: &Record<Activity>,
    ) -> Result<()> {
        let done_at = stored.data.done_at.filter(|_| !stored.is_deleted());
        let mut targets = concerned(&stored.data);
        for old in before.map(concerned).unwrap_or_default() {
            if !targets.contains(&old) {
                targets.push(old);
            }
        }
        for (field, kind, id) in targets {
            let concerns_now = concerned(&stored.data).contains(&(field, kind, id));
            self.refresh_follow_up(field, kind, id, done_at.filter(|_| concerns_now))
                .await?;
        }
        Ok(())
    }

    /// Move record `id`'s last follow-up to `done_at` if that is later, and recompute its
    /// next one; store it only if either changed.
    async fn refresh_follow_up(
        &mut self,
        field: &str,
        kind: ObjectKind,
        id: Uuid,
        done_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        let tenant = self.actor.tenant;
        let Some(row) = self.tx.get_row(kind, tenant, id).await? else {
            return Ok(());
        };
        if row.meta.deleted_at.is_some() {
            return Ok(());
        }
        let mut body: Json = serde_json::from_str(&row.body)
            .map_err(|e| Error::Internal(format!("{kind} {id} body is not JSON: {e}")))?;
        let mut changed = false;
        if let Some(done) = done_at
            && body
                .get("last_activity_at")
                .and_then(instant)
                .is_none_or(|last| last < done)
        {
            body["last_activity_at"] = serde_json::to_value(done)
                .map_err(|e| Error::Internal(format!("instant to JSON: {e}")))?;
            changed = true;
        }
        if kind.field("next_activity_at").is_ok() {
            let next = self.next_due(field, id).await?;
            let next = serde_json::to_value(next)
                .map_err(|e| Error::Internal(format!("instant to JSON: {e}")))?;
            if body.get("next_activity_at").unwrap_or(&Json::Null) != &next {
                body["next_activity_at"] = next;
                changed = true;
            }
        }
        if changed {
            if self.rules_watch(kind) {
                self.touch(kind, id, Some(row.clone()));
            }
            let row = Row::from_stored(kind, id, row.meta, body.to_string())?;
            let at = self.crm.clock.now();
            self.tx.save_row(&self.actor, at, row).await?;
        }
        Ok(())
    }

    /// The earliest due time of the open activities linked to `id` through `field`.
    async fn next_due(&self, field: &str, id: Uuid) -> Result<Option<DateTime<Utc>>> {
        let open = Query::filter(
            Predicate::eq(field, id)
                .and(Predicate::is_null("done_at"))
                .and(Predicate::is_null("due_at").negate()),
        )
        .sort(Sort::asc("due_at"))
        .limit(1);
        let first = self
            .tx
            .list_rows(ObjectKind::Activity, self.actor.tenant, &open)
            .await?;
        first
            .first()
            .map(|row| Record::<Activity>::from_row(row).map(|a| a.data.due_at))
            .transpose()
            .map(Option::flatten)
    }
}
