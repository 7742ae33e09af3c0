//! Helpers shared by the reader tests: reading bytes or files to the end, and encoding text
//! as UTF-16 (which encoding_rs does not encode to).

#![allow(dead_code)]

use crm_import::read::{Layout, RawRow, ReadError, ReadOptions, RowError, open_bytes};

/// Every row of a read table.
pub type Rows = Vec<Result<RawRow, RowError>>;

/// Reads `bytes` with default options.
pub fn read(bytes: impl Into<Vec<u8>>) -> (Layout, Rows) {
    read_with(bytes, &ReadOptions::default())
}

/// Reads `bytes` with `options`; panics if the file cannot be read at all.
pub fn read_with(bytes: impl Into<Vec<u8>>, options: &ReadOptions) -> (Layout, Rows) {
    let table = try_read(bytes, options).expect("the file reads");
    let layout = table.layout.clone();
    (layout, table.collect())
}

/// Reads `bytes` with `options`.
pub fn try_read(
    bytes: impl Into<Vec<u8>>,
    options: &ReadOptions,
) -> Result<crm_import::read::Table, ReadError> {
    open_bytes("test.csv", bytes.into(), options)
}

/// The cells of the rows, which must all be read cleanly.
pub fn cells(rows: &Rows) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| match row {
            Ok(row) => row.cells.clone(),
            Err(error) => panic!("unexpected {error}"),
        })
        .collect()
}

/// The row numbers of the rows, read or rejected.
pub fn row_numbers(rows: &Rows) -> Vec<u64> {
    rows.iter()
        .map(|row| match row {
            Ok(row) => row.row,
            Err(error) => error.row,
        })
        .collect()
}

/// Text as `Vec<Vec<String>>`, for comparisons.
pub fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect()
}

/// `text` as UTF-16LE with a byte order mark.
pub fn utf16le_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    bytes
}

/// `text` as UTF-16BE with a byte order mark.
pub fn utf16be_with_bom(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    bytes
}
