//! Progress reports and cancellation for long imports.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

/// Where an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Reading, cleaning and planning rows.
    Planning,
    /// Writing a batch to the store.
    Committing,
    /// Finished (or stopped).
    Done,
}

/// A progress report, given after each batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// The phase.
    pub phase: Phase,
    /// Rows read so far.
    pub rows: u64,
    /// Bytes of input read so far.
    pub bytes: u64,
    /// The size of the input.
    pub total_bytes: u64,
}

/// Asks a running import to stop; honoured between batches, so no batch is left half done.
/// Clones share the flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token not yet cancelled.
    pub fn new() -> CancelToken {
        CancelToken::default()
    }

    /// Ask the import to stop after the batch in hand.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}
