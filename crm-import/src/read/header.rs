//! Finding the header row (skipping title rows above it), naming its columns, and turning the
//! rows after it into data rows of the header's width.

use std::collections::{HashSet, VecDeque};

use super::record::Record;
use super::{RawRow, ReadError, RowError};

/// How many rows are looked at to find the header.
const SCAN_ROWS: usize = 100;

/// Cells `first..=last` of row `row` merged into one (a header spanning several columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct MergedCells {
    /// The 1-based row number of the merged region's top row.
    pub row: u64,
    /// The index of the first merged cell in the row's cells.
    pub first: usize,
    /// The index of the last merged cell in the row's cells.
    pub last: usize,
}

/// Why no header row could be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum HeaderError {
    /// Nothing but blank rows.
    NoHeader,
    /// The requested header row is after the last row.
    PastEnd {
        /// The requested row.
        requested: u64,
        /// The last row there is.
        last: u64,
    },
}

impl HeaderError {
    /// The error for the file at `path`.
    pub fn into_read_error(self, path: &str) -> ReadError {
        let path = path.to_string();
        match self {
            HeaderError::NoHeader => ReadError::NoHeader { path },
            HeaderError::PastEnd { requested, last } => ReadError::Unreadable {
                path,
                reason: format!("header row {requested} is after the last row ({last})"),
            },
        }
    }
}

/// The header and the data rows after it.
pub(crate) struct Split {
    /// The 1-based row number of the header.
    pub row: u64,
    /// The column names: trimmed, unique, never empty.
    pub names: Vec<String>,
    /// The data rows, each exactly once.
    pub rows: Box<dyn Iterator<Item = Result<RawRow, RowError>> + Send>,
}

/// Takes the header from `records`: row `header_row` when given, else the first row that fills
/// at least two cells and at least half as many as the fullest of the first rows (so a title
/// row above the header is skipped), else the first non-blank row. Rows above the header are
/// titles, not data. `first_column` is the 0-based column of the first cell (for naming empty
/// header cells by column letter); `merges` are merged regions whose value fills the header
/// cells they cover. The header's last non-empty cell is the last column: a row filling a cell
/// beyond it is rejected.
pub(crate) fn split<I>(
    mut records: I,
    header_row: Option<u64>,
    first_column: u32,
    merges: &[MergedCells],
) -> Result<Split, HeaderError>
where
    I: Iterator<Item = Record> + Send + 'static,
{
    let (mut header, window) = match header_row {
        Some(requested) => {
            let mut last = None;
            let header = records.by_ref().find(|record| {
                last = Some(record.row);
                record.row >= requested
            });
            match (header, last) {
                (Some(header), _) => (header, VecDeque::new()),
                (None, Some(last)) => return Err(HeaderError::PastEnd { requested, last }),
                (None, None) => return Err(HeaderError::NoHeader),
            }
        }
        None => {
            let mut window: VecDeque<Record> = records.by_ref().take(SCAN_ROWS).collect();
            let at = header_index(window.make_contiguous()).ok_or(HeaderError::NoHeader)?;
            window.drain(..at);
            let header = window.pop_front().ok_or(HeaderError::NoHeader)?;
            (header, window)
        }
    };
    fill_merged(&mut header, merges);
    let width = header.used_width();
    let names = names(&header.cells, width, first_column);
    let rows = window
        .into_iter()
        .chain(records)
        .map(move |record| record.shape(width));
    Ok(Split {
        row: header.row,
        names,
        rows: Box::new(rows),
    })
}

/// The index of the header among the first rows, if any row is not blank.
fn header_index(rows: &[Record]) -> Option<usize> {
    let fullest = rows.iter().map(Record::filled_cells).max().unwrap_or(0);
    if fullest >= 2 {
        rows.iter().position(|record| {
            let filled = record.filled_cells();
            filled >= 2 && filled * 2 >= fullest
        })
    } else {
        rows.iter().position(|record| record.filled_cells() > 0)
    }
}

/// Copies a merged header cell's value into the empty cells it covers.
fn fill_merged(header: &mut Record, merges: &[MergedCells]) {
    for merge in merges.iter().filter(|merge| merge.row == header.row) {
        let Some(value) = header.cells.get(merge.first).cloned() else {
            continue;
        };
        let covered = header
            .cells
            .iter_mut()
            .take(merge.last + 1)
            .skip(merge.first + 1);
        for cell in covered.filter(|cell| cell.trim().is_empty()) {
            cell.clone_from(&value);
        }
    }
}

/// `width` column names from the header cells: trimmed, an empty one named by its column
/// letter ("Column C"), a repeated one numbered ("名称 (2)").
fn names(cells: &[String], width: usize, first_column: u32) -> Vec<String> {
    let mut taken = HashSet::new();
    (0..width)
        .map(|index| {
            let cell = cells.get(index).map_or("", |cell| cell.trim());
            let base = if cell.is_empty() {
                let column =
                    u32::try_from(index).map_or(u32::MAX, |i| i.saturating_add(first_column));
                format!("Column {}", column_letters(column))
            } else {
                cell.to_string()
            };
            let name = (1..)
                .map(|n| match n {
                    1 => base.clone(),
                    n => format!("{base} ({n})"),
                })
                .find(|name| !taken.contains(name))
                .unwrap_or(base);
            taken.insert(name.clone());
            name
        })
        .collect()
}

/// The spreadsheet letters of a 0-based column: 0 → "A", 25 → "Z", 26 → "AA".
pub(crate) fn column_letters(column: u32) -> String {
    let mut letters = Vec::new();
    let mut n = u64::from(column) + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(row: u64, cells: &[&str]) -> Record {
        Record {
            row,
            cells: cells.iter().map(|c| c.to_string()).collect(),
            problem: None,
            bytes_read: 0,
        }
    }

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(|n| n.to_string()).collect()
    }

    #[test]
    fn column_letters_count_like_a_spreadsheet() {
        assert_eq!(column_letters(0), "A");
        assert_eq!(column_letters(25), "Z");
        assert_eq!(column_letters(26), "AA");
        assert_eq!(column_letters(701), "ZZ");
        assert_eq!(column_letters(702), "AAA");
        assert_eq!(column_letters(u32::MAX), "MWLQKWV");
    }

    #[test]
    fn names_are_trimmed_unique_and_never_empty() {
        let cells = strings(&[" 名称 ", "名称", "", "名称 (2)", "名称"]);
        assert_eq!(
            names(&cells, 6, 0),
            [
                "名称",
                "名称 (2)",
                "Column C",
                "名称 (2) (2)",
                "名称 (3)",
                "Column F"
            ]
        );
        assert_eq!(names(&strings(&["", "x"]), 2, 2), ["Column C", "x"]);
    }

    #[test]
    fn a_title_row_above_the_header_is_skipped() {
        let rows = vec![
            rec(1, &["2024年客户名单"]),
            rec(2, &[]),
            rec(3, &["名称", "电话", "城市"]),
            rec(4, &["张三", "138", ""]),
        ];
        assert_eq!(header_index(&rows), Some(2));
    }

    #[test]
    fn a_single_column_file_takes_its_first_non_blank_row() {
        let rows = vec![rec(1, &[]), rec(2, &["name"]), rec(3, &["x"])];
        assert_eq!(header_index(&rows), Some(1));
        assert_eq!(header_index(&[rec(1, &[]), rec(2, &[" "])]), None);
    }

    #[test]
    fn a_merged_header_cell_names_the_columns_it_covers() {
        let records = vec![
            rec(1, &["名称", "电话", "", "城市"]),
            rec(2, &["a", "1", "2", "x"]),
        ];
        let merges = [MergedCells {
            row: 1,
            first: 1,
            last: 2,
        }];
        let split = split(records.into_iter(), None, 0, &merges).unwrap();
        assert_eq!(split.names, ["名称", "电话", "电话 (2)", "城市"]);
    }

    #[test]
    fn a_requested_header_row_past_the_end_is_an_error() {
        let records = vec![rec(1, &["a", "b"]), rec(2, &["1", "2"])];
        let err = split(records.into_iter(), Some(5), 0, &[]).err();
        assert_eq!(
            err,
            Some(HeaderError::PastEnd {
                requested: 5,
                last: 2
            })
        );
        let err = split(std::iter::empty(), Some(1), 0, &[]).err();
        assert_eq!(err, Some(HeaderError::NoHeader));
    }
}
