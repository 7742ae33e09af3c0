//! Merging duplicates: N records of one kind become one survivor, field by field, with the
//! provenance of every value.
//!
//! Survivorship works on the entity's serialised form, so every kind merges the same way:
//! each top-level field (and each custom field, key by key) takes the value the rule picks
//! among the records that have one; tag sets are united. The survivor keeps its id, so links
//! to it stay valid; links to the others are re-pointed by the store layer, which also keeps
//! what undo needs.
//!
//! ```
//! use crm_core::merge::{MergePlan, Rule, merge};
//! use crm_core::model::Account;
//! use crm_core::value::CompanyName;
//! use crm_core::record::Record;
//! use crm_core::id::{AccountId, TenantId};
//! use chrono::{TimeZone, Utc};
//! let t = |d| Utc.with_ymd_and_hms(2026, 1, d, 0, 0, 0).unwrap();
//! let tenant = TenantId(uuid::Uuid::nil());
//! let mut older = Record::new(AccountId(uuid::Uuid::from_u128(1)), tenant, None, t(1),
//!     Account::new(CompanyName::parse("北京华为技术有限公司")?));
//! older.industry = Some("通信".into());
//! let mut newer = Record::new(AccountId(uuid::Uuid::from_u128(2)), tenant, None, t(9),
//!     Account::new(CompanyName::parse("华为技术（北京）有限公司")?));
//! newer.level = Some("A".into());
//! let merged = merge(&[older.clone(), newer.clone()], &MergePlan::into(older.id.0))?;
//! assert_eq!(merged.survivor.id, older.id);
//! assert_eq!(merged.survivor.name.as_str(), "华为技术(北京)有限公司"); // most recent
//! assert_eq!(merged.survivor.industry.as_deref(), Some("通信"));       // only one had it
//! assert_eq!(merged.provenance["level"], newer.id.0);
//! # Ok::<(), crm_core::Error>(())
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};
use uuid::Uuid;

use chrono::{DateTime, Utc};

use crate::error::{Error, Result};
use crate::id::{MergeId, RecordId, UserId};
use crate::record::{Column, ColumnType, Entity, ObjectKind, Record};

/// How a field's surviving value is chosen among the records that have one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rule {
    /// The value of the most recently updated record (ties: the survivor first).
    MostRecent,
    /// The value of the record with the most non-empty fields (ties: most recent).
    MostComplete,
    /// The value of the first record in this order that has one (others after, most recent
    /// first).
    SourcePriority {
        /// Record ids, most trusted first.
        order: Vec<Uuid>,
    },
}

/// What to merge into what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergePlan {
    /// The record that survives (keeps its id).
    pub survivor: Uuid,
    /// The rule for every field without an explicit pick.
    pub rule: Rule,
    /// Explicit picks: field (`name`, `custom.budget`) → the record whose value wins, even
    /// when that value is empty.
    #[serde(default)]
    pub picks: BTreeMap<String, Uuid>,
}

impl MergePlan {
    /// Merge into `survivor`, most recent non-empty value per field.
    pub fn into(survivor: Uuid) -> MergePlan {
        MergePlan {
            survivor,
            rule: Rule::MostRecent,
            picks: BTreeMap::new(),
        }
    }
}

/// The result of [`merge`]: the survivor as it should be stored, and where each value came
/// from.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged<T: Entity> {
    /// The survivor with merged data (same id and meta as before; the store bumps the version).
    pub survivor: Record<T>,
    /// The records merged into it, unchanged.
    pub absorbed: Vec<Record<T>>,
    /// Field → id of the record that supplied the surviving value.
    pub provenance: BTreeMap<String, Uuid>,
}

/// A stored merge: what was merged into what, where each value came from, and the state of
/// every record the merge changed as it was before, so the merge can be undone exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeLog {
    /// The kind of the merged records.
    pub object: ObjectKind,
    /// The survivor.
    pub survivor: Uuid,
    /// The records merged into it (soft-deleted by the merge).
    pub absorbed: Vec<Uuid>,
    /// Field → id of the record that supplied the surviving value.
    pub provenance: BTreeMap<String, Uuid>,
    /// Every record the merge changed — survivor, absorbed, re-pointed links — before it.
    pub before: Vec<Snapshot>,
    /// When the merge was undone.
    pub undone_at: Option<DateTime<Utc>>,
}

/// A record as it was before a merge changed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The record's kind.
    pub object: ObjectKind,
    /// The record.
    pub id: Uuid,
    /// Its version right after the merge; undo refuses if it changed since.
    pub version_after: u64,
    /// Its owner before.
    pub owner: Option<UserId>,
    /// Its deletion time before.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Its data before, as stored (JSON).
    pub body: String,
}

impl Entity for MergeLog {
    type Id = MergeId;
    const KIND: ObjectKind = ObjectKind::Merge;
}

/// The queryable columns of [`MergeLog`].
pub(crate) const MERGE_COLUMNS: &[Column] = &[
    Column::new("object", ColumnType::Text),
    Column::new("survivor", ColumnType::Uuid).indexed(),
];

/// Fields that hold sets: merged by union instead of by a rule.
const SET_FIELDS: [&str; 2] = ["tags", "members"];

/// Merge `records` (two or more, of one tenant, none deleted) as `plan` says.
pub fn merge<T: Entity>(records: &[Record<T>], plan: &MergePlan) -> Result<Merged<T>> {
    check(records, plan)?;
    let bodies: Vec<(Uuid, Map<String, Json>)> = records
        .iter()
        .map(|r| Ok((r.id.uuid(), object_of(&r.data)?)))
        .collect::<Result<_>>()?;
    let ranked = rank(records, plan);
    let mut merged = Map::new();
    let mut provenance = BTreeMap::new();
    let fields: std::collections::BTreeSet<&String> =
        bodies.iter().flat_map(|(_, b)| b.keys()).collect();
    for field in fields {
        match field.as_str() {
            "custom" => {
                let mut custom = Map::new();
                let keys: std::collections::BTreeSet<&String> = bodies
                    .iter()
                    .filter_map(|(_, b)| b.get("custom").and_then(Json::as_object))
                    .flat_map(|c| c.keys())
                    .collect();
                for key in keys {
                    let path = format!("custom.{key}");
                    let value_of = |body: &Map<String, Json>| {
                        body.get("custom").and_then(|c| c.get(key)).cloned()
                    };
                    if let Some((from, value)) =
                        choose(&bodies, &ranked, plan.picks.get(&path), value_of)
                    {
                        custom.insert(key.clone(), value);
                        provenance.insert(path, from);
                    }
                }
                merged.insert(field.clone(), Json::Object(custom));
            }
            set if SET_FIELDS.contains(&set) => {
                let mut union: Vec<Json> = Vec::new();
                for (_, body) in &bodies {
                    for item in body.get(set).and_then(Json::as_array).into_iter().flatten() {
                        if !union.contains(item) {
                            union.push(item.clone());
                        }
                    }
                }
                merged.insert(field.clone(), Json::Array(union));
            }
            _ => {
                let value_of = |body: &Map<String, Json>| body.get(field.as_str()).cloned();
                match choose(&bodies, &ranked, plan.picks.get(field), value_of) {
                    Some((from, value)) => {
                        merged.insert(field.clone(), value);
                        provenance.insert(field.clone(), from);
                    }
                    None => {
                        merged.insert(field.clone(), Json::Null);
                    }
                }
            }
        }
    }
    let data: T = serde_json::from_value(Json::Object(merged))
        .map_err(|e| Error::Internal(format!("merged {} does not deserialise: {e}", T::KIND)))?;
    data.check()?;
    let survivor_at = records
        .iter()
        .position(|r| r.id.uuid() == plan.survivor)
        .unwrap_or(0);
    let mut survivor = records[survivor_at].clone();
    survivor.data = data;
    let absorbed = records
        .iter()
        .filter(|r| r.id.uuid() != plan.survivor)
        .cloned()
        .collect();
    Ok(Merged {
        survivor,
        absorbed,
        provenance,
    })
}

fn check<T: Entity>(records: &[Record<T>], plan: &MergePlan) -> Result<()> {
    let refuse = |reason: String| {
        Err(Error::validation(
            "merge",
            plan.survivor.to_string(),
            reason,
        ))
    };
    if records.len() < 2 {
        return refuse("a merge needs at least two records".into());
    }
    if !records.iter().any(|r| r.id.uuid() == plan.survivor) {
        return refuse("the survivor is not among the merged records".into());
    }
    let mut ids: Vec<Uuid> = records.iter().map(|r| r.id.uuid()).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w[0] == w[1]) {
        return refuse("a record is listed twice".into());
    }
    if records
        .iter()
        .any(|r| r.meta.tenant != records[0].meta.tenant)
    {
        return refuse("the records belong to different tenants".into());
    }
    if let Some(deleted) = records.iter().find(|r| r.is_deleted()) {
        return refuse(format!("{} {} is deleted", T::KIND, deleted.id));
    }
    for (field, id) in &plan.picks {
        if !records.iter().any(|r| r.id.uuid() == *id) {
            return refuse(format!(
                "the pick for `{field}` names a record not being merged"
            ));
        }
    }
    Ok(())
}

fn object_of<T: Entity>(data: &T) -> Result<Map<String, Json>> {
    match serde_json::to_value(data) {
        Ok(Json::Object(map)) => Ok(map),
        _ => Err(Error::Internal(format!(
            "{} does not serialise to an object",
            T::KIND
        ))),
    }
}

fn is_empty(value: &Json) -> bool {
    match value {
        Json::Null => true,
        Json::String(s) => s.trim().is_empty(),
        Json::Array(a) => a.is_empty(),
        Json::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// Record ids in the order the rule prefers them.
fn rank<T: Entity>(records: &[Record<T>], plan: &MergePlan) -> Vec<Uuid> {
    let mut ranked: Vec<&Record<T>> = records.iter().collect();
    let recency = |a: &&Record<T>, b: &&Record<T>| {
        b.meta
            .updated_at
            .cmp(&a.meta.updated_at)
            .then_with(|| (b.id.uuid() == plan.survivor).cmp(&(a.id.uuid() == plan.survivor)))
            .then_with(|| a.id.cmp(&b.id))
    };
    match &plan.rule {
        Rule::MostRecent => ranked.sort_by(recency),
        Rule::MostComplete => {
            let filled = |r: &Record<T>| {
                object_of(&r.data).map_or(0, |m| m.values().filter(|v| !is_empty(v)).count())
            };
            ranked.sort_by(|a, b| filled(b).cmp(&filled(a)).then_with(|| recency(a, b)));
        }
        Rule::SourcePriority { order } => {
            let position = |r: &Record<T>| {
                order
                    .iter()
                    .position(|id| *id == r.id.uuid())
                    .unwrap_or(usize::MAX)
            };
            ranked.sort_by(|a, b| position(a).cmp(&position(b)).then_with(|| recency(a, b)));
        }
    }
    ranked.into_iter().map(|r| r.id.uuid()).collect()
}

/// The winning (record, value) for one field: the explicit pick, else the first non-empty
/// value in rank order.
fn choose(
    bodies: &[(Uuid, Map<String, Json>)],
    ranked: &[Uuid],
    pick: Option<&Uuid>,
    value_of: impl Fn(&Map<String, Json>) -> Option<Json>,
) -> Option<(Uuid, Json)> {
    let body = |id: &Uuid| bodies.iter().find(|(b, _)| b == id).map(|(_, m)| m);
    if let Some(id) = pick {
        return Some((*id, body(id).and_then(&value_of).unwrap_or(Json::Null)));
    }
    ranked.iter().find_map(|id| {
        body(id)
            .and_then(&value_of)
            .filter(|v| !is_empty(v))
            .map(|v| (*id, v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fields::FieldValue;
    use crate::id::{AccountId, TagId, TenantId};
    use crate::model::Account;
    use crate::value::CompanyName;
    use chrono::{TimeZone, Utc};

    fn account(n: u128, day: u32, name: &str) -> Record<Account> {
        let at = Utc.with_ymd_and_hms(2026, 1, day, 0, 0, 0).unwrap();
        Record::new(
            AccountId(Uuid::from_u128(n)),
            TenantId(Uuid::nil()),
            None,
            at,
            Account::new(CompanyName::parse(name).unwrap()),
        )
    }

    #[test]
    fn rules_pick_as_documented() {
        let mut a = account(1, 1, "甲公司");
        a.level = Some("A".into());
        a.industry = Some("制造".into());
        a.custom
            .insert("budget".into(), FieldValue::Text("100".into()));
        let mut b = account(2, 5, "甲公司（新）");
        b.level = Some("B".into());
        b.tags.insert(TagId(Uuid::from_u128(7)));
        a.tags.insert(TagId(Uuid::from_u128(8)));
        let recent = merge(&[a.clone(), b.clone()], &MergePlan::into(a.id.0)).unwrap();
        assert_eq!(recent.survivor.level.as_deref(), Some("B"));
        assert_eq!(recent.survivor.industry.as_deref(), Some("制造"));
        assert_eq!(recent.survivor.tags.len(), 2, "tags are united");
        assert_eq!(recent.provenance["custom.budget"], a.id.0);
        let complete = merge(
            &[a.clone(), b.clone()],
            &MergePlan {
                rule: Rule::MostComplete,
                ..MergePlan::into(b.id.0)
            },
        )
        .unwrap();
        assert_eq!(
            complete.survivor.level.as_deref(),
            Some("A"),
            "a has more fields filled"
        );
        assert_eq!(
            complete.survivor.id, b.id,
            "the survivor keeps its id whatever the rule"
        );
        let mut plan = MergePlan::into(a.id.0);
        plan.picks.insert("level".into(), a.id.0);
        plan.picks.insert("industry".into(), b.id.0);
        let picked = merge(&[a.clone(), b.clone()], &plan).unwrap();
        assert_eq!(picked.survivor.level.as_deref(), Some("A"));
        assert_eq!(
            picked.survivor.industry, None,
            "an explicit pick wins even when empty"
        );
    }

    #[test]
    fn bad_plans_are_refused() {
        let a = account(1, 1, "甲公司");
        let b = account(2, 2, "乙公司");
        assert!(merge(std::slice::from_ref(&a), &MergePlan::into(a.id.0)).is_err());
        assert!(
            merge(
                &[a.clone(), b.clone()],
                &MergePlan::into(Uuid::from_u128(9))
            )
            .is_err()
        );
        assert!(merge(&[a.clone(), a.clone()], &MergePlan::into(a.id.0)).is_err());
        let mut deleted = b.clone();
        deleted.meta.deleted_at = Some(deleted.meta.updated_at);
        assert!(merge(&[a.clone(), deleted], &MergePlan::into(a.id.0)).is_err());
    }
}
