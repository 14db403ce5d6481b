//! Reward books: the per-epoch results of a network and the per-epoch work of a provider, in
//! pages of [`EPOCHS_PER_PAGE`] consecutive epochs.
//!
//! A page is a header followed by fixed-size entries, one per epoch. The program reads and
//! writes single entries in place ([`read_entry`], [`write_entry`]), never the whole page, so a
//! claim of a year of epochs touches a handful of accounts and keeps small stack frames; the
//! SDK decodes whole pages with the `#[account]` types below.

use anchor_lang::prelude::*;
use anchor_lang::Discriminator;

use crate::constants::EPOCHS_PER_PAGE;
use crate::errors::SpiceError;
use crate::state::Work;

/// Entries per page.
pub const PAGE_LEN: usize = EPOCHS_PER_PAGE as usize;

/// The page holding epoch `index`.
pub fn page_of(index: u64) -> u64 {
    index / EPOCHS_PER_PAGE
}

/// Position of epoch `index` in its page.
pub fn offset_in_page(index: u64) -> usize {
    (index % EPOCHS_PER_PAGE) as usize
}

/// First epoch of page `page`.
pub fn first_epoch_of(page: u64) -> Result<u64> {
    Ok(page
        .checked_mul(EPOCHS_PER_PAGE)
        .ok_or(SpiceError::MathOverflow)?)
}

/// Where an epoch is in its life.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub enum EpochStatus {
    /// Not finalized (or not over) yet.
    #[default]
    Pending,
    /// Finalized: its allocation can be claimed until its claim deadline.
    Open,
    /// Closed after its claim deadline: what was not claimed went back to the pool.
    Closed,
}

/// A finalized epoch's results, fixed when it was finalized.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct EpochEntry {
    /// Where the epoch is in its life.
    pub status: EpochStatus,
    /// Emission of the curve for the epoch, capped by the lifetime budget and the vault.
    pub emission: u64,
    /// What the curve asked for but the budget or the vault could not give.
    pub shortfall: u64,
    /// What the providers can claim: `min(emission, total_weight / 10_000)` — at most the rate
    /// cap of each job's own terms per unit of its score.
    pub allocated: u64,
    /// Claimed so far.
    pub claimed: u64,
    /// Sum of the job scores of the epoch.
    pub total_score: u128,
    /// Sum of the jobs' reward weights (`score × the job's reward_rate_cap_bps`).
    pub total_weight: u128,
    /// Sum of the counted values of its jobs (payment-mint units).
    pub total_value: u128,
    /// Sum of the protocol fees of its jobs.
    pub total_fees: u128,
    /// Settled jobs counted.
    pub jobs: u64,
    /// Claims are possible while `now <` this plus the claim pauses since finalization.
    pub claim_deadline: i64,
    /// The network's total claim-pause time when the epoch was finalized.
    pub paused_base: i64,
    /// When it was finalized.
    pub finalized_at: i64,
    /// Shards of the epoch not closed yet (`close_epoch_shard`).
    pub open_shards: u8,
}

impl EpochEntry {
    /// The claim deadline, moved later by every claim pause since finalization.
    pub fn effective_deadline(&self, paused_total_now: i64) -> Result<i64> {
        let extension = paused_total_now
            .checked_sub(self.paused_base)
            .ok_or(SpiceError::MathOverflow)?
            .max(0);
        Ok(self
            .claim_deadline
            .checked_add(extension)
            .ok_or(SpiceError::MathOverflow)?)
    }

    /// Whether `now` is inside its claim window: claims are guaranteed until then. After it,
    /// the epoch still pays ([`EpochEntry::payable`]) until someone closes it, which
    /// `close_epoch` allows only while the circuit breaker holds nobody back.
    pub fn claimable(&self, now: i64, paused_total_now: i64) -> Result<bool> {
        Ok(self.status == EpochStatus::Open && now < self.effective_deadline(paused_total_now)?)
    }

    /// Whether a claim pays its rewards now: from finalization until it is closed. Closing, not
    /// the deadline, is what forfeits a reward, so a provider held back by the circuit breaker
    /// past the deadline is still paid.
    pub fn payable(&self) -> bool {
        self.status == EpochStatus::Open
    }

    /// The reward of work of `weight` in this epoch: `allocated × weight / total_weight`,
    /// rounded down.
    pub fn reward(&self, weight: u128) -> Result<u64> {
        Ok(crate::curve::reward_share(
            self.allocated,
            weight,
            self.total_weight,
        )?)
    }

    /// Adds a shard's tallies to the epoch's totals (at finalization).
    pub fn add_shard(&mut self, shard: &crate::state::EpochShard) -> Result<()> {
        crate::state::add_sums(
            (
                &mut self.total_score,
                &mut self.total_weight,
                &mut self.total_value,
                &mut self.total_fees,
                &mut self.jobs,
            ),
            (
                shard.score,
                shard.weight,
                shard.value,
                shard.fees,
                shard.jobs,
            ),
        )
    }

    /// What was allocated and not claimed.
    pub fn unclaimed(&self) -> Result<u64> {
        Ok(self
            .allocated
            .checked_sub(self.claimed)
            .ok_or(SpiceError::InvariantViolated)?)
    }

    /// Counts `amount` claimed, never beyond the allocation.
    pub fn add_claimed(&mut self, amount: u64) -> Result<()> {
        self.claimed = self
            .claimed
            .checked_add(amount)
            .ok_or(SpiceError::MathOverflow)?;
        require!(
            self.claimed <= self.allocated,
            SpiceError::InvariantViolated
        );
        Ok(())
    }
}

/// A page of a network's epoch results: its permanent record, which claims and the providers'
/// book pages are checked against, so it never closes. Created by the first `finalize_epoch` of
/// the page, who pays its rent (2,162 bytes for 16 epochs).
#[account]
#[derive(InitSpace, Debug)]
pub struct EpochBook {
    /// Layout version.
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// Network of the page.
    pub network: Pubkey,
    /// Page number: epochs `page × EPOCHS_PER_PAGE ..`.
    pub page: u64,
    /// Who paid the rent.
    pub payer: Pubkey,
    /// One entry per epoch of the page.
    pub entries: [EpochEntry; PAGE_LEN],
}

/// A provider's work per epoch: what its reward is computed from, and what it was paid.
#[derive(
    AnchorSerialize, AnchorDeserialize, InitSpace, Clone, Copy, Debug, Default, PartialEq, Eq,
)]
pub struct ProviderEntry {
    /// Sum of the provider's job scores in the epoch.
    pub score: u128,
    /// Sum of their reward weights: its share of the epoch's allocation.
    pub weight: u128,
    /// Sum of their counted values (payment-mint units).
    pub value: u128,
    /// Protocol fees its jobs paid in the epoch.
    pub fees: u128,
    /// Jobs settled.
    pub jobs: u64,
    /// Reward claimed for the epoch so far.
    pub paid: u64,
}

impl ProviderEntry {
    /// Counts one settled job.
    pub fn add_work(&mut self, work: Work) -> Result<()> {
        crate::state::add_work(
            (
                &mut self.score,
                &mut self.weight,
                &mut self.value,
                &mut self.fees,
                &mut self.jobs,
            ),
            work,
        )
    }

    /// What the epoch still owes for this entry.
    pub fn owed(&self, epoch: &EpochEntry) -> Result<u64> {
        Ok(epoch
            .reward(self.weight)?
            .checked_sub(self.paid)
            .ok_or(SpiceError::InvariantViolated)?)
    }
}

/// A page of a provider's per-epoch work. Created by the first settlement of the provider in the
/// page's epochs (whose payer pays the rent); closed by `close_provider_book` once nothing in it
/// can be claimed any more, rent back to that payer. Keyed by the Provider's address, so it
/// outlives a closed Provider account: rewards earned stay claimable by the owner's wallet.
#[account]
#[derive(InitSpace, Debug)]
pub struct ProviderBook {
    /// Layout version.
    pub version: u8,
    /// Bump of this PDA.
    pub bump: u8,
    /// Network of the provider.
    pub network: Pubkey,
    /// The Provider account's address.
    pub provider: Pubkey,
    /// Page number: epochs `page × EPOCHS_PER_PAGE ..`.
    pub page: u64,
    /// Who paid the rent.
    pub payer: Pubkey,
    /// One entry per epoch of the page.
    pub entries: [ProviderEntry; PAGE_LEN],
}

impl ProviderBook {
    /// May the page close once epoch `current` has begun, given the network's page of the same
    /// epochs (`None` while none of them is finalized)? Only once its epochs are over and each
    /// entry with reward weight was paid in full or its epoch closed: nothing claimable is
    /// ever closed away. Entries without weight earn nothing and never hold the page open.
    pub fn check_closable(&self, epochs: Option<&EpochBook>, current: u64) -> Result<()> {
        let last = first_epoch_of(self.page)?
            .checked_add(EPOCHS_PER_PAGE - 1)
            .ok_or(SpiceError::MathOverflow)?;
        require!(current > last, SpiceError::BookStillOpen);
        for (slot, entry) in self.entries.iter().enumerate() {
            if entry.weight == 0 {
                continue;
            }
            // Work was recorded in this epoch, so it can be finalized: until then, and until
            // the entry is paid or its epoch closed, the page stays.
            let epoch = epochs
                .and_then(|b| b.entries.get(slot))
                .ok_or(SpiceError::BookStillOpen)?;
            let settled = match epoch.status {
                EpochStatus::Pending => false,
                EpochStatus::Closed => true,
                EpochStatus::Open => entry.owed(epoch)? == 0,
            };
            require!(settled, SpiceError::BookStillOpen);
        }
        Ok(())
    }
}

/// The fields of an [`EpochBook`] before its entries, written when the page is created.
#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct EpochBookHeader {
    pub version: u8,
    pub bump: u8,
    pub network: Pubkey,
    pub page: u64,
    pub payer: Pubkey,
}

/// The fields of a [`ProviderBook`] before its entries, written when the page is created.
#[derive(AnchorSerialize, AnchorDeserialize)]
pub struct ProviderBookHeader {
    pub version: u8,
    pub bump: u8,
    pub network: Pubkey,
    pub provider: Pubkey,
    pub page: u64,
    pub payer: Pubkey,
}

/// Writes the discriminator and `header` of a page just created (zeroed: every entry starts as
/// its default).
pub fn init_page<P: Page>(info: &AccountInfo, header: &impl AnchorSerialize) -> Result<()> {
    let mut data = info.try_borrow_mut_data()?;
    let mut out: &mut [u8] = &mut data;
    std::io::Write::write_all(&mut out, P::DISCRIMINATOR)?;
    header.serialize(&mut out)?;
    Ok(())
}

/// Bytes before the first entry of an [`EpochBook`]: discriminator, then the header fields.
pub const EPOCH_BOOK_HEADER: usize = 8 + 1 + 1 + 32 + 8 + 32;
/// Bytes before the first entry of a [`ProviderBook`].
pub const PROVIDER_BOOK_HEADER: usize = 8 + 1 + 1 + 32 + 32 + 8 + 32;

/// A page type whose entries can be read and written in place.
pub trait Page: Discriminator {
    /// The entry type.
    type Entry: AnchorSerialize + AnchorDeserialize + Space;
    /// The fields before the entries.
    type Header: AnchorSerialize + AnchorDeserialize;
    /// Bytes before the first entry.
    const HEADER: usize;
}

impl Page for EpochBook {
    type Entry = EpochEntry;
    type Header = EpochBookHeader;
    const HEADER: usize = EPOCH_BOOK_HEADER;
}

impl Page for ProviderBook {
    type Entry = ProviderEntry;
    type Header = ProviderBookHeader;
    const HEADER: usize = PROVIDER_BOOK_HEADER;
}

/// Reads the header of a page account of this program, checking its owner and discriminator.
pub fn read_header<P: Page>(info: &AccountInfo) -> Result<P::Header> {
    require_keys_eq!(
        *info.owner,
        crate::ID,
        anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram
    );
    let data = info.try_borrow_data()?;
    require!(
        data.len() >= P::HEADER && data.get(..8) == Some(P::DISCRIMINATOR),
        anchor_lang::error::ErrorCode::AccountDiscriminatorMismatch
    );
    let mut bytes = data
        .get(8..P::HEADER)
        .ok_or(SpiceError::InvariantViolated)?;
    Ok(P::Header::deserialize(&mut bytes)?)
}

fn entry_range<P: Page>(i: usize) -> Result<std::ops::Range<usize>> {
    require!(i < PAGE_LEN, SpiceError::MathOverflow);
    let start = P::HEADER + i * P::Entry::INIT_SPACE;
    Ok(start..start + P::Entry::INIT_SPACE)
}

/// Reads entry `i` of the page in `data` (the whole account data, discriminator included).
pub fn read_entry<P: Page>(data: &[u8], i: usize) -> Result<P::Entry> {
    let range = entry_range::<P>(i)?;
    let mut bytes = data.get(range).ok_or(SpiceError::InvariantViolated)?;
    Ok(P::Entry::deserialize(&mut bytes)?)
}

/// Writes entry `i` of the page in `data`.
pub fn write_entry<P: Page>(data: &mut [u8], i: usize, entry: &P::Entry) -> Result<()> {
    let range = entry_range::<P>(i)?;
    let mut out = data.get_mut(range).ok_or(SpiceError::InvariantViolated)?;
    entry.serialize(&mut out)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_the_account_layouts() {
        assert_eq!(
            8 + EpochBook::INIT_SPACE,
            EPOCH_BOOK_HEADER + PAGE_LEN * EpochEntry::INIT_SPACE
        );
        assert_eq!(
            8 + ProviderBook::INIT_SPACE,
            PROVIDER_BOOK_HEADER + PAGE_LEN * ProviderEntry::INIT_SPACE
        );
    }

    #[test]
    fn entries_round_trip_in_place_and_match_whole_page_decoding() {
        let mut book = ProviderBook {
            version: 1,
            bump: 254,
            network: Pubkey::new_unique(),
            provider: Pubkey::new_unique(),
            page: 3,
            payer: Pubkey::new_unique(),
            entries: [ProviderEntry::default(); PAGE_LEN],
        };
        book.entries[5].weight = 77;
        let mut data = ProviderBook::DISCRIMINATOR.to_vec();
        book.serialize(&mut data).unwrap();
        assert_eq!(data.len(), 8 + ProviderBook::INIT_SPACE);
        assert_eq!(read_entry::<ProviderBook>(&data, 5).unwrap().weight, 77);
        let last = PAGE_LEN - 1;
        let mut e = read_entry::<ProviderBook>(&data, last).unwrap();
        e.paid = 9;
        write_entry::<ProviderBook>(&mut data, last, &e).unwrap();
        let decoded = ProviderBook::try_deserialize(&mut &data[..]).unwrap();
        assert_eq!(decoded.entries[last].paid, 9);
        assert_eq!(decoded.page, 3);
        assert!(read_entry::<ProviderBook>(&data, PAGE_LEN).is_err());
    }

    fn borsh_len(value: &impl AnchorSerialize) -> usize {
        let mut out = Vec::new();
        value.serialize(&mut out).unwrap();
        out.len()
    }

    #[test]
    fn page_headers_serialize_to_the_header_length() {
        let h = ProviderBookHeader {
            version: 1,
            bump: 2,
            network: Pubkey::new_unique(),
            provider: Pubkey::new_unique(),
            page: 3,
            payer: Pubkey::new_unique(),
        };
        assert_eq!(borsh_len(&h) + 8, PROVIDER_BOOK_HEADER);
        let h = EpochBookHeader {
            version: 1,
            bump: 2,
            network: Pubkey::new_unique(),
            page: 3,
            payer: Pubkey::new_unique(),
        };
        assert_eq!(borsh_len(&h) + 8, EPOCH_BOOK_HEADER);
    }

    #[test]
    fn pages() {
        assert_eq!((page_of(0), offset_in_page(0)), (0, 0));
        let n = EPOCHS_PER_PAGE;
        assert_eq!((page_of(n - 1), offset_in_page(n - 1)), (0, PAGE_LEN - 1));
        assert_eq!((page_of(n), offset_in_page(n)), (1, 0));
        assert_eq!(first_epoch_of(2).unwrap(), 2 * n);
    }

    #[test]
    fn deadlines_move_with_claim_pauses_only() {
        let e = EpochEntry {
            status: EpochStatus::Open,
            claim_deadline: 1_000,
            paused_base: 50,
            ..Default::default()
        };
        assert_eq!(e.effective_deadline(50).unwrap(), 1_000);
        assert_eq!(e.effective_deadline(80).unwrap(), 1_030);
        assert!(e.claimable(1_029, 80).unwrap());
        assert!(!e.claimable(1_030, 80).unwrap());
        let closed = EpochEntry {
            status: EpochStatus::Closed,
            ..e
        };
        assert!(!closed.claimable(0, 50).unwrap());
        // Past its window an open epoch still pays, until it is closed.
        assert!(e.payable() && !closed.payable());
    }
}
