//! The rejects file: every rejected row with its original cells, its row number and the
//! reason, as a CSV that Excel opens with Chinese intact (UTF-8 with a BOM).
//!
//! Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return) are written with a leading `'`, here and in every file the importer writes.

use std::io::Write;

/// Writes rejected rows.
pub struct RejectsWriter<W: Write> {
    csv: csv::Writer<W>,
    width: usize,
}

/// A cell made safe to open in a spreadsheet (CSV injection): a leading `'` before anything a
/// spreadsheet would evaluate.
///
/// ```
/// # use crm_import::rejects::neutralise;
/// assert_eq!(neutralise("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(neutralise("-12"), "'-12");
/// assert_eq!(neutralise("华为"), "华为");
/// ```
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

impl<W: Write> RejectsWriter<W> {
    /// Start a rejects file on `out` for a file with `headers`: the header row is the original
    /// headers, then `row` and `reason`.
    pub fn new(mut out: W, headers: &[String]) -> std::io::Result<RejectsWriter<W>> {
        out.write_all("\u{feff}".as_bytes())?;
        let mut csv = csv::WriterBuilder::new().flexible(true).from_writer(out);
        let header: Vec<String> = headers
            .iter()
            .map(|h| neutralise(h).into_owned())
            .chain(["row".to_owned(), "reason".to_owned()])
            .collect();
        csv.write_record(&header).map_err(std::io::Error::other)?;
        Ok(RejectsWriter {
            csv,
            width: headers.len(),
        })
    }

    /// Write one rejected row: its cells (padded to the header's width), row number and reason.
    pub fn write(&mut self, row: u64, cells: &[String], reason: &str) -> std::io::Result<()> {
        let padding = self.width.saturating_sub(cells.len());
        let record: Vec<String> = cells
            .iter()
            .map(String::as_str)
            .chain(std::iter::repeat_n("", padding))
            .map(|c| neutralise(c).into_owned())
            .chain([row.to_string(), neutralise(reason).into_owned()])
            .collect();
        self.csv
            .write_record(&record)
            .map_err(std::io::Error::other)
    }

    /// Flush and hand back the output.
    pub fn finish(self) -> std::io::Result<W> {
        self.csv
            .into_inner()
            .map_err(|e| std::io::Error::other(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_keep_cells_add_row_and_reason_and_start_with_a_bom() {
        let headers = vec!["客户名称".to_owned(), "手机".to_owned()];
        let mut writer = RejectsWriter::new(Vec::new(), &headers).unwrap();
        writer
            .write(7, &["=1+1".to_owned()], "手机 \"12\": too short")
            .unwrap();
        let bytes = writer.finish().unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let body = text.strip_prefix('\u{feff}').expect("BOM first");
        let mut reader = csv::Reader::from_reader(body.as_bytes());
        assert_eq!(
            reader.headers().unwrap().iter().collect::<Vec<_>>(),
            ["客户名称", "手机", "row", "reason"]
        );
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(
            row.iter().collect::<Vec<_>>(),
            ["'=1+1", "", "7", "手机 \"12\": too short"]
        );
    }
}
