//! Maps keyed by values that are already 64-bit hashes (blocking keys, counted values):
//! hashing such a key again, as the standard library's SipHash does, only costs time.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::dedup::compare::fnv1a_extend;

/// A map from a 64-bit hash to `V` that uses the hash as it is (see [`PassThrough`]).
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

    /// Keys other than `u64` are not expected; they still hash, by FNV-1a.
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a_extend(self.0, bytes);
    }
}
