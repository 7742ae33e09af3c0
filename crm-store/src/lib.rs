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
pub use sql::{SqlStore, SqliteSettings};

/// Open the store a URL names: `memory://`, `sqlite://path/to/file.db` (created if missing;
/// relative to the working directory; `?cache_mib=256` sets [`SqliteSettings::cache_mib`])
/// or `sqlite::memory:`.
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
        if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let (path, parameters) = rest.split_once('?').unwrap_or((rest, ""));
            if path.is_empty() {
                return Err(Error::validation(
                    "url",
                    url,
                    "no database file after `sqlite://`",
                ));
            }
            let settings = sqlite_settings(url, parameters)?;
            return Ok(Arc::new(SqlStore::open_sqlite_with(path, settings).await?));
        }
    }
    Err(Error::validation(
        "url",
        url,
        "unsupported store URL; expected memory://, sqlite://FILE or sqlite::memory:",
    ))
}

/// The settings a SQLite URL's parameters (`cache_mib=256`, joined by `&`) ask for.
#[cfg(feature = "sqlite")]
fn sqlite_settings(url: &str, parameters: &str) -> Result<SqliteSettings> {
    let mut settings = SqliteSettings::default();
    for parameter in parameters.split('&').filter(|p| !p.is_empty()) {
        match parameter.split_once('=') {
            Some(("cache_mib", value)) => {
                settings.cache_mib =
                    value.parse().ok().filter(|&mib| mib > 0).ok_or_else(|| {
                        Error::validation(
                            "url",
                            url,
                            format!("cache_mib takes a whole number of MiB above 0, not {value:?}"),
                        )
                    })?;
            }
            _ => {
                return Err(Error::validation(
                    "url",
                    url,
                    format!("unknown parameter {parameter:?}; the one known is cache_mib=MiB"),
                ));
            }
        }
    }
    Ok(settings)
}

#[cfg(all(test, feature = "sqlite"))]
mod tests {
    use super::*;
    use crm_core::error::ErrorKind;

    #[test]
    fn sqlite_url_parameters_are_read_or_refused_by_name() {
        let url = "sqlite://crm.db?cache_mib=256";
        assert_eq!(
            sqlite_settings(url, "cache_mib=256").unwrap().cache_mib,
            256
        );
        assert_eq!(sqlite_settings(url, "").unwrap(), SqliteSettings::default());
        for bad in ["cache_mib=0", "cache_mib=lots", "cache=256", "mode=ro"] {
            let err = sqlite_settings(url, bad).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Validation, "{bad}");
            assert!(err.to_string().contains("cache_mib"), "{bad}: {err}");
        }
    }
}
