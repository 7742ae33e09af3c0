//! Workbook cell values as text: numbers exactly as typed (a phone stored as a number stays
//! its digits), dates as ISO text, booleans and error values as Excel shows them.

use calamine::{Data, ExcelDateTime};

/// The text of a cell.
pub(crate) fn text(data: &Data) -> String {
    match data {
        Data::Empty => String::new(),
        Data::String(text) => text.clone(),
        Data::Int(number) => number.to_string(),
        Data::Float(number) => number_text(*number),
        Data::Bool(true) => "TRUE".to_string(),
        Data::Bool(false) => "FALSE".to_string(),
        Data::DateTime(datetime) if datetime.is_duration() => duration_text(datetime.as_f64()),
        Data::DateTime(datetime) => datetime_text(datetime),
        Data::DateTimeIso(iso) => iso.replacen('T', " ", 1),
        Data::DurationIso(iso) => iso.clone(),
        Data::Error(error) => error.to_string(),
    }
}

/// A number with no exponent and no trailing ".0": integral values print as integers
/// (13812345678, not 1.38E+10), others with the shortest text that reads back the same.
fn number_text(number: f64) -> String {
    if number == 0.0 {
        // Also turns -0 into 0.
        "0".to_string()
    } else {
        // `Display` for f64 never uses an exponent and prints the shortest round-trip digits.
        number.to_string()
    }
}

/// "2024-01-05" for a date, "2024-01-05 13:45:00" when it has a time of day, "13:45:00" for
/// a time alone (a serial below one day).
fn datetime_text(datetime: &ExcelDateTime) -> String {
    let (year, month, day, hour, minute, second, milli) = datetime.to_ymd_hms_milli();
    let time = if milli == 0 {
        format!("{hour:02}:{minute:02}:{second:02}")
    } else {
        format!("{hour:02}:{minute:02}:{second:02}.{milli:03}")
    };
    let date = format!("{year:04}-{month:02}-{day:02}");
    if datetime.as_f64() < 1.0 && datetime.as_f64() >= 0.0 {
        time
    } else if (hour, minute, second, milli) == (0, 0, 0, 0) {
        date
    } else {
        format!("{date} {time}")
    }
}

/// A duration of `days` as hours, minutes and seconds ("37:30:00").
fn duration_text(days: f64) -> String {
    let seconds = (days * 86_400.0).round();
    let sign = if seconds < 0.0 { "-" } else { "" };
    // Saturates for absurd values instead of wrapping.
    let total = seconds.abs() as u64;
    format!(
        "{sign}{}:{:02}:{:02}",
        total / 3600,
        total / 60 % 60,
        total % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{CellErrorType, ExcelDateTimeType};

    fn datetime(serial: f64) -> Data {
        Data::DateTime(ExcelDateTime::new(
            serial,
            ExcelDateTimeType::DateTime,
            false,
        ))
    }

    #[test]
    fn numbers_keep_every_digit_and_no_exponent() {
        assert_eq!(text(&Data::Float(13_812_345_678.0)), "13812345678");
        assert_eq!(text(&Data::Float(1.0)), "1");
        assert_eq!(text(&Data::Float(-0.0)), "0");
        assert_eq!(text(&Data::Float(0.1)), "0.1");
        assert_eq!(text(&Data::Float(1234.5678)), "1234.5678");
        assert_eq!(text(&Data::Float(1e20)), "100000000000000000000");
        assert_eq!(text(&Data::Float(1.5e-7)), "0.00000015");
        assert_eq!(text(&Data::Int(-42)), "-42");
    }

    #[test]
    fn dates_and_times_are_iso_text() {
        assert_eq!(text(&datetime(45296.0)), "2024-01-05");
        assert_eq!(text(&datetime(45296.5729166667)), "2024-01-05 13:45:00");
        assert_eq!(text(&datetime(0.5729166667)), "13:45:00");
        assert_eq!(
            text(&Data::DateTimeIso("2024-01-05T13:45:00".into())),
            "2024-01-05 13:45:00"
        );
        let duration = ExcelDateTime::new(1.5625, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(text(&Data::DateTime(duration)), "37:30:00");
    }

    #[test]
    fn booleans_and_errors_read_as_excel_shows_them() {
        assert_eq!(text(&Data::Bool(true)), "TRUE");
        assert_eq!(text(&Data::Bool(false)), "FALSE");
        assert_eq!(text(&Data::Error(CellErrorType::NA)), "#N/A");
        assert_eq!(text(&Data::Empty), "");
    }
}
