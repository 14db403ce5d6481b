//! The scripted scenario: every instruction's success path, through the SDK's builders, on a
//! fresh runtime per network. Fixed keys, a fixed start time, fixed amounts: two runs measure
//! the same thing.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::program_pack::Pack;
use anchor_lang::solana_program::system_instruction;
use anchor_lang::AccountDeserialize;
use anyhow::{anyhow, Context, Result};
use solana_sdk::signature::{Keypair, Signer};
use spice::constants::{EPOCHS_PER_PAGE, PAUSE_CREATE_JOB};
use spice::instructions::{AttestArgs, CreateJobArgs, SubmitResultArgs};
use spice::state::{page_of, EpochShard, HardwareSpec, NetworkParams, Verdict};
use spice_sdk::ix::{self, NetworkKeys, SettleKeys};
use spice_sdk::{pda, tokens};

use super::chain::{keypair, Chain, Measured};

const HOUR: i64 = 3_600;
const DAY: i64 = 24 * HOUR;
const MIN_STAKE: u64 = 1_000_000;
/// Length of every URI in the scenario (spec, result, evidence, hardware metadata): each byte
/// is a byte of the transaction that carries it (at most 128).
pub const URI_LEN: usize = 32;
/// Epoch length of the scenario's networks: the shortest allowed, so that a claim over 12 book
/// pages (192 epochs) is a few days of clock.
pub const EPOCH_SECONDS: i64 = HOUR;
/// Claim window of the scenario's networks (the longest allowed): 12 pages of work are still
/// claimable together.
pub const CLAIM_WINDOW_EPOCHS: u16 = 520;
/// Page pairs of the largest claim measured (what fits one transaction, REFERENCE).
pub const CLAIM_PAGES: usize = 12;

/// Which network a step ran on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NetKind {
    /// Payment mint on Token-2022, stake mint on SPL Token.
    TwoMint,
    /// One Token-2022 mint for payment and stake.
    OneMint,
}

impl NetKind {
    pub fn describe(self) -> &'static str {
        match self {
            NetKind::TwoMint => "two-mint (payment Token-2022, stake SPL Token)",
            NetKind::OneMint => "one-mint (Token-2022)",
        }
    }

    pub fn short(self) -> &'static str {
        match self {
            NetKind::TwoMint => "two-mint",
            NetKind::OneMint => "one-mint",
        }
    }
}

/// What the code path of a step does beyond what the runtime shows, for the cost model:
/// the program's events (`emit!` is a no-op on the host) and the handler work its branch does.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Events the path emits, in order.
    pub events: Vec<&'static str>,
    /// Settles a job (payout arithmetic, the two reward accounts checked by seeds).
    pub settles: bool,
    /// Records an audit draw from SlotHashes.
    pub draws: bool,
    /// Payouts checked with `payee_accepts` (payee's account read).
    pub payee_checks: usize,
    /// Mints screened (`ScreenedMint`, `require_safe_mint`, token-account sizing).
    pub mint_screens: usize,
    /// A vote counted (`Job::cast_vote`, the median on a Valid quorum).
    pub vote: bool,
    /// `claim_rewards`: page pairs read, entries with a score, entries paid.
    pub claim_pages: usize,
    pub claim_scored: usize,
    pub claim_paid: usize,
    /// `finalize_epoch`: the epoch's index (its emission is a power of the decay).
    pub finalize_index: Option<u64>,
    /// The circuit breaker's window read and written (`claim_rewards`).
    pub breaker: bool,
}

/// One measured instruction.
#[derive(Clone, Debug)]
pub struct Step {
    /// The instruction's IDL name.
    pub instruction: &'static str,
    /// Which path (empty: the plain success path).
    pub variant: String,
    pub net: NetKind,
    pub shard_count: u8,
    pub m: Measured,
    pub facts: Facts,
}

impl Step {
    pub fn label(&self) -> String {
        if self.variant.is_empty() {
            format!("`{}`", self.instruction)
        } else {
            format!("`{}` ({})", self.instruction, self.variant)
        }
    }
}

fn uri(tag: &str) -> String {
    let mut s = format!("ar://{tag}-");
    while s.len() < URI_LEN {
        s.push('x');
    }
    s.truncate(URI_LEN);
    s
}

fn hardware(tag: &str) -> HardwareSpec {
    HardwareSpec {
        gpu_model: "H100-SXM".into(),
        gpu_count: 8,
        vram_gb: 80,
        region: "eu-west".into(),
        metadata_hash: [7; 32],
        metadata_uri: uri(tag),
    }
}

/// The scenario's parameters: the tests' defaults with one-hour epochs, the longest claim
/// window and no audits (a job settles when approved).
pub fn params() -> NetworkParams {
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
        epoch_seconds: EPOCH_SECONDS,
        initial_emission: 1_000_000_000,
        emission_decay_bps: 500,
        tail_emission: 100_000_000,
        max_total_emission: 100_000_000_000,
        m_max_bps: 30_000,
        stake_cap: 100 * MIN_STAKE,
        reward_rate_cap_bps: 80,
        reference_price: 0,
        stake_per_payment_bps: 10_000,
        max_exposure_bps: 0,
        shard_count: 4,
        claim_window_epochs: CLAIM_WINDOW_EPOCHS,
        max_reward_outflow_per_window: 10_000_000_000,
        outflow_window_seconds: HOUR,
    }
}

struct Actor {
    kp: Keypair,
    /// Payment-mint account (its ATA unless said otherwise).
    pay: Pubkey,
    /// Stake-mint account.
    stake: Pubkey,
}

struct World {
    chain: Chain,
    kind: NetKind,
    net: NetworkKeys,
    decimals: u8,
    steps: Vec<Step>,
    cranker: Keypair,
    authority: Keypair,
    mint_authority: Keypair,
}

impl World {
    fn measure(
        &mut self,
        instruction: &'static str,
        variant: &str,
        ix: Instruction,
        signers: &[&Keypair],
        facts: Facts,
    ) -> Result<()> {
        let m = self
            .chain
            .measure(ix, signers)
            .with_context(|| format!("{instruction} ({variant}) on the {:?} network", self.kind))?;
        self.steps.push(Step {
            instruction,
            variant: variant.to_string(),
            net: self.kind,
            shard_count: self.net.shard_count,
            m,
            facts,
        });
        Ok(())
    }

    fn send(&mut self, ixs: &[Instruction], signers: &[&Keypair]) -> Result<()> {
        self.chain.send(ixs, signers)
    }

    fn fetch<T: AccountDeserialize>(&self, address: &Pubkey) -> Result<T> {
        let account = self
            .chain
            .account(address)
            .ok_or_else(|| anyhow!("no account at {address}"))?;
        Ok(T::try_deserialize(&mut &account.data[..])?)
    }

    fn epoch(&self) -> u64 {
        self.net.epoch_at(self.chain.now())
    }

    /// Warps to `minute` minutes into the next epoch (and one slot on).
    fn next_epoch(&mut self) {
        let start = self.net.epoch_start(self.epoch() + 1);
        let now = self.chain.now();
        self.chain.warp(start - now + 60);
    }

    fn mint_to(&mut self, mint: Pubkey, to: Pubkey, amount: u64) -> Result<()> {
        let program = self.net.token_program_of(&mint);
        let ix = tokens::mint_to(
            &program,
            &mint,
            &to,
            &self.mint_authority.pubkey(),
            amount,
            self.decimals,
        )?;
        let (payer, auth) = (
            self.cranker.insecure_clone(),
            self.mint_authority.insecure_clone(),
        );
        self.send(&[ix], &[&payer, &auth])
    }

    /// The associated token account of `owner` for `mint`, created.
    fn ata(&mut self, owner: &Pubkey, mint: Pubkey) -> Result<Pubkey> {
        let program = self.net.token_program_of(&mint);
        let payer = self.cranker.insecure_clone();
        let ix = tokens::create_associated(&payer.pubkey(), owner, &mint, &program);
        self.send(&[ix], &[&payer])?;
        Ok(tokens::associated(owner, &mint, &program))
    }

    /// A token account of `mint` owned by `owner` that is not its ATA.
    fn plain_account(&mut self, name: &str, owner: &Pubkey, mint: Pubkey) -> Result<Pubkey> {
        let program = self.net.token_program_of(&mint);
        let account = keypair(&format!("{:?} {name}", self.kind));
        let len = anchor_spl::token_2022::spl_token_2022::state::Account::LEN;
        let lamports = self.chain.rt.minimum_balance(len);
        let payer = self.cranker.insecure_clone();
        let ixs = [
            system_instruction::create_account(
                &payer.pubkey(),
                &account.pubkey(),
                lamports,
                len as u64,
                &program,
            ),
            anchor_spl::token_2022::spl_token_2022::instruction::initialize_account3(
                &program,
                &account.pubkey(),
                &mint,
                owner,
            )?,
        ];
        self.send(&ixs, &[&payer, &account])?;
        Ok(account.pubkey())
    }

    fn actor(&mut self, name: &str, pay_ata: bool, tokens: u64) -> Result<Actor> {
        let kp = keypair(name);
        let key = kp.pubkey();
        let (payment_mint, stake_mint) = (self.net.payment_mint, self.net.stake_mint);
        let pay = if pay_ata {
            self.ata(&key, payment_mint)?
        } else {
            self.plain_account(&format!("{name} payment"), &key, payment_mint)?
        };
        let stake = if stake_mint == payment_mint {
            pay
        } else {
            self.ata(&key, stake_mint)?
        };
        if tokens > 0 {
            self.mint_to(payment_mint, pay, tokens)?;
            if stake != pay {
                self.mint_to(stake_mint, stake, tokens)?;
            }
        }
        Ok(Actor { kp, pay, stake })
    }

    fn settle_keys(
        &self,
        job: Pubkey,
        client: &Actor,
        owner: &Actor,
        payer: &Pubkey,
    ) -> SettleKeys {
        SettleKeys {
            job,
            client: client.kp.pubkey(),
            provider: pda::provider(&self.net.network, &owner.kp.pubkey()),
            provider_owner: owner.kp.pubkey(),
            payer: *payer,
            epoch: self.epoch(),
        }
    }
}

/// A job's life up to the point the scenario needs, with its steps measured or not.
struct Jobs {
    next_id: std::collections::HashMap<Pubkey, u64>,
}

impl Jobs {
    fn create_ix(&mut self, w: &World, client: &Actor) -> (Pubkey, Instruction) {
        let key = client.kp.pubkey();
        let id = self.next_id.entry(key).or_insert(0);
        let job_id = *id;
        *id += 1;
        let args = CreateJobArgs {
            job_id,
            price_per_unit: 1_000,
            max_units: 1_000,
            spec_hash: [1; 32],
            spec_uri: uri("spec"),
            target_provider: None,
            accept_seconds: HOUR,
            run_seconds: DAY,
        };
        let job = pda::job(&w.net.network, &key, job_id);
        (job, ix::create_job(&w.net, key, client.pay, args))
    }

    /// Created, accepted by `owner`'s provider and submitted, one slot ago.
    fn submitted(&mut self, w: &mut World, client: &Actor, owner: &Actor) -> Result<Pubkey> {
        let (job, create) = self.create_ix(w, client);
        w.send(&[create], &[&client.kp])?;
        let net = w.net;
        w.send(
            &[ix::accept_job(&net, owner.kp.pubkey(), job)],
            &[&owner.kp],
        )?;
        w.send(
            &[ix::submit_result(
                &net,
                owner.kp.pubkey(),
                job,
                submit_args(),
            )],
            &[&owner.kp],
        )?;
        w.chain.warp(1);
        Ok(job)
    }
}

fn submit_args() -> SubmitResultArgs {
    SubmitResultArgs {
        result_hash: [2; 32],
        units: 800,
        result_uri: uri("result"),
    }
}

fn attest_args(verdict: Verdict) -> AttestArgs {
    AttestArgs {
        verdict,
        measured_units: 800,
        evidence_hash: [3; 32],
        evidence_uri: uri("evidence"),
    }
}

fn ev(names: &[&'static str]) -> Vec<&'static str> {
    names.to_vec()
}

/// Runs the scenario on a fresh runtime for `kind` and returns its measured steps.
pub fn run(kind: NetKind) -> Result<Vec<Step>> {
    let creator = keypair("creator");
    let cranker = keypair("cranker");
    let authority = keypair("authority");
    let mint_authority = keypair("mint authority");
    let names = [
        "provider 1",
        "provider 2",
        "provider 3",
        "client 1",
        "client 2",
        "attestor 1",
        "attestor 2",
        "attestor 3",
        "funder",
        "authority 2",
    ];
    let others: Vec<Keypair> = names.iter().map(|n| keypair(n)).collect();
    let mut funded: Vec<&Keypair> = vec![&cranker, &creator, &authority, &mint_authority];
    funded.extend(others.iter());
    let mut chain = Chain::new(&funded)?;

    // Mints.
    let t22 = anchor_spl::token_2022::ID;
    let spl = anchor_spl::token::ID;
    let decimals = 6;
    let mint_len = tokens::MINT_LEN;
    let lamports = chain.rt.minimum_balance(mint_len);
    let pay_mint = keypair(&format!("{kind:?} payment mint"));
    let stake_mint = keypair(&format!("{kind:?} stake mint"));
    let mut setup = tokens::create_mint(
        &cranker.pubkey(),
        &pay_mint.pubkey(),
        &mint_authority.pubkey(),
        decimals,
        &t22,
        lamports,
    )?;
    let (stake_key, stake_program) = match kind {
        NetKind::TwoMint => {
            setup.extend(tokens::create_mint(
                &cranker.pubkey(),
                &stake_mint.pubkey(),
                &mint_authority.pubkey(),
                decimals,
                &spl,
                lamports,
            )?);
            (stake_mint.pubkey(), spl)
        }
        NetKind::OneMint => (pay_mint.pubkey(), t22),
    };
    let mint_signers: Vec<&Keypair> = match kind {
        NetKind::TwoMint => vec![&cranker, &pay_mint, &stake_mint],
        NetKind::OneMint => vec![&cranker, &pay_mint],
    };
    chain.send(&setup, &mint_signers)?;

    let network = pda::network(&creator.pubkey(), 0);
    let net = NetworkKeys {
        network,
        payment_mint: pay_mint.pubkey(),
        stake_mint: stake_key,
        payment_token_program: t22,
        stake_token_program: stake_program,
        genesis_ts: chain.now(),
        epoch_seconds: EPOCH_SECONDS,
        shard_count: params().shard_count,
    };
    let mut w = World {
        chain,
        kind,
        net,
        decimals,
        steps: Vec::new(),
        cranker: cranker.insecure_clone(),
        authority: authority.insecure_clone(),
        mint_authority: mint_authority.insecure_clone(),
    };
    let mut jobs = Jobs {
        next_id: Default::default(),
    };

    // ------------------------------------------------------------------ authority
    let ix = ix::create_network(
        creator.pubkey(),
        0,
        authority.pubkey(),
        params(),
        net.payment_mint,
        net.stake_mint,
        net.payment_token_program,
        net.stake_token_program,
        false,
    );
    let vaults = if kind == NetKind::TwoMint { 5 } else { 3 };
    w.measure(
        "create_network",
        &format!("{vaults} vaults"),
        ix,
        &[&creator],
        Facts {
            events: ev(&["NetworkCreated"]),
            mint_screens: 2 + vaults,
            ..Facts::default()
        },
    )?;
    let genesis: spice::state::Network = w.fetch(&network)?;
    w.net = NetworkKeys::from_account(network, &genesis);
    let net = w.net;

    let attestors: Vec<Keypair> = (1..=3).map(|i| keypair(&format!("attestor {i}"))).collect();
    for (i, a) in attestors.iter().enumerate() {
        let ix = ix::add_attestor(authority.pubkey(), network, a.pubkey());
        if i == 0 {
            w.measure(
                "add_attestor",
                "new record",
                ix,
                &[&authority],
                Facts {
                    events: ev(&["AttestorAdded"]),
                    ..Facts::default()
                },
            )?;
        } else {
            w.send(&[ix], &[&authority])?;
        }
    }

    let mut proposed = params();
    proposed.protocol_fee_bps = 300;
    w.measure(
        "propose_params",
        "",
        ix::propose_params(authority.pubkey(), network, Some(proposed)),
        &[&authority],
        Facts {
            events: ev(&["ParamsProposed"]),
            ..Facts::default()
        },
    )?;
    w.chain.warp(params().unbond_seconds + 1);
    w.measure(
        "apply_params",
        "",
        ix::apply_params(network),
        &[&cranker],
        Facts {
            events: ev(&["ParamsUpdated"]),
            ..Facts::default()
        },
    )?;
    let authority2 = keypair("authority 2");
    w.measure(
        "propose_authority",
        "",
        ix::propose_authority(authority.pubkey(), network, Some(authority2.pubkey())),
        &[&authority],
        Facts {
            events: ev(&["AuthorityProposed"]),
            ..Facts::default()
        },
    )?;
    w.measure(
        "accept_authority",
        "",
        ix::accept_authority(authority2.pubkey(), network),
        &[&authority2],
        Facts {
            events: ev(&["AuthorityAccepted"]),
            ..Facts::default()
        },
    )?;
    w.authority = authority2.insecure_clone();
    let auth = authority2;
    w.measure(
        "set_pause",
        "",
        ix::set_pause(auth.pubkey(), network, PAUSE_CREATE_JOB),
        &[&auth],
        Facts {
            events: ev(&["PauseSet"]),
            ..Facts::default()
        },
    )?;
    w.send(&[ix::set_pause(auth.pubkey(), network, 0)], &[&auth])?;

    // ------------------------------------------------------------------ actors
    let tokens_each = 1_000_000_000_000;
    let p1 = w.actor("provider 1", true, tokens_each)?;
    // Provider 2's owner has no payment ATA: its settlement payment waits in the payouts vault.
    let p2 = w.actor("provider 2", false, tokens_each)?;
    let p3 = w.actor("provider 3", true, tokens_each)?;
    let c1 = w.actor("client 1", true, tokens_each)?;
    // Client 2 has no payment ATA: its refund waits in the payouts vault.
    let c2 = w.actor("client 2", false, tokens_each)?;
    let funder = w.actor("funder", true, tokens_each)?;

    // ------------------------------------------------------------------ provider
    let stake = 10 * MIN_STAKE;
    w.measure(
        "register_provider",
        "",
        ix::register_provider(&net, p1.kp.pubkey(), p1.stake, stake, hardware("p1")),
        &[&p1.kp],
        Facts {
            events: ev(&["ProviderRegistered"]),
            mint_screens: 2,
            ..Facts::default()
        },
    )?;
    for p in [&p2, &p3] {
        let ix = ix::register_provider(&net, p.kp.pubkey(), p.stake, stake, hardware("p"));
        w.send(&[ix], &[&p.kp])?;
    }
    w.measure(
        "update_provider",
        "",
        ix::update_provider(&net, p1.kp.pubkey(), hardware("p1-new")),
        &[&p1.kp],
        Facts {
            events: ev(&["ProviderUpdated"]),
            ..Facts::default()
        },
    )?;
    w.measure(
        "stake",
        "",
        ix::stake(&net, p1.kp.pubkey(), p1.stake, MIN_STAKE),
        &[&p1.kp],
        Facts {
            events: ev(&["Staked"]),
            mint_screens: 1,
            ..Facts::default()
        },
    )?;
    w.measure(
        "fund_rewards",
        "",
        ix::fund_rewards(&net, funder.kp.pubkey(), funder.stake, 100_000_000_000),
        &[&funder.kp],
        Facts {
            events: ev(&["RewardsFunded"]),
            mint_screens: 1,
            ..Facts::default()
        },
    )?;

    // ------------------------------------------------------------------ a job, approved
    let (j0, create) = jobs.create_ix(&w, &c1);
    w.measure(
        "create_job",
        "the client's first: creates its Client record",
        create,
        &[&c1.kp],
        Facts {
            events: ev(&["JobCreated"]),
            mint_screens: 2,
            ..Facts::default()
        },
    )?;
    w.measure(
        "accept_job",
        "",
        ix::accept_job(&net, p1.kp.pubkey(), j0),
        &[&p1.kp],
        Facts {
            events: ev(&["JobAccepted"]),
            ..Facts::default()
        },
    )?;
    w.measure(
        "submit_result",
        "",
        ix::submit_result(&net, p1.kp.pubkey(), j0, submit_args()),
        &[&p1.kp],
        Facts {
            events: ev(&["ResultSubmitted"]),
            ..Facts::default()
        },
    )?;
    w.chain.warp(1);
    let crank = cranker.insecure_clone();
    w.measure(
        "draw_audit",
        "",
        ix::draw_audit(&net, j0),
        &[&crank],
        Facts {
            events: ev(&["AuditDrawn"]),
            draws: true,
            ..Facts::default()
        },
    )?;
    let k = w.settle_keys(j0, &c1, &p1, &c1.kp.pubkey());
    let settle_facts = |drawn: bool, held: usize| {
        let mut events = vec![];
        if !drawn {
            events.push("AuditDrawn");
        }
        events.push("WorkRecorded");
        events.extend(std::iter::repeat_n("PayoutOwed", held));
        events.push("JobSettled");
        Facts {
            events,
            settles: true,
            draws: !drawn,
            payee_checks: 2,
            mint_screens: 1,
            ..Facts::default()
        }
    };
    w.measure(
        "approve_job",
        "first settlement of the provider's page and of the shard: creates both",
        ix::approve_job(&net, &k),
        &[&c1.kp],
        settle_facts(true, 0),
    )?;

    let (j_later, create) = jobs.create_ix(&w, &c1);
    w.measure(
        "create_job",
        "a later job",
        create,
        &[&c1.kp],
        Facts {
            events: ev(&["JobCreated"]),
            mint_screens: 2,
            ..Facts::default()
        },
    )?;
    w.send(&[ix::accept_job(&net, p2.kp.pubkey(), j_later)], &[&p2.kp])?;
    w.send(
        &[ix::submit_result(
            &net,
            p2.kp.pubkey(),
            j_later,
            submit_args(),
        )],
        &[&p2.kp],
    )?;
    w.chain.warp(params().challenge_seconds + 1);
    let k = w.settle_keys(j_later, &c1, &p2, &crank.pubkey());
    w.measure(
        "settle_job",
        "by a crank; the provider owner's payment ATA is missing: the payment waits",
        ix::settle_job(&net, &k),
        &[&crank],
        settle_facts(false, 1),
    )?;
    let p2_dest = w.plain_account("provider 2 collect", &p2.kp.pubkey(), net.payment_mint)?;
    w.measure(
        "collect_provider_payouts",
        "",
        ix::collect_provider_payouts(&net, p2.kp.pubkey(), p2_dest),
        &[&crank],
        Facts {
            events: ev(&["PayoutsCollected"]),
            mint_screens: 1,
            ..Facts::default()
        },
    )?;

    // ------------------------------------------------------------------ cancel, collect
    let (j_cancel, create) = jobs.create_ix(&w, &c2);
    w.send(&[create], &[&c2.kp])?;
    w.measure(
        "cancel_job",
        "the client's payment ATA is missing: the refund waits",
        ix::cancel_job(&net, c2.kp.pubkey(), j_cancel),
        &[&c2.kp],
        Facts {
            events: ev(&["PayoutOwed", "JobCancelled"]),
            payee_checks: 1,
            mint_screens: 1,
            ..Facts::default()
        },
    )?;
    w.measure(
        "collect_client_payouts",
        "",
        ix::collect_client_payouts(&net, c2.kp.pubkey(), c2.pay, c2.stake),
        &[&crank],
        Facts {
            events: ev(&["PayoutsCollected"]),
            mint_screens: 2,
            ..Facts::default()
        },
    )?;

    // ------------------------------------------------------------------ dispute, votes
    let (a1, a2, a3) = (&attestors[0], &attestors[1], &attestors[2]);
    let j3 = jobs.submitted(&mut w, &c1, &p1)?;
    w.measure(
        "dispute_job",
        "",
        ix::dispute_job(&net, c1.kp.pubkey(), j3),
        &[&c1.kp],
        Facts {
            events: ev(&["AuditDrawn", "JobDisputed"]),
            draws: true,
            ..Facts::default()
        },
    )?;
    let k = w.settle_keys(j3, &c1, &p1, &a1.pubkey());
    w.measure(
        "attest",
        "first vote",
        ix::attest(&net, &k, a1.pubkey(), attest_args(Verdict::Valid), &[]),
        &[a1],
        Facts {
            events: ev(&["AttestationCast"]),
            vote: true,
            ..Facts::default()
        },
    )?;
    let k = w.settle_keys(j3, &c1, &p1, &a2.pubkey());
    let mut facts = settle_facts(true, 0);
    facts.events = ev(&[
        "AttestationCast",
        "WorkRecorded",
        "JobSettled",
        "AttestationClosed",
        "AttestationClosed",
    ]);
    facts.vote = true;
    w.measure(
        "attest",
        "deciding vote, Valid quorum: settles, closes the earlier vote",
        ix::attest(
            &net,
            &k,
            a2.pubkey(),
            attest_args(Verdict::Valid),
            &[a1.pubkey()],
        ),
        &[a2],
        facts,
    )?;

    let j4 = jobs.submitted(&mut w, &c1, &p1)?;
    w.send(&[ix::dispute_job(&net, c1.kp.pubkey(), j4)], &[&c1.kp])?;
    let k = w.settle_keys(j4, &c1, &p1, &a1.pubkey());
    w.send(
        &[ix::attest(
            &net,
            &k,
            a1.pubkey(),
            attest_args(Verdict::Invalid),
            &[],
        )],
        &[a1],
    )?;
    let k = w.settle_keys(j4, &c1, &p1, &a2.pubkey());
    w.measure(
        "attest",
        "deciding vote, Invalid quorum: refund, slash, closes the earlier vote",
        ix::attest(
            &net,
            &k,
            a2.pubkey(),
            attest_args(Verdict::Invalid),
            &[a1.pubkey()],
        ),
        &[a2],
        Facts {
            events: ev(&[
                "AttestationCast",
                "FraudSlashed",
                "AttestationClosed",
                "AttestationClosed",
            ]),
            vote: true,
            payee_checks: 2,
            mint_screens: 2,
            ..Facts::default()
        },
    )?;

    // ------------------------------------------------------------------ expiry, vote rent
    let j5 = jobs.submitted(&mut w, &c1, &p1)?;
    w.send(&[ix::dispute_job(&net, c1.kp.pubkey(), j5)], &[&c1.kp])?;
    let k = w.settle_keys(j5, &c1, &p1, &a3.pubkey());
    w.send(
        &[ix::attest(
            &net,
            &k,
            a3.pubkey(),
            attest_args(Verdict::Valid),
            &[],
        )],
        &[a3],
    )?;
    w.chain.warp(params().dispute_seconds + 1);
    let provider1 = pda::provider(&network, &p1.kp.pubkey());
    w.measure(
        "expire_job",
        "no quorum by the vote deadline",
        ix::expire_job(&net, j5, c1.kp.pubkey(), Some(provider1)),
        &[&crank],
        Facts {
            events: ev(&["JobExpired"]),
            payee_checks: 1,
            mint_screens: 1,
            ..Facts::default()
        },
    )?;
    w.measure(
        "close_attestation",
        "",
        ix::close_attestation(j5, a3.pubkey()),
        &[a3],
        Facts {
            events: ev(&["AttestationClosed"]),
            ..Facts::default()
        },
    )?;

    // ------------------------------------------------------------------ stake out
    w.measure(
        "begin_unbond",
        "",
        ix::begin_unbond(&net, p1.kp.pubkey(), MIN_STAKE),
        &[&p1.kp],
        Facts {
            events: ev(&["UnbondStarted"]),
            ..Facts::default()
        },
    )?;
    let p2_stake = stake;
    w.send(
        &[ix::begin_unbond(&net, p2.kp.pubkey(), p2_stake)],
        &[&p2.kp],
    )?;
    w.chain.warp(params().unbond_seconds + 1);
    w.measure(
        "withdraw_unbonded",
        "",
        ix::withdraw_unbonded(&net, p1.kp.pubkey(), p1.stake),
        &[&p1.kp],
        Facts {
            events: ev(&["UnbondWithdrawn"]),
            mint_screens: 1,
            ..Facts::default()
        },
    )?;
    w.send(
        &[ix::withdraw_unbonded(&net, p2.kp.pubkey(), p2.stake)],
        &[&p2.kp],
    )?;
    w.measure(
        "close_provider",
        "",
        ix::close_provider(&net, p2.kp.pubkey(), p2.stake),
        &[&p2.kp],
        Facts {
            events: ev(&["ProviderClosed"]),
            mint_screens: 1,
            ..Facts::default()
        },
    )?;

    // ------------------------------------------------------------------ rewards
    // Every epoch with work so far, finalized: the first one measured.
    let now_epoch = w.epoch();
    let mut worked: Vec<u64> = Vec::new();
    for e in 0..now_epoch {
        let any = (0..net.shard_count)
            .any(|s| w.chain.account(&pda::epoch_shard(&network, e, s)).is_some());
        if any {
            worked.push(e);
        }
    }
    let first = *worked
        .first()
        .ok_or_else(|| anyhow!("no epoch with work"))?;
    for (i, e) in worked.iter().enumerate() {
        let ix = ix::finalize_epoch(&net, crank.pubkey(), *e);
        if i == 0 {
            w.measure(
                "finalize_epoch",
                "the first epoch of its page: creates the EpochBook page",
                ix,
                &[&crank],
                Facts {
                    events: ev(&["EpochFinalized"]),
                    finalize_index: Some(*e),
                    ..Facts::default()
                },
            )?;
        } else {
            w.send(&[ix], &[&crank])?;
        }
    }
    let shard = (0..net.shard_count)
        .find(|s| {
            w.chain
                .account(&pda::epoch_shard(&network, first, *s))
                .is_some()
        })
        .ok_or_else(|| anyhow!("no shard"))?;
    let shard_acc: EpochShard = w.fetch(&pda::epoch_shard(&network, first, shard))?;
    w.measure(
        "close_epoch_shard",
        "",
        ix::close_epoch_shard(&net, first, shard, shard_acc.payer),
        &[&crank],
        Facts {
            events: ev(&["EpochShardClosed"]),
            ..Facts::default()
        },
    )?;
    // Provider 1's work: its first settlement and the Valid quorum.
    let p1_pages: Vec<u64> = {
        let mut pages: Vec<u64> = worked
            .iter()
            .map(|e| page_of(*e))
            .filter(|p| {
                w.chain
                    .account(&pda::provider_book(&provider1, *p))
                    .is_some()
            })
            .collect();
        pages.dedup();
        pages
    };
    let p1_scored = count_scored(&w, &provider1, &p1_pages)?;
    w.measure(
        "claim_rewards",
        &format!(
            "{} page pair{}",
            p1_pages.len(),
            if p1_pages.len() == 1 { "" } else { "s" }
        ),
        ix::claim_rewards(&net, p1.kp.pubkey(), p1.stake, &p1_pages),
        &[&p1.kp],
        Facts {
            events: std::iter::repeat_n("RewardClaimed", p1_scored).collect(),
            claim_pages: p1_pages.len(),
            claim_scored: p1_scored,
            claim_paid: p1_scored,
            breaker: true,
            mint_screens: 1,
            ..Facts::default()
        },
    )?;
    let treasury: anchor_spl::token_interface::TokenAccount = w.fetch(&net.payment_treasury())?;
    let auth_dest = w.ata(&auth.pubkey(), net.payment_mint)?;
    w.measure(
        "withdraw_treasury",
        "",
        ix::withdraw_treasury(
            auth.pubkey(),
            &net,
            net.payment_mint,
            auth_dest,
            treasury.amount,
        ),
        &[&auth],
        Facts {
            events: ev(&["TreasuryWithdrawn"]),
            mint_screens: 1,
            ..Facts::default()
        },
    )?;
    w.measure(
        "remove_attestor",
        "",
        ix::remove_attestor(auth.pubkey(), network, a3.pubkey()),
        &[&auth],
        Facts {
            events: ev(&["AttestorRemoved"]),
            ..Facts::default()
        },
    )?;

    // ------------------------------------------------------------------ 12 pages of claims
    if kind == NetKind::TwoMint {
        let provider3 = pda::provider(&network, &p3.kp.pubkey());
        let mut epochs = Vec::new();
        for _ in 0..CLAIM_PAGES {
            // The first epoch of the next page.
            let page = page_of(w.epoch()) + 1;
            let start = net.epoch_start(page * EPOCHS_PER_PAGE);
            let now = w.chain.now();
            w.chain.warp(start - now + 60);
            let job = jobs.submitted(&mut w, &c1, &p3)?;
            let k = w.settle_keys(job, &c1, &p3, &c1.kp.pubkey());
            epochs.push(k.epoch);
            w.send(&[ix::approve_job(&net, &k)], &[&c1.kp])?;
        }
        w.next_epoch();
        for e in &epochs {
            w.send(&[ix::finalize_epoch(&net, crank.pubkey(), *e)], &[&crank])?;
        }
        let pages: Vec<u64> = epochs.iter().map(|e| page_of(*e)).collect();
        let scored = count_scored(&w, &provider3, &pages)?;
        w.measure(
            "claim_rewards",
            &format!("{CLAIM_PAGES} page pairs: the most one transaction holds"),
            ix::claim_rewards(&net, p3.kp.pubkey(), p3.stake, &pages),
            &[&p3.kp],
            Facts {
                events: std::iter::repeat_n("RewardClaimed", scored).collect(),
                claim_pages: pages.len(),
                claim_scored: scored,
                claim_paid: scored,
                breaker: true,
                mint_screens: 1,
                ..Facts::default()
            },
        )?;
    }

    // ------------------------------------------------------------------ after the window
    let book = pda::epoch_book(&network, page_of(first));
    let page: spice::state::EpochBook = w.fetch(&book)?;
    let entry = page.entries[spice::state::offset_in_page(first)];
    let now = w.chain.now();
    w.chain.warp(entry.claim_deadline - now + 1);
    w.measure(
        "close_epoch",
        "",
        ix::close_epoch(&net, first),
        &[&crank],
        Facts {
            events: ev(&["EpochClosed"]),
            ..Facts::default()
        },
    )?;
    let first_page = *p1_pages
        .first()
        .ok_or_else(|| anyhow!("no provider page"))?;
    let pb: spice::state::ProviderBook = w.fetch(&pda::provider_book(&provider1, first_page))?;
    w.measure(
        "close_provider_book",
        "",
        ix::close_provider_book(&net, provider1, first_page, pb.payer, true),
        &[&crank],
        Facts {
            events: ev(&["ProviderBookClosed"]),
            ..Facts::default()
        },
    )?;
    Ok(w.steps)
}

/// Entries with a score in `provider`'s `pages`.
fn count_scored(w: &World, provider: &Pubkey, pages: &[u64]) -> Result<usize> {
    let mut n = 0;
    for p in pages {
        let book: spice::state::ProviderBook = w.fetch(&pda::provider_book(provider, *p))?;
        n += book.entries.iter().filter(|e| e.score > 0).count();
    }
    Ok(n)
}
