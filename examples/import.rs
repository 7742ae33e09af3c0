//! Import customers from a messy Excel or CSV file.
//!
//! ```text
//! cargo run --release --example import -- FILE [--db URL] [--dry-run] [--rejects OUT.csv]
//!     [--sheet NAME] [--map COLUMN=FIELD ...] [--on-duplicate merge|skip|create] [--lenient]
//!     [--batch N]
//! ```
//!
//! The database defaults to the quickstart's `crm-demo.db`. A progress bar goes to stderr;
//! the last line of stdout is the JSON report (rows_read, created, merged, skipped, rejected,
//! mapping, seconds, ...). FIELD is a name such as `company_name`, `mobile`, `custom:KEY`, or
//! `ignore`.

use anyhow::{Context, Result, bail};
use crm::import::ImportOptions;
use crm::import::clean::Strictness;
use crm::import::progress::Phase;
use crm::{Actor, Crm};
use indicatif::{ProgressBar, ProgressStyle};

struct Args {
    file: String,
    db: String,
    options: ImportOptions,
}

const USAGE: &str = "usage: import FILE [--db URL] [--dry-run] [--rejects OUT.csv] [--sheet NAME] \
     [--map COLUMN=FIELD ...] [--on-duplicate merge|skip|create] [--lenient] [--batch N]";

fn parse_args() -> Result<Args> {
    let mut args = std::env::args().skip(1);
    let mut file = None;
    let mut db = "sqlite://crm-demo.db".to_owned();
    let mut options = ImportOptions::default();
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            "--db" => db = value()?,
            "--dry-run" => options.dry_run = true,
            "--lenient" => options.strictness = Strictness::KeepInNote,
            "--rejects" => options.rejects = Some(value()?.into()),
            "--sheet" => options.read.sheet = Some(value()?),
            "--batch" => options.batch_size = value()?.parse().context("--batch needs a number")?,
            "--on-duplicate" => {
                options.on_duplicate = value()?.parse().map_err(anyhow::Error::msg)?
            }
            "--map" => {
                let pair = value()?;
                let (column, field) = pair
                    .rsplit_once('=')
                    .with_context(|| format!("--map needs COLUMN=FIELD, got {pair:?}"))?;
                let choice = field.parse().map_err(anyhow::Error::msg)?;
                options.overrides.push((column.to_owned(), choice));
            }
            flag if flag.starts_with("--") => bail!("unknown option {flag}"),
            path if file.is_none() => file = Some(path.to_owned()),
            extra => bail!("one file at a time; {extra:?} is one too many"),
        }
    }
    let file = file.context(USAGE)?;
    Ok(Args { file, db, options })
}

/// Bulk imports allocate millions of short-lived strings and maps on several threads; mimalloc
/// handles that with far less time in the allocator than the system's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> Result<()> {
    let args = parse_args()?;
    let crm = Crm::open(&args.db).await?;
    let actor = Actor::system(crm::id::TenantId(uuid::Uuid::nil()));
    let bar = ProgressBar::new(0).with_style(
        ProgressStyle::with_template("{msg:10} [{bar:40}] {bytes}/{total_bytes} {elapsed}")
            .context("progress template")?
            .progress_chars("=> "),
    );
    let report = crm
        .import_file(&actor, &args.file, args.options, |p| {
            bar.set_length(p.total_bytes);
            bar.set_position(p.bytes);
            bar.set_message(match p.phase {
                Phase::Planning => "planning",
                Phase::Committing => "committing",
                Phase::Done => "done",
            });
        })
        .await?;
    bar.finish();
    crm.close().await?;
    eprintln!(
        "{}: {} rows read: {} created, {} merged, {} skipped, {} rejected{}",
        report.file,
        report.rows_read,
        report.created,
        report.merged,
        report.skipped,
        report.rejected,
        if report.dry_run {
            " (dry run: nothing written)"
        } else {
            ""
        }
    );
    for rejection in report.rejections.iter().take(10) {
        if let crm::import::plan::Decision::Reject { reason } = &rejection.decision {
            eprintln!("  row {}: {reason}", rejection.row);
        }
    }
    if let Some(stopped) = &report.stopped {
        eprintln!("stopped at row {}: {}", stopped.at_row, stopped.reason);
    }
    println!("{}", serde_json::to_string(&report)?);
    Ok(())
}
