//! Quality harness for duplicate detection: run the batch engine over a CSV file with ground
//! truth and report pairwise precision, recall and F1, blocking quality and time.
//!
//! ```text
//! cargo run --release --example dedup_eval -- FILE.csv [--truth COL] [--id COL]
//!     [--field COL=KIND ...] [--threshold P] [--sweep] [--svg OUT.svg]
//!     [--link OTHER.csv --truth-pairs LINKS.csv]
//! ```
//!
//! Field kinds are inferred from the headers unless `--field` names them. The truth is a column
//! of entity labels (default: `entity_id` when present) or, when linking two files, a CSV of
//! id pairs. The last line of stdout is one JSON object with the figures.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use crm::core::dedup::{DedupConfig, Deduper, FieldKind, FieldSpec, cluster_metrics, pair_metrics};

struct Args {
    file: String,
    truth: Option<String>,
    id: Option<String>,
    fields: Vec<(String, FieldKind)>,
    threshold: f64,
    sweep: bool,
    svg: Option<String>,
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
        threshold: DedupConfig::default().threshold,
        sweep: false,
        svg: None,
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
            "--svg" => parsed.svg = Some(value("--svg", &mut args)?),
            "--link" => parsed.link = Some(value("--link", &mut args)?),
            "--truth-pairs" => parsed.truth_pairs = Some(value("--truth-pairs", &mut args)?),
            flag if flag.starts_with("--") => bail!("unknown option {flag}"),
            file if parsed.file.is_empty() => parsed.file = file.to_owned(),
            extra => bail!("unexpected argument {extra:?}: one input file, then options"),
        }
    }
    if parsed.file.is_empty() {
        bail!(
            "usage: dedup_eval FILE.csv [--truth COL] [--id COL] [--field COL=KIND ...] [--threshold P] [--sweep] [--svg OUT.svg] [--link OTHER.csv --truth-pairs LINKS.csv]"
        );
    }
    if parsed.link.is_some() != parsed.truth_pairs.is_some() {
        bail!("--link and --truth-pairs go together");
    }
    Ok(parsed)
}

/// A CSV file: its headers and rows, empty cells as `None`.
struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
}

fn read_table(path: &str) -> Result<Table> {
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
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record =
            record.with_context(|| format!("{path}: row {} is not valid UTF-8 CSV", i + 2))?;
        rows.push(
            record
                .iter()
                .map(|c| Some(c.trim().to_owned()).filter(|c| !c.is_empty()))
                .collect(),
        );
    }
    if rows.is_empty() {
        bail!("{path}: a header line but no records");
    }
    Ok(Table { headers, rows })
}

fn column(table: &Table, name: &str, path: &str) -> Result<usize> {
    table
        .headers
        .iter()
        .position(|h| h == name)
        .with_context(|| {
            format!(
                "{path}: no column {name:?}; columns are {}",
                table.headers.join(", ")
            )
        })
}

struct Run {
    deduper_fields: Vec<FieldSpec>,
    columns: Vec<usize>,
    rows: Vec<Vec<Option<String>>>,
    labels: Vec<Option<String>>,
    sources: Option<Vec<u8>>,
}

fn assemble(args: &Args) -> Result<Run> {
    let table = read_table(&args.file)?;
    let id_col = match &args.id {
        Some(id) => Some(column(&table, id, &args.file)?),
        None => table
            .headers
            .iter()
            .position(|h| h == "rec_id" || h == "id"),
    };
    let truth_col = match &args.truth {
        Some(t) => Some(column(&table, t, &args.file)?),
        None if args.link.is_none() => table.headers.iter().position(|h| h == "entity_id"),
        None => None,
    };
    let fields: Vec<(usize, FieldSpec)> = if args.fields.is_empty() {
        table
            .headers
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
            .map(|(col, kind)| {
                Ok((
                    column(&table, col, &args.file)?,
                    FieldSpec::new(col.clone(), *kind),
                ))
            })
            .collect::<Result<_>>()?
    };
    if fields.is_empty() {
        bail!(
            "{}: no column has a known kind; name them with --field COL=KIND",
            args.file
        );
    }
    let (columns, deduper_fields): (Vec<usize>, Vec<FieldSpec>) = fields.into_iter().unzip();
    let mut rows = table.rows;
    let mut labels: Vec<Option<String>> = match truth_col {
        Some(c) => rows.iter().map(|r| r.get(c).cloned().flatten()).collect(),
        None => vec![None; rows.len()],
    };
    let mut sources = None;
    if let (Some(other), Some(links)) = (&args.link, &args.truth_pairs) {
        let second = read_table(other)?;
        if second.headers != table.headers {
            bail!("{other}: its columns differ from {}", args.file);
        }
        let id_col = id_col.context("linking needs an id column: pass --id COL")?;
        let first_len = rows.len();
        rows.extend(second.rows);
        sources = Some((0..rows.len()).map(|i| u8::from(i >= first_len)).collect());
        labels = link_labels(&rows, id_col, links)?;
    }
    let rows = rows
        .into_iter()
        .map(|r| {
            columns
                .iter()
                .map(|&c| r.get(c).cloned().flatten())
                .collect()
        })
        .collect();
    Ok(Run {
        deduper_fields,
        columns,
        rows,
        labels,
        sources,
    })
}

/// Entity labels from a file of linked id pairs: each linked pair shares a label.
fn link_labels(
    rows: &[Vec<Option<String>>],
    id_col: usize,
    links: &str,
) -> Result<Vec<Option<String>>> {
    let pairs = read_table(links)?;
    let index: HashMap<&str, usize> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.get(id_col).and_then(|c| c.as_deref()).map(|id| (id, i)))
        .collect();
    let mut labels = vec![None; rows.len()];
    for (n, pair) in pairs.rows.iter().enumerate() {
        let id = |k: usize| {
            pair.get(k)
                .and_then(|c| c.as_deref())
                .with_context(|| format!("{links}: row {} lacks an id", n + 2))
        };
        let (a, b) = (id(0)?, id(1)?);
        let find = |id: &str| {
            index
                .get(id)
                .copied()
                .with_context(|| format!("{links}: id {id:?} is in neither file"))
        };
        let label = Some(format!("link{n}"));
        labels[find(a)?] = label.clone();
        labels[find(b)?] = label;
    }
    Ok(labels)
}

fn main() -> Result<()> {
    let args = parse_args()?;
    let started = Instant::now();
    let run = assemble(&args)?;
    let config = DedupConfig {
        threshold: args.threshold,
        ..DedupConfig::default()
    };
    let deduper = Deduper::with_config(run.deduper_fields.clone(), config);
    let outcome = deduper.run(&run.rows, run.sources.as_deref());
    let seconds = started.elapsed().as_secs_f64();
    let has_truth = run.labels.iter().any(Option::is_some);
    let metrics = pair_metrics(&outcome.clusters, &run.labels, run.sources.as_deref());
    let clusters = cluster_metrics(&outcome.clusters, &run.labels);
    let candidate_clusters: Vec<Vec<u32>> = outcome.pairs.iter().map(|p| vec![p.a, p.b]).collect();
    let found_by_blocking =
        pair_metrics(&candidate_clusters, &run.labels, run.sources.as_deref()).correct_pairs;
    let pair_completeness = if metrics.true_pairs == 0 {
        1.0
    } else {
        found_by_blocking as f64 / metrics.true_pairs as f64
    };
    let reduction_ratio = 1.0 - outcome.pairs.len() as f64 / outcome.comparable_pairs.max(1) as f64;
    for (spec, col) in run.deduper_fields.iter().zip(&run.columns) {
        println!("field {:>2} {:<16} {:?}", col, spec.name, spec.kind);
    }
    println!(
        "{} records, {} candidate pairs, {} clusters, prior {:.4}",
        run.rows.len(),
        outcome.pairs.len(),
        outcome.clusters.len(),
        outcome.model.prior
    );
    let mut curve = Vec::new();
    if args.sweep || args.svg.is_some() {
        for step in 1..20 {
            let threshold = f64::from(step) * 0.05;
            let swept = Deduper::with_config(
                run.deduper_fields.clone(),
                DedupConfig {
                    threshold,
                    ..config
                },
            )
            .run(&run.rows, run.sources.as_deref());
            let m = pair_metrics(&swept.clusters, &run.labels, run.sources.as_deref());
            println!(
                "threshold {threshold:.2} precision {:.4} recall {:.4} f1 {:.4}",
                m.precision, m.recall, m.f1
            );
            curve.push((threshold, m));
        }
    }
    if let Some(path) = &args.svg {
        std::fs::write(path, svg(&curve)).with_context(|| format!("cannot write {path}"))?;
    }
    let number = |x: f64| {
        if has_truth {
            serde_json::json!(x)
        } else {
            serde_json::Value::Null
        }
    };
    let report = serde_json::json!({
        "records": run.rows.len(),
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
        "seconds": seconds,
    });
    println!("{report}");
    Ok(())
}

/// Precision, recall and F1 against the threshold, as a small standalone SVG.
fn svg(curve: &[(f64, crm::core::dedup::PairMetrics)]) -> String {
    let (w, h, pad) = (640.0, 400.0, 40.0);
    let x = |t: f64| pad + t * (w - 2.0 * pad);
    let y = |v: f64| h - pad - v * (h - 2.0 * pad);
    let line = |pick: fn(&crm::core::dedup::PairMetrics) -> f64, color: &str| {
        let points: Vec<String> = curve
            .iter()
            .map(|(t, m)| format!("{:.1},{:.1}", x(*t), y(pick(m))))
            .collect();
        format!(
            r##"<polyline fill="none" stroke="{color}" stroke-width="2" points="{}"/>"##,
            points.join(" ")
        )
    };
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<line x1="{pad}" y1="{b}" x2="{r}" y2="{b}" stroke="black"/><line x1="{pad}" y1="{pad}" x2="{pad}" y2="{b}" stroke="black"/>
<text x="{cx}" y="{ty}" text-anchor="middle">match threshold</text>
{p}
{rc}
{f}
<text x="{lx}" y="{l1}" fill="#1f77b4">precision</text><text x="{lx}" y="{l2}" fill="#d62728">recall</text><text x="{lx}" y="{l3}" fill="#2ca02c">F1</text>
</svg>
"##,
        b = h - pad,
        r = w - pad,
        cx = w / 2.0,
        ty = h - 8.0,
        p = line(|m| m.precision, "#1f77b4"),
        rc = line(|m| m.recall, "#d62728"),
        f = line(|m| m.f1, "#2ca02c"),
        lx = w - pad - 80.0,
        l1 = pad + 15.0,
        l2 = pad + 30.0,
        l3 = pad + 45.0,
    )
}
