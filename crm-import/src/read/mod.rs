//! Streaming readers: CSV in any common encoding and delimiter, and workbook sheets (XLSX,
//! XLS, ODS), as rows of text cells numbered as the user sees them.
//!
//! [`open`] (a file) and [`open_bytes`] (an upload in memory) recognise the format from the
//! content, find the header row (skipping title rows above it) and return a [`Table`]: the
//! [`Layout`] found and an iterator yielding every row after the header exactly once, as a
//! [`RawRow`] or, when it cannot be taken as it is, a [`RowError`] with what was recovered.
//!
//! - Delimited text is streamed: memory stays flat whatever the file size. The encoding is
//!   taken from a byte order mark, else detected (valid UTF-8 stays UTF-8; GBK, GB18030,
//!   Big5 ... are guessed by chardetng); the delimiter is sniffed among `, ; TAB |`. Row
//!   numbers are physical line numbers: a record with a quoted line break counts its lines.
//!   Blank lines are rows with empty cells. A row with bytes not valid in the encoding is a
//!   [`RowError`] ("not valid GBK"). A quoted cell never closed (it runs to the end of the
//!   file, or over more than a thousand lines or 64 MiB) rejects the line it starts on, and
//!   reading goes on from the next line as if that quote were not there. NUL characters are
//!   removed from cells.
//! - Workbooks are read with calamine (a sheet is held in memory). Numbers read as typed
//!   (a phone stored as a number stays "13812345678"), dates as ISO text ("2024-01-05",
//!   "2024-01-05 13:45:00"), booleans as "TRUE"/"FALSE", errors as Excel shows them ("#N/A").
//!   A header cell merged across columns names each of them ("电话", "电话 (2)").

mod cell;
mod decode;
mod delimited;
mod encoding;
mod format;
mod header;
mod journal;
mod lines;
mod record;
mod sniff;
mod workbook;

use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;

/// How many bytes of a file are looked at to recognise its format, encoding and delimiter.
const SAMPLE_BYTES: usize = 64 * 1024;

/// The kind of file read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Delimited text: comma, semicolon, tab or pipe.
    Csv,
    /// Office Open XML workbook.
    Xlsx,
    /// Legacy Excel workbook.
    Xls,
    /// OpenDocument spreadsheet.
    Ods,
}

/// What the caller knows better than detection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    /// The sheet to read (workbooks), by name (an exact match first, else ignoring case and
    /// surrounding spaces); when absent, the first sheet with a value in it, visible sheets
    /// before hidden ones.
    pub sheet: Option<String>,
    /// The encoding label (WHATWG names: "utf-8", "gbk", "gb18030", "utf-16le" ...) of a CSV;
    /// detected when absent.
    pub encoding: Option<String>,
    /// The delimiter of a CSV; sniffed among `, ; TAB |` when absent.
    pub delimiter: Option<u8>,
    /// The 1-based row number of the header (for a CSV, the line it starts on, or the first
    /// record after); found when absent: the first row filling at least two cells and at
    /// least half as many as the fullest of the first hundred rows (so title rows above it are
    /// skipped), else the first non-blank row.
    pub header_row: Option<u64>,
}

/// How a file was read, as the import report shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Layout {
    /// The file format.
    pub format: Format,
    /// The encoding used for a CSV, as encoding_rs names it (e.g. "UTF-8", "GBK", "gb18030",
    /// "UTF-16LE").
    pub encoding: Option<String>,
    /// The delimiter used for a CSV.
    pub delimiter: Option<char>,
    /// The sheet read from a workbook.
    pub sheet: Option<String>,
    /// The 1-based row number of the header row.
    pub header_row: u64,
    /// The header cells, trimmed; never two the same (a repeated header gets a ` (2)` suffix),
    /// never empty (an empty one is named by its column letter, "Column C"). There are as
    /// many as the columns used by the header or the rows right after it.
    pub headers: Vec<String>,
    /// The size of the input in bytes, for progress.
    pub total_bytes: u64,
}

/// One data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRow {
    /// The 1-based row number the user sees in Excel (for a CSV, the physical line the row
    /// starts on).
    pub row: u64,
    /// The cells as text, as many as there are headers (short rows padded with empty cells;
    /// cells beyond the last header are reported through [`RowError`]).
    pub cells: Vec<String>,
    /// Bytes of input consumed so far, for progress (for a workbook, in proportion to rows).
    pub bytes_read: u64,
}

/// A row that could not be read as cells: it is rejected with whatever text was recovered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("row {row}: {reason}")]
pub struct RowError {
    /// The 1-based row number.
    pub row: u64,
    /// The cells or raw text recovered, for the rejects file.
    pub cells: Vec<String>,
    /// What is wrong, for the user.
    pub reason: String,
    /// Bytes of input consumed so far, for progress.
    pub bytes_read: u64,
}

/// A file that cannot be read at all.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file has no header row (empty, BOM only, or nothing but blank rows).
    #[error("{path}: no header row found")]
    NoHeader {
        /// The file.
        path: String,
    },
    /// The sheet asked for is not in the workbook.
    #[error("{path}: no sheet named {sheet:?}; the sheets are {}", available.join(", "))]
    SheetNotFound {
        /// The file.
        path: String,
        /// The sheet asked for.
        sheet: String,
        /// The sheets there are.
        available: Vec<String>,
    },
    /// The format or content is not something this reader understands.
    #[error("{path}: {reason}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
}

/// An open file: its [`Layout`] and an iterator over its data rows.
pub struct Table {
    /// How the file was read.
    pub layout: Layout,
    rows: Box<dyn Iterator<Item = Result<RawRow, RowError>> + Send>,
}

impl Table {
    /// A table of `rows` read as `layout` says.
    pub fn new(
        layout: Layout,
        rows: impl Iterator<Item = Result<RawRow, RowError>> + Send + 'static,
    ) -> Self {
        Table {
            layout,
            rows: Box::new(rows),
        }
    }
}

impl Iterator for Table {
    type Item = Result<RawRow, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rows.next()
    }
}

/// Opens the file at `path`. The format is recognised from the content (a ZIP archive is
/// XLSX or ODS, an OLE file XLS, anything else delimited text), whatever the extension.
pub fn open(path: &Path, options: &ReadOptions) -> Result<Table, ReadError> {
    let name = path.display().to_string();
    let io_error = |source| ReadError::Io {
        path: name.clone(),
        source,
    };
    let mut file = File::open(path).map_err(io_error)?;
    let total_bytes = file.metadata().map_err(io_error)?.len();
    let mut sample = Vec::with_capacity(SAMPLE_BYTES);
    file.by_ref()
        .take(SAMPLE_BYTES as u64)
        .read_to_end(&mut sample)
        .map_err(io_error)?;
    match format::recognise(&sample) {
        Format::Csv => {
            let complete = sample.len() < SAMPLE_BYTES;
            delimited::open(&name, sample, complete, file, total_bytes, options)
        }
        workbook => {
            file.rewind().map_err(io_error)?;
            workbook::open(&name, BufReader::new(file), workbook, total_bytes, options)
        }
    }
}

/// Opens a file held in memory (an upload): `name` stands for it in errors.
pub fn open_bytes(name: &str, bytes: Vec<u8>, options: &ReadOptions) -> Result<Table, ReadError> {
    let total_bytes = bytes.len() as u64;
    match format::recognise(&bytes) {
        Format::Csv => {
            let sample = bytes[..bytes.len().min(SAMPLE_BYTES)].to_vec();
            let complete = sample.len() == bytes.len();
            let mut rest = Cursor::new(bytes);
            rest.set_position(sample.len() as u64);
            delimited::open(name, sample, complete, rest, total_bytes, options)
        }
        workbook => workbook::open(name, Cursor::new(bytes), workbook, total_bytes, options),
    }
}
