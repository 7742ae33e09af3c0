//! [`Directory`]: a tenant's organisation and access rules as an in-memory snapshot, with
//! the hierarchies' closures precomputed, answering [`Directory::check`] in a few hash
//! probes.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::effective::EffectiveAccess;
use super::{
    Action, Grantee, Pool, Role, RoleAssignment, ScopeKind, Share, closure_of, team_members,
};
use crate::actor::{Actor, Principal};
use crate::error::{Error, Result};
use crate::id::{DepartmentId, RoleId, ShareId, TeamId, TenantId, UserId};
use crate::model::{Department, Team, User};
use crate::query::NoRows;
use crate::record::{Entity, ObjectKind, Record, Row};

/// Why an action was allowed or denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    /// The system principal may do anything.
    System,
    /// The record, or the directory, belongs to another tenant than the actor.
    OtherTenant,
    /// The acting user is not in the directory (unknown or deleted).
    UnknownUser,
    /// The acting user is inactive.
    InactiveUser,
    /// None of the user's roles grants the action on the kind (also: the user has no role).
    NotGranted,
    /// A role's data scope of this kind reaches the record.
    Scope(ScopeKind),
    /// This share reaches the actor and allows the action.
    Shared(ShareId),
    /// The action is granted on the kind, but neither a scope nor a share reaches the record.
    OutOfScope,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::System => f.write_str("the system may do anything"),
            Reason::OtherTenant => f.write_str("the record belongs to another tenant"),
            Reason::UnknownUser => f.write_str("the user is unknown"),
            Reason::InactiveUser => f.write_str("the user is inactive"),
            Reason::NotGranted => f.write_str("no role of the user grants it"),
            Reason::Scope(scope) => write!(f, "within the {scope} data scope"),
            Reason::Shared(share) => write!(f, "shared by share {share}"),
            Reason::OutOfScope => f.write_str("outside the user's data scope and shares"),
        }
    }
}

/// The answer of [`Directory::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// Whether the action may go ahead.
    pub allowed: bool,
    /// Which rule decided.
    pub reason: Reason,
}

impl Decision {
    fn allow(reason: Reason) -> Decision {
        Decision {
            allowed: true,
            reason,
        }
    }

    fn deny(reason: Reason) -> Decision {
        Decision {
            allowed: false,
            reason,
        }
    }

    /// `Ok` when allowed, else [`Error::PermissionDenied`] naming the action, the record
    /// and the reason. For reads, use [`Decision::or_not_found`].
    pub fn require(self, action: Action, object: ObjectKind, id: Uuid) -> Result<()> {
        if self.allowed {
            return Ok(());
        }
        Err(Error::PermissionDenied {
            action: action.to_string(),
            object: format!("{object} {id}"),
            reason: self.reason.to_string(),
        })
    }

    /// `Ok` when allowed, else [`Error::NotFound`]: the answer to a denied read, which must
    /// not tell the actor that the record exists.
    pub fn or_not_found(self, object: ObjectKind, id: Uuid) -> Result<()> {
        if self.allowed {
            return Ok(());
        }
        Err(Error::NotFound {
            object: object.as_str(),
            id: id.to_string(),
        })
    }
}

/// What the directory knows of one user.
#[derive(Debug)]
pub(crate) struct Member {
    pub(crate) department: Option<DepartmentId>,
    /// Teams the user is a member or leader of, sorted.
    pub(crate) teams: Vec<TeamId>,
    pub(crate) active: bool,
    /// Shared between users with the same roles.
    pub(crate) access: Arc<EffectiveAccess>,
}

/// A tenant's users, departments, teams, roles, assignments and shares, with the manager
/// and department closures precomputed. Build it with [`Directory::builder`] from the
/// stored records; rebuild (or replace) it when they change.
#[derive(Debug)]
pub struct Directory {
    pub(crate) tenant: TenantId,
    pub(crate) members: HashMap<UserId, Member>,
    /// `(manager, report)` at any depth, each user with itself.
    pub(crate) manages: HashSet<(UserId, UserId)>,
    /// `(department, department in or below it)`.
    pub(crate) contains: HashSet<(DepartmentId, DepartmentId)>,
    /// Live shares by shared record.
    pub(crate) shares: HashMap<Uuid, Vec<(ShareId, Share)>>,
}

/// Collects the records a [`Directory`] is built from; soft-deleted ones are left out.
#[derive(Debug)]
pub struct DirectoryBuilder {
    tenant: TenantId,
    users: Vec<(UserId, User)>,
    departments: Vec<(DepartmentId, Option<DepartmentId>)>,
    teams: Vec<(TeamId, Team)>,
    roles: HashMap<RoleId, Role>,
    assignments: Vec<RoleAssignment>,
    shares: Vec<(ShareId, Share)>,
    foreign: Option<String>,
}

impl DirectoryBuilder {
    fn live<'a, T: Entity>(
        &mut self,
        records: impl IntoIterator<Item = &'a Record<T>>,
    ) -> Vec<&'a Record<T>> {
        let mut live = Vec::new();
        for record in records {
            if record.meta.tenant != self.tenant {
                self.foreign
                    .get_or_insert_with(|| format!("{} {}", T::KIND, record.id));
            } else if !record.is_deleted() {
                live.push(record);
            }
        }
        live
    }

    /// The tenant's users.
    pub fn users<'a>(mut self, users: impl IntoIterator<Item = &'a Record<User>>) -> Self {
        let live = self.live(users);
        self.users
            .extend(live.into_iter().map(|r| (r.id, r.data.clone())));
        self
    }

    /// The tenant's departments.
    pub fn departments<'a>(
        mut self,
        departments: impl IntoIterator<Item = &'a Record<Department>>,
    ) -> Self {
        let live = self.live(departments);
        self.departments
            .extend(live.into_iter().map(|r| (r.id, r.parent)));
        self
    }

    /// The tenant's teams.
    pub fn teams<'a>(mut self, teams: impl IntoIterator<Item = &'a Record<Team>>) -> Self {
        let live = self.live(teams);
        self.teams
            .extend(live.into_iter().map(|r| (r.id, r.data.clone())));
        self
    }

    /// The tenant's roles.
    pub fn roles<'a>(mut self, roles: impl IntoIterator<Item = &'a Record<Role>>) -> Self {
        let live = self.live(roles);
        self.roles
            .extend(live.into_iter().map(|r| (r.id, r.data.clone())));
        self
    }

    /// Which user has which role.
    pub fn assignments<'a>(
        mut self,
        assignments: impl IntoIterator<Item = &'a Record<RoleAssignment>>,
    ) -> Self {
        let live = self.live(assignments);
        self.assignments.extend(live.into_iter().map(|r| r.data));
        self
    }

    /// The tenant's shares (expired ones may be included: checks compare with `now`).
    pub fn shares<'a>(mut self, shares: impl IntoIterator<Item = &'a Record<Share>>) -> Self {
        let live = self.live(shares);
        self.shares
            .extend(live.into_iter().map(|r| (r.id, r.data.clone())));
        self
    }

    /// The snapshot. A record of another tenant, a cycle in a hierarchy or a role whose
    /// custom scope does not resolve is an error.
    pub fn build(self) -> Result<Directory> {
        if let Some(record) = self.foreign {
            return Err(Error::validation(
                "tenant",
                record,
                format!(
                    "a directory of tenant {} given a record of another",
                    self.tenant
                ),
            ));
        }
        let mut teams_of: HashMap<UserId, Vec<TeamId>> = HashMap::new();
        for (id, team) in &self.teams {
            for row in team_members(*id, team) {
                teams_of.entry(row.user).or_default().push(row.team);
            }
        }
        let mut roles_of: HashMap<UserId, Vec<RoleId>> = HashMap::new();
        for a in self
            .assignments
            .iter()
            .filter(|a| self.roles.contains_key(&a.role))
        {
            roles_of.entry(a.user).or_default().push(a.role);
        }
        let mut merged: HashMap<Vec<RoleId>, Arc<EffectiveAccess>> = HashMap::new();
        let mut members = HashMap::with_capacity(self.users.len());
        for (id, user) in &self.users {
            let mut role_ids = roles_of.remove(id).unwrap_or_default();
            role_ids.sort_unstable();
            role_ids.dedup();
            let access = match merged.get(&role_ids) {
                Some(access) => access.clone(),
                None => {
                    let roles: Vec<&Role> = role_ids.iter().map(|r| &self.roles[r]).collect();
                    let access = Arc::new(EffectiveAccess::merge(&roles)?);
                    merged.insert(role_ids, access.clone());
                    access
                }
            };
            let mut teams = teams_of.remove(id).unwrap_or_default();
            teams.sort_unstable();
            teams.dedup();
            members.insert(
                *id,
                Member {
                    department: user.department_id,
                    teams,
                    active: user.active,
                    access,
                },
            );
        }
        let manages = closure_of(self.users.iter().map(|(id, u)| (*id, u.manager_id)))?
            .into_iter()
            .map(|r| (r.ancestor, r.descendant))
            .collect();
        let contains = closure_of(self.departments.iter().copied())?
            .into_iter()
            .map(|r| (r.ancestor, r.descendant))
            .collect();
        let mut shares: HashMap<Uuid, Vec<(ShareId, Share)>> = HashMap::new();
        for (id, share) in self.shares {
            shares.entry(share.record).or_default().push((id, share));
        }
        Ok(Directory {
            tenant: self.tenant,
            members,
            manages,
            contains,
            shares,
        })
    }
}

impl Directory {
    /// Start collecting the records of `tenant`.
    pub fn builder(tenant: TenantId) -> DirectoryBuilder {
        DirectoryBuilder {
            tenant,
            users: Vec::new(),
            departments: Vec::new(),
            teams: Vec::new(),
            roles: HashMap::new(),
            assignments: Vec::new(),
            shares: Vec::new(),
            foreign: None,
        }
    }

    /// The tenant this directory describes.
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    /// The acting user's entry, or why there is none.
    pub(crate) fn member(&self, actor: &Actor) -> std::result::Result<(UserId, &Member), Reason> {
        if actor.tenant != self.tenant {
            return Err(Reason::OtherTenant);
        }
        let Principal::User(user) = actor.principal else {
            return Err(Reason::System);
        };
        let member = self.members.get(&user).ok_or(Reason::UnknownUser)?;
        if !member.active {
            return Err(Reason::InactiveUser);
        }
        Ok((user, member))
    }

    /// May `actor` do `action` to the record stored as `row`, at `now` (shares expire)?
    ///
    /// The system may do anything; a user needs a role granting the action on the row's
    /// kind, and then either a data scope of it reaching the record or, to read or update,
    /// an active share reaching the user. Hash probes only: no tree walk, no scan.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use crm_core::access::{Action, Directory, Role, RoleAssignment, Scope};
    /// use crm_core::id::{AccountId, RoleAssignmentId, RoleId, TenantId, UserId};
    /// use crm_core::model::{Account, User};
    /// use crm_core::value::{CompanyName, PersonName};
    /// use crm_core::{Actor, ObjectKind, Record};
    /// use uuid::Uuid;
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    /// let tenant = TenantId(Uuid::from_u128(1));
    /// let (boss, rep) = (UserId(Uuid::from_u128(10)), UserId(Uuid::from_u128(11)));
    /// let mut rep_user = User::new(PersonName::parse("李娜")?);
    /// rep_user.manager_id = Some(boss);
    /// let users = [
    ///     Record::new(boss, tenant, None, now, User::new(PersonName::parse("王强")?)),
    ///     Record::new(rep, tenant, None, now, rep_user),
    /// ];
    /// let role = Record::new(RoleId(Uuid::from_u128(20)), tenant, None, now,
    ///     Role::new("销售").grant(ObjectKind::Account, [Action::Read], Scope::OwnAndSubordinates));
    /// let assignments: Vec<_> = [boss, rep].iter().enumerate().map(|(i, user)| {
    ///     Record::new(RoleAssignmentId(Uuid::from_u128(30 + i as u128)), tenant, None, now,
    ///         RoleAssignment { user: *user, role: role.id })
    /// }).collect();
    /// let directory = Directory::builder(tenant)
    ///     .users(&users).roles([&role]).assignments(&assignments).build()?;
    ///
    /// let account = Record::new(AccountId(Uuid::from_u128(40)), tenant, Some(rep), now,
    ///     Account::new(CompanyName::parse("北京华为技术有限公司")?));
    /// let row = account.to_row()?;
    /// assert!(directory.check(&Actor::user(tenant, boss), Action::Read, &row, now).allowed);
    /// assert!(directory.check(&Actor::user(tenant, rep), Action::Read, &row, now).allowed);
    /// let decision = directory.check(&Actor::user(tenant, rep), Action::Delete, &row, now);
    /// assert!(!decision.allowed);
    /// assert_eq!(decision.reason.to_string(), "no role of the user grants it");
    /// # Ok::<(), crm_core::Error>(())
    /// ```
    pub fn check(&self, actor: &Actor, action: Action, row: &Row, now: DateTime<Utc>) -> Decision {
        if row.meta.tenant != actor.tenant {
            return Decision::deny(Reason::OtherTenant);
        }
        let (user, me) = match self.member(actor) {
            Ok(found) => found,
            Err(Reason::System) => return Decision::allow(Reason::System),
            Err(reason) => return Decision::deny(reason),
        };
        let grant = me.access.grant(row.kind, action);
        if grant.is_empty() {
            return Decision::deny(Reason::NotGranted);
        }
        let scopes = grant.scopes;
        if scopes.contains(ScopeKind::All) {
            return Decision::allow(Reason::Scope(ScopeKind::All));
        }
        let owner = row.meta.owner.filter(|_| scopes.has_owner_based());
        if let Some(scope) = owner.and_then(|o| self.owner_scope(user, me, o, scopes)) {
            return Decision::allow(Reason::Scope(scope));
        }
        if grant.custom.iter().any(|(_, c)| c.matches(row, &NoRows)) {
            return Decision::allow(Reason::Scope(ScopeKind::Matching));
        }
        if let Some(share) = self.share_reaching(user, me, action, row, now) {
            return Decision::allow(Reason::Shared(share));
        }
        Decision::deny(Reason::OutOfScope)
    }

    /// The narrowest owner-based scope in `scopes` that reaches a record owned by `owner`.
    fn owner_scope(
        &self,
        user: UserId,
        me: &Member,
        owner: UserId,
        scopes: super::ScopeSet,
    ) -> Option<ScopeKind> {
        if owner == user {
            return Some(ScopeKind::Own);
        }
        if scopes.contains(ScopeKind::OwnAndSubordinates) && self.manages.contains(&(user, owner)) {
            return Some(ScopeKind::OwnAndSubordinates);
        }
        let wants_team = scopes.contains(ScopeKind::Team);
        let wants_department = scopes.contains(ScopeKind::Department);
        let wants_below = scopes.contains(ScopeKind::DepartmentAndBelow);
        if !(wants_team || wants_department || wants_below) {
            return None;
        }
        let theirs = self.members.get(&owner)?;
        if wants_team && shares_a_team(&me.teams, &theirs.teams) {
            return Some(ScopeKind::Team);
        }
        let (mine, theirs) = (me.department?, theirs.department?);
        if wants_department && mine == theirs {
            return Some(ScopeKind::Department);
        }
        if wants_below && self.contains.contains(&(mine, theirs)) {
            return Some(ScopeKind::DepartmentAndBelow);
        }
        None
    }

    /// Whether `actor` may claim from `pool` as a member: named in it, an admin, or in one
    /// of its departments or a department below one. The system is no member.
    pub fn is_pool_member(&self, actor: &Actor, pool: &Pool) -> bool {
        let Ok((user, me)) = self.member(actor) else {
            return false;
        };
        pool.users.contains(&user)
            || pool.admins.contains(&user)
            || me.department.is_some_and(|mine| {
                pool.departments
                    .iter()
                    .any(|d| self.contains.contains(&(*d, mine)))
            })
    }

    /// An active share of the record that allows `action` and reaches the user.
    fn share_reaching(
        &self,
        user: UserId,
        me: &Member,
        action: Action,
        row: &Row,
        now: DateTime<Utc>,
    ) -> Option<ShareId> {
        let shares = self.shares.get(&row.id)?;
        shares
            .iter()
            .find(|(_, s)| {
                s.object == row.kind
                    && s.level.allows(action)
                    && s.is_active(now)
                    && match s.grantee {
                        Grantee::User(u) => u == user,
                        Grantee::Team(t) => me.teams.binary_search(&t).is_ok(),
                        Grantee::Department(d) => me
                            .department
                            .is_some_and(|mine| self.contains.contains(&(d, mine))),
                    }
            })
            .map(|(id, _)| *id)
    }
}

/// Whether two sorted team lists meet.
fn shares_a_team(a: &[TeamId], b: &[TeamId]) -> bool {
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => return true,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::access::{Scope, ShareLevel};
    use crate::error::ErrorKind;
    use crate::id::{AccountId, RoleAssignmentId};
    use crate::model::{Account, Department};
    use crate::value::{CompanyName, PersonName};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
    }

    fn tenant() -> TenantId {
        TenantId(Uuid::from_u128(1))
    }

    fn user(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    /// 1 manages 2 and 3; everyone reads accounts of their reports; 4 has no role.
    fn directory(shares: &[Record<Share>]) -> Directory {
        let users: Vec<Record<User>> = (1..=4)
            .map(|n| {
                let mut u = User::new(PersonName::parse("张伟").unwrap());
                u.manager_id = (n == 2 || n == 3).then(|| user(1));
                Record::new(user(n), tenant(), None, now(), u)
            })
            .collect();
        let role = Record::new(
            RoleId(Uuid::from_u128(20)),
            tenant(),
            None,
            now(),
            Role::new("销售").grant(
                ObjectKind::Account,
                [Action::Read, Action::Update],
                Scope::OwnAndSubordinates,
            ),
        );
        let assignments: Vec<_> = (1..=3)
            .map(|n| {
                let assignment = RoleAssignment {
                    user: user(n),
                    role: role.id,
                };
                Record::new(
                    RoleAssignmentId(Uuid::from_u128(30 + n)),
                    tenant(),
                    None,
                    now(),
                    assignment,
                )
            })
            .collect();
        Directory::builder(tenant())
            .users(&users)
            .roles([&role])
            .assignments(&assignments)
            .shares(shares)
            .build()
            .unwrap()
    }

    fn account_of(owner: u128) -> Row {
        let account = Account::new(CompanyName::parse("上海测试有限公司").unwrap());
        let id = AccountId(Uuid::from_u128(100 + owner));
        Record::new(id, tenant(), Some(user(owner)), now(), account)
            .to_row()
            .unwrap()
    }

    fn decide(
        directory: &Directory,
        who: u128,
        action: Action,
        row: &Row,
        at: DateTime<Utc>,
    ) -> Decision {
        directory.check(&Actor::user(tenant(), user(who)), action, row, at)
    }

    #[test]
    fn a_manager_reaches_reports_records_and_peers_do_not() {
        let directory = directory(&[]);
        let of_two = account_of(2);
        let read = |who| decide(&directory, who, Action::Read, &of_two, now());
        assert_eq!(read(1).reason, Reason::Scope(ScopeKind::OwnAndSubordinates));
        assert_eq!(read(2).reason, Reason::Scope(ScopeKind::Own));
        assert_eq!(read(3), Decision::deny(Reason::OutOfScope));
        assert_eq!(read(4), Decision::deny(Reason::NotGranted));
        assert_eq!(read(9), Decision::deny(Reason::UnknownUser));
        let err = read(3)
            .require(Action::Read, ObjectKind::Account, of_two.id)
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::PermissionDenied);
        let hidden = read(3)
            .or_not_found(ObjectKind::Account, of_two.id)
            .unwrap_err();
        assert_eq!(hidden.kind(), ErrorKind::NotFound);
        assert!(read(1).or_not_found(ObjectKind::Account, of_two.id).is_ok());
        let system = directory.check(&Actor::system(tenant()), Action::Delete, &of_two, now());
        assert_eq!(system.reason, Reason::System);
        let stranger = Actor::user(TenantId(Uuid::from_u128(2)), user(1));
        assert_eq!(
            directory
                .check(&stranger, Action::Read, &of_two, now())
                .reason,
            Reason::OtherTenant
        );
    }

    #[test]
    fn a_share_reaches_its_grantee_until_it_lapses_and_only_for_its_level() {
        let of_two = account_of(2);
        let share = Share::new(
            ObjectKind::Account,
            of_two.id,
            Grantee::User(user(3)),
            ShareLevel::Read,
        )
        .until(now() + Duration::hours(1));
        let id = ShareId(Uuid::from_u128(50));
        let directory = directory(&[Record::new(id, tenant(), None, now(), share)]);
        assert_eq!(
            decide(&directory, 3, Action::Read, &of_two, now()).reason,
            Reason::Shared(id)
        );
        assert!(
            !decide(&directory, 3, Action::Update, &of_two, now()).allowed,
            "read level"
        );
        let lapsed = now() + Duration::hours(1);
        assert!(
            !decide(&directory, 3, Action::Read, &of_two, lapsed).allowed,
            "expiry is exclusive"
        );
        assert_eq!(
            decide(&directory, 4, Action::Read, &of_two, now()).reason,
            Reason::NotGranted
        );
    }

    #[test]
    fn pool_members_are_named_admins_or_in_a_department_at_or_below_the_pools() {
        let (east, shanghai) = (
            DepartmentId(Uuid::from_u128(61)),
            DepartmentId(Uuid::from_u128(62)),
        );
        let departments = [
            Record::new(
                east,
                tenant(),
                None,
                now(),
                Department {
                    name: "华东".into(),
                    parent: None,
                },
            ),
            Record::new(
                shanghai,
                tenant(),
                None,
                now(),
                Department {
                    name: "上海".into(),
                    parent: Some(east),
                },
            ),
        ];
        let users: Vec<Record<User>> = [(1, Some(east)), (2, Some(shanghai)), (3, None)]
            .into_iter()
            .map(|(n, department)| {
                let mut u = User::new(PersonName::parse("王芳").unwrap());
                u.department_id = department;
                Record::new(user(n), tenant(), None, now(), u)
            })
            .collect();
        let directory = Directory::builder(tenant())
            .users(&users)
            .departments(&departments)
            .build()
            .unwrap();
        let pool = |departments: &[DepartmentId], admins: &[u128]| Pool {
            name: "公海".into(),
            object: ObjectKind::Account,
            users: Default::default(),
            departments: departments.iter().copied().collect(),
            admins: admins.iter().map(|n| user(*n)).collect(),
            rules: Default::default(),
        };
        let member =
            |n, pool: &Pool| directory.is_pool_member(&Actor::user(tenant(), user(n)), pool);
        let eastern = pool(&[east], &[]);
        assert!(member(1, &eastern) && member(2, &eastern) && !member(3, &eastern));
        let local = pool(&[shanghai], &[3]);
        assert!(!member(1, &local) && member(2, &local) && member(3, &local));
        assert!(!directory.is_pool_member(&Actor::system(tenant()), &local));
    }
}
