//! Closure tables of the manager tree and the department tree: one row per ancestor and
//! descendant (each node is its own ancestor at depth 0), so "everyone below me" is one
//! indexed lookup in SQL and one hash probe in memory, never a walk up a tree.
//!
//! [`closure_of`] computes the rows of a whole forest; [`move_delta`] the exact rows to
//! remove and add when one node gets a new parent, from the current rows alone, so a store
//! keeps the table in step in the same transaction as the change.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::Delta;
use crate::error::{Error, Result};
use crate::id::{ClosureRowId, DepartmentId, RecordId, UserId};
use crate::record::{Column, ColumnType, Entity, ObjectKind};

/// `ancestor` is `depth` levels above `descendant` (0: the same node).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(bound = "")]
pub struct ClosureRow<I: RecordId> {
    /// The node above.
    pub ancestor: I,
    /// The node below.
    pub descendant: I,
    /// How many parent links separate them.
    pub depth: u32,
}

/// The manager tree's closure: `ancestor` manages `descendant`, directly (depth 1) or not.
pub type ManagerClosure = ClosureRow<UserId>;

/// The department tree's closure: `descendant` is in or below `ancestor`.
pub type DepartmentClosure = ClosureRow<DepartmentId>;

/// The closure rows of the forest given by `(node, parent)` links. A parent that is not
/// itself a node is ignored (the node is a root); a cycle is a validation error.
pub fn closure_of<I: RecordId>(
    links: impl IntoIterator<Item = (I, Option<I>)>,
) -> Result<Vec<ClosureRow<I>>> {
    let parent: HashMap<I, Option<I>> = links.into_iter().collect();
    let mut rows = Vec::new();
    for &node in parent.keys() {
        let mut current = node;
        let mut depth = 0;
        loop {
            rows.push(ClosureRow {
                ancestor: current,
                descendant: node,
                depth,
            });
            match parent.get(&current).copied().flatten() {
                Some(up) if parent.contains_key(&up) => {
                    depth += 1;
                    if depth as usize > parent.len() {
                        return Err(Error::validation(
                            "parent",
                            up.to_string(),
                            format!("the hierarchy has a cycle through {node}"),
                        ));
                    }
                    current = up;
                }
                _ => break,
            }
        }
    }
    rows.sort_unstable();
    Ok(rows)
}

/// The rows to remove and add when `node` gets `new_parent` (`None`: becomes a root), given
/// the current `closure`. A node without rows is new: its own row is added. A parent that
/// is not in the closure, or that is `node` or below it, is a validation error.
pub fn move_delta<I: RecordId>(
    closure: &[ClosureRow<I>],
    node: I,
    new_parent: Option<I>,
) -> Result<Delta<ClosureRow<I>>> {
    let mut subtree: Vec<(I, u32)> = closure
        .iter()
        .filter(|r| r.ancestor == node)
        .map(|r| (r.descendant, r.depth))
        .collect();
    let is_new = subtree.is_empty();
    if is_new {
        subtree.push((node, 0));
    }
    let above = |of: I| -> Vec<(I, u32)> {
        closure
            .iter()
            .filter(|r| r.descendant == of)
            .map(|r| (r.ancestor, r.depth))
            .collect()
    };
    let old_up: Vec<(I, u32)> = above(node).into_iter().filter(|(_, d)| *d > 0).collect();
    let new_up: Vec<(I, u32)> = match new_parent {
        None => Vec::new(),
        Some(parent) => {
            if subtree.iter().any(|(d, _)| *d == parent) {
                return Err(Error::validation(
                    "parent",
                    parent.to_string(),
                    format!("would put {node} below itself"),
                ));
            }
            let up = above(parent);
            if up.is_empty() {
                return Err(Error::validation(
                    "parent",
                    parent.to_string(),
                    "not in the hierarchy",
                ));
            }
            up.into_iter().map(|(a, d)| (a, d + 1)).collect()
        }
    };
    let pairs = |up: &[(I, u32)]| -> BTreeSet<ClosureRow<I>> {
        up.iter()
            .flat_map(|&(ancestor, above)| {
                subtree.iter().map(move |&(descendant, below)| ClosureRow {
                    ancestor,
                    descendant,
                    depth: above + below,
                })
            })
            .collect()
    };
    let mut delta = Delta::between(pairs(&old_up), pairs(&new_up));
    if is_new {
        delta.added.push(ClosureRow {
            ancestor: node,
            descendant: node,
            depth: 0,
        });
        delta.added.sort_unstable();
    }
    Ok(delta)
}

pub(crate) const CLOSURE_COLUMNS: &[Column] = &[
    Column::new("ancestor", ColumnType::Uuid).indexed(),
    Column::new("descendant", ColumnType::Uuid).indexed(),
    Column::new("depth", ColumnType::Integer),
];

impl Entity for ManagerClosure {
    type Id = ClosureRowId;
    const KIND: ObjectKind = ObjectKind::ManagerClosure;
}

impl Entity for DepartmentClosure {
    type Id = ClosureRowId;
    const KIND: ObjectKind = ObjectKind::DepartmentClosure;
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;

    fn d(n: usize) -> DepartmentId {
        DepartmentId(Uuid::from_u128(n as u128 + 1))
    }

    /// A forest: node i's parent is one of the nodes before it, or none.
    fn forest() -> impl Strategy<Value = Vec<Option<usize>>> {
        (1_usize..14).prop_flat_map(|n| {
            (0..n)
                .map(|i| {
                    if i == 0 {
                        Just(None).boxed()
                    } else {
                        proptest::option::weighted(0.8, 0..i).boxed()
                    }
                })
                .collect::<Vec<_>>()
        })
    }

    fn links(parents: &[Option<usize>]) -> Vec<(DepartmentId, Option<DepartmentId>)> {
        parents
            .iter()
            .enumerate()
            .map(|(i, p)| (d(i), p.map(d)))
            .collect()
    }

    fn below(parents: &[Option<usize>], node: usize, of: usize) -> bool {
        let mut at = Some(node);
        while let Some(n) = at {
            if n == of {
                return true;
            }
            at = parents[n];
        }
        false
    }

    #[test]
    fn closure_rows_of_a_small_tree() {
        // 0 <- 1 <- 2, 0 <- 3
        let rows = closure_of(links(&[None, Some(0), Some(1), Some(0)])).unwrap();
        let has = |a, b, depth| {
            rows.contains(&ClosureRow {
                ancestor: d(a),
                descendant: d(b),
                depth,
            })
        };
        assert_eq!(rows.len(), 4 + 3 + 1);
        assert!(has(0, 2, 2) && has(1, 2, 1) && has(2, 2, 0) && has(0, 3, 1));
        assert!(!has(1, 3, 1));
    }

    #[test]
    fn cycles_and_moves_below_oneself_are_refused() {
        assert!(closure_of([(d(0), Some(d(1))), (d(1), Some(d(0)))]).is_err());
        let rows = closure_of(links(&[None, Some(0), Some(1)])).unwrap();
        assert!(move_delta(&rows, d(0), Some(d(2))).is_err());
        assert!(move_delta(&rows, d(1), Some(d(1))).is_err());
        assert!(move_delta(&rows, d(1), Some(d(9))).is_err());
        let dangling = closure_of([(d(0), Some(d(7)))]).unwrap();
        assert_eq!(dangling.len(), 1, "a missing parent makes a root");
    }

    proptest! {
        /// Moving a node (or adding a new one) changes exactly the rows that recomputing the
        /// whole closure from scratch would.
        #[test]
        fn move_delta_equals_recomputation(
            parents in forest(),
            pick in any::<proptest::sample::Index>(),
            target in any::<proptest::sample::Index>(),
            to_root in any::<bool>(),
            add_new in any::<bool>(),
        ) {
            let n = parents.len();
            let old = closure_of(links(&parents)).unwrap();
            let (node, mut new_parents) = if add_new {
                let mut grown = parents.clone();
                grown.push(None);
                (n, grown)
            } else {
                (pick.index(n), parents.clone())
            };
            let allowed: Vec<usize> = (0..n).filter(|&p| !below(&new_parents, p, node)).collect();
            let parent = if to_root || allowed.is_empty() {
                None
            } else {
                Some(allowed[target.index(allowed.len())])
            };
            new_parents[node] = parent;
            let delta = move_delta(&old, d(node), parent.map(d)).unwrap();
            let new = closure_of(links(&new_parents)).unwrap();
            prop_assert_eq!(&delta, &Delta::between(old.iter().copied(), new.iter().copied()));
            prop_assert_eq!(delta.apply_to(old), new.into_iter().collect::<BTreeSet<_>>());
        }
    }
}
