use anchor_lang::prelude::*;

use crate::errors::SpiceError;

/// A client's record on a network: the counter that numbers its jobs, and refunds or slash
/// shares its token accounts refused. Created by the client's first `create_job`; never closed,
/// so its job ids (and job addresses) never repeat.
#[account]
#[derive(InitSpace, Debug)]
pub struct Client {
    /// Layout version.
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// The network.
    pub network: Pubkey,
    /// The client's wallet.
    pub client: Pubkey,
    /// Jobs created so far; the next job's id.
    pub jobs_created: u64,
    /// Refunds (payment mint) its token account refused, waiting in the payouts vault.
    pub owed_payment: u64,
    /// Slash shares (stake mint) its token account refused, waiting in the payouts vault.
    pub owed_stake: u64,
    /// Space for future fields without a migration.
    pub reserved: [u8; 32],
}

impl Client {
    /// Takes the next job id.
    pub fn next_job_id(&mut self) -> Result<u64> {
        let id = self.jobs_created;
        self.jobs_created = id.checked_add(1).ok_or(SpiceError::CounterOutOfRange)?;
        Ok(id)
    }

    /// Credits a refund (payment mint, `stake == false`) or a slash share (stake mint) that the
    /// client's token account refused.
    pub fn owe(&mut self, amount: u64, stake: bool) -> Result<()> {
        let owed = if stake {
            &mut self.owed_stake
        } else {
            &mut self.owed_payment
        };
        *owed = owed
            .checked_add(amount)
            .ok_or(SpiceError::CounterOutOfRange)?;
        Ok(())
    }

    /// Takes everything owed in the payment mint and in the stake mint.
    pub fn take_owed(&mut self) -> (u64, u64) {
        (
            std::mem::take(&mut self.owed_payment),
            std::mem::take(&mut self.owed_stake),
        )
    }
}
