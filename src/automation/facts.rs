//! Records as the rules engine reads them: a [`Row`] turned into [`FactMap`]s.

use crm_core::ObjectKind;
use crm_core::query::{Predicate, Query};
use crm_core::record::{FieldRef, MetaField, Row, Value};
use crm_core::store::ReadStore;
use crm_core::value::Region;
use crm_core::{Error, Result};
use crm_rules::{FactMap, Facts};

/// A row's fields by name: meta fields, queryable columns, custom fields as
/// `custom.<key>`, and for a region its `region.province` and `region.city` names.
pub(crate) fn facts_of(row: &Row) -> Result<FactMap> {
    let mut facts = FactMap::new();
    for meta in MetaField::ALL {
        facts.set(meta.name(), row.value(FieldRef::Meta(meta)));
    }
    for (column, value) in row.kind.columns().iter().zip(&row.columns) {
        facts.set(column.name, value.clone());
    }
    if let Some(Value::Text(code)) = facts.get("region") {
        let region = code.parse().ok().and_then(Region::from_code);
        if let Some(region) = region {
            facts.set("region.province", region.province().name());
            facts.set("region.city", region.name());
        }
    }
    let body: serde_json::Value = serde_json::from_str(&row.body)
        .map_err(|e| Error::Internal(format!("stored {} body is not JSON: {e}", row.kind)))?;
    if let Some(custom) = body.get("custom").and_then(|c| c.as_object()) {
        for (key, value) in custom {
            facts.set(format!("custom.{key}"), custom_value(value));
        }
    }
    Ok(facts)
}

/// A custom field's stored JSON (`{"type": "number", "value": "12.5"}`) as a value.
fn custom_value(json: &serde_json::Value) -> Value {
    let value = json.get("value");
    let text = |v: Option<&serde_json::Value>| match v {
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    match json.get("type").and_then(|t| t.as_str()) {
        Some("text" | "enum") => text(value).map_or(Value::Null, Value::Text),
        Some("number") => text(value)
            .and_then(|t| t.parse().ok())
            .map_or(Value::Null, Value::Decimal),
        Some("money") => text(value.and_then(|v| v.get("amount")))
            .and_then(|t| t.parse().ok())
            .map_or(Value::Null, Value::Decimal),
        Some("date") => text(value)
            .and_then(|t| t.parse().ok())
            .map_or(Value::Null, Value::Date),
        Some("bool") => value
            .and_then(|v| v.as_bool())
            .map_or(Value::Null, Value::Bool),
        _ => Value::Null,
    }
}

/// The relations a rule may read of a record of `kind`: name, related kind, and the
/// related kind's field pointing back.
pub(crate) fn relations_of(
    kind: ObjectKind,
) -> &'static [(&'static str, ObjectKind, &'static str)] {
    match kind {
        ObjectKind::Account => &[
            ("opportunities", ObjectKind::Opportunity, "account_id"),
            ("contacts", ObjectKind::Contact, "account_id"),
            ("activities", ObjectKind::Activity, "account_id"),
            ("tickets", ObjectKind::Ticket, "account_id"),
        ],
        ObjectKind::Lead => &[("activities", ObjectKind::Activity, "lead_id")],
        ObjectKind::Opportunity => &[("activities", ObjectKind::Activity, "opportunity_id")],
        ObjectKind::Contact => &[
            ("opportunities", ObjectKind::Opportunity, "contact_id"),
            ("activities", ObjectKind::Activity, "contact_id"),
        ],
        _ => &[],
    }
}

/// [`facts_of`] plus the related records of each relation in `relations`.
pub(crate) async fn facts_with_related(
    reader: &dyn ReadStore,
    row: &Row,
    relations: &[&str],
) -> Result<FactMap> {
    let mut facts = facts_of(row)?;
    for &(name, kind, back) in relations_of(row.kind) {
        if !relations.contains(&name) {
            continue;
        }
        let query = Query::filter(Predicate::eq(back, row.id)).unpaged();
        let related = reader.list_rows(kind, row.meta.tenant, &query).await?;
        let related = related.iter().map(facts_of).collect::<Result<Vec<_>>>()?;
        facts = facts.with_related(name, related);
    }
    Ok(facts)
}
