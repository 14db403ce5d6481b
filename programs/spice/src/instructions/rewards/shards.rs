//! Walking an epoch's shards, handed over as remaining accounts: `(shard, rent payer)` for
//! every shard number `0..shard_count`, in order. A shard no settlement created is passed
//! at its (empty) address and counts as zero; anything else at that position is refused, so a
//! shard cannot be left out or substituted.

use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::state::{seeds, EpochShard};

/// A shard found at its position: its account (if it exists) and the payer account after it.
pub struct ShardSlot<'info> {
    pub shard: Option<Account<'info, EpochShard>>,
    pub payer: &'info AccountInfo<'info>,
}

/// Checks the `(shard, payer)` pairs of epoch `index` and returns them in shard order.
pub fn load_shards<'info>(
    remaining: &'info [AccountInfo<'info>],
    network: &Pubkey,
    index: u64,
    shard_count: u8,
) -> Result<Vec<ShardSlot<'info>>> {
    require!(
        remaining.len() == usize::from(shard_count) * 2,
        SpiceError::InvalidShardAccounts
    );
    let index_bytes = index.to_le_bytes();
    let mut out = Vec::with_capacity(usize::from(shard_count));
    for (i, pair) in remaining.chunks(2).enumerate() {
        let [shard_info, payer] = pair else {
            return err!(SpiceError::InvalidShardAccounts);
        };
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
        let shard = if shard_info.owner == &crate::ID {
            let shard: Account<'info, EpochShard> = Account::try_from(shard_info)?;
            require_keys_eq!(payer.key(), shard.payer, SpiceError::WrongRentPayer);
            Some(shard)
        } else {
            None
        };
        out.push(ShardSlot { shard, payer });
    }
    Ok(out)
}
