//! The audit log: one [`AuditEvent`] per stored change, with field-level before and after,
//! appended in the same transaction as the change it describes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use uuid::Uuid;

use crate::actor::{Actor, Principal};
use crate::error::{Error, Result};
use crate::id::TenantId;
use crate::record::{ObjectKind, Row};

/// What kind of change an event records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    /// The record was created.
    Create,
    /// Fields changed.
    Update,
    /// The record was soft-deleted.
    Delete,
    /// A soft-deleted record was restored.
    Restore,
}

impl AuditAction {
    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
            AuditAction::Restore => "restore",
        }
    }

    /// Parse [`AuditAction::as_str`] back.
    pub fn from_name(name: &str) -> Option<AuditAction> {
        [Self::Create, Self::Update, Self::Delete, Self::Restore]
            .into_iter()
            .find(|a| a.as_str() == name)
    }
}

/// One field's value before and after a change (JSON `null` when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The field: a top-level field name, `custom.<key>`, or `owner`.
    pub field: String,
    /// The value before.
    pub before: Json,
    /// The value after.
    pub after: Json,
}

/// One stored change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// The position in the tenant's log, assigned by the store when appended (0 before).
    pub seq: u64,
    /// The tenant.
    pub tenant: TenantId,
    /// When the change was made.
    pub at: DateTime<Utc>,
    /// Who made it.
    pub actor: Principal,
    /// The kind of the changed record.
    pub object: ObjectKind,
    /// The changed record.
    pub record_id: Uuid,
    /// What happened.
    pub action: AuditAction,
    /// The record's version after the change.
    pub version: u64,
    /// The fields that changed.
    pub changes: Vec<FieldChange>,
}

impl AuditEvent {
    /// The event for storing `after` (whose previous state was `before`, if any).
    pub fn for_change(
        actor: &Actor,
        at: DateTime<Utc>,
        before: Option<&Row>,
        after: &Row,
    ) -> Result<AuditEvent> {
        let action = match before {
            None => AuditAction::Create,
            Some(b) if b.meta.deleted_at.is_none() && after.meta.deleted_at.is_some() => {
                AuditAction::Delete
            }
            Some(b) if b.meta.deleted_at.is_some() && after.meta.deleted_at.is_none() => {
                AuditAction::Restore
            }
            Some(_) => AuditAction::Update,
        };
        Ok(AuditEvent {
            seq: 0,
            tenant: after.meta.tenant,
            at,
            actor: actor.principal,
            object: after.kind,
            record_id: after.id,
            action,
            version: after.meta.version,
            changes: diff(before, after)?,
        })
    }
}

/// The field-level difference between two states of a record. Top-level fields are compared
/// whole, except custom fields, compared key by key; the owner is compared too.
pub fn diff(before: Option<&Row>, after: &Row) -> Result<Vec<FieldChange>> {
    let mut old = before.map(flatten).transpose()?.unwrap_or_default();
    let new = flatten(after)?;
    let mut changes = Vec::new();
    for (field, after_value) in new {
        let before_value = old.remove(&field).unwrap_or(Json::Null);
        if before_value != after_value {
            changes.push(FieldChange {
                field,
                before: before_value,
                after: after_value,
            });
        }
    }
    // Fields present before and absent now (a removed custom field).
    changes.extend(
        old.into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(field, before)| FieldChange {
                field,
                before,
                after: Json::Null,
            }),
    );
    changes.sort_by(|a, b| a.field.cmp(&b.field));
    Ok(changes)
}

fn flatten(row: &Row) -> Result<std::collections::BTreeMap<String, Json>> {
    let body: Json = serde_json::from_str(&row.body)
        .map_err(|e| Error::Internal(format!("{} {} body is not JSON: {e}", row.kind, row.id)))?;
    let Json::Object(fields) = body else {
        return Err(Error::Internal(format!(
            "{} {} body is not an object",
            row.kind, row.id
        )));
    };
    let mut flat = std::collections::BTreeMap::new();
    for (key, value) in fields {
        match (key.as_str(), value) {
            ("custom", Json::Object(custom)) => {
                flat.extend(custom.into_iter().map(|(k, v)| (format!("custom.{k}"), v)));
            }
            (_, value) if !value.is_null() => {
                flat.insert(key, value);
            }
            _ => {}
        }
    }
    let owner = row
        .meta
        .owner
        .map_or(Json::Null, |o| Json::String(o.to_string()));
    flat.insert("owner".into(), owner);
    Ok(flat)
}
