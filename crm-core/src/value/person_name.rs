//! A person's name, cleaned of the noise that copy and paste leaves in sheets.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;

use crate::error::InvalidValue;

const WHAT: &str = "person name";
const MAX_CHARS: usize = 100;

/// A person's name: NFKC, trimmed, whitespace collapsed to single spaces and removed between
/// two Han characters (`张 伟` is `张伟`), at most 100 characters, with at least one letter.
///
/// Titles and honorifics are kept: telling `王总` from a name is the dedup module's job.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PersonName(String);

impl PersonName {
    /// Parses and cleans a name.
    ///
    /// ```
    /// # use crm_core::value::PersonName;
    /// assert_eq!(PersonName::parse(" 张 伟 ")?.as_str(), "张伟");
    /// assert_eq!(PersonName::parse("Ｊｏｈｎ   Smith")?.as_str(), "John Smith");
    /// assert!(PersonName::parse("123").is_err());
    /// # Ok::<(), crm_core::error::InvalidValue>(())
    /// ```
    pub fn parse(input: &str) -> Result<PersonName, InvalidValue> {
        clean(input)
            .map(PersonName)
            .map_err(|reason| InvalidValue::new(WHAT, input, reason))
    }

    /// The cleaned name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Cleans a name; `company_name` has the same rules with another length limit, and keeps its
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

impl FromStr for PersonName {
    type Err = InvalidValue;

    fn from_str(input: &str) -> Result<PersonName, InvalidValue> {
        PersonName::parse(input)
    }
}

impl AsRef<str> for PersonName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("PersonName").field(&self.0).finish()
    }
}

impl Serialize for PersonName {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PersonName {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<PersonName, D::Error> {
        let text = String::deserialize(deserializer)?;
        PersonName::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn name(input: &str) -> String {
        PersonName::parse(input)
            .unwrap_or_else(|err| panic!("{input:?} should parse: {err}"))
            .to_string()
    }

    fn refusal(input: &str) -> String {
        match PersonName::parse(input) {
            Ok(name) => panic!("{input:?} should be refused, got {name:?}"),
            Err(err) => {
                assert_eq!((err.what, err.value.as_str()), ("person name", input));
                err.reason
            }
        }
    }

    #[test]
    fn cleans_names() {
        assert_eq!(name("张伟"), "张伟");
        assert_eq!(name(" 张 伟 "), "张伟");
        assert_eq!(name("张\u{3000}\u{3000}伟"), "张伟");
        assert_eq!(name("欧阳 娜娜"), "欧阳娜娜");
        assert_eq!(name("张伟 David"), "张伟 David");
        assert_eq!(name("John \t\n Smith"), "John Smith");
        assert_eq!(name("Ｊｏｈｎ　Ｓｍｉｔｈ"), "John Smith");
        assert_eq!(name("阿卜杜勒·艾则孜"), "阿卜杜勒·艾则孜");
        assert_eq!(name("Zhang\u{200B}wei"), "Zhangwei");
        assert_eq!(name("O'Brien-Smith"), "O'Brien-Smith");
        assert_eq!(name("José"), "José");
        assert_eq!(name("Jose\u{301}"), "José");
        assert_eq!(name("王总"), "王总");
        assert_eq!(name("Agent 007"), "Agent 007");
        assert_eq!(name(&"a".repeat(100)), "a".repeat(100));
        assert_eq!(name(&"张".repeat(100)), "张".repeat(100));
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(refusal(""), "empty name");
        assert_eq!(refusal(" \t　"), "empty name");
        assert_eq!(refusal("\u{200B}"), "empty name");
        assert!(refusal("12345").contains("letter"));
        assert!(refusal("--- ???").contains("letter"));
        assert!(refusal("张\u{0}伟").contains("U+0000"));
        assert!(refusal("张\u{7}伟").contains("control character"));
        assert!(refusal(&"a".repeat(101)).contains("101 characters"));
        assert!(refusal(&"张".repeat(101)).contains("at most 100"));
    }

    #[test]
    fn conversions() {
        let n = PersonName::parse("张 伟").unwrap();
        assert_eq!(n.as_ref(), "张伟");
        assert_eq!("张伟".parse::<PersonName>().unwrap(), n);
        assert_eq!(serde_json::to_string(&n).unwrap(), r#""张伟""#);
        assert_eq!(serde_json::from_str::<PersonName>(r#""张 伟""#).unwrap(), n);
        assert!(serde_json::from_str::<PersonName>(r#""123""#).is_err());
    }

    proptest! {
        #[test]
        fn never_panics_and_is_idempotent(input in any::<String>()) {
            if let Ok(n) = PersonName::parse(&input) {
                prop_assert_eq!(PersonName::parse(n.as_str()), Ok(n.clone()));
                let json = serde_json::to_string(&n).unwrap();
                prop_assert_eq!(serde_json::from_str::<PersonName>(&json).unwrap(), n);
            }
        }

        #[test]
        fn names_with_spaces_are_idempotent(input in "[ 　\t张伟王aZé·\u{301}\u{A8}\u{200B}]{0,12}") {
            if let Ok(n) = PersonName::parse(&input) {
                prop_assert!(!n.as_str().starts_with(' ') && !n.as_str().ends_with(' '));
                prop_assert!(!n.as_str().contains("  "));
                prop_assert_eq!(PersonName::parse(n.as_str()), Ok(n.clone()));
            }
        }
    }
}
