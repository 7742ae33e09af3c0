//! Encodings of delimited text: detected or given, and bytes not valid in them.

mod read_support;

use crm_import::read::ReadOptions;
use encoding_rs::{GB18030, GBK};
use read_support::{
    cells, read, read_with, row_numbers, table, utf16be_with_bom, utf16le_with_bom,
};

const CHINESE_CSV: &str =
    "客户名称,联系电话,城市\r\n张三,13812345678,北京\r\n李四,13900000000,上海\r\n";

fn chinese_rows() -> Vec<Vec<String>> {
    table(&[
        &["张三", "13812345678", "北京"],
        &["李四", "13900000000", "上海"],
    ])
}

#[test]
fn gbk_is_detected() {
    let (bytes, _, unmappable) = GBK.encode(CHINESE_CSV);
    assert!(!unmappable);
    let (layout, rows) = read(bytes.into_owned());
    assert_eq!(layout.encoding.as_deref(), Some("GBK"));
    assert_eq!(layout.headers, ["客户名称", "联系电话", "城市"]);
    assert_eq!(cells(&rows), chinese_rows());
}

#[test]
fn gb18030_four_byte_characters_are_read() {
    // 𠀀 and 𪚥 are outside GBK: GB18030 encodes them in four bytes.
    let text = format!("{CHINESE_CSV}王𠀀𪚥,13700000000,深圳\r\n");
    let (bytes, _, unmappable) = GB18030.encode(&text);
    assert!(!unmappable);
    let (layout, rows) = read(bytes.clone().into_owned());
    assert_eq!(layout.encoding.as_deref(), Some("GBK"));
    assert_eq!(cells(&rows)[2], ["王𠀀𪚥", "13700000000", "深圳"]);

    let options = ReadOptions {
        encoding: Some("gb18030".into()),
        ..ReadOptions::default()
    };
    let (layout, rows) = read_with(bytes.into_owned(), &options);
    assert_eq!(layout.encoding.as_deref(), Some("gb18030"));
    assert_eq!(cells(&rows)[2], ["王𠀀𪚥", "13700000000", "深圳"]);
}

#[test]
fn utf16le_with_bom_tab_separated() {
    let text = CHINESE_CSV.replace(',', "\t");
    let (layout, rows) = read(utf16le_with_bom(&text));
    assert_eq!(layout.encoding.as_deref(), Some("UTF-16LE"));
    assert_eq!(layout.delimiter, Some('\t'));
    assert_eq!(layout.headers, ["客户名称", "联系电话", "城市"]);
    assert_eq!(cells(&rows), chinese_rows());
    assert_eq!(row_numbers(&rows), [2, 3]);
}

#[test]
fn utf16be_with_bom_tab_separated() {
    let text = CHINESE_CSV.replace(',', "\t");
    let (layout, rows) = read(utf16be_with_bom(&text));
    assert_eq!(layout.encoding.as_deref(), Some("UTF-16BE"));
    assert_eq!(layout.delimiter, Some('\t'));
    assert_eq!(cells(&rows), chinese_rows());
}

#[test]
fn a_given_encoding_is_used() {
    let (bytes, _, _) = GBK.encode(CHINESE_CSV);
    let options = ReadOptions {
        encoding: Some("GBK".into()),
        ..ReadOptions::default()
    };
    let (layout, rows) = read_with(bytes.into_owned(), &options);
    assert_eq!(layout.encoding.as_deref(), Some("GBK"));
    assert_eq!(cells(&rows), chinese_rows());
}

#[test]
fn a_row_with_bytes_not_valid_in_the_encoding_is_rejected_by_name() {
    let (head, _, _) = GBK.encode("名称,电话\n张三,138\n");
    let mut bytes = head.into_owned();
    bytes.extend_from_slice(b"\xFF\xFE\x81,139\n");
    bytes.extend_from_slice(&GBK.encode("李四,137\n").0);
    let options = ReadOptions {
        encoding: Some("gbk".into()),
        ..ReadOptions::default()
    };
    let (_, rows) = read_with(bytes, &options);
    assert_eq!(row_numbers(&rows), [2, 3, 4]);
    let error = rows[1].as_ref().unwrap_err();
    assert_eq!(error.to_string(), "row 3: not valid GBK");
    assert_eq!(error.cells[1], "139");
    assert_eq!(rows[2].as_ref().unwrap().cells, ["李四", "137"]);
}

#[test]
fn invalid_utf8_after_the_sample_is_rejected_by_row() {
    let mut bytes = "名称,电话\n".as_bytes().to_vec();
    for n in 0..20_000 {
        bytes.extend_from_slice(format!("张三{n},138\n").as_bytes());
    }
    bytes.extend_from_slice(b"\xC3\x28,bad\n");
    bytes.extend_from_slice("李四,137\n".as_bytes());
    let (layout, rows) = read(bytes);
    assert_eq!(layout.encoding.as_deref(), Some("UTF-8"));
    assert_eq!(rows.len(), 20_002);
    let error = rows[20_000].as_ref().unwrap_err();
    assert_eq!(error.to_string(), "row 20002: not valid UTF-8");
    assert_eq!(error.cells, ["\u{FFFD}(", "bad"]);
    assert_eq!(rows[20_001].as_ref().unwrap().cells, ["李四", "137"]);
}

#[test]
fn an_unknown_encoding_label_is_named() {
    let options = ReadOptions {
        encoding: Some("klingon".into()),
        ..ReadOptions::default()
    };
    let error = read_support::try_read("a,b\n", &options).err().unwrap();
    assert_eq!(error.to_string(), "test.csv: unknown encoding \"klingon\"");
}
