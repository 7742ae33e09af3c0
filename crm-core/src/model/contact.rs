use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::check_optional_text;
use crate::dedup::FieldKind;
use crate::error::Result;
use crate::fields::Fields;
use crate::id::{AccountId, ContactId, TagId};
use crate::record::{Column, ColumnType, Entity, ObjectKind, Reference};
use crate::value::{Email, PersonName, Phone, Region};

/// A person at a customer (联系人).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    /// The company the person works for, if known.
    pub account_id: Option<AccountId>,
    /// The person's name, e.g. 「张伟」 or 「Zhang Wei」.
    pub name: PersonName,
    /// Job title (职位), e.g. 采购经理.
    pub title: Option<String>,
    /// Mobile phone.
    pub mobile: Option<Phone>,
    /// Office phone.
    pub phone: Option<Phone>,
    /// Email.
    pub email: Option<Email>,
    /// WeChat id (微信号).
    pub wechat: Option<String>,
    /// Province or city.
    pub region: Option<Region>,
    /// Whether this is the account's main contact (首要联系人).
    #[serde(default)]
    pub primary: bool,
    /// The last follow-up with this person.
    pub last_activity_at: Option<DateTime<Utc>>,
    /// Tags.
    #[serde(default)]
    pub tags: BTreeSet<TagId>,
    /// Tenant-defined fields.
    #[serde(default)]
    pub custom: Fields,
}

impl Contact {
    /// A contact with only a name.
    pub fn new(name: PersonName) -> Self {
        Contact {
            account_id: None,
            name,
            title: None,
            mobile: None,
            phone: None,
            email: None,
            wechat: None,
            region: None,
            primary: false,
            last_activity_at: None,
            tags: BTreeSet::new(),
            custom: Fields::new(),
        }
    }
}

pub(super) const COLUMNS: &[Column] = &[
    Column::new("account_id", ColumnType::Uuid).indexed(),
    Column::new("name", ColumnType::Text).indexed(),
    Column::new("title", ColumnType::Text),
    Column::new("mobile", ColumnType::Text).indexed(),
    Column::new("phone", ColumnType::Text).indexed(),
    Column::new("email", ColumnType::Text).indexed(),
    Column::new("wechat", ColumnType::Text),
    Column::new("region", ColumnType::Text),
    Column::new("primary", ColumnType::Bool),
    Column::new("last_activity_at", ColumnType::Timestamp),
];

impl Entity for Contact {
    type Id = ContactId;
    const KIND: ObjectKind = ObjectKind::Contact;

    fn custom_fields(&self) -> Option<&Fields> {
        Some(&self.custom)
    }

    fn references(&self) -> Vec<Reference> {
        let mut refs = Reference::all("tags", ObjectKind::Tag, self.tags.iter().copied());
        refs.extend(
            self.account_id
                .map(|a| Reference::to("account_id", ObjectKind::Account, a)),
        );
        refs
    }

    fn duplicate_fields() -> &'static [(&'static str, FieldKind)] {
        &[
            ("name", FieldKind::PersonName),
            ("mobile", FieldKind::Phone),
            ("phone", FieldKind::Phone),
            ("email", FieldKind::Email),
            ("wechat", FieldKind::Identifier),
        ]
    }

    fn duplicate_cells(&self) -> Vec<Option<String>> {
        vec![
            Some(self.name.to_string()),
            self.mobile.as_ref().map(Phone::canonical),
            self.phone.as_ref().map(Phone::canonical),
            self.email.as_ref().map(ToString::to_string),
            self.wechat.clone(),
        ]
    }

    fn check(&self) -> Result<()> {
        check_optional_text("title", self.title.as_deref(), 100)?;
        check_optional_text("wechat", self.wechat.as_deref(), 64)
    }
}
