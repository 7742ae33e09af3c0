//! Damaged delimited text: unclosed quotes, garbage, random bytes. Every row comes out once.

mod read_support;

use crm_import::read::ReadOptions;
use read_support::{Rows, cells, read, row_numbers, table, try_read};

/// A small deterministic generator of pseudo-random bytes.
struct Noise(u64);

impl Noise {
    fn byte(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 32) as u8
    }
}

fn errors(rows: &Rows) -> Vec<(u64, String)> {
    rows.iter()
        .filter_map(|row| row.as_ref().err())
        .map(|error| (error.row, error.reason.clone()))
        .collect()
}

#[test]
fn an_unclosed_quote_rejects_its_line_and_reading_resumes_on_the_next() {
    let (_, rows) = read("name,phone\nZhang,138\nLi,\"139\nWang,137\nZhao,136\n");
    assert_eq!(row_numbers(&rows), [2, 3, 4, 5]);
    let error = rows[1].as_ref().unwrap_err();
    assert_eq!(
        error.to_string(),
        "row 3: unclosed quote: the quoted cell starting on this line never ends"
    );
    assert_eq!(error.cells, ["Li", "\"139"]);
    assert_eq!(
        cells(&rows[2..].to_vec()),
        table(&[&["Wang", "137"], &["Zhao", "136"]])
    );
}

#[test]
fn an_unclosed_quote_on_the_last_line_is_rejected() {
    let (_, rows) = read("name,phone\r\nZhang,\"138");
    assert_eq!(
        errors(&rows),
        [(
            2,
            "unclosed quote: the quoted cell starting on this line never ends".to_string()
        )]
    );
}

#[test]
fn a_stray_quote_closed_by_a_later_fields_opening_quote_is_unclosed() {
    let (_, rows) = read("a,b\n1,\"x\n2,y\n3,\"z\"\n4,w\n");
    assert_eq!(row_numbers(&rows), [2, 3, 4, 5]);
    assert_eq!(
        errors(&rows),
        [(
            2,
            "unclosed quote: the quoted cell starting on this line ends mid-cell on a later line"
                .to_string()
        )]
    );
    assert_eq!(rows[0].as_ref().unwrap_err().cells, ["1", "\"x"]);
    assert_eq!(
        cells(&rows[1..].to_vec()),
        table(&[&["2", "y"], &["3", "z"], &["4", "w"]])
    );
}

#[test]
fn a_stray_quote_closed_by_another_stray_quote_joins_the_lines_between() {
    // Nothing tells this from a cell with line breaks: the lines become one cell, as in Excel.
    let (_, rows) = read("a,b\n1,\"x\n2,y\n3,z\"\n4,w\n");
    assert_eq!(row_numbers(&rows), [2, 5]);
    assert_eq!(cells(&rows), table(&[&["1", "x\n2,y\n3,z"], &["4", "w"]]));
}

#[test]
fn a_quote_swallowing_more_than_a_thousand_lines_is_taken_as_unclosed() {
    let mut text = "a,b\n1,\"x\n".to_string();
    for n in 0..1500 {
        text.push_str(&format!("{n},ok\n"));
    }
    text.push_str("late,closing\"\n");
    let (_, rows) = read(text);
    assert_eq!(rows.len(), 1 + 1500 + 1);
    assert_eq!(
        errors(&rows),
        [(
            2,
            "unclosed quote: the quoted cell starting on this line runs over more than 1000 lines"
                .to_string()
        )]
    );
    assert_eq!(row_numbers(&rows).last(), Some(&1503));
    assert_eq!(rows[1501].as_ref().unwrap().cells, ["late", "closing\""]);
}

#[test]
fn a_second_half_of_garbage_accounts_for_every_line() {
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    let mut bytes = "name,phone,city\n".as_bytes().to_vec();
    for n in 0..1000 {
        bytes.extend_from_slice(format!("客户{n},138{n:08},北京\n").as_bytes());
    }
    for _ in 0..1000 {
        let len = 1 + usize::from(noise.byte()) % 80;
        let line = (0..len).map(|_| noise.byte()).map(|byte| {
            if matches!(byte, b'\n' | b'\r' | b'"') {
                b'#'
            } else {
                byte
            }
        });
        bytes.extend(line);
        bytes.push(b'\n');
    }
    let (_, rows) = read(bytes);
    let read_ok = rows.iter().filter(|row| row.is_ok()).count();
    let rejected = rows.len() - read_ok;
    assert_eq!(read_ok + rejected, 2000);
    assert!(rejected > 500, "only {rejected} garbage lines rejected");
    assert_eq!(row_numbers(&rows), (2..=2001).collect::<Vec<u64>>());
    assert!(rows[..1000].iter().all(Result::is_ok));
}

#[test]
fn random_bytes_never_panic_and_rows_stay_in_order() {
    for seed in 1..40u64 {
        let mut noise = Noise(seed.wrapping_mul(0x2545_F491_4F6C_DD1D));
        let mut bytes = b"a,b,c\n1,2,3\n".to_vec();
        let len = 1000 * seed as usize;
        bytes.extend((0..len).map(|_| noise.byte()));
        let lines = 1 + bytes
            .iter()
            .zip(bytes.iter().skip(1).chain([&b'x']))
            .filter(|&(&b, &next)| b == b'\n' || (b == b'\r' && next != b'\n'))
            .count() as u64;
        let Ok(table) = try_read(bytes, &ReadOptions::default()) else {
            continue;
        };
        let rows: Rows = table.collect();
        let numbers = row_numbers(&rows);
        assert!(
            numbers.windows(2).all(|pair| pair[0] < pair[1]),
            "seed {seed}"
        );
        assert!(
            numbers.last().is_none_or(|&last| last <= lines),
            "seed {seed}"
        );
    }
}

#[test]
fn a_file_of_nuls_does_not_panic() {
    let bytes = vec![0u8; 100_000];
    let outcome = try_read(bytes, &ReadOptions::default());
    if let Ok(table) = outcome {
        assert!(table.count() < 100_000);
    }
}

proptest::proptest! {
    #[test]
    fn any_bytes_read_without_panic_and_in_line_order(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..3000)) {
        if let Ok(table) = try_read(bytes, &ReadOptions::default()) {
            let rows: Rows = table.collect();
            let numbers = row_numbers(&rows);
            proptest::prop_assert!(numbers.windows(2).all(|pair| pair[0] < pair[1]));
        }
    }
}
