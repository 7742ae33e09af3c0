//! The import report: how the file was read and mapped, and what became of every row.

use serde::Serialize;

use crate::mapping::Mapping;
use crate::plan::Decision;
use crate::read::Layout;

/// What an import did (or, in a dry run, would do).
///
/// Every row read ends in exactly one bucket: `rows_read == created + merged + skipped +
/// rejected` ([`ImportReport::accounts_for_every_row`]). Rows of a batch that failed to commit
/// are not counted; `stopped` says where and why.
#[derive(Debug, Clone, Serialize)]
pub struct ImportReport {
    /// The file imported.
    pub file: String,
    /// Whether nothing was written.
    pub dry_run: bool,
    /// How the file was read.
    pub layout: Layout,
    /// Which column filled which field.
    pub mapping: Mapping,
    /// Data rows read.
    pub rows_read: u64,
    /// Rows that became new customers.
    pub created: u64,
    /// Of the created rows, those that may be a known customer, queued for a person to
    /// decide (each `create_for_review` in the plan).
    pub queued_for_review: u64,
    /// Rows merged into a known customer.
    pub merged: u64,
    /// Rows left out as duplicates.
    pub skipped: u64,
    /// Rows rejected (see `rejections` and the rejects file).
    pub rejected: u64,
    /// Contacts created (new customers' and those merged rows added).
    pub contacts_created: u64,
    /// Tags created because a row named one not yet known.
    pub tags_created: u64,
    /// The first rejections, with row and reason (all of them are in the rejects file).
    pub rejections: Vec<RowOutcome>,
    /// Per row, what was (or would be) done, when the plan was asked for.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub plan: Vec<RowOutcome>,
    /// Where the rejects file was written.
    pub rejects_file: Option<String>,
    /// Set when the import stopped before the end of the file.
    pub stopped: Option<Stopped>,
    /// Seconds from opening the file to the report.
    pub seconds: f64,
}

/// What became of one row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowOutcome {
    /// The row number as the user sees it in Excel.
    pub row: u64,
    /// The decision.
    #[serde(flatten)]
    pub decision: Decision,
}

/// Why an import stopped early.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stopped {
    /// The first row not imported.
    pub at_row: u64,
    /// What happened: cancelled, or the error that failed the batch (which was rolled back).
    pub reason: String,
}

impl ImportReport {
    /// A report for `file` before any row is read.
    pub fn new(file: String, dry_run: bool, layout: Layout, mapping: Mapping) -> ImportReport {
        ImportReport {
            file,
            dry_run,
            layout,
            mapping,
            rows_read: 0,
            created: 0,
            queued_for_review: 0,
            merged: 0,
            skipped: 0,
            rejected: 0,
            contacts_created: 0,
            tags_created: 0,
            rejections: Vec::new(),
            plan: Vec::new(),
            rejects_file: None,
            stopped: None,
            seconds: 0.0,
        }
    }

    /// Whether every row read is in exactly one bucket.
    pub fn accounts_for_every_row(&self) -> bool {
        self.rows_read == self.created + self.merged + self.skipped + self.rejected
    }
}
