//! Random organisations and a deliberately naive reference model of the access rules
//! (feature `test-util`), for differential tests of [`Directory::check`] and
//! [`Directory::plan`] here and against every store.
//!
//! The reference walks manager and department parents one step at a time and scans every
//! share and team for every question: slow, obvious, and independent of the closures,
//! merged grants and sub-selects the fast paths use.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use uuid::Uuid;

use super::{
    Action, Directory, Grantee, Role, RoleAssignment, Scope, Share, ShareLevel, closure_of,
    team_members,
};
use crate::actor::{Actor, Principal};
use crate::id::{
    AccountId, ClosureRowId, ContactId, DepartmentId, RecordId, RoleId, ShareId, TeamId,
    TeamMemberId, TenantId, UserId,
};
use crate::model::{Account, Contact, Department, Team, User};
use crate::query::{NoRows, Predicate};
use crate::record::{Entity, ObjectKind, Record, Row};
use crate::value::{CompanyName, PersonName};

/// The kinds of records the generated worlds hold and grant on.
pub const KINDS: [ObjectKind; 2] = [ObjectKind::Account, ObjectKind::Contact];

/// A tenant's organisation, access rules and records, as stored.
#[derive(Debug, Clone)]
pub struct World {
    /// The tenant.
    pub tenant: TenantId,
    /// The instant checks and plans are made at; share expiries lie around it.
    pub now: DateTime<Utc>,
    /// Users (some inactive) with managers and departments.
    pub users: Vec<Record<User>>,
    /// The department forest.
    pub departments: Vec<Record<Department>>,
    /// Teams with members and leaders.
    pub teams: Vec<Record<Team>>,
    /// Roles with random scopes per kind and action.
    pub roles: Vec<Record<Role>>,
    /// Role assignments, some soft-deleted.
    pub assignments: Vec<Record<RoleAssignment>>,
    /// Shares, some expired, some soft-deleted.
    pub shares: Vec<Record<Share>>,
    /// Accounts and contacts; some without owner (the public pool), some owned by no known
    /// user.
    pub records: Vec<Row>,
}

fn id<I: RecordId>(space: u128, n: usize) -> I {
    I::from_uuid(Uuid::from_u128((space << 64) | n as u128))
}

/// A user id no world knows.
pub fn stranger() -> UserId {
    id(0xdead, 0)
}

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap()
}

/// An index below `i`, if `i > 0` and `pick` says so.
fn earlier(pick: Option<Index>, i: usize) -> Option<usize> {
    pick.filter(|_| i > 0).map(|p| p.index(i))
}

fn scope(kind: ObjectKind, n: u8) -> Scope {
    let field_test = match kind {
        ObjectKind::Account => Predicate::eq("level", "A"),
        _ => Predicate::eq("primary", true),
    };
    match n {
        0 | 1 => Scope::Own,
        2 | 3 => Scope::OwnAndSubordinates,
        4 | 5 => Scope::Team,
        6 | 7 => Scope::Department,
        8 | 9 => Scope::DepartmentAndBelow,
        10 => Scope::All,
        11 => Scope::Matching {
            predicate: field_test,
        },
        _ => Scope::Matching {
            predicate: Predicate::is_null("owner"),
        },
    }
}

type UserSpec = (Option<Index>, Option<Index>, bool, Vec<Index>);
type ShareSpec = (Index, u8, Index, bool, Option<i64>, bool, bool);
type RecordSpec = (bool, u8, Index, Option<bool>, bool);

/// Random worlds: up to 6 departments, 4–15 users, 3 teams, 3 roles, 24 shares and 30–59
/// records.
pub fn world() -> impl Strategy<Value = World> {
    (
        1_usize..7,
        4_usize..16,
        0_usize..4,
        1_usize..4,
        30_usize..60,
    )
        .prop_flat_map(|(departments, users, teams, roles, records)| {
            let user: BoxedStrategy<UserSpec> = (
                proptest::option::weighted(0.75, any::<Index>()),
                proptest::option::weighted(0.8, any::<Index>()),
                proptest::bool::weighted(0.9),
                proptest::collection::vec(any::<Index>(), 0..3),
            )
                .boxed();
            let team = (
                proptest::collection::vec(any::<Index>(), 0..6),
                proptest::option::weighted(0.6, any::<Index>()),
            );
            let role = proptest::collection::vec(
                proptest::option::weighted(0.6, 0_u8..13),
                KINDS.len() * Action::COUNT,
            );
            let share: BoxedStrategy<ShareSpec> = (
                any::<Index>(),
                0_u8..3,
                any::<Index>(),
                any::<bool>(),
                proptest::option::weighted(0.6, -3_i64..=3),
                proptest::bool::weighted(0.1),
                proptest::bool::weighted(0.1),
            )
                .boxed();
            let record: BoxedStrategy<RecordSpec> = (
                any::<bool>(),
                0_u8..20,
                any::<Index>(),
                proptest::option::of(any::<bool>()),
                any::<bool>(),
            )
                .boxed();
            (
                proptest::collection::vec(
                    proptest::option::weighted(0.7, any::<Index>()),
                    departments,
                ),
                proptest::collection::vec(user, users),
                proptest::collection::vec(team, teams),
                proptest::collection::vec(role, roles),
                proptest::collection::vec(share, 0..25),
                proptest::collection::vec(record, records),
            )
        })
        .prop_map(|(departments, users, teams, roles, shares, records)| {
            build(departments, users, teams, roles, shares, records)
        })
}

fn build(
    department_specs: Vec<Option<Index>>,
    user_specs: Vec<UserSpec>,
    team_specs: Vec<(Vec<Index>, Option<Index>)>,
    role_specs: Vec<Vec<Option<u8>>>,
    share_specs: Vec<ShareSpec>,
    record_specs: Vec<RecordSpec>,
) -> World {
    let tenant = TenantId(Uuid::from_u128(0x7e7a));
    let now = at();
    let stored = |id, data| Record::new(id, tenant, None, now, data);
    let department_ids: Vec<DepartmentId> =
        (0..department_specs.len()).map(|i| id(0x2, i)).collect();
    let departments = department_specs
        .iter()
        .enumerate()
        .map(|(i, parent)| {
            let department = Department {
                name: format!("部门{i}"),
                parent: earlier(*parent, i).map(|p| department_ids[p]),
            };
            Record::new(department_ids[i], tenant, None, now, department)
        })
        .collect();
    let user_ids: Vec<UserId> = (0..user_specs.len()).map(|i| id(0x1, i)).collect();
    let users = user_specs
        .iter()
        .enumerate()
        .map(|(i, (manager, department, active, _))| {
            let mut user = User::new(PersonName::parse("张伟").unwrap());
            user.manager_id = earlier(*manager, i).map(|m| user_ids[m]);
            user.department_id = department.map(|d| department_ids[d.index(department_ids.len())]);
            user.active = *active;
            Record::new(user_ids[i], tenant, None, now, user)
        })
        .collect();
    let team_ids: Vec<TeamId> = (0..team_specs.len()).map(|i| id(0x3, i)).collect();
    let teams = team_specs
        .iter()
        .enumerate()
        .map(|(i, (members, leader))| {
            let team = Team {
                name: format!("团队{i}"),
                leader: leader.map(|l| user_ids[l.index(user_ids.len())]),
                members: members
                    .iter()
                    .map(|m| user_ids[m.index(user_ids.len())])
                    .collect(),
            };
            Record::new(team_ids[i], tenant, None, now, team)
        })
        .collect();
    let role_ids: Vec<RoleId> = (0..role_specs.len()).map(|i| id(0x4, i)).collect();
    let roles = role_specs
        .iter()
        .enumerate()
        .map(|(i, grants)| {
            let mut role = Role::new(&format!("角色{i}"));
            for (slot, n) in grants.iter().enumerate() {
                if let Some(n) = n {
                    let kind = KINDS[slot / Action::COUNT];
                    role = role.grant(kind, [Action::ALL[slot % Action::COUNT]], scope(kind, *n));
                }
            }
            Record::new(role_ids[i], tenant, None, now, role)
        })
        .collect();
    let mut assignments = Vec::new();
    for (u, (_, _, _, picks)) in user_specs.iter().enumerate() {
        for (k, pick) in picks.iter().enumerate() {
            let assignment = RoleAssignment {
                user: user_ids[u],
                role: role_ids[pick.index(role_ids.len())],
            };
            let mut r = Record::new(id(0x5, assignments.len()), tenant, None, now, assignment);
            // One in three second assignments is revoked (soft-deleted).
            if k == 1 && pick.index(3) == 0 {
                r.meta.deleted_at = Some(now);
            }
            assignments.push(r);
        }
    }
    let records: Vec<Row> = record_specs
        .iter()
        .enumerate()
        .map(|(i, (is_account, owner, who, flag, _))| {
            let owner = match owner {
                0..=2 => None,
                3 => Some(stranger()),
                _ => Some(user_ids[who.index(user_ids.len())]),
            };
            let row = if *is_account {
                let mut a = Account::new(CompanyName::parse("测试客户有限公司").unwrap());
                a.level = flag.map(|f| if f { "A" } else { "B" }.to_owned());
                let r = Record::new(id::<AccountId>(0x7, i), tenant, owner, now, a);
                r.to_row()
            } else {
                let mut c = Contact::new(PersonName::parse("王芳").unwrap());
                c.primary = flag.unwrap_or(false);
                Record::new(id::<ContactId>(0x7, i), tenant, owner, now, c).to_row()
            };
            row.unwrap()
        })
        .collect();
    let shares = share_specs
        .iter()
        .enumerate()
        .map(
            |(k, (target, grantee_kind, grantee, edit, expiry, wrong_kind, deleted))| {
                let target = &records[target.index(records.len())];
                let grantee = match grantee_kind {
                    0 => Grantee::User(user_ids[grantee.index(user_ids.len())]),
                    1 if !team_ids.is_empty() => {
                        Grantee::Team(team_ids[grantee.index(team_ids.len())])
                    }
                    _ => Grantee::Department(department_ids[grantee.index(department_ids.len())]),
                };
                let level = if *edit {
                    ShareLevel::Edit
                } else {
                    ShareLevel::Read
                };
                let object = if *wrong_kind {
                    KINDS.into_iter().find(|k| *k != target.kind).unwrap()
                } else {
                    target.kind
                };
                let mut share = Share::new(object, target.id, grantee, level);
                if let Some(hours) = expiry {
                    share = share.until(now + Duration::hours(*hours));
                }
                if k % 3 == 0 {
                    share = share.as_collaborator();
                }
                let mut r = stored(id::<ShareId>(0x6, k), share);
                if *deleted {
                    r.meta.deleted_at = Some(now);
                }
                r
            },
        )
        .collect();
    World {
        tenant,
        now,
        users,
        departments,
        teams,
        roles,
        assignments,
        shares,
        records,
    }
}

fn rows_of<T: Entity>(records: &[Record<T>]) -> impl Iterator<Item = Row> + '_ {
    records.iter().map(|r| r.to_row().unwrap())
}

impl World {
    /// The directory of this world.
    pub fn directory(&self) -> Directory {
        Directory::builder(self.tenant)
            .users(&self.users)
            .departments(&self.departments)
            .teams(&self.teams)
            .roles(&self.roles)
            .assignments(&self.assignments)
            .shares(&self.shares)
            .build()
            .unwrap()
    }

    /// Every stored row: the organisation, the access rules, the derived access rows (team
    /// memberships, both closures) and the records.
    pub fn stored_rows(&self) -> Vec<Row> {
        let mut rows: Vec<Row> = rows_of(&self.users)
            .chain(rows_of(&self.departments))
            .chain(rows_of(&self.teams))
            .chain(rows_of(&self.roles))
            .chain(rows_of(&self.assignments))
            .chain(rows_of(&self.shares))
            .collect();
        let members = self.teams.iter().flat_map(|t| team_members(t.id, t));
        for (n, member) in members.enumerate() {
            let record = Record::new(
                id::<TeamMemberId>(0x8, n),
                self.tenant,
                None,
                self.now,
                member,
            );
            rows.push(record.to_row().unwrap());
        }
        let managers = closure_of(self.users.iter().map(|u| (u.id, u.manager_id))).unwrap();
        let departments = closure_of(self.departments.iter().map(|d| (d.id, d.parent))).unwrap();
        let closure_id = |n: usize| -> ClosureRowId { id(0x9, n) };
        for (n, link) in managers.into_iter().enumerate() {
            let record = Record::new(closure_id(n), self.tenant, None, self.now, link);
            rows.push(record.to_row().unwrap());
        }
        for (n, link) in departments.into_iter().enumerate() {
            let record = Record::new(closure_id(10_000 + n), self.tenant, None, self.now, link);
            rows.push(record.to_row().unwrap());
        }
        rows.extend(self.records.iter().cloned());
        rows
    }

    /// Who acts: every user, a stranger, and the system.
    pub fn actors(&self) -> Vec<Actor> {
        self.users
            .iter()
            .map(|u| Actor::user(self.tenant, u.id))
            .chain([
                Actor::user(self.tenant, stranger()),
                Actor::system(self.tenant),
            ])
            .collect()
    }

    /// The reference answer: may `actor` do `action` to `row` at [`World::now`]?
    pub fn reference_allows(&self, actor: &Actor, action: Action, row: &Row) -> bool {
        if row.meta.tenant != actor.tenant || actor.tenant != self.tenant {
            return false;
        }
        let me = match actor.principal {
            Principal::System => return true,
            Principal::User(me) => me,
        };
        let Some(user) = self.user(me) else {
            return false;
        };
        if !user.active {
            return false;
        }
        let scopes: Vec<&Scope> = self
            .assignments
            .iter()
            .filter(|a| !a.is_deleted() && a.user == me)
            .filter_map(|a| self.roles.iter().find(|r| r.id == a.role))
            .filter_map(|role| role.scope(row.kind, action))
            .collect();
        if scopes.is_empty() {
            return false;
        }
        scopes.iter().any(|s| self.scope_reaches(s, me, row))
            || self.shares.iter().any(|s| {
                !s.is_deleted()
                    && s.object == row.kind
                    && s.record == row.id
                    && s.level.allows(action)
                    && s.expires_at.is_none_or(|at| at > self.now)
                    && self.grantee_reaches(s.grantee, me)
            })
    }

    fn user(&self, id: UserId) -> Option<&Record<User>> {
        self.users.iter().find(|u| u.id == id)
    }

    fn team_has(&self, team: &Team, user: UserId) -> bool {
        team.members.contains(&user) || team.leader == Some(user)
    }

    /// Whether `department`, or one of its ancestors, is `target` (one parent at a time).
    fn is_in_or_below(&self, department: DepartmentId, target: DepartmentId) -> bool {
        let mut current = Some(department);
        for _ in 0..=self.departments.len() {
            match current {
                Some(d) if d == target => return true,
                Some(d) => {
                    current = self
                        .departments
                        .iter()
                        .find(|x| x.id == d)
                        .and_then(|x| x.parent);
                }
                None => return false,
            }
        }
        false
    }

    fn scope_reaches(&self, scope: &Scope, me: UserId, row: &Row) -> bool {
        if let Scope::All = scope {
            return true;
        }
        if let Scope::Matching { predicate } = scope {
            return predicate.resolve(row.kind).unwrap().matches(row, &NoRows);
        }
        let Some(owner) = row.meta.owner else {
            return false;
        };
        if owner == me {
            return true;
        }
        let my_department = self.user(me).and_then(|u| u.department_id);
        let their_department = self.user(owner).and_then(|u| u.department_id);
        match scope {
            Scope::OwnAndSubordinates => {
                let mut current = self.user(owner).and_then(|u| u.manager_id);
                for _ in 0..self.users.len() {
                    match current {
                        Some(m) if m == me => return true,
                        Some(m) => current = self.user(m).and_then(|u| u.manager_id),
                        None => return false,
                    }
                }
                false
            }
            Scope::Team => {
                self.user(owner).is_some()
                    && self
                        .teams
                        .iter()
                        .any(|t| self.team_has(t, me) && self.team_has(t, owner))
            }
            Scope::Department => my_department.is_some() && my_department == their_department,
            Scope::DepartmentAndBelow => match (my_department, their_department) {
                (Some(mine), Some(theirs)) => self.is_in_or_below(theirs, mine),
                _ => false,
            },
            _ => false,
        }
    }

    fn grantee_reaches(&self, grantee: Grantee, me: UserId) -> bool {
        match grantee {
            Grantee::User(u) => u == me,
            Grantee::Team(t) => self
                .teams
                .iter()
                .any(|team| team.id == t && self.team_has(team, me)),
            Grantee::Department(d) => self
                .user(me)
                .and_then(|u| u.department_id)
                .is_some_and(|mine| self.is_in_or_below(mine, d)),
        }
    }
}
