//! Cron-like schedules: "every weekday at 09:00" as `0 9 * * MON-FRI`, in a time zone.
//!
//! Five fields — minute, hour, day of month, month, day of week — each `*`, a number, a
//! range `a-b`, a step `*/n` or `a-b/n`, or a comma list of those; months and weekdays
//! also by name (`JAN`, `MON`; Sunday is 0 or 7). As in cron, when both day of month and
//! day of week are restricted a day matching either runs. Shortcuts: `@hourly`, `@daily`,
//! `@weekly` (Monday 00:00, the start of a Chinese working week), `@monthly`, `@yearly`.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use crm_rules::Schedule;
//!
//! let weekday_mornings: Schedule = "0 9 * * MON-FRI".parse().unwrap();
//! // Saturday 2026-03-07 12:00 Beijing → Monday 2026-03-09 09:00 Beijing (01:00 UTC).
//! let saturday = Utc.with_ymd_and_hms(2026, 3, 7, 4, 0, 0).unwrap();
//! let next = weekday_mornings.next_after(saturday, chrono_tz::Asia::Shanghai);
//! assert_eq!(next, Some(Utc.with_ymd_and_hms(2026, 3, 9, 1, 0, 0).unwrap()));
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use crm_core::{Error, Result};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// How far ahead [`Schedule::next_after`] looks: long enough for a 29 February schedule.
const MAX_DAYS_AHEAD: i64 = 366 * 8 + 1;

/// A parsed cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Schedule {
    text: String,
    minutes: u64,
    hours: u64,
    days_of_month: u64,
    months: u64,
    weekdays: u64,
    any_day_of_month: bool,
    any_weekday: bool,
}

/// One cron field: its name, range, and the names its values may go by.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
}

const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
};
const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
};
const DAY_OF_MONTH: Field = Field {
    name: "day of month",
    min: 1,
    max: 31,
    names: &[],
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ],
};
const WEEKDAY: Field = Field {
    name: "day of week",
    min: 0,
    max: 7,
    names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
};

impl Field {
    fn value(&self, text: &str, whole: &str) -> Result<u32> {
        let upper = text.to_ascii_uppercase();
        if let Some(i) = self.names.iter().position(|n| *n == upper) {
            return Ok(self.min + i as u32);
        }
        text.parse::<u32>()
            .ok()
            .filter(|v| (self.min..=self.max).contains(v))
            .ok_or_else(|| {
                error(
                    whole,
                    format!(
                        "{} must be {}–{}{}, not {text:?}",
                        self.name,
                        self.min,
                        self.max,
                        if self.names.is_empty() {
                            ""
                        } else {
                            " or a name"
                        }
                    ),
                )
            })
    }

    /// The set of values `text` selects, as bits; and whether it was `*`.
    fn parse(&self, text: &str, whole: &str) -> Result<(u64, bool)> {
        let mut bits = 0u64;
        for part in text.split(',') {
            let (range, step) = match part.split_once('/') {
                Some((range, step)) => {
                    let step =
                        step.parse::<u32>().ok().filter(|s| *s > 0).ok_or_else(|| {
                            error(whole, format!("bad step {step:?} in {part:?}"))
                        })?;
                    (range, step)
                }
                None => (part, 1),
            };
            let (low, high) = match range {
                "*" => (self.min, self.max),
                _ => match range.split_once('-') {
                    Some((a, b)) => (self.value(a, whole)?, self.value(b, whole)?),
                    None if step > 1 => (self.value(range, whole)?, self.max),
                    None => {
                        let v = self.value(range, whole)?;
                        (v, v)
                    }
                },
            };
            if low > high {
                return Err(error(whole, format!("range {range:?} runs backwards")));
            }
            for v in (low..=high).step_by(step as usize) {
                bits |= 1 << v;
            }
        }
        Ok((bits, text == "*"))
    }
}

fn error(text: &str, reason: impl Into<String>) -> Error {
    Error::validation("schedule", text, reason)
}

impl Schedule {
    /// The first instant strictly after `after` that the schedule selects, in local time of
    /// `zone`; `None` if there is none within eight years (e.g. `0 0 31 2 *`).
    pub fn next_after(&self, after: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(&zone).naive_local();
        let first = local.date();
        for offset in 0..MAX_DAYS_AHEAD {
            let date = first + Duration::days(offset);
            if !self.runs_on(date) {
                continue;
            }
            for hour in bits(self.hours) {
                for minute in bits(self.minutes) {
                    let time = NaiveTime::from_hms_opt(hour, minute, 0)?;
                    // A time skipped by a daylight-saving jump does not run that day.
                    let Some(at) = zone.from_local_datetime(&date.and_time(time)).earliest() else {
                        continue;
                    };
                    let at = at.with_timezone(&Utc);
                    if at > after {
                        return Some(at);
                    }
                }
            }
        }
        None
    }

    fn runs_on(&self, date: chrono::NaiveDate) -> bool {
        if self.months & (1 << date.month()) == 0 {
            return false;
        }
        let by_day = self.days_of_month & (1 << date.day()) != 0;
        let by_weekday = self.weekdays & (1 << date.weekday().num_days_from_sunday()) != 0;
        match (self.any_day_of_month, self.any_weekday) {
            (true, true) => true,
            (false, true) => by_day,
            (true, false) => by_weekday,
            (false, false) => by_day || by_weekday,
        }
    }
}

fn bits(set: u64) -> impl Iterator<Item = u32> {
    (0..64).filter(move |b| set & (1 << b) != 0)
}

impl FromStr for Schedule {
    type Err = Error;

    fn from_str(text: &str) -> Result<Schedule> {
        let expanded = match text.trim() {
            "@hourly" => "0 * * * *",
            "@daily" | "@midnight" => "0 0 * * *",
            "@weekly" => "0 0 * * MON",
            "@monthly" => "0 0 1 * *",
            "@yearly" | "@annually" => "0 0 1 1 *",
            other => other,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let [minute, hour, day, month, weekday] = fields[..] else {
            return Err(error(
                text,
                "expected five fields: minute hour day-of-month month day-of-week, e.g. \"0 9 * * MON-FRI\"",
            ));
        };
        let (minutes, _) = MINUTE.parse(minute, text)?;
        let (hours, _) = HOUR.parse(hour, text)?;
        let (days_of_month, any_day_of_month) = DAY_OF_MONTH.parse(day, text)?;
        let (months, _) = MONTH.parse(month, text)?;
        let (mut weekdays, any_weekday) = WEEKDAY.parse(weekday, text)?;
        // Sunday is both 0 and 7.
        if weekdays & (1 << 7) != 0 {
            weekdays = (weekdays & !(1 << 7)) | 1;
        }
        Ok(Schedule {
            text: text.trim().to_owned(),
            minutes,
            hours,
            days_of_month,
            months,
            weekdays,
            any_day_of_month,
            any_weekday,
        })
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Schedule {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for Schedule {
    fn deserialize<D: Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Schedule, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Timelike;
    use chrono_tz::Asia::Shanghai;
    use proptest::prelude::*;

    use super::*;

    fn beijing(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Shanghai
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn next(schedule: &str, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        schedule
            .parse::<Schedule>()
            .unwrap()
            .next_after(after, Shanghai)
    }

    #[test]
    fn common_schedules() {
        let friday_evening = beijing(2026, 3, 6, 18, 30);
        assert_eq!(
            next("0 9 * * MON-FRI", friday_evening),
            Some(beijing(2026, 3, 9, 9, 0))
        );
        assert_eq!(
            next("@weekly", friday_evening),
            Some(beijing(2026, 3, 9, 0, 0))
        );
        assert_eq!(
            next("*/15 * * * *", friday_evening),
            Some(beijing(2026, 3, 6, 18, 45))
        );
        assert_eq!(
            next("0 0 1 * *", friday_evening),
            Some(beijing(2026, 4, 1, 0, 0))
        );
        assert_eq!(
            next("0 0 29 2 *", friday_evening),
            Some(beijing(2028, 2, 29, 0, 0))
        );
        assert_eq!(next("0 0 31 2 *", friday_evening), None);
        // Strictly after: an instant on the schedule moves to the next one.
        assert_eq!(
            next("30 18 * * *", friday_evening),
            Some(beijing(2026, 3, 7, 18, 30))
        );
        // Day of month or day of week, when both are given.
        assert_eq!(
            next("0 8 15 * SUN", friday_evening),
            Some(beijing(2026, 3, 8, 8, 0))
        );
        assert_eq!(
            next("0 8 7 * 7", friday_evening),
            Some(beijing(2026, 3, 7, 8, 0))
        );
    }

    #[test]
    fn bad_expressions_say_what_is_wrong() {
        for (text, reason) in [
            ("0 9 * *", "five fields"),
            ("60 * * * *", "minute must be 0–59"),
            ("0 9 * * FUNDAY", "day of week"),
            ("0 9-5 * * *", "backwards"),
            ("*/0 * * * *", "bad step"),
        ] {
            let error = text.parse::<Schedule>().unwrap_err().to_string();
            assert!(error.contains(reason), "{text}: {error}");
        }
    }

    fn field(max: u32, min: u32) -> impl Strategy<Value = String> {
        prop_oneof![
            Just("*".to_owned()),
            (min..=max).prop_map(|v| v.to_string()),
            (min..=max, min..=max).prop_map(|(a, b)| format!("{}-{}", a.min(b), a.max(b))),
            (1..=max.max(2)).prop_map(|s| format!("*/{s}")),
            (min..=max, min..=max).prop_map(|(a, b)| format!("{a},{b}")),
        ]
    }

    /// The simplest possible reading of a cron line: does this local minute match?
    fn oracle_matches(fields: &[String; 5], at: chrono::NaiveDateTime) -> bool {
        fn selects(spec: &str, v: u32, min: u32, max: u32) -> bool {
            spec.split(',').any(|part| {
                let (range, step) = part
                    .split_once('/')
                    .map_or((part, 1), |(r, s)| (r, s.parse().unwrap()));
                let (low, high) = match range {
                    "*" => (min, max),
                    r => match r.split_once('-') {
                        Some((a, b)) => (a.parse().unwrap(), b.parse().unwrap()),
                        None if step > 1 => (r.parse().unwrap(), max),
                        None => (r.parse().unwrap(), r.parse().unwrap()),
                    },
                };
                v >= low && v <= high && (v - low).is_multiple_of(step)
            })
        }
        let weekday = at.weekday().num_days_from_sunday();
        let by_day = selects(&fields[2], at.day(), 1, 31);
        let by_weekday =
            selects(&fields[4], weekday, 0, 7) || (weekday == 0 && selects(&fields[4], 7, 0, 7));
        let day = match (fields[2] == "*", fields[4] == "*") {
            (true, true) => true,
            (false, true) => by_day,
            (true, false) => by_weekday,
            (false, false) => by_day || by_weekday,
        };
        selects(&fields[0], at.minute(), 0, 59)
            && selects(&fields[1], at.hour(), 0, 23)
            && selects(&fields[3], at.month(), 1, 12)
            && day
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn next_after_is_the_first_matching_minute(
            minute in field(59, 0),
            hour in field(23, 0),
            day in field(31, 1),
            weekday in field(7, 0),
            start in 0i64..(4 * 365 * 24 * 60),
            seconds in 0u32..60,
        ) {
            let fields = [minute, hour, day, "*".to_owned(), weekday];
            let schedule: Schedule = fields.join(" ").parse().unwrap();
            let after = beijing(2025, 1, 1, 0, 0)
                + Duration::minutes(start)
                + Duration::seconds(i64::from(seconds));
            let found = schedule.next_after(after, Shanghai);
            // Step minute by minute through the next 62 days.
            let mut probe = after.with_second(0).unwrap() + Duration::minutes(1);
            let expected = loop {
                if probe > after + Duration::days(62) {
                    break None;
                }
                if oracle_matches(&fields, probe.with_timezone(&Shanghai).naive_local()) {
                    break Some(probe);
                }
                probe += Duration::minutes(1);
            };
            match expected {
                Some(expected) => prop_assert_eq!(found, Some(expected)),
                None => prop_assert!(found.is_none_or(|f| f > after + Duration::days(62))),
            }
        }
    }
}
