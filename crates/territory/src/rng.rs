//! Deterministic randomness: SplitMix64 streams keyed by a hash of (seed, what, which), and a
//! smooth value-noise field. Our own, so that the bytes a seed gives never change with a
//! dependency's version.

/// SplitMix64's finaliser: a good 64-bit mix.
pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A hash of several words.
pub fn hash(parts: &[u64]) -> u64 {
    let mut h = 0x9e37_79b9_7f4a_7c15u64;
    for &p in parts {
        h = mix64(h ^ p.wrapping_mul(0x2545_f491_4f6c_dd1d));
    }
    h
}

/// A hash of a string (FNV-1a), to key streams by INSEE code rather than by position.
pub fn hash_str(s: &str) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    mix64(h)
}

/// A uniform number in [0, 1) from a hash.
pub fn unit(h: u64) -> f64 {
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A SplitMix64 stream.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        mix64(self.0)
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        unit(self.next_u64())
    }

    /// Uniform in [lo, hi).
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f64()
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }
}

/// Smooth value noise in [0, 1] at (x, y) metres, with features about `cell_m` across.
pub fn value_noise(seed: u64, x: f64, y: f64, cell_m: f64) -> f64 {
    let (gx, gy) = (x / cell_m, y / cell_m);
    let (x0, y0) = (gx.floor(), gy.floor());
    let (tx, ty) = (gx - x0, gy - y0);
    let smooth = |t: f64| t * t * (3.0 - 2.0 * t);
    let (sx, sy) = (smooth(tx), smooth(ty));
    let (i, j) = (x0 as i64, y0 as i64);
    let v = |di: i64, dj: i64| unit(hash(&[seed, (i + di) as u64, (j + dj) as u64]));
    let top = v(0, 0) + (v(1, 0) - v(0, 0)) * sx;
    let bottom = v(0, 1) + (v(1, 1) - v(0, 1)) * sx;
    top + (bottom - top) * sy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let draw = |seed| {
            let mut r = Rng::new(seed);
            (0..4).map(|_| r.next_u64()).collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
        assert_ne!(hash(&[1, 2]), hash(&[2, 1]));
        assert_ne!(hash_str("48095"), hash_str("48096"));
    }

    #[test]
    fn uniform_values_stay_in_range() {
        let mut r = Rng::new(7);
        let mut sum = 0.0;
        for _ in 0..10_000 {
            let u = r.f64();
            assert!((0.0..1.0).contains(&u));
            sum += u;
        }
        assert!((sum / 10_000.0 - 0.5).abs() < 0.02);
        for _ in 0..1000 {
            let v = r.range(-2.0, 5.0);
            assert!((-2.0..5.0).contains(&v));
        }
    }

    #[test]
    fn noise_is_smooth_and_bounded() {
        for k in 0..2000 {
            let v = value_noise(3, k as f64 * 5.0, -1234.0, 1000.0);
            assert!((0.0..=1.0).contains(&v));
        }
        let a = value_noise(3, 500.0, 500.0, 1000.0);
        let b = value_noise(3, 505.0, 500.0, 1000.0);
        assert!((a - b).abs() < 0.02, "{a} {b}");
    }
}
