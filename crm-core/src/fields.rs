//! Custom fields: a typed map on accounts, contacts, leads and opportunities, validated
//! against a per-tenant [`FieldSchema`].
//!
//! Tenants add fields without code changes ("采购周期", "budget_2025"); the schema says which
//! keys exist, their type, whether they are required, the allowed options of an enum and the
//! maximum length of text. Values are exact: numbers are decimals, money carries its currency.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::id::FieldSchemaId;
use crate::record::{Column, ColumnType, Entity, ObjectKind};
use crate::value::Money;

/// The value of one custom field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum FieldValue {
    /// Free text.
    Text(String),
    /// An exact number.
    Number(Decimal),
    /// An amount with its currency.
    Money(Money),
    /// A calendar date.
    Date(NaiveDate),
    /// One of the schema's options.
    Enum(String),
    /// Yes or no.
    Bool(bool),
}

impl FieldValue {
    /// The type of this value.
    pub fn field_type(&self) -> FieldType {
        match self {
            FieldValue::Text(_) => FieldType::Text,
            FieldValue::Number(_) => FieldType::Number,
            FieldValue::Money(_) => FieldType::Money,
            FieldValue::Date(_) => FieldType::Date,
            FieldValue::Enum(_) => FieldType::Enum,
            FieldValue::Bool(_) => FieldType::Bool,
        }
    }

    fn display(&self) -> String {
        match self {
            FieldValue::Text(s) | FieldValue::Enum(s) => s.clone(),
            FieldValue::Number(n) => n.to_string(),
            FieldValue::Money(m) => m.to_string(),
            FieldValue::Date(d) => d.to_string(),
            FieldValue::Bool(b) => b.to_string(),
        }
    }
}

/// The custom fields of a record, by key.
pub type Fields = BTreeMap<String, FieldValue>;

/// The type of a custom field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Free text.
    Text,
    /// An exact number.
    Number,
    /// An amount with currency.
    Money,
    /// A calendar date.
    Date,
    /// One of a fixed list of options.
    Enum,
    /// Yes or no.
    Bool,
}

/// The definition of one custom field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldDef {
    /// The key in [`Fields`]; ASCII letters, digits and `_`, or Han characters.
    pub key: String,
    /// The label shown to users.
    pub label: String,
    /// The type values must have.
    pub field_type: FieldType,
    /// Whether every record must have a value.
    #[serde(default)]
    pub required: bool,
    /// The allowed options of an [`FieldType::Enum`] field.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// The maximum length in characters of a [`FieldType::Text`] field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
}

impl FieldDef {
    /// A field of `key` and type, labelled with its key, optional, without limits.
    pub fn new(key: impl Into<String>, field_type: FieldType) -> Self {
        let key = key.into();
        FieldDef {
            label: key.clone(),
            key,
            field_type,
            required: false,
            options: Vec::new(),
            max_length: None,
        }
    }

    /// This field, required.
    pub fn required(mut self) -> Self {
        self.required = true;
        self
    }

    /// This field with the given enum options.
    pub fn with_options<S: Into<String>>(mut self, options: impl IntoIterator<Item = S>) -> Self {
        self.options = options.into_iter().map(Into::into).collect();
        self
    }

    /// This field with a maximum text length.
    pub fn with_max_length(mut self, max: usize) -> Self {
        self.max_length = Some(max);
        self
    }

    fn check(&self, value: &FieldValue) -> Result<()> {
        let field = format!("custom.{}", self.key);
        let refuse = |reason: String| Err(Error::validation(&field, value.display(), reason));
        if value.field_type() != self.field_type {
            return refuse(format!(
                "expected a {:?} value, got {:?}",
                self.field_type,
                value.field_type()
            ));
        }
        match value {
            FieldValue::Enum(option) if !self.options.contains(option) => refuse(format!(
                "not one of the options: {}",
                self.options.join(", ")
            )),
            FieldValue::Text(text) => match self.max_length {
                Some(max) if text.chars().count() > max => {
                    refuse(format!("longer than {max} characters"))
                }
                _ => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

/// A tenant's custom fields for one object kind. Stored like any record, one per kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldSchema {
    /// The kind these fields belong to.
    pub object: ObjectKind,
    /// The field definitions.
    pub fields: Vec<FieldDef>,
}

impl FieldSchema {
    /// A schema for `object` with `fields`; refuses duplicate keys, empty keys and enums
    /// without options.
    pub fn new(object: ObjectKind, fields: Vec<FieldDef>) -> Result<Self> {
        let schema = FieldSchema { object, fields };
        schema.check()?;
        Ok(schema)
    }

    /// Validate `values`: every key known, every value of the right type and within limits,
    /// every required field present. The first violation is returned.
    pub fn validate(&self, values: &Fields) -> Result<()> {
        for (key, value) in values {
            let def = self.fields.iter().find(|d| &d.key == key).ok_or_else(|| {
                Error::validation(
                    format!("custom.{key}"),
                    value.display(),
                    format!("no custom field `{key}` is defined for {}", self.object),
                )
            })?;
            def.check(value)?;
        }
        match self
            .fields
            .iter()
            .find(|d| d.required && !values.contains_key(&d.key))
        {
            Some(missing) => Err(Error::validation(
                format!("custom.{}", missing.key),
                "",
                "required custom field is missing",
            )),
            None => Ok(()),
        }
    }
}

impl Entity for FieldSchema {
    type Id = FieldSchemaId;
    const KIND: ObjectKind = ObjectKind::FieldSchema;

    fn check(&self) -> Result<()> {
        let mut seen = std::collections::HashSet::new();
        for def in &self.fields {
            let key_ok =
                !def.key.is_empty() && def.key.chars().all(|c| c.is_alphanumeric() || c == '_');
            if !key_ok {
                return Err(Error::validation(
                    "fields.key",
                    &def.key,
                    "keys are letters, digits, `_` or Han characters, and not empty",
                ));
            }
            if !seen.insert(&def.key) {
                return Err(Error::validation("fields.key", &def.key, "defined twice"));
            }
            if def.field_type == FieldType::Enum && def.options.is_empty() {
                return Err(Error::validation(
                    format!("fields.{}.options", def.key),
                    "",
                    "an enum field needs at least one option",
                ));
            }
        }
        Ok(())
    }
}

/// The queryable columns of [`FieldSchema`].
pub(crate) const FIELD_SCHEMA_COLUMNS: &[Column] =
    &[Column::new("object", ColumnType::Text).indexed()];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn schema() -> FieldSchema {
        FieldSchema::new(
            ObjectKind::Account,
            vec![
                FieldDef::new("budget", FieldType::Number).required(),
                FieldDef::new("tier", FieldType::Enum).with_options(["gold", "silver"]),
                FieldDef::new("note", FieldType::Text).with_max_length(5),
            ],
        )
        .unwrap()
    }

    fn fields(pairs: &[(&str, FieldValue)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn accepts_valid_values() {
        let values = fields(&[
            ("budget", FieldValue::Number(Decimal::new(12, 0))),
            ("tier", FieldValue::Enum("gold".into())),
            ("note", FieldValue::Text("短备注".into())),
        ]);
        schema().validate(&values).unwrap();
    }

    #[test]
    fn each_violation_names_the_field() {
        let budget = ("budget", FieldValue::Number(Decimal::ONE));
        let cases = [
            (vec![], "custom.budget"),
            (
                vec![budget.clone(), ("tier", FieldValue::Enum("bronze".into()))],
                "custom.tier",
            ),
            (
                vec![budget.clone(), ("note", FieldValue::Text("sixsix".into()))],
                "custom.note",
            ),
            (
                vec![budget.clone(), ("unknown", FieldValue::Bool(true))],
                "custom.unknown",
            ),
            (
                vec![("budget", FieldValue::Text("12".into()))],
                "custom.budget",
            ),
        ];
        for (values, expected_field) in cases {
            let err = schema().validate(&fields(&values)).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Validation);
            match err {
                Error::Validation { field, .. } => assert_eq!(field, expected_field),
                other => panic!("unexpected {other:?}"),
            }
        }
    }

    #[test]
    fn schema_refuses_duplicate_keys_and_empty_enums() {
        let dup = vec![
            FieldDef::new("a", FieldType::Text),
            FieldDef::new("a", FieldType::Bool),
        ];
        assert!(FieldSchema::new(ObjectKind::Lead, dup).is_err());
        let empty_enum = vec![FieldDef::new("e", FieldType::Enum)];
        assert!(FieldSchema::new(ObjectKind::Lead, empty_enum).is_err());
    }
}
