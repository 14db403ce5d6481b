//! Reward epochs on top of [`crate::market::Market`]: funding, finalizing, claiming, closing.

use crate::BanksClientError;
use anchor_lang::prelude::Pubkey;
use solana_sdk::signature::Signer;
use spice::state::{
    offset_in_page, page_of, EpochBook, EpochEntry, EpochShard, NetworkParams, ProviderBook,
    ProviderEntry,
};
use spice_sdk::{ix, pda};

use crate::market::{default_params, Actor, Market};
use crate::Env;

impl Market {
    /// A funder adds `amount` stake-mint tokens to the reward vault.
    pub async fn fund_rewards(&mut self, amount: u64) {
        let funder = self.actor(0, amount).await;
        let fund = ix::fund_rewards(&self.net, funder.key(), funder.stake, amount);
        Env::ok(self.env.send(&[fund], &[&funder.kp]).await);
    }

    /// The recorded rent payer of every shard of epoch `index` (None: shard not created).
    pub async fn shard_payers(&mut self, index: u64) -> Vec<Option<Pubkey>> {
        let mut out = Vec::new();
        for i in 0..self.net.shard_count {
            let shard = pda::epoch_shard(&self.net.network, index, i);
            if self.env.owner(&shard).await == Some(spice::ID) {
                let s: EpochShard = self.env.fetch(&shard).await;
                out.push(Some(s.payer));
            } else {
                out.push(None);
            }
        }
        out
    }

    pub async fn try_finalize(&mut self, index: u64) -> Result<(), BanksClientError> {
        let payer = self.env.payer();
        let fin = ix::finalize_epoch(&self.net, payer, index);
        self.env.send(&[fin], &[]).await
    }

    /// The network's book page of epoch `index` (it must exist).
    pub async fn epoch_book(&mut self, index: u64) -> EpochBook {
        let b = pda::epoch_book(&self.net.network, page_of(index));
        self.env.fetch(&b).await
    }

    /// Epoch `index`'s entry (default while its page does not exist).
    pub async fn epoch(&mut self, index: u64) -> EpochEntry {
        let b = pda::epoch_book(&self.net.network, page_of(index));
        if self.env.owner(&b).await != Some(spice::ID) {
            return EpochEntry::default();
        }
        let book: EpochBook = self.env.fetch(&b).await;
        book.entries[offset_in_page(index)]
    }

    /// `provider`'s entry for epoch `index` (default while its page does not exist).
    pub async fn provider_entry(&mut self, provider: &Actor, index: u64) -> ProviderEntry {
        let p = self.provider_pda(&provider.key());
        let b = pda::provider_book(&p, page_of(index));
        if self.env.owner(&b).await != Some(spice::ID) {
            return ProviderEntry::default();
        }
        let book: ProviderBook = self.env.fetch(&b).await;
        book.entries[offset_in_page(index)]
    }

    /// The claim instruction of `provider` for the pages holding `epochs`.
    pub fn claim_ix(
        &self,
        provider: &Actor,
        epochs: &[u64],
    ) -> anchor_lang::solana_program::instruction::Instruction {
        let mut pages: Vec<u64> = epochs.iter().map(|e| page_of(*e)).collect();
        pages.sort_unstable();
        pages.dedup();
        ix::claim_rewards(&self.net, provider.key(), provider.stake, &pages)
    }

    /// Claims everything open in the pages holding `epochs`.
    pub async fn try_claim(
        &mut self,
        provider: &Actor,
        epochs: &[u64],
    ) -> Result<(), BanksClientError> {
        let claim = self.claim_ix(provider, epochs);
        self.env.send(&[claim], &[&provider.kp]).await
    }

    pub async fn try_close_epoch(&mut self, index: u64) -> Result<(), BanksClientError> {
        let close = ix::close_epoch(&self.net, index);
        self.env.send(&[close], &[]).await
    }

    /// Invariants 1–6 of docs/DESIGN.md, every epoch included: the SDK's audit on a snapshot of the
    /// runtime ([`Market::assert_audit`]); `_epochs` is no longer needed.
    pub async fn check_reward_invariants(&mut self, _epochs: &[u64]) {
        self.assert_audit();
    }

    /// Creates, accepts, submits and approves a job of `units` at `price`: paid work.
    pub async fn paid_job(&mut self, client: &Actor, provider: &Actor, price: u64, units: u64) {
        let job = self
            .submitted_job(client, provider, price, units, units)
            .await;
        let keys = self.settle_keys(job, client, provider).await;
        let approve = ix::approve_job(&self.net, &keys);
        Env::ok(self.env.send(&[approve], &[&client.kp]).await);
    }

    /// The signer of every test transaction (pays epoch-account rent in tests).
    pub fn crank(&self) -> Pubkey {
        self.env.ctx.payer.pubkey()
    }
}

/// Reward parameters the reward tests share: E0 = 100_000 decaying 10% an epoch to a tail of
/// 10_000, and the highest rate cap below the fee (see [`default_params`]).
pub fn curve_params() -> NetworkParams {
    NetworkParams {
        initial_emission: 100_000,
        tail_emission: 10_000,
        emission_decay_bps: 1_000,
        ..default_params()
    }
}

impl Market {
    /// What `provider` gets from one claim of the pages holding `epochs`: whatever the circuit
    /// breaker lets out now (0 when the claim is refused).
    pub async fn claim_now(&mut self, provider: &Actor, epochs: &[u64]) -> u64 {
        if epochs.is_empty() {
            return 0;
        }
        let before = self.env.balance(&provider.stake).await;
        let _ = self.try_claim(provider, epochs).await;
        self.env.balance(&provider.stake).await - before
    }

    /// Sends `ix` signed by the network's authority.
    pub async fn authority_sends(
        &mut self,
        ix: anchor_lang::solana_program::instruction::Instruction,
    ) -> Result<(), BanksClientError> {
        let authority = self.authority.insecure_clone();
        self.env.send(&[ix], &[&authority]).await
    }

    /// Moves the clock to unix time `target` (never backwards).
    pub async fn warp_to(&mut self, target: i64) {
        let now = self.env.now().await;
        if target > now {
            self.env.warp_seconds(target - now).await;
        }
    }

    /// Moves the clock to one second into epoch `index` (never backwards).
    pub async fn warp_to_epoch(&mut self, index: u64) {
        let network = self.network().await;
        let now = self.env.now().await;
        let target = network.genesis_ts + index as i64 * network.params.epoch_seconds + 1;
        if target > now {
            self.env.warp_seconds(target - now).await;
        }
    }
}
