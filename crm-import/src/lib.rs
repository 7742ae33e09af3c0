//! # crm-import: customers from messy Excel and CSV files
//!
//! `read -> map -> clean -> plan -> commit`: a streaming [`read`]er turns a CSV (any common
//! encoding and delimiter) or a workbook sheet into rows of text cells with the row numbers the
//! user sees in Excel; the mapping ties headers to target fields; cleaning parses every cell
//! with the core value objects; the plan decides per row create, merge into an existing
//! record, skip or reject, and every input row ends in exactly one of those.

pub mod clean;
pub mod filled;
pub mod mapping;
pub mod plan;
pub mod progress;
pub mod read;
pub mod rejects;
pub mod report;
pub mod target;
