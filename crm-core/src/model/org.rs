use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::check_text;
use crate::error::{Error, Result};
use crate::id::{DepartmentId, TeamId, UserId};
use crate::record::{Column, ColumnType, Entity, ObjectKind, Reference};
use crate::value::{Email, PersonName, Phone};

/// A person who uses the CRM: a salesperson, a manager, an administrator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    /// Display name.
    pub name: PersonName,
    /// Login or work email.
    pub email: Option<Email>,
    /// Mobile phone.
    pub mobile: Option<Phone>,
    /// The department the user belongs to.
    pub department_id: Option<DepartmentId>,
    /// The user's manager (上级).
    pub manager_id: Option<UserId>,
    /// Whether the user can be assigned work; a departed salesperson is inactive.
    pub active: bool,
}

impl User {
    /// An active user with only a name.
    pub fn new(name: PersonName) -> Self {
        User {
            name,
            email: None,
            mobile: None,
            department_id: None,
            manager_id: None,
            active: true,
        }
    }
}

/// A sales team (团队), across or within departments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Team {
    /// The team's name.
    pub name: String,
    /// The team leader.
    pub leader: Option<UserId>,
    /// The members (the leader need not be one).
    #[serde(default)]
    pub members: BTreeSet<UserId>,
}

/// A node of the organisation tree (部门).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Department {
    /// The department's name, e.g. 「华东大区」.
    pub name: String,
    /// The parent department; `None` for the root(s).
    pub parent: Option<DepartmentId>,
}

pub(super) const USER_COLUMNS: &[Column] = &[
    Column::new("name", ColumnType::Text),
    Column::new("email", ColumnType::Text).indexed(),
    Column::new("department_id", ColumnType::Uuid).indexed(),
    Column::new("manager_id", ColumnType::Uuid).indexed(),
    Column::new("active", ColumnType::Bool),
];

pub(super) const TEAM_COLUMNS: &[Column] = &[
    Column::new("name", ColumnType::Text),
    Column::new("leader", ColumnType::Uuid),
];

pub(super) const DEPARTMENT_COLUMNS: &[Column] = &[
    Column::new("name", ColumnType::Text),
    Column::new("parent", ColumnType::Uuid).indexed(),
];

impl Entity for User {
    type Id = UserId;
    const KIND: ObjectKind = ObjectKind::User;

    fn references(&self) -> Vec<Reference> {
        let department = self
            .department_id
            .map(|d| Reference::to("department_id", ObjectKind::Department, d));
        let manager = self
            .manager_id
            .map(|m| Reference::to("manager_id", ObjectKind::User, m));
        [department, manager].into_iter().flatten().collect()
    }

    fn tree_parent(&self) -> Option<uuid::Uuid> {
        self.manager_id.map(|m| m.0)
    }
}

impl Entity for Team {
    type Id = TeamId;
    const KIND: ObjectKind = ObjectKind::Team;

    fn check(&self) -> Result<()> {
        check_text("name", &self.name, 100)
    }

    fn references(&self) -> Vec<Reference> {
        let mut refs = Reference::all("members", ObjectKind::User, self.members.iter().copied());
        refs.extend(
            self.leader
                .map(|l| Reference::to("leader", ObjectKind::User, l)),
        );
        refs
    }
}

impl Entity for Department {
    type Id = DepartmentId;
    const KIND: ObjectKind = ObjectKind::Department;

    fn check(&self) -> Result<()> {
        check_text("name", &self.name, 100)
    }

    fn references(&self) -> Vec<Reference> {
        Reference::all("parent", ObjectKind::Department, self.parent)
    }

    fn tree_parent(&self) -> Option<uuid::Uuid> {
        self.parent.map(|p| p.0)
    }
}

/// A tenant's departments as a tree: parent links checked for cycles and dangling parents,
/// with ancestor and descendant queries.
#[derive(Debug, Clone, Default)]
pub struct DepartmentTree {
    parent: HashMap<DepartmentId, Option<DepartmentId>>,
}

impl DepartmentTree {
    /// Build from `(id, parent)` links; refuses a link to an unknown department or a cycle.
    pub fn new(
        links: impl IntoIterator<Item = (DepartmentId, Option<DepartmentId>)>,
    ) -> Result<Self> {
        let tree = DepartmentTree {
            parent: links.into_iter().collect(),
        };
        for (&id, parent) in &tree.parent {
            if let Some(p) = parent.filter(|p| !tree.parent.contains_key(p)) {
                return Err(Error::validation(
                    "parent",
                    p.to_string(),
                    format!("department {id} names a parent that does not exist"),
                ));
            }
            tree.check_no_cycle_from(id)?;
        }
        Ok(tree)
    }

    /// Whether setting `id`'s parent to `parent` keeps the tree a tree.
    pub fn check_move(&self, id: DepartmentId, parent: Option<DepartmentId>) -> Result<()> {
        let Some(parent) = parent else { return Ok(()) };
        if !self.parent.contains_key(&parent) {
            return Err(Error::validation(
                "parent",
                parent.to_string(),
                "no such department",
            ));
        }
        if parent == id || self.ancestors(parent).any(|a| a == id) {
            return Err(Error::validation(
                "parent",
                parent.to_string(),
                format!("would put department {id} below itself"),
            ));
        }
        Ok(())
    }

    /// The parent, grandparent, ... of `id`, nearest first.
    pub fn ancestors(&self, id: DepartmentId) -> impl Iterator<Item = DepartmentId> + '_ {
        let mut next = self.parent.get(&id).copied().flatten();
        let mut steps = 0;
        std::iter::from_fn(move || {
            // The bound protects against a cycle in a tree built without `new`.
            steps += 1;
            let current = next.filter(|_| steps <= self.parent.len())?;
            next = self.parent.get(&current).copied().flatten();
            Some(current)
        })
    }

    /// `id` and every department below it.
    pub fn subtree(&self, id: DepartmentId) -> BTreeSet<DepartmentId> {
        self.parent
            .keys()
            .copied()
            .filter(|&d| d == id || self.ancestors(d).any(|a| a == id))
            .collect()
    }

    fn check_no_cycle_from(&self, id: DepartmentId) -> Result<()> {
        let mut seen = BTreeSet::from([id]);
        let mut current = id;
        while let Some(Some(parent)) = self.parent.get(&current) {
            if !seen.insert(*parent) {
                return Err(Error::validation(
                    "parent",
                    parent.to_string(),
                    format!("departments form a cycle through {id}"),
                ));
            }
            current = *parent;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(n: u128) -> DepartmentId {
        DepartmentId(uuid::Uuid::from_u128(n))
    }

    #[test]
    fn tree_queries_and_cycle_checks() {
        // 1 <- 2 <- 3, 1 <- 4
        let tree = DepartmentTree::new([
            (d(1), None),
            (d(2), Some(d(1))),
            (d(3), Some(d(2))),
            (d(4), Some(d(1))),
        ])
        .unwrap();
        assert_eq!(tree.ancestors(d(3)).collect::<Vec<_>>(), vec![d(2), d(1)]);
        assert_eq!(tree.subtree(d(2)), BTreeSet::from([d(2), d(3)]));
        assert_eq!(tree.subtree(d(1)).len(), 4);
        assert!(tree.check_move(d(1), Some(d(3))).is_err());
        assert!(tree.check_move(d(2), Some(d(2))).is_err());
        assert!(tree.check_move(d(3), Some(d(4))).is_ok());
        assert!(tree.check_move(d(3), Some(d(9))).is_err());
    }

    #[test]
    fn cycles_and_dangling_parents_are_refused() {
        assert!(DepartmentTree::new([(d(1), Some(d(2))), (d(2), Some(d(1)))]).is_err());
        assert!(DepartmentTree::new([(d(1), Some(d(7)))]).is_err());
    }
}
