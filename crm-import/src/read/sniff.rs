//! Guessing the delimiter of a CSV from its first lines.

/// The delimiters tried, in order of preference on a tie.
const CANDIDATES: [u8; 4] = [b',', b';', b'\t', b'|'];

/// How many records of the sample are looked at.
const SNIFF_RECORDS: usize = 200;

/// The delimiter that splits the sample's records most consistently into more than one field
/// (quotes respected); on a tie the one giving more fields, then the earlier candidate.
/// Comma when none splits anything. `complete` tells whether the sample is the whole file;
/// if not, its last (possibly cut) line is ignored.
pub(crate) fn delimiter(sample: &str, complete: bool) -> u8 {
    let text = if complete {
        sample
    } else {
        sample.rfind('\n').map_or("", |end| &sample[..end])
    };
    let mut best: Option<(f64, usize, u8)> = None;
    for candidate in CANDIDATES {
        let Some((consistency, fields)) = score(text, candidate) else {
            continue;
        };
        let better = best.is_none_or(|(best_consistency, best_fields, _)| {
            consistency > best_consistency
                || (consistency == best_consistency && fields > best_fields)
        });
        if better {
            best = Some((consistency, fields, candidate));
        }
    }
    best.map_or(b',', |(_, _, delimiter)| delimiter)
}

/// The share of non-blank records having the most common field count, and that count, when it
/// is more than one.
fn score(text: &str, delimiter: u8) -> Option<(f64, usize)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let counts: Vec<usize> = reader
        .byte_records()
        .take(SNIFF_RECORDS)
        .filter_map(Result::ok)
        .filter(|record| record.len() > 1 || record.get(0).is_some_and(|f| !f.is_empty()))
        .map(|record| record.len())
        .collect();
    let mut tally: Vec<(usize, usize)> = Vec::new();
    for &count in &counts {
        match tally.iter_mut().find(|(fields, _)| *fields == count) {
            Some((_, seen)) => *seen += 1,
            None => tally.push((count, 1)),
        }
    }
    let (fields, seen) = tally
        .into_iter()
        .max_by_key(|&(fields, seen)| (seen, fields))?;
    (fields > 1).then(|| (seen as f64 / counts.len() as f64, fields))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_delimiter_is_found() {
        assert_eq!(delimiter("a,b,c\n1,2,3\n", true), b',');
        assert_eq!(delimiter("a;b;c\n1;2,5;3\n", true), b';');
        assert_eq!(delimiter("a\tb\n1\t2\n", true), b'\t');
        assert_eq!(delimiter("a|b\n1|2\n", true), b'|');
    }

    #[test]
    fn quoted_delimiters_do_not_count() {
        assert_eq!(delimiter("a;b\n\"x,y,z\";2\n\"p,q\";3\n", true), b';');
    }

    #[test]
    fn a_title_row_does_not_mislead() {
        let text = "客户名单\n\n名称;电话;城市\n张三;138;北京, 朝阳\n李四;139;上海\n";
        assert_eq!(delimiter(text, true), b';');
    }

    #[test]
    fn one_column_or_nothing_falls_back_to_comma() {
        assert_eq!(delimiter("name\nx\n", true), b',');
        assert_eq!(delimiter("", true), b',');
    }

    #[test]
    fn a_cut_last_line_is_ignored() {
        assert_eq!(delimiter("a;b\n1;2\nx,y,z,w,v", false), b';');
    }
}
