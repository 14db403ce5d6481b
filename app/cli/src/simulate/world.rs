//! The simulated world before the first job: a fresh in-memory ledger, the mints, the network,
//! every actor's wallet (SOL, token accounts, tokens), the attestors (added, and the governance
//! delay waited out so they may vote on every job of the run), the funded reward vault and the
//! registered providers — all through real transactions, as an operator would do it.

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::solana_program::system_instruction;
use anyhow::{anyhow, Context as _, Result};
use solana_sdk::signature::{Keypair, Signer};
use spice::state::{HardwareSpec, NetworkParams};
use spice_ledger::{Embedded, Runtime};
use spice_sdk::accounts;
use spice_sdk::ix::{self, NetworkKeys};
use spice_sdk::ledger::Ledger;
use spice_sdk::{pda, tokens};

use super::chain::Chain;
use super::rng;
use super::scenario::{MintLayout, ProviderSpec, Scenario, DECIMALS};

const SOL: u64 = 1_000_000_000;
/// Transfers per funding transaction: well inside the 1 232-byte transaction limit.
const TRANSFERS_PER_TX: usize = 12;

/// A wallet with its token accounts (the same account twice on a single-mint network).
pub struct Wallet {
    pub kp: Keypair,
    pub payment: Pubkey,
    pub stake: Pubkey,
}

impl Wallet {
    pub fn key(&self) -> Pubkey {
        self.kp.pubkey()
    }
}

/// A provider account: its scenario entry (a sybil's with its share of the stake, named
/// `actor-k`), the actor it belongs to, its owner's wallet and its Provider account.
pub struct ProviderActor {
    pub spec: ProviderSpec,
    /// Index of the scenario's provider entry (the actor) this account belongs to.
    pub actor: usize,
    pub wallet: Wallet,
    /// The Provider account (PDA).
    pub pda: Pubkey,
}

/// `create_network` refused the scenario's parameters (`ParameterOutOfBounds`): the program's
/// bounds, economic ones included. Carries the parameter the program's log names.
#[derive(Debug)]
pub struct Refused(pub String);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "refused by the program's bounds ({})", self.0)
    }
}

impl std::error::Error for Refused {}

/// Everything the run acts with.
pub struct World {
    pub chain: Chain,
    pub net: NetworkKeys,
    pub params: NetworkParams,
    /// Creates the network and the mints, is its authority, funds the rewards.
    pub operator: Keypair,
    /// Sends the permissionless cranks (settle, expire, finalize) and pays their rent.
    pub crank: Keypair,
    pub providers: Vec<ProviderActor>,
    pub clients: Vec<Wallet>,
    pub attestors: Vec<Keypair>,
    /// The first `colluding` attestors vote Valid for the colluders' jobs.
    pub colluding: usize,
    /// Stake-mint tokens put in the reward vault.
    pub funded: u64,
    /// The first epoch of the run: the attestors vote from its start, and a job's whole life
    /// fits in what is left of it.
    pub first_epoch: u64,
    /// Payment tokens each client started with.
    pub client_budget: u64,
}

/// Builds the world of `scenario` on a fresh in-memory ledger, verifying signatures or not
/// (every transaction is signed here with the actors' own keys: the outcome is the same).
pub fn build(scenario: &Scenario, sigverify: bool) -> Result<World> {
    let seed = scenario.seed;
    let params = scenario.params();
    let runtime = Runtime::new().with_sigverify(sigverify);
    let ledger = Embedded::in_memory_on(runtime).context("starting the embedded ledger")?;
    let mut chain = Chain::new(ledger);
    let operator = rng::keypair(seed, "operator");
    let crank = rng::keypair(seed, "crank");
    chain
        .ledger
        .airdrop(&operator.pubkey(), 10_000 * SOL)
        .context("funding the operator")?;

    // Mints: Token-2022 for one mint; SPL Token payment and Token-2022 stake for two.
    let (payment_program, stake_program) = match scenario.mints {
        MintLayout::Single => (anchor_spl::token_2022::ID, anchor_spl::token_2022::ID),
        MintLayout::Two => (anchor_spl::token::ID, anchor_spl::token_2022::ID),
    };
    let payment_mint = create_mint(
        &mut chain,
        &operator,
        seed,
        "payment-mint",
        &payment_program,
    )?;
    let stake_mint = match scenario.mints {
        MintLayout::Single => payment_mint,
        MintLayout::Two => create_mint(&mut chain, &operator, seed, "stake-mint", &stake_program)?,
    };

    let id = 1;
    let create = ix::create_network(
        operator.pubkey(),
        id,
        operator.pubkey(),
        params,
        payment_mint,
        stake_mint,
        payment_program,
        stake_program,
        false,
    );
    if let Err(err) = chain.try_send(&[create], &[&operator]) {
        if err.custom_code() == Some(u32::from(spice::errors::SpiceError::ParameterOutOfBounds)) {
            let named = match &err {
                spice_sdk::ledger::LedgerError::Transaction { logs, .. } => logs
                    .iter()
                    .find_map(|l| l.split("parameter out of bounds: ").nth(1))
                    .map(|n| n.trim().to_string()),
                _ => None,
            };
            return Err(Refused(named.unwrap_or_else(|| "ParameterOutOfBounds".into())).into());
        }
        return Err(anyhow::Error::new(err).context("create_network"));
    }
    let network = pda::network(&operator.pubkey(), id);
    let net = accounts::network_keys(&mut chain.ledger, &network).context("reading the network")?;

    let mut world = World {
        chain,
        net,
        params,
        operator,
        crank,
        providers: Vec::new(),
        clients: Vec::new(),
        attestors: Vec::new(),
        colluding: usize::try_from(scenario.attestors.colluding).context("colluding")?,
        funded: 0,
        first_epoch: 0,
        client_budget: scenario.client_budget()?,
    };

    // SOL for fees and rent, in a few batched transfers from the operator.
    let crank_key = world.crank.pubkey();
    let mut sol: Vec<(Pubkey, u64)> = vec![(crank_key, 100 * SOL)];
    // Provider accounts: one per scenario entry, a sybil's split over `split` accounts.
    let mut accounts: Vec<(usize, ProviderSpec)> = Vec::new();
    for (actor, sp) in scenario.providers.iter().enumerate() {
        let k = sp.accounts().max(1);
        for nth in 0..k {
            let mut spec = sp.clone();
            if k > 1 {
                spec.name = format!("{}-{}", sp.name, nth + 1);
                let share = sp.stake / u64::from(k);
                spec.stake = if nth + 1 == k {
                    sp.stake - share * u64::from(k - 1)
                } else {
                    share
                };
            }
            accounts.push((actor, spec));
        }
    }
    let provider_wallets: Vec<Keypair> = accounts
        .iter()
        .map(|(_, sp)| rng::keypair(seed, &format!("provider-{}", sp.name)))
        .collect();
    let client_wallets: Vec<Keypair> = (0..scenario.clients.count)
        .map(|i| rng::keypair(seed, &format!("client-{i}")))
        .collect();
    let attestor_keys: Vec<Keypair> = (0..scenario.attestors.count)
        .map(|i| rng::keypair(seed, &format!("attestor-{i}")))
        .collect();
    sol.extend(provider_wallets.iter().map(|k| (k.pubkey(), 20 * SOL)));
    sol.extend(client_wallets.iter().map(|k| (k.pubkey(), 20 * SOL)));
    sol.extend(attestor_keys.iter().map(|k| (k.pubkey(), 5 * SOL)));
    for batch in sol.chunks(TRANSFERS_PER_TX) {
        let ixs: Vec<Instruction> = batch
            .iter()
            .map(|(to, lamports)| {
                system_instruction::transfer(&world.operator.pubkey(), to, *lamports)
            })
            .collect();
        let op = world.operator.insecure_clone();
        world
            .chain
            .send(|| "funding wallets with SOL".into(), &ixs, &[&op])?;
    }

    // Attestors: an addition takes effect after the governance delay (unbond_seconds), and an
    // attestor votes only on jobs accepted from then: add them first and wait it out.
    for kp in attestor_keys {
        let add = ix::add_attestor(world.operator.pubkey(), world.net.network, kp.pubkey());
        let op = world.operator.insecure_clone();
        world
            .chain
            .send(|| format!("add_attestor {}", kp.pubkey()), &[add], &[&op])?;
        world.attestors.push(kp);
    }
    if !world.attestors.is_empty() {
        world.chain.warp_seconds(params.unbond_seconds)?;
    }
    // The run starts in the current epoch if a job's whole life still fits in it, else at the
    // start of the next one.
    let now = world.chain.now()?;
    let mut first = world.net.epoch_at(now);
    let next_start = world.net.epoch_start(first.saturating_add(1));
    if now.saturating_add(scenario.job_life_seconds()) >= next_start {
        world.chain.warp_to(next_start.saturating_add(1))?;
        first = first.saturating_add(1);
    }
    world.first_epoch = first;

    // Rewards: the operator mints the network token to itself and funds the vault.
    let fund = match scenario.rewards.fund {
        Some(f) => f,
        None => curve_total(&params, first, scenario.epochs)?,
    };
    let op = world.operator.insecure_clone();
    let operator_wallet = world.wallet(op, 0, fund)?;
    if fund > 0 {
        let ixf = ix::fund_rewards(
            &world.net,
            operator_wallet.key(),
            operator_wallet.stake,
            fund,
        );
        world
            .chain
            .send(|| "fund_rewards".into(), &[ixf], &[&operator_wallet.kp])?;
    }
    world.funded = fund;

    // Clients hold payment tokens, and a stake-mint account too: a vote on their job pays
    // them their share of a slash there.
    for kp in client_wallets {
        let budget = world.client_budget;
        let wallet = world.wallet(kp, budget, 0)?;
        world.clients.push(wallet);
    }

    for ((actor, sp), kp) in accounts.into_iter().zip(provider_wallets) {
        // A self-dealer is also a client: it needs payment tokens for its own jobs (the
        // escrow of every epoch's, so it never runs short whatever it gets back).
        let payment = scenario
            .self_budget_per_epoch(&sp)?
            .checked_mul(scenario.epochs)
            .context("self-dealer budget overflows u64")?;
        // A stake timer holds its top-up in its wallet between settlements.
        let wallet = world.wallet(kp, payment, sp.peak_stake())?;
        let hardware = HardwareSpec {
            gpu_model: sp.gpu.clone(),
            gpu_count: sp.gpu_count,
            vram_gb: sp.vram_gb,
            region: sp.region.clone(),
            metadata_hash: [0; 32],
            metadata_uri: String::new(),
        };
        let reg = ix::register_provider(&world.net, wallet.key(), wallet.stake, sp.stake, hardware);
        world.chain.send(
            || format!("register_provider {}", sp.name),
            &[reg],
            &[&wallet.kp],
        )?;
        let provider_pda = pda::provider(&world.net.network, &wallet.key());
        world.providers.push(ProviderActor {
            spec: sp,
            actor,
            wallet,
            pda: provider_pda,
        });
    }
    Ok(world)
}

impl World {
    /// Gives `kp` its token accounts and mints `payment` and `stake` tokens into them (the
    /// operator is the mint authority and pays the rent).
    fn wallet(&mut self, kp: Keypair, payment: u64, stake: u64) -> Result<Wallet> {
        let net = self.net;
        let owner = kp.pubkey();
        let op = self.operator.pubkey();
        let pay = tokens::associated(&owner, &net.payment_mint, &net.payment_token_program);
        let stk = tokens::associated(&owner, &net.stake_mint, &net.stake_token_program);
        let mut ixs = vec![tokens::create_associated(
            &op,
            &owner,
            &net.payment_mint,
            &net.payment_token_program,
        )];
        if stk != pay {
            ixs.push(tokens::create_associated(
                &op,
                &owner,
                &net.stake_mint,
                &net.stake_token_program,
            ));
        }
        if payment > 0 {
            ixs.push(tokens::mint_to(
                &net.payment_token_program,
                &net.payment_mint,
                &pay,
                &op,
                payment,
                DECIMALS,
            )?);
        }
        if stake > 0 {
            ixs.push(tokens::mint_to(
                &net.stake_token_program,
                &net.stake_mint,
                &stk,
                &op,
                stake,
                DECIMALS,
            )?);
        }
        let operator = self.operator.insecure_clone();
        self.chain
            .send(|| format!("token accounts of {owner}"), &ixs, &[&operator])?;
        Ok(Wallet {
            kp,
            payment: pay,
            stake: stk,
        })
    }
}

/// Creates a mint without extensions, the operator its authority.
fn create_mint(
    chain: &mut Chain,
    operator: &Keypair,
    seed: u64,
    label: &str,
    program: &Pubkey,
) -> Result<Pubkey> {
    let mint = rng::keypair(seed, label);
    let rent = chain
        .ledger
        .minimum_balance(tokens::MINT_LEN)
        .context("reading rent")?;
    let ixs = tokens::create_mint(
        &operator.pubkey(),
        &mint.pubkey(),
        &operator.pubkey(),
        DECIMALS,
        program,
        rent,
    )?;
    chain.send(|| format!("creating the {label}"), &ixs, &[operator, &mint])?;
    Ok(mint.pubkey())
}

/// What the curve emits over the `epochs` epochs from `first` (within the lifetime budget):
/// the default reward funding, so the vault never limits the run.
pub fn curve_total(params: &NetworkParams, first: u64, epochs: u64) -> Result<u64> {
    let mut total: u64 = 0;
    for e in first..first.saturating_add(epochs) {
        let emission = curve_emission(params, e)?;
        total = total
            .checked_add(emission)
            .context("reward funding overflows u64")?;
    }
    Ok(total.min(params.max_total_emission))
}

/// The curve's emission `E(e)`, before the caps of finalization.
pub fn curve_emission(params: &NetworkParams, epoch: u64) -> Result<u64> {
    spice::curve::curve_emission(
        params.initial_emission,
        params.emission_decay_bps,
        params.tail_emission,
        epoch,
    )
    .map_err(|e| anyhow!("emission curve of epoch {epoch}: {e:?}"))
}
