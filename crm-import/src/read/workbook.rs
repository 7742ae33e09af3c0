//! Workbook sheets (XLSX, XLS, ODS), read with calamine: the chosen sheet's rows with Excel's
//! row numbers, cells as text.

use std::io::{Read, Seek};

use calamine::{Data, Ods, Range, Reader, SheetVisible, Sheets, Xls, Xlsx, open_workbook_from_rs};

use super::header::{self, MergedCells};
use super::record::Record;
use super::{Format, Layout, ReadError, ReadOptions, Table, cell};

/// Opens the workbook `input` (of `format`, `total_bytes` long) and its chosen sheet.
pub(super) fn open<RS: Read + Seek>(
    path: &str,
    input: RS,
    format: Format,
    total_bytes: u64,
    options: &ReadOptions,
) -> Result<Table, ReadError> {
    let unreadable = |reason| ReadError::Unreadable {
        path: path.to_string(),
        reason,
    };
    let mut workbook = load(input, format).map_err(unreadable)?;
    let (sheet, range) = choose_sheet(&mut workbook, options.sheet.as_deref(), path)?;
    let (first_row, first_column) = range.start().unwrap_or_default();
    let merges = merged_cells(&mut workbook, &sheet, first_column);
    let records = records(range, u64::from(first_row), total_bytes);
    let split = header::split(records, options.header_row, first_column, &merges)
        .map_err(|error| error.into_read_error(path))?;
    let layout = Layout {
        format,
        encoding: None,
        delimiter: None,
        sheet: Some(sheet),
        header_row: split.row,
        headers: split.names,
        total_bytes,
    };
    Ok(Table::new(layout, split.rows))
}

fn load<RS: Read + Seek>(input: RS, format: Format) -> Result<Sheets<RS>, String> {
    let not_readable =
        |error: &dyn std::fmt::Display| format!("not a readable {format:?} workbook: {error}");
    match format {
        Format::Xlsx => open_workbook_from_rs::<Xlsx<RS>, RS>(input)
            .map(Sheets::Xlsx)
            .map_err(|error| not_readable(&error)),
        Format::Xls => open_workbook_from_rs::<Xls<RS>, RS>(input)
            .map(Sheets::Xls)
            .map_err(|error| not_readable(&error)),
        Format::Ods => open_workbook_from_rs::<Ods<RS>, RS>(input)
            .map(Sheets::Ods)
            .map_err(|error| not_readable(&error)),
        Format::Csv => Err("delimited text is not a workbook".to_string()),
    }
}

/// The sheet asked for (by exact name, else ignoring case and surrounding spaces), or the
/// first one with a value in it (visible sheets first).
fn choose_sheet<RS: Read + Seek>(
    workbook: &mut Sheets<RS>,
    wanted: Option<&str>,
    path: &str,
) -> Result<(String, Range<Data>), ReadError> {
    let unreadable = |name: &str, error: calamine::Error| ReadError::Unreadable {
        path: path.to_string(),
        reason: format!("sheet {name:?}: {error}"),
    };
    if let Some(wanted) = wanted {
        let names = workbook.sheet_names();
        let loose = |name: &&String| name.trim().to_lowercase() == wanted.trim().to_lowercase();
        let name = names
            .iter()
            .find(|name| *name == wanted)
            .or_else(|| names.iter().find(loose))
            .cloned()
            .ok_or_else(|| ReadError::SheetNotFound {
                path: path.to_string(),
                sheet: wanted.to_string(),
                available: names.clone(),
            })?;
        let range = workbook
            .worksheet_range(&name)
            .map_err(|error| unreadable(&name, error))?;
        return Ok((name, range));
    }
    let mut sheets = workbook.sheets_metadata().to_vec();
    sheets.sort_by_key(|sheet| sheet.visible != SheetVisible::Visible);
    let mut first_error = None;
    for sheet in sheets {
        match workbook.worksheet_range(&sheet.name) {
            Ok(range) if range.used_cells().next().is_some() => return Ok((sheet.name, range)),
            Ok(_) => {}
            Err(error) => {
                first_error.get_or_insert_with(|| unreadable(&sheet.name, error));
            }
        }
    }
    Err(first_error.unwrap_or_else(|| ReadError::NoHeader {
        path: path.to_string(),
    }))
}

/// The regions of `sheet` merged across columns, as cell indices of rows starting at
/// `first_column`. Formats without merge information (ODS) have none.
fn merged_cells<RS: Read + Seek>(
    workbook: &mut Sheets<RS>,
    sheet: &str,
    first_column: u32,
) -> Vec<MergedCells> {
    let regions = match workbook {
        Sheets::Xlsx(xlsx) => xlsx.merge_cells_by_sheet_name(sheet).unwrap_or_default(),
        Sheets::Xls(xls) => xls.merge_cells_by_sheet_name(sheet).unwrap_or_default(),
        Sheets::Xlsb(_) | Sheets::Ods(_) => Vec::new(),
    };
    regions
        .into_iter()
        .filter(|region| region.end.1 > region.start.1 && region.start.1 >= first_column)
        .map(|region| MergedCells {
            row: u64::from(region.start.0) + 1,
            first: (region.start.1 - first_column) as usize,
            last: (region.end.1 - first_column) as usize,
        })
        .collect()
}

/// The rows of `range`, whose first row is the 0-based sheet row `first_row`; progress is
/// counted in proportion to rows.
fn records(
    range: Range<Data>,
    first_row: u64,
    total_bytes: u64,
) -> impl Iterator<Item = Record> + Send + 'static {
    let height = range.height() as u64;
    (0..height).map(move |index| {
        let cells = usize::try_from(index)
            .ok()
            .and_then(|index| range.rows().nth(index))
            .map(|row| row.iter().map(cell::text).collect())
            .unwrap_or_default();
        let done = u128::from(total_bytes) * u128::from(index + 1) / u128::from(height);
        Record {
            row: first_row + index + 1,
            cells,
            problem: None,
            bytes_read: u64::try_from(done).unwrap_or(total_bytes),
        }
    })
}
