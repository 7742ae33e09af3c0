//! A reader that keeps the text it hands out since the start of the current record, so the
//! record's raw text can be examined and, after an unclosed quote, read again from the line
//! after its start.

use std::io::{self, Read};

/// Bytes pulled from the inner reader at a time.
const PULL_CHUNK: usize = 16 * 1024;

/// Hands out the bytes of `inner`, keeping those from the [`mark`](Journal::mark) on. Offsets
/// count bytes from the start of `inner`. A record that runs more than `limit` bytes past the
/// mark makes `read` fail (and [`take_overflow`](Journal::take_overflow) tell so), which
/// bounds the memory a runaway quoted field can take.
pub(crate) struct Journal<R> {
    inner: R,
    /// Where bytes from `inner` land before joining `kept`.
    chunk: Box<[u8]>,
    kept: Vec<u8>,
    /// The offset of `kept[0]`.
    kept_start: u64,
    /// The offset of the next byte to hand out.
    cursor: u64,
    mark: u64,
    limit: u64,
    overflowed: bool,
    inner_done: bool,
}

impl<R: Read> Journal<R> {
    /// Reads `inner`, failing a record longer than `limit` bytes.
    pub fn new(inner: R, limit: u64) -> Self {
        Journal {
            inner,
            chunk: vec![0; PULL_CHUNK].into_boxed_slice(),
            kept: Vec::new(),
            kept_start: 0,
            cursor: 0,
            mark: 0,
            limit,
            overflowed: false,
            inner_done: false,
        }
    }

    /// The inner reader.
    pub fn inner(&self) -> &R {
        &self.inner
    }

    /// The inner reader, mutably.
    pub fn inner_mut(&mut self) -> &mut R {
        &mut self.inner
    }

    /// Whether a read failed because the record passed the limit (and forgets it).
    pub fn take_overflow(&mut self) -> bool {
        std::mem::take(&mut self.overflowed)
    }

    /// Starts a record at `offset`: bytes before it are no longer needed.
    pub fn mark(&mut self, offset: u64) {
        self.mark = offset.clamp(self.kept_start, self.kept_end());
        let done = self.index(self.mark);
        // Dropping only once the dead part outweighs the live one keeps this linear overall.
        if done > 0 && done >= self.kept.len() - done {
            self.kept.drain(..done);
            self.kept_start = self.mark;
        }
    }

    /// Hands out bytes from `offset` next (an offset still kept).
    pub fn rewind(&mut self, offset: u64) {
        self.cursor = offset.clamp(self.kept_start, self.kept_end());
    }

    /// The kept bytes in `start..end` (clamped to what is kept).
    pub fn kept(&self, start: u64, end: u64) -> &[u8] {
        let from = self.index(start);
        let to = self.index(end).max(from);
        &self.kept[from..to]
    }

    /// The end of the line starting at `start`: the offset after its terminator (or the end
    /// of the input), and its text without the terminator, cut at `max_text` bytes. The
    /// whole line need not fit in memory: bytes scanned past are let go.
    pub fn line_from(&mut self, start: u64, max_text: usize) -> io::Result<(u64, Vec<u8>)> {
        let mut text = Vec::new();
        let mut pos = start.max(self.kept_start);
        loop {
            while pos < self.kept_end() {
                let byte = self.kept[self.index(pos)];
                match byte {
                    b'\n' => return Ok((pos + 1, text)),
                    b'\r' => {
                        if pos + 1 == self.kept_end() {
                            self.pull()?;
                        }
                        let crlf =
                            pos + 1 < self.kept_end() && self.kept[self.index(pos + 1)] == b'\n';
                        return Ok((pos + if crlf { 2 } else { 1 }, text));
                    }
                    _ if text.len() < max_text => text.push(byte),
                    _ => {}
                }
                pos += 1;
            }
            self.mark(pos);
            if self.pull()? == 0 {
                return Ok((pos, text));
            }
        }
    }

    /// How many bytes are kept, to check that memory stays flat.
    #[cfg(test)]
    pub fn kept_len(&self) -> usize {
        self.kept.len()
    }

    fn kept_end(&self) -> u64 {
        self.kept_start + self.kept.len() as u64
    }

    fn index(&self, offset: u64) -> usize {
        let relative = offset.clamp(self.kept_start, self.kept_end()) - self.kept_start;
        usize::try_from(relative).unwrap_or(self.kept.len())
    }

    /// Appends up to a chunk from the inner reader; 0 at its end.
    fn pull(&mut self) -> io::Result<usize> {
        if self.inner_done {
            return Ok(0);
        }
        let read = loop {
            match self.inner.read(&mut self.chunk[..]) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                result => break result?,
            }
        };
        self.kept.extend_from_slice(&self.chunk[..read]);
        self.inner_done = read == 0;
        Ok(read)
    }
}

impl<R: Read> Read for Journal<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.cursor == self.kept_end() {
            if self.cursor.saturating_sub(self.mark) >= self.limit {
                self.overflowed = true;
                return Err(io::Error::other(format!(
                    "a row is longer than {} bytes",
                    self.limit
                )));
            }
            self.pull()?;
        }
        let pending = self.kept(self.cursor, self.kept_end());
        let n = pending.len().min(buf.len());
        buf[..n].copy_from_slice(&pending[..n]);
        self.cursor += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_n(journal: &mut Journal<&[u8]>, n: usize) -> Vec<u8> {
        let mut out = vec![0; n];
        let mut filled = 0;
        while filled < n {
            let read = journal.read(&mut out[filled..]).unwrap();
            if read == 0 {
                break;
            }
            filled += read;
        }
        out.truncate(filled);
        out
    }

    #[test]
    fn keeps_from_the_mark_and_rewinds() {
        let mut journal = Journal::new(&b"line one\nline two\nthree"[..], 1 << 20);
        assert_eq!(read_n(&mut journal, 12), b"line one\nlin");
        journal.mark(9);
        assert_eq!(journal.kept(9, 12), b"lin");
        journal.rewind(9);
        assert_eq!(read_n(&mut journal, 100), b"line two\nthree");
    }

    #[test]
    fn a_record_past_the_limit_fails_the_read() {
        let data = vec![b'x'; 100_000];
        let mut journal = Journal::new(&data[..], 50_000);
        let mut buf = vec![0; 8192];
        let error = loop {
            match journal.read(&mut buf) {
                Ok(0) => panic!("read to the end"),
                Ok(_) => continue,
                Err(error) => break error,
            }
        };
        assert!(error.to_string().contains("longer than 50000 bytes"));
        assert!(journal.take_overflow());
        assert!(!journal.take_overflow());
    }

    #[test]
    fn finds_line_ends_of_every_kind() {
        let data = b"ab\r\ncd\ref\ngh";
        let mut journal = Journal::new(&data[..], 1 << 20);
        assert_eq!(journal.line_from(0, 10).unwrap(), (4, b"ab".to_vec()));
        assert_eq!(journal.line_from(4, 10).unwrap(), (7, b"cd".to_vec()));
        assert_eq!(journal.line_from(7, 1).unwrap(), (10, b"e".to_vec()));
        journal.rewind(10);
        assert_eq!(read_n(&mut journal, 10), b"gh");
        assert_eq!(journal.line_from(10, 10).unwrap(), (12, b"gh".to_vec()));
    }

    #[test]
    fn a_long_line_is_scanned_without_keeping_it() {
        let mut data = vec![b'x'; 1_000_000];
        data.extend_from_slice(b"\nnext");
        let mut journal = Journal::new(&data[..], 1 << 20);
        let (end, text) = journal.line_from(0, 16).unwrap();
        assert_eq!((end, text.len()), (1_000_001, 16));
        assert!(journal.kept.len() <= 2 * PULL_CHUNK);
        journal.rewind(end);
        journal.mark(end);
        assert_eq!(read_n(&mut journal, 10), b"next");
    }
}
