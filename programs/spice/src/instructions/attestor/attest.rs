use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::BPS_DENOMINATOR;
use crate::errors::SpiceError;
use crate::events::{AttestationCast, AttestationClosed, FraudSlashed};
use crate::instructions::escrow::*;
use crate::pda_account;
use crate::provider_signer;
use crate::state::{
    seeds, Attestation, Attestor, JobState, ProviderStatus, SettleReason, Verdict, ACCOUNT_VERSION,
};
use crate::token::transfer;

/// Arguments of `attest`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct AttestArgs {
    /// The vote.
    pub verdict: Verdict,
    /// Units of work measured (Valid votes; capped by the reported units).
    pub measured_units: u64,
    /// Hash of the attestor's evidence.
    pub evidence_hash: [u8; 32],
}

#[derive(Accounts)]
pub struct Attest<'info> {
    /// Everything a Valid quorum settles (and the SlotHashes sysvar for the audit draw).
    pub settle: SettleAccounts<'info>,

    /// The attestor's key; pays the attestation's rent and gets it back when it closes.
    #[account(
        mut,
        constraint = attestor_key.key() != settle.job.client
            && attestor_key.key() != settle.provider.owner @ SpiceError::ConflictOfInterest,
    )]
    pub attestor_key: Signer<'info>,

    /// The attestor's record.
    #[account(
        mut,
        seeds = [seeds::ATTESTOR, settle.network.key().as_ref(), attestor_key.key().as_ref()],
        bump = attestor.bump,
        constraint = attestor.active @ SpiceError::AttestorInactive,
    )]
    pub attestor: Box<Account<'info, Attestor>>,

    /// CHECK: the vote (an Attestation), by its seeds: unique per (job, attestor), so a second
    /// vote is refused. Created by hand (see `pda_account`), so lamports sent to the address
    /// cannot stop the attestor from voting.
    #[account(
        mut,
        seeds = [seeds::ATTESTATION, settle.job.key().as_ref(), attestor_key.key().as_ref()],
        bump,
    )]
    pub attestation: UncheckedAccount<'info>,

    /// The provider's stake vault: slashed on an Invalid quorum.
    #[account(
        mut,
        seeds = [seeds::STAKE_VAULT, settle.provider.key().as_ref()],
        bump = settle.provider.stake_vault_bump,
    )]
    pub stake_vault: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The stake-mint treasury vault: receives the treasury's part of a slash. With one mint
    /// for payment and stake it is the settlement's treasury too: `dup` allows that (token
    /// accounts change only through the token program's CPIs).
    #[account(
        mut,
        dup,
        seeds = [
            seeds::TREASURY,
            settle.network.key().as_ref(),
            settle.network.stake_mint.as_ref(),
        ],
        bump = settle.network.stake_treasury_bump,
    )]
    pub stake_treasury: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The client's stake-mint account: receives the client's part of a slash. With one mint
    /// it is the client's payment account too (`dup`, as above).
    #[account(
        mut,
        dup,
        token::mint = stake_mint,
        token::authority = settle.job.client,
        token::token_program = stake_token_program,
    )]
    pub client_stake_token: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The network's stake mint.
    #[account(address = settle.network.stake_mint @ SpiceError::WrongMint)]
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,

    /// The stake mint's token program.
    #[account(address = settle.network.stake_token_program @ SpiceError::WrongTokenProgram)]
    pub stake_token_program: Interface<'info, TokenInterface>,

    pub system_program: Program<'info, System>,
}

impl<'info> Attest<'info> {
    fn validate(&self) -> Result<()> {
        let job = &self.settle.job;
        // Job: submitted or disputed. Its voting deadline is checked in the handler, once the
        // audit draw is recorded: a selection made by this very vote extends it.
        require!(
            matches!(job.state, JobState::Submitted | JobState::Disputed),
            SpiceError::InvalidJobState
        );
        // Attestation: one per (job, attestor). One left from an earlier job at this address
        // (a reused job id) is stale and gets overwritten.
        if pda_account::exists(&self.attestation) {
            let earlier = pda_account::load::<Attestation>(&self.attestation)?;
            require!(
                earlier.job_created_slot != job.created_slot,
                SpiceError::AlreadyVoted
            );
        }
        // Attestor, attestation, stake accounts: checked in the #[account] attributes.
        Ok(())
    }

    /// Invalid quorum: refund the client in full, slash the provider (active stake first, then
    /// unbonding), split the slash between the client and the treasury, close the job.
    fn resolve_fraud(&mut self) -> Result<()> {
        let s = &mut self.settle;
        let client_info = s.client.to_account_info();
        let refunded = refund_and_close_escrow(
            &s.job,
            &s.escrow_vault,
            &s.payment_mint,
            &s.client_token,
            &client_info,
            &s.token_program,
        )?;
        let params = s.network.params;
        let provider = &mut s.provider;
        let slash = provider.slash(params.slash_bps)?;
        let to_client = u128::from(slash.total)
            .checked_mul(u128::from(params.slash_client_share_bps))
            .map(|v| v / u128::from(BPS_DENOMINATOR))
            .and_then(|v| u64::try_from(v).ok())
            .ok_or(SpiceError::MathOverflow)?;
        let to_treasury = slash
            .total
            .checked_sub(to_client)
            .ok_or(SpiceError::MathOverflow)?;
        provider.active_jobs = provider.active_jobs.saturating_sub(1);
        provider.stats.jobs_fraudulent = provider.stats.jobs_fraudulent.saturating_add(1);

        provider_signer!(provider, signer);
        let authority = provider.to_account_info();
        transfer(
            &self.stake_token_program,
            &self.stake_vault,
            &self.stake_mint,
            &self.client_stake_token,
            &authority,
            signer,
            to_client,
        )?;
        transfer(
            &self.stake_token_program,
            &self.stake_vault,
            &self.stake_mint,
            &self.stake_treasury,
            &authority,
            signer,
            to_treasury,
        )?;
        self.stake_vault.reload()?;
        provider.refresh_and_check(self.stake_vault.amount, params.min_stake)?;

        emit!(FraudSlashed {
            job: s.job.key(),
            provider: provider.key(),
            client: s.job.client,
            refunded,
            slashed: slash.total,
            slashed_from_active: slash.from_active,
            slashed_from_unbonding: slash.from_unbonding,
            to_client,
            to_treasury,
            provider_stake_after: provider.stake,
            suspended: provider.status != ProviderStatus::Active,
        });
        s.job.close(client_info)
    }

    /// Closes the attestations of earlier voters handed over in `remaining` as
    /// (attestation, attestor record, attestor key) triples, counting each vote against the
    /// outcome if it was. Rent goes back to each attestor.
    fn close_earlier_votes(
        &self,
        remaining: &'info [AccountInfo<'info>],
        outcome: Verdict,
    ) -> Result<()> {
        let job = self.settle.job.key();
        let network = self.settle.network.key();
        for triple in remaining.chunks(3) {
            let [att_info, rec_info, key_info] = triple else {
                return err!(SpiceError::InvalidAttestationAccount);
            };
            let att: Account<'info, Attestation> = Account::try_from(att_info)?;
            let mut rec: Account<'info, Attestor> = Account::try_from(rec_info)?;
            require!(
                att.job == job
                    && att.job_created_slot == self.settle.job.created_slot
                    && att.key() != self.attestation.key()
                    && key_info.key() == att.attestor
                    && rec.key == att.attestor
                    && rec.network == network,
                SpiceError::InvalidAttestationAccount
            );
            let against = att.verdict != outcome;
            if against {
                rec.votes_against_outcome = rec.votes_against_outcome.saturating_add(1);
                rec.exit(&crate::ID)?;
            }
            att.close(key_info.clone())?;
            emit!(AttestationClosed {
                job,
                attestor: att.attestor,
                against_outcome: against,
            });
        }
        Ok(())
    }
}

/// An active attestor votes on a submitted or disputed job. M (`attestation_quorum`) votes of
/// one verdict decide it: Valid settles at the median of the Valid votes' measured units;
/// Invalid is fraud (full refund, slash). The deciding transaction closes the attestations
/// passed in its remaining accounts. Not an entry: works while paused.
#[access_control(ctx.accounts.validate())]
pub fn handler<'info>(ctx: Context<'info, Attest<'info>>, args: AttestArgs) -> Result<()> {
    let slot = Clock::get()?.slot;
    let a = ctx.accounts;

    // The audit draw is recorded by the first instruction that can make it; the vote counts
    // whatever the draw, until the deadline the draw leaves (a job selected only now, after
    // its challenge window, gets `dispute_seconds` of voting from now).
    a.settle.draw()?;
    let now = Clock::get()?.unix_timestamp;
    require!(
        now <= a.settle.job.voting_deadline(),
        SpiceError::VotingClosed
    );

    let attestor_key = a.attestor_key.key();
    let job = &mut a.settle.job;
    let measured = args.measured_units.min(job.reported_units);
    match args.verdict {
        Verdict::Valid => {
            let index = usize::from(job.valid_votes);
            let slot_ref = job
                .valid_units
                .get_mut(index)
                .ok_or(SpiceError::MathOverflow)?;
            *slot_ref = measured;
            job.valid_votes = job
                .valid_votes
                .checked_add(1)
                .ok_or(SpiceError::MathOverflow)?;
        }
        Verdict::Invalid => {
            job.invalid_votes = job
                .invalid_votes
                .checked_add(1)
                .ok_or(SpiceError::MathOverflow)?;
        }
    }
    let job_key = job.key();
    let attestation = a.attestation.to_account_info();
    let bump = [ctx.bumps.attestation];
    let seeds: &[&[u8]] = &[
        seeds::ATTESTATION,
        job_key.as_ref(),
        attestor_key.as_ref(),
        &bump,
    ];
    // A stale vote of an earlier job at this address keeps its account (same attestor, same
    // size, rent paid) and is overwritten.
    if !pda_account::exists(&attestation) {
        pda_account::create_pda(
            &attestation,
            &a.attestor_key.to_account_info(),
            &a.system_program.to_account_info(),
            8 + Attestation::INIT_SPACE,
            seeds,
        )?;
    }
    pda_account::store(
        &attestation,
        &Attestation {
            version: ACCOUNT_VERSION,
            bump: ctx.bumps.attestation,
            job: job_key,
            job_created_slot: job.created_slot,
            attestor: attestor_key,
            verdict: args.verdict,
            measured_units: measured,
            evidence_hash: args.evidence_hash,
            slot,
        },
    )?;
    a.attestor.votes_cast = a.attestor.votes_cast.saturating_add(1);
    emit!(AttestationCast {
        job: job.key(),
        attestor: attestor_key,
        verdict: args.verdict,
        measured_units: measured,
        evidence_hash: args.evidence_hash,
        valid_votes: job.valid_votes,
        invalid_votes: job.invalid_votes,
    });

    let quorum = a.settle.network.params.attestation_quorum;
    let outcome = if job.valid_votes >= quorum {
        Verdict::Valid
    } else if job.invalid_votes >= quorum {
        Verdict::Invalid
    } else {
        return Ok(());
    };
    match outcome {
        Verdict::Valid => {
            let units = job.median_valid_units().ok_or(SpiceError::MathOverflow)?;
            a.settle
                .settle(units, SettleReason::ValidQuorum, &ctx.bumps.settle)?;
        }
        Verdict::Invalid => a.resolve_fraud()?,
    }
    a.close_earlier_votes(ctx.remaining_accounts, outcome)?;
    pda_account::close(&attestation, &a.attestor_key.to_account_info())?;
    emit!(AttestationClosed {
        job: job_key,
        attestor: attestor_key,
        against_outcome: false,
    });
    Ok(())
}
