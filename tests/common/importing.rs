//! Importing a file in the import tests: the report, checked to account for every row.

use std::path::Path;

use crm::import::ImportOptions;
use crm::import::report::ImportReport;
use crm::{Actor, Crm};

/// Import `path` into `crm` as `actor` with `options`; the report accounts for every row.
pub async fn import_as(
    crm: &Crm,
    actor: &Actor,
    path: &Path,
    options: ImportOptions,
) -> ImportReport {
    let report = crm.import_file(actor, path, options, |_| {}).await.unwrap();
    assert!(report.accounts_for_every_row(), "{report:?}");
    report
}
