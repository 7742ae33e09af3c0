//! Workbooks (XLSX written by rust_xlsxwriter): numbers, dates, title rows, merged headers,
//! sheet choice, row numbers.

mod read_support;

use crm_import::read::{Format, ReadError, ReadOptions, open, open_bytes};
use read_support::{Rows, cells, row_numbers, table};
use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Formula, Workbook, Worksheet};

fn xlsx(fill: impl FnOnce(&mut Workbook)) -> Vec<u8> {
    let mut workbook = Workbook::new();
    fill(&mut workbook);
    workbook.save_to_buffer().expect("the workbook saves")
}

fn sheet(fill: impl FnOnce(&mut Worksheet)) -> Vec<u8> {
    xlsx(|workbook| fill(workbook.add_worksheet()))
}

fn read_workbook(bytes: Vec<u8>, options: &ReadOptions) -> (crm_import::read::Layout, Rows) {
    let table = open_bytes("客户.xlsx", bytes, options).expect("the workbook reads");
    (table.layout.clone(), table.collect())
}

fn write_row(sheet: &mut Worksheet, row: u32, first_column: u16, cells: &[&str]) {
    for (column, cell) in (first_column..).zip(cells) {
        sheet.write_string(row, column, *cell).unwrap();
    }
}

#[test]
fn a_phone_stored_as_a_number_keeps_its_digits() {
    let bytes = sheet(|sheet| {
        write_row(sheet, 0, 0, &["名称", "电话", "金额", "数量"]);
        sheet.write_string(1, 0, "张三").unwrap();
        sheet.write_number(1, 1, 13_812_345_678.0).unwrap();
        sheet.write_number(1, 2, 1234.56).unwrap();
        sheet.write_number(1, 3, 42.0).unwrap();
        sheet.write_number(2, 1, 8_613_912_345_678.0).unwrap();
        sheet.write_number(2, 2, 0.1).unwrap();
        sheet.write_number(2, 3, -7.0).unwrap();
    });
    let (layout, rows) = read_workbook(bytes, &ReadOptions::default());
    assert_eq!(layout.format, Format::Xlsx);
    assert_eq!(layout.encoding, None);
    assert_eq!(layout.delimiter, None);
    assert_eq!(layout.sheet.as_deref(), Some("Sheet1"));
    assert_eq!(
        cells(&rows),
        table(&[
            &["张三", "13812345678", "1234.56", "42"],
            &["", "8613912345678", "0.1", "-7"],
        ])
    );
}

#[test]
fn dates_read_as_iso_text_and_a_raw_serial_as_its_number() {
    let bytes = sheet(|sheet| {
        let date = CellFormat::new().set_num_format("yyyy-mm-dd");
        let datetime = CellFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let time = CellFormat::new().set_num_format("hh:mm");
        let chinese = CellFormat::new().set_num_format("yyyy\"年\"m\"月\"d\"日\"");
        write_row(sheet, 0, 0, &["日期", "时间戳", "时间", "中文日期", "序号"]);
        let day = ExcelDateTime::from_ymd(2024, 1, 5).unwrap();
        sheet.write_datetime_with_format(1, 0, &day, &date).unwrap();
        let moment = day.clone().and_hms(13, 45, 0).unwrap();
        sheet
            .write_datetime_with_format(1, 1, &moment, &datetime)
            .unwrap();
        let clock = ExcelDateTime::from_hms(13, 45, 0).unwrap();
        sheet
            .write_datetime_with_format(1, 2, &clock, &time)
            .unwrap();
        sheet
            .write_datetime_with_format(1, 3, &day, &chinese)
            .unwrap();
        sheet.write_number(1, 4, 45296.0).unwrap();
    });
    let (_, rows) = read_workbook(bytes, &ReadOptions::default());
    assert_eq!(
        cells(&rows),
        table(&[&[
            "2024-01-05",
            "2024-01-05 13:45:00",
            "13:45:00",
            "2024-01-05",
            "45296"
        ]])
    );
}

#[test]
fn booleans_and_error_values_read_as_excel_shows_them() {
    let bytes = sheet(|sheet| {
        write_row(sheet, 0, 0, &["有效", "查找"]);
        sheet.write_boolean(1, 0, true).unwrap();
        sheet
            .write_formula(1, 1, Formula::new("=NA()").set_result("#N/A"))
            .unwrap();
        sheet.write_boolean(2, 0, false).unwrap();
    });
    let (_, rows) = read_workbook(bytes, &ReadOptions::default());
    assert_eq!(cells(&rows), table(&[&["TRUE", "#N/A"], &["FALSE", ""]]));
}

#[test]
fn title_rows_are_skipped_and_a_merged_header_names_both_columns() {
    let bytes = sheet(|sheet| {
        let plain = CellFormat::new();
        sheet
            .merge_range(0, 0, 0, 3, "2024年客户名单", &plain)
            .unwrap();
        write_row(sheet, 2, 0, &["名称", "", "", "城市"]);
        sheet.merge_range(2, 1, 2, 2, "电话", &plain).unwrap();
        write_row(sheet, 3, 0, &["张三", "13812345678", "010-1234567", "北京"]);
        write_row(sheet, 5, 0, &["李四", "", "", "上海"]);
    });
    let (layout, rows) = read_workbook(bytes, &ReadOptions::default());
    assert_eq!(layout.header_row, 3);
    assert_eq!(layout.headers, ["名称", "电话", "电话 (2)", "城市"]);
    assert_eq!(row_numbers(&rows), [4, 5, 6]);
    assert_eq!(
        cells(&rows),
        table(&[
            &["张三", "13812345678", "010-1234567", "北京"],
            &["", "", "", ""],
            &["李四", "", "", "上海"],
        ])
    );
}

#[test]
fn a_sheet_starting_away_from_a1_keeps_excel_row_numbers_and_column_letters() {
    let bytes = sheet(|sheet| {
        write_row(sheet, 4, 2, &["名称", "", "电话"]);
        write_row(sheet, 5, 2, &["张三", "x", "138"]);
        write_row(sheet, 6, 2, &["李四", "", "139", "extra"]);
    });
    let (layout, rows) = read_workbook(bytes, &ReadOptions::default());
    assert_eq!(layout.header_row, 5);
    assert_eq!(layout.headers, ["名称", "Column D", "电话"]);
    assert_eq!(row_numbers(&rows), [6, 7]);
    assert_eq!(rows[0].as_ref().unwrap().cells, ["张三", "x", "138"]);
    let error = rows[1].as_ref().unwrap_err();
    assert_eq!(
        error.to_string(),
        "row 7: row has 4 cells, the header has 3"
    );
    assert_eq!(error.cells, ["李四", "", "139", "extra"]);
}

#[test]
fn a_given_header_row_is_used() {
    let bytes = sheet(|sheet| {
        write_row(sheet, 0, 0, &["导出", "2024-01-05"]);
        write_row(sheet, 1, 0, &["名称", "电话"]);
        write_row(sheet, 2, 0, &["张三", "138"]);
    });
    let options = ReadOptions {
        header_row: Some(2),
        ..ReadOptions::default()
    };
    let (layout, rows) = read_workbook(bytes, &options);
    assert_eq!(layout.headers, ["名称", "电话"]);
    assert_eq!(cells(&rows), table(&[&["张三", "138"]]));
}

fn two_sheets() -> Vec<u8> {
    xlsx(|workbook| {
        workbook.add_worksheet().set_name("说明").unwrap();
        let customers = workbook.add_worksheet().set_name("客户").unwrap();
        write_row(customers, 0, 0, &["名称", "电话"]);
        write_row(customers, 1, 0, &["张三", "138"]);
        let leads = workbook.add_worksheet().set_name("Leads").unwrap();
        write_row(leads, 0, 0, &["name", "phone"]);
        write_row(leads, 1, 0, &["Li", "139"]);
    })
}

#[test]
fn the_first_sheet_with_data_is_read_unless_one_is_named() {
    let (layout, rows) = read_workbook(two_sheets(), &ReadOptions::default());
    assert_eq!(layout.sheet.as_deref(), Some("客户"));
    assert_eq!(cells(&rows), table(&[&["张三", "138"]]));

    let options = ReadOptions {
        sheet: Some(" leads ".into()),
        ..ReadOptions::default()
    };
    let (layout, rows) = read_workbook(two_sheets(), &options);
    assert_eq!(layout.sheet.as_deref(), Some("Leads"));
    assert_eq!(cells(&rows), table(&[&["Li", "139"]]));
}

#[test]
fn an_unknown_sheet_is_an_error_listing_the_sheets() {
    let options = ReadOptions {
        sheet: Some("Contacts".into()),
        ..ReadOptions::default()
    };
    let error = open_bytes("客户.xlsx", two_sheets(), &options)
        .err()
        .unwrap();
    assert!(matches!(
        &error,
        ReadError::SheetNotFound { sheet, available, .. }
            if sheet == "Contacts" && available == &["说明", "客户", "Leads"]
    ));
    assert_eq!(
        error.to_string(),
        "客户.xlsx: no sheet named \"Contacts\"; the sheets are 说明, 客户, Leads"
    );
}

#[test]
fn an_empty_workbook_or_sheet_has_no_header() {
    let empty = sheet(|_| {});
    let error = open_bytes("empty.xlsx", empty.clone(), &ReadOptions::default()).err();
    assert!(
        matches!(error, Some(ReadError::NoHeader { .. })),
        "{error:?}"
    );
    let options = ReadOptions {
        sheet: Some("Sheet1".into()),
        ..ReadOptions::default()
    };
    let error = open_bytes("empty.xlsx", empty, &options).err();
    assert!(
        matches!(error, Some(ReadError::NoHeader { .. })),
        "{error:?}"
    );
}

#[test]
fn a_header_alone_is_zero_rows_and_duplicates_are_numbered() {
    let bytes = sheet(|sheet| write_row(sheet, 0, 0, &["名称", "名称", " 电话 "]));
    let (layout, rows) = read_workbook(bytes, &ReadOptions::default());
    assert_eq!(layout.headers, ["名称", "名称 (2)", "电话"]);
    assert!(rows.is_empty());
}

#[test]
fn a_workbook_file_is_opened_by_path_whatever_its_extension() {
    let bytes = sheet(|sheet| {
        write_row(sheet, 0, 0, &["名称", "电话"]);
        for row in 1..=100 {
            sheet.write_string(row, 0, format!("客户{row}")).unwrap();
            sheet
                .write_number(row, 1, 13_800_000_000.0 + f64::from(row))
                .unwrap();
        }
    });
    let mut file = tempfile::Builder::new().suffix(".dat").tempfile().unwrap();
    std::io::Write::write_all(&mut file, &bytes).unwrap();
    let table = open(file.path(), &ReadOptions::default()).unwrap();
    assert_eq!(table.layout.format, Format::Xlsx);
    assert_eq!(table.layout.total_bytes, bytes.len() as u64);
    let rows: Rows = table.collect();
    assert_eq!(rows.len(), 100);
    assert_eq!(rows[99].as_ref().unwrap().cells, ["客户100", "13800000100"]);
    let progress: Vec<u64> = rows
        .iter()
        .map(|row| row.as_ref().unwrap().bytes_read)
        .collect();
    assert!(progress.windows(2).all(|pair| pair[0] <= pair[1]));
    assert_eq!(progress.last().copied(), Some(bytes.len() as u64));
}

#[test]
fn a_damaged_workbook_is_unreadable_not_a_panic() {
    let mut bytes = sheet(|sheet| write_row(sheet, 0, 0, &["a", "b"]));
    bytes.truncate(bytes.len() / 2);
    let error = open_bytes("broken.xlsx", bytes, &ReadOptions::default()).err();
    assert!(
        matches!(&error, Some(ReadError::Unreadable { reason, .. }) if reason.starts_with("not a readable Xlsx workbook")),
        "{error:?}"
    );
    let ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1 not really".to_vec();
    let error = open_bytes("broken.xls", ole, &ReadOptions::default()).err();
    assert!(
        matches!(error, Some(ReadError::Unreadable { .. })),
        "{error:?}"
    );
}

/// A minimal ODS spreadsheet with one sheet holding `rows` of XML cells.
fn ods(sheet: &str, rows: &[&str]) -> Vec<u8> {
    use std::io::Write;
    use zip::write::SimpleFileOptions;
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut archive = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut add = |name: &str, content: &str| {
        archive.start_file(name, stored).unwrap();
        archive.write_all(content.as_bytes()).unwrap();
    };
    add("mimetype", "application/vnd.oasis.opendocument.spreadsheet");
    add(
        "META-INF/manifest.xml",
        r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
    );
    let rows: String = rows
        .iter()
        .map(|cells| format!("<table:table-row>{cells}</table:table-row>"))
        .collect();
    add(
        "content.xml",
        &format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="{sheet}">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
        ),
    );
    archive.finish().unwrap().into_inner()
}

fn text_cell(text: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
    )
}

#[test]
fn an_ods_sheet_reads_numbers_and_dates_as_text() {
    let header = [
        text_cell("名称"),
        text_cell("电话"),
        text_cell("生日"),
        text_cell("最近联系"),
    ]
    .concat();
    let data = [
        text_cell("张三"),
        r#"<table:table-cell office:value-type="float" office:value="13812345678"><text:p>13812345678</text:p></table:table-cell>"#.to_string(),
        r#"<table:table-cell office:value-type="date" office:date-value="2024-01-05"><text:p>2024-01-05</text:p></table:table-cell>"#.to_string(),
        r#"<table:table-cell office:value-type="date" office:date-value="2024-01-05T13:45:00"><text:p>x</text:p></table:table-cell>"#.to_string(),
    ]
    .concat();
    let bytes = ods("客户", &[&text_cell("2024年客户名单"), "", &header, &data]);
    let (layout, rows) = read_workbook(bytes, &ReadOptions::default());
    assert_eq!(layout.format, Format::Ods);
    assert_eq!(layout.sheet.as_deref(), Some("客户"));
    assert_eq!(layout.header_row, 3);
    assert_eq!(layout.headers, ["名称", "电话", "生日", "最近联系"]);
    assert_eq!(row_numbers(&rows), [4]);
    assert_eq!(
        cells(&rows),
        table(&[&["张三", "13812345678", "2024-01-05", "2024-01-05 13:45:00"]])
    );
}
