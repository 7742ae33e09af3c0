//! Public-pool recycling (公海回收): the rule book's policies evaluated on every change of a
//! customer, two timers per customer and pool — the reminder to its owner and the return —
//! armed for the instants the policy names, fired by [`crate::Crm::tick`].

use chrono::{DateTime, Utc};
use crm_core::access::Share;
use crm_core::id::{PoolId, RecordId};
use crm_core::model::{Account, Lead};
use crm_core::query::{Predicate, Query};
use crm_core::record::{Row, Value};
use crm_core::{Entity, Error, ObjectKind, Result};
use crm_rules::recycle::Decision;
use crm_rules::{Engine, FactMap};
use uuid::Uuid;

use super::Effect;
use crate::UnitOfWork;

const RETURN: &str = "recycle:";
const REMIND: &str = "recycle-remind:";

/// Whether `rule` names a recycling timer.
pub(crate) fn is_recycling(rule: &str) -> bool {
    rule.starts_with(RETURN) || rule.starts_with(REMIND)
}

impl UnitOfWork<'_> {
    /// Arm, move or cancel the recycling timers of record `id` of `kind` (`row` and
    /// `facts` as it now is; absent once deleted): due while it has an owner and a policy
    /// names a deadline for it.
    pub(crate) async fn arm_recycling(
        &mut self,
        engine: &Engine,
        kind: ObjectKind,
        id: Uuid,
        current: Option<(&Row, &FactMap)>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        for policy in engine.book().recycle.iter().filter(|p| p.object == kind) {
            let deadline = match current.filter(|(row, _)| row.meta.owner.is_some()) {
                Some((_, facts)) => match policy.evaluate(facts, now) {
                    Decision::Keep { deadline } => deadline,
                    Decision::Remind { deadline } | Decision::Return { deadline, .. } => {
                        Some(deadline)
                    }
                    Decision::Excluded { .. } => None,
                },
                None => None,
            };
            let pool = policy.pool;
            let due = deadline.as_ref().map(|d| d.due);
            let remind = deadline.and_then(|d| d.remind_at);
            self.arm_timer(&format!("{RETURN}{pool}"), Some((kind, id)), due)
                .await?;
            self.arm_timer(&format!("{REMIND}{pool}"), Some((kind, id)), remind)
                .await?;
        }
        Ok(())
    }

    /// Fire the recycling timer `rule` of record `id` of `kind`: return it to its pool, or
    /// remind its owner, if the policy still says so at `now`.
    pub(crate) async fn fire_recycling(
        &mut self,
        engine: &Engine,
        rule: &str,
        kind: ObjectKind,
        id: Uuid,
        now: DateTime<Utc>,
    ) -> Result<Vec<Effect>> {
        let (remind, pool) = match (rule.strip_prefix(REMIND), rule.strip_prefix(RETURN)) {
            (Some(pool), _) => (true, pool),
            (None, Some(pool)) => (false, pool),
            (None, None) => return Ok(Vec::new()),
        };
        let pool = PoolId(
            pool.parse()
                .map_err(|_| Error::Internal(format!("timer {rule} names no pool")))?,
        );
        let policy = engine
            .book()
            .recycle
            .iter()
            .find(|p| p.pool == pool && p.object == kind);
        let (Some(policy), Some(row)) = (policy, self.live_row(kind, id).await?) else {
            return Ok(Vec::new());
        };
        let Some(owner) = row.meta.owner else {
            return Ok(Vec::new());
        };
        let facts = self.facts(engine, &row).await?;
        match policy.evaluate(&facts, now) {
            Decision::Return {
                reason, clear_team, ..
            } if !remind => {
                self.return_record(kind, id, pool, reason).await?;
                if clear_team {
                    self.clear_team(id).await?;
                }
                Ok(vec![Effect::ReturnedToPool { pool }])
            }
            Decision::Remind { deadline } | Decision::Return { deadline, .. } if remind => {
                let payload = [
                    ("reason".to_owned(), Value::Text(deadline.reason.clone())),
                    ("due".to_owned(), Value::Time(deadline.due)),
                ]
                .into();
                self.notify(
                    rule,
                    "pool.recycle_reminder",
                    vec![owner],
                    Some(&row),
                    payload,
                )
                .await
                .map(|effect| vec![effect])
            }
            _ => Ok(Vec::new()),
        }
    }

    async fn return_record(
        &mut self,
        kind: ObjectKind,
        id: Uuid,
        pool: PoolId,
        reason: String,
    ) -> Result<()> {
        match kind {
            ObjectKind::Account => self.give_back_any::<Account>(id, pool, reason).await,
            ObjectKind::Lead => self.give_back_any::<Lead>(id, pool, reason).await,
            other => Err(Error::validation(
                "recycle.object",
                other.as_str(),
                "only accounts and leads go back to pools",
            )),
        }
    }

    /// Take record `id`'s collaborators (团队成员) off it.
    async fn clear_team(&mut self, id: Uuid) -> Result<()> {
        let of_record = Query::filter(Predicate::eq("record", id)).unpaged();
        let shares = self
            .reader()
            .list::<Share>(self.actor.tenant, &of_record)
            .await?;
        for share in shares.into_iter().filter(|s| s.data.collaborator) {
            self.delete::<Share>(share.id, share.meta.version).await?;
        }
        Ok(())
    }

    async fn give_back_any<T: Entity>(
        &mut self,
        id: Uuid,
        pool: PoolId,
        reason: String,
    ) -> Result<()> {
        self.give_back::<T>(T::Id::from_uuid(id), pool, Some(reason))
            .await
            .map(drop)
    }
}
