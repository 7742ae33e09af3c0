//! The weekly report (周报): per rep, and rolled up per team and up the department tree,
//! what happened in one week — new customers, follow-ups done, stage moves, deals won.
//! Each figure is one grouped aggregate run by the store ([`Week`] builds them); this
//! module only rolls the groups up.
//!
//! ```
//! use chrono::{FixedOffset, NaiveDate};
//! use crm_core::model::Week;
//! let china = FixedOffset::east_opt(8 * 3600).unwrap();
//! let week = Week::starting(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), china).unwrap();
//! // Monday 00:00 in Beijing is Sunday 16:00 UTC.
//! assert_eq!(week.start().to_rfc3339(), "2026-03-01T16:00:00+00:00");
//! ```

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, TimeZone, Utc, Weekday};
use serde::Serialize;

use super::OrgChart;
use crate::aggregate::{Aggregate, Group, Measure};
use crate::error::{Error, Result};
use crate::id::{DepartmentId, TeamId, UserId};
use crate::query::{Predicate, Query};
use crate::record::Value;

/// A week from Monday 00:00 to the next Monday 00:00 in a time zone, as UTC instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Week {
    monday: NaiveDate,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Week {
    /// The week beginning on `monday` at midnight at `offset`. Any other day is refused.
    pub fn starting(monday: NaiveDate, offset: FixedOffset) -> Result<Week> {
        if monday.weekday() != Weekday::Mon {
            return Err(Error::validation(
                "week_start",
                monday.to_string(),
                format!("a week starts on a Monday; this is a {}", monday.weekday()),
            ));
        }
        let local = monday.and_hms_opt(0, 0, 0).expect("midnight exists");
        // A fixed offset has no gaps or folds: the local midnight is one instant.
        let start = offset
            .from_local_datetime(&local)
            .single()
            .expect("fixed offsets map local times one to one")
            .with_timezone(&Utc);
        Ok(Week {
            monday,
            start,
            end: start + Duration::days(7),
        })
    }

    /// Its Monday.
    pub fn monday(&self) -> NaiveDate {
        self.monday
    }

    /// The first instant of the week.
    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    /// The first instant after the week.
    pub fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// `field` within the week: `start <= field < end`.
    fn within(&self, field: &str) -> Predicate {
        Predicate::ge(field, self.start).and(Predicate::lt(field, self.end))
    }

    /// Accounts created in the week, counted per owner.
    pub fn new_customers(&self) -> Aggregate {
        Aggregate::new(Query::filter(self.within("created_at"))).group_by("owner")
    }

    /// Activities done in the week, counted per owner.
    pub fn follow_ups(&self) -> Aggregate {
        Aggregate::new(Query::filter(self.within("done_at"))).group_by("owner")
    }

    /// Stage changes made in the week, counted per owner (the deal's owner at the move).
    pub fn stage_moves(&self) -> Aggregate {
        Aggregate::new(Query::filter(self.within("at"))).group_by("owner")
    }

    /// Deals won in the week (by `closed_at`), counted and their amounts summed per owner.
    pub fn deals_won(&self) -> Aggregate {
        let won = Predicate::eq("status", "won").and(self.within("closed_at"));
        Aggregate::new(Query::filter(won))
            .group_by("owner")
            .measure(Measure::Sum("amount".into()))
    }
}

/// One rep's, team's or department's week.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct WeekFigures {
    /// Accounts created.
    pub new_customers: u64,
    /// Activities done.
    pub follow_ups: u64,
    /// Deals moved from one stage to another.
    pub stage_moves: u64,
    /// Deals won.
    pub deals_won: u64,
    /// The amount of the deals won.
    pub won_amount: f64,
}

impl WeekFigures {
    fn add(&mut self, other: &WeekFigures) {
        self.new_customers += other.new_customers;
        self.follow_ups += other.follow_ups;
        self.stage_moves += other.stage_moves;
        self.deals_won += other.deals_won;
        self.won_amount += other.won_amount;
    }
}

/// The groups of [`Week`]'s four aggregates, as the store returned them.
#[derive(Debug, Clone, Default)]
pub struct WeekGroups {
    /// From [`Week::new_customers`].
    pub new_customers: Vec<Group>,
    /// From [`Week::follow_ups`].
    pub follow_ups: Vec<Group>,
    /// From [`Week::stage_moves`].
    pub stage_moves: Vec<Group>,
    /// From [`Week::deals_won`].
    pub deals_won: Vec<Group>,
}

/// One week's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeeklyReport {
    /// The week's Monday.
    pub week_start: NaiveDate,
    /// Per rep (records without an owner are left out of the roll-up but in `total`).
    pub by_rep: BTreeMap<UserId, WeekFigures>,
    /// Per team: its members' figures (a user in two teams counts in both); teams with
    /// nothing to report are left out.
    pub by_team: BTreeMap<TeamId, WeekFigures>,
    /// Per department: its own users' figures plus every department below it.
    pub by_department: BTreeMap<DepartmentId, WeekFigures>,
    /// Everything.
    pub total: WeekFigures,
}

impl WeeklyReport {
    /// Roll the groups of `week`'s aggregates up per rep, team and department.
    pub fn roll_up(week: &Week, groups: &WeekGroups, org: &OrgChart) -> WeeklyReport {
        let mut report = WeeklyReport {
            week_start: week.monday,
            by_rep: BTreeMap::new(),
            by_team: BTreeMap::new(),
            by_department: BTreeMap::new(),
            total: WeekFigures::default(),
        };
        report.add_per_rep(&groups.new_customers, |g| WeekFigures {
            new_customers: g.count,
            ..WeekFigures::default()
        });
        report.add_per_rep(&groups.follow_ups, |g| WeekFigures {
            follow_ups: g.count,
            ..WeekFigures::default()
        });
        report.add_per_rep(&groups.stage_moves, |g| WeekFigures {
            stage_moves: g.count,
            ..WeekFigures::default()
        });
        report.add_per_rep(&groups.deals_won, |g| WeekFigures {
            deals_won: g.count,
            won_amount: g.values.first().copied().unwrap_or(0.0),
            ..WeekFigures::default()
        });
        for (team, members) in &org.teams {
            let mut figures = WeekFigures::default();
            for member in members {
                if let Some(own) = report.by_rep.get(member) {
                    figures.add(own);
                }
            }
            if figures != WeekFigures::default() {
                report.by_team.insert(*team, figures);
            }
        }
        for (rep, figures) in &report.by_rep {
            let Some(&department) = org.department_of.get(rep) else {
                continue;
            };
            for d in std::iter::once(department).chain(org.departments.ancestors(department)) {
                report.by_department.entry(d).or_default().add(figures);
            }
        }
        report
    }

    /// Add each group's figures to the total and to its owner's, if any.
    fn add_per_rep(&mut self, groups: &[Group], figures_of: impl Fn(&Group) -> WeekFigures) {
        for group in groups {
            let figures = figures_of(group);
            self.total.add(&figures);
            if let [Value::Uuid(owner)] = &group.keys[..] {
                self.by_rep.entry(UserId(*owner)).or_default().add(&figures);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use uuid::Uuid;

    use super::*;
    use crate::model::DepartmentTree;

    fn china() -> FixedOffset {
        FixedOffset::east_opt(8 * 3600).unwrap()
    }

    fn group(owner: Option<UserId>, count: u64, values: Vec<f64>) -> Group {
        Group {
            keys: vec![owner.map_or(Value::Null, |o| Value::Uuid(o.0))],
            count,
            values,
        }
    }

    #[test]
    fn a_week_starts_on_monday_midnight_local_time() {
        let week = Week::starting(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), china()).unwrap();
        assert_eq!(
            week.start(),
            Utc.with_ymd_and_hms(2026, 3, 1, 16, 0, 0).unwrap()
        );
        assert_eq!(
            week.end(),
            Utc.with_ymd_and_hms(2026, 3, 8, 16, 0, 0).unwrap()
        );
        let tuesday = NaiveDate::from_ymd_opt(2026, 3, 3).unwrap();
        let refused = Week::starting(tuesday, china()).unwrap_err();
        assert!(refused.to_string().contains("2026-03-03"), "{refused}");
    }

    #[test]
    fn groups_roll_up_from_reps_to_teams_and_departments() {
        let week = Week::starting(NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(), china()).unwrap();
        let (zhang, li) = (UserId(Uuid::from_u128(1)), UserId(Uuid::from_u128(2)));
        let (east, shanghai) = (
            DepartmentId(Uuid::from_u128(10)),
            DepartmentId(Uuid::from_u128(11)),
        );
        let team = TeamId(Uuid::from_u128(20));
        let idle = TeamId(Uuid::from_u128(21));
        let org = OrgChart {
            department_of: HashMap::from([(zhang, shanghai), (li, east)]),
            teams: vec![(team, vec![zhang]), (idle, vec![])],
            departments: DepartmentTree::new([(east, None), (shanghai, Some(east))]).unwrap(),
        };
        let groups = WeekGroups {
            new_customers: vec![group(Some(zhang), 2, vec![]), group(None, 1, vec![])],
            follow_ups: vec![group(Some(zhang), 5, vec![]), group(Some(li), 3, vec![])],
            stage_moves: vec![group(Some(li), 4, vec![])],
            deals_won: vec![group(Some(zhang), 1, vec![300.0])],
        };
        let report = WeeklyReport::roll_up(&week, &groups, &org);
        let zhang_week = WeekFigures {
            new_customers: 2,
            follow_ups: 5,
            stage_moves: 0,
            deals_won: 1,
            won_amount: 300.0,
        };
        let li_week = WeekFigures {
            follow_ups: 3,
            stage_moves: 4,
            ..WeekFigures::default()
        };
        assert_eq!(report.by_rep[&zhang], zhang_week);
        assert_eq!(report.by_rep[&li], li_week);
        assert_eq!(report.by_team, BTreeMap::from([(team, zhang_week)]));
        assert_eq!(report.by_department[&shanghai], zhang_week);
        let both = WeekFigures {
            new_customers: 2,
            follow_ups: 8,
            stage_moves: 4,
            deals_won: 1,
            won_amount: 300.0,
        };
        assert_eq!(report.by_department[&east], both);
        // The ownerless new customer counts in the total only.
        assert_eq!(
            report.total,
            WeekFigures {
                new_customers: 3,
                ..both
            }
        );
    }
}
