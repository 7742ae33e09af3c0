//! Lead scoring: declarative points and models learned from won/lost history.
//!
//! - [`points`]: fit rules (conditions on the lead's fields) and engagement rules (events, with
//!   decay), group and total caps, grades A–D and an MQL flag. A JSON document a host stores.
//! - [`lookup`]: the record view both read — [`FieldLookup`] maps a field name to a
//!   [`Value`](crate::record::Value), for a [`Lead`](crate::model::Lead), a map, or a host's type.
//!
//! - [`predictive`]: models trained on closed leads — a regularised logistic regression with
//!   its strength chosen by cross-validation, and Odoo's naive Bayes as the baseline — behind a
//!   minimum-data rule; every prediction lists each field's contribution. [`features`] decides
//!   and encodes the fields, [`metrics`] measures rankings (ROC AUC, average precision).
//!
//! Everything here is pure and deterministic: time is a `now` argument.

pub mod features;
mod logistic;
pub mod lookup;
pub mod metrics;
mod naive_bayes;
pub mod points;
pub mod predictive;

pub use features::{
    DropReason, EncodingOptions, FeatureField, FeatureKind, FieldEncoder, FieldEncoding,
    InferredFields, infer_fields,
};
pub use lookup::{FieldLookup, predicate_holds};
pub use naive_bayes::FrequencyTable;
pub use points::{
    Decay, EngagementEvent, EngagementRule, FitRule, Grade, GradeThresholds, GroupTotal,
    PointsModel, PointsScore, RuleContribution,
};
pub use predictive::{
    Algorithm, Factor, Learned, Prediction, PredictiveConfig, PredictiveModel, TrainingOutcome,
    TrainingSummary, train,
};
