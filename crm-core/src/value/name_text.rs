//! What person and company names share: the cleaning of pasted text, and the string-like
//! trait implementations.

use unicode_normalization::UnicodeNormalization;

use super::is_han;

/// NFKC, trimmed, whitespace runs collapsed to one space (none between two Han characters),
/// invisible characters dropped; refused when empty, without a letter, with a control
/// character, or longer than `max_chars`.
pub(super) fn clean(input: &str, max_chars: usize) -> Result<String, String> {
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
    if chars > max_chars {
        return Err(format!(
            "{chars} characters, at most {max_chars} are allowed"
        ));
    }
    Ok(name)
}

/// Zero-width characters that pasted text carries and no reader can see or fix.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

/// `FromStr`, `AsRef<str>`, `Display`, `Debug` and serde-as-a-string (deserialising through
/// `parse`) for a newtype over the cleaned `String`.
macro_rules! text_value_impls {
    ($ty:ident) => {
        impl std::str::FromStr for $ty {
            type Err = $crate::error::InvalidValue;
            fn from_str(input: &str) -> Result<$ty, $crate::error::InvalidValue> {
                $ty::parse(input)
            }
        }

        impl AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_tuple(stringify!($ty)).field(&self.0).finish()
            }
        }

        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(deserializer)?;
                $ty::parse(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

pub(super) use text_value_impls;
