//! Physical line numbers of delimited text, where a line ends at `\n`, `\r\n` or a lone `\r`
//! (the terminators the CSV parser accepts).

/// Counts lines over text fed in pieces, so a `\r\n` split between two pieces counts once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineCounter {
    line: u64,
    after_cr: bool,
}

impl LineCounter {
    /// At the start of 1-based line `line`.
    pub fn at(line: u64) -> Self {
        LineCounter {
            line,
            after_cr: false,
        }
    }

    /// The line the next byte is on.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// Moves past `text`.
    pub fn advance(&mut self, text: &[u8]) {
        for &byte in text {
            match byte {
                b'\n' if self.after_cr => self.after_cr = false,
                b'\n' => self.line += 1,
                b'\r' => {
                    self.line += 1;
                    self.after_cr = true;
                }
                _ => self.after_cr = false,
            }
        }
    }
}

/// The length of the run of line terminators `text` starts with.
pub(crate) fn leading_terminators(text: &[u8]) -> usize {
    text.iter()
        .position(|&byte| byte != b'\n' && byte != b'\r')
        .unwrap_or(text.len())
}

/// What the quotes of a CSV record's raw text show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Quotes {
    /// The text ends inside a quoted field: its closing quote is missing, so the parser ran
    /// to the end of the input.
    pub open_at_end: bool,
    /// A quoted field's closing quote is followed by more text instead of a delimiter or a
    /// line end: that quote most likely opened another field, and the first one was never
    /// closed.
    pub text_after_closing: bool,
}

/// Scans a CSV record's raw `text` for its quotes, by the parser's rules: a quote opens a
/// field only at its start, `""` inside quotes is a literal quote.
pub(crate) fn scan_quotes(text: &[u8], delimiter: u8) -> Quotes {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let ends_field = |byte: u8| byte == delimiter || byte == b'\n' || byte == b'\r';
    let mut quotes = Quotes::default();
    let mut state = State::FieldStart;
    for &byte in text {
        state = match state {
            State::FieldStart if byte == b'"' => State::Quoted,
            State::FieldStart | State::Unquoted | State::QuoteInQuoted if ends_field(byte) => {
                State::FieldStart
            }
            State::QuoteInQuoted if byte == b'"' => State::Quoted,
            State::QuoteInQuoted => {
                quotes.text_after_closing = true;
                State::Unquoted
            }
            State::FieldStart | State::Unquoted => State::Unquoted,
            State::Quoted if byte == b'"' => State::QuoteInQuoted,
            State::Quoted => State::Quoted,
        };
    }
    quotes.open_at_end = state == State::Quoted;
    quotes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines_after(pieces: &[&str]) -> u64 {
        let mut counter = LineCounter::at(1);
        pieces
            .iter()
            .for_each(|piece| counter.advance(piece.as_bytes()));
        counter.line()
    }

    #[test]
    fn every_terminator_counts_once() {
        assert_eq!(lines_after(&["a\nb\n"]), 3);
        assert_eq!(lines_after(&["a\r\nb\r\n"]), 3);
        assert_eq!(lines_after(&["a\r", "\nb\r"]), 3);
        assert_eq!(lines_after(&["a\r\rb"]), 3);
        assert_eq!(lines_after(&["\n\r\n\r"]), 4);
    }

    #[test]
    fn leading_terminators_are_measured() {
        assert_eq!(leading_terminators(b"\r\n\na"), 3);
        assert_eq!(leading_terminators(b"a\n"), 0);
        assert_eq!(leading_terminators(b"\n\n"), 2);
    }

    #[test]
    fn open_quotes_are_found_as_the_parser_sees_them() {
        let open = |text: &[u8], delimiter| scan_quotes(text, delimiter).open_at_end;
        assert!(open(b"a,\"b\nc\n", b','));
        assert!(open(b"\"a\"\"b", b','));
        assert!(!open(b"a,\"b\nc\",d\n", b','));
        assert!(!open(b"a,\"b\"\"c\"\n", b','));
        // A quote inside an unquoted field is a literal.
        assert!(!open(b"ab\"c,d\n", b','));
        assert!(!open(b"\"ab\"c\"d\n", b','));
        assert!(open(b"a;\"b,c", b';'));
        assert!(!open(b"a,\"b;c", b';'));
    }

    #[test]
    fn text_after_a_closing_quote_is_noticed() {
        let after = |text: &[u8]| scan_quotes(text, b',').text_after_closing;
        assert!(after(b"1,\"x\n2,y\n3,\"z\"\n"));
        assert!(!after(b"1,\"x\n\"\"y\"\"\",2\n"));
        assert!(!after(b"1,\"x\"\r\n"));
        assert!(!after(b"ab\"c\"\n"));
    }
}
