//! One builder per instruction, from the program's own `accounts::*` and `instruction::*`
//! types. Builders take the few keys a caller knows and derive every PDA with [`crate::pda`].

use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::system_program;
use anchor_lang::{InstructionData, ToAccountMetas};
use spice::audit::SLOT_HASHES_ID;
use spice::state::{HardwareSpec, Network, NetworkParams};
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
}

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction {
        program_id: spice::ID,
        accounts: accounts.to_account_metas(None),
        data: data.data(),
    }
}

// ---------------------------------------------------------------- authority

/// `create_network`. Pass the mints' token programs; the stake treasury is created only when
/// the mints differ.
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
) -> Instruction {
    let network = pda::network(&creator, id);
    let stake_treasury = (payment_mint != stake_mint).then(|| pda::treasury(&network, &stake_mint));
    build(
        accounts::CreateNetwork {
            creator,
            network,
            payment_mint,
            stake_mint,
            payment_treasury: pda::treasury(&network, &payment_mint),
            stake_treasury,
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
            },
        },
    )
}

/// `update_params`.
pub fn update_params(authority: Pubkey, network: Pubkey, params: NetworkParams) -> Instruction {
    build(
        accounts::UpdateParams { authority, network },
        instruction::UpdateParams { params },
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
    let token_program = if mint == net.payment_mint {
        net.payment_token_program
    } else {
        net.stake_token_program
    };
    build(
        accounts::WithdrawTreasury {
            authority,
            network: net.network,
            mint,
            treasury: pda::treasury(&net.network, &mint),
            destination,
            token_program,
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
        instruction::RemoveAttestor {},
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
    result_hash: [u8; 32],
    units: u64,
) -> Instruction {
    build(
        accounts::SubmitResult {
            owner,
            network: net.network,
            provider: pda::provider(&net.network, &owner),
            job,
        },
        instruction::SubmitResult { result_hash, units },
    )
}

// ---------------------------------------------------------------- client

/// `create_job` with escrow from `client_token`.
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

/// `cancel_job`, refunding to `client_token`.
pub fn cancel_job(
    net: &NetworkKeys,
    client: Pubkey,
    job: Pubkey,
    client_token: Pubkey,
) -> Instruction {
    build(
        accounts::CancelJob {
            client,
            network: net.network,
            job,
            escrow_vault: pda::escrow_vault(&job),
            client_token,
            payment_mint: net.payment_mint,
            token_program: net.payment_token_program,
        },
        instruction::CancelJob {},
    )
}

/// Who and where a settlement pays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SettleKeys {
    pub job: Pubkey,
    pub client: Pubkey,
    pub client_token: Pubkey,
    /// The Provider account (PDA) that ran the job.
    pub provider: Pubkey,
    /// The provider owner's payment-mint account.
    pub provider_token: Pubkey,
    /// Signs and pays the rent of the epoch accounts settlement may create (gets it back when
    /// they close): the client for `approve_job`, the cranker for `settle_job`, the attestor
    /// for `attest`.
    pub payer: Pubkey,
    /// The epoch the settlement lands in ([`NetworkKeys::epoch_at`] of the cluster's time).
    pub epoch: u64,
}

fn settle_accounts(net: &NetworkKeys, k: &SettleKeys) -> accounts::SettleAccounts {
    accounts::SettleAccounts {
        network: net.network,
        job: k.job,
        escrow_vault: pda::escrow_vault(&k.job),
        provider: k.provider,
        provider_token: k.provider_token,
        client: k.client,
        client_token: k.client_token,
        treasury: net.payment_treasury(),
        payment_mint: net.payment_mint,
        token_program: net.payment_token_program,
        slot_hashes: SLOT_HASHES_ID,
        payer: k.payer,
        provider_epoch: pda::provider_epoch(&k.provider, k.epoch),
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
            client: k.client,
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
    client_token: Pubkey,
    provider: Option<Pubkey>,
) -> Instruction {
    build(
        accounts::ExpireJob {
            network: net.network,
            job,
            escrow_vault: pda::escrow_vault(&job),
            provider,
            client,
            client_token,
            payment_mint: net.payment_mint,
            token_program: net.payment_token_program,
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

/// `attest` by `attestor`. `client_stake_token` is the client's stake-mint account (paid its
/// share of a slash); `earlier_voters` are the keys of the attestors that already voted on the
/// job, whose attestations the deciding vote closes.
pub fn attest(
    net: &NetworkKeys,
    k: &SettleKeys,
    attestor: Pubkey,
    client_stake_token: Pubkey,
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
            client_stake_token,
            stake_mint: net.stake_mint,
            stake_token_program: net.stake_token_program,
            system_program: system_program::ID,
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
            attestation: pda::attestation(&job, &attestor),
            job,
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

/// The `(shard, rent payer)` remaining accounts of epoch `index`: `shard_payers[i]` is the
/// payer recorded in shard `i`, or `None` when the shard does not exist.
fn shard_metas(net: &NetworkKeys, index: u64, shard_payers: &[Option<Pubkey>]) -> Vec<AccountMeta> {
    let mut metas = Vec::with_capacity(shard_payers.len() * 2);
    for (i, payer) in shard_payers.iter().enumerate() {
        let shard = pda::epoch_shard(&net.network, index, i as u8);
        metas.push(AccountMeta::new(shard, false));
        metas.push(AccountMeta::new(payer.unwrap_or(shard), false));
    }
    metas
}

/// `finalize_epoch` (anyone); `shard_payers` has one entry per shard (see [`shard_metas`]).
pub fn finalize_epoch(
    net: &NetworkKeys,
    payer: Pubkey,
    index: u64,
    shard_payers: &[Option<Pubkey>],
) -> Instruction {
    let mut ix = build(
        accounts::FinalizeEpoch {
            payer,
            network: net.network,
            epoch: pda::epoch(&net.network, index),
            reward_vault: pda::reward_vault(&net.network),
            system_program: system_program::ID,
        },
        instruction::FinalizeEpoch { index },
    );
    ix.accounts.extend(shard_metas(net, index, shard_payers));
    ix
}

/// `claim_rewards` by the provider of `owner` for `epochs`: (epoch index, the rent payer
/// recorded in its ProviderEpoch).
pub fn claim_rewards(
    net: &NetworkKeys,
    owner: Pubkey,
    destination: Pubkey,
    epochs: &[(u64, Pubkey)],
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
    for (index, payer) in epochs {
        ix.accounts.extend([
            AccountMeta::new(pda::epoch(&net.network, *index), false),
            AccountMeta::new(pda::provider_epoch(&provider, *index), false),
            AccountMeta::new(*payer, false),
        ]);
    }
    ix
}

/// `close_epoch` (anyone): `payer` is the epoch's recorded rent payer.
pub fn close_epoch(
    net: &NetworkKeys,
    index: u64,
    payer: Pubkey,
    shard_payers: &[Option<Pubkey>],
) -> Instruction {
    let mut ix = build(
        accounts::CloseEpoch {
            network: net.network,
            epoch: pda::epoch(&net.network, index),
            payer,
        },
        instruction::CloseEpoch {},
    );
    ix.accounts.extend(shard_metas(net, index, shard_payers));
    ix
}

/// `close_provider_epoch` (anyone): the unclaimed ProviderEpoch of `provider` (PDA) for
/// `index`, whose recorded rent payer is `payer`.
pub fn close_provider_epoch(
    net: &NetworkKeys,
    provider: Pubkey,
    index: u64,
    payer: Pubkey,
) -> Instruction {
    build(
        accounts::CloseProviderEpoch {
            network: net.network,
            provider_epoch: pda::provider_epoch(&provider, index),
            payer,
        },
        instruction::CloseProviderEpoch {},
    )
}
