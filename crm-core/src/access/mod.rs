//! Access control: who may do what to which record, and see which of its fields.
//!
//! - **Roles** ([`Role`]) grant [`Action`]s per object kind, each within a data [`Scope`]
//!   (own, own and subordinates, team, department, department and below, all, or a custom
//!   predicate on fields); a user's access is the union of their roles'
//!   ([`RoleAssignment`]). A user without a role may do nothing; the system may do
//!   anything.
//! - **Sharing** ([`Share`]): a record given to a user, team or department to read or edit,
//!   until an optional expiry; collaborators are shares marked as such.
//! - **Field security** ([`FieldRule`]): per role, kind, field and [`Context`] a field is
//!   editable, read-only, [masked](Mask) or hidden.
//! - **Public pools** ([`Pool`], 公海) with claim limits, cool-down and an owned cap, and
//!   **registrations** ([`Registration`], 客户报备) that protect a prospect for a while:
//!   pure rules over counts a store takes in the claiming transaction.
//! - **Hierarchies** are stored as closure tables ([`ManagerClosure`],
//!   [`DepartmentClosure`]), team memberships as [`TeamMember`] rows; [`closure_of`],
//!   [`move_delta`] and [`team_member_delta`] compute them and their exact changes.
//!
//! A [`Directory`] — an in-memory snapshot of a tenant's users, departments, teams, roles,
//! assignments and shares — answers three questions, with time always passed in:
//! [`Directory::check`] (one record, a few hash probes), [`Directory::plan`] (all records of
//! a kind, as one [`Predicate`](crate::query::Predicate) whose sub-selects read the stored
//! access kinds, never a list of ids) and [`Directory::redact`]. `check` and `plan` are two
//! interpreters of one policy; the differential tests hold them to a naive reference.

mod action;
mod closure;
mod delta;
#[cfg(test)]
mod differential;
mod directory;
mod effective;
mod field;
mod plan;
mod pool;
mod redact;
mod registration;
mod role;
mod scope;
mod share;
mod team;
#[cfg(any(test, feature = "test-util"))]
pub mod testing;

pub use action::Action;
pub(crate) use closure::CLOSURE_COLUMNS;
pub use closure::{ClosureRow, DepartmentClosure, ManagerClosure, closure_of, move_delta};
pub use delta::Delta;
pub use directory::{Decision, Directory, DirectoryBuilder, Reason};
pub use field::{Context, FieldAccess, FieldRule, Mask};
pub use plan::Plan;
pub use pool::{ClaimRefusal, ClaimRules, ClaimStats, Pool, PoolClaim, PoolEntry};
pub(crate) use pool::{POOL_CLAIM_COLUMNS, POOL_COLUMNS, POOL_ENTRY_COLUMNS};
pub use redact::Redacted;
pub(crate) use registration::REGISTRATION_COLUMNS;
pub use registration::{Registration, RegistrationStatus};
pub(crate) use role::{ROLE_ASSIGNMENT_COLUMNS, ROLE_COLUMNS};
pub use role::{Role, RoleAssignment};
pub(crate) use scope::ScopeSet;
pub use scope::{Scope, ScopeKind};
pub(crate) use share::SHARE_COLUMNS;
pub use share::{Grantee, Share, ShareLevel};
pub(crate) use team::TEAM_MEMBER_COLUMNS;
pub use team::{TeamMember, team_member_delta, team_members};
