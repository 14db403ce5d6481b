use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::constants::BPS_DENOMINATOR;
use crate::errors::SpiceError;
use crate::events::{AttestationCast, AttestationClosed, FraudSlashed};
use crate::instructions::escrow::*;
use crate::pda_account;
use crate::provider_signer;
use crate::state::{
    check_uri, seeds, Attestation, Attestor, ProviderStatus, SettleReason, Verdict, VoteOutcome,
    ACCOUNT_VERSION,
};
use crate::token::{ScreenedMint, ASSOCIATED_TOKEN_PROGRAM};

/// Arguments of `attest`.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Debug)]
pub struct AttestArgs {
    /// The vote.
    pub verdict: Verdict,
    /// Units of work measured (Valid votes; capped by the reported units).
    pub measured_units: u64,
    /// Hash of the attestor's evidence.
    pub evidence_hash: [u8; 32],
    /// Where the evidence can be fetched (at most 128 bytes; may be empty).
    pub evidence_uri: String,
}

#[derive(Accounts)]
pub struct Attest<'info> {
    /// Everything a Valid quorum settles (and the SlotHashes sysvar for the audit draw).
    pub settle: SettleAccounts<'info>,

    /// The attestor's key; pays the attestation's rent and gets it back when it closes.
    #[account(
        mut,
        constraint = attestor_key.key() != settle.refund.job.client
            && attestor_key.key() != settle.provider.owner @ SpiceError::ConflictOfInterest,
    )]
    pub attestor_key: Signer<'info>,

    /// The attestor's record.
    #[account(
        mut,
        seeds = [
            seeds::ATTESTOR,
            settle.refund.network.key().as_ref(),
            attestor_key.key().as_ref(),
        ],
        bump = attestor.bump,
    )]
    pub attestor: Box<Account<'info, Attestor>>,

    /// CHECK: the vote (an Attestation), by its seeds: unique per (job, attestor), so a second
    /// vote is refused. Created by hand (see `pda_account`), so lamports sent to the address
    /// cannot stop the attestor from voting.
    #[account(
        mut,
        seeds = [
            seeds::ATTESTATION,
            settle.refund.job.key().as_ref(),
            attestor_key.key().as_ref(),
        ],
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
            settle.refund.network.key().as_ref(),
            settle.refund.network.stake_mint.as_ref(),
        ],
        bump = settle.refund.network.stake_treasury_bump,
    )]
    pub stake_treasury: Box<InterfaceAccount<'info, TokenAccount>>,

    /// The stake-mint payouts vault: holds the client's part of a slash if the client's token
    /// account refuses it (the settlement's payouts vault on a one-mint network: `dup`).
    /// Optional like the settlement's.
    #[account(
        mut,
        dup,
        seeds = [
            seeds::PAYOUTS,
            settle.refund.network.key().as_ref(),
            settle.refund.network.stake_mint.as_ref(),
        ],
        bump = settle.refund.network.stake_payouts_bump,
    )]
    pub stake_payouts: Option<Box<InterfaceAccount<'info, TokenAccount>>>,

    /// CHECK: the client's associated token account of the stake mint, by address: its share of
    /// a slash goes there if it will take it (`token::payee_accepts`), otherwise it waits in the
    /// stake payouts vault. It need not exist, and only a fraud verdict uses it.
    #[account(
        mut,
        seeds = [
            settle.refund.job.client.as_ref(),
            settle.refund.network.stake_token_program.as_ref(),
            settle.refund.network.stake_mint.as_ref(),
        ],
        bump,
        seeds::program = ASSOCIATED_TOKEN_PROGRAM,
    )]
    pub client_stake_token: UncheckedAccount<'info>,

    /// The network's stake mint.
    #[account(address = settle.refund.network.stake_mint @ SpiceError::WrongMint)]
    pub stake_mint: Box<InterfaceAccount<'info, Mint>>,

    /// The stake mint's token program.
    #[account(
        address = settle.refund.network.stake_token_program @ SpiceError::WrongTokenProgram
    )]
    pub stake_token_program: Interface<'info, TokenInterface>,
}

impl<'info> Attest<'info> {
    fn validate(&self, args: &AttestArgs) -> Result<()> {
        let now = Clock::get()?.unix_timestamp;
        // Attestor: in office now, and added before the job was accepted. The job's state and
        // voting deadline are checked in the handler, once the audit draw is recorded: a
        // selection made by this very vote extends the deadline.
        self.attestor
            .can_vote(now, self.settle.refund.job.accepted_at)?;
        // Attestation: one per (job, attestor); job addresses never repeat, so any vote
        // found here is a vote on this job.
        require!(
            !pda_account::exists(&self.attestation),
            SpiceError::AlreadyVoted
        );
        check_uri(&args.evidence_uri)
    }

    /// Invalid quorum: refund the client in full, slash the stake locked behind the job
    /// (active first, then unbonding), split it between the client and the treasury, close the
    /// job. Payouts the client's token accounts refuse wait for it in the payouts vaults.
    fn resolve_fraud(&mut self) -> Result<()> {
        let s = &mut self.settle;
        let job_key = s.refund.job.key();
        let backing = s.refund.job.backing();
        let terms = s.refund.job.terms;
        let client = s.refund.job.client;
        let refund = s.refund.refund()?;

        let provider = &mut s.provider;
        let slash = provider.slash_job(backing)?;
        let to_client = u128::from(slash.total)
            .checked_mul(u128::from(terms.slash_client_share_bps))
            .map(|v| v / u128::from(BPS_DENOMINATOR))
            .and_then(|v| u64::try_from(v).ok())
            .ok_or(SpiceError::MathOverflow)?;
        let to_treasury = slash
            .total
            .checked_sub(to_client)
            .ok_or(SpiceError::MathOverflow)?;

        let network = &s.refund.network;
        let mint = ScreenedMint::new(&self.stake_mint, network.freeze_authority_accepted)?;
        provider_signer!(provider, signer);
        let out = VaultOut {
            token_program: &self.stake_token_program,
            mint: &mint,
            vault: self.stake_vault.to_account_info(),
            authority: provider.to_account_info(),
            signer,
            payouts: self.stake_payouts.as_ref().map(|p| p.to_account_info()),
        };
        let client_stake_token = self.client_stake_token.to_account_info();
        let to_client_owed = out.pay_or_hold(&client_stake_token, &client, to_client)?;
        out.pay(&self.stake_treasury.to_account_info(), to_treasury)?;
        if to_client_owed {
            let network_key = network.key();
            owe_client(
                &mut s.refund.client_record,
                network,
                network_key,
                job_key,
                to_client,
                true,
            )?;
        }
        self.stake_vault.reload()?;
        provider.refresh_and_check(self.stake_vault.amount, network.params.min_stake)?;

        emit!(FraudSlashed {
            job: job_key,
            provider: provider.key(),
            client,
            refunded: refund.amount,
            slashed: slash.total,
            slashed_from_active: slash.from_active,
            slashed_from_unbonding: slash.from_unbonding,
            to_client,
            to_treasury,
            provider_stake_after: provider.stake,
            suspended: provider.status != ProviderStatus::Active,
            refund_owed: refund.owed,
            to_client_owed,
        });
        // Last: the job's rent moves by hand, and no cross-program call may follow.
        self.settle.refund.close_job()
    }

    /// Closes the attestations of earlier voters handed over in `remaining` as
    /// (attestation, attestor record, attestor key) triples, counting each vote against the
    /// outcome if it was. Rent goes back to each attestor.
    fn close_earlier_votes(
        &self,
        job: Pubkey,
        remaining: &'info [AccountInfo<'info>],
        outcome: Verdict,
    ) -> Result<()> {
        let network = self.settle.refund.network.key();
        for triple in remaining.chunks(3) {
            let [att_info, rec_info, key_info] = triple else {
                return err!(SpiceError::InvalidAttestationAccount);
            };
            let att: Account<'info, Attestation> = Account::try_from(att_info)?;
            let mut rec: Account<'info, Attestor> = Account::try_from(rec_info)?;
            require!(
                att.job == job
                    && att.key() != self.attestation.key()
                    && key_info.key() == att.attestor
                    && rec.key == att.attestor
                    && rec.network == network,
                SpiceError::InvalidAttestationAccount
            );
            let against = att.verdict != outcome;
            if against {
                rec.count_against()?;
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

/// An attestor votes on a submitted or disputed job. M (`attestation_quorum` of the job's
/// terms) votes of one verdict decide it: Valid settles at the median of the Valid votes'
/// measured units; Invalid is fraud (full refund, slash of the stake locked at accept). The
/// deciding vote never depends on the parties' token accounts (a refused payout waits in the
/// payouts vault). The deciding transaction closes the attestations passed in its remaining
/// accounts. Not an entry: works while paused.
#[access_control(ctx.accounts.validate(&args))]
pub fn handler<'info>(ctx: Context<'info, Attest<'info>>, args: AttestArgs) -> Result<()> {
    let clock = Clock::get()?;
    let a = ctx.accounts;

    // The audit draw is recorded by the first instruction that can make it; the vote counts
    // whatever the draw, until the deadline the draw leaves (a job selected only now, after
    // its challenge window, gets `dispute_seconds` of voting from now).
    a.settle.draw()?;
    let job = &mut a.settle.refund.job;
    job.check_vote(clock.unix_timestamp)?;
    let outcome = job.cast_vote(args.verdict, args.measured_units)?;
    let measured = args.measured_units.min(job.reported_units);
    let job_key = job.key();
    let (valid_votes, invalid_votes) = (job.valid_votes, job.invalid_votes);

    let attestor_key = a.attestor_key.key();
    let attestation = a.attestation.to_account_info();
    let bump = [ctx.bumps.attestation];
    let att_seeds: &[&[u8]] = &[
        seeds::ATTESTATION,
        job_key.as_ref(),
        attestor_key.as_ref(),
        &bump,
    ];
    pda_account::create_pda(
        &attestation,
        &a.attestor_key.to_account_info(),
        &a.system_program_info(),
        8 + Attestation::INIT_SPACE,
        att_seeds,
    )?;
    pda_account::store(
        &attestation,
        &Attestation {
            version: ACCOUNT_VERSION,
            bump: ctx.bumps.attestation,
            job: job_key,
            attestor: attestor_key,
            verdict: args.verdict,
            measured_units: measured,
            evidence_hash: args.evidence_hash,
            evidence_uri: args.evidence_uri.clone(),
            slot: clock.slot,
        },
    )?;
    a.attestor.count_vote()?;
    emit!(AttestationCast {
        job: job_key,
        attestor: attestor_key,
        verdict: args.verdict,
        measured_units: measured,
        evidence_hash: args.evidence_hash,
        evidence_uri: args.evidence_uri,
        valid_votes,
        invalid_votes,
    });

    let decided = match outcome {
        VoteOutcome::Pending => return Ok(()),
        VoteOutcome::Settle { units } => {
            a.settle
                .settle(units, SettleReason::ValidQuorum, &ctx.bumps.settle)?;
            Verdict::Valid
        }
        VoteOutcome::Fraud => {
            a.resolve_fraud()?;
            Verdict::Invalid
        }
    };
    a.close_earlier_votes(job_key, ctx.remaining_accounts, decided)?;
    pda_account::close(&attestation, &a.attestor_key.to_account_info())?;
    emit!(AttestationClosed {
        job: job_key,
        attestor: attestor_key,
        against_outcome: false,
    });
    Ok(())
}

impl<'info> Attest<'info> {
    fn system_program_info(&self) -> AccountInfo<'info> {
        self.settle.system_program.to_account_info()
    }
}
