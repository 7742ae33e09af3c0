use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{check_optional_text, check_text};
use crate::error::{Error, Result};
use crate::fields::Fields;
use crate::id::{AccountId, ContactId, OpportunityId, PipelineId, TagId};
use crate::record::{Column, ColumnType, Entity, ObjectKind, Reference};
use crate::value::Money;

/// Whether a deal is still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityStatus {
    /// Being worked.
    Open,
    /// Closed won (赢单).
    Won,
    /// Closed lost (输单).
    Lost,
}

impl OpportunityStatus {
    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            OpportunityStatus::Open => "open",
            OpportunityStatus::Won => "won",
            OpportunityStatus::Lost => "lost",
        }
    }
}

/// A deal (商机): an amount the customer may buy, moving through a pipeline's stages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    /// The customer.
    pub account_id: AccountId,
    /// The main contact on the customer side.
    pub contact_id: Option<ContactId>,
    /// A name, e.g. 「2025 年数据中心扩容」.
    pub name: String,
    /// The expected amount.
    pub amount: Option<Money>,
    /// Its pipeline; `None` for a deal kept outside pipelines.
    #[serde(default)]
    pub pipeline_id: Option<PipelineId>,
    /// The current stage key of its pipeline; move it with
    /// [`Pipeline::check_move`](super::Pipeline::check_move).
    pub stage: String,
    /// When it entered its current stage; `None` until its first move (its creation time
    /// stands in).
    #[serde(default)]
    pub stage_entered_at: Option<DateTime<Utc>>,
    /// Open, won or lost; change it with [`Opportunity::win`], [`Opportunity::lose`],
    /// [`Opportunity::reopen`].
    pub status: OpportunityStatus,
    /// Win probability in percent, overriding the stage default.
    pub probability: Option<u8>,
    /// Expected close date.
    pub expected_close: Option<NaiveDate>,
    /// When it was won or lost.
    pub closed_at: Option<DateTime<Utc>>,
    /// Why it was lost.
    pub lost_reason: Option<String>,
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

impl Opportunity {
    /// An open deal for `account` at `stage`.
    pub fn new(account_id: AccountId, name: impl Into<String>, stage: impl Into<String>) -> Self {
        Opportunity {
            account_id,
            contact_id: None,
            name: name.into(),
            amount: None,
            pipeline_id: None,
            stage: stage.into(),
            stage_entered_at: None,
            status: OpportunityStatus::Open,
            probability: None,
            expected_close: None,
            closed_at: None,
            lost_reason: None,
            last_activity_at: None,
            next_activity_at: None,
            tags: BTreeSet::new(),
            custom: Fields::new(),
        }
    }

    /// Close as won at `at`.
    pub fn win(&mut self, at: DateTime<Utc>) -> Result<()> {
        self.close(OpportunityStatus::Won, at)?;
        self.probability = Some(100);
        Ok(())
    }

    /// Close as lost at `at` for `reason`.
    pub fn lose(&mut self, at: DateTime<Utc>, reason: impl Into<String>) -> Result<()> {
        self.close(OpportunityStatus::Lost, at)?;
        self.probability = Some(0);
        self.lost_reason = Some(reason.into());
        Ok(())
    }

    /// Reopen a closed deal.
    pub fn reopen(&mut self) -> Result<()> {
        if self.status == OpportunityStatus::Open {
            return Err(self.refuse(OpportunityStatus::Open, "it is already open"));
        }
        self.status = OpportunityStatus::Open;
        self.closed_at = None;
        self.lost_reason = None;
        self.probability = None;
        Ok(())
    }

    fn close(&mut self, to: OpportunityStatus, at: DateTime<Utc>) -> Result<()> {
        if self.status != OpportunityStatus::Open {
            return Err(self.refuse(to, "only an open deal can be closed; reopen it first"));
        }
        self.status = to;
        self.closed_at = Some(at);
        Ok(())
    }

    fn refuse(&self, to: OpportunityStatus, reason: &str) -> Error {
        Error::InvalidTransition {
            object: "opportunity",
            from: self.status.as_str().into(),
            to: to.as_str().into(),
            reason: reason.into(),
        }
    }
}

pub(super) const COLUMNS: &[Column] = &[
    Column::new("account_id", ColumnType::Uuid).indexed(),
    Column::new("contact_id", ColumnType::Uuid),
    Column::new("name", ColumnType::Text),
    Column::new("amount", ColumnType::Decimal).at("/amount/amount"),
    Column::new("currency", ColumnType::Text).at("/amount/currency"),
    Column::new("pipeline_id", ColumnType::Uuid).indexed(),
    Column::new("stage", ColumnType::Text).indexed(),
    Column::new("stage_entered_at", ColumnType::Timestamp),
    Column::new("status", ColumnType::Text).indexed(),
    Column::new("expected_close", ColumnType::Date).indexed(),
    Column::new("closed_at", ColumnType::Timestamp),
    Column::new("last_activity_at", ColumnType::Timestamp),
    Column::new("next_activity_at", ColumnType::Timestamp).indexed(),
];

impl Entity for Opportunity {
    type Id = OpportunityId;
    const KIND: ObjectKind = ObjectKind::Opportunity;

    fn custom_fields(&self) -> Option<&Fields> {
        Some(&self.custom)
    }

    fn references(&self) -> Vec<Reference> {
        let mut refs = Reference::all("tags", ObjectKind::Tag, self.tags.iter().copied());
        refs.push(Reference::to(
            "account_id",
            ObjectKind::Account,
            self.account_id,
        ));
        refs.extend(
            self.contact_id
                .map(|c| Reference::to("contact_id", ObjectKind::Contact, c)),
        );
        refs.extend(
            self.pipeline_id
                .map(|p| Reference::to("pipeline_id", ObjectKind::Pipeline, p)),
        );
        refs
    }

    fn check(&self) -> Result<()> {
        check_text("name", &self.name, 200)?;
        check_text("stage", &self.stage, 64)?;
        check_optional_text("lost_reason", self.lost_reason.as_deref(), 500)?;
        if let Some(p) = self.probability.filter(|p| *p > 100) {
            return Err(Error::validation(
                "probability",
                p.to_string(),
                "must be 0 to 100",
            ));
        }
        if (self.status == OpportunityStatus::Open) == self.closed_at.is_some() {
            return Err(Error::validation(
                "closed_at",
                self.status.as_str(),
                "set exactly when the deal is won or lost",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use chrono::TimeZone;

    #[test]
    fn win_lose_reopen() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        let mut deal = Opportunity::new(AccountId(uuid::Uuid::nil()), "扩容", "proposal");
        deal.check().unwrap();
        deal.win(at).unwrap();
        deal.check().unwrap();
        let err = deal.lose(at, "价格").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidTransition);
        deal.reopen().unwrap();
        deal.lose(at, "价格").unwrap();
        assert_eq!(deal.lost_reason.as_deref(), Some("价格"));
        assert_eq!(
            deal.reopen()
                .and_then(|_| deal.reopen())
                .unwrap_err()
                .kind(),
            ErrorKind::InvalidTransition
        );
    }

    #[test]
    fn probability_over_100_is_refused() {
        let mut deal = Opportunity::new(AccountId(uuid::Uuid::nil()), "x", "s");
        deal.probability = Some(101);
        assert_eq!(deal.check().unwrap_err().kind(), ErrorKind::Validation);
    }
}
