//! Writes the synthetic benchmark of messy Chinese B2B customer records
//! ([`crm::core::dedup::synth`]) as a UTF-8 CSV file, with the ground truth in an extra
//! `entity_id` column, ready for `dedup_eval`.
//!
//! ```text
//! cargo run --release --example gen_customers -- [--entities N] [--seed S]
//!     [--duplicate-share P] [--max-duplicates K] OUT.csv
//! ```
//!
//! Defaults are those of `SynthConfig::default()`: 1,000 entities, 40% of them with 1 to 4
//! extra rows, seed 42. The same options write the same file, byte for byte.

use anyhow::{Context, Result, bail};
use crm::core::dedup::synth::{SynthConfig, generate};

fn main() -> Result<()> {
    let (config, out) = parse_args()?;
    let data = generate(&config);

    let mut writer =
        csv::Writer::from_path(&out).with_context(|| format!("cannot create {out}"))?;
    writer.write_record(data.headers.iter().map(String::as_str).chain(["entity_id"]))?;
    for (row, entity) in data.rows.iter().zip(&data.entity) {
        let entity = entity.to_string();
        let cells = row.iter().map(|cell| cell.as_deref().unwrap_or(""));
        writer.write_record(cells.chain([entity.as_str()]))?;
    }
    writer
        .flush()
        .with_context(|| format!("cannot write {out}"))?;

    eprintln!(
        "{out}: {} rows of {} entities (seed {})",
        data.rows.len(),
        config.entities,
        config.seed
    );
    Ok(())
}

fn parse_args() -> Result<(SynthConfig, String)> {
    let mut config = SynthConfig::default();
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--entities" => config.entities = number(&arg, value()?)?,
            "--seed" => config.seed = number(&arg, value()?)?,
            "--max-duplicates" => config.duplicates_per_entity_max = number(&arg, value()?)?,
            "--duplicate-share" => {
                let share = value()?;
                config.duplicate_share = share
                    .parse()
                    .ok()
                    .filter(|p| (0.0..=1.0).contains(p))
                    .with_context(|| {
                        format!("--duplicate-share takes a share between 0 and 1, not {share:?}")
                    })?;
            }
            flag if flag.starts_with("--") => bail!("unknown option {flag}"),
            file if out.is_none() => out = Some(file.to_owned()),
            extra => bail!("unexpected argument {extra:?}: one output file, then options"),
        }
    }
    let out = out.context(
        "usage: gen_customers [--entities N] [--seed S] [--duplicate-share P] \
         [--max-duplicates K] OUT.csv",
    )?;
    Ok((config, out))
}

/// `text` as a non-negative integer, or an error naming the option it was given to.
fn number<T: std::str::FromStr>(option: &str, text: String) -> Result<T> {
    text.parse()
        .ok()
        .with_context(|| format!("{option} takes a non-negative integer, not {text:?}"))
}
