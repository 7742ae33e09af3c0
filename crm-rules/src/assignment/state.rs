//! What assignment remembers between calls: where each rotation stands.

use std::collections::BTreeMap;

use crm_core::id::UserId;
use serde::{Deserialize, Serialize};

/// Where each rotation of each table stands; the host loads it before assigning and saves
/// it after (any serde format; JSON shown).
///
/// Keyed by table name, then by entry: an entry's `name` when it has one, `#<index>` (the
/// 0-based position) when it has none, `#fallback` for the fallback. Name the entries of a
/// table whose order may change, so their rotations survive the reordering. Entries with a
/// fixed user keep nothing.
///
/// ```json
/// {"lead_routing": {"East China": {"cursor": {"next": 2, "last": "0190…"}},
///                   "#fallback": {"weights": {"0190…": -1, "0190…": 1}}}}
/// ```
///
/// A rotation survives edits to its user list: a cursor resumes after the user it last
/// picked wherever that user now is; weights of users no longer listed are dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AssignmentState {
    tables: BTreeMap<String, BTreeMap<String, Rotation>>,
}

/// Where one rotation stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Rotation {
    /// Round robin and least loaded: the next turn starts at position `next`, or right after
    /// `last` (the user picked last) if that user has moved.
    Cursor {
        /// The position in the user list where the next turn starts.
        next: u32,
        /// The user picked last.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last: Option<UserId>,
    },
    /// Weighted: each user's current weight in the smooth weighted round robin.
    Weights(BTreeMap<UserId, i64>),
}

impl AssignmentState {
    /// Nothing remembered: every rotation starts at its first user.
    pub fn new() -> AssignmentState {
        AssignmentState::default()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// Where the rotation of `entry` (its state key, see above) of `table` stands.
    pub fn rotation(&self, table: &str, entry: &str) -> Option<&Rotation> {
        self.tables.get(table)?.get(entry)
    }

    /// Forget the rotations of `table`, e.g. after rewriting it.
    pub fn forget(&mut self, table: &str) {
        self.tables.remove(table);
    }

    pub(super) fn rotation_mut(&mut self, table: &str, entry: &str) -> Option<&mut Rotation> {
        self.tables.get_mut(table)?.get_mut(entry)
    }

    pub(super) fn set(&mut self, table: &str, entry: &str, rotation: Rotation) {
        if let Some(entries) = self.tables.get_mut(table) {
            if let Some(slot) = entries.get_mut(entry) {
                *slot = rotation;
            } else {
                entries.insert(entry.to_owned(), rotation);
            }
        } else {
            self.tables.insert(
                table.to_owned(),
                BTreeMap::from([(entry.to_owned(), rotation)]),
            );
        }
    }
}

/// The state key of an entry, without allocating: its name, `#<index>` or `#fallback`.
pub(super) struct Key {
    buf: [u8; 24],
    len: usize,
}

impl Key {
    pub(super) fn index(index: usize) -> Key {
        let mut buf = [0u8; 24];
        let mut digits = [0u8; 20];
        let mut n = index;
        let mut count = 0;
        loop {
            digits[count] = b'0' + (n % 10) as u8;
            count += 1;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        buf[0] = b'#';
        for i in 0..count {
            buf[1 + i] = digits[count - 1 - i];
        }
        Key {
            buf,
            len: 1 + count,
        }
    }

    pub(super) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).expect("ASCII")
    }
}

/// The state key of the fallback.
pub(super) const FALLBACK_KEY: &str = "#fallback";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_keys() {
        assert_eq!(Key::index(0).as_str(), "#0");
        assert_eq!(Key::index(24).as_str(), "#24");
        assert_eq!(Key::index(usize::MAX).as_str(), format!("#{}", usize::MAX));
    }
}
