//! The tuning report: one self-contained HTML file (no network, charts as inline SVG drawn
//! with plotters) and the same figures as JSON, for a data team choosing thresholds.
//!
//! It shows what the model learned (m, u and match weight per field and level), how precision,
//! recall and F1 move with the match threshold (the default thresholds marked), whether the
//! probabilities are calibrated (predicted against observed match rate), and pairs around
//! each threshold with each field's contribution as a waterfall.

use anyhow::{Result, anyhow};
use crm::core::dedup::compare::Comparator;
use crm::core::dedup::{Explanation, FieldSpec, Model, PairMetrics, Zone, Zones};
use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use serde_json::{Value, json};

/// One point of the threshold curve: the clusters' pairwise figures at a match threshold.
pub struct CurvePoint {
    pub threshold: f64,
    pub metrics: PairMetrics,
}

/// Candidate pairs whose predicted match probability falls in one tenth of `0..=1`.
pub struct CalibrationBin {
    /// The probabilities it holds: from `from` up to `to`.
    pub from: f64,
    pub to: f64,
    pub pairs: usize,
    /// The mean predicted probability of its pairs.
    pub predicted: f64,
    /// The share of its pairs that are the same entity.
    pub observed: f64,
}

/// A scored pair shown near a threshold, with its records' cells and its explanation.
pub struct Sample {
    /// Which threshold it lies near: `match` or `possible`.
    pub near: &'static str,
    /// The zone it falls in.
    pub zone: Zone,
    /// Whether the two are the same entity, when the truth says.
    pub same: Option<bool>,
    /// The compared cells of each record, in field order.
    pub cells: [Vec<String>; 2],
    pub explanation: Explanation,
}

/// Everything the report shows.
pub struct Report<'a> {
    /// The file (or files) deduplicated.
    pub title: String,
    /// Headline figures, as label and value.
    pub summary: Vec<(&'static str, String)>,
    pub zones: Zones,
    pub fields: &'a [FieldSpec],
    pub model: &'a Model,
    pub curve: Vec<CurvePoint>,
    pub calibration: Vec<CalibrationBin>,
    pub samples: Vec<Sample>,
}

impl Report<'_> {
    /// The report as JSON: the same figures as the HTML file.
    pub fn json(&self) -> Value {
        json!({
            "title": self.title,
            "summary": self.summary.iter().map(|(k, v)| json!({"label": k, "value": v})).collect::<Vec<_>>(),
            "zones": { "match": self.zones.matched, "possible": self.zones.possible },
            "prior": self.model.prior,
            "fields": self.field_rows().into_iter().map(|(name, kind, levels)| json!({
                "field": name,
                "kind": kind,
                "levels": levels.into_iter().map(|l| json!({
                    "level": l.level, "meaning": l.meaning, "m": l.m, "u": l.u, "weight": l.weight,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "curve": self.curve.iter().map(|p| json!({
                "threshold": p.threshold,
                "precision": p.metrics.precision,
                "recall": p.metrics.recall,
                "f1": p.metrics.f1,
            })).collect::<Vec<_>>(),
            "calibration": calibration_json(&self.calibration),
            "samples": self.samples.iter().map(|s| json!({
                "near": s.near,
                "zone": s.zone.as_str(),
                "same_entity": s.same,
                "probability": s.explanation.probability,
                "weight": s.explanation.weight,
                "prior_weight": s.explanation.prior_weight,
                "records": s.cells,
                "fields": s.explanation.fields.iter().map(|f| json!({
                    "field": f.field, "level": f.level, "meaning": f.meaning, "weight": f.weight,
                })).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
        })
    }

    /// The report as one HTML page.
    pub fn html(&self) -> Result<String> {
        let mut page = format!(
            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
             <title>Duplicate detection report: {title}</title><style>{STYLE}</style></head>\
             <body><h1>Duplicate detection report</h1><p class=\"file\">{title}</p>",
            title = escape(&self.title)
        );
        page.push_str("<h2>Summary</h2><table class=\"summary\">");
        for (label, value) in &self.summary {
            page.push_str(&format!(
                "<tr><th>{}</th><td>{}</td></tr>",
                escape(label),
                escape(value)
            ));
        }
        page.push_str("</table>");
        page.push_str(&format!(
            "<p>Pairs at or above the <b>match</b> threshold ({:.2}) are merged without asking; \
             pairs between it and the <b>possible</b> threshold ({:.2}) go to a person; company \
             names that share no brand are never merged without one.</p>",
            self.zones.matched, self.zones.possible
        ));
        if !self.curve.is_empty() {
            page.push_str("<h2>Precision, recall and F1 against the threshold</h2>");
            page.push_str(&curve_svg(&self.curve, self.zones)?);
        }
        if !self.calibration.is_empty() {
            page.push_str(
                "<h2>Calibration</h2><p>Each point is a tenth of predicted probability: \
                 its mean prediction against the share of its pairs that truly match. A \
                 calibrated model lies on the diagonal.</p>",
            );
            page.push_str(&calibration_svg(&self.calibration)?);
            page.push_str("<table><tr><th>predicted</th><th>pairs</th><th>mean predicted</th><th>observed match rate</th></tr>");
            for bin in &self.calibration {
                page.push_str(&format!(
                    "<tr><td>{:.1}–{:.1}</td><td>{}</td><td>{:.4}</td><td>{:.4}</td></tr>",
                    bin.from, bin.to, bin.pairs, bin.predicted, bin.observed
                ));
            }
            page.push_str("</table>");
        }
        page.push_str(&format!(
            "<h2>What the model learned</h2><p>Prior: {:.3e} (the match probability of two records \
             drawn at random). Weight = log2(m / u), in bits; exact agreement on a value is \
             further weighed by how rare that value is.</p>",
            self.model.prior
        ));
        page.push_str("<table class=\"model\"><tr><th>field</th><th>kind</th><th>level</th><th>meaning</th><th>m</th><th>u</th><th>weight</th></tr>");
        for (name, kind, levels) in self.field_rows() {
            let rows = levels.len();
            for (i, l) in levels.into_iter().enumerate() {
                let head = match i {
                    0 => format!(
                        "<td rowspan=\"{rows}\">{}</td><td rowspan=\"{rows}\">{kind}</td>",
                        escape(&name)
                    ),
                    _ => String::new(),
                };
                let sign = if l.weight >= 0.0 { "pos" } else { "neg" };
                page.push_str(&format!(
                    "<tr>{head}<td>{}</td><td>{}</td><td>{:.4}</td><td>{:.6}</td><td class=\"{sign}\">{:+.2}</td></tr>",
                    l.level, l.meaning, l.m, l.u, l.weight
                ));
            }
        }
        page.push_str("</table>");
        if !self.samples.is_empty() {
            page.push_str(
                "<h2>Pairs near the thresholds</h2><p>Each bar is one field's \
                 contribution, in bits, added to the prior; the pair's match probability follows \
                 from the total.</p>",
            );
            for sample in &self.samples {
                page.push_str(&sample_html(sample, self.fields)?);
            }
        }
        page.push_str("</body></html>\n");
        Ok(page)
    }

    /// Per field: its name, kind and each level's meaning, m, u and weight.
    fn field_rows(&self) -> Vec<(String, &'static str, Vec<LevelRow>)> {
        self.fields
            .iter()
            .zip(&self.model.fields)
            .map(|(spec, params)| {
                let comparator = Comparator::for_kind(spec.kind);
                let levels = (0..params.m.len())
                    .rev()
                    .map(|l| LevelRow {
                        level: l as u8,
                        meaning: comparator.describe_level(l as u8),
                        m: params.m[l],
                        u: params.u[l],
                        weight: params.weight(l as u8),
                    })
                    .collect();
                (spec.name.clone(), spec.kind.name(), levels)
            })
            .collect()
    }
}

/// One agreement level of a field in the model table.
struct LevelRow {
    level: u8,
    meaning: &'static str,
    m: f64,
    u: f64,
    weight: f64,
}

/// The calibration bins as JSON.
pub fn calibration_json(bins: &[CalibrationBin]) -> Value {
    bins.iter()
        .map(|b| {
            json!({
                "from": b.from, "to": b.to, "pairs": b.pairs,
                "predicted": b.predicted, "observed": b.observed,
            })
        })
        .collect()
}

const STYLE: &str = "body{font-family:sans-serif;margin:2em auto;max-width:60em;color:#222}\
h1{margin-bottom:0}.file{color:#666;margin-top:.2em}table{border-collapse:collapse;margin:1em 0}\
th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left;font-size:.9em}\
td.pos{color:#1a7f37}td.neg{color:#cf222e}.sample{border:1px solid #ddd;padding:.5em 1em;margin:1em 0}\
.same{color:#1a7f37}.different{color:#cf222e}svg{display:block;margin:.5em 0}";

/// Text for HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A plotters error as an anyhow one.
fn drawing<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing a chart: {e:?}")
}

/// A curve of the threshold chart: its name, colour and the figure it plots.
type Series = (&'static str, RGBColor, fn(&PairMetrics) -> f64);

/// A chart over two numeric axes.
type Chart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

const BLUE: RGBColor = RGBColor(31, 119, 180);
const RED: RGBColor = RGBColor(214, 39, 40);
const GREEN: RGBColor = RGBColor(44, 160, 44);
const GREY: RGBColor = RGBColor(120, 120, 120);

/// An SVG picture of `size` pixels on white, drawn by `draw`.
fn svg(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<()>,
) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(drawing)?;
        draw(&root)?;
        root.present().map_err(drawing)?;
    }
    Ok(svg)
}

/// A chart titled `caption` over `x` and `y` on `root`, with its axes described, ticked
/// (eleven on x, `y_ticks` on y) and labelled with `y_decimals` decimals on y.
fn axes<'a, DB: DrawingBackend + 'a>(
    root: &'a DrawingArea<DB, Shift>,
    caption: &str,
    (x, y): (std::ops::Range<f64>, std::ops::Range<f64>),
    (x_desc, y_desc): (&str, &str),
    (y_ticks, y_decimals): (usize, usize),
) -> Result<Chart<'a, DB>> {
    let mut chart = ChartBuilder::on(root)
        .caption(caption, ("sans-serif", 18))
        .margin(14)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(x, y)
        .map_err(drawing)?;
    chart
        .configure_mesh()
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 15))
        .light_line_style(RGBColor(242, 242, 242))
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(11)
        .y_labels(y_ticks)
        .x_label_formatter(&|x| format!("{x:.1}"))
        .y_label_formatter(&|y| format!("{y:.y_decimals$}"))
        .draw()
        .map_err(drawing)?;
    Ok(chart)
}

/// A line through `points`, each marked, named `name` in the legend.
fn line<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    points: &[(f64, f64)],
    color: RGBColor,
    name: &str,
) -> Result<()> {
    chart
        .draw_series(LineSeries::new(
            points.iter().copied(),
            color.stroke_width(2),
        ))
        .map_err(drawing)?
        .label(name)
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], color.stroke_width(2)));
    chart
        .draw_series(points.iter().map(|&p| Circle::new(p, 3, color.filled())))
        .map_err(drawing)?;
    Ok(())
}

/// The legend, framed, at `position`.
fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    position: SeriesLabelPosition,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(drawing)
}

/// Precision, recall and F1 of the clusters against the match threshold, with the default
/// thresholds marked; the vertical axis starts just below the lowest value, so that curves
/// near 1 do not sit on the top edge.
fn curve_svg(curve: &[CurvePoint], zones: Zones) -> Result<String> {
    let lowest = curve
        .iter()
        .flat_map(|p| [p.metrics.precision, p.metrics.recall, p.metrics.f1])
        .fold(1.0_f64, f64::min);
    let bottom = ((lowest - 0.01).max(0.0) * 100.0).floor() / 100.0;
    svg((820, 440), |root| {
        let mut chart = axes(
            root,
            "Pairwise precision, recall and F1 by match threshold",
            (0.0..1.0, bottom..1.0005),
            ("match threshold (probability)", "pairwise score"),
            (10, 3),
        )?;
        let series: [Series; 3] = [
            ("precision", BLUE, |m| m.precision),
            ("recall", RED, |m| m.recall),
            ("F1", GREEN, |m| m.f1),
        ];
        for (name, color, pick) in series {
            let points: Vec<(f64, f64)> = curve
                .iter()
                .map(|p| (p.threshold, pick(&p.metrics)))
                .collect();
            line(&mut chart, &points, color, name)?;
        }
        for (threshold, name) in [(zones.matched, "match"), (zones.possible, "possible")] {
            chart
                .draw_series(DashedLineSeries::new(
                    [(threshold, bottom), (threshold, 1.0)],
                    6,
                    4,
                    BLACK.stroke_width(1),
                ))
                .map_err(drawing)?;
            let label_at = (threshold + 0.008, bottom + (1.0 - bottom) * 0.06);
            chart
                .draw_series(std::iter::once(Text::new(
                    format!("{name} {threshold:.2}"),
                    label_at,
                    ("sans-serif", 14),
                )))
                .map_err(drawing)?;
        }
        legend(&mut chart, SeriesLabelPosition::LowerLeft)
    })
}

/// Predicted probability against observed match rate per tenth, with the diagonal.
fn calibration_svg(bins: &[CalibrationBin]) -> Result<String> {
    svg((520, 480), |root| {
        let mut chart = axes(
            root,
            "Calibration",
            (0.0..1.0, 0.0..1.0),
            ("mean predicted probability", "observed match rate"),
            (11, 1),
        )?;
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, 0.0), (1.0, 1.0)],
                5,
                4,
                GREY.stroke_width(1),
            ))
            .map_err(drawing)?
            .label("perfectly calibrated")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 22, y)], GREY));
        let points: Vec<(f64, f64)> = bins.iter().map(|b| (b.predicted, b.observed)).collect();
        line(&mut chart, &points, BLUE, "this model")?;
        legend(&mut chart, SeriesLabelPosition::UpperLeft)
    })
}

/// A sample pair: its records, the truth, and the waterfall of its fields' contributions.
fn sample_html(sample: &Sample, fields: &[FieldSpec]) -> Result<String> {
    let e = &sample.explanation;
    let truth = match sample.same {
        Some(true) => "<span class=\"same\">same entity</span>",
        Some(false) => "<span class=\"different\">different entities</span>",
        None => "truth unknown",
    };
    let mut html = format!(
        "<div class=\"sample\"><p>Near the {} threshold: probability <b>{:.4}</b> \
         ({:+.2} bits), in the {} zone; {truth}</p><table><tr><th>field</th><th>record A</th>\
         <th>record B</th><th>agreement</th><th>weight</th></tr>",
        sample.near,
        e.probability,
        e.weight,
        sample.zone.as_str()
    );
    for (f, field) in e.fields.iter().enumerate() {
        let cell = |side: usize| escape(sample.cells[side].get(f).map_or("", String::as_str));
        html.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:+.2}</td></tr>",
            escape(&fields[f].name),
            cell(0),
            cell(1),
            field.meaning,
            field.weight
        ));
    }
    html.push_str("</table>");
    html.push_str(&waterfall_svg(e)?);
    html.push_str("</div>");
    Ok(html)
}

/// The prior, then each field's contribution as a bar from the running total, then the total.
fn waterfall_svg(e: &Explanation) -> Result<String> {
    let mut steps: Vec<(String, f64, f64)> = vec![("prior".into(), 0.0, e.prior_weight)];
    let mut total = e.prior_weight;
    for field in e.fields.iter().filter(|f| f.level.is_some()) {
        steps.push((
            format!("{} ({})", field.field, field.meaning),
            total,
            total + field.weight,
        ));
        total += field.weight;
    }
    steps.push(("total".into(), 0.0, total));
    let (low, high) = steps
        .iter()
        .flat_map(|&(_, a, b)| [a, b])
        .fold((0.0_f64, 0.0_f64), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let pad = ((high - low) * 0.05).max(1.0);
    let n = steps.len();
    let names: Vec<String> = steps.iter().map(|(name, ..)| name.clone()).collect();
    svg((820, 60 + 26 * n as u32), |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(10)
            .x_label_area_size(36)
            .y_label_area_size(250)
            .build_cartesian_2d((low - pad)..(high + pad), -0.5..(n as f64 - 0.5))
            .map_err(drawing)?;
        chart
            .configure_mesh()
            .label_style(("sans-serif", 14))
            .axis_desc_style(("sans-serif", 15))
            .light_line_style(RGBColor(242, 242, 242))
            .x_desc("match weight (bits)")
            .y_labels(n)
            .y_label_formatter(&|y| {
                let row = y.round();
                let at = n as f64 - 1.0 - row;
                match (row - y).abs() < 1e-6 && at >= 0.0 {
                    true => names.get(at as usize).cloned().unwrap_or_default(),
                    false => String::new(),
                }
            })
            .disable_y_mesh()
            .draw()
            .map_err(drawing)?;
        let bars = steps.iter().enumerate().map(|(i, &(_, from, to))| {
            let y = (n - 1 - i) as f64;
            let color = match (i, to >= from) {
                (0, _) => GREY,
                (i, _) if i == n - 1 => BLUE,
                (_, true) => GREEN,
                (_, false) => RED,
            };
            Rectangle::new([(from, y - 0.35), (to, y + 0.35)], color.filled())
        });
        chart.draw_series(bars).map_err(drawing)?;
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, -0.5), (0.0, n as f64 - 0.5)],
                4,
                3,
                BLACK.stroke_width(1),
            ))
            .map_err(drawing)?;
        Ok(())
    })
}
