//! Counting a disjunction as a sum of disjoint counts.
//!
//! An access plan is a disjunction — mine, or my reports', or shared with me — and SQLite
//! answers `COUNT(*)` over one with a multi-index OR: a lookup per branch, plus a row set
//! that drops records two branches found, which costs far more than the lookups (a
//! manager's count over 100k accounts: 34–39 ms as one statement, 1.2 ms as disjoint
//! terms). Counting `A ∨ B ∨ C` as `A + (B ∧ ¬A) + (C ∧ ¬A ∧ ¬B)` needs no row set, and each
//! term is still led by its own branch's index. Predicates here are two-valued (a negated
//! leaf also holds for null), so the terms are disjoint and cover the disjunction exactly.

use crm_core::query::Predicate;
use crm_core::record::{FieldRef, ObjectKind};

/// More disjuncts than this are counted as they are: each term repeats the negations of
/// those before it.
const MAX_TERMS: usize = 8;

/// The disjoint terms whose counts add up to the count of `filter`, when `filter` is (or
/// has as a conjunct) a disjunction whose every branch an index leads; `None` otherwise.
pub(super) fn disjoint_terms(kind: ObjectKind, filter: &Predicate) -> Option<Vec<Predicate>> {
    let (rest, any) = match filter {
        Predicate::Or { any } => (Vec::new(), any),
        Predicate::And { all } => {
            let at = all
                .iter()
                .position(|p| matches!(p, Predicate::Or { any } if any.len() > 1))?;
            let Predicate::Or { any } = &all[at] else {
                return None;
            };
            let rest = all
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != at)
                .map(|(_, p)| p.clone())
                .collect();
            (rest, any)
        }
        _ => return None,
    };
    if any.len() < 2 || any.len() > MAX_TERMS || !any.iter().all(|p| led_by_index(kind, p)) {
        return None;
    }
    Some(
        (0..any.len())
            .map(|i| {
                let mut all = rest.clone();
                all.push(any[i].clone());
                all.extend(any[..i].iter().map(|p| p.clone().negate()));
                Predicate::And { all }
            })
            .collect(),
    )
}

/// Whether SQLite can find the records `p` matches through an index: equality or
/// membership on the id, the owner or an indexed column, in every branch.
fn led_by_index(kind: ObjectKind, p: &Predicate) -> bool {
    let indexed = |field: &str| match kind.field(field) {
        Ok(FieldRef::Meta(meta)) => matches!(meta.name(), "id" | "owner"),
        Ok(FieldRef::Column(i)) => kind.columns()[i].indexed,
        Err(_) => false,
    };
    match p {
        Predicate::Compare { field, cmp, .. } => {
            *cmp == crm_core::query::CmpOp::Eq && indexed(field)
        }
        Predicate::In { field, .. } | Predicate::InSelect { field, .. } => indexed(field),
        Predicate::And { all } => all.iter().any(|p| led_by_index(kind, p)),
        Predicate::Or { any } => any.iter().all(|p| led_by_index(kind, p)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_indexed_disjunction_splits_into_terms_that_exclude_the_earlier_ones() {
        let mine = Predicate::eq("owner", uuid::Uuid::nil());
        let shared = Predicate::in_select(
            "id",
            ObjectKind::Share,
            "record",
            Predicate::eq("object", "account"),
        );
        let named = Predicate::eq("name", "华为");
        let filter = named.clone().and(mine.clone().or(shared.clone()));
        let terms = disjoint_terms(ObjectKind::Account, &filter).unwrap();
        assert_eq!(
            terms,
            vec![
                named.clone().and(mine.clone()),
                Predicate::And {
                    all: vec![named, shared, mine.negate()]
                },
            ]
        );
    }

    #[test]
    fn a_branch_no_index_leads_keeps_the_disjunction_whole() {
        let mine = Predicate::eq("owner", uuid::Uuid::nil());
        let by_level = Predicate::eq("level", "A");
        assert!(disjoint_terms(ObjectKind::Account, &mine.or(by_level)).is_none());
        assert!(disjoint_terms(ObjectKind::Account, &Predicate::eq("owner", 1i64)).is_none());
    }
}
