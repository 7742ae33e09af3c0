use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Account, Contact, check_optional_text};
use crate::dedup::FieldKind;
use crate::error::{Error, Result};
use crate::fields::Fields;
use crate::id::{AccountId, LeadId, TagId};
use crate::record::{Column, ColumnType, Entity, ObjectKind, Reference};
use crate::value::{CompanyName, Email, PersonName, Phone, Region};

/// Where a lead stands in qualification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeadStatus {
    /// Not yet touched.
    New,
    /// Being worked (contacted, in conversation).
    Working,
    /// Qualified: ready to convert.
    Qualified,
    /// Not a fit (can be reopened).
    Unqualified,
    /// Converted into an account; final.
    Converted,
}

impl LeadStatus {
    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            LeadStatus::New => "new",
            LeadStatus::Working => "working",
            LeadStatus::Qualified => "qualified",
            LeadStatus::Unqualified => "unqualified",
            LeadStatus::Converted => "converted",
        }
    }

    /// Whether a lead may move from `self` to `to`.
    pub fn can_become(self, to: LeadStatus) -> bool {
        use LeadStatus::*;
        matches!(
            (self, to),
            (New, Working | Qualified | Unqualified)
                | (Working, Qualified | Unqualified)
                | (Qualified, Working | Unqualified | Converted)
                | (Unqualified, Working)
        )
    }
}

/// A prospect not yet qualified (线索): often just a name and a phone from a trade show.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lead {
    /// The prospect's company.
    pub company: Option<CompanyName>,
    /// The person.
    pub contact_name: Option<PersonName>,
    /// Job title.
    pub title: Option<String>,
    /// Mobile phone.
    pub mobile: Option<Phone>,
    /// Office phone.
    pub phone: Option<Phone>,
    /// Email.
    pub email: Option<Email>,
    /// WeChat id.
    pub wechat: Option<String>,
    /// Province or city.
    pub region: Option<Region>,
    /// Industry.
    pub industry: Option<String>,
    /// Where the lead came from (展会, 官网, 转介绍 ...).
    pub source: Option<String>,
    /// Qualification status; change it with [`Lead::transition`].
    pub status: LeadStatus,
    /// The account it was converted into.
    pub converted_account: Option<AccountId>,
    /// The last follow-up.
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

impl Lead {
    /// A new lead with nothing filled in; at least a company, a name, a phone or an email
    /// must be set before it can be stored.
    pub fn new() -> Self {
        Lead {
            company: None,
            contact_name: None,
            title: None,
            mobile: None,
            phone: None,
            email: None,
            wechat: None,
            region: None,
            industry: None,
            source: None,
            status: LeadStatus::New,
            converted_account: None,
            last_activity_at: None,
            next_activity_at: None,
            tags: BTreeSet::new(),
            custom: Fields::new(),
        }
    }

    /// Move to `to`, or refuse with [`Error::InvalidTransition`]. Converting goes through
    /// [`Lead::mark_converted`], which records the account.
    pub fn transition(&mut self, to: LeadStatus) -> Result<()> {
        if to == LeadStatus::Converted {
            return Err(self.refuse(to, "use mark_converted, which records the account"));
        }
        self.move_to(to)
    }

    /// Whether the lead may convert now: only a qualified lead does.
    pub fn check_convertible(&self) -> Result<()> {
        if self.status.can_become(LeadStatus::Converted) {
            return Ok(());
        }
        Err(self.refuse(LeadStatus::Converted, "only a qualified lead converts"))
    }

    /// Record that the lead became `account`; only a qualified lead converts.
    pub fn mark_converted(&mut self, account: AccountId) -> Result<()> {
        self.check_convertible()?;
        self.move_to(LeadStatus::Converted)?;
        self.converted_account = Some(account);
        Ok(())
    }

    /// The account a conversion creates when no existing one matches: the company with the
    /// lead's region, industry, source, office phone, tags and last follow-up. A lead
    /// without a company converts only into an existing account.
    pub fn to_account(&self) -> Result<Account> {
        let name = self.company.clone().ok_or_else(|| {
            Error::validation(
                "company",
                "",
                "a lead without a company converts only into an existing account",
            )
        })?;
        let mut account = Account::new(name);
        account.region = self.region;
        account.industry = self.industry.clone();
        account.source = self.source.clone();
        account.phone = self.phone.clone();
        account.tags = self.tags.clone();
        account.last_activity_at = self.last_activity_at;
        Ok(account)
    }

    /// The contact a conversion creates at `account`, if the lead names a person: name,
    /// title, mobile, email, WeChat, region and tags (the office phone goes to the account
    /// when one is created, and to the contact as well).
    pub fn to_contact(&self, account: AccountId) -> Option<Contact> {
        let mut contact = Contact::new(self.contact_name.clone()?);
        contact.account_id = Some(account);
        contact.title = self.title.clone();
        contact.mobile = self.mobile.clone();
        contact.phone = self.phone.clone();
        contact.email = self.email.clone();
        contact.wechat = self.wechat.clone();
        contact.region = self.region;
        contact.tags = self.tags.clone();
        contact.last_activity_at = self.last_activity_at;
        Some(contact)
    }

    fn move_to(&mut self, to: LeadStatus) -> Result<()> {
        if !self.status.can_become(to) {
            return Err(self.refuse(to, "not an allowed lead status change"));
        }
        self.status = to;
        Ok(())
    }

    fn refuse(&self, to: LeadStatus, reason: &str) -> Error {
        Error::InvalidTransition {
            object: "lead",
            from: self.status.as_str().into(),
            to: to.as_str().into(),
            reason: reason.into(),
        }
    }
}

impl Default for Lead {
    fn default() -> Self {
        Lead::new()
    }
}

pub(super) const COLUMNS: &[Column] = &[
    Column::new("company", ColumnType::Text).indexed(),
    Column::new("contact_name", ColumnType::Text),
    Column::new("mobile", ColumnType::Text).indexed(),
    Column::new("phone", ColumnType::Text).indexed(),
    Column::new("email", ColumnType::Text).indexed(),
    Column::new("region", ColumnType::Text),
    Column::new("industry", ColumnType::Text),
    Column::new("source", ColumnType::Text),
    Column::new("status", ColumnType::Text).indexed(),
    Column::new("converted_account", ColumnType::Uuid),
    Column::new("last_activity_at", ColumnType::Timestamp),
    Column::new("next_activity_at", ColumnType::Timestamp).indexed(),
];

impl Entity for Lead {
    type Id = LeadId;
    const KIND: ObjectKind = ObjectKind::Lead;

    fn custom_fields(&self) -> Option<&Fields> {
        Some(&self.custom)
    }

    fn references(&self) -> Vec<Reference> {
        let mut refs = Reference::all("tags", ObjectKind::Tag, self.tags.iter().copied());
        refs.extend(
            self.converted_account
                .map(|a| Reference::to("converted_account", ObjectKind::Account, a)),
        );
        refs
    }

    fn duplicate_fields() -> &'static [(&'static str, FieldKind)] {
        &[
            ("company", FieldKind::CompanyName),
            ("contact_name", FieldKind::PersonName),
            ("mobile", FieldKind::Phone),
            ("phone", FieldKind::Phone),
            ("email", FieldKind::Email),
            ("wechat", FieldKind::Identifier),
        ]
    }

    fn duplicate_cells(&self) -> Vec<Option<String>> {
        vec![
            self.company.as_ref().map(ToString::to_string),
            self.contact_name.as_ref().map(ToString::to_string),
            self.mobile.as_ref().map(Phone::canonical),
            self.phone.as_ref().map(Phone::canonical),
            self.email.as_ref().map(ToString::to_string),
            self.wechat.clone(),
        ]
    }

    fn check(&self) -> Result<()> {
        let identifiable = self.company.is_some()
            || self.contact_name.is_some()
            || self.mobile.is_some()
            || self.phone.is_some()
            || self.email.is_some()
            || self.wechat.is_some();
        if !identifiable {
            return Err(Error::validation(
                "lead",
                "",
                "a lead needs at least a company, a name, a phone, an email or a WeChat id",
            ));
        }
        if (self.status == LeadStatus::Converted) != self.converted_account.is_some() {
            return Err(Error::validation(
                "converted_account",
                self.status.as_str(),
                "set exactly when the lead is converted",
            ));
        }
        check_optional_text("title", self.title.as_deref(), 100)?;
        check_optional_text("wechat", self.wechat.as_deref(), 64)?;
        check_optional_text("industry", self.industry.as_deref(), 100)?;
        check_optional_text("source", self.source.as_deref(), 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn lead_status_machine() {
        let mut lead = Lead::new();
        let account = AccountId(uuid::Uuid::nil());
        assert_eq!(
            lead.mark_converted(account).unwrap_err().kind(),
            ErrorKind::InvalidTransition
        );
        lead.transition(LeadStatus::Working).unwrap();
        lead.transition(LeadStatus::Qualified).unwrap();
        assert!(lead.transition(LeadStatus::Converted).is_err());
        lead.mark_converted(account).unwrap();
        assert_eq!(lead.status, LeadStatus::Converted);
        let err = lead.transition(LeadStatus::Working).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidTransition);
        assert!(err.to_string().contains("converted"), "{err}");
    }

    #[test]
    fn empty_lead_is_refused() {
        assert_eq!(
            Lead::new().check().unwrap_err().kind(),
            ErrorKind::Validation
        );
    }
}
