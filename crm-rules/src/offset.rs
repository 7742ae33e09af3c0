//! Time offsets from a record's field: `last_followup_at + 3 business days`,
//! `contract_end - 30 days`.
//!
//! An [`Offset`] is written as text in rule documents — `"+3 business days"`, `"-30 days"`,
//! `"1 business hour"`, `"90 minutes"`, or in Chinese `"3个工作日"`, `"-30天"`, `"2小时"` —
//! and applied to an instant, or to a date taken as its local midnight in the calendar's
//! zone.
//!
//! Calendar offsets count wall-clock time: days and weeks are local calendar days, so
//! "+1 day" keeps the local time of day. Business offsets count working time on a
//! [`BusinessCalendar`]: a business hour is an hour of working time, and a business day
//! is as much working time as the calendar's longest weekday (8 hours for
//! [`BusinessCalendar::china_office`]), so "+3 business days" from Monday 10:00 is
//! Thursday 10:00 in an ordinary week and skips weekends, holidays and counts make-up days.
//! Business offsets run forward only: "3 business days before" has no single answer on a
//! calendar whose days differ.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use crm_rules::{BusinessCalendar, Offset};
//!
//! let offset: Offset = "+3 business days".parse().unwrap();
//! let calendar = BusinessCalendar::china_office();
//! // Friday 2026-03-06 10:00 Beijing (02:00 UTC) → Wednesday 2026-03-11 10:00.
//! let friday = Utc.with_ymd_and_hms(2026, 3, 6, 2, 0, 0).unwrap();
//! let due = offset.apply(friday, &calendar).unwrap();
//! assert_eq!(due, Utc.with_ymd_and_hms(2026, 3, 11, 2, 0, 0).unwrap());
//! assert_eq!(offset.to_string(), "+3 business days");
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use crm_core::record::Value;
use crm_core::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::calendar::BusinessCalendar;

/// The unit of an [`Offset`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OffsetUnit {
    /// Minutes.
    Minutes,
    /// Hours.
    Hours,
    /// Days: local calendar days, or business days of working time.
    Days,
    /// Weeks of seven days (calendar offsets only).
    Weeks,
}

impl OffsetUnit {
    fn name(self, plural: bool) -> &'static str {
        match (self, plural) {
            (OffsetUnit::Minutes, false) => "minute",
            (OffsetUnit::Minutes, true) => "minutes",
            (OffsetUnit::Hours, false) => "hour",
            (OffsetUnit::Hours, true) => "hours",
            (OffsetUnit::Days, false) => "day",
            (OffsetUnit::Days, true) => "days",
            (OffsetUnit::Weeks, false) => "week",
            (OffsetUnit::Weeks, true) => "weeks",
        }
    }
}

/// A signed amount of calendar or business time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Offset {
    /// How many units; negative for "before".
    pub amount: i64,
    /// The unit.
    pub unit: OffsetUnit,
    /// Whether it counts working time on a calendar rather than wall-clock time.
    pub business: bool,
}

/// The largest amount accepted: about a century of minutes.
const MAX_AMOUNT: i64 = 60 * 24 * 366 * 100;

impl Offset {
    /// A calendar offset.
    pub fn calendar(amount: i64, unit: OffsetUnit) -> Offset {
        Offset {
            amount,
            unit,
            business: false,
        }
    }

    /// A business-time offset.
    pub fn business(amount: i64, unit: OffsetUnit) -> Offset {
        Offset {
            amount,
            unit,
            business: true,
        }
    }

    /// The working time this business offset stands for on `calendar`.
    fn business_duration(&self, calendar: &BusinessCalendar) -> Duration {
        match self.unit {
            OffsetUnit::Minutes => Duration::minutes(self.amount),
            OffsetUnit::Hours => Duration::hours(self.amount),
            OffsetUnit::Days | OffsetUnit::Weeks => calendar.day_length() * self.amount as i32,
        }
    }

    /// `start` moved by this offset; `None` when the result is out of range or the calendar
    /// has no working time ahead.
    pub fn apply(
        &self,
        start: DateTime<Utc>,
        calendar: &BusinessCalendar,
    ) -> Option<DateTime<Utc>> {
        if self.business {
            return calendar.add(start, self.business_duration(calendar));
        }
        match self.unit {
            OffsetUnit::Minutes => start.checked_add_signed(Duration::minutes(self.amount)),
            OffsetUnit::Hours => start.checked_add_signed(Duration::hours(self.amount)),
            OffsetUnit::Days | OffsetUnit::Weeks => {
                let days = if self.unit == OffsetUnit::Weeks {
                    self.amount * 7
                } else {
                    self.amount
                };
                // Local days, so "+1 day" keeps the local time of day across a DST change.
                let local = start.with_timezone(&calendar.zone).naive_local();
                let moved = local.checked_add_signed(Duration::days(days))?;
                calendar
                    .zone
                    .from_local_datetime(&moved)
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
            }
        }
    }

    /// This offset applied to a field value: an instant, or a date taken as its local
    /// midnight in the calendar's zone; `None` for other values.
    pub fn apply_to(&self, value: &Value, calendar: &BusinessCalendar) -> Option<DateTime<Utc>> {
        let start = match value {
            Value::Time(t) => *t,
            Value::Date(d) => local_midnight(*d, calendar)?,
            _ => return None,
        };
        self.apply(start, calendar)
    }
}

fn local_midnight(date: NaiveDate, calendar: &BusinessCalendar) -> Option<DateTime<Utc>> {
    calendar
        .zone
        .from_local_datetime(&date.and_time(NaiveTime::MIN))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

impl fmt::Display for Offset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.amount < 0 { '-' } else { '+' };
        let amount = self.amount.unsigned_abs();
        let business = if self.business { "business " } else { "" };
        write!(
            f,
            "{sign}{amount} {business}{}",
            self.unit.name(amount != 1)
        )
    }
}

fn parse_error(text: &str, reason: &str) -> Error {
    Error::validation("offset", text, reason)
}

/// Units by the words that name them, English and Chinese: (word, unit, business).
const UNIT_WORDS: &[(&str, OffsetUnit, bool)] = &[
    ("minutes", OffsetUnit::Minutes, false),
    ("minute", OffsetUnit::Minutes, false),
    ("mins", OffsetUnit::Minutes, false),
    ("min", OffsetUnit::Minutes, false),
    ("m", OffsetUnit::Minutes, false),
    ("hours", OffsetUnit::Hours, false),
    ("hour", OffsetUnit::Hours, false),
    ("h", OffsetUnit::Hours, false),
    ("days", OffsetUnit::Days, false),
    ("day", OffsetUnit::Days, false),
    ("d", OffsetUnit::Days, false),
    ("weeks", OffsetUnit::Weeks, false),
    ("week", OffsetUnit::Weeks, false),
    ("w", OffsetUnit::Weeks, false),
    ("分钟", OffsetUnit::Minutes, false),
    ("个小时", OffsetUnit::Hours, false),
    ("小时", OffsetUnit::Hours, false),
    ("天", OffsetUnit::Days, false),
    ("日", OffsetUnit::Days, false),
    ("周", OffsetUnit::Weeks, false),
    ("个星期", OffsetUnit::Weeks, false),
    ("星期", OffsetUnit::Weeks, false),
    ("个工作日", OffsetUnit::Days, true),
    ("工作日", OffsetUnit::Days, true),
    ("个工作小时", OffsetUnit::Hours, true),
    ("工作小时", OffsetUnit::Hours, true),
    ("工作分钟", OffsetUnit::Minutes, true),
];

impl FromStr for Offset {
    type Err = Error;

    /// Parse `[+|-]N [business] unit`, e.g. `+3 business days`, `-30 days`, `24h`,
    /// `3个工作日`, `-30天`.
    fn from_str(text: &str) -> Result<Offset> {
        let trimmed = text.trim();
        let (negative, rest) = match trimmed.chars().next() {
            Some('-') => (true, &trimmed[1..]),
            Some('+') => (false, &trimmed[1..]),
            _ => (false, trimmed),
        };
        let rest = rest.trim_start();
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 {
            return Err(parse_error(
                text,
                "expected a number, e.g. \"+3 business days\" or \"-30 days\"",
            ));
        }
        let amount: i64 = rest[..digits]
            .parse()
            .ok()
            .filter(|n| *n <= MAX_AMOUNT)
            .ok_or_else(|| parse_error(text, "the number is too large"))?;
        let mut words = rest[digits..].trim();
        let english_business = words
            .strip_prefix("business")
            .filter(|after| after.starts_with(char::is_whitespace));
        let business_word = english_business.is_some();
        if let Some(after) = english_business {
            words = after.trim_start();
        }
        let lowered = words.to_lowercase();
        let (_, unit, business) = UNIT_WORDS
            .iter()
            .find(|(word, _, _)| *word == lowered)
            .copied()
            .ok_or_else(|| {
                parse_error(
                    text,
                    "unknown unit; use minutes, hours, days or weeks (optionally \"business\"), or 分钟/小时/天/周/工作日/工作小时",
                )
            })?;
        let offset = Offset {
            amount: if negative { -amount } else { amount },
            unit,
            business: business || business_word,
        };
        if offset.business && offset.amount < 0 {
            return Err(parse_error(
                text,
                "business offsets run forward only; use calendar days for \"before\"",
            ));
        }
        if offset.business && offset.unit == OffsetUnit::Weeks {
            return Err(parse_error(
                text,
                "business weeks are ambiguous; use business days",
            ));
        }
        Ok(offset)
    }
}

impl Serialize for Offset {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Offset {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Offset, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        // Beijing wall-clock time.
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn parses_english_and_chinese_forms() {
        let cases = [
            ("+3 business days", Offset::business(3, OffsetUnit::Days)),
            ("3 business days", Offset::business(3, OffsetUnit::Days)),
            ("1 business hour", Offset::business(1, OffsetUnit::Hours)),
            ("-30 days", Offset::calendar(-30, OffsetUnit::Days)),
            ("24h", Offset::calendar(24, OffsetUnit::Hours)),
            ("90 Minutes", Offset::calendar(90, OffsetUnit::Minutes)),
            ("2 weeks", Offset::calendar(2, OffsetUnit::Weeks)),
            ("3个工作日", Offset::business(3, OffsetUnit::Days)),
            ("-30天", Offset::calendar(-30, OffsetUnit::Days)),
            ("2小时", Offset::calendar(2, OffsetUnit::Hours)),
            ("1个工作小时", Offset::business(1, OffsetUnit::Hours)),
        ];
        for (text, expected) in cases {
            assert_eq!(text.parse::<Offset>().unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn refuses_what_has_no_meaning_with_the_reason() {
        for (text, reason) in [
            ("", "expected a number"),
            ("three days", "expected a number"),
            ("3 fortnights", "unknown unit"),
            ("-2 business days", "forward only"),
            ("1 business week", "ambiguous"),
            ("99999999999999 days", "too large"),
        ] {
            let error = text.parse::<Offset>().unwrap_err().to_string();
            assert!(error.contains(reason), "{text}: {error}");
        }
    }

    #[test]
    fn display_parses_back() {
        for text in [
            "+3 business days",
            "-30 days",
            "+1 business hour",
            "+90 minutes",
        ] {
            let offset: Offset = text.parse().unwrap();
            assert_eq!(offset.to_string(), text);
            assert_eq!(offset.to_string().parse::<Offset>().unwrap(), offset);
        }
    }

    #[test]
    fn business_days_skip_weekends_and_holidays_and_count_makeup_days() {
        let mut calendar = BusinessCalendar::china_office();
        let three = Offset::business(3, OffsetUnit::Days);
        // Thursday 10:00 + 3 business days = Tuesday 10:00.
        assert_eq!(
            three.apply(at(2026, 3, 5, 10, 0), &calendar),
            Some(at(2026, 3, 10, 10, 0))
        );
        // A holiday on Monday pushes it to Wednesday; a make-up Saturday pulls it back.
        calendar
            .holidays
            .insert(NaiveDate::from_ymd_opt(2026, 3, 9).unwrap());
        assert_eq!(
            three.apply(at(2026, 3, 5, 10, 0), &calendar),
            Some(at(2026, 3, 11, 10, 0))
        );
        calendar
            .makeup_days
            .insert(NaiveDate::from_ymd_opt(2026, 3, 7).unwrap());
        assert_eq!(
            three.apply(at(2026, 3, 5, 10, 0), &calendar),
            Some(at(2026, 3, 10, 10, 0))
        );
    }

    #[test]
    fn calendar_days_from_a_date_start_at_local_midnight() {
        let calendar = BusinessCalendar::china_office();
        let contract_end = Value::Date(NaiveDate::from_ymd_opt(2026, 12, 31).unwrap());
        let before = Offset::calendar(-30, OffsetUnit::Days);
        assert_eq!(
            before.apply_to(&contract_end, &calendar),
            Some(at(2026, 12, 1, 0, 0))
        );
        assert_eq!(before.apply_to(&Value::Text("x".into()), &calendar), None);
    }

    #[test]
    fn serde_uses_the_text_form() {
        let offset: Offset = serde_json::from_str("\"-30 days\"").unwrap();
        assert_eq!(offset, Offset::calendar(-30, OffsetUnit::Days));
        assert_eq!(serde_json::to_string(&offset).unwrap(), "\"-30 days\"");
        let error = serde_json::from_str::<Offset>("\"soon\"").unwrap_err();
        assert!(error.to_string().contains("expected a number"), "{error}");
    }
}
