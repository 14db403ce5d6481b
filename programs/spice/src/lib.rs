//! Spice: a decentralized GPU-compute marketplace.
//!
//! Providers register GPUs and stake the network token; clients escrow payment for compute jobs;
//! attestors vote on whether work was really done; the program pays providers and pays reward
//! tokens per epoch along an incentive curve that follows verified, paid work. The protocol is
//! specified in docs/DESIGN.md; the account and instruction reference is in docs/REFERENCE.md;
//! what each actor can and cannot do is in SECURITY.md.

use anchor_lang::prelude::*;

pub mod audit;
pub mod constants;
pub mod curve;
pub mod errors;
pub mod events;
pub mod instructions;
pub mod macros;
pub mod pda_account;
pub mod state;
pub mod token;
pub mod window;

use instructions::*;
use state::{HardwareSpec, NetworkParams};

declare_id!("SpiceGPUMASi45ub7Qe4ZE36UT5G6cU4ud8Fhhe4deS");

// Where security researchers reach the maintainers; embedded in the deployed binary
// (`.security.txt` section). The addresses are placeholders until the project's domain exists:
// replace them before a mainnet deployment (SECURITY.md, "Reporting").
#[cfg(not(feature = "no-entrypoint"))]
solana_security_txt::security_txt! {
    name: "Spice",
    project_url: "https://spice.invalid",
    contacts: "email:security@spice.invalid",
    policy: "https://spice.invalid/SECURITY.md",
    preferred_languages: "en",
    source_code: "https://spice.invalid/source",
    auditors: "None yet"
}

#[program]
pub mod spice {
    use super::*;

    // ------------------------------------------------------------ authority

    /// Creates a network (parameters within bounds) with its treasury, payouts and reward vaults.
    pub fn create_network<'info>(
        ctx: Context<'info, CreateNetwork<'info>>,
        args: CreateNetworkArgs,
    ) -> Result<()> {
        instructions::create_network::handler(ctx, args)
    }

    /// Proposes new parameters (or withdraws a proposal); they apply after `unbond_seconds`.
    pub fn propose_params(
        ctx: Context<ProposeParams>,
        params: Option<NetworkParams>,
    ) -> Result<()> {
        instructions::propose_params::handler(ctx, params)
    }

    /// Puts proposed parameters in force once their delay has passed (anyone).
    pub fn apply_params(ctx: Context<ApplyParams>) -> Result<()> {
        instructions::apply_params::handler(ctx)
    }

    /// Names (or clears) the authority's successor; first step of a two-step hand-over.
    pub fn propose_authority(
        ctx: Context<ProposeAuthority>,
        new_authority: Option<Pubkey>,
    ) -> Result<()> {
        instructions::propose_authority::handler(ctx, new_authority)
    }

    /// The proposed successor signs and becomes the authority.
    pub fn accept_authority(ctx: Context<AcceptAuthority>) -> Result<()> {
        instructions::accept_authority::handler(ctx)
    }

    /// Sets the pause flags; they stop entries, never exits.
    pub fn set_pause(ctx: Context<SetPause>, flags: u8) -> Result<()> {
        instructions::set_pause::handler(ctx, flags)
    }

    /// Withdraws fees or slashed stake from a treasury vault.
    pub fn withdraw_treasury(ctx: Context<WithdrawTreasury>, amount: u64) -> Result<()> {
        instructions::withdraw_treasury::handler(ctx, amount)
    }

    /// Adds (or re-adds) an attestor, effective after `unbond_seconds`.
    pub fn add_attestor(ctx: Context<AddAttestor>, key: Pubkey) -> Result<()> {
        instructions::add_attestor::handler(ctx, key)
    }

    /// Removes an attestor after `unbond_seconds`; its record stays.
    pub fn remove_attestor(ctx: Context<RemoveAttestor>, key: Pubkey) -> Result<()> {
        instructions::remove_attestor::handler(ctx, key)
    }

    // ------------------------------------------------------------ provider

    /// Registers a provider with at least `min_stake` in its own stake vault.
    pub fn register_provider(
        ctx: Context<RegisterProvider>,
        args: RegisterProviderArgs,
    ) -> Result<()> {
        instructions::register_provider::handler(ctx, args)
    }

    /// Replaces the provider's hardware description.
    pub fn update_provider(ctx: Context<UpdateProvider>, hardware: HardwareSpec) -> Result<()> {
        instructions::update_provider::handler(ctx, hardware)
    }

    /// Adds stake.
    pub fn stake(ctx: Context<Stake>, amount: u64) -> Result<()> {
        instructions::stake::handler(ctx, amount)
    }

    /// Moves stake to unbonding (still slashable until withdrawn).
    pub fn begin_unbond(ctx: Context<BeginUnbond>, amount: u64) -> Result<()> {
        instructions::begin_unbond::handler(ctx, amount)
    }

    /// Withdraws unbonded stake after the unbonding period.
    pub fn withdraw_unbonded(ctx: Context<WithdrawUnbonded>) -> Result<()> {
        instructions::withdraw_unbonded::handler(ctx)
    }

    /// Closes an empty, idle provider and its stake vault; rent back to the owner.
    pub fn close_provider(ctx: Context<CloseProvider>) -> Result<()> {
        instructions::close_provider::handler(ctx)
    }

    /// Pays a provider's owner the payments its token account refused (anyone).
    pub fn collect_provider_payouts(ctx: Context<CollectProviderPayouts>) -> Result<()> {
        instructions::collect_provider_payouts::handler(ctx)
    }

    /// Accepts an open job.
    pub fn accept_job(ctx: Context<AcceptJob>) -> Result<()> {
        instructions::accept_job::handler(ctx)
    }

    /// Submits a result and the units of work done; starts the challenge window.
    pub fn submit_result(ctx: Context<SubmitResult>, args: SubmitResultArgs) -> Result<()> {
        instructions::submit_result::handler(ctx, args)
    }

    // ------------------------------------------------------------ client

    /// Creates a job, escrowing `price_per_unit × max_units`.
    pub fn create_job(ctx: Context<CreateJob>, args: CreateJobArgs) -> Result<()> {
        instructions::create_job::handler(ctx, args)
    }

    /// Cancels an open job: full refund.
    pub fn cancel_job(ctx: Context<CancelJob>) -> Result<()> {
        instructions::cancel_job::handler(ctx)
    }

    /// Approves a submitted result: the job settles, unless the audit draw selects it.
    pub fn approve_job(ctx: Context<ApproveJob>) -> Result<()> {
        instructions::approve_job::handler(ctx)
    }

    /// Disputes a submitted result inside the challenge window.
    pub fn dispute_job(ctx: Context<DisputeJob>) -> Result<()> {
        instructions::dispute_job::handler(ctx)
    }

    /// Pays a client the refunds and slash shares its token accounts refused (anyone).
    pub fn collect_client_payouts(ctx: Context<CollectClientPayouts>) -> Result<()> {
        instructions::collect_client_payouts::handler(ctx)
    }

    // ------------------------------------------------------------ attestor

    /// Votes on a submitted or disputed job; a quorum settles it or finds fraud.
    pub fn attest<'info>(ctx: Context<'info, Attest<'info>>, args: AttestArgs) -> Result<()> {
        instructions::attest::handler(ctx, args)
    }

    /// Reclaims the rent of a vote on a job that has closed.
    pub fn close_attestation(ctx: Context<CloseAttestation>) -> Result<()> {
        instructions::close_attestation::handler(ctx)
    }

    // ------------------------------------------------------------ rewards

    /// Adds reward tokens to the reward vault (anyone).
    pub fn fund_rewards(ctx: Context<FundRewards>, amount: u64) -> Result<()> {
        instructions::fund_rewards::handler(ctx, amount)
    }

    /// Finalizes an ended epoch: sums its shards and allocates its emission (anyone).
    pub fn finalize_epoch<'info>(
        ctx: Context<'info, FinalizeEpoch<'info>>,
        index: u64,
    ) -> Result<()> {
        instructions::finalize_epoch::handler(ctx, index)
    }

    /// Claims the provider's rewards for every open epoch of the book pages passed.
    pub fn claim_rewards<'info>(ctx: Context<'info, ClaimRewards<'info>>) -> Result<()> {
        instructions::claim_rewards::handler(ctx)
    }

    /// Closes an epoch after its claim deadline; unclaimed rewards return to the pool (anyone).
    pub fn close_epoch(ctx: Context<CloseEpoch>, index: u64) -> Result<()> {
        instructions::close_epoch::handler(ctx, index)
    }

    /// Closes a shard of a finalized epoch; rent to its payer (anyone).
    pub fn close_epoch_shard(ctx: Context<CloseEpochShard>) -> Result<()> {
        instructions::close_epoch_shard::handler(ctx)
    }

    /// Closes a provider's book page with nothing left to claim; rent to its payer (anyone).
    pub fn close_provider_book(
        ctx: Context<CloseProviderBook>,
        provider: Pubkey,
        page: u64,
    ) -> Result<()> {
        instructions::close_provider_book::handler(ctx, provider, page)
    }

    // ------------------------------------------------------------ crank

    /// Records a job's audit draw from the SlotHashes entry of a slot after its submission.
    pub fn draw_audit(ctx: Context<DrawAudit>) -> Result<()> {
        instructions::draw_audit::handler(ctx)
    }

    /// Settles a submitted job after its challenge window, if undisputed.
    pub fn settle_job(ctx: Context<SettleJob>) -> Result<()> {
        instructions::settle_job::handler(ctx)
    }

    /// Refunds a job past one of its deadlines.
    pub fn expire_job(ctx: Context<ExpireJob>) -> Result<()> {
        instructions::expire_job::handler(ctx)
    }
}
