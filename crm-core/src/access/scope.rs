//! Data scopes (数据权限): which records of a kind a role's grant reaches.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::query::Predicate;

/// The records a grant reaches, by their owner or their fields. Every owner-based scope
/// includes the actor's own records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Scope {
    /// Records the actor owns (本人).
    Own,
    /// Records owned by the actor or anyone below them in the manager tree (本人及下属).
    OwnAndSubordinates,
    /// Records owned by the actor or by anyone in a team the actor is in (团队).
    Team,
    /// Records owned by the actor or by anyone in the actor's department (本部门).
    Department,
    /// Records owned by the actor or by anyone in the actor's department or a department
    /// below it (本部门及下属部门).
    DepartmentAndBelow,
    /// Every record of the kind (全部).
    All,
    /// Records whose fields match a predicate, e.g. `region = 310000` or, for the public
    /// pool, `owner IS NULL`. Field tests only: no sub-selects.
    Matching {
        /// The condition on the record's own fields.
        predicate: Predicate,
    },
}

impl Scope {
    /// The scope without its predicate: what a [`super::Reason`] names.
    pub fn kind(&self) -> ScopeKind {
        match self {
            Scope::Own => ScopeKind::Own,
            Scope::OwnAndSubordinates => ScopeKind::OwnAndSubordinates,
            Scope::Team => ScopeKind::Team,
            Scope::Department => ScopeKind::Department,
            Scope::DepartmentAndBelow => ScopeKind::DepartmentAndBelow,
            Scope::All => ScopeKind::All,
            Scope::Matching { .. } => ScopeKind::Matching,
        }
    }
}

/// The kinds of [`Scope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScopeKind {
    /// [`Scope::Own`]
    Own,
    /// [`Scope::OwnAndSubordinates`]
    OwnAndSubordinates,
    /// [`Scope::Team`]
    Team,
    /// [`Scope::Department`]
    Department,
    /// [`Scope::DepartmentAndBelow`]
    DepartmentAndBelow,
    /// [`Scope::All`]
    All,
    /// [`Scope::Matching`]
    Matching,
}

impl ScopeKind {
    /// The owner-based kinds, whose bits [`ScopeSet`] keeps.
    const OWNER_BASED: [ScopeKind; 6] = [
        ScopeKind::Own,
        ScopeKind::OwnAndSubordinates,
        ScopeKind::Team,
        ScopeKind::Department,
        ScopeKind::DepartmentAndBelow,
        ScopeKind::All,
    ];

    fn bit(self) -> u8 {
        1 << (self as u8)
    }

    /// The snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ScopeKind::Own => "own",
            ScopeKind::OwnAndSubordinates => "own_and_subordinates",
            ScopeKind::Team => "team",
            ScopeKind::Department => "department",
            ScopeKind::DepartmentAndBelow => "department_and_below",
            ScopeKind::All => "all",
            ScopeKind::Matching => "matching",
        }
    }
}

impl fmt::Display for ScopeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of scope kinds as bits: the union of what several roles grant, tested in O(1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ScopeSet(u8);

impl ScopeSet {
    pub(crate) fn insert(&mut self, kind: ScopeKind) {
        self.0 |= kind.bit();
    }

    pub(crate) fn contains(self, kind: ScopeKind) -> bool {
        self.0 & kind.bit() != 0
    }

    /// Whether any owner-based scope is in the set (each includes the actor's own records).
    pub(crate) fn has_owner_based(self) -> bool {
        ScopeKind::OWNER_BASED.iter().any(|k| self.contains(*k))
    }

    pub(crate) fn is_empty(self) -> bool {
        self.0 == 0
    }
}
