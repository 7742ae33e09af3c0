//! Criteria as rule books write them: a condition in the rules' language, or a territory.
//!
//! ```
//! use crm_rules::{FactMap, when::When};
//! use crm_rules::territory::Criteria;
//!
//! let big: When = serde_json::from_str(r#""amount >= 1000000""#).unwrap();
//! let east: When = serde_json::from_str(r#"{ "territory": { "region.province": ["华东"] } }"#).unwrap();
//! let lead = FactMap::new().with("amount", 2_000_000i64).with("region.province", "江苏省");
//! assert!(big.matches(&lead) && east.matches(&lead));
//! ```

use serde::{Deserialize, Serialize};

use crate::condition::Condition;
use crate::facts::Facts;
use crate::territory::{Criteria, Territory};

/// Which records an assignment entry or a recycling exclusion takes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum When {
    /// A condition: its text (`"industry == \"制造\" and amount > 100000"`) or its JSON form.
    Condition(Box<Condition>),
    /// A territory: `{"territory": {"region.province": ["华东"], "industry": ["制造"]}}`,
    /// regions compared as regions (江苏 = 江苏省 = Jiangsu), named regions such as 华东.
    Territory {
        /// The territory.
        territory: Territory,
    },
}

impl Criteria for Condition {
    fn matches(&self, facts: &dyn Facts) -> bool {
        Condition::matches(self, facts)
    }

    fn explain(&self, _facts: &dyn Facts, out: &mut String) {
        out.push_str(&self.to_string());
    }
}

impl Criteria for When {
    fn matches(&self, facts: &dyn Facts) -> bool {
        match self {
            When::Condition(condition) => condition.matches(facts),
            When::Territory { territory } => territory.matches(facts),
        }
    }

    fn explain(&self, facts: &dyn Facts, out: &mut String) {
        match self {
            When::Condition(condition) => Criteria::explain(condition.as_ref(), facts, out),
            When::Territory { territory } => territory.explain(facts, out),
        }
    }
}
