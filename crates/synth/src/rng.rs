//! Seeded random streams: every person, network and month draws from its own stream,
//! derived from the borough's seed, so that the output does not depend on how many
//! threads run or in what order.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The purposes that get separate streams, so that changing one step (a planted effect,
/// say) leaves every other draw as it was.
#[derive(Debug, Clone, Copy)]
pub enum Stream {
    Demographics = 1,
    Conditions = 2,
    Activity = 3,
    Effect = 4,
    Mdt = 5,
    Surveys = 6,
    Geography = 7,
}

/// SplitMix64's finaliser: a bijection on u64 with full avalanche.
pub fn mix(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// An opaque identifier below 2^63 for `index`: a bijection on 63-bit numbers keyed by
/// `key`, so identifiers never collide, yet fit the signed BIGINT that SQL warehouses use.
pub fn opaque_id(key: u64, index: u64) -> u64 {
    const MASK: u64 = (1 << 63) - 1;
    // Each step (add, xor-shift, multiply by an odd constant) is invertible modulo 2^63.
    let mut z = index.wrapping_add(key) & MASK;
    z ^= z >> 31;
    z = z.wrapping_mul(0xBF58_476D_1CE4_E5B9) & MASK;
    z ^= z >> 29;
    z = z.wrapping_mul(0x94D0_49BB_1331_11EB) & MASK;
    z ^ (z >> 32)
}

/// The stream for `purpose` and `index` (a person, a network-month...).
pub fn stream(seed: u64, purpose: Stream, index: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(mix(seed ^ ((purpose as u64) << 56)) ^ index))
}

/// A Poisson draw; inversion for the small means that dominate here.
pub fn poisson(rng: &mut impl Rng, mean: f64) -> u32 {
    if mean <= 0.0 {
        return 0;
    }
    if mean < 30.0 {
        let limit = (-mean).exp();
        let mut product: f64 = rng.random();
        let mut count = 0;
        while product > limit {
            product *= rng.random::<f64>();
            count += 1;
        }
        return count;
    }
    use rand_distr::Distribution;
    rand_distr::Poisson::new(mean).map_or(0, |d| d.sample(rng) as u32)
}

/// A standard normal draw.
pub fn normal(rng: &mut impl Rng) -> f64 {
    use rand_distr::Distribution;
    rand_distr::StandardNormal.sample(rng)
}

/// An index drawn with probability proportional to `weights`.
pub fn pick(rng: &mut impl Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut target = rng.random::<f64>() * total;
    for (index, weight) in weights.iter().enumerate() {
        if target < *weight {
            return index;
        }
        target -= weight;
    }
    weights.len().saturating_sub(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_mean_and_variance_match() {
        let mut rng = stream(7, Stream::Activity, 0);
        for mean in [0.05, 0.7, 4.0, 45.0] {
            let draws: Vec<f64> = (0..200_000)
                .map(|_| f64::from(poisson(&mut rng, mean)))
                .collect();
            let m = draws.iter().sum::<f64>() / draws.len() as f64;
            let v = draws.iter().map(|d| (d - m).powi(2)).sum::<f64>() / draws.len() as f64;
            assert!((m / mean - 1.0).abs() < 0.03, "mean {m} for {mean}");
            assert!((v / mean - 1.0).abs() < 0.05, "variance {v} for {mean}");
        }
    }

    #[test]
    fn opaque_ids_are_unique_and_fit_a_signed_bigint() {
        let key = mix(42);
        let mut ids: Vec<u64> = (0..200_000).map(|i| opaque_id(key, i)).collect();
        assert!(ids.iter().all(|&id| id < 1 << 63));
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), 200_000);
    }

    #[test]
    fn streams_differ_by_purpose_and_index() {
        let a: u64 = stream(1, Stream::Activity, 5).random();
        let b: u64 = stream(1, Stream::Activity, 6).random();
        let c: u64 = stream(1, Stream::Effect, 5).random();
        let again: u64 = stream(1, Stream::Activity, 5).random();
        assert_ne!(a, b);
        assert_ne!(a, c);
        assert_eq!(a, again);
    }
}
