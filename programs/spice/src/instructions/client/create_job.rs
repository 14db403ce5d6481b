use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::{MAX_QUORUM, MIN_WINDOW_SECONDS, PAUSE_CREATE_JOB};
use crate::errors::SpiceError;
use crate::events::JobCreated;
use crate::state::{seeds, AuditDraw, Job, JobState, Network, ACCOUNT_VERSION};
use crate::token::transfer;

/// Arguments of `create_job`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct CreateJobArgs {
    /// The client's id for this job (part of its address); any value not in use by this client.
    pub job_id: u64,
    /// Payment per unit of work, payment-mint base units.
    pub price_per_unit: u64,
    /// Most units the client pays for; `price_per_unit × max_units` is escrowed.
    pub max_units: u64,
    /// Hash of the job specification.
    pub spec_hash: [u8; 32],
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

    /// The new job.
    #[account(
        init,
        payer = client,
        space = 8 + Job::INIT_SPACE,
        seeds = [
            seeds::JOB,
            network.key().as_ref(),
            client.key().as_ref(),
            &args.job_id.to_le_bytes(),
        ],
        bump,
    )]
    pub job: Box<Account<'info, Job>>,

    /// The network's payment mint.
    #[account(address = network.payment_mint @ SpiceError::WrongMint)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,

    /// The job's own escrow vault, owned by the Job PDA.
    #[account(
        init,
        payer = client,
        seeds = [seeds::ESCROW_VAULT, job.key().as_ref()],
        bump,
        token::mint = payment_mint,
        token::authority = job,
        token::token_program = token_program,
    )]
    pub escrow_vault: Box<InterfaceAccount<'info, TokenAccount>>,

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
        let escrow = u128::from(args.price_per_unit)
            .checked_mul(u128::from(args.max_units))
            .ok_or(SpiceError::MathOverflow)?;
        Ok(u64::try_from(escrow).map_err(|_| SpiceError::MathOverflow)?)
    }
}

/// Creates a job and escrows `price_per_unit × max_units` in its own vault.
pub fn handler(ctx: Context<CreateJob>, args: CreateJobArgs) -> Result<()> {
    let escrowed = ctx.accounts.validate(&args)?;
    let clock = Clock::get()?;
    let (now, created_slot) = (clock.unix_timestamp, clock.slot);
    let a = ctx.accounts;
    transfer(
        &a.token_program,
        &a.client_token,
        &a.payment_mint,
        &a.escrow_vault,
        &a.client.to_account_info(),
        &[],
        escrowed,
    )?;
    let accept_deadline = now
        .checked_add(args.accept_seconds)
        .ok_or(SpiceError::MathOverflow)?;
    a.job.set_inner(Job {
        version: ACCOUNT_VERSION,
        bump: ctx.bumps.job,
        escrow_bump: ctx.bumps.escrow_vault,
        network: a.network.key(),
        client: a.client.key(),
        job_id: args.job_id,
        target_provider: args.target_provider,
        provider: None,
        price_per_unit: args.price_per_unit,
        max_units: args.max_units,
        escrowed,
        spec_hash: args.spec_hash,
        result_hash: [0; 32],
        reported_units: 0,
        state: JobState::Open,
        created_at: now,
        created_slot,
        accept_deadline,
        run_seconds: args.run_seconds,
        completion_deadline: 0,
        submit_slot: 0,
        challenge_deadline: 0,
        vote_deadline: 0,
        audit: AuditDraw::Pending,
        valid_votes: 0,
        invalid_votes: 0,
        valid_units: [0; MAX_QUORUM as usize],
        reserved: [0; 32],
    });
    a.escrow_vault.reload()?;
    a.job.invariant(a.escrow_vault.amount)?;
    emit!(JobCreated {
        network: a.network.key(),
        job: a.job.key(),
        client: a.client.key(),
        job_id: args.job_id,
        target_provider: args.target_provider,
        price_per_unit: args.price_per_unit,
        max_units: args.max_units,
        escrowed,
        accept_deadline,
    });
    Ok(())
}
