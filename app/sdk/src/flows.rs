//! Instructions whose accounts depend on chain state: finalizing and closing an epoch (its
//! shards' and page's recorded rent payers), a client's next job id, and claiming rewards (the
//! provider's book pages with something owed, batched into as few transactions as fit); and the
//! transaction size arithmetic behind any such packing ([`transaction_size`], [`pack`]).

use std::ops::Range;

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_sdk::transaction::Transaction;
use spice::constants::EPOCHS_PER_PAGE;
use spice::state::{page_of, Client, EpochBook, EpochShard, ProviderBook};

use crate::accounts::fetch;
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

/// `close_epoch_shard` of every shard of the finalized epoch `index` that still exists.
pub fn close_epoch_shards(
    ledger: &mut dyn Ledger,
    net: &NetworkKeys,
    index: u64,
) -> Result<Vec<Instruction>> {
    Ok(shard_payers(ledger, net, index)?
        .into_iter()
        .enumerate()
        .filter_map(|(shard, payer)| {
            payer.map(|p| ix::close_epoch_shard(net, index, shard as u8, p))
        })
        .collect())
}

/// The next job id of `client` on the network: its record's counter, 0 before its first job.
pub fn next_job_id(ledger: &mut dyn Ledger, net: &NetworkKeys, client: &Pubkey) -> Result<u64> {
    let record: Option<Client> = fetch(ledger, &pda::client(&net.network, client))?;
    Ok(record.map_or(0, |r| r.jobs_created))
}

/// One epoch's reward a provider can claim now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claimable {
    pub epoch: u64,
    /// What the claim pays for it (the program computes the same with the same functions),
    /// before the circuit breaker.
    pub reward: u64,
}

/// A page of a provider's reward book and the network's page of the same epochs.
#[derive(Clone, Debug)]
pub struct BookPage {
    pub page: u64,
    pub provider: ProviderBook,
    /// `None` while no epoch of the page is finalized.
    pub epochs: Option<EpochBook>,
}

/// Every existing book page of `owner`'s provider up to the page of unix time `now`, in order.
pub fn provider_pages(
    ledger: &mut dyn Ledger,
    net: &NetworkKeys,
    owner: &Pubkey,
    now: i64,
) -> Result<Vec<BookPage>> {
    let provider = pda::provider(&net.network, owner);
    let mut out = Vec::new();
    for page in 0..=page_of(net.epoch_at(now)) {
        let book: Option<ProviderBook> = fetch(ledger, &pda::provider_book(&provider, page))?;
        if let Some(book) = book {
            let epochs = fetch(ledger, &pda::epoch_book(&net.network, page))?;
            out.push(BookPage {
                page,
                provider: book,
                epochs,
            });
        }
    }
    Ok(out)
}

/// What the pages owe, epoch by epoch (the program's own rule: `EpochEntry::payable` and
/// `ProviderEntry::owed`).
pub fn owed_in(pages: &[BookPage]) -> Vec<Claimable> {
    let mut out = Vec::new();
    for p in pages {
        let Some(epochs) = &p.epochs else { continue };
        for (slot, entry) in p.provider.entries.iter().enumerate() {
            let epoch = &epochs.entries[slot];
            if entry.weight == 0 || !epoch.payable() {
                continue;
            }
            let reward = entry.owed(epoch).unwrap_or(0);
            if reward > 0 {
                out.push(Claimable {
                    epoch: p.page * EPOCHS_PER_PAGE + slot as u64,
                    reward,
                });
            }
        }
    }
    out
}

/// The epochs `owner`'s provider can claim at unix time `now`, with their reward.
pub fn claimable(
    ledger: &mut dyn Ledger,
    net: &NetworkKeys,
    owner: &Pubkey,
    now: i64,
) -> Result<Vec<Claimable>> {
    let pages = provider_pages(ledger, net, owner, now)?;
    Ok(owed_in(&pages))
}

/// The pages that hold `epochs`, ascending, once each.
pub fn pages_of(epochs: &[Claimable]) -> Vec<u64> {
    let mut pages: Vec<u64> = epochs.iter().map(|c| page_of(c.epoch)).collect();
    pages.sort_unstable();
    pages.dedup();
    pages
}

/// Splits the book pages of a claim into `claim_rewards` instructions, each as large as fits
/// one transaction (together with `prefix`, e.g. creating the destination account) paid by
/// `payer`. A year of daily epochs is 23 pages: two transactions.
pub fn claim_batches(
    net: &NetworkKeys,
    owner: &Pubkey,
    payer: &Pubkey,
    destination: &Pubkey,
    pages: &[u64],
    prefix: &[Instruction],
) -> Vec<Vec<u64>> {
    let mut batches: Vec<Vec<u64>> = Vec::new();
    let mut current: Vec<u64> = Vec::new();
    for page in pages {
        let mut trial = current.clone();
        trial.push(*page);
        let mut ixs = prefix.to_vec();
        ixs.push(ix::claim_rewards(net, *owner, *destination, &trial));
        if current.is_empty() || transaction_size(&ixs, payer) <= MAX_TX_SIZE {
            current = trial;
        } else {
            batches.push(std::mem::take(&mut current));
            current.push(*page);
        }
    }
    if !current.is_empty() {
        batches.push(current);
    }
    batches
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

    #[test]
    fn claims_are_packed_into_as_few_transactions_as_fit() {
        let net = net();
        let owner = Pubkey::new_unique();
        let destination = Pubkey::new_unique();
        let pages: Vec<u64> = (0..40).collect();
        let batches = claim_batches(&net, &owner, &owner, &destination, &pages, &[]);
        let flat: Vec<u64> = batches.iter().flatten().copied().collect();
        assert_eq!(flat, pages, "every page once, in order");
        for (i, batch) in batches.iter().enumerate() {
            let size = transaction_size(
                &[ix::claim_rewards(&net, owner, destination, batch)],
                &owner,
            );
            assert!(size <= MAX_TX_SIZE, "batch {i} is {size} bytes");
            if let Some(next) = batches.get(i + 1) {
                let mut more = batch.clone();
                more.push(next[0]);
                let bigger = transaction_size(
                    &[ix::claim_rewards(&net, owner, destination, &more)],
                    &owner,
                );
                assert!(bigger > MAX_TX_SIZE, "batch {i} could take one more page");
            }
        }
        // A year of daily epochs is 23 pages: at most two transactions.
        let year = pages_of(
            &(0..365)
                .map(|epoch| Claimable { epoch, reward: 1 })
                .collect::<Vec<_>>(),
        );
        assert_eq!(year.len(), 23);
        assert!(claim_batches(&net, &owner, &owner, &destination, &year, &[]).len() <= 2);
    }
}

/// Why an epoch's rewards are less than its curve asked for, read from its finalized entry
/// (the fields `finalize_epoch` wrote: see `EpochFinalized`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RewardCut {
    /// The pool (or the lifetime emission budget) could not give the curve's emission:
    /// `shortfall` less was emitted.
    Shortfall { shortfall: u64 },
    /// The rate cap bound: the epoch's jobs were worth only `allocated` at their reward rate
    /// caps (score × rate cap), less than the `emission`; every provider got its full cap and
    /// the rest stays in the pool.
    RateCap { emission: u64, allocated: u64 },
    /// The emission bound: the jobs' capped rewards came to `capped` (Σ weight / 10 000), more
    /// than the `emission`, which was shared by weight: each provider got `emission / capped`
    /// of its cap.
    Shared { emission: u64, capped: u128 },
}

/// The cuts of a finalized epoch (none for a Pending one).
pub fn reward_cuts(entry: &spice::state::EpochEntry) -> Vec<RewardCut> {
    use spice::state::EpochStatus;
    if entry.status == EpochStatus::Pending {
        return vec![];
    }
    let mut cuts = Vec::new();
    if entry.shortfall > 0 {
        cuts.push(RewardCut::Shortfall {
            shortfall: entry.shortfall,
        });
    }
    let capped = entry.total_weight / 10_000;
    if entry.allocated < entry.emission {
        cuts.push(RewardCut::RateCap {
            emission: entry.emission,
            allocated: entry.allocated,
        });
    } else if capped > u128::from(entry.emission) {
        cuts.push(RewardCut::Shared {
            emission: entry.emission,
            capped,
        });
    }
    cuts
}

/// Why a provider has nothing to claim now, from its book pages (in order of how actionable).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NothingToClaim {
    /// The owner has no provider on the network.
    NotAProvider,
    /// No settled job of the provider counts in any epoch.
    NoWork,
    /// Epochs with the provider's work have ended but are not finalized.
    NotFinalized { epochs: Vec<u64> },
    /// Epochs with the provider's work have not ended yet (the first ends at `ends_at`).
    NotEnded { epochs: Vec<u64>, ends_at: i64 },
    /// Everything finalized was claimed already.
    AllClaimed { epochs: Vec<u64> },
    /// Epochs with unclaimed rewards are past their claim deadline (closed or closing).
    Expired { epochs: Vec<u64> },
}

/// Why `owner` can claim nothing at `now`, given that [`claimable`] is empty.
pub fn nothing_to_claim(
    ledger: &mut dyn Ledger,
    net: &NetworkKeys,
    owner: &Pubkey,
    now: i64,
) -> Result<NothingToClaim> {
    use spice::state::EpochStatus;
    let provider = pda::provider(&net.network, owner);
    let exists = ledger.account(&provider)?.is_some();
    let pages = provider_pages(ledger, net, owner, now)?;
    let network: spice::state::Network = crate::accounts::fetch_required(ledger, &net.network)?;
    let paused = network.claims_paused_total(now).unwrap_or(0);
    let current = net.epoch_at(now);
    let (mut not_final, mut not_ended, mut claimed, mut expired) = (vec![], vec![], vec![], vec![]);
    for p in &pages {
        for (slot, entry) in p.provider.entries.iter().enumerate() {
            if entry.weight == 0 && entry.jobs == 0 {
                continue;
            }
            let epoch = p.page * EPOCHS_PER_PAGE + slot as u64;
            let e = p
                .epochs
                .as_ref()
                .map(|b| b.entries[slot])
                .unwrap_or_default();
            match e.status {
                EpochStatus::Pending if epoch >= current => not_ended.push(epoch),
                EpochStatus::Pending => not_final.push(epoch),
                EpochStatus::Closed => expired.push(epoch),
                EpochStatus::Open => {
                    if entry.owed(&e).unwrap_or(0) == 0 {
                        claimed.push(epoch);
                    } else if !e.claimable(now, paused).unwrap_or(false) {
                        expired.push(epoch);
                    }
                }
            }
        }
    }
    Ok(if !not_final.is_empty() {
        NothingToClaim::NotFinalized { epochs: not_final }
    } else if !not_ended.is_empty() {
        let ends_at = net.epoch_start(not_ended[0].saturating_add(1));
        NothingToClaim::NotEnded {
            epochs: not_ended,
            ends_at,
        }
    } else if !expired.is_empty() {
        NothingToClaim::Expired { epochs: expired }
    } else if !claimed.is_empty() {
        NothingToClaim::AllClaimed { epochs: claimed }
    } else if !exists {
        NothingToClaim::NotAProvider
    } else {
        NothingToClaim::NoWork
    })
}

#[cfg(test)]
mod cut_tests {
    use super::*;
    use spice::state::{EpochEntry, EpochStatus};

    #[test]
    fn the_cuts_of_an_epoch_follow_its_entry() {
        let mut e = EpochEntry {
            status: EpochStatus::Open,
            emission: 1_000,
            allocated: 1_000,
            total_weight: 10_000 * 5_000,
            ..Default::default()
        };
        assert_eq!(
            reward_cuts(&e),
            vec![RewardCut::Shared {
                emission: 1_000,
                capped: 5_000
            }]
        );
        e.allocated = 300;
        e.total_weight = 10_000 * 300;
        e.shortfall = 50;
        assert_eq!(
            reward_cuts(&e),
            vec![
                RewardCut::Shortfall { shortfall: 50 },
                RewardCut::RateCap {
                    emission: 1_000,
                    allocated: 300
                }
            ]
        );
        // Exactly the emission: no cut.
        e.shortfall = 0;
        e.allocated = 1_000;
        e.total_weight = 10_000 * 1_000;
        assert!(reward_cuts(&e).is_empty());
        e.status = EpochStatus::Pending;
        e.shortfall = 9;
        assert!(reward_cuts(&e).is_empty());
    }
}
