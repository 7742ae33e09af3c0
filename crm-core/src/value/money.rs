//! Money: an exact decimal amount in an ISO 4217 currency. No floats anywhere.
//!
//! Sheets write amounts as `¥1,234,567.89`, `1.2万元`, `US$12.5k` or `3亿`; [`Money::parse`]
//! reads those into an exact [`Decimal`] and a [`Currency`].

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use rust_decimal::{Decimal, RoundingStrategy};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use unicode_normalization::UnicodeNormalization;

use crate::error::InvalidValue;

const WHAT: &str = "money";
/// A [`Decimal`] holds any 28-digit number but only some 29-digit ones, so amounts stop at 28.
const MAX_DIGITS: usize = 28;

/// An ISO 4217 currency code: three uppercase ASCII letters.
///
/// Any three letters are accepted: the engine does not carry the full ISO table, and a
/// withdrawn or new code must not make a record unreadable.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    /// Chinese yuan renminbi.
    pub const CNY: Currency = Currency(*b"CNY");
    /// US dollar.
    pub const USD: Currency = Currency(*b"USD");
    /// Euro.
    pub const EUR: Currency = Currency(*b"EUR");
    /// Hong Kong dollar.
    pub const HKD: Currency = Currency(*b"HKD");
    /// Japanese yen.
    pub const JPY: Currency = Currency(*b"JPY");
    /// Pound sterling.
    pub const GBP: Currency = Currency(*b"GBP");

    /// Parses a three-letter code in any case; the common non-ISO `RMB` is read as `CNY`.
    ///
    /// ```
    /// # use crm_core::value::Currency;
    /// assert_eq!(Currency::parse("usd")?, Currency::USD);
    /// assert_eq!(Currency::parse("RMB")?, Currency::CNY);
    /// assert!(Currency::parse("US$").is_err());
    /// # Ok::<(), crm_core::error::InvalidValue>(())
    /// ```
    pub fn parse(input: &str) -> Result<Currency, InvalidValue> {
        let normalised = nfkc(input);
        match *normalised.trim().as_bytes() {
            [a, b, c] if [a, b, c].iter().all(u8::is_ascii_alphabetic) => {
                let code = Currency([a, b, c].map(|letter| letter.to_ascii_uppercase()));
                Ok(if code == Currency(*b"RMB") {
                    Currency::CNY
                } else {
                    code
                })
            }
            _ => Err(InvalidValue::new(
                "currency",
                input,
                "a currency is a three-letter ISO 4217 code such as CNY or USD",
            )),
        }
    }

    /// The three-letter code, e.g. `"CNY"`.
    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.0).expect("a currency code is ASCII letters by construction")
    }

    /// How many decimal places the currency's minor unit has: 2 for most, 0 for JPY.
    pub fn minor_units(&self) -> u32 {
        match &self.0 {
            b"JPY" | b"KRW" | b"VND" | b"CLP" | b"ISK" | b"PYG" | b"UGX" | b"XAF" | b"XOF"
            | b"XPF" => 0,
            b"BHD" | b"IQD" | b"JOD" | b"KWD" | b"LYD" | b"OMR" | b"TND" => 3,
            _ => 2,
        }
    }
}

impl FromStr for Currency {
    type Err = InvalidValue;

    fn from_str(input: &str) -> Result<Currency, InvalidValue> {
        Currency::parse(input)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Currency").field(&self.code()).finish()
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Currency, D::Error> {
        let text = String::deserialize(deserializer)?;
        Currency::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// An exact amount of money in one currency.
///
/// Equality is numeric (`CNY 1.5` equals `CNY 1.50`) and hashing agrees with it; the scale
/// the amount was written with is kept for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount: Decimal,
    currency: Currency,
}

impl Money {
    /// An amount in a currency, as is.
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }

    /// Parses an amount as written in a sheet: thousands separators, a currency symbol, code
    /// or name before or after the number, a magnitude (`万`, `亿`, `千`, `k`, `m`, `w` for
    /// 万), and a leading sign. Without currency text the amount is in `default_currency`.
    ///
    /// `¥` is read as CNY and `$` as USD, as a Chinese sales team means them.
    ///
    /// ```
    /// # use crm_core::value::{Currency, Money};
    /// let money = Money::parse("1.2万元", Currency::USD)?;
    /// assert_eq!(money.to_string(), "CNY 12000");
    /// assert_eq!(Money::parse("US$ 1,234.50", Currency::CNY)?.to_string(), "USD 1234.50");
    /// assert_eq!(Money::parse("-12.5k", Currency::EUR)?.to_string(), "EUR -12500");
    /// assert!(Money::parse("1.2.3", Currency::CNY).is_err());
    /// # Ok::<(), crm_core::error::InvalidValue>(())
    /// ```
    pub fn parse(input: &str, default_currency: Currency) -> Result<Money, InvalidValue> {
        let refuse = |reason: String| InvalidValue::new(WHAT, input, reason);
        let normalised = nfkc(input);
        let text = normalised.trim();
        if text.is_empty() {
            return Err(refuse("empty amount".to_owned()));
        }
        let (start, end) = find_number(text).map_err(refuse)?;
        let mut affixes = Affixes::default();
        affixes.read(&text[..start], true).map_err(refuse)?;
        affixes.read(&text[end..], false).map_err(refuse)?;
        let mut amount = parse_number(&text[start..end]).map_err(refuse)?;
        if let Some(factor) = affixes.factor {
            // Normalising drops the zeros the multiplication leaves: 1.2万 is 12000, not 12000.0.
            amount = amount
                .checked_mul(Decimal::from(factor))
                .filter(|amount| fits(*amount))
                .ok_or_else(|| refuse(format!("more than {MAX_DIGITS} significant digits")))?
                .normalize();
        }
        Ok(Money {
            amount: negate_if(affixes.sign == Some(true), amount),
            currency: affixes.currency.unwrap_or(default_currency),
        })
    }

    /// The amount.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The sum, refused when the currencies differ or the result does not fit.
    pub fn checked_add(self, other: Money) -> Result<Money, InvalidValue> {
        self.combine("+", other, Decimal::checked_add)
    }

    /// The difference, refused when the currencies differ or the result does not fit.
    pub fn checked_sub(self, other: Money) -> Result<Money, InvalidValue> {
        self.combine("-", other, Decimal::checked_sub)
    }

    fn combine(
        self,
        operator: &str,
        other: Money,
        operation: fn(Decimal, Decimal) -> Option<Decimal>,
    ) -> Result<Money, InvalidValue> {
        let refuse =
            |reason: String| InvalidValue::new(WHAT, format!("{self} {operator} {other}"), reason);
        if self.currency != other.currency {
            return Err(refuse(format!(
                "currency mismatch {} vs {}",
                self.currency, other.currency
            )));
        }
        operation(self.amount, other.amount)
            .map(|amount| Money::new(amount, self.currency))
            .ok_or_else(|| refuse("the result is too large".to_owned()))
    }

    /// The amount rounded half away from zero (四舍五入) to the currency's minor units and
    /// written with exactly that many decimals: `CNY 1234.5` becomes `CNY 1234.50`.
    pub fn round_to_minor_units(self) -> Money {
        let units = self.currency.minor_units();
        let mut amount = self
            .amount
            .round_dp_with_strategy(units, RoundingStrategy::MidpointAwayFromZero);
        amount.rescale(units);
        if amount.is_zero() {
            amount.set_sign_positive(true);
        }
        Money::new(amount, self.currency)
    }
}

impl FromStr for Money {
    type Err = InvalidValue;

    /// Parses with CNY as the currency when the text names none.
    fn from_str(input: &str) -> Result<Money, InvalidValue> {
        Money::parse(input, Currency::CNY)
    }
}

/// `CNY 1234567.89`: the code, a space and the plain amount.
impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.currency, self.amount)
    }
}

/// `{"amount":"1234.50","currency":"CNY"}`: the amount is a string so no JSON reader turns it
/// into a float.
impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("Money", 2)?;
        state.serialize_field("amount", &self.amount.to_string())?;
        state.serialize_field("currency", &self.currency)?;
        state.end()
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename = "Money", deny_unknown_fields)]
        struct Wire {
            amount: String,
            currency: Currency,
        }
        let wire = Wire::deserialize(deserializer)?;
        let amount = parse_plain(&wire.amount).map_err(|reason| {
            serde::de::Error::custom(InvalidValue::new(WHAT, wire.amount.as_str(), reason))
        })?;
        Ok(Money::new(amount, wire.currency))
    }
}

fn nfkc(input: &str) -> Cow<'_, str> {
    if input.is_ascii() {
        Cow::Borrowed(input)
    } else {
        Cow::Owned(input.nfkc().collect())
    }
}

fn negate_if(negative: bool, amount: Decimal) -> Decimal {
    // `-0` would display as `CNY -0`.
    if negative && !amount.is_zero() {
        -amount
    } else {
        amount
    }
}

fn fits(amount: Decimal) -> bool {
    amount.mantissa().unsigned_abs() < 10u128.pow(MAX_DIGITS as u32)
}

/// The byte range of the one number in `text`: a run of digits, `.` and `,` with a digit in it.
fn find_number(text: &str) -> Result<(usize, usize), String> {
    let mut found = None;
    let mut run_start = None;
    // A trailing space closes a run that reaches the end of the text.
    for (at, c) in text.char_indices().chain([(text.len(), ' ')]) {
        let in_number = c.is_ascii_digit() || c == '.' || c == ',';
        match run_start {
            None if in_number => run_start = Some(at),
            Some(start) if !in_number => {
                run_start = None;
                if text[start..at].bytes().any(|b| b.is_ascii_digit()) {
                    if found.is_some() {
                        return Err("more than one number".to_owned());
                    }
                    found = Some((start, at));
                }
            }
            _ => {}
        }
    }
    found.ok_or_else(|| "no digits in the amount".to_owned())
}

/// Reads `1,234,567.89` (separators optional) into an exact, non-negative decimal.
fn parse_number(number: &str) -> Result<Decimal, String> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if fraction.contains('.') {
        return Err("more than one decimal point".to_owned());
    }
    if fraction.contains(',') {
        return Err("a thousands separator after the decimal point".to_owned());
    }
    if whole.contains(',') {
        let mut groups = whole.split(',');
        let first_fits = groups
            .next()
            .is_some_and(|group| (1..=3).contains(&group.len()));
        // A European decimal comma (`1,5`) must not pass for a thousands separator.
        if !first_fits || !groups.all(|group| group.len() == 3) {
            return Err(
                "thousands separators must split the digits in groups of three, e.g. 1,234,567"
                    .to_owned(),
            );
        }
    }
    if fraction.len() > MAX_DIGITS {
        return Err(format!("more than {MAX_DIGITS} decimal places"));
    }
    let mut mantissa: i128 = 0;
    let mut significant = 0;
    for digit in whole.bytes().filter(|&b| b != b',').chain(fraction.bytes()) {
        if significant == 0 && digit == b'0' {
            continue;
        }
        significant += 1;
        if significant > MAX_DIGITS {
            return Err(format!("more than {MAX_DIGITS} significant digits"));
        }
        mantissa = mantissa * 10 + i128::from(digit - b'0');
    }
    Decimal::try_from_i128_with_scale(mantissa, fraction.len() as u32)
        .map_err(|err| format!("amount out of range: {err}"))
}

/// Reads the serialised amount, `-1234.50`: no separators, no currency, nothing to guess.
fn parse_plain(text: &str) -> Result<Decimal, String> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, text),
    };
    let plain = digits.bytes().any(|b| b.is_ascii_digit())
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    if !plain {
        return Err("an amount is written as plain digits, e.g. \"-1234.50\"".to_owned());
    }
    Ok(negate_if(negative, parse_number(digits)?))
}

/// A piece of text around the number.
#[derive(Clone, Copy)]
enum Word {
    Sign { negative: bool },
    Currency(Currency),
    Factor(u64),
}

/// Spellings of the words around a number, compared ASCII-case-insensitively; a spelling
/// comes before any other that is its prefix (`千万` before `千`). `￥` and full-width `＄`
/// are missing because NFKC turns them into `¥` and `$`.
const WORDS: &[(&str, Word)] = &[
    ("US$", Word::Currency(Currency::USD)),
    ("HK$", Word::Currency(Currency::HKD)),
    ("$", Word::Currency(Currency::USD)),
    ("USD", Word::Currency(Currency::USD)),
    ("美元", Word::Currency(Currency::USD)),
    ("美金", Word::Currency(Currency::USD)),
    ("¥", Word::Currency(Currency::CNY)),
    ("RMB", Word::Currency(Currency::CNY)),
    ("CNY", Word::Currency(Currency::CNY)),
    ("人民币", Word::Currency(Currency::CNY)),
    ("元", Word::Currency(Currency::CNY)),
    ("HKD", Word::Currency(Currency::HKD)),
    ("港币", Word::Currency(Currency::HKD)),
    ("港元", Word::Currency(Currency::HKD)),
    ("€", Word::Currency(Currency::EUR)),
    ("EUR", Word::Currency(Currency::EUR)),
    ("欧元", Word::Currency(Currency::EUR)),
    ("£", Word::Currency(Currency::GBP)),
    ("GBP", Word::Currency(Currency::GBP)),
    ("英镑", Word::Currency(Currency::GBP)),
    ("JPY", Word::Currency(Currency::JPY)),
    ("日元", Word::Currency(Currency::JPY)),
    ("千万", Word::Factor(10_000_000)),
    ("百万", Word::Factor(1_000_000)),
    ("亿", Word::Factor(100_000_000)),
    ("万", Word::Factor(10_000)),
    ("千", Word::Factor(1_000)),
    ("k", Word::Factor(1_000)),
    ("m", Word::Factor(1_000_000)),
    ("w", Word::Factor(10_000)),
    ("-", Word::Sign { negative: true }),
    ("−", Word::Sign { negative: true }),
    ("+", Word::Sign { negative: false }),
];

/// What the text around the number said.
#[derive(Default)]
struct Affixes {
    /// Whether the sign said negative; `None` without a sign.
    sign: Option<bool>,
    currency: Option<Currency>,
    factor: Option<u64>,
}

impl Affixes {
    /// Reads the text before (`before`) or after the number.
    fn read(&mut self, mut text: &str, before: bool) -> Result<(), String> {
        let mut first = true;
        loop {
            text = text.trim_start();
            if text.is_empty() {
                return Ok(());
            }
            let (word, len) = next_word(text)?;
            match word {
                Word::Sign { .. } if !before => {
                    return Err("a sign goes before the number".to_owned());
                }
                Word::Sign { .. } if self.sign.is_some() => {
                    return Err("more than one sign".to_owned());
                }
                Word::Sign { negative } => self.sign = Some(negative),
                Word::Factor(_) if before || !first => {
                    return Err("a unit such as 万, 亿 or k goes right after the number".to_owned());
                }
                Word::Factor(factor) => self.factor = Some(factor),
                Word::Currency(currency) => match self.currency {
                    Some(seen) if seen != currency => {
                        return Err(format!("two currencies, {seen} and {currency}"));
                    }
                    _ => self.currency = Some(currency),
                },
            }
            first = false;
            text = &text[len..];
        }
    }
}

/// The word at the start of `text` and its length in bytes.
fn next_word(text: &str) -> Result<(Word, usize), String> {
    // `m` must not read the start of `MXN`, nor `USD` the start of `USDT`.
    let letter_follows = |len: usize| text[len..].starts_with(|c: char| c.is_ascii_alphabetic());
    for &(spelling, word) in WORDS {
        let len = spelling.len();
        let matches = text
            .get(..len)
            .is_some_and(|head| head.eq_ignore_ascii_case(spelling));
        let ends_in_letter = spelling.ends_with(|c: char| c.is_ascii_alphabetic());
        if matches && !(ends_in_letter && letter_follows(len)) {
            return Ok((word, len));
        }
    }
    // Any other ISO code, written as ISO writes it; lowercase would let plain words through.
    if let Some(code) = text.get(..3)
        && let Ok(code) = <[u8; 3]>::try_from(code.as_bytes())
        && code.iter().all(u8::is_ascii_uppercase)
        && !letter_follows(3)
    {
        return Ok((Word::Currency(Currency(code)), 3));
    }
    let unknown = text
        .split(|c: char| c.is_whitespace() || c.is_ascii_digit())
        .next()
        .unwrap_or(text);
    Err(format!("unknown currency or unit {unknown:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn money(input: &str) -> Money {
        Money::parse(input, Currency::CNY)
            .unwrap_or_else(|err| panic!("{input:?} should parse: {err}"))
    }

    fn refusal(input: &str) -> String {
        match Money::parse(input, Currency::CNY) {
            Ok(money) => panic!("{input:?} should be refused, got {money}"),
            Err(err) => {
                assert_eq!((err.what, err.value.as_str()), ("money", input));
                err.reason
            }
        }
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    #[test]
    fn currency_codes() {
        assert_eq!(Currency::parse(" eur ").unwrap(), Currency::EUR);
        assert_eq!(Currency::parse("ｇｂｐ").unwrap(), Currency::GBP);
        assert_eq!(Currency::parse("rmb").unwrap(), Currency::CNY);
        assert_eq!(Currency::parse("SGD").unwrap().code(), "SGD");
        assert_eq!("HKD".parse::<Currency>().unwrap(), Currency::HKD);
        for bad in ["", "US", "USDT", "U$D", "美元"] {
            let err = Currency::parse(bad).unwrap_err();
            assert_eq!(err.what, "currency");
            assert!(err.reason.contains("three-letter"), "{bad}");
        }
        assert_eq!(Currency::JPY.minor_units(), 0);
        assert_eq!(Currency::CNY.minor_units(), 2);
        assert_eq!(Currency::parse("KWD").unwrap().minor_units(), 3);
        assert_eq!(Currency::parse("XYZ").unwrap().minor_units(), 2);
        assert_eq!(Currency::USD.to_string(), "USD");
        assert_eq!(format!("{:?}", Currency::USD), r#"Currency("USD")"#);
        assert_eq!(serde_json::to_string(&Currency::EUR).unwrap(), r#""EUR""#);
        assert!(serde_json::from_str::<Currency>(r#""EURO""#).is_err());
    }

    #[test]
    fn amounts_and_separators() {
        assert_eq!(money("1234567.89").amount(), dec("1234567.89"));
        assert_eq!(money("1,234,567.89").amount(), dec("1234567.89"));
        assert_eq!(
            money("１，２３４，５６７．８９").amount(),
            dec("1234567.89")
        );
        assert_eq!(money("  -1,234.5 ").amount(), dec("-1234.5"));
        assert_eq!(money(".5").amount(), dec("0.5"));
        assert_eq!(money("1234.50").to_string(), "CNY 1234.50");
        assert_eq!(money("-0").to_string(), "CNY 0");
        assert_eq!(money("100").currency(), Currency::CNY);
        assert_eq!(
            Money::parse("100", Currency::USD).unwrap().currency(),
            Currency::USD
        );
        assert_eq!("1,000".parse::<Money>().unwrap(), money("1000"));
    }

    #[test]
    fn currencies_before_or_after() {
        for (input, currency, amount) in [
            ("¥1,234.50", Currency::CNY, "1234.50"),
            ("￥1,234.50", Currency::CNY, "1234.50"),
            ("RMB 1000", Currency::CNY, "1000"),
            ("rmb1000", Currency::CNY, "1000"),
            ("1000 CNY", Currency::CNY, "1000"),
            ("1000元", Currency::CNY, "1000"),
            ("人民币1000元", Currency::CNY, "1000"),
            ("$99.99", Currency::USD, "99.99"),
            ("US$ 99.99", Currency::USD, "99.99"),
            ("99.99 usd", Currency::USD, "99.99"),
            ("99.99美元", Currency::USD, "99.99"),
            ("HK$500", Currency::HKD, "500"),
            ("500 HKD", Currency::HKD, "500"),
            ("500港币", Currency::HKD, "500"),
            ("€20", Currency::EUR, "20"),
            ("20 EUR", Currency::EUR, "20"),
            ("20欧元", Currency::EUR, "20"),
            ("£20", Currency::GBP, "20"),
            ("GBP 20", Currency::GBP, "20"),
            ("JPY 5000", Currency::JPY, "5000"),
            ("5000日元", Currency::JPY, "5000"),
            ("SGD 20", Currency::parse("SGD").unwrap(), "20"),
            ("-¥20", Currency::CNY, "-20"),
            ("¥-20", Currency::CNY, "-20"),
            ("CNY -20", Currency::CNY, "-20"),
        ] {
            let m = money(input);
            assert_eq!(
                (m.currency(), m.amount()),
                (currency, dec(amount)),
                "{input}"
            );
        }
    }

    #[test]
    fn magnitudes() {
        for (input, amount, currency) in [
            ("50万", "500000", Currency::CNY),
            ("1.2万元", "12000", Currency::CNY),
            ("1.2 万 元", "12000", Currency::CNY),
            ("3亿", "300000000", Currency::CNY),
            ("2.5千", "2500", Currency::CNY),
            ("1千万", "10000000", Currency::CNY),
            ("3百万", "3000000", Currency::CNY),
            ("12.5k", "12500", Currency::CNY),
            ("12.5K USD", "12500", Currency::USD),
            ("$1.5m", "1500000", Currency::USD),
            ("2M", "2000000", Currency::CNY),
            ("50w", "500000", Currency::CNY),
            ("1.5万美元", "15000", Currency::USD),
            ("-3亿", "-300000000", Currency::CNY),
        ] {
            let m = money(input);
            assert_eq!(
                (m.amount(), m.currency()),
                (dec(amount), currency),
                "{input}"
            );
        }
        assert_eq!(money("1.2万元").to_string(), "CNY 12000");
    }

    #[test]
    fn refusals_say_why() {
        assert_eq!(refusal(""), "empty amount");
        assert_eq!(refusal("   "), "empty amount");
        assert_eq!(refusal("元"), "no digits in the amount");
        assert_eq!(refusal("100 200"), "more than one number");
        assert_eq!(refusal("100-200"), "more than one number");
        assert_eq!(refusal("1.2.3"), "more than one decimal point");
        assert!(refusal("1,23").contains("groups of three"));
        assert!(refusal("1,5").contains("groups of three"));
        assert!(refusal("1.234,5").contains("after the decimal point"));
        assert!(refusal("100 bitcoins").contains("\"bitcoins\""));
        assert!(refusal("100 usdt").contains("\"usdt\""));
        assert!(refusal("100 abc").contains("\"abc\""));
        assert!(refusal("约100").contains("\"约\""));
        assert!(refusal("$100 EUR").contains("two currencies"));
        assert!(refusal("--100").contains("more than one sign"));
        assert!(refusal("100-").contains("before the number"));
        assert!(refusal("万100").contains("right after the number"));
        assert!(refusal("100元万").contains("right after the number"));
        assert!(refusal("100万万").contains("right after the number"));
        assert!(refusal(&"9".repeat(29)).contains("28 significant digits"));
        assert!(refusal(&format!("0.{}1", "0".repeat(28))).contains("28 decimal places"));
        assert!(refusal(&format!("{}亿", "9".repeat(25))).contains("28 significant digits"));
        // Leading zeros are not significant.
        assert_eq!(money(&format!("000{}", "9".repeat(28))).amount().scale(), 0);
    }

    #[test]
    fn arithmetic() {
        let a = money("100.25");
        let b = money("0.75");
        assert_eq!(a.checked_add(b).unwrap(), money("101"));
        assert_eq!(a.checked_sub(b).unwrap(), money("99.5"));
        let err = a.checked_add(money("$1")).unwrap_err();
        assert_eq!(err.reason, "currency mismatch CNY vs USD");
        assert!(err.value.contains("CNY 100.25 + USD 1"), "{}", err.value);
        let max = Money::new(Decimal::MAX, Currency::CNY);
        assert!(
            max.checked_add(max)
                .unwrap_err()
                .reason
                .contains("too large")
        );
        let min = Money::new(Decimal::MIN, Currency::CNY);
        assert!(
            min.checked_sub(max)
                .unwrap_err()
                .reason
                .contains("too large")
        );
    }

    #[test]
    fn rounding_to_minor_units() {
        assert_eq!(
            money("1234.5").round_to_minor_units().to_string(),
            "CNY 1234.50"
        );
        assert_eq!(
            money("0.125").round_to_minor_units().to_string(),
            "CNY 0.13"
        );
        assert_eq!(
            money("-0.125").round_to_minor_units().to_string(),
            "CNY -0.13"
        );
        assert_eq!(
            money("-0.001").round_to_minor_units().to_string(),
            "CNY 0.00"
        );
        assert_eq!(
            money("JPY 1234.5").round_to_minor_units().to_string(),
            "JPY 1235"
        );
    }

    #[test]
    fn serde_keeps_the_amount_exact() {
        let m = money("¥1,234.50");
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"1234.50","currency":"CNY"}"#);
        let back: Money = serde_json::from_str(&json).unwrap();
        assert_eq!(
            (back.amount().to_string(), back.currency()),
            ("1234.50".into(), Currency::CNY)
        );
        for bad in [
            r#"{"amount":1234.5,"currency":"CNY"}"#,
            r#"{"amount":"1,234.50","currency":"CNY"}"#,
            r#"{"amount":"1e3","currency":"CNY"}"#,
            r#"{"amount":"","currency":"CNY"}"#,
            r#"{"amount":"12","currency":"YUAN"}"#,
            r#"{"amount":"12"}"#,
            r#"{"amount":"12","currency":"CNY","note":"x"}"#,
        ] {
            assert!(serde_json::from_str::<Money>(bad).is_err(), "{bad}");
        }
    }

    fn any_currency() -> impl Strategy<Value = Currency> {
        "[A-Z]{3}".prop_map(|code| Currency::parse(&code).unwrap())
    }

    fn any_amount() -> impl Strategy<Value = Decimal> {
        let limit = 10i128.pow(MAX_DIGITS as u32);
        (-limit + 1..limit, 0u32..=28)
            .prop_map(|(mantissa, scale)| Decimal::from_i128_with_scale(mantissa, scale))
    }

    /// Amounts written the way sheets write them.
    fn written_amount() -> impl Strategy<Value = String> {
        let currency = prop::sample::select(vec![
            ("", ""),
            ("¥", ""),
            ("￥", "元"),
            ("US$", ""),
            ("HK$ ", ""),
            ("RMB", ""),
            ("€", ""),
            ("", "元"),
            ("", " USD"),
            ("", "美元"),
            ("", "港币"),
            ("", " EUR"),
        ]);
        (
            prop::sample::select(vec!["", "-", "- "]),
            currency,
            0u64..10_000_000_000,
            prop::option::of(0u32..100),
            prop::sample::select(vec!["", "万", "亿", "千", "k", "M", "w"]),
            prop::bool::ANY,
        )
            .prop_map(|(sign, (prefix, suffix), whole, cents, unit, grouped)| {
                let mut number = whole.to_string();
                if grouped {
                    let digits: Vec<char> = number.chars().collect();
                    number = digits
                        .rchunks(3)
                        .rev()
                        .map(|chunk| chunk.iter().collect::<String>())
                        .collect::<Vec<_>>()
                        .join(",");
                }
                if let Some(cents) = cents {
                    number = format!("{number}.{cents:02}");
                }
                format!("{sign}{prefix}{number}{unit}{suffix}")
            })
    }

    proptest! {
        #[test]
        fn display_and_serde_round_trip(amount in any_amount(), currency in any_currency()) {
            let m = Money::new(amount, currency);
            prop_assert_eq!(Money::parse(&m.to_string(), Currency::CNY), Ok(m));
            let json = serde_json::to_string(&m).unwrap();
            let back: Money = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(back, m);
            prop_assert_eq!(back.amount().scale(), amount.scale());
            let currency_json = serde_json::to_string(&currency).unwrap();
            prop_assert_eq!(serde_json::from_str::<Currency>(&currency_json).unwrap(), currency);
        }

        #[test]
        fn written_amounts_parse_and_reparse(input in written_amount()) {
            let m = Money::parse(&input, Currency::EUR)
                .map_err(|err| TestCaseError::fail(err.to_string()))?;
            prop_assert_eq!(Money::parse(&m.to_string(), Currency::EUR), Ok(m));
        }

        #[test]
        fn never_panics_and_is_idempotent(input in any::<String>()) {
            if let Ok(m) = Money::parse(&input, Currency::CNY) {
                prop_assert_eq!(Money::parse(&m.to_string(), Currency::USD), Ok(m));
            }
            let _ = Currency::parse(&input);
        }

        #[test]
        fn never_panics_on_amount_like_text(input in "[0-9.,¥$万亿kKmM元 -]{0,20}") {
            if let Ok(m) = Money::parse(&input, Currency::CNY) {
                prop_assert_eq!(Money::parse(&m.to_string(), Currency::USD), Ok(m));
            }
        }
    }
}
