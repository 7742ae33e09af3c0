//! What rules read: a record's fields and the records related to it.
//!
//! The engine never sees domain types. A host (the `crm` facade, or an embedding program)
//! hands it [`Facts`]: field values by name — column names such as `amount`, custom fields
//! as `custom.<key>` — and, for conditions over related records ("has an open
//! opportunity"), the related records by relation name. [`FactMap`] is the ready-made
//! implementation.
//!
//! ```
//! use crm_core::record::Value;
//! use crm_rules::facts::{FactMap, Facts};
//!
//! let deal = FactMap::new().with("stage", "contract_review").with("amount", 1_500_000i64);
//! let account = FactMap::new()
//!     .with("name", "华为技术")
//!     .with_related("opportunities", vec![deal]);
//! assert_eq!(account.get("name"), Some(&Value::Text("华为技术".into())));
//! let mut open = 0;
//! account.related("opportunities", &mut |_| {
//!     open += 1;
//!     true
//! });
//! assert_eq!(open, 1);
//! ```

use std::collections::BTreeMap;

use crm_core::record::Value;

/// Field values of one record, and the records related to it.
pub trait Facts {
    /// The value of `field`; `None` when the record has no such field or it is empty.
    fn get(&self, field: &str) -> Option<&Value>;

    /// Visit each record of `relation` (e.g. `opportunities`, `tickets`, `activities`,
    /// `contacts`) until `visit` answers `false`. Records without relations visit nothing.
    fn related(&self, relation: &str, visit: &mut dyn FnMut(&dyn Facts) -> bool) {
        let _ = (relation, visit);
    }
}

/// [`Facts`] held in maps: fields by name, related records by relation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactMap {
    fields: BTreeMap<String, Value>,
    relations: BTreeMap<String, Vec<FactMap>>,
}

impl FactMap {
    /// No fields, no relations.
    pub fn new() -> Self {
        Self::default()
    }

    /// Set `field` to `value` (a [`Value::Null`] removes it).
    pub fn set(&mut self, field: impl Into<String>, value: impl Into<Value>) {
        let field = field.into();
        match value.into() {
            Value::Null => {
                self.fields.remove(&field);
            }
            value => {
                self.fields.insert(field, value);
            }
        }
    }

    /// This map with `field` set to `value`.
    pub fn with(mut self, field: impl Into<String>, value: impl Into<Value>) -> Self {
        self.set(field, value);
        self
    }

    /// This map with the records of `relation` replaced by `records`.
    pub fn with_related(mut self, relation: impl Into<String>, records: Vec<FactMap>) -> Self {
        self.relations.insert(relation.into(), records);
        self
    }

    /// The fields set, by name.
    pub fn fields(&self) -> &BTreeMap<String, Value> {
        &self.fields
    }
}

impl Facts for FactMap {
    fn get(&self, field: &str) -> Option<&Value> {
        self.fields.get(field)
    }

    fn related(&self, relation: &str, visit: &mut dyn FnMut(&dyn Facts) -> bool) {
        for record in self.relations.get(relation).into_iter().flatten() {
            if !visit(record) {
                break;
            }
        }
    }
}
