//! Maps keyed by values that are already 64-bit hashes (blocking keys, counted values):
//! hashing such a key again, as the standard library's SipHash does, only costs time.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// A map from a 64-bit hash to `V` that uses the hash as it is.
pub(crate) type PrehashedMap<V> = HashMap<u64, V, BuildHasherDefault<PassThrough>>;

/// The [`Hasher`] of a [`PrehashedMap`]: a `u64` key is its own hash, its high half folded
/// into the low one, which picks the bucket (the hashes are FNV-1a, whose high bits mix
/// best, and counted values all have their lowest bit set).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write_u64(&mut self, key: u64) {
        self.0 = key ^ (key >> 32);
    }

    /// Keys other than `u64` are not expected; they still hash, byte by byte.
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}
