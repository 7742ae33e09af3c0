//! Email addresses, lowercased as CRMs compare them.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;

use crate::error::InvalidValue;

const WHAT: &str = "email";

/// Characters RFC 5322 allows unquoted in a local part ("atext"), besides letters and digits.
const LOCAL_SYMBOLS: &str = "!#$%&'*+/=?^_`{|}~-";

/// An email address: one `@`, a plain (unquoted) local part and a DNS domain, all lowercase.
///
/// Lowercasing the local part is not what RFC 5321 promises, but it is what mail servers do
/// in practice, and it lets `Zhang.Wei@Example.com` and `zhang.wei@example.com` dedup.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email {
    address: String,
    /// Byte index of the `@` in `address`.
    at: usize,
}

impl Email {
    /// Parses an address as found in a sheet or a link: full-width characters, a `mailto:`
    /// prefix and surrounding `<>` are accepted.
    ///
    /// ```
    /// # use crm_core::value::Email;
    /// let email = Email::parse(" mailto:Zhang.Wei＠Example.COM ")?;
    /// assert_eq!(email.as_str(), "zhang.wei@example.com");
    /// assert_eq!(email.domain(), "example.com");
    /// assert!(Email::parse("zhang.wei@example").is_err());
    /// # Ok::<(), crm_core::error::InvalidValue>(())
    /// ```
    pub fn parse(input: &str) -> Result<Email, InvalidValue> {
        let refuse = |reason: String| InvalidValue::new(WHAT, input, reason);
        let normalised: Cow<str> = if input.is_ascii() {
            Cow::Borrowed(input)
        } else {
            // IDNA reads the ideographic full stop as a dot; Chinese keyboards type it for `.`.
            Cow::Owned(
                input
                    .nfkc()
                    .map(|c| if c == '。' { '.' } else { c })
                    .collect(),
            )
        };
        let mut text = normalised.trim();
        if let Some(inner) = text.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            text = inner.trim();
        }
        if text
            .get(..7)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("mailto:"))
        {
            text = text[7..].trim();
        }
        if text.is_empty() {
            return Err(refuse("empty email address".to_owned()));
        }
        let address = text.to_ascii_lowercase();
        let Some(at) = address.find('@') else {
            return Err(refuse("missing @".to_owned()));
        };
        if address[at + 1..].contains('@') {
            return Err(refuse("more than one @".to_owned()));
        }
        check_local_part(&address[..at]).map_err(refuse)?;
        check_domain(&address[at + 1..]).map_err(refuse)?;
        Ok(Email { address, at })
    }

    /// The whole address, lowercase.
    pub fn as_str(&self) -> &str {
        &self.address
    }

    /// The part before the `@`.
    pub fn local_part(&self) -> &str {
        &self.address[..self.at]
    }

    /// The part after the `@`.
    pub fn domain(&self) -> &str {
        &self.address[self.at + 1..]
    }

    /// Whether the domain is a free-mail provider, which says nothing about the company a
    /// contact works for (so dedup and account matching must not use it).
    pub fn is_free_mail(&self) -> bool {
        matches!(
            self.domain(),
            "qq.com"
                | "vip.qq.com"
                | "foxmail.com"
                | "163.com"
                | "vip.163.com"
                | "126.com"
                | "yeah.net"
                | "sina.com"
                | "sina.cn"
                | "vip.sina.com"
                | "sohu.com"
                | "139.com"
                | "189.cn"
                | "aliyun.com"
                | "gmail.com"
                | "googlemail.com"
                | "outlook.com"
                | "hotmail.com"
                | "live.com"
                | "msn.com"
                | "yahoo.com"
                | "yahoo.com.cn"
                | "icloud.com"
                | "me.com"
                | "proton.me"
                | "protonmail.com"
                | "aol.com"
                | "mail.com"
                | "gmx.com"
                | "yandex.com"
        )
    }
}

fn check_local_part(local: &str) -> Result<(), String> {
    if local.is_empty() {
        return Err("empty local part (nothing before the @)".to_owned());
    }
    if let Some(c) = local
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '.' || LOCAL_SYMBOLS.contains(c)))
    {
        return Err(format!("the local part may not contain {c:?}"));
    }
    if local.len() > 64 {
        return Err(format!(
            "the local part has {} characters, at most 64 are allowed",
            local.len()
        ));
    }
    if local.starts_with('.') {
        return Err("the local part starts with a dot".to_owned());
    }
    if local.ends_with('.') {
        return Err("the local part ends with a dot".to_owned());
    }
    if local.contains("..") {
        return Err("the local part has two dots in a row".to_owned());
    }
    Ok(())
}

fn check_domain(domain: &str) -> Result<(), String> {
    if domain.is_empty() {
        return Err("empty domain (nothing after the @)".to_owned());
    }
    if let Some(c) = domain
        .chars()
        .find(|&c| !(c.is_ascii_alphanumeric() || c == '.' || c == '-'))
    {
        return Err(format!("the domain may not contain {c:?}"));
    }
    if domain.len() > 253 {
        return Err(format!(
            "the domain has {} characters, at most 253 are allowed",
            domain.len()
        ));
    }
    if !domain.contains('.') {
        return Err("domain has no dot".to_owned());
    }
    for label in domain.split('.') {
        if label.is_empty() {
            return Err(
                "the domain has an empty part (a dot at the start or end, or two dots \
                        in a row)"
                    .to_owned(),
            );
        }
        if label.len() > 63 {
            return Err(format!(
                "the domain part {label:?} is longer than 63 characters"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(format!(
                "the domain part {label:?} starts or ends with a hyphen"
            ));
        }
    }
    let tld = domain.rsplit('.').next().unwrap_or_default();
    if tld.len() < 2 || !tld.bytes().all(|b| b.is_ascii_alphabetic()) {
        return Err(format!(
            "the top-level domain {tld:?} must be two or more letters"
        ));
    }
    Ok(())
}

impl FromStr for Email {
    type Err = InvalidValue;

    fn from_str(input: &str) -> Result<Email, InvalidValue> {
        Email::parse(input)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.address)
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Email").field(&self.address).finish()
    }
}

impl Serialize for Email {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.address)
    }
}

impl<'de> Deserialize<'de> for Email {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Email, D::Error> {
        let text = String::deserialize(deserializer)?;
        Email::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn email(input: &str) -> Email {
        Email::parse(input).unwrap_or_else(|err| panic!("{input:?} should parse: {err}"))
    }

    fn refusal(input: &str) -> String {
        match Email::parse(input) {
            Ok(email) => panic!("{input:?} should be refused, got {email:?}"),
            Err(err) => {
                assert_eq!((err.what, err.value.as_str()), ("email", input));
                err.reason
            }
        }
    }

    #[test]
    fn accepted_forms() {
        for input in [
            "zhang.wei@example.com",
            "Zhang.Wei@Example.COM",
            "  zhang.wei@example.com\t",
            "mailto:zhang.wei@example.com",
            "MAILTO:zhang.wei@example.com",
            "<zhang.wei@example.com>",
            "<mailto:zhang.wei@example.com>",
            "ｚｈａｎｇ.ｗｅｉ＠ｅｘａｍｐｌｅ.ｃｏｍ",
            "zhang.wei@example。com",
        ] {
            let e = email(input);
            assert_eq!(e.as_str(), "zhang.wei@example.com", "{input}");
            assert_eq!(e.local_part(), "zhang.wei");
            assert_eq!(e.domain(), "example.com");
            assert_eq!(e.to_string(), "zhang.wei@example.com");
        }
        assert_eq!(email("o'brien+crm@mail.co.uk").local_part(), "o'brien+crm");
        assert_eq!(email("a@b-c.io").domain(), "b-c.io");
        assert_eq!(email("x@163.com").domain(), "163.com");
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(refusal(""), "empty email address");
        assert_eq!(refusal("mailto:"), "empty email address");
        assert_eq!(refusal("zhang.wei.example.com"), "missing @");
        assert_eq!(refusal("a@b@example.com"), "more than one @");
        assert!(refusal("@example.com").contains("empty local part"));
        assert!(refusal("a@").contains("empty domain"));
        assert_eq!(refusal("a@localhost"), "domain has no dot");
        assert!(refusal(".a@example.com").contains("starts with a dot"));
        assert!(refusal("a.@example.com").contains("ends with a dot"));
        assert!(refusal("a..b@example.com").contains("two dots"));
        assert!(refusal("zhang wei@example.com").contains("' '"));
        assert!(refusal("张伟@example.com").contains("'张'"));
        assert!(refusal(&format!("{}@example.com", "a".repeat(65))).contains("64"));
        assert!(refusal("a@example..com").contains("empty part"));
        assert!(refusal("a@example.com.").contains("empty part"));
        assert!(refusal("a@-example.com").contains("hyphen"));
        assert!(refusal("a@example-.com").contains("hyphen"));
        assert!(refusal("a@exa_mple.com").contains("'_'"));
        assert!(refusal(&format!("a@{}.com", "b".repeat(64))).contains("63"));
        assert!(refusal(&format!("a@{}com", "b.".repeat(130))).contains("253"));
        assert!(refusal("a@example.c").contains("top-level"));
        assert!(refusal("a@example.c0m").contains("top-level"));
        assert!(refusal("Zhang Wei <zw@example.com>").contains("may not contain"));
    }

    #[test]
    fn free_mail() {
        for free in [
            "a@qq.com",
            "a@vip.qq.com",
            "a@163.com",
            "a@Gmail.com",
            "a@yahoo.com.cn",
        ] {
            assert!(email(free).is_free_mail(), "{free}");
        }
        for company in ["a@huawei.com", "a@mail.qq.com.cn", "a@example.com"] {
            assert!(!email(company).is_free_mail(), "{company}");
        }
    }

    #[test]
    fn serde_is_the_string() {
        let e = email("Zhang.Wei@Example.com");
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#""zhang.wei@example.com""#
        );
        assert_eq!(
            serde_json::from_str::<Email>(r#""ZHANG.WEI@example.com""#).unwrap(),
            e
        );
        assert!(serde_json::from_str::<Email>(r#""not an email""#).is_err());
    }

    proptest! {
        #[test]
        fn well_formed_addresses_round_trip(
            local in "[A-Za-z0-9_%+-]{1,10}(\\.[A-Za-z0-9_%+-]{1,10}){0,2}",
            labels in prop::collection::vec("[A-Za-z0-9]([A-Za-z0-9-]{0,8}[A-Za-z0-9])?", 1..3),
            tld in "[A-Za-z]{2,6}",
        ) {
            let input = format!("{local}@{}.{tld}", labels.join("."));
            let e = Email::parse(&input).map_err(|err| TestCaseError::fail(err.to_string()))?;
            prop_assert_eq!(e.as_str(), input.to_ascii_lowercase());
            prop_assert_eq!(Email::parse(&e.to_string()), Ok(e.clone()));
            let json = serde_json::to_string(&e).unwrap();
            prop_assert_eq!(serde_json::from_str::<Email>(&json).unwrap(), e);
        }

        #[test]
        fn never_panics_and_is_idempotent(input in any::<String>()) {
            if let Ok(e) = Email::parse(&input) {
                prop_assert_eq!(Email::parse(e.as_str()), Ok(e.clone()));
            }
        }

        #[test]
        fn never_panics_on_email_like_text(input in "[a-z.@<>:。＠ -]{0,20}") {
            if let Ok(e) = Email::parse(&input) {
                prop_assert_eq!(Email::parse(e.as_str()), Ok(e.clone()));
            }
        }
    }
}
