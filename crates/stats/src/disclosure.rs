//! Disclosure control for published output (docs/methods.md; OpenSAFELY and NHS Digital
//! practice): counts from 1 to 7 are redacted, other counts rounded to the nearest 5, and a
//! rate, proportion or interval whose numerator is redacted is redacted too. Applied only in
//! publishing mode; analysts see exact figures.

/// Counts at or below this (and above zero) are redacted.
pub const REDACT_AT_OR_BELOW: u64 = 7;
/// Published counts are rounded to a multiple of this.
pub const ROUND_TO: u64 = 5;

/// A published count: `None` is shown as `*`.
pub fn disclose_count(count: u64) -> Option<u64> {
    match count {
        0 => Some(0),
        1..=REDACT_AT_OR_BELOW => None,
        n => Some((n + ROUND_TO / 2) / ROUND_TO * ROUND_TO),
    }
}

/// A published figure derived from a numerator: withheld when the numerator is redacted.
pub fn disclose_derived<T>(numerator: u64, figure: T) -> Option<T> {
    disclose_count(numerator).map(|_| figure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_counts_are_redacted_and_others_rounded() {
        // OpenSAFELY's examples: 7 → redacted, 8 → 10, 12 → 10, 13 → 15.
        assert_eq!(disclose_count(0), Some(0));
        assert_eq!(disclose_count(1), None);
        assert_eq!(disclose_count(7), None);
        assert_eq!(disclose_count(8), Some(10));
        assert_eq!(disclose_count(12), Some(10));
        assert_eq!(disclose_count(13), Some(15));
        assert_eq!(disclose_count(1_002), Some(1_000));
        assert_eq!(disclose_derived(5, 0.42), None);
        assert_eq!(disclose_derived(50, 0.42), Some(0.42));
    }
}
