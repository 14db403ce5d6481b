//! The randomness of runs on the runtime (the fuzzer's actions, the simulator's actors):
//! SplitMix64, small, fast and the same on every platform, so a seed fixes every choice (and
//! every derived key) whatever the dependency versions.
//!
//! It is not for secrets: never derive keys that hold value from it.

use solana_sdk::signature::Keypair;

/// SplitMix64 (Steele, Lea, Flood 2014).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..=hi` (`lo` when the range is empty), by multiply-shift, which has no
    /// modulo bias worth speaking of at these ranges.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        let Some(span) = hi.checked_sub(lo).and_then(|s| s.checked_add(1)) else {
            // Empty range, or the whole of u64.
            return if hi < lo { lo } else { self.next_u64() };
        };
        let offset = (u128::from(self.next_u64()) * u128::from(span)) >> 64;
        // offset < span, so it fits and lo + offset <= hi.
        lo.saturating_add(u64::try_from(offset).unwrap_or(0))
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        match n {
            0 => 0,
            n => self.range(0, n - 1),
        }
    }

    /// An index into a slice of `len` elements (0 when it is empty).
    pub fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }

    /// One element of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.index(xs.len())]
    }

    /// True `percent` times in 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        // The top 53 bits: exactly representable.
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An index drawn with probability proportional to its weight; `None` if all are 0.
    pub fn weighted(&mut self, weights: &[u64]) -> Option<usize> {
        let total = weights
            .iter()
            .try_fold(0u64, |acc, w| acc.checked_add(*w))?;
        if total == 0 {
            return None;
        }
        let mut ticket = self.range(0, total - 1);
        for (i, w) in weights.iter().enumerate() {
            if ticket < *w {
                return Some(i);
            }
            ticket -= w;
        }
        None
    }
}

/// A keypair derived from the seed and a label (`"client-3"`), so one seed gives the same
/// addresses on every run. Fine for a ledger that is thrown away; never for keys that hold value.
pub fn keypair(seed: u64, label: &str) -> Keypair {
    // FNV-1a of the label, mixed with the seed.
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in label.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
    }
    let mut rng = Rng::new(seed ^ h);
    let mut secret = [0u8; 32];
    for chunk in secret.chunks_exact_mut(8) {
        chunk.copy_from_slice(&rng.next_u64().to_le_bytes());
    }
    Keypair::new_from_array(secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use solana_sdk::signature::Signer;

    #[test]
    fn known_sequence() {
        // Reference values of SplitMix64 seeded with 0.
        let mut r = Rng::new(0);
        assert_eq!(r.next_u64(), 0xE220_A839_7B1D_CDAF);
        assert_eq!(r.next_u64(), 0x6E78_9E6A_A1B9_65F4);
    }

    #[test]
    fn ranges_and_weights_stay_in_bounds() {
        let mut r = Rng::new(7);
        for _ in 0..10_000 {
            let v = r.range(3, 9);
            assert!((3..=9).contains(&v));
            assert!(r.below(5) < 5);
            assert!(r.index(3) < 3);
            let u = r.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(r.range(5, 5), 5);
        assert_eq!(r.below(0), 0);
        assert_eq!(r.index(0), 0);
        assert!(!r.chance(0));
        assert!(r.chance(100));
        assert_eq!(r.weighted(&[0, 0]), None);
        assert_eq!(r.weighted(&[0, 4, 0]), Some(1));
        let mut hits = [0u32; 2];
        for _ in 0..10_000 {
            hits[r.weighted(&[1, 3]).expect("weights")] += 1;
        }
        assert!((2_000..3_000).contains(&hits[0]), "{hits:?}");
    }

    #[test]
    fn keys_follow_seed_and_label() {
        assert_eq!(keypair(1, "a").pubkey(), keypair(1, "a").pubkey());
        assert_ne!(keypair(1, "a").pubkey(), keypair(1, "b").pubkey());
        assert_ne!(keypair(1, "a").pubkey(), keypair(2, "a").pubkey());
    }
}
