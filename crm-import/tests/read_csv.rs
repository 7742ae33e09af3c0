//! Delimited text: delimiters, header, row numbers, ragged and blank rows.

mod read_support;

use crm_import::read::{Format, ReadError, ReadOptions, open};
use read_support::{cells, read, read_with, row_numbers, table, try_read};

#[test]
fn utf8_without_bom() {
    let (layout, rows) = read("名称,电话\n张三,13812345678\n李四,13900000000\n");
    assert_eq!(layout.format, Format::Csv);
    assert_eq!(layout.encoding.as_deref(), Some("UTF-8"));
    assert_eq!(layout.delimiter, Some(','));
    assert_eq!(layout.header_row, 1);
    assert_eq!(layout.headers, ["名称", "电话"]);
    assert_eq!(
        cells(&rows),
        table(&[&["张三", "13812345678"], &["李四", "13900000000"]])
    );
    assert_eq!(row_numbers(&rows), [2, 3]);
}

#[test]
fn utf8_with_bom() {
    let (layout, rows) = read("\u{FEFF}名称,电话\r\n张三,138\r\n");
    assert_eq!(layout.encoding.as_deref(), Some("UTF-8"));
    assert_eq!(layout.headers, ["名称", "电话"]);
    assert_eq!(cells(&rows), table(&[&["张三", "138"]]));
    assert_eq!(
        layout.total_bytes,
        "\u{FEFF}名称,电话\r\n张三,138\r\n".len() as u64
    );
}

#[test]
fn each_delimiter_is_sniffed() {
    for delimiter in [',', ';', '\t', '|'] {
        let text = format!("a{d}b{d}c\n1{d}\"2{d}5\"{d}3\n4{d}5{d}6\n", d = delimiter);
        let (layout, rows) = read(text);
        assert_eq!(layout.delimiter, Some(delimiter));
        assert_eq!(layout.headers, ["a", "b", "c"]);
        let two_five = format!("2{delimiter}5");
        assert_eq!(
            cells(&rows),
            table(&[&["1", &two_five, "3"], &["4", "5", "6"]])
        );
    }
}

#[test]
fn a_given_delimiter_is_used() {
    let options = ReadOptions {
        delimiter: Some(b';'),
        ..ReadOptions::default()
    };
    let (layout, rows) = read_with("a,b;c\n1,2;3\n", &options);
    assert_eq!(layout.delimiter, Some(';'));
    assert_eq!(layout.headers, ["a,b", "c"]);
    assert_eq!(cells(&rows), table(&[&["1,2", "3"]]));
}

#[test]
fn short_rows_are_padded_and_long_ones_rejected_with_their_cells() {
    let (_, rows) = read("a,b,c\n1\n1,2,3,,\n1,2,3,4\n");
    assert_eq!(
        cells(&rows[..2].to_vec()),
        table(&[&["1", "", ""], &["1", "2", "3"]])
    );
    let error = rows[2].as_ref().unwrap_err();
    assert_eq!(error.row, 4);
    assert_eq!(error.reason, "row has 4 cells, the header has 3");
    assert_eq!(error.cells, ["1", "2", "3", "4"]);
    assert_eq!(
        error.to_string(),
        "row 4: row has 4 cells, the header has 3"
    );
}

#[test]
fn blank_lines_are_rows_with_empty_cells_and_line_numbers_count_them() {
    let (_, rows) = read("a,b\r\n1,2\r\n\r\n\r\n3,4\r\n\r\n");
    assert_eq!(row_numbers(&rows), [2, 3, 4, 5, 6]);
    assert_eq!(
        cells(&rows),
        table(&[&["1", "2"], &["", ""], &["", ""], &["3", "4"], &["", ""]])
    );
}

#[test]
fn a_quoted_line_break_moves_the_next_row_down() {
    let (_, rows) = read("a,b\n1,\"line one\nline two\r\nline three\"\n2,x\n\n3,y");
    assert_eq!(row_numbers(&rows), [2, 5, 6, 7]);
    assert_eq!(
        rows[0].as_ref().unwrap().cells[1],
        "line one\nline two\r\nline three"
    );
    assert_eq!(cells(&rows)[3], ["3", "y"]);
}

#[test]
fn old_mac_line_ends_count_as_lines() {
    let (_, rows) = read("a,b\r1,2\r3,4");
    assert_eq!(row_numbers(&rows), [2, 3]);
}

#[test]
fn repeated_and_empty_headers_are_named() {
    let (layout, rows) = read(" 名称 ,名称,,电话,名称\n1,2,3,4,5\n");
    assert_eq!(
        layout.headers,
        ["名称", "名称 (2)", "Column C", "电话", "名称 (3)"]
    );
    assert_eq!(cells(&rows), table(&[&["1", "2", "3", "4", "5"]]));
}

#[test]
fn the_header_decides_the_columns() {
    let (layout, rows) = read("a,b,,\n1,2,,\n1,2,3\n");
    assert_eq!(layout.headers, ["a", "b"]);
    assert_eq!(cells(&rows[..1].to_vec()), table(&[&["1", "2"]]));
    assert_eq!(
        rows[1].as_ref().unwrap_err().reason,
        "row has 3 cells, the header has 2"
    );
}

#[test]
fn nothing_to_read_has_no_header() {
    for input in [
        &b""[..],
        b"\xEF\xBB\xBF",
        b"\n\n\r\n",
        b",,,\n,,\n",
        b"\xFF\xFE",
    ] {
        let error = try_read(input, &ReadOptions::default()).err();
        assert!(
            matches!(error, Some(ReadError::NoHeader { .. })),
            "{input:?}: {error:?}"
        );
    }
}

#[test]
fn a_header_alone_is_zero_rows() {
    let (layout, rows) = read("名称,电话\n");
    assert_eq!(layout.headers, ["名称", "电话"]);
    assert!(rows.is_empty());
    let (_, rows) = read("名称,电话");
    assert!(rows.is_empty());
}

#[test]
fn title_rows_above_the_header_are_skipped() {
    let (layout, rows) = read("2024年客户名单,,\n,,\n名称,电话,城市\n张三,138,\n");
    assert_eq!(layout.header_row, 3);
    assert_eq!(layout.headers, ["名称", "电话", "城市"]);
    assert_eq!(row_numbers(&rows), [4]);
}

#[test]
fn a_given_header_row_is_used() {
    let options = ReadOptions {
        header_row: Some(2),
        ..ReadOptions::default()
    };
    let (layout, rows) = read_with("x,y\na,b\n1,2\n", &options);
    assert_eq!(layout.header_row, 2);
    assert_eq!(layout.headers, ["a", "b"]);
    assert_eq!(cells(&rows), table(&[&["1", "2"]]));
    let options = ReadOptions {
        header_row: Some(9),
        ..ReadOptions::default()
    };
    let error = try_read("a,b\n1,2\n", &options).err();
    assert!(
        matches!(&error, Some(ReadError::Unreadable { reason, .. }) if reason == "header row 9 is after the last row (2)"),
        "{error:?}"
    );
}

#[test]
fn nul_bytes_are_removed() {
    let (layout, rows) = read(&b"na\0me,phone\n\0Zhang\0,138\0\n"[..]);
    assert_eq!(layout.headers, ["name", "phone"]);
    assert_eq!(cells(&rows), table(&[&["Zhang", "138"]]));
}

#[test]
fn bytes_read_grows_to_the_file_size() {
    let text = "a,b\n".to_string() + &"1,2\n".repeat(50_000);
    let (layout, rows) = read(text.clone());
    let progress: Vec<u64> = rows
        .iter()
        .map(|row| row.as_ref().unwrap().bytes_read)
        .collect();
    assert!(progress.windows(2).all(|pair| pair[0] <= pair[1]));
    assert!(progress[0] < layout.total_bytes / 2);
    assert_eq!(progress.last().copied(), Some(text.len() as u64));
}

#[test]
fn a_ten_megabyte_cell_is_read() {
    let big = "长".repeat(10 * 1024 * 1024 / 3 + 1);
    let quoted = format!("\"{}\"\"{}\"", "y".repeat(5_000_000), "z\n".repeat(500));
    let text = format!("a,b\n1,{big}\n2,{quoted}\n3,end\n");
    let started = std::time::Instant::now();
    let (_, rows) = read(text);
    let cells = cells(&rows);
    assert_eq!(cells.len(), 3);
    assert_eq!(cells[0][1], big);
    assert_eq!(cells[1][1].len(), 5_000_000 + 1 + 1000);
    assert_eq!(row_numbers(&rows), [2, 3, 504]);
    assert_eq!(cells[2], ["3", "end"]);
    assert!(
        started.elapsed().as_secs() < 30,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_file_is_opened_by_path() {
    let mut file = tempfile::Builder::new().suffix(".csv").tempfile().unwrap();
    std::io::Write::write_all(&mut file, "名称;电话\n张三;138\n".as_bytes()).unwrap();
    let table = open(file.path(), &ReadOptions::default()).unwrap();
    assert_eq!(table.layout.delimiter, Some(';'));
    assert_eq!(table.layout.total_bytes, 25);
    let rows: Vec<_> = table.collect();
    assert_eq!(cells(&rows), table_of(&[&["张三", "138"]]));

    let missing = open(&file.path().with_extension("gone"), &ReadOptions::default()).err();
    assert!(matches!(missing, Some(ReadError::Io { .. })));
}

use read_support::table as table_of;
