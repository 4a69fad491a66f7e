//! 64-bit FNV-1a, the hash behind feature columns and MinHash signatures: stable across
//! platforms and releases, unlike std's `DefaultHasher`, so a saved model keeps meaning what
//! it meant.

/// An FNV-1a state: [`Fnv::START`] before any byte.
#[derive(Clone, Copy)]
pub(crate) struct Fnv(pub(crate) u64);

impl Fnv {
    pub(crate) const START: Self = Self(0xcbf2_9ce4_8422_2325);
    pub(crate) const PRIME: u64 = 0x0000_0100_0000_01b3;

    /// The state after `bytes`.
    #[inline]
    pub(crate) const fn bytes(mut self, bytes: &[u8]) -> Self {
        let mut i = 0;
        while i < bytes.len() {
            self.0 ^= bytes[i] as u64;
            self.0 = self.0.wrapping_mul(Self::PRIME);
            i += 1;
        }
        self
    }
}
