//! The reward circuit breaker's rolling window, as integer math on a small ring of buckets.
//!
//! The promise: **at most `cap` reward tokens leave the reward vault within any interval of
//! `window_seconds`**, whenever the interval starts.
//!
//! Time is cut into buckets of `w = ceil(window_seconds / OUTFLOW_BUCKETS)` seconds, and the
//! amounts paid in the newest `OUTFLOW_BUCKETS + 1` buckets are kept. A payment in bucket `b` is
//! allowed only if the buckets `b − OUTFLOW_BUCKETS ..= b` together stay within the cap. Any
//! interval of `window_seconds ≤ OUTFLOW_BUCKETS · w` touches at most `OUTFLOW_BUCKETS + 1`
//! consecutive buckets, and the last payment inside it was checked against all of them, so the
//! interval holds at most `cap`. The price of the guarantee is granularity: capacity returns a
//! bucket at a time, up to `w` seconds later than an exact sliding window would give it back.
//!
//! (The first version decayed the window's total linearly from the last payment; since every
//! payment restarted the decay, nearly 2× the cap could leave within one window.)
//!
//! When `window_seconds` changes, everything still counted moves into the newest bucket of the
//! new size: it is counted for at least another full window, never less.

use anchor_lang::prelude::*;

use crate::constants::OUTFLOW_BUCKETS;

/// Buckets kept: the current one and the `OUTFLOW_BUCKETS` before it.
pub const RING: usize = OUTFLOW_BUCKETS + 1;

/// Why a payout was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WindowError {
    /// The payout would exceed the cap; the value is what the window still allows now.
    Exceeded { available: u64 },
    /// Inputs out of range (non-positive window, overflowing totals).
    Invalid,
}

/// What the reward vault paid out recently, bucket by bucket.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct OutflowWindow {
    /// Bucket length the amounts were recorded with (0 before the first payout).
    pub bucket_seconds: i64,
    /// Index (`time / bucket_seconds`) of the newest bucket.
    pub newest: i64,
    /// Amounts paid per bucket; bucket `i` lives at `i mod RING`.
    pub amounts: [u64; RING],
}

/// Bucket length for a window: `ceil(window_seconds / OUTFLOW_BUCKETS)`, at least one second.
pub fn bucket_seconds(window_seconds: i64) -> std::result::Result<i64, WindowError> {
    if window_seconds <= 0 {
        return Err(WindowError::Invalid);
    }
    let n = OUTFLOW_BUCKETS as i64;
    Ok((window_seconds.saturating_add(n - 1) / n).max(1))
}

/// How long a payment counts against the cap: the `RING` buckets checked at each payment,
/// `RING × bucket_seconds(window)`. The cap can leave at most once per span.
pub fn span_seconds(window_seconds: i64) -> std::result::Result<i64, WindowError> {
    bucket_seconds(window_seconds)?
        .checked_mul(RING as i64)
        .ok_or(WindowError::Invalid)
}

fn slot(index: i64) -> usize {
    index.rem_euclid(RING as i64) as usize
}

impl OutflowWindow {
    /// Total counted in the window as last advanced.
    pub fn total(&self) -> std::result::Result<u64, WindowError> {
        self.amounts
            .iter()
            .try_fold(0u64, |acc, v| acc.checked_add(*v))
            .ok_or(WindowError::Invalid)
    }

    /// Moves the window to `now`: buckets older than the ring are forgotten.
    fn advance(&mut self, now: i64, window_seconds: i64) -> std::result::Result<(), WindowError> {
        let w = bucket_seconds(window_seconds)?;
        let index = now.div_euclid(w);
        if self.bucket_seconds != w {
            let total = self.total()?;
            self.amounts = [0; RING];
            self.amounts[slot(index)] = total;
            self.bucket_seconds = w;
            self.newest = index;
            return Ok(());
        }
        if index <= self.newest {
            // The same bucket (or a clock that did not move forward): nothing leaves.
            return Ok(());
        }
        let gap = index.saturating_sub(self.newest);
        if gap >= RING as i64 {
            self.amounts = [0; RING];
        } else {
            for i in 1..=gap {
                self.amounts[slot(self.newest.saturating_add(i))] = 0;
            }
        }
        self.newest = index;
        Ok(())
    }

    /// What may still leave at `now` under `cap`.
    pub fn available(
        &self,
        now: i64,
        window_seconds: i64,
        cap: u64,
    ) -> std::result::Result<u64, WindowError> {
        let mut copy = *self;
        copy.advance(now, window_seconds)?;
        Ok(cap.saturating_sub(copy.total()?))
    }

    /// Records a payout of `amount` at `now`, or refuses it if the window would exceed `cap`.
    pub fn record(
        &mut self,
        now: i64,
        window_seconds: i64,
        amount: u64,
        cap: u64,
    ) -> std::result::Result<(), WindowError> {
        self.advance(now, window_seconds)?;
        let total = self.total()?;
        let after = total.checked_add(amount).ok_or(WindowError::Invalid)?;
        if after > cap {
            return Err(WindowError::Exceeded {
                available: cap.saturating_sub(total),
            });
        }
        let s = slot(self.newest);
        self.amounts[s] = self.amounts[s]
            .checked_add(amount)
            .ok_or(WindowError::Invalid)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const W: i64 = 800; // buckets of 100 s

    #[test]
    fn cap_holds_within_a_bucket_and_returns_after_the_window() {
        let mut win = OutflowWindow::default();
        win.record(1_000, W, 60, 100).unwrap();
        assert_eq!(
            win.record(1_050, W, 41, 100),
            Err(WindowError::Exceeded { available: 40 })
        );
        win.record(1_099, W, 40, 100).unwrap();
        // Still counted 800 s later (bucket 10 is 8 buckets after bucket 10 → 18).
        assert_eq!(win.available(1_899, W, 100), Ok(0));
        // Bucket 19 no longer sees bucket 10.
        assert_eq!(win.available(1_900, W, 100), Ok(100));
    }

    #[test]
    fn the_old_decay_exploit_is_refused() {
        // The linear-decay window let a claimer take the cap, then half of it half a window
        // later, and so on: nearly 2× within one window. Here every later claim inside the
        // same window is refused.
        let mut win = OutflowWindow::default();
        win.record(0, W, 100, 100).unwrap();
        for t in [100, 400, 600, 799] {
            assert_eq!(win.available(t, W, 100), Ok(0), "t={t}");
        }
    }

    #[test]
    fn a_changed_window_length_keeps_counting_what_was_paid() {
        let mut win = OutflowWindow::default();
        win.record(0, W, 100, 100).unwrap();
        // The window shrinks to 80 s (buckets of 10 s) at t = 10: the 100 paid moves into the
        // newest bucket and stays counted for a full new window.
        assert_eq!(win.available(10, 80, 100), Ok(0));
        win.record(10, 80, 0, 100).unwrap();
        assert_eq!(win.available(89, 80, 100), Ok(0));
        assert_eq!(win.available(100, 80, 100), Ok(100));
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert_eq!(bucket_seconds(0), Err(WindowError::Invalid));
        let mut win = OutflowWindow::default();
        assert_eq!(win.record(0, -1, 1, 1), Err(WindowError::Invalid));
        win.record(0, W, u64::MAX, u64::MAX).unwrap();
        assert_eq!(win.record(0, W, 1, u64::MAX), Err(WindowError::Invalid));
        assert_eq!(bucket_seconds(1), Ok(1));
        assert_eq!(bucket_seconds(801), Ok(101));
    }

    proptest! {
        /// Greedy claims at adversarial times: every interval of `window` seconds, wherever it
        /// starts, holds at most the cap.
        #[test]
        fn p_no_interval_exceeds_the_cap(
            window in 1i64..2_000,
            cap in 1u64..1_000,
            steps in proptest::collection::vec((0i64..300, 1u64..1_500), 1..80),
        ) {
            let mut win = OutflowWindow::default();
            let mut t = 10_000i64;
            let mut paid: Vec<(i64, u64)> = Vec::new();
            for (dt, want) in steps {
                t += dt;
                let avail = win.available(t, window, cap).unwrap();
                let amount = want.min(avail);
                if amount > 0 {
                    win.record(t, window, amount, cap).unwrap();
                    paid.push((t, amount));
                }
                prop_assert!(win.record(t, window, avail + 1, cap).is_err());
            }
            for (start, _) in &paid {
                let sum: u64 = paid
                    .iter()
                    .filter(|(at, _)| *at >= *start && *at < start + window)
                    .map(|(_, a)| a)
                    .sum();
                prop_assert!(sum <= cap, "{sum} > {cap} from {start}");
            }
        }
    }
}
