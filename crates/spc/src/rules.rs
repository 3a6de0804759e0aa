//! The special-cause rules on a run of points, each as both references code it: a shift
//! (a run on one side of the mean), a trend (a run of strict rises or falls) and two of
//! three points near or beyond a limit on one side. Each returns the points it flags.

/// Points in runs of at least `length` with the same non-zero side of the mean; a point on
/// the mean (side 0) breaks a run. Every point of a qualifying run is flagged.
pub fn shift(sides: &[i8], length: usize) -> Vec<bool> {
    let mut flagged = vec![false; sides.len()];
    let mut start = 0;
    for end in 1..=sides.len() {
        if end == sides.len() || sides[end] != sides[start] {
            if sides[start] != 0 && end - start >= length {
                flagged[start..end].iter_mut().for_each(|f| *f = true);
            }
            start = end;
        }
    }
    flagged
}

/// Points in runs of at least `length` points each strictly above (or below) the one
/// before; equal neighbours break a run. Gives +1 for a rising run, −1 for a falling one.
pub fn trend(values: &[f64], length: usize) -> Vec<i8> {
    let mut flagged = vec![0i8; values.len()];
    for direction in [1i8, -1] {
        let mut start = 0;
        for end in 1..=values.len() {
            let continues = end < values.len() && {
                let step = values[end] - values[end - 1];
                (direction > 0 && step > 0.0) || (direction < 0 && step < 0.0)
            };
            if !continues {
                if end - start >= length {
                    flagged[start..end]
                        .iter_mut()
                        .filter(|f| **f == 0)
                        .for_each(|f| *f = direction);
                }
                start = end;
            }
        }
    }
    flagged
}

/// In any three consecutive points all on one side of the mean, two or more `near` a
/// limit: those near points are flagged.
pub fn two_of_three(sides: &[i8], near: &[bool]) -> Vec<bool> {
    let mut flagged = vec![false; sides.len()];
    for start in 0..sides.len().saturating_sub(2) {
        let window = start..start + 3;
        let same_side =
            sides[start] != 0 && sides[window.clone()].iter().all(|&s| s == sides[start]);
        if same_side && near[window.clone()].iter().filter(|&&n| n).count() >= 2 {
            for i in window {
                flagged[i] |= near[i];
            }
        }
    }
    flagged
}

#[cfg(test)]
mod tests {
    use super::*;

    // NHSRplotthedots' own rule tests (test-ptd_calculate_point_type.R).
    #[test]
    fn shift_flags_every_point_of_a_long_enough_run() {
        let sides = [1, 1, 1, 1, 1, 1, 1, 1, -1];
        assert_eq!(
            shift(&sides, 7),
            [true, true, true, true, true, true, true, true, false]
        );
        assert_eq!(shift(&sides[..6], 7), [false; 6]);
        assert_eq!(
            shift(&[1, 1, 1, 0, 1, 1, 1, 1], 6),
            [false; 8],
            "a point on the mean breaks the run"
        );
    }

    #[test]
    fn trend_needs_strict_steps() {
        let rising: Vec<f64> = (1..=7).map(f64::from).collect();
        assert_eq!(trend(&rising, 7), [1; 7]);
        assert_eq!(
            trend(&[1., 2., 3., 3., 4., 5., 6.], 7),
            [0; 7],
            "a tie breaks the trend"
        );
        assert_eq!(trend(&[6., 5., 4., 3., 2., 1.], 6), [-1; 6]);
        assert_eq!(trend(&[6., 5., 4., 3., 2., 1.], 7), [0; 6]);
    }

    #[test]
    fn two_of_three_flags_only_the_near_points_on_one_side() {
        let near = [false, false, true, false, true, false, false];
        assert_eq!(
            two_of_three(&[1; 7], &near),
            [false, false, true, false, true, false, false]
        );
        assert_eq!(two_of_three(&[1, -1, 1, -1, 1, -1, 1], &near), [false; 7]);
    }
}
