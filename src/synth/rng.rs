//! A small deterministic generator (SplitMix64): the same seed gives the same corpus on every
//! machine and every version of the crate's dependencies.

/// SplitMix64's output function.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64.
#[derive(Debug, Clone)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator for one item (`stream`) of a corpus seeded with `seed`.
    pub(crate) fn new(seed: u64, stream: u64) -> Rng {
        // Streams must not be shifted copies of each other (plain SplitMix64 states of
        // `seed + stream * G` overlap): the stream number goes through the mixer first.
        Rng(mix(seed ^ mix(stream.wrapping_add(0x5EED))))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in `lo..=hi`.
    pub(crate) fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    /// Uniform in `[0, 1)`.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }

    /// `n` lowercase hex digits.
    pub(crate) fn hex(&mut self, n: usize) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = String::with_capacity(n);
        let mut bits = 0u64;
        for i in 0..n {
            if i % 16 == 0 {
                bits = self.next_u64();
            }
            out.push(DIGITS[(bits & 15) as usize] as char);
            bits >>= 4;
        }
        out
    }

    /// A 24-digit Mongo-style object id starting with `69a5` like the vendor's.
    pub(crate) fn object_id(&mut self) -> String {
        format!("69a5{}", self.hex(20))
    }

    /// A version-4-shaped UUID.
    pub(crate) fn uuid(&mut self) -> String {
        let h = self.hex(32);
        format!(
            "{}-{}-4{}-a{}-{}",
            &h[..8],
            &h[8..12],
            &h[13..16],
            &h[17..20],
            &h[20..32]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| Rng::new(7, 1).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        assert_ne!(Rng::new(7, 1).next_u64(), Rng::new(7, 2).next_u64());
        // No stream is another shifted by a step.
        let mut s1 = Rng::new(1, 1);
        s1.next_u64();
        assert_ne!(s1.next_u64(), Rng::new(1, 2).next_u64());
        let mut r = Rng::new(1, 1);
        assert_eq!(r.object_id().len(), 24);
        assert_eq!(r.uuid().len(), 36);
        for _ in 0..1000 {
            let v = r.range(2, 12);
            assert!((2..=12).contains(&v));
        }
    }
}
