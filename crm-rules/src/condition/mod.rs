//! Conditions of automation rules: a typed expression ([`Expr`]), written as text or JSON,
//! checked and compiled once at load ([`Condition`]), then matched against [`Facts`]
//! without allocating.
//!
//! ```
//! use crm_rules::{Condition, FactMap};
//!
//! let big_deal = Condition::parse(r#"amount > 1000000 and stage == "contract_review""#)?;
//! let deal = FactMap::new().with("amount", 1_500_000i64).with("stage", "contract_review");
//! assert!(big_deal.matches(&deal));
//! assert_eq!(big_deal.fields(), ["amount", "stage"]);
//!
//! // "Has an open opportunity" is an aggregate over related records.
//! let has_open = Condition::parse(r#"exists(opportunities, status == "open")"#)?;
//! let account = FactMap::new()
//!     .with("name", "华为技术")
//!     .with_related("opportunities", vec![FactMap::new().with("status", "open")]);
//! assert!(has_open.matches(&account));
//! assert_eq!(has_open.relations(), ["opportunities"]);
//!
//! // Errors say where.
//! let error = Condition::parse("amount > and stage == 'won'").unwrap_err();
//! assert_eq!(error.to_string(), "expected a value after '>', found 'and' at column 10");
//! # Ok::<(), crm_rules::ConditionError>(())
//! ```
//!
//! # The language
//!
//! | written | means |
//! | --- | --- |
//! | `a and b`, `a && b` | both |
//! | `a or b`, `a \|\| b` | either |
//! | `not a`, `!a` | not `a` |
//! | `( ... )` | grouping |
//! | `x == y` (also `=`), `!=`, `<`, `<=`, `>`, `>=` | comparison |
//! | `x in ["a", "b"]`, `x not in [...]` | equal (`==`) to one of the constants; `in []` is false |
//! | `x contains "VIP"` | the text contains the text (case-sensitive substring) |
//! | `x between 1 and 10` | `1 <= x and x <= 10`, bounds included |
//! | `x is empty`, `x is not empty` | missing, null, or text of only white space |
//! | `exists(rel)`, `exists(rel, filter)` | some related record (matching `filter`) |
//! | `count(rel)`, `count(rel, filter)` | how many related records match, to compare |
//! | `sum(rel.field)`, `sum(rel.field, filter)` | the sum of a numeric field over them |
//! | `true`, `false` | always, never |
//!
//! Precedence, tightest first: comparisons and the other predicates, `not`, `and`, `or`.
//! `between`'s `and` belongs to it: `x between 1 and 10 and y == 2` is two clauses.
//! Keywords are lowercase: `and or not in between is empty contains true false null`.
//! Nesting is limited to 64 levels.
//!
//! *Operands* are fields, constants or aggregates, on either side: `amount > custom.budget`
//! compares two fields. *Fields* are names joined by dots, Unicode allowed (`amount`,
//! `custom.预算`, `region.province`); a name that is a keyword or holds other characters is
//! written in backticks (`` `in` ``, `` `due date` ``). *Constants*: integers (`-5`,
//! `1_000_000`), exact decimals (`12.50`), strings in double or single quotes with escapes
//! (`\"`, `\'`, `\\`, `\n`, `\r`, `\t`, `\0`, `\u{4e2d}`), `true`, `false`, `null`,
//! `date("2026-01-05")`, `time("2026-01-05T09:00:00+08:00")` (RFC 3339) and
//! `uuid("...")`. A filter is a condition read on the related record.
//!
//! "Has an open opportunity" is no keyword: it is `exists(opportunities, status ==
//! "open")`; "at least two" is `count(opportunities, status == "open") >= 2`; "open
//! pipeline over a million" is `sum(opportunities.amount, status == "open") > 1000000`.
//!
//! # Semantics
//!
//! - A missing field is null. `==` is true for null only against null (`x == null`);
//!   `!=` is the negation of `==`, so `x != 5` is true when `x` is missing; every ordering
//!   (`<`, `between`, ...), `contains` and `in` without `null` in the list are false with
//!   null; `is empty` is true.
//! - Integers and decimals compare numerically (`5 == 5.0`). Other values compare only with
//!   their own type: text by code point, exactly and case-sensitively; dates with dates,
//!   times with times. At run time a type mismatch is simply not equal (`==` false, `!=`
//!   true, orderings false); at load time mismatches between constants and aggregates
//!   (`amount between "a" and 3`, `count(tickets) > "x"`, `amount > null`) are refused.
//! - `contains` is a case-sensitive substring test on text, nothing more; non-text values
//!   contain nothing. For tags held as one comma-separated text such as `"VIP,重点"`,
//!   `tags contains "VIP"` also matches `"VIP2"`: the language has no list membership, so
//!   keep tags whose exact match matters in fields of their own.
//! - `sum` adds the integer and decimal values of the field (others are skipped) as a
//!   decimal; 0 over no records; null (so every ordering is false) on overflow.
//!
//! # JSON
//!
//! A [`Condition`] serialises as its canonical text (a JSON string) and deserialises from
//! either a string or an [`Expr`] object; errors from the JSON form point at the JSON
//! pointer inside the object ([`ConditionError::path`]), errors from text at the byte offset
//! and column. A loader that needs the structured error deserialises an [`Expr`] (or a
//! string) itself and calls [`Condition::from_expr`] (or [`Condition::parse`]).

mod ast;
mod check;
mod error;
mod eval;
mod lex;
mod parse;
#[cfg(test)]
mod tests;
mod walk;

use std::fmt;

use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use ast::{CmpOp, Expr, Operand};
pub use error::{ConditionError, Location};

use crate::facts::Facts;
use walk::{Read, normalise, reads};

/// An [`Expr`] checked and compiled once; compared by its expression.
#[derive(Clone)]
pub struct Condition {
    expr: Expr,
    node: eval::Node,
}

impl Condition {
    /// Parse, check and compile condition text.
    pub fn parse(text: &str) -> Result<Condition, ConditionError> {
        let expr = parse::parse(text)?;
        let node = eval::compile(&expr);
        Ok(Condition { expr, node })
    }

    /// Check and compile an expression (e.g. from JSON); errors carry the JSON pointer of
    /// the offending part. Groups of fewer than two members are replaced by what they mean
    /// (`all: []` by `true`, `any: [x]` by `x`).
    pub fn from_expr(expr: Expr) -> Result<Condition, ConditionError> {
        check::check_expr(&expr)?;
        let expr = normalise(expr);
        let node = eval::compile(&expr);
        Ok(Condition { expr, node })
    }

    /// The condition that matches everything (`true`).
    pub fn always() -> Condition {
        Condition {
            expr: Expr::Const(true),
            node: eval::Node::Const(true),
        }
    }

    /// The expression.
    pub fn expr(&self) -> &Expr {
        &self.expr
    }

    /// Whether `facts` match. Allocates nothing.
    pub fn matches(&self, facts: &dyn Facts) -> bool {
        self.node.eval(facts)
    }

    /// The fields of the record read (not those of related records, read in filters and
    /// sums), sorted, without duplicates: the condition's answer changes only when one of
    /// them, or a relation in [`relations`](Self::relations), changes.
    pub fn fields(&self) -> Vec<&str> {
        self.reads(|read| match read {
            Read::Field(name) => Some(name),
            Read::Relation(_) => None,
        })
    }

    /// The relations of the record read by `exists`, `count` and `sum` (not relations of
    /// related records, read in their filters), sorted, without duplicates.
    pub fn relations(&self) -> Vec<&str> {
        self.reads(|read| match read {
            Read::Relation(name) => Some(name),
            Read::Field(_) => None,
        })
    }

    fn reads<'a>(&'a self, pick: impl Fn(Read<'a>) -> Option<&'a str>) -> Vec<&'a str> {
        let mut names = Vec::new();
        reads(&self.expr, &mut |read| names.extend(pick(read)));
        names.sort_unstable();
        names.dedup();
        names
    }
}

impl PartialEq for Condition {
    fn eq(&self, other: &Self) -> bool {
        self.expr == other.expr
    }
}

impl fmt::Debug for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Condition")
            .field(&self.expr.to_string())
            .finish()
    }
}

/// The canonical text.
impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}

impl std::str::FromStr for Condition {
    type Err = ConditionError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Condition::parse(text)
    }
}

/// As its canonical text.
impl Serialize for Condition {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.expr)
    }
}

/// From condition text, or from an [`Expr`] object.
impl<'de> Deserialize<'de> for Condition {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ConditionVisitor)
    }
}

struct ConditionVisitor;

impl<'de> Visitor<'de> for ConditionVisitor {
    type Value = Condition;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("condition text or a condition expression object")
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<Condition, E> {
        Condition::parse(text).map_err(E::custom)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Condition, A::Error> {
        let expr = Expr::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Condition::from_expr(expr).map_err(de::Error::custom)
    }
}
