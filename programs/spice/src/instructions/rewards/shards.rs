//! Walking an epoch's shards, handed over as remaining accounts: the shard account of every
//! shard number `0..shard_count`, in order. A shard no settlement created is passed at its
//! (empty) address and counts as zero; anything else at that position is refused, so a shard
//! cannot be left out or substituted.

use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::state::{seeds, EpochShard};

/// Checks the shard accounts of epoch `index` and returns the existing ones in shard order.
pub fn load_shards<'info>(
    remaining: &'info [AccountInfo<'info>],
    network: &Pubkey,
    index: u64,
    shard_count: u8,
) -> Result<Vec<Account<'info, EpochShard>>> {
    require!(
        remaining.len() == usize::from(shard_count),
        SpiceError::InvalidShardAccounts
    );
    let index_bytes = index.to_le_bytes();
    let mut out = Vec::with_capacity(usize::from(shard_count));
    for (i, shard_info) in remaining.iter().enumerate() {
        let shard_no = u8::try_from(i).map_err(|_| SpiceError::InvalidShardAccounts)?;
        let (expected, _) = Pubkey::find_program_address(
            &[
                seeds::EPOCH_SHARD,
                network.as_ref(),
                &index_bytes,
                &[shard_no],
            ],
            &crate::ID,
        );
        require_keys_eq!(shard_info.key(), expected, SpiceError::InvalidShardAccounts);
        if shard_info.owner == &crate::ID {
            out.push(Account::<'info, EpochShard>::try_from(shard_info)?);
        }
    }
    Ok(out)
}
