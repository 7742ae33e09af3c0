//! What becomes of each row: create, merge into an existing customer, skip, or reject.
//!
//! A row that surely is a customer already known — stored, or created by an earlier row of
//! the same file, in the match zone of [`crm_core::dedup::Zones`] — is a duplicate. If it
//! adds nothing the customer lacks, it is skipped (an exact duplicate); otherwise the
//! [`OnDuplicate`] policy decides. A row that only possibly is one (the possible zone) is
//! created and queued for a person to decide. Merging fills the
//! customer's empty fields from the row and never overwrites a value someone entered.

use crm_core::dedup::{Explanation, FieldKind, FieldSpec};
use crm_core::model::{Account, Contact};
use crm_core::value::Phone;
use serde::de::DeserializeOwned;
use serde::{Serialize, Serializer};
use serde_json::Value;

/// What to do with a row that looks like a known customer but adds something to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDuplicate {
    /// Fill the customer's empty fields from the row (and add its contact if new).
    #[default]
    Merge,
    /// Leave the customer as it is.
    Skip,
    /// Create a new customer anyway.
    Create,
}

impl std::str::FromStr for OnDuplicate {
    type Err = String;

    fn from_str(text: &str) -> Result<OnDuplicate, String> {
        match text {
            "merge" => Ok(OnDuplicate::Merge),
            "skip" => Ok(OnDuplicate::Skip),
            "create" => Ok(OnDuplicate::Create),
            other => Err(format!(
                "unknown duplicate policy {other:?}: merge, skip or create"
            )),
        }
    }
}

/// The decision for one row.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Decision {
    /// A new customer.
    Create,
    /// A new customer that may be the same as a known one: created, never merged or skipped
    /// on a guess, and queued for a person to decide.
    CreateForReview(MatchFound),
    /// Fill the gaps of a known customer.
    Merge(MatchFound),
    /// Nothing to do: the customer is known and the row adds nothing, or the policy skips.
    Skip(MatchFound),
    /// The row cannot be imported.
    Reject {
        /// Why, for the user.
        reason: String,
    },
}

/// The known customer a row matched and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchFound {
    /// The customer's id, or the id planned for a customer an earlier row creates.
    pub account_id: String,
    /// The first row of this file that created or changed that customer, if any.
    pub row: Option<u64>,
    /// The match probability.
    pub probability: f64,
    /// Each field's agreement and weight.
    #[serde(serialize_with = "brief")]
    pub explanation: Explanation,
}

/// `"company_name exact +7.3, mobile exact +7.1"`: the agreeing fields, as the report shows.
fn brief<S: Serializer>(explanation: &Explanation, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(&describe(explanation))
}

/// The fields that made a match, e.g. `company_name exact +7.3, mobile exact +7.1`.
pub fn describe(explanation: &Explanation) -> String {
    let agreeing: Vec<String> = explanation
        .fields
        .iter()
        .filter(|f| f.weight > 0.0)
        .map(|f| format!("{} {} {:+.1}", f.field, f.meaning, f.weight))
        .collect();
    agreeing.join(", ")
}

/// The fields rows and known customers are compared on, as the dedup engine sees them.
pub fn match_fields() -> Vec<FieldSpec> {
    vec![
        FieldSpec::new("company_name", FieldKind::CompanyName),
        FieldSpec::new("contact_name", FieldKind::PersonName),
        FieldSpec::new("mobile", FieldKind::Phone),
        FieldSpec::new("phone", FieldKind::Phone),
        FieldSpec::new("email", FieldKind::Email),
        FieldSpec::new("region", FieldKind::Region),
        FieldSpec::new("address", FieldKind::Address),
    ]
}

/// The cells of a customer and one of its contacts, in [`match_fields`] order.
pub fn match_cells(account: &Account, contact: Option<&Contact>) -> Vec<Option<String>> {
    let phone = |p: Option<&Phone>| p.map(Phone::canonical);
    vec![
        Some(account.name.to_string()),
        contact.map(|c| c.name.to_string()),
        phone(contact.and_then(|c| c.mobile.as_ref())),
        phone(
            account
                .phone
                .as_ref()
                .or(contact.and_then(|c| c.phone.as_ref())),
        ),
        contact
            .and_then(|c| c.email.as_ref())
            .or(account.email.as_ref())
            .map(ToString::to_string),
        account.region.map(|r| r.code().to_string()),
        account.address.clone(),
    ]
}

/// `existing` with its empty fields filled from `incoming`, or `None` when that changes
/// nothing. A field is empty when it is absent, null, an empty string, list or map; maps
/// (custom fields) are filled key by key. Values already there are never overwritten.
///
/// ```
/// # use crm_import::plan::fill_gaps;
/// # use crm_core::model::Account;
/// # use crm_core::value::{CompanyName, Phone};
/// let mut stored = Account::new(CompanyName::parse("华为技术有限公司")?);
/// stored.industry = Some("通信".into());
/// let mut row = Account::new(CompanyName::parse("华为技术")?);
/// row.industry = Some("电子".into());
/// row.phone = Some(Phone::parse("010-62345678")?);
/// let merged = fill_gaps(&stored, &row).expect("the phone is new");
/// assert_eq!(merged.name.as_str(), "华为技术有限公司");
/// assert_eq!(merged.industry.as_deref(), Some("通信"));
/// assert!(merged.phone.is_some());
/// assert_eq!(fill_gaps(&merged, &row), None);
/// # Ok::<(), crm_core::error::InvalidValue>(())
/// ```
pub fn fill_gaps<T: Serialize + DeserializeOwned>(existing: &T, incoming: &T) -> Option<T> {
    let mut base = serde_json::to_value(existing).ok()?;
    let new = serde_json::to_value(incoming).ok()?;
    fill_value(&mut base, new).then(|| serde_json::from_value(base).ok())?
}

/// Fill the empty parts of `base` from `new`; whether anything changed.
fn fill_value(base: &mut Value, new: Value) -> bool {
    match (base, new) {
        (Value::Object(base), Value::Object(new)) => {
            let mut changed = false;
            for (key, value) in new {
                match base.get_mut(&key) {
                    Some(slot) => changed |= fill_value(slot, value),
                    None if !is_empty(&value) => {
                        base.insert(key, value);
                        changed = true;
                    }
                    None => {}
                }
            }
            changed
        }
        (slot, value) if is_empty(slot) && !is_empty(&value) => {
            *slot = value;
            true
        }
        _ => false,
    }
}

/// Whether [`fill_gaps`] takes `value` for empty: null, or an empty string, list or map.
pub(crate) fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_core::fields::FieldValue;
    use crm_core::value::CompanyName;

    fn account(name: &str) -> Account {
        Account::new(CompanyName::parse(name).unwrap())
    }

    #[test]
    fn custom_fields_fill_key_by_key_and_never_overwrite() {
        let mut stored = account("恒瑞精密机械有限公司");
        stored
            .custom
            .insert("budget".into(), FieldValue::Text("50万".into()));
        let mut row = account("恒瑞精密");
        row.custom
            .insert("budget".into(), FieldValue::Text("80万".into()));
        row.custom
            .insert("grade".into(), FieldValue::Text("A".into()));
        let merged = fill_gaps(&stored, &row).unwrap();
        assert_eq!(merged.custom["budget"], FieldValue::Text("50万".into()));
        assert_eq!(merged.custom["grade"], FieldValue::Text("A".into()));
    }

    #[test]
    fn a_row_that_adds_nothing_changes_nothing() {
        let mut stored = account("恒瑞精密机械有限公司");
        stored.level = Some("A".into());
        let row = account("恒瑞精密机械有限公司");
        assert_eq!(fill_gaps(&stored, &row), None);
    }

    #[test]
    fn duplicate_policies_parse_by_name() {
        assert_eq!("skip".parse(), Ok(OnDuplicate::Skip));
        assert!("keep".parse::<OnDuplicate>().unwrap_err().contains("merge"));
    }
}
