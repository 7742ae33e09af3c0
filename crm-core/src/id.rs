//! Record identifiers: newtypes over UUIDv7, produced by an injected [`IdGen`].
//!
//! UUIDv7 sorts by creation time, so primary-key indexes stay append-mostly and "order by id"
//! means "order by creation". Tests inject [`SequentialIdGen`] so every id is predictable.

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};

use uuid::Uuid;

use crate::error::InvalidValue;

/// Implemented by every id newtype: a typed view of a [`Uuid`].
pub trait RecordId:
    Copy
    + Eq
    + Ord
    + std::hash::Hash
    + fmt::Debug
    + fmt::Display
    + serde::Serialize
    + serde::de::DeserializeOwned
    + Send
    + Sync
    + 'static
{
    /// Wrap a raw UUID.
    fn from_uuid(uuid: Uuid) -> Self;
    /// The raw UUID.
    fn uuid(self) -> Uuid;
}

macro_rules! define_ids {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl RecordId for $name {
            fn from_uuid(uuid: Uuid) -> Self { $name(uuid) }
            fn uuid(self) -> Uuid { self.0 }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { fmt::Display::fmt(&self.0, f) }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = InvalidValue;
            fn from_str(s: &str) -> Result<Self, InvalidValue> {
                Uuid::parse_str(s.trim())
                    .map($name)
                    .map_err(|e| InvalidValue::new("id", s, e.to_string()))
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid { id.0 }
        }
    )*};
}

define_ids! {
    /// A tenant: an isolated book of business. Every record belongs to exactly one.
    TenantId;
    /// A customer company.
    AccountId;
    /// A person at a customer.
    ContactId;
    /// An unqualified prospect.
    LeadId;
    /// A deal in a pipeline.
    OpportunityId;
    /// A call, visit, email, meeting, task or note.
    ActivityId;
    /// A user of the CRM (a salesperson, a manager, an administrator).
    UserId;
    /// A sales team.
    TeamId;
    /// A department in the organisation tree.
    DepartmentId;
    /// A tag that can be put on records.
    TagId;
    /// A tenant's custom-field schema for one object kind.
    FieldSchemaId;
    /// A merge of duplicates, kept so it can be undone.
    MergeId;
    /// A sales pipeline.
    PipelineId;
    /// One move of a deal between pipeline stages.
    StageChangeId;
    /// An access role.
    RoleId;
    /// A role given to a user.
    RoleAssignmentId;
    /// A record shared with a user, team or department.
    ShareId;
    /// One user's membership of one team, as stored for queries.
    TeamMemberId;
    /// One ancestor–descendant pair of a hierarchy's closure table.
    ClosureRowId;
    /// A public pool (公海).
    PoolId;
    /// A record's stay in a public pool.
    PoolEntryId;
    /// One claim of a record from a public pool.
    PoolClaimId;
    /// A rep's registration (报备) of a prospect.
    RegistrationId;
    /// A timer of a time-triggered or scheduled rule.
    TimerId;
    /// A notification waiting for the host to deliver it.
    NotificationId;
    /// State a rule book keeps between runs.
    RuleStateId;
    /// A service ticket (工单).
    TicketId;
    /// One entry of a ticket's history.
    TicketEventId;
    /// A group of records that may be duplicates, waiting for review.
    DuplicateGroupId;
    /// Two records a person declared distinct.
    DistinctPairId;
}

/// Produces fresh, unique ids. Injected so tests are deterministic.
pub trait IdGen: Send + Sync {
    /// A fresh UUID, unique for the lifetime of the store.
    fn next_uuid(&self) -> Uuid;
}

impl dyn IdGen + '_ {
    /// A fresh id of type `I`.
    pub fn next<I: RecordId>(&self) -> I {
        I::from_uuid(self.next_uuid())
    }
}

/// The default generator: random UUIDv7 from the system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct UuidV7Gen;

impl IdGen for UuidV7Gen {
    fn next_uuid(&self) -> Uuid {
        Uuid::now_v7()
    }
}

/// A deterministic generator for tests and reproducible demos: valid UUIDv7 values whose
/// timestamp and payload come from a seed and a counter, so they are unique and increasing.
#[derive(Debug)]
pub struct SequentialIdGen {
    seed: u64,
    counter: AtomicU64,
}

impl SequentialIdGen {
    /// 2024-01-01T00:00:00Z in milliseconds: the timestamp of the first id.
    const BASE_MILLIS: u64 = 1_704_067_200_000;

    /// A generator whose ids depend only on `seed` and how many were drawn.
    pub fn new(seed: u64) -> Self {
        SequentialIdGen {
            seed,
            counter: AtomicU64::new(0),
        }
    }
}

impl IdGen for SequentialIdGen {
    fn next_uuid(&self) -> Uuid {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        let mut payload = [0u8; 10];
        payload[..8].copy_from_slice(&n.to_be_bytes());
        payload[8..].copy_from_slice(&(self.seed as u16).to_be_bytes());
        uuid::Builder::from_unix_timestamp_millis(Self::BASE_MILLIS + n, &payload).into_uuid()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_ids_are_deterministic_increasing_v7() {
        let a = SequentialIdGen::new(7);
        let b = SequentialIdGen::new(7);
        let ids: Vec<Uuid> = (0..100).map(|_| a.next_uuid()).collect();
        let again: Vec<Uuid> = (0..100).map(|_| b.next_uuid()).collect();
        assert_eq!(ids, again);
        assert!(ids.windows(2).all(|w| w[0] < w[1]));
        assert!(ids.iter().all(|id| id.get_version_num() == 7));
    }

    #[test]
    fn id_parses_its_display() {
        let ids: &dyn IdGen = &SequentialIdGen::new(1);
        let id: AccountId = ids.next();
        assert_eq!(id.to_string().parse::<AccountId>().unwrap(), id);
        let err = "not-a-uuid".parse::<AccountId>().unwrap_err();
        assert_eq!(err.value, "not-a-uuid");
    }
}
