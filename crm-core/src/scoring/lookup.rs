//! The record view scoring reads: a field name gives a [`Value`].
//!
//! Points rules and predictive models name fields; they never see a concrete type. A stored
//! [`Lead`], a map built from a CSV row or a host's own struct all score alike once they
//! implement [`FieldLookup`].

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use crate::fields::FieldValue;
use crate::model::Lead;
use crate::query::{CmpOp, NoRows, Predicate, Test};
use crate::record::Value;

/// Field name → value, for the record being scored. An absent field is [`Value::Null`].
pub trait FieldLookup {
    /// The value of `field`, [`Value::Null`] when the record has none.
    fn field(&self, name: &str) -> Value;

    /// [`field`](FieldLookup::field), borrowed when the record holds the value: predictive
    /// models read every field of every lead, and copying text each time would cost more
    /// than finding it. Implement it when values are stored as [`Value`]s.
    fn field_ref(&self, name: &str) -> Cow<'_, Value> {
        Cow::Owned(self.field(name))
    }
}

/// What a map without the field lends.
static NULL: Value = Value::Null;

impl FieldLookup for BTreeMap<String, Value> {
    fn field(&self, name: &str) -> Value {
        self.field_ref(name).into_owned()
    }

    fn field_ref(&self, name: &str) -> Cow<'_, Value> {
        Cow::Borrowed(self.get(name).unwrap_or(&NULL))
    }
}

impl FieldLookup for HashMap<String, Value> {
    fn field(&self, name: &str) -> Value {
        self.field_ref(name).into_owned()
    }

    fn field_ref(&self, name: &str) -> Cow<'_, Value> {
        Cow::Borrowed(self.get(name).unwrap_or(&NULL))
    }
}

impl<T: FieldLookup + ?Sized> FieldLookup for &T {
    fn field(&self, name: &str) -> Value {
        (**self).field(name)
    }

    fn field_ref(&self, name: &str) -> Cow<'_, Value> {
        (**self).field_ref(name)
    }
}

/// The fields of a lead by the names of its JSON form, plus `email_domain`,
/// `email_free_mail` and each custom field as `custom.<key>`.
impl FieldLookup for Lead {
    fn field(&self, name: &str) -> Value {
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::from);
        match name {
            "company" => text(self.company.as_ref().map(|c| c.as_str())),
            "contact_name" => text(self.contact_name.as_ref().map(|n| n.as_str())),
            "title" => text(self.title.as_deref()),
            "mobile" => self.mobile.as_ref().map(|p| p.e164()).into(),
            "phone" => self.phone.as_ref().map(|p| p.e164()).into(),
            "email" => text(self.email.as_ref().map(|e| e.as_str())),
            "email_domain" => text(self.email.as_ref().map(|e| e.domain())),
            "email_free_mail" => self.email.as_ref().map(|e| e.is_free_mail()).into(),
            "wechat" => text(self.wechat.as_deref()),
            "region" => text(self.region.map(|r| r.name())),
            "industry" => text(self.industry.as_deref()),
            "source" => text(self.source.as_deref()),
            "status" => Value::from(self.status.as_str()),
            "last_activity_at" => self.last_activity_at.into(),
            "tag_count" => Value::Int(self.tags.len() as i64),
            _ => match name
                .strip_prefix("custom.")
                .and_then(|k| self.custom.get(k))
            {
                Some(value) => custom_value(value),
                None => Value::Null,
            },
        }
    }
}

fn custom_value(value: &FieldValue) -> Value {
    match value {
        FieldValue::Text(s) | FieldValue::Enum(s) => Value::Text(s.clone()),
        FieldValue::Number(n) => Value::Decimal(*n),
        FieldValue::Money(m) => Value::Decimal(m.amount()),
        FieldValue::Date(d) => Value::Date(*d),
        FieldValue::Bool(b) => Value::Bool(*b),
    }
}

/// Whether `predicate` holds for `record`, with the semantics of the query interpreter
/// (comparing with null means "is null"; a negated test passes on a null field), and
/// integers compared with decimals by value. A sub-select ([`Predicate::InSelect`]) selects
/// nothing here: a record scored from its own fields has no related rows.
pub fn predicate_holds(predicate: &Predicate, record: &impl FieldLookup) -> bool {
    match predicate {
        Predicate::True => true,
        Predicate::False => false,
        Predicate::And { all } => all.iter().all(|p| predicate_holds(p, record)),
        Predicate::Or { any } => any.iter().any(|p| predicate_holds(p, record)),
        Predicate::Not { not } => !predicate_holds(not, record),
        Predicate::Compare { field, cmp, value } => {
            let actual = record.field(field);
            if value.is_null() {
                return actual.is_null() == (*cmp == CmpOp::Eq);
            }
            let (actual, operand) = widen_numbers(actual, value.clone());
            Test::Cmp(*cmp, operand).holds(&actual, &NoRows)
        }
        Predicate::In { field, values } => {
            let actual = record.field(field);
            values.iter().any(|candidate| {
                let (actual, candidate) = widen_numbers(actual.clone(), candidate.clone());
                actual == candidate && !actual.is_null()
            })
        }
        Predicate::IsNull { field } => record.field(field).is_null(),
        Predicate::Contains { field, text } => {
            Test::Contains(text.clone()).holds(&record.field(field), &NoRows)
        }
        Predicate::StartsWith { field, text } => {
            Test::StartsWith(text.clone()).holds(&record.field(field), &NoRows)
        }
        // A record scored from its own fields has no stored rows to select from.
        Predicate::InSelect { .. } => false,
    }
}

/// An integer beside a decimal becomes a decimal, so `5 = 5.0` and `5 < 5.5` compare by value.
fn widen_numbers(a: Value, b: Value) -> (Value, Value) {
    match (a, b) {
        (Value::Int(i), Value::Decimal(d)) => (Value::Decimal(i.into()), Value::Decimal(d)),
        (Value::Decimal(d), Value::Int(i)) => (Value::Decimal(d), Value::Decimal(i.into())),
        pair => pair,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn record(pairs: &[(&str, Value)]) -> BTreeMap<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn integers_and_decimals_compare_by_value() {
        let lead = record(&[("employees", Value::Int(250))]);
        let at_least =
            |n: &str| Predicate::ge("employees", Value::Decimal(n.parse::<Decimal>().unwrap()));
        assert!(predicate_holds(&at_least("250.0"), &lead));
        assert!(!predicate_holds(&at_least("250.5"), &lead));
        assert!(predicate_holds(
            &Predicate::is_in("employees", [Value::Decimal(250.into())]),
            &lead
        ));
    }

    #[test]
    fn null_semantics_follow_the_query_interpreter() {
        let lead = record(&[("industry", Value::from("saas"))]);
        assert!(predicate_holds(&Predicate::is_null("source"), &lead));
        assert!(predicate_holds(
            &Predicate::eq("source", Value::Null),
            &lead
        ));
        assert!(!predicate_holds(&Predicate::eq("source", "web"), &lead));
        assert!(predicate_holds(
            &Predicate::eq("source", "web").negate(),
            &lead
        ));
        assert!(predicate_holds(
            &Predicate::contains("industry", "aa"),
            &lead
        ));
    }

    #[test]
    fn a_lead_exposes_its_fields_and_custom_fields() {
        let mut lead = Lead::new();
        lead.industry = Some("制造业".into());
        lead.email = Some(crate::value::Email::parse("li@qq.com").unwrap());
        lead.custom
            .insert("budget".into(), FieldValue::Number(Decimal::from(80_000)));
        assert_eq!(lead.field("industry"), Value::from("制造业"));
        assert_eq!(lead.field("email_domain"), Value::from("qq.com"));
        assert_eq!(
            lead.field("custom.budget"),
            Value::Decimal(Decimal::from(80_000))
        );
        assert_eq!(lead.field("custom.missing"), Value::Null);
        assert_eq!(lead.field("status"), Value::from("new"));
    }
}
