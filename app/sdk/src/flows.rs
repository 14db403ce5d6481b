//! Instructions whose accounts depend on chain state: finalizing and closing an epoch (its
//! shards' recorded rent payers), and claiming rewards (the provider's finalized epochs still
//! in their claim window, batched into as few transactions as fit); and the transaction size
//! arithmetic behind any such packing ([`transaction_size`], [`pack`]).

use std::ops::Range;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_sdk::transaction::Transaction;
use spice::state::{Epoch, EpochShard, ProviderEpoch};

use crate::accounts::{fetch, program_accounts};
use crate::ix::{self, NetworkKeys};
use crate::ledger::compute_limit_ix;
use crate::ledger::{Ledger, Result};
use crate::pda;

/// The largest serialized transaction a cluster accepts (the packet size, bytes).
pub const MAX_TX_SIZE: usize = 1232;

/// Serialized size of a legacy transaction of `ixs` paid by `payer` (the compute-limit
/// instruction the embedded ledger adds included).
pub fn transaction_size(ixs: &[Instruction], payer: &Pubkey) -> usize {
    let mut all = vec![compute_limit_ix(0)];
    all.extend_from_slice(ixs);
    let tx = Transaction::new_with_payer(&all, Some(payer));
    bincode::serialized_size(&tx).map_or(usize::MAX, |n| n as usize)
}

/// Splits `ixs` into consecutive groups, each as long as fits one transaction paid by `payer`
/// and at most `max_ixs` instructions (an instruction too big alone gets its own group, and
/// the ledger's refusal).
pub fn pack(ixs: &[Instruction], payer: &Pubkey, max_ixs: usize) -> Vec<Range<usize>> {
    let mut groups = Vec::new();
    let mut start = 0;
    while start < ixs.len() {
        let mut end = start + 1;
        while end < ixs.len()
            && end - start < max_ixs
            && ixs
                .get(start..=end)
                .is_some_and(|group| transaction_size(group, payer) <= MAX_TX_SIZE)
        {
            end += 1;
        }
        groups.push(start..end);
        start = end;
    }
    groups
}

/// The recorded rent payer of each shard of epoch `index` (`None`: the shard does not exist).
pub fn shard_payers(
    ledger: &mut dyn Ledger,
    net: &NetworkKeys,
    index: u64,
) -> Result<Vec<Option<Pubkey>>> {
    let mut payers = Vec::with_capacity(usize::from(net.shard_count));
    for shard in 0..net.shard_count {
        let address = pda::epoch_shard(&net.network, index, shard);
        let s: Option<EpochShard> = fetch(ledger, &address)?;
        payers.push(s.map(|s| s.payer));
    }
    Ok(payers)
}

/// `finalize_epoch` of `index`, paid by `payer`, with every shard.
pub fn finalize_epoch(
    ledger: &mut dyn Ledger,
    net: &NetworkKeys,
    payer: Pubkey,
    index: u64,
) -> Result<Instruction> {
    let payers = shard_payers(ledger, net, index)?;
    Ok(ix::finalize_epoch(net, payer, index, &payers))
}

/// `close_epoch` of `index` (rent back to the epoch's and the shards' payers).
pub fn close_epoch(ledger: &mut dyn Ledger, net: &NetworkKeys, index: u64) -> Result<Instruction> {
    let epoch: Epoch = crate::accounts::fetch_required(ledger, &pda::epoch(&net.network, index))?;
    let payers = shard_payers(ledger, net, index)?;
    Ok(ix::close_epoch(net, index, epoch.payer, &payers))
}

/// One epoch a provider can claim now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claimable {
    pub epoch: u64,
    /// Rent payer of the ProviderEpoch (gets its rent back at the claim).
    pub payer: Pubkey,
    /// What the claim pays (the program computes the same with the same function).
    pub reward: u64,
}

/// The provider's epochs and their state: (ProviderEpoch, its Epoch if finalized).
pub fn provider_epochs(
    ledger: &mut dyn Ledger,
    net: &NetworkKeys,
    owner: &Pubkey,
) -> Result<Vec<(ProviderEpoch, Option<Epoch>)>> {
    let provider = pda::provider(&net.network, owner);
    let mut out = Vec::new();
    for (_, pe) in program_accounts::<ProviderEpoch>(ledger)? {
        if pe.provider != provider {
            continue;
        }
        let epoch: Option<Epoch> = fetch(ledger, &pda::epoch(&net.network, pe.epoch))?;
        out.push((pe, epoch));
    }
    out.sort_by_key(|(pe, _)| pe.epoch);
    Ok(out)
}

/// The epochs `owner`'s provider can claim at unix time `now`: finalized, inside the claim
/// window, with their reward.
pub fn claimable(
    ledger: &mut dyn Ledger,
    net: &NetworkKeys,
    owner: &Pubkey,
    now: i64,
) -> Result<Vec<Claimable>> {
    let network: spice::state::Network = crate::accounts::fetch_required(ledger, &net.network)?;
    let current = net.epoch_at(now);
    let window = u64::from(network.params.claim_window_epochs);
    let mut out = Vec::new();
    for (pe, epoch) in provider_epochs(ledger, net, owner)? {
        let Some(epoch) = epoch else { continue };
        if current > pe.epoch.saturating_add(window) {
            continue;
        }
        let reward = spice::curve::reward_share(
            epoch.emission,
            pe.score,
            epoch.total_score,
            pe.fees,
            network.params.reward_per_fee_cap_bps,
        )
        .unwrap_or(0);
        out.push(Claimable {
            epoch: pe.epoch,
            payer: pe.payer,
            reward,
        });
    }
    Ok(out)
}

/// Splits `epochs` into `claim_rewards` instructions, each as large as fits one transaction
/// (together with `prefix`, e.g. creating the destination account) paid by `payer`.
pub fn claim_batches(
    net: &NetworkKeys,
    owner: &Pubkey,
    payer: &Pubkey,
    destination: &Pubkey,
    epochs: &[Claimable],
    prefix: &[Instruction],
) -> Vec<Vec<Claimable>> {
    let mut batches: Vec<Vec<Claimable>> = Vec::new();
    let mut current: Vec<Claimable> = Vec::new();
    for c in epochs {
        let mut trial = current.clone();
        trial.push(c.clone());
        let keys: Vec<(u64, Pubkey)> = trial.iter().map(|c| (c.epoch, c.payer)).collect();
        let mut ixs = prefix.to_vec();
        ixs.push(ix::claim_rewards(net, *owner, *destination, &keys));
        if current.is_empty() || transaction_size(&ixs, payer) <= MAX_TX_SIZE {
            current = trial;
        } else {
            batches.push(std::mem::take(&mut current));
            current.push(c.clone());
        }
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
}

/// The `claim_rewards` instruction of one batch.
pub fn claim_ix(
    net: &NetworkKeys,
    owner: &Pubkey,
    destination: &Pubkey,
    batch: &[Claimable],
) -> Instruction {
    let keys: Vec<(u64, Pubkey)> = batch.iter().map(|c| (c.epoch, c.payer)).collect();
    ix::claim_rewards(net, *owner, *destination, &keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net() -> NetworkKeys {
        NetworkKeys {
            network: Pubkey::new_unique(),
            payment_mint: Pubkey::new_unique(),
            stake_mint: Pubkey::new_unique(),
            payment_token_program: anchor_spl::token::ID,
            stake_token_program: anchor_spl::token::ID,
            genesis_ts: 0,
            epoch_seconds: 3_600,
            shard_count: 4,
        }
    }

    fn epochs(n: u64, shared_payer: Option<Pubkey>) -> Vec<Claimable> {
        (0..n)
            .map(|epoch| Claimable {
                epoch,
                payer: shared_payer.unwrap_or_else(Pubkey::new_unique),
                reward: 1,
            })
            .collect()
    }

    #[test]
    fn claims_are_packed_into_as_few_transactions_as_fit() {
        let net = net();
        let owner = Pubkey::new_unique();
        let destination = Pubkey::new_unique();
        for (payer, list) in [
            (owner, epochs(40, None)),
            (owner, epochs(40, Some(owner))),
            (owner, epochs(1, None)),
        ] {
            let batches = claim_batches(&net, &owner, &payer, &destination, &list, &[]);
            let flat: Vec<u64> = batches.iter().flatten().map(|c| c.epoch).collect();
            assert_eq!(
                flat,
                (0..list.len() as u64).collect::<Vec<_>>(),
                "every epoch once, in order"
            );
            for (i, batch) in batches.iter().enumerate() {
                let size = transaction_size(&[claim_ix(&net, &owner, &destination, batch)], &payer);
                assert!(size <= MAX_TX_SIZE, "batch {i} is {size} bytes");
                if let Some(next) = batches.get(i + 1) {
                    // Full: one more epoch would not have fit.
                    let mut more = batch.clone();
                    more.push(next[0].clone());
                    let bigger =
                        transaction_size(&[claim_ix(&net, &owner, &destination, &more)], &payer);
                    assert!(bigger > MAX_TX_SIZE, "batch {i} could take one more");
                }
            }
        }
        // Distinct rent payers cost a key each: fewer epochs per transaction than a shared one.
        let distinct = claim_batches(&net, &owner, &owner, &destination, &epochs(40, None), &[]);
        let shared = claim_batches(
            &net,
            &owner,
            &owner,
            &destination,
            &epochs(40, Some(owner)),
            &[],
        );
        assert!(
            distinct.len() > shared.len(),
            "{} vs {}",
            distinct.len(),
            shared.len()
        );
        assert!(
            distinct[0].len() >= 7,
            "at least 7 epochs per claim (REFERENCE)"
        );
    }
}
