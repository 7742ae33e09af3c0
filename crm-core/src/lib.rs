//! # crm-core: the pure domain of the `crm` engine
//!
//! Everything here is synchronous, deterministic and free of I/O: no database, no async
//! runtime, no files. Time and ids are injected ([`clock::Clock`], [`id::IdGen`]) so tests and
//! rule evaluations replay exactly.
//!
//! - [`value`]: value objects that parse, don't validate — [`value::Phone`] (mainland China
//!   mobile, landline, extension; E.164 elsewhere), [`value::Email`], [`value::Money`],
//!   [`value::Region`] (provinces and prefecture-level cities), names.
//! - [`model`]: accounts, contacts, leads, opportunities, activities, users, teams,
//!   departments, tags, service tickets (工单) and their history; their state transitions.
//! - [`fields`]: typed custom fields validated against a per-tenant schema.
//! - [`record`]: [`record::Record<T>`] (id + [`record::Meta`] + data) and the [`record::Row`]
//!   stores see.
//! - [`query`]: storage-neutral predicates with one in-memory interpreter that SQL stores
//!   must agree with.
//! - [`store`]: object-safe async storage traits and the typed layer over them; every change
//!   appends an [`audit::AuditEvent`] in the same transaction.
//!
//! - [`dedup`]: duplicate detection — normalisation, blocking, Fellegi–Sunter scoring with
//!   EM, clustering that resists chaining, explanations.
//!
//! - [`access`]: roles, data scopes, field security and masking, record sharing; one
//!   fast in-memory `check` and a `plan` predicate for stores, which always agree.
//! - [`scoring`]: lead scoring — declarative points (fit and engagement, caps, decay,
//!   grades) and predictive models trained on won/lost history, each score with its reasons.
//! - [`automation`]: what automation keeps in the store — timers, notifications for the host,
//!   rule state.
//!
//! With the `test-util` feature, `conformance` holds the behaviour suite every store runs.

pub mod access;
pub mod actor;
pub mod aggregate;
pub mod audit;
pub mod automation;
pub mod clock;
#[cfg(feature = "test-util")]
pub mod conformance;
pub mod dedup;
pub mod error;
pub mod fields;
pub mod id;
pub mod merge;
pub mod model;
pub mod query;
pub mod record;
pub mod review;
pub mod scoring;
pub mod store;
pub mod value;

pub use actor::{Actor, Principal};
pub use error::{Error, ErrorKind, Result};
pub use record::{Entity, ObjectKind, Record};
