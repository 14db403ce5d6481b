//! A stateful fuzzer of instruction sequences: random actions by random (sometimes wrong) actors
//! with valid and invalid arguments, against one network in the Solana runtime, each checked
//! against a model of what it must do.
//!
//! The model ([`World::predict`]) reads the accounts an action involves and asks the program's
//! own pure functions what the action does: [`possible_actions`] and the transitions of
//! [`Job`] (`accept`, `submit`, `dispute`, `apply_draw`, `check_vote`, `outcome_of_vote`,
//! `cast_vote`, `check_approve`, `check_crank_settle`, `expire_reason`, `payout`),
//! [`Attestor::can_vote`], [`Provider::withdrawable`], [`Provider::exposure_allows`] and
//! `slash_job`, [`Network::propose_params`], [`Network::pending_params_applicable`],
//! `apply_params` and `set_pause`, [`EpochEntry::claimable`], [`EpochEntry::payable`], [`ProviderEntry::owed`](spice::state::ProviderEntry::owed),
//! [`OutflowWindow::available`](spice::window::OutflowWindow::available) and
//! [`spice::token::payee_accepts`] (where a payout goes). Where the lifecycle decides,
//! `possible_actions` is asked first and the transition names the refusal; the two must agree.
//! The model predicts either success — with the job, provider, client record, network,
//! attestor records and token balances it leaves — or the set of errors a refusal may name.
//!
//! A fuzz failure is: a success the model says must fail, a refusal it says must succeed or for
//! a reason it does not name, a runtime failure (a panic, `ProgramFailedToComplete`, an
//! unbalanced instruction, `InvalidAccountData`, ...), a refusal that changed an account it
//! named, an effect other than predicted, or a violation of invariants 1–6 of DESIGN.md: the
//! SDK's audit runs on a snapshot of the runtime after every step that changed state
//! ([`Market::check_invariants`]). A run ends with a drain (invariant 6 in action): pauses
//! lifted, every job ended by the crank, every payout collected, every provider unbonded,
//! withdrawn and closed, without the authority.
//!
//! Participants pull the levers they hold over their own associated token accounts (required
//! memos, closing, handing the account to another owner, and — when the network accepts mints
//! with a freeze authority — the issuer freezing it), so that settlements hold payouts in the
//! payouts vaults; paying instructions now and then omit the (optional) payouts vaults, which
//! must fail with `PayoutsVaultRequired` exactly when a payee refuses. A hostile run
//! ([`FuzzConfig::hostile`]) has the issuer overwrite a Token-2022 mint with a forbidden
//! extension partway through: from then on every instruction that moves that mint's tokens must
//! refuse with `UnsupportedMintExtension`.
//!
//! Reproducible from a seed: a splitmix64 generator, actor keypairs derived from the seed. The
//! mints, the network creator and the runtime's slot hashes are not derived from the seed (the
//! harness creates them), so the audit draw and the epoch shard of a job may differ between
//! runs of the same seed; a replay of a failing sequence may therefore not fail the same way.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anchor_lang::prelude::{AccountInfo, Pubkey};
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::system_instruction;
use anchor_lang::{AccountDeserialize, AnchorSerialize};
use anchor_spl::token_2022::spl_token_2022::{
    self,
    error::TokenError,
    extension::{
        memo_transfer::{self, MemoTransfer},
        BaseStateWithExtensions, ExtensionType, StateWithExtensions,
    },
    instruction::AuthorityType,
    state::{Account as TokenAccount, AccountState, Mint},
};
use solana_sdk::account::Account;
use solana_sdk::instruction::InstructionError;
use solana_sdk::signature::{Keypair, Signer};
use solana_sdk::transaction::{Transaction, TransactionError};
use spice::audit::{Draw, SLOT_HASHES_ID};
use spice::constants::{
    MAX_EXPOSURE_BPS, MAX_JOB_WINDOW_SECONDS, MAX_QUORUM, MAX_REWARD_RATE_CAP_BPS,
    MAX_UNBOND_SECONDS, MIN_EPOCH_SECONDS, MIN_UNIT_COST_BPS, MIN_WINDOW_SECONDS, PAUSE_ACCEPT_JOB,
    PAUSE_ALL, PAUSE_CLAIM, PAUSE_CREATE_JOB, PAUSE_REGISTER,
};
use spice::errors::SpiceError;
use spice::instructions::{AttestArgs, CreateJobArgs, SubmitResultArgs};
use spice::state::lifecycle::{self, possible_actions, Note, Possible, Role};
use spice::state::{
    first_epoch_of, offset_in_page, page_of, Attestation, Attestor, AuditDraw, Client, EpochBook,
    EpochEntry, EpochShard, EpochStatus, Job, JobState, JobTerms, Network, NetworkParams, Provider,
    ProviderBook, ProviderStatus, Verdict, VoteOutcome, NOT_REMOVED,
};
use spice_sdk::errors::short_name;
use spice_sdk::ix::{self, SettleKeys};
use spice_sdk::pda;

use crate::market::{default_params, hardware, Market, Mints, DAY, MIN_STAKE};
use crate::{Env, MintExt, TOKEN_2022_PROGRAM, TOKEN_PROGRAM};

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

/// Where tokens an instruction pays out to a participant go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dest {
    /// The participant's associated token account (possibly broken by a lever).
    Ata,
    /// Another token account the participant owns (never broken).
    Side,
    /// An account of someone else.
    Wrong,
}

/// A payee's associated token account, where the program pays it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payee {
    ClientPayment(usize),
    ClientStake(usize),
    ProviderPayment(usize),
}

/// What a participant (or the mint's issuer) does to a payee's account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lever {
    /// Require memos on incoming transfers (Token-2022).
    Memo,
    MemoOff,
    /// Move its tokens to the participant's other account and close it.
    Close,
    /// Re-create it and move the tokens back.
    Reopen,
    /// The issuer freezes it (a mint with a freeze authority).
    Freeze,
    Thaw,
    /// Hand it to another owner (SPL Token: Token-2022 associated accounts are immutable).
    OwnerAway,
    OwnerBack,
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
        vault: bool,
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
        vault: bool,
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
        vault: bool,
    },
    SettleJob {
        job: JobRef,
        provider: ProviderPick,
        vault: bool,
    },
    ExpireJob {
        job: JobRef,
        provider: ProviderPick,
        vault: bool,
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
        dest: Dest,
    },
    RegisterProvider {
        provider: usize,
        amount: u64,
    },
    CloseProvider {
        provider: usize,
        dest: Dest,
    },
    CollectProviderPayouts {
        provider: usize,
        dest: Dest,
    },
    CollectClientPayouts {
        client: usize,
        dest: Dest,
    },
    FinalizeEpoch {
        epoch: u64,
    },
    ClaimRewards {
        provider: usize,
        epochs: Vec<u64>,
        dup_page: bool,
        dest: Dest,
    },
    CloseEpoch {
        epoch: u64,
    },
    CloseEpochShard {
        epoch: u64,
        shard: u8,
        right_payer: bool,
    },
    CloseProviderBook {
        provider: usize,
        page: u64,
        right_payer: bool,
    },
    FundRewards {
        amount: u64,
    },
    SetPause {
        flags: u8,
        by_authority: bool,
    },
    ProposeParams {
        params: Option<NetworkParams>,
        by_authority: bool,
    },
    ApplyParams,
    AddAttestor {
        attestor: usize,
        by_authority: bool,
    },
    RemoveAttestor {
        attestor: usize,
        by_authority: bool,
    },
    /// A participant (or the issuer) pulls a lever on a payee's account.
    Lever {
        payee: Payee,
        lever: Lever,
    },
    /// The issuer overwrites a mint with a forbidden extension (hostile runs only).
    PoisonMint {
        stake: bool,
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
            Action::CollectProviderPayouts { .. } => "collect_provider_payouts",
            Action::CollectClientPayouts { .. } => "collect_client_payouts",
            Action::FinalizeEpoch { .. } => "finalize_epoch",
            Action::ClaimRewards { .. } => "claim_rewards",
            Action::CloseEpoch { .. } => "close_epoch",
            Action::CloseEpochShard { .. } => "close_epoch_shard",
            Action::CloseProviderBook { .. } => "close_provider_book",
            Action::FundRewards { .. } => "fund_rewards",
            Action::SetPause { .. } => "set_pause",
            Action::ProposeParams { .. } => "propose_params",
            Action::ApplyParams => "apply_params",
            Action::AddAttestor { .. } => "add_attestor",
            Action::RemoveAttestor { .. } => "remove_attestor",
            Action::Lever { .. } => "lever",
            Action::PoisonMint { .. } => "poison_mint",
            Action::WarpSeconds(_) => "warp_seconds",
            Action::WarpSlots(_) => "warp_slots",
        }
    }

    /// Whether the action omits the payouts vaults.
    fn omits_vault(&self) -> bool {
        matches!(
            self,
            Action::CancelJob { vault: false, .. }
                | Action::ApproveJob { vault: false, .. }
                | Action::Attest { vault: false, .. }
                | Action::SettleJob { vault: false, .. }
                | Action::ExpireJob { vault: false, .. }
        )
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

// ------------------------------------------------------------------------------------ errors

fn spice_name(e: SpiceError) -> String {
    short_name(e.into())
}

fn anchor_name(e: anchor_lang::error::ErrorCode) -> String {
    short_name(e.into())
}

fn token_name(e: TokenError) -> String {
    short_name(e as u32)
}

/// The name of an error a pure function of the program returned.
fn name_of(e: &anchor_lang::error::Error) -> String {
    match e {
        anchor_lang::error::Error::AnchorError(a) => short_name(a.error_code_number),
        anchor_lang::error::Error::ProgramError(p) => format!("{:?}", p.program_error),
    }
}

const NOT_INITIALIZED: anchor_lang::error::ErrorCode =
    anchor_lang::error::ErrorCode::AccountNotInitialized;

/// How a transaction ended: the name of the error, and whether it is the runtime's failure
/// (a panic, an instruction error that is not a program's named error, a refused transaction)
/// rather than a program's refusal.
fn outcome_name(failed: &spice_ledger::Failed) -> (String, bool) {
    if let Some(msg) = &failed.panic {
        return (format!("runtime panic: {msg}"), true);
    }
    match &failed.err {
        TransactionError::InstructionError(_, InstructionError::Custom(code)) => {
            (short_name(*code), false)
        }
        TransactionError::InstructionError(_, e) => (format!("{e:?}"), true),
        other => (format!("{other:?}"), true),
    }
}

// ------------------------------------------------------------------------------------ config

/// What a fuzz run is configured with.
#[derive(Clone, Copy, Debug)]
pub struct FuzzConfig {
    pub seed: u64,
    pub steps: usize,
    /// The token programs of the network's mints.
    pub mints: Mints,
    /// Mints with a freeze authority, on a network created accepting them (the issuer's freeze
    /// lever).
    pub freeze: bool,
    /// The issuer overwrites a mint with a forbidden extension partway through.
    pub hostile: bool,
}

fn env_u64(name: &str) -> Option<u64> {
    let s = std::env::var(name).ok()?;
    let s = s.trim();
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Mints by name: `spl`, `t22`, `mixed` (payment on SPL Token, stake on Token-2022), `single`.
fn mints_named(name: &str) -> Option<Mints> {
    match name.trim().to_ascii_lowercase().as_str() {
        "spl" => Some(Mints::SPL),
        "t22" => Some(Mints::T22),
        "mixed" => Some(Mints::MIXED),
        "single" => Some(Mints::SINGLE),
        _ => None,
    }
}

pub fn mints_name(m: Mints) -> &'static str {
    if m == Mints::SPL {
        "spl"
    } else if m == Mints::T22 {
        "t22"
    } else if m == Mints::MIXED {
        "mixed"
    } else {
        "single"
    }
}

impl FuzzConfig {
    /// From `FUZZ_SEED`, `FUZZ_STEPS`, `FUZZ_MINTS` (spl, t22, mixed, single) and `FUZZ_FREEZE`
    /// (0 or 1), with defaults; without `FUZZ_MINTS`/`FUZZ_FREEZE` the seed picks them (the CI
    /// seed: mixed mints with a freeze authority).
    pub fn from_env(default_seed: u64, default_steps: usize) -> Self {
        let seed = env_u64("FUZZ_SEED").unwrap_or(default_seed);
        let steps = env_u64("FUZZ_STEPS").map_or(default_steps, |s| s as usize);
        let mints = std::env::var("FUZZ_MINTS")
            .ok()
            .and_then(|m| mints_named(&m))
            .unwrap_or(
                [Mints::MIXED, Mints::T22, Mints::SINGLE, Mints::SPL][(seed >> 3) as usize % 4],
            );
        let freeze = env_u64("FUZZ_FREEZE").map_or((seed >> 5) & 1 == 0, |f| f != 0);
        Self {
            seed,
            steps,
            mints,
            freeze,
            hostile: false,
        }
    }

    /// A hostile run: Token-2022 mints, one of which its issuer overwrites with a forbidden
    /// extension partway through. `FUZZ_SEED` and `FUZZ_HOSTILE_STEPS` override the defaults.
    pub fn hostile(default_seed: u64, default_steps: usize) -> Self {
        Self {
            seed: env_u64("FUZZ_SEED").unwrap_or(default_seed),
            steps: env_u64("FUZZ_HOSTILE_STEPS").map_or(default_steps, |s| s as usize),
            mints: Mints::T22,
            freeze: false,
            hostile: true,
        }
    }
}

pub const PROVIDERS: usize = 3;
pub const CLIENTS: usize = 3;
/// Attestor keys: the first three are added at the start; the last is client 0's own key (an
/// attestor that is also a client: `ConflictOfInterest` on its own jobs), added only by the
/// fuzzer's `add_attestor`.
pub const ATTESTORS: usize = 4;
const REWARD_POOL: u64 = 50_000_000_000;
const LAMPORTS: u64 = 100_000_000_000;

/// Length of the fuzzed network's epochs: short enough that a run crosses hundreds of them,
/// long enough that the epochs up to now (which the audit walks after every step) stay few.
pub const FUZZ_EPOCH_SECONDS: i64 = 6 * MIN_EPOCH_SECONDS;

/// The fuzzed network's parameters: every window short enough to cross with clock warps.
pub fn fuzz_params() -> NetworkParams {
    NetworkParams {
        audit_rate_bps: 3_000,
        attestation_quorum: 2,
        epoch_seconds: FUZZ_EPOCH_SECONDS,
        unbond_seconds: DAY,
        claim_window_epochs: 12,
        max_reward_outflow_per_window: 2_000_000_000,
        // The breaker's window may not be longer than an epoch.
        outflow_window_seconds: MIN_EPOCH_SECONDS,
        ..default_params()
    }
}

/// Counters of a run.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub steps: usize,
    pub ok: BTreeMap<&'static str, usize>,
    /// Refusals by action and error name.
    pub refused: BTreeMap<(&'static str, String), usize>,
    /// Levers that did not apply to the account's state when replayed (shrinking).
    pub skipped: usize,
    /// Paths worth counting (payouts held, partial withdrawals, economic-bound proposals...).
    pub notes: BTreeMap<&'static str, usize>,
    /// Wall time in transactions, in the model, in the audit.
    pub send_secs: f64,
    pub model_secs: f64,
    pub audit_secs: f64,
}

impl Stats {
    pub fn successes(&self) -> usize {
        self.ok.values().sum()
    }
    pub fn failures(&self) -> usize {
        self.refused.values().sum()
    }
}

/// Largest serialized transaction a cluster accepts.
const PACKET_DATA_SIZE: usize = 1232;

/// Owner of the sysvar accounts.
const SYSVAR_OWNER: Pubkey = Pubkey::from_str_const("Sysvar1111111111111111111111111111111111111");

type Snapshot = Vec<(Pubkey, Option<(u64, Pubkey, Vec<u8>)>)>;

/// A participant: its wallet, its associated token accounts (where the program pays it and
/// where its tokens come from) and another account of each mint it owns.
pub struct Party {
    pub kp: Keypair,
    pub pay: Pubkey,
    pub stake: Pubkey,
    pub pay_side: Pubkey,
    pub stake_side: Pubkey,
}

impl Party {
    pub fn key(&self) -> Pubkey {
        self.kp.pubkey()
    }
}

/// What a successful action must leave behind.
#[derive(Default)]
struct Effects {
    /// Token balances after (absolute).
    balances: BTreeMap<Pubkey, u64>,
    /// Program accounts after, serialized (`None`: closed).
    accounts: BTreeMap<Pubkey, Option<Vec<u8>>>,
    /// Accounts that must be gone.
    gone: Vec<Pubkey>,
    /// Accounts that must exist.
    exist: Vec<Pubkey>,
    /// Named checks of one account's fields: (what, account, check).
    fields: Vec<(String, Pubkey, FieldCheck)>,
}

/// A check of a program account's fields that the model cannot predict byte for byte.
enum FieldCheck {
    JobCreated {
        escrowed: u64,
        terms: JobTerms,
        accept_deadline: i64,
    },
    ClientJobs(u64),
    EpochStatus {
        epoch: u64,
        status: EpochStatus,
    },
    EpochFinalized {
        epoch: u64,
        deadline: i64,
        paused_base: i64,
        finalized_at: i64,
    },
    OpenShards {
        epoch: u64,
        open: u8,
    },
    ProviderRegistered {
        stake: u64,
    },
}

/// The model's prediction for one action: the errors a refusal may name (none: it must
/// succeed), and what a success leaves.
#[derive(Default)]
struct Prediction {
    reasons: Vec<String>,
    effects: Effects,
    /// Paths this action takes if it succeeds (counted in [`Stats::notes`]).
    notes: Vec<&'static str>,
    /// Paths this action takes if it is refused.
    refusal_notes: Vec<&'static str>,
}

impl Prediction {
    fn refuse(&mut self, name: String) {
        if !self.reasons.contains(&name) {
            self.reasons.push(name);
        }
    }
    fn spice(&mut self, e: SpiceError) {
        self.refuse(spice_name(e));
    }
    fn anchor(&mut self, e: anchor_lang::error::ErrorCode) {
        self.refuse(anchor_name(e));
    }
    fn ok(&self) -> bool {
        self.reasons.is_empty()
    }
}

/// Borsh bytes of an account (its data after the discriminator).
fn bytes<T: AnchorSerialize>(t: &T) -> Vec<u8> {
    let mut out = Vec::new();
    t.serialize(&mut out).expect("serialize");
    out
}

/// An instruction and what the model needs to know about how it was built.
struct Built {
    ix: Instruction,
    signers: Vec<Keypair>,
    /// Attestors whose earlier votes an `attest` passes.
    earlier: Vec<usize>,
}

// ------------------------------------------------------------------------------------ world

/// The world a sequence runs in, and the fuzzer's knowledge of it.
pub struct World {
    pub m: Market,
    pub cfg: FuzzConfig,
    pub providers: Vec<Party>,
    pub clients: Vec<Party>,
    pub attestors: Vec<Keypair>,
    pub funder: Party,
    /// Who a participant hands its account to (`Lever::OwnerAway`).
    pub stranger: Keypair,
    /// Jobs created and not yet seen closed.
    pub live_jobs: Vec<JobRef>,
    /// Every job created (for attempts on closed jobs).
    pub used_ids: Vec<JobRef>,
    /// Votes cast and not seen closed: (job, attestor).
    pub votes: BTreeSet<(JobRef, usize)>,
    /// Epochs some settlement recorded work in.
    pub worked_epochs: BTreeSet<u64>,
    /// Epochs finalized.
    pub finalized: BTreeSet<u64>,
    /// Mints the issuer overwrote with a forbidden extension.
    pub poisoned: Vec<Pubkey>,
    pub stats: Stats,
    nonce: u32,
}

impl World {
    pub async fn new(cfg: FuzzConfig) -> Self {
        let seed = cfg.seed;
        let mut m = Market::unlaunched(cfg.mints).await;
        if cfg.freeze {
            let ext = [MintExt::FreezeAuthority];
            let pay = m.env.create_mint(cfg.mints.payment_program, 6, &ext).await;
            let stake = if cfg.mints.same {
                pay
            } else {
                m.env.create_mint(cfg.mints.stake_program, 9, &ext).await
            };
            m.net.payment_mint = pay;
            m.net.stake_mint = stake;
            m.allow_freeze = true;
        }
        let mut m = m.launch(fuzz_params()).await;
        let mut providers = Vec::new();
        for i in 0..PROVIDERS {
            let kp = derived_keypair(seed, 1, i as u64);
            let a = party(&mut m, kp, 0, 1_000 * MIN_STAKE).await;
            let reg = ix::register_provider(&m.net, a.key(), a.stake, 10 * MIN_STAKE, hardware());
            Env::ok(m.env.send(&[reg], &[&a.kp]).await);
            providers.push(a);
        }
        let mut clients = Vec::new();
        for i in 0..CLIENTS {
            let kp = derived_keypair(seed, 2, i as u64);
            clients.push(party(&mut m, kp, 1_000_000_000_000_000, 0).await);
        }
        let mut attestors = Vec::new();
        for i in 0..ATTESTORS {
            if i == ATTESTORS - 1 {
                attestors.push(clients[0].kp.insecure_clone());
                continue;
            }
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
        let funder = party(&mut m, derived_keypair(seed, 4, 0), 0, 10 * REWARD_POOL).await;
        let fund = ix::fund_rewards(&m.net, funder.key(), funder.stake, REWARD_POOL);
        Env::ok(m.env.send(&[fund], &[&funder.kp]).await);
        let stranger = derived_keypair(seed, 5, 0);
        fund_lamports(&mut m, &stranger.pubkey()).await;
        m.check_invariants().await;
        Self {
            m,
            cfg,
            providers,
            clients,
            attestors,
            funder,
            stranger,
            live_jobs: Vec::new(),
            used_ids: Vec::new(),
            votes: BTreeSet::new(),
            worked_epochs: BTreeSet::new(),
            finalized: BTreeSet::new(),
            poisoned: Vec::new(),
            stats: Stats::default(),
            nonce: 0,
        }
    }

    // -------------------------------------------------------------------------- reads

    fn rt(&self) -> &spice_ledger::Runtime {
        self.m.env.runtime()
    }

    fn now(&self) -> i64 {
        self.rt().clock().unix_timestamp
    }

    fn exists(&self, key: &Pubkey) -> bool {
        self.rt().account(key).is_some()
    }

    /// A program account of type `T`, if it exists.
    fn load<T: AccountDeserialize>(&self, key: &Pubkey) -> Option<T> {
        let a = self.rt().account(key)?;
        if a.owner != spice::ID {
            return None;
        }
        T::try_deserialize(&mut a.data.as_slice()).ok()
    }

    fn net(&self) -> Network {
        self.load(&self.m.net.network).expect("network")
    }

    fn job_key(&self, j: JobRef) -> Pubkey {
        pda::job(&self.m.net.network, &self.clients[j.client].key(), j.id)
    }

    fn job(&self, j: JobRef) -> Option<Job> {
        self.load(&self.job_key(j))
    }

    fn provider_pda(&self, i: usize) -> Pubkey {
        pda::provider(&self.m.net.network, &self.providers[i].key())
    }

    fn provider(&self, i: usize) -> Option<Provider> {
        self.load(&self.provider_pda(i))
    }

    fn client_record_key(&self, owner: &Pubkey) -> Pubkey {
        pda::client(&self.m.net.network, owner)
    }

    fn client_record(&self, owner: &Pubkey) -> Option<Client> {
        self.load(&self.client_record_key(owner))
    }

    fn attestor_record(&self, i: usize) -> Option<Attestor> {
        self.load(&pda::attestor(
            &self.m.net.network,
            &self.attestors[i].pubkey(),
        ))
    }

    /// Index of the provider whose Provider account ran `job`.
    fn provider_index(&self, job: &Job) -> Option<usize> {
        let p = job.provider?;
        (0..PROVIDERS).find(|i| self.provider_pda(*i) == p)
    }

    /// The base state of a token account, if it exists and is one.
    fn token(&self, key: &Pubkey) -> Option<TokenAccount> {
        let a = self.rt().account(key)?;
        if a.owner != TOKEN_PROGRAM && a.owner != TOKEN_2022_PROGRAM {
            return None;
        }
        StateWithExtensions::<TokenAccount>::unpack(&a.data)
            .ok()
            .map(|s| s.base)
    }

    fn balance(&self, key: &Pubkey) -> u64 {
        self.token(key).map_or(0, |t| t.amount)
    }

    /// Whether a Token-2022 account requires memos on incoming transfers.
    fn requires_memo(&self, key: &Pubkey) -> bool {
        let Some(a) = self.rt().account(key) else {
            return false;
        };
        let Ok(state) = StateWithExtensions::<TokenAccount>::unpack(&a.data) else {
            return false;
        };
        state
            .get_extension::<MemoTransfer>()
            .is_ok_and(|m| bool::from(m.require_incoming_transfer_memos))
    }

    fn mint_state(&self, mint: &Pubkey) -> Mint {
        let a = self.rt().account(mint).expect("mint");
        StateWithExtensions::<Mint>::unpack(&a.data)
            .expect("mint")
            .base
    }

    fn slot_hashes(&self) -> Vec<u8> {
        self.rt()
            .account(&SLOT_HASHES_ID)
            .map(|a| a.data)
            .unwrap_or_default()
    }

    /// The program's own rule for where a payout goes: whether `account` takes `amount` of
    /// `mint` for `payee` ([`spice::token::payee_accepts`], on a copy of the account).
    fn accepts(&self, account: &Pubkey, mint: &Pubkey, payee: &Pubkey, amount: u64) -> bool {
        let program = self.m.net.token_program_of(mint);
        let (mut lamports, mut data, owner) = match self.rt().account(account) {
            Some(a) => (a.lamports, a.data, a.owner),
            None => (0, Vec::new(), Pubkey::default()),
        };
        let info = AccountInfo::new(
            account,
            false,
            true,
            &mut lamports,
            &mut data,
            &owner,
            false,
        );
        spice::token::payee_accepts(&info, mint, &program, payee, amount)
    }

    /// The draw an instruction on `job` would record now, and what the lifecycle allows.
    fn lifecycle(&self, key: &Pubkey, job: &Job) -> (Draw, Vec<Possible>) {
        let now = self.now();
        let draw = job.draw_from(&self.slot_hashes(), key);
        let paused = self.net().paused & PAUSE_ACCEPT_JOB != 0;
        (draw, possible_actions(job, draw, paused, now))
    }

    // -------------------------------------------------------------------------- building

    /// The provider a settlement names.
    fn settle_provider(&self, job: &Option<Job>, pick: ProviderPick) -> usize {
        match pick {
            ProviderPick::Named(i) => i,
            _ => job
                .as_ref()
                .and_then(|j| self.provider_index(j))
                .unwrap_or(0),
        }
    }

    fn settle_keys(&self, j: JobRef, provider: usize, payer: Pubkey) -> SettleKeys {
        SettleKeys {
            job: self.job_key(j),
            client: self.clients[j.client].key(),
            provider: self.provider_pda(provider),
            provider_owner: self.providers[provider].key(),
            payer,
            epoch: self.m.net.epoch_at(self.now()),
        }
    }

    /// The accounts `dest` names for a payee with associated account `ata`, other account
    /// `side`, and `other` (someone else's).
    fn dest(dest: Dest, ata: Pubkey, side: Pubkey, other: Pubkey) -> Pubkey {
        match dest {
            Dest::Ata => ata,
            Dest::Side => side,
            Dest::Wrong => other,
        }
    }

    /// Someone else's side accounts: the next participant's.
    fn other_provider(&self, i: usize) -> &Party {
        &self.providers[(i + 1) % PROVIDERS]
    }

    fn other_client(&self, i: usize) -> &Party {
        &self.clients[(i + 1) % CLIENTS]
    }

    fn withdraw_dest(&self, provider: usize, dest: Dest) -> Pubkey {
        let p = &self.providers[provider];
        Self::dest(
            dest,
            p.stake,
            p.stake_side,
            self.other_provider(provider).stake_side,
        )
    }

    fn tx_size(&self, ixs: &[Instruction]) -> usize {
        let payer = self.m.env.payer();
        let tx = Transaction::new_with_payer(ixs, Some(&payer));
        1 + 64 * usize::from(tx.message.header.num_required_signatures)
            + tx.message.serialize().len()
    }

    fn budget_ix(&self) -> Instruction {
        spice_sdk::ledger::compute_limit_ix(1_000_000 + self.nonce % 200_000)
    }

    /// Replaces the payouts vaults of `ix` by "no account" (the optional account left out).
    fn strip_payouts(&self, ix: &mut Instruction) {
        let vaults = [self.m.net.payment_payouts(), self.m.net.stake_payouts()];
        for meta in ix
            .accounts
            .iter_mut()
            .filter(|a| vaults.contains(&a.pubkey))
        {
            *meta = AccountMeta::new_readonly(spice::ID, false);
        }
    }

    /// The instruction of a program action and its signers.
    fn build(&self, a: &Action) -> Built {
        let net = self.m.net;
        let mut earlier = Vec::new();
        let (mut ix, signers) = match a {
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
                    target_provider: target.map(|p| self.provider_pda(p)),
                    accept_seconds: *accept_seconds,
                    run_seconds: *run_seconds,
                };
                let ix = ix::create_job(&net, c.key(), c.pay, args);
                (ix, vec![c.kp.insecure_clone()])
            }
            Action::CancelJob { job, by, .. } => {
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
            Action::ApproveJob {
                job, by, provider, ..
            } => {
                let p = self.settle_provider(&self.job(*job), *provider);
                let c = &self.clients[*by];
                // approve: the client signs and pays the reward accounts' rent.
                let mut keys = self.settle_keys(*job, p, c.key());
                keys.client = c.key();
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
                ..
            } => {
                let p = self.settle_provider(&self.job(*job), ProviderPick::Own);
                let att = self.attestors[*attestor].insecure_clone();
                let keys = self.settle_keys(*job, p, att.pubkey());
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
                if *pass_earlier {
                    let key = self.job_key(*job);
                    earlier = (0..ATTESTORS)
                        .filter(|i| {
                            *i != *attestor
                                && self
                                    .exists(&pda::attestation(&key, &self.attestors[*i].pubkey()))
                        })
                        .collect();
                }
                // The earlier votes the transaction has room for (the rest stay for
                // close_attestation).
                loop {
                    let voters: Vec<Pubkey> = earlier
                        .iter()
                        .map(|i| self.attestors[*i].pubkey())
                        .collect();
                    let mut ix = ix::attest(&net, &keys, att.pubkey(), args.clone(), &voters);
                    if a.omits_vault() {
                        self.strip_payouts(&mut ix);
                    }
                    if earlier.is_empty()
                        || self.tx_size(&[self.budget_ix(), ix.clone()]) <= PACKET_DATA_SIZE
                    {
                        break (ix, vec![att]);
                    }
                    earlier.pop();
                }
            }
            Action::SettleJob { job, provider, .. } => {
                let p = self.settle_provider(&self.job(*job), *provider);
                let keys = self.settle_keys(*job, p, self.m.env.payer());
                (ix::settle_job(&net, &keys), vec![])
            }
            Action::ExpireJob { job, provider, .. } => {
                let p = match provider {
                    ProviderPick::Own => self.job(*job).and_then(|j| self.provider_index(&j)),
                    ProviderPick::Named(i) => Some(*i),
                    ProviderPick::Missing => None,
                };
                let p = p.map(|i| self.provider_pda(i));
                let c = &self.clients[job.client];
                (ix::expire_job(&net, self.job_key(*job), c.key(), p), vec![])
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
            Action::WithdrawUnbonded { provider, dest } => {
                let p = &self.providers[*provider];
                let to = self.withdraw_dest(*provider, *dest);
                (
                    ix::withdraw_unbonded(&net, p.key(), to),
                    vec![p.kp.insecure_clone()],
                )
            }
            Action::RegisterProvider { provider, amount } => {
                let p = &self.providers[*provider];
                let ix = ix::register_provider(&net, p.key(), p.stake, *amount, hardware());
                (ix, vec![p.kp.insecure_clone()])
            }
            Action::CloseProvider { provider, dest } => {
                let p = &self.providers[*provider];
                let to = self.withdraw_dest(*provider, *dest);
                (
                    ix::close_provider(&net, p.key(), to),
                    vec![p.kp.insecure_clone()],
                )
            }
            Action::CollectProviderPayouts { provider, dest } => {
                let p = &self.providers[*provider];
                let to = Self::dest(
                    *dest,
                    p.pay,
                    p.pay_side,
                    self.other_provider(*provider).pay_side,
                );
                // Anyone sends it: the test payer alone signs.
                (ix::collect_provider_payouts(&net, p.key(), to), vec![])
            }
            Action::CollectClientPayouts { client, dest } => {
                let c = &self.clients[*client];
                let o = self.other_client(*client);
                let to_pay = Self::dest(*dest, c.pay, c.pay_side, o.pay_side);
                let to_stake = Self::dest(*dest, c.stake, c.stake_side, o.stake_side);
                (
                    ix::collect_client_payouts(&net, c.key(), to_pay, to_stake),
                    vec![],
                )
            }
            Action::FinalizeEpoch { epoch } => {
                (ix::finalize_epoch(&net, self.m.env.payer(), *epoch), vec![])
            }
            Action::ClaimRewards {
                provider,
                epochs,
                dup_page,
                dest,
            } => {
                let p = &self.providers[*provider];
                let mut pages: Vec<u64> = epochs.iter().map(|e| page_of(*e)).collect();
                pages.sort_unstable();
                pages.dedup();
                if *dup_page {
                    pages.push(pages[0]);
                }
                let to = self.withdraw_dest(*provider, *dest);
                (
                    ix::claim_rewards(&net, p.key(), to, &pages),
                    vec![p.kp.insecure_clone()],
                )
            }
            Action::CloseEpoch { epoch } => (ix::close_epoch(&net, *epoch), vec![]),
            Action::CloseEpochShard {
                epoch,
                shard,
                right_payer,
            } => {
                let payer = self.rent_payer(
                    self.load::<EpochShard>(&pda::epoch_shard(&net.network, *epoch, *shard))
                        .map(|s| s.payer),
                    *right_payer,
                );
                (ix::close_epoch_shard(&net, *epoch, *shard, payer), vec![])
            }
            Action::CloseProviderBook {
                provider,
                page,
                right_payer,
            } => {
                let p = self.provider_pda(*provider);
                let payer = self.rent_payer(
                    self.load::<ProviderBook>(&pda::provider_book(&p, *page))
                        .map(|b| b.payer),
                    *right_payer,
                );
                let book = self.exists(&pda::epoch_book(&net.network, *page));
                (ix::close_provider_book(&net, p, *page, payer, book), vec![])
            }
            Action::FundRewards { amount } => {
                let f = &self.funder;
                let ix = ix::fund_rewards(&net, f.key(), f.stake, *amount);
                (ix, vec![f.kp.insecure_clone()])
            }
            Action::SetPause {
                flags,
                by_authority,
            } => {
                let signer = self.governor(*by_authority);
                (
                    ix::set_pause(signer.pubkey(), net.network, *flags),
                    vec![signer],
                )
            }
            Action::ProposeParams {
                params,
                by_authority,
            } => {
                let signer = self.governor(*by_authority);
                (
                    ix::propose_params(signer.pubkey(), net.network, *params),
                    vec![signer],
                )
            }
            Action::ApplyParams => (ix::apply_params(net.network), vec![]),
            Action::AddAttestor {
                attestor,
                by_authority,
            } => {
                let signer = self.governor(*by_authority);
                let key = self.attestors[*attestor].pubkey();
                (
                    ix::add_attestor(signer.pubkey(), net.network, key),
                    vec![signer],
                )
            }
            Action::RemoveAttestor {
                attestor,
                by_authority,
            } => {
                let signer = self.governor(*by_authority);
                let key = self.attestors[*attestor].pubkey();
                (
                    ix::remove_attestor(signer.pubkey(), net.network, key),
                    vec![signer],
                )
            }
            Action::Lever { .. }
            | Action::PoisonMint { .. }
            | Action::WarpSeconds(_)
            | Action::WarpSlots(_) => unreachable!("not an instruction: {a:?}"),
        };
        if a.omits_vault() && !matches!(a, Action::Attest { .. }) {
            self.strip_payouts(&mut ix);
        }
        Built {
            ix,
            signers,
            earlier,
        }
    }

    /// The authority, or (a wrong signer) client 0.
    fn governor(&self, by_authority: bool) -> Keypair {
        if by_authority {
            self.m.authority.insecure_clone()
        } else {
            self.clients[0].kp.insecure_clone()
        }
    }

    /// The recorded rent payer of an account, or someone else.
    fn rent_payer(&self, recorded: Option<Pubkey>, right: bool) -> Pubkey {
        let payer = self.m.env.payer();
        match recorded {
            Some(p) if right => p,
            Some(p) if p != payer => payer,
            _ => self.funder.key(),
        }
    }
}

// ------------------------------------------------------------------------------------ model

/// Which payee record a held payout is credited to.
#[derive(Clone, Copy)]
enum Owed {
    Provider(usize),
    ClientPayment(usize),
    ClientStake(usize),
}

impl World {
    /// Adds `amount` to the expected balance of `account`.
    fn credit(&self, e: &mut Effects, account: Pubkey, amount: u64) {
        let v = e
            .balances
            .entry(account)
            .or_insert_with(|| self.balance(&account));
        *v += amount;
    }

    fn debit(&self, e: &mut Effects, account: Pubkey, amount: u64) {
        let v = e
            .balances
            .entry(account)
            .or_insert_with(|| self.balance(&account));
        *v -= amount;
    }

    /// The error of a transfer of `amount` out of `from` (not a program vault), if any.
    fn source_refusal(&self, p: &mut Prediction, from: &Pubkey, amount: u64) {
        match self.token(from) {
            None => p.anchor(NOT_INITIALIZED),
            Some(t) if t.state == AccountState::Frozen => {
                p.refuse(token_name(TokenError::AccountFrozen))
            }
            Some(t) if t.amount < amount => p.refuse(token_name(TokenError::InsufficientFunds)),
            Some(_) => {}
        }
    }

    /// The error of a direct transfer (not a payout) of `amount` into `to`, if any: the
    /// account must exist whatever the amount (an account of the instruction), and take the
    /// tokens if there are any.
    fn dest_refusal(&self, p: &mut Prediction, to: &Pubkey, amount: u64) {
        match self.token(to) {
            None => p.anchor(NOT_INITIALIZED),
            Some(_) if amount == 0 => {}
            Some(t) if t.state == AccountState::Frozen => {
                p.refuse(token_name(TokenError::AccountFrozen))
            }
            Some(_) if self.requires_memo(to) => p.refuse(token_name(TokenError::NoMemo)),
            Some(_) => {}
        }
    }

    /// `UnsupportedMintExtension` if `mint` was poisoned.
    fn screen(&self, p: &mut Prediction, mint: &Pubkey) {
        if self.poisoned.contains(mint) {
            p.spice(SpiceError::UnsupportedMintExtension);
        }
    }

    /// A payout of `amount` of `mint` to `payee`'s associated account `ata`, where the program's
    /// rule sends it: the account if it takes it, else the payouts vault (credited to `owed`),
    /// else — no vault passed — `PayoutsVaultRequired`.
    #[allow(clippy::too_many_arguments)]
    fn route(
        &self,
        p: &mut Prediction,
        owed: &mut BTreeMap<(Pubkey, u8), u64>,
        ata: Pubkey,
        mint: Pubkey,
        payee: Pubkey,
        amount: u64,
        to: Owed,
        vault: bool,
    ) {
        if amount == 0 {
            return;
        }
        if self.accepts(&ata, &mint, &payee, amount) {
            self.credit(&mut p.effects, ata, amount);
            return;
        }
        if !vault {
            p.spice(SpiceError::PayoutsVaultRequired);
            p.refusal_notes
                .push("a payee refuses and the payouts vault was left out");
            return;
        }
        p.notes.push("payout held in a payouts vault");
        self.credit(
            &mut p.effects,
            pda::payouts(&self.m.net.network, &mint),
            amount,
        );
        let key = match to {
            Owed::Provider(i) => (self.provider_pda(i), 0),
            Owed::ClientPayment(c) => (self.client_record_key(&self.clients[c].key()), 1),
            Owed::ClientStake(c) => (self.client_record_key(&self.clients[c].key()), 2),
        };
        *owed.entry(key).or_default() += amount;
    }

    /// The expected Provider and Client records after `owed` credits, into `p.effects`.
    fn apply_owed(
        &self,
        p: &mut Prediction,
        owed: &BTreeMap<(Pubkey, u8), u64>,
        mut provider: Option<(Pubkey, Provider)>,
        client: usize,
    ) {
        let ckey = self.client_record_key(&self.clients[client].key());
        let mut record: Option<Client> = self.client_record(&self.clients[client].key());
        for ((key, kind), amount) in owed {
            match kind {
                0 => {
                    let (pk, prov) = provider.as_mut().expect("provider of a held payment");
                    assert_eq!(pk, key);
                    if let Err(e) = prov.owe(*amount) {
                        p.refuse(name_of(&e));
                    }
                }
                k => {
                    let r = record.as_mut().expect("client record");
                    if let Err(e) = r.owe(*amount, *k == 2) {
                        p.refuse(name_of(&e));
                    }
                }
            }
        }
        if let Some((key, prov)) = provider {
            p.effects.accounts.insert(key, Some(bytes(&prov)));
        }
        if let Some(r) = record {
            p.effects.accounts.insert(ckey, Some(bytes(&r)));
        }
    }

    /// Whether the lifecycle lists `action` for `who` now (`Some(true)`), later or under
    /// conditions (`Some(false)`), or not at all.
    fn listed(ps: &[Possible], who: Role, action: lifecycle::Action) -> Option<Possible> {
        ps.iter()
            .find(|p| p.who == who && p.action == action)
            .copied()
    }

    /// A consistency check between `possible_actions` and the transition the handler runs:
    /// both are the program's, so a disagreement is a finding.
    fn agree(&self, what: &str, lifecycle_says: bool, transition_says: bool, job: &Job) {
        assert!(
            lifecycle_says == transition_says,
            "model: possible_actions says {what} is {} now, the transition says {} (job {job:?})",
            if lifecycle_says {
                "possible"
            } else {
                "impossible"
            },
            if transition_says {
                "possible"
            } else {
                "impossible"
            },
        );
    }

    /// What `a` must do, from the accounts it involves and the program's pure functions.
    fn predict(&self, a: &Action, built: &Built) -> Prediction {
        let mut p = Prediction::default();
        let net = self.net();
        let now = self.now();
        let keys = self.m.net;
        match a {
            Action::CreateJob {
                client,
                id,
                price,
                max_units,
                accept_seconds,
                run_seconds,
                ..
            } => {
                let c = &self.clients[*client];
                match self.token(&c.pay) {
                    None => p.anchor(NOT_INITIALIZED),
                    Some(t) if t.owner != c.key() => {
                        p.anchor(anchor_lang::error::ErrorCode::ConstraintTokenOwner)
                    }
                    Some(_) => {}
                }
                if net.paused & PAUSE_CREATE_JOB != 0 {
                    p.spice(SpiceError::Paused);
                }
                if *price == 0 || *max_units == 0 {
                    p.spice(SpiceError::InvalidJobTerms);
                }
                let params = &net.params;
                if !(MIN_WINDOW_SECONDS..=params.max_accept_seconds).contains(accept_seconds)
                    || !(MIN_WINDOW_SECONDS..=params.max_run_seconds).contains(run_seconds)
                {
                    p.spice(SpiceError::InvalidJobWindow);
                }
                let escrow = price.checked_mul(*max_units);
                if escrow.is_none() {
                    p.spice(SpiceError::MathOverflow);
                }
                let next = self.client_record(&c.key()).map_or(0, |r| r.jobs_created);
                if *id != next {
                    p.spice(SpiceError::WrongJobId);
                }
                self.screen(&mut p, &keys.payment_mint);
                if let Some(escrow) = escrow {
                    if self.token(&c.pay).is_some_and(|t| t.owner == c.key()) {
                        self.source_refusal(&mut p, &c.pay, escrow);
                    }
                }
                if let (true, Some(escrow)) = (p.ok(), escrow) {
                    let job = self.job_key(JobRef {
                        client: *client,
                        id: *id,
                    });
                    self.debit(&mut p.effects, c.pay, escrow);
                    p.effects.balances.insert(pda::escrow_vault(&job), escrow);
                    p.effects.fields.push((
                        "created job".into(),
                        job,
                        FieldCheck::JobCreated {
                            escrowed: escrow,
                            terms: JobTerms::of(params),
                            accept_deadline: now + accept_seconds,
                        },
                    ));
                    p.effects.fields.push((
                        "client record".into(),
                        self.client_record_key(&c.key()),
                        FieldCheck::ClientJobs(next + 1),
                    ));
                }
            }
            Action::CancelJob { job, by, vault } => {
                let key = self.job_key(*job);
                let Some(jb) = self.job(*job) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                self.wrong_client(&mut p, *job, *by);
                let (_, ps) = self.lifecycle(&key, &jb);
                let listed = Self::listed(&ps, Role::Client, lifecycle::Action::Cancel)
                    .is_some_and(|x| x.now);
                self.agree("cancel", listed, jb.state == JobState::Open, &jb);
                if !listed {
                    // The handler's own check: only an open job cancels.
                    p.spice(SpiceError::InvalidJobState);
                }
                if p.ok() {
                    self.predict_refund(&mut p, *job, &jb, None, *vault);
                }
            }
            Action::AcceptJob { job, provider } => {
                let key = self.job_key(*job);
                let Some(jb) = self.job(*job) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                let Some(prov) = self.provider(*provider) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                let paused = net.paused & PAUSE_ACCEPT_JOB != 0;
                if paused {
                    p.spice(SpiceError::Paused);
                }
                if let Err(e) = jb.check_acceptable(&prov, &net, now) {
                    p.refuse(name_of(&e));
                }
                let (_, ps) = self.lifecycle(&key, &jb);
                let listed = Self::listed(&ps, Role::Provider, lifecycle::Action::Accept)
                    .is_some_and(|x| x.now);
                let pda = self.provider_pda(*provider);
                let mut after = jb.clone();
                let accepted = after.accept(pda, prov.stake, now);
                let window = !matches!(
                    &accepted,
                    Err(e) if name_of(e) != spice_name(SpiceError::NotTargetProvider)
                );
                self.agree("accept", listed, !paused && window, &jb);
                match accepted {
                    Err(e) => p.refuse(name_of(&e)),
                    Ok(backing) => {
                        let mut prov_after = prov.clone();
                        if let Err(e) = prov_after.begin_job(backing) {
                            p.refuse(name_of(&e));
                        }
                        p.effects.accounts.insert(key, Some(bytes(&after)));
                        p.effects.accounts.insert(pda, Some(bytes(&prov_after)));
                    }
                }
            }
            Action::SubmitResult {
                job,
                provider,
                units,
            } => {
                let key = self.job_key(*job);
                let Some(jb) = self.job(*job) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                if self.provider(*provider).is_none() {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                }
                if jb.provider != Some(self.provider_pda(*provider)) {
                    p.spice(SpiceError::NotJobProvider);
                }
                let (_, ps) = self.lifecycle(&key, &jb);
                let listed = Self::listed(&ps, Role::Provider, lifecycle::Action::Submit)
                    .is_some_and(|x| x.now);
                let mut after = jb.clone();
                let res = after.submit(
                    [9; 32],
                    "https://example.org/result.tar".into(),
                    *units,
                    now,
                    self.rt().clock().slot,
                );
                let in_time =
                    !matches!(&res, Err(e) if name_of(e) != spice_name(SpiceError::UnitsExceedMax));
                self.agree("submit", listed, in_time, &jb);
                match res {
                    Err(e) => p.refuse(name_of(&e)),
                    Ok(()) => {
                        p.effects.accounts.insert(key, Some(bytes(&after)));
                    }
                }
            }
            Action::ApproveJob {
                job,
                by,
                provider,
                vault,
            } => {
                let key = self.job_key(*job);
                let Some(jb) = self.job(*job) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                self.wrong_client(&mut p, *job, *by);
                let pi = self.settle_provider(&Some(jb.clone()), *provider);
                self.wrong_provider(&mut p, &jb, pi);
                let (draw, ps) = self.lifecycle(&key, &jb);
                let mut after = jb.clone();
                let settles = match Self::listed(&ps, Role::Client, lifecycle::Action::Approve) {
                    Some(x) if x.now => {
                        let Note::Pays { units } = x.note else {
                            panic!("model: an approval without its pay: {x:?}")
                        };
                        self.agree("approve", true, jb.check_approve().is_ok(), &jb);
                        Some(units)
                    }
                    Some(x) => {
                        assert_eq!(x.note, Note::NeedsLaterSlot, "model: {x:?}");
                        p.spice(SpiceError::AuditNotReady);
                        None
                    }
                    None => {
                        if let Err(e) = jb.check_approve() {
                            p.refuse(name_of(&e));
                        } else if jb.audit == AuditDraw::Selected {
                            p.spice(SpiceError::AwaitingAttestation);
                        } else {
                            // Drawn now: the approval only records the selection.
                            assert_eq!(draw, Draw::Selected, "model: approve with {draw:?}");
                            assert!(
                                ps.iter().any(|x| x.note == Note::DrawSelects),
                                "model: a pending selection possible_actions does not show"
                            );
                        }
                        None
                    }
                };
                if p.ok() {
                    after.apply_draw(draw, now).expect("draw");
                    self.predict_effect(&mut p, *job, &after, settles, pi, *vault);
                }
            }
            Action::DisputeJob { job, by } => {
                let key = self.job_key(*job);
                let Some(jb) = self.job(*job) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                if *by != job.client {
                    p.spice(SpiceError::NotJobClient);
                }
                let (draw, ps) = self.lifecycle(&key, &jb);
                let listed = Self::listed(&ps, Role::Client, lifecycle::Action::Dispute)
                    .is_some_and(|x| x.now);
                let mut after = jb.clone();
                let res = if jb.state != JobState::Submitted {
                    Err(SpiceError::InvalidJobState.into())
                } else {
                    after.apply_draw(draw, now).and_then(|_| after.dispute(now))
                };
                self.agree("dispute", listed, res.is_ok(), &jb);
                match res {
                    Err(e) => p.refuse(name_of(&e)),
                    Ok(()) => {
                        p.effects.accounts.insert(key, Some(bytes(&after)));
                    }
                }
            }
            Action::Attest {
                job,
                attestor,
                valid,
                units,
                vault,
                ..
            } => {
                let key = self.job_key(*job);
                let Some(jb) = self.job(*job) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                let pi = self.settle_provider(&Some(jb.clone()), ProviderPick::Own);
                self.wrong_provider(&mut p, &jb, pi);
                let voter = self.attestors[*attestor].pubkey();
                if voter == self.clients[job.client].key() || voter == self.providers[pi].key() {
                    p.spice(SpiceError::ConflictOfInterest);
                }
                let record = self.attestor_record(*attestor);
                match &record {
                    None => p.anchor(NOT_INITIALIZED),
                    Some(r) => {
                        if let Err(e) = r.can_vote(now, jb.accepted_at) {
                            p.refuse(name_of(&e));
                        }
                    }
                }
                let attestation = pda::attestation(&key, &voter);
                if self.exists(&attestation) {
                    p.spice(SpiceError::AlreadyVoted);
                }
                if !p.ok() {
                    return p;
                }
                let (draw, ps) = self.lifecycle(&key, &jb);
                let listed = Self::listed(&ps, Role::Attestors, lifecycle::Action::Attest)
                    .is_some_and(|x| x.now);
                let mut after = jb.clone();
                let open = after
                    .apply_draw(draw, now)
                    .and_then(|_| after.check_vote(now));
                self.agree("attest", listed, open.is_ok(), &jb);
                if let Err(e) = open {
                    p.refuse(name_of(&e));
                    return p;
                }
                let verdict = if *valid {
                    Verdict::Valid
                } else {
                    Verdict::Invalid
                };
                let outcome = after.outcome_of_vote(verdict, *units).expect("outcome");
                let cast = after.cast_vote(verdict, *units).expect("cast");
                assert_eq!(
                    outcome, cast,
                    "model: outcome_of_vote differs from cast_vote"
                );
                let mut rec = record.expect("attestor record");
                rec.count_vote().expect("count");
                let rec_key = pda::attestor(&keys.network, &voter);
                match outcome {
                    VoteOutcome::Pending => {
                        p.effects.accounts.insert(key, Some(bytes(&after)));
                        p.effects.exist.push(attestation);
                        p.effects.accounts.insert(rec_key, Some(bytes(&rec)));
                    }
                    VoteOutcome::Settle { units } => {
                        self.predict_effect(&mut p, *job, &after, Some(units), pi, *vault);
                    }
                    VoteOutcome::Fraud => self.predict_fraud(&mut p, *job, &after, pi, *vault),
                }
                if outcome != VoteOutcome::Pending && p.ok() {
                    // The deciding vote closes its own attestation and the earlier ones passed,
                    // counting those against the outcome.
                    let decided = if outcome == VoteOutcome::Fraud {
                        Verdict::Invalid
                    } else {
                        Verdict::Valid
                    };
                    p.effects.gone.push(attestation);
                    p.effects.accounts.insert(rec_key, Some(bytes(&rec)));
                    for i in &built.earlier {
                        let k = self.attestors[*i].pubkey();
                        let att_key = pda::attestation(&key, &k);
                        let att: Attestation = self.load(&att_key).expect("earlier vote");
                        let mut r = self.attestor_record(*i).expect("earlier voter");
                        if att.verdict != decided {
                            r.count_against().expect("count");
                        }
                        p.effects.gone.push(att_key);
                        p.effects
                            .accounts
                            .insert(pda::attestor(&keys.network, &k), Some(bytes(&r)));
                    }
                }
            }
            Action::SettleJob {
                job,
                provider,
                vault,
            } => {
                let key = self.job_key(*job);
                let Some(jb) = self.job(*job) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                let pi = self.settle_provider(&Some(jb.clone()), *provider);
                self.wrong_provider(&mut p, &jb, pi);
                let (draw, ps) = self.lifecycle(&key, &jb);
                let listed = Self::listed(&ps, Role::Anyone, lifecycle::Action::Settle);
                let settles = if let Err(e) = jb.check_crank_settle(now) {
                    self.agree("settle", listed.is_some_and(|x| x.now), false, &jb);
                    p.refuse(name_of(&e));
                    None
                } else {
                    match listed {
                        Some(x) if x.now => {
                            let Note::Pays { units } = x.note else {
                                panic!("model: a settlement without its pay: {x:?}")
                            };
                            Some(units)
                        }
                        Some(x) => {
                            assert_eq!(x.note, Note::NeedsLaterSlot, "model: {x:?}");
                            p.spice(SpiceError::AuditNotReady);
                            None
                        }
                        None if jb.audit == AuditDraw::Selected => {
                            p.spice(SpiceError::AwaitingAttestation);
                            None
                        }
                        None => {
                            assert_eq!(draw, Draw::Selected, "model: settle with {draw:?}");
                            None
                        }
                    }
                };
                if p.ok() {
                    let mut after = jb.clone();
                    after.apply_draw(draw, now).expect("draw");
                    self.predict_effect(&mut p, *job, &after, settles, pi, *vault);
                }
            }
            Action::ExpireJob {
                job,
                provider,
                vault,
            } => {
                let key = self.job_key(*job);
                let Some(jb) = self.job(*job) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                let named = match provider {
                    ProviderPick::Own => self.provider_index(&jb),
                    ProviderPick::Named(i) => Some(*i),
                    ProviderPick::Missing => None,
                };
                if let Some(i) = named {
                    self.wrong_provider(&mut p, &jb, i);
                }
                let (_, ps) = self.lifecycle(&key, &jb);
                let listed = Self::listed(&ps, Role::Anyone, lifecycle::Action::Expire)
                    .is_some_and(|x| x.now);
                let reason = jb.expire_reason(now);
                self.agree("expire", listed, reason.is_some(), &jb);
                if reason.is_none() {
                    p.spice(SpiceError::NotExpired);
                }
                if jb.provider.is_some() && named.is_none() {
                    p.spice(SpiceError::NotJobProvider);
                }
                if p.ok() {
                    let reason = reason.expect("reason");
                    p.notes.push(match reason {
                        spice::state::ExpireReason::NotAccepted => "expired: not accepted",
                        spice::state::ExpireReason::NotSubmitted => "expired: not submitted",
                        spice::state::ExpireReason::NoQuorum => "expired: no quorum",
                    });
                    let prov = named.map(|i| {
                        let mut prov = self.provider(i).expect("provider");
                        prov.end_job(jb.backing()).expect("end job");
                        if reason == spice::state::ExpireReason::NotSubmitted {
                            prov.record_failed();
                        }
                        (self.provider_pda(i), prov)
                    });
                    self.predict_refund(&mut p, *job, &jb, prov, *vault);
                }
            }
            Action::DrawAudit { job } => {
                let key = self.job_key(*job);
                let Some(jb) = self.job(*job) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                let (draw, ps) = self.lifecycle(&key, &jb);
                if !matches!(jb.state, JobState::Submitted | JobState::Disputed) {
                    p.spice(SpiceError::InvalidJobState);
                } else if jb.audit != AuditDraw::Pending {
                    p.spice(SpiceError::AuditAlreadyDrawn);
                } else if draw == Draw::NotReady {
                    p.spice(SpiceError::AuditNotReady);
                }
                let listed = Self::listed(&ps, Role::Anyone, lifecycle::Action::DrawAudit)
                    .is_some_and(|x| x.now);
                self.agree("draw_audit", listed, p.ok(), &jb);
                if p.ok() {
                    let mut after = jb.clone();
                    after.apply_draw(draw, now).expect("draw");
                    p.effects.accounts.insert(key, Some(bytes(&after)));
                }
            }
            Action::CloseAttestation { job, attestor } => {
                let key = self.job_key(*job);
                let att = pda::attestation(&key, &self.attestors[*attestor].pubkey());
                if !self.exists(&att) {
                    p.anchor(NOT_INITIALIZED);
                } else if self.exists(&key) {
                    p.spice(SpiceError::JobStillOpen);
                }
                p.effects.gone.push(att);
            }
            Action::Stake { provider, amount } => {
                let Some(mut prov) = self.provider(*provider) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                if net.paused & PAUSE_REGISTER != 0 {
                    p.spice(SpiceError::Paused);
                }
                if *amount == 0 {
                    p.spice(SpiceError::ZeroAmount);
                }
                self.screen(&mut p, &keys.stake_mint);
                let from = self.providers[*provider].stake;
                self.source_refusal(&mut p, &from, *amount);
                if p.ok() {
                    let pda = self.provider_pda(*provider);
                    let vault = pda::stake_vault(&pda);
                    prov.stake += amount;
                    prov.refresh_and_check(self.balance(&vault) + amount, net.params.min_stake)
                        .expect("refresh");
                    p.effects.accounts.insert(pda, Some(bytes(&prov)));
                    self.debit(&mut p.effects, from, *amount);
                    self.credit(&mut p.effects, vault, *amount);
                }
            }
            Action::BeginUnbond { provider, amount } => {
                let Some(mut prov) = self.provider(*provider) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                if *amount == 0 {
                    p.spice(SpiceError::ZeroAmount);
                } else {
                    match prov.stake.checked_sub(*amount) {
                        None => p.spice(SpiceError::InsufficientStake),
                        Some(0) if prov.active_jobs > 0 => {
                            p.spice(SpiceError::ProviderHasActiveJobs)
                        }
                        Some(rest) if rest > 0 && rest < net.params.min_stake => {
                            p.spice(SpiceError::BelowMinStake)
                        }
                        Some(_) => {}
                    }
                }
                if p.ok() {
                    let pda = self.provider_pda(*provider);
                    prov.stake -= amount;
                    prov.unbonding += amount;
                    prov.unbond_ready_at = now + net.params.unbond_seconds;
                    let held = self.balance(&pda::stake_vault(&pda));
                    prov.refresh_and_check(held, net.params.min_stake)
                        .expect("refresh");
                    p.effects.accounts.insert(pda, Some(bytes(&prov)));
                }
            }
            Action::WithdrawUnbonded { provider, dest } => {
                let Some(mut prov) = self.provider(*provider) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                let to = self.withdraw_dest(*provider, *dest);
                let amount = prov.withdrawable().expect("withdrawable");
                if prov.unbonding == 0 {
                    p.spice(SpiceError::NothingUnbonding);
                } else if now < prov.unbond_ready_at {
                    p.spice(SpiceError::UnbondNotReady);
                } else if amount == 0 {
                    // Everything unbonding backs unfinished jobs.
                    p.spice(SpiceError::StakeLocked);
                }
                self.screen(&mut p, &keys.stake_mint);
                self.dest_refusal(&mut p, &to, amount);
                if amount < prov.unbonding {
                    p.notes.push("partial withdrawal: stake locked behind jobs");
                }
                if prov.unbonding > 0 && now >= prov.unbond_ready_at && amount == 0 {
                    p.refusal_notes
                        .push("withdrawal refused: all unbonding stake locked");
                }
                if p.ok() {
                    let pda = self.provider_pda(*provider);
                    let vault = pda::stake_vault(&pda);
                    prov.unbonding -= amount;
                    if prov.unbonding == 0 {
                        prov.unbond_ready_at = 0;
                    }
                    prov.refresh_and_check(self.balance(&vault) - amount, net.params.min_stake)
                        .expect("refresh");
                    p.effects.accounts.insert(pda, Some(bytes(&prov)));
                    self.debit(&mut p.effects, vault, amount);
                    self.credit(&mut p.effects, to, amount);
                }
            }
            Action::RegisterProvider { provider, amount } => {
                if net.paused & PAUSE_REGISTER != 0 {
                    p.spice(SpiceError::Paused);
                }
                if *amount < net.params.min_stake {
                    p.spice(SpiceError::BelowMinStake);
                }
                let pda = self.provider_pda(*provider);
                if self.exists(&pda) {
                    p.spice(SpiceError::AlreadyInUse);
                }
                self.screen(&mut p, &keys.stake_mint);
                let from = self.providers[*provider].stake;
                self.source_refusal(&mut p, &from, *amount);
                if p.ok() {
                    self.debit(&mut p.effects, from, *amount);
                    p.effects.balances.insert(pda::stake_vault(&pda), *amount);
                    p.effects.fields.push((
                        "registered provider".into(),
                        pda,
                        FieldCheck::ProviderRegistered { stake: *amount },
                    ));
                }
            }
            Action::CloseProvider { provider, dest } => {
                let Some(prov) = self.provider(*provider) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                if prov.stake != 0 || prov.unbonding != 0 {
                    p.spice(SpiceError::ProviderNotEmpty);
                }
                if prov.active_jobs != 0 {
                    p.spice(SpiceError::ProviderHasActiveJobs);
                }
                if prov.owed_payment != 0 {
                    p.spice(SpiceError::PayoutsPending);
                }
                self.screen(&mut p, &keys.stake_mint);
                let pda = self.provider_pda(*provider);
                let vault = pda::stake_vault(&pda);
                let to = self.withdraw_dest(*provider, *dest);
                let left = self.balance(&vault);
                self.dest_refusal(&mut p, &to, left);
                if p.ok() {
                    self.credit(&mut p.effects, to, left);
                    p.effects.gone.push(pda);
                    p.effects.gone.push(vault);
                }
            }
            Action::CollectProviderPayouts { provider, dest } => {
                let Some(mut prov) = self.provider(*provider) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                let who = &self.providers[*provider];
                let to = Self::dest(
                    *dest,
                    who.pay,
                    who.pay_side,
                    self.other_provider(*provider).pay_side,
                );
                self.payee_account(&mut p, &to, &who.key());
                let owed = prov.take_owed();
                if owed == 0 {
                    p.spice(SpiceError::NothingToCollect);
                }
                self.screen(&mut p, &keys.payment_mint);
                if self.token(&to).is_some() {
                    self.dest_refusal(&mut p, &to, owed);
                }
                if p.ok() {
                    let pda = self.provider_pda(*provider);
                    p.effects.accounts.insert(pda, Some(bytes(&prov)));
                    self.debit(&mut p.effects, keys.payment_payouts(), owed);
                    self.credit(&mut p.effects, to, owed);
                }
            }
            Action::CollectClientPayouts { client, dest } => {
                let c = &self.clients[*client];
                let Some(mut rec) = self.client_record(&c.key()) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                let o = self.other_client(*client);
                let to_pay = Self::dest(*dest, c.pay, c.pay_side, o.pay_side);
                let to_stake = Self::dest(*dest, c.stake, c.stake_side, o.stake_side);
                self.payee_account(&mut p, &to_pay, &c.key());
                self.payee_account(&mut p, &to_stake, &c.key());
                let (pay, stake) = rec.take_owed();
                if pay == 0 && stake == 0 {
                    p.spice(SpiceError::NothingToCollect);
                }
                self.screen(&mut p, &keys.payment_mint);
                self.screen(&mut p, &keys.stake_mint);
                if self.token(&to_pay).is_some() && self.token(&to_stake).is_some() {
                    self.dest_refusal(&mut p, &to_pay, pay);
                    self.dest_refusal(&mut p, &to_stake, stake);
                }
                if p.ok() {
                    p.effects
                        .accounts
                        .insert(self.client_record_key(&c.key()), Some(bytes(&rec)));
                    self.debit(&mut p.effects, keys.payment_payouts(), pay);
                    self.debit(&mut p.effects, keys.stake_payouts(), stake);
                    self.credit(&mut p.effects, to_pay, pay);
                    self.credit(&mut p.effects, to_stake, stake);
                }
            }
            Action::FinalizeEpoch { epoch } => {
                if net.current_epoch(now).expect("epoch") <= *epoch {
                    p.spice(SpiceError::EpochNotEnded);
                } else if self.epoch_entry(*epoch).status != EpochStatus::Pending {
                    p.spice(SpiceError::EpochAlreadyFinalized);
                }
                if p.ok() {
                    let book = pda::epoch_book(&keys.network, page_of(*epoch));
                    p.effects.fields.push((
                        "finalized epoch".into(),
                        book,
                        FieldCheck::EpochFinalized {
                            epoch: *epoch,
                            deadline: net.claim_deadline(*epoch, now).expect("deadline"),
                            paused_base: net.claims_paused_total(now).expect("paused"),
                            finalized_at: now,
                        },
                    ));
                }
            }
            Action::ClaimRewards {
                provider,
                epochs,
                dup_page,
                dest,
            } => {
                if net.paused & PAUSE_CLAIM != 0 {
                    p.spice(SpiceError::Paused);
                }
                let pda = self.provider_pda(*provider);
                let mut pages: Vec<u64> = epochs.iter().map(|e| page_of(*e)).collect();
                pages.sort_unstable();
                pages.dedup();
                if *dup_page {
                    p.spice(SpiceError::InvalidClaimAccounts);
                }
                let mut total = 0u64;
                for page in &pages {
                    let eb: Option<EpochBook> = self.load(&pda::epoch_book(&keys.network, *page));
                    let pb: Option<ProviderBook> = self.load(&pda::provider_book(&pda, *page));
                    let (Some(eb), Some(pb)) = (eb, pb) else {
                        p.anchor(anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram);
                        continue;
                    };
                    for (entry, epoch) in pb.entries.iter().zip(eb.entries.iter()) {
                        if entry.weight > 0 && epoch.payable() {
                            total += entry.owed(epoch).expect("owed");
                        }
                    }
                }
                if p.ok() && total == 0 {
                    p.spice(SpiceError::NothingToClaim);
                }
                let params = net.params;
                let available = net
                    .outflow
                    .available(
                        now,
                        params.outflow_window_seconds,
                        params.max_reward_outflow_per_window,
                    )
                    .expect("available");
                let pay = total.min(available);
                if p.ok() && pay == 0 {
                    p.spice(SpiceError::RewardOutflowLimit);
                }
                self.screen(&mut p, &keys.stake_mint);
                let to = self.withdraw_dest(*provider, *dest);
                self.dest_refusal(&mut p, &to, pay);
                if p.ok() {
                    self.debit(&mut p.effects, pda::reward_vault(&keys.network), pay);
                    self.credit(&mut p.effects, to, pay);
                    let mut after = net.clone();
                    after
                        .outflow
                        .record(
                            now,
                            params.outflow_window_seconds,
                            pay,
                            params.max_reward_outflow_per_window,
                        )
                        .expect("record");
                    if pay == available {
                        after.note_outflow_saturated(now);
                    }
                    after.total_claimed += pay;
                    p.effects.accounts.insert(keys.network, Some(bytes(&after)));
                }
            }
            Action::CloseEpoch { epoch } => {
                if net.paused & PAUSE_CLAIM != 0 {
                    p.spice(SpiceError::Paused);
                }
                let book = pda::epoch_book(&keys.network, page_of(*epoch));
                if !self.exists(&book) {
                    p.anchor(anchor_lang::error::ErrorCode::AccountOwnedByWrongProgram);
                    return p;
                }
                let entry = self.epoch_entry(*epoch);
                let paused_total = net.claims_paused_total(now).expect("paused");
                match entry.status {
                    EpochStatus::Pending => p.spice(SpiceError::EpochNotFinalized),
                    EpochStatus::Closed => p.spice(SpiceError::EpochClosed),
                    EpochStatus::Open => {
                        if entry.claimable(now, paused_total).expect("claimable") {
                            p.spice(SpiceError::ClaimWindowOpen);
                        }
                    }
                }
                if p.ok() {
                    if let Err(e) = net.require_outflow_idle(now) {
                        p.refuse(name_of(&e));
                    }
                }
                if p.ok() {
                    let mut after = net.clone();
                    after.total_allocated -= entry.unclaimed().expect("unclaimed");
                    p.effects.accounts.insert(keys.network, Some(bytes(&after)));
                    p.effects.fields.push((
                        "closed epoch".into(),
                        book,
                        FieldCheck::EpochStatus {
                            epoch: *epoch,
                            status: EpochStatus::Closed,
                        },
                    ));
                }
            }
            Action::CloseEpochShard {
                epoch,
                shard,
                right_payer,
            } => {
                let key = pda::epoch_shard(&keys.network, *epoch, *shard);
                let Some(s) = self.load::<EpochShard>(&key) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                let book = pda::epoch_book(&keys.network, page_of(*epoch));
                if !self.exists(&book) {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                }
                if !right_payer {
                    p.spice(SpiceError::WrongRentPayer);
                }
                let entry = self.epoch_entry(*epoch);
                if entry.status == EpochStatus::Pending {
                    p.spice(SpiceError::EpochNotFinalized);
                }
                let _ = s;
                if p.ok() {
                    p.effects.gone.push(key);
                    p.effects.fields.push((
                        "epoch shards".into(),
                        book,
                        FieldCheck::OpenShards {
                            epoch: *epoch,
                            open: entry.open_shards - 1,
                        },
                    ));
                }
            }
            Action::CloseProviderBook {
                provider,
                page,
                right_payer,
            } => {
                let pda = self.provider_pda(*provider);
                let key = pda::provider_book(&pda, *page);
                let Some(book) = self.load::<ProviderBook>(&key) else {
                    p.anchor(NOT_INITIALIZED);
                    return p;
                };
                if !right_payer {
                    p.spice(SpiceError::WrongRentPayer);
                }
                let last =
                    first_epoch_of(*page).expect("page") + spice::constants::EPOCHS_PER_PAGE - 1;
                if net.current_epoch(now).expect("epoch") <= last {
                    p.spice(SpiceError::BookStillOpen);
                }
                let epochs: Option<EpochBook> = self.load(&pda::epoch_book(&keys.network, *page));
                for (slot, entry) in book.entries.iter().enumerate() {
                    if entry.weight == 0 {
                        continue;
                    }
                    let settled = match epochs.as_ref().map(|b| b.entries[slot]) {
                        None => false,
                        Some(e) => match e.status {
                            EpochStatus::Pending => false,
                            EpochStatus::Closed => true,
                            EpochStatus::Open => entry.owed(&e).expect("owed") == 0,
                        },
                    };
                    if !settled {
                        p.spice(SpiceError::BookStillOpen);
                    }
                }
                p.effects.gone.push(key);
            }
            Action::FundRewards { amount } => {
                if *amount == 0 {
                    p.spice(SpiceError::ZeroAmount);
                }
                self.screen(&mut p, &keys.stake_mint);
                self.source_refusal(&mut p, &self.funder.stake, *amount);
                if p.ok() {
                    self.debit(&mut p.effects, self.funder.stake, *amount);
                    self.credit(&mut p.effects, pda::reward_vault(&keys.network), *amount);
                }
            }
            Action::SetPause {
                flags,
                by_authority,
            } => {
                if !by_authority {
                    p.spice(SpiceError::NotAuthority);
                }
                let mut after = net.clone();
                match after.set_pause(*flags, now) {
                    Err(e) => p.refuse(name_of(&e)),
                    Ok(()) => {
                        p.effects.accounts.insert(keys.network, Some(bytes(&after)));
                    }
                }
            }
            Action::ProposeParams {
                params,
                by_authority,
            } => {
                if !by_authority {
                    p.spice(SpiceError::NotAuthority);
                }
                if let Some(proposed) = params {
                    if proposed.rewards_can_exceed_fees() {
                        p.notes
                            .push("proposal where rewards can exceed fees: accepted");
                        p.refusal_notes
                            .push("proposal where rewards can exceed fees: refused");
                    }
                }
                let mut after = net.clone();
                match after.propose_params(*params, now) {
                    Err(e) => p.refuse(name_of(&e)),
                    Ok(_) => {
                        p.effects.accounts.insert(keys.network, Some(bytes(&after)));
                    }
                }
            }
            Action::ApplyParams => {
                let mut after = net.clone();
                let res = after.apply_params(now).and_then(|_| after.invariant());
                if net.pending_params.is_none() {
                    p.spice(SpiceError::NoPendingParams);
                } else if !net.pending_params_applicable(now) {
                    p.spice(SpiceError::ParamsNotYetEffective);
                }
                match res {
                    Err(e) => {
                        let name = name_of(&e);
                        assert!(
                            !p.ok() || name == spice_name(SpiceError::ParameterOutOfBounds),
                            "model: apply_params refuses with {name} what \
                             pending_params_applicable allows"
                        );
                        p.refuse(name);
                    }
                    Ok(()) => {
                        assert!(p.ok(), "model: apply_params applies what is not applicable");
                        if after.params.rewards_can_exceed_fees() {
                            p.notes
                                .push("parameters in force where rewards can exceed fees");
                        }
                        p.effects.accounts.insert(keys.network, Some(bytes(&after)));
                    }
                }
            }
            Action::AddAttestor {
                attestor,
                by_authority,
            } => {
                if !by_authority {
                    p.spice(SpiceError::NotAuthority);
                }
                let delay = net.governance_delay();
                let rec_key = pda::attestor(&keys.network, &self.attestors[*attestor].pubkey());
                let rec = match self.attestor_record(*attestor) {
                    Some(r) => {
                        if let Err(e) = r.refuse_readdition() {
                            p.refuse(name_of(&e));
                        }
                        None
                    }
                    None => Some(Attestor {
                        version: spice::state::ACCOUNT_VERSION,
                        bump: 0,
                        network: keys.network,
                        key: self.attestors[*attestor].pubkey(),
                        active_from: now + delay,
                        active_until: NOT_REMOVED,
                        votes_cast: 0,
                        votes_against_outcome: 0,
                        reserved: [0; 32],
                    }),
                };
                if p.ok() {
                    let mut rec = rec.expect("record");
                    if let Some(old) = self.attestor_record(*attestor) {
                        rec.bump = old.bump;
                    } else {
                        rec.bump = Pubkey::find_program_address(
                            &[
                                spice::state::seeds::ATTESTOR,
                                keys.network.as_ref(),
                                self.attestors[*attestor].pubkey().as_ref(),
                            ],
                            &spice::ID,
                        )
                        .1;
                    }
                    let mut after = net.clone();
                    after
                        .note_attestor_addition(now, rec.active_from)
                        .expect("attestor count");
                    p.effects.accounts.insert(rec_key, Some(bytes(&rec)));
                    p.effects.accounts.insert(keys.network, Some(bytes(&after)));
                }
            }
            Action::RemoveAttestor {
                attestor,
                by_authority,
            } => {
                if !by_authority {
                    p.spice(SpiceError::NotAuthority);
                }
                let rec_key = pda::attestor(&keys.network, &self.attestors[*attestor].pubkey());
                match self.attestor_record(*attestor) {
                    None => p.anchor(NOT_INITIALIZED),
                    Some(mut r) => match r.schedule_removal(now, net.governance_delay()) {
                        Err(e) => p.refuse(name_of(&e)),
                        Ok(()) => {
                            let mut after = net.clone();
                            if let Err(e) = after.note_attestor_removal() {
                                p.refuse(name_of(&e));
                            }
                            p.effects.accounts.insert(rec_key, Some(bytes(&r)));
                            p.effects.accounts.insert(keys.network, Some(bytes(&after)));
                        }
                    },
                }
            }
            Action::Lever { .. }
            | Action::PoisonMint { .. }
            | Action::WarpSeconds(_)
            | Action::WarpSlots(_) => unreachable!("not an instruction"),
        }
        p
    }

    /// `by` signs for `job`'s client: the account constraints that refuse anyone else (the
    /// SDK derives the client's record and token account from the signer).
    fn wrong_client(&self, p: &mut Prediction, job: JobRef, by: usize) {
        if by == job.client {
            return;
        }
        p.spice(SpiceError::NotJobClient);
        p.anchor(anchor_lang::error::ErrorCode::ConstraintSeeds);
        if self.client_record(&self.clients[by].key()).is_none() {
            p.anchor(NOT_INITIALIZED);
        }
    }

    /// Provider `i`'s account named as the job's: missing, or not the job's.
    fn wrong_provider(&self, p: &mut Prediction, job: &Job, i: usize) {
        if self.provider(i).is_none() {
            p.anchor(NOT_INITIALIZED);
        } else if job.provider != Some(self.provider_pda(i)) {
            p.spice(SpiceError::NotJobProvider);
        }
    }

    /// A collect destination's account constraints: it exists and the payee owns it.
    fn payee_account(&self, p: &mut Prediction, to: &Pubkey, payee: &Pubkey) {
        match self.token(to) {
            None => p.anchor(NOT_INITIALIZED),
            Some(t) if t.owner != *payee => p.spice(SpiceError::WrongPayee),
            Some(_) => {}
        }
    }

    fn epoch_entry(&self, epoch: u64) -> EpochEntry {
        self.load::<EpochBook>(&pda::epoch_book(&self.m.net.network, page_of(epoch)))
            .map(|b| b.entries[offset_in_page(epoch)])
            .unwrap_or_default()
    }

    /// Notes what the end of a job without the payouts vaults did.
    fn note_vault(p: &mut Prediction, vault: bool) {
        if !vault && p.ok() {
            p.notes
                .push("payouts vault left out, every payee takes its payout");
        }
    }

    /// A settlement for `units` (`Some`), or — `None` — only the recorded draw: `after` is the
    /// job with the draw (and a deciding vote) applied.
    fn predict_effect(
        &self,
        p: &mut Prediction,
        job: JobRef,
        after: &Job,
        units: Option<u64>,
        provider: usize,
        vault: bool,
    ) {
        let key = self.job_key(job);
        let Some(units) = units else {
            p.effects.accounts.insert(key, Some(bytes(after)));
            return;
        };
        let net = self.net();
        let units = units.min(after.reported_units);
        let payout = match after.payout(units) {
            Ok(x) => x,
            Err(e) => return p.refuse(name_of(&e)),
        };
        self.screen(p, &self.m.net.payment_mint);
        if !p.ok() {
            return;
        }
        let escrow = pda::escrow_vault(&key);
        let held = self.balance(&escrow);
        let refund = held - payout.provider - payout.fee;
        let mut owed = BTreeMap::new();
        let owner = self.providers[provider].key();
        let mint = self.m.net.payment_mint;
        self.route(
            p,
            &mut owed,
            self.providers[provider].pay,
            mint,
            owner,
            payout.provider,
            Owed::Provider(provider),
            vault,
        );
        self.credit(&mut p.effects, self.m.net.payment_treasury(), payout.fee);
        let client = &self.clients[job.client];
        self.route(
            p,
            &mut owed,
            client.pay,
            mint,
            client.key(),
            refund,
            Owed::ClientPayment(job.client),
            vault,
        );
        let mut prov = self.provider(provider).expect("provider");
        prov.end_job(after.backing()).expect("end job");
        prov.record_completed(units, payout.provider);
        let _ = net;
        self.apply_owed(
            p,
            &owed,
            Some((self.provider_pda(provider), prov)),
            job.client,
        );
        p.effects.gone.push(key);
        p.effects.gone.push(escrow);
        p.effects.balances.remove(&escrow);
        p.notes.push("job settled");
        Self::note_vault(p, vault);
    }

    /// A refund of the whole escrow vault (cancel, expiry).
    fn predict_refund(
        &self,
        p: &mut Prediction,
        job: JobRef,
        _jb: &Job,
        provider: Option<(Pubkey, Provider)>,
        vault: bool,
    ) {
        self.screen(p, &self.m.net.payment_mint);
        if !p.ok() {
            return;
        }
        let key = self.job_key(job);
        let escrow = pda::escrow_vault(&key);
        let held = self.balance(&escrow);
        let client = &self.clients[job.client];
        let mut owed = BTreeMap::new();
        self.route(
            p,
            &mut owed,
            client.pay,
            self.m.net.payment_mint,
            client.key(),
            held,
            Owed::ClientPayment(job.client),
            vault,
        );
        self.apply_owed(p, &owed, provider, job.client);
        p.effects.gone.push(key);
        p.effects.gone.push(escrow);
        Self::note_vault(p, vault);
    }

    /// An Invalid quorum: full refund, the job's lock slashed, its client's share paid.
    fn predict_fraud(
        &self,
        p: &mut Prediction,
        job: JobRef,
        after: &Job,
        provider: usize,
        vault: bool,
    ) {
        let net = self.net();
        self.screen(p, &self.m.net.payment_mint);
        if !p.ok() {
            return;
        }
        let key = self.job_key(job);
        let escrow = pda::escrow_vault(&key);
        let held = self.balance(&escrow);
        let client = &self.clients[job.client];
        let mut owed = BTreeMap::new();
        self.route(
            p,
            &mut owed,
            client.pay,
            self.m.net.payment_mint,
            client.key(),
            held,
            Owed::ClientPayment(job.client),
            vault,
        );
        if !p.ok() {
            return;
        }
        let pda = self.provider_pda(provider);
        let stake_vault = pda::stake_vault(&pda);
        let mut prov = self.provider(provider).expect("provider");
        let slash = prov.slash_job(after.backing()).expect("slash");
        let to_client = (u128::from(slash.total) * u128::from(after.terms.slash_client_share_bps)
            / 10_000) as u64;
        let to_treasury = slash.total - to_client;
        self.screen(p, &self.m.net.stake_mint);
        if !p.ok() {
            return;
        }
        self.debit(&mut p.effects, stake_vault, slash.total);
        self.route(
            p,
            &mut owed,
            client.stake,
            self.m.net.stake_mint,
            client.key(),
            to_client,
            Owed::ClientStake(job.client),
            vault,
        );
        self.credit(&mut p.effects, self.m.net.stake_treasury(), to_treasury);
        let left = self.balance(&stake_vault) - slash.total;
        prov.refresh_and_check(left, net.params.min_stake)
            .expect("refresh");
        self.apply_owed(p, &owed, Some((pda, prov)), job.client);
        p.effects.gone.push(key);
        p.effects.gone.push(escrow);
        p.effects.balances.remove(&escrow);
        p.notes.push("fraud slashed");
        if slash.from_unbonding > 0 {
            p.notes.push("fraud slashed unbonding stake");
        }
        Self::note_vault(p, vault);
    }

    /// Panics if the success of `a` left other than `e` predicted.
    fn check_effects(&self, a: &Action, e: &Effects) {
        let kind = a.kind();
        for key in &e.gone {
            assert!(!self.exists(key), "{kind}: account {key} should be closed");
        }
        for key in &e.exist {
            assert!(self.exists(key), "{kind}: account {key} should exist");
        }
        for (key, want) in &e.balances {
            if e.gone.contains(key) {
                continue;
            }
            let got = self.balance(key);
            assert_eq!(got, *want, "{kind}: token balance of {key}");
        }
        for (key, want) in &e.accounts {
            // Borsh reads a prefix of the account's data: compare that prefix.
            let got = self.rt().account(key).map(|a| {
                let len = want.as_ref().map_or(0, |w| w.len());
                a.data[8..(8 + len).min(a.data.len())].to_vec()
            });
            if got.as_ref() != want.as_ref() {
                panic!(
                    "{kind}: account {key} differs from the model's\n  model: {}\n  chain: {}",
                    describe(want.as_deref()),
                    describe(got.as_deref())
                );
            }
        }
        for (what, key, check) in &e.fields {
            match check {
                FieldCheck::JobCreated {
                    escrowed,
                    terms,
                    accept_deadline,
                } => {
                    let j: Job = self
                        .load(key)
                        .unwrap_or_else(|| panic!("{kind}: {what} {key}"));
                    assert!(
                        j.state == JobState::Open
                            && j.escrowed == *escrowed
                            && j.terms == *terms
                            && j.accept_deadline == *accept_deadline,
                        "{kind}: {what} {key}: {j:?}"
                    );
                }
                FieldCheck::ClientJobs(n) => {
                    let c: Client = self.load(key).unwrap_or_else(|| panic!("{kind}: {what}"));
                    assert_eq!(c.jobs_created, *n, "{kind}: {what} {key}");
                }
                FieldCheck::EpochStatus { epoch, status } => {
                    let entry = self.epoch_entry(*epoch);
                    assert_eq!(entry.status, *status, "{kind}: {what} {epoch}");
                }
                FieldCheck::EpochFinalized {
                    epoch,
                    deadline,
                    paused_base,
                    finalized_at,
                } => {
                    let entry = self.epoch_entry(*epoch);
                    assert!(
                        entry.status == EpochStatus::Open
                            && entry.claim_deadline == *deadline
                            && entry.paused_base == *paused_base
                            && entry.finalized_at == *finalized_at,
                        "{kind}: {what} {epoch}: {entry:?}"
                    );
                }
                FieldCheck::OpenShards { epoch, open } => {
                    let entry = self.epoch_entry(*epoch);
                    assert_eq!(entry.open_shards, *open, "{kind}: {what} {epoch}");
                }
                FieldCheck::ProviderRegistered { stake } => {
                    let p: Provider = self.load(key).unwrap_or_else(|| panic!("{kind}: {what}"));
                    assert!(
                        p.stake == *stake
                            && p.unbonding == 0
                            && p.status == ProviderStatus::Active
                            && p.active_jobs == 0,
                        "{kind}: {what} {key}: {p:?}"
                    );
                }
            }
        }
    }
}

/// A program account's bytes, decoded where the type is known, for failure messages.
fn describe(data: Option<&[u8]>) -> String {
    use anchor_lang::AnchorDeserialize;
    let Some(d) = data else {
        return "closed".into();
    };
    if let Ok(j) = Job::deserialize(&mut &d[..]) {
        return format!("{j:?}");
    }
    if let Ok(p) = Provider::deserialize(&mut &d[..]) {
        return format!("{p:?}");
    }
    if let Ok(n) = Network::deserialize(&mut &d[..]) {
        return format!("{n:?}");
    }
    if let Ok(c) = Client::deserialize(&mut &d[..]) {
        return format!("{c:?}");
    }
    if let Ok(a) = Attestor::deserialize(&mut &d[..]) {
        return format!("{a:?}");
    }
    format!("{d:?}")
}

// ------------------------------------------------------------------------------------ steps

impl World {
    /// Sends one instruction (after a compute-limit instruction with a per-call value that keeps
    /// otherwise identical transactions distinct).
    fn send(&mut self, ix: &Instruction, signers: &[Keypair]) -> Result<(), spice_ledger::Failed> {
        self.nonce = self.nonce.wrapping_add(1);
        let budget = self.budget_ix();
        let ixs = [budget, ix.clone()];
        assert!(
            self.tx_size(&ixs) <= PACKET_DATA_SIZE,
            "the fuzzer built a transaction over the packet size: {ix:?}"
        );
        let blockhash = self.rt().latest_blockhash();
        let payer = self.m.env.ctx.payer.insecure_clone();
        let mut keys: Vec<&Keypair> = vec![&payer];
        keys.extend(signers.iter());
        let tx = Transaction::new_signed_with_payer(&ixs, Some(&payer.pubkey()), &keys, blockhash);
        self.m.env.runtime_mut().send(tx).map(|_| ())
    }

    fn snapshot(&self, ix: &Instruction) -> Snapshot {
        let payer = self.m.env.payer();
        let mut keys: Vec<Pubkey> = ix.accounts.iter().map(|m| m.pubkey).collect();
        keys.sort();
        keys.dedup();
        let mut out = Vec::new();
        for k in keys {
            if k == payer {
                continue;
            }
            match self.rt().account(&k) {
                // Programs and sysvars: not state an instruction can change.
                Some(a) if a.executable || a.owner == SYSVAR_OWNER => {}
                Some(a) => out.push((k, Some((a.lamports, a.owner, a.data)))),
                None => out.push((k, None)),
            }
        }
        out
    }

    fn audit(&mut self) {
        let t = Instant::now();
        self.m.assert_audit();
        self.stats.audit_secs += t.elapsed().as_secs_f64();
    }

    /// Runs one action; panics on a fuzz failure (see the module's documentation).
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
            Action::Lever { payee, lever } => {
                if self.pull(*payee, *lever).await {
                    *self.stats.ok.entry(a.kind()).or_default() += 1;
                    self.audit();
                } else {
                    self.stats.skipped += 1;
                }
                return;
            }
            Action::PoisonMint { stake } => {
                if self.poison(*stake).await {
                    *self.stats.ok.entry(a.kind()).or_default() += 1;
                    self.audit();
                } else {
                    self.stats.skipped += 1;
                }
                return;
            }
            _ => {}
        }
        let t = Instant::now();
        let built = self.build(a);
        let prediction = self.predict(a, &built);
        let now = self.now();
        let epoch_now = self.m.net.epoch_at(now);
        let before = self.snapshot(&built.ix);
        self.stats.model_secs += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let res = self.send(&built.ix, &built.signers);
        self.stats.send_secs += t.elapsed().as_secs_f64();
        let kind = a.kind();
        match res {
            Err(failed) => {
                let (name, runtime) = outcome_name(&failed);
                *self.stats.refused.entry((kind, name.clone())).or_default() += 1;
                assert!(
                    !runtime,
                    "{kind} failed in the runtime, not with a program's error: {name}\n  logs: {:?}",
                    failed.logs
                );
                assert!(
                    !prediction.ok(),
                    "{kind} refused with {name}; the model says it must succeed"
                );
                assert!(
                    prediction.reasons.contains(&name),
                    "{kind} refused with {name}; the model predicts {:?}",
                    prediction.reasons
                );
                for n in &prediction.refusal_notes {
                    *self.stats.notes.entry(n).or_default() += 1;
                }
                let after = self.snapshot(&built.ix);
                for ((k, b), (_, af)) in before.iter().zip(after.iter()) {
                    assert!(
                        b == af,
                        "failed step changed state: {kind} failed with {name} but account {k} changed"
                    );
                }
            }
            Ok(()) => {
                *self.stats.ok.entry(kind).or_default() += 1;
                assert!(
                    prediction.ok(),
                    "{kind} succeeded; the model says it must fail with {:?}",
                    prediction.reasons
                );
                for n in &prediction.notes {
                    *self.stats.notes.entry(n).or_default() += 1;
                }
                let t = Instant::now();
                self.check_effects(a, &prediction.effects);
                self.stats.model_secs += t.elapsed().as_secs_f64();
                self.after_success(a, epoch_now);
                // Self-test of the failure report and the shrinker: FUZZ_SELFTEST=<action>:<n>
                // fails the run at the n-th success of that action.
                if let Some((k, n)) = std::env::var("FUZZ_SELFTEST").ok().and_then(|v| {
                    v.split_once(':')
                        .map(|(k, n)| (k.to_string(), n.parse().ok()))
                }) {
                    assert!(
                        k != kind || Some(self.stats.ok[kind]) != n,
                        "selftest: injected failure at success {n:?} of {k}"
                    );
                }
                self.audit();
            }
        }
    }

    fn after_success(&mut self, a: &Action, epoch_now: u64) {
        match a {
            Action::CreateJob { client, id, .. } => {
                let j = JobRef {
                    client: *client,
                    id: *id,
                };
                self.live_jobs.push(j);
                self.used_ids.push(j);
            }
            Action::ApproveJob { job, .. }
            | Action::SettleJob { job, .. }
            | Action::Attest { job, .. }
                if self.job(*job).is_none() =>
            {
                self.worked_epochs.insert(epoch_now);
            }
            Action::FinalizeEpoch { epoch } => {
                self.finalized.insert(*epoch);
            }
            _ => {}
        }
        if let Action::Attest { job, attestor, .. } = a {
            self.votes.insert((*job, *attestor));
        }
        let closed: Vec<(JobRef, usize)> = self
            .votes
            .iter()
            .copied()
            .filter(|(j, i)| {
                !self.exists(&pda::attestation(
                    &self.job_key(*j),
                    &self.attestors[*i].pubkey(),
                ))
            })
            .collect();
        for v in closed {
            self.votes.remove(&v);
        }
        let closed: Vec<JobRef> = self
            .live_jobs
            .iter()
            .copied()
            .filter(|j| !self.exists(&self.job_key(*j)))
            .collect();
        self.live_jobs.retain(|j| !closed.contains(j));
    }

    // -------------------------------------------------------------------------- levers

    /// The account, mint and owner of a payee.
    fn payee(&self, payee: Payee) -> (Pubkey, Pubkey, &Party) {
        let net = self.m.net;
        match payee {
            Payee::ClientPayment(c) => (self.clients[c].pay, net.payment_mint, &self.clients[c]),
            Payee::ClientStake(c) => (self.clients[c].stake, net.stake_mint, &self.clients[c]),
            Payee::ProviderPayment(p) => {
                (self.providers[p].pay, net.payment_mint, &self.providers[p])
            }
        }
    }

    /// Whether `lever` applies to the payee's account as it is.
    fn lever_applies(&self, payee: Payee, lever: Lever) -> bool {
        let (account, mint, party) = self.payee(payee);
        let t22 = self.m.net.token_program_of(&mint) == TOKEN_2022_PROGRAM;
        let t = self.token(&account);
        let frozen = t.is_some_and(|t| t.state == AccountState::Frozen);
        let mine = t.is_some_and(|t| t.owner == party.key());
        let freezable = self.mint_state(&mint).freeze_authority.is_some();
        match lever {
            Lever::Memo => t22 && mine && !frozen && !self.requires_memo(&account),
            Lever::MemoOff => t22 && mine && !frozen && self.requires_memo(&account),
            Lever::Close => mine && !frozen,
            Lever::Reopen => t.is_none(),
            Lever::Freeze => freezable && t.is_some() && !frozen,
            Lever::Thaw => freezable && frozen,
            Lever::OwnerAway => !t22 && mine && !frozen,
            Lever::OwnerBack => {
                !t22 && !frozen && t.is_some_and(|t| t.owner == self.stranger.pubkey())
            }
        }
    }

    /// Pulls `lever` if it applies (a replay may find the account in another state).
    async fn pull(&mut self, payee: Payee, lever: Lever) -> bool {
        if !self.lever_applies(payee, lever) {
            return false;
        }
        let (account, mint, party) = self.payee(payee);
        let owner = party.kp.insecure_clone();
        let me = owner.pubkey();
        let side = if mint == self.m.net.payment_mint {
            party.pay_side
        } else {
            party.stake_side
        };
        let program = self.m.net.token_program_of(&mint);
        let payer = self.m.env.payer();
        let (ixs, signers): (Vec<Instruction>, Vec<Keypair>) = match lever {
            Lever::Memo => (
                vec![
                    spl_token_2022::instruction::reallocate(
                        &program,
                        &account,
                        &payer,
                        &me,
                        &[],
                        &[ExtensionType::MemoTransfer],
                    )
                    .unwrap(),
                    memo_transfer::instruction::enable_required_transfer_memos(
                        &program,
                        &account,
                        &me,
                        &[],
                    )
                    .unwrap(),
                ],
                vec![owner],
            ),
            Lever::MemoOff => (
                vec![memo_transfer::instruction::disable_required_transfer_memos(
                    &program,
                    &account,
                    &me,
                    &[],
                )
                .unwrap()],
                vec![owner],
            ),
            Lever::Close => {
                let held = self.balance(&account);
                let mut ixs = Vec::new();
                if held > 0 {
                    ixs.push(transfer_ix(self, &mint, &account, &side, &me, held));
                }
                ixs.push(
                    spl_token_2022::instruction::close_account(&program, &account, &me, &me, &[])
                        .unwrap(),
                );
                (ixs, vec![owner])
            }
            Lever::Reopen => {
                let mut ixs = vec![spice_sdk::tokens::create_associated(
                    &payer, &me, &mint, &program,
                )];
                let held = self.balance(&side);
                if held > 0
                    && self
                        .token(&side)
                        .is_some_and(|t| t.state != AccountState::Frozen)
                {
                    ixs.push(transfer_ix(self, &mint, &side, &account, &me, held));
                    (ixs, vec![owner])
                } else {
                    (ixs, vec![])
                }
            }
            Lever::Freeze | Lever::Thaw => {
                let authority = self.m.env.mint_authority.insecure_clone();
                let ix = if lever == Lever::Freeze {
                    spl_token_2022::instruction::freeze_account(
                        &program,
                        &account,
                        &mint,
                        &authority.pubkey(),
                        &[],
                    )
                } else {
                    spl_token_2022::instruction::thaw_account(
                        &program,
                        &account,
                        &mint,
                        &authority.pubkey(),
                        &[],
                    )
                };
                (vec![ix.unwrap()], vec![authority])
            }
            Lever::OwnerAway => (
                vec![spl_token_2022::instruction::set_authority(
                    &program,
                    &account,
                    Some(&self.stranger.pubkey()),
                    AuthorityType::AccountOwner,
                    &me,
                    &[],
                )
                .unwrap()],
                vec![owner],
            ),
            Lever::OwnerBack => (
                vec![spl_token_2022::instruction::set_authority(
                    &program,
                    &account,
                    Some(&me),
                    AuthorityType::AccountOwner,
                    &self.stranger.pubkey(),
                    &[],
                )
                .unwrap()],
                vec![self.stranger.insecure_clone()],
            ),
        };
        let refs: Vec<&Keypair> = signers.iter().collect();
        let res = self.m.env.send(&ixs, &refs).await;
        if let Err(e) = res {
            panic!("lever {lever:?} on {payee:?} ({account}) failed: {e:?}");
        }
        true
    }

    /// The issuer overwrites a Token-2022 mint of the network with one carrying a permanent
    /// delegate (same address, supply and decimals).
    async fn poison(&mut self, stake: bool) -> bool {
        let mint = if stake {
            self.m.net.stake_mint
        } else {
            self.m.net.payment_mint
        };
        if self.poisoned.contains(&mint) || self.m.net.token_program_of(&mint) != TOKEN_2022_PROGRAM
        {
            return false;
        }
        let old = self.mint_state(&mint);
        let evil = self
            .m
            .env
            .create_mint(
                TOKEN_2022_PROGRAM,
                old.decimals,
                &[MintExt::PermanentDelegate],
            )
            .await;
        let a = self.rt().account(&evil).expect("evil mint");
        let mut account = Account {
            lamports: a.lamports,
            data: a.data,
            owner: TOKEN_2022_PROGRAM,
            executable: false,
            rent_epoch: 0,
        };
        // Keep the supply, so balances still add up.
        account.data[36..44].copy_from_slice(&old.supply.to_le_bytes());
        self.m
            .env
            .runtime_mut()
            .set_account(mint, account)
            .expect("overwrite mint");
        self.poisoned.push(mint);
        true
    }

    // -------------------------------------------------------------------------- drain

    /// Invariant 6 at the end of a run: with the pauses lifted and the clock moved on, every
    /// live escrow is released by settle or expire, every payout held is collected, and every
    /// stake vault is released by unbond, withdraw and close; all without the authority but for
    /// lifting the pauses (exits ignore pauses). With a poisoned mint nothing moves: the drain's
    /// refusals are the model's to predict, and nothing is asserted at the end.
    pub async fn drain(&mut self) {
        self.step(&Action::SetPause {
            flags: 0,
            by_authority: true,
        })
        .await;
        for _round in 0..5 {
            if self.live_jobs.is_empty() {
                break;
            }
            self.step(&Action::WarpSeconds(MAX_JOB_WINDOW_SECONDS + 1))
                .await;
            self.step(&Action::WarpSlots(1)).await;
            for j in self.live_jobs.clone() {
                for a in [
                    Action::DrawAudit { job: j },
                    Action::SettleJob {
                        job: j,
                        provider: ProviderPick::Own,
                        vault: true,
                    },
                    Action::ExpireJob {
                        job: j,
                        provider: ProviderPick::Own,
                        vault: true,
                    },
                ] {
                    if self.job(j).is_none() {
                        break;
                    }
                    self.step(&a).await;
                }
            }
        }
        let poisoned = !self.poisoned.is_empty();
        if !poisoned {
            for j in self.live_jobs.clone() {
                let job = self.job(j);
                assert!(
                    job.is_none(),
                    "invariant 6: job {j:?} still holds its escrow after settle/expire: {job:?}"
                );
            }
        }
        for c in 0..CLIENTS {
            let owed = self
                .client_record(&self.clients[c].key())
                .is_some_and(|r| r.owed_payment > 0 || r.owed_stake > 0);
            if owed {
                self.step(&Action::CollectClientPayouts {
                    client: c,
                    dest: Dest::Side,
                })
                .await;
            }
        }
        for i in 0..PROVIDERS {
            let Some(p) = self.provider(i) else {
                continue;
            };
            if p.owed_payment > 0 {
                self.step(&Action::CollectProviderPayouts {
                    provider: i,
                    dest: Dest::Side,
                })
                .await;
            }
            if p.stake > 0 {
                self.step(&Action::BeginUnbond {
                    provider: i,
                    amount: p.stake,
                })
                .await;
            }
            let unbond = self.net().params.unbond_seconds;
            self.step(&Action::WarpSeconds(unbond + 1)).await;
            self.step(&Action::WithdrawUnbonded {
                provider: i,
                dest: Dest::Side,
            })
            .await;
            self.step(&Action::CloseProvider {
                provider: i,
                dest: Dest::Side,
            })
            .await;
            if poisoned {
                continue;
            }
            let key = self.provider_pda(i);
            let left = self.balance(&pda::stake_vault(&key));
            let after = self.provider(i);
            assert!(
                left == 0 && after.is_none(),
                "invariant 6: provider {i} keeps {left} in its stake vault after unbond, \
                 withdraw and close: {after:?}"
            );
        }
        if !poisoned {
            for c in 0..CLIENTS {
                let r = self.client_record(&self.clients[c].key());
                assert!(
                    r.as_ref()
                        .is_none_or(|r| r.owed_payment == 0 && r.owed_stake == 0),
                    "invariant 6: client {c} is still owed after collecting: {r:?}"
                );
            }
        }
        self.audit();
    }
}

/// A `transfer_checked` of `amount` of `mint` from `from` (owned by `owner`) to `to`.
fn transfer_ix(
    w: &World,
    mint: &Pubkey,
    from: &Pubkey,
    to: &Pubkey,
    owner: &Pubkey,
    amount: u64,
) -> Instruction {
    let program = w.m.net.token_program_of(mint);
    let decimals = w.mint_state(mint).decimals;
    spl_token_2022::instruction::transfer_checked(
        &program,
        from,
        mint,
        to,
        owner,
        &[],
        amount,
        decimals,
    )
    .expect("transfer")
}

// ------------------------------------------------------------------------------------ generation

impl World {
    /// A random action, weighted towards what the current state makes meaningful.
    pub fn generate(&mut self, r: &mut Rng, step: usize) -> Action {
        if self.cfg.hostile && self.poisoned.is_empty() && step >= self.cfg.steps / 3 {
            return Action::PoisonMint {
                stake: r.chance(50),
            };
        }
        if self.cfg.hostile && r.below(1_000) < 2 {
            return Action::PoisonMint {
                stake: r.chance(50),
            };
        }
        let weights = [
            34, // 0: an action on a live job
            12, // 1: create a job
            7,  // 2: warp seconds
            6,  // 3: warp slots
            3,  // 4: warp to a job's deadline
            9,  // 5: provider
            11, // 6: rewards
            2,  // 7: propose params
            2,  // 8: apply params
            2,  // 9: pause
            2,  // 10: attestors
            5,  // 11: lever
            3,  // 12: collect payouts
            2,  // 13: close attestation
        ];
        match r.weighted(&weights).unwrap_or(0) {
            0 if !self.live_jobs.is_empty() => {
                let j = self.live_jobs[r.index(self.live_jobs.len())];
                self.job_action(r, j)
            }
            0 | 1 => self.create_action(r),
            2 => {
                // Mostly short: deadline warps cross the jobs' windows, and every epoch up to
                // now costs the audit time.
                let s = match r.below(100) {
                    0..=59 => r.range(1, 600),
                    60..=89 => r.range(600, 3_600),
                    90..=98 => r.range(3_600, DAY as u64 / 2),
                    _ => r.range(DAY as u64 / 2, 2 * DAY as u64),
                };
                Action::WarpSeconds(s as i64)
            }
            3 => Action::WarpSlots(if r.chance(5) {
                r.range(500, 600)
            } else {
                r.range(1, 4)
            }),
            4 => self.deadline_warp(r),
            5 => self.provider_action(r),
            6 => self.reward_action(r),
            7 => Action::ProposeParams {
                params: self.gen_params(r),
                by_authority: r.chance(92),
            },
            8 => Action::ApplyParams,
            9 => {
                let flags = if r.chance(50) {
                    0
                } else if r.chance(80) {
                    1u8 << r.below(4)
                } else if r.chance(80) {
                    r.below(u64::from(PAUSE_ALL) + 1) as u8
                } else {
                    r.below(256) as u8
                };
                Action::SetPause {
                    flags,
                    by_authority: r.chance(90),
                }
            }
            10 => {
                let attestor = r.index(ATTESTORS);
                let by_authority = r.chance(90);
                let active = self
                    .attestor_record(attestor)
                    .is_some_and(|a| a.active_until == NOT_REMOVED);
                // Mostly keep the attestor set whole: add back who is out, remove rarely.
                if !active || r.chance(88) {
                    Action::AddAttestor {
                        attestor,
                        by_authority,
                    }
                } else {
                    Action::RemoveAttestor {
                        attestor,
                        by_authority,
                    }
                }
            }
            11 => self.lever_action(r),
            12 => {
                let dest = gen_dest(r);
                if r.chance(50) {
                    Action::CollectProviderPayouts {
                        provider: r.index(PROVIDERS),
                        dest,
                    }
                } else {
                    Action::CollectClientPayouts {
                        client: r.index(CLIENTS),
                        dest,
                    }
                }
            }
            _ => {
                let votes: Vec<(JobRef, usize)> = self.votes.iter().copied().collect();
                if !votes.is_empty() && r.chance(85) {
                    let (job, attestor) = votes[r.index(votes.len())];
                    return Action::CloseAttestation { job, attestor };
                }
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

    fn create_action(&self, r: &mut Rng) -> Action {
        let client = r.index(CLIENTS);
        // The client's next id (its record's counter), now and then a wrong one: an id it used
        // already, or one ahead of its counter.
        let next = self
            .client_record(&self.clients[client].key())
            .map_or(0, |c| c.jobs_created);
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

    fn attest_action(&self, r: &mut Rng, job: JobRef, reported: u64, vault: bool) -> Action {
        let key = self.job_key(job);
        let fresh: Vec<usize> = (0..ATTESTORS - 1)
            .filter(|i| !self.exists(&pda::attestation(&key, &self.attestors[*i].pubkey())))
            .collect();
        Action::Attest {
            job,
            // Mostly an attestor that has not voted yet; the last attestor key is client 0's:
            // now and then.
            attestor: if r.chance(8) {
                ATTESTORS - 1
            } else if !fresh.is_empty() && r.chance(80) {
                fresh[r.index(fresh.len())]
            } else {
                r.index(ATTESTORS - 1)
            },
            valid: r.chance(60),
            units: match r.below(10) {
                0 => u64::MAX,
                1 => 0,
                _ => r.range(0, reported.saturating_add(5)),
            },
            pass_earlier: r.chance(90),
            vault,
        }
    }

    /// Mostly what the lifecycle says is possible now, by the right actor; sometimes anything.
    fn job_action(&self, r: &mut Rng, job: JobRef) -> Action {
        let vault = !r.chance(8);
        let key = self.job_key(job);
        let jb = self.job(job);
        let own = jb.as_ref().and_then(|j| self.provider_index(j));
        let reported = jb.as_ref().map_or(1, |j| j.reported_units);
        let max_units = jb.as_ref().map_or(1, |j| j.max_units);
        if let Some(j) = &jb {
            let (_, ps) = self.lifecycle(&key, j);
            let now: Vec<Possible> = ps.into_iter().filter(|p| p.now).collect();
            // Towards progress: cancels and disputes are rarer than what moves a job on.
            let weights: Vec<u64> = now
                .iter()
                .map(|p| match p.action {
                    lifecycle::Action::Cancel | lifecycle::Action::Dispute => 1,
                    lifecycle::Action::DrawAudit => 2,
                    lifecycle::Action::Expire => 3,
                    lifecycle::Action::Settle => 8,
                    _ => 5,
                })
                .collect();
            if !now.is_empty() && r.chance(80) {
                let p = now[r.weighted(&weights).unwrap_or(0)];
                return match p.action {
                    lifecycle::Action::Cancel => Action::CancelJob {
                        job,
                        by: job.client,
                        vault,
                    },
                    lifecycle::Action::Accept => {
                        let target = j
                            .target_provider
                            .and_then(|t| (0..PROVIDERS).find(|i| self.provider_pda(*i) == t));
                        Action::AcceptJob {
                            job,
                            provider: match target {
                                Some(t) if r.chance(85) => t,
                                _ => r.index(PROVIDERS),
                            },
                        }
                    }
                    lifecycle::Action::Submit => Action::SubmitResult {
                        job,
                        provider: own.unwrap_or(0),
                        units: if r.chance(5) {
                            max_units.saturating_add(1)
                        } else {
                            r.range(0, max_units.min(10_000))
                        },
                    },
                    lifecycle::Action::Approve => Action::ApproveJob {
                        job,
                        by: job.client,
                        provider: ProviderPick::Own,
                        vault,
                    },
                    lifecycle::Action::Dispute => Action::DisputeJob {
                        job,
                        by: job.client,
                    },
                    lifecycle::Action::DrawAudit => Action::DrawAudit { job },
                    lifecycle::Action::Attest => self.attest_action(r, job, reported, vault),
                    lifecycle::Action::Settle => Action::SettleJob {
                        job,
                        provider: ProviderPick::Own,
                        vault,
                    },
                    lifecycle::Action::Expire => Action::ExpireJob {
                        job,
                        provider: ProviderPick::Own,
                        vault,
                    },
                };
            }
        }
        // Anything, by anyone: wrong states, wrong actors, wrong accounts.
        let client = if r.chance(70) {
            job.client
        } else {
            r.index(CLIENTS)
        };
        let provider = match own {
            Some(p) if r.chance(70) => p,
            _ => r.index(PROVIDERS),
        };
        let pick = match r.below(10) {
            0..=5 => ProviderPick::Own,
            6..=8 => ProviderPick::Named(r.index(PROVIDERS)),
            _ => ProviderPick::Missing,
        };
        let settle_pick = if pick == ProviderPick::Missing {
            ProviderPick::Own
        } else {
            pick
        };
        match r.below(10) {
            0 => Action::CancelJob {
                job,
                by: client,
                vault,
            },
            1 => Action::AcceptJob { job, provider },
            2 => Action::SubmitResult {
                job,
                provider,
                units: r.range(0, max_units.saturating_add(2).min(10_000)),
            },
            3 => Action::ApproveJob {
                job,
                by: client,
                provider: settle_pick,
                vault,
            },
            4 => Action::DisputeJob { job, by: client },
            5 => self.attest_action(r, job, reported, vault),
            6 => Action::SettleJob {
                job,
                provider: settle_pick,
                vault,
            },
            7 => Action::ExpireJob {
                job,
                provider: pick,
                vault,
            },
            8 => Action::DrawAudit { job },
            _ => Action::CloseAttestation {
                job,
                attestor: r.index(ATTESTORS),
            },
        }
    }

    /// A warp to just before, at or just after a deadline of a live job.
    fn deadline_warp(&self, r: &mut Rng) -> Action {
        let now = self.now();
        let mut times = Vec::new();
        for j in &self.live_jobs {
            let key = self.job_key(*j);
            if let Some(job) = self.job(*j) {
                let (_, ps) = self.lifecycle(&key, &job);
                for p in ps {
                    times.extend(p.after.map(|t| t + 1));
                    times.extend(p.until);
                }
            }
        }
        // Governance: a proposal's delay, unbonding, attestor additions and removals, the
        // next epoch.
        let net = self.net();
        if net.pending_params.is_some() {
            times.push(net.pending_params_at);
            times.push(net.pending_params_at + 1);
        }
        for i in 0..PROVIDERS {
            if let Some(p) = self.provider(i).filter(|p| p.unbonding > 0) {
                times.push(p.unbond_ready_at);
            }
        }
        for i in 0..ATTESTORS {
            if let Some(a) = self.attestor_record(i) {
                times.push(a.active_from);
                times.push(a.active_until);
            }
        }
        let next = self.m.net.epoch_at(now) + 1;
        times.push(self.m.net.epoch_start(next));
        // The next few deadlines: the clock moves on as little as it takes.
        times.retain(|t| *t > now && *t - now <= DAY);
        times.sort_unstable();
        times.truncate(3);
        if times.is_empty() {
            return Action::WarpSeconds(r.range(1, 3_600) as i64);
        }
        let t = times[r.index(times.len())] + [0, 0, 0, -1, 1][r.index(5)];
        Action::WarpSeconds((t - now).max(1))
    }

    fn provider_action(&self, r: &mut Rng) -> Action {
        let provider = r.index(PROVIDERS);
        let amount = |r: &mut Rng, around: u64| match r.below(12) {
            0 => 0,
            1 => u64::MAX,
            2 => around,
            _ => r.range(1, around.max(1)),
        };
        let dest = gen_dest(r);
        match self.provider(provider) {
            None => match r.below(10) {
                0..=7 => Action::RegisterProvider {
                    provider,
                    amount: if r.chance(80) {
                        r.range(MIN_STAKE, 20 * MIN_STAKE)
                    } else {
                        amount(r, MIN_STAKE)
                    },
                },
                8 => Action::Stake {
                    provider,
                    amount: MIN_STAKE,
                },
                _ => Action::WithdrawUnbonded { provider, dest },
            },
            Some(p) if p.stake == 0 && p.unbonding == 0 && r.chance(50) => {
                Action::CloseProvider { provider, dest }
            }
            // Withdrawals once unbonded, partial while jobs still lock the stake.
            Some(p) if p.unbonding > 0 && self.now() >= p.unbond_ready_at && r.chance(50) => {
                Action::WithdrawUnbonded { provider, dest }
            }
            Some(p)
                if p.active_jobs > 0 && p.stake > self.net().params.min_stake && r.chance(15) =>
            {
                Action::BeginUnbond {
                    provider,
                    amount: p.stake - self.net().params.min_stake,
                }
            }
            Some(p) if p.active_jobs == 0 && p.stake > 0 && r.chance(5) => Action::BeginUnbond {
                provider,
                amount: p.stake,
            },
            Some(p) if p.stake < self.net().params.min_stake && r.chance(60) => Action::Stake {
                provider,
                amount: self.net().params.min_stake - p.stake + r.below(5 * MIN_STAKE),
            },
            Some(p) => match r.below(14) {
                0..=2 => Action::Stake {
                    provider,
                    amount: amount(r, 5 * MIN_STAKE),
                },
                3..=4 => Action::BeginUnbond {
                    provider,
                    amount: if r.chance(10) {
                        p.stake
                    } else if r.chance(50) {
                        p.stake.saturating_sub(MIN_STAKE)
                    } else {
                        amount(r, p.stake)
                    },
                },
                5..=8 => Action::WithdrawUnbonded { provider, dest },
                9 => Action::CloseProvider { provider, dest },
                10..=12 => Action::CollectProviderPayouts { provider, dest },
                _ => Action::RegisterProvider {
                    provider,
                    amount: MIN_STAKE,
                },
            },
        }
    }

    fn reward_action(&self, r: &mut Rng) -> Action {
        let now = self.now();
        let current = self.m.net.epoch_at(now);
        let pending: Vec<u64> = self
            .worked_epochs
            .iter()
            .copied()
            .filter(|e| !self.finalized.contains(e))
            .collect();
        let finalized: Vec<u64> = self.finalized.iter().copied().collect();
        match r.below(12) {
            0..=2 => {
                let epoch = if !pending.is_empty() && r.chance(70) {
                    pending[r.index(pending.len())]
                } else {
                    current.saturating_sub(r.below(4)) + u64::from(r.chance(10))
                };
                Action::FinalizeEpoch { epoch }
            }
            3..=6 => {
                let provider = r.index(PROVIDERS);
                let pda = self.provider_pda(provider);
                let mut epochs: Vec<u64> = finalized
                    .iter()
                    .copied()
                    .filter(|e| self.exists(&pda::provider_book(&pda, page_of(*e))))
                    .collect();
                epochs.dedup_by_key(|e| page_of(*e));
                let mut pages: Vec<u64> = epochs.iter().map(|e| page_of(*e)).collect();
                pages.dedup();
                while pages.len() > 4 {
                    let i = r.index(pages.len());
                    pages.remove(i);
                }
                let mut epochs: Vec<u64> =
                    pages.iter().map(|p| first_epoch_of(*p).unwrap()).collect();
                if epochs.is_empty() || r.chance(5) {
                    epochs.push(current.saturating_sub(r.below(40)));
                }
                Action::ClaimRewards {
                    provider,
                    epochs,
                    dup_page: r.chance(3),
                    dest: gen_dest(r),
                }
            }
            7 => {
                let epoch = if !finalized.is_empty() && r.chance(80) {
                    finalized[r.index(finalized.len())]
                } else {
                    current.saturating_sub(r.below(10))
                };
                Action::CloseEpoch { epoch }
            }
            8 => {
                let worked: Vec<u64> = self.worked_epochs.iter().copied().collect();
                let epoch = if !worked.is_empty() && r.chance(90) {
                    worked[r.index(worked.len())]
                } else {
                    current.saturating_sub(r.below(5))
                };
                let shards: Vec<u8> = (0..self.m.net.shard_count)
                    .filter(|s| self.exists(&pda::epoch_shard(&self.m.net.network, epoch, *s)))
                    .collect();
                let shard = if !shards.is_empty() && r.chance(90) {
                    shards[r.index(shards.len())]
                } else {
                    r.below(u64::from(self.m.net.shard_count)) as u8
                };
                Action::CloseEpochShard {
                    epoch,
                    shard,
                    right_payer: r.chance(90),
                }
            }
            9 => {
                let worked: Vec<u64> = self.worked_epochs.iter().copied().collect();
                let page = if !worked.is_empty() && r.chance(90) {
                    page_of(worked[r.index(worked.len())])
                } else {
                    page_of(current)
                };
                Action::CloseProviderBook {
                    provider: r.index(PROVIDERS),
                    page,
                    right_payer: r.chance(90),
                }
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

    /// Mostly one broken account at a time: restore a broken one about as often as breaking
    /// another (a client whose own account is broken cannot post jobs).
    fn lever_action(&self, r: &mut Rng) -> Action {
        let restore = [Lever::MemoOff, Lever::Reopen, Lever::Thaw, Lever::OwnerBack];
        let breaks = [Lever::Memo, Lever::Close, Lever::Freeze, Lever::OwnerAway];
        let mut payees = Vec::new();
        for i in 0..CLIENTS {
            payees.push(Payee::ClientPayment(i));
            payees.push(Payee::ClientStake(i));
        }
        for i in 0..PROVIDERS {
            payees.push(Payee::ProviderPayment(i));
        }
        let broken: Vec<(Payee, Lever)> = payees
            .iter()
            .flat_map(|p| restore.iter().map(move |l| (*p, *l)))
            .filter(|(p, l)| self.lever_applies(*p, *l))
            .collect();
        if !broken.is_empty() && r.chance(55) {
            let (payee, lever) = broken[r.index(broken.len())];
            return Action::Lever { payee, lever };
        }
        // The client's payment account is also where its escrow comes from: break it less.
        let payee = match r.below(5) {
            0 => Payee::ClientPayment(r.index(CLIENTS)),
            1 | 2 => Payee::ClientStake(r.index(CLIENTS)),
            _ => Payee::ProviderPayment(r.index(PROVIDERS)),
        };
        let bs: Vec<Lever> = breaks
            .iter()
            .copied()
            .filter(|l| self.lever_applies(payee, *l))
            .collect();
        let lever = if bs.is_empty() {
            restore[r.index(restore.len())]
        } else {
            bs[r.index(bs.len())]
        };
        Action::Lever { payee, lever }
    }

    /// Parameters to propose: withdrawals, the fuzz baseline (so hostile proposals do not stick),
    /// mutations of the current parameters within and outside the hard bounds, and sets where
    /// rewards can exceed fees, on either side of the economic bounds.
    fn gen_params(&self, r: &mut Rng) -> Option<NetworkParams> {
        let current = self.net().params;
        match r.below(20) {
            0..=2 => None,
            3..=8 => {
                let mut p = fuzz_params();
                if r.chance(50) {
                    mutate(r, &mut p);
                }
                Some(p)
            }
            9..=15 => {
                let mut p = current;
                for _ in 0..r.range(1, 3) {
                    mutate(r, &mut p);
                }
                Some(p)
            }
            _ => Some(bootstrap(r, current)),
        }
    }
}

fn gen_dest(r: &mut Rng) -> Dest {
    match r.below(20) {
        0..=11 => Dest::Ata,
        12..=18 => Dest::Side,
        _ => Dest::Wrong,
    }
}

/// A window value: inside, at or outside `MIN_WINDOW_SECONDS..=max`.
fn window_value(r: &mut Rng, max: i64) -> i64 {
    match r.below(10) {
        0 => MIN_WINDOW_SECONDS - 1,
        1 => MIN_WINDOW_SECONDS,
        2 => max,
        3 => max + 1,
        _ => r.range(MIN_WINDOW_SECONDS as u64, (2 * DAY) as u64) as i64,
    }
}

/// A basis-point value: inside, at or outside `0..=max`.
fn bps_value(r: &mut Rng, max: u64) -> u64 {
    match r.below(8) {
        0 => 0,
        1 => max,
        2 => max + 1,
        _ => r.range(0, max),
    }
}

/// Changes one parameter, within, at or outside its hard bound.
fn mutate(r: &mut Rng, p: &mut NetworkParams) {
    match r.below(23) {
        0 => {
            p.min_stake = match r.below(4) {
                0 => 0,
                1 => 20 * MIN_STAKE,
                _ => r.range(MIN_STAKE / 2, 2 * MIN_STAKE),
            }
        }
        1 => p.unbond_seconds = window_value(r, MAX_UNBOND_SECONDS),
        2 => p.protocol_fee_bps = bps_value(r, 2_000) as u16,
        3 => p.slash_bps = bps_value(r, 10_000) as u16,
        4 => p.slash_client_share_bps = bps_value(r, 10_000) as u16,
        5 => p.max_accept_seconds = window_value(r, MAX_JOB_WINDOW_SECONDS),
        6 => p.max_run_seconds = window_value(r, MAX_JOB_WINDOW_SECONDS),
        7 => p.challenge_seconds = window_value(r, MAX_JOB_WINDOW_SECONDS),
        8 => p.dispute_seconds = window_value(r, MAX_JOB_WINDOW_SECONDS),
        9 => p.audit_rate_bps = bps_value(r, 10_000) as u16,
        10 => p.attestation_quorum = [0, 1, 2, 2, 3, 4, MAX_QUORUM, MAX_QUORUM + 1][r.index(8)],
        11 => {
            p.epoch_seconds = if r.chance(50) {
                p.epoch_seconds + MIN_EPOCH_SECONDS
            } else {
                MIN_EPOCH_SECONDS - 1
            }
        }
        12 => p.initial_emission = r.range(0, 2 * p.max_total_emission.max(1)),
        13 => p.emission_decay_bps = bps_value(r, 5_000) as u16,
        14 => p.tail_emission = r.range(0, p.initial_emission.saturating_mul(2)),
        15 => {
            p.max_total_emission = match r.below(4) {
                0 => r.range(0, 1_000_000_000),
                _ => r.range(p.initial_emission, 200_000_000_000),
            }
        }
        16 => p.m_max_bps = [9_999, 10_000, 30_000, 100_000, 100_001][r.index(5)],
        17 => p.stake_cap = [0, MIN_STAKE, 100 * MIN_STAKE][r.index(3)],
        18 => {
            p.reward_rate_cap_bps = match r.below(5) {
                0 => 0,
                1 => MAX_REWARD_RATE_CAP_BPS + 1,
                _ => r.range(0, 200) as u32,
            }
        }
        19 => p.reference_price = [0, 1, r.range(1, 10_000)][r.index(3)],
        20 => {
            p.max_exposure_bps = match r.below(5) {
                0 => 0,
                1 => MAX_EXPOSURE_BPS + 1,
                _ => r.range(1, MAX_EXPOSURE_BPS as u64) as u32,
            }
        }
        21 => p.shard_count = if r.chance(50) { p.shard_count + 1 } else { 0 },
        _ => match r.below(4) {
            0 => p.claim_window_epochs = [0, 1, 48, 520, 521][r.index(5)],
            1 => {
                p.max_reward_outflow_per_window = match r.below(3) {
                    0 => 0,
                    1 => p.initial_emission.saturating_sub(1),
                    _ => r.range(p.initial_emission, 10 * p.initial_emission.max(1)),
                }
            }
            2 => {
                p.outflow_window_seconds = match r.below(3) {
                    0 => MIN_WINDOW_SECONDS - 1,
                    1 => p.epoch_seconds + 1,
                    _ => r.range(MIN_WINDOW_SECONDS as u64, p.epoch_seconds as u64) as i64,
                }
            }
            _ => p.stake_per_payment_bps = [0, 10_000, 5_000, 20_000][r.index(4)],
        },
    }
}

/// Parameters where rewards can exceed fees (`reward_rate_cap × m_max > fee × rate`), set at,
/// inside or just outside each economic bound of `NetworkParams::validate`.
fn bootstrap(r: &mut Rng, base: NetworkParams) -> NetworkParams {
    let mut p = base;
    let bps = 10_000u128;
    let m = u128::from(p.m_max_bps);
    let x = u128::from(p.stake_per_payment_bps.max(1));
    let f = u128::from(p.protocol_fee_bps);
    // r·m in (f·x, (f + κ)·x]: just above the fee, up to the ceiling, or past it.
    let extra = match r.below(6) {
        0 => u128::from(MIN_UNIT_COST_BPS) + 1,
        1 => u128::from(MIN_UNIT_COST_BPS),
        _ => u128::from(r.range(1, u64::from(MIN_UNIT_COST_BPS))),
    };
    let rate = ((f + extra) * x / m.max(1)).max(1);
    p.reward_rate_cap_bps = u32::try_from(rate.min(u128::from(MAX_REWARD_RATE_CAP_BPS))).unwrap();
    p.reference_price = if r.chance(10) { 0 } else { r.range(1, 10_000) };
    p.audit_rate_bps = if r.chance(10) {
        0
    } else {
        r.range(1, 10_000) as u16
    };
    let a = u128::from(p.audit_rate_bps);
    let reward = u128::from(p.reward_rate_cap_bps) * m;
    let fee = f * x;
    let deterrent =
        a * u128::from(p.slash_bps) * (bps - u128::from(p.slash_client_share_bps)) * bps;
    let per = (bps - a) * reward.saturating_sub(fee);
    let max = deterrent
        .checked_div(per)
        .unwrap_or(u128::from(MAX_EXPOSURE_BPS));
    let exposure = match r.below(5) {
        0 => 0,
        1 => max + 1,
        2 => max,
        _ => u128::from(r.range(1, u64::try_from(max.max(1)).unwrap_or(u64::MAX))),
    };
    p.max_exposure_bps = u32::try_from(exposure.min(u128::from(MAX_EXPOSURE_BPS) + 1)).unwrap();
    p
}

/// Funds a keypair with SOL from the test payer.
async fn fund_lamports(m: &mut Market, to: &Pubkey) {
    let ix = system_instruction::transfer(&m.env.payer(), to, LAMPORTS);
    Env::ok(m.env.send(&[ix], &[]).await);
}

/// A participant with a given keypair: SOL, its payment-mint and stake-mint associated token
/// accounts (where the program pays it) holding tokens, and another account of each mint.
async fn party(m: &mut Market, kp: Keypair, payment: u64, stake: u64) -> Party {
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
    let pay_side = m
        .env
        .create_token_account(&net.payment_mint, &kp.pubkey(), &net.payment_token_program)
        .await;
    let stake_side = if net.payment_mint == net.stake_mint {
        pay_side
    } else {
        m.env
            .create_token_account(&net.stake_mint, &kp.pubkey(), &net.stake_token_program)
            .await
    };
    Party {
        kp,
        pay,
        stake: stk,
        pay_side,
        stake_side,
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
    Generate(FuzzConfig),
    Replay(FuzzConfig, Vec<Action>),
}

async fn run_plan(plan: Plan, log: Arc<Mutex<RunLog>>) {
    let cfg = match &plan {
        Plan::Generate(cfg) | Plan::Replay(cfg, _) => *cfg,
    };
    let mut w = World::new(cfg).await;
    match plan {
        Plan::Generate(cfg) => {
            let mut r = Rng::new(cfg.seed);
            for i in 0..cfg.steps {
                let a = w.generate(&mut r, i);
                log.lock().unwrap().actions.push(a.clone());
                w.step(&a).await;
                log.lock().unwrap().stats = w.stats.clone();
                if i % 1000 == 999 && std::env::var("FUZZ_PROFILE").is_ok() {
                    let snap = w.m.env.runtime().snapshot(&w.m.net.network).unwrap();
                    let t0 = Instant::now();
                    for _ in 0..10 {
                        let _ = w.m.env.runtime().snapshot(&w.m.net.network).unwrap();
                    }
                    let t1 = Instant::now();
                    for _ in 0..10 {
                        let _ = spice_sdk::audit::audit(&snap);
                    }
                    eprintln!(
                        "PROFILE snapshot {:.2} ms audit_fn {:.2} ms",
                        (t1 - t0).as_secs_f64() * 100.0,
                        t1.elapsed().as_secs_f64() * 100.0
                    );
                    let t = Instant::now();
                    for _ in 0..10 {
                        w.m.assert_audit();
                    }
                    eprintln!("PROFILE step {i}: audit {:.2} ms; jobs {} providers {} attestors {} attestations {} clients {} books {} shards {} pbooks {} tokens {}; all accounts {}",
                      t.elapsed().as_secs_f64() * 100.0, snap.jobs.len(), snap.providers.len(), snap.attestors.len(), snap.attestations.len(), snap.clients.len(), snap.epoch_books.len(), snap.shards.len(), snap.provider_books.len(), snap.token_accounts.len(), w.m.env.runtime().accounts().count());
                }
            }
        }
        Plan::Replay(_, actions) => {
            for a in actions {
                log.lock().unwrap().actions.push(a.clone());
                w.step(&a).await;
            }
        }
    }
    w.drain().await;
    log.lock().unwrap().stats = w.stats.clone();
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
    msg.split([':', '{', '(', '\n'])
        .next()
        .unwrap_or(msg)
        .to_string()
}

/// Greedy shrink: drop chunks of actions (halving the chunk size) while the replay still fails
/// with the same class of failure; at most `max_replays` replays and `max_seconds` of wall time.
pub fn shrink(
    cfg: FuzzConfig,
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
            match run(Plan::Replay(cfg, cand.clone()), true) {
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
        "fuzz: seed {:#x} ({}), {} steps, {} mints{}{} (FUZZ_SEED / FUZZ_STEPS / FUZZ_MINTS / \
         FUZZ_FREEZE to change)",
        cfg.seed,
        cfg.seed,
        cfg.steps,
        mints_name(cfg.mints),
        if cfg.freeze {
            " with a freeze authority"
        } else {
            ""
        },
        if cfg.hostile {
            ", hostile mint issuer"
        } else {
            ""
        },
    );
    let (log, failure) = run(Plan::Generate(cfg), false);
    let secs = start.elapsed().as_secs_f64();
    print_stats(&log.stats, secs);
    if let Some(msg) = failure {
        let step = log.actions.len();
        eprintln!("FUZZ FAILURE at step {step} of seed {:#x}: {msg}", cfg.seed);
        let max_replays: usize = env_u64("FUZZ_SHRINK_REPLAYS").map_or(60, |v| v as usize);
        let max_seconds: u64 = env_u64("FUZZ_SHRINK_SECONDS").unwrap_or(120);
        let short = shrink(cfg, log.actions.clone(), &msg, max_replays, max_seconds);
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
        "fuzz: {} steps in {secs:.1}s = {:.1} steps/s; {} succeeded, {} refused, {} levers \
         skipped",
        s.steps,
        s.steps as f64 / secs.max(1e-9),
        s.successes(),
        s.failures(),
        s.skipped
    );
    eprintln!(
        "  time: transactions {:.1}s, model {:.1}s, audit {:.1}s",
        s.send_secs, s.model_secs, s.audit_secs
    );
    let notes: Vec<String> = s.notes.iter().map(|(k, v)| format!("{k}: {v}")).collect();
    eprintln!("  paths: {}", notes.join("; "));
    let mut kinds: BTreeSet<&str> = s.ok.keys().copied().collect();
    kinds.extend(s.refused.keys().map(|(k, _)| *k));
    for kind in kinds {
        let ok = s.ok.get(kind).copied().unwrap_or(0);
        let mut refused: Vec<(&String, &usize)> = s
            .refused
            .iter()
            .filter(|((k, _), _)| *k == kind)
            .map(|((_, e), n)| (e, n))
            .collect();
        refused.sort_by(|a, b| b.1.cmp(a.1));
        let total: usize = refused.iter().map(|(_, n)| **n).sum();
        let detail: Vec<String> = refused.iter().map(|(e, n)| format!("{e} {n}")).collect();
        eprintln!(
            "  {kind:<25} ok {ok:>5}  refused {total:>5}{}{}",
            if detail.is_empty() { "" } else { ": " },
            detail.join(", ")
        );
    }
}
