//! [`Directory::plan`]: the records an actor may act on, as one storage-neutral predicate.
//!
//! Everything that grows with the data stays in the store and is reached by sub-selects on
//! the stored access kinds — closure tables, team memberships, users, shares — so the
//! predicate has the same small size for a tenant of ten users or of ten thousand.

use chrono::{DateTime, Utc};

use super::{Action, Directory, Reason, ScopeKind, ShareLevel};
use crate::actor::Actor;
use crate::id::{DepartmentId, UserId};
use crate::query::Predicate;
use crate::record::ObjectKind;

/// Which records of a kind an actor may act on.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Every record.
    AlwaysAllowed,
    /// No record.
    AlwaysDenied,
    /// The records matching the predicate.
    Conditional(Predicate),
}

impl Plan {
    /// The plan as one predicate to AND into a query's filter.
    pub fn into_predicate(self) -> Predicate {
        match self {
            Plan::AlwaysAllowed => Predicate::True,
            Plan::AlwaysDenied => Predicate::False,
            Plan::Conditional(p) => p,
        }
    }
}

/// `field IN (SELECT select FROM from WHERE filter)`.
fn via(field: &str, from: ObjectKind, select: &str, filter: Predicate) -> Predicate {
    Predicate::in_select(field, from, select, filter)
}

/// Users in or below department `d`.
fn departments_below(d: DepartmentId) -> Predicate {
    via(
        "department_id",
        ObjectKind::DepartmentClosure,
        "descendant",
        Predicate::eq("ancestor", d),
    )
}

/// The team memberships of `user` (select `team` for the teams they are in).
fn memberships_of(user: UserId) -> Predicate {
    Predicate::eq("user", user)
}

impl Directory {
    /// The records of `kind` that `actor` may do `action` to at `now`, for a store to
    /// compile into its `WHERE`: what [`Directory::check`] allows, record by record, given
    /// the stored access rows are in step with the records the directory was built from.
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use crm_core::access::{Action, Directory, Plan, Role, RoleAssignment, Scope};
    /// use crm_core::id::{RoleAssignmentId, RoleId, TenantId, UserId};
    /// use crm_core::model::User;
    /// use crm_core::query::Predicate;
    /// use crm_core::value::PersonName;
    /// use crm_core::{Actor, ObjectKind, Record};
    /// use uuid::Uuid;
    ///
    /// let now = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();
    /// let tenant = TenantId(Uuid::from_u128(1));
    /// let rep = UserId(Uuid::from_u128(11));
    /// let users = [Record::new(rep, tenant, None, now, User::new(PersonName::parse("李娜")?))];
    /// let role = Record::new(RoleId(Uuid::from_u128(20)), tenant, None, now,
    ///     Role::new("销售").grant(ObjectKind::Account, [Action::Read], Scope::Own));
    /// let assignment = Record::new(RoleAssignmentId(Uuid::from_u128(30)), tenant, None, now,
    ///     RoleAssignment { user: rep, role: role.id });
    /// let directory = Directory::builder(tenant)
    ///     .users(&users).roles([&role]).assignments([&assignment]).build()?;
    ///
    /// let me = Actor::user(tenant, rep);
    /// assert_eq!(directory.plan(&me, Action::Delete, ObjectKind::Account, now), Plan::AlwaysDenied);
    /// assert_eq!(directory.plan(&Actor::system(tenant), Action::Delete, ObjectKind::Account, now),
    ///     Plan::AlwaysAllowed);
    /// let Plan::Conditional(mine) = directory.plan(&me, Action::Read, ObjectKind::Account, now) else {
    ///     panic!("a scoped read is conditional")
    /// };
    /// // My accounts, or those shared with me: a predicate any store compiles.
    /// assert!(mine.resolve(ObjectKind::Account).is_ok());
    /// # Ok::<(), crm_core::Error>(())
    /// ```
    pub fn plan(
        &self,
        actor: &Actor,
        action: Action,
        kind: ObjectKind,
        now: DateTime<Utc>,
    ) -> Plan {
        let (user, me) = match self.member(actor) {
            Ok(found) => found,
            Err(Reason::System) => return Plan::AlwaysAllowed,
            Err(_) => return Plan::AlwaysDenied,
        };
        let grant = me.access.grant(kind, action);
        if grant.is_empty() {
            return Plan::AlwaysDenied;
        }
        let scopes = grant.scopes;
        if scopes.contains(ScopeKind::All) {
            return Plan::AlwaysAllowed;
        }
        let mut any = Vec::new();
        if scopes.has_owner_based() {
            any.push(Predicate::eq("owner", user));
        }
        if scopes.contains(ScopeKind::OwnAndSubordinates) {
            any.push(via(
                "owner",
                ObjectKind::ManagerClosure,
                "descendant",
                Predicate::eq("ancestor", user),
            ));
        }
        if scopes.contains(ScopeKind::Team) {
            any.push(via(
                "owner",
                ObjectKind::TeamMember,
                "user",
                via("team", ObjectKind::TeamMember, "team", memberships_of(user)),
            ));
        }
        if let Some(department) = me.department {
            if scopes.contains(ScopeKind::Department) {
                any.push(via(
                    "owner",
                    ObjectKind::User,
                    "id",
                    Predicate::eq("department_id", department),
                ));
            }
            if scopes.contains(ScopeKind::DepartmentAndBelow) {
                any.push(via(
                    "owner",
                    ObjectKind::User,
                    "id",
                    departments_below(department),
                ));
            }
        }
        any.extend(grant.custom.iter().map(|(p, _)| p.clone()));
        let levels: Vec<&str> = ShareLevel::ALL
            .into_iter()
            .filter(|l| l.allows(action))
            .map(ShareLevel::as_str)
            .collect();
        if !levels.is_empty() {
            any.push(via(
                "id",
                ObjectKind::Share,
                "record",
                shares_reaching(user, me.department, kind, levels, now),
            ));
        }
        Plan::Conditional(Predicate::Or { any })
    }
}

/// Shares of records of `kind` at one of `levels`, active at `now`, reaching `user`.
fn shares_reaching(
    user: UserId,
    department: Option<DepartmentId>,
    kind: ObjectKind,
    levels: Vec<&str>,
    now: DateTime<Utc>,
) -> Predicate {
    let mut grantee = vec![
        Predicate::eq("grantee_user", user),
        via(
            "grantee_team",
            ObjectKind::TeamMember,
            "team",
            memberships_of(user),
        ),
    ];
    if let Some(d) = department {
        grantee.push(via(
            "grantee_department",
            ObjectKind::DepartmentClosure,
            "ancestor",
            Predicate::eq("descendant", d),
        ));
    }
    Predicate::And {
        all: vec![
            Predicate::eq("object", kind.as_str()),
            Predicate::is_in("level", levels),
            Predicate::is_null("expires_at").or(Predicate::gt("expires_at", now)),
            Predicate::Or { any: grantee },
        ],
    }
}
