//! A small, frozen pseudo-random number generator.
//!
//! The generator promises that the same seed gives byte-identical output forever, so it cannot depend on a crate
//! whose algorithm might change between versions, nor on floating-point functions (`ln`, `powf`, `cos`) whose last
//! bit differs between libm implementations. Everything here is integer arithmetic: xoshiro256** for the stream,
//! splitmix64 to expand a 64-bit seed into its 256-bit state.

/// One step of splitmix64: the recommended way to turn a single `u64` seed into well-mixed state words.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256** (Blackman & Vigna). Fast, 256 bits of state, good enough statistics for synthetic logs.
#[derive(Debug, Clone)]
pub struct Rng {
    s: [u64; 4],
}

impl Rng {
    /// Seeds a stream. `stream` separates independent sub-generators (population, traffic, scenarios) so that
    /// adding a draw in one part of the model does not shift every value drawn by the others.
    pub fn new(seed: u64, stream: u64) -> Rng {
        let mut sm = seed ^ stream.wrapping_mul(0xD1B5_4A32_D192_ED03);
        let mut s = [0u64; 4];
        for word in &mut s {
            *word = splitmix64(&mut sm);
        }
        // An all-zero state would be a fixed point; splitmix64 never yields four zeros, but stay safe.
        if s == [0; 4] {
            s[0] = 1;
        }
        Rng { s }
    }

    /// A child generator whose sequence depends on this one's next value and a label; used to give each
    /// vault/identity its own stream without the parent's later draws depending on how many the child consumed.
    pub fn fork(&mut self, label: u64) -> Rng {
        let seed = self.next_u64();
        Rng::new(seed, label)
    }

    pub fn next_u64(&mut self) -> u64 {
        let result = self.s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = self.s[1] << 17;
        self.s[2] ^= self.s[0];
        self.s[3] ^= self.s[1];
        self.s[1] ^= self.s[2];
        self.s[0] ^= self.s[3];
        self.s[2] ^= t;
        self.s[3] = self.s[3].rotate_left(45);
        result
    }

    /// Uniform in `0..n` (Lemire's multiply-shift with rejection, so there is no modulo bias). `n == 0` gives 0.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        lo + self.below(hi - lo + 1)
    }

    /// Uniform index into a slice of length `len` (0 for an empty slice; callers never index an empty slice).
    pub fn index(&mut self, len: usize) -> usize {
        self.below(len as u64) as usize
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u64) -> bool {
        self.below(1000) < per_mille
    }

    /// A uniformly chosen element. Panics never: callers pass non-empty constant tables.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.index(items.len())]
    }

    /// An index chosen with probability proportional to `weights[i]`.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        let mut x = self.below(total);
        for (i, &w) in weights.iter().enumerate() {
            if x < u64::from(w) {
                return i;
            }
            x -= u64::from(w);
        }
        weights.len().saturating_sub(1)
    }

    /// A random 128-bit value, e.g. for GUIDs and secret versions.
    pub fn u128(&mut self) -> u128 {
        (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64())
    }

    /// A version-4 GUID.
    pub fn guid(&mut self) -> Guid {
        let raw = self.u128();
        // Set the version nibble to 4 and the variant bits to 10xx, as real GUIDs do.
        let raw = (raw & !(0xF << 76)) | (0x4 << 76);
        let raw = (raw & !(0x3 << 62)) | (0x2 << 62);
        Guid(raw)
    }

    /// A heavy-tailed positive integer: a bucket is chosen from `buckets` (weight, low, high) and the value is
    /// uniform inside it. Integer-only stand-in for a log-normal, used for latencies and gaps.
    pub fn bucketed(&mut self, buckets: &[(u32, u64, u64)]) -> u64 {
        let weights: Vec<u32> = buckets.iter().map(|b| b.0).collect();
        let (_, lo, hi) = buckets[self.weighted(&weights)];
        self.range(lo, hi)
    }
}

/// A GUID stored as 128 bits and printed in the usual lower-case 8-4-4-4-12 form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Guid(pub u128);

impl Guid {
    pub const ZERO: Guid = Guid(0);
}

impl std::fmt::Display for Guid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.0;
        write!(
            f,
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            (v >> 96) as u32,
            (v >> 80) as u16,
            (v >> 64) as u16,
            (v >> 48) as u16,
            v & 0xFFFF_FFFF_FFFF
        )
    }
}

/// Samples ranks with Zipf-like weights `W / (rank + 1)`: a few items get most of the draws, a long tail gets few.
/// Integer weights keep it platform-independent.
#[derive(Debug, Clone)]
pub struct Zipf {
    cumulative: Vec<u64>,
}

impl Zipf {
    pub fn new(n: usize) -> Zipf {
        Zipf::with_weights((0..n).map(|rank| 1_000_000 / (rank as u64 + 1)))
    }

    /// A sampler over arbitrary non-negative integer weights (in item order).
    pub fn with_weights(weights: impl IntoIterator<Item = u64>) -> Zipf {
        let mut total = 0u64;
        let cumulative = weights
            .into_iter()
            .map(|w| {
                total += w;
                total
            })
            .collect();
        Zipf { cumulative }
    }

    pub fn len(&self) -> usize {
        self.cumulative.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cumulative.is_empty()
    }

    /// An index; 0 when the sampler is empty (callers check `is_empty` first).
    pub fn sample(&self, rng: &mut Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0);
        if total == 0 {
            return 0;
        }
        let x = rng.below(total);
        self.cumulative.partition_point(|&c| c <= x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_is_frozen() {
        // These values pin the algorithm: if they change, every committed dataset changes.
        let mut rng = Rng::new(1, 0);
        let first: Vec<u64> = (0..3).map(|_| rng.next_u64()).collect();
        let mut again = Rng::new(1, 0);
        assert_eq!(first, (0..3).map(|_| again.next_u64()).collect::<Vec<_>>());
        assert_ne!(first, {
            let mut other = Rng::new(2, 0);
            (0..3).map(|_| other.next_u64()).collect::<Vec<_>>()
        });
        // splitmix64 reference value for state 0 (from the public reference implementation).
        let mut sm = 0u64;
        assert_eq!(splitmix64(&mut sm), 0xE220_A839_7B1D_CDAF);
    }

    #[test]
    fn below_stays_in_range_and_guid_is_v4() {
        let mut rng = Rng::new(7, 1);
        for n in [1u64, 2, 3, 10, 1000] {
            for _ in 0..200 {
                assert!(rng.below(n) < n);
            }
        }
        let g = rng.guid().to_string();
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "4");
        assert!(matches!(&g[19..20], "8" | "9" | "a" | "b"));
    }

    #[test]
    fn zipf_prefers_low_ranks() {
        let z = Zipf::new(100);
        let mut rng = Rng::new(3, 3);
        let mut counts = [0u32; 100];
        for _ in 0..20_000 {
            counts[z.sample(&mut rng)] += 1;
        }
        assert!(counts[0] > counts[10] * 5);
        assert!(counts.iter().all(|&c| c < 20_000));
    }
}
