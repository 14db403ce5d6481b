//! A network on a fresh runtime, actors holding tokens, and the invariant checks of DESIGN.md
//! that tests run after every step: the SDK's audit on a snapshot of the runtime.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use solana_sdk::signature::{Keypair, Signer};
use spice::instructions::{CreateJobArgs, SubmitResultArgs};
use spice::state::{Client, HardwareSpec, Job, Network, NetworkParams, Provider};
use spice_sdk::ix::{self, NetworkKeys, SettleKeys};
use spice_sdk::pda;

use crate::{Env, MintExt, TOKEN_2022_PROGRAM, TOKEN_PROGRAM};

/// Which token programs a market's mints live on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mints {
    pub payment_program: Pubkey,
    pub stake_program: Pubkey,
    /// One mint for payment and stake.
    pub same: bool,
}

impl Mints {
    pub const SPL: Mints = Mints {
        payment_program: TOKEN_PROGRAM,
        stake_program: TOKEN_PROGRAM,
        same: false,
    };
    pub const T22: Mints = Mints {
        payment_program: TOKEN_2022_PROGRAM,
        stake_program: TOKEN_2022_PROGRAM,
        same: false,
    };
    pub const MIXED: Mints = Mints {
        payment_program: TOKEN_PROGRAM,
        stake_program: TOKEN_2022_PROGRAM,
        same: false,
    };
    pub const SINGLE: Mints = Mints {
        payment_program: TOKEN_2022_PROGRAM,
        stake_program: TOKEN_2022_PROGRAM,
        same: true,
    };
}

pub const DAY: i64 = 86_400;
pub const MIN_STAKE: u64 = 1_000_000;
/// Accept window and run time of the jobs [`Market::job_args`] makes.
pub const JOB_WINDOW: i64 = 3_600;

/// Parameters the tests start from: every window short enough to warp across.
pub fn default_params() -> NetworkParams {
    NetworkParams {
        min_stake: MIN_STAKE,
        unbond_seconds: 7 * DAY,
        protocol_fee_bps: 250,
        slash_bps: 1_000,
        slash_client_share_bps: 5_000,
        max_accept_seconds: DAY,
        max_run_seconds: 2 * DAY,
        challenge_seconds: DAY,
        dispute_seconds: 2 * DAY,
        audit_rate_bps: 0,
        attestation_quorum: 2,
        epoch_seconds: 7 * DAY,
        initial_emission: 1_000_000_000,
        emission_decay_bps: 500,
        tail_emission: 100_000_000,
        max_total_emission: 100_000_000_000,
        m_max_bps: 30_000,
        stake_cap: 100 * MIN_STAKE,
        // 0.8 % of a job's value at most: below the fee even at the highest multiplier
        // (80 × 3 ≤ 250), so paying yourself always loses, without a reference price or audits.
        reward_rate_cap_bps: 80,
        reference_price: 0,
        stake_per_payment_bps: 10_000,
        max_exposure_bps: 0,
        shard_count: 4,
        claim_window_epochs: 8,
        max_reward_outflow_per_window: 10_000_000_000,
        outflow_window_seconds: DAY,
    }
}

/// A wallet with a payment-mint and a stake-mint token account.
pub struct Actor {
    pub kp: Keypair,
    pub payment: Pubkey,
    pub stake: Pubkey,
}

impl Actor {
    pub fn key(&self) -> Pubkey {
        self.kp.pubkey()
    }
}

/// A created network and what the tests track of it.
pub struct Market {
    pub env: Env,
    pub creator: Keypair,
    pub authority: Keypair,
    pub id: u64,
    pub net: NetworkKeys,
    pub mints: Mints,
    /// Jobs and providers whose vaults invariants 1 and 2 check.
    pub jobs: Vec<Pubkey>,
    pub providers: Vec<Pubkey>,
    /// Whether the network was created accepting mints with a freeze authority.
    pub allow_freeze: bool,
}

pub fn hardware() -> HardwareSpec {
    HardwareSpec {
        gpu_model: "H100-SXM".into(),
        gpu_count: 8,
        vram_gb: 80,
        region: "eu-west".into(),
        metadata_hash: [7; 32],
        metadata_uri: "https://example.org/provider.json".into(),
    }
}

impl Market {
    /// Mints on the given token programs, and a network with `params`.
    pub async fn with_params(mints: Mints, params: NetworkParams) -> Self {
        let m = Self::unlaunched(mints).await;
        m.launch(params).await
    }

    /// Creates the network of an [`Market::unlaunched`] market with `params`.
    pub async fn launch(mut self, params: NetworkParams) -> Self {
        let ix = self.create_network_ix(self.id, params);
        let creator = self.creator.insecure_clone();
        Env::ok(self.env.send(&[ix], &[&creator]).await);
        let network = self.network().await;
        self.net = NetworkKeys::from_account(self.net.network, &network);
        let net = self.net;
        self.track_network_vaults(&net);
        self
    }

    /// Tracks a network's treasury, payouts and reward vaults for invariant 5.
    fn track_network_vaults(&mut self, net: &NetworkKeys) {
        self.env.track(net.payment_mint, net.payment_treasury());
        self.env.track(net.stake_mint, net.stake_treasury());
        self.env.track(net.payment_mint, net.payment_payouts());
        self.env.track(net.stake_mint, net.stake_payouts());
        self.env
            .track(net.stake_mint, pda::reward_vault(&net.network));
    }

    /// `create_network` of id `id` by the market's creator, with its authority and mints.
    pub fn create_network_ix(&self, id: u64, params: NetworkParams) -> Instruction {
        ix::create_network(
            self.creator.pubkey(),
            id,
            self.authority.pubkey(),
            params,
            self.net.payment_mint,
            self.net.stake_mint,
            self.net.payment_token_program,
            self.net.stake_token_program,
            self.allow_freeze,
        )
    }

    pub async fn new(mints: Mints) -> Self {
        Self::with_params(mints, default_params()).await
    }

    /// Mints and keys, but no network yet (for create_network tests).
    pub async fn unlaunched(mints: Mints) -> Self {
        let mut env = Env::new().await;
        let creator = env.funded(10_000_000_000).await;
        let authority = env.funded(1_000_000_000).await;
        let payment_mint = env.create_mint(mints.payment_program, 6, &[]).await;
        let stake_mint = if mints.same {
            payment_mint
        } else {
            env.create_mint(mints.stake_program, 9, &[]).await
        };
        let id = 1;
        let net = NetworkKeys {
            network: pda::network(&creator.pubkey(), id),
            payment_mint,
            stake_mint,
            payment_token_program: mints.payment_program,
            stake_token_program: mints.stake_program,
            genesis_ts: 0,
            epoch_seconds: default_params().epoch_seconds,
            shard_count: default_params().shard_count,
        };
        Self {
            env,
            creator,
            authority,
            id,
            net,
            mints,
            jobs: Vec::new(),
            providers: Vec::new(),
            allow_freeze: false,
        }
    }

    pub async fn network(&mut self) -> Network {
        let n = self.net.network;
        self.env.fetch(&n).await
    }

    /// A funded wallet with `payment` and `stake` tokens in its associated token accounts (where
    /// the program pays participants).
    pub async fn actor(&mut self, payment: u64, stake: u64) -> Actor {
        let kp = self.env.funded(1_000_000_000).await;
        let net = self.net;
        let pay = self
            .ata(&net.payment_mint, &kp.pubkey(), &net.payment_token_program)
            .await;
        let stk = if net.payment_mint == net.stake_mint {
            pay
        } else {
            self.ata(&net.stake_mint, &kp.pubkey(), &net.stake_token_program)
                .await
        };
        if payment > 0 {
            self.env.mint_to(&net.payment_mint, &pay, payment).await;
        }
        if stake > 0 {
            self.env.mint_to(&net.stake_mint, &stk, stake).await;
        }
        Actor {
            kp,
            payment: pay,
            stake: stk,
        }
    }

    /// `owner`'s associated token account of `mint`, created (by the test payer) and tracked for
    /// invariant 5.
    pub async fn ata(&mut self, mint: &Pubkey, owner: &Pubkey, token_program: &Pubkey) -> Pubkey {
        let payer = self.env.payer();
        let ix = spice_sdk::tokens::create_associated(&payer, owner, mint, token_program);
        Env::ok(self.env.send(&[ix], &[]).await);
        let address = spice_sdk::tokens::associated(owner, mint, token_program);
        self.env.track(*mint, address);
        address
    }

    /// A registered provider with `stake` staked (and the same again in its wallet).
    pub async fn provider(&mut self, stake: u64) -> Actor {
        let a = self.actor(0, stake * 2).await;
        let ix = ix::register_provider(&self.net, a.key(), a.stake, stake, hardware());
        Env::ok(self.env.send(&[ix], &[&a.kp]).await);
        self.track_provider(&a.key());
        a
    }

    pub fn provider_pda(&self, owner: &Pubkey) -> Pubkey {
        pda::provider(&self.net.network, owner)
    }

    pub fn track_provider(&mut self, owner: &Pubkey) {
        let p = self.provider_pda(owner);
        if !self.providers.contains(&p) {
            self.providers.push(p);
            self.env.track(self.net.stake_mint, pda::stake_vault(&p));
        }
    }

    pub async fn provider_account(&mut self, owner: &Pubkey) -> Provider {
        let p = self.provider_pda(owner);
        self.env.fetch(&p).await
    }

    pub async fn job_account(&mut self, job: &Pubkey) -> Job {
        self.env.fetch(job).await
    }

    /// The next job id of `client` (its record's counter, 0 before its first job).
    pub async fn next_job_id(&mut self, client: &Pubkey) -> u64 {
        let record = pda::client(&self.net.network, client);
        if self.env.owner(&record).await == Some(spice::ID) {
            let c: Client = self.env.fetch(&record).await;
            c.jobs_created
        } else {
            0
        }
    }

    /// Job arguments with `client`'s next id.
    pub async fn job_args(&mut self, client: &Actor, price: u64, max_units: u64) -> CreateJobArgs {
        let job_id = self.next_job_id(&client.key()).await;
        CreateJobArgs {
            job_id,
            price_per_unit: price,
            max_units,
            spec_hash: [1; 32],
            spec_uri: "https://example.org/job.toml".into(),
            target_provider: None,
            accept_seconds: JOB_WINDOW,
            run_seconds: JOB_WINDOW,
        }
    }

    /// The job address `args` will create for `client`, tracked for invariant 1.
    pub fn track_job(&mut self, client: &Pubkey, job_id: u64) -> Pubkey {
        let job = pda::job(&self.net.network, client, job_id);
        if !self.jobs.contains(&job) {
            self.jobs.push(job);
            self.env
                .track(self.net.payment_mint, pda::escrow_vault(&job));
        }
        job
    }

    /// Sends `create_job` with `args`; returns the job address.
    pub async fn try_create_job(
        &mut self,
        client: &Actor,
        args: CreateJobArgs,
    ) -> (Pubkey, Result<(), crate::BanksClientError>) {
        let job = self.track_job(&client.key(), args.job_id);
        let ix = ix::create_job(&self.net, client.key(), client.payment, args);
        let res = self.env.send(&[ix], &[&client.kp]).await;
        (job, res)
    }

    pub async fn create_job(&mut self, client: &Actor, price: u64, max_units: u64) -> Pubkey {
        let args = self.job_args(client, price, max_units).await;
        let (job, res) = self.try_create_job(client, args).await;
        Env::ok(res);
        job
    }

    /// create + accept + submit `units`.
    pub async fn submitted_job(
        &mut self,
        client: &Actor,
        provider: &Actor,
        price: u64,
        max_units: u64,
        units: u64,
    ) -> Pubkey {
        let job = self.create_job(client, price, max_units).await;
        let accept = ix::accept_job(&self.net, provider.key(), job);
        Env::ok(self.env.send(&[accept], &[&provider.kp]).await);
        Env::ok(self.submit(provider, job, units).await);
        job
    }

    /// Sends `accept_job` by `provider`'s owner.
    pub async fn accept(
        &mut self,
        provider: &Actor,
        job: Pubkey,
    ) -> Result<(), crate::BanksClientError> {
        let ix = ix::accept_job(&self.net, provider.key(), job);
        self.env.send(&[ix], &[&provider.kp]).await
    }

    /// Sends `submit_result` of `units` by `provider`'s owner.
    pub async fn submit(
        &mut self,
        provider: &Actor,
        job: Pubkey,
        units: u64,
    ) -> Result<(), crate::BanksClientError> {
        let ix = ix::submit_result(&self.net, provider.key(), job, result_args(units));
        self.env.send(&[ix], &[&provider.kp]).await
    }

    /// create + accept.
    pub async fn running_job(
        &mut self,
        client: &Actor,
        provider: &Actor,
        price: u64,
        max_units: u64,
    ) -> Pubkey {
        let job = self.create_job(client, price, max_units).await;
        Env::ok(self.accept(provider, job).await);
        job
    }

    /// The `expire_job` instruction for `job` of `client`, naming `provider`'s account if given.
    pub fn expire_ix(&self, job: Pubkey, client: &Actor, provider: Option<&Actor>) -> Instruction {
        let provider = provider.map(|p| self.provider_pda(&p.key()));
        ix::expire_job(&self.net, job, client.key(), provider)
    }

    /// Sends `expire_job` (signed by nobody but the test payer: anyone may crank it).
    pub async fn expire(
        &mut self,
        job: Pubkey,
        client: &Actor,
        provider: Option<&Actor>,
    ) -> Result<(), crate::BanksClientError> {
        let ix = self.expire_ix(job, client, provider);
        self.env.send(&[ix], &[]).await
    }

    /// Sends `set_pause` signed by the authority.
    pub async fn set_pause(&mut self, flags: u8) {
        let ix = ix::set_pause(self.authority.pubkey(), self.net.network, flags);
        let authority = self.authority.insecure_clone();
        Env::ok(self.env.send(&[ix], &[&authority]).await);
    }

    /// Sends `propose_params` signed by the authority.
    pub async fn try_propose_params(
        &mut self,
        params: Option<NetworkParams>,
    ) -> Result<(), crate::BanksClientError> {
        let ix = ix::propose_params(self.authority.pubkey(), self.net.network, params);
        let authority = self.authority.insecure_clone();
        self.env.send(&[ix], &[&authority]).await
    }

    /// Sends `apply_params` (anyone).
    pub async fn try_apply_params(&mut self) -> Result<(), crate::BanksClientError> {
        let ix = ix::apply_params(self.net.network);
        self.env.send(&[ix], &[]).await
    }

    /// Proposes `params`, waits out the governance delay (the current `unbond_seconds`; the
    /// proposal applies strictly after it) and applies them: the clock moves.
    pub async fn update_params(&mut self, params: NetworkParams) {
        let delay = self.network().await.params.unbond_seconds;
        Env::ok(self.try_propose_params(Some(params)).await);
        self.env.warp_seconds(delay + 1).await;
        Env::ok(self.try_apply_params().await);
    }

    /// Lamports a job's close returns to its client: the job account's and its escrow vault's.
    pub async fn job_rent(&mut self, job: &Pubkey) -> u64 {
        let vault = pda::escrow_vault(job);
        self.env.lamports_of(&[*job, vault]).await
    }

    /// Another network of the same creator with the same mints (for cross-network attacks).
    pub async fn second_network(&mut self, id: u64) -> NetworkKeys {
        let ix = self.create_network_ix(id, default_params());
        let creator = self.creator.insecure_clone();
        Env::ok(self.env.send(&[ix], &[&creator]).await);
        let net = NetworkKeys {
            network: pda::network(&self.creator.pubkey(), id),
            ..self.net
        };
        self.track_network_vaults(&net);
        net
    }

    /// Settlement keys for the current epoch; the test payer (who signs every transaction)
    /// pays the rent of the epoch accounts settlement creates.
    pub async fn settle_keys(
        &mut self,
        job: Pubkey,
        client: &Actor,
        provider: &Actor,
    ) -> SettleKeys {
        let now = self.env.now().await;
        SettleKeys {
            job,
            client: client.key(),
            provider: self.provider_pda(&provider.key()),
            provider_owner: provider.key(),
            payer: self.env.payer(),
            epoch: self.net.epoch_at(now),
        }
    }

    /// Invariants 1–6 of DESIGN.md: the SDK's audit on a snapshot of the runtime
    /// ([`Market::assert_audit`]).
    pub async fn check_invariants(&mut self) {
        self.assert_audit();
    }
}

/// `submit_result` arguments for `units` of work.
pub fn result_args(units: u64) -> SubmitResultArgs {
    SubmitResultArgs {
        result_hash: [9; 32],
        units,
        result_uri: "https://example.org/result.tar".into(),
    }
}

/// A mint with extensions on Token-2022, for the refusal tests.
pub async fn ext_mint(env: &mut Env, exts: &[MintExt]) -> Pubkey {
    env.create_mint(TOKEN_2022_PROGRAM, 6, exts).await
}
