use serde::{Deserialize, Serialize};

use super::{check_optional_text, check_text};
use crate::error::Result;
use crate::id::TagId;
use crate::record::{Column, ColumnType, Entity, ObjectKind};

/// A label put on records, e.g. 「重点客户」 or 「展会线索」.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    /// The label; unique within a tenant.
    pub name: String,
    /// A display colour, e.g. `#d4380d`.
    pub color: Option<String>,
}

pub(super) const COLUMNS: &[Column] = &[Column::new("name", ColumnType::Text).indexed()];

impl Entity for Tag {
    type Id = TagId;
    const KIND: ObjectKind = ObjectKind::Tag;

    fn check(&self) -> Result<()> {
        check_text("name", &self.name, 50)?;
        check_optional_text("color", self.color.as_deref(), 20)
    }
}
