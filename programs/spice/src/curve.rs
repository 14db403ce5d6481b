//! Spice incentive curve: the integer maths that decides how many stake-mint tokens each
//! finalized epoch releases and how that emission is split among compute providers.
//!
//! # Emission
//!
//! Time is cut into epochs of `epoch_seconds` starting at `genesis`. Epoch `e` is worth
//!
//! ```text
//! E(e) = max(tail, E0 · (1 − decay)^e)
//! ```
//!
//! A geometric decay front-loads rewards for the providers who bootstrap the marketplace,
//! while the perpetual `tail` keeps paying the ones who come later. `(1 − decay)^e` is
//! evaluated in WAD (1e18) fixed point by exponentiation by squaring, so any `e: u64` costs
//! at most 64 squarings and 64 multiplications. Both operands of every product are ≤ WAD,
//! so products stay ≤ 1e36, well inside `u128`. Every product is rounded down, which keeps
//! the computed factor non-increasing in `e` (each squared power is ≤ the product of the
//! lower powers it replaces), so the curve never goes up from one epoch to the next.
//!
//! The curve value is then clipped by [`capped_emission`] to the lifetime budget
//! (`max_total_emission` minus what earlier epochs allocated) and to what the reward vault
//! actually holds unallocated. The part of the curve that could not be honoured is returned
//! as a shortfall, so an underfunded vault is visible instead of silently absorbed.
//!
//! # Stake multiplier
//!
//! ```text
//! m(s) = 1 + (m_max − 1) · sqrt(min(s, s_cap) / s_cap)
//! ```
//!
//! The square root makes stake matter most for small providers (concave), and the cap stops
//! large holders from buying unbounded weight. In basis points it is computed as
//! `10_000 + isqrt((m_max − 10_000)² · min(s, s_cap) / s_cap)`; since
//! `floor(sqrt(floor(x))) = floor(sqrt(x))`, that is the exact real value rounded down.
//!
//! # Rewards
//!
//! A settled job counts for the value the client paid for verified work, at most the network's
//! reference price per unit (`reference_price`, 0 = no reference):
//!
//! ```text
//! value = final_units × min(price_per_unit, reference_price)
//! score = value × m(stake backing the job) / 10_000
//! ```
//!
//! so two jobs that pay the same count the same whatever their units, and pricing your own jobs
//! above the reference counts nothing extra. A finalized epoch allocates
//!
//! ```text
//! allocated = min(E, total_score × reward_rate_cap)
//! ```
//!
//! and each provider receives `allocated × score / total_score`: one rate for the whole epoch,
//! `min(E / total_score, reward_rate_cap)` per unit of score. When emission is scarce every
//! provider shares it pro rata; when it is plentiful every provider earns the capped rate and the
//! rest of `E` is never allocated (it stays in the pool). Rewards are linear in score, so splitting
//! work over accounts or epochs changes nothing, and nothing a provider cannot take sits locked
//! until the epoch closes. Why the cap and where it must lie: docs/ECONOMICS.md.
//!
//! Each job carries the rate cap (and the stake multiplier's parameters) of its own terms, fixed
//! when it was created: the program adds `weight = score × rate_cap_bps` ([`job_weight`]),
//! allocates `min(E, Σ weight / 10_000)` ([`weighted_allocation`]) and shares it by weight. With
//! one rate cap for every job of the epoch this is exactly [`epoch_allocation`].
//!
//! # Rounding and failure
//!
//! Every division rounds down, in the pool's favour: the sum of all providers' rewards never
//! exceeds the epoch's emission. Nothing here panics: arithmetic is checked and reports
//! [`CurveError::Overflow`] (unreachable for valid inputs, which the tests exercise over the
//! whole parameter ranges), and out-of-range configuration reports
//! [`CurveError::InvalidParameter`].

/// 100 % in basis points; multipliers and rates are expressed against it (10_000 = 1.0x).
pub const BPS: u64 = 10_000;

/// 1.0 in the 18-decimal fixed point used for the decay factor.
pub const WAD: u128 = 1_000_000_000_000_000_000;

/// Largest accepted `decay_bps`: a 100 % decay pays `E0` in epoch 0 and only the tail after.
pub const MAX_DECAY_BPS: u16 = 10_000;

/// Stake multiplier of a provider with no stake (1.0x); also the smallest accepted `m_max_bps`.
pub const MIN_MULTIPLIER_BPS: u32 = 10_000;

/// Largest accepted `m_max_bps` (10.0x).
pub const MAX_MULTIPLIER_BPS: u32 = 100_000;

/// Why a curve computation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurveError {
    /// An intermediate value did not fit its integer type.
    Overflow,
    /// An input is outside its documented range.
    InvalidParameter,
}

/// Turns a failed checked operation into the module's error.
fn ck<T>(value: Option<T>) -> Result<T, CurveError> {
    value.ok_or(CurveError::Overflow)
}

/// Index of the epoch containing `now`: `(now − genesis) / epoch_seconds`, rounded down.
///
/// Fails with [`CurveError::InvalidParameter`] if `now < genesis` or `epoch_seconds <= 0`.
pub fn epoch_index(now: i64, genesis: i64, epoch_seconds: i64) -> Result<u64, CurveError> {
    if epoch_seconds <= 0 || now < genesis {
        return Err(CurveError::InvalidParameter);
    }
    // `now - genesis` can overflow i64 when the two are far apart; the distance always fits u64.
    let elapsed = now.abs_diff(genesis);
    let length = u64::try_from(epoch_seconds).map_err(|_| CurveError::InvalidParameter)?;
    ck(elapsed.checked_div(length))
}

/// `a · b / WAD` rounded down; both operands are ≤ WAD here, so the product fits u128.
fn wad_mul(a: u128, b: u128) -> Result<u128, CurveError> {
    ck(ck(a.checked_mul(b))?.checked_div(WAD))
}

/// Decay factor `(1 − decay_bps / 10_000)^e` in WAD, rounded down.
///
/// `decay_bps` must be ≤ [`MAX_DECAY_BPS`]. Runs in at most 64 loop iterations for any `e`.
pub fn decay_factor_wad(decay_bps: u16, e: u64) -> Result<u128, CurveError> {
    if decay_bps > MAX_DECAY_BPS {
        return Err(CurveError::InvalidParameter);
    }
    let keep_bps = ck(BPS.checked_sub(u64::from(decay_bps)))?;
    // WAD is a multiple of BPS, so the one-epoch factor is exact; only the powers round.
    let mut base = ck(ck(WAD.checked_mul(u128::from(keep_bps)))?.checked_div(u128::from(BPS)))?;
    let mut factor = WAD;
    let mut remaining = e;
    // Bits are consumed from the lowest up; the monotonicity argument in the module doc
    // relies on that order, so do not switch to a top-down ladder.
    while remaining > 0 {
        if remaining & 1 == 1 {
            factor = wad_mul(factor, base)?;
        }
        remaining >>= 1;
        if remaining == 0 || factor == 0 {
            break;
        }
        base = wad_mul(base, base)?;
        if base == 0 {
            // Some higher bit is still set, and multiplying by it would zero the factor.
            return Ok(0);
        }
    }
    Ok(factor)
}

/// Curve emission of epoch `e`: `max(tail, E0 × (1 − decay_bps / 10_000)^e)`, rounded down.
///
/// Never below `tail`, never above `max(e0, tail)`, and non-increasing in `e`.
pub fn curve_emission(e0: u64, decay_bps: u16, tail: u64, e: u64) -> Result<u64, CurveError> {
    let factor = decay_factor_wad(decay_bps, e)?;
    // e0 < 2^64 and factor ≤ 1e18 < 2^60, so the product fits u128.
    let decayed = ck(ck(u128::from(e0).checked_mul(factor))?.checked_div(WAD))?;
    let decayed = u64::try_from(decayed).map_err(|_| CurveError::Overflow)?;
    Ok(decayed.max(tail))
}

/// Emission actually granted to an epoch, and how far it falls short of the curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CappedEmission {
    /// Amount allocated to the epoch.
    pub emission: u64,
    /// `curve − emission`: what the caps withheld.
    pub shortfall: u64,
}

/// Clips a curve value to `min(curve, max_total_emission − allocated_before, vault_unallocated)`
/// and reports `shortfall = curve − emission`.
///
/// If `allocated_before` already exceeds `max_total_emission` (the budget was lowered after
/// the fact) the remaining budget is zero rather than an error.
pub fn capped_emission(
    curve: u64,
    max_total_emission: u64,
    allocated_before: u64,
    vault_unallocated: u64,
) -> Result<CappedEmission, CurveError> {
    // Saturating on purpose: a budget cut below what was already paid means "no more
    // emission", and refusing would stall epoch finalization forever.
    let budget_left = max_total_emission.saturating_sub(allocated_before);
    let emission = curve.min(budget_left).min(vault_unallocated);
    let shortfall = ck(curve.checked_sub(emission))?;
    Ok(CappedEmission {
        emission,
        shortfall,
    })
}

/// Integer square root: the largest `r` with `r² ≤ n`.
pub fn isqrt(n: u128) -> u128 {
    // Digit-by-digit (base 4): fixed ≤ 64 iterations of shifts and compares, no division,
    // cheap and predictable on SBF.
    let mut rem = n;
    let mut root: u128 = 0;
    let mut bit: u128 = 1 << 126;
    while bit > n {
        bit >>= 2;
    }
    while bit != 0 {
        match root.checked_add(bit) {
            Some(trial) if rem >= trial => {
                // Neither can saturate (guarded by the match; root >> 1 and bit are below
                // 2^127); saturating keeps isqrt infallible without a Result.
                rem = rem.saturating_sub(trial);
                root = (root >> 1).saturating_add(bit);
            }
            _ => root >>= 1,
        }
        bit >>= 2;
    }
    root
}

/// Stake multiplier in basis points: `10_000 + (m_max_bps − 10_000) · sqrt(min(stake,
/// stake_cap) / stake_cap)`, rounded down.
///
/// Requires `stake_cap ≥ 1` and [`MIN_MULTIPLIER_BPS`] ≤ `m_max_bps` ≤ [`MAX_MULTIPLIER_BPS`].
/// Returns exactly 10_000 at zero stake and exactly `m_max_bps` at or above `stake_cap`.
pub fn stake_multiplier_bps(stake: u64, stake_cap: u64, m_max_bps: u32) -> Result<u32, CurveError> {
    if stake_cap == 0 || !(MIN_MULTIPLIER_BPS..=MAX_MULTIPLIER_BPS).contains(&m_max_bps) {
        return Err(CurveError::InvalidParameter);
    }
    let spread = u128::from(ck(m_max_bps.checked_sub(MIN_MULTIPLIER_BPS))?);
    let capped_stake = u128::from(stake.min(stake_cap));
    // Folding the spread into the radicand gives floor(spread · sqrt(ratio)) with a single
    // rounding; spread² · stake ≤ 8.1e9 · 1.8e19 fits u128.
    let radicand = ck(
        ck(ck(spread.checked_mul(spread))?.checked_mul(capped_stake))?
            .checked_div(u128::from(stake_cap)),
    )?;
    let bonus = isqrt(radicand);
    let multiplier = ck(u128::from(MIN_MULTIPLIER_BPS).checked_add(bonus))?;
    u32::try_from(multiplier).map_err(|_| CurveError::Overflow)
}

/// Counted value of a settled job: `units × min(price, reference_price)`, payment-mint base
/// units; a zero `reference_price` means the network sets no reference (value = the price paid).
pub fn job_value(units: u64, price: u64, reference_price: u64) -> Result<u64, CurveError> {
    let unit_value = if reference_price == 0 {
        price
    } else {
        price.min(reference_price)
    };
    let value = ck(u128::from(units).checked_mul(u128::from(unit_value)))?;
    u64::try_from(value).map_err(|_| CurveError::Overflow)
}

/// Score of a job: `value × multiplier_bps / 10_000`, rounded down.
pub fn job_score(value: u64, multiplier_bps: u32) -> Result<u128, CurveError> {
    // ≤ 1.8e19 · 4.3e9, far below u128::MAX.
    let weighted = ck(u128::from(value).checked_mul(u128::from(multiplier_bps)))?;
    ck(weighted.checked_div(u128::from(BPS)))
}

/// Whether rewards can exceed the fee a job pays: `reward_rate_cap × m_max > fee ×
/// stake_per_payment` (all bps), the bootstrap region of docs/ECONOMICS.md, where the reference
/// price, the audit and the exposure limit carry the weight the fee carries otherwise.
pub fn rewards_can_exceed_fees(
    reward_rate_cap_bps: u32,
    m_max_bps: u32,
    protocol_fee_bps: u16,
    stake_per_payment_bps: u32,
) -> bool {
    u128::from(reward_rate_cap_bps) * u128::from(m_max_bps)
        > u128::from(protocol_fee_bps) * u128::from(stake_per_payment_bps)
}

/// Reward weight of a job: `score × rate_cap_bps` — ten thousand times the most it can earn.
pub fn job_weight(score: u128, rate_cap_bps: u32) -> Result<u128, CurveError> {
    ck(score.checked_mul(u128::from(rate_cap_bps)))
}

/// What a finalized epoch allocates: `min(emission, total_weight / 10_000)`, rounded down —
/// each job at most its own rate cap per unit of score.
pub fn weighted_allocation(emission: u64, total_weight: u128) -> u64 {
    u128::from(emission).min(total_weight / u128::from(BPS)) as u64
}

/// What a finalized epoch allocates to its providers: `min(emission, total_score ×
/// rate_cap_bps / 10_000)`, rounded down. The rest of the emission is never allocated.
pub fn epoch_allocation(
    emission: u64,
    total_score: u128,
    rate_cap_bps: u32,
) -> Result<u64, CurveError> {
    // Saturate the product: past u128 the cap cannot bind anyway.
    let capped = total_score
        .checked_mul(u128::from(rate_cap_bps))
        .map_or(u128::MAX, |v| v / u128::from(BPS));
    Ok(u128::from(emission).min(capped) as u64)
}

/// Reward of one provider for a finalized epoch: `allocated × score / total_score`, rounded
/// down, so the rewards of an epoch never add up to more than it allocated.
///
/// `score > total_score` is [`CurveError::InvalidParameter`]; a zero `total_score` yields 0.
pub fn reward_share(allocated: u64, score: u128, total_score: u128) -> Result<u64, CurveError> {
    if score > total_score {
        return Err(CurveError::InvalidParameter);
    }
    if total_score == 0 {
        return Ok(0);
    }
    mul_div_floor(allocated, score, total_score)
}

/// `floor(a · b / c)` for a quotient that fits u64, even when `a · b` exceeds u128
/// (total scores can approach u128::MAX).
fn mul_div_floor(a: u64, b: u128, c: u128) -> Result<u64, CurveError> {
    if c == 0 {
        return Err(CurveError::InvalidParameter);
    }
    match u128::from(a).checked_mul(b) {
        Some(product) => {
            u64::try_from(ck(product.checked_div(c))?).map_err(|_| CurveError::Overflow)
        }
        None => mul_div_floor_wide(a, b, c),
    }
}

/// Slow path of [`mul_div_floor`]: forms the 192-bit product as two limbs and runs binary
/// long division over the low 64 bits, which is all that is left once the quotient is
/// known to fit u64.
fn mul_div_floor_wide(a: u64, b: u128, c: u128) -> Result<u64, CurveError> {
    const LOW64: u128 = u64::MAX as u128;
    if c == 0 {
        return Err(CurveError::InvalidParameter);
    }
    let a = u128::from(a);
    // Each partial product is < 2^128; product = hi_part · 2^64 + lo_part.
    let lo_part = ck(a.checked_mul(b & LOW64))?;
    let hi_part = ck(a.checked_mul(b >> 64))?;
    let top = ck(hi_part.checked_add(lo_part >> 64))?;
    let low_bits = lo_part & LOW64;
    // product < (top + 1) · 2^64, so top < c is exactly "quotient fits 64 bits".
    if top >= c {
        return Err(CurveError::Overflow);
    }
    let mut rem = top;
    let mut quotient: u64 = 0;
    for i in (0..64u32).rev() {
        let bit = (low_bits >> i) & 1;
        quotient <<= 1;
        // Test 2·rem + bit ≥ c as rem ≥ c − rem − bit: 2·rem itself overflows when c > 2^127.
        let need = ck(ck(c.checked_sub(rem))?.checked_sub(bit))?;
        if rem >= need {
            rem = ck(rem.checked_sub(need))?;
            quotient |= 1;
        } else {
            rem = ck(ck(rem.checked_mul(2))?.checked_add(bit))?;
        }
    }
    Ok(quotient)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const M3X: u32 = 30_000;

    // ---------- epoch_index ----------

    #[test]
    fn epoch_index_counts_whole_epochs() {
        assert_eq!(epoch_index(1_000, 1_000, 60), Ok(0));
        assert_eq!(epoch_index(1_059, 1_000, 60), Ok(0));
        assert_eq!(epoch_index(1_060, 1_000, 60), Ok(1));
        assert_eq!(epoch_index(1_000 + 60 * 7 + 59, 1_000, 60), Ok(7));
        assert_eq!(epoch_index(-30, -100, 7), Ok(10));
    }

    #[test]
    fn epoch_index_spans_the_whole_i64_range() {
        assert_eq!(epoch_index(i64::MAX, i64::MIN, 1), Ok(u64::MAX));
        assert_eq!(epoch_index(i64::MAX, i64::MIN, i64::MAX), Ok(2));
    }

    #[test]
    fn epoch_index_rejects_bad_input() {
        assert_eq!(
            epoch_index(999, 1_000, 60),
            Err(CurveError::InvalidParameter)
        );
        assert_eq!(
            epoch_index(2_000, 1_000, 0),
            Err(CurveError::InvalidParameter)
        );
        assert_eq!(
            epoch_index(2_000, 1_000, -60),
            Err(CurveError::InvalidParameter)
        );
    }

    // ---------- decay ----------

    #[test]
    fn decay_factor_hand_values() {
        assert_eq!(decay_factor_wad(1_000, 0), Ok(WAD));
        assert_eq!(decay_factor_wad(1_000, 1), Ok(900_000_000_000_000_000));
        // 0.9^3 = 0.729
        assert_eq!(decay_factor_wad(1_000, 3), Ok(729_000_000_000_000_000));
        // 0.5^10 = 1/1024 = 0.0009765625
        assert_eq!(decay_factor_wad(5_000, 10), Ok(976_562_500_000_000));
        // 0.75^2 = 0.5625
        assert_eq!(decay_factor_wad(2_500, 2), Ok(562_500_000_000_000_000));
    }

    #[test]
    fn decay_factor_zero_decay_is_one_forever() {
        for e in [0, 1, 2, 1_000, u64::MAX / 2, u64::MAX] {
            assert_eq!(decay_factor_wad(0, e), Ok(WAD));
        }
    }

    #[test]
    fn decay_factor_full_decay_is_one_then_zero() {
        assert_eq!(decay_factor_wad(10_000, 0), Ok(WAD));
        assert_eq!(decay_factor_wad(10_000, 1), Ok(0));
        assert_eq!(decay_factor_wad(10_000, u64::MAX), Ok(0));
    }

    #[test]
    fn decay_factor_huge_epoch_reaches_zero() {
        assert_eq!(decay_factor_wad(1, u64::MAX), Ok(0));
        assert_eq!(decay_factor_wad(1, 1 << 40), Ok(0));
        assert_eq!(decay_factor_wad(9_999, 1 << 63), Ok(0));
    }

    #[test]
    fn decay_factor_tracks_real_value() {
        // 1 bps for 10_000 epochs ≈ e^-1.00005.
        let got = decay_factor_wad(1, 10_000).unwrap() as f64 / WAD as f64;
        let want = 0.9999f64.powi(10_000);
        assert!((got - want).abs() < 1e-12, "{got} vs {want}");
    }

    #[test]
    fn decay_factor_rejects_more_than_full_decay() {
        assert_eq!(
            decay_factor_wad(10_001, 0),
            Err(CurveError::InvalidParameter)
        );
        assert_eq!(
            decay_factor_wad(u16::MAX, 5),
            Err(CurveError::InvalidParameter)
        );
        assert_eq!(
            curve_emission(1, 10_001, 0, 0),
            Err(CurveError::InvalidParameter)
        );
    }

    // ---------- curve_emission ----------

    #[test]
    fn curve_emission_hand_values() {
        assert_eq!(curve_emission(1_000_000, 1_000, 0, 3), Ok(729_000));
        assert_eq!(curve_emission(1_000_000, 1_000, 800_000, 3), Ok(800_000));
        assert_eq!(curve_emission(1_000_000, 1_000, 800_000, 1), Ok(900_000));
        // 7 × 0.5 = 3.5 rounds down.
        assert_eq!(curve_emission(7, 5_000, 0, 1), Ok(3));
        assert_eq!(curve_emission(u64::MAX, 0, 0, u64::MAX), Ok(u64::MAX));
        assert_eq!(curve_emission(u64::MAX, 1, 5, u64::MAX), Ok(5));
        assert_eq!(curve_emission(100, 10_000, 1, 0), Ok(100));
        assert_eq!(curve_emission(100, 10_000, 1, 1), Ok(1));
        // Tail above E0 dominates from the start.
        assert_eq!(curve_emission(10, 500, 50, 0), Ok(50));
    }

    // ---------- capped_emission ----------

    #[test]
    fn capped_emission_each_bound_binds() {
        let c = |a, b, d, v| capped_emission(a, b, d, v).unwrap();
        assert_eq!(
            c(100, 1_000, 0, 1_000),
            CappedEmission {
                emission: 100,
                shortfall: 0
            }
        );
        assert_eq!(
            c(100, 1_000, 950, 1_000),
            CappedEmission {
                emission: 50,
                shortfall: 50
            }
        );
        assert_eq!(
            c(100, 1_000, 0, 30),
            CappedEmission {
                emission: 30,
                shortfall: 70
            }
        );
        assert_eq!(
            c(100, 1_000, 1_000, 1_000),
            CappedEmission {
                emission: 0,
                shortfall: 100
            }
        );
        // Budget lowered below what was already allocated.
        assert_eq!(
            c(100, 500, 900, 1_000),
            CappedEmission {
                emission: 0,
                shortfall: 100
            }
        );
        assert_eq!(
            c(u64::MAX, u64::MAX, 0, u64::MAX),
            CappedEmission {
                emission: u64::MAX,
                shortfall: 0
            }
        );
    }

    // ---------- isqrt ----------

    #[test]
    fn isqrt_hand_values() {
        let cases: [(u128, u128); 12] = [
            (0, 0),
            (1, 1),
            (2, 1),
            (3, 1),
            (4, 2),
            (15, 3),
            (16, 4),
            (17, 4),
            (100_000_000, 10_000),
            (
                u128::from(u64::MAX) * u128::from(u64::MAX),
                u128::from(u64::MAX),
            ),
            (
                u128::from(u64::MAX) * u128::from(u64::MAX) - 1,
                u128::from(u64::MAX) - 1,
            ),
            (u128::MAX, u128::from(u64::MAX)),
        ];
        for (n, r) in cases {
            assert_eq!(isqrt(n), r, "isqrt({n})");
        }
    }

    // ---------- stake multiplier ----------

    #[test]
    fn multiplier_hand_values() {
        let cap = 1_000_000;
        assert_eq!(stake_multiplier_bps(0, cap, M3X), Ok(10_000));
        // sqrt(1/4) = 0.5 → 1 + 2 × 0.5 = 2.0x exactly.
        assert_eq!(stake_multiplier_bps(cap / 4, cap, M3X), Ok(20_000));
        // sqrt(1/9) = 1/3 with a 4x max → 1 + 3/3 = 2.0x.
        assert_eq!(stake_multiplier_bps(900, 8_100, 40_000), Ok(20_000));
        assert_eq!(stake_multiplier_bps(cap, cap, M3X), Ok(M3X));
        assert_eq!(stake_multiplier_bps(u64::MAX, cap, M3X), Ok(M3X));
        // sqrt(1/2) · 10_000 = 7071.07 → rounds down.
        assert_eq!(stake_multiplier_bps(1, 2, 20_000), Ok(17_071));
        assert_eq!(stake_multiplier_bps(123, 456, 10_000), Ok(10_000));
        assert_eq!(
            stake_multiplier_bps(u64::MAX, u64::MAX, 100_000),
            Ok(100_000)
        );
        assert_eq!(
            stake_multiplier_bps(u64::MAX / 4, u64::MAX, 30_000),
            Ok(19_999)
        );
    }

    #[test]
    fn multiplier_rejects_bad_parameters() {
        let bad = Err(CurveError::InvalidParameter);
        assert_eq!(stake_multiplier_bps(1, 0, M3X), bad);
        assert_eq!(stake_multiplier_bps(1, 10, 9_999), bad);
        assert_eq!(stake_multiplier_bps(1, 10, 100_001), bad);
    }

    // ---------- job_value / job_score ----------

    #[test]
    fn job_value_counts_the_price_up_to_the_reference() {
        assert_eq!(job_value(100, 1_000, 0), Ok(100_000));
        assert_eq!(job_value(100, 1_000, 400), Ok(40_000));
        assert_eq!(job_value(100, 300, 400), Ok(30_000));
        // The dust-price self-dealer: same payment, 1 000× the units, same value.
        assert_eq!(job_value(100_000, 1, 0), job_value(100, 1_000, 0));
        assert_eq!(job_value(0, 1_000, 5), Ok(0));
        assert_eq!(job_value(u64::MAX, 2, 0), Err(CurveError::Overflow));
    }

    #[test]
    fn job_score_hand_values() {
        assert_eq!(job_score(1_000, 15_000), Ok(1_500));
        // 3 × 1.5001 = 4.5003 → 4.
        assert_eq!(job_score(3, 15_001), Ok(4));
        assert_eq!(job_score(0, 100_000), Ok(0));
        assert_eq!(
            job_score(u64::MAX, u32::MAX),
            Ok(u128::from(u64::MAX) * u128::from(u32::MAX) / 10_000)
        );
    }

    // ---------- epoch_allocation / reward_share ----------

    #[test]
    fn allocation_is_the_emission_or_the_capped_rate() {
        // Scarce emission: all of it.
        assert_eq!(epoch_allocation(1_000, 1_000_000, 5_000), Ok(1_000));
        // Plentiful: 0.5 per unit of score.
        assert_eq!(epoch_allocation(1_000_000, 1_000, 5_000), Ok(500));
        // Rounds down.
        assert_eq!(epoch_allocation(1_000_000, 3, 5_000), Ok(1));
        assert_eq!(epoch_allocation(1_000, 0, 5_000), Ok(0));
        assert_eq!(epoch_allocation(1_000, 1_000, 0), Ok(0));
        assert_eq!(epoch_allocation(7, u128::MAX, u32::MAX), Ok(7));
    }

    #[test]
    fn weighted_allocation_matches_one_rate_and_caps_each_job_at_its_own() {
        // One rate for all: the same as epoch_allocation.
        for (e, s, r) in [
            (1_000u64, 1_000_000u128, 5_000u32),
            (1_000_000, 1_000, 5_000),
        ] {
            let w = job_weight(s, r).unwrap();
            assert_eq!(
                weighted_allocation(e, w),
                epoch_allocation(e, s, r).unwrap()
            );
        }
        // Two jobs of equal score, one created under a zero rate: it earns nothing.
        let (a, b) = (
            job_weight(1_000, 5_000).unwrap(),
            job_weight(1_000, 0).unwrap(),
        );
        let allocated = weighted_allocation(1_000_000, a + b);
        assert_eq!(allocated, 500);
        assert_eq!(reward_share(allocated, b, a + b), Ok(0));
        assert_eq!(job_weight(u128::MAX, 2), Err(CurveError::Overflow));
    }

    #[test]
    fn reward_share_hand_values() {
        // 1000 × 1/3 = 333.33 → 333.
        assert_eq!(reward_share(1_000, 1, 3), Ok(333));
        assert_eq!(reward_share(1_000, 5, 5), Ok(1_000));
        assert_eq!(reward_share(1_000, 0, 0), Ok(0));
        assert_eq!(reward_share(1_000, 0, 7), Ok(0));
    }

    #[test]
    fn reward_share_rejects_score_above_total() {
        assert_eq!(reward_share(1_000, 2, 1), Err(CurveError::InvalidParameter));
        assert_eq!(reward_share(1_000, 1, 0), Err(CurveError::InvalidParameter));
    }

    #[test]
    fn reward_share_with_scores_near_u128_max() {
        let e = u64::MAX;
        assert_eq!(reward_share(e, u128::MAX, u128::MAX), Ok(e));
        // E·(T−1)/T = E − E/T with 0 < E/T < 1.
        assert_eq!(reward_share(e, u128::MAX - 1, u128::MAX), Ok(e - 1));
        assert_eq!(reward_share(e, u128::MAX / 2, u128::MAX), Ok(e / 2));
        assert_eq!(reward_share(e, 1, u128::MAX), Ok(0));
    }

    #[test]
    fn mul_div_wide_hand_values() {
        let m = u128::MAX;
        assert_eq!(mul_div_floor_wide(u64::MAX, m, m), Ok(u64::MAX));
        assert_eq!(mul_div_floor_wide(u64::MAX, m - 1, m), Ok(u64::MAX - 1));
        assert_eq!(mul_div_floor_wide(6, 1 << 127, 1 << 126), Ok(12));
        assert_eq!(mul_div_floor_wide(7, 3, 2), Ok(10));
        assert_eq!(
            mul_div_floor_wide(u64::MAX, 2, 1),
            Err(CurveError::Overflow)
        );
        assert_eq!(
            mul_div_floor_wide(1, 1, 0),
            Err(CurveError::InvalidParameter)
        );
    }

    // ---------- property tests ----------

    fn decays() -> impl Strategy<Value = u16> {
        prop_oneof![
            Just(0u16),
            1u16..=20,
            0u16..=MAX_DECAY_BPS,
            Just(MAX_DECAY_BPS)
        ]
    }

    fn valid_decays() -> impl Strategy<Value = u16> {
        prop_oneof![
            Just(0u16),
            1u16..=20,
            0u16..MAX_DECAY_BPS,
            Just(MAX_DECAY_BPS - 1)
        ]
    }

    /// Small epochs (where the curve is still far from zero) as well as the whole u64 range.
    fn epochs() -> impl Strategy<Value = u64> {
        prop_oneof![0u64..64, 0u64..100_000, any::<u64>()]
    }

    fn amounts() -> impl Strategy<Value = u64> {
        prop_oneof![0u64..1_000, Just(u64::MAX), any::<u64>()]
    }

    fn stakes() -> impl Strategy<Value = u64> {
        prop_oneof![0u64..1_000, any::<u64>()]
    }

    fn caps() -> impl Strategy<Value = u64> {
        prop_oneof![1u64..1_000, 1u64..=u64::MAX]
    }

    fn m_maxes() -> impl Strategy<Value = u32> {
        prop_oneof![
            Just(MIN_MULTIPLIER_BPS),
            Just(MAX_MULTIPLIER_BPS),
            MIN_MULTIPLIER_BPS..=MAX_MULTIPLIER_BPS
        ]
    }

    /// Score mass of the other providers in an epoch; leaves room for any single job score.
    fn other_scores() -> impl Strategy<Value = u128> {
        prop_oneof![Just(0u128), 0u128..1_000_000, 0u128..=u128::MAX / 2]
    }

    fn score_sets() -> impl Strategy<Value = Vec<u128>> {
        prop_oneof![
            prop::collection::vec(0u128..1_000, 1..24),
            prop::collection::vec(0u128..=u128::from(u64::MAX), 1..24),
            prop::collection::vec(0u128..=u128::MAX / 32, 1..24),
        ]
    }

    /// Reward of a provider whose only job paid `value` at `stake`, in an epoch where the
    /// others scored `others`, with emission `emission` and rate cap `rate_cap_bps`.
    fn reward_of(
        emission: u64,
        others: u128,
        value: u64,
        stake: u64,
        (cap, m_max): (u64, u32),
        rate_cap_bps: u32,
    ) -> u64 {
        let m = stake_multiplier_bps(stake, cap, m_max).unwrap();
        let score = job_score(value, m).unwrap();
        let total = others.checked_add(score).unwrap();
        let allocated = epoch_allocation(emission, total, rate_cap_bps).unwrap();
        reward_share(allocated, score, total).unwrap()
    }

    proptest! {
        #[test]
        fn p_epoch_index_is_floor_division(now: i64, genesis: i64, secs: i64) {
            let got = epoch_index(now, genesis, secs);
            if secs <= 0 || now < genesis {
                prop_assert_eq!(got, Err(CurveError::InvalidParameter));
            } else {
                let e = i128::from(got.unwrap());
                let elapsed = i128::from(now) - i128::from(genesis);
                let start = e * i128::from(secs);
                prop_assert!(start <= elapsed && elapsed - start < i128::from(secs));
            }
        }

        #[test]
        fn p_decay_factor_bounded_and_non_increasing_in_e(d in decays(), e in epochs()) {
            let f = decay_factor_wad(d, e).unwrap();
            prop_assert!(f <= WAD);
            if let Some(next) = e.checked_add(1) {
                prop_assert!(decay_factor_wad(d, next).unwrap() <= f);
            }
        }

        #[test]
        fn p_decay_factor_non_increasing_in_decay(d1 in decays(), d2 in decays(), e in epochs()) {
            let (lo, hi) = (d1.min(d2), d1.max(d2));
            prop_assert!(decay_factor_wad(hi, e).unwrap() <= decay_factor_wad(lo, e).unwrap());
        }

        #[test]
        fn p_decay_factor_matches_real_power(d in decays(), e in 0u64..5_000) {
            let got = decay_factor_wad(d, e).unwrap() as f64 / WAD as f64;
            let want = (1.0 - f64::from(d) / 10_000.0).powi(e as i32);
            prop_assert!((got - want).abs() < 1e-12, "{} vs {}", got, want);
        }

        #[test]
        fn p_curve_emission_between_tail_and_start(
            e0 in amounts(), d in decays(), tail in amounts(), e in epochs()
        ) {
            let em = curve_emission(e0, d, tail, e).unwrap();
            prop_assert!(em >= tail);
            prop_assert!(em <= e0.max(tail));
            if e == 0 {
                prop_assert_eq!(em, e0.max(tail));
            }
        }

        #[test]
        fn p_curve_emission_non_increasing_then_tail_forever(
            e0 in amounts(), d in valid_decays(), tail in amounts(), e in epochs(), k in epochs()
        ) {
            let em = curve_emission(e0, d, tail, e).unwrap();
            if let Some(next) = e.checked_add(1) {
                let em_next = curve_emission(e0, d, tail, next).unwrap();
                prop_assert!(em_next <= em);
                if em == tail {
                    prop_assert_eq!(em_next, tail);
                }
            }
            if let Some(later) = e.checked_add(k) {
                let em_later = curve_emission(e0, d, tail, later).unwrap();
                prop_assert!(em_later <= em);
                if em == tail {
                    prop_assert_eq!(em_later, tail);
                }
            }
        }

        #[test]
        fn p_capped_emission_respects_all_bounds(
            curve in amounts(), max_total in amounts(), before in amounts(), vault in amounts()
        ) {
            let c = capped_emission(curve, max_total, before, vault).unwrap();
            prop_assert!(c.emission <= curve);
            prop_assert!(c.emission <= vault);
            prop_assert!(u128::from(c.emission) + u128::from(before) <= u128::from(max_total)
                || c.emission == 0);
            prop_assert_eq!(u128::from(c.emission) + u128::from(c.shortfall), u128::from(curve));
            // Not over-conservative either: it is exactly the tightest bound.
            let expected = curve.min(max_total.saturating_sub(before)).min(vault);
            prop_assert_eq!(c.emission, expected);
        }

        #[test]
        fn p_isqrt_is_floor_sqrt(n: u128) {
            let r = isqrt(n);
            prop_assert!(r * r <= n);
            let next = r + 1;
            // (r + 1)² either overflows u128 (so exceeds n) or must exceed n.
            if let Some(sq) = next.checked_mul(next) {
                prop_assert!(sq > n);
            }
        }

        #[test]
        fn p_isqrt_exact_on_squares(r: u64) {
            let r = u128::from(r);
            prop_assert_eq!(isqrt(r * r), r);
        }

        #[test]
        fn p_multiplier_capped_and_anchored(s in stakes(), cap in caps(), m_max in m_maxes()) {
            let m = stake_multiplier_bps(s, cap, m_max).unwrap();
            prop_assert!((MIN_MULTIPLIER_BPS..=m_max).contains(&m));
            prop_assert_eq!(stake_multiplier_bps(0, cap, m_max).unwrap(), MIN_MULTIPLIER_BPS);
            prop_assert_eq!(stake_multiplier_bps(cap, cap, m_max).unwrap(), m_max);
            if s >= cap {
                prop_assert_eq!(m, m_max);
            }
        }

        #[test]
        fn p_multiplier_matches_real_curve(s in stakes(), cap in caps(), m_max in m_maxes()) {
            let m = f64::from(stake_multiplier_bps(s, cap, m_max).unwrap());
            let ratio = s.min(cap) as f64 / cap as f64;
            let want = 10_000.0 + f64::from(m_max - 10_000) * ratio.sqrt();
            prop_assert!(m <= want + 1e-6 && m > want - 1.0 - 1e-6, "{} vs {}", m, want);
        }

        #[test]
        fn p_multiplier_monotone_in_stake(
            a in stakes(), b in stakes(), cap in caps(), m_max in m_maxes()
        ) {
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(
                stake_multiplier_bps(lo, cap, m_max).unwrap()
                    <= stake_multiplier_bps(hi, cap, m_max).unwrap()
            );
        }

        #[test]
        fn p_multiplier_concave_midpoint(
            a in stakes(), b in stakes(), cap in caps(), m_max in m_maxes()
        ) {
            // Same parity so (a + b) / 2 is the true midpoint, not one rounded towards a.
            let b = if (a ^ b) & 1 == 1 { b ^ 1 } else { b };
            let mid = ((u128::from(a) + u128::from(b)) / 2) as u64;
            let m = |s| i64::from(stake_multiplier_bps(s, cap, m_max).unwrap());
            // m(mid) ≥ (m(a) + m(b)) / 2 − 1, doubled to stay in integers.
            prop_assert!(2 * m(mid) + 2 >= m(a) + m(b));
        }

        #[test]
        fn p_job_score_exact(value: u64, mult: u32) {
            let want = u128::from(value) * u128::from(mult) / 10_000;
            prop_assert_eq!(job_score(value, mult).unwrap(), want);
            prop_assert_eq!(job_score(0, mult).unwrap(), 0);
        }

        #[test]
        fn p_job_value_never_exceeds_the_payment(units: u32, price: u32, reference: u32) {
            let (units, price, reference) = (u64::from(units), u64::from(price), u64::from(reference));
            let v = job_value(units, price, reference).unwrap();
            prop_assert!(v <= units * price);
            if reference > 0 {
                prop_assert!(v <= units * reference);
            }
        }

        #[test]
        fn p_rewards_sum_within_allocation_and_emission(
            emission in amounts(),
            scores in score_sets(),
            extra_total in prop_oneof![Just(0u128), 0u128..1_000],
            rate_cap_bps in prop_oneof![Just(u32::MAX), any::<u32>()],
        ) {
            // extra_total models score whose owners are not in this sample (never claimed).
            let total = scores.iter().sum::<u128>() + extra_total;
            let allocated = epoch_allocation(emission, total, rate_cap_bps).unwrap();
            prop_assert!(allocated <= emission);
            let mut paid: u128 = 0;
            for score in &scores {
                let r = reward_share(allocated, *score, total).unwrap();
                // Never above the capped rate for its own score.
                prop_assert!(u128::from(r)
                    <= score.saturating_mul(u128::from(rate_cap_bps)) / 10_000);
                paid += u128::from(r);
            }
            prop_assert!(paid <= u128::from(allocated));
        }

        #[test]
        fn p_reward_share_matches_exact_ratio(
            allocated in amounts(), score: u64, extra: u64
        ) {
            let total = u128::from(score) + u128::from(extra);
            let r = reward_share(allocated, u128::from(score), total).unwrap();
            let want = (u128::from(allocated) * u128::from(score)).checked_div(total).unwrap_or(0);
            prop_assert_eq!(u128::from(r), want);
        }

        #[test]
        fn p_reward_monotone_in_value(
            emission in amounts(), others in other_scores(),
            v1 in amounts(), v2 in amounts(), stake in stakes(),
            cap in caps(), m_max in m_maxes(), rate_cap_bps: u32,
        ) {
            let (lo, hi) = (v1.min(v2), v1.max(v2));
            let r_lo = reward_of(emission, others, lo, stake, (cap, m_max), rate_cap_bps);
            let r_hi = reward_of(emission, others, hi, stake, (cap, m_max), rate_cap_bps);
            prop_assert!(r_lo <= r_hi, "{} > {}", r_lo, r_hi);
        }

        #[test]
        fn p_reward_monotone_in_stake(
            emission in amounts(), others in other_scores(),
            value in amounts(), s1 in stakes(), s2 in stakes(),
            cap in caps(), m_max in m_maxes(), rate_cap_bps: u32,
        ) {
            let (lo, hi) = (s1.min(s2), s1.max(s2));
            let r_lo = reward_of(emission, others, value, lo, (cap, m_max), rate_cap_bps);
            let r_hi = reward_of(emission, others, value, hi, (cap, m_max), rate_cap_bps);
            prop_assert!(r_lo <= r_hi, "{} > {}", r_lo, r_hi);
        }

        #[test]
        fn p_zero_value_zero_reward(
            emission in amounts(), others in other_scores(), stake in stakes(),
            cap in caps(), m_max in m_maxes(), rate_cap_bps: u32,
        ) {
            let r = reward_of(emission, others, 0, stake, (cap, m_max), rate_cap_bps);
            prop_assert_eq!(r, 0);
        }

        #[test]
        fn p_splitting_work_never_gains(
            emission in amounts(), others in other_scores(),
            v1 in 0u64..1u64 << 40, v2 in 0u64..1u64 << 40, rate_cap_bps in 0u32..100_000,
        ) {
            // One provider with two jobs vs. two sybils with one each (same stake multiplier):
            // the sybils together never receive more than the single account.
            let total = others + u128::from(v1) + u128::from(v2);
            let allocated = epoch_allocation(emission, total, rate_cap_bps).unwrap();
            let together = reward_share(allocated, u128::from(v1 + v2), total).unwrap();
            let apart = reward_share(allocated, u128::from(v1), total).unwrap()
                + reward_share(allocated, u128::from(v2), total).unwrap();
            prop_assert!(apart <= together);
        }

        #[test]
        fn p_mul_div_wide_is_scale_invariant(
            a: u64, x: u64, y in 1u64..=u64::MAX, t in 1u64..=u64::MAX
        ) {
            // floor(a·(x·t) / (y·t)) = floor(a·x / y); the scaled form forces the wide path.
            let (x, y) = (x.min(y), x.max(y).max(1));
            let want = (u128::from(a) * u128::from(x) / u128::from(y)) as u64;
            let b = u128::from(x) * u128::from(t);
            let c = u128::from(y) * u128::from(t);
            prop_assert_eq!(mul_div_floor_wide(a, b, c), Ok(want));
            prop_assert_eq!(mul_div_floor(a, b, c), Ok(want));
        }
    }
}
