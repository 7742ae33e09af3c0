use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::check_optional_text;
use crate::dedup::FieldKind;
use crate::error::Result;
use crate::fields::Fields;
use crate::id::{AccountId, TagId};
use crate::record::{Column, ColumnType, Entity, ObjectKind, Reference};
use crate::value::{CompanyName, Email, Phone, Region};

/// A customer company (客户).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    /// The registered or common name, e.g. 「北京华为技术有限公司」.
    pub name: CompanyName,
    /// What salespeople call it, e.g. 「华为」.
    pub short_name: Option<String>,
    /// Industry (行业).
    pub industry: Option<String>,
    /// Customer level (客户等级), e.g. A/B/C or 重点客户.
    pub level: Option<String>,
    /// Where the customer came from (来源/渠道).
    pub source: Option<String>,
    /// Province or city.
    pub region: Option<Region>,
    /// Street address.
    pub address: Option<String>,
    /// Switchboard phone.
    pub phone: Option<Phone>,
    /// General email.
    pub email: Option<Email>,
    /// Website.
    pub website: Option<String>,
    /// The headquarters or group this account is a branch of.
    pub parent: Option<AccountId>,
    /// The last follow-up (跟进) on this account or its deals.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// The earliest due time of its open activities (下次跟进); kept current by the engine.
    #[serde(default)]
    pub next_activity_at: Option<DateTime<Utc>>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeSet<TagId>,
    /// Tenant-defined fields.
    #[serde(default)]
    pub custom: Fields,
}

impl Account {
    /// An account with only a name.
    pub fn new(name: CompanyName) -> Self {
        Account {
            name,
            short_name: None,
            industry: None,
            level: None,
            source: None,
            region: None,
            address: None,
            phone: None,
            email: None,
            website: None,
            parent: None,
            last_activity_at: None,
            next_activity_at: None,
            tags: BTreeSet::new(),
            custom: Fields::new(),
        }
    }
}

pub(super) const COLUMNS: &[Column] = &[
    Column::new("name", ColumnType::Text).indexed(),
    Column::new("industry", ColumnType::Text),
    Column::new("level", ColumnType::Text),
    Column::new("source", ColumnType::Text),
    Column::new("region", ColumnType::Text).indexed(),
    Column::new("phone", ColumnType::Text).indexed(),
    Column::new("email", ColumnType::Text).indexed(),
    Column::new("parent", ColumnType::Uuid).indexed(),
    Column::new("last_activity_at", ColumnType::Timestamp).indexed(),
    Column::new("next_activity_at", ColumnType::Timestamp).indexed(),
];

impl Entity for Account {
    type Id = AccountId;
    const KIND: ObjectKind = ObjectKind::Account;

    fn custom_fields(&self) -> Option<&Fields> {
        Some(&self.custom)
    }

    fn references(&self) -> Vec<Reference> {
        let mut refs = Reference::all("tags", ObjectKind::Tag, self.tags.iter().copied());
        refs.extend(
            self.parent
                .map(|p| Reference::to("parent", ObjectKind::Account, p)),
        );
        refs
    }

    fn tree_parent(&self) -> Option<uuid::Uuid> {
        self.parent.map(|p| p.0)
    }

    fn duplicate_fields() -> &'static [(&'static str, FieldKind)] {
        &[
            ("name", FieldKind::CompanyName),
            ("phone", FieldKind::Phone),
            ("email", FieldKind::Email),
            ("region", FieldKind::Region),
            ("address", FieldKind::Address),
        ]
    }

    fn duplicate_cells(&self) -> Vec<Option<String>> {
        vec![
            Some(self.name.to_string()),
            self.phone.as_ref().map(Phone::canonical),
            self.email.as_ref().map(ToString::to_string),
            self.region.map(|r| r.code().to_string()),
            self.address.clone(),
        ]
    }

    fn check(&self) -> Result<()> {
        check_optional_text("short_name", self.short_name.as_deref(), 100)?;
        check_optional_text("industry", self.industry.as_deref(), 100)?;
        check_optional_text("level", self.level.as_deref(), 50)?;
        check_optional_text("source", self.source.as_deref(), 100)?;
        check_optional_text("address", self.address.as_deref(), 500)?;
        check_optional_text("website", self.website.as_deref(), 300)
    }
}
