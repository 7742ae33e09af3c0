//! Dates as people and spreadsheets write them, read into one form (`YYYY-MM-DD`) so that the
//! date comparator can look at digits and components.
//!
//! Accepted, after NFKC (so full-width digits and separators count):
//!
//! | written | read as |
//! | --- | --- |
//! | `2024-01-05`, `2024/1/5`, `2024.1.5` | year, month, day |
//! | `20240105` | year, month, day |
//! | `2024年1月5日`, `2024年01月05号` | year, month, day |
//! | `5.1.2024` | day, month, year: dots are the day-first (European) style |
//! | `13/1/2024`, `1/13/2024`, `5-5-2024` | only when one reading is possible (see below) |
//! | `Jan 5, 2024`, `January 5 2024`, `5 January 2024`, `5-Jan-2024` | English month names |
//! | `45296` | an Excel serial number (1900 date system) |
//!
//! `5/1/2024` is 5 January in Europe and China and May 1 in the US, and a sheet rarely says
//! which: such a date is refused rather than guessed, unless a part above 12 can only be the
//! day or both readings give the same date. Years have four digits; two-digit years are refused
//! for the same reason.

use chrono::{Datelike, NaiveDate};
use unicode_normalization::UnicodeNormalization;

/// Excel's serial numbers run from 1 (1900-01-01) to 2958465 (9999-12-31).
const EXCEL_SERIAL_MAX: u32 = 2_958_465;
/// Excel counts a 29 February 1900 that never was: serial 60 is no date.
const EXCEL_LEAP_BUG: u32 = 60;
/// Plain integers up to this many digits are read as Excel serials; longer ones are not dates,
/// except the eight-digit `YYYYMMDD`.
const EXCEL_SERIAL_DIGITS: usize = 5;
/// At most this many tokens make up one of the accepted forms (`2024年1月5日` has six).
const MAX_TOKENS: usize = 6;

/// Reads a date written in one of the forms in the [module docs](self).
///
/// Dates that do not exist (`2024-02-30`) and ambiguous ones (`5/1/2024`) give `None`.
///
/// A plain integer of up to five digits is read as an Excel serial number, since that is what
/// a date column becomes when a sheet loses its cell formats; a column of years (`2024`) must
/// therefore not be declared a date column.
///
/// ```
/// # use crm_core::dedup::date::parse_date;
/// # use chrono::NaiveDate;
/// let jan5 = NaiveDate::from_ymd_opt(2024, 1, 5);
/// assert_eq!(parse_date("2024年1月5日"), jan5);
/// assert_eq!(parse_date("5 January 2024"), jan5);
/// assert_eq!(parse_date("45296"), jan5);
/// assert_eq!(parse_date("5/1/2024"), None);
/// ```
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.is_ascii() {
        parse_folded(text.trim())
    } else {
        let folded: String = text.nfkc().collect();
        parse_folded(folded.trim())
    }
}

/// Reads a date like [`parse_date`] and writes it as `YYYY-MM-DD`, the form the date
/// comparator expects.
///
/// ```
/// # use crm_core::dedup::date::normalise_date;
/// assert_eq!(normalise_date("２０２４／１／５").as_deref(), Some("2024-01-05"));
/// assert_eq!(normalise_date("2024-02-30"), None);
/// ```
pub fn normalise_date(text: &str) -> Option<String> {
    parse_date(text).map(|date| format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day()))
}

/// Reads exactly `YYYY-MM-DD`, the normalised form, without allocating: the date comparator
/// calls this for every pair it compares.
pub(crate) fn parse_iso(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape_ok = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape_ok {
        return None;
    }
    ymd(
        digits_value(&bytes[..4]),
        digits_value(&bytes[5..7]),
        digits_value(&bytes[8..]),
    )
}

/// The value of a run of ASCII digits that is known to fit.
fn digits_value(digits: &[u8]) -> u32 {
    digits
        .iter()
        .fold(0, |value, digit| value * 10 + u32::from(digit - b'0'))
}

/// The date of a year, month and day if it exists; year 0 is refused as no one writes it.
fn ymd(year: u32, month: u32, day: u32) -> Option<NaiveDate> {
    if year == 0 {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

/// [`parse_date`] on trimmed text that NFKC has already folded.
fn parse_folded(text: &str) -> Option<NaiveDate> {
    if let Some(date) = parse_iso(text) {
        return Some(date);
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return parse_integer(text);
    }
    let mut tokens = [Token::Sep(' '); MAX_TOKENS];
    let count = tokenize(text, &mut tokens)?;
    parse_tokens(&tokens[..count])
}

/// A plain integer: `YYYYMMDD` or an Excel serial number.
fn parse_integer(digits: &str) -> Option<NaiveDate> {
    let bytes = digits.as_bytes();
    match bytes.len() {
        8 => ymd(
            digits_value(&bytes[..4]),
            digits_value(&bytes[4..6]),
            digits_value(&bytes[6..]),
        ),
        1..=EXCEL_SERIAL_DIGITS => excel_serial(digits_value(bytes)),
        _ => None,
    }
}

/// The date of an Excel serial number in the 1900 date system.
///
/// Excel took Lotus 1-2-3's mistake of a 29 February 1900: serials 1 to 59 count from
/// 1900-01-01, 60 is that phantom day, and from 61 (1900-03-01) on every serial is one day
/// more than the count of real days.
fn excel_serial(serial: u32) -> Option<NaiveDate> {
    if serial == 0 || serial == EXCEL_LEAP_BUG || serial > EXCEL_SERIAL_MAX {
        return None;
    }
    // Counting from the day before 1900-01-01, and from one day earlier past the phantom day.
    let epoch = if serial < EXCEL_LEAP_BUG {
        NaiveDate::from_ymd_opt(1899, 12, 31)?
    } else {
        NaiveDate::from_ymd_opt(1899, 12, 30)?
    };
    epoch.checked_add_days(chrono::Days::new(u64::from(serial)))
}

/// A piece of a written date.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Token<'a> {
    /// A run of ASCII digits, with its value and how many digits it had (`01` has two).
    Num(u32, usize),
    /// A separator: `-`, `/`, `.`, `年`, `月`, `日`, `号`, `號`.
    Sep(char),
    /// A run of letters, such as a month name.
    Word(&'a str),
}

/// Splits `text` into at most [`MAX_TOKENS`] tokens, skipping spaces and commas (`Jan 5, 2024`);
/// `None` for anything else or too many tokens, since no accepted form has them.
fn tokenize<'a>(text: &'a str, tokens: &mut [Token<'a>; MAX_TOKENS]) -> Option<usize> {
    let mut count = 0;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let (token, len) = if c.is_whitespace() || c == ',' {
            rest = &rest[c.len_utf8()..];
            continue;
        } else if c.is_ascii_digit() {
            number(rest)?
        } else if matches!(c, '-' | '/' | '.' | '年' | '月' | '日' | '号' | '號') {
            (Token::Sep(c), c.len_utf8())
        } else if c.is_ascii_alphabetic() {
            let len = rest
                .find(|c: char| !c.is_ascii_alphabetic())
                .unwrap_or(rest.len());
            (Token::Word(&rest[..len]), len)
        } else {
            return None;
        };
        *tokens.get_mut(count)? = token;
        count += 1;
        rest = &rest[len..];
    }
    Some(count)
}

/// The number token at the start of `text` and its length; `None` past eight digits, which no
/// date part has.
fn number(text: &str) -> Option<(Token<'_>, usize)> {
    let len = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    (len <= 8).then(|| (Token::Num(digits_value(&text.as_bytes()[..len]), len), len))
}

/// The date the tokens spell, if they form one of the accepted forms.
fn parse_tokens(tokens: &[Token<'_>]) -> Option<NaiveDate> {
    use Token::{Num, Sep, Word};
    match *tokens {
        // 2024-01-05, 2024/1/5, 2024.1.5
        [Num(y, 4), Sep(s1), Num(m, 1..=2), Sep(s2), Num(d, 1..=2)]
            if s1 == s2 && matches!(s1, '-' | '/' | '.') =>
        {
            ymd(y, m, d)
        }
        // 2024年1月5日, 2024年01月05号, 2024年1月5
        [
            Num(y, 4),
            Sep('年'),
            Num(m, 1..=2),
            Sep('月'),
            Num(d, 1..=2),
        ]
        | [
            Num(y, 4),
            Sep('年'),
            Num(m, 1..=2),
            Sep('月'),
            Num(d, 1..=2),
            Sep('日' | '号' | '號'),
        ] => ymd(y, m, d),
        // 5.1.2024: dots are the day-first style
        [Num(d, 1..=2), Sep('.'), Num(m, 1..=2), Sep('.'), Num(y, 4)] => ymd(y, m, d),
        // 13/1/2024, 1/13/2024: only when unambiguous
        [Num(a, 1..=2), Sep(s1), Num(b, 1..=2), Sep(s2), Num(y, 4)]
            if s1 == s2 && matches!(s1, '-' | '/') =>
        {
            unambiguous_day_month(y, a, b)
        }
        // Jan 5, 2024; January 5 2024
        [Word(name), Num(d, 1..=2), Num(y, 4)] => ymd(y, month_number(name)?, d),
        // 5 January 2024
        [Num(d, 1..=2), Word(name), Num(y, 4)] => ymd(y, month_number(name)?, d),
        // 5-Jan-2024, as Excel writes `d-mmm-yyyy`
        [Num(d, 1..=2), Sep('-'), Word(name), Sep('-'), Num(y, 4)] => {
            ymd(y, month_number(name)?, d)
        }
        _ => None,
    }
}

/// The date of `a/b/year` when the day-first and month-first readings cannot be confused:
/// one of them does not exist, or both give the same date (`5/5/2024`).
fn unambiguous_day_month(year: u32, a: u32, b: u32) -> Option<NaiveDate> {
    match (ymd(year, b, a), ymd(year, a, b)) {
        (Some(day_first), Some(month_first)) => (day_first == month_first).then_some(day_first),
        (day_first, month_first) => day_first.or(month_first),
    }
}

/// The number of an English month, by full name or abbreviation (`Sept` too), any case.
fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let lower = name.to_ascii_lowercase();
    let lower = if lower == "sept" {
        "sep"
    } else {
        lower.as_str()
    };
    let is_month = |full: &str| lower == full || (lower.len() == 3 && full.starts_with(lower));
    let index = MONTHS.iter().position(|full| is_month(full))?;
    u32::try_from(index + 1).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    #[test]
    fn year_first_with_separators() {
        for text in [
            "2024-01-05",
            "2024/1/5",
            "2024.1.5",
            "2024-1-05",
            " 2024/01/05 ",
        ] {
            assert_eq!(parse_date(text), date(2024, 1, 5), "{text}");
        }
    }

    #[test]
    fn compact_digits() {
        assert_eq!(parse_date("20240105"), date(2024, 1, 5));
        assert_eq!(parse_date("20241305"), None);
    }

    #[test]
    fn chinese_forms() {
        for text in [
            "2024年1月5日",
            "2024年01月05号",
            "2024年1月5",
            "2024 年 1 月 5 日",
            "２０２４年１月５日",
        ] {
            assert_eq!(parse_date(text), date(2024, 1, 5), "{text}");
        }
    }

    #[test]
    fn full_width_is_folded() {
        assert_eq!(parse_date("２０２４－０１－０５"), date(2024, 1, 5));
        assert_eq!(parse_date("２０２４／１／５"), date(2024, 1, 5));
    }

    #[test]
    fn dots_are_day_first() {
        assert_eq!(parse_date("5.1.2024"), date(2024, 1, 5));
        assert_eq!(parse_date("05.01.2024"), date(2024, 1, 5));
        assert_eq!(parse_date("1.13.2024"), None);
    }

    #[test]
    fn slashes_only_when_unambiguous() {
        assert_eq!(parse_date("13/1/2024"), date(2024, 1, 13));
        assert_eq!(parse_date("1/13/2024"), date(2024, 1, 13));
        assert_eq!(parse_date("5/5/2024"), date(2024, 5, 5));
        assert_eq!(parse_date("25-12-2024"), date(2024, 12, 25));
        assert_eq!(parse_date("5/1/2024"), None);
        assert_eq!(parse_date("12/11/2024"), None);
        assert_eq!(parse_date("13/13/2024"), None);
    }

    #[test]
    fn english_month_names() {
        for text in [
            "Jan 5, 2024",
            "January 5 2024",
            "jan 05, 2024",
            "5 January 2024",
            "5 JAN 2024",
            "05-Jan-2024",
        ] {
            assert_eq!(parse_date(text), date(2024, 1, 5), "{text}");
        }
        assert_eq!(parse_date("Sept 30, 2024"), date(2024, 9, 30));
        assert_eq!(parse_date("May 31 2024"), date(2024, 5, 31));
        assert_eq!(parse_date("Foo 5, 2024"), None);
        assert_eq!(parse_date("Ja 5, 2024"), None);
    }

    #[test]
    fn excel_serials() {
        assert_eq!(parse_date("1"), date(1900, 1, 1));
        assert_eq!(parse_date("59"), date(1900, 2, 28));
        assert_eq!(parse_date("60"), None);
        assert_eq!(parse_date("61"), date(1900, 3, 1));
        assert_eq!(parse_date("45296"), date(2024, 1, 5));
        assert_eq!(parse_date("99999"), date(2173, 10, 13));
        assert_eq!(parse_date("0"), None);
        assert_eq!(parse_date("00000"), None);
        assert_eq!(parse_date("100000"), None);
        assert_eq!(parse_date("１"), date(1900, 1, 1));
    }

    #[test]
    fn excel_serial_range_ends_at_year_9999() {
        assert_eq!(excel_serial(EXCEL_SERIAL_MAX), date(9999, 12, 31));
        assert_eq!(excel_serial(EXCEL_SERIAL_MAX + 1), None);
    }

    #[test]
    fn impossible_dates_are_refused() {
        for text in [
            "2024-02-30",
            "2023-02-29",
            "2024/13/1",
            "2024年2月30日",
            "30.2.2024",
            "0000-01-01",
            "Feb 30, 2024",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
        assert_eq!(parse_date("2024-02-29"), date(2024, 2, 29));
    }

    #[test]
    fn other_text_is_refused() {
        for text in [
            "",
            "   ",
            "2024",
            "2024-01",
            "24-01-05",
            "5/1/24",
            "2024-01/05",
            "2024-01-05 10:30",
            "2024年1月",
            "2024-001-05",
            "123456789",
            "1 2 3 4 5 6 7",
            "yesterday",
            "2024-01-05-01",
        ] {
            assert_ne!(parse_date(text), date(2024, 1, 5), "{text}");
        }
        for text in [
            "",
            "   ",
            "2024-01",
            "24-01-05",
            "2024-01/05",
            "2024年1月",
            "yesterday",
        ] {
            assert_eq!(parse_date(text), None, "{text}");
        }
    }

    #[test]
    fn normalise_writes_iso() {
        assert_eq!(
            normalise_date("2024年1月5日").as_deref(),
            Some("2024-01-05")
        );
        assert_eq!(normalise_date("Mar 9, 0999").as_deref(), Some("0999-03-09"));
        assert_eq!(normalise_date("5/1/2024"), None);
    }

    #[test]
    fn parse_iso_is_strict() {
        assert_eq!(parse_iso("2024-01-05"), date(2024, 1, 5));
        for text in [
            "2024-1-05",
            "2024/01/05",
            "2024-02-30",
            "20240105",
            "２０２４-01-05",
        ] {
            assert_eq!(parse_iso(text), None, "{text}");
        }
    }

    fn valid_date() -> impl Strategy<Value = NaiveDate> {
        (1i32..=9999, 1u32..=12, 1u32..=31)
            .prop_filter_map("no such day", |(y, m, d)| NaiveDate::from_ymd_opt(y, m, d))
    }

    proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,24}") {
            let _ = parse_date(&text);
            let _ = normalise_date(&text);
        }

        #[test]
        fn never_panics_on_date_like_text(text in "[0-9０-９年月日号./\\- ,a-zA-Z]{0,16}") {
            let _ = parse_date(&text);
        }

        #[test]
        fn iso_round_trips(date in valid_date()) {
            let iso = date.format("%Y-%m-%d").to_string();
            prop_assert_eq!(parse_date(&iso), Some(date));
            prop_assert_eq!(normalise_date(&iso), Some(iso));
        }

        #[test]
        fn other_year_first_forms_agree(date in valid_date()) {
            let (y, m, d) = (date.year(), date.month(), date.day());
            for text in [
                format!("{y:04}/{m}/{d}"),
                format!("{y:04}{m:02}{d:02}"),
                format!("{y:04}年{m}月{d}日"),
                format!("{d}.{m}.{y:04}"),
            ] {
                prop_assert_eq!(parse_date(&text), Some(date), "{}", text);
            }
        }
    }
}
