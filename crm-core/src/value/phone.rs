//! Phone numbers: mainland China first (mobiles, landlines, 400/800 service numbers), every
//! other country kept as E.164.
//!
//! Salespeople type numbers every way there is (`138 1234 5678`, `（0755）2345678`,
//! `+86-10-6234-5678 转 123`), and dedup compares millions of them, so [`Phone::parse`] makes one
//! pass over the characters into stack buffers and allocates once, for the result.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;

use crate::error::InvalidValue;

const WHAT: &str = "phone";
/// Mainland China's country code.
const CN: u16 = 86;
/// The longest digit run worth reading: `0086` before a 15-digit E.164 number.
const MAX_DIGITS: usize = 19;
const MAX_EXTENSION: usize = 6;

/// What kind of number a [`Phone`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PhoneKind {
    /// A mainland mobile number, `1[3-9]` and nine more digits.
    Mobile,
    /// A mainland landline: area code and a 7- or 8-digit subscriber number.
    Landline,
    /// A mainland `400`/`800` service number.
    Service,
    /// A number outside mainland China, kept as E.164 without further checks.
    International,
}

/// A phone number in canonical form: country code, national number and optional extension.
///
/// Equality and hashing are on that canonical form, so `138 1234 5678` and
/// `+86 138-1234-5678` are the same phone.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone {
    country_code: u16,
    kind: PhoneKind,
    /// Length of the area code at the start of `digits`; 0 unless a mainland landline.
    area_len: u8,
    /// Length of the national number at the start of `digits`; the extension follows it.
    national_len: u8,
    /// The national number followed by the extension, ASCII digits only.
    digits: Box<str>,
}

impl Phone {
    /// Parses a phone number as people write it.
    ///
    /// Mainland numbers may come with `+86`, `0086` or (for mobiles) a bare `86`; other
    /// countries need `+` or `00` and their country code. A local landline number without its
    /// area code is refused: use [`Phone::parse_in_area`] when the area is known.
    ///
    /// ```
    /// # use crm_core::value::{Phone, PhoneKind};
    /// let phone = Phone::parse("（0755）2345678 转 12")?;
    /// assert_eq!(phone.kind(), PhoneKind::Landline);
    /// assert_eq!(phone.area_code(), Some("755"));
    /// assert_eq!(phone.canonical(), "+867552345678;ext=12");
    /// assert_eq!(Phone::parse("１３８ １２３４ ５６７８")?.to_string(), "+86 138 1234 5678");
    /// # Ok::<(), crm_core::error::InvalidValue>(())
    /// ```
    pub fn parse(input: &str) -> Result<Phone, InvalidValue> {
        Phone::parse_with_area(input, None)
    }

    /// Parses like [`Phone::parse`], but reads a bare 7- or 8-digit local number as a landline
    /// in `area_code` (`"010"` or `"10"`), as in a sheet whose numbers are all from one city.
    ///
    /// ```
    /// # use crm_core::value::Phone;
    /// assert_eq!(Phone::parse_in_area("6234 5678", "010")?.e164(), "+861062345678");
    /// assert_eq!(Phone::parse_in_area("13812345678", "010")?.e164(), "+8613812345678");
    /// # Ok::<(), crm_core::error::InvalidValue>(())
    /// ```
    pub fn parse_in_area(input: &str, area_code: &str) -> Result<Phone, InvalidValue> {
        let area = area_code.trim();
        let area = area.strip_prefix('0').unwrap_or(area);
        let plausible = area.bytes().all(|b| b.is_ascii_digit())
            && matches!(
                area.as_bytes(),
                [b'1', b'0'] | [b'2', _] | [b'3'..=b'9', _, _]
            )
            && !is_service(area.as_bytes());
        if !plausible {
            return Err(InvalidValue::new(
                "area code",
                area_code,
                "an area code is 010, 02X or 0 and three digits (e.g. 0755)",
            ));
        }
        Phone::parse_with_area(input, Some(area.as_bytes()))
    }

    fn parse_with_area(input: &str, area: Option<&[u8]>) -> Result<Phone, InvalidValue> {
        let refuse = |reason: String| InvalidValue::new(WHAT, input, reason);
        // ASCII is already NFKC; skipping the normaliser keeps the common case cheap.
        let scanned = if input.is_ascii() {
            Scanned::read(input.chars())
        } else {
            Scanned::read(input.nfkc())
        }
        .map_err(refuse)?;
        let digits = scanned.digits();
        let extension = scanned.extension();
        if scanned.is_local_number() {
            let Some(area) = area else {
                return Err(refuse(
                    "add the area code: a local number alone does not say its city (e.g. 010-62345678)"
                        .to_owned(),
                ));
            };
            return Ok(Phone::build(
                CN,
                PhoneKind::Landline,
                area.len(),
                &[area, digits],
                extension,
            ));
        }
        let parts = classify(digits, scanned.plus, scanned.bracketed_zero).map_err(refuse)?;
        Ok(Phone::build(
            parts.country_code,
            parts.kind,
            parts.area_len,
            &[parts.national],
            extension,
        ))
    }

    fn build(
        country_code: u16,
        kind: PhoneKind,
        area_len: usize,
        national: &[&[u8]],
        extension: &[u8],
    ) -> Phone {
        let national_len: usize = national.iter().map(|part| part.len()).sum();
        let mut digits = String::with_capacity(national_len + extension.len());
        for &byte in national.iter().copied().flatten().chain(extension) {
            digits.push(char::from(byte));
        }
        // Both lengths are bounded by MAX_DIGITS, far below u8::MAX.
        Phone {
            country_code,
            kind,
            area_len: area_len as u8,
            national_len: national_len as u8,
            digits: digits.into_boxed_str(),
        }
    }

    /// What kind of number this is.
    pub fn kind(&self) -> PhoneKind {
        self.kind
    }

    /// The country calling code, `86` for mainland China.
    pub fn country_code(&self) -> u16 {
        self.country_code
    }

    /// The national number, digits only and without trunk `0`: `13812345678`, `1062345678`.
    pub fn national_number(&self) -> &str {
        &self.digits[..usize::from(self.national_len)]
    }

    /// The area code of a mainland landline without trunk `0` (`"10"`, `"755"`); `None` for
    /// every other kind.
    pub fn area_code(&self) -> Option<&str> {
        (self.area_len > 0).then(|| &self.digits[..usize::from(self.area_len)])
    }

    /// The number after the area code for a mainland landline, otherwise the national number.
    pub fn subscriber(&self) -> &str {
        &self.national_number()[usize::from(self.area_len)..]
    }

    /// The extension's digits, if any.
    pub fn extension(&self) -> Option<&str> {
        let extension = &self.digits[usize::from(self.national_len)..];
        (!extension.is_empty()).then_some(extension)
    }

    /// The E.164 form without extension, e.g. `+8613812345678`.
    pub fn e164(&self) -> String {
        format!("+{}{}", self.country_code, self.national_number())
    }

    /// The E.164 form plus `;ext=123` when there is an extension (as in RFC 3966); this is
    /// the serialised form and parses back to the same phone.
    pub fn canonical(&self) -> String {
        match self.extension() {
            Some(extension) => format!("{};ext={extension}", self.e164()),
            None => self.e164(),
        }
    }
}

impl FromStr for Phone {
    type Err = InvalidValue;

    fn from_str(input: &str) -> Result<Phone, InvalidValue> {
        Phone::parse(input)
    }
}

/// The human form: `+86 138 1234 5678`, `+86 10 6234 5678 ext. 123`, `+44 2079460958`.
impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "+{}", self.country_code)?;
        let national = self.national_number();
        let subscriber = self.subscriber();
        let groups: &[usize] = match self.kind {
            PhoneKind::Mobile => &[3, 4, 4],
            PhoneKind::Service => &[3, 3, 4],
            PhoneKind::Landline => &[usize::from(self.area_len), subscriber.len() - 4, 4],
            PhoneKind::International => &[national.len()],
        };
        let mut rest = national;
        for &len in groups {
            let (group, tail) = rest.split_at(len);
            write!(f, " {group}")?;
            rest = tail;
        }
        if let Some(extension) = self.extension() {
            write!(f, " ext. {extension}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Phone").field(&self.canonical()).finish()
    }
}

impl Serialize for Phone {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.canonical())
    }
}

impl<'de> Deserialize<'de> for Phone {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Phone, D::Error> {
        let text = String::deserialize(deserializer)?;
        Phone::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// What one pass over the input found, before deciding what kind of number it is.
struct Scanned {
    plus: bool,
    digits: [u8; MAX_DIGITS],
    len: usize,
    /// Index in `digits` of a `0` alone in parentheses, as in `+44 (0)20 7946 0958`: a trunk
    /// prefix that is not part of the international number.
    bracketed_zero: Option<usize>,
    extension: [u8; MAX_EXTENSION],
    extension_len: usize,
}

/// Where the scanner is: in the number, in the text between number and extension, in the
/// extension, or past it.
enum At {
    Number,
    Marker,
    Extension,
    End,
}

impl Scanned {
    fn read(chars: impl Iterator<Item = char>) -> Result<Scanned, String> {
        let mut scanned = Scanned {
            plus: false,
            digits: [0; MAX_DIGITS],
            len: 0,
            bracketed_zero: None,
            extension: [0; MAX_EXTENSION],
            extension_len: 0,
        };
        let mut at = At::Number;
        // Only allocates when there is text after the number, i.e. an extension or an error.
        let mut marker = String::new();
        let mut paren_start = None;
        for c in chars {
            match at {
                At::Number => match c {
                    '0'..='9' => scanned.push_digit(c)?,
                    '+' if scanned.len == 0 && !scanned.plus => scanned.plus = true,
                    '+' => return Err("'+' may only appear once, before the number".to_owned()),
                    '(' => paren_start = Some(scanned.len),
                    ')' => {
                        if let Some(start) = paren_start.take()
                            && scanned.len == start + 1
                            && scanned.digits[start] == b'0'
                        {
                            scanned.bracketed_zero = Some(start);
                        }
                    }
                    _ if is_separator(c) => {}
                    _ if scanned.len == 0 => {
                        return Err(format!(
                            "unexpected {c:?} before the number; only digits, '+' and separators \
                             may start a phone number"
                        ));
                    }
                    _ => {
                        marker.push(c);
                        at = At::Marker;
                    }
                },
                At::Marker => match c {
                    '0'..='9' if is_extension_marker(&marker) => {
                        scanned.push_extension_digit(c)?;
                        at = At::Extension;
                    }
                    '0'..='9' => return Err(unexpected_text(&marker)),
                    _ if c.is_whitespace() => {}
                    // No marker is this long; stopping keeps the error message short.
                    _ if marker.len() >= 16 => return Err(unexpected_text(&marker)),
                    _ => marker.push(c),
                },
                At::Extension => match c {
                    '0'..='9' => scanned.push_extension_digit(c)?,
                    _ if c.is_whitespace() => at = At::End,
                    _ => return Err(format!("unexpected {c:?} after the extension")),
                },
                At::End if c.is_whitespace() => {}
                At::End => return Err(format!("unexpected {c:?} after the extension")),
            }
        }
        if let At::Marker = at {
            return Err(if is_extension_marker(&marker) {
                format!("the extension marker {marker:?} has no digits after it")
            } else {
                unexpected_text(&marker)
            });
        }
        if scanned.len == 0 {
            return Err("no digits".to_owned());
        }
        Ok(scanned)
    }

    fn push_digit(&mut self, c: char) -> Result<(), String> {
        if self.len == MAX_DIGITS {
            return Err(format!(
                "too many digits for one phone number (at most {MAX_DIGITS} with its prefix)"
            ));
        }
        self.digits[self.len] = c as u8;
        self.len += 1;
        Ok(())
    }

    fn push_extension_digit(&mut self, c: char) -> Result<(), String> {
        if self.extension_len == MAX_EXTENSION {
            return Err(format!(
                "an extension has 1 to {MAX_EXTENSION} digits, this one has more"
            ));
        }
        self.extension[self.extension_len] = c as u8;
        self.extension_len += 1;
        Ok(())
    }

    fn digits(&self) -> &[u8] {
        &self.digits[..self.len]
    }

    fn extension(&self) -> &[u8] {
        &self.extension[..self.extension_len]
    }

    /// A 7- or 8-digit number as dialled inside one city, e.g. `62345678`.
    fn is_local_number(&self) -> bool {
        !self.plus && matches!(self.len, 7 | 8) && matches!(self.digits[0], b'2'..=b'9')
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '-' | '.' | '/' | '‐' | '‑' | '‒' | '–' | '—' | '―' | '−')
}

/// The words that introduce an extension, compared after dropping one trailing `:`, `=` or
/// `.` (`分机：`, `ext.`, `;ext=`, the last being the canonical form).
fn is_extension_marker(marker: &str) -> bool {
    let word = marker.strip_suffix([':', '=', '.']).unwrap_or(marker);
    matches!(word, "转" | "分机" | "分机号" | "#")
        || ["ext", "x", ";ext"]
            .iter()
            .any(|known| word.eq_ignore_ascii_case(known))
}

fn unexpected_text(marker: &str) -> String {
    format!(
        "unexpected text {marker:?} in the number; only digits and separators are allowed, \
         and an extension is written like 转123, ext 123 or #123"
    )
}

/// A classified number before it is stored.
struct Parts<'a> {
    country_code: u16,
    kind: PhoneKind,
    area_len: usize,
    national: &'a [u8],
}

/// Decides the country and kind from the digits and whether a `+` came first.
fn classify(digits: &[u8], plus: bool, bracketed_zero: Option<usize>) -> Result<Parts<'_>, String> {
    if plus {
        return classify_international(digits, bracketed_zero);
    }
    match digits {
        [b'0', b'0', rest @ ..] => {
            classify_international(rest, bracketed_zero.and_then(|at| at.checked_sub(2)))
        }
        [b'0', national @ ..] => match classify_cn(national)? {
            (PhoneKind::Landline, area_len) => Ok(cn(PhoneKind::Landline, area_len, national)),
            _ => Err("mobile and 400/800 numbers are written without a leading 0".to_owned()),
        },
        [b'8', b'6', national @ ..] if is_mobile(national) => {
            Ok(cn(PhoneKind::Mobile, 0, national))
        }
        [b'1', b'0', ..] | [b'2'..=b'9', ..] if !is_service(digits) => Err(
            "a landline number starts with 0 and its area code (e.g. 010-62345678); a number \
             from another country starts with + and its country code"
                .to_owned(),
        ),
        _ => classify_cn(digits).map(|(kind, area_len)| cn(kind, area_len, digits)),
    }
}

/// Reads the digits after `+` or `00`: a country code and its national number.
fn classify_international(
    digits: &[u8],
    bracketed_zero: Option<usize>,
) -> Result<Parts<'_>, String> {
    if let [b'8', b'6', rest @ ..] = digits {
        // `+86 (0)10 ...` and `+86 010 ...` keep a trunk 0 that the mainland never needs
        // after its country code, so dropping it cannot change the number.
        let national = rest.strip_prefix(b"0").unwrap_or(rest);
        let (kind, area_len) = classify_cn(national)?;
        return Ok(cn(kind, area_len, national));
    }
    let code_len = country_code_len(digits)?;
    let mut national = &digits[code_len..];
    if bracketed_zero == Some(code_len) {
        national = &national[1..];
    }
    let total = code_len + national.len();
    if !(8..=15).contains(&total) {
        return Err(format!(
            "an international number has 8 to 15 digits with its country code, this one has \
             {total}"
        ));
    }
    let country_code = digits[..code_len]
        .iter()
        .fold(0, |code, digit| code * 10 + u16::from(digit - b'0'));
    Ok(Parts {
        country_code,
        kind: PhoneKind::International,
        area_len: 0,
        national,
    })
}

/// The length of the country code at the start of `digits`, by the ITU's assignment: codes
/// starting with 1 or 7 have one digit, a known set has two, all others three.
fn country_code_len(digits: &[u8]) -> Result<usize, String> {
    let len = match digits {
        [] => return Err("no digits after the international prefix".to_owned()),
        [b'0', ..] => return Err("a country code cannot start with 0".to_owned()),
        [b'1' | b'7', ..] => 1,
        [first, second, ..] => match (first - b'0') * 10 + (second - b'0') {
            20
            | 27
            | 30..=34
            | 36
            | 39
            | 40
            | 41
            | 43..=49
            | 51..=58
            | 60..=66
            | 81
            | 82
            | 84
            | 86
            | 90..=95
            | 98 => 2,
            _ => 3,
        },
        [_] => 3,
    };
    if digits.len() <= len {
        return Err("no national number after the country code".to_owned());
    }
    Ok(len)
}

fn cn(kind: PhoneKind, area_len: usize, national: &[u8]) -> Parts<'_> {
    Parts {
        country_code: CN,
        kind,
        area_len,
        national,
    }
}

/// Starts like a 400/800 service number; no area code does.
fn is_service(national: &[u8]) -> bool {
    matches!(national, [b'4' | b'8', b'0', b'0', ..])
}

fn is_mobile(national: &[u8]) -> bool {
    national.len() == 11 && matches!(national, [b'1', b'3'..=b'9', ..])
}

/// Classifies a mainland national number (no country code, no trunk 0): its kind and the
/// length of its area code.
fn classify_cn(national: &[u8]) -> Result<(PhoneKind, usize), String> {
    match national {
        [b'1', b'0', subscriber @ ..] => landline(2, subscriber),
        [b'1', ..] if is_mobile(national) => Ok((PhoneKind::Mobile, 0)),
        [b'1', b'3'..=b'9', ..] => Err(format!(
            "a mobile number has 11 digits, this one has {}",
            national.len()
        )),
        [b'1', ..] => Err("a mobile number starts with 13 to 19".to_owned()),
        [b'2', _, subscriber @ ..] => landline(2, subscriber),
        _ if is_service(national) && national.len() == 10 => Ok((PhoneKind::Service, 0)),
        _ if is_service(national) => Err(format!(
            "a 400/800 service number has 10 digits, this one has {}",
            national.len()
        )),
        [b'3'..=b'9', _, _, subscriber @ ..] => landline(3, subscriber),
        [b'0', ..] => Err("too many leading zeros".to_owned()),
        _ => Err("too few digits for a phone number".to_owned()),
    }
}

fn landline(area_len: usize, subscriber: &[u8]) -> Result<(PhoneKind, usize), String> {
    match subscriber {
        [] => Err("no subscriber number after the area code".to_owned()),
        [b'0' | b'1', ..] => {
            Err("the number after the area code cannot start with 0 or 1".to_owned())
        }
        _ if !matches!(subscriber.len(), 7 | 8) => Err(format!(
            "a landline has 7 or 8 digits after the area code, this one has {}",
            subscriber.len()
        )),
        _ => Ok((PhoneKind::Landline, area_len)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn phone(input: &str) -> Phone {
        Phone::parse(input).unwrap_or_else(|err| panic!("{input:?} should parse: {err}"))
    }

    fn refusal(input: &str) -> String {
        match Phone::parse(input) {
            Ok(phone) => panic!("{input:?} should be refused, got {phone:?}"),
            Err(err) => {
                assert_eq!(err.what, "phone");
                assert_eq!(err.value, input);
                err.reason
            }
        }
    }

    #[test]
    fn mobile_forms() {
        for input in [
            "138 1234 5678",
            "13812345678",
            "+86 138-1234-5678",
            "+86 (138) 1234 5678",
            "0086 13812345678",
            "8613812345678",
            "１３８１２３４５６７８",
            "＋８６ １３８－１２３４－５６７８",
            "138.1234.5678",
            "138/1234/5678",
            "138—1234–5678",
            "  138 1234 5678\t",
        ] {
            let p = phone(input);
            assert_eq!(p.kind(), PhoneKind::Mobile, "{input}");
            assert_eq!(p.country_code(), 86);
            assert_eq!(p.national_number(), "13812345678", "{input}");
            assert_eq!(p.subscriber(), "13812345678");
            assert_eq!(p.area_code(), None);
            assert_eq!(p.extension(), None);
            assert_eq!(p.e164(), "+8613812345678");
            assert_eq!(p.to_string(), "+86 138 1234 5678");
        }
    }

    #[test]
    fn landline_forms() {
        for (input, area, subscriber) in [
            ("010-62345678", "10", "62345678"),
            ("(010) 6234 5678", "10", "62345678"),
            ("+86 10 6234 5678", "10", "62345678"),
            ("+86 (0)10 6234 5678", "10", "62345678"),
            ("+86 010 62345678", "10", "62345678"),
            ("0086-10-62345678", "10", "62345678"),
            ("(0755)2345678", "755", "2345678"),
            ("（0755）23456789", "755", "23456789"),
            ("+86-755-2345678", "755", "2345678"),
            ("020-87654321", "20", "87654321"),
            ("0571 8888 6666", "571", "88886666"),
            ("0311-6543210", "311", "6543210"),
        ] {
            let p = phone(input);
            assert_eq!(p.kind(), PhoneKind::Landline, "{input}");
            assert_eq!(p.area_code(), Some(area), "{input}");
            assert_eq!(p.subscriber(), subscriber, "{input}");
            assert_eq!(p.national_number(), format!("{area}{subscriber}"));
        }
        assert_eq!(phone("010-62345678").to_string(), "+86 10 6234 5678");
        assert_eq!(phone("0755-2345678").to_string(), "+86 755 234 5678");
        assert_eq!(phone("010-62345678").e164(), "+861062345678");
    }

    #[test]
    fn service_numbers() {
        for input in [
            "400-810-8888",
            "4008108888",
            "+86 400 810 8888",
            "800 810 8888",
        ] {
            let p = phone(input);
            assert_eq!(p.kind(), PhoneKind::Service, "{input}");
            assert_eq!(p.area_code(), None);
        }
        assert_eq!(phone("400-810-8888").to_string(), "+86 400 810 8888");
        assert!(refusal("400-810-888").contains("10 digits"));
        assert!(refusal("0400-810-8888").contains("without a leading 0"));
    }

    #[test]
    fn extensions() {
        for input in [
            "010-62345678转123",
            "010-62345678 转 123",
            "010-62345678 分机123",
            "010-62345678 分机：123",
            "010-62345678 分机号 123",
            "010-62345678 ext 123",
            "010-62345678 EXT. 123",
            "010-62345678 ext.123",
            "010-62345678ext123",
            "010-62345678 x123",
            "010-62345678 X 123",
            "010-62345678#123",
            "010-62345678 ＃123",
            "+861062345678;ext=123",
        ] {
            let p = phone(input);
            assert_eq!(p.extension(), Some("123"), "{input}");
            assert_eq!(p.subscriber(), "62345678", "{input}");
            assert_eq!(p.e164(), "+861062345678");
            assert_eq!(p.canonical(), "+861062345678;ext=123");
            assert_eq!(p.to_string(), "+86 10 6234 5678 ext. 123");
        }
        assert_eq!(phone("138 1234 5678 x1").extension(), Some("1"));
        assert!(refusal("010-62345678 ext 1234567").contains("1 to 6 digits"));
        assert!(refusal("010-62345678 转").contains("no digits after it"));
        assert!(refusal("010-62345678 转 12 3").contains("after the extension"));
    }

    #[test]
    fn local_numbers_need_an_area() {
        assert!(refusal("62345678").contains("area code"));
        assert!(refusal("2345678").contains("area code"));
        let p = Phone::parse_in_area("62345678", "010").unwrap();
        assert_eq!((p.area_code(), p.subscriber()), (Some("10"), "62345678"));
        let with_extension = Phone::parse_in_area("6234-5678 转 1", "10").unwrap();
        assert_eq!(with_extension.canonical(), "+861062345678;ext=1");
        assert_eq!(
            Phone::parse_in_area("2345678", "0755").unwrap().e164(),
            "+867552345678"
        );
        // A full number ignores the default area.
        assert_eq!(
            Phone::parse_in_area("020-87654321", "010")
                .unwrap()
                .area_code(),
            Some("20")
        );
        let err = Phone::parse_in_area("62345678", "abc").unwrap_err();
        assert_eq!(err.what, "area code");
        assert!(err.reason.contains("0755"));
        assert!(Phone::parse_in_area("62345678", "0123").is_err());
        assert!(Phone::parse_in_area("62345678", "0400").is_err());
    }

    #[test]
    fn international_numbers() {
        let uk = phone("+44 20 7946 0958");
        assert_eq!(uk.kind(), PhoneKind::International);
        assert_eq!(uk.country_code(), 44);
        assert_eq!(uk.national_number(), "2079460958");
        assert_eq!(uk.subscriber(), "2079460958");
        assert_eq!(uk.to_string(), "+44 2079460958");
        assert_eq!(phone("0044 20 7946 0958"), uk);
        assert_eq!(phone("+44 (0)20 7946 0958"), uk);
        let us = phone("+1 (415) 555-2671 ext. 9");
        assert_eq!((us.country_code(), us.national_number()), (1, "4155552671"));
        assert_eq!(us.canonical(), "+14155552671;ext=9");
        assert_eq!(phone("+852 2123 4567").country_code(), 852);
        assert_eq!(phone("+7 495 123 45 67").country_code(), 7);
        // Italian numbers keep their leading 0 in E.164.
        assert_eq!(phone("+39 06 1234 5678").national_number(), "0612345678");
        assert!(refusal("+44 123").contains("8 to 15 digits"));
        assert!(refusal("+1 2345 6789 0123 4567").contains("8 to 15 digits"));
        assert!(refusal("+0 123456789").contains("cannot start with 0"));
        assert!(refusal("+").contains("no digits"));
    }

    #[test]
    fn refusals_say_why() {
        assert!(refusal("").contains("no digits"));
        assert!(refusal("   ").contains("no digits"));
        assert!(refusal("138abcd5678").contains("\"abcd\""));
        assert!(refusal(&format!("138{}", "a".repeat(1000))).len() < 200);
        assert!(refusal("tel 13812345678").contains("before the number"));
        assert!(refusal("138123456789").contains("this one has 12"));
        assert!(refusal("1381234567").contains("this one has 10"));
        assert!(refusal("12812345678").contains("13 to 19"));
        assert!(refusal("013812345678").contains("without a leading 0"));
        assert!(refusal("010-02345678").contains("cannot start with 0 or 1"));
        assert!(refusal("010-623456").contains("7 or 8 digits"));
        assert!(refusal("010").contains("no subscriber"));
        assert!(refusal("7552345678").contains("starts with 0 and its area code"));
        assert!(refusal("138 1234 5678 +1").contains("'+'"));
        assert!(refusal("+86 12345").contains("13 to 19"));
        assert!(refusal("+86 00 12345678").contains("leading zeros"));
        assert!(refusal("123456789012345678901234").contains("too many digits"));
        assert!(refusal("86 10 62345678").contains("starts with 0"));
    }

    #[test]
    fn serde_uses_the_canonical_string() {
        let p = phone("010-62345678 转 123");
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#""+861062345678;ext=123""#);
        assert_eq!(serde_json::from_str::<Phone>(&json).unwrap(), p);
        assert!(serde_json::from_str::<Phone>(r#""12345""#).is_err());
        assert!(serde_json::from_str::<Phone>("13812345678").is_err());
    }

    #[test]
    fn debug_shows_the_canonical_form() {
        assert_eq!(
            format!("{:?}", phone("13812345678")),
            r#"Phone("+8613812345678")"#
        );
    }

    fn separator() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec!["", " ", "-", ".", "—", "  "])
    }

    /// Well-formed numbers of every kind, written with random separators and prefixes.
    fn written_phone() -> impl Strategy<Value = String> {
        let mobile = (
            prop::sample::select(vec!["", "+86 ", "0086", "86"]),
            3u8..=9,
            0u32..1_000_000_000,
            separator(),
        )
            .prop_map(|(prefix, second, rest, sep)| {
                let rest = format!("{rest:09}");
                format!(
                    "{prefix}1{second}{}{sep}{}{sep}{}",
                    &rest[..1],
                    &rest[1..5],
                    &rest[5..]
                )
            });
        let landline = (
            prop::sample::select(vec!["10", "21", "755", "571", "311", "898"]),
            prop::bool::ANY,
            2u32..10,
            0u32..10_000_000,
            separator(),
            prop::bool::ANY,
        )
            .prop_map(|(area, eight, first, rest, sep, plus)| {
                let subscriber = if eight {
                    format!("{first}{rest:07}")
                } else {
                    format!("{first}{:06}", rest % 1_000_000)
                };
                if plus {
                    format!("+86{sep}{area}{sep}{subscriber}")
                } else {
                    format!("(0{area}){sep}{subscriber}")
                }
            });
        let international = (
            prop::sample::select(vec!["1", "7", "44", "49", "852", "886", "971"]),
            prop::collection::vec(0u8..10, 7..=12),
            separator(),
        )
            .prop_map(|(code, digits, sep)| {
                let digits: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
                format!("+{code}{sep}{digits}")
            });
        let extension = prop::option::of((
            prop::sample::select(vec![" 转 ", "分机：", " ext. ", "#", " x", ";ext="]),
            1u32..1_000_000,
        ));
        (prop_oneof![mobile, landline, international], extension).prop_map(
            |(number, ext)| match ext {
                Some((marker, digits)) => format!("{number}{marker}{digits}"),
                None => number,
            },
        )
    }

    proptest! {
        #[test]
        fn written_numbers_parse_and_reparse(input in written_phone()) {
            let p = Phone::parse(&input).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(Phone::parse(&p.to_string()), Ok(p.clone()));
            prop_assert_eq!(Phone::parse(&p.canonical()), Ok(p.clone()));
            let json = serde_json::to_string(&p).unwrap();
            prop_assert_eq!(serde_json::from_str::<Phone>(&json).unwrap(), p);
        }

        #[test]
        fn never_panics_and_is_idempotent(input in any::<String>()) {
            if let Ok(p) = Phone::parse(&input) {
                prop_assert_eq!(Phone::parse(&p.to_string()), Ok(p.clone()));
                prop_assert_eq!(Phone::parse(&p.canonical()), Ok(p.clone()));
            }
        }

        #[test]
        fn never_panics_on_phone_like_text(input in "[0-9+() .#x转-]{0,30}") {
            if let Ok(p) = Phone::parse(&input) {
                prop_assert_eq!(Phone::parse(&p.to_string()), Ok(p.clone()));
                prop_assert_eq!(Phone::parse(&p.canonical()), Ok(p.clone()));
            }
            let _ = Phone::parse_in_area(&input, "010");
        }
    }
}
