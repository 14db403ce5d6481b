//! One builder per instruction, from the program's own `accounts::*` and `instruction::*`
//! types. Builders take the few keys a caller knows and derive every PDA with [`crate::pda`].

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::system_program;
use anchor_lang::{InstructionData, ToAccountMetas};
use spice::audit::SLOT_HASHES_ID;
use spice::state::{page_of, HardwareSpec, Network, NetworkParams};
use spice::{accounts, instruction};

use crate::pda;

/// The keys of a network that most instructions need, read once from its account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetworkKeys {
    pub network: Pubkey,
    pub payment_mint: Pubkey,
    pub stake_mint: Pubkey,
    pub payment_token_program: Pubkey,
    pub stake_token_program: Pubkey,
    /// Start of epoch 0.
    pub genesis_ts: i64,
    /// Epoch length.
    pub epoch_seconds: i64,
    /// Number of epoch shards.
    pub shard_count: u8,
}

impl NetworkKeys {
    /// From a fetched Network account.
    pub fn from_account(network: Pubkey, account: &Network) -> Self {
        Self {
            network,
            payment_mint: account.payment_mint,
            stake_mint: account.stake_mint,
            payment_token_program: account.payment_token_program,
            stake_token_program: account.stake_token_program,
            genesis_ts: account.genesis_ts,
            epoch_seconds: account.params.epoch_seconds,
            shard_count: account.params.shard_count,
        }
    }

    /// The epoch index at unix time `now` (0 before genesis).
    pub fn epoch_at(&self, now: i64) -> u64 {
        spice::curve::epoch_index(now, self.genesis_ts, self.epoch_seconds).unwrap_or(0)
    }

    /// Unix time epoch `index` starts at (saturating: an index past the representable range
    /// starts at the end of time).
    pub fn epoch_start(&self, index: u64) -> i64 {
        self.genesis_ts.saturating_add(
            i64::try_from(index)
                .unwrap_or(i64::MAX)
                .saturating_mul(self.epoch_seconds),
        )
    }

    /// The payment-mint treasury vault.
    pub fn payment_treasury(&self) -> Pubkey {
        pda::treasury(&self.network, &self.payment_mint)
    }

    /// The stake-mint treasury vault (the payment one when the mints are equal).
    pub fn stake_treasury(&self) -> Pubkey {
        pda::treasury(&self.network, &self.stake_mint)
    }

    /// The payment-mint payouts vault.
    pub fn payment_payouts(&self) -> Pubkey {
        pda::payouts(&self.network, &self.payment_mint)
    }

    /// The stake-mint payouts vault (the payment one when the mints are equal).
    pub fn stake_payouts(&self) -> Pubkey {
        pda::payouts(&self.network, &self.stake_mint)
    }

    /// `owner`'s associated token account of the payment mint: where payouts to it go.
    pub fn payment_ata(&self, owner: &Pubkey) -> Pubkey {
        crate::tokens::associated(owner, &self.payment_mint, &self.payment_token_program)
    }

    /// `owner`'s associated token account of the stake mint.
    pub fn stake_ata(&self, owner: &Pubkey) -> Pubkey {
        crate::tokens::associated(owner, &self.stake_mint, &self.stake_token_program)
    }

    /// The token program of one of the network's mints.
    pub fn token_program_of(&self, mint: &Pubkey) -> Pubkey {
        if *mint == self.payment_mint {
            self.payment_token_program
        } else {
            self.stake_token_program
        }
    }
}

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: spice::ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

// ---------------------------------------------------------------- authority

/// `create_network`. Pass the mints' token programs; the stake treasury and stake payouts vault
/// are created only when the mints differ.
#[allow(clippy::too_many_arguments)]
pub fn create_network(
    creator: Pubkey,
    id: u64,
    authority: Pubkey,
    params: NetworkParams,
    payment_mint: Pubkey,
    stake_mint: Pubkey,
    payment_token_program: Pubkey,
    stake_token_program: Pubkey,
    allow_freeze_authority: bool,
) -> Instruction {
    let network = pda::network(&creator, id);
    let differ = payment_mint != stake_mint;
    build(
        accounts::CreateNetwork {
            creator,
            network,
            payment_mint,
            stake_mint,
            payment_treasury: pda::treasury(&network, &payment_mint),
            stake_treasury: differ.then(|| pda::treasury(&network, &stake_mint)),
            payment_payouts: pda::payouts(&network, &payment_mint),
            stake_payouts: differ.then(|| pda::payouts(&network, &stake_mint)),
            reward_vault: pda::reward_vault(&network),
            payment_token_program,
            stake_token_program,
            system_program: system_program::ID,
        },
        instruction::CreateNetwork {
            args: spice::instructions::CreateNetworkArgs {
                id,
                authority,
                params,
                allow_freeze_authority,
            },
        },
    )
}

/// `propose_params` (`None` withdraws a proposal).
pub fn propose_params(
    authority: Pubkey,
    network: Pubkey,
    params: Option<NetworkParams>,
) -> Instruction {
    build(
        accounts::ProposeParams { authority, network },
        instruction::ProposeParams { params },
    )
}

/// `apply_params` (anyone, once the proposal's delay has passed).
pub fn apply_params(network: Pubkey) -> Instruction {
    build(
        accounts::ApplyParams { network },
        instruction::ApplyParams {},
    )
}

/// `propose_authority`.
pub fn propose_authority(
    authority: Pubkey,
    network: Pubkey,
    new_authority: Option<Pubkey>,
) -> Instruction {
    build(
        accounts::ProposeAuthority { authority, network },
        instruction::ProposeAuthority { new_authority },
    )
}

/// `accept_authority`.
pub fn accept_authority(new_authority: Pubkey, network: Pubkey) -> Instruction {
    build(
        accounts::AcceptAuthority {
            new_authority,
            network,
        },
        instruction::AcceptAuthority {},
    )
}

/// `set_pause`.
pub fn set_pause(authority: Pubkey, network: Pubkey, flags: u8) -> Instruction {
    build(
        accounts::SetPause { authority, network },
        instruction::SetPause { flags },
    )
}

/// `withdraw_treasury` from the treasury vault of `mint`.
pub fn withdraw_treasury(
    authority: Pubkey,
    net: &NetworkKeys,
    mint: Pubkey,
    destination: Pubkey,
    amount: u64,
) -> Instruction {
    build(
        accounts::WithdrawTreasury {
            authority,
            network: net.network,
            mint,
            treasury: pda::treasury(&net.network, &mint),
            destination,
            token_program: net.token_program_of(&mint),
        },
        instruction::WithdrawTreasury { amount },
    )
}

/// `add_attestor`.
pub fn add_attestor(authority: Pubkey, network: Pubkey, key: Pubkey) -> Instruction {
    build(
        accounts::AddAttestor {
            authority,
            network,
            attestor: pda::attestor(&network, &key),
            system_program: system_program::ID,
        },
        instruction::AddAttestor { key },
    )
}

/// `remove_attestor`.
pub fn remove_attestor(authority: Pubkey, network: Pubkey, key: Pubkey) -> Instruction {
    build(
        accounts::RemoveAttestor {
            authority,
            network,
            attestor: pda::attestor(&network, &key),
        },
        instruction::RemoveAttestor { key },
    )
}

// ---------------------------------------------------------------- provider

/// `register_provider`, staking from `owner_stake_account`.
pub fn register_provider(
    net: &NetworkKeys,
    owner: Pubkey,
    owner_stake_account: Pubkey,
    stake: u64,
    hardware: HardwareSpec,
) -> Instruction {
    let provider = pda::provider(&net.network, &owner);
    build(
        accounts::RegisterProvider {
            owner,
            network: net.network,
            provider,
            stake_mint: net.stake_mint,
            stake_vault: pda::stake_vault(&provider),
            owner_stake_account,
            token_program: net.stake_token_program,
            system_program: system_program::ID,
        },
        instruction::RegisterProvider {
            args: spice::instructions::RegisterProviderArgs { stake, hardware },
        },
    )
}

/// `update_provider`.
pub fn update_provider(net: &NetworkKeys, owner: Pubkey, hardware: HardwareSpec) -> Instruction {
    build(
        accounts::UpdateProvider {
            owner,
            provider: pda::provider(&net.network, &owner),
        },
        instruction::UpdateProvider { hardware },
    )
}

/// `stake`.
pub fn stake(
    net: &NetworkKeys,
    owner: Pubkey,
    owner_stake_account: Pubkey,
    amount: u64,
) -> Instruction {
    let provider = pda::provider(&net.network, &owner);
    build(
        accounts::Stake {
            owner,
            network: net.network,
            provider,
            stake_mint: net.stake_mint,
            stake_vault: pda::stake_vault(&provider),
            owner_stake_account,
            token_program: net.stake_token_program,
        },
        instruction::Stake { amount },
    )
}

/// `begin_unbond`.
pub fn begin_unbond(net: &NetworkKeys, owner: Pubkey, amount: u64) -> Instruction {
    let provider = pda::provider(&net.network, &owner);
    build(
        accounts::BeginUnbond {
            owner,
            network: net.network,
            provider,
            stake_vault: pda::stake_vault(&provider),
        },
        instruction::BeginUnbond { amount },
    )
}

/// `withdraw_unbonded` to `destination`.
pub fn withdraw_unbonded(net: &NetworkKeys, owner: Pubkey, destination: Pubkey) -> Instruction {
    let provider = pda::provider(&net.network, &owner);
    build(
        accounts::WithdrawUnbonded {
            owner,
            network: net.network,
            provider,
            stake_mint: net.stake_mint,
            stake_vault: pda::stake_vault(&provider),
            destination,
            token_program: net.stake_token_program,
        },
        instruction::WithdrawUnbonded {},
    )
}

/// `close_provider`; anything left in the stake vault goes to `destination` (stake mint).
pub fn close_provider(net: &NetworkKeys, owner: Pubkey, destination: Pubkey) -> Instruction {
    let provider = pda::provider(&net.network, &owner);
    build(
        accounts::CloseProvider {
            owner,
            network: net.network,
            provider,
            stake_vault: pda::stake_vault(&provider),
            stake_mint: net.stake_mint,
            destination,
            token_program: net.stake_token_program,
        },
        instruction::CloseProvider {},
    )
}

/// `collect_provider_payouts` (anyone): what the provider of `owner` is owed goes to
/// `destination`, a payment-mint account of `owner`.
pub fn collect_provider_payouts(
    net: &NetworkKeys,
    owner: Pubkey,
    destination: Pubkey,
) -> Instruction {
    build(
        accounts::CollectProviderPayouts {
            network: net.network,
            owner,
            provider: pda::provider(&net.network, &owner),
            payouts: net.payment_payouts(),
            destination,
            payment_mint: net.payment_mint,
            token_program: net.payment_token_program,
        },
        instruction::CollectProviderPayouts {},
    )
}

/// `accept_job` by the provider of `owner`.
pub fn accept_job(net: &NetworkKeys, owner: Pubkey, job: Pubkey) -> Instruction {
    build(
        accounts::AcceptJob {
            owner,
            network: net.network,
            provider: pda::provider(&net.network, &owner),
            job,
        },
        instruction::AcceptJob {},
    )
}

/// `submit_result` by the provider of `owner`.
pub fn submit_result(
    net: &NetworkKeys,
    owner: Pubkey,
    job: Pubkey,
    args: spice::instructions::SubmitResultArgs,
) -> Instruction {
    build(
        accounts::SubmitResult {
            owner,
            network: net.network,
            provider: pda::provider(&net.network, &owner),
            job,
        },
        instruction::SubmitResult { args },
    )
}

// ---------------------------------------------------------------- client

/// `create_job` with escrow from `client_token`. `args.job_id` must be the client's next id
/// (`Client.jobs_created`, 0 before its first job: [`crate::flows::next_job_id`]).
pub fn create_job(
    net: &NetworkKeys,
    client: Pubkey,
    client_token: Pubkey,
    args: spice::instructions::CreateJobArgs,
) -> Instruction {
    let job = pda::job(&net.network, &client, args.job_id);
    build(
        accounts::CreateJob {
            client,
            network: net.network,
            client_record: pda::client(&net.network, &client),
            job,
            payment_mint: net.payment_mint,
            escrow_vault: pda::escrow_vault(&job),
            client_token,
            token_program: net.payment_token_program,
            system_program: system_program::ID,
        },
        instruction::CreateJob { args },
    )
}

fn refund_accounts(net: &NetworkKeys, job: Pubkey, client: Pubkey) -> accounts::RefundAccounts {
    accounts::RefundAccounts {
        network: net.network,
        job,
        escrow_vault: pda::escrow_vault(&job),
        client,
        client_record: pda::client(&net.network, &client),
        client_token: net.payment_ata(&client),
        // Always passed for now: a refused payout then waits instead of failing.
        payouts: Some(net.payment_payouts()),
        payment_mint: net.payment_mint,
        token_program: net.payment_token_program,
    }
}

/// `cancel_job`, refunding to the client's associated token account (if it takes the refund;
/// otherwise it waits for the client in the payouts vault).
pub fn cancel_job(net: &NetworkKeys, client: Pubkey, job: Pubkey) -> Instruction {
    build(
        accounts::CancelJob {
            client_signer: client,
            refund: refund_accounts(net, job, client),
        },
        instruction::CancelJob {},
    )
}

/// Who a settlement pays. The provider's payment and the client's refund go to their owners'
/// associated token accounts if those will take them, otherwise into the payouts vault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettleKeys {
    pub job: Pubkey,
    pub client: Pubkey,
    /// The Provider account (PDA) that ran the job.
    pub provider: Pubkey,
    /// The provider's owner wallet.
    pub provider_owner: Pubkey,
    /// Signs and pays the rent of the reward accounts settlement may create (gets it back when
    /// they close): the client for `approve_job`, the cranker for `settle_job`, the attestor
    /// for `attest`.
    pub payer: Pubkey,
    /// The epoch the settlement lands in ([`NetworkKeys::epoch_at`] of the cluster's time).
    pub epoch: u64,
}

fn settle_accounts(net: &NetworkKeys, k: &SettleKeys) -> accounts::SettleAccounts {
    accounts::SettleAccounts {
        refund: refund_accounts(net, k.job, k.client),
        provider: k.provider,
        provider_token: net.payment_ata(&k.provider_owner),
        treasury: net.payment_treasury(),
        slot_hashes: SLOT_HASHES_ID,
        payer: k.payer,
        provider_book: pda::provider_book(&k.provider, page_of(k.epoch)),
        epoch_shard: pda::epoch_shard(
            &net.network,
            k.epoch,
            spice::state::shard_of(&k.job, net.shard_count),
        ),
        system_program: system_program::ID,
    }
}

/// `approve_job`, signed by the client.
pub fn approve_job(net: &NetworkKeys, k: &SettleKeys) -> Instruction {
    build(
        accounts::ApproveJob {
            client_signer: k.client,
            settle: settle_accounts(net, k),
        },
        instruction::ApproveJob {},
    )
}

/// `dispute_job`.
pub fn dispute_job(net: &NetworkKeys, client: Pubkey, job: Pubkey) -> Instruction {
    build(
        accounts::DisputeJob {
            client,
            network: net.network,
            job,
            slot_hashes: SLOT_HASHES_ID,
        },
        instruction::DisputeJob {},
    )
}

/// `collect_client_payouts` (anyone): what `client` is owed goes to its payment-mint account
/// `payment_destination` and stake-mint account `stake_destination` (the same account on a
/// one-mint network).
pub fn collect_client_payouts(
    net: &NetworkKeys,
    client: Pubkey,
    payment_destination: Pubkey,
    stake_destination: Pubkey,
) -> Instruction {
    build(
        accounts::CollectClientPayouts {
            network: net.network,
            client,
            client_record: pda::client(&net.network, &client),
            payment_payouts: net.payment_payouts(),
            stake_payouts: net.stake_payouts(),
            payment_destination,
            stake_destination,
            payment_mint: net.payment_mint,
            stake_mint: net.stake_mint,
            payment_token_program: net.payment_token_program,
            stake_token_program: net.stake_token_program,
        },
        instruction::CollectClientPayouts {},
    )
}

// ---------------------------------------------------------------- crank

/// `settle_job` (anyone).
pub fn settle_job(net: &NetworkKeys, k: &SettleKeys) -> Instruction {
    build(
        accounts::SettleJob {
            settle: settle_accounts(net, k),
        },
        instruction::SettleJob {},
    )
}

/// `expire_job` (anyone). `provider` is the Provider account holding the job, if accepted.
pub fn expire_job(
    net: &NetworkKeys,
    job: Pubkey,
    client: Pubkey,
    provider: Option<Pubkey>,
) -> Instruction {
    build(
        accounts::ExpireJob {
            refund: refund_accounts(net, job, client),
            provider,
        },
        instruction::ExpireJob {},
    )
}

/// `draw_audit` (anyone).
pub fn draw_audit(net: &NetworkKeys, job: Pubkey) -> Instruction {
    build(
        accounts::DrawAudit {
            network: net.network,
            job,
            slot_hashes: SLOT_HASHES_ID,
        },
        instruction::DrawAudit {},
    )
}

// ---------------------------------------------------------------- attestor

/// `attest` by `attestor`. `earlier_voters` are the keys of the attestors that already voted on
/// the job, whose attestations the deciding vote closes.
pub fn attest(
    net: &NetworkKeys,
    k: &SettleKeys,
    attestor: Pubkey,
    args: spice::instructions::AttestArgs,
    earlier_voters: &[Pubkey],
) -> Instruction {
    let mut ix = build(
        accounts::Attest {
            settle: settle_accounts(net, k),
            attestor_key: attestor,
            attestor: pda::attestor(&net.network, &attestor),
            attestation: pda::attestation(&k.job, &attestor),
            stake_vault: pda::stake_vault(&k.provider),
            stake_treasury: net.stake_treasury(),
            stake_payouts: Some(net.stake_payouts()),
            client_stake_token: net.stake_ata(&k.client),
            stake_mint: net.stake_mint,
            stake_token_program: net.stake_token_program,
        },
        instruction::Attest { args },
    );
    for voter in earlier_voters {
        ix.accounts.extend([
            AccountMeta::new(pda::attestation(&k.job, voter), false),
            AccountMeta::new(pda::attestor(&net.network, voter), false),
            AccountMeta::new(*voter, false),
        ]);
    }
    ix
}

/// `close_attestation` by the attestor, after the job closed.
pub fn close_attestation(job: Pubkey, attestor: Pubkey) -> Instruction {
    build(
        accounts::CloseAttestation {
            attestor_key: attestor,
            job,
            attestation: pda::attestation(&job, &attestor),
        },
        instruction::CloseAttestation {},
    )
}

// ---------------------------------------------------------------- rewards

/// `fund_rewards` from `funder_token` (stake mint).
pub fn fund_rewards(
    net: &NetworkKeys,
    funder: Pubkey,
    funder_token: Pubkey,
    amount: u64,
) -> Instruction {
    build(
        accounts::FundRewards {
            funder,
            network: net.network,
            reward_vault: pda::reward_vault(&net.network),
            stake_mint: net.stake_mint,
            funder_token,
            token_program: net.stake_token_program,
        },
        instruction::FundRewards { amount },
    )
}

/// `finalize_epoch` (anyone), with every shard of the epoch (existing or not) in order.
pub fn finalize_epoch(net: &NetworkKeys, payer: Pubkey, index: u64) -> Instruction {
    let mut ix = build(
        accounts::FinalizeEpoch {
            payer,
            network: net.network,
            epoch_book: pda::epoch_book(&net.network, page_of(index)),
            reward_vault: pda::reward_vault(&net.network),
            system_program: system_program::ID,
        },
        instruction::FinalizeEpoch { index },
    );
    ix.accounts.extend(
        (0..net.shard_count)
            .map(|i| AccountMeta::new_readonly(pda::epoch_shard(&net.network, index, i), false)),
    );
    ix
}

/// `close_epoch_shard` (anyone): shard `shard` of the finalized epoch `index`, whose recorded
/// rent payer is `payer`.
pub fn close_epoch_shard(net: &NetworkKeys, index: u64, shard: u8, payer: Pubkey) -> Instruction {
    build(
        accounts::CloseEpochShard {
            network: net.network,
            epoch_shard: pda::epoch_shard(&net.network, index, shard),
            epoch_book: pda::epoch_book(&net.network, page_of(index)),
            payer,
        },
        instruction::CloseEpochShard {},
    )
}

/// `claim_rewards` by the provider of `owner` for every open epoch of the book pages `pages`
/// (ascending; the provider's book page must exist for each).
pub fn claim_rewards(
    net: &NetworkKeys,
    owner: Pubkey,
    destination: Pubkey,
    pages: &[u64],
) -> Instruction {
    let provider = pda::provider(&net.network, &owner);
    let mut ix = build(
        accounts::ClaimRewards {
            owner,
            network: net.network,
            provider,
            reward_vault: pda::reward_vault(&net.network),
            stake_mint: net.stake_mint,
            destination,
            token_program: net.stake_token_program,
        },
        instruction::ClaimRewards {},
    );
    for page in pages {
        ix.accounts.extend([
            AccountMeta::new(pda::epoch_book(&net.network, *page), false),
            AccountMeta::new(pda::provider_book(&provider, *page), false),
        ]);
    }
    ix
}

/// `close_epoch` (anyone).
pub fn close_epoch(net: &NetworkKeys, index: u64) -> Instruction {
    build(
        accounts::CloseEpoch {
            network: net.network,
            epoch_book: pda::epoch_book(&net.network, page_of(index)),
        },
        instruction::CloseEpoch { index },
    )
}

/// `close_provider_book` (anyone): page `page` of `provider` (PDA), whose recorded rent payer
/// is `payer`; `epoch_book_exists` says whether the network's page of the same epochs exists.
pub fn close_provider_book(
    net: &NetworkKeys,
    provider: Pubkey,
    page: u64,
    payer: Pubkey,
    epoch_book_exists: bool,
) -> Instruction {
    build(
        accounts::CloseProviderBook {
            network: net.network,
            provider_book: pda::provider_book(&provider, page),
            epoch_book: epoch_book_exists.then(|| pda::epoch_book(&net.network, page)),
            payer,
        },
        instruction::CloseProviderBook { provider, page },
    )
}
