//! Public pools (公海) in the facade: claim (领取), distribution by a pool's admins, and
//! return to a pool (退回公海) with a reason.
//!
//! Each operation is one unit of work that takes its counts — claims since the local day
//! began, records owned, when the claimant last gave the record up, the registrations
//! protecting it — inside the transaction, asks the pure rules ([`Pool::check_claim`],
//! [`Pool::check_distribute`]) and then moves the owner and records the claim. Stores
//! serialise writing transactions (SQLite's `BEGIN IMMEDIATE`, the memory store's lock), so
//! no two claims count the same state and the limits hold under concurrent claims.
//!
//! A record is in a pool while a live [`PoolEntry`] says so: returning creates one,
//! claiming and distributing soft-delete it. A refusal by the rules is
//! [`Error::PermissionDenied`] naming the limit; a record that is not in the pool, or
//! already in one, is [`Error::InvalidTransition`].

use crm_core::access::{
    Action, ClaimRefusal, ClaimStats, Pool, PoolClaim, PoolEntry, Registration,
};
use crm_core::clock::to_stored_precision;
use crm_core::id::{AccountId, PoolId, RecordId, UserId};
use crm_core::model::Account;
use crm_core::query::{Predicate, Query, Sort};

use crate::{Actor, Crm, Entity, Error, Record, Result, UnitOfWork};

impl Crm {
    /// `actor` claims (领取) `account` from `pool` and becomes its owner.
    ///
    /// The actor needs a role granting [`Action::Claim`] on accounts in a scope reaching
    /// the unowned record (e.g. `Scope::Matching` on `owner` being null) and membership
    /// of the pool (named, an admin, or in one of its departments or below). Refused with
    /// [`Error::PermissionDenied`] naming the rule — another rep's registration, the
    /// re-claim cool-down, the daily limit, the cap on owned records — or
    /// [`Error::InvalidTransition`] when the account is not in the pool (e.g. claimed by
    /// someone else first). The counts are taken in the claiming transaction, so the limits
    /// hold under concurrent claims.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> crm::Result<()> {
    /// use crm::core::access::{Action, ClaimRules, Pool, Role, RoleAssignment, Scope};
    /// use crm::model::{Account, User};
    /// use crm::query::Predicate;
    /// use crm::value::{CompanyName, PersonName};
    /// use crm::{Actor, Crm, ErrorKind, ObjectKind, id::TenantId};
    ///
    /// let crm = Crm::open("memory://").await?;
    /// let system = Actor::system(TenantId(uuid::Uuid::from_u128(1)));
    /// let rep = crm.users().create(&system, User::new(PersonName::parse("李娜")?)).await?.id;
    /// let role = Role::new("销售代表")
    ///     .grant(ObjectKind::Account, [Action::Read], Scope::Own)
    ///     .grant(ObjectKind::Account, [Action::Claim],
    ///         Scope::Matching { predicate: Predicate::is_null("owner") });
    /// let role = crm.records::<Role>().create(&system, role).await?.id;
    /// crm.records::<RoleAssignment>().create(&system, RoleAssignment { user: rep, role }).await?;
    /// let pool = Pool {
    ///     name: "华东公海".into(),
    ///     object: ObjectKind::Account,
    ///     users: [rep].into(),
    ///     departments: Default::default(),
    ///     admins: Default::default(),
    ///     rules: ClaimRules { daily_claims: Some(1), ..ClaimRules::default() },
    /// };
    /// let pool = crm.records::<Pool>().create(&system, pool).await?.id;
    ///
    /// // Two unowned accounts enter the pool.
    /// let mut accounts = Vec::new();
    /// for name in ["北京华为技术有限公司", "上海华东电力有限公司"] {
    ///     let account = Account::new(CompanyName::parse(name)?);
    ///     let account = crm.accounts().create_owned(&system, None, account).await?;
    ///     crm.return_to_pool(&system, account.id, pool, None).await?;
    ///     accounts.push(account.id);
    /// }
    ///
    /// let rep = Actor::user(system.tenant, rep);
    /// let claimed = crm.claim(&rep, pool, accounts[0]).await?;
    /// assert_eq!(claimed.meta.owner, rep.user_id());
    /// let refused = crm.claim(&rep, pool, accounts[1]).await.unwrap_err();
    /// assert_eq!(refused.kind(), ErrorKind::PermissionDenied);
    /// assert!(refused.to_string().contains("daily limit of 1"), "{refused}");
    /// # Ok(()) }
    /// ```
    pub async fn claim(
        &self,
        actor: &Actor,
        pool: PoolId,
        account: AccountId,
    ) -> Result<Record<Account>> {
        let mut uow = self.begin(actor).await?;
        let claimed = uow.claim(pool, account).await?;
        uow.commit().await?;
        Ok(claimed)
    }

    /// An admin of `pool` hands `account` from the pool to `to_user` (分配). Only the
    /// pool's admins distribute (the system is none); the recipient's cap on owned records
    /// holds; a distribution does not count against anyone's daily limit.
    pub async fn distribute(
        &self,
        actor: &Actor,
        pool: PoolId,
        account: AccountId,
        to_user: UserId,
    ) -> Result<Record<Account>> {
        let mut uow = self.begin(actor).await?;
        let distributed = uow.distribute(pool, account, to_user).await?;
        uow.commit().await?;
        Ok(distributed)
    }

    /// Return `account` to `pool` (退回公海) with an optional `reason`: its owner is
    /// cleared and a [`PoolEntry`] keeps the previous owner (whose re-claim cool-down starts
    /// now) and the reason. The actor needs [`Action::Transfer`] on the account; an
    /// unowned account not yet in a pool simply enters it.
    pub async fn return_to_pool(
        &self,
        actor: &Actor,
        account: AccountId,
        pool: PoolId,
        reason: Option<String>,
    ) -> Result<Record<Account>> {
        let mut uow = self.begin(actor).await?;
        let returned = uow.return_to_pool(account, pool, reason).await?;
        uow.commit().await?;
        Ok(returned)
    }
}

impl UnitOfWork<'_> {
    /// [`Crm::claim`] inside this unit of work.
    pub async fn claim(&mut self, pool: PoolId, account: AccountId) -> Result<Record<Account>> {
        self.take::<Account>(pool, account, None).await
    }

    /// [`Crm::distribute`] inside this unit of work.
    pub async fn distribute(
        &mut self,
        pool: PoolId,
        account: AccountId,
        to_user: UserId,
    ) -> Result<Record<Account>> {
        self.take::<Account>(pool, account, Some(to_user)).await
    }

    /// [`Crm::return_to_pool`] inside this unit of work.
    pub async fn return_to_pool(
        &mut self,
        account: AccountId,
        pool: PoolId,
        reason: Option<String>,
    ) -> Result<Record<Account>> {
        self.give_back::<Account>(account, pool, reason).await
    }

    /// The live pool `id` holding records of `T`, read whatever the actor's roles say of
    /// pools: the pool's own membership decides.
    async fn pool_of<T: Entity>(&self, id: PoolId) -> Result<Pool> {
        let pool = self.reader().get::<Pool>(self.actor.tenant, id).await?.data;
        if pool.object != T::KIND {
            return Err(Error::validation(
                "pool",
                id.to_string(),
                format!("the pool holds {}, not {}", pool.object, T::KIND),
            ));
        }
        Ok(pool)
    }

    /// Claim (`to_user` is `None`) or distribute record `id` of `T` from `pool`.
    async fn take<T: Entity>(
        &mut self,
        pool_id: PoolId,
        id: T::Id,
        to_user: Option<UserId>,
    ) -> Result<Record<T>> {
        let (action, done) = match to_user {
            Some(_) => ("distribute", "distributed"),
            None => ("claim", "claimed"),
        };
        let pool = self.pool_of::<T>(pool_id).await?;
        let actor = self.actor;
        let refuse = |refusal| ClaimRefusal::into_error(refusal, action, T::KIND, id.uuid());
        // Whether the record exists is none of a non-admin's business when distributing.
        let distribution = match to_user {
            Some(recipient) => match actor.user_id().filter(|u| pool.admins.contains(u)) {
                Some(admin) => Some((admin, recipient)),
                None => return Err(refuse(ClaimRefusal::NotAnAdmin)),
            },
            None => None,
        };
        let gate = self.gate().await?;
        let row = self.stored_row(T::KIND, id.uuid()).await?;
        let now = self.crm.clock.now();
        let member = self
            .directory
            .as_ref()
            .is_some_and(|d| d.is_pool_member(&actor, &pool));
        // A claim needs a role granting it on this record; without one, a record the actor
        // may not read stays unknown to them, and one they may read is refused once it is
        // known to be in the pool.
        let denied_claim = match (&self.directory, to_user) {
            (Some(directory), None) => {
                Some(directory.check(&actor, Action::Claim, &row, now)).filter(|d| !d.allowed)
            }
            _ => None,
        };
        if denied_claim.is_some() {
            gate.read(&row)?;
        }
        let entry = self
            .reader()
            .list::<PoolEntry>(
                actor.tenant,
                &Query::filter(
                    Predicate::eq("pool", pool_id.0).and(Predicate::eq("record", row.id)),
                )
                .limit(1),
            )
            .await?
            .pop();
        let (Some(entry), None) = (entry, row.meta.owner) else {
            // Outside the pool, a record the actor may not read stays unknown.
            gate.read(&row)?;
            return Err(Error::InvalidTransition {
                object: T::KIND.as_str(),
                from: format!("outside pool {pool_id}"),
                to: done.into(),
                reason: format!("{} {} is not in the pool", T::KIND, row.id),
            });
        };
        if let Some(decision) = denied_claim {
            decision.require(Action::Claim, T::KIND, row.id)?;
        }
        let new_owner = match (distribution, actor.user_id()) {
            (Some((admin, recipient)), _) => {
                let stats = ClaimStats {
                    owned: self.owned_by::<T>(recipient).await?,
                    ..ClaimStats::default()
                };
                pool.check_distribute(admin, &stats).map_err(refuse)?;
                recipient
            }
            (None, Some(claimant)) => {
                let stats = self
                    .claim_stats::<T>(&pool, pool_id, claimant, row.id)
                    .await?;
                let registrations = self.registrations_of(row.id).await?;
                pool.check_claim(claimant, member, &stats, &registrations, now)
                    .map_err(refuse)?;
                claimant
            }
            (None, None) => return Err(refuse(ClaimRefusal::NotAMember)),
        };
        let mut record = Record::<T>::from_row(&row)?;
        record.meta.owner = Some(new_owner);
        let claim = PoolClaim {
            pool: pool_id,
            object: T::KIND,
            record: row.id,
            user: new_owner,
            at: to_stored_precision(now),
            distributed_by: distribution.map(|(admin, _)| admin),
        };
        // The owner change, the pool entry's end and the claim row are parts of the claim
        // just checked. (A block, not `as_by_product`'s async closure: the future stays
        // `Send`, so hosts can spawn claims.)
        let was = std::mem::replace(&mut self.by_product, true);
        let taken: Result<Record<T>> = async {
            let taken = self.update(record).await?;
            self.delete::<PoolEntry>(entry.id, entry.meta.version)
                .await?;
            self.create_owned(None, claim).await?;
            Ok(taken)
        }
        .await;
        self.by_product = was;
        gate.conceal(taken?)
    }

    /// What the rules need to know of `claimant` claiming record `record` from `pool`.
    async fn claim_stats<T: Entity>(
        &self,
        pool: &Pool,
        pool_id: PoolId,
        claimant: UserId,
        record: uuid::Uuid,
    ) -> Result<ClaimStats> {
        let tenant = self.actor.tenant;
        let today = Predicate::eq("pool", pool_id.0)
            .and(Predicate::eq("user", claimant.0))
            .and(Predicate::ge(
                "at",
                pool.rules.day_start(self.crm.clock.now()),
            ))
            .and(Predicate::is_null("distributed_by"));
        let claims_today = self
            .reader()
            .count::<PoolClaim>(tenant, &Query::filter(today))
            .await?;
        // Entries that ended (claimed since) count too: the cool-down runs from when the
        // claimant gave the record up, in whichever pool.
        let given_up = Query::filter(
            Predicate::eq("record", record).and(Predicate::eq("previous_owner", claimant.0)),
        )
        .with_deleted()
        .sort(Sort::desc("created_at"))
        .limit(1);
        let given_up_at = self
            .reader()
            .list::<PoolEntry>(tenant, &given_up)
            .await?
            .pop()
            .map(|entry| entry.meta.created_at);
        Ok(ClaimStats {
            claims_today: saturate(claims_today),
            owned: self.owned_by::<T>(claimant).await?,
            given_up_at,
        })
    }

    /// How many live records of `T` `user` owns.
    async fn owned_by<T: Entity>(&self, user: UserId) -> Result<u32> {
        let owned = Query::filter(Predicate::eq("owner", user.0));
        Ok(saturate(
            self.reader().count::<T>(self.actor.tenant, &owned).await?,
        ))
    }

    /// The active registrations of `record`; the rules decide which protect it now.
    async fn registrations_of(&self, record: uuid::Uuid) -> Result<Vec<Registration>> {
        let active =
            Query::filter(Predicate::eq("record", record).and(Predicate::eq("status", "active")))
                .unpaged();
        let found = self
            .reader()
            .list::<Registration>(self.actor.tenant, &active)
            .await?;
        Ok(found.into_iter().map(|r| r.data).collect())
    }

    /// Return record `id` of `T` to `pool`, clearing its owner.
    pub(crate) async fn give_back<T: Entity>(
        &mut self,
        id: T::Id,
        pool_id: PoolId,
        reason: Option<String>,
    ) -> Result<Record<T>> {
        self.pool_of::<T>(pool_id).await?;
        let (record, gate) = self.get_stored::<T>(id).await?;
        gate.allow(Action::Transfer, &record.to_row()?)?;
        let in_pool = Query::filter(Predicate::eq("record", id.uuid())).limit(1);
        if let Some(entry) = self
            .reader()
            .list::<PoolEntry>(self.actor.tenant, &in_pool)
            .await?
            .pop()
        {
            return Err(Error::InvalidTransition {
                object: T::KIND.as_str(),
                from: format!("in pool {}", entry.data.pool),
                to: format!("in pool {pool_id}"),
                reason: format!("{} {id} is in a pool already", T::KIND),
            });
        }
        let entry = PoolEntry {
            pool: pool_id,
            object: T::KIND,
            record: id.uuid(),
            previous_owner: record.meta.owner,
            reason,
        };
        let mut unowned = record;
        unowned.meta.owner = None;
        let was = std::mem::replace(&mut self.by_product, true);
        let returned: Result<Record<T>> = async {
            let returned = self.update(unowned).await?;
            self.create_owned(None, entry).await?;
            Ok(returned)
        }
        .await;
        self.by_product = was;
        gate.conceal(returned?)
    }
}

/// A count as the `u32` the rules take; counts beyond it exceed every limit anyway.
fn saturate(count: u64) -> u32 {
    u32::try_from(count).unwrap_or(u32::MAX)
}
