//! Registration (客户报备): a rep registers a prospect, and for some days no other rep may
//! claim it, once approved when the tenant asks for approval.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::clock::to_stored_precision;
use crate::error::{Error, Result};
use crate::id::{RegistrationId, UserId};
use crate::record::{Column, ColumnType, Entity, ObjectKind, Reference};

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationStatus {
    /// Waiting for approval; protects nothing yet.
    Pending,
    /// In force until its end.
    Active,
    /// Refused.
    Rejected,
}

impl RegistrationStatus {
    /// The snake_case name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationStatus::Pending => "pending",
            RegistrationStatus::Active => "active",
            RegistrationStatus::Rejected => "rejected",
        }
    }
}

/// A rep's claim on a prospect, protecting it from other reps' claims for a while.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    /// The registered record's kind.
    pub object: ObjectKind,
    /// The registered record.
    pub record: Uuid,
    /// The rep.
    pub user: UserId,
    /// The end of the protection (exclusive).
    pub protected_until: DateTime<Utc>,
    /// Where it stands.
    pub status: RegistrationStatus,
}

impl Registration {
    /// `user` registers `record` at `at` for `days` days; pending when the tenant asks for
    /// approval, active otherwise.
    pub fn new(
        object: ObjectKind,
        record: Uuid,
        user: UserId,
        at: DateTime<Utc>,
        days: u32,
        needs_approval: bool,
    ) -> Registration {
        Registration {
            object,
            record,
            user,
            protected_until: to_stored_precision(at + Duration::days(i64::from(days))),
            status: if needs_approval {
                RegistrationStatus::Pending
            } else {
                RegistrationStatus::Active
            },
        }
    }

    fn decide(&mut self, to: RegistrationStatus) -> Result<()> {
        if self.status != RegistrationStatus::Pending {
            return Err(Error::InvalidTransition {
                object: "registration",
                from: self.status.as_str().into(),
                to: to.as_str().into(),
                reason: "only a pending registration is approved or rejected".into(),
            });
        }
        self.status = to;
        Ok(())
    }

    /// Approve a pending registration.
    pub fn approve(&mut self) -> Result<()> {
        self.decide(RegistrationStatus::Active)
    }

    /// Reject a pending registration.
    pub fn reject(&mut self) -> Result<()> {
        self.decide(RegistrationStatus::Rejected)
    }

    /// Whether it keeps `claimant` (another rep) from claiming the record at `now`.
    pub fn protects_from(&self, claimant: UserId, now: DateTime<Utc>) -> bool {
        self.status == RegistrationStatus::Active
            && self.user != claimant
            && now < self.protected_until
    }
}

pub(crate) const REGISTRATION_COLUMNS: &[Column] = &[
    Column::new("object", ColumnType::Text),
    Column::new("record", ColumnType::Uuid).indexed(),
    Column::new("user", ColumnType::Uuid).indexed(),
    Column::new("protected_until", ColumnType::Timestamp),
    Column::new("status", ColumnType::Text),
];

impl Entity for Registration {
    type Id = RegistrationId;
    const KIND: ObjectKind = ObjectKind::Registration;

    fn references(&self) -> Vec<Reference> {
        vec![
            Reference {
                field: "record",
                kind: self.object,
                id: self.record,
            },
            Reference::to("user", ObjectKind::User, self.user),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn only_pending_registrations_are_decided() {
        let at = DateTime::UNIX_EPOCH;
        let mut r = Registration::new(
            ObjectKind::Lead,
            Uuid::nil(),
            UserId(Uuid::nil()),
            at,
            3,
            false,
        );
        assert_eq!(r.status, RegistrationStatus::Active);
        assert_eq!(
            r.approve().unwrap_err().kind(),
            ErrorKind::InvalidTransition
        );
        let mut p = Registration::new(
            ObjectKind::Lead,
            Uuid::nil(),
            UserId(Uuid::nil()),
            at,
            3,
            true,
        );
        p.reject().unwrap();
        assert_eq!(p.status, RegistrationStatus::Rejected);
        assert!(p.approve().is_err());
    }
}
