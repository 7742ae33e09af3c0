//! Property: whatever cells `csv::Writer` writes (quotes, delimiters, line breaks, Chinese),
//! reading gives back the same cells and the same number of rows, each numbered by the line it
//! starts on.

mod read_support;

use proptest::prelude::*;
use read_support::{cells, read, row_numbers};

/// A cell: a mix of plain text, CSV's special characters, whitespace and Chinese.
fn cell() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-z0-9 ,;|\"'\t\r\n张三李四北京上海€𠀀]{0,12}")
        .expect("a valid regex")
}

fn rows_of(columns: usize) -> impl Strategy<Value = Vec<Vec<String>>> {
    proptest::collection::vec(proptest::collection::vec(cell(), columns), 0..40)
}

fn written(headers: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    if !headers.is_empty() {
        writer.write_record(headers).unwrap();
    }
    for row in rows {
        writer.write_record(row).unwrap();
    }
    writer.into_inner().unwrap()
}

/// The line each data row starts on: one more than the line breaks (`\n`, `\r\n` or a lone
/// `\r`) written before it.
fn start_lines(headers: &[String], rows: &[Vec<String>]) -> Vec<u64> {
    let mut line = 1 + line_breaks(&written(headers, &[]));
    rows.iter()
        .map(|row| {
            let start = line;
            line += line_breaks(&written(&[], std::slice::from_ref(row)));
            start
        })
        .collect()
}

fn line_breaks(text: &[u8]) -> u64 {
    let next = text.iter().skip(1).map(Some).chain([None]);
    text.iter()
        .zip(next)
        .filter(|&(&byte, next)| byte == b'\n' || (byte == b'\r' && next != Some(&b'\n')))
        .count() as u64
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn cells_written_by_csv_writer_read_back_the_same(
        rows in (2usize..7).prop_flat_map(rows_of)
    ) {
        let columns = rows.first().map_or(2, Vec::len);
        let headers: Vec<String> = (0..columns).map(|n| format!("列{n}")).collect();
        let (layout, read_rows) = read(written(&headers, &rows));
        prop_assert_eq!(&layout.headers, &headers);
        prop_assert_eq!(layout.header_row, 1);
        prop_assert_eq!(read_rows.len(), rows.len());
        prop_assert_eq!(row_numbers(&read_rows), start_lines(&headers, &rows));
        prop_assert_eq!(cells(&read_rows), rows);
    }
}
