//! The exact change between two sets of derived rows.

use std::collections::BTreeSet;

/// Rows to remove and rows to add, neither containing a row of the other: applying it to
/// the old rows gives exactly the new ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delta<T> {
    /// Rows that are no longer true, sorted.
    pub removed: Vec<T>,
    /// Rows that are newly true, sorted.
    pub added: Vec<T>,
}

impl<T: Ord + Clone> Delta<T> {
    /// The change from `old` to `new`.
    pub fn between(old: impl IntoIterator<Item = T>, new: impl IntoIterator<Item = T>) -> Delta<T> {
        let old: BTreeSet<T> = old.into_iter().collect();
        let new: BTreeSet<T> = new.into_iter().collect();
        Delta {
            removed: old.difference(&new).cloned().collect(),
            added: new.difference(&old).cloned().collect(),
        }
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.added.is_empty()
    }

    /// `rows` with this change applied.
    pub fn apply_to(&self, rows: impl IntoIterator<Item = T>) -> BTreeSet<T> {
        let mut rows: BTreeSet<T> = rows.into_iter().collect();
        for row in &self.removed {
            rows.remove(row);
        }
        rows.extend(self.added.iter().cloned());
        rows
    }
}
