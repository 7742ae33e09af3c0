//! A company's name, cleaned of the noise that copy and paste leaves in sheets.

use super::name_text::clean;
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
        clean(input, MAX_CHARS)
            .map(CompanyName)
            .map_err(|reason| InvalidValue::new(WHAT, input, reason))
    }

    /// The cleaned name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

super::name_text::text_value_impls!(CompanyName);

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
