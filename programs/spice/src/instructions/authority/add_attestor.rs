use anchor_lang::prelude::*;

use crate::errors::SpiceError;
use crate::events::AttestorAdded;
use crate::pda_account;
use crate::state::{seeds, Attestor, Network, ACCOUNT_VERSION, NOT_REMOVED};

#[derive(Accounts)]
#[instruction(key: Pubkey)]
pub struct AddAttestor<'info> {
    /// The network's authority; pays the attestor record's rent (the record is kept for audit).
    #[account(mut)]
    pub authority: Signer<'info>,

    /// The network.
    #[account(mut, has_one = authority @ SpiceError::NotAuthority)]
    pub network: Box<Account<'info, Network>>,

    /// CHECK: the attestor record (an Attestor), by its seeds: created here (by hand, see
    /// `pda_account`); a key that already has a record is refused.
    #[account(
        mut,
        seeds = [seeds::ATTESTOR, network.key().as_ref(), key.as_ref()],
        bump,
    )]
    pub attestor: UncheckedAccount<'info>,

    pub system_program: Program<'info, System>,
}

/// Adds `key` as an attestor of the network. Like every change to the attestor set it takes
/// effect after the governance delay (`unbond_seconds`), and the attestor may vote only on jobs
/// accepted from then on: a provider knows who can judge a job when it accepts it. A key added
/// before is refused (`AttestorAlreadyActive` in office, `AttestorRetired` once removed).
pub fn handler(ctx: Context<AddAttestor>, key: Pubkey) -> Result<()> {
    let now = Clock::get()?.unix_timestamp;
    let a = ctx.accounts;
    let delay = a.network.governance_delay();
    let info = a.attestor.to_account_info();
    let record = if pda_account::exists(&info) {
        return pda_account::load::<Attestor>(&info)?.refuse_readdition();
    } else {
        let network_key = a.network.key();
        let bump = [ctx.bumps.attestor];
        let record_seeds: &[&[u8]] = &[seeds::ATTESTOR, network_key.as_ref(), key.as_ref(), &bump];
        pda_account::create_pda(
            &info,
            &a.authority.to_account_info(),
            &a.system_program.to_account_info(),
            8 + Attestor::INIT_SPACE,
            record_seeds,
        )?;
        Attestor {
            version: ACCOUNT_VERSION,
            bump: ctx.bumps.attestor,
            network: network_key,
            key,
            active_from: now.checked_add(delay).ok_or(SpiceError::MathOverflow)?,
            active_until: NOT_REMOVED,
            votes_cast: 0,
            votes_against_outcome: 0,
            reserved: [0; 32],
        }
    };
    pda_account::store(&info, &record)?;
    let network = &mut a.network;
    network.note_attestor_addition(now, record.active_from)?;
    emit!(AttestorAdded {
        network: network.key(),
        attestor: key,
        active_from: record.active_from,
        attestor_count: network.attestor_count,
    });
    Ok(())
}
