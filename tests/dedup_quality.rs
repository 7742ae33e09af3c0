//! Regression floors for duplicate detection on the public Febrl benchmark sets, with field
//! kinds inferred from the headers and default settings, as a user would run it.

use std::collections::HashMap;

use crm::core::dedup::synth::{SynthConfig, generate};
use crm::core::dedup::{Deduper, FieldKind, FieldSpec, PairMetrics, pair_metrics};

const FEBRL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/febrl");

struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<Option<String>>>,
}

fn read(name: &str) -> Table {
    let path = format!("{FEBRL}/{name}");
    let mut reader = csv::Reader::from_path(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let headers = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| {
            r.unwrap()
                .iter()
                .map(|c| Some(c.trim().to_owned()).filter(|c| !c.is_empty()))
                .collect()
        })
        .collect();
    Table { headers, rows }
}

/// Fields with an inferable kind, and the rows cut to them.
fn fields_of(table: &Table) -> (Vec<FieldSpec>, Vec<usize>) {
    table
        .headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| FieldKind::from_header(h).map(|k| (FieldSpec::new(h.clone(), k), i)))
        .unzip()
}

fn project(rows: &[Vec<Option<String>>], columns: &[usize]) -> Vec<Vec<Option<String>>> {
    rows.iter()
        .map(|r| columns.iter().map(|&c| r[c].clone()).collect())
        .collect()
}

fn dedup(name: &str) -> PairMetrics {
    let table = read(name);
    let (fields, columns) = fields_of(&table);
    let entity = table.headers.iter().position(|h| h == "entity_id").unwrap();
    let labels: Vec<Option<String>> = table.rows.iter().map(|r| r[entity].clone()).collect();
    let outcome = Deduper::new(fields).run(&project(&table.rows, &columns), None);
    pair_metrics(&outcome.clusters, &labels, None)
}

#[test]
fn febrl_headers_infer_the_expected_kinds() {
    let table = read("febrl1.csv");
    let (fields, _) = fields_of(&table);
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    assert!(
        !names.contains(&"rec_id") && !names.contains(&"entity_id"),
        "{names:?}"
    );
    assert_eq!(fields.len(), 10, "{fields:?}");
}

#[test]
fn febrl1_pairwise_f1_floor() {
    let m = dedup("febrl1.csv");
    eprintln!("febrl1 {m:?}");
    assert!(m.f1 >= FEBRL1_F1_FLOOR, "{m:?}");
}

#[test]
fn febrl2_pairwise_f1_floor() {
    let m = dedup("febrl2.csv");
    eprintln!("febrl2 {m:?}");
    assert!(m.f1 >= FEBRL2_F1_FLOOR, "{m:?}");
}

#[test]
fn febrl4_link_f1_floor() {
    let a = read("febrl4a.csv");
    let b = read("febrl4b.csv");
    let (fields, columns) = fields_of(&a);
    let id = a.headers.iter().position(|h| h == "rec_id").unwrap();
    let mut rows = a.rows;
    let first = rows.len();
    rows.extend(b.rows);
    let sources: Vec<u8> = (0..rows.len()).map(|i| u8::from(i >= first)).collect();
    let index: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| (r[id].clone().unwrap(), i))
        .collect();
    let mut labels = vec![None; rows.len()];
    for (n, link) in read("febrl4_true_links.csv").rows.iter().enumerate() {
        for side in link {
            labels[index[side.as_deref().unwrap()]] = Some(n.to_string());
        }
    }
    let outcome = Deduper::new(fields).run(&project(&rows, &columns), Some(&sources));
    let m = pair_metrics(&outcome.clusters, &labels, Some(&sources));
    eprintln!("febrl4 {m:?}");
    assert!(m.f1 >= FEBRL4_F1_FLOOR, "{m:?}");
}

// Measured today: 0.9990, 0.9982 and 0.9979, precision 1.0 on all three. Agreement of
// address, suburb and postcode counts once, as it does for a family at one address, which
// costs Febrl4 a few pairs whose names and birth dates both changed.
const FEBRL1_F1_FLOOR: f64 = 0.998;
const FEBRL2_F1_FLOOR: f64 = 0.995;
const FEBRL4_F1_FLOOR: f64 = 0.997;

/// Generated messy Chinese B2B records (see `crm_core::dedup::synth`): two seeds and sizes,
/// headers in Chinese, kinds inferred.
fn chinese(entities: usize, seed: u64) -> PairMetrics {
    chinese_with(entities, seed, SynthConfig::default().duplicate_share)
}

/// [`chinese`] with `duplicate_share` of the entities typed more than once.
fn chinese_with(entities: usize, seed: u64, duplicate_share: f64) -> PairMetrics {
    let data = generate(&SynthConfig {
        entities,
        seed,
        duplicate_share,
        ..SynthConfig::default()
    });
    let table = Table {
        headers: data.headers,
        rows: data.rows,
    };
    let (fields, columns) = fields_of(&table);
    assert_eq!(
        fields.len(),
        table.headers.len(),
        "every Chinese header has a kind: {fields:?}"
    );
    let labels: Vec<Option<String>> = data.entity.iter().map(|e| Some(e.to_string())).collect();
    let outcome = Deduper::new(fields).run(&project(&table.rows, &columns), None);
    pair_metrics(&outcome.clusters, &labels, None)
}

/// A mostly clean file: with few duplicates, unsupervised EM has little to learn from and
/// must not take coincidences (a common contact name in one city) for the match class.
#[test]
fn few_duplicates_are_found_without_false_matches() {
    for seed in [7, 19] {
        let m = chinese_with(5_000, seed, 0.005);
        eprintln!("0.5% duplicates, seed {seed}: {m:?}");
        // Measured 1.0 for seed 7; 0.68 before EM bounded disagreement among matches.
        assert!(m.f1 >= 0.95, "seed {seed}: {m:?}");
    }
}

#[test]
fn chinese_b2b_pairwise_f1_floor() {
    for (entities, seed) in [(1_500, 3), (4_000, 11)] {
        let m = chinese(entities, seed);
        eprintln!("chinese {entities} seed {seed}: {m:?}");
        // Measured 0.999-1.0; the floor leaves room for harmless model drift only.
        assert!(m.f1 >= 0.995, "{entities} entities, seed {seed}: {m:?}");
    }
}

#[test]
fn live_index_finds_duplicates_of_new_records() {
    use crm::core::dedup::DedupIndex;
    let data = generate(&SynthConfig {
        entities: 3_000,
        seed: 17,
        ..SynthConfig::default()
    });
    let fields = data
        .headers
        .iter()
        .map(|h| FieldSpec::new(h.clone(), FieldKind::from_header(h).unwrap()))
        .collect();
    let split = data.rows.len() - 1_000;
    // The model is fitted on the base, as a host does when it loads its book of business.
    let deduper = Deduper::new(fields);
    let model = deduper.run(&data.rows[..split], None).model;
    let mut index = DedupIndex::new(deduper, model);
    for (i, row) in data.rows[..split].iter().enumerate() {
        index.insert(i, row);
    }
    let (mut expected, mut found, mut top_right, mut top_wrong) = (0, 0, 0, 0);
    for (probe, entity) in data.rows[split..].iter().zip(&data.entity[split..]) {
        let has_twin = data.entity[..split].contains(entity);
        let matches = index.matches(probe, 0.5);
        expected += usize::from(has_twin);
        found += usize::from(has_twin && matches.iter().any(|m| data.entity[m.key] == *entity));
        match matches.first() {
            Some(m) if data.entity[m.key] == *entity => top_right += 1,
            Some(_) => top_wrong += 1,
            None => {}
        }
    }
    let recall = found as f64 / expected as f64;
    let precision = top_right as f64 / (top_right + top_wrong).max(1) as f64;
    eprintln!(
        "live index: {expected} probes with a twin, recall {recall:.4}, top-match precision {precision:.4}"
    );
    assert!(
        recall >= 0.97 && precision >= 0.99,
        "recall {recall}, precision {precision}"
    );
}

#[test]
fn a_model_fitted_from_labelled_pairs_scores_febrl1() {
    let table = read("febrl1.csv");
    let (fields, columns) = fields_of(&table);
    let entity = table.headers.iter().position(|h| h == "entity_id").unwrap();
    let labels: Vec<Option<String>> = table.rows.iter().map(|r| r[entity].clone()).collect();
    let rows = project(&table.rows, &columns);
    // A reviewer labelled 100 duplicate pairs and 1,000 pairs of different people.
    let mut pairs = Vec::new();
    for i in 0..rows.len() {
        for j in i + 1..rows.len() {
            let same = labels[i] == labels[j];
            let wanted = if same {
                pairs.iter().filter(|p: &&(usize, usize, bool)| p.2).count() < 100
            } else {
                (i * 7 + j) % 499 == 0
            };
            if wanted && pairs.len() < 1_100 {
                pairs.push((i, j, same));
            }
        }
    }
    let deduper = Deduper::new(fields);
    let model = deduper.fit_labelled(&rows, &pairs);
    let m = pair_metrics(
        &deduper.run_with_model(&rows, None, model).clusters,
        &labels,
        None,
    );
    eprintln!("febrl1 with a labelled model: {m:?}");
    assert!(m.f1 >= 0.99, "{m:?}");
}
