use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::{MAX_QUORUM, MIN_WINDOW_SECONDS, PAUSE_CREATE_JOB};
use crate::errors::SpiceError;
use crate::events::JobCreated;
use crate::pda_account;
use crate::state::{
    check_uri, seeds, AuditDraw, Client, Job, JobState, JobTerms, Network, ACCOUNT_VERSION,
};
use crate::token::{amount_of, transfer, ScreenedMint};

/// Arguments of `create_job`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateJobArgs {
    /// The client's next job id on this network (`Client.jobs_created`, 0 for a first job):
    /// ids only grow, so a job's address never names another job.
    pub job_id: u64,
    /// Payment per unit of work, payment-mint base units.
    pub price_per_unit: u64,
    /// Most units the client pays for; `price_per_unit × max_units` is escrowed.
    pub max_units: u64,
    /// Hash of the job specification (the manifest: what to run, on what hardware, what a unit
    /// is).
    pub spec_hash: [u8; 32],
    /// Where the specification can be fetched (at most 128 bytes; may be empty).
    pub spec_uri: String,
    /// When set, only this Provider account may accept.
    pub target_provider: Option<Pubkey>,
    /// Seconds a provider has to accept (≤ the network's `max_accept_seconds`).
    pub accept_seconds: i64,
    /// Seconds the provider has from acceptance to submission (≤ `max_run_seconds`).
    pub run_seconds: i64,
}

#[derive(Accounts)]
#[instruction(args: CreateJobArgs)]
pub struct CreateJob<'info> {
    /// The client: funds the escrow and the rent, and gets both back.
    #[account(mut)]
    pub client: Signer<'info>,

    /// The network the job runs on.
    pub network: Box<Account<'info, Network>>,

    /// CHECK: the client's record (a Client), by its seeds; created by the first job (by hand,
    /// see `pda_account`). It numbers the client's jobs.
    #[account(
        mut,
        seeds = [seeds::CLIENT, network.key().as_ref(), client.key().as_ref()],
        bump,
    )]
    pub client_record: UncheckedAccount<'info>,

    /// CHECK: the new job (a Job), by its seeds; created by hand.
    #[account(
        mut,
        seeds = [
            seeds::JOB,
            network.key().as_ref(),
            client.key().as_ref(),
            &args.job_id.to_le_bytes(),
        ],
        bump,
    )]
    pub job: UncheckedAccount<'info>,

    /// The network's payment mint.
    #[account(address = network.payment_mint @ SpiceError::WrongMint)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,

    /// CHECK: the job's own escrow vault, by its seeds; created here as a token account of the
    /// payment mint owned by the Job PDA.
    #[account(
        mut,
        seeds = [seeds::ESCROW_VAULT, job.key().as_ref()],
        bump,
    )]
    pub escrow_vault: UncheckedAccount<'info>,

    /// The client's payment-mint account the escrow comes from.
    #[account(
        mut,
        token::mint = payment_mint,
        token::authority = client,
        token::token_program = token_program,
    )]
    pub client_token: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The payment mint's token program.
    #[account(address = network.payment_token_program @ SpiceError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
    pub system_program: Program<'info, System>,
}

impl CreateJob<'_> {
    fn validate(&self, args: &CreateJobArgs) -> Result<u64> {
        let params = &self.network.params;
        self.network.require_not_paused(PAUSE_CREATE_JOB)?;
        require!(
            args.price_per_unit > 0 && args.max_units > 0,
            SpiceError::InvalidJobTerms
        );
        require!(
            (MIN_WINDOW_SECONDS..=params.max_accept_seconds).contains(&args.accept_seconds)
                && (MIN_WINDOW_SECONDS..=params.max_run_seconds).contains(&args.run_seconds),
            SpiceError::InvalidJobWindow
        );
        check_uri(&args.spec_uri)?;
        let escrow = u128::from(args.price_per_unit)
            .checked_mul(u128::from(args.max_units))
            .ok_or(SpiceError::MathOverflow)?;
        Ok(u64::try_from(escrow).map_err(|_| SpiceError::MathOverflow)?)
    }
}

/// Creates a job under the network's current terms (fixed for it from now on) and escrows
/// `price_per_unit × max_units` in its own vault.
pub fn handler(ctx: Context<CreateJob>, args: CreateJobArgs) -> Result<()> {
    let escrowed = ctx.accounts.validate(&args)?;
    let clock = Clock::get()?;
    let now = clock.unix_timestamp;
    let a = &ctx.accounts;
    let client = a.client.to_account_info();
    let system = a.system_program.to_account_info();
    let network_key = a.network.key();
    let client_key = a.client.key();
    let job_key = a.job.key();

    // The client's record: its counter names this job.
    let record_bump = [ctx.bumps.client_record];
    let record_seeds: &[&[u8]] = &[
        seeds::CLIENT,
        network_key.as_ref(),
        client_key.as_ref(),
        &record_bump,
    ];
    let mut record = pda_account::load_or_create(
        &a.client_record,
        &client,
        &system,
        8 + Client::INIT_SPACE,
        record_seeds,
        || Client {
            version: ACCOUNT_VERSION,
            bump: ctx.bumps.client_record,
            network: network_key,
            client: client_key,
            jobs_created: 0,
            owed_payment: 0,
            owed_stake: 0,
            reserved: [0; 32],
        },
    )?;
    if args.job_id != record.jobs_created {
        msg!("the client's next job id is {}", record.jobs_created);
        return err!(SpiceError::WrongJobId);
    }
    record.next_job_id()?;
    pda_account::store(&a.client_record, &record)?;

    let id_bytes = args.job_id.to_le_bytes();
    let job_bump = [ctx.bumps.job];
    let job_seeds: &[&[u8]] = &[
        seeds::JOB,
        network_key.as_ref(),
        client_key.as_ref(),
        &id_bytes,
        &job_bump,
    ];
    pda_account::create_pda(&a.job, &client, &system, 8 + Job::INIT_SPACE, job_seeds)?;
    let vault_bump = [ctx.bumps.escrow_vault];
    let vault_seeds: &[&[u8]] = &[seeds::ESCROW_VAULT, job_key.as_ref(), &vault_bump];
    pda_account::create_token_account(
        &a.escrow_vault,
        &client,
        &system,
        &a.token_program.to_account_info(),
        &a.payment_mint.to_account_info(),
        &job_key,
        vault_seeds,
    )?;
    let mint = ScreenedMint::new(&a.payment_mint, a.network.freeze_authority_accepted)?;
    transfer(
        &a.token_program,
        &a.client_token.to_account_info(),
        &mint,
        &a.escrow_vault,
        &client,
        &[],
        escrowed,
    )?;
    let accept_deadline = now
        .checked_add(args.accept_seconds)
        .ok_or(SpiceError::MathOverflow)?;
    let job = Box::new(Job {
        version: ACCOUNT_VERSION,
        bump: ctx.bumps.job,
        escrow_bump: ctx.bumps.escrow_vault,
        network: network_key,
        client: client_key,
        job_id: args.job_id,
        target_provider: args.target_provider,
        provider: None,
        price_per_unit: args.price_per_unit,
        max_units: args.max_units,
        escrowed,
        spec_hash: args.spec_hash,
        spec_uri: args.spec_uri,
        result_hash: [0; 32],
        result_uri: String::new(),
        reported_units: 0,
        state: JobState::Open,
        terms: JobTerms::of(&a.network.params),
        created_at: now,
        created_slot: clock.slot,
        accept_deadline,
        run_seconds: args.run_seconds,
        accepted_at: 0,
        completion_deadline: 0,
        stake_at_accept: 0,
        slash_lock: 0,
        exposure: 0,
        submit_slot: 0,
        challenge_deadline: 0,
        vote_deadline: 0,
        audit: AuditDraw::Pending,
        valid_votes: 0,
        invalid_votes: 0,
        valid_units: [0; MAX_QUORUM as usize],
        reserved: [0; 24],
    });
    job.invariant(amount_of(&a.escrow_vault)?)?;
    pda_account::store(&a.job, job.as_ref())?;
    emit!(JobCreated {
        network: network_key,
        job: job_key,
        client: client_key,
        job_id: args.job_id,
        target_provider: args.target_provider,
        price_per_unit: args.price_per_unit,
        max_units: args.max_units,
        escrowed,
        spec_hash: args.spec_hash,
        spec_uri: job.spec_uri.clone(),
        accept_deadline,
    });
    Ok(())
}
