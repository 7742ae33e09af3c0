//! Duplicate checks on create and update: each kind that declares duplicate fields (accounts,
//! contacts, leads) keeps its blocking keys in the store, and a new or changed record is
//! compared with the stored records that share a key — without loading the base.
//!
//! What happens on a likely duplicate is the kind's [`DuplicatePolicy`].

use std::collections::HashMap;

use crm_core::dedup::{Deduper, Explanation, FieldSpec};
use crm_core::id::{RecordId, TenantId};
use crm_core::model::{Account, Contact, Lead};
use crm_core::record::Row;
use crm_core::store::ReadStore;
use uuid::Uuid;

use crate::review::{DuplicateGroup, GroupSource, PairEvidence, declared_distinct, pair_key};
use crate::{Entity, Error, ObjectKind, Record, Result, UnitOfWork};

/// What the engine does when a record being created or changed looks like an existing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DuplicatePolicy {
    /// No check (bulk loads that deduplicate in batch).
    Allow,
    /// Store the record; the `*_checked` calls return the likely duplicates.
    #[default]
    Warn,
    /// Refuse the record with [`Error::Duplicate`] naming the best match and why.
    Block,
}

/// An existing record that looks like the one being stored.
#[derive(Debug, Clone, PartialEq)]
pub struct DuplicateMatch<T: Entity> {
    /// The existing record.
    pub record: Record<T>,
    /// The probability that both are the same entity.
    pub probability: f64,
    /// Each field's agreement and weight.
    pub explanation: Explanation,
}

/// Blocking keys held by more records than this are not followed: a common name finds
/// nothing useful and would cost a scan.
const MAX_KEY_HOLDERS: usize = 64;

/// Probability from which an existing record is reported as a likely duplicate.
const MATCH_PROBABILITY: f64 = 0.5;

pub(crate) fn deduper_for<T: Entity>() -> Option<Deduper> {
    let fields = T::duplicate_fields();
    (!fields.is_empty()).then(|| {
        Deduper::new(
            fields
                .iter()
                .map(|(name, kind)| FieldSpec::new(*name, *kind))
                .collect(),
        )
    })
}

impl UnitOfWork<'_> {
    /// Stored records of kind `T` that look like `data` (other than `exclude`), as this unit
    /// of work sees them, most likely first, each with its explanation. Empty for kinds
    /// without duplicate fields. Records a person declared distinct from `exclude` are not
    /// among them.
    pub async fn duplicates_of<T: Entity>(
        &self,
        data: &T,
        exclude: Option<Uuid>,
    ) -> Result<Vec<DuplicateMatch<T>>> {
        find_duplicates(self.reader(), self.actor.tenant, data, exclude).await
    }

    /// Apply the kind's policy to `data` (stored as `exclude`, when it is): the likely
    /// duplicates under `Warn`, an error under `Block` when there is one, nothing under
    /// `Allow`.
    pub(crate) async fn check_duplicates<T: Entity>(
        &self,
        data: &T,
        exclude: Option<Uuid>,
    ) -> Result<Vec<DuplicateMatch<T>>> {
        let policy = self.crm.duplicate_policy(T::KIND);
        if policy == DuplicatePolicy::Allow {
            return Ok(Vec::new());
        }
        let found = self.duplicates_of(data, exclude).await?;
        match found.first() {
            Some(best) if policy == DuplicatePolicy::Block => Err(Error::Duplicate {
                object: T::KIND.as_str(),
                id: best.record.id.to_string(),
                reason: describe(best),
            }),
            _ => Ok(found),
        }
    }

    /// Queue the record `id` and its likely duplicates `found` for review, under
    /// [`DuplicatePolicy::Warn`].
    pub(crate) async fn queue_checked<T: Entity>(
        &mut self,
        id: Uuid,
        found: &[DuplicateMatch<T>],
    ) -> Result<()> {
        if self.crm.duplicate_policy(T::KIND) == DuplicatePolicy::Warn
            && let Some(group) = group_of(id, found)?
        {
            self.queue_duplicates(vec![group]).await?;
        }
        Ok(())
    }

    /// Store the blocking keys of `records` (none for deleted ones).
    pub(crate) async fn store_keys<T: Entity>(&mut self, records: &[&Record<T>]) -> Result<()> {
        if let Some(entries) = duplicate_keys(records.iter().copied()) {
            self.tx
                .set_keys(T::KIND, self.actor.tenant, &entries)
                .await?;
        }
        Ok(())
    }

    /// [`store_keys`](Self::store_keys) for a row of any kind.
    pub(crate) async fn store_row_keys(&mut self, row: &Row) -> Result<()> {
        match row.kind {
            ObjectKind::Account => self.store_keys(&[&Record::<Account>::from_row(row)?]).await,
            ObjectKind::Contact => self.store_keys(&[&Record::<Contact>::from_row(row)?]).await,
            ObjectKind::Lead => self.store_keys(&[&Record::<Lead>::from_row(row)?]).await,
            _ => Ok(()),
        }
    }
}

/// The blocking keys of each of `records` (none for deleted ones), as the store keeps them;
/// `None` for kinds without duplicate fields.
pub(crate) fn duplicate_keys<'r, T: Entity>(
    records: impl Iterator<Item = &'r Record<T>>,
) -> Option<Vec<(Uuid, Vec<String>)>> {
    let deduper = deduper_for::<T>()?;
    let keys = records.map(|r| {
        let keys = if r.is_deleted() {
            Vec::new()
        } else {
            deduper.keys(&r.duplicate_cells())
        };
        (r.id.uuid(), keys)
    });
    Some(keys.collect())
}

/// The stored records of kind `T` in `tenant` that share a blocking key with `data` (other
/// than `exclude`), live ones only, in key order. Empty for kinds without duplicate fields.
pub(crate) async fn key_holders<T: Entity>(
    reader: &dyn ReadStore,
    tenant: TenantId,
    data: &T,
    exclude: Option<Uuid>,
) -> Result<Vec<Record<T>>> {
    let Some(deduper) = deduper_for::<T>() else {
        return Ok(Vec::new());
    };
    let ids = reader
        .records_with_keys(
            T::KIND,
            tenant,
            &deduper.keys(&data.duplicate_cells()),
            MAX_KEY_HOLDERS,
        )
        .await?;
    let ids: Vec<Uuid> = ids.into_iter().filter(|id| Some(*id) != exclude).collect();
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    // The live candidates read together (a common name brings dozens), in key order.
    let mut stored = reader
        .get_rows(T::KIND, tenant, &ids)
        .await?
        .iter()
        .filter(|row| row.meta.deleted_at.is_none())
        .map(Record::<T>::from_row)
        .collect::<Result<Vec<_>>>()?;
    let rank: HashMap<Uuid, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    stored.sort_by_key(|r| rank.get(&r.id.uuid()).copied());
    Ok(stored)
}

/// Stored records of kind `T` in `tenant` that look like `data` (other than `exclude`), most
/// likely first, each with its explanation, leaving out those declared distinct from
/// `exclude`. Empty for kinds without duplicate fields.
pub(crate) async fn find_duplicates<T: Entity>(
    reader: &dyn ReadStore,
    tenant: TenantId,
    data: &T,
    exclude: Option<Uuid>,
) -> Result<Vec<DuplicateMatch<T>>> {
    let Some(deduper) = deduper_for::<T>() else {
        return Ok(Vec::new());
    };
    let cells = data.duplicate_cells();
    let stored = key_holders(reader, tenant, data, exclude).await?;
    let candidates = stored
        .into_iter()
        .map(|record| {
            let cells = record.duplicate_cells();
            (record, cells)
        })
        .collect();
    let model = deduper.prior_model();
    let mut found: Vec<DuplicateMatch<T>> = deduper
        .score_candidates(&model, &cells, candidates, MATCH_PROBABILITY)
        .into_iter()
        .map(|m| DuplicateMatch {
            record: m.key,
            probability: m.probability,
            explanation: m.explanation,
        })
        .collect();
    // A stored record is no duplicate of one a person declared it distinct from.
    if let Some(id) = exclude
        && !found.is_empty()
    {
        let keys = found.iter().map(|m| pair_key(id, m.record.id.uuid()));
        let distinct = declared_distinct(reader, tenant, T::KIND, keys).await?;
        found.retain(|m| !distinct.contains(&pair_key(id, m.record.id.uuid())));
    }
    Ok(found)
}

/// The review-queue group of the record `id` and the stored records `found` like it.
pub(crate) fn group_of<T: Entity>(
    id: Uuid,
    found: &[DuplicateMatch<T>],
) -> Result<Option<DuplicateGroup>> {
    if found.is_empty() {
        return Ok(None);
    }
    let pairs = found
        .iter()
        .map(|m| PairEvidence::new(id, m.record.id.uuid(), &m.explanation))
        .collect();
    DuplicateGroup::new(T::KIND, GroupSource::Check, pairs).map(Some)
}

/// "probability 0.998: name exact, phone exact" — why a record was refused.
fn describe<T: Entity>(found: &DuplicateMatch<T>) -> String {
    let agreeing: Vec<String> = found
        .explanation
        .fields
        .iter()
        .filter(|f| f.weight > 0.0)
        .map(|f| format!("{} {}", f.field, f.meaning))
        .collect();
    format!(
        "probability {:.3}: {}",
        found.probability,
        agreeing.join(", ")
    )
}
