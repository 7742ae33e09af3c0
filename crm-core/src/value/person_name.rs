//! A person's name, cleaned of the noise that copy and paste leaves in sheets.

use super::name_text::clean;
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
        clean(input, MAX_CHARS)
            .map(PersonName)
            .map_err(|reason| InvalidValue::new(WHAT, input, reason))
    }

    /// The cleaned name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::name_text::text_value_impls!(PersonName);

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
