//! Lead scoring: declarative points and models learned from won/lost history.
//!
//! - [`points`]: fit rules (conditions on the lead's fields) and engagement rules (events, with
//!   decay), group and total caps, grades A–D and an MQL flag. A JSON document a host stores.
//! - [`lookup`]: the record view both read — [`FieldLookup`] maps a field name to a
//!   [`Value`](crate::record::Value), for a [`Lead`](crate::model::Lead), a map, or a host's type.
//!
//! Everything here is pure and deterministic: time is a `now` argument.

pub mod lookup;
pub mod points;

pub use lookup::{FieldLookup, predicate_holds};
pub use points::{
    Decay, EngagementEvent, EngagementRule, FitRule, Grade, GradeThresholds, GroupTotal,
    PointsModel, PointsScore, RuleContribution,
};
