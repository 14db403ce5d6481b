//! The one place where a job's escrow leaves its vault: refunds (everything to the client) and
//! settlement (provider paid, fee to the treasury, the rest to the client). Every job-ending
//! instruction goes through [`RefundAccounts`] or [`SettleAccounts`], so the accounting of
//! invariants 1 and 5 lives here once.
//!
//! Payouts nobody can block: a payout goes to the payee's token account only if that account
//! will take it ([`crate::token::payee_accepts`]). If the payee closed it, changed its owner,
//! froze it, requires memos or otherwise refuses incoming transfers, the payout moves into the
//! network's payouts vault instead and is credited to the payee's record (the Provider or the
//! client's record), where the payee — or anyone, into the payee's own token account — collects
//! it later. So the state of one party's token accounts never stops the other party's payment,
//! refund or verdict.

use anchor_lang::prelude::*;
use anchor_spl::token_interface::{Mint, TokenAccount, TokenInterface};

use crate::audit::{Draw, SLOT_HASHES_ID};
use crate::errors::SpiceError;
use crate::events::{AuditDrawn, JobSettled, PayoutOwed, WorkRecorded};
use crate::job_signer;
use crate::pda_account;
use crate::state::{
    init_page, offset_in_page, page_of, read_entry, seeds, write_entry, Client, EpochShard, Job,
    Network, Payout, Provider, ProviderBook, ProviderBookHeader, ProviderEntry, SettleReason, Work,
    ACCOUNT_VERSION,
};
use crate::token::{close_vault, payee_accepts, transfer, ScreenedMint, ASSOCIATED_TOKEN_PROGRAM};

/// A PDA-owned vault paying out, with what it needs to sign and to hold refused payouts.
pub struct VaultOut<'a, 'info> {
    pub token_program: &'a Interface<'info, TokenInterface>,
    pub mint: &'a ScreenedMint<'a, 'info>,
    pub vault: AccountInfo<'info>,
    pub authority: AccountInfo<'info>,
    pub signer: &'a [&'a [&'a [u8]]],
    /// The network's payouts vault of the mint, if the sender passed it.
    pub payouts: Option<AccountInfo<'info>>,
}

impl<'info> VaultOut<'_, 'info> {
    /// Sends `amount` to `to` (a program vault or a destination already checked).
    pub fn pay(&self, to: &AccountInfo<'info>, amount: u64) -> Result<()> {
        transfer(
            self.token_program,
            &self.vault,
            self.mint,
            to,
            &self.authority,
            self.signer,
            amount,
        )
    }

    /// Sends `amount` to `payee`'s token account `to` if it will take it; otherwise into the
    /// payouts vault. Returns whether the payout is now owed (the caller credits the payee's
    /// record). Nothing is owed for a zero amount.
    pub fn pay_or_hold(
        &self,
        to: &AccountInfo<'info>,
        payee: &Pubkey,
        amount: u64,
    ) -> Result<bool> {
        if amount == 0 {
            return Ok(false);
        }
        let mint = self.mint.account().key();
        if payee_accepts(to, &mint, self.token_program.key, payee, amount) {
            self.pay(to, amount)?;
            return Ok(false);
        }
        let payouts = self
            .payouts
            .as_ref()
            .ok_or(SpiceError::PayoutsVaultRequired)?;
        self.pay(payouts, amount)?;
        Ok(true)
    }
}

/// Everything a refund touches. Instructions that end a job embed it (settlement through
/// [`SettleAccounts`]).
#[derive(Accounts)]
pub struct RefundAccounts<'info> {
    /// The job's network.
    pub network: Box<Account<'info, Network>>,

    /// The job; closed when it ends, rent to the client.
    #[account(
        mut,
        has_one = network @ SpiceError::WrongNetwork,
        has_one = client @ SpiceError::NotJobClient,
    )]
    pub job: Box<Account<'info, Job>>,

    /// The job's escrow vault; emptied and closed, rent to the client.
    #[account(
        mut,
        seeds = [seeds::ESCROW_VAULT, job.key().as_ref()],
        bump = job.escrow_bump,
    )]
    pub escrow_vault: Box<InterfaceAccount<'info, TokenAccount>>,

    /// CHECK: the job's client (`has_one` on the job); only receives rent lamports, so any
    /// account type works, including a PDA of another program.
    #[account(mut)]
    pub client: UncheckedAccount<'info>,

    /// The client's record: a refund its token account refuses is credited here.
    #[account(
        mut,
        seeds = [seeds::CLIENT, network.key().as_ref(), job.client.as_ref()],
        bump = client_record.bump,
    )]
    pub client_record: Box<Account<'info, Client>>,

    /// CHECK: the client's associated token account of the payment mint, by address: the
    /// refund goes there if it will take it (`token::payee_accepts`), otherwise it waits in the
    /// payouts vault for the client. It need not exist.
    #[account(
        mut,
        seeds = [
            job.client.as_ref(),
            network.payment_token_program.as_ref(),
            network.payment_mint.as_ref(),
        ],
        bump,
        seeds::program = ASSOCIATED_TOKEN_PROGRAM,
    )]
    pub client_token: UncheckedAccount<'info>,

    /// The network's payment-mint payouts vault: holds a payout its payee's account refuses.
    /// Optional, so that settlements whose payees take their payouts do not all write one
    /// account of the network; without it, a refused payout fails with `PayoutsVaultRequired`
    /// (the SDK passes it whenever a payee's account would refuse, and retries with it).
    #[account(
        mut,
        seeds = [seeds::PAYOUTS, network.key().as_ref(), network.payment_mint.as_ref()],
        bump = network.payment_payouts_bump,
    )]
    pub payouts: Option<Box<InterfaceAccount<'info, TokenAccount>>>,

    /// The network's payment mint.
    #[account(address = network.payment_mint @ SpiceError::WrongMint)]
    pub payment_mint: Box<InterfaceAccount<'info, Mint>>,

    /// The payment mint's token program.
    #[account(address = network.payment_token_program @ SpiceError::WrongTokenProgram)]
    pub token_program: Interface<'info, TokenInterface>,
}

/// What the end of a job sent to the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refund {
    /// Tokens refunded (escrow not earned, plus anything donated to the vault).
    pub amount: u64,
    /// The refund waits in the payouts vault.
    pub owed: bool,
}

impl<'info> RefundAccounts<'info> {
    /// The escrow vault as a payer (signed by the job PDA), after screening the mint.
    fn with_escrow<R>(&self, f: impl FnOnce(&VaultOut<'_, 'info>) -> Result<R>) -> Result<R> {
        let mint = ScreenedMint::new(&self.payment_mint, self.network.freeze_authority_accepted)?;
        let job = &self.job;
        job_signer!(job, signer);
        let out = VaultOut {
            token_program: &self.token_program,
            mint: &mint,
            vault: self.escrow_vault.to_account_info(),
            authority: job.to_account_info(),
            signer,
            payouts: self.payouts.as_ref().map(|p| p.to_account_info()),
        };
        f(&out)
    }

    /// Pays the provider (`to`, its owner, the amount) or holds it, the fee to the treasury,
    /// refunds the rest of the vault to the client (or holds it) and closes the vault. The job
    /// account itself closes last, with [`RefundAccounts::close_job`]: its rent moves by hand,
    /// and a cross-program call after such a move would see the books of the accounts it is
    /// handed out of balance. Returns the refund and whether the provider's payment is owed.
    fn pay_out(
        &mut self,
        provider_pay: Option<(&AccountInfo<'info>, Pubkey, u64)>,
        fee: Option<(&AccountInfo<'info>, u64)>,
    ) -> Result<(Refund, bool)> {
        let held = self.escrow_vault.amount;
        self.job.invariant(held)?;
        let provider_amount = provider_pay.map_or(0, |(_, _, a)| a);
        let fee_amount = fee.map_or(0, |(_, a)| a);
        // The recorded refund plus anything someone donated to the vault: it must end empty.
        let refund = held
            .checked_sub(provider_amount)
            .and_then(|v| v.checked_sub(fee_amount))
            .ok_or(SpiceError::EscrowMismatch)?;
        let client_key = self.job.client;
        let client_token = self.client_token.to_account_info();
        let (provider_owed, refund_owed) = self.with_escrow(|out| {
            let provider_owed = match provider_pay {
                Some((to, payee, amount)) => out.pay_or_hold(to, &payee, amount)?,
                None => false,
            };
            if let Some((treasury, amount)) = fee {
                out.pay(treasury, amount)?;
            }
            let refund_owed = out.pay_or_hold(&client_token, &client_key, refund)?;
            Ok((provider_owed, refund_owed))
        })?;
        if refund_owed {
            let (network_key, job_key) = (self.network.key(), self.job.key());
            owe_client(
                &mut self.client_record,
                &self.network,
                network_key,
                job_key,
                refund,
                false,
            )?;
        }
        let client = self.client.to_account_info();
        let record = self.client_record.to_account_info();
        let dest = pda_account::rent_destination(&client, &record).clone();
        let job = &self.job;
        job_signer!(job, signer);
        close_vault(
            &self.token_program,
            &self.escrow_vault,
            &dest,
            &job.to_account_info(),
            signer,
        )?;
        Ok((
            Refund {
                amount: refund,
                owed: refund_owed,
            },
            provider_owed,
        ))
    }

    /// Refunds everything the escrow vault holds to the client (or holds it for the client)
    /// and closes the vault; the caller ends with [`RefundAccounts::close_job`].
    pub fn refund(&mut self) -> Result<Refund> {
        Ok(self.pay_out(None, None)?.0)
    }

    /// Closes the job account, rent to the client. Always the last step of an instruction that
    /// ends a job: no cross-program call may follow this lamport move.
    pub fn close_job(&mut self) -> Result<()> {
        let client = self.client.to_account_info();
        let record = self.client_record.to_account_info();
        let dest = pda_account::rent_destination(&client, &record).clone();
        self.job.close(dest)
    }

    /// [`RefundAccounts::refund`], then [`RefundAccounts::close_job`].
    pub fn refund_and_close(&mut self) -> Result<Refund> {
        let refund = self.refund()?;
        self.close_job()?;
        Ok(refund)
    }
}

/// Everything settlement touches. Instructions that can settle a job embed it.
#[derive(Accounts)]
pub struct SettleAccounts<'info> {
    /// The job, its escrow and the client's side.
    pub refund: RefundAccounts<'info>,

    /// The provider that ran the job.
    #[account(
        mut,
        constraint = refund.job.provider == Some(provider.key()) @ SpiceError::NotJobProvider,
    )]
    pub provider: Box<Account<'info, Provider>>,

    /// CHECK: the provider owner's associated token account of the payment mint, by address:
    /// the payment goes there if it will take it (`token::payee_accepts`), otherwise it waits in
    /// the payouts vault for the owner. It need not exist, and only a Valid outcome uses it.
    #[account(
        mut,
        seeds = [
            provider.owner.as_ref(),
            refund.network.payment_token_program.as_ref(),
            refund.network.payment_mint.as_ref(),
        ],
        bump,
        seeds::program = ASSOCIATED_TOKEN_PROGRAM,
    )]
    pub provider_token: UncheckedAccount<'info>,

    /// The payment-mint treasury vault: receives the protocol fee.
    #[account(
        mut,
        seeds = [
            seeds::TREASURY,
            refund.network.key().as_ref(),
            refund.network.payment_mint.as_ref(),
        ],
        bump = refund.network.payment_treasury_bump,
    )]
    pub treasury: Box<InterfaceAccount<'info, TokenAccount>>,

    /// CHECK: the SlotHashes sysvar, by address; read in place for the audit draw.
    #[account(address = SLOT_HASHES_ID)]
    pub slot_hashes: UncheckedAccount<'info>,

    /// Pays the rent of the reward accounts below when settlement creates them, and gets it
    /// back when they close.
    #[account(mut)]
    pub payer: Signer<'info>,

    /// CHECK: the provider's reward book page of the current epoch (a ProviderBook):
    /// `["provider_book", provider, page of the current epoch]`, checked by
    /// `SettleAccounts::reward_accounts` (the seeds depend on the clock). The first settlement in
    /// the page's epochs creates it (see `pda_account`).
    #[account(mut)]
    pub provider_book: UncheckedAccount<'info>,

    /// CHECK: the epoch shard this job hashes to, for the current epoch (an EpochShard):
    /// `["epoch_shard", network, current epoch, shard of the job]`, checked like the book page;
    /// created on demand.
    #[account(mut)]
    pub epoch_shard: UncheckedAccount<'info>,

    pub system_program: Program<'info, System>,
}

impl<'info> SettleAccounts<'info> {
    /// Records the job's audit draw if it is pending and drawable (emitting `AuditDrawn`),
    /// and returns it.
    pub fn draw(&mut self) -> Result<Draw> {
        let now = Clock::get()?.unix_timestamp;
        record_draw(&mut self.refund.job, &self.slot_hashes, now)
    }

    /// Settles the job at once if its draw allows it: not selected settles; newly selected
    /// records the draw and waits for a Valid quorum; already selected refuses.
    pub fn settle_unless_audited(
        &mut self,
        reason: SettleReason,
        bumps: &SettleAccountsBumps,
    ) -> Result<()> {
        require!(
            self.refund.job.audit != crate::state::AuditDraw::Selected,
            SpiceError::AwaitingAttestation
        );
        match self.draw()? {
            Draw::NotReady => err!(SpiceError::AuditNotReady),
            Draw::Selected => Ok(()),
            Draw::NotSelected => {
                let units = self.refund.job.reported_units;
                self.settle(units, reason, bumps).map(|_| ())
            }
        }
    }

    /// Pays the provider for `final_units` (capped by the reported units), the fee to the
    /// treasury and the rest to the client; closes the escrow vault and the job, rent to the
    /// client; releases the provider's backing and records the job's work for the current
    /// epoch's rewards.
    pub fn settle(
        &mut self,
        final_units: u64,
        reason: SettleReason,
        _bumps: &SettleAccountsBumps,
    ) -> Result<Payout> {
        let reward = self.reward_accounts()?;
        let job_key = self.refund.job.key();
        let units = final_units.min(self.refund.job.reported_units);
        let payout = self.refund.job.payout(units)?;
        let backing = self.refund.job.backing();
        let backing_stake = self.refund.job.backing_stake(self.provider.stake);
        let owner = self.provider.owner;
        let provider_token = self.provider_token.to_account_info();
        let treasury = self.treasury.to_account_info();
        // The job's work, at its own terms, computed before the job closes.
        let work = self
            .refund
            .job
            .work(units, payout.fee, self.provider.stake)?;
        let client = self.refund.job.client;

        // Reward accounts first: creating them calls the system program, which must come
        // before any lamports move by hand (the job's close, last).
        self.record_work(job_key, work, backing_stake, &reward)?;
        let (refund, provider_owed) = self.refund.pay_out(
            Some((&provider_token, owner, payout.provider)),
            Some((&treasury, payout.fee)),
        )?;
        let provider = &mut self.provider;
        if provider_owed {
            provider.owe(payout.provider)?;
            emit!(PayoutOwed {
                network: self.refund.network.key(),
                job: job_key,
                payee: owner,
                mint: self.refund.network.payment_mint,
                amount: payout.provider,
            });
        }
        provider.end_job(backing)?;
        provider.record_completed(units, payout.provider);
        emit!(JobSettled {
            job: job_key,
            provider: provider.key(),
            client,
            reason,
            final_units: units,
            provider_payment: payout.provider,
            protocol_fee: payout.fee,
            client_refund: refund.amount,
            provider_payment_owed: provider_owed,
            client_refund_owed: refund.owed,
        });
        self.refund.close_job()?;
        Ok(payout)
    }

    /// Checks the reward accounts of the current epoch passed in (their seeds depend on the
    /// clock) and returns where they are.
    fn reward_accounts(&self) -> Result<RewardAccounts> {
        let network = &self.refund.network;
        let epoch = network.current_epoch(Clock::get()?.unix_timestamp)?;
        let page = page_of(epoch);
        let provider_key = self.provider.key();
        let book_bump = pda_account::check_pda(
            &self.provider_book,
            &[
                seeds::PROVIDER_BOOK,
                provider_key.as_ref(),
                &page.to_le_bytes(),
            ],
        )?;
        let shard = network.shard_of(&self.refund.job.key());
        let network_key = network.key();
        let shard_bump = pda_account::check_pda(
            &self.epoch_shard,
            &[
                seeds::EPOCH_SHARD,
                network_key.as_ref(),
                &epoch.to_le_bytes(),
                &[shard],
            ],
        )?;
        Ok(RewardAccounts {
            epoch,
            page,
            shard,
            book_bump,
            shard_bump,
        })
    }

    /// Adds the job's work to the provider's book page and the job's epoch shard for the
    /// current epoch.
    fn record_work(
        &mut self,
        job_key: Pubkey,
        work: Work,
        backing_stake: u64,
        at: &RewardAccounts,
    ) -> Result<()> {
        let network = &self.refund.network;
        let (epoch, page) = (at.epoch, at.page);
        let payer = self.payer.to_account_info();
        let system = self.system_program.to_account_info();
        let network_key = network.key();
        let provider_key = self.provider.key();

        let book = self.provider_book.to_account_info();
        let page_bytes = page.to_le_bytes();
        let book_seeds: &[&[u8]] = &[
            seeds::PROVIDER_BOOK,
            provider_key.as_ref(),
            &page_bytes,
            &[at.book_bump],
        ];
        if !pda_account::exists(&book) {
            pda_account::create_pda(
                &book,
                &payer,
                &system,
                8 + ProviderBook::INIT_SPACE,
                book_seeds,
            )?;
            init_page::<ProviderBook>(
                &book,
                &ProviderBookHeader {
                    version: ACCOUNT_VERSION,
                    bump: at.book_bump,
                    network: network_key,
                    provider: provider_key,
                    page,
                    payer: payer.key(),
                },
            )?;
        }
        {
            let mut data = book.try_borrow_mut_data()?;
            let slot = offset_in_page(epoch);
            let mut entry: ProviderEntry = read_entry::<ProviderBook>(&data, slot)?;
            entry.add_work(work)?;
            write_entry::<ProviderBook>(&mut data, slot, &entry)?;
        }

        let shard_index = at.shard;
        let shard_info = self.epoch_shard.to_account_info();
        let epoch_bytes = epoch.to_le_bytes();
        let shard_seeds: &[&[u8]] = &[
            seeds::EPOCH_SHARD,
            network_key.as_ref(),
            &epoch_bytes,
            &[shard_index],
            &[at.shard_bump],
        ];
        let mut shard = pda_account::load_or_create(
            &shard_info,
            &payer,
            &system,
            8 + EpochShard::INIT_SPACE,
            shard_seeds,
            || EpochShard {
                version: ACCOUNT_VERSION,
                bump: at.shard_bump,
                network: network_key,
                epoch,
                shard: shard_index,
                score: 0,
                weight: 0,
                value: 0,
                fees: 0,
                jobs: 0,
                payer: payer.key(),
            },
        )?;
        shard.add_work(work)?;
        pda_account::store(&shard_info, &shard)?;

        emit!(WorkRecorded {
            job: job_key,
            provider: provider_key,
            epoch,
            shard: shard_index,
            score: work.score,
            weight: work.weight,
            value: work.value,
            backing_stake,
            fee: work.fee,
        });
        Ok(())
    }
}

/// Where a settlement records its work: the current epoch, its page, the job's shard and the
/// bumps of the two accounts.
struct RewardAccounts {
    epoch: u64,
    page: u64,
    shard: u8,
    book_bump: u8,
    shard_bump: u8,
}

/// Records `job`'s audit draw from the SlotHashes sysvar if it is pending and can be made now,
/// emitting `AuditDrawn`; returns the draw as it stands.
pub fn record_draw(job: &mut Account<Job>, slot_hashes: &AccountInfo, now: i64) -> Result<Draw> {
    let key = job.key();
    let outcome = {
        let data = slot_hashes.try_borrow_data()?;
        job.draw_from(&data, &key)
    };
    let (draw, recorded) = job.apply_draw(outcome, now)?;
    if recorded {
        emit!(AuditDrawn {
            job: key,
            selected: draw == Draw::Selected,
            vote_deadline: job.vote_deadline,
        });
    }
    Ok(draw)
}

/// Credits a refused payout to the client's record and says so.
pub fn owe_client(
    record: &mut Client,
    network: &Network,
    network_key: Pubkey,
    job: Pubkey,
    amount: u64,
    stake: bool,
) -> Result<()> {
    record.owe(amount, stake)?;
    emit!(PayoutOwed {
        network: network_key,
        job,
        payee: record.client,
        mint: if stake {
            network.stake_mint
        } else {
            network.payment_mint
        },
        amount,
    });
    Ok(())
}
