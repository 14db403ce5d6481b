//! The one place where a job's escrow leaves its vault: settlement (provider paid, fee to the
//! treasury, rest to the client) and refunds (everything to the client). Every job-ending
//! instruction goes through [`SettleAccounts::settle`] or [`refund_and_close_escrow`], so the
//! accounting of invariants 1 and 5 lives here once.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::audit::{Draw, SLOT_HASHES_ID};
use crate::curve::{job_score, stake_multiplier_bps};
use crate::errors::SpiceError;
use crate::events::{JobSettled, WorkRecorded};
use crate::job_signer;
use crate::pda_account;
use crate::state::{
    seeds, AuditDraw, EpochShard, Job, Network, Payout, Provider, ProviderEpoch, SettleReason,
    ACCOUNT_VERSION,
};
use crate::token::{close_vault, transfer};

/// Sends whatever the escrow vault holds back to the client and closes the vault, rent to the
/// client. Returns the amount refunded.
pub fn refund_and_close_escrow<'info>(
    job: &Account<'info, Job>,
    escrow_vault: &InterfaceAccount<'info, TokenAccount>,
    payment_mint: &InterfaceAccount<'info, Mint>,
    client_token: &InterfaceAccount<'info, TokenAccount>,
    client: &AccountInfo<'info>,
    token_program: &Interface<'info, TokenInterface>,
) -> Result<u64> {
    job.invariant(escrow_vault.amount)?;
    let refunded = escrow_vault.amount;
    job_signer!(job, signer);
    let authority = job.to_account_info();
    transfer(
        token_program,
        escrow_vault,
        payment_mint,
        client_token,
        &authority,
        signer,
        refunded,
    )?;
    close_vault(token_program, escrow_vault, client, &authority, signer)?;
    Ok(refunded)
}

/// Everything settlement touches. Instructions that can settle a job embed it.
#[derive(Accounts)]
pub struct SettleAccounts<'info> {
    /// The job's network.
    pub network: Box<Account<'info, Network>>,

    /// The job being settled; closed by settlement with its rent to the client.
    #[account(
        mut,
        has_one = network @ SpiceError::WrongNetwork,
        has_one = client @ SpiceError::NotJobClient,
    )]
    pub job: Box<Account<'info, Job>>,

    /// The job's escrow vault.
    #[account(
        mut,
        seeds = [seeds::ESCROW_VAULT, job.key().as_ref()],
        bump = job.escrow_bump,
    )]
    pub escrow_vault: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The provider that ran the job.
    #[account(
        mut,
        constraint = job.provider == Some(provider.key()) @ SpiceError::NotJobProvider,
    )]
    pub provider: Box<Account<'info, Provider>>,

    /// The provider owner's payment-mint account: receives the payment.
    #[account(
        mut,
        token::mint = payment_mint,
        token::authority = provider.owner,
        token::token_program = token_program,
    )]
    pub provider_token: Box<InterfaceAccount<'info, TokenAccount>>,

    /// CHECK: the job's client (`has_one` on the job); only receives rent lamports, so any
    /// account type works, including a PDA of another program.
    #[account(mut)]
    pub client: UncheckedAccount<'info>,

    /// The client's payment-mint account: receives what the provider did not earn. It may be
    /// the provider's own account (a provider buying its own compute): `dup` allows that, and
    /// is safe because token accounts change only through the token program's CPIs.
    #[account(
        mut,
        dup,
        token::mint = payment_mint,
        token::authority = job.client,
        token::token_program = token_program,
    )]
    pub client_token: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The payment-mint treasury vault: receives the protocol fee.
    #[account(
        mut,
        seeds = [seeds::TREASURY, network.key().as_ref(), network.payment_mint.as_ref()],
        bump = network.payment_treasury_bump,
    )]
    pub treasury: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The network's payment mint.
    #[account(address = network.payment_mint @ SpiceError::WrongMint)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,

    /// The payment mint's token program.
    #[account(address = network.payment_token_program @ SpiceError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,

    /// CHECK: the SlotHashes sysvar, by address; read in place for the audit draw.
    #[account(address = SLOT_HASHES_ID)]
    pub slot_hashes: UncheckedAccount<'info>,

    /// Pays the rent of the epoch accounts below when settlement creates them, and gets it
    /// back when they close.
    #[account(mut)]
    pub payer: Signer<'info>,

    /// CHECK: the provider's work record for the current epoch (a ProviderEpoch), by its seeds.
    /// The first settlement of the epoch creates it, later ones add to it; created by hand
    /// (see `pda_account`) so that lamports sent to the address cannot block settlement.
    #[account(
        mut,
        seeds = [
            seeds::PROVIDER_EPOCH,
            provider.key().as_ref(),
            &network.current_epoch(Clock::get()?.unix_timestamp)?.to_le_bytes(),
        ],
        bump,
    )]
    pub provider_epoch: UncheckedAccount<'info>,

    /// CHECK: the epoch shard this job hashes to, for the current epoch (an EpochShard), by its
    /// seeds; created on demand like the ProviderEpoch.
    #[account(
        mut,
        seeds = [
            seeds::EPOCH_SHARD,
            network.key().as_ref(),
            &network.current_epoch(Clock::get()?.unix_timestamp)?.to_le_bytes(),
            &[network.shard_of(&job.key())],
        ],
        bump,
    )]
    pub epoch_shard: UncheckedAccount<'info>,

    pub system_program: Program<'info, System>,
}

impl<'info> SettleAccounts<'info> {
    /// Records the job's audit draw if it is pending and drawable, and returns it.
    pub fn draw(&mut self) -> Result<Draw> {
        let now = Clock::get()?.unix_timestamp;
        let key = self.job.key();
        let params = self.network.params;
        let data = self.slot_hashes.try_borrow_data()?;
        self.job.record_draw(&data, &key, &params, now)
    }

    /// Settles the job at once if its draw allows it: not selected settles; newly selected
    /// records the draw and waits for a Valid quorum; already selected refuses.
    pub fn settle_unless_audited(
        &mut self,
        reason: SettleReason,
        bumps: &SettleAccountsBumps,
    ) -> Result<()> {
        require!(
            self.job.audit != AuditDraw::Selected,
            SpiceError::AwaitingAttestation
        );
        match self.draw()? {
            Draw::NotReady => err!(SpiceError::AuditNotReady),
            Draw::Selected => Ok(()),
            Draw::NotSelected => {
                let units = self.job.reported_units;
                self.settle(units, reason, bumps).map(|_| ())
            }
        }
    }

    /// Pays the provider for `final_units` (capped by the reported units), the fee to the
    /// treasury and the rest to the client; closes the escrow vault and the job, rent to the
    /// client; updates the provider's record and records the job's score and fee for the
    /// current epoch's rewards.
    pub fn settle(
        &mut self,
        final_units: u64,
        reason: SettleReason,
        bumps: &SettleAccountsBumps,
    ) -> Result<Payout> {
        let job = &self.job;
        job.invariant(self.escrow_vault.amount)?;
        let units = final_units.min(job.reported_units);
        let payout = job.payout(units, self.network.params.protocol_fee_bps)?;
        job_signer!(job, signer);
        let authority = job.to_account_info();
        let pay = |to: &InterfaceAccount<'info, TokenAccount>, amount: u64| {
            transfer(
                &self.token_program,
                &self.escrow_vault,
                &self.payment_mint,
                to,
                &authority,
                signer,
                amount,
            )
        };
        pay(&self.provider_token, payout.provider)?;
        pay(&self.treasury, payout.fee)?;
        // The recorded refund plus anything someone donated to the vault: the vault must end
        // empty to close.
        let surplus = self.escrow_vault.amount.saturating_sub(job.escrowed);
        let refund = payout
            .refund
            .checked_add(surplus)
            .ok_or(SpiceError::MathOverflow)?;
        pay(&self.client_token, refund)?;
        let client = self.client.to_account_info();
        close_vault(
            &self.token_program,
            &self.escrow_vault,
            &client,
            &authority,
            signer,
        )?;

        let provider = &mut self.provider;
        provider.active_jobs = provider.active_jobs.saturating_sub(1);
        let stats = &mut provider.stats;
        stats.jobs_completed = stats.jobs_completed.saturating_add(1);
        stats.units_completed = stats.units_completed.saturating_add(units);
        stats.total_earned = stats.total_earned.saturating_add(payout.provider);

        emit!(JobSettled {
            job: self.job.key(),
            provider: provider.key(),
            client: self.job.client,
            reason,
            final_units: units,
            provider_payment: payout.provider,
            protocol_fee: payout.fee,
            client_refund: refund,
        });
        self.record_work(units, payout.fee, bumps)?;
        self.job.close(client)?;
        Ok(payout)
    }

    /// Adds the job's score (`units × m(stake)`) and protocol fee to the provider's
    /// ProviderEpoch and the job's EpochShard for the current epoch.
    fn record_work(&mut self, units: u64, fee: u64, bumps: &SettleAccountsBumps) -> Result<()> {
        let params = self.network.params;
        let epoch = self.network.current_epoch(Clock::get()?.unix_timestamp)?;
        let multiplier =
            stake_multiplier_bps(self.provider.stake, params.stake_cap, params.m_max_bps)?;
        let score = job_score(units, multiplier)?;
        let payer = self.payer.to_account_info();
        let system = self.system_program.to_account_info();
        let epoch_bytes = epoch.to_le_bytes();

        let network_key = self.network.key();
        let provider_key = self.provider.key();
        let pe_info = self.provider_epoch.to_account_info();
        let pe_seeds: &[&[u8]] = &[
            seeds::PROVIDER_EPOCH,
            provider_key.as_ref(),
            &epoch_bytes,
            &[bumps.provider_epoch],
        ];
        let mut pe = pda_account::load_or_create(
            &pe_info,
            &payer,
            &system,
            8 + ProviderEpoch::INIT_SPACE,
            pe_seeds,
            || ProviderEpoch {
                version: ACCOUNT_VERSION,
                bump: bumps.provider_epoch,
                network: network_key,
                provider: provider_key,
                epoch,
                score: 0,
                fees: 0,
                jobs: 0,
                payer: payer.key(),
            },
        )?;
        pe.add_work(score, fee)?;
        pda_account::store(&pe_info, &pe)?;

        let shard_index = self.network.shard_of(&self.job.key());
        let shard_info = self.epoch_shard.to_account_info();
        let shard_seeds: &[&[u8]] = &[
            seeds::EPOCH_SHARD,
            network_key.as_ref(),
            &epoch_bytes,
            &[shard_index],
            &[bumps.epoch_shard],
        ];
        let mut shard = pda_account::load_or_create(
            &shard_info,
            &payer,
            &system,
            8 + EpochShard::INIT_SPACE,
            shard_seeds,
            || EpochShard {
                version: ACCOUNT_VERSION,
                bump: bumps.epoch_shard,
                network: network_key,
                epoch,
                shard: shard_index,
                score: 0,
                fees: 0,
                jobs: 0,
                payer: payer.key(),
            },
        )?;
        shard.add_work(score, fee)?;
        pda_account::store(&shard_info, &shard)?;

        emit!(WorkRecorded {
            job: self.job.key(),
            provider: self.provider.key(),
            epoch,
            shard: shard_index,
            score,
            fee,
        });
        Ok(())
    }
}
