//! A company's name, cleaned of the noise that copy and paste leaves in sheets.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;

use crate::error::InvalidValue;

const WHAT: &str = "company name";
const MAX_CHARS: usize = 200;

/// A company's name: NFKC (so `（` is `(`), trimmed, whitespace collapsed to single spaces
/// and removed between two Han characters, at most 200 characters, with at least one letter.
///
/// Legal forms (`有限公司`, `Ltd.`) and branch notes in parentheses are kept: stripping them
/// for comparison is the dedup module's job.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct CompanyName(String);

impl CompanyName {
    /// Parses and cleans a company name.
    ///
    /// ```
    /// # use crm_core::value::CompanyName;
    /// let name = CompanyName::parse(" 华为技术 有限公司（深圳） ")?;
    /// assert_eq!(name.as_str(), "华为技术有限公司(深圳)");
    /// assert!(CompanyName::parse("（）").is_err());
    /// # Ok::<(), crm_core::error::InvalidValue>(())
    /// ```
    pub fn parse(input: &str) -> Result<CompanyName, InvalidValue> {
        clean(input)
            .map(CompanyName)
            .map_err(|reason| InvalidValue::new(WHAT, input, reason))
    }

    /// The cleaned name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Cleans a name; `person_name` has the same rules with another length limit, and keeps its
/// own copy because the value modules stand alone.
fn clean(input: &str) -> Result<String, String> {
    // Invisible characters go before NFKC, so that what they separated can compose and the
    // result stays stable under a second parse.
    let mut name = String::with_capacity(input.len());
    let mut chars = 0;
    let mut has_letter = false;
    let mut previous = None;
    let mut space_pending = false;
    for c in input.chars().filter(|&c| !is_invisible(c)).nfkc() {
        if c.is_whitespace() {
            space_pending = previous.is_some();
            continue;
        }
        if c.is_control() {
            return Err(format!(
                "contains the control character U+{:04X}",
                u32::from(c)
            ));
        }
        if space_pending && !(previous.is_some_and(is_han) && is_han(c)) {
            name.push(' ');
            chars += 1;
        }
        space_pending = false;
        name.push(c);
        chars += 1;
        has_letter |= c.is_alphabetic();
        previous = Some(c);
    }
    if name.is_empty() {
        return Err("empty name".to_owned());
    }
    if !has_letter {
        return Err("a name needs at least one letter".to_owned());
    }
    if chars > MAX_CHARS {
        return Err(format!(
            "{chars} characters, at most {MAX_CHARS} are allowed"
        ));
    }
    Ok(name)
}

/// Zero-width characters that pasted text carries and no reader can see or fix.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

/// CJK unified ideographs, their extensions, compatibility ideographs and `〇`.
fn is_han(c: char) -> bool {
    matches!(
        c,
        '\u{3007}'
            | '\u{3400}'..='\u{4DBF}'
            | '\u{4E00}'..='\u{9FFF}'
            | '\u{F900}'..='\u{FAFF}'
            | '\u{20000}'..='\u{2FA1F}'
            | '\u{30000}'..='\u{323AF}'
    )
}

impl FromStr for CompanyName {
    type Err = InvalidValue;

    fn from_str(input: &str) -> Result<CompanyName, InvalidValue> {
        CompanyName::parse(input)
    }
}

impl AsRef<str> for CompanyName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CompanyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for CompanyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("CompanyName").field(&self.0).finish()
    }
}

impl Serialize for CompanyName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for CompanyName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CompanyName, D::Error> {
        let text = String::deserialize(deserializer)?;
        CompanyName::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn name(input: &str) -> String {
        CompanyName::parse(input)
            .unwrap_or_else(|err| panic!("{input:?} should parse: {err}"))
            .to_string()
    }

    fn refusal(input: &str) -> String {
        match CompanyName::parse(input) {
            Ok(name) => panic!("{input:?} should be refused, got {name:?}"),
            Err(err) => {
                assert_eq!((err.what, err.value.as_str()), ("company name", input));
                err.reason
            }
        }
    }

    #[test]
    fn cleans_names() {
        assert_eq!(name("华为技术有限公司"), "华为技术有限公司");
        assert_eq!(name("  华为 技术  有限公司 "), "华为技术有限公司");
        assert_eq!(name("北京字节跳动（分公司）"), "北京字节跳动(分公司)");
        assert_eq!(name("北京 (中国) 有限公司"), "北京 (中国) 有限公司");
        assert_eq!(name("ＡＢＣ　Trading  Co., Ltd."), "ABC Trading Co., Ltd.");
        assert_eq!(name("Acme\u{FEFF} Inc."), "Acme Inc.");
        assert_eq!(name("阿里巴巴 Alibaba"), "阿里巴巴 Alibaba");
        assert_eq!(name("3M 中国"), "3M 中国");
        assert_eq!(name("58同城"), "58同城");
        assert_eq!(name(&"a".repeat(200)), "a".repeat(200));
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(refusal(""), "empty name");
        assert_eq!(refusal("\u{3000}"), "empty name");
        assert!(refusal("12345").contains("letter"));
        assert!(refusal("（）").contains("letter"));
        assert!(refusal("Acme\u{1B}[31m").contains("U+001B"));
        assert!(refusal(&"a".repeat(201)).contains("201 characters"));
        assert!(refusal(&"公".repeat(201)).contains("at most 200"));
    }

    #[test]
    fn conversions() {
        let n = CompanyName::parse("华为 技术").unwrap();
        assert_eq!(n.as_ref(), "华为技术");
        assert_eq!("华为技术".parse::<CompanyName>().unwrap(), n);
        assert_eq!(serde_json::to_string(&n).unwrap(), r#""华为技术""#);
        assert_eq!(
            serde_json::from_str::<CompanyName>(r#""华为 技术""#).unwrap(),
            n
        );
        assert!(serde_json::from_str::<CompanyName>(r#""!!!""#).is_err());
    }

    proptest! {
        #[test]
        fn never_panics_and_is_idempotent(input in any::<String>()) {
            if let Ok(n) = CompanyName::parse(&input) {
                prop_assert_eq!(CompanyName::parse(n.as_str()), Ok(n.clone()));
                let json = serde_json::to_string(&n).unwrap();
                prop_assert_eq!(serde_json::from_str::<CompanyName>(&json).unwrap(), n);
            }
        }

        #[test]
        fn names_with_spaces_are_idempotent(input in "[ 　\t华为（）()aZ.,\u{301}\u{A8}\u{FEFF}]{0,12}") {
            if let Ok(n) = CompanyName::parse(&input) {
                prop_assert!(!n.as_str().starts_with(' ') && !n.as_str().ends_with(' '));
                prop_assert!(!n.as_str().contains("  "));
                prop_assert_eq!(CompanyName::parse(n.as_str()), Ok(n.clone()));
            }
        }
    }
}
