//! The reward circuit breaker's rolling window, as pure integer math (no Anchor types).
//!
//! The amount paid in the window decays linearly to zero over `window_seconds` since the last
//! payout, and a new payout is refused if the decayed amount plus the payout exceeds the cap.
//! A burst can therefore never exceed the cap, and capacity returns gradually as time passes,
//! without the cliff of fixed windows (where 2× the cap can leave around a window boundary).

/// Why a payout was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowError {
    /// The payout would exceed the cap; the value is what the window still allows now.
    Exceeded { available: u64 },
    /// Inputs out of range (negative window or elapsed time overflow).
    Invalid,
}

/// What is left of `previous` after `elapsed` seconds of linear decay over `window_seconds`
/// (rounded up, so the decay never lets more out than the cap).
pub fn decayed(previous: u64, elapsed: i64, window_seconds: i64) -> Result<u64, WindowError> {
    if window_seconds <= 0 {
        return Err(WindowError::Invalid);
    }
    if elapsed <= 0 {
        return Ok(previous);
    }
    if elapsed >= window_seconds {
        return Ok(0);
    }
    let left = (window_seconds - elapsed) as u128;
    let w = window_seconds as u128;
    let v = (u128::from(previous) * left).div_ceil(w);
    u64::try_from(v).map_err(|_| WindowError::Invalid)
}

/// Adds `amount` to the window that held `previous` at `last_ts`; returns the new total to
/// store with `now`, or the refusal.
pub fn enforce(
    previous: u64,
    last_ts: i64,
    now: i64,
    window_seconds: i64,
    amount: u64,
    cap: u64,
) -> Result<u64, WindowError> {
    let elapsed = now.checked_sub(last_ts).ok_or(WindowError::Invalid)?;
    let current = decayed(previous, elapsed, window_seconds)?;
    let total = current.checked_add(amount).ok_or(WindowError::Invalid)?;
    if total > cap {
        return Err(WindowError::Exceeded {
            available: cap.saturating_sub(current),
        });
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_holds_within_a_window() {
        let t = enforce(0, 0, 0, 100, 60, 100).unwrap();
        assert_eq!(t, 60);
        assert_eq!(
            enforce(t, 0, 0, 100, 41, 100),
            Err(WindowError::Exceeded { available: 40 })
        );
        assert_eq!(enforce(t, 0, 0, 100, 40, 100), Ok(100));
    }

    #[test]
    fn capacity_returns_linearly() {
        // 100 paid at t=0; at t=50 half has decayed.
        assert_eq!(decayed(100, 50, 100), Ok(50));
        assert_eq!(enforce(100, 0, 50, 100, 50, 100), Ok(100));
        assert_eq!(enforce(100, 0, 100, 100, 100, 100), Ok(100));
        assert_eq!(decayed(100, 1_000, 100), Ok(0));
    }

    #[test]
    fn decay_rounds_up() {
        assert_eq!(decayed(1, 99, 100), Ok(1));
        assert_eq!(decayed(3, 1, 2), Ok(2));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert_eq!(decayed(1, 1, 0), Err(WindowError::Invalid));
        assert_eq!(
            enforce(0, i64::MIN, i64::MAX, 10, 1, 1),
            Err(WindowError::Invalid)
        );
        assert_eq!(
            enforce(u64::MAX, 0, 0, 10, 1, u64::MAX),
            Err(WindowError::Invalid)
        );
    }
}
