//! Fetching and decoding: one typed account, or a [`Snapshot`] of everything a network owns
//! (its program accounts, its vaults, every token account of its mints, the mints), which is
//! what the audit reads.

use anchor_lang::prelude::Pubkey;
use anchor_lang::{AccountDeserialize, Discriminator};
use anchor_spl::token_2022::spl_token_2022::extension::StateWithExtensions;
use anchor_spl::token_2022::spl_token_2022::state::{
    Account as TokenState, AccountState, Mint as MintState,
};
use solana_sdk::account::Account;
use spice::state::{
    Attestation, Attestor, Client, EpochBook, EpochShard, Job, Network, Provider, ProviderBook,
};

use crate::ix::NetworkKeys;
use crate::ledger::{Ledger, LedgerError, Result};

fn decode_error(what: &str, address: &Pubkey, e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Backend(format!("{address} is not a {what}: {e}"))
}

/// The short name of account type `T` (`Job`), for messages.
fn type_label<T>() -> &'static str {
    std::any::type_name::<T>()
        .rsplit("::")
        .next()
        .unwrap_or("Spice account")
}

/// Decodes a Spice account of type `T` (discriminator and owner checked).
pub fn decode<T: AccountDeserialize + Discriminator>(
    address: &Pubkey,
    account: &Account,
) -> Result<T> {
    let name = type_label::<T>();
    if account.owner != spice::ID {
        return Err(decode_error(
            name,
            address,
            format!("owned by {}", account.owner),
        ));
    }
    T::try_deserialize(&mut account.data.as_slice()).map_err(|e| decode_error(name, address, e))
}

/// Fetches and decodes a Spice account; `None` if it does not exist.
pub fn fetch<T: AccountDeserialize + Discriminator>(
    ledger: &mut dyn Ledger,
    address: &Pubkey,
) -> Result<Option<T>> {
    match ledger.account(address)? {
        Some(account) => decode(address, &account).map(Some),
        None => Ok(None),
    }
}

/// Fetches a Spice account that must exist.
pub fn fetch_required<T: AccountDeserialize + Discriminator>(
    ledger: &mut dyn Ledger,
    address: &Pubkey,
) -> Result<T> {
    let name = type_label::<T>();
    fetch(ledger, address)?
        .ok_or_else(|| LedgerError::Backend(format!("no {name} account at {address}")))
}

/// Every Spice account of type `T` (by discriminator) the ledger holds, sorted by address.
pub fn program_accounts<T: AccountDeserialize + Discriminator>(
    ledger: &mut dyn Ledger,
) -> Result<Vec<(Pubkey, T)>> {
    let mut out = Vec::new();
    for (address, account) in ledger.accounts_owned_by(&spice::ID, None)? {
        if account.data.get(..8) == Some(T::DISCRIMINATOR) {
            out.push((address, decode::<T>(&address, &account)?));
        }
    }
    out.sort_by_key(|(k, _)| *k);
    Ok(out)
}

/// The network's keys, read from its account.
pub fn network_keys(ledger: &mut dyn Ledger, network: &Pubkey) -> Result<NetworkKeys> {
    let account: Network = fetch_required(ledger, network)?;
    Ok(NetworkKeys::from_account(*network, &account))
}

/// A token account's state, for any token program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenAccount {
    pub address: Pubkey,
    pub mint: Pubkey,
    /// The account's authority (a PDA for the program's vaults).
    pub owner: Pubkey,
    pub amount: u64,
    pub delegate: Option<Pubkey>,
    pub close_authority: Option<Pubkey>,
    pub frozen: bool,
    /// The token program that owns it.
    pub token_program: Pubkey,
}

/// Decodes an SPL Token or Token-2022 account.
pub fn decode_token_account(address: &Pubkey, account: &Account) -> Option<TokenAccount> {
    let state = StateWithExtensions::<TokenState>::unpack(&account.data).ok()?;
    let base = state.base;
    Some(TokenAccount {
        address: *address,
        mint: base.mint,
        owner: base.owner,
        amount: base.amount,
        delegate: Option::from(base.delegate),
        close_authority: Option::from(base.close_authority),
        frozen: base.state == AccountState::Frozen,
        token_program: account.owner,
    })
}

/// A mint's supply and decimals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MintInfo {
    pub address: Pubkey,
    pub supply: u64,
    pub decimals: u8,
    pub token_program: Pubkey,
    pub mint_authority: Option<Pubkey>,
}

/// Decodes an SPL Token or Token-2022 mint.
pub fn decode_mint(address: &Pubkey, account: &Account) -> Option<MintInfo> {
    let state = StateWithExtensions::<MintState>::unpack(&account.data).ok()?;
    Some(MintInfo {
        address: *address,
        supply: state.base.supply,
        decimals: state.base.decimals,
        token_program: account.owner,
        mint_authority: Option::from(state.base.mint_authority),
    })
}

/// Fetches a mint.
pub fn fetch_mint(ledger: &mut dyn Ledger, address: &Pubkey) -> Result<MintInfo> {
    let account = ledger
        .account(address)?
        .ok_or_else(|| LedgerError::Backend(format!("no mint at {address}")))?;
    decode_mint(address, &account)
        .ok_or_else(|| LedgerError::Backend(format!("{address} is not a token mint")))
}

/// Token balance of an account; 0 when it does not exist or is not a token account.
pub fn token_balance(ledger: &mut dyn Ledger, address: &Pubkey) -> Result<u64> {
    Ok(ledger
        .account(address)?
        .and_then(|a| decode_token_account(address, &a))
        .map(|t| t.amount)
        .unwrap_or(0))
}

/// Everything a network owns, fetched at one moment: the input of the audit.
#[derive(Clone, Debug)]
pub struct Snapshot {
    pub network_address: Pubkey,
    pub network: Network,
    /// Unix time and slot when the snapshot was taken.
    pub unix_timestamp: i64,
    pub slot: u64,
    pub providers: Vec<(Pubkey, Provider)>,
    pub jobs: Vec<(Pubkey, Job)>,
    pub attestors: Vec<(Pubkey, Attestor)>,
    /// Votes on this network's jobs (by attestors of this network).
    pub attestations: Vec<(Pubkey, Attestation)>,
    /// Client records (job counters, owed refunds).
    pub clients: Vec<(Pubkey, Client)>,
    /// Pages of epoch results.
    pub epoch_books: Vec<(Pubkey, EpochBook)>,
    /// Shards of epochs not finalized yet.
    pub shards: Vec<(Pubkey, EpochShard)>,
    /// Pages of the providers' work per epoch.
    pub provider_books: Vec<(Pubkey, ProviderBook)>,
    /// The payment mint, and the stake mint when it differs.
    pub mints: Vec<MintInfo>,
    /// Every token account of the network's mints the ledger holds (users' and vaults').
    pub token_accounts: Vec<TokenAccount>,
}

impl Snapshot {
    /// A token account by address.
    pub fn token_account(&self, address: &Pubkey) -> Option<&TokenAccount> {
        self.token_accounts.iter().find(|t| t.address == *address)
    }

    /// Fetches every account of `network`.
    pub fn fetch(ledger: &mut dyn Ledger, network: &Pubkey) -> Result<Self> {
        let clock = ledger.clock()?;
        let net: Network = fetch_required(ledger, network)?;
        let mut snap = Snapshot {
            network_address: *network,
            network: net.clone(),
            unix_timestamp: clock.unix_timestamp,
            slot: clock.slot,
            providers: vec![],
            jobs: vec![],
            attestors: vec![],
            attestations: vec![],
            clients: vec![],
            epoch_books: vec![],
            shards: vec![],
            provider_books: vec![],
            mints: vec![],
            token_accounts: vec![],
        };
        let mut attestations = vec![];
        for (address, account) in ledger.accounts_owned_by(&spice::ID, None)? {
            let Some(disc) = account.data.get(..8) else {
                continue;
            };
            let mine = |n: &Pubkey| n == network;
            if disc == Provider::DISCRIMINATOR {
                let p: Provider = decode(&address, &account)?;
                if mine(&p.network) {
                    snap.providers.push((address, p));
                }
            } else if disc == Job::DISCRIMINATOR {
                let j: Job = decode(&address, &account)?;
                if mine(&j.network) {
                    snap.jobs.push((address, j));
                }
            } else if disc == Attestor::DISCRIMINATOR {
                let a: Attestor = decode(&address, &account)?;
                if mine(&a.network) {
                    snap.attestors.push((address, a));
                }
            } else if disc == Attestation::DISCRIMINATOR {
                attestations.push((address, decode::<Attestation>(&address, &account)?));
            } else if disc == Client::DISCRIMINATOR {
                let c: Client = decode(&address, &account)?;
                if mine(&c.network) {
                    snap.clients.push((address, c));
                }
            } else if disc == EpochBook::DISCRIMINATOR {
                let e: EpochBook = decode(&address, &account)?;
                if mine(&e.network) {
                    snap.epoch_books.push((address, e));
                }
            } else if disc == EpochShard::DISCRIMINATOR {
                let s: EpochShard = decode(&address, &account)?;
                if mine(&s.network) {
                    snap.shards.push((address, s));
                }
            } else if disc == ProviderBook::DISCRIMINATOR {
                let b: ProviderBook = decode(&address, &account)?;
                if mine(&b.network) {
                    snap.provider_books.push((address, b));
                }
            }
        }
        // An attestation names its attestor's key; keep the votes of this network's attestors.
        snap.attestations = attestations
            .into_iter()
            .filter(|(_, a)| snap.attestors.iter().any(|(_, r)| r.key == a.attestor))
            .collect();
        let mut mints = vec![(net.payment_mint, net.payment_token_program)];
        if net.stake_mint != net.payment_mint {
            mints.push((net.stake_mint, net.stake_token_program));
        }
        for (mint, program) in mints {
            snap.mints.push(fetch_mint(ledger, &mint)?);
            for (address, account) in ledger.accounts_owned_by(&program, Some(&mint))? {
                if let Some(t) = decode_token_account(&address, &account) {
                    if t.mint == mint {
                        snap.token_accounts.push(t);
                    }
                }
            }
        }
        for list in [
            &mut snap.providers as &mut dyn SortByKey,
            &mut snap.jobs,
            &mut snap.attestors,
            &mut snap.attestations,
            &mut snap.clients,
            &mut snap.epoch_books,
            &mut snap.shards,
            &mut snap.provider_books,
        ] {
            list.sort_by_key_address();
        }
        snap.token_accounts.sort_by_key(|t| t.address);
        Ok(snap)
    }
}

/// Deterministic order for reports.
trait SortByKey {
    fn sort_by_key_address(&mut self);
}

impl<T> SortByKey for Vec<(Pubkey, T)> {
    fn sort_by_key_address(&mut self) {
        self.sort_by_key(|(k, _)| *k);
    }
}
