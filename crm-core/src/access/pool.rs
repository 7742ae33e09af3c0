//! Public pools (公海): customers without an owner that members may claim (领取) within
//! limits, admins may distribute, and owners return with a reason.
//!
//! The rules are pure: [`Pool::check_claim`] and [`Pool::check_distribute`] decide from
//! [`ClaimStats`] a store counts inside the claiming transaction (claims today, records
//! owned, when the claimant last gave the record up), so concurrent claims serialise on the
//! store's write lock and the limits hold.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Duration, FixedOffset, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Registration;
use crate::error::{Error, Result};
use crate::id::{DepartmentId, PoolClaimId, PoolEntryId, PoolId, UserId};
use crate::model::check_text;
use crate::record::{Column, ColumnType, Entity, ObjectKind, Reference};

/// Limits on claiming from one pool. `None` means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimRules {
    /// Claims per user per (local) day.
    pub daily_claims: Option<u32>,
    /// How long a previous owner must wait before claiming back a record they gave up.
    pub reclaim_cooldown_hours: Option<u32>,
    /// Records of the pool's kind a user may own at most, claims included.
    pub max_owned: Option<u32>,
    /// The offset from UTC of the local time in which days start (China: +480).
    #[serde(default = "china_offset")]
    pub utc_offset_minutes: i32,
}

fn china_offset() -> i32 {
    8 * 60
}

impl Default for ClaimRules {
    fn default() -> Self {
        ClaimRules {
            daily_claims: None,
            reclaim_cooldown_hours: None,
            max_owned: None,
            utc_offset_minutes: china_offset(),
        }
    }
}

impl ClaimRules {
    /// The start of the local day `now` falls in: claims since then count against the
    /// daily limit.
    pub fn day_start(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let offset = FixedOffset::east_opt(self.utc_offset_minutes * 60)
            .unwrap_or_else(|| FixedOffset::east_opt(0).expect("zero offset"));
        let local = now.with_timezone(&offset);
        let midnight = local
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists");
        (midnight - Duration::minutes(i64::from(self.utc_offset_minutes))).and_utc()
    }
}

/// A public pool of records of one kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pool {
    /// The pool's name, e.g. 「华东公海」.
    pub name: String,
    /// The kind of records it holds (accounts or leads).
    pub object: ObjectKind,
    /// Users who may claim.
    #[serde(default)]
    pub users: BTreeSet<UserId>,
    /// Departments whose users (and those of departments below) may claim.
    #[serde(default)]
    pub departments: BTreeSet<DepartmentId>,
    /// Users who may distribute records and see the whole pool; they may claim too.
    #[serde(default)]
    pub admins: BTreeSet<UserId>,
    /// The limits.
    #[serde(default)]
    pub rules: ClaimRules,
}

/// What a store counts for one claim, inside the claiming transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ClaimStats {
    /// Claims by the claimant from this pool since [`ClaimRules::day_start`].
    pub claims_today: u32,
    /// Records of the pool's kind the claimant (or, for a distribution, the recipient) owns.
    pub owned: u32,
    /// When the claimant last gave this record up to a pool, if ever.
    pub given_up_at: Option<DateTime<Utc>>,
}

/// Why a claim or distribution is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimRefusal {
    /// The claimant is neither a member nor an admin of the pool.
    NotAMember,
    /// Only admins distribute.
    NotAnAdmin,
    /// Another rep registered the record and it is protected until then.
    Registered {
        /// The rep who registered it.
        by: UserId,
        /// The end of the protection.
        until: DateTime<Utc>,
    },
    /// The claimant gave the record up recently and may claim it back from then on.
    CoolingDown {
        /// When the claimant may claim it again.
        until: DateTime<Utc>,
    },
    /// The claimant reached the daily limit of claims from this pool.
    DailyLimit {
        /// The limit.
        limit: u32,
    },
    /// The claimant (or recipient) owns as many records as allowed.
    OwnedCap {
        /// The cap.
        cap: u32,
    },
}

impl fmt::Display for ClaimRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimRefusal::NotAMember => f.write_str("not a member of the pool"),
            ClaimRefusal::NotAnAdmin => f.write_str("only the pool's admins distribute"),
            ClaimRefusal::Registered { by, until } => {
                write!(f, "registered by user {by} until {}", until.to_rfc3339())
            }
            ClaimRefusal::CoolingDown { until } => {
                write!(
                    f,
                    "given up recently; may be claimed back from {}",
                    until.to_rfc3339()
                )
            }
            ClaimRefusal::DailyLimit { limit } => {
                write!(f, "daily limit of {limit} claims reached")
            }
            ClaimRefusal::OwnedCap { cap } => write!(f, "already owns the most allowed ({cap})"),
        }
    }
}

impl ClaimRefusal {
    /// The refusal as an [`Error::PermissionDenied`] for `record` of `object`.
    pub fn into_error(self, action: &str, object: ObjectKind, record: Uuid) -> Error {
        Error::PermissionDenied {
            action: action.into(),
            object: format!("{object} {record}"),
            reason: self.to_string(),
        }
    }
}

impl Pool {
    /// May `claimant` (a member of the pool when `member`) claim a record of the pool at
    /// `now`, given `stats` and the record's `registrations`? Checked in this order: membership,
    /// another rep's registration, the claimant's cool-down, the daily limit, the cap on
    /// owned records.
    pub fn check_claim(
        &self,
        claimant: UserId,
        member: bool,
        stats: &ClaimStats,
        registrations: &[Registration],
        now: DateTime<Utc>,
    ) -> std::result::Result<(), ClaimRefusal> {
        if !member && !self.admins.contains(&claimant) {
            return Err(ClaimRefusal::NotAMember);
        }
        if let Some(r) = registrations
            .iter()
            .find(|r| r.protects_from(claimant, now))
        {
            return Err(ClaimRefusal::Registered {
                by: r.user,
                until: r.protected_until,
            });
        }
        let rules = &self.rules;
        if let (Some(hours), Some(at)) = (rules.reclaim_cooldown_hours, stats.given_up_at) {
            let until = at + Duration::hours(i64::from(hours));
            if now < until {
                return Err(ClaimRefusal::CoolingDown { until });
            }
        }
        if let Some(limit) = rules.daily_claims.filter(|l| stats.claims_today >= *l) {
            return Err(ClaimRefusal::DailyLimit { limit });
        }
        self.check_owned(stats)
    }

    /// May `admin` hand a record of the pool to a recipient whose counts are `recipient`?
    pub fn check_distribute(
        &self,
        admin: UserId,
        recipient: &ClaimStats,
    ) -> std::result::Result<(), ClaimRefusal> {
        if !self.admins.contains(&admin) {
            return Err(ClaimRefusal::NotAnAdmin);
        }
        self.check_owned(recipient)
    }

    fn check_owned(&self, stats: &ClaimStats) -> std::result::Result<(), ClaimRefusal> {
        match self.rules.max_owned {
            Some(cap) if stats.owned >= cap => Err(ClaimRefusal::OwnedCap { cap }),
            _ => Ok(()),
        }
    }
}

pub(crate) const POOL_COLUMNS: &[Column] = &[
    Column::new("name", ColumnType::Text),
    Column::new("object", ColumnType::Text),
];

impl Entity for Pool {
    type Id = PoolId;
    const KIND: ObjectKind = ObjectKind::Pool;

    fn check(&self) -> Result<()> {
        check_text("name", &self.name, 100)
    }

    fn references(&self) -> Vec<Reference> {
        let users = self.users.iter().chain(&self.admins).copied();
        let mut refs = Reference::all("users", ObjectKind::User, users);
        refs.extend(Reference::all(
            "departments",
            ObjectKind::Department,
            self.departments.iter().copied(),
        ));
        refs
    }
}

/// A record's stay in a pool: created when it enters (returned, recycled or imported),
/// soft-deleted when it leaves (claimed or distributed). Its creation time is when the
/// previous owner gave it up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolEntry {
    /// The pool.
    pub pool: PoolId,
    /// The record's kind.
    pub object: ObjectKind,
    /// The record.
    pub record: Uuid,
    /// Who owned it before, if anyone.
    pub previous_owner: Option<UserId>,
    /// Why it was returned (退回原因), if said.
    pub reason: Option<String>,
}

pub(crate) const POOL_ENTRY_COLUMNS: &[Column] = &[
    Column::new("pool", ColumnType::Uuid).indexed(),
    Column::new("object", ColumnType::Text),
    Column::new("record", ColumnType::Uuid).indexed(),
    Column::new("previous_owner", ColumnType::Uuid).indexed(),
];

impl Entity for PoolEntry {
    type Id = PoolEntryId;
    const KIND: ObjectKind = ObjectKind::PoolEntry;

    fn references(&self) -> Vec<Reference> {
        vec![
            Reference::to("pool", ObjectKind::Pool, self.pool),
            Reference {
                field: "record",
                kind: self.object,
                id: self.record,
            },
        ]
    }
}

/// One record taken from a pool: by its claimant, or handed out by an admin.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolClaim {
    /// The pool.
    pub pool: PoolId,
    /// The record's kind.
    pub object: ObjectKind,
    /// The record.
    pub record: Uuid,
    /// The new owner.
    pub user: UserId,
    /// When (microsecond precision).
    pub at: DateTime<Utc>,
    /// The admin who distributed it; `None` for a claim (only claims count against the
    /// daily limit).
    pub distributed_by: Option<UserId>,
}

pub(crate) const POOL_CLAIM_COLUMNS: &[Column] = &[
    Column::new("pool", ColumnType::Uuid).indexed(),
    Column::new("user", ColumnType::Uuid).indexed(),
    Column::new("at", ColumnType::Timestamp),
    Column::new("distributed_by", ColumnType::Uuid),
];

impl Entity for PoolClaim {
    type Id = PoolClaimId;
    const KIND: ObjectKind = ObjectKind::PoolClaim;

    fn references(&self) -> Vec<Reference> {
        vec![
            Reference::to("pool", ObjectKind::Pool, self.pool),
            Reference::to("user", ObjectKind::User, self.user),
        ]
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::access::RegistrationStatus;

    fn user(n: u128) -> UserId {
        UserId(Uuid::from_u128(n))
    }

    fn now() -> DateTime<Utc> {
        // 2026-03-02 09:30 in Beijing.
        Utc.with_ymd_and_hms(2026, 3, 2, 1, 30, 0).unwrap()
    }

    fn pool() -> Pool {
        Pool {
            name: "华东公海".into(),
            object: ObjectKind::Account,
            users: BTreeSet::new(),
            departments: BTreeSet::new(),
            admins: BTreeSet::from([user(9)]),
            rules: ClaimRules {
                daily_claims: Some(3),
                reclaim_cooldown_hours: Some(48),
                max_owned: Some(100),
                ..ClaimRules::default()
            },
        }
    }

    #[test]
    fn days_start_at_local_midnight() {
        let rules = ClaimRules::default();
        assert_eq!(
            rules.day_start(now()),
            Utc.with_ymd_and_hms(2026, 3, 1, 16, 0, 0).unwrap()
        );
        let late = Utc.with_ymd_and_hms(2026, 3, 2, 15, 59, 59).unwrap();
        assert_eq!(rules.day_start(late), rules.day_start(now()));
        let next = Utc.with_ymd_and_hms(2026, 3, 2, 16, 0, 0).unwrap();
        assert_eq!(rules.day_start(next), next);
    }

    #[test]
    fn each_limit_refuses_at_its_boundary_and_not_before() {
        let pool = pool();
        let ok = ClaimStats {
            claims_today: 2,
            owned: 99,
            given_up_at: Some(now() - Duration::hours(48)),
        };
        assert_eq!(pool.check_claim(user(1), true, &ok, &[], now()), Ok(()));
        assert_eq!(
            pool.check_claim(user(1), false, &ok, &[], now()),
            Err(ClaimRefusal::NotAMember)
        );
        assert_eq!(
            pool.check_claim(user(9), false, &ok, &[], now()),
            Ok(()),
            "admins claim"
        );
        let cooling = ClaimStats {
            given_up_at: Some(now() - Duration::hours(47)),
            ..ok
        };
        assert_eq!(
            pool.check_claim(user(1), true, &cooling, &[], now()),
            Err(ClaimRefusal::CoolingDown {
                until: now() + Duration::hours(1)
            })
        );
        let busy = ClaimStats {
            claims_today: 3,
            ..ok
        };
        assert_eq!(
            pool.check_claim(user(1), true, &busy, &[], now()),
            Err(ClaimRefusal::DailyLimit { limit: 3 })
        );
        let full = ClaimStats { owned: 100, ..ok };
        assert_eq!(
            pool.check_claim(user(1), true, &full, &[], now()),
            Err(ClaimRefusal::OwnedCap { cap: 100 })
        );
        assert_eq!(
            pool.check_distribute(user(9), &full),
            Err(ClaimRefusal::OwnedCap { cap: 100 })
        );
        assert_eq!(
            pool.check_distribute(user(1), &ok),
            Err(ClaimRefusal::NotAnAdmin)
        );
        let err = ClaimRefusal::DailyLimit { limit: 3 }.into_error(
            "claim",
            ObjectKind::Account,
            Uuid::nil(),
        );
        assert!(err.to_string().contains("daily limit of 3"), "{err}");
    }

    #[test]
    fn a_registration_protects_from_other_reps_only_while_active() {
        let pool = pool();
        let record = Uuid::from_u128(5);
        let mut registration = Registration::new(
            ObjectKind::Account,
            record,
            user(2),
            now() - Duration::days(1),
            7,
            true,
        );
        let stats = ClaimStats::default();
        assert_eq!(registration.status, RegistrationStatus::Pending);
        let regs = std::slice::from_ref(&registration);
        assert_eq!(
            pool.check_claim(user(1), true, &stats, regs, now()),
            Ok(()),
            "pending protects nothing"
        );
        registration.approve().unwrap();
        let regs = std::slice::from_ref(&registration);
        let until = now() + Duration::days(6);
        assert_eq!(
            pool.check_claim(user(1), true, &stats, regs, now()),
            Err(ClaimRefusal::Registered { by: user(2), until })
        );
        assert_eq!(
            pool.check_claim(user(2), true, &stats, regs, now()),
            Ok(()),
            "the registrant claims"
        );
        assert_eq!(
            pool.check_claim(user(1), true, &stats, regs, until),
            Ok(()),
            "protection ends"
        );
    }
}
