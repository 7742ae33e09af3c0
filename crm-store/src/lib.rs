//! # crm-store: storage adapters for `crm`
//!
//! Two implementations of [`crm_core::store::Store`], both passing the conformance suite in
//! `crm-core`:
//!
//! - [`MemoryStore`]: process memory, for tests and `memory://`.
//! - [`SqlStore`] (feature `sqlite`, default): SQLite through sea-orm, bundled, nothing to
//!   install. Tables are derived from the columns `crm-core` declares and kept in step on
//!   open; predicates compile to SQL `WHERE` clauses that agree with the in-memory
//!   interpreter.
//!
//! [`open`] picks one from a URL.

mod memory;
#[cfg(feature = "sqlite")]
mod sql;

use std::sync::Arc;

use crm_core::error::{Error, Result};
use crm_core::store::Store;

pub use memory::MemoryStore;
#[cfg(feature = "sqlite")]
pub use sql::SqlStore;

/// Open the store a URL names: `memory://`, `sqlite://path/to/file.db` (created if missing;
/// relative to the working directory) or `sqlite::memory:`.
///
/// An unknown scheme is a [`Error::Validation`] naming the URL; a file that cannot be opened
/// as a database is a [`Error::Storage`] naming it.
pub async fn open(url: &str) -> Result<Arc<dyn Store>> {
    if url == "memory://" || url == "memory:" {
        return Ok(Arc::new(MemoryStore::new()));
    }
    #[cfg(feature = "sqlite")]
    {
        if url == "sqlite::memory:" {
            return Ok(Arc::new(SqlStore::open_sqlite(":memory:").await?));
        }
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            if path.is_empty() {
                return Err(Error::validation(
                    "url",
                    url,
                    "no database file after `sqlite://`",
                ));
            }
            return Ok(Arc::new(SqlStore::open_sqlite(path).await?));
        }
    }
    Err(Error::validation(
        "url",
        url,
        "unsupported store URL; expected memory://, sqlite://FILE or sqlite::memory:",
    ))
}
