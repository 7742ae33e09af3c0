//! Quick hashing and comparing of the small keys rules look up: region spellings, field
//! names, user ids.

use std::hash::{BuildHasherDefault, Hasher};

/// Builds [`QuickHasher`]s.
pub(crate) type QuickHash = BuildHasherDefault<QuickHasher>;

/// A multiply-rotate over 8-byte words: a few cycles for a UUID or a region name where the
/// standard SipHash takes tens of nanoseconds. Not resistant to keys chosen to collide; the
/// keys hashed here are the region table's and the host's user ids.
#[derive(Default)]
pub(crate) struct QuickHasher(u64);

const K: u64 = 0x9E37_79B9_7F4A_7C15;

impl QuickHasher {
    fn mix(&mut self, word: u64) {
        self.0 = (self.0 ^ word).wrapping_mul(K).rotate_left(29);
    }
}

impl Hasher for QuickHasher {
    fn finish(&self) -> u64 {
        // Fold the high bits down: hash tables take their bucket from the low ones.
        self.0 ^ (self.0 >> 32)
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.mix(u64::from_le_bytes(chunk.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 56));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.mix(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.mix(i as u64);
    }

    fn write_u64(&mut self, i: u64) {
        self.mix(i);
    }
}

/// Whether `a` and `b` are the same bytes: for the short texts of field names and values
/// (up to 16 bytes), two word compares instead of a call to `memcmp`.
#[inline]
pub(crate) fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    let word = |s: &[u8], at: usize| u64::from_le_bytes(s[at..at + 8].try_into().expect("8"));
    let half = |s: &[u8], at: usize| u32::from_le_bytes(s[at..at + 4].try_into().expect("4"));
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use std::hash::{BuildHasher, Hash};

    use super::*;

    fn hash(value: impl Hash) -> u64 {
        QuickHash::default().hash_one(value)
    }

    #[test]
    fn different_short_keys_hash_differently() {
        let keys = ["江苏", "江苏省", "Jiangsu", "320000", "", "a", "ab", "a\0"];
        let hashes: std::collections::HashSet<u64> = keys.iter().map(hash).collect();
        assert_eq!(hashes.len(), keys.len());
        assert_eq!(hash("江苏省"), hash(String::from("江苏省")));
    }

    #[test]
    fn same_bytes_is_equality() {
        let texts = [
            "",
            "a",
            "ab",
            "abc",
            "abcd",
            "abcde",
            "abcdefg",
            "abcdefgh",
            "abcdefgi",
            "industry",
            "industrz",
            "region.province",
            "region.provincf",
            "xegion.province",
            "制造",
            "金融",
            "江苏省",
            "浙江省",
            "region.province.x",
            "region.province.y",
        ];
        for a in texts {
            for b in texts {
                assert_eq!(same_bytes(a.as_bytes(), b.as_bytes()), a == b, "{a} {b}");
            }
        }
    }
}
