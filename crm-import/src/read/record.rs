//! Rows as a reader produces them, before the header is known, and their shaping into a
//! [`RawRow`] or a [`RowError`] once the header fixes the number of columns.

use super::{RawRow, RowError};

/// One row as read: its number, its cells and, when it could not be read cleanly, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// The 1-based row number the user sees.
    pub row: u64,
    /// The cells, as many as the row had (none for a blank CSV line).
    pub cells: Vec<String>,
    /// Why the row is rejected whatever its cells (an unclosed quote, bytes not valid in the
    /// encoding ...).
    pub problem: Option<String>,
    /// Bytes of input consumed so far.
    pub bytes_read: u64,
}

impl Record {
    /// A row with no cells at all (a blank line).
    pub fn blank(row: u64, bytes_read: u64) -> Self {
        Record {
            row,
            cells: Vec::new(),
            problem: None,
            bytes_read,
        }
    }

    /// How many cells hold something other than whitespace.
    pub fn filled_cells(&self) -> usize {
        self.cells.iter().filter(|cell| is_filled(cell)).count()
    }

    /// The number of cells up to and including the last one that holds something.
    pub fn used_width(&self) -> usize {
        self.cells
            .iter()
            .rposition(|cell| is_filled(cell))
            .map_or(0, |last| last + 1)
    }

    /// The row as `width` cells, or rejected: because of its [`problem`](Record::problem), or
    /// because it fills cells beyond the last header.
    pub fn shape(self, width: usize) -> Result<RawRow, RowError> {
        let used = self.used_width();
        let Record {
            row,
            mut cells,
            problem,
            bytes_read,
        } = self;
        let reason = problem.or_else(|| {
            (used > width).then(|| format!("row has {used} cells, the header has {width}"))
        });
        match reason {
            Some(reason) => Err(RowError {
                row,
                cells,
                reason,
                bytes_read,
            }),
            None => {
                cells.resize(width, String::new());
                Ok(RawRow {
                    row,
                    cells,
                    bytes_read,
                })
            }
        }
    }
}

fn is_filled(cell: &str) -> bool {
    !cell.trim().is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(cells: &[&str]) -> Record {
        Record {
            row: 4,
            cells: cells.iter().map(|c| c.to_string()).collect(),
            problem: None,
            bytes_read: 10,
        }
    }

    #[test]
    fn short_rows_are_padded_and_empty_extra_cells_dropped() {
        let row = record(&["a"]).shape(3).unwrap();
        assert_eq!(row.cells, ["a", "", ""]);
        let row = record(&["a", "b", "", " "]).shape(2).unwrap();
        assert_eq!(row.cells, ["a", "b"]);
    }

    #[test]
    fn filled_cells_beyond_the_header_reject_the_row() {
        let err = record(&["a", "", "c"]).shape(2).unwrap_err();
        assert_eq!(err.reason, "row has 3 cells, the header has 2");
        assert_eq!(err.cells, ["a", "", "c"]);
        assert_eq!(err.row, 4);
    }

    #[test]
    fn a_problem_rejects_the_row_with_its_cells() {
        let mut rec = record(&["a"]);
        rec.problem = Some("not valid GBK".into());
        let err = rec.shape(1).unwrap_err();
        assert_eq!(err.reason, "not valid GBK");
        assert_eq!(err.cells, ["a"]);
    }
}
