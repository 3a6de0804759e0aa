//! The second validation of docs/methods.md: a random 75/25 split, stratified by outcome so that
//! both parts have the same prevalence, drawn from a fixed seed.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Row indices of the training and test parts (each in ascending order): `test_share` of
/// the events and of the non-events, rounded, go to the test part.
pub fn stratified_split(outcomes: &[f64], test_share: f64, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut train = Vec::new();
    let mut test = Vec::new();
    for class in [0.0, 1.0] {
        let mut rows: Vec<usize> = (0..outcomes.len())
            .filter(|&i| outcomes[i] == class)
            .collect();
        rows.shuffle(&mut rng);
        let cut = (rows.len() as f64 * test_share).round() as usize;
        test.extend_from_slice(&rows[..cut]);
        train.extend_from_slice(&rows[cut..]);
    }
    train.sort_unstable();
    test.sort_unstable();
    (train, test)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_the_prevalence_and_every_row_once() {
        let y: Vec<f64> = (0..1000)
            .map(|i| f64::from(u8::from(i % 10 == 0)))
            .collect();
        let (train, test) = stratified_split(&y, 0.25, 1);
        assert_eq!((train.len(), test.len()), (750, 250));
        assert_eq!(test.iter().filter(|&&i| y[i] == 1.0).count(), 25);
        let mut all: Vec<usize> = train.iter().chain(&test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..1000).collect::<Vec<_>>());
        assert_eq!(stratified_split(&y, 0.25, 1), (train, test));
    }
}
