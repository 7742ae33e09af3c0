//! Business calendars: when work happens, and business-time arithmetic over it.
//!
//! A calendar has working hours per weekday in a time zone (Asia/Shanghai by default),
//! holidays (no work that day) and make-up workdays (调休: a weekend day worked with the
//! hours of a normal workday). [`BusinessCalendar::add`] answers "first response due 4
//! business hours after this ticket opened"; [`BusinessCalendar::between`] "how much
//! business time passed". Both walk day by day over working intervals, so their cost grows
//! with the days spanned, not the minutes.
//!
//! ```
//! use chrono::{Duration, NaiveDate, TimeZone, Utc};
//! use crm_rules::BusinessCalendar;
//!
//! // 09:00–12:00 and 13:00–18:00 Monday to Friday, Beijing time.
//! let calendar = BusinessCalendar::china_office();
//! // Friday 2026-03-06 17:00 Beijing = 09:00 UTC; 2 business hours later is Monday 10:00.
//! let friday = Utc.with_ymd_and_hms(2026, 3, 6, 9, 0, 0).unwrap();
//! let due = calendar.add(friday, Duration::hours(2)).unwrap();
//! assert_eq!(due, Utc.with_ymd_and_hms(2026, 3, 9, 2, 0, 0).unwrap());
//! assert_eq!(calendar.between(friday, due), Duration::hours(2));
//! ```

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use crm_core::{Error, Result};
use serde::{Deserialize, Serialize};

/// How far [`BusinessCalendar::add`] looks for working time before giving up: a calendar
/// with none in ten years has none.
const MAX_DAYS_SCANNED: i64 = 3_660;

/// Working hours of one day: `(start, end)` minutes after local midnight, sorted, disjoint.
pub type DayHours = Vec<(u32, u32)>;

/// When work happens: weekly hours in a time zone, holidays and make-up workdays.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BusinessCalendar {
    /// The time zone the hours are in.
    pub zone: Tz,
    /// Working hours Monday (0) to Sunday (6).
    pub week: [DayHours; 7],
    /// Days without work.
    #[serde(default)]
    pub holidays: BTreeSet<NaiveDate>,
    /// Days worked although their weekday is not (调休), with `makeup_hours`.
    #[serde(default)]
    pub makeup_days: BTreeSet<NaiveDate>,
    /// The hours of a make-up workday.
    pub makeup_hours: DayHours,
}

impl BusinessCalendar {
    /// A calendar with `week` hours in `zone`, no holidays, make-up days worked with
    /// Monday's hours; refused when the hours are not sorted, disjoint intervals within a
    /// day.
    pub fn new(zone: Tz, week: [DayHours; 7]) -> Result<Self> {
        let calendar = BusinessCalendar {
            zone,
            makeup_hours: week[0].clone(),
            week,
            holidays: BTreeSet::new(),
            makeup_days: BTreeSet::new(),
        };
        calendar.check()?;
        Ok(calendar)
    }

    /// 09:00–12:00 and 13:00–18:00, Monday to Friday, Asia/Shanghai.
    pub fn china_office() -> Self {
        let day = vec![(9 * 60, 12 * 60), (13 * 60, 18 * 60)];
        let week = [
            day.clone(),
            day.clone(),
            day.clone(),
            day.clone(),
            day,
            Vec::new(),
            Vec::new(),
        ];
        BusinessCalendar::new(chrono_tz::Asia::Shanghai, week)
            .expect("the built-in hours are well formed")
    }

    /// Check every day's hours: within the day, each interval non-empty, sorted, disjoint.
    pub fn check(&self) -> Result<()> {
        for hours in self.week.iter().chain([&self.makeup_hours]) {
            let mut end_before = 0;
            for &(start, end) in hours {
                if start >= end || end > 24 * 60 || start < end_before {
                    return Err(Error::validation(
                        "calendar.hours",
                        format!("{start}-{end}"),
                        "intervals must be non-empty, within the day, sorted and disjoint",
                    ));
                }
                end_before = end;
            }
        }
        if let Some(day) = self.holidays.intersection(&self.makeup_days).next() {
            return Err(Error::validation(
                "calendar.makeup_days",
                day.to_string(),
                "a day cannot be both a holiday and a make-up workday",
            ));
        }
        Ok(())
    }

    /// The working hours of local `date`.
    pub fn hours_on(&self, date: NaiveDate) -> &[(u32, u32)] {
        if self.holidays.contains(&date) {
            &[]
        } else if self.makeup_days.contains(&date) {
            &self.makeup_hours
        } else {
            &self.week[date.weekday().num_days_from_monday() as usize]
        }
    }

    /// The instant local `date` at `minute` after midnight begins. A time skipped by a
    /// daylight-saving jump maps to the first instant after the gap.
    fn instant(&self, date: NaiveDate, minute: u32) -> DateTime<Utc> {
        let midnight = date.and_time(NaiveTime::MIN);
        let local = midnight + Duration::minutes(i64::from(minute));
        match self.zone.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            LocalResult::None => {
                // Inside a spring-forward gap: the wall clock resumes an hour later.
                let later = local + Duration::hours(1);
                self.zone
                    .from_local_datetime(&later)
                    .earliest()
                    .map_or_else(|| Utc.from_utc_datetime(&local), |t| t.with_timezone(&Utc))
            }
        }
    }

    /// The working intervals of local `date` as instants.
    fn intervals(
        &self,
        date: NaiveDate,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        self.hours_on(date)
            .iter()
            .map(move |&(start, end)| (self.instant(date, start), self.instant(date, end)))
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.zone).date_naive()
    }

    /// The working time of the calendar's longest weekday: the length of a "business day"
    /// (8 hours for [`BusinessCalendar::china_office`]).
    pub fn day_length(&self) -> Duration {
        self.week
            .iter()
            .map(|hours| {
                Duration::minutes(hours.iter().map(|&(s, e)| i64::from(e - s)).sum::<i64>())
            })
            .max()
            .unwrap_or_else(Duration::zero)
    }

    /// Whether `at` falls in working time.
    pub fn is_working(&self, at: DateTime<Utc>) -> bool {
        self.intervals(self.local_date(at))
            .any(|(start, end)| start <= at && at < end)
    }

    /// The instant `duration` of working time after `start` (a non-positive duration gives
    /// `start`); `None` if the calendar has no working time in the next ten years.
    pub fn add(&self, start: DateTime<Utc>, duration: Duration) -> Option<DateTime<Utc>> {
        let mut left = duration;
        if left <= Duration::zero() {
            return Some(start);
        }
        let first = self.local_date(start);
        for day in 0..MAX_DAYS_SCANNED {
            let date = first + Duration::days(day);
            for (from, to) in self.intervals(date) {
                let from = from.max(start);
                if from >= to {
                    continue;
                }
                let available = to - from;
                if left <= available {
                    return Some(from + left);
                }
                left -= available;
            }
        }
        None
    }

    /// The working time between `from` and `to` (zero when `to` is not after `from`).
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        let mut total = Duration::zero();
        if to <= from {
            return total;
        }
        let mut date = self.local_date(from);
        let last = self.local_date(to);
        while date <= last {
            for (start, end) in self.intervals(date) {
                let (start, end) = (start.max(from), end.min(to));
                if start < end {
                    total += end - start;
                }
            }
            date += Duration::days(1);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use chrono::Timelike;
    use proptest::prelude::*;

    use super::*;

    fn beijing(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn date(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    /// 2026 National Day: Oct 1–7 off, Sunday Sep 27 and Saturday Oct 10 worked.
    fn national_day() -> BusinessCalendar {
        let mut calendar = BusinessCalendar::china_office();
        calendar.holidays = (1..=7).map(|d| date(10, d)).collect();
        calendar.makeup_days = [date(9, 27), date(10, 10)].into();
        calendar
    }

    #[test]
    fn holidays_are_skipped_and_makeup_days_worked() {
        let calendar = national_day();
        // Wednesday Sep 30, 17:00: one hour left that day, then nothing until Thursday Oct 8.
        let due = calendar
            .add(beijing(2026, 9, 30, 17, 0), Duration::hours(3))
            .unwrap();
        assert_eq!(due, beijing(2026, 10, 8, 11, 0));
        // Sunday Sep 27 is worked; Saturday Oct 10 too.
        assert!(calendar.is_working(beijing(2026, 9, 27, 10, 0)));
        assert!(calendar.is_working(beijing(2026, 10, 10, 15, 0)));
        assert!(!calendar.is_working(beijing(2026, 10, 11, 10, 0)));
        assert!(!calendar.is_working(beijing(2026, 10, 2, 10, 0)));
        // Lunch is not working time.
        assert!(!calendar.is_working(beijing(2026, 9, 30, 12, 30)));
    }

    #[test]
    fn a_calendar_without_hours_never_reaches_a_due_time() {
        let never = BusinessCalendar::new(chrono_tz::UTC, Default::default()).unwrap();
        assert_eq!(
            never.add(beijing(2026, 3, 2, 9, 0), Duration::minutes(1)),
            None
        );
        assert_eq!(
            never.between(beijing(2026, 3, 2, 9, 0), beijing(2026, 3, 9, 9, 0)),
            Duration::zero()
        );
    }

    #[test]
    fn malformed_hours_and_conflicting_days_are_refused() {
        let mut week: [DayHours; 7] = Default::default();
        week[0] = vec![(600, 540)];
        assert!(BusinessCalendar::new(chrono_tz::UTC, week.clone()).is_err());
        week[0] = vec![(540, 720), (700, 800)];
        assert!(BusinessCalendar::new(chrono_tz::UTC, week).is_err());
        let mut calendar = national_day();
        calendar.makeup_days.insert(date(10, 1));
        assert!(calendar.check().is_err());
    }

    /// The oracle: step minute by minute, asking only "is this minute worked?" in local time.
    fn worked_minute(calendar: &BusinessCalendar, at: DateTime<Utc>) -> bool {
        let local = at.with_timezone(&calendar.zone);
        let minute = local.time().hour() * 60 + local.time().minute();
        calendar
            .hours_on(local.date_naive())
            .iter()
            .any(|&(start, end)| start <= minute && minute < end)
    }

    fn calendars() -> impl Strategy<Value = BusinessCalendar> {
        let zones = prop_oneof![
            Just(chrono_tz::Asia::Shanghai),
            Just(chrono_tz::Europe::Berlin),
            Just(chrono_tz::America::New_York),
            Just(chrono_tz::UTC),
        ];
        // Per weekday: none, or one or two intervals on a 30-minute grid, from 04:00 on: the
        // wall-clock hours daylight saving repeats or skips (01:00–03:00) hold no boundary,
        // where "the minutes 02:00–02:30" and "the time from 02:00 to 02:30" differ.
        let day = prop_oneof![
            Just(Vec::new()),
            (8u32..40, 1u32..8).prop_map(|(s, l)| vec![(s * 30, (s + l) * 30)]),
            (8u32..28, 1u32..6, 1u32..6, 1u32..6).prop_map(|(s, a, gap, b)| {
                let first = (s * 30, (s + a) * 30);
                let second = (first.1 + gap * 30, first.1 + (gap + b) * 30);
                vec![first, second]
            }),
        ];
        let days = proptest::collection::vec(day, 7);
        let holidays = proptest::collection::btree_set(0u32..60, 0..6);
        let makeup = proptest::collection::btree_set(60u32..120, 0..4);
        (zones, days, holidays, makeup).prop_map(|(zone, days, holidays, makeup)| {
            let week: [DayHours; 7] = days.try_into().expect("seven days");
            let mut calendar = BusinessCalendar::new(zone, week).expect("well formed");
            let base = date(3, 1);
            calendar.holidays = holidays
                .into_iter()
                .map(|d| base + Duration::days(i64::from(d)))
                .collect();
            calendar.makeup_days = makeup
                .into_iter()
                .map(|d| base + Duration::days(i64::from(d)))
                .collect();
            calendar
        })
    }

    /// Minute-aligned instants in March–June 2026, across the European and American
    /// daylight-saving changes.
    fn instants() -> impl Strategy<Value = DateTime<Utc>> {
        let start = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
        (0i64..120 * 24 * 60).prop_map(move |m| start + Duration::minutes(m))
    }

    /// Cases per property: 50,000 each by default (10^5 in all), more with
    /// `CRM_CALENDAR_CASES`.
    fn cases() -> u32 {
        std::env::var("CRM_CALENDAR_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(50_000)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(cases()))]

        #[test]
        fn between_equals_counting_worked_minutes(
            calendar in calendars(),
            from in instants(),
            span in 0i64..(2 * 24 * 60),
        ) {
            let to = from + Duration::minutes(span);
            let counted = (0..span)
                .filter(|m| worked_minute(&calendar, from + Duration::minutes(*m)))
                .count() as i64;
            prop_assert_eq!(calendar.between(from, to), Duration::minutes(counted));
        }

        #[test]
        fn add_lands_where_stepping_worked_minutes_does(
            calendar in calendars(),
            from in instants(),
            minutes in 1i64..(8 * 60),
        ) {
            let mut at = from;
            let mut left = minutes;
            let mut steps = 0;
            // Step until `minutes` worked minutes have passed, or give up after 14 days.
            while left > 0 && steps < 14 * 24 * 60 {
                if worked_minute(&calendar, at) {
                    left -= 1;
                }
                at += Duration::minutes(1);
                steps += 1;
            }
            let added = calendar.add(from, Duration::minutes(minutes));
            if left == 0 {
                // `add` returns the end of the last worked minute.
                prop_assert_eq!(added, Some(at));
            } else {
                prop_assert!(added.is_none_or(|due| due > from + Duration::days(14)));
            }
        }
    }
}
