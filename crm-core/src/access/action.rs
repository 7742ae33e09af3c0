//! What an actor wants to do to a record.

use std::fmt;

use serde::{Deserialize, Serialize};

/// An operation on records that roles grant per object kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// See the record (get, list, count).
    Read,
    /// Create a record (checked against the record as it would be stored).
    Create,
    /// Change a record.
    Update,
    /// Soft-delete or restore a record.
    Delete,
    /// Export records to a file.
    Export,
    /// Merge duplicates into the record.
    Merge,
    /// Hand the record to another owner (转移).
    Transfer,
    /// Take a record from the public pool (领取).
    Claim,
}

impl Action {
    /// How many actions there are.
    pub const COUNT: usize = 8;

    /// Every action, in a stable order.
    pub const ALL: [Action; Action::COUNT] = [
        Action::Read,
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Export,
        Action::Merge,
        Action::Transfer,
        Action::Claim,
    ];

    /// The snake_case name: `read`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Read => "read",
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Export => "export",
            Action::Merge => "merge",
            Action::Transfer => "transfer",
            Action::Claim => "claim",
        }
    }

    /// The position in [`Action::ALL`].
    pub(crate) fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
