//! A small seeded random number generator for the data generators (SplitMix64).
//!
//! Deterministic on every platform and independent of any `rand` version, so a seed
//! names the same data set for good.
//!
//! Seeds derived from a user's seed (one per data split, per run of a sweep, per
//! restart) all come from [`derive_seed`], so that no code adds to a seed (which
//! overflows on large seeds) and two streams of one seed never coincide.

/// The golden-ratio increment of SplitMix64's state.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function (Stafford's "Mix13"), a bijection on `u64`.
fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The seed of sub-stream `stream` of `seed`: the one rule for derived seeds.
///
/// A SplitMix64-style mix, `mix64(seed ^ (stream + 1) · γ)` with wrapping arithmetic
/// (γ the golden-ratio constant), so any `seed` and `stream`, `u64::MAX` included,
/// work without overflow. For a fixed `seed` it is a bijection of `stream` (each step
/// is one: `+ 1`, the product with the odd γ, the xor, and the mix), so different
/// streams of one seed always get different seeds. Use small fixed numbers as
/// `stream` (an index, a split number), never `seed + i`.
///
/// ```
/// use datasets::rng::derive_seed;
/// let train = derive_seed(u64::MAX, 0);
/// let test = derive_seed(u64::MAX, 1);
/// assert_ne!(train, test);
/// assert_eq!(train, derive_seed(u64::MAX, 0));
/// ```
pub fn derive_seed(seed: u64, stream: u64) -> u64 {
    mix64(seed ^ stream.wrapping_add(1).wrapping_mul(GOLDEN_GAMMA))
}

/// SplitMix64 (Steele, Lea & Flood 2014): 64-bit state, passes BigCrush.
#[derive(Debug, Clone)]
pub struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        mix64(self.state)
    }

    /// Uniform in `[0, 1)`, with 53 random bits.
    pub fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in `[low, high)`.
    pub fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.next_f64()
    }

    /// Uniform integer in `0..n` (`n > 0`), without modulo bias worth noticing for the
    /// small `n` the generators use (Lemire's multiply-shift).
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A standard normal sample (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.next_f64(); // (0, 1]: ln is finite
        let u2 = self.next_f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_seeds_never_overflow_and_differ_by_stream() {
        for seed in [0, 1, 42, u64::MAX - 1, u64::MAX] {
            let streams: Vec<u64> = [0, 1, 2, 3, 1000, u64::MAX - 1, u64::MAX]
                .into_iter()
                .map(|stream| derive_seed(seed, stream))
                .collect();
            let mut unique = streams.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), streams.len(), "seed {seed}: {streams:?}");
            assert_eq!(streams[1], derive_seed(seed, 1), "deterministic");
        }
        assert_ne!(derive_seed(1, 0), derive_seed(2, 0), "seeds differ too");
        // The derived generators are not shifted copies of each other.
        let mut a = SplitMix64::new(derive_seed(7, 0));
        let mut b = SplitMix64::new(derive_seed(7, 1));
        let first_a: Vec<u64> = (0..4).map(|_| a.next_u64()).collect();
        assert!((0..4).all(|_| !first_a.contains(&b.next_u64())));
    }

    #[test]
    fn seeded_streams_repeat_and_have_the_right_moments() {
        let draw = |seed| {
            let mut r = SplitMix64::new(seed);
            (0..5).map(|_| r.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));

        let mut r = SplitMix64::new(1);
        let n = 100_000;
        let normals: Vec<f64> = (0..n).map(|_| r.normal()).collect();
        let mean = normals.iter().sum::<f64>() / n as f64;
        let var = normals.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(
            mean.abs() < 0.02 && (var - 1.0).abs() < 0.02,
            "{mean} {var}"
        );
        let mut counts = [0usize; 5];
        for _ in 0..n {
            counts[r.below(5)] += 1;
        }
        assert!(
            counts
                .iter()
                .all(|&c| (c as f64 / n as f64 - 0.2).abs() < 0.01)
        );
    }
}
