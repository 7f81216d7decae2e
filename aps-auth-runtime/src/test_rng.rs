//! A small deterministic generator (xorshift64*), so property tests and random documents need
//! no dependency and a seed always gives the same values.
//!
//! One copy, used by the runtime's own tests (`redact` tests) and by `xtask`'s random OpenAPI
//! documents (`xtask/src/random_spec.rs` includes this file with `#[path]`); it names nothing of
//! either crate.

/// The generator's state; any value but 0 is a seed.
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    /// The next value.
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value in `0..n` (`n` > 0).
    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// One of `items` (not empty).
    pub(crate) fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }

    /// `true` with the given chance in percent.
    pub(crate) fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn a_seed_always_gives_the_same_values_and_every_helper_stays_in_range() {
        let (mut a, mut b) = (Rng(7), Rng(7));
        let first: Vec<u64> = (0..4).map(|_| a.next()).collect();
        assert_eq!(first, (0..4).map(|_| b.next()).collect::<Vec<_>>());
        assert!(first.windows(2).all(|w| w[0] != w[1]), "{first:?}");
        assert!((0..100).all(|_| a.below(3) < 3));
        assert!((0..100).all(|_| ["x", "y"].contains(&a.pick(&["x", "y"]))));
        assert!((0..100).all(|_| !a.chance(0)) && (0..100).all(|_| a.chance(100)));
    }
}
