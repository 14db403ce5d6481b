//! Amounts in tokens: arguments parsed with the SDK's [`Amount`] and resolved with the mint's
//! decimals, and base units printed as tokens. Text output shows tokens; JSON keeps base units
//! (integers, exact) and names the decimals where a command reports amounts.

use anyhow::{anyhow, Result};
pub use spice_sdk::amount::Amount;
use spice_sdk::amount::{format_base, format_base_u128};

/// The decimals of a network's two mints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decimals {
    pub payment: u8,
    pub stake: u8,
}

impl Decimals {
    /// Payment-mint base units as tokens, e.g. `1.5`.
    pub fn p(&self, amount: u64) -> String {
        format_base(amount, self.payment)
    }

    /// Stake-mint base units as tokens.
    pub fn s(&self, amount: u64) -> String {
        format_base(amount, self.stake)
    }

    /// 128-bit payment-mint tallies as tokens.
    pub fn p128(&self, amount: u128) -> String {
        format_base_u128(amount, self.payment)
    }

    /// 128-bit stake-mint tallies as tokens.
    pub fn s128(&self, amount: u128) -> String {
        format_base_u128(amount, self.stake)
    }

    /// Payment-mint base units with their unit: `1.5 payment tokens`.
    pub fn pay(&self, amount: u64) -> String {
        format!("{} payment tokens", self.p(amount))
    }

    /// Stake-mint base units with their unit: `2000 stake tokens`.
    pub fn stk(&self, amount: u64) -> String {
        format!("{} stake tokens", self.s(amount))
    }

    /// JSON of the decimals, added to reports whose amounts are base units.
    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({"payment": self.payment, "stake": self.stake})
    }
}

/// `amount` (of the option `flag`) in base units of a mint with `decimals` decimals.
pub fn resolve(flag: &str, amount: Amount, decimals: u8) -> Result<u64> {
    amount.to_base(decimals).map_err(|e| anyhow!("{flag}: {e}"))
}
