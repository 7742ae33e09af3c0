//! Incremental decoding of a byte stream into UTF-8, remembering where bytes were not valid in
//! the encoding instead of silently replacing them.

use std::collections::VecDeque;
use std::io::{self, Read};

use encoding_rs::{Decoder, DecoderResult, Encoding};

/// Raw bytes read from the input at a time.
const RAW_CHUNK: usize = 64 * 1024;

/// Reads `inner` in `encoding` and yields UTF-8; an invalid byte sequence becomes U+FFFD and
/// its offset in the output is recorded for [`take_malformed`](DecodingReader::take_malformed).
/// Memory stays at two fixed buffers whatever the input size.
pub(crate) struct DecodingReader<R> {
    inner: R,
    decoder: Decoder,
    raw: Box<[u8]>,
    raw_pos: usize,
    raw_end: usize,
    inner_done: bool,
    decoder_done: bool,
    out: String,
    out_pos: usize,
    /// Output bytes handed out so far, including `out`.
    produced: u64,
    /// Raw bytes given to the decoder so far.
    consumed: u64,
    /// Output offsets of the replacement characters standing for invalid input, in order.
    malformed: VecDeque<u64>,
}

impl<R: Read> DecodingReader<R> {
    /// Decodes `inner` in `encoding`, dropping its byte order mark.
    pub fn new(inner: R, encoding: &'static Encoding) -> Self {
        DecodingReader {
            inner,
            decoder: encoding.new_decoder_with_bom_removal(),
            raw: vec![0; RAW_CHUNK].into_boxed_slice(),
            raw_pos: 0,
            raw_end: 0,
            inner_done: false,
            decoder_done: false,
            out: String::with_capacity(RAW_CHUNK * 2),
            out_pos: 0,
            produced: 0,
            consumed: 0,
            malformed: VecDeque::new(),
        }
    }

    /// Whether invalid input was decoded into output offsets `start..end`; forgets every
    /// offset before `end`.
    pub fn take_malformed(&mut self, start: u64, end: u64) -> bool {
        let mut found = false;
        while let Some(&offset) = self.malformed.front().filter(|&&offset| offset < end) {
            found |= offset >= start;
            self.malformed.pop_front();
        }
        found
    }

    /// An estimate of the raw input offset that output offset `decoded` came from.
    pub fn raw_offset(&self, decoded: u64) -> u64 {
        if self.produced == 0 {
            return 0;
        }
        let estimate = u128::from(decoded) * u128::from(self.consumed) / u128::from(self.produced);
        u64::try_from(estimate).unwrap_or(u64::MAX)
    }

    /// Decodes the next chunk into `out`; leaves it empty only at the end of the input.
    fn fill(&mut self) -> io::Result<()> {
        self.out.clear();
        self.out_pos = 0;
        while !self.decoder_done {
            if self.raw_pos == self.raw_end && !self.inner_done {
                let read = read_retrying(&mut self.inner, &mut self.raw)?;
                self.raw_pos = 0;
                self.raw_end = read;
                self.inner_done = read == 0;
            }
            let input = &self.raw[self.raw_pos..self.raw_end];
            let (result, read) = self.decoder.decode_to_string_without_replacement(
                input,
                &mut self.out,
                self.inner_done,
            );
            self.raw_pos += read;
            self.consumed += read as u64;
            match result {
                DecoderResult::InputEmpty if self.inner_done => self.decoder_done = true,
                DecoderResult::InputEmpty if self.out.is_empty() => {}
                DecoderResult::InputEmpty | DecoderResult::OutputFull => break,
                DecoderResult::Malformed(_, _) => {
                    self.malformed
                        .push_back(self.produced + self.out.len() as u64);
                    self.out.push(char::REPLACEMENT_CHARACTER);
                }
            }
        }
        self.produced += self.out.len() as u64;
        Ok(())
    }
}

impl<R: Read> Read for DecodingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos == self.out.len() {
            self.fill()?;
        }
        let pending = &self.out.as_bytes()[self.out_pos..];
        let n = pending.len().min(buf.len());
        buf[..n].copy_from_slice(&pending[..n]);
        self.out_pos += n;
        Ok(n)
    }
}

fn read_retrying(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match reader.read(buf) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            result => return result,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::{GBK, UTF_8};

    fn decode_all<'a>(
        bytes: &'a [u8],
        encoding: &'static Encoding,
    ) -> (String, DecodingReader<&'a [u8]>) {
        let mut reader = DecodingReader::new(bytes, encoding);
        let mut text = String::new();
        reader.read_to_string(&mut text).unwrap();
        (text, reader)
    }

    #[test]
    fn decodes_gbk_across_chunks() {
        let text = "客户,电话\n".repeat(20_000);
        let (bytes, _, _) = GBK.encode(&text);
        assert!(bytes.len() > RAW_CHUNK);
        let (decoded, mut reader) = decode_all(&bytes, GBK);
        assert_eq!(decoded, text);
        assert!(!reader.take_malformed(0, u64::MAX));
    }

    #[test]
    fn invalid_bytes_are_replaced_and_located() {
        let (decoded, mut reader) = decode_all(b"ab\xFFcd\n\xC3", UTF_8);
        assert_eq!(decoded, "ab\u{FFFD}cd\n\u{FFFD}");
        assert!(!reader.take_malformed(0, 2));
        assert!(reader.take_malformed(2, 6));
        assert!(reader.take_malformed(8, 11));
        assert!(!reader.take_malformed(0, u64::MAX));
    }

    #[test]
    fn the_bom_is_dropped() {
        let (decoded, reader) = decode_all(b"\xEF\xBB\xBFa,b", UTF_8);
        assert_eq!(decoded, "a,b");
        assert_eq!(reader.raw_offset(3), 6);
    }
}
