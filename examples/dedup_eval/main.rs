//! Quality harness for duplicate detection: run the batch engine over a CSV file with ground
//! truth and report pairwise precision, recall and F1, blocking quality and time.
//!
//! ```text
//! cargo run --release --example dedup_eval -- FILE.csv [--truth COL] [--id COL]
//!     [--field COL=KIND ...] [--threshold P] [--sweep] [--report OUT.html] [--json OUT.json]
//!     [--link OTHER.csv --truth-pairs LINKS.csv]
//! ```
//!
//! Field kinds are inferred from the headers unless `--field` names them. The truth is a column
//! of entity labels (default: `entity_id` when present) or, when linking two files, a CSV of
//! id pairs. `--threshold` sets the match zone's threshold; pairs between it and the possible
//! threshold are counted as `possible_pairs` (for a person to review), and the pairs of each
//! tenth of probability are compared with how many of them truly match (`calibration`). The
//! last line of stdout is one JSON object with the figures. `--report` writes the tuning
//! report ([`report`]) as one self-contained HTML file, `--json` the same as data.

mod report;

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::ops::Range;
use std::sync::mpsc;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use crm::core::dedup::prepare::Prepared;
use crm::core::dedup::{
    DedupConfig, Deduper, FieldKind, FieldSpec, ScoredPair, Zone, Zones, cluster_metrics,
    pair_metrics,
};
use report::{CalibrationBin, CurvePoint, Report, Sample};

const USAGE: &str = "usage: dedup_eval FILE.csv [--truth COL] [--id COL] [--field COL=KIND ...] \
     [--threshold P] [--sweep] [--report OUT.html] [--json OUT.json] \
     [--link OTHER.csv --truth-pairs LINKS.csv]";

struct Args {
    file: String,
    truth: Option<String>,
    id: Option<String>,
    fields: Vec<(String, FieldKind)>,
    threshold: f64,
    sweep: bool,
    report: Option<String>,
    json: Option<String>,
    link: Option<String>,
    truth_pairs: Option<String>,
}

fn parse_args() -> Result<Args> {
    let mut args = std::env::args().skip(1);
    let mut parsed = Args {
        file: String::new(),
        truth: None,
        id: None,
        fields: Vec::new(),
        threshold: DedupConfig::default().zones.matched,
        sweep: false,
        report: None,
        json: None,
        link: None,
        truth_pairs: None,
    };
    let value = |name: &str, args: &mut dyn Iterator<Item = String>| {
        args.next().with_context(|| format!("{name} needs a value"))
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--truth" => parsed.truth = Some(value("--truth", &mut args)?),
            "--id" => parsed.id = Some(value("--id", &mut args)?),
            "--threshold" => {
                let p = value("--threshold", &mut args)?;
                parsed.threshold = p
                    .parse()
                    .ok()
                    .filter(|p| (0.0..=1.0).contains(p))
                    .with_context(|| {
                        format!("--threshold takes a probability between 0 and 1, not {p:?}")
                    })?;
            }
            "--field" => {
                let spec = value("--field", &mut args)?;
                let (col, kind) = spec
                    .split_once('=')
                    .with_context(|| format!("--field takes COL=KIND, not {spec:?}"))?;
                let kind =
                    FieldKind::parse(kind).map_err(|e| anyhow::anyhow!("--field {spec}: {e}"))?;
                parsed.fields.push((col.to_owned(), kind));
            }
            "--sweep" => parsed.sweep = true,
            "--report" => parsed.report = Some(value("--report", &mut args)?),
            "--json" => parsed.json = Some(value("--json", &mut args)?),
            "--help" | "-h" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            "--link" => parsed.link = Some(value("--link", &mut args)?),
            "--truth-pairs" => parsed.truth_pairs = Some(value("--truth-pairs", &mut args)?),
            flag if flag.starts_with("--") => bail!("unknown option {flag}"),
            file if parsed.file.is_empty() => parsed.file = file.to_owned(),
            extra => bail!("unexpected argument {extra:?}: one input file, then options"),
        }
    }
    if parsed.file.is_empty() {
        bail!("{USAGE}");
    }
    if parsed.link.is_some() != parsed.truth_pairs.is_some() {
        bail!("--link and --truth-pairs go together");
    }
    Ok(parsed)
}

/// A CSV file opened for reading: its headers, then its records one at a time.
struct Csv {
    path: String,
    headers: Vec<String>,
    reader: csv::Reader<std::fs::File>,
}

fn open(path: &str) -> Result<Csv> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .from_path(path)
        .with_context(|| format!("cannot open {path}"))?;
    let headers: Vec<String> = reader
        .headers()
        .with_context(|| format!("{path}: cannot read the header line"))?
        .iter()
        .map(|h| h.trim().to_owned())
        .collect();
    if headers.iter().all(String::is_empty) {
        bail!("{path}: empty file (no header line)");
    }
    Ok(Csv {
        path: path.to_owned(),
        headers,
        reader,
    })
}

/// One record of a CSV file.
struct Row<'r>(&'r csv::StringRecord);

impl Row<'_> {
    /// Cell `c`, trimmed; `None` when empty or missing.
    fn cell(&self, c: usize) -> Option<&str> {
        Some(self.0.get(c)?.trim()).filter(|c| !c.is_empty())
    }
}

impl Csv {
    /// Call `row` with each record.
    fn for_each_row(mut self, mut row: impl FnMut(Row<'_>) -> Result<()>) -> Result<()> {
        let mut record = csv::StringRecord::new();
        let mut rows = 0;
        while self
            .reader
            .read_record(&mut record)
            .with_context(|| format!("{}: row {} is not valid UTF-8 CSV", self.path, rows + 2))?
        {
            rows += 1;
            row(Row(&record))?;
        }
        if rows == 0 {
            bail!("{}: a header line but no records", self.path);
        }
        Ok(())
    }

    fn column(&self, name: &str) -> Result<usize> {
        self.headers
            .iter()
            .position(|h| h == name)
            .with_context(|| {
                format!(
                    "{}: no column {name:?}; columns are {}",
                    self.path,
                    self.headers.join(", ")
                )
            })
    }
}

/// Which columns of the input are compared, which holds the truth and which the record id.
struct Layout {
    fields: Vec<FieldSpec>,
    columns: Vec<usize>,
    id_col: Option<usize>,
    truth_col: Option<usize>,
}

fn layout(args: &Args, csv: &Csv) -> Result<Layout> {
    let id_col = match &args.id {
        Some(id) => Some(csv.column(id)?),
        None => csv.headers.iter().position(|h| h == "rec_id" || h == "id"),
    };
    let truth_col = match &args.truth {
        Some(t) => Some(csv.column(t)?),
        None if args.link.is_none() => csv.headers.iter().position(|h| h == "entity_id"),
        None => None,
    };
    let fields: Vec<(usize, FieldSpec)> = if args.fields.is_empty() {
        csv.headers
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != id_col && Some(*i) != truth_col)
            .filter_map(|(i, h)| {
                FieldKind::from_header(h).map(|k| (i, FieldSpec::new(h.clone(), k)))
            })
            .collect()
    } else {
        args.fields
            .iter()
            .map(|(col, kind)| Ok((csv.column(col)?, FieldSpec::new(col.clone(), *kind))))
            .collect::<Result<_>>()?
    };
    if fields.is_empty() {
        bail!(
            "{}: no column has a known kind; name them with --field COL=KIND",
            csv.path
        );
    }
    let (columns, fields) = fields.into_iter().unzip();
    Ok(Layout {
        fields,
        columns,
        id_col,
        truth_col,
    })
}

/// Records read so far: prepared as they are read, in parts, so that the raw cells of a
/// large file are never all held at once.
#[derive(Default)]
struct Input {
    records: Vec<Prepared>,
    /// Entity labels, by their hash: a million labels interned would cost a string each, and
    /// two labels sharing a 64-bit hash (about one chance in 10^7 at a million) would only
    /// merge two true clusters.
    labels: Vec<Option<u64>>,
    /// Record ids, kept only when linking.
    ids: Vec<Option<String>>,
}

/// Rows prepared together: enough to keep every core busy, few enough to hold.
const PART: usize = 16_384;

/// Rows read but not yet prepared: the compared cells of each row, back to back in one
/// string, so that reading allocates nothing per row.
#[derive(Default)]
struct Part {
    text: String,
    /// Per row, per compared column, where its cell lies in `text`; empty for no value.
    cells: Vec<Range<usize>>,
    rows: usize,
}

impl Part {
    fn push(&mut self, row: &Row<'_>, columns: &[usize]) {
        for &c in columns {
            let start = self.text.len();
            self.text.push_str(row.cell(c).unwrap_or_default());
            self.cells.push(start..self.text.len());
        }
        self.rows += 1;
    }

    /// The rows prepared for comparison, in order.
    fn prepare(&self, deduper: &Deduper) -> Vec<Prepared> {
        let cells: Vec<Option<&str>> = self
            .cells
            .iter()
            .map(|range| Some(&self.text[range.clone()]).filter(|cell| !cell.is_empty()))
            .collect();
        deduper.prepare_flat(&cells)
    }
}

impl Input {
    /// Read `csv`, preparing one part of its rows while the next is read.
    fn read(&mut self, csv: Csv, layout: &Layout, deduper: &Deduper, keep_ids: bool) -> Result<()> {
        let Input {
            records,
            labels,
            ids,
        } = self;
        let (send, parts) = mpsc::sync_channel::<Part>(1);
        std::thread::scope(|scope| {
            let reader = scope.spawn(move || {
                let mut part = Part::default();
                csv.for_each_row(|row| {
                    part.push(&row, &layout.columns);
                    labels.push(layout.truth_col.and_then(|c| row.cell(c)).map(label_hash));
                    if keep_ids {
                        ids.push(layout.id_col.and_then(|c| row.cell(c)).map(str::to_owned));
                    }
                    if part.rows == PART {
                        // Only fails when preparation stopped, which it does not on its own.
                        send.send(std::mem::take(&mut part)).ok();
                    }
                    Ok(())
                })?;
                send.send(part).ok();
                Ok(())
            });
            for part in parts {
                records.extend(part.prepare(deduper));
            }
            reader.join().expect("reading a CSV file does not panic")
        })
    }
}

/// An entity label's hash, the same from run to run.
fn label_hash(label: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    label.hash(&mut hasher);
    hasher.finish()
}

/// Entity labels from a file of linked id pairs: each linked pair shares a label.
fn link_labels(ids: &[Option<String>], links: &str) -> Result<Vec<Option<u64>>> {
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .filter_map(|(i, id)| Some((id.as_deref()?, i)))
        .collect();
    let mut labels = vec![None; ids.len()];
    let mut n: u64 = 0;
    open(links)?.for_each_row(|pair| {
        n += 1;
        let id = |k: usize| {
            pair.cell(k)
                .with_context(|| format!("{links}: row {} lacks an id", n + 1))
        };
        let find = |id: &str| {
            index
                .get(id)
                .copied()
                .with_context(|| format!("{links}: id {id:?} is in neither file"))
        };
        let label = Some(n);
        labels[find(id(0)?)?] = label;
        labels[find(id(1)?)?] = label;
        Ok(())
    })?;
    Ok(labels)
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let started = Instant::now();
    let first = open(&args.file)?;
    let layout = layout(&args, &first)?;
    let defaults = DedupConfig::default();
    let config = DedupConfig {
        zones: Zones {
            matched: args.threshold,
            possible: defaults.zones.possible.min(args.threshold),
        },
        ..defaults
    };
    config
        .zones
        .validate()
        .map_err(|e| anyhow::anyhow!("--threshold: {e}"))?;
    let deduper = Deduper::with_config(layout.fields.clone(), config);
    let headers = first.headers.clone();
    let linking = args.link.is_some();
    if linking && layout.id_col.is_none() {
        bail!("linking needs an id column: pass --id COL");
    }
    let mut input = Input::default();
    input.read(first, &layout, &deduper, linking)?;
    let mut sources = None;
    let mut labels = std::mem::take(&mut input.labels);
    let first_len = input.records.len();
    if let (Some(other), Some(links)) = (&args.link, &args.truth_pairs) {
        let second = open(other)?;
        if second.headers != headers {
            bail!("{other}: its columns differ from {}", args.file);
        }
        input.read(second, &layout, &deduper, linking)?;
        sources = Some(
            (0..input.records.len())
                .map(|i| u8::from(i >= first_len))
                .collect(),
        );
        labels = link_labels(&input.ids, links)?;
    }
    let Input { records, .. } = input;
    let sources: Option<Vec<u8>> = sources;
    let outcome = deduper.run_prepared(&records, sources.as_deref());
    let seconds = started.elapsed().as_secs_f64();
    let mut curve = Vec::new();
    let reporting = args.report.is_some() || args.json.is_some();
    if args.sweep || reporting {
        for step in 1..20 {
            let threshold = f64::from(step) * 0.05;
            let swept = Deduper::with_config(
                layout.fields.clone(),
                DedupConfig {
                    zones: Zones {
                        matched: threshold,
                        possible: config.zones.possible.min(threshold),
                    },
                    ..config
                },
            )
            .run_prepared(&records, sources.as_deref());
            let metrics = pair_metrics(&swept.clusters, &labels, sources.as_deref());
            curve.push(CurvePoint { threshold, metrics });
        }
    }
    let record_count = records.len();
    let has_truth = labels.iter().any(Option::is_some);
    let samples = match reporting {
        true => {
            let picked = samples_near(&outcome.pairs, config.zones);
            let explained: Vec<_> = picked
                .iter()
                .map(|&(near, p)| {
                    (
                        near,
                        p,
                        deduper.explain(&outcome, &records[p.a as usize], &records[p.b as usize]),
                    )
                })
                .collect();
            let wanted: Vec<usize> = picked
                .iter()
                .flat_map(|(_, p)| [p.a as usize, p.b as usize])
                .collect();
            let cells = cells_of(&args, &layout, first_len, &wanted)?;
            explained
                .into_iter()
                .map(|(near, p, explanation)| {
                    let (a, b) = (labels[p.a as usize], labels[p.b as usize]);
                    Sample {
                        near,
                        zone: p.zone,
                        same: (has_truth && a.is_some() && b.is_some()).then_some(a == b),
                        cells: [
                            cells[&(p.a as usize)].clone(),
                            cells[&(p.b as usize)].clone(),
                        ],
                        explanation,
                    }
                })
                .collect()
        }
        false => Vec::new(),
    };
    // The figures below need only the labels: give the prepared records back first.
    drop(records);
    let metrics = pair_metrics(&outcome.clusters, &labels, sources.as_deref());
    let clusters = cluster_metrics(&outcome.clusters, &labels);
    let cross = |a: u32, b: u32| {
        sources
            .as_deref()
            .is_none_or(|s| s[a as usize] != s[b as usize])
    };
    let found_by_blocking = outcome
        .pairs
        .iter()
        .filter(|p| {
            let label = labels[p.a as usize];
            label.is_some() && label == labels[p.b as usize] && cross(p.a, p.b)
        })
        .count();
    let pair_completeness = if metrics.true_pairs == 0 {
        1.0
    } else {
        found_by_blocking as f64 / metrics.true_pairs as f64
    };
    let reduction_ratio = 1.0 - outcome.pairs.len() as f64 / outcome.comparable_pairs.max(1) as f64;
    let same = |p: &ScoredPair| {
        let label = labels[p.a as usize];
        label.is_some() && label == labels[p.b as usize]
    };
    let in_zone = |zone: Zone| outcome.pairs.iter().filter(move |p| p.zone == zone);
    let possible_pairs = in_zone(Zone::Possible).count();
    let match_pairs = in_zone(Zone::Match).count();
    let match_precision = match match_pairs {
        0 => 1.0,
        n => in_zone(Zone::Match).filter(|p| same(p)).count() as f64 / n as f64,
    };
    let calibration = calibration(&outcome.pairs, same);
    for (spec, col) in layout.fields.iter().zip(&layout.columns) {
        println!("field {:>2} {:<16} {:?}", col, spec.name, spec.kind);
    }
    println!(
        "{} records, {} candidate pairs, {} clusters, prior {:.4}",
        record_count,
        outcome.pairs.len(),
        outcome.clusters.len(),
        outcome.model.prior
    );
    for CurvePoint {
        threshold,
        metrics: m,
    } in &curve
    {
        println!(
            "threshold {threshold:.2} precision {:.4} recall {:.4} f1 {:.4}",
            m.precision, m.recall, m.f1
        );
    }
    if has_truth {
        println!("calibration: predicted probability against observed match rate");
        for bin in &calibration {
            println!(
                "  {:.1}-{:.1}  {:>9} pairs  predicted {:.4}  observed {:.4}",
                bin.from, bin.to, bin.pairs, bin.predicted, bin.observed
            );
        }
    }
    let number = |x: f64| {
        if has_truth {
            serde_json::json!(x)
        } else {
            serde_json::Value::Null
        }
    };
    let report = serde_json::json!({
        "records": record_count,
        "true_pairs": if has_truth { serde_json::json!(metrics.true_pairs) } else { serde_json::Value::Null },
        "predicted_pairs": metrics.predicted_pairs,
        "precision": number(metrics.precision),
        "recall": number(metrics.recall),
        "f1": number(metrics.f1),
        "pair_completeness": number(pair_completeness),
        "cluster_precision": number(clusters.precision),
        "cluster_recall": number(clusters.recall),
        "reduction_ratio": reduction_ratio,
        "candidate_pairs": outcome.pairs.len(),
        "threshold": args.threshold,
        "possible_threshold": config.zones.possible,
        "possible_pairs": possible_pairs,
        "match_pairs": match_pairs,
        "match_precision": number(match_precision),
        "calibration": if has_truth {
            report::calibration_json(&calibration)
        } else {
            serde_json::Value::Null
        },
        "seconds": seconds,
    });
    if reporting {
        let figure = |x: f64| {
            if has_truth {
                format!("{x:.4}")
            } else {
                "no truth given".into()
            }
        };
        let summary = vec![
            ("records", record_count.to_string()),
            ("candidate pairs", outcome.pairs.len().to_string()),
            ("pairs in the match zone", match_pairs.to_string()),
            ("pairs in the possible zone", possible_pairs.to_string()),
            ("precision (clusters, pairwise)", figure(metrics.precision)),
            ("recall", figure(metrics.recall)),
            ("F1", figure(metrics.f1)),
            (
                "precision of the match zone's pairs",
                figure(match_precision),
            ),
            (
                "blocking: true pairs among candidates",
                figure(pair_completeness),
            ),
            ("seconds", format!("{seconds:.2}")),
        ];
        let title = match &args.link {
            Some(other) => format!("{} linked with {other}", args.file),
            None => args.file.clone(),
        };
        let tuning = Report {
            title,
            summary,
            zones: config.zones,
            fields: &layout.fields,
            model: &outcome.model,
            curve,
            calibration: if has_truth { calibration } else { Vec::new() },
            samples,
        };
        if let Some(path) = &args.report {
            std::fs::write(path, tuning.html()?).with_context(|| format!("cannot write {path}"))?;
        }
        if let Some(path) = &args.json {
            let text = serde_json::to_string_pretty(&tuning.json())?;
            std::fs::write(path, text).with_context(|| format!("cannot write {path}"))?;
        }
    }
    println!("{report}");
    Ok(())
}

/// Pairs shown in the report: the three scored pairs just above and the three just below
/// each threshold.
fn samples_near(pairs: &[ScoredPair], zones: Zones) -> Vec<(&'static str, ScoredPair)> {
    const EACH_SIDE: usize = 3;
    let mut picked = Vec::new();
    for (near, threshold) in [("match", zones.matched), ("possible", zones.possible)] {
        let mut above: Vec<&ScoredPair> = pairs
            .iter()
            .filter(|p| p.probability >= threshold)
            .collect();
        let mut below: Vec<&ScoredPair> =
            pairs.iter().filter(|p| p.probability < threshold).collect();
        above.sort_by(|x, y| x.probability.total_cmp(&y.probability));
        below.sort_by(|x, y| y.probability.total_cmp(&x.probability));
        let closest = above
            .into_iter()
            .take(EACH_SIDE)
            .chain(below.into_iter().take(EACH_SIDE));
        picked.extend(closest.map(|p| (near, *p)));
    }
    picked
}

/// The compared cells of the records at `wanted` (indexes over the input file, then the
/// linked one from `first_len` on), read again from the files.
fn cells_of(
    args: &Args,
    layout: &Layout,
    first_len: usize,
    wanted: &[usize],
) -> Result<HashMap<usize, Vec<String>>> {
    let mut found = HashMap::new();
    let files = [(args.file.as_str(), 0)]
        .into_iter()
        .chain(args.link.as_deref().map(|other| (other, first_len)));
    for (path, offset) in files {
        let mut index = offset;
        open(path)?.for_each_row(|row| {
            if wanted.contains(&index) {
                let cells = layout
                    .columns
                    .iter()
                    .map(|&c| row.cell(c).unwrap_or_default().to_owned());
                found.insert(index, cells.collect());
            }
            index += 1;
            Ok(())
        })?;
    }
    Ok(found)
}

/// Predicted probability against observed match rate, per tenth, over the scored pairs:
/// for a calibrated model the two agree. Bins without pairs are left out.
fn calibration(pairs: &[ScoredPair], same: impl Fn(&ScoredPair) -> bool) -> Vec<CalibrationBin> {
    let mut bins: Vec<(usize, f64, usize)> = vec![(0, 0.0, 0); 10];
    for pair in pairs {
        let bin = &mut bins[((pair.probability * 10.0) as usize).min(9)];
        bin.0 += 1;
        bin.1 += pair.probability;
        bin.2 += usize::from(same(pair));
    }
    bins.into_iter()
        .enumerate()
        .filter(|(_, (pairs, ..))| *pairs > 0)
        .map(|(i, (pairs, sum, matches))| CalibrationBin {
            from: i as f64 / 10.0,
            to: (i + 1) as f64 / 10.0,
            pairs,
            predicted: sum / pairs as f64,
            observed: matches as f64 / pairs as f64,
        })
        .collect()
}
