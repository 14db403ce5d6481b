//! A stateful fuzzer of instruction sequences: random actions by random (sometimes wrong) actors
//! with valid and invalid arguments, against one network in the Solana runtime.
//!
//! After every successful step it checks invariants 1–5 of DESIGN.md ([`Market::check_invariants`]
//! and [`Market::check_reward_invariants`]); after every failed step it checks that the
//! transaction changed none of the accounts it named (the fee payer aside).
//!
//! Reproducible from a seed: a splitmix64 generator, actor keypairs derived from the seed.
//! The mints, the network creator and the SlotHashes sysvar are not derived from the seed (the
//! harness creates them), so the audit draw and the epoch shard of a job may differ between
//! runs of the same seed; a replay of a failing sequence may therefore not fail the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::BanksClientError;
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::system_instruction;
use solana_sdk::instruction::InstructionError;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::{Transaction, TransactionError};
use spice::instructions::{AttestArgs, CreateJobArgs, SubmitResultArgs};
use spice::state::{page_of, Job, JobState, NetworkParams, Provider, Verdict};
use spice_sdk::ix::{self, SettleKeys};
use spice_sdk::pda;

use crate::market::{default_params, hardware, Actor, Market, Mints, DAY, MIN_STAKE};
use crate::Env;

// ------------------------------------------------------------------------------------ PRNG

/// The SplitMix64 generator the simulator uses too.
pub use spice_ledger::rng::Rng;

/// A keypair derived from the seed, a role tag and an index.
fn derived_keypair(seed: u64, tag: u64, i: u64) -> Keypair {
    let mut r = Rng::new(seed ^ tag.wrapping_mul(0x1000_0000_01B3) ^ i.wrapping_mul(0xA5A5_5A5A));
    let mut bytes = [0u8; 32];
    for chunk in bytes.chunks_mut(8) {
        chunk.copy_from_slice(&r.next_u64().to_le_bytes());
    }
    Keypair::new_from_array(bytes)
}

// ------------------------------------------------------------------------------------ actions

/// A job by its client's index and its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct JobRef {
    pub client: usize,
    pub id: u64,
}

/// Which Provider account a settlement or an expiry names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderPick {
    /// The job's own provider (what an honest caller passes).
    Own,
    /// Provider `i`'s account, whoever ran the job.
    Named(usize),
    /// No provider account (expire only).
    Missing,
}

/// One step of a sequence. Every reference is by index, so a sequence replays on a fresh world.
#[derive(Clone, Debug)]
pub enum Action {
    CreateJob {
        client: usize,
        id: u64,
        price: u64,
        max_units: u64,
        target: Option<usize>,
        accept_seconds: i64,
        run_seconds: i64,
    },
    CancelJob {
        job: JobRef,
        by: usize,
    },
    AcceptJob {
        job: JobRef,
        provider: usize,
    },
    SubmitResult {
        job: JobRef,
        provider: usize,
        units: u64,
    },
    ApproveJob {
        job: JobRef,
        by: usize,
        provider: ProviderPick,
    },
    DisputeJob {
        job: JobRef,
        by: usize,
    },
    Attest {
        job: JobRef,
        attestor: usize,
        valid: bool,
        units: u64,
        pass_earlier: bool,
    },
    SettleJob {
        job: JobRef,
        provider: ProviderPick,
    },
    ExpireJob {
        job: JobRef,
        provider: ProviderPick,
    },
    DrawAudit {
        job: JobRef,
    },
    CloseAttestation {
        job: JobRef,
        attestor: usize,
    },
    Stake {
        provider: usize,
        amount: u64,
    },
    BeginUnbond {
        provider: usize,
        amount: u64,
    },
    WithdrawUnbonded {
        provider: usize,
    },
    RegisterProvider {
        provider: usize,
        amount: u64,
    },
    CloseProvider {
        provider: usize,
    },
    FinalizeEpoch {
        epoch: u64,
    },
    ClaimRewards {
        provider: usize,
        epochs: Vec<u64>,
    },
    CloseEpoch {
        epoch: u64,
    },
    FundRewards {
        amount: u64,
    },
    SetPause {
        flags: u8,
        by_authority: bool,
    },
    WarpSeconds(i64),
    WarpSlots(u64),
}

impl Action {
    pub fn kind(&self) -> &'static str {
        match self {
            Action::CreateJob { .. } => "create_job",
            Action::CancelJob { .. } => "cancel_job",
            Action::AcceptJob { .. } => "accept_job",
            Action::SubmitResult { .. } => "submit_result",
            Action::ApproveJob { .. } => "approve_job",
            Action::DisputeJob { .. } => "dispute_job",
            Action::Attest { .. } => "attest",
            Action::SettleJob { .. } => "settle_job",
            Action::ExpireJob { .. } => "expire_job",
            Action::DrawAudit { .. } => "draw_audit",
            Action::CloseAttestation { .. } => "close_attestation",
            Action::Stake { .. } => "stake",
            Action::BeginUnbond { .. } => "begin_unbond",
            Action::WithdrawUnbonded { .. } => "withdraw_unbonded",
            Action::RegisterProvider { .. } => "register_provider",
            Action::CloseProvider { .. } => "close_provider",
            Action::FinalizeEpoch { .. } => "finalize_epoch",
            Action::ClaimRewards { .. } => "claim_rewards",
            Action::CloseEpoch { .. } => "close_epoch",
            Action::FundRewards { .. } => "fund_rewards",
            Action::SetPause { .. } => "set_pause",
            Action::WarpSeconds(_) => "warp_seconds",
            Action::WarpSlots(_) => "warp_slots",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

// ------------------------------------------------------------------------------------ errors

/// A short name of a failed transaction's error.
fn error_name(err: &BanksClientError) -> String {
    let tx_err = match err {
        BanksClientError::TransactionError(e) => e,
        BanksClientError::SimulationError { err, .. } => err,
        BanksClientError::ClientError(m) => return format!("client: {m}"),
        other => return format!("{other:?}").chars().take(60).collect(),
    };
    match tx_err {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => {
            spice_sdk::errors::short_name(*code)
        }
        TransactionError::InstructionError(_, e) => format!("{e:?}"),
        other => format!("{other:?}"),
    }
}

// ------------------------------------------------------------------------------------ world

/// What a fuzz run is configured with.
#[derive(Clone, Copy, Debug)]
pub struct FuzzConfig {
    pub seed: u64,
    pub steps: usize,
}

impl FuzzConfig {
    /// From `FUZZ_SEED` and `FUZZ_STEPS`, with defaults.
    pub fn from_env(default_seed: u64, default_steps: usize) -> Self {
        let seed = std::env::var("FUZZ_SEED")
            .ok()
            .and_then(|s| {
                let s = s.trim();
                match s.strip_prefix("0x") {
                    Some(h) => u64::from_str_radix(h, 16).ok(),
                    None => s.parse().ok(),
                }
            })
            .unwrap_or(default_seed);
        let steps = std::env::var("FUZZ_STEPS")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(default_steps);
        Self { seed, steps }
    }
}

pub const PROVIDERS: usize = 3;
pub const CLIENTS: usize = 3;
pub const ATTESTORS: usize = 3;
const REWARD_POOL: u64 = 50_000_000_000;

/// The fuzzed network's parameters: every window short enough to cross with clock warps.
pub fn fuzz_params() -> NetworkParams {
    NetworkParams {
        audit_rate_bps: 3_000,
        attestation_quorum: 2,
        epoch_seconds: spice::constants::MIN_EPOCH_SECONDS,
        unbond_seconds: DAY,
        claim_window_epochs: 24,
        max_reward_outflow_per_window: 2_000_000_000,
        // The breaker's window may not be longer than an epoch.
        outflow_window_seconds: spice::constants::MIN_EPOCH_SECONDS,
        ..default_params()
    }
}

/// Counters of a run.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub steps: usize,
    pub ok: BTreeMap<&'static str, usize>,
    pub failed: BTreeMap<String, usize>,
    pub failed_by_kind: BTreeMap<&'static str, usize>,
    /// Wall time in transactions, in snapshots of failed steps' accounts, in invariant checks.
    pub send_secs: f64,
    pub snapshot_secs: f64,
    pub check_secs: f64,
}

impl Stats {
    pub fn successes(&self) -> usize {
        self.ok.values().sum()
    }
    pub fn failures(&self) -> usize {
        self.failed.values().sum()
    }
}

/// Largest serialized transaction a cluster accepts.
const PACKET_DATA_SIZE: usize = 1232;

/// Owner of the sysvar accounts.
const SYSVAR_OWNER: Pubkey = Pubkey::from_str_const("Sysvar1111111111111111111111111111111111111");

/// Successful steps between two full checks ([`World::check`]); every successful step gets the
/// local check ([`World::local_check`]).
pub const FULL_CHECK_EVERY: usize = 25;

type Snapshot = Vec<(Pubkey, Option<(u64, Pubkey, Vec<u8>)>)>;

/// The world a sequence runs in, and the fuzzer's knowledge of it.
pub struct World {
    pub m: Market,
    pub providers: Vec<Actor>,
    pub clients: Vec<Actor>,
    pub attestors: Vec<Keypair>,
    pub funder: Actor,
    /// Jobs created and not yet seen closed.
    pub live_jobs: Vec<JobRef>,
    /// Every job created (for attempts on closed jobs and re-used ids).
    pub used_ids: Vec<JobRef>,
    /// Epochs with a settlement not yet finalized.
    pub pending_epochs: BTreeSet<u64>,
    /// Finalized epochs not yet closed (invariant 4 checks these).
    pub live_epochs: BTreeSet<u64>,
    pub stats: Stats,
    nonce: u32,
    successes: usize,
}

impl World {
    pub async fn new(seed: u64) -> Self {
        let mut m = Market::with_params(Mints::MIXED, fuzz_params()).await;
        let mut providers = Vec::new();
        for i in 0..PROVIDERS {
            let kp = derived_keypair(seed, 1, i as u64);
            let a = actor_from(&mut m, kp, 0, 1_000 * MIN_STAKE).await;
            let reg = ix::register_provider(&m.net, a.key(), a.stake, 10 * MIN_STAKE, hardware());
            Env::ok(m.env.send(&[reg], &[&a.kp]).await);
            m.track_provider(&a.key());
            providers.push(a);
        }
        let mut clients = Vec::new();
        for i in 0..CLIENTS {
            let kp = derived_keypair(seed, 2, i as u64);
            clients.push(actor_from(&mut m, kp, 1_000_000_000_000_000, 0).await);
        }
        let mut attestors = Vec::new();
        for i in 0..ATTESTORS {
            let kp = derived_keypair(seed, 3, i as u64);
            fund_lamports(&mut m, &kp.pubkey()).await;
            let add = ix::add_attestor(m.authority.pubkey(), m.net.network, kp.pubkey());
            let auth = m.authority.insecure_clone();
            Env::ok(m.env.send(&[add], &[&auth]).await);
            attestors.push(kp);
        }
        // Additions take effect after the governance delay; attestors vote only on jobs
        // accepted from then on.
        let delay = m.network().await.params.unbond_seconds;
        m.env.warp_seconds(delay).await;
        let funder = actor_from(&mut m, derived_keypair(seed, 4, 0), 0, 10 * REWARD_POOL).await;
        let fund = ix::fund_rewards(&m.net, funder.key(), funder.stake, REWARD_POOL);
        Env::ok(m.env.send(&[fund], &[&funder.kp]).await);
        m.check_invariants().await;
        Self {
            m,
            providers,
            clients,
            attestors,
            funder,
            live_jobs: Vec::new(),
            used_ids: Vec::new(),
            pending_epochs: BTreeSet::new(),
            live_epochs: BTreeSet::new(),
            stats: Stats::default(),
            nonce: 0,
            successes: 0,
        }
    }

    fn job_key(&self, j: JobRef) -> Pubkey {
        pda::job(&self.m.net.network, &self.clients[j.client].key(), j.id)
    }

    async fn job(&mut self, j: JobRef) -> Option<Job> {
        let key = self.job_key(j);
        if self.m.env.owner(&key).await == Some(spice::ID) {
            Some(self.m.env.fetch(&key).await)
        } else {
            None
        }
    }

    /// Index of the provider whose Provider account ran `job`.
    fn provider_index(&self, job: &Option<Job>) -> Option<usize> {
        let p = job.as_ref()?.provider?;
        (0..PROVIDERS).find(|i| self.m.provider_pda(&self.providers[*i].key()) == p)
    }

    async fn settle_keys(&mut self, j: JobRef, pick: ProviderPick) -> SettleKeys {
        let job = self.job(j).await;
        let p = match pick {
            ProviderPick::Named(i) => i,
            _ => self.provider_index(&job).unwrap_or(0),
        };
        let now = self.m.env.now().await;
        SettleKeys {
            job: self.job_key(j),
            client: self.clients[j.client].key(),
            provider: self.m.provider_pda(&self.providers[p].key()),
            provider_owner: self.providers[p].key(),
            payer: self.m.env.payer(),
            epoch: self.m.net.epoch_at(now),
        }
    }

    /// The attestors that already voted on `j`, but `except`.
    async fn voters(&mut self, j: JobRef, except: usize) -> Vec<Pubkey> {
        let job = self.job_key(j);
        let mut out = Vec::new();
        for i in 0..ATTESTORS {
            let key = self.attestors[i].pubkey();
            if i != except && self.m.env.exists(&pda::attestation(&job, &key)).await {
                out.push(key);
            }
        }
        out
    }

    /// The instruction and extra signers of an action (None for clock and slot warps).
    async fn instruction(&mut self, a: &Action) -> Option<(Instruction, Vec<Keypair>)> {
        let net = self.m.net;
        let out = match a {
            Action::CreateJob {
                client,
                id,
                price,
                max_units,
                target,
                accept_seconds,
                run_seconds,
            } => {
                let c = &self.clients[*client];
                let args = CreateJobArgs {
                    job_id: *id,
                    price_per_unit: *price,
                    max_units: *max_units,
                    spec_hash: [1; 32],
                    spec_uri: "https://example.org/job.toml".into(),
                    target_provider: target.map(|p| self.m.provider_pda(&self.providers[p].key())),
                    accept_seconds: *accept_seconds,
                    run_seconds: *run_seconds,
                };
                let (key, kp) = (c.key(), c.kp.insecure_clone());
                let ix = ix::create_job(&net, key, c.payment, args);
                self.m.track_job(&key, *id);
                (ix, vec![kp])
            }
            Action::CancelJob { job, by } => {
                let c = &self.clients[*by];
                let ix = ix::cancel_job(&net, c.key(), self.job_key(*job));
                (ix, vec![c.kp.insecure_clone()])
            }
            Action::AcceptJob { job, provider } => {
                let p = &self.providers[*provider];
                let ix = ix::accept_job(&net, p.key(), self.job_key(*job));
                (ix, vec![p.kp.insecure_clone()])
            }
            Action::SubmitResult {
                job,
                provider,
                units,
            } => {
                let p = &self.providers[*provider];
                let args = SubmitResultArgs {
                    result_hash: [9; 32],
                    units: *units,
                    result_uri: "https://example.org/result.tar".into(),
                };
                let ix = ix::submit_result(&net, p.key(), self.job_key(*job), args);
                (ix, vec![p.kp.insecure_clone()])
            }
            Action::ApproveJob { job, by, provider } => {
                let mut keys = self.settle_keys(*job, *provider).await;
                let c = &self.clients[*by];
                keys.client = c.key();
                // approve: the client signs and pays the epoch accounts' rent.
                keys.payer = c.key();
                (ix::approve_job(&net, &keys), vec![c.kp.insecure_clone()])
            }
            Action::DisputeJob { job, by } => {
                let c = &self.clients[*by];
                let ix = ix::dispute_job(&net, c.key(), self.job_key(*job));
                (ix, vec![c.kp.insecure_clone()])
            }
            Action::Attest {
                job,
                attestor,
                valid,
                units,
                pass_earlier,
            } => {
                let mut keys = self.settle_keys(*job, ProviderPick::Own).await;
                let att = self.attestors[*attestor].insecure_clone();
                keys.payer = att.pubkey();
                let earlier = if *pass_earlier {
                    self.voters(*job, *attestor).await
                } else {
                    Vec::new()
                };
                let args = AttestArgs {
                    verdict: if *valid {
                        Verdict::Valid
                    } else {
                        Verdict::Invalid
                    },
                    measured_units: *units,
                    evidence_hash: [5; 32],
                    evidence_uri: "https://example.org/evidence".into(),
                };
                let ix = ix::attest(&net, &keys, att.pubkey(), args, &earlier);
                (ix, vec![att])
            }
            Action::SettleJob { job, provider } => {
                let keys = self.settle_keys(*job, *provider).await;
                (ix::settle_job(&net, &keys), vec![])
            }
            Action::ExpireJob { job, provider } => {
                let p = match provider {
                    ProviderPick::Own => {
                        let j = self.job(*job).await;
                        self.provider_index(&j)
                    }
                    ProviderPick::Named(i) => Some(*i),
                    ProviderPick::Missing => None,
                };
                let p = p.map(|i| self.m.provider_pda(&self.providers[i].key()));
                let c = &self.clients[job.client];
                let ix = ix::expire_job(&net, self.job_key(*job), c.key(), p);
                (ix, vec![])
            }
            Action::DrawAudit { job } => (ix::draw_audit(&net, self.job_key(*job)), vec![]),
            Action::CloseAttestation { job, attestor } => {
                let att = self.attestors[*attestor].insecure_clone();
                let ix = ix::close_attestation(self.job_key(*job), att.pubkey());
                (ix, vec![att])
            }
            Action::Stake { provider, amount } => {
                let p = &self.providers[*provider];
                let ix = ix::stake(&net, p.key(), p.stake, *amount);
                (ix, vec![p.kp.insecure_clone()])
            }
            Action::BeginUnbond { provider, amount } => {
                let p = &self.providers[*provider];
                let ix = ix::begin_unbond(&net, p.key(), *amount);
                (ix, vec![p.kp.insecure_clone()])
            }
            Action::WithdrawUnbonded { provider } => {
                let p = &self.providers[*provider];
                let ix = ix::withdraw_unbonded(&net, p.key(), p.stake);
                (ix, vec![p.kp.insecure_clone()])
            }
            Action::RegisterProvider { provider, amount } => {
                let p = &self.providers[*provider];
                let ix = ix::register_provider(&net, p.key(), p.stake, *amount, hardware());
                (ix, vec![p.kp.insecure_clone()])
            }
            Action::CloseProvider { provider } => {
                let p = &self.providers[*provider];
                let ix = ix::close_provider(&net, p.key(), p.stake);
                (ix, vec![p.kp.insecure_clone()])
            }
            Action::FinalizeEpoch { epoch } => {
                let payer = self.m.env.payer();
                (ix::finalize_epoch(&net, payer, *epoch), vec![])
            }
            Action::ClaimRewards { provider, epochs } => {
                let p = self.providers[*provider].kp.insecure_clone();
                let a = Actor {
                    kp: p.insecure_clone(),
                    payment: self.providers[*provider].payment,
                    stake: self.providers[*provider].stake,
                };
                (self.m.claim_ix(&a, epochs), vec![p])
            }
            Action::CloseEpoch { epoch } => (ix::close_epoch(&net, *epoch), vec![]),
            Action::FundRewards { amount } => {
                let f = &self.funder;
                let ix = ix::fund_rewards(&net, f.key(), f.stake, *amount);
                (ix, vec![f.kp.insecure_clone()])
            }
            Action::SetPause {
                flags,
                by_authority,
            } => {
                let signer = if *by_authority {
                    self.m.authority.insecure_clone()
                } else {
                    self.clients[0].kp.insecure_clone()
                };
                (
                    ix::set_pause(signer.pubkey(), net.network, *flags),
                    vec![signer],
                )
            }
            Action::WarpSeconds(_) | Action::WarpSlots(_) => return None,
        };
        Some(out)
    }

    /// Sends one instruction, processed at once by the working bank (`Env::send` goes through
    /// `process_transaction`, which polls for the signature status with sleeps: 40+ ms a
    /// transaction). A compute-limit instruction with a per-call value keeps transactions distinct.
    async fn send(
        &mut self,
        ix: &Instruction,
        signers: &[&Keypair],
    ) -> Result<(), BanksClientError> {
        self.nonce = self.nonce.wrapping_add(1);
        let mut data = vec![2u8];
        data.extend_from_slice(&(1_000_000 + self.nonce % 200_000).to_le_bytes());
        let budget = Instruction {
            program_id: Pubkey::from_str_const("ComputeBudget111111111111111111111111111111"),
            accounts: vec![],
            data,
        };
        let blockhash = self
            .m
            .env
            .ctx
            .banks_client
            .get_latest_blockhash()
            .await
            .expect("latest blockhash");
        let mut keys: Vec<&Keypair> = vec![&self.m.env.ctx.payer];
        keys.extend_from_slice(signers);
        let tx = Transaction::new_signed_with_payer(
            &[budget, ix.clone()],
            Some(&self.m.env.ctx.payer.pubkey()),
            &keys,
            blockhash,
        );
        // A cluster refuses a transaction over the packet size before any program runs;
        // `process_transaction_with_metadata` does not (and the runtime's signature filter
        // panics on more than 38 account keys), so refuse it here the same way.
        let size = 1 + 64 * tx.signatures.len() + tx.message.serialize().len();
        if size > PACKET_DATA_SIZE {
            return Err(BanksClientError::ClientError("transaction too large"));
        }
        let res = self
            .m
            .env
            .ctx
            .banks_client
            .process_transaction_with_metadata(tx)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "banks server dropped the transaction ({e:?}): the program probably panicked \
                     inside the runtime (look for 'panicked at programs/' above)"
                )
            });
        res.result.map_err(BanksClientError::TransactionError)
    }

    async fn snapshot(&mut self, ix: &Instruction) -> Snapshot {
        let payer = self.m.env.payer();
        let mut keys: Vec<Pubkey> = ix.accounts.iter().map(|m| m.pubkey).collect();
        keys.sort();
        keys.dedup();
        let mut out = Vec::new();
        for k in keys {
            if k == payer {
                continue;
            }
            let acc = self
                .m
                .env
                .ctx
                .banks_client
                .get_account(k)
                .await
                .expect("get_account");
            match acc {
                // Programs and sysvars: not state an instruction can change.
                Some(a) if a.executable || a.owner == SYSVAR_OWNER => {}
                Some(a) => out.push((k, Some((a.lamports, a.owner, a.data)))),
                None => out.push((k, None)),
            }
        }
        out
    }

    /// Runs one action; panics on an invariant violation or a failed transaction that changed
    /// state.
    pub async fn step(&mut self, a: &Action) {
        self.stats.steps += 1;
        match a {
            Action::WarpSeconds(s) => {
                self.m.env.warp_seconds(*s).await;
                *self.stats.ok.entry(a.kind()).or_default() += 1;
                return;
            }
            Action::WarpSlots(n) => {
                self.m.env.warp_slots(*n).await;
                *self.stats.ok.entry(a.kind()).or_default() += 1;
                return;
            }
            _ => {}
        }
        let Some((ix, signers)) = self.instruction(a).await else {
            return;
        };
        let now = self.m.env.now().await;
        let epoch_now = self.m.net.epoch_at(now);
        let t = Instant::now();
        let before = self.snapshot(&ix).await;
        self.stats.snapshot_secs += t.elapsed().as_secs_f64();
        let refs: Vec<&Keypair> = signers.iter().collect();
        let t = Instant::now();
        let res = self.send(&ix, &refs).await;
        self.stats.send_secs += t.elapsed().as_secs_f64();
        match res {
            Err(e) => {
                let name = error_name(&e);
                *self.stats.failed.entry(name.clone()).or_default() += 1;
                *self.stats.failed_by_kind.entry(a.kind()).or_default() += 1;
                if let Action::FinalizeEpoch { epoch } = a {
                    if name == "ClaimWindowClosed" || name == "EpochAlreadyFinalized" {
                        self.pending_epochs.remove(epoch);
                    }
                }
                let after = self.snapshot(&ix).await;
                for ((k, b), (_, af)) in before.iter().zip(after.iter()) {
                    assert!(
                        b == af,
                        "failed step changed state: {} failed with {name} but account {k} changed",
                        a.kind()
                    );
                }
            }
            Ok(()) => {
                *self.stats.ok.entry(a.kind()).or_default() += 1;
                self.after_success(a, epoch_now).await;
                // Self-test of the failure report and the shrinker: FUZZ_SELFTEST=<action>:<n>
                // fails the run at the n-th success of that action.
                if let Some((kind, n)) = std::env::var("FUZZ_SELFTEST").ok().and_then(|v| {
                    v.split_once(':')
                        .map(|(k, n)| (k.to_string(), n.parse().ok()))
                }) {
                    assert!(
                        kind != a.kind() || Some(self.stats.ok[a.kind()]) != n,
                        "selftest: injected failure at success {n:?} of {kind}"
                    );
                }
                let t = Instant::now();
                let after = self.snapshot(&ix).await;
                self.local_check(a, &before, &after).await;
                self.successes += 1;
                if self.successes.is_multiple_of(FULL_CHECK_EVERY) {
                    self.check().await;
                }
                self.stats.check_secs += t.elapsed().as_secs_f64();
            }
        }
    }

    async fn after_success(&mut self, a: &Action, epoch_now: u64) {
        match a {
            Action::CreateJob { client, id, .. } => {
                let j = JobRef {
                    client: *client,
                    id: *id,
                };
                if !self.live_jobs.contains(&j) {
                    self.live_jobs.push(j);
                }
                if !self.used_ids.contains(&j) {
                    self.used_ids.push(j);
                }
            }
            Action::ApproveJob { .. } | Action::SettleJob { .. } | Action::Attest { .. } => {
                self.pending_epochs.insert(epoch_now);
            }
            Action::RegisterProvider { provider, .. } => {
                let owner = self.providers[*provider].key();
                self.m.track_provider(&owner);
            }
            Action::FinalizeEpoch { epoch } => {
                self.pending_epochs.remove(epoch);
                self.live_epochs.insert(*epoch);
            }
            Action::CloseEpoch { epoch } => {
                self.live_epochs.remove(epoch);
            }
            _ => {}
        }
    }

    /// Invariants 1–5 after a successful step, over the accounts the instruction named: a
    /// transaction can write no other account, so this is complete for the step at a cost
    /// bounded by the instruction's size.
    /// - 1: every named Job's escrow vault holds its escrow; a named Job that closed has no vault.
    /// - 2: every named Provider's stake vault holds stake + unbonding; closed: no vault.
    /// - 3 and 4: the network's reward totals, and every epoch whose Epoch or shard was named.
    /// - 5: per mint, the balances of the named token accounts add up to the same before and
    ///   after (tokens can only move between named accounts), and no supply changed.
    pub async fn local_check(&mut self, a: &Action, before: &Snapshot, after: &Snapshot) {
        use anchor_lang::AccountDeserialize;
        use anchor_spl::token_2022::spl_token_2022::extension::StateWithExtensions;
        use anchor_spl::token_2022::spl_token_2022::state::{Account as TokenAccount, Mint};
        use spice::state::{EpochBook, EpochShard};
        let token_programs = [crate::TOKEN_PROGRAM, crate::TOKEN_2022_PROGRAM];
        for mint in [self.m.net.payment_mint, self.m.net.stake_mint] {
            let sum = |snap: &Snapshot| -> (u128, Option<u64>) {
                let (mut total, mut supply) = (0u128, None);
                for (k, acc) in snap {
                    let Some((_, owner, data)) = acc else {
                        continue;
                    };
                    if !token_programs.contains(owner) {
                        continue;
                    }
                    if *k == mint {
                        supply = StateWithExtensions::<Mint>::unpack(data)
                            .ok()
                            .map(|m| m.base.supply);
                    } else if let Ok(t) = StateWithExtensions::<TokenAccount>::unpack(data) {
                        if t.base.mint == mint {
                            total += u128::from(t.base.amount);
                        }
                    }
                }
                (total, supply)
            };
            let (b, a_) = (sum(before), sum(after));
            assert_eq!(
                b,
                a_,
                "invariant 5: {} moved tokens of {mint} out of or into the accounts it named, or \
                 changed the supply (named sum, supply) before/after",
                a.kind()
            );
        }
        let mut epochs = Vec::new();
        for ((k, b), (_, af)) in before.iter().zip(after.iter()) {
            let was_spice = matches!(b, Some((_, o, _)) if *o == spice::ID);
            match af {
                Some((_, owner, data)) if *owner == spice::ID => {
                    let mut d = data.as_slice();
                    if let Ok(job) = Job::try_deserialize(&mut d) {
                        let held = self.m.env.balance(&pda::escrow_vault(k)).await;
                        assert_eq!(held, job.escrowed, "invariant 1: escrow of job {k}");
                        continue;
                    }
                    let mut d = data.as_slice();
                    if let Ok(p) = Provider::try_deserialize(&mut d) {
                        let held = self.m.env.balance(&pda::stake_vault(k)).await;
                        assert_eq!(held, p.stake + p.unbonding, "invariant 2: stake of {k}");
                        continue;
                    }
                    let mut d = data.as_slice();
                    if let Ok(b) = EpochBook::try_deserialize(&mut d) {
                        let first = b.page * spice::constants::EPOCHS_PER_PAGE;
                        epochs.extend(first..first + spice::constants::EPOCHS_PER_PAGE);
                        continue;
                    }
                    let mut d = data.as_slice();
                    if let Ok(sh) = EpochShard::try_deserialize(&mut d) {
                        epochs.push(sh.epoch);
                    }
                }
                _ if was_spice => {
                    // A program account closed: whichever vault it owned must be gone too.
                    let Some((_, _, data)) = b else { continue };
                    let mut d = data.as_slice();
                    if Job::try_deserialize(&mut d).is_ok() {
                        let vault = pda::escrow_vault(k);
                        assert!(
                            !self.m.env.exists(&vault).await,
                            "escrow vault of closed job {k} still open"
                        );
                        // Verified closed: out of the per-step lists.
                        let net = self.m.net.network;
                        let clients: Vec<Pubkey> = self.clients.iter().map(|c| c.key()).collect();
                        self.live_jobs
                            .retain(|j| pda::job(&net, &clients[j.client], j.id) != *k);
                        self.m.jobs.retain(|j| j != k);
                        self.m.env.tracked.retain(|(_, acc)| *acc != vault);
                    }
                    let mut d = data.as_slice();
                    if Provider::try_deserialize(&mut d).is_ok() {
                        let vault = pda::stake_vault(k);
                        assert!(
                            !self.m.env.exists(&vault).await,
                            "stake vault of closed provider {k} still open"
                        );
                    }
                }
                _ => {}
            }
        }
        epochs.sort();
        epochs.dedup();
        self.m.check_reward_invariants(&epochs).await;
    }

    /// Invariants 1–5 over what is live (the harness's checks); closed jobs leave the per-step checks once their escrow
    /// vault is verified closed.
    pub async fn check(&mut self) {
        let mut still = Vec::new();
        for j in self.live_jobs.clone() {
            let key = self.job_key(j);
            if self.m.env.exists(&key).await {
                still.push(j);
                continue;
            }
            let vault = pda::escrow_vault(&key);
            assert!(
                !self.m.env.exists(&vault).await,
                "escrow vault of closed job {j:?} still open"
            );
            self.m.jobs.retain(|k| *k != key);
            self.m.env.tracked.retain(|(_, acc)| *acc != vault);
        }
        self.live_jobs = still;
        // Jobs tracked by a create that failed: nothing was created.
        let live: Vec<Pubkey> = self.live_jobs.iter().map(|j| self.job_key(*j)).collect();
        for key in self.m.jobs.clone() {
            if !live.contains(&key) && !self.m.env.exists(&key).await {
                let vault = pda::escrow_vault(&key);
                assert!(!self.m.env.exists(&vault).await, "orphan escrow vault");
                self.m.jobs.retain(|k| *k != key);
                self.m.env.tracked.retain(|(_, acc)| *acc != vault);
            }
        }
        self.m.check_invariants().await;
        let epochs: Vec<u64> = self.live_epochs.iter().copied().collect();
        self.m.check_reward_invariants(&epochs).await;
    }

    /// Invariant 6 at the end of a run: with the pauses lifted and the clock moved on, every
    /// live escrow is released by settle or expire, and every stake vault by unbond, withdraw
    /// and close; all without the authority but for lifting the pauses (exits ignore pauses).
    pub async fn drain(&mut self) {
        self.step(&Action::SetPause {
            flags: 0,
            by_authority: true,
        })
        .await;
        for _round in 0..4 {
            self.step(&Action::WarpSeconds(3 * DAY)).await;
            self.step(&Action::WarpSlots(1)).await;
            for j in self.live_jobs.clone() {
                for a in [
                    Action::DrawAudit { job: j },
                    Action::SettleJob {
                        job: j,
                        provider: ProviderPick::Own,
                    },
                    Action::ExpireJob {
                        job: j,
                        provider: ProviderPick::Own,
                    },
                ] {
                    if self.job(j).await.is_none() {
                        break;
                    }
                    self.step(&a).await;
                }
            }
        }
        for j in self.live_jobs.clone() {
            let job = self.job(j).await;
            assert!(
                job.is_none(),
                "invariant 6: job {j:?} still holds its escrow after settle/expire: {job:?}"
            );
        }
        for i in 0..PROVIDERS {
            let key = self.m.provider_pda(&self.providers[i].key());
            if self.m.env.owner(&key).await != Some(spice::ID) {
                continue;
            }
            let p: Provider = self.m.env.fetch(&key).await;
            if p.stake > 0 {
                self.step(&Action::BeginUnbond {
                    provider: i,
                    amount: p.stake,
                })
                .await;
            }
            let unbond = self.m.network().await.params.unbond_seconds;
            self.step(&Action::WarpSeconds(unbond + 1)).await;
            self.step(&Action::WithdrawUnbonded { provider: i }).await;
            self.step(&Action::CloseProvider { provider: i }).await;
            let vault = pda::stake_vault(&key);
            let left = self.m.env.balance(&vault).await;
            let after: Option<Provider> = if self.m.env.owner(&key).await == Some(spice::ID) {
                Some(self.m.env.fetch(&key).await)
            } else {
                None
            };
            assert!(
                left == 0 && after.is_none(),
                "invariant 6: provider {i} keeps {left} in its stake vault after unbond, \
                 withdraw and close: {after:?}"
            );
        }
        self.check().await;
    }

    // -------------------------------------------------------------------------- generation

    /// A random action, weighted towards what the current state makes meaningful.
    pub async fn generate(&mut self, r: &mut Rng) -> Action {
        let roll = r.below(100);
        if roll < 38 && !self.live_jobs.is_empty() {
            let j = self.live_jobs[r.index(self.live_jobs.len())];
            return self.job_action(r, j).await;
        }
        if roll < 52 {
            return self.create_action(r).await;
        }
        match roll {
            52..=60 => {
                let s = match r.below(20) {
                    0..=9 => r.range(1, 600),
                    10..=15 => r.range(600, 3_600),
                    16..=18 => r.range(3_600, DAY as u64 / 2),
                    _ => r.range(DAY as u64 / 2, 3 * DAY as u64),
                };
                Action::WarpSeconds(s as i64)
            }
            61..=68 => Action::WarpSlots(if r.chance(5) {
                r.range(500, 600)
            } else {
                r.range(1, 4)
            }),
            69..=80 => self.provider_action(r).await,
            81..=94 => self.reward_action(r).await,
            95..=96 => {
                let flags = if r.chance(50) {
                    0
                } else if r.chance(80) {
                    1u8 << r.below(4)
                } else {
                    r.below(256) as u8
                };
                Action::SetPause {
                    flags,
                    by_authority: r.chance(85),
                }
            }
            _ => {
                let job = if !self.used_ids.is_empty() && r.chance(90) {
                    self.used_ids[r.index(self.used_ids.len())]
                } else {
                    JobRef {
                        client: r.index(CLIENTS),
                        id: 0,
                    }
                };
                Action::CloseAttestation {
                    job,
                    attestor: r.index(ATTESTORS),
                }
            }
        }
    }

    async fn create_action(&mut self, r: &mut Rng) -> Action {
        let client = r.index(CLIENTS);
        // The client's next id (its record's counter), now and then a wrong one: an id it used
        // already, or one ahead of its counter.
        let next = self.m.next_job_id(&self.clients[client].key()).await;
        let id = match r.below(40) {
            0 if next > 0 => r.below(next),
            1 => next + r.range(1, 3),
            _ => next,
        };
        let price = match r.below(20) {
            0 => 0,
            1 => u64::MAX / r.range(1, 4),
            2 => r.range(1 << 32, 1 << 40),
            _ => r.range(1, 10_000),
        };
        let max_units = match r.below(20) {
            0 => 0,
            1 => u64::MAX / r.range(1, 4),
            2 => r.range(1 << 32, 1 << 40),
            _ => r.range(1, 1_000),
        };
        let window = |r: &mut Rng| match r.below(20) {
            0 => r.below(60) as i64,
            1 => r.range(DAY as u64 * 3, DAY as u64 * 40) as i64,
            2 => -(r.range(1, 100) as i64),
            3..=5 => r.range(60, 3_600) as i64,
            _ => r.range(3_600, DAY as u64) as i64,
        };
        let accept_seconds = window(r);
        let run_seconds = window(r);
        Action::CreateJob {
            client,
            id,
            price,
            max_units,
            target: if r.chance(15) {
                Some(r.index(PROVIDERS))
            } else {
                None
            },
            accept_seconds,
            run_seconds,
        }
    }

    async fn job_action(&mut self, r: &mut Rng, job: JobRef) -> Action {
        let j = self.job(job).await;
        let own_p = self.provider_index(&j);
        let state = j.as_ref().map(|j| j.state);
        // Mostly the right actor; sometimes anyone.
        let client = if r.chance(88) {
            job.client
        } else {
            r.index(CLIENTS)
        };
        let provider = match own_p {
            Some(p) if r.chance(88) => p,
            _ => r.index(PROVIDERS),
        };
        let pick = if r.chance(92) {
            ProviderPick::Own
        } else {
            ProviderPick::Named(r.index(PROVIDERS))
        };
        let reported = j.as_ref().map(|j| j.reported_units).unwrap_or(1);
        let max_units = j.as_ref().map(|j| j.max_units).unwrap_or(1);
        let attest = |r: &mut Rng| Action::Attest {
            job,
            attestor: r.index(ATTESTORS),
            valid: r.chance(60),
            units: match r.below(10) {
                0 => u64::MAX,
                1 => 0,
                _ => r.range(0, reported.saturating_add(5)),
            },
            pass_earlier: r.chance(90),
        };
        // A state-blind action now and then, to exercise wrong-state refusals.
        let state = if r.chance(15) { None } else { state };
        match state {
            Some(JobState::Open) => match r.below(10) {
                0..=6 => Action::AcceptJob { job, provider },
                7..=8 => Action::CancelJob { job, by: client },
                _ => Action::ExpireJob {
                    job,
                    provider: pick,
                },
            },
            Some(JobState::Running) => match r.below(10) {
                0..=7 => Action::SubmitResult {
                    job,
                    provider,
                    units: match r.below(10) {
                        0 => max_units.saturating_add(r.range(1, 10)),
                        1 => u64::MAX,
                        2 => 0,
                        _ => r.range(1, max_units.max(1)),
                    },
                },
                _ => Action::ExpireJob {
                    job,
                    provider: if r.chance(90) {
                        pick
                    } else {
                        ProviderPick::Missing
                    },
                },
            },
            Some(JobState::Submitted) => match r.below(12) {
                0..=3 => Action::ApproveJob {
                    job,
                    by: client,
                    provider: pick,
                },
                4 => Action::DisputeJob { job, by: client },
                5..=6 => attest(r),
                7..=8 => Action::SettleJob {
                    job,
                    provider: pick,
                },
                9..=10 => Action::DrawAudit { job },
                _ => Action::ExpireJob {
                    job,
                    provider: pick,
                },
            },
            Some(JobState::Disputed) => match r.below(10) {
                0..=5 => attest(r),
                6..=7 => Action::SettleJob {
                    job,
                    provider: pick,
                },
                _ => Action::ExpireJob {
                    job,
                    provider: pick,
                },
            },
            None => match r.below(11) {
                0 => Action::CancelJob { job, by: client },
                1 => Action::AcceptJob { job, provider },
                2 => Action::SubmitResult {
                    job,
                    provider,
                    units: r.range(0, 100),
                },
                3 => Action::ApproveJob {
                    job,
                    by: client,
                    provider: pick,
                },
                4 => Action::DisputeJob { job, by: client },
                5 => attest(r),
                6 => Action::SettleJob {
                    job,
                    provider: pick,
                },
                7 => Action::ExpireJob {
                    job,
                    provider: ProviderPick::Missing,
                },
                8 => Action::DrawAudit { job },
                9 => Action::ExpireJob {
                    job,
                    provider: pick,
                },
                _ => Action::CloseAttestation {
                    job,
                    attestor: r.index(ATTESTORS),
                },
            },
        }
    }

    async fn provider_action(&mut self, r: &mut Rng) -> Action {
        let provider = r.index(PROVIDERS);
        let key = self.m.provider_pda(&self.providers[provider].key());
        let acc: Option<Provider> = if self.m.env.owner(&key).await == Some(spice::ID) {
            Some(self.m.env.fetch(&key).await)
        } else {
            None
        };
        let amount = |r: &mut Rng, around: u64| match r.below(12) {
            0 => 0,
            1 => u64::MAX,
            2 => around,
            _ => r.range(1, around.max(1)),
        };
        match acc {
            None => match r.below(10) {
                0..=7 => Action::RegisterProvider {
                    provider,
                    amount: if r.chance(80) {
                        r.range(MIN_STAKE, 20 * MIN_STAKE)
                    } else {
                        amount(r, MIN_STAKE)
                    },
                },
                _ => Action::Stake {
                    provider,
                    amount: MIN_STAKE,
                },
            },
            Some(p) => match r.below(12) {
                0..=2 => Action::Stake {
                    provider,
                    amount: amount(r, 5 * MIN_STAKE),
                },
                3..=5 => Action::BeginUnbond {
                    provider,
                    amount: if r.chance(30) {
                        p.stake
                    } else if r.chance(50) {
                        p.stake.saturating_sub(MIN_STAKE)
                    } else {
                        amount(r, p.stake)
                    },
                },
                6..=8 => Action::WithdrawUnbonded { provider },
                9..=10 => Action::CloseProvider { provider },
                _ => Action::RegisterProvider {
                    provider,
                    amount: MIN_STAKE,
                },
            },
        }
    }

    async fn reward_action(&mut self, r: &mut Rng) -> Action {
        let now = self.m.env.now().await;
        let current = self.m.net.epoch_at(now);
        match r.below(10) {
            0..=3 => {
                let epoch = match self.pending_epochs.iter().next() {
                    Some(e) if r.chance(70) => *e,
                    _ => current.saturating_sub(r.below(4)) + u64::from(r.chance(10)),
                };
                Action::FinalizeEpoch { epoch }
            }
            4..=7 => {
                let provider = r.index(PROVIDERS);
                let p = self.m.provider_pda(&self.providers[provider].key());
                let mut epochs = Vec::new();
                for e in self.live_epochs.clone() {
                    let has = self.m.env.exists(&pda::provider_book(&p, page_of(e))).await;
                    if epochs.len() < 8 && ((has && r.chance(85)) || r.chance(3)) {
                        epochs.push(e);
                    }
                }
                if epochs.is_empty() || r.chance(5) {
                    epochs.push(current.saturating_sub(r.below(3)));
                }
                if r.chance(3) {
                    let e = epochs[0];
                    epochs.push(e);
                }
                Action::ClaimRewards { provider, epochs }
            }
            8 => {
                let epoch = match self.live_epochs.iter().next() {
                    Some(e) if r.chance(80) => *e,
                    _ => current.saturating_sub(r.below(10)),
                };
                Action::CloseEpoch { epoch }
            }
            _ => Action::FundRewards {
                amount: match r.below(5) {
                    0 => 0,
                    1 => u64::MAX,
                    _ => r.range(1, 1_000_000_000),
                },
            },
        }
    }
}

/// Funds a keypair with SOL from the test payer.
async fn fund_lamports(m: &mut Market, to: &Pubkey) {
    let ix = system_instruction::transfer(&m.env.payer(), to, 1_000_000_000);
    Env::ok(m.env.send(&[ix], &[]).await);
}

/// An actor with a given keypair: SOL, its payment-mint and stake-mint associated token
/// accounts (where the program pays it), tokens.
async fn actor_from(m: &mut Market, kp: Keypair, payment: u64, stake: u64) -> Actor {
    fund_lamports(m, &kp.pubkey()).await;
    let net = m.net;
    let pay = m
        .ata(&net.payment_mint, &kp.pubkey(), &net.payment_token_program)
        .await;
    let stk = m
        .ata(&net.stake_mint, &kp.pubkey(), &net.stake_token_program)
        .await;
    if payment > 0 {
        m.env.mint_to(&net.payment_mint, &pay, payment).await;
    }
    if stake > 0 {
        m.env.mint_to(&net.stake_mint, &stk, stake).await;
    }
    Actor {
        kp,
        payment: pay,
        stake: stk,
    }
}

// ------------------------------------------------------------------------------------ driver

/// What a run left behind: the actions it executed (the last one is the failing one if it
/// failed) and its counters.
pub struct RunLog {
    pub actions: Vec<Action>,
    pub stats: Stats,
}

/// How a run chooses its actions.
#[derive(Clone)]
pub enum Plan {
    Generate { seed: u64, steps: usize },
    Replay { seed: u64, actions: Vec<Action> },
}

async fn run_plan(plan: Plan, log: Arc<Mutex<RunLog>>) {
    let seed = match &plan {
        Plan::Generate { seed, .. } | Plan::Replay { seed, .. } => *seed,
    };
    let mut w = World::new(seed).await;
    match plan {
        Plan::Generate { steps, .. } => {
            let mut r = Rng::new(seed);
            for _ in 0..steps {
                let a = w.generate(&mut r).await;
                log.lock().unwrap().actions.push(a.clone());
                w.step(&a).await;
                log.lock().unwrap().stats = w.stats.clone();
            }
            w.check().await;
            w.drain().await;
            log.lock().unwrap().stats = w.stats.clone();
        }
        Plan::Replay { actions, .. } => {
            for a in actions {
                log.lock().unwrap().actions.push(a.clone());
                w.step(&a).await;
            }
            w.check().await;
            w.drain().await;
            log.lock().unwrap().stats = w.stats.clone();
        }
    }
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `plan` on its own thread and runtime: its log, and the panic message if a check failed.
pub fn run(plan: Plan, quiet: bool) -> (RunLog, Option<String>) {
    let log = Arc::new(Mutex::new(RunLog {
        actions: Vec::new(),
        stats: Stats::default(),
    }));
    let inner = log.clone();
    let handle = std::thread::Builder::new()
        .name("fuzz".into())
        .stack_size(64 << 20)
        .spawn(move || {
            QUIET.with(|q| q.set(quiet));
            // One thread: a multi-threaded runtime is slower here and not reproducible.
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(run_plan(plan, inner));
        })
        .expect("spawn");
    let res = handle.join();
    let out = std::mem::replace(
        &mut *log.lock().unwrap_or_else(|e| e.into_inner()),
        RunLog {
            actions: Vec::new(),
            stats: Stats::default(),
        },
    );
    match res {
        Ok(()) => (out, None),
        Err(p) => {
            let msg = p
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "panic".into());
            (out, Some(msg))
        }
    }
}

/// Installs a panic hook that stays silent on quiet fuzz threads (shrink replays).
pub fn install_quiet_hook() {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !QUIET.with(|q| q.get()) {
            prev(info);
        }
    }));
}

/// The class of a failure message, stable across runs (no addresses or amounts).
fn failure_class(msg: &str) -> String {
    msg.split([':', '{', '(']).next().unwrap_or(msg).to_string()
}

/// Greedy shrink: drop chunks of actions (halving the chunk size) while the replay still fails
/// with the same class of failure; at most `max_replays` replays and `max_seconds` of wall time.
pub fn shrink(
    seed: u64,
    actions: Vec<Action>,
    msg: &str,
    max_replays: usize,
    max_seconds: u64,
) -> Vec<Action> {
    let class = failure_class(msg);
    let start = Instant::now();
    let budget_left =
        |replays: usize| replays < max_replays && start.elapsed().as_secs() < max_seconds;
    let mut best = actions;
    let mut replays = 0;
    let mut chunk = (best.len() / 2).max(1);
    loop {
        let mut i = 0;
        // The last action is the failing one: never dropped.
        while i + 1 < best.len() && budget_left(replays) {
            let end = (i + chunk).min(best.len() - 1);
            let mut cand = best.clone();
            cand.drain(i..end);
            replays += 1;
            match run(
                Plan::Replay {
                    seed,
                    actions: cand.clone(),
                },
                true,
            ) {
                (log, Some(m)) if failure_class(&m) == class => {
                    // Keep what ran up to the failure (it may now fail earlier).
                    best = cand[..log.actions.len().min(cand.len())].to_vec();
                }
                _ => i = end,
            }
        }
        if chunk == 1 || !budget_left(replays) {
            break;
        }
        chunk = (chunk / 2).max(1);
    }
    eprintln!(
        "shrink: {replays} replays in {:.0}s",
        start.elapsed().as_secs_f64()
    );
    best
}

/// The whole fuzz test: run, on failure shrink and report, print counters.
pub fn fuzz(cfg: FuzzConfig) {
    install_quiet_hook();
    let start = Instant::now();
    eprintln!(
        "fuzz: seed {:#x} ({}), {} steps (FUZZ_SEED / FUZZ_STEPS to change)",
        cfg.seed, cfg.seed, cfg.steps
    );
    let res = run(
        Plan::Generate {
            seed: cfg.seed,
            steps: cfg.steps,
        },
        false,
    );
    let secs = start.elapsed().as_secs_f64();
    let (log, failure) = res;
    print_stats(&log.stats, secs);
    if let Some(msg) = failure {
        let step = log.actions.len();
        eprintln!("FUZZ FAILURE at step {step} of seed {:#x}: {msg}", cfg.seed);
        let max_replays: usize = std::env::var("FUZZ_SHRINK_REPLAYS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(60);
        let max_seconds: u64 = std::env::var("FUZZ_SHRINK_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(120);
        let short = shrink(
            cfg.seed,
            log.actions.clone(),
            &msg,
            max_replays,
            max_seconds,
        );
        eprintln!(
            "shortest failing sequence found ({} of {step} actions; replays may differ from the \
             original run where slot hashes, mints or the network address differ):",
            short.len()
        );
        for (i, a) in short.iter().enumerate() {
            eprintln!("  {i:>4}: {a}");
        }
        panic!("fuzz failure: seed {:#x}, step {step}: {msg}", cfg.seed);
    }
}

fn print_stats(s: &Stats, secs: f64) {
    eprintln!(
        "fuzz: {} steps in {secs:.1}s = {:.1} steps/s; {} succeeded, {} failed",
        s.steps,
        s.steps as f64 / secs.max(1e-9),
        s.successes(),
        s.failures()
    );
    eprintln!(
        "  time: transactions {:.1}s, account snapshots {:.1}s, invariant checks {:.1}s",
        s.send_secs, s.snapshot_secs, s.check_secs
    );
    let ok: Vec<String> = s.ok.iter().map(|(k, v)| format!("{k}={v}")).collect();
    eprintln!("  ok by action: {}", ok.join(" "));
    let fk: Vec<String> = s
        .failed_by_kind
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    eprintln!("  failed by action: {}", fk.join(" "));
    let mut fe: Vec<(&String, &usize)> = s.failed.iter().collect();
    fe.sort_by(|a, b| b.1.cmp(a.1));
    let fe: Vec<String> = fe.iter().map(|(k, v)| format!("{k}={v}")).collect();
    eprintln!("  failed by error: {}", fe.join(" "));
}
