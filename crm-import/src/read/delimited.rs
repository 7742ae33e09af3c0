//! Delimited text (CSV, TSV ...) in any common encoding, read as a stream of records with the
//! physical line each starts on.
//!
//! Decoding ([`DecodingReader`]) feeds a [`Journal`] that keeps the current record's raw text,
//! which the `csv` parser reads. The raw text gives the line numbers (blank lines, which the
//! parser skips, come out as blank rows) and lets a record with an unclosed quote be reported
//! at the line it starts on and the lines after it be read again on their own.

use std::collections::VecDeque;
use std::io::Read;
use std::ops::Range;

use encoding_rs::Encoding;

use super::decode::DecodingReader;
use super::journal::Journal;
use super::lines::{LineCounter, leading_terminators, scan_quotes};
use super::record::Record;
use super::{Format, Layout, ReadError, ReadOptions, Table, encoding, header, sniff};

/// The longest a record may be before it is taken for a runaway quoted field.
const MAX_RECORD_BYTES: u64 = 64 * 1024 * 1024;

/// The most lines a quoted field may span before it is taken for an unclosed quote.
const MAX_RECORD_LINES: u64 = 1000;

/// The most text of a rejected line kept for the rejects file.
const MAX_RECOVERED_BYTES: usize = 64 * 1024;

type Parser<R> = csv::Reader<Journal<DecodingReader<R>>>;

/// Records of delimited text. Every line of the input is in exactly one record.
pub(crate) struct DelimitedRecords<R: Read> {
    /// `None` once the records have ended.
    parser: Option<Parser<R>>,
    /// The (decoded) input offset the parser started at.
    parser_start: u64,
    record: csv::ByteRecord,
    out: Output,
}

/// What has been read: the queue of records and where reading is.
struct Output {
    delimiter: u8,
    encoding: &'static Encoding,
    /// The line of the next unread byte.
    lines: LineCounter,
    /// Blank lines to yield before `ready`, and the progress they report.
    blank_rows: Range<u64>,
    blank_progress: u64,
    ready: VecDeque<Record>,
    bytes_read: u64,
    total_bytes: u64,
    max_record_bytes: u64,
}

/// A line to reject (from its start offset, for this reason) and read past.
struct Reject {
    start: u64,
    reason: String,
}

impl<R: Read> DelimitedRecords<R> {
    /// Records of `input` (raw bytes, `total_bytes` of them) in `encoding`, split at
    /// `delimiter`; a record longer than `max_record_bytes` is rejected.
    pub fn new(
        input: R,
        encoding: &'static Encoding,
        delimiter: u8,
        total_bytes: u64,
        max_record_bytes: u64,
    ) -> Self {
        let journal = Journal::new(DecodingReader::new(input, encoding), max_record_bytes);
        DelimitedRecords {
            parser: Some(parser(journal, delimiter)),
            parser_start: 0,
            record: csv::ByteRecord::new(),
            out: Output {
                delimiter,
                encoding,
                lines: LineCounter::at(1),
                blank_rows: 0..0,
                blank_progress: 0,
                ready: VecDeque::new(),
                bytes_read: 0,
                total_bytes,
                max_record_bytes,
            },
        }
    }

    /// Reads the next record (and the blank lines before it) into the queue.
    fn step(&mut self) {
        let Some(mut parser) = self.parser.take() else {
            return;
        };
        let start = self.parser_start + parser.position().byte();
        let outcome = parser.read_byte_record(&mut self.record);
        let end = self.parser_start + parser.position().byte();
        let journal = parser.get_mut();
        let overflowed = journal.take_overflow();
        let (reject, resume_at) = match outcome {
            Ok(found) => {
                let content = self.out.blank_lines(journal, start, end);
                if !found {
                    return;
                }
                match self.out.unclosed_quote(journal, content, end) {
                    Some(reject) => (Some(reject), content),
                    None => {
                        self.out.push_record(journal, &self.record, content, end);
                        self.parser = Some(parser);
                        return;
                    }
                }
            }
            Err(_) if overflowed => {
                let content = self.out.blank_lines(journal, start, u64::MAX);
                // A long run of blank lines is no error: read on after it.
                let blank_only = journal.kept(content, u64::MAX).is_empty();
                let reject = (!blank_only).then(|| self.out.overflow(journal, content));
                (reject, content)
            }
            Err(error) => {
                let reason = format!("read error, the rest of the file is not read: {error}");
                self.out.push_problem(journal, start, Vec::new(), reason);
                return;
            }
        };
        let mut journal = parser.into_inner();
        let resume_at = match reject {
            Some(reject) => self.out.reject_line(&mut journal, reject),
            None => Some(resume_at),
        };
        if let Some(offset) = resume_at {
            journal.rewind(offset);
            journal.mark(offset);
            self.parser = Some(self::parser(journal, self.out.delimiter));
            self.parser_start = offset;
        }
    }
}

impl<R: Read> Iterator for DelimitedRecords<R> {
    type Item = Record;

    fn next(&mut self) -> Option<Record> {
        loop {
            if let Some(row) = self.out.blank_rows.next() {
                return Some(Record::blank(row, self.out.blank_progress));
            }
            if let Some(record) = self.out.ready.pop_front() {
                return Some(record);
            }
            self.parser.as_ref()?;
            self.step();
        }
    }
}

impl Output {
    /// Queues a blank row for each empty line at the start of `start..end` (as a range, so a
    /// long run of them takes no memory); returns the offset where the record's own text
    /// starts.
    fn blank_lines<R: Read>(
        &mut self,
        journal: &Journal<DecodingReader<R>>,
        start: u64,
        end: u64,
    ) -> u64 {
        let text = journal.kept(start, end);
        let skipped = leading_terminators(text);
        let first_blank = self.lines.line();
        self.lines.advance(&text[..skipped]);
        let content = start + skipped as u64;
        self.blank_progress = self.progress(journal, content);
        self.blank_rows = first_blank..self.lines.line();
        content
    }

    /// Whether the record in `start..end` is a runaway quoted field spanning lines: one the
    /// parser ended at the end of the input with its quote still open, one whose quote
    /// "closed" mid-cell on a later line (it was the opening quote of another field), or one
    /// spanning too many lines.
    fn unclosed_quote<R: Read>(
        &self,
        journal: &Journal<DecodingReader<R>>,
        start: u64,
        end: u64,
    ) -> Option<Reject> {
        let text = journal.kept(start, end);
        if !text.contains(&b'"') {
            return None;
        }
        let mut after = self.lines;
        after.advance(text);
        let spanned = after.line() - self.lines.line();
        let quotes = scan_quotes(text, self.delimiter);
        let reason = if quotes.open_at_end {
            "the quoted cell starting on this line never ends".to_string()
        } else if spanned > 1 && quotes.text_after_closing {
            "the quoted cell starting on this line ends mid-cell on a later line".to_string()
        } else if spanned > MAX_RECORD_LINES {
            format!(
                "the quoted cell starting on this line runs over more than {MAX_RECORD_LINES} lines"
            )
        } else {
            return None;
        };
        Some(Reject {
            start,
            reason: format!("unclosed quote: {reason}"),
        })
    }

    /// The rejection of a record that ran past the journal's limit.
    fn overflow<R: Read>(&self, journal: &Journal<DecodingReader<R>>, start: u64) -> Reject {
        let reason = if scan_quotes(journal.kept(start, u64::MAX), self.delimiter).open_at_end {
            format!(
                "unclosed quote: the quoted cell starting on this line runs past {} bytes",
                self.max_record_bytes
            )
        } else {
            format!("row is longer than {} bytes", self.max_record_bytes)
        };
        Reject { start, reason }
    }

    /// Queues the record the parser read from `start..end`.
    fn push_record<R: Read>(
        &mut self,
        journal: &mut Journal<DecodingReader<R>>,
        record: &csv::ByteRecord,
        start: u64,
        end: u64,
    ) {
        let row = self.lines.line();
        self.lines.advance(journal.kept(start, end));
        let malformed = journal.inner_mut().take_malformed(start, end);
        let cells = record.iter().map(cell_text).collect();
        let problem = malformed.then(|| self.invalid_reason());
        let bytes_read = self.progress(journal, end);
        self.ready.push_back(Record {
            row,
            cells,
            problem,
            bytes_read,
        });
        journal.mark(end);
    }

    /// Queues a rejected record on the current line.
    fn push_problem<R: Read>(
        &mut self,
        journal: &Journal<DecodingReader<R>>,
        offset: u64,
        cells: Vec<String>,
        reason: String,
    ) {
        let row = self.lines.line();
        let bytes_read = self.progress(journal, offset);
        self.ready.push_back(Record {
            row,
            cells,
            problem: Some(reason),
            bytes_read,
        });
    }

    /// Rejects the line the rejected record starts on (its cells split at the delimiter,
    /// quotes left as they are) and returns the offset of the next line, to read on from;
    /// `None` after a read error, which ends the records.
    fn reject_line<R: Read>(
        &mut self,
        journal: &mut Journal<DecodingReader<R>>,
        reject: Reject,
    ) -> Option<u64> {
        let Reject { start, reason } = reject;
        let (next_line, text) = match journal.line_from(start, MAX_RECOVERED_BYTES) {
            Ok(line) => line,
            Err(error) => {
                let reason = format!("{reason}; then a read error: {error}");
                self.push_problem(journal, start, Vec::new(), reason);
                return None;
            }
        };
        let reason = if journal.inner_mut().take_malformed(start, next_line) {
            format!("{reason}; {}", self.invalid_reason())
        } else {
            reason
        };
        let cells = text
            .split(|&byte| byte == self.delimiter)
            .map(cell_text)
            .collect();
        self.push_problem(journal, next_line, cells, reason);
        self.lines = LineCounter::at(self.lines.line() + 1);
        Some(next_line)
    }

    fn invalid_reason(&self) -> String {
        format!("not valid {}", self.encoding.name())
    }

    /// Raw bytes read up to decoded offset `offset`, never going back.
    fn progress<R: Read>(&mut self, journal: &Journal<DecodingReader<R>>, offset: u64) -> u64 {
        let estimate = journal.inner().raw_offset(offset).min(self.total_bytes);
        self.bytes_read = self.bytes_read.max(estimate);
        self.bytes_read
    }
}

fn parser<R: Read>(journal: Journal<R>, delimiter: u8) -> csv::Reader<Journal<R>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(journal)
}

/// A cell's text (the decoded input is UTF-8, and fields split at ASCII bytes stay so), NUL
/// characters removed.
fn cell_text(field: &[u8]) -> String {
    let mut text = String::from_utf8_lossy(field).into_owned();
    if text.contains('\0') {
        text.retain(|c| c != '\0');
    }
    text
}

/// Opens delimited text whose first bytes are `sample` (`complete` when that is all of it)
/// and the rest `rest`.
pub(super) fn open(
    path: &str,
    sample: Vec<u8>,
    complete: bool,
    rest: impl Read + Send + 'static,
    total_bytes: u64,
    options: &ReadOptions,
) -> Result<Table, ReadError> {
    let unreadable = |reason| ReadError::Unreadable {
        path: path.to_string(),
        reason,
    };
    let detected =
        encoding::detect(&sample, complete, options.encoding.as_deref()).map_err(unreadable)?;
    let delimiter = match options.delimiter {
        Some(delimiter) => delimiter,
        None => {
            let body = sample.get(detected.bom_len..).unwrap_or_default();
            let (text, _) = detected.encoding.decode_without_bom_handling(body);
            sniff::delimiter(&text, complete)
        }
    };
    let input = std::io::Cursor::new(sample).chain(rest);
    let records = DelimitedRecords::new(
        input,
        detected.encoding,
        delimiter,
        total_bytes,
        MAX_RECORD_BYTES,
    );
    let split = header::split(records, options.header_row, 0, &[])
        .map_err(|error| error.into_read_error(path))?;
    let layout = Layout {
        format: Format::Csv,
        encoding: Some(detected.encoding.name().to_string()),
        delimiter: Some(char::from(delimiter)),
        sheet: None,
        header_row: split.row,
        headers: split.names,
        total_bytes,
    };
    Ok(Table::new(layout, split.rows))
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::UTF_8;

    /// `rows` lines of CSV made on the fly, never held in memory as a whole.
    struct Generated {
        rows: u64,
        next: u64,
        pending: Vec<u8>,
    }

    impl Read for Generated {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.pending.is_empty() && self.next < self.rows {
                self.pending =
                    format!("客户{0},1380000{0:04},\"北京\n朝阳\"\n", self.next).into_bytes();
                self.next += 1;
            }
            let n = self.pending.len().min(buf.len());
            buf[..n].copy_from_slice(&self.pending[..n]);
            self.pending.drain(..n);
            Ok(n)
        }
    }

    fn read_records(text: &str, limit: u64) -> Vec<Record> {
        DelimitedRecords::new(text.as_bytes(), UTF_8, b',', text.len() as u64, limit).collect()
    }

    #[test]
    fn memory_stays_flat_over_a_long_input() {
        let input = Generated {
            rows: 200_000,
            next: 0,
            pending: Vec::new(),
        };
        let mut records = DelimitedRecords::new(input, UTF_8, b',', u64::MAX, MAX_RECORD_BYTES);
        let mut most_kept = 0;
        let mut count = 0;
        let mut last_row = 0;
        while let Some(record) = records.next() {
            if let Some(parser) = &records.parser {
                most_kept = most_kept.max(parser.get_ref().kept_len());
            }
            count += 1;
            last_row = record.row;
        }
        assert_eq!(count, 200_000);
        assert_eq!(last_row, 399_999);
        assert!(most_kept < 256 * 1024, "kept {most_kept} bytes");
    }

    #[test]
    fn a_row_past_the_limit_is_rejected_and_reading_goes_on() {
        let long = "x".repeat(50_000);
        let text = format!("a,b\n1,\"{long}\n2,y\n3,z\n");
        let records = read_records(&text, 1000);
        let problems: Vec<_> = records.iter().map(|r| (r.row, r.problem.clone())).collect();
        assert_eq!(
            problems,
            [
                (1, None),
                (
                    2,
                    Some(
                        "unclosed quote: the quoted cell starting on this line runs past 1000 bytes"
                            .to_string(),
                    )
                ),
                (3, None),
                (4, None),
            ]
        );
        assert_eq!(records[1].cells, ["1", &format!("\"{long}")]);

        let text = format!("a,b\n1,{long}\n2,y\n");
        let records = read_records(&text, 1000);
        assert_eq!(
            records[1].problem,
            Some("row is longer than 1000 bytes".to_string())
        );
        assert_eq!(records[2].cells, ["2", "y"]);
    }

    #[test]
    fn a_long_run_of_blank_lines_is_blank_rows_not_an_error() {
        let text = format!("a,b\n{}1,2\n", "\r\n".repeat(100_000));
        let records = read_records(&text, 1000);
        assert_eq!(records.len(), 100_002);
        assert!(records.iter().all(|record| record.problem.is_none()));
        assert!(
            records[1..100_001]
                .iter()
                .all(|record| record.cells.is_empty())
        );
        let last = records
            .last()
            .map(|record| (record.row, record.cells.clone()));
        assert_eq!(
            last,
            Some((100_002, vec!["1".to_string(), "2".to_string()]))
        );
    }
}
